#include <stdio.h>
#include <string.h>

#include "common/glob.h"
#include "tests/unit/test.h"

struct glob_case {
	const char *pattern, *path;
	int want;
};

static void run_cases(const struct glob_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = glob_match(c[i].pattern, c[i].path);

		if (got != c[i].want) {
			char what[256];

			snprintf(what, sizeof(what),
				 "glob_match(\"%s\", \"%s\") == %d",
				 c[i].pattern, c[i].path, c[i].want);
			test__fail(__FILE__, __LINE__, what);
		}
	}
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

void test_glob__segment_wildcards(void)
{
	static const struct glob_case cases[] = {
		{ "*.c", "a.c", 1 },
		{ "*.c", "src/a.c", 1 },
		{ "*.c", "a.h", 0 },
		{ "*.c", ".c", 1 },
		{ "a*b*c", "axxbyyc", 1 },
		{ "a*b*c", "axxbyy", 0 },
		{ "*", "anything/at/all", 1 },
		{ "?.c", "a.c", 1 },
		{ "?.c", "ab.c", 0 },
		{ "?", "\xc3\xa9", 1 },		/* one UTF-8 character */
		{ "??", "\xc3\xa9", 0 },
		{ "[abc].c", "b.c", 1 },
		{ "[abc].c", "d.c", 0 },
		{ "[a-c]x", "cx", 1 },
		{ "[a-c]x", "dx", 0 },
		{ "[!a]x", "bx", 1 },
		{ "[!a]x", "ax", 0 },
		{ "[^a]x", "ax", 0 },
		{ "[]]", "]", 1 },
		{ "[a-]", "-", 1 },
		{ "[", "[", 1 },		/* unclosed: literal */
		{ "[ab", "[ab", 1 },
		{ "\\*", "*", 1 },
		{ "\\*", "a", 0 },
		{ "exact", "exact", 1 },
		{ "exact", "exactly", 0 },
		{ "Makefile", "sub/Makefile", 1 },
		{ "*.C", "a.c", 0 },		/* case-sensitive */
	};

	RUN(cases);
}

void test_glob__slash_and_anchoring(void)
{
	static const struct glob_case cases[] = {
		{ "src/*.c", "src/a.c", 1 },
		{ "src/*.c", "lib/src/a.c", 0 },
		{ "src/*.c", "src/x/a.c", 0 },
		{ "*/a.c", "x/a.c", 1 },
		{ "*/a.c", "x/y/a.c", 0 },
		{ "/a.c", "a.c", 1 },
		{ "/a.c", "x/a.c", 0 },
		{ "./a.c", "a.c", 1 },
		{ "./a.c", "x/a.c", 0 },
		{ "a.c", "./a.c", 1 },
		{ "*.lock", "x/y.lock", 1 },
		{ "*.lock", "x/y.lock.bak", 0 },
		{ "vendor", "vendor/a.c", 1 },
		{ "vendor", "lib/vendor/a.c", 1 },
		{ "vendor", "vendored/a.c", 0 },
		{ "docs/build", "docs/build/x.html", 1 },
		{ "docs/build", "docs/build", 1 },
		{ "docs/build", "docs/builder", 0 },
		{ "build/", "build/x", 1 },
		{ "build/", "a/build/x", 1 },
		{ "build/", "build", 0 },
		{ "/build/", "a/build/x", 0 },
		{ "", "a", 0 },
		{ "a", "", 0 },
	};

	RUN(cases);
}

void test_glob__double_star(void)
{
	static const struct glob_case cases[] = {
		{ "vendor/**", "vendor/a", 1 },
		{ "vendor/**", "vendor/a/b/c.js", 1 },
		{ "vendor/**", "vendor", 0 },
		{ "vendor/**", "x/vendor/a", 0 },
		{ "**/*.min.js", "a.min.js", 1 },
		{ "**/*.min.js", "x/y/a.min.js", 1 },
		{ "**/*.min.js", "x/y/a.js", 0 },
		{ "a/**/b", "a/b", 1 },
		{ "a/**/b", "a/x/b", 1 },
		{ "a/**/b", "a/x/y/z/b", 1 },
		{ "a/**/b", "a/x/y/z/c", 0 },
		{ "a/**/b", "b", 0 },
		{ "**/test/**", "test/a", 1 },
		{ "**/test/**", "x/test/y/z", 1 },
		{ "**/test/**", "x/testing/y", 0 },
		{ "src/**/*.c", "src/a.c", 1 },
		{ "src/**/*.c", "src/x/y/a.c", 1 },
		{ "src/**/*.c", "src/x/y/a.h", 0 },
		{ "**", "a/b/c", 1 },
		{ "/**", "a/b/c", 1 },
		{ "a/**/b/**/c", "a/1/b/2/b/3/c", 1 },
		{ "a/**/b/**/c", "a/1/b/2/3", 0 },
		{ "a**b", "axxb", 1 },		/* not a whole segment: '*' */
		{ "a**b", "ax/xb", 0 },
	};

	RUN(cases);
}

void test_glob__pathological_is_fast(void)
{
	char pat[512], path[4096];
	size_t i, n = 0;

	/* a*a*a*...*b against aaaa...a: exponential for naive recursion */
	for (i = 0; i < 60; i++) {
		pat[n++] = 'a';
		pat[n++] = '*';
	}
	pat[n++] = 'b';
	pat[n] = '\0';
	memset(path, 'a', 3000);
	path[3000] = '\0';
	CHECK(glob_match(pat, path) == 0);

	/* many "**" segments against a deep path */
	n = 0;
	for (i = 0; i < 40; i++) {
		memcpy(pat + n, "**/a/", 5);
		n += 5;
	}
	memcpy(pat + n, "b", 2);
	n = 0;
	for (i = 0; i < 1000; i++) {
		memcpy(path + n, "a/", 2);
		n += 2;
	}
	memcpy(path + n, "c", 2);
	CHECK(glob_match(pat, path) == 0);
	path[n] = 'b';
	CHECK(glob_match(pat, path) == 1);
}

void test_glob__match_any(void)
{
	static const char *const pats[] = { "*.md", "docs/**", NULL };

	CHECK(glob_match_any(pats, "README.md"));
	CHECK(glob_match_any(pats, "docs/x.txt"));
	CHECK(!glob_match_any(pats, "src/x.c"));
	CHECK(!glob_match_any(NULL, "src/x.c"));
}
