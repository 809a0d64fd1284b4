/*
 * test_tools.c - the agent tools on small repositories made on the spot:
 * what each returns (exactly, where a model reads it), the caps and their
 * notes, path confinement, the mask and hidden callbacks, and
 * agent_tools_run's validation and errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
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
		"find_symbol, related, edit_file, write_file, run, run_tests, "
		"delegate, submit_review, finish, answer)");
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
		"search, find_symbol, related)");
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
	const char *bad[] = { "read", "teleport", NULL };
	const char *delegating[] = { "delegate", NULL };
	const json_t *step;
	const char *final_only[] = { "final", NULL };
	const char *acting[] = { "command", "edit", NULL };
	struct agent_tool_set set;
	struct buf err = BUF_INIT;
	size_t i, bytes;

	REQUIRE(agent_tools_defs(&set, read_only, &err) == 0);
	REQUIRE(set.nr == 5);
	CHECK_STR(set.tool[0]->name, "read_file");
	CHECK_STR(set.tool[1]->name, "list_files");
	CHECK_STR(set.tool[2]->name, "search");
	CHECK_STR(set.tool[3]->name, "find_symbol");
	CHECK_STR(set.tool[4]->name, "related");
	for (i = 0; i < set.nr; i++) {
		CHECK(set.tool[i]->run != NULL);
		CHECK(json_is_object(set.tool[i]->schema));
		CHECK_STR(set.tool[i]->group, "read");
		CHECK(strlen(set.tool[i]->description) < 80);
	}
	REQUIRE(agent_tools_defs(&set, both, &err) == 0);
	CHECK_INT(set.nr, 8);
	CHECK_STR(set.tool[5]->name, "submit_review");
	CHECK(set.tool[5]->run == NULL);
	CHECK(set.tool[5]->schema == agent_tools_submit_review_schema());
	CHECK_STR(set.tool[6]->name, "finish");
	CHECK(set.tool[6]->run == NULL);
	CHECK(set.tool[6]->schema == agent_tools_finish_schema());
	CHECK_STR(set.tool[7]->name, "answer");
	CHECK_STR(set.tool[7]->group, "final");
	CHECK(set.tool[7]->run == NULL);
	CHECK(set.tool[7]->schema == agent_tools_answer_schema());
	CHECK(strlen(set.tool[7]->description) < 100);
	CHECK(agent_tools_find("search") == set.tool[2]);
	CHECK(agent_tools_find("nope") == NULL);
	CHECK_INT(agent_tools_defs(&set, bad, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "unknown tool group 'teleport' (known: read, edit, "
		  "command, delegate, final)");
	CHECK_INT(set.nr, 0);

	/* the delegate group: one tool, whose schema matches its limits */
	REQUIRE(agent_tools_defs(&set, delegating, &err) == 0);
	REQUIRE(set.nr == 1);
	CHECK_STR(set.tool[0]->name, "delegate");
	CHECK_STR(set.tool[0]->group, "delegate");
	CHECK(set.tool[0]->run != NULL);
	CHECK(agent_tools_find("delegate") == set.tool[0]);
	CHECK(strlen(set.tool[0]->description) < 80);
	step = json_object_get(json_object_get(set.tool[0]->schema,
					       "properties"), "step");
	CHECK_INT(json_integer_value(json_object_get(step, "maximum")),
		  AGENT_TOOLS_STEP_MAX);
	CHECK_INT(json_integer_value(json_object_get(step, "minimum")), 1);

	/* the acting groups, in table order */
	REQUIRE(agent_tools_defs(&set, acting, &err) == 0);
	REQUIRE(set.nr == 4);
	CHECK_STR(set.tool[0]->name, "edit_file");
	CHECK_STR(set.tool[1]->name, "write_file");
	CHECK_STR(set.tool[2]->name, "run");
	CHECK_STR(set.tool[3]->name, "run_tests");
	for (i = 0; i < set.nr; i++) {
		CHECK(set.tool[i]->run != NULL);
		CHECK(strlen(set.tool[i]->description) < 100);
	}
	CHECK_INT(agent_tools_set_bytes(&set),
		  agent_tools_schema_bytes(acting));

	/* the fixed prompt budget: tool schemas are a fraction of it */
	bytes = agent_tools_schema_bytes(both);
	CHECK(bytes > 0);
	CHECK(bytes == agent_tools_schema_bytes(read_only) +
		       agent_tools_schema_bytes(final_only));
	/* about 850 tokens of the 2000, though an agent gets one final */
	CHECK(bytes < 3400);
	CHECK_INT(agent_tools_schema_bytes(bad),
		  agent_tools_schema_bytes(read_only));

	/* finish's statuses, both ways */
	CHECK_STR(agent_tools_finish_name(AGENT_FINISH_FIXED), "fixed");
	CHECK_STR(agent_tools_finish_name(AGENT_FINISH_NOT_FIXED),
		  "not_fixed");
	CHECK_STR(agent_tools_finish_name(AGENT_FINISH_GAVE_UP), "gave_up");
	CHECK_STR(agent_tools_finish_name(AGENT_FINISH_DONE), "done");
	CHECK_STR(agent_tools_finish_name(AGENT_FINISH_NONE), "");
	CHECK_STR(agent_tools_finish_name((enum agent_finish_status)99), "");
	CHECK_INT(agent_tools_finish_parse("gave_up"), AGENT_FINISH_GAVE_UP);
	CHECK_INT(agent_tools_finish_parse("fixed"), AGENT_FINISH_FIXED);
	CHECK_INT(agent_tools_finish_parse("not_fixed"),
		  AGENT_FINISH_NOT_FIXED);
	CHECK_INT(agent_tools_finish_parse("done"), AGENT_FINISH_DONE);
	CHECK_INT(agent_tools_finish_parse("Done"), AGENT_FINISH_NONE);
	CHECK_INT(agent_tools_finish_parse("finished"), AGENT_FINISH_NONE);
	CHECK_INT(agent_tools_finish_parse(""), AGENT_FINISH_NONE);
	CHECK_INT(agent_tools_finish_parse(NULL), AGENT_FINISH_NONE);
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

/* ------------------------------------------------------------------ */
/* The edit group                                                     */

/* The content of `rel` under the repository (static, one at a time). */
static const char *content_of(const char *rel)
{
	static char text[65536];
	char path[2048];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", repo, rel);
	f = fopen(path, "rb");
	if (!f)
		return "(missing)";
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The mode bits of `rel`, or -1. */
static int mode_of(const char *rel)
{
	char path[2048];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", repo, rel);
	if (lstat(path, &st) < 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

/* 1 when a directory of the repository holds a temporary write file. */
static int temp_left(const char *dir)
{
	return test_sh("ls -A '%s/%s' | grep -q '^.tend-write-'", repo,
		       dir) == 0;
}

/* "a;b;" of env->written. */
static const char *written(const struct agent_tools_env *env)
{
	static char list[1024];
	size_t i, n = 0;

	list[0] = '\0';
	for (i = 0; i < env->nr_written; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s;",
				      env->written[i]);
	return list;
}

void test_tools__edit_file_unique_match(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	put("src/calc.c", "int add(int a, int b)\n{\n\treturn a - b;\n}\n");
	REQUIRE(test_sh("chmod 0751 '%s/src/calc.c'", repo) == 0);
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"src/calc.c\","
	       "\"old\":\"\\treturn a - b;\",\"new\":\"\\treturn a + b;\"}",
	       "edited 'src/calc.c': line 3 replaced, now line 3:\n"
	       "   3| \treturn a + b;\n");
	CHECK_STR(content_of("src/calc.c"),
		  "int add(int a, int b)\n{\n\treturn a + b;\n}\n");
	CHECK_INT(mode_of("src/calc.c"), 0751);
	CHECK(!temp_left("src"));
	CHECK_STR(written(&env), "src/calc.c;");
	CHECK_INT(env.changes, 1);

	/* several lines in, more lines out */
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"src/calc.c\","
	       "\"old\":\"{\\n\\treturn a + b;\\n}\","
	       "\"new\":\"{\\n\\tint s = a + b;\\n\\n\\treturn s;\\n}\"}",
	       "edited 'src/calc.c': lines 2-4 replaced, now lines 2-6:\n"
	       "   2| {\n   3| \tint s = a + b;\n   4|\n   5| \treturn s;\n"
	       "   6| }\n");
	/* whole lines deleted */
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"src/calc.c\","
	       "\"old\":\"\\n\\n\\treturn s;\\n\",\"new\":\"\\n\"}",
	       "edited 'src/calc.c': lines 3-5 replaced, now line 3:\n"
	       "   3| \tint s = a + b;\n");
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"src/calc.c\","
	       "\"old\":\"\\tint s = a + b;\\n\",\"new\":\"\"}",
	       "edited 'src/calc.c': line 3 deleted\n");
	CHECK_STR(content_of("src/calc.c"), "int add(int a, int b)\n{\n}\n");
	/* the same path is listed once */
	CHECK_STR(written(&env), "src/calc.c;");
	CHECK_INT(env.changes, 4);
	buf_release(&out);
	agent_tools_env_release(&env);
	CHECK(env.written == NULL && env.nr_written == 0);
}

void test_tools__edit_file_replace_all_and_multiple_matches(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	put("a.py", "x = old_name()\ny = 1\nold_name(2)\n\nz = old_name\n");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"a.py\","
		"\"old\":\"old_name\",\"new\":\"new_name\"}",
		"old occurs 3 times in 'a.py' (at lines 1, 3, 5): add the "
		"lines around it to old so that it matches once, or set "
		"replace_all to change every one");
	CHECK_INT(agent_tools_run(&env, "edit_file", "{\"path\":\"a.py\","
				  "\"old\":\"old_name\",\"new\":\"n\"}", &out),
		  TEND_EINVALID);
	CHECK_STR(content_of("a.py"),
		  "x = old_name()\ny = 1\nold_name(2)\n\nz = old_name\n");
	CHECK_STR(written(&env), "");
	/* false is the default */
	RUN_HAS(&env, &out, "edit_file", "{\"path\":\"a.py\","
		"\"old\":\"old_name\",\"new\":\"n\",\"replace_all\":false}",
		"old occurs 3 times");
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"a.py\","
	       "\"old\":\"old_name\",\"new\":\"new_name\","
	       "\"replace_all\":true}",
	       "edited 'a.py': 3 replacements, now at lines 1, 3, 5\n");
	CHECK_STR(content_of("a.py"),
		  "x = new_name()\ny = 1\nnew_name(2)\n\nz = new_name\n");
	/* replace_all with one match is one replacement */
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"a.py\","
	       "\"old\":\"y = 1\",\"new\":\"y = 2\",\"replace_all\":true}",
	       "edited 'a.py': line 2 replaced, now line 2:\n   2| y = 2\n");
	/* overlapping occurrences are ambiguous; replace_all takes them
	 * left to right without overlap */
	put("o.txt", "aaa\n");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"o.txt\","
		"\"old\":\"aa\",\"new\":\"b\"}",
		"old occurs 2 times in 'o.txt' (at line 1): add the lines "
		"around it to old so that it matches once, or set "
		"replace_all to change every one");
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"o.txt\","
	       "\"old\":\"aa\",\"new\":\"b\",\"replace_all\":true}",
	       "edited 'o.txt': line 1 replaced, now line 1:\n   1| ba\n");
	/* a replacement over several lines, several times */
	put("m.txt", "a\nb\na\nb\n");
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"m.txt\","
	       "\"old\":\"a\\nb\\n\",\"new\":\"c\\nd\\ne\\n\","
	       "\"replace_all\":true}",
	       "edited 'm.txt': 2 replacements, now at lines 1-3, 4-6\n");
	CHECK_STR(written(&env), "a.py;o.txt;m.txt;");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__edit_file_near_misses(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct mask_log log;

	REQUIRE(setup(&env) == 0);
	put("lib.py",
	    "def total(items):\n"
	    "    s = 0\n"
	    "    for i in items:\n"
	    "        s += i.price\n"
	    "    return s\n"
	    "\n"
	    "def count(items):\n"
	    "    return len(items)\n");
	/* the same text but for white space: the exact text is shown */
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"lib.py\","
		"\"old\":\"for i in items:\\n    s += i.price\","
		"\"new\":\"x\"}",
		"old was not found in 'lib.py'.\n"
		"Ignoring white space, it matches lines 3-4, whose exact text "
		"is:\n"
		"   3|     for i in items:\n"
		"   4|         s += i.price\n"
		"Copy the text exactly, with its tabs, spaces and line ends.");
	CHECK_INT(agent_tools_run(&env, "edit_file", "{\"path\":\"lib.py\","
				  "\"old\":\"s=0\",\"new\":\"x\"}", &out),
		  TEND_ENOTFOUND);
	/* the first lines match, then one differs */
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"lib.py\","
		"\"old\":\"    s = 0\\n    for i in items:\\n"
		"        s += i.cost\\n\",\"new\":\"x\"}",
		"old was not found in 'lib.py'.\n"
		"Lines 1-2 of old match lines 2-3, but line 3 of old:\n"
		"            s += i.cost\n"
		"differs from the file's line:\n"
		"   4|         s += i.price\n"
		"Copy the text exactly (read_file shows it).");
	/* nothing structural: the most similar lines */
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"lib.py\","
		"\"old\":\"    return length(items)\",\"new\":\"x\"}",
		"old was not found in 'lib.py'.\n"
		"The lines most like old's line \"    return length(items)\":\n"
		"   8|     return len(items)\n"
		"Copy the text exactly (read_file shows it).");
	/* nothing close */
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"lib.py\","
		"\"old\":\"class Zebra:\",\"new\":\"x\"}",
		"old was not found in 'lib.py'.\n"
		"Nothing in the file is close to it: read the file again "
		"(read_file); it may not hold what you expect.");
	/* read_file's line numbers copied into old */
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"lib.py\","
		"\"old\":\"   2|     s = 0\\n   3|     for i in items:\","
		"\"new\":\"x\"}",
		"old was not found in 'lib.py'.\n"
		"old seems to include read_file's line numbers (\"  12| \"): "
		"give the file's text only, without them.");
	/* the near misses pass through the mask too */
	put("k.py", "KEY = 'SECRET123'\n");
	memset(&log, 0, sizeof(log));
	env.mask = mask_secret;
	env.mask_data = &log;
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"k.py\","
		"\"old\":\"KEY='SECRET123'\",\"new\":\"x\"}",
		"old was not found in 'k.py'.\n"
		"Ignoring white space, it matches line 1, whose exact text "
		"is:\n"
		"   1| KEY = '[masked]'\n"
		"Copy the text exactly, with its tabs, spaces and line ends.");
	CHECK(!strncmp(content_of("lib.py"), "def total(items):\n    s = 0\n",
		       28));
	CHECK(strstr(content_of("lib.py"), "x") == NULL);
	CHECK_STR(written(&env), "");
	CHECK_INT(env.changes, 0);
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__edit_file_errors(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	char path[1100];
	json_t *args;

	REQUIRE(setup(&env) == 0);
	put("a.c", "int x;\n");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"a.c\",\"old\":\"\","
		"\"new\":\"int y;\"}",
		"invalid arguments for edit_file: old: expected a non-empty "
		"string, got \"\"");
	/* the executor checks too, for parsed arguments */
	args = json_pack("{s:s, s:s, s:s}", "path", "a.c", "old", "",
			 "new", "y");
	CHECK_INT(agent_tools_run_json(&env, "edit_file", args, &out),
		  TEND_EINVALID);
	json_decref(args);
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"a.c\","
		"\"old\":\"int x;\",\"new\":\"int x;\"}",
		"old and new are the same: nothing to change");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"b.c\","
		"\"old\":\"int x;\",\"new\":\"int y;\"}",
		"'b.c' does not exist: use write_file to create it");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"a.c\","
		"\"old\":\"int x;\"}",
		"invalid arguments for edit_file: missing required property "
		"\"new\"");
	/* binary files are not edited */
	snprintf(path, sizeof(path), "%s/bin.dat", repo);
	REQUIRE(test_write(path, "ab\0cd", 5) == 0);
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"bin.dat\","
		"\"old\":\"ab\",\"new\":\"xy\"}",
		"'bin.dat' is a binary file: edit_file changes text files "
		"only");
	/* NUL bytes in the text: only parsed arguments can carry them */
	args = json_pack("{s:s, s:s, s:s%}", "path", "a.c", "old", "int x;",
			 "new", "int\0y;", (size_t)6);
	CHECK_INT(agent_tools_run_json(&env, "edit_file", args, &out),
		  TEND_EINVALID);
	CHECK_STR(out.ptr, "old or new contains a NUL byte: the edit tools "
		  "change text files only");
	json_decref(args);
	/* directories and fifos */
	put("d/x.c", "x\n");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"d\",\"old\":\"a\","
		"\"new\":\"b\"}",
		"'d' is a directory: give the path of a file");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"d/\",\"old\":\"a\","
		"\"new\":\"b\"}", "'d/' names a directory: give the path of a "
		"file");
	REQUIRE(test_sh("mkfifo '%s/fifo'", repo) == 0);
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"fifo\",\"old\":\"a\","
		"\"new\":\"b\"}", "'fifo' is not a regular file");
	/* the size cap: a file over it, an edit that would pass it */
	env.max_write_bytes = 10;
	put("big.txt", "0123456789abc\n");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"big.txt\","
		"\"old\":\"abc\",\"new\":\"d\"}",
		"'big.txt' is larger than 10 bytes, more than the edit tools "
		"write");
	CHECK_INT(agent_tools_run(&env, "edit_file", "{\"path\":\"big.txt\","
				  "\"old\":\"abc\",\"new\":\"d\"}", &out),
		  TEND_ETOOBIG);
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"a.c\","
		"\"old\":\"x\",\"new\":\"xxxxxxxx\"}",
		"the edit would make 'a.c' 14 bytes, more than the 10 bytes "
		"the edit tools write");
	CHECK_STR(content_of("a.c"), "int x;\n");
	CHECK_STR(written(&env), "");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__edit_file_crlf(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	put("w.txt", "one\r\ntwo\r\nthree\r\n");
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"w.txt\","
	       "\"old\":\"one\\ntwo\\n\",\"new\":\"one\\n2\\n\"}",
	       "edited 'w.txt': lines 1-2 replaced, now lines 1-2:\n"
	       "   1| one\n   2| 2\n"
	       "[the file has CRLF line ends: old and new were matched and "
	       "written with them]\n");
	CHECK_STR(content_of("w.txt"), "one\r\n2\r\nthree\r\n");
	/* within a line nothing is converted */
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"w.txt\","
	       "\"old\":\"three\",\"new\":\"3\"}",
	       "edited 'w.txt': line 3 replaced, now line 3:\n   3| 3\n");
	CHECK_STR(content_of("w.txt"), "one\r\n2\r\n3\r\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__write_file(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	json_t *args;

	REQUIRE(setup(&env) == 0);
	/* a new file, and the directories it needs */
	RUN_OK(&env, &out, "write_file", "{\"path\":\"src/new/util.h\","
	       "\"content\":\"#pragma once\\nint f(void);\\n\"}",
	       "created 'src/new/util.h' (2 lines, 26 bytes)\n");
	CHECK_STR(content_of("src/new/util.h"), "#pragma once\nint f(void);\n");
	CHECK(!temp_left("src/new"));
	/* an empty file */
	RUN_OK(&env, &out, "write_file", "{\"path\":\"./empty\","
	       "\"content\":\"\"}", "created 'empty' (0 lines, 0 bytes)\n");
	/* overwrite keeps the mode */
	put("run.sh", "#!/bin/sh\necho hi\n");
	REQUIRE(test_sh("chmod 0755 '%s/run.sh'", repo) == 0);
	RUN_OK(&env, &out, "write_file", "{\"path\":\"run.sh\","
	       "\"content\":\"#!/bin/sh\\necho bye\\nexit 0\\n\"}",
	       "overwrote 'run.sh' (3 lines, 26 bytes; it had 2 lines)\n");
	CHECK_INT(mode_of("run.sh"), 0755);
	CHECK_STR(content_of("run.sh"), "#!/bin/sh\necho bye\nexit 0\n");
	/* the same content is not a write */
	CHECK_INT(env.changes, 3);
	RUN_OK(&env, &out, "write_file", "{\"path\":\"run.sh\","
	       "\"content\":\"#!/bin/sh\\necho bye\\nexit 0\\n\"}",
	       "'run.sh' already has this content: nothing changed\n");
	CHECK_INT(env.changes, 3);
	CHECK_STR(written(&env), "src/new/util.h;empty;run.sh;");
	/* errors */
	env.max_write_bytes = 4;
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"c.txt\","
		"\"content\":\"12345\"}",
		"content is 5 bytes, more than the 4 bytes the edit tools "
		"write");
	CHECK_INT(agent_tools_run(&env, "write_file", "{\"path\":\"c.txt\","
				  "\"content\":\"12345\"}", &out),
		  TEND_ETOOBIG);
	CHECK_STR(content_of("c.txt"), "(missing)");
	env.max_write_bytes = 1 << 20;
	args = json_pack("{s:s, s:s%}", "path", "c.txt", "content", "a\0b",
			 (size_t)3);
	CHECK_INT(agent_tools_run_json(&env, "write_file", args, &out),
		  TEND_EINVALID);
	CHECK_STR(out.ptr, "content contains a NUL byte: the edit tools write "
		  "text files only");
	json_decref(args);
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"src\","
		"\"content\":\"x\"}", "'src' is a directory: give the path of "
		"a file");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\".\","
		"\"content\":\"x\"}", "'.' names a directory: give the path of "
		"a file");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"run.sh/x\","
		"\"content\":\"x\"}", "'run.sh/x' goes through 'run.sh', which "
		"is not a directory");
	RUN_ERR(&env, &out, "write_file", "{\"content\":\"x\"}",
		"invalid arguments for write_file: missing required property "
		"\"path\"");
	CHECK_STR(written(&env), "src/new/util.h;empty;run.sh;");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__write_confinement(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	const char *outside;
	char canary[1100];

	REQUIRE(setup(&env) == 0);
	put("sub/a.c", "int a;\n");
	outside = test_tmpdir();
	snprintf(canary, sizeof(canary), "%s/canary", outside);
	REQUIRE(test_write(canary, "canary\n", 7) == 0);
	REQUIRE(test_sh("ln -s '%s/canary' '%s/escape' && "
			"ln -s '%s' '%s/outdir' && "
			"ln -s .git '%s/gitlink' && "
			"ln -s sub '%s/sublink' && "
			"ln -s a.c '%s/sub/alias.c'",
			outside, repo, outside, repo, repo, repo, repo) == 0);
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"../x\","
		"\"content\":\"x\"}",
		"'../x' leaves the repository: '..' is not allowed in paths");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"/tmp/x\","
		"\"content\":\"x\"}",
		"'/tmp/x' is an absolute path: give a path relative to the "
		"repository root");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\".git/config\","
		"\"content\":\"x\"}",
		"'.git/config' is inside .git, which tools cannot access");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\".git/config\","
		"\"old\":\"core\",\"new\":\"x\"}",
		"'.git/config' is inside .git, which tools cannot access");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"sub/.GIT/hooks/x\","
		"\"content\":\"x\"}",
		"'sub/.GIT/hooks/x' is inside .git, which tools cannot access");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\".git./x\","
		"\"content\":\"x\"}",
		"'.git./x' is inside .git, which tools cannot access");
	/* a symlink as the target is refused, not followed */
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"escape\","
		"\"content\":\"pwned\"}",
		"'escape' is a symbolic link: the edit tools do not write "
		"through links");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"escape\","
		"\"old\":\"canary\",\"new\":\"pwned\"}",
		"'escape' is a symbolic link: the edit tools do not write "
		"through links");
	/* ... even one that stays inside */
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"sub/alias.c\","
		"\"old\":\"a\",\"new\":\"b\"}",
		"'sub/alias.c' is a symbolic link: the edit tools do not write "
		"through links");
	/* and so is a symlink on the way */
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"outdir/canary\","
		"\"content\":\"pwned\"}",
		"'outdir/canary' goes through 'outdir', a symbolic link: the "
		"edit tools do not follow links");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"outdir/new/x\","
		"\"content\":\"pwned\"}",
		"'outdir/new/x' goes through 'outdir', a symbolic link: the "
		"edit tools do not follow links");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"gitlink/config\","
		"\"content\":\"x\"}",
		"'gitlink/config' goes through 'gitlink', a symbolic link: the "
		"edit tools do not follow links");
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"sublink/a.c\","
		"\"old\":\"a\",\"new\":\"b\"}",
		"'sublink/a.c' goes through 'sublink', a symbolic link: the "
		"edit tools do not follow links");
	{
		FILE *f = fopen(canary, "rb");
		char text[64] = "";

		REQUIRE(f != NULL);
		CHECK(fgets(text, sizeof(text), f) != NULL);
		fclose(f);
		CHECK_STR(text, "canary\n");
	}
	CHECK(test_sh("test ! -e '%s/new'", outside) == 0);
	CHECK_STR(content_of(".git/config"), "[core]\n");
	CHECK_STR(content_of("sub/a.c"), "int a;\n");
	/* hidden paths are not written either */
	env.hidden = hide_vendor;
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"vendor/new.c\","
		"\"content\":\"x\"}",
		"'vendor/new.c' is excluded from the files this agent may "
		"touch (generated or vendored)");
	CHECK(test_sh("test ! -e '%s/vendor'", repo) == 0);
	CHECK_STR(written(&env), "");
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* The coordinator's policy, in small: CI files and tests are refused. */
struct policy {
	char asked[512];
};

static int policy_writable(const char *path, struct buf *why, void *data)
{
	struct policy *p = data;
	size_t n = strlen(p->asked);

	snprintf(p->asked + n, sizeof(p->asked) - n, "%s;", path);
	if (!strncmp(path, ".github/workflows/", 18)) {
		buf_printf(why, "'%s' is a CI definition: tend fix does not "
			   "change CI", path);
		return 1;
	}
	if (!strncmp(path, "tests/", 6)) {
		buf_printf(why, "'%s' is a test file: a fix that edits the "
			   "failing test is not a fix; change the code under "
			   "test", path);
		return 1;
	}
	if (!strcmp(path, "quiet.txt"))
		return -1;	/* a refusal without a reason */
	return 0;
}

void test_tools__writable_callback(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct policy pol;

	REQUIRE(setup(&env) == 0);
	put("tests/test_x.py", "assert f() == 2\n");
	put("src/x.py", "def f():\n    return 1\n");
	memset(&pol, 0, sizeof(pol));
	env.writable = policy_writable;
	env.writable_data = &pol;
	RUN_ERR(&env, &out, "edit_file", "{\"path\":\"./tests//test_x.py\","
		"\"old\":\"2\",\"new\":\"1\"}",
		"'tests/test_x.py' is a test file: a fix that edits the "
		"failing test is not a fix; change the code under test");
	RUN_ERR(&env, &out, "write_file",
		"{\"path\":\".github/workflows/ci.yml\",\"content\":\"x\"}",
		"'.github/workflows/ci.yml' is a CI definition: tend fix does "
		"not change CI");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"quiet.txt\","
		"\"content\":\"x\"}",
		"'quiet.txt' is protected: tend does not change it");
	/* asked with the clean path, before anything was created */
	CHECK_STR(pol.asked, "tests/test_x.py;.github/workflows/ci.yml;"
		  "quiet.txt;");
	CHECK(test_sh("test ! -e '%s/.github'", repo) == 0);
	CHECK(test_sh("test ! -e '%s/quiet.txt'", repo) == 0);
	CHECK_STR(content_of("tests/test_x.py"), "assert f() == 2\n");
	/* .git is refused before the policy is asked */
	pol.asked[0] = '\0';
	RUN_ERR(&env, &out, "write_file", "{\"path\":\".git/HEAD\","
		"\"content\":\"x\"}",
		"'.git/HEAD' is inside .git, which tools cannot access");
	CHECK_STR(pol.asked, "");
	/* what the policy allows goes through */
	RUN_OK(&env, &out, "edit_file", "{\"path\":\"src/x.py\","
	       "\"old\":\"return 1\",\"new\":\"return 2\"}",
	       "edited 'src/x.py': line 2 replaced, now line 2:\n"
	       "   2|     return 2\n");
	CHECK_STR(pol.asked, "src/x.py;");
	CHECK_STR(written(&env), "src/x.py;");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__write_is_atomic(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct rlimit saved, small;
	void (*old_handler)(int);
	int rc;

	REQUIRE(setup(&env) == 0);
	put("keep.txt", "the old text\n");
	put("dir/inner.txt", "x\n");
	/*
	 * A write that fails half way (the file-size limit, which holds for
	 * root too): the old file is whole and no temporary file is left.
	 */
	REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
	old_handler = signal(SIGXFSZ, SIG_IGN);
	small = saved;
	small.rlim_cur = 8;
	REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
	rc = agent_tools_run(&env, "write_file", "{\"path\":\"keep.txt\","
			     "\"content\":\"a much longer new text\\n\"}",
			     &out);
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, old_handler);
	CHECK_INT(rc, TEND_ERROR);
	CHECK_STR(out.ptr, "cannot write 'keep.txt': File too large; the file "
		  "was left as it was");
	CHECK_STR(content_of("keep.txt"), "the old text\n");
	CHECK(!temp_left("."));
	/* the same for an edit */
	REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
	signal(SIGXFSZ, SIG_IGN);
	rc = agent_tools_run(&env, "edit_file", "{\"path\":\"keep.txt\","
			     "\"old\":\"old\",\"new\":\"new\"}", &out);
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, old_handler);
	CHECK_INT(rc, TEND_ERROR);
	CHECK_STR(content_of("keep.txt"), "the old text\n");
	CHECK(!temp_left("."));
	CHECK_STR(written(&env), "");
	CHECK_INT(env.changes, 0);
	/* a directory in the way: nothing is replaced */
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"dir\","
		"\"content\":\"x\"}",
		"'dir' is a directory: give the path of a file");
	CHECK_STR(content_of("dir/inner.txt"), "x\n");
	RUN_ERR(&env, &out, "write_file", "{\"path\":\"keep.txt/sub\","
		"\"content\":\"x\"}",
		"'keep.txt/sub' goes through 'keep.txt', which is not a "
		"directory");
	CHECK_STR(content_of("keep.txt"), "the old text\n");
	CHECK(!temp_left("."));
	CHECK(!temp_left("dir"));
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */
/* The command group                                                  */

struct sandbox {
	char command[64];
	long timeout;
	const char *reply;	/* what the "sandbox" answers */
	int rc;
	int calls;
};

static int fake_run_command(const char *command, long timeout_s,
			    struct buf *out, void *data)
{
	struct sandbox *sb = data;

	sb->calls++;
	snprintf(sb->command, sizeof(sb->command), "%s", command);
	sb->timeout = timeout_s;
	buf_puts(out, sb->reply);
	return sb->rc;
}

static int fake_run_tests(struct buf *out, void *data)
{
	struct sandbox *sb = data;

	sb->calls++;
	buf_puts(out, sb->reply);
	return sb->rc;
}

void test_tools__commands_without_a_sandbox(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	RUN_ERR(&env, &out, "run", "{\"command\":\"make\"}",
		"this agent cannot run commands here");
	CHECK_INT(agent_tools_run(&env, "run", "{\"command\":\"make\"}",
				  &out), TEND_EUNAVAIL);
	RUN_ERR(&env, &out, "run_tests", "{}",
		"this agent cannot run commands here");
	RUN_ERR(&env, &out, "run_tests", NULL,
		"this agent cannot run commands here");
	CHECK_INT(env.errors, 4);
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__commands(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, big = BUF_INIT, cmd = BUF_INIT;
	struct sandbox sb;
	struct mask_log log;
	json_t *args;
	size_t i;

	REQUIRE(setup(&env) == 0);
	memset(&sb, 0, sizeof(sb));
	env.run_command = fake_run_command;
	env.run_tests = fake_run_tests;
	env.command_data = &sb;
	sb.reply = "exit status 0\nok\n";
	RUN_OK(&env, &out, "run", "{\"command\":\"make -k\"}",
	       "exit status 0\nok\n");
	CHECK_STR(sb.command, "make -k");
	CHECK_INT(sb.timeout, 120);
	RUN_OK(&env, &out, "run", "{\"command\":\"make\",\"timeout\":600}",
	       "exit status 0\nok\n");
	CHECK_INT(sb.timeout, 600);
	RUN_OK(&env, &out, "run", "{\"command\":\"make\",\"timeout\":null}",
	       "exit status 0\nok\n");
	CHECK_INT(sb.timeout, 120);
	/* a failing command is a normal result: its status is in the text */
	sb.reply = "exit status 2\nerror: x\n";
	RUN_OK(&env, &out, "run", "{\"command\":\"false\"}",
	       "exit status 2\nerror: x\n");
	/* a command that could not run is an error result */
	sb.rc = TEND_EUNAVAIL;
	sb.reply = "the sandbox is not available";
	RUN_ERR(&env, &out, "run", "{\"command\":\"make\"}",
		"the sandbox is not available");
	sb.reply = "";
	RUN_ERR(&env, &out, "run", "{\"command\":\"make\"}",
		"the command could not be run");
	RUN_ERR(&env, &out, "run_tests", "{}", "the tests could not be run");
	sb.rc = 0;

	/* argument checks, before the sandbox is asked */
	sb.calls = 0;
	RUN_ERR(&env, &out, "run", "{\"command\":\"\"}",
		"invalid arguments for run: command: expected a non-empty "
		"string, got \"\"");
	RUN_ERR(&env, &out, "run", "{\"command\":\"  \\n\"}",
		"command is empty");
	RUN_ERR(&env, &out, "run", "{\"command\":\"make\",\"timeout\":0}",
		"invalid arguments for run: timeout: expected an integer "
		"between 1 and 600, got 0");
	RUN_ERR(&env, &out, "run", "{\"command\":\"make\",\"timeout\":601}",
		"invalid arguments for run: timeout: expected an integer "
		"between 1 and 600, got 601");
	RUN_HAS(&env, &out, "run", "{\"command\":\"make\",\"timeout\":2.5}",
		"invalid arguments for run: timeout");
	buf_puts(&cmd, "{\"command\":\"");
	for (i = 0; i < 8193; i++)
		buf_putc(&cmd, 'x');
	buf_puts(&cmd, "\"}");
	RUN_ERR(&env, &out, "run", cmd.ptr,
		"command is 8193 bytes; the limit is 8192");
	args = json_pack("{s:s%}", "command", "ls\0rm", (size_t)5);
	CHECK_INT(agent_tools_run_json(&env, "run", args, &out),
		  TEND_EINVALID);
	CHECK_STR(out.ptr, "command contains a NUL byte");
	json_decref(args);
	RUN_ERR(&env, &out, "run_tests", "{\"filter\":\"x\"}",
		"invalid arguments for run_tests: unknown property \"filter\" "
		"(no properties are allowed)");
	CHECK_INT(sb.calls, 0);

	/* the output is masked, and capped keeping its head and tail */
	memset(&log, 0, sizeof(log));
	env.mask = mask_secret;
	env.mask_data = &log;
	sb.reply = "token SECRET123 leaked\n";
	RUN_OK(&env, &out, "run_tests", "{}", "token [masked] leaked\n");
	/* a secret across the place where the head is cut */
	for (i = 0; i < 95; i++)
		buf_putc(&big, 'a');
	buf_puts(&big, "SECRET123\n");
	for (i = 0; i < 200; i++)
		buf_printf(&big, "line %03zu\n", i);
	sb.reply = big.ptr;
	env.max_out = 200;
	CHECK_INT(agent_tools_run(&env, "run_tests", "{}", &out), 0);
	CHECK(!strncmp(out.ptr, "aaaaa", 5));
	CHECK(strstr(out.ptr, "\n[... ") != NULL);
	CHECK(strstr(out.ptr, " bytes cut: the head and the tail of the "
			      "output are shown ...]\n") != NULL);
	CHECK(strstr(out.ptr, "line 199\n") != NULL);
	CHECK(strstr(out.ptr, "line 100\n") == NULL);
	CHECK(strstr(out.ptr, "SECRE") == NULL);
	CHECK(out.len < 300);
	/* the whole text was masked before the cut */
	CHECK(strstr(log.paths, "(null);") != NULL);
	buf_release(&cmd);
	buf_release(&big);
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__finish_is_validated_only(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	RUN_OK(&env, &out, "finish", "{\"status\":\"fixed\","
	       "\"summary\":\"off by one in add(); changed - to +\"}", "");
	RUN_OK(&env, &out, "finish", "{\"status\":\"gave_up\","
	       "\"summary\":\"the test needs network\"}", "");
	RUN_OK(&env, &out, "finish", "{\"status\":\"done\","
	       "\"summary\":\"1. Validate the port.\\n2. Test it.\"}", "");
	RUN_ERR(&env, &out, "finish", "{\"status\":\"finished\"}",
		"invalid arguments for finish: status: expected one of "
		"\"fixed\", \"not_fixed\", \"gave_up\", \"done\", got "
		"\"finished\"; missing required property \"summary\"");
	RUN_ERR(&env, &out, "finish", "{\"status\":\"fixed\","
		"\"summary\":\"\"}",
		"invalid arguments for finish: summary: expected a non-empty "
		"string, got \"\"");
	RUN_ERR(&env, &out, "finish", "{\"status\":null,\"summary\":\"x\"}",
		"invalid arguments for finish: status: expected one of "
		"\"fixed\", \"not_fixed\", \"gave_up\", \"done\", got null");
	buf_release(&out);
	agent_tools_env_release(&env);
}

#define CITE(extra) "{\"path\":\"a.c\",\"line\":2,\"quote\":\"x\"" extra "}"

void test_tools__answer_is_validated_only(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, big = BUF_INIT, args = BUF_INIT;
	const json_t *props, *items, *q, *t;
	int i;

	REQUIRE(setup(&env) == 0);
	RUN_OK(&env, &out, "answer", "{\"text\":\"It returns 0 [1].\","
	       "\"citations\":[" CITE(",\"end_line\":4") "]}", "");
	/* no citations is an answer ("I do not know"); nulls are absent */
	RUN_OK(&env, &out, "answer", "{\"text\":\"I cannot tell.\","
	       "\"citations\":[]}", "");
	RUN_OK(&env, &out, "answer", "{\"text\":\"t\",\"citations\":["
	       CITE(",\"end_line\":null") "]}", "");
	/* bad shapes, each said where */
	RUN_ERR(&env, &out, "answer", "{\"text\":\"\",\"citations\":[]}",
		"invalid arguments for answer: text: expected a string of 1 "
		"to 20000 characters, got \"\"");
	RUN_ERR(&env, &out, "answer", "{\"text\":\"t\"}",
		"invalid arguments for answer: missing required property "
		"\"citations\"");
	RUN_ERR(&env, &out, "answer", "{\"text\":\"t\",\"citations\":"
		"\"a.c:2\"}",
		"invalid arguments for answer: citations: expected an array "
		"of at most 20 items, got \"a.c:2\"");
	RUN_ERR(&env, &out, "answer", "{\"text\":\"t\",\"citations\":["
		"{\"path\":\"a.c\",\"line\":0,\"quote\":\"\"}]}",
		"invalid arguments for answer: citations[0].line: expected an "
		"integer >= 1, got 0; citations[0].quote: expected a string "
		"of 1 to 500 characters, got \"\"");
	RUN_ERR(&env, &out, "answer", "{\"text\":\"t\",\"citations\":["
		"{\"path\":\"a.c\",\"line\":\"2\"}]}",
		"invalid arguments for answer: citations[0].line: expected an "
		"integer >= 1, got \"2\"; missing required property "
		"\"quote\" in citations[0]");
	RUN_HAS(&env, &out, "answer", "{\"text\":\"t\",\"citations\":["
		CITE(",\"end_line\":0") "]}",
		"citations[0].end_line: expected an integer >= 1, got 0");
	RUN_HAS(&env, &out, "answer", "{\"text\":\"t\",\"citations\":["
		CITE(",\"file\":\"b.c\"") "]}",
		"unknown property \"file\"");
	RUN_HAS(&env, &out, "answer", "{\"text\":\"t\",\"citations\":[],"
		"\"summary\":\"s\"}", "unknown property \"summary\"");
	/* a quote over 500 characters */
	for (i = 0; i < 501; i++)
		buf_putc(&big, 'q');
	buf_printf(&args, "{\"text\":\"t\",\"citations\":[{\"path\":"
		   "\"a.c\",\"line\":1,\"quote\":\"%s\"}]}", big.ptr);
	RUN_HAS(&env, &out, "answer", args.ptr, "citations[0].quote");
	/* 21 citations */
	buf_reset(&args);
	buf_puts(&args, "{\"text\":\"t\",\"citations\":[");
	for (i = 0; i < AGENT_TOOLS_CITATIONS_MAX + 1; i++)
		buf_printf(&args, "%s" CITE(""), i ? "," : "");
	buf_puts(&args, "]}");
	RUN_HAS(&env, &out, "answer", args.ptr, "citations: expected an "
		"array of at most 20 items, got an array of 21");
	/* 20 are fine */
	buf_reset(&args);
	buf_puts(&args, "{\"text\":\"t\",\"citations\":[");
	for (i = 0; i < AGENT_TOOLS_CITATIONS_MAX; i++)
		buf_printf(&args, "%s" CITE(""), i ? "," : "");
	buf_puts(&args, "]}");
	RUN_OK(&env, &out, "answer", args.ptr, "");

	/* the schema holds the limits of tools.h */
	props = json_object_get(agent_tools_answer_schema(), "properties");
	t = json_object_get(props, "text");
	CHECK_INT(json_integer_value(json_object_get(t, "maxLength")),
		  AGENT_TOOLS_ANSWER_MAX);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(props,
		"citations"), "maxItems")), AGENT_TOOLS_CITATIONS_MAX);
	items = json_object_get(json_object_get(props, "citations"), "items");
	q = json_object_get(json_object_get(items, "properties"), "quote");
	CHECK_INT(json_integer_value(json_object_get(q, "maxLength")),
		  AGENT_TOOLS_QUOTE_MAX);
	CHECK(agent_tools_find("answer")->schema ==
	      agent_tools_answer_schema());
	buf_release(&out);
	buf_release(&big);
	buf_release(&args);
	agent_tools_env_release(&env);
}

static void mask_key(struct buf *text, const char *path, void *data)
{
	(void)path;
	(void)data;
	buf_replace_all(text, "KEY123", "[masked]");
}

void test_tools__file_text(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, err = BUF_INIT;
	char outside[2048];
	int partial = 7;

	REQUIRE(setup(&env) == 0);
	put("src/a.c", "int a;\nchar *k = \"KEY123\";\n");
	{
		char bin[2048];

		snprintf(bin, sizeof(bin), "%s/bin", repo);
		REQUIRE(test_write(bin, "x\0y", 3) == 0);
	}
	snprintf(outside, sizeof(outside), "%s/../outside.txt", repo);
	REQUIRE(test_write(outside, "secret\n", 7) == 0);
	REQUIRE(test_sh("ln -s ../outside.txt '%s/out' && ln -s src/a.c "
			"'%s/in' && ln -s .git/config '%s/cfg'", repo, repo,
			repo) == 0);

	/* a file, as read_file sees it: masked with the env's mask */
	env.mask = mask_key;
	CHECK_INT(agent_tools_file_text(&out, &env, "./src//a.c", &partial,
					&err), 0);
	CHECK_STR(out.ptr, "int a;\nchar *k = \"[masked]\";\n");
	CHECK_INT(partial, 0);
	/* a link that stays inside is followed, as read_file does */
	CHECK_INT(agent_tools_file_text(&out, &env, "in", &partial, &err), 0);
	CHECK(strstr(out.ptr, "int a;") != NULL);

	/* what the tools refuse, it refuses, with the reason */
	CHECK(agent_tools_file_text(&out, &env, "out", &partial, &err) < 0);
	CHECK_STR(err.ptr, "'out' resolves to a path outside the repository");
	CHECK_INT(out.len, 0);
	CHECK(agent_tools_file_text(&out, &env, "cfg", &partial, &err) < 0);
	CHECK_STR(err.ptr, "'cfg' resolves into .git, which tools cannot "
		  "access");
	CHECK(agent_tools_file_text(&out, &env, ".git/config", &partial,
				    &err) < 0);
	CHECK(strstr(err.ptr, "inside .git") != NULL);
	CHECK(agent_tools_file_text(&out, &env, "../outside.txt", &partial,
				    &err) < 0);
	CHECK(strstr(err.ptr, "'..' is not allowed") != NULL);
	CHECK(agent_tools_file_text(&out, &env, "/etc/passwd", &partial,
				    &err) < 0);
	CHECK(strstr(err.ptr, "absolute path") != NULL);
	CHECK_INT(agent_tools_file_text(&out, &env, "nope.c", &partial, &err),
		  TEND_ENOTFOUND);
	CHECK_STR(err.ptr, "cannot open 'nope.c': no such file or directory");
	CHECK(agent_tools_file_text(&out, &env, "src", &partial, &err) < 0);
	CHECK_STR(err.ptr, "'src' is a directory");
	CHECK(agent_tools_file_text(&out, &env, "bin", &partial, &err) < 0);
	CHECK_STR(err.ptr, "'bin' is a binary file");
	CHECK(agent_tools_file_text(&out, &env, "a\xff.c", &partial, &err) <
	      0);

	/* a file over the cap: whole lines, and it says so */
	env.max_read_bytes = 10;
	CHECK_INT(agent_tools_file_text(&out, &env, "src/a.c", &partial,
					&err), 0);
	CHECK_STR(out.ptr, "int a;\n");
	CHECK_INT(partial, 1);
	buf_release(&out);
	buf_release(&err);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */
/* The delegate group                                                 */

struct subagents {
	char agent[128];
	char task[128];
	size_t task_len;
	long step;
	const char *reply;	/* the sub-agent's summary */
	int rc;
	int calls;
};

static int fake_delegate(const char *agent, const char *task, long step,
			 struct buf *out, void *data)
{
	struct subagents *sa = data;

	sa->calls++;
	snprintf(sa->agent, sizeof(sa->agent), "%s", agent);
	snprintf(sa->task, sizeof(sa->task), "%s", task);
	sa->task_len = strlen(task);
	sa->step = step;
	buf_puts(out, sa->reply);
	return sa->rc;
}

void test_tools__delegate_without_a_caller(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;

	REQUIRE(setup(&env) == 0);
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"x\"}",
		"this agent cannot delegate here");
	CHECK_INT(agent_tools_run(&env, "delegate", "{\"agent\":\"code\","
				  "\"task\":\"x\",\"step\":1}", &out),
		  TEND_EUNAVAIL);
	CHECK_INT(env.errors, 2);
	/* the command callbacks do not make an agent a delegator */
	env.run_command = fake_run_command;
	env.run_tests = fake_run_tests;
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"x\"}",
		"this agent cannot delegate here");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__delegate(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, big = BUF_INIT, task = BUF_INIT;
	struct subagents sa;
	struct mask_log log;
	json_t *args;
	size_t i;

	REQUIRE(setup(&env) == 0);
	memset(&sa, 0, sizeof(sa));
	env.delegate = fake_delegate;
	env.delegate_data = &sa;
	sa.reply = "done: added the port check to src/config.c; 12 passed";

	/* the callback gets the values; its summary is the result */
	RUN_OK(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"In "
	       "src/config.c reject port 0.\",\"step\":2}",
	       "done: added the port check to src/config.c; 12 passed");
	CHECK_INT(sa.calls, 1);
	CHECK_STR(sa.agent, "code");
	CHECK_STR(sa.task, "In src/config.c reject port 0.");
	CHECK_INT(sa.step, 2);
	/* no step (or a strict-mode null) is step 0; 3.0 is 3 */
	RUN_OK(&env, &out, "delegate", "{\"agent\":\"my-agent_2.x\","
	       "\"task\":\"t\"}", sa.reply);
	CHECK_STR(sa.agent, "my-agent_2.x");
	CHECK_INT(sa.step, 0);
	sa.step = -1;
	RUN_OK(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
	       "\"step\":null}", sa.reply);
	CHECK_INT(sa.step, 0);
	RUN_OK(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
	       "\"step\":3.0}", sa.reply);
	CHECK_INT(sa.step, 3);
	RUN_OK(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
	       "\"step\":1000}", sa.reply);
	CHECK_INT(sa.step, 1000);
	/* a task of exactly the limit goes through, whole */
	for (i = 0; i < AGENT_TOOLS_TASK_MAX; i++)
		buf_putc(&task, 'a' + (char)(i % 26));
	args = json_pack("{s:s, s:s}", "agent", "code", "task", task.ptr);
	CHECK_INT(agent_tools_run_json(&env, "delegate", args, &out), 0);
	CHECK_INT(sa.task_len, AGENT_TOOLS_TASK_MAX);
	json_decref(args);

	/* a sub-agent that ends without a summary */
	sa.reply = "";
	RUN_OK(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\"}",
	       "the sub-agent ended without a summary");
	/* one that could not be run is an error result with the reason */
	sa.rc = TEND_ENOTFOUND;
	sa.reply = "no agent 'coder' (known: code)";
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"coder\",\"task\":\"t\"}",
		"no agent 'coder' (known: code)");
	CHECK_INT(agent_tools_run(&env, "delegate", "{\"agent\":\"coder\","
				  "\"task\":\"t\"}", &out), TEND_ENOTFOUND);
	sa.reply = "";
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\"}",
		"the sub-agent could not be run");
	sa.rc = 0;

	/* argument checks, before the caller is asked */
	sa.calls = 0;
	RUN_ERR(&env, &out, "delegate", "{\"task\":\"t\"}",
		"invalid arguments for delegate: missing required property "
		"\"agent\"");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\"}",
		"invalid arguments for delegate: missing required property "
		"\"task\"");
	RUN_ERR(&env, &out, "delegate", "{}",
		"invalid arguments for delegate: missing required property "
		"\"agent\"; missing required property \"task\"");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"\",\"task\":\"t\"}",
		"invalid arguments for delegate: agent: expected a non-empty "
		"string, got \"\"");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"\"}",
		"invalid arguments for delegate: task: expected a non-empty "
		"string, got \"\"");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\","
		"\"task\":\" \\n\\t \"}", "task is empty");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code agent\","
		"\"task\":\"t\"}", "agent must be an agent's name (letters, "
		"digits, '.', '_' and '-'), such as \"code\"");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"../code\","
		"\"task\":\"t\"}", "agent must be an agent's name (letters, "
		"digits, '.', '_' and '-'), such as \"code\"");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":1,\"task\":\"t\"}",
		"invalid arguments for delegate: agent: expected a non-empty "
		"string, got 1");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\","
		"\"task\":[\"t\"]}",
		"invalid arguments for delegate: task: expected a non-empty "
		"string, got an array of 1 item");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
		"\"step\":0}",
		"invalid arguments for delegate: step: expected an integer "
		"between 1 and 1000, got 0");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
		"\"step\":-2}",
		"invalid arguments for delegate: step: expected an integer "
		"between 1 and 1000, got -2");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
		"\"step\":1001}",
		"invalid arguments for delegate: step: expected an integer "
		"between 1 and 1000, got 1001");
	RUN_HAS(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
		"\"step\":1.5}", "invalid arguments for delegate: step");
	RUN_HAS(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
		"\"step\":\"2\"}", "invalid arguments for delegate: step");
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\","
		"\"model\":\"x\"}",
		"invalid arguments for delegate: unknown property \"model\" "
		"(allowed: agent, task, step)");
	buf_putc(&task, 'z');
	args = json_pack("{s:s, s:s}", "agent", "code", "task", task.ptr);
	CHECK_INT(agent_tools_run_json(&env, "delegate", args, &out),
		  TEND_EINVALID);
	CHECK(!strncmp(out.ptr, "task is 8001 bytes; the limit is 8000", 37));
	json_decref(args);
	args = json_pack("{s:s, s:s%}", "agent", "code", "task", "a\0b",
			 (size_t)3);
	CHECK_INT(agent_tools_run_json(&env, "delegate", args, &out),
		  TEND_EINVALID);
	CHECK_STR(out.ptr, "task contains a NUL byte");
	json_decref(args);
	args = json_pack("{s:s%, s:s}", "agent", "co\0de", (size_t)5, "task",
			 "t");
	CHECK_INT(agent_tools_run_json(&env, "delegate", args, &out),
		  TEND_EINVALID);
	CHECK(!strncmp(out.ptr, "agent must be an agent's name", 29));
	json_decref(args);
	buf_reset(&big);
	for (i = 0; i < AGENT_TOOLS_AGENT_MAX + 1; i++)
		buf_putc(&big, 'a');
	args = json_pack("{s:s, s:s}", "agent", big.ptr, "task", "t");
	CHECK_INT(agent_tools_run_json(&env, "delegate", args, &out),
		  TEND_EINVALID);
	CHECK_STR(out.ptr, "agent is 101 bytes; an agent's name is at most "
		  "100");
	json_decref(args);
	CHECK_INT(sa.calls, 0);

	/* the summary is masked, and capped keeping its head and tail */
	memset(&log, 0, sizeof(log));
	env.mask = mask_secret;
	env.mask_data = &log;
	sa.reply = "done; the test printed the token SECRET123\n";
	RUN_OK(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\"}",
	       "done; the test printed the token [masked]\n");
	CHECK(strstr(log.paths, "(null);") != NULL);
	/* the reason a sub-agent could not run too */
	sa.rc = TEND_EUNAVAIL;
	sa.reply = "SECRET123";
	RUN_ERR(&env, &out, "delegate", "{\"agent\":\"code\",\"task\":\"t\"}",
		"[masked]");
	buf_reset(&big);
	for (i = 0; i < 95; i++)
		buf_putc(&big, 'a');
	buf_puts(&big, "SECRET123\n");
	for (i = 0; i < 200; i++)
		buf_printf(&big, "line %03zu\n", i);
	sa.reply = big.ptr;
	sa.rc = 0;
	env.max_out = 200;
	CHECK_INT(agent_tools_run(&env, "delegate", "{\"agent\":\"code\","
				  "\"task\":\"t\"}", &out), 0);
	CHECK(!strncmp(out.ptr, "aaaaa", 5));
	CHECK(strstr(out.ptr, " bytes cut: the head and the tail of the "
			      "output are shown ...]\n") != NULL);
	CHECK(strstr(out.ptr, "line 199\n") != NULL);
	CHECK(strstr(out.ptr, "line 100\n") == NULL);
	CHECK(strstr(out.ptr, "SECRE") == NULL);
	CHECK(out.len < 300);
	buf_release(&task);
	buf_release(&big);
	buf_release(&out);
	agent_tools_env_release(&env);
}

/* ------------------------------------------------------------------ */
/* The index callbacks                                                 */

/* A scripted index: what each callback answers, and what it was asked. */
struct fake_index {
	int search_rc, symbol_rc, related_rc;
	const char *search_text, *symbol_text, *related_text;
	int searches, symbols, relateds;
	char query[256], glob[256], repo[64], name[64], path[256];
	long line;
};

static void fake_copy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s ? s : "(null)");
}

static int fake_search(const char *query, const char *path_glob,
		       const char *repo_name, struct buf *out, void *data)
{
	struct fake_index *f = data;

	f->searches++;
	fake_copy(f->query, sizeof(f->query), query);
	fake_copy(f->glob, sizeof(f->glob), path_glob);
	fake_copy(f->repo, sizeof(f->repo), repo_name);
	buf_puts(out, f->search_text ? f->search_text : "");
	return f->search_rc;
}

static int fake_symbol(const char *name, const char *repo_name,
		       struct buf *out, void *data)
{
	struct fake_index *f = data;

	f->symbols++;
	fake_copy(f->name, sizeof(f->name), name);
	fake_copy(f->repo, sizeof(f->repo), repo_name);
	buf_puts(out, f->symbol_text ? f->symbol_text : "");
	return f->symbol_rc;
}

static int fake_related(const char *path, long line, const char *repo_name,
			struct buf *out, void *data)
{
	struct fake_index *f = data;

	f->relateds++;
	fake_copy(f->path, sizeof(f->path), path);
	fake_copy(f->repo, sizeof(f->repo), repo_name);
	f->line = line;
	buf_puts(out, f->related_text ? f->related_text : "");
	return f->related_rc;
}

static const char *const fake_repos[] = { "data-model", "web" };

static void fake_index_env(struct agent_tools_env *env, struct fake_index *f)
{
	memset(f, 0, sizeof(*f));
	env->index_search = fake_search;
	env->index_symbol = fake_symbol;
	env->index_related = fake_related;
	env->index_data = f;
	env->repos = fake_repos;
	env->nr_repos = 2;
}

void test_tools__search_ranked_by_the_index(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct fake_index f;

	REQUIRE(setup(&env) == 0);
	search_repo();
	fake_index_env(&env, &f);
	f.search_rc = 1;
	f.search_text = "src/b.c:1-4 function foo\n   1| static int foo(int x)";
	/* words: ranked first, then the regex matches */
	RUN_OK(&env, &out, "search", "{\"pattern\":\"foo\"}",
	       "[ranked by the index: 1 result]\n"
	       "src/b.c:1-4 function foo\n   1| static int foo(int x)\n"
	       "[regex matches]\n"
	       "doc.md:1: foo bar\n"
	       "src/a.c:3: \treturn foo(1);\n"
	       "src/b.c:1: static int foo(int x)\n"
	       "[3 matches in 3 files]\n");
	CHECK_INT(f.searches, 1);
	CHECK_STR(f.query, "foo");
	CHECK_STR(f.glob, "(null)");
	CHECK_STR(f.repo, "(null)");
	/* several words: the regex part may find nothing, and says so */
	RUN_OK(&env, &out, "search", "{\"pattern\":\"parse the header\"}",
	       "[ranked by the index: 1 result]\n"
	       "src/b.c:1-4 function foo\n   1| static int foo(int x)\n"
	       "[regex matches]\nno matches (3 files searched)\n");
	CHECK_STR(f.query, "parse the header");
	/* nothing ranked */
	f.search_rc = 0;
	f.search_text = "";
	RUN_OK(&env, &out, "search", "{\"pattern\":\"bar\"}",
	       "[ranked by the index: 0 results]\n[regex matches]\n"
	       "doc.md:1: foo bar\n[1 match in 1 file]\n");
	/* path and glob become one glob for the index */
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"foo\",\"path\":\"src\"}",
		"[regex matches]\nsrc/a.c:3:");
	CHECK_STR(f.glob, "/src");
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"foo\","
		"\"path\":\"./src/\",\"glob\":\"*.c\"}",
		"[2 matches in 2 files]");
	CHECK_STR(f.glob, "/src/**/*.c");
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"foo\",\"path\":\"src\","
		"\"glob\":\"sub/*.c\"}", "no matches");
	CHECK_STR(f.glob, "/src/sub/*.c");
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"foo\",\"glob\":\"*.md\"}",
		"doc.md:1: foo bar\n");
	CHECK_STR(f.glob, "*.md");
	put("we[ir]d*/x.c", "foo\n");
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"foo\",\"path\":"
		"\"we[ir]d*\"}", "we[ir]d*/x.c:1: foo\n");
	CHECK_STR(f.glob, "/we\\[ir\\]d\\*");
	/* a path the regex search refuses is an error, whatever was ranked */
	f.search_rc = 1;
	f.search_text = "elsewhere.c:1-2 lines\n";
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"foo\",\"path\":\"nope\"}",
		"cannot open 'nope': no such file or directory");
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"foo\",\"path\":\"../x\"}",
		"'../x' leaves the repository: '..' is not allowed in paths");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__search_regex_metacharacters_skip_the_index(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct fake_index f;
	const char *const patterns[] = {
		"foo\\(", "foo(", "^foo", "fo+", "f.o", "a|b", "[f]oo",
		"x{2}", "foo$", "fo?", "fo*", NULL
	};
	size_t i;
	int rc;

	REQUIRE(setup(&env) == 0);
	search_repo();
	fake_index_env(&env, &f);
	f.search_rc = 1;
	f.search_text = "ranked.c:1-1 lines\n";
	RUN_OK(&env, &out, "search", "{\"pattern\":\"foo\\\\(\"}",
	       "src/a.c:3: \treturn foo(1);\n"
	       "src/b.c:1: static int foo(int x)\n"
	       "[2 matches in 2 files]\n");
	for (i = 0; patterns[i]; i++) {
		json_t *args = json_pack("{s:s}", "pattern", patterns[i]);

		agent_tools_run_json(&env, "search", args, &out);
		json_decref(args);
		if (strstr(out.ptr, "ranked"))
			test__fail_str(__FILE__, __LINE__, patterns[i],
				       out.ptr, "(regex only)");
	}
	CHECK_INT(f.searches, 0);
	/* blanks only are no words */
	run(&env, &out, &rc, "search", "{\"pattern\":\"  \"}");
	CHECK_INT(f.searches, 0);
	/* words with other punctuation still are */
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"foo-bar \\\"a b\\\"\"}",
		"[ranked by the index: 1 result]\nranked.c:1-1 lines\n");
	CHECK_STR(f.query, "foo-bar \"a b\"");
	CHECK_INT(f.searches, 1);
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__search_falls_back_when_the_index_fails(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct fake_index f;
	struct mask_log log;

	REQUIRE(setup(&env) == 0);
	search_repo();
	fake_index_env(&env, &f);
	f.search_rc = TEND_ERROR;
	f.search_text = "database is locked";
	RUN_OK(&env, &out, "search", "{\"pattern\":\"bar\"}",
	       "[the index could not be searched (database is locked): "
	       "regex matches only]\n"
	       "doc.md:1: foo bar\n[1 match in 1 file]\n");
	f.search_text = "";
	RUN_OK(&env, &out, "search", "{\"pattern\":\"bar\"}",
	       "[the index could not be searched (no reason given): "
	       "regex matches only]\n"
	       "doc.md:1: foo bar\n[1 match in 1 file]\n");
	/* the index's text is masked like the files' */
	memset(&log, 0, sizeof(log));
	env.mask = mask_secret;
	env.mask_data = &log;
	f.search_rc = 1;
	f.search_text = "cfg.py:1-1 lines\n   1| KEY = SECRET123\n";
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"KEY\"}",
		"cfg.py:1-1 lines\n   1| KEY = [masked]\n[regex matches]\n");
	/* the ranked part keeps to half of max_out, cut at a line's end */
	env.mask = NULL;
	env.max_out = 60;
	f.search_text = "a.c:1-2 function one\nb.c:3-4 function two\n"
		"c.c:5-6 function three\nd.c:7-8 function four\n";
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"one\"}",
		"[ranked by the index: 1 result]\na.c:1-2 function one\n"
		"[results cut: narrow with path or glob, or fewer words]\n"
		"[regex matches]\n");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__search_another_repository(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct fake_index f;

	REQUIRE(setup(&env) == 0);
	search_repo();
	/* without an index, no repo is known */
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"foo\",\"repo\":\"web\"}",
		"no other repository is indexed here: leave out repo to "
		"search this one");
	fake_index_env(&env, &f);
	f.search_rc = 2;
	f.search_text = "models/user.py:1-9 class User\n"
		"models/team.py:3-5 function add\n";
	/* only the other index answers: no regex over this work tree */
	RUN_OK(&env, &out, "search",
	       "{\"pattern\":\"user\",\"repo\":\"data-model\"}",
	       "[data-model: ranked by its index: 2 results]\n"
	       "models/user.py:1-9 class User\n"
	       "models/team.py:3-5 function add\n");
	CHECK_STR(f.repo, "data-model");
	CHECK_STR(f.glob, "(null)");
	/* its paths are not looked up here, only cleaned */
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"user\",\"repo\":\"web\","
		"\"path\":\"models\",\"glob\":\"*.py\"}", "[web: ranked");
	CHECK_STR(f.repo, "web");
	CHECK_STR(f.glob, "/models/**/*.py");
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"user\",\"repo\":\"web\","
		"\"path\":\"/etc\"}", "'/etc' is an absolute path: give a path "
		"relative to the repository root");
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"us.r\",\"repo\":\"web\"}",
		"repository 'web' is searched through its index, which takes "
		"words, not a regex: give words or \"a phrase\"");
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"user\",\"repo\":\"api\"}",
		"unknown repo 'api' (known: data-model, web)");
	f.search_rc = 0;
	f.search_text = "";
	RUN_OK(&env, &out, "search", "{\"pattern\":\"user\",\"repo\":\"web\"}",
	       "[web: ranked by its index: 0 results]\nno results\n");
	f.search_rc = TEND_ERROR;
	f.search_text = "the index of 'web' is not ready";
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"user\",\"repo\":\"web\"}",
		"the index of 'web' is not ready\n");
	/* "" is this repository */
	f.search_rc = 0;
	RUN_HAS(&env, &out, "search", "{\"pattern\":\"bar\",\"repo\":\"\"}",
		"doc.md:1: foo bar\n");
	/* repos known but no search callback */
	env.index_search = NULL;
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"user\",\"repo\":\"web\"}",
		"no index here: repo cannot be searched");
	RUN_ERR(&env, &out, "search", "{\"pattern\":\"x\",\"repo\":7}",
		"invalid arguments for search: repo: expected a string, got "
		"7");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__find_symbol_from_the_index(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct fake_index f;

	REQUIRE(setup(&env) == 0);
	search_repo();
	fake_index_env(&env, &f);
	f.symbol_rc = 1;
	f.symbol_text = "definitions:\nsrc/b.c:1-4 function foo\n"
		"references:\nsrc/a.c:3: return foo(1);\n";
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"foo\"}",
	       "definitions:\nsrc/b.c:1-4 function foo\n"
	       "references:\nsrc/a.c:3: return foo(1);\n");
	CHECK_STR(f.name, "foo");
	CHECK_STR(f.repo, "(null)");
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"Mod::foo\"}",
	       "definitions:\nsrc/b.c:1-4 function foo\n"
	       "references:\nsrc/a.c:3: return foo(1);\n"
	       "[searched for 'foo', the last part of 'Mod::foo']\n");
	CHECK_STR(f.name, "foo");
	RUN_ERR(&env, &out, "find_symbol", "{\"name\":\"a b\"}",
		"name must be an identifier such as 'parse_config' (letters, "
		"digits, '_', '$'), got 'a b'");
	CHECK_INT(f.symbols, 2);
	/* no definition in the index: the files, then its references */
	f.symbol_rc = 0;
	f.symbol_text = "references:\nsrc/a.c:3: return foo(1);\n";
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"foo\"}",
	       "src/b.c:1\n   1| static int foo(int x)\n   2| {\n"
	       "   3| \treturn x;\n   4| }\n"
	       "[from the index]\nreferences:\nsrc/a.c:3: return foo(1);\n");
	f.symbol_text = "";
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"nothing\"}",
	       "no definition of 'nothing' found (2 files searched); try "
	       "search\n");
	/* an index that fails: the files, with a note */
	f.symbol_rc = TEND_ERROR;
	f.symbol_text = "disk I/O error";
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"main\"}",
	       "src/a.c:1\n   1| int main(void)\n   2| {\n"
	       "   3| \treturn foo(1);\n   4| }\n"
	       "[the index could not be searched (disk I/O error)]\n");
	/* another repository: its index only */
	f.symbol_rc = 1;
	f.symbol_text = "definitions:\nmodels/user.py:1-9 class User\n";
	RUN_OK(&env, &out, "find_symbol",
	       "{\"name\":\"User\",\"repo\":\"data-model\"}",
	       "definitions:\nmodels/user.py:1-9 class User\n");
	CHECK_STR(f.repo, "data-model");
	f.symbol_rc = 0;
	f.symbol_text = "";
	RUN_OK(&env, &out, "find_symbol",
	       "{\"name\":\"main\",\"repo\":\"web\"}",
	       "no definition of 'main' in the index of 'web'\n");
	f.symbol_rc = TEND_ENOTFOUND;
	f.symbol_text = "";
	RUN_ERR(&env, &out, "find_symbol",
		"{\"name\":\"main\",\"repo\":\"web\"}",
		"the index of 'web' could not be searched");
	RUN_ERR(&env, &out, "find_symbol", "{\"name\":\"main\",\"repo\":\"x\"}",
		"unknown repo 'x' (known: data-model, web)");
	/* without the callback: the regex way, and no repo */
	env.index_symbol = NULL;
	RUN_OK(&env, &out, "find_symbol", "{\"name\":\"main\"}",
	       "src/a.c:1\n   1| int main(void)\n   2| {\n"
	       "   3| \treturn foo(1);\n   4| }\n");
	RUN_ERR(&env, &out, "find_symbol",
		"{\"name\":\"main\",\"repo\":\"web\"}",
		"no index here: repo cannot be searched");
	buf_release(&out);
	agent_tools_env_release(&env);
}

void test_tools__related(void)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT;
	struct fake_index f;

	REQUIRE(setup(&env) == 0);
	search_repo();
	/* no index: an error the model can act on */
	RUN_ERR(&env, &out, "related", "{\"path\":\"src/a.c\"}",
		"no index here: use find_symbol and search instead");
	fake_index_env(&env, &f);
	f.related_rc = 2;
	f.related_text = "uses:\nsrc/b.c:1-4 function foo\n"
		"called from:\nsrc/c.c:9 main\n";
	RUN_OK(&env, &out, "related", "{\"path\":\"./src//a.c\",\"line\":3}",
	       "uses:\nsrc/b.c:1-4 function foo\ncalled from:\n"
	       "src/c.c:9 main\n");
	CHECK_STR(f.path, "src/a.c");
	CHECK_INT(f.line, 3);
	CHECK_STR(f.repo, "(null)");
	RUN_OK(&env, &out, "related", "{\"path\":\"src/a.c\"}",
	       "uses:\nsrc/b.c:1-4 function foo\ncalled from:\n"
	       "src/c.c:9 main\n");
	CHECK_INT(f.line, 0);
	f.related_rc = 0;
	f.related_text = "";
	RUN_OK(&env, &out, "related", "{\"path\":\"src/a.c\",\"line\":12}",
	       "nothing related to 'src/a.c:12' in the index: no definitions "
	       "it uses, no callers\n");
	f.related_rc = TEND_ENOTFOUND;
	f.related_text = "'gone.c' is not in the index";
	RUN_ERR(&env, &out, "related", "{\"path\":\"gone.c\"}",
		"'gone.c' is not in the index\n");
	/* another repository's path is only cleaned */
	f.related_rc = 1;
	f.related_text = "uses:\nx.py:1-2 function y\n";
	RUN_OK(&env, &out, "related", "{\"path\":\"models/user.py\",\"line\":"
	       "4,\"repo\":\"web\"}", "uses:\nx.py:1-2 function y\n");
	CHECK_STR(f.repo, "web");
	CHECK_STR(f.path, "models/user.py");
	/* refusals before the index is asked */
	f.relateds = 0;
	RUN_ERR(&env, &out, "related", "{\"path\":\"../etc/passwd\"}",
		"'../etc/passwd' leaves the repository: '..' is not allowed "
		"in paths");
	RUN_ERR(&env, &out, "related", "{\"path\":\".git/config\"}",
		"'.git/config' is inside .git, which tools cannot access");
	RUN_ERR(&env, &out, "related", "{\"path\":\"./\"}",
		"path must name a file");
	env.hidden = hide_vendor;
	RUN_ERR(&env, &out, "related", "{\"path\":\"vendor/lib/x.c\"}",
		"'vendor/lib/x.c' is excluded from this review (generated or "
		"vendored)");
	RUN_ERR(&env, &out, "related", "{\"path\":\"a.c\",\"repo\":\"nope\"}",
		"unknown repo 'nope' (known: data-model, web)");
	CHECK_INT(f.relateds, 0);
	/* the schema: path required, line >= 1, nothing else */
	RUN_ERR(&env, &out, "related", "{\"line\":3}",
		"invalid arguments for related: missing required property "
		"\"path\"");
	RUN_HAS(&env, &out, "related", "{\"path\":\"a.c\",\"line\":0}",
		"invalid arguments for related: line:");
	RUN_HAS(&env, &out, "related", "{\"path\":\"a.c\",\"line\":\"3\"}",
		"invalid arguments for related: line:");
	RUN_HAS(&env, &out, "related", "{\"path\":\"a.c\",\"depth\":2}",
		"unknown property \"depth\"");
	CHECK_INT(f.relateds, 0);
	/* null for an optional argument is "absent" */
	RUN_OK(&env, &out, "related", "{\"path\":\"a.c\",\"line\":null,"
	       "\"repo\":null}", "uses:\nx.py:1-2 function y\n");
	CHECK_INT(f.line, 0);
	CHECK_STR(f.repo, "(null)");
	buf_release(&out);
	agent_tools_env_release(&env);
}
