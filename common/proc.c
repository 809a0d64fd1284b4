/*
 * proc.c - fork, exec and wait for one child with an explicit environment,
 * closed descriptors, resource limits, a deadline and capped output capture
 * (see proc.h for the rules it keeps).
 *
 * This file knows nothing about sandboxes, git or test runners; it only
 * starts a program and watches it. Between fork() and exec() the child calls
 * async-signal-safe functions only: every string and path it needs is
 * prepared by the parent before the fork.
 *
 * The parent learns whether exec() worked through a close-on-exec pipe: the
 * child writes the failing step and errno to it and exits 127, or exec()
 * closes it and the parent reads end-of-file. It notices the child's exit
 * through a pidfd, so a grandchild that keeps the output pipes open cannot
 * make tend miss the exit; without pidfd support it polls every 20 ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "xalloc.h"

extern char **environ;

/* How long to keep reading the pipes after the child is gone. */
#define PROC_DRAIN_MS 250
#define PROC_READ_CHUNK 65536

/* The steps of the child's set-up, reported back when one fails. */
enum proc_step {
	PROC_STEP_SESSION = 1,
	PROC_STEP_STDIO,
	PROC_STEP_CGROUP,
	PROC_STEP_RLIMIT,
	PROC_STEP_FDS,
	PROC_STEP_CHDIR,
	PROC_STEP_EXEC
};

static const char *proc_step_name(int step)
{
	switch (step) {
	case PROC_STEP_SESSION: return "cannot start a new session";
	case PROC_STEP_STDIO: return "cannot set up standard streams";
	case PROC_STEP_CGROUP: return "cannot join the cgroup";
	case PROC_STEP_RLIMIT: return "cannot set resource limits";
	case PROC_STEP_FDS: return "cannot close inherited descriptors";
	case PROC_STEP_CHDIR: return "cannot change directory";
	default: return "cannot execute";
	}
}

/*
 * Head-and-tail capture of one stream: the first `head_cap` bytes verbatim,
 * then a ring of the last `tail_cap` bytes.
 */
struct proc_capture {
	char *head;
	size_t head_len, head_cap;
	char *tail;
	size_t tail_start, tail_len, tail_cap;
	size_t total;
};

static void proc_capture_init(struct proc_capture *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->head_cap = cap / 2;
	c->tail_cap = cap - c->head_cap;
	c->head = xmalloc(c->head_cap + 1);
	c->tail = xmalloc(c->tail_cap + 1);
}

static void proc_capture_add(struct proc_capture *c, const char *p, size_t n)
{
	size_t k;

	c->total += n;
	if (c->head_len < c->head_cap) {
		k = c->head_cap - c->head_len;
		if (k > n)
			k = n;
		memcpy(c->head + c->head_len, p, k);
		c->head_len += k;
		p += k;
		n -= k;
	}
	if (!n || !c->tail_cap)
		return;
	if (n >= c->tail_cap) {
		memcpy(c->tail, p + n - c->tail_cap, c->tail_cap);
		c->tail_start = 0;
		c->tail_len = c->tail_cap;
		return;
	}
	while (n) {
		size_t end = (c->tail_start + c->tail_len) % c->tail_cap;

		if (c->tail_len == c->tail_cap) {
			/* Full: overwrite the oldest byte onwards. */
			k = c->tail_cap - c->tail_start;
			if (k > n)
				k = n;
			memcpy(c->tail + c->tail_start, p, k);
			c->tail_start = (c->tail_start + k) % c->tail_cap;
		} else {
			k = c->tail_cap - end;
			if (k > c->tail_cap - c->tail_len)
				k = c->tail_cap - c->tail_len;
			if (k > n)
				k = n;
			memcpy(c->tail + end, p, k);
			c->tail_len += k;
		}
		p += k;
		n -= k;
	}
}

/* Move the capture into `b`; returns the number of bytes dropped. */
static size_t proc_capture_finish(struct proc_capture *c, struct buf *b)
{
	size_t kept = c->head_len + c->tail_len;
	size_t dropped = c->total - kept;
	size_t first = c->tail_cap - c->tail_start;

	buf_reset(b);
	buf_add(b, c->head, c->head_len);
	if (dropped)
		buf_printf(b, "\n[... tend dropped %zu bytes of output here "
			   "...]\n", dropped);
	if (first > c->tail_len)
		first = c->tail_len;
	buf_add(b, c->tail + c->tail_start, first);
	buf_add(b, c->tail, c->tail_len - first);
	free(c->head);
	free(c->tail);
	memset(c, 0, sizeof(*c));
	return dropped;
}

static long long proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void proc_opts_init(struct proc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->stdin_fd = -1;
}

void proc_result_init(struct proc_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 0);
	buf_init(&r->err, 0);
}

void proc_result_release(struct proc_result *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
	proc_result_init(r);
}

void proc_describe_end(struct buf *b, const struct proc_result *r)
{
	if (r->timed_out)
		buf_printf(b, "timed out after %lld ms", r->duration_ms);
	else if (r->signal)
		buf_printf(b, "killed by signal %d (%s)", r->signal,
			   strsignal(r->signal));
	else
		buf_printf(b, "exit %d", r->exit_code);
}

char *proc_find_in_path(const char *name, const char *path)
{
	const char *p = path, *colon;
	struct buf cand = BUF_INIT;
	struct stat st;

	if (!name || !*name || strchr(name, '/'))
		return NULL;
	while (p) {
		size_t len;

		colon = strchr(p, ':');
		len = colon ? (size_t)(colon - p) : strlen(p);
		buf_reset(&cand);
		/* An empty entry means the current directory: not honoured. */
		if (len) {
			buf_add(&cand, p, len);
			buf_putc(&cand, '/');
			buf_puts(&cand, name);
			if (!stat(cand.ptr, &st) && S_ISREG(st.st_mode) &&
			    !access(cand.ptr, X_OK))
				return buf_detach(&cand, NULL);
		}
		p = colon ? colon + 1 : NULL;
	}
	buf_release(&cand);
	return NULL;
}

static const char *proc_env_get(const char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* Move `fd` to a number >= 3 so dup2() onto 0..2 cannot clobber it. */
static int proc_fd_high(int fd)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int proc_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fds[0] = proc_fd_high(fds[0]);
	fds[1] = proc_fd_high(fds[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		return -1;
	}
	return 0;
}

static void proc_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Close every descriptor in [lo, hi]; async-signal-safe. */
static int proc_close_range(unsigned lo, unsigned hi)
{
	unsigned fd, top;
	struct rlimit rl;

	if (lo > hi)
		return 0;
#ifdef SYS_close_range
	if (!syscall(SYS_close_range, lo, hi, 0))
		return 0;
#endif
	/* Old kernels: walk up to the descriptor limit. */
	top = 65536;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < top)
		top = (unsigned)rl.rlim_cur;
	for (fd = lo; fd <= hi && fd < top; fd++)
		close((int)fd);
	return 0;
}

static void proc_child_fail(int report_fd, int step)
{
	int msg[2];
	ssize_t n;

	msg[0] = step;
	msg[1] = errno;
	n = write(report_fd, msg, sizeof(msg));
	(void)n;
	_exit(127);
}

static void proc_set_limit(int report_fd, int resource,
			   unsigned long long value)
{
	struct rlimit rl;

	if (!value)
		return;
	if (getrlimit(resource, &rl) < 0)
		proc_child_fail(report_fd, PROC_STEP_RLIMIT);
	if (rl.rlim_max != RLIM_INFINITY && value > rl.rlim_max)
		value = rl.rlim_max;
	rl.rlim_cur = value;
	rl.rlim_max = value;
	if (setrlimit(resource, &rl) < 0)
		proc_child_fail(report_fd, PROC_STEP_RLIMIT);
}

/*
 * Everything between fork() and exec(). Only async-signal-safe calls:
 * the parent prepared the program path, the pid text and the fd list.
 */
static void proc_child(const struct proc_opts *o, const char *prog,
		       char *const *env, int in_fd, int out_fd, int err_fd,
		       int report_fd, const int *keep, size_t nr_keep)
{
	sigset_t all;
	int sig;
	unsigned lo;
	size_t i;

	/* Dispositions set to "ignore" would survive exec: reset them. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	if (setsid() < 0)
		proc_child_fail(report_fd, PROC_STEP_SESSION);

	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(err_fd, 2) < 0)
		proc_child_fail(report_fd, PROC_STEP_STDIO);

	if (o->cgroup_procs) {
		char num[24];
		int n = 0, fd;
		pid_t p = getpid();
		char rev[24];

		/* Format the pid without stdio. */
		do {
			rev[n++] = (char)('0' + p % 10);
			p /= 10;
		} while (p && n < (int)sizeof(rev));
		for (i = 0; i < (size_t)n; i++)
			num[i] = rev[n - 1 - i];
		fd = open(o->cgroup_procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, num, (size_t)n) != n)
			proc_child_fail(report_fd, PROC_STEP_CGROUP);
		close(fd);
	}

	proc_set_limit(report_fd, RLIMIT_CPU, o->limits.cpu_seconds);
	proc_set_limit(report_fd, RLIMIT_AS, o->limits.address_space);
	proc_set_limit(report_fd, RLIMIT_NPROC, o->limits.processes);
	proc_set_limit(report_fd, RLIMIT_FSIZE, o->limits.file_size);
	proc_set_limit(report_fd, RLIMIT_NOFILE, o->limits.open_files);

	/*
	 * Close every descriptor above 2 but the ones kept on purpose (made
	 * inheritable) and the report pipe (close-on-exec). `keep` is sorted
	 * and includes report_fd.
	 */
	lo = 3;
	for (i = 0; i < nr_keep; i++) {
		if (proc_close_range(lo, (unsigned)keep[i] - 1) < 0)
			proc_child_fail(report_fd, PROC_STEP_FDS);
		if (keep[i] != report_fd &&
		    fcntl(keep[i], F_SETFD, 0) < 0)
			proc_child_fail(report_fd, PROC_STEP_FDS);
		lo = (unsigned)keep[i] + 1;
	}
	if (proc_close_range(lo, ~0U) < 0)
		proc_child_fail(report_fd, PROC_STEP_FDS);

	if (o->cwd && chdir(o->cwd) < 0)
		proc_child_fail(report_fd, PROC_STEP_CHDIR);

	execve(prog, (char *const *)o->argv, env);
	proc_child_fail(report_fd, PROC_STEP_EXEC);
}

static int proc_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Send `sig` to the child's process group and to the child itself. */
static void proc_signal_tree(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);
}

static int proc_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Read what is available on *fd into `c`; closes *fd at end of file. */
static void proc_drain_fd(int *fd, struct proc_capture *c)
{
	char chunk[PROC_READ_CHUNK];
	ssize_t n;

	n = read(*fd, chunk, sizeof(chunk));
	if (n > 0) {
		proc_capture_add(c, chunk, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	proc_close(fd);
}

int proc_run(struct proc_result *out, const struct proc_opts *o,
	     struct buf *err)
{
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	int report[2] = { -1, -1 }, null_fd = -1, pidfd = -1;
	int keep[PROC_MAX_KEEP_FDS + 1];
	struct proc_capture cap_out, cap_err;
	char *prog = NULL;
	const char *const *env;
	const char *const empty_env[] = { NULL };
	size_t cap = o->output_cap ? o->output_cap : PROC_OUTPUT_CAP;
	size_t i, nr_keep = 0;
	long long start, deadline = 0, kill_at = 0, drain_until = 0;
	long grace = o->kill_grace_ms ? o->kill_grace_ms : PROC_KILL_GRACE_MS;
	int msg[2], status = 0, reaped = 0, termed = 0, killed = 0;
	int timed_out = 0, rc = 0, in_fd;
	ssize_t n;
	pid_t pid;

	if (!o->argv || !o->argv[0] || !*o->argv[0])
		return error_set(err, TEND_ERROR, "no program to run");
	if (o->nr_keep_fds > PROC_MAX_KEEP_FDS)
		return error_set(err, TEND_ERROR,
				 "too many descriptors to pass on");
	for (i = 0; i < o->nr_keep_fds; i++)
		if (o->keep_fds[i] < 3)
			return error_set(err, TEND_ERROR,
					 "descriptor %d cannot be passed on",
					 o->keep_fds[i]);

	env = o->inherit_env ? (const char *const *)environ :
		(o->env ? o->env : empty_env);
	if (strchr(o->argv[0], '/')) {
		prog = xstrdup(o->argv[0]);
	} else if (o->search_path) {
		const char *path = proc_env_get(env, "PATH");

		prog = proc_find_in_path(o->argv[0], path ? path :
					 "/usr/local/bin:/usr/bin:/bin");
		if (!prog)
			return error_set(err, TEND_ENOTFOUND,
					 "'%s' not found in PATH", o->argv[0]);
	} else {
		return error_set(err, TEND_ERROR, "'%s' is not a path",
				 o->argv[0]);
	}

	proc_capture_init(&cap_out, cap);
	proc_capture_init(&cap_err, o->merge_output ? 0 : cap);

	if (proc_pipe(out_pipe) < 0 || proc_pipe(report) < 0 ||
	    (!o->merge_output && proc_pipe(err_pipe) < 0)) {
		rc = error_set(err, TEND_ERROR, "cannot create a pipe: %s",
			       strerror(errno));
		goto out;
	}
	in_fd = o->stdin_fd;
	if (in_fd < 0) {
		null_fd = proc_fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
		if (null_fd < 0) {
			rc = error_set(err, TEND_ERROR,
				       "cannot open '/dev/null': %s",
				       strerror(errno));
			goto out;
		}
		in_fd = null_fd;
	}
	for (i = 0; i < o->nr_keep_fds; i++)
		keep[nr_keep++] = o->keep_fds[i];
	keep[nr_keep++] = report[1];
	qsort(keep, nr_keep, sizeof(keep[0]), proc_int_cmp);

	start = proc_now_ms();
	if (o->timeout_ms > 0)
		deadline = start + o->timeout_ms;
	pid = fork();
	if (pid < 0) {
		rc = error_set(err, TEND_ERROR, "cannot fork: %s",
			       strerror(errno));
		goto out;
	}
	if (!pid)
		proc_child(o, prog, (char *const *)env, in_fd, out_pipe[1],
			   o->merge_output ? out_pipe[1] : err_pipe[1],
			   report[1], keep, nr_keep);

	proc_close(&out_pipe[1]);
	proc_close(&err_pipe[1]);
	proc_close(&report[1]);
	proc_close(&null_fd);

	/* exec() closes the report pipe; a message means set-up failed. */
	do {
		n = read(report[0], msg, sizeof(msg));
	} while (n < 0 && errno == EINTR);
	proc_close(&report[0]);
	if (n == (ssize_t)sizeof(msg)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		rc = error_set(err, msg[1] == ENOENT && msg[0] ==
			       PROC_STEP_EXEC ? TEND_ENOTFOUND : TEND_ERROR,
			       "%s '%s': %s", proc_step_name(msg[0]), prog,
			       strerror(msg[1]));
		goto out;
	}

	pidfd = proc_pidfd_open(pid);
	for (;;) {
		struct pollfd pfd[3];
		int nfds = 0, wait_ms = -1, ready;
		long long now = proc_now_ms();

		if (!reaped) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid) {
				reaped = 1;
				proc_close(&pidfd);
				/*
				 * Nothing the child started may outlive it.
				 * Only the group now: the pid itself may be
				 * reused once reaped, the group id may not
				 * while the group has members.
				 */
				kill(-pid, SIGKILL);
				drain_until = now + PROC_DRAIN_MS;
			}
		}
		if (reaped && ((out_pipe[0] < 0 && err_pipe[0] < 0) ||
			       now >= drain_until))
			break;
		if (!reaped && deadline && now >= deadline && !termed) {
			timed_out = termed = 1;
			proc_signal_tree(pid, SIGTERM);
			kill_at = now + grace;
		}
		if (!reaped && termed && !killed && now >= kill_at) {
			killed = 1;
			proc_signal_tree(pid, SIGKILL);
		}

		if (out_pipe[0] >= 0)
			pfd[nfds++] = (struct pollfd){ out_pipe[0], POLLIN, 0 };
		if (err_pipe[0] >= 0)
			pfd[nfds++] = (struct pollfd){ err_pipe[0], POLLIN, 0 };
		if (!reaped && pidfd >= 0)
			pfd[nfds++] = (struct pollfd){ pidfd, POLLIN, 0 };
		if (reaped)
			wait_ms = (int)(drain_until - now);
		else if (pidfd < 0)
			wait_ms = 20;
		if (!reaped && deadline && !termed)
			wait_ms = wait_ms < 0 || deadline - now < wait_ms ?
				(int)(deadline - now) : wait_ms;
		if (!reaped && termed && !killed)
			wait_ms = wait_ms < 0 || kill_at - now < wait_ms ?
				(int)(kill_at - now) : wait_ms;
		if (!reaped && killed && (wait_ms < 0 || wait_ms > 20))
			wait_ms = 20;
		if (wait_ms < 0 && !nfds)
			wait_ms = 20;

		ready = poll(pfd, (nfds_t)nfds, wait_ms);
		if (ready < 0 && errno != EINTR) {
			rc = error_set(err, TEND_ERROR, "cannot poll: %s",
				       strerror(errno));
			proc_signal_tree(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			goto out;
		}
		if (ready <= 0)
			continue;
		for (i = 0; i < (size_t)nfds; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == out_pipe[0])
				proc_drain_fd(&out_pipe[0], &cap_out);
			else if (pfd[i].fd == err_pipe[0])
				proc_drain_fd(&err_pipe[0], &cap_err);
		}
	}

	out->duration_ms = proc_now_ms() - start;
	out->timed_out = timed_out;
	if (WIFEXITED(status)) {
		out->exit_code = WEXITSTATUS(status);
		out->signal = 0;
	} else {
		out->exit_code = -1;
		out->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}

out:
	out->out_bytes = cap_out.total;
	out->err_bytes = cap_err.total;
	out->out_dropped = proc_capture_finish(&cap_out, &out->out);
	out->err_dropped = proc_capture_finish(&cap_err, &out->err);
	if (rc < 0) {
		buf_reset(&out->out);
		buf_reset(&out->err);
	}
	proc_close(&out_pipe[0]);
	proc_close(&out_pipe[1]);
	proc_close(&err_pipe[0]);
	proc_close(&err_pipe[1]);
	proc_close(&report[0]);
	proc_close(&report[1]);
	proc_close(&null_fd);
	proc_close(&pidfd);
	free(prog);
	return rc;
}
