#!/bin/sh
# `tend fix` in a GitLab merge-request pipeline (a `when: on_failure` job):
# the strict fake GitLab, the scripted model (Anthropic protocol this
# time), and a real git remote the push lands on, as the oauth2 user of
# GITLAB_TOKEN.
#   - one commit pushed onto the MR's source branch, one report note;
#   - a re-run on the fixed head writes nothing;
#   - the job token alone cannot push: nothing is pushed, the fix is not
#     lost (exit 3 would lose it; the job token cannot write notes
#     either, so the patch is in the job log).
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
tok=glpat-fixtoken0123456789abcd
job=jobtoken-fix0123456789abcdef
key=sk-ant-fixmodelkey0123456789abcdefghij

git init -q repo && cd repo || fail "git init"
git checkout -q -b main
printf 'def double(x):\n    return x * 2\n' >calc.py
cat >test_calc.py <<'EOF'
import unittest
from calc import double


class T(unittest.TestCase):
    def test_double(self):
        self.assertEqual(double(4), 8)


if __name__ == "__main__":
    unittest.main()
EOF
printf 'sandbox:\n  test: "python3 -m unittest -q test_calc"\n' >.tend.yml
printf '__pycache__/\n' >.gitignore
git add -A && git commit -qm base
git checkout -q -b feature
sed -i 's/x \* 2/x + 2/' calc.py
git commit -qam "feature: doubling, faster"
git checkout -q main
cd ..

cat >model.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.py", "old": "x + 2", "new": "x * 2"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "double() added 2 instead of multiplying by 2."}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "calc.py", "old": "x + 2", "new": "x * 2"}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "double() added 2 instead of multiplying by 2."}}]}
]}
EOF
start_bg git python3 "$lib/fakegitremote.py" \
	--repo "/group/proj.git=$PWD/repo" --token "$tok" --readonly-token "$job" \
	--log git-log.json
start_bg gl python3 "$lib/fakegitlab.py" --repo repo --project 7:group/proj \
	--mr 1:main:feature --token "$tok" --job-token "$job" --log gl-log.json
start_bg model python3 "$lib/fakemodel.py" --script model.json \
	--log model-log.json --key "$key"
trap 'kill $git_pid $gl_pid $model_pid 2>/dev/null' EXIT

checkout() {
	rm -rf work
	git clone -q repo work || fail "clone"
	git -C work checkout -q "$(git -C repo rev-parse feature)" || fail "checkout"
	head=$(git -C work rev-parse HEAD)
}
run_fix() {	# run_fix WANT [VAR=value ...]
	want=$1
	shift
	(cd work && expect_rc "$want" env GITLAB_CI=true \
		CI_API_V4_URL="http://127.0.0.1:$gl_port/api/v4" \
		CI_SERVER_URL="http://127.0.0.1:$git_port" \
		CI_PROJECT_ID=7 CI_PROJECT_PATH=group/proj \
		CI_MERGE_REQUEST_IID=1 CI_PIPELINE_SOURCE=merge_request_event \
		CI_MERGE_REQUEST_PROJECT_ID=7 CI_MERGE_REQUEST_SOURCE_PROJECT_ID=7 \
		CI_COMMIT_SHA="$head" CI_JOB_ID=4242 CI_JOB_TOKEN="$job" \
		ANTHROPIC_API_KEY="$key" \
		ANTHROPIC_BASE_URL="http://127.0.0.1:$model_port" \
		TEND_MODEL=anthropic/claude-haiku-4-5 TEND_HTTP_BACKOFF_MS=10 \
		"$@" "$TEND_BIN" fix
	cp stdout.txt stderr.txt ..) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
notes() {
	curl -s "http://127.0.0.1:$gl_port/__state" | python3 -c "import json,sys
s = json.load(sys.stdin)
print(len([n for d in s['discussions'].get('1', []) for n in d['notes'] if 'tend:fix' in n['body']]))"
}
writes() {
	curl -s "http://127.0.0.1:$gl_port/__log" | python3 -c "import json,sys
print(len([r for r in json.load(sys.stdin) if r['method'] != 'GET' and not r['path'].startswith('/__')]))"
}

# ---- the job token alone: no push, no note, the fix in the log ----
checkout
run_fix 0 env -u GITLAB_TOKEN
[ "$(git -C repo rev-parse feature)" = "$head" ] || fail "the job token pushed"
contains "$out" "x * 2"
[ "$(notes)" = 0 ] || fail "the job token wrote to GitLab"

# ---- GITLAB_TOKEN: one commit pushed, one note ----
checkout
run_fix 0 GITLAB_TOKEN="$tok"
contains "$out" "fixed and pushed"
new=$(git -C repo rev-parse feature)
[ "$(git -C repo rev-parse "$new^")" = "$head" ] || fail "want one commit on the head"
contains "$(git -C repo log -1 --format=%B "$new")" "Tend-Run: gitlab-4242"
git -C repo show "$new:calc.py" | grep -q "x \* 2" || fail "not the fix"
[ "$(notes)" = 1 ] || fail "want one fix note"

# ---- a re-run on the fixed head writes nothing ----
w=$(writes)
checkout
run_fix 0 GITLAB_TOKEN="$tok"
contains "$out" "nothing to fix"
[ "$(writes)" = "$w" ] || fail "the re-run wrote"
exit 0
