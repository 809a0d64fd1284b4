/*
 * fix.h - the `tend fix` job: turn a red pull request green with one
 * fix-up commit (DESIGN.md section 2b).
 *
 * The flow: trust (a fork's head configures nothing) -> the tests, run by
 * tend in the sandbox -> the debug agent, in rounds, editing the work
 * tree with the edit and command tools -> the gate, which is tend's and
 * not the model's: protected paths undone, size limits, the static checks
 * on the fix's own diff, and tend's own run of the tests, which must pass
 * where they failed and fail nowhere they passed -> one commit with a
 * Tend-Run trailer -> a push with a lease on the head tend started from,
 * never forced -> one sticky report on the pull request. When the token
 * cannot push (a fork), the fix becomes committable suggestions and a
 * patch in the report; nothing is lost.
 *
 * With no forge (`--local`) the commit goes on the current branch, only
 * if it has not moved meanwhile. `dry_run` does everything but writing:
 * the work tree is put back and the diff is in the outcome.
 *
 * The work tree must have no changes to tracked files when the job
 * starts: the commit holds exactly what the fix changed.
 */
#ifndef ACTIONS_FIX_H
#define ACTIONS_FIX_H

#include <git2.h>

#include "actions/test.h"
#include "common/buf.h"
#include "forge/context.h"
#include "forge/forge.h"

/* The marker of the sticky fix report on a pull request. */
#define ACTIONS_FIX_MARK "<!-- tend:fix -->"
/* The trailer that names the run in a fix-up commit. */
#define ACTIONS_FIX_TRAILER "Tend-Run:"

enum actions_fix_status {
	ACTIONS_FIX_NOTHING = 0,	/* the tests pass: nothing to fix */
	ACTIONS_FIX_PUSHED,		/* one commit pushed to the branch */
	ACTIONS_FIX_COMMITTED,		/* --local: committed on the branch */
	ACTIONS_FIX_DRY_RUN,		/* the diff; nothing written */
	ACTIONS_FIX_SUGGESTED,		/* no push: suggestions and a patch */
	ACTIONS_FIX_FAILED,		/* not fixed within the limits */
	ACTIONS_FIX_LOOP,		/* tend's own fix-ups, in a row, again */
	ACTIONS_FIX_MOVED		/* the branch moved: nothing pushed */
};

struct actions_fix_opts {
	const char *root;		/* the work tree's top */
	const char *config_path;	/* --config FILE, or NULL */
	const struct forge_context *ctx;	/* NULL: --local */
	int dry_run;
	const char *run_id;		/* the Tend-Run value; NULL: made up */
};

/* One round of the agent and what the gate said of it. */
struct actions_fix_round {
	char *agent_status;	/* finish(status), or how the loop stopped */
	char *summary;		/* finish(summary), or NULL */
	char *gate;		/* why the gate refused it; NULL: passed */
	char *refused;		/* protected paths that were put back */
	long files, lines;	/* the size of the change */
	int tests_run;		/* tend ran the tests after it */
	int tests_passed;
};

struct actions_fix_outcome {
	enum actions_fix_status status;
	char *why;		/* one line saying what happened */
	struct actions_test_result before;	/* the failing run */
	struct actions_test_result after;	/* tend's last run, if any */
	int have_after;
	struct actions_fix_round *rounds;
	size_t nr_rounds;
	char *diagnosis;	/* the passing round's summary */
	char *diff;		/* the fix (or the last attempt), unified */
	char *diffstat;
	char commit[GIT_OID_HEXSZ + 1];	/* empty when nothing was committed */
	char *commit_url;
	char *report_md;	/* the sticky report and step summary */
	char *report_url;
	size_t suggestions;	/* posted as committable suggestions */
	char **models;		/* the models that answered */
	size_t nr_models;
	long tokens_in, tokens_out;
	double cost_usd;
	int cost_unknown;
	long tests_ms, agent_ms, git_ms, total_ms;
	struct forge_stats stats;
};

void actions_fix_outcome_init(struct actions_fix_outcome *oc);
void actions_fix_outcome_release(struct actions_fix_outcome *oc);

/* "nothing to fix", "pushed", ... */
const char *actions_fix_status_name(enum actions_fix_status s);

/*
 * Run the job. 0 when it ran to an outcome (see oc->status, including a
 * fix that failed or a branch that moved); TEND_EINVALID for bad input or
 * configuration (a dirty work tree, a checkout that is not the PR's head,
 * no model); TEND_EUNAVAIL when the sandbox cannot be used; TEND_EAUTH,
 * TEND_ERATELIMIT, TEND_ETIMEOUT, TEND_ERROR when the forge or the git
 * remote failed.
 */
int actions_fix_run(struct actions_fix_outcome *oc,
		    const struct actions_fix_opts *opts, struct buf *err);

#endif
