#!/bin/sh
# checks.linters: fake linters of each output format run in the sandbox;
# their findings are anchored to the diff like any other finding (kept on
# changed lines and hunk context, dropped elsewhere, absolute paths made
# relative); a linter that crashes, hangs past its timeout, prints garbage
# or fails quietly becomes one tool error and the review goes on. No
# linter sees tend's tokens.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
mkdir -p src
i=1
while [ $i -le 20 ]; do echo "base line $i"; i=$((i + 1)); done >src/old.c
git add -A && git commit -qm base
git checkout -q -b f
sed -i 's/^base line 10$/changed line 10/' src/old.c
printf 'int main(void) { return 0; }\n' >'src/ünï.c'
git add -A && git commit -qm change
# The linters are untracked scripts in the work tree: not part of the
# change, but visible to the sandbox, which sees the work tree only.
mkdir lint
cat >lint/gcc.sh <<'SH'
echo "src/old.c:10:3: warning: on the changed line [W10]"
echo "$PWD/src/old.c:8:1: error: in the hunk context, absolute path [E8]"
echo "src/old.c:1:1: warning: far from the change [W1]"
echo "README:1:1: error: a file outside the change [E99]"
echo "progress: 100%"
echo "src/old.c:12:1: note: printed on stderr [N12]" >&2
if env | grep -q canary; then echo "src/old.c:10:1: error: LEAKED [LEAK]"; fi
exit 1
SH
cat >lint/sarif.sh <<'SH'
printf '%s\n' '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"s",' \
  '"rules":[{"id":"S1","defaultConfiguration":{"level":"error"}}]}},' \
  '"results":[{"ruleIndex":0,"message":{"text":"sarif says so"},' \
  '"locations":[{"physicalLocation":{"artifactLocation":{"uri":' \
  "\"file://$PWD/src/%C3%BCn%C3%AF.c\"},\"region\":{\"startLine\":1," \
  '"startColumn":5}}}]}]}]}'
SH
cat >lint/rd.sh <<'SH'
printf '%s\n' 'not a diagnostic' \
  '{"message":"rdjsonl says so","location":{"path":"src/old.c","range":{"start":{"line":11,"column":2}}},"severity":"INFO","code":{"value":"R11"}}'
SH
cat >lint/cs.sh <<'SH'
cat <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<checkstyle version="8.0">
  <file name="src/old.c">
    <error line="9" column="1" severity="warning" message="checkstyle &amp; friends" source="cs.Rule"/>
  </file>
</checkstyle>
XML
SH
cat >.tend.yml <<'YML'
checks:
  linters:
    - { name: gcc, run: "sh lint/gcc.sh", format: gcc }
    - { name: sarif, run: "sh lint/sarif.sh", format: sarif }
    - { name: rd, run: "sh lint/rd.sh", format: rdjson }
    - { name: cs, run: "sh lint/cs.sh", format: checkstyle }
    - { name: crash, run: "echo 'src/old.c:10:1: error: half way [C1]'; kill -SEGV $$", format: gcc }
    - { name: hang, run: "sleep 30", format: gcc, timeout: 1 }
    - { name: garbage, run: "echo 'Traceback (most recent call last):'", format: sarif }
    - { name: quiet, run: "echo 'config file missing' >&2; exit 2", format: rdjson }
YML

GITHUB_TOKEN=canary-token-1 OPENAI_API_KEY=canary-key-2 \
	expect_rc 1 "$TEND_BIN" review --local --no-llm --format json
printf '%s' "$out" >../out.json
not_contains "$out" "LEAK"
python3 - ../out.json <<'PY' || fail "json report"
import json, sys
d = json.load(open(sys.argv[1]))
got = {(f["rule_id"], f["path"], f["line"]) for f in d["findings"]
       if f["source"].startswith("linter:")}
want = {("gcc/W10", "src/old.c", 10), ("gcc/E8", "src/old.c", 8),
        ("gcc/N12", "src/old.c", 12), ("sarif/S1", "src/ünï.c", 1),
        ("rd/R11", "src/old.c", 11), ("cs/cs.Rule", "src/old.c", 9),
        ("crash/C1", "src/old.c", 10)}
assert got == want, (sorted(got), sorted(want))
sev = {f["rule_id"]: f["severity"] for f in d["findings"]}
assert sev["sarif/S1"] == "error" and sev["rd/R11"] == "note", sev
assert sev["cs/cs.Rule"] == "warning" and sev["gcc/E8"] == "error", sev
assert d["summary"]["filtered_out"] >= 2   # W1 and E99
errs = {e["tool"]: e["message"] for e in d["tool_errors"]}
assert sorted(errs) == ["crash", "garbage", "hang", "quiet"], errs
assert "crashed" in errs["crash"] and "kept" in errs["crash"], errs
assert "timed out after 1 s" in errs["hang"], errs
assert "not sarif" in errs["garbage"] and "Traceback" in errs["garbage"]
assert "exited with status 2 and reported nothing: config file missing" \
    in errs["quiet"], errs
assert d["summary"]["tool_errors"] == 4
PY

# The text report lists the tool errors; --filter added drops the finding
# on a context line; SARIF carries them as notifications.
expect_rc 1 "$TEND_BIN" review --local --filter added
contains "$out" "tool errors (the review went on without them):"
contains "$out" "  hang: timed out after 1 s"
contains "$out" "  quiet: exited with status 2"
contains "$out" "[gcc/W10]"
not_contains "$out" "[gcc/E8]"
not_contains "$out" "[gcc/W1]"
contains "$err" "linter 'crash' crashed"

# With sandbox.mode none the same linters run without the isolation, with
# the same minimal environment.
GITHUB_TOKEN=canary-token-1 TEND_SANDBOX_MODE=none expect_rc 1 \
	"$TEND_BIN" review --local --format github
contains "$out" "::warning file=src/old.c,line=10,col=3,title=gcc/W10::on the changed line"
contains "$out" "::error title=tend%3A hang failed::"
not_contains "$out" "LEAK"

# tend rules lists the linters with their commands.
expect_rc 0 "$TEND_BIN" rules
contains "$out" "garbage (sarif, timeout 300 s)"
contains "$out" "run        sleep 30"
