/*
 * forge.h - one interface to the code-hosting services: GitHub (REST v3,
 * github.com and GitHub Enterprise with a path prefix) and GitLab (REST
 * v4, gitlab.com and self-managed, custom CA).
 *
 * The adapters are transport: they read the pull/merge request, its files
 * and its existing comments into plain structs, and write what the caller
 * already decided (a review with inline comments, a summary, a status).
 * Deciding what to post - anchoring, dedupe, limits, bodies and markers -
 * is review/publish.c's job. The adapters do not know the change-set model
 * (forge sits below review), so files come back as per-file patch text.
 *
 * Requests go through common/http (retries, rate limits, caps). Every
 * request is counted, reads and writes apart, so benchmarks and logs can
 * say what a run cost.
 *
 * A write that may have reached the server before its connection failed
 * (`maybe_sent`) is not repeated blindly: the adapter re-reads the remote
 * state and looks for the write's `marker` (a hidden string the caller
 * put in the body). Found: the write landed and counts as done. Not
 * found: it is sent again once.
 *
 * Errors: 0; TEND_EAUTH (401: bad token); FORGE_EREADONLY (403 on a write: the token cannot write, a fork PR's
 * GITHUB_TOKEN) so callers can degrade to the step summary;
 * TEND_ENOTFOUND (404); TEND_ERATELIMIT, TEND_ETIMEOUT, TEND_ERROR (the
 * service failed after retries; exit 3); TEND_EINVALID (an answer that is
 * not what the API documents, or a 422 - a bug in tend, reported with the
 * forge's message).
 */
#ifndef FORGE_FORGE_H
#define FORGE_FORGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "forge/context.h"

/* A write the token is not allowed to make (HTTP 403 on a write). */
#define FORGE_EREADONLY (-20)
/* forge_create_pr(): one is already open from that branch. */
#define FORGE_EEXIST (-21)

/* GitHub's pulls/N/files stops here; later files are not listed. */
#define FORGE_GITHUB_MAX_FILES 3000
/* Longest comment body either forge accepts, with a margin. */
#define FORGE_MAX_BODY 65000
/* Check-run annotations per request (GitHub's limit). */
#define FORGE_MAX_ANNOTATIONS 50

struct forge;

struct forge_pr {
	long number;
	char *title;
	char *body;
	char *author;
	char *url;		/* the PR/MR's web page */
	char *head_sha;
	char *base_sha;		/* GitHub base.sha; GitLab diff_refs.base_sha
				   (the merge-base) */
	char *start_sha;	/* GitLab diff_refs.start_sha; NULL on GitHub */
	char *head_ref, *base_ref;
	char *head_repo;	/* "owner/name" of the head */
	int fork;		/* head in another repository */
	/*
	 * The head's owner lets the base's maintainers push to the head
	 * branch: GitHub maintainer_can_modify, GitLab allow_collaboration
	 * (alias allow_maintainer_to_push). 1, 0, or -1 when the forge does
	 * not say (GitLab says only for forks; GitHub says false for a PR
	 * from the same repository, where it does not matter).
	 */
	int maintainer_can_push;
	/*
	 * May tend push a commit to head_repo's head_ref with this token?
	 * Set by forge_get_pr() (the parsers of github.h and gitlab.h leave
	 * it -1: it takes the token, which they do not see):
	 *   0 - no: do not try. No token, a GitLab CI_JOB_TOKEN, no head
	 *       repository or branch (a deleted fork), a context that
	 *       knows the token is read-only (can_write 0), or a fork
	 *       whose owner does not let maintainers push; on GitHub also
	 *       a fork PR with the Actions token (GITHUB_TOKEN in Actions,
	 *       unless it holds a personal access token, ghp_/github_pat_/
	 *       gho_/ghu_): an installation token never reaches a fork.
	 *   1 - the forge says yes as far as it can tell: a same-repository
	 *       PR with a personal or GitLab token (its role may still be
	 *       too low), a fork that lets maintainers push (the token's
	 *       account must have push access to the base), a context
	 *       that knows the token writes (can_write 1).
	 *  -1 - nobody can tell without trying: a same-repository PR with
	 *       the Actions token, whose rights are the workflow's
	 *       `permissions: contents: write` or the repository default.
	 * A push refused as forbidden (HTTP 403) under 1 or -1 is then
	 * handled as 0 would have been.
	 */
	int can_push;
	int draft;
	char *state;		/* "open", "closed", "merged", "opened" ... */
	long changed_files;	/* as the forge counts them; -1 unknown */
	long nr_review_comments; /* GitHub's counts, -1 unknown: a list */
	long nr_comments;	 /* known to be empty is not read */
};

void forge_pr_init(struct forge_pr *pr);
void forge_pr_release(struct forge_pr *pr);

enum forge_file_status {
	FORGE_FILE_MODIFIED = 0,
	FORGE_FILE_ADDED,
	FORGE_FILE_DELETED,
	FORGE_FILE_RENAMED,
	FORGE_FILE_COPIED
};

/* One changed file as the forge lists it. */
struct forge_file {
	char *path;		/* new path (old path for a deletion) */
	char *old_path;		/* renames and copies; else NULL */
	enum forge_file_status status;
	unsigned old_mode, new_mode;	/* 0 when the forge does not say */
	char *patch;		/* hunks from the first "@@", or NULL */
	unsigned binary : 1;	/* no patch because the file is binary */
	unsigned too_large : 1;	/* no patch: the forge left it out (GitHub's
				   omitted patch, GitLab too_large/collapsed) */
	long additions, deletions;	/* -1 when unknown */
};

struct forge_files {
	struct forge_file *items;
	size_t nr, alloc;
	/*
	 * The forge listed fewer files than the PR changes (GitHub's 3000
	 * cap): the caller must diff the rest itself.
	 */
	unsigned truncated : 1;
};

void forge_files_init(struct forge_files *list);
void forge_files_release(struct forge_files *list);

enum forge_side {
	FORGE_SIDE_LEFT = 0,	/* old side: a removed line */
	FORGE_SIDE_RIGHT = 1	/* new side: added or unchanged */
};

/*
 * A comment or note already on the PR/MR. Anyone can write anything in a
 * body, markers included: only a note with `own` set was written by the
 * account tend posts as (see forge_get_self()), and only such a note may
 * be taken for tend's.
 */
struct forge_note {
	char *id;		/* comment/note id, as text */
	char *thread;		/* GitLab discussion id; GitHub: the id of the
				   thread's first comment */
	char *author;		/* login / username; NULL: a deleted user */
	char *author_id;	/* the author's numeric id as text, or NULL */
	int author_is_bot;	/* GitHub user.type "Bot", GitLab bot user */
	int own;		/* written by tend's own account: its login and
				   (where the forge gives one) its id match */
	char *body;
	char *path;		/* inline notes; NULL for general ones */
	uint32_t line;		/* 0 when not on a line (or outdated) */
	enum forge_side side;
	int inline_note;	/* on a line of the diff */
	int outdated;		/* GitHub: no longer on the current diff */
	int resolvable;
	int resolved;
	int reply;		/* answers an earlier note in its thread */
	size_t replies;		/* later notes in the same thread */
	char *created_at;	/* ISO 8601 as the forge wrote it, or NULL */
	/*
	 * GitHub: the 👎 count of the comment's reactions rollup; GitLab
	 * leaves -1 (award emoji are another read: forge_note_thumbs_down).
	 */
	long thumbs_down;
	char *resolved_by;	/* GitLab: who resolved the thread, or NULL */
	uint32_t original_line;	/* GitHub original_line: where it was
				   written, also once outdated; else 0 */
	char *commit;		/* the head it was written on: GitHub
				   original_commit_id, GitLab position
				   head_sha; or NULL */
};

struct forge_notes {
	struct forge_note *items;
	size_t nr, alloc;
};

void forge_notes_init(struct forge_notes *list);
void forge_notes_release(struct forge_notes *list);

/* An inline comment to post, already anchored by the caller. */
struct forge_inline {
	const char *path;	/* new path; old path for a removed line of a
				   deleted file */
	const char *old_path;	/* NULL when the same as path */
	enum forge_side side;
	uint32_t start_line;	/* first line on `side`; == line for one */
	uint32_t line;		/* last line on `side` */
	/*
	 * Both sides' numbers of the first and last line, 0 where the line
	 * has none: GitLab positions need them (added: new only; removed:
	 * old only; unchanged: both).
	 */
	uint32_t start_old, start_new;
	uint32_t end_old, end_new;
	const char *body;
};

enum forge_state {
	FORGE_STATE_SUCCESS = 0,
	FORGE_STATE_FAILURE,	/* findings at or above the fail level */
	FORGE_STATE_NEUTRAL,	/* skipped, partial or rate limited: not green */
	FORGE_STATE_ERROR	/* tend itself failed */
};

enum forge_level {
	FORGE_LEVEL_NOTICE = 0,
	FORGE_LEVEL_WARNING,
	FORGE_LEVEL_FAILURE
};

struct forge_annotation {
	const char *path;
	uint32_t start_line, end_line;	/* >= 1 */
	enum forge_level level;
	const char *title;
	const char *message;
};

struct forge_status {
	enum forge_state state;
	const char *name;	/* "tend review" */
	const char *title;	/* one line, cut to 140 characters */
	const char *summary;	/* markdown for a check run; may be NULL */
	const char *target_url;	/* may be NULL */
	const struct forge_annotation *annotations;	/* GitHub check run */
	size_t nr_annotations;
};

/* Requests sent, for logs and benchmarks. */
struct forge_stats {
	unsigned long reads;	/* GET */
	unsigned long writes;	/* POST, PATCH, PUT, DELETE */
};

/*
 * Open an adapter for `ctx` (kind, api_url, repo/project, token, CA file);
 * the context is copied. TEND_EINVALID when the context lacks what the
 * forge needs (no repository, no API URL).
 */
int forge_open(struct forge **out, const struct forge_context *ctx,
	       struct buf *err);
void forge_free(struct forge *f);

enum forge_kind forge_kind(const struct forge *f);
void forge_get_stats(const struct forge *f, struct forge_stats *out);

/* Replace the HTTP client's sleep (tests). */
void forge_set_sleep(struct forge *f, void (*sleep_ms)(long ms, void *data),
		     void *data);

/* Read PR/MR `number`, can_push included (see struct forge_pr). */
int forge_get_pr(struct forge *f, long number, struct forge_pr *out,
		 struct buf *err);

/*
 * Find the open PR/MR whose head is branch `head_ref` of `head_repo`
 * ("owner/name", or GitLab's "group/.../project"; NULL: this repository),
 * for a run that knows the branch but not the number: a GitHub
 * workflow_run event of a fork PR lists no pull request. When several
 * match, the one whose head is `head_sha` (may be NULL) wins, else the
 * newest. 0 and `*number_out`, TEND_ENOTFOUND when none is open, or the
 * forge's error. GitLab cannot name a fork's path without one more read
 * per MR: there a `head_repo` other than this project matches any fork.
 */
int forge_find_pr(struct forge *f, const char *head_repo,
		  const char *head_ref, const char *head_sha,
		  long *number_out, struct buf *err);

/* List the changed files with their patches, every page. */
int forge_list_files(struct forge *f, const struct forge_pr *pr,
		     struct forge_files *out, struct buf *err);

/*
 * List the existing comments: GitHub's review comments and issue comments
 * (each list skipped when the PR's count says it is empty), GitLab's
 * discussions (system notes left out). Thread fields (thread, reply,
 * replies) are filled in, and `own` on the notes of tend's own account:
 * when there is any note, this asks who tend is (forge_get_self()), once
 * per adapter.
 */
int forge_list_notes(struct forge *f, const struct forge_pr *pr,
		     struct forge_notes *out, struct buf *err);

/*
 * The account tend posts as, learnt on first use with one read (GET
 * /user) and kept. When the forge will not say (GitHub answers 403 to an
 * Actions GITHUB_TOKEN or an App installation token; a GitLab job token
 * has no user): $TEND_BOT_LOGIN when set, else in GitHub Actions with the
 * token from GITHUB_TOKEN the Actions bot, github-actions[bot] (id
 * 41898282); else nobody: a warning says so once, and no note counts as
 * tend's, so tend may repeat what it posted before but can never be
 * silenced by someone else's copy of its markers.
 *
 * 0 and `*login_out` (borrowed from the adapter; NULL when unknown), or
 * the error of a forge that failed (TEND_ERROR, TEND_ETIMEOUT,
 * TEND_ERATELIMIT): an identity that could not be learnt for a passing
 * reason is not taken for "nobody".
 */
int forge_get_self(struct forge *f, const char **login_out, struct buf *err);

/*
 * Publish inline comments at once: one GitHub review (event COMMENT, on
 * pr->head_sha) whose body is `body`; on GitLab one draft note per comment
 * (positions from pr's base/start/head SHAs), then one bulk publish, and
 * `body` as a note when not NULL. `marker` is a string in `body` (or in
 * the first comment's body when `body` is NULL) that identifies this
 * write for the re-read after a timeout.
 */
int forge_post_review(struct forge *f, const struct forge_pr *pr,
		      const struct forge_inline *comments, size_t nr,
		      const char *body, const char *marker, struct buf *err);

/*
 * Create the summary comment (`id` NULL) or edit comment `id` in place.
 * `*url_out` (may be NULL) receives its web URL (caller frees). `marker`
 * as for forge_post_review().
 */
int forge_put_summary(struct forge *f, const struct forge_pr *pr,
		      const char *id, const char *body, const char *marker,
		      char **url_out, struct buf *err);

/*
 * Report the outcome on pr->head_sha: a GitHub check run (annotations
 * sent FORGE_MAX_ANNOTATIONS at a time), falling back to a commit status
 * when the token may not write checks; a GitLab commit status.
 */
int forge_set_status(struct forge *f, const struct forge_pr *pr,
		     const struct forge_status *st, struct buf *err);

/*
 * Resolve the discussion `thread` (GitLab). GitHub's REST API cannot
 * resolve review threads: returns TEND_ENOTFOUND there, and the caller
 * marks the comment fixed in the summary instead.
 */
int forge_resolve_thread(struct forge *f, const struct forge_pr *pr,
			 const char *thread, struct buf *err);

/*
 * Issues, for `tend tasks` (and the ChatOps of issues). GitHub's issue
 * number, GitLab's iid. A GitHub "issue" that is a pull request is never
 * returned as an issue.
 */
struct forge_issue {
	long number;
	char *title;
	char *body;		/* "" when the forge has none */
	char *author;		/* login / username; NULL: a deleted user */
	char *author_id;
	int open;		/* GitHub "open", GitLab "opened" */
	char **labels;		/* names; nr_labels of them */
	size_t nr_labels;
	char **assignees;	/* logins / usernames */
	size_t nr_assignees;
	char *url;		/* web page */
	char *created_at;	/* ISO 8601 as the forge wrote it */
};

struct forge_issues {
	struct forge_issue *items;
	size_t nr, alloc;
};

void forge_issue_init(struct forge_issue *issue);
void forge_issue_release(struct forge_issue *issue);
void forge_issues_init(struct forge_issues *list);
void forge_issues_release(struct forge_issues *list);
/* Append an issue to a list and return it, initialised. */
struct forge_issue *forge_issues_push(struct forge_issues *list);
/* Does the issue carry label `name` (compared as the forge does: exactly)? */
int forge_issue_has_label(const struct forge_issue *issue, const char *name);

/*
 * The open issues carrying `label`, oldest first (by creation), pull
 * requests left out, at most `max` (0: all; pages stop being read once
 * `max` are in hand).
 */
int forge_list_issues(struct forge *f, const char *label, size_t max,
		      struct forge_issues *out, struct buf *err);

/* Read issue `number` (open or closed). TEND_ENOTFOUND when none. */
int forge_get_issue(struct forge *f, long number, struct forge_issue *out,
		    struct buf *err);

/*
 * The comments on issue `number`, oldest first, every page (GitLab's
 * system notes left out), with `own` set as for forge_list_notes() and
 * thread/reply left empty (issue comments are flat here).
 */
int forge_list_issue_notes(struct forge *f, long number,
			   struct forge_notes *out, struct buf *err);

/*
 * Create a comment on issue `number` (`id` NULL) or edit comment `id` in
 * place. `*id_out` and `*url_out` (each may be NULL) receive the
 * comment's id and web URL (caller frees). `marker` as for
 * forge_post_review(): a string in `body` that identifies this write for
 * the re-read after a connection lost mid-write.
 */
int forge_put_issue_note(struct forge *f, long number, const char *id,
			 const char *body, const char *marker, char **id_out,
			 char **url_out, struct buf *err);

/* Delete comment `id` of issue `number`; one already gone is success. */
int forge_delete_issue_note(struct forge *f, long number, const char *id,
			    struct buf *err);

/*
 * Add the labels `add` and remove the labels `remove` of issue `number`
 * (NULL-terminated lists; either may be NULL). A label that does not
 * exist yet is created by adding it (both forges do); removing one the
 * issue lacks is success.
 */
int forge_edit_labels(struct forge *f, long number, const char *const *add,
		      const char *const *remove, struct buf *err);

/*
 * Who applied `label` to issue `number` most recently: the latest "add"
 * event for it (GitHub issue events "labeled", GitLab resource label
 * events), every page read. `*login_out` and `*id_out` (caller frees; the
 * id may be NULL) name the actor. TEND_ENOTFOUND when no event applied it
 * (or its actor is a deleted user).
 */
int forge_label_actor(struct forge *f, long number, const char *label,
		      char **login_out, char **id_out, struct buf *err);

/*
 * May user `login` (numeric id `id`; GitLab needs it, GitHub may get
 * NULL) write to this repository? GitHub: the collaborator permission is
 * "admin", "maintain" or "write" (role_name counted too); GitLab: the
 * member's access level, inherited ones included, is Developer (30) or
 * more. `*write_out` 1 or 0 (not a collaborator or member: 404 is 0, not
 * an error); errors only when the forge failed.
 */
int forge_user_can_write(struct forge *f, const char *login, const char *id,
			 int *write_out, struct buf *err);

/* A pull/merge request to open. */
struct forge_pr_new {
	const char *head_ref;	/* branch of this repository */
	const char *base_ref;
	const char *title;	/* GitLab drafts get "Draft: " in front */
	const char *body;
	int draft;
	const char *marker;	/* in `body`: the re-read after a lost write
				   looks for an open PR of head_ref with it */
};

/*
 * Open a pull/merge request (GitHub draft: true; GitLab a "Draft: "
 * title) and read it back into `out` as forge_get_pr() would. When one
 * is already open from head_ref, FORGE_EEXIST is returned and `out` is
 * that one: the caller never gets a second.
 */
int forge_create_pr(struct forge *f, const struct forge_pr_new *req,
		    struct forge_pr *out, struct buf *err);

/*
 * The newest pull/merge request of any state ("open", "closed",
 * "merged"; out->state says) whose head is branch `head_ref` of this
 * repository. TEND_ENOTFOUND when there is none.
 */
int forge_find_branch_pr(struct forge *f, const char *head_ref,
			 struct forge_pr *out, struct buf *err);

/* Replace the title (NULL: keep) and body of an open pull/merge request. */
int forge_update_pr(struct forge *f, const struct forge_pr *pr,
		    const char *title, const char *body, struct buf *err);

/*
 * Ask user `login` (id `id`; GitLab needs it) to review `pr`. A forge
 * that refuses the reviewer (GitHub 422: the author, not a
 * collaborator) answers TEND_EINVALID; the caller may go on.
 */
int forge_request_review(struct forge *f, const struct forge_pr *pr,
			 const char *login, const char *id, struct buf *err);

/*
 * ChatOps: comments anywhere in the repository's conversations (issues,
 * pull/merge requests, review comments on lines), tend's reactions to
 * them and its replies.
 */
struct forge_comment {
	char *id;		/* the comment / note id */
	long number;		/* the issue or PR/MR it is on */
	int on_pr;		/* on a pull/merge request (else an issue) */
	int diff_note;		/* on a line of the diff: GitHub review
				   comment, GitLab DiffNote */
	char *thread;		/* GitLab discussion id when known; GitHub
				   review comment: its thread's first
				   comment id; NULL otherwise */
	char *author;		/* login / username; NULL: a deleted user */
	char *author_id;
	int author_is_bot;
	int own;		/* by tend's own account (forge_get_self) */
	char *body;
	char *created_at;	/* ISO 8601, as the forge wrote it */
	char *url;		/* web link, or NULL */
};

struct forge_comments {
	struct forge_comment *items;
	size_t nr, alloc;
};

void forge_comment_init(struct forge_comment *c);
void forge_comment_release(struct forge_comment *c);
void forge_comments_init(struct forge_comments *list);
void forge_comments_release(struct forge_comments *list);
/* Append a comment to a list and return it, initialised. */
struct forge_comment *forge_comments_push(struct forge_comments *list);

/*
 * The comments written at or after `since` (ISO 8601 UTC,
 * "2026-12-07T06:00:00Z") on the repository's issues and PRs/MRs, tend's
 * own included (`own` is left 0: forge_comments_mark_own() sets it, at
 * the cost of asking who tend is), oldest first, every page:
 *   GitHub: GET /repos/O/R/issues/comments?since=...&sort=created
 *   (conversation comments of issues and PRs), and with `review` also
 *   GET /repos/O/R/pulls/comments?since=... (review comments);
 *   GitLab: GET /projects/:id/events?action=commented&after=<the day
 *   before since> (note events of issues and MRs, their bodies
 *   included), those created before `since` left out; `review` is
 *   ignored (diff notes are note events too).
 * With nothing new this is one request (two on GitHub with `review`).
 */
int forge_list_comments_since(struct forge *f, const char *since, int review,
			      struct forge_comments *out, struct buf *err);

/*
 * Set `own` on the comments tend's own account wrote: one read (GET
 * /user, see forge_get_self()) the first time the adapter needs it, none
 * when the list is empty.
 */
int forge_comments_mark_own(struct forge *f, struct forge_comments *list,
			    struct buf *err);

/*
 * Put reaction `emoji` ("eyes", "+1", "rocket", "confused") on comment
 * `c` as tend: GitHub reactions (issue comment or review comment), GitLab
 * award emoji on the note (issue or MR). One already there is success.
 */
int forge_react(struct forge *f, const struct forge_comment *c,
		const char *emoji, struct buf *err);

/* Has tend's own account put `emoji` on `c`? *out 1 or 0. */
int forge_reacted(struct forge *f, const struct forge_comment *c,
		  const char *emoji, int *out, struct buf *err);

/*
 * Answer `c` where it was written: GitHub: a new conversation comment on
 * c->number, or for a review comment a reply in its thread; GitLab: a
 * note in c's discussion (found from the note when c->thread is NULL), or
 * a new note on the issue / MR. `marker` (in `body`) as for
 * forge_post_review(). `*url_out` (may be NULL) gets the reply's web URL.
 */
int forge_reply(struct forge *f, const struct forge_comment *c,
		const char *body, const char *marker, char **url_out,
		struct buf *err);

/* "success", "failure", "neutral", "error". */
const char *forge_state_name(enum forge_state st);

/* ------------------------------------------------------------------ */
/* Outcomes: what people did with tend's output (tend stats).          */

/* A pull/merge request as a list shows it, for tend stats. */
struct forge_pr_brief {
	long number;
	char *state;		/* "open", "closed" (not merged), "merged" */
	char *author, *author_id;
	int own;		/* opened by tend's own account */
	char *body;		/* "" when empty */
	char *updated_at;	/* ISO 8601 */
	char *head_sha;		/* the head commit now, or NULL */
};

struct forge_pr_briefs {
	struct forge_pr_brief *items;
	size_t nr, alloc;
	int truncated;		/* stopped at `max` */
};

void forge_pr_briefs_init(struct forge_pr_briefs *list);
void forge_pr_briefs_release(struct forge_pr_briefs *list);
struct forge_pr_brief *forge_pr_briefs_push(struct forge_pr_briefs *list);

/*
 * The pull/merge requests of any state updated at or after `since` (ISO
 * 8601 UTC), most recently updated first, at most `max`, with `own` set:
 *   GitHub: GET /repos/O/R/pulls?state=all&sort=updated&direction=desc
 *   (pages read until one ends before `since`);
 *   GitLab: GET /projects/:id/merge_requests?state=all&updated_after=
 *   since&order_by=updated_at&sort=desc.
 * 100 a page: 200 PRs are 2 or 3 reads.
 */
int forge_list_prs_since(struct forge *f, const char *since, size_t max,
			 struct forge_pr_briefs *out, struct buf *err);

/* A commit of a pull/merge request: its id and whole message. */
struct forge_commit_brief {
	char *sha;
	char *message;
};

struct forge_commit_briefs {
	struct forge_commit_brief *items;
	size_t nr, alloc;
};

void forge_commit_briefs_init(struct forge_commit_briefs *list);
void forge_commit_briefs_release(struct forge_commit_briefs *list);
struct forge_commit_brief *
forge_commit_briefs_push(struct forge_commit_briefs *list);

/*
 * The commits of pull/merge request `number` as they are now (a commit
 * force-pushed away is not among them): GitHub GET pulls/N/commits (the
 * first 250, GitHub's limit), GitLab GET merge_requests/:iid/commits.
 */
int forge_list_pr_commits(struct forge *f, long number,
			  struct forge_commit_briefs *out, struct buf *err);

/*
 * How many people other than tend put 👎 on note `n` of pull/merge
 * request `number`: GitHub from the note's reactions rollup (no read),
 * GitLab GET .../merge_requests/:iid/notes/:id/award_emoji ("thumbsdown").
 */
int forge_note_thumbs_down(struct forge *f, long number,
			   const struct forge_note *n, long *out,
			   struct buf *err);

/* The longest file forge_get_file() reads. */
#define FORGE_MAX_FILE (1024 * 1024)

/*
 * The contents of `path` at commit `ref` into `out` (replaced): GitHub
 * GET /repos/O/R/contents/PATH?ref=REF, GitLab GET
 * /projects/:id/repository/files/PATH?ref=REF, both base64 in JSON.
 * TEND_ENOTFOUND when the file is not there; TEND_ETOOBIG over
 * FORGE_MAX_FILE; TEND_EINVALID for an answer that is not a file.
 */
int forge_get_file(struct forge *f, const char *path, const char *ref,
		   struct buf *out, struct buf *err);

/*
 * Who resolved the review threads of `number`: GitHub's REST API does not
 * say, so this asks GraphQL (POST /graphql, reviewThreads, 100 a page;
 * counted as reads) and sets `resolved` and `resolved_by` on the root
 * note of each resolved thread in `notes`. GitLab's discussions already
 * say: nothing is asked. On GitHub Enterprise (an API URL with a path)
 * nothing is asked either: TEND_ENOTFOUND, and the notes are unchanged.
 */
int forge_read_resolutions(struct forge *f, long number,
			   struct forge_notes *notes, struct buf *err);

#endif

