/*
 * fuzz_edit.c - libFuzzer target for the edit tools (agents/tools.c):
 * edit_file and write_file called with the arguments a hostile or
 * confused model could send, against a small repository made once.
 *
 * The repository holds text files, a CRLF file, a binary file, a fifo, a
 * symlink to a file inside, a symlink to a directory inside, and two
 * symlinks that lead out of it (`escape` to a canary file, `outdir` to the
 * canary's directory). A `writable` callback refuses the directory
 * `locked/`, as tend fix refuses tests and CI files.
 *
 * Input: byte 0 holds flags: bits 0-1 the call (0 edit_file and 1
 * write_file with arguments built from the fields below; 2 edit_file and 3
 * write_file with the rest of the input as the JSON text of the arguments,
 * as a model writes it); bit 2 puts replace_all in, bit 3 is its value;
 * bit 4 makes the size cap 64 bytes; bit 5 prefixes the path with a path
 * from a list of interesting ones (byte 1 picks it); bit 6 takes `old`
 * from a list of snippets of the files (byte 2 picks it). The rest of the
 * input is split at 0xff bytes into the path, `old` and `new` (or
 * `content`); these strings may hold NULs and invalid UTF-8.
 *
 * Whatever the bytes, checked after every call:
 *   - nothing outside the repository is read or written: inotify watches
 *     the canary and its directory and must report no event at all;
 *   - nothing in .git and nothing in locked/ is opened or changed (inotify
 *     on both directories);
 *   - the canary's text never appears in a result unless the input held
 *     it (an argument is echoed in some errors);
 *   - the writable callback is only asked about clean relative paths (no
 *     leading '/', no "." or ".." component, no .git);
 *   - every path in env->written is such a path and is now a regular file
 *     in the repository, not a symlink, and each is listed once;
 *   - a call returns 0 or a TEND_E* code, with a non-empty text on error;
 * and nothing crashes, leaks or runs away. After a call that may have
 * written, the repository (but .git and locked/) is rebuilt. The
 * temporary directory is removed at exit (not after a crash: it holds the
 * state the crash happened in).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agents/tools.h"
#include "common/buf.h"
#include "common/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_EDIT_CANARY "c4n4ry-9d2f0b7e61a35c48-do-not-touch"

static char fuzz_edit_top[256];		/* the temp directory */
static char fuzz_edit_repo[300];	/* top/repo */
static int fuzz_edit_inotify = -1;

static const char *const fuzz_edit_paths[] = {
	"src/a.c", "escape", "outdir/canary", "outdir/new.txt", "outdir/",
	"locked/x.txt", "locked/new/y", "./locked//x.txt", ".git/config",
	".GIT/config", ".git", "src/.git/x", "../outside/canary",
	"src/../../outside/canary", "/tmp/x", "crlf.txt", "bin.dat", "fifo",
	"src", "src/", "new/dir/file.txt", "src/link.c", "srclink/a.c",
	"escape/x", "", ".", "./src//a.c", "outdir", "src/a.c/x",
	"deep/a/b/c/d/e/f/g/h/i/j.txt", "locked", "LOCKED/x",
	"outdir/../canary", "srclink", "src/link.c/x",
};

static const char *const fuzz_edit_olds[] = {
	"int a = 1;", "return", "\n", "a", "int", "two\r\n", "", "x", "  ",
	"int a = 1;\nint b = 2;\n", "int a=1;", "\treturn a + b;\n",
	"int a = 1;\nint c = 3;\n", "two\nthree\n", "abc", "\r\n",
	"   1| int a = 1;",
};

/* ---- the repository ---- */

static void fuzz_edit_die(const char *what)
{
	fprintf(stderr, "fuzz_edit: %s: %s\n", what, strerror(errno));
	abort();
}

static void fuzz_edit_put(const char *rel, const char *text, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_edit_repo, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		fuzz_edit_die(path);
}

static void fuzz_edit_mkdir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fuzz_edit_repo, rel);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fuzz_edit_die(path);
}

static void fuzz_edit_link(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fuzz_edit_repo, rel);
	if (symlink(target, path) < 0)
		fuzz_edit_die(path);
}

/* Remove what `dfd`/`name` is, recursively, never following a link. */
static void fuzz_edit_remove(int dfd, const char *name)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlinkat(dfd, name, 0);
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		fuzz_edit_die(name);
	d = fdopendir(fd);
	if (!d)
		fuzz_edit_die(name);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fuzz_edit_remove(dirfd(d), de->d_name);
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		fuzz_edit_die(name);
}

/* The repository's files as they were, .git and locked/ aside. */
static void fuzz_edit_seed(void)
{
	static const char a_c[] =
		"int a = 1;\nint b = 2;\n\nint add(void)\n{\n"
		"\treturn a + b;\n}\n";
	static const char crlf[] = "one\r\ntwo\r\nthree\r\n";
	static const char bin[] = "abc\0def\n";
	struct dirent *de;
	char path[512];
	DIR *d;

	d = opendir(fuzz_edit_repo);
	if (!d)
		fuzz_edit_die(fuzz_edit_repo);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, ".git") && strcmp(de->d_name, "locked"))
			fuzz_edit_remove(dirfd(d), de->d_name);
	closedir(d);
	fuzz_edit_mkdir("src");
	fuzz_edit_put("src/a.c", a_c, sizeof(a_c) - 1);
	fuzz_edit_put("crlf.txt", crlf, sizeof(crlf) - 1);
	fuzz_edit_put("bin.dat", bin, sizeof(bin) - 1);
	fuzz_edit_link("a.c", "src/link.c");
	fuzz_edit_link("src", "srclink");
	fuzz_edit_link("../outside/canary", "escape");
	fuzz_edit_link("../outside", "outdir");
	snprintf(path, sizeof(path), "%s/fifo", fuzz_edit_repo);
	if (mkfifo(path, 0644) < 0)
		fuzz_edit_die(path);
}

static void fuzz_edit_watch(const char *rel, uint32_t mask)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fuzz_edit_top, rel);
	if (inotify_add_watch(fuzz_edit_inotify, path, mask) < 0)
		fuzz_edit_die(path);
}

/* Remove the temporary directory when libFuzzer exits. */
static void fuzz_edit_cleanup(void)
{
	if (fuzz_edit_inotify >= 0)
		close(fuzz_edit_inotify);
	fuzz_edit_inotify = -1;
	fuzz_edit_remove(AT_FDCWD, fuzz_edit_top);
}

static void fuzz_edit_setup(void)
{
	char path[512];
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(fuzz_edit_top, sizeof(fuzz_edit_top),
		 "%s/tend-fuzz-edit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_edit_top))
		fuzz_edit_die("mkdtemp");
	snprintf(fuzz_edit_repo, sizeof(fuzz_edit_repo), "%s/repo",
		 fuzz_edit_top);
	snprintf(path, sizeof(path), "%s/outside", fuzz_edit_top);
	if (mkdir(path, 0755) < 0 || mkdir(fuzz_edit_repo, 0755) < 0)
		fuzz_edit_die(path);
	snprintf(path, sizeof(path), "%s/outside/canary", fuzz_edit_top);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, FUZZ_EDIT_CANARY "\n",
			    sizeof(FUZZ_EDIT_CANARY)) < 0 || close(fd) < 0)
		fuzz_edit_die(path);
	fuzz_edit_mkdir(".git");
	fuzz_edit_put(".git/config", "[core]\n", 7);
	fuzz_edit_mkdir("locked");
	fuzz_edit_put("locked/x.txt", "int locked;\n", 12);
	fuzz_edit_seed();

	fuzz_edit_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fuzz_edit_inotify < 0)
		fuzz_edit_die("inotify_init1");
	fuzz_edit_watch("outside", IN_ALL_EVENTS);
	fuzz_edit_watch("outside/canary", IN_ALL_EVENTS);
	fuzz_edit_watch("repo/.git", IN_ALL_EVENTS);
	fuzz_edit_watch("repo/locked", IN_ALL_EVENTS);
	fuzz_edit_watch("repo/locked/x.txt", IN_ALL_EVENTS);
	atexit(fuzz_edit_cleanup);
}

/* Abort when anything touched the watched files. */
static void fuzz_edit_no_events(void)
{
	char ev[4096] __attribute__((aligned(8)));
	ssize_t n = read(fuzz_edit_inotify, ev, sizeof(ev));

	if (n > 0) {
		const struct inotify_event *e = (const void *)ev;

		fprintf(stderr, "fuzz_edit: a watched path was touched "
			"(mask 0x%x, name '%s')\n", e->mask,
			e->len ? e->name : "");
		abort();
	}
}

/* ---- the callbacks ---- */

/* 1 when `p` is clean: relative, no empty, ".", ".." or .git part. */
static int fuzz_edit_clean(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (!n || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.') ||
		    (n == 4 && !strncasecmp(s, ".git", 4)))
			return 0;
		s += n + (e ? 1 : 0);
		if (e && !*s)
			return 0;	/* a trailing '/' */
	}
	return 1;
}

static int fuzz_edit_writable(const char *path, struct buf *why, void *data)
{
	(void)data;
	if (!fuzz_edit_clean(path)) {
		fprintf(stderr, "fuzz_edit: writable asked about '%s'\n",
			path);
		abort();
	}
	if (!strcmp(path, "locked") || !strncmp(path, "locked/", 7)) {
		buf_printf(why, "'%s' is protected", path);
		return 1;
	}
	return 0;
}

/* A mask that changes lengths both ways. */
static void fuzz_edit_mask(struct buf *text, const char *path, void *data)
{
	(void)path;
	(void)data;
	buf_replace_all(text, "tok3n", "[a-much-longer-mask]");
	buf_replace_all(text, "secretsecret", "*");
}

/* ---- one input ---- */

/* The next field of the input, up to a 0xff byte. */
static const uint8_t *fuzz_edit_field(const uint8_t **p, const uint8_t *end,
				      size_t *len)
{
	const uint8_t *start = *p, *sep;

	if (start >= end) {
		*len = 0;
		return start;
	}
	sep = memchr(start, 0xff, (size_t)(end - start));
	*len = (size_t)((sep ? sep : end) - start);
	*p = sep ? sep + 1 : end;
	return start;
}

static json_t *fuzz_edit_args(const uint8_t *data, size_t size, int write,
			      uint8_t flags)
{
	const uint8_t *p = data + 3, *end = data + size, *f;
	struct buf path = BUF_INIT;
	json_t *args = json_object();
	size_t len;

	if (flags & 0x20)
		buf_puts(&path, fuzz_edit_paths[data[1] % (sizeof(
			fuzz_edit_paths) / sizeof(fuzz_edit_paths[0]))]);
	f = fuzz_edit_field(&p, end, &len);
	buf_add(&path, f, len);
	json_object_set_new(args, "path",
			    json_stringn_nocheck(path.ptr, path.len));
	f = fuzz_edit_field(&p, end, &len);
	if (write) {
		json_object_set_new(args, "content",
				    json_stringn_nocheck((const char *)f, len));
	} else {
		if (flags & 0x40)
			json_object_set_new(args, "old", json_string(
				fuzz_edit_olds[data[2] % (sizeof(
				fuzz_edit_olds) / sizeof(fuzz_edit_olds[0]))]));
		else
			json_object_set_new(args, "old",
					    json_stringn_nocheck(
						    (const char *)f, len));
		f = fuzz_edit_field(&p, end, &len);
		json_object_set_new(args, "new",
				    json_stringn_nocheck((const char *)f, len));
		if (flags & 0x04)
			json_object_set_new(args, "replace_all",
					    json_boolean(flags & 0x08));
	}
	buf_release(&path);
	return args;
}

/* The checks on env->written. */
static void fuzz_edit_check_written(const struct agent_tools_env *env)
{
	size_t i, j;

	for (i = 0; i < env->nr_written; i++) {
		char full[4096];
		struct stat st;

		if (!fuzz_edit_clean(env->written[i])) {
			fprintf(stderr, "fuzz_edit: written '%s'\n",
				env->written[i]);
			abort();
		}
		for (j = 0; j < i; j++)
			if (!strcmp(env->written[i], env->written[j]))
				abort();
		snprintf(full, sizeof(full), "%s/%s", fuzz_edit_repo,
			 env->written[i]);
		if (lstat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "fuzz_edit: '%s' is not a file\n",
				env->written[i]);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_tools_env env;
	struct buf out = BUF_INIT, err = BUF_INIT;
	json_t *args = NULL;
	const char *tool;
	uint8_t flags;
	int rc, mode;

	if (fuzz_edit_inotify < 0)
		fuzz_edit_setup();
	if (size < 3)
		return 0;
	flags = data[0];
	mode = flags & 3;
	tool = mode == 0 || mode == 2 ? "edit_file" : "write_file";
	if (agent_tools_env_init(&env, fuzz_edit_repo, &err) < 0)
		abort();
	env.writable = fuzz_edit_writable;
	env.mask = fuzz_edit_mask;
	if (flags & 0x10)
		env.max_write_bytes = 64;
	if (mode < 2) {
		args = fuzz_edit_args(data, size, mode == 1, flags);
		rc = agent_tools_run_json(&env, tool, args, &out);
	} else {
		char *text = malloc(size - 2);

		memcpy(text, data + 3, size - 3);
		text[size - 3] = '\0';
		rc = agent_tools_run(&env, tool, text, &out);
		free(text);
	}
	if (rc > 0 || rc < TEND_EUNAVAIL || (rc < 0 && !out.len))
		abort();
	if (memmem(out.ptr, out.len, FUZZ_EDIT_CANARY,
		   strlen(FUZZ_EDIT_CANARY)) &&
	    !memmem(data, size, FUZZ_EDIT_CANARY, strlen(FUZZ_EDIT_CANARY))) {
		fprintf(stderr, "fuzz_edit: the canary was read\n");
		abort();
	}
	fuzz_edit_check_written(&env);
	fuzz_edit_no_events();
	if (env.changes || env.nr_written || mode == 1 || mode == 3)
		fuzz_edit_seed();
	json_decref(args);
	agent_tools_env_release(&env);
	buf_release(&out);
	buf_release(&err);
	return 0;
}
