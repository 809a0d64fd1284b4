#!/bin/sh
# structure.sh - structural checks (every built-in tree-sitter rule and the
# syntax check) over a large multi-language change, against universal
# ctags parsing the same tree in the same run.
#
#   TEND_BUILD=build/release sh tests/bench/structure.sh [FILES] [MEGABYTES]
#
# Builds $TEND_BUILD/structure_bench if needed, generates FILES files
# (default 2000) totalling MEGABYTES (default 50) in twelve languages,
# prints files/s, MB/s and peak RSS of the checks, and the time ratio to
# `ctags -R` (a tokenizing parser, so well below 1x is expected: the
# point is a stable yardstick, not a race).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${TEND_BUILD:-build/release}
files=${1:-2000}
mb=${2:-50}
dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

make -s -C "$root" BUILD="$build" "$build/structure_bench" >&2
bin=$root/$build/structure_bench
python3 "$here/gen_structure.py" "$dir/tree" "$files" "$mb"
"$bin" "$dir/tree" | tee "$dir/self"
"$bin" -p "$dir/tree" | sed -n 's/^structure_bench: \([0-9.]* s\)/parse only: \1/p'
if command -v ctags >/dev/null 2>&1; then
	python3 "$here/measure.py" 3 \
		"tend-structure" "$bin $dir/tree" \
		"ctags" "ctags -R -f /dev/null $dir/tree" | tee "$dir/out"
else
	echo "structure: ctags not installed; no reference ratio"
fi
grep -q '(0 skipped)' "$dir/self" || { echo "structure: files skipped"; exit 1; }
