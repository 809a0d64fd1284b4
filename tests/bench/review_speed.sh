#!/bin/sh
# review_speed.sh - tend's default review of a large real range against
# `git diff -M` on the same range, and tend's structural checks against
# ast-grep on the same files, all in the same run, with peak memory.
#
#   sh tests/bench/review_speed.sh [REPO [BASE [HEAD]]]
#
# REPO defaults to a mirror of git/git at /work/.mirror/git+git/repo (the
# `fetch github:git/git` of this workplace); a bare repository is cloned
# (--shared, so no objects are copied) into a temporary work tree checked
# out at HEAD, since tend reads attributes and config from a work tree.
# BASE and HEAD default to v2.35.0 and v2.49.0 (3,282 files, 35 MB of
# diff). Environment: TEND_BIN (default build/release/tend), TEND_BUILD
# (for structure_bench, default build/release), AST_GREP (the ast-grep
# binary; else `ast-grep` or `sg` on PATH, e.g. from `npm pack
# @ast-grep/cli @ast-grep/cli-linux-x64-gnu` unpacked in a scratch
# directory), RUNS (default 3), TEND_JOBS (threads; default all CPUs).
#
# Lines printed:
#   - git diff -M BASE...HEAD (patch text to /dev/null; three dots: from
#     the merge-base, as tend reviews) against tend review --local
#     --no-llm with every built-in check, with structural checks off, and
#     with structural checks only: median time, peak RSS, ratio;
#   - tend's structural checks (structure_bench: every built-in rule and
#     the syntax check) against `ast-grep scan` with one rule per language
#     that matches nothing (so it parses every file and walks its tree),
#     on the same files: the head versions of the changed files that the
#     review's structural pass parses (languages with a grammar, in diff
#     order, up to its 16 MB budget), copied to a directory; MB/s.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
repo=${1:-/work/.mirror/git+git/repo}
base=${2:-v2.35.0}
head=${3:-v2.49.0}
runs=${RUNS:-3}
build=${TEND_BUILD:-build/release}
tend=${TEND_BIN:-$root/$build/tend}
[ -x "$tend" ] || { echo "review_speed: no tend at '$tend' (make first)" >&2; exit 2; }
if [ ! -d "$repo" ]; then
	# `make bench` runs every script without arguments: no mirror here
	# is a skip, a wrong path given on purpose an error.
	[ $# -eq 0 ] && { echo "review_speed: skipped: no repository at '$repo' (pass the path of a clone of git/git)"; exit 0; }
	echo "review_speed: no repository at '$repo'" >&2
	exit 2
fi
sg=${AST_GREP:-$(command -v ast-grep || command -v sg || true)}
dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-speed.XXXXXX")
trap 'rm -rf "$dir"' EXIT

make -s -C "$root" BUILD="$build" "$build/structure_bench" >&2
bench=$root/$build/structure_bench

if [ "$(git -C "$repo" rev-parse --is-bare-repository)" = true ] ||
   [ -z "$(git -C "$repo" rev-parse --show-toplevel 2>/dev/null)" ]; then
	git clone -q --shared --no-checkout "$repo" "$dir/wt"
	git -C "$dir/wt" checkout -q --detach "$head"
	wt=$dir/wt
else
	wt=$repo
fi
nfiles=$(git -C "$wt" diff -M --name-only "$base...$head" | wc -l)
bytes=$(git -C "$wt" diff -M "$base...$head" | wc -c)
echo "review_speed: $wt $base...$head: $nfiles files, $((bytes / 1048576)) MB of diff"
echo "review_speed: $(nproc) CPUs, TEND_JOBS=${TEND_JOBS:-all}, load:$(uptime | sed 's/.*load average//')"

printf 'checks:\n  disable: [structure]\n' >"$dir/nostructure.yml"
printf 'checks:\n  disable: [secrets, hygiene, risky]\n' >"$dir/structonly.yml"
review="$tend review --local --no-llm --base $base --head $head --format json --fail-level none"
gitdiff="git diff -M $base...$head"

python3 "$here/measure.py" "$runs" --cwd "$wt" \
	"tend-default" "$review" "git-diff-M" "$gitdiff" | tee "$dir/default"
python3 "$here/measure.py" "$runs" --cwd "$wt" \
	"tend-no-structure" "$review --config $dir/nostructure.yml" \
	"git-diff-M" "$gitdiff" | tee "$dir/nostructure"
python3 "$here/measure.py" "$runs" --cwd "$wt" \
	"tend-structure-only" "$review --config $dir/structonly.yml" \
	"git-diff-M" "$gitdiff" | tee "$dir/structonly"

# The files the structural pass parses, at HEAD, in diff order.
python3 - "$wt" "$base" "$head" "$dir/files" <<'PY'
import os, subprocess, sys
wt, base, head, out = sys.argv[1:]
exts = {".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".py",
        ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go", ".rs", ".java",
        ".rb", ".sh", ".bash"}
names = subprocess.run(["git", "-C", wt, "diff", "-M", "--name-only",
                        "--diff-filter=AMR", base + "..." + head],
                       capture_output=True, check=True).stdout.decode().split("\n")
budget, total, n = 16 << 20, 0, 0
for name in names:
    if not name or os.path.splitext(name)[1] not in exts:
        continue
    data = subprocess.run(["git", "-C", wt, "show", head + ":" + name],
                          capture_output=True, check=True).stdout
    if len(data) > budget:
        budget = 0
        continue
    budget -= len(data)
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    total += len(data)
    n += 1
print("review_speed: structural comparison on %d files, %.1f MB" % (n, total / 1048576))
PY

if [ -z "$sg" ]; then
	echo "review_speed: ast-grep not found (set AST_GREP); no structural reference"
	"$bench" "$dir/files" | tail -1
	exit 0
fi
# One rule per language that matches nothing: ast-grep parses each file and
# walks its tree, and prints nothing.
rules=""
for lang in c cpp python javascript typescript tsx go rust java ruby bash; do
	rules="$rules${rules:+
---
}id: none-$lang
language: $lang
rule:
  pattern: xyzzy_never_matches_anything"
done
printf '%s\n' "$rules" >"$dir/rules.yml"
printf '#!/bin/sh\nexec "%s" scan --inline-rules "$(cat "%s")" "%s" >/dev/null\n' \
	"$sg" "$dir/rules.yml" "$dir/files" >"$dir/sg.sh"
"$sg" --version
python3 "$here/measure.py" "$runs" \
	"tend-structure" "$bench $dir/files" \
	"ast-grep" "sh $dir/sg.sh" | tee "$dir/structure"
"$bench" "$dir/files" | tail -1

# Each ratio against the reference timed in the same measure.py call; CPU
# time (all threads) as well as wall time, since a loaded machine stretches
# wall time and not work.
awk -v bytes="$bytes" '
function pair(name) { r[name] = $3; c[name] = $(NF - 1) }
/^tend-default / { pair("td") } /^tend-no-structure / { pair("tn") }
/^tend-structure-only / { pair("ts") } /^tend-structure / { pair("bs") }
/^ast-grep / { pair("sg") }
/^git-diff-M / { g[FILENAME] = $3; gc[FILENAME] = $(NF - 1); gm = $6 }
/^tend-default / { tm = $6 }
FILENAME ~ /default$/ { fd = FILENAME } FILENAME ~ /nostructure$/ { fn = FILENAME }
FILENAME ~ /structonly$/ { fs = FILENAME }
END {
	printf "review_speed: default review %.2fx git diff -M wall, %.2fx CPU (target <= 2x wall)\n", r["td"] / g[fd], c["td"] / gc[fd]
	printf "review_speed: no structural checks %.2fx wall, %.2fx CPU; structural checks only %.2fx wall, %.2fx CPU\n", r["tn"] / g[fn], c["tn"] / gc[fn], r["ts"] / g[fs], c["ts"] / gc[fs]
	printf "review_speed: peak memory: tend %.0f MB, git diff %.0f MB (diff %.0f MB)\n", tm, gm, bytes / 1048576
	if (r["sg"] > 0) printf "review_speed: structural checks %.2fx the wall time of ast-grep on the same files, %.2fx its CPU (target <= 1x)\n", r["bs"] / r["sg"], c["bs"] / c["sg"]
}' "$dir/default" "$dir/nostructure" "$dir/structonly" "$dir/structure"
