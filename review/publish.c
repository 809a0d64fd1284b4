/*
 * publish.c - the publication plan of a review: see publish.h. It reads
 * the markers of tend's own earlier notes (fingerprints, rules, the
 * summary and its digest) and writes the bodies and the summary; it sends
 * nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "review/publish.h"

#define REVIEW_PUBLISH_MSG 2000		/* bytes of a message in a comment */
#define REVIEW_PUBLISH_CELL 300
#define REVIEW_PUBLISH_GONE 50		/* gone comments listed by name */
#define REVIEW_PUBLISH_GONE_FPS 200	/* ... and in the state marker */
#define REVIEW_PUBLISH_UNSEEN 50
#define REVIEW_PUBLISH_SKIPPED 50
#define REVIEW_PUBLISH_MAX_ANN 500	/* check-run annotations in all */

void review_plan_init(struct review_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

void review_plan_release(struct review_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr_inlines; i++)
		free((char *)plan->inlines[i].body);
	for (i = 0; i < plan->nr_gone; i++)
		free(plan->gone[i].rule);
	free(plan->inlines);
	free(plan->gone);
	free(plan->place);
	free(plan->review_body);
	free(plan->run_marker);
	free(plan->summary);
	free(plan->title);
	free(plan->annotations);
	review_plan_init(plan);
}

const char *review_place_name(enum review_place place)
{
	switch (place) {
	case REVIEW_PLACE_INLINE:
		return "inline";
	case REVIEW_PLACE_POSTED:
		return "already posted";
	case REVIEW_PLACE_OUTSIDE_DIFF:
		return "outside the diff";
	case REVIEW_PLACE_WHOLE_FILE:
		return "about the whole file";
	case REVIEW_PLACE_SPLIT:
		return "suggestion spans more than one hunk";
	case REVIEW_PLACE_NO_WRITE:
		return "the token cannot post comments";
	case REVIEW_PLACE_NOT_SHOWN:
		return "the forge does not show this file's diff";
	case REVIEW_PLACE_MUTED:
		return "muted: few of its comments were taken";
	case REVIEW_PLACE_OVER_LIMIT:
		break;
	}
	return "over the comment limit";
}

int review_publish_parse_marker(const char *body, char *out, size_t size,
				char **rule)
{
	const char *p = body ? strstr(body, REVIEW_MARK_FP) : NULL, *e;
	size_t n = 0;

	if (rule)
		*rule = NULL;
	if (!p || !size)
		return -1;
	p += strlen(REVIEW_MARK_FP);
	while (p[n] && p[n] != ' ' && p[n] != '-' && n + 1 < size) {
		out[n] = p[n];
		n++;
	}
	out[n] = '\0';
	if (!n)
		return -1;
	if (rule && (p = strstr(p, " rule=")) && (e = strstr(p, " -->"))) {
		p += 6;
		if (e > p && !memchr(p, '\n', (size_t)(e - p)))
			*rule = xstrndup(p, (size_t)(e - p));
	}
	return 0;
}

static uint64_t review_publish_fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Severity first, then where. */
static const struct review_finding *review_publish_sort_base;

static int review_publish_cmp(const void *a, const void *b)
{
	const struct review_finding *fa =
		&review_publish_sort_base[*(const size_t *)a];
	const struct review_finding *fb =
		&review_publish_sort_base[*(const size_t *)b];
	int c;

	if (fa->severity != fb->severity)
		return fa->severity > fb->severity ? -1 : 1;
	if ((c = strcmp(fa->path, fb->path)))
		return c;
	if (fa->line != fb->line)
		return fa->line < fb->line ? -1 : 1;
	if (*(const size_t *)a != *(const size_t *)b)
		return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
	return 0;
}

static const char *review_publish_sev_title(enum review_severity sev)
{
	switch (sev) {
	case REVIEW_SEV_ERROR:
		return "Error";
	case REVIEW_SEV_WARNING:
		return "Warning";
	default:
		return "Note";
	}
}

/* The longest run of backticks in `s`. */
static size_t review_publish_ticks(const char *s)
{
	size_t best = 0, run = 0;

	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* A value goes in a marker as is, minus anything that would end it. */
static void review_publish_marker_value(struct buf *b, const char *v)
{
	const char *p;

	for (p = v; *p; p++)
		buf_putc(b, (*p == '-' && p[1] == '-') || *p == '>' ||
			 *p == '\n' || *p == ' ' || *p == ',' ? '_' : *p);
}

int review_publish_marker_field(const char *body, const char *marker,
				const char *key, char *out, size_t size)
{
	const char *p = body ? strstr(body, marker) : NULL, *e, *k;
	size_t klen = strlen(key), n = 0;

	if (size)
		out[0] = '\0';
	if (!p || !size)
		return -1;
	p += strlen(marker);
	/* The marker's own words only: up to its end, on its line. */
	if (!(e = strstr(p, "-->")))
		return -1;
	for (k = p; k < e; k++) {
		if ((k == p || k[-1] == ' ') && (size_t)(e - k) > klen &&
		    !strncmp(k, key, klen) && k[klen] == '=')
			break;
	}
	if (k >= e)
		return -1;
	k += klen + 1;
	while (k + n < e && k[n] != ' ' && k[n] != '\n' && n + 1 < size) {
		out[n] = k[n];
		n++;
	}
	out[n] = '\0';
	return 0;
}

static char *review_publish_body(const struct review_finding *f)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "**%s** `", review_publish_sev_title(f->severity));
	review_report_md_text(&b, f->rule_id ? f->rule_id : "finding", 200);
	buf_puts(&b, "`: ");
	review_report_md_text(&b, review_report_message(f),
			      REVIEW_PUBLISH_MSG);
	buf_puts(&b, "\n");
	if (f->suggestion) {
		size_t ticks = review_publish_ticks(f->suggestion), i;
		size_t len = strlen(f->suggestion);

		ticks = ticks < 3 ? 3 : ticks + 1;
		buf_puts(&b, "\n");
		for (i = 0; i < ticks; i++)
			buf_putc(&b, '`');
		buf_puts(&b, "suggestion\n");
		buf_puts(&b, f->suggestion);
		if (len && f->suggestion[len - 1] != '\n')
			buf_putc(&b, '\n');
		for (i = 0; i < ticks; i++)
			buf_putc(&b, '`');
		buf_puts(&b, "\n");
	}
	if (f->source && strcmp(f->source, "rules") &&
	    strcmp(f->source, "structure")) {
		buf_puts(&b, "\n<sub>from ");
		review_report_md_text(&b, f->source, 100);
		buf_puts(&b, "</sub>\n");
	}
	buf_printf(&b, "\n%s%s", REVIEW_MARK_FP,
		   f->fingerprint ? f->fingerprint : "0");
	/* Who said it, for tend stats: an agent's name and its model. */
	if (f->source && !strncmp(f->source, "agent:", 6)) {
		buf_puts(&b, " agent=");
		review_publish_marker_value(&b, f->source + 6);
	}
	if (f->model) {
		buf_puts(&b, " model=");
		review_publish_marker_value(&b, f->model);
	}
	if (f->size) {
		buf_puts(&b, " size=");
		review_publish_marker_value(&b, f->size);
	}
	if (f->cost_usd > 0)
		buf_printf(&b, " cost=%.6f", f->cost_usd);
	/* The rule goes last: older parsers take it up to the end. */
	buf_puts(&b, " rule=");
	if (f->rule_id)
		review_publish_marker_value(&b, f->rule_id);
	buf_puts(&b, " -->");
	if (b.len > FORGE_MAX_BODY)
		buf_truncate(&b, FORGE_MAX_BODY);
	return buf_detach(&b, NULL);
}

/*
 * Where may finding `f` be commented on? Fills c's lines from the diff and
 * returns the place.
 */
static enum review_place review_publish_anchor(const struct review_result *r,
					       const struct review_finding *f,
					       const struct review_publish_opts *o,
					       struct forge_inline *c)
{
	const struct review_diff_file *df;
	const struct review_line *first, *last;
	uint32_t start = f->line, end = f->end_line > f->line ? f->end_line
							      : f->line;
	size_t i;

	if (!f->line)
		return REVIEW_PLACE_WHOLE_FILE;
	for (i = 0; i < o->nr_unseen; i++)
		if (!strcmp(o->unseen[i].path, f->path))
			return REVIEW_PLACE_NOT_SHOWN;
	df = review_diff_find_file(&r->diff, f->path);
	if (!df || !df->new_path)
		return REVIEW_PLACE_OUTSIDE_DIFF;
	if (!review_diff_can_comment(df, REVIEW_SIDE_RIGHT, start, end)) {
		if (f->suggestion)
			return review_diff_can_comment(df, REVIEW_SIDE_RIGHT,
						       start, start) ?
				REVIEW_PLACE_SPLIT : REVIEW_PLACE_OUTSIDE_DIFF;
		end = start;
		if (!review_diff_can_comment(df, REVIEW_SIDE_RIGHT, start,
					     end))
			return REVIEW_PLACE_OUTSIDE_DIFF;
	}
	first = review_diff_find_line(df, REVIEW_SIDE_RIGHT, start, NULL);
	last = review_diff_find_line(df, REVIEW_SIDE_RIGHT, end, NULL);
	memset(c, 0, sizeof(*c));
	c->path = df->new_path;
	c->old_path = df->old_path && strcmp(df->old_path, df->new_path) ?
		      df->old_path : NULL;
	c->side = FORGE_SIDE_RIGHT;
	c->start_line = start;
	c->line = end;
	c->start_old = first->old_no;
	c->start_new = first->new_no;
	c->end_old = last->old_no;
	c->end_new = last->new_no;
	return REVIEW_PLACE_INLINE;
}

/* Is `f`'s rule, or the agent that wrote it, muted? */
static const struct review_mute *
review_publish_muted(const struct review_finding *f,
		     const struct review_publish_opts *o)
{
	const char *agent = f->source && !strncmp(f->source, "agent:", 6) ?
			    f->source + 6 : NULL;
	size_t i;

	for (i = 0; i < o->nr_mutes; i++) {
		const struct review_mute *m = &o->mutes[i];

		if (m->agent ? agent && !strcmp(agent, m->name) :
		    f->rule_id && !strcmp(f->rule_id, m->name))
			return m;
	}
	return NULL;
}

static int review_publish_has_fp(const char *const *fps, size_t n,
				 const char *fp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(fps[i], fp))
			return 1;
	return 0;
}

/*
 * A model's comment is not re-found word for word on the next run (models
 * vary), so its absence says nothing: only static findings are "gone".
 */
static int review_publish_is_agent(const char *body)
{
	const char *p = body ? strstr(body, REVIEW_MARK_FP) : NULL;

	return p && (p = strstr(p, " rule=")) && !strncmp(p + 6, "agent/", 6);
}

static void review_publish_loc(struct buf *b, const char *path, uint32_t line,
			       uint32_t end)
{
	review_report_md_text(b, path ? path : "?", REVIEW_PUBLISH_CELL);
	if (line) {
		buf_printf(b, ":%u", line);
		if (end > line)
			buf_printf(b, "-%u", end);
	}
}

/*
 * What tend stats reads back from the summary, after the digest (so it
 * does not make the summary look changed): this run, when the first run
 * that wrote the summary started and what the runs cost together, and the
 * fingerprints of tend's comments whose findings are gone.
 */
static void review_publish_state_fields(struct buf *out,
					const struct review_plan *plan,
					const struct review_result *r,
					const struct review_publish_opts *o)
{
	char first[24] = "", total[32] = "";
	double sum = r->cost_usd;
	int unknown = r->cost_unknown;
	size_t i, n = 0;

	buf_puts(out, " run=");
	review_publish_marker_value(out, o->run_id ? o->run_id : "0");
	if (plan->summary_note) {
		review_publish_marker_field(plan->summary_note->body,
					    REVIEW_MARK_STATE, "first", first,
					    sizeof(first));
		if (!review_publish_marker_field(plan->summary_note->body,
						 REVIEW_MARK_STATE, "total",
						 total, sizeof(total))) {
			char *end;
			double t = strtod(total, &end);

			if (end != total && *end == '\0' && t >= 0 && t < 1e9)
				sum += t;
			else
				unknown = 1;
		}
	}
	buf_printf(out, " start=%ld first=%s", o->start_s,
		   first[0] ? first : "");
	if (!first[0])
		buf_printf(out, "%ld", o->start_s);
	buf_printf(out, " cost=%s%.6f total=%s%.6f", r->cost_unknown ?
		   "~" : "", r->cost_usd, unknown ? "~" : "", sum);
	if (!plan->nr_gone)
		return;
	buf_puts(out, " gone=");
	for (i = 0; i < plan->nr_gone && n < REVIEW_PUBLISH_GONE_FPS; i++) {
		char fp[65];

		if (review_publish_parse_marker(plan->gone[i].note->body, fp,
						sizeof(fp), NULL) < 0)
			continue;
		buf_printf(out, "%s%s", n++ ? "," : "", fp);
	}
}

static void review_publish_summary(struct review_plan *plan,
				   const struct review_result *r,
				   const size_t *order,
				   const struct review_publish_opts *opts)
{
	struct buf head = BUF_INIT, table = BUF_INIT, rest = BUF_INIT,
		   row = BUF_INIT, out = BUF_INIT;
	size_t i, counts[4], failing = 0, rows = 0, listed = 0, budget;
	size_t reviewed = review_result_reviewed(r), unrecovered = 0;
	char digest[17];

	review_result_count(r, counts);
	for (i = 0; i < r->findings.nr; i++)
		failing += r->fail_level != REVIEW_SEV_NONE &&
			   r->findings.items[i].severity >= r->fail_level;
	for (i = 0; i < opts->nr_unseen; i++)
		unrecovered += !opts->unseen[i].recovered;

	buf_puts(&head, REVIEW_MARK_SUMMARY "\n### tend review\n\n");
	if (unrecovered)
		buf_printf(&head, ":warning: **Partial review: %zu changed "
			   "file%s could not be seen.**\n\n", unrecovered,
			   unrecovered == 1 ? "" : "s");
	if (r->fail_level == REVIEW_SEV_NONE)
		buf_puts(&head, ":information_source: Fail level `none`: "
			 "this review does not fail.\n\n");
	else if (failing || r->nr_tool_errors) {
		buf_printf(&head, ":x: **%zu finding%s at or above the fail "
			   "level (`%s`)", failing, failing == 1 ? "" : "s",
			   review_severity_name(r->fail_level));
		if (r->nr_tool_errors)
			buf_printf(&head, " and %zu check%s that failed to run",
				   r->nr_tool_errors,
				   r->nr_tool_errors == 1 ? "" : "s");
		buf_puts(&head, "**\n\n");
	} else {
		buf_printf(&head, ":white_check_mark: **Nothing at or above "
			   "the fail level (`%s`)**\n\n",
			   review_severity_name(r->fail_level));
	}
	buf_printf(&head, "%zu finding%s: %zu error%s, %zu warning%s, %zu "
		   "note%s; %zu inline, %zu listed below. Reviewed "
		   "%zu of %zu changed file%s at `%.12s`.\n",
		   r->findings.nr, r->findings.nr == 1 ? "" : "s",
		   counts[REVIEW_SEV_ERROR],
		   counts[REVIEW_SEV_ERROR] == 1 ? "" : "s",
		   counts[REVIEW_SEV_WARNING],
		   counts[REVIEW_SEV_WARNING] == 1 ? "" : "s",
		   counts[REVIEW_SEV_NOTE],
		   counts[REVIEW_SEV_NOTE] == 1 ? "" : "s",
		   plan->nr_inlines + plan->nr_posted,
		   plan->nr_summary, reviewed, r->nr_files,
		   r->nr_files == 1 ? "" : "s", r->head_oid);

	/* What went where: after the table, the parts that are always said. */
	if (plan->nr_gone) {
		buf_printf(&rest, "\n#### No longer found (%zu)\n\n",
			   plan->nr_gone);
		for (i = 0; i < plan->nr_gone && i < REVIEW_PUBLISH_GONE; i++) {
			const struct review_gone *g = &plan->gone[i];

			buf_puts(&rest, "- ~~");
			review_publish_loc(&rest, g->note->path, g->note->line,
					   0);
			if (g->rule) {
				buf_puts(&rest, " `");
				review_report_md_text(&rest, g->rule, 200);
				buf_puts(&rest, "`");
			}
			buf_puts(&rest, "~~ ");
			if (g->note->replies)
				buf_puts(&rest, "fixed or removed; left open "
					 "for the people discussing it\n");
			else if (opts->kind == FORGE_GITLAB)
				buf_puts(&rest, "fixed or removed; thread "
					 "resolved\n");
			else
				buf_puts(&rest, "fixed or removed; its comment "
					 "is outdated\n");
		}
		if (plan->nr_gone > REVIEW_PUBLISH_GONE)
			buf_printf(&rest, "- and %zu more\n",
				   plan->nr_gone - REVIEW_PUBLISH_GONE);
	}
	if (opts->nr_mutes) {
		buf_printf(&rest, "\n#### Muted (%zu)\n\nPeople took few of "
			   "these comments (`review.mute_below` %.2f), so they "
			   "go to this summary, not inline, until their "
			   "acceptance recovers; nothing already posted is "
			   "removed.\n\n", opts->nr_mutes, opts->mute_below);
		for (i = 0; i < opts->nr_mutes; i++) {
			buf_printf(&rest, "- %s `", opts->mutes[i].agent ?
				   "agent" : "rule");
			review_report_md_text(&rest, opts->mutes[i].name, 200);
			buf_puts(&rest, "`: ");
			review_report_md_text(&rest, opts->mutes[i].why ?
					      opts->mutes[i].why : "", 200);
			buf_puts(&rest, "\n");
		}
	}
	if (opts->nr_unseen) {
		buf_printf(&rest, "\n#### Not seen through the %s API (%zu)\n\n",
			   opts->kind == FORGE_GITLAB ? "GitLab" : "GitHub",
			   opts->nr_unseen);
		for (i = 0; i < opts->nr_unseen && i < REVIEW_PUBLISH_UNSEEN;
		     i++) {
			buf_puts(&rest, "- ");
			review_report_md_text(&rest, opts->unseen[i].path,
					      REVIEW_PUBLISH_CELL);
			buf_puts(&rest, ": ");
			review_report_md_text(&rest, opts->unseen[i].reason,
					      REVIEW_PUBLISH_CELL);
			buf_puts(&rest, opts->unseen[i].recovered ?
				 "; diffed from the checkout instead\n" :
				 "; **not reviewed**\n");
		}
		if (opts->nr_unseen > REVIEW_PUBLISH_UNSEEN)
			buf_printf(&rest, "- and %zu more\n",
				   opts->nr_unseen - REVIEW_PUBLISH_UNSEEN);
	}
	if (r->nr_tool_errors) {
		buf_puts(&rest, "\n#### Checks that could not run\n\n");
		for (i = 0; i < r->nr_tool_errors && i < 20; i++) {
			buf_puts(&rest, "- **");
			review_report_md_text(&rest, r->tool_errors[i].tool, 100);
			buf_puts(&rest, "**: ");
			review_report_md_text(&rest, r->tool_errors[i].message,
					      REVIEW_PUBLISH_CELL);
			buf_puts(&rest, "\n");
		}
	}
	if (r->structure_skipped)
		buf_printf(&rest, "\nStructural checks were skipped for %zu "
			   "file%s (too large, or the %ld MB parse budget "
			   "`checks.structure_max_mb` was spent).\n",
			   r->structure_skipped,
			   r->structure_skipped == 1 ? "" : "s",
			   r->structure_budget_mb);
	buf_printf(&rest, "\n<details><summary>Files: %zu reviewed, %zu "
		   "skipped</summary>\n\n", reviewed, r->nr_files - reviewed);
	for (i = 0; i < r->nr_files; i++) {
		const struct review_file_entry *e = &r->files[i];

		if (e->skip == REVIEW_SKIP_NONE)
			continue;
		if (listed++ >= REVIEW_PUBLISH_SKIPPED)
			continue;
		buf_puts(&rest, "- ");
		review_report_md_text(&rest, e->file->path,
				      REVIEW_PUBLISH_CELL);
		buf_printf(&rest, ": skipped, %s", review_skip_name(e->skip));
		if (e->detail) {
			buf_puts(&rest, " (");
			review_report_md_text(&rest, e->detail,
					      REVIEW_PUBLISH_CELL);
			buf_puts(&rest, ")");
		}
		buf_puts(&rest, "\n");
	}
	if (listed > REVIEW_PUBLISH_SKIPPED)
		buf_printf(&rest, "- and %zu more skipped\n",
			   listed - REVIEW_PUBLISH_SKIPPED);
	if (!listed)
		buf_puts(&rest, "No file was skipped.\n");
	buf_puts(&rest, "\n</details>\n");
	if (opts->extra)
		buf_printf(&rest, "\n%s\n", opts->extra);
	else if (r->agents_md)
		buf_printf(&rest, "\n%s\n", r->agents_md);

	/* The table of what is not inline gets what is left of the limit. */
	budget = REVIEW_MARKDOWN_MAX - 600;
	budget -= head.len + rest.len < budget ? head.len + rest.len : budget;
	if (plan->nr_summary)
		buf_printf(&table, "\n#### Not inline (%zu)\n\n| Location | "
			   "Severity | Rule | Message | Why here |\n| --- | "
			   "--- | --- | --- | --- |\n", plan->nr_summary);
	for (i = 0; i < r->findings.nr; i++) {
		size_t k = order[i];
		const struct review_finding *f = &r->findings.items[k];

		if (plan->place[k] == REVIEW_PLACE_INLINE ||
		    plan->place[k] == REVIEW_PLACE_POSTED)
			continue;
		buf_reset(&row);
		buf_puts(&row, "| ");
		review_publish_loc(&row, f->path, f->line, f->end_line);
		buf_printf(&row, " | %s | ", review_severity_name(f->severity));
		review_report_md_text(&row, f->rule_id ? f->rule_id : "",
				      REVIEW_PUBLISH_CELL);
		buf_puts(&row, " | ");
		review_report_md_text(&row, review_report_message(f),
				      REVIEW_PUBLISH_CELL);
		buf_printf(&row, " | %s |\n", review_place_name(plan->place[k]));
		if (table.len + row.len > budget)
			break;
		buf_add(&table, row.ptr, row.len);
		rows++;
	}
	if (rows < plan->nr_summary)
		buf_printf(&table, "\n_%zu more not shown, to stay within the "
			   "comment size limit; the step summary and the "
			   "check run list them._\n", plan->nr_summary - rows);

	buf_add(&out, head.ptr, head.len);
	buf_add(&out, table.ptr, table.len);
	buf_add(&out, rest.ptr, rest.len);
	/* Everything above the timing decides whether the summary changed. */
	snprintf(digest, sizeof(digest), "%016llx",
		 (unsigned long long)review_publish_fnv(out.ptr, out.len));
	buf_printf(&out, "\n<sub>tend %s · %.1f s", TEND_VERSION,
		   (double)r->elapsed_ms / 1000.0);
	if (opts->run_url)
		buf_printf(&out, " · [CI run](%s)", opts->run_url);
	buf_printf(&out, "</sub>\n%sdigest=%s", REVIEW_MARK_STATE, digest);
	review_publish_state_fields(&out, plan, r, opts);
	buf_puts(&out, " -->\n");
	plan->summary = buf_detach(&out, NULL);
	buf_release(&head);
	buf_release(&table);
	buf_release(&rest);
	buf_release(&row);
}

int review_publish_parse_digest(const char *body, char out[17])
{
	const char *p = body ? strstr(body, REVIEW_MARK_STATE) : NULL;
	size_t n = 0;

	out[0] = '\0';
	if (!p || !(p = strstr(p, "digest=")))
		return -1;
	p += 7;
	while (n < 16 && p[n] && p[n] != ' ') {
		out[n] = p[n];
		n++;
	}
	out[n] = '\0';
	return n ? 0 : -1;
}

static void review_publish_state(struct review_plan *plan,
				 const struct review_result *r,
				 const struct review_publish_opts *opts)
{
	size_t counts[4], i, unrecovered = 0;
	struct buf t = BUF_INIT;
	int fails = r->fail_level != REVIEW_SEV_NONE &&
		    review_result_max(r) >= r->fail_level;

	for (i = 0; i < opts->nr_unseen; i++)
		unrecovered += !opts->unseen[i].recovered;
	review_result_count(r, counts);
	if (fails)
		plan->state = FORGE_STATE_FAILURE;
	else if (unrecovered)
		plan->state = FORGE_STATE_NEUTRAL;
	else
		plan->state = FORGE_STATE_SUCCESS;
	if (unrecovered)
		buf_printf(&t, "Partial: %zu file%s not seen; ", unrecovered,
			   unrecovered == 1 ? "" : "s");
	if (!r->findings.nr)
		buf_puts(&t, "no findings");
	else
		buf_printf(&t, "%zu error%s, %zu warning%s, %zu note%s",
			   counts[REVIEW_SEV_ERROR],
			   counts[REVIEW_SEV_ERROR] == 1 ? "" : "s",
			   counts[REVIEW_SEV_WARNING],
			   counts[REVIEW_SEV_WARNING] == 1 ? "" : "s",
			   counts[REVIEW_SEV_NOTE],
			   counts[REVIEW_SEV_NOTE] == 1 ? "" : "s");
	if (r->nr_tool_errors)
		buf_printf(&t, "; %zu check%s failed to run", r->nr_tool_errors,
			   r->nr_tool_errors == 1 ? "" : "s");
	buf_printf(&t, " in %zu file%s", review_result_reviewed(r),
		   review_result_reviewed(r) == 1 ? "" : "s");
	plan->title = buf_detach(&t, NULL);
}

void review_publish_plan(struct review_plan *plan,
			 const struct review_result *r,
			 const struct forge_notes *notes,
			 const struct review_publish_opts *opts)
{
	const char **posted = NULL, **current;
	size_t nr_posted = 0, alloc_posted = 0, *order, i, live = 0;
	long budget;
	char fp[65], old_digest[17], new_digest[17];

	review_plan_init(plan);
	plan->place = xcalloc(r->findings.nr ? r->findings.nr : 1,
			      sizeof(*plan->place));
	current = xcalloc(r->findings.nr ? r->findings.nr : 1,
			  sizeof(*current));
	for (i = 0; i < r->findings.nr; i++)
		current[i] = r->findings.items[i].fingerprint ?
			     r->findings.items[i].fingerprint : "";

	/*
	 * What is already on the PR: only tend's own notes say so. Anyone
	 * can copy a marker into a comment; a stranger's copy of a
	 * fingerprint must not keep a finding off the PR, nor a copy of the
	 * summary and its digest keep the summary and the status from being
	 * written, nor a bogus fingerprint get a stranger's thread resolved.
	 * Their replies still count in n->replies.
	 */
	for (i = 0; notes && i < notes->nr; i++) {
		const struct forge_note *n = &notes->items[i];

		if (n->reply || !n->own)
			continue;
		if (!n->inline_note && !plan->summary_note &&
		    n->body && strstr(n->body, REVIEW_MARK_SUMMARY)) {
			plan->summary_note = n;
			continue;
		}
		if (review_publish_parse_marker(n->body, fp, sizeof(fp),
						NULL) < 0)
			continue;
		ALLOC_GROW(posted, nr_posted + 1, alloc_posted);
		posted[nr_posted++] = strstr(n->body, REVIEW_MARK_FP) +
				      strlen(REVIEW_MARK_FP);
		if (review_publish_has_fp(current, r->findings.nr, fp)) {
			live++;
		} else if (!review_publish_is_agent(n->body)) {
			struct review_gone *g;

			plan->gone = xrealloc(plan->gone, (plan->nr_gone + 1) *
					      sizeof(*plan->gone));
			g = &plan->gone[plan->nr_gone++];
			g->note = n;
			review_publish_parse_marker(n->body, fp, sizeof(fp),
						    &g->rule);
			g->resolve = opts->kind == FORGE_GITLAB &&
				     n->resolvable && !n->resolved &&
				     !n->replies;
		}
	}

	order = xcalloc(r->findings.nr ? r->findings.nr : 1, sizeof(*order));
	for (i = 0; i < r->findings.nr; i++)
		order[i] = i;
	review_publish_sort_base = r->findings.items;
	qsort(order, r->findings.nr, sizeof(*order), review_publish_cmp);

	budget = (opts->max_comments >= 0 ? opts->max_comments : 25) -
		 (long)live;
	plan->inlines = xcalloc(r->findings.nr ? r->findings.nr : 1,
				sizeof(*plan->inlines));
	for (i = 0; i < r->findings.nr; i++) {
		size_t k = order[i], j;
		const struct review_finding *f = &r->findings.items[k];
		struct forge_inline c;
		enum review_place place;
		int seen = 0;

		for (j = 0; j < nr_posted && !seen; j++) {
			size_t n = strlen(current[k]);

			seen = n && !strncmp(posted[j], current[k], n) &&
			       (posted[j][n] == ' ' || posted[j][n] == '-');
		}
		if (seen) {
			plan->place[k] = REVIEW_PLACE_POSTED;
			plan->nr_posted++;
			continue;
		}
		place = review_publish_anchor(r, f, opts, &c);
		if (place == REVIEW_PLACE_INLINE &&
		    review_publish_muted(f, opts))
			place = REVIEW_PLACE_MUTED;
		else if (place == REVIEW_PLACE_INLINE && opts->no_inline)
			place = REVIEW_PLACE_NO_WRITE;
		else if (place == REVIEW_PLACE_INLINE && budget <= 0)
			place = REVIEW_PLACE_OVER_LIMIT;
		plan->place[k] = place;
		if (place != REVIEW_PLACE_INLINE) {
			plan->nr_summary++;
			continue;
		}
		budget--;
		c.body = review_publish_body(f);
		plan->inlines[plan->nr_inlines++] = c;
	}

	plan->run_marker = xasprintf("%s%s -->", REVIEW_MARK_RUN,
				     opts->run_id ? opts->run_id : "0");
	if (plan->nr_inlines)
		plan->review_body = xasprintf(
			"tend: %zu new comment%s; the summary comment has the "
			"rest.\n\n%s", plan->nr_inlines,
			plan->nr_inlines == 1 ? "" : "s", plan->run_marker);

	review_publish_state(plan, r, opts);
	review_publish_summary(plan, r, order, opts);
	if (plan->summary_note) {
		review_publish_parse_digest(plan->summary_note->body,
					    old_digest);
		review_publish_parse_digest(plan->summary, new_digest);
		plan->summary_same = old_digest[0] && !plan->nr_inlines &&
			!strcmp(old_digest, new_digest);
	}

	/* Check-run annotations: what is not inline, where it is. */
	plan->annotations = xcalloc(plan->nr_summary ? plan->nr_summary : 1,
				    sizeof(*plan->annotations));
	for (i = 0; i < r->findings.nr &&
	     plan->nr_annotations < REVIEW_PUBLISH_MAX_ANN; i++) {
		size_t k = order[i];
		const struct review_finding *f = &r->findings.items[k];
		struct forge_annotation *a;

		if (plan->place[k] == REVIEW_PLACE_INLINE ||
		    plan->place[k] == REVIEW_PLACE_POSTED)
			continue;
		a = &plan->annotations[plan->nr_annotations++];
		a->path = f->path;
		a->start_line = f->line ? f->line : 1;
		a->end_line = f->end_line > a->start_line ? f->end_line
							  : a->start_line;
		a->level = f->severity == REVIEW_SEV_ERROR ? FORGE_LEVEL_FAILURE
			 : f->severity == REVIEW_SEV_WARNING ?
			   FORGE_LEVEL_WARNING : FORGE_LEVEL_NOTICE;
		a->title = f->rule_id;
		a->message = review_report_message(f);
	}
	free(order);
	free(posted);
	free(current);
}

void review_plan_describe(struct buf *out, const struct review_plan *plan,
			  const struct review_result *r)
{
	size_t i;

	(void)r;
	buf_printf(out, "Dry run: nothing was posted.\n\n");
	buf_printf(out, "Inline comments to post: %zu (already on the PR: "
		   "%zu; in the summary: %zu)\n", plan->nr_inlines,
		   plan->nr_posted, plan->nr_summary);
	for (i = 0; i < plan->nr_inlines; i++) {
		const struct forge_inline *c = &plan->inlines[i];

		buf_printf(out, "\n--- %s:%u", c->path, c->start_line);
		if (c->line > c->start_line)
			buf_printf(out, "-%u", c->line);
		buf_printf(out, " (%s)\n%s\n",
			   c->side == FORGE_SIDE_LEFT ? "LEFT" : "RIGHT",
			   c->body);
	}
	for (i = 0; i < plan->nr_gone; i++)
		buf_printf(out, "\nNo longer found: %s:%u%s\n",
			   plan->gone[i].note->path ? plan->gone[i].note->path
						    : "?",
			   plan->gone[i].note->line,
			   plan->gone[i].resolve ? " (would resolve)" : "");
	buf_printf(out, "\nSummary (%s):\n%s\n",
		   plan->summary_same ? "unchanged, not written" :
		   plan->summary_note ? "edit in place" : "new comment",
		   plan->summary);
	buf_printf(out, "Status: %s - %s (%zu annotation%s)\n",
		   forge_state_name(plan->state), plan->title,
		   plan->nr_annotations, plan->nr_annotations == 1 ? "" : "s");
}
