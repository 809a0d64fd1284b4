#!/usr/bin/env python3
"""measure.py - run commands several times, report median wall time and
peak resident memory of each, and the ratio of the first to the second.

    measure.py RUNS NAME1 CMD1 NAME2 CMD2 [--cwd DIR]

CMDs are shell strings. Peak memory comes from wait4()'s rusage of that
child alone (ru_maxrss, KiB on Linux), so runs do not pollute each other.
Prints one line per command (median wall time, peak memory, median CPU
time of all its threads) and a ratio line; exits non-zero if a command
fails (exit status other than 0 or 1: 1 is 'findings' for tend).
"""
import os
import statistics
import subprocess
import sys
import time


def run(cmd, cwd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, shell=True, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    cpu = ru.ru_utime + ru.ru_stime
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    if p.returncode not in (0, 1):
        sys.exit("command failed (%d): %s\n%s" % (p.returncode, cmd, err))
    return elapsed, ru.ru_maxrss, cpu


def main():
    args = sys.argv[1:]
    cwd = None
    if "--cwd" in args:
        i = args.index("--cwd")
        cwd = args[i + 1]
        del args[i:i + 2]
    runs = int(args[0])
    pairs = [(args[i], args[i + 1]) for i in range(1, len(args), 2)]
    results = []
    for name, cmd in pairs:
        run(cmd, cwd)  # warm the page cache
    for name, cmd in pairs:
        times, cpus, rss = [], [], 0
        for _ in range(runs):
            t, m, c = run(cmd, cwd)
            times.append(t)
            cpus.append(c)
            rss = max(rss, m)
        med = statistics.median(times)
        results.append((name, med, rss))
        # CPU time (user + system, all threads) comes last, so that
        # scripts reading the fields above keep working.
        print("%-24s median %8.1f ms  peak %8.1f MB  (%d runs)  cpu %8.1f ms"
              % (name, med * 1000, rss / 1024, runs,
                 statistics.median(cpus) * 1000))
    if len(results) >= 2:
        print("ratio %s/%s: %.2fx time, %.2fx memory" % (
            results[0][0], results[1][0], results[0][1] / results[1][1],
            results[0][2] / results[1][2]))


if __name__ == "__main__":
    main()
