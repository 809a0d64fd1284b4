/*
 * gitlab.h - the pure parts of the GitLab adapter (forge/gitlab.c), open
 * for unit tests and fuzz targets: reading GitLab's JSON answers into the
 * forge structs (merge requests, diffs, discussions, issues and their
 * notes, label events, members, users, note events, award emoji),
 * finding a line in a merge request diff with GitLab's line counters, the
 * SHA-1 that GitLab's line codes are made of, and the times GitLab writes.
 *
 * Everything else in the adapter is reached through forge.h; callers
 * outside forge/ and tests have no use for this header.
 *
 * Parsers take the answer's text, never crash on any input, and fail with
 * TEND_EINVALID and a message that says what is wrong where; on failure
 * the output holds whatever was read before the fault (release it as
 * usual).
 */
#ifndef FORGE_GITLAB_H
#define FORGE_GITLAB_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "forge/forge.h"

/* SHA-1 of `len` bytes as 40 lower-case hex digits and a NUL. */
void forge_gitlab_sha1_hex(char out[41], const void *data, size_t len);

/*
 * Read a merge request (GET /projects/:id/merge_requests/:iid) into `out`
 * (released first), allow_collaboration (or allow_maintainer_to_push)
 * into maintainer_can_push; can_push stays -1 (it takes the token:
 * forge_get_pr()). TEND_EINVALID when it is not an object or names no
 * head commit (diff_refs.head_sha or sha).
 */
int forge_gitlab_parse_pr(struct forge_pr *out, const char *text, size_t len,
			  struct buf *err);

/*
 * Append the entries of one page of GET .../merge_requests/:iid/diffs to
 * `out`. TEND_EINVALID when the page is not an array of file objects.
 */
int forge_gitlab_parse_files(struct forge_files *out, const char *text,
			     size_t len, struct buf *err);

/*
 * Append the notes of one page of GET .../merge_requests/:iid/discussions
 * to `out`, system notes left out, thread fields filled in.
 */
int forge_gitlab_parse_discussions(struct forge_notes *out, const char *text,
				   size_t len, struct buf *err);

/*
 * The username and id of GET /user (caller frees both; the id may be
 * NULL). TEND_EINVALID when the answer has no username.
 */
int forge_gitlab_parse_user(char **login_out, char **id_out, const char *text,
			    size_t len, struct buf *err);

/*
 * Append the issues of one page of GET /projects/:id/issues to `out`
 * (description null is ""; labels by name; state "opened" is open).
 * TEND_EINVALID when the page is not an array of issues with an iid.
 */
int forge_gitlab_parse_issues(struct forge_issues *out, const char *text,
			      size_t len, struct buf *err);

/* Read one issue (GET /projects/:id/issues/:iid) into `out`, released
 * first. */
int forge_gitlab_parse_issue(struct forge_issue *out, const char *text,
			     size_t len, struct buf *err);

/*
 * Append the notes of one page of GET .../issues/:iid/notes to `out`,
 * system notes left out (thread and reply stay empty).
 */
int forge_gitlab_parse_issue_notes(struct forge_notes *out, const char *text,
				   size_t len, struct buf *err);

/*
 * Who added `label` in one page of GET .../issues/:iid/
 * resource_label_events: the user of the latest "add" event of it (by
 * event id, else by order; an event whose label was deleted, label null,
 * is skipped). `*login_out` and `*id_out` (caller frees) are NULL when no
 * event added it or its user is gone.
 */
int forge_gitlab_parse_label_events(char **login_out, char **id_out,
				    const char *label, const char *text,
				    size_t len, struct buf *err);

/*
 * May the member of GET /projects/:id/members/all/:user_id write?
 * `*write_out` 1 for access_level Developer (30) or more of a user whose
 * state, when given, is "active". TEND_EINVALID without an access_level.
 */
int forge_gitlab_parse_member(int *write_out, const char *text, size_t len,
			      struct buf *err);

/*
 * The id of user `login` (ASCII case aside) in GET /users?username=
 * (caller frees; NULL when the list does not hold that user).
 */
int forge_gitlab_parse_users(char **id_out, const char *login,
			     const char *text, size_t len, struct buf *err);

/*
 * The first merge request in a page of GET .../merge_requests whose
 * source is branch `head_ref` of this project (not a fork), read as
 * forge_gitlab_parse_pr() does, with state "open" (GitLab's "opened" or
 * "locked"), "closed" or "merged". TEND_ENOTFOUND when the page has none;
 * TEND_EINVALID for a bad page, an entry without an iid, another state.
 */
int forge_gitlab_parse_branch_mr(struct forge_pr *out, const char *head_ref,
				 const char *text, size_t len,
				 struct buf *err);

/*
 * An ISO 8601 time as GitLab writes it ("2026-12-07T06:00:00.123Z", or
 * with an offset "+01:00", "+0100", "+01") as microseconds since
 * 1970-01-01T00:00:00Z in `*out`: 0, or -1 (nothing set) when `text` is
 * not such a time (a date alone, a field out of range, trailing bytes).
 * Digits of a fraction past the sixth are read and dropped.
 */
int forge_gitlab_parse_time(int64_t *out, const char *text);

/*
 * The `after` of GET /projects/:id/events for comments written at or
 * after `since` (forge_gitlab_parse_time()): the UTC day before since's
 * day, "YYYY-MM-DD", in `out`; GitLab's `after` is a date and exclusive.
 * 0, or TEND_EINVALID with a message naming `since`.
 */
int forge_gitlab_events_after(char out[11], const char *since,
			      struct buf *err);

/*
 * Append the comments of one page of GET /projects/:id/events?
 * action=commented to `out`: the note events (target_type "Note",
 * "DiffNote", "DiscussionNote") of notes on issues and merge requests
 * written at or after `since` (compared as instants), system notes and
 * notes on anything else (commits, snippets) left out. number is the
 * note's noteable_iid, on_pr a merge request's, diff_note a DiffNote's;
 * thread and url stay NULL (an event names neither); `own` is the
 * caller's. TEND_EINVALID when the page is not an array of events, an
 * event of an issue or merge request note has no note id, no iid or no
 * readable created_at, or `since` is not a time.
 */
int forge_gitlab_parse_events(struct forge_comments *out, const char *since,
			      const char *text, size_t len, struct buf *err);

/*
 * GitLab's award emoji name for a reaction: "+1" and "-1" are
 * "thumbsup" and "thumbsdown"; any other name of [a-z0-9_] (at most 64)
 * is itself. NULL for anything else (nothing to free: a static string or
 * `emoji` itself).
 */
const char *forge_gitlab_emoji_name(const char *emoji);

/*
 * Does one page of GET .../notes/:note_id/award_emoji hold an award
 * `name` by user `login` (id `id`, may be NULL: then by login alone,
 * ASCII case aside)? `*out` 1 or 0. TEND_EINVALID when the page is not
 * an array of objects.
 */
int forge_gitlab_parse_awards(int *out, const char *name, const char *login,
			      const char *id, const char *text, size_t len,
			      struct buf *err);

/*
 * The id of the discussion in one page of GET .../discussions whose notes
 * hold note `note_id` (caller frees; NULL when none does). TEND_EINVALID
 * when the page is not an array of discussions with an id and notes.
 */
int forge_gitlab_parse_note_discussion(char **id_out, const char *note_id,
				       const char *text, size_t len,
				       struct buf *err);

/* One line of a diff as GitLab counts it. */
struct forge_gitlab_line {
	char type;		/* '+' added, '-' removed, ' ' unchanged */
	uint32_t old_pos;	/* GitLab's running counters: a removed line */
	uint32_t new_pos;	/* keeps the new-side number it sits before,
				   an added line the old-side one */
	unsigned hunk;		/* 0 for the first hunk */
	size_t index;		/* 0 for the first line of the diff */
};

/*
 * Find line `line` of side `side` in `patch` (hunks from the first "@@"):
 * an added or unchanged line by its new number (FORGE_SIDE_RIGHT), a
 * removed or unchanged line by its old number (FORGE_SIDE_LEFT). 0 and
 * `*out` filled, or TEND_ENOTFOUND.
 */
int forge_gitlab_patch_line(struct forge_gitlab_line *out, const char *patch,
			    enum forge_side side, uint32_t line);

/*
 * GitLab's line code of a diff line: sha1(path) "_" old_pos "_" new_pos.
 * The caller frees the result.
 */
char *forge_gitlab_line_code(const char *path,
			     const struct forge_gitlab_line *line);

/* ---- Outcomes (tend stats); see forge_list_prs_since() ---- */

/* One page of GET merge_requests into `out`, at most `max` entries. */
int forge_gitlab_parse_prs(struct forge_pr_briefs *out, size_t max,
			   const char *text, size_t len, struct buf *err);

/* One page of GET merge_requests/:iid/commits: id and message required. */
int forge_gitlab_parse_pr_commits(struct forge_commit_briefs *out,
				  const char *text, size_t len,
				  struct buf *err);

/* One page of a note's award emoji: how many are "thumbsdown". */
int forge_gitlab_parse_thumbs_down(long *out, const char *text, size_t len,
				   struct buf *err);

#endif
