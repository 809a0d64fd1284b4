/*
 * cmd_fix.c - `tend fix`: options, the pull request or the local branch,
 * and what the job says and returns.
 *
 * Exit status: 0 fixed (pushed, committed, or offered as suggestions) or
 * nothing to fix; 1 could not fix (or stopped after tend's own fix-ups in
 * a row); 2 usage or configuration error; 3 the forge, the model or the
 * push failed, or the branch moved (re-runnable); 4 no sandbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/ci.h"
#include "actions/fix.h"
#include "cli/cli.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/context.h"
#include "forge/git.h"

static const char cmd_fix_usage[] =
	"tend fix [--local | --pr N | --mr N] [--dry-run] [options]";

static const char cmd_fix_description[] =
	"Run the tests in the sandbox; when they fail, let the debug agent\n"
	"edit the work tree until tend's own run of the tests passes, then\n"
	"commit one fix-up. In CI (a failed pull/merge request pipeline) or\n"
	"with --pr/--mr N the commit is pushed onto the pull request's branch\n"
	"with a lease (never forced) and a report is posted; a branch tend\n"
	"cannot push to gets committable suggestions. --local commits on the\n"
	"current branch. --dry-run prints the diff and writes nothing.\n"
	"\n"
	"Exit status: 0 fixed or nothing to fix, 1 not fixed, 2 usage or\n"
	"configuration error, 3 the forge, model or push failed (or the branch\n"
	"moved: run again), 4 the sandbox is unavailable.";

static int cmd_fix_in_ci(void)
{
	const char *gh = getenv("GITHUB_ACTIONS"), *gl = getenv("GITLAB_CI");

	return (gh && !strcmp(gh, "true")) || (gl && !strcmp(gl, "true"));
}

/* The run's name in the Tend-Run trailer: the CI's, else none. */
static char *cmd_fix_run_id(void)
{
	const char *gh = getenv("GITHUB_RUN_ID"), *gl = getenv("CI_JOB_ID");
	const char *att = getenv("GITHUB_RUN_ATTEMPT");

	if (gh && *gh)
		return xasprintf("github-%s-%s", gh, att && *att ? att : "1");
	if (gl && *gl)
		return xasprintf("gitlab-%s", gl);
	return NULL;
}

static void cmd_fix_text(struct buf *out, const struct actions_fix_outcome *oc)
{
	size_t i;

	buf_printf(out, "tend fix: %s", actions_fix_status_name(oc->status));
	if (oc->why)
		buf_printf(out, ": %s", oc->why);
	buf_puts(out, "\n");
	if (oc->before.command)
		buf_printf(out, "before: %s %s, %zu failing\n",
			   oc->before.command,
			   actions_test_status_name(oc->before.status),
			   oc->before.report.nr);
	for (i = 0; i < oc->before.report.nr && i < 20; i++) {
		const struct testreport_failure *f =
			&oc->before.report.failures[i];

		buf_printf(out, "  FAIL %s", f->name ? f->name : "(build)");
		if (f->file)
			buf_printf(out, " (%s:%ld)", f->file, f->line);
		buf_puts(out, "\n");
	}
	if (oc->have_after)
		buf_printf(out, "after:  %s\n",
			   actions_test_status_name(oc->after.status));
	for (i = 0; i < oc->nr_rounds; i++) {
		const struct actions_fix_round *r = &oc->rounds[i];

		buf_printf(out, "round %zu: agent %s%s%s\n", i + 1,
			   r->agent_status ? r->agent_status : "?",
			   r->gate ? "; refused: " : "",
			   r->gate ? r->gate : "");
	}
	if (oc->diagnosis)
		buf_printf(out, "diagnosis: %s\n", oc->diagnosis);
	if (oc->diffstat)
		buf_puts(out, oc->diffstat);
	if (oc->diff && (oc->status == ACTIONS_FIX_DRY_RUN ||
			 oc->status == ACTIONS_FIX_SUGGESTED))
		buf_puts(out, oc->diff);
	if (oc->commit[0])
		buf_printf(out, "commit: %s\n", oc->commit_url ?
			   oc->commit_url : oc->commit);
	if (oc->report_url)
		buf_printf(out, "report: %s\n", oc->report_url);
	buf_printf(out, "cost: %ld tokens in, %ld out, %s$%.4f; time: tests "
		   "%.1f s, agent %.1f s, git %.1f s, total %.1f s\n",
		   oc->tokens_in, oc->tokens_out,
		   oc->cost_unknown ? "at least " : "", oc->cost_usd,
		   oc->tests_ms / 1000.0, oc->agent_ms / 1000.0,
		   oc->git_ms / 1000.0, oc->total_ms / 1000.0);
}

static int cmd_fix_json(struct buf *out, const struct actions_fix_outcome *oc)
{
	json_t *o = json_object(), *rounds = json_array(), *models =
		json_array();
	char *text;
	size_t i;

	json_object_set_new(o, "status", json_string(
		actions_fix_status_name(oc->status)));
	json_object_set_new(o, "why", jsonutil_string(oc->why ? oc->why : ""));
	json_object_set_new(o, "failing_before",
			    json_integer((json_int_t)oc->before.report.nr));
	if (oc->have_after)
		json_object_set_new(o, "after", json_string(
			actions_test_status_name(oc->after.status)));
	for (i = 0; i < oc->nr_rounds; i++) {
		const struct actions_fix_round *r = &oc->rounds[i];
		json_t *x = json_object();

		json_object_set_new(x, "agent", jsonutil_string(
			r->agent_status ? r->agent_status : ""));
		if (r->summary)
			json_object_set_new(x, "summary",
					    jsonutil_string(r->summary));
		if (r->gate)
			json_object_set_new(x, "refused",
					    jsonutil_string(r->gate));
		if (r->refused)
			json_object_set_new(x, "put_back",
					    jsonutil_string(r->refused));
		json_object_set_new(x, "files", json_integer(r->files));
		json_object_set_new(x, "lines", json_integer(r->lines));
		json_object_set_new(x, "tests_passed",
				    json_boolean(r->tests_passed));
		json_array_append_new(rounds, x);
	}
	json_object_set_new(o, "rounds", rounds);
	if (oc->diagnosis)
		json_object_set_new(o, "diagnosis",
				    jsonutil_string(oc->diagnosis));
	if (oc->diff)
		json_object_set_new(o, "diff", jsonutil_string(oc->diff));
	if (oc->commit[0])
		json_object_set_new(o, "commit", json_string(oc->commit));
	json_object_set_new(o, "suggestions",
			    json_integer((json_int_t)oc->suggestions));
	for (i = 0; i < oc->nr_models; i++)
		json_array_append_new(models, jsonutil_string(oc->models[i]));
	json_object_set_new(o, "models", models);
	json_object_set_new(o, "tokens_in", json_integer(oc->tokens_in));
	json_object_set_new(o, "tokens_out", json_integer(oc->tokens_out));
	json_object_set_new(o, "cost_usd", json_real(oc->cost_usd));
	json_object_set_new(o, "cost_known", json_boolean(!oc->cost_unknown));
	json_object_set_new(o, "ms", json_pack("{s:I,s:I,s:I,s:I}",
		"tests", (json_int_t)oc->tests_ms,
		"agent", (json_int_t)oc->agent_ms,
		"git", (json_int_t)oc->git_ms,
		"total", (json_int_t)oc->total_ms));
	text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		return -1;
	buf_puts(out, text);
	buf_putc(out, '\n');
	free(text);
	return 0;
}

static int cmd_fix_exit(const struct actions_fix_outcome *oc)
{
	switch (oc->status) {
	case ACTIONS_FIX_NOTHING:
	case ACTIONS_FIX_PUSHED:
	case ACTIONS_FIX_COMMITTED:
	case ACTIONS_FIX_DRY_RUN:
	case ACTIONS_FIX_SUGGESTED:
		return CLI_EXIT_OK;
	case ACTIONS_FIX_MOVED:
		return CLI_EXIT_SERVICE;
	case ACTIONS_FIX_FAILED:
	case ACTIONS_FIX_LOOP:
		break;
	}
	return CLI_EXIT_FINDINGS;
}

int cmd_fix(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *dir = NULL, *repo_name = NULL;
	long pr = 0, mr = 0;
	int local = 0;
	const struct cli_option opts[] = {
		OPT_FLAG(0, "local", &local, "fix the local branch: commit on it, no forge"),
		OPT_INT(0, "pr", &pr, "N", "fix GitHub pull request N"),
		OPT_INT(0, "mr", &mr, "N", "fix GitLab merge request N"),
		OPT_STRING(0, "repo", &repo_name, "OWNER/NAME", "the repository of --pr/--mr (default: from CI or origin)"),
		OPT_STRING('C', NULL, &dir, "DIR", "run as if tend was started in DIR"),
		CLI_COMMON_OPTIONS(&c),
		OPT_END()
	};
	struct actions_fix_opts fo = { 0 };
	struct actions_fix_outcome oc;
	struct forge_context ctx;
	struct buf err = BUF_INIT, out = BUF_INIT, e2 = BUF_INIT;
	git_repository *repo = NULL;
	char **rest = NULL, *root = NULL, *run_id = NULL;
	int nrest, rc, exit_code = CLI_EXIT_USAGE, have_ctx = 0, json = 0;

	actions_fix_outcome_init(&oc);
	forge_context_init(&ctx);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_fix_usage, cmd_fix_description, opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_fix_usage);
		goto out;
	}
	if ((pr || mr) && local) {
		cli_error("--pr/--mr fix a pull/merge request; --local fixes the "
			  "local branch: use one or the other");
		goto out;
	}
	if ((pr && mr) || pr < 0 || mr < 0) {
		cli_error("give one positive --pr (GitHub) or --mr (GitLab)");
		goto out;
	}
	if (c.format && !strcmp(c.format, "json")) {
		json = 1;
	} else if (c.format && strcmp(c.format, "text")) {
		cli_error("'tend fix' writes text or json, not '%s'", c.format);
		goto out;
	}
	if (c.no_llm) {
		cli_error("tend fix needs a model; --no-llm does not apply");
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

	if (pr || mr || (!local && cmd_fix_in_ci())) {
		struct forge_context_opts copts = { 0 };
		char *remote = forge_context_remote_url(".");

		copts.kind = pr ? FORGE_GITHUB : mr ? FORGE_GITLAB : FORGE_NONE;
		copts.number = pr ? pr : mr;
		copts.repo = repo_name;
		copts.remote_url = remote;
		rc = forge_context_detect(&ctx, &copts, &err);
		free(remote);
		if (rc < 0) {
			cli_error("%s", err.ptr);
			goto out;
		}
		if (ctx.trigger_conclusion &&
		    strcmp(ctx.trigger_conclusion, "failure")) {
			log_info("the run that triggered this one ended '%s': "
				 "nothing to fix", ctx.trigger_conclusion);
			exit_code = CLI_EXIT_OK;
			goto out;
		}
		if (ctx.number > 0 || (ctx.event && ctx.head_ref &&
				       !strcmp(ctx.event, "workflow_run"))) {
			have_ctx = 1;
		} else if (pr || mr) {
			cli_error("no pull/merge request %ld", pr ? pr : mr);
			goto out;
		} else {
			log_info("no pull/merge request in this run (event "
				 "'%s'): fixing the local branch",
				 ctx.event ? ctx.event : "none");
		}
	}
	run_id = cmd_fix_run_id();
	fo.root = root;
	fo.config_path = c.config;
	fo.ctx = have_ctx ? &ctx : NULL;
	fo.dry_run = c.dry_run;
	fo.run_id = run_id;
	if ((rc = actions_fix_run(&oc, &fo, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EUNAVAIL ? CLI_EXIT_SANDBOX :
			    rc == TEND_EINVALID || rc == TEND_ENOTFOUND ?
			    CLI_EXIT_USAGE : CLI_EXIT_SERVICE;
		goto out;
	}
	if (json)
		cmd_fix_json(&out, &oc);
	else
		cmd_fix_text(&out, &oc);
	if (cli_write_output(c.output, out.ptr, out.len, &err) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	if (have_ctx && ctx.ci && oc.report_md && !c.dry_run) {
		if (actions_ci_step_summary(ctx.step_summary, oc.report_md,
					    &e2) < 0 ||
		    actions_ci_output(ctx.output_file, "fix",
				      actions_fix_status_name(oc.status),
				      &e2) < 0 ||
		    (oc.commit[0] &&
		     actions_ci_output(ctx.output_file, "commit", oc.commit,
				       &e2) < 0))
			log_warn("%s", e2.ptr);
	}
	exit_code = cmd_fix_exit(&oc);
out:
	actions_fix_outcome_release(&oc);
	forge_context_release(&ctx);
	git_repository_free(repo);
	buf_release(&err);
	buf_release(&out);
	buf_release(&e2);
	free(rest);
	free(root);
	free(run_id);
	return exit_code;
}
