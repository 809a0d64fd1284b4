#!/bin/sh
# tend test: each runner's output, passing and failing, in text and json.
# Real runners where this machine has them (make + cc, node, ctest, TAP from
# sh); recorded transcripts for the others (pytest, go, cargo, jest).
. "$TEND_TESTS/integration/lib.sh"

# jget FILE EXPR: evaluate a Python expression over the JSON in FILE (as d).
jget() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

new_repo r
cd r

# run_tend WANT_RC CMD: tend test with sandbox.test=CMD, json into out.json.
run_tend() {
	want=$1
	shift
	TEND_SANDBOX_TEST="$*" "$TEND_BIN" test --format json >out.json 2>err.txt
	got=$?
	if [ "$got" != "$want" ]; then
		cat out.json err.txt >&2
		fail "tend test with '$*' exited $got, want $want"
	fi
}

# --- TAP from a shell script ------------------------------------------------
cat >tap.sh <<'EOF'
echo "TAP version 13"
echo "1..3"
echo "ok 1 - adds"
echo "not ok 2 - divides"
echo "  ---"
echo "  message: 'division by zero'"
echo "  at: Object.<anonymous> (/src/math.js:12:5)"
echo "  ..."
echo "not ok 3 - later # TODO"
exit ${FAIL:-1}
EOF
run_tend 1 sh tap.sh
[ "$(jget out.json 'd["status"]')" = failed ] || fail "tap status"
[ "$(jget out.json 'd["format"]')" = tap ] || fail "tap format"
[ "$(jget out.json 'len(d["failures"])')" = 1 ] || fail "tap failures"
[ "$(jget out.json 'd["failures"][0]["name"]')" = divides ] || fail "tap name"
[ "$(jget out.json 'd["failures"][0]["file"]')" = /src/math.js ] || fail "tap file"
[ "$(jget out.json 'd["failures"][0]["line"]')" = 12 ] || fail "tap line"
[ "$(jget out.json 'd["sandbox"]')" = bwrap ] || fail "not sandboxed"
run_tend 0 FAIL=0 sh tap.sh
[ "$(jget out.json 'd["status"]')" = passed ] || fail "tap pass status"
[ "$(jget out.json 'd["passed"]')" = True ] || fail "tap passed flag"

# Text output of the same failure.
TEND_SANDBOX_TEST="sh tap.sh" expect_rc 1 "$TEND_BIN" test
contains "$out" "tests FAILED"
contains "$out" "FAIL divides (/src/math.js:12): division by zero"
contains "$out" "    | not ok 2 - divides"

# --- make with a compiler error ----------------------------------------------
cat >bad.c <<'EOF'
int main(void) { return undeclared_thing; }
EOF
printf 'test:\n\tcc -c -o bad.o bad.c\n' >Makefile
run_tend 1 make test
[ "$(jget out.json 'd["format"]')" = compiler ] || fail "cc format"
[ "$(jget out.json 'd["failures"][0]["file"]')" = bad.c ] || fail "cc file"
[ "$(jget out.json 'd["failures"][0]["line"]')" = 1 ] || fail "cc line"
contains "$(jget out.json 'd["failures"][0]["message"]')" "undeclared_thing"
printf 'int main(void) { return 0; }\n' >bad.c
run_tend 0 make test
rm -f bad.c bad.o Makefile

# --- the recorded transcripts ------------------------------------------------
mkdir -p fake
cat >fake/pytest.sh <<'EOF'
cat <<'OUT'
============================= test session starts ==============================
collected 2 items

tests/test_calc.py F.                                                    [100%]

=================================== FAILURES ===================================
__________________________________ test_div ___________________________________

    def test_div():
>       assert div(4, 2) == 3
E       assert 2.0 == 3

tests/test_calc.py:7: AssertionError
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_div - assert 2.0 == 3
========================= 1 failed, 1 passed in 0.02s ==========================
OUT
exit 1
EOF
cat >fake/go.sh <<'EOF'
printf -- '--- FAIL: TestAdd (0.00s)\n    calc_test.go:14: Add(2, 2) = 5, want 4\nFAIL\nFAIL\texample.com/calc\t0.002s\n'
exit 1
EOF
cat >fake/cargo.sh <<'EOF'
cat <<'OUT'
running 2 tests
test tests::adds ... ok
test tests::subs ... FAILED

failures:

---- tests::subs stdout ----
thread 'tests::subs' panicked at src/lib.rs:12:9:
assertion `left == right` failed

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
OUT
exit 101
EOF
cat >fake/jest.sh <<'EOF'
cat <<'OUT'
FAIL src/sum.test.js
  ● math › adds numbers

    expect(received).toBe(expected) // Object.is equality

      at Object.toBe (src/sum.test.js:4:21)

Tests:       1 failed, 3 passed, 4 total
OUT
exit 1
EOF

run_tend 1 sh fake/pytest.sh
[ "$(jget out.json 'd["failures"][0]["name"]')" = "tests/test_calc.py::test_div" ] || fail "pytest name"
[ "$(jget out.json 'd["failures"][0]["line"]')" = 7 ] || fail "pytest line"
[ "$(jget out.json 'd["counts"]["passed"]')" = 1 ] || fail "pytest counts"
run_tend 1 sh fake/go.sh
[ "$(jget out.json 'd["failures"][0]["file"]')" = calc_test.go ] || fail "go file"
[ "$(jget out.json 'd["failures"][0]["line"]')" = 14 ] || fail "go line"
run_tend 1 sh fake/cargo.sh
[ "$(jget out.json 'd["failures"][0]["name"]')" = "tests::subs" ] || fail "cargo name"
[ "$(jget out.json 'd["failures"][0]["file"]')" = src/lib.rs ] || fail "cargo file"
[ "$(jget out.json 'd["test"]["exit_code"]')" = 101 ] || fail "cargo exit code"
run_tend 1 sh fake/jest.sh
[ "$(jget out.json 'd["failures"][0]["file"]')" = src/sum.test.js ] || fail "jest file"
[ "$(jget out.json 'd["failures"][0]["line"]')" = 4 ] || fail "jest line"
[ "$(jget out.json 'd["counts"]["failed"]')" = 1 ] || fail "jest counts"

# --- node's own test runner, both reporters -----------------------------------
if command -v node >/dev/null 2>&1; then
	mkdir -p test
	cat >test/a.test.js <<'EOF'
const test = require('node:test');
const assert = require('node:assert');
test('passes', () => { assert.strictEqual(1, 1); });
test('fails', () => { assert.strictEqual(1, 2); });
EOF
	run_tend 1 node --test --test-reporter=tap test/
	[ "$(jget out.json 'd["format"]')" = tap ] || fail "node tap format"
	[ "$(jget out.json '[f["name"] for f in d["failures"]]')" = "['fails']" ] || fail "node tap name"
	contains "$(jget out.json 'd["failures"][0]["file"]')" "a.test.js"
	run_tend 1 node --test --test-reporter=spec test/
	[ "$(jget out.json '[f["name"] for f in d["failures"]]')" = "['fails']" ] || fail "node spec name"
	sed -i 's/strictEqual(1, 2)/strictEqual(2, 2)/' test/a.test.js
	run_tend 0 node --test test/
	rm -rf test
fi

# --- ctest, built in the sandbox ----------------------------------------------
if command -v cmake >/dev/null 2>&1 && command -v ctest >/dev/null 2>&1; then
	cat >CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.10)
project(t NONE)
enable_testing()
add_test(NAME good COMMAND true)
add_test(NAME bad COMMAND false)
EOF
	run_tend 1 "cmake -S . -B build >/dev/null && ctest --test-dir build"
	[ "$(jget out.json 'd["format"]')" = ctest ] || fail "ctest format"
	[ "$(jget out.json '[f["name"] for f in d["failures"]]')" = "['bad']" ] || fail "ctest names"
	[ "$(jget out.json 'd["counts"]["passed"]')" = 1 ] || fail "ctest counts"
	rm -rf build CMakeLists.txt
fi

# --- an unrecognised failure shows the end of the output ----------------------
TEND_SANDBOX_TEST='echo something odd; echo last words; exit 3' \
	expect_rc 1 "$TEND_BIN" test
contains "$out" "no failing test could be identified"
contains "$out" "last words"
contains "$out" "exit 3"

# --- --output writes the report to a file -------------------------------------
TEND_SANDBOX_TEST='true' expect_rc 0 "$TEND_BIN" test --format json --output report.json
[ "$(jget report.json 'd["status"]')" = passed ] || fail "report file"
expect_rc 2 "$TEND_BIN" test --format sarif
contains "$err" "text or json"
