/*
 * backend.h - what forge.c shares with the adapters (github.c, gitlab.c).
 * Not for use outside forge/.
 */
#ifndef FORGE_BACKEND_H
#define FORGE_BACKEND_H

#include <jansson.h>

#include "common/http.h"
#include "forge/forge.h"

struct forge_ops {
	int (*get_pr)(struct forge *f, long number, struct forge_pr *out,
		      struct buf *err);
	/* forge_find_pr(); NULL: TEND_ENOTFOUND. */
	int (*find_pr)(struct forge *f, const char *head_repo,
		       const char *head_ref, const char *head_sha,
		       long *number_out, struct buf *err);
	int (*list_files)(struct forge *f, const struct forge_pr *pr,
			  struct forge_files *out, struct buf *err);
	int (*list_notes)(struct forge *f, const struct forge_pr *pr,
			  struct forge_notes *out, struct buf *err);
	int (*post_review)(struct forge *f, const struct forge_pr *pr,
			   const struct forge_inline *comments, size_t nr,
			   const char *body, const char *marker,
			   struct buf *err);
	int (*put_summary)(struct forge *f, const struct forge_pr *pr,
			   const char *id, const char *body,
			   const char *marker, char **url_out,
			   struct buf *err);
	int (*set_status)(struct forge *f, const struct forge_pr *pr,
			  const struct forge_status *st, struct buf *err);
	int (*resolve_thread)(struct forge *f, const struct forge_pr *pr,
			      const char *thread, struct buf *err);
	/*
	 * Ask the forge who the token belongs to (GET /user): 0 with
	 * `*login_out` and `*id_out` (caller frees; the id may be NULL), or
	 * forge_request()'s error.
	 */
	int (*get_self)(struct forge *f, char **login_out, char **id_out,
			struct buf *err);
	/* Issues and opening PRs: see forge.h. */
	int (*list_issues)(struct forge *f, const char *label, size_t max,
			   struct forge_issues *out, struct buf *err);
	int (*get_issue)(struct forge *f, long number, struct forge_issue *out,
			 struct buf *err);
	int (*list_issue_notes)(struct forge *f, long number,
				struct forge_notes *out, struct buf *err);
	int (*put_issue_note)(struct forge *f, long number, const char *id,
			      const char *body, const char *marker,
			      char **id_out, char **url_out, struct buf *err);
	int (*delete_issue_note)(struct forge *f, long number, const char *id,
				 struct buf *err);
	int (*edit_labels)(struct forge *f, long number,
			   const char *const *add, const char *const *remove,
			   struct buf *err);
	int (*label_actor)(struct forge *f, long number, const char *label,
			   char **login_out, char **id_out, struct buf *err);
	int (*user_can_write)(struct forge *f, const char *login,
			      const char *id, int *write_out, struct buf *err);
	int (*create_pr)(struct forge *f, const struct forge_pr_new *req,
			 struct forge_pr *out, struct buf *err);
	int (*find_branch_pr)(struct forge *f, const char *head_ref,
			      struct forge_pr *out, struct buf *err);
	int (*update_pr)(struct forge *f, const struct forge_pr *pr,
			 const char *title, const char *body, struct buf *err);
	int (*request_review)(struct forge *f, const struct forge_pr *pr,
			      const char *login, const char *id,
			      struct buf *err);
	/* ChatOps: see forge.h. */
	int (*list_comments_since)(struct forge *f, const char *since,
				   int review, struct forge_comments *out,
				   struct buf *err);
	int (*react)(struct forge *f, const struct forge_comment *c,
		     const char *emoji, struct buf *err);
	int (*reacted)(struct forge *f, const struct forge_comment *c,
		       const char *emoji, int *out, struct buf *err);
	int (*reply)(struct forge *f, const struct forge_comment *c,
		     const char *body, const char *marker, char **url_out,
		     struct buf *err);
};

/* Who tend posts as; see forge_get_self(). */
struct forge_self {
	int asked;		/* resolved, as far as it can be */
	char *login;		/* NULL: unknown, no note is tend's */
	char *id;		/* numeric id as text; NULL when only the
				   login is known (TEND_BOT_LOGIN) */
};

struct forge {
	enum forge_kind kind;
	const struct forge_ops *ops;
	char *api_url;		/* no trailing '/' */
	char *repo;		/* "owner/name" or GitLab path */
	char *project;		/* GitLab: project id or URL-encoded path */
	char *auth_header;	/* "Authorization: Bearer ..." or
				   "PRIVATE-TOKEN: ..." / "JOB-TOKEN: ..." */
	struct http_client *http;
	struct forge_stats stats;
	int checks_denied;	/* GitHub: fall back to commit statuses */
	int job_token;		/* GitLab CI_JOB_TOKEN: it has no user */
	int actions_token;	/* GitHub Actions, token from GITHUB_TOKEN:
				   may be the Actions bot's own token */
	/*
	 * GitHub: the Actions token, or any token from GITHUB_TOKEN in
	 * Actions that is not a personal one: it reaches the base
	 * repository only, never a fork.
	 */
	int installation_token;
	int can_write;		/* the context's can_write: 1, 0, -1 */
	char *bot_login;	/* $TEND_BOT_LOGIN at open, or NULL */
	struct forge_self self;
};

extern const struct forge_ops forge_github_ops;
extern const struct forge_ops forge_gitlab_ops;

/*
 * One JSON request to `path` (appended to api_url, so it must begin with
 * '/'; a full "http(s)://" URL, for pagination links, is used as is and
 * only when forge_under_api() allows it: anything else is TEND_EINVALID
 * and nothing is sent). Counts it as a read (GET) or a write, adds the
 * auth header, and maps the answer:
 *   2xx -> 0 with *json_out (may be NULL for an empty body);
 *   401 -> TEND_EAUTH; 403 on a write -> FORGE_EREADONLY, on a read ->
 *   TEND_EAUTH; 404 -> TEND_ENOTFOUND; 422/400 and other 4xx ->
 *   TEND_EINVALID; the rest as http_send_json() returns it.
 * Every error message names the method, the path (never the token) and
 * the forge's own message ("message" / "error" fields) when it gave one.
 * `raw` (may be NULL; initialised by the caller) receives the response
 * (headers for pagination, maybe_sent). `*json_out` belongs to the caller
 * and is set only on success.
 */
int forge_request(struct forge *f, const char *method, const char *path,
		  json_t *body, json_t **json_out, struct http_response *raw,
		  struct buf *err);

/*
 * May the token push to `pr`'s head branch? The rule of struct
 * forge_pr's can_push, from pr's fork, head and maintainer_can_push and
 * the adapter's token: 1, 0 or -1. forge_get_pr() stores it.
 */
int forge_pr_can_push(const struct forge *f, const struct forge_pr *pr);

/*
 * Learn who tend posts as, once (forge_get_self() without the login):
 * 0 when known or known to be unknown, <0 when the forge failed.
 */
int forge_self_resolve(struct forge *f, struct buf *err);

/*
 * Is the author `login` (id `id`, may be NULL) tend's own account? The
 * login must match (ASCII case aside: both forges treat logins so), and
 * so must the id when tend's id is known: a note without an id is then
 * not tend's. Always 0 while the identity is unknown or not resolved.
 */
int forge_is_self(const struct forge *f, const char *login, const char *id);

/*
 * May the token be sent to `url`, a link the forge gave (pagination)?
 * Only under the API URL: the same scheme, host and port written the same
 * way, and its path on a segment boundary ("/api/v3/..." under
 * "/api/v3", never "/api/v3x" or "@host", ".evil", ":port" after the
 * host). Textual, so anything written differently is refused.
 */
int forge_under_api(const struct forge *f, const char *url);

/*
 * Parse an answer's text (any JSON value), or NULL and TEND_EINVALID in
 * `err`: "WHAT: not JSON (... at line N)". The caller decrefs.
 */
json_t *forge_json_load(const char *text, size_t len, const char *what,
			struct buf *err);

/* Copy a JSON string member, or NULL when absent or not a string. */
char *forge_json_strdup(const json_t *obj, const char *key);

/* An id member (an integer or a non-empty string) as text, or NULL. */
char *forge_json_id(const json_t *obj, const char *key);

/*
 * The user an answer describes: its `key` member ("login" on GitHub,
 * "username" on GitLab) and its id, both new strings, or TEND_EINVALID
 * naming `where` when there is no name. forge_parse_user() takes the
 * answer's text; forge_get_user() asks the forge (GET /user).
 */
int forge_read_user(char **login_out, char **id_out, const json_t *json,
		    const char *key, const char *where, struct buf *err);
int forge_parse_user(char **login_out, char **id_out, const char *text,
		     size_t len, const char *key, struct buf *err);
int forge_get_user(struct forge *f, const char *key, char **login_out,
		   char **id_out, struct buf *err);

/* A JSON integer member (or a numeric string), `def` when absent. */
long forge_json_long(const json_t *obj, const char *key, long def);

/* Append `s` percent-encoded as one path segment (GitLab project paths). */
void forge_url_escape(struct buf *out, const char *s);

/* Does `text` contain `marker`? (NULL marker: no) */
int forge_has_marker(const char *text, const char *marker);

/* Append a note to a list and return it, zeroed. */
struct forge_note *forge_notes_push(struct forge_notes *list);
/* Append a file to a list and return it, zeroed. */
struct forge_file *forge_files_push(struct forge_files *list);

/* Outcomes (tend stats): the adapters' halves of forge.h's functions. */
int forge_github_list_prs_since(struct forge *f, const char *since,
				size_t max, struct forge_pr_briefs *out,
				struct buf *err);
int forge_gitlab_list_prs_since(struct forge *f, const char *since,
				size_t max, struct forge_pr_briefs *out,
				struct buf *err);
int forge_github_list_pr_commits(struct forge *f, long number,
				 struct forge_commit_briefs *out,
				 struct buf *err);
int forge_gitlab_list_pr_commits(struct forge *f, long number,
				 struct forge_commit_briefs *out,
				 struct buf *err);
/* Others than tend who gave "thumbsdown" on MR note `note_id`. */
int forge_gitlab_thumbs_down(struct forge *f, long number,
			     const char *note_id, long *out, struct buf *err);

int forge_github_get_file(struct forge *f, const char *path, const char *ref,
			  struct buf *out, struct buf *err);
int forge_gitlab_get_file(struct forge *f, const char *path, const char *ref,
			  struct buf *out, struct buf *err);
/*
 * A file answer's "content" in "encoding" base64 (newlines allowed) into
 * `out`; `what` names it in errors. 0, TEND_EINVALID or TEND_ETOOBIG.
 */
int forge_file_content(struct buf *out, const json_t *json, const char *what,
		       struct buf *err);

int forge_github_read_resolutions(struct forge *f, long number,
				  struct forge_notes *notes, struct buf *err);

#endif

