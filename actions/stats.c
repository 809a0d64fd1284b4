/*
 * stats.c - `tend stats`: what people did with tend's output, read back
 * from the forge, kept in the trust store, and reported.
 *
 * The forge reads are here; the classification and the store are
 * actions/outcomes.c. What is posted is not decided here.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/stats.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "review/report.h"

#define ACTIONS_STATS_MAX_PRS 500

void actions_stats_result_init(struct actions_stats_result *r)
{
	memset(r, 0, sizeof(*r));
	actions_outcomes_init(&r->oc);
}

void actions_stats_result_release(struct actions_stats_result *r)
{
	actions_outcomes_release(&r->oc);
	free(r->note);
	free(r->no_resolutions);
	actions_stats_result_init(r);
}

static long actions_stats_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Who may write, asked once per person. */
struct actions_stats_writers {
	struct forge *forge;
	char **login;
	int *can;
	size_t nr, alloc;
};

static int actions_stats_writer(const char *login, const char *id,
				void *data, struct buf *err)
{
	struct actions_stats_writers *w = data;
	size_t i;
	int can = 0, rc;

	for (i = 0; i < w->nr; i++)
		if (!strcasecmp(w->login[i], login))
			return w->can[i];
	rc = forge_user_can_write(w->forge, login, id, &can, err);
	if (rc < 0)
		return rc;
	if (w->nr == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 8;
		w->login = xrealloc(w->login, w->alloc * sizeof(*w->login));
		w->can = xrealloc(w->can, w->alloc * sizeof(*w->can));
	}
	w->login[w->nr] = xstrdup(login);
	w->can[w->nr++] = can;
	return can;
}

/* The files asked for, once each per commit ("REF:PATH" keys). */
struct actions_stats_files {
	struct forge *forge;
	const char *ref;
	char **path;
	struct buf *text;
	int *missing;
	size_t nr;
};

static int actions_stats_file(const char *path, const char *ref,
			      const char **text, size_t *len, void *data,
			      struct buf *err)
{
	struct actions_stats_files *fs = data;
	char *key;
	size_t i;
	int rc;

	if (!ref)
		ref = fs->ref;
	key = xasprintf("%s:%s", ref, path);
	for (i = 0; i < fs->nr; i++)
		if (!strcmp(fs->path[i], key))
			break;
	free(key);
	if (i == fs->nr) {
		fs->path = xrealloc(fs->path, (i + 1) * sizeof(*fs->path));
		fs->text = xrealloc(fs->text, (i + 1) * sizeof(*fs->text));
		fs->missing = xrealloc(fs->missing,
				       (i + 1) * sizeof(*fs->missing));
		fs->path[i] = xasprintf("%s:%s", ref, path);
		buf_init(&fs->text[i], 0);
		fs->nr++;
		rc = forge_get_file(fs->forge, path, ref, &fs->text[i], err);
		/* Gone, or too big to judge: not applied, no error. */
		fs->missing[i] = rc == TEND_ENOTFOUND || rc == TEND_ETOOBIG;
		if (fs->missing[i])
			buf_reset(err);
		else if (rc < 0)
			return rc;
	}
	if (fs->missing[i])
		return 1;
	*text = fs->text[i].ptr ? fs->text[i].ptr : "";
	*len = fs->text[i].len;
	return 0;
}

static void actions_stats_files_release(struct actions_stats_files *fs)
{
	size_t i;

	for (i = 0; i < fs->nr; i++) {
		free(fs->path[i]);
		buf_release(&fs->text[i]);
	}
	free(fs->path);
	free(fs->text);
	free(fs->missing);
}

static int actions_stats_read_pr(struct actions_stats_result *r,
				 struct forge *forge,
				 const struct forge_pr_brief *brief,
				 struct actions_stats_writers *w,
				 struct buf *err)
{
	struct forge_pr pr;
	struct forge_notes notes;
	struct forge_commit_briefs commits;
	struct actions_outcomes_pr_input in;
	struct actions_stats_files files = { 0 };
	long *downs = NULL;
	size_t i;
	int rc;

	forge_pr_init(&pr);
	forge_notes_init(&notes);
	forge_commit_briefs_init(&commits);
	/* Counts unknown: read both lists. */
	pr.number = brief->number;
	pr.nr_comments = -1;
	pr.nr_review_comments = -1;
	if ((rc = forge_list_notes(forge, &pr, &notes, err)) < 0)
		goto out;
	if ((rc = forge_list_pr_commits(forge, brief->number, &commits,
					err)) < 0)
		goto out;
	/* Who resolved tend's threads (GitHub: GraphQL), when it has any. */
	for (i = 0; i < notes.nr && !r->no_resolutions; i++) {
		if (!notes.items[i].own || notes.items[i].reply ||
		    !notes.items[i].inline_note)
			continue;
		if ((rc = forge_read_resolutions(forge, brief->number, &notes,
						 err)) < 0) {
			/* Said once; the rest of the outcomes still count. */
			log_warn("resolved threads are not counted: %s",
				 err->ptr);
			r->no_resolutions = xstrdup(err->ptr);
			buf_reset(err);
			rc = 0;
		}
		break;
	}
	downs = xcalloc(notes.nr ? notes.nr : 1, sizeof(*downs));
	for (i = 0; i < notes.nr; i++) {
		const struct forge_note *n = &notes.items[i];

		downs[i] = 0;
		/* Only tend's own comments are judged: ask only for those. */
		if (!n->own || n->reply || !n->body ||
		    !strstr(n->body, "<!-- tend:fp="))
			continue;
		if ((rc = forge_note_thumbs_down(forge, brief->number, n,
						 &downs[i], err)) < 0)
			goto out;
	}
	memset(&in, 0, sizeof(in));
	in.pr = brief;
	in.notes = &notes;
	in.thumbs_down = downs;
	in.commits = &commits;
	in.writer = actions_stats_writer;
	in.writer_data = w;
	if (brief->head_sha) {
		files.forge = forge;
		files.ref = brief->head_sha;
		in.file_at = actions_stats_file;
		in.file_data = &files;
	}
	rc = actions_outcomes_classify_pr(&r->oc, &in, err);
out:
	if (rc < 0)
		error_wrap(err, rc, "pull/merge request %ld", brief->number);
	free(downs);
	actions_stats_files_release(&files);
	forge_pr_release(&pr);
	forge_notes_release(&notes);
	forge_commit_briefs_release(&commits);
	return rc;
}

int actions_stats_run(struct actions_stats_result *r,
		      const struct actions_stats_opts *opts, struct buf *err)
{
	struct forge *forge = NULL;
	struct actions_store *store = NULL;
	struct forge_pr_briefs prs;
	struct actions_stats_writers w = { 0 };
	long start = actions_stats_now_ms();
	size_t i;
	int rc;

	forge_pr_briefs_init(&prs);
	if (opts->store_path &&
	    (rc = actions_store_open(&store, opts->store_path, &r->note,
				     err)) < 0)
		goto out;
	if ((rc = forge_open(&forge, opts->ctx, err)) < 0)
		goto out;
	w.forge = forge;
	if ((rc = forge_list_prs_since(forge, opts->since, opts->max_prs ?
				       opts->max_prs : ACTIONS_STATS_MAX_PRS,
				       &prs, err)) < 0)
		goto out;
	r->truncated = prs.truncated;
	for (i = 0; i < prs.nr; i++) {
		const struct forge_pr_brief *b = &prs.items[i];

		if (store) {
			rc = actions_store_load_pr(store, b->number,
						   b->updated_at, &r->oc, err);
			if (rc < 0)
				goto out;
			if (rc > 0) {
				r->prs_cached++;
				continue;
			}
		}
		if ((rc = actions_stats_read_pr(r, forge, b, &w, err)) < 0)
			goto out;
		r->prs_read++;
	}
	if (store && (rc = actions_store_save(store, &r->oc, err)) < 0)
		goto out;
	rc = 0;
out:
	if (forge)
		forge_get_stats(forge, &r->requests);
	r->ms = actions_stats_now_ms() - start;
	for (i = 0; i < w.nr; i++)
		free(w.login[i]);
	free(w.login);
	free(w.can);
	forge_pr_briefs_release(&prs);
	forge_free(forge);
	actions_store_close(store);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The report.                                                          */

void actions_stats_table_release(struct actions_stats_table *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->items[i].name);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

static int actions_stats_group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct actions_stats_group *)a)->name,
		      ((const struct actions_stats_group *)b)->name);
}

void actions_stats_group(struct actions_stats_table *t,
			 const struct actions_outcomes *oc,
			 enum actions_stats_by by)
{
	size_t i, j;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < oc->nr; i++) {
		const struct actions_output *x = &oc->items[i];
		struct actions_stats_group *g = NULL;
		char *name;

		if (x->kind != ACTIONS_OUTPUT_COMMENT)
			continue;
		switch (by) {
		case ACTIONS_STATS_BY_RULE:
			name = xstrdup(x->rule ? x->rule : "unknown");
			break;
		case ACTIONS_STATS_BY_PACK:
			name = xstrdup(x->pack ? x->pack : "unknown");
			break;
		case ACTIONS_STATS_BY_AGENT:
			name = xstrdup(x->agent ? x->agent : "static");
			break;
		default:
			if (!x->model)
				continue;
			name = xasprintf("%s %s", x->agent ? x->agent :
					 "?", x->model);
			break;
		}
		for (j = 0; j < t->nr && !g; j++)
			if (!strcmp(t->items[j].name, name))
				g = &t->items[j];
		if (!g) {
			ALLOC_GROW(t->items, t->nr + 1, t->alloc);
			g = &t->items[t->nr++];
			memset(g, 0, sizeof(*g));
			g->name = name;
		} else {
			free(name);
		}
		if (x->outcome == ACTIONS_OUTCOME_ACCEPTED)
			g->accepted++;
		else if (x->outcome == ACTIONS_OUTCOME_REJECTED)
			g->rejected++;
		else
			g->open++;
	}
	if (t->nr)
		qsort(t->items, t->nr, sizeof(*t->items),
		      actions_stats_group_cmp);
}

/* Everything the report says, counted once. */
struct actions_stats_sums {
	size_t n[3][3];		/* [kind][outcome] */
	double cost;		/* review runs' cost over PRs with a summary */
	size_t cost_prs;
	int cost_unknown;
	double task_cost;	/* of merged task PRs */
	long *latency;
	size_t nr_latency;
};

static int actions_stats_long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static void actions_stats_sum(struct actions_stats_sums *s,
			      const struct actions_outcomes *oc)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < oc->nr; i++) {
		const struct actions_output *x = &oc->items[i];

		s->n[x->kind][x->outcome]++;
		if (x->kind == ACTIONS_OUTPUT_TASK_PR &&
		    x->outcome == ACTIONS_OUTCOME_ACCEPTED)
			s->task_cost += x->cost_usd;
	}
	s->latency = xcalloc(oc->nr_prs ? oc->nr_prs : 1, sizeof(long));
	for (i = 0; i < oc->nr_prs; i++) {
		const struct actions_pr_record *p = &oc->prs[i];

		if (p->cost_usd > 0 || p->cost_unknown) {
			s->cost += p->cost_usd;
			s->cost_prs++;
			s->cost_unknown |= p->cost_unknown;
		}
		if (p->latency_s >= 0)
			s->latency[s->nr_latency++] = p->latency_s;
	}
	qsort(s->latency, s->nr_latency, sizeof(long), actions_stats_long_cmp);
}

static void actions_stats_rate(struct buf *b, size_t acc, size_t rej)
{
	if (acc + rej)
		buf_printf(b, "%.0f%%", 100.0 * (double)acc /
			   (double)(acc + rej));
	else
		buf_puts(b, "-");
}

/*
 * Words from outside (rule names, a person's quoted reply, already
 * masked): markdown gets them escaped and masked again, one line.
 */
static void actions_stats_put(struct buf *out, const char *s, int md)
{
	if (md)
		review_report_md_text(out, s, 300);
	else
		buf_puts(out, s);
}

static const char *const actions_stats_by_names[] = {
	"rule", "pack", "agent", "model"
};

static void actions_stats_text_table(struct buf *out,
				     const struct actions_stats_table *t,
				     const char *by, int md)
{
	size_t i;

	if (!t->nr)
		return;
	if (md)
		buf_printf(out, "\n| %s | accepted | rejected | open | "
			   "acceptance |\n| --- | ---: | ---: | ---: | ---: |\n",
			   by);
	else
		buf_printf(out, "\nby %s:\n  %-40s %8s %8s %6s %10s\n", by,
			   by, "accepted", "rejected", "open", "acceptance");
	for (i = 0; i < t->nr; i++) {
		const struct actions_stats_group *g = &t->items[i];
		struct buf rate = BUF_INIT;

		actions_stats_rate(&rate, g->accepted, g->rejected);
		if (md) {
			buf_puts(out, "| ");
			actions_stats_put(out, g->name, 1);
			buf_printf(out, " | %zu | %zu | %zu | %s |\n",
				   g->accepted, g->rejected, g->open, rate.ptr);
		} else {
			buf_printf(out, "  %-40s %8zu %8zu %6zu %10s\n",
				   g->name, g->accepted, g->rejected, g->open,
				   rate.ptr);
		}
		buf_release(&rate);
	}
}

static void actions_stats_text(struct buf *out,
			       const struct actions_stats_result *r,
			       const char *since, int md)
{
	struct actions_stats_sums s;
	size_t by, i, shown = 0, accepted;
	const char *h = md ? "#### " : "";

	actions_stats_sum(&s, &r->oc);
	accepted = s.n[ACTIONS_OUTPUT_COMMENT][ACTIONS_OUTCOME_ACCEPTED];
	buf_printf(out, "%stend stats since %s: %zu pull/merge request%s "
		   "(%zu read from the forge, %zu from the store)%s\n",
		   md ? "### " : "", since, r->oc.nr_prs,
		   r->oc.nr_prs == 1 ? "" : "s", r->prs_read, r->prs_cached,
		   r->truncated ? "; more were left out (--max-prs)" : "");
	if (r->note)
		buf_printf(out, "\nnote: %s\n", r->note);
	if (r->no_resolutions) {
		buf_puts(out, "\nnote: resolved threads are not counted: ");
		actions_stats_put(out, r->no_resolutions, md);
		buf_puts(out, "\n");
	}
	buf_printf(out, "\n%sReview comments: %zu: %zu accepted, %zu "
		   "rejected, %zu open; acceptance ", h,
		   s.n[0][0] + s.n[0][1] + s.n[0][2], accepted, s.n[0][2],
		   s.n[0][0]);
	actions_stats_rate(out, accepted, s.n[0][2]);
	buf_puts(out, " of those decided\n");
	for (by = 0; by < 4; by++) {
		struct actions_stats_table t;

		actions_stats_group(&t, &r->oc, (enum actions_stats_by)by);
		actions_stats_text_table(out, &t, actions_stats_by_names[by],
					 md);
		actions_stats_table_release(&t);
	}
	buf_printf(out, "\n%sFix-up commits: %zu accepted (merged), %zu "
		   "rejected (reverted, dropped or closed), %zu open\n", h,
		   s.n[1][1], s.n[1][2], s.n[1][0]);
	buf_printf(out, "%sTask PRs: %zu merged, %zu closed unmerged, %zu "
		   "open\n", md ? "\n" : "", s.n[2][1], s.n[2][2], s.n[2][0]);
	buf_printf(out, "\n%sLatency (a run's start to tend's first comment "
		   "on the PR): ", h);
	if (s.nr_latency)
		buf_printf(out, "median %ld s, worst %ld s over %zu PRs\n",
			   s.latency[s.nr_latency / 2],
			   s.latency[s.nr_latency - 1], s.nr_latency);
	else
		buf_puts(out, "not known (no summary with a start time)\n");
	buf_printf(out, "%sCost: ", md ? "\n" : "");
	if (s.cost_prs) {
		const char *atl = s.cost_unknown ? "at least " : "";

		buf_printf(out, "%s$%.4f over %zu reviewed PRs: %s$%.4f per "
			   "PR", atl, s.cost, s.cost_prs, atl,
			   s.cost / (double)s.cost_prs);
		if (accepted)
			buf_printf(out, ", %s$%.4f per accepted comment", atl,
				   s.cost / (double)accepted);
	} else {
		buf_puts(out, "no review cost recorded");
	}
	if (s.n[2][1])
		buf_printf(out, "; $%.4f per merged task PR",
			   s.task_cost / (double)s.n[2][1]);
	buf_puts(out, "\n");
	for (i = 0; i < r->oc.nr; i++) {
		const struct actions_output *x = &r->oc.items[i];

		if (x->outcome != ACTIONS_OUTCOME_REJECTED || shown >= 20)
			continue;
		if (!shown++)
			buf_printf(out, "\n%sRejected (the first 20)\n\n", h);
		buf_printf(out, "- #%ld %s ", x->pr,
			   actions_output_kind_name(x->kind));
		actions_stats_put(out, x->rule ? x->rule : x->agent ?
				  x->agent : "?", md);
		buf_puts(out, ": ");
		actions_stats_put(out, x->why ? x->why : "", md);
		buf_puts(out, "\n");
	}
	buf_printf(out, "\n%sforge: %lu reads, %lu writes; %.1f s%s\n",
		   md ? "<sub>" : "", r->requests.reads, r->requests.writes,
		   (double)r->ms / 1000.0, md ? "</sub>" : "");
	free(s.latency);
}

static json_t *actions_stats_json_table(const struct actions_outcomes *oc,
					enum actions_stats_by by)
{
	struct actions_stats_table t;
	json_t *a = json_array();
	size_t i;

	actions_stats_group(&t, oc, by);
	for (i = 0; i < t.nr; i++) {
		const struct actions_stats_group *g = &t.items[i];
		size_t d = g->accepted + g->rejected;

		json_array_append_new(a, json_pack(
			"{s:o,s:I,s:I,s:I,s:o}", "name",
			jsonutil_string(g->name), "accepted",
			(json_int_t)g->accepted, "rejected",
			(json_int_t)g->rejected, "open", (json_int_t)g->open,
			"acceptance", d ? json_real((double)g->accepted /
						    (double)d) : json_null()));
	}
	actions_stats_table_release(&t);
	return a;
}

static int actions_stats_json(struct buf *out,
			      const struct actions_stats_result *r,
			      const char *since)
{
	struct actions_stats_sums s;
	json_t *o = json_object(), *items = json_array(), *kinds;
	size_t i, k;
	char *text;

	actions_stats_sum(&s, &r->oc);
	json_object_set_new(o, "since", jsonutil_string(since));
	json_object_set_new(o, "prs", json_integer((json_int_t)r->oc.nr_prs));
	json_object_set_new(o, "prs_read", json_integer(
		(json_int_t)r->prs_read));
	json_object_set_new(o, "prs_cached", json_integer(
		(json_int_t)r->prs_cached));
	json_object_set_new(o, "truncated", json_boolean(r->truncated));
	kinds = json_object();
	for (k = 0; k < 3; k++)
		json_object_set_new(kinds, actions_output_kind_name(
			(enum actions_output_kind)k), json_pack(
			"{s:I,s:I,s:I}", "accepted", (json_int_t)s.n[k][1],
			"rejected", (json_int_t)s.n[k][2], "open",
			(json_int_t)s.n[k][0]));
	json_object_set_new(o, "totals", kinds);
	for (k = 0; k < 4; k++)
		json_object_set_new(o, actions_stats_by_names[k],
				    actions_stats_json_table(
					    &r->oc, (enum actions_stats_by)k));
	json_object_set_new(o, "cost_usd", json_real(s.cost));
	json_object_set_new(o, "cost_unknown", json_boolean(s.cost_unknown));
	json_object_set_new(o, "cost_prs", json_integer(
		(json_int_t)s.cost_prs));
	json_object_set_new(o, "task_cost_usd", json_real(s.task_cost));
	json_object_set_new(o, "latency_median_s", s.nr_latency ?
			    json_integer(s.latency[s.nr_latency / 2]) :
			    json_null());
	for (i = 0; i < r->oc.nr; i++) {
		const struct actions_output *x = &r->oc.items[i];

		json_array_append_new(items, json_pack(
			"{s:I,s:s,s:o,s:o,s:o,s:o,s:s,s:o}", "pr",
			(json_int_t)x->pr, "kind",
			actions_output_kind_name(x->kind), "fingerprint",
			x->fingerprint ? jsonutil_string(x->fingerprint) :
			json_null(), "rule", x->rule ?
			jsonutil_string(x->rule) : json_null(), "agent",
			x->agent ? jsonutil_string(x->agent) : json_null(),
			"model", x->model ? jsonutil_string(x->model) :
			json_null(), "outcome",
			actions_outcome_name(x->outcome), "why",
			jsonutil_string(x->why ? x->why : "")));
	}
	json_object_set_new(o, "outputs", items);
	json_object_set_new(o, "forge", json_pack("{s:I,s:I}", "reads",
		(json_int_t)r->requests.reads, "writes",
		(json_int_t)r->requests.writes));
	json_object_set_new(o, "ms", json_integer(r->ms));
	if (r->note)
		json_object_set_new(o, "note", jsonutil_string(r->note));
	if (r->no_resolutions)
		json_object_set_new(o, "resolutions_unread",
				    jsonutil_string(r->no_resolutions));
	text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(o);
	free(s.latency);
	if (!text)
		return -1;
	buf_puts(out, text);
	buf_putc(out, '\n');
	free(text);
	return 0;
}

int actions_stats_format(struct buf *out, const struct actions_stats_result *r,
			 const char *since, const char *format,
			 struct buf *err)
{
	if (!format || !strcmp(format, "text"))
		actions_stats_text(out, r, since, 0);
	else if (!strcmp(format, "markdown"))
		actions_stats_text(out, r, since, 1);
	else if (!strcmp(format, "json"))
		return actions_stats_json(out, r, since) < 0 ?
		       error_set(err, TEND_ERROR, "cannot write JSON") : 0;
	else
		return error_set(err, TEND_EINVALID, "tend stats writes text, "
				 "markdown or json, not '%s'", format);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Noise control.                                                       */

void actions_stats_mutes_release(struct actions_stats_mutes *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		free((char *)m->items[i].name);
		free((char *)m->items[i].why);
	}
	free(m->items);
	memset(m, 0, sizeof(*m));
}

static void actions_stats_mute_table(struct actions_stats_mutes *out,
				     const struct actions_stats_table *t,
				     int agent, double below, long min)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		const struct actions_stats_group *g = &t->items[i];
		size_t d = g->accepted + g->rejected;
		struct review_mute *m;

		if (agent && !strcmp(g->name, "static"))
			continue;
		if (!d || d < (size_t)min ||
		    (double)g->accepted / (double)d >= below)
			continue;
		out->items = xrealloc(out->items, (out->nr + 1) *
				      sizeof(*out->items));
		m = &out->items[out->nr++];
		m->name = xstrdup(g->name);
		m->agent = agent;
		m->why = xasprintf("acceptance %.0f%% (%zu of %zu decided "
				   "comments taken)", 100.0 *
				   (double)g->accepted / (double)d,
				   g->accepted, d);
	}
}

void actions_stats_mutes(struct actions_stats_mutes *out,
			 const struct actions_outcomes *all, double below,
			 long min_samples)
{
	struct actions_stats_table t;

	memset(out, 0, sizeof(*out));
	if (below <= 0)
		return;
	actions_stats_group(&t, all, ACTIONS_STATS_BY_RULE);
	actions_stats_mute_table(out, &t, 0, below, min_samples);
	actions_stats_table_release(&t);
	actions_stats_group(&t, all, ACTIONS_STATS_BY_AGENT);
	actions_stats_mute_table(out, &t, 1, below, min_samples);
	actions_stats_table_release(&t);
}

void actions_stats_load_store(struct actions_outcomes *all, const char *path)
{
	struct actions_store *st = NULL;
	struct buf err = BUF_INIT;
	char *note = NULL;

	if (access(path, F_OK) < 0) {
		log_info("no trust store at '%s' yet (tend stats writes it)",
			 path);
		return;
	}
	if (actions_store_open(&st, path, &note, &err) < 0 ||
	    actions_store_load_all(st, all, &err) < 0) {
		log_warn("%s; going on without measurements", err.ptr);
		actions_outcomes_release(all);
	}
	if (note)
		log_warn("%s", note);
	free(note);
	actions_store_close(st);
	buf_release(&err);
}

void actions_stats_mutes_load(struct actions_stats_mutes *out,
			      const char *path, double below,
			      long min_samples)
{
	struct actions_outcomes all;

	memset(out, 0, sizeof(*out));
	if (below <= 0)
		return;
	actions_outcomes_init(&all);
	actions_stats_load_store(&all, path);
	actions_stats_mutes(out, &all, below, min_samples);
	actions_outcomes_release(&all);
}

void actions_stats_evidence(struct agent_evidence **out, size_t *nr_out,
			    const struct actions_outcomes *all,
			    const char *agent)
{
	struct agent_evidence *ev = NULL;
	size_t nr = 0, i, j;

	for (i = 0; i < all->nr; i++) {
		const struct actions_output *x = &all->items[i];
		struct agent_evidence *e = NULL;

		if (x->kind != ACTIONS_OUTPUT_COMMENT || !x->model ||
		    !x->size || !x->agent || strcmp(x->agent, agent) ||
		    x->outcome == ACTIONS_OUTCOME_OPEN)
			continue;
		for (j = 0; j < nr && !e; j++)
			if (!strcmp(ev[j].spec, x->model) &&
			    !strcmp(ev[j].size, x->size))
				e = &ev[j];
		if (!e) {
			ev = xrealloc(ev, (nr + 1) * sizeof(*ev));
			e = &ev[nr++];
			memset(e, 0, sizeof(*e));
			e->spec = x->model;
			e->size = x->size;
		}
		e->decided++;
		e->accepted += x->outcome == ACTIONS_OUTCOME_ACCEPTED;
		e->cost_usd += x->cost_usd;
	}
	*out = ev;
	*nr_out = nr;
}

void actions_stats_brief(char **result_out, char **detail_out,
			 const struct actions_stats_result *r)
{
	struct actions_stats_sums s;
	struct actions_stats_table t;
	struct buf res = BUF_INIT, det = BUF_INIT;
	size_t acc, rej, i, shown = 0;

	actions_stats_sum(&s, &r->oc);
	acc = s.n[ACTIONS_OUTPUT_COMMENT][ACTIONS_OUTCOME_ACCEPTED];
	rej = s.n[ACTIONS_OUTPUT_COMMENT][ACTIONS_OUTCOME_REJECTED];
	buf_puts(&res, "review comments ");
	actions_stats_rate(&res, acc, rej);
	buf_printf(&res, " taken (%zu of %zu decided); fix-ups %zu of %zu "
		   "kept; task PRs %zu of %zu merged", acc, acc + rej,
		   s.n[1][1], s.n[1][1] + s.n[1][2], s.n[2][1],
		   s.n[2][1] + s.n[2][2]);
	buf_printf(&det, "%zu pull/merge requests.", r->oc.nr_prs);
	if (s.cost_prs)
		buf_printf(&det, " Review cost %s$%.2f.", s.cost_unknown ?
			   "at least " : "", s.cost);
	/* The rules people took least, with enough to say so. */
	actions_stats_group(&t, &r->oc, ACTIONS_STATS_BY_RULE);
	for (i = 0; i < t.nr && shown < 3; i++) {
		const struct actions_stats_group *g = &t.items[i];

		if (g->accepted + g->rejected < 3 ||
		    g->accepted * 2 >= g->accepted + g->rejected)
			continue;
		buf_printf(&det, "%s %s: %zu of %zu taken", shown++ ?
			   ";" : " Least taken:", g->name, g->accepted,
			   g->accepted + g->rejected);
	}
	if (shown)
		buf_putc(&det, '.');
	actions_stats_table_release(&t);
	free(s.latency);
	*result_out = buf_detach(&res, NULL);
	*detail_out = buf_detach(&det, NULL);
}
