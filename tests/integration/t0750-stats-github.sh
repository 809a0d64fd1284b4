#!/bin/sh
# Issue 16: tend stats on the fake GitHub, over a scripted history. tend
# reviews four PRs, then people act and tend stats counts each output:
#   PR 1  two comments: alice (write access) replies "false positive ..."
#         to one (rejected, her words quoted), bob puts -1 on the other
#         (rejected); mallory (no write access) disagrees with nothing
#         counted;
#   PR 2  the author removes the console.log and tend reviews again: the
#         finding is no longer found (accepted, fixed by the change);
#   PR 3  mallory, who cannot write, replies "no, wrong" (not counted);
#         alice resolves the thread with no change (GraphQL): rejected;
#   PR 7  the line below tend's comment changes, then alice resolves the
#         thread: accepted;
#   PR 4  a fix-up commit (Tend-Run trailer) and its revert: rejected;
#   PR 5  a fix-up commit, merged: accepted;
#   PR 6  two suggestions of tend's; the author commits one: accepted
#         (the head holds the suggested line where the comment was), the
#         other stays open;
#   task PRs opened by tend: one merged (accepted), one closed (rejected).
# Also: the summary's state marker carries the run's start and cost, so
# latency and cost are known; the store is written under the git dir and
# a corrupt one is moved aside and rebuilt; --post-issue posts the
# markdown report once and edits it in place.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_testtoken0123456789abcdefABCDEF0123

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

Tend-Run: github-1-1"
fix4=$(git rev-parse HEAD)
git revert --no-edit HEAD >/dev/null
git checkout -q -b f5 main
printf 'y\n' >fix5.txt
git add -A && git commit -qm "fix: make the tests pass

Tend-Run: github-2-1"
fix5=$(git rev-parse HEAD)
git checkout -q -b f7 main
printf 'function g() {\n  console.log("g");\n  return 7;\n}\n' >>src/app.js
git add -A && git commit -qm f7
git checkout -q -b f6 main
printf 'var x = 1;\nvar y = 2;\n' >six.js
git add -A && git commit -qm f6
git checkout -q -b t1 main
printf 'task one\n' >t1.txt
git add -A && git commit -qm "task one

Tend-Run: github-3-1
Tend-Issue: 40"
git checkout -q -b t2 main
printf 'task two\n' >t2.txt
git add -A && git commit -qm "task two

Tend-Run: github-4-1
Tend-Issue: 41"
git checkout -q main
cd ..

python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
	--pr 1:main:f1 --pr 2:main:f2 --pr 3:main:f3 --pr 4:main:f4 \
	--pr 5:main:f5 --pr 6:main:f6 --pr 7:main:f7 --token "$tok" --permission alice=write \
	--permission bob=write --permission mallory=read \
	--port-file port --log log.json --timeout 300 --watch-parent \
	>/dev/null 2>server.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s port ] || { cat server.err >&2; fail "fake GitHub did not start"; }
port=$(cat port)
api="http://127.0.0.1:$port"

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
tend_env() {
	env GITHUB_ACTIONS=true GITHUB_API_URL="$api" \
		GITHUB_SERVER_URL=https://github.example \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=pull_request \
		GITHUB_EVENT_PATH="$PWD/../event.json" GITHUB_TOKEN="$tok" \
		TEND_HTTP_BACKOFF_MS=10 "$@"
}
review() {	# review N BASE HEAD
	event "$@"
	(cd repo && expect_rc 0 tend_env "$TEND_BIN" review --no-llm \
		--fail-level none) || exit 1
}
stats() {	# stats WANT ARGS...
	want=$1
	shift
	(cd repo && expect_rc "$want" env GITHUB_ACTIONS=true \
		GITHUB_EVENT_NAME=schedule GITHUB_API_URL="$api" \
		GITHUB_REPOSITORY=o/r GITHUB_TOKEN="$tok" \
		TEND_HTTP_BACKOFF_MS=10 "$TEND_BIN" stats "$@"
	cp stdout.txt stderr.txt ..) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
control() {	# control PATH JSON
	curl -sf -X POST -d "$2" "$api/__control/$1" >/dev/null ||
		fail "POST /__control/$1 refused: $2"
}
py() {
	curl -s "$api/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
# q EXPR: evaluate EXPR over the JSON report `r` in stdout.txt.
q() {
	python3 -c "import json; r=json.load(open('stdout.txt')); print($1)"
}

review 1 main f1
review 2 main f2
review 3 main f3
review 7 main f7
c1=$(py "[c['id'] for c in s['review_comments'] if c['pull_request_url'].endswith('/pulls/1')][0]")
c2=$(py "[c['id'] for c in s['review_comments'] if c['pull_request_url'].endswith('/pulls/1')][1]")
c3=$(py "[c['id'] for c in s['review_comments'] if c['pull_request_url'].endswith('/pulls/3')][0]")
[ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" != "$c2" ] ||
	fail "tend did not post two comments on PR 1"
# The marker names the rule; the summary's marker the run and its cost.
py "[c['body'] for c in s['review_comments'] if c['id'] == $c1][0]" |
	grep -q 'tend:fp=[0-9a-f]* rule=hygiene/js-console-log -->' ||
	fail "the comment's marker is not as expected"
py "[c['body'] for c in s['issue_comments'] if c['pr'] == 1][0]" |
	grep -q 'tend:state digest=[0-9a-f]* run=[^ ]* start=[0-9]* first=[0-9]* cost=0.000000 total=0.000000 -->' ||
	fail "the summary's state marker lacks the run, start and cost"

# People act.
control reply "{\"in_reply_to\": $c1, \"user\": \"alice\", \"body\": \"false positive: this logging is intended, ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d\"}"
control reply "{\"in_reply_to\": $c1, \"user\": \"mallory\", \"body\": \"thanks, good catch\"}"
control reaction "{\"comment\": $c2, \"user\": \"bob\", \"content\": \"-1\", \"review\": true}"
control reply "{\"in_reply_to\": $c3, \"user\": \"mallory\", \"body\": \"no, wrong\"}"
# Resolutions (GitHub GraphQL): alice resolves PR 3's thread with no
# change, and PR 7's after its author changed the line below it.
c7=$(py "[c['id'] for c in s['review_comments'] if c['pull_request_url'].endswith('/pulls/7')][0]")
control resolve "{\"comment\": $c3, \"user\": \"alice\"}"
(cd repo && git checkout -q f7 && sed -i 's/return 7;/return 8;/' src/app.js &&
	git commit -qam "return 8") || fail "commit on f7"
review 7 main f7
control resolve "{\"comment\": $c7, \"user\": \"alice\"}"
(cd repo && git checkout -q f2 && git checkout -q main -- src/app.js &&
	printf 'function d() {\n  return 4;\n}\n' >>src/app.js &&
	git commit -qam "drop the log") || fail "commit on f2"
review 2 main f2
py "[c['body'] for c in s['issue_comments'] if c['pr'] == 2][0]" |
	grep -q ' gone=[0-9a-f]* -->' || fail "the summary does not list the gone finding"
# PR 6: two comments of tend's with suggestions; the author applies one.
for l in 1 2; do
	v=$([ $l = 1 ] && echo x || echo y)
	curl -sf -X POST -H "Authorization: Bearer $tok" \
		-d "{\"body\": \"**Note** \`agent/reviewer\`: use const\\n\\n\`\`\`suggestion\\nconst $v = $l;\\n\`\`\`\\n\\n<!-- tend:fp=sug$l agent=reviewer model=openai/m size=small rule=agent/reviewer -->\", \"commit_id\": \"$(git -C repo rev-parse f6)\", \"path\": \"six.js\", \"line\": $l, \"side\": \"RIGHT\"}" \
		"$api/repos/o/r/pulls/6/comments" >/dev/null || fail "suggestion comment $l"
done
(cd repo && git checkout -q f6 && printf 'const x = 1;\nvar y = 2;\n' >six.js &&
	git commit -qam "apply the suggestion") || fail "commit on f6"
control pull '{"pr": 4, "state": "closed", "merged": true}'
control pull '{"pr": 5, "state": "closed", "merged": true}'
# Task PRs, opened by tend's account.
for b in t1 t2; do
	n=$([ $b = t1 ] && echo 40 || echo 41)
	curl -sf -X POST -H "Authorization: Bearer $tok" \
		-d "{\"title\": \"task $b\", \"head\": \"$b\", \"base\": \"main\", \"body\": \"<!-- tend:task-pr issue=$n -->\\nCloses #$n\\n\\n<!-- tend:task-cost=0.250000 -->\\n\"}" \
		"$api/repos/o/r/pulls" >pr.json || fail "open task PR $b"
done
t1=$(py "[p['number'] for p in s['pulls'] if p['head'] == 't1'][0]")
t2=$(py "[p['number'] for p in s['pulls'] if p['head'] == 't2'][0]")
control pull "{\"pr\": $t1, \"state\": \"closed\", \"merged\": true}"
control pull "{\"pr\": $t2, \"state\": \"closed\"}"

stats 0 --since 2020-01-01 --format json
# comments
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == 1 and o['kind'] == 'comment']")" = "['rejected', 'rejected']" ] ||
	fail "PR 1: want two rejected comments: $out"
q "[o['why'] for o in r['outputs'] if o['pr'] == 1]" | grep -q 'replied disagreeing by @alice' ||
	fail "PR 1: alice's reply is not the reason"
q "[o['why'] for o in r['outputs'] if o['pr'] == 1]" | grep -q '1 thumbs-down' ||
	fail "PR 1: bob's -1 is not the reason"
not_contains "$out" "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == 2]")" = "['accepted']" ] ||
	fail "PR 2: the fixed finding is not accepted: $out"
[ "$(q "[(o['outcome'], o['why']) for o in r['outputs'] if o['pr'] == 3]")" = "[('rejected', 'resolved by @alice without a change')]" ] ||
	fail "PR 3: resolved without a change (and mallory's reply not counted): $out"
[ "$(q "[(o['outcome'], o['why']) for o in r['outputs'] if o['pr'] == 7]")" = "[('accepted', 'resolved by @alice after a change')]" ] ||
	fail "PR 7: resolved after a change: $out"
[ "$(q "[(o['fingerprint'], o['outcome'], o['why']) for o in r['outputs'] if o['pr'] == 6]")" = "[('sug1', 'accepted', 'its suggestion was applied'), ('sug2', 'open', 'no verdict yet')]" ] ||
	fail "PR 6: the applied suggestion: $(q "[o for o in r['outputs'] if o['pr'] == 6]")"
# fix-ups and task PRs
[ "$(q "[(o['outcome'], o['why']) for o in r['outputs'] if o['pr'] == 4]")" = "[('rejected', 'reverted by $(git -C repo rev-parse f4 | cut -c1-12)')]" ] ||
	fail "PR 4: the reverted fix-up is not rejected: $out"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == 5]")" = "['accepted']" ] ||
	fail "PR 5: the merged fix-up is not accepted"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == $t1]")" = "['accepted']" ] ||
	fail "the merged task PR is not accepted"
[ "$(q "[o['outcome'] for o in r['outputs'] if o['pr'] == $t2]")" = "['rejected']" ] ||
	fail "the closed task PR is not rejected"
[ "$(q "r['totals']['comment']")" = "{'accepted': 3, 'rejected': 3, 'open': 1}" ] ||
	fail "comment totals: $(q "r['totals']")"
[ "$(q "[(g['name'], g['accepted'], g['rejected'], g['open']) for g in r['rule']]")" = "[('agent/reviewer', 1, 0, 1), ('hygiene/js-console-log', 2, 3, 0)]" ] ||
	fail "per rule: $(q "r['rule']")"
[ "$(q "[g['name'] for g in r['pack']]")" = "['agent', 'hygiene']" ] || fail "per pack"
[ "$(q "[g['name'] for g in r['agent']]")" = "['reviewer', 'static']" ] || fail "per agent"
[ "$(q "[(g['name'], g['accepted']) for g in r['model']]")" = "[('reviewer openai/m', 1)]" ] || fail "per model"
[ "$(q "r['task_cost_usd']")" = "0.25" ] || fail "task cost: $(q "r['task_cost_usd']")"
[ "$(q "r['latency_median_s'] is not None and r['latency_median_s'] < 600")" = True ] ||
	fail "no latency: $(q "r['latency_median_s']")"
# Who may write was asked once per person with a verdict (alice, mallory).
[ "$(python3 -c "import json; print(len([x for x in json.load(open('log.json')) if '/collaborators/' in x['path']]))")" = 2 ] ||
	fail "write access asked more than once per person"
[ -f repo/.git/tend/trust.sqlite ] || fail "no store under the git dir"

# Text and markdown say the same; a person's words are quoted, masked.
stats 0 --since 2020-01-01
contains "$out" "Review comments: 7: 3 accepted, 3 rejected, 1 open; acceptance 50%"
contains "$out" 'replied disagreeing by @alice: "false positive: this logging is intended, ghp_'
contains "$out" "Task PRs: 1 merged, 1 closed unmerged, 0 open"
contains "$out" "Fix-up commits: 1 accepted (merged), 1 rejected"
stats 0 --since 2020-01-01 --format markdown
contains "$out" "| hygiene/js-console-log | 2 | 3 | 0 | 40% |"

# A corrupt store is moved aside and rebuilt from the forge.
printf 'not a database at all, not at all, not at all.....................................................................' >repo/.git/tend/trust.sqlite
rm -f repo/.git/tend/trust.sqlite-wal repo/.git/tend/trust.sqlite-shm
stats 0 --since 2020-01-01 --format json
[ "$(q "r['totals']['comment']")" = "{'accepted': 3, 'rejected': 3, 'open': 1}" ] ||
	fail "after a rebuild: $(q "r['totals']")"
q "r.get('note', '')" | grep -q "moved to" || fail "the rebuild is not said"
[ -f repo/.git/tend/trust.sqlite.bad ] || fail "the bad store was not kept aside"

# Bad input.
stats 2 --since yesterday
contains "$err" "--since 'yesterday'"
stats 2 --format sarif
contains "$err" "text, markdown or json"

# --post-issue: one comment, edited in place.
stats 0 --since 2020-01-01 --post-issue 1
stats 0 --since 2020-01-01 --post-issue 1
[ "$(py "len([c for c in s['issue_comments'] if c['pr'] == 1 and 'tend:stats' in c['body']])")" = 1 ] ||
	fail "the report was not posted once"

# --slack: the headline to the webhook notify.slack_webhook_env names.
printf '{"steps": [{"method": "POST", "path": "/hook", "status": 200, "body": "ok"}]}\n' >hook.json
python3 "$lib/fakehttp.py" --script hook.json --log hook-log.json \
	--port-file hport --timeout 120 --watch-parent >/dev/null 2>hook.err &
hook=$!
trap 'kill $server $hook 2>/dev/null' EXIT
i=0
while [ ! -s hport ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
printf 'notify:\n  slack_webhook_env: STATS_HOOK\n' >repo/.tend.yml
STATS_HOOK="http://127.0.0.1:$(cat hport)/hook"
export STATS_HOOK
stats 0 --since 2020-01-01 --slack
python3 -c "import json; b=json.loads(json.load(open('hook-log.json'))[0]['body']); print(b['text'])" >slack.txt ||
	fail "nothing was posted to Slack"
grep -q "review comments 50% taken (3 of 6 decided); fix-ups 1 of 2 kept; task PRs 1 of 2 merged" slack.txt ||
	fail "the Slack message: $(cat slack.txt)"
echo "ok"
