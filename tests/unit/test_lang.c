#include <stdio.h>
#include <string.h>

#include "review/lang.h"
#include "tests/unit/test.h"

struct lang_case {
	const char *path, *first_line, *want;
};

static void run_cases(const struct lang_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *fl = c[i].first_line;
		const char *got = review_lang_detect(c[i].path, fl,
						     fl ? strlen(fl) : 0);

		if ((got == NULL) != (c[i].want == NULL) ||
		    (got && strcmp(got, c[i].want))) {
			char what[256];

			snprintf(what, sizeof(what),
				 "detect(\"%s\", \"%s\") == %s, got %s",
				 c[i].path ? c[i].path : "(null)",
				 fl ? fl : "(null)",
				 c[i].want ? c[i].want : "NULL",
				 got ? got : "NULL");
			test__fail(__FILE__, __LINE__, what);
		}
		if (got)
			CHECK(review_lang_known(got));
	}
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

void test_lang__extensions(void)
{
	static const struct lang_case cases[] = {
		{ "a.c", NULL, "c" },
		{ "include/a.h", NULL, "c" },
		{ "a.hpp", NULL, "cpp" },
		{ "a.cc", NULL, "cpp" },
		{ "A.CPP", NULL, "cpp" },
		{ "x.py", NULL, "python" },
		{ "x.js", NULL, "javascript" },
		{ "x.jsx", NULL, "javascript" },
		{ "x.mjs", NULL, "javascript" },
		{ "x.cjs", NULL, "javascript" },
		{ "x.ts", NULL, "typescript" },
		{ "x.d.ts", NULL, "typescript" },
		{ "x.tsx", NULL, "typescript" },
		{ "main.go", NULL, "go" },
		{ "lib.rs", NULL, "rust" },
		{ "A.java", NULL, "java" },
		{ "a.rb", NULL, "ruby" },
		{ "a.sh", NULL, "bash" },
		{ "a.php", NULL, "php" },
		{ "a.cs", NULL, "csharp" },
		{ "a.kt", NULL, "kotlin" },
		{ "a.swift", NULL, "swift" },
		{ "q.sql", NULL, "sql" },
		{ ".github/workflows/ci.yml", NULL, "yaml" },
		{ "a.yaml", NULL, "yaml" },
		{ "package.json", NULL, "json" },
		{ "README.md", NULL, "markdown" },
		{ "index.html", NULL, "html" },
		{ "s.css", NULL, "css" },
		{ "docs/index.rst", NULL, "rst" },
		{ "rules.mk", NULL, "makefile" },
		{ "noext", NULL, NULL },
		{ "weird.zzz", NULL, NULL },
		{ ".gitignore", NULL, NULL },	/* a dot file, not ext */
		{ "dir.d/file", NULL, NULL },
	};

	RUN(cases);
}

void test_lang__file_names(void)
{
	static const struct lang_case cases[] = {
		{ "Makefile", NULL, "makefile" },
		{ "sub/GNUmakefile", NULL, "makefile" },
		{ "Dockerfile", NULL, "dockerfile" },
		{ "docker/Dockerfile.dev", NULL, "dockerfile" },
		{ "api.Dockerfile", NULL, "dockerfile" },
		{ "Gemfile", NULL, "ruby" },
		{ "Rakefile", NULL, "ruby" },
		{ "CMakeLists.txt", NULL, "cmake" },
		{ "notes.txt", NULL, "text" },
	};

	RUN(cases);
}

void test_lang__shebang(void)
{
	static const struct lang_case cases[] = {
		{ "bin/tool", "#!/usr/bin/env python3", "python" },
		{ "bin/tool", "#!/usr/bin/python3.11 -u", "python" },
		{ "bin/tool", "#!/bin/bash", "bash" },
		{ "bin/tool", "#!/bin/sh -e", "bash" },
		{ "bin/tool", "#! /bin/sh", "bash" },
		{ "bin/tool", "#!/usr/bin/env node", "javascript" },
		{ "bin/tool", "#!/usr/bin/env -S node --harmony", "javascript" },
		{ "bin/tool", "#!/usr/bin/env ruby", "ruby" },
		{ "bin/tool", "#!/usr/bin/env FOO=1 perl", "perl" },
		{ "bin/tool", "#!/usr/bin/env\r", NULL },
		{ "bin/tool", "#!/usr/bin/env deno", "typescript" },
		{ "bin/tool", "#!/usr/bin/weird", NULL },
		{ "bin/tool", "#!", NULL },
		/* the extension wins over the shebang */
		{ "x.py", "#!/bin/sh", "python" },
		{ NULL, "#!/bin/bash", "bash" },
		{ "bin/tool", "plain text", NULL },
		{ "bin/tool", NULL, NULL },
	};

	RUN(cases);
}

/*
 * A shell script that execs a known interpreter on itself is that
 * language; one that execs a wrapper (sudo, env bash) is still shell.
 */
void test_lang__trampoline(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "#!/bin/sh\n# \\\nexec wish \"$0\" -- \"$@\"\n", 1 },
		{ "#!/bin/sh\nexec tclsh8.6 \"$0\" \"$@\"\n", 1 },
		{ "#!/bin/sh\n  exec /usr/bin/expect -f \"$0\"\n", 1 },
		{ "#!/bin/sh\nexec perl -x \"$0\" \"$@\"\n", 1 },
		{ "#!/bin/sh\nexec /usr/bin/env -i LANG=C tclsh \"$0\"\n", 1 },
		{ "#!/bin/sh\nexec python3.11 \"$0\"\n", 1 },
		{ "#!/bin/sh\nexec sudo \"$0\" \"$@\"\n", 0 },
		{ "#!/bin/sh\nexec /usr/bin/env bash \"$0\"\n", 0 },
		{ "#!/bin/sh\nexec bash \"$0\"\n", 0 },
		{ "#!/bin/sh\nexec wish foo.tcl\n", 0 },
		{ "#!/bin/sh\nexec env\n", 0 },
		{ "#!/bin/sh\n:\n:\n:\n:\n:\n:\nexec tclsh \"$0\"\n", 0 },
		{ "exec", 0 },
		{ "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = review_lang_trampoline(cases[i].text,
						 strlen(cases[i].text));

		if (got != cases[i].want)
			fprintf(stderr, "  case %zu: %d\n", i, got);
		CHECK_INT(got, cases[i].want);
	}
}

void test_lang__modelines(void)
{
	static const struct lang_case cases[] = {
		{ "conf/x", "# vim: set ft=ruby:", "ruby" },
		{ "conf/x", "# vim: filetype=sh", "bash" },
		{ "conf/x", "// vi: syntax=javascript", "javascript" },
		{ "conf/x", "# -*- mode: python -*-", "python" },
		{ "conf/x", "# -*- python -*-", "python" },
		{ "conf/x", "/* -*- Mode: C++; tab-width: 4 -*- */", "cpp" },
		{ "conf/x", "# vim: set ts=4:", NULL },
		{ "conf/x", "# -*- coding: utf-8 -*-", NULL },
		{ "conf/x", "# vim: ft=nosuchlang", NULL },
	};

	RUN(cases);
}

void test_lang__known(void)
{
	CHECK(review_lang_known("c"));
	CHECK(review_lang_known("dockerfile"));
	CHECK(!review_lang_known("cobol"));
	CHECK(!review_lang_known(NULL));
	CHECK(!review_lang_known(""));
}
