/*
 * cmd_inbox.c - `tend inbox`: the commands in comments, from a GitHub
 * comment event or by polling the forge, each carried out and answered
 * once.
 *
 * Exit status: 0 every command found ran (or there was none, or each was
 * handled before or not allowed); 1 a command ran and did not succeed;
 * 2 usage or configuration error; 3 the forge failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/inbox.h"
#include "cli/cli.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/context.h"
#include "forge/git.h"
#include "forge/github.h"

static const char cmd_inbox_usage[] =
	"tend inbox [--dry-run] [--repo OWNER/NAME] [options]";

static const char cmd_inbox_description[] =
	"Carry out the commands people with write access give in comments on\n"
	"issues and pull/merge requests, and answer each once in its thread:\n"
	"`/tend review`, `/tend fix`, `/tend ask QUESTION` (or `@tend\n"
	"QUESTION`), `/tend do` (an issue: as tend tasks --issue N) and\n"
	"`/tend help`. In a GitHub issue_comment or pull_request_review_comment\n"
	"workflow it takes the event's comment; elsewhere (a GitLab pipeline\n"
	"schedule) it looks at the comments of the last chatops.inbox_days\n"
	"days. What was answered is kept on the forge (tend's reply and its\n"
	"eyes reaction), so no command runs twice. --dry-run lists what would\n"
	"run and writes nothing.\n"
	"\n"
	"Exit status: 0 done or nothing to do, 1 a command did not succeed,\n"
	"2 usage or configuration error, 3 the forge failed.";

static char *cmd_inbox_run_id(void)
{
	const char *gh = getenv("GITHUB_RUN_ID"), *gl = getenv("CI_JOB_ID");
	const char *att = getenv("GITHUB_RUN_ATTEMPT");

	if (gh && *gh)
		return xasprintf("github-%s-%s", gh, att && *att ? att : "1");
	if (gl && *gl)
		return xasprintf("gitlab-%s", gl);
	return NULL;
}

/*
 * A GitHub comment event: 1 with the comment, 0 when this run is not one
 * (poll), -1 when it is one with nothing to do (an edit, a deletion).
 */
static int cmd_inbox_event(struct forge_comment *c, struct buf *err)
{
	const char *name = getenv("GITHUB_EVENT_NAME");
	const char *path = getenv("GITHUB_EVENT_PATH");
	struct buf text = BUF_INIT;
	char *action = NULL;
	FILE *f;
	char chunk[8192];
	size_t n;
	int rc;

	if (!name || (strcmp(name, "issue_comment") &&
		      strcmp(name, "pull_request_review_comment")))
		return 0;
	if (!path || !*path || !(f = fopen(path, "rb")))
		return error_set(err, TEND_EINVALID, "a %s event without its "
				 "payload (GITHUB_EVENT_PATH)", name);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	       text.len < (16u << 20))
		buf_add(&text, chunk, n);
	fclose(f);
	rc = forge_github_parse_comment_event(text.ptr ? text.ptr : "",
					      text.len, c, &action, err);
	buf_release(&text);
	if (rc < 0) {
		free(action);
		return rc;
	}
	rc = action && !strcmp(action, "created") ? 1 : -1;
	if (rc < 0)
		log_info("a comment was %s: commands run when they are "
			 "written, not when they are edited",
			 action ? action : "changed");
	free(action);
	return rc;
}

static void cmd_inbox_text(struct buf *out,
			   const struct actions_inbox_outcome *oc)
{
	size_t i;

	buf_printf(out, "tend inbox: %zu comment%s looked at, %zu command%s\n",
		   oc->comments, oc->comments == 1 ? "" : "s", oc->nr,
		   oc->nr == 1 ? "" : "s");
	for (i = 0; i < oc->nr; i++) {
		const struct actions_inbox_item *it = &oc->items[i];

		buf_printf(out, "%s #%ld, comment %s by @%s: /tend %s: %s",
			   it->on_pr ? "pr" : "issue", it->number,
			   it->comment_id, it->author ? it->author : "?",
			   actions_chatops_verb_name(it->verb),
			   actions_inbox_status_name(it->status));
		if (it->why)
			buf_printf(out, " (%s)", it->why);
		buf_puts(out, "\n");
		if (it->reply_url)
			buf_printf(out, "  %s\n", it->reply_url);
	}
	buf_printf(out, "forge: %lu reads, %lu writes; total %.1f s\n",
		   oc->stats.reads, oc->stats.writes, oc->total_ms / 1000.0);
}

static int cmd_inbox_json(struct buf *out,
			  const struct actions_inbox_outcome *oc)
{
	json_t *o = json_object(), *items = json_array();
	char *text;
	size_t i;

	for (i = 0; i < oc->nr; i++) {
		const struct actions_inbox_item *it = &oc->items[i];
		json_t *x = json_object();

		json_object_set_new(x, "comment",
				    jsonutil_string(it->comment_id));
		json_object_set_new(x, "number", json_integer(it->number));
		json_object_set_new(x, "on_pr", json_boolean(it->on_pr));
		json_object_set_new(x, "author", jsonutil_string(
			it->author ? it->author : ""));
		json_object_set_new(x, "command", json_string(
			actions_chatops_verb_name(it->verb)));
		json_object_set_new(x, "status", json_string(
			actions_inbox_status_name(it->status)));
		json_object_set_new(x, "why", jsonutil_string(
			it->why ? it->why : ""));
		if (it->reply_url)
			json_object_set_new(x, "reply",
					    jsonutil_string(it->reply_url));
		json_array_append_new(items, x);
	}
	json_object_set_new(o, "comments",
			    json_integer((json_int_t)oc->comments));
	json_object_set_new(o, "commands", items);
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

int cmd_inbox(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *dir = NULL, *repo_name = NULL;
	const struct cli_option opts[] = {
		OPT_STRING(0, "repo", &repo_name, "OWNER/NAME", "the repository (default: from CI or origin)"),
		OPT_STRING('C', NULL, &dir, "DIR", "run as if tend was started in DIR"),
		CLI_COMMON_OPTIONS(&c),
		OPT_END()
	};
	struct actions_inbox_opts io = { 0 };
	struct actions_inbox_outcome oc;
	struct forge_context ctx;
	struct forge_context_opts copts = { 0 };
	struct forge_comment event;
	struct buf err = BUF_INIT, out = BUF_INIT, e2 = BUF_INIT;
	git_repository *repo = NULL;
	char **rest = NULL, *root = NULL, *run_id = NULL, *remote = NULL;
	int nrest, rc, exit_code = CLI_EXIT_USAGE, json = 0, ev = 0;
	size_t i;

	actions_inbox_outcome_init(&oc);
	forge_context_init(&ctx);
	forge_comment_init(&event);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_inbox_usage, cmd_inbox_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_inbox_usage);
		goto out;
	}
	if (c.format && !strcmp(c.format, "json")) {
		json = 1;
	} else if (c.format && strcmp(c.format, "text")) {
		cli_error("'tend inbox' writes text or json, not '%s'",
			  c.format);
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
	if ((ev = cmd_inbox_event(&event, &err)) < 0 && err.len) {
		cli_error("%s", err.ptr);
		goto out;
	}
	if (ev < 0) {
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	run_id = cmd_inbox_run_id();
	io.root = root;
	io.config_path = c.config;
	io.ctx = &ctx;
	io.event = ev > 0 ? &event : NULL;
	io.dry_run = c.dry_run;
	io.run_id = run_id;
	rc = actions_inbox_run(&oc, &io, &err);
	if (json)
		cmd_inbox_json(&out, &oc);
	else
		cmd_inbox_text(&out, &oc);
	if (cli_write_output(c.output, out.ptr, out.len, &e2) < 0) {
		cli_error("%s", e2.ptr);
		goto out;
	}
	if (rc < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EINVALID || rc == TEND_ENOTFOUND ?
			    CLI_EXIT_USAGE : CLI_EXIT_SERVICE;
		goto out;
	}
	exit_code = CLI_EXIT_OK;
	for (i = 0; i < oc.nr; i++)
		if (oc.items[i].status == ACTIONS_INBOX_FAILED)
			exit_code = CLI_EXIT_FINDINGS;
out:
	actions_inbox_outcome_release(&oc);
	forge_context_release(&ctx);
	forge_comment_release(&event);
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
