/*
 * forge.c - the forge interface: opening an adapter, dispatch, and what
 * the adapters share: the request helper (auth, counting, error mapping,
 * and the rule that the token goes nowhere but under the API URL), and
 * tend's own identity, which decides the notes that are tend's.
 *
 * It is not for anything one forge's API shape decides: that is in
 * github.c and gitlab.c.
 */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/backend.h"

void forge_pr_init(struct forge_pr *pr)
{
	memset(pr, 0, sizeof(*pr));
	pr->changed_files = -1;
	pr->nr_review_comments = -1;
	pr->nr_comments = -1;
	pr->maintainer_can_push = -1;
	pr->can_push = -1;
}

void forge_pr_release(struct forge_pr *pr)
{
	free(pr->title);
	free(pr->body);
	free(pr->author);
	free(pr->url);
	free(pr->head_sha);
	free(pr->base_sha);
	free(pr->start_sha);
	free(pr->head_ref);
	free(pr->base_ref);
	free(pr->head_repo);
	free(pr->state);
	forge_pr_init(pr);
}

void forge_files_init(struct forge_files *list)
{
	memset(list, 0, sizeof(*list));
}

void forge_files_release(struct forge_files *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->items[i].path);
		free(list->items[i].old_path);
		free(list->items[i].patch);
	}
	free(list->items);
	forge_files_init(list);
}

struct forge_file *forge_files_push(struct forge_files *list)
{
	struct forge_file *f;

	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	f = &list->items[list->nr++];
	memset(f, 0, sizeof(*f));
	f->additions = f->deletions = -1;
	return f;
}

void forge_notes_init(struct forge_notes *list)
{
	memset(list, 0, sizeof(*list));
}

void forge_notes_release(struct forge_notes *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		struct forge_note *n = &list->items[i];

		free(n->id);
		free(n->thread);
		free(n->author);
		free(n->author_id);
		free(n->body);
		free(n->path);
		free(n->created_at);
		free(n->resolved_by);
		free(n->commit);
	}
	free(list->items);
	forge_notes_init(list);
}

struct forge_note *forge_notes_push(struct forge_notes *list)
{
	struct forge_note *n;

	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	n = &list->items[list->nr++];
	memset(n, 0, sizeof(*n));
	n->side = FORGE_SIDE_RIGHT;
	n->thumbs_down = -1;
	return n;
}

/*
 * A GitHub token of a person (classic or fine-grained personal access
 * token, OAuth user token) by its documented prefix. Actions' own token
 * and GitHub Apps' installation tokens are "ghs_" (older GitHub
 * Enterprise servers: 40 hex digits), and cannot reach a fork.
 */
static int forge_personal_token(const char *token)
{
	static const char *const prefixes[] = {
		"ghp_", "github_pat_", "gho_", "ghu_", NULL
	};
	size_t i;

	for (i = 0; token && prefixes[i]; i++)
		if (!strncmp(token, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

int forge_open(struct forge **out, const struct forge_context *ctx,
	       struct buf *err)
{
	struct forge *f;
	struct http_client_opts hopts = { 0 };
	const char *headers[4];
	struct buf b = BUF_INIT;
	size_t n = 0;

	*out = NULL;
	if (ctx->kind != FORGE_GITHUB && ctx->kind != FORGE_GITLAB)
		return error_set(err, TEND_EINVALID,
				 "no forge detected: run inside GitHub Actions "
				 "or GitLab CI, or give --pr/--mr with --repo");
	if (!ctx->api_url || !*ctx->api_url)
		return error_set(err, TEND_EINVALID,
				 "no API URL for %s", forge_kind_name(ctx->kind));
	if (!ctx->repo && !ctx->project_id)
		return error_set(err, TEND_EINVALID,
				 "no repository: set %s or give --repo",
				 ctx->kind == FORGE_GITHUB ? "GITHUB_REPOSITORY"
							   : "CI_PROJECT_PATH");

	f = xcalloc(1, sizeof(*f));
	f->kind = ctx->kind;
	f->ops = ctx->kind == FORGE_GITHUB ? &forge_github_ops
					   : &forge_gitlab_ops;
	f->api_url = xstrdup(ctx->api_url);
	while (*f->api_url && f->api_url[strlen(f->api_url) - 1] == '/')
		f->api_url[strlen(f->api_url) - 1] = '\0';
	f->repo = xstrdup(ctx->repo ? ctx->repo : ctx->project_id);
	if (ctx->kind == FORGE_GITLAB) {
		if (ctx->project_id && *ctx->project_id) {
			f->project = xstrdup(ctx->project_id);
		} else {
			forge_url_escape(&b, ctx->repo);
			f->project = buf_detach(&b, NULL);
		}
	}
	f->job_token = ctx->kind == FORGE_GITLAB && ctx->token_job;
	f->actions_token = ctx->kind == FORGE_GITHUB && ctx->ci &&
			   ctx->token_source &&
			   !strcmp(ctx->token_source, "GITHUB_TOKEN");
	f->installation_token = f->actions_token &&
				!forge_personal_token(ctx->token);
	f->can_write = ctx->can_write;
	if (getenv("TEND_BOT_LOGIN") && *getenv("TEND_BOT_LOGIN"))
		f->bot_login = xstrdup(getenv("TEND_BOT_LOGIN"));
	if (ctx->token && *ctx->token) {
		if (ctx->kind == FORGE_GITHUB)
			f->auth_header = xasprintf("Authorization: Bearer %s",
						   ctx->token);
		else if (ctx->token_job)
			f->auth_header = xasprintf("JOB-TOKEN: %s", ctx->token);
		else
			f->auth_header = xasprintf("PRIVATE-TOKEN: %s",
						   ctx->token);
	}
	if (ctx->kind == FORGE_GITHUB) {
		headers[n++] = "Accept: application/vnd.github+json";
		headers[n++] = "X-GitHub-Api-Version: 2022-11-28";
	} else {
		headers[n++] = "Accept: application/json";
	}
	if (f->auth_header)
		headers[n++] = f->auth_header;
	headers[n] = NULL;
	hopts.headers = headers;
	hopts.ca_file = ctx->ca_file;
	f->http = http_client_new(&hopts);
	buf_release(&b);
	*out = f;
	return 0;
}

void forge_free(struct forge *f)
{
	if (!f)
		return;
	http_client_free(f->http);
	free(f->api_url);
	free(f->repo);
	free(f->project);
	free(f->auth_header);
	free(f->bot_login);
	free(f->self.login);
	free(f->self.id);
	free(f);
}

enum forge_kind forge_kind(const struct forge *f)
{
	return f->kind;
}

void forge_get_stats(const struct forge *f, struct forge_stats *out)
{
	*out = f->stats;
}

void forge_set_sleep(struct forge *f, void (*sleep_ms)(long ms, void *data),
		     void *data)
{
	http_client_set_sleep(f->http, sleep_ms, data);
}

int forge_pr_can_push(const struct forge *f, const struct forge_pr *pr)
{
	/* Nothing to push with, or nowhere to push to. */
	if (!f->auth_header || f->job_token || f->can_write == 0 ||
	    !pr->head_repo || !*pr->head_repo || !pr->head_ref ||
	    !*pr->head_ref)
		return 0;
	if (pr->fork) {
		if (f->installation_token)
			return 0;
		return pr->maintainer_can_push == 1;
	}
	if (f->can_write == 1)
		return 1;
	return f->installation_token ? -1 : 1;
}

int forge_get_pr(struct forge *f, long number, struct forge_pr *out,
		 struct buf *err)
{
	int rc = f->ops->get_pr(f, number, out, err);

	if (!rc)
		out->can_push = forge_pr_can_push(f, out);
	return rc;
}

int forge_find_pr(struct forge *f, const char *head_repo,
		  const char *head_ref, const char *head_sha,
		  long *number_out, struct buf *err)
{
	*number_out = 0;
	if (!head_ref || !*head_ref)
		return error_set(err, TEND_EINVALID,
				 "no head branch to look for a pull request "
				 "by");
	if (!f->ops->find_pr)
		return error_set(err, TEND_ENOTFOUND,
				 "%s cannot look pull requests up by branch",
				 forge_kind_name(f->kind));
	return f->ops->find_pr(f, head_repo, head_ref, head_sha, number_out,
			       err);
}

int forge_list_files(struct forge *f, const struct forge_pr *pr,
		     struct forge_files *out, struct buf *err)
{
	return f->ops->list_files(f, pr, out, err);
}

/* Set `own` on the notes from `from` on: tend's, by its account. */
static int forge_mark_own(struct forge *f, struct forge_notes *out,
			  size_t from, struct buf *err)
{
	size_t i;
	int rc;

	/* Nothing listed: nothing to tell apart, no need to ask. */
	if (out->nr == from)
		return 0;
	if ((rc = forge_self_resolve(f, err)) < 0)
		return rc;
	for (i = from; i < out->nr; i++)
		out->items[i].own = forge_is_self(f, out->items[i].author,
						  out->items[i].author_id);
	return 0;
}

int forge_list_notes(struct forge *f, const struct forge_pr *pr,
		     struct forge_notes *out, struct buf *err)
{
	size_t from = out->nr;
	int rc;

	if ((rc = f->ops->list_notes(f, pr, out, err)) < 0)
		return rc;
	return forge_mark_own(f, out, from, err);
}

/* The Actions bot, whose login and id GitHub documents. */
#define FORGE_ACTIONS_LOGIN "github-actions[bot]"
#define FORGE_ACTIONS_ID "41898282"

int forge_self_resolve(struct forge *f, struct buf *err)
{
	struct buf e = BUF_INIT;
	char *login = NULL, *id = NULL;
	int rc = TEND_EAUTH;

	if (f->self.asked)
		return 0;
	/* A job token has no user; without a token nobody is asked. */
	if (!f->job_token && f->auth_header && f->ops->get_self) {
		rc = f->ops->get_self(f, &login, &id, &e);
		if (rc == TEND_ERROR || rc == TEND_ETIMEOUT ||
		    rc == TEND_ERATELIMIT) {
			rc = error_set(err, rc, "cannot learn which account "
				       "tend posts as: %s", e.ptr);
			goto out;
		}
	}
	f->self.asked = 1;
	if (!rc) {
		f->self.login = login;
		f->self.id = id;
		login = id = NULL;
		log_debug("tend posts as '%s' (id %s)", f->self.login,
			  f->self.id ? f->self.id : "unknown");
	} else if (f->bot_login) {
		f->self.login = xstrdup(f->bot_login);
		log_info("tend posts as '%s' (TEND_BOT_LOGIN)", f->self.login);
	} else if (f->actions_token) {
		f->self.login = xstrdup(FORGE_ACTIONS_LOGIN);
		f->self.id = xstrdup(FORGE_ACTIONS_ID);
		log_debug("tend posts as '%s', the GitHub Actions token's "
			  "account", f->self.login);
	} else {
		/* A job token cannot post either: no cause for alarm. */
		log_msg(f->job_token ? LOG_INFO : LOG_WARN,
			"cannot tell which account tend posts as (%s); no "
			"existing comment counts as tend's, so tend may post "
			"again what it posted before: set TEND_BOT_LOGIN to "
			"the login of the account that owns %s",
			f->job_token ? "the CI job token has no user" :
			!f->auth_header ? "no token" :
			e.len ? e.ptr : "the forge does not say",
			f->kind == FORGE_GITHUB ? "the token" :
			"GITLAB_TOKEN");
	}
	rc = 0;
out:
	free(login);
	free(id);
	buf_release(&e);
	return rc;
}

int forge_get_self(struct forge *f, const char **login_out, struct buf *err)
{
	int rc = forge_self_resolve(f, err);

	*login_out = rc < 0 ? NULL : f->self.login;
	return rc;
}

/* ASCII case-insensitive equality, whatever the locale says. */
static int forge_same_login(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return *a == *b;
}

int forge_is_self(const struct forge *f, const char *login, const char *id)
{
	if (!f->self.login || !login || !forge_same_login(login,
							  f->self.login))
		return 0;
	return !f->self.id || (id && !strcmp(id, f->self.id));
}

int forge_under_api(const struct forge *f, const char *url)
{
	size_t n = strlen(f->api_url);

	/*
	 * The API URL is written out to the end of its authority or of a
	 * path segment; what follows must start a new segment or the
	 * query, so the host, port and path prefix are exactly its own.
	 */
	return n && url && !strncmp(url, f->api_url, n) &&
	       (url[n] == '\0' || url[n] == '/' || url[n] == '?');
}

int forge_post_review(struct forge *f, const struct forge_pr *pr,
		      const struct forge_inline *comments, size_t nr,
		      const char *body, const char *marker, struct buf *err)
{
	return f->ops->post_review(f, pr, comments, nr, body, marker, err);
}

int forge_put_summary(struct forge *f, const struct forge_pr *pr,
		      const char *id, const char *body, const char *marker,
		      char **url_out, struct buf *err)
{
	if (url_out)
		*url_out = NULL;
	return f->ops->put_summary(f, pr, id, body, marker, url_out, err);
}

int forge_set_status(struct forge *f, const struct forge_pr *pr,
		     const struct forge_status *st, struct buf *err)
{
	return f->ops->set_status(f, pr, st, err);
}

int forge_resolve_thread(struct forge *f, const struct forge_pr *pr,
			 const char *thread, struct buf *err)
{
	if (!f->ops->resolve_thread)
		return TEND_ENOTFOUND;
	return f->ops->resolve_thread(f, pr, thread, err);
}

void forge_issue_init(struct forge_issue *issue)
{
	memset(issue, 0, sizeof(*issue));
}

static void forge_strv_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

void forge_issue_release(struct forge_issue *issue)
{
	free(issue->title);
	free(issue->body);
	free(issue->author);
	free(issue->author_id);
	forge_strv_free(issue->labels, issue->nr_labels);
	forge_strv_free(issue->assignees, issue->nr_assignees);
	free(issue->url);
	free(issue->created_at);
	forge_issue_init(issue);
}

void forge_issues_init(struct forge_issues *list)
{
	memset(list, 0, sizeof(*list));
}

void forge_issues_release(struct forge_issues *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		forge_issue_release(&list->items[i]);
	free(list->items);
	forge_issues_init(list);
}

struct forge_issue *forge_issues_push(struct forge_issues *list)
{
	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	forge_issue_init(&list->items[list->nr]);
	return &list->items[list->nr++];
}

int forge_issue_has_label(const struct forge_issue *issue, const char *name)
{
	size_t i;

	for (i = 0; i < issue->nr_labels; i++)
		if (!strcmp(issue->labels[i], name))
			return 1;
	return 0;
}

/* An operation an adapter lacks: say so rather than crash. */
static int forge_unsupported(const struct forge *f, const char *what,
			     struct buf *err)
{
	return error_set(err, TEND_EINVALID, "%s: %s is not supported",
			 forge_kind_name(f->kind), what);
}

int forge_list_issues(struct forge *f, const char *label, size_t max,
		      struct forge_issues *out, struct buf *err)
{
	if (!f->ops->list_issues)
		return forge_unsupported(f, "listing issues", err);
	return f->ops->list_issues(f, label, max, out, err);
}

int forge_get_issue(struct forge *f, long number, struct forge_issue *out,
		    struct buf *err)
{
	if (!f->ops->get_issue)
		return forge_unsupported(f, "reading issues", err);
	return f->ops->get_issue(f, number, out, err);
}

int forge_list_issue_notes(struct forge *f, long number,
			   struct forge_notes *out, struct buf *err)
{
	size_t from = out->nr;
	int rc;

	if (!f->ops->list_issue_notes)
		return forge_unsupported(f, "reading issue comments", err);
	if ((rc = f->ops->list_issue_notes(f, number, out, err)) < 0)
		return rc;
	return forge_mark_own(f, out, from, err);
}

int forge_put_issue_note(struct forge *f, long number, const char *id,
			 const char *body, const char *marker, char **id_out,
			 char **url_out, struct buf *err)
{
	if (!f->ops->put_issue_note)
		return forge_unsupported(f, "issue comments", err);
	return f->ops->put_issue_note(f, number, id, body, marker, id_out,
				      url_out, err);
}

int forge_delete_issue_note(struct forge *f, long number, const char *id,
			    struct buf *err)
{
	if (!f->ops->delete_issue_note)
		return forge_unsupported(f, "deleting issue comments", err);
	return f->ops->delete_issue_note(f, number, id, err);
}

int forge_edit_labels(struct forge *f, long number, const char *const *add,
		      const char *const *remove, struct buf *err)
{
	if ((!add || !*add) && (!remove || !*remove))
		return 0;
	if (!f->ops->edit_labels)
		return forge_unsupported(f, "labels", err);
	return f->ops->edit_labels(f, number, add, remove, err);
}

int forge_label_actor(struct forge *f, long number, const char *label,
		      char **login_out, char **id_out, struct buf *err)
{
	*login_out = NULL;
	*id_out = NULL;
	if (!f->ops->label_actor)
		return forge_unsupported(f, "label events", err);
	return f->ops->label_actor(f, number, label, login_out, id_out, err);
}

int forge_user_can_write(struct forge *f, const char *login, const char *id,
			 int *write_out, struct buf *err)
{
	*write_out = 0;
	if (!login || !*login)
		return 0;
	if (!f->ops->user_can_write)
		return forge_unsupported(f, "permission checks", err);
	return f->ops->user_can_write(f, login, id, write_out, err);
}

int forge_create_pr(struct forge *f, const struct forge_pr_new *req,
		    struct forge_pr *out, struct buf *err)
{
	int rc;

	if (!f->ops->create_pr)
		return forge_unsupported(f, "opening pull requests", err);
	if ((rc = f->ops->create_pr(f, req, out, err)) < 0 &&
	    rc != FORGE_EEXIST)
		return rc;
	out->can_push = forge_pr_can_push(f, out);
	return rc;
}

int forge_find_branch_pr(struct forge *f, const char *head_ref,
			 struct forge_pr *out, struct buf *err)
{
	int rc;

	if (!f->ops->find_branch_pr)
		return forge_unsupported(f, "finding pull requests", err);
	if ((rc = f->ops->find_branch_pr(f, head_ref, out, err)) < 0)
		return rc;
	out->can_push = forge_pr_can_push(f, out);
	return 0;
}

int forge_update_pr(struct forge *f, const struct forge_pr *pr,
		    const char *title, const char *body, struct buf *err)
{
	if (!f->ops->update_pr)
		return forge_unsupported(f, "editing pull requests", err);
	return f->ops->update_pr(f, pr, title, body, err);
}

int forge_request_review(struct forge *f, const struct forge_pr *pr,
			 const char *login, const char *id, struct buf *err)
{
	if (!f->ops->request_review)
		return forge_unsupported(f, "review requests", err);
	return f->ops->request_review(f, pr, login, id, err);
}

void forge_comment_init(struct forge_comment *c)
{
	memset(c, 0, sizeof(*c));
}

void forge_comment_release(struct forge_comment *c)
{
	free(c->id);
	free(c->thread);
	free(c->author);
	free(c->author_id);
	free(c->body);
	free(c->created_at);
	free(c->url);
	forge_comment_init(c);
}

void forge_comments_init(struct forge_comments *list)
{
	memset(list, 0, sizeof(*list));
}

void forge_comments_release(struct forge_comments *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		forge_comment_release(&list->items[i]);
	free(list->items);
	forge_comments_init(list);
}

struct forge_comment *forge_comments_push(struct forge_comments *list)
{
	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	forge_comment_init(&list->items[list->nr]);
	return &list->items[list->nr++];
}

int forge_list_comments_since(struct forge *f, const char *since, int review,
			      struct forge_comments *out, struct buf *err)
{
	size_t from = out->nr, i;
	int rc;

	if (!f->ops->list_comments_since)
		return forge_unsupported(f, "listing comments", err);
	if ((rc = f->ops->list_comments_since(f, since, review, out,
					      err)) < 0)
		return rc;
	for (i = from; i < out->nr; i++)
		out->items[i].own = 0;
	return 0;
}

int forge_comments_mark_own(struct forge *f, struct forge_comments *list,
			    struct buf *err)
{
	size_t i;
	int rc;

	if (!list->nr)
		return 0;
	if ((rc = forge_self_resolve(f, err)) < 0)
		return rc;
	for (i = 0; i < list->nr; i++)
		list->items[i].own = forge_is_self(f, list->items[i].author,
						   list->items[i].author_id);
	return 0;
}

int forge_react(struct forge *f, const struct forge_comment *c,
		const char *emoji, struct buf *err)
{
	if (!f->ops->react)
		return forge_unsupported(f, "reactions", err);
	return f->ops->react(f, c, emoji, err);
}

int forge_reacted(struct forge *f, const struct forge_comment *c,
		  const char *emoji, int *out, struct buf *err)
{
	*out = 0;
	if (!f->ops->reacted)
		return forge_unsupported(f, "reactions", err);
	return f->ops->reacted(f, c, emoji, out, err);
}

int forge_reply(struct forge *f, const struct forge_comment *c,
		const char *body, const char *marker, char **url_out,
		struct buf *err)
{
	if (url_out)
		*url_out = NULL;
	if (!f->ops->reply)
		return forge_unsupported(f, "replies", err);
	return f->ops->reply(f, c, body, marker, url_out, err);
}

const char *forge_state_name(enum forge_state st)
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
	return "error";
}

/* The forge's own words about a failed request, when it gave any. */
static void forge_error_detail(struct buf *out, const json_t *json,
			       const struct http_response *raw)
{
	const json_t *m = json ? json_object_get(json, "message") : NULL;
	const json_t *e = json ? json_object_get(json, "errors") : NULL;
	const json_t *g = json ? json_object_get(json, "error") : NULL;
	struct buf dump = BUF_INIT;

	if (m && json_is_string(m))
		buf_printf(out, ": %s", json_string_value(m));
	else if (m)
		jsonutil_dump(&dump, m, 0);
	if (g && json_is_string(g))
		buf_printf(out, ": %s", json_string_value(g));
	if (e && !json_is_null(e))
		jsonutil_dump(&dump, e, 0);
	if (dump.len) {
		if (dump.len > 1000)
			buf_truncate(&dump, 1000);
		buf_printf(out, " (%s)", dump.ptr);
	}
	if (!json && raw && raw->body.len) {
		size_t n = raw->body.len > 200 ? 200 : raw->body.len;

		buf_puts(out, ": ");
		jsonutil_sanitize(out, raw->body.ptr, n);
	}
	buf_release(&dump);
}

int forge_request(struct forge *f, const char *method, const char *path,
		  json_t *body, json_t **json_out, struct http_response *raw,
		  struct buf *err)
{
	struct http_response own;
	struct http_response *r = raw ? raw : &own;
	struct buf url = BUF_INIT, detail = BUF_INIT, e = BUF_INIT;
	json_t *json = NULL;
	long status = 0;
	int rc, write = strcmp(method, "GET") && strcmp(method, "HEAD");

	if (json_out)
		*json_out = NULL;
	if (!raw)
		http_response_init(&own);
	if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8)) {
		if (!forge_under_api(f, path)) {
			http_url_for_log(&detail, path);
			rc = error_set(err, TEND_EINVALID,
				       "%s %s: not under the API URL '%s'; "
				       "the token is not sent there", method,
				       detail.ptr, f->api_url);
			goto out;
		}
		buf_puts(&url, path);
	} else if (path[0] != '/') {
		/* Appended to the API URL, it would change its host. */
		rc = error_set(err, TEND_EINVALID, "%s: '%.100s' is not a "
			       "path under the API URL", method, path);
		goto out;
	} else {
		buf_printf(&url, "%s%s", f->api_url, path);
	}
	if (write)
		f->stats.writes++;
	else
		f->stats.reads++;
	rc = http_send_json(f->http, method, url.ptr, NULL, body, &status,
			    &json, r, &e);
	if (rc < 0) {
		if (rc == TEND_EAUTH) {
			forge_error_detail(&detail, json, r);
			rc = error_set(err, TEND_EAUTH,
				       "%s %s: the token was refused (401)%s; "
				       "check %s", method, path, detail.ptr,
				       f->kind == FORGE_GITHUB ?
				       "GITHUB_TOKEN" : "GITLAB_TOKEN");
		} else {
			rc = error_set(err, rc, "%s %s: %s", method, path,
				       e.ptr);
		}
		goto out;
	}
	if (status >= 200 && status < 300) {
		if (json_out) {
			*json_out = json;
			json = NULL;
		}
		rc = 0;
		goto out;
	}
	forge_error_detail(&detail, json, r);
	if (status == 403 && write) {
		rc = error_set(err, FORGE_EREADONLY,
			       "%s %s: the token may not write here (403)%s",
			       method, path, detail.ptr);
	} else if (status == 403) {
		rc = error_set(err, TEND_EAUTH,
			       "%s %s: access denied (403)%s", method, path,
			       detail.ptr);
	} else if (status == 404) {
		rc = error_set(err, TEND_ENOTFOUND, "%s %s: not found (404)%s",
			       method, path, detail.ptr);
	} else {
		rc = error_set(err, status >= 500 ? TEND_ERROR : TEND_EINVALID,
			       "%s %s: HTTP %ld%s", method, path, status,
			       detail.ptr);
	}
out:
	json_decref(json);
	if (!raw)
		http_response_release(&own);
	buf_release(&url);
	buf_release(&detail);
	buf_release(&e);
	return rc;
}

int forge_read_user(char **login_out, char **id_out, const json_t *json,
		    const char *key, const char *where, struct buf *err)
{
	char *login = forge_json_strdup(json, key);

	*login_out = *id_out = NULL;
	if (!login || !*login) {
		free(login);
		return error_set(err, TEND_EINVALID, "%s: no %s", where, key);
	}
	*login_out = login;
	*id_out = forge_json_id(json, "id");
	return 0;
}

int forge_parse_user(char **login_out, char **id_out, const char *text,
		     size_t len, const char *key, struct buf *err)
{
	json_t *json = forge_json_load(text, len, "user", err);
	int rc;

	*login_out = *id_out = NULL;
	if (!json)
		return TEND_EINVALID;
	rc = forge_read_user(login_out, id_out, json, key, "user", err);
	json_decref(json);
	return rc;
}

int forge_get_user(struct forge *f, const char *key, char **login_out,
		   char **id_out, struct buf *err)
{
	json_t *json = NULL;
	int rc;

	*login_out = *id_out = NULL;
	rc = forge_request(f, "GET", "/user", NULL, &json, NULL, err);
	if (!rc)
		rc = forge_read_user(login_out, id_out, json, key, "GET /user",
				     err);
	json_decref(json);
	return rc;
}

json_t *forge_json_load(const char *text, size_t len, const char *what,
			struct buf *err)
{
	json_error_t jerr;
	json_t *json = json_loadb(text, len, JSON_DECODE_ANY, &jerr);

	if (!json)
		error_set(err, TEND_EINVALID, "%s: not JSON (%s at line %d)",
			  what, jerr.text, jerr.line);
	return json;
}

char *forge_json_strdup(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;

	return v && json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

char *forge_json_id(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key)
					      : NULL;

	if (v && json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (v && json_is_string(v) && *json_string_value(v))
		return xstrdup(json_string_value(v));
	return NULL;
}

long forge_json_long(const json_t *obj, const char *key, long def)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;
	char *end;
	long n;

	if (v && json_is_integer(v))
		return (long)json_integer_value(v);
	if (v && json_is_string(v)) {
		n = strtol(json_string_value(v), &end, 10);
		if (end != json_string_value(v) && !*end)
			return n;
	}
	return def;
}

void forge_url_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			buf_putc(out, c);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}

int forge_has_marker(const char *text, const char *marker)
{
	return text && marker && *marker && strstr(text, marker) != NULL;
}

/* ------------------------------------------------------------------ */
/* Outcomes: what people did with tend's output (tend stats).          */

void forge_pr_briefs_init(struct forge_pr_briefs *list)
{
	memset(list, 0, sizeof(*list));
}

void forge_pr_briefs_release(struct forge_pr_briefs *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		struct forge_pr_brief *p = &list->items[i];

		free(p->state);
		free(p->author);
		free(p->author_id);
		free(p->body);
		free(p->updated_at);
		free(p->head_sha);
	}
	free(list->items);
	forge_pr_briefs_init(list);
}

struct forge_pr_brief *forge_pr_briefs_push(struct forge_pr_briefs *list)
{
	struct forge_pr_brief *p;

	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	p = &list->items[list->nr++];
	memset(p, 0, sizeof(*p));
	return p;
}

void forge_commit_briefs_init(struct forge_commit_briefs *list)
{
	memset(list, 0, sizeof(*list));
}

void forge_commit_briefs_release(struct forge_commit_briefs *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->items[i].sha);
		free(list->items[i].message);
	}
	free(list->items);
	forge_commit_briefs_init(list);
}

struct forge_commit_brief *
forge_commit_briefs_push(struct forge_commit_briefs *list)
{
	struct forge_commit_brief *c;

	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	c = &list->items[list->nr++];
	memset(c, 0, sizeof(*c));
	return c;
}

int forge_list_prs_since(struct forge *f, const char *since, size_t max,
			 struct forge_pr_briefs *out, struct buf *err)
{
	size_t i;
	int rc;

	rc = f->kind == FORGE_GITLAB ?
	     forge_gitlab_list_prs_since(f, since, max, out, err) :
	     forge_github_list_prs_since(f, since, max, out, err);
	if (rc < 0)
		return rc;
	if (out->nr && (rc = forge_self_resolve(f, err)) < 0)
		return rc;
	for (i = 0; i < out->nr; i++)
		out->items[i].own = forge_is_self(f, out->items[i].author,
						  out->items[i].author_id);
	return rc < 0 ? rc : 0;
}

int forge_list_pr_commits(struct forge *f, long number,
			  struct forge_commit_briefs *out, struct buf *err)
{
	return f->kind == FORGE_GITLAB ?
	       forge_gitlab_list_pr_commits(f, number, out, err) :
	       forge_github_list_pr_commits(f, number, out, err);
}

int forge_note_thumbs_down(struct forge *f, long number,
			   const struct forge_note *n, long *out,
			   struct buf *err)
{
	int rc;

	if (f->kind != FORGE_GITLAB) {
		*out = n->thumbs_down > 0 ? n->thumbs_down : 0;
		return 0;
	}
	if ((rc = forge_self_resolve(f, err)) < 0)
		return rc;
	return forge_gitlab_thumbs_down(f, number, n->id, out, err);
}

int forge_get_file(struct forge *f, const char *path, const char *ref,
		   struct buf *out, struct buf *err)
{
	return f->kind == FORGE_GITLAB ?
	       forge_gitlab_get_file(f, path, ref, out, err) :
	       forge_github_get_file(f, path, ref, out, err);
}

static int forge_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int forge_file_content(struct buf *out, const json_t *json, const char *what,
		       struct buf *err)
{
	const char *enc = json_string_value(json_object_get(json, "encoding"));
	const json_t *content = json_object_get(json, "content");
	const char *p;
	size_t len, i;
	unsigned acc = 0;
	int bits = 0, pad = 0;

	buf_reset(out);
	if (!json_is_string(content) || !enc || strcmp(enc, "base64"))
		return error_set(err, TEND_EINVALID, "%s: not a file in "
				 "base64", what);
	p = json_string_value(content);
	len = json_string_length(content);
	if (len / 4 * 3 > FORGE_MAX_FILE)
		return error_set(err, TEND_ETOOBIG, "%s: larger than %d bytes",
				 what, FORGE_MAX_FILE);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		int v;

		if (c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || (v = forge_b64_value(c)) < 0)
			return error_set(err, TEND_EINVALID, "%s: bad base64 "
					 "at byte %zu", what, i);
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return 0;
}

int forge_read_resolutions(struct forge *f, long number,
			   struct forge_notes *notes, struct buf *err)
{
	if (f->kind == FORGE_GITLAB)
		return 0;
	return forge_github_read_resolutions(f, number, notes, err);
}
