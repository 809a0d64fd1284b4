/*
 * cmd_stats.c - `tend stats`: what people did with tend's output on the
 * pull/merge requests updated since a date, per rule, pack, agent and
 * model, with fix-ups, task PRs, latency and cost.
 *
 * The work is actions/stats.c; this file parses options, finds the store
 * (<git dir>/tend/trust.sqlite), prints, posts the report to an issue
 * when asked, and picks the exit status: 0 done, 2 usage or
 * configuration, 3 the forge or the store failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions/notify.h"
#include "actions/stats.h"
#include "cli/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "forge/context.h"
#include "forge/git.h"

static const char cmd_stats_usage[] =
	"tend stats [--since DATE] [--max-prs N] [--no-store]\n"
	"       [--post-issue N] [--slack] [--repo OWNER/NAME]\n"
	"       [--format text|markdown|json]";

static const char cmd_stats_description[] =
	"Read back from the forge what people did with tend's output on the\n"
	"pull/merge requests updated since DATE (YYYY-MM-DD or ISO 8601 UTC;\n"
	"default: 7 days ago) and report acceptance per rule, pack, agent and\n"
	"model: review comments accepted (fixed, agreed with) or rejected\n"
	"(thumbs-down, a writer's disagreeing reply, resolved without a\n"
	"change), fix-up commits merged or reverted, task PRs merged or\n"
	"closed, latency and cost. The results are kept in the trust store\n"
	"<git dir>/tend/trust.sqlite (a cache; --no-store reads everything\n"
	"from the forge). --post-issue N posts the markdown report as a\n"
	"comment on issue N, edited in place by later runs; --slack posts\n"
	"its headline to the webhook of notify.slack_webhook_env.\n"
	"\n"
	"Exit status: 0 done, 2 usage or configuration error, 3 the forge or\n"
	"the store failed.";

#define CMD_STATS_MARK "<!-- tend:stats -->"

/* "2026-12-01" or "2026-12-01T06:00:00Z" as ISO 8601 UTC, or NULL. */
static char *cmd_stats_since(const char *arg)
{
	int y, m, d, n = 0;

	if (!arg) {
		time_t t = time(NULL) - 7 * 86400;
		struct tm tm;
		char b[32];

		gmtime_r(&t, &tm);
		strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
		return xstrdup(b);
	}
	if (sscanf(arg, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return NULL;
	if (!arg[10])
		return xasprintf("%.10sT00:00:00Z", arg);
	if (arg[10] != 'T' || strlen(arg) != 20 || arg[19] != 'Z')
		return NULL;
	return xstrdup(arg);
}

/* The headline to Slack; a failure is a warning, as for every notice. */
static void cmd_stats_slack(const struct forge_context *ctx,
			    const char *config, const char *since,
			    const struct actions_stats_result *res)
{
	struct tend_config cfg;
	struct actions_notice n = { 0 };
	struct buf err = BUF_INIT;
	char *root = cli_config_root("."), *result = NULL, *detail = NULL;
	char *where = xasprintf("since %s", since);

	if (config_load(&cfg, root, config, &err) < 0) {
		cli_error("--slack: %s", err.ptr);
		goto out;
	}
	actions_stats_brief(&result, &detail, res);
	n.what = "tend stats";
	n.repo = ctx->repo;
	n.where = where;
	n.result = result;
	n.ok = 1;
	n.detail = detail;
	n.cost_usd = -1;
	if (actions_notify_slack(&cfg, &n, &err) < 0)
		cli_error("warning: cannot post to Slack: %s", err.ptr);
	config_release(&cfg);
out:
	free(root);
	free(where);
	free(result);
	free(detail);
	buf_release(&err);
}

/* Post (or edit) the report on issue `number`. */
static int cmd_stats_post(const struct forge_context *ctx, long number,
			  const char *md, struct buf *err)
{
	struct forge *f = NULL;
	struct forge_notes notes;
	const char *id = NULL;
	char *body = xasprintf("%s\n%s", CMD_STATS_MARK, md);
	size_t i, len = strlen(body);
	int rc;

	/* Many rules make a long table: keep within the forge's limit. */
	if (len > FORGE_MAX_BODY) {
		static const char cut[] = "\n\n_(cut to fit in a comment: "
					  "run tend stats for the rest)_\n";

		size_t at = FORGE_MAX_BODY - sizeof(cut);

		/* on a character boundary */
		while (at && ((unsigned char)body[at] & 0xc0) == 0x80)
			at--;
		memcpy(body + at, cut, sizeof(cut));
	}

	forge_notes_init(&notes);
	if ((rc = forge_open(&f, ctx, err)) < 0)
		goto out;
	if ((rc = forge_list_issue_notes(f, number, &notes, err)) < 0)
		goto out;
	for (i = 0; i < notes.nr && !id; i++)
		if (notes.items[i].own && notes.items[i].body &&
		    strstr(notes.items[i].body, CMD_STATS_MARK))
			id = notes.items[i].id;
	rc = forge_put_issue_note(f, number, id, body, CMD_STATS_MARK, NULL,
				  NULL, err);
out:
	forge_notes_release(&notes);
	forge_free(f);
	free(body);
	return rc;
}

int cmd_stats(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *dir = NULL, *repo_name = NULL, *since_arg = NULL;
	long max_prs = 0, post_issue = 0;
	int no_store = 0, slack = 0;
	const struct cli_option opts[] = {
		OPT_STRING(0, "since", &since_arg, "DATE", "PRs updated since (default: 7 days ago)"),
		OPT_INT(0, "max-prs", &max_prs, "N", "read at most N PRs (default 500)"),
		OPT_FLAG(0, "no-store", &no_store, "do not use the trust store"),
		OPT_INT(0, "post-issue", &post_issue, "N", "post the report on issue N"),
		OPT_FLAG(0, "slack", &slack, "post the headline to Slack (notify.slack_webhook_env)"),
		OPT_STRING(0, "repo", &repo_name, "OWNER/NAME", "the repository (default: from CI or origin)"),
		OPT_STRING('C', NULL, &dir, "DIR", "run as if tend was started in DIR"),
		CLI_COMMON_OPTIONS(&c),
		OPT_END()
	};
	struct actions_stats_opts so = { 0 };
	struct actions_stats_result res;
	struct forge_context ctx;
	struct forge_context_opts copts = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT, md = BUF_INIT;
	git_repository *repo = NULL;
	char **rest = NULL, *since = NULL, *remote = NULL, *store = NULL;
	int nrest, rc, exit_code = CLI_EXIT_USAGE;

	actions_stats_result_init(&res);
	forge_context_init(&ctx);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_stats_usage, cmd_stats_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_stats_usage);
		goto out;
	}
	if (c.format && strcmp(c.format, "text") &&
	    strcmp(c.format, "markdown") && strcmp(c.format, "json")) {
		cli_error("'tend stats' writes text, markdown or json, not "
			  "'%s'", c.format);
		goto out;
	}
	if (!(since = cmd_stats_since(since_arg))) {
		cli_error("--since '%s': expected YYYY-MM-DD or "
			  "YYYY-MM-DDTHH:MM:SSZ", since_arg);
		goto out;
	}
	if (max_prs < 0 || post_issue < 0) {
		cli_error("--max-prs and --post-issue take a positive number");
		goto out;
	}
	if (dir && chdir(dir) < 0) {
		cli_error("cannot change to directory '%s'", dir);
		goto out;
	}
	if (!no_store) {
		if ((rc = forge_git_open(&repo, ".", &err)) < 0) {
			cli_error("%s (--no-store runs without a repository)",
				  err.ptr);
			goto out;
		}
		store = xasprintf("%stend/trust.sqlite",
				  git_repository_path(repo));
	}
	remote = forge_context_remote_url(".");
	copts.repo = repo_name;
	copts.remote_url = remote;
	if ((rc = forge_context_detect(&ctx, &copts, &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	so.ctx = &ctx;
	so.since = since;
	so.max_prs = (size_t)max_prs;
	so.store_path = store;
	if ((rc = actions_stats_run(&res, &so, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EINVALID ? CLI_EXIT_USAGE :
			    CLI_EXIT_SERVICE;
		goto out;
	}
	if ((rc = actions_stats_format(&out, &res, since, c.format,
				       &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	if (post_issue > 0) {
		actions_stats_format(&md, &res, since, "markdown", &err);
		if ((rc = cmd_stats_post(&ctx, post_issue, md.ptr,
					 &err)) < 0) {
			cli_error("cannot post the report on issue %ld: %s",
				  post_issue, err.ptr);
			exit_code = CLI_EXIT_SERVICE;
			goto out;
		}
	}
	if (slack)
		cmd_stats_slack(&ctx, c.config, since, &res);
	if (cli_write_output(c.output, out.ptr, out.len, &err) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	exit_code = CLI_EXIT_OK;
out:
	actions_stats_result_release(&res);
	forge_context_release(&ctx);
	git_repository_free(repo);
	buf_release(&err);
	buf_release(&out);
	buf_release(&md);
	free(rest);
	free(since);
	free(remote);
	free(store);
	return exit_code;
}
