#!/bin/sh
# A snippet never holds a secret (issue 10, finding 9 and its siblings).
#
# The attack: a generic-secret-assignment match began at the line end of a
# line holding a password that no rule recognises (it holds "@^#") and ran
# on to an `api_key:` line below; the finding was reported on the
# password's line and the text and JSON snippets printed that password
# whole. Siblings checked here:
#   - the same with the password unquoted, and with CRLF line ends;
#   - the Azure AD rule, whose pattern also starts with a negated class;
#   - a value a specific rule covers only in part (an AWS key id followed
#     by more secret text: the generic rule's longer value was dropped as
#     an overlap, so its tail was printed);
#   - a secret in a path the generic rule skips (testdata/), on a line
#     another rule reports: that finding's snippet printed it;
#   - a linter whose message quotes that secret (messages are masked
#     line by line like snippets);
#   - a rule that is multi-line on purpose (an SQL query in a template
#     literal), whose snippet holds a secret on its second line;
#   - a private key indented in a YAML block scalar: not found at all.
# Every --format, --output files, stderr and the -vv log are searched for
# every secret, whole and its second half, and the findings must still be
# reported. The fake secrets are random, made up at run time.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
git checkout -q -b f
python3 - ../secrets.list <<'PY' || fail "cannot write the fixture"
import os, random, sys

rng = random.Random(306)
B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = B62 + "+/"


def r(alpha, n):
    # no words or runs the engine takes for placeholders; a digit in it
    while True:
        s = "".join(rng.choice(alpha) for _ in range(n))
        low = s.lower()
        if any(w in low for w in ("test", "fake", "todo", "xxxx", "dummy")):
            continue
        if any(all(ord(s[i + k + 1]) - ord(s[i + k]) == 1 for k in range(5))
               or all(ord(s[i + k]) - ord(s[i + k + 1]) == 1
                      for k in range(5))
               for i in range(len(s) - 5)):
            continue
        if alpha != B32 and not any(c.isdigit() for c in s):
            continue
        return s


S = []  # (name, secret)
def put(path, text, mode="w"):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, mode, newline="") as f:
        f.write(text)


# The reported shape: a password with @^# (too short for the generic
# rule), then an api_key line.
pw1 = "hunter2@^#" + r(B62, 4)
key1 = "K" + r(B62, 23)
put("config/app.yml", 'password: "%s"\napi_key: "%s"\n' % (pw1, key1))
S += [("password-quoted", pw1), ("api-key", key1)]

# Unquoted, with special characters, so no rule reads it as a value; the
# key starts in lower case, which the generic rule took for a camelCase
# name and let pass.
pw2 = "hunter2@^#" + r(B62, 12)
key2 = "a" + r(B62, 23)
put("config/unquoted.yml", "password: %s\napi_key: %s\n" % (pw2, key2))
S += [("password-unquoted", pw2), ("api-key-unquoted", key2)]

# CRLF line ends.
pw3 = "hunter2@^#" + r(B62, 4)
key3 = "K" + r(B62, 23)
put("config/crlf.ini", "password = '%s'\r\napi_key = '%s'\r\n" % (pw3, key3))
S += [("password-crlf", pw3), ("api-key-crlf", key3)]

# The Azure AD client secret at the start of a line, below a line that
# holds its keyword "Q~" and a password.
pw4 = "hunter2@^#" + r(B62, 4)
az = r(B62, 3) + "8Q~" + r(B62 + "_~.-", 34)
put("src/azure.txt", 'pw = "%s"  # Q~\n%s\n' % (pw4, az))
S += [("password-azure", pw4), ("azure-ad-client-secret", az)]

# An AWS key id followed by more secret text in one value.
akia = "AKIA" + r(B32, 16)
tail = r(B62, 20)
put("src/partial.py", 'password = "%s:%s"\n' % (akia, tail))
S += [("aws-access-key-id", akia), ("tail-after-key-id", tail)]

# A generic secret in a fixture path, on a line hygiene reports.
tok = r(B62, 28)
put("testdata/app.js",
    'const api_token = "%s"; console.log(api_token);\n' % tok)
S += [("token-in-fixture", tok)]

# A multi-line risky finding whose second line holds a secret, in a
# fixture path too.
tok2 = r(B62, 24)
put("testdata/query.js",
    "await db.query(`\n  SELECT * FROM t\n"
    "  WHERE token = '%s' AND id = ${id}\n`);\n" % tok2)
S += [("token-in-query", tok2)]

# A private key in a YAML block scalar, indented.
body = [r(B64, 64) for _ in range(3)]
put("deploy/values.yml",
    "tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n" +
    "".join("    %s\n" % b for b in body) +
    "    -----END RSA PRIVATE KEY-----\n")
S += [("private-key-line-%d" % i, b) for i, b in enumerate(body)]

with open(sys.argv[1], "w") as f:
    for name, secret in S:
        f.write("%s %s\n" % (name, secret))
PY
git add -A && git commit -qm secrets
tok=$(sed -n 's/^token-in-fixture //p' ../secrets.list)

# A linter that quotes the fixture's secret in its message, when the
# sandbox it runs in works here.
lint=0
if bwrap --ro-bind / / --dev /dev --proc /proc true 2>/dev/null; then
	lint=1
	mkdir -p ../lint
	printf 'echo "testdata/app.js:1:7: warning: api_token = \\"%s\\" is unused [L1]"\n' \
		"$tok" >lint.sh
	cat >.tend.yml <<'YML'
checks:
  linters:
    - { name: quote, run: "sh lint.sh", format: gcc }
YML
fi

mkdir ../outs
for fmt in text json sarif markdown codequality rdjson github; do
	"$TEND_BIN" review --local --no-llm --format "$fmt" \
		>"../outs/$fmt.stdout" 2>"../outs/$fmt.stderr"
	rc=$?
	[ $rc = 1 ] || { cat "../outs/$fmt.stderr" >&2; fail "--format $fmt exited $rc"; }
	[ -s "../outs/$fmt.stdout" ] || fail "--format $fmt printed nothing"
	"$TEND_BIN" review --local --no-llm --format "$fmt" \
		--output "../outs/$fmt.file" >"../outs/$fmt.out-stdout" \
		2>"../outs/$fmt.out-stderr"
	[ -s "../outs/$fmt.file" ] || fail "--format $fmt --output wrote nothing"
done
"$TEND_BIN" review --local --no-llm -vv >../outs/vv.stdout 2>../outs/vv.stderr
[ $? = 1 ] || fail "-vv run failed"

python3 - ../secrets.list ../outs "$lint" <<'PY' || fail "secrets check"
import json, os, sys

secrets = [l.split(" ", 1) for l in open(sys.argv[1]).read().splitlines()]
outs = sys.argv[2]
lint = sys.argv[3] == "1"
blobs = {}
for name in sorted(os.listdir(outs)):
    blobs[name] = open(os.path.join(outs, name), "rb").read()

bad = []
for name, secret in secrets:
    s = secret.encode()
    # neither the whole secret nor its second half, anywhere
    for part in (s, s[len(s) // 2:]):
        for out, data in blobs.items():
            if part in data:
                bad.append("%s shows %s of %s" % (
                    out, "all" if part == s else "half", name))
if bad:
    sys.exit("\n".join(sorted(set(bad))))

# the findings are still reported, on the right lines
d = json.loads(blobs["json.stdout"])
got = {(f["path"], f["rule_id"], f["line"], f["end_line"])
       for f in d["findings"]}
want = {
    ("config/app.yml", "secrets/generic-secret-assignment", 2, 2),
    ("config/unquoted.yml", "secrets/generic-secret-assignment", 2, 2),
    ("config/crlf.ini", "secrets/generic-secret-assignment", 2, 2),
    ("src/azure.txt", "secrets/azure-ad-client-secret", 2, 2),
    ("src/partial.py", "secrets/aws-access-key-id", 1, 1),
    ("testdata/app.js", "hygiene/js-console-log", 1, 1),
    ("testdata/query.js", "risky/js-sql-template", 1, 3),
    ("deploy/values.yml", "secrets/private-key", 3, 6),
}
if lint:
    want.add(("testdata/app.js", "quote/L1", 1, 1))
missing = want - got
if missing:
    sys.exit("missing findings: %s\ngot: %s" % (sorted(missing), sorted(got)))
for f in d["findings"]:
    if f["rule_id"].startswith("secrets/"):
        assert "****" in f["snippet"], f
    if f["path"] == "testdata/app.js":
        assert "api_token = \"" in (f.get("snippet") or f["message"]), f
        assert "****" in (f.get("snippet") or "") + f["message"], f
key = [f for f in d["findings"] if f["rule_id"] == "secrets/private-key"][0]
assert key["snippet"].count("\n") == 3, key
print("checked %d outputs, %d secrets, linter %s"
      % (len(blobs), len(secrets), "on" if lint else "off"))
PY
