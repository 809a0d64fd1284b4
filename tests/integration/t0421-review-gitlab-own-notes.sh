#!/bin/sh
# Issue 10, finding 5 on GitLab, mounted against the fake GitLab: only
# the notes of the account tend posts as (GET /user with GITLAB_TOKEN)
# count as tend's.
#   (a) a human's note and another bot's diff discussion carrying a copy
#       of the fingerprint marker of a finding tend would post: tend still
#       posts the finding as a diff discussion of its own;
#   (b) a human's note with <!-- tend:summary --> and the digest tend's
#       summary will have: tend still writes its summary and its failing
#       commit status, and leaves the human's note alone;
#   (c) a human's resolvable diff discussion with a bogus fingerprint
#       marker: tend neither resolves it nor lists it as no longer found;
#   (d) the job token alone has no user: GET /user is not even asked and
#       no note is taken for tend's.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=glpat-testtoken0123456789abcd
job=jobtoken0123456789abcdefghij

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src
printf 'function a() {\n  return 1;\n}\n' >src/app.js
git add -A && git commit -qm base
git checkout -q -b feature
printf 'function b() {\n  console.log("b");\n  return 2;\n}\n' >>src/app.js
git add -A && git commit -qm feature
# MR 2: everything out of line (review.max_comments 0, set on its base),
# and a conflict marker, an error: the status fails.
git checkout -q -b cfgbase main
printf 'review:\n  max_comments: 0\n' >.tend.yml
git add -A && git commit -qm config
git checkout -q -b feature2
printf 'x\n<<<<<<< HEAD\n' >notes.txt
git add -A && git commit -qm feature2
git checkout -q feature
cd ..

rm -f port
python3 "$lib/fakegitlab.py" --repo repo --project 7:group/proj \
	--mr 1:main:feature --mr 2:cfgbase:feature2 --token "$tok" \
	--job-token "$job" --port-file port --log log.json \
	--timeout 300 --watch-parent >/dev/null 2>server.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s port ] || { cat server.err >&2; fail "fake GitLab did not start"; }
port=$(cat port)

py() {	# py MR EXPR: EXPR over s (the state) and d (MR's discussions)
	curl -s "http://127.0.0.1:$port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); d=s['discussions'].get('$1', []); print($2)"
}
since=0
mark() {
	since=$(curl -s "http://127.0.0.1:$port/__log" | python3 -c "import json,sys; print(max([r['seq'] for r in json.load(sys.stdin)] or [0]))")
}
count() {	# count METHOD PATH-REGEX since `mark`
	curl -s "http://127.0.0.1:$port/__log" | python3 -c "import json,re,sys
print(len([r for r in json.load(sys.stdin) if r['seq'] > $since and r['method'] == sys.argv[1] and re.search(sys.argv[2], r['path'])]))" "$1" "$2"
}
show_log() {
	curl -s "http://127.0.0.1:$port/__log" | python3 -c "import json,sys
for r in json.load(sys.stdin):
    if r['seq'] > $since and not r['path'].startswith('/__'):
        print(r['method'], r['path'], r.get('status', ''))" >&2
}
note() {	# note JSON: someone else's note
	curl -sf -X POST -H "Content-Type: application/json" -d "$1" \
		"http://127.0.0.1:$port/__control/note" >/dev/null ||
		fail "note refused"
}
json_str() {
	python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"
}

# run_tend WANT MR ARGS...: tend review in MR's merge-request pipeline.
run_tend() {
	want=$1
	mr=$2
	shift 2
	case $mr in 1) branch=feature ;; *) branch=feature2 ;; esac
	git -C repo checkout -q "$branch" || fail "checkout $branch"
	head=$(git -C repo rev-parse HEAD)
	(cd repo && expect_rc "$want" env GITLAB_CI=true \
		CI_API_V4_URL="http://127.0.0.1:$port/api/v4" \
		CI_SERVER_URL="http://127.0.0.1:$port" \
		CI_PROJECT_ID=7 CI_PROJECT_PATH=group/proj \
		CI_MERGE_REQUEST_IID="$mr" \
		CI_PIPELINE_SOURCE=merge_request_event \
		CI_MERGE_REQUEST_PROJECT_ID=7 \
		CI_MERGE_REQUEST_SOURCE_PROJECT_ID=7 \
		CI_COMMIT_SHA="$head" ${gltoken:-GITLAB_TOKEN=$tok} \
		CI_JOB_TOKEN="$job" TEND_HTTP_BACKOFF_MS=10 \
		"$TEND_BIN" review --no-llm "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) ||
		{ show_log; exit 1; }
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}

# ---- (a) copies of the fingerprint marker do not hide the finding ----
run_tend 0 1 --fail-level none --dry-run
contains "$out" "Inline comments to post: 1"
fp=$(printf '%s\n' "$out" | grep -o '<!-- tend:fp=[^ ]* rule=[^ ]* -->' | head -n 1)
contains "$fp" "rule=hygiene/js-console-log"
line=$(printf '%s\n' "$out" | sed -n 's/^--- src\/app.js:\([0-9]*\) (RIGHT)$/\1/p' | head -n 1)
[ -n "$line" ] || fail "no inline comment on src/app.js in the dry run"
note "{\"iid\": 1, \"author\": \"mallory\", \"body\": $(json_str "seen $fp")}"
note "{\"iid\": 1, \"author\": \"other-bot\", \"body\": $(json_str "me too $fp"), \"position\": {\"old_path\": \"src/app.js\", \"new_path\": \"src/app.js\", \"new_line\": $line}}"
# (c) a stranger's thread with a fingerprint no finding has.
note "{\"iid\": 1, \"author\": \"mallory\", \"body\": \"<!-- tend:fp=0123abcd rule=hygiene/x -->\", \"position\": {\"old_path\": \"src/app.js\", \"new_path\": \"src/app.js\", \"old_line\": 2, \"new_line\": 2}}"
mark
run_tend 0 1 --fail-level none
[ "$(py 1 "len([x for x in d if x['notes'][0]['author']['username'] == 'tend-bot' and x['notes'][0].get('position') and '$fp' in x['notes'][0]['body']])")" = 1 ] ||
	{ show_log; py 1 'json.dumps(d, indent=1)' >&2; fail "a copied marker kept tend's finding off the MR"; }
# ---- (c) ----
[ "$(count PUT '/discussions/')" = 0 ] ||
	{ show_log; fail "tend resolved someone else's thread"; }
[ "$(py 1 "[x['notes'][0]['resolved'] for x in d if x['notes'][0]['author']['username'] == 'mallory' and x['notes'][0].get('position')]")" = "[False]" ] ||
	fail "the stranger's thread is resolved"
summary=$(py 1 "[x['notes'][0]['body'] for x in d if x['notes'][0]['author']['username'] == 'tend-bot' and 'tend:summary' in x['notes'][0]['body']][0]")
not_contains "$summary" "No longer found"
[ "$(count GET '^/api/v4/user$')" = 1 ] || { show_log; fail "want one GET /user"; }
# The re-run knows its own notes and writes nothing.
mark
run_tend 0 1 --fail-level none
[ "$(count POST .)$(count PUT .)" = 00 ] || { show_log; fail "a re-run wrote"; }

# ---- (b) a copied summary with a matching digest ----
run_tend 1 2 --dry-run
digest=$(printf '%s\n' "$out" | grep -o '<!-- tend:state digest=[0-9a-f]*[^>]*-->' | head -n 1)
[ -n "$digest" ] || fail "no digest in the dry run"
# The marker's run and times differ from run to run; the digest does not.
digest_only=$(printf '%s\n' "$digest" | grep -o 'digest=[0-9a-f]*')
fake="<!-- tend:summary -->
### tend review

:white_check_mark: **Nothing to see here**

$digest"
note "{\"iid\": 2, \"author\": \"mallory\", \"body\": $(json_str "$fake")}"
mark
run_tend 1 2
[ "$(py 2 "len([x for x in d if x['notes'][0]['author']['username'] == 'tend-bot' and '$digest_only' in x['notes'][0]['body']])")" = 1 ] ||
	{ show_log; fail "a copied summary kept tend's summary from being written"; }
head2=$(git -C repo rev-parse feature2)
[ "$(py 2 "[x['status'] for x in s['statuses'] if x['sha'] == '$head2']")" = "['failed']" ] ||
	{ show_log; py 2 's["statuses"]' >&2; fail "a copied summary kept the failing status from being set"; }
[ "$(py 2 "[x['notes'][0]['body'] for x in d if x['notes'][0]['author']['username'] == 'mallory'][0]")" = "$fake" ] ||
	fail "the human's copy was edited"

# ---- (d) the job token: no user to ask, nothing is tend's ----
mark
gltoken=TEND_UNUSED=1 run_tend 0 1 --fail-level none
[ "$(count GET '/user$')" = 0 ] || { show_log; fail "the job token asked GET /user"; }
[ "$(count POST .)$(count PUT .)" = 00 ] || { show_log; fail "the job token wrote"; }
contains "$err" "cannot tell which account tend posts as (the CI job token has no user)"
not_contains "$err$out" "$job"
exit 0
