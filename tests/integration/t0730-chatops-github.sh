#!/bin/sh
# ChatOps on GitHub, end to end: comments from people on a pull request and
# an issue, the strict fake GitHub, a scripted model, a real git remote,
# and a fake Slack webhook.
#   - `@tend QUESTION` from a maintainer: acknowledged (eyes), answered once
#     in the thread with its sources linked to the exact commit; a citation
#     that does not say what it quotes is dropped;
#   - the same event three more times, and three polling runs: nothing more;
#   - an outsider's `/tend fix`: nothing runs, one polite reply per thread;
#   - a bot not in chatops.allowed_bots, and a person whose login looks like
#     an allowed bot's without being it: ignored / treated as a person;
#   - `/tend fix` from a maintainer: the fix is pushed onto the PR's branch
#     (in a work tree of its own) and Slack hears of it, without a secret;
#   - `/tend do` on an issue: a draft PR that closes it;
#   - `/tend review`, and an unknown verb answered with help;
#   - an edited comment does not run again.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_chatopstoken0123456789abcdefABCDEF01
key=sk-chatopsmodelkey0123456789abcdefghij
hook_path=/services/T000/B000/chatopsHOOKsecret42

# ---- the repository: main is green, feature breaks add() ----
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
mkdir -p tests
cat >tests/test_calc.c <<'EOF'
#include <stdio.h>
int add(int, int);
int mul(int, int);
int main(void)
{
	int bad = 0;
	if (add(2, 3) == 5) printf("ok 1 - add\n");
	else { printf("not ok 1 - add\n"); bad = 1; }
	if (mul(2, 3) == 6) printf("ok 2 - mul\n");
	else { printf("not ok 2 - mul\n"); bad = 1; }
	/* more */
	return bad;
}
EOF
printf 'test:\n\tcc -o t calc.c tests/test_calc.c && ./t\n' >Makefile
printf 't\n' >.gitignore
cat >.tend.yml <<'EOF'
chatops:
  allowed_bots: ["trusted-ci[bot]"]
notify:
  slack_webhook_env: TEAM_SLACK_HOOK
models:
  prices:
    openai/gpt-4.1-mini: { input: 0.4, output: 1.6 }
EOF
git add -A && git commit -qm base
git checkout -q -b feature
sed -i 's/return a + b;/return a - b;/' calc.c
git commit -qam "feature: faster add"
git update-ref refs/pull/1/head feature
git checkout -q main
git config receive.denyCurrentBranch ignore
cd ..

cat >issues.json <<'EOF'
[{"number": 2, "title": "Add sub()", "body": "sub(a, b) returns a - b.",
  "user": "alice", "labels": [], "state": "open",
  "created_at": "2026-01-02T00:00:00Z", "events": [], "comments": []}]
EOF
cat >slack.json <<'EOF'
{"steps": [{"method": "POST", "status": 200, "body": "ok", "times": 0}]}
EOF
BG_TIMEOUT=600
start_bg git python3 "$lib/fakegitremote.py" --repo "/o/r.git=$PWD/repo" \
	--token "$tok" --log git-log.json
start_bg gh python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
	--pr 1:main:feature --issues issues.json --permission alice=admin \
	--permission mallory=read --permission trusted-ci=read \
	--token "$tok" --log gh-log.json
start_bg slack python3 "$lib/fakehttp.py" --script slack.json \
	--log slack-log.json
trap 'kill $git_pid $gh_pid $slack_pid ${model_pid:-} 2>/dev/null' EXIT

model() {
	[ -n "${model_pid:-}" ] && { kill $model_pid 2>/dev/null; wait $model_pid 2>/dev/null; }
	start_bg model python3 "$lib/fakemodel.py" --script "$1" \
		--log model-log.json --key "$key"
}
checkout() { rm -rf work && git clone -q repo work || fail "clone"; }
say() {	# say WHERE N USER BODY: a person's comment; prints its JSON
	if [ "$1" = pr ]; then
		path=/__control/comment
		arg="\"pr\": $2"
	else
		path=/__control/issue-comment
		arg="\"issue\": $2"
	fi
	python3 - "$3" "$4" "$arg" <<'PY' >say.json
import json, sys
print(json.dumps({"user": sys.argv[1], "body": sys.argv[2],
                  **json.loads("{" + sys.argv[3] + "}")}))
PY
	curl -s -X POST -H "Content-Type: application/json" --data @say.json \
		"http://127.0.0.1:$gh_port$path"
}
event() {	# event ACTION WHERE N COMMENT_JSON: an issue_comment payload
	python3 - "$1" "$2" "$3" "$4" <<'PY' >event.json
import json, sys
action, where, n, comment = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
issue = {"number": n, "title": "t", "user": {"login": "alice"}}
if where == "pr":
    issue["pull_request"] = {"url": "http://x/pulls/%d" % n}
print(json.dumps({"action": action, "issue": issue, "comment": comment}))
PY
}
inbox() {	# inbox WANT EVENT_NAME [args]
	want=$1
	name=$2
	shift 2
	(cd work && expect_rc "$want" env GITHUB_ACTIONS=true \
		GITHUB_API_URL="http://127.0.0.1:$gh_port" \
		GITHUB_SERVER_URL="http://127.0.0.1:$git_port" \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME="$name" \
		GITHUB_EVENT_PATH="$PWD/../event.json" GITHUB_REF=refs/heads/main \
		GITHUB_TOKEN="$tok" GITHUB_RUN_ID="${RUN:-700}" \
		OPENAI_API_KEY="$key" OPENAI_BASE_URL="http://127.0.0.1:$model_port/v1" \
		TEND_MODEL=openai/gpt-4.1-mini TEND_HTTP_BACKOFF_MS=10 \
		TEAM_SLACK_HOOK="http://127.0.0.1:$slack_port$hook_path" \
		"$TEND_BIN" inbox "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
py() {
	curl -s "http://127.0.0.1:$gh_port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); $1"
}
writes() {
	curl -s "http://127.0.0.1:$gh_port/__log" | python3 -c "import json,sys
print(len([r for r in json.load(sys.stdin) if r['method'] != 'GET' and not r['path'].startswith('/__')]))"
}
requests() { python3 -c "import json; print(len(json.load(open('model-log.json'))))"; }
replies_to() {	# replies_to ID: tend's replies naming comment ID
	py "print(len([c for c in s['issue_comments'] if 'tend:chatops re=$1 ' in c['body']]))"
}
reply_to() { py "print([c['body'] for c in s['issue_comments'] if 'tend:chatops re=$1 ' in c['body']][0])"; }
eyes_on() { py "print(len([r for r in s['reactions'] if r['comment'] == $1 and r['content'] == 'eyes' and r['user'] == 'github-actions[bot]']))"; }
id_of() { python3 -c "import json,sys; print(json.load(sys.stdin)['id'])"; }

checkout

# ---- @tend QUESTION from a maintainer ----
cat >ask.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "calc.c"}}]},
 {"tool_calls": [{"name": "answer", "arguments": {"text": "add() is defined in calc.c [1] and multiplies nothing [2].", "citations": [
   {"path": "calc.c", "line": 1, "quote": "int add(int a, int b)"},
   {"path": "calc.c", "line": 2, "quote": "return a * b;"}]}}]}
]}
EOF
model ask.json
c1=$(say pr 1 alice "@tend where is add() defined?")
id1=$(printf '%s' "$c1" | id_of)
event created pr 1 "$c1"
inbox 0 issue_comment
contains "$out" "ran"
[ "$(replies_to "$id1")" = 1 ] || fail "want one answer"
ans=$(reply_to "$id1")
contains "$ans" "@alice"
contains "$ans" "calc.c"
contains "$ans" "blob/$(git -C repo rev-parse feature)/calc.c#L1"
contains "$ans" "dropped"
not_contains "$ans" "return a * b;"
[ "$(eyes_on "$id1")" = 1 ] || fail "no eyes reaction on the command"
n=$(requests)
[ "$n" -ge 2 ] || fail "the model was not asked"

# ---- the same event again, three times, and three polls: nothing ----
w=$(writes)
for i in 1 2 3; do
	inbox 0 issue_comment
	contains "$out" "handled before"
done
for i in 1 2 3; do
	inbox 0 schedule
done
[ "$(writes)" = "$w" ] || fail "a re-run wrote to the forge"
[ "$(requests)" = "$n" ] || fail "a re-run asked the model again"
[ "$(replies_to "$id1")" = 1 ] || fail "answered twice"

# ---- an outsider's /tend fix: nothing runs, one polite reply ----
printf '{"turns": []}\n' >none.json
model none.json
feat=$(git -C repo rev-parse feature)
c2=$(say pr 1 mallory "/tend fix")
id2=$(printf '%s' "$c2" | id_of)
event created pr 1 "$c2"
inbox 0 issue_comment
contains "$out" "outsider"
[ "$(replies_to "$id2")" = 1 ] || fail "no polite reply to the outsider"
contains "$(reply_to "$id2")" "write access"
c3=$(say pr 1 mallory "/tend review")
id3=$(printf '%s' "$c3" | id_of)
event created pr 1 "$c3"
inbox 0 issue_comment
[ "$(replies_to "$id3")" = 0 ] || fail "a second polite reply in one thread"
[ "$(requests)" = 0 ] || fail "an outsider's command reached the model"
[ "$(git -C repo rev-parse feature)" = "$feat" ] || fail "an outsider's fix pushed"

# ---- bots: only the exact allowed login ----
w=$(writes)
c4=$(say pr 1 "evil[bot]" "/tend fix")
event created pr 1 "$c4"
inbox 0 issue_comment
contains "$out" "bot"
c5=$(say pr 1 "trusted-ci" "/tend fix")
id5=$(printf '%s' "$c5" | id_of)
event created pr 1 "$c5"
inbox 0 issue_comment
contains "$out" "outsider"
[ "$(writes)" = "$w" ] || fail "a bot or an impostor made tend write"
[ "$(requests)" = 0 ] || fail "a bot or an impostor reached the model"

# ---- /tend fix from a maintainer: pushed, Slack told ----
cat >fix.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "calc.c"}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.c", "old": "return a - b;", "new": "return a + b;"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "add() subtracted; it adds again."}}]}
]}
EOF
model fix.json
c6=$(say pr 1 alice "/tend fix")
id6=$(printf '%s' "$c6" | id_of)
event created pr 1 "$c6"
inbox 0 issue_comment
new=$(git -C repo rev-parse feature)
[ "$new" != "$feat" ] || fail "/tend fix pushed nothing"
[ "$(git -C repo rev-parse "$new^")" = "$feat" ] || fail "not a commit on the branch"
git -C repo show "$new:calc.c" | grep -q "return a + b;" || fail "not the fix"
git -C repo update-ref refs/pull/1/head feature
contains "$(reply_to "$id6")" "pushed"
[ -z "$(git -C work worktree list --porcelain | grep -c tend-inbox | grep -v '^0$')" ] ||
	fail "a work tree was left behind"
python3 - "$tok" "$key" "$hook_path" <<'PY' || fail "Slack"
import json, sys
tok, key, hook = sys.argv[1:]
log = json.load(open("slack-log.json"))
assert len(log) >= 1, "no Slack message"
body = log[-1]["body"]
msg = json.loads(body)
text = json.dumps(msg["blocks"])
assert "tend fix" in text and "pull request #1" in text, text
for s in (tok, key, "chatopsHOOKsecret42"):
    assert s not in body, "a secret in the Slack message"
PY
grep -q "chatopsHOOKsecret42" stderr.txt stdout.txt && fail "the webhook URL was logged"

# ---- /tend do on an issue: a draft PR that closes it ----
cat >do.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "finish", "arguments": {"status": "done", "summary": "Add sub().\n1. Add int sub(int a, int b) to calc.c."}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.c", "old": "int mul(int a, int b)", "new": "int sub(int a, int b)\n{\n\treturn a - b;\n}\n\nint mul(int a, int b)"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "done", "summary": "sub() added"}}]}
]}
EOF
model do.json
c7=$(say issue 2 alice "/tend do")
id7=$(printf '%s' "$c7" | id_of)
event created issue 2 "$c7"
inbox 0 issue_comment
contains "$(reply_to "$id7")" "done"
[ "$(py "print(len([p for p in s['pulls'] if p['head'] in ('tend/issue-2', 'o:tend/issue-2')]))")" = 1 ] ||
	fail "/tend do opened no PR"
contains "$(py "print([p for p in s['pulls'] if p['head'] in ('tend/issue-2', 'o:tend/issue-2')][0]['body'])")" "Closes #2"

# ---- /tend review, and an unknown verb (found by polling) ----
cat >review.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "submit_review", "arguments": {"summary": "Looks fine.", "comments": []}}]}
]}
EOF
model review.json
c8=$(say pr 1 alice "/tend review")
id8=$(printf '%s' "$c8" | id_of)
c9=$(say pr 1 alice "/tend frobnicate")
id9=$(printf '%s' "$c9" | id_of)
inbox 0 schedule
contains "$(reply_to "$id8")" "reviewed"
contains "$(reply_to "$id9")" "I do not know"
contains "$(reply_to "$id9")" "/tend ask"

# ---- an edited command does not run again; nothing left to do ----
event edited pr 1 "$c6"
w=$(writes)
inbox 0 issue_comment
inbox 0 schedule
[ "$(writes)" = "$w" ] || fail "an edit or a poll ran something again"
exit 0
