#!/bin/sh
# Issue 16: tend stats on the fake GitLab, over a scripted history. tend
# reviews three merge requests, then people act and tend stats counts
# each output:
#   MR 1  two diff notes: alice (Developer) replies "false positive ..."
#         in one thread (rejected, quoted), bob awards thumbsdown on the
#         other (rejected);
#   MR 2  the author removes the console.log, tend reviews again and
#         resolves its thread: accepted (fixed by the change);
#   MR 3  bob resolves tend's thread with no change: rejected;
#         mallory (Guest) replies "no": not counted;
#   MR 4  a fix-up commit (Tend-Run trailer) and its revert, merged:
#         rejected;  MR 5  a fix-up commit, merged: accepted;
#   MR 6  a suggestion of tend's, committed by the author: accepted;
#   task MRs opened by tend: one merged (accepted), one closed (rejected).
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=glpat-testtoken0123456789abcd

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src
printf 'function a() {\n  return 1;\n}\n' >src/app.js
git add -A && git commit -qm base
git checkout -q -b f1 main
printf 'function b() {\n  console.log("b");\n  return 2;\n}\n\nfunction c() {\n  console.log("c");\n}\n' >>src/app.js
git add -A && git commit -qm f1
git checkout -q -b f2 main
printf 'function d() {\n  console.log("d");\n}\n' >>src/app.js
git add -A && git commit -qm f2
git checkout -q -b f3 main
printf 'function e() {\n  console.log("e");\n}\n' >>src/app.js
git add -A && git commit -qm f3
git checkout -q -b f4 main
printf 'x\n' >fix4.txt
git add -A && git commit -qm "fix: make the tests pass

Tend-Run: gitlab-1"
git revert --no-edit HEAD >/dev/null
git checkout -q -b f5 main
printf 'y\n' >fix5.txt
git add -A && git commit -qm "fix: make the tests pass

Tend-Run: gitlab-2"
git checkout -q -b f6 main
printf 'var x = 1;\nvar y = 2;\n' >six.js
git add -A && git commit -qm f6
for b in t1 t2; do
	git checkout -q -b $b main
	printf '%s\n' $b >$b.txt
	git add -A && git commit -qm "task $b

Tend-Run: gitlab-3
Tend-Issue: 40"
done
git checkout -q main
cd ..

rm -f port
python3 "$lib/fakegitlab.py" --repo repo --project 7:group/proj \
	--mr 1:main:f1 --mr 2:main:f2 --mr 3:main:f3 --mr 4:main:f4 \
	--mr 5:main:f5 --mr 6:main:f6 --token "$tok" --member alice=30 --member bob=30 \
	--member mallory=10 --port-file port --log log.json \
	--timeout 300 --watch-parent >/dev/null 2>server.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s port ] || { cat server.err >&2; fail "fake GitLab did not start"; }
port=$(cat port)
base="http://127.0.0.1:$port"

py() {	# py EXPR over s (the state)
	curl -s "$base/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
control() {	# control PATH JSON
	curl -sf -X POST -H "Content-Type: application/json" -d "$2" \
		"$base/__control/$1" >/dev/null ||
		fail "POST /__control/$1 refused: $2"
}
q() {
	python3 -c "import json; r=json.load(open('stdout.txt')); print($1)"
}
gl_env() {
	env GITLAB_CI=true CI_API_V4_URL="$base/api/v4" \
		CI_SERVER_URL="$base" CI_PROJECT_ID=7 \
		CI_PROJECT_PATH=group/proj GITLAB_TOKEN="$tok" \
		TEND_HTTP_BACKOFF_MS=10 "$@"
}
review() {	# review MR BRANCH
	git -C repo checkout -q "$2" || fail "checkout $2"
	(cd repo && expect_rc 0 gl_env CI_MERGE_REQUEST_IID="$1" \
		CI_PIPELINE_SOURCE=merge_request_event \
		CI_MERGE_REQUEST_PROJECT_ID=7 \
		CI_MERGE_REQUEST_SOURCE_PROJECT_ID=7 \
		CI_COMMIT_SHA="$(git rev-parse HEAD)" \
		"$TEND_BIN" review --no-llm --fail-level none) || exit 1
}
stats() {	# stats WANT ARGS...
	want=$1
	shift
	(cd repo && expect_rc "$want" gl_env CI_PIPELINE_SOURCE=schedule \
		CI_COMMIT_SHA="$(git rev-parse HEAD)" "$TEND_BIN" stats "$@"
	cp stdout.txt stderr.txt ..) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
# diff discussion ids / note ids of tend's notes on MR N
disc() {
	py "[d['id'] for d in s['discussions'].get('$1', []) if d['notes'][0]['author']['username'] == 'tend-bot' and d['notes'][0].get('position')][$2]"
}
nid() {
	py "[d['notes'][0]['id'] for d in s['discussions'].get('$1', []) if d['notes'][0]['author']['username'] == 'tend-bot' and d['notes'][0].get('position')][$2]"
}

review 1 f1
review 2 f2
review 3 f3
d1=$(disc 1 0); n2=$(nid 1 1); d3=$(disc 3 0)
[ -n "$d1" ] && [ -n "$n2" ] && [ -n "$d3" ] || fail "tend's diff notes are missing"

control reply "{\"discussion_id\": \"$d1\", \"author\": \"alice\", \"body\": \"False positive, the log is wanted here.\"}"
control award "{\"mr\": 1, \"note\": $n2, \"user\": \"bob\", \"name\": \"thumbsdown\"}"
control resolve "{\"discussion_id\": \"$d3\", \"user\": \"bob\"}"
control reply "{\"discussion_id\": \"$d3\", \"author\": \"mallory\", \"body\": \"thanks\"}"
(cd repo && git checkout -q f2 && git checkout -q main -- src/app.js &&
	printf 'function d() {\n  return 4;\n}\n' >>src/app.js &&
	git commit -qam "drop the log") || fail "commit on f2"
review 2 f2
[ "$(py "[d['notes'][0]['resolved_by']['username'] for d in s['discussions']['2'] if d['notes'][0].get('position')]")" = "['tend-bot']" ] ||
	fail "tend did not resolve the gone finding's thread"
# MR 6: a suggestion of tend's, applied by the author.
refs=$(curl -sf -H "PRIVATE-TOKEN: $tok" "$base/api/v4/projects/7/merge_requests/6" |
	python3 -c "import json,sys; d=json.load(sys.stdin)['diff_refs']; print(d['base_sha'], d['start_sha'], d['head_sha'])")
set -- $refs
curl -sf -X POST -H "PRIVATE-TOKEN: $tok" -H "Content-Type: application/json" \
	-d "{\"body\": \"use const\\n\\n\`\`\`suggestion\\nconst x = 1;\\n\`\`\`\\n\\n<!-- tend:fp=sug1 agent=reviewer model=openai/m size=small rule=agent/reviewer -->\", \"position\": {\"position_type\": \"text\", \"base_sha\": \"$1\", \"start_sha\": \"$2\", \"head_sha\": \"$3\", \"new_path\": \"six.js\", \"old_path\": \"six.js\", \"new_line\": 1}}" \
	"$base/api/v4/projects/7/merge_requests/6/discussions" >/dev/null || fail "suggestion note"
(cd repo && git checkout -q f6 && printf 'const x = 1;\nvar y = 2;\n' >six.js &&
	git commit -qam "apply the suggestion") || fail "commit on f6"
control mr '{"iid": 4, "set": {"state": "merged"}}'
control mr '{"iid": 5, "set": {"state": "merged"}}'
for b in t1 t2; do
	curl -sf -X POST -H "PRIVATE-TOKEN: $tok" -H "Content-Type: application/json" \
		-d "{\"source_branch\": \"$b\", \"target_branch\": \"main\", \"title\": \"task $b\", \"description\": \"<!-- tend:task-pr issue=40 -->\\n\\n<!-- tend:task-cost=0.500000 -->\\n\"}" \
		"$base/api/v4/projects/7/merge_requests" >/dev/null || fail "open task MR $b"
done
control mr '{"iid": 7, "set": {"state": "merged"}}'
control mr '{"iid": 8, "set": {"state": "closed"}}'

stats 0 --since 2020-01-01 --format json
[ "$(q "sorted(o['why'].split(' by ')[0] + ':' + o['outcome'] for o in r['outputs'] if o['pr'] == 1)")" = "['1 thumbs-down:rejected', 'replied disagreeing:rejected']" ] ||
	fail "MR 1: $out"
q "[o['why'] for o in r['outputs'] if o['pr'] == 1]" | grep -q '@alice: "False positive, the log is wanted here."' ||
	fail "MR 1: alice's words are not quoted"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == 2]")" = "['accepted']" ] ||
	fail "MR 2: the fixed finding is not accepted: $out"
[ "$(q "[(o['outcome'], o['why']) for o in r['outputs'] if o['pr'] == 3]")" = "[('rejected', 'resolved by @bob without a change')]" ] ||
	fail "MR 3: resolved without a change: $out"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == 4]")" = "['rejected']" ] ||
	fail "MR 4: the reverted fix-up: $out"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == 5]")" = "['accepted']" ] ||
	fail "MR 5: the merged fix-up"
[ "$(q "[(o['outcome'], o['why']) for o in r['outputs'] if o['pr'] == 6]")" = "[('accepted', 'its suggestion was applied')]" ] ||
	fail "MR 6: the applied suggestion: $out"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] in (7, 8)]")" = "['rejected', 'accepted']" ] ||
	fail "task MRs: $(q "[(o['pr'], o['outcome']) for o in r['outputs'] if o['kind'] == 'task-pr']")"
[ "$(q "r['totals']['comment']")" = "{'accepted': 2, 'rejected': 3, 'open': 0}" ] ||
	fail "comment totals: $(q "r['totals']")"
# The award emoji were read for tend's diff notes only.
[ "$(curl -s "$base/__log" | python3 -c "import json,sys; print(len([r for r in json.load(sys.stdin) if r['method'] == 'GET' and 'award_emoji' in r['path']]))")" = 5 ] ||
	fail "award emoji were read for notes that are not tend's comments"
stats 0 --since 2020-01-01
contains "$out" "Review comments: 5: 2 accepted, 3 rejected, 0 open; acceptance 40%"
contains "$out" "Task PRs: 1 merged, 1 closed unmerged, 0 open"
contains "$out" "\$0.5000 per merged task PR"
echo "ok"
