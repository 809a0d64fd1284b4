# syntax_suite.sh - rounds of edits for measuring tend's syntax check;
# sourced by tests/integration/t0307-syntax-suite.sh and
# tests/bench/syntax_real.sh. Needs TEND_BIN and python3.
#
#   syntax_round REPO BASE KIND OUT [--prebroken]
#
# In git repository REPO (a work tree), check out a branch off BASE, apply
# tests/lib/syntax_edits.py's edit KIND to every file, commit, and review
# the commit against BASE with `tend review --local --no-llm --format
# json`. The review goes to OUT.json and the edits' expectations to
# OUT.expect; the score to OUT.score (see syntax_edits.py score). With
# --prebroken the round makes the base broken instead (a stray line at the
# end of every file) and leaves its commit checked out as branch
# "prebroken".

syntax_edits_py=${TEND_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}/lib/syntax_edits.py

syntax_round() {
	(
		cd "$1" || exit 1
		branch=round-$(basename "$4")
		[ "${5:-}" = --prebroken ] && branch=prebroken
		git checkout -q -B "$branch" "$2" || exit 1
		python3 "$syntax_edits_py" edit "$3" 7 . "$4.expect" ${5:-} ||
			exit 1
		git add -A . && git commit -qm "$3" --allow-empty || exit 1
		[ "${5:-}" = --prebroken ] && exit 0
		"$TEND_BIN" review --local --no-llm --format json --fail-level none \
			--base "$2" --head HEAD >"$4.json" 2>"$4.err" || {
			cat "$4.err" >&2
			exit 1
		}
		python3 "$syntax_edits_py" score "$3" "$4.expect" "$4.json" \
			>"$4.score"
	)
}

# syntax_total SCORE...: "found F of N" and "false F" summed over files.
syntax_total() {
	awk '/^found / { f += $2; n += $4 } /^false / { x += $2 }
	     END { printf "found %d of %d\nfalse %d\n", f, n, x }' "$@"
}
