#!/bin/sh
# `tend review` of a GitLab merge request in a merge-request pipeline,
# against the strict fake GitLab (tests/lib/fakegitlab.py), which refuses
# any diff position that does not match the MR's diff_refs and lines:
#   - inline comments on added and unchanged lines land as discussions
#     through draft notes and one bulk publish; one summary note; a status;
#   - a re-run writes nothing;
#   - a finding that disappeared has its thread resolved, unless someone
#     replied to it;
#   - a file whose diff GitLab left out (too_large) is diffed from the
#     checkout and named in the summary;
#   - the job token alone cannot write: nothing is posted, exit as normal.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=glpat-testtoken0123456789abcd
job=jobtoken0123456789abcdefghij

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src
seq 1 30 | sed 's/^/line /' >src/notes.txt
printf 'function a() {\n  return 1;\n}\n' >src/app.js
seq 1 40 | sed 's/^/big /' >src/big.txt
git add -A && git commit -qm base
git checkout -q -b feature
# An added line with a finding, and an unchanged line with one that the
# change brings into its context (filter nofilter keeps both).
printf 'function b() {\n  console.log("b");\n  console.log("c");\n  return 2;\n}\n' >>src/app.js
sed -i 's/^line 10$/<<<<<<< HEAD/' src/notes.txt
sed -i 's/^big 20$/>>>>>>> theirs/' src/big.txt
git add -A && git commit -qm feature
cd ..

py() {
	curl -s "http://127.0.0.1:$port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); d=s['discussions'].get('1', []); print($1)"
}
since=0
mark() {
	since=$(curl -s "http://127.0.0.1:$port/__log" | python3 -c "import json,sys; print(max([r['seq'] for r in json.load(sys.stdin)] or [0]))")
}
writes() {
	curl -s "http://127.0.0.1:$port/__log" | python3 -c "import json,sys
print(len([r for r in json.load(sys.stdin) if r['seq'] > $since and r['method'] != 'GET' and not r['path'].startswith('/__')]))"
}
show_log() {
	curl -s "http://127.0.0.1:$port/__log" | python3 -c "import json,sys
for r in json.load(sys.stdin):
    if r['seq'] > $since and not r['path'].startswith('/__'):
        print(r['method'], r['path'], r.get('status', ''))" >&2
}

rm -f port
python3 "$lib/fakegitlab.py" --repo repo --project 7:group/proj \
	--mr 1:main:feature --token "$tok" --job-token "$job" \
	--too-large src/big.txt --port-file port --log log.json \
	--timeout 300 --watch-parent >/dev/null 2>server.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s port ] || { cat server.err >&2; fail "fake GitLab did not start"; }
port=$(cat port)

run_tend() {
	want=$1
	shift
	head=$(git -C repo rev-parse HEAD)
	(cd repo && expect_rc "$want" env GITLAB_CI=true \
		CI_API_V4_URL="http://127.0.0.1:$port/api/v4" \
		CI_SERVER_URL="http://127.0.0.1:$port" \
		CI_PROJECT_ID=7 CI_PROJECT_PATH=group/proj \
		CI_MERGE_REQUEST_IID=1 CI_PIPELINE_SOURCE=merge_request_event \
		CI_MERGE_REQUEST_PROJECT_ID=7 \
		CI_MERGE_REQUEST_SOURCE_PROJECT_ID=7 \
		CI_COMMIT_SHA="$head" ${gltoken:-GITLAB_TOKEN=$tok} \
		CI_JOB_TOKEN="$job" TEND_HTTP_BACKOFF_MS=10 \
		"$TEND_BIN" review --no-llm --filter nofilter --fail-level none "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) ||
		{ show_log; exit 1; }
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}

# ---- first run ----
run_tend 0
[ "$(py 'len([x for x in d if not x["individual_note"]])')" = 3 ] ||
	{ show_log; py 'json.dumps(d, indent=1)' >&2; fail "want 3 diff discussions"; }
[ "$(py 'len(s["drafts"].get("1", []))')" = 0 ] || fail "drafts left unpublished"
[ "$(py 'len([x for x in d if x["individual_note"] and "tend:summary" in x["notes"][0]["body"]])')" = 1 ] ||
	fail "want one summary note"
summary=$(py '[x for x in d if x["individual_note"]][0]["notes"][0]["body"]')
contains "$summary" "src/big.txt: GitLab left its diff out as too large; diffed from the checkout instead"
# The >>>>>>> in big.txt was found through the local diff; GitLab shows no
# lines of that file, so it is in the summary, not inline.
contains "$summary" "src/big.txt:20"
contains "$summary" "does not show this file"
[ "$(py 'len([x for x in d if x["notes"][0].get("position") and x["notes"][0]["position"]["new_path"] == "src/big.txt"])')" = 0 ] ||
	fail "a comment was placed on a file GitLab does not show"
[ "$(py 'len(s["statuses"])')" -ge 1 ] || fail "no commit status"
# Positions: an added line has new_line only.
[ "$(py '[x["notes"][0]["position"]["old_line"] for x in d if x["notes"][0].get("position") and x["notes"][0]["position"]["new_path"] == "src/app.js"][0]')" = None ] ||
	fail "an added line carried old_line"

# ---- re-run: nothing written ----
mark
run_tend 0
[ "$(writes)" = 0 ] || { show_log; fail "a re-run wrote $(writes) times"; }
# One read more than before tend told its own notes apart: GET /user.
[ "$(curl -s "http://127.0.0.1:$port/__log" | python3 -c "import json,sys
print(len([r for r in json.load(sys.stdin) if r['seq'] > $since and r['method'] == 'GET' and r['path'] == '/api/v4/user']))")" = 1 ] ||
	{ show_log; fail "want one GET /user in the re-run"; }

# ---- someone replies to one thread; both console.logs are then fixed ----
did=$(py '[x["id"] for x in d if x["notes"][0].get("position") and x["notes"][0]["position"]["new_path"] == "src/app.js" and x["notes"][0]["position"]["new_line"] == 5][0]')
[ -n "$did" ] || fail "no discussion on src/app.js:5"
curl -sf -X POST -H "Content-Type: application/json" -d "{\"discussion_id\": \"$did\", \"body\": \"I need this\", \"author\": \"alice\"}" \
	"http://127.0.0.1:$port/__control/reply" >reply.json || fail "reply refused"
(cd repo && sed -i '/console.log/d' src/app.js && git commit -qam fix) || fail "fix"
run_tend 0
[ "$(py 'len([x for x in d if x["notes"][0].get("position") and x["notes"][0]["position"]["new_path"] == "src/app.js" and x["notes"][0]["resolved"]])')" = 1 ] ||
	{ py 'json.dumps(d, indent=1)' >&2; fail "want exactly the unreplied thread resolved"; }
[ "$(py "[x['notes'][0]['resolved'] for x in d if x['id'] == '$did'][0]")" = False ] ||
	fail "a thread with a human reply was resolved"
summary=$(py '[x for x in d if x["individual_note"]][0]["notes"][0]["body"]')
contains "$summary" "No longer found (2)"

# ---- the job token alone: no write, exit as normal ----
mark
gltoken=TEND_UNUSED=1 run_tend 0
[ "$(writes)" = 0 ] || { show_log; fail "the job token wrote"; }
contains "$err" "cannot write"
not_contains "$err$out" "$job"
