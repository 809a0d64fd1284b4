/*
 * fuzz_tools.c - libFuzzer target for the agent tools' argument handling
 * (agents/tools.c, with agents/schema.c validating every call).
 *
 * A model's tool calls are attacker-controlled: a pull request can steer
 * the reviewer to ask for anything. LLVMFuzzerInitialize() builds one
 * small repository in a temporary directory, with every way out a real
 * checkout could offer: symlinks (relative, absolute, to a directory, to
 * a sibling whose name extends the root's, into .git, looping), a .git
 * directory, a nested repository's .git and a submodule's .git file, a
 * FIFO, a binary file, a hidden (vendored) directory and files holding
 * "secrets" placed so that line cuts and search windows fall inside them.
 *
 * delegate's caller is a fake sub-agent that echoes the task and spells a
 * secret whole, so its summary is masked and capped like run's output.
 * Inputs of odd length also get a fake repository index (search,
 * find_symbol, related and one other repository, "data-model"): its
 * answers echo the arguments and spell a secret whole too, and it checks
 * what reaches it: a clean relative path, never a hidden one of this
 * repository, a known repository or none.
 *
 * The first input byte picks the tool, the caps and the callbacks; the
 * rest is the call's arguments, either as the JSON text a model sends
 * (agent_tools_run()) or as raw fields joined by 0x1f that become JSON
 * strings without any UTF-8 check, NUL bytes included
 * (agent_tools_run_json()). Whatever the call, the result must:
 *   - never hold a canary ("QZX-...") from outside the root, from .git
 *     or from a nested repository, nor, when the hidden callback is set,
 *     one from the hidden paths ("QZH-...");
 *   - with the mask on, never hold six characters in a row of a secret's
 *     value (the mask shows only its first four, as the secrets rules do),
 *     so a cut line or a search window cannot show part of one;
 *   - stay within the result cap (plus the documented slack for one cut
 *     line and the closing notes) when the call succeeds;
 *   - be an error text when the call fails, and empty for submit_review.
 * Checks that the arguments themselves could satisfy (the model can ask
 * for a path named after a canary, and errors quote the path) are skipped
 * when the input holds the string. Searches are done with byte loops, not
 * memmem(), so libFuzzer's interceptors cannot feed the canaries to the
 * mutator.
 */
#include <errno.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agents/tools.h"
#include "common/buf.h"
#include "common/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* The secrets' values (after "tok_"), 24 hex digits each. */
static const char *const fuzz_tools_secrets[] = {
	"3f9a1c7e5b2d8046a1c3e5f7", "c0ffee00d15ea5e0badc0de1",
	"77e1a9b3c5d7f90214365870", NULL
};
#define FUZZ_TOOLS_SECRET_LEN 24
#define FUZZ_TOOLS_WINDOW 6

static char fuzz_tools_top[4096];	/* the temporary directory */
static char fuzz_tools_root[4096];	/* the repository in it */

/* Does s[0..n) contain w[0..m)? A byte loop, not intercepted. */
static int fuzz_tools_has(const char *s, size_t n, const char *w, size_t m)
{
	size_t i, k;

	if (!m || m > n)
		return !m;
	for (i = 0; i + m <= n; i++) {
		for (k = 0; k < m && s[i + k] == w[k]; k++)
			;
		if (k == m)
			return 1;
	}
	return 0;
}

static int fuzz_tools_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * The mask: "tok_" and exactly 24 hex digits become "tok_****", the way
 * the secrets rules keep a secret's first four characters. A run that is
 * cut short is not recognised, as a real rule would not recognise it.
 */
static void fuzz_tools_mask(struct buf *text, const char *path, void *data)
{
	struct buf out = BUF_INIT;
	size_t i = 0, k;

	(void)path;
	(void)data;
	while (i < text->len) {
		if (i + 4 + FUZZ_TOOLS_SECRET_LEN <= text->len &&
		    !memcmp(text->ptr + i, "tok_", 4)) {
			for (k = 0; k < FUZZ_TOOLS_SECRET_LEN &&
			     fuzz_tools_is_hex(text->ptr[i + 4 + k]); k++)
				;
			if (k == FUZZ_TOOLS_SECRET_LEN &&
			    (i + 4 + k == text->len ||
			     !fuzz_tools_is_hex(text->ptr[i + 4 + k]))) {
				buf_puts(&out, "tok_****");
				i += 4 + k;
				continue;
			}
		}
		buf_putc(&out, text->ptr[i++]);
	}
	buf_release(text);
	*text = out;
}

/* The vendored directory and one generated file are hidden. */
static int fuzz_tools_hidden(const char *path, void *data)
{
	(void)data;
	return !strcmp(path, "vendor") || !strncmp(path, "vendor/", 7) ||
	       !strcmp(path, "src/gen.c");
}

/* ---- the repository ---- */

static void fuzz_tools_path(char *out, size_t size, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", fuzz_tools_top, rel);

	FUZZ_CHECK(n > 0 && (size_t)n < size);
}

static void fuzz_tools_mkdir(const char *rel)
{
	char path[8192];

	fuzz_tools_path(path, sizeof(path), rel);
	FUZZ_CHECK(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static void fuzz_tools_write(const char *rel, const char *text, size_t len)
{
	char path[8192];
	FILE *fp;

	fuzz_tools_path(path, sizeof(path), rel);
	fp = fopen(path, "wb");
	FUZZ_CHECK(fp);
	FUZZ_CHECK(fwrite(text, 1, len, fp) == len);
	FUZZ_CHECK(fclose(fp) == 0);
}

static void fuzz_tools_put(const char *rel, const char *text)
{
	fuzz_tools_write(rel, text, strlen(text));
}

static void fuzz_tools_link(const char *target, const char *rel)
{
	char path[8192];

	fuzz_tools_path(path, sizeof(path), rel);
	FUZZ_CHECK(symlink(target, path) == 0);
}

/* "tok_" and secret `i`. */
static void fuzz_tools_add_secret(struct buf *b, size_t i)
{
	buf_puts(b, "tok_");
	buf_puts(b, fuzz_tools_secrets[i]);
}

/*
 * Lines long enough to be cut (read_file cuts at 2000 bytes, search shows
 * 200 around a match), with secrets across every cut a caller could pick:
 * each line puts one at a different offset near 2000, and words to search
 * for sit on both sides of it.
 */
static void fuzz_tools_long_file(void)
{
	struct buf b = BUF_INIT;
	size_t line, i;

	buf_puts(&b, "# long lines\n");
	for (line = 0; line < 30; line++) {
		size_t at = 1975 + line;

		buf_printf(&b, "w%zu ", line);
		for (i = b.len - (size_t)(strrchr(b.ptr, '\n') - b.ptr) - 1;
		     i < at; i++)
			buf_putc(&b, (char)('a' + (i * 7 + line) % 26));
		fuzz_tools_add_secret(&b, line % 3);
		buf_printf(&b, " after%zu ", line);
		for (i = 0; i < 120 + line * 13; i++)
			buf_putc(&b, (char)('k' + i % 10));
		buf_printf(&b, " end%zu\n", line);
	}
	/* medium lines: a secret at every offset around a search window */
	for (line = 0; line < 60; line++) {
		buf_printf(&b, "mid%zu ", line);
		for (i = 0; i < 40 + line * 4; i++)
			buf_putc(&b, (char)('m' + i % 8));
		fuzz_tools_add_secret(&b, line % 3);
		for (i = 0; i < 30 + line; i++)
			buf_putc(&b, (char)('g' + i % 5));
		buf_printf(&b, " MATCH%zu", line);
		for (i = 0; i < 260; i++)
			buf_putc(&b, (char)('p' + i % 6));
		buf_puts(&b, " tail\n");
	}
	fuzz_tools_write("repo/docs/long.txt", b.ptr, b.len);

	/* a definition followed by long lines: find_symbol's snippet */
	buf_reset(&b);
	buf_puts(&b, "#include <stdio.h>\n\nstatic int\nlong_def(int x)\n{\n");
	for (line = 0; line < 14; line++) {
		buf_puts(&b, "\t/* ");
		for (i = 0; i < 1990 + line * 2; i++)
			buf_putc(&b, (char)('a' + i % 26));
		fuzz_tools_add_secret(&b, line % 3);
		buf_puts(&b, " */\n");
	}
	buf_puts(&b, "\treturn x;\n}\n\nint other_def(void) { return 1; }\n");
	fuzz_tools_write("repo/src/long.c", b.ptr, b.len);
	buf_release(&b);
}

static void fuzz_tools_make_repo(void)
{
	char path[8192];
	struct buf b = BUF_INIT;
	size_t i;

	fuzz_tools_mkdir("repo");
	fuzz_tools_mkdir("outside");
	fuzz_tools_mkdir("outside/dir");
	fuzz_tools_mkdir("repo-evil");
	fuzz_tools_put("outside/secret.txt",
		       "password = QZX-OUTSIDE-8d1f0c\nint QZX_fn(void);\n");
	fuzz_tools_put("outside/dir/inner.c",
		       "int outside_fn(void) { return 0; } /* QZX-OUTDIR */\n");
	fuzz_tools_put("repo-evil/secret.txt", "QZX-SIBLING-e07d52\n");

	/* .git and repositories inside the work tree */
	fuzz_tools_mkdir("repo/.git");
	fuzz_tools_mkdir("repo/.git/modules");
	fuzz_tools_mkdir("repo/.git/modules/lib");
	fuzz_tools_put("repo/.git/config",
		       "[http]\n\textraheader = AUTHORIZATION: basic "
		       "QZX-GITCONFIG-5b2e71\n");
	fuzz_tools_put("repo/.git/HEAD", "ref: refs/heads/QZX-HEAD\n");
	fuzz_tools_put("repo/.git/modules/lib/config",
		       "[remote]\n\turl = https://x:QZX-SUBMODULE@host/\n");
	fuzz_tools_mkdir("repo/lib");
	fuzz_tools_put("repo/lib/.git",
		       "gitdir: ../.git/modules/lib QZX-GITFILE\n");
	fuzz_tools_put("repo/lib/lib.c", "int lib_fn(void) { return 2; }\n");
	fuzz_tools_mkdir("repo/nested");
	fuzz_tools_mkdir("repo/nested/.git");
	fuzz_tools_put("repo/nested/.git/config", "QZX-NESTED-GIT\n");
	fuzz_tools_put("repo/nested/keep.txt", "nested file\n");

	/* ordinary files */
	fuzz_tools_mkdir("repo/src");
	fuzz_tools_mkdir("repo/src/deep");
	fuzz_tools_mkdir("repo/src/deep/er");
	fuzz_tools_mkdir("repo/docs");
	fuzz_tools_put("repo/README.md", "# Demo\n\nA tiny repository.\n");
	fuzz_tools_put("repo/src/main.c",
		       "#include \"util.h\"\n\n#define LIMIT 10\n\n"
		       "struct point {\n\tint x, y;\n};\n\n"
		       "static int helper(int a)\n{\n\treturn a * 2;\n}\n\n"
		       "int\nmain(void)\n{\n\treturn helper(LIMIT);\n}\n");
	fuzz_tools_put("repo/src/util.h",
		       "#ifndef UTIL_H\n#define UTIL_H\n"
		       "int util_sum(int a,\n\t     int b);\n"
		       "typedef struct point point_t;\n#endif\n");
	fuzz_tools_put("repo/src/app.py",
		       "import os\n\nAPI_TOKEN = "
		       "\"tok_3f9a1c7e5b2d8046a1c3e5f7\""
		       "\n\nclass Handler:\n    def handle(self, req):\n"
		       "        return os.getenv(\"HOME\")\n\n"
		       "def run(x):\n    return Handler().handle(x)\n");
	fuzz_tools_put("repo/src/web.js",
		       "export function render(el) {\n  el.innerHTML = '';\n}\n"
		       "const key = 'tok_c0ffee00d15ea5e0badc0de1';\n"
		       "class View {\n  draw(a, b) {\n    return a;\n  }\n}\n");
	fuzz_tools_put("repo/src/deep/er/x.go",
		       "package er\n\nfunc (r *R) Serve(x int) int {\n"
		       "\treturn x\n}\n\ntype R struct{}\n");
	fuzz_tools_put("repo/src/gen.c",
		       "int generated(void); /* QZH-GEN */\n");
	fuzz_tools_put("repo/src/crlf.txt", "one\r\ntwo\r\nthree");
	fuzz_tools_put("repo/empty.txt", "");
	fuzz_tools_put("repo/dollar.js", "var $cash = 1;\nfunction $el() {}\n");
	fuzz_tools_put("repo/utf8.txt",
		       "caf\xc3\xa9 \xe2\x80\xae evil \xe2\x80\xac\n"
		       "bad \xff\xfe bytes\n\xf0\x9f\x98\x80 emoji\n");
	fuzz_tools_write("repo/bin.dat", "\x7f" "ELF\0\0\1tok_", 11);
	fuzz_tools_long_file();

	/* many small files, for the caps */
	for (i = 0; i < 40; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "repo/docs/f%02zu.txt", i);
		buf_reset(&b);
		buf_printf(&b, "file %zu\nline two MATCH\nthird line\n", i);
		fuzz_tools_write(rel, b.ptr, b.len);
	}

	/* the hidden directory */
	fuzz_tools_mkdir("repo/vendor");
	fuzz_tools_put("repo/vendor/lib.c",
		       "int vendored(void) { return 0; } "
		       "/* QZH-HIDDEN-c94a36 */\n");

	/* ways out */
	fuzz_tools_link("../outside/secret.txt", "repo/link_out");
	fuzz_tools_path(path, sizeof(path), "outside/secret.txt");
	fuzz_tools_link(path, "repo/src/abs_link");
	fuzz_tools_link("../outside", "repo/link_dir");
	fuzz_tools_link("../../outside/dir", "repo/src/link_dir");
	fuzz_tools_link("../repo-evil/secret.txt", "repo/sibling");
	fuzz_tools_link("../repo-evil", "repo/sibling_dir");
	fuzz_tools_link(".git/config", "repo/link_git");
	fuzz_tools_link(".git", "repo/link_gitdir");
	fuzz_tools_link("../.git/modules/lib/config", "repo/lib/cfg");
	fuzz_tools_link("../vendor/lib.c", "repo/src/see_vendor");
	fuzz_tools_link("gen.c", "repo/src/gen_link");
	fuzz_tools_link("..", "repo/src/up");
	fuzz_tools_link("../..", "repo/src/upup");
	fuzz_tools_link(".", "repo/self");
	fuzz_tools_link("loop", "repo/loop");
	fuzz_tools_link("main.c", "repo/src/main_link.c");
	fuzz_tools_link("/proc/self/environ", "repo/environ");
	fuzz_tools_link("/dev/zero", "repo/zero");
	fuzz_tools_link("nowhere/at/all", "repo/dangling");
	fuzz_tools_path(path, sizeof(path), "repo/fifo");
	FUZZ_CHECK(mkfifo(path, 0644) == 0);
	buf_release(&b);
}

static int fuzz_tools_rm(const char *path, const struct stat *st, int flag,
			 struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void fuzz_tools_cleanup(void)
{
	if (fuzz_tools_top[0])
		nftw(fuzz_tools_top, fuzz_tools_rm, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	(void)argc;
	(void)argv;
	n = snprintf(fuzz_tools_top, sizeof(fuzz_tools_top),
		     "%s/tend-fuzz-tools.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(fuzz_tools_top));
	FUZZ_CHECK(mkdtemp(fuzz_tools_top));
	atexit(fuzz_tools_cleanup);
	fuzz_tools_make_repo();
	n = snprintf(fuzz_tools_root, sizeof(fuzz_tools_root), "%s/repo",
		     fuzz_tools_top);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(fuzz_tools_root));
	return 0;
}

/* ---- one call ---- */

static const char *const fuzz_tools_names[] = {
	"read_file", "list_files", "search", "find_symbol", "submit_review",
	"related", "delegate", "Read_File"
};

static const char *const fuzz_tools_repos[] = { "data-model" };

/* The raw fields of `s[0..n)`, split at 0x1f, at most `max`. */
static size_t fuzz_tools_fields(const char *s, size_t n, const char **f,
				size_t *len, size_t max)
{
	size_t nr = 0;

	while (nr < max) {
		const char *sep = memchr(s, 0x1f, n);
		size_t k = sep ? (size_t)(sep - s) : n;

		f[nr] = s;
		len[nr++] = k;
		if (!sep)
			break;
		s += k + 1;
		n -= k + 1;
	}
	return nr;
}

/* A number from raw text: an integer, a real, or nothing. */
static json_t *fuzz_tools_number(const char *s, size_t n)
{
	char tmp[64];
	char *end;
	double d;
	long long v;

	if (!n || n >= sizeof(tmp))
		return NULL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (strpbrk(tmp, ".eE")) {
		d = strtod(tmp, &end);
		return *end ? NULL : json_real(d);
	}
	errno = 0;
	v = strtoll(tmp, &end, 10);
	return *end || errno ? NULL : json_integer(v);
}

static void fuzz_tools_set_str(json_t *o, const char *key, const char *s,
			       size_t n)
{
	json_t *v = json_stringn_nocheck(s, n);

	FUZZ_CHECK(v);
	json_object_set_new(o, key, v);
}

static void fuzz_tools_set_num(json_t *o, const char *key, const char *s,
			       size_t n)
{
	json_t *v = fuzz_tools_number(s, n);

	if (v)
		json_object_set_new(o, key, v);
}

/* Arguments from raw fields, with no UTF-8 check and NULs allowed. */
static json_t *fuzz_tools_raw_args(const char *name, const char *s, size_t n)
{
	const char *f[4];
	size_t len[4], nr;
	json_t *o = json_object();

	nr = fuzz_tools_fields(s, n, f, len, 4);
	if (!strcmp(name, "read_file")) {
		fuzz_tools_set_str(o, "path", f[0], len[0]);
		if (nr > 1)
			fuzz_tools_set_num(o, "start_line", f[1], len[1]);
		if (nr > 2)
			fuzz_tools_set_num(o, "end_line", f[2], len[2]);
	} else if (!strcmp(name, "list_files")) {
		if (len[0] || nr > 1)
			fuzz_tools_set_str(o, "path", f[0], len[0]);
		if (nr > 1)
			fuzz_tools_set_str(o, "glob", f[1], len[1]);
	} else if (!strcmp(name, "search")) {
		fuzz_tools_set_str(o, "pattern", f[0], len[0]);
		if (nr > 1)
			fuzz_tools_set_str(o, "path", f[1], len[1]);
		if (nr > 2)
			fuzz_tools_set_str(o, "glob", f[2], len[2]);
		if (nr > 3)
			fuzz_tools_set_str(o, "repo", f[3], len[3]);
	} else if (!strcmp(name, "related")) {
		fuzz_tools_set_str(o, "path", f[0], len[0]);
		if (nr > 1)
			fuzz_tools_set_num(o, "line", f[1], len[1]);
		if (nr > 2)
			fuzz_tools_set_str(o, "repo", f[2], len[2]);
	} else if (!strcmp(name, "delegate")) {
		fuzz_tools_set_str(o, "agent", f[0], len[0]);
		if (nr > 1)
			fuzz_tools_set_str(o, "task", f[1], len[1]);
		if (nr > 2)
			fuzz_tools_set_num(o, "step", f[2], len[2]);
	} else {
		fuzz_tools_set_str(o, "name", f[0], len[0]);
		if (nr > 1)
			fuzz_tools_set_str(o, "repo", f[1], len[1]);
	}
	return o;
}

/* The repository asked for: none, or one of fuzz_tools_repos. */
static void fuzz_tools_check_repo(const char *repo)
{
	FUZZ_CHECK(!repo || !strcmp(repo, fuzz_tools_repos[0]));
}

/*
 * The index's answer: the arguments, a secret spelled whole, and enough
 * of it to pass the cap; an argument starting with '!' fails, with the
 * secret in the reason; one starting with '0' finds nothing.
 */
static int fuzz_tools_index_answer(const char *arg, struct buf *out)
{
	size_t i;

	buf_printf(out, "src/a.c:1-2 function f tok_%s\n",
		   fuzz_tools_secrets[2]);
	for (i = 0; i < 3; i++)
		buf_printf(out, "%s\n", arg);
	return arg[0] == '!' ? TEND_ERROR : arg[0] == '0' ? 0 : 2;
}

static int fuzz_tools_index_search(const char *query, const char *glob,
				   const char *repo, struct buf *out,
				   void *data)
{
	(void)data;
	fuzz_tools_check_repo(repo);
	FUZZ_CHECK(query && *query && !strpbrk(query, "\\^$.|?*+()[]{}"));
	if (glob)
		buf_printf(out, "glob %s\n", glob);
	return fuzz_tools_index_answer(query, out);
}

static int fuzz_tools_index_symbol(const char *name, const char *repo,
				   struct buf *out, void *data)
{
	(void)data;
	fuzz_tools_check_repo(repo);
	FUZZ_CHECK(name && *name && !strpbrk(name, ".#: /"));
	return fuzz_tools_index_answer(name, out);
}

static int fuzz_tools_index_related(const char *path, long line,
				    const char *repo, struct buf *out,
				    void *data)
{
	struct agent_tools_env *env = data;
	const char *p;

	fuzz_tools_check_repo(repo);
	FUZZ_CHECK(line >= 0);
	/* clean: relative, no "..", ".git" or empty components */
	FUZZ_CHECK(path && *path && path[0] != '/');
	for (p = path; *p; ) {
		size_t n = strcspn(p, "/");

		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!(n == 2 && !memcmp(p, "..", 2)));
		FUZZ_CHECK(!(n == 1 && p[0] == '.'));
		FUZZ_CHECK(!(n == 4 && !memcmp(p, ".git", 4)));
		p += n;
		if (*p)
			FUZZ_CHECK(*++p);
	}
	if (!repo && env->hidden)
		FUZZ_CHECK(!fuzz_tools_hidden(path, NULL) &&
			   strncmp(path, "vendor/", 7));
	return fuzz_tools_index_answer(path, out);
}

/*
 * The sub-agent: its summary repeats the task (so the cap is met) and
 * spells a secret whole, which the mask must catch; a task starting with
 * '!' is one that could not be run, with the secret in the reason.
 */
static int fuzz_tools_delegate(const char *agent, const char *task,
			       long step, struct buf *out, void *data)
{
	size_t i;

	(void)data;
	FUZZ_CHECK(agent && *agent && task && *task);
	FUZZ_CHECK(step >= 0 && step <= AGENT_TOOLS_STEP_MAX);
	FUZZ_CHECK(strlen(task) <= AGENT_TOOLS_TASK_MAX);
	buf_printf(out, "%s, step %ld: tok_%s\n", agent, step,
		   fuzz_tools_secrets[1]);
	for (i = 0; i < 4; i++)
		buf_puts(out, task);
	return task[0] == '!' ? TEND_EUNAVAIL : 0;
}

/* Caps: the defaults, and tighter ones that make every note appear. */
static void fuzz_tools_caps(struct agent_tools_env *env, unsigned profile)
{
	env->search_ms = 500;
	env->max_walk = 5000;
	switch (profile) {
	case 1:
		env->max_out = 600;
		env->max_lines = 5;
		env->max_matches = 3;
		env->max_symbols = 2;
		env->max_entries = 4;
		env->max_read_bytes = 3000;
		break;
	case 2:
		env->max_out = 4096;
		env->max_read_bytes = 70000;
		env->max_lines = 40;
		break;
	case 3:
		env->max_walk = 3;
		env->max_read_bytes = 100;
		env->max_out = 300;
		break;
	default:
		break;
	}
}

/*
 * No six characters in a row of a secret's value, unless the input holds
 * them (the model can type anything).
 */
static void fuzz_tools_check_secrets(const struct buf *out,
				     const uint8_t *data, size_t size)
{
	size_t i, k;

	for (i = 0; fuzz_tools_secrets[i]; i++)
		for (k = 0; k + FUZZ_TOOLS_WINDOW <= FUZZ_TOOLS_SECRET_LEN;
		     k++) {
			const char *w = fuzz_tools_secrets[i] + k;

			if (!fuzz_tools_has(out->ptr, out->len, w,
					    FUZZ_TOOLS_WINDOW))
				continue;
			/* the model may have typed it itself */
			if (fuzz_tools_has((const char *)data, size, w,
					   FUZZ_TOOLS_WINDOW))
				continue;
			fprintf(stderr, "fuzz_tools: secret %zu shown in part "
				"(from offset %zu):\n%s\n", i, k, out->ptr);
			abort();
		}
}

/* No line of a listing names a path inside .git or the hidden tree. */
static void fuzz_tools_check_listing(const struct buf *out, int hidden)
{
	const char *p = out->ptr, *end = out->ptr + out->len;

	/* this note quotes the arguments, newlines and all */
	if (out->len > 15 && !memcmp(out->ptr, "no files under ", 15))
		return;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *arrow = memchr(p, '>', n);
		size_t name = arrow && arrow > p + 1 ? (size_t)(arrow - p) - 2
						     : n;

		if (n && p[0] != '[')
			FUZZ_CHECK(!fuzz_tools_has(p, name, ".git/", 5));
		FUZZ_CHECK(!hidden || !(name >= 7 && !memcmp(p, "vendor/", 7)));
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *name;
	unsigned flags;
	json_t *args = NULL;
	char *text = NULL;
	int rc;

	if (size < 1 || size > 8192)
		return 0;
	flags = data[0];
	name = fuzz_tools_names[flags & 7];
	FUZZ_CHECK(agent_tools_env_init(&env, fuzz_tools_root, &err) == 0);
	fuzz_tools_caps(&env, (flags >> 4) & 3);
	if (flags & 0x40) {
		env.hidden = fuzz_tools_hidden;
		env.hidden_data = NULL;
	}
	if (!(flags & 0x80)) {
		env.mask = fuzz_tools_mask;
		env.mask_data = NULL;
	}
	env.delegate = fuzz_tools_delegate;
	if (size & 1) {
		env.index_search = fuzz_tools_index_search;
		env.index_symbol = fuzz_tools_index_symbol;
		env.index_related = fuzz_tools_index_related;
		env.index_data = &env;
		env.repos = fuzz_tools_repos;
		env.nr_repos = 1;
	}

	if (flags & 8) {
		args = fuzz_tools_raw_args(name, (const char *)data + 1,
					   size - 1);
		rc = agent_tools_run_json(&env, name, args, &out);
	} else {
		text = malloc(size);
		FUZZ_CHECK(text);
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		rc = agent_tools_run(&env, name, text, &out);
	}

	FUZZ_CHECK(env.calls == 1 && env.errors == (rc < 0));
	FUZZ_CHECK(out.ptr[out.len] == '\0');
	if (rc < 0)
		FUZZ_CHECK(out.len > 0);
	if (rc == 0 && !strcmp(name, "submit_review"))
		FUZZ_CHECK(out.len == 0);
	if (rc == 0 && strcmp(name, "submit_review"))
		FUZZ_CHECK(out.len > 0);
	/* a cut line or the last snippet may pass the cap, then notes */
	if (rc == 0)
		FUZZ_CHECK(out.len <= env.max_out + 2200 + 400);

	/* nothing from outside, from .git or from a hidden path */
	if (!fuzz_tools_has((const char *)data, size, "QZX", 3)) {
		if (fuzz_tools_has(out.ptr, out.len, "QZX", 3)) {
			fprintf(stderr, "fuzz_tools: a canary got out:\n%s\n",
				out.ptr);
			abort();
		}
	}
	/* nothing from a hidden path when paths are hidden */
	if (env.hidden &&
	    !fuzz_tools_has((const char *)data, size, "QZH", 3) &&
	    fuzz_tools_has(out.ptr, out.len, "QZH", 3)) {
		fprintf(stderr, "fuzz_tools: a hidden file got out:\n%s\n",
			out.ptr);
		abort();
	}
	if (env.mask)
		fuzz_tools_check_secrets(&out, data, size);
	if (rc == 0 && !strcmp(name, "list_files"))
		fuzz_tools_check_listing(&out, env.hidden != NULL);

	json_decref(args);
	free(text);
	agent_tools_env_release(&env);
	buf_release(&out);
	buf_release(&err);
	return 0;
}
