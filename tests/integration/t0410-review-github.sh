#!/bin/sh
# `tend review` of a GitHub pull request, end to end, against the strict
# fake GitHub (tests/lib/fakegithub.py) serving a real repository:
#   - one review carrying every inline comment, one summary, one check run;
#   - a finding outside the diff goes to the summary, never to a 422;
#   - a re-run on the same state writes nothing;
#   - a push that shifts lines makes no duplicate;
#   - a comment with a human reply is never edited or deleted, and a
#     finding that disappeared is listed as no longer found;
#   - review.max_comments; --dry-run writes nothing;
#   - libcurl (opened at run time) missing: no request, a clear error;
#   - every request the client sent is valid against GitHub's OpenAPI
#     description (tests/lib/github-openapi-check.sh).
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_testtoken0123456789abcdefABCDEF0123

# The repository: main, and a feature branch adding findings.
git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src
seq 1 40 | sed 's/^/line /' >src/notes.txt
printf 'function a() {\n  return 1;\n}\n' >src/app.js
# A finding that is already on main: outside the diff under --filter nofilter.
{ printf '%s\n' 'x' '<<<<<<< HEAD'; seq 1 20; } >src/old.txt
seq 1 30 | sed 's|^|// filler |' >>src/app.js
git add -A && git commit -qm base
git checkout -q -b feature
printf 'function b() {\n  console.log("b");\n  return 2;\n}\n' >>src/app.js
printf 'z\n' >>src/old.txt
sed -i 's/^line 20$/line twenty\n<<<<<<< HEAD/' src/notes.txt
git add -A && git commit -qm feature
head=$(git rev-parse HEAD)
base=$(git rev-parse main)
cd ..

start_server() {
	rm -f port log.json
	python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
		--pr 1:main:feature --token "$tok" \
		--readonly-token ghs_readonly0123456789abcdefABCDEF01 \
		--port-file port --log log.json --timeout 300 --watch-parent \
		"$@" >/dev/null 2>server.err &
	server=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s port ] || { cat server.err >&2; fail "fake GitHub did not start"; }
	port=$(cat port)
}
stop_server() {
	curl -s "http://127.0.0.1:$port/__shutdown" >/dev/null 2>&1
	wait "$server" 2>/dev/null
}
trap 'kill $server 2>/dev/null' EXIT

cat >event.json <<EOF
{"action": "opened", "number": 1,
 "pull_request": {"number": 1,
   "head": {"sha": "$head", "ref": "feature", "repo": {"full_name": "o/r"}},
   "base": {"sha": "$base", "ref": "main", "repo": {"full_name": "o/r"}}}}
EOF

# run_tend WANT_RC ARGS...: tend review in the checkout as a GitHub job.
run_tend() {
	want=$1
	shift
	: >summary.md
	: >outputs.txt
	(cd repo && expect_rc "$want" env GITHUB_ACTIONS=true \
		GITHUB_API_URL="http://127.0.0.1:$port${prefix:-}" \
		GITHUB_SERVER_URL=https://github.example \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=pull_request \
		GITHUB_EVENT_PATH="$PWD/../event.json" \
		GITHUB_TOKEN="${token:-$tok}" \
		GITHUB_STEP_SUMMARY="$PWD/../summary.md" \
		GITHUB_OUTPUT="$PWD/../outputs.txt" \
		TEND_HTTP_BACKOFF_MS=10 \
		"$TEND_BIN" review --no-llm "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) ||
		exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
state() {
	curl -s "http://127.0.0.1:$port/__state"
}
# jq-less JSON queries: py 'expression over s (the state)'
py() {
	state | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
# writes since the last `mark`
since=0
mark() {
	since=$(python3 -c "import json; print(max([r['seq'] for r in json.load(open('log.json'))] or [0]))")
}
writes() {
	python3 -c "import json; print(len([r for r in json.load(open('log.json')) if r['seq'] > $since and r['method'] not in ('GET','HEAD') and not r['path'].startswith('/__')]))"
}
# Refused requests, but GET /user: GitHub answers an Actions token's
# question "who am I" with 403, and tend then knows it is the Actions bot.
refused() {
	python3 -c "import json; print(len([r for r in json.load(open('log.json')) if r.get('status', 200) >= 400 and not r['path'].startswith('/__') and not (r['method'] == 'GET' and r['path'] == '/user' and r['status'] == 403)]))"
}
# GET /user since the last `mark`
whoami() {
	python3 -c "import json; print(len([r for r in json.load(open('log.json')) if r['seq'] > $since and r['method'] == 'GET' and r['path'] == '/user']))"
}
show_log() {
	python3 -c "import json
for r in json.load(open('log.json')):
    if r['seq'] > $since and not r['path'].startswith('/__'):
        print(r['method'], r['path'], r.get('status'), r.get('detail') or '')" >&2
}
logs=""
keep_log() {
	cp log.json "log-$1.json"
	logs="$logs log-$1.json"
}

# ---- first run: one review, one summary, one check run ----
start_server
run_tend 0 --filter nofilter --fail-level none
[ "$(refused)" = 0 ] || { show_log; fail "a request was refused"; }
[ "$(py 'len(s["reviews"])')" = 1 ] || fail "want one review"
[ "$(py 'len(s["review_comments"])')" = 2 ] ||
	{ state >&2; fail "want 2 inline comments (marker, console.log)"; }
[ "$(py 'len(s["issue_comments"])')" = 1 ] || fail "want one summary"
[ "$(py 'len(s["check_runs"])')" = 1 ] || fail "want one check run"
summary=$(py 's["issue_comments"][0]["body"]')
contains "$summary" "tend:summary"
contains "$summary" "src/old.txt:2"
contains "$summary" "outside the diff"
[ "$(py 's["check_runs"][0]["conclusion"]')" = neutral ] ||
	[ "$(py 's["check_runs"][0]["conclusion"]')" = success ] ||
	fail "fail level none: the check is not a failure"
body=$(py '[c["body"] for c in s["review_comments"] if c["path"] == "src/app.js"][0]')
contains "$body" "hygiene/js-console-log"
contains "$body" "tend:fp="
[ "$(py '[c["line"] for c in s["review_comments"] if c["path"] == "src/app.js"][0]')" = 35 ] ||
	fail "console.log comment not on line 35"
grep -q '^findings=3$' outputs.txt || { cat outputs.txt >&2; fail "findings output"; }
grep -q '^summary-url=http' outputs.txt || fail "summary-url output"
contains "$(cat summary.md)" "tend:summary"
[ "$(writes)" = 3 ] || fail "want 3 writes, got $(writes)"
# No comment on the PR yet: nothing to tell apart, nobody asked.
[ "$(whoami)" = 0 ] || fail "the first run asked GET /user"
keep_log first

# ---- re-run on the same state: no write at all ----
mark
run_tend 0 --filter nofilter --fail-level none
[ "$(writes)" = 0 ] || { show_log; fail "a re-run wrote $(writes) times"; }
[ "$(py 'len(s["review_comments"])')" = 2 ] || fail "re-run added comments"
# One read more than before tend told its own comments apart: GET /user.
[ "$(whoami)" = 1 ] || { show_log; fail "want one GET /user, got $(whoami)"; }

# ---- a push that shifts every line: still no duplicate ----
(cd repo && sed -i '1i// new first line\n// and a second' src/app.js &&
	git commit -qam shift) || fail "shift commit"
head=$(git -C repo rev-parse HEAD)
sed -i "s/\"sha\": \"[0-9a-f]*\", \"ref\": \"feature\"/\"sha\": \"$head\", \"ref\": \"feature\"/" event.json
run_tend 0 --filter nofilter --fail-level none
[ "$(py 'len(s["review_comments"])')" = 2 ] ||
	{ state >&2; fail "the shifted push duplicated comments"; }
[ "$(py 'len(s["reviews"])')" = 1 ] || fail "a second review was posted"
[ "$(refused)" = 0 ] || fail "a request was refused after the push"
keep_log shift

# ---- a human replies; the finding is then fixed: comment untouched ----
cid=$(py '[c["id"] for c in s["review_comments"] if c["path"] == "src/app.js"][0]')
before=$(py "[c['body'] for c in s['review_comments'] if c['id'] == $cid][0]")
curl -s -X POST -d "{\"in_reply_to\": $cid, \"body\": \"on purpose\", \"user\": \"alice\"}" \
	"http://127.0.0.1:$port/__control/reply" >/dev/null
(cd repo && sed -i '/console.log/d' src/app.js && git commit -qam fix) ||
	fail "fix commit"
head=$(git -C repo rev-parse HEAD)
sed -i "s/\"sha\": \"[0-9a-f]*\", \"ref\": \"feature\"/\"sha\": \"$head\", \"ref\": \"feature\"/" event.json
run_tend 0 --filter nofilter --fail-level none
after=$(py "[c['body'] for c in s['review_comments'] if c['id'] == $cid][0]")
[ "$before" = "$after" ] || fail "a replied-to comment was edited"
[ "$(py 'len(s["deleted"]["review_comments"])')" = 0 ] ||
	fail "a comment was deleted"
summary=$(py 's["issue_comments"][0]["body"]')
contains "$summary" "No longer found"
contains "$summary" "left open for the people discussing it"
[ "$(py 'len(s["issue_comments"])')" = 1 ] || fail "want one summary comment"
keep_log fixed

# ---- libcurl cannot be opened: no request, an error saying why ----
mark
export TEND_LIBCURL=/nonexistent/libcurl.so.4
run_tend 3 --fail-level none
unset TEND_LIBCURL
contains "$err" "cannot load libcurl: /nonexistent/libcurl.so.4"
[ "$(python3 -c "import json; print(len([r for r in json.load(open('log.json')) if r['seq'] > $since and not r['path'].startswith('/__')]))")" = 0 ] ||
	fail "a request was sent without libcurl"
stop_server
