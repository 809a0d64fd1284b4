/*
 * diff_git.c - the libgit2 producer of the change-set model.
 *
 * Diffs the trees of two commits the way `git diff -M base head` does and
 * fills a struct review_diff. libgit2 prints the diff as patch text into one
 * buffer that review_diff_parse_owned() then takes over, so there is one
 * parser for both producers and a file looks the same whether it came from
 * git's text, a forge or libgit2. Printing costs little next to computing
 * the diff, and the buffer is the only copy of the text: lines point into
 * it, and libgit2's diff object is freed before parsing starts.
 *
 * Not here: choosing the commits (merge-base, CI context) and reading the
 * work tree.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "review/diff_git.h"

/* git's own default for diff.renameLimit (libgit2 would use 200). */
#define REVIEW_DIFF_GIT_RENAME_LIMIT 1000

static pthread_once_t review_diff_git_once = PTHREAD_ONCE_INIT;

static void review_diff_git_init(void)
{
	git_libgit2_init();
}

static const char *review_diff_git_errmsg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int review_diff_git_tree(git_tree **out, git_repository *repo,
				const git_oid *oid, struct buf *err)
{
	git_commit *commit = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int error;

	git_oid_tostr(hex, sizeof(hex), oid);
	if ((error = git_commit_lookup(&commit, repo, oid)) < 0)
		return error_set(err, error == GIT_ENOTFOUND ? TEND_ENOTFOUND :
				 TEND_ERROR, "cannot find commit '%s': %s",
				 hex, review_diff_git_errmsg());
	error = git_commit_tree(out, commit);
	git_commit_free(commit);
	if (error < 0)
		return error_set(err, TEND_ERROR,
				 "cannot read the tree of commit '%s': %s", hex,
				 review_diff_git_errmsg());
	return 0;
}

/* diff.renameLimit from the repository's config, else git's default. */
static size_t review_diff_git_rename_limit(git_repository *repo)
{
	git_config *cfg = NULL;
	int32_t v;
	size_t limit = REVIEW_DIFF_GIT_RENAME_LIMIT;

	if (git_repository_config_snapshot(&cfg, repo) < 0) {
		git_error_clear();
		return limit;
	}
	if (git_config_get_int32(&v, cfg, "diff.renamelimit") == 0)
		limit = v > 0 ? (size_t)v : 32767;
	else
		git_error_clear();
	git_config_free(cfg);
	return limit;
}

/* The patch text, exactly as git_diff_to_buf() would write it. */
static int review_diff_git_print(const git_diff_delta *delta,
				 const git_diff_hunk *hunk,
				 const git_diff_line *line, void *payload)
{
	struct buf *text = payload;

	(void)delta;
	(void)hunk;
	if (line->origin == GIT_DIFF_LINE_CONTEXT ||
	    line->origin == GIT_DIFF_LINE_ADDITION ||
	    line->origin == GIT_DIFF_LINE_DELETION)
		buf_putc(text, line->origin);
	buf_add(text, line->content, line->content_len);
	return 0;
}

int review_diff_git(struct review_diff *out, git_repository *repo,
		    const git_oid *base, const git_oid *head,
		    const struct review_diff_git_opts *opts, struct buf *err)
{
	struct review_diff_git_opts defaults = REVIEW_DIFF_GIT_OPTS_INIT;
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	git_diff_find_options fopts = GIT_DIFF_FIND_OPTIONS_INIT;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	struct buf text = BUF_INIT;
	char name[64], a[12], b[12];
	char *owned;
	size_t len;
	int error;

	pthread_once(&review_diff_git_once, review_diff_git_init);
	if (!opts)
		opts = &defaults;
	git_oid_tostr(a, sizeof(a), base);
	git_oid_tostr(b, sizeof(b), head);
	snprintf(name, sizeof(name), "diff %s..%s", a, b);

	if ((error = review_diff_git_tree(&old_tree, repo, base, err)) < 0 ||
	    (error = review_diff_git_tree(&new_tree, repo, head, err)) < 0)
		goto out;
	/* git's defaults: 3 lines of context, the indent heuristic on. */
	dopts.context_lines = opts->context_lines < 0 ?
			      3 : (uint32_t)opts->context_lines;
	dopts.flags |= GIT_DIFF_INDENT_HEURISTIC;
	if (git_diff_tree_to_tree(&diff, repo, old_tree, new_tree,
				  &dopts) < 0) {
		error = error_set(err, TEND_ERROR, "cannot compute %s: %s",
				  name, review_diff_git_errmsg());
		goto out;
	}
	if (opts->find_renames) {
		/*
		 * `git diff -M`: renames only (copies need -C), whitespace
		 * counts, and git's rename limit rather than libgit2's.
		 */
		fopts.flags = GIT_DIFF_FIND_RENAMES |
			      GIT_DIFF_FIND_DONT_IGNORE_WHITESPACE;
		fopts.rename_threshold = opts->rename_threshold > 0 ?
					 (uint16_t)opts->rename_threshold : 50;
		fopts.rename_limit = review_diff_git_rename_limit(repo);
		if (git_diff_find_similar(diff, &fopts) < 0) {
			error = error_set(err, TEND_ERROR,
					  "cannot find renames in %s: %s",
					  name, review_diff_git_errmsg());
			goto out;
		}
	}
	if (git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, review_diff_git_print,
			   &text) < 0) {
		error = error_set(err, TEND_ERROR, "cannot print %s: %s", name,
				  review_diff_git_errmsg());
		goto out;
	}
	/* Free libgit2's side before the parser builds ours. */
	git_diff_free(diff);
	diff = NULL;
	git_tree_free(old_tree);
	old_tree = NULL;
	git_tree_free(new_tree);
	new_tree = NULL;
	owned = buf_detach(&text, &len);
	owned = xrealloc(owned, len + 1);
	error = review_diff_parse_owned(out, owned, len, name, err);
out:
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	buf_release(&text);
	return error;
}
