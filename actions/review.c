/*
 * review.c - the review job: from two revisions to a filtered list of
 * findings about the change.
 *
 * Each step is a function of the layer that owns it; this file only wires
 * them together and keeps the time. It does not print.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/linters.h"
#include "actions/review.h"
#include "actions/review_agent.h"
#include "actions/rules.h"
#include "common/error.h"
#include "common/jobs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/diff_git.h"
#include "review/grammars.h"
#include "review/lang.h"
#include "review/rules.h"
#include "review/structure.h"

long actions_review_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct actions_review_attr_ctx {
	struct actions_trust *trust;	/* NULL: the work tree */
	git_repository *repo;
};

static int actions_review_generated_attr(const char *path, void *data)
{
	struct actions_review_attr_ctx *a = data;

	return actions_trust_attr_bool(a->trust, a->repo, path,
				       "linguist-generated");
}

/* A finding of the secrets pack (whose ids start "secrets/"). */
static int actions_review_is_secret(const struct review_finding *f)
{
	return f->rule_id && !strncmp(f->rule_id, "secrets/", 8) &&
	       (!f->source || !strcmp(f->source, "rules"));
}

/*
 * Scan the new side of each hunk: context and added lines, in order, with
 * their line numbers. Hunks are scanned one at a time so that a pattern
 * cannot match across the gap between two hunks.
 */
static void actions_review_scan_hunks(const struct review_rules *rules,
				      const struct review_file_entry *e,
				      struct buf *text, uint32_t **nos,
				      size_t *nos_alloc,
				      struct review_findings *out)
{
	const struct review_diff_file *f = e->file;
	size_t h, i;

	for (h = 0; h < f->nr_hunks; h++) {
		const struct review_hunk *hk = &f->hunks[h];
		size_t n = 0;

		buf_reset(text);
		for (i = hk->first_line; i < hk->first_line + hk->nr_lines; i++) {
			const struct review_line *l = &f->lines[i];

			if (l->origin == '-')
				continue;
			if (n)
				buf_putc(text, '\n');
			buf_add(text, review_line_text(f, l), l->len);
			*nos = xgrow(*nos, nos_alloc, n + 1, sizeof(**nos));
			(*nos)[n++] = l->new_no;
		}
		if (n)
			review_rules_scan(rules, f->path, e->lang, text->ptr,
					  text->len, *nos, n, out);
	}
}

/* Scan the whole head version of a file (filters `file` and `nofilter`). */
static int actions_review_scan_blob(const struct review_rules *rules,
				    const struct review_file_entry *e,
				    git_repository *repo, const git_oid *head,
				    size_t max, struct buf *text,
				    struct review_findings *out)
{
	struct buf err = BUF_INIT;
	size_t i, lines = 1;
	int rc;

	rc = forge_git_read_blob(text, repo, head, e->file->path, max, &err);
	if (rc < 0) {
		log_warn("cannot read '%s' at head: %s", e->file->path, err.ptr);
		buf_release(&err);
		return rc;
	}
	for (i = 0; i < text->len; i++)
		lines += text->ptr[i] == '\n';
	if (text->len && text->ptr[text->len - 1] == '\n')
		lines--;
	review_rules_scan(rules, e->file->path, e->lang, text->ptr, text->len,
			  NULL, lines, out);
	return 0;
}

/*
 * Structural checks need whole files: the head version for the queries, and
 * the base version only to tell a syntax error the change introduced from
 * one that was already there (structure.c parses it only then). The new
 * side's '+' lines tell the syntax check where the change is. Returns 1
 * when the file went unchecked.
 */
static int actions_review_scan_structure(struct review_structure *st,
					  const struct review_file_entry *e,
					  git_repository *repo,
					  const git_oid *base,
					  const git_oid *head, size_t max,
					  struct buf *text, struct buf *old,
					  uint32_t **nos, size_t *nos_alloc,
					  struct review_findings *out)
{
	const struct review_diff_file *f = e->file;
	struct buf err = BUF_INIT;
	const char *new_text, *old_text = NULL;
	size_t i, n = 0, new_len, old_len = 0;
	int rc;

	/* The diff may have kept the texts it read (actions_review_keep). */
	if (f->new_blob && (!max || f->new_blob_len <= max)) {
		new_text = f->new_blob;
		new_len = f->new_blob_len;
	} else if (forge_git_read_blob(text, repo, head, f->path, max,
				       &err) < 0) {
		log_warn("structural checks skipped '%s': %s", f->path, err.ptr);
		buf_release(&err);
		return 1;
	} else {
		new_text = text->ptr;
		new_len = text->len;
	}
	if (f->status == REVIEW_FILE_ADDED || !f->old_path) {
		;
	} else if (f->old_blob) {
		if (!max || f->old_blob_len <= max) {
			old_text = f->old_blob;
			old_len = f->old_blob_len;
		}
	} else if (forge_git_read_blob(old, repo, base, f->old_path, max,
				       &err) == 0) {
		old_text = old->ptr;
		old_len = old->len;
	}
	for (i = 0; i < f->nr_lines; i++)
		if (f->lines[i].origin == '+') {
			*nos = xgrow(*nos, nos_alloc, n + 1, sizeof(**nos));
			(*nos)[n++] = f->lines[i].new_no;
		}
	rc = review_structure_scan(st, f->path, e->lang, new_text, new_len,
				   old_text, old_len, n ? *nos : NULL, n,
				   out);
	buf_release(&err);
	if (rc == TEND_ETOOBIG || rc == TEND_ETIMEOUT) {
		log_warn("structural checks skipped '%s': %s", f->path,
			 rc == TEND_ETOOBIG ? "over the size limit" :
			 "parsing took too long");
		return 1;
	}
	return 0;
}

/*
 * The budget keeps the cost of whole-file parsing bounded on huge changes.
 * It counts bytes, not seconds, and files in diff order, so a re-run on the
 * same change checks the same files and finds the same things whatever the
 * thread count. Decided before any file is parsed, from the blobs' sizes.
 * Returns 1 when the file is to be parsed, 0 when it is skipped.
 */
static int actions_review_structure_budget(const struct review_file_entry *e,
					   git_repository *repo,
					   const git_oid *head, size_t max,
					   size_t *budget)
{
	struct buf err = BUF_INIT;
	size_t size;

	if (e->file->new_size_known)
		size = e->file->new_size;
	else if (forge_git_blob_size(&size, repo, head, e->file->path,
				     &err) < 0) {
		log_warn("structural checks skipped '%s': %s", e->file->path,
			 err.ptr);
		buf_release(&err);
		return 0;
	}
	if (max && size > max) {
		log_warn("structural checks skipped '%s': '%s' is %zu bytes, "
			 "over the %zu-byte limit", e->file->path,
			 e->file->path, size, max);
		return 0;
	}
	if (size > *budget) {
		*budget = 0;
		return 0;
	}
	*budget -= size;
	return 1;
}

/*
 * What the checks do with one file. The regex scans and structural parsing
 * are independent per file and only read the rule sets, so files are spread
 * over threads (common/jobs.h); each job keeps its own findings, merged in
 * file order afterwards, so the result does not depend on the thread count.
 */
struct actions_review_job {
	const struct review_file_entry *e;
	unsigned blob : 1;	/* scan the whole head blob (else the hunks) */
	unsigned hunks : 1;	/* scan the hunks */
	unsigned structure : 1;	/* structural checks */
	unsigned skipped : 1;	/* structural checks could not run */
	struct review_findings found;
};

struct actions_review_pool {
	const struct review_rules *rules;
	struct review_structure *structure;	/* ready for every job */
	git_repository *repo;
	const git_oid *base, *head;
	size_t max_blob, max_structure;
	struct actions_review_job *jobs;
	size_t nr_jobs;
	size_t next;		/* taken atomically */
};

static void actions_review_work(void *data, unsigned worker)
{
	struct actions_review_pool *pool = data;
	git_repository *repo = pool->repo, *own = NULL;
	struct buf text = BUF_INIT, old = BUF_INIT;
	uint32_t *nos = NULL;
	size_t nos_alloc = 0, i;

	/* The calling thread has the caller's handle; others their own. */
	if (worker) {
		if (forge_git_reopen(&own, pool->repo) < 0)
			return;
		repo = own;
	}
	while ((i = __atomic_fetch_add(&pool->next, 1, __ATOMIC_RELAXED)) <
	       pool->nr_jobs) {
		struct actions_review_job *j = &pool->jobs[i];

		/* A file too large to read whole is checked where it changed. */
		if (j->blob && actions_review_scan_blob(pool->rules, j->e, repo,
							pool->head,
							pool->max_blob, &text,
							&j->found) < 0)
			j->hunks = 1;
		if (j->hunks)
			actions_review_scan_hunks(pool->rules, j->e, &text,
						  &nos, &nos_alloc, &j->found);
		if (j->structure)
			j->skipped = actions_review_scan_structure(
				pool->structure, j->e, repo, pool->base,
				pool->head, pool->max_structure, &text, &old,
				&nos, &nos_alloc, &j->found);
	}
	free(nos);
	buf_release(&text);
	buf_release(&old);
	git_repository_free(own);
}

/* SARIF and `tend rules` describe every rule that ran, queries included. */
static void actions_review_describe_queries(struct review_result *r,
					    const struct review_structure *st)
{
	struct review_rule_info info;
	size_t i;

	for (i = 0; i < review_structure_count(st); i++) {
		const struct review_query_spec *q = review_structure_get(st, i);

		memset(&info, 0, sizeof(info));
		info.id = (char *)q->id;
		info.pack = (char *)(q->pack ? q->pack : "structure");
		info.message = (char *)(q->message ? q->message : q->id);
		info.pattern = (char *)q->query;
		info.languages = (char *)q->language;
		info.severity = q->severity ? q->severity : REVIEW_SEV_WARNING;
		info.query_rule = 1;
		review_result_add_rule(r, &info);
	}
	if (st->syntax_check) {
		memset(&info, 0, sizeof(info));
		info.id = (char *)REVIEW_STRUCTURE_SYNTAX_ID;
		info.pack = (char *)"structure";
		info.message = (char *)"syntax error introduced by the change: "
			"the file no longer parses where it was edited";
		info.severity = REVIEW_SEV_ERROR;
		info.query_rule = 1;
		review_result_add_rule(r, &info);
	}
}

/*
 * Mask secrets in text that did not come from the rule scan: a structural
 * finding quotes the code (its snippet, and a syntax error's message), a
 * linter says what it likes, a model reads files. Every line is masked on
 * its own by every secret rule, whatever the rule's paths (a fixture's
 * secret is still a secret when it leaves); line ends are kept.
 */
static void actions_review_mask(const struct review_rules *rules,
				char **text)
{
	struct buf out = BUF_INIT;

	if (!*text)
		return;
	if (review_rules_mask_text(rules, &out, *text, strlen(*text))) {
		free(*text);
		*text = buf_detach(&out, NULL);
	}
	buf_release(&out);
}

void actions_review_mask_buf(const struct review_rules *rules,
			     struct buf *text, const char *path)
{
	struct buf out = BUF_INIT;

	(void)path;
	if (text->len &&
	    review_rules_mask_text(rules, &out, text->ptr, text->len)) {
		buf_reset(text);
		buf_add(text, out.ptr, out.len);
	}
	buf_release(&out);
}

struct actions_review_fp_ctx {
	const struct review_result *r;
};

static const char *actions_review_line_text(const struct review_finding *f,
					    size_t *len, void *data)
{
	struct actions_review_fp_ctx *ctx = data;
	const struct review_diff_file *df;
	const struct review_line *l;

	if (f->line && (df = review_diff_find_file(&ctx->r->diff, f->path)) &&
	    (l = review_diff_find_line(df, REVIEW_SIDE_RIGHT, f->line, NULL))) {
		*len = l->len;
		return review_line_text(df, l);
	}
	if (f->snippet) {
		const char *nl = strchr(f->snippet, '\n');

		*len = nl ? (size_t)(nl - f->snippet) : strlen(f->snippet);
		return f->snippet;
	}
	return NULL;
}

/*
 * The checks, on a change set already in out->diff: the file filter, the
 * rule packs, structural checks, linters, the diff filter and the
 * fingerprints. `base` is the merge-base the diff starts from, `head` the
 * commit whose files are read whole.
 */
int actions_review_checks(struct review_result *out, git_repository *repo,
			  const git_oid *mb, const git_oid *head,
			  const struct actions_review_opts *opts,
			  struct buf *err)
{
	struct review_rules rules;
	struct review_structure structure;
	struct review_findings raw;
	struct review_filter_opts fopts = { 0 };
	const struct tend_config *cfg = opts->cfg;
	struct actions_review_job *jobs = NULL;
	struct actions_review_pool pool;
	size_t i, k, parse_budget, max_structure, nr_jobs = 0;
	struct actions_review_fp_ctx fctx;
	struct actions_review_attr_ctx actx;
	struct actions_trust here;
	int rc;

	review_rules_init(&rules);
	review_structure_init(&structure);
	review_findings_init(&raw);
	actions_trust_init(&here, forge_git_workdir(repo));

	if ((rc = actions_rules_load(&rules, &structure, cfg,
				     opts->trust ? opts->trust : &here,
				     err)) < 0)
		goto out;
	out->rules_active = review_rules_count_enabled(&rules) +
			    review_structure_count_enabled(&structure);
	review_result_set_rules(out, &rules);
	actions_review_describe_queries(out, &structure);
	if (cfg) {
		fopts.ignore = (const char *const *)cfg->review.ignore;
		fopts.nr_ignore = cfg->review.nr_ignore;
		fopts.max_file_bytes = cfg->review.max_file_bytes > 0 ?
			(size_t)cfg->review.max_file_bytes : 0;
	} else {
		fopts.max_file_bytes = 1024 * 1024;
	}
	out->structure_budget_mb = cfg ? cfg->checks.structure_max_mb : 16;
	parse_budget = (size_t)out->structure_budget_mb << 20;
	max_structure = fopts.max_file_bytes ? 4 * fopts.max_file_bytes : 0;
	actx.trust = opts->trust;
	actx.repo = repo;
	fopts.generated_attr = actions_review_generated_attr;
	fopts.data = &actx;
	/*
	 * An untrusted head cannot mark its own additions generated: only
	 * markers the base had count, and "looks minified" does not.
	 */
	fopts.untrusted = opts->trust && opts->trust->untrusted;

	out->nr_files = out->diff.nr_files;
	out->files = xcalloc(out->nr_files ? out->nr_files : 1,
			     sizeof(*out->files));
	jobs = xcalloc(out->nr_files ? out->nr_files : 1, sizeof(*jobs));
	for (i = 0; i < out->diff.nr_files; i++) {
		struct review_file_entry *e = &out->files[i];
		const struct review_diff_file *f = &out->diff.files[i];
		struct actions_review_job *j = &jobs[nr_jobs];

		review_filter_classify(e, f, &fopts);
		if (f->status != REVIEW_FILE_DELETED &&
		    f->status != REVIEW_FILE_MODIFIED &&
		    e->skip != REVIEW_SKIP_IGNORED)
			review_rules_scan_filename(&rules, f->path, &raw);
		j->e = e;
		review_findings_init(&j->found);
		if (e->skip != REVIEW_SKIP_NONE) {
			/*
			 * A secret is a leak wherever it sits: a file that
			 * looks generated (a name, an attribute or a marker
			 * the change itself may have chosen) or has too much
			 * changed text is still scanned where it changed, and
			 * keeps its secrets findings alone (below). Files
			 * the config ignores stay ignored.
			 */
			if (e->skip == REVIEW_SKIP_GENERATED ||
			    e->skip == REVIEW_SKIP_TOO_LARGE) {
				j->hunks = 1;
				nr_jobs++;
			}
			continue;
		}
		if (opts->filter == REVIEW_FILTER_FILE ||
		    opts->filter == REVIEW_FILTER_NOFILTER)
			j->blob = 1;
		else
			j->hunks = 1;
		if (review_structure_wants(&structure, e->lang, f->path)) {
			if (actions_review_structure_budget(
				    e, repo, head, max_structure,
				    &parse_budget)) {
				review_structure_ready(&structure, e->lang,
						       f->path);
				j->structure = 1;
			} else {
				out->structure_skipped++;
			}
		}
		nr_jobs++;
	}

	pool.rules = &rules;
	pool.structure = &structure;
	pool.repo = repo;
	pool.base = mb;
	pool.head = head;
	pool.max_blob = fopts.max_file_bytes;
	pool.max_structure = max_structure;
	pool.jobs = jobs;
	pool.nr_jobs = nr_jobs;
	pool.next = 0;
	jobs_run(jobs_for(nr_jobs), actions_review_work, &pool);
	for (i = 0; i < nr_jobs; i++) {
		for (k = 0; k < jobs[i].found.nr; k++)
			review_findings_add(&raw, &jobs[i].found.items[k]);
		out->structure_skipped += jobs[i].skipped;
	}

	/* External linters, before the diff filter like every check. */
	if (cfg && cfg->checks.nr_linters) {
		struct actions_linters_opts lopts = { 0 };

		lopts.unsandboxed = cfg->sandbox.mode == CONFIG_SANDBOX_NONE;
		lopts.memory_mb = cfg->sandbox.memory_mb;
		actions_linters_run(out, &raw, cfg->checks.linters,
				    cfg->checks.nr_linters,
				    forge_git_workdir(repo), &lopts);
	}

	out->filter = opts->filter;
	out->fail_level = opts->fail_level;
	for (i = 0; i < raw.nr; i++) {
		struct review_finding *f = &raw.items[i];
		const struct review_diff_file *df =
			review_diff_find_file(&out->diff, f->path);
		const struct review_file_entry *e =
			df ? &out->files[df - out->diff.files] : NULL;

		/*
		 * A file the review skipped (ignored, generated, ...) gets no
		 * line findings from any check, a linter's included; a
		 * whole-file finding (a secret-bearing name) still counts,
		 * and so does a secret in a generated or too large file.
		 */
		if (!review_filter_keep(df, opts->filter, f) ||
		    (e && e->skip != REVIEW_SKIP_NONE && f->line &&
		     !actions_review_is_secret(f))) {
			out->filtered_out++;
			continue;
		}
		if (!f->source || strcmp(f->source, "rules")) {
			actions_review_mask(&rules, &f->snippet);
			actions_review_mask(&rules, &f->message);
		}
		review_findings_add(&out->findings, f);
	}
	fctx.r = out;
	review_findings_sort(&out->findings);
	review_findings_fingerprint(&out->findings, actions_review_line_text,
				    &fctx);
	rc = 0;
out:
	for (i = 0; i < nr_jobs; i++)
		review_findings_release(&jobs[i].found);
	free(jobs);
	review_findings_release(&raw);
	review_structure_release(&structure);
	review_rules_release(&rules);
	return rc;
}

int actions_review_run_agents(struct review_result *r, git_repository *repo,
			      const git_oid *head,
			      const struct actions_agent_opts *agents,
			      const struct actions_trust *trust,
			      const char *title, const char *body,
			      struct buf *err)
{
	struct actions_agent_outcome oc;
	struct actions_agent_opts o;
	int rc;

	if (!agents)
		return 0;
	o = *agents;
	if (!o.trust)
		o.trust = trust;
	o.title = title;
	o.body = body;
	actions_agent_outcome_init(&oc);
	rc = actions_review_agents(r, repo, head, &o, &oc, err);
	r->cost_usd = oc.cost_usd;
	r->cost_unknown = oc.cost_unknown;
	if (rc == 0 && oc.summary_md) {
		r->agents_md = oc.summary_md;
		oc.summary_md = NULL;
	}
	actions_agent_outcome_release(&oc);
	return rc;
}

void actions_review_fingerprint(struct review_result *r)
{
	struct actions_review_fp_ctx fctx;

	fctx.r = r;
	review_findings_sort(&r->findings);
	review_findings_fingerprint(&r->findings, actions_review_line_text,
				    &fctx);
}

/*
 * Which texts the diff keeps for the structural checks: the files with a
 * grammar (a script known only by its first line is read again). Bounded
 * by a multiple of the parse budget: the head's side fills the budget, and
 * the base's side comes with it.
 */
static int actions_review_keep(const char *path, void *data)
{
	(void)data;
	return review_grammars_for_file(review_lang_detect(path, NULL, 0),
					path) != NULL;
}

int actions_review_local(struct review_result *out,
			 const struct actions_review_opts *opts,
			 struct buf *err)
{
	git_repository *repo = NULL;
	git_oid base, head, mb;
	struct review_diff_git_opts dopts = REVIEW_DIFF_GIT_OPTS_INIT;
	char *base_rev = NULL;
	long start = actions_review_now_ms();
	int rc;

	if ((rc = forge_git_open(&repo, opts->repo_path, err)) < 0)
		goto out;
	out->head_rev = xstrdup(opts->head ? opts->head : "HEAD");
	if ((rc = forge_git_resolve(&head, repo, out->head_rev, err)) < 0) {
		if (!opts->head)
			rc = error_set(err, TEND_EINVALID,
				       "HEAD does not name a commit yet; "
				       "commit something to review");
		goto out;
	}
	if (opts->base)
		base_rev = xstrdup(opts->base);
	else if ((rc = forge_git_default_base(&base_rev, repo, err)) < 0) {
		rc = TEND_EINVALID;
		goto out;
	}
	out->base_rev = xstrdup(base_rev);
	if ((rc = forge_git_resolve(&base, repo, base_rev, err)) < 0)
		goto out;
	if ((rc = forge_git_merge_base(&mb, repo, &base, &head, err)) < 0) {
		rc = error_wrap(err, TEND_EINVALID, "cannot review '%s' against '%s'",
				out->head_rev, base_rev);
		goto out;
	}
	git_oid_tostr(out->base_oid, sizeof(out->base_oid), &mb);
	git_oid_tostr(out->head_oid, sizeof(out->head_oid), &head);
	log_debug("reviewing %s..%s (merge-base of '%s' and '%s')",
		  out->base_oid, out->head_oid, base_rev, out->head_rev);

	dopts.keep = actions_review_keep;
	dopts.keep_max = (size_t)4 *
		(opts->cfg ? (size_t)opts->cfg->checks.structure_max_mb : 16)
		<< 20;
	if ((rc = review_diff_git(&out->diff, repo, &mb, &head, &dopts, err)) < 0)
		goto out;
	if ((rc = actions_review_checks(out, repo, &mb, &head, opts, err)) < 0)
		goto out;
	rc = actions_review_run_agents(out, repo, &head, opts->agents,
				       opts->trust, NULL, NULL, err);
out:
	out->elapsed_ms = actions_review_now_ms() - start;
	free(base_rev);
	git_repository_free(repo);
	return rc;
}
