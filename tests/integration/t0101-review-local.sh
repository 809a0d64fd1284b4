#!/bin/sh
# tend review --local on a branch: findings, exit codes, every file listed.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
git checkout -q -b feature
printf 'a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> other\n' > conflict.txt
printf 'function f() {\n  debugger;\n}\n' > app.js
git add -A && git commit -qm feature

# Errors in the change: exit 1 at the default fail level.
expect_rc 1 "$TEND_BIN" review --local
contains "$out" "conflict.txt:2:1: error:"
contains "$out" "app.js:2:"
contains "$out" "reviewed 2 of 2 changed files"

# --fail-level decides the exit code.
expect_rc 0 "$TEND_BIN" review --local --fail-level none
expect_rc 1 "$TEND_BIN" review --local --fail-level warning

# Outside CI, `tend review` with no flag is a local review.
expect_rc 1 "$TEND_BIN" review

# The same from another directory with -C, and as JSON.
cd ..
expect_rc 1 "$TEND_BIN" review --local -C r --format json
printf '%s' "$out" > out.json
python3 - out.json <<'PY' || fail "json output"
import json, sys
d = json.load(open(sys.argv[1]))
paths = sorted(f["path"] for f in d["files"])
assert paths == ["app.js", "conflict.txt"], paths
assert all(f["status"] == "reviewed" for f in d["files"]), d["files"]
rules = sorted({f["rule_id"] for f in d["findings"]})
assert any("conflict" in r for r in rules), rules
assert d["summary"]["errors"] >= 1
for f in d["findings"]:
    assert len(f["fingerprint"]) >= 16
PY

# Nothing to review on the base branch itself.
cd r && git checkout -q main
expect_rc 0 "$TEND_BIN" review --local
contains "$out" "reviewed 0 of 0 changed files"
contains "$out" "no findings"
