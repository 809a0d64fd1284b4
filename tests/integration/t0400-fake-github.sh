#!/bin/sh
# The fake GitHub (tests/lib/fakegithub.py) and the OpenAPI request checker
# (tests/lib/github-openapi-check.sh) are themselves right, driven with
# curl (no tend here): the tests of tend's GitHub client rely on both.
#   - pagination of a 250-file PR: Link rels and URLs as GitHub writes
#     them, per_page default and cap, --max-files, the GHES --prefix;
#   - a valid review is stored; a line outside the diff, a range across
#     two hunks, an unknown key, position with line are 422;
#   - a push moves comments whose line is unchanged and outdates the rest;
#   - bad token 401, no User-Agent 403, read-only token 403 on writes,
#     the no-checks token 403 on check runs only;
#   - the 65536-character body limit, 50 annotations, 140-character
#     status descriptions, conclusions;
#   - faults: 429 with Retry-After, secondary rate limit, store_then_drop;
#   - the checker passes the valid requests and fails on invalid bodies.
# The checker needs npm (once, cached): no npm is a failure, not a skip.
. "$TEND_TESTS/integration/lib.sh"
lib=$TEND_TESTS/lib
command -v curl >/dev/null 2>&1 || fail "curl is needed"
# The interpreter itself, not a version manager's shim: the many small
# JSON checks below would otherwise spend seconds starting up.
pyexe=$(python3 -c 'import sys; print(sys.executable)') ||
	fail "python3 is needed"

# A PR: a.txt changed in two hunks (lines 5 and 40), 249 files added.
new_repo r
(
	cd r && seq 1 60 >a.txt && git add a.txt && git commit -qm base &&
	git checkout -q -b feat &&
	sed -i 's/^5$/five/; s/^40$/forty/' a.txt && mkdir f &&
	i=1 && while [ "$i" -le 249 ]; do
		echo "$i" >"f/$i.txt"
		i=$((i + 1))
	done &&
	git add -A && git commit -qm 'Add files

The body.'
) || fail "cannot build the repository"
head1=$(git -C r rev-parse feat)

pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT

# start NAME ARGS...: a fake GitHub on the repo; base URL in $base.
start() {
	name=$1
	shift
	rm -f "$name.port"
	"$pyexe" "$lib/fakegithub.py" --repo r --owner o --name r \
		--pr 1:main:feat --pr 2:main:feat:fork --token T \
		--readonly-token RO --no-checks-token NC --log "$name.log" \
		--port-file "$name.port" --timeout 120 --watch-parent "$@" \
		>/dev/null 2>"$name.err" &
	pids="$pids $!"
	n=0
	while [ ! -s "$name.port" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || { cat "$name.err" >&2; fail "$name did not start"; }
		sleep 0.1
	done
	base=http://127.0.0.1:$(cat "$name.port")
}

# req METHOD PATH BODYFILE, req0 METHOD PATH (no body): the status in
# $code, the body in resp.json, the headers in resp.head. $tok is the
# token, $ua the User-Agent.
tok=T
ua=t0400
req() {
	code=$(curl -sS --noproxy '*' -o resp.json -D resp.head \
		-w '%{http_code}' -X "$1" -H "User-Agent: $ua" \
		-H 'Accept: application/vnd.github+json' \
		-H 'X-GitHub-Api-Version: 2022-11-28' \
		-H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary "@$3" \
		"$base$2" 2>curl.err)
}
req0() {
	code=$(curl -sS --noproxy '*' -o resp.json -D resp.head \
		-w '%{http_code}' -X "$1" -H "User-Agent: $ua" \
		-H 'Accept: application/vnd.github+json' \
		-H "Authorization: Bearer $tok" "$base$2" 2>curl.err)
}
want() {
	[ "$code" = "$1" ] && return
	cat resp.head resp.json >&2
	fail "$2: got $code, want $1"
}
# py EXPR: evaluate a Python expression with d = the JSON answer.
py() {
	"$pyexe" -S -E -c 'import json, sys
d = json.load(open("resp.json"))
print(eval(sys.argv[1]))' "$1"
}
# review1 FILE COMMENT: a COMMENT review with that one inline comment.
review1() {
	printf '{"event": "COMMENT", "comments": [%s]}\n' "$2" >"$1"
}
header() {
	tr -d '\r' <resp.head | sed -n "s/^$1: //Ip" | head -1
}

start gh

# --- valid requests only, up to the first snapshot of the log -------------

req0 GET /repos/o/r/pulls/1
want 200 "pull request"
[ "$(py 'd["head"]["sha"]')" = "$head1" ] || fail "head sha"
[ "$(py 'd["changed_files"], d["title"], d["body"], d["commits"]')" = \
	"(250, 'Add files', 'The body.', 1)" ] || fail "pr fields: $(py d)"
[ "$(py 'd["head"]["repo"]["full_name"]')" = o/r ] || fail "head repo"
for h in x-ratelimit-limit x-ratelimit-remaining x-ratelimit-reset \
	x-ratelimit-used x-ratelimit-resource x-github-request-id; do
	[ -n "$(header "$h")" ] || fail "no $h header"
done
contains "$(header content-type)" "application/json; charset=utf-8"
req0 GET /repos/o/r/pulls/2
[ "$(py 'd["head"]["repo"]["full_name"]')" = forker/r ] || fail "fork"

# Pagination: 250 files, 100 a page, following the Link header.
req0 GET '/repos/o/r/pulls/1/files?per_page=100'
want 200 "files page 1"
link=$(header link)
u="$base/repositories/1296269/pulls/1/files?per_page=100"
[ "$link" = "<$u&page=2>; rel=\"next\", <$u&page=3>; rel=\"last\"" ] ||
	fail "page 1 link: $link"
py 'len(d)' >n1
py '[f for f in d if f["filename"] == "a.txt"][0]["patch"]' >a.patch
contains "$(cat a.patch)" "@@ -37,7 +37,7 @@"
next=$(printf '%s\n' "$link" | sed 's/^<\([^>]*\)>; rel="next".*/\1/')
base0=$base
base=""
req0 GET "$next"
want 200 "files page 2"
link=$(header link)
for rel in prev next last first; do
	contains "$link" "rel=\"$rel\""
done
contains "$link" "page=1>; rel=\"prev\""
contains "$link" "page=3>; rel=\"next\""
py 'len(d)' >n2
last=$(printf '%s\n' "$link" | sed 's/.*<\([^>]*\)>; rel="last".*/\1/')
req0 GET "$last"
link=$(header link)
not_contains "$link" 'rel="next"'
contains "$link" 'rel="prev"'
py 'len(d)' >n3
base=$base0
[ "$(cat n1 n2 n3 | tr '\n' ' ')" = "100 100 50 " ] ||
	fail "page sizes $(cat n1 n2 n3)"
req0 GET /repos/o/r/pulls/1/files
[ "$(py 'len(d)')" = 30 ] || fail "default per_page"
req0 GET '/repos/o/r/pulls/1/files?per_page=500'
[ "$(py 'len(d)')" = 100 ] || fail "per_page cap"

# A valid review: a line, a range in one hunk, a LEFT line.
cat >review.json <<'EOF'
{"commit_id": "HEAD1", "body": "Summary", "event": "COMMENT",
 "comments": [
  {"path": "a.txt", "line": 5, "side": "RIGHT", "body": "on five"},
  {"path": "a.txt", "start_line": 3, "line": 5, "body": "range"},
  {"path": "a.txt", "line": 40, "side": "LEFT", "body": "old forty"},
  {"path": "a.txt", "line": 40, "body": "new forty"}]}
EOF
sed -i "s/HEAD1/$head1/" review.json
req POST /repos/o/r/pulls/1/reviews review.json
want 200 "valid review"
[ "$(py 'd["state"], d["commit_id"] == "'"$head1"'"')" = "('COMMENTED', True)" ] ||
	fail "review answer: $(py d)"
req0 GET /repos/o/r/pulls/1/comments
[ "$(py '[(c["line"], c["start_line"], c["side"]) for c in d]')" = \
	"[(5, None, 'RIGHT'), (5, 3, 'RIGHT'), (40, None, 'LEFT'), (40, None, 'RIGHT')]" ] ||
	fail "stored comments: $(py d)"
first=$(py 'd[0]["id"]')
[ "$first" -gt 4294967296 ] || fail "ids are not above 2^32: $first"

# A human replies; tend's issue comment; a check run; a status.
printf '{"in_reply_to": %s, "body": "I disagree", "user": "alice"}\n' \
	"$first" >reply.json
code=$(curl -sS --noproxy '*' -o resp.json -w '%{http_code}' \
	--data-binary @reply.json "$base/__control/reply")
want 201 "control reply"
printf '{"body": "%s"}\n' "$(head -c 65536 /dev/zero | tr '\0' x)" \
	>max.json
req POST /repos/o/r/issues/1/comments max.json
want 201 "65536-character comment"
ic=$(py 'd["id"]')
printf '{"body": "edited"}\n' >edit.json
req PATCH "/repos/o/r/issues/comments/$ic" edit.json
want 200 "edit comment"
printf '{"name": "tend", "head_sha": "%s", "status": "in_progress"}\n' \
	"$head1" >cr.json
req POST /repos/o/r/check-runs cr.json
want 201 "check run"
cr=$(py 'd["id"]')
"$pyexe" - >ann50.json <<'EOF'
import json
a = [{"path": "a.txt", "start_line": 5, "end_line": 5, "start_column": 1,
      "end_column": 2, "annotation_level": "warning", "message": "m%d" % i}
     for i in range(50)]
print(json.dumps({"conclusion": "failure", "output": {
    "title": "t", "summary": "s", "annotations": a}}))
EOF
req PATCH "/repos/o/r/check-runs/$cr" ann50.json
want 200 "50 annotations"
[ "$(py 'd["status"], d["conclusion"], d["output"]["annotations_count"]')" = \
	"('completed', 'failure', 50)" ] || fail "check run: $(py d)"
tok=NC
printf '{"state": "success", "context": "tend", "description": "ok"}\n' \
	>st.json
req POST "/repos/o/r/statuses/$head1" st.json
want 201 "status with the no-checks token"
tok=RO
req0 GET /repos/o/r/pulls/1/comments
want 200 "read with the read-only token"
tok=T

cp gh.log valid.log

# --- refusals --------------------------------------------------------------

sed 's/"line": 40, "body": "new forty"/"line": 20, "body": "x"/' \
	review.json >outside.json
req POST /repos/o/r/pulls/1/reviews outside.json
want 422 "line outside the diff"
contains "$(py 'd["errors"][0]')" "line must be part of the diff"
review1 hunks.json \
	'{"path": "a.txt", "start_line": 5, "line": 40, "body": "x"}'
req POST /repos/o/r/pulls/1/reviews hunks.json
want 422 "range across hunks"
contains "$(py 'd["errors"][0]')" \
	"start line must be part of the same hunk as the line"
review1 extra.json \
	'{"path": "a.txt", "line": 5, "body": "x", "severity": "high"}'
req POST /repos/o/r/pulls/1/reviews extra.json
want 422 "unknown key"
contains "$(py 'd["message"]')" '"severity" is not a permitted key'
review1 pos.json \
	'{"path": "a.txt", "line": 5, "position": 4, "body": "x"}'
req POST /repos/o/r/pulls/1/reviews pos.json
want 422 "position with line"
review1 path.json '{"path": "nope.txt", "line": 1, "body": "x"}'
req POST /repos/o/r/pulls/1/reviews path.json
want 422 "path outside the diff"
printf '{"event": "COMMENT", "body": ""}\n' >empty.json
req POST /repos/o/r/pulls/1/reviews empty.json
want 422 "empty COMMENT review"
req0 GET /repos/o/r/pulls/1/reviews
[ "$(py 'len(d)')" = 2 ] || fail "a refused review was stored: $(py d)"

tok=bad
req0 GET /repos/o/r/pulls/1
want 401 "bad token"
[ "$(py 'd["message"]')" = "Bad credentials" ] || fail "401 body"
tok=T
ua=""
req0 GET /repos/o/r/pulls/1
want 403 "no User-Agent"
ua=t0400
tok=RO
req POST /repos/o/r/issues/1/comments edit.json
want 403 "write with the read-only token"
[ "$(py 'd["message"]')" = "Resource not accessible by integration" ] ||
	fail "403 body"
req POST /repos/o/r/pulls/1/reviews review.json
want 403 "review with the read-only token"
tok=NC
req POST /repos/o/r/check-runs cr.json
want 403 "check run with the no-checks token"
tok=T

printf '{"body": "%s"}\n' "$(head -c 65537 /dev/zero | tr '\0' x)" \
	>big.json
req POST /repos/o/r/issues/1/comments big.json
want 422 "65537-character comment"
contains "$(py 'd["errors"][0]["message"]')" \
	"body is too long (maximum is 65536 characters)"
req PATCH "/repos/o/r/issues/comments/$ic" big.json
want 422 "65537-character edit"
"$pyexe" - >ann51.json <<'EOF'
import json
a = [{"path": "a.txt", "start_line": 1, "end_line": 1,
      "annotation_level": "notice", "message": "m"}] * 51
print(json.dumps({"output": {"title": "t", "summary": "s",
                             "annotations": a}}))
EOF
req PATCH "/repos/o/r/check-runs/$cr" ann51.json
want 422 "51 annotations"
printf '{"name": "x", "head_sha": "%s", "status": "completed"}\n' \
	"$head1" >noconcl.json
req POST /repos/o/r/check-runs noconcl.json
want 422 "completed without a conclusion"
printf '{"state": "green"}\n' >green.json
req POST "/repos/o/r/statuses/$head1" green.json
want 422 "status state green"
printf '{"state": "success", "description": "%s"}\n' \
	"$(head -c 141 /dev/zero | tr '\0' d)" >long.json
req POST "/repos/o/r/statuses/$head1" long.json
want 422 "141-character description"
contains "$(py 'd["errors"][0]["message"]')" "maximum is 140 characters"

# --- a push: comments move or become outdated ------------------------------

(cd r && sed -i '1i top1\ntop2' a.txt && sed -i 's/^forty$/FORTY/' a.txt &&
	git commit -qam second) || fail "second commit"
req0 GET /repos/o/r/pulls/1/comments
got=$(py '"; ".join("%s %s %s %s" % (c["body"], c["line"],
	c["original_line"], c["position"] is None) for c in d)')
[ "$got" = "on five 7 5 False; range 7 5 False; old forty 40 40 False; \
new forty None 40 True; I disagree 7 5 False" ] || fail "after the push: $got"
[ "$(py 'd[1]["start_line"]')" = 5 ] || fail "range start after push"
[ "$(py 'd[4]["in_reply_to_id"]')" = "$first" ] || fail "reply thread"
# The old head is still a commit of the PR; a stranger is not.
req POST /repos/o/r/pulls/1/reviews review.json
want 200 "review on the previous commit"
sed "s/$head1/$(git -C r rev-parse main)/" review.json >stranger.json
req POST /repos/o/r/pulls/1/reviews stranger.json
want 422 "commit not in the PR"

# --- faults ------------------------------------------------------------------

cat >faults.json <<'EOF'
[{"method": "GET", "path": "/pulls/1$", "status": 429,
  "headers": {"Retry-After": "1"}, "body": {"message": "slow down"}},
 {"method": "GET", "path": "/pulls/1/files$", "status": 403,
  "headers": {"retry-after": "2"},
  "body": {"message": "You have exceeded a secondary rate limit."}},
 {"method": "POST", "path": "/issues/1/comments$",
  "action": "store_then_drop"},
 {"method": "GET", "path": "/pulls/2$", "action": "delay", "ms": 300}]
EOF
code=$(curl -sS --noproxy '*' -o resp.json -w '%{http_code}' \
	--data-binary @faults.json "$base/__control/faults")
want 200 "set faults"
req0 GET /repos/o/r/pulls/1
want 429 "429 fault"
[ "$(header retry-after)" = 1 ] || fail "Retry-After"
[ -n "$(header x-ratelimit-limit)" ] || fail "rate-limit headers on faults"
req0 GET /repos/o/r/pulls/1
want 200 "after the 429"
req0 GET /repos/o/r/pulls/1/files
want 403 "secondary rate limit"
contains "$(py 'd["message"]')" "secondary rate limit"
printf '{"body": "lost answer"}\n' >lost.json
req POST /repos/o/r/issues/1/comments lost.json
[ "$code" = 000 ] || fail "store_then_drop answered $code"
t0=$(date +%s%N)
req0 GET /repos/o/r/pulls/2
want 200 "delayed answer"
[ $(($(date +%s%N) - t0)) -ge 300000000 ] || fail "no delay"
# A human's comment, added through the control path.
printf '{"body": "thanks", "user": "bob"}\n' >human.json
code=$(curl -sS --noproxy '*' -o resp.json -w '%{http_code}' \
	--data-binary @human.json "$base/__control/comment")
want 201 "control comment"
[ "$(py 'd["user"]["login"], d["user"]["type"]')" = "('bob', 'User')" ] ||
	fail "human comment user"
code=$(curl -sS --noproxy '*' -o resp.json -w '%{http_code}' \
	"$base/__state")
want 200 "state"
[ "$(py '[c["body"] for c in d["issue_comments"]]')" = \
	"['edited', 'lost answer', 'thanks']" ] || fail "stored issue comments"
[ "$(py 'len(d["check_runs"][0]["annotations"]), len(d["statuses"])')" = \
	"(50, 1)" ] || fail "state: check runs, statuses"

# --- --max-files and the GHES prefix on a second server --------------------

start ghes --prefix /api/v3 --max-files 120
req0 GET '/api/v3/repos/o/r/pulls/1/files?per_page=100&page=2'
want 200 "prefix"
[ "$(py 'len(d)')" = 20 ] || fail "--max-files"
contains "$(header link)" \
	"<$base/api/v3/repositories/1296269/pulls/1/files?per_page=100&page=1>"
req0 GET /repos/o/r/pulls/1
want 404 "path without the prefix"
req0 GET /api/v3/repos/o/r/pulls/1
want 200 "pull with the prefix"
# No event: a pending review, unlisted until submitted, one per user.
printf '{"comments": [{"path": "a.txt", "line": 5, "body": "draft"}]}\n' \
	>pending.json
req POST /api/v3/repos/o/r/pulls/1/reviews pending.json
want 200 "pending review"
[ "$(py 'd["state"]')" = PENDING ] || fail "pending state: $(py d)"
rv=$(py 'd["id"]')
req0 GET /api/v3/repos/o/r/pulls/1/comments
[ "$(py 'len(d)')" = 0 ] || fail "a pending review's comment is listed"
req POST /api/v3/repos/o/r/pulls/1/reviews pending.json
want 422 "a second pending review"
printf '{"event": "COMMENT"}\n' >submit.json
req POST "/api/v3/repos/o/r/pulls/1/reviews/$rv/events" submit.json
want 200 "submit the pending review"
req0 GET /api/v3/repos/o/r/pulls/1/comments
[ "$(py 'len(d), d[0]["body"]')" = "(1, 'draft')" ] ||
	fail "submitted review's comment"
cp ghes.log ghes-valid.log

# --- the checker -------------------------------------------------------------

check=$lib/github-openapi-check.sh
expect_rc 0 sh "$check" valid.log ghes-valid.log
contains "$out" "0 invalid"
cat >bad.log <<'EOF'
[{"method": "GET", "path": "/repos/o/r/pulls/1/files?page=2&pages=3",
  "body": ""},
 {"method": "POST", "path": "/repos/o/r/pulls/1/unknown", "body": "{}"}]
EOF
expect_rc 1 sh "$check" gh.log bad.log
contains "$out" \
	"POST /repos/o/r/pulls/1/reviews: /comments/0 must NOT have additional properties ('severity')"
contains "$out" \
	"POST /repos/o/r/statuses/$head1: /state must be equal to one of the allowed values"
contains "$out" "/output/annotations must NOT have more than 50 items"
contains "$out" "unknown query parameter 'pages'"
contains "$out" "no operation POST /repos/o/r/pulls/1/unknown"
# Only those five are invalid: the unknown key, "green", 51 annotations
# and the two of bad.log; every other request of gh.log passes.
n=$("$pyexe" -S -E -c 'import json
print(len([e for e in json.load(open("gh.log"))
           if not e["path"].startswith("/__")]) + 2)')
contains "$out" "openapi: $n requests checked, 5 invalid"
