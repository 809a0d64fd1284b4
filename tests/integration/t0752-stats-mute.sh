#!/bin/sh
# Issue 16, noise control on the fake GitHub: review.mute_below 0.5 with
# review.mute_min_samples 2.
#   1. tend reviews PR 1 and PR 2 (two console.log comments each); alice
#      (write access) rejects both of PR 1's; tend stats measures the rule
#      at 0 of 2 decided;
#   2. PR 3 is reviewed: its finding goes to the summary, not inline, and
#      the summary says the rule is muted and why; PR 1's comments stay;
#   3. PR 2's author removes the logs and tend reviews it again: both
#      findings are gone (accepted); tend stats: 2 of 4, 50%;
#   4. PR 3 is reviewed again: the rule has recovered, its comment is
#      posted inline and the summary no longer mutes it.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_testtoken0123456789abcdefABCDEF0123

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src
printf 'function a() {\n  return 1;\n}\n' >src/app.js
printf 'review:\n  mute_below: 0.5\n  mute_min_samples: 2\n' >.tend.yml
git add -A && git commit -qm base
for b in f1 f2; do
	git checkout -q -b $b main
	printf 'function b() {\n  console.log("b");\n  return 2;\n}\n\nfunction c() {\n  console.log("c");\n}\n' >>src/app.js
	git add -A && git commit -qm $b
done
git checkout -q -b f3 main
printf 'function e() {\n  console.log("e");\n}\n' >>src/app.js
git add -A && git commit -qm f3
git checkout -q main
cd ..

python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
	--pr 1:main:f1 --pr 2:main:f2 --pr 3:main:f3 --token "$tok" \
	--permission alice=write --port-file port --log log.json \
	--timeout 300 --watch-parent >/dev/null 2>server.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s port ] || { cat server.err >&2; fail "fake GitHub did not start"; }
api="http://127.0.0.1:$(cat port)"

event() {	# event N BASE HEAD
	git -C repo checkout -q "$3" || fail "checkout $3"
	cat >event.json <<EOF
{"action": "synchronize", "number": $1,
 "pull_request": {"number": $1,
   "head": {"sha": "$(git -C repo rev-parse "$3")", "ref": "$3",
            "repo": {"full_name": "o/r"}},
   "base": {"sha": "$(git -C repo rev-parse "$2")", "ref": "$2",
            "repo": {"full_name": "o/r"}}}}
EOF
}
gh() {
	env GITHUB_ACTIONS=true GITHUB_API_URL="$api" \
		GITHUB_SERVER_URL=https://github.example \
		GITHUB_REPOSITORY=o/r GITHUB_TOKEN="$tok" \
		TEND_HTTP_BACKOFF_MS=10 "$@"
}
review() {	# review N HEAD
	event "$1" main "$2"
	(cd repo && expect_rc 0 gh GITHUB_EVENT_NAME=pull_request \
		GITHUB_EVENT_PATH="$PWD/../event.json" \
		"$TEND_BIN" review --no-llm --fail-level none
	cp stdout.txt stderr.txt ..) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
stats() {
	(cd repo && expect_rc 0 gh GITHUB_EVENT_NAME=schedule \
		"$TEND_BIN" stats --since 2020-01-01 --format json
	cp stdout.txt ..) || exit 1
}
control() {
	curl -sf -X POST -d "$2" "$api/__control/$1" >/dev/null ||
		fail "POST /__control/$1 refused: $2"
}
py() {
	curl -s "$api/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
inline() {	# inline N: tend's review comments on PR N
	py "len([c for c in s['review_comments'] if c['pull_request_url'].endswith('/pulls/$1') and 'in_reply_to_id' not in c])"
}
summary() {	# summary N: tend's summary on PR N
	py "[c['body'] for c in s['issue_comments'] if c['pr'] == $1 and 'tend:summary' in c['body']][0]"
}

# 1. measured: 0 of 2
review 1 f1
review 2 f2
[ "$(inline 1)" = 2 ] && [ "$(inline 2)" = 2 ] || fail "tend did not comment"
for c in $(py "' '.join(str(c['id']) for c in s['review_comments'] if c['pull_request_url'].endswith('/pulls/1'))"); do
	control reply "{\"in_reply_to\": $c, \"user\": \"alice\", \"body\": \"false positive, the log is wanted\"}"
done
stats
[ "$(python3 -c "import json; print(json.load(open('stdout.txt'))['totals']['comment'])")" = "{'accepted': 0, 'rejected': 2, 'open': 2}" ] ||
	fail "stats: $(cat stdout.txt)"

# 2. muted
review 3 f3
[ "$(inline 3)" = 0 ] || fail "a muted rule posted inline"
s3=$(summary 3)
contains "$s3" "#### Muted (1)"
contains "$s3" 'rule `hygiene/js-console-log`: acceptance 0% (0 of 2 decided comments taken)'
contains "$s3" "muted: few of its comments were taken"
[ "$(inline 1)" = 2 ] || fail "muting removed a comment"

# 3. recovery: PR 2's findings fixed
(cd repo && git checkout -q f2 && git checkout -q main -- src/app.js &&
	git commit -qam "drop the logs") || fail "commit on f2"
review 2 f2
stats
[ "$(python3 -c "import json; print(json.load(open('stdout.txt'))['totals']['comment'])")" = "{'accepted': 2, 'rejected': 2, 'open': 0}" ] ||
	fail "stats after the fix: $(cat stdout.txt)"

# 4. unmuted
review 3 f3
[ "$(inline 3)" = 1 ] || fail "the recovered rule did not post inline"
s3=$(summary 3)
not_contains "$s3" "Muted"
echo "ok"
