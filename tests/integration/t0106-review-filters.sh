#!/bin/sh
# Diff filter modes: added, diff_context, file, nofilter.
. "$TEND_TESTS/integration/lib.sh"

git init -q r && cd r
# A conflict marker already on main, far from the change, and one next to it.
{
	echo '>>>>>>> old marker far away'
	i=0; while [ $i -lt 30 ]; do echo "filler $i"; i=$((i+1)); done
	echo '>>>>>>> old marker near'
	echo 'unchanged'
	echo 'to change'
} > f.txt
git add f.txt && git commit -qm base
sed -i 's/to change/<<<<<<< HEAD changed/' f.txt
git commit -qam change

count() { # count findings in json on stdin
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))'
}
"$TEND_BIN" review --local --base HEAD~1 --format json --filter added > a.json
[ "$(count < a.json)" = 1 ] || fail "added: want 1, got $(count < a.json)"
"$TEND_BIN" review --local --base HEAD~1 --format json --filter diff_context > d.json
[ "$(count < d.json)" = 2 ] || fail "diff_context: want 2, got $(count < d.json)"
"$TEND_BIN" review --local --base HEAD~1 --format json --filter file > f.json
[ "$(count < f.json)" = 3 ] || fail "file: want 3, got $(count < f.json)"
"$TEND_BIN" review --local --base HEAD~1 --format json --filter nofilter > n.json
[ "$(count < n.json)" = 3 ] || fail "nofilter: want 3"

# The config and the environment choose the filter too; the flag wins.
printf 'review:\n  filter: added\n' > .tend.yml
"$TEND_BIN" review --local --base HEAD~1 --format json > c.json
[ "$(count < c.json)" = 1 ] || fail "config filter"
TEND_REVIEW_FILTER=file "$TEND_BIN" review --local --base HEAD~1 --format json > e.json
[ "$(count < e.json)" = 3 ] || fail "env filter"
TEND_REVIEW_FILTER=file "$TEND_BIN" review --local --base HEAD~1 --format json --filter added > o.json
[ "$(count < o.json)" = 1 ] || fail "flag beats env"
