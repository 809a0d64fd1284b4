/*
 * rules.c - the PCRE2 rule engine: compile rule specs, decide which rules
 * apply to a file, run them over a block of lines and turn matches into
 * findings (see rules.h for the semantics).
 *
 * What this file is not for: the rules themselves (review/pack_*.c), which
 * lines get scanned (actions/), or what happens to findings afterwards
 * (review/finding.c and the output formats).
 *
 * Speed matters here: a review may scan tens of megabytes with a hundred
 * and more rules. So the keywords of all rules live in one index, and a
 * scan makes a single pass over the block to find which rules have a
 * keyword on which lines; a rule's regex then runs only from those lines,
 * with PCRE2's offset limit keeping each search to matches that start on
 * the line (a match may still run on across lines). Rules without
 * keywords run over the whole block with one pcre2_match() loop. The text
 * is never copied; the line-start table is built only when needed; and
 * one match data block serves every rule of a scan.
 *
 * Secrets: secret rules run first in a scan and record where each
 * accepted secret lies; every snippet built afterwards, whichever rule it
 * is for, has those ranges masked. That is what keeps a credential out of
 * every output format and log: nothing else in tend ever sees a finding's
 * matched text except through the snippet.
 */
#include <math.h>
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
	pcre2_code **allow;		/* spec.allow compiled */
	size_t nr_allow;
	size_t *keyword_lens;		/* strlen of each keyword */
	/*
	 * Rules with equal skip_paths next to each other (a pack's) share
	 * an id, so a scan matches the globs once per path, not per rule.
	 */
	size_t skip_id;
	unsigned disabled : 1;
};

/*
 * One distinct keyword of the index and the rules that use it. Keywords
 * are distinct by their lowercased text and case flag, so "token" used by
 * twenty rules is compared once per occurrence of its first two bytes.
 */
struct review_rules_kw {
	unsigned char *lower;		/* lowercased */
	char *exact;			/* as declared */
	size_t len;
	int icase;
	uint32_t next;			/* next in the bucket, +1 */
	uint32_t *rules;		/* indexes into the set's items */
	size_t nr_rules, alloc_rules;
};

/*
 * The keyword index: `pairs` has a bit for every lowercased byte pair a
 * keyword starts with, and `head` the first keyword (+1) of that pair's
 * bucket; one-byte keywords hang off `single`.
 */
struct review_rules_index {
	unsigned char pairs[65536 / 8];
	uint32_t head[65536];
	uint32_t single[256];
	int has_single;
	struct review_rules_kw *kws;
	size_t nr_kws, alloc_kws;
	int max_group;			/* largest secret_group */
};

static const struct review_rule_pack *const review_rules_packs[] = {
	&review_pack_hygiene,
	&review_pack_secrets,
	&review_pack_risky,
	NULL
};

static unsigned char review_rules_lc[256];

static void review_rules_lc_init(void)
{
	int c;

	if (review_rules_lc['A'])
		return;
	for (c = 0; c < 256; c++)
		review_rules_lc[c] = (unsigned char)(c >= 'A' && c <= 'Z' ?
							c + 32 : c);
}

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
	rs->index = NULL;
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

static int review_rules_strv_equal(const char *const *a,
				   const char *const *b)
{
	size_t i;

	for (i = 0; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return (!a || !a[i]) && (!b || !b[i]);
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
	size_t i;

	free((char *)s->id);
	free((char *)s->pack);
	free((char *)s->pattern);
	free((char *)s->message);
	free((char *)s->example_path);
	free((char *)s->exclude_line);
	review_rules_strv_free(s->skip_paths);
	review_rules_strv_free(s->allow);
	review_rules_strv_free(s->languages);
	review_rules_strv_free(s->paths);
	review_rules_strv_free(s->keywords);
	review_rules_strv_free(s->examples_true);
	review_rules_strv_free(s->examples_false);
	free(r->keyword_lens);
	pcre2_code_free(r->code);
	pcre2_code_free(r->exclude);
	for (i = 0; i < r->nr_allow; i++)
		pcre2_code_free(r->allow[i]);
	free(r->allow);
	memset(r, 0, sizeof(*r));
}

static void review_rules_index_free(struct review_rules_index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; i < ix->nr_kws; i++) {
		free(ix->kws[i].lower);
		free(ix->kws[i].exact);
		free(ix->kws[i].rules);
	}
	free(ix->kws);
	free(ix);
}

void review_rules_release(struct review_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		review_rule_release(&rs->items[i]);
	review_rules_index_free(rs->index);
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
				     PCRE2_MULTILINE | PCRE2_USE_OFFSET_LIMIT,
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

/* Add rule `idx`'s keywords to the set's index, creating it if need be. */
static void review_rules_index_add(struct review_rules *rs, size_t idx)
{
	const struct review_rule *r = &rs->items[idx];
	struct review_rules_index *ix = rs->index;
	size_t i, j;

	review_rules_lc_init();
	if (!ix)
		ix = rs->index = xcalloc(1, sizeof(*ix));
	if (r->spec.secret_group > ix->max_group)
		ix->max_group = r->spec.secret_group;
	for (i = 0; r->spec.keywords && r->spec.keywords[i]; i++) {
		const char *k = r->spec.keywords[i];
		size_t len = r->keyword_lens[i];
		int icase = !!r->spec.keywords_icase;
		unsigned char *lower = xmalloc(len + 1);
		unsigned key;
		uint32_t *head, n;
		struct review_rules_kw *kw = NULL;

		for (j = 0; j < len; j++)
			lower[j] = review_rules_lc[(unsigned char)k[j]];
		lower[len] = '\0';
		key = len == 1 ? lower[0] : (unsigned)lower[0] << 8 | lower[1];
		head = len == 1 ? &ix->single[key] : &ix->head[key];
		for (n = *head; n; n = ix->kws[n - 1].next) {
			struct review_rules_kw *c = &ix->kws[n - 1];

			if (c->len == len && c->icase == icase &&
			    !memcmp(c->lower, lower, len) &&
			    (icase || !memcmp(c->exact, k, len))) {
				kw = c;
				break;
			}
		}
		if (kw) {
			free(lower);
		} else {
			ALLOC_GROW(ix->kws, ix->nr_kws, ix->alloc_kws);
			kw = &ix->kws[ix->nr_kws++];
			memset(kw, 0, sizeof(*kw));
			kw->lower = lower;
			kw->exact = xstrdup(k);
			kw->len = len;
			kw->icase = icase;
			kw->next = *head;
			*head = (uint32_t)ix->nr_kws;
			if (len == 1)
				ix->has_single = 1;
			else
				ix->pairs[key >> 3] |=
					(unsigned char)(1u << (key & 7));
		}
		if (kw->nr_rules && kw->rules[kw->nr_rules - 1] == idx)
			continue;	/* a keyword twice in one rule */
		ALLOC_GROW(kw->rules, kw->nr_rules, kw->alloc_rules);
		kw->rules[kw->nr_rules++] = (uint32_t)idx;
	}
}

/* Compile the allow patterns of a spec; on failure frees what it made. */
static int review_rules_compile_allow(pcre2_code ***out, size_t *nr_out,
				      const struct review_rule_spec *spec,
				      struct buf *err)
{
	pcre2_code **allow = NULL;
	size_t n = 0, i;
	int rc = 0;

	while (spec->allow && spec->allow[n])
		n++;
	if (n)
		allow = xcalloc(n, sizeof(*allow));
	for (i = 0; i < n; i++)
		if ((rc = review_rules_compile(&allow[i], spec->id,
					       spec->allow[i], "allow pattern",
					       0, err)) < 0)
			break;
	if (rc < 0) {
		while (i-- > 0)
			pcre2_code_free(allow[i]);
		free(allow);
		return rc;
	}
	*out = allow;
	*nr_out = n;
	return 0;
}

int review_rules_add(struct review_rules *rs,
		     const struct review_rule_spec *spec, struct buf *err)
{
	struct review_rule r;
	pcre2_code *code = NULL, *exclude = NULL, **allow = NULL;
	size_t i, nr_allow = 0;
	uint32_t groups = 0;
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
	if (!(spec->min_entropy >= 0 && spec->min_entropy <= 8))
		return error_set(err, TEND_EINVALID,
				 "rule '%s': min_entropy must be between 0 "
				 "and 8 bits per byte", spec->id);
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
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (spec->secret_group < 0 || (uint32_t)spec->secret_group > groups) {
		pcre2_code_free(code);
		return error_set(err, TEND_EINVALID,
				 "rule '%s': secret_group %d but the pattern "
				 "has %u group%s", spec->id,
				 spec->secret_group, (unsigned)groups,
				 groups == 1 ? "" : "s");
	}
	if (spec->exclude_line && *spec->exclude_line &&
	    (rc = review_rules_compile(&exclude, spec->id, spec->exclude_line,
					"exclude_line pattern", 1, err)) < 0) {
		pcre2_code_free(code);
		return rc;
	}
	if ((rc = review_rules_compile_allow(&allow, &nr_allow, spec,
					     err)) < 0) {
		pcre2_code_free(code);
		pcre2_code_free(exclude);
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
	r.allow = allow;
	r.nr_allow = nr_allow;
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
	r.spec.keywords_icase = !!spec->keywords_icase;
	r.spec.keywords_local = !!spec->keywords_local;
	r.spec.skip_paths = (const char *const *)review_rules_strv_dup(
		spec->skip_paths);
	r.spec.secret_group = spec->secret_group;
	r.spec.min_entropy = spec->min_entropy;
	r.spec.allow = (const char *const *)review_rules_strv_dup(spec->allow);
	r.spec.secret = !!spec->secret;
	r.spec.multiline = !!spec->multiline;
	if (r.spec.keywords) {
		size_t n = 0;

		while (r.spec.keywords[n])
			n++;
		r.keyword_lens = xcalloc(n, sizeof(*r.keyword_lens));
		for (i = 0; i < n; i++)
			r.keyword_lens[i] = strlen(r.spec.keywords[i]);
	}
	r.skip_id = rs->nr ? rs->items[rs->nr - 1].skip_id : 0;
	if (!rs->nr || !review_rules_strv_equal(
			       rs->items[rs->nr - 1].spec.skip_paths,
			       r.spec.skip_paths))
		r.skip_id++;
	ALLOC_GROW(rs->items, rs->nr, rs->alloc);
	rs->items[rs->nr++] = r;
	review_rules_index_add(rs, rs->nr - 1);
	return 0;
}

int review_rules_add_builtin(struct review_rules *rs, const char *pack,
			     struct buf *err)
{
	const struct review_rule_pack *const *p;
	const char **skip = NULL;
	int found = 0, rc = 0;

	for (p = review_rules_packs; *p; p++) {
		size_t i;

		if (pack && strcmp(pack, (*p)->name))
			continue;
		found = 1;
		for (i = 0; i < (*p)->nr_rules; i++) {
			struct review_rule_spec spec = (*p)->rules[i];
			size_t n = 0, m = 0, j;

			if (!spec.pack)
				spec.pack = (*p)->name;
			/* the pack's skip_paths, then the rule's own */
			while ((*p)->skip_paths && (*p)->skip_paths[n])
				n++;
			while (spec.skip_paths && spec.skip_paths[m])
				m++;
			if (n) {
				skip = xcalloc(n + m + 1, sizeof(*skip));
				for (j = 0; j < n; j++)
					skip[j] = (*p)->skip_paths[j];
				for (j = 0; j < m; j++)
					skip[n + j] = spec.skip_paths[j];
				spec.skip_paths = skip;
			}
			rc = review_rules_add(rs, &spec, err);
			free(skip);
			skip = NULL;
			if (rc < 0)
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

/* The last skip_paths answer of a scan, by skip_id. */
struct review_rules_skip_memo {
	size_t id;
	int valid, skip;
};

/*
 * Does rule r apply to the file? A disabled rule applies only if `force`.
 * `memo` may be NULL.
 */
static int review_rule_applies(const struct review_rule *r, const char *path,
			       const char *lang, int force,
			       struct review_rules_skip_memo *memo)
{
	const char *const *l;

	if (r->disabled && !force)
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
	if (r->spec.skip_paths && path) {
		if (!memo || !memo->valid || memo->id != r->skip_id) {
			int skip = glob_match_any(r->spec.skip_paths, path);

			if (!memo)
				return !skip;
			memo->id = r->skip_id;
			memo->valid = 1;
			memo->skip = skip;
		}
		if (memo->skip)
			return 0;
	}
	return 1;
}

/* memmem() that ignores ASCII case; `needle` is lowercased already. */
static const char *review_rules_memmem_icase(const char *hay, size_t len,
					     const unsigned char *needle,
					     size_t n)
{
	size_t i, j;

	review_rules_lc_init();
	for (i = 0; n <= len && i <= len - n; i++) {
		for (j = 0; j < n; j++)
			if (review_rules_lc[(unsigned char)hay[i + j]] !=
			    needle[j])
				break;
		if (j == n)
			return hay + i;
	}
	return NULL;
}

/* The keyword test for filename rules, which see one short path. */
static int review_rule_prefilter(const struct review_rule *r,
				 const char *text, size_t len)
{
	size_t i, j;

	if (!r->spec.keywords)
		return 1;
	review_rules_lc_init();
	for (i = 0; r->spec.keywords[i]; i++) {
		const char *k = r->spec.keywords[i];
		size_t n = r->keyword_lens[i];
		unsigned char low[64];

		if (!r->spec.keywords_icase || n > sizeof(low)) {
			if (memmem(text, len, k, n))
				return 1;
			continue;
		}
		for (j = 0; j < n; j++)
			low[j] = review_rules_lc[(unsigned char)k[j]];
		if (review_rules_memmem_icase(text, len, low, n))
			return 1;
	}
	return 0;
}

/* Where an accepted secret lies in the block. */
struct review_rules_span {
	size_t start, end;
};

/* A finding of a secret rule, held until every secret is known. */
struct review_rules_pending {
	const struct review_rule *r;
	size_t first, start, last, end;
};

/* An accepted match. */
struct review_rules_match {
	size_t start, end;		/* the match */
	size_t vstart, vend;		/* its value */
	size_t first, last;		/* its lines */
};

/*
 * The block being scanned, its line-start table (built on demand), and
 * the state of one scan. Only the first `nr_lines` lines exist; anything
 * after (past a final '\n') is not part of the block.
 */
struct review_rules_block {
	const struct review_rules *rs;
	const char *path;
	const char *text;
	size_t len;
	const uint32_t *line_nos;
	size_t nr_lines;
	size_t *starts;		/* starts[i]: offset of line i */
	size_t nr_starts;
	struct buf snippet;
	struct buf masked;	/* scratch: a snippet with secrets masked */
	struct review_rules_span *spans;
	size_t nr_spans, alloc_spans;
	struct review_rules_pending *pending;
	size_t nr_pending, alloc_pending;
	int defer;		/* hold findings in `pending` */
	/*
	 * Collect every secret, for masking: no findings, every match
	 * of a line and not only its first, no overlap check.
	 */
	int mask_only;
	/*
	 * The one-line rule that searches this block line by line: its
	 * search of the whole block found a match that ran past its line,
	 * which may cost the rest of the block on every search.
	 */
	const struct review_rule *per_line;
	pcre2_match_data *md;
	pcre2_match_context *mctx;	/* a copy, for the offset limit */
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

/* The offset of the '\n' that ends line i, or the block's length. */
static size_t review_rules_block_nl(const struct review_rules_block *b,
				    size_t i)
{
	const char *s = b->text + b->starts[i];
	const char *nl = memchr(s, '\n', b->len - b->starts[i]);

	return nl ? (size_t)(nl - b->text) : b->len;
}

/* One past the last byte of line i, before its '\n' (and '\r'). */
static size_t review_rules_block_line_end(const struct review_rules_block *b,
					  size_t i)
{
	size_t end = review_rules_block_nl(b, i);

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

/*
 * Append text as snippet lines: split at '\n', drop a '\r' at a line's
 * end, cap each line and the whole at REVIEW_RULES_SNIPPET_MAX without
 * cutting a UTF-8 sequence in half.
 */
static void review_rules_snippet_add(struct buf *sn, const char *p, size_t n)
{
	const char *end = p + n;
	size_t cut;
	int first = 1;

	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);

		if (l && p[l - 1] == '\r')
			l--;
		if (!first)
			buf_putc(sn, '\n');
		first = 0;
		if (l > REVIEW_RULES_SNIPPET_MAX)
			l = REVIEW_RULES_SNIPPET_MAX;
		buf_add(sn, p, l);
		if (!nl || sn->len >= REVIEW_RULES_SNIPPET_MAX)
			break;
		p = nl + 1;
	}
	if (sn->len > REVIEW_RULES_SNIPPET_MAX) {
		cut = REVIEW_RULES_SNIPPET_MAX;
		while (cut > 0 && ((unsigned char)sn->ptr[cut] & 0xc0) == 0x80)
			cut--;
		buf_truncate(sn, cut);
	}
}

static int review_rules_span_cmp(const void *a, const void *b)
{
	const struct review_rules_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static size_t review_rules_collect(const struct review_rules *rs,
				   const char *text, size_t len,
				   size_t nr_lines,
				   struct review_rules_span **spans);

/*
 * Append text[s, e), part of a secret of `whole` bytes, masked: line ends
 * stay, so the text keeps its lines; the first line shows the secret's
 * review_rules_mask() form ("****" when `cont`: the secret began before
 * `s`) and every further line that holds some of it its indentation and
 * "****".
 */
static void review_rules_mask_span(struct buf *out, const char *text,
				   size_t s, size_t e, size_t whole, int cont)
{
	int first = 1;

	while (s < e) {
		const char *nl = memchr(text + s, '\n', e - s);
		size_t end = nl ? (size_t)(nl - text) : e, n = end - s, keep;
		int cr = nl && n && text[end - 1] == '\r';

		n -= cr;
		if (first && !cont) {
			keep = review_rules_mask_keep(whole);
			if (keep > n)
				keep = n;
			/* end on a character boundary */
			while (keep > 0 && keep < n &&
			       ((unsigned char)text[s + keep] & 0xc0) == 0x80)
				keep--;
			buf_add(out, text + s, keep);
			buf_puts(out, "****");
		} else if (n) {
			/* keep the indentation of a block's further lines */
			while (n && (text[s] == ' ' || text[s] == '\t')) {
				buf_putc(out, text[s++]);
				n--;
			}
			if (n)
				buf_puts(out, "****");
		}
		if (cr)
			buf_putc(out, '\r');
		if (!nl)
			break;
		buf_putc(out, '\n');
		s = end + 1;
		first = 0;
	}
}

/*
 * Append text[from, to) to `out` with every secret of `spans` (offsets
 * into `text`, anywhere) masked where it lies in the range, and every
 * other occurrence of the same value in the range too: a secret that
 * starts in the range shows its review_rules_mask() form, the rest of one
 * that started earlier shows "****". Returns how many ranges it masked.
 */
static size_t review_rules_mask_range(struct buf *out, const char *text,
				      size_t from, size_t to,
				      const struct review_rules_span *spans,
				      size_t nr)
{
	struct review_rules_span *hit = NULL;
	size_t i, n = 0, alloc = 0, pos;

	for (i = 0; i < nr; i++) {
		const struct review_rules_span *sp = &spans[i];
		size_t vlen = sp->end - sp->start, at = from;
		const char *p;

		if (sp->end > from && sp->start < to) {
			hit = xgrow(hit, &alloc, n + 1, sizeof(*hit));
			hit[n++] = *sp;
		}
		/* the same secret again elsewhere in the range */
		while (vlen >= 4 && at < to &&
		       (p = memmem(text + at, to - at, text + sp->start,
				   vlen))) {
			size_t o = (size_t)(p - text);

			if (o != sp->start) {
				hit = xgrow(hit, &alloc, n + 1, sizeof(*hit));
				hit[n].start = o;
				hit[n++].end = o + vlen;
			}
			at = o + 1;
		}
	}
	if (!n) {
		buf_add(out, text + from, to - from);
		return 0;
	}
	qsort(hit, n, sizeof(*hit), review_rules_span_cmp);
	pos = from;
	for (i = 0; i < n; i++) {
		size_t s = hit[i].start > pos ? hit[i].start : pos;
		size_t e = hit[i].end < to ? hit[i].end : to;

		if (s >= e)
			continue;
		buf_add(out, text + pos, s - pos);
		review_rules_mask_span(out, text, s, e,
				       hit[i].end - hit[i].start,
				       hit[i].start != s);
		pos = e;
	}
	buf_add(out, text + pos, to - pos);
	free(hit);
	return n;
}

/*
 * Lines first..last without line ends, joined by '\n', capped, with every
 * secret masked: those of the scan (a secret that starts in the snippet
 * shows its review_rules_mask() form, the rest of one that started
 * earlier shows "****"), and, line by line, whatever any secret rule of
 * the set finds in the snippet's own text, whichever finding it is for.
 * `at` is where the match starts (an offset into the block), for a line
 * too long to show whole.
 */
static void review_rules_block_snippet(struct review_rules_block *b,
				       size_t first, size_t at, size_t last)
{
	size_t from = b->starts[first];
	size_t to = review_rules_block_line_end(b, last);
	struct review_rules_span *own = NULL, *all;
	size_t i, nr_own, skip = 0;

	nr_own = review_rules_collect(b->rs, b->text + from, to - from,
				      last - first + 1, &own);
	all = xcalloc(b->nr_spans + nr_own + 1, sizeof(*all));
	if (b->nr_spans)
		memcpy(all, b->spans, b->nr_spans * sizeof(*all));
	for (i = 0; i < nr_own; i++) {
		all[b->nr_spans + i].start = from + own[i].start;
		all[b->nr_spans + i].end = from + own[i].end;
	}
	buf_reset(&b->masked);
	review_rules_mask_range(&b->masked, b->text, from, to, all,
				b->nr_spans + nr_own);
	/*
	 * A match far into one long line (minified code) would fall past
	 * the snippet's cap: start the snippet a little before the match
	 * instead, measured in the masked text, and on a character's start.
	 */
	if (first == last && b->masked.len > REVIEW_RULES_SNIPPET_MAX &&
	    at > from + REVIEW_RULES_SNIPPET_MAX / 4) {
		struct buf pre;

		buf_init(&pre, 0);
		review_rules_mask_range(&pre, b->text, from, at, all,
					b->nr_spans + nr_own);
		if (pre.len > REVIEW_RULES_SNIPPET_MAX / 4)
			skip = pre.len - REVIEW_RULES_SNIPPET_MAX / 4;
		buf_release(&pre);
		while (skip < b->masked.len &&
		       ((unsigned char)b->masked.ptr[skip] & 0xc0) == 0x80)
			skip++;
	}
	buf_reset(&b->snippet);
	review_rules_snippet_add(&b->snippet, b->masked.ptr + skip,
				 b->masked.len - skip);
	free(own);
	free(all);
}

static void review_rules_emit(struct review_rules_block *b,
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
	review_rules_block_snippet(b, first, start, last);
	f.snippet = b->snippet.ptr;
	review_findings_add(out, &f);
}

static void review_rules_report(struct review_rules_block *b,
				const struct review_rule *r,
				const struct review_rules_match *m,
				struct review_findings *out)
{
	struct review_rules_pending *p;

	if (r->spec.secret) {
		b->spans = xgrow(b->spans, &b->alloc_spans, b->nr_spans + 1,
				 sizeof(*b->spans));
		b->spans[b->nr_spans].start = m->vstart;
		b->spans[b->nr_spans++].end = m->vend;
	}
	if (!b->defer) {
		review_rules_emit(b, r, m->first, m->start, m->last, m->end,
				  out);
		return;
	}
	b->pending = xgrow(b->pending, &b->alloc_pending, b->nr_pending + 1,
			   sizeof(*b->pending));
	p = &b->pending[b->nr_pending++];
	p->r = r;
	p->first = m->first;
	p->start = m->start;
	p->last = m->last;
	p->end = m->end;
}

/* Does the rule's exclude_line pattern match line i? */
static int review_rules_excluded(const struct review_rules *rs,
				 const struct review_rule *r,
				 const struct review_rules_block *b, size_t i)
{
	size_t s = b->starts[i], e = review_rules_block_line_end(b, i);

	return pcre2_match(r->exclude, (PCRE2_SPTR)(b->text + s), e - s, 0,
			   0, b->md, rs->match_ctx) >= 0;
}

/* Does [s, e) overlap a secret already reported in this scan? */
static int review_rules_overlaps(const struct review_rules_block *b,
				 size_t s, size_t e)
{
	size_t i;

	for (i = 0; i < b->nr_spans; i++)
		if (b->spans[i].start < e && s < b->spans[i].end)
			return 1;
	return 0;
}

/* Is the value of a match acceptable under the rule's secret options? */
static int review_rules_accept(const struct review_rules *rs,
			       const struct review_rule *r,
			       const struct review_rules_block *b,
			       size_t vs, size_t ve)
{
	const char *v = b->text + vs;
	size_t n = ve - vs, i;

	if (r->spec.min_entropy > 0 &&
	    review_rules_entropy(v, n) < r->spec.min_entropy)
		return 0;
	if (r->spec.secret) {
		if (!n || review_rules_placeholder(v, n))
			return 0;
		if (!b->mask_only && review_rules_overlaps(b, vs, ve))
			return 0;
	}
	for (i = 0; i < r->nr_allow; i++)
		if (pcre2_match(r->allow[i], (PCRE2_SPTR)v, n, 0, 0, b->md,
				rs->match_ctx) >= 0)
			return 0;
	return 1;
}

/*
 * The search of a one-line rule: the first match at or after `off` that
 * lies within one line. Each search has one line, without its line end,
 * as its subject, so nothing in the pattern can see past the line. With
 * `limit` set, only the line holding `off` is searched (the match must
 * start there); without, a search of the whole block finds the next line
 * that may hold a match, that line alone is searched, and so on. Once a
 * search of the block finds a match that runs past its line (a pattern
 * such as (?s)a.*b, which may then read to the block's end every time),
 * the rule goes on line by line, so a scan stays linear. Returns what
 * pcre2_match() returned; the ovector counts from *base, the start of the
 * line searched last; *off moves to that line.
 */
static int review_rules_match_line(const struct review_rule *r,
				   struct review_rules_block *b, size_t *off,
				   size_t limit, size_t *base)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(b->md);
	size_t l, ls, le;
	int rc;

	while (*off < b->len) {
		if (limit == PCRE2_UNSET && b->per_line != r) {
			size_t at;

			rc = pcre2_match(r->code, (PCRE2_SPTR)b->text, b->len,
					 *off, 0, b->md, b->mctx);
			if (rc < 0)
				return rc;
			at = ov[0] > *off ? ov[0] : *off;
			l = review_rules_block_line(b, at);
			if (review_rules_block_beyond(b, l, at))
				return PCRE2_ERROR_NOMATCH;
			if (ov[1] > review_rules_block_line_end(b, l))
				b->per_line = r;
			if (b->starts[l] > *off)
				*off = b->starts[l];
		} else {
			l = review_rules_block_line(b, *off);
		}
		ls = b->starts[l];
		le = review_rules_block_line_end(b, l);
		if (*off <= le) {
			rc = pcre2_match(r->code, (PCRE2_SPTR)(b->text + ls),
					 le - ls, *off - ls, 0, b->md, b->mctx);
			if (rc != PCRE2_ERROR_NOMATCH) {
				*base = ls;
				return rc;
			}
		}
		if (limit != PCRE2_UNSET || l + 1 >= b->nr_starts)
			break;
		*off = b->starts[l + 1];
	}
	return PCRE2_ERROR_NOMATCH;
}

/*
 * Find the first accepted match of rule r that starts at or after `off`
 * and, unless `limit` is PCRE2_UNSET, at or before `limit` (on the line
 * that `limit` ends, for a one-line rule). Returns 1 and fills *m; 0 when
 * there is none; -1 when the rule is done with the block (past its end,
 * or PCRE2 gave up).
 */
static int review_rules_next(const struct review_rules *rs,
			     const struct review_rule *r,
			     struct review_rules_block *b, size_t off,
			     size_t limit, struct review_rules_match *m)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(b->md);
	int g = r->spec.secret_group;

	pcre2_set_offset_limit(b->mctx, r->spec.multiline ? limit
							  : PCRE2_UNSET);
	while (off < b->len) {
		size_t start, end, vs, ve, first, last, base = 0;
		int rc;

		if (r->spec.multiline)
			rc = pcre2_match(r->code, (PCRE2_SPTR)b->text, b->len,
					 off, 0, b->md, b->mctx);
		else
			rc = review_rules_match_line(r, b, &off, limit, &base);
		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc < 0) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(rc, msg, sizeof(msg));
			log_warn("rule '%s' stopped on '%s': %s",
				 r->spec.id, b->path ? b->path : "",
				 (char *)msg);
			return -1;
		}
		start = base + ov[0];
		end = base + ov[1];
		/* \K inside a lookahead can put the start after the end */
		if (end < start)
			end = start;
		vs = start;
		ve = end;
		if (g > 0 && rc > g && ov[2 * g] != PCRE2_UNSET &&
		    ov[2 * g + 1] >= ov[2 * g]) {
			vs = base + ov[2 * g];
			ve = base + ov[2 * g + 1];
		}
		first = review_rules_block_line(b, start);
		if (review_rules_block_beyond(b, first, start))
			return -1;
		last = end > start ? review_rules_block_line(b, end - 1)
				   : first;
		if (last < first)
			last = first;
		if (r->exclude && review_rules_excluded(rs, r, b, first)) {
			if (limit != PCRE2_UNSET)
				return 0;
			if (first + 1 >= b->nr_starts)
				return -1;
			off = b->starts[first + 1];
			continue;
		}
		if (!review_rules_accept(rs, r, b, vs, ve)) {
			/* go on after this match, on the same line */
			off = end > start ? end : start + 1;
			while (off < b->len &&
			       ((unsigned char)b->text[off] & 0xc0) == 0x80)
				off++;
			continue;
		}
		m->start = start;
		m->end = end;
		m->vstart = vs;
		m->vend = ve;
		m->first = first;
		m->last = last;
		return 1;
	}
	return 0;
}

/*
 * After a secret rule's finding, which ends on line `last`: the rest of
 * that line may hold more secrets of the same rule ("keys = [a, b]").
 * They get no finding of their own (one per line) but must be masked.
 */
static void review_rules_mask_rest(const struct review_rules *rs,
				   const struct review_rule *r,
				   struct review_rules_block *b, size_t off,
				   size_t last)
{
	struct review_rules_match m;
	size_t limit = review_rules_block_nl(b, last);

	while (off <= limit &&
	       review_rules_next(rs, r, b, off, limit, &m) == 1) {
		b->spans = xgrow(b->spans, &b->alloc_spans, b->nr_spans + 1,
				 sizeof(*b->spans));
		b->spans[b->nr_spans].start = m.vstart;
		b->spans[b->nr_spans++].end = m.vend;
		off = m.end > m.start ? m.end : m.start + 1;
	}
}

/* Run one rule over the whole block. */
static void review_rules_scan_all(const struct review_rules *rs,
				  const struct review_rule *r,
				  struct review_rules_block *b,
				  struct review_findings *out)
{
	struct review_rules_match m;
	size_t off = 0;

	while (review_rules_next(rs, r, b, off, PCRE2_UNSET, &m) == 1) {
		review_rules_report(b, r, &m, out);
		if (r->spec.secret)
			review_rules_mask_rest(rs, r, b, m.end, m.last);
		/* the next line after the match: one finding per line */
		if (m.last + 1 >= b->nr_starts)
			return;
		off = b->starts[m.last + 1];
	}
}

/* Run one rule from each of the given lines (ascending). */
static void review_rules_scan_lines(const struct review_rules *rs,
				    const struct review_rule *r,
				    struct review_rules_block *b,
				    const uint32_t *lines, size_t nr,
				    struct review_findings *out)
{
	struct review_rules_match m;
	size_t i, done = 0;

	for (i = 0; i < nr; i++) {
		size_t l = lines[i];
		int rc;

		if (l < done)
			continue;
		rc = review_rules_next(rs, r, b, b->starts[l],
				       review_rules_block_nl(b, l), &m);
		if (rc < 0)
			return;
		if (rc == 0) {
			done = l + 1;
			continue;
		}
		review_rules_report(b, r, &m, out);
		if (r->spec.secret)
			review_rules_mask_rest(rs, r, b, m.end, m.last);
		done = m.last + 1;
	}
}

/*
 * The lines on which each applicable rule's keywords occur: for rule i,
 * lines[first[i] .. first[i + 1]), ascending and distinct.
 */
struct review_rules_hits {
	uint32_t *lines;
	size_t *first;
};

/* Does keyword kw occur at t (with n bytes available)? */
static int review_rules_kw_at(const struct review_rules_kw *kw,
			      const unsigned char *t, size_t n)
{
	size_t j;

	if (kw->len > n)
		return 0;
	if (!kw->icase)
		return !memcmp(t, kw->exact, kw->len);
	for (j = 0; j < kw->len; j++)
		if (review_rules_lc[t[j]] != kw->lower[j])
			return 0;
	return 1;
}

/* Hits in the order found, before they are grouped by rule. */
struct review_rules_raw_hits {
	uint32_t *rule, *line, *last;
	size_t nr, alloc, alloc2;
};

/* Record the occurrences of the keywords of bucket `kwi` at offset i. */
static void review_rules_bucket(const struct review_rules *rs,
				const struct review_rules_block *b,
				const unsigned char *applies, uint32_t kwi,
				size_t i, size_t n, size_t *line,
				struct review_rules_raw_hits *raw)
{
	const struct review_rules_index *ix = rs->index;
	const unsigned char *t = (const unsigned char *)b->text;
	size_t k;

	for (; kwi; kwi = ix->kws[kwi - 1].next) {
		const struct review_rules_kw *kw = &ix->kws[kwi - 1];

		if (!review_rules_kw_at(kw, t + i, n - i))
			continue;
		while (*line + 1 < b->nr_starts && b->starts[*line + 1] <= i)
			(*line)++;
		for (k = 0; k < kw->nr_rules; k++) {
			uint32_t ri = kw->rules[k];

			if (!applies[ri] || raw->last[ri] == *line + 1)
				continue;
			raw->last[ri] = (uint32_t)(*line + 1);
			raw->rule = xgrow(raw->rule, &raw->alloc, raw->nr + 1,
					  sizeof(*raw->rule));
			raw->line = xgrow(raw->line, &raw->alloc2, raw->nr + 1,
					  sizeof(*raw->line));
			raw->rule[raw->nr] = ri;
			raw->line[raw->nr++] = (uint32_t)*line;
		}
	}
}

/*
 * The one pass over the block: find every keyword occurrence and record
 * its line for each applicable rule that uses the keyword. The inner loop
 * is one table lookup per byte; a keyword is compared only where its
 * first two bytes (lowercased) occur.
 */
static void review_rules_find_hits(const struct review_rules *rs,
				   struct review_rules_block *b,
				   const unsigned char *applies,
				   struct review_rules_hits *h)
{
	const struct review_rules_index *ix = rs->index;
	const unsigned char *t = (const unsigned char *)b->text;
	const unsigned char *lc = review_rules_lc;
	struct review_rules_raw_hits raw;
	size_t n, i, line = 0;

	memset(&raw, 0, sizeof(raw));
	h->first = xcalloc(rs->nr + 1, sizeof(*h->first));
	h->lines = NULL;
	if (!b->nr_starts)
		return;
	/* the block ends with its last line */
	n = review_rules_block_nl(b, b->nr_starts - 1);
	raw.last = xcalloc(rs->nr, sizeof(*raw.last));
	for (i = 0; i + 1 < n; i++) {
		unsigned key = (unsigned)lc[t[i]] << 8 | lc[t[i + 1]];

		if (ix->has_single && ix->single[lc[t[i]]])
			review_rules_bucket(rs, b, applies,
					    ix->single[lc[t[i]]], i, n, &line,
					    &raw);
		if (!(ix->pairs[key >> 3] & (1u << (key & 7))))
			continue;
		review_rules_bucket(rs, b, applies, ix->head[key], i, n, &line,
				    &raw);
	}
	if (n && ix->has_single && ix->single[lc[t[n - 1]]])
		review_rules_bucket(rs, b, applies, ix->single[lc[t[n - 1]]],
				    n - 1, n, &line, &raw);
	/* group by rule, keeping each rule's lines in order */
	for (i = 0; i < raw.nr; i++)
		h->first[raw.rule[i] + 1]++;
	for (i = 0; i < rs->nr; i++)
		h->first[i + 1] += h->first[i];
	h->lines = xcalloc(raw.nr ? raw.nr : 1, sizeof(*h->lines));
	memset(raw.last, 0, rs->nr * sizeof(*raw.last));
	for (i = 0; i < raw.nr; i++)
		h->lines[h->first[raw.rule[i]] + raw.last[raw.rule[i]]++] =
			raw.line[i];
	free(raw.last);
	free(raw.rule);
	free(raw.line);
}

/* Where a search goes on after match m: past it, on a character. */
static size_t review_rules_after(const struct review_rules_block *b,
				 const struct review_rules_match *m)
{
	size_t off = m->end > m->start ? m->end : m->start + 1;

	while (off < b->len && ((unsigned char)b->text[off] & 0xc0) == 0x80)
		off++;
	return off;
}

/* Record the value of match m as a secret of the block. */
static void review_rules_add_span(struct review_rules_block *b,
				  const struct review_rules_match *m)
{
	b->spans = xgrow(b->spans, &b->alloc_spans, b->nr_spans + 1,
			 sizeof(*b->spans));
	b->spans[b->nr_spans].start = m->vstart;
	b->spans[b->nr_spans++].end = m->vend;
}

/*
 * Every secret in text[0, len), which holds `nr_lines` lines: the value
 * of every accepted match (every one of a line, not only the first) of
 * every secret rule of the set, enabled or not, whatever the path and
 * language; one-line rules see one line at a time, as in a scan. Sets
 * *spans (offsets into `text`, which the caller frees) and returns how
 * many there are.
 */
static size_t review_rules_collect(const struct review_rules *rs,
				   const char *text, size_t len,
				   size_t nr_lines,
				   struct review_rules_span **spans)
{
	struct review_rules_block b;
	struct review_rules_hits hits = { NULL, NULL };
	struct review_rules_match m;
	unsigned char *applies;
	size_t i, j, off, any = 0;

	*spans = NULL;
	if (!rs->nr || !text || !len || !nr_lines)
		return 0;
	applies = xcalloc(rs->nr, 1);
	for (i = 0; i < rs->nr; i++) {
		applies[i] = rs->items[i].spec.secret &&
			     !rs->items[i].spec.filename_rule;
		any += applies[i];
	}
	if (!any) {
		free(applies);
		return 0;
	}
	memset(&b, 0, sizeof(b));
	b.rs = rs;
	b.text = text;
	b.len = len;
	b.nr_lines = nr_lines;
	b.mask_only = 1;
	review_rules_lc_init();
	review_rules_block_index(&b);
	review_rules_find_hits(rs, &b, applies, &hits);
	if (!(b.md = pcre2_match_data_create(
		      (uint32_t)rs->index->max_group + 1, NULL)) ||
	    !(b.mctx = pcre2_match_context_copy(rs->match_ctx)))
		abort();
	for (i = 0; i < rs->nr; i++) {
		const struct review_rule *r = &rs->items[i];

		if (!applies[i])
			continue;
		if (r->spec.keywords && hits.first[i + 1] == hits.first[i])
			continue;
		if (!r->spec.keywords || !r->spec.keywords_local) {
			off = 0;
			while (review_rules_next(rs, r, &b, off, PCRE2_UNSET,
						 &m) == 1) {
				review_rules_add_span(&b, &m);
				off = review_rules_after(&b, &m);
			}
			continue;
		}
		for (j = hits.first[i]; j < hits.first[i + 1]; j++) {
			size_t l = hits.lines[j];
			size_t limit = review_rules_block_nl(&b, l);

			off = b.starts[l];
			while (off <= limit &&
			       review_rules_next(rs, r, &b, off, limit,
						 &m) == 1) {
				review_rules_add_span(&b, &m);
				off = review_rules_after(&b, &m);
			}
		}
	}
	pcre2_match_data_free(b.md);
	pcre2_match_context_free(b.mctx);
	free(hits.first);
	free(hits.lines);
	free(applies);
	free(b.starts);
	*spans = b.spans;
	return b.nr_spans;
}

/*
 * review_rules_scan() with every enabled rule when `only` is SIZE_MAX, or
 * with rule `only` alone, enabled or not (the self-test).
 */
static void review_rules_scan_some(const struct review_rules *rs,
				   size_t only, const char *path,
				   const char *lang, const char *text,
				   size_t len, const uint32_t *line_nos,
				   size_t nr_lines,
				   struct review_findings *out)
{
	struct review_rules_block b;
	struct review_rules_hits hits = { NULL, NULL };
	struct review_rules_skip_memo memo = { 0, 0, 0 };
	unsigned char *applies;
	size_t i, nr_applies = 0;
	int phase, any_kw = 0;

	if (!rs->nr || !text || !len || !nr_lines)
		return;
	applies = xcalloc(rs->nr, 1);
	for (i = 0; i < rs->nr; i++) {
		const struct review_rule *r = &rs->items[i];

		if (only != SIZE_MAX && i != only)
			continue;
		if (r->spec.filename_rule ||
		    !review_rule_applies(r, path, lang, only == i, &memo))
			continue;
		applies[i] = 1;
		nr_applies++;
		any_kw |= r->spec.keywords != NULL;
	}
	if (!nr_applies) {
		free(applies);
		return;
	}
	memset(&b, 0, sizeof(b));
	b.rs = rs;
	b.path = path;
	b.text = text;
	b.len = len;
	b.line_nos = line_nos;
	b.nr_lines = nr_lines;
	buf_init(&b.snippet, 0);
	buf_init(&b.masked, 0);
	review_rules_lc_init();
	if (any_kw) {
		review_rules_block_index(&b);
		review_rules_find_hits(rs, &b, applies, &hits);
	}
	if (!(b.md = pcre2_match_data_create(
		      (uint32_t)rs->index->max_group + 1, NULL)) ||
	    !(b.mctx = pcre2_match_context_copy(rs->match_ctx)))
		abort();
	/* secret rules first, so that every snippet can mask their finds */
	for (phase = 0; phase < 2; phase++) {
		b.defer = phase == 0;
		for (i = 0; i < rs->nr; i++) {
			const struct review_rule *r = &rs->items[i];
			size_t nr_hits;

			if (!applies[i] || (phase == 0) != !!r->spec.secret)
				continue;
			if (!r->spec.keywords) {
				review_rules_scan_all(rs, r, &b, out);
				continue;
			}
			nr_hits = hits.first[i + 1] - hits.first[i];
			if (!nr_hits)
				continue;
			if (r->spec.keywords_local)
				review_rules_scan_lines(rs, r, &b,
							hits.lines +
								hits.first[i],
							nr_hits, out);
			else
				review_rules_scan_all(rs, r, &b, out);
		}
		for (i = 0; i < b.nr_pending; i++) {
			const struct review_rules_pending *p = &b.pending[i];

			review_rules_emit(&b, p->r, p->first, p->start,
					  p->last, p->end, out);
		}
		b.nr_pending = 0;
	}
	pcre2_match_data_free(b.md);
	pcre2_match_context_free(b.mctx);
	free(hits.first);
	free(hits.lines);
	free(applies);
	free(b.starts);
	free(b.spans);
	free(b.pending);
	buf_release(&b.snippet);
	buf_release(&b.masked);
}

void review_rules_scan(const struct review_rules *rs, const char *path,
		       const char *lang, const char *text, size_t len,
		       const uint32_t *line_nos, size_t nr_lines,
		       struct review_findings *out)
{
	review_rules_scan_some(rs, SIZE_MAX, path, lang, text, len, line_nos,
			       nr_lines, out);
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
		if (r->spec.skip_paths && glob_match_any(r->spec.skip_paths,
							 path))
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

/* Secrets: entropy, placeholders, masking. */

double review_rules_entropy(const char *s, size_t len)
{
	size_t counts[256] = { 0 }, i;
	double h = 0;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		counts[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++) {
		double p;

		if (!counts[i])
			continue;
		p = (double)counts[i] / (double)len;
		h -= p * log2(p);
	}
	return h;
}

int review_rules_placeholder(const char *s, size_t len)
{
	static const char *const words[] = {
		"example", "xxxx", "changeme", "change_me", "dummy",
		"placeholder", "sample", "fake", "redacted", "your_", "your-",
		"test", "replace", "insert", "todo", "<", ">", "${", "{{", "$(",
		"%s", "*****", "....", NULL
	};
	size_t counts[256] = { 0 }, i, up = 1, down = 1, max = 0;
	const char *const *w;

	for (w = words; *w; w++) {
		size_t n = strlen(*w);

		/*
		 * In a long secret (a private key's body) a short word turns
		 * up by chance now and then; only the long ones count there.
		 */
		if (len > 100 && n < 6)
			continue;
		if (review_rules_memmem_icase(s, len, (const unsigned char *)*w,
					      n))
			return 1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (++counts[c] > max)
			max = counts[c];
		if (i) {
			unsigned char p = (unsigned char)s[i - 1];

			up = c == p + 1 ? up + 1 : 1;
			down = c + 1 == p ? down + 1 : 1;
			if (up >= 6 || down >= 6)
				return 1;
		}
	}
	return len && max * 10 >= len * 6;
}

size_t review_rules_mask_keep(size_t len)
{
	return len / 4 < 4 ? len / 4 : 4;
}

void review_rules_mask(struct buf *out, const char *s, size_t len)
{
	size_t keep = review_rules_mask_keep(len);

	/* end on a character boundary */
	while (keep > 0 && keep < len &&
	       ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	buf_add(out, s, keep);
	buf_puts(out, "****");
}

size_t review_rules_mask_text(const struct review_rules *rs, struct buf *out,
			      const char *text, size_t len)
{
	struct review_rules_span *spans = NULL;
	size_t i, lines = 1, nr;

	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (len && text[len - 1] == '\n')
		lines--;
	nr = review_rules_collect(rs, text, len, lines, &spans);
	review_rules_mask_range(out, text, 0, len, spans, nr);
	free(spans);
	return nr;
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

/*
 * Scan `example` with rule `idx` alone; returns how many findings it
 * produced, which stay in `found` for the caller to look at.
 */
static size_t review_rules_try(const struct review_rules *rs, size_t idx,
			       const char *example,
			       struct review_findings *found)
{
	const struct review_rule *r = &rs->items[idx];
	const char *path = r->spec.example_path ? r->spec.example_path
						: "example";
	const char *lang = r->spec.languages ? r->spec.languages[0] : NULL;
	size_t len = strlen(example);

	review_findings_init(found);
	if (r->spec.filename_rule) {
		/* a one-rule view of the set, enabled */
		struct review_rules one = *rs;
		struct review_rule copy = *r;

		copy.disabled = 0;
		one.items = &copy;
		one.nr = 1;
		review_rules_scan_filename(&one, example, found);
	} else {
		review_rules_scan_some(rs, idx, path, lang, example, len, NULL,
				       review_rules_count_lines(example, len),
				       found);
	}
	return found->nr;
}

/*
 * For a secret rule: does any snippet or message of `found` hold the
 * whole value of an accepted match in `example`? Returns the first such
 * value's length and offset, or 0.
 */
static size_t review_rules_leaks(const struct review_rules *rs, size_t idx,
				 const char *example,
				 const struct review_findings *found,
				 size_t *at)
{
	const struct review_rule *r = &rs->items[idx];
	pcre2_match_data *md;
	PCRE2_SIZE *ov;
	size_t len = strlen(example), off = 0, i, leak = 0;
	int g = r->spec.secret_group, rc;

	if (!(md = pcre2_match_data_create((uint32_t)g + 1, NULL)))
		abort();
	ov = pcre2_get_ovector_pointer(md);
	while (!leak && off < len &&
	       (rc = pcre2_match(r->code, (PCRE2_SPTR)example, len, off, 0,
				 md, NULL)) > 0) {
		size_t vs = ov[0], ve = ov[1] > ov[0] ? ov[1] : ov[0];

		if (g > 0 && rc > g && ov[2 * g] != PCRE2_UNSET) {
			vs = ov[2 * g];
			ve = ov[2 * g + 1];
		}
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		if (ve - vs < 4)
			continue;
		for (i = 0; i < found->nr && !leak; i++) {
			const struct review_finding *f = &found->items[i];

			if ((f->snippet &&
			     memmem(f->snippet, strlen(f->snippet),
				    example + vs, ve - vs)) ||
			    memmem(f->message, strlen(f->message),
				   example + vs, ve - vs)) {
				leak = ve - vs;
				*at = vs;
			}
		}
	}
	pcre2_match_data_free(md);
	return leak;
}

int review_rules_selftest(const struct review_rules *rs, struct buf *err)
{
	struct buf msg = BUF_INIT;
	struct review_findings found;
	size_t i, j, leak, at = 0;
	int rc = 0;

	for (i = 0; i < rs->nr; i++) {
		const struct review_rule_spec *s = &rs->items[i].spec;

		for (j = 0; s->examples_true && s->examples_true[j]; j++) {
			const char *ex = s->examples_true[j];

			if (!review_rules_try(rs, i, ex, &found)) {
				buf_printf(&msg,
					   "%srule '%s': example '%s' should "
					   "match", msg.len ? "\n" : "", s->id,
					   ex);
			} else if (s->secret &&
				   (leak = review_rules_leaks(rs, i, ex,
							      &found, &at))) {
				buf_printf(&msg,
					   "%srule '%s': example '%s' shows "
					   "the whole secret '%.*s'",
					   msg.len ? "\n" : "", s->id, ex,
					   (int)leak, ex + at);
			}
			review_findings_release(&found);
		}
		for (j = 0; s->examples_false && s->examples_false[j]; j++) {
			size_t n = review_rules_try(rs, i, s->examples_false[j],
						    &found);

			review_findings_release(&found);
			if (!n)
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
