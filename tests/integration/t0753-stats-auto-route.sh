#!/bin/sh
# Issue 16, routing by evidence: models.routes.reviewer is "auto" (fast
# openai/m-fast, strong openai/m-strong, models.auto_min_samples 2).
#   1. with no measurements, a small change goes to the fast model (the
#      size rule, as before);
#   2. a scripted history: tend's comments from m-fast on small changes
#      were refused (2 of 2), those from m-strong taken (2 of 2); tend
#      stats stores it;
#   3. the same small change now goes to m-strong, which the scripted
#      model server sees asked, and the summary says why;
#   4. evidence for large changes only does not move a small one.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_testtoken0123456789abcdefABCDEF0123
key=sk-testkey0123456789abcdefghijklmnop

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src
printf 'function a() {\n  return 1;\n}\n' >src/app.js
cat >.tend.yml <<'EOF'
models:
  routes:
    reviewer: auto
    fast: openai/m-fast
    strong: openai/m-strong
  prices:
    openai/m-fast: { input: 1.0, output: 2.0 }
    openai/m-strong: { input: 3.0, output: 15.0 }
  auto_min_samples: 2
EOF
git add -A && git commit -qm base
git checkout -q -b f1 main
printf 'function b() {\n  return 2;\n}\nfunction c() {\n  return 3;\n}\nfunction d() {\n  return 4;\n}\nfunction e() {\n  return 5;\n}\n' >>src/app.js
git add -A && git commit -qm f1
git checkout -q -b f3 main
printf 'function z() {\n  return 26;\n}\n' >>src/app.js
git add -A && git commit -qm f3
git checkout -q main
cd ..

cat >script.json <<'EOF'
{"turns": [
 {"repeat": true, "tool_calls": [{"name": "submit_review", "arguments": {
   "summary": "nothing to add", "comments": []}}]}
]}
EOF
python3 "$lib/fakemodel.py" --script script.json --log model.json \
	--key "$key" --port-file mport --timeout 300 --watch-parent \
	>/dev/null 2>model.err &
model=$!
python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
	--pr 1:main:f1 --pr 3:main:f3 --token "$tok" \
	--permission alice=write --port-file port --log log.json \
	--timeout 300 --watch-parent >/dev/null 2>server.err &
server=$!
trap 'kill $server $model 2>/dev/null' EXIT
i=0
while { [ ! -s port ] || [ ! -s mport ]; } && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1)); done
[ -s port ] && [ -s mport ] || fail "the fake servers did not start"
api="http://127.0.0.1:$(cat port)"
mapi="http://127.0.0.1:$(cat mport)/v1"

event() {	# event N HEAD
	git -C repo checkout -q "$2" || fail "checkout $2"
	cat >event.json <<EOF
{"action": "synchronize", "number": $1,
 "pull_request": {"number": $1,
   "head": {"sha": "$(git -C repo rev-parse "$2")", "ref": "$2",
            "repo": {"full_name": "o/r"}},
   "base": {"sha": "$(git -C repo rev-parse main)", "ref": "main",
            "repo": {"full_name": "o/r"}}}}
EOF
}
gh() {
	env GITHUB_ACTIONS=true GITHUB_API_URL="$api" \
		GITHUB_SERVER_URL=https://github.example \
		GITHUB_REPOSITORY=o/r GITHUB_TOKEN="$tok" \
		OPENAI_API_KEY="$key" OPENAI_BASE_URL="$mapi" \
		TEND_HTTP_BACKOFF_MS=10 "$@"
}
review() {	# review N HEAD
	event "$1" "$2"
	(cd repo && expect_rc 0 gh GITHUB_EVENT_NAME=pull_request \
		GITHUB_EVENT_PATH="$PWD/../event.json" \
		"$TEND_BIN" review --fail-level none -v
	cp stdout.txt stderr.txt ..) || exit 1
	err=$(cat stderr.txt)
}
stats() {
	(cd repo && expect_rc 0 gh GITHUB_EVENT_NAME=schedule \
		"$TEND_BIN" stats --since 2020-01-01 --format json
	cp stdout.txt ..) || exit 1
}
last_model() {
	python3 -c "import json; print(json.loads([r for r in json.load(open('model.json')) if r['path'].endswith('/chat/completions')][-1]['body'])['model'])"
}
py() {
	curl -s "$api/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
# comment LINE MODEL SIZE REPLY: a comment of tend's on PR 1, and alice's
# reply to it.
comment() {
	body="x\\n\\n<!-- tend:fp=fp$1 agent=reviewer model=$2 size=$3 cost=0.010000 rule=agent/reviewer -->"
	id=$(curl -sf -X POST -H "Authorization: Bearer $tok" \
		-d "{\"body\": \"$body\", \"commit_id\": \"$(git -C repo rev-parse f1)\", \"path\": \"src/app.js\", \"line\": $1, \"side\": \"RIGHT\"}" \
		"$api/repos/o/r/pulls/1/comments" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['id'])") ||
		fail "cannot post a comment on line $1"
	curl -sf -X POST -d "{\"in_reply_to\": $id, \"user\": \"alice\", \"body\": \"$4\"}" \
		"$api/__control/reply" >/dev/null || fail "reply"
}

# 1. no measurements: the size rule
review 3 f3
[ "$(last_model)" = m-fast ] || fail "without evidence: $(last_model)"
contains "$err" "auto: fast (small change"

# 2. the history
comment 4 openai/m-fast small "false positive, this is fine"
comment 5 openai/m-fast small "no, that is intended"
comment 7 openai/m-strong small "thanks, fixed"
comment 8 openai/m-strong small "good catch"
comment 10 openai/m-fast large "thanks"
comment 11 openai/m-fast large "thanks"
stats
[ "$(python3 -c "import json; r=json.load(open('stdout.txt')); print([(g['name'], g['accepted'], g['rejected']) for g in r['model']])")" = "[('reviewer openai/m-fast', 2, 2), ('reviewer openai/m-strong', 2, 0)]" ] ||
	fail "per model: $(cat stdout.txt)"

# 3. by evidence: m-strong, and the summary says why
review 3 f3
[ "$(last_model)" = m-strong ] || fail "with evidence: $(last_model)"
contains "$err" "auto: by evidence for a small change, 2 of 2 comments taken for \$0.0200 (100.0 per dollar), best of 2 models"
py "[c['body'] for c in s['issue_comments'] if c['pr'] == 3 and 'tend:summary' in c['body']][0]" |
	grep -q 'reviewer\*\* (openai/m-strong): chosen by evidence for a small change, 2 of 2 comments taken' ||
	fail "the summary does not say why: $(py "[c['body'] for c in s['issue_comments'] if c['pr'] == 3][0]")"

# 4. a higher threshold: not enough samples, the size rule again
sed -i 's/auto_min_samples: 2/auto_min_samples: 3/' repo/.tend.yml
git -C repo checkout -q main && git -C repo commit -qam threshold
git -C repo checkout -q f3 && git -C repo rebase -q main
review 3 f3
[ "$(last_model)" = m-fast ] || fail "below the threshold: $(last_model)"
echo "ok"
