/*
 * publish.h - deciding what a review posts on a pull/merge request.
 *
 * Given the review's result and the comments already on the PR, the plan
 * says which findings become inline comments (with their bodies), which go
 * to the summary and why, which earlier comments are about findings that
 * are gone, the summary's text, and the status. It writes nothing: the
 * caller (actions/) carries the plan out through forge/, or prints it for
 * --dry-run. Being a pure function of its inputs, the same state gives the
 * same plan, which is what makes re-runs idempotent.
 *
 * Rules:
 *   - anchoring: a finding is inline only when its lines are on the new
 *     side of one hunk of the change (review_diff_can_comment); a
 *     multi-line finding that is not falls back to its first line, unless
 *     it carries a suggestion (a suggestion must replace exactly its
 *     lines), in which case it goes to the summary. Nothing is sent to be
 *     rejected;
 *   - whose notes: only notes the forge adapter marked `own` (written by
 *     the account tend posts as) are read for markers; anyone else's
 *     note is a human's, whatever markers it copies;
 *   - dedupe: every inline body ends with a hidden marker holding the
 *     finding's fingerprint; a finding whose fingerprint is in a comment
 *     already on the PR (tend's own, not a reply) is not posted again;
 *   - limits: at most `max_comments` of tend's comments are live on the
 *     PR: those already there count first, new ones fill what is left in
 *     order of severity, then path and line; the rest are listed in the
 *     summary;
 *   - gone: an earlier comment of tend's whose fingerprint is no longer
 *     found is listed; it is resolved (GitLab) only when nobody replied to
 *     it; nothing is ever deleted or edited;
 *   - the summary is found by its marker and edited in place; when its
 *     content (all but the timing) is what is already there, it is not
 *     written again, and neither is the status.
 */
#ifndef REVIEW_PUBLISH_H
#define REVIEW_PUBLISH_H

#include "forge/forge.h"
#include "review/report.h"

#define REVIEW_MARK_SUMMARY "<!-- tend:summary -->"
#define REVIEW_MARK_FP "<!-- tend:fp="
#define REVIEW_MARK_STATE "<!-- tend:state "
#define REVIEW_MARK_RUN "<!-- tend:run="

enum review_place {
	REVIEW_PLACE_INLINE = 0,	/* a new inline comment */
	REVIEW_PLACE_POSTED,		/* already on the PR from a run before */
	REVIEW_PLACE_OUTSIDE_DIFF,	/* its line is not in the diff */
	REVIEW_PLACE_WHOLE_FILE,	/* about the file, not a line */
	REVIEW_PLACE_SPLIT,		/* a suggestion across hunks */
	REVIEW_PLACE_OVER_LIMIT,	/* review.max_comments reached */
	REVIEW_PLACE_NO_WRITE,		/* the token cannot post comments */
	REVIEW_PLACE_NOT_SHOWN,		/* the forge does not show the file's
					   diff (too large): no line to
					   comment on */
	REVIEW_PLACE_MUTED		/* its rule or agent is muted
					   (review.mute_below) */
};

/*
 * A rule or agent whose comments go to the summary only, because people
 * took too few of them (tend stats; actions/ measures, publish obeys).
 */
struct review_mute {
	const char *name;	/* a rule id, or an agent's name */
	int agent;		/* name is an agent's ("reviewer") */
	const char *why;	/* "acceptance 20% over 10 decided comments" */
};

/* A file the forge did not show, and what was done about it. */
struct review_unseen {
	char *path;
	char *reason;		/* "GitHub lists at most 3000 files" */
	int recovered;		/* diffed from the local checkout instead */
};

/* An earlier comment of tend's whose finding is no longer reported. */
struct review_gone {
	const struct forge_note *note;	/* borrowed from the notes */
	char *rule;			/* from its marker, or NULL */
	int resolve;			/* resolve its thread (GitLab) */
};

struct review_publish_opts {
	enum forge_kind kind;
	long max_comments;		/* review.max_comments */
	const char *run_id;		/* unique per run: marks the review */
	const struct review_unseen *unseen;
	size_t nr_unseen;
	const char *extra;		/* more markdown for the summary
					   (the agents' section), or NULL */
	const char *run_url;		/* link to the CI run, or NULL */
	int no_inline;			/* nothing can be posted: every new
					   finding goes to the summary */
	long start_s;			/* when the run started (Unix time),
					   for tend stats' latency */
	const struct review_mute *mutes;	/* summary only, said why */
	size_t nr_mutes;
	double mute_below;		/* the threshold, for the summary */
};

struct review_plan {
	enum review_place *place;	/* one per finding of the result */
	struct forge_inline *inlines;	/* bodies owned by the plan */
	size_t nr_inlines;
	size_t nr_posted;		/* findings already on the PR */
	size_t nr_summary;		/* findings listed in the summary */
	struct review_gone *gone;
	size_t nr_gone;
	char *review_body;		/* body of the new review, or NULL */
	char *run_marker;		/* in review_body */
	char *summary;			/* the summary comment's markdown */
	const struct forge_note *summary_note;	/* the one to edit, or NULL */
	int summary_same;		/* already says this: write nothing */
	enum forge_state state;
	char *title;			/* one line for the status */
	struct forge_annotation *annotations;	/* the summary's findings */
	size_t nr_annotations;
};

void review_plan_init(struct review_plan *plan);
void review_plan_release(struct review_plan *plan);

/*
 * Plan the publication of `r` on a PR that carries `notes`. Borrowed
 * pointers into `r` and `notes` must outlive the plan.
 */
void review_publish_plan(struct review_plan *plan,
			 const struct review_result *r,
			 const struct forge_notes *notes,
			 const struct review_publish_opts *opts);

/*
 * The value of `key` in the marker `marker` (REVIEW_MARK_FP,
 * REVIEW_MARK_STATE) of `body`, copied into `out` (at most `size` - 1
 * characters): "agent", "model", "rule" of a comment's marker; "run",
 * "start", "first", "cost", "total", "gone" of the summary's state
 * marker. 0 when the key is there (its value may be ""), -1 otherwise.
 * Older markers lack all but "rule" and "digest".
 */
int review_publish_marker_field(const char *body, const char *marker,
				const char *key, char *out, size_t size);

/* "inline", "already posted", "outside the diff", ... */
const char *review_place_name(enum review_place place);

/*
 * The fingerprint in a comment body's marker, copied into `out` (at most
 * `size` - 1 characters), and the rule when `rule` is not NULL (caller
 * frees). 0 when the body has a marker, -1 otherwise.
 */
int review_publish_parse_marker(const char *body, char *out, size_t size,
				char **rule);

/*
 * The digest in a summary body's state marker, copied into `out` (at
 * most 16 characters). 0 when there is one, -1 (and "") otherwise.
 */
int review_publish_parse_digest(const char *body, char out[17]);

/* Write the plan for --dry-run: what would be posted, nothing else. */
void review_plan_describe(struct buf *out, const struct review_plan *plan,
			  const struct review_result *r);

#endif
