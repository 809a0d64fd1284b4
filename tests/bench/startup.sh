#!/bin/sh
# startup.sh - what it costs to start tend, against plain execs measured
# in the same run: `/bin/true` (an exec and nothing else) and
# `git --version` (a C program of the same family). tend's own commands:
# `tend --help` (dynamic linking and start-up, no work) and `tend version`
# (that, plus opening libcurl, which tend loads only when a request is
# made). The commands run interleaved, RUNS times each (default 300),
# each a direct exec (no shell); median and 95th percentile in ms.
#
#   TEND_BIN=build/release/tend sh tests/bench/startup.sh [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${TEND_BIN:-$here/../../build/release/tend}
runs=${1:-300}
[ -x "$bin" ] || { echo "startup: no tend at $bin" >&2; exit 2; }
command -v git >/dev/null || { echo "startup: git is missing" >&2; exit 2; }

python3 - "$runs" "$bin" <<'EOF'
import subprocess
import sys
import time

runs, tend = int(sys.argv[1]), sys.argv[2]
cmds = [("/bin/true", ["/bin/true"]),
        ("git --version", ["git", "--version"]),
        ("tend --help", [tend, "--help"]),
        ("tend version", [tend, "version"])]
times = {name: [] for name, _ in cmds}
for _ in range(runs):
    for name, argv in cmds:
        t = time.perf_counter()
        rc = subprocess.call(argv, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        times[name].append(time.perf_counter() - t)
        if rc != 0:
            sys.exit("startup: %s exited %d" % (name, rc))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs))) - 1))] \
        * 1000


base = pct(times["/bin/true"], 50)
git = pct(times["git --version"], 50)
print("startup: %d runs each, interleaved" % runs)
for name, _ in cmds:
    p50 = pct(times[name], 50)
    print("%-16s p50 %6.2f ms  p95 %6.2f ms  %5.1fx /bin/true  %5.2fx git"
          % (name, p50, pct(times[name], 95), p50 / base, p50 / git))
EOF
