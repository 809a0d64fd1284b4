#!/bin/sh
# `tend review` of a GitHub PR when things go wrong or get big, against the
# strict fake GitHub:
#   - 250 changed files: the files list is read 100 at a time via Link;
#   - a 500 on the review, then success: one review;
#   - a 429 with Retry-After on the PR, then success;
#   - a review POST that times out after the server stored it: tend
#     re-reads the reviews and does not post a duplicate;
#   - a fork PR's read-only token: no write lands, the review is in the
#     step summary and the job's annotations, exit code as normal;
#   - review.max_comments: the rest go to the summary;
#   - --dry-run: nothing written; GitHub Enterprise's /api/v3 prefix;
#   - a check run refused (no checks permission): a commit status instead;
#   - every request of every scenario is valid against GitHub's OpenAPI
#     description.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_testtoken0123456789abcdefABCDEF0123
ro=ghs_readonly0123456789abcdefABCDEF01
nochecks=ghs_nochecks0123456789abcdefABCDEF0

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
printf 'a\n' >README && git add -A && git commit -qm base
git checkout -q -b feature
mkdir -p gen
i=1
while [ $i -le 250 ]; do
	printf 'value %d\n' $i >gen/f$i.txt
	i=$((i + 1))
done
# Four findings, one per file, in the diff.
for n in 1 2 3 4; do
	printf 'ok\n<<<<<<< HEAD\n' >>gen/f$n.txt
done
git add -A && git commit -qm feature
# A fork's branch whose config tries to switch the checks off.
git checkout -q -b forkcfg
printf 'review:\n  fail_level: none\nchecks:\n  disable: [hygiene]\n' >.tend.yml
git add -A && git commit -qm "quiet, please"
forkhead=$(git rev-parse HEAD)
# A branch with 120 findings, for check-run annotations in batches.
git checkout -q -b many feature
i=1
while [ $i -le 120 ]; do
	printf 'console.log(%d);\n' $i
	i=$((i + 1))
done >many.js
git add -A && git commit -qm many
manyhead=$(git rev-parse HEAD)
git checkout -q feature
head=$(git rev-parse HEAD)
base=$(git rev-parse main)
cd ..

start_server() {
	rm -f port
	log=log-$1.json
	shift
	python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
		--pr 1:main:feature --pr 2:main:feature:fork \
		--pr 3:main:forkcfg:fork --pr 4:main:many --token "$tok" \
		--readonly-token "$ro" --no-checks-token "$nochecks" \
		--port-file port --log "$log" --timeout 300 --watch-parent \
		"$@" >/dev/null 2>server.err &
	server=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s port ] || { cat server.err >&2; fail "fake GitHub did not start"; }
	port=$(cat port)
	logs="$logs $log"
}
stop_server() {
	curl -s "http://127.0.0.1:$port/__shutdown" >/dev/null 2>&1
	wait "$server" 2>/dev/null
}
trap 'kill $server 2>/dev/null' EXIT
logs=""

event() {
	cat >event.json <<EOF
{"action": "synchronize", "number": $1,
 "pull_request": {"number": $1,
   "head": {"sha": "$head", "ref": "feature", "repo": {"full_name": "$2"}},
   "base": {"sha": "$base", "ref": "main", "repo": {"full_name": "o/r"}}}}
EOF
}
event 1 o/r

run_tend() {
	want=$1
	shift
	: >summary.md
	: >outputs.txt
	(cd repo && expect_rc "$want" env GITHUB_ACTIONS=true \
		GITHUB_API_URL="http://127.0.0.1:$port${prefix:-}" \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME="${event_name:-pull_request}" \
		GITHUB_EVENT_PATH="$PWD/../event.json" \
		GITHUB_TOKEN="${token:-$tok}" \
		GITHUB_STEP_SUMMARY="$PWD/../summary.md" \
		GITHUB_OUTPUT="$PWD/../outputs.txt" \
		TEND_HTTP_BACKOFF_MS=10 TEND_HTTP_MAX_WAIT=5 \
		"$TEND_BIN" review --no-llm "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) ||
		exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
py() {
	curl -s "http://127.0.0.1:$port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
count() {	# count METHOD PATH-REGEX in the current log
	python3 -c "import json,re,sys
print(len([r for r in json.load(open('$log')) if r['method'] == sys.argv[1] and re.search(sys.argv[2], r['path'])]))" "$1" "$2"
}
refused() {
	python3 -c "import json; print(len([r for r in json.load(open('$log')) if r.get('status', 200) >= 400 and not r['path'].startswith('/__')]))"
}

# ---- 250 files: three pages of files; writes: review, check, summary ----
start_server pages
run_tend 1
[ "$(count GET '/pulls/1/files')" = 3 ] || fail "want 3 pages of files"
[ "$(py 'len(s["reviews"])')" = 1 ] || fail "want one review"
[ "$(py 'len(s["review_comments"])')" = 4 ] || fail "want 4 comments"
contains "$(py 's["check_runs"][0]["conclusion"]')" failure
[ "$(refused)" = 0 ] || fail "a request was refused"
stop_server

# ---- review.max_comments: 2 inline, 2 in the summary ----
printf 'review:\n  max_comments: 2\n' >repo/.tend.yml
start_server limit
run_tend 1
rm repo/.tend.yml
[ "$(py 'len(s["review_comments"])')" = 2 ] || fail "max_comments ignored"
summary=$(py 's["issue_comments"][0]["body"]')
contains "$summary" "over the comment limit"
contains "$summary" "Not inline (2)"
stop_server

# ---- a 500 on the review, then success ----
printf '[{"method": "POST", "path": "/reviews$", "times": 1, "status": 502}]\n' >faults.json
start_server e500 --faults faults.json
run_tend 1
[ "$(py 'len(s["reviews"])')" = 1 ] || fail "want one review after a 502"
[ "$(count POST '/reviews$')" = 2 ] || fail "the review was not sent again"
stop_server

# ---- 429 with Retry-After on the PR, then success ----
printf '[{"method": "GET", "path": "/pulls/1$", "times": 1, "status": 429, "headers": {"Retry-After": "1"}, "body": {"message": "slow down"}}]\n' >faults.json
start_server e429 --faults faults.json
run_tend 1
[ "$(count GET '/pulls/1$')" = 2 ] || fail "the PR was not read again after 429"
[ "$(py 'len(s["reviews"])')" = 1 ] || fail "want one review after 429"
stop_server

# ---- the review POST times out after the server stored it ----
printf '[{"method": "POST", "path": "/reviews$", "times": 1, "action": "store_then_drop"}]\n' >faults.json
start_server drop --faults faults.json
run_tend 1
[ "$(py 'len(s["reviews"])')" = 1 ] || fail "a lost answer made a duplicate review"
[ "$(count POST '/reviews$')" = 1 ] || fail "the review was sent twice"
[ "$(count GET '/reviews')" -ge 1 ] || fail "tend did not re-read the reviews"
contains "$err" "checking whether it arrived"
stop_server

# ---- a rate limit that outlasts the bound: exit 3, clear message ----
printf '[{"method": "GET", "path": "/pulls/1$", "times": 0, "status": 429, "headers": {"Retry-After": "3600"}, "body": {"message": "slow down"}}]\n' >faults.json
start_server limit3 --faults faults.json
run_tend 3
contains "$err" "rate limit"
stop_server

# ---- a fork PR's read-only token ----
event 2 forker/r
start_server fork
token=$ro run_tend 1
[ "$(py 'len(s["reviews"])')" = 0 ] || fail "a read-only run posted"
[ "$(py 'len(s["issue_comments"])')" = 0 ] || fail "a read-only run commented"
contains "$(cat summary.md)" "tend:summary"
contains "$out" "::error file=gen/f1.txt,line=3"
# Not known to be a fork: tend tries, gets 403, and degrades the same way.
event 1 o/r
token=$ro run_tend 1
contains "$(cat summary.md)" "Not inline"
[ "$(py 'len(s["reviews"])')" = 0 ] || fail "a 403 run posted"
not_contains "$err" "$ro"
stop_server

# ---- pull_request_target from a fork: the base's config, not the fork's ----
(cd repo && git checkout -q forkcfg) || fail "checkout forkcfg"
save=$head
head=$forkhead
event 3 forker/r
start_server forkcfg
event_name=pull_request_target run_tend 1
contains "$err" "the configuration comes from the base commit"
[ "$(py 'len(s["review_comments"])')" = 4 ] ||
	fail "the fork's config switched the checks off"
contains "$(py 's["check_runs"][0]["conclusion"]')" failure
stop_server
(cd repo && git checkout -q feature) || fail "checkout feature"
head=$save
event 1 o/r

# ---- 124 findings, 2 inline: 122 annotations, sent 50 at a time ----
printf 'review:\n  max_comments: 2\n' >repo/.tend.yml
(cd repo && git checkout -q many) || fail "checkout many"
save=$head
head=$manyhead
event 4 o/r
start_server annotations
run_tend 1
[ "$(py 'len(s["check_runs"][0]["annotations"])')" = 122 ] ||
	fail "want 122 annotations"
[ "$(count POST '/check-runs$')" = 1 ] || fail "one check run"
[ "$(count PATCH '/check-runs/')" = 2 ] || fail "two more batches"
[ "$(refused)" = 0 ] || fail "a request was refused"
stop_server
rm repo/.tend.yml
(cd repo && git checkout -q feature) || fail "checkout feature"
head=$save
event 1 o/r

# ---- checks not allowed: a commit status instead ----
start_server status
token=$nochecks run_tend 1
[ "$(py 'len(s["statuses"])')" = 1 ] || fail "want a commit status"
contains "$(py 's["statuses"][0]["state"]')" failure
stop_server

# ---- --dry-run writes nothing; GitHub Enterprise path prefix ----
start_server dry --prefix /api/v3
prefix=/api/v3 run_tend 1 --dry-run
contains "$out" "Dry run: nothing was posted"
contains "$out" "Inline comments to post: 4"
[ "$(python3 -c "import json; print(len([r for r in json.load(open('$log')) if r['method'] != 'GET']))")" = 0 ] ||
	fail "--dry-run wrote"
[ "$(count GET '^/api/v3/repos/o/r/pulls/1$')" = 1 ] || fail "prefix not used"
stop_server

# ---- every request valid against GitHub's OpenAPI description ----
# shellcheck disable=SC2086
sh "$lib/github-openapi-check.sh" $logs >openapi.txt 2>&1 ||
	{ cat openapi.txt >&2; fail "requests not valid against the OpenAPI description"; }
contains "$(cat openapi.txt)" ", 0 invalid"
