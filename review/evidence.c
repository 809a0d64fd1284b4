/*
 * evidence.c - checking a review agent's comments against the change.
 *
 * Each comment of a submit_review reply is judged against the parsed diff
 * and the head version of its file (see evidence.h for the rules and the
 * reasons); the ones that hold up become findings, the rest are counted
 * for the summary. This file judges only: it does not parse the model's
 * JSON (actions/ does, into struct review_model_comment), nor anchor or
 * publish findings (review/publish.c), nor talk to any model.
 *
 * Line texts are handled as spans (pointer, length) into the diff or the
 * head text; nothing is copied until a finding is filled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "review/diff.h"
#include "review/evidence.h"
#include "review/finding.h"

/* A piece of text that is not NUL-terminated. */
struct review_evidence_span {
	const char *p;
	size_t len;
};

/* One line of the commented range. */
struct review_evidence_line {
	struct review_evidence_span text;	/* without '\n' */
	uint32_t new_no;			/* 0 for a deleted line */
	char origin;				/* ' ', '+' or '-' */
};

static const char *const review_evidence_names[REVIEW_EVIDENCE_NR] = {
	"ok", "empty_body", "bad_severity", "path_not_in_change", "off_diff",
	"range_across_hunks", "quote_mismatch", "suggestion_bad",
	"suggestion_noop", "duplicate", "repeats_finding"
};

static const char *const review_evidence_texts[REVIEW_EVIDENCE_NR] = {
	"kept", "empty body", "unknown severity", "file not in the change",
	"off the diff", "range across hunks", "quote did not match",
	"suggestion would not apply", "suggestion changed nothing",
	"duplicate", "repeated a static finding"
};

const char *review_evidence_reason_name(enum review_evidence_reason r)
{
	if ((unsigned)r >= REVIEW_EVIDENCE_NR)
		return "unknown";
	return review_evidence_names[r];
}

const char *review_evidence_reason_text(enum review_evidence_reason r)
{
	if ((unsigned)r >= REVIEW_EVIDENCE_NR)
		return "unknown";
	return review_evidence_texts[r];
}

static int review_evidence_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static struct review_evidence_span review_evidence_rtrim(
	struct review_evidence_span s)
{
	while (s.len && review_evidence_is_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

static struct review_evidence_span review_evidence_trim(
	struct review_evidence_span s)
{
	s = review_evidence_rtrim(s);
	while (s.len && review_evidence_is_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	return s;
}

/* A line without a final '\r' (CRLF content keeps it in the diff). */
static struct review_evidence_span review_evidence_uncr(
	struct review_evidence_span s)
{
	if (s.len && s.p[s.len - 1] == '\r')
		s.len--;
	return s;
}

static int review_evidence_span_eq(struct review_evidence_span a,
				   struct review_evidence_span b)
{
	return a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

static int review_evidence_blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (!review_evidence_is_space(*s))
			return 0;
	return 1;
}

/*
 * Split `s` into lines at '\n'; a final '\n' does not start another line.
 * Returns the count; *out (caller frees) gets the spans, '\r' kept.
 */
static size_t review_evidence_split(struct review_evidence_span **out,
				    const char *s)
{
	struct review_evidence_span *v = NULL;
	size_t nr = 0, alloc = 0, len = strlen(s);
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		ALLOC_GROW(v, nr, alloc);
		v[nr].p = p;
		v[nr].len = n;
		nr++;
		p += n + (nl ? 1 : 0);
	}
	*out = v;
	return nr;
}

/* Append a span for a message, cut at 60 bytes and without newlines. */
static void review_evidence_show(struct buf *b, struct review_evidence_span s)
{
	size_t i, n = s.len > 60 ? 60 : s.len;

	buf_putc(b, '\'');
	for (i = 0; i < n; i++)
		buf_putc(b, s.p[i] == '\n' || s.p[i] == '\r' ? ' ' : s.p[i]);
	buf_puts(b, s.len > n ? "...'" : "'");
}

static const char *review_evidence_cstr(struct buf *tmp,
					struct review_evidence_span s)
{
	buf_reset(tmp);
	review_evidence_show(tmp, s);
	return tmp->ptr;
}

/* The file a comment names: exact, then without "./" or git's "b/". */
static const struct review_diff_file *review_evidence_file(
	const struct review_diff *diff, const char *path)
{
	const struct review_diff_file *f = review_diff_find_file(diff, path);

	while (!f && (!strncmp(path, "./", 2) || !strncmp(path, "b/", 2))) {
		path += 2;
		f = review_diff_find_file(diff, path);
	}
	return f;
}

static int review_evidence_severity(enum review_severity *out,
				    const char *name)
{
	char low[16];
	size_t i;

	if (!name)
		return TEND_EINVALID;
	for (i = 0; name[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
				name[i] - 'A' + 'a' : name[i]);
	if (name[i])
		return TEND_EINVALID;
	low[i] = '\0';
	if (review_severity_parse(out, low) < 0 || *out == REVIEW_SEV_NONE)
		return TEND_EINVALID;
	return 0;
}

/*
 * Take the text of new-side lines from the head version where it has
 * them: walk to line `first` once, then line by line.
 */
static void review_evidence_use_head(struct review_evidence_line *lines,
				     size_t nr, const char *head,
				     size_t head_len)
{
	const char *p = head, *end;
	uint32_t no = 1;
	size_t i;

	/* no head version: not even NULL + 0 */
	if (!head || !nr)
		return;
	end = head + head_len;
	for (i = 0; i < nr; i++) {
		const char *nl;

		while (no < lines[i].new_no && p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
			no++;
		}
		if (no != lines[i].new_no || p >= end)
			return;
		nl = memchr(p, '\n', (size_t)(end - p));
		lines[i].text.p = p;
		lines[i].text.len = nl ? (size_t)(nl - p) : (size_t)(end - p);
	}
}

/*
 * Compare quote lines with the range, trimmed on both ends; `skip` drops
 * the first byte of every quote line (a diff marker). Whole range or the
 * anchored (last) line alone. Returns 1 on a match; on a mismatch sets
 * *bad_q and *bad_l to the first pair that differs.
 */
static int review_evidence_quote_match(const struct review_evidence_span *q,
				       size_t nq, int skip,
				       const struct review_evidence_line *l,
				       size_t nl, size_t *bad_q, size_t *bad_l)
{
	size_t i, off;

	if (nq != nl && nq != 1) {
		*bad_q = 0;
		*bad_l = 0;
		return 0;
	}
	off = nq == nl ? 0 : nl - 1;
	for (i = 0; i < nq; i++) {
		struct review_evidence_span a = q[i];

		if (skip && a.len) {
			a.p++;
			a.len--;
		}
		if (!review_evidence_span_eq(review_evidence_trim(a),
					     review_evidence_trim(
						     l[off + i].text))) {
			*bad_q = i;
			*bad_l = off + i;
			return 0;
		}
	}
	return 1;
}

static int review_evidence_check_quote(const char *quote,
				       const struct review_evidence_line *l,
				       size_t nl, const char *path,
				       struct buf *detail)
{
	struct review_evidence_span *q = NULL;
	size_t nq, i, bq = 0, bl = 0, bq2, bl2;
	int marked = 1, ok = 0;
	struct buf tmp = BUF_INIT;

	if (review_evidence_blank(quote)) {
		buf_printf(detail, "the comment on '%s' quotes nothing", path);
		return 0;
	}
	nq = review_evidence_split(&q, quote);
	for (i = 0; i < nq; i++)
		if (!q[i].len || (q[i].p[0] != '+' && q[i].p[0] != ' '))
			marked = 0;
	ok = review_evidence_quote_match(q, nq, 0, l, nl, &bq, &bl);
	if (!ok && marked)
		ok = review_evidence_quote_match(q, nq, 1, l, nl, &bq2, &bl2);
	if (!ok) {
		if (nq != nl && nq != 1) {
			buf_printf(detail, "the quote has %zu lines, the "
				   "range %zu", nq, nl);
		} else {
			buf_printf(detail, "line %zu of the range in '%s' is ",
				   bl + 1, path);
			buf_puts(detail, review_evidence_cstr(&tmp,
					 review_evidence_trim(l[bl].text)));
			buf_puts(detail, ", the quote says ");
			buf_puts(detail, review_evidence_cstr(
					 &tmp, review_evidence_trim(q[bq])));
		}
	}
	buf_release(&tmp);
	free(q);
	return ok;
}

/* Does a line elide code: "...", U+2026, or a comment holding only that? */
static int review_evidence_elision(struct review_evidence_span s)
{
	static const char *const leaders[] = { "//", "#", "--", "/*", "<!--",
					       ";", NULL };
	static const char *const closers[] = { "*/", "-->", NULL };
	size_t i;
	int comment = 0;

	s = review_evidence_trim(s);
	for (i = 0; leaders[i]; i++) {
		size_t n = strlen(leaders[i]);

		if (s.len >= n && !memcmp(s.p, leaders[i], n)) {
			s.p += n;
			s.len -= n;
			comment = 1;
			break;
		}
	}
	for (i = 0; comment && closers[i]; i++) {
		size_t n = strlen(closers[i]);

		if (s.len >= n && !memcmp(s.p + s.len - n, closers[i], n)) {
			s.len -= n;
			break;
		}
	}
	s = review_evidence_trim(s);
	if (s.len >= 3 && !memcmp(s.p, "...", 3))
		return comment || s.len == 3;
	if (s.len >= 3 && !memcmp(s.p, "\xe2\x80\xa6", 3))
		return comment || s.len == 3;
	return 0;
}

/*
 * Every non-blank line starts with '+' or '-' and, when `need_plus`, one at
 * least with '+'.
 */
static int review_evidence_plus_minus(const struct review_evidence_span *v,
				      size_t nr, int need_plus)
{
	size_t i;
	int plus = 0;

	for (i = 0; i < nr; i++) {
		struct review_evidence_span t = review_evidence_trim(v[i]);

		if (!t.len)
			continue;
		if (v[i].p[0] == '+')
			plus = 1;
		else if (v[i].p[0] != '-')
			return 0;
	}
	return plus || !need_plus;
}

static int review_evidence_starts(struct review_evidence_span s,
				  const char *prefix)
{
	size_t n = strlen(prefix);

	return s.len >= n && !memcmp(s.p, prefix, n);
}

/*
 * Judge a suggestion (CR already stripped) against the lines it replaces.
 * Returns OK, SUGGESTION_BAD or SUGGESTION_NOOP with a detail.
 */
static enum review_evidence_reason review_evidence_check_suggestion(
	const char *sugg, const struct review_evidence_line *l, size_t nl,
	struct buf *detail)
{
	struct review_evidence_span *s = NULL, *o = NULL;
	enum review_evidence_reason r = REVIEW_EVIDENCE_OK;
	size_t ns, i, j;
	int noop;

	ns = review_evidence_split(&s, sugg);
	o = xcalloc(nl, sizeof(*o));
	for (i = 0; i < nl; i++)
		o[i] = review_evidence_uncr(l[i].text);

	for (i = 0; i < ns; i++) {
		if (review_evidence_starts(s[i], "@@ -")) {
			buf_puts(detail, "the suggestion holds a diff hunk "
				 "header");
			r = REVIEW_EVIDENCE_SUGGESTION_BAD;
			goto out;
		}
		if (i + 1 < ns && review_evidence_starts(s[i], "--- ") &&
		    review_evidence_starts(s[i + 1], "+++ ")) {
			buf_puts(detail, "the suggestion holds diff file "
				 "headers");
			r = REVIEW_EVIDENCE_SUGGESTION_BAD;
			goto out;
		}
	}
	if (review_evidence_plus_minus(s, ns, 1) &&
	    !review_evidence_plus_minus(o, nl, 0)) {
		buf_puts(detail, "the suggestion is written as a diff ('+' and "
			 "'-' before its lines)");
		r = REVIEW_EVIDENCE_SUGGESTION_BAD;
		goto out;
	}
	for (i = 0; i < ns; i++) {
		int had = 0;

		if (!review_evidence_elision(s[i]))
			continue;
		for (j = 0; j < nl && !had; j++)
			had = review_evidence_elision(o[j]);
		if (!had) {
			buf_puts(detail, "the suggestion leaves code out: ");
			review_evidence_show(detail,
					     review_evidence_trim(s[i]));
			r = REVIEW_EVIDENCE_SUGGESTION_BAD;
			goto out;
		}
	}
	if (ns) {
		struct review_evidence_span a, b;

		a = review_evidence_rtrim(s[ns - 1]);
		b = review_evidence_rtrim(o[nl - 1]);

		if (a.len && a.p[a.len - 1] == '\\' &&
		    !(b.len && b.p[b.len - 1] == '\\')) {
			buf_puts(detail, "the suggestion ends mid-line (a '\\' "
				 "continuation would join the next line)");
			r = REVIEW_EVIDENCE_SUGGESTION_BAD;
			goto out;
		}
	}

	noop = ns == nl;
	for (i = 0; noop && i < ns; i++) {
		struct review_evidence_span ot = review_evidence_rtrim(o[i]);

		if (review_evidence_span_eq(s[i], o[i]))
			continue;
		noop = ot.len == o[i].len &&
		       review_evidence_span_eq(review_evidence_rtrim(s[i]), ot);
	}
	if (noop) {
		buf_printf(detail, "the suggestion is the current text of the "
			   "%zu line%s", nl, nl == 1 ? "" : "s");
		r = REVIEW_EVIDENCE_SUGGESTION_NOOP;
	}
out:
	free(s);
	free(o);
	return r;
}

/*
 * A copy of `s` without the '\r's that end its lines: all of them, so
 * that "\r\r\n" does not leave a CRLF behind.
 */
static char *review_evidence_strip_cr(const char *s)
{
	size_t n = strlen(s), i, j;
	char *d = xmalloc(n + 1);

	for (i = j = 0; i <= n; i++) {
		if (s[i] == '\n' || !s[i])
			while (j && d[j - 1] == '\r')
				j--;
		d[j++] = s[i];
	}
	return d;
}

void review_evidence_finding_release(struct review_finding *f)
{
	free(f->path);
	free(f->rule_id);
	free(f->message);
	free(f->source);
	free(f->snippet);
	free(f->suggestion);
	free(f->fingerprint);
	memset(f, 0, sizeof(*f));
}

enum review_evidence_reason review_evidence_judge(
	const struct review_diff *diff, const char *head_text,
	size_t head_len, const struct review_model_comment *c,
	struct review_finding *out, struct buf *detail)
{
	struct buf scratch = BUF_INIT;
	const struct review_diff_file *f;
	const struct review_line *ls, *le;
	const struct review_hunk *h;
	struct review_evidence_line *lines = NULL;
	enum review_evidence_reason r = REVIEW_EVIDENCE_OK;
	enum review_side side = REVIEW_SIDE_RIGHT;
	enum review_severity sev;
	size_t hs, he, i, nl = 0;
	long start, end;
	uint32_t new_start, new_end;
	const char *agent = c->agent && *c->agent ? c->agent : "reviewer";
	char *sugg = NULL;
	int deleted = 0;

	if (!detail)
		detail = &scratch;
	memset(out, 0, sizeof(*out));

	if (review_evidence_blank(c->body)) {
		buf_puts(detail, "the comment has no body");
		r = REVIEW_EVIDENCE_EMPTY_BODY;
		goto out;
	}
	if (review_evidence_severity(&sev, c->severity) < 0) {
		buf_printf(detail, "severity '%s' is not note, warning or "
			   "error", c->severity ? c->severity : "");
		r = REVIEW_EVIDENCE_BAD_SEVERITY;
		goto out;
	}
	if (!c->path || !*c->path || !(f = review_evidence_file(diff,
								c->path))) {
		buf_printf(detail, "'%s' is not a file of the change",
			   c->path ? c->path : "");
		r = REVIEW_EVIDENCE_PATH_NOT_IN_CHANGE;
		goto out;
	}

	if (c->side && !strcasecmp(c->side, "LEFT"))
		side = REVIEW_SIDE_LEFT;
	else if (c->side && *c->side && strcasecmp(c->side, "RIGHT")) {
		buf_printf(detail, "side '%s' is neither RIGHT nor LEFT",
			   c->side);
		r = REVIEW_EVIDENCE_OFF_DIFF;
		goto out;
	}
	end = c->line;
	start = c->start_line > 0 ? c->start_line : end;
	if (start > end) {
		long t = start;

		start = end;
		end = t;
	}
	if (start < 1 || (unsigned long)end > UINT32_MAX) {
		buf_printf(detail, "line %ld is not a line of '%s'", c->line,
			   f->path);
		r = REVIEW_EVIDENCE_OFF_DIFF;
		goto out;
	}
	ls = review_diff_find_line(f, side, (uint32_t)start, &hs);
	le = review_diff_find_line(f, side, (uint32_t)end, &he);
	if (!ls || !le) {
		buf_printf(detail, "line %ld of '%s' is not in the diff on the "
			   "%s side", !ls ? start : end, f->path,
			   side == REVIEW_SIDE_LEFT ? "old" : "new");
		r = REVIEW_EVIDENCE_OFF_DIFF;
		goto out;
	}
	if (hs != he) {
		buf_printf(detail, "lines %ld to %ld of '%s' span more than "
			   "one hunk", start, end, f->path);
		r = REVIEW_EVIDENCE_RANGE_ACROSS_HUNKS;
		goto out;
	}

	/* The lines of the range on its side, in order. */
	h = &f->hunks[hs];
	lines = xcalloc(h->nr_lines, sizeof(*lines));
	for (i = (size_t)(ls - f->lines); i <= (size_t)(le - f->lines); i++) {
		const struct review_line *l = &f->lines[i];

		if (l->origin == (side == REVIEW_SIDE_LEFT ? '+' : '-'))
			continue;
		lines[nl].text.p = review_line_text(f, l);
		lines[nl].text.len = l->len;
		lines[nl].new_no = l->new_no;
		lines[nl].origin = l->origin;
		if (l->origin == '-')
			deleted = 1;
		nl++;
	}
	if (side == REVIEW_SIDE_RIGHT)
		review_evidence_use_head(lines, nl, head_text, head_len);

	if (!review_evidence_check_quote(c->quote, lines, nl, f->path,
					 detail)) {
		r = REVIEW_EVIDENCE_QUOTE_MISMATCH;
		goto out;
	}
	if (deleted) {
		buf_printf(detail, "old lines %ld to %ld of '%s' include "
			   "deleted lines, which cannot carry an inline "
			   "comment",
			   start, end, f->path);
		r = REVIEW_EVIDENCE_OFF_DIFF;
		goto out;
	}
	new_start = lines[0].new_no;
	new_end = lines[nl - 1].new_no;

	/* "" is no suggestion, and so is "\r": not "delete these lines" */
	if (c->suggestion && *c->suggestion) {
		sugg = review_evidence_strip_cr(c->suggestion);
		if (!*sugg) {
			free(sugg);
			sugg = NULL;
		}
	}
	if (sugg) {
		if (new_end - new_start + 1 != nl) {
			buf_printf(detail, "old lines %ld to %ld of '%s' have "
				   "added lines between them; a suggestion "
				   "would replace those too", start, end,
				   f->path);
			r = REVIEW_EVIDENCE_SUGGESTION_BAD;
			goto out;
		}
		r = review_evidence_check_suggestion(sugg, lines, nl, detail);
		if (r != REVIEW_EVIDENCE_OK)
			goto out;
	}

	out->path = xstrdup(f->path);
	out->line = new_start;
	out->end_line = new_end;
	out->severity = sev;
	out->rule_id = xasprintf("agent/%s", agent);
	out->source = xasprintf("agent:%s", agent);
	out->message = xstrdup(c->body);
	out->suggestion = sugg;
	sugg = NULL;
out:
	free(sugg);
	free(lines);
	buf_release(&scratch);
	return r;
}

int review_evidence_check(const struct review_diff *diff,
			  const char *head_text, size_t head_len,
			  const struct review_model_comment *c,
			  struct review_finding *out, struct buf *reason)
{
	struct buf detail = BUF_INIT;
	enum review_evidence_reason r;

	r = review_evidence_judge(diff, head_text, head_len, c, out, &detail);
	if (r != REVIEW_EVIDENCE_OK) {
		log_debug("model comment on '%s' line %ld dropped (%s): %s",
			  c->path ? c->path : "", c->line,
			  review_evidence_reason_name(r), detail.ptr);
		if (reason)
			buf_sets(reason, review_evidence_reason_name(r));
	}
	buf_release(&detail);
	return r == REVIEW_EVIDENCE_OK ? 0 : TEND_EINVALID;
}

/* `s` with runs of white space made one space and the ends trimmed. */
static void review_evidence_collapse(struct buf *out, const char *s)
{
	int space = 0;

	buf_reset(out);
	for (; *s; s++) {
		if (review_evidence_is_space(*s)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			buf_putc(out, ' ');
		space = 0;
		buf_putc(out, *s);
	}
}

/* Equal after collapsing white space. */
static int review_evidence_same_text(const char *a, const char *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int same;

	review_evidence_collapse(&x, a);
	review_evidence_collapse(&y, b);
	same = !strcmp(x.ptr, y.ptr);
	buf_release(&x);
	buf_release(&y);
	return same;
}

/*
 * Words too common to say what a message is about; a word list is tiny,
 * so a linear scan is fine.
 */
static const char *const review_evidence_stop[] = {
	"the", "and", "this", "that", "these", "those", "for", "with", "not",
	"are", "was", "were", "has", "have", "had", "here", "there", "line",
	"lines", "should", "could", "would", "can", "may", "might", "must",
	"you", "your", "its", "from", "into", "but", "than", "then", "when",
	"which", "will", "also", "use", "used", "using", "code", "consider",
	"instead", "please", "before", "after", "any", "all", "one", "been",
	"being", "does", "doesn", "don", "isn", "aren", "what", "why", "how",
	NULL
};

/* The distinct words of a message: lower case, [a-z0-9]{3,}, not stop. */
static size_t review_evidence_words(char ***out, const char *s)
{
	char **v = NULL;
	size_t nr = 0, alloc = 0;

	while (*s) {
		struct buf w = BUF_INIT;
		size_t i;
		int dup = 0;

		while (*s && !((*s >= 'a' && *s <= 'z') ||
			       (*s >= 'A' && *s <= 'Z') ||
			       (*s >= '0' && *s <= '9')))
			s++;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		       (*s >= '0' && *s <= '9')) {
			buf_putc(&w, *s >= 'A' && *s <= 'Z' ?
				 *s - 'A' + 'a' : *s);
			s++;
		}
		for (i = 0; review_evidence_stop[i] && !dup; i++)
			dup = !strcmp(w.ptr, review_evidence_stop[i]);
		for (i = 0; i < nr && !dup; i++)
			dup = !strcmp(w.ptr, v[i]);
		if (w.len < 3 || dup) {
			buf_release(&w);
			continue;
		}
		ALLOC_GROW(v, nr, alloc);
		v[nr++] = buf_detach(&w, NULL);
	}
	*out = v;
	return nr;
}

static void review_evidence_words_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

/* Case-insensitive: does `hay` contain `needle`? */
static int review_evidence_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return 0;
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return 0;
}

/* Does the model's message say what the static finding says? */
static int review_evidence_similar(const char *body,
				   const struct review_finding *s)
{
	char **a = NULL, **b = NULL;
	size_t na, nb, i, j, common = 0, small;
	int similar;

	if (s->rule_id && review_evidence_contains(body, s->rule_id))
		return 1;
	if (s->rule_id) {
		const char *last = strrchr(s->rule_id, '/');

		last = last ? last + 1 : s->rule_id;
		if (strlen(last) >= 6 && strchr(last, '-') &&
		    review_evidence_contains(body, last))
			return 1;
	}
	if (!s->message)
		return 0;
	na = review_evidence_words(&a, body);
	nb = review_evidence_words(&b, s->message);
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (!strcmp(a[i], b[j]))
				common++;
	small = na < nb ? na : nb;
	similar = common >= 2 && common * 10 >= small * 6;
	review_evidence_words_free(a, na);
	review_evidence_words_free(b, nb);
	return similar;
}

static const struct review_finding *review_evidence_repeats(
	const struct review_finding *f, const struct review_findings *statics)
{
	size_t i;

	if (!statics)
		return NULL;
	for (i = 0; i < statics->nr; i++) {
		const struct review_finding *s = &statics->items[i];
		uint32_t s_end = s->end_line > s->line ? s->end_line : s->line;

		if (!s->line || !s->path || strcmp(s->path, f->path))
			continue;
		if (s->source && !strncmp(s->source, "agent:", 6))
			continue;
		if (s_end < f->line || s->line > f->end_line)
			continue;
		if (review_evidence_similar(f->message, s))
			return s;
	}
	return NULL;
}

void review_evidence_filter(struct review_findings *out,
			    struct review_evidence_counts *counts,
			    const struct review_diff *diff,
			    const char *(*head)(const char *path,
						size_t *len, void *data),
			    void *head_data,
			    const struct review_model_comment *comments,
			    size_t nr, const struct review_findings *statics)
{
	size_t first = out->nr, i, j;
	struct buf detail = BUF_INIT;

	memset(counts, 0, sizeof(*counts));
	for (i = 0; i < nr; i++) {
		const struct review_model_comment *c = &comments[i];
		const struct review_diff_file *hf;
		const struct review_finding *s;
		struct review_finding f;
		enum review_evidence_reason r;
		const char *text = NULL;
		size_t len = 0;

		counts->total++;
		buf_reset(&detail);
		/*
		 * The head version of the file the comment will be judged
		 * on, asked for by the change's spelling of its path: the
		 * model's ("b/src/a.c") may name another file of the
		 * repository, whose text would then vouch for the quote.
		 */
		if (head && c->path && *c->path &&
		    (hf = review_evidence_file(diff, c->path)))
			text = head(hf->path, &len, head_data);
		r = review_evidence_judge(diff, text, text ? len : 0, c, &f,
					  &detail);
		for (j = first; r == REVIEW_EVIDENCE_OK && j < out->nr; j++) {
			const struct review_finding *k = &out->items[j];

			if (!strcmp(k->path, f.path) && k->line == f.line &&
			    k->end_line == f.end_line &&
			    review_evidence_same_text(k->message, f.message)) {
				buf_printf(&detail, "the same as an earlier "
					   "comment on line %u",
					   (unsigned)f.line);
				r = REVIEW_EVIDENCE_DUPLICATE;
			}
		}
		if (r == REVIEW_EVIDENCE_OK &&
		    (s = review_evidence_repeats(&f, statics))) {
			buf_printf(&detail, "says what '%s' already reports "
				   "on line %u", s->rule_id ? s->rule_id : "",
				   (unsigned)s->line);
			r = REVIEW_EVIDENCE_REPEATS_FINDING;
		}
		if (r != REVIEW_EVIDENCE_OK) {
			log_debug("model comment on '%s' line %ld dropped "
				  "(%s): %s", c->path ? c->path : "", c->line,
				  review_evidence_reason_name(r), detail.ptr);
			counts->reason[r]++;
			counts->dropped++;
			review_evidence_finding_release(&f);
			continue;
		}
		review_findings_add(out, &f);
		review_evidence_finding_release(&f);
		counts->kept++;
	}
	buf_release(&detail);
}

void review_evidence_summary(struct buf *out,
			     const struct review_evidence_counts *counts)
{
	int done[REVIEW_EVIDENCE_NR] = { 0 };
	size_t listed = 0;

	if (!counts->dropped)
		return;
	buf_printf(out, "%zu model comment%s dropped: ", counts->dropped,
		   counts->dropped == 1 ? "" : "s");
	for (;;) {
		int best = -1, r;

		for (r = 1; r < REVIEW_EVIDENCE_NR; r++)
			if (!done[r] && counts->reason[r] &&
			    (best < 0 || counts->reason[r] >
					 counts->reason[best]))
				best = r;
		if (best < 0)
			break;
		done[best] = 1;
		buf_printf(out, "%s%zu %s", listed++ ? ", " : "",
			   counts->reason[best],
			   review_evidence_texts[best]);
	}
}
