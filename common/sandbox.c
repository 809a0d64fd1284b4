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

/* Bind /dev/null over GIT/config and each GIT/modules/NAME/config. */
static void sandbox_mask_git_configs(struct sandbox_vec *a, const char *git)
{
	char *path = xasprintf("%s/config", git), *modules;
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (!lstat(path, &st) && S_ISREG(st.st_mode))
		sandbox_vec_push3(a, "--ro-bind", "/dev/null", path);
	free(path);
	modules = xasprintf("%s/modules", git);
	if ((d = opendir(modules))) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			path = xasprintf("%s/%s/config", modules, de->d_name);
			if (!lstat(path, &st) && S_ISREG(st.st_mode))
				sandbox_vec_push3(a, "--ro-bind", "/dev/null",
						  path);
			free(path);
		}
		closedir(d);
	}
	free(modules);
}

static void sandbox_bwrap_args(struct sandbox_vec *a, const char *bwrap,
			       const struct sandbox_opts *o,
			       const char *worktree, int passwd_fd,
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
		char *git = xasprintf("%s/.git", worktree);

		sandbox_vec_push3(a, o->readonly_worktree ? "--ro-bind" :
				  "--bind", worktree, worktree);
		/*
		 * A directory or a gitdir file alike: read-only, so hooks,
		 * config and objects cannot be written and a gitdir pointer
		 * cannot be redirected. It is a mount point, so it cannot be
		 * renamed or removed either.
		 */
		if (!lstat(git, &st))
			sandbox_vec_push3(a, "--ro-bind", git, git);
		/*
		 * A CI checkout keeps its token in the repository's config (an
		 * http extraheader, or a URL with credentials). git works with
		 * an empty config, so the sandbox sees /dev/null there.
		 */
		if (!lstat(git, &st) && S_ISDIR(st.st_mode))
			sandbox_mask_git_configs(a, git);
		free(git);
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
			     const char *worktree, struct buf *err)
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
	sandbox_bwrap_args(&args, bwrap, o, worktree, passwd_fd, group_fd);

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
	" (or set 'sandbox: { mode: none }' in .tend.yml to run unsandboxed " \
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

static int sandbox_probe_run(struct buf *m)
{
	const char *const argv[] = { "true", NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf line = BUF_INIT, perr = BUF_INIT;
	struct stat st;
	char *bwrap = sandbox_bwrap_path();
	const char *env = getenv("TEND_BWRAP");
	int rc = 0;

	proc_result_init(&r);
	if (!bwrap) {
		buf_puts(m, "the sandbox is unavailable: bwrap (bubblewrap) "
			 "not found in PATH; install it with 'sudo apt-get "
			 "install bubblewrap' (Debian, Ubuntu), 'sudo dnf "
			 "install bubblewrap' (Fedora) or 'apk add "
			 "bubblewrap' (Alpine)" SANDBOX_NONE_HINT);
		rc = TEND_EUNAVAIL;
		goto out;
	}
	if (stat(bwrap, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(bwrap, X_OK) < 0) {
		buf_printf(m, "the sandbox is unavailable: bwrap not found at "
			   "'%s'%s; install it with 'sudo apt-get install "
			   "bubblewrap' (Debian, Ubuntu) or 'sudo dnf install "
			   "bubblewrap' (Fedora)%s" SANDBOX_NONE_HINT, bwrap,
			   env && *env ? " (from TEND_BWRAP)" : "",
			   env && *env ? " and unset TEND_BWRAP" : "");
		rc = TEND_EUNAVAIL;
		goto out;
	}
	sandbox_opts_init(&o);
	o.argv = argv;
	o.timeout_s = 20;
	o.output_cap = 64 * 1024;
	if ((rc = sandbox_run_bwrap(&r, &o, bwrap, NULL, &perr)) < 0) {
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

int sandbox_run(struct proc_result *out, const struct sandbox_opts *o,
		struct buf *err)
{
	char *worktree = NULL, *git = NULL;
	int rc, had_git = 0;

	if (!o->argv || !o->argv[0])
		return error_set(err, TEND_ERROR, "no command to run");
	if (o->worktree &&
	    (rc = sandbox_worktree(&worktree, o->worktree, err)) < 0)
		return rc;
	if (worktree) {
		struct stat st;

		git = xasprintf("%s/.git", worktree);
		had_git = lstat(git, &st) == 0;
	}
	if (o->unsandboxed) {
		rc = sandbox_run_unsandboxed(out, o, worktree, err);
	} else if ((rc = sandbox_probe(err)) == 0) {
		rc = sandbox_run_bwrap(out, o, sandbox_probe_bwrap, worktree,
				       err);
	}
	/*
	 * A .git the command created (a link to a host directory, or hooks
	 * that host git would run) must not outlive it: removed without
	 * following links.
	 */
	if (git && !had_git) {
		struct stat st;

		if (!lstat(git, &st)) {
			log_warn("the sandboxed command created '%s'; removed",
				 git);
			if (S_ISDIR(st.st_mode))
				nftw(git, sandbox_rm_one, 16,
				     FTW_DEPTH | FTW_PHYS);
			else
				unlink(git);
		}
	}
	free(git);
	free(worktree);
	return rc;
}
