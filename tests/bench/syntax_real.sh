#!/bin/sh
# syntax_real.sh - tend's syntax check on real code no one here wrote.
#
#   TEND_BIN=build/release/tend sh tests/bench/syntax_real.sh \
#       [-n FILES] [-c COMMITS] REPO...
#
# REPO is a git repository (a bare mirror is fine). For each one:
#   - false alarms on valid files: up to FILES files (default 150) per
#     language at HEAD are copied into a scratch repository and reviewed as
#     added files, after an empty line is inserted at a random place, and
#     after a comment is appended; every syntax finding is a false alarm;
#   - false alarms on real history: the last COMMITS (default 100)
#     non-merge commits that touch a file in one of the ten languages are
#     reviewed one by one (`--base C^ --head C`); every syntax finding is
#     printed, to be judged (a commit may really break the syntax);
#   - recall: breaking edits (tests/lib/syntax_edits.py; where Python,
#     bash or node is at hand an edit counts only when it rejects the
#     result), one per file, on the same files: found within 3 lines, per
#     language.
# Output: per-repository lines, then totals. Nothing is fetched.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
TEND_TESTS=$here
export TEND_TESTS
: "${TEND_BIN:?set TEND_BIN to the tend binary}"
TEND_BIN=$(cd "$(dirname "$TEND_BIN")" && pwd)/$(basename "$TEND_BIN")
export TEND_BIN
. "$here/lib/syntax_suite.sh"

per_lang=150
commits=100
while getopts n:c: o; do
	case $o in
	n) per_lang=$OPTARG ;;
	c) commits=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-n FILES] [-c COMMITS] REPO..." >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
exts='c h cc cpp hpp hh py js mjs ts tsx go rs java rb sh bash'
kinds="del-close dup-close typo unterminated paren colon indent"
all_valid="" all_broken="" hist_false=0 hist_commits=0

for repo in "$@"; do
	name=$(basename "$(cd "$repo" && git rev-parse --absolute-git-dir |
		sed 's|/repo$||; s|/\.git$||')")
	out=$work/$name
	mkdir -p "$out"
	# a sample of files per language, small enough to be real source
	git -C "$repo" ls-tree -r -l HEAD | awk '$4 < 200000 { print $5 }' |
		grep -v '/vendor/\|/third_party/\|/node_modules/\|\.min\.js$' \
			>"$out/all.txt"
	: >"$out/pick.txt"
	for e in $exts; do
		grep "\.$e\$" "$out/all.txt" | awk 'NR % 7 == 3 || NR <= 40' |
			head -n "$per_lang" >>"$out/pick.txt"
	done
	[ -s "$out/pick.txt" ] || { echo "$name: no source files"; continue; }
	git init -q "$out/r"
	git -C "$repo" archive HEAD $(cat "$out/pick.txt") | tar -x -C "$out/r"
	(cd "$out/r" && git commit -q --allow-empty -m empty &&
		git branch empty && git add -A && git commit -qm base &&
		git branch base) || exit 1
	(cd "$out/r" && "$TEND_BIN" review --local --no-llm --format json \
		--fail-level none --base empty --head base >"$out/added.json") ||
		exit 1
	printf '{}' >"$out/none.expect"
	python3 "$here/lib/syntax_edits.py" score added "$out/none.expect" \
		"$out/added.json" >"$out/added.score"
	valid="$out/added.score"
	for k in blank comment; do
		syntax_round "$out/r" base "$k" "$out/$k" || exit 1
		valid="$valid $out/$k.score"
	done
	broken=""
	for k in $kinds; do
		syntax_round "$out/r" base "$k" "$out/$k" || exit 1
		broken="$broken $out/$k.score"
	done
	files=$(wc -l <"$out/pick.txt")
	# shellcheck disable=SC2086
	echo "== $name: $files files; valid: $(syntax_total $valid | tail -1)"
	# shellcheck disable=SC2086
	cat $valid | grep '^false [^0-9]' | sed 's/^/   /'
	# shellcheck disable=SC2086
	cat $broken | grep -v '^found\|^false\|^miss' | sed 's/^/   /'
	# shellcheck disable=SC2086
	echo "   recall: $(syntax_total $broken | head -1)"
	# shellcheck disable=SC2086
	cat $broken | grep '^miss' | head -n 20 | sed 's/^/   /'
	all_valid="$all_valid $valid"
	all_broken="$all_broken $broken"

	# real history
	n=0 f=0
	for c in $(git -C "$repo" log --no-merges --format=%H -n 2000 -- \
		$(for e in $exts; do printf '*.%s ' "$e"; done)); do
		[ $n -ge "$commits" ] && break
		git -C "$repo" rev-parse -q --verify "$c^" >/dev/null || continue
		n=$((n + 1))
		(cd "$repo" && "$TEND_BIN" review --local --no-llm --format json \
			--fail-level none --base "$c^" --head "$c" \
			>"$out/c.json" 2>/dev/null) || continue
		python3 - "$out/c.json" "$c" >"$out/c.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d.get("findings", []):
    if x.get("rule_id") == "structure/syntax-error":
        print("   history %s %s:%d %s" % (sys.argv[2][:10], x["path"],
                                         x["line"], x["message"]))
PY
		f=$((f + $(wc -l <"$out/c.txt")))
		cat "$out/c.txt"
	done
	echo "   history: $n commits, $f syntax findings"
	hist_commits=$((hist_commits + n))
	hist_false=$((hist_false + f))
done
echo "== total"
# shellcheck disable=SC2086
echo "valid files: $(syntax_total $all_valid | tail -1) (false alarms)"
# shellcheck disable=SC2086
cat $all_broken | grep -v '^found\|^false\|^miss' |
	awk '{ f[$2] += $4; n[$2] += $6 }
	     END { for (l in n) printf "recall %-12s %4d of %4d  %5.1f%%\n",
		   l, f[l], n[l], 100 * f[l] / n[l] }' | sort
# shellcheck disable=SC2086
echo "recall: $(syntax_total $all_broken | head -1)"
echo "history: $hist_commits commits, $hist_false syntax findings"
