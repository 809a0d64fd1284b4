/*
 * sandbox.c - the bubblewrap command line, the start-up probe, the pids
 * cgroup used when tend runs as root, and the unsandboxed mode.
 *
 * This file decides what a sandboxed command can see and do; proc.c does
 * the running (explicit environment, closed descriptors, limits, deadline,
 * capped capture). It does not know what the command is for: tests,
 * linters and agent commands all look the same from here.
 *
 * bwrap is executed with an explicit minimal environment instead of being
 * given tend's environment plus --clearenv: with --clearenv the sandbox's
 * pid 1 (bwrap itself) would still carry tend's variables, readable through
 * /proc/1/environ from inside.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "redact.h"
#include "sandbox.h"
#include "xalloc.h"

const char *const sandbox_base_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"HOME=" SANDBOX_HOME,
	"TMPDIR=/tmp",
	"LANG=C.UTF-8",
	"TERM=dumb",
	"CI=true",
	"USER=sandbox",
	"LOGNAME=sandbox",
	NULL
};

/*
 * Host /etc entries a build or test may need and that hold no secrets.
 * Everything else of /etc (shadow, ssl/private, package-manager and tool
 * configs that may carry registry tokens) stays out of the sandbox.
 */
static const char *const sandbox_etc_files[] = {
	"/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf",
	"/etc/ld.so.conf.d", "/etc/nsswitch.conf", "/etc/hosts",
	"/etc/host.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols",
	"/etc/localtime", "/etc/timezone", "/etc/os-release",
	"/etc/lsb-release", "/etc/debian_version", "/etc/mime.types",
	"/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates",
	"/etc/ca-certificates.conf", "/etc/pki/tls/certs",
	"/etc/pki/ca-trust", "/etc/perl", "/etc/python3", NULL
};

/* The merged-/usr links (or, on older systems, directories) of /. */
static const char *const sandbox_root_dirs[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", NULL
};

static const char sandbox_passwd[] =
	"root:x:0:0:root:/root:/usr/sbin/nologin\n"
	"sandbox:x:1000:1000:tend sandbox:" SANDBOX_HOME ":/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char sandbox_group[] =
	"root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";

/* A growable NULL-terminated vector of owned strings. */
struct sandbox_vec {
	char **v;
	size_t nr, alloc;
};

static void sandbox_vec_push(struct sandbox_vec *a, const char *s)
{
	ALLOC_GROW(a->v, a->nr + 1, a->alloc);
	a->v[a->nr++] = xstrdup(s);
	a->v[a->nr] = NULL;
}

static void sandbox_vec_push2(struct sandbox_vec *a, const char *x,
			      const char *y)
{
	sandbox_vec_push(a, x);
	sandbox_vec_push(a, y);
}

static void sandbox_vec_push3(struct sandbox_vec *a, const char *x,
			      const char *y, const char *z)
{
	sandbox_vec_push(a, x);
	sandbox_vec_push(a, y);
	sandbox_vec_push(a, z);
}

static void sandbox_vec_release(struct sandbox_vec *a)
{
	size_t i;

	for (i = 0; i < a->nr; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

void sandbox_opts_init(struct sandbox_opts *o)
{
	memset(o, 0, sizeof(*o));
}

char *sandbox_bwrap_path(void)
{
	const char *env = getenv("TEND_BWRAP");
	const char *path = getenv("PATH");

	if (env && *env)
		return xstrdup(env);
	return proc_find_in_path("bwrap", path && *path ? path :
				 "/usr/local/bin:/usr/bin:/bin");
}

/* Read a small /proc or /sys file as a number; -1 when unreadable. */
static long sandbox_read_long(const char *path)
{
	char text[64];
	ssize_t n;
	long v;
	char *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text)
		return -1;
	return v;
}

static int sandbox_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, len) == (ssize_t)len;
	if (close(fd) < 0)
		ok = 0;
	return ok ? 0 : -1;
}

/*
 * Is tend the real root of the machine (uid 0 of the initial user
 * namespace)? Only then does the kernel exempt the sandbox from
 * RLIMIT_NPROC; root inside a container's user namespace is bound by it.
 */
static int sandbox_is_host_root(void)
{
	char line[128];
	FILE *f;
	unsigned long inside, outside, count;
	int host = 0;

	if (geteuid() != 0)
		return 0;
	f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return 1;
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "%lu %lu %lu", &inside, &outside, &count) == 3)
		host = inside == 0 && outside == 0 && count == 4294967295UL;
	fclose(f);
	return host;
}

static int sandbox_file_has_word(const char *path, const char *word)
{
	char text[512];
	ssize_t n;
	const char *p;
	size_t wl = strlen(word);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	for (p = text; (p = strstr(p, word)); p += wl)
		if ((p == text || p[-1] == ' ') &&
		    (p[wl] == ' ' || p[wl] == '\n' || !p[wl]))
			return 1;
	return 0;
}

/* Is `word` one of the comma-separated names in `list`? */
static int sandbox_file_has_word_list(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (p) {
		if (!strncmp(p, word, wl) && (p[wl] == ',' || !p[wl]))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

/*
 * The pids cgroup that bounds sandboxes when tend is the host's root.
 *
 * Moving a process into a cgroup is slow (tens of milliseconds on a v1
 * hierarchy: the kernel waits for an RCU grace period), far too slow to do
 * for every sandboxed command. So tend moves itself, once, into a cgroup of
 * its own whose pids.max is SANDBOX_MAX_PROCS plus room for tend and its
 * helpers; every sandbox then inherits the membership for free at fork.
 * At exit tend moves back where it was and removes the cgroup.
 */
static char *sandbox_cgroup_dir;	/* ours, or NULL */
static char *sandbox_cgroup_home;	/* the cgroup.procs tend came from */
static int sandbox_cgroup_state;	/* 0 untried, 1 in it, -1 failed */

/* Where tend's pids cgroup lives: base directory and our path below it. */
static int sandbox_cgroup_locate(const char **base, char **path)
{
	char line[4096];
	FILE *f;
	int v2 = !access("/sys/fs/cgroup/cgroup.controllers", F_OK);

	*base = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/pids";
	if (v2) {
		if (!sandbox_file_has_word("/sys/fs/cgroup/cgroup.controllers",
					   "pids"))
			return -1;
	} else if (access("/sys/fs/cgroup/pids/cgroup.procs", W_OK)) {
		return -1;
	}
	if (!(f = fopen("/proc/self/cgroup", "re")))
		return -1;
	*path = NULL;
	while (!*path && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *rest, *nl;

		if (!colon)
			continue;
		rest = strchr(colon + 1, ':');
		if (!rest)
			continue;
		*rest++ = '\0';
		if ((nl = strchr(rest, '\n')))
			*nl = '\0';
		if (v2 ? !strcmp(colon + 1, "") :
		    sandbox_file_has_word_list(colon + 1, "pids"))
			*path = xstrdup(rest);
	}
	fclose(f);
	return *path ? 0 : -1;
}

static void sandbox_cgroup_leave(void)
{
	char num[32];
	int tries;

	if (sandbox_cgroup_state != 1)
		return;
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	if (sandbox_write_file(sandbox_cgroup_home, num) < 0)
		return;
	for (tries = 0; tries < 100; tries++) {
		if (!rmdir(sandbox_cgroup_dir) || errno != EBUSY)
			break;
		usleep(5000);
	}
	sandbox_cgroup_state = 0;
	free(sandbox_cgroup_dir);
	free(sandbox_cgroup_home);
	sandbox_cgroup_dir = sandbox_cgroup_home = NULL;
}

/* Put tend in its pids cgroup (once). 0, or -1 when there is none. */
static int sandbox_cgroup_enter(void)
{
	const char *base;
	char *path = NULL, *file = NULL;
	char num[32];

	if (sandbox_cgroup_state)
		return sandbox_cgroup_state > 0 ? 0 : -1;
	sandbox_cgroup_state = -1;
	if (sandbox_cgroup_locate(&base, &path) < 0)
		return -1;
	if (!strcmp(base, "/sys/fs/cgroup") &&
	    !sandbox_file_has_word("/sys/fs/cgroup/cgroup.subtree_control",
				   "pids") &&
	    sandbox_write_file("/sys/fs/cgroup/cgroup.subtree_control",
			       "+pids") < 0)
		goto fail;
	sandbox_cgroup_home = xasprintf("%s%s/cgroup.procs", base,
					strcmp(path, "/") ? path : "");
	sandbox_cgroup_dir = xasprintf("%s/tend-sandbox.%ld", base,
				       (long)getpid());
	if (mkdir(sandbox_cgroup_dir, 0755) < 0 && errno != EEXIST)
		goto fail;
	file = xasprintf("%s/pids.max", sandbox_cgroup_dir);
	snprintf(num, sizeof(num), "%d", SANDBOX_MAX_PROCS + 64);
	if (sandbox_write_file(file, num) < 0)
		goto fail_dir;
	free(file);
	file = xasprintf("%s/cgroup.procs", sandbox_cgroup_dir);
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	if (sandbox_write_file(file, num) < 0)
		goto fail_dir;
	free(file);
	free(path);
	sandbox_cgroup_state = 1;
	atexit(sandbox_cgroup_leave);
	return 0;
fail_dir:
	rmdir(sandbox_cgroup_dir);
fail:
	free(file);
	free(path);
	free(sandbox_cgroup_dir);
	free(sandbox_cgroup_home);
	sandbox_cgroup_dir = sandbox_cgroup_home = NULL;
	return -1;
}

/* A pipe whose read end holds `text`, for bwrap --ro-bind-data. */
static int sandbox_data_fd(const char *text)
{
	int fds[2], fd;
	size_t len = strlen(text);

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if (write(fds[1], text, len) != (ssize_t)len) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	if (fds[0] > 2)
		return fds[0];
	fd = fcntl(fds[0], F_DUPFD_CLOEXEC, 3);
	close(fds[0]);
	return fd;
}

/*
 * The real path of the work tree, refused when it is "/" or would expose
 * tend's home directory (the home is the work tree or inside it).
 */
static int sandbox_worktree(char **out, const char *worktree,
			    struct buf *err)
{
	char *real = realpath(worktree, NULL), *home_real = NULL;
	const char *home = getenv("HOME");
	struct stat st;
	int rc = 0;

	if (!real)
		return error_set(err, TEND_EINVALID,
				 "cannot use '%s' as the work tree: %s",
				 worktree, strerror(errno));
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = error_set(err, TEND_EINVALID,
			       "cannot use '%s' as the work tree: not a "
			       "directory", worktree);
		goto out;
	}
	if (!strcmp(real, "/")) {
		rc = error_set(err, TEND_EINVALID,
			       "refusing to use '/' as the sandbox work tree");
		goto out;
	}
	if (home && *home && (home_real = realpath(home, NULL))) {
		size_t n = strlen(real);

		if (!strncmp(home_real, real, n) &&
		    (home_real[n] == '/' || !home_real[n])) {
			rc = error_set(err, TEND_EINVALID,
				       "refusing to use '%s' as the sandbox "
				       "work tree: it contains the home "
				       "directory '%s' and its credentials",
				       real, home_real);
			goto out;
		}
	}
	{
		char *git = xasprintf("%s/.git", real);

		/*
		 * bwrap follows a symbolic link when it binds .git, so a link
		 * planted by an earlier sandboxed command would mount what it
		 * points to (a host directory) into the next sandbox.
		 */
		if (!lstat(git, &st) && !S_ISDIR(st.st_mode) &&
		    !S_ISREG(st.st_mode)) {
			rc = error_set(err, TEND_EINVALID,
				       "refusing to sandbox '%s': its '.git' is "
				       "a symbolic link or a special file",
				       real);
			free(git);
			goto out;
		}
		free(git);
	}
	*out = real;
	real = NULL;
out:
	free(real);
	free(home_real);
	return rc;
}

static long sandbox_memory_mb(const struct sandbox_opts *o);

/*
 * The .git entries of a work tree.
 *
 * Host git follows every `.git` below the work tree: the top-level one, a
 * submodule's gitdir pointer file, a nested repository's directory. A
 * command that could rewrite one, or plant one where there was none (at
 * the path of a submodule it moved away, say), would steer host git, run
 * later in the same checkout by tend or by the CI job's own steps (a
 * `git submodule foreach` in actions/checkout's clean-up), to a config
 * with a core.fsmonitor or hooks of its choosing. And the git directories
 * hold the checkout's credentials: an http extraheader or a URL with a
 * token in any config (the top one, each submodule's under
 * .git/modules/NAME/ where NAME may hold slashes, nested submodules' below
 * those, config.worktree of linked work trees), and a URL with credentials
 * in FETCH_HEAD and the reflogs when a fetch was given one.
 *
 * So before a command runs, the work tree is walked for every `.git`
 * (without following symbolic links, within bounds); each one is bound
 * read-only over itself, and each git directory is walked for the files
 * that can hold credentials, which the sandbox then sees empty. After the
 * command, the walk is repeated, and every `.git` that is not the same
 * file at the same place as before is taken away.
 *
 * The walks are bounded in entries and depth. A work tree past a bound
 * before the command is refused (tend cannot vouch for what it did not
 * see); past a bound after it, the run is an error.
 */
#define SANDBOX_SCAN_MAX_ENTRIES 2000000
#define SANDBOX_SCAN_MAX_DEPTH 128
#define SANDBOX_SCAN_MAX_MOUNTS 2048
#define SANDBOX_SCAN_WARN_MAX 5

struct sandbox_dotgit {
	char *rel;		/* below the work tree: "libs/foo/.git" */
	dev_t dev;
	ino_t ino;
	mode_t mode;
};

struct sandbox_scan {
	/* After the command: what was there before; NULL for the first walk. */
	const struct sandbox_scan *before;
	/*
	 * An empty read-only file on the host, bound over each file that can
	 * hold a credential. Not /dev/null: the work tree is mounted nodev,
	 * where a device node cannot be opened, and git refuses to work with
	 * a config it cannot read.
	 */
	char *empty;
	struct sandbox_dotgit *gits;	/* the first walk's .git entries */
	size_t nr, alloc;
	struct sandbox_vec mounts;	/* bwrap arguments protecting them */
	size_t nr_mounts;
	size_t entries;			/* directory entries seen */
	size_t removed;			/* after: .git entries removed */
	int over;			/* a bound was reached */
	int failed;			/* after: a removal failed */
};

static void sandbox_scan_release(struct sandbox_scan *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->gits[i].rel);
	free(s->gits);
	sandbox_vec_release(&s->mounts);
	if (s->empty)
		unlink(s->empty);
	free(s->empty);
	memset(s, 0, sizeof(*s));
}

/* Git itself refuses every case variant of ".git" as a path component. */
static int sandbox_is_dotgit(const char *name)
{
	return !strcasecmp(name, ".git");
}

/*
 * Open directory `name` of `dfd` without following a link. A directory
 * the command made unreadable is made readable again first: it runs as
 * our uid, so whatever it could hide, we own. -1 when it is not a
 * directory or cannot be read; `over` is set for a failure that would
 * leave something unseen.
 */
static int sandbox_scan_open(struct sandbox_scan *s, int dfd,
			     const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == EACCES &&
	    !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    !fchmodat(dfd, name, (st.st_mode & 07777) | S_IRWXU, 0))
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
	if (fd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP &&
	    errno != EACCES && errno != EPERM)
		s->over = 1;
	return fd;
}

static void sandbox_scan_mount(struct sandbox_scan *s, const char *opt,
			       const char *src, const char *dst)
{
	if (++s->nr_mounts > SANDBOX_SCAN_MAX_MOUNTS) {
		s->over = 1;
		return;
	}
	sandbox_vec_push(&s->mounts, opt);
	if (src)
		sandbox_vec_push(&s->mounts, src);
	sandbox_vec_push(&s->mounts, dst);
}

/* A file in a git directory that can hold a credential. */
static int sandbox_credential_file(const char *name)
{
	return !strcmp(name, "config") || !strcmp(name, "config.worktree") ||
	       !strcmp(name, "FETCH_HEAD") || strcasestr(name, "credential");
}

static int sandbox_has_regular(int dfd, const char *name)
{
	struct stat st;

	return !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISREG(st.st_mode);
}

/*
 * Hide what in the git directory `path` (open as `dfd`, which this
 * closes) can hold a credential: every file named like one, anywhere
 * below, becomes empty; reflogs become an empty read-only directory.
 * Objects and refs hold none and can be many, so they are not walked.
 */
static void sandbox_scan_gitdir(struct sandbox_scan *s, int dfd,
				struct buf *path, int depth)
{
	int gitdir = depth == 0 || sandbox_has_regular(dfd, "HEAD");
	size_t base = path->len;
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (!d) {
		close(dfd);
		s->over = 1;
		return;
	}
	while (!s->over && (de = readdir(d))) {
		const char *name = de->d_name;
		unsigned char type = de->d_type;
		struct stat st;
		int sub;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (++s->entries > SANDBOX_SCAN_MAX_ENTRIES) {
			s->over = 1;
			break;
		}
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW))
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR :
				S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		}
		buf_truncate(path, base);
		buf_putc(path, '/');
		buf_puts(path, name);
		if (type == DT_REG) {
			if (sandbox_credential_file(name))
				sandbox_scan_mount(s, "--ro-bind", s->empty,
						   path->ptr);
			continue;
		}
		if (type != DT_DIR)
			continue;
		if (gitdir && (!strcmp(name, "objects") ||
			       !strcmp(name, "refs") || !strcmp(name, "lfs")))
			continue;
		if (gitdir && !strcmp(name, "logs")) {
			sandbox_scan_mount(s, "--tmpfs", NULL, path->ptr);
			sandbox_scan_mount(s, "--remount-ro", NULL, path->ptr);
			continue;
		}
		if (depth >= SANDBOX_SCAN_MAX_DEPTH) {
			s->over = 1;
			break;
		}
		if ((sub = sandbox_scan_open(s, dirfd(d), name)) >= 0)
			sandbox_scan_gitdir(s, sub, path, depth + 1);
	}
	buf_truncate(path, base);
	closedir(d);
}

static const struct sandbox_dotgit *
sandbox_scan_find(const struct sandbox_scan *s, const char *rel)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->gits[i].rel, rel))
			return &s->gits[i];
	return NULL;
}

static int sandbox_scan_had_inode(const struct sandbox_scan *s,
				  const struct stat *st)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->gits[i].dev == st->st_dev &&
		    s->gits[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* Remove `name` of `dfd` and all below it, links not followed. */
static int sandbox_rm_tree(int dfd, const char *name, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, progress;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0);
	if (depth >= SANDBOX_SCAN_MAX_DEPTH)
		return -1;
	fchmodat(dfd, name, 0700, 0);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Entries removed while reading may hide others: read again. */
	do {
		progress = 0;
		rewinddir(d);
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			if (!sandbox_rm_tree(dirfd(d), de->d_name, depth + 1))
				progress = 1;
		}
	} while (progress);
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR);
}

/*
 * Take away the `.git` entry `name` of `dfd` (shown as `rel`). A directory
 * is renamed out of git's sight first, so that even a removal that fails
 * halfway leaves nothing git would follow.
 */
static void sandbox_scan_remove(struct sandbox_scan *s, int dfd,
				const char *name, const char *rel,
				const struct stat *st)
{
	char aside[64];
	struct stat dst;
	int i, ok = 0;

	/* The command may have taken the write bit off the directory. */
	if (!fstat(dfd, &dst) && !(dst.st_mode & S_IWUSR))
		fchmod(dfd, (dst.st_mode & 07777) | S_IRWXU);
	if (!S_ISDIR(st->st_mode)) {
		ok = !unlinkat(dfd, name, 0);
	} else {
		int e = EEXIST;

		for (i = 0; i < 1000 && e == EEXIST; i++) {
			snprintf(aside, sizeof(aside),
				 ".tend-removed-git.%ld.%d", (long)getpid(), i);
			e = renameat2(dfd, name, dfd, aside,
				      RENAME_NOREPLACE) ? errno : 0;
		}
		if (!e) {
			ok = 1;
			if (sandbox_rm_tree(dfd, aside, 0) < 0)
				log_warn("cannot remove '%s' completely; what "
					 "is left of it is in '%s'", rel,
					 aside);
		} else {
			ok = !sandbox_rm_tree(dfd, name, 0);
		}
	}
	if (!ok) {
		s->failed = 1;
		log_warn("the sandboxed command created '%s' and it cannot "
			 "be removed: %s; do not run git in this work tree",
			 rel, strerror(errno));
		return;
	}
	if (++s->removed <= SANDBOX_SCAN_WARN_MAX)
		log_warn("the sandboxed command created or replaced '%s'; "
			 "removed", rel);
}

/*
 * A `.git` entry found by a walk. The first walk records it; the walk
 * after the command says whether to take it away (into `drop`): anything
 * not the same file at the same place as before, except a directory that
 * was there before under another name (the command moved a nested
 * repository: removing it would lose its history, and it is the genuine
 * one, read-only during the run).
 */
static void sandbox_scan_found(struct sandbox_scan *s, int dfd,
			       const char *name, const char *rel,
			       struct sandbox_vec *drop)
{
	const struct sandbox_dotgit *was;
	struct sandbox_dotgit *g;
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return;
	if (!s->before) {
		ALLOC_GROW(s->gits, s->nr, s->alloc);
		g = &s->gits[s->nr++];
		g->rel = xstrdup(rel);
		g->dev = st.st_dev;
		g->ino = st.st_ino;
		g->mode = st.st_mode;
		return;
	}
	was = sandbox_scan_find(s->before, rel);
	if (was && was->dev == st.st_dev && was->ino == st.st_ino &&
	    (was->mode & S_IFMT) == (st.st_mode & S_IFMT))
		return;
	if (S_ISDIR(st.st_mode) && sandbox_scan_had_inode(s->before, &st)) {
		log_warn("the sandboxed command moved a repository's .git "
			 "directory to '%s'", rel);
		return;
	}
	sandbox_vec_push(drop, name);
}

/* Walk the directory `dfd` (closed here) for `.git` entries. */
static void sandbox_scan_tree(struct sandbox_scan *s, int dfd,
			      struct buf *rel, int depth)
{
	struct sandbox_vec drop = { 0 };
	size_t base = rel->len, i;
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (!d) {
		close(dfd);
		s->over = 1;
		return;
	}
	while (!s->over && (de = readdir(d))) {
		const char *name = de->d_name;
		int sub;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (++s->entries > SANDBOX_SCAN_MAX_ENTRIES) {
			s->over = 1;
			break;
		}
		buf_truncate(rel, base);
		if (base)
			buf_putc(rel, '/');
		buf_puts(rel, name);
		if (sandbox_is_dotgit(name)) {
			sandbox_scan_found(s, dirfd(d), name, rel->ptr, &drop);
			continue;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if ((sub = sandbox_scan_open(s, dirfd(d), name)) < 0)
			continue;
		if (depth >= SANDBOX_SCAN_MAX_DEPTH) {
			close(sub);
			s->over = 1;
			break;
		}
		sandbox_scan_tree(s, sub, rel, depth + 1);
	}
	for (i = 0; i < drop.nr; i++) {
		struct stat st;

		buf_truncate(rel, base);
		if (base)
			buf_putc(rel, '/');
		buf_puts(rel, drop.v[i]);
		if (!fstatat(dirfd(d), drop.v[i], &st, AT_SYMLINK_NOFOLLOW))
			sandbox_scan_remove(s, dirfd(d), drop.v[i], rel->ptr,
					    &st);
	}
	buf_truncate(rel, base);
	sandbox_vec_release(&drop);
	closedir(d);
}

static int sandbox_scan_walk(struct sandbox_scan *s, const char *root)
{
	struct buf rel = BUF_INIT;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	sandbox_scan_tree(s, fd, &rel, 0);
	buf_release(&rel);
	return 0;
}

/* Is `path` `dir` or below it? */
static int sandbox_path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/*
 * The git directory a pointer file `.git` (at `abs`) names, as a real
 * path, when it lies inside the work tree `root` but outside every `.git`
 * directory found there (those are protected anyway); else NULL. Such a
 * directory is part of the work tree, so it gets the protection of a
 * `.git` directory. The caller frees the result.
 */
static char *sandbox_pointer_target(const struct sandbox_scan *s,
				    const char *root, const char *abs)
{
	char text[4096], *nl, *target = NULL, *real = NULL;
	const char *p;
	ssize_t n;
	size_t i;
	struct stat st;
	int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 8 || strncmp(text, "gitdir:", 7))
		return NULL;
	text[n] = '\0';
	if ((nl = strpbrk(text, "\r\n")))
		*nl = '\0';
	for (p = text + 7; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '/') {
		target = xstrdup(p);
	} else {
		const char *slash = strrchr(abs, '/');

		target = xasprintf("%.*s/%s", (int)(slash - abs), abs, p);
	}
	real = realpath(target, NULL);
	free(target);
	if (!real || !sandbox_path_under(real, root) || !strcmp(real, root) ||
	    stat(real, &st) || !S_ISDIR(st.st_mode))
		goto none;
	for (i = 0; i < s->nr; i++) {
		char *dir;
		int under;

		if (!S_ISDIR(s->gits[i].mode))
			continue;
		dir = xasprintf("%s/%s", root, s->gits[i].rel);
		under = sandbox_path_under(real, dir);
		free(dir);
		if (under)
			goto none;
	}
	return real;
none:
	free(real);
	return NULL;
}

static int sandbox_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Bind `abs` read-only over itself and, if a directory, hide inside. */
static void sandbox_scan_protect(struct sandbox_scan *s, const char *abs,
				 int dir)
{
	struct buf path = BUF_INIT;
	int fd;

	sandbox_scan_mount(s, "--ro-bind", abs, abs);
	if (!dir)
		return;
	fd = open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		s->over = 1;
		return;
	}
	buf_puts(&path, abs);
	sandbox_scan_gitdir(s, fd, &path, 0);
	buf_release(&path);
}

/*
 * The first walk of the work tree `root` (a real path): every `.git` in
 * it, and the bwrap arguments that protect them. TEND_EINVALID when the
 * work tree is past a bound.
 */
static int sandbox_scan_before(struct sandbox_scan *s, const char *root,
			       struct buf *err)
{
	struct sandbox_vec targets = { 0 };
	const char *tmp = getenv("TMPDIR");
	size_t i;
	int fd;

	memset(s, 0, sizeof(*s));
	s->empty = xasprintf("%s/tend-empty.XXXXXX",
			     tmp && *tmp == '/' ? tmp : "/tmp");
	if ((fd = mkstemp(s->empty)) < 0) {
		int e = errno;

		free(s->empty);
		s->empty = NULL;
		return error_set(err, TEND_ERROR, "cannot create a temporary "
				 "file in '%s': %s",
				 tmp && *tmp == '/' ? tmp : "/tmp",
				 strerror(e));
	}
	fchmod(fd, 0444);
	close(fd);
	if (sandbox_scan_walk(s, root) < 0)
		return error_set(err, TEND_EINVALID,
				 "cannot read the work tree '%s': %s", root,
				 strerror(errno));
	for (i = 0; !s->over && i < s->nr; i++) {
		char *abs, *target;

		if (!S_ISREG(s->gits[i].mode))
			continue;
		abs = xasprintf("%s/%s", root, s->gits[i].rel);
		if ((target = sandbox_pointer_target(s, root, abs))) {
			sandbox_vec_push(&targets, target);
			free(target);
		}
		free(abs);
	}
	/* A parent directory before what it contains. */
	if (targets.nr)
		qsort(targets.v, targets.nr, sizeof(*targets.v),
		      sandbox_cmp_str);
	for (i = 0; !s->over && i < targets.nr; i++)
		if (!i || !sandbox_path_under(targets.v[i], targets.v[i - 1]))
			sandbox_scan_protect(s, targets.v[i], 1);
	for (i = 0; !s->over && i < s->nr; i++) {
		mode_t m = s->gits[i].mode;
		char *abs;

		/* A link would be followed by the bind: it stays as it is. */
		if (!S_ISREG(m) && !S_ISDIR(m))
			continue;
		abs = xasprintf("%s/%s", root, s->gits[i].rel);
		if (strlen(abs) >= PATH_MAX)
			s->over = 1;
		else
			sandbox_scan_protect(s, abs, S_ISDIR(m));
		free(abs);
	}
	sandbox_vec_release(&targets);
	if (s->over)
		return error_set(err, TEND_EINVALID,
				 "refusing to sandbox '%s': it has more than "
				 "%d files and directories, more than %d "
				 "levels, or more than %d git files to "
				 "protect; tend must see every .git in a work "
				 "tree to keep the sandbox from its "
				 "credentials", root,
				 SANDBOX_SCAN_MAX_ENTRIES,
				 SANDBOX_SCAN_MAX_DEPTH,
				 SANDBOX_SCAN_MAX_MOUNTS);
	return 0;
}

/*
 * The walk after the command: every `.git` that `before` does not know
 * is taken away. TEND_ERROR when the work tree is now past a bound, or a
 * planted `.git` could not be removed.
 */
static int sandbox_scan_after(const struct sandbox_scan *before,
			      const char *root, struct buf *err)
{
	struct sandbox_scan s;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.before = before;
	if (sandbox_scan_walk(&s, root) < 0)
		s.over = 1;
	if (s.removed > SANDBOX_SCAN_WARN_MAX)
		log_warn("the sandboxed command created %zu more .git entries; "
			 "removed", s.removed - SANDBOX_SCAN_WARN_MAX);
	if (s.over)
		rc = error_set(err, TEND_ERROR,
			       "the sandboxed command left more than %d files "
			       "and directories or more than %d levels in "
			       "'%s': tend cannot check it for planted .git "
			       "entries; do not run git in this work tree",
			       SANDBOX_SCAN_MAX_ENTRIES,
			       SANDBOX_SCAN_MAX_DEPTH, root);
	else if (s.failed)
		rc = error_set(err, TEND_ERROR,
			       "a .git the sandboxed command planted in '%s' "
			       "cannot be removed", root);
	sandbox_scan_release(&s);
	return rc;
}

static void sandbox_bwrap_args(struct sandbox_vec *a, const char *bwrap,
			       const struct sandbox_opts *o,
			       const char *worktree,
			       const struct sandbox_scan *scan, int passwd_fd,
			       int group_fd)
{
	char num[32], size[32];
	const char *const *p;
	long mem = sandbox_memory_mb(o);
	struct stat st;

	snprintf(size, sizeof(size), "%llu", (unsigned long long)mem << 20);
	sandbox_vec_push(a, bwrap);
	sandbox_vec_push(a, "--unshare-user");
	snprintf(num, sizeof(num), "%d", SANDBOX_UID);
	sandbox_vec_push2(a, "--uid", num);
	sandbox_vec_push2(a, "--gid", num);
	sandbox_vec_push(a, "--disable-userns");
	sandbox_vec_push(a, "--unshare-pid");
	sandbox_vec_push(a, "--unshare-ipc");
	sandbox_vec_push(a, "--unshare-uts");
	sandbox_vec_push(a, "--unshare-cgroup-try");
	if (!o->network)
		sandbox_vec_push(a, "--unshare-net");
	sandbox_vec_push2(a, "--hostname", "tend-sandbox");
	sandbox_vec_push(a, "--die-with-parent");
	sandbox_vec_push(a, "--new-session");
	sandbox_vec_push2(a, "--cap-drop", "ALL");

	sandbox_vec_push3(a, "--ro-bind", "/usr", "/usr");
	for (p = sandbox_root_dirs; *p; p++) {
		char target[PATH_MAX];
		ssize_t n;

		if (lstat(*p, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			n = readlink(*p, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			sandbox_vec_push3(a, "--symlink", target, *p);
		} else if (S_ISDIR(st.st_mode)) {
			sandbox_vec_push3(a, "--ro-bind", *p, *p);
		}
	}
	/*
	 * Not all of /opt: a self-hosted runner may keep its credentials
	 * there. The hosted tool cache is what tests may need.
	 */
	sandbox_vec_push3(a, "--ro-bind-try", "/opt/hostedtoolcache",
			  "/opt/hostedtoolcache");
	sandbox_vec_push2(a, "--proc", "/proc");
	sandbox_vec_push2(a, "--dev", "/dev");
	sandbox_vec_push2(a, "--size", size);
	sandbox_vec_push2(a, "--tmpfs", "/tmp");
	sandbox_vec_push2(a, "--size", size);
	sandbox_vec_push2(a, "--tmpfs", "/var/tmp");
	sandbox_vec_push2(a, "--size", size);
	sandbox_vec_push2(a, "--tmpfs", "/home");
	sandbox_vec_push2(a, "--dir", SANDBOX_HOME);
	sandbox_vec_push2(a, "--dir", "/etc");
	for (p = sandbox_etc_files; *p; p++)
		sandbox_vec_push3(a, "--ro-bind-try", *p, *p);
	if (o->network)
		sandbox_vec_push3(a, "--ro-bind-try", "/etc/resolv.conf",
				  "/etc/resolv.conf");
	sandbox_vec_push3(a, "--symlink", "../proc/self/mounts", "/etc/mtab");
	snprintf(num, sizeof(num), "%d", passwd_fd);
	sandbox_vec_push3(a, "--ro-bind-data", num, "/etc/passwd");
	snprintf(num, sizeof(num), "%d", group_fd);
	sandbox_vec_push3(a, "--ro-bind-data", num, "/etc/group");

	if (worktree) {
		size_t i;

		sandbox_vec_push3(a, o->readonly_worktree ? "--ro-bind" :
				  "--bind", worktree, worktree);
		/*
		 * Every .git below, a directory or a gitdir file alike,
		 * read-only: hooks, configs and objects cannot be written and
		 * no gitdir pointer can be redirected. Each is a mount point,
		 * so it cannot be renamed or removed either. What in the git
		 * directories can hold a credential (an http extraheader, a
		 * URL with a token) is seen empty: git works without it.
		 */
		for (i = 0; scan && i < scan->mounts.nr; i++)
			sandbox_vec_push(a, scan->mounts.v[i]);
		sandbox_vec_push2(a, "--chdir", worktree);
	} else {
		sandbox_vec_push2(a, "--chdir", SANDBOX_HOME);
	}
	sandbox_vec_push(a, "--");
	for (p = o->argv; *p; p++)
		sandbox_vec_push(a, *p);
}

/* The environment: the base list with HOME/TMPDIR replaced, plus extras. */
static int sandbox_env(struct sandbox_vec *env, const struct sandbox_opts *o,
		       const char *home, const char *tmp, struct buf *err)
{
	const char *const *p;

	for (p = sandbox_base_env; *p; p++) {
		if (home && !strncmp(*p, "HOME=", 5)) {
			char *s = xasprintf("HOME=%s", home);

			sandbox_vec_push(env, s);
			free(s);
		} else if (tmp && !strncmp(*p, "TMPDIR=", 7)) {
			char *s = xasprintf("TMPDIR=%s", tmp);

			sandbox_vec_push(env, s);
			free(s);
		} else {
			sandbox_vec_push(env, *p);
		}
	}
	/*
	 * Python's bytecode goes to the run's own temporary directory: a
	 * cache in the work tree can outlive an edit made in the same second
	 * that keeps the file's size (Python checks only those two), and a
	 * test run after a fix would then run the old code.
	 */
	{
		char *s = xasprintf("PYTHONPYCACHEPREFIX=%s/.pycache",
				    tmp ? tmp : "/tmp");

		sandbox_vec_push(env, s);
		free(s);
	}
	for (p = o->env; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		const char *const *s;

		if (!eq || eq == *p)
			return error_set(err, TEND_EINVALID,
					 "bad sandbox environment entry '%s'",
					 *p);
		for (s = redact_secret_env; *s; s++)
			if (strlen(*s) == (size_t)(eq - *p) &&
			    !strncmp(*s, *p, (size_t)(eq - *p)))
				return error_set(err, TEND_EINVALID,
						 "refusing to pass '%s' into "
						 "the sandbox", *s);
		if (redact_env_name_is_secret(*p, (size_t)(eq - *p)))
			return error_set(err, TEND_EINVALID,
					 "refusing to pass '%.*s' into the "
					 "sandbox: its name says it holds a "
					 "secret", (int)(eq - *p), *p);
		if (redact_contains(eq + 1, strlen(eq + 1)))
			return error_set(err, TEND_EINVALID,
					 "refusing to pass a secret into the "
					 "sandbox in '%.*s'",
					 (int)(eq - *p), *p);
		sandbox_vec_push(env, *p);
	}
	return 0;
}

/*
 * The limits as given, within bounds: the values come from a config a
 * contributor may write, and an overflow must not turn "large" into "none".
 */
#define SANDBOX_MAX_TIMEOUT (7L * 24 * 3600)
#define SANDBOX_MAX_MEMORY_MB (1L << 20)

static long sandbox_memory_mb(const struct sandbox_opts *o)
{
	long mem = o->memory_mb > 0 ? o->memory_mb : SANDBOX_DEFAULT_MEMORY_MB;

	return mem > SANDBOX_MAX_MEMORY_MB ? SANDBOX_MAX_MEMORY_MB : mem;
}

static void sandbox_limits(struct proc_opts *po, const struct sandbox_opts *o)
{
	long timeout = o->timeout_s > 0 ? o->timeout_s :
		SANDBOX_DEFAULT_TIMEOUT;
	long mem = sandbox_memory_mb(o);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpu < 1)
		ncpu = 1;
	if (timeout > SANDBOX_MAX_TIMEOUT)
		timeout = SANDBOX_MAX_TIMEOUT;
	po->timeout_ms = timeout * 1000;
	po->kill_grace_ms = o->kill_grace_ms;
	/*
	 * CPU time counts every thread of a process, so a parallel build may
	 * use up to ncpu seconds per wall-clock second.
	 */
	po->limits.cpu_seconds = (unsigned long long)timeout * ncpu + 10;
	po->limits.address_space = (unsigned long long)mem << 20;
	po->limits.processes = SANDBOX_MAX_PROCS;
	po->limits.file_size = SANDBOX_MAX_FILE_BYTES;
	po->limits.open_files = SANDBOX_MAX_OPEN_FILES;
	po->output_cap = o->output_cap;
	po->merge_output = !o->separate_stderr;
}

static int sandbox_rm_one(const char *path, const struct stat *st, int flag,
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

/* sandbox.mode none: the same environment and limits, no isolation. */
static int sandbox_run_unsandboxed(struct proc_result *out,
				   const struct sandbox_opts *o,
				   const char *worktree, struct buf *err)
{
	struct sandbox_vec env = { 0 };
	struct proc_opts po;
	const char *tmp = getenv("TMPDIR");
	char *root = xasprintf("%s/tend-nosandbox.XXXXXX",
			       tmp && *tmp ? tmp : "/tmp");
	char *home = NULL, *tmpdir = NULL;
	int rc;

	if (!mkdtemp(root)) {
		rc = error_set(err, TEND_ERROR,
			       "cannot create a temporary directory '%s': %s",
			       root, strerror(errno));
		free(root);
		return rc;
	}
	home = xasprintf("%s/home", root);
	tmpdir = xasprintf("%s/tmp", root);
	if (mkdir(home, 0700) < 0 || mkdir(tmpdir, 0700) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot create '%s': %s",
			       home, strerror(errno));
		goto out;
	}
	if ((rc = sandbox_env(&env, o, home, tmpdir, err)) < 0)
		goto out;
	proc_opts_init(&po);
	po.argv = o->argv;
	po.env = (const char *const *)env.v;
	po.search_path = 1;
	po.cwd = worktree ? worktree : home;
	sandbox_limits(&po, o);
	rc = proc_run(out, &po, err);
out:
	nftw(root, sandbox_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	sandbox_vec_release(&env);
	free(home);
	free(tmpdir);
	free(root);
	return rc;
}

/* Run through bwrap; the probe has said it works. */
static int sandbox_run_bwrap(struct proc_result *out,
			     const struct sandbox_opts *o, const char *bwrap,
			     const char *worktree,
			     const struct sandbox_scan *scan, struct buf *err)
{
	static int warned_nproc;
	struct sandbox_vec args = { 0 }, env = { 0 };
	struct proc_opts po;
	int passwd_fd = -1, group_fd = -1, rc;

	if ((rc = sandbox_env(&env, o, NULL, NULL, err)) < 0)
		goto out;
	passwd_fd = sandbox_data_fd(sandbox_passwd);
	group_fd = sandbox_data_fd(sandbox_group);
	if (passwd_fd < 0 || group_fd < 0) {
		rc = error_set(err, TEND_ERROR, "cannot create a pipe: %s",
			       strerror(errno));
		goto out;
	}
	sandbox_bwrap_args(&args, bwrap, o, worktree, scan, passwd_fd,
			   group_fd);

	proc_opts_init(&po);
	po.argv = (const char *const *)args.v;
	po.env = (const char *const *)env.v;
	po.keep_fds[po.nr_keep_fds++] = passwd_fd;
	po.keep_fds[po.nr_keep_fds++] = group_fd;
	sandbox_limits(&po, o);
	if (sandbox_is_host_root() && sandbox_cgroup_enter() < 0) {
		if (!warned_nproc) {
			warned_nproc = 1;
			log_warn("tend runs as root and no pids cgroup "
				 "could be created: the sandbox's process "
				 "count is not limited (only its time is)");
		}
	}
	rc = proc_run(out, &po, err);
out:
	if (passwd_fd >= 0)
		close(passwd_fd);
	if (group_fd >= 0)
		close(group_fd);
	sandbox_vec_release(&args);
	sandbox_vec_release(&env);
	return rc;
}

static int sandbox_probed;
static int sandbox_probe_rc;
static struct buf sandbox_probe_msg = BUF_INIT;
static char *sandbox_probe_bwrap;

void sandbox_probe_reset(void)
{
	sandbox_probed = 0;
	sandbox_probe_rc = 0;
	buf_release(&sandbox_probe_msg);
	free(sandbox_probe_bwrap);
	sandbox_probe_bwrap = NULL;
}

static int sandbox_in_container(void)
{
	return !access("/.dockerenv", F_OK) ||
	       !access("/run/.containerenv", F_OK);
}

/* The remedies for a kernel or container that refuses user namespaces. */
static void sandbox_userns_remedy(struct buf *m)
{
	int any = 0;

	if (sandbox_read_long(
		    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
	    == 1) {
		buf_puts(m, "; AppArmor restricts unprivileged user "
			 "namespaces: run 'sudo sysctl -w "
			 "kernel.apparmor_restrict_unprivileged_userns=0' "
			 "before tend (on GitHub-hosted Ubuntu runners, as an "
			 "earlier step)");
		any = 1;
	}
	if (sandbox_read_long("/proc/sys/kernel/unprivileged_userns_clone")
	    == 0) {
		buf_puts(m, "; unprivileged user namespaces are disabled: run "
			 "'sudo sysctl -w kernel.unprivileged_userns_clone=1'");
		any = 1;
	}
	if (sandbox_read_long("/proc/sys/user/max_user_namespaces") == 0) {
		buf_puts(m, "; user namespaces are disabled: run 'sudo sysctl "
			 "-w user.max_user_namespaces=15000'");
		any = 1;
	}
	/* Nothing identified: name both places the block may come from. */
	if (!any)
		buf_puts(m, "; on the host, allow unprivileged user "
			 "namespaces with 'sudo sysctl -w "
			 "kernel.unprivileged_userns_clone=1' or 'sudo sysctl "
			 "-w kernel.apparmor_restrict_unprivileged_userns=0'");
	if (sandbox_in_container() || !any)
		buf_puts(m, "; in a container, user namespaces need the "
			 "container to allow them: 'docker run "
			 "--security-opt seccomp=unconfined --security-opt "
			 "apparmor=unconfined' (or 'privileged = true' for "
			 "a GitLab runner's docker executor)");
}

#define SANDBOX_NONE_HINT \
	" (or set TEND_SANDBOX_MODE=none in the job to run unsandboxed " \
	"- dangerous: the commands then see this machine, its network and " \
	"your files)"

/* The first line of bwrap's complaint, for the message. */
static void sandbox_first_line(struct buf *dst, const struct buf *src)
{
	const char *p = src->ptr, *nl;

	while (*p == '\n')
		p++;
	nl = strchr(p, '\n');
	buf_add(dst, p, nl ? (size_t)(nl - p) : strlen(p));
	buf_rtrim(dst);
}

/*
 * The bwrap binary to start, checked without starting it: it exists and is
 * executable. A new string in *out, or TEND_EUNAVAIL with the remedy in `m`.
 */
static int sandbox_locate(char **out, struct buf *m)
{
	struct stat st;
	char *bwrap = sandbox_bwrap_path();
	const char *env = getenv("TEND_BWRAP");

	if (!bwrap) {
		buf_puts(m, "the sandbox is unavailable: bwrap (bubblewrap) "
			 "not found in PATH; install it with 'sudo apt-get "
			 "install bubblewrap' (Debian, Ubuntu), 'sudo dnf "
			 "install bubblewrap' (Fedora) or 'apk add "
			 "bubblewrap' (Alpine)" SANDBOX_NONE_HINT);
		return TEND_EUNAVAIL;
	}
	if (stat(bwrap, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(bwrap, X_OK) < 0) {
		buf_printf(m, "the sandbox is unavailable: bwrap not found at "
			   "'%s'%s; install it with 'sudo apt-get install "
			   "bubblewrap' (Debian, Ubuntu) or 'sudo dnf install "
			   "bubblewrap' (Fedora)%s" SANDBOX_NONE_HINT, bwrap,
			   env && *env ? " (from TEND_BWRAP)" : "",
			   env && *env ? " and unset TEND_BWRAP" : "");
		free(bwrap);
		return TEND_EUNAVAIL;
	}
	*out = bwrap;
	return 0;
}

static int sandbox_probe_run(struct buf *m)
{
	const char *const argv[] = { "true", NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf line = BUF_INIT, perr = BUF_INIT;
	char *bwrap = NULL;
	int rc = 0;

	proc_result_init(&r);
	if ((rc = sandbox_locate(&bwrap, m)) < 0)
		goto out;
	sandbox_opts_init(&o);
	o.argv = argv;
	o.timeout_s = 20;
	o.output_cap = 64 * 1024;
	if ((rc = sandbox_run_bwrap(&r, &o, bwrap, NULL, NULL, &perr)) < 0) {
		buf_printf(m, "the sandbox is unavailable: cannot run '%s': "
			   "%s" SANDBOX_NONE_HINT, bwrap, perr.ptr);
		rc = TEND_EUNAVAIL;
		goto out;
	}
	if (!r.timed_out && !r.signal && r.exit_code == 0) {
		sandbox_probe_bwrap = bwrap;
		bwrap = NULL;
		goto out;
	}
	rc = TEND_EUNAVAIL;
	sandbox_first_line(&line, &r.out);
	if (r.timed_out) {
		buf_printf(m, "the sandbox is unavailable: '%s' did not start "
			   "a sandbox within 20 s" SANDBOX_NONE_HINT, bwrap);
	} else if (strstr(r.out.ptr, "--disable-userns") ||
		   strstr(r.out.ptr, "Unknown option")) {
		buf_printf(m, "the sandbox is unavailable: '%s' is too old "
			   "(%s); tend needs bubblewrap 0.8.0 or later for "
			   "--disable-userns: upgrade the bubblewrap package"
			   SANDBOX_NONE_HINT, bwrap, line.ptr);
	} else if (strstr(r.out.ptr, "namespace") ||
		   strstr(r.out.ptr, "uid map") ||
		   strstr(r.out.ptr, "Operation not permitted") ||
		   strstr(r.out.ptr, "Permission denied")) {
		buf_printf(m, "the sandbox is unavailable: bwrap cannot create "
			   "user namespaces here (%s)", line.ptr);
		sandbox_userns_remedy(m);
		buf_puts(m, SANDBOX_NONE_HINT);
	} else {
		buf_printf(m, "the sandbox is unavailable: '%s' failed to "
			   "start a sandbox (", bwrap);
		if (line.len)
			buf_add(m, line.ptr, line.len);
		else
			proc_describe_end(m, &r);
		buf_puts(m, ")");
		sandbox_userns_remedy(m);
		buf_puts(m, SANDBOX_NONE_HINT);
	}
out:
	proc_result_release(&r);
	buf_release(&line);
	buf_release(&perr);
	free(bwrap);
	return rc;
}

int sandbox_probe(struct buf *err)
{
	if (!sandbox_probed) {
		buf_reset(&sandbox_probe_msg);
		sandbox_probe_rc = sandbox_probe_run(&sandbox_probe_msg);
		sandbox_probed = 1;
		if (sandbox_probe_rc)
			log_debug("sandbox probe: %s", sandbox_probe_msg.ptr);
	}
	if (sandbox_probe_rc)
		return error_set(err, sandbox_probe_rc, "%s",
				 sandbox_probe_msg.ptr);
	return 0;
}

/*
 * Could a bwrap run have ended before the sandbox started? bwrap says why
 * it gives up on a line that starts "bwrap: " and exits non-zero; a run
 * that failed with nothing to say, or ran out of time, is in doubt too.
 */
static int sandbox_maybe_not_started(const struct proc_result *r)
{
	const struct buf *bufs[2] = { &r->out, &r->err };
	size_t i;

	if (!r->timed_out && !r->signal && r->exit_code == 0)
		return 0;
	for (i = 0; i < 2; i++) {
		const char *p = bufs[i]->ptr;

		while (*p == '\n')
			p++;
		if (!strncmp(p, "bwrap: ", 7))
			return 1;
	}
	return !r->out.len && !r->err.len;
}

/*
 * The first sandboxed run of the process, which is its own probe: starting
 * `true` first would cost a second sandbox start on every job. When the
 * run went well the sandbox works and that is remembered; when it may not
 * have started, the probe (`true` in the same sandbox) tells a sandbox that
 * cannot start, TEND_EUNAVAIL with the remedy, from a command that failed.
 */
static int sandbox_run_first(struct proc_result *out,
			     const struct sandbox_opts *o,
			     const char *worktree,
			     const struct sandbox_scan *scan, struct buf *err)
{
	struct buf m = BUF_INIT;
	char *bwrap = NULL;
	int rc;

	if ((rc = sandbox_locate(&bwrap, &m)) < 0) {
		sandbox_probed = 1;
		sandbox_probe_rc = rc;
		buf_reset(&sandbox_probe_msg);
		buf_add(&sandbox_probe_msg, m.ptr, m.len);
		rc = error_set(err, rc, "%s", m.ptr);
		goto out;
	}
	rc = sandbox_run_bwrap(out, o, bwrap, worktree, scan, err);
	if (rc == 0 && !sandbox_maybe_not_started(out)) {
		sandbox_probed = 1;
		sandbox_probe_rc = 0;
		sandbox_probe_bwrap = bwrap;
		bwrap = NULL;
		goto out;
	}
	/*
	 * In doubt: the probe says whether a sandbox starts here at all;
	 * when one does, what happened was the command's doing.
	 */
	if (sandbox_probe(err) < 0)
		rc = TEND_EUNAVAIL;
out:
	free(bwrap);
	buf_release(&m);
	return rc;
}

int sandbox_run(struct proc_result *out, const struct sandbox_opts *o,
		struct buf *err)
{
	struct sandbox_scan scan;
	struct buf after = BUF_INIT;
	char *worktree = NULL;
	int rc;

	memset(&scan, 0, sizeof(scan));
	if (!o->argv || !o->argv[0])
		return error_set(err, TEND_ERROR, "no command to run");
	if (o->worktree &&
	    (rc = sandbox_worktree(&worktree, o->worktree, err)) < 0)
		return rc;
	if (worktree && (rc = sandbox_scan_before(&scan, worktree, err)) < 0)
		goto out;
	if (o->unsandboxed) {
		rc = sandbox_run_unsandboxed(out, o, worktree, err);
	} else if (!sandbox_probed) {
		rc = sandbox_run_first(out, o, worktree, &scan, err);
	} else if ((rc = sandbox_probe(err)) == 0) {
		rc = sandbox_run_bwrap(out, o, sandbox_probe_bwrap, worktree,
				       &scan, err);
	}
	/*
	 * A .git the command created or replaced anywhere in the work tree
	 * (a link to a host directory, a gitdir pointer or hooks that host
	 * git would follow) must not outlive it. A read-only work tree in
	 * the sandbox cannot have changed.
	 */
	if (worktree && (o->unsandboxed || !o->readonly_worktree) &&
	    sandbox_scan_after(&scan, worktree, &after) < 0 && rc == 0)
		rc = error_set(err, TEND_ERROR, "%s", after.ptr);
out:
	sandbox_scan_release(&scan);
	buf_release(&after);
	free(worktree);
	return rc;
}
