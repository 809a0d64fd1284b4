/*
 * inbox.c - the `tend inbox` job (see inbox.h): find the commands in
 * comments, decide who may command, acknowledge, carry each out once and
 * answer once where it was asked.
 *
 * The commands themselves are the other jobs: review (review_pr.c), fix
 * (fix.c), ask (ask.c), do (tasks.c). This file owns what is ChatOps'
 * own: the once-only bookkeeping kept on the forge, the permission rule,
 * the polite word to outsiders, and the work tree each command runs in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "actions/act.h"
#include "actions/ask.h"
#include "actions/fix.h"
#include "actions/inbox.h"
#include "actions/learnings.h"
#include "actions/notify.h"
#include "actions/review.h"
#include "actions/review_pr.h"
#include "actions/rules.h"
#include "actions/tasks.h"
#include "actions/trust.h"
#include "common/error.h"
#include "common/feedback.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/publish.h"
#include "review/report.h"

/* The marker of a polite reply to an outsider, per thread. */
#define INBOX_OUTSIDER_MARK "<!-- tend:chatops-outsider n="

struct inbox_run {
	const struct actions_inbox_opts *opts;
	struct actions_inbox_outcome *oc;
	struct tend_config cfg;
	struct actions_trust trust;
	struct review_rules rules;
	git_repository *repo;
	struct forge *forge;
	char run_id[80];
	char **handled;		/* comment ids tend answered */
	size_t nr_handled;
	char **told;		/* "pr:N" / "issue:N" told they cannot */
	size_t nr_told;
	size_t seq;		/* work trees made */
	char **who;		/* permission answers: login -> can[] */
	int *can;
	size_t nr_who;
	long notes_of;		/* the PR whose notes are in `notes`; 0 */
	struct forge_notes notes;	/* for replies to tend's comments */
};

void actions_inbox_outcome_init(struct actions_inbox_outcome *oc)
{
	memset(oc, 0, sizeof(*oc));
}

void actions_inbox_outcome_release(struct actions_inbox_outcome *oc)
{
	size_t i;

	for (i = 0; i < oc->nr; i++) {
		free(oc->items[i].comment_id);
		free(oc->items[i].author);
		free(oc->items[i].why);
		free(oc->items[i].reply_url);
	}
	free(oc->items);
	actions_inbox_outcome_init(oc);
}

const char *actions_inbox_status_name(enum actions_inbox_status s)
{
	switch (s) {
	case ACTIONS_INBOX_RAN: return "ran";
	case ACTIONS_INBOX_FAILED: return "failed";
	case ACTIONS_INBOX_PLANNED: return "planned";
	case ACTIONS_INBOX_HANDLED: return "handled before";
	case ACTIONS_INBOX_OUTSIDER: return "outsider";
	case ACTIONS_INBOX_BOT: return "bot";
	}
	return "?";
}

static long inbox_now_s(const struct inbox_run *run)
{
	return run->opts->now_s ? run->opts->now_s() : (long)time(NULL);
}

static struct actions_inbox_item *inbox_item(struct inbox_run *run,
					     const struct forge_comment *c,
					     enum actions_chatops_verb verb)
{
	struct actions_inbox_outcome *oc = run->oc;
	struct actions_inbox_item *it;

	oc->items = xrealloc(oc->items, (oc->nr + 1) * sizeof(*oc->items));
	it = &oc->items[oc->nr++];
	memset(it, 0, sizeof(*it));
	it->comment_id = xstrdup(c->id);
	it->number = c->number;
	it->on_pr = c->on_pr;
	it->author = c->author ? xstrdup(c->author) : NULL;
	it->verb = verb;
	it->cost_usd = -1;
	return it;
}

static void inbox_why(struct actions_inbox_item *it,
		      enum actions_inbox_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void inbox_why(struct actions_inbox_item *it,
		      enum actions_inbox_status s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	redact_buf(&b);
	free(it->why);
	it->why = buf_detach(&b, NULL);
	it->status = s;
}

/* The id after `mark` in `body` (letters, digits, '-', '_', ':'), or NULL. */
static char *inbox_marked_id(const char *body, const char *mark)
{
	const char *p = body ? strstr(body, mark) : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += strlen(mark);
	n = strspn(p, "0123456789abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_:");
	return n ? xstrndup(p, n) : NULL;
}

/* What tend's own comments say was done: answers and polite words. */
static void inbox_learn(struct inbox_run *run, const struct forge_comments *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		const struct forge_comment *c = &l->items[i];
		char *id;

		if (!c->own)
			continue;
		if ((id = inbox_marked_id(c->body, ACTIONS_INBOX_MARK))) {
			actions_act_strv_add(&run->handled, &run->nr_handled,
					     id);
			free(id);
		}
		if ((id = inbox_marked_id(c->body, INBOX_OUTSIDER_MARK))) {
			actions_act_strv_add(&run->told, &run->nr_told, id);
			free(id);
		}
	}
}

/*
 * A reply on a line of a pull request that rejects what it answers and
 * says why (common/feedback.h): a candidate learning when the thread
 * turns out to be one of tend's review comments. The reason's span in
 * *reason / *len (either may be NULL).
 */
static int inbox_rejects(const struct forge_comment *c, const char **reason,
			 size_t *len)
{
	const char *r = NULL;
	size_t n = 0;

	if (!c->body || !c->on_pr || !c->diff_note ||
	    (c->thread && !strcmp(c->thread, c->id)))
		return 0;
	if (feedback_classify(c->body, strlen(c->body), &r, &n) !=
	    FEEDBACK_REJECT || !r)
		return 0;
	if (reason)
		*reason = r;
	if (len)
		*len = n;
	return 1;
}

/* Does any comment hold a command or one of tend's markers? */
static int inbox_anything(const struct forge_comments *l)
{
	struct actions_chatops_cmd cmd;
	size_t i;

	for (i = 0; i < l->nr; i++) {
		const char *b = l->items[i].body;

		if (!b)
			continue;
		if (strstr(b, ACTIONS_INBOX_MARK) ||
		    strstr(b, INBOX_OUTSIDER_MARK))
			return 1;
		if (actions_chatops_parse(&cmd, b, strlen(b))) {
			actions_chatops_cmd_release(&cmd);
			return 1;
		}
		if (inbox_rejects(&l->items[i], NULL, NULL))
			return 1;
	}
	return 0;
}

/* "pr:12" or "issue:4": a thread, as the outsider marker names it. */
static char *inbox_thread_key(const struct forge_comment *c)
{
	return xasprintf("%s:%ld", c->on_pr ? "pr" : "issue", c->number);
}

static int inbox_is_bot(const struct forge_comment *c)
{
	size_t n = c->author ? strlen(c->author) : 0;

	return c->author_is_bot ||
	       (n >= 5 && !strcasecmp(c->author + n - 5, "[bot]"));
}

/* The reply: the marker, a mention, the text, what it cost. */
static char *inbox_reply_body(struct inbox_run *run,
			      const struct forge_comment *c,
			      const char *text, double cost)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, ACTIONS_INBOX_MARK "%s -->\n", c->id);
	if (c->author)
		buf_printf(&b, "@%s ", c->author);
	buf_puts(&b, text);
	buf_rtrim(&b);
	buf_printf(&b, "\n\n<sub>tend · run %s", run->run_id);
	if (cost >= 0)
		buf_printf(&b, " · $%.4f", cost);
	buf_puts(&b, "</sub>\n");
	redact_buf(&b);
	return buf_detach(&b, NULL);
}

static int inbox_reply(struct inbox_run *run, const struct forge_comment *c,
		       struct actions_inbox_item *it, const char *text,
		       double cost, struct buf *err)
{
	char *body = inbox_reply_body(run, c, text, cost);
	char *marker = xasprintf(ACTIONS_INBOX_MARK "%s -->", c->id);
	int rc;

	rc = forge_reply(run->forge, c, body, marker, &it->reply_url, err);
	if (rc == 0)
		actions_act_strv_add(&run->handled, &run->nr_handled, c->id);
	free(body);
	free(marker);
	return rc;
}

/* ---- where a command runs ----------------------------------------- */

/*
 * The pull request's head, in a linked work tree of its own: *dir_out
 * (caller frees) and the work tree's name for forge_git_worktree_drop().
 */
static int inbox_checkout_pr(struct inbox_run *run,
			     const struct forge_comment *c, char **dir_out,
			     char **name_out, git_oid *head, struct buf *err)
{
	const struct forge_context *ctx = run->opts->ctx;
	struct actions_act act;
	const char *tmp = getenv("RUNNER_TEMP");
	char *remote, *local, tmpl[4096];
	int found = 0, rc;

	*dir_out = NULL;
	*name_out = NULL;
	memset(&act, 0, sizeof(act));
	act.repo = run->repo;
	remote = forge_kind(run->forge) == FORGE_GITLAB ?
		 xasprintf("refs/merge-requests/%ld/head", c->number) :
		 xasprintf("refs/pull/%ld/head", c->number);
	local = xasprintf("refs/tend/inbox/%ld", c->number);
	rc = actions_act_fetch_ref(&act, ctx, remote, local, head, &found,
				   err);
	if (rc == 0 && !found)
		rc = error_set(err, TEND_ENOTFOUND, "the forge has no %s",
			       remote);
	if (rc < 0)
		goto out;
	if (!tmp || !*tmp)
		tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/tend-inbox-XXXXXX", tmp);
	if (!mkdtemp(tmpl)) {
		rc = error_set(err, TEND_ERROR, "cannot make a directory under "
			       "'%s'", tmp);
		goto out;
	}
	/* git makes the work tree itself: the directory must not exist. */
	rmdir(tmpl);
	*name_out = xasprintf("tend-inbox-%ld-%d-%zu", c->number,
			      (int)getpid(), run->seq++);
	if ((rc = forge_git_worktree_add(run->repo, *name_out, tmpl, head,
					 err)) < 0) {
		free(*name_out);
		*name_out = NULL;
		goto out;
	}
	*dir_out = xstrdup(tmpl);
out:
	free(remote);
	free(local);
	return rc;
}

static void inbox_drop(struct inbox_run *run, char *dir, char *name)
{
	struct buf err = BUF_INIT;

	if (name && forge_git_worktree_drop(run->repo, name, &err) < 0)
		log_warn("%s", err.ptr);
	buf_release(&err);
	free(dir);
	free(name);
}

/* The forge's context for pull request `number`: the run's, renumbered. */
static void inbox_pr_ctx(struct forge_context *out,
			 const struct forge_context *ctx, long number)
{
	*out = *ctx;
	out->number = number;
	out->head_sha = out->base_sha = NULL;
	out->head_ref = out->base_ref = out->head_repo = NULL;
	out->fork = -1;
	out->trigger_event = out->trigger_conclusion = NULL;
	out->trigger_url = NULL;
	/* Reports go to the thread, not to this job's summary. */
	out->step_summary = out->output_file = NULL;
}

/* ---- the commands -------------------------------------------------- */

static int inbox_review(struct inbox_run *run, const struct forge_comment *c,
			struct buf *reply, struct buf *err)
{
	struct actions_pr_opts popts = { 0 };
	struct actions_pr_outcome oc;
	struct review_result result;
	struct forge_context pctx;
	char *dir = NULL, *name = NULL;
	git_oid head;
	int rc;

	review_result_init(&result);
	actions_pr_outcome_init(&oc);
	if ((rc = inbox_checkout_pr(run, c, &dir, &name, &head, err)) < 0)
		goto out;
	inbox_pr_ctx(&pctx, run->opts->ctx, c->number);
	popts.review.repo_path = dir;
	popts.ctx = &pctx;
	popts.config_root = dir;
	popts.config_path = run->opts->config_path;
	if ((rc = actions_review_pr(&result, &popts, &oc, err)) < 0)
		goto out;
	buf_printf(reply, "reviewed %.12s: %zu finding%s", git_oid_tostr_s(&head),
		   result.findings.nr, result.findings.nr == 1 ? "" : "s");
	if (oc.summary_url)
		buf_printf(reply, "; the summary: %s", oc.summary_url);
	else if (oc.readonly)
		buf_puts(reply, "; the token cannot write, so nothing was "
			 "published");
	buf_puts(reply, ".");
	rc = result.fail_level != REVIEW_SEV_NONE &&
	     review_result_max(&result) >= result.fail_level ? 1 : 0;
out:
	inbox_drop(run, dir, name);
	actions_pr_outcome_release(&oc);
	review_result_release(&result);
	return rc;
}

static int inbox_fix(struct inbox_run *run, const struct forge_comment *c,
		     struct buf *reply, double *cost, struct buf *err)
{
	struct actions_fix_opts fo = { 0 };
	struct actions_fix_outcome oc;
	struct forge_context pctx;
	char *dir = NULL, *name = NULL;
	git_oid head;
	int rc;

	actions_fix_outcome_init(&oc);
	if ((rc = inbox_checkout_pr(run, c, &dir, &name, &head, err)) < 0)
		goto out;
	inbox_pr_ctx(&pctx, run->opts->ctx, c->number);
	fo.root = dir;
	fo.config_path = run->opts->config_path;
	fo.ctx = &pctx;
	fo.run_id = run->run_id;
	if ((rc = actions_fix_run(&oc, &fo, err)) < 0)
		goto out;
	buf_printf(reply, "`tend fix`: **%s**", actions_fix_status_name(
		   oc.status));
	if (oc.why)
		buf_printf(reply, ": %s", oc.why);
	if (oc.report_url)
		buf_printf(reply, " (the report: %s)", oc.report_url);
	buf_puts(reply, ".");
	*cost = oc.cost_usd;
	rc = oc.status == ACTIONS_FIX_PUSHED ||
	     oc.status == ACTIONS_FIX_NOTHING ||
	     oc.status == ACTIONS_FIX_SUGGESTED ? 0 : 1;
out:
	inbox_drop(run, dir, name);
	actions_fix_outcome_release(&oc);
	return rc;
}

/* "https://host/o/r/blob/SHA/" or GitLab's "https://host/g/p/-/blob/SHA/". */
static char *inbox_link_base(const struct inbox_run *run, const git_oid *at)
{
	const struct forge_context *ctx = run->opts->ctx;
	size_t n = ctx->server_url ? strlen(ctx->server_url) : 0;

	if (!n || !ctx->repo)
		return NULL;
	while (n && ctx->server_url[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s/%sblob/%s/", (int)n, ctx->server_url,
			 ctx->repo, forge_kind(run->forge) == FORGE_GITLAB ?
			 "-/" : "", git_oid_tostr_s(at));
}

static int inbox_ask(struct inbox_run *run, const struct forge_comment *c,
		     const struct actions_chatops_cmd *cmd, struct buf *reply,
		     double *cost, struct buf *err)
{
	struct actions_ask_opts ao = { 0 };
	struct actions_ask_outcome oc;
	struct buf diff = BUF_INIT;
	char *dir = NULL, *name = NULL, *links = NULL;
	git_oid head, base, mb;
	int rc;

	actions_ask_outcome_init(&oc);
	if (c->on_pr) {
		struct forge_pr pr;

		if ((rc = inbox_checkout_pr(run, c, &dir, &name, &head,
					    err)) < 0)
			goto out;
		/* The change, as context: merge-base..head. */
		forge_pr_init(&pr);
		if (forge_get_pr(run->forge, c->number, &pr, err) == 0 &&
		    pr.base_sha &&
		    forge_git_resolve(&base, run->repo, pr.base_sha, err) == 0) {
			if (forge_git_merge_base(&mb, run->repo, &base, &head,
						 err) < 0)
				git_oid_cpy(&mb, &base);
			if (forge_git_diff_text(&diff, run->repo, &mb, &head,
						err) < 0)
				buf_reset(&diff);
		}
		buf_reset(err);
		forge_pr_release(&pr);
		ao.root = dir;
	} else {
		if ((rc = forge_git_resolve(&head, run->repo, "HEAD",
					    err)) < 0)
			goto out;
		ao.root = run->opts->root;
	}
	links = inbox_link_base(run, &head);
	ao.cfg = &run->cfg;
	ao.rules = &run->rules;
	ao.question = cmd->arg;
	ao.diff = diff.len ? diff.ptr : NULL;
	ao.asker = c->author;
	ao.link_base = links;
	ao.gitlab_links = forge_kind(run->forge) == FORGE_GITLAB;
	/* Learnings from the checkout (the default branch), not the head. */
	ao.trust = &run->trust;
	if ((rc = actions_ask_run(&oc, &ao, err)) < 0)
		goto out;
	buf_puts(reply, oc.answer_md ? oc.answer_md :
		 "tend could not answer.");
	*cost = oc.cost_usd;
	rc = oc.answer_md && oc.answered ? 0 : 1;
out:
	inbox_drop(run, dir, name);
	actions_ask_outcome_release(&oc);
	buf_release(&diff);
	free(links);
	return rc;
}

static int inbox_do(struct inbox_run *run, const struct forge_comment *c,
		    struct buf *reply, double *cost, struct buf *err)
{
	struct actions_tasks_opts to = { 0 };
	struct actions_tasks_outcome oc;
	const struct actions_task *t;
	int rc;

	actions_tasks_outcome_init(&oc);
	to.root = run->opts->root;
	to.config_path = run->opts->config_path;
	to.ctx = run->opts->ctx;
	to.issue = c->number;
	to.run_id = run->run_id;
	to.commander = c->author;
	to.commander_id = c->author_id;
	if ((rc = actions_tasks_run(&oc, &to, err)) < 0)
		goto out;
	if (!oc.nr) {
		buf_puts(reply, "nothing was done.");
		rc = 1;
		goto out;
	}
	t = &oc.tasks[0];
	buf_printf(reply, "`/tend do`: **%s**", actions_task_status_name(
		   t->status));
	if (t->why)
		buf_printf(reply, ": %s", t->why);
	if (t->pr_url)
		buf_printf(reply, " (%s)", t->pr_url);
	else if (t->tracking_url)
		buf_printf(reply, " (the report: %s)", t->tracking_url);
	buf_puts(reply, ".");
	*cost = oc.cost_usd;
	rc = t->status == ACTIONS_TASK_DONE ? 0 : 1;
out:
	actions_tasks_outcome_release(&oc);
	return rc;
}

/* ---- learnings ---------------------------------------------------- */

static int inbox_can_write(struct inbox_run *run,
			   const struct forge_comment *c, int *w,
			   struct buf *err);

/* The branch learnings are proposed to: the checkout's, as for tasks. */
static char *inbox_base_ref(struct inbox_run *run)
{
	const char *e;
	char *b;

	if (run->cfg.tasks.base)
		return xstrdup(run->cfg.tasks.base);
	if ((b = forge_git_head_branch(run->repo)))
		return b;
	if ((e = getenv("CI_DEFAULT_BRANCH")) && *e)
		return xstrdup(e);
	if ((e = getenv("CI_COMMIT_BRANCH")) && *e)
		return xstrdup(e);
	if ((e = getenv("GITHUB_REF")) && !strncmp(e, "refs/heads/", 11))
		return xstrdup(e + 11);
	return NULL;
}

/*
 * Where comment `c` is on the web, for an entry's attribution and as the
 * key that finds it proposed before: the forge's link, or (GitLab's note
 * events carry none) one made from the server and the project. Caller
 * frees; NULL when neither is known.
 */
static char *inbox_comment_link(struct inbox_run *run,
				const struct forge_comment *c)
{
	const struct forge_context *ctx = run->opts->ctx;
	size_t n = ctx->server_url ? strlen(ctx->server_url) : 0;

	if (c->url && *c->url)
		return xstrdup(c->url);
	if (!n || !ctx->repo)
		return NULL;
	while (n && ctx->server_url[n - 1] == '/')
		n--;
	if (forge_kind(run->forge) == FORGE_GITLAB)
		return xasprintf("%.*s/%s/-/%s/%ld#note_%s", (int)n,
				 ctx->server_url, ctx->repo, c->on_pr ?
				 "merge_requests" : "issues", c->number,
				 c->id);
	return xasprintf("%.*s/%s/%s/%ld#issuecomment-%s", (int)n,
			 ctx->server_url, ctx->repo, c->on_pr ? "pull" :
			 "issues", c->number, c->id);
}

/*
 * Propose `entry` (from the comment at `link`) on the standing branch
 * and say so in `reply`. 0 proposed (or before), 1 when it cannot be, with why, < 0
 * when the forge or git failed.
 */
static int inbox_propose(struct inbox_run *run, const char *link,
			 const char *entry, struct buf *reply,
			 struct buf *err)
{
	struct actions_learnings_proposal p = { 0 };
	struct actions_learnings_result res = { 0 };
	char *base = inbox_base_ref(run);
	int rc;

	if (!base) {
		buf_puts(reply, "tend cannot tell the default branch to "
			 "propose the learning to: set `tasks.base`.");
		return 1;
	}
	p.entry = entry;
	p.source = link;
	p.base_ref = base;
	p.author_name = run->cfg.fix.author_name ? run->cfg.fix.author_name :
			"tend[bot]";
	p.author_email = run->cfg.fix.author_email ?
			 run->cfg.fix.author_email :
			 "tend[bot]@users.noreply.github.com";
	rc = actions_learnings_propose(&res, run->forge, run->opts->ctx,
				       run->repo, &p, err);
	if (rc == TEND_EINVALID) {
		buf_printf(reply, "tend could not propose this learning: %s.",
			   err->ptr);
		buf_reset(err);
		rc = 1;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (res.already)
		buf_puts(reply, "this was proposed for the team's learnings "
			 "before");
	else
		buf_puts(reply, "proposed for the team's learnings");
	if (res.pr_url)
		buf_printf(reply, " in %s", res.pr_url);
	buf_puts(reply, ":\n\n");
	review_report_md_text(reply, entry, 2 * ACTIONS_LEARNINGS_TEXT_MAX);
	buf_puts(reply, "\n\nOnce merged, tend's agents read it for the files "
		 "it applies to.");
	rc = 0;
out:
	actions_learnings_result_release(&res);
	free(base);
	return rc;
}

/* `/tend remember [globs] text`. */
static int inbox_remember(struct inbox_run *run, const struct forge_comment *c,
			  const struct actions_chatops_cmd *cmd,
			  struct buf *reply, struct buf *err)
{
	char **globs = NULL, *text = NULL, *entry = NULL, *link;
	size_t nr = 0;
	int rc;

	if (actions_learnings_parse_remember(&globs, &nr, &text, cmd->arg,
					     err) < 0) {
		buf_printf(reply, "%s.", err->ptr);
		buf_reset(err);
		return 1;
	}
	link = inbox_comment_link(run, c);
	entry = actions_learnings_entry((const char *const *)globs, nr, text,
					strlen(text), c->author, link,
					&run->rules);
	rc = inbox_propose(run, link, entry, reply, err);
	free(link);
	actions_act_strv_free(globs, nr);
	free(text);
	free(entry);
	return rc;
}

/* `path` as a glob that matches only itself. */
static char *inbox_path_glob(const char *path)
{
	struct buf b = BUF_INIT;

	for (; *path; path++) {
		if (strchr("*?[]\\", *path))
			buf_putc(&b, '\\');
		buf_putc(&b, *path);
	}
	return buf_detach(&b, NULL);
}

/*
 * The review comment of tend's that reply `c` answers: its path in
 * *path (caller frees), or NULL when the thread is not one of tend's
 * review comments.
 */
static int inbox_tend_thread(struct inbox_run *run,
			     const struct forge_comment *c, char **path,
			     struct buf *err)
{
	struct forge_pr pr;
	struct forge_notes *notes = &run->notes;
	const struct forge_note *me = NULL;
	size_t i;
	int rc = 0;

	*path = NULL;
	forge_pr_init(&pr);
	/* Several replies on one pull request: its notes are read once. */
	if (run->notes_of != c->number) {
		forge_notes_release(notes);
		forge_notes_init(notes);
		run->notes_of = 0;
		if ((rc = forge_get_pr(run->forge, c->number, &pr, err)) < 0 ||
		    (rc = forge_list_notes(run->forge, &pr, notes, err)) < 0)
			goto out;
		run->notes_of = c->number;
	}
	for (i = 0; i < notes->nr && !me; i++)
		if (notes->items[i].id && !strcmp(notes->items[i].id, c->id))
			me = &notes->items[i];
	if (!me || !me->reply || !me->thread)
		goto out;
	for (i = 0; i < notes->nr; i++) {
		const struct forge_note *n = &notes->items[i];

		if (n->reply || !n->thread || strcmp(n->thread, me->thread))
			continue;
		if (n->own && n->path && n->body &&
		    strstr(n->body, REVIEW_MARK_FP))
			*path = xstrdup(n->path);
		break;
	}
out:
	forge_pr_release(&pr);
	return rc;
}

/*
 * A reply that rejects one of tend's review comments with a reason: from
 * someone with write access, a proposed learning scoped to the
 * comment's file. Anyone else's disagreement is only data for `tend
 * stats`: nothing is said to them (they asked for nothing).
 */
static int inbox_feedback(struct inbox_run *run, const struct forge_comment *c,
			  struct buf *err)
{
	struct actions_inbox_item *it;
	struct buf reply = BUF_INIT, e = BUF_INIT;
	const char *reason;
	char *path = NULL, *glob = NULL, *entry = NULL, *link = NULL;
	size_t len, i;
	int rc = 0, w = 0, seen, allowed = 0;

	if (c->own || !inbox_rejects(c, &reason, &len) ||
	    actions_act_strv_has(run->handled, run->nr_handled, c->id))
		return 0;
	for (i = 0; c->author && i < run->cfg.chatops.nr_allowed_bots; i++)
		if (!strcmp(run->cfg.chatops.allowed_bots[i], c->author))
			allowed = 1;
	if (inbox_is_bot(c) && !allowed)
		return 0;
	if (!allowed && (rc = inbox_can_write(run, c, &w, err)) < 0)
		return rc;
	if (!allowed && !w)
		return 0;
	if ((rc = inbox_tend_thread(run, c, &path, err)) < 0 || !path)
		goto out;
	it = inbox_item(run, c, ACTIONS_CHATOPS_REMEMBER);
	if ((rc = forge_reacted(run->forge, c, ACTIONS_INBOX_ACK, &seen,
				err)) < 0)
		goto out;
	if (seen) {
		inbox_why(it, ACTIONS_INBOX_HANDLED, "acknowledged before");
		goto out;
	}
	if (run->opts->dry_run) {
		inbox_why(it, ACTIONS_INBOX_PLANNED, "would propose a learning "
			  "for %s", path);
		goto out;
	}
	if ((rc = forge_react(run->forge, c, ACTIONS_INBOX_ACK, err)) < 0)
		goto out;
	log_info("comment %s by @%s on pull request #%ld rejects tend's "
		 "comment on %s with a reason: a learning", c->id, c->author,
		 c->number, path);
	glob = inbox_path_glob(path);
	link = inbox_comment_link(run, c);
	entry = actions_learnings_entry((const char *const *)&glob, 1, reason,
					len, c->author, link, &run->rules);
	rc = inbox_propose(run, link, entry, &reply, &e);
	if (rc < 0) {
		log_warn("comment %s: a learning failed: %s", c->id, e.ptr);
		buf_reset(&reply);
		buf_printf(&reply, "tend could not propose this as a "
			   "learning: %s", e.ptr);
	}
	inbox_why(it, rc == 0 ? ACTIONS_INBOX_RAN : ACTIONS_INBOX_FAILED,
		  "%s", rc == 0 ? "proposed a learning" : "no learning");
	rc = inbox_reply(run, c, it, reply.ptr, -1, err);
out:
	free(path);
	free(glob);
	free(link);
	free(entry);
	buf_release(&reply);
	buf_release(&e);
	return rc;
}

/* Tell Slack how a command that acts ended (a failure only warns). */
static void inbox_notify(struct inbox_run *run, const struct forge_comment *c,
			 const char *what, const struct buf *reply, int ok,
			 double cost)
{
	struct actions_notice n = { 0 };
	struct buf err = BUF_INIT;
	char *where = xasprintf("%s #%ld", c->on_pr ?
				(forge_kind(run->forge) == FORGE_GITLAB ?
				 "merge request" : "pull request") : "issue",
				c->number);

	n.what = what;
	n.repo = run->opts->ctx->repo;
	n.where = where;
	n.where_url = c->url;
	n.result = ok ? "done" : "findings at the fail level";
	n.ok = ok;
	n.detail = reply->ptr;
	n.link = c->url;
	n.link_text = "Open the thread";
	n.cost_usd = cost;
	if (actions_notify_slack(&run->cfg, &n, &err) < 0)
		log_warn("Slack: %s", err.ptr);
	buf_release(&err);
	free(where);
}

/* Carry out one command of a person who may give it, and answer it. */
static int inbox_carry_out(struct inbox_run *run,
			   const struct forge_comment *c,
			   const struct actions_chatops_cmd *cmd,
			   struct actions_inbox_item *it, struct buf *err)
{
	struct buf reply = BUF_INIT, e = BUF_INIT;
	double cost = -1;
	int rc = 0, ok, findings = 0;
	const char *what = NULL;

	switch (cmd->verb) {
	case ACTIONS_CHATOPS_REVIEW:
	case ACTIONS_CHATOPS_FIX:
		if (!c->on_pr) {
			buf_printf(&reply, "`/tend %s` works on pull/merge "
				   "requests; on an issue, try `/tend do`.",
				   actions_chatops_verb_name(cmd->verb));
			rc = 1;
			break;
		}
		/* fix tells Slack itself; a review's findings are told here. */
		what = cmd->verb == ACTIONS_CHATOPS_REVIEW ? "/tend review" :
		       NULL;
		rc = cmd->verb == ACTIONS_CHATOPS_FIX ?
		     inbox_fix(run, c, &reply, &cost, &e) :
		     inbox_review(run, c, &reply, &e);
		/* A review that finds something did its job. */
		if (cmd->verb == ACTIONS_CHATOPS_REVIEW && rc == 1) {
			findings = 1;
			rc = 0;
		}
		break;
	case ACTIONS_CHATOPS_ASK:
		rc = inbox_ask(run, c, cmd, &reply, &cost, &e);
		break;
	case ACTIONS_CHATOPS_DO:
		if (c->on_pr) {
			buf_puts(&reply, "`/tend do` carries out an issue; on "
				 "a pull/merge request, try `/tend fix` or "
				 "`/tend review`.");
			rc = 1;
			break;
		}
		rc = inbox_do(run, c, &reply, &cost, &e);
		break;
	case ACTIONS_CHATOPS_REMEMBER:
		rc = inbox_remember(run, c, cmd, &reply, &e);
		break;
	case ACTIONS_CHATOPS_UNKNOWN:
		buf_printf(&reply, "I do not know `/tend %s`.\n\n",
			   cmd->arg ? cmd->arg : "");
		buf_puts(&reply, actions_chatops_help());
		break;
	default:
		buf_puts(&reply, actions_chatops_help());
		break;
	}
	if (rc < 0) {
		/* The command failed: say so in the thread, once. */
		log_warn("comment %s: /tend %s failed: %s", c->id,
			 actions_chatops_verb_name(cmd->verb), e.ptr);
		buf_reset(&reply);
		buf_printf(&reply, "`/tend %s` failed: %s",
			   actions_chatops_verb_name(cmd->verb), e.ptr);
	}
	ok = rc == 0;
	it->cost_usd = cost;
	inbox_why(it, ok ? ACTIONS_INBOX_RAN : ACTIONS_INBOX_FAILED, "%s",
		  reply.len > 200 ? "answered" : reply.ptr);
	buf_reset(&e);
	if ((rc = inbox_reply(run, c, it, reply.ptr, cost, err)) < 0)
		goto out;
	if (what && findings)
		inbox_notify(run, c, what, &reply, 0, cost);
	rc = 0;
out:
	buf_release(&reply);
	buf_release(&e);
	return rc;
}

/* May the comment's author write? Asked once per person and run. */
static int inbox_can_write(struct inbox_run *run,
			   const struct forge_comment *c, int *w,
			   struct buf *err)
{
	size_t i;
	int rc;

	*w = 0;
	if (!c->author)
		return 0;
	for (i = 0; i < run->nr_who; i++)
		if (!strcasecmp(run->who[i], c->author)) {
			*w = run->can[i];
			return 0;
		}
	if ((rc = forge_user_can_write(run->forge, c->author, c->author_id, w,
				       err)) < 0)
		return rc;
	run->who = xrealloc(run->who, (run->nr_who + 1) * sizeof(*run->who));
	run->can = xrealloc(run->can, (run->nr_who + 1) * sizeof(*run->can));
	run->who[run->nr_who] = xstrdup(c->author);
	run->can[run->nr_who++] = *w;
	return 0;
}

/* One comment: a command? may its author give it? not done yet? */
static int inbox_one(struct inbox_run *run, const struct forge_comment *c,
		     struct buf *err)
{
	struct actions_chatops_cmd cmd;
	struct actions_inbox_item *it;
	size_t i;
	int rc = 0, w = 0, bot, allowed = 0, seen;

	if (c->own || !c->body)
		return 0;
	if (!actions_chatops_parse(&cmd, c->body, strlen(c->body)))
		return inbox_feedback(run, c, err);
	it = inbox_item(run, c, cmd.verb);
	if (actions_act_strv_has(run->handled, run->nr_handled, c->id)) {
		inbox_why(it, ACTIONS_INBOX_HANDLED, "answered before");
		goto out;
	}
	bot = inbox_is_bot(c);
	for (i = 0; c->author && i < run->cfg.chatops.nr_allowed_bots; i++)
		if (!strcmp(run->cfg.chatops.allowed_bots[i], c->author))
			allowed = 1;
	if (bot && !allowed) {
		inbox_why(it, ACTIONS_INBOX_BOT, "@%s is a bot not in "
			  "chatops.allowed_bots", c->author ? c->author :
			  "(deleted)");
		goto out;
	}
	if (!allowed && (rc = inbox_can_write(run, c, &w, err)) < 0)
		goto out;
	if (!allowed && !w) {
		char *key = inbox_thread_key(c);

		inbox_why(it, ACTIONS_INBOX_OUTSIDER, "@%s cannot write to "
			  "the repository", c->author ? c->author :
			  "(deleted)");
		if (run->cfg.chatops.reply_to_outsiders && !run->opts->dry_run &&
		    !actions_act_strv_has(run->told, run->nr_told, key)) {
			char *text = xasprintf(INBOX_OUTSIDER_MARK "%s -->\n"
					       "Thanks! tend takes commands "
					       "from people with write access "
					       "to this repository; a "
					       "maintainer can run it for "
					       "you.", key);

			rc = inbox_reply(run, c, it, text, -1, err);
			free(text);
			actions_act_strv_add(&run->told, &run->nr_told, key);
		}
		free(key);
		goto out;
	}
	/* Acknowledged by another run (or one that died while at it)? */
	if ((rc = forge_reacted(run->forge, c, ACTIONS_INBOX_ACK, &seen,
				err)) < 0)
		goto out;
	if (seen) {
		inbox_why(it, ACTIONS_INBOX_HANDLED, "acknowledged before");
		goto out;
	}
	if (run->opts->dry_run) {
		inbox_why(it, ACTIONS_INBOX_PLANNED, "would run /tend %s",
			  actions_chatops_verb_name(cmd.verb));
		goto out;
	}
	if ((rc = forge_react(run->forge, c, ACTIONS_INBOX_ACK, err)) < 0)
		goto out;
	log_info("comment %s by @%s on %s #%ld: /tend %s", c->id, c->author,
		 c->on_pr ? "pull request" : "issue", c->number,
		 actions_chatops_verb_name(cmd.verb));
	rc = inbox_carry_out(run, c, &cmd, it, err);
out:
	actions_chatops_cmd_release(&cmd);
	return rc;
}

static void inbox_release(struct inbox_run *run)
{
	actions_act_strv_free(run->handled, run->nr_handled);
	actions_act_strv_free(run->told, run->nr_told);
	actions_act_strv_free(run->who, run->nr_who);
	free(run->can);
	forge_notes_release(&run->notes);
	forge_free(run->forge);
	review_rules_release(&run->rules);
	actions_trust_release(&run->trust);
	config_release(&run->cfg);
	git_repository_free(run->repo);
}

int actions_inbox_run(struct actions_inbox_outcome *oc,
		      const struct actions_inbox_opts *opts, struct buf *err)
{
	struct inbox_run run;
	struct forge_comments list;
	long start = actions_act_now();
	char since[32];
	time_t from;
	struct tm tm;
	size_t i;
	int rc;

	memset(&run, 0, sizeof(run));
	run.opts = opts;
	run.oc = oc;
	forge_notes_init(&run.notes);
	config_init(&run.cfg);
	review_rules_init(&run.rules);
	forge_comments_init(&list);
	if (opts->run_id)
		snprintf(run.run_id, sizeof(run.run_id), "%s", opts->run_id);
	else
		snprintf(run.run_id, sizeof(run.run_id), "%lx-%x",
			 (unsigned long)time(NULL), (unsigned)getpid());
	if (!opts->ctx || opts->ctx->kind == FORGE_NONE) {
		rc = error_set(err, TEND_EINVALID, "tend inbox reads a "
			       "forge's comments: run it in GitHub Actions or "
			       "GitLab CI, or give --repo with a token");
		goto out;
	}
	if ((rc = forge_git_open(&run.repo, opts->root, err)) < 0)
		goto out;
	/* The checkout is the default branch: its settings are trusted. */
	actions_trust_init(&run.trust, opts->root);
	if ((rc = actions_trust_load_config(&run.cfg, &run.trust,
					    opts->config_path, err)) < 0 ||
	    (rc = actions_rules_load(&run.rules, NULL, &run.cfg, &run.trust,
				     err)) < 0 ||
	    (rc = forge_open(&run.forge, opts->ctx, err)) < 0)
		goto out;
	from = (time_t)(inbox_now_s(&run) - run.cfg.chatops.inbox_days * 86400);
	gmtime_r(&from, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One read: the commands, and tend's answers that mark them done. */
	if ((rc = forge_list_comments_since(run.forge, since, 1, &list,
					    err)) < 0)
		goto out;
	oc->comments = list.nr;
	/*
	 * Who wrote what matters only when a comment holds a command or
	 * one of tend's markers: with nothing of the kind, this run is the
	 * one read above.
	 */
	if ((opts->event || inbox_anything(&list)) &&
	    (rc = forge_comments_mark_own(run.forge, &list, err)) < 0)
		goto out;
	inbox_learn(&run, &list);
	if (opts->event) {
		struct forge_comment ev = *opts->event;
		const char *self = NULL;

		/* The event's author may be tend itself (its own reply). */
		if ((rc = forge_get_self(run.forge, &self, err)) < 0)
			goto out;
		ev.own = self && ev.author && !strcasecmp(self, ev.author);
		rc = inbox_one(&run, &ev, err);
	} else {
		for (i = 0, rc = 0; i < list.nr && rc >= 0; i++)
			rc = inbox_one(&run, &list.items[i], err);
	}
out:
	if (run.forge)
		forge_get_stats(run.forge, &oc->stats);
	oc->total_ms = actions_act_now() - start;
	forge_comments_release(&list);
	inbox_release(&run);
	return rc;
}
