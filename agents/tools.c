/*
 * tools.c - the agent tool set: the read group (read_file, list_files,
 * search, find_symbol), the final answer submit_review, and
 * agent_tools_run(), which validates a call and runs it (see tools.h for
 * the contract).
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
 * This file does not talk to models or parse their replies: the tool loop
 * does. It does not know about secrets either: the caller's mask callback
 * does.
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
	return 0;
}

void agent_tools_env_release(struct agent_tools_env *env)
{
	free(env->root);
	env->root = NULL;
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

static int agent_tools_search(struct agent_tools_env *env,
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

static int agent_tools_find_symbol(struct agent_tools_env *env,
				   const json_t *args, struct buf *out)
{
	struct agent_tools_symbol y;
	struct agent_tools_walk w;
	struct buf esc = BUF_INIT, rel = BUF_INIT, shown = BUF_INIT;
	const char *arg, *name, *sep;
	size_t len = 0, i;
	struct stat st;
	int fd = -1, rc;

	memset(&y, 0, sizeof(y));
	buf_init(&y.data, 0);
	buf_init(&y.chunk, 0);
	y.out = out;
	arg = agent_tools_arg_str(args, "name", &len);
	if (!arg)
		arg = "";
	/* Foo::bar, Foo.bar, Foo#bar: the definition is bar's */
	name = arg;
	for (sep = arg; *sep; sep++)
		if (*sep == '.' || *sep == '#' ||
		    (*sep == ':' && sep[1] == ':'))
			name = sep + (*sep == ':' ? 2 : 1);
	len = strlen(name);
	if (!agent_tools_is_ident(name, len) || strlen(arg) != (size_t)(
	    json_string_length(json_object_get(args, "name")))) {
		rc = error_set(out, TEND_EINVALID,
			       "name must be an identifier such as "
			       "'parse_config' (letters, digits, '_', '$'), "
			       "got '%.100s'", arg);
		goto out;
	}
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
	  "Search file contents line by line with a PCRE2 regex.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"pattern\":{\"type\":\"string\",\"minLength\":1},"
	  "\"path\":{\"type\":\"string\"},"
	  "\"glob\":{\"type\":\"string\"}},"
	  "\"required\":[\"pattern\"],\"additionalProperties\":false}",
	  agent_tools_search },
	{ "find_symbol", "read",
	  "Find where a function, type, macro or variable is defined.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"name\":{\"type\":\"string\",\"minLength\":1}},"
	  "\"required\":[\"name\"],\"additionalProperties\":false}",
	  agent_tools_find_symbol },
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
				 "unknown tool group '%s' (known: read, final)",
				 groups[g]);
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
	size_t i, total = 0;
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
	for (i = 0; i < set.nr; i++) {
		json_t *def = json_pack("{s:s, s:s, s:O}",
					"name", set.tool[i]->name,
					"description", set.tool[i]->description,
					"parameters", set.tool[i]->schema);
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
