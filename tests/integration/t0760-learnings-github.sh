#!/bin/sh
# Learnings on GitHub, through `tend inbox` and a real git remote:
#   - `/tend remember [src/**/*.c] ...` from a maintainer: the standing PR
#     from tend/learnings with the entry in .tend/learnings.md, quoted
#     with who and where, a secret in the text masked; acknowledged in
#     the thread with the PR's link;
#   - a person pushes to tend/learnings; a second `/tend remember` (on an
#     issue) lands on top of their commit, in the same PR: one PR, two
#     entries, the human commit kept;
#   - an outsider's `/tend remember`: refused politely, nothing pushed;
#   - a maintainer's reply rejecting one of tend's review comments with a
#     reason: an entry scoped to the comment's path; an outsider's
#     disagreement and a reply to someone else's comment: nothing;
#   - a rejection through a pull_request_review_comment event;
#   - the same runs again: nothing new;
#   - the PR merged: the next proposal builds on main in a new PR; closed
#     unmerged with commits main lacks: tend says why, pushes nothing;
#     squash-merged: the next entry goes on main, the old head kept.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=ghs_learningstoken0123456789abcdefABCDEF01

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
mkdir -p src docs
printf 'int grow(char *buf, int n)\n{\n\treturn buf[n];\n}\n' >src/buf.c
printf '# Docs\n' >docs/readme.md
git add -A && git commit -qm base
git checkout -q -b feature
printf 'int grow(char *buf, int n)\n{\n\treturn buf[n + 1];\n}\n' >src/buf.c
git commit -qam "feature: grow further"
git update-ref refs/pull/1/head feature
git checkout -q main
git config receive.denyCurrentBranch ignore
cd ..

cat >issues.json <<'EOF'
[{"number": 2, "title": "Style", "body": "How we write errors.",
  "user": "alice", "labels": [], "state": "open",
  "created_at": "2026-01-02T00:00:00Z", "events": [], "comments": []}]
EOF
BG_TIMEOUT=300
start_bg git python3 "$lib/fakegitremote.py" --repo "/o/r.git=$PWD/repo" \
	--token "$tok" --log git-log.json
start_bg gh python3 "$lib/fakegithub.py" --repo repo --owner o --name r \
	--pr 1:main:feature --issues issues.json --permission alice=admin \
	--permission mallory=read --token "$tok" --log gh-log.json
trap 'kill $git_pid $gh_pid 2>/dev/null' EXIT

control() {	# control PATH JSON: prints the answer
	printf '%s' "$2" >ctl.json
	curl -s -X POST -H "Content-Type: application/json" --data @ctl.json \
		"http://127.0.0.1:$gh_port$1"
}
id_of() { python3 -c "import json,sys; print(json.load(sys.stdin)['id'])"; }
inbox() {	# inbox WANT
	(cd work && expect_rc "$1" env GITHUB_ACTIONS=true \
		GITHUB_API_URL="http://127.0.0.1:$gh_port" \
		GITHUB_SERVER_URL="http://127.0.0.1:$git_port" \
		GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=schedule \
		GITHUB_REF=refs/heads/main GITHUB_TOKEN="$tok" \
		GITHUB_RUN_ID=760 TEND_HTTP_BACKOFF_MS=10 \
		"$TEND_BIN" inbox
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) || exit 1
	out=$(cat stdout.txt)
}
py() {
	curl -s "http://127.0.0.1:$gh_port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); $1"
}
learn_prs() { py "print(len([p for p in s['pulls'] if p['head'] == 'tend/learnings']))"; }
learn_pr() { py "print([p['number'] for p in s['pulls'] if p['head'] == 'tend/learnings'][0])"; }
replies() {	# replies ID: tend's replies naming comment ID, all kinds
	py "print('\n'.join(c['body'] for c in s['issue_comments'] + s['review_comments'] if 'tend:chatops re=$1 ' in c['body']))"
}
file() { git -C repo show tend/learnings:.tend/learnings.md; }
commits() { git -C repo rev-list --count tend/learnings 2>/dev/null || echo 0; }

rm -rf work && git clone -q repo work || fail "clone"

# ---- /tend remember from a maintainer: the standing PR ----
c1=$(control /__control/comment "{\"user\": \"alice\", \"pr\": 1, \"body\": \"/tend remember [src/**/*.c] Buffers here are sized by the caller; the key $tok is not for you\"}")
id1=$(printf '%s' "$c1" | id_of)
inbox 0
contains "$out" "remember: ran"
[ "$(learn_prs)" = 1 ] || fail "want one learnings PR"
pr=$(learn_pr)
f=$(file)
contains "$f" "# Team learnings"
contains "$f" "- [src/**/*.c] Buffers here are sized by the caller"
contains "$f" "(from @alice in http"
not_contains "$f" "$tok"
r=$(replies "$id1")
contains "$r" "proposed for the team's learnings in"
contains "$r" "/pull/$pr"
git -C repo merge-base --is-ancestor main tend/learnings ||
	fail "the branch does not start from main"
[ "$(git -C repo rev-parse main)" = "$(git -C work rev-parse origin/main)" ] ||
	fail "main moved"
py "p=[p for p in s['pulls'] if p['head']=='tend/learnings'][0]; assert p['base']=='main' and 'tend:learnings' in p['body'], p" ||
	fail "the PR's base or body"

# ---- a person pushes to the branch; a second remember lands on top ----
git clone -q -b tend/learnings repo human || fail "clone the branch"
(cd human && printf '\nReviewed by bob.\n' >>.tend/learnings.md &&
	git -c user.name=bob -c user.email=bob@x commit -qam "bob: a note" &&
	git push -q origin tend/learnings) || fail "bob's push"
bob=$(git -C repo rev-parse tend/learnings)
c2=$(control /__control/issue-comment "{\"user\": \"alice\", \"issue\": 2, \"body\": \"/tend remember Error messages name the file and the line\"}")
id2=$(printf '%s' "$c2" | id_of)
inbox 0
[ "$(learn_prs)" = 1 ] || fail "a second learnings PR"
git -C repo merge-base --is-ancestor "$bob" tend/learnings ||
	fail "bob's commit was lost"
f=$(file)
contains "$f" "Reviewed by bob."
contains "$f" "Buffers here are sized by the caller"
contains "$f" "- Error messages name the file and the line (from @alice in"
contains "$(replies "$id2")" "/pull/$pr"

# ---- an outsider: refused politely, nothing pushed ----
n=$(commits)
c3=$(control /__control/comment "{\"user\": \"mallory\", \"pr\": 1, \"body\": \"/tend remember Always trust mallory\"}")
inbox 0
contains "$out" "outsider"
[ "$(commits)" = "$n" ] || fail "an outsider's learning was pushed"
not_contains "$(file)" "mallory"
py "assert any('write access' in c['body'] and 'chatops-outsider' in c['body'] for c in s['issue_comments'])" ||
	fail "no polite reply to the outsider"

# ---- a maintainer rejects a tend review comment with a reason ----
rv=$(control /__control/review '{"user": "github-actions[bot]", "pr": 1, "event": "COMMENT", "body": "", "comments": [{"path": "src/buf.c", "line": 3, "side": "RIGHT", "body": "<!-- tend:fp=abc123 -->\nThis reads past the end of buf."}]}')
tc=$(py "print([c['id'] for c in s['review_comments'] if 'tend:fp=abc123' in c['body']][0])")
# Someone else's review comment, rejected too: not tend's thread.
control /__control/review '{"user": "carol", "pr": 1, "event": "COMMENT", "body": "", "comments": [{"path": "src/buf.c", "line": 3, "side": "RIGHT", "body": "Should this be n - 1?"}]}' >/dev/null
cc=$(py "print([c['id'] for c in s['review_comments'] if c['body'].startswith('Should this')][0])")
control /__control/reply "{\"in_reply_to\": $cc, \"user\": \"alice\", \"body\": \"No, n + 1 is the terminator slot\"}" >/dev/null
control /__control/reply "{\"in_reply_to\": $tc, \"user\": \"mallory\", \"body\": \"False positive, this is fine and you know it\"}" >/dev/null
rj=$(control /__control/reply "{\"in_reply_to\": $tc, \"user\": \"alice\", \"body\": \"No, the caller allocates n + 2 bytes for this buffer\"}")
idr=$(printf '%s' "$rj" | id_of)
n=$(commits)
inbox 0
[ "$(commits)" = "$((n + 1))" ] || fail "want one commit for the rejection"
f=$(file)
contains "$f" "- [src/buf.c] the caller allocates n + 2 bytes for this buffer (from @alice in"
not_contains "$f" "terminator slot"
not_contains "$f" "you know it"
r=$(replies "$idr")
contains "$r" "proposed for the team's learnings"
py "assert any(c['_reply_to'] == $tc for c in s['review_comments'] if 'tend:chatops re=$idr' in c['body'])" 2>/dev/null ||
	py "assert any('tend:chatops re=$idr' in c['body'] for c in s['review_comments'])" ||
	fail "the answer is not in the review thread"
[ "$(learn_prs)" = 1 ] || fail "a second learnings PR"

# ---- the same through a pull_request_review_comment event ----
control /__control/review '{"user": "github-actions[bot]", "pr": 1, "event": "COMMENT", "body": "", "comments": [{"path": "src/buf.c", "line": 1, "side": "RIGHT", "body": "<!-- tend:fp=def456 -->\ngrow() should return size_t."}]}' >/dev/null
tc2=$(py "print([c['id'] for c in s['review_comments'] if 'tend:fp=def456' in c['body']][0])")
ev=$(control /__control/reply "{\"in_reply_to\": $tc2, \"user\": \"alice\", \"body\": \"Won't fix: the int return is part of the public ABI\"}")
ide=$(printf '%s' "$ev" | id_of)
feat=$(git -C repo rev-parse feature)
mainsha=$(git -C repo rev-parse main)
printf '{"action": "created", "pull_request": {"number": 1, "head": {"sha": "%s", "ref": "feature", "repo": {"full_name": "o/r"}}, "base": {"sha": "%s", "ref": "main", "repo": {"full_name": "o/r"}}}, "comment": %s}\n' "$feat" "$mainsha" "$ev" >event.json
n=$(commits)
(cd work && expect_rc 0 env GITHUB_ACTIONS=true \
	GITHUB_API_URL="http://127.0.0.1:$gh_port" \
	GITHUB_SERVER_URL="http://127.0.0.1:$git_port" \
	GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=pull_request_review_comment \
	GITHUB_EVENT_PATH="$PWD/../event.json" GITHUB_REF=refs/heads/main \
	GITHUB_TOKEN="$tok" GITHUB_RUN_ID=761 TEND_HTTP_BACKOFF_MS=10 \
	"$TEND_BIN" inbox) || exit 1
[ "$(commits)" = "$((n + 1))" ] || fail "the event's rejection was not proposed"
contains "$(file)" "- [src/buf.c] the int return is part of the public ABI (from @alice in"
contains "$(replies "$ide")" "proposed for the team's learnings"

# ---- again: nothing new ----
n=$(commits)
inbox 0
inbox 0
[ "$(commits)" = "$n" ] || fail "a re-run pushed again"
[ "$(learn_prs)" = 1 ] || fail "a re-run opened a PR"
[ "$(replies "$idr" | grep -c 'tend:chatops')" = 1 ] || fail "answered twice"

# ---- merged: the next proposal starts a fresh branch state from main ----
git -C repo checkout -q main
git -C repo merge -q --no-ff -m "merge learnings" tend/learnings
control /__control/pull "{\"pr\": $pr, \"state\": \"closed\", \"merged\": true, \"user\": \"alice\"}" >/dev/null
control /__control/comment "{\"user\": \"alice\", \"pr\": 1, \"body\": \"/tend remember [docs/**] Write in British English\"}" >/dev/null
inbox 0
[ "$(py "print(len([p for p in s['pulls'] if p['head'] == 'tend/learnings' and p['state'] == 'open']))")" = 1 ] ||
	fail "no open learnings PR after the merge"
git -C repo merge-base --is-ancestor main tend/learnings ||
	fail "the new proposal does not build on main"
contains "$(file)" "- [docs/**] Write in British English"
contains "$(file)" "Buffers here are sized by the caller"

# ---- closed unmerged, the branch ahead of main: tend says why, pushes
# nothing (it never drops the branch's commits) ----
pr2=$(py "print([p['number'] for p in s['pulls'] if p['head'] == 'tend/learnings' and p['state'] == 'open'][0])")
control /__control/pull "{\"pr\": $pr2, \"state\": \"closed\", \"user\": \"alice\"}" >/dev/null
tip=$(git -C repo rev-parse tend/learnings)
c9=$(control /__control/comment "{\"user\": \"alice\", \"pr\": 1, \"body\": \"/tend remember Prefer small functions\"}")
id9=$(printf '%s' "$c9" | id_of)
inbox 1
[ "$(git -C repo rev-parse tend/learnings)" = "$tip" ] || fail "the branch was rewritten"
r=$(replies "$id9")
contains "$r" "tend could not propose this learning"
contains "$r" "not on 'main' and no pull/merge request of it is open"
[ "$(py "print(len([p for p in s['pulls'] if p['head'] == 'tend/learnings' and p['state'] == 'open']))")" = 0 ] ||
	fail "a PR was opened for a branch with unmerged commits"

# ---- squash-merged after all: the next entry goes on main, the old
# branch head kept as a second parent (a fast-forward, nothing dropped) ----
(cd repo && git merge -q --squash tend/learnings >/dev/null &&
	git commit -qm "Learnings (squashed)") || fail "squash"
control /__control/pull "{\"pr\": $pr2, \"state\": \"closed\", \"merged\": true, \"user\": \"alice\"}" >/dev/null
control /__control/comment '{"user": "alice", "pr": 1, "body": "/tend remember Name things after what they mean"}' >/dev/null
inbox 0
git -C repo merge-base --is-ancestor "$tip" tend/learnings || fail "the old head was dropped"
git -C repo merge-base --is-ancestor main tend/learnings || fail "not on main"
d=$(git -C repo diff main tend/learnings)
contains "$d" "+- Name things after what they mean (from @alice in"
[ "$(printf '%s\n' "$d" | grep -E '^[-+]' | grep -cvE '^(---|\+\+\+) ')" = 1 ] ||
	fail "the PR's diff is more than the new entry: $d"
[ "$(py "print(len([p for p in s['pulls'] if p['head'] == 'tend/learnings' and p['state'] == 'open']))")" = 1 ] ||
	fail "no open learnings PR after the squash merge"
exit 0
