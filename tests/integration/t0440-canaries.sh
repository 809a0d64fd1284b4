#!/bin/sh
# Every secret variable tend knows gets a canary value, and every channel
# out of tend is searched for every canary in plain, base64 (standard and
# URL-safe, at each byte alignment inside a longer encoded string) and
# percent-encoded form (issue 10, "a test run with canary values").
#
# The canaries are shaped so that no secrets rule recognises them: only
# the registry of known secrets stands between them and the outside. They
# are planted where an attacker would put them: in the change (plain,
# base64 inside an HTTP Basic credential, percent-encoded), in an
# untracked file the model reads, in .git/config as a checkout's
# extraheader, and in the model's own answer (a comment that quotes one).
#
# Channels searched: stdout and stderr of every run (at -vv, with HTTP
# traces), --output reports in every format, the step summary, the job
# outputs, --record recordings, every request the fake GitHub, the fake
# GitLab and the scripted model received (path, query, headers other than
# the one credential header meant for that server, body), and what a
# sandboxed test command could read and print.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
vars="GITHUB_TOKEN GH_TOKEN GITLAB_TOKEN CI_JOB_TOKEN OPENAI_API_KEY
ANTHROPIC_API_KEY OPENROUTER_API_KEY TEND_GITHUB_TOKEN TEND_GITLAB_TOKEN
ACTIONS_RUNTIME_TOKEN ACTIONS_ID_TOKEN_REQUEST_TOKEN TEND_SLACK_WEBHOOK_URL
SLACK_WEBHOOK_URL CI_REGISTRY_PASSWORD CI_DEPLOY_PASSWORD MY_SERVICE_TOKEN"

# One canary per variable: lower-case words and digits, no known prefix,
# too regular for an entropy rule. Slack's is a URL.
n=0
for v in $vars; do
	n=$((n + 1))
	val=$(printf 'canary%02dquietvalue%02dplain%s' $n $n "$(printf '%s' "$v" |
		tr 'A-Z_' 'a-zq' | cut -c1-12)")
	case $v in *WEBHOOK*) val="https://hooks.invalid/services/$val" ;; esac
	eval "$v=\$val"
	export "$v"
	printf '%s=%s\n' "$v" "$val"
done >canaries.txt

# The forms of one value an output must not contain.
cat >forms.py <<'PY'
import base64, sys

def forms(v):
    b = v.encode()
    out = {"plain": b}
    for k in range(3):
        for name, enc in (("b64", base64.b64encode),
                          ("b64url", base64.urlsafe_b64encode)):
            e = enc(b"x" * k + b + b"yy")
            # Only the characters that depend on the value alone.
            start = (k * 4 + 2) // 3 + (1 if k else 0)
            end = ((k + len(b)) * 4) // 3
            mid = e[start:end - 1]
            if len(mid) >= 12:
                out["%s@%d" % (name, k)] = mid
    out["pct"] = "".join("%%%02X" % c for c in b).encode()
    out["pct-lower"] = "".join("%%%02x" % c for c in b).encode()
    return out

def canaries():
    for line in open("canaries.txt"):
        name, _, value = line.rstrip("\n").partition("=")
        yield name, value

if __name__ == "__main__":
    # forms.py scan LABEL FILE...: report every canary form in the files.
    bad = 0
    label = sys.argv[2]
    for path in sys.argv[3:]:
        try:
            data = open(path, "rb").read()
        except (IsADirectoryError, FileNotFoundError):
            continue
        for name, value in canaries():
            for form, needle in forms(value).items():
                if needle in data:
                    print("LEAK %s: %s (%s) in %s" % (label, name, form, path))
                    bad += 1
    sys.exit(1 if bad else 0)
PY

# ---- the repository and its pull request ----
git init -q r && cd r || fail init
git checkout -q -b main
printf 'int f(void)\n{\n\treturn 0;\n}\n' >a.c
git add -A && git commit -qm base
git checkout -q -b feat
python3 - <<'PY'
import base64, urllib.parse
rows = [l.rstrip("\n").split("=", 1) for l in open("../canaries.txt")]
with open("notes.txt", "w") as f:
    for name, value in rows:
        f.write("plain %s %s\n" % (name.lower(), value))
        f.write("basic %s\n" % base64.b64encode(
            ("x-access-token:" + value).encode()).decode())
        f.write("url %s\n" % urllib.parse.quote(value, safe=""))
    f.write("<<<<<<< HEAD %s\n" % rows[0][1])
with open("local.env", "w") as f:
    for name, value in rows:
        f.write("%s=%s\n" % (name.lower(), value))
PY
printf 'local.env\n' >.git/info/exclude
git add notes.txt a.c && git commit -qm feat
head=$(git rev-parse HEAD)
base=$(git rev-parse main)
# A checkout's credential in .git/config, as actions/checkout leaves it.
git config http.https://github.com/.extraheader "AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 -w0)"
cd ..
line=$(grep -n "^plain github_token " r/notes.txt | cut -d: -f1)
quote=$(sed -n "${line}p" r/notes.txt)

# The model reads the untracked file and the change, then answers with a
# comment that quotes the canary line and repeats a canary in its body.
python3 - "$line" "$quote" "$GITHUB_TOKEN" "$OPENAI_API_KEY" <<'PY'
import json, sys
line, quote, gh, oa = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
turn = {"tool_calls": [
    {"name": "read_file", "arguments": {"path": "local.env"}},
    {"name": "read_file", "arguments": {"path": "notes.txt"}}]}
review = {"tool_calls": [{"name": "submit_review", "arguments": {
    "summary": "found %s and %s" % (gh, oa),
    "comments": [{"path": "notes.txt", "line": line, "severity": "warning",
                  "quote": quote,
                  "body": "this line leaks %s (also %s)" % (gh, oa)}]}}]}
json.dump({"turns": [turn, review, turn, review, turn, review]},
          open("script.json", "w"))
PY

start_bg model python3 "$lib/fakemodel.py" --script script.json \
	--log model-log.json --key "$OPENAI_API_KEY"
start_bg gh python3 "$lib/fakegithub.py" --repo r --owner o --name r \
	--pr 1:main:feat --token "$GITHUB_TOKEN" --log gh-log.json
start_bg gl python3 "$lib/fakegitlab.py" --repo r --project 7:group/proj \
	--mr 1:main:feat --token "$GITLAB_TOKEN" --job-token "$CI_JOB_TOKEN" \
	--log gl-log.json
trap 'kill $model_pid $gh_pid $gl_pid 2>/dev/null' EXIT
export OPENAI_BASE_URL="http://127.0.0.1:$model_port/v1"
export TEND_HTTP_BACKOFF_MS=10
# Every provider has a key here; the scripted one speaks OpenAI.
export TEND_MODEL=openai/gpt-4.1-mini

cat >event.json <<EOF
{"action": "synchronize", "number": 1,
 "pull_request": {"number": 1, "title": "t $GH_TOKEN", "body": "b $GITLAB_TOKEN",
   "head": {"sha": "$head", "ref": "feat", "repo": {"full_name": "o/r"}},
   "base": {"sha": "$base", "ref": "main", "repo": {"full_name": "o/r"}}}}
EOF

# ---- the runs; each one's stdout and stderr are kept ----
run() {	# run NAME WANT CMD...
	name=$1 want=$2
	shift 2
	(cd r && "$@" >"../$name.out" 2>"../$name.err"; echo $? >"../$name.rc")
	got=$(cat "$name.rc")
	[ "$got" = "$want" ] || { cat "$name.err" >&2; fail "$name exited $got, want $want"; }
}
# A GitHub Actions pull_request run with the reviewer agent, recording.
run gh-ci 1 env GITHUB_ACTIONS=true GITHUB_API_URL="http://127.0.0.1:$gh_port" \
	GITHUB_REPOSITORY=o/r GITHUB_EVENT_NAME=pull_request \
	GITHUB_EVENT_PATH="$PWD/event.json" GITHUB_STEP_SUMMARY="$PWD/summary.md" \
	GITHUB_OUTPUT="$PWD/outputs.txt" "$TEND_BIN" review -vv \
	--record "$PWD/rec" --format json --output "$PWD/gh-report.json"
# The same PR from a laptop, dry run.
run gh-dry 1 env GITHUB_API_URL="http://127.0.0.1:$gh_port" \
	"$TEND_BIN" review --pr 1 --repo o/r --dry-run -v --no-llm
# A GitLab merge-request pipeline.
run gl-ci 1 env GITLAB_CI=true CI_API_V4_URL="http://127.0.0.1:$gl_port/api/v4" \
	CI_SERVER_URL="http://127.0.0.1:$gl_port" CI_PROJECT_ID=7 \
	CI_PROJECT_PATH=group/proj CI_MERGE_REQUEST_IID=1 \
	CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_PROJECT_ID=7 \
	CI_MERGE_REQUEST_SOURCE_PROJECT_ID=7 CI_COMMIT_SHA="$head" \
	"$TEND_BIN" review -vv --no-llm
# Local reviews in every format.
for fmt in text json sarif markdown codequality rdjson github; do
	run "local-$fmt" 1 "$TEND_BIN" review --local --no-llm --format $fmt \
		--output "$PWD/local.$fmt"
done
# A sandboxed test command that looks for the canaries everywhere it can.
cat >r/.tend.yml <<'EOF'
sandbox:
  test: "env; cat .git/config; cat /proc/1/environ /proc/self/environ; for p in /proc/[0-9]*; do tr '\\0' '\\n' <$p/environ; done; grep -r . .git/config .git/modules 2>&1; exit 1"
EOF
run test 1 "$TEND_BIN" test --format json
run context 0 env GITHUB_ACTIONS=true GITHUB_REPOSITORY=o/r \
	GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$PWD/event.json" \
	"$TEND_BIN" context --json
rm r/.tend.yml

# The runs did what they should (so the search below means something).
grep -q '"tool_calls"\|read_file' model-log.json || fail "the model was not asked"
grep -q "local.env" model-log.json || fail "the model did not read local.env"
grep -q "Tend-Test\|env" test.out || true

# ---- what the servers received, less each one's own credential ----
python3 - <<'PY'
import json
def dump(src, dst, own):
    with open(dst, "w") as f:
        for r in json.load(open(src)):
            r = dict(r)
            hdr = {k: v for k, v in r.get("headers", {}).items()
                   if k.lower() not in own}
            r.pop("header_list", None)
            r["headers"] = hdr
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
dump("model-log.json", "model-sent.txt", ("authorization", "x-api-key"))
dump("gh-log.json", "gh-sent.txt", ("authorization",))
dump("gl-log.json", "gl-sent.txt", ("private-token", "authorization",
                                    "job-token"))
PY
# The one credential header each server may see is its own.
python3 - "$OPENAI_API_KEY" "$GITHUB_TOKEN" <<'PY' || fail "a credential went to the wrong server"
import json, sys
oa, gh = sys.argv[1:]
for r in json.load(open("model-log.json")):
    a = r["headers"].get("authorization", "")
    assert a in ("", "Bearer " + oa), ("model", a[:20])
for r in json.load(open("gh-log.json")):
    a = r["headers"].get("authorization", "")
    assert a in ("", "Bearer " + gh, "token " + gh), ("github", a[:20])
PY

files=$(ls *.out *.err local.* summary.md outputs.txt gh-report.json \
	model-sent.txt gh-sent.txt gl-sent.txt rec/* 2>/dev/null)
python3 forms.py scan outputs $files || fail "a canary left tend"
exit 0
