/*
 * test_tools.c - the agent tools on small repositories made on the spot:
 * what each returns (exactly, where a model reads it), the caps and their
 * notes, path confinement, the mask and hidden callbacks, and
 * agent_tools_run's validation and errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agents/tools.h"
#include "common/error.h"
#include "tests/unit/test.h"

static char repo[1024];

/* Write `text` to `rel` under the repository, creating directories. */
static void put(const char *rel, const char *text)
{
	char path[2048];
	char *slash;

	snprintf(path, sizeof(path), "%s/%s", repo, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (test_sh("mkdir -p '%s'", path) != 0)
		test__fail(__FILE__, __LINE__, "mkdir");
	*slash = '/';
	if (test_write(path, text, strlen(text)) != 0)
		test__fail(__FILE__, __LINE__, path);
}

/* A fresh repository root and an environment on it. */
static int setup(struct agent_tools_env *env)
{
	struct buf err = BUF_INIT;
	int rc;

	snprintf(repo, sizeof(repo), "%s/repo", test_tmpdir());
	if (test_sh("mkdir -p '%s/.git' && echo '[core]' > '%s/.git/config'",
		    repo, repo) != 0)
		return -1;
	rc = agent_tools_env_init(env, repo, &err);
	if (rc)
		test__fail_str(__FILE__, __LINE__, "env_init", err.ptr, "");
	buf_release(&err);
	return rc;
}

/* Run a tool; *rc gets its return code. */
static const char *run(struct agent_tools_env *env, struct buf *out,
		       int *rc, const char *name, const char *args)
{
	*rc = agent_tools_run(env, name, args, out);
	return out->ptr;
}

#define RUN_OK(env, out, name, args, want) \
	do { int rc_; \
	     CHECK_STR(run(env, out, &rc_, name, args), want); \
	     CHECK_INT(rc_, 0); } while (0)
#define RUN_ERR(env, out, name, args, want) \
	do { int rc_; \
	     CHECK_STR(run(env, out, &rc_, name, args), want); \
	     CHECK(rc_ < 0); } while (0)
#define RUN_HAS(env, out, name, args, needle) \
	do { int rc_; const char *o_ = run(env, out, &rc_, name, args); \
	     if (!strstr(o_, needle)) \
		test__fail_str(__FILE__, __LINE__, args, o_, needle); \
	   } while (0)
#define RUN_LACKS(env, out, name, args, needle) \
	do { int rc_; const char *o_ = run(env, out, &rc_, name, args); \
	     if (strstr(o_, needle)) \
		test__fail_str(__FILE__, __LINE__, "absent: " needle, o_, \
			       "(without it)"); \
	   } while (0)

/* ------------------------------------------------------------------ */

void test_tools__read_file_lines_and_ranges(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	put("src/a.c", "one\ntwo\n\nfour\r\nfive");
	RUN_OK(&env, &out, "read_file", "{\"path\":\"src/a.c\"}",
	       "   1| one\n   2| two\n   3|\n   4| four\n   5| five\n");
	RUN_OK(&env, &out, "read_file",
	       "{\"path\":\"./src//a.c\",\"start_line\":2,\"end_line\":3}",
	       "   2| two\n   3|\n");
	RUN_OK(&env, &out, "read_file",
	       "{\"path\":\"src/a.c\",\"start_line\":4,\"end_line\":99}",
	       "   4| four\n   5| five\n"
	       "[end_line is past the end: the file has 5 lines]\n");
	RUN_OK(&env, &out, "read_file", "{\"path\":\"src/a.c\","
	       "\"start_line\":5}", "   5| five\n");
	RUN_ERR(&env, &out, "read_file",
		"{\"path\":\"src/a.c\",\"start_line\":6}",
		"start_line 6 is past the end of 'src/a.c' (5 lines)");
	RUN_ERR(&env, &out, "read_file",
		"{\"path\":\"src/a.c\",\"start_line\":3,\"end_line\":2}",
		"end_line 2 is before start_line 3");
	/* nulls for optional arguments mean "absent" */
	RUN_OK(&env, &out, "read_file", "{\"path\":\"src/a.c\","
	       "\"start_line\":5,\"end_line\":null}", "   5| five\n");
	put("empty.txt", "");
	RUN_OK(&env, &out, "read_file", "{\"path\":\"empty.txt\"}",
	       "[empty.txt is empty]\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__read_file_caps(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, big = BUF_INIT;
	int i;

	REQUIRE(setup(&env) == 0);
	for (i = 1; i <= 12; i++)
		buf_printf(&big, "line %d\n", i);
	put("ten.txt", big.ptr);
	env.max_lines = 3;
	RUN_OK(&env, &out, "read_file", "{\"path\":\"ten.txt\"}",
	       "   1| line 1\n   2| line 2\n   3| line 3\n"
	       "[truncated: lines 1-3 of 12 shown; ask for a range]\n");
	RUN_OK(&env, &out, "read_file",
	       "{\"path\":\"ten.txt\",\"start_line\":10}",
	       "  10| line 10\n  11| line 11\n  12| line 12\n");
	env.max_lines = 400;
	/* a size cap: whole lines up to it, and a note */
	env.max_read_bytes = 20;
	RUN_OK(&env, &out, "read_file", "{\"path\":\"ten.txt\"}",
	       "   1| line 1\n   2| line 2\n"
	       "[the file is larger than 20 bytes: only lines 1-2 can be "
	       "read]\n");
	env.max_read_bytes = 3;
	RUN_OK(&env, &out, "read_file", "{\"path\":\"ten.txt\"}",
	       "   1| lin\n"
	       "[the file is larger than 3 bytes: only lines 1-1 can be "
	       "read]\n");
	env.max_read_bytes = AGENT_TOOLS_READ_BYTES;
	/* an output cap */
	env.max_out = 30;
	RUN_OK(&env, &out, "read_file", "{\"path\":\"ten.txt\"}",
	       "   1| line 1\n   2| line 2\n"
	       "[truncated: lines 1-2 of 12 shown; ask for a range]\n");
	env.max_out = AGENT_TOOLS_OUT_BYTES;
	/* very long lines are cut */
	buf_reset(&big);
	for (i = 0; i < 2100; i++)
		buf_putc(&big, 'x');
	put("long.txt", big.ptr);
	RUN_HAS(&env, &out, "read_file", "{\"path\":\"long.txt\"}",
		"x [line cut: 2100 bytes]\n");
	buf_release(&big);
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__read_file_refusals(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	char path[1100];

	REQUIRE(setup(&env) == 0);
	put("src/a.c", "x\n");
	snprintf(path, sizeof(path), "%s/bin.dat", repo);
	REQUIRE(test_write(path, "ab\0cd", 5) == 0);
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"bin.dat\"}",
		"'bin.dat' is a binary file (5 bytes)");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"src\"}",
		"'src' is a directory: use list_files");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\".\"}",
		"'.' is a directory: use list_files");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"src/b.c\"}",
		"cannot open 'src/b.c': no such file or directory");
	CHECK_INT(agent_tools_run(&env, "read_file", "{\"path\":\"nope\"}",
				  &out), TEND_ENOTFOUND);
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"src/a.c/x\"}",
		"cannot open 'src/a.c/x': a component of the path is not a "
		"directory");
	REQUIRE(test_sh("mkfifo '%s/fifo'", repo) == 0);
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"fifo\"}",
		"'fifo' is not a regular file");
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */

void test_tools__confinement(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	const char *outside;

	REQUIRE(setup(&env) == 0);
	put("sub/a.c", "int a;\n");
	outside = test_tmpdir();
	REQUIRE(test_sh("echo secret > '%s/x' && "
			"ln -s '%s/x' '%s/escape' && "
			"ln -s '%s' '%s/outdir' && "
			"ln -s .git '%s/gitlink' && "
			"ln -s loop2 '%s/loop1' && ln -s loop1 '%s/loop2' && "
			"ln -s . '%s/sub/self' && "
			"ln -s a.c '%s/sub/alias.c'",
			outside, outside, repo, outside, repo, repo, repo,
			repo, repo, repo) == 0);
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"../x\"}",
		"'../x' leaves the repository: '..' is not allowed in paths");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"sub/../../x\"}",
		"'sub/../../x' leaves the repository: '..' is not allowed in "
		"paths");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"sub/../a.c\"}",
		"'sub/../a.c' leaves the repository: '..' is not allowed in "
		"paths");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"/etc/passwd\"}",
		"'/etc/passwd' is an absolute path: give a path relative to "
		"the repository root");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\".git/config\"}",
		"'.git/config' is inside .git, which tools cannot access");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"./.git\"}",
		"'./.git' is inside .git, which tools cannot access");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"escape\"}",
		"'escape' resolves to a path outside the repository");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"outdir/x\"}",
		"'outdir/x' resolves to a path outside the repository");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"gitlink/config\"}",
		"'gitlink/config' resolves into .git, which tools cannot "
		"access");
	RUN_ERR(&env, &out, "list_files", "{\"path\":\"gitlink\"}",
		"'gitlink' resolves into .git, which tools cannot access");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"loop1\"}",
		"cannot open 'loop1': too many levels of symbolic links");
	RUN_ERR(&env, &out, "search",
		"{\"pattern\":\"secret\",\"path\":\"outdir\"}",
		"'outdir' resolves to a path outside the repository");
	RUN_ERR(&env, &out, "list_files", "{\"path\":\"/\"}",
		"'/' is an absolute path: give a path relative to the "
		"repository root");
	/* JSON text cannot carry a NUL; parsed arguments can */
	{
		json_t *args = json_pack("{s:s%}", "path", "a.c\0x", (size_t)5);

		CHECK_INT(agent_tools_run_json(&env, "read_file", args, &out),
			  TEND_EINVALID);
		CHECK_STR(out.ptr, "path contains a NUL byte");
		json_decref(args);
	}
	/* symlinks that stay inside are fine */
	RUN_OK(&env, &out, "read_file", "{\"path\":\"sub/alias.c\"}",
	       "   1| int a;\n");
	RUN_OK(&env, &out, "read_file",
	       "{\"path\":\"sub/self/self/self/a.c\"}", "   1| int a;\n");
	/* walks list symlinks but never follow them: no loop, no escape */
	{
		char want[4096];

		snprintf(want, sizeof(want),
			 "escape -> %s/x\ngitlink -> .git\nloop1 -> loop2\n"
			 "loop2 -> loop1\noutdir -> %s\nsub/a.c\n"
			 "sub/alias.c -> a.c\nsub/self -> .\n", outside,
			 outside);
		RUN_OK(&env, &out, "list_files", "{}", want);
	}
	RUN_OK(&env, &out, "search", "{\"pattern\":\"secret|core\"}",
	       "no matches (1 file searched)\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"a\"}",
	       "sub/a.c:1\n   1| int a;\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */

static void list_repo(void)
{
	put("a.c", "int a;\n");
	put("README.md", "# readme\n");
	put("b/c.py", "c = 1\n");
	put("b/d/e.c", "int e;\n");
	put("vendor/v.c", "int v;\n");
}

void test_tools__list_files(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	list_repo();
	RUN_OK(&env, &out, "list_files", "{}",
	       "README.md\na.c\nb/c.py\nb/d/e.c\nvendor/v.c\n");
	RUN_OK(&env, &out, "list_files", NULL,
	       "README.md\na.c\nb/c.py\nb/d/e.c\nvendor/v.c\n");
	RUN_OK(&env, &out, "list_files", "{\"glob\":\"*.c\"}",
	       "a.c\nb/d/e.c\nvendor/v.c\n");
	RUN_OK(&env, &out, "list_files", "{\"path\":\"b/\"}",
	       "b/c.py\nb/d/e.c\n");
	/* a glob relative to the root or to the directory listed */
	RUN_OK(&env, &out, "list_files", "{\"path\":\"b\",\"glob\":\"d/*.c\"}",
	       "b/d/e.c\n");
	RUN_OK(&env, &out, "list_files", "{\"glob\":\"b/**/*.c\"}",
	       "b/d/e.c\n");
	RUN_OK(&env, &out, "list_files", "{\"path\":\"a.c\"}", "a.c\n");
	RUN_OK(&env, &out, "list_files", "{\"glob\":\"*.rs\"}",
	       "no files under '.' match '*.rs'\n");
	REQUIRE(test_sh("mkdir '%s/empty'", repo) == 0);
	RUN_OK(&env, &out, "list_files", "{\"path\":\"empty\"}",
	       "no files under 'empty'\n");
	RUN_ERR(&env, &out, "list_files", "{\"path\":\"nope\"}",
		"cannot open 'nope': no such file or directory");
	env.max_entries = 2;
	RUN_OK(&env, &out, "list_files", "{}",
	       "README.md\na.c\n"
	       "[showing 2 of 5 files; narrow with path or glob]\n");
	env.max_entries = AGENT_TOOLS_ENTRIES;
	env.max_walk = 3;
	RUN_OK(&env, &out, "list_files", "{}",
	       "README.md\na.c\nb/c.py\n"
	       "[stopped after 3 files: narrow with path or glob]\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */

static void search_repo(void)
{
	char path[1100];

	put("src/a.c", "int main(void)\n{\n\treturn foo(1);\n}\n");
	put("src/b.c", "static int foo(int x)\n{\n\treturn x;\n}\n");
	put("doc.md", "foo bar\n");
	snprintf(path, sizeof(path), "%s/bin.o", repo);
	test_write(path, "foo(\0\0", 6);
}

void test_tools__search(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	search_repo();
	RUN_OK(&env, &out, "search", "{\"pattern\":\"foo\\\\(\"}",
	       "src/a.c:3: \treturn foo(1);\n"
	       "src/b.c:1: static int foo(int x)\n"
	       "[2 matches in 2 files]\n");
	RUN_OK(&env, &out, "search", "{\"pattern\":\"foo\",\"glob\":\"*.md\"}",
	       "doc.md:1: foo bar\n[1 match in 1 file]\n");
	RUN_OK(&env, &out, "search",
	       "{\"pattern\":\"^\\\\s*return\",\"path\":\"src\"}",
	       "src/a.c:3: \treturn foo(1);\nsrc/b.c:3: \treturn x;\n"
	       "[2 matches in 2 files]\n");
	RUN_OK(&env, &out, "search",
	       "{\"pattern\":\"return\",\"path\":\"src/b.c\"}",
	       "src/b.c:3: \treturn x;\n[1 match in 1 file]\n");
	RUN_OK(&env, &out, "search", "{\"pattern\":\"(?i)MAIN\"}",
	       "src/a.c:1: int main(void)\n[1 match in 1 file]\n");
	RUN_OK(&env, &out, "search", "{\"pattern\":\"nowhere\"}",
	       "no matches (3 files searched)\n");
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"foo(\"}",
		"invalid pattern at offset 4: missing closing parenthesis");
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"\"}",
		"invalid arguments for search: pattern: expected a non-empty "
		"string, got \"\"");
	env.max_matches = 1;
	RUN_OK(&env, &out, "search", "{\"pattern\":\"foo\"}",
	       "doc.md:1: foo bar\n"
	       "[showing 1 of 3 matches in 3 files; narrow with path or "
	       "glob]\n");
	env.max_matches = AGENT_TOOLS_MATCHES;
	env.max_read_bytes = 30;
	RUN_OK(&env, &out, "search", "{\"pattern\":\"foo\"}",
	       "doc.md:1: foo bar\n[1 match in 1 file]\n"
	       "[skipped 2 files larger than 30 bytes]\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__search_long_lines_and_runaway_patterns(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, text = BUF_INIT;
	struct timespec t0, t1;
	double secs;
	int i, rc;

	REQUIRE(setup(&env) == 0);
	for (i = 0; i < 1000; i++)
		buf_putc(&text, 'x');
	buf_puts(&text, "NEEDLE");
	for (i = 0; i < 1000; i++)
		buf_putc(&text, 'y');
	buf_putc(&text, '\n');
	put("min.js", text.ptr);
	run(&env, &out, &rc, "search", "{\"pattern\":\"NEEDLE\"}");
	CHECK_INT(rc, 0);
	CHECK(!strncmp(out.ptr, "min.js:1: ...xxx", 16));
	CHECK(strstr(out.ptr, "xNEEDLEy") != NULL);
	CHECK(strstr(out.ptr, "yyy...\n[1 match in 1 file]\n") != NULL);
	CHECK(out.len < 300);

	/* (a+)+$ backtracks exponentially on "aaa...b": a limit stops it */
	buf_reset(&text);
	buf_puts(&text, "ok line\n");
	for (i = 0; i < 5000; i++)
		buf_putc(&text, 'a');
	buf_puts(&text, "b\n");
	put("evil.txt", text.ptr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(&env, &out, &rc, "search",
	    "{\"pattern\":\"(a+)+$\",\"path\":\"evil.txt\"}");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(secs < 2.0);
	if (rc < 0)
		CHECK_STR(out.ptr, "pattern is too expensive: it hit the "
			  "backtracking limit at evil.txt:2; simplify it "
			  "(avoid nested quantifiers such as (a+)+)");
	else
		CHECK_STR(out.ptr, "no matches (1 file searched)\n");
	run(&env, &out, &rc, "search", "{\"pattern\":\"(x+x+)+y\"}");
	CHECK(rc < 0 || strstr(out.ptr, "min.js:1:") != NULL);
	buf_release(&text);
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */

void test_tools__find_symbol_c(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	put("src/util.c",
	    "#include \"util.h\"\n"
	    "\n"
	    "static int\n"
	    "helper(int x)\n"
	    "{\n"
	    "\treturn x + 1;\n"
	    "}\n"
	    "\n"
	    "int util_add(int a, int b)\n"
	    "{\n"
	    "\treturn helper(a) + b;\n"
	    "}\n"
	    "\n"
	    "static struct util_ctx *global_ctx;\n"
	    "const char *util_names[] = { \"a\" };\n");
	put("src/util.h",
	    "#define UTIL_MAX 10\n"
	    "\n"
	    "struct util_ctx {\n"
	    "\tint n;\n"
	    "};\n"
	    "\n"
	    "typedef struct util_ctx util_ctx_t;\n"
	    "typedef int (*util_fn)(int);\n"
	    "int util_add(int a, int b);\n"
	    "extern struct util_ctx *global_ctx;\n"
	    "\n"
	    "int util_log(const char *fmt, ...)\n"
	    "\t__attribute__((format(printf, 1, 2)));\n");
	put("src/log.c",
	    "int util_log(const char *fmt,\n"
	    "\t     ...)\n"
	    "{\n"
	    "}\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"helper\"}",
	       "src/util.c:4\n   3| static int\n   4| helper(int x)\n"
	       "   5| {\n   6| \treturn x + 1;\n   7| }\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"util_add\"}",
	       "src/util.c:9\n   9| int util_add(int a, int b)\n  10| {\n"
	       "  11| \treturn helper(a) + b;\n  12| }\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"UTIL_MAX\"}",
	       "src/util.h:1\n   1| #define UTIL_MAX 10\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"util_ctx\"}",
	       "src/util.h:3\n   3| struct util_ctx {\n   4| \tint n;\n"
	       "   5| };\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"util_ctx_t\"}",
	       "src/util.h:7\n   7| typedef struct util_ctx util_ctx_t;\n"
	       "   8| typedef int (*util_fn)(int);\n"
	       "   9| int util_add(int a, int b);\n"
	       "  10| extern struct util_ctx *global_ctx;\n");
	/* a prototype over two lines is not a definition */
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"util_log\"}",
	       "src/log.c:1\n   1| int util_log(const char *fmt,\n"
	       "   2| \t     ...)\n   3| {\n   4| }\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"util_fn\"}",
		"src/util.h:8\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"global_ctx\"}",
	       "src/util.c:14\n  14| static struct util_ctx *global_ctx;\n"
	       "  15| const char *util_names[] = { \"a\" };\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"util_names\"}",
		"src/util.c:15\n");
	/* exact names only */
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"util\"}",
	       "no definition of 'util' found (3 files searched); try "
	       "search\n");
	RUN_ERR(&env, &out, "find_symbol", "{\"name\":\"a b\"}",
		"name must be an identifier such as 'parse_config' (letters, "
		"digits, '_', '$'), got 'a b'");
	env.max_symbols = 1;
	put("src/a_other.c", "int helper(void)\n{\n}\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"helper\"}",
	       "src/a_other.c:1\n   1| int helper(void)\n   2| {\n   3| }\n"
	       "\n[showing 1 of 2 definitions]\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__find_symbol_python_go(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	put("lib/x.py",
	    "import os\n"
	    "\n"
	    "MAX_SIZE = 10\n"
	    "LIMIT: int = 5\n"
	    "\n"
	    "class Parser(Base):\n"
	    "    def parse(self, text):\n"
	    "        return text\n"
	    "\n"
	    "async def main():\n"
	    "    Parser().parse(\"x\")\n"
	    "\n"
	    "main()\n"
	    "if MAX_SIZE == 3:\n"
	    "    pass\n");
	put("cmd/main.go",
	    "package main\n"
	    "\n"
	    "type Server struct {\n"
	    "\taddr string\n"
	    "}\n"
	    "\n"
	    "func (s *Server) Start() error {\n"
	    "\treturn nil\n"
	    "}\n"
	    "\n"
	    "func NewServer(addr string) *Server {\n"
	    "\treturn &Server{addr: addr}\n"
	    "}\n"
	    "\n"
	    "var DefaultAddr = \":80\"\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"Parser\"}",
	       "lib/x.py:6\n   6| class Parser(Base):\n"
	       "   7|     def parse(self, text):\n   8|         return text\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"parse\"}",
	       "lib/x.py:7\n   7|     def parse(self, text):\n"
	       "   8|         return text\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"main\"}",
	       "lib/x.py:10\n  10| async def main():\n"
	       "  11|     Parser().parse(\"x\")\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"MAX_SIZE\"}",
	       "lib/x.py:3\n   3| MAX_SIZE = 10\n   4| LIMIT: int = 5\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"LIMIT\"}",
		"lib/x.py:4\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"Server\"}",
	       "cmd/main.go:3\n   3| type Server struct {\n"
	       "   4| \taddr string\n   5| }\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"Start\"}",
	       "cmd/main.go:7\n   7| func (s *Server) Start() error {\n"
	       "   8| \treturn nil\n   9| }\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"NewServer\"}",
	       "cmd/main.go:11\n"
	       "  11| func NewServer(addr string) *Server {\n"
	       "  12| \treturn &Server{addr: addr}\n  13| }\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"DefaultAddr\"}",
		"cmd/main.go:15\n");
	/* a qualified name looks for its last part */
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"Server.Start\"}",
	       "cmd/main.go:7\n   7| func (s *Server) Start() error {\n"
	       "   8| \treturn nil\n   9| }\n"
	       "[searched for 'Start', the last part of 'Server.Start']\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__find_symbol_js_rust(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	put("web/app.js",
	    "export function render(root) {\n"
	    "  return root;\n"
	    "}\n"
	    "\n"
	    "const handler = async (req) => {\n"
	    "  return req;\n"
	    "};\n"
	    "\n"
	    "class Widget {\n"
	    "  draw(ctx) {\n"
	    "    render(ctx);\n"
	    "  }\n"
	    "}\n"
	    "\n"
	    "module.exports.helper2 = function () {};\n");
	put("src/lib.rs",
	    "pub struct Config {\n"
	    "    pub name: String,\n"
	    "}\n"
	    "\n"
	    "impl Config {\n"
	    "    pub fn new(name: &str) -> Self {\n"
	    "        Config { name: name.to_string() }\n"
	    "    }\n"
	    "}\n"
	    "\n"
	    "macro_rules! square {\n"
	    "    ($x:expr) => { $x * $x };\n"
	    "}\n");
	put("README.md", "struct Config {\nclass Widget\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"render\"}",
	       "web/app.js:1\n   1| export function render(root) {\n"
	       "   2|   return root;\n   3| }\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"handler\"}",
		"web/app.js:5\n   5| const handler = async (req) => {\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"draw\"}",
	       "web/app.js:10\n  10|   draw(ctx) {\n  11|     render(ctx);\n"
	       "  12|   }\n  13| }\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"Widget\"}",
		"web/app.js:9\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"helper2\"}",
		"web/app.js:15\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"Config\"}",
	       "src/lib.rs:1\n   1| pub struct Config {\n"
	       "   2|     pub name: String,\n   3| }\n"
	       "\n"
	       "src/lib.rs:5\n   5| impl Config {\n"
	       "   6|     pub fn new(name: &str) -> Self {\n"
	       "   7|         Config { name: name.to_string() }\n"
	       "   8|     }\n   9| }\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"new\"}",
		"src/lib.rs:6\n");
	RUN_HAS(&env, &out, "find_symbol", "{\"name\":\"square\"}",
		"src/lib.rs:11\n");
	RUN_LACKS(&env, &out, "find_symbol", "{\"name\":\"Widget\"}",
		  "README.md");
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */

struct mask_log {
	char paths[512];
	int calls;
};

/* Replace "SECRET123" with "[masked]" and note the paths seen. */
static void mask_secret(struct buf *text, const char *path, void *data)
{
	struct mask_log *log = data;
	size_t n = strlen(log->paths);

	log->calls++;
	snprintf(log->paths + n, sizeof(log->paths) - n, "%s;",
		 path ? path : "(null)");
	buf_replace_all(text, "SECRET123", "[masked]");
}

void test_tools__mask_applies_to_every_output(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct mask_log log;

	REQUIRE(setup(&env) == 0);
	put("cfg.py", "TOKEN = \"SECRET123\"\n");
	memset(&log, 0, sizeof(log));
	env.mask = mask_secret;
	env.mask_data = &log;
	RUN_OK(&env, &out, "read_file", "{\"path\":\"cfg.py\"}",
	       "   1| TOKEN = \"[masked]\"\n");
	CHECK_STR(log.paths, "cfg.py;(null);");
	RUN_OK(&env, &out, "search", "{\"pattern\":\"TOKEN\"}",
	       "cfg.py:1: TOKEN = \"[masked]\"\n[1 match in 1 file]\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"TOKEN\"}",
	       "cfg.py:1\n   1| TOKEN = \"[masked]\"\n");
	/* the search pattern itself can spell a secret in an error */
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"SECRET123(\"}",
		"invalid pattern at offset 10: missing closing parenthesis");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"SECRET123\"}",
		"cannot open '[masked]': no such file or directory");
	buf_release(&out);
	agent_tools_env_release(&env);
}

/*
 * Mask "tok_" and 24 hex digits as the secrets rules do: the first four
 * characters kept, "****" for the rest, and only a whole token known.
 */
static void mask_whole_token(struct buf *text, const char *path, void *data)
{
	struct buf out = BUF_INIT;
	size_t i = 0, k;

	(void)path;
	(void)data;
	while (i < text->len) {
		for (k = 0; i + 4 + k < text->len && k < 25 &&
		     strchr("0123456789abcdef", text->ptr[i + 4 + k]) &&
		     text->ptr[i + 4 + k]; k++)
			;
		if (k == 24 && !strncmp(text->ptr + i, "tok_", 4)) {
			buf_puts(&out, "tok_****");
			i += 28;
			continue;
		}
		buf_putc(&out, text->ptr[i++]);
	}
	buf_release(text);
	*text = out;
}

/* `n` bytes of `c`, then `tail`, in a static buffer. */
static const char *repeat(char c, size_t n, const char *tail)
{
	static char line[8192];

	memset(line, c, n);
	snprintf(line + n, sizeof(line) - n, "%s", tail);
	return line;
}

#define TOKEN "tok_3f9a1c7e5b2d8046a1c3e5f7"

/*
 * A line longer than read_file shows (2000 bytes) with a secret across
 * the cut: cut first and masked after, the piece before the cut no longer
 * looked like a secret and went out as it was.
 */
void test_tools__line_cut_never_splits_a_secret(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, text = BUF_INIT;
	int rc;

	REQUIRE(setup(&env) == 0);
	buf_puts(&text, repeat('x', 1985, " = \"" TOKEN "\" tail\n"));
	buf_puts(&text, "def long_one():\n");
	buf_puts(&text, repeat('y', 1985, TOKEN " trailing\n"));
	put("keys.py", text.ptr);
	env.mask = mask_whole_token;
	run(&env, &out, &rc, "read_file", "{\"path\":\"keys.py\"}");
	CHECK_INT(rc, 0);
	CHECK(strstr(out.ptr, " = \"tok_****\" t"));
	CHECK(!strstr(out.ptr, "tok_3f"));
	CHECK(strstr(out.ptr, "[line cut: 2023 bytes]"));
	run(&env, &out, &rc, "find_symbol", "{\"name\":\"long_one\"}");
	CHECK_INT(rc, 0);
	CHECK(strstr(out.ptr, "yyyytok_****"));
	CHECK(!strstr(out.ptr, "tok_3f"));
	buf_release(&text);
	buf_release(&out);
	agent_tools_env_release(&env);
}

/*
 * search shows 200 bytes of a long line around the match: a window that
 * started inside a secret showed its last 19 characters, which no mask
 * could recognise any more.
 */
void test_tools__search_window_never_splits_a_secret(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, text = BUF_INIT;
	int rc;

	REQUIRE(setup(&env) == 0);
	buf_puts(&text, repeat('m', 100, TOKEN));
	buf_puts(&text, repeat('g', 30, " NEEDLE"));
	buf_puts(&text, repeat('p', 300, "\n"));
	/* the match inside the secret itself */
	buf_puts(&text, repeat('q', 280, TOKEN));
	buf_puts(&text, repeat('r', 300, "\n"));
	put("notes.txt", text.ptr);
	env.mask = mask_whole_token;
	run(&env, &out, &rc, "search", "{\"pattern\":\"NEEDLE\"}");
	CHECK_INT(rc, 0);
	CHECK(strstr(out.ptr, "mmmtok_****gggggggggg"));
	CHECK(!strstr(out.ptr, "5b2d8046"));
	run(&env, &out, &rc, "search", "{\"pattern\":\"8046a1\"}");
	CHECK_INT(rc, 0);
	CHECK(strstr(out.ptr, "notes.txt:2: ..."));
	CHECK(!strstr(out.ptr, "8046"));
	CHECK(!strstr(out.ptr, "tok_3f"));
	buf_release(&text);
	buf_release(&out);
	agent_tools_env_release(&env);
}

/*
 * find_symbol checked the result cap before a definition, not while
 * adding its lines: a definition of long lines took the result to seven
 * times max_out.
 */
void test_tools__symbol_snippet_keeps_to_the_cap(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, text = BUF_INIT;
	size_t i;
	int rc;

	REQUIRE(setup(&env) == 0);
	buf_puts(&text, "int\nbig_one(void)\n{\n");
	for (i = 0; i < 12; i++)
		buf_puts(&text, repeat('z', 1900, "\n"));
	buf_puts(&text, "}\n");
	put("big.c", text.ptr);
	env.max_out = 4096;
	run(&env, &out, &rc, "find_symbol", "{\"name\":\"big_one\"}");
	CHECK_INT(rc, 0);
	CHECK(strstr(out.ptr, "big.c:2\n   1| int\n   2| big_one(void)\n"));
	CHECK(out.len <= 4096);
	/* the line of the definition itself is always shown */
	env.max_out = 10;
	run(&env, &out, &rc, "find_symbol", "{\"name\":\"big_one\"}");
	CHECK_INT(rc, 0);
	CHECK(strstr(out.ptr, "big.c:2\n   2| big_one(void)\n"));
	buf_release(&text);
	buf_release(&out);
	agent_tools_env_release(&env);
}

static int hide_vendor(const char *path, void *data)
{
	(void)data;
	return !strcmp(path, "vendor") || !strcmp(path, "gen.c");
}

void test_tools__hidden_paths_are_invisible(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	list_repo();
	put("gen.c", "int gen_v(void)\n{\n}\n");
	put("vendor/lib.c", "int v_fn(void)\n{\n}\n");
	REQUIRE(test_sh("ln -s vendor '%s/vlink'", repo) == 0);
	env.hidden = hide_vendor;
	RUN_OK(&env, &out, "list_files", "{}",
	       "README.md\na.c\nb/c.py\nb/d/e.c\nvlink -> vendor\n");
	RUN_OK(&env, &out, "search", "{\"pattern\":\"int\"}",
	       "a.c:1: int a;\nb/d/e.c:1: int e;\n[2 matches in 2 files]\n");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"vendor/v.c\"}",
		"'vendor/v.c' is excluded from this review (generated or "
		"vendored)");
	RUN_ERR(&env, &out, "read_file", "{\"path\":\"vlink/v.c\"}",
		"'vlink/v.c' is excluded from this review (generated or "
		"vendored)");
	RUN_ERR(&env, &out, "list_files", "{\"path\":\"vendor\"}",
		"'vendor' is excluded from this review (generated or "
		"vendored)");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"v_fn\"}",
	       "no definition of 'v_fn' found (3 files searched); try "
	       "search\n");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"gen_v\"}",
	       "no definition of 'gen_v' found (3 files searched); try "
	       "search\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */

void test_tools__run_errors_and_counters(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct agent_tool_set set;
	const char *read_only[] = { "read", NULL };
	json_t *args;
	int rc;

	REQUIRE(setup(&env) == 0);
	put("a.c", "x\n");
	RUN_ERR(&env, &out, "rm", "{}",
		"unknown tool 'rm' (known: read_file, list_files, search, "
		"find_symbol, submit_review)");
	CHECK_INT(agent_tools_run(&env, "rm", "{}", &out), TEND_ENOTFOUND);
	RUN_ERR(&env, &out, "read_file", "{\"file\":\"a.c\"}",
		"invalid arguments for read_file: unknown property \"file\" "
		"(allowed: path, start_line, end_line); missing required "
		"property \"path\"");
	CHECK_INT(agent_tools_run(&env, "read_file", "{\"path\":1}", &out),
		  TEND_EINVALID);
	run(&env, &out, &rc, "read_file", "{\"path\":");
	CHECK(rc == TEND_EINVALID);
	CHECK(!strncmp(out.ptr, "arguments for read_file are not valid "
		       "JSON: ", 41));
	run(&env, &out, &rc, "read_file", "{\"path\":\"a.c\",\"path\":\"b\"}");
	CHECK(rc == TEND_EINVALID);
	CHECK(strstr(out.ptr, "duplicate") != NULL);
	RUN_ERR(&env, &out, "read_file", "[]",
		"invalid arguments for read_file: expected an object, got an "
		"empty array");
	RUN_ERR(&env, &out, "read_file", "",
		"invalid arguments for read_file: missing required property "
		"\"path\"");
	/* with parsed arguments */
	args = json_pack("{s:s}", "path", "a.c");
	CHECK_INT(agent_tools_run_json(&env, "read_file", args, &out), 0);
	CHECK_STR(out.ptr, "   1| x\n");
	json_decref(args);
	CHECK_INT(agent_tools_run_json(&env, "list_files", NULL, &out), 0);
	CHECK_STR(out.ptr, "a.c\n");

	/* counters: every call, errors, bytes */
	env.calls = env.errors = env.bytes_out = 0;
	agent_tools_run(&env, "read_file", "{\"path\":\"a.c\"}", &out);
	agent_tools_run(&env, "read_file", "{\"path\":\"b.c\"}", &out);
	CHECK_INT(env.calls, 2);
	CHECK_INT(env.errors, 1);
	CHECK_INT(env.bytes_out, strlen("   1| x\n") +
		  strlen("cannot open 'b.c': no such file or directory"));

	/* an agent with only the read group cannot call submit_review */
	REQUIRE(agent_tools_defs(&set, read_only, NULL) == 0);
	env.allowed = set.tool;
	env.nr_allowed = set.nr;
	RUN_ERR(&env, &out, "submit_review", "{}",
		"unknown tool 'submit_review' (known: read_file, list_files, "
		"search, find_symbol)");
	RUN_OK(&env, &out, "read_file", "{\"path\":\"a.c\"}", "   1| x\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__submit_review_is_validated_only(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	RUN_OK(&env, &out, "submit_review",
	       "{\"summary\":\"fine\",\"comments\":[{\"path\":\"a.c\","
	       "\"line\":3,\"severity\":\"warning\",\"body\":\"check it\","
	       "\"quote\":\"\\tx = 1;\",\"side\":\"RIGHT\",\"start_line\":2,"
	       "\"suggestion\":\"\\tx = 2;\"}]}", "");
	/* strict-mode nulls for optional fields are accepted */
	RUN_OK(&env, &out, "submit_review",
	       "{\"summary\":\"fine\",\"comments\":[{\"path\":\"a.c\","
	       "\"line\":3,\"severity\":\"note\",\"body\":\"b\","
	       "\"quote\":\"q\",\"side\":null,\"start_line\":null,"
	       "\"suggestion\":null}]}", "");
	RUN_ERR(&env, &out, "submit_review",
		"{\"summary\":\"s\",\"comments\":[{\"path\":\"a.c\","
		"\"line\":\"12\",\"severity\":\"critical\",\"body\":\"b\"}]}",
		"invalid arguments for submit_review: comments[0].line: "
		"expected an integer >= 1, got \"12\"; comments[0].severity: "
		"expected one of \"note\", \"warning\", \"error\", got "
		"\"critical\"; missing required property \"quote\" in "
		"comments[0]");
	RUN_ERR(&env, &out, "submit_review",
		"{\"summary\":\"s\",\"comments\":[{\"path\":\"a.c\","
		"\"line\":1,\"severity\":\"note\",\"body\":\"b\","
		"\"quote\":null}]}",
		"invalid arguments for submit_review: comments[0].quote: "
		"expected a string, got null");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__definitions(void)
{
	const char *read_only[] = { "read", NULL };
	const char *both[] = { "final", "read", "read", NULL };
	const char *bad[] = { "read", "edit", NULL };
	const char *final_only[] = { "final", NULL };
	struct agent_tool_set set;
	struct buf err = BUF_INIT;
	size_t i, bytes;

	REQUIRE(agent_tools_defs(&set, read_only, &err) == 0);
	REQUIRE(set.nr == 4);
	CHECK_STR(set.tool[0]->name, "read_file");
	CHECK_STR(set.tool[1]->name, "list_files");
	CHECK_STR(set.tool[2]->name, "search");
	CHECK_STR(set.tool[3]->name, "find_symbol");
	for (i = 0; i < set.nr; i++) {
		CHECK(set.tool[i]->run != NULL);
		CHECK(json_is_object(set.tool[i]->schema));
		CHECK_STR(set.tool[i]->group, "read");
		CHECK(strlen(set.tool[i]->description) < 80);
	}
	REQUIRE(agent_tools_defs(&set, both, &err) == 0);
	CHECK_INT(set.nr, 5);
	CHECK_STR(set.tool[4]->name, "submit_review");
	CHECK(set.tool[4]->run == NULL);
	CHECK(set.tool[4]->schema == agent_tools_submit_review_schema());
	CHECK(agent_tools_find("search") == set.tool[2]);
	CHECK(agent_tools_find("nope") == NULL);
	CHECK_INT(agent_tools_defs(&set, bad, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "unknown tool group 'edit' (known: read, final)");
	CHECK_INT(set.nr, 0);

	/* the fixed prompt budget: tool schemas are a fraction of it */
	bytes = agent_tools_schema_bytes(both);
	CHECK(bytes > 0);
	CHECK(bytes == agent_tools_schema_bytes(read_only) +
		       agent_tools_schema_bytes(final_only));
	CHECK(bytes < 2400);	/* about 600 tokens of the 2000 */
	CHECK_INT(agent_tools_schema_bytes(bad),
		  agent_tools_schema_bytes(read_only));
	buf_release(&err);
}

void test_tools__env_init_errors(void)
{
	struct agent_tools_env env;
	struct buf err = BUF_INIT;
	char path[1100];

	CHECK_INT(agent_tools_env_init(&env, "/nonexistent/tend-x", &err),
		  TEND_ENOTFOUND);
	CHECK(!strncmp(err.ptr, "cannot resolve repository root", 30));
	snprintf(path, sizeof(path), "%s/f", test_tmpdir());
	REQUIRE(test_write(path, "x", 1) == 0);
	CHECK_INT(agent_tools_env_init(&env, path, &err), TEND_EINVALID);
	CHECK_INT(agent_tools_env_init(&env, "", &err), TEND_EINVALID);
	buf_release(&err);
}
