/*
 * cmd_review.c - `tend review`: options, configuration, and the report.
 *
 * Precedence of settings, lowest first: built-in defaults, the config file,
 * TEND_* environment variables, command-line options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/ci.h"
#include "actions/notify.h"
#include "actions/review.h"
#include "actions/review_agent.h"
#include "actions/review_pr.h"
#include "cli/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "forge/context.h"
#include "forge/git.h"

static const char cmd_review_usage[] =
	"tend review [--local [--base REV] [--head REV] | --pr N | --mr N] "
	"[options]";

static const char cmd_review_description[] =
	"Review a change and report findings. With --local (the default outside\n"
	"CI), review HEAD against its merge-base with the default branch\n"
	"(origin/HEAD, else main, else master) with no forge and no network.\n"
	"\n"
	"In GitHub Actions or GitLab CI, or with --pr/--mr N, review the pull or\n"
	"merge request and publish one review with inline comments, one summary\n"
	"comment (edited in place on later runs) and a status. --dry-run prints\n"
	"what would be posted and writes nothing.\n"
	"\n"
	"Exit status: 0 nothing at or above the fail level, 1 findings at or\n"
	"above it, 2 usage or configuration error, 3 an outside service failed.";

static int cmd_review_in_ci(void)
{
	const char *gh = getenv("GITHUB_ACTIONS"), *gl = getenv("GITLAB_CI");

	return (gh && !strcmp(gh, "true")) || (gl && !strcmp(gl, "true"));
}

static int cmd_review_use_color(const char *output, enum review_format fmt)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (fmt != REVIEW_FORMAT_TEXT || (output && strcmp(output, "-")))
		return 0;
	if (no && *no)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(1);
}

/* Findings at the fail level: Slack hears of it, when configured. */
static void cmd_review_notify(const struct forge_context *ctx,
			      const struct actions_pr_outcome *oc,
			      const struct review_result *r,
			      const struct tend_config *cfg)
{
	struct actions_notice n = { 0 };
	struct buf err = BUF_INIT;
	char where[64], result[64];
	size_t i, bad = 0;

	for (i = 0; i < r->findings.nr; i++)
		if (r->findings.items[i].severity >= r->fail_level)
			bad++;
	snprintf(where, sizeof(where), "%s #%ld", ctx->kind == FORGE_GITLAB ?
		 "merge request" : "pull request", oc->pr.number);
	snprintf(result, sizeof(result), "%zu finding%s at the fail level",
		 bad, bad == 1 ? "" : "s");
	n.what = "tend review";
	n.repo = ctx->repo;
	n.where = where;
	n.where_url = oc->pr.url;
	n.result = result;
	n.ok = 0;
	n.detail = oc->pr.title;
	n.link = oc->summary_url ? oc->summary_url : oc->pr.url;
	n.link_text = "Open the review";
	n.cost_usd = -1;
	if (actions_notify_slack(cfg, &n, &err) < 0)
		log_warn("Slack: %s", err.ptr);
	buf_release(&err);
}

/*
 * A pull/merge request: review, publish, and tell the job what happened
 * (report on stdout or --output, step summary, outputs). When the token
 * could not write, the summary and annotations are the review.
 */
static int cmd_review_pr(const struct cli_common *c,
			 const struct forge_context *ctx,
			 const struct actions_review_opts *ropts,
			 const char *root, enum review_format fmt)
{
	struct actions_pr_opts popts = { 0 };
	struct actions_pr_outcome oc;
	struct review_result result;
	struct buf err = BUF_INIT, report = BUF_INIT, e2 = BUF_INIT;
	char count[32];
	int rc, exit_code = CLI_EXIT_USAGE;

	review_result_init(&result);
	actions_pr_outcome_init(&oc);
	popts.review = *ropts;
	popts.ctx = ctx;
	popts.dry_run = c->dry_run;
	popts.config_root = root;
	popts.config_path = c->config;
	popts.explicit_fail_level = c->fail_level != NULL;
	popts.explicit_filter = c->filter != NULL;
	rc = actions_review_pr(&result, &popts, &oc, &err);
	log_debug("forge requests: %lu reads, %lu writes", oc.stats.reads,
		  oc.stats.writes);
	if (rc < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EINVALID || rc == TEND_ENOTFOUND ?
			CLI_EXIT_USAGE : CLI_EXIT_SERVICE;
		goto out;
	}

	if (c->dry_run && !c->output) {
		review_plan_describe(&report, &oc.plan, &result);
	} else {
		review_report_write(&report, &result, fmt,
				    cmd_review_use_color(c->output, fmt));
	}
	if (c->dry_run && c->output) {
		struct buf plan = BUF_INIT;

		review_plan_describe(&plan, &oc.plan, &result);
		/* Through the one redaction point, like every report. */
		if (cli_write_output(NULL, plan.ptr, plan.len, &e2) < 0)
			log_warn("%s", e2.ptr);
		buf_release(&plan);
	}
	if ((rc = cli_write_output(c->output, report.ptr, report.len,
				   &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	/* Read-only: the job's own annotations carry the findings. */
	if (oc.readonly && ctx->kind == FORGE_GITHUB && ctx->ci) {
		buf_reset(&report);
		review_report_write(&report, &result, REVIEW_FORMAT_GITHUB, 0);
		if (cli_write_output(NULL, report.ptr, report.len, &e2) < 0)
			log_warn("%s", e2.ptr);
	}
	if (ctx->ci && !c->dry_run && oc.plan.summary) {
		if (actions_ci_step_summary(ctx->step_summary, oc.plan.summary,
					    &e2) < 0)
			log_warn("%s", e2.ptr);
		snprintf(count, sizeof(count), "%zu", result.findings.nr);
		if (actions_ci_output(ctx->output_file, "findings", count,
				      &e2) < 0 ||
		    actions_ci_output(ctx->output_file, "summary-url",
				      oc.summary_url, &e2) < 0)
			log_warn("%s", e2.ptr);
	}
	if (oc.readonly)
		log_info("not published: the token cannot write; the review "
			 "is in the job summary");
	else if (oc.published)
		log_info("published: %zu new inline comment%s, %zu already "
			 "there, summary %s", oc.plan.nr_inlines,
			 oc.plan.nr_inlines == 1 ? "" : "s", oc.plan.nr_posted,
			 oc.summary_url ? oc.summary_url : "unchanged");
	exit_code = CLI_EXIT_OK;
	/* The review's own level: a fork's PR uses the base's settings. */
	if (result.fail_level != REVIEW_SEV_NONE &&
	    review_result_max(&result) >= result.fail_level) {
		exit_code = CLI_EXIT_FINDINGS;
		if (!c->dry_run)
			cmd_review_notify(ctx, &oc, &result, &oc.cfg);
	}
out:
	buf_release(&err);
	buf_release(&e2);
	buf_release(&report);
	actions_pr_outcome_release(&oc);
	review_result_release(&result);
	return exit_code;
}

int cmd_review(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *base = NULL, *head = NULL, *dir = NULL, *agent = NULL,
		   *repo_name = NULL, *record = NULL, *replay = NULL;
	struct actions_agent_opts aopts = { 0 };
	long pr = 0, mr = 0;
	int local = 0;
	const struct cli_option opts[] = {
		OPT_FLAG(0, "local", &local, "review the local branch; no forge, no network"),
		OPT_STRING(0, "base", &base, "REV", "review against the merge-base with REV"),
		OPT_STRING(0, "head", &head, "REV", "the revision to review (default HEAD)"),
		OPT_INT(0, "pr", &pr, "N", "review GitHub pull request N"),
		OPT_INT(0, "mr", &mr, "N", "review GitLab merge request N"),
		OPT_STRING(0, "repo", &repo_name, "OWNER/NAME", "the repository of --pr/--mr (default: from CI or origin)"),
		OPT_STRING(0, "agent", &agent, "NAME[,NAME]", "run these agents instead of the reviewer (\"reviewer,NAME\": beside it)"),
		OPT_STRING(0, "record", &record, "DIR", "save every model exchange in DIR"),
		OPT_STRING(0, "replay", &replay, "DIR", "answer model calls from DIR, offline"),
		OPT_STRING('C', NULL, &dir, "DIR", "run as if tend was started in DIR"),
		CLI_COMMON_OPTIONS(&c),
		OPT_END()
	};
	struct tend_config cfg;
	struct review_result result;
	struct actions_review_opts ropts = { 0 };
	struct buf err = BUF_INIT, report = BUF_INIT;
	enum review_format fmt = REVIEW_FORMAT_TEXT;
	git_repository *repo = NULL;
	const char *fail_name, *filter_name, *format_name;
	char **rest = NULL, *root = NULL;
	int nrest, rc, exit_code = CLI_EXIT_USAGE;

	config_init(&cfg);
	review_result_init(&result);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_review_usage, cmd_review_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_review_usage);
		goto out;
	}
	if ((pr || mr) && (local || base || head)) {
		cli_error("--pr/--mr review a pull/merge request; --local, "
			  "--base and --head review a local branch: use one "
			  "or the other");
		goto out;
	}
	if (pr && mr) {
		cli_error("give --pr (GitHub) or --mr (GitLab), not both");
		goto out;
	}
	if (pr < 0 || mr < 0) {
		cli_error("--pr/--mr take a positive number");
		goto out;
	}
	if (!record && getenv("TEND_RECORD") && *getenv("TEND_RECORD"))
		record = getenv("TEND_RECORD");
	if (!replay && getenv("TEND_REPLAY") && *getenv("TEND_REPLAY"))
		replay = getenv("TEND_REPLAY");
	if (record && replay) {
		cli_error("--record and --replay exclude each other");
		goto out;
	}
	if (c.no_llm && (agent || record || replay)) {
		cli_error("--no-llm runs no model: drop --agent, --record and "
			  "--replay, or --no-llm");
		goto out;
	}
	if (dir && chdir(dir) < 0) {
		cli_error("cannot change to directory '%s'", dir);
		goto out;
	}

	/* The config lives at the top of the work tree. */
	if ((rc = forge_git_open(&repo, ".", &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	root = cli_config_root(forge_git_workdir(repo));

	format_name = c.format ? c.format : "text";
	if (review_format_parse(&fmt, format_name) < 0) {
		cli_error("unknown --format '%s'; use text, json, markdown, "
			  "sarif, codequality, rdjson or github", format_name);
		goto out;
	}
	/* The command line's levels; the config's come once it is read. */
	if (c.fail_level &&
	    review_severity_parse(&ropts.fail_level, c.fail_level) < 0) {
		cli_error("unknown fail level '%s'; use none, note, warning or "
			  "error", c.fail_level);
		goto out;
	}
	if (c.filter && review_filter_mode_parse(&ropts.filter, c.filter) < 0) {
		cli_error("unknown filter '%s'; use added, diff_context, file or "
			  "nofilter", c.filter);
		goto out;
	}

	ropts.repo_path = ".";
	ropts.base = base;
	ropts.head = head;
	if (!c.no_llm) {
		aopts.cfg = &cfg;
		aopts.agents = agent;
		aopts.record_dir = record;
		aopts.replay_dir = replay;
		/* Per agent run; a paying maintainer sets the ceiling. */
		aopts.max_usd = 1.0;
		if (getenv("TEND_REVIEW_BUDGET_USD") &&
		    *getenv("TEND_REVIEW_BUDGET_USD")) {
			char *end;
			double v = strtod(getenv("TEND_REVIEW_BUDGET_USD"),
					  &end);

			if (*end || v <= 0) {
				cli_error("TEND_REVIEW_BUDGET_USD must be a "
					  "positive number of dollars");
				goto out;
			}
			aopts.max_usd = v;
		}
		aopts.max_tokens = 400000;
		aopts.max_ms = 600000;
		ropts.agents = &aopts;
	}
	if (pr || mr || (!local && !base && !head && cmd_review_in_ci())) {
		struct forge_context_opts copts = { 0 };
		struct forge_context ctx;
		char *remote = forge_context_remote_url(".");

		forge_context_init(&ctx);
		copts.kind = pr ? FORGE_GITHUB : mr ? FORGE_GITLAB : FORGE_NONE;
		copts.number = pr ? pr : mr;
		copts.repo = repo_name;
		copts.remote_url = remote;
		rc = forge_context_detect(&ctx, &copts, &err);
		free(remote);
		if (rc < 0) {
			cli_error("%s", err.ptr);
			forge_context_release(&ctx);
			goto out;
		}
		if (ctx.number > 0 || pr || mr) {
			/*
			 * The run reads its configuration itself, once it
			 * knows whether the pull request's head may
			 * configure anything.
			 */
			exit_code = cmd_review_pr(&c, &ctx, &ropts, root, fmt);
			forge_context_release(&ctx);
			goto out;
		}
		log_info("no pull/merge request in this run (event '%s'); "
			 "reviewing the local branch",
			 ctx.event ? ctx.event : "none");
		forge_context_release(&ctx);
	}

	/* A local review: the work tree configures it. */
	if ((rc = config_load(&cfg, root, c.config, &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	if (cfg.path)
		log_debug("config from '%s'", cfg.path);
	ropts.cfg = &cfg;
	fail_name = c.fail_level ? c.fail_level : cfg.review.fail_level;
	filter_name = c.filter ? c.filter : cfg.review.filter;
	if (review_severity_parse(&ropts.fail_level, fail_name) < 0 ||
	    review_filter_mode_parse(&ropts.filter, filter_name) < 0) {
		cli_error("unknown fail level '%s' or filter '%s'", fail_name,
			  filter_name);
		goto out;
	}
	if ((rc = actions_review_local(&result, &ropts, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = cli_exit_for(rc);
		goto out;
	}
	review_report_write(&report, &result, fmt,
			    cmd_review_use_color(c.output, fmt));
	if ((rc = cli_write_output(c.output, report.ptr, report.len, &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	exit_code = CLI_EXIT_OK;
	/*
	 * A check that could not run (a linter that crashed) counts as an
	 * error: a review that did not look is never green.
	 */
	if (ropts.fail_level != REVIEW_SEV_NONE &&
	    review_result_max(&result) >= ropts.fail_level)
		exit_code = CLI_EXIT_FINDINGS;
out:
	free(root);
	git_repository_free(repo);
	buf_release(&report);
	buf_release(&err);
	review_result_release(&result);
	config_release(&cfg);
	free(rest);
	return exit_code;
}
