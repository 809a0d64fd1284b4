/*
 * runner.c - runs the unit tests collected in tests.inc.
 *
 * Usage: run [-t name-substring] [-v]. Prints a line per failure with the
 * file and line, and one closing line `N passed, N failed`. Exit status is
 * 0 only when nothing failed. Each test gets its own temp directory under a
 * run root that is removed at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define TEST(name) void name(void);
#include "tests.inc"
#undef TEST

struct test_case {
	const char *name;
	void (*fn)(void);
};

static const struct test_case test_cases[] = {
#define TEST(name) { #name, name },
#include "tests.inc"
#undef TEST
};

static int test_failures_now;
static char test_root[256];
static char test_dir[512];
static int test_dir_seq;
static char test_fixture_path[1024];

void test__fail(const char *file, int line, const char *what)
{
	printf("  FAIL %s:%d: %s\n", file, line, what);
	test_failures_now++;
}

void test__fail_str(const char *file, int line, const char *expr,
		    const char *got, const char *want)
{
	printf("  FAIL %s:%d: %s\n    got:  %s%s%s\n    want: %s%s%s\n",
	       file, line, expr, got ? "\"" : "", got ? got : "(null)",
	       got ? "\"" : "", want ? "\"" : "", want ? want : "(null)",
	       want ? "\"" : "");
	test_failures_now++;
}

void test__fail_int(const char *file, int line, const char *expr,
		    long long got, long long want)
{
	printf("  FAIL %s:%d: %s\n    got:  %lld\n    want: %lld\n", file, line,
	       expr, got, want);
	test_failures_now++;
}

int test__failed_now(void)
{
	return test_failures_now;
}

const char *test_tmpdir(void)
{
	snprintf(test_dir, sizeof(test_dir), "%s/t%d", test_root,
		 ++test_dir_seq);
	if (mkdir(test_dir, 0700) < 0) {
		perror(test_dir);
		abort();
	}
	return test_dir;
}

const char *test_fixture(const char *rel)
{
	const char *src = getenv("TEND_SRCDIR");

	snprintf(test_fixture_path, sizeof(test_fixture_path), "%s/tests/%s",
		 src ? src : ".", rel);
	return test_fixture_path;
}

int test_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	return system(cmd);
}

int test_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	const char *tmp = getenv("TMPDIR");
	size_t i, passed = 0, failed = 0, ran = 0;
	int verbose = 0, opt;
	char cmd[600];

	while ((opt = getopt(argc, argv, "t:v")) != -1) {
		if (opt == 't')
			only = optarg;
		else if (opt == 'v')
			verbose = 1;
		else {
			fprintf(stderr, "usage: %s [-t name] [-v]\n", argv[0]);
			return 2;
		}
	}
	/* Tests build git repositories: keep them from the user's config. */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	snprintf(test_root, sizeof(test_root), "%s/tend-unit.XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(test_root)) {
		perror("mkdtemp");
		return 2;
	}
	setenv("HOME", test_root, 1);
	for (i = 0; i < sizeof(test_cases) / sizeof(test_cases[0]); i++) {
		const struct test_case *t = &test_cases[i];

		if (only && !strstr(t->name, only))
			continue;
		if (verbose)
			printf("%s\n", t->name);
		fflush(stdout);
		test_failures_now = 0;
		t->fn();
		ran++;
		if (test_failures_now) {
			printf("not ok %s\n", t->name);
			failed++;
		} else {
			passed++;
		}
		fflush(stdout);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_root);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", test_root);
	if (only && !ran) {
		fprintf(stderr, "no test matches '%s'\n", only);
		return 2;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}
