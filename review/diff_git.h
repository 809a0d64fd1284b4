/*
 * diff_git.h - the libgit2 producer of the change-set model.
 *
 * Diffs two commits' trees the way `git diff -M base head` does (rename
 * detection on, default 3 lines of context) and fills a struct review_diff
 * with the same shape review_diff_parse() gives for git's own patch text.
 */
#ifndef REVIEW_DIFF_GIT_H
#define REVIEW_DIFF_GIT_H

#include <git2.h>

#include "review/diff.h"

struct review_diff_git_opts {
	int context_lines;	/* default 3 when negative */
	int find_renames;	/* rename (and copy-of-modified) detection */
	int rename_threshold;	/* percent, default 50 when <= 0 */
	/*
	 * Keep the whole old and new texts of the files `keep` says yes to
	 * (review_diff_file's old_blob and new_blob), up to `keep_max`
	 * bytes in all: making a patch reads both blobs anyway, and a pass
	 * that reads files whole (structural checks) then need not read
	 * them again. NULL keeps none. `keep` runs on worker threads.
	 */
	int (*keep)(const char *path, void *data);
	void *keep_data;
	size_t keep_max;
};

#define REVIEW_DIFF_GIT_OPTS_INIT { -1, 1, 50 }

/*
 * Fill `out` (initialised by the caller, empty) with the diff from the tree
 * of commit `base` to the tree of commit `head`. Returns 0, or a negative
 * code with a message naming the revision or path that failed.
 */
int review_diff_git(struct review_diff *out, git_repository *repo,
		    const git_oid *base, const git_oid *head,
		    const struct review_diff_git_opts *opts, struct buf *err);

#endif
