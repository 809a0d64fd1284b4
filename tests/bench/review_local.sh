#!/bin/sh
# review_local.sh - `tend review --local --no-llm` on a large change against
# `git diff -M` on the same range, in the same run.
#
#   TEND_BIN=./tend sh tests/bench/review_local.sh [FILES] [LINES_PER_FILE]
#
# Targets (issue 2): time within 2x of git diff's; peak memory under 3x the
# diff's size plus 20 MB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
files=${1:-3000}
lines=${2:-300}
dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 "$here/gen_change.py" "$dir/repo" "$files" "$lines"
diff_bytes=$(git -C "$dir/repo" diff -M main...feature | wc -c)
changed=$(git -C "$dir/repo" diff -M --numstat main...feature |
	awk '{a += $1; d += $2} END {print a + d}')
nfiles=$(git -C "$dir/repo" diff -M --name-only main...feature | wc -l)
echo "review_local: $nfiles files, $changed changed lines, diff $((diff_bytes / 1024)) KiB"
# Two configurations, each against git diff in the same run:
#  - the foundation: diff, file filter and the regex packs (structural
#    checks off), which issue 2's target is about;
#  - tend's full default, structural checks included, whose whole-file
#    parsing costs time in proportion to the files' size, not the diff's;
#    it is bounded by checks.structure_max_mb (16 MB by default).
printf 'checks:\n  disable: [structure]\n' > "$dir/nostructure.yml"
python3 "$here/measure.py" 5 --cwd "$dir/repo" \
	"tend-review" "$TEND_BIN review --local --no-llm --base main --format json --fail-level none --config $dir/nostructure.yml" \
	"git-diff" "git diff -M main...feature" | tee "$dir/out"
python3 "$here/measure.py" 3 --cwd "$dir/repo" \
	"tend-default" "$TEND_BIN review --local --no-llm --base main --format json --fail-level none" \
	"git-diff" "git diff -M main...feature" | tee "$dir/out2"
awk '/^tend-default/ { t = $3; m = $6 } /^git-diff/ { g = $3 }
END { printf "review_local: with structural checks (default): %.2fx git diff, peak %.1f MB\n", t / g, m }' "$dir/out2"
awk -v bytes="$diff_bytes" '
/^tend-review/ { t = $3; m = $6 }
/^git-diff/ { g = $3 }
END {
	limit = 3 * bytes / 1048576 + 20
	printf "review_local: diff + rule packs: time %.2fx git diff (target <= 2x); peak %.1f MB, limit %.1f MB (3x diff + 20 MB)\n", t / g, m, limit
	if (t / g > 2.0 || m > limit) { print "review_local: OVER TARGET"; exit 1 }
}' "$dir/out"
