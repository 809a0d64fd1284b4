/*
 * review.h - the `tend review` job.
 *
 * Joins the layers: the repository (forge/git), the change set
 * (review/diff_git), the file filter, the checks and the diff filter, into
 * one struct review_result that cli/ formats and prints. Publishing to a
 * forge and the reviewer agent join here in later versions.
 */
#ifndef ACTIONS_REVIEW_H
#define ACTIONS_REVIEW_H

#include <git2.h>

#include "common/buf.h"
#include "actions/trust.h"
#include "common/config.h"
#include "review/report.h"
#include "review/rules.h"

struct actions_agent_opts;

struct actions_review_opts {
	const char *repo_path;		/* where to look for the repository */
	const char *base;		/* NULL: the default branch */
	const char *head;		/* NULL: HEAD */
	const struct tend_config *cfg;	/* borrowed; settings and user rules */
	enum review_filter_mode filter;
	enum review_severity fail_level;
	/* Run the agents after the checks (NULL: --no-llm). */
	const struct actions_agent_opts *agents;
	/*
	 * Where query files and attributes come from (NULL: the work tree,
	 * trusted); see actions/trust.h.
	 */
	struct actions_trust *trust;
};

/*
 * Review `head` against its merge-base with `base`, locally: no forge, no
 * network. Fills `out` (initialised by the caller). Returns 0, or a
 * negative code with the message in `err`: TEND_EINVALID for bad input
 * (not a repository, unknown revision, a user rule that does not compile).
 */
int actions_review_local(struct review_result *out,
			 const struct actions_review_opts *opts,
			 struct buf *err);

/*
 * The checks alone, on a change set the caller put in out->diff (from
 * libgit2 or from a forge): the file filter, rule packs, structural checks
 * (reading whole files at `head`, and at `mb` for the syntax comparison),
 * linters, the diff filter and fingerprints. Does not set elapsed_ms.
 */
int actions_review_checks(struct review_result *out, git_repository *repo,
			  const git_oid *mb, const git_oid *head,
			  const struct actions_review_opts *opts,
			  struct buf *err);

/* Sort the findings and give each its fingerprint (again). */
void actions_review_fingerprint(struct review_result *r);

/*
 * Mask secrets in `text` (any text about `path`, or NULL) the way findings
 * are masked: a line where a secret rule fires is replaced by its masked
 * form.
 */
void actions_review_mask_buf(const struct review_rules *rules,
			     struct buf *text, const char *path);

/*
 * Run `agents` (NULL: none) over the checked result, with the PR's title
 * and body (untrusted, may be NULL); see actions/review_agent.h. The
 * team learnings come from `trust` unless agents->trust says (NULL:
 * the work tree).
 */
int actions_review_run_agents(struct review_result *r, git_repository *repo,
			      const git_oid *head,
			      const struct actions_agent_opts *agents,
			      const struct actions_trust *trust,
			      const char *title, const char *body,
			      struct buf *err);

/* Monotonic milliseconds, for the jobs' timings. */
long actions_review_now_ms(void);

#endif
