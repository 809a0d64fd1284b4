#!/bin/sh
# The secrets pack on a corpus of real-world shapes (issue 11): a secret
# assigned in every language and config format tend meets, and a decoy set
# of public constants and look-alikes that must stay quiet.
#
# Each case is a file of its own, with one expectation: the secrets rule
# that must report it, or none at all (a decoy). Positives cover Go (typed
# var, :=, backticks), Python (annotated), JS/TS, Java (setProperty),
# Kotlin, PHP (.=, define, =>), Ruby, C#, shell, curl -u, Makefile (::=
# ?=), Dockerfile, YAML, JSON (and an .ini inside a JSON string, with
# escaped \n), TOML, INI, .env, XML on one line and across lines, Java
# properties, Terraform, NuGet.Config, and secrets in a minified file whose
# lines run to thousands of bytes. Decoys: the Firebase SDK's public
# example keys, Yarn's public constant, names of secrets given as values,
# placeholders (xxxx, <your-token>, ${VAR}, {{ }}, changeme, environment
# lookups), integrity hashes in lockfiles, commit and checksum hashes,
# UUIDs that are ids, CSRF and public tokens, versions and Maven
# coordinates, member accesses.
#
# Asserted: every positive reported by its rule, no decoy reported by any
# secrets rule, and no secret, whole or its second half, anywhere in the
# text or JSON output. The fake secrets are random, made up at run time.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
printf 'checks:\n  disable: [hygiene, risky, structure]\n' >.tend.yml
git add -A && git commit -qm config
git checkout -q -b f
python3 - ../cases.list <<'PY' || fail "cannot write the corpus"
import os, random, sys

rng = random.Random(307)
LOW = "abcdefghijklmnopqrstuvwxyz0123456789"
B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"
UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def r(alpha, n):
    # no words or runs the engine takes for placeholders; a digit in it
    while True:
        s = "".join(rng.choice(alpha) for _ in range(n))
        low = s.lower()
        if any(w in low for w in ("test", "fake", "todo", "xxxx", "dummy",
                                  "sample")):
            continue
        if any(all(ord(s[i + k + 1]) - ord(s[i + k]) == 1 for k in range(5))
               or all(ord(s[i + k]) - ord(s[i + k + 1]) == 1
                      for k in range(5))
               for i in range(len(s) - 5)):
            continue
        if alpha != B32 and not any(c.isdigit() for c in s):
            continue
        if alpha == B62 and not (any(c.islower() for c in s) and
                                 any(c.isupper() for c in s)):
            continue
        return s


cases = []  # (path, rule or "-", secret or "-")


def put(path, text, rule, secret):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write(text)
    cases.append((path, rule, secret))


G = "secrets/generic-secret-assignment"

# --- languages
s = r(B62, 24)
put("go/typed.go", 'package x\n\nvar apiToken string = "%s"\n' % s, G, s)
s = r(B62, 24)
put("go/short.go", 'package x\n\nfunc f() {\n\tauthToken := "%s"\n\t_ = authToken\n}\n' % s, G, s)
s = r(B62, 24)
put("go/backticks.go", 'package x\n\nconst dbPassword = `%s`\n' % s, G, s)
s = r(B62, 28)
put("py/annotated.py", 'class C:\n    api_key: str = "%s"\n' % s, G, s)
s = r(B62, 28)
put("py/member.py", "def setup(self):\n    self.client_secret = '%s'\n" % s, G, s)
s = r(B62, 24)
put("js/stripe.js", 'const stripe = require("stripe")("sk_live_%s");\n' % s,
    "secrets/stripe-secret-key", "sk_live_" + s)
s = r(B62, 30)
put("ts/svc.ts", 'export class Svc {\n  private readonly clientSecret: string = "%s";\n}\n' % s, G, s)
s = r(B62, 26)
put("java/Prop.java", 'class P {\n  static { System.setProperty("APP_TOKEN", "%s"); }\n}\n' % s, G, s)
s = r(B62, 26)
put("java/Field.java", 'class F {\n  private String dbPassword = "%s";\n}\n' % s, G, s)
s = r(B62, 26)
put("kt/Conf.kt", 'var sessionSecret: String = "%s"\n' % s, G, s)
s = r(B62, 26)
put("php/concat.php", '<?php\n$apiToken .= "%s";\n' % s, G, s)
s = r(B62, 26)
put("php/define.php", "<?php\ndefine('API_SECRET', '%s');\n" % s, G, s)
s = r(B62, 26)
put("php/array.php", "<?php\nreturn ['db_password' => '%s'];\n" % s, G, s)
s = r(HEX, 64)
put("rb/secrets.rb", 'Rails.application.config.secret_key_base = "%s"\n' % s, G, s)
s = r(B62, 32)
put("cs/Keys.cs", 'class K {\n    private const string ApiKey = "%s";\n}\n' % s, G, s)
s = r(B62, 36)
put("sh/deploy.sh", "#!/bin/sh\nexport GITHUB_TOKEN=ghp_%s\n" % s,
    "secrets/github-pat", "ghp_" + s)
s = r(B62, 14)
put("sh/curl.sh", "#!/bin/sh\ncurl -fsS \\\n  -u deploy:%s \\\n  https://ci.internal/api\n" % s,
    "secrets/curl-user-password", s)
# --- build files
s = r(B62, 24)
put("mk/conditional.mk", "API_TOKEN ?= %s\n" % s, G, s)
s = r(B62, 24)
put("mk/shell.mk", 'SERVICE_SECRET ::= "%s"\n' % s, G, s)
s = r(B62, 36)
put("docker/Dockerfile", "FROM alpine\nARG NPM_TOKEN=npm_%s\n" % s,
    "secrets/npm-token", "npm_" + s)
s = r(B62, 24)
put("docker/env.Dockerfile", "FROM alpine\nENV AUTH_TOKEN=%s\n" % s, G, s)
# --- config formats
s = r(B62, 24)
put("cfg/app.yml", "service:\n  api_key: %s\n" % s, G, s)
s = r(B62, 24)
put("cfg/quoted.yaml", "db:\n  password: \"%s\"\n" % s, G, s)
s = r(B62, 32)
put("cfg/client.json", '{\n  "client_secret": "%s"\n}\n' % s, G, s)
s = r(B62, 24)
put("cfg/escaped.json", '{"config.ini": "APP_TOKEN=%s\\nBACKUP=true"}\n' % s, G, s)
s = r(HEX, 32)
put("cfg/escaped-adobe.json", '{"config.ini": "ADOBE_TOKEN=%s\\nBACKUP=true"}\n' % s,
    "secrets/service-credential-assignment", s)
s = r(B62, 24)
put("cfg/app.toml", '[auth]\ntoken = "%s"\n' % s, G, s)
s = r(B62, 24)
put("cfg/db.ini", "[database]\npassword = %s\n" % s, G, s)
s = r(B62, 24)
put("cfg/.env.production", "SECRET_KEY=%s\n" % s, G, s)
s = r(B62, 24)
put("cfg/one.xml", "<config>\n  <apiToken>%s</apiToken>\n</config>\n" % s,
    "secrets/xml-element-secret", s)
s = r(B62, 24)
put("cfg/multi.xml", "<config>\n  <db.password>\n    %s\n  </db.password>\n</config>\n" % s,
    "secrets/xml-element-secret", s)
s = r(B62, 20)
put("cfg/application.properties", "spring.datasource.password=%s\n" % s, G, s)
s = r(B62, 34)
put("tf/main.tf", 'resource "x" "y" {\n  client_secret = "%s"\n}\n' % s, G, s)
s = r(B62, 16)
put("nuget/NuGet.Config",
    '<configuration>\n <packageSourceCredentials>\n  <feed>\n'
    '   <add key="Username" value="ci" />\n'
    '   <add key="ClearTextPassword" value="%s" />\n'
    '  </feed>\n </packageSourceCredentials>\n</configuration>\n' % s,
    "secrets/nuget-config-password", s)
# --- services whose keys have no prefix, and prefixed families
s = r(LOW, 15)
put("svc/dropbox.py", 'dropbox_token = "%s"\n' % s,
    "secrets/service-credential-assignment", s)
s = r(HEX, 32)
put("svc/facebook.js", 'const facebookAppSecret = "%s";\n' % s,
    "secrets/service-credential-assignment", s)
s = r(B62 + "_-", 43)
put("svc/duffel.env", "DUFFEL=duffel_live_%s\n" % s,
    "secrets/duffel-api-token", s)
s = r(HEX, 32)
put("svc/flutterwave.js", 'const k = "FLWSECK_TEST-%s-X";\n' % s,
    "secrets/flutterwave-key", s + "-X")
s = "%s-%s-%s-%s-%s-%s" % (r(UP, 6), r(UP, 6), r(UP, 5), r(UP, 5), r(UP, 5), r(UP, 5))
put("svc/1password.txt", "secret key: A3-%s\n" % s,
    "secrets/onepassword-secret-key", "A3-" + s)
s = r(HEX, 8) + ":" + r(HEX, 8)
put("svc/Gemfile.env", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=%s\n" % s,
    "secrets/sidekiq-enterprise-credentials", s)
# --- minified: one line of thousands of bytes, still scanned for secrets
s = "AIza" + r(B62 + "_-", 35)
filler = ";".join("function f%d(a){return a*%d+%d}" % (i, i, i * 7)
                  for i in range(200))
put("web/app.min.js", filler + ';var cfg={apiKey:"%s",x:1};' % s + filler + "\n",
    "secrets/gcp-api-key", s)
s = r(B62, 28)
put("web/vendor.min.js", filler + ';var auth_token="%s";' % s + filler + "\n", G, s)

# --- decoys: public constants and look-alikes
D = [
    ("decoy/firebase.js", 'const firebaseConfig = {\n  apiKey: "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",\n};\n'),
    ("decoy/firebase2.kt", 'val key = "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM"\n'),
    ("decoy/.yarnrc.yml", "npmAuthToken: 6fe4476ee5a1832882e326b506d14126\n"),
    ("decoy/llm.py", 'LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"\n'),
    ("decoy/names.py", 'SECRET_NAME = "PRODUCTION_DATABASE_SECRET"\nsecret_name = "prod/db/password"\ntoken_type = "Bearer"\n'),
    ("decoy/xxxx.yml", 'api_key: "xxxxxxxxxxxxxxxxxxxxxxxx"\n'),
    ("decoy/your.env", "GITHUB_TOKEN=<your-token>\n"),
    ("decoy/var.env", "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=$API_KEY\n"),
    ("decoy/helm.yaml", 'secret: "{{ .Values.secret }}"\npassword: "{{ required \\"x\\" .Values.password }}"\n'),
    ("decoy/changeme.ini", "password = changeme\n"),
    ("decoy/env.py", 'token = os.environ["SERVICE_TOKEN"]\npassword = os.getenv("DB_PASSWORD")\n'),
    ("decoy/actions.yml", "env:\n  TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n"),
    ("decoy/aws-docs.md", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
    ("decoy/package-lock.json", '{\n  "packages": {\n    "node_modules/x": {\n      "integrity": "sha512-%s=="\n    }\n  }\n}\n' % r(B62, 86)),
    ("decoy/go.sum", "golang.org/x/text v0.3.7 h1:%s=\n" % r(B62, 43)),
    ("decoy/yarn.lock", 'x@^1.0.0:\n  resolved "https://registry.yarnpkg.com/x/-/x-1.0.0.tgz#%s"\n' % r(HEX, 40)),
    ("decoy/hashes.yml", "commit: %s\nsha256: %s\n" % (r(HEX, 40), r(HEX, 64))),
    ("decoy/Project.csproj", "<Project>\n  <UserSecretsId>%s-%s-%s-%s-%s</UserSecretsId>\n</Project>\n" % (r(HEX, 8), r(HEX, 4), r(HEX, 4), r(HEX, 4), r(HEX, 12))),
    ("decoy/ids.ts", 'const secretId = "%s-%s-%s-%s-%s";\n' % (r(HEX, 8), r(HEX, 4), r(HEX, 4), r(HEX, 4), r(HEX, 12))),
    ("decoy/public.js", 'const publicToken = "%s";\n' % r(B62, 40)),
    ("decoy/csrf.html", '<meta name="csrf-token" content="x">\ncsrf_token = "%s"\n' % r(B62, 40)),
    ("decoy/limits.py", "password_min_length = 12\nmax_tokens: 409600000\n"),
    ("decoy/pom.txt", 'notes = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"\n'),
    ("decoy/crypto.py", "secret_length = X25519.secret_length\n"),
    ("decoy/url.properties", "dev.credentials.url=dev-lb1.api.example.com:5215\n"),
    ("decoy/tokenizer.json", '{"tokenizer_path": "models/tokenizer.json"}\n'),
    ("decoy/getter.js", "const apiKey = getApiKeyFromVault();\nconst accessToken = await fetchAccessToken(client);\n"),
    ("decoy/curl.sh", 'curl -u "$USER:$PASSWORD" https://x\ncurl --user neo4j:[PASSWORD] http://db:7474/\n'),
    ("decoy/protection.rb", "GLOBAL_TOKEN_IDENTIFIER = '!real_csrf_token'\n"),
    ("decoy/lobby.py", 'lobby_token_count = "%s"\n' % "-".join(["room"] * 4)),
    ("decoy/hello.c", '#include <stdio.h>\nint main(void) { puts("token count"); return 0; }\n'),
]
for path, text in D:
    put(path, text, "-", "-")

with open(sys.argv[1], "w") as f:
    for path, rule, secret in cases:
        f.write("%s %s %s\n" % (path, rule, secret))
PY
git add -A && git commit -qm corpus

"$TEND_BIN" review --local --no-llm --base main --format json \
	--fail-level none >../out.json 2>../err.json ||
	{ cat ../err.json >&2; fail "review --format json failed"; }
"$TEND_BIN" review --local --no-llm --base main --format text \
	--fail-level none >../out.txt 2>../err.txt ||
	{ cat ../err.txt >&2; fail "review --format text failed"; }

python3 - ../cases.list ../out.json ../out.txt ../err.json ../err.txt <<'PY' ||
import collections, json, sys

cases = [l.split(" ", 2) for l in open(sys.argv[1]).read().splitlines()]
d = json.load(open(sys.argv[2]))
outs = {p: open(p, "rb").read() for p in sys.argv[2:]}
rules = collections.defaultdict(set)
bad = []
for f in d["findings"]:
    if f["rule_id"].startswith("secrets/"):
        rules[f["path"]].add(f["rule_id"])
        # the masked secret is in sight, even deep in a minified line
        if "****" not in f["snippet"]:
            bad.append("no masked secret in the snippet of %s" % f["path"])
pos = [c for c in cases if c[1] != "-"]
dec = [c for c in cases if c[1] == "-"]
for path, rule, secret in pos:
    if rule not in rules[path]:
        bad.append("missed %s: want %s, got %s" % (path, rule, sorted(rules[path])))
    s = secret.encode()
    for part in (s, s[len(s) // 2:]):
        for name, data in outs.items():
            if part in data:
                bad.append("%s shows %s of the secret of %s" % (
                    name, "all" if part == s else "half", path))
for path, _, _ in dec:
    if rules[path]:
        bad.append("decoy %s reported: %s" % (path, sorted(rules[path])))
found = sum(1 for p, r, _ in pos if r in rules[p])
print("corpus: %d of %d secrets found, %d of %d decoys reported" % (
    found, len(pos), sum(1 for p, _, _ in dec if rules[p]), len(dec)))
if bad:
    sys.exit("\n".join(bad))
PY
	fail "corpus expectations"
