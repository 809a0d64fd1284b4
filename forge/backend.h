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
};

extern const struct forge_ops forge_github_ops;
extern const struct forge_ops forge_gitlab_ops;

/*
 * One JSON request to `path` (appended to api_url; a full "http(s)://"
 * URL is used as is, for pagination links). Counts it as a read (GET) or
 * a write, adds the auth header, and maps the answer:
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

/* Copy a JSON string member, or NULL when absent or not a string. */
char *forge_json_strdup(const json_t *obj, const char *key);

/* An id member (an integer or a non-empty string) as text, or NULL. */
char *forge_json_id(const json_t *obj, const char *key);

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

#endif
