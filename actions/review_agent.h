/*
 * review_agent.h - the reviewer agent (and custom agents) inside
 * `tend review`.
 *
 * After the static checks: when a model is configured (a key in the
 * environment or models.providers) and --no-llm is not given, each agent
 * (default: the built-in reviewer) gets the change packed hunk by hunk
 * under a budget from its model's context window, the static findings (so
 * it does not repeat them), the instructions, and the read tools confined
 * to the repository. Everything it is shown passes through the secrets
 * rules' masking first. Its submit_review comments are checked against
 * the change and the head version (review/evidence) and the ones that
 * pass join the findings, published like any other.
 *
 * A model that cannot be reached is a tool error (the review is never
 * green then) and the static review goes on; a configuration error (an
 * unknown agent or provider) is TEND_EINVALID.
 */
#ifndef ACTIONS_REVIEW_AGENT_H
#define ACTIONS_REVIEW_AGENT_H

#include <git2.h>

#include "actions/trust.h"
#include "common/buf.h"
#include "common/config.h"
#include "review/report.h"

struct actions_agent_opts {
	const struct tend_config *cfg;
	const char *agents;		/* "name[,name...]"; NULL: reviewer */
	const char *record_dir;		/* --record DIR, or NULL */
	const char *replay_dir;		/* --replay DIR, or NULL */
	const char *title, *body;	/* the PR's, untrusted; may be NULL */
	/*
	 * Where the team learnings come from (actions/learnings.h): the
	 * trust of the run; NULL: the work tree of the repository.
	 */
	const struct actions_trust *trust;
	long max_tokens;		/* budgets per agent; 0: none */
	double max_usd;
	long max_ms;
};

struct actions_agent_outcome {
	int no_model;		/* nothing configured: static only */
	int ran, failed;	/* agents */
	size_t comments, kept, dropped;
	long tokens_in, tokens_out;
	double cost_usd;
	int cost_unknown;
	long elapsed_ms;
	char *summary_md;	/* "#### Model review" section, or NULL */
};

void actions_agent_outcome_init(struct actions_agent_outcome *oc);
void actions_agent_outcome_release(struct actions_agent_outcome *oc);

/*
 * Run the agents over `r` (the result of the checks, at commit `head` of
 * `repo`) and add their checked comments to r->findings. 0 also when no
 * model is configured (oc->no_model) or an agent could not reach its
 * model (recorded as a tool error); TEND_EINVALID for configuration
 * errors.
 */
int actions_review_agents(struct review_result *r, git_repository *repo,
			  const git_oid *head,
			  const struct actions_agent_opts *opts,
			  struct actions_agent_outcome *oc, struct buf *err);

#endif
