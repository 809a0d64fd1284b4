/*
 * proc.h - running a subprocess with nothing inherited by accident.
 *
 * proc_run() starts one program from an explicit argument vector and an
 * explicit environment array, waits for it with a wall-clock deadline, and
 * reports how it ended together with what it wrote. It is the one way tend
 * runs other programs: the sandbox (bwrap), linters and git all go through
 * it, so the rules below hold for every child tend has:
 *
 *   - the environment is exactly `env` (an empty one when NULL); tend's own
 *     environment, which holds tokens and model keys, is passed on only when
 *     the caller sets `inherit_env`;
 *   - the child gets stdin (/dev/null unless `stdin_fd` says otherwise),
 *     stdout and stderr, plus the descriptors listed in `keep_fds` at the
 *     same numbers; every other descriptor is closed before exec;
 *   - the child leads a new session (and so a new process group); when the
 *     deadline passes the whole group gets SIGTERM, then SIGKILL after a
 *     grace period, and the group is killed as well once the child is gone,
 *     so nothing it started outlives it by accident;
 *   - resource limits are set in the child before exec, and inherited by
 *     everything it starts;
 *   - output is captured through pipes with a byte cap per stream that keeps
 *     the first and the last part: what was dropped in the middle is
 *     replaced by one marker line and counted, so memory stays bounded
 *     whatever the child writes.
 *
 * proc_run() blocks; it is not thread-safe with respect to other threads
 * forking (descriptors opened by another thread between pipe creation and
 * fork are still closed in the child, because the child closes everything
 * it was not told to keep).
 */
#ifndef COMMON_PROC_H
#define COMMON_PROC_H

#include <stddef.h>

#include "buf.h"

/* Default capture cap per stream: half kept from the head, half the tail. */
#define PROC_OUTPUT_CAP (1024 * 1024)
/* Most descriptors a caller can pass on purpose. */
#define PROC_MAX_KEEP_FDS 8
/* Default time between SIGTERM and SIGKILL after a timeout. */
#define PROC_KILL_GRACE_MS 2000

/*
 * Resource limits applied with setrlimit() in the child. A zero field
 * leaves that limit as the child inherits it. A limit is only ever lowered:
 * a value above the current hard limit is clamped to it.
 */
struct proc_limits {
	unsigned long long cpu_seconds;	/* RLIMIT_CPU */
	unsigned long long address_space;	/* RLIMIT_AS, bytes */
	unsigned long long processes;	/* RLIMIT_NPROC */
	unsigned long long file_size;	/* RLIMIT_FSIZE, bytes */
	unsigned long long open_files;	/* RLIMIT_NOFILE */
};

struct proc_opts {
	/* argv[0] is the program; NULL-terminated. Not copied. */
	const char *const *argv;
	/*
	 * NAME=VALUE strings, NULL-terminated; NULL means an empty
	 * environment. Ignored when inherit_env is set.
	 */
	const char *const *env;
	int inherit_env;
	/*
	 * Look argv[0] up in the PATH of `env` (or of tend when inherit_env;
	 * "/usr/local/bin:/usr/bin:/bin" when there is none) when it has no
	 * slash. Without it argv[0] must be a path.
	 */
	int search_path;
	const char *cwd;	/* NULL: tend's working directory */
	int stdin_fd;		/* -1: /dev/null; else passed as stdin */
	int keep_fds[PROC_MAX_KEEP_FDS];	/* each >= 3 */
	size_t nr_keep_fds;
	int merge_output;	/* stderr goes into the stdout capture */
	size_t output_cap;	/* per stream; 0: PROC_OUTPUT_CAP */
	long timeout_ms;	/* 0: no deadline */
	long kill_grace_ms;	/* 0: PROC_KILL_GRACE_MS */
	struct proc_limits limits;
	/*
	 * A cgroup's "cgroup.procs" file the child moves itself into before
	 * exec, or NULL. A failure to join makes the run fail.
	 */
	const char *cgroup_procs;
};

/* Initialise `o` with no argv, an empty environment and stdin /dev/null. */
void proc_opts_init(struct proc_opts *o);

struct proc_result {
	int exit_code;		/* exit status, or -1 when a signal ended it */
	int signal;		/* the terminating signal, 0 when it exited */
	int timed_out;		/* the deadline passed and tend killed it */
	long long duration_ms;	/* wall-clock time from fork to reaping */
	struct buf out;		/* stdout (and stderr when merged), capped */
	struct buf err;		/* stderr when not merged, capped */
	size_t out_bytes;	/* bytes the child wrote to stdout (+stderr) */
	size_t err_bytes;
	size_t out_dropped;	/* bytes left out of `out` by the cap */
	size_t err_dropped;
};

void proc_result_init(struct proc_result *r);
/* Free the captured output and initialise again. */
void proc_result_release(struct proc_result *r);

/*
 * Run the program and wait for it. Returns 0 when the program ran, whatever
 * its exit status, signal or timeout (see `out`); TEND_ENOTFOUND when the
 * program does not exist; TEND_ERROR when it could not be started (the
 * message says which step failed). `out` must be initialised; it is
 * overwritten.
 */
int proc_run(struct proc_result *out, const struct proc_opts *opts,
	     struct buf *err);

/*
 * Describe how the run ended in a few words for messages: "exit 0",
 * "exit 2", "killed by signal 9", "timed out after 10 s". Appends to `b`.
 */
void proc_describe_end(struct buf *b, const struct proc_result *r);

/*
 * Find `name` in the colon-separated `path` (executable regular files
 * only). Returns a new string the caller frees, or NULL.
 */
char *proc_find_in_path(const char *name, const char *path);

#endif
