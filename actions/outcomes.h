/*
 * outcomes.h - what people did with tend's output, and the store that
 * remembers it (`tend stats`, muting, routing by evidence).
 *
 * tend's output on a pull/merge request is found by the hidden markers it
 * writes, on notes of tend's own account only (review/publish.h):
 *   - a review comment: REVIEW_MARK_FP with its fingerprint, rule, and for
 *     an agent's comment the agent and the model;
 *   - the summary: REVIEW_MARK_STATE with the runs' cost, the first run's
 *     start and the fingerprints of findings that are gone;
 *   - a fix-up commit: a commit of the PR whose message has the Tend-Run
 *     trailer and no Tend-Issue (tend fix), or the commit tend's fix report
 *     names;
 *   - a task PR: a PR opened by tend whose body has "<!-- tend:task-pr".
 *
 * What counts (the outcome of each output):
 *   comment  rejected: someone other than tend put 👎 on it, or a person
 *            with write access replied disagreeing (common/feedback), or a
 *            person resolved its thread while the finding is still found
 *            and the lines it pointed at did not change;
 *            accepted: its finding is gone (the code changed and the
 *            finding disappeared), or its suggestion was applied (the
 *            PR's head holds the suggested lines where the comment was,
 *            within a few lines), or a writer replied agreeing, or a
 *            person resolved the thread after the lines it pointed at
 *            changed (those lines, and three around them, at the commit
 *            it was written on against the head now); otherwise open.
 *            GitHub's REST API does not say who resolved a thread: there
 *            resolution is not read. The strongest signal wins in that
 *            order: a 👎 or a disagreeing reply outweighs a later fix;
 *   fix-up   accepted when the PR was merged with the commit in it;
 *            rejected when a commit of the PR reverts it ("This reverts
 *            commit SHA"), when the commit the report names was dropped
 *            from the PR, or when the PR was closed unmerged; else open;
 *   task PR  accepted when merged, rejected when closed unmerged.
 *
 * The store, `<git dir>/tend/trust.sqlite`, is a cache of the forge (the
 * source of truth): one row per output with the PR, kind, fingerprint,
 * rule, pack, agent, model, outcome and why, and one row per PR with its
 * state, when the forge last updated it, its cost and latency. A PR the
 * forge reports unchanged since it was stored, and merged or closed, is
 * not read again. A store that is not tend's, of another schema version
 * or corrupt is moved aside and rebuilt from the forge.
 *
 * This layer is used by actions/ and cli/ only.
 */
#ifndef ACTIONS_OUTCOMES_H
#define ACTIONS_OUTCOMES_H

#include <stddef.h>

#include "common/buf.h"
#include "forge/forge.h"

enum actions_outcome {
	ACTIONS_OUTCOME_OPEN = 0,
	ACTIONS_OUTCOME_ACCEPTED,
	ACTIONS_OUTCOME_REJECTED
};

enum actions_output_kind {
	ACTIONS_OUTPUT_COMMENT = 0,
	ACTIONS_OUTPUT_FIXUP,
	ACTIONS_OUTPUT_TASK_PR
};

/* One output of tend's and what became of it. */
struct actions_output {
	char *key;		/* unique: "c:PR:NOTE", "f:PR:SHA", "t:PR" */
	long pr;
	enum actions_output_kind kind;
	char *fingerprint;	/* comments; else NULL */
	char *rule, *pack;	/* "hygiene/todo", "hygiene"; NULL for others */
	char *agent;		/* "reviewer", "static", "fix", "tasks" */
	char *model;		/* NULL when unknown or none */
	char *size;		/* an agent's comment: "small", "large" */
	enum actions_outcome outcome;
	char *why;		/* one line; a person's words masked, quoted */
	char *created_at;	/* ISO 8601, or NULL */
	double cost_usd;	/* a task PR's cost; an agent's comment's
				   share of its run; else 0 */
};

/* One pull/merge request and what tend's work on it cost. */
struct actions_pr_record {
	long number;
	char *state;		/* "open", "closed", "merged" */
	char *updated_at;
	double cost_usd;	/* the summary's total; 0 when none */
	int cost_unknown;	/* a price was missing in some run */
	long latency_s;		/* first run's start to tend's first comment;
				   -1 unknown */
};

struct actions_outcomes {
	struct actions_output *items;
	size_t nr, alloc;
	struct actions_pr_record *prs;
	size_t nr_prs, alloc_prs;
};

void actions_outcomes_init(struct actions_outcomes *o);
void actions_outcomes_release(struct actions_outcomes *o);

/*
 * What the classifier needs to know of the people around a PR: may the
 * author of a reply write to the repository? 1 yes, 0 no, <0 the forge
 * failed (the message in `err`).
 */
typedef int (*actions_outcomes_writer_fn)(const char *login, const char *id,
					  void *data, struct buf *err);

/*
 * The text of `path` at commit `ref` (NULL: the PR's head now), for "was
 * the suggestion applied" and "did the code change": 0 with `*text` and
 * `*len` (borrowed, valid while the PR is classified), 1 when the file
 * is not there, <0 the forge failed.
 */
typedef int (*actions_outcomes_file_fn)(const char *path, const char *ref,
					const char **text, size_t *len,
					void *data, struct buf *err);

struct actions_outcomes_pr_input {
	const struct forge_pr_brief *pr;
	const struct forge_notes *notes;	/* own set */
	const long *thumbs_down;		/* one per note, or NULL */
	const struct forge_commit_briefs *commits;	/* may be NULL */
	actions_outcomes_writer_fn writer;
	void *writer_data;
	actions_outcomes_file_fn file_at;	/* NULL: not asked */
	void *file_data;
};

/*
 * Classify everything of tend's on one PR and append it to `o` (one PR
 * record and its outputs). 0, or the writer's error.
 */
int actions_outcomes_classify_pr(struct actions_outcomes *o,
				 const struct actions_outcomes_pr_input *in,
				 struct buf *err);

/* "open", "accepted", "rejected". */
const char *actions_outcome_name(enum actions_outcome oc);
/* "comment", "fix-up", "task-pr". */
const char *actions_output_kind_name(enum actions_output_kind k);

/* ---- the store ---- */

struct actions_store;

/*
 * Open (creating) the store at `path`; its directory is created. One that
 * is not usable is moved aside to `path`.bad and made anew (`*note_out`,
 * may be NULL, gets why; caller frees).
 */
int actions_store_open(struct actions_store **out, const char *path,
		       char **note_out, struct buf *err);
void actions_store_close(struct actions_store *st);

/*
 * The stored PR `number` and its outputs appended to `o` when the store
 * has it with updated_at `updated_at` and it is merged or closed: 1; 0
 * when it must be read from the forge.
 */
int actions_store_load_pr(struct actions_store *st, long number,
			  const char *updated_at, struct actions_outcomes *o,
			  struct buf *err);

/* Replace what the store has of the PRs in `o` with `o`'s rows. */
int actions_store_save(struct actions_store *st,
		       const struct actions_outcomes *o, struct buf *err);

/*
 * Every stored output of comments (any PR) appended to `o` without PR
 * records: what muting and routing read.
 */
int actions_store_load_all(struct actions_store *st,
			   struct actions_outcomes *o, struct buf *err);

#endif
