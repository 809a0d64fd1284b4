/*
 * test.h - the unit-test harness.
 *
 * A test is a function `void test_<module>__<case>(void)` in
 * tests/unit/test_<module>.c; the Makefile collects them into tests.inc, so
 * writing the function is all it takes to register it. CHECK() records a
 * failure with file and line and lets the test go on; REQUIRE() stops the
 * test. The runner prints one closing line, `N passed, N failed`.
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <stddef.h>
#include <string.h>

void test__fail(const char *file, int line, const char *what);
int test__failed_now(void);
/* A fresh empty directory under the run's temp root; do not free. */
const char *test_tmpdir(void);
/* Path of a file under tests/ (the source tree); do not free. */
const char *test_fixture(const char *rel);
/* Run a shell command (tests only: building git repositories); 0 on success. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write a file; returns 0 on success. */
int test_write(const char *path, const char *data, size_t len);

#define CHECK(cond) \
	do { if (!(cond)) test__fail(__FILE__, __LINE__, #cond); } while (0)
#define REQUIRE(cond) \
	do { if (!(cond)) { test__fail(__FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_STR(a, b) \
	do { const char *a_ = (a), *b_ = (b); \
	     if (!a_ || !b_ || strcmp(a_, b_)) test__fail_str(__FILE__, __LINE__, #a, a_, b_); } while (0)
#define CHECK_INT(a, b) \
	do { long long a_ = (long long)(a), b_ = (long long)(b); \
	     if (a_ != b_) test__fail_int(__FILE__, __LINE__, #a, a_, b_); } while (0)

void test__fail_str(const char *file, int line, const char *expr,
		    const char *got, const char *want);
void test__fail_int(const char *file, int line, const char *expr,
		    long long got, long long want);

#endif
