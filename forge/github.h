/*
 * github.h - the pure parts of the GitHub adapter (forge/github.c), open
 * for unit tests and fuzz targets: reading GitHub's JSON answers into the
 * forge structs.
 *
 * Everything else in the adapter is reached through forge.h; callers
 * outside forge/ and tests have no use for this header.
 *
 * Parsers take the answer's text (what a pull request author, a
 * commenter or a server in between controls), never crash on any input,
 * and fail with TEND_EINVALID and a message that says what is wrong
 * where; on failure the output holds whatever was read before the fault
 * (release it as usual). The `own` flag of notes is not set here: that
 * takes the adapter's identity (forge_list_notes()).
 */
#ifndef FORGE_GITHUB_H
#define FORGE_GITHUB_H

#include <stddef.h>

#include "common/buf.h"
#include "forge/forge.h"

/*
 * Read a pull request (GET /repos/o/r/pulls/N) into `out` (released
 * first), maintainer_can_modify into maintainer_can_push; can_push stays
 * -1 (it takes the token: forge_get_pr()). TEND_EINVALID when it is not
 * an object with head.sha.
 */
int forge_github_parse_pr(struct forge_pr *out, const char *text, size_t len,
			  struct buf *err);

/*
 * Append the entries of one page of GET .../pulls/N/files to `out`.
 * TEND_EINVALID when the page is not an array of objects with a filename.
 */
int forge_github_parse_files(struct forge_files *out, const char *text,
			     size_t len, struct buf *err);

/*
 * Append one page of review comments (GET .../pulls/N/comments) or of
 * issue comments (GET .../issues/N/comments) to `out`, author login and id
 * included. Thread fields: `thread` is the id of the thread's first
 * comment and `reply` is set; `replies` waits for every page, see
 * forge_github_count_replies().
 */
int forge_github_parse_review_comments(struct forge_notes *out,
				       const char *text, size_t len,
				       struct buf *err);
int forge_github_parse_issue_comments(struct forge_notes *out,
				      const char *text, size_t len,
				      struct buf *err);

/* Count the replies of each review thread on its first comment. */
void forge_github_count_replies(struct forge_notes *notes);

/*
 * The id of the check run GitHub answered POST .../check-runs with
 * (caller frees). TEND_EINVALID when the answer names none.
 */
int forge_github_parse_check_run(char **id_out, const char *text, size_t len,
				 struct buf *err);

/*
 * The login and id of GET /user (caller frees both; the id may be NULL).
 * TEND_EINVALID when the answer has no login.
 */
int forge_github_parse_user(char **login_out, char **id_out, const char *text,
			    size_t len, struct buf *err);

/*
 * Issues, for `tend tasks`. GitHub lists pull requests among issues: an
 * entry with a `pull_request` member is one, and is never read as an
 * issue. An issue's body null is read as "", labels as objects with a
 * name or as plain strings, assignees by login.
 */

/*
 * Append the issues of one page of GET /repos/o/r/issues to `out`, pull
 * requests left out. TEND_EINVALID when the page is not an array of
 * objects with a positive integer number.
 */
int forge_github_parse_issues(struct forge_issues *out, const char *text,
			      size_t len, struct buf *err);

/*
 * Read one issue (GET /repos/o/r/issues/N) into `out` (released first).
 * TEND_ENOTFOUND when it is a pull request, TEND_EINVALID when it is not
 * an object with a positive integer number.
 */
int forge_github_parse_issue(struct forge_issue *out, const char *text,
			     size_t len, struct buf *err);

/*
 * Append one page of an issue's comments (GET .../issues/N/comments) to
 * `out` as flat notes: id, author, author_id, author_is_bot and body;
 * thread and reply left empty. TEND_EINVALID when an entry has no id.
 */
int forge_github_parse_issue_notes(struct forge_notes *out, const char *text,
				   size_t len, struct buf *err);

/*
 * Read one page of issue events (GET .../issues/N/events, oldest first):
 * each "labeled" event of `label` replaces `*login_out` and `*id_out`
 * (freed first; both NULL when its actor is a deleted user), so after the
 * last page they name who applied the label last. Untouched when the page
 * has no such event. The caller frees both. TEND_EINVALID when the page
 * is not an array of objects.
 */
int forge_github_parse_label_events(char **login_out, char **id_out,
				    const char *label, const char *text,
				    size_t len, struct buf *err);

/*
 * GET .../collaborators/LOGIN/permission: `*write_out` 1 when
 * `permission` is "admin" or "write" or `role_name` is "admin",
 * "maintain" or "write", else 0. TEND_EINVALID when the answer has
 * neither member as a string.
 */
int forge_github_parse_permission(int *write_out, const char *text,
				  size_t len, struct buf *err);

/*
 * From one page of GET .../pulls (newest first), read the first pull
 * request whose head is branch `head_ref` of repository `repo` ("owner/
 * name", compared ignoring ASCII case) into `out` (released first), its
 * state "merged" when merged_at is set. 1 when found, 0 when the page
 * has none, TEND_EINVALID when the page is not an array of pull requests.
 */
int forge_github_parse_branch_pr(struct forge_pr *out, const char *repo,
				 const char *head_ref, const char *text,
				 size_t len, struct buf *err);

/*
 * ChatOps, for `tend inbox`. Comment ids are numbers (they go into
 * paths): an id that is not is TEND_EINVALID. A body null is read as "".
 * A review comment is on_pr and diff_note, its `thread` the id of its
 * thread's first comment (in_reply_to_id, else its own). `own` is not
 * set here (forge_list_comments_since() sets it).
 */

/*
 * Append one page of GET /repos/o/r/issues/comments (`review` 0: the
 * number from issue_url, on_pr when html_url is a pull request's
 * ".../pull/N#...") or of GET /repos/o/r/pulls/comments (`review` 1: the
 * number from pull_request_url) to `out`, in the page's order.
 * TEND_EINVALID when the page is not an array of comments with a numeric
 * id, a created_at time (ISO 8601) and that URL.
 */
int forge_github_parse_comments(struct forge_comments *out, int review,
				const char *text, size_t len,
				struct buf *err);

/*
 * Order the comments of `list` from index `from` on oldest first by
 * created_at, then by id (as numbers): the merge of the two lists.
 */
void forge_github_sort_comments(struct forge_comments *list, size_t from);

/*
 * Read one page of GET .../comments/ID/reactions?content=EMOJI:
 * `*found_out` 1 when a reaction of content `emoji` is by tend's own
 * account (forge_is_self(f, ...): f's identity must be resolved), else 0.
 * TEND_EINVALID when the page is not an array of objects.
 */
int forge_github_parse_reactions(int *found_out, const struct forge *f,
				 const char *emoji, const char *text,
				 size_t len, struct buf *err);

/*
 * Read the payload of an issue_comment event (action, comment{id, body,
 * user, created_at, html_url}, issue{number, pull_request when on a PR})
 * or of a pull_request_review_comment event (action, comment{...,
 * in_reply_to_id}, pull_request{number}), as GITHUB_EVENT_PATH holds it,
 * into `out` (released first) and `*action_out` ("created", "edited",
 * "deleted"; caller frees). Which event it is comes from the payload:
 * "issue" or "pull_request" at the top. TEND_EINVALID for anything else
 * (both, neither, no action, no comment id, no number), with `out`
 * empty and `*action_out` NULL.
 */
int forge_github_parse_comment_event(const char *text, size_t len,
				     struct forge_comment *out,
				     char **action_out, struct buf *err);

/* ---- Outcomes (tend stats); see forge_list_prs_since() ---- */

/*
 * One page of GET /pulls (state=all, sort=updated, desc) into `out`: the
 * entries updated at or after `since` (NULL: all), at most `max`.
 * TEND_EINVALID when an entry lacks a number, a state or a valid
 * updated_at.
 */
int forge_github_parse_prs(struct forge_pr_briefs *out, const char *since,
			   size_t max, const char *text, size_t len,
			   struct buf *err);

/* One page of GET /pulls/N/commits: sha and commit.message required. */
int forge_github_parse_pr_commits(struct forge_commit_briefs *out,
				  const char *text, size_t len,
				  struct buf *err);

/*
 * One page of GraphQL reviewThreads (forge_read_resolutions()): marks the
 * root note of each resolved thread in `notes`; `*after_out` (caller
 * frees) the next page's cursor or NULL. TEND_EINVALID for GraphQL
 * errors or another shape.
 */
int forge_github_parse_threads(struct forge_notes *notes, char **after_out,
			       const char *text, size_t len, struct buf *err);

#endif

