/*
 * tools.c - the agent tool set: the read group (read_file, list_files,
 * search, find_symbol), the edit group (edit_file, write_file), the
 * command group (run, run_tests), the delegate group (delegate), the
 * final answers submit_review, finish and answer, agent_tools_run(),
 * which validates a call and runs it (see tools.h for the contract), and
 * agent_tools_file_text(), which reads a file as read_file would.
 *
 * Everything a tool returns is text for a model: short, deterministic and
 * honest about what it left out. Each cap ends in a bracketed note saying
 * what was cut and how to ask for the rest. Errors are sentences the model
 * can act on.
 *
 * Paths go through three gates. agent_tools_clean() refuses absolute
 * paths, "..", and .git before anything touches the disk;
 * agent_tools_resolve() resolves symlinks with realpath() and refuses what
 * lands outside the root or in .git; agent_tools_open() then opens the
 * resolved path component by component with O_NOFOLLOW from the root, so
 * a symlink swapped in after the check fails to open instead of leading
 * out. Directory walks (agent_tools_walk) list each directory, sort the
 * names bytewise and descend without following symlinks, which makes every
 * listing and every search order the same from run to run.
 *
 * Writes take a stricter road (agent_tools_target_open): no realpath, no
 * symlink followed anywhere, each directory opened from the root with
 * O_NOFOLLOW, the caller's `writable` policy asked before the first byte
 * changes, and the new content written to a temporary file renamed over
 * the old one. When an edit does not apply, the error is built to let the
 * model correct itself in one more call: where the text nearly matches.
 *
 * This file does not talk to models or parse their replies: the tool loop
 * does. It does not know about secrets either: the caller's mask callback
 * does. It does not run commands: the caller's callbacks do, in tend's
 * sandbox. Nor does it run sub-agents: delegate checks its arguments and
 * hands them to the caller's callback.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcre2.h>

#include "agents/schema.h"
#include "agents/tools.h"
#include "common/error.h"
#include "common/glob.h"
#include "common/xalloc.h"

/* Bytes of one line shown by read_file and find_symbol. */
#define AGENT_TOOLS_LINE_MAX 2000
/* Bytes of one line shown by search, around the match. */
#define AGENT_TOOLS_HIT_MAX 200
/* Bytes looked at for a NUL to call a file binary, as git does. */
#define AGENT_TOOLS_BINARY_PROBE 8000
/* Lines of a definition find_symbol shows. */
#define AGENT_TOOLS_SNIPPET_LINES 15
/* Directory levels a walk descends. */
#define AGENT_TOOLS_DEPTH_MAX 64
/* PCRE2 limits: a regex that needs more gives up instead of running away. */
#define AGENT_TOOLS_MATCH_LIMIT 1000000
#define AGENT_TOOLS_DEPTH_LIMIT 10000
#define AGENT_TOOLS_HEAP_LIMIT (16u << 10)	/* KiB */

/* ------------------------------------------------------------------ */
/* The environment                                                     */

int agent_tools_env_init(struct agent_tools_env *env, const char *root,
			 struct buf *err)
{
	struct stat st;
	char *real;

	memset(env, 0, sizeof(*env));
	if (!root || !*root)
		return error_set(err, TEND_EINVALID,
				 "no repository root given for the tools");
	real = realpath(root, NULL);
	if (!real)
		return error_set(err, TEND_ENOTFOUND,
				 "cannot resolve repository root '%s': %s",
				 root, strerror(errno));
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return error_set(err, TEND_EINVALID,
				 "repository root '%s' is not a directory",
				 root);
	}
	env->root = real;
	env->max_read_bytes = AGENT_TOOLS_READ_BYTES;
	env->max_lines = AGENT_TOOLS_READ_LINES;
	env->max_matches = AGENT_TOOLS_MATCHES;
	env->max_symbols = AGENT_TOOLS_SYMBOLS;
	env->max_entries = AGENT_TOOLS_ENTRIES;
	env->max_out = AGENT_TOOLS_OUT_BYTES;
	env->max_walk = AGENT_TOOLS_WALK_FILES;
	env->search_ms = AGENT_TOOLS_SEARCH_MS;
	env->max_write_bytes = AGENT_TOOLS_WRITE_BYTES;
	return 0;
}

void agent_tools_env_release(struct agent_tools_env *env)
{
	size_t i;

	free(env->root);
	env->root = NULL;
	for (i = 0; i < env->nr_written; i++)
		free(env->written[i]);
	free(env->written);
	env->written = NULL;
	env->nr_written = 0;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static uint64_t agent_tools_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A short lowercase reason for an errno, for messages to the model. */
static const char *agent_tools_reason(int e)
{
	switch (e) {
	case ENOENT: return "no such file or directory";
	case ENOTDIR: return "a component of the path is not a directory";
	case ELOOP: return "too many levels of symbolic links";
	case EACCES: return "permission denied";
	case ENAMETOOLONG: return "the path is too long";
	case EISDIR: return "it is a directory";
	default: return strerror(e);
	}
}

static size_t agent_tools_digits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* The largest n <= len that does not split a UTF-8 sequence of s. */
static size_t agent_tools_utf8_floor(const char *s, size_t len, size_t n)
{
	if (n >= len)
		return len;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* An optional integer argument; 1 when present. Values are >= 1. */
static int agent_tools_arg_size(const json_t *args, const char *key,
				size_t *out)
{
	const json_t *v = json_object_get(args, key);
	double d;

	if (!json_is_number(v))
		return 0;
	d = json_number_value(v);
	if (d < 1)
		d = 1;
	*out = d > 1e15 ? (size_t)1e15 : (size_t)d;
	return 1;
}

/* An optional string argument: its text and length, or NULL. */
static const char *agent_tools_arg_str(const json_t *args, const char *key,
				       size_t *len)
{
	const json_t *v = json_object_get(args, key);

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

static void agent_tools_mask(struct agent_tools_env *env, struct buf *text,
			     const char *path)
{
	if (env->mask && text->len)
		env->mask(text, path, env->mask_data);
}

/* 1 when `rel` or any directory above it is hidden by the caller. */
static int agent_tools_is_hidden(struct agent_tools_env *env, const char *rel)
{
	struct buf prefix = BUF_INIT;
	const char *p;
	int hidden = 0;

	if (!env->hidden || !*rel)
		return 0;
	for (p = rel; !hidden; p++) {
		if (*p == '/' || !*p) {
			buf_reset(&prefix);
			buf_add(&prefix, rel, (size_t)(p - rel));
			hidden = env->hidden(prefix.ptr, env->hidden_data) != 0;
		}
		if (!*p)
			break;
	}
	buf_release(&prefix);
	return hidden;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

/* 1 when the '/'-separated path has a ".git" component. */
static int agent_tools_in_git(const char *rel)
{
	const char *p = rel;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 4 && !memcmp(p, ".git", 4))
			return 1;
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

/*
 * Turn the path argument `arg` (as the model wrote it, `len` bytes) into a
 * clean relative path in `rel`: no empty or "." components, "" for the
 * root. Refuses absolute paths, "..", ".git" and NUL bytes with the error
 * text in `out`.
 */
static int agent_tools_clean(const char *arg, size_t len, struct buf *rel,
			     struct buf *out)
{
	const char *p = arg, *end = arg + len;

	buf_reset(rel);
	if (memchr(arg, '\0', len))
		return error_set(out, TEND_EINVALID,
				 "path contains a NUL byte");
	if (len && arg[0] == '/')
		return error_set(out, TEND_EINVALID,
				 "'%.200s' is an absolute path: give a path "
				 "relative to the repository root", arg);
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return error_set(out, TEND_EINVALID,
					 "'%.200s' leaves the repository: '..' "
					 "is not allowed in paths", arg);
		if (n == 4 && !memcmp(p, ".git", 4))
			return error_set(out, TEND_EINVALID,
					 "'%.200s' is inside .git, which tools "
					 "cannot access", arg);
		if (n && !(n == 1 && p[0] == '.')) {
			if (rel->len)
				buf_putc(rel, '/');
			buf_add(rel, p, n);
		}
		p += n + (slash ? 1 : 0);
	}
	return 0;
}

/*
 * Resolve the clean relative path in `rel` against the root, following
 * symlinks, and replace it with the resolved relative path (no symlinks,
 * "" for the root). `shown` is the argument as given, for messages.
 */
static int agent_tools_resolve(struct agent_tools_env *env, struct buf *rel,
			       const char *shown, struct buf *out)
{
	size_t rootlen = strlen(env->root);
	struct buf full = BUF_INIT;
	char *real = NULL;
	const char *inside;
	int rc = 0;

	buf_puts(&full, env->root);
	if (rel->len) {
		if (rootlen > 1)
			buf_putc(&full, '/');
		buf_add(&full, rel->ptr, rel->len);
	}
	real = realpath(full.ptr, NULL);
	if (!real) {
		rc = error_set(out, errno == ENOENT ? TEND_ENOTFOUND
						    : TEND_EINVALID,
			       "cannot open '%s': %s", shown,
			       agent_tools_reason(errno));
		goto out;
	}
	if (rootlen == 1) {
		inside = real + 1;
	} else if (!strncmp(real, env->root, rootlen) &&
		   (real[rootlen] == '/' || !real[rootlen])) {
		inside = real + rootlen + (real[rootlen] == '/');
	} else {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' resolves to a path outside the "
			       "repository", shown);
		goto out;
	}
	if (agent_tools_in_git(inside)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' resolves into .git, which tools cannot "
			       "access", shown);
		goto out;
	}
	if (agent_tools_is_hidden(env, rel->ptr) ||
	    agent_tools_is_hidden(env, inside)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is excluded from this review (generated "
			       "or vendored)", shown);
		goto out;
	}
	buf_sets(rel, inside);
out:
	free(real);
	buf_release(&full);
	return rc;
}

/*
 * Open the resolved relative path `rel` (no symlinks in it) one component
 * at a time from the root, never following a symlink. Directories open as
 * directories, regular files for reading; anything else is refused. On
 * success *fd_out and *st are set.
 */
static int agent_tools_open(struct agent_tools_env *env, const char *rel,
			    const char *shown, int *fd_out, struct stat *st,
			    struct buf *out)
{
	const char *p = rel;
	int dfd, fd, e;

	dfd = open(env->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto fail;
	while (*p) {
		const char *slash = strchr(p, '/');
		char name[NAME_MAX + 1];
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;

		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail_close;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (slash) {
			flags |= O_DIRECTORY;
		} else {
			struct stat lst;

			if (fstatat(dfd, name, &lst, AT_SYMLINK_NOFOLLOW) < 0)
				goto fail_close;
			if (S_ISDIR(lst.st_mode))
				flags |= O_DIRECTORY;
			else if (S_ISREG(lst.st_mode))
				flags |= O_NONBLOCK;
			else
				goto not_regular;
		}
		fd = openat(dfd, name, flags);
		if (fd < 0)
			goto fail_close;
		close(dfd);
		dfd = fd;
		p += n;
		while (*p == '/')
			p++;
	}
	if (fstat(dfd, st) < 0)
		goto fail_close;
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
		goto not_regular;
	*fd_out = dfd;
	return 0;

not_regular:
	close(dfd);
	return error_set(out, TEND_EINVALID, "'%s' is not a regular file",
			 shown);
fail_close:
	e = errno;
	close(dfd);
	errno = e;
fail:
	return error_set(out, errno == ENOENT ? TEND_ENOTFOUND : TEND_EINVALID,
			 "cannot open '%s': %s", shown,
			 agent_tools_reason(errno));
}

/*
 * The path argument `key` of `args`, cleaned and resolved into `rel` and
 * opened into *fd and *st. A missing or empty optional path is the root.
 * `shown` receives the argument for messages (at most 200 bytes).
 */
static int agent_tools_path_arg(struct agent_tools_env *env,
				const json_t *args, const char *key,
				struct buf *rel, struct buf *shown, int *fd,
				struct stat *st, struct buf *out)
{
	const char *arg;
	size_t len = 0;
	int rc;

	arg = agent_tools_arg_str(args, key, &len);
	if (!arg) {
		arg = "";
		len = 0;
	}
	buf_reset(shown);
	buf_add(shown, arg, len > 200 ? agent_tools_utf8_floor(arg, len, 200)
				      : len);
	if (!shown->len)
		buf_puts(shown, ".");
	if ((rc = agent_tools_clean(arg, len, rel, out)) < 0)
		return rc;
	if ((rc = agent_tools_resolve(env, rel, shown->ptr, out)) < 0)
		return rc;
	return agent_tools_open(env, rel->ptr, shown->ptr, fd, st, out);
}

/*
 * Read up to `max` bytes of the open file into `data`. *partial is set
 * when the file holds more; the last incomplete line is then dropped, so
 * what is kept is whole lines (unless there is only one).
 */
static int agent_tools_slurp(int fd, size_t max, struct buf *data,
			     int *partial)
{
	char chunk[65536];
	ssize_t n;

	*partial = 0;
	buf_reset(data);
	for (;;) {
		size_t want = sizeof(chunk);

		if (data->len >= max) {
			/* one byte more tells whether the file goes on */
			n = read(fd, chunk, 1);
			if (n > 0)
				*partial = 1;
			break;
		}
		if (want > max - data->len)
			want = max - data->len;
		n = read(fd, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return TEND_ERROR;
		if (n == 0)
			break;
		buf_add(data, chunk, (size_t)n);
	}
	if (*partial) {
		char *nl = memrchr(data->ptr, '\n', data->len);

		/* a first line longer than the cap is kept, cut */
		if (nl)
			buf_truncate(data, (size_t)(nl - data->ptr) + 1);
	}
	return 0;
}

static int agent_tools_is_binary(const struct buf *data)
{
	size_t n = data->len < AGENT_TOOLS_BINARY_PROBE ?
		   data->len : AGENT_TOOLS_BINARY_PROBE;

	return memchr(data->ptr, '\0', n) != NULL;
}

/* Lines in `data`: a last line without '\n' counts. */
static size_t agent_tools_count_lines(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	size_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	if (len && s[len - 1] != '\n')
		n++;
	return n;
}

/* The line at *pos: sets *line and *len (no '\n', no '\r'), advances *pos. */
static int agent_tools_next_line(const char *s, size_t size, size_t *pos,
				 const char **line, size_t *len)
{
	const char *nl;
	size_t n;

	if (*pos >= size)
		return 0;
	*line = s + *pos;
	nl = memchr(*line, '\n', size - *pos);
	n = nl ? (size_t)(nl - *line) : size - *pos;
	*pos += n + (nl ? 1 : 0);
	if (n && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	return 1;
}

/*
 * A line about to be shown cut to `max` bytes, masked whole first: a cut
 * through a secret would leave a piece of it that the mask, which knows
 * secrets by their whole shape, no longer recognises. Returns the line to
 * cut (`line` itself when it is short enough or there is no mask; else
 * the masked copy in `scratch`) and its length in *len. The mask may not
 * add lines: a newline it writes becomes a space.
 */
static const char *agent_tools_premask(struct agent_tools_env *env,
				       const char *rel, const char *line,
				       size_t *len, size_t max,
				       struct buf *scratch)
{
	size_t i;

	if (*len <= max || !env->mask)
		return line;
	buf_reset(scratch);
	buf_add(scratch, line, *len);
	env->mask(scratch, rel, env->mask_data);
	for (i = 0; i < scratch->len; i++)
		if (scratch->ptr[i] == '\n')
			scratch->ptr[i] = ' ';
	*len = scratch->len;
	return scratch->ptr;
}

/*
 * Append "  12| text" (text cut at AGENT_TOOLS_LINE_MAX, masked whole
 * before the cut) and '\n'. `rel` is the file, for the mask.
 */
static void agent_tools_numbered(struct agent_tools_env *env,
				 const char *rel, struct buf *out,
				 size_t width, size_t no, const char *line,
				 size_t len)
{
	struct buf scratch = BUF_INIT;
	size_t full = len, n;

	line = agent_tools_premask(env, rel, line, &len, AGENT_TOOLS_LINE_MAX,
				   &scratch);
	n = agent_tools_utf8_floor(line, len, AGENT_TOOLS_LINE_MAX);
	buf_printf(out, "%*zu|", (int)width, no);
	if (len)
		buf_putc(out, ' ');
	buf_add(out, line, n);
	if (n < len)
		buf_printf(out, " [line cut: %zu bytes]", full);
	buf_putc(out, '\n');
	buf_release(&scratch);
}

/* ------------------------------------------------------------------ */
/* Directory walks                                                     */

struct agent_tools_walk;

/* Called for each file or symlink, in order; non-zero stops the walk. */
typedef int (*agent_tools_walk_fn)(struct agent_tools_walk *w, int dirfd,
				   const char *name, const char *rel,
				   int is_link);

struct agent_tools_walk {
	struct agent_tools_env *env;
	const char *glob;	/* or NULL */
	size_t base_len;	/* bytes of "start/" in rel, 0 at the root */
	agent_tools_walk_fn fn;
	void *data;
	uint64_t deadline;	/* monotonic ms, 0 for none */
	size_t visited;		/* files and symlinks passed to fn */
	int truncated;		/* max_walk reached */
	int timed_out;
	int halted;		/* fn asked to stop */
};

static int agent_tools_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int agent_tools_walk_stop(struct agent_tools_walk *w)
{
	return w->halted || w->truncated || w->timed_out;
}

static int agent_tools_walk_glob(struct agent_tools_walk *w, const char *rel)
{
	if (!w->glob)
		return 1;
	if (glob_match(w->glob, rel))
		return 1;
	/* relative to the directory asked for, too */
	return w->base_len && glob_match(w->glob, rel + w->base_len);
}

/* Offer one file or symlink to the callback. */
static void agent_tools_walk_file(struct agent_tools_walk *w, int dirfd,
				  const char *name, const char *rel,
				  int is_link)
{
	if (!agent_tools_walk_glob(w, rel))
		return;
	if (w->visited >= w->env->max_walk) {
		w->truncated = 1;
		return;
	}
	w->visited++;
	if (w->fn(w, dirfd, name, rel, is_link))
		w->halted = 1;
	if (w->deadline && agent_tools_now_ms() > w->deadline)
		w->timed_out = 1;
}

/* Walk the directory open at `fd` (taken over), whose path is `rel`. */
static void agent_tools_walk_dir(struct agent_tools_walk *w, int fd,
				 struct buf *rel, int depth)
{
	char **names = NULL;
	size_t nr = 0, alloc = 0, i, saved = rel->len;
	struct dirent *de;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;

		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".git"))
			continue;
		ALLOC_GROW(names, nr, alloc);
		names[nr++] = xstrdup(n);
	}
	if (nr)
		qsort(names, nr, sizeof(*names), agent_tools_cmp_names);
	for (i = 0; i < nr && !agent_tools_walk_stop(w); i++) {
		struct stat st;

		buf_truncate(rel, saved);
		if (rel->len)
			buf_putc(rel, '/');
		buf_puts(rel, names[i]);
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/* the directories above were asked on the way down */
		if (w->env->hidden &&
		    w->env->hidden(rel->ptr, w->env->hidden_data))
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth >= AGENT_TOOLS_DEPTH_MAX)
				continue;
			sub = openat(dirfd(d), names[i], O_RDONLY |
				     O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				agent_tools_walk_dir(w, sub, rel, depth + 1);
		} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
			agent_tools_walk_file(w, dirfd(d), names[i], rel->ptr,
					      S_ISLNK(st.st_mode));
		}
	}
	buf_truncate(rel, saved);
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	closedir(d);
}

/*
 * Walk from the resolved path `start` open at `fd` (taken over): a
 * directory is walked, a file is offered alone.
 */
static void agent_tools_walk_run(struct agent_tools_walk *w, int fd,
				 const struct stat *st, const char *start)
{
	struct buf rel = BUF_INIT;

	w->base_len = *start ? strlen(start) + 1 : 0;
	if (S_ISDIR(st->st_mode)) {
		buf_puts(&rel, start);
		agent_tools_walk_dir(w, fd, &rel, 0);
	} else {
		struct buf dir = BUF_INIT, scratch = BUF_INIT;
		const char *slash = strrchr(start, '/');
		struct stat dst;
		int dfd;

		/* the file alone, looked up by name from its directory */
		close(fd);
		w->base_len = 0;
		if (slash)
			buf_add(&dir, start, (size_t)(slash - start));
		if (!agent_tools_open(w->env, dir.ptr, dir.ptr, &dfd, &dst,
				      &scratch)) {
			agent_tools_walk_file(w, dfd, slash ? slash + 1 : start,
					      start, 0);
			close(dfd);
		}
		buf_release(&dir);
		buf_release(&scratch);
	}
	buf_release(&rel);
}

/* Read a regular file found by a walk, unless binary or too large. */
static int agent_tools_walk_read(struct agent_tools_walk *w, int dirfd,
				 const char *name, struct buf *data,
				 int *too_big)
{
	struct stat st;
	int fd, partial, rc;

	*too_big = 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > w->env->max_read_bytes) {
		close(fd);
		*too_big = 1;
		return -1;
	}
	rc = agent_tools_slurp(fd, w->env->max_read_bytes, data, &partial);
	close(fd);
	if (rc < 0 || agent_tools_is_binary(data))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* read_file                                                           */

static int agent_tools_read_file(struct agent_tools_env *env,
				 const json_t *args, struct buf *out)
{
	struct buf rel = BUF_INIT, shown = BUF_INIT, data = BUF_INIT;
	size_t start = 1, end = 0, last, total, pos = 0, no = 0, width, len;
	int fd = -1, partial = 0, has_end, clamped = 0, rc;
	const char *line;
	struct stat st;

	rc = agent_tools_path_arg(env, args, "path", &rel, &shown, &fd, &st,
				  out);
	if (rc < 0)
		goto out;
	if (!rel.len || S_ISDIR(st.st_mode)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is a directory: use list_files",
			       shown.ptr);
		goto out;
	}
	if (agent_tools_slurp(fd, env->max_read_bytes, &data, &partial) < 0) {
		rc = error_set(out, TEND_ERROR, "cannot read '%s': %s",
			       shown.ptr, agent_tools_reason(errno));
		goto out;
	}
	if (agent_tools_is_binary(&data)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is a binary file (%lld bytes)", shown.ptr,
			       (long long)st.st_size);
		goto out;
	}
	total = agent_tools_count_lines(data.ptr, data.len);
	agent_tools_arg_size(args, "start_line", &start);
	has_end = agent_tools_arg_size(args, "end_line", &end);
	if (!total) {
		buf_printf(out, "[%s is empty]\n", shown.ptr);
		goto out;
	}
	if (start > total) {
		rc = error_set(out, TEND_EINVALID,
			       "start_line %zu is past the end of '%s' (%zu "
			       "line%s)", start, shown.ptr, total,
			       total == 1 ? "" : "s");
		goto out;
	}
	if (has_end && end < start) {
		rc = error_set(out, TEND_EINVALID,
			       "end_line %zu is before start_line %zu", end,
			       start);
		goto out;
	}
	if (!has_end || end > total) {
		clamped = has_end;
		end = total;
	}
	last = end;
	if (last - start + 1 > env->max_lines)
		last = start + env->max_lines - 1;
	width = agent_tools_digits(last);
	if (width < 4)
		width = 4;
	while (no < last && agent_tools_next_line(data.ptr, data.len, &pos,
						  &line, &len)) {
		if (++no < start)
			continue;
		if (no > start && out->len + len + width + 3 > env->max_out) {
			last = no - 1;
			break;
		}
		agent_tools_numbered(env, rel.ptr, out, width, no, line,
				     len);
	}
	agent_tools_mask(env, out, rel.ptr);
	if (last < end)
		buf_printf(out, "[truncated: lines %zu-%zu of %zu shown; ask "
			   "for a range]\n", start, last, total);
	if (clamped)
		buf_printf(out, "[end_line is past the end: the file has %zu "
			   "line%s]\n", total, total == 1 ? "" : "s");
	if (partial)
		buf_printf(out, "[the file is larger than %zu bytes: only "
			   "lines 1-%zu can be read]\n", env->max_read_bytes,
			   total);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&rel);
	buf_release(&shown);
	buf_release(&data);
	return rc;
}

int agent_tools_file_text(struct buf *out, struct agent_tools_env *env,
			  const char *path, int *partial, struct buf *err)
{
	struct buf rel = BUF_INIT, shown = BUF_INIT, msg = BUF_INIT;
	json_t *args = json_pack("{s:s}", "path", path ? path : "");
	struct stat st;
	int fd = -1, cut = 0, rc;

	buf_reset(out);
	*partial = 0;
	if (!args) {
		/* not UTF-8: no model could have given it either */
		rc = error_set(err, TEND_EINVALID, "the path is not UTF-8");
		goto out;
	}
	rc = agent_tools_path_arg(env, args, "path", &rel, &shown, &fd, &st,
				  &msg);
	if (rc < 0) {
		error_set(err, rc, "%s", msg.ptr);
		goto out;
	}
	if (!rel.len || S_ISDIR(st.st_mode)) {
		rc = error_set(err, TEND_EINVALID, "'%s' is a directory",
			       shown.ptr);
		goto out;
	}
	if (agent_tools_slurp(fd, env->max_read_bytes, out, &cut) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot read '%s': %s",
			       shown.ptr, agent_tools_reason(errno));
		goto out;
	}
	if (agent_tools_is_binary(out)) {
		rc = error_set(err, TEND_EINVALID, "'%s' is a binary file",
			       shown.ptr);
		goto out;
	}
	agent_tools_mask(env, out, rel.ptr);
	*partial = cut;
	rc = 0;
out:
	if (rc < 0)
		buf_reset(out);
	if (fd >= 0)
		close(fd);
	json_decref(args);
	buf_release(&rel);
	buf_release(&shown);
	buf_release(&msg);
	return rc;
}

/* ------------------------------------------------------------------ */
/* list_files                                                          */

struct agent_tools_list {
	struct buf *out;
	size_t shown, total;
	int full;
};

static int agent_tools_list_one(struct agent_tools_walk *w, int dirfd,
				const char *name, const char *rel, int is_link)
{
	struct agent_tools_list *l = w->data;
	struct buf entry = BUF_INIT;

	l->total++;
	if (l->full || l->shown >= w->env->max_entries)
		return 0;
	buf_puts(&entry, rel);
	if (is_link) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			buf_printf(&entry, " -> %s", target);
		}
	}
	buf_putc(&entry, '\n');
	if (l->out->len + entry.len > w->env->max_out) {
		l->full = 1;
	} else {
		buf_add(l->out, entry.ptr, entry.len);
		l->shown++;
	}
	buf_release(&entry);
	return 0;
}

static int agent_tools_list_files(struct agent_tools_env *env,
				  const json_t *args, struct buf *out)
{
	struct buf rel = BUF_INIT, shown = BUF_INIT;
	struct agent_tools_list l = { out, 0, 0, 0 };
	struct agent_tools_walk w;
	size_t len;
	struct stat st;
	int fd = -1, rc;

	rc = agent_tools_path_arg(env, args, "path", &rel, &shown, &fd, &st,
				  out);
	if (rc < 0)
		goto out;
	memset(&w, 0, sizeof(w));
	w.env = env;
	w.glob = agent_tools_arg_str(args, "glob", &len);
	if (w.glob && !*w.glob)
		w.glob = NULL;
	w.fn = agent_tools_list_one;
	w.data = &l;
	agent_tools_walk_run(&w, fd, &st, rel.ptr);
	fd = -1;
	if (!l.total) {
		if (w.glob)
			buf_printf(out, "no files under '%s' match '%s'\n",
				   shown.ptr, w.glob);
		else
			buf_printf(out, "no files under '%s'\n", shown.ptr);
	} else if (l.shown < l.total) {
		buf_printf(out, "[showing %zu of %zu files; narrow with path "
			   "or glob]\n", l.shown, l.total);
	}
	if (w.truncated)
		buf_printf(out, "[stopped after %zu files: narrow with path or "
			   "glob]\n", w.visited);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&rel);
	buf_release(&shown);
	return rc;
}

/* ------------------------------------------------------------------ */
/* search and find_symbol: shared regex plumbing                       */

struct agent_tools_re {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

static void agent_tools_re_release(struct agent_tools_re *re)
{
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	memset(re, 0, sizeof(*re));
}

/*
 * Compile `pattern` with limits that stop catastrophic backtracking. On
 * failure, the message with the offset in `out`.
 */
static int agent_tools_re_compile(struct agent_tools_re *re,
				  const char *pattern, size_t len,
				  struct buf *out)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	int errcode;

	memset(re, 0, sizeof(*re));
	re->code = pcre2_compile((PCRE2_SPTR)pattern, len,
				 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				 &errcode, &erroff, NULL);
	if (!re->code) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return error_set(out, TEND_EINVALID,
				 "invalid pattern at offset %zu: %s",
				 (size_t)erroff, (char *)msg);
	}
	pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	re->mctx = pcre2_match_context_create(NULL);
	if (!re->md || !re->mctx)
		abort();
	pcre2_set_match_limit(re->mctx, AGENT_TOOLS_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, AGENT_TOOLS_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, AGENT_TOOLS_HEAP_LIMIT);
	return 0;
}

/* 1 match, 0 none, <0 a PCRE2 error (a limit was hit). */
static int agent_tools_re_match(struct agent_tools_re *re, const char *s,
				size_t len)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md,
			     re->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return rc;
}

static int agent_tools_re_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT ||
	       rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_NOMEMORY;
}

/* ------------------------------------------------------------------ */
/* search                                                              */

struct agent_tools_search {
	struct agent_tools_re re;
	struct buf *out;
	struct buf data;	/* the file being searched */
	struct buf chunk;	/* its results, masked before they go out */
	size_t shown, total, files, too_big, searched;
	int full;
	int limit_rc;		/* a PCRE2 limit error, or 0 */
	char *limit_at;		/* "path:line" where it was hit */
};

/*
 * Append the matched line, a window around the match when it is long. A
 * long line is masked whole before the window is cut from it (see
 * agent_tools_premask()); the match is then looked for again in the
 * masked line, and when it was inside a secret the window stays where it
 * was.
 */
static void agent_tools_search_line(struct agent_tools_env *env,
				    struct agent_tools_search *s,
				    const char *rel, const char *line,
				    size_t len, size_t match_at)
{
	struct buf scratch = BUF_INIT;
	const char *orig = line;
	size_t from = 0, n;

	line = agent_tools_premask(env, rel, line, &len, AGENT_TOOLS_HIT_MAX,
				   &scratch);
	if (line != orig) {
		if (agent_tools_re_match(&s->re, line, len) > 0)
			match_at = (size_t)pcre2_get_ovector_pointer(
				s->re.md)[0];
		else if (match_at > len)
			match_at = len;
	}
	if (len > AGENT_TOOLS_HIT_MAX && match_at > AGENT_TOOLS_HIT_MAX / 4) {
		from = match_at - AGENT_TOOLS_HIT_MAX / 4;
		if (from + AGENT_TOOLS_HIT_MAX > len)
			from = len - AGENT_TOOLS_HIT_MAX;
		while (from < len &&
		       ((unsigned char)line[from] & 0xc0) == 0x80)
			from++;
	}
	n = agent_tools_utf8_floor(line + from, len - from,
				   AGENT_TOOLS_HIT_MAX);
	if (from)
		buf_puts(&s->chunk, "...");
	buf_add(&s->chunk, line + from, n);
	if (from + n < len)
		buf_puts(&s->chunk, "...");
	buf_release(&scratch);
}

static int agent_tools_search_one(struct agent_tools_walk *w, int dirfd,
				  const char *name, const char *rel,
				  int is_link)
{
	struct agent_tools_search *s = w->data;
	size_t pos = 0, no = 0, len, hits = 0;
	const char *line;
	int too_big;

	if (is_link)
		return 0;
	if (agent_tools_walk_read(w, dirfd, name, &s->data, &too_big) < 0) {
		s->too_big += too_big;
		return 0;
	}
	s->searched++;
	buf_reset(&s->chunk);
	while (agent_tools_next_line(s->data.ptr, s->data.len, &pos, &line,
				     &len)) {
		int rc;

		/* a slow pattern on a big file: keep to the wall-time cap */
		if ((++no & 1023) == 0 && w->deadline &&
		    agent_tools_now_ms() > w->deadline) {
			w->timed_out = 1;
			break;
		}
		rc = agent_tools_re_match(&s->re, line, len);
		if (rc < 0 && agent_tools_re_limit(rc)) {
			s->limit_rc = rc;
			s->limit_at = xasprintf("%s:%zu", rel, no);
			return 1;
		}
		if (rc <= 0)
			continue;
		hits++;
		s->total++;
		if (s->full || s->shown >= w->env->max_matches)
			continue;
		if (s->out->len + s->chunk.len + strlen(rel) + 24 +
		    AGENT_TOOLS_HIT_MAX > w->env->max_out) {
			s->full = 1;
			continue;
		}
		buf_printf(&s->chunk, "%s:%zu: ", rel, no);
		agent_tools_search_line(w->env, s, rel, line, len,
					(size_t)pcre2_get_ovector_pointer(
						s->re.md)[0]);
		buf_putc(&s->chunk, '\n');
		s->shown++;
	}
	if (hits)
		s->files++;
	agent_tools_mask(w->env, &s->chunk, rel);
	buf_add(s->out, s->chunk.ptr, s->chunk.len);
	return 0;
}

/* search as a regex over the files (the only way without an index). */
static int agent_tools_search_regex(struct agent_tools_env *env,
				    const json_t *args, struct buf *out)
{
	struct buf rel = BUF_INIT, shown = BUF_INIT;
	struct agent_tools_search s;
	struct agent_tools_walk w;
	const char *pattern;
	size_t len = 0;
	struct stat st;
	int fd = -1, rc;

	memset(&s, 0, sizeof(s));
	buf_init(&s.data, 0);
	buf_init(&s.chunk, 0);
	s.out = out;
	pattern = agent_tools_arg_str(args, "pattern", &len);
	if ((rc = agent_tools_re_compile(&s.re, pattern ? pattern : "", len,
					 out)) < 0)
		goto out;
	rc = agent_tools_path_arg(env, args, "path", &rel, &shown, &fd, &st,
				  out);
	if (rc < 0)
		goto out;
	memset(&w, 0, sizeof(w));
	w.env = env;
	w.glob = agent_tools_arg_str(args, "glob", &len);
	if (w.glob && !*w.glob)
		w.glob = NULL;
	w.fn = agent_tools_search_one;
	w.data = &s;
	if (env->search_ms)
		w.deadline = agent_tools_now_ms() + env->search_ms;
	agent_tools_walk_run(&w, fd, &st, rel.ptr);
	fd = -1;
	if (s.limit_rc) {
		rc = error_set(out, TEND_EINVALID,
			       "pattern is too expensive: it hit the "
			       "backtracking limit at %s; simplify it (avoid "
			       "nested quantifiers such as (a+)+)",
			       s.limit_at);
		goto out;
	}
	if (!s.total)
		buf_printf(out, "no matches (%zu file%s searched)\n",
			   s.searched, s.searched == 1 ? "" : "s");
	else if (s.shown < s.total)
		buf_printf(out, "[showing %zu of %zu matches in %zu files; "
			   "narrow with path or glob]\n", s.shown, s.total,
			   s.files);
	else
		buf_printf(out, "[%zu match%s in %zu file%s]\n", s.total,
			   s.total == 1 ? "" : "es", s.files,
			   s.files == 1 ? "" : "s");
	if (s.too_big)
		buf_printf(out, "[skipped %zu file%s larger than %zu bytes]\n",
			   s.too_big, s.too_big == 1 ? "" : "s",
			   env->max_read_bytes);
	if (w.truncated)
		buf_printf(out, "[stopped after %zu files: narrow with path or "
			   "glob]\n", w.visited);
	if (w.timed_out)
		buf_printf(out, "[stopped after %u ms: results are "
			   "incomplete; narrow with path or glob]\n",
			   env->search_ms);
out:
	if (fd >= 0)
		close(fd);
	agent_tools_re_release(&s.re);
	free(s.limit_at);
	buf_release(&s.data);
	buf_release(&s.chunk);
	buf_release(&rel);
	buf_release(&shown);
	return rc;
}

/* ------------------------------------------------------------------ */
/* find_symbol                                                         */

/*
 * Definition forms, one regex alternative each, matched against a single
 * line from its start; "@N@" stands for the name. They are heuristics in
 * the spirit of ctags: good enough to jump to a definition in any common
 * language, without parsing.
 */
/* Words that may come before class, struct, ... */
#define AGENT_TOOLS_TYPE_MODS \
	"export|pub(?:\\([^)]*\\))?|public|private|protected|internal|" \
	"abstract|final|sealed|static|default|declare|async|unsafe|open|" \
	"data|case|inline|partial|extern|typedef|enum"

static const char *const agent_tools_def_common[] = {
	/* #define NAME */
	"[ \\t]*#[ \\t]*define[ \\t]+@N@(?![\\w$])",
	/* class/interface/type/trait/... NAME */
	"[ \\t]*(?:(?:" AGENT_TOOLS_TYPE_MODS ")[ \\t]+)*"
	"(?:class|interface|type|trait|protocol|record|object|module|"
	"namespace|typealias)[ \\t]+@N@(?![\\w$])",
	/*
	 * struct/enum/union NAME, followed by what starts a body: C writes
	 * `struct foo` in every declaration that uses the type
	 */
	"[ \\t]*(?:(?:" AGENT_TOOLS_TYPE_MODS ")[ \\t]+)*"
	"(?:struct|enum|union)[ \\t]+@N@[ \\t]*(?:$|[{;<(:]|where\\b)",
	/* Rust impl NAME, impl Trait for NAME */
	"[ \\t]*(?:unsafe[ \\t]+)?impl(?:[ \\t]*<[^>]*>)?[ \\t]+"
	"(?:[\\w:<>, ]+[ \\t]+for[ \\t]+)?@N@(?![\\w$])",
	/* Python, Ruby, Scala, Elixir: def NAME */
	"[ \\t]*(?:async[ \\t]+)?(?:def|defp|defmacro|defmodule)[ \\t]+"
	"(?:self\\.)?@N@(?![\\w$])",
	/* Go func NAME, func (r T) NAME; Swift func; Kotlin fun */
	"[ \\t]*(?:(?:public|private|internal|protected|fileprivate|open|"
	"override|suspend|inline|static|final|class|mutating|@\\w+)[ \\t]+)*"
	"(?:func|fun)[ \\t]+(?:\\([^)]*\\)[ \\t]*)?(?:<[^>]*>[ \\t]*)?"
	"(?:[\\w.]+\\.)?@N@(?![\\w$])",
	/* Rust fn NAME */
	"[ \\t]*(?:pub(?:\\([^)]*\\))?[ \\t]+)?(?:(?:const|async|unsafe|"
	"extern(?:[ \\t]+\"[^\"]*\")?)[ \\t]+)*fn[ \\t]+@N@(?![\\w$])",
	/* JavaScript, PHP, Lua, shell: function NAME */
	"[ \\t]*(?:(?:export|default|async|local|public|private|protected|"
	"static|final|abstract)[ \\t]+)*function(?:[ \\t]*\\*[ \\t]*|[ \\t]+)"
	"(?:[\\w$.:]+[.:])?@N@(?![\\w$])",
	/* const/let/var/static/val NAME at the top level */
	"(?:export[ \\t]+)?(?:declare[ \\t]+)?(?:pub(?:\\([^)]*\\))?[ \\t]+)?"
	"(?:const|let|var|static|val)[ \\t]+(?:mut[ \\t]+)?@N@(?![\\w$])",
	/* NAME = ... at column 0 (Python, Ruby, shell, make) */
	"@N@[ \\t]*(?::[^=]*)?[:?]?=(?![=>~])",
	/* Rust macro_rules! NAME */
	"[ \\t]*macro_rules![ \\t]*@N@(?![\\w$])",
	/* shell NAME() { */
	"[ \\t]*@N@[ \\t]*\\(\\)[ \\t]*\\{",
	/* Java, C#, C++ methods with a modifier */
	"[ \\t]*(?:@\\w+(?:\\([^)]*\\))?[ \\t]+)*(?:(?:public|private|"
	"protected|static|final|abstract|synchronized|native|override|"
	"virtual|internal|sealed|async|extern|unsafe|partial|default)"
	"[ \\t]+)+(?:[\\w<>\\[\\],.?]+[ \\t]+)*?@N@[ \\t]*(?:<[^>]*>[ \\t]*)?"
	"\\((?!.*;[ \\t]*$)",
	NULL
};

/* C and C++ only: a call at column 0 would be a false hit elsewhere. */
static const char *const agent_tools_def_c[] = {
	/* function definition at column 0: `int NAME(`, `NAME(void)` */
	"(?!(?:return|else|if|while|for|switch|case|goto|do|sizeof|typedef|"
	"extern|using)\\b)(?:[A-Za-z_][\\w \\t*&:<>,~]*[ \\t*&:~])?"
	"@N@[ \\t]*\\((?!.*;[ \\t]*$)",
	/* global variable at column 0 */
	"(?!(?:return|extern|typedef|using)\\b)[A-Za-z_][\\w \\t*]*[ \\t*]"
	"@N@[ \\t]*(?:\\[[^\\]]*\\][ \\t]*)*(?:=|;)",
	/* typedef ... NAME; typedef ... (*NAME)(...); } NAME; */
	"typedef\\b[^;(]*[ \\t*]@N@[ \\t]*(?:\\[[^\\]]*\\][ \\t]*)?;",
	"typedef\\b.*\\([ \\t]*\\*[ \\t]*@N@[ \\t]*\\)",
	"\\}[ \\t]*@N@[ \\t]*;",
	NULL
};

/* Everything else: methods and function-valued properties. */
static const char *const agent_tools_def_other[] = {
	/* JS/TS class and object methods: `  NAME(a, b) {` */
	"[ \\t]*(?:(?:static|async|get|set|public|private|protected|readonly|"
	"override|abstract)[ \\t]+)*@N@[ \\t]*(?:<[^>]*>)?\\([^)]*\\)[ \\t]*"
	"(?::[^{;]*)?\\{",
	/* NAME = function, NAME: (a) =>, exports.NAME = async () => */
	"[ \\t]*(?:(?:export|const|let|var|static|readonly|public|private)"
	"[ \\t]+)*(?:[\\w$]+\\.)*@N@[ \\t]*[:=][ \\t]*(?:async[ \\t]+)?"
	"(?:function\\b|\\([^)]*\\)[ \\t]*(?::[^=]*)?=>|[\\w$]+[ \\t]*=>)",
	NULL
};

static const char *const agent_tools_c_exts[] = {
	"c", "h", "cc", "cpp", "cxx", "c++", "hpp", "hh", "hxx", "h++",
	"ipp", "tpp", "inl", "m", "mm", "cu", "cuh", "ino", NULL
};

/* Prose and data: a line starting "type foo" there is not a definition. */
static const char *const agent_tools_nocode_exts[] = {
	"md", "markdown", "rst", "txt", "adoc", "csv", "tsv", "lock", "sum",
	"log", "svg", NULL
};

static int agent_tools_ext_in(const char *rel, const char *const *exts)
{
	const char *base = strrchr(rel, '/');
	const char *dot;
	size_t i;

	base = base ? base + 1 : rel;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return 0;
	for (i = 0; exts[i]; i++)
		if (!strcmp(dot + 1, exts[i]))
			return 1;
	return 0;
}

static void agent_tools_def_add(struct buf *re, const char *const *alts,
				const char *name)
{
	size_t i;

	for (i = 0; alts[i]; i++) {
		struct buf alt = BUF_INIT;

		buf_puts(&alt, alts[i]);
		buf_replace_all(&alt, "@N@", name);
		if (re->len > 4)
			buf_putc(re, '|');
		buf_add(re, alt.ptr, alt.len);
		buf_release(&alt);
	}
}

/* The definition regex for C-family files (c) or the others. */
static int agent_tools_def_compile(struct agent_tools_re *re,
				   const char *name, int c, struct buf *out)
{
	struct buf pat = BUF_INIT;
	int rc;

	buf_puts(&pat, "^(?:");
	agent_tools_def_add(&pat, agent_tools_def_common, name);
	agent_tools_def_add(&pat, c ? agent_tools_def_c : agent_tools_def_other,
			    name);
	buf_putc(&pat, ')');
	rc = agent_tools_re_compile(re, pat.ptr, pat.len, out);
	buf_release(&pat);
	return rc;
}

struct agent_tools_symbol {
	struct agent_tools_re re_c, re_other;
	const char *name;
	size_t name_len;
	struct buf *out;
	struct buf data, chunk;
	size_t shown, total, searched;
	int full;
};

/* 1 for a line that looks like a C return type: "static int", "char *". */
static int agent_tools_type_line(const char *s, size_t len)
{
	char first, last;

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return 0;
	first = s[0];
	last = s[len - 1];
	return (first == '_' || (first >= 'a' && first <= 'z') ||
		(first >= 'A' && first <= 'Z')) &&
	       (last == '_' || last == '*' || (last >= 'a' && last <= 'z') ||
		(last >= 'A' && last <= 'Z') || (last >= '0' && last <= '9'));
}

/*
 * 1 when a C line that looked like a function definition is the start of
 * a prototype spread over several lines ("int f(int a,\n int b);"): the
 * first '{' or ';' after it is a ';'. Lines ending in ';' themselves were
 * judged by the regex already (a global variable, a typedef).
 */
static int agent_tools_c_prototype(const char *line, size_t len,
				   const char *end)
{
	const char *p = line + len, *stop;
	size_t i;

	if (line[0] == '#' || !memchr(line, '(', len))
		return 0;
	for (i = len; i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t');
	     i--)
		;
	if (i && line[i - 1] == ';')
		return 0;
	stop = end - p > 2000 ? p + 2000 : end;
	for (; p < stop; p++) {
		if (*p == '{')
			return 0;
		if (*p == ';')
			return 1;
	}
	return 0;
}

/*
 * Bytes agent_tools_numbered() appends at most for a line of `len` bytes
 * (before the mask, which only shortens what it rewrites).
 */
static size_t agent_tools_numbered_max(size_t width, size_t len)
{
	if (len > AGENT_TOOLS_LINE_MAX)
		len = AGENT_TOOLS_LINE_MAX + 40;
	return width + 3 + len;
}

/*
 * Append a definition: "path:line" and up to SNIPPET_LINES lines, as many
 * as keep the result within env->max_out; the definition's own line is
 * always shown, as read_file always shows the first line it is asked for.
 */
static void agent_tools_symbol_snippet(struct agent_tools_env *env,
				       struct agent_tools_symbol *y,
				       const char *rel, size_t no,
				       size_t line_at, const char *prev,
				       size_t prev_len, size_t prev_no)
{
	const char *line;
	size_t pos = line_at, len, n = 0, width;

	width = agent_tools_digits(no + AGENT_TOOLS_SNIPPET_LINES);
	if (width < 4)
		width = 4;
	if (y->chunk.len)
		buf_putc(&y->chunk, '\n');
	buf_printf(&y->chunk, "%s:%zu\n", rel, no);
	if (prev && y->out->len + y->chunk.len +
		    agent_tools_numbered_max(width, prev_len) <= env->max_out)
		agent_tools_numbered(env, rel, &y->chunk, width, prev_no, prev,
				     prev_len);
	while (n < AGENT_TOOLS_SNIPPET_LINES &&
	       agent_tools_next_line(y->data.ptr, y->data.len, &pos, &line,
				     &len)) {
		size_t i;

		for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
			;
		if (n && i == len)
			break;
		if (n && y->out->len + y->chunk.len +
			 agent_tools_numbered_max(width, len) > env->max_out)
			break;
		agent_tools_numbered(env, rel, &y->chunk, width, no + n, line,
				     len);
		n++;
	}
}

static int agent_tools_symbol_one(struct agent_tools_walk *w, int dirfd,
				  const char *name, const char *rel,
				  int is_link)
{
	struct agent_tools_symbol *y = w->data;
	const char *p, *end, *prev = NULL, *line_start;
	size_t no = 1, counted_to = 0, prev_len = 0;
	size_t line_len, tested_at = (size_t)-1;
	int too_big, c;
	struct agent_tools_re *re;

	if (is_link || agent_tools_ext_in(rel, agent_tools_nocode_exts))
		return 0;
	if (agent_tools_walk_read(w, dirfd, name, &y->data, &too_big) < 0)
		return 0;
	y->searched++;
	c = agent_tools_ext_in(rel, agent_tools_c_exts);
	re = c ? &y->re_c : &y->re_other;
	buf_reset(&y->chunk);
	p = y->data.ptr;
	end = y->data.ptr + y->data.len;
	while ((p = memmem(p, (size_t)(end - p), y->name, y->name_len))) {
		const char *nl;
		int rc;

		/* the line holding this occurrence, and its number */
		line_start = p;
		while (line_start > y->data.ptr && line_start[-1] != '\n')
			line_start--;
		nl = memchr(p, '\n', (size_t)(end - p));
		line_len = (size_t)((nl ? nl : end) - line_start);
		p = nl ? nl + 1 : end;
		if ((size_t)(line_start - y->data.ptr) == tested_at)
			continue;
		tested_at = (size_t)(line_start - y->data.ptr);
		for (; counted_to < tested_at; counted_to++)
			if (y->data.ptr[counted_to] == '\n')
				no++;
		if (line_len && line_start[line_len - 1] == '\r')
			line_len--;
		rc = agent_tools_re_match(re, line_start, line_len);
		if (rc < 0 && agent_tools_re_limit(rc))
			continue;	/* a pathological line: not a hit */
		if (rc <= 0)
			continue;
		if (c && agent_tools_c_prototype(line_start, line_len, end))
			continue;
		y->total++;
		if (y->full || y->shown >= w->env->max_symbols)
			continue;
		if (y->out->len + y->chunk.len > w->env->max_out) {
			y->full = 1;
			continue;
		}
		prev = NULL;
		if (c && !memcmp(line_start, y->name, y->name_len) &&
		    line_start > y->data.ptr) {
			const char *q = line_start - 1;

			while (q > y->data.ptr && q[-1] != '\n')
				q--;
			prev_len = (size_t)(line_start - 1 - q);
			if (prev_len && q[prev_len - 1] == '\r')
				prev_len--;
			if (agent_tools_type_line(q, prev_len))
				prev = q;
		}
		agent_tools_symbol_snippet(w->env, y, rel, no, tested_at, prev,
					   prev_len, no - 1);
		y->shown++;
	}
	if (y->chunk.len) {
		agent_tools_mask(w->env, &y->chunk, rel);
		if (y->out->len)
			buf_putc(y->out, '\n');
		buf_add(y->out, y->chunk.ptr, y->chunk.len);
	}
	return 0;
}

/* 1 for [A-Za-z0-9_$]+ not starting with a digit. */
static int agent_tools_is_ident(const char *s, size_t len)
{
	size_t i;

	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '$'))
			return 0;
	}
	return 1;
}

/*
 * find_symbol's `name` argument in *arg and the identifier looked for in
 * *name: Foo::bar, Foo.bar and Foo#bar look for bar, whose definition it
 * is. Anything else than an identifier is an error.
 */
static int agent_tools_symbol_name(const json_t *args, const char **arg,
				   const char **name, struct buf *out)
{
	const char *a, *n, *sep;
	size_t len = 0;

	a = agent_tools_arg_str(args, "name", &len);
	if (!a)
		a = "";
	n = a;
	for (sep = a; *sep; sep++)
		if (*sep == '.' || *sep == '#' ||
		    (*sep == ':' && sep[1] == ':'))
			n = sep + (*sep == ':' ? 2 : 1);
	if (!agent_tools_is_ident(n, strlen(n)) || strlen(a) != len)
		return error_set(out, TEND_EINVALID,
				 "name must be an identifier such as "
				 "'parse_config' (letters, digits, '_', '$'), "
				 "got '%.100s'", a);
	*arg = a;
	*name = n;
	return 0;
}

/* find_symbol the regex way, over the files. */
static int agent_tools_find_symbol_regex(struct agent_tools_env *env,
					 const json_t *args, struct buf *out)
{
	struct agent_tools_symbol y;
	struct agent_tools_walk w;
	struct buf esc = BUF_INIT, rel = BUF_INIT, shown = BUF_INIT;
	const char *arg = NULL, *name = NULL;
	size_t len = 0, i;
	struct stat st;
	int fd = -1, rc;

	memset(&y, 0, sizeof(y));
	buf_init(&y.data, 0);
	buf_init(&y.chunk, 0);
	y.out = out;
	if ((rc = agent_tools_symbol_name(args, &arg, &name, out)) < 0)
		goto out;
	len = strlen(name);
	for (i = 0; i < len; i++) {
		if (name[i] == '$')
			buf_putc(&esc, '\\');
		buf_putc(&esc, name[i]);
	}
	if ((rc = agent_tools_def_compile(&y.re_c, esc.ptr, 1, out)) < 0 ||
	    (rc = agent_tools_def_compile(&y.re_other, esc.ptr, 0, out)) < 0)
		goto out;
	y.name = name;
	y.name_len = len;
	if ((rc = agent_tools_path_arg(env, args, "path", &rel, &shown, &fd,
				       &st, out)) < 0)
		goto out;
	memset(&w, 0, sizeof(w));
	w.env = env;
	w.fn = agent_tools_symbol_one;
	w.data = &y;
	if (env->search_ms)
		w.deadline = agent_tools_now_ms() + env->search_ms;
	agent_tools_walk_run(&w, fd, &st, rel.ptr);
	fd = -1;
	if (!y.total)
		buf_printf(out, "no definition of '%s' found (%zu file%s "
			   "searched); try search\n", name, y.searched,
			   y.searched == 1 ? "" : "s");
	else if (y.shown < y.total)
		buf_printf(out, "\n[showing %zu of %zu definitions]\n",
			   y.shown, y.total);
	if (name != arg)
		buf_printf(out, "[searched for '%s', the last part of '%s']\n",
			   name, arg);
	if (w.truncated)
		buf_printf(out, "[stopped after %zu files]\n", w.visited);
	if (w.timed_out)
		buf_printf(out, "[stopped after %u ms: results are "
			   "incomplete]\n", env->search_ms);
out:
	if (fd >= 0)
		close(fd);
	agent_tools_re_release(&y.re_c);
	agent_tools_re_release(&y.re_other);
	buf_release(&y.data);
	buf_release(&y.chunk);
	buf_release(&esc);
	buf_release(&rel);
	buf_release(&shown);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The edit group: edit_file and write_file                           */

/* Lines of a changed region edit_file shows back. */
#define AGENT_TOOLS_EDIT_SHOW 20
/* Bytes of one line edit_file shows back. */
#define AGENT_TOOLS_EDIT_LINE 300
/* Line numbers an error lists. */
#define AGENT_TOOLS_EDIT_LIST 20
/* Occurrences an ambiguity error counts: each costs a search. */
#define AGENT_TOOLS_EDIT_COUNT 1000
/* Near misses shown when nothing else is close. */
#define AGENT_TOOLS_NEAR_MAX 3
/* Bytes of a line the similarity looks at. */
#define AGENT_TOOLS_NEAR_BYTES 400
/* Attempts at a fresh temporary name. */
#define AGENT_TOOLS_TMP_TRIES 32

/* Where a write goes: its parent directory, open, and the name in it. */
struct agent_tools_target {
	struct buf rel;		/* clean relative path */
	struct buf shown;	/* the argument, for messages */
	int dirfd;		/* the parent directory, or -1 */
	const char *name;	/* the last component of rel */
	struct stat st;		/* the file's, when it exists */
	int exists;
};

static void agent_tools_target_init(struct agent_tools_target *t)
{
	memset(t, 0, sizeof(*t));
	buf_init(&t->rel, 0);
	buf_init(&t->shown, 0);
	t->dirfd = -1;
}

static void agent_tools_target_release(struct agent_tools_target *t)
{
	if (t->dirfd >= 0)
		close(t->dirfd);
	buf_release(&t->rel);
	buf_release(&t->shown);
	t->dirfd = -1;
}

/*
 * 1 when a component of `rel` is ".git" in any case, with trailing dots
 * or spaces: what a case-insensitive file system (or git's own checks)
 * would take for .git.
 */
static int agent_tools_write_in_git(const char *rel)
{
	const char *p = rel;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		while (n > 4 && (p[n - 1] == '.' || p[n - 1] == ' '))
			n--;
		if (n == 4 && !strncasecmp(p, ".git", 4))
			return 1;
		p += n;
		while (*p && *p != '/')
			p++;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* The component `p` (n bytes) as a C string in `name`, or ENAMETOOLONG. */
static int agent_tools_component(char *name, const char *p, size_t n)
{
	if (n > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	return 0;
}

/* The error for a component that could not be opened as a directory. */
static int agent_tools_dir_error(int dfd, const char *name, const char *rel,
				 size_t upto, const char *shown, int e,
				 struct buf *out)
{
	struct stat st;

	if ((e == ELOOP || e == ENOTDIR || e == EMLINK) &&
	    !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISLNK(st.st_mode))
			return error_set(out, TEND_EINVALID,
					 "'%s' goes through '%.*s', a symbolic "
					 "link: the edit tools do not follow "
					 "links", shown, (int)upto, rel);
		if (!S_ISDIR(st.st_mode))
			return error_set(out, TEND_EINVALID,
					 "'%s' goes through '%.*s', which is "
					 "not a directory", shown, (int)upto,
					 rel);
	}
	return error_set(out, e == ENOENT ? TEND_ENOTFOUND : TEND_EINVALID,
			 "cannot open '%.*s': %s", (int)upto, rel,
			 agent_tools_reason(e));
}

/*
 * The write target named by the argument `key`: cleaned, checked (.git,
 * hidden, the writable callback), its parent directory opened from the
 * root without following links (created when `create` is set) and the
 * file looked at without following it. On success t->dirfd is open and
 * t->exists says whether a regular file is there.
 */
static int agent_tools_target_open(struct agent_tools_env *env,
				   const json_t *args, const char *key,
				   int create, struct agent_tools_target *t,
				   struct buf *out)
{
	struct buf why = BUF_INIT;
	const char *arg, *p, *last;
	char name[NAME_MAX + 1];
	size_t len = 0;
	int dfd = -1, fd, rc;

	arg = agent_tools_arg_str(args, key, &len);
	if (!arg) {
		arg = "";
		len = 0;
	}
	buf_add(&t->shown, arg, len > 200 ? agent_tools_utf8_floor(arg, len,
								  200) : len);
	if ((rc = agent_tools_clean(arg, len, &t->rel, out)) < 0)
		goto out;
	if (!t->rel.len || arg[len - 1] == '/') {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' names a directory: give the path of a "
			       "file", t->shown.len ? t->shown.ptr : ".");
		goto out;
	}
	if (agent_tools_write_in_git(t->rel.ptr)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is inside .git, which tools cannot "
			       "access", t->shown.ptr);
		goto out;
	}
	if (agent_tools_is_hidden(env, t->rel.ptr)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is excluded from the files this agent "
			       "may touch (generated or vendored)",
			       t->shown.ptr);
		goto out;
	}
	if (env->writable &&
	    env->writable(t->rel.ptr, &why, env->writable_data)) {
		if (why.len)
			rc = error_set(out, TEND_EINVALID, "%s", why.ptr);
		else
			rc = error_set(out, TEND_EINVALID,
				       "'%s' is protected: tend does not "
				       "change it", t->rel.ptr);
		goto out;
	}

	dfd = open(env->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = error_set(out, TEND_ERROR, "cannot open the repository "
			       "root: %s", agent_tools_reason(errno));
		goto out;
	}
	last = strrchr(t->rel.ptr, '/');
	last = last ? last + 1 : t->rel.ptr;
	for (p = t->rel.ptr; p < last; ) {
		size_t n = (size_t)(strchr(p, '/') - p);
		size_t upto = (size_t)(p - t->rel.ptr) + n;
		int e;

		if (agent_tools_component(name, p, n) < 0) {
			rc = agent_tools_dir_error(dfd, "", t->rel.ptr, upto,
						   t->shown.ptr, errno, out);
			goto out;
		}
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(dfd, name, 0777) < 0 && errno != EEXIST) {
				rc = error_set(out, TEND_ERROR,
					       "cannot create directory "
					       "'%.*s': %s", (int)upto,
					       t->rel.ptr,
					       agent_tools_reason(errno));
				goto out;
			}
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			e = errno;
			rc = agent_tools_dir_error(dfd, name, t->rel.ptr, upto,
						   t->shown.ptr, e, out);
			goto out;
		}
		close(dfd);
		dfd = fd;
		p += n + 1;
	}
	t->name = last;
	if (agent_tools_component(name, last, strlen(last)) < 0) {
		rc = error_set(out, TEND_EINVALID, "cannot open '%s': %s",
			       t->shown.ptr, agent_tools_reason(errno));
		goto out;
	}
	if (fstatat(dfd, name, &t->st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) {
			rc = error_set(out, TEND_EINVALID,
				       "cannot open '%s': %s", t->shown.ptr,
				       agent_tools_reason(errno));
			goto out;
		}
	} else if (S_ISLNK(t->st.st_mode)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is a symbolic link: the edit tools do "
			       "not write through links", t->shown.ptr);
		goto out;
	} else if (S_ISDIR(t->st.st_mode)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is a directory: give the path of a file",
			       t->shown.ptr);
		goto out;
	} else if (!S_ISREG(t->st.st_mode)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is not a regular file", t->shown.ptr);
		goto out;
	} else {
		t->exists = 1;
	}
	t->dirfd = dfd;
	dfd = -1;
out:
	if (dfd >= 0)
		close(dfd);
	buf_release(&why);
	return rc;
}

/*
 * Read the existing target whole into `data`. A file over
 * max_write_bytes is TEND_ETOOBIG: the edit tools would not write it back.
 */
static int agent_tools_target_read(struct agent_tools_env *env,
				   struct agent_tools_target *t,
				   struct buf *data, struct buf *out)
{
	struct stat st;
	int fd, partial = 0, rc;

	fd = openat(t->dirfd, t->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0)
		return error_set(out, errno == ENOENT ? TEND_ENOTFOUND
						      : TEND_EINVALID,
				 "cannot open '%s': %s", t->shown.ptr,
				 agent_tools_reason(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(out, TEND_EINVALID,
				 "'%s' is not a regular file", t->shown.ptr);
	}
	t->st = st;
	if ((size_t)st.st_size > env->max_write_bytes) {
		close(fd);
		goto too_big;
	}
	rc = agent_tools_slurp(fd, env->max_write_bytes, data, &partial);
	close(fd);
	if (rc < 0)
		return error_set(out, TEND_ERROR, "cannot read '%s': %s",
				 t->shown.ptr, agent_tools_reason(errno));
	if (!partial)
		return 0;
too_big:
	return error_set(out, TEND_ETOOBIG,
			 "'%s' is larger than %zu bytes, more than the edit "
			 "tools write", t->shown.ptr, env->max_write_bytes);
}

/* A temporary name no one is likely to have taken. */
static void agent_tools_tmp_name(char *name, size_t size, unsigned try)
{
	static unsigned counter;
	struct timespec ts;
	unsigned long x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16) ^
	    ((unsigned long)__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)
	     * 2654435761u) ^ try;
	snprintf(name, size, ".tend-write-%08lx", x & 0xffffffffu);
}

/*
 * Write `data` to the target: a temporary file in its directory, then a
 * rename over it. `mode` is the file's mode, or -1 for a new file (0666
 * less the umask). The old file stays whole on any failure.
 */
static int agent_tools_target_write(struct agent_tools_target *t,
				    const char *data, size_t len, int mode,
				    struct buf *out)
{
	char tmp[64];
	size_t done = 0;
	unsigned try;
	int fd = -1, e;

	for (try = 0; try < AGENT_TOOLS_TMP_TRIES; try++) {
		agent_tools_tmp_name(tmp, sizeof(tmp), try);
		fd = openat(t->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return error_set(out, TEND_ERROR, "cannot write '%s': %s",
				 t->shown.ptr, agent_tools_reason(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (mode >= 0 && fchmod(fd, (mode_t)mode) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(t->dirfd, tmp, t->dirfd, t->name) < 0)
		goto fail;
	return 0;
fail:
	e = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlinkat(t->dirfd, tmp, 0);
	return error_set(out, TEND_ERROR, "cannot write '%s': %s; the file "
			 "was left as it was", t->shown.ptr,
			 agent_tools_reason(e));
}

/* Add `rel` to env->written unless it is there. */
static void agent_tools_written_add(struct agent_tools_env *env,
				    const char *rel)
{
	size_t i;

	for (i = 0; i < env->nr_written; i++)
		if (!strcmp(env->written[i], rel))
			return;
	env->written = xrealloc(env->written, (env->nr_written + 1) *
				sizeof(*env->written));
	env->written[env->nr_written++] = xstrdup(rel);
}

/* 1-based number of the line holding byte `off` of s. */
static size_t agent_tools_line_at(const char *s, size_t off)
{
	const char *p = s, *end = s + off;
	size_t no = 1;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		no++;
		p++;
	}
	return no;
}

/* Line numbers of increasing offsets into one text, counted once. */
struct agent_tools_counter {
	size_t off, no;
};

static size_t agent_tools_count_to(struct agent_tools_counter *c,
				   const char *s, size_t off)
{
	const char *p = s + c->off, *end = s + off;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		c->no++;
		p++;
	}
	c->off = off;
	return c->no;
}

/* The lines [from, to] of s (1-based, to inclusive) as a byte range. */
static void agent_tools_line_span(const char *s, size_t len, size_t from,
				  size_t to, size_t *start, size_t *end)
{
	size_t no = 1, i = 0;

	while (no < from && i < len) {
		const char *nl = memchr(s + i, '\n', len - i);

		if (!nl) {
			i = len;
			break;
		}
		i = (size_t)(nl - s) + 1;
		no++;
	}
	*start = i;
	while (no <= to && i < len) {
		const char *nl = memchr(s + i, '\n', len - i);

		i = nl ? (size_t)(nl - s) + 1 : len;
		no++;
	}
	*end = i;
}

/* "12" or "12-14". */
static void agent_tools_range(struct buf *out, size_t a, size_t b)
{
	if (b > a)
		buf_printf(out, "%zu-%zu", a, b);
	else
		buf_printf(out, "%zu", a);
}

/*
 * Append lines [from, to] of `s` numbered as read_file numbers them, at
 * most AGENT_TOOLS_EDIT_SHOW of them, each cut at AGENT_TOOLS_EDIT_LINE
 * bytes. The region is masked whole (with the file's path) before it is
 * cut, so a cut never leaves a piece of a secret.
 */
static void agent_tools_show_lines(struct agent_tools_env *env,
				   const char *rel, struct buf *out,
				   const char *s, size_t len, size_t from,
				   size_t to)
{
	struct buf region = BUF_INIT;
	size_t start, end, last = to, pos = 0, no, width, n;
	const char *line;

	if (last - from + 1 > AGENT_TOOLS_EDIT_SHOW)
		last = from + AGENT_TOOLS_EDIT_SHOW - 1;
	agent_tools_line_span(s, len, from, last, &start, &end);
	buf_add(&region, s + start, end - start);
	agent_tools_mask(env, &region, rel);
	width = agent_tools_digits(last);
	if (width < 4)
		width = 4;
	for (no = from; no <= last && agent_tools_next_line(region.ptr,
		     region.len, &pos, &line, &n); no++) {
		size_t cut = agent_tools_utf8_floor(line, n,
						    AGENT_TOOLS_EDIT_LINE);

		buf_printf(out, "%*zu|", (int)width, no);
		if (n)
			buf_putc(out, ' ');
		buf_add(out, line, cut);
		if (cut < n)
			buf_printf(out, " [line cut: %zu bytes]", n);
		buf_putc(out, '\n');
	}
	if (last < to)
		buf_printf(out, "[%zu more lines, to line %zu]\n", to - last,
			   to);
	buf_release(&region);
}

static int agent_tools_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* `s` without white space, into `out`. */
static void agent_tools_squeeze(struct buf *out, const char *s, size_t len)
{
	size_t i, from = 0;

	buf_reset(out);
	for (i = 0; i <= len; i++) {
		if (i < len && !agent_tools_is_space(s[i]))
			continue;
		if (i > from)
			buf_add(out, s + from, i - from);
		from = i + 1;
	}
}

/* The offset in `s` of its k-th byte that is not white space. */
static size_t agent_tools_unsqueeze(const char *s, size_t len, size_t k)
{
	size_t i, seen = 0;

	for (i = 0; i < len; i++) {
		if (agent_tools_is_space(s[i]))
			continue;
		if (seen++ == k)
			return i;
	}
	return len;
}

/*
 * Near miss 1: `old` matches when white space is ignored. Appends the
 * lines and their exact text; 1 when it did.
 */
static int agent_tools_near_space(struct agent_tools_env *env,
				  const char *rel, const char *data,
				  size_t len, const char *old, size_t old_len,
				  struct buf *out)
{
	struct buf sf = BUF_INIT, so = BUF_INIT;
	const char *hit, *p;
	size_t from, to, a, b, more = 0;
	int found = 0;

	agent_tools_squeeze(&so, old, old_len);
	if (!so.len)
		goto out;
	agent_tools_squeeze(&sf, data, len);
	hit = memmem(sf.ptr, sf.len, so.ptr, so.len);
	if (!hit)
		goto out;
	for (p = hit + 1; p < sf.ptr + sf.len && more < 99 &&
	     (p = memmem(p, (size_t)(sf.ptr + sf.len - p), so.ptr, so.len));
	     p++)
		more++;
	from = agent_tools_unsqueeze(data, len, (size_t)(hit - sf.ptr));
	to = agent_tools_unsqueeze(data, len, (size_t)(hit - sf.ptr) +
				   so.len - 1);
	a = agent_tools_line_at(data, from);
	b = agent_tools_line_at(data, to);
	buf_puts(out, "\nIgnoring white space, it matches line");
	buf_puts(out, b > a ? "s " : " ");
	agent_tools_range(out, a, b);
	if (more)
		buf_printf(out, " (and %zu more place%s)", more,
			   more == 1 ? "" : "s");
	buf_puts(out, ", whose exact text is:\n");
	agent_tools_show_lines(env, rel, out, data, len, a, b);
	buf_puts(out, "Copy the text exactly, with its tabs, spaces and line "
		 "ends.");
	found = 1;
out:
	buf_release(&sf);
	buf_release(&so);
	return found;
}

/* Line comparisons near_prefix makes at most: it stays linear-ish. */
#define AGENT_TOOLS_NEAR_WORK 2000000

struct agent_tools_span {
	const char *ptr;
	size_t len;
};

/*
 * Near miss 2: the first lines of `old` match the file at some line and a
 * later one differs. Appends where and which; 1 when it did.
 */
static int agent_tools_near_prefix(struct agent_tools_env *env,
				   const char *rel, const char *data,
				   size_t len, const char *old,
				   size_t old_len, struct buf *out)
{
	struct agent_tools_span *ol = NULL;
	size_t nr = 0, alloc = 0, pos = 0, no = 0, n, k, best = 0;
	size_t best_at = 0, work = 0;
	const char *line;
	struct buf q = BUF_INIT;

	while (agent_tools_next_line(old, old_len, &pos, &line, &n)) {
		ALLOC_GROW(ol, nr, alloc);
		ol[nr].ptr = line;
		ol[nr++].len = n;
	}
	if (nr < 2 || !ol[0].len)
		goto out;
	pos = 0;
	while (best < nr - 1 && work < AGENT_TOOLS_NEAR_WORK &&
	       agent_tools_next_line(data, len, &pos, &line, &n)) {
		size_t p2 = pos;

		no++;
		work++;
		/* old may start inside a line: its first line is a suffix */
		if (n < ol[0].len ||
		    memcmp(line + n - ol[0].len, ol[0].ptr, ol[0].len))
			continue;
		for (k = 1; k < nr; k++) {
			const char *next;
			size_t next_len;

			work++;
			if (!agent_tools_next_line(data, len, &p2, &next,
						   &next_len))
				break;
			/* the last line of old may end inside a line */
			if (k == nr - 1 ? next_len < ol[k].len ||
			    memcmp(next, ol[k].ptr, ol[k].len) :
			    next_len != ol[k].len ||
			    memcmp(next, ol[k].ptr, ol[k].len))
				break;
		}
		if (k > best && k < nr) {
			best = k;
			best_at = no;
		}
	}
	if (!best)
		goto out;
	if (best > 1)
		buf_printf(out, "\nLines 1-%zu of old match lines ", best);
	else
		buf_puts(out, "\nLine 1 of old matches line ");
	agent_tools_range(out, best_at, best_at + best - 1);
	buf_printf(out, ", but line %zu of old:\n", best + 1);
	buf_add(&q, ol[best].ptr, ol[best].len);
	agent_tools_mask(env, &q, rel);
	buf_printf(out, "    %.*s\n", (int)agent_tools_utf8_floor(q.ptr, q.len,
		   AGENT_TOOLS_EDIT_LINE), q.ptr);
	if (best_at + best <= agent_tools_count_lines(data, len)) {
		buf_puts(out, "differs from the file's line:\n");
		agent_tools_show_lines(env, rel, out, data, len,
				       best_at + best, best_at + best);
	} else {
		buf_puts(out, "is past the end of the file\n");
	}
	buf_puts(out, "Copy the text exactly (read_file shows it).");
out:
	free(ol);
	buf_release(&q);
	return best > 0;
}

/* An ASCII-lowercased byte pair. */
static unsigned agent_tools_bigram(const char *s)
{
	unsigned a = (unsigned char)s[0], b = (unsigned char)s[1];

	if (a >= 'A' && a <= 'Z')
		a += 'a' - 'A';
	if (b >= 'A' && b <= 'Z')
		b += 'a' - 'A';
	return a << 8 | b;
}

static int agent_tools_cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

struct agent_tools_near {
	size_t line;
	double score;
};

/*
 * Near miss 3: the lines most like the longest line of `old`, by the Dice
 * coefficient of their bigrams (white space and case ignored). Linear in
 * the file. Appends them; 1 when any is close enough.
 */
static int agent_tools_near_similar(struct agent_tools_env *env,
				    const char *rel, const char *data,
				    size_t len, const char *old,
				    size_t old_len, struct buf *out)
{
	struct agent_tools_near best[AGENT_TOOLS_NEAR_MAX];
	struct buf needle = BUF_INIT, cand = BUF_INIT, q = BUF_INIT;
	unsigned *grams = NULL, *used = NULL;
	size_t *touched = NULL;
	const char *line, *pick = NULL;
	size_t n, pick_len = 0, pos = 0, no = 0, nr_grams, i, j, k, shown = 0;
	int found = 0;

	/* the longest line of old, white space ignored */
	while (agent_tools_next_line(old, old_len, &pos, &line, &n)) {
		agent_tools_squeeze(&cand, line, n);
		if (cand.len > needle.len) {
			buf_reset(&needle);
			buf_add(&needle, cand.ptr, cand.len);
			pick = line;
			pick_len = n;
		}
	}
	if (needle.len < 3)
		goto out;
	if (needle.len > AGENT_TOOLS_NEAR_BYTES)
		buf_truncate(&needle, AGENT_TOOLS_NEAR_BYTES);
	nr_grams = needle.len - 1;
	grams = xcalloc(nr_grams, sizeof(*grams));
	used = xcalloc(nr_grams, sizeof(*used));
	touched = xcalloc(nr_grams, sizeof(*touched));
	for (i = 0; i < nr_grams; i++)
		grams[i] = agent_tools_bigram(needle.ptr + i);
	qsort(grams, nr_grams, sizeof(*grams), agent_tools_cmp_uint);
	memset(best, 0, sizeof(best));

	pos = 0;
	while (agent_tools_next_line(data, len, &pos, &line, &n)) {
		size_t shared = 0, cand_grams;
		double score;

		no++;
		if (n > AGENT_TOOLS_NEAR_BYTES * 4)
			n = AGENT_TOOLS_NEAR_BYTES * 4;
		agent_tools_squeeze(&cand, line, n);
		if (cand.len < 2)
			continue;
		if (cand.len > AGENT_TOOLS_NEAR_BYTES)
			buf_truncate(&cand, AGENT_TOOLS_NEAR_BYTES);
		cand_grams = cand.len - 1;
		for (i = 0; i < cand_grams; i++) {
			unsigned g = agent_tools_bigram(cand.ptr + i);
			unsigned *hit = bsearch(&g, grams, nr_grams,
						sizeof(*grams),
						agent_tools_cmp_uint);

			if (!hit)
				continue;
			/* the first unused copy of g in the sorted list */
			k = (size_t)(hit - grams);
			while (k > 0 && grams[k - 1] == g)
				k--;
			while (k < nr_grams && grams[k] == g && used[k])
				k++;
			if (k < nr_grams && grams[k] == g) {
				used[k] = 1;
				touched[shared++] = k;
			}
		}
		for (i = 0; i < shared; i++)
			used[touched[i]] = 0;
		score = 2.0 * (double)shared / (double)(nr_grams + cand_grams);
		for (j = 0; j < AGENT_TOOLS_NEAR_MAX; j++)
			if (score > best[j].score)
				break;
		if (j == AGENT_TOOLS_NEAR_MAX)
			continue;
		memmove(&best[j + 1], &best[j], (AGENT_TOOLS_NEAR_MAX - j - 1) *
			sizeof(best[0]));
		best[j].line = no;
		best[j].score = score;
	}
	for (j = 0; j < AGENT_TOOLS_NEAR_MAX; j++) {
		if (best[j].score < 0.5)
			break;
		if (!shown++) {
			buf_add(&q, pick, pick_len);
			agent_tools_mask(env, &q, rel);
			buf_printf(out, "\nThe lines most like old's line "
				   "\"%.*s\":\n",
				   (int)agent_tools_utf8_floor(q.ptr, q.len,
							       120), q.ptr);
		}
		agent_tools_show_lines(env, rel, out, data, len, best[j].line,
				       best[j].line);
	}
	if (shown) {
		buf_puts(out, "Copy the text exactly (read_file shows it).");
		found = 1;
	}
out:
	free(grams);
	free(used);
	free(touched);
	buf_release(&needle);
	buf_release(&cand);
	buf_release(&q);
	return found;
}

/* 1 when every non-empty line of s starts like read_file's "  12| ". */
static int agent_tools_has_line_numbers(const char *s, size_t len)
{
	size_t pos = 0, n, i, numbered = 0;
	const char *line;

	while (agent_tools_next_line(s, len, &pos, &line, &n)) {
		if (!n)
			continue;
		for (i = 0; i < n && line[i] == ' '; i++)
			;
		if (i == n || line[i] < '0' || line[i] > '9')
			return 0;
		while (i < n && line[i] >= '0' && line[i] <= '9')
			i++;
		if (i == n || line[i] != '|')
			return 0;
		numbered++;
	}
	return numbered > 0;
}

/* The error for an `old` that is not in the file, with its near misses. */
static int agent_tools_not_found(struct agent_tools_env *env,
				 const struct agent_tools_target *t,
				 const char *data, size_t len,
				 const char *old, size_t old_len,
				 struct buf *out)
{
	buf_printf(out, "old was not found in '%s'.", t->shown.ptr);
	if (agent_tools_has_line_numbers(old, old_len))
		buf_puts(out, "\nold seems to include read_file's line "
			 "numbers (\"  12| \"): give the file's text only, "
			 "without them.");
	else if (!agent_tools_near_space(env, t->rel.ptr, data, len, old,
					 old_len, out) &&
		 !agent_tools_near_prefix(env, t->rel.ptr, data, len, old,
					  old_len, out) &&
		 !agent_tools_near_similar(env, t->rel.ptr, data, len, old,
					   old_len, out))
		buf_puts(out, "\nNothing in the file is close to it: read the "
			 "file again (read_file); it may not hold what you "
			 "expect.");
	return TEND_ENOTFOUND;
}

/* The error for several matches without replace_all: where each is. */
static int agent_tools_ambiguous(const struct agent_tools_target *t,
				 const char *data, size_t len,
				 const char *old, size_t old_len,
				 struct buf *out)
{
	const char *p = data, *end = data + len, *hit;
	struct agent_tools_counter lc = { 0, 1 };
	size_t count = 0, listed = 0, prev_line = 0;
	struct buf lines = BUF_INIT;

	while (p < end && count < AGENT_TOOLS_EDIT_COUNT &&
	       (hit = memmem(p, (size_t)(end - p), old, old_len))) {
		size_t line = agent_tools_count_to(&lc, data,
						   (size_t)(hit - data));

		count++;
		if (line != prev_line && listed < AGENT_TOOLS_EDIT_LIST) {
			buf_printf(&lines, "%s%zu", listed ? ", " : "", line);
			listed++;
		} else if (line != prev_line) {
			listed++;
		}
		prev_line = line;
		p = hit + 1;
	}
	buf_printf(out, "old occurs %s%zu times in '%s' (at line%s %s%s): "
		   "add the lines around it to old so that it matches once, "
		   "or set replace_all to change every one",
		   count >= AGENT_TOOLS_EDIT_COUNT ? "at least " : "", count,
		   t->shown.ptr, listed == 1 ? "" : "s", lines.ptr,
		   listed > AGENT_TOOLS_EDIT_LIST ? ", ..." : "");
	buf_release(&lines);
	return TEND_EINVALID;
}

/* `s` with every bare "\n" made "\r\n", into `out`. */
static void agent_tools_to_crlf(struct buf *out, const char *s, size_t len)
{
	size_t i;

	buf_reset(out);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_putc(out, '\r');
		buf_putc(out, s[i]);
	}
}

/*
 * The newlines in s[0, n), a final one aside: how many lines past its
 * first a text of n bytes covers.
 */
static size_t agent_tools_extra_lines(const char *s, size_t n)
{
	const char *p = s, *end;
	size_t c = 0;

	if (n && s[n - 1] == '\n')
		n--;
	end = s + n;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		c++;
		p++;
	}
	return c;
}

static int agent_tools_edit_file(struct agent_tools_env *env,
				 const json_t *args, struct buf *out)
{
	struct agent_tools_target t;
	struct buf data = BUF_INIT, result = BUF_INIT, crlf_old = BUF_INIT;
	struct buf crlf_new = BUF_INIT, spots = BUF_INIT;
	const char *old, *new, *hit, *p, *end;
	size_t old_len = 0, new_len = 0, count = 0, first_at = 0, listed = 0;
	size_t a = 0, b = 0, last_at = 0;
	struct agent_tools_counter rc_lines = { 0, 1 }, old_lines = { 0, 1 };
	int replace_all, crlf = 0, at_line_start = 0, rc;

	agent_tools_target_init(&t);
	old = agent_tools_arg_str(args, "old", &old_len);
	new = agent_tools_arg_str(args, "new", &new_len);
	replace_all = json_is_true(json_object_get(args, "replace_all"));
	if (!old || !old_len) {
		rc = error_set(out, TEND_EINVALID,
			       "old is empty: give the exact text to replace; "
			       "to create a file or replace all of it, use "
			       "write_file");
		goto out;
	}
	if (!new) {
		new = "";
		new_len = 0;
	}
	if (memchr(old, '\0', old_len) || memchr(new, '\0', new_len)) {
		rc = error_set(out, TEND_EINVALID,
			       "old or new contains a NUL byte: the edit "
			       "tools change text files only");
		goto out;
	}
	if (old_len == new_len && !memcmp(old, new, old_len)) {
		rc = error_set(out, TEND_EINVALID,
			       "old and new are the same: nothing to change");
		goto out;
	}
	if ((rc = agent_tools_target_open(env, args, "path", 0, &t, out)) < 0)
		goto out;
	if (!t.exists) {
		rc = error_set(out, TEND_ENOTFOUND,
			       "'%s' does not exist: use write_file to create "
			       "it", t.shown.ptr);
		goto out;
	}
	if ((rc = agent_tools_target_read(env, &t, &data, out)) < 0)
		goto out;
	if (agent_tools_is_binary(&data)) {
		rc = error_set(out, TEND_EINVALID,
			       "'%s' is a binary file: edit_file changes text "
			       "files only", t.shown.ptr);
		goto out;
	}

	hit = memmem(data.ptr, data.len, old, old_len);
	if (!hit && memchr(old, '\n', old_len) && !memchr(old, '\r', old_len)
	    && memmem(data.ptr, data.len, "\r\n", 2)) {
		/* a CRLF file and a model that writes LF */
		agent_tools_to_crlf(&crlf_old, old, old_len);
		agent_tools_to_crlf(&crlf_new, new, new_len);
		hit = memmem(data.ptr, data.len, crlf_old.ptr, crlf_old.len);
		if (hit) {
			crlf = 1;
			old = crlf_old.ptr;
			old_len = crlf_old.len;
			new = crlf_new.ptr;
			new_len = crlf_new.len;
		}
	}
	if (!hit) {
		rc = agent_tools_not_found(env, &t, data.ptr, data.len, old,
					   old_len, out);
		goto out;
	}
	if (!replace_all && memmem(hit + 1, (size_t)(data.ptr + data.len -
					       hit - 1), old, old_len)) {
		rc = agent_tools_ambiguous(&t, data.ptr, data.len, old,
					   old_len, out);
		goto out;
	}

	/* build the new text, noting where each replacement lands */
	p = data.ptr;
	end = data.ptr + data.len;
	while (hit) {
		size_t at, first, last;

		buf_add(&result, p, (size_t)(hit - p));
		at = result.len;
		buf_add(&result, new, new_len);
		first = agent_tools_count_to(&rc_lines, result.ptr, at);
		last = first + agent_tools_extra_lines(new, new_len);
		if (!count++) {
			first_at = first;
			last_at = last;
			a = agent_tools_count_to(&old_lines, data.ptr,
						 (size_t)(hit - data.ptr));
			b = a + agent_tools_extra_lines(old, old_len);
			at_line_start = !at || result.ptr[at - 1] == '\n';
		}
		if (listed < AGENT_TOOLS_EDIT_LIST) {
			if (listed)
				buf_puts(&spots, ", ");
			agent_tools_range(&spots, first, last);
		}
		listed++;
		p = hit + old_len;
		if (!replace_all)
			break;
		hit = memmem(p, (size_t)(end - p), old, old_len);
	}
	buf_add(&result, p, (size_t)(end - p));
	if (result.len > env->max_write_bytes) {
		rc = error_set(out, TEND_ETOOBIG,
			       "the edit would make '%s' %zu bytes, more than "
			       "the %zu bytes the edit tools write",
			       t.shown.ptr, result.len, env->max_write_bytes);
		goto out;
	}
	if ((rc = agent_tools_target_write(&t, result.ptr, result.len,
					   (int)(t.st.st_mode & 07777),
					   out)) < 0)
		goto out;
	agent_tools_written_add(env, t.rel.ptr);
	env->changes++;

	buf_printf(out, "edited '%s': ", t.rel.ptr);
	if (count > 1) {
		buf_printf(out, "%zu replacements, now at lines %s%s\n", count,
			   spots.ptr, listed > AGENT_TOOLS_EDIT_LIST ?
			   ", ..." : "");
	} else {
		size_t first = first_at, last = last_at;
		int whole = !new_len && old[old_len - 1] == '\n' &&
			    at_line_start;

		buf_puts(out, b > a ? "lines " : "line ");
		agent_tools_range(out, a, b);
		if (whole) {
			buf_puts(out, " deleted\n");
		} else {
			buf_puts(out, " replaced, now line");
			buf_puts(out, last > first ? "s " : " ");
			agent_tools_range(out, first, last);
			buf_puts(out, ":\n");
			agent_tools_show_lines(env, t.rel.ptr, out, result.ptr,
					       result.len, first, last);
		}
	}
	if (crlf)
		buf_puts(out, "[the file has CRLF line ends: old and new were "
			 "matched and written with them]\n");
out:
	agent_tools_target_release(&t);
	buf_release(&data);
	buf_release(&result);
	buf_release(&crlf_old);
	buf_release(&crlf_new);
	buf_release(&spots);
	return rc;
}

static int agent_tools_write_file(struct agent_tools_env *env,
				  const json_t *args, struct buf *out)
{
	struct agent_tools_target t;
	struct buf data = BUF_INIT, scratch = BUF_INIT;
	const char *content;
	size_t len = 0, lines, had = 0;
	int rc, known = 0;

	agent_tools_target_init(&t);
	content = agent_tools_arg_str(args, "content", &len);
	if (!content) {
		content = "";
		len = 0;
	}
	if (memchr(content, '\0', len)) {
		rc = error_set(out, TEND_EINVALID,
			       "content contains a NUL byte: the edit tools "
			       "write text files only");
		goto out;
	}
	if (len > env->max_write_bytes) {
		rc = error_set(out, TEND_ETOOBIG,
			       "content is %zu bytes, more than the %zu bytes "
			       "the edit tools write", len,
			       env->max_write_bytes);
		goto out;
	}
	if ((rc = agent_tools_target_open(env, args, "path", 1, &t, out)) < 0)
		goto out;
	if (t.exists &&
	    agent_tools_target_read(env, &t, &data, &scratch) == 0) {
		known = 1;
		had = agent_tools_count_lines(data.ptr, data.len);
		if (data.len == len && !memcmp(data.ptr, content, len)) {
			buf_printf(out, "'%s' already has this content: "
				   "nothing changed\n", t.rel.ptr);
			goto out;
		}
	}
	if ((rc = agent_tools_target_write(&t, content, len, t.exists ?
					   (int)(t.st.st_mode & 07777) : -1,
					   out)) < 0)
		goto out;
	agent_tools_written_add(env, t.rel.ptr);
	env->changes++;
	lines = agent_tools_count_lines(content, len);
	buf_printf(out, "%s '%s' (%zu line%s, %zu byte%s", t.exists ?
		   "overwrote" : "created", t.rel.ptr, lines,
		   lines == 1 ? "" : "s", len, len == 1 ? "" : "s");
	if (known)
		buf_printf(out, "; it had %zu line%s", had,
			   had == 1 ? "" : "s");
	buf_puts(out, ")\n");
out:
	agent_tools_target_release(&t);
	buf_release(&data);
	buf_release(&scratch);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The index: ranked search, find_symbol and related                  */

/*
 * The `repo` argument: *repo NULL for this repository (absent or empty),
 * else the name as env->repos holds it. An unknown name is an error
 * naming the known ones.
 */
static int agent_tools_repo_arg(struct agent_tools_env *env,
				const json_t *args, const char **repo,
				struct buf *out)
{
	const char *name;
	size_t len = 0, i;

	*repo = NULL;
	name = agent_tools_arg_str(args, "repo", &len);
	if (!name || !len)
		return 0;
	for (i = 0; i < env->nr_repos; i++)
		if (strlen(env->repos[i]) == len &&
		    !memcmp(env->repos[i], name, len)) {
			*repo = env->repos[i];
			return 0;
		}
	if (!env->nr_repos)
		return error_set(out, TEND_EINVALID,
				 "no other repository is indexed here: leave "
				 "out repo to search this one");
	buf_reset(out);
	buf_printf(out, "unknown repo '%.100s' (known: ", name);
	for (i = 0; i < env->nr_repos; i++)
		buf_printf(out, "%s%s", i ? ", " : "", env->repos[i]);
	buf_putc(out, ')');
	return TEND_EINVALID;
}

static int agent_tools_no_index(struct buf *out, const char *what)
{
	return error_set(out, TEND_EUNAVAIL, "no index here: %s", what);
}

/* 1 when `pattern` reads as words: no regex metacharacter, not blank. */
static int agent_tools_is_words(const char *pattern, size_t len)
{
	size_t i, blank = 0;

	for (i = 0; i < len; i++) {
		if (strchr("\\^$.|?*+()[]{}", pattern[i]) || !pattern[i])
			return 0;
		blank += pattern[i] == ' ' || pattern[i] == '\t';
	}
	return len && blank < len;
}

/* Append `s` with glob metacharacters escaped. */
static void agent_tools_glob_escape(struct buf *g, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			buf_putc(g, '\\');
		buf_putc(g, *s);
	}
}

/*
 * The one glob the index filters with, from the clean relative `rel`
 * ("" for the root) and the model's `glob` (NULL or ""): NULL for all
 * paths, else the text in `g`. The path is anchored at the root and
 * matches itself and everything below it; a glob under a path is taken
 * relative to it, at any depth when it has no '/'.
 */
static const char *agent_tools_index_glob(struct buf *g, const char *rel,
					  const char *glob)
{
	const char *slash;

	buf_reset(g);
	if (glob && !*glob)
		glob = NULL;
	if (!*rel)
		return glob;
	buf_putc(g, '/');
	agent_tools_glob_escape(g, rel);
	if (!glob)
		return g->ptr;
	while (glob[0] == '.' && glob[1] == '/')
		glob += 2;
	while (*glob == '/')
		glob++;
	slash = strchr(glob, '/');
	if (slash && slash[1])
		buf_printf(g, "/%s", glob);
	else
		buf_printf(g, "/**/%s", glob);
	return g->ptr;
}

/*
 * The callback's text into `out`, at most `cap` bytes of it, cut at a
 * line's end with a note; masked whole first, so a cut never leaves a
 * part of a secret.
 */
static void agent_tools_index_text(struct agent_tools_env *env,
				   struct buf *text, size_t cap,
				   struct buf *out)
{
	size_t n;

	agent_tools_mask(env, text, NULL);
	if (text->len && text->ptr[text->len - 1] != '\n')
		buf_putc(text, '\n');
	if (text->len <= cap) {
		buf_add(out, text->ptr, text->len);
		return;
	}
	n = cap;
	while (n && text->ptr[n - 1] != '\n')
		n--;
	if (!n)
		n = agent_tools_utf8_floor(text->ptr, text->len, cap);
	buf_add(out, text->ptr, n);
	if (n && text->ptr[n - 1] != '\n')
		buf_putc(out, '\n');
	buf_puts(out, "[results cut: narrow with path or glob, or fewer "
		 "words]\n");
}

/* search in another repository's index: nothing else to do. */
static int agent_tools_search_repo(struct agent_tools_env *env,
				   const json_t *args, const char *repo,
				   const char *pattern, size_t len,
				   struct buf *out)
{
	struct buf rel = BUF_INIT, g = BUF_INIT, text = BUF_INIT;
	const char *path, *glob;
	size_t plen = 0, glen = 0;
	int rc;

	if (!env->index_search) {
		rc = agent_tools_no_index(out, "repo cannot be searched");
		goto out;
	}
	if (!agent_tools_is_words(pattern, len)) {
		rc = error_set(out, TEND_EINVALID,
			       "repository '%s' is searched through its index, "
			       "which takes words, not a regex: give words "
			       "or \"a phrase\"", repo);
		goto out;
	}
	path = agent_tools_arg_str(args, "path", &plen);
	if ((rc = agent_tools_clean(path ? path : "", plen, &rel, out)) < 0)
		goto out;
	glob = agent_tools_arg_str(args, "glob", &glen);
	rc = env->index_search(pattern, agent_tools_index_glob(&g, rel.ptr,
							       glob),
			       repo, &text, env->index_data);
	if (rc < 0) {
		buf_reset(out);
		agent_tools_index_text(env, &text, env->max_out, out);
		if (!out->len)
			buf_printf(out, "the index of '%s' could not be "
				   "searched", repo);
		goto out;
	}
	buf_printf(out, "[%s: ranked by its index: %d result%s]\n", repo, rc,
		   rc == 1 ? "" : "s");
	if (!rc)
		buf_puts(out, "no results\n");
	agent_tools_index_text(env, &text, env->max_out, out);
	rc = 0;
out:
	buf_release(&rel);
	buf_release(&g);
	buf_release(&text);
	return rc;
}

/*
 * search: ranked by the index first when the pattern reads as words, then
 * the regex matches in the room left (tools.h).
 */
static int agent_tools_search(struct agent_tools_env *env,
			      const json_t *args, struct buf *out)
{
	struct buf rel = BUF_INIT, g = BUF_INIT, text = BUF_INIT,
		   rx = BUF_INIT;
	const char *pattern, *repo, *path, *glob;
	size_t len = 0, plen = 0, glen = 0, saved;
	int rc, n;

	pattern = agent_tools_arg_str(args, "pattern", &len);
	if (!pattern)
		pattern = "";
	if ((rc = agent_tools_repo_arg(env, args, &repo, out)) < 0)
		goto out;
	if (repo) {
		rc = agent_tools_search_repo(env, args, repo, pattern, len,
					     out);
		goto out;
	}
	if (!env->index_search || !agent_tools_is_words(pattern, len)) {
		rc = agent_tools_search_regex(env, args, out);
		goto out;
	}
	path = agent_tools_arg_str(args, "path", &plen);
	if ((rc = agent_tools_clean(path ? path : "", plen, &rel, out)) < 0)
		goto out;
	glob = agent_tools_arg_str(args, "glob", &glen);
	n = env->index_search(pattern, agent_tools_index_glob(&g, rel.ptr,
							      glob),
			      NULL, &text, env->index_data);
	if (n < 0) {
		agent_tools_mask(env, &text, NULL);
		buf_printf(out, "[the index could not be searched (%.300s): "
			   "regex matches only]\n", text.len ? text.ptr :
			   "no reason given");
	} else {
		buf_printf(out, "[ranked by the index: %d result%s]\n", n,
			   n == 1 ? "" : "s");
		agent_tools_index_text(env, &text, env->max_out / 2, out);
		buf_puts(out, "[regex matches]\n");
	}
	/* the regex search in the room left, as its own text */
	saved = env->max_out;
	env->max_out = saved > out->len + 1024 ? saved - out->len : 1024;
	rc = agent_tools_search_regex(env, args, &rx);
	env->max_out = saved;
	if (rc < 0)
		buf_reset(out);
	buf_add(out, rx.ptr, rx.len);
out:
	buf_release(&rel);
	buf_release(&g);
	buf_release(&text);
	buf_release(&rx);
	return rc;
}

/*
 * find_symbol: the index's definitions and references first; when it
 * has no definition, or fails, the regex way over the files (tools.h).
 */
static int agent_tools_find_symbol(struct agent_tools_env *env,
				   const json_t *args, struct buf *out)
{
	struct buf text = BUF_INIT, rx = BUF_INIT;
	const char *repo, *arg = NULL, *name = NULL;
	int rc, n;

	if ((rc = agent_tools_repo_arg(env, args, &repo, out)) < 0)
		goto out;
	if (!env->index_symbol && !repo) {
		rc = agent_tools_find_symbol_regex(env, args, out);
		goto out;
	}
	if (!env->index_symbol) {
		rc = agent_tools_no_index(out, "repo cannot be searched");
		goto out;
	}
	if ((rc = agent_tools_symbol_name(args, &arg, &name, out)) < 0)
		goto out;
	n = env->index_symbol(name, repo, &text, env->index_data);
	if (n > 0 || (repo && n == 0)) {
		if (!n)
			buf_printf(out, "no definition of '%s' in the index of "
				   "'%s'\n", name, repo);
		agent_tools_index_text(env, &text, env->max_out, out);
	} else if (repo) {
		buf_reset(out);
		agent_tools_index_text(env, &text, env->max_out, out);
		if (!out->len)
			buf_printf(out, "the index of '%s' could not be "
				   "searched", repo);
		rc = n;
		goto out;
	} else {
		/*
		 * No definition in the index (a macro, a language it does
		 * not parse) or no index after all: the files, then what
		 * the index knows of its uses.
		 */
		if ((rc = agent_tools_find_symbol_regex(env, args, &rx)) < 0) {
			buf_add(out, rx.ptr, rx.len);
			goto out;
		}
		buf_add(out, rx.ptr, rx.len);
		if (n < 0) {
			agent_tools_mask(env, &text, NULL);
			buf_printf(out, "[the index could not be searched "
				   "(%.300s)]\n", text.len ? text.ptr :
				   "no reason given");
		} else if (text.len) {
			size_t room = env->max_out > out->len ?
				      env->max_out - out->len : 0;

			buf_puts(out, "[from the index]\n");
			agent_tools_index_text(env, &text, room, out);
		}
		rc = 0;
		goto out;
	}
	if (name != arg)
		buf_printf(out, "[searched for '%s', the last part of '%s']\n",
			   name, arg);
	rc = 0;
out:
	buf_release(&text);
	buf_release(&rx);
	return rc;
}

/* related(path, line?, repo?): from the index only. */
static int agent_tools_related(struct agent_tools_env *env,
			       const json_t *args, struct buf *out)
{
	struct buf rel = BUF_INIT, text = BUF_INIT;
	const char *repo, *path;
	size_t plen = 0, line = 0;
	int rc;

	if ((rc = agent_tools_repo_arg(env, args, &repo, out)) < 0)
		goto out;
	if (!env->index_related) {
		rc = agent_tools_no_index(out, "use find_symbol and search "
					  "instead");
		goto out;
	}
	path = agent_tools_arg_str(args, "path", &plen);
	if ((rc = agent_tools_clean(path ? path : "", plen, &rel, out)) < 0)
		goto out;
	if (!rel.len) {
		rc = error_set(out, TEND_EINVALID, "path must name a file");
		goto out;
	}
	if (!repo && agent_tools_is_hidden(env, rel.ptr)) {
		rc = error_set(out, TEND_EINVALID, "'%s' is excluded from this "
			       "review (generated or vendored)", rel.ptr);
		goto out;
	}
	agent_tools_arg_size(args, "line", &line);
	if (line > 100000000)
		line = 100000000;
	rc = env->index_related(rel.ptr, (long)line, repo, &text,
				env->index_data);
	if (rc < 0) {
		buf_reset(out);
		agent_tools_index_text(env, &text, env->max_out, out);
		if (!out->len)
			buf_puts(out, "the index could not be searched");
		goto out;
	}
	if (!rc) {
		buf_printf(out, "nothing related to '%s", rel.ptr);
		if (line)
			buf_printf(out, ":%zu", line);
		buf_puts(out, "' in the index: no definitions it uses, no "
			 "callers\n");
	}
	agent_tools_index_text(env, &text, env->max_out, out);
	rc = 0;
out:
	buf_release(&rel);
	buf_release(&text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The command group: run and run_tests                               */

/*
 * The callback's text into `out`: masked whole, then cut to max_out
 * keeping the head and the tail (where a failure's summary usually is).
 */
static void agent_tools_command_text(struct agent_tools_env *env,
				     struct buf *text, struct buf *out)
{
	size_t keep, head, tail;

	agent_tools_mask(env, text, NULL);
	if (text->len <= env->max_out) {
		buf_add(out, text->ptr, text->len);
		return;
	}
	keep = env->max_out / 2;
	head = agent_tools_utf8_floor(text->ptr, text->len, keep);
	tail = text->len - keep;
	while (tail < text->len &&
	       ((unsigned char)text->ptr[tail] & 0xc0) == 0x80)
		tail++;
	buf_add(out, text->ptr, head);
	buf_printf(out, "\n[... %zu bytes cut: the head and the tail of the "
		   "output are shown ...]\n", tail - head);
	buf_add(out, text->ptr + tail, text->len - tail);
}

static int agent_tools_no_commands(struct buf *out)
{
	return error_set(out, TEND_EUNAVAIL,
			 "this agent cannot run commands here");
}

static int agent_tools_run_command(struct agent_tools_env *env,
				   const json_t *args, struct buf *out)
{
	struct buf text = BUF_INIT;
	const json_t *tv;
	const char *cmd;
	size_t len = 0;
	long timeout = AGENT_TOOLS_TIMEOUT;
	int rc;

	if (!env->run_command)
		return agent_tools_no_commands(out);
	cmd = agent_tools_arg_str(args, "command", &len);
	if (!cmd || len == strspn(cmd, " \t\r\n"))
		return error_set(out, TEND_EINVALID, "command is empty");
	if (len > AGENT_TOOLS_COMMAND_MAX)
		return error_set(out, TEND_EINVALID,
				 "command is %zu bytes; the limit is %d", len,
				 AGENT_TOOLS_COMMAND_MAX);
	if (memchr(cmd, '\0', len))
		return error_set(out, TEND_EINVALID,
				 "command contains a NUL byte");
	tv = json_object_get(args, "timeout");
	if (json_is_number(tv)) {
		double d = json_number_value(tv);

		if (!(d >= 1 && d <= AGENT_TOOLS_TIMEOUT_MAX))
			return error_set(out, TEND_EINVALID,
					 "timeout must be 1 to %d seconds",
					 AGENT_TOOLS_TIMEOUT_MAX);
		timeout = (long)d;
	}
	rc = env->run_command(cmd, timeout, &text, env->command_data);
	agent_tools_command_text(env, &text, out);
	if (rc < 0 && !out->len)
		buf_puts(out, "the command could not be run");
	buf_release(&text);
	return rc < 0 ? rc : 0;
}

static int agent_tools_run_tests(struct agent_tools_env *env,
				 const json_t *args, struct buf *out)
{
	struct buf text = BUF_INIT;
	int rc;

	(void)args;
	if (!env->run_tests)
		return agent_tools_no_commands(out);
	rc = env->run_tests(&text, env->command_data);
	agent_tools_command_text(env, &text, out);
	if (rc < 0 && !out->len)
		buf_puts(out, "the tests could not be run");
	buf_release(&text);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------------ */
/* The delegate group                                                 */

/* 1 when s[0..len) could be an agent's name: [A-Za-z0-9._-]+ */
static int agent_tools_is_agent_name(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static int agent_tools_delegate(struct agent_tools_env *env,
				const json_t *args, struct buf *out)
{
	struct buf text = BUF_INIT;
	const char *agent, *task;
	const json_t *sv;
	size_t agent_len = 0, task_len = 0;
	long step = 0;
	int rc;

	if (!env->delegate)
		return error_set(out, TEND_EUNAVAIL,
				 "this agent cannot delegate here");
	agent = agent_tools_arg_str(args, "agent", &agent_len);
	task = agent_tools_arg_str(args, "task", &task_len);
	if (!agent || !agent_len)
		return error_set(out, TEND_EINVALID, "agent is empty");
	if (agent_len > AGENT_TOOLS_AGENT_MAX)
		return error_set(out, TEND_EINVALID,
				 "agent is %zu bytes; an agent's name is at "
				 "most %d", agent_len, AGENT_TOOLS_AGENT_MAX);
	if (!agent_tools_is_agent_name(agent, agent_len))
		return error_set(out, TEND_EINVALID,
				 "agent must be an agent's name (letters, "
				 "digits, '.', '_' and '-'), such as \"code\"");
	if (!task || task_len == strspn(task, " \t\r\n"))
		return error_set(out, TEND_EINVALID, "task is empty");
	if (task_len > AGENT_TOOLS_TASK_MAX)
		return error_set(out, TEND_EINVALID,
				 "task is %zu bytes; the limit is %d: say "
				 "what to do and where, not the files' "
				 "content", task_len, AGENT_TOOLS_TASK_MAX);
	if (memchr(task, '\0', task_len))
		return error_set(out, TEND_EINVALID,
				 "task contains a NUL byte");
	sv = json_object_get(args, "step");
	if (json_is_number(sv)) {
		double d = json_number_value(sv);

		if (!(d >= 1 && d <= AGENT_TOOLS_STEP_MAX) || d != (long)d)
			return error_set(out, TEND_EINVALID,
					 "step must be an integer from 1 to "
					 "%d", AGENT_TOOLS_STEP_MAX);
		step = (long)d;
	}
	rc = env->delegate(agent, task, step, &text, env->delegate_data);
	agent_tools_command_text(env, &text, out);
	if (!out->len)
		buf_puts(out, rc < 0 ? "the sub-agent could not be run"
			 : "the sub-agent ended without a summary");
	buf_release(&text);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------------ */
/* The tool table                                                      */

/*
 * Schemas are terse on purpose: every byte here is sent with every model
 * request (the fixed-prompt budget is about 2000 tokens, system text
 * included). Property descriptions appear only where the name alone would
 * mislead.
 */
struct agent_tools_spec {
	const char *name, *group, *description, *schema;
	int (*run)(struct agent_tools_env *env, const json_t *args,
		   struct buf *out);
};

/*
 * The `repo` argument of the read tools the index answers. No
 * description: the prompt names the repositories when there are any.
 */
#define AGENT_TOOLS_REPO_PROP "\"repo\":{\"type\":\"string\"}"

static const struct agent_tools_spec agent_tools_specs[] = {
	{ "read_file", "read",
	  "Read a file with line numbers; lines are 1-based, inclusive.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\",\"minLength\":1},"
	  "\"start_line\":{\"type\":\"integer\",\"minimum\":1},"
	  "\"end_line\":{\"type\":\"integer\",\"minimum\":1}},"
	  "\"required\":[\"path\"],\"additionalProperties\":false}",
	  agent_tools_read_file },
	{ "list_files", "read",
	  "List files under a directory (default: the root), sorted.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\"},"
	  "\"glob\":{\"type\":\"string\",\"description\":\"e.g. **/*.c\"}},"
	  "\"additionalProperties\":false}",
	  agent_tools_list_files },
	{ "search", "read",
	  "Search the code: a PCRE2 regex per line; plain words are ranked "
	  "first.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"pattern\":{\"type\":\"string\",\"minLength\":1},"
	  "\"path\":{\"type\":\"string\"},"
	  "\"glob\":{\"type\":\"string\"},"
	  AGENT_TOOLS_REPO_PROP "},"
	  "\"required\":[\"pattern\"],\"additionalProperties\":false}",
	  agent_tools_search },
	{ "find_symbol", "read",
	  "Find where a function, type, macro or variable is defined (and "
	  "used).",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"name\":{\"type\":\"string\",\"minLength\":1},"
	  AGENT_TOOLS_REPO_PROP "},"
	  "\"required\":[\"name\"],\"additionalProperties\":false}",
	  agent_tools_find_symbol },
	{ "related", "read",
	  "The definitions a file or line uses, and the places that call "
	  "it.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\",\"minLength\":1},"
	  "\"line\":{\"type\":\"integer\",\"minimum\":1},"
	  AGENT_TOOLS_REPO_PROP "},"
	  "\"required\":[\"path\"],\"additionalProperties\":false}",
	  agent_tools_related },
	{ "edit_file", "edit",
	  "Replace the exact text old, which must occur once (or set "
	  "replace_all), with new.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\",\"minLength\":1},"
	  "\"old\":{\"type\":\"string\",\"minLength\":1},"
	  "\"new\":{\"type\":\"string\"},"
	  "\"replace_all\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"path\",\"old\",\"new\"],"
	  "\"additionalProperties\":false}",
	  agent_tools_edit_file },
	{ "write_file", "edit",
	  "Create a file, or replace all of its content.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\",\"minLength\":1},"
	  "\"content\":{\"type\":\"string\"}},"
	  "\"required\":[\"path\",\"content\"],"
	  "\"additionalProperties\":false}",
	  agent_tools_write_file },
	{ "run", "command",
	  "Run a shell command in the sandbox (no network); returns its "
	  "status and output.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"command\":{\"type\":\"string\",\"minLength\":1},"
	  "\"timeout\":{\"type\":\"integer\",\"minimum\":1,"
	  "\"maximum\":600,\"description\":\"seconds, default 120\"}},"
	  "\"required\":[\"command\"],\"additionalProperties\":false}",
	  agent_tools_run_command },
	{ "run_tests", "command",
	  "Run the project's tests in the sandbox; returns the failures.",
	  "{\"type\":\"object\",\"properties\":{},"
	  "\"additionalProperties\":false}",
	  agent_tools_run_tests },
	{ "delegate", "delegate",
	  "Give a sub-agent a task; returns its final summary.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"agent\":{\"type\":\"string\",\"minLength\":1},"
	  "\"task\":{\"type\":\"string\",\"minLength\":1,"
	  "\"description\":\"self-contained: the agent sees nothing else\"},"
	  "\"step\":{\"type\":\"integer\",\"minimum\":1,"
	  "\"maximum\":1000,\"description\":\"the plan step it carries "
	  "out\"}},"
	  "\"required\":[\"agent\",\"task\"],\"additionalProperties\":false}",
	  agent_tools_delegate },
	{ "submit_review", "final",
	  "Submit the review (final answer): a summary and inline comments "
	  "on changed lines.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"summary\":{\"type\":\"string\"},"
	  "\"comments\":{\"type\":\"array\",\"items\":{"
	  "\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\",\"minLength\":1},"
	  "\"line\":{\"type\":\"integer\",\"minimum\":1},"
	  "\"side\":{\"type\":\"string\",\"enum\":[\"RIGHT\",\"LEFT\"]},"
	  "\"start_line\":{\"type\":\"integer\",\"minimum\":1},"
	  "\"severity\":{\"type\":\"string\","
	  "\"enum\":[\"note\",\"warning\",\"error\"]},"
	  "\"body\":{\"type\":\"string\",\"minLength\":1},"
	  "\"suggestion\":{\"type\":\"string\",\"description\":"
	  "\"replaces lines start_line..line\"},"
	  "\"quote\":{\"type\":\"string\",\"description\":"
	  "\"verbatim text of line\"}},"
	  "\"required\":[\"path\",\"line\",\"severity\",\"body\",\"quote\"],"
	  "\"additionalProperties\":false}}},"
	  "\"required\":[\"summary\",\"comments\"],"
	  "\"additionalProperties\":false}",
	  NULL },
	{ "finish", "final",
	  "Finish (final answer): the outcome and a summary of what you "
	  "found and changed.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"status\":{\"type\":\"string\","
	  "\"enum\":[\"fixed\",\"not_fixed\",\"gave_up\",\"done\"]},"
	  "\"summary\":{\"type\":\"string\",\"minLength\":1}},"
	  "\"required\":[\"status\",\"summary\"],"
	  "\"additionalProperties\":false}",
	  NULL },
	{ "answer", "final",
	  "Answer (final answer): markdown citing sources as [1], [2], and "
	  "the citations.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"text\":{\"type\":\"string\",\"minLength\":1,"
	  "\"maxLength\":20000},"
	  "\"citations\":{\"type\":\"array\",\"maxItems\":20,\"items\":{"
	  "\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\",\"minLength\":1},"
	  "\"line\":{\"type\":\"integer\",\"minimum\":1},"
	  "\"end_line\":{\"type\":\"integer\",\"minimum\":1,"
	  "\"description\":\"line..line+50\"},"
	  "\"quote\":{\"type\":\"string\",\"minLength\":1,"
	  "\"maxLength\":500,\"description\":\"verbatim text of those "
	  "lines\"}},"
	  "\"required\":[\"path\",\"line\",\"quote\"],"
	  "\"additionalProperties\":false}}},"
	  "\"required\":[\"text\",\"citations\"],"
	  "\"additionalProperties\":false}",
	  NULL },
};

#define AGENT_TOOLS_NR \
	(sizeof(agent_tools_specs) / sizeof(agent_tools_specs[0]))

static struct agent_tool agent_tools_table[AGENT_TOOLS_NR];
static pthread_once_t agent_tools_once = PTHREAD_ONCE_INIT;

/* Parse the schemas once; they live until exit. */
static void agent_tools_init(void)
{
	size_t i;

	for (i = 0; i < AGENT_TOOLS_NR; i++) {
		const struct agent_tools_spec *s = &agent_tools_specs[i];
		json_error_t jerr;
		json_t *schema = json_loads(s->schema, 0, &jerr);

		if (!schema) {
			/* a programming error, caught by the unit tests */
			fprintf(stderr, "tend: schema of tool '%s': %s\n",
				s->name, jerr.text);
			abort();
		}
		agent_tools_table[i].name = s->name;
		agent_tools_table[i].group = s->group;
		agent_tools_table[i].description = s->description;
		agent_tools_table[i].schema = schema;
		agent_tools_table[i].run = s->run;
	}
}

static void agent_tools_ready(void)
{
	pthread_once(&agent_tools_once, agent_tools_init);
}

const struct agent_tool *agent_tools_find(const char *name)
{
	size_t i;

	agent_tools_ready();
	for (i = 0; name && i < AGENT_TOOLS_NR; i++)
		if (!strcmp(agent_tools_table[i].name, name))
			return &agent_tools_table[i];
	return NULL;
}

const json_t *agent_tools_submit_review_schema(void)
{
	return agent_tools_find("submit_review")->schema;
}

const json_t *agent_tools_finish_schema(void)
{
	return agent_tools_find("finish")->schema;
}

const json_t *agent_tools_answer_schema(void)
{
	return agent_tools_find("answer")->schema;
}

static const char *const agent_tools_finish_names[] = {
	"", "fixed", "not_fixed", "gave_up", "done"
};

const char *agent_tools_finish_name(enum agent_finish_status status)
{
	if ((unsigned)status < sizeof(agent_tools_finish_names) /
	    sizeof(agent_tools_finish_names[0]))
		return agent_tools_finish_names[status];
	return "";
}

enum agent_finish_status agent_tools_finish_parse(const char *name)
{
	size_t i;

	for (i = 1; name && i < sizeof(agent_tools_finish_names) /
	     sizeof(agent_tools_finish_names[0]); i++)
		if (!strcmp(agent_tools_finish_names[i], name))
			return (enum agent_finish_status)i;
	return AGENT_FINISH_NONE;
}

static int agent_tools_group_known(const char *group)
{
	size_t i;

	for (i = 0; i < AGENT_TOOLS_NR; i++)
		if (!strcmp(agent_tools_table[i].group, group))
			return 1;
	return 0;
}

int agent_tools_defs(struct agent_tool_set *out, const char *const *groups,
		     struct buf *err)
{
	size_t i, g;

	agent_tools_ready();
	out->nr = 0;
	for (g = 0; groups && groups[g]; g++) {
		if (agent_tools_group_known(groups[g]))
			continue;
		return error_set(err, TEND_EINVALID,
				 "unknown tool group '%s' (known: read, edit, "
				 "command, delegate, final)", groups[g]);
	}
	for (i = 0; i < AGENT_TOOLS_NR; i++) {
		for (g = 0; groups && groups[g]; g++)
			if (!strcmp(agent_tools_table[i].group, groups[g]))
				break;
		if (groups && groups[g] && out->nr < AGENT_TOOLS_MAX)
			out->tool[out->nr++] = &agent_tools_table[i];
	}
	return 0;
}

size_t agent_tools_schema_bytes(const char *const *groups)
{
	struct agent_tool_set set;
	size_t i;
	const char *one[2] = { NULL, NULL };

	set.nr = 0;
	for (i = 0; groups && groups[i]; i++) {
		struct agent_tool_set part;
		size_t j;

		one[0] = groups[i];
		if (agent_tools_defs(&part, one, NULL) < 0)
			continue;
		for (j = 0; j < part.nr && set.nr < AGENT_TOOLS_MAX; j++) {
			size_t k;

			for (k = 0; k < set.nr; k++)
				if (set.tool[k] == part.tool[j])
					break;
			if (k == set.nr)
				set.tool[set.nr++] = part.tool[j];
		}
	}
	return agent_tools_set_bytes(&set);
}

size_t agent_tools_set_bytes(const struct agent_tool_set *set)
{
	size_t i, total = 0;

	for (i = 0; i < set->nr; i++) {
		json_t *def = json_pack("{s:s, s:s, s:O}",
					"name", set->tool[i]->name,
					"description",
					set->tool[i]->description,
					"parameters", set->tool[i]->schema);
		char *s = def ? json_dumps(def, JSON_COMPACT) : NULL;

		if (s)
			total += strlen(s);
		free(s);
		json_decref(def);
	}
	return total;
}

/* ------------------------------------------------------------------ */
/* Running a call                                                      */

/* 1 when the property schema accepts null itself. */
static int agent_tools_allows_null(const json_t *schema)
{
	const json_t *type = json_object_get(schema, "type");
	size_t i;

	if (json_is_string(type))
		return !strcmp(json_string_value(type), "null");
	for (i = 0; json_is_array(type) && i < json_array_size(type); i++)
		if (json_is_string(json_array_get(type, i)) &&
		    !strcmp(json_string_value(json_array_get(type, i)), "null"))
			return 1;
	return 0;
}

static int agent_tools_required(const json_t *schema, const char *key)
{
	const json_t *req = json_object_get(schema, "required");
	size_t i;

	for (i = 0; json_is_array(req) && i < json_array_size(req); i++)
		if (json_is_string(json_array_get(req, i)) &&
		    !strcmp(json_string_value(json_array_get(req, i)), key))
			return 1;
	return 0;
}

/*
 * A copy of `v` without the nulls given for optional properties that do
 * not accept null: models in "strict" mode send them to mean "absent".
 * Returns a new reference.
 */
static json_t *agent_tools_drop_nulls(const json_t *schema, const json_t *v)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *items = json_object_get(schema, "items");
	json_t *copy;
	size_t i;

	if (json_is_object(v) && json_is_object(props)) {
		const char *key;
		json_t *val;

		copy = json_object();
		json_object_foreach((json_t *)v, key, val) {
			const json_t *sub = json_object_get(props, key);

			if (json_is_null(val) && sub &&
			    !agent_tools_required(schema, key) &&
			    !agent_tools_allows_null(sub))
				continue;
			json_object_set_new(copy, key,
					    agent_tools_drop_nulls(sub, val));
		}
		return copy;
	}
	if (json_is_array(v) && json_is_object(items)) {
		copy = json_array();
		for (i = 0; i < json_array_size(v); i++)
			json_array_append_new(copy, agent_tools_drop_nulls(
				items, json_array_get(v, i)));
		return copy;
	}
	return json_incref((json_t *)v);
}

/* The tool `name` if this environment may run it, else NULL. */
static const struct agent_tool *agent_tools_lookup(
	struct agent_tools_env *env, const char *name)
{
	const struct agent_tool *t = agent_tools_find(name);
	size_t i;

	if (!t || !env->allowed)
		return t;
	for (i = 0; i < env->nr_allowed; i++)
		if (env->allowed[i] == t)
			return t;
	return NULL;
}

static int agent_tools_unknown(struct agent_tools_env *env, const char *name,
			       struct buf *out)
{
	size_t i;

	agent_tools_ready();
	buf_printf(out, "unknown tool '%.100s' (known: ", name ? name : "");
	if (env->allowed) {
		for (i = 0; i < env->nr_allowed; i++)
			buf_printf(out, "%s%s", i ? ", " : "",
				   env->allowed[i]->name);
	} else {
		for (i = 0; i < AGENT_TOOLS_NR; i++)
			buf_printf(out, "%s%s", i ? ", " : "",
				   agent_tools_table[i].name);
	}
	buf_putc(out, ')');
	return TEND_ENOTFOUND;
}

/* Run `t` on parsed arguments; `out` is empty on entry. */
static int agent_tools_call(struct agent_tools_env *env,
			    const struct agent_tool *t, const json_t *args,
			    struct buf *out)
{
	struct buf msg = BUF_INIT;
	json_t *clean, *empty = NULL;
	int rc;

	if (!args)
		args = empty = json_object();
	clean = agent_tools_drop_nulls(t->schema, args);
	rc = agent_schema_validate(t->schema, clean, &msg);
	if (rc < 0)
		buf_printf(out, "invalid arguments for %s: %s", t->name,
			   msg.ptr);
	else if (t->run)
		rc = t->run(env, clean, out);
	json_decref(clean);
	json_decref(empty);
	buf_release(&msg);
	return rc;
}

/* Counters and the last mask over the whole result. */
static int agent_tools_done(struct agent_tools_env *env, int rc,
			    struct buf *out)
{
	agent_tools_mask(env, out, NULL);
	env->calls++;
	if (rc < 0)
		env->errors++;
	env->bytes_out += out->len;
	return rc;
}

int agent_tools_run_json(struct agent_tools_env *env, const char *name,
			 const json_t *args, struct buf *out)
{
	const struct agent_tool *t;
	int rc;

	buf_reset(out);
	t = agent_tools_lookup(env, name);
	if (!t)
		rc = agent_tools_unknown(env, name, out);
	else
		rc = agent_tools_call(env, t, args, out);
	return agent_tools_done(env, rc, out);
}

int agent_tools_run(struct agent_tools_env *env, const char *name,
		    const char *args_json, struct buf *out)
{
	const struct agent_tool *t;
	json_error_t jerr;
	json_t *args = NULL;
	int rc;

	buf_reset(out);
	t = agent_tools_lookup(env, name);
	if (!t) {
		rc = agent_tools_unknown(env, name, out);
		goto out;
	}
	if (args_json && *args_json) {
		args = json_loads(args_json, JSON_DECODE_ANY |
				  JSON_REJECT_DUPLICATES, &jerr);
		if (!args) {
			rc = TEND_EINVALID;
			buf_printf(out, "arguments for %s are not valid JSON: "
				   "%s at line %d, column %d", t->name,
				   jerr.text, jerr.line, jerr.column);
			goto out;
		}
	}
	rc = agent_tools_call(env, t, args, out);
out:
	json_decref(args);
	return agent_tools_done(env, rc, out);
}
