/*
 * test_testreport.c - failures picked out of each runner's output.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/testreport.h"
#include "common/xalloc.h"
#include "test.h"

static void parse(struct testreport *r, const char *text)
{
	testreport_init(r);
	testreport_parse(r, text, strlen(text));
}

static const struct testreport_failure *find(const struct testreport *r,
					     const char *name)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (r->failures[i].name && !strcmp(r->failures[i].name, name))
			return &r->failures[i];
	return NULL;
}

void test_testreport__tap(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "TAP version 13\n"
	      "1..5\n"
	      "ok 1 - adds\n"
	      "not ok 2 - subtracts # TODO not yet\n"
	      "not ok 3 - multiplies\n"
	      "  ---\n"
	      "  message: 'expected 6, got 5'\n"
	      "  at: Test.<anonymous> (/w/test/math.js:12:5)\n"
	      "  ...\n"
	      "not ok 4 - divides # SKIP no fpu\n"
	      "not ok 5 - rounds\n"
	      "# pass 1\n"
	      "# fail 2\n");
	CHECK_STR(r.format, "tap");
	CHECK_INT(r.nr, 2);
	f = find(&r, "multiplies");
	REQUIRE(f);
	CHECK_STR(f->file, "/w/test/math.js");
	CHECK_INT(f->line, 12);
	CHECK_STR(f->message, "expected 6, got 5");
	CHECK(f->excerpt && !strncmp(f->excerpt, "not ok 3 - multiplies", 21));
	/* The excerpt stops at the next test. */
	CHECK(f->excerpt && !strstr(f->excerpt, "divides"));
	CHECK(find(&r, "rounds") != NULL);
	CHECK(find(&r, "subtracts") == NULL);
	CHECK_INT(r.passed, 1);
	CHECK_INT(r.failed, 2);
	testreport_release(&r);
}

void test_testreport__tap_node_yaml(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "TAP version 13\n"
	      "# Subtest: sums\n"
	      "not ok 1 - sums\n"
	      "  ---\n"
	      "  duration_ms: 0.7\n"
	      "  location: '/w/a.test.js:3:1'\n"
	      "  failureType: 'testCodeFailure'\n"
	      "  error: |-\n"
	      "    Expected values to be strictly equal:\n"
	      "  code: 'ERR_ASSERTION'\n"
	      "  ...\n"
	      "1..1\n"
	      "# tests 1\n# pass 0\n# fail 1\n");
	f = find(&r, "sums");
	REQUIRE(f);
	CHECK_STR(f->file, "/w/a.test.js");
	CHECK_INT(f->line, 3);
	CHECK_STR(f->message, "Expected values to be strictly equal:");
	CHECK_INT(r.failed, 1);
	CHECK_INT(r.passed, 0);
	testreport_release(&r);
}

void test_testreport__pytest(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "============================= test session starts "
	      "==============================\n"
	      "collected 3 items\n\n"
	      "tests/test_calc.py .F.                                      "
	      "             [100%]\n\n"
	      "=================================== FAILURES "
	      "===================================\n"
	      "_______________________________ TestCalc.test_div "
	      "_______________________________\n\n"
	      "self = <tests.test_calc.TestCalc object at 0x7f>\n\n"
	      "    def test_div(self):\n"
	      ">       assert div(4, 2) == 3\n"
	      "E       assert 2.0 == 3\n"
	      "E        +  where 2.0 = div(4, 2)\n\n"
	      "tests/test_calc.py:9: AssertionError\n"
	      "=========================== short test summary info "
	      "============================\n"
	      "FAILED tests/test_calc.py::TestCalc::test_div - "
	      "assert 2.0 == 3\n"
	      "========================= 1 failed, 2 passed in 0.03s "
	      "==========================\n");
	CHECK_STR(r.format, "pytest");
	CHECK_INT(r.nr, 1);
	f = find(&r, "tests/test_calc.py::TestCalc::test_div");
	REQUIRE(f);
	CHECK_STR(f->file, "tests/test_calc.py");
	CHECK_INT(f->line, 9);
	CHECK_STR(f->message, "assert 2.0 == 3");
	/* The excerpt is the failure's section, not the summary line. */
	CHECK(f->excerpt && strstr(f->excerpt, "def test_div") != NULL);
	CHECK_INT(r.failed, 1);
	CHECK_INT(r.passed, 2);
	testreport_release(&r);
}

void test_testreport__pytest_summary_only(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "FAILED test_a.py::test_one - ZeroDivisionError: division by "
	      "zero\n"
	      "ERROR test_b.py::test_two - fixture 'db' not found\n"
	      "==== 1 failed, 3 passed, 1 skipped, 1 error in 1.20s ====\n");
	f = find(&r, "test_a.py::test_one");
	REQUIRE(f);
	CHECK_STR(f->file, "test_a.py");
	CHECK_STR(f->message, "ZeroDivisionError: division by zero");
	CHECK(find(&r, "test_b.py::test_two") != NULL);
	CHECK_INT(r.failed, 2);
	CHECK_INT(r.passed, 3);
	CHECK_INT(r.skipped, 1);
	testreport_release(&r);
}

void test_testreport__go(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "--- FAIL: TestAdd (0.00s)\n"
	      "    calc_test.go:14: Add(2, 2) = 5, want 4\n"
	      "--- PASS: TestSub (0.00s)\n"
	      "FAIL\n"
	      "FAIL\texample.com/calc\t0.002s\n"
	      "ok  \texample.com/other\t0.001s\n");
	CHECK_STR(r.format, "go");
	f = find(&r, "TestAdd");
	REQUIRE(f);
	CHECK_STR(f->file, "calc_test.go");
	CHECK_INT(f->line, 14);
	CHECK_STR(f->message, "Add(2, 2) = 5, want 4");
	CHECK_INT(r.passed, 1);
	CHECK_INT(r.failed, 1);
	testreport_release(&r);

	/* go test -v: the log line comes before the verdict. */
	parse(&r,
	      "=== RUN   TestMul\n"
	      "    calc_test.go:20: got 5\n"
	      "--- FAIL: TestMul (0.00s)\n"
	      "=== RUN   TestNested\n"
	      "=== RUN   TestNested/sub\n"
	      "    calc_test.go:31: boom\n"
	      "--- FAIL: TestNested (0.00s)\n"
	      "    --- FAIL: TestNested/sub (0.00s)\n");
	f = find(&r, "TestMul");
	REQUIRE(f);
	CHECK_STR(f->file, "calc_test.go");
	CHECK_INT(f->line, 20);
	f = find(&r, "TestNested");
	REQUIRE(f);
	CHECK_INT(f->line, 31);
	CHECK(find(&r, "TestNested/sub") != NULL);
	testreport_release(&r);
}

void test_testreport__cargo(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "running 2 tests\n"
	      "test tests::adds ... ok\n"
	      "test tests::subs ... FAILED\n\n"
	      "failures:\n\n"
	      "---- tests::subs stdout ----\n"
	      "thread 'tests::subs' panicked at src/lib.rs:12:9:\n"
	      "assertion `left == right` failed\n"
	      "  left: 1\n right: 2\n\n"
	      "failures:\n    tests::subs\n\n"
	      "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; "
	      "0 filtered out; finished in 0.00s\n\n"
	      "running 1 test\n"
	      "test it_works ... FAILED\n"
	      "---- it_works stdout ----\n"
	      "thread 'it_works' panicked at 'boom', tests/it.rs:3:5\n"
	      "test result: FAILED. 0 passed; 1 failed; 2 ignored; 0 measured\n"
	      "error: test failed, to rerun pass `--test it`\n");
	CHECK_STR(r.format, "cargo");
	CHECK_INT(r.nr, 2);
	f = find(&r, "tests::subs");
	REQUIRE(f);
	CHECK_STR(f->file, "src/lib.rs");
	CHECK_INT(f->line, 12);
	CHECK_STR(f->message, "assertion `left == right` failed");
	CHECK(f->excerpt && !strncmp(f->excerpt, "---- tests::subs", 16));
	f = find(&r, "it_works");
	REQUIRE(f);
	CHECK_STR(f->file, "tests/it.rs");
	CHECK_INT(f->line, 3);
	CHECK_STR(f->message, "boom");
	CHECK_INT(r.passed, 1);
	CHECK_INT(r.failed, 2);
	CHECK_INT(r.skipped, 2);
	testreport_release(&r);
}

void test_testreport__jest(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "FAIL src/sum.test.js\n"
	      "  \xe2\x97\x8f math \xe2\x80\xba adds numbers\n\n"
	      "    expect(received).toBe(expected) // Object.is equality\n\n"
	      "    Expected: 4\n    Received: 5\n\n"
	      "      3 | test('adds numbers', () => {\n"
	      "    > 4 |   expect(sum(2, 2)).toBe(4);\n\n"
	      "      at Object.toBe (src/sum.test.js:4:21)\n"
	      "      at node_modules/jest-circus/build/x.js:1:1\n\n"
	      "PASS src/other.test.js\n"
	      "Tests:       1 failed, 3 passed, 4 total\n");
	CHECK_STR(r.format, "jest");
	f = find(&r, "math \xe2\x80\xba adds numbers");
	REQUIRE(f);
	CHECK_STR(f->file, "src/sum.test.js");
	CHECK_INT(f->line, 4);
	CHECK_STR(f->message,
		  "expect(received).toBe(expected) // Object.is equality");
	CHECK_INT(r.failed, 1);
	CHECK_INT(r.passed, 3);
	testreport_release(&r);
}

void test_testreport__node_spec(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "\xe2\x9c\x94 passes (0.5ms)\n"
	      "\xe2\x9c\x96 fails (1.2ms)\n"
	      "  AssertionError [ERR_ASSERTION]: 1 == 2\n"
	      "\xe2\x84\xb9 tests 2\n"
	      "\xe2\x84\xb9 pass 1\n"
	      "\xe2\x84\xb9 fail 1\n\n"
	      "\xe2\x9c\x96 failing tests:\n\n"
	      "test at test/a.test.js:7:1\n"
	      "\xe2\x9c\x96 fails (1.2ms)\n"
	      "  AssertionError [ERR_ASSERTION]: 1 == 2\n");
	CHECK_STR(r.format, "node");
	CHECK_INT(r.nr, 1);
	f = find(&r, "fails");
	REQUIRE(f);
	CHECK_STR(f->file, "test/a.test.js");
	CHECK_INT(f->line, 7);
	CHECK_STR(f->message, "AssertionError [ERR_ASSERTION]: 1 == 2");
	CHECK_INT(r.passed, 1);
	CHECK_INT(r.failed, 1);
	testreport_release(&r);
}

void test_testreport__ctest(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "Test project /w/build\n"
	      "    Start 1: unit_ok\n"
	      "1/3 Test #1: unit_ok ..........................   Passed    "
	      "0.00 sec\n"
	      "    Start 2: unit_bad\n"
	      "2/3 Test #2: unit_bad .........................***Failed    "
	      "0.01 sec\n"
	      "3/3 Test #3: slow .............................***Timeout   "
	      "1.50 sec\n\n"
	      "33% tests passed, 2 tests failed out of 3\n\n"
	      "The following tests FAILED:\n"
	      "\t  2 - unit_bad (Failed)\n"
	      "\t  3 - slow (Timeout)\n"
	      "Errors while running CTest\n");
	CHECK_STR(r.format, "ctest");
	CHECK_INT(r.nr, 2);
	f = find(&r, "unit_bad");
	REQUIRE(f);
	CHECK_STR(f->message, "Failed");
	f = find(&r, "slow");
	REQUIRE(f);
	CHECK_STR(f->message, "Timeout");
	CHECK_INT(r.failed, 2);
	CHECK_INT(r.passed, 1);
	testreport_release(&r);
}

void test_testreport__compiler_errors(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r,
	      "cc -c -o main.o main.c\n"
	      "main.c:12:5: error: 'x' undeclared (first use in this "
	      "function)\n"
	      "   12 |     x = 1;\n"
	      "main.c:12:5: error: 'x' undeclared (first use in this "
	      "function)\n"
	      "src/util.h:3:10: fatal error: nope.h: No such file or "
	      "directory\n"
	      "lib.c:7:1: warning: unused\n"
	      "error[E0425]: cannot find value `y` in this scope\n"
	      " --> src/main.rs:2:13\n"
	      "./calc.go:9:2: undefined: z\n"
	      "src/a.ts(3,5): error TS2322: Type 'string' is not assignable\n"
	      "make: *** [Makefile:3: all] Error 1\n");
	CHECK_STR(r.format, "compiler");
	REQUIRE(r.nr == 5);
	f = &r.failures[0];
	CHECK(f->name == NULL);
	CHECK_STR(f->file, "main.c");
	CHECK_INT(f->line, 12);
	CHECK_STR(f->message, "'x' undeclared (first use in this function)");
	CHECK_STR(r.failures[1].file, "src/util.h");
	CHECK_STR(r.failures[2].file, "src/main.rs");
	CHECK_INT(r.failures[2].line, 2);
	CHECK_STR(r.failures[2].message, "cannot find value `y` in this scope");
	CHECK_STR(r.failures[3].file, "./calc.go");
	CHECK_STR(r.failures[3].message, "undefined: z");
	CHECK_STR(r.failures[4].file, "src/a.ts");
	CHECK_INT(r.failures[4].line, 3);
	testreport_release(&r);
}

void test_testreport__make_only_as_last_resort(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r, "running...\nsomething went wrong\n"
	      "make: *** [Makefile:5: test] Error 2\n");
	CHECK_STR(r.format, "make");
	REQUIRE(r.nr == 1);
	f = find(&r, "test");
	REQUIRE(f);
	CHECK_STR(f->file, "Makefile");
	CHECK_INT(f->line, 5);
	CHECK_STR(f->message, "Error 2");
	/* the excerpt is what the recipe printed before make's line */
	CHECK_STR(f->excerpt, "running...\nsomething went wrong\n"
		  "make: *** [Makefile:5: test] Error 2");
	testreport_release(&r);

	/* a long traceback: its last lines, the exception included */
	{
		struct buf out = BUF_INIT;
		int i;

		buf_puts(&out, "Traceback (most recent call last):\n");
		for (i = 0; i < 40; i++)
			buf_printf(&out, "  File \"m.py\", line %d, in f\n",
				   i + 1);
		buf_puts(&out, "ImportError: no module named calc\n"
			 "make: *** [Makefile:2: test] Error 1\n");
		parse(&r, out.ptr);
		REQUIRE(r.nr == 1);
		f = &r.failures[0];
		CHECK(strstr(f->excerpt, "ImportError: no module named calc\n"
			     "make: *** [Makefile:2: test] Error 1") != NULL);
		CHECK(strstr(f->excerpt, "line 40, in f") != NULL);
		CHECK(strstr(f->excerpt, "line 1, in f") == NULL);
		testreport_release(&r);
		buf_release(&out);
	}

	parse(&r, "make[1]: *** [check] Error 1\n");
	CHECK(find(&r, "check") != NULL);
	CHECK(r.failures[0].file == NULL);
	testreport_release(&r);

	parse(&r, "not ok 1 - real\nmake: *** [Makefile:5: test] Error 1\n");
	CHECK_INT(r.nr, 1);
	CHECK(find(&r, "real") != NULL);
	testreport_release(&r);
}

void test_testreport__ansi_and_cr(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r, "\x1b[31m--- FAIL: TestColour (0.00s)\x1b[0m\r\n"
	      "    \x1b[1mx_test.go:3:\x1b[0m red\r\n");
	f = find(&r, "TestColour");
	REQUIRE(f);
	CHECK_STR(f->file, "x_test.go");
	CHECK_INT(f->line, 3);
	testreport_release(&r);
}

void test_testreport__nothing_recognised(void)
{
	struct testreport r;

	parse(&r, "");
	CHECK_INT(r.nr, 0);
	CHECK(r.format == NULL);
	CHECK_INT(r.passed, -1);
	testreport_release(&r);
	parse(&r, "all good\nno newline at end");
	CHECK_INT(r.nr, 0);
	testreport_release(&r);
}

void test_testreport__bounded(void)
{
	struct testreport r;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < 1000; i++)
		buf_printf(&b, "not ok %zu - t%zu\n", i, i);
	/* A very long name and a line with no end. */
	buf_puts(&b, "not ok 1001 - ");
	for (i = 0; i < 100000; i++)
		buf_putc(&b, 'x');
	testreport_init(&r);
	testreport_parse(&r, b.ptr, b.len);
	CHECK_INT(r.nr, TESTREPORT_MAX_FAILURES);
	CHECK_INT(r.truncated, 1);
	testreport_release(&r);

	buf_reset(&b);
	buf_puts(&b, "--- FAIL: ");
	for (i = 0; i < 100000; i++)
		buf_putc(&b, 'y');
	buf_puts(&b, "\n    ");
	for (i = 0; i < 100000; i++)
		buf_putc(&b, 'z');
	buf_puts(&b, ".go:1: m\n");
	testreport_init(&r);
	testreport_parse(&r, b.ptr, b.len);
	REQUIRE(r.nr == 1);
	CHECK(strlen(r.failures[0].name) <= TESTREPORT_MAX_FIELD);
	CHECK(strlen(r.failures[0].file) <= TESTREPORT_MAX_FIELD);
	CHECK(strlen(r.failures[0].excerpt) <= TESTREPORT_MAX_EXCERPT);
	testreport_release(&r);
	buf_release(&b);
}

void test_testreport__binary_garbage(void)
{
	struct testreport r;
	char data[4096];
	size_t i;
	unsigned x = 12345;

	for (i = 0; i < sizeof(data); i++) {
		x = x * 1103515245 + 12345;
		data[i] = (char)(x >> 16);
	}
	testreport_init(&r);
	testreport_parse(&r, data, sizeof(data));
	testreport_release(&r);
	CHECK(1);
}

void test_testreport__python_unittest(void)
{
	struct testreport r;
	const struct testreport_failure *f;

	parse(&r, "test_add (tests.test_calc.T.test_add) ... FAIL\n"
	      "test_err (tests.test_calc.T.test_err) ... ERROR\n"
	      "test_ok (tests.test_calc.T.test_ok) ... ok\n"
	      "test_skip (tests.test_calc.T.test_skip) ... skipped 'x'\n"
	      "\n"
	      "======================================================"
	      "================\n"
	      "ERROR: test_err (tests.test_calc.T.test_err)\n"
	      "------------------------------------------------------"
	      "----------------\n"
	      "Traceback (most recent call last):\n"
	      "  File \"/w/tests/test_calc.py\", line 8, in test_err\n"
	      "    calc.nope()\n"
	      "  File \"/w/calc.py\", line 3, in nope\n"
	      "    raise KeyError('k')\n"
	      "KeyError: 'k'\n"
	      "\n"
	      "======================================================"
	      "================\n"
	      "FAIL: test_add (tests.test_calc.T)\n"
	      "------------------------------------------------------"
	      "----------------\n"
	      "Traceback (most recent call last):\n"
	      "  File \"tests/test_calc.py\", line 5, in test_add\n"
	      "    self.assertEqual(add(2, 3), 5)\n"
	      "AssertionError: -1 != 5\n"
	      "\n"
	      "------------------------------------------------------"
	      "----------------\n"
	      "Ran 4 tests in 0.009s\n"
	      "\n"
	      "FAILED (failures=1, errors=1, skipped=1, expected "
	      "failures=2)\n"
	      "make: *** [Makefile:2: test] Error 1\n");
	CHECK_STR(r.format, "unittest");
	CHECK_INT(r.nr, 2);
	CHECK_INT(r.failed, 2);
	CHECK_INT(r.skipped, 1);
	CHECK_INT(r.passed, 1);
	/* 3.10's "(module.Class)" and 3.11's "(module.Class.method)" agree */
	f = find(&r, "tests.test_calc.T.test_add");
	REQUIRE(f);
	CHECK_STR(f->file, "tests/test_calc.py");
	CHECK_INT(f->line, 5);
	CHECK_STR(f->message, "AssertionError: -1 != 5");
	CHECK(strstr(f->excerpt, "Ran 4 tests") == NULL);
	/* an error: the test's own frame, the last exception */
	f = find(&r, "tests.test_calc.T.test_err");
	REQUIRE(f);
	CHECK_STR(f->file, "/w/tests/test_calc.py");
	CHECK_INT(f->line, 8);
	CHECK_STR(f->message, "KeyError: 'k'");
	testreport_release(&r);

	/* all passed */
	parse(&r, "...\n------------------------------------------------"
	      "----------------------\nRan 3 tests in 0.001s\n\nOK "
	      "(skipped=1)\n");
	CHECK_INT(r.nr, 0);
	CHECK_INT(r.passed, 2);
	CHECK_INT(r.skipped, 1);
	CHECK_INT(r.failed, 0);
	testreport_release(&r);

	/* not unittest's shape: no failure made up */
	parse(&r, "FAIL: the build (see log)\nERROR: x\n");
	CHECK_INT(r.nr, 0);
	testreport_release(&r);
}
