#!/bin/sh
# --format json and sarif are well-formed and agree with the text report;
# --output writes the file atomically.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
git checkout -q -b f
printf 'x\n>>>>>>> theirs\n' > a.txt
printf 'import pdb; pdb.set_trace()\n' > b.py
printf 'weird\001name\n' > 'sp ace.txt'
git add -A && git commit -qm f

expect_rc 1 "$TEND_BIN" review --local --format sarif --output ../out.sarif
[ -z "$out" ] || fail "--output should leave stdout empty"
python3 - ../out.sarif <<'PY' || fail "sarif shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0"
run = d["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = [r["id"] for r in rules]
assert len(ids) == len(set(ids))
for res in run["results"]:
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert res["level"] in ("error", "warning", "note")
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] in ("a.txt", "b.py")
    assert loc["region"]["startLine"] >= 1
    assert res["partialFingerprints"]["tend/v1"]
assert len(run["results"]) >= 2
PY
ls ../ | grep -q 'out.sarif.tmp' && fail "temp file left behind"

expect_rc 1 "$TEND_BIN" review --local --format json
printf '%s' "$out" > ../out.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(f["path"]=="sp ace.txt" for f in d["files"])' ../out.json ||
	fail "json paths"

# Text on a pipe has no color codes; untrusted bytes are escaped.
expect_rc 1 "$TEND_BIN" review --local
not_contains "$out" "$(printf '\033')"
