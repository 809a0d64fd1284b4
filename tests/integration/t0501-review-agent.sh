#!/bin/sh
# The reviewer agent in `tend review --local`, against the scripted model
# server (tests/lib/fakemodel.py) speaking the OpenAI protocol:
#   - the agent reads a file through its tools, then submits five comments:
#     one valid, one off the diff, one with a wrong quote, one duplicate,
#     one whose suggestion is the code as it is: only the valid one is kept;
#   - no request to the model carries the secret in the diff or a token
#     from the environment; the key is only in its auth header;
#   - --record then --replay (server gone) gives the same review;
#   - the markdown report says what the model saw and what it cost.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
key=sk-testkey0123456789abcdefghijklmnop
ghtok=ghp_ZZZZ0123456789abcdefghijklmnopqrstuv
aws=AKIAQYLPMN5HHHFPZAM2

git init -q r && cd r || fail init
git checkout -q -b main
printf 'int f(void)\n{\n\treturn 0;\n}\n' >a.c
git add -A && git commit -qm base
git checkout -q -b feat
cat >>a.c <<EOC
int g(int x)
{
	const char *k = "$aws";
	return x + 1;
}
EOC
git commit -qam feat
cd ..

cat >script.json <<'EOF2'
{"turns": [
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "a.c"}}]},
 {"tool_calls": [{"name": "submit_review", "arguments": {
   "summary": "one real problem",
   "comments": [
    {"path": "a.c", "line": 8, "severity": "warning", "quote": "return x + 1;",
     "body": "g can overflow when x is INT_MAX", "suggestion": "\treturn x < INT_MAX ? x + 1 : x;"},
    {"path": "a.c", "line": 1, "severity": "note", "quote": "int f(void)",
     "body": "f is outside the change"},
    {"path": "a.c", "line": 6, "severity": "note", "quote": "int h(void)",
     "body": "the quote does not match this line"},
    {"path": "a.c", "line": 8, "severity": "warning", "quote": "return x + 1;",
     "body": "g can overflow when x is INT_MAX", "suggestion": "\treturn x < INT_MAX ? x + 1 : x;"},
    {"path": "a.c", "line": 9, "severity": "note", "quote": "}",
     "body": "a no-op suggestion", "suggestion": "}"}
   ]}}]}
]}
EOF2

start_model() {
	rm -f port
	python3 "$lib/fakemodel.py" --script script.json --log model.json \
		--key "$key" --port-file port --timeout 120 --watch-parent \
		>/dev/null 2>model.err &
	model=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s port ] || { cat model.err >&2; fail "fakemodel did not start"; }
	port=$(cat port)
}
trap 'kill $model 2>/dev/null' EXIT

start_model
(cd r && expect_rc 1 env OPENAI_API_KEY="$key" \
	OPENAI_BASE_URL="http://127.0.0.1:$port/v1" GITHUB_TOKEN="$ghtok" \
	"$TEND_BIN" review --local --format json --record ../rec -v
cp stdout.txt stderr.txt ..) || exit 1
out=$(cat stdout.txt)
err=$(cat stderr.txt)
agent=$(printf '%s' "$out" | python3 -c "import json,sys
d = json.load(sys.stdin)
print(' '.join('%s:%d' % (f['path'], f['line']) for f in d['findings'] if f['rule_id'].startswith('agent/')))")
[ "$agent" = "a.c:8" ] || { printf '%s\n' "$out" "$err" >&2; fail "want only a.c:8 from the model, got '$agent'"; }
contains "$out" "INT_MAX"

# What the model was sent.
python3 - "$aws" "$ghtok" "$key" <<'EOP' || fail "a secret reached the model"
import json, sys
aws, ghtok, key = sys.argv[1:4]
log = json.load(open("model.json"))
assert len(log) == 2, len(log)
for r in log:
    body = r["body"]
    assert aws not in body, "the AWS key from the diff was sent"
    assert ghtok not in body, "GITHUB_TOKEN was sent"
    assert key not in body, "the model key is in a body"
    for name, value in r["headers"].items():
        if name != "authorization":
            assert key not in value and ghtok not in value, name
    assert "AKIA" in body, "the masked key should still be shown masked"
print("ok")
EOP
kill $model 2>/dev/null
wait $model 2>/dev/null

# Replay from the recording, with the server gone and no key.
(cd r && expect_rc 1 "$TEND_BIN" review --local --format json --replay ../rec
cp stdout.txt ..) || exit 1
replayed=$(python3 -c "import json
d = json.load(open('stdout.txt'))
print(' '.join('%s:%d' % (f['path'], f['line']) for f in d['findings'] if f['rule_id'].startswith('agent/')))")
[ "$replayed" = "a.c:8" ] || fail "replay gave '$replayed'"

# The markdown report accounts for the model's work.
(cd r && expect_rc 1 "$TEND_BIN" review --local --format markdown --replay ../rec
cp stdout.txt ..) || exit 1
md=$(cat stdout.txt)
contains "$md" "Model review"
contains "$md" "5 comments, 1 kept"
contains "$md" "4 model comments dropped"
contains "$md" "The model saw"

# On a GitHub PR (the strict fake GitHub): only the valid model comment is
# posted inline, beside the static finding, and the summary accounts for
# the dropped ones.
tok=ghs_testtoken0123456789abcdefABCDEF0123
rm -f port model.json
start_model
mport=$port
rm -f port
python3 "$lib/fakegithub.py" --repo r --owner o --name r --pr 1:main:feat \
	--token "$tok" --port-file port --log gh.json --timeout 120 \
	--watch-parent >/dev/null 2>gh.err &
gh=$!
trap 'kill $model $gh 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
gport=$(cat port)
(cd r && expect_rc 1 env OPENAI_API_KEY="$key" \
	OPENAI_BASE_URL="http://127.0.0.1:$mport/v1" \
	GITHUB_API_URL="http://127.0.0.1:$gport" GITHUB_TOKEN="$tok" \
	"$TEND_BIN" review --pr 1 --repo o/r
cp stderr.txt ..) || exit 1
curl -s "http://127.0.0.1:$gport/__state" >state.json
python3 - <<'EOP' || { cat stderr.txt >&2; fail "wrong comments on the PR"; }
import json
s = json.load(open("state.json"))
agent = [(c["path"], c["line"]) for c in s["review_comments"]
         if "rule=agent/" in c["body"]]
assert agent == [("a.c", 8)], agent
assert any("rule=secrets/" in c["body"] for c in s["review_comments"]), \
    "the static secret finding is missing"
summary = s["issue_comments"][0]["body"]
assert "Model review" in summary and "4 model comments dropped" in summary, summary
EOP

# A task agent (edit and command tools, answers with finish) cannot
# review: --agent debug is a usage error, and no model is called.
n=$(python3 -c "import json; print(len(json.load(open('model.json'))))")
(cd r && expect_rc 2 env OPENAI_API_KEY="$key" \
	OPENAI_BASE_URL="http://127.0.0.1:$mport/v1" \
	"$TEND_BIN" review --local --agent debug
cp stderr.txt ..) || exit 1
contains "$(cat stderr.txt)" "agent 'debug' edits and runs commands"
[ "$(python3 -c "import json; print(len(json.load(open('model.json'))))")" = "$n" ] ||
	fail "a task agent was asked to review"
