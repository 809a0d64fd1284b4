#!/bin/sh
# Secrets committed on a branch are all found, and none of them appears
# whole in any output: every --format tend accepts, --output files, and the
# -vv log. Invalid UTF-8 in the middle of a file stops nothing.
#
# The fake secrets are made up at run time (random, of the right shape), so
# this script holds none; secrets.list gets one per line, with the rule
# that must find it. In the line templates below, %S stands for the secret.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
git checkout -q -b f
python3 - ../secrets.list <<'PY' || fail "cannot write the fixture"
import os, random, sys

rng = random.Random(301)
B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = B62 + "+/"
URL = B62 + "_-"


def r(alpha, n):
    # no runs or words the engine takes for placeholders
    while True:
        s = "".join(rng.choice(alpha) for _ in range(n))
        low = s.lower()
        if any(w in low for w in ("test", "fake", "todo", "xxxx")):
            continue
        if any(all(ord(s[i + k + 1]) - ord(s[i + k]) in (1,) for k in range(5))
               or all(ord(s[i + k]) - ord(s[i + k + 1]) in (1,) for k in range(5))
               for i in range(len(s) - 5)):
            continue
        return s


def d(n):
    return r("0123456789", n)


S = []  # (rule id, secret, line)
def add(rule, secret, line):
    S.append((rule, secret, line.replace("%S", secret)))


add("aws-access-key-id", "AKIA" + r(B32, 16), "aws_access_key_id = %S")
add("aws-secret-access-key", r(B64, 40), "aws_secret_access_key = %S")
add("github-pat", "ghp_" + r(B62, 36), "GITHUB_TOKEN = '%S'")
add("github-fine-grained-pat", "github_pat_" + r(B62, 22) + "_" + r(B62, 59),
    "token = '%S'")
add("gitlab-pat", "glpat-" + r(URL, 20), "GITLAB = '%S'")
add("slack-bot-token", "xoxb-" + d(12) + "-" + d(13) + "-" + r(B62, 24),
    "SLACK = '%S'")
add("slack-webhook-url", "T" + r("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 10) +
    "/B" + r("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 10) + "/" + r(B62, 24),
    "HOOK = 'https://hooks.slack.com/services/%S'")
add("stripe-secret-key", "sk_live_" + r(B62, 24), "stripe.api_key = '%S'")
add("sendgrid-api-key", "SG." + r(URL, 22) + "." + r(URL, 43), "SG = '%S'")
add("npm-token", "npm_" + r(B62, 36), "NPM = '%S'")
add("openai-api-key", "sk-proj-" + r(URL, 40) + "T3BlbkFJ" + r(URL, 40),
    "OPENAI_API_KEY = '%S'")
add("anthropic-api-key", "sk-ant-api03-" + r(URL, 93) + "AA",
    "ANTHROPIC_API_KEY = '%S'")
add("gcp-api-key", "AIza" + r(URL, 35), "MAPS = '%S'")
add("telegram-bot-token", d(10) + ":AA" + r(URL, 33), "TG = '%S'")
add("digitalocean-token", "dop_v1_" + r(HEX, 64), "DO = '%S'")
add("hashicorp-vault-token", "hvs." + r(URL, 90), "VAULT = '%S'")
add("database-url-password", r(B62, 18),
    "DATABASE_URL = 'postgres://app:%S@db.internal:5432/app'")
add("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + r(URL, 60) + "." +
    r(URL, 43), "SESSION = '%S'")
add("generic-secret-assignment", r(B62, 24), "db_password = \"%S\"")

os.makedirs("config", exist_ok=True)
with open("config/settings.py", "w") as f:
    f.write("import os\n\n")
    for rule, secret, line in S:
        f.write(line + "\n")

# a private key block, and invalid UTF-8 in the middle of a C file that
# holds a secret after the bad bytes
body = [r(B64, 64) for _ in range(4)]
os.makedirs("keys", exist_ok=True)
with open("keys/deploy.pem", "w") as f:
    f.write("-----BEGIN RSA PRIVATE KEY-----\n")
    f.write("MIIE" + body[0][4:] + "\n" + "\n".join(body[1:]) + "\n")
    f.write("-----END RSA PRIVATE KEY-----\n")
S.append(("private-key", "MIIE" + body[0][4:], ""))
for b in body[1:]:
    S.append(("", b, ""))

tok = "ghp_" + r(B62, 36)
with open("config/broken.c", "wb") as f:
    f.write(b"static const char *a = \"\xff\xfe\xc3(\";\n")
    f.write(b"\x80\x80 /* \xed\xa0\x80 */ const char *t = \"" +
            tok.encode() + b"\";\n")
    f.write(b"int x = 1; \xf8\x88\n")
S.append(("github-pat", tok, ""))

with open(sys.argv[1], "w") as f:
    for rule, secret, line in S:
        f.write("%s %s\n" % (rule or "-", secret))
PY
git add -A && git commit -qm secrets

# Every output goes to a file; the check at the end reads them all.
mkdir ../outs
expect_rc 1 "$TEND_BIN" review --local --format json
cp stdout.txt ../outs/json.out
cp stderr.txt ../outs/json.err
for fmt in text json sarif markdown codequality rdjson github; do
	"$TEND_BIN" review --local --format "$fmt" \
		>"../outs/$fmt.stdout" 2>"../outs/$fmt.stderr"
	rc=$?
	if [ $rc = 2 ] && grep -q "not built yet" "../outs/$fmt.stderr"; then
		echo "skip --format $fmt: not built yet"
		continue
	fi
	[ $rc = 1 ] || { cat "../outs/$fmt.stderr" >&2; fail "--format $fmt exited $rc"; }
	[ -s "../outs/$fmt.stdout" ] || fail "--format $fmt printed nothing"
	"$TEND_BIN" review --local --format "$fmt" --output "../outs/$fmt.file" \
		>/dev/null 2>&1
	[ -s "../outs/$fmt.file" ] || fail "--format $fmt --output wrote nothing"
done
"$TEND_BIN" review --local -vv >../outs/vv.stdout 2>../outs/vv.stderr
[ $? = 1 ] || fail "-vv run failed"

python3 - ../secrets.list ../outs <<'PY' || fail "secrets check"
import json, os, sys

secrets = [l.split(" ", 1) for l in open(sys.argv[1]).read().splitlines()]
outs = sys.argv[2]
blobs = {}
for name in sorted(os.listdir(outs)):
    blobs[name] = open(os.path.join(outs, name), "rb").read()

bad = []
for rule, secret in secrets:
    s = secret.encode()
    # neither the whole secret nor its second half, anywhere
    for part in (s, s[len(s) // 2:]):
        for name, data in blobs.items():
            if part in data:
                bad.append("%s: %s shows %s of a %s secret"
                           % (name, name, "all" if part == s else "half",
                              rule))
if bad:
    sys.exit("\n".join(sorted(set(bad))))

d = json.loads(blobs["json.out"])
found = {}
for f in d["findings"]:
    found.setdefault((f["path"], f["rule_id"]), []).append(f)
missing = []
for rule, secret in secrets:
    if rule == "-":
        continue
    if not any(k[1] == "secrets/" + rule for k in found):
        missing.append(rule)
if missing:
    sys.exit("not found: " + ", ".join(missing))

n = sum(len(v) for k, v in found.items()
        if k[0] == "config/settings.py" and k[1].startswith("secrets/"))
if n != 19:
    sys.exit("want 19 secrets findings in settings.py, got %d: %s"
             % (n, sorted(k[1] for k in found if k[0] == "config/settings.py")))
for k, v in found.items():
    if k[1].startswith("secrets/"):
        for f in v:
            assert "****" in f["snippet"], f
# the secret after the invalid bytes, at its line
assert [f["line"] for f in found[("config/broken.c", "secrets/github-pat")]] == [2]
assert [f["line"] for f in found[("keys/deploy.pem", "secrets/private-key")]] == [1]
print("checked %d outputs, %d secrets" % (len(blobs), len(secrets)))
PY
