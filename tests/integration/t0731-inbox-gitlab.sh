#!/bin/sh
# `tend inbox` on GitLab: a pipeline schedule polls the notes of merge
# requests and issues (GitLab has no comment triggers), against the strict
# fake GitLab, a scripted model and a real git remote.
#   - five commands across two merge requests and an issue (review, an
#     @tend question, help, an outsider's fix, do): each acknowledged with
#     an award emoji and answered once in its discussion; the outsider's
#     runs nothing and gets one polite reply;
#   - a second and a third run: nothing more, one request with nothing new;
#   - the answers and the draft merge request of /tend do are real.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=glpat-inbox0123456789abcdefXYZ
key=sk-inboxglmodel0123456789abcdefghijk

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
printf 'def double(x):\n    return x * 2\n' >calc.py
mkdir -p tests
cat >tests/test_calc.py <<'EOF'
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import calc  # noqa: E402


class CalcTest(unittest.TestCase):
    def test_double(self):
        self.assertEqual(calc.double(3), 6)

    # more


if __name__ == "__main__":
    unittest.main()
EOF
cat >.tend.yml <<'EOF'
sandbox:
  test: "python3 -m unittest discover -s tests -v"
EOF
git add -A && git commit -qm base
git checkout -q -b one && printf '\n# one\n' >>calc.py && git commit -qam one
git checkout -q main && git checkout -q -b two && printf '\n# two\n' >>calc.py &&
	git commit -qam two
git checkout -q main
git update-ref refs/merge-requests/1/head one
git update-ref refs/merge-requests/2/head two
git config receive.denyCurrentBranch ignore
cd ..
base=$(git -C repo rev-parse main)

cat >issues.json <<'EOF'
[{"iid": 1, "title": "Add triple()", "description": "triple(x) returns 3 * x.",
  "author": "alice", "labels": [], "state": "opened",
  "created_at": "2026-01-01T00:00:00Z", "label_events": [], "notes": []}]
EOF
BG_TIMEOUT=600
start_bg git python3 "$lib/fakegitremote.py" \
	--repo "/group/proj.git=$PWD/repo" --token "$tok" --log git-log.json
start_bg gl python3 "$lib/fakegitlab.py" --repo repo --project 7:group/proj \
	--mr 1:main:one --mr 2:main:two --issues issues.json \
	--member alice=40 --member bob=30 --member rita=20 \
	--token "$tok" --log gl-log.json
trap 'kill $git_pid $gl_pid ${model_pid:-} 2>/dev/null' EXIT

model() {
	[ -n "${model_pid:-}" ] && { kill $model_pid 2>/dev/null; wait $model_pid 2>/dev/null; }
	start_bg model python3 "$lib/fakemodel.py" --script "$1" \
		--log model-log.json --key "$key"
}
ctl() { curl -s -X POST -H "Content-Type: application/json" -d "$2" \
	"http://127.0.0.1:$gl_port/__control/$1"; }
inbox() {
	want=$1
	shift
	(cd work && expect_rc "$want" env GITLAB_CI=true \
		CI_API_V4_URL="http://127.0.0.1:$gl_port/api/v4" \
		CI_SERVER_URL="http://127.0.0.1:$git_port" CI_PROJECT_ID=7 \
		CI_PROJECT_PATH=group/proj CI_PIPELINE_SOURCE=schedule \
		CI_COMMIT_BRANCH=main CI_COMMIT_SHA="$base" \
		CI_JOB_ID="${JOB:-8800}" GITLAB_TOKEN="$tok" \
		OPENAI_API_KEY="$key" \
		OPENAI_BASE_URL="http://127.0.0.1:$model_port/v1" \
		TEND_MODEL=openai/gpt-4.1-mini TEND_HTTP_BACKOFF_MS=10 \
		"$TEND_BIN" inbox "$@"
	cp stdout.txt ../stdout.txt; cp stderr.txt ../stderr.txt) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
py() {
	curl -s "http://127.0.0.1:$gl_port/__state" |
		python3 -c "import json,sys; s=json.load(sys.stdin); $1"
}
# every note anywhere: MR discussions and issue notes
NOTES="[n for ds in s['discussions'].values() for d in ds for n in d['notes']] + [n for i in s['issues'] for n in i['notes']]"
replies_to() { py "print(len([n for n in $NOTES if 'tend:chatops re=$1 ' in n['body']]))"; }
reply_to() { py "print([n['body'] for n in $NOTES if 'tend:chatops re=$1 ' in n['body']][0])"; }
eyes_on() { py "print(len([a for a in s['awards'] if a['note'] == $1 and a['name'] == 'eyes' and a['user'] == 'tend-bot']))"; }
log_count() {	# log_count: requests, writes
	curl -s "http://127.0.0.1:$gl_port/__log" | python3 -c "import json,sys
l=[r for r in json.load(sys.stdin) if not r['path'].startswith('/__')]
print(len(l), len([r for r in l if r['method'] != 'GET']))"
}
requests() { python3 -c "import json; print(len(json.load(open('model-log.json'))))"; }
mr_note() { ctl note "{\"iid\": $1, \"author\": \"$2\", \"body\": \"$3\"}" |
	python3 -c "import json,sys; print(json.load(sys.stdin)['notes'][0]['id'])"; }
issue_note() { ctl issue-note "{\"issue\": $1, \"user\": \"$2\", \"body\": \"$3\"}" |
	python3 -c "import json,sys; d=json.load(sys.stdin); print(d['id'] if 'id' in d and 'notes' not in d else d['notes'][0]['id'])"; }

rm -rf work && git clone -q repo work && git -C work checkout -q --detach

# Five commands, in this order (the model answers them in turn).
n1=$(mr_note 1 alice "/tend review")
n2=$(mr_note 1 bob "@tend what does double do?")
n3=$(mr_note 2 alice "/tend help")
n4=$(mr_note 2 rita "/tend fix")
n5=$(issue_note 1 alice "/tend do")
cat >five.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "submit_review", "arguments": {"summary": "Looks fine.", "comments": []}}]},
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "calc.py"}}]},
 {"tool_calls": [{"name": "answer", "arguments": {"text": "double(x) returns x * 2 [1].", "citations": [{"path": "calc.py", "line": 2, "quote": "return x * 2"}]}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "done", "summary": "Add triple().\n1. Add def triple(x) returning 3 * x to calc.py."}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.py", "old": "    return x * 2\n", "new": "    return x * 2\n\n\ndef triple(x):\n    return 3 * x\n"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "done", "summary": "Added triple()."}}]}
]}
EOF
model five.json
inbox 0
contains "$out" "5 commands"
for n in $n1 $n2 $n3 $n4 $n5; do
	[ "$(replies_to "$n")" = 1 ] || fail "note $n: want one answer, got $(replies_to "$n")"
done
for n in $n1 $n2 $n3 $n5; do
	[ "$(eyes_on "$n")" = 1 ] || fail "note $n: no eyes award"
done
[ "$(eyes_on "$n4")" = 0 ] || fail "an outsider's command was acknowledged"
contains "$(reply_to "$n1")" "reviewed"
ans=$(reply_to "$n2")
contains "$ans" "@bob"
contains "$ans" "/-/blob/$(git -C repo rev-parse one)/calc.py#L2"
contains "$(reply_to "$n3")" "/tend ask"
contains "$(reply_to "$n4")" "write access"
contains "$(reply_to "$n5")" "done"
[ "$(py "print(len([m for m in s['merge_requests'] if m['source_branch'] == 'tend/issue-1']))")" = 1 ] ||
	fail "/tend do opened no merge request"
contains "$(py "print([m for m in s['merge_requests'] if m['source_branch'] == 'tend/issue-1'][0]['description'])")" "Closes #1"
n=$(requests)

# ---- a second and a third run: nothing; one request with nothing new ----
set -- $(log_count)
before_r=$1 before_w=$2
inbox 0
contains "$out" "handled before"
inbox 0
set -- $(log_count)
[ "$2" = "$before_w" ] || fail "a second run wrote to the forge"
[ "$(requests)" = "$n" ] || fail "a second run asked the model"
for x in $n1 $n2 $n3 $n4 $n5; do
	[ "$(replies_to "$x")" = 1 ] || fail "note $x answered twice"
done
# Nothing new: the run reads the note events once (a page), and for each
# command tend already answered nothing more.
reads=$(( ($1 - before_r) / 2 ))
[ "$reads" -le 2 ] || fail "a run with nothing new made $reads requests"
exit 0
