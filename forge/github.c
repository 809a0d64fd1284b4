/*
 * github.c - the GitHub REST v3 adapter (github.com and GitHub Enterprise,
 * whose API lives under a path prefix such as https://ghe.example/api/v3:
 * every path here is appended to the context's API URL, so the prefix is
 * kept).
 *
 * Reads: the PR, its files (100 per page, following the Link header, at
 * most 3000 files as GitHub lists), its review comments and its issue
 * comments (each list only when the PR's count says it is not empty), and
 * who the token belongs to (GET /user, once, when there are comments to
 * tell apart). Writes: one review with every inline comment, the summary
 * as an issue comment, and a check run (annotations 50 per request) or,
 * when the token may not write checks, a commit status.
 *
 * For `tend tasks`: the open issues of a label (pull requests, which
 * GitHub lists among issues, left out), one issue, its comments (the
 * tracking comment posted, edited and deleted), its labels (added in one
 * request, removed one by one) and who applied a label last (the issue's
 * events), a user's collaborator permission, and opening (draft), finding
 * by branch, editing and asking reviews of a pull request. GitHub keeps
 * one open pull request per head and base: a second is refused with 422,
 * and the open one is returned as FORGE_EEXIST. Writes that must not
 * happen twice (a comment, a pull request) are re-read for their marker
 * when the answer was lost; the others are idempotent and are sent once
 * more after a passing failure.
 *
 * A pagination link is followed only when it points under the API URL
 * (forge_under_api()); any other is an error, not a silent end of the
 * list: the token is never sent to another host or path, and a list cut
 * short is never taken for the whole.
 *
 * The JSON answers are read by the parsers of github.h, which unit tests
 * and fuzz_github and fuzz_github_issues drive with any text.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/backend.h"
#include "forge/github.h"

/* More pages than this is a server bug, not a PR. */
#define FORGE_GITHUB_MAX_PAGES 2000

typedef int (*forge_github_each_fn)(const json_t *item, void *data,
				    struct buf *err);

/* Call `each` on every element of the array `json` (one page). */
static int forge_github_page(const json_t *json, const char *what,
			     forge_github_each_fn each, void *data,
			     struct buf *err)
{
	size_t i;
	int rc = 0;

	if (!json_is_array(json))
		return error_set(err, TEND_EINVALID,
				 "%s: expected a JSON array", what);
	for (i = 0; i < json_array_size(json) && !rc; i++)
		rc = each(json_array_get(json, i), data, err);
	return rc;
}

/* Parse `text` as one page and call `each` on its elements. */
static int forge_github_parse_page(const char *text, size_t len,
				   const char *what, forge_github_each_fn each,
				   void *data, struct buf *err)
{
	json_t *json = forge_json_load(text, len, what, err);
	int rc;

	if (!json)
		return TEND_EINVALID;
	rc = forge_github_page(json, what, each, data, err);
	json_decref(json);
	return rc;
}

/*
 * GET every page of the list at `path` and call `each` on every element.
 * Stops at the first error, or when `each` returns > 0.
 */
static int forge_github_each(struct forge *f, const char *path,
			     forge_github_each_fn each, void *data,
			     struct buf *err)
{
	struct http_response raw;
	struct buf where = BUF_INIT, shown = BUF_INIT;
	char *next = xstrdup(path);
	json_t *json;
	size_t pages = 0;
	int rc = 0;

	while (next) {
		const char *link;
		char *url = next;

		next = NULL;
		if (++pages > FORGE_GITHUB_MAX_PAGES) {
			rc = error_set(err, TEND_EINVALID,
				       "GET %s: more than %d pages", path,
				       FORGE_GITHUB_MAX_PAGES);
			free(url);
			break;
		}
		http_response_init(&raw);
		rc = forge_request(f, "GET", url, NULL, &json, &raw, err);
		if (rc < 0) {
			http_response_release(&raw);
			free(url);
			break;
		}
		buf_reset(&where);
		buf_printf(&where, "GET %s", path);
		rc = forge_github_page(json, where.ptr, each, data, err);
		json_decref(json);
		link = http_response_header(&raw, "link");
		next = link && !rc ? http_link_next(link) : NULL;
		if (next && !forge_under_api(f, next)) {
			buf_reset(&shown);
			http_url_for_log(&shown, next);
			rc = error_set(err, TEND_EINVALID,
				       "GET %s: the next page is at '%s', "
				       "outside the API URL '%s': not "
				       "following it (the token goes nowhere "
				       "else), and the list is incomplete",
				       path, shown.ptr, f->api_url);
			free(next);
			next = NULL;
		}
		http_response_release(&raw);
		free(url);
		if (rc)
			break;
	}
	free(next);
	buf_release(&where);
	buf_release(&shown);
	return rc < 0 ? rc : 0;
}

static int forge_github_read_pr(struct forge_pr *out, const json_t *json,
				long number, const char *where,
				struct buf *err)
{
	const json_t *head, *base, *user, *hrepo, *brepo, *mcm;
	char *hname, *bname;

	forge_pr_release(out);
	head = json_object_get(json, "head");
	base = json_object_get(json, "base");
	if (!json_is_object(json) || !json_is_object(head) ||
	    !json_is_object(base) ||
	    !json_is_string(json_object_get(head, "sha")))
		return error_set(err, TEND_EINVALID,
				 "%s: not a pull request (no head.sha)", where);
	out->number = forge_json_long(json, "number", number);
	out->title = forge_json_strdup(json, "title");
	out->body = forge_json_strdup(json, "body");
	user = json_object_get(json, "user");
	out->author = forge_json_strdup(user, "login");
	out->url = forge_json_strdup(json, "html_url");
	out->head_sha = forge_json_strdup(head, "sha");
	out->base_sha = forge_json_strdup(base, "sha");
	out->head_ref = forge_json_strdup(head, "ref");
	out->base_ref = forge_json_strdup(base, "ref");
	hrepo = json_object_get(head, "repo");
	brepo = json_object_get(base, "repo");
	hname = forge_json_strdup(hrepo, "full_name");
	bname = forge_json_strdup(brepo, "full_name");
	out->head_repo = hname;
	/* A deleted fork has head.repo null: still not this repository. */
	out->fork = !hname || (bname && strcmp(hname, bname));
	free(bname);
	mcm = json_object_get(json, "maintainer_can_modify");
	out->maintainer_can_push = json_is_boolean(mcm) ? json_is_true(mcm)
							: -1;
	out->draft = json_is_true(json_object_get(json, "draft"));
	out->state = forge_json_strdup(json, "state");
	out->changed_files = forge_json_long(json, "changed_files", -1);
	out->nr_review_comments = forge_json_long(json, "review_comments", -1);
	out->nr_comments = forge_json_long(json, "comments", -1);
	return 0;
}

int forge_github_parse_pr(struct forge_pr *out, const char *text, size_t len,
			  struct buf *err)
{
	json_t *json = forge_json_load(text, len, "pull request", err);
	int rc;

	if (!json) {
		forge_pr_release(out);
		return TEND_EINVALID;
	}
	rc = forge_github_read_pr(out, json, 0, "pull request", err);
	json_decref(json);
	return rc;
}

static int forge_github_get_pr(struct forge *f, long number,
			       struct forge_pr *out, struct buf *err)
{
	char *path = xasprintf("/repos/%s/pulls/%ld", f->repo, number);
	char *where = xasprintf("GET %s", path);
	json_t *json = NULL;
	int rc;

	forge_pr_release(out);
	rc = forge_request(f, "GET", path, NULL, &json, NULL, err);
	if (rc < 0) {
		if (rc == TEND_ENOTFOUND)
			error_wrap(err, rc, "no pull request %ld in %s",
				   number, f->repo);
		goto out;
	}
	rc = forge_github_read_pr(out, json, number, where, err);
	if (rc < 0)
		forge_pr_release(out);
out:
	json_decref(json);
	free(where);
	free(path);
	return rc;
}

/*
 * forge_find_pr(): the open pull requests GitHub lists for the head
 * "owner:branch", newest first; the head repository is checked too, as
 * the filter names only its owner.
 */
struct forge_github_find_pr {
	const char *head_repo, *head_ref, *head_sha;
	long first;		/* the newest match */
	long exact;		/* a match on head_sha */
};

static int forge_github_find_pr_one(const json_t *item, void *data,
				    struct buf *err)
{
	struct forge_github_find_pr *fp = data;
	const json_t *head = json_object_get(item, "head");
	const json_t *repo = json_object_get(head, "repo");
	const char *ref, *name, *sha;
	long number;

	if (!json_is_object(item) || !json_is_object(head))
		return error_set(err, TEND_EINVALID,
				 "pull requests: an entry has no head");
	number = forge_json_long(item, "number", 0);
	ref = json_string_value(json_object_get(head, "ref"));
	name = json_string_value(json_object_get(repo, "full_name"));
	sha = json_string_value(json_object_get(head, "sha"));
	if (number <= 0 || !ref || !name || strcmp(ref, fp->head_ref) ||
	    strcasecmp(name, fp->head_repo))
		return 0;
	if (!fp->first)
		fp->first = number;
	if (fp->head_sha && sha && !strcasecmp(sha, fp->head_sha)) {
		fp->exact = number;
		return 1;
	}
	return 0;
}

static int forge_github_find_pr(struct forge *f, const char *head_repo,
				const char *head_ref, const char *head_sha,
				long *number_out, struct buf *err)
{
	struct forge_github_find_pr fp = { NULL, head_ref, head_sha, 0, 0 };
	struct buf path = BUF_INIT;
	const char *slash;
	char *owner;
	int rc;

	fp.head_repo = head_repo && *head_repo ? head_repo : f->repo;
	slash = strchr(fp.head_repo, '/');
	if (!slash || slash == fp.head_repo)
		return error_set(err, TEND_EINVALID,
				 "head repository '%.200s' is not OWNER/NAME",
				 fp.head_repo);
	owner = xstrndup(fp.head_repo, (size_t)(slash - fp.head_repo));
	buf_printf(&path, "/repos/%s/pulls?state=open&head=", f->repo);
	forge_url_escape(&path, owner);
	buf_putc(&path, ':');
	forge_url_escape(&path, head_ref);
	buf_puts(&path, "&per_page=100");
	rc = forge_github_each(f, path.ptr, forge_github_find_pr_one, &fp,
			       err);
	if (rc < 0)
		goto out;
	*number_out = fp.exact ? fp.exact : fp.first;
	if (!*number_out)
		rc = error_set(err, TEND_ENOTFOUND,
			       "no open pull request in %s from branch "
			       "'%.200s' of %s", f->repo, head_ref,
			       fp.head_repo);
out:
	free(owner);
	buf_release(&path);
	return rc;
}

static int forge_github_file(const json_t *item, void *data, struct buf *err)
{
	struct forge_files *out = data;
	struct forge_file *ff;
	const char *status;
	long changes;

	if (!json_is_object(item) ||
	    !json_is_string(json_object_get(item, "filename")))
		return error_set(err, TEND_EINVALID,
				 "pull request files: an entry has no filename");
	status = json_string_value(json_object_get(item, "status"));
	ff = forge_files_push(out);
	ff->path = forge_json_strdup(item, "filename");
	ff->patch = forge_json_strdup(item, "patch");
	ff->additions = forge_json_long(item, "additions", -1);
	ff->deletions = forge_json_long(item, "deletions", -1);
	changes = forge_json_long(item, "changes", -1);
	if (!status || !strcmp(status, "modified") ||
	    !strcmp(status, "changed") || !strcmp(status, "unchanged")) {
		ff->status = FORGE_FILE_MODIFIED;
	} else if (!strcmp(status, "added")) {
		ff->status = FORGE_FILE_ADDED;
	} else if (!strcmp(status, "removed")) {
		ff->status = FORGE_FILE_DELETED;
	} else if (!strcmp(status, "renamed") || !strcmp(status, "copied")) {
		ff->status = !strcmp(status, "renamed") ? FORGE_FILE_RENAMED
							: FORGE_FILE_COPIED;
		ff->old_path = forge_json_strdup(item, "previous_filename");
	} else {
		ff->status = FORGE_FILE_MODIFIED;
	}
	/*
	 * GitHub leaves `patch` out for binary files and for diffs too
	 * large to show; only the second has lines counted.
	 */
	if (!ff->patch && changes > 0)
		ff->too_large = 1;
	return 0;
}

int forge_github_parse_files(struct forge_files *out, const char *text,
			     size_t len, struct buf *err)
{
	return forge_github_parse_page(text, len, "pull request files",
				       forge_github_file, out, err);
}

static int forge_github_list_files(struct forge *f, const struct forge_pr *pr,
				   struct forge_files *out, struct buf *err)
{
	char *path = xasprintf("/repos/%s/pulls/%ld/files?per_page=100",
			       f->repo, pr->number);
	int rc;

	rc = forge_github_each(f, path, forge_github_file, out, err);
	free(path);
	if (rc < 0)
		return rc;
	if (out->nr >= FORGE_GITHUB_MAX_FILES ||
	    (pr->changed_files >= 0 && (long)out->nr < pr->changed_files))
		out->truncated = 1;
	return 0;
}

/* Author fields of a comment's `user` (null for a deleted account). */
static void forge_github_author(struct forge_note *n, const json_t *item)
{
	const json_t *user = json_object_get(item, "user");
	const json_t *type = json_object_get(user, "type");

	if (!json_is_object(user))
		return;
	n->author = forge_json_strdup(user, "login");
	n->author_id = forge_json_id(user, "id");
	n->author_is_bot = json_is_string(type) &&
			   !strcmp(json_string_value(type), "Bot");
}

/* A new note for `item`, which must carry an id; NULL and an error. */
static struct forge_note *forge_github_note(struct forge_notes *out,
					    const json_t *item,
					    const char *what, struct buf *err)
{
	struct forge_note *n;
	char *id = forge_json_id(item, "id");

	if (!id) {
		error_set(err, TEND_EINVALID, "%s: an entry has no id", what);
		return NULL;
	}
	n = forge_notes_push(out);
	n->id = id;
	forge_github_author(n, item);
	n->body = forge_json_strdup(item, "body");
	return n;
}

static int forge_github_review_comment(const json_t *item, void *data,
				       struct buf *err)
{
	struct forge_note *n;
	const json_t *line, *side;

	n = forge_github_note(data, item, "review comments", err);
	if (!n)
		return TEND_EINVALID;
	n->thread = forge_json_id(item, "in_reply_to_id");
	n->reply = n->thread != NULL;
	if (!n->thread)
		n->thread = xstrdup(n->id);
	n->path = forge_json_strdup(item, "path");
	n->inline_note = 1;
	line = json_object_get(item, "line");
	if (json_is_integer(line) && json_integer_value(line) > 0 &&
	    json_integer_value(line) <= (json_int_t)UINT32_MAX)
		n->line = (uint32_t)json_integer_value(line);
	n->outdated = !n->line;
	n->created_at = forge_json_strdup(item, "created_at");
	n->thumbs_down = forge_json_long(json_object_get(item, "reactions"),
					 "-1", -1);
	n->commit = forge_json_strdup(item, "original_commit_id");
	line = json_object_get(item, "original_line");
	if (json_is_integer(line) && json_integer_value(line) > 0 &&
	    json_integer_value(line) <= (json_int_t)UINT32_MAX)
		n->original_line = (uint32_t)json_integer_value(line);
	side = json_object_get(item, "side");
	n->side = json_is_string(side) &&
		!strcmp(json_string_value(side), "LEFT") ?
		FORGE_SIDE_LEFT : FORGE_SIDE_RIGHT;
	return 0;
}

static int forge_github_issue_comment(const json_t *item, void *data,
				      struct buf *err)
{
	struct forge_note *n;

	n = forge_github_note(data, item, "issue comments", err);
	if (!n)
		return TEND_EINVALID;
	n->thread = xstrdup(n->id);
	n->created_at = forge_json_strdup(item, "created_at");
	return 0;
}

int forge_github_parse_review_comments(struct forge_notes *out,
				       const char *text, size_t len,
				       struct buf *err)
{
	return forge_github_parse_page(text, len, "review comments",
				       forge_github_review_comment, out, err);
}

int forge_github_parse_issue_comments(struct forge_notes *out,
				      const char *text, size_t len,
				      struct buf *err)
{
	return forge_github_parse_page(text, len, "issue comments",
				       forge_github_issue_comment, out, err);
}

void forge_github_count_replies(struct forge_notes *notes)
{
	size_t i, j;

	for (i = 0; i < notes->nr; i++) {
		struct forge_note *n = &notes->items[i];

		if (n->reply || !n->inline_note)
			continue;
		n->replies = 0;
		for (j = 0; j < notes->nr; j++)
			if (notes->items[j].reply &&
			    !strcmp(notes->items[j].thread, n->id))
				n->replies++;
	}
}

static int forge_github_list_notes(struct forge *f, const struct forge_pr *pr,
				   struct forge_notes *out, struct buf *err)
{
	char *path;
	int rc = 0;

	if (pr->nr_review_comments != 0) {
		path = xasprintf("/repos/%s/pulls/%ld/comments?per_page=100",
				 f->repo, pr->number);
		rc = forge_github_each(f, path, forge_github_review_comment,
				       out, err);
		free(path);
		if (rc < 0)
			return rc;
	}
	if (pr->nr_comments != 0) {
		path = xasprintf("/repos/%s/issues/%ld/comments?per_page=100",
				 f->repo, pr->number);
		rc = forge_github_each(f, path, forge_github_issue_comment,
				       out, err);
		free(path);
		if (rc < 0)
			return rc;
	}
	forge_github_count_replies(out);
	return 0;
}

int forge_github_parse_user(char **login_out, char **id_out, const char *text,
			    size_t len, struct buf *err)
{
	return forge_parse_user(login_out, id_out, text, len, "login", err);
}

static int forge_github_get_self(struct forge *f, char **login_out,
				 char **id_out, struct buf *err)
{
	return forge_get_user(f, "login", login_out, id_out, err);
}

/*
 * Is there an element of the list at `path`, written by tend's own
 * account, whose `field` has `marker`? Someone else's copy of the marker
 * does not count: it would make a lost write look landed.
 */
struct forge_github_find {
	const struct forge *f;
	const char *marker;
	const char *field;
	char *id;
	char *url;
};

static int forge_github_find_one(const json_t *item, void *data,
				 struct buf *err)
{
	struct forge_github_find *fd = data;
	const json_t *v = json_object_get(item, fd->field);
	const json_t *user = json_object_get(item, "user");
	char *login, *uid;
	int own;

	(void)err;
	if (!json_is_string(v) ||
	    !forge_has_marker(json_string_value(v), fd->marker))
		return 0;
	login = forge_json_strdup(user, "login");
	uid = forge_json_id(user, "id");
	own = forge_is_self(fd->f, login, uid);
	free(login);
	free(uid);
	if (!own || !(fd->id = forge_json_id(item, "id")))
		return 0;
	fd->url = forge_json_strdup(item, "html_url");
	return 1;
}

static int forge_github_find(struct forge *f, const char *path,
			     const char *field, const char *marker,
			     char **id_out, char **url_out, struct buf *err)
{
	struct forge_github_find fd = { f, marker, field, NULL, NULL };
	int rc;

	if ((rc = forge_self_resolve(f, err)) < 0)
		return rc;
	rc = forge_github_each(f, path, forge_github_find_one, &fd, err);
	if (rc < 0 || !fd.id) {
		free(fd.id);
		free(fd.url);
		return rc < 0 ? rc : 0;
	}
	if (id_out)
		*id_out = fd.id;
	else
		free(fd.id);
	if (url_out)
		*url_out = fd.url;
	else
		free(fd.url);
	return 1;
}

/*
 * POST a write that must not happen twice. When the answer was lost after
 * the request may have arrived, look for `marker` with `find_path` (a list
 * whose `field` holds the body) before sending it once more.
 */
static int forge_github_post_once(struct forge *f, const char *path,
				  json_t *body, const char *find_path,
				  const char *field, const char *marker,
				  json_t **json_out, char **id_found,
				  char **url_found, struct buf *err)
{
	struct http_response raw;
	int rc, attempt, found;

	for (attempt = 0; attempt < 2; attempt++) {
		http_response_init(&raw);
		rc = forge_request(f, "POST", path, body, json_out, &raw, err);
		if (rc == 0 || !raw.maybe_sent || !marker) {
			http_response_release(&raw);
			return rc;
		}
		http_response_release(&raw);
		log_warn("POST %s: no answer (%s); checking whether it "
			 "arrived", path, err->ptr);
		found = forge_github_find(f, find_path, field, marker,
					  id_found, url_found, err);
		if (found < 0)
			return found;
		if (found) {
			log_info("POST %s had arrived; not sending it again",
				 path);
			buf_reset(err);
			return 0;
		}
	}
	return rc;
}

static json_t *forge_github_comment_json(const struct forge_inline *c)
{
	const char *side = c->side == FORGE_SIDE_LEFT ? "LEFT" : "RIGHT";
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(c->path));
	json_object_set_new(o, "body", jsonutil_string(c->body));
	json_object_set_new(o, "line", json_integer(c->line));
	json_object_set_new(o, "side", json_string(side));
	if (c->start_line && c->start_line < c->line) {
		json_object_set_new(o, "start_line",
				    json_integer(c->start_line));
		json_object_set_new(o, "start_side", json_string(side));
	}
	return o;
}

static int forge_github_post_review(struct forge *f, const struct forge_pr *pr,
				    const struct forge_inline *comments,
				    size_t nr, const char *body,
				    const char *marker, struct buf *err)
{
	char *path, *find;
	json_t *req, *arr, *json = NULL;
	size_t i;
	int rc;

	if (!nr && !body)
		return 0;
	req = json_object();
	json_object_set_new(req, "commit_id", json_string(pr->head_sha));
	/* GitHub requires a body for a COMMENT review. */
	json_object_set_new(req, "body",
			    jsonutil_string(body ? body : marker ? marker : ""));
	json_object_set_new(req, "event", json_string("COMMENT"));
	arr = json_array();
	for (i = 0; i < nr; i++)
		json_array_append_new(arr, forge_github_comment_json(&comments[i]));
	json_object_set_new(req, "comments", arr);
	path = xasprintf("/repos/%s/pulls/%ld/reviews", f->repo, pr->number);
	find = xasprintf("/repos/%s/pulls/%ld/reviews?per_page=100", f->repo,
			 pr->number);
	rc = forge_github_post_once(f, path, req, find, "body", marker, &json,
				    NULL, NULL, err);
	json_decref(json);
	json_decref(req);
	free(path);
	free(find);
	return rc;
}

static int forge_github_put_summary(struct forge *f, const struct forge_pr *pr,
				    const char *id, const char *body,
				    const char *marker, char **url_out,
				    struct buf *err)
{
	json_t *req = json_object(), *json = NULL;
	char *path, *find = NULL, *found = NULL;
	int rc;

	json_object_set_new(req, "body", jsonutil_string(body));
	if (id) {
		/* Editing is idempotent: sending it twice does no harm. */
		path = xasprintf("/repos/%s/issues/comments/%s", f->repo, id);
		rc = forge_request(f, "PATCH", path, req, &json, NULL, err);
		if (rc < 0 && rc != TEND_ENOTFOUND && rc != TEND_EINVALID &&
		    rc != TEND_EAUTH && rc != FORGE_EREADONLY) {
			buf_reset(err);
			rc = forge_request(f, "PATCH", path, req, &json, NULL,
					   err);
		}
	} else {
		path = xasprintf("/repos/%s/issues/%ld/comments", f->repo,
				 pr->number);
		find = xasprintf("/repos/%s/issues/%ld/comments?per_page=100",
				 f->repo, pr->number);
		rc = forge_github_post_once(f, path, req, find, "body", marker,
					    &json, NULL, &found, err);
	}
	if (rc == 0 && url_out) {
		if (json) {
			*url_out = forge_json_strdup(json, "html_url");
		} else {
			*url_out = found;
			found = NULL;
		}
	}
	free(found);
	json_decref(json);
	json_decref(req);
	free(path);
	free(find);
	return rc;
}

static const char *forge_github_conclusion(enum forge_state st)
{
	switch (st) {
	case FORGE_STATE_SUCCESS:
		return "success";
	case FORGE_STATE_FAILURE:
		return "failure";
	case FORGE_STATE_NEUTRAL:
		return "neutral";
	case FORGE_STATE_ERROR:
		break;
	}
	return "failure";
}

static json_t *forge_github_output(const struct forge_status *st, size_t from,
				   size_t *next)
{
	json_t *out = json_object(), *arr = json_array();
	size_t i;
	static const char *const levels[] = { "notice", "warning", "failure" };

	json_object_set_new(out, "title",
			    jsonutil_string(st->title ? st->title : "tend"));
	json_object_set_new(out, "summary",
			    jsonutil_string(st->summary ? st->summary :
					    st->title ? st->title : "tend"));
	for (i = from; i < st->nr_annotations &&
	     i < from + FORGE_MAX_ANNOTATIONS; i++) {
		const struct forge_annotation *a = &st->annotations[i];
		json_t *o = json_object();

		json_object_set_new(o, "path", json_string(a->path));
		json_object_set_new(o, "start_line",
				    json_integer(a->start_line ? a->start_line
							       : 1));
		json_object_set_new(o, "end_line",
				    json_integer(a->end_line >= a->start_line &&
						 a->end_line ? a->end_line :
						 a->start_line ? a->start_line
							       : 1));
		json_object_set_new(o, "annotation_level",
				    json_string(levels[a->level]));
		json_object_set_new(o, "message", jsonutil_string(a->message));
		if (a->title)
			json_object_set_new(o, "title",
					    jsonutil_string(a->title));
		json_array_append_new(arr, o);
	}
	*next = i;
	json_object_set_new(out, "annotations", arr);
	return out;
}

static int forge_github_commit_status(struct forge *f,
				      const struct forge_pr *pr,
				      const struct forge_status *st,
				      struct buf *err)
{
	json_t *req = json_object();
	char *path, desc[141];
	const char *state;
	int rc;

	switch (st->state) {
	case FORGE_STATE_SUCCESS:
		state = "success";
		break;
	case FORGE_STATE_FAILURE:
		state = "failure";
		break;
	default:
		/* Partial or failed reviews are never green. */
		state = "error";
		break;
	}
	snprintf(desc, sizeof(desc), "%s", st->title ? st->title : "");
	json_object_set_new(req, "state", json_string(state));
	json_object_set_new(req, "description", jsonutil_string(desc));
	json_object_set_new(req, "context",
			    json_string(st->name ? st->name : "tend"));
	if (st->target_url)
		json_object_set_new(req, "target_url",
				    json_string(st->target_url));
	path = xasprintf("/repos/%s/statuses/%s", f->repo, pr->head_sha);
	/* A status replaces the last one of its context: safe to repeat. */
	rc = forge_request(f, "POST", path, req, NULL, NULL, err);
	if (rc < 0 && rc != FORGE_EREADONLY && rc != TEND_EINVALID &&
	    rc != TEND_EAUTH && rc != TEND_ENOTFOUND) {
		buf_reset(err);
		rc = forge_request(f, "POST", path, req, NULL, NULL, err);
	}
	json_decref(req);
	free(path);
	return rc;
}

static int forge_github_read_check_run(char **id_out, const json_t *json,
				       struct buf *err)
{
	*id_out = forge_json_id(json, "id");
	if (!*id_out)
		return error_set(err, TEND_EINVALID,
				 "the check run answer names no id");
	return 0;
}

int forge_github_parse_check_run(char **id_out, const char *text, size_t len,
				 struct buf *err)
{
	json_t *json = forge_json_load(text, len, "check run", err);
	int rc;

	*id_out = NULL;
	if (!json)
		return TEND_EINVALID;
	rc = forge_github_read_check_run(id_out, json, err);
	json_decref(json);
	return rc;
}

static int forge_github_set_status(struct forge *f, const struct forge_pr *pr,
				   const struct forge_status *st,
				   struct buf *err)
{
	json_t *req, *json = NULL;
	char *path = NULL, *id = NULL;
	size_t next = 0;
	int rc;

	if (f->checks_denied)
		return forge_github_commit_status(f, pr, st, err);
	req = json_object();
	json_object_set_new(req, "name",
			    json_string(st->name ? st->name : "tend"));
	json_object_set_new(req, "head_sha", json_string(pr->head_sha));
	json_object_set_new(req, "status", json_string("completed"));
	json_object_set_new(req, "conclusion",
			    json_string(forge_github_conclusion(st->state)));
	if (st->target_url)
		json_object_set_new(req, "details_url",
				    json_string(st->target_url));
	json_object_set_new(req, "output", forge_github_output(st, 0, &next));
	path = xasprintf("/repos/%s/check-runs", f->repo);
	/*
	 * A second check run with the same name on the same commit replaces
	 * the first in GitHub's UI, so a lost answer is sent once more.
	 */
	rc = forge_request(f, "POST", path, req, &json, NULL, err);
	if (rc < 0 && rc != FORGE_EREADONLY && rc != TEND_EINVALID &&
	    rc != TEND_EAUTH && rc != TEND_ENOTFOUND) {
		buf_reset(err);
		rc = forge_request(f, "POST", path, req, &json, NULL, err);
	}
	json_decref(req);
	free(path);
	path = NULL;
	if (rc == FORGE_EREADONLY || rc == TEND_ENOTFOUND) {
		log_info("cannot create a check run (%s); setting a commit "
			 "status instead", err->ptr);
		buf_reset(err);
		f->checks_denied = 1;
		json_decref(json);
		return forge_github_commit_status(f, pr, st, err);
	}
	if (rc < 0)
		goto out;
	if (next < st->nr_annotations &&
	    (rc = forge_github_read_check_run(&id, json, err)) < 0) {
		error_wrap(err, rc, "POST /repos/%s/check-runs: %zu "
			   "annotations not sent", f->repo,
			   st->nr_annotations - next);
		goto out;
	}
	while (next < st->nr_annotations) {
		size_t from = next;

		req = json_object();
		json_object_set_new(req, "output",
				    forge_github_output(st, from, &next));
		free(path);
		path = xasprintf("/repos/%s/check-runs/%s", f->repo, id);
		rc = forge_request(f, "PATCH", path, req, NULL, NULL, err);
		json_decref(req);
		if (rc < 0)
			goto out;
	}
out:
	json_decref(json);
	free(path);
	free(id);
	return rc;
}

/* ------------------------------------------------------------------ */
/*
 * Issues, labels, label events, permissions, and opening pull requests,
 * for `tend tasks`.
 */

/* An id that goes into a path: digits only, so it cannot leave it. */
static int forge_github_check_id(const char *id, const char *what,
				 struct buf *err)
{
	const char *p;

	for (p = id; p && *p; p++)
		if (*p < '0' || *p > '9')
			break;
	if (!id || !*id || *p || p - id > 20)
		return error_set(err, TEND_EINVALID, "%s id '%.40s' is not a "
				 "number", what, id ? id : "");
	return 0;
}

/* The names of the array `arr`: strings, or objects' `key` members. */
static char **forge_github_names(const json_t *arr, const char *key,
				 size_t *nr_out)
{
	char **v;
	const json_t *it;
	size_t i, n = 0;

	*nr_out = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return NULL;
	v = xcalloc(json_array_size(arr), sizeof(*v));
	json_array_foreach(arr, i, it) {
		const json_t *name = json_is_object(it) ?
				     json_object_get(it, key) : it;

		if (json_is_string(name))
			v[n++] = xstrdup(json_string_value(name));
	}
	*nr_out = n;
	return v;
}

/* Is `item` a pull request among issues (a non-null pull_request)? */
static int forge_github_is_pull(const json_t *item)
{
	const json_t *pr = json_object_get(item, "pull_request");

	return pr && !json_is_null(pr);
}

/* Read the issue `item` into `out` (released first). */
static int forge_github_read_issue(struct forge_issue *out,
				   const json_t *item, const char *where,
				   struct buf *err)
{
	const json_t *num = json_object_get(item, "number");
	const json_t *user = json_object_get(item, "user");
	const json_t *state = json_object_get(item, "state");

	forge_issue_release(out);
	if (!json_is_object(item) || !json_is_integer(num) ||
	    json_integer_value(num) <= 0 ||
	    json_integer_value(num) > (json_int_t)LONG_MAX)
		return error_set(err, TEND_EINVALID,
				 "%s: an entry has no number", where);
	out->number = (long)json_integer_value(num);
	out->title = forge_json_strdup(item, "title");
	if (!out->title)
		out->title = xstrdup("");
	out->body = forge_json_strdup(item, "body");
	if (!out->body)
		out->body = xstrdup("");
	if (json_is_object(user)) {
		out->author = forge_json_strdup(user, "login");
		out->author_id = forge_json_id(user, "id");
	}
	out->open = json_is_string(state) &&
		    !strcmp(json_string_value(state), "open");
	out->labels = forge_github_names(json_object_get(item, "labels"),
					 "name", &out->nr_labels);
	out->assignees = forge_github_names(json_object_get(item,
							    "assignees"),
					    "login", &out->nr_assignees);
	out->url = forge_json_strdup(item, "html_url");
	out->created_at = forge_json_strdup(item, "created_at");
	return 0;
}

/* forge_list_issues(): the issues of each page, up to `max`. */
struct forge_github_issues {
	struct forge_issues *out;
	size_t from, max;
};

static int forge_github_issue_one(const json_t *item, void *data,
				  struct buf *err)
{
	struct forge_github_issues *is = data;
	struct forge_issue issue;
	int rc;

	if (json_is_object(item) && forge_github_is_pull(item))
		return 0;
	forge_issue_init(&issue);
	if ((rc = forge_github_read_issue(&issue, item, "issues", err)) < 0) {
		forge_issue_release(&issue);
		return rc;
	}
	*forge_issues_push(is->out) = issue;
	return is->max && is->out->nr - is->from >= is->max;
}

int forge_github_parse_issues(struct forge_issues *out, const char *text,
			      size_t len, struct buf *err)
{
	struct forge_github_issues is = { out, out->nr, 0 };

	return forge_github_parse_page(text, len, "issues",
				       forge_github_issue_one, &is, err);
}

static int forge_github_read_one_issue(struct forge_issue *out,
				       const json_t *json, const char *where,
				       struct buf *err)
{
	int rc;

	if (json_is_object(json) && forge_github_is_pull(json)) {
		long n = forge_json_long(json, "number", 0);

		forge_issue_release(out);
		return error_set(err, TEND_ENOTFOUND, "#%ld is a pull request, "
				 "not an issue", n);
	}
	if ((rc = forge_github_read_issue(out, json, where, err)) < 0)
		forge_issue_release(out);
	return rc;
}

int forge_github_parse_issue(struct forge_issue *out, const char *text,
			     size_t len, struct buf *err)
{
	json_t *json = forge_json_load(text, len, "issue", err);
	int rc;

	if (!json) {
		forge_issue_release(out);
		return TEND_EINVALID;
	}
	rc = forge_github_read_one_issue(out, json, "issue", err);
	json_decref(json);
	return rc;
}

static int forge_github_list_issues(struct forge *f, const char *label,
				    size_t max, struct forge_issues *out,
				    struct buf *err)
{
	struct forge_github_issues is = { out, out->nr, max };
	struct buf path = BUF_INIT;
	int rc;

	buf_printf(&path, "/repos/%s/issues?state=open", f->repo);
	if (label && *label) {
		buf_puts(&path, "&labels=");
		forge_url_escape(&path, label);
	}
	buf_puts(&path, "&sort=created&direction=asc&per_page=100");
	rc = forge_github_each(f, path.ptr, forge_github_issue_one, &is, err);
	buf_release(&path);
	return rc;
}

static int forge_github_get_issue(struct forge *f, long number,
				  struct forge_issue *out, struct buf *err)
{
	char *path = xasprintf("/repos/%s/issues/%ld", f->repo, number);
	char *where = xasprintf("GET %s", path);
	json_t *json = NULL;
	int rc;

	forge_issue_release(out);
	rc = forge_request(f, "GET", path, NULL, &json, NULL, err);
	if (rc == TEND_ENOTFOUND || (rc == TEND_EINVALID &&
				     strstr(err->ptr, "HTTP 410"))) {
		/* 410 Gone: deleted, or moved to another repository. */
		rc = error_wrap(err, TEND_ENOTFOUND, "no issue %ld in %s",
				number, f->repo);
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = forge_github_read_one_issue(out, json, where, err);
out:
	json_decref(json);
	free(where);
	free(path);
	return rc;
}

static int forge_github_issue_note(const json_t *item, void *data,
				   struct buf *err)
{
	return forge_github_note(data, item, "issue comments", err) ?
	       0 : TEND_EINVALID;
}

int forge_github_parse_issue_notes(struct forge_notes *out, const char *text,
				   size_t len, struct buf *err)
{
	return forge_github_parse_page(text, len, "issue comments",
				       forge_github_issue_note, out, err);
}

static int forge_github_list_issue_notes(struct forge *f, long number,
					 struct forge_notes *out,
					 struct buf *err)
{
	char *path = xasprintf("/repos/%s/issues/%ld/comments?per_page=100",
			       f->repo, number);
	int rc;

	rc = forge_github_each(f, path, forge_github_issue_note, out, err);
	free(path);
	return rc;
}

/* Transient failures of an idempotent write are worth one more try. */
static int forge_github_transient(int rc)
{
	return rc < 0 && rc != TEND_ENOTFOUND && rc != TEND_EINVALID &&
	       rc != TEND_EAUTH && rc != FORGE_EREADONLY;
}

static int forge_github_put_issue_note(struct forge *f, long number,
				       const char *id, const char *body,
				       const char *marker, char **id_out,
				       char **url_out, struct buf *err)
{
	json_t *req = NULL, *json = NULL;
	char *path = NULL, *find = NULL, *id_found = NULL, *url_found = NULL;
	int rc;

	if (id && (rc = forge_github_check_id(id, "comment", err)) < 0)
		return rc;
	req = json_object();
	json_object_set_new(req, "body", jsonutil_string(body));
	if (id) {
		/* Editing is idempotent: sending it twice does no harm. */
		path = xasprintf("/repos/%s/issues/comments/%s", f->repo, id);
		rc = forge_request(f, "PATCH", path, req, &json, NULL, err);
		if (forge_github_transient(rc)) {
			buf_reset(err);
			rc = forge_request(f, "PATCH", path, req, &json, NULL,
					   err);
		}
	} else {
		path = xasprintf("/repos/%s/issues/%ld/comments", f->repo,
				 number);
		find = xasprintf("/repos/%s/issues/%ld/comments?per_page=100",
				 f->repo, number);
		rc = forge_github_post_once(f, path, req, find, "body", marker,
					    &json, &id_found, &url_found, err);
	}
	if (rc < 0)
		goto out;
	if (json) {
		free(id_found);
		free(url_found);
		id_found = forge_json_id(json, "id");
		url_found = forge_json_strdup(json, "html_url");
	}
	if (!id_found && id)
		id_found = xstrdup(id);
	if (!id_found) {
		rc = error_set(err, TEND_EINVALID, "POST %s: the answer names "
			       "no comment id", path);
		goto out;
	}
	if (id_out) {
		*id_out = id_found;
		id_found = NULL;
	}
	if (url_out) {
		*url_out = url_found;
		url_found = NULL;
	}
out:
	free(id_found);
	free(url_found);
	json_decref(json);
	json_decref(req);
	free(path);
	free(find);
	return rc;
}

static int forge_github_delete_issue_note(struct forge *f, long number,
					  const char *id, struct buf *err)
{
	char *path;
	int rc;

	(void)number;
	if ((rc = forge_github_check_id(id, "comment", err)) < 0)
		return rc;
	path = xasprintf("/repos/%s/issues/comments/%s", f->repo, id);
	rc = forge_request(f, "DELETE", path, NULL, NULL, NULL, err);
	if (forge_github_transient(rc)) {
		buf_reset(err);
		rc = forge_request(f, "DELETE", path, NULL, NULL, NULL, err);
	}
	free(path);
	/* Already gone, by an earlier try or by hand: what was wanted. */
	return rc == TEND_ENOTFOUND ? 0 : rc;
}

static int forge_github_edit_labels(struct forge *f, long number,
				    const char *const *add,
				    const char *const *remove, struct buf *err)
{
	struct buf path = BUF_INIT;
	json_t *req, *arr;
	int rc = 0;

	if (add && *add) {
		req = json_object();
		arr = json_array();
		for (; *add; add++)
			json_array_append_new(arr, jsonutil_string(*add));
		json_object_set_new(req, "labels", arr);
		buf_printf(&path, "/repos/%s/issues/%ld/labels", f->repo,
			   number);
		/* Adding a label the issue has is no change: safe to repeat. */
		rc = forge_request(f, "POST", path.ptr, req, NULL, NULL, err);
		if (forge_github_transient(rc)) {
			buf_reset(err);
			rc = forge_request(f, "POST", path.ptr, req, NULL,
					   NULL, err);
		}
		json_decref(req);
	}
	for (; rc == 0 && remove && *remove; remove++) {
		buf_reset(&path);
		buf_printf(&path, "/repos/%s/issues/%ld/labels/", f->repo,
			   number);
		forge_url_escape(&path, *remove);
		rc = forge_request(f, "DELETE", path.ptr, NULL, NULL, NULL,
				   err);
		if (forge_github_transient(rc)) {
			buf_reset(err);
			rc = forge_request(f, "DELETE", path.ptr, NULL, NULL,
					   NULL, err);
		}
		/* The issue lacks it (or it is gone): removed all the same. */
		if (rc == TEND_ENOTFOUND)
			rc = 0;
	}
	buf_release(&path);
	return rc;
}

/* forge_label_actor(): the actor of the latest "labeled" event of `label`. */
struct forge_github_actor {
	const char *label;
	char *login, *id;
	int seen;
};

static int forge_github_label_event(const json_t *item, void *data,
				    struct buf *err)
{
	struct forge_github_actor *a = data;
	const json_t *ev = json_object_get(item, "event");
	const json_t *label = json_object_get(item, "label");
	const json_t *name = json_object_get(label, "name");
	const json_t *actor = json_object_get(item, "actor");

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "issue events: an entry is not an object");
	if (!json_is_string(ev) ||
	    strcmp(json_string_value(ev), "labeled") ||
	    !json_is_string(name) ||
	    strcmp(json_string_value(name), a->label))
		return 0;
	free(a->login);
	free(a->id);
	a->login = a->id = NULL;
	a->seen = 1;
	if (json_is_object(actor)) {
		a->login = forge_json_strdup(actor, "login");
		if (a->login && !*a->login) {
			free(a->login);
			a->login = NULL;
		}
		if (a->login)
			a->id = forge_json_id(actor, "id");
	}
	return 0;
}

int forge_github_parse_label_events(char **login_out, char **id_out,
				    const char *label, const char *text,
				    size_t len, struct buf *err)
{
	struct forge_github_actor a = { label, NULL, NULL, 0 };
	int rc;

	rc = forge_github_parse_page(text, len, "issue events",
				     forge_github_label_event, &a, err);
	if (rc == 0 && a.seen) {
		free(*login_out);
		free(*id_out);
		*login_out = a.login;
		*id_out = a.id;
		a.login = a.id = NULL;
	}
	free(a.login);
	free(a.id);
	return rc;
}

static int forge_github_label_actor(struct forge *f, long number,
				    const char *label, char **login_out,
				    char **id_out, struct buf *err)
{
	struct forge_github_actor a = { label, NULL, NULL, 0 };
	char *path = xasprintf("/repos/%s/issues/%ld/events?per_page=100",
			       f->repo, number);
	int rc;

	rc = forge_github_each(f, path, forge_github_label_event, &a, err);
	if (rc == 0 && !a.login)
		rc = error_set(err, TEND_ENOTFOUND, "issue %ld of %s: %s "
			       "label '%.200s'", number, f->repo,
			       a.seen ? "a deleted user applied the"
				      : "no event applied the", label);
	if (rc == 0) {
		*login_out = a.login;
		*id_out = a.id;
		a.login = a.id = NULL;
	}
	free(a.login);
	free(a.id);
	free(path);
	return rc;
}

static int forge_github_read_permission(int *write_out, const json_t *json,
					const char *where, struct buf *err)
{
	const char *perm = json_string_value(json_object_get(json,
							     "permission"));
	const char *role = json_string_value(json_object_get(json,
							     "role_name"));

	*write_out = 0;
	if (!json_is_object(json) || (!perm && !role))
		return error_set(err, TEND_EINVALID,
				 "%s: no permission in the answer", where);
	*write_out = (perm && (!strcmp(perm, "admin") ||
			       !strcmp(perm, "write"))) ||
		     (role && (!strcmp(role, "admin") ||
			       !strcmp(role, "maintain") ||
			       !strcmp(role, "write")));
	return 0;
}

int forge_github_parse_permission(int *write_out, const char *text,
				  size_t len, struct buf *err)
{
	json_t *json = forge_json_load(text, len, "collaborator permission",
				       err);
	int rc;

	*write_out = 0;
	if (!json)
		return TEND_EINVALID;
	rc = forge_github_read_permission(write_out, json,
					  "collaborator permission", err);
	json_decref(json);
	return rc;
}

static int forge_github_user_can_write(struct forge *f, const char *login,
				       const char *id, int *write_out,
				       struct buf *err)
{
	struct buf path = BUF_INIT;
	json_t *json = NULL;
	int rc;

	(void)id;
	*write_out = 0;
	buf_printf(&path, "/repos/%s/collaborators/", f->repo);
	forge_url_escape(&path, login);
	buf_puts(&path, "/permission");
	rc = forge_request(f, "GET", path.ptr, NULL, &json, NULL, err);
	if (rc == TEND_ENOTFOUND) {
		/* No such user, or not one GitHub will name: no rights. */
		rc = 0;
		goto out;
	}
	if (rc == 0) {
		char *where = xasprintf("GET %s", path.ptr);

		rc = forge_github_read_permission(write_out, json, where,
						  err);
		free(where);
	}
out:
	json_decref(json);
	buf_release(&path);
	return rc;
}

/*
 * The first pull request of a list (newest first) whose head is branch
 * `head_ref` of `repo`; with `base_ref` its base must be that branch, and
 * with `marker` its body must hold the marker and its author be tend's
 * own account (the re-read after a lost answer).
 */
struct forge_github_branch {
	const struct forge *f;
	const char *repo, *head_ref, *base_ref, *marker;
	struct forge_pr *out;
	int found;
};

static int forge_github_branch_one(const json_t *item, void *data,
				   struct buf *err)
{
	struct forge_github_branch *b = data;
	const json_t *head = json_object_get(item, "head");
	const json_t *base = json_object_get(item, "base");
	const json_t *user = json_object_get(item, "user");
	const char *ref, *name, *bref, *body;
	int rc;

	if (!json_is_object(item) || !json_is_object(head))
		return error_set(err, TEND_EINVALID,
				 "pull requests: an entry has no head");
	ref = json_string_value(json_object_get(head, "ref"));
	name = json_string_value(json_object_get(json_object_get(head, "repo"),
						 "full_name"));
	bref = json_string_value(json_object_get(base, "ref"));
	body = json_string_value(json_object_get(item, "body"));
	if (!ref || !name || strcmp(ref, b->head_ref) ||
	    strcasecmp(name, b->repo))
		return 0;
	if (b->base_ref && (!bref || strcmp(bref, b->base_ref)))
		return 0;
	if (b->marker) {
		char *login = forge_json_strdup(user, "login");
		char *uid = forge_json_id(user, "id");
		int own = forge_is_self(b->f, login, uid);

		free(login);
		free(uid);
		if (!own || !forge_has_marker(body, b->marker))
			return 0;
	}
	rc = forge_github_read_pr(b->out, item, 0, "pull requests", err);
	if (rc < 0)
		return rc;
	if (json_is_string(json_object_get(item, "merged_at"))) {
		free(b->out->state);
		b->out->state = xstrdup("merged");
	}
	b->found = 1;
	return 1;
}

int forge_github_parse_branch_pr(struct forge_pr *out, const char *repo,
				 const char *head_ref, const char *text,
				 size_t len, struct buf *err)
{
	struct forge_github_branch b = { NULL, repo, head_ref, NULL, NULL,
					 out, 0 };
	int rc;

	forge_pr_release(out);
	rc = forge_github_parse_page(text, len, "pull requests",
				     forge_github_branch_one, &b, err);
	if (rc < 0) {
		forge_pr_release(out);
		return rc;
	}
	return b.found;
}

/*
 * Find the newest pull request of `state` ("open", "all") from branch
 * `head_ref` of this repository (and see struct forge_github_branch):
 * 1 with `out` filled, 0 when none, or the forge's error.
 */
static int forge_github_branch_pr(struct forge *f, const char *head_ref,
				  const char *state, const char *base_ref,
				  const char *marker, struct forge_pr *out,
				  struct buf *err)
{
	struct forge_github_branch b = { f, f->repo, head_ref, base_ref,
					 marker, out, 0 };
	struct buf path = BUF_INIT;
	const char *slash = strchr(f->repo, '/');
	char *owner;
	int rc;

	forge_pr_release(out);
	if (!head_ref || !*head_ref)
		return error_set(err, TEND_EINVALID, "no head branch to look "
				 "for a pull request by");
	if (marker && (rc = forge_self_resolve(f, err)) < 0)
		return rc;
	owner = slash ? xstrndup(f->repo, (size_t)(slash - f->repo))
		      : xstrdup(f->repo);
	buf_printf(&path, "/repos/%s/pulls?state=%s&head=", f->repo, state);
	forge_url_escape(&path, owner);
	free(owner);
	buf_putc(&path, ':');
	forge_url_escape(&path, head_ref);
	buf_puts(&path, "&sort=created&direction=desc&per_page=100");
	rc = forge_github_each(f, path.ptr, forge_github_branch_one, &b, err);
	buf_release(&path);
	if (rc < 0) {
		forge_pr_release(out);
		return rc;
	}
	return b.found;
}

static int forge_github_find_branch_pr(struct forge *f, const char *head_ref,
				       struct forge_pr *out, struct buf *err)
{
	int rc = forge_github_branch_pr(f, head_ref, "all", NULL, NULL, out,
					err);

	if (rc == 0)
		return error_set(err, TEND_ENOTFOUND, "no pull request in %s "
				 "from branch '%.200s'", f->repo, head_ref);
	return rc < 0 ? rc : 0;
}

static int forge_github_create_pr(struct forge *f,
				  const struct forge_pr_new *req,
				  struct forge_pr *out, struct buf *err)
{
	struct http_response raw;
	json_t *body, *json = NULL;
	char *path = xasprintf("/repos/%s/pulls", f->repo);
	char *where = xasprintf("POST %s", path);
	int rc, found, attempt, maybe;

	forge_pr_release(out);
	body = json_object();
	json_object_set_new(body, "title", jsonutil_string(req->title));
	json_object_set_new(body, "head", jsonutil_string(req->head_ref));
	json_object_set_new(body, "base", jsonutil_string(req->base_ref));
	json_object_set_new(body, "body", jsonutil_string(req->body ?
							  req->body : ""));
	json_object_set_new(body, "draft", json_boolean(req->draft));
	for (attempt = 0; attempt < 2; attempt++) {
		http_response_init(&raw);
		rc = forge_request(f, "POST", path, body, &json, &raw, err);
		maybe = raw.maybe_sent;
		http_response_release(&raw);
		if (rc == 0) {
			rc = forge_github_read_pr(out, json, 0, where, err);
			goto out;
		}
		/*
		 * "A pull request already exists for o:branch.": GitHub
		 * keeps one open per head and base; hand that one back.
		 */
		if (rc == TEND_EINVALID && strstr(err->ptr, "already exists")) {
			found = forge_github_branch_pr(f, req->head_ref,
						       "open", NULL, NULL,
						       out, err);
			if (found > 0)
				rc = error_set(err, FORGE_EEXIST, "a pull "
					       "request is already open from "
					       "branch '%.200s': #%ld",
					       req->head_ref, out->number);
			else if (found < 0)
				rc = found;
			goto out;
		}
		if (!maybe || !req->marker)
			goto out;
		log_warn("%s: no answer (%s); checking whether it arrived",
			 where, err->ptr);
		found = forge_github_branch_pr(f, req->head_ref, "open",
					       req->base_ref, req->marker, out,
					       err);
		if (found < 0) {
			rc = found;
			goto out;
		}
		if (found) {
			log_info("%s had arrived; not sending it again",
				 where);
			buf_reset(err);
			rc = 0;
			goto out;
		}
	}
out:
	if (rc < 0 && rc != FORGE_EEXIST)
		forge_pr_release(out);
	json_decref(json);
	json_decref(body);
	free(where);
	free(path);
	return rc;
}

static int forge_github_update_pr(struct forge *f, const struct forge_pr *pr,
				  const char *title, const char *body,
				  struct buf *err)
{
	json_t *req = json_object();
	char *path = xasprintf("/repos/%s/pulls/%ld", f->repo, pr->number);
	int rc;

	if (title)
		json_object_set_new(req, "title", jsonutil_string(title));
	if (body)
		json_object_set_new(req, "body", jsonutil_string(body));
	/* Setting the same title and body twice does no harm. */
	rc = forge_request(f, "PATCH", path, req, NULL, NULL, err);
	if (forge_github_transient(rc)) {
		buf_reset(err);
		rc = forge_request(f, "PATCH", path, req, NULL, NULL, err);
	}
	json_decref(req);
	free(path);
	return rc;
}

static int forge_github_request_review(struct forge *f,
				       const struct forge_pr *pr,
				       const char *login, const char *id,
				       struct buf *err)
{
	json_t *req = json_object(), *arr = json_array();
	char *path = xasprintf("/repos/%s/pulls/%ld/requested_reviewers",
			       f->repo, pr->number);
	int rc;

	(void)id;
	json_array_append_new(arr, jsonutil_string(login));
	json_object_set_new(req, "reviewers", arr);
	/* Asking the same reviewer twice changes nothing: safe to repeat. */
	rc = forge_request(f, "POST", path, req, NULL, NULL, err);
	if (forge_github_transient(rc)) {
		buf_reset(err);
		rc = forge_request(f, "POST", path, req, NULL, NULL, err);
	}
	if (rc == TEND_EINVALID)
		error_wrap(err, rc, "cannot ask '%.100s' to review #%ld",
			   login, pr->number);
	json_decref(req);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/*
 * ChatOps, for `tend inbox`: the repository's comments written since a
 * time (conversation comments of issues and pull requests, and review
 * comments on lines of a diff), tend's reactions to them, its replies,
 * and the comment events a workflow reads from GITHUB_EVENT_PATH.
 */

/* The reactions GitHub knows; it refuses anything else with 422. */
static const char *const forge_github_reactions[] = {
	"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes",
	NULL
};

/* A time as GitHub writes it: seconds since 1970 (UTC), nanoseconds. */
struct forge_github_time {
	long long sec;
	long nsec;
};

/* Read exactly `n` digits at *p into *out, moving *p past them. */
static int forge_github_digits(const char **p, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if ((*p)[0] < '0' || (*p)[0] > '9')
			return -1;
		v = v * 10 + ((*p)[0] - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

/* Step over the character `c` at *p; -1 (and no step) when it is not. */
static int forge_github_char(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static long long forge_github_days(int y, int m, int d)
{
	long long yy = y - (m <= 2), era, yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Read an ISO 8601 time of the shape GitHub writes and takes,
 * "2026-12-07T06:00:00Z", with optional fractional seconds and an
 * offset "+01:00" in place of the Z. 0, or -1 for anything else.
 */
static int forge_github_parse_time(const char *s,
				   struct forge_github_time *out)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0, n;
	long nsec = 0;
	const char *p = s;

	if (!s || forge_github_digits(&p, 4, &y) ||
	    forge_github_char(&p, '-') || forge_github_digits(&p, 2, &mo) ||
	    forge_github_char(&p, '-') || forge_github_digits(&p, 2, &d) ||
	    forge_github_char(&p, 'T') || forge_github_digits(&p, 2, &h) ||
	    forge_github_char(&p, ':') || forge_github_digits(&p, 2, &mi) ||
	    forge_github_char(&p, ':') || forge_github_digits(&p, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	if (!forge_github_char(&p, '.')) {
		if (*p < '0' || *p > '9')
			return -1;
		for (n = 0; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 9)
				nsec = nsec * 10 + (*p - '0');
		for (; n < 9; n++)
			nsec *= 10;
	}
	if (!forge_github_char(&p, 'Z')) {
		sign = 0;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (forge_github_digits(&p, 2, &oh) ||
		    forge_github_char(&p, ':') ||
		    forge_github_digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	out->sec = forge_github_days(y, mo, d) * 86400 + h * 3600L +
		   mi * 60L + se - sign * (oh * 3600L + om * 60L);
	out->nsec = nsec;
	return 0;
}

static int forge_github_time_cmp(const struct forge_github_time *a,
				 const struct forge_github_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

/*
 * The number N at the end of an API URL ".../KIND/N" (issue_url,
 * pull_request_url), or 0 when the URL is not one.
 */
static long forge_github_url_number(const char *url, const char *kind)
{
	size_t k = strlen(kind);
	const char *slash, *p;
	long n = 0;

	slash = url ? strrchr(url, '/') : NULL;
	if (!slash || (size_t)(slash - url) < k + 1 ||
	    strncmp(slash - k, kind, k) || slash[-(long)k - 1] != '/')
		return 0;
	for (p = slash + 1; *p >= '0' && *p <= '9'; p++) {
		if (n > (LONG_MAX - 9) / 10)
			return 0;
		n = n * 10 + (*p - '0');
	}
	return p > slash + 1 && !*p ? n : 0;
}

/*
 * Is the web link `html_url` that of a pull request's conversation,
 * ".../pull/N#issuecomment-..."? An issue's is ".../issues/N#...".
 */
static int forge_github_web_on_pr(const char *html_url, long number)
{
	const char *end, *p;
	long n = 0;

	if (!html_url)
		return 0;
	end = strchr(html_url, '#');
	if (!end)
		end = html_url + strlen(html_url);
	for (p = end; p > html_url && p[-1] >= '0' && p[-1] <= '9'; p--)
		;
	if (p == end || end - p > 18 || p - html_url < 6 ||
	    strncmp(p - 6, "/pull/", 6))
		return 0;
	for (; p < end; p++)
		n = n * 10 + (*p - '0');
	return n == number;
}

/* Comment `c`'s author, from its `user` (null for a deleted account). */
static void forge_github_comment_author(struct forge_comment *c,
					const json_t *item)
{
	const json_t *user = json_object_get(item, "user");
	const json_t *type = json_object_get(user, "type");

	if (!json_is_object(user))
		return;
	c->author = forge_json_strdup(user, "login");
	c->author_id = forge_json_id(user, "id");
	c->author_is_bot = json_is_string(type) &&
			   !strcmp(json_string_value(type), "Bot");
}

/*
 * What every comment has: an id (a number: it goes into paths), its
 * author, body ("" when null), created_at and web link. With
 * `need_time` created_at must be a time (the lists are ordered by it).
 */
static int forge_github_comment_common(struct forge_comment *c,
				       const json_t *item, int need_time,
				       const char *what, struct buf *err)
{
	struct forge_github_time t;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "%s: a comment is not an object", what);
	c->id = forge_json_id(item, "id");
	if (!c->id)
		return error_set(err, TEND_EINVALID, "%s: a comment has no id",
				 what);
	if (forge_github_check_id(c->id, "comment", err) < 0)
		return error_wrap(err, TEND_EINVALID, "%s", what);
	forge_github_comment_author(c, item);
	c->body = forge_json_strdup(item, "body");
	if (!c->body)
		c->body = xstrdup("");
	c->created_at = forge_json_strdup(item, "created_at");
	if (need_time && forge_github_parse_time(c->created_at, &t) < 0)
		return error_set(err, TEND_EINVALID, "%s: comment %s has no "
				 "valid created_at ('%.40s')", what, c->id,
				 c->created_at ? c->created_at : "");
	c->url = forge_json_strdup(item, "html_url");
	return 0;
}

/* A review comment's thread: the id of its first comment. */
static int forge_github_comment_thread(struct forge_comment *c,
				       const json_t *item, const char *what,
				       struct buf *err)
{
	c->thread = forge_json_id(item, "in_reply_to_id");
	if (c->thread &&
	    forge_github_check_id(c->thread, "in_reply_to", err) < 0)
		return error_wrap(err, TEND_EINVALID, "%s: comment %s", what,
				  c->id);
	if (!c->thread)
		c->thread = xstrdup(c->id);
	return 0;
}

/*
 * One entry of GET /repos/o/r/issues/comments (`review` 0) or of GET
 * /repos/o/r/pulls/comments (`review` 1) into `c`.
 */
static int forge_github_read_comment(struct forge_comment *c,
				     const json_t *item, int review,
				     const char *what, struct buf *err)
{
	const char *url;
	int rc;

	if ((rc = forge_github_comment_common(c, item, 1, what, err)) < 0)
		return rc;
	url = json_string_value(json_object_get(item, review ?
						"pull_request_url" :
						"issue_url"));
	c->number = forge_github_url_number(url, review ? "pulls" : "issues");
	if (c->number <= 0)
		return error_set(err, TEND_EINVALID, "%s: comment %s names no "
				 "%s (%s '%.100s')", what, c->id,
				 review ? "pull request" : "issue",
				 review ? "pull_request_url" : "issue_url",
				 url ? url : "");
	if (!review) {
		c->on_pr = forge_github_web_on_pr(c->url, c->number);
		return 0;
	}
	c->on_pr = 1;
	c->diff_note = 1;
	return forge_github_comment_thread(c, item, what, err);
}

/* forge_list_comments_since(): each page's comments, at or after `since`. */
struct forge_github_since {
	struct forge_comments *out;
	int review;
	const struct forge_github_time *since;	/* NULL: keep them all */
	const char *what;
};

static int forge_github_since_one(const json_t *item, void *data,
				  struct buf *err)
{
	struct forge_github_since *s = data;
	struct forge_github_time t;
	struct forge_comment c;
	int rc;

	forge_comment_init(&c);
	rc = forge_github_read_comment(&c, item, s->review, s->what, err);
	if (rc < 0) {
		forge_comment_release(&c);
		return rc;
	}
	/*
	 * GitHub's `since` is about the last update: an old comment edited
	 * since comes too, and was not written since.
	 */
	if (s->since && !forge_github_parse_time(c.created_at, &t) &&
	    forge_github_time_cmp(&t, s->since) < 0) {
		forge_comment_release(&c);
		return 0;
	}
	*forge_comments_push(s->out) = c;
	return 0;
}

int forge_github_parse_comments(struct forge_comments *out, int review,
				const char *text, size_t len,
				struct buf *err)
{
	struct forge_github_since s = { out, review, NULL, NULL };

	s.what = review ? "review comments" : "issue comments";
	return forge_github_parse_page(text, len, s.what,
				       forge_github_since_one, &s, err);
}

/* Oldest first; at the same time, the lower id first. */
static int forge_github_comment_cmp(const void *a, const void *b)
{
	const struct forge_comment *x = a, *y = b;
	struct forge_github_time tx = { 0, 0 }, ty = { 0, 0 };
	size_t lx = x->id ? strlen(x->id) : 0, ly = y->id ? strlen(y->id) : 0;
	int c;

	/* A time that does not parse sorts first, as 1970. */
	if (forge_github_parse_time(x->created_at, &tx) < 0)
		tx.sec = tx.nsec = 0;
	if (forge_github_parse_time(y->created_at, &ty) < 0)
		ty.sec = ty.nsec = 0;
	if ((c = forge_github_time_cmp(&tx, &ty)))
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return lx ? strcmp(x->id, y->id) : 0;
}

void forge_github_sort_comments(struct forge_comments *list, size_t from)
{
	if (from < list->nr && list->nr - from > 1)
		qsort(list->items + from, list->nr - from,
		      sizeof(list->items[0]), forge_github_comment_cmp);
}

static int forge_github_list_comments_since(struct forge *f,
					    const char *since, int review,
					    struct forge_comments *out,
					    struct buf *err)
{
	struct forge_github_time t;
	struct forge_github_since s = { out, 0, &t, NULL };
	struct buf path = BUF_INIT, where = BUF_INIT;
	size_t from = out->nr;
	int rc = 0, pass;

	if (forge_github_parse_time(since, &t) < 0)
		return error_set(err, TEND_EINVALID, "cannot list the comments "
				 "since '%.60s': not an ISO 8601 time such as "
				 "2026-12-07T06:00:00Z", since ? since : "");
	for (pass = 0; pass <= !!review && rc == 0; pass++) {
		buf_reset(&path);
		buf_printf(&path, "/repos/%s/%s/comments?since=", f->repo,
			   pass ? "pulls" : "issues");
		forge_url_escape(&path, since);
		buf_puts(&path, "&sort=created&direction=asc&per_page=100");
		buf_reset(&where);
		buf_printf(&where, "GET %s", path.ptr);
		s.review = pass;
		s.what = where.ptr;
		rc = forge_github_each(f, path.ptr, forge_github_since_one, &s,
				       err);
	}
	if (rc < 0) {
		/* A list cut short is never handed out as the whole. */
		while (out->nr > from)
			forge_comment_release(&out->items[--out->nr]);
	} else {
		forge_github_sort_comments(out, from);
	}
	buf_release(&path);
	buf_release(&where);
	return rc;
}

/* "/repos/o/r/KIND/comments/ID/reactions" for `c`, `emoji` checked. */
static int forge_github_reaction_path(struct buf *path, struct forge *f,
				      const struct forge_comment *c,
				      const char *emoji, struct buf *err)
{
	const char *const *r;
	int rc;

	for (r = forge_github_reactions; emoji && *r; r++)
		if (!strcmp(*r, emoji))
			break;
	if (!emoji || !*r)
		return error_set(err, TEND_EINVALID, "'%.40s' is not a GitHub "
				 "reaction (+1, -1, laugh, confused, heart, "
				 "hooray, rocket, eyes)", emoji ? emoji : "");
	if ((rc = forge_github_check_id(c->id, "comment", err)) < 0)
		return rc;
	buf_printf(path, "/repos/%s/%s/comments/%s/reactions", f->repo,
		   c->diff_note ? "pulls" : "issues", c->id);
	return 0;
}

static int forge_github_react(struct forge *f, const struct forge_comment *c,
			      const char *emoji, struct buf *err)
{
	struct buf path = BUF_INIT;
	json_t *req = NULL;
	int rc;

	if ((rc = forge_github_reaction_path(&path, f, c, emoji, err)) < 0)
		goto out;
	req = json_pack("{s:s}", "content", emoji);
	/* 200 when tend's reaction is there already: safe to repeat. */
	rc = forge_request(f, "POST", path.ptr, req, NULL, NULL, err);
	if (forge_github_transient(rc)) {
		buf_reset(err);
		rc = forge_request(f, "POST", path.ptr, req, NULL, NULL, err);
	}
out:
	json_decref(req);
	buf_release(&path);
	return rc;
}

/* forge_reacted(): is one of a page's reactions of `emoji` tend's? */
struct forge_github_reacted {
	const struct forge *f;
	const char *emoji;
	int found;
};

static int forge_github_reaction_one(const json_t *item, void *data,
				     struct buf *err)
{
	struct forge_github_reacted *r = data;
	const json_t *user = json_object_get(item, "user");
	const char *content;
	char *login, *id;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "reactions: an entry is not an object");
	content = json_string_value(json_object_get(item, "content"));
	/* The list is filtered by content; a server that did not is read
	   with care all the same. */
	if (!content || strcmp(content, r->emoji))
		return 0;
	login = forge_json_strdup(user, "login");
	id = forge_json_id(user, "id");
	r->found = forge_is_self(r->f, login, id);
	free(login);
	free(id);
	return r->found;
}

int forge_github_parse_reactions(int *found_out, const struct forge *f,
				 const char *emoji, const char *text,
				 size_t len, struct buf *err)
{
	struct forge_github_reacted r = { f, emoji, 0 };
	int rc;

	rc = forge_github_parse_page(text, len, "reactions",
				     forge_github_reaction_one, &r, err);
	*found_out = rc > 0;
	return rc > 0 ? 0 : rc;
}

static int forge_github_reacted(struct forge *f, const struct forge_comment *c,
				const char *emoji, int *out, struct buf *err)
{
	struct forge_github_reacted r = { f, emoji, 0 };
	struct buf path = BUF_INIT;
	int rc;

	*out = 0;
	if ((rc = forge_github_reaction_path(&path, f, c, emoji, err)) < 0)
		goto out;
	if ((rc = forge_self_resolve(f, err)) < 0)
		goto out;
	buf_puts(&path, "?content=");
	forge_url_escape(&path, emoji);
	buf_puts(&path, "&per_page=100");
	rc = forge_github_each(f, path.ptr, forge_github_reaction_one, &r,
			       err);
	if (rc == 0)
		*out = r.found;
out:
	buf_release(&path);
	return rc;
}

static int forge_github_reply(struct forge *f, const struct forge_comment *c,
			      const char *body, const char *marker,
			      char **url_out, struct buf *err)
{
	const char *root = c->thread ? c->thread : c->id;
	char *path = NULL, *find = NULL, *found = NULL;
	json_t *req = NULL, *json = NULL;
	int rc;

	if (c->number <= 0)
		return error_set(err, TEND_EINVALID, "comment %.40s names no "
				 "issue or pull request to reply on",
				 c->id ? c->id : "(no id)");
	if (!body)
		return error_set(err, TEND_EINVALID, "no reply to post");
	if (c->diff_note) {
		/* GitHub takes replies to a thread's first comment only. */
		if ((rc = forge_github_check_id(root, "review comment",
						err)) < 0)
			return rc;
		path = xasprintf("/repos/%s/pulls/%ld/comments/%s/replies",
				 f->repo, c->number, root);
		find = xasprintf("/repos/%s/pulls/%ld/comments?per_page=100",
				 f->repo, c->number);
	} else {
		path = xasprintf("/repos/%s/issues/%ld/comments", f->repo,
				 c->number);
		find = xasprintf("/repos/%s/issues/%ld/comments?per_page=100",
				 f->repo, c->number);
	}
	req = json_object();
	json_object_set_new(req, "body", jsonutil_string(body));
	rc = forge_github_post_once(f, path, req, find, "body", marker, &json,
				    NULL, &found, err);
	if (rc == 0 && url_out) {
		if (json) {
			*url_out = forge_json_strdup(json, "html_url");
		} else {
			*url_out = found;
			found = NULL;
		}
	}
	free(found);
	json_decref(json);
	json_decref(req);
	free(path);
	free(find);
	return rc;
}

int forge_github_parse_comment_event(const char *text, size_t len,
				     struct forge_comment *out,
				     char **action_out, struct buf *err)
{
	static const char what[] = "comment event";
	json_t *json = forge_json_load(text, len, what, err);
	const json_t *issue, *pull, *target, *num, *comment;
	const char *action;
	int rc, on_issue;

	forge_comment_release(out);
	*action_out = NULL;
	if (!json)
		return TEND_EINVALID;
	issue = json_object_get(json, "issue");
	pull = json_object_get(json, "pull_request");
	if (issue && json_is_null(issue))
		issue = NULL;
	if (pull && json_is_null(pull))
		pull = NULL;
	if (!json_is_object(json)) {
		rc = error_set(err, TEND_EINVALID, "%s: not a JSON object",
			       what);
		goto out;
	}
	if (!issue == !pull) {
		rc = error_set(err, TEND_EINVALID, "%s: %s", what, issue ?
			       "it has both an issue and a pull_request" :
			       "neither issue_comment nor "
			       "pull_request_review_comment (no issue, no "
			       "pull_request)");
		goto out;
	}
	on_issue = issue != NULL;
	target = on_issue ? issue : pull;
	num = json_object_get(target, "number");
	if (!json_is_object(target) || !json_is_integer(num) ||
	    json_integer_value(num) <= 0 ||
	    json_integer_value(num) > (json_int_t)LONG_MAX) {
		rc = error_set(err, TEND_EINVALID, "%s: the %s has no number",
			       what, on_issue ? "issue" : "pull_request");
		goto out;
	}
	action = json_string_value(json_object_get(json, "action"));
	if (!action || !*action) {
		rc = error_set(err, TEND_EINVALID, "%s: no action", what);
		goto out;
	}
	comment = json_object_get(json, "comment");
	if (!comment) {
		rc = error_set(err, TEND_EINVALID, "%s: no comment", what);
		goto out;
	}
	if ((rc = forge_github_comment_common(out, comment, 0, what,
					      err)) < 0)
		goto out;
	out->number = (long)json_integer_value(num);
	if (on_issue) {
		out->on_pr = forge_github_is_pull(issue);
	} else {
		out->on_pr = 1;
		out->diff_note = 1;
		if ((rc = forge_github_comment_thread(out, comment, what,
						      err)) < 0)
			goto out;
	}
	*action_out = xstrdup(action);
out:
	if (rc < 0)
		forge_comment_release(out);
	json_decref(json);
	return rc;
}

const struct forge_ops forge_github_ops = {
	.get_pr = forge_github_get_pr,
	.find_pr = forge_github_find_pr,
	.list_files = forge_github_list_files,
	.list_notes = forge_github_list_notes,
	.post_review = forge_github_post_review,
	.put_summary = forge_github_put_summary,
	.set_status = forge_github_set_status,
	.resolve_thread = NULL,
	.get_self = forge_github_get_self,
	.list_issues = forge_github_list_issues,
	.get_issue = forge_github_get_issue,
	.list_issue_notes = forge_github_list_issue_notes,
	.put_issue_note = forge_github_put_issue_note,
	.delete_issue_note = forge_github_delete_issue_note,
	.edit_labels = forge_github_edit_labels,
	.label_actor = forge_github_label_actor,
	.user_can_write = forge_github_user_can_write,
	.create_pr = forge_github_create_pr,
	.find_branch_pr = forge_github_find_branch_pr,
	.update_pr = forge_github_update_pr,
	.request_review = forge_github_request_review,
	.list_comments_since = forge_github_list_comments_since,
	.react = forge_github_react,
	.reacted = forge_github_reacted,
	.reply = forge_github_reply,
};

/* ------------------------------------------------------------------ */
/* Outcomes: what people did with tend's output (tend stats).          */

struct forge_github_prs {
	struct forge_pr_briefs *out;
	struct forge_github_time since;
	int have_since;
	size_t max;
};

static int forge_github_pr_brief(const json_t *item, void *data,
				 struct buf *err)
{
	struct forge_github_prs *ps = data;
	struct forge_github_time t;
	struct forge_pr_brief *p;
	const json_t *user = json_object_get(item, "user");
	const char *state;
	long number = forge_json_long(item, "number", 0);
	char *updated;

	if (!json_is_object(item) || number <= 0)
		return error_set(err, TEND_EINVALID, "pull requests: an entry "
				 "has no number");
	state = json_string_value(json_object_get(item, "state"));
	updated = forge_json_strdup(item, "updated_at");
	if (!state || forge_github_parse_time(updated, &t) < 0) {
		free(updated);
		return error_set(err, TEND_EINVALID, "pull request #%ld: no "
				 "state or no valid updated_at", number);
	}
	/* Most recently updated first: the first older one ends the list. */
	if (ps->have_since && forge_github_time_cmp(&t, &ps->since) < 0) {
		free(updated);
		return 1;
	}
	if (ps->out->nr >= ps->max) {
		free(updated);
		ps->out->truncated = 1;
		return 1;
	}
	p = forge_pr_briefs_push(ps->out);
	p->number = number;
	p->updated_at = updated;
	p->state = xstrdup(!strcmp(state, "open") ? "open" :
			   json_is_string(json_object_get(item, "merged_at")) ?
			   "merged" : "closed");
	if (json_is_object(user)) {
		p->author = forge_json_strdup(user, "login");
		p->author_id = forge_json_id(user, "id");
	}
	p->body = forge_json_strdup(item, "body");
	if (!p->body)
		p->body = xstrdup("");
	p->head_sha = forge_json_strdup(json_object_get(item, "head"), "sha");
	return 0;
}

int forge_github_parse_prs(struct forge_pr_briefs *out, const char *since,
			   size_t max, const char *text, size_t len,
			   struct buf *err)
{
	struct forge_github_prs ps = { out, { 0, 0 }, 0, max };
	int rc;

	ps.have_since = since && !forge_github_parse_time(since, &ps.since);
	rc = forge_github_parse_page(text, len, "pull requests",
				     forge_github_pr_brief, &ps, err);
	return rc < 0 ? rc : 0;
}

int forge_github_list_prs_since(struct forge *f, const char *since,
				size_t max, struct forge_pr_briefs *out,
				struct buf *err)
{
	struct forge_github_prs ps = { out, { 0, 0 }, 0, max };
	char *path;
	int rc;

	if (since && forge_github_parse_time(since, &ps.since) < 0)
		return error_set(err, TEND_EINVALID, "'%s' is not an ISO 8601 "
				 "time", since);
	ps.have_since = since != NULL;
	path = xasprintf("/repos/%s/pulls?state=all&sort=updated&"
			 "direction=desc&per_page=100", f->repo);
	rc = forge_github_each(f, path, forge_github_pr_brief, &ps, err);
	free(path);
	return rc < 0 ? rc : 0;
}

static int forge_github_commit_brief(const json_t *item, void *data,
				     struct buf *err)
{
	const json_t *commit = json_object_get(item, "commit");
	const json_t *msg = json_object_get(commit, "message");
	struct forge_commit_brief *c;
	char *sha = forge_json_strdup(item, "sha");

	if (!sha || !json_is_string(msg)) {
		free(sha);
		return error_set(err, TEND_EINVALID, "commits: an entry has "
				 "no sha or no commit message");
	}
	c = forge_commit_briefs_push(data);
	c->sha = sha;
	c->message = xstrdup(json_string_value(msg));
	return 0;
}

int forge_github_parse_pr_commits(struct forge_commit_briefs *out,
				  const char *text, size_t len,
				  struct buf *err)
{
	return forge_github_parse_page(text, len, "commits",
				       forge_github_commit_brief, out, err);
}

int forge_github_list_pr_commits(struct forge *f, long number,
				 struct forge_commit_briefs *out,
				 struct buf *err)
{
	char *path = xasprintf("/repos/%s/pulls/%ld/commits?per_page=100",
			       f->repo, number);
	int rc = forge_github_each(f, path, forge_github_commit_brief, out,
				   err);

	free(path);
	return rc;
}

int forge_github_get_file(struct forge *f, const char *path, const char *ref,
			  struct buf *out, struct buf *err)
{
	struct buf url = BUF_INIT;
	const char *p;
	json_t *json = NULL;
	int rc;

	buf_printf(&url, "/repos/%s/contents/", f->repo);
	/* Each segment escaped, the slashes kept. */
	for (p = path; *p; ) {
		const char *e = strchr(p, '/');
		char *seg = xstrndup(p, e ? (size_t)(e - p) : strlen(p));

		forge_url_escape(&url, seg);
		free(seg);
		if (!e)
			break;
		buf_putc(&url, '/');
		p = e + 1;
	}
	buf_puts(&url, "?ref=");
	forge_url_escape(&url, ref);
	rc = forge_request(f, "GET", url.ptr, NULL, &json, NULL, err);
	if (rc == 0)
		rc = forge_file_content(out, json, path, err);
	json_decref(json);
	buf_release(&url);
	return rc;
}

static const char forge_github_threads_query[] =
	"query($owner: String!, $name: String!, $number: Int!, "
	"$after: String) { repository(owner: $owner, name: $name) { "
	"pullRequest(number: $number) { reviewThreads(first: 100, "
	"after: $after) { pageInfo { hasNextPage endCursor } nodes { "
	"isResolved resolvedBy { login } comments(first: 1) { nodes { "
	"databaseId } } } } } } }";

/*
 * One page of reviewThreads into `notes`; `*after_out` (caller frees) the
 * next page's cursor, or NULL. TEND_EINVALID for GraphQL errors or an
 * answer of another shape.
 */
static int forge_github_threads(struct forge_notes *notes, char **after_out,
				const json_t *json, struct buf *err)
{
	const json_t *threads, *nodes, *node, *info, *errors;
	size_t i, j;

	*after_out = NULL;
	errors = json_object_get(json, "errors");
	if (json_is_array(errors) && json_array_size(errors)) {
		const char *msg = json_string_value(json_object_get(
			json_array_get(errors, 0), "message"));

		return error_set(err, TEND_EINVALID, "review threads: %.200s",
				 msg ? msg : "GraphQL error");
	}
	threads = json_object_get(json_object_get(json_object_get(
		json_object_get(json, "data"), "repository"), "pullRequest"),
		"reviewThreads");
	nodes = json_object_get(threads, "nodes");
	if (!json_is_array(nodes))
		return error_set(err, TEND_EINVALID, "review threads: no "
				 "data.repository.pullRequest.reviewThreads");
	json_array_foreach(nodes, i, node) {
		const json_t *first = json_array_get(json_object_get(
			json_object_get(node, "comments"), "nodes"), 0);
		char *id = forge_json_id(first, "databaseId");
		const char *by = json_string_value(json_object_get(
			json_object_get(node, "resolvedBy"), "login"));

		if (id && json_is_true(json_object_get(node, "isResolved"))) {
			for (j = 0; j < notes->nr; j++) {
				struct forge_note *n = &notes->items[j];

				if (n->reply || !n->id || strcmp(n->id, id))
					continue;
				n->resolvable = 1;
				n->resolved = 1;
				free(n->resolved_by);
				n->resolved_by = by ? xstrdup(by) : NULL;
			}
		}
		free(id);
	}
	info = json_object_get(threads, "pageInfo");
	if (json_is_true(json_object_get(info, "hasNextPage")))
		*after_out = forge_json_strdup(info, "endCursor");
	return 0;
}

int forge_github_parse_threads(struct forge_notes *notes, char **after_out,
			       const char *text, size_t len, struct buf *err)
{
	json_t *json = forge_json_load(text, len, "review threads", err);
	int rc;

	*after_out = NULL;
	if (!json)
		return TEND_EINVALID;
	rc = forge_github_threads(notes, after_out, json, err);
	json_decref(json);
	return rc;
}

int forge_github_read_resolutions(struct forge *f, long number,
				  struct forge_notes *notes, struct buf *err)
{
	const char *host = strstr(f->api_url, "://");
	char *owner = xstrdup(f->repo), *name = strchr(owner, '/');
	char *after = NULL;
	size_t pages = 0;
	int rc = 0;

	/* github.com's API has no path; GitHub Enterprise's GraphQL lives
	   beside /api/v3, where the token is not sent. */
	if (!host || strchr(host + 3, '/') || !name) {
		free(owner);
		return error_set(err, TEND_ENOTFOUND, "review threads: no "
				 "GraphQL endpoint under '%s'", f->api_url);
	}
	*name++ = '\0';
	do {
		json_t *body, *answer = NULL;
		char *next = NULL;

		body = json_pack("{s:s,s:{s:s,s:s,s:I,s:o}}", "query",
				 forge_github_threads_query, "variables",
				 "owner", owner, "name", name, "number",
				 (json_int_t)number, "after",
				 after ? json_string(after) : json_null());
		rc = forge_request(f, "POST", "/graphql", body, &answer, NULL,
				   err);
		json_decref(body);
		/* A query is a read, whatever its method. */
		if (f->stats.writes) {
			f->stats.writes--;
			f->stats.reads++;
		}
		if (rc < 0)
			break;
		rc = forge_github_threads(notes, &next, answer, err);
		json_decref(answer);
		free(after);
		after = next;
	} while (!rc && after && ++pages < FORGE_GITHUB_MAX_PAGES);
	free(after);
	free(owner);
	return rc;
}

