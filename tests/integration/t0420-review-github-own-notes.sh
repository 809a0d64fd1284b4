#!/bin/sh
# Issue 10, finding 5 and the GitHub next-page link, mounted against the
# fake GitHub: only tend's own account's comments count as tend's, and the
# token never follows a link off the API URL.
#   (a) a human's issue comment and another bot's review comment carrying
#       a copy of the fingerprint marker of a finding tend would post, and
#       a human's comment with a bogus fingerprint: tend still posts the
#       finding inline and lists nothing as "no longer found";
#   (b) a human's issue comment with <!-- tend:summary --> and the digest
#       tend's own summary will have: tend still writes its summary and
#       its (failing) check run, leaves the human's comment alone, and a
#       re-run writes nothing;
#   (c) who tend is: an Actions token gets 403 from GET /user and tend is
#       github-actions[bot]; a personal access token is its user (GET
#       /user 200), and a re-run writes nothing; with GH_TOKEN (not the
#       Actions token) tend cannot tell and says so, TEND_BOT_LOGIN tells;
#   (d) a next-page link to http://API_HOST:PORT@127.0.0.1:EVIL/: refused
#       with a clear error (exit 2, as for any answer not as documented),
#       and the other server sees no request at all.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_testtoken0123456789abcdefABCDEF0123
pat=ghp_personaltoken0123456789abcdefABCD

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src
printf 'function a() {\n  return 1;\n}\n' >src/app.js
git add -A && git commit -qm base
# PR 1 and PR 3: a console.log (a warning) on an added line.
git checkout -q -b feature
printf 'function b() {\n  console.log("b");\n  return 2;\n}\n' >>src/app.js
git add -A && git commit -qm feature
git checkout -q -b feature3 main
printf 'function c() {\n  console.log("c");\n}\n' >>src/app.js
git add -A && git commit -qm feature3
# PR 2: a base whose config keeps everything out of line, so the summary
# is all there is; a conflict marker (an error) makes the check fail.
git checkout -q -b cfgbase main
printf 'review:\n  max_comments: 0\n' >.tend.yml
git add -A && git commit -qm config
git checkout -q -b feature2
printf 'x\n<<<<<<< HEAD\n' >notes.txt
git add -A && git commit -qm feature2
git checkout -q feature
cd ..

start_server() {
	rm -f port
	python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
		--pr 1:main:feature --pr 2:cfgbase:feature2 \
		--pr 3:main:feature3 --token "$tok" \
		--pat-token "$pat:tend-pat" \
		--port-file port --log log.json --timeout 300 --watch-parent \
		"$@" >/dev/null 2>server.err &
	server=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s port ] || { cat server.err >&2; fail "fake GitHub did not start"; }
	port=$(cat port)
}
trap 'kill $server $evil 2>/dev/null' EXIT
evil=""

# event N BASE HEAD: the pull_request payload of PR N, checked out.
event() {
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

# run_tend WANT ARGS...: tend review as a GitHub Actions job; the token
# in $tokvar (default GITHUB_TOKEN) is $token (default the Actions one).
run_tend() {
	want=$1
	shift
	(cd repo && expect_rc "$want" env GITHUB_ACTIONS=true \
		GITHUB_API_URL="http://127.0.0.1:$port" \
		GITHUB_SERVER_URL=https://github.example \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=pull_request \
		GITHUB_EVENT_PATH="$PWD/../event.json" \
		"${tokvar:-GITHUB_TOKEN}=${token:-$tok}" \
		TEND_HTTP_BACKOFF_MS=10 ${botlogin:+TEND_BOT_LOGIN=$botlogin} \
		"$TEND_BIN" review --no-llm "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) ||
		{ show_log; exit 1; }
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
py() {
	curl -s "http://127.0.0.1:$port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
control() {	# control PATH JSON
	curl -sf -X POST -d "$2" "http://127.0.0.1:$port/__control/$1" \
		>/dev/null || fail "POST /__control/$1 refused"
}
since=0
mark() {
	since=$(python3 -c "import json; print(max([r['seq'] for r in json.load(open('log.json'))] or [0]))")
}
writes() {
	python3 -c "import json; print(len([r for r in json.load(open('log.json')) if r['seq'] > $since and r['method'] not in ('GET','HEAD') and not r['path'].startswith('/__')]))"
}
whoami() {	# the statuses GET /user was answered with since `mark`
	python3 -c "import json; print(' '.join(str(r['status']) for r in json.load(open('log.json')) if r['seq'] > $since and r['method'] == 'GET' and r['path'] == '/user'))"
}
show_log() {
	python3 -c "import json
for r in json.load(open('log.json')):
    if r['seq'] > $since and not r['path'].startswith('/__'):
        print(r['method'], r['path'], r.get('status'), r.get('detail') or '')" >&2
}
# A JSON string of $1.
json_str() {
	python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"
}

start_server

# ---- (a) copies of the fingerprint marker do not hide the finding ----
event 1 main feature
run_tend 0 --fail-level none --dry-run
contains "$out" "Inline comments to post: 1"
fp=$(printf '%s\n' "$out" | grep -o '<!-- tend:fp=[^ ]* rule=[^ ]* -->' | head -n 1)
contains "$fp" "rule=hygiene/js-console-log"
line=$(printf '%s\n' "$out" | sed -n 's/^--- src\/app.js:\([0-9]*\) (RIGHT)$/\1/p' | head -n 1)
[ -n "$line" ] || fail "no inline comment on src/app.js in the dry run"
control comment "{\"user\": \"mallory\", \"pr\": 1, \"body\": $(json_str "seen it $fp")}"
control comment "{\"user\": \"mallory\", \"pr\": 1, \"body\": \"<!-- tend:fp=0123abcd rule=hygiene/x -->\"}"
control review "{\"user\": \"other-bot[bot]\", \"pr\": 1, \"event\": \"COMMENT\", \"body\": \"copy\", \"comments\": [{\"path\": \"src/app.js\", \"line\": $line, \"side\": \"RIGHT\", \"body\": $(json_str "me too $fp")}]}"
mark
run_tend 0 --fail-level none
[ "$(py "len([c for c in s['review_comments'] if c['pr'] == 1 and c['user']['login'] == 'github-actions[bot]' and '$fp' in c['body']])")" = 1 ] ||
	{ show_log; py 'json.dumps(s["review_comments"], indent=1)' >&2; fail "a copied marker kept tend's finding off the PR"; }
[ "$(whoami)" = 403 ] || { show_log; fail "want one GET /user answered 403, got '$(whoami)'"; }
summary=$(py "[c['body'] for c in s['issue_comments'] if c['pr'] == 1 and c['user']['login'] == 'github-actions[bot]'][0]")
contains "$summary" "tend:summary"
contains "$summary" "1 inline"
not_contains "$summary" "No longer found"
[ "$(py "len([c for c in s['issue_comments'] if c['pr'] == 1 and c['user']['login'] == 'mallory'])")" = 2 ] ||
	fail "the human's comments were touched"
# The re-run sees its own comment and writes nothing.
mark
run_tend 0 --fail-level none
[ "$(writes)" = 0 ] || { show_log; fail "a re-run wrote $(writes) times"; }

# ---- (b) a copied summary with a matching digest ----
event 2 cfgbase feature2
run_tend 1 --dry-run
contains "$out" "Summary (new comment)"
digest=$(printf '%s\n' "$out" | grep -o '<!-- tend:state digest=[0-9a-f]*[^>]*-->' | head -n 1)
[ -n "$digest" ] || fail "no digest in the dry run"
# The marker's run and times differ from run to run; the digest does not.
digest_only=$(printf '%s\n' "$digest" | grep -o 'digest=[0-9a-f]*')
fake="<!-- tend:summary -->
### tend review

:white_check_mark: **Nothing to see here**

$digest"
control comment "{\"user\": \"mallory\", \"pr\": 2, \"body\": $(json_str "$fake")}"
mark
run_tend 1
[ "$(py "len([c for c in s['issue_comments'] if c['pr'] == 2 and c['user']['login'] == 'github-actions[bot]' and 'tend:summary' in c['body'] and '$digest_only' in c['body']])")" = 1 ] ||
	{ show_log; fail "a copied summary kept tend's summary from being written"; }
head2=$(git -C repo rev-parse feature2)
[ "$(py "[r['conclusion'] for r in s['check_runs'] if r['head_sha'] == '$head2']")" = "['failure']" ] ||
	{ show_log; fail "a copied summary kept the failing check run from being set"; }
[ "$(py "[c['body'] for c in s['issue_comments'] if c['pr'] == 2 and c['user']['login'] == 'mallory'][0]")" = "$fake" ] ||
	fail "the human's summary copy was edited"
mark
run_tend 1
[ "$(writes)" = 0 ] || { show_log; fail "a re-run of PR 2 wrote $(writes) times"; }

# ---- (c) a personal access token: its user, learnt from GET /user ----
event 3 main feature3
mark
token=$pat run_tend 0 --fail-level none
[ "$(py "len([c for c in s['review_comments'] if c['pr'] == 3 and c['user']['login'] == 'tend-pat'])")" = 1 ] ||
	{ show_log; fail "the PAT's review comment is not by its user"; }
[ "$(whoami)" = "" ] || fail "GET /user asked with nothing to tell apart"
mark
token=$pat run_tend 0 --fail-level none
[ "$(whoami)" = 200 ] || { show_log; fail "want one GET /user answered 200, got '$(whoami)'"; }
[ "$(writes)" = 0 ] || { show_log; fail "a PAT re-run wrote $(writes) times"; }
# A human copies the PAT user's marker: still nothing new, nothing lost.
fp3=$(py "[c['body'] for c in s['review_comments'] if c['pr'] == 3][0]" | grep -o '<!-- tend:fp=[^ ]* rule=[^ ]* -->')
control comment "{\"user\": \"mallory\", \"pr\": 3, \"body\": $(json_str "$fp3")}"
mark
token=$pat run_tend 0 --fail-level none
[ "$(writes)" = 0 ] || { show_log; fail "a human's copy changed a PAT re-run"; }

# The Actions token under another name: tend cannot tell who it is, says
# so, and (safe, not quiet) treats no comment as its own.
event 1 main feature
mark
tokvar=GH_TOKEN run_tend 0 --fail-level none --dry-run
contains "$err" "cannot tell which account tend posts as"
contains "$err" "TEND_BOT_LOGIN"
contains "$out" "Inline comments to post: 1"
not_contains "$err$out" "$tok"
# TEND_BOT_LOGIN names it: its own comments are known again.
botlogin='github-actions[bot]' tokvar=GH_TOKEN run_tend 0 --fail-level none --dry-run
contains "$out" "Inline comments to post: 0 (already on the PR: 1"
not_contains "$err" "cannot tell which account"

# ---- (d) a next-page link that leaves the API URL ----
rm -f evilport
python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
	--pr 1:main:feature --token other-token --port-file evilport \
	--log evil.json --timeout 300 --watch-parent >/dev/null 2>evil.err &
evil=$!
i=0
while [ ! -s evilport ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s evilport ] || { cat evil.err >&2; fail "the second server did not start"; }
eport=$(cat evilport)
for link in "http://127.0.0.1:$port@127.0.0.1:$eport/repos/o/r/pulls/1/files?page=2" \
	"http://127.0.0.1:$eport/repos/o/r/pulls/1/files?page=2"; do
	cat >faults.json <<EOF
[{"method": "GET", "path": "/pulls/1/files$", "times": 1, "status": 200,
  "body": [{"filename": "src/app.js", "status": "modified", "additions": 1,
            "deletions": 0, "changes": 1,
            "patch": "@@ -1,3 +1,4 @@\n function a() {\n   return 1;\n }\n+x"}],
  "headers": {"Link": "<$link>; rel=\"next\""}}]
EOF
	curl -sf -X POST --data-binary @faults.json \
		"http://127.0.0.1:$port/__control/faults" >/dev/null ||
		fail "faults refused"
	event 1 main feature
	mark
	(cd repo && env GITHUB_ACTIONS=true \
		GITHUB_API_URL="http://127.0.0.1:$port" \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=pull_request \
		GITHUB_EVENT_PATH="$PWD/../event.json" GITHUB_TOKEN="$tok" \
		TEND_HTTP_BACKOFF_MS=10 \
		"$TEND_BIN" review --no-llm --fail-level none \
		>../stdout.txt 2>../stderr.txt)
	rc=$?
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
	[ "$(python3 -c "import json; print(len([r for r in json.load(open('evil.json')) if not r['path'].startswith('/__')]))")" = 0 ] ||
		fail "the token went to the other server"
	[ $rc = 2 ] || { printf '%s\n' "$err" >&2; fail "exit $rc, want 2"; }
	contains "$err" "outside the API URL"
	contains "$err" "not following it"
	not_contains "$err$out" "$tok"
	[ "$(writes)" = 0 ] || fail "tend wrote after a refused list"
done
grep -q "$tok" evil.json && fail "the token is in the other server's log"
exit 0
