/*
 * context.c - where tend runs and what it is asked to look at, from the CI
 * platform's own environment (GitHub Actions, GitLab CI), GitHub's event
 * payload, and, on a developer's machine, the options and origin's URL.
 *
 * Not here: talking to the forge. When the environment does not say
 * everything (an issue_comment event names the PR but not its SHAs), the
 * adapters in forge/github.c and forge/gitlab.c read the PR itself.
 *
 * Contracts:
 *   - no network, no output but log_debug()/log_trace() lines;
 *   - every input from outside (the payload, CI variables, the remote URL)
 *     either fits its documented shape or fails with TEND_EINVALID and a
 *     message naming the variable or the file and the JSON path; SHAs are
 *     checked to be hex and names to hold no control characters, so what
 *     is detected can go into URLs and into describe()'s lines as is;
 *   - the token is registered with the log's redaction the moment it is
 *     read and never appears in a message or in forge_context_describe();
 *     credentials in a remote URL are registered too and never quoted.
 *
 * GITHUB_SHA is not a PR's head (for pull_request events it is the test
 * merge commit, for issue_comment the default branch), so it becomes
 * head_sha only when the run is about no PR at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"
#include "forge/context.h"
#include "forge/git.h"

/* GitHub caps webhook payloads at 25 MB; an event file is no larger. */
#define FORGE_CONTEXT_MAX_PAYLOAD (25u << 20)
/* Longest repository path, ref or event name taken from outside. */
#define FORGE_CONTEXT_MAX_NAME 1024

#define FORGE_CONTEXT_GITHUB_API "https://api.github.com"
#define FORGE_CONTEXT_GITHUB_SERVER "https://github.com"
#define FORGE_CONTEXT_GITLAB_SERVER "https://gitlab.com"

void forge_context_init(struct forge_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->fork = -1;
	ctx->can_write = -1;
}

void forge_context_release(struct forge_context *ctx)
{
	free(ctx->api_url);
	free(ctx->server_url);
	free(ctx->repo);
	free(ctx->project_id);
	free(ctx->event);
	free(ctx->head_sha);
	free(ctx->base_sha);
	free(ctx->head_ref);
	free(ctx->base_ref);
	free(ctx->head_repo);
	free(ctx->token);
	free(ctx->ca_file);
	free(ctx->step_summary);
	free(ctx->output_file);
	free(ctx->workspace);
	free(ctx->run_url);
	free(ctx->trigger_event);
	free(ctx->trigger_conclusion);
	free(ctx->trigger_url);
	forge_context_init(ctx);
}

const char *forge_kind_name(enum forge_kind kind)
{
	switch (kind) {
	case FORGE_GITHUB:
		return "github";
	case FORGE_GITLAB:
		return "gitlab";
	default:
		return "none";
	}
}

/* Forget what belongs to one PR: its number, SHAs, refs and head. */
static void forge_context_forget_pr(struct forge_context *ctx)
{
	ctx->number = 0;
	free(ctx->head_sha);
	free(ctx->base_sha);
	free(ctx->head_ref);
	free(ctx->base_ref);
	free(ctx->head_repo);
	ctx->head_sha = ctx->base_sha = NULL;
	ctx->head_ref = ctx->base_ref = ctx->head_repo = NULL;
	ctx->fork = -1;
	free(ctx->trigger_event);
	free(ctx->trigger_conclusion);
	free(ctx->trigger_url);
	ctx->trigger_event = ctx->trigger_conclusion = NULL;
	ctx->trigger_url = NULL;
}

/* An environment variable, or NULL when it is unset or empty. */
static const char *forge_context_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int forge_context_env_is_true(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "true");
}

/* A copy of `url` without trailing slashes; the caller frees it. */
static char *forge_context_url(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

/* 40 (SHA-1) or 64 (SHA-256) hex digits. */
static int forge_context_is_sha(const char *s, size_t len)
{
	size_t i;

	if (len != 40 && len != 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return 1;
}

/* A name fit for a line of output: bounded, no control characters. */
static int forge_context_is_clean(const char *s, size_t len)
{
	size_t i;

	if (len > FORGE_CONTEXT_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * A positive decimal number, optionally surrounded by blanks ("12",
 * " 12 "); 0 and *out set, or -1.
 */
static int forge_context_parse_number(long *out, const char *s, size_t len)
{
	size_t i = 0, end = len;
	long v = 0;

	while (i < end && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (i == end)
		return -1;
	for (; i < end; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (2147483647L - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0)
		return -1;
	*out = v;
	return 0;
}

/*
 * "owner/name"; with `nested` (GitLab) "group/sub/.../project". Each part
 * is letters, digits, '-', '_' or '.', and not "." or "..".
 */
static int forge_context_valid_repo(const char *s, int nested)
{
	const char *p = s;
	int parts = 0;

	if (strlen(s) > FORGE_CONTEXT_MAX_NAME)
		return 0;
	for (;;) {
		size_t n = strcspn(p, "/"), i;

		if (!n || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		for (i = 0; i < n; i++) {
			char c = p[i];

			if (!strchr("abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", c))
				return 0;
		}
		parts++;
		if (!p[n])
			break;
		p += n + 1;
	}
	return nested ? parts >= 2 : parts == 2;
}

/* A CI variable that must be a commit SHA when set. */
static int forge_context_env_sha(char **out, const char *name,
				 struct buf *err)
{
	const char *v = forge_context_env(name);

	if (!v)
		return 0;
	if (!forge_context_is_sha(v, strlen(v)))
		return error_set(err, TEND_EINVALID,
				 "%s is not a commit SHA: '%.80s'", name, v);
	free(*out);
	*out = xstrdup(v);
	return 0;
}

/* A CI variable that names something (a ref, an event), when set. */
static int forge_context_env_name(char **out, const char *name,
				  struct buf *err)
{
	const char *v = forge_context_env(name);

	if (!v)
		return 0;
	if (!forge_context_is_clean(v, strlen(v)))
		return error_set(err, TEND_EINVALID,
				 "%s holds control characters or is too long",
				 name);
	free(*out);
	*out = xstrdup(v);
	return 0;
}

/* A CI variable naming a repository; `nested` as forge_context_valid_repo. */
static int forge_context_env_repo(char **out, const char *name, int nested,
				  struct buf *err)
{
	const char *v = forge_context_env(name);

	if (!v)
		return 0;
	if (!forge_context_valid_repo(v, nested))
		return error_set(err, TEND_EINVALID,
				 "%s is not %s: '%.200s'", name,
				 nested ? "GROUP/PROJECT" : "OWNER/NAME", v);
	free(*out);
	*out = xstrdup(v);
	return 0;
}

/* The token from the first of `names` that is set; registered at once. */
static void forge_context_token(struct forge_context *ctx,
				const char *const *names)
{
	for (; *names; names++) {
		const char *v = forge_context_env(*names);

		if (v) {
			redact_add(v);
			ctx->token = xstrdup(v);
			ctx->token_source = *names;
			return;
		}
	}
}

/*
 * GitHub event payloads.
 *
 * What a payload says is collected in a forge_context_event and handed to
 * the context only when the whole payload is good, so a failed parse
 * leaves the context as it was.
 */
struct forge_context_event {
	long number;
	char *head_sha, *base_sha, *head_ref, *base_ref, *head_repo;
	int fork;
	char *trigger_event, *trigger_conclusion, *trigger_url;
};

static void forge_context_event_release(struct forge_context_event *ev)
{
	free(ev->head_sha);
	free(ev->base_sha);
	free(ev->head_ref);
	free(ev->base_ref);
	free(ev->head_repo);
	free(ev->trigger_event);
	free(ev->trigger_conclusion);
	free(ev->trigger_url);
}

enum forge_context_want { FORGE_CONTEXT_TEXT, FORGE_CONTEXT_SHA };

/*
 * The string at `key` of `parent` (path `path` in messages) into *out, or
 * NULL when it is absent or null.
 */
static int forge_context_json_string(char **out, const json_t *parent,
				     const char *key, const char *path,
				     enum forge_context_want want,
				     const char *name, struct buf *err)
{
	json_t *v = json_object_get(parent, key);
	const char *s;
	size_t len;

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return error_set(err, TEND_EINVALID, "%s: %s is not a string",
				 name, path);
	s = json_string_value(v);
	len = json_string_length(v);
	if (want == FORGE_CONTEXT_SHA && !forge_context_is_sha(s, len))
		return error_set(err, TEND_EINVALID,
				 "%s: %s is not a commit SHA", name, path);
	if (want == FORGE_CONTEXT_TEXT &&
	    (!forge_context_is_clean(s, len) || strlen(s) != len))
		return error_set(err, TEND_EINVALID,
				 "%s: %s holds control characters or is too "
				 "long", name, path);
	*out = xstrndup(s, len);
	return 0;
}

/*
 * The object at `key` of `parent` into *out (borrowed); NULL when absent
 * or null, which is an error when `required`.
 */
static int forge_context_json_object(json_t **out, const json_t *parent,
				     const char *key, const char *path,
				     int required, const char *name,
				     struct buf *err)
{
	json_t *v = json_object_get(parent, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return error_set(err, TEND_EINVALID,
					 "%s: %s is missing", name, path);
		return 0;
	}
	if (!json_is_object(v))
		return error_set(err, TEND_EINVALID,
				 "%s: %s is not an object", name, path);
	*out = v;
	return 0;
}

/* The PR number at `key` of `parent`: present, an integer, positive. */
static int forge_context_json_number(long *out, const json_t *parent,
				     const char *key, const char *path,
				     const char *name, struct buf *err)
{
	json_t *v = json_object_get(parent, key);
	json_int_t n;

	if (!v || json_is_null(v))
		return error_set(err, TEND_EINVALID, "%s: %s is missing",
				 name, path);
	if (!json_is_integer(v))
		return error_set(err, TEND_EINVALID,
				 "%s: %s is not an integer", name, path);
	n = json_integer_value(v);
	if (n <= 0 || n > 2147483647)
		return error_set(err, TEND_EINVALID,
				 "%s: %s is not a positive integer", name,
				 path);
	*out = (long)n;
	return 0;
}

/*
 * pull_request, pull_request_target, pull_request_review(_comment): the PR
 * is `.pull_request`. A head repository that is null was a fork that has
 * been deleted since.
 */
static int forge_context_event_pr(struct forge_context_event *ev,
				  const json_t *root, const char *name,
				  struct buf *err)
{
	json_t *pr, *head, *base, *head_repo_obj, *base_repo, *v;
	char *base_full = NULL;
	int rc;

	if ((rc = forge_context_json_object(&pr, root, "pull_request",
					    ".pull_request", 1, name, err)) ||
	    (rc = forge_context_json_number(&ev->number, pr, "number",
					    ".pull_request.number", name,
					    err)) ||
	    (rc = forge_context_json_object(&head, pr, "head",
					    ".pull_request.head", 1, name,
					    err)) ||
	    (rc = forge_context_json_object(&base, pr, "base",
					    ".pull_request.base", 1, name,
					    err)) ||
	    (rc = forge_context_json_string(&ev->head_sha, head, "sha",
					    ".pull_request.head.sha",
					    FORGE_CONTEXT_SHA, name, err)) ||
	    (rc = forge_context_json_string(&ev->base_sha, base, "sha",
					    ".pull_request.base.sha",
					    FORGE_CONTEXT_SHA, name, err)) ||
	    (rc = forge_context_json_string(&ev->head_ref, head, "ref",
					    ".pull_request.head.ref",
					    FORGE_CONTEXT_TEXT, name, err)) ||
	    (rc = forge_context_json_string(&ev->base_ref, base, "ref",
					    ".pull_request.base.ref",
					    FORGE_CONTEXT_TEXT, name, err)) ||
	    (rc = forge_context_json_object(&head_repo_obj, head, "repo",
					    ".pull_request.head.repo", 0,
					    name, err)) ||
	    (rc = forge_context_json_object(&base_repo, base, "repo",
					    ".pull_request.base.repo", 0,
					    name, err)))
		return rc;
	if (head_repo_obj &&
	    (rc = forge_context_json_string(&ev->head_repo, head_repo_obj,
					    "full_name",
					    ".pull_request.head.repo.full_name",
					    FORGE_CONTEXT_TEXT, name, err)))
		return rc;
	if (base_repo &&
	    (rc = forge_context_json_string(&base_full, base_repo,
					    "full_name",
					    ".pull_request.base.repo.full_name",
					    FORGE_CONTEXT_TEXT, name, err)))
		return rc;

	v = json_object_get(head, "repo");
	if (v && json_is_null(v))
		ev->fork = 1;
	else if (ev->head_repo && base_full)
		ev->fork = strcasecmp(ev->head_repo, base_full) != 0;
	free(base_full);
	return 0;
}

/* issue_comment: a PR only when `.issue.pull_request` is there. */
static int forge_context_event_issue_comment(struct forge_context_event *ev,
					     const json_t *root,
					     const char *name, struct buf *err)
{
	json_t *issue, *pr;
	int rc;

	if ((rc = forge_context_json_object(&issue, root, "issue", ".issue",
					    1, name, err)) ||
	    (rc = forge_context_json_object(&pr, issue, "pull_request",
					    ".issue.pull_request", 0, name,
					    err)))
		return rc;
	if (!pr)
		return 0;
	return forge_context_json_number(&ev->number, issue, "number",
					 ".issue.number", name, err);
}

/*
 * A workflow_dispatch input holding a PR number: 1 and *out set, 0 when
 * it is not given (absent, null, blank: an optional input left empty), -1
 * when it is not a positive integer.
 */
static int forge_context_dispatch_input(long *out, const json_t *v)
{
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);

		if (strspn(s, " \t") == len)
			return 0;
		return forge_context_parse_number(out, s, len) < 0 ? -1 : 1;
	}
	if (json_is_integer(v)) {
		json_int_t j = json_integer_value(v);

		if (j <= 0 || j > 2147483647)
			return -1;
		*out = (long)j;
		return 1;
	}
	return -1;
}

/*
 * workflow_dispatch: the first of the inputs pr, pull_request, number that
 * is given. Inputs arrive as strings ("12"), or numbers when the workflow
 * declares them so.
 */
static int forge_context_event_dispatch(struct forge_context_event *ev,
					const json_t *root, const char *name,
					struct buf *err)
{
	static const char *const keys[] = { "pr", "pull_request", "number" };
	json_t *inputs;
	size_t i;
	int rc;

	if ((rc = forge_context_json_object(&inputs, root, "inputs",
					    ".inputs", 0, name, err)))
		return rc;
	if (!inputs)
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		rc = forge_context_dispatch_input(&ev->number,
						  json_object_get(inputs,
								  keys[i]));
		if (rc < 0)
			return error_set(err, TEND_EINVALID,
					 "%s: .inputs.%s is not a positive "
					 "integer", name, keys[i]);
		if (rc > 0)
			return 0;
	}
	return 0;
}

/*
 * Is `pr`, an entry of .workflow_run.pull_requests, a PR of `repository`
 * (the payload's)? GitHub lists there every open PR with the run's head
 * branch, also those of other repositories whose base is elsewhere. The
 * entries name their base repository by id and API URL only.
 */
static int forge_context_run_pr_here(const json_t *pr,
				     const json_t *repository)
{
	const json_t *brepo = json_object_get(json_object_get(pr, "base"),
					      "repo");
	const json_t *bid = json_object_get(brepo, "id");
	const json_t *rid = json_object_get(repository, "id");
	const json_t *url = json_object_get(brepo, "url");
	const json_t *full = json_object_get(repository, "full_name");
	size_t ulen, flen;

	if (json_is_integer(bid) && json_is_integer(rid))
		return json_integer_value(bid) == json_integer_value(rid);
	if (!json_is_string(url) || !json_is_string(full))
		return 1;
	ulen = json_string_length(url);
	flen = json_string_length(full);
	return ulen > flen + 7 &&
	       !strncmp(json_string_value(url) + ulen - flen - 7, "/repos/",
			7) &&
	       !strcasecmp(json_string_value(url) + ulen - flen,
			   json_string_value(full));
}

/*
 * workflow_run: the head of the run that triggered this one, and its PR
 * when GitHub lists one of this repository (never for a fork's PR).
 */
static int forge_context_event_workflow_run(struct forge_context_event *ev,
					    const json_t *root,
					    const char *name,
					    struct buf *err)
{
	json_t *run, *repository, *head_repo_obj, *prs, *pr = NULL, *base;
	char *full = NULL;
	size_t i;
	int rc;

	if ((rc = forge_context_json_object(&run, root, "workflow_run",
					    ".workflow_run", 1, name, err)) ||
	    (rc = forge_context_json_object(&repository, root, "repository",
					    ".repository", 0, name, err)) ||
	    (rc = forge_context_json_string(&ev->head_sha, run, "head_sha",
					    ".workflow_run.head_sha",
					    FORGE_CONTEXT_SHA, name, err)) ||
	    (rc = forge_context_json_string(&ev->head_ref, run,
					    "head_branch",
					    ".workflow_run.head_branch",
					    FORGE_CONTEXT_TEXT, name, err)) ||
	    (rc = forge_context_json_string(&ev->trigger_event, run, "event",
					    ".workflow_run.event",
					    FORGE_CONTEXT_TEXT, name, err)) ||
	    (rc = forge_context_json_string(&ev->trigger_conclusion, run,
					    "conclusion",
					    ".workflow_run.conclusion",
					    FORGE_CONTEXT_TEXT, name, err)) ||
	    (rc = forge_context_json_string(&ev->trigger_url, run,
					    "html_url",
					    ".workflow_run.html_url",
					    FORGE_CONTEXT_TEXT, name, err)) ||
	    (rc = forge_context_json_object(&head_repo_obj, run,
					    "head_repository",
					    ".workflow_run.head_repository",
					    0, name, err)))
		return rc;
	if (head_repo_obj &&
	    (rc = forge_context_json_string(&ev->head_repo, head_repo_obj,
			"full_name",
			".workflow_run.head_repository.full_name",
			FORGE_CONTEXT_TEXT, name, err)))
		return rc;
	if (repository &&
	    (rc = forge_context_json_string(&full, repository, "full_name",
					    ".repository.full_name",
					    FORGE_CONTEXT_TEXT, name, err)))
		return rc;
	if (json_is_null(json_object_get(run, "head_repository")))
		ev->fork = 1;	/* a fork deleted since */
	else if (ev->head_repo && full)
		ev->fork = strcasecmp(ev->head_repo, full) != 0;
	free(full);

	prs = json_object_get(run, "pull_requests");
	if (!prs || json_is_null(prs))
		return 0;
	if (!json_is_array(prs))
		return error_set(err, TEND_EINVALID,
				 "%s: .workflow_run.pull_requests is not an "
				 "array", name);
	for (i = 0; i < json_array_size(prs); i++) {
		json_t *item = json_array_get(prs, i);

		if (!json_is_object(item))
			return error_set(err, TEND_EINVALID,
					 "%s: .workflow_run.pull_requests[%zu] "
					 "is not an object", name, i);
		if (forge_context_run_pr_here(item, repository)) {
			pr = item;
			break;
		}
	}
	if (!pr) {
		if (json_array_size(prs))
			log_debug("context: %s: the workflow run's pull "
				  "requests are all another repository's",
				  name);
		return 0;
	}
	if ((rc = forge_context_json_number(&ev->number, pr, "number",
			".workflow_run.pull_requests[].number", name, err)) ||
	    (rc = forge_context_json_object(&base, pr, "base",
			".workflow_run.pull_requests[].base", 0, name, err)))
		return rc;
	if (base &&
	    ((rc = forge_context_json_string(&ev->base_sha, base, "sha",
			".workflow_run.pull_requests[].base.sha",
			FORGE_CONTEXT_SHA, name, err)) ||
	     (rc = forge_context_json_string(&ev->base_ref, base, "ref",
			".workflow_run.pull_requests[].base.ref",
			FORGE_CONTEXT_TEXT, name, err))))
		return rc;
	/* Listed PRs are this repository's own branches. */
	if (ev->fork < 0)
		ev->fork = 0;
	return 0;
}

static int forge_context_is_pr_event(const char *event)
{
	return !strcmp(event, "pull_request") ||
	       !strcmp(event, "pull_request_target") ||
	       !strcmp(event, "pull_request_review") ||
	       !strcmp(event, "pull_request_review_comment");
}

int forge_context_parse_github_event(struct forge_context *ctx,
				     const char *event, const char *json,
				     size_t len, const char *name,
				     struct buf *err)
{
	struct forge_context_event ev = {
		0, NULL, NULL, NULL, NULL, NULL, -1, NULL, NULL, NULL
	};
	json_error_t jerr;
	json_t *root;
	int rc = 0;

	root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return error_set(err, TEND_EINVALID,
				 "%s: not valid JSON: %s at line %d, column %d",
				 name, jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root)) {
		rc = error_set(err, TEND_EINVALID,
			       "%s: the payload is not a JSON object", name);
		goto out;
	}
	if (!event)
		event = "";
	if (forge_context_is_pr_event(event))
		rc = forge_context_event_pr(&ev, root, name, err);
	else if (!strcmp(event, "issue_comment"))
		rc = forge_context_event_issue_comment(&ev, root, name, err);
	else if (!strcmp(event, "workflow_dispatch"))
		rc = forge_context_event_dispatch(&ev, root, name, err);
	else if (!strcmp(event, "workflow_run"))
		rc = forge_context_event_workflow_run(&ev, root, name, err);
	if (rc)
		goto out;

	forge_context_forget_pr(ctx);
	ctx->number = ev.number;
	ctx->head_sha = ev.head_sha;
	ctx->base_sha = ev.base_sha;
	ctx->head_ref = ev.head_ref;
	ctx->base_ref = ev.base_ref;
	ctx->head_repo = ev.head_repo;
	ctx->fork = ev.fork;
	ctx->trigger_event = ev.trigger_event;
	ctx->trigger_conclusion = ev.trigger_conclusion;
	ctx->trigger_url = ev.trigger_url;
	memset(&ev, 0, sizeof(ev));
out:
	forge_context_event_release(&ev);
	json_decref(root);
	return rc;
}

/* Read the payload at `path` into `out`, at most the cap. */
static int forge_context_read_payload(struct buf *out, const char *path,
				      const char *name, struct buf *err)
{
	char chunk[65536];
	struct stat st;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, TEND_EINVALID, "%s: cannot open: %s",
				 name, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = error_set(err, TEND_EINVALID, "%s: not a regular file",
			       name);
		goto out;
	}
	out->max = FORGE_CONTEXT_MAX_PAYLOAD;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = error_set(err, TEND_EINVALID,
				       "%s: cannot read: %s", name,
				       strerror(errno));
			goto out;
		}
		if (!n)
			break;
		if (buf_add(out, chunk, (size_t)n) < 0) {
			rc = error_set(err, TEND_EINVALID,
				       "%s: larger than %u MiB", name,
				       FORGE_CONTEXT_MAX_PAYLOAD >> 20);
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/*
 * Remote URLs: https://[user@]host[:port]/path(.git), ssh://[user@]host
 * [:port]/path(.git), [user@]host:path(.git). A local path or file:// URL
 * is no forge (0); a host-based URL is split into its parts (1).
 */
struct forge_context_remote {
	char *scheme;	/* the web server's: "https"; "http" for http:// */
	char *host;	/* lower case */
	char *port;	/* http(s) remotes only, else NULL */
	char *path;	/* "owner/name", without ".git" */
};

static void forge_context_remote_release(struct forge_context_remote *r)
{
	free(r->scheme);
	free(r->host);
	free(r->port);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

/* Drop leading and trailing '/', then ".git", then trailing '/' again. */
static char *forge_context_remote_path(const char *p, size_t n)
{
	while (n && *p == '/')
		p++, n--;
	while (n && p[n - 1] == '/')
		n--;
	if (n >= 4 && !strncmp(p + n - 4, ".git", 4))
		n -= 4;
	while (n && p[n - 1] == '/')
		n--;
	return xstrndup(p, n);
}

/*
 * Split a userinfo@host[:port] authority; a password in the userinfo is
 * registered as a secret. `with_port`: keep the port (http(s)).
 */
static int forge_context_remote_authority(struct forge_context_remote *r,
					  const char *a, size_t n,
					  int with_port)
{
	const char *at = NULL, *colon;
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] == '@')
			at = a + i;
	if (at) {
		const char *pw = memchr(a, ':', (size_t)(at - a));

		if (pw) {
			char *secret = xstrndup(pw + 1, (size_t)(at - pw - 1));

			redact_add(secret);
			free(secret);
		}
		n -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	if (n && a[0] == '[') {
		const char *close = memchr(a, ']', n);

		if (!close)
			return -1;
		colon = close + 1 < a + n && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(a, ':', n);
	}
	r->host = xstrndup(a, colon ? (size_t)(colon - a) : n);
	if (colon && with_port && colon + 1 < a + n)
		r->port = xstrndup(colon + 1, (size_t)(a + n - colon - 1));
	for (i = 0; r->host[i]; i++)
		if (r->host[i] >= 'A' && r->host[i] <= 'Z')
			r->host[i] += 'a' - 'A';
	if (!*r->host || !forge_context_is_clean(r->host, strlen(r->host)) ||
	    strchr(r->host, '/'))
		return -1;
	if (r->port && strspn(r->port, "0123456789") != strlen(r->port))
		return -1;
	return 0;
}

/* 1 parsed, 0 not a forge URL, -1 a host-based URL tend cannot read. */
static int forge_context_parse_remote(struct forge_context_remote *r,
				      const char *url)
{
	const char *sep = strstr(url, "://"), *rest, *slash, *colon;
	int with_port = 0;

	memset(r, 0, sizeof(*r));
	if (sep) {
		size_t n = (size_t)(sep - url);

		if ((n == 5 && !strncasecmp(url, "https", 5)) ||
		    (n == 4 && !strncasecmp(url, "http", 4))) {
			r->scheme = xstrndup(url, n);
			with_port = 1;
		} else if ((n == 3 && !strncasecmp(url, "ssh", 3)) ||
			   (n == 3 && !strncasecmp(url, "git", 3)) ||
			   (n == 7 && !strncasecmp(url, "git+ssh", 7)) ||
			   (n == 7 && !strncasecmp(url, "ssh+git", 7))) {
			r->scheme = xstrdup("https");
		} else {
			return 0;	/* file://, or another transport */
		}
		for (n = 0; r->scheme[n]; n++)
			if (r->scheme[n] >= 'A' && r->scheme[n] <= 'Z')
				r->scheme[n] += 'a' - 'A';
		rest = sep + 3;
		slash = strchr(rest, '/');
		if (!slash)
			return -1;
		if (forge_context_remote_authority(r, rest,
						   (size_t)(slash - rest),
						   with_port) < 0)
			return -1;
		r->path = forge_context_remote_path(slash, strlen(slash));
		return 1;
	}
	/* scp-like: [user@]host:path, the ':' before any '/'. */
	colon = strchr(url, ':');
	slash = strchr(url, '/');
	if (!colon || (slash && slash < colon) || colon - url < 2)
		return 0;
	r->scheme = xstrdup("https");
	if (forge_context_remote_authority(r, url, (size_t)(colon - url),
					   0) < 0)
		return -1;
	r->path = forge_context_remote_path(colon + 1, strlen(colon + 1));
	return 1;
}

static int forge_context_is_github_com(const char *host)
{
	return !strcmp(host, "github.com") || !strcmp(host, "www.github.com") ||
	       !strcmp(host, "ssh.github.com");
}

/* "https://host[:port]" of a parsed remote; the caller frees it. */
static char *forge_context_remote_server(const struct forge_context_remote *r)
{
	return r->port ? xasprintf("%s://%s:%s", r->scheme, r->host, r->port) :
			 xasprintf("%s://%s", r->scheme, r->host);
}

/* Outside CI, or when the options name the other forge than the CI's. */
static int forge_context_detect_local(struct forge_context *ctx,
				      const struct forge_context_opts *opts,
				      struct buf *err)
{
	static const char *const github_tokens[] = {
		"GITHUB_TOKEN", "GH_TOKEN", NULL
	};
	static const char *const gitlab_tokens[] = { "GITLAB_TOKEN", NULL };
	struct forge_context_remote r;
	enum forge_kind kind = opts->kind;
	char *server = NULL;
	int parsed = 0, rc = 0;
	const char *v;

	memset(&r, 0, sizeof(r));
	if (opts->remote_url)
		parsed = forge_context_parse_remote(&r, opts->remote_url);
	if (parsed < 0 && kind == FORGE_NONE && !opts->number && !opts->repo) {
		/* Nothing was asked of the forge: there is just none. */
		log_debug("context: cannot read origin's URL");
		parsed = 0;
	}
	if (parsed < 0) {
		rc = error_set(err, TEND_EINVALID,
			       "cannot read the host and repository from "
			       "origin's URL");
		goto out;
	}
	if (parsed && kind == FORGE_NONE) {
		if (forge_context_is_github_com(r.host))
			kind = FORGE_GITHUB;
		else if (strstr(r.host, "gitlab"))
			kind = FORGE_GITLAB;
		else if (forge_context_env("GITHUB_API_URL"))
			kind = FORGE_GITHUB;
		else if (forge_context_env("CI_API_V4_URL") ||
			 forge_context_env("CI_SERVER_URL"))
			kind = FORGE_GITLAB;
		else if (opts->number || opts->repo) {
			rc = error_set(err, TEND_EINVALID,
				       "cannot tell whether '%s' (origin) is "
				       "GitHub or GitLab; use --pr for GitHub "
				       "or --mr for GitLab", r.host);
			goto out;
		} else {
			log_debug("context: origin's host '%s' is neither "
				  "GitHub nor GitLab", r.host);
		}
	}
	if (parsed && kind == FORGE_GITLAB &&
	    forge_context_is_github_com(r.host)) {
		rc = error_set(err, TEND_EINVALID,
			       "origin is on github.com, which is not GitLab");
		goto out;
	}
	ctx->kind = kind;
	ctx->event = xstrdup("local");
	if (kind == FORGE_NONE)
		goto out;

	if (parsed) {
		if (!forge_context_valid_repo(r.path, kind == FORGE_GITLAB) &&
		    !opts->repo) {
			rc = error_set(err, TEND_EINVALID,
				       "origin's path '%.200s' on '%s' is not "
				       "%s", r.path, r.host,
				       kind == FORGE_GITLAB ? "GROUP/PROJECT" :
				       "OWNER/NAME");
			goto out;
		}
		if (forge_context_valid_repo(r.path, kind == FORGE_GITLAB))
			ctx->repo = xstrdup(r.path);
		server = forge_context_remote_server(&r);
	}

	if (kind == FORGE_GITHUB) {
		if (!parsed || forge_context_is_github_com(r.host)) {
			ctx->server_url = xstrdup(FORGE_CONTEXT_GITHUB_SERVER);
			ctx->api_url = xstrdup(FORGE_CONTEXT_GITHUB_API);
		} else {
			ctx->server_url = xstrdup(server);
			ctx->api_url = xasprintf("%s/api/v3", server);
		}
		if ((v = forge_context_env("GITHUB_SERVER_URL"))) {
			free(ctx->server_url);
			ctx->server_url = forge_context_url(v);
		}
		if ((v = forge_context_env("GITHUB_API_URL"))) {
			free(ctx->api_url);
			ctx->api_url = forge_context_url(v);
		}
		forge_context_token(ctx, github_tokens);
	} else {
		if ((v = forge_context_env("CI_SERVER_URL")))
			ctx->server_url = forge_context_url(v);
		else
			ctx->server_url = xstrdup(server ? server :
					FORGE_CONTEXT_GITLAB_SERVER);
		if ((v = forge_context_env("CI_API_V4_URL")))
			ctx->api_url = forge_context_url(v);
		else
			ctx->api_url = xasprintf("%s/api/v4", ctx->server_url);
		if ((v = forge_context_env("CI_SERVER_TLS_CA_FILE")))
			ctx->ca_file = xstrdup(v);
		forge_context_token(ctx, gitlab_tokens);
	}
out:
	free(server);
	forge_context_remote_release(&r);
	return rc;
}

static int forge_context_detect_github(struct forge_context *ctx,
				       struct buf *err)
{
	static const char *const tokens[] = {
		"GITHUB_TOKEN", "GH_TOKEN", NULL
	};
	struct buf payload = BUF_INIT;
	const char *v, *path;
	char *name = NULL;
	int rc;

	ctx->kind = FORGE_GITHUB;
	ctx->ci = 1;
	v = forge_context_env("GITHUB_API_URL");
	ctx->api_url = forge_context_url(v ? v : FORGE_CONTEXT_GITHUB_API);
	v = forge_context_env("GITHUB_SERVER_URL");
	ctx->server_url = forge_context_url(v ? v :
					    FORGE_CONTEXT_GITHUB_SERVER);
	if ((rc = forge_context_env_repo(&ctx->repo, "GITHUB_REPOSITORY", 0,
					 err)) ||
	    (rc = forge_context_env_name(&ctx->event, "GITHUB_EVENT_NAME",
					 err)))
		goto out;

	path = forge_context_env("GITHUB_EVENT_PATH");
	if (path) {
		name = xasprintf("$GITHUB_EVENT_PATH (%s)", path);
		log_trace("context: event '%s' from %s",
			  ctx->event ? ctx->event : "", name);
		if ((rc = forge_context_read_payload(&payload, path, name,
						     err)) ||
		    (rc = forge_context_parse_github_event(ctx, ctx->event,
							   payload.ptr,
							   payload.len, name,
							   err)))
			goto out;
	} else if (ctx->event && forge_context_is_pr_event(ctx->event)) {
		log_warn("GITHUB_EVENT_PATH is not set; the pull request of "
			 "this '%s' event is unknown", ctx->event);
	}
	/* workflow_run names its head without a PR: GITHUB_SHA is not it. */
	if (!ctx->number && !ctx->head_sha &&
	    (rc = forge_context_env_sha(&ctx->head_sha, "GITHUB_SHA", err)))
		goto out;

	forge_context_token(ctx, tokens);
	/*
	 * A pull_request run from a fork gets a read-only token; its
	 * pull_request_target runs get a writable one.
	 */
	if (ctx->fork == 1 && ctx->event &&
	    forge_context_is_pr_event(ctx->event) &&
	    strcmp(ctx->event, "pull_request_target"))
		ctx->can_write = 0;
	if ((v = forge_context_env("GITHUB_STEP_SUMMARY")))
		ctx->step_summary = xstrdup(v);
	if ((v = forge_context_env("GITHUB_OUTPUT")))
		ctx->output_file = xstrdup(v);
	if ((v = forge_context_env("GITHUB_WORKSPACE")))
		ctx->workspace = xstrdup(v);
	v = forge_context_env("GITHUB_RUN_ID");
	if (v && ctx->repo && strspn(v, "0123456789") == strlen(v))
		ctx->run_url = xasprintf("%s/%s/actions/runs/%s",
					 ctx->server_url, ctx->repo, v);
out:
	free(name);
	buf_release(&payload);
	return rc;
}

static int forge_context_detect_gitlab(struct forge_context *ctx,
				       struct buf *err)
{
	static const char *const tokens[] = { "GITLAB_TOKEN", NULL };
	static const char *const job_token[] = { "CI_JOB_TOKEN", NULL };
	const char *v, *src, *dst;
	int rc;

	ctx->kind = FORGE_GITLAB;
	ctx->ci = 1;
	if ((v = forge_context_env("CI_SERVER_URL")))
		ctx->server_url = forge_context_url(v);
	if ((v = forge_context_env("CI_API_V4_URL")))
		ctx->api_url = forge_context_url(v);
	else if (ctx->server_url)
		ctx->api_url = xasprintf("%s/api/v4", ctx->server_url);
	/* The web server, for links and pushes, from the API when unset. */
	if (!ctx->server_url && ctx->api_url &&
	    strlen(ctx->api_url) > 7 &&
	    !strcmp(ctx->api_url + strlen(ctx->api_url) - 7, "/api/v4"))
		ctx->server_url = xstrndup(ctx->api_url,
					   strlen(ctx->api_url) - 7);
	if ((v = forge_context_env("CI_PROJECT_ID"))) {
		if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 20)
			return error_set(err, TEND_EINVALID,
					 "CI_PROJECT_ID is not a number: "
					 "'%.80s'", v);
		ctx->project_id = xstrdup(v);
	}
	if ((v = forge_context_env("CI_MERGE_REQUEST_IID")) &&
	    forge_context_parse_number(&ctx->number, v, strlen(v)) < 0)
		return error_set(err, TEND_EINVALID,
				 "CI_MERGE_REQUEST_IID is not a positive "
				 "integer: '%.80s'", v);
	if ((rc = forge_context_env_repo(&ctx->repo, "CI_PROJECT_PATH", 1,
					 err)) ||
	    (rc = forge_context_env_name(&ctx->event, "CI_PIPELINE_SOURCE",
					 err)) ||
	    (rc = forge_context_env_sha(&ctx->head_sha, "CI_COMMIT_SHA",
					err)) ||
	    /* Merged-results pipelines run on a merge commit: the MR's
	       head is the source branch's SHA. */
	    (rc = forge_context_env_sha(&ctx->head_sha,
					"CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
					err)) ||
	    (rc = forge_context_env_sha(&ctx->base_sha,
					"CI_MERGE_REQUEST_DIFF_BASE_SHA",
					err)) ||
	    (rc = forge_context_env_name(&ctx->head_ref,
					 "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
					 err)) ||
	    (rc = forge_context_env_name(&ctx->base_ref,
					 "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
					 err)) ||
	    (rc = forge_context_env_repo(&ctx->head_repo,
					 "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH",
					 1, err)))
		return rc;
	src = forge_context_env("CI_MERGE_REQUEST_SOURCE_PROJECT_ID");
	dst = forge_context_env("CI_MERGE_REQUEST_PROJECT_ID");
	if (src && dst)
		ctx->fork = strcmp(src, dst) != 0;
	else if (ctx->number && ctx->head_repo && ctx->repo)
		ctx->fork = strcasecmp(ctx->head_repo, ctx->repo) != 0;
	if ((v = forge_context_env("CI_SERVER_TLS_CA_FILE")))
		ctx->ca_file = xstrdup(v);
	if ((v = forge_context_env("CI_PROJECT_DIR")))
		ctx->workspace = xstrdup(v);
	if ((v = forge_context_env("CI_JOB_URL")))
		ctx->run_url = xstrdup(v);

	forge_context_token(ctx, tokens);
	if (!ctx->token) {
		/* The job token reads, but cannot post notes. */
		forge_context_token(ctx, job_token);
		if (ctx->token) {
			ctx->token_job = 1;
			ctx->can_write = 0;
		}
	}
	return 0;
}

int forge_context_detect(struct forge_context *ctx,
			 const struct forge_context_opts *opts,
			 struct buf *err)
{
	struct forge_context tmp;
	enum forge_kind ci = FORGE_NONE;
	int rc;

	forge_context_init(&tmp);
	if (opts->number < 0) {
		rc = error_set(err, TEND_EINVALID,
			       "pull/merge request number %ld is not positive",
			       opts->number);
		goto out;
	}
	if (forge_context_env_is_true("GITHUB_ACTIONS"))
		ci = FORGE_GITHUB;
	else if (forge_context_env_is_true("GITLAB_CI"))
		ci = FORGE_GITLAB;

	if (ci == FORGE_GITHUB && (opts->kind == FORGE_NONE ||
				   opts->kind == FORGE_GITHUB))
		rc = forge_context_detect_github(&tmp, err);
	else if (ci == FORGE_GITLAB && (opts->kind == FORGE_NONE ||
					opts->kind == FORGE_GITLAB))
		rc = forge_context_detect_gitlab(&tmp, err);
	else {
		rc = forge_context_detect_local(&tmp, opts, err);
		tmp.ci = ci != FORGE_NONE;
	}
	if (rc)
		goto out;

	if (opts->repo) {
		if (!forge_context_valid_repo(opts->repo,
					      tmp.kind == FORGE_GITLAB)) {
			rc = error_set(err, TEND_EINVALID,
				       "repository '%.200s' is not %s",
				       opts->repo,
				       tmp.kind == FORGE_GITLAB ?
				       "GROUP/PROJECT" : "OWNER/NAME");
			goto out;
		}
		/* The environment's PR and project belong to another one. */
		if (tmp.repo && strcasecmp(tmp.repo, opts->repo)) {
			forge_context_forget_pr(&tmp);
			free(tmp.project_id);
			tmp.project_id = NULL;
		}
		free(tmp.repo);
		tmp.repo = xstrdup(opts->repo);
	}
	if (opts->number > 0 && opts->number != tmp.number) {
		/* SHAs from the environment are another PR's, or no PR's. */
		forge_context_forget_pr(&tmp);
		tmp.number = opts->number;
	}
	if (!tmp.token)
		tmp.can_write = 0;
	log_debug("context: %s%s, repository '%s', %s %ld, token %s",
		  forge_kind_name(tmp.kind), tmp.ci ? " (CI)" : "",
		  tmp.repo ? tmp.repo : "-",
		  tmp.kind == FORGE_GITLAB ? "merge request" : "pull request",
		  tmp.number, tmp.token_source ? tmp.token_source : "none");

	forge_context_release(ctx);
	*ctx = tmp;
	return 0;
out:
	forge_context_release(&tmp);
	return rc;
}

/*
 * describe(): one line or one JSON member per key. Text replaces control
 * characters, which checked inputs do not have, as a last defence.
 */
static void forge_context_put(struct buf *out, json_t *obj, const char *key,
			      const char *value)
{
	size_t i;

	if (obj) {
		json_object_set_new(obj, key, jsonutil_string(value));
		return;
	}
	buf_printf(out, "%s: ", key);
	if (!value)
		value = "-";
	for (i = 0; value[i]; i++) {
		unsigned char c = (unsigned char)value[i];

		buf_putc(out, c < 0x20 || c == 0x7f ? '?' : c);
	}
	buf_putc(out, '\n');
}

/* 1 true, 0 false, -1 unknown. */
static void forge_context_put_bool(struct buf *out, json_t *obj,
				   const char *key, int value)
{
	if (obj)
		json_object_set_new(obj, key, value < 0 ? json_null() :
				    json_boolean(value));
	else
		forge_context_put(out, NULL, key, value < 0 ? NULL :
				  value ? "true" : "false");
}

void forge_context_describe(struct buf *out, const struct forge_context *ctx,
			    int json)
{
	json_t *obj = json ? json_object() : NULL;
	char number[32];

	forge_context_put(out, obj, "forge", forge_kind_name(ctx->kind));
	forge_context_put_bool(out, obj, "ci", ctx->ci != 0);
	forge_context_put(out, obj, "api_url", ctx->api_url);
	forge_context_put(out, obj, "server_url", ctx->server_url);
	forge_context_put(out, obj, "repository", ctx->repo);
	forge_context_put(out, obj, "project_id", ctx->project_id);
	if (obj)
		json_object_set_new(obj, "number", ctx->number > 0 ?
				    json_integer(ctx->number) : json_null());
	else {
		snprintf(number, sizeof(number), "%ld", ctx->number);
		forge_context_put(out, NULL, "number",
				  ctx->number > 0 ? number : NULL);
	}
	forge_context_put(out, obj, "event", ctx->event);
	forge_context_put(out, obj, "head_sha", ctx->head_sha);
	forge_context_put(out, obj, "base_sha", ctx->base_sha);
	forge_context_put(out, obj, "head_ref", ctx->head_ref);
	forge_context_put(out, obj, "base_ref", ctx->base_ref);
	forge_context_put(out, obj, "head_repo", ctx->head_repo);
	forge_context_put_bool(out, obj, "fork", ctx->fork);
	/* The source of the token, never its value. */
	if (obj)
		json_object_set_new(obj, "token",
				    jsonutil_string(ctx->token_source));
	else
		forge_context_put(out, NULL, "token", ctx->token_source ?
				  ctx->token_source : "none");
	forge_context_put_bool(out, obj, "can_write", ctx->can_write);
	forge_context_put(out, obj, "trigger_event", ctx->trigger_event);
	forge_context_put(out, obj, "trigger_conclusion",
			  ctx->trigger_conclusion);
	forge_context_put(out, obj, "trigger_url", ctx->trigger_url);
	if (obj) {
		jsonutil_dump(out, obj, 2);
		json_decref(obj);
	}
}

/*
 * Read from the configuration, not through git_remote_lookup(): the
 * libgit2 1.5 that distributions ship leaks PCRE2 match data on every
 * lookup (libgit2 #6382). url.<base>.insteadOf is therefore not applied.
 */
char *forge_context_remote_url(const char *repo_path)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	const char *v;
	char *url = NULL, *only = NULL;
	int nr = 0;

	if (forge_git_open(&repo, repo_path, NULL) < 0)
		return NULL;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		goto out;
	if (git_config_get_string(&v, cfg, "remote.origin.url") == 0) {
		url = xstrdup(v);
		goto out;
	}
	/* No origin: the only remote, when there is exactly one. */
	if (git_config_iterator_new(&it, cfg) < 0)
		goto out;
	while (git_config_next(&entry, it) == 0) {
		size_t n = strlen(entry->name);

		if (strncasecmp(entry->name, "remote.", 7) || n < 12 ||
		    strcasecmp(entry->name + n - 4, ".url") || !entry->value)
			continue;
		nr++;
		free(only);
		only = xstrdup(entry->value);
	}
	if (nr == 1) {
		url = only;
		only = NULL;
	}
out:
	free(only);
	git_config_iterator_free(it);
	git_config_free(cfg);
	git_repository_free(repo);
	return url;
}
