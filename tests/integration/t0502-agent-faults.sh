#!/bin/sh
# The reviewer agent when the model misbehaves, through the real binary and
# the scripted model server (both protocols):
#   - 500 then 529 then an answer: retried, the review completes;
#   - malformed tool arguments: the error goes back, the model corrects;
#   - the same tool call forever: the loop stops (repeated call), the
#     static review stands, the summary says the agent stopped early;
#   - a context-length error: the configured fallback model answers;
#   - a rate limit that outlasts the bound: a tool error, never green.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
key=sk-testkey0123456789abcdefghijklmnop

git init -q r && cd r || fail init
git checkout -q -b main
printf 'int f(void)\n{\n\treturn 0;\n}\n' >a.c
git add -A && git commit -qm base
git checkout -q -b feat
printf 'int g(int x)\n{\n\treturn x + 1;\n}\n' >>a.c
git commit -qam feat
cd ..

submit='{"tool_calls": [{"name": "submit_review", "arguments": {"summary": "ok", "comments": [{"path": "a.c", "line": 7, "severity": "note", "quote": "return x + 1;", "body": "g may overflow at INT_MAX"}]}}]}'

start_model() {	# start_model SCRIPT-JSON
	printf '%s\n' "$1" >script.json
	rm -f port model.json
	python3 "$lib/fakemodel.py" --script script.json --log model.json \
		--key "$key" --port-file port --timeout 120 --watch-parent \
		>/dev/null 2>model.err &
	model=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s port ] || { cat model.err >&2; fail "fakemodel did not start"; }
	port=$(cat port)
}
stop_model() {
	kill $model 2>/dev/null
	wait $model 2>/dev/null || true
}
trap 'kill $model 2>/dev/null' EXIT

review() {	# review WANT-RC [ENV...]
	want=$1
	shift
	(cd r && expect_rc "$want" env OPENAI_API_KEY="$key" \
		OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
		TEND_HTTP_BACKOFF_MS=10 TEND_HTTP_MAX_WAIT=2 "$@" \
		"$TEND_BIN" review --local --format markdown --fail-level error
	cp stdout.txt stderr.txt ..) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
requests() {
	python3 -c "import json; print(len(json.load(open('model.json'))))"
}

# ---- 500, 529, then an answer ----
start_model "{\"turns\": [{\"status\": 500}, {\"status\": 529}, $submit]}"
review 0
contains "$out" "1 kept"
contains "$out" "g may overflow"
[ "$(requests)" = 3 ] || fail "want 3 model requests, got $(requests)"
stop_model

# ---- malformed arguments, then a corrected call ----
start_model "{\"turns\": [{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": \"{path: a.c\"}]}, {\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.c\"}}]}, $submit]}"
review 0
contains "$out" "1 kept"
python3 - <<'EOP' || fail "the model was not told what was wrong"
import json
log = json.load(open("model.json"))
second = json.loads(log[1]["body"])
tool = [m for m in second["messages"] if m["role"] == "tool"]
assert tool and "error" in tool[-1]["content"].lower(), tool
EOP
stop_model

# ---- the same call forever ----
start_model '{"turns": [{"repeat": true, "tool_calls": [{"name": "list_files", "arguments": {}}]}]}'
review 0
contains "$out" "stopped early (repeated_call)"
[ "$(requests)" -le 4 ] || fail "the loop ran on: $(requests) requests"
stop_model

# ---- context length on the first model: the fallback answers ----
start_model "{\"turns\": [{\"error\": \"context_length\"}, $submit]}"
printf 'models:\n  routes:\n    reviewer: openai/big-model\n  fallbacks: [openai/other-model]\n' >r/.tend.yml
review 0
rm r/.tend.yml
contains "$out" "1 kept"
python3 - <<'EOP' || fail "the fallback model was not asked"
import json
log = json.load(open("model.json"))
models = [json.loads(r["body"])["model"] for r in log]
assert models == ["big-model", "other-model"], models
EOP
stop_model

# ---- rate limited past the bound: the review is not green ----
start_model '{"turns": [{"repeat": true, "status": 429, "headers": {"Retry-After": "3600"}}]}'
review 1
contains "$out" "could not run"
stop_model
