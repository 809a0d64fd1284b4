/*
 * review_agent.c - the reviewer agent inside `tend review`: from the
 * review's change and static findings to checked model comments. See
 * review_agent.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/act.h"
#include "actions/learnings.h"
#include "actions/review.h"
#include "actions/review_agent.h"
#include "actions/stats.h"
#include "actions/rules.h"
#include "agents/agent.h"
#include "agents/hygiene.h"
#include "agents/loop.h"
#include "agents/pack.h"
#include "agents/replay.h"
#include "agents/router.h"
#include "agents/tools.h"
#include "common/error.h"
#include "common/glob.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/evidence.h"
#include "review/rules.h"
#include "review/structure.h"

/* Tokens kept free for the model's answer and the loop's later turns. */
#define ACTIONS_AGENT_REPLY_TOKENS 16000L
/* The change never takes more than this, whatever the window. */
#define ACTIONS_AGENT_PACK_MAX 60000L

void actions_agent_outcome_init(struct actions_agent_outcome *oc)
{
	memset(oc, 0, sizeof(*oc));
}

void actions_agent_outcome_release(struct actions_agent_outcome *oc)
{
	free(oc->summary_md);
	memset(oc, 0, sizeof(*oc));
}

/* ---- the change as the agent layer sees it ---- */

struct actions_agent_change {
	struct agent_change change;
	struct agent_change_file *files;
	struct agent_change_hunk *hunks;
	struct agent_change_line *lines;
	struct agent_change_finding *findings;
	struct agent_change_instruction *instr;
};

static void actions_agent_change_build(struct actions_agent_change *ac,
				       const struct review_result *r,
				       const struct tend_config *cfg,
				       const char *title, const char *body)
{
	size_t i, h, l, nh = 0, nl = 0, ni = 0;

	memset(ac, 0, sizeof(*ac));
	for (i = 0; i < r->diff.nr_files; i++) {
		nh += r->diff.files[i].nr_hunks;
		nl += r->diff.files[i].nr_lines;
	}
	ac->files = xcalloc(r->diff.nr_files + 1, sizeof(*ac->files));
	ac->hunks = xcalloc(nh + 1, sizeof(*ac->hunks));
	ac->lines = xcalloc(nl + 1, sizeof(*ac->lines));
	nh = nl = 0;
	for (i = 0; i < r->diff.nr_files; i++) {
		const struct review_diff_file *f = &r->diff.files[i];
		const struct review_file_entry *e = &r->files[i];
		struct agent_change_file *af = &ac->files[i];

		af->path = f->path;
		af->status = review_file_status_name(f->status);
		af->language = e->lang;
		af->skipped = e->skip != REVIEW_SKIP_NONE ?
			      review_skip_name(e->skip) : NULL;
		af->hunks = &ac->hunks[nh];
		if (af->skipped)
			continue;
		for (h = 0; h < f->nr_hunks; h++) {
			const struct review_hunk *hk = &f->hunks[h];
			struct agent_change_hunk *ah = &ac->hunks[nh++];

			ah->old_start = hk->old_start;
			ah->old_count = hk->old_count;
			ah->new_start = hk->new_start;
			ah->new_count = hk->new_count;
			ah->lines = &ac->lines[nl];
			for (l = hk->first_line;
			     l < hk->first_line + hk->nr_lines; l++) {
				const struct review_line *rl = &f->lines[l];
				struct agent_change_line *al = &ac->lines[nl++];

				al->origin = rl->origin;
				al->new_no = rl->new_no;
				al->old_no = rl->old_no;
				al->text = review_line_text(f, rl);
				al->len = rl->len;
			}
			ah->nr_lines = hk->nr_lines;
			af->nr_hunks++;
		}
	}
	ac->findings = xcalloc(r->findings.nr + 1, sizeof(*ac->findings));
	for (i = 0; i < r->findings.nr; i++) {
		ac->findings[i].path = r->findings.items[i].path;
		ac->findings[i].line = r->findings.items[i].line;
		ac->findings[i].rule = r->findings.items[i].rule_id;
		ac->findings[i].message = review_report_message(
			&r->findings.items[i]);
	}
	ac->instr = xcalloc(cfg ? cfg->review.nr_paths + 1 : 1,
			    sizeof(*ac->instr));
	for (i = 0; cfg && i < cfg->review.nr_paths; i++) {
		const struct config_path_instr *pi = &cfg->review.paths[i];

		for (h = 0; h < r->diff.nr_files; h++)
			if (glob_match(pi->path, r->diff.files[h].path))
				break;
		if (h == r->diff.nr_files)
			continue;
		ac->instr[ni].path = pi->path;
		ac->instr[ni++].text = pi->instructions;
	}
	ac->change.files = ac->files;
	ac->change.nr_files = r->diff.nr_files;
	ac->change.findings = ac->findings;
	ac->change.nr_findings = r->findings.nr;
	ac->change.instructions = cfg ? cfg->review.instructions : NULL;
	ac->change.path_instructions = ac->instr;
	ac->change.nr_path_instructions = ni;
	ac->change.title = title;
	ac->change.body = body;
}

static void actions_agent_change_release(struct actions_agent_change *ac)
{
	free(ac->files);
	free(ac->hunks);
	free(ac->lines);
	free(ac->findings);
	free(ac->instr);
}

/* ---- callbacks ---- */

static void actions_agent_mask(struct buf *text, const char *path, void *data)
{
	actions_review_mask_buf(data, text, path);
}

static int actions_agent_hidden(const char *path, void *data)
{
	const struct review_result *r = data;
	size_t i;

	for (i = 0; i < r->nr_files; i++)
		if (r->files[i].skip != REVIEW_SKIP_NONE &&
		    !strcmp(r->files[i].file->path, path))
			return 1;
	return 0;
}

struct actions_agent_head {
	git_repository *repo;
	const git_oid *head;
	struct buf text;
	char *path;
};

static const char *actions_agent_head_text(const char *path, size_t *len,
					   void *data)
{
	struct actions_agent_head *h = data;

	if (!h->path || strcmp(h->path, path)) {
		free(h->path);
		h->path = xstrdup(path);
		if (forge_git_read_blob(&h->text, h->repo, h->head, path,
					8u << 20, NULL) < 0) {
			free(h->path);
			h->path = NULL;
			return NULL;
		}
	}
	*len = h->text.len;
	return h->text.ptr ? h->text.ptr : "";
}

/* ---- record and replay ---- */

static const char *actions_agent_kind(const struct tend_config *cfg,
				      const char *name)
{
	size_t i;

	for (i = 0; cfg && i < cfg->models.nr_providers; i++)
		if (!strcmp(cfg->models.providers[i].name, name))
			return cfg->models.providers[i].kind;
	if (!strcmp(name, "anthropic"))
		return "anthropic";
	return "openai";
}

/*
 * Wrap the provider `name` for recording (open it as the router would) or
 * replace it with recordings (replay). A provider that cannot be opened
 * is left to the router.
 */
static int actions_agent_wrap(struct agent_router *router,
			      const struct tend_config *cfg, const char *name,
			      const struct actions_agent_opts *opts,
			      struct buf *err)
{
	struct config_provider cp, *found = NULL;
	struct agent_provider *inner = NULL, *p = NULL;
	struct buf e = BUF_INIT;
	const char *kind = actions_agent_kind(cfg, name);
	size_t i;
	int rc;

	if (opts->replay_dir) {
		if (agent_replay_new(&p, AGENT_REPLAY_REPLAY, opts->replay_dir,
				     NULL, err) < 0)
			return TEND_EINVALID;
		agent_router_add_provider(router, name, kind, p);
		return 0;
	}
	for (i = 0; cfg && i < cfg->models.nr_providers; i++)
		if (!strcmp(cfg->models.providers[i].name, name))
			found = &cfg->models.providers[i];
	memset(&cp, 0, sizeof(cp));
	if (!found) {
		cp.name = (char *)name;
		cp.kind = (char *)kind;
		if (!strcmp(name, "openrouter")) {
			cp.base_url = (char *)"https://openrouter.ai/api/v1";
			cp.api_key_env = (char *)"OPENROUTER_API_KEY";
		}
		found = &cp;
	}
	if (agent_provider_from_config(&inner, found, &e) < 0) {
		buf_release(&e);
		return 0;
	}
	buf_release(&e);
	rc = agent_replay_new(&p, AGENT_REPLAY_RECORD, opts->record_dir, inner,
			      err);
	if (rc < 0)
		return rc;
	agent_router_add_provider(router, name, kind, p);
	return 0;
}

static int actions_agent_wrap_all(struct agent_router *router,
				  const struct tend_config *cfg,
				  const struct actions_agent_opts *opts,
				  struct buf *err)
{
	static const char *const builtin[] = { "anthropic", "openai",
					       "openrouter", NULL };
	size_t i;
	int rc;

	for (i = 0; builtin[i]; i++)
		if ((rc = actions_agent_wrap(router, cfg, builtin[i], opts,
					     err)) < 0)
			return rc;
	for (i = 0; cfg && i < cfg->models.nr_providers; i++)
		if ((rc = actions_agent_wrap(router, cfg,
					     cfg->models.providers[i].name,
					     opts, err)) < 0)
			return rc;
	return 0;
}

/*
 * The model a recording was made with, so a replay asks the same one
 * whatever keys the environment has: DIR/route-AGENT holds its spec.
 */
static char *actions_agent_route_file(const char *dir, const char *agent)
{
	return xasprintf("%s/route-%s", dir, agent);
}

static void actions_agent_save_route(const char *dir, const char *agent,
				     const char *spec)
{
	char *path = actions_agent_route_file(dir, agent);
	char *tmp = xasprintf("%s.tmp", path);
	FILE *fp = fopen(tmp, "w");

	if (fp) {
		fprintf(fp, "%s\n", spec);
		if (fclose(fp) == 0)
			rename(tmp, path);
		else
			remove(tmp);
	}
	free(tmp);
	free(path);
}

static char *actions_agent_load_route(const char *dir, const char *agent)
{
	char *path = actions_agent_route_file(dir, agent), line[512];
	FILE *fp = fopen(path, "r");
	char *spec = NULL;

	if (fp && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (*line)
			spec = xstrdup(line);
	}
	if (fp)
		fclose(fp);
	free(path);
	return spec;
}

/* ---- the model's comments ---- */

static const char *actions_agent_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long actions_agent_long(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	double d;

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	/* The schema takes 12.0 as an integer; so does this. */
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d >= 0 && d <= 1e9 && d == (double)(long)d)
			return (long)d;
	}
	return 0;
}

static void actions_agent_collect(struct review_result *r,
				  const struct agent_def *def,
				  const json_t *review,
				  struct actions_agent_head *head,
				  struct review_evidence_counts *counts)
{
	const json_t *arr = json_object_get(review, "comments");
	struct review_model_comment *mc;
	struct review_findings statics;
	size_t i, n = json_array_size(arr);

	memset(counts, 0, sizeof(*counts));
	if (!n)
		return;
	mc = xcalloc(n, sizeof(*mc));
	for (i = 0; i < n; i++) {
		const json_t *c = json_array_get(arr, i);

		mc[i].agent = def->name;
		mc[i].path = actions_agent_str(c, "path");
		mc[i].line = actions_agent_long(c, "line");
		mc[i].start_line = actions_agent_long(c, "start_line");
		mc[i].side = actions_agent_str(c, "side");
		mc[i].severity = actions_agent_str(c, "severity");
		mc[i].body = actions_agent_str(c, "body");
		mc[i].suggestion = actions_agent_str(c, "suggestion");
		mc[i].quote = actions_agent_str(c, "quote");
	}
	/* The static findings as they are now, before any is added. */
	review_findings_init(&statics);
	for (i = 0; i < r->findings.nr; i++)
		review_findings_add(&statics, &r->findings.items[i]);
	review_evidence_filter(&r->findings, counts, &r->diff,
			       actions_agent_head_text, head, mc, n, &statics);
	review_findings_release(&statics);
	free(mc);
}

/* ---- the job ---- */

/*
 * The team learnings for the changed files, from the trusted source: the
 * block into the first message, the account for the summary.
 */
static void actions_agent_learnings(const struct review_result *r,
				    const char *root,
				    const struct actions_agent_opts *opts,
				    const struct agent_hygiene_mask *mask,
				    struct buf *first, struct buf *account)
{
	struct actions_trust here;
	const char **paths;
	size_t i;

	paths = xcalloc(r->diff.nr_files + 1, sizeof(*paths));
	for (i = 0; i < r->diff.nr_files; i++)
		paths[i] = r->diff.files[i].path;
	actions_trust_init(&here, root);
	actions_learnings_for(first, account, opts->trust ? opts->trust :
			      &here, paths, r->diff.nr_files, mask);
	actions_trust_release(&here);
	free(paths);
}

static int actions_agent_run_one(struct review_result *r,
				 struct agent_router *router,
				 const struct agent_def *def,
				 const struct actions_agent_opts *opts,
				 struct agent_tools_env *env,
				 struct actions_act_index *ai,
				 struct agent_hygiene_mask mask,
				 struct actions_agent_head *head,
				 struct actions_agent_outcome *oc,
				 const struct actions_outcomes *measured,
				 struct buf *md, struct buf *err)
{
	struct agent_task task = { 0 };
	struct agent_evidence *evidence = NULL;
	struct agent_route route;
	struct agent_router_binding bind;
	struct actions_agent_change ac;
	struct agent_pack pack;
	struct agent_pack_opts popts = { 0 };
	struct agent_loop_opts lopts = { 0 };
	struct agent_loop_result res;
	struct agent_message msg;
	struct review_evidence_counts counts;
	struct buf first = BUF_INIT, learned = BUF_INIT, lblock = BUF_INIT;
	size_t i, risky = 0;
	long window, budget;
	char *replay_spec = NULL;
	int rc;

	agent_route_init(&route);
	agent_pack_init(&pack);
	agent_loop_result_init(&res);
	memset(&counts, 0, sizeof(counts));
	for (i = 0; i < r->diff.nr_files; i++) {
		task.changed_lines += (long)(r->diff.files[i].added +
					     r->diff.files[i].deleted);
		risky |= agent_router_risky_path(r->diff.files[i].path);
	}
	task.agent = def->name;
	task.model = def->model;
	task.files = (long)r->diff.nr_files;
	task.risky = risky != 0;
	if (opts->replay_dir &&
	    (replay_spec = actions_agent_load_route(opts->replay_dir,
						    def->name)))
		task.model = replay_spec;
	/* What people did with this agent's comments, per model and size. */
	actions_stats_evidence(&evidence, &task.nr_evidence, measured,
			       def->name);
	task.evidence = evidence;
	task.min_samples = opts->cfg ? opts->cfg->models.auto_min_samples : 10;
	if ((rc = agent_router_resolve(router, &task, &route, err)) < 0)
		goto out;
	if (opts->record_dir)
		actions_agent_save_route(opts->record_dir, def->name,
					 route.spec);
	log_info("agent %s: %s (%s)", def->name, route.spec, route.why);

	window = agent_router_context_window(router, route.spec);
	budget = window - (long)agent_def_fixed_tokens(def) -
		 ACTIONS_AGENT_REPLY_TOKENS;
	if (budget > ACTIONS_AGENT_PACK_MAX)
		budget = ACTIONS_AGENT_PACK_MAX;
	/* The learnings go in beside the change: out of the same window. */
	actions_agent_learnings(r, env->root, opts, &mask, &lblock, &learned);
	budget -= (long)AGENT_PACK_TOKENS(lblock.len);
	if (budget < 2000)
		budget = 2000;
	actions_agent_change_build(&ac, r, opts->cfg, opts->title,
				   opts->body);
	popts.budget_tokens = (size_t)budget;
	popts.lookup = agent_pack_lookup_tools;
	popts.lookup_data = env;
	/* what the changed code uses and what calls it, from the index */
	if (ai->idx) {
		popts.related = actions_act_index_related;
		popts.related_data = ai;
	}
	popts.mask = mask;
	rc = agent_pack(&pack, &ac.change, &popts, err);
	actions_agent_change_release(&ac);
	if (rc < 0)
		goto out;

	buf_add(&first, pack.text.ptr, pack.text.len);
	actions_act_index_prompt(ai, &first);
	buf_add(&first, lblock.ptr, lblock.len);
	memset(&msg, 0, sizeof(msg));
	msg.role = AGENT_ROLE_USER;
	msg.text = first.ptr;
	bind.router = router;
	bind.route = &route;
	lopts.def = def;
	lopts.complete = agent_router_complete_cb;
	lopts.complete_data = &bind;
	lopts.cost = agent_loop_router_cost;
	lopts.cost_data = &bind;
	lopts.env = env;
	lopts.msgs = &msg;
	lopts.nr_msgs = 1;
	lopts.model = route.model;
	lopts.max_output = 8192;
	lopts.budget.max_tokens = opts->max_tokens;
	lopts.budget.max_usd = opts->max_usd;
	lopts.budget.max_ms = opts->max_ms;
	if ((rc = agent_loop_run(&res, &lopts, err)) < 0)
		goto out;
	oc->ran++;
	oc->tokens_in += res.usage.input + res.usage.cache_read +
			 res.usage.cache_write;
	oc->tokens_out += res.usage.output;
	if (res.cost_known)
		oc->cost_usd += res.cost_usd;
	else
		oc->cost_unknown = 1;
	oc->elapsed_ms += res.elapsed_ms;
	if (res.stop != AGENT_LOOP_SUBMITTED)
		log_warn("agent %s: %s", def->name, res.note ? res.note :
			 agent_loop_stop_name(res.stop));
	if (res.review) {
		char *src = xasprintf("agent:%s", def->name);

		actions_agent_collect(r, def, res.review, head, &counts);
		/*
		 * Which model said it, on what size of change and at what
		 * cost, for the marker: tend stats and auto read them back.
		 */
		for (i = 0; i < r->findings.nr; i++) {
			struct review_finding *f = &r->findings.items[i];

			if (f->model || !f->source || strcmp(f->source, src))
				continue;
			f->model = xstrdup(route.spec);
			f->size = xstrdup(agent_router_task_size(&task));
			if (res.cost_known && counts.kept)
				f->cost_usd = res.cost_usd /
					      (double)counts.kept;
		}
		free(src);
	}
	oc->comments += counts.total;
	oc->kept += counts.kept;
	oc->dropped += counts.dropped;

	/*
	 * A model that could not be reached leaves the review incomplete:
	 * a tool error, so it is never green. A budget stop is the user's
	 * own limit: said, not failed.
	 */
	if (res.stop == AGENT_LOOP_MODEL_ERROR) {
		const char *why = res.error ? res.error :
				  res.note ? res.note : "model error";

		review_result_add_tool_error(r, def->name, why);
		oc->failed++;
		buf_printf(md, "- **%s** (%s) could not run: ", def->name,
			   route.spec);
		review_report_md_text(md, why, 300);
		buf_puts(md, "\n");
		rc = 0;
		goto out;
	}
	buf_printf(md, "- **%s** (%s): ", def->name, route.spec);
	if (strstr(route.why, "by evidence")) {
		/* The summary says why auto chose this model. */
		buf_puts(md, "chosen");
		review_report_md_text(md, strstr(route.why, " auto:") ?
				      strstr(route.why, " auto:") + 6 :
				      route.why, 300);
		buf_puts(md, "; ");
	}
	if (res.stop == AGENT_LOOP_SUBMITTED)
		buf_printf(md, "%zu comment%s, %zu kept", counts.total,
			   counts.total == 1 ? "" : "s", counts.kept);
	else
		buf_printf(md, "stopped early (%s)%s",
			   agent_loop_stop_name(res.stop),
			   res.review ? "" : "; no review submitted");
	buf_printf(md, "; %ld step%s, %ld tokens in, %ld out, ", res.steps,
		   res.steps == 1 ? "" : "s",
		   res.usage.input + res.usage.cache_read +
		   res.usage.cache_write, res.usage.output);
	if (res.cost_known)
		buf_printf(md, "$%.4f", res.cost_usd);
	else
		buf_puts(md, "cost unknown");
	buf_printf(md, ", %.1f s\n", (double)res.elapsed_ms / 1000.0);
	if (counts.dropped) {
		buf_puts(md, "  ");
		review_evidence_summary(md, &counts);
		buf_puts(md, "\n");
	}
	buf_printf(md, "  The model saw %zu of %zu changed lines: %zu hunks "
		   "in full, %zu clipped, %zu not shown.\n", pack.lines_seen,
		   pack.lines_total, pack.hunks_full, pack.hunks_clipped,
		   pack.hunks_unseen);
	if (pack.related || pack.symbols)
		buf_printf(md, "  Context added: %zu related block%s (what the "
			   "changed code uses and what calls it), %zu "
			   "definition%s.\n", pack.related,
			   pack.related == 1 ? "" : "s", pack.symbols,
			   pack.symbols == 1 ? "" : "s");
	if (learned.len)
		buf_printf(md, "  %s", learned.ptr);
	if (pack.hunks_clipped || pack.hunks_unseen) {
		struct buf acc = BUF_INIT;
		const char *p, *nl;

		agent_pack_account(&acc, &pack);
		for (p = acc.ptr; p && *p; p = nl ? nl + 1 : NULL) {
			char *line;

			nl = strchr(p, '\n');
			line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
			buf_puts(md, "  - ");
			review_report_md_text(md, line, 300);
			buf_puts(md, "\n");
			free(line);
			if (!nl)
				break;
		}
		buf_release(&acc);
	}
	rc = 0;
out:
	free(replay_spec);
	free(evidence);
	buf_release(&first);
	buf_release(&learned);
	buf_release(&lblock);
	agent_loop_result_release(&res);
	agent_pack_release(&pack);
	agent_route_release(&route);
	return rc;
}

int actions_review_agents(struct review_result *r, git_repository *repo,
			  const git_oid *head,
			  const struct actions_agent_opts *opts,
			  struct actions_agent_outcome *oc, struct buf *err)
{
	struct agent_router *router = NULL;
	struct review_rules rules;
	struct agent_tools_env env;
	struct agent_hygiene_mask mask;
	struct actions_agent_head hd;
	struct actions_act_index ai;
	struct buf md = BUF_INIT, e = BUF_INIT, names = BUF_INIT;
	struct actions_outcomes measured;
	char *list = NULL, *tok, *save = NULL, *store = NULL;
	int rc, env_ready = 0;

	review_rules_init(&rules);
	actions_act_index_init(&ai);
	actions_outcomes_init(&measured);
	memset(&hd, 0, sizeof(hd));
	hd.repo = repo;
	hd.head = head;

	if ((rc = agent_router_new(&router, opts->cfg, err)) < 0)
		goto out;
	if ((opts->record_dir || opts->replay_dir) &&
	    (rc = actions_agent_wrap_all(router, opts->cfg, opts, err)) < 0)
		goto out;
	if (!agent_router_usable(router)) {
		if (opts->agents) {
			rc = error_set(err, TEND_EINVALID,
				       "--agent needs a model: set "
				       "ANTHROPIC_API_KEY, OPENAI_API_KEY or "
				       "OPENROUTER_API_KEY, or configure "
				       "models.providers");
			goto out;
		}
		log_info("no model configured: static checks only");
		oc->no_model = 1;
		rc = 0;
		goto out;
	}
	if ((rc = agent_router_check(router, err)) < 0)
		goto out;
	/* What tend stats measured, for "auto" (routing by evidence). */
	store = xasprintf("%stend/trust.sqlite", git_repository_path(repo));
	actions_stats_load_store(&measured, store);
	/* The secrets rules mask whatever goes to a model. */
	/*
	 * The rules alone (no structural queries, so no query file is read
	 * here: the checks already read them from where they may).
	 */
	if ((rc = actions_rules_load(&rules, NULL, opts->cfg, NULL,
				     err)) < 0)
		goto out;
	if ((rc = agent_tools_env_init(&env, forge_git_workdir(repo),
				       err)) < 0)
		goto out;
	env_ready = 1;
	env.mask = actions_agent_mask;
	env.mask_data = &rules;
	env.hidden = actions_agent_hidden;
	env.hidden_data = r;
	mask.fn = actions_agent_mask;
	mask.data = &rules;
	/*
	 * The index of the head: ranked search, symbols, related code. Its
	 * failure is a warning; the tools then read the files.
	 */
	if (actions_act_index(&ai, repo, head, opts->cfg, &rules, &e) < 0)
		buf_reset(&e);
	actions_act_index_env(&ai, &env);

	list = xstrdup(opts->agents ? opts->agents : "reviewer");
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct agent_def def;

		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		agent_def_init(&def);
		if ((rc = agent_def_find(&def, opts->cfg, tok, err)) < 0) {
			agent_def_release(&def);
			goto out;
		}
		/* A task agent answers with finish, not with a review. */
		if (strcmp(agent_def_final(&def), AGENT_FINAL_REVIEW)) {
			rc = error_set(err, TEND_EINVALID, "agent '%s' edits "
				       "and runs commands (it answers with "
				       "finish): it cannot review; use it "
				       "with tend fix", tok);
			agent_def_release(&def);
			goto out;
		}
		rc = actions_agent_run_one(r, router, &def, opts, &env, &ai,
					   mask, &hd, oc, &measured, &md,
					   err);
		agent_def_release(&def);
		if (rc < 0) {
			/* A model that cannot be reached: the review goes on. */
			if (rc == TEND_EINVALID || rc == TEND_ENOTFOUND)
				goto out;
			log_warn("agent %s did not run: %s", tok, err->ptr);
			buf_printf(&md, "- **%s** could not run: ", tok);
			review_report_md_text(&md, err->ptr, 300);
			buf_puts(&md, "\n");
			review_result_add_tool_error(r, tok, err->ptr);
			buf_reset(err);
			oc->failed++;
		}
	}
	actions_review_fingerprint(r);
	if (md.len) {
		buf_printf(&names, "#### Model review\n\n%s", md.ptr);
		if (oc->ran)
			buf_printf(&names, "\nIn all: %ld tokens in, %ld out, "
				   "%s$%.4f.\n", oc->tokens_in, oc->tokens_out,
				   oc->cost_unknown ? "at least " : "",
				   oc->cost_usd);
		oc->summary_md = buf_detach(&names, NULL);
	}
	rc = 0;
out:
	free(list);
	free(store);
	actions_outcomes_release(&measured);
	free(hd.path);
	buf_release(&hd.text);
	if (env_ready)
		agent_tools_env_release(&env);
	actions_act_index_release(&ai);
	review_rules_release(&rules);
	agent_router_free(router);
	buf_release(&md);
	buf_release(&e);
	buf_release(&names);
	return rc;
}
