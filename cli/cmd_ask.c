/*
 * cmd_ask.c - `tend ask "QUESTION"`: options, the work tree and the
 * configuration it may trust, for --pr/--mr the pull request's diff and
 * text, and what the answer says and returns.
 *
 * Exit status: 0 answered; 1 no answer (a budget stopped the agent, or
 * the model gave none); 2 usage or configuration error (no question, no
 * model, a checkout that is not the pull request's head); 3 the model or
 * the forge failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <git2.h>
#include <jansson.h>

#include "actions/ask.h"
#include "actions/rules.h"
#include "actions/trust.h"
#include "cli/cli.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/context.h"
#include "forge/forge.h"
#include "forge/git.h"

static const char cmd_ask_usage[] =
	"tend ask \"QUESTION\" [--pr N | --mr N] [--repo OWNER/NAME] [-C DIR] "
	"[--format text|json|markdown] [--config FILE]";

static const char cmd_ask_description[] =
	"Answer a question about the repository from its files, with\n"
	"citations tend checks: a citation whose quote is not in the lines it\n"
	"names is dropped, and the answer says so. With --pr/--mr N the\n"
	"question is about that pull/merge request: its diff and text are\n"
	"shown to the agent, the checkout must be its head, and citations\n"
	"link to the head commit.\n"
	"\n"
	"Exit status: 0 answered, 1 no answer (budget, or the model gave\n"
	"none), 2 usage or configuration error, 3 the model or forge failed.";

/* What --pr/--mr adds: the PR, its diff and text, the trust, links. */
struct cmd_ask_pr {
	struct forge_context ctx;
	struct forge *forge;
	struct forge_pr pr;
	struct buf diff, text;
	char *link_base;
	int gitlab;
};

/* The diff as the forge lists it, for a checkout without the base. */
static int cmd_ask_forge_diff(struct cmd_ask_pr *p, struct buf *err)
{
	struct forge_files files;
	size_t i;
	int rc;

	forge_files_init(&files);
	if ((rc = forge_list_files(p->forge, &p->pr, &files, err)) < 0)
		goto out;
	for (i = 0; i < files.nr; i++) {
		const struct forge_file *f = &files.items[i];
		const char *old = f->old_path ? f->old_path : f->path;

		buf_printf(&p->diff, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n",
			   old, f->path, old, f->path);
		if (f->patch) {
			buf_puts(&p->diff, f->patch);
			if (p->diff.len && p->diff.ptr[p->diff.len - 1] != '\n')
				buf_putc(&p->diff, '\n');
		} else {
			buf_puts(&p->diff, f->binary ? "[binary file]\n" :
				 "[the forge shows no patch for this file]\n");
		}
	}
out:
	forge_files_release(&files);
	return rc;
}

/*
 * The pull request of --pr/--mr: the checkout must be its head; a fork's
 * head configures nothing (the trust moves to the merge-base); its diff
 * from the checkout (the forge's files when the base is not there).
 */
static int cmd_ask_open_pr(struct cmd_ask_pr *p, git_repository *repo,
			   const git_oid *head, struct actions_trust *trust,
			   long pr, long mr, const char *repo_name,
			   struct buf *err)
{
	struct forge_context_opts copts = { 0 };
	char *remote = forge_context_remote_url(".");
	git_oid base, mb;
	int rc, have_mb = 0;

	copts.kind = pr ? FORGE_GITHUB : FORGE_GITLAB;
	copts.number = pr ? pr : mr;
	copts.repo = repo_name;
	copts.remote_url = remote;
	rc = forge_context_detect(&p->ctx, &copts, err);
	free(remote);
	if (rc < 0)
		return rc;
	if ((rc = forge_open(&p->forge, &p->ctx, err)) < 0 ||
	    (rc = forge_get_pr(p->forge, copts.number, &p->pr, err)) < 0)
		return rc;
	if (!p->pr.head_sha || strcasecmp(p->pr.head_sha,
					  git_oid_tostr_s(head)))
		return error_set(err, TEND_EINVALID, "the checkout is at "
				 "%.12s, the pull request's head is %.12s: "
				 "check out the head first",
				 git_oid_tostr_s(head), p->pr.head_sha ?
				 p->pr.head_sha : "(unknown)");
	if (p->pr.base_sha &&
	    forge_git_resolve(&base, repo, p->pr.base_sha, err) == 0) {
		if (forge_git_merge_base(&mb, repo, &base, head, err) < 0)
			git_oid_cpy(&mb, &base);
		have_mb = 1;
	}
	buf_reset(err);
	if (p->pr.fork != 0 || p->ctx.fork == 1) {
		if (!have_mb)
			return error_set(err, TEND_EINVALID, "the checkout "
					 "lacks the base commit %s; fetch the "
					 "full history (fetch-depth: 0)",
					 p->pr.base_sha ? p->pr.base_sha :
					 "(none)");
		actions_trust_set_base(trust, repo, &mb);
	}
	if (have_mb)
		rc = forge_git_diff_text(&p->diff, repo, &mb, head, err);
	else
		rc = cmd_ask_forge_diff(p, err);
	if (rc < 0)
		return rc;
	buf_printf(&p->text, "%s #%ld", p->ctx.kind == FORGE_GITLAB ?
		   "Merge request" : "Pull request", p->pr.number);
	if (p->pr.author)
		buf_printf(&p->text, " by %s", p->pr.author);
	buf_printf(&p->text, ": %s\n", p->pr.title ? p->pr.title : "");
	if (p->pr.body && *p->pr.body)
		buf_printf(&p->text, "\n%s\n", p->pr.body);
	p->gitlab = p->ctx.kind == FORGE_GITLAB;
	if (p->ctx.server_url && p->ctx.repo)
		p->link_base = xasprintf("%s/%s/%sblob/%s/",
					 p->ctx.server_url, p->ctx.repo,
					 p->gitlab ? "-/" : "",
					 git_oid_tostr_s(head));
	return 0;
}

static int cmd_ask_json(struct buf *out, const struct actions_ask_outcome *oc)
{
	json_t *o = json_object(), *cits = json_array(), *models =
		json_array();
	char *text;
	size_t i;

	json_object_set_new(o, "answered", json_boolean(oc->answered));
	json_object_set_new(o, "answer", jsonutil_string(
		oc->answer_text ? oc->answer_text : ""));
	json_object_set_new(o, "markdown", jsonutil_string(
		oc->answer_md ? oc->answer_md : ""));
	json_object_set_new(o, "cited", json_integer((json_int_t)oc->nr_cited));
	json_object_set_new(o, "dropped",
			    json_integer((json_int_t)oc->nr_dropped));
	for (i = 0; i < oc->nr_citations; i++) {
		const struct actions_ask_citation *c = &oc->citations[i];
		json_t *x = json_object();

		if (c->number)
			json_object_set_new(x, "number",
					    json_integer(c->number));
		json_object_set_new(x, "path", jsonutil_string(c->path));
		json_object_set_new(x, "line", json_integer(c->line));
		json_object_set_new(x, "end_line", json_integer(c->end_line));
		json_object_set_new(x, "quote", jsonutil_string(c->quote));
		if (c->link)
			json_object_set_new(x, "link", jsonutil_string(c->link));
		if (c->dropped)
			json_object_set_new(x, "dropped",
					    jsonutil_string(c->dropped));
		json_array_append_new(cits, x);
	}
	json_object_set_new(o, "citations", cits);
	if (oc->stop)
		json_object_set_new(o, "stop", jsonutil_string(oc->stop));
	for (i = 0; i < oc->nr_models; i++)
		json_array_append_new(models, jsonutil_string(oc->models[i]));
	json_object_set_new(o, "models", models);
	json_object_set_new(o, "tokens_in", json_integer(oc->tokens_in));
	json_object_set_new(o, "tokens_out", json_integer(oc->tokens_out));
	json_object_set_new(o, "cost_usd", json_real(oc->cost_usd));
	json_object_set_new(o, "cost_known", json_boolean(!oc->cost_unknown));
	json_object_set_new(o, "ms", json_integer(oc->ms));
	text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		return -1;
	buf_puts(out, text);
	buf_putc(out, '\n');
	free(text);
	return 0;
}

int cmd_ask(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *dir = NULL, *repo_name = NULL;
	long pr = 0, mr = 0;
	const struct cli_option opts[] = {
		OPT_INT(0, "pr", &pr, "N", "ask about GitHub pull request N"),
		OPT_INT(0, "mr", &mr, "N", "ask about GitLab merge request N"),
		OPT_STRING(0, "repo", &repo_name, "OWNER/NAME", "the repository of --pr/--mr (default: from CI or origin)"),
		OPT_STRING('C', NULL, &dir, "DIR", "run as if tend was started in DIR"),
		CLI_COMMON_OPTIONS(&c),
		OPT_END()
	};
	struct actions_ask_opts ao = { 0 };
	struct actions_ask_outcome oc;
	struct actions_trust trust;
	struct tend_config cfg;
	struct review_rules rules;
	struct cmd_ask_pr p;
	struct buf err = BUF_INIT, out = BUF_INIT, question = BUF_INIT;
	git_repository *repo = NULL;
	git_oid head;
	char **rest = NULL, *root = NULL;
	int nrest, rc, i, exit_code = CLI_EXIT_USAGE, json = 0, md = 0;

	actions_ask_outcome_init(&oc);
	config_init(&cfg);
	review_rules_init(&rules);
	memset(&p, 0, sizeof(p));
	forge_context_init(&p.ctx);
	forge_pr_init(&p.pr);
	actions_trust_init(&trust, ".");
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_ask_usage, cmd_ask_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	for (i = 0; i < nrest; i++)
		buf_printf(&question, "%s%s", i ? " " : "", rest[i]);
	buf_rtrim(&question);
	if (!question.len || strspn(question.ptr, " \t\r\n") == question.len) {
		cli_error("no question given\nusage: %s", cmd_ask_usage);
		goto out;
	}
	if ((pr && mr) || pr < 0 || mr < 0) {
		cli_error("give one positive --pr (GitHub) or --mr (GitLab)");
		goto out;
	}
	if (!c.format || !strcmp(c.format, "text")) {
		;
	} else if (!strcmp(c.format, "json")) {
		json = 1;
	} else if (!strcmp(c.format, "markdown")) {
		md = 1;
	} else {
		cli_error("'tend ask' writes text, json or markdown, not '%s'",
			  c.format);
		goto out;
	}
	if (c.no_llm) {
		cli_error("tend ask needs a model; --no-llm does not apply");
		goto out;
	}
	if (dir && chdir(dir) < 0) {
		cli_error("cannot change to directory '%s'", dir);
		goto out;
	}
	if ((rc = forge_git_open(&repo, ".", &err)) < 0 ||
	    (rc = forge_git_resolve(&head, repo, "HEAD", &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	root = cli_config_root(forge_git_workdir(repo));
	actions_trust_init(&trust, root);
	if ((pr || mr) &&
	    (rc = cmd_ask_open_pr(&p, repo, &head, &trust, pr, mr, repo_name,
				  &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EINVALID || rc == TEND_ENOTFOUND ?
			    CLI_EXIT_USAGE : CLI_EXIT_SERVICE;
		goto out;
	}
	if (trust.untrusted)
		log_info("a pull request from a fork: the configuration comes "
			 "from the base commit, not from the pull request");
	if ((rc = actions_trust_load_config(&cfg, &trust, c.config,
					    &err)) < 0 ||
	    (rc = actions_rules_load(&rules, NULL, &cfg, &trust, &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}

	ao.root = root;
	ao.cfg = &cfg;
	ao.rules = &rules;
	ao.question = question.ptr;
	ao.context = p.text.len ? p.text.ptr : NULL;
	ao.diff = p.diff.len ? p.diff.ptr : NULL;
	ao.link_base = p.link_base;
	ao.gitlab_links = p.gitlab;
	ao.trust = &trust;
	if ((rc = actions_ask_run(&oc, &ao, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EINVALID || rc == TEND_ENOTFOUND ?
			    CLI_EXIT_USAGE : CLI_EXIT_SERVICE;
		goto out;
	}
	if (json)
		cmd_ask_json(&out, &oc);
	else
		buf_puts(&out, md ? oc.answer_md : oc.answer_text);
	if (cli_write_output(c.output, out.ptr, out.len, &err) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	if (oc.model_error) {
		cli_error("%s", oc.stop ? oc.stop : "the model failed");
		exit_code = CLI_EXIT_SERVICE;
	} else if (!oc.answered) {
		exit_code = CLI_EXIT_FINDINGS;
	} else {
		exit_code = CLI_EXIT_OK;
	}
out:
	actions_ask_outcome_release(&oc);
	actions_trust_release(&trust);
	config_release(&cfg);
	review_rules_release(&rules);
	forge_free(p.forge);
	forge_pr_release(&p.pr);
	forge_context_release(&p.ctx);
	buf_release(&p.diff);
	buf_release(&p.text);
	free(p.link_base);
	git_repository_free(repo);
	buf_release(&err);
	buf_release(&out);
	buf_release(&question);
	free(rest);
	free(root);
	return exit_code;
}
