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
#include "common/config.h"
#include "review/report.h"

struct actions_review_opts {
	const char *repo_path;		/* where to look for the repository */
	const char *base;		/* NULL: the default branch */
	const char *head;		/* NULL: HEAD */
	const struct tend_config *cfg;	/* borrowed; settings and user rules */
	enum review_filter_mode filter;
	enum review_severity fail_level;
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

#endif
