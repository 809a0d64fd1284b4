/*
 * test_context.c - CI context detection: GitHub event payloads of every
 * kind, forks, workflow_dispatch inputs, bad payloads and their messages,
 * GitLab CI variables, remote URLs on a developer's machine, --repo and
 * --pr overrides, and describe() (which must never show the token).
 *
 * Every test runs through test_context_run(), which clears the CI
 * variables first (the tests may themselves run inside GitHub Actions or
 * GitLab CI) and puts them back afterwards, and forgets registered secrets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/redact.h"
#include "forge/context.h"
#include "tests/unit/test.h"

static const char *const test_context_vars[] = {
	"GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_API_URL", "GITHUB_SERVER_URL",
	"GITHUB_REPOSITORY", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH",
	"GITHUB_SHA", "GITHUB_TOKEN", "GH_TOKEN", "GITHUB_STEP_SUMMARY",
	"GITHUB_OUTPUT", "GITHUB_WORKSPACE", "GITHUB_RUN_ID", "CI_API_V4_URL",
	"CI_SERVER_URL", "CI_PROJECT_ID", "CI_PROJECT_PATH",
	"CI_MERGE_REQUEST_IID", "CI_PIPELINE_SOURCE", "CI_COMMIT_SHA",
	"CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
	"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
	"CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
	"CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "CI_MERGE_REQUEST_PROJECT_ID",
	"CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", "CI_SERVER_TLS_CA_FILE",
	"GITLAB_TOKEN", "CI_JOB_TOKEN", "CI_PROJECT_DIR", "CI_JOB_URL", NULL
};

#define TEST_CONTEXT_NVARS 40
static char *test_context_saved[TEST_CONTEXT_NVARS];

static void test_context_run(void (*fn)(void))
{
	size_t i;

	for (i = 0; test_context_vars[i]; i++) {
		const char *v = getenv(test_context_vars[i]);

		test_context_saved[i] = v ? strdup(v) : NULL;
		unsetenv(test_context_vars[i]);
	}
	fn();
	for (i = 0; test_context_vars[i]; i++) {
		if (test_context_saved[i])
			setenv(test_context_vars[i], test_context_saved[i], 1);
		else
			unsetenv(test_context_vars[i]);
		free(test_context_saved[i]);
		test_context_saved[i] = NULL;
	}
	redact_clear();
}

#define SHA_H "1111111111111111111111111111111111111111"
#define SHA_B "2222222222222222222222222222222222222222"
#define SHA_C "3333333333333333333333333333333333333333"

/* A pull_request-shaped payload; head repository `head` ("null" allowed). */
static char *test_context_pr_json(const char *head)
{
	static char json[2048];

	snprintf(json, sizeof(json),
		 "{\"action\":\"opened\",\"number\":7,\"pull_request\":{"
		 "\"number\":7,\"head\":{\"sha\":\"" SHA_H "\","
		 "\"ref\":\"feature\",\"repo\":%s},"
		 "\"base\":{\"sha\":\"" SHA_B "\",\"ref\":\"main\","
		 "\"repo\":{\"full_name\":\"octo/app\"}}},"
		 "\"repository\":{\"full_name\":\"octo/app\"}}", head);
	return json;
}

static int test_context_parse(struct forge_context *ctx, const char *event,
			      const char *json, struct buf *err)
{
	static const char name[] = "$GITHUB_EVENT_PATH (/tmp/ev.json)";

	return forge_context_parse_github_event(ctx, event, json, strlen(json),
						name, err);
}

static void test_context_pr_events_fn(void)
{
	static const char *const events[] = {
		"pull_request", "pull_request_target", "pull_request_review",
		"pull_request_review_comment", NULL
	};
	size_t i;

	for (i = 0; events[i]; i++) {
		struct forge_context ctx;
		struct buf err = BUF_INIT;

		forge_context_init(&ctx);
		CHECK_INT(test_context_parse(&ctx, events[i],
			test_context_pr_json("{\"full_name\":\"octo/app\"}"),
			&err), 0);
		CHECK_INT(ctx.number, 7);
		CHECK_STR(ctx.head_sha, SHA_H);
		CHECK_STR(ctx.base_sha, SHA_B);
		CHECK_STR(ctx.head_ref, "feature");
		CHECK_STR(ctx.base_ref, "main");
		CHECK_STR(ctx.head_repo, "octo/app");
		CHECK_INT(ctx.fork, 0);
		forge_context_release(&ctx);
		buf_release(&err);
	}
}

void test_context__pr_events(void)
{
	test_context_run(test_context_pr_events_fn);
}

static void test_context_forks_fn(void)
{
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	CHECK_INT(test_context_parse(&ctx, "pull_request",
		test_context_pr_json("{\"full_name\":\"forker/app\"}"), &err),
		0);
	CHECK_INT(ctx.fork, 1);
	CHECK_STR(ctx.head_repo, "forker/app");
	/* Same repository, other case: GitHub names are case-insensitive. */
	CHECK_INT(test_context_parse(&ctx, "pull_request",
		test_context_pr_json("{\"full_name\":\"Octo/App\"}"), &err),
		0);
	CHECK_INT(ctx.fork, 0);
	/* A fork deleted since the PR was opened. */
	CHECK_INT(test_context_parse(&ctx, "pull_request",
		test_context_pr_json("null"), &err), 0);
	CHECK_INT(ctx.fork, 1);
	CHECK(ctx.head_repo == NULL);
	/* No head repository at all: unknown. */
	CHECK_INT(test_context_parse(&ctx, "pull_request",
		"{\"pull_request\":{\"number\":3,\"head\":{},\"base\":{}}}",
		&err), 0);
	CHECK_INT(ctx.number, 3);
	CHECK_INT(ctx.fork, -1);
	CHECK(ctx.head_sha == NULL);
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__forks(void)
{
	test_context_run(test_context_forks_fn);
}

static void test_context_issue_comment_fn(void)
{
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	CHECK_INT(test_context_parse(&ctx, "issue_comment",
		"{\"issue\":{\"number\":12,\"pull_request\":{\"url\":\"x\"}},"
		"\"comment\":{\"body\":\"/tend review\"}}", &err), 0);
	CHECK_INT(ctx.number, 12);
	CHECK(ctx.head_sha == NULL && ctx.base_sha == NULL);
	CHECK_INT(ctx.fork, -1);
	/* A comment on a plain issue is no PR. */
	CHECK_INT(test_context_parse(&ctx, "issue_comment",
		"{\"issue\":{\"number\":13},\"comment\":{}}", &err), 0);
	CHECK_INT(ctx.number, 0);
	CHECK_INT(test_context_parse(&ctx, "issue_comment",
		"{\"issue\":{\"number\":13,\"pull_request\":null}}", &err), 0);
	CHECK_INT(ctx.number, 0);
	CHECK_INT(test_context_parse(&ctx, "issue_comment",
		"{\"issue\":{\"number\":\"12\",\"pull_request\":{}}}", &err),
		TEND_EINVALID);
	CHECK_STR(err.ptr, "$GITHUB_EVENT_PATH (/tmp/ev.json): "
		  ".issue.number is not an integer");
	CHECK_INT(test_context_parse(&ctx, "issue_comment", "{}", &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, "$GITHUB_EVENT_PATH (/tmp/ev.json): .issue is "
		  "missing");
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__issue_comment(void)
{
	test_context_run(test_context_issue_comment_fn);
}

static void test_context_dispatch_fn(void)
{
	static const struct {
		const char *json;
		int rc;
		long number;
		const char *msg;
	} cases[] = {
		{ "{\"inputs\":{\"pr\":\"12\"}}", 0, 12, NULL },
		{ "{\"inputs\":{\"pull_request\":7}}", 0, 7, NULL },
		{ "{\"inputs\":{\"number\":\" 9 \"}}", 0, 9, NULL },
		{ "{\"inputs\":{\"pr\":\"\",\"number\":\"3\"}}", 0, 3, NULL },
		{ "{\"inputs\":{\"pr\":null,\"pull_request\":\"4\"}}", 0, 4,
		  NULL },
		{ "{\"inputs\":{}}", 0, 0, NULL },
		{ "{\"ref\":\"refs/heads/main\"}", 0, 0, NULL },
		{ "{\"inputs\":{\"pr\":\"abc\"}}", TEND_EINVALID, 0,
		  ".inputs.pr is not a positive integer" },
		{ "{\"inputs\":{\"pr\":\"0\"}}", TEND_EINVALID, 0,
		  ".inputs.pr is not a positive integer" },
		{ "{\"inputs\":{\"pull_request\":-4}}", TEND_EINVALID, 0,
		  ".inputs.pull_request is not a positive integer" },
		{ "{\"inputs\":{\"number\":true}}", TEND_EINVALID, 0,
		  ".inputs.number is not a positive integer" },
		{ "{\"inputs\":{\"pr\":\"99999999999999999999\"}}",
		  TEND_EINVALID, 0, ".inputs.pr is not a positive integer" },
		{ "{\"inputs\":\"pr=3\"}", TEND_EINVALID, 0,
		  ".inputs is not an object" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct forge_context ctx;
		struct buf err = BUF_INIT, want = BUF_INIT;
		int rc;

		forge_context_init(&ctx);
		rc = test_context_parse(&ctx, "workflow_dispatch",
					cases[i].json, &err);
		CHECK_INT(rc, cases[i].rc);
		CHECK_INT(ctx.number, cases[i].number);
		if (cases[i].msg) {
			buf_printf(&want, "$GITHUB_EVENT_PATH (/tmp/ev.json): "
				   "%s", cases[i].msg);
			CHECK_STR(err.ptr, want.ptr);
		}
		forge_context_release(&ctx);
		buf_release(&err);
		buf_release(&want);
	}
}

void test_context__workflow_dispatch(void)
{
	test_context_run(test_context_dispatch_fn);
}

static void test_context_bad_payloads_fn(void)
{
	static const struct {
		const char *event, *json, *msg;
	} cases[] = {
		{ "pull_request", "{\"pull_request\":", "not valid JSON: " },
		{ "push", "not json", "not valid JSON: " },
		{ "pull_request", "[1,2]", "the payload is not a JSON object" },
		{ "pull_request", "{}", ".pull_request is missing" },
		{ "pull_request", "{\"pull_request\":[]}",
		  ".pull_request is not an object" },
		{ "pull_request", "{\"pull_request\":{\"number\":\"3\"}}",
		  ".pull_request.number is not an integer" },
		{ "pull_request", "{\"pull_request\":{\"number\":1.5}}",
		  ".pull_request.number is not an integer" },
		{ "pull_request", "{\"pull_request\":{\"number\":0}}",
		  ".pull_request.number is not a positive integer" },
		{ "pull_request", "{\"pull_request\":{\"number\":3}}",
		  ".pull_request.head is missing" },
		{ "pull_request", "{\"pull_request\":{\"number\":3,"
		  "\"head\":{\"sha\":\"HEAD\"},\"base\":{}}}",
		  ".pull_request.head.sha is not a commit SHA" },
		{ "pull_request", "{\"pull_request\":{\"number\":3,"
		  "\"head\":{},\"base\":{\"sha\":5}}}",
		  ".pull_request.base.sha is not a string" },
		{ "pull_request_target", "{\"pull_request\":{\"number\":3,"
		  "\"head\":{\"ref\":\"a\\nb\"},\"base\":{}}}",
		  ".pull_request.head.ref holds control characters or is too "
		  "long" },
		{ "pull_request", "{\"pull_request\":{\"number\":3,"
		  "\"head\":{\"repo\":\"x\"},\"base\":{}}}",
		  ".pull_request.head.repo is not an object" },
		{ "pull_request_review", "{\"pull_request\":{\"number\":3,"
		  "\"head\":{\"repo\":{\"full_name\":[]}},\"base\":{}}}",
		  ".pull_request.head.repo.full_name is not a string" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct forge_context ctx;
		struct buf err = BUF_INIT, want = BUF_INIT;

		forge_context_init(&ctx);
		ctx.number = 99;	/* a failed parse leaves it alone */
		CHECK_INT(test_context_parse(&ctx, cases[i].event,
					     cases[i].json, &err),
			  TEND_EINVALID);
		buf_printf(&want, "$GITHUB_EVENT_PATH (/tmp/ev.json): %s",
			   cases[i].msg);
		if (strncmp(err.ptr, want.ptr, want.len))
			CHECK_STR(err.ptr, want.ptr);
		CHECK_INT(ctx.number, 99);
		CHECK(ctx.head_sha == NULL);
		forge_context_release(&ctx);
		buf_release(&err);
		buf_release(&want);
	}
}

void test_context__bad_payloads(void)
{
	test_context_run(test_context_bad_payloads_fn);
}

static void test_context_other_events_fn(void)
{
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	CHECK_INT(test_context_parse(&ctx, "push",
		"{\"ref\":\"refs/heads/main\",\"after\":\"" SHA_C "\"}", &err),
		0);
	CHECK_INT(ctx.number, 0);
	CHECK_INT(test_context_parse(&ctx, "schedule",
		"{\"schedule\":\"0 0 * * *\"}", &err), 0);
	CHECK_INT(ctx.number, 0);
	CHECK_INT(test_context_parse(&ctx, NULL, "{}", &err), 0);
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__other_events(void)
{
	test_context_run(test_context_other_events_fn);
}

/* Write `json` as the event payload and point GITHUB_EVENT_PATH at it. */
static void test_context_event_file(const char *event, const char *json)
{
	static char path[600];

	snprintf(path, sizeof(path), "%s/event.json", test_tmpdir());
	test_write(path, json, strlen(json));
	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_EVENT_NAME", event, 1);
	setenv("GITHUB_EVENT_PATH", path, 1);
}

static void test_context_github_fn(void)
{
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	test_context_event_file("pull_request",
		test_context_pr_json("{\"full_name\":\"octo/app\"}"));
	setenv("GITHUB_REPOSITORY", "octo/app", 1);
	setenv("GITHUB_API_URL", "https://ghe.example/api/v3/", 1);
	setenv("GITHUB_SERVER_URL", "https://ghe.example", 1);
	setenv("GITHUB_SHA", SHA_C, 1);	/* the merge commit: not used */
	setenv("GH_TOKEN", "ghp_test_context_gh_token", 1);
	setenv("GITHUB_STEP_SUMMARY", "/tmp/summary.md", 1);
	setenv("GITHUB_OUTPUT", "/tmp/output", 1);
	setenv("GITHUB_WORKSPACE", "/work", 1);
	setenv("GITHUB_RUN_ID", "1234", 1);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.kind, FORGE_GITHUB);
	CHECK_INT(ctx.ci, 1);
	CHECK_STR(ctx.api_url, "https://ghe.example/api/v3");
	CHECK_STR(ctx.server_url, "https://ghe.example");
	CHECK_STR(ctx.repo, "octo/app");
	CHECK_STR(ctx.event, "pull_request");
	CHECK_INT(ctx.number, 7);
	CHECK_STR(ctx.head_sha, SHA_H);
	CHECK_STR(ctx.token, "ghp_test_context_gh_token");
	CHECK_STR(ctx.token_source, "GH_TOKEN");
	CHECK(redact_contains("x ghp_test_context_gh_token", 27));
	CHECK_INT(ctx.can_write, -1);
	CHECK_STR(ctx.step_summary, "/tmp/summary.md");
	CHECK_STR(ctx.output_file, "/tmp/output");
	CHECK_STR(ctx.workspace, "/work");
	CHECK_STR(ctx.run_url,
		  "https://ghe.example/octo/app/actions/runs/1234");

	/* GITHUB_TOKEN wins over GH_TOKEN; the defaults. */
	setenv("GITHUB_TOKEN", "ghs_test_context_token", 1);
	unsetenv("GITHUB_API_URL");
	unsetenv("GITHUB_SERVER_URL");
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.token_source, "GITHUB_TOKEN");
	CHECK_STR(ctx.api_url, "https://api.github.com");
	CHECK_STR(ctx.server_url, "https://github.com");

	/* A push is about GITHUB_SHA. */
	test_context_event_file("push", "{\"ref\":\"refs/heads/main\"}");
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 0);
	CHECK_STR(ctx.head_sha, SHA_C);

	/* No token: nothing can be written. */
	unsetenv("GITHUB_TOKEN");
	unsetenv("GH_TOKEN");
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK(ctx.token == NULL && ctx.token_source == NULL);
	CHECK_INT(ctx.can_write, 0);
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__github_actions(void)
{
	test_context_run(test_context_github_fn);
}

static void test_context_github_fork_fn(void)
{
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT;
	const char *fork;

	forge_context_init(&ctx);
	fork = test_context_pr_json("{\"full_name\":\"forker/app\"}");
	setenv("GITHUB_REPOSITORY", "octo/app", 1);
	setenv("GITHUB_TOKEN", "ghs_test_context_fork", 1);
	test_context_event_file("pull_request", fork);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.fork, 1);
	CHECK_INT(ctx.can_write, 0);
	test_context_event_file("pull_request_review_comment", fork);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.can_write, 0);
	/* pull_request_target runs with the base's token: it can write. */
	test_context_event_file("pull_request_target", fork);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.fork, 1);
	CHECK_INT(ctx.can_write, -1);
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__github_fork_token(void)
{
	test_context_run(test_context_github_fork_fn);
}

static void test_context_github_bad_fn(void)
{
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT, want = BUF_INIT;
	char path[700];
	FILE *f;

	forge_context_init(&ctx);
	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_EVENT_NAME", "pull_request", 1);
	setenv("GITHUB_EVENT_PATH", "/nonexistent/event.json", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "$GITHUB_EVENT_PATH (/nonexistent/event.json): "
		  "cannot open: No such file or directory");
	CHECK_INT(ctx.kind, FORGE_NONE);

	test_context_event_file("pull_request", "{\"pull_request\":{"
				"\"number\":\"3\"}}");
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	buf_printf(&want, "$GITHUB_EVENT_PATH (%s): .pull_request.number is "
		   "not an integer", getenv("GITHUB_EVENT_PATH"));
	CHECK_STR(err.ptr, want.ptr);

	/* Larger than the cap: refused before parsing. */
	snprintf(path, sizeof(path), "%s/big.json", test_tmpdir());
	f = fopen(path, "wb");
	REQUIRE(f);
	REQUIRE(fseek(f, (25L << 20) + 1, SEEK_SET) == 0);
	fputc(' ', f);
	fclose(f);
	setenv("GITHUB_EVENT_PATH", path, 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "larger than 25 MiB") != NULL);

	test_context_event_file("push", "{}");
	setenv("GITHUB_REPOSITORY", "not-a-repo", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "GITHUB_REPOSITORY is not OWNER/NAME: "
		  "'not-a-repo'");
	setenv("GITHUB_REPOSITORY", "octo/app", 1);
	setenv("GITHUB_SHA", "main", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "GITHUB_SHA is not a commit SHA: 'main'");
	forge_context_release(&ctx);
	buf_release(&err);
	buf_release(&want);
}

void test_context__github_bad_input(void)
{
	test_context_run(test_context_github_bad_fn);
}

static void test_context_overrides_fn(void)
{
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	setenv("GITHUB_REPOSITORY", "octo/app", 1);
	test_context_event_file("workflow_dispatch", "{\"inputs\":{}}");
	setenv("GITHUB_SHA", SHA_C, 1);
	opts.number = 12;
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 12);
	CHECK(ctx.head_sha == NULL);	/* GITHUB_SHA is not PR 12's head */

	/* --pr naming the payload's own PR keeps its SHAs. */
	test_context_event_file("pull_request",
		test_context_pr_json("{\"full_name\":\"octo/app\"}"));
	opts.number = 7;
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.head_sha, SHA_H);
	opts.number = 8;
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 8);
	CHECK(ctx.head_sha == NULL && ctx.head_ref == NULL);
	CHECK_INT(ctx.fork, -1);

	/* Another repository: the payload's PR is not its PR. */
	opts.number = 0;
	opts.repo = "other/repo";
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.repo, "other/repo");
	CHECK_INT(ctx.number, 0);
	opts.repo = "Octo/App";
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 7);

	opts.repo = "octo";
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "repository 'octo' is not OWNER/NAME");
	opts.repo = "a/b/c";
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	opts.repo = "a/..";
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	opts.repo = NULL;
	opts.number = -3;
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	/* The last good context is still there. */
	CHECK_STR(ctx.repo, "Octo/App");
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__overrides(void)
{
	test_context_run(test_context_overrides_fn);
}

/*
 * A workflow_run payload in the shape GitHub documents for the webhook
 * (action "completed"; workflow_run with its head, event, conclusion and
 * pull_requests, whose entries name their repositories by id and API URL
 * only; the repository; the workflow; the sender), trimmed of the many
 * *_url members tend does not read. The run is the "Tests" workflow of
 * octo/app (repository id 1296269) on a pull_request event, and it
 * failed. `head_repo` is the head repository's JSON; `prs` the members
 * of pull_requests.
 */
static char *test_context_run_json(const char *head_repo, const char *prs)
{
	static char json[8192];

	snprintf(json, sizeof(json),
		"{\"action\":\"completed\","
		"\"workflow_run\":{"
		  "\"id\":30433642,\"name\":\"Tests\","
		  "\"node_id\":\"WFR_kwLOBGfV1c4BtVMq\","
		  "\"head_branch\":\"fix-parser\","
		  "\"head_sha\":\"" SHA_H "\","
		  "\"path\":\".github/workflows/test.yml\","
		  "\"display_title\":\"Parse empty lines\","
		  "\"run_number\":562,\"event\":\"pull_request\","
		  "\"status\":\"completed\",\"conclusion\":\"failure\","
		  "\"workflow_id\":159038,\"check_suite_id\":414944374,"
		  "\"check_suite_node_id\":\"CS_kwDOBGfV1c8AAAAYuupd9g\","
		  "\"url\":\"https://api.github.com/repos/octo/app/actions/"
		    "runs/30433642\","
		  "\"html_url\":\"https://github.com/octo/app/actions/runs/"
		    "30433642\","
		  "\"pull_requests\":[%s],"
		  "\"created_at\":\"2024-05-02T10:00:00Z\","
		  "\"updated_at\":\"2024-05-02T10:04:31Z\","
		  "\"run_attempt\":1,\"referenced_workflows\":[],"
		  "\"run_started_at\":\"2024-05-02T10:00:00Z\","
		  "\"jobs_url\":\"https://api.github.com/repos/octo/app/"
		    "actions/runs/30433642/jobs\","
		  "\"previous_attempt_url\":null,"
		  "\"workflow_url\":\"https://api.github.com/repos/octo/app/"
		    "actions/workflows/159038\","
		  "\"head_commit\":{\"id\":\"" SHA_H "\","
		    "\"tree_id\":\"" SHA_C "\","
		    "\"message\":\"Parse empty lines\","
		    "\"timestamp\":\"2024-05-02T09:59:40Z\","
		    "\"author\":{\"name\":\"Mona\","
		    "\"email\":\"m@example.com\"},"
		    "\"committer\":{\"name\":\"Mona\","
		    "\"email\":\"m@example.com\"}},"
		  "\"repository\":{\"id\":1296269,\"name\":\"app\","
		    "\"full_name\":\"octo/app\",\"private\":false,"
		    "\"owner\":{\"login\":\"octo\",\"id\":1,"
		    "\"type\":\"Organization\"},\"fork\":false,"
		    "\"url\":\"https://api.github.com/repos/octo/app\"},"
		  "\"head_repository\":%s},"
		"\"workflow\":{\"id\":159038,\"name\":\"Tests\","
		  "\"path\":\".github/workflows/test.yml\","
		  "\"state\":\"active\"},"
		"\"repository\":{\"id\":1296269,\"name\":\"app\","
		  "\"full_name\":\"octo/app\",\"private\":false,"
		  "\"owner\":{\"login\":\"octo\",\"id\":1,"
		  "\"type\":\"Organization\"},\"fork\":false,"
		  "\"html_url\":\"https://github.com/octo/app\","
		  "\"url\":\"https://api.github.com/repos/octo/app\","
		  "\"default_branch\":\"main\"},"
		"\"sender\":{\"login\":\"mona\",\"id\":2,\"type\":\"User\"}}",
		prs, head_repo);
	return json;
}

/* The same repository's head, and a fork's. */
#define RUN_HEAD_SAME \
	"{\"id\":1296269,\"name\":\"app\",\"full_name\":\"octo/app\"," \
	"\"owner\":{\"login\":\"octo\",\"id\":1},\"fork\":false," \
	"\"url\":\"https://api.github.com/repos/octo/app\"}"
#define RUN_HEAD_FORK \
	"{\"id\":7700,\"name\":\"app\",\"full_name\":\"forker/app\"," \
	"\"owner\":{\"login\":\"forker\",\"id\":77},\"fork\":true," \
	"\"url\":\"https://api.github.com/repos/forker/app\"}"
/* A pull_requests entry of octo/app (id 1296269) or of another one. */
#define RUN_PR(n, id, full) \
	"{\"url\":\"https://api.github.com/repos/" full "/pulls/" #n "\"," \
	"\"id\":9" #n ",\"number\":" #n "," \
	"\"head\":{\"ref\":\"fix-parser\",\"sha\":\"" SHA_H "\"," \
	"\"repo\":{\"id\":" #id ",\"url\":\"https://api.github.com/repos/" \
	full "\",\"name\":\"app\"}}," \
	"\"base\":{\"ref\":\"main\",\"sha\":\"" SHA_B "\"," \
	"\"repo\":{\"id\":" #id ",\"url\":\"https://api.github.com/repos/" \
	full "\",\"name\":\"app\"}}}"

static void test_context_workflow_run_fn(void)
{
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	/* A PR of this repository: GitHub lists it. */
	CHECK_INT(test_context_parse(&ctx, "workflow_run",
		test_context_run_json(RUN_HEAD_SAME,
				      RUN_PR(42, 1296269, "octo/app")),
		&err), 0);
	CHECK_INT(ctx.number, 42);
	CHECK_STR(ctx.head_sha, SHA_H);
	CHECK_STR(ctx.base_sha, SHA_B);
	CHECK_STR(ctx.head_ref, "fix-parser");
	CHECK_STR(ctx.base_ref, "main");
	CHECK_STR(ctx.head_repo, "octo/app");
	CHECK_INT(ctx.fork, 0);
	CHECK_STR(ctx.trigger_event, "pull_request");
	CHECK_STR(ctx.trigger_conclusion, "failure");
	CHECK_STR(ctx.trigger_url,
		  "https://github.com/octo/app/actions/runs/30433642");

	/* Another repository's PR first (same head branch name, its base
	   elsewhere): skipped for ours. */
	CHECK_INT(test_context_parse(&ctx, "workflow_run",
		test_context_run_json(RUN_HEAD_SAME,
				      RUN_PR(3, 555, "other/app") ","
				      RUN_PR(42, 1296269, "octo/app")),
		&err), 0);
	CHECK_INT(ctx.number, 42);
	/* Only another repository's: no PR, but the head is known. */
	CHECK_INT(test_context_parse(&ctx, "workflow_run",
		test_context_run_json(RUN_HEAD_SAME,
				      RUN_PR(3, 555, "other/app")),
		&err), 0);
	CHECK_INT(ctx.number, 0);
	CHECK(ctx.base_sha == NULL);
	CHECK_STR(ctx.head_ref, "fix-parser");
	CHECK_STR(ctx.head_sha, SHA_H);

	/* A fork's PR is never listed: the head says where to look. */
	CHECK_INT(test_context_parse(&ctx, "workflow_run",
		test_context_run_json(RUN_HEAD_FORK, ""), &err), 0);
	CHECK_INT(ctx.number, 0);
	CHECK_STR(ctx.head_sha, SHA_H);
	CHECK_STR(ctx.head_ref, "fix-parser");
	CHECK_STR(ctx.head_repo, "forker/app");
	CHECK_INT(ctx.fork, 1);
	CHECK(ctx.base_sha == NULL && ctx.base_ref == NULL);
	CHECK_STR(ctx.trigger_conclusion, "failure");

	/* A fork deleted since: head_repository is null. */
	CHECK_INT(test_context_parse(&ctx, "workflow_run",
		test_context_run_json("null", ""), &err), 0);
	CHECK_INT(ctx.fork, 1);
	CHECK(ctx.head_repo == NULL);

	/* Entries without ids: matched by the base's API URL. */
	CHECK_INT(test_context_parse(&ctx, "workflow_run",
		"{\"workflow_run\":{\"head_sha\":\"" SHA_H "\","
		"\"head_branch\":\"b\",\"conclusion\":null,"
		"\"pull_requests\":[{\"number\":5,\"base\":{\"ref\":\"main\","
		"\"repo\":{\"url\":\"https://api.github.com/repos/x/app\"}}},"
		"{\"number\":6,\"base\":{\"ref\":\"dev\",\"repo\":{\"url\":"
		"\"https://ghe.example/api/v3/repos/Octo/App\"}}}]},"
		"\"repository\":{\"full_name\":\"octo/app\"}}", &err), 0);
	CHECK_INT(ctx.number, 6);
	CHECK_STR(ctx.base_ref, "dev");
	CHECK(ctx.trigger_conclusion == NULL);	/* not completed */
	CHECK_INT(ctx.fork, 0);

	/* Another event forgets the trigger. */
	CHECK_INT(test_context_parse(&ctx, "push", "{}", &err), 0);
	CHECK(ctx.trigger_event == NULL && ctx.trigger_url == NULL);
	CHECK(ctx.head_ref == NULL);
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__workflow_run(void)
{
	test_context_run(test_context_workflow_run_fn);
}

static void test_context_workflow_run_bad_fn(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{}", ".workflow_run is missing" },
		{ "{\"workflow_run\":[]}", ".workflow_run is not an object" },
		{ "{\"workflow_run\":{\"head_sha\":\"main\"}}",
		  ".workflow_run.head_sha is not a commit SHA" },
		{ "{\"workflow_run\":{\"head_branch\":\"a\\u0007b\"}}",
		  ".workflow_run.head_branch holds control characters" },
		{ "{\"workflow_run\":{\"head_branch\":\"a\\u001b[2Jb\"}}",
		  ".workflow_run.head_branch holds control characters" },
		{ "{\"workflow_run\":{\"head_repository\":{\"full_name\":1}}}",
		  ".workflow_run.head_repository.full_name is not a string" },
		{ "{\"workflow_run\":{\"pull_requests\":{}}}",
		  ".workflow_run.pull_requests is not an array" },
		{ "{\"workflow_run\":{\"pull_requests\":[7]}}",
		  ".workflow_run.pull_requests[0] is not an object" },
		{ "{\"workflow_run\":{\"pull_requests\":[{\"number\":-1}]}}",
		  ".workflow_run.pull_requests[].number is not a positive "
		  "integer" },
		{ "{\"workflow_run\":{\"pull_requests\":[{\"number\":4,"
		  "\"base\":{\"sha\":\"x\"}}]}}",
		  ".workflow_run.pull_requests[].base.sha is not a commit "
		  "SHA" },
		{ "{\"workflow_run\":{\"conclusion\":false}}",
		  ".workflow_run.conclusion is not a string" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct forge_context ctx;
		struct buf err = BUF_INIT, want = BUF_INIT;

		forge_context_init(&ctx);
		ctx.number = 99;	/* a failed parse leaves it alone */
		CHECK_INT(test_context_parse(&ctx, "workflow_run",
					     cases[i].json, &err),
			  TEND_EINVALID);
		buf_printf(&want, "$GITHUB_EVENT_PATH (/tmp/ev.json): %s",
			   cases[i].msg);
		if (strncmp(err.ptr, want.ptr, want.len))
			CHECK_STR(err.ptr, want.ptr);
		CHECK_INT(ctx.number, 99);
		CHECK(ctx.head_sha == NULL && ctx.trigger_event == NULL);
		forge_context_release(&ctx);
		buf_release(&err);
		buf_release(&want);
	}
}

void test_context__workflow_run_bad_payloads(void)
{
	test_context_run(test_context_workflow_run_bad_fn);
}

/* In Actions: the head is the payload's, not GITHUB_SHA; describe(). */
static void test_context_workflow_run_env_fn(void)
{
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT, text = BUF_INIT, json = BUF_INIT;

	forge_context_init(&ctx);
	setenv("GITHUB_REPOSITORY", "octo/app", 1);
	setenv("GITHUB_SHA", SHA_C, 1);	/* the default branch's commit */
	setenv("GITHUB_TOKEN", "ghs_test_context_workflow_run", 1);
	setenv("GITHUB_SERVER_URL", "https://github.com", 1);
	test_context_event_file("workflow_run",
		test_context_run_json(RUN_HEAD_FORK, ""));
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.event, "workflow_run");
	CHECK_INT(ctx.number, 0);
	CHECK_STR(ctx.head_sha, SHA_H);
	CHECK_STR(ctx.head_repo, "forker/app");
	CHECK_STR(ctx.head_ref, "fix-parser");
	CHECK_INT(ctx.fork, 1);
	/* The base repository's token: writes comments, not the fork. */
	CHECK_INT(ctx.can_write, -1);
	CHECK_STR(ctx.server_url, "https://github.com");
	forge_context_describe(&text, &ctx, 0);
	forge_context_describe(&json, &ctx, 1);
	CHECK(strstr(text.ptr, "number: -\nevent: workflow_run\nhead_sha: "
		     SHA_H "\n") != NULL);
	CHECK(strstr(text.ptr, "head_ref: fix-parser\n") != NULL);
	CHECK(strstr(text.ptr, "head_repo: forker/app\nfork: true\n") != NULL);
	CHECK(strstr(text.ptr, "trigger_event: pull_request\n"
		     "trigger_conclusion: failure\n"
		     "trigger_url: https://github.com/octo/app/actions/runs/"
		     "30433642\n") != NULL);
	CHECK(strstr(json.ptr, "\"head_repo\": \"forker/app\"") != NULL);
	CHECK(strstr(json.ptr, "\"head_ref\": \"fix-parser\"") != NULL);
	CHECK(strstr(json.ptr, "\"trigger_conclusion\": \"failure\"") != NULL);
	CHECK(strstr(json.ptr, "ghs_test") == NULL);

	/* A listed PR: its number, and --pr of another PR forgets it all. */
	test_context_event_file("workflow_run",
		test_context_run_json(RUN_HEAD_SAME,
				      RUN_PR(42, 1296269, "octo/app")));
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 42);
	CHECK_INT(ctx.fork, 0);
	opts.number = 8;
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 8);
	CHECK(ctx.head_sha == NULL && ctx.trigger_url == NULL);
	forge_context_release(&ctx);
	buf_release(&text);
	buf_release(&json);
	buf_release(&err);
}

void test_context__workflow_run_actions(void)
{
	test_context_run(test_context_workflow_run_env_fn);
}

static void test_context_gitlab_env(void)
{
	setenv("GITLAB_CI", "true", 1);
	setenv("CI_SERVER_URL", "https://gitlab.example.com/", 1);
	setenv("CI_PROJECT_ID", "42", 1);
	setenv("CI_PROJECT_PATH", "group/sub/proj", 1);
	setenv("CI_MERGE_REQUEST_IID", "5", 1);
	setenv("CI_PIPELINE_SOURCE", "merge_request_event", 1);
	setenv("CI_COMMIT_SHA", SHA_C, 1);
	setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "", 1);
	setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", SHA_B, 1);
	setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature", 1);
	setenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main", 1);
	setenv("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "42", 1);
	setenv("CI_MERGE_REQUEST_PROJECT_ID", "42", 1);
	setenv("CI_SERVER_TLS_CA_FILE", "/builds/ca.pem", 1);
	setenv("CI_PROJECT_DIR", "/builds/group/sub/proj", 1);
	setenv("CI_JOB_URL",
	       "https://gitlab.example.com/group/sub/proj/-/jobs/9", 1);
	setenv("CI_JOB_TOKEN", "glcbt-test-context-job", 1);
}

static void test_context_gitlab_fn(void)
{
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	test_context_gitlab_env();
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.kind, FORGE_GITLAB);
	CHECK_INT(ctx.ci, 1);
	CHECK_STR(ctx.server_url, "https://gitlab.example.com");
	CHECK_STR(ctx.api_url, "https://gitlab.example.com/api/v4");
	CHECK_STR(ctx.project_id, "42");
	CHECK_STR(ctx.repo, "group/sub/proj");
	CHECK_INT(ctx.number, 5);
	CHECK_STR(ctx.event, "merge_request_event");
	CHECK_STR(ctx.head_sha, SHA_C);
	CHECK_STR(ctx.base_sha, SHA_B);
	CHECK_STR(ctx.head_ref, "feature");
	CHECK_STR(ctx.base_ref, "main");
	CHECK_INT(ctx.fork, 0);
	CHECK_STR(ctx.ca_file, "/builds/ca.pem");
	CHECK_STR(ctx.workspace, "/builds/group/sub/proj");
	CHECK_STR(ctx.run_url,
		  "https://gitlab.example.com/group/sub/proj/-/jobs/9");
	/* The job token: it reads, it cannot post notes. */
	CHECK_STR(ctx.token_source, "CI_JOB_TOKEN");
	CHECK_INT(ctx.token_job, 1);
	CHECK_INT(ctx.can_write, 0);
	CHECK(redact_contains("glcbt-test-context-job", 22));

	/* GITLAB_TOKEN wins; CI_API_V4_URL wins; merged results; a fork. */
	setenv("GITLAB_TOKEN", "glpat-test-context-token", 1);
	setenv("CI_API_V4_URL", "https://gitlab.example.com/api/v4/", 1);
	setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", SHA_H, 1);
	setenv("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "77", 1);
	setenv("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", "forker/proj", 1);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.token_source, "GITLAB_TOKEN");
	CHECK_INT(ctx.token_job, 0);
	CHECK_INT(ctx.can_write, -1);
	CHECK_STR(ctx.api_url, "https://gitlab.example.com/api/v4");
	CHECK_STR(ctx.head_sha, SHA_H);
	CHECK_INT(ctx.fork, 1);
	CHECK_STR(ctx.head_repo, "forker/proj");

	/* A branch pipeline: no MR. */
	unsetenv("CI_MERGE_REQUEST_IID");
	unsetenv("CI_MERGE_REQUEST_SOURCE_PROJECT_ID");
	unsetenv("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH");
	unsetenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA");
	setenv("CI_PIPELINE_SOURCE", "push", 1);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 0);
	CHECK_STR(ctx.head_sha, SHA_C);
	CHECK_INT(ctx.fork, -1);

	/* --mr and --repo on top of CI: another project's MR. */
	opts.kind = FORGE_GITLAB;
	opts.number = 9;
	opts.repo = "other/group/proj";
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.number, 9);
	CHECK_STR(ctx.repo, "other/group/proj");
	CHECK(ctx.project_id == NULL);
	CHECK(ctx.head_sha == NULL);

	opts.kind = FORGE_NONE;
	opts.number = 0;
	opts.repo = NULL;
	setenv("CI_MERGE_REQUEST_IID", "5x", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "CI_MERGE_REQUEST_IID is not a positive integer: "
		  "'5x'");
	setenv("CI_MERGE_REQUEST_IID", "0", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	setenv("CI_MERGE_REQUEST_IID", "5", 1);
	setenv("CI_PROJECT_ID", "abc", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "CI_PROJECT_ID is not a number: 'abc'");
	setenv("CI_PROJECT_ID", "42", 1);
	setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", "zzz", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "CI_MERGE_REQUEST_DIFF_BASE_SHA is not a commit "
		  "SHA: 'zzz'");
	setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", SHA_B, 1);
	setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "a\tb", 1);
	CHECK_INT(forge_context_detect(&ctx, &opts, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") != NULL);

	/* No token at all. */
	setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature", 1);
	unsetenv("GITLAB_TOKEN");
	unsetenv("CI_JOB_TOKEN");
	unsetenv("CI_API_V4_URL");
	unsetenv("CI_SERVER_URL");
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.can_write, 0);
	CHECK(ctx.api_url == NULL);
	CHECK(ctx.server_url == NULL);
	/* Only the API URL: the web server is the API's less "/api/v4". */
	setenv("CI_API_V4_URL", "https://gl.example/gitlab/api/v4", 1);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.server_url, "https://gl.example/gitlab");
	setenv("CI_API_V4_URL", "https://gl.example/weird", 1);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK(ctx.server_url == NULL);
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__gitlab_ci(void)
{
	test_context_run(test_context_gitlab_fn);
}

static void test_context_remotes_fn(void)
{
	static const struct {
		enum forge_kind force;
		const char *url, *repo_opt;
		int rc;
		enum forge_kind kind;
		const char *repo, *api, *server;
	} cases[] = {
		{ FORGE_NONE, "https://github.com/o/r.git", NULL, 0,
		  FORGE_GITHUB, "o/r", "https://api.github.com",
		  "https://github.com" },
		{ FORGE_NONE, "https://github.com/o/r", NULL, 0, FORGE_GITHUB,
		  "o/r", "https://api.github.com", "https://github.com" },
		{ FORGE_NONE, "https://GitHub.com/o/r/", NULL, 0,
		  FORGE_GITHUB, "o/r", "https://api.github.com",
		  "https://github.com" },
		{ FORGE_NONE, "git@github.com:o/r.git", NULL, 0, FORGE_GITHUB,
		  "o/r", "https://api.github.com", "https://github.com" },
		{ FORGE_NONE, "github.com:o/r", NULL, 0, FORGE_GITHUB, "o/r",
		  "https://api.github.com", "https://github.com" },
		{ FORGE_NONE, "ssh://git@github.com/o/r.git", NULL, 0,
		  FORGE_GITHUB, "o/r", "https://api.github.com",
		  "https://github.com" },
		{ FORGE_NONE, "https://user@github.com/o/r.git", NULL, 0,
		  FORGE_GITHUB, "o/r", "https://api.github.com",
		  "https://github.com" },
		{ FORGE_GITHUB, "ssh://git@ghe.example:2222/o/r.git", NULL, 0,
		  FORGE_GITHUB, "o/r", "https://ghe.example/api/v3",
		  "https://ghe.example" },
		{ FORGE_GITHUB, "https://ghe.example:8443/o/r.git", NULL, 0,
		  FORGE_GITHUB, "o/r", "https://ghe.example:8443/api/v3",
		  "https://ghe.example:8443" },
		{ FORGE_NONE, "https://gitlab.example.com/group/sub/proj.git",
		  NULL, 0, FORGE_GITLAB, "group/sub/proj",
		  "https://gitlab.example.com/api/v4",
		  "https://gitlab.example.com" },
		{ FORGE_NONE, "git@gitlab.com:group/proj.git", NULL, 0,
		  FORGE_GITLAB, "group/proj", "https://gitlab.com/api/v4",
		  "https://gitlab.com" },
		{ FORGE_GITLAB, "http://127.0.0.1:8080/g/p.git", NULL, 0,
		  FORGE_GITLAB, "g/p", "http://127.0.0.1:8080/api/v4",
		  "http://127.0.0.1:8080" },
		{ FORGE_GITLAB, "ssh://git@code.example/a/b/c/d.git", NULL, 0,
		  FORGE_GITLAB, "a/b/c/d", "https://code.example/api/v4",
		  "https://code.example" },
		{ FORGE_NONE, "https://code.example/a/b.git", NULL, 0,
		  FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_NONE, "https://code.example/a/b.git", "a/b",
		  TEND_EINVALID, FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_NONE, "/srv/git/repo.git", NULL, 0, FORGE_NONE, NULL,
		  NULL, NULL },
		{ FORGE_NONE, "file:///srv/git/repo.git", NULL, 0, FORGE_NONE,
		  NULL, NULL, NULL },
		{ FORGE_NONE, "../up", NULL, 0, FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_GITHUB, NULL, "o/r", 0, FORGE_GITHUB, "o/r",
		  "https://api.github.com", "https://github.com" },
		{ FORGE_GITLAB, NULL, "g/p", 0, FORGE_GITLAB, "g/p",
		  "https://gitlab.com/api/v4", "https://gitlab.com" },
		{ FORGE_GITHUB, "https://github.com/only", NULL, TEND_EINVALID,
		  FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_GITHUB, "https://github.com/a/b/c", NULL,
		  TEND_EINVALID, FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_GITHUB, "https://github.com/a/b/c", "x/y", 0,
		  FORGE_GITHUB, "x/y", "https://api.github.com",
		  "https://github.com" },
		{ FORGE_GITLAB, "git@github.com:o/r.git", NULL, TEND_EINVALID,
		  FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_NONE, "https://github.com", NULL, 0, FORGE_NONE, NULL,
		  NULL, NULL },
		{ FORGE_GITHUB, "https://github.com", NULL, TEND_EINVALID,
		  FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_NONE, "ssh://git@[::1/o/r", "o/r", TEND_EINVALID,
		  FORGE_NONE, NULL, NULL, NULL },
		{ FORGE_GITLAB, "ssh://git@[::1]:22/g/p", NULL, 0,
		  FORGE_GITLAB, "g/p", "https://[::1]/api/v4",
		  "https://[::1]" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct forge_context_opts opts = { 0 };
		struct forge_context ctx;
		struct buf err = BUF_INIT;
		int rc;

		forge_context_init(&ctx);
		opts.kind = cases[i].force;
		opts.remote_url = cases[i].url;
		opts.repo = cases[i].repo_opt;
		rc = forge_context_detect(&ctx, &opts, &err);
		if (rc != cases[i].rc)
			printf("  case %zu: '%s': %s\n", i,
			       cases[i].url ? cases[i].url : "(null)",
			       err.ptr);
		CHECK_INT(rc, cases[i].rc);
		if (!rc) {
			CHECK_INT(ctx.kind, cases[i].kind);
			CHECK_INT(ctx.ci, 0);
			CHECK_STR(ctx.event, "local");
			if (cases[i].repo)
				CHECK_STR(ctx.repo, cases[i].repo);
			else
				CHECK(ctx.repo == NULL);
			if (cases[i].api) {
				CHECK_STR(ctx.api_url, cases[i].api);
				CHECK_STR(ctx.server_url, cases[i].server);
			}
		}
		forge_context_release(&ctx);
		buf_release(&err);
	}
}

void test_context__remote_urls(void)
{
	test_context_run(test_context_remotes_fn);
}

static void test_context_local_env_fn(void)
{
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT;

	forge_context_init(&ctx);
	/* A password in the remote URL is a secret too. */
	opts.remote_url = "https://me:hunter2secret@github.com/o/r.git";
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK(redact_contains("hunter2secret", 13));
	CHECK(ctx.token == NULL);
	CHECK_INT(ctx.can_write, 0);

	setenv("GH_TOKEN", "gho_test_context_local", 1);
	setenv("GITHUB_API_URL", "http://127.0.0.1:9999/api/v3", 1);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.api_url, "http://127.0.0.1:9999/api/v3");
	CHECK_STR(ctx.token_source, "GH_TOKEN");
	CHECK_INT(ctx.can_write, -1);
	/* An unknown host is GitHub Enterprise when GITHUB_API_URL says so. */
	opts.remote_url = "git@code.example:o/r.git";
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.kind, FORGE_GITHUB);
	CHECK_STR(ctx.api_url, "http://127.0.0.1:9999/api/v3");
	CHECK_STR(ctx.server_url, "https://code.example");
	unsetenv("GITHUB_API_URL");

	setenv("GITLAB_TOKEN", "glpat-test-context-local", 1);
	setenv("CI_SERVER_URL", "http://127.0.0.1:8888", 1);
	opts.remote_url = "git@gitlab.example:g/p.git";
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.kind, FORGE_GITLAB);
	CHECK_STR(ctx.server_url, "http://127.0.0.1:8888");
	CHECK_STR(ctx.api_url, "http://127.0.0.1:8888/api/v4");
	CHECK_STR(ctx.token_source, "GITLAB_TOKEN");
	CHECK_INT(ctx.token_job, 0);
	setenv("CI_API_V4_URL", "http://127.0.0.1:7777/api/v4", 1);
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_STR(ctx.api_url, "http://127.0.0.1:7777/api/v4");

	/* --pr inside GitLab CI: GitHub, from the options and origin. */
	unsetenv("CI_SERVER_URL");
	unsetenv("CI_API_V4_URL");
	setenv("GITLAB_CI", "true", 1);
	opts.kind = FORGE_GITHUB;
	opts.number = 4;
	opts.remote_url = "https://github.com/o/r.git";
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	CHECK_INT(ctx.kind, FORGE_GITHUB);
	CHECK_INT(ctx.ci, 1);
	CHECK_INT(ctx.number, 4);
	CHECK_STR(ctx.repo, "o/r");
	forge_context_release(&ctx);
	buf_release(&err);
}

void test_context__local_environment(void)
{
	test_context_run(test_context_local_env_fn);
}

static void test_context_describe_fn(void)
{
	static const char *const keys[] = {
		"forge", "ci", "api_url", "server_url", "repository",
		"project_id", "number", "event", "head_sha", "base_sha",
		"head_ref", "base_ref", "head_repo", "fork", "token",
		"can_write", "trigger_event", "trigger_conclusion",
		"trigger_url", NULL
	};
	const char *token = "ghs_describe_secret_value";
	struct forge_context_opts opts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT, text = BUF_INIT, json = BUF_INIT;
	const char *p;
	size_t i;

	forge_context_init(&ctx);
	setenv("GITHUB_REPOSITORY", "octo/app", 1);
	setenv("GITHUB_TOKEN", token, 1);
	test_context_event_file("pull_request",
		test_context_pr_json("{\"full_name\":\"forker/app\"}"));
	REQUIRE(forge_context_detect(&ctx, &opts, &err) == 0);
	forge_context_describe(&text, &ctx, 0);
	forge_context_describe(&json, &ctx, 1);
	CHECK(strstr(text.ptr, token) == NULL);
	CHECK(strstr(json.ptr, token) == NULL);
	CHECK(strstr(text.ptr, "describe_secret") == NULL);
	CHECK_STR(text.ptr,
		  "forge: github\n"
		  "ci: true\n"
		  "api_url: https://api.github.com\n"
		  "server_url: https://github.com\n"
		  "repository: octo/app\n"
		  "project_id: -\n"
		  "number: 7\n"
		  "event: pull_request\n"
		  "head_sha: " SHA_H "\n"
		  "base_sha: " SHA_B "\n"
		  "head_ref: feature\n"
		  "base_ref: main\n"
		  "head_repo: forker/app\n"
		  "fork: true\n"
		  "token: GITHUB_TOKEN\n"
		  "can_write: false\n"
		  "trigger_event: -\n"
		  "trigger_conclusion: -\n"
		  "trigger_url: -\n");
	/* JSON: the same keys, in the same order; unknown is null. */
	p = json.ptr;
	for (i = 0; keys[i]; i++) {
		char key[64];
		const char *q;

		snprintf(key, sizeof(key), "\"%s\":", keys[i]);
		q = strstr(p, key);
		CHECK(q != NULL);
		if (q)
			p = q;
	}
	CHECK(strstr(json.ptr, "\"project_id\": null") != NULL);
	CHECK(strstr(json.ptr, "\"number\": 7") != NULL);
	CHECK(strstr(json.ptr, "\"fork\": true") != NULL);
	CHECK(strstr(json.ptr, "\"token\": \"GITHUB_TOKEN\"") != NULL);
	CHECK(strstr(json.ptr, "\"ci\": true") != NULL);

	/* Nothing detected: '-' and null, and the token is "none". */
	forge_context_release(&ctx);
	buf_reset(&text);
	buf_reset(&json);
	forge_context_describe(&text, &ctx, 0);
	forge_context_describe(&json, &ctx, 1);
	CHECK(strstr(text.ptr, "forge: none\n") != NULL);
	CHECK(strstr(text.ptr, "number: -\n") != NULL);
	CHECK(strstr(text.ptr, "fork: -\n") != NULL);
	CHECK(strstr(text.ptr, "token: none\n") != NULL);
	CHECK(strstr(json.ptr, "\"number\": null") != NULL);
	CHECK(strstr(json.ptr, "\"token\": null") != NULL);
	CHECK(strstr(json.ptr, "\"can_write\": null") != NULL);
	buf_release(&text);
	buf_release(&json);
	buf_release(&err);
}

void test_context__describe_never_shows_the_token(void)
{
	test_context_run(test_context_describe_fn);
}

static void test_context_remote_url_fn(void)
{
	const char *dir = test_tmpdir();
	char sub[700];
	char *url;

	REQUIRE(test_sh("cd '%s' && git init -q a && cd a && git remote add "
			"origin https://github.com/o/r.git && mkdir -p x/y && "
			"git init -q ../b && cd ../b && git remote add up "
			"git@gitlab.com:g/p.git && git init -q ../c && "
			"cd ../c && git remote add one x && "
			"git remote add two y", dir) == 0);
	snprintf(sub, sizeof(sub), "%s/a/x/y", dir);
	url = forge_context_remote_url(sub);
	CHECK_STR(url, "https://github.com/o/r.git");
	free(url);
	/* No origin: the only remote. */
	snprintf(sub, sizeof(sub), "%s/b", dir);
	url = forge_context_remote_url(sub);
	CHECK_STR(url, "git@gitlab.com:g/p.git");
	free(url);
	/* No origin and two remotes: none. */
	snprintf(sub, sizeof(sub), "%s/c", dir);
	CHECK(forge_context_remote_url(sub) == NULL);
	/* Not a repository. */
	CHECK(forge_context_remote_url("/") == NULL);
}

void test_context__remote_url(void)
{
	test_context_run(test_context_remote_url_fn);
}

void test_context__kind_names(void)
{
	CHECK_STR(forge_kind_name(FORGE_GITHUB), "github");
	CHECK_STR(forge_kind_name(FORGE_GITLAB), "gitlab");
	CHECK_STR(forge_kind_name(FORGE_NONE), "none");
}
