#!/bin/sh
# `tend fix` on a GitHub pull request, end to end: the strict fake GitHub,
# the scripted model, and a real git remote (git http-backend behind
# tests/lib/fakegitremote.py) that the push really lands on.
#   - a broken C project whose bug the scripted model fixes: exactly one
#     commit pushed onto the PR's branch (parent: the head tend started
#     from; "fix: ..." and a Tend-Run trailer), one sticky report; a
#     re-run on the fixed head writes nothing;
#   - a model whose edit does not fix it: no push, exit 1, the report says
#     what was tried, the work tree is put back;
#   - a model that edits the failing test, a workflow, .git/config, a path
#     outside the repository: refused, nothing of it committed;
#   - the branch moved during the run: no push, exit 3;
#   - tend's own fix-ups twice in a row: no third, exit 1;
#   - a fork's pull request: suggestions, no push;
#   - the token never reaches the sandbox or the model.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_fixtoken0123456789abcdefABCDEF01234
key=sk-fixmodelkey0123456789abcdefghijkl

# ---- the upstream repository: main is green, feature breaks add() ----
git init -q repo && cd repo || fail "git init"
git checkout -q -b main
cat >calc.c <<'EOF'
int add(int a, int b)
{
	return a + b;
}

int mul(int a, int b)
{
	return a * b;
}
EOF
mkdir -p tests .github/workflows
cat >tests/test_calc.c <<'EOF'
#include <stdio.h>
int add(int, int);
int mul(int, int);
int main(void)
{
	int bad = 0;
	printf("1..2\n");
	if (add(2, 3) == 5) printf("ok 1 - add\n");
	else { printf("not ok 1 - add\n"); bad = 1; }
	if (mul(2, 3) == 6) printf("ok 2 - mul\n");
	else { printf("not ok 2 - mul\n"); bad = 1; }
	return bad;
}
EOF
printf 'test:\n\tcc -o t calc.c tests/test_calc.c && ./t\n' >Makefile
printf 'name: ci\non: push\n' >.github/workflows/ci.yml
printf 't\n' >.gitignore
git add -A && git commit -qm base
git checkout -q -b feature
sed -i 's/return a + b;/return a - b;/' calc.c
printf '\n/* feature: faster adds */\n' >>calc.c
git commit -qam "feature: faster add"
git checkout -q main
cd ..
base=$(git -C repo rev-parse main)

start_bg git python3 "$lib/fakegitremote.py" --repo "/o/r.git=$PWD/repo" \
	--token "$tok" --log git-log.json
start_bg gh python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
	--pr 1:main:feature --pr 2:main:feature:fork --token "$tok" \
	--log gh-log.json
trap 'kill $git_pid $gh_pid ${model_pid:-} 2>/dev/null' EXIT

model() {	# model SCRIPT: (re)start the scripted model
	[ -n "${model_pid:-}" ] && { kill $model_pid 2>/dev/null; wait $model_pid 2>/dev/null; }
	start_bg model python3 "$lib/fakemodel.py" --script "$1" \
		--log model-log.json --key "$key"
}
checkout() {	# checkout: a fresh CI checkout of the PR's head
	rm -rf work
	git clone -q repo work || fail "clone"
	git -C work checkout -q "$(git -C repo rev-parse feature)" ||
		fail "checkout"
	head=$(git -C work rev-parse HEAD)
}
event() {
	cat >event.json <<EOF
{"action": "synchronize", "number": $1,
 "pull_request": {"number": $1,
   "head": {"sha": "$head", "ref": "feature", "repo": {"full_name": "$2"}},
   "base": {"sha": "$base", "ref": "main", "repo": {"full_name": "o/r"}}}}
EOF
}
run_fix() {	# run_fix WANT [args]
	want=$1
	shift
	: >summary.md
	: >outputs.txt
	(cd work && expect_rc "$want" env GITHUB_ACTIONS=true \
		GITHUB_API_URL="http://127.0.0.1:$gh_port" \
		GITHUB_SERVER_URL="http://127.0.0.1:$git_port" \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=pull_request \
		GITHUB_EVENT_PATH="$PWD/../event.json" GITHUB_TOKEN="$tok" \
		GITHUB_RUN_ID=777 GITHUB_STEP_SUMMARY="$PWD/../summary.md" \
		GITHUB_OUTPUT="$PWD/../outputs.txt" \
		OPENAI_API_KEY="$key" OPENAI_BASE_URL="http://127.0.0.1:$model_port/v1" \
		TEND_MODEL=openai/gpt-4.1-mini TEND_HTTP_BACKOFF_MS=10 \
		"$TEND_BIN" fix "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
py() {
	curl -s "http://127.0.0.1:$gh_port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
writes() {	# forge writes so far
	curl -s "http://127.0.0.1:$gh_port/__log" | python3 -c "import json,sys
print(len([r for r in json.load(sys.stdin) if r['method'] != 'GET' and not r['path'].startswith('/__')]))"
}
feature() { git -C repo rev-parse feature; }

# A model that reads, fixes add(), runs the tests and finishes; its `run`
# looks for the token where a sandboxed command could.
cat >good.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "calc.c"}},
                 {"name": "run", "arguments": {"command": "env; cat .git/config; cat /proc/1/environ; ls -la ~"}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.c", "old": "return a - b;", "new": "return a + b;"}}]},
 {"tool_calls": [{"name": "run_tests", "arguments": {}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "add() subtracted its arguments since the feature commit. It adds them again."}}]}
]}
EOF

# ---- a fix that works: one commit pushed, one report ----
model good.json
checkout
event 1 o/r
git -C repo config receive.denyCurrentBranch ignore
run_fix 0
contains "$out" "fixed and pushed"
new=$(feature)
[ "$new" != "$head" ] || fail "nothing was pushed"
[ "$(git -C repo rev-parse "$new^")" = "$head" ] ||
	fail "the pushed commit is not a child of the head tend started from"
[ "$(git -C repo rev-list --count "$head..$new")" = 1 ] || fail "want one commit"
msg=$(git -C repo log -1 --format=%B "$new")
contains "$msg" "fix: add() subtracted its arguments since the feature commit"
contains "$msg" "Tend-Run: github-777-1"
contains "$msg" "add"
[ "$(git -C repo log -1 --format='%an' "$new")" = "tend[bot]" ] || fail "author"
[ "$(git -C repo diff --name-only "$head" "$new")" = "calc.c" ] ||
	fail "the commit changes more than calc.c"
git -C repo show "$new:calc.c" | grep -q "return a + b;" || fail "not the fix"
[ "$(py 'len([c for c in s["issue_comments"] if "tend:fix" in c["body"]])')" = 1 ] ||
	fail "want one fix report"
contains "$(cat summary.md)" "tend fix"
contains "$(cat outputs.txt)" "commit=$new"
# The token never reached the model, in any form, nor the git remote's
# paths; a sandboxed command saw none of it.
python3 - "$tok" <<'PY' || fail "the token reached the model"
import base64, json, sys
tok = sys.argv[1]
forms = [tok, base64.b64encode(("x-access-token:" + tok).encode()).decode()[4:-4]]
for r in json.load(open("model-log.json")):
    for f in forms:
        assert f not in r["body"], "token in a model request"
PY
grep -q "$tok" git-log.json && fail "the token is in a git request's path or log"
# The first round starts from the files the index ranks for the failure.
python3 - <<'PY' || fail "the index's starting files did not reach the agent"
import json
first = json.load(open("model-log.json"))[0]["body"]
assert "ranks these files highest for this task" in first, first[:3000]
assert "- calc.c (lines" in first, first[-1500:]
PY
git -C work log --format=%H -1 >/dev/null

# ---- a re-run on the fixed head writes nothing ----
w=$(writes)
checkout
run_fix 0
contains "$out" "nothing to fix"
[ "$(writes)" = "$w" ] || fail "a re-run on the fixed head wrote to the forge"
[ "$(feature)" = "$new" ] || fail "a re-run pushed"

# ---- tend's own fix-ups twice in a row: no third ----
git -C repo checkout -q feature
sed -i 's/return a + b;/return a - b;/' repo/calc.c
git -C repo commit -qam "break again

Tend-Run: github-1-1"
git -C repo checkout -q main
checkout
moved=$(feature)
run_fix 1
contains "$out" "tend's own fix-ups"
[ "$(feature)" = "$moved" ] || fail "pushed a third fix-up"
# Back to one human commit on top.
git -C repo checkout -q feature
git -C repo commit -q --allow-empty -m "a human's commit"
git -C repo checkout -q main

# ---- a model whose edit does not fix it: no push, exit 1 ----
cat >bad.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.c", "old": "return a * b;", "new": "return b * a;"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "swapped the operands of mul"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "gave_up", "summary": "no idea"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "gave_up", "summary": "no idea"}}]}
]}
EOF
model bad.json
checkout
before=$(feature)
run_fix 1
contains "$out" "not fixed"
[ "$(feature)" = "$before" ] || fail "a failed fix pushed"
[ -z "$(git -C work status --porcelain --untracked-files=no)" ] ||
	fail "the work tree was not put back"
contains "$(py '[c["body"] for c in s["issue_comments"] if "tend:fix" in c["body"]][0]')" "swapped the operands of mul"
[ "$(py 'len([c for c in s["issue_comments"] if "tend:fix" in c["body"]])')" = 1 ] ||
	fail "the report was not edited in place"

# ---- edits where a fix may not go: refused, nothing of them committed ----
cat >sneaky.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "tests/test_calc.c", "old": "add(2, 3) == 5", "new": "add(2, 3) == -1"}},
                 {"name": "write_file", "arguments": {"path": ".github/workflows/ci.yml", "content": "name: pwned\n"}},
                 {"name": "write_file", "arguments": {"path": ".git/config", "content": "[core]\n"}},
                 {"name": "write_file", "arguments": {"path": "../outside.txt", "content": "x\n"}},
                 {"name": "run", "arguments": {"command": "echo pwned >> .github/workflows/ci.yml; sed -i 's/== 5/== -1/' tests/test_calc.c"}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.c", "old": "return a - b;", "new": "return a + b;"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "add() subtracted. It adds again."}}]}
]}
EOF
model sneaky.json
checkout
before=$(feature)
run_fix 0
new=$(feature)
[ "$new" != "$before" ] || fail "the real fix was not pushed"
[ "$(git -C repo diff --name-only "$before" "$new")" = "calc.c" ] ||
	fail "a protected path was committed: $(git -C repo diff --name-only "$before" "$new")"
[ -e outside.txt ] && fail "a file outside the repository was written"
contains "$(cat model-log.json)" "is a test file"
contains "$(cat model-log.json)" "is a CI definition"
contains "$(py '[c["body"] for c in s["issue_comments"] if "tend:fix" in c["body"]][0]')" "put back"

# ---- the branch moves while tend works: no push, exit 3 ----
# The remote takes another commit between tend's lease check and its
# push (the fake remote moves the ref right after the first ref listing).
model good.json
git -C repo checkout -q feature
sed -i 's/return a + b;/return a - b;/' repo/calc.c
git -C repo commit -qam "break once more"
git -C repo checkout -q main
checkout
other=$(git -C repo commit-tree -p "$head" -m "pushed meanwhile" "$head^{tree}")
kill $git_pid; wait $git_pid 2>/dev/null
start_bg git python3 "$lib/fakegitremote.py" --repo "/o/r.git=$PWD/repo" \
	--token "$tok" --log git-log.json \
	--move-after-ls "refs/heads/feature=$other"
run_fix 3
contains "$err$out" "moved"
[ "$(feature)" = "$other" ] || fail "pushed over a moved branch"
git -C repo update-ref refs/heads/feature "$head"
kill $git_pid; wait $git_pid 2>/dev/null
start_bg git python3 "$lib/fakegitremote.py" --repo "/o/r.git=$PWD/repo" \
	--token "$tok" --log git-log.json

# ---- a fork's pull request: suggestions, no push ----
model good.json
checkout
event 2 forker/r
before=$(feature)
run_fix 0
contains "$out" "suggestions"
[ "$(feature)" = "$before" ] || fail "pushed to a fork's branch"
contains "$(py 'json.dumps([c["body"] for c in s["review_comments"]])')" "suggestion"
exit 0
