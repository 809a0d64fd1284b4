/*
 * context.h - where tend runs and what it is asked to look at: the CI
 * platform, the forge's API, the repository, the pull/merge request, its
 * SHAs, and the token, detected from the platform's own environment
 * variables and (GitHub) the event payload at $GITHUB_EVENT_PATH.
 *
 * GitHub Actions ($GITHUB_ACTIONS=true): GITHUB_API_URL (default
 * https://api.github.com; GitHub Enterprise gives https://HOST/api/v3),
 * GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_EVENT_NAME,
 * GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_TOKEN, GITHUB_STEP_SUMMARY,
 * GITHUB_OUTPUT, GITHUB_WORKSPACE. The PR comes from the payload:
 *   pull_request, pull_request_target, pull_request_review(_comment):
 *       .pull_request.number, .head.sha, .base.sha, .head.ref,
 *       .base.ref, and whether .head.repo is another repository (a fork);
 *   issue_comment: .issue.number when .issue.pull_request exists (a
 *       comment on a plain issue is not a PR: number stays 0);
 *   workflow_dispatch: .inputs.pr (or .inputs.pull_request, .inputs.number);
 *   workflow_run (a workflow started by another one's run, such as the
 *       tests' failure): the head is .workflow_run.head_sha,
 *       .head_branch and .head_repository.full_name (a fork when that is
 *       not .repository); the PR is the first of
 *       .workflow_run.pull_requests whose base is this repository
 *       (GitHub also lists PRs of other repositories with the same head
 *       branch), with its .number, .base.sha and .base.ref. A fork PR is
 *       never listed: number stays 0 and the head's branch and
 *       repository say where to look (forge_find_pr()). The run that
 *       triggered this one is described by trigger_event,
 *       trigger_conclusion and trigger_url. GITHUB_SHA is the default
 *       branch's commit there, never the head.
 *
 * GitLab CI ($GITLAB_CI=true): CI_API_V4_URL, CI_SERVER_URL,
 * CI_PROJECT_ID, CI_PROJECT_PATH, CI_MERGE_REQUEST_IID,
 * CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_COMMIT_SHA, CI_PIPELINE_SOURCE,
 * CI_MERGE_REQUEST_SOURCE_PROJECT_ID and CI_MERGE_REQUEST_PROJECT_ID (a
 * fork when they differ), CI_SERVER_TLS_CA_FILE; the token is
 * GITLAB_TOKEN (api scope; can write) else CI_JOB_TOKEN (cannot post notes).
 * Without CI_SERVER_URL, server_url is CI_API_V4_URL less its "/api/v4".
 * A `when: on_failure` job of a merge request pipeline has the MR's own
 * context, as every job of that pipeline.
 *
 * Outside CI (a developer's machine: `tend review --pr N`), the forge and
 * repository come from the options, else from the remote URL the caller
 * passes (origin's), and the token from GITHUB_TOKEN / GH_TOKEN or
 * GITLAB_TOKEN.
 *
 * Secrecy: the token is kept in `token` for the forge adapter and
 * registered with the log's redaction; forge_context_describe() and every
 * message print only its source, never its value.
 */
#ifndef FORGE_CONTEXT_H
#define FORGE_CONTEXT_H

#include "common/buf.h"

enum forge_kind {
	FORGE_NONE = 0,
	FORGE_GITHUB,
	FORGE_GITLAB
};

struct forge_context {
	enum forge_kind kind;
	int ci;			/* running inside GitHub Actions / GitLab CI */
	char *api_url;		/* no trailing '/': https://api.github.com,
				   https://ghe.example/api/v3,
				   https://gitlab.example/api/v4 */
	char *server_url;	/* https://github.com, https://gitlab.example */
	char *repo;		/* "owner/name", GitLab "group/sub/project" */
	char *project_id;	/* GitLab: numeric id when known, else NULL */
	long number;		/* PR/MR number; 0 when there is none */
	char *event;		/* GITHUB_EVENT_NAME, CI_PIPELINE_SOURCE, or
				   "local" */
	char *head_sha;		/* when known from the environment */
	char *base_sha;
	char *head_ref, *base_ref;
	char *head_repo;	/* the head's repository ("owner/name") */
	int fork;		/* head in another repository: 1, 0, -1 unknown */
	char *token;		/* secret: never print it */
	const char *token_source; /* "GITHUB_TOKEN", "GH_TOKEN",
				     "GITLAB_TOKEN", "CI_JOB_TOKEN", NULL */
	int token_job;		/* GitLab CI_JOB_TOKEN: JOB-TOKEN header */
	int can_write;		/* 1 yes, 0 no (fork PR's token, job token),
				   -1 unknown until a write is tried */
	char *ca_file;		/* CI_SERVER_TLS_CA_FILE, or NULL */
	char *step_summary;	/* GITHUB_STEP_SUMMARY, or NULL */
	char *output_file;	/* GITHUB_OUTPUT, or NULL */
	char *workspace;	/* GITHUB_WORKSPACE / CI_PROJECT_DIR, or NULL */
	char *run_url;		/* link to this CI run/job, or NULL */
	/*
	 * GitHub workflow_run: the run whose completion started this one;
	 * NULL for other events.
	 */
	char *trigger_event;	/* its event: "pull_request", "push", ... */
	char *trigger_conclusion; /* "failure", "success", ...; NULL while
				     it has not completed */
	char *trigger_url;	/* its web page */
};

struct forge_context_opts {
	enum forge_kind kind;	/* forced by --pr (GitHub) / --mr (GitLab);
				   FORGE_NONE: detect */
	long number;		/* --pr/--mr N; 0: from the environment */
	const char *repo;	/* --repo owner/name; NULL: detect */
	const char *remote_url;	/* origin's URL, used outside CI; may be
				   NULL */
};

void forge_context_init(struct forge_context *ctx);
void forge_context_release(struct forge_context *ctx);

/*
 * Fill `ctx` from the environment, the event payload and `opts`. Returns 0
 * (also when no PR is found: `number` is 0 and the caller decides), or
 * TEND_EINVALID with a message saying what is wrong and where: an event
 * payload that cannot be read or is not the JSON the event promises, a
 * --repo that is not "owner/name", a remote URL whose forge cannot be
 * told.
 */
int forge_context_detect(struct forge_context *ctx,
			 const struct forge_context_opts *opts,
			 struct buf *err);

/*
 * Parse a GitHub event payload (the JSON text at $GITHUB_EVENT_PATH) for
 * `event` into ctx's number, SHAs, refs, head_repo, fork and (for
 * workflow_run) the trigger_* fields. `name` names
 * the input in messages. 0 or TEND_EINVALID; a payload of an event that
 * carries no PR leaves number 0 and is not an error.
 */
int forge_context_parse_github_event(struct forge_context *ctx,
				     const char *event, const char *json,
				     size_t len, const char *name,
				     struct buf *err);

/* "github", "gitlab", "none". */
const char *forge_kind_name(enum forge_kind kind);

/*
 * What `tend context` prints: one "key: value" per line (forge, ci,
 * api_url, server_url, repository, project_id, number, event, head_sha,
 * base_sha, head_ref, base_ref, head_repo, fork, token (its source or
 * "none"), can_write, trigger_event, trigger_conclusion, trigger_url),
 * or with `json` one JSON object with the same keys. Never the token.
 */
void forge_context_describe(struct buf *out, const struct forge_context *ctx,
			    int json);

/*
 * The URL of the remote "origin" (or of the only remote, when there is no
 * origin) of the repository containing `repo_path`, for
 * forge_context_opts.remote_url; NULL when there is no repository or no
 * such remote. The caller frees it. It may carry credentials
 * (https://user:token@host/...): never print it.
 */
char *forge_context_remote_url(const char *repo_path);

#endif
