/*
 * testreport.h - what a test run's output says failed.
 *
 * testreport_parse() reads the combined output of a test command and picks
 * out the failures it can identify, with the file and line where the output
 * names one:
 *   - TAP ("not ok N - name" and its YAML diagnostics);
 *   - pytest (failure sections, tracebacks, "FAILED path::test" lines and
 *     the closing "N failed, N passed" line);
 *   - go test ("--- FAIL: TestX" and the "file_test.go:N:" lines);
 *   - cargo test ("test x ... FAILED", panics, "test result:");
 *   - jest ("● Suite › test", stack frames, "Tests:") and node's spec
 *     reporter ("✖ name", "ℹ fail N");
 *   - ctest ("Test #N: name ...***Failed", "tests failed out of");
 *   - make ("make: *** [Makefile:3: test] Error 1"), used only when
 *     nothing more precise was found;
 *   - compiler errors (gcc/clang "file:line:col: error:", rustc "-->", go
 *     build, tsc "file(line,col): error").
 * The output is untrusted and may be anything: parsing never fails, is
 * linear in the input, and keeps at most TESTREPORT_MAX_FAILURES failures
 * with bounded fields.
 *
 * Ownership: a testreport owns all its strings; testreport_release() frees
 * them. `format` points at a static string.
 */
#ifndef COMMON_TESTREPORT_H
#define COMMON_TESTREPORT_H

#include <stddef.h>

#define TESTREPORT_MAX_FAILURES 200
#define TESTREPORT_MAX_FIELD 1024	/* name, file and message, bytes */
#define TESTREPORT_EXCERPT_LINES 16
#define TESTREPORT_MAX_EXCERPT 4096	/* bytes */

struct testreport_failure {
	char *name;	/* test name or id; NULL for a compiler error */
	char *file;	/* NULL when the output does not say */
	long line;	/* 0 when unknown */
	char *message;	/* first line of the reason; NULL when unknown */
	char *excerpt;	/* the output around the failure */
	/* Where in the output the excerpt starts from, and how sure. */
	size_t anchor;
	int anchor_rank;
};

struct testreport {
	/*
	 * The runner recognised first: "tap", "pytest", "go", "cargo", "jest",
	 * "node", "ctest", "make", "compiler", or NULL.
	 */
	const char *format;
	long passed, failed, skipped;	/* from summary lines; -1: unknown */
	struct testreport_failure *failures;
	size_t nr, alloc;
	int truncated;	/* more failures than TESTREPORT_MAX_FAILURES */
};

void testreport_init(struct testreport *r);
void testreport_release(struct testreport *r);

/*
 * Parse `len` bytes of output (need not be NUL-terminated) into `r`, which
 * must be initialised; findings add to what is there.
 */
void testreport_parse(struct testreport *r, const char *text, size_t len);

#endif
