/*
 * cmd_tasks.c - `tend tasks`: options, the forge, the issues to take, and
 * what the job says and returns.
 *
 * Exit status: 0 every task taken is done (or there was none to take, or
 * --dry-run); 1 a task failed; 2 usage or configuration error; 3 the
 * forge, the model or the git remote failed (re-runnable); 4 no sandbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/ci.h"
#include "actions/tasks.h"
#include "cli/cli.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/context.h"
#include "forge/git.h"

static const char cmd_tasks_usage[] =
	"tend tasks [--issue N] [--shard I/N] [--dry-run] [options]";

static const char cmd_tasks_description[] =
	"Carry open issues labelled with tasks.label (default 'tend') to draft\n"
	"pull/merge requests: the architect agent plans, the code agent (or the\n"
	"orchestrator) changes a work tree of the task's own, tend runs the\n"
	"project's tests in the sandbox and the static checks, then pushes\n"
	"branch tend/issue-N with a lease and opens a draft that closes the\n"
	"issue. Progress goes to one tracking comment on the issue and the\n"
	"labels tend:working, tend:done, tend:failed. Only a label applied by\n"
	"someone with write access counts. --issue N takes that issue only;\n"
	"--shard I/N takes the issues whose number is I modulo N (0 <= I < N),\n"
	"so N jobs share a backlog; --dry-run plans and prints, writes nothing.\n"
	"\n"
	"Exit status: 0 done or nothing to do, 1 a task failed, 2 usage or\n"
	"configuration error, 3 the forge, model or git remote failed, 4 the\n"
	"sandbox is unavailable.";

/* The run's name in the Tend-Run trailer and the claims. */
static char *cmd_tasks_run_id(void)
{
	const char *gh = getenv("GITHUB_RUN_ID"), *gl = getenv("CI_JOB_ID");
	const char *att = getenv("GITHUB_RUN_ATTEMPT");
	const char *job = getenv("GITHUB_JOB");

	if (gh && *gh)
		return xasprintf("github-%s-%s%s%s", gh, att && *att ? att :
				 "1", job && *job ? "-" : "",
				 job && *job ? job : "");
	if (gl && *gl)
		return xasprintf("gitlab-%s", gl);
	return NULL;
}

/* "I/N" with 0 <= I < N. */
static int cmd_tasks_shard(const char *s, long *index, long *total)
{
	char *end;

	*index = strtol(s, &end, 10);
	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	*total = strtol(s, &end, 10);
	if (end == s || *end || *total < 1 || *index < 0 || *index >= *total)
		return -1;
	return 0;
}

/*
 * A GitHub `issues` event names one issue: take only that one. 0 when
 * the event is another kind.
 */
static long cmd_tasks_event_issue(void)
{
	const char *name = getenv("GITHUB_EVENT_NAME");
	const char *path = getenv("GITHUB_EVENT_PATH");
	json_t *ev, *n;
	long number = 0;

	if (!name || strcmp(name, "issues") || !path || !*path)
		return 0;
	if (!(ev = json_load_file(path, 0, NULL)))
		return 0;
	n = json_object_get(json_object_get(ev, "issue"), "number");
	if (json_is_integer(n) && json_integer_value(n) > 0)
		number = (long)json_integer_value(n);
	json_decref(ev);
	return number;
}

static void cmd_tasks_text(struct buf *out,
			   const struct actions_tasks_outcome *oc)
{
	size_t i;

	buf_printf(out, "tend tasks: %zu labelled issue%s, %zu taken\n",
		   oc->listed, oc->listed == 1 ? "" : "s", oc->taken);
	for (i = 0; i < oc->nr; i++) {
		const struct actions_task *t = &oc->tasks[i];

		buf_printf(out, "#%ld: %s", t->number,
			   actions_task_status_name(t->status));
		if (t->why)
			buf_printf(out, ": %s", t->why);
		buf_puts(out, "\n");
		if (t->pr_url)
			buf_printf(out, "  %s\n", t->pr_url);
		if (t->status == ACTIONS_TASK_PLANNED && t->plan)
			buf_printf(out, "  plan:\n%s\n", t->plan);
		if (t->tests)
			buf_printf(out, "  tests: %s\n", t->tests);
		if (t->left_out)
			buf_printf(out, "  not shown to the model: %s\n",
				   t->left_out);
	}
	buf_printf(out, "cost: $%.4f; forge: %lu reads, %lu writes; total "
		   "%.1f s\n", oc->cost_usd, oc->stats.reads, oc->stats.writes,
		   oc->total_ms / 1000.0);
}

static int cmd_tasks_json(struct buf *out,
			  const struct actions_tasks_outcome *oc)
{
	json_t *o = json_object(), *tasks = json_array();
	char *text;
	size_t i, k;

	for (i = 0; i < oc->nr; i++) {
		const struct actions_task *t = &oc->tasks[i];
		json_t *x = json_object(), *steps = json_array();

		json_object_set_new(x, "issue", json_integer(t->number));
		json_object_set_new(x, "status", json_string(
			actions_task_status_name(t->status)));
		json_object_set_new(x, "why", jsonutil_string(t->why ? t->why :
							      ""));
		if (t->plan)
			json_object_set_new(x, "plan",
					    jsonutil_string(t->plan));
		for (k = 0; k < t->nr_steps; k++)
			json_array_append_new(steps, json_pack("{s:o,s:b}",
				"step", jsonutil_string(t->steps[k]),
				"done", t->step_done[k]));
		json_object_set_new(x, "steps", steps);
		if (t->branch)
			json_object_set_new(x, "branch",
					    jsonutil_string(t->branch));
		if (t->commit[0])
			json_object_set_new(x, "commit",
					    json_string(t->commit));
		if (t->pr_number)
			json_object_set_new(x, "pr",
					    json_integer(t->pr_number));
		if (t->pr_url)
			json_object_set_new(x, "pr_url",
					    jsonutil_string(t->pr_url));
		if (t->tests)
			json_object_set_new(x, "tests",
					    jsonutil_string(t->tests));
		if (t->left_out)
			json_object_set_new(x, "left_out",
					    jsonutil_string(t->left_out));
		json_object_set_new(x, "tokens_in",
				    json_integer(t->tokens_in));
		json_object_set_new(x, "tokens_out",
				    json_integer(t->tokens_out));
		json_object_set_new(x, "cost_usd", json_real(t->cost_usd));
		json_object_set_new(x, "ms", json_integer(t->ms));
		json_array_append_new(tasks, x);
	}
	json_object_set_new(o, "listed", json_integer((json_int_t)oc->listed));
	json_object_set_new(o, "taken", json_integer((json_int_t)oc->taken));
	json_object_set_new(o, "tasks", tasks);
	json_object_set_new(o, "cost_usd", json_real(oc->cost_usd));
	json_object_set_new(o, "forge", json_pack("{s:I,s:I}",
		"reads", (json_int_t)oc->stats.reads,
		"writes", (json_int_t)oc->stats.writes));
	json_object_set_new(o, "ms", json_integer(oc->total_ms));
	text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		return -1;
	buf_puts(out, text);
	buf_putc(out, '\n');
	free(text);
	return 0;
}

static int cmd_tasks_exit(const struct actions_tasks_outcome *oc)
{
	size_t i;

	for (i = 0; i < oc->nr; i++)
		if (oc->tasks[i].status == ACTIONS_TASK_FAILED)
			return CLI_EXIT_FINDINGS;
	return CLI_EXIT_OK;
}

int cmd_tasks(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *dir = NULL, *repo_name = NULL, *shard = NULL;
	long issue = 0;
	const struct cli_option opts[] = {
		OPT_INT(0, "issue", &issue, "N", "carry out issue N only"),
		OPT_STRING(0, "shard", &shard, "I/N", "take only the issues whose number is I modulo N"),
		OPT_STRING(0, "repo", &repo_name, "OWNER/NAME", "the repository (default: from CI or origin)"),
		OPT_STRING('C', NULL, &dir, "DIR", "run as if tend was started in DIR"),
		CLI_COMMON_OPTIONS(&c),
		OPT_END()
	};
	struct actions_tasks_opts to = { 0 };
	struct actions_tasks_outcome oc;
	struct forge_context ctx;
	struct forge_context_opts copts = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT, e2 = BUF_INIT;
	git_repository *repo = NULL;
	char **rest = NULL, *root = NULL, *run_id = NULL, *remote = NULL;
	int nrest, rc, exit_code = CLI_EXIT_USAGE, json = 0;

	actions_tasks_outcome_init(&oc);
	forge_context_init(&ctx);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_tasks_usage, cmd_tasks_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_tasks_usage);
		goto out;
	}
	if (issue < 0) {
		cli_error("--issue wants a positive issue number");
		goto out;
	}
	if (shard && cmd_tasks_shard(shard, &to.shard_index,
				     &to.shard_total) < 0) {
		cli_error("--shard wants I/N with 0 <= I < N, not '%s'", shard);
		goto out;
	}
	if (c.format && !strcmp(c.format, "json")) {
		json = 1;
	} else if (c.format && strcmp(c.format, "text")) {
		cli_error("'tend tasks' writes text or json, not '%s'",
			  c.format);
		goto out;
	}
	if (c.no_llm) {
		cli_error("tend tasks needs a model; --no-llm does not apply");
		goto out;
	}
	if (dir && chdir(dir) < 0) {
		cli_error("cannot change to directory '%s'", dir);
		goto out;
	}
	if ((rc = forge_git_open(&repo, ".", &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	root = cli_config_root(forge_git_workdir(repo));
	remote = forge_context_remote_url(".");
	copts.repo = repo_name;
	copts.remote_url = remote;
	if ((rc = forge_context_detect(&ctx, &copts, &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	if (!issue)
		issue = cmd_tasks_event_issue();
	run_id = cmd_tasks_run_id();
	to.root = root;
	to.config_path = c.config;
	to.ctx = &ctx;
	to.issue = issue;
	to.dry_run = c.dry_run;
	to.run_id = run_id;
	rc = actions_tasks_run(&oc, &to, &err);
	if (json)
		cmd_tasks_json(&out, &oc);
	else
		cmd_tasks_text(&out, &oc);
	if (cli_write_output(c.output, out.ptr, out.len, &e2) < 0) {
		cli_error("%s", e2.ptr);
		goto out;
	}
	if (ctx.ci && oc.summary_md &&
	    actions_ci_step_summary(ctx.step_summary, oc.summary_md,
				    &e2) < 0)
		log_warn("%s", e2.ptr);
	if (rc < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EUNAVAIL ? CLI_EXIT_SANDBOX :
			    rc == TEND_EINVALID || rc == TEND_ENOTFOUND ?
			    CLI_EXIT_USAGE : CLI_EXIT_SERVICE;
		goto out;
	}
	exit_code = cmd_tasks_exit(&oc);
out:
	actions_tasks_outcome_release(&oc);
	forge_context_release(&ctx);
	git_repository_free(repo);
	buf_release(&err);
	buf_release(&out);
	buf_release(&e2);
	free(rest);
	free(root);
	free(run_id);
	free(remote);
	return exit_code;
}
