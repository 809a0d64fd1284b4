/*
 * review_pr.h - `tend review` of a pull/merge request on a forge: read it,
 * check it, and publish one review, one summary and a status.
 *
 * The change set is the forge's own diff, so that every comment is
 * anchored on exactly the lines the forge will accept. Files the forge
 * did not show (GitHub's 3000-file cap, patches left out as too large,
 * GitLab's too_large/collapsed diffs) are diffed from the local checkout
 * instead, and the summary says which and why; a file that cannot be
 * diffed either makes the review partial (never green).
 *
 * The run loads its own configuration once it knows the PR (see
 * actions/trust.h): a PR whose head is in the base repository is
 * configured from the work tree; any other from the merge-base's objects
 * only (config, query files, attributes; the agents and model providers
 * included), and an explicit --config inside the work tree is read from
 * there too. A contributor cannot switch checks off, turn the status
 * green, or point a model provider and a key at a host of theirs.
 *
 * The checkout must contain the PR's head commit and the base commit
 * (actions/checkout with fetch-depth: 0 and the head ref; GIT_DEPTH: 0 on
 * GitLab): files are read whole from it for the checks.
 */
#ifndef ACTIONS_REVIEW_PR_H
#define ACTIONS_REVIEW_PR_H

#include "actions/review.h"
#include "forge/forge.h"
#include "review/publish.h"

struct actions_pr_opts {
	struct actions_review_opts review;	/* repo_path, levels, agents;
						   cfg and trust are set by
						   the run */
	const struct forge_context *ctx;	/* borrowed */
	int dry_run;				/* plan, write nothing */
	const char *config_root;	/* the work tree's top, for .tend.yml */
	const char *config_path;	/* --config FILE, or NULL */
	/* Levels the command line gave; the rest come from the config. */
	int explicit_fail_level, explicit_filter;
};

struct actions_pr_outcome {
	struct forge_pr pr;
	struct forge_notes notes;	/* on the PR before; the plan
					   points into them */
	struct review_plan plan;
	char *summary_url;	/* the summary comment, or NULL */
	int readonly;		/* the token could not write: nothing was
				   published, the caller shows the summary
				   and annotations in the job instead */
	int published;		/* writes were made (or were not needed) */
	struct forge_stats stats;
	struct review_unseen *unseen;
	size_t nr_unseen;
	struct tend_config cfg;	/* what configured the run */
};

void actions_pr_outcome_init(struct actions_pr_outcome *oc);
void actions_pr_outcome_release(struct actions_pr_outcome *oc);

/*
 * Review PR/MR ctx->number and publish (unless dry_run). `out` receives
 * the review result, `oc` what was planned and done. Returns 0 when the
 * review ran and what could be published was (a read-only token is not an
 * error: oc->readonly); TEND_EINVALID for bad input (no such PR, head not
 * in the checkout); TEND_EAUTH, TEND_ERATELIMIT, TEND_ETIMEOUT, TEND_ERROR
 * when the forge failed after retries (the caller exits 3).
 */
int actions_review_pr(struct review_result *out,
		      const struct actions_pr_opts *opts,
		      struct actions_pr_outcome *oc, struct buf *err);

#endif
