/*
 * sandbox.h - running untrusted commands (tests, linters, agent commands)
 * with nothing to steal, on top of bubblewrap.
 *
 * What a sandboxed command gets:
 *   - new user, pid, network, ipc, uts and (when possible) cgroup
 *     namespaces; inside it is uid/gid 1000 "sandbox" with no capabilities
 *     and cannot create further user namespaces (bwrap --disable-userns);
 *   - /usr and its merged-/usr links read-only, /opt read-only if present,
 *     a short list of harmless /etc files read-only, and a synthetic
 *     /etc/passwd and /etc/group; nothing else of the host's file system,
 *     in particular not the real home directory;
 *   - the work tree writable at its own path, with every `.git` in it
 *     (the top one, submodules' gitdir pointer files, nested repositories)
 *     read-only, so nothing can plant hooks, change a config, rewrite
 *     history or redirect a pointer; in the git directories, every file
 *     that can hold a credential (each `config` and `config.worktree` at
 *     any depth, FETCH_HEAD, anything named like a credential) is seen
 *     empty and the reflogs are hidden, so the checkout's token is not
 *     there in any form. A `.git` the command leaves anywhere in the work
 *     tree that was not there before, as the same file, is removed after
 *     it. A work tree too large or deep to walk for these (see
 *     sandbox.c) is refused;
 *   - a private /tmp and HOME=/home/sandbox, both fresh tmpfs;
 *   - the environment in sandbox_base_env plus what the caller adds; bwrap
 *     itself is executed with that environment, so no process in the
 *     sandbox, bwrap included, ever had tend's variables;
 *   - stdin from /dev/null, stdout+stderr captured (head and tail kept),
 *     no other inherited descriptors;
 *   - a new session, death with tend (--die-with-parent), resource limits
 *     (CPU time, address space, processes, file size, open files) and a
 *     wall-clock timeout after which the whole pid namespace is killed.
 *     When tend runs as root, RLIMIT_NPROC does not bind (the kernel
 *     exempts uid 0), so a pids cgroup bounds the process count instead.
 *   - no network, except in the setup phase (`network`), which shares the
 *     host network and sees /etc/resolv.conf but still no secrets.
 *
 * sandbox_probe() checks once per process that bwrap exists and really
 * starts a sandbox with these settings; when it cannot, it returns
 * TEND_EUNAVAIL with a message naming the remedy. sandbox_run() does not
 * start a probe first: its first start is the probe, and only a run that
 * may not have started (bwrap's own complaint, or a failure with no output
 * at all) is followed by sandbox_probe() to tell which it was. Nothing here ever falls
 * back to running a command unsandboxed: only a caller that sets
 * `unsandboxed` (from `sandbox.mode: none`) gets that.
 *
 * TEND_BWRAP names the bwrap binary; otherwise it is looked up in PATH.
 */
#ifndef COMMON_SANDBOX_H
#define COMMON_SANDBOX_H

#include <stddef.h>

#include "buf.h"
#include "proc.h"

#define SANDBOX_UID 1000
#define SANDBOX_HOME "/home/sandbox"
#define SANDBOX_DEFAULT_TIMEOUT 600	/* seconds */
#define SANDBOX_DEFAULT_MEMORY_MB 4096
#define SANDBOX_MAX_PROCS 1024
#define SANDBOX_MAX_FILE_BYTES (1024ULL * 1024 * 1024)
#define SANDBOX_MAX_OPEN_FILES 4096

/* The environment every sandboxed command starts from, NULL-terminated. */
extern const char *const sandbox_base_env[];

struct sandbox_opts {
	/*
	 * The directory bound writable at its own (real) path and used as the
	 * working directory; NULL for none (the command starts in HOME). It
	 * may not be, or contain, tend's home directory.
	 */
	const char *worktree;
	/* The command; argv[0] is looked up in the sandbox's PATH. */
	const char *const *argv;
	/* NAME=VALUE entries added to sandbox_base_env; never secrets. */
	const char *const *env;
	int network;		/* share the host network (setup phase) */
	int readonly_worktree;	/* bind the work tree read-only (linters) */
	int unsandboxed;	/* sandbox.mode none: no isolation at all */
	int separate_stderr;	/* capture stderr apart from stdout */
	long timeout_s;		/* 0: SANDBOX_DEFAULT_TIMEOUT */
	long memory_mb;		/* 0: SANDBOX_DEFAULT_MEMORY_MB */
	size_t output_cap;	/* 0: PROC_OUTPUT_CAP */
	long kill_grace_ms;	/* 0: PROC_KILL_GRACE_MS */
};

void sandbox_opts_init(struct sandbox_opts *o);

/*
 * Check that the sandbox works here. The first call runs `true` inside a
 * sandbox built exactly as sandbox_run() builds one; later calls return the
 * remembered answer. 0, or TEND_EUNAVAIL with a message that starts "the
 * sandbox is unavailable: " and says what to do.
 */
int sandbox_probe(struct buf *err);

/* Forget the remembered probe result (tests change TEND_BWRAP). */
void sandbox_probe_reset(void);

/*
 * Run a command in the sandbox (or, with `unsandboxed`, directly with the
 * same environment, limits and timeout) and wait for it. Returns 0 when the
 * command ran, whatever its outcome (see `out`); TEND_EUNAVAIL when the
 * sandbox cannot be used; TEND_EINVALID for a bad work tree (also one too
 * large or deep to check); TEND_ERROR when starting failed, or when the
 * command left the work tree too large to check for planted `.git`
 * entries or one that cannot be removed (`out` then holds its result).
 * `out` must be initialised.
 */
int sandbox_run(struct proc_result *out, const struct sandbox_opts *o,
		struct buf *err);

/*
 * The bwrap binary tend would use: TEND_BWRAP, or the first `bwrap` in PATH.
 * A new string the caller frees, or NULL when there is none.
 */
char *sandbox_bwrap_path(void);

#endif
