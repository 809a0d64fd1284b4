#!/usr/bin/env python3
"""index_bench.py - the measuring half of tests/bench/index.sh: retrieval
quality of `tend index --query` on a repository's own history against a
`git grep` keyword baseline, the time of an update after a five-file
commit, query latency, and the database's size against the source's.

    index_bench.py recall  TEND REPO REV COMMITS LIMIT RESULTS SUBJECTS
    index_bench.py update  TEND REPO ROUNDS RESULTS
    index_bench.py latency TEND REPO SUBJECTS N RESULTS
    index_bench.py size    REPO RESULTS
    index_bench.py report  RESULTS

Every subcommand but `report` appends `key value` lines to RESULTS and
prints what it measured; `report` prints the whole report from RESULTS
and exits 1 when a target is missed. Standard library only.

Recall: the last COMMITS commits reachable from REV that are not merges,
change at most MAX_FILES files and modify or delete at least one file of
their parent, oldest first. For each, the query is the commit message
(subject and body, trailers such as Signed-off-by left out) and the truth
is the set of files it modified or deleted. tend answers with
`tend index --rev PARENT --query MSG --limit LIMIT` (the index follows
the parents, updating incrementally); the baseline is
`git grep -c -I -i -P '\\b(?:W1|W2|...)\\b' PARENT` (-w -E without
PCRE2: the same lines) over the message's first 32 distinct words of
three letters or more minus stop words, files ranked by their count of
matching lines. A second, stronger baseline from the same grep (-o -n):
files ranked by BM25 of the words over whole files (for information; the
target is against the first).
recall@k = |truth & top k files| / |truth|, averaged over commits;
hit@k = share of commits with a truth file in the top k.
"""
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

MAX_FILES = 20
# Keywords the baseline searches for: the first 32, as tend's query
# takes at most 32 terms (REVIEW_INDEX_MAX_TERMS).
MAX_WORDS = 32

# Words too common to be a keyword; the baseline drops them.
STOP = set("""
the and for that this with from are was were but not have has had when
which what who will can its into than then them they there these those
also been being would should could does did doing done only some such
more most other any all each both just like may might must now out our
over same very via use used uses using where while why how you your one
two make makes made get gets got instead because before after about
above below between since still even though without within their there
here let lets way need needs new old yet too off ones don doesn isn
""".split())

# A trailer line: "Signed-off-by: ...", "Helped-by: ...", "Cc: ...".
TRAILER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*(-by|-to)?:\s")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")


def git(repo, *args):
    return subprocess.run(("git", "-C", repo) + args, check=True,
                          stdout=subprocess.PIPE).stdout.decode(
                              errors="replace")


def append(results, pairs):
    with open(results, "a") as f:
        for k, v in pairs:
            f.write("%s %s\n" % (k, v))


def message(repo, commit):
    """The commit message without its trailer block and -by: lines."""
    paras = git(repo, "log", "-1", "--format=%B", commit).strip().split(
        "\n\n")
    last = [ln for ln in paras[-1].splitlines() if ln.strip()]
    if len(paras) > 1 and last and all(
            TRAILER.match(ln) or ln[:1] in " \t" for ln in last):
        paras.pop()
    text = "\n\n".join(paras)
    return "\n".join(ln for ln in text.splitlines()
                     if not re.match(r"^[A-Za-z-]+-by:\s", ln)).strip()


def words(text):
    """The baseline's keywords: distinct, lower case, no stop words."""
    seen = []
    for w in WORD.findall(text):
        w = w.lower()
        if w not in STOP and w not in seen:
            seen.append(w)
    return seen


def pick_commits(repo, rev, n):
    """[(commit, parent, truth)], oldest first: see the module comment."""
    p = subprocess.Popen(("git", "-C", repo, "log", "--no-merges",
                          "--no-renames", "--name-status",
                          "--format=@@@%H %P", rev),
                         stdout=subprocess.PIPE)
    out, cur = [], None

    def close(c):
        if c and len(c[1]) == 1 and c[3] <= MAX_FILES and c[2]:
            out.append((c[0], c[1][0], sorted(c[2])))

    for raw in p.stdout:
        line = raw.decode(errors="replace").rstrip("\n")
        if line.startswith("@@@"):
            close(cur)
            if len(out) >= n:
                break
            ids = line[3:].split()
            cur = [ids[0], ids[1:], set(), 0]
        elif line and cur:
            status, _, path = line.partition("\t")
            cur[3] += 1
            if status[:1] in "MDT":
                cur[2].add(path)
    else:
        close(cur)
    p.kill()
    p.wait()
    out = out[:n]
    out.reverse()
    return out


def top_files(paths, k):
    """The first k distinct paths, in order."""
    seen = []
    for path in paths:
        if path not in seen:
            seen.append(path)
            if len(seen) == k:
                break
    return seen


# git grep's engine: "P" (PCRE2, with \b around the words) while git has
# it, "E" (POSIX -w) otherwise. Both match the same lines; PCRE2 is about
# five times faster on 32 words.
GREP_ENGINE = ["P"]


def grep(repo, rev, ws, opts):
    """The output lines of `git grep OPTS` for the words in rev (None: the
    work tree), the "rev:" prefix removed."""
    # One alternation, not one -e per word: git grep tries each -e on
    # every line, which is a hundred times slower for 32 words. Words are
    # [A-Za-z0-9_] only, so nothing needs quoting.
    alt = "|".join(ws[:MAX_WORDS])
    while True:
        args = ["git", "-C", repo, "grep", "-I", "-i"] + opts
        if GREP_ENGINE[0] == "P":
            args += ["-P", "-e", r"\b(?:%s)\b" % alt]
        else:
            args += ["-w", "-E", "-e", "(%s)" % alt]
        if rev:
            args.append(rev)
        args.append("--")
        p = subprocess.run(args, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        if p.returncode > 1 and GREP_ENGINE[0] == "P":
            GREP_ENGINE[0] = "E"
            continue
        break
    n = len(rev) + 1 if rev else 0
    return [ln[n:] for ln in p.stdout.decode(errors="replace").splitlines()]


def grep_count_rank(repo, rev, ws):
    """Files ranked by their count of lines holding one of the words
    (`git grep -c`), most first: the keyword search of the brief."""
    if not ws:
        return []
    counts = []
    for line in grep(repo, rev, ws, ["-c"]):
        path, _, n = line.rpartition(":")
        if n.isdigit():
            counts.append((-int(n), path))
    counts.sort()
    return [path for _, path in counts]


def grep_ranks(repo, rev, ws):
    """Two rankings of rev's files from one `git grep -o -n` of the words:
    by count of matching lines (as grep_count_rank), and by BM25 over
    whole files (k1 1.2, b 0.75, the blob's size as its length), which
    a keyword search worth the name would do."""
    if not ws:
        return [], []
    lines, tf = {}, {}
    for line in grep(repo, rev, ws, ["-o", "-n"]):
        rest, _, word = line.rpartition(":")
        path, _, num = rest.rpartition(":")
        if not num.isdigit():
            continue
        lines.setdefault(path, set()).add(num)
        t = tf.setdefault(word.lower(), {})
        t[path] = t.get(path, 0) + 1
    size = {}
    for line in git(repo, "ls-tree", "-r", "-l", rev).splitlines():
        f = line.split(None, 4)
        if f[1] == "blob" and f[3].isdigit():
            size[f[4]] = int(f[3])
    nr = max(len(size), 1)
    avg = max(sum(size.values()) / nr, 1)
    score = {}
    for t in tf.values():
        idf = math.log(1 + (nr - len(t) + 0.5) / (len(t) + 0.5))
        for path, n in t.items():
            norm = 1.2 * (0.25 + 0.75 * size.get(path, avg) / avg)
            score[path] = score.get(path, 0) + idf * n * 2.2 / (n + norm)
    by_lines = sorted(lines, key=lambda p: (-len(lines[p]), p))
    by_bm25 = sorted(score, key=lambda p: (-score[p], p))
    return by_lines, by_bm25


class Scores:
    """recall@k and hit@k summed over commits, for k in KS."""
    KS = (5, 10)

    def __init__(self):
        self.recall = dict((k, 0.0) for k in self.KS)
        self.hit = dict((k, 0) for k in self.KS)
        self.n = 0

    def add(self, truth, ranked):
        self.n += 1
        for k in self.KS:
            got = len(set(truth) & set(top_files(ranked, k)))
            self.recall[k] += got / len(truth)
            self.hit[k] += got > 0

    def pairs(self, name):
        n = max(self.n, 1)
        out = []
        for k in self.KS:
            out.append(("%s.recall%d" % (name, k),
                        "%.4f" % (self.recall[k] / n)))
            out.append(("%s.hit%d" % (name, k), "%.4f" % (self.hit[k] / n)))
        return out


def cmd_recall(tend, repo, rev, n, limit, results, subjects):
    commits = pick_commits(repo, rev, int(n))
    if not commits:
        sys.exit("index_bench: no eligible commit before %s" % rev)
    tend_s, chunk_s, grep_s, bm25_s = Scores(), Scores(), Scores(), Scores()
    update_ms, grep_ms, failed = [], [], 0
    start = time.perf_counter()
    with open(subjects, "w") as subj:
        for i, (commit, parent, truth) in enumerate(commits):
            msg = message(repo, commit)
            subj.write((msg.splitlines() or [""])[0] + "\n")
            p = subprocess.run((tend, "index", "-q", "--rev", parent,
                                "--query=" + msg, "--limit", str(limit),
                                "--format", "json"), cwd=repo,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            hits = []
            if p.returncode:
                failed += 1
                sys.stderr.write("index_bench: tend failed on %s: %s\n" % (
                    commit[:12], p.stderr.decode(errors="replace")[:300]))
            else:
                doc = json.loads(p.stdout)
                hits = [h["path"] for h in doc.get("hits", [])]
                if doc.get("update"):
                    update_ms.append(doc["update"]["ms"])
            tend_s.add(truth, hits)
            # The --limit 10 chunks as they come (fewer distinct files).
            chunk_s.add(truth, hits[:10])
            t = time.perf_counter()
            by_lines, by_bm25 = grep_ranks(repo, parent, words(msg))
            grep_s.add(truth, by_lines)
            bm25_s.add(truth, by_bm25)
            grep_ms.append((time.perf_counter() - t) * 1000)
            if (i + 1) % 25 == 0:
                sys.stderr.write("index_bench: %d/%d commits, %.0f s\n" % (
                    i + 1, len(commits), time.perf_counter() - start))
    oldest, newest = commits[0][0], commits[-1][0]
    pairs = [("recall.commits", len(commits)),
             ("recall.first", oldest), ("recall.last", newest),
             ("recall.first_date", git(repo, "log", "-1", "--format=%cs",
                                       oldest).strip()),
             ("recall.last_date", git(repo, "log", "-1", "--format=%cs",
                                      newest).strip()),
             ("recall.truth_files", "%.2f" % statistics.mean(
                 len(c[2]) for c in commits)),
             ("recall.tend_failed", failed),
             ("recall.limit", limit),
             ("recall.seconds", "%.0f" % (time.perf_counter() - start)),
             ("recall.update_ms_p50", "%.0f" % (statistics.median(update_ms)
                                                if update_ms else 0)),
             ("recall.grep_ms_p50", "%.0f" % statistics.median(grep_ms))]
    pairs += tend_s.pairs("tend") + chunk_s.pairs("tend10c")
    pairs += grep_s.pairs("grep") + bm25_s.pairs("bm25")
    append(results, pairs)
    for k, v in pairs:
        print("%-24s %s" % (k, v))


def timed(args, cwd):
    """Wall time (s) of one command, output discarded; and its stdout."""
    t = time.perf_counter()
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    if p.returncode not in (0, 1):
        sys.exit("index_bench: failed (%d): %s" % (p.returncode,
                                                   " ".join(args)[:200]))
    return elapsed, p.stdout


def cmd_update(tend, repo, rounds, results):
    """ROUNDS commits of five changed C files each, the update timed."""
    files = git(repo, "ls-files", "*.c").split()
    if len(files) < 5:
        sys.exit("index_bench: fewer than five C files in %s" % repo)
    step = len(files) // 5
    tend_s, git_s, parsed = [], [], []
    for r in range(int(rounds)):
        timed((tend, "index", "-q"), repo)  # the index at HEAD first
        chosen = [files[(i * step + r) % len(files)] for i in range(5)]
        for path in chosen:
            with open(os.path.join(repo, path), "a") as f:
                f.write("/* index bench: round %d */\n" % r)
        git(repo, "-c", "user.name=bench", "-c", "user.email=b@x.invalid",
            "commit", "-q", "-m", "bench: five files, round %d" % r,
            "--", *chosen)
        t, out = timed((tend, "index", "--format", "json"), repo)
        tend_s.append(t)
        parsed.append(json.loads(out)["update"]["parsed"])
        git_s.append(timed(("git", "diff", "--stat", "HEAD~1"), repo)[0])
    pairs = [("update.rounds", rounds),
             ("update.tend_ms_p50", "%.0f" % (statistics.median(tend_s)
                                              * 1000)),
             ("update.tend_ms_max", "%.0f" % (max(tend_s) * 1000)),
             ("update.parsed", "%d" % statistics.median(parsed)),
             ("update.git_ms_p50", "%.1f" % (statistics.median(git_s)
                                             * 1000))]
    append(results, pairs)
    for k, v in pairs:
        print("%-24s %s" % (k, v))


def pct(xs, p):
    """The p-th percentile (nearest rank) of xs, in ms."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs))) - 1))] \
        * 1000


def cmd_latency(tend, repo, subjects, n, results):
    """Each query run once (after a warm-up): tend, git grep, /bin/true."""
    with open(subjects) as f:
        qs = [q.strip() for q in f if q.strip()][:int(n)]
    timed((tend, "index", "-q"), repo)  # up to date before timing
    timed((tend, "index", "--query=" + qs[0], "--format", "json"), repo)
    tend_s, grep_s, true_s = [], [], []
    for q in qs:
        tend_s.append(timed((tend, "index", "--query=" + q, "--format",
                             "json"), repo)[0])
        t = time.perf_counter()
        grep_count_rank(repo, None, words(q))
        grep_s.append(time.perf_counter() - t)
        true_s.append(timed(("/bin/true",), repo)[0])
    pairs = [("latency.queries", len(qs))]
    for name, xs in (("tend", tend_s), ("grep", grep_s), ("true", true_s)):
        pairs.append(("latency.%s_p50" % name, "%.1f" % pct(xs, 50)))
        pairs.append(("latency.%s_p95" % name, "%.1f" % pct(xs, 95)))
    append(results, pairs)
    for k, v in pairs:
        print("%-24s %s" % (k, v))


def cmd_size(repo, results):
    """The database (+ -wal) against the blobs of the snapshot."""
    import sqlite3

    gitdir = git(repo, "rev-parse", "--git-common-dir").strip()
    db = os.path.join(repo, gitdir, "tend", "index.sqlite")
    size = os.path.getsize(db)
    if os.path.exists(db + "-wal"):
        size += os.path.getsize(db + "-wal")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    indexed = con.execute(
        "SELECT COUNT(*), COALESCE(SUM(b.size), 0) FROM files f JOIN "
        "blobs b ON b.blob = f.blob WHERE f.skipped IS NULL AND "
        "b.skipped IS NULL").fetchone()
    con.close()
    tree = 0
    for line in git(repo, "ls-tree", "-r", "-l", "HEAD").splitlines():
        fields = line.split(None, 4)
        if fields[1] == "blob" and fields[3].isdigit():
            tree += int(fields[3])
    pairs = [("size.db", size), ("size.tree", tree),
             ("size.indexed_files", indexed[0]), ("size.indexed", indexed[1])]
    append(results, pairs)
    for k, v in pairs:
        print("%-24s %s" % (k, v))


def cmd_report(results):
    r = {}
    with open(results) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition(" ")
            r[k] = v

    def num(k):
        return float(r[k])

    missed = []
    mb = 1024 * 1024
    print("== tend index benchmark: %s at %s (%s)" % (
        r["repo"], r["rev"][:12], r["rev_desc"]))
    print("recall: %d commits %s (%s) .. %s (%s), oldest first; "
          "%.2f truth files per commit; tend --limit %s chunks, "
          "top k distinct files; %s tend failures; %s s" % (
              num("recall.commits"), r["recall.first"][:12],
              r["recall.first_date"], r["recall.last"][:12],
              r["recall.last_date"], num("recall.truth_files"),
              r["recall.limit"], r["recall.tend_failed"],
              r["recall.seconds"]))
    print("  %-34s %9s %9s %7s %7s" % ("", "recall@5", "recall@10", "hit@5",
                                       "hit@10"))
    for key, label in (("tend", "tend index --query"),
                       ("tend10c", "tend, first 10 chunks only"),
                       ("grep", "git grep -c baseline (target)"),
                       ("bm25", "git grep + file BM25 baseline")):
        print("  %-34s %9.3f %9.3f %7.3f %7.3f" % (
            label, num(key + ".recall5"), num(key + ".recall10"),
            num(key + ".hit5"), num(key + ".hit10")))
    base = num("grep.recall10")
    ratio = num("tend.recall10") / base if base else float("inf")
    print("  recall@10 tend/baseline: %.2fx (target >= 1.5x)%s" % (
        ratio, "" if ratio >= 1.5 else "  MISSED"))
    if ratio < 1.5:
        missed.append("recall")
    base = num("bm25.recall10")
    print("  recall@10 tend/file BM25: %.2fx (for information)" % (
        num("tend.recall10") / base if base else float("inf")))
    print("  incremental update per parent (p50): %s ms; git grep per "
          "commit (p50): %s ms" % (r["recall.update_ms_p50"],
                                   r["recall.grep_ms_p50"]))
    t, c = num("full.tend_ms"), num("full.ctags_ms")
    print("full index from scratch (median of %s): tend %.0f ms, peak "
          "%.1f MB; ctags -R %.0f ms, peak %.1f MB; %.2fx (target <= 2x)%s"
          % (r["full.runs"], t, num("full.tend_mb"), c, num("full.ctags_mb"),
             t / c, "" if t <= 2 * c else "  MISSED"))
    if t > 2 * c:
        missed.append("full index")
    u = num("update.tend_ms_p50")
    print("update after a 5-file commit (median of %s, %s blobs parsed): "
          "tend %.0f ms (max %s ms; target < 500 ms)%s; git diff --stat "
          "HEAD~1 %s ms" % (r["update.rounds"], r["update.parsed"], u,
                            r["update.tend_ms_max"],
                            "" if u < 500 else "  MISSED",
                            r["update.git_ms_p50"]))
    if u >= 500:
        missed.append("update")
    q = num("latency.tend_p95")
    print("query latency (%s queries, commit subjects): tend p50 %s ms, "
          "p95 %.1f ms (target < 20 ms)%s; git grep -c p50 %s / p95 %s ms; "
          "/bin/true p50 %s / p95 %s ms" % (
              r["latency.queries"], r["latency.tend_p50"], q,
              "" if q < 20 else "  MISSED", r["latency.grep_p50"],
              r["latency.grep_p95"], r["latency.true_p50"],
              r["latency.true_p95"]))
    if q >= 20:
        missed.append("query latency")
    print("size: database %.1f MB (with -wal) for %.1f MB of %d indexed "
          "files (%.2fx); the whole tree's blobs %.1f MB (%.2fx)" % (
              num("size.db") / mb, num("size.indexed") / mb,
              num("size.indexed_files"),
              num("size.db") / max(num("size.indexed"), 1),
              num("size.tree") / mb,
              num("size.db") / max(num("size.tree"), 1)))
    if missed:
        print("index: MISSED: %s" % ", ".join(missed))
        sys.exit(1)
    print("index: every target met")


def main():
    a = sys.argv[1:]
    cmds = {"recall": (cmd_recall, 7), "update": (cmd_update, 4),
            "latency": (cmd_latency, 5), "size": (cmd_size, 2),
            "report": (cmd_report, 1)}
    if not a or a[0] not in cmds or len(a) != cmds[a[0]][1] + 1:
        sys.exit(__doc__)
    cmds[a[0]][0](*a[1:])


if __name__ == "__main__":
    main()
