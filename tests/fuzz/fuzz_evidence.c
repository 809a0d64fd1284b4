/*
 * fuzz_evidence.c - libFuzzer target for the evidence checks on a review
 * agent's comments (review/evidence.c).
 *
 * A pull request steers the model, so everything in a submit_review reply
 * is the attacker's: paths, lines, sides, quotes, suggestions. The input
 * holds a change and a reply:
 *
 *   byte 0      flags (below)
 *   DIFF        a patch (review_diff_parse(), or one forge file's hunks
 *               for "src/a.c" with review_diff_add_patch())
 *   "\n%%\n"
 *   REPLY       the reply as a model sends it: submit_review's JSON
 *               arguments ({"summary":..., "comments":[...]}, or the bare
 *               array), or raw comments separated by 0x1e with fields
 *               path, line, start_line, side, severity, body, suggestion,
 *               quote separated by 0x1f (any bytes but NUL; numbers as
 *               text, negative and huge ones too)
 *   "\n%%\n"    (optional)
 *   HEAD        the head version of every file, else made up from the
 *               diff's new side
 *
 * Flags: 1 give the checks a head version; 2 add static findings to
 * repeat; 4 raw comments; 8 a quote "@" becomes the anchored line's real
 * text (so the fuzzer reaches the suggestion checks); 16 the diff is one
 * forge file's hunks.
 *
 * The reply goes where actions/review_agent.c sends it: JSON parsed as the
 * providers parse tool arguments, validated against submit_review's schema
 * (whatever its verdict, the comments go on: the checks must hold on their
 * own, for lines < 1 and paths the schema would refuse too), read field by
 * field as actions_agent_collect() reads it, then review_evidence_filter()
 * with the head callback. What comes out must hold whatever came in:
 *   - the counts add up, per reason too, and the summary line says so;
 *   - every finding is on a file of the change, under the change's own
 *     spelling of its path, on new-side lines line..end_line that are all
 *     in one hunk of the diff (what the forges accept);
 *   - its quote is the text of those lines: for a RIGHT-side comment the
 *     head version of that same file where it has the line, else the
 *     diff's (a head text read for another path proves nothing);
 *   - a suggestion is never empty, never a hunk header, and has no CR
 *     before a newline;
 *   - nothing leaks (leaks are errors).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agents/schema.h"
#include "agents/tools.h"
#include "common/buf.h"
#include "common/xalloc.h"
#include "review/diff.h"
#include "review/evidence.h"
#include "review/finding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define FUZZ_EVIDENCE_HEAD 1
#define FUZZ_EVIDENCE_STATICS 2
#define FUZZ_EVIDENCE_RAW 4
#define FUZZ_EVIDENCE_AUTOQUOTE 8
#define FUZZ_EVIDENCE_PATCH 16

/* At most this many comments per reply, and new lines per made-up file. */
#define FUZZ_EVIDENCE_MAX_COMMENTS 64
#define FUZZ_EVIDENCE_MAX_LINES 20000

/* The head versions: one per file of the change, and a decoy. */
struct fuzz_evidence_heads {
	const struct review_diff *diff;
	char **texts;		/* per file, or NULL */
	size_t *lens;
	const char *given;	/* HEAD from the input, or NULL */
	size_t given_len;
	size_t calls;
};

/* A text that matches nothing a model would quote. */
static const char fuzz_evidence_decoy[] =
	"decoy line one\ndecoy line two\ndecoy line three\n";

/*
 * The head callback, as actions/ has it: the file at head for the path it
 * is asked for. Paths that are not a file of the change get the decoy,
 * as a repository would give another file's text.
 */
static const char *fuzz_evidence_head(const char *path, size_t *len,
				      void *data)
{
	struct fuzz_evidence_heads *h = data;
	size_t i;

	h->calls++;
	for (i = 0; i < h->diff->nr_files; i++) {
		if (strcmp(h->diff->files[i].path, path))
			continue;
		if (h->given) {
			*len = h->given_len;
			return h->given;
		}
		if (!h->texts[i])
			return NULL;
		*len = h->lens[i];
		return h->texts[i];
	}
	*len = sizeof(fuzz_evidence_decoy) - 1;
	return fuzz_evidence_decoy;
}

/* The new side of a file as far as the diff shows it; gaps are "gap". */
static char *fuzz_evidence_new_side(const struct review_diff_file *f,
				    size_t *len)
{
	struct buf b = BUF_INIT;
	const struct review_line **at;
	uint32_t max = 0, n;
	size_t i;

	for (i = 0; i < f->nr_lines; i++)
		if (f->lines[i].new_no > max)
			max = f->lines[i].new_no;
	if (!max || max > FUZZ_EVIDENCE_MAX_LINES)
		return NULL;
	at = xcalloc((size_t)max + 1, sizeof(*at));
	for (i = 0; i < f->nr_lines; i++)
		if (f->lines[i].new_no)
			at[f->lines[i].new_no] = &f->lines[i];
	for (n = 1; n <= max; n++) {
		if (at[n])
			buf_add(&b, review_line_text(f, at[n]), at[n]->len);
		else
			buf_puts(&b, "gap");
		buf_putc(&b, '\n');
	}
	free(at);
	return buf_detach(&b, len);
}

/* ---- the reply ---- */

/* Strings the comments borrow, freed after the filter. */
struct fuzz_evidence_strings {
	char **v;
	size_t nr, alloc;
};

static const char *fuzz_evidence_keep(struct fuzz_evidence_strings *s,
				      char *str)
{
	ALLOC_GROW(s->v, s->nr, s->alloc);
	s->v[s->nr++] = str;
	return str;
}

static const char *fuzz_evidence_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long fuzz_evidence_long(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* Comments from JSON, read as actions_agent_collect() reads them. */
static size_t fuzz_evidence_json(struct review_model_comment *mc,
				 const json_t *reply)
{
	const json_t *arr = json_is_array(reply) ? reply :
			    json_object_get(reply, "comments");
	size_t i, n = json_array_size(arr);

	if (n > FUZZ_EVIDENCE_MAX_COMMENTS)
		n = FUZZ_EVIDENCE_MAX_COMMENTS;
	for (i = 0; i < n; i++) {
		const json_t *c = json_array_get(arr, i);

		mc[i].agent = fuzz_evidence_str(c, "agent");
		mc[i].path = fuzz_evidence_str(c, "path");
		mc[i].line = fuzz_evidence_long(c, "line");
		mc[i].start_line = fuzz_evidence_long(c, "start_line");
		mc[i].side = fuzz_evidence_str(c, "side");
		mc[i].severity = fuzz_evidence_str(c, "severity");
		mc[i].body = fuzz_evidence_str(c, "body");
		mc[i].suggestion = fuzz_evidence_str(c, "suggestion");
		mc[i].quote = fuzz_evidence_str(c, "quote");
	}
	return n;
}

/* A number as a model might write one: anything strtol() takes. */
static long fuzz_evidence_number(const char *s, size_t n)
{
	char tmp[32];

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	return strtol(tmp, NULL, 0);
}

/* Raw comments: 0x1e between comments, 0x1f between fields. */
static size_t fuzz_evidence_raw(struct review_model_comment *mc,
				struct fuzz_evidence_strings *keep,
				const char *s, size_t n)
{
	size_t nr = 0;

	while (n && nr < FUZZ_EVIDENCE_MAX_COMMENTS) {
		const char *end = memchr(s, 0x1e, n);
		size_t len = end ? (size_t)(end - s) : n;
		const char *p = s, *stop = s + len;
		const char *field[8] = { NULL };
		size_t flen[8] = { 0 }, k = 0;

		while (k < 8) {
			const char *sep = memchr(p, 0x1f, (size_t)(stop - p));
			size_t fl = sep ? (size_t)(sep - p)
					: (size_t)(stop - p);

			field[k] = p;
			flen[k++] = fl;
			if (!sep)
				break;
			p = sep + 1;
		}
		mc[nr].path = field[0] ? fuzz_evidence_keep(
			keep, xstrndup(field[0], flen[0])) : NULL;
		mc[nr].line = field[1] ? fuzz_evidence_number(field[1],
							      flen[1]) : 0;
		mc[nr].start_line = field[2] ? fuzz_evidence_number(
			field[2], flen[2]) : 0;
		for (k = 3; k < 8; k++) {
			const char *v = field[k] ? fuzz_evidence_keep(
				keep, xstrndup(field[k], flen[k])) : NULL;

			switch (k) {
			case 3: mc[nr].side = v; break;
			case 4: mc[nr].severity = v; break;
			case 5: mc[nr].body = v; break;
			case 6: mc[nr].suggestion = v; break;
			default: mc[nr].quote = v; break;
			}
		}
		nr++;
		if (!end)
			break;
		s = end + 1;
		n -= len + 1;
	}
	return nr;
}

/* A quote of "@" becomes the text of the line the comment anchors on. */
static void fuzz_evidence_autoquote(struct review_model_comment *c,
				    const struct review_diff *diff,
				    struct fuzz_evidence_strings *keep)
{
	const struct review_diff_file *f;
	const struct review_line *l;
	enum review_side side = REVIEW_SIDE_RIGHT;

	if (!c->quote || strcmp(c->quote, "@") || !c->path)
		return;
	f = review_diff_find_file(diff, c->path);
	if (!f || c->line < 1 || c->line > UINT32_MAX)
		return;
	if (c->side && !strcasecmp(c->side, "LEFT"))
		side = REVIEW_SIDE_LEFT;
	l = review_diff_find_line(f, side, (uint32_t)c->line, NULL);
	if (l)
		c->quote = fuzz_evidence_keep(keep, xstrndup(
			review_line_text(f, l), l->len));
}

/* ---- the checks ---- */

struct fuzz_evidence_span {
	const char *p;
	size_t len;
};

static int fuzz_evidence_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static struct fuzz_evidence_span fuzz_evidence_trim(
	struct fuzz_evidence_span s)
{
	while (s.len && fuzz_evidence_space(s.p[s.len - 1]))
		s.len--;
	while (s.len && fuzz_evidence_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	return s;
}

static int fuzz_evidence_eq(struct fuzz_evidence_span a,
			    struct fuzz_evidence_span b)
{
	a = fuzz_evidence_trim(a);
	b = fuzz_evidence_trim(b);
	return a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

/* Line `no` (1-based) of text[0..len), or p = NULL past its end. */
static struct fuzz_evidence_span fuzz_evidence_line_of(const char *text,
						       size_t len,
						       uint32_t no)
{
	struct fuzz_evidence_span s = { NULL, 0 };
	const char *p = text, *end = text + len, *nl;
	uint32_t n = 1;

	if (!text)
		return s;
	while (n < no && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
		n++;
	}
	if (n != no || p >= end)
		return s;
	nl = memchr(p, '\n', (size_t)(end - p));
	s.p = p;
	s.len = nl ? (size_t)(nl - p) : (size_t)(end - p);
	return s;
}

/*
 * The text a RIGHT-side comment on new line `no` of `f` quotes: the head
 * version where it has the line and every line before it in the range
 * had one too, else the diff's.
 */
static struct fuzz_evidence_span fuzz_evidence_truth(
	const struct review_diff_file *f, const char *head, size_t head_len,
	uint32_t no, int *use_head)
{
	struct fuzz_evidence_span s = { NULL, 0 };
	const struct review_line *l;

	if (*use_head) {
		s = fuzz_evidence_line_of(head, head_len, no);
		if (s.p)
			return s;
		*use_head = 0;
	}
	l = review_diff_find_line(f, REVIEW_SIDE_RIGHT, no, NULL);
	FUZZ_CHECK(l);
	s.p = review_line_text(f, l);
	s.len = l->len;
	return s;
}

/* Does the quote say what lines line..end_line of `f` say? */
static int fuzz_evidence_quote_ok(const char *quote,
				  const struct review_diff_file *f,
				  const char *head, size_t head_len,
				  uint32_t line, uint32_t end_line)
{
	struct fuzz_evidence_span q[64];
	size_t nq = 0, range = (size_t)end_line - line + 1, i;
	const char *p = quote, *end = quote + strlen(quote);
	int skip, marked = 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (nq == 64)
			return 1;	/* too long to check here */
		q[nq].p = p;
		q[nq++].len = n;
		if (!n || (p[0] != '+' && p[0] != ' '))
			marked = 0;
		p += n + (nl ? 1 : 0);
	}
	if (nq != 1 && nq != range)
		return 0;
	for (skip = 0; skip <= marked; skip++) {
		int use_head = head != NULL, ok = 1;
		uint32_t no;

		for (no = line, i = 0; no <= end_line && ok; no++) {
			struct fuzz_evidence_span t = fuzz_evidence_truth(
				f, head, head_len, no, &use_head);
			struct fuzz_evidence_span a;

			if (nq == 1 && no != end_line)
				continue;
			a = q[nq == 1 ? 0 : i++];
			if (skip) {
				a.p++;
				a.len--;
			}
			ok = fuzz_evidence_eq(a, t);
		}
		if (ok)
			return 1;
	}
	return 0;
}

/* The file a comment names: exact, then without "./" or git's "b/". */
static const struct review_diff_file *fuzz_evidence_file(
	const struct review_diff *diff, const char *path)
{
	const struct review_diff_file *f = NULL;

	while (*path && !(f = review_diff_find_file(diff, path)) &&
	       (!strncmp(path, "./", 2) || !strncmp(path, "b/", 2)))
		path += 2;
	return *path ? f : NULL;
}

/* The head text the checks should have used for file `df`, or NULL. */
static const char *fuzz_evidence_head_of(const struct fuzz_evidence_heads *h,
					 const struct review_diff_file *df,
					 size_t *len)
{
	size_t k;

	*len = 0;
	if (!h)
		return NULL;
	if (h->given) {
		*len = h->given_len;
		return h->given;
	}
	for (k = 0; k < h->diff->nr_files; k++)
		if (&h->diff->files[k] == df) {
			*len = h->lens[k];
			return h->texts[k];
		}
	return NULL;
}

static void fuzz_evidence_check(const struct review_findings *out,
				const struct review_evidence_counts *counts,
				size_t nr, const struct review_diff *diff,
				const struct review_model_comment *mc,
				struct fuzz_evidence_heads *heads)
{
	struct buf summary = BUF_INIT;
	size_t i, r, sum = 0, next = 0;

	FUZZ_CHECK(counts->total == nr);
	FUZZ_CHECK(counts->kept + counts->dropped == counts->total);
	FUZZ_CHECK(out->nr == counts->kept);
	FUZZ_CHECK(!counts->reason[REVIEW_EVIDENCE_OK]);
	for (r = 0; r < REVIEW_EVIDENCE_NR; r++)
		sum += counts->reason[r];
	FUZZ_CHECK(sum == counts->dropped);
	review_evidence_summary(&summary, counts);
	FUZZ_CHECK(!counts->dropped == !summary.len);
	buf_release(&summary);

	for (i = 0; i < out->nr; i++) {
		const struct review_finding *f = &out->items[i];
		const struct review_diff_file *df =
			review_diff_find_file(diff, f->path);

		FUZZ_CHECK(df && !strcmp(df->path, f->path));
		FUZZ_CHECK(f->line >= 1 && f->end_line >= f->line);
		FUZZ_CHECK(review_diff_can_comment(df, REVIEW_SIDE_RIGHT,
						   f->line, f->end_line));
		FUZZ_CHECK(f->message && f->rule_id && f->source);
		FUZZ_CHECK(!strncmp(f->source, "agent:", 6));
		FUZZ_CHECK(f->severity == REVIEW_SEV_NOTE ||
			   f->severity == REVIEW_SEV_WARNING ||
			   f->severity == REVIEW_SEV_ERROR);
		if (f->suggestion) {
			FUZZ_CHECK(*f->suggestion);
			FUZZ_CHECK(!strstr(f->suggestion, "\r\n"));
			FUZZ_CHECK(strncmp(f->suggestion, "@@ -", 4));
			FUZZ_CHECK(!strstr(f->suggestion, "\n@@ -"));
		}
	}

	/*
	 * Each finding back to its comment: the kept ones are, in order, a
	 * subsequence of those the check alone passes. Then the quote must
	 * be the text of the finding's own file.
	 */
	for (i = 0; i < nr && next < out->nr; i++) {
		const struct review_model_comment *c = &mc[i];
		const struct review_finding *f = &out->items[next];
		const struct review_diff_file *df;
		struct review_finding one;
		const char *text = NULL, *head;
		size_t len = 0, head_len;
		int same;

		if (heads && c->path && (df = fuzz_evidence_file(diff,
								c->path)))
			text = fuzz_evidence_head(df->path, &len, heads);
		if (review_evidence_judge(diff, text, text ? len : 0, c, &one,
					  NULL) != REVIEW_EVIDENCE_OK)
			continue;
		same = !strcmp(one.path, f->path) && one.line == f->line &&
		       one.end_line == f->end_line &&
		       !strcmp(one.message, f->message);
		review_evidence_finding_release(&one);
		if (!same)
			continue;
		next++;
		if (c->side && *c->side && strcasecmp(c->side, "RIGHT"))
			continue;
		df = review_diff_find_file(diff, f->path);
		head = fuzz_evidence_head_of(heads, df, &head_len);
		if (!fuzz_evidence_quote_ok(c->quote, df, head, head_len,
					    f->line, f->end_line)) {
			fprintf(stderr, "fuzz_evidence: comment %zu on '%s' "
				"lines %u-%u kept, but its quote is not the "
				"text of those lines\n", i, f->path,
				(unsigned)f->line, (unsigned)f->end_line);
			abort();
		}
	}
	FUZZ_CHECK(next == out->nr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n%%\n";
	struct review_diff diff;
	struct review_diff_file meta;
	struct review_findings out, statics;
	struct review_evidence_counts counts;
	struct review_model_comment mc[FUZZ_EVIDENCE_MAX_COMMENTS];
	struct fuzz_evidence_strings keep = { NULL, 0, 0 };
	struct fuzz_evidence_heads heads;
	struct buf err = BUF_INIT;
	const char *text, *reply, *head = NULL, *p;
	size_t diff_len, reply_len, head_len = 0, nr = 0, i;
	json_t *json = NULL;
	char path[] = "src/a.c";
	unsigned flags;

	if (size < 1 || size > 65536)
		return 0;
	flags = data[0];
	text = (const char *)data + 1;
	size--;
	p = memmem(text, size, sep, 4);
	if (!p)
		return 0;
	diff_len = (size_t)(p - text);
	reply = p + 4;
	reply_len = size - diff_len - 4;
	p = memmem(reply, reply_len, sep, 4);
	if (p) {
		head = p + 4;
		head_len = reply_len - (size_t)(head - reply);
		reply_len = (size_t)(p - reply);
	}

	review_diff_init(&diff);
	if (flags & FUZZ_EVIDENCE_PATCH) {
		memset(&meta, 0, sizeof(meta));
		meta.path = meta.new_path = meta.old_path = path;
		meta.similarity = -1;
		if (review_diff_add_patch(&diff, &meta, text, diff_len,
					  &err) < 0)
			review_diff_release(&diff);
	} else if (review_diff_parse(&diff, text, diff_len, "fuzz",
				     &err) < 0) {
		review_diff_init(&diff);
	}

	memset(mc, 0, sizeof(mc));
	if (flags & FUZZ_EVIDENCE_RAW) {
		nr = fuzz_evidence_raw(mc, &keep, reply, reply_len);
	} else {
		json_error_t jerr;

		json = json_loadb(reply, reply_len, 0, &jerr);
		if (json) {
			/* the schema's verdict does not change the rules */
			buf_reset(&err);
			agent_schema_validate(
				agent_tools_submit_review_schema(), json,
				&err);
			nr = fuzz_evidence_json(mc, json);
		}
	}
	for (i = 0; (flags & FUZZ_EVIDENCE_AUTOQUOTE) && i < nr; i++)
		fuzz_evidence_autoquote(&mc[i], &diff, &keep);

	memset(&heads, 0, sizeof(heads));
	heads.diff = &diff;
	heads.texts = xcalloc(diff.nr_files + 1, sizeof(*heads.texts));
	heads.lens = xcalloc(diff.nr_files + 1, sizeof(*heads.lens));
	if (head) {
		heads.given = head;
		heads.given_len = head_len;
	} else {
		for (i = 0; i < diff.nr_files; i++)
			heads.texts[i] = fuzz_evidence_new_side(
				&diff.files[i], &heads.lens[i]);
	}

	review_findings_init(&statics);
	if (flags & FUZZ_EVIDENCE_STATICS) {
		for (i = 0; i < diff.nr_files; i++) {
			const struct review_diff_file *f = &diff.files[i];
			struct review_finding s;
			size_t l;

			for (l = 0; l < f->nr_lines && !f->lines[l].new_no;
			     l++)
				;
			memset(&s, 0, sizeof(s));
			s.path = (char *)f->path;
			s.line = l < f->nr_lines ? f->lines[l].new_no : 1;
			s.end_line = s.line + 2;
			s.rule_id = (char *)"rules/sql-injection";
			s.message = (char *)"query built from user input "
				"without escaping: sql injection";
			s.source = (char *)(l & 1 ? "rules" : "agent:other");
			s.severity = REVIEW_SEV_ERROR;
			review_findings_add(&statics, &s);
		}
	}

	review_findings_init(&out);
	review_evidence_filter(&out, &counts, &diff,
			       (flags & FUZZ_EVIDENCE_HEAD) ?
			       fuzz_evidence_head : NULL, &heads, mc, nr,
			       (flags & FUZZ_EVIDENCE_STATICS) ? &statics
							       : NULL);
	fuzz_evidence_check(&out, &counts, nr, &diff, mc,
			    (flags & FUZZ_EVIDENCE_HEAD) ? &heads : NULL);

	review_findings_release(&out);
	review_findings_release(&statics);
	for (i = 0; i < diff.nr_files; i++)
		free(heads.texts[i]);
	free(heads.texts);
	free(heads.lens);
	for (i = 0; i < keep.nr; i++)
		free(keep.v[i]);
	free(keep.v);
	json_decref(json);
	review_diff_release(&diff);
	buf_release(&err);
	return 0;
}
