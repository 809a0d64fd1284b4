#!/bin/sh
# The syntax check on valid and broken real code, through the binary.
#
# Valid code must give no syntax finding: tend's own C, shell, Python and
# JavaScript, and small files of modern syntax in every language
# (tests/integration/syntax/), reviewed as added files and after harmless
# edits. Breaking edits of many kinds (tests/lib/syntax_edits.py: deleted
# and doubled closing lines, `retrun`, unterminated strings, unbalanced
# parentheses, a missing colon, an unexpected indent), one per file, must
# be found within 3 lines of the edit in >= 90% of files, on a clean base
# and on a base whose every file already has a parse error at its end.
# Also: an extensionless script's shebang outside the diff still names
# its language, and an .erb template is not Ruby.
. "$TEND_TESTS/integration/lib.sh"
. "$TEND_TESTS/lib/syntax_suite.sh"

src=$(cd "$TEND_TESTS/.." && pwd)
top=$(pwd)
git init -q r || fail "git init"
(
	cd "$src" || exit 1
	find actions agents cli common forge review tests/unit tests/fuzz \
		tests/bench -name '*.[ch]' -type f
	find scripts tests -name '*.sh' -type f
	find tests/lib -name '*.py' -type f
	find tests/lib -name '*.js' -type f
	find tests/integration/syntax -type f
) | grep -v '^build/' | sort -u >files.txt
[ "$(wc -l <files.txt)" -gt 200 ] || fail "too few source files found"
while read -r f; do
	mkdir -p "r/$(dirname "$f")" && cp "$src/$f" "r/$f" ||
		fail "copy $f"
done <files.txt
cd r || fail "cd r"
git commit -q --allow-empty -m empty && git branch empty &&
	git add -A && git commit -qm base && git branch base ||
	fail "base commit"

# Valid code: added files, and harmless edits of every file.
git checkout -q -B added base
"$TEND_BIN" review --local --no-llm --format json --fail-level none \
	--base empty --head added >../added.json 2>../added.err ||
	fail "review of added files: $(cat ../added.err)"
printf '{}' >../none.expect
python3 "$syntax_edits_py" score added ../none.expect ../added.json \
	>../added.score || fail "score added"
for kind in blank comment; do
	syntax_round "$top/r" base "$kind" "$top/$kind" || fail "round $kind"
done
syntax_total ../added.score ../blank.score ../comment.score >../valid.total
cat ../added.score ../blank.score ../comment.score | grep '^false ' | \
	grep -v '^false [0-9]' >&2
grep -q '^false 0$' ../valid.total ||
	fail "syntax findings on valid code: $(cat ../valid.total)"

# Breaking edits, on the clean base and on a broken one.
kinds="del-close dup-close typo unterminated paren colon indent"
syntax_round "$top/r" base pre "$top/pre" --prebroken || fail "prebroken"
scores=""
for kind in $kinds; do
	syntax_round "$top/r" base "$kind" "$top/clean-$kind" ||
		fail "round $kind"
	syntax_round "$top/r" prebroken "$kind" "$top/broken-$kind" ||
		fail "round $kind on a broken base"
	scores="$scores $top/clean-$kind.score $top/broken-$kind.score"
done
# shellcheck disable=SC2086
cat $scores | grep -v '^found \|^false ' >&2
# shellcheck disable=SC2086
syntax_total $scores >../broken.total
# shellcheck disable=SC2086
syntax_total $(printf '%s\n' $scores | grep broken-) >../prebroken.total
cat ../broken.total ../prebroken.total >&2
python3 - ../broken.total ../prebroken.total <<'PY' || fail "syntax recall"
import sys
for name in sys.argv[1:]:
    lines = dict(l.split(" ", 1) for l in open(name).read().splitlines())
    found, _, total = lines["found"].split()
    found, total = int(found), int(total)
    assert total >= 300, (name, total)
    assert found >= 0.9 * total, (name, found, total)
    assert lines["false"] == "0", (name, lines["false"])
PY

# An extensionless script: its shebang is outside the diff.
cd "$top" || fail "cd"
new_repo s
cd s || fail "cd s"
{
	printf '#!/bin/sh\n# deploy helper\nset -e\n'
	i=0
	while [ $i -lt 30 ]; do
		printf 'if [ -n "$X%d" ]; then\n\techo %d\nfi\n' $i $i
		i=$((i + 1))
	done
} >deploy
mkdir -p app/views
printf '<ul>\n<%% items.each do |i| %%>\n  <li><%%= i %%></li>\n<%% end %%>\n</ul>\n' \
	>app/views/list.html.erb
git add -A && git commit -qm base && git checkout -q -b f
# delete the `fi` closing the 20th block, 60 lines below the shebang
awk 'NR == 63 && $0 == "fi" { next } { print }' deploy >d && mv d deploy
printf '<%% if x %%>\n<p>hi</p>\n<%% end %%>\n' >>app/views/list.html.erb
git commit -qam change
expect_rc 1 "$TEND_BIN" review --local --no-llm --format json
printf '%s' "$out" >../s.json
python3 - ../s.json <<'PY' || fail "shebang outside the diff, .erb"
import json, sys
d = json.load(open(sys.argv[1]))
syn = [(f["path"], f["line"]) for f in d["findings"]
       if f["rule_id"] == "structure/syntax-error"]
assert any(p == "deploy" and abs(l - 62) <= 3 for p, l in syn), syn
assert not any(p.endswith(".erb") for p, _ in syn), syn
langs = {f["path"]: f.get("language") for f in d["files"]}
assert langs.get("app/views/list.html.erb") != "ruby", langs
PY
