#!/bin/sh
# Known secrets never leave in a request (issue 10, finding 8): copies of
# CI_JOB_TOKEN, GITHUB_TOKEN, OPENAI_API_KEY and a Slack webhook, as they
# are, base64-encoded inside an HTTP Basic credential and percent-encoded
# in URLs, sit in a committed file (in the diff) and in an untracked file
# the reviewer agent reads with read_file. The canaries have no shape the
# secret rules know, so only the registry of known secrets can catch them.
# `tend review --local` with the scripted model: no captured model request
# (body, path, headers other than the model key's own) and neither stdout
# nor stderr holds any canary in any of those forms.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
job=canaryJob7Hq2Zx9Lm4PvWq
gh=canaryGh5Rt8Yu1Io6PaQzX
key=canaryModel4Dg7Jk0Lz3XcV
hook=https://hooks.slack.com/services/T0CANARY/B0CANARY/canaryHook8Nm2
b64() { printf '%s' "$1" | base64 -w0; }
# Percent-encoding of the reserved bytes, and of every byte.
pct() { python3 -c "import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=''))" "$1"; }
allpct() { python3 -c "import sys
print(''.join('%%%02x' % b for b in sys.argv[1].encode()))" "$1"; }

git init -q r && cd r || fail init
git checkout -q -b main
printf 'int f(void)\n{\n\treturn 0;\n}\n' >a.c
git add -A && git commit -qm base
git checkout -q -b feat
cat >deploy.txt <<EOF
job token copy: $job
basic auth: $(b64 "x-access-token:$gh")
clone: https://gitlab-ci-token:$(allpct "$job")@gitlab.example/g/p.git
notify: $(pct "$hook")
EOF
printf 'int g(int x)\n{\n\treturn x + 1;\n}\n' >>a.c
git add -A && git commit -qm feat
# An untracked file, as a CI job might leave one.
cat >local.env <<EOF
OPENAI_API_KEY=$key
GITHUB_TOKEN=$(allpct "$gh")
key as base64 in a longer string: $(b64 "user:$key:end")
EOF
cd ..

cat >script.json <<'EOF2'
{"turns": [
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "local.env"}},
                 {"name": "read_file", "arguments": {"path": "deploy.txt"}}]},
 {"tool_calls": [{"name": "submit_review", "arguments": {
   "summary": "read the files",
   "comments": [
    {"path": "a.c", "line": 7, "severity": "note", "quote": "return x + 1;",
     "body": "x + 1 can overflow"}]}}]}
]}
EOF2

python3 "$lib/fakemodel.py" --script script.json --log model.json \
	--key "$key" --port-file port --timeout 120 --watch-parent \
	>/dev/null 2>model.err &
model=$!
trap 'kill $model 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s port ] || { cat model.err >&2; fail "fakemodel did not start"; }
port=$(cat port)

(cd r && env OPENAI_API_KEY="$key" \
	OPENAI_BASE_URL="http://127.0.0.1:$port/v1" GITHUB_TOKEN="$gh" \
	CI_JOB_TOKEN="$job" TEND_SLACK_WEBHOOK_URL="$hook" \
	"$TEND_BIN" review --local --format json -v >../out.json 2>../err.txt)
rc=$?
[ $rc -le 1 ] || { cat err.txt >&2; fail "tend review exited $rc"; }
kill $model 2>/dev/null
wait $model 2>/dev/null

python3 - "$job" "$gh" "$key" "$hook" <<'EOP' || fail "a known secret left the process"
import base64, json, sys, urllib.parse
secrets = dict(zip(["CI_JOB_TOKEN", "GITHUB_TOKEN", "OPENAI_API_KEY",
                    "TEND_SLACK_WEBHOOK_URL"], sys.argv[1:5]))

def forms(v):
    out = {"plain": v,
           "url-encoded": urllib.parse.quote(v, safe=""),
           "all-%": "".join("%%%02x" % b for b in v.encode()),
           "all-%-upper": "".join("%%%02X" % b for b in v.encode())}
    # A base64 run that depends on the value alone, at any alignment.
    for pad in range(3):
        for alpha in ("std", "url"):
            enc = base64.b64encode(b"\0" * pad + v.encode() + b"\0\0")
            if alpha == "url":
                enc = base64.urlsafe_b64encode(b"\0" * pad + v.encode()
                                               + b"\0\0")
            start = (pad * 4 + 2) // 3 + 1
            end = ((pad + len(v)) * 4) // 3 - 1
            out["base64 %s +%d" % (alpha, pad)] = enc.decode()[start:end]
    return out

def scan(where, text, bad):
    for name, v in secrets.items():
        for form, f in forms(v).items():
            if f and f in text:
                bad.append("%s in %s (%s)" % (name, where, form))

bad = []
log = json.load(open("model.json"))
assert len(log) >= 2, "the model was asked %d times" % len(log)
saw_file = False
for i, r in enumerate(log):
    scan("model request %d body" % i, r["body"], bad)
    scan("model request %d path" % i, r["path"], bad)
    for h, v in r["headers"].items():
        if h != "authorization":
            scan("model request %d header %s" % (i, h), v, bad)
    saw_file = saw_file or "OPENAI_API_KEY=" in r["body"]
assert saw_file, "the model never got local.env: the test proves nothing"
for f in ("out.json", "err.txt"):
    scan(f, open(f).read(), bad)
if bad:
    sys.exit("\n".join(bad))
print("ok")
EOP
grep -q "masked in the request" err.txt ||
	{ cat err.txt >&2; fail "no warning that secrets were masked"; }
exit 0
