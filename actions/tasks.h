/*
 * tasks.h - the `tend tasks` job: carry labelled issues to draft pull/merge
 * requests (DESIGN.md section 2b).
 *
 * For each open issue with the task label (oldest first, at most
 * tasks.max_per_run, optionally one shard of them), in order:
 *   trust   the label was applied by someone with write access; the text
 *           of people without it (the body of an issue they opened, their
 *           comments) never reaches a model, and the tracking comment says
 *           what was left out;
 *   claim   one tracking comment, edited in place, and the label
 *           tend:working; two runs at once settle it by the comments'
 *           order (the earliest live claim wins, the other backs off);
 *   plan    the architect agent reads the repository and writes a
 *           numbered plan, shown as a checklist;
 *   work    in a work tree of its own (never the checkout), the code agent
 *           carries the plan out, or the orchestrator delegates its steps
 *           to the code agent, in rounds;
 *   gate    tend's: paths no job may change are put back, size limits,
 *           the static checks on the change, and tend's own run of the
 *           project's tests in the sandbox, which must pass;
 *   publish one commit on branch tend/issue-N (on top of what the branch
 *           holds when it exists), pushed with a lease and never forced;
 *           one draft PR/MR that closes the issue (the open one is
 *           updated, never a second), review asked of whoever applied the
 *           label; the tracking comment and the label tend:done or
 *           tend:failed.
 * Budgets are tend's: dollars per task and per run, tokens, wall time,
 * steps. A run on the same state writes nothing: an issue labelled
 * tend:done or tend:failed is left alone until a person removes that
 * label (then tend continues the same branch and PR).
 */
#ifndef ACTIONS_TASKS_H
#define ACTIONS_TASKS_H

#include "common/buf.h"
#include "forge/context.h"
#include "forge/forge.h"

/* Markers in tend's comments and pull requests. */
#define ACTIONS_TASKS_MARK "<!-- tend:task -->"
#define ACTIONS_TASKS_CLAIM "<!-- tend:task-claim"
#define ACTIONS_TASKS_STATE "<!-- tend:task-state"
/* The state labels. */
#define ACTIONS_TASKS_WORKING "tend:working"
#define ACTIONS_TASKS_DONE "tend:done"
#define ACTIONS_TASKS_FAILED "tend:failed"

enum actions_task_status {
	ACTIONS_TASK_SKIPPED = 0,	/* not taken; `why` says */
	ACTIONS_TASK_PLANNED,		/* --dry-run: the plan, nothing written */
	ACTIONS_TASK_DONE,		/* a draft PR/MR opened or updated */
	ACTIONS_TASK_FAILED,		/* not done within the gate or budget */
	ACTIONS_TASK_BACKED_OFF		/* another run had it, or the issue
					   changed meanwhile */
};

struct actions_tasks_opts {
	const char *root;			/* the checkout of the base */
	const char *config_path;		/* --config FILE, or NULL */
	const struct forge_context *ctx;	/* required */
	long issue;				/* --issue N; 0: the label's */
	int dry_run;
	long shard_index, shard_total;		/* total 0: no sharding */
	const char *run_id;			/* NULL: made up */
	/*
	 * `/tend do` on issue `issue`: the person who commanded it (their
	 * write access checked by the caller) stands for the label: the
	 * label, its actor and the state labels tend:done / tend:failed
	 * are not required or heeded. NULL: a label run.
	 */
	const char *commander, *commander_id;
	/* Now, in seconds since the epoch; NULL: time(). A test hook. */
	long (*now_s)(void);
};

struct actions_task {
	long number;
	enum actions_task_status status;
	char *why;			/* one line */
	char *plan;			/* the architect's plan */
	char **steps;			/* its numbered steps */
	size_t nr_steps;
	unsigned char *step_done;
	char *left_out;			/* what a model was not shown */
	char *labeller;			/* who applied the label */
	char *branch;
	char commit[41];
	long pr_number;
	char *pr_url;
	char *tracking_url;
	char *tests;			/* one line: tend's last test run */
	char *diffstat;
	long files, lines;
	char **models;
	size_t nr_models;
	long tokens_in, tokens_out;
	double cost_usd;
	int cost_unknown;
	long ms;
};

struct actions_tasks_outcome {
	struct actions_task *tasks;	/* those considered, in order */
	size_t nr;
	size_t listed;			/* open issues with the label */
	size_t taken;
	double cost_usd;
	long total_ms;
	char *summary_md;		/* the step summary */
	struct forge_stats stats;
};

void actions_tasks_outcome_init(struct actions_tasks_outcome *oc);
void actions_tasks_outcome_release(struct actions_tasks_outcome *oc);

/* "skipped", "planned", "done", "failed", "backed off". */
const char *actions_task_status_name(enum actions_task_status s);

/*
 * Run the job. 0 when it ran (each task's status says how it ended);
 * TEND_EINVALID for bad input or configuration (no model, no base
 * branch); TEND_EUNAVAIL when the sandbox cannot be used; TEND_EAUTH,
 * TEND_ERATELIMIT, TEND_ETIMEOUT, TEND_ERROR when the forge failed.
 */
int actions_tasks_run(struct actions_tasks_outcome *oc,
		      const struct actions_tasks_opts *opts, struct buf *err);

#endif
