#!/bin/sh
# Findings that do not come from the rule scan are masked too; checks of
# skipped files do not count; a file too large to read whole is still
# checked where it changed; query_file cannot leave the repository.
. "$TEND_TESTS/integration/lib.sh"

# Made up at run time so this script holds no token.
tok="ghp_$(printf 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7C')"
new_repo r
cd r
git checkout -q -b f
printf 'def f(x, tok="%s", y=[]):\n    return x\n' "$tok" > a.py
printf 'x = 1\ntoken = %s (\n' "$tok" > c.py
mkdir -p vendor && printf 'int v;\n' > vendor/x.c
cat > .tend.yml <<YML
review:
  ignore: ["vendor/**"]
checks:
  linters:
    - name: echoer
      run: "echo 'a.py:1:1: warning: saw $tok here'; echo 'vendor/x.c:1:1: error: bad thing'"
      format: gcc
YML
git add -A && git commit -qm f
for fmt in text json sarif markdown codequality rdjson github; do
	TEND_SANDBOX_MODE=none "$TEND_BIN" review --local --format $fmt \
		> out.$fmt 2>err.$fmt
	grep -q "$tok" out.$fmt err.$fmt && fail "the whole token in --format $fmt"
done
grep -q "structure/py-mutable-default" out.json || fail "structural finding missing"
# The linter's finding on the ignored file is dropped; its finding on a.py
# stays, masked.
python3 - out.json <<'PY' || fail "linter findings"
import json, sys
d = json.load(open(sys.argv[1]))
lint = [f for f in d["findings"] if f["source"] == "linter:echoer"]
assert not [f for f in lint if f["path"] == "vendor/x.c"], lint
saw = [f for f in lint if f["path"] == "a.py"]
assert saw and "ghp_" in saw[0]["message"] and "****" in saw[0]["message"], saw
PY

# --filter file with a file larger than max_file_bytes: the hunks are
# still checked.
git checkout -q main && git checkout -q -b big
python3 -c 'print("\n".join("x%d = %d" % (i, i) for i in range(400)))' > big.py
git add big.py && git commit -qm big
printf 'import pdb; pdb.set_trace()\n' >> big.py
printf 'review:\n  max_file_bytes: 1000000\n' > .tend.yml
git add -A && git commit -qm dbg
printf 'review:\n  max_file_bytes: 2000\n' > .tend.yml
git commit -qam cap
"$TEND_BIN" review --local --base HEAD~2 --filter file --format json > big.json
grep -q "python-debugger" big.json || fail "--filter file lost the change in a large file"

# query_file through a link to a directory outside the repository.
mkdir -p "$TMPDIR/outside" && printf '(identifier) @i\n' > "$TMPDIR/outside/q.scm"
ln -s "$TMPDIR/outside" qdir
printf 'checks:\n  queries:\n    - id: q\n      language: python\n      query_file: qdir/q.scm\n' > .tend.yml
expect_rc 2 "$TEND_BIN" review --local --base HEAD~1
contains "$err" "inside the repository"
