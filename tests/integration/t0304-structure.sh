#!/bin/sh
# Structural checks through the binary: built-in tree-sitter rules, a
# syntax error the change introduces, user queries (inline and from a file),
# a bad query, `tend rules`, and disabling the pack.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
printf 'def f(x):\n    return x\n' > app.py
printf 'int f(int a, int b)\n{\n\treturn a + b;\n}\n' > m.c
git add -A && git commit -qm base
git checkout -q -b f
cat > app.py <<'PY'
def f(x, seen=[]):
    try:
        return x
    except:
        pass
PY
printf 'int f(int a, int b)\n{\n\tif (a = b)\n\t\treturn 1;\n\treturn a + b;\n}\n' > m.c
printf 'def broken(:\n    pass\n' > bad.py
git add -A && git commit -qm change

expect_rc 1 "$TEND_BIN" review --local --format json
printf '%s' "$out" > ../s.json
python3 - ../s.json <<'PY' || fail "structural findings"
import json, sys
d = json.load(open(sys.argv[1]))
got = {(f["path"], f["rule_id"], f["line"]) for f in d["findings"] if f["source"] == "structure"}
want = {
    ("app.py", "structure/py-mutable-default", 1),
    ("app.py", "structure/py-bare-except", 4),
    ("m.c", "structure/c-assign-in-if", 3),
}
assert want <= got, (want - got, got)
assert any(p == "bad.py" and r == "structure/syntax-error" for p, r, _ in got), got
PY

# SARIF describes the structural rules it reports.
expect_rc 1 "$TEND_BIN" review --local --format sarif
printf '%s' "$out" > ../s.sarif
python3 -c '
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
ids = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
assert "structure/py-bare-except" in ids, sorted(ids)
assert ids["structure/py-bare-except"]["fullDescription"]["text"]
' ../s.sarif || fail "sarif rule metadata"

# User queries, inline and from a file inside the repository.
mkdir -p checks
printf '(call function: (identifier) @fn (#eq? @fn "print")) @call\n' > checks/print.scm
cat > .tend.yml <<'YML'
checks:
  queries:
    - id: no-return-sum
      language: c
      query: '(return_statement (binary_expression operator: "+")) @r'
      message: "return of a sum"
    - id: no-print
      language: python
      query_file: checks/print.scm
      capture: call
      severity: error
      message: "print() in library code"
YML
printf 'print("hi")\n' >> app.py
expect_rc 1 "$TEND_BIN" review --local --format json --base main
printf '%s' "$out" > ../q.json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ids = {(f["rule_id"], f["path"]) for f in d["findings"]}
assert ("no-return-sum", "m.c") in ids, ids
' ../q.json || fail "inline user query"

# query_file is read from the work tree; app.py is uncommitted here, so
# commit it and check the file-based query too.
git add -A && git commit -qm "user queries"
expect_rc 1 "$TEND_BIN" review --local --format json --base main
printf '%s' "$out" > ../q2.json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
hits = [f for f in d["findings"] if f["rule_id"] == "no-print"]
assert hits and hits[0]["path"] == "app.py" and hits[0]["severity"] == "error", hits
' ../q2.json || fail "query_file"

# tend rules lists them with everything else.
expect_rc 0 "$TEND_BIN" rules --format json
printf '%s' "$out" > ../rules.json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rules = d["rules"] if isinstance(d, dict) else d
ids = {r["id"] for r in rules}
for want in ("no-print", "no-return-sum", "structure/py-bare-except", "hygiene/merge-conflict-marker", "secrets/github-pat"):
    assert want in ids, want
' ../rules.json || fail "tend rules"

# A query that does not compile: the id, the kind and the offset; exit 2.
printf 'checks:\n  queries:\n    - id: broken-q\n      language: python\n      query: "(call nme: (identifier))"\n' > .tend.yml
expect_rc 2 "$TEND_BIN" review --local --base main
contains "$err" ".tend.yml:3"
contains "$err" "broken-q"
contains "$err" "offset"

# query_file may not leave the repository.
printf 'checks:\n  queries:\n    - id: q\n      language: c\n      query_file: ../../etc/passwd\n' > .tend.yml
expect_rc 2 "$TEND_BIN" review --local --base main
contains "$err" "inside the repository"

# The whole pack can be turned off.
printf 'checks:\n  disable: [structure]\n' > .tend.yml
expect_rc 0 "$TEND_BIN" review --local --base main --format json
printf '%s' "$out" > ../off.json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert not [f for f in d["findings"] if f["source"] == "structure"], d["findings"]
' ../off.json || fail "disable structure"

# The parse budget: spent, the remaining files go unchecked and the report
# says how many; nothing is silently dropped.
printf '' > .tend.yml
TEND_CHECKS_STRUCTURE_MAX_MB=0 "$TEND_BIN" review --local --base main > budget.txt
contains "$(cat budget.txt)" "structural checks skipped for 3 files"
not_contains "$(cat budget.txt)" "structure/"
TEND_CHECKS_STRUCTURE_MAX_MB=0 "$TEND_BIN" review --local --base main --format json > budget.json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["summary"]["structure_skipped"] == 3' budget.json ||
	fail "structure_skipped in json"

# A linter cannot change the work tree it reads.
cat > .tend.yml <<'YML'
checks:
  linters:
    - name: scribbler
      run: "echo x > scribbled.txt; echo 'app.py:1:1: warning: looked'"
      format: gcc
YML
"$TEND_BIN" review --local --base main --format json > ../lint.json 2>../lint.err
[ ! -e scribbled.txt ] || fail "a linter wrote into the work tree"
