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

#endif
