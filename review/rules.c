/*
 * rules.c - the PCRE2 rule engine: compile rule specs, decide which rules
 * apply to a file, run them over a block of lines and turn matches into
 * findings (see rules.h for the semantics).
 *
 * What this file is not for: the rules themselves (review/pack_*.c), which
 * lines get scanned (actions/), or what happens to findings afterwards
 * (review/finding.c and the output formats).
 *
 * Speed matters here: a review may scan tens of megabytes. So a block is
 * scanned once per applicable rule with one pcre2_match() loop, never line
 * by line; the keyword prefilter skips most rules with a memmem(); the
 * text is never copied; the line-start table used to turn offsets into
 * line numbers is built only when the first match is found; and one match
 * data block serves every rule of a scan.
 */
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "common/error.h"
#include "common/glob.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "review/lang.h"
#include "review/rules.h"

/* Bounds a runaway user pattern on a long line; ample for sane ones. */
#define REVIEW_RULES_MATCH_LIMIT 5000000
#define REVIEW_RULES_SNIPPET_MAX 1024

struct review_rule {
	struct review_rule_spec spec;	/* deep copy, owned */
	pcre2_code *code;
	pcre2_code *exclude;		/* exclude_line, or NULL */
	size_t *keyword_lens;		/* strlen of each keyword */
	unsigned disabled : 1;
};

static const struct review_rule_pack *const review_rules_packs[] = {
	&review_pack_hygiene,
	NULL
};

const struct review_rule_pack *const *review_rules_builtin_packs(void)
{
	return review_rules_packs;
}

void review_rules_init(struct review_rules *rs)
{
	rs->items = NULL;
	rs->nr = 0;
	rs->alloc = 0;
	rs->match_ctx = NULL;
}

static char **review_rules_strv_dup(const char *const *v)
{
	char **copy;
	size_t i, n = 0;

	if (!v || !v[0])
		return NULL;
	while (v[n])
		n++;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(v[i]);
	return copy;
}

static void review_rules_strv_free(const char *const *v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free((char *)v[i]);
	free((void *)v);
}

static void review_rule_release(struct review_rule *r)
{
	struct review_rule_spec *s = &r->spec;

	free((char *)s->id);
	free((char *)s->pack);
	free((char *)s->pattern);
	free((char *)s->message);
	free((char *)s->example_path);
	free((char *)s->exclude_line);
	review_rules_strv_free(s->languages);
	review_rules_strv_free(s->paths);
	review_rules_strv_free(s->keywords);
	review_rules_strv_free(s->examples_true);
	review_rules_strv_free(s->examples_false);
	free(r->keyword_lens);
	pcre2_code_free(r->code);
	pcre2_code_free(r->exclude);
	memset(r, 0, sizeof(*r));
}

void review_rules_release(struct review_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		review_rule_release(&rs->items[i]);
	free(rs->items);
	pcre2_match_context_free(rs->match_ctx);
	review_rules_init(rs);
}

static int review_rules_find(const struct review_rules *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->items[i].spec.id, id))
			return (int)i;
	return -1;
}

/*
 * Compile one of a rule's patterns; `what` names it in messages ("pattern",
 * "exclude_line pattern"). Unless `may_be_empty`, a pattern that matches
 * the empty string is refused. On failure, a message in `err`.
 */
static int review_rules_compile(pcre2_code **out, const char *id,
				const char *pattern, const char *what,
				int may_be_empty, struct buf *err)
{
	pcre2_compile_context *cctx;
	pcre2_match_data *md = NULL;
	pcre2_code *code;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	int errcode, rc;

	cctx = pcre2_compile_context_create(NULL);
	if (!cctx)
		abort();
	pcre2_set_newline(cctx, PCRE2_NEWLINE_ANYCRLF);
	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
				     PCRE2_MULTILINE,
			     &errcode, &erroff, cctx);
	pcre2_compile_context_free(cctx);
	if (!code) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return error_set(err, TEND_EINVALID,
				 "rule '%s': invalid %s at offset %zu: %s", id,
				 what, (size_t)erroff, (char *)msg);
	}
	if (!(md = pcre2_match_data_create(1, NULL)))
		abort();
	rc = pcre2_match(code, (PCRE2_SPTR) "", 0, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	if (rc >= 0 && !may_be_empty) {
		pcre2_code_free(code);
		return error_set(err, TEND_EINVALID,
				 "rule '%s': pattern matches the empty string, "
				 "so it would flag every line",
				 id);
	}
	/* JIT when the platform has one; the interpreter otherwise */
	if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0)
		log_debug("rule '%s': no JIT for the %s, using the "
			  "interpreter", id, what);
	*out = code;
	return 0;
}

int review_rules_add(struct review_rules *rs,
		     const struct review_rule_spec *spec, struct buf *err)
{
	struct review_rule r;
	pcre2_code *code = NULL, *exclude = NULL;
	size_t i;
	int rc;

	if (!spec->id || !*spec->id)
		return error_set(err, TEND_EINVALID, "rule without an id");
	if (!spec->pattern || !*spec->pattern)
		return error_set(err, TEND_EINVALID,
				 "rule '%s': missing pattern", spec->id);
	if (review_rules_find(rs, spec->id) >= 0)
		return error_set(err, TEND_EINVALID,
				 "rule '%s': duplicate id", spec->id);
	if ((unsigned)spec->severity > REVIEW_SEV_ERROR)
		return error_set(err, TEND_EINVALID,
				 "rule '%s': invalid severity %d", spec->id,
				 (int)spec->severity);
	for (i = 0; spec->languages && spec->languages[i]; i++)
		if (!review_lang_known(spec->languages[i]))
			return error_set(err, TEND_EINVALID,
					 "rule '%s': unknown language '%s'",
					 spec->id, spec->languages[i]);
	for (i = 0; spec->keywords && spec->keywords[i]; i++)
		if (!*spec->keywords[i])
			return error_set(err, TEND_EINVALID,
					 "rule '%s': empty keyword", spec->id);
	if ((rc = review_rules_compile(&code, spec->id, spec->pattern,
					"pattern", 0, err)) < 0)
		return rc;
	if (spec->exclude_line && *spec->exclude_line &&
	    (rc = review_rules_compile(&exclude, spec->id, spec->exclude_line,
					"exclude_line pattern", 1, err)) < 0) {
		pcre2_code_free(code);
		return rc;
	}

	if (!rs->match_ctx) {
		rs->match_ctx = pcre2_match_context_create(NULL);
		if (!rs->match_ctx)
			abort();
		pcre2_set_match_limit(rs->match_ctx,
				      REVIEW_RULES_MATCH_LIMIT);
	}

	memset(&r, 0, sizeof(r));
	r.code = code;
	r.exclude = exclude;
	r.spec.id = xstrdup(spec->id);
	r.spec.pack = xstrdup_or_null(spec->pack);
	r.spec.pattern = xstrdup(spec->pattern);
	r.spec.message = xstrdup(spec->message ? spec->message : spec->id);
	r.spec.severity = spec->severity ? spec->severity
					 : REVIEW_SEV_WARNING;
	r.spec.languages = (const char *const *)review_rules_strv_dup(
		spec->languages);
	r.spec.paths = (const char *const *)review_rules_strv_dup(spec->paths);
	r.spec.keywords = (const char *const *)review_rules_strv_dup(
		spec->keywords);
	r.spec.filename_rule = spec->filename_rule;
	r.spec.examples_true = (const char *const *)review_rules_strv_dup(
		spec->examples_true);
	r.spec.examples_false = (const char *const *)review_rules_strv_dup(
		spec->examples_false);
	r.spec.example_path = xstrdup_or_null(spec->example_path);
	r.spec.exclude_line = exclude ? xstrdup(spec->exclude_line) : NULL;
	if (r.spec.keywords) {
		size_t n = 0;

		while (r.spec.keywords[n])
			n++;
		r.keyword_lens = xcalloc(n, sizeof(*r.keyword_lens));
		for (i = 0; i < n; i++)
			r.keyword_lens[i] = strlen(r.spec.keywords[i]);
	}
	ALLOC_GROW(rs->items, rs->nr, rs->alloc);
	rs->items[rs->nr++] = r;
	return 0;
}

int review_rules_add_builtin(struct review_rules *rs, const char *pack,
			     struct buf *err)
{
	const struct review_rule_pack *const *p;
	int found = 0, rc;

	for (p = review_rules_packs; *p; p++) {
		size_t i;

		if (pack && strcmp(pack, (*p)->name))
			continue;
		found = 1;
		for (i = 0; i < (*p)->nr_rules; i++) {
			struct review_rule_spec spec = (*p)->rules[i];

			if (!spec.pack)
				spec.pack = (*p)->name;
			if ((rc = review_rules_add(rs, &spec, err)) < 0)
				return rc;
		}
	}
	if (!found)
		return error_set(err, TEND_ENOTFOUND, "no rule pack '%s'",
				 pack);
	return 0;
}

size_t review_rules_disable(struct review_rules *rs, const char *id_or_pack)
{
	size_t i, n = 0;

	if (!id_or_pack || !*id_or_pack)
		return 0;
	for (i = 0; i < rs->nr; i++) {
		struct review_rule *r = &rs->items[i];

		if (!strcmp(r->spec.id, id_or_pack) ||
		    (r->spec.pack && !strcmp(r->spec.pack, id_or_pack)) ||
		    glob_match(id_or_pack, r->spec.id)) {
			r->disabled = 1;
			n++;
		}
	}
	return n;
}

size_t review_rules_count(const struct review_rules *rs)
{
	return rs->nr;
}

size_t review_rules_count_enabled(const struct review_rules *rs)
{
	size_t i, n = 0;

	for (i = 0; i < rs->nr; i++)
		n += !rs->items[i].disabled;
	return n;
}

const struct review_rule_spec *review_rules_get(const struct review_rules *rs,
						size_t i)
{
	return i < rs->nr ? &rs->items[i].spec : NULL;
}

int review_rules_enabled(const struct review_rules *rs, size_t i)
{
	return i < rs->nr && !rs->items[i].disabled;
}

/* Scanning. */

static int review_rule_applies(const struct review_rule *r, const char *path,
			       const char *lang)
{
	const char *const *l;

	if (r->disabled)
		return 0;
	if (r->spec.languages) {
		if (!lang)
			return 0;
		for (l = r->spec.languages; *l; l++)
			if (!strcmp(*l, lang))
				break;
		if (!*l)
			return 0;
	}
	if (r->spec.paths && !glob_match_any(r->spec.paths, path))
		return 0;
	return 1;
}

static int review_rule_prefilter(const struct review_rule *r,
				 const char *text, size_t len)
{
	size_t i;

	if (!r->spec.keywords)
		return 1;
	for (i = 0; r->spec.keywords[i]; i++)
		if (memmem(text, len, r->spec.keywords[i], r->keyword_lens[i]))
			return 1;
	return 0;
}

/*
 * The block being scanned and its line-start table, built on demand. Only
 * the first `nr_lines` lines exist; anything after (past a final '\n') is
 * not part of the block.
 */
struct review_rules_block {
	const char *path;
	const char *text;
	size_t len;
	const uint32_t *line_nos;
	size_t nr_lines;
	size_t *starts;		/* starts[i]: offset of line i */
	size_t nr_starts;
	struct buf snippet;
};

static void review_rules_block_index(struct review_rules_block *b)
{
	const char *p = b->text, *end = b->text + b->len, *nl;
	size_t n = 0;

	b->starts = xcalloc(b->nr_lines ? b->nr_lines : 1, sizeof(size_t));
	while (n < b->nr_lines) {
		b->starts[n++] = (size_t)(p - b->text);
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		p = nl + 1;
	}
	b->nr_starts = n;
}

/* The index of the line holding byte `off`. */
static size_t review_rules_block_line(struct review_rules_block *b,
				      size_t off)
{
	size_t lo = 0, hi;

	if (!b->starts)
		review_rules_block_index(b);
	hi = b->nr_starts;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* One past the last byte of line i, before its '\n' (and '\r'). */
static size_t review_rules_block_line_end(const struct review_rules_block *b,
					  size_t i)
{
	const char *s = b->text + b->starts[i];
	const char *nl = memchr(s, '\n', b->len - b->starts[i]);
	size_t end = nl ? (size_t)(nl - b->text) : b->len;

	if (end > b->starts[i] && b->text[end - 1] == '\r')
		end--;
	return end;
}

/*
 * Is a match at `off`, found on line `i` by review_rules_block_line(),
 * actually past the block: after the '\n' that ends its last line?
 */
static int review_rules_block_beyond(const struct review_rules_block *b,
				     size_t i, size_t off)
{
	const char *nl;

	if (i + 1 < b->nr_starts)
		return 0;
	nl = memchr(b->text + b->starts[i], '\n', b->len - b->starts[i]);
	return nl && off > (size_t)(nl - b->text);
}

static uint32_t review_rules_block_line_no(const struct review_rules_block *b,
					   size_t i)
{
	return b->line_nos ? b->line_nos[i] : (uint32_t)(i + 1);
}

/* 1-based column of byte `off` on line i, counting UTF-8 characters. */
static uint32_t review_rules_block_col(const struct review_rules_block *b,
				       size_t i, size_t off)
{
	size_t p;
	uint32_t col = 1;

	for (p = b->starts[i]; p < off && p < b->len; p++)
		if (((unsigned char)b->text[p] & 0xc0) != 0x80)
			col++;
	return col;
}

/* Lines first..last without line ends, joined by '\n', capped. */
static void review_rules_block_snippet(struct review_rules_block *b,
				       size_t first, size_t last)
{
	size_t i, cut;

	buf_reset(&b->snippet);
	for (i = first; i <= last; i++) {
		size_t s = b->starts[i], e = review_rules_block_line_end(b, i);

		if (i > first)
			buf_putc(&b->snippet, '\n');
		if (e - s > REVIEW_RULES_SNIPPET_MAX)
			e = s + REVIEW_RULES_SNIPPET_MAX;
		buf_add(&b->snippet, b->text + s, e - s);
		if (b->snippet.len >= REVIEW_RULES_SNIPPET_MAX)
			break;
	}
	if (b->snippet.len > REVIEW_RULES_SNIPPET_MAX) {
		cut = REVIEW_RULES_SNIPPET_MAX;
		/* do not cut a UTF-8 sequence in half */
		while (cut > 0 &&
		       ((unsigned char)b->snippet.ptr[cut] & 0xc0) == 0x80)
			cut--;
		buf_truncate(&b->snippet, cut);
	}
}

static void review_rules_report(struct review_rules_block *b,
				const struct review_rule *r, size_t first,
				size_t start, size_t last, size_t end,
				struct review_findings *out)
{
	struct review_finding f;

	memset(&f, 0, sizeof(f));
	f.path = (char *)b->path;
	f.line = review_rules_block_line_no(b, first);
	f.end_line = review_rules_block_line_no(b, last);
	f.col = review_rules_block_col(b, first, start);
	f.end_col = review_rules_block_col(b, last, end);
	f.severity = r->spec.severity;
	f.rule_id = (char *)r->spec.id;
	f.message = (char *)r->spec.message;
	f.source = (char *)"rules";
	review_rules_block_snippet(b, first, last);
	f.snippet = b->snippet.ptr;
	review_findings_add(out, &f);
}

/* Does the rule's exclude_line pattern match line i? */
static int review_rules_excluded(const struct review_rules *rs,
				 const struct review_rule *r,
				 const struct review_rules_block *b, size_t i,
				 pcre2_match_data *md)
{
	size_t s = b->starts[i], e = review_rules_block_line_end(b, i);

	return pcre2_match(r->exclude, (PCRE2_SPTR)(b->text + s), e - s, 0,
			   0, md, rs->match_ctx) >= 0;
}

/* Run one rule over the block. */
static void review_rules_scan_one(const struct review_rules *rs,
				  const struct review_rule *r,
				  struct review_rules_block *b,
				  pcre2_match_data *md,
				  struct review_findings *out)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t off = 0;

	while (off < b->len) {
		size_t start, end, first, last;
		int rc;

		rc = pcre2_match(r->code, (PCRE2_SPTR)b->text, b->len, off, 0,
				 md, rs->match_ctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			return;
		if (rc < 0) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(rc, msg, sizeof(msg));
			log_warn("rule '%s' stopped on '%s': %s",
				 r->spec.id, b->path ? b->path : "",
				 (char *)msg);
			return;
		}
		start = ov[0];
		end = ov[1];
		/* \K inside a lookahead can put the start after the end */
		if (end < start)
			end = start;
		first = review_rules_block_line(b, start);
		if (review_rules_block_beyond(b, first, start))
			return;
		last = end > start ? review_rules_block_line(b, end - 1)
				   : first;
		if (last < first)
			last = first;
		if (r->exclude && review_rules_excluded(rs, r, b, first, md)) {
			if (first + 1 >= b->nr_starts)
				return;
			off = b->starts[first + 1];
			continue;
		}
		review_rules_report(b, r, first, start, last, end, out);
		/* the next line after the match: one finding per line */
		if (last + 1 >= b->nr_starts)
			return;
		off = b->starts[last + 1];
	}
}

void review_rules_scan(const struct review_rules *rs, const char *path,
		       const char *lang, const char *text, size_t len,
		       const uint32_t *line_nos, size_t nr_lines,
		       struct review_findings *out)
{
	struct review_rules_block b;
	pcre2_match_data *md = NULL;
	size_t i;

	if (!rs->nr || !text || !len || !nr_lines)
		return;
	memset(&b, 0, sizeof(b));
	b.path = path;
	b.text = text;
	b.len = len;
	b.line_nos = line_nos;
	b.nr_lines = nr_lines;
	buf_init(&b.snippet, 0);
	for (i = 0; i < rs->nr; i++) {
		const struct review_rule *r = &rs->items[i];

		if (r->spec.filename_rule || !review_rule_applies(r, path, lang))
			continue;
		if (!review_rule_prefilter(r, text, len))
			continue;
		if (!md && !(md = pcre2_match_data_create(1, NULL)))
			abort();
		review_rules_scan_one(rs, r, &b, md, out);
	}
	pcre2_match_data_free(md);
	free(b.starts);
	buf_release(&b.snippet);
}

void review_rules_scan_filename(const struct review_rules *rs,
				const char *path, struct review_findings *out)
{
	pcre2_match_data *md = NULL;
	size_t i, len;

	if (!path || !*path)
		return;
	len = strlen(path);
	for (i = 0; i < rs->nr; i++) {
		const struct review_rule *r = &rs->items[i];
		struct review_finding f;

		if (!r->spec.filename_rule || r->disabled)
			continue;
		if (r->spec.paths && !glob_match_any(r->spec.paths, path))
			continue;
		if (!review_rule_prefilter(r, path, len))
			continue;
		if (!md && !(md = pcre2_match_data_create(1, NULL)))
			abort();
		if (pcre2_match(r->code, (PCRE2_SPTR)path, len, 0, 0, md,
				rs->match_ctx) < 0)
			continue;
		memset(&f, 0, sizeof(f));
		f.path = (char *)path;
		f.severity = r->spec.severity;
		f.rule_id = (char *)r->spec.id;
		f.message = (char *)r->spec.message;
		f.source = (char *)"rules";
		review_findings_add(out, &f);
	}
	pcre2_match_data_free(md);
}

/* Self-test of the examples. */

static size_t review_rules_count_lines(const char *s, size_t len)
{
	size_t i, n = 1;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	if (len && s[len - 1] == '\n')
		n--;
	return n;
}

/* How many findings of rule `idx` does `example` produce? */
static size_t review_rules_try(const struct review_rules *rs, size_t idx,
			       const char *example)
{
	const struct review_rule *r = &rs->items[idx];
	struct review_rules one = *rs;
	struct review_rule copy = *r;
	struct review_findings found;
	const char *path = r->spec.example_path ? r->spec.example_path
						: "example";
	const char *lang = r->spec.languages ? r->spec.languages[0] : NULL;
	size_t n;

	/* a one-rule view of the set, enabled, sharing the compiled code */
	copy.disabled = 0;
	one.items = &copy;
	one.nr = 1;
	review_findings_init(&found);
	if (r->spec.filename_rule)
		review_rules_scan_filename(&one, example, &found);
	else
		review_rules_scan(&one, path, lang, example, strlen(example),
				  NULL,
				  review_rules_count_lines(example,
							   strlen(example)),
				  &found);
	n = found.nr;
	review_findings_release(&found);
	return n;
}

int review_rules_selftest(const struct review_rules *rs, struct buf *err)
{
	struct buf msg = BUF_INIT;
	size_t i, j;
	int rc = 0;

	for (i = 0; i < rs->nr; i++) {
		const struct review_rule_spec *s = &rs->items[i].spec;

		for (j = 0; s->examples_true && s->examples_true[j]; j++) {
			if (review_rules_try(rs, i, s->examples_true[j]))
				continue;
			buf_printf(&msg, "%srule '%s': example '%s' should match",
				   msg.len ? "\n" : "", s->id,
				   s->examples_true[j]);
		}
		for (j = 0; s->examples_false && s->examples_false[j]; j++) {
			if (!review_rules_try(rs, i, s->examples_false[j]))
				continue;
			buf_printf(&msg,
				   "%srule '%s': example '%s' should not match",
				   msg.len ? "\n" : "", s->id,
				   s->examples_false[j]);
		}
	}
	if (msg.len)
		rc = error_set(err, TEND_ERROR, "%s", msg.ptr);
	buf_release(&msg);
	return rc;
}
