#!/usr/bin/env python3
"""gen_change.py - build a git repository with one large change.

    gen_change.py DIR FILES LINES_PER_FILE

The base commit has FILES source files in a few languages; the head commit
edits most of them (about a third of each file's lines rewritten), renames
some, deletes some and adds some, so the change has renames, deletions,
additions and a few hundred thousand changed lines. The result is packed,
as a clone is. Deterministic.
"""
import os
import random
import subprocess
import sys

EXT = [".c", ".py", ".js", ".go", ".rs", ".java", ".rb", ".sh", ".ts", ".txt"]


def line(rng, i):
    words = ["value", "count", "index", "buffer", "result", "total", "name",
             "config", "parse", "render", "update", "item", "node", "list"]
    return "    %s_%d = %s(%s, %d);  // %s" % (
        rng.choice(words), i, rng.choice(words), rng.choice(words),
        rng.randint(0, 99999), " ".join(rng.choice(words) for _ in range(4)))


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def git(d, *args):
    subprocess.run(["git", "-C", d] + list(args), check=True,
                   stdout=subprocess.DEVNULL)


def main():
    d, nfiles, nlines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(42)
    os.makedirs(d, exist_ok=True)
    git(d, "init", "-q", "-b", "main")
    git(d, "config", "user.name", "bench")
    git(d, "config", "user.email", "bench@example.invalid")
    files = {}
    for i in range(nfiles):
        p = "src/mod%03d/file%05d%s" % (i % 97, i, EXT[i % len(EXT)])
        files[p] = [line(rng, j) for j in range(nlines)]
        write(os.path.join(d, p), files[p])
    git(d, "add", "-A")
    git(d, "commit", "-qm", "base")
    git(d, "checkout", "-q", "-b", "feature")
    paths = sorted(files)
    for k, p in enumerate(paths):
        full = os.path.join(d, p)
        if k % 50 == 0:
            os.remove(full)
            continue
        lines = files[p]
        # Rewrite about a third of the lines, in runs.
        for start in range(rng.randint(0, 5), len(lines), 9):
            for j in range(start, min(start + 3, len(lines))):
                lines[j] = line(rng, j) + " // changed"
        if k % 40 == 1:
            os.remove(full)
            full = full.replace("file", "renamed")
        write(full, lines)
    for i in range(nfiles // 20):
        write(os.path.join(d, "added/new%05d.py" % i),
              [line(rng, j) for j in range(nlines)])
    git(d, "add", "-A")
    git(d, "commit", "-qm", "large change")
    # A clone or CI checkout is packed; measure that, not loose objects.
    git(d, "repack", "-adq")


if __name__ == "__main__":
    main()
