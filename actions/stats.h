/*
 * stats.h - the `tend stats` job: read back from the forge what happened
 * to tend's output on the pull/merge requests updated since a date,
 * classify it (actions/outcomes.h), keep it in the trust store, and
 * report acceptance per rule, pack, agent and model, fix-ups, task PRs,
 * latency and cost.
 *
 * Requests: one list of PRs (100 a page), then per PR not served from the
 * store: its notes (GitHub: review comments and issue comments, each
 * paginated; GitLab: discussions), its commits, the write access of each
 * person whose reply has a verdict (once per person), and on GitLab the
 * award emoji of each of tend's comments.
 */
#ifndef ACTIONS_STATS_H
#define ACTIONS_STATS_H

#include "actions/outcomes.h"
#include "common/buf.h"
#include "forge/context.h"
#include "forge/forge.h"
#include "agents/router.h"
#include "review/publish.h"

struct actions_stats_opts {
	const struct forge_context *ctx;	/* required */
	const char *since;		/* ISO 8601 UTC; required */
	size_t max_prs;			/* 0: 500 */
	const char *store_path;		/* NULL: no store */
};

/* Acceptance of one group (a rule, a pack, an agent, a model). */
struct actions_stats_group {
	char *name;
	size_t accepted, rejected, open;
};

struct actions_stats_table {
	struct actions_stats_group *items;
	size_t nr, alloc;
};

struct actions_stats_result {
	struct actions_outcomes oc;
	struct forge_stats requests;
	size_t prs_read, prs_cached;
	int truncated;			/* more PRs than max_prs */
	char *no_resolutions;		/* why resolved threads could not
					   be read (GitHub GraphQL), or NULL */
	long ms;
	char *note;			/* the store was rebuilt, or NULL */
};

void actions_stats_result_init(struct actions_stats_result *r);
void actions_stats_result_release(struct actions_stats_result *r);

int actions_stats_run(struct actions_stats_result *r,
		      const struct actions_stats_opts *opts, struct buf *err);

enum actions_stats_by {
	ACTIONS_STATS_BY_RULE = 0,
	ACTIONS_STATS_BY_PACK,
	ACTIONS_STATS_BY_AGENT,
	ACTIONS_STATS_BY_MODEL
};

/*
 * Group the comments of `oc` by `by` (model: "agent model"; comments
 * without a model are left out of that table), sorted by name.
 */
void actions_stats_group(struct actions_stats_table *t,
			 const struct actions_outcomes *oc,
			 enum actions_stats_by by);
void actions_stats_table_release(struct actions_stats_table *t);

/* The report: "text", "markdown" or "json" (0, or TEND_EINVALID). */
int actions_stats_format(struct buf *out, const struct actions_stats_result *r,
			 const char *since, const char *format,
			 struct buf *err);

/* ---- noise control: muting by measured acceptance ---- */

/* What is muted, owned: names and reasons. */
struct actions_stats_mutes {
	struct review_mute *items;
	size_t nr;
};

void actions_stats_mutes_release(struct actions_stats_mutes *m);

/*
 * The rules and agents (not the static checks as a whole) whose comments
 * in `all` have at least `min_samples` decided (accepted or rejected) and
 * an acceptance below `below`, each with why.
 */
void actions_stats_mutes(struct actions_stats_mutes *out,
			 const struct actions_outcomes *all, double below,
			 long min_samples);

/*
 * Read the store at `path` (when it exists; none: nothing muted) and fill
 * `out` as actions_stats_mutes() does. A store that cannot be read is a
 * warning, not an error: the review goes on with nothing muted.
 */
void actions_stats_mutes_load(struct actions_stats_mutes *out,
			      const char *path, double below,
			      long min_samples);

/* ---- routing by evidence ---- */

/*
 * The comments of the store at `path` (none when it does not exist) into
 * `all`; a store that cannot be read is a warning and leaves `all` empty.
 */
void actions_stats_load_store(struct actions_outcomes *all, const char *path);

/*
 * What people did with agent `agent`'s comments per model and size of
 * change, from `all` (which the result borrows from: keep it), for
 * agent_router_resolve(). `*out` is freed by the caller (free()).
 */
void actions_stats_evidence(struct agent_evidence **out, size_t *nr_out,
			    const struct actions_outcomes *all,
			    const char *agent);

/*
 * The one-line result and a short paragraph of the report, for a chat
 * message (actions/notify.h): "review comments 40% taken (2 of 5
 * decided); task PRs 1 of 2 merged". Both owned by the caller.
 */
void actions_stats_brief(char **result_out, char **detail_out,
			 const struct actions_stats_result *r);

#endif
