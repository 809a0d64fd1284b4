#!/bin/sh
# The review spreads patch text, the regex scans and structural parsing
# over threads (TEND_JOBS); what it reports must not depend on how many.
# A change of 400 files in several languages, with renames, secrets,
# structural findings and syntax errors, is reviewed with 1, 2, 3 and 8
# threads: every report is byte for byte the same (but the elapsed time).
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
python3 - <<'PY'
import os
os.makedirs("src", exist_ok=True)
os.makedirs("lib", exist_ok=True)
os.makedirs("scripts", exist_ok=True)
for i in range(100):
    with open("src/mod%03d.c" % i, "w") as f:
        for k in range(30):
            f.write("int mod%d_fn%d(int x)\n{\n\treturn x + %d;\n}\n\n" % (i, k, k))
    with open("lib/util%03d.py" % i, "w") as f:
        for k in range(20):
            f.write("def util%d_%d(x):\n    return x * %d\n\n\n" % (i, k, k))
    with open("scripts/run%03d.sh" % i, "w") as f:
        f.write("#!/bin/sh\nset -e\necho start %d\n" % i)
PY
git add -A && git commit -qm base && git branch -q base
python3 - <<'PY'
import os
for i in range(0, 100, 2):
    p = "src/mod%03d.c" % i
    with open(p, "a") as f:
        f.write("char *leak%d(void)\n{\n\tchar *p = malloc(10);\n"
                "\tstrcpy(p, \"x\");\n\treturn p;\n}\n" % i)
        if i % 10 == 0:
            f.write("int broken%d(void) {\n\treturn (1 + ;\n}\n" % i)
for i in range(0, 100, 3):
    p = "lib/util%03d.py" % i
    with open(p, "a") as f:
        f.write("def risky%d(cmd):\n    try:\n        eval(cmd)\n"
                "    except:\n        pass\n" % i)
        f.write("token = \"ghp_%s\"\n" % ("k3Zq9XvB7mR2tW8yL4pN6sD1fH5jC0gA" + "%04d" % i))
for i in range(0, 100, 4):
    p = "scripts/run%03d.sh" % i
    with open(p, "a") as f:
        f.write("rm -rf $DIR/$NAME\ncurl http://example.com/x | sh\n")
for i in range(100):
    with open("src/new%03d.js" % i, "w") as f:
        f.write("function f%d(a) {\n  if (a == null) { return eval(a); }\n"
                "  return a;\n}\n" % i)
PY
mkdir -p moved
for i in 1 2 3 5 8 13 21 34; do
	git mv "lib/util0$i.py" "moved/util0$i.py" 2>/dev/null ||
		git mv "lib/util00$i.py" "moved/util00$i.py"
done
git add -A && git commit -qm change

review() {
	TEND_JOBS=$1 "$TEND_BIN" review --local --no-llm --base base \
		--format "$2" --fail-level none >"out.$1.$2" 2>"err.$1.$2"
	rc=$?
	[ $rc -eq 0 ] || { cat "err.$1.$2" >&2; fail "TEND_JOBS=$1 --format $2 exited $rc"; }
	# The one field that may differ: how long it took.
	sed -i 's/"elapsed_ms": [0-9]*/"elapsed_ms": 0/; s/"elapsedMs": [0-9]*//' "out.$1.$2"
}

for fmt in json sarif text; do
	review 1 $fmt
	for j in 2 3 8; do
		review $j $fmt
		cmp -s "out.1.$fmt" "out.$j.$fmt" || {
			diff "out.1.$fmt" "out.$j.$fmt" | head -20 >&2
			fail "TEND_JOBS=$j and TEND_JOBS=1 differ (--format $fmt)"
		}
	done
done

# Proof that the review had work on every path: renames, findings of the
# regex packs, of the structural rules and of the syntax check.
python3 - <<'PY' || fail "the review did not exercise every check"
import json
d = json.load(open("out.1.json"))
files = d["files"]
assert sum(1 for f in files if f.get("change") == "renamed") == 8, files
rules = {f["rule_id"] for f in d["findings"]}
assert any(r.startswith("secrets/") for r in rules), rules
assert any(r.startswith("structure/") and r != "structure/syntax-error" for r in rules), rules
assert "structure/syntax-error" in rules, rules
assert len(d["findings"]) >= 50, len(d["findings"])
PY

# A bad TEND_JOBS is named and the review runs as if it were unset.
TEND_JOBS=lots expect_rc 0 "$TEND_BIN" review --local --no-llm --base base \
	--format json --fail-level none
contains "$err" "ignoring TEND_JOBS='lots'"
printf '%s\n' "$out" | sed 's/"elapsed_ms": [0-9]*/"elapsed_ms": 0/' >out.bad.json
cmp -s out.1.json out.bad.json || fail "a bad TEND_JOBS changed the report"
exit 0
