/*
 * cmd_context.c - `tend context`: print what tend detected about where it
 * runs (forge, API, repository, PR/MR, SHAs, token source) as `key: value`
 * lines or, with --json, one JSON object.
 *
 * The detection itself is forge/context.c; this file only turns options
 * into forge_context_opts, finds origin's URL, and prints. The token's
 * value is never printed: describe() gives only its source, and the output
 * passes through redaction like every report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/error.h"
#include "forge/context.h"

static const char cmd_context_usage[] =
	"tend context [--pr N | --mr N] [--repo OWNER/NAME] [--json] [-C DIR]";

static const char cmd_context_description[] =
	"Print what tend detected: the forge and its API, the repository,\n"
	"the pull/merge request and its SHAs, and where the token comes from\n"
	"(never the token). In GitHub Actions and GitLab CI this comes from\n"
	"the platform's environment and event payload; elsewhere from the\n"
	"options and origin's URL. Unknown values print as '-' (null in JSON).\n"
	"\n"
	"Exit status: 0 printed, 2 a bad option, payload or CI variable.";

/* A --pr/--mr value: a positive whole number. */
static int cmd_context_number(long *out, const char *opt, const char *value)
{
	char *end;
	long v;

	v = strtol(value, &end, 10);
	if (end == value || *end || v <= 0 || v > 2147483647L) {
		cli_error("option '%s' wants a positive whole number, not "
			  "'%s'", opt, value);
		return -1;
	}
	*out = v;
	return 0;
}

int cmd_context(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *pr = NULL, *mr = NULL, *repo = NULL, *dir = NULL;
	int json = 0;
	const struct cli_option opts[] = {
		OPT_STRING(0, "pr", &pr, "N", "GitHub pull request N"),
		OPT_STRING(0, "mr", &mr, "N", "GitLab merge request N"),
		OPT_STRING(0, "repo", &repo, "OWNER/NAME", "this repository instead of the detected one"),
		OPT_FLAG(0, "json", &json, "print one JSON object"),
		OPT_STRING('C', NULL, &dir, "DIR", "run as if tend was started in DIR"),
		OPT_COUNT('v', "verbose", &c.verbose, "more diagnostics (twice for trace)"),
		OPT_FLAG('q', "quiet", &c.quiet, "only errors on stderr"),
		OPT_FLAG('h', "help", &c.help, "show this help"),
		OPT_END()
	};
	struct forge_context_opts copts = { 0 };
	struct forge_context ctx;
	struct buf err = BUF_INIT, out = BUF_INIT;
	char **rest = NULL, *remote = NULL;
	int nrest, rc, exit_code = CLI_EXIT_USAGE;

	forge_context_init(&ctx);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_context_usage,
			       cmd_context_description, opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_context_usage);
		goto out;
	}
	if (pr && mr) {
		cli_error("--pr (GitHub) and --mr (GitLab) cannot be used "
			  "together");
		goto out;
	}
	if (pr) {
		if (cmd_context_number(&copts.number, "--pr", pr) < 0)
			goto out;
		copts.kind = FORGE_GITHUB;
	}
	if (mr) {
		if (cmd_context_number(&copts.number, "--mr", mr) < 0)
			goto out;
		copts.kind = FORGE_GITLAB;
	}
	if (dir && chdir(dir) < 0) {
		cli_error("cannot change to directory '%s'", dir);
		goto out;
	}
	copts.repo = repo;
	/* Not being in a repository is fine: CI or the options may say all. */
	remote = forge_context_remote_url(".");
	copts.remote_url = remote;

	if ((rc = forge_context_detect(&ctx, &copts, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = cli_exit_for(rc);
		goto out;
	}
	forge_context_describe(&out, &ctx, json);
	if ((rc = cli_write_output(NULL, out.ptr, out.len, &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	exit_code = CLI_EXIT_OK;
out:
	free(remote);
	forge_context_release(&ctx);
	buf_release(&out);
	buf_release(&err);
	free(rest);
	return exit_code;
}
