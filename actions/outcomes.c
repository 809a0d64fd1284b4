/*
 * outcomes.c - classify tend's output on a pull/merge request by what
 * people did with it, and keep the result in the trust store (SQLite).
 *
 * It reads plain structs the forge adapters filled (notes, commits, the
 * PR's state) and the markers review/publish wrote; it does not talk to
 * the forge itself (actions/stats.c does) and decides nothing about what
 * to post (muting and routing read the store through actions/stats.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "actions/outcomes.h"
#include "common/error.h"
#include "common/feedback.h"
#include "common/redact.h"
#include "common/xalloc.h"
#include "review/publish.h"
#include "review/report.h"

#define ACTIONS_STORE_APP_ID 0x74727374	/* "trst" */
#define ACTIONS_STORE_SCHEMA 1
#define ACTIONS_STORE_BUSY_MS 5000
/* The longest quote of a person's reply kept in `why`. */
#define ACTIONS_OUTCOMES_QUOTE 160

void actions_outcomes_init(struct actions_outcomes *o)
{
	memset(o, 0, sizeof(*o));
}

void actions_outcomes_release(struct actions_outcomes *o)
{
	size_t i;

	for (i = 0; i < o->nr; i++) {
		struct actions_output *x = &o->items[i];

		free(x->key);
		free(x->fingerprint);
		free(x->rule);
		free(x->pack);
		free(x->agent);
		free(x->model);
		free(x->size);
		free(x->why);
		free(x->created_at);
	}
	for (i = 0; i < o->nr_prs; i++) {
		free(o->prs[i].state);
		free(o->prs[i].updated_at);
	}
	free(o->items);
	free(o->prs);
	actions_outcomes_init(o);
}

static struct actions_output *actions_outcomes_push(struct actions_outcomes *o)
{
	struct actions_output *x;

	ALLOC_GROW(o->items, o->nr + 1, o->alloc);
	x = &o->items[o->nr++];
	memset(x, 0, sizeof(*x));
	return x;
}

static struct actions_pr_record *
actions_outcomes_push_pr(struct actions_outcomes *o)
{
	struct actions_pr_record *p;

	ALLOC_GROW(o->prs, o->nr_prs + 1, o->alloc_prs);
	p = &o->prs[o->nr_prs++];
	memset(p, 0, sizeof(*p));
	p->latency_s = -1;
	return p;
}

const char *actions_outcome_name(enum actions_outcome oc)
{
	switch (oc) {
	case ACTIONS_OUTCOME_ACCEPTED:
		return "accepted";
	case ACTIONS_OUTCOME_REJECTED:
		return "rejected";
	case ACTIONS_OUTCOME_OPEN:
		break;
	}
	return "open";
}

const char *actions_output_kind_name(enum actions_output_kind k)
{
	switch (k) {
	case ACTIONS_OUTPUT_FIXUP:
		return "fix-up";
	case ACTIONS_OUTPUT_TASK_PR:
		return "task-pr";
	case ACTIONS_OUTPUT_COMMENT:
		break;
	}
	return "comment";
}

/* "2026-12-07T06:00:00Z" (fractions and an offset allowed) as Unix time. */
static int actions_outcomes_time(const char *s, long *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se, n = 0, oh = 0, om = 0;
	const char *p;
	long off = 0;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
			 &se, &n) != 6 || n != 19)
		return -1;
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		off = (*p == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
	else if (*p != 'Z')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (long)timegm(&tm) - off;
	return 0;
}

/* Is `fp` one of the comma-separated fingerprints of `list`? */
static int actions_outcomes_in_list(const char *list, const char *fp)
{
	size_t n = strlen(fp);
	const char *p = list;

	while (n && p && *p) {
		if (!strncmp(p, fp, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

/* `why` for a reply: the verdict and the person's words, masked, quoted. */
static char *actions_outcomes_quote(const char *verdict, const char *author,
				    const char *body)
{
	struct buf q = BUF_INIT, out = BUF_INIT;
	const char *p;

	/* Cut on a character boundary: never inside a UTF-8 sequence. */
	for (p = body; *p && (q.len < ACTIONS_OUTCOMES_QUOTE ||
			      ((unsigned char)*p & 0xc0) == 0x80); p++)
		buf_putc(&q, *p == '\n' || *p == '\r' || *p == '\t' ? ' ' :
			 (unsigned char)*p < 0x20 || *p == '"' ? '\'' : *p);
	if (*p)
		buf_puts(&q, "...");
	/* Tokens tend knows, then anything the secrets pack finds. */
	redact_buf(&q);
	buf_printf(&out, "%s by @%s: \"", verdict, author ? author : "?");
	review_report_mask(&out, q.ptr ? q.ptr : "", q.len);
	buf_putc(&out, '"');
	buf_release(&q);
	return buf_detach(&out, NULL);
}

/*
 * The reply verdict of the thread of `root`: the last reply of a person
 * with write access that says accept or reject. 0 with *verdict (NONE when
 * none) and *why, or the writer's error.
 */
static int actions_outcomes_replies(const struct actions_outcomes_pr_input *in,
				    const struct forge_note *root,
				    enum feedback_verdict *verdict,
				    char **why, struct buf *err)
{
	size_t i;
	int rc;

	*verdict = FEEDBACK_NONE;
	*why = NULL;
	if (!root->replies || !root->thread)
		return 0;
	for (i = 0; i < in->notes->nr; i++) {
		const struct forge_note *n = &in->notes->items[i];
		enum feedback_verdict v;

		if (!n->reply || n->own || n->author_is_bot || !n->author ||
		    !n->body || !n->thread || strcmp(n->thread, root->thread))
			continue;
		v = feedback_classify(n->body, strlen(n->body), NULL, NULL);
		if (v == FEEDBACK_NONE)
			continue;
		/* Only people who could have acted on it count. */
		rc = in->writer ? in->writer(n->author, n->author_id,
					     in->writer_data, err) : 0;
		if (rc < 0)
			return rc;
		if (!rc)
			continue;
		*verdict = v;
		free(*why);
		*why = actions_outcomes_quote(v == FEEDBACK_REJECT ?
					      "replied disagreeing" :
					      "replied agreeing", n->author,
					      n->body);
	}
	return 0;
}

/* The suggested text of a body tend wrote ("```suggestion" fence), or NULL. */
static char *actions_outcomes_suggestion(const char *body)
{
	const char *p = body, *start, *end;
	size_t ticks;
	char fence[32];

	while ((p = strstr(p, "suggestion\n"))) {
		const char *t = p;

		while (t > body && t[-1] == '`')
			t--;
		ticks = (size_t)(p - t);
		if (ticks >= 3 && ticks < sizeof(fence) - 1 &&
		    (t == body || t[-1] == '\n'))
			break;
		p += 11;
	}
	if (!p)
		return NULL;
	start = p + 11;
	fence[0] = '\n';
	memset(fence + 1, '`', ticks);
	fence[ticks + 1] = '\0';
	/* An empty suggestion (a deletion) has its fence right away. */
	if (!strncmp(start, fence + 1, ticks))
		return NULL;
	if (!(end = strstr(start - 1, fence)) || end < start)
		return NULL;
	return xstrndup(start, (size_t)(end - start));
}

/* The length of line `s` without its end and trailing blanks. */
static size_t actions_outcomes_trimmed(const char *s, const char *lim)
{
	const char *e = memchr(s, '\n', (size_t)(lim - s));
	size_t n = e ? (size_t)(e - s) : (size_t)(lim - s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n;
}

/*
 * Does `text` hold the lines of `sugg`, in a row, starting within a few
 * lines of `line` (1-based)? Trailing blanks aside.
 */
static int actions_outcomes_applied(const char *text, size_t len,
				    const char *sugg, uint32_t line)
{
	const char *lim = text + len, **starts = NULL, *p;
	size_t nr = 0, alloc = 0, i;
	long from, to, k;
	int found = 0;

	for (p = text; p < lim; ) {
		const char *e = memchr(p, '\n', (size_t)(lim - p));

		ALLOC_GROW(starts, nr + 1, alloc);
		starts[nr++] = p;
		p = e ? e + 1 : lim;
	}
	from = (long)line - 1 - 5;
	to = (long)line - 1 + 5;
	if (from < 0)
		from = 0;
	for (k = from; k <= to && k < (long)nr && !found; k++) {
		const char *s = sugg, *slim = sugg + strlen(sugg);

		found = 1;
		for (i = (size_t)k; s < slim; i++) {
			size_t a, b;

			if (i >= nr) {
				found = 0;
				break;
			}
			a = actions_outcomes_trimmed(starts[i], lim);
			b = actions_outcomes_trimmed(s, slim);
			if (a != b || memcmp(starts[i], s, a)) {
				found = 0;
				break;
			}
			s = memchr(s, '\n', (size_t)(slim - s));
			s = s ? s + 1 : slim;
		}
	}
	free(starts);
	return found;
}

/* Lines `from`..`to` (1-based) of `text`, as a span; empty past the end. */
static void actions_outcomes_span(const char *text, size_t len, long from,
				  long to, const char **start, size_t *n)
{
	const char *p = text, *lim = text + len, *s = NULL;
	long k = 1;

	if (from < 1)
		from = 1;
	for (; p < lim && k <= to; k++) {
		const char *e = memchr(p, '\n', (size_t)(lim - p));
		const char *next = e ? e + 1 : lim;

		if (k == from)
			s = p;
		p = next;
	}
	*start = s ? s : lim;
	*n = s ? (size_t)(p - s) : 0;
}

/*
 * Did the lines note `n` pointed at (and three around them) change
 * between the commit it was written on and the head? 1, 0, 2 unknown,
 * or the file callback's error (< 0).
 */
static int actions_outcomes_changed(const struct actions_outcomes_pr_input *in,
				    const struct forge_note *n,
				    struct buf *err)
{
	uint32_t line = n->original_line ? n->original_line : n->line;
	const char *t1 = NULL, *t2 = NULL, *s1, *s2;
	size_t l1 = 0, l2 = 0, n1, n2;
	char *old;
	int rc;

	if (!in->file_at || !n->path || !n->commit || !line)
		return 2;
	if ((rc = in->file_at(n->path, n->commit, &t1, &l1, in->file_data,
			      err)) < 0)
		return rc;
	if (rc)
		return 2;
	/* The callback's text may not outlive the next call: keep it. */
	old = xstrndup(t1, l1);
	rc = in->file_at(n->path, NULL, &t2, &l2, in->file_data, err);
	if (rc < 0) {
		free(old);
		return rc;
	}
	if (rc) {
		free(old);
		return 1;	/* the file is gone: changed */
	}
	actions_outcomes_span(old, l1, (long)line - 3, (long)line + 3, &s1,
			      &n1);
	actions_outcomes_span(t2, l2, (long)line - 3, (long)line + 3, &s2,
			      &n2);
	rc = n1 != n2 || memcmp(s1, s2, n1);
	free(old);
	return rc;
}

static int actions_outcomes_comment(struct actions_outcomes *o,
				    const struct actions_outcomes_pr_input *in,
				    size_t k, const char *gone,
				    struct buf *err)
{
	const struct forge_note *n = &in->notes->items[k];
	struct actions_output *x;
	enum feedback_verdict verdict;
	char fp[65], agent[128], model[160], rule[256], size[16], cost[32];
	char *why = NULL, *sugg = NULL;
	long downs = in->thumbs_down ? in->thumbs_down[k] : n->thumbs_down;
	int rc, resolved_by_person, applied = 0, changed = 2;

	if (review_publish_parse_marker(n->body, fp, sizeof(fp), NULL) < 0)
		return 0;
	if ((rc = actions_outcomes_replies(in, n, &verdict, &why, err)) < 0)
		return rc;
	/* Only asked when nothing stronger has decided already. */
	if (in->file_at && downs <= 0 && verdict != FEEDBACK_REJECT &&
	    n->path && (n->original_line || n->line) &&
	    !(gone && actions_outcomes_in_list(gone, fp)) &&
	    (sugg = actions_outcomes_suggestion(n->body))) {
		const char *text = NULL;
		size_t len = 0;

		rc = in->file_at(n->path, NULL, &text, &len, in->file_data,
				 err);
		if (rc < 0) {
			free(sugg);
			free(why);
			return rc;
		}
		applied = !rc && text &&
			  actions_outcomes_applied(text, len, sugg,
						   n->original_line ?
						   n->original_line : n->line);
		free(sugg);
	}
	review_publish_marker_field(n->body, REVIEW_MARK_FP, "agent", agent,
				    sizeof(agent));
	review_publish_marker_field(n->body, REVIEW_MARK_FP, "model", model,
				    sizeof(model));
	review_publish_marker_field(n->body, REVIEW_MARK_FP, "rule", rule,
				    sizeof(rule));
	review_publish_marker_field(n->body, REVIEW_MARK_FP, "size", size,
				    sizeof(size));
	review_publish_marker_field(n->body, REVIEW_MARK_FP, "cost", cost,
				    sizeof(cost));
	x = actions_outcomes_push(o);
	x->key = xasprintf("c:%ld:%s", in->pr->number, n->id ? n->id : fp);
	x->pr = in->pr->number;
	x->kind = ACTIONS_OUTPUT_COMMENT;
	x->fingerprint = xstrdup(fp);
	x->rule = xstrdup(rule[0] ? rule : "unknown");
	x->pack = strchr(x->rule, '/') ?
		  xstrndup(x->rule, (size_t)(strchr(x->rule, '/') - x->rule)) :
		  xstrdup(x->rule);
	x->agent = xstrdup(agent[0] ? agent : "static");
	x->model = model[0] ? xstrdup(model) : NULL;
	x->size = size[0] ? xstrdup(size) : NULL;
	if (cost[0]) {
		char *end;
		double d = strtod(cost, &end);

		if (end != cost && !*end && d > 0 && d < 1e6)
			x->cost_usd = d;
	}
	x->created_at = n->created_at ? xstrdup(n->created_at) : NULL;
	resolved_by_person = n->resolved && n->resolved_by &&
			     !(n->author && !strcasecmp(n->resolved_by,
							n->author));
	if (resolved_by_person && !applied && downs <= 0 &&
	    verdict == FEEDBACK_NONE &&
	    !(gone && actions_outcomes_in_list(gone, fp))) {
		if ((changed = actions_outcomes_changed(in, n, err)) < 0) {
			free(why);
			return changed;
		}
	}
	if (downs > 0) {
		x->outcome = ACTIONS_OUTCOME_REJECTED;
		x->why = xasprintf("%ld thumbs-down", downs);
	} else if (verdict == FEEDBACK_REJECT) {
		x->outcome = ACTIONS_OUTCOME_REJECTED;
		x->why = why;
		why = NULL;
	} else if (gone && actions_outcomes_in_list(gone, fp)) {
		x->outcome = ACTIONS_OUTCOME_ACCEPTED;
		x->why = xstrdup("fixed: the finding is no longer found");
	} else if (applied) {
		x->outcome = ACTIONS_OUTCOME_ACCEPTED;
		x->why = xstrdup("its suggestion was applied");
	} else if (verdict == FEEDBACK_ACCEPT) {
		x->outcome = ACTIONS_OUTCOME_ACCEPTED;
		x->why = why;
		why = NULL;
	} else if (resolved_by_person && changed == 1) {
		x->outcome = ACTIONS_OUTCOME_ACCEPTED;
		x->why = xasprintf("resolved by @%s after a change",
				   n->resolved_by);
	} else if (resolved_by_person && changed == 0) {
		x->outcome = ACTIONS_OUTCOME_REJECTED;
		x->why = xasprintf("resolved by @%s without a change",
				   n->resolved_by);
	} else if (resolved_by_person) {
		x->outcome = ACTIONS_OUTCOME_OPEN;
		x->why = xasprintf("resolved by @%s; whether the code changed "
				   "is not known", n->resolved_by);
	} else {
		x->outcome = ACTIONS_OUTCOME_OPEN;
		x->why = xstrdup(n->outdated ? "its line changed; no verdict" :
				 "no verdict yet");
	}
	free(why);
	return 0;
}

/* Does a commit of the PR revert `sha` ("This reverts commit SHA")? */
static const char *actions_outcomes_reverter(
	const struct forge_commit_briefs *commits, const char *sha)
{
	size_t i;

	for (i = 0; commits && i < commits->nr; i++) {
		const char *p = strstr(commits->items[i].message,
				       "This reverts commit ");

		if (p && !strncmp(p + 20, sha, strlen(sha)))
			return commits->items[i].sha;
	}
	return NULL;
}

static int actions_outcomes_has_trailer(const char *msg, const char *name)
{
	size_t n = strlen(name);
	const char *p = msg;

	while ((p = strstr(p, name))) {
		if ((p == msg || p[-1] == '\n') && p[n] == ':')
			return 1;
		p += n;
	}
	return 0;
}

static void actions_outcomes_fixup(struct actions_outcomes *o,
				   const struct actions_outcomes_pr_input *in,
				   const char *sha, int present)
{
	struct actions_output *x = actions_outcomes_push(o);
	const char *rev = actions_outcomes_reverter(in->commits, sha);
	const char *state = in->pr->state ? in->pr->state : "open";

	x->key = xasprintf("f:%ld:%s", in->pr->number, sha);
	x->pr = in->pr->number;
	x->kind = ACTIONS_OUTPUT_FIXUP;
	x->agent = xstrdup("fix");
	if (rev) {
		x->outcome = ACTIONS_OUTCOME_REJECTED;
		x->why = xasprintf("reverted by %.12s", rev);
	} else if (!present) {
		x->outcome = ACTIONS_OUTCOME_REJECTED;
		x->why = xasprintf("%.12s was dropped from the PR", sha);
	} else if (!strcmp(state, "merged")) {
		x->outcome = ACTIONS_OUTCOME_ACCEPTED;
		x->why = xasprintf("%.12s merged", sha);
	} else if (!strcmp(state, "closed")) {
		x->outcome = ACTIONS_OUTCOME_REJECTED;
		x->why = xstrdup("the PR was closed unmerged");
	} else {
		x->outcome = ACTIONS_OUTCOME_OPEN;
		x->why = xstrdup("the PR is open");
	}
}

/* The commit tend's fix report names ("**Commit:** ...SHA"), or "". */
static void actions_outcomes_report_commit(const char *body, char out[41])
{
	const char *p = body ? strstr(body, "**Commit:**") : NULL;
	const char *nl;
	size_t run = 0;

	out[0] = '\0';
	if (!p)
		return;
	nl = strchr(p, '\n');
	for (; *p && (!nl || p < nl); p++) {
		int hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');

		run = hex ? run + 1 : 0;
		if (run == 40 && !(p[1] >= '0' && p[1] <= '9') &&
		    !(p[1] >= 'a' && p[1] <= 'f')) {
			memcpy(out, p - 39, 40);
			out[40] = '\0';
			return;
		}
	}
}

int actions_outcomes_classify_pr(struct actions_outcomes *o,
				 const struct actions_outcomes_pr_input *in,
				 struct buf *err)
{
	const struct forge_notes *notes = in->notes;
	const struct forge_note *summary = NULL;
	struct actions_pr_record *rec;
	char total[40], first[24], fixed[41] = "";
	char *gone = NULL;
	long first_s = -1, earliest = -1, t;
	size_t i, j;
	int rc = 0;

	rec = actions_outcomes_push_pr(o);
	rec->number = in->pr->number;
	rec->state = xstrdup(in->pr->state ? in->pr->state : "open");
	rec->updated_at = in->pr->updated_at ? xstrdup(in->pr->updated_at) :
			  NULL;

	for (i = 0; notes && i < notes->nr; i++) {
		const struct forge_note *n = &notes->items[i];

		if (!n->own || n->reply || !n->body)
			continue;
		if (!summary && !n->inline_note &&
		    strstr(n->body, REVIEW_MARK_SUMMARY))
			summary = n;
		if (!fixed[0] && strstr(n->body, "<!-- tend:fix -->"))
			actions_outcomes_report_commit(n->body, fixed);
		if (!actions_outcomes_time(n->created_at, &t) &&
		    (earliest < 0 || t < earliest))
			earliest = t;
	}
	if (summary) {
		gone = xmalloc(16384);
		review_publish_marker_field(summary->body, REVIEW_MARK_STATE,
					    "gone", gone, 16384);
		if (!review_publish_marker_field(summary->body,
						 REVIEW_MARK_STATE, "total",
						 total, sizeof(total))) {
			const char *v = total[0] == '~' ? total + 1 : total;
			char *end;
			double d = strtod(v, &end);

			rec->cost_unknown = total[0] == '~';
			if (end != v && !*end && d >= 0 && d < 1e9)
				rec->cost_usd = d;
		}
		if (!review_publish_marker_field(summary->body,
						 REVIEW_MARK_STATE, "first",
						 first, sizeof(first))) {
			char *end;

			first_s = strtol(first, &end, 10);
			if (end == first || *end)
				first_s = -1;
		}
	}
	if (first_s > 0 && earliest >= first_s)
		rec->latency_s = earliest - first_s;

	for (i = 0; notes && i < notes->nr && !rc; i++) {
		const struct forge_note *n = &notes->items[i];

		if (!n->own || n->reply || !n->body || n == summary)
			continue;
		rc = actions_outcomes_comment(o, in, i, gone, err);
	}
	free(gone);
	if (rc < 0)
		return rc;

	/* Fix-ups: tend fix's commits (a task's carry Tend-Issue too). */
	for (i = 0; in->commits && i < in->commits->nr; i++) {
		const struct forge_commit_brief *c = &in->commits->items[i];

		if (!actions_outcomes_has_trailer(c->message, "Tend-Run") ||
		    actions_outcomes_has_trailer(c->message, "Tend-Issue"))
			continue;
		actions_outcomes_fixup(o, in, c->sha, 1);
	}
	if (fixed[0] && in->commits) {
		for (j = 0; j < in->commits->nr; j++)
			if (!strcmp(in->commits->items[j].sha, fixed))
				break;
		if (j == in->commits->nr)
			actions_outcomes_fixup(o, in, fixed, 0);
	}

	if (in->pr->own && in->pr->body &&
	    strstr(in->pr->body, "<!-- tend:task-pr")) {
		struct actions_output *x = actions_outcomes_push(o);
		const char *p;

		x->key = xasprintf("t:%ld", in->pr->number);
		x->pr = in->pr->number;
		x->kind = ACTIONS_OUTPUT_TASK_PR;
		x->agent = xstrdup("tasks");
		x->outcome = !strcmp(rec->state, "merged") ?
			     ACTIONS_OUTCOME_ACCEPTED :
			     !strcmp(rec->state, "closed") ?
			     ACTIONS_OUTCOME_REJECTED : ACTIONS_OUTCOME_OPEN;
		if ((p = strstr(in->pr->body, "<!-- tend:task-cost="))) {
			double d = strtod(p + 20 + (p[20] == '~'), NULL);

			if (d > 0 && d < 1e9)
				x->cost_usd = d;
		}
		x->why = xstrdup(x->outcome == ACTIONS_OUTCOME_ACCEPTED ?
				 "merged" : x->outcome ==
				 ACTIONS_OUTCOME_REJECTED ?
				 "closed unmerged" : "open");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The store.                                                           */

struct actions_store {
	sqlite3 *db;
	char *path;
};

static const char actions_store_schema[] =
	"CREATE TABLE prs (number INTEGER PRIMARY KEY, state TEXT NOT NULL,"
	" updated_at TEXT, cost REAL NOT NULL, cost_unknown INTEGER NOT NULL,"
	" latency INTEGER NOT NULL);"
	"CREATE TABLE outputs (key TEXT PRIMARY KEY, pr INTEGER NOT NULL,"
	" kind INTEGER NOT NULL, fingerprint TEXT, rule TEXT, pack TEXT,"
	" agent TEXT, model TEXT, outcome INTEGER NOT NULL, why TEXT,"
	" created_at TEXT, cost REAL NOT NULL DEFAULT 0, size TEXT);"
	"CREATE INDEX outputs_pr ON outputs(pr);";

static int actions_store_err(struct actions_store *st, struct buf *err,
			     const char *what)
{
	return error_set(err, TEND_ERROR, "trust store '%s': cannot %s: %s",
			 st->path, what, sqlite3_errmsg(st->db));
}

static int actions_store_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* 0 usable, 1 not usable (why in `why`), <0 an error. */
static int actions_store_try(struct actions_store *st, struct buf *why,
			     struct buf *err)
{
	int rc, app = 0, version = 0, tables = 0;

	rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) ==
		    SQLITE_CORRUPT) {
			buf_puts(why, sqlite3_errstr(rc));
			return 1;
		}
		return error_set(err, TEND_ERROR, "cannot open the trust store "
				 "'%s': %s", st->path, st->db ?
				 sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	}
	sqlite3_busy_timeout(st->db, ACTIONS_STORE_BUSY_MS);
	if ((rc = actions_store_int(st->db, "SELECT count(*) FROM "
				    "sqlite_master", &tables)) != SQLITE_OK ||
	    (rc = actions_store_int(st->db, "PRAGMA application_id",
				    &app)) != SQLITE_OK ||
	    (rc = actions_store_int(st->db, "PRAGMA user_version",
				    &version)) != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) ==
		    SQLITE_CORRUPT) {
			buf_puts(why, sqlite3_errmsg(st->db));
			return 1;
		}
		return actions_store_err(st, err, "read it");
	}
	if (!tables && !app && !version) {
		char pragmas[96];

		snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id=%d;"
			 "PRAGMA user_version=%d;", ACTIONS_STORE_APP_ID,
			 ACTIONS_STORE_SCHEMA);
		sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL,
			     NULL);
		if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL,
				 NULL) != SQLITE_OK)
			return actions_store_err(st, err, "create the schema");
		/* Another process may have made it meanwhile. */
		if (actions_store_int(st->db, "SELECT count(*) FROM "
				      "sqlite_master", &tables) == SQLITE_OK &&
		    !tables &&
		    (sqlite3_exec(st->db, actions_store_schema, NULL, NULL,
				  NULL) != SQLITE_OK ||
		     sqlite3_exec(st->db, pragmas, NULL, NULL, NULL) !=
			     SQLITE_OK)) {
			rc = actions_store_err(st, err, "create the schema");
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = actions_store_err(st, err, "create the schema");
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		if (actions_store_int(st->db, "PRAGMA application_id", &app) !=
			    SQLITE_OK ||
		    actions_store_int(st->db, "PRAGMA user_version",
				      &version) != SQLITE_OK)
			return actions_store_err(st, err, "read it");
	}
	if (app != ACTIONS_STORE_APP_ID) {
		buf_printf(why, "not a trust store of tend (application id "
			   "%d)", app);
		return 1;
	}
	if (version != ACTIONS_STORE_SCHEMA) {
		buf_printf(why, "schema version %d, this tend uses %d",
			   version, ACTIONS_STORE_SCHEMA);
		return 1;
	}
	sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	return 0;
}

static void actions_store_mkdirs(const char *path)
{
	char *dir = xstrdup(path), *p;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0777);
		*p = '/';
	}
	free(dir);
}

int actions_store_open(struct actions_store **out, const char *path,
		       char **note_out, struct buf *err)
{
	struct actions_store *st = xcalloc(1, sizeof(*st));
	struct buf why = BUF_INIT;
	int rc;

	if (note_out)
		*note_out = NULL;
	st->path = xstrdup(path);
	actions_store_mkdirs(path);
	rc = actions_store_try(st, &why, err);
	if (rc == 1) {
		char *aside = xasprintf("%s.bad", path);
		char *wal = xasprintf("%s-wal", path);
		char *shm = xasprintf("%s-shm", path);

		sqlite3_close_v2(st->db);
		st->db = NULL;
		if (rename(path, aside) < 0 && errno != ENOENT) {
			rc = error_set(err, TEND_ERROR, "trust store '%s' is "
				       "not usable (%s) and cannot be moved "
				       "aside: %s", path, why.ptr,
				       strerror(errno));
		} else {
			unlink(wal);
			unlink(shm);
			if (note_out)
				*note_out = xasprintf("the trust store '%s' "
						      "was not usable (%s): "
						      "moved to '%s' and "
						      "rebuilt from the forge",
						      path, why.ptr, aside);
			buf_reset(&why);
			rc = actions_store_try(st, &why, err);
			if (rc == 1)
				rc = error_set(err, TEND_ERROR, "trust store "
					       "'%s': %s", path, why.ptr);
		}
		free(aside);
		free(wal);
		free(shm);
	}
	buf_release(&why);
	if (rc < 0) {
		if (note_out) {
			free(*note_out);
			*note_out = NULL;
		}
		actions_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void actions_store_close(struct actions_store *st)
{
	if (!st)
		return;
	if (st->db)
		sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

static char *actions_store_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? xstrdup((const char *)t) : NULL;
}

/* Append the outputs `sql` selects (bound to `pr` when >= 0). */
static int actions_store_outputs(struct actions_store *st, const char *sql,
				 long pr, struct actions_outcomes *o,
				 struct buf *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return actions_store_err(st, err, "read outputs");
	if (pr >= 0)
		sqlite3_bind_int64(s, 1, pr);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct actions_output *x = actions_outcomes_push(o);
		int kind = sqlite3_column_int(s, 2);
		int oc = sqlite3_column_int(s, 8);

		x->key = actions_store_text(s, 0);
		x->pr = (long)sqlite3_column_int64(s, 1);
		x->kind = kind == 1 ? ACTIONS_OUTPUT_FIXUP : kind == 2 ?
			  ACTIONS_OUTPUT_TASK_PR : ACTIONS_OUTPUT_COMMENT;
		x->fingerprint = actions_store_text(s, 3);
		x->rule = actions_store_text(s, 4);
		x->pack = actions_store_text(s, 5);
		x->agent = actions_store_text(s, 6);
		x->model = actions_store_text(s, 7);
		x->outcome = oc == 1 ? ACTIONS_OUTCOME_ACCEPTED : oc == 2 ?
			     ACTIONS_OUTCOME_REJECTED : ACTIONS_OUTCOME_OPEN;
		x->why = actions_store_text(s, 9);
		x->created_at = actions_store_text(s, 10);
		x->cost_usd = sqlite3_column_double(s, 11);
		x->size = actions_store_text(s, 12);
		if (!x->key)
			x->key = xstrdup("?");
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : actions_store_err(st, err,
							 "read outputs");
}

#define ACTIONS_STORE_COLS "key, pr, kind, fingerprint, rule, pack, agent, " \
			   "model, outcome, why, created_at, cost, size"

int actions_store_load_pr(struct actions_store *st, long number,
			  const char *updated_at, struct actions_outcomes *o,
			  struct buf *err)
{
	sqlite3_stmt *s = NULL;
	struct actions_pr_record *rec;
	int rc, found = 0;

	if (!updated_at)
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT state, cost, cost_unknown, "
			       "latency FROM prs WHERE number = ?1 AND "
			       "updated_at = ?2 AND state <> 'open'", -1, &s,
			       NULL) != SQLITE_OK)
		return actions_store_err(st, err, "read a pull request");
	sqlite3_bind_int64(s, 1, number);
	sqlite3_bind_text(s, 2, updated_at, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rec = actions_outcomes_push_pr(o);
		rec->number = number;
		rec->state = actions_store_text(s, 0);
		if (!rec->state)
			rec->state = xstrdup("closed");
		rec->updated_at = xstrdup(updated_at);
		rec->cost_usd = sqlite3_column_double(s, 1);
		rec->cost_unknown = sqlite3_column_int(s, 2);
		rec->latency_s = (long)sqlite3_column_int64(s, 3);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(s);
		return actions_store_err(st, err, "read a pull request");
	}
	sqlite3_finalize(s);
	if (!found)
		return 0;
	if ((rc = actions_store_outputs(st, "SELECT " ACTIONS_STORE_COLS
					" FROM outputs WHERE pr = ?1 ORDER BY "
					"rowid", number, o, err)) < 0)
		return rc;
	return 1;
}

int actions_store_load_all(struct actions_store *st,
			   struct actions_outcomes *o, struct buf *err)
{
	return actions_store_outputs(st, "SELECT " ACTIONS_STORE_COLS
				     " FROM outputs WHERE kind = 0 ORDER BY "
				     "rowid", -1, o, err);
}

int actions_store_save(struct actions_store *st,
		       const struct actions_outcomes *o, struct buf *err)
{
	sqlite3_stmt *del = NULL, *dpr = NULL, *ipr = NULL, *iout = NULL;
	size_t i;
	int rc = 0;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return actions_store_err(st, err, "write");
	if (sqlite3_prepare_v2(st->db, "DELETE FROM outputs WHERE pr = ?1",
			       -1, &del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "DELETE FROM prs WHERE number = ?1",
			       -1, &dpr, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO prs VALUES (?1, ?2, ?3, "
			       "?4, ?5, ?6)", -1, &ipr, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO outputs (" 
			       ACTIONS_STORE_COLS ") VALUES (?1, ?2, ?3, ?4, "
			       "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", -1, &iout,
			       NULL) != SQLITE_OK) {
		rc = actions_store_err(st, err, "write");
		goto out;
	}
	for (i = 0; i < o->nr_prs; i++) {
		const struct actions_pr_record *p = &o->prs[i];

		sqlite3_bind_int64(del, 1, p->number);
		sqlite3_bind_int64(dpr, 1, p->number);
		sqlite3_bind_int64(ipr, 1, p->number);
		sqlite3_bind_text(ipr, 2, p->state, -1, SQLITE_STATIC);
		sqlite3_bind_text(ipr, 3, p->updated_at, -1, SQLITE_STATIC);
		sqlite3_bind_double(ipr, 4, p->cost_usd);
		sqlite3_bind_int(ipr, 5, p->cost_unknown);
		sqlite3_bind_int64(ipr, 6, p->latency_s);
		if (sqlite3_step(del) != SQLITE_DONE ||
		    sqlite3_step(dpr) != SQLITE_DONE ||
		    sqlite3_step(ipr) != SQLITE_DONE) {
			rc = actions_store_err(st, err, "write");
			goto out;
		}
		sqlite3_reset(del);
		sqlite3_reset(dpr);
		sqlite3_reset(ipr);
	}
	for (i = 0; i < o->nr; i++) {
		const struct actions_output *x = &o->items[i];

		sqlite3_bind_text(iout, 1, x->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(iout, 2, x->pr);
		sqlite3_bind_int(iout, 3, (int)x->kind);
		sqlite3_bind_text(iout, 4, x->fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(iout, 5, x->rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(iout, 6, x->pack, -1, SQLITE_STATIC);
		sqlite3_bind_text(iout, 7, x->agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(iout, 8, x->model, -1, SQLITE_STATIC);
		sqlite3_bind_int(iout, 9, (int)x->outcome);
		sqlite3_bind_text(iout, 10, x->why, -1, SQLITE_STATIC);
		sqlite3_bind_text(iout, 11, x->created_at, -1, SQLITE_STATIC);
		sqlite3_bind_double(iout, 12, x->cost_usd);
		sqlite3_bind_text(iout, 13, x->size, -1, SQLITE_STATIC);
		if (sqlite3_step(iout) != SQLITE_DONE) {
			rc = actions_store_err(st, err, "write");
			goto out;
		}
		sqlite3_reset(iout);
	}
out:
	sqlite3_finalize(del);
	sqlite3_finalize(dpr);
	sqlite3_finalize(ipr);
	sqlite3_finalize(iout);
	sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}
