/*
 * structure.c - structural checks on tree-sitter parse trees: compile query
 * rules, evaluate their predicates, turn captured nodes into findings, and
 * find the syntax errors a change introduces (see structure.h for the
 * semantics).
 *
 * What this file is not for: the grammars (review/grammars.c), the rules
 * themselves (review/pack_structure.c), or which files and lines get
 * checked (actions/).
 *
 * Each scan parses the file once and creates its own parser, query cursor
 * and PCRE2 match data, so the rule set itself is never written while
 * scanning. A rule's matches are collected, sorted and deduplicated before
 * they become findings, so a node that several patterns (or nested
 * matches) reach is reported once. Trees are walked with a TSTreeCursor,
 * never by recursion: a pathological file nests deeply.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <tree_sitter/api.h>

#include "common/error.h"
#include "common/glob.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "review/grammars.h"
#include "review/lang.h"
#include "review/linediff.h"
#include "review/query_roots.h"
#include "review/structure.h"

#define REVIEW_STRUCTURE_SNIPPET_MAX 1024
/* Bounds the in-progress matches of one query cursor. */
#define REVIEW_STRUCTURE_MATCH_LIMIT 4096
/* Errors collected per tree; a file of garbage has thousands. */
#define REVIEW_STRUCTURE_MAX_ERRORS 256
/* Leaf tokens that make up an ERROR node's signature. */
#define REVIEW_STRUCTURE_SIG_LEAVES 6
/* ts_builtin_sym_error in tree_sitter/parser.h, which api.h lacks. */
#define REVIEW_STRUCTURE_SYM_ERROR ((TSSymbol)-1)

enum review_structure_pred_kind {
	REVIEW_PRED_EQ,
	REVIEW_PRED_NOT_EQ,
	REVIEW_PRED_MATCH,
	REVIEW_PRED_NOT_MATCH,
	REVIEW_PRED_ANY_OF
};

/* One text predicate of one pattern. */
struct review_structure_pred {
	uint32_t pattern;
	enum review_structure_pred_kind kind;
	uint32_t capture;	/* the capture tested */
	int64_t other;		/* #eq? @a @b: b's capture id; else -1 */
	char **values;		/* literals (one, or #any-of?'s list) */
	size_t nr_values;
	pcre2_code *re;		/* #match?, #not-match? */
};

/* A rule's query compiled against one grammar. */
struct review_structure_compiled {
	const char *grammar;	/* static, from review/grammars.c */
	TSQuery *query;
	int64_t capture;	/* capture id to report; -1: first visible */
	unsigned char *hidden;	/* per capture id: name starts with '_' */
	struct review_structure_pred *preds;
	size_t nr_preds, alloc_preds;
};

struct review_query {
	struct review_query_spec spec;	/* deep copy, owned */
	struct review_structure_compiled compiled[2];
	size_t nr_compiled;
	const char *grammars[2];	/* what the rule runs on */
	size_t nr_grammars;
	unsigned disabled : 1;
	unsigned lazy : 1;		/* not compiled until first needed */
};

/*
 * The enabled rules of one grammar as a single query, so that a scan walks
 * the tree once rather than once per rule (each walk costs about as much
 * as the parse). Rebuilt whenever a rule is added or disabled; `ok` is 0
 * when the combined query did not compile, and the rules then run one by
 * one.
 */
struct review_structure_group {
	const char *grammar;
	struct review_structure_compiled c;	/* c.capture unused */
	size_t *pattern_rule;		/* pattern -> index in items */
	int64_t *pattern_capture;	/* pattern -> capture to report */
	int ok;
	int stale;	/* rules were added or disabled since it was built */
	/*
	 * Per symbol: 1 when some pattern of the combined query has a node
	 * of that type at its root; NULL when a pattern's root could not be
	 * told (an alternation, a wildcard, a string), and the query then
	 * walks the tree itself.
	 */
	unsigned char *roots;
	uint32_t nr_symbols;
};

static const struct review_query_pack *const review_structure_packs[] = {
	&review_pack_structure,
	NULL
};

const struct review_query_pack *const *review_structure_builtin_packs(void)
{
	return review_structure_packs;
}

void review_structure_init(struct review_structure *s)
{
	s->items = NULL;
	s->nr = 0;
	s->alloc = 0;
	s->groups = NULL;
	s->nr_groups = 0;
	s->alloc_groups = 0;
	s->max_bytes = REVIEW_STRUCTURE_MAX_BYTES;
	s->timeout_us = REVIEW_STRUCTURE_TIMEOUT_US;
	s->syntax_check = 1;
	s->defer_compile = 0;
}

static char **review_structure_strv_dup(const char *const *v)
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

static void review_structure_strv_free(const char *const *v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free((char *)v[i]);
	free((void *)v);
}

static void review_structure_compiled_release(
	struct review_structure_compiled *c)
{
	size_t i, j;

	for (i = 0; i < c->nr_preds; i++) {
		struct review_structure_pred *p = &c->preds[i];

		for (j = 0; j < p->nr_values; j++)
			free(p->values[j]);
		free(p->values);
		pcre2_code_free(p->re);
	}
	free(c->preds);
	free(c->hidden);
	if (c->query)
		ts_query_delete(c->query);
	memset(c, 0, sizeof(*c));
}

static void review_query_release(struct review_query *q)
{
	struct review_query_spec *s = &q->spec;
	size_t i;

	free((char *)s->id);
	free((char *)s->pack);
	free((char *)s->language);
	free((char *)s->query);
	free((char *)s->message);
	free((char *)s->capture);
	review_structure_strv_free(s->examples_true);
	review_structure_strv_free(s->examples_false);
	for (i = 0; i < q->nr_compiled; i++)
		review_structure_compiled_release(&q->compiled[i]);
	memset(q, 0, sizeof(*q));
}

static void review_structure_group_release(struct review_structure_group *g)
{
	review_structure_compiled_release(&g->c);
	free(g->pattern_rule);
	free(g->pattern_capture);
	free(g->roots);
	memset(g, 0, sizeof(*g));
}

void review_structure_release(struct review_structure *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		review_query_release(&s->items[i]);
	free(s->items);
	for (i = 0; i < s->nr_groups; i++)
		review_structure_group_release(&s->groups[i]);
	free(s->groups);
	review_structure_init(s);
}

static int review_structure_find(const struct review_structure *s,
				 const char *id)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->items[i].spec.id, id))
			return (int)i;
	return -1;
}

/* Compiling. */

/* Line and column (1-based, bytes) of `off` in `src`. */
static void review_structure_src_pos(const char *src, size_t off,
				     unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && src[i]; i++) {
		if (src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* The word (node type, field or capture name) starting at `off`. */
static void review_structure_word_at(struct buf *out, const char *src,
				     size_t off)
{
	size_t n = strlen(src), e;

	if (off > n)
		off = n;
	if (src[off] == '@' || src[off] == '"')
		off++;
	for (e = off; e < n && e - off < 64; e++) {
		char c = src[e];

		if (!(c == '_' || c == '-' || c == '.' ||
		      (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			break;
	}
	buf_add(out, src + off, e - off);
}

static int review_structure_query_error(const char *id, const char *src,
					uint32_t off, TSQueryError kind,
					struct buf *err)
{
	struct buf what = BUF_INIT, word = BUF_INIT;
	unsigned line, col;
	size_t n = strlen(src);
	int rc;

	review_structure_src_pos(src, off, &line, &col);
	review_structure_word_at(&word, src, off);
	switch (kind) {
	case TSQueryErrorNodeType:
		buf_printf(&what, "unknown node type '%s'", word.ptr);
		break;
	case TSQueryErrorField:
		buf_printf(&what, "unknown field '%s'", word.ptr);
		break;
	case TSQueryErrorCapture:
		buf_printf(&what, "unknown capture '@%s'", word.ptr);
		break;
	case TSQueryErrorStructure:
		buf_puts(&what, "impossible pattern: no node of the grammar "
				"can have this structure");
		break;
	case TSQueryErrorLanguage:
		buf_puts(&what, "grammar version not supported");
		break;
	default:
		if (off >= n)
			buf_puts(&what, "syntax error at the end of the query");
		else
			buf_printf(&what, "syntax error near '%.*s'",
				   (int)(n - off > 16 ? 16 : n - off),
				   src + off);
		break;
	}
	rc = error_set(err, TEND_EINVALID,
		       "query '%s': invalid query at offset %u (line %u, "
		       "column %u): %s",
		       id, (unsigned)off, line, col, what.ptr);
	buf_release(&what);
	buf_release(&word);
	return rc;
}

static pcre2_code *review_structure_regex(const char *src, size_t len,
					  struct buf *msg, size_t *erroff)
{
	PCRE2_UCHAR text[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	int errcode;

	code = pcre2_compile((PCRE2_SPTR)src, len,
			     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &errcode,
			     &off, NULL);
	if (!code) {
		pcre2_get_error_message(errcode, text, sizeof(text));
		buf_puts(msg, (char *)text);
		*erroff = off;
		return NULL;
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	return code;
}


static void review_structure_pred_release(struct review_structure_pred *p)
{
	size_t i;

	for (i = 0; i < p->nr_values; i++)
		free(p->values[i]);
	free(p->values);
	pcre2_code_free(p->re);
}

/*
 * Parse one predicate, steps[start..end) (without its Done step), of
 * pattern `pattern` into `out`. Returns 0, 1 for a directive to ignore,
 * or TEND_EINVALID with a message.
 */
static int review_structure_pred_parse(struct review_structure_pred *out,
				       const TSQuery *query, const char *id,
				       uint32_t pattern,
				       const TSQueryPredicateStep *steps,
				       uint32_t start, uint32_t end,
				       struct buf *err)
{
	struct review_structure_pred p;
	struct buf msg = BUF_INIT;
	uint32_t where = ts_query_start_byte_for_pattern(query, pattern);
	uint32_t nargs = end - start - 1, a, len;
	const char *name;
	size_t off = 0;
	int rc = TEND_EINVALID;

	memset(&p, 0, sizeof(p));
	p.pattern = pattern;
	p.other = -1;
	if (start == end || steps[start].type != TSQueryPredicateStepTypeString)
		return error_set(err, TEND_EINVALID,
				 "query '%s': malformed predicate in the "
				 "pattern at offset %u",
				 id, (unsigned)where);
	name = ts_query_string_value_for_id(query, steps[start].value_id, &len);
	if (!strcmp(name, "eq?"))
		p.kind = REVIEW_PRED_EQ;
	else if (!strcmp(name, "not-eq?"))
		p.kind = REVIEW_PRED_NOT_EQ;
	else if (!strcmp(name, "match?"))
		p.kind = REVIEW_PRED_MATCH;
	else if (!strcmp(name, "not-match?"))
		p.kind = REVIEW_PRED_NOT_MATCH;
	else if (!strcmp(name, "any-of?"))
		p.kind = REVIEW_PRED_ANY_OF;
	else if ((len && name[len - 1] == '!') || !strcmp(name, "is?") ||
		 !strcmp(name, "is-not?"))
		return 1;
	else
		return error_set(err, TEND_EINVALID,
				 "query '%s': unknown predicate '#%s' in the "
				 "pattern at offset %u (known: #eq?, "
				 "#not-eq?, #match?, #not-match?, #any-of?)",
				 id, name, (unsigned)where);

	if (nargs < 2 || (p.kind != REVIEW_PRED_ANY_OF && nargs != 2) ||
	    steps[start + 1].type != TSQueryPredicateStepTypeCapture) {
		error_set(err, TEND_EINVALID,
			  "query '%s': #%s wants a capture, then %s, in the "
			  "pattern at offset %u",
			  id, name,
			  p.kind == REVIEW_PRED_ANY_OF ? "one or more strings"
						       : "a string or capture",
			  (unsigned)where);
		goto out;
	}
	p.capture = steps[start + 1].value_id;
	if (steps[start + 2].type == TSQueryPredicateStepTypeCapture) {
		if (p.kind != REVIEW_PRED_EQ && p.kind != REVIEW_PRED_NOT_EQ) {
			error_set(err, TEND_EINVALID,
				  "query '%s': #%s wants a string, not a "
				  "capture, in the pattern at offset %u",
				  id, name, (unsigned)where);
			goto out;
		}
		p.other = steps[start + 2].value_id;
	} else {
		p.values = xcalloc(nargs - 1, sizeof(*p.values));
		for (a = 0; a < nargs - 1; a++) {
			const TSQueryPredicateStep *st = &steps[start + 2 + a];
			const char *v;

			if (st->type != TSQueryPredicateStepTypeString) {
				error_set(err, TEND_EINVALID,
					  "query '%s': #%s wants strings after "
					  "its capture in the pattern at "
					  "offset %u",
					  id, name, (unsigned)where);
				goto out;
			}
			v = ts_query_string_value_for_id(query, st->value_id,
							 &len);
			p.values[p.nr_values++] = xstrndup(v, len);
		}
	}
	if (p.kind == REVIEW_PRED_MATCH || p.kind == REVIEW_PRED_NOT_MATCH) {
		p.re = review_structure_regex(p.values[0], strlen(p.values[0]),
					      &msg, &off);
		if (!p.re) {
			error_set(err, TEND_EINVALID,
				  "query '%s': invalid regex in #%s at offset "
				  "%zu: %s (in the pattern at offset %u)",
				  id, name, off, msg.ptr, (unsigned)where);
			goto out;
		}
	}
	*out = p;
	memset(&p, 0, sizeof(p));
	rc = 0;
out:
	review_structure_pred_release(&p);
	buf_release(&msg);
	return rc;
}

/* Mark the captures whose names start with '_' in c->hidden. */
static void review_structure_hidden(struct review_structure_compiled *c)
{
	uint32_t i, n, nr = ts_query_capture_count(c->query);

	free(c->hidden);
	c->hidden = xcalloc(nr ? nr : 1, 1);
	for (i = 0; i < nr; i++) {
		const char *name;

		name = ts_query_capture_name_for_id(c->query, i, &n);

		c->hidden[i] = n && name[0] == '_';
	}
}

/* The id of the capture called `name`, or -1. */
static int64_t review_structure_capture_id(const TSQuery *query,
					   const char *name)
{
	uint32_t i, n, nr = ts_query_capture_count(query);

	for (i = 0; i < nr; i++)
		if (!strcmp(ts_query_capture_name_for_id(query, i, &n), name))
			return i;
	return -1;
}

/* Parse the predicates of every pattern of c->query into c->preds. */
static int review_structure_preds(struct review_structure_compiled *c,
				  const char *id, struct buf *err)
{
	uint32_t i, n = ts_query_pattern_count(c->query);
	int rc;

	for (i = 0; i < n; i++) {
		const TSQueryPredicateStep *steps;
		uint32_t nr, at = 0;

		steps = ts_query_predicates_for_pattern(c->query, i, &nr);
		while (at < nr) {
			struct review_structure_pred p;
			uint32_t end = at;

			while (end < nr &&
			       steps[end].type != TSQueryPredicateStepTypeDone)
				end++;
			rc = review_structure_pred_parse(&p, c->query, id, i,
							 steps, at, end, err);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				ALLOC_GROW(c->preds, c->nr_preds,
					   c->alloc_preds);
				c->preds[c->nr_preds++] = p;
			}
			at = end + 1;
		}
	}
	return 0;
}

/* Compile `spec`'s query against `grammar` into `out`. */
static int review_structure_compile(struct review_structure_compiled *out,
				    const struct review_query_spec *spec,
				    const char *grammar, struct buf *err)
{
	struct review_structure_compiled c;
	TSQueryError kind = TSQueryErrorNone;
	uint32_t off = 0;
	int rc = TEND_EINVALID;

	memset(&c, 0, sizeof(c));
	c.grammar = grammar;
	c.capture = -1;
	c.query = ts_query_new(review_grammars_get(grammar), spec->query,
			       (uint32_t)strlen(spec->query), &off, &kind);
	if (!c.query)
		return review_structure_query_error(spec->id, spec->query, off,
						    kind, err);
	if (!ts_query_capture_count(c.query)) {
		error_set(err, TEND_EINVALID,
			  "query '%s': the query has no capture to report; "
			  "name the node to flag with one, such as @match",
			  spec->id);
		goto out;
	}
	review_structure_hidden(&c);
	if (spec->capture &&
	    (c.capture = review_structure_capture_id(c.query,
						     spec->capture)) < 0) {
		error_set(err, TEND_EINVALID,
			  "query '%s': no capture '@%s' in the query",
			  spec->id, spec->capture);
		goto out;
	}
	if ((rc = review_structure_preds(&c, spec->id, err)) < 0)
		goto out;
	*out = c;
	memset(&c, 0, sizeof(c));
	rc = 0;
out:
	review_structure_compiled_release(&c);
	return rc;
}

/* The rule's query compiled for `grammar`, or NULL. */
static const struct review_structure_compiled *review_structure_for(
	const struct review_query *q, const char *grammar)
{
	size_t i;

	for (i = 0; i < q->nr_compiled; i++)
		if (!strcmp(q->compiled[i].grammar, grammar))
			return &q->compiled[i];
	return NULL;
}

/* Does rule `q` run on `grammar` (compiled yet or not)? */
static int review_structure_covers(const struct review_query *q,
				   const char *grammar)
{
	size_t i;

	for (i = 0; i < q->nr_grammars; i++)
		if (!strcmp(q->grammars[i], grammar))
			return 1;
	return 0;
}

static struct review_structure_group *review_structure_group_find(
	const struct review_structure *s, const char *grammar)
{
	size_t i;

	for (i = 0; i < s->nr_groups; i++)
		if (!strcmp(s->groups[i].grammar, grammar))
			return &s->groups[i];
	return NULL;
}

/*
 * Rebuild the combined query of `grammar` from its enabled rules: their
 * sources one after the other, each pattern mapped back to its rule by
 * where it starts.
 */
static void review_structure_regroup(struct review_structure *s,
				     const char *grammar, int lazy)
{
	struct review_structure_group *g;
	struct buf src = BUF_INIT, err = BUF_INIT;
	size_t *starts = NULL, *rules = NULL, n = 0, i, k;
	TSQueryError kind = TSQueryErrorNone;
	uint32_t off = 0, p, nr_patterns;

	if (!(g = review_structure_group_find(s, grammar))) {
		ALLOC_GROW(s->groups, s->nr_groups, s->alloc_groups);
		g = &s->groups[s->nr_groups++];
		memset(g, 0, sizeof(*g));
	}
	review_structure_group_release(g);
	g->grammar = grammar;
	g->stale = 0;
	for (i = 0; i < s->nr; i++) {
		const struct review_query *q = &s->items[i];

		if (q->disabled ||
		    !(review_structure_for(q, grammar) ||
		      (lazy && q->lazy && review_structure_covers(q, grammar))))
			continue;
		starts = xrealloc(starts, (n + 1) * sizeof(*starts));
		rules = xrealloc(rules, (n + 1) * sizeof(*rules));
		starts[n] = src.len;
		rules[n++] = i;
		buf_puts(&src, q->spec.query);
		buf_putc(&src, '\n');
	}
	if (!n)
		goto out;
	g->c.grammar = grammar;
	g->c.capture = -1;
	g->c.query = ts_query_new(review_grammars_get(grammar), src.ptr,
				  (uint32_t)src.len, &off, &kind);
	if (!g->c.query) {
		log_debug("structural rules of '%s' do not combine (error %d "
			  "at %u); running them one by one",
			  grammar, (int)kind, (unsigned)off);
		goto out;
	}
	review_structure_hidden(&g->c);
	nr_patterns = ts_query_pattern_count(g->c.query);
	g->pattern_rule = xcalloc(nr_patterns ? nr_patterns : 1,
				  sizeof(*g->pattern_rule));
	g->pattern_capture = xcalloc(nr_patterns ? nr_patterns : 1,
				     sizeof(*g->pattern_capture));
	for (p = 0; p < nr_patterns; p++) {
		uint32_t at = ts_query_start_byte_for_pattern(g->c.query, p);
		const struct review_query_spec *spec;

		for (k = 0; k + 1 < n && starts[k + 1] <= at; k++)
			;
		g->pattern_rule[p] = rules[k];
		spec = &s->items[rules[k]].spec;
		g->pattern_capture[p] =
			spec->capture ? review_structure_capture_id(
						g->c.query, spec->capture)
				      : -1;
	}
	if (review_structure_preds(&g->c, grammar, &err) < 0) {
		log_debug("structural rules of '%s' do not combine: %s",
			  grammar, err.ptr);
		goto out;
	}
	g->ok = 1;
	g->nr_symbols = ts_language_symbol_count(review_grammars_get(grammar));
	g->roots = xcalloc(g->nr_symbols ? g->nr_symbols : 1, 1);
	for (k = 0; k < n; k++)
		if (review_query_roots(s->items[rules[k]].spec.query,
				       review_grammars_get(grammar), g->roots,
				       g->nr_symbols) < 0) {
			free(g->roots);
			g->roots = NULL;
			break;
		}
out:
	free(starts);
	free(rules);
	buf_release(&src);
	buf_release(&err);
}

int review_structure_add(struct review_structure *s,
			 const struct review_query_spec *spec, struct buf *err)
{
	struct review_query q;
	const char *grammar, *second = NULL;
	size_t i;
	int rc;

	if (!spec->id || !*spec->id)
		return error_set(err, TEND_EINVALID, "query without an id");
	if (!spec->query || !*spec->query)
		return error_set(err, TEND_EINVALID,
				 "query '%s': missing query", spec->id);
	if (!spec->language || !*spec->language)
		return error_set(err, TEND_EINVALID,
				 "query '%s': missing language", spec->id);
	if (review_structure_find(s, spec->id) >= 0)
		return error_set(err, TEND_EINVALID,
				 "query '%s': duplicate id", spec->id);
	if ((unsigned)spec->severity > REVIEW_SEV_ERROR)
		return error_set(err, TEND_EINVALID,
				 "query '%s': invalid severity %d", spec->id,
				 (int)spec->severity);
	if (!strcmp(spec->language, "tsx")) {
		grammar = "tsx";
	} else if (!(grammar = review_grammars_for_file(spec->language,
							 NULL))) {
		if (!review_lang_known(spec->language))
			return error_set(err, TEND_EINVALID,
					 "query '%s': unknown language '%s'",
					 spec->id, spec->language);
		return error_set(err, TEND_EINVALID,
				 "query '%s': no tree-sitter grammar for "
				 "language '%s'",
				 spec->id, spec->language);
	}
	if (!strcmp(grammar, "typescript"))
		second = "tsx";

	memset(&q, 0, sizeof(q));
	q.grammars[q.nr_grammars++] = grammar;
	if (second)
		q.grammars[q.nr_grammars++] = second;
	/*
	 * Compiling a query is most of what loading costs, so built-in rules,
	 * which the self-test keeps valid, wait until a file of their
	 * language is scanned; a user's rule is compiled now, so a mistake in
	 * it is reported before the review starts.
	 */
	if (s->defer_compile) {
		q.lazy = 1;
		second = NULL;
	} else {
		if ((rc = review_structure_compile(&q.compiled[0], spec,
						   grammar, err)) < 0)
			return rc;
		q.nr_compiled = 1;
	}
	if (second) {
		struct buf ignored = BUF_INIT;

		if (review_structure_compile(&q.compiled[1], spec, second,
					     &ignored) == 0)
			q.nr_compiled = 2;
		else
			log_debug("%s; not running it on .tsx files",
				  ignored.ptr);
		buf_release(&ignored);
	}
	q.spec.id = xstrdup(spec->id);
	q.spec.pack = xstrdup_or_null(spec->pack);
	q.spec.language = xstrdup(spec->language);
	q.spec.query = xstrdup(spec->query);
	q.spec.message = xstrdup(spec->message ? spec->message : spec->id);
	q.spec.severity = spec->severity ? spec->severity : REVIEW_SEV_WARNING;
	q.spec.capture = xstrdup_or_null(spec->capture);
	q.spec.examples_true = (const char *const *)review_structure_strv_dup(
		spec->examples_true);
	q.spec.examples_false = (const char *const *)review_structure_strv_dup(
		spec->examples_false);
	ALLOC_GROW(s->items, s->nr, s->alloc);
	s->items[s->nr++] = q;
	for (i = 0; i < s->nr_groups; i++)
		s->groups[i].stale = 1;
	return 0;
}

/* Compile each built-in rule for `grammar` alone (once). */
static void review_structure_compile_lazy(struct review_structure *s,
					  const char *grammar)
{
	size_t i, j;

	for (i = 0; i < s->nr; i++) {
		struct review_query *q = &s->items[i];

		if (!q->lazy || !review_structure_covers(q, grammar) ||
		    review_structure_for(q, grammar))
			continue;
		for (j = 0; j < q->nr_grammars; j++) {
			struct buf err = BUF_INIT;

			if (strcmp(q->grammars[j], grammar))
				continue;
			if (review_structure_compile(
				    &q->compiled[q->nr_compiled], &q->spec,
				    grammar, &err) == 0)
				q->nr_compiled++;
			else
				log_warn("structural rule skipped: %s", err.ptr);
			buf_release(&err);
		}
	}
}

/*
 * Make `grammar` ready to scan: build its combined query if rules changed
 * since it was built. Built-in rules are compiled one
 * by one only when the combined query does not compile (then a rule that
 * fails alone is skipped with a warning, and the others combined again):
 * one compilation of each rule instead of two on the usual path.
 */
static void review_structure_prepare(struct review_structure *s,
				     const char *grammar)
{
	struct review_structure_group *g = review_structure_group_find(s,
								       grammar);

	if (g && !g->stale)
		return;
	review_structure_regroup(s, grammar, 1);
	g = review_structure_group_find(s, grammar);
	if (g && g->ok)
		return;
	review_structure_compile_lazy(s, grammar);
	review_structure_regroup(s, grammar, 0);
}

int review_structure_add_builtin(struct review_structure *s, const char *pack,
				 struct buf *err)
{
	const struct review_query_pack *const *p;
	int found = 0, rc;

	for (p = review_structure_packs; *p; p++) {
		size_t i;

		if (pack && strcmp(pack, (*p)->name))
			continue;
		found = 1;
		for (i = 0; i < (*p)->nr_rules; i++) {
			struct review_query_spec spec = (*p)->rules[i];

			if (!spec.pack)
				spec.pack = (*p)->name;
			s->defer_compile = 1;
			rc = review_structure_add(s, &spec, err);
			s->defer_compile = 0;
			if (rc < 0)
				return rc;
		}
	}
	if (!found)
		return error_set(err, TEND_ENOTFOUND,
				 "no structural rule pack '%s'", pack);
	return 0;
}

size_t review_structure_disable(struct review_structure *s,
				const char *id_or_pack)
{
	size_t i, n = 0;

	if (!id_or_pack || !*id_or_pack)
		return 0;
	for (i = 0; i < s->nr; i++) {
		struct review_query *q = &s->items[i];

		if (!strcmp(q->spec.id, id_or_pack) ||
		    (q->spec.pack && !strcmp(q->spec.pack, id_or_pack)) ||
		    glob_match(id_or_pack, q->spec.id)) {
			q->disabled = 1;
			n++;
		}
	}
	for (i = 0; n && i < s->nr_groups; i++)
		s->groups[i].stale = 1;
	if (s->syntax_check &&
	    (!strcmp(id_or_pack, REVIEW_STRUCTURE_SYNTAX_ID) ||
	     !strcmp(id_or_pack, "structure") ||
	     glob_match(id_or_pack, REVIEW_STRUCTURE_SYNTAX_ID))) {
		s->syntax_check = 0;
		n++;
	}
	return n;
}

size_t review_structure_count(const struct review_structure *s)
{
	return s->nr;
}

size_t review_structure_count_enabled(const struct review_structure *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nr; i++)
		n += !s->items[i].disabled;
	return n;
}

int review_structure_enabled(const struct review_structure *s, size_t i)
{
	return i < s->nr && !s->items[i].disabled;
}

const struct review_query_spec *review_structure_get(
	const struct review_structure *s, size_t i)
{
	return i < s->nr ? &s->items[i].spec : NULL;
}

static int review_structure_wants_grammar(const struct review_structure *s,
					  const char *grammar)
{
	size_t i;

	if (s->syntax_check)
		return 1;
	for (i = 0; i < s->nr; i++)
		if (!s->items[i].disabled &&
		    review_structure_covers(&s->items[i], grammar))
			return 1;
	return 0;
}

static int review_structure_is_c_header(const char *grammar, const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return !strcmp(grammar, "c") && n > 2 && !strcmp(path + n - 2, ".h");
}

/*
 * A file whose name says nothing of its language (no extension, not a
 * well-known name) may be a script: its first line decides.
 */
static int review_structure_maybe_script(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;

	base = base ? base + 1 : path;
	return base && *base && !strchr(base, '.');
}

int review_structure_wants(const struct review_structure *s,
			   const char *lang, const char *path)
{
	const char *grammar = review_grammars_for_file(lang, path);
	size_t i;

	if (!grammar && !lang && review_structure_maybe_script(path)) {
		/* any grammar a shebang can name */
		if (s->syntax_check)
			return 1;
		for (i = 0; i < s->nr; i++)
			if (!s->items[i].disabled)
				return 1;
		return 0;
	}
	if (!grammar)
		return 0;
	return review_structure_wants_grammar(s, grammar) ||
	       (review_structure_is_c_header(grammar, path) &&
		review_structure_wants_grammar(s, "cpp"));
}

void review_structure_ready(struct review_structure *s, const char *lang,
			    const char *path)
{
	const char *grammar = review_grammars_for_file(lang, path);

	if (!grammar || !review_structure_wants(s, lang, path))
		return;
	review_structure_prepare(s, grammar);
	if (review_structure_is_c_header(grammar, path))
		review_structure_prepare(s, "cpp");
}

/* Scanning. */

/* A node a rule or the syntax check points at. */
struct review_structure_hit {
	uint32_t start_byte, end_byte;
	TSPoint start, end;
	size_t rule;		/* index of the rule in the set */
};

struct review_structure_ctx {
	const char *path;
	const char *text;
	size_t len;
	pcre2_match_data *md;
	TSQueryCursor *cursor;
	struct review_structure_hit *hits;
	size_t nr_hits, alloc_hits;
	struct buf snippet;
	struct review_findings *out;
	int has_error;		/* the tree being queried has errors */
};

static struct review_structure_hit review_structure_hit_of(TSNode node)
{
	struct review_structure_hit h;

	h.rule = 0;
	h.start_byte = ts_node_start_byte(node);
	h.end_byte = ts_node_end_byte(node);
	h.start = ts_node_start_point(node);
	h.end = ts_node_end_point(node);
	return h;
}

/* Characters (UTF-8 lead bytes) in text[from, to), plus one. */
static uint32_t review_structure_col(const char *text, size_t from, size_t to)
{
	uint32_t col = 1;

	for (; from < to; from++)
		if (((unsigned char)text[from] & 0xc0) != 0x80)
			col++;
	return col;
}

/* The line holding byte `off`, without its line end, capped, as snippet. */
static void review_structure_snippet(struct review_structure_ctx *ctx,
				     size_t off)
{
	size_t s = off, e, cut;

	if (s > ctx->len)
		s = ctx->len;
	while (s > 0 && ctx->text[s - 1] != '\n')
		s--;
	e = s;
	while (e < ctx->len && ctx->text[e] != '\n')
		e++;
	if (e > s && ctx->text[e - 1] == '\r')
		e--;
	buf_reset(&ctx->snippet);
	if (e - s > REVIEW_STRUCTURE_SNIPPET_MAX) {
		cut = s + REVIEW_STRUCTURE_SNIPPET_MAX;
		/* do not cut a UTF-8 sequence in half */
		while (cut > s &&
		       ((unsigned char)ctx->text[cut] & 0xc0) == 0x80)
			cut--;
		e = cut;
	}
	buf_add(&ctx->snippet, ctx->text + s, e - s);
}

/*
 * Append a finding for `h`. When `line` is non-zero the finding is put on
 * that line without columns instead (a syntax error reported at the
 * changed line inside a larger ERROR node).
 */
static void review_structure_report(struct review_structure_ctx *ctx,
				    const struct review_structure_hit *h,
				    uint32_t line, const char *rule_id,
				    const char *message,
				    enum review_severity severity)
{
	struct review_finding f;
	size_t start = h->start_byte, end = h->end_byte, ls;

	if (start > ctx->len)
		start = ctx->len;
	if (end > ctx->len)
		end = ctx->len;
	if (end < start)
		end = start;
	memset(&f, 0, sizeof(f));
	f.path = (char *)ctx->path;
	if (line) {
		size_t off = 0;
		uint32_t l = 1;

		/* find the line's start for the snippet */
		while (l < line && off < ctx->len) {
			const char *nl = memchr(ctx->text + off, '\n',
						ctx->len - off);

			if (!nl)
				break;
			off = (size_t)(nl - ctx->text) + 1;
			l++;
		}
		f.line = f.end_line = line;
		review_structure_snippet(ctx, off);
	} else {
		f.line = h->start.row + 1;
		ls = start >= h->start.column ? start - h->start.column : 0;
		f.col = review_structure_col(ctx->text, ls, start);
		if (h->end.row > h->start.row && h->end.column == 0 &&
		    end > start) {
			/* a node that ends with its line's '\n' */
			size_t le = end - 1;

			f.end_line = h->end.row;
			ls = le;
			while (ls > 0 && ctx->text[ls - 1] != '\n')
				ls--;
			if (le > ls && ctx->text[le - 1] == '\r')
				le--;
			f.end_col = review_structure_col(ctx->text, ls, le);
		} else {
			f.end_line = h->end.row + 1;
			ls = end >= h->end.column ? end - h->end.column : 0;
			f.end_col = review_structure_col(ctx->text, ls, end);
		}
		if (f.end_line < f.line)
			f.end_line = f.line;
		review_structure_snippet(ctx, start);
	}
	f.severity = severity;
	f.rule_id = (char *)rule_id;
	f.message = (char *)message;
	f.source = (char *)"structure";
	f.snippet = ctx->snippet.ptr;
	review_findings_add(ctx->out, &f);
}

static int review_structure_hit_cmp(const void *a, const void *b)
{
	const struct review_structure_hit *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if (x->start_byte != y->start_byte)
		return x->start_byte < y->start_byte ? -1 : 1;
	if (x->end_byte != y->end_byte)
		return x->end_byte < y->end_byte ? -1 : 1;
	return 0;
}

/* The first node of capture `id` in the match, if any. */
static int review_structure_capture(const TSQueryMatch *m, uint32_t id,
				    TSNode *out)
{
	uint16_t i;

	for (i = 0; i < m->capture_count; i++)
		if (m->captures[i].index == id) {
			*out = m->captures[i].node;
			return 1;
		}
	return 0;
}

static int review_structure_node_eq(const struct review_structure_ctx *ctx,
				    TSNode node, const char *s, size_t n)
{
	uint32_t a = ts_node_start_byte(node), b = ts_node_end_byte(node);

	return b >= a && b <= ctx->len && b - a == n &&
	       !memcmp(ctx->text + a, s, n);
}

/* Does one captured node satisfy the predicate? */
static int review_structure_pred_node(const struct review_structure_ctx *ctx,
				      const struct review_structure_pred *p,
				      const TSQueryMatch *m, TSNode node)
{
	uint32_t a = ts_node_start_byte(node), b = ts_node_end_byte(node);
	TSNode other;
	size_t i;
	int rc;

	if (b > ctx->len || b < a)
		return 0;
	switch (p->kind) {
	case REVIEW_PRED_EQ:
	case REVIEW_PRED_NOT_EQ:
		if (p->other >= 0) {
			uint32_t oa, ob;

			if (!review_structure_capture(m, (uint32_t)p->other,
						      &other))
				return 1;
			oa = ts_node_start_byte(other);
			ob = ts_node_end_byte(other);
			if (ob > ctx->len || ob < oa)
				return 0;
			rc = review_structure_node_eq(ctx, node, ctx->text + oa,
						      ob - oa);
		} else {
			rc = review_structure_node_eq(ctx, node, p->values[0],
						      strlen(p->values[0]));
		}
		return p->kind == REVIEW_PRED_EQ ? rc : !rc;
	case REVIEW_PRED_MATCH:
	case REVIEW_PRED_NOT_MATCH:
		rc = pcre2_match(p->re, (PCRE2_SPTR)(ctx->text + a), b - a, 0,
				 0, ctx->md, NULL) >= 0;
		return p->kind == REVIEW_PRED_MATCH ? rc : !rc;
	case REVIEW_PRED_ANY_OF:
		for (i = 0; i < p->nr_values; i++)
			if (review_structure_node_eq(ctx, node, p->values[i],
						     strlen(p->values[i])))
				return 1;
		return 0;
	}
	return 0;
}

/*
 * Do the match's captures satisfy every predicate of its pattern? A
 * capture that occurs several times (a quantified one) must satisfy it
 * with every node; one that did not match at all satisfies it.
 */
static int review_structure_preds_ok(const struct review_structure_ctx *ctx,
				     const struct review_structure_compiled *c,
				     const TSQueryMatch *m)
{
	size_t i;
	uint16_t k;

	for (i = 0; i < c->nr_preds; i++) {
		const struct review_structure_pred *p = &c->preds[i];

		if (p->pattern != m->pattern_index)
			continue;
		for (k = 0; k < m->capture_count; k++)
			if (m->captures[k].index == p->capture &&
			    !review_structure_pred_node(ctx, p, m,
							m->captures[k].node))
				return 0;
	}
	return 1;
}

/*
 * Is the node inside an ERROR node? What the parser made of text it could
 * not parse is a guess, and rules do not report on guesses.
 */
static int review_structure_in_error(TSNode node)
{
	for (; !ts_node_is_null(node); node = ts_node_parent(node))
		if (ts_node_symbol(node) == REVIEW_STRUCTURE_SYM_ERROR)
			return 1;
	return 0;
}

/* What review_structure_take() needs besides the match. */
struct review_structure_take_args {
	struct review_structure_ctx *ctx;
	const struct review_structure_compiled *c;
	const size_t *pattern_rule;
	const int64_t *pattern_capture;
	size_t rule;
};

/*
 * Collect match `m` of compiled query a->c in ctx->hits. For a group's
 * combined query, `pattern_rule` and `pattern_capture` map each pattern to
 * its rule and the capture to report; for one rule's own query they are
 * NULL, and every match belongs to rule `rule`.
 */
static void review_structure_take(const TSQueryMatch *m, void *data)
{
	const struct review_structure_take_args *a = data;
	struct review_structure_ctx *ctx = a->ctx;
	const struct review_structure_compiled *c = a->c;
	struct review_structure_hit h;
	int64_t capture = c->capture;
	TSNode node;
	int found = 0;
	uint16_t k;

	if (!m->capture_count || !review_structure_preds_ok(ctx, c, m))
		return;
	if (a->pattern_capture)
		capture = a->pattern_capture[m->pattern_index];
	if (capture >= 0) {
		found = review_structure_capture(m, (uint32_t)capture, &node);
	} else {
		for (k = 0; k < m->capture_count && !found; k++)
			if (!c->hidden[m->captures[k].index]) {
				node = m->captures[k].node;
				found = 1;
			}
		if (!found) {
			node = m->captures[0].node;
			found = 1;
		}
	}
	if (!found || (ctx->has_error && review_structure_in_error(node)))
		return;
	h = review_structure_hit_of(node);
	h.rule = a->pattern_rule ? a->pattern_rule[m->pattern_index] : a->rule;
	ALLOC_GROW(ctx->hits, ctx->nr_hits, ctx->alloc_hits);
	ctx->hits[ctx->nr_hits++] = h;
}

/* Report the hits collected, in order, each once. */
static void review_structure_report_hits(struct review_structure_ctx *ctx,
					 const struct review_structure *s)
{
	size_t i;

	if (!ctx->nr_hits)
		return;
	qsort(ctx->hits, ctx->nr_hits, sizeof(*ctx->hits),
	      review_structure_hit_cmp);
	for (i = 0; i < ctx->nr_hits; i++) {
		const struct review_query_spec *spec;

		if (i && !review_structure_hit_cmp(&ctx->hits[i - 1],
						   &ctx->hits[i]))
			continue;
		spec = &s->items[ctx->hits[i].rule].spec;
		review_structure_report(ctx, &ctx->hits[i], 0, spec->id,
					spec->message, spec->severity);
	}
}

/* Syntax errors. */

static TSTree *review_structure_parse(TSParser *parser, const char *grammar,
				      const char *text, size_t len);

struct review_structure_err {
	struct review_structure_hit at;
	int missing;
	int named;		/* the missing node is a named one */
	const char *type;	/* its type; static, owned by the grammar */
	const char *what;	/* its message when not the usual; static */
	int own;		/* found by a check of our own */
	char *sig;		/* shape, for matching against the base */
	uint32_t first, last;	/* its lines */
	int used;		/* a base error the head still has */
	int in_args;		/* inside a call's argument list */
	int old;		/* a head error the base had */
	size_t line_off, line_len;	/* its first line, trimmed */
};

struct review_structure_errs {
	struct review_structure_err *items;
	size_t nr, alloc;
};

static void review_structure_errs_release(struct review_structure_errs *e)
{
	size_t i;

	for (i = 0; i < e->nr; i++)
		free(e->items[i].sig);
	free(e->items);
	memset(e, 0, sizeof(*e));
}

/*
 * Move the cursor to the next node in document order that is not inside
 * the current one; 0 when the cursor's subtree is done.
 */
static int review_structure_cursor_skip(TSTreeCursor *c)
{
	while (!ts_tree_cursor_goto_next_sibling(c))
		if (!ts_tree_cursor_goto_parent(c))
			return 0;
	return 1;
}

/*
 * The shape of an ERROR node: the types of its first few leaf tokens
 * ("identifier ( identifier ) {"), which stay the same when an unusual
 * macro is used again with other arguments.
 */
static char *review_structure_error_sig(TSNode node)
{
	TSTreeCursor c = ts_tree_cursor_new(node);
	struct buf sig = BUF_INIT;
	int leaves = 0;

	buf_puts(&sig, "error:");
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);

		if (!ts_node_child_count(n)) {
			buf_putc(&sig, ' ');
			buf_puts(&sig, ts_node_type(n));
			if (++leaves == REVIEW_STRUCTURE_SIG_LEAVES)
				break;
		} else if (ts_tree_cursor_goto_first_child(&c)) {
			continue;
		}
		if (!review_structure_cursor_skip(&c))
			break;
	}
	ts_tree_cursor_delete(&c);
	return buf_detach(&sig, NULL);
}

/*
 * Tree-sitter puts a MISSING node where the parser noticed the gap, after
 * any white space, often at the start of the next line or at the very end
 * of the file; the token is missing right after the previous one, so move
 * the node back there.
 */
static void review_structure_missing_pos(const char *text, size_t len,
					 struct review_structure_hit *h)
{
	size_t off = h->start_byte;

	if (off > len)
		return;
	while (off > 0 && (text[off - 1] == ' ' || text[off - 1] == '\t' ||
			   text[off - 1] == '\r' || text[off - 1] == '\n')) {
		off--;
		if (text[off] == '\n' && h->start.row > 0)
			h->start.row--;
	}
	if (off == h->start_byte)
		return;
	h->start_byte = h->end_byte = (uint32_t)off;
	while (off > 0 && text[off - 1] != '\n')
		off--;
	h->start.column = h->start_byte - (uint32_t)off;
	h->end = h->start;
}

/* Fill in an error's lines and the trimmed text of its first line. */
static void review_structure_err_lines(struct review_structure_err *e,
				       const char *text, size_t len)
{
	size_t s = e->at.start_byte, t;

	e->first = e->at.start.row + 1;
	e->last = e->at.end.row + 1;
	if (e->at.end.column == 0 && e->last > e->first)
		e->last--;
	if (s > len)
		s = len;
	while (s > 0 && text[s - 1] != '\n')
		s--;
	for (t = s; t < len && text[t] != '\n'; t++)
		;
	while (s < t && (text[s] == ' ' || text[s] == '\t'))
		s++;
	while (t > s && (text[t - 1] == ' ' || text[t - 1] == '\t' ||
			 text[t - 1] == '\r'))
		t--;
	e->line_off = s;
	e->line_len = t - s;
}

static int review_structure_err_add(struct review_structure_errs *out,
				    struct review_structure_err *e,
				    const char *text, size_t len)
{
	if (e->missing)
		review_structure_missing_pos(text, len, &e->at);
	review_structure_err_lines(e, text, len);
	ALLOC_GROW(out->items, out->nr, out->alloc);
	out->items[out->nr++] = *e;
	return out->nr >= REVIEW_STRUCTURE_MAX_ERRORS;
}

/* Is the node inside the argument list of a call (a macro's, in C)? */
static int review_structure_in_args(TSNode n)
{
	int up;

	for (up = 0; up < 4; up++) {
		n = ts_node_parent(n);
		if (ts_node_is_null(n))
			return 0;
		if (!strcmp(ts_node_type(n), "argument_list"))
			return 1;
	}
	return 0;
}

/*
 * Collect the outermost ERROR nodes and the MISSING nodes of a tree,
 * descending only into subtrees that hold an error.
 */
static void review_structure_collect(struct review_structure_errs *out,
				     TSNode root, const char *text,
				     size_t len)
{
	TSTreeCursor c;
	TSNode last;
	int have_last = 0;

	if (!ts_node_has_error(root))
		return;
	c = ts_tree_cursor_new(root);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);
		struct review_structure_err e;

		if (ts_node_is_missing(n) ||
		    ts_node_symbol(n) == REVIEW_STRUCTURE_SYM_ERROR) {
			memset(&e, 0, sizeof(e));
			e.at = review_structure_hit_of(n);
			e.missing = ts_node_is_missing(n);
			/*
			 * The token is missing right after the last real one,
			 * before any comment (comments are extras that sit
			 * anywhere, and tree-sitter puts the gap after them).
			 */
			if (e.missing && have_last &&
			    ts_node_end_byte(last) <= e.at.start_byte) {
				e.at.start_byte = e.at.end_byte =
					ts_node_end_byte(last);
				e.at.start = e.at.end = ts_node_end_point(last);
			}
			e.named = ts_node_is_named(n);
			e.type = ts_node_type(n);
			e.in_args = review_structure_in_args(n);
			e.sig = e.missing ? xasprintf("missing: %s",
						      ts_node_type(n))
					  : review_structure_error_sig(n);
			if (review_structure_err_add(out, &e, text, len))
				break;
		} else if (ts_node_has_error(n) &&
			   ts_tree_cursor_goto_first_child(&c)) {
			continue;
		}
		if (!ts_node_is_extra(n) && !ts_node_is_missing(n) &&
		    ts_node_end_byte(n) > ts_node_start_byte(n)) {
			last = n;
			have_last = 1;
		}
		if (!review_structure_cursor_skip(&c))
			break;
	}
	ts_tree_cursor_delete(&c);
}

/* How many errors the tree has, counting up to the collection cap. */
static size_t review_structure_count_errors(TSTree *tree)
{
	struct review_structure_errs errs = { 0 };
	size_t n;

	review_structure_collect(&errs, ts_tree_root_node(tree), "", 0);
	n = errs.nr;
	review_structure_errs_release(&errs);
	return n;
}

/*
 * Errors the grammars accept. Tree-sitter grammars are more lenient than
 * the languages: Python's accepts a statement indented deeper than the one
 * before it in the same block, Java's takes `retrun null;` for a
 * declaration of a variable named `null`, Ruby's a stray `end` for a call.
 * These checks find them, on what tree-sitter built.
 */

/* Is `n` the first thing on its line? */
static int review_structure_first_on_line(const char *text, TSNode n)
{
	size_t off = ts_node_start_byte(n);
	TSPoint p = ts_node_start_point(n);
	size_t i;

	if (p.column > off)
		return 0;
	for (i = off - p.column; i < off; i++)
		if (text[i] != ' ' && text[i] != '\t')
			return 0;
	return 1;
}

/* Statements of a Python block all start in the same column. */
static int review_structure_py_block(struct review_structure_errs *out,
				     TSNode block, const char *text,
				     size_t len)
{
	TSTreeCursor c = ts_tree_cursor_new(block);
	int module = !strcmp(ts_node_type(block), "module"), full = 0;
	uint32_t col = 0, have = module;

	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			TSNode n = ts_tree_cursor_current_node(&c);
			struct review_structure_err e;
			uint32_t at;

			if (!ts_node_is_named(n) ||
			    !strcmp(ts_node_type(n), "comment") ||
			    ts_node_symbol(n) == REVIEW_STRUCTURE_SYM_ERROR ||
			    !review_structure_first_on_line(text, n))
				continue;
			at = ts_node_start_point(n).column;
			if (!have) {
				col = at;
				have = 1;
				continue;
			}
			if (at == col)
				continue;
			memset(&e, 0, sizeof(e));
			e.at = review_structure_hit_of(n);
			e.own = 1;
			e.what = at > col ? "syntax error: unexpected indent"
					  : "syntax error: unindent does not "
					    "match the lines above";
			e.sig = xstrdup(e.what);
			if ((full = review_structure_err_add(out, &e, text,
							     len)))
				break;
		} while (ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
	return full;
}

/* Does the node's span hold a line of `lines` (NULL: every line)? */
static int review_structure_spans(TSNode n, const uint32_t *lines, size_t nr)
{
	uint32_t first = ts_node_start_point(n).row + 1;
	uint32_t last = ts_node_end_point(n).row + 1;
	size_t lo = 0, hi = nr;

	if (!lines)
		return 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lines[mid] < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nr && lines[lo] <= last;
}

static int review_structure_text_is(const char *text, TSNode n,
				    const char *const *words)
{
	size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n), i;

	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == b - a &&
		    !memcmp(text + a, words[i], b - a))
			return 1;
	return 0;
}

/* Java's reserved words, which can never name anything. */
static const char *const review_structure_java_reserved[] = {
	"abstract", "assert", "boolean", "break", "byte", "case", "catch",
	"char", "class", "const", "continue", "default", "do", "double",
	"else", "enum", "extends", "final", "finally", "float", "for", "goto",
	"if", "implements", "import", "instanceof", "int", "interface",
	"long", "native", "new", "package", "private", "protected", "public",
	"return", "short", "static", "strictfp", "super", "switch",
	"synchronized", "this", "throw", "throws", "transient", "try", "void",
	"volatile", "while", "true", "false", "null", NULL
};

/* Where a stray Ruby `end` parses as a statement of its own. */
static const char *const review_structure_ruby_stmt_parents[] = {
	"program", "body_statement", "then", "else", "do", "begin",
	"block_body", "parenthesized_statements", NULL
};

/*
 * Run the checks of `grammar` over the subtrees of `root` that hold a line
 * of `lines` (NULL: all of it).
 */
static void review_structure_lenient(struct review_structure_errs *out,
				     const char *grammar, TSNode root,
				     const char *text, size_t len,
				     const uint32_t *lines, size_t nr)
{
	static const char *const end[] = { "end", NULL };
	int py = !strcmp(grammar, "python"), java = !strcmp(grammar, "java");
	int ruby = !strcmp(grammar, "ruby");
	TSTreeCursor c;

	if (!py && !java && !ruby)
		return;
	c = ts_tree_cursor_new(root);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);
		const char *type = ts_node_type(n);
		int descend = review_structure_spans(n, lines, nr);

		if (py) {
			size_t tl = strlen(type);

			if (descend && (!strcmp(type, "module") ||
					!strcmp(type, "block")) &&
			    review_structure_py_block(out, n, text, len))
				break;
			/* statements hold blocks; expressions do not */
			descend = descend &&
				  (!strcmp(type, "module") ||
				   !strcmp(type, "block") ||
				   (tl > 10 &&
				    !strcmp(type + tl - 10, "_statement")) ||
				   (tl > 7 &&
				    !strcmp(type + tl - 7, "_clause")) ||
				   (tl > 11 &&
				    !strcmp(type + tl - 11, "_definition")));
		} else if (!ts_node_child_count(n) &&
			   ts_node_is_named(n) &&
			   (java ? !strcmp(type, "identifier") ||
					   !strcmp(type, "type_identifier")
				 : !strcmp(type, "identifier"))) {
			TSNode p = ts_node_parent(n);
			struct review_structure_err e;
			int bad;

			bad = java && review_structure_text_is(
					      text, n,
					      review_structure_java_reserved);
			if (ruby && review_structure_text_is(text, n, end) &&
			    !ts_node_is_null(p)) {
				const char *pt = ts_node_type(p);
				size_t k;

				for (k = 0; review_structure_ruby_stmt_parents[k];
				     k++)
					if (!strcmp(pt,
						    review_structure_ruby_stmt_parents[k]))
						bad = 1;
			}
			if (bad) {
				memset(&e, 0, sizeof(e));
				e.at = review_structure_hit_of(n);
				e.own = 1;
				e.sig = xasprintf("word: %.*s",
						  (int)(e.at.end_byte -
							e.at.start_byte),
						  text + e.at.start_byte);
				if (review_structure_err_add(out, &e, text,
							     len))
					break;
			}
		}
		if (descend && ts_tree_cursor_goto_first_child(&c))
			continue;
		if (!review_structure_cursor_skip(&c))
			break;
	}
	ts_tree_cursor_delete(&c);
}

/* "syntax error: missing ';'", "syntax error near 'else'". */
static char *review_structure_error_message(
	const struct review_structure_ctx *ctx,
	const struct review_structure_err *e)
{
	size_t a = e->at.start_byte, b = e->at.end_byte, n;

	if (e->what)
		return xstrdup(e->what);
	if (e->missing)
		return e->named ? xasprintf("syntax error: missing %s", e->type)
				: xasprintf("syntax error: missing '%s'",
					    e->type);
	if (b > ctx->len)
		b = ctx->len;
	while (a < b && (ctx->text[a] == ' ' || ctx->text[a] == '\t' ||
			 ctx->text[a] == '\n' || ctx->text[a] == '\r'))
		a++;
	for (n = 0; a + n < b && n < 40; n++)
		if (ctx->text[a + n] == '\n' || ctx->text[a + n] == '\r')
			break;
	while (n > 0 && n < b - a &&
	       ((unsigned char)ctx->text[a + n] & 0xc0) == 0x80)
		n--;
	if (!n)
		return xstrdup("syntax error");
	return xasprintf("syntax error near '%.*s%s'", (int)n, ctx->text + a,
			 n < b - a && ctx->text[a + n] != '\n' &&
					 ctx->text[a + n] != '\r'
				 ? "..."
				 : "");
}

/*
 * C and C++ grammars parse the text before the preprocessor has run, so
 * macros they cannot expand (`__BEGIN_DECLS`, `FOR_EACH(x) {`, `int
 * API f(void)`) look like syntax errors; bash's grammar rejects valid
 * scripts (a here-document followed by '&', for one). For these the check
 * needs the base version to tell what the grammar never understood from
 * what the change broke: added files are not checked.
 */
static int review_structure_preprocessed(const char *grammar)
{
	return !strcmp(grammar, "c") || !strcmp(grammar, "cpp");
}

static int review_structure_needs_base(const char *grammar)
{
	return review_structure_preprocessed(grammar) ||
	       !strcmp(grammar, "bash");
}

static int review_structure_ident_char(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* The bounds of the line holding byte `off`, without trailing blanks. */
static void review_structure_line_at(const char *t, size_t len, size_t off,
				     size_t *s, size_t *e)
{
	if (off > len)
		off = len;
	*s = off;
	while (*s > 0 && t[*s - 1] != '\n')
		(*s)--;
	for (*e = off; *e < len && t[*e] != '\n'; (*e)++)
		;
	while (*e > *s && (t[*e - 1] == '\r' || t[*e - 1] == ' ' ||
			   t[*e - 1] == '\t'))
		(*e)--;
}

/*
 * Does the line holding the start of `h` look like macro use: does it name
 * an identifier of two or more capitals, digits and underscores (NULL,
 * EOF, TRUE and FALSE excepted), or is it `name(...) {`, a loop macro?
 */
static int review_structure_macro_line(const struct review_structure_ctx *ctx,
				       const struct review_structure_hit *h)
{
	static const char *const plain[] = { "NULL", "EOF", "TRUE", "FALSE",
					     NULL };
	static const char *const keywords[] = { "if", "for", "while",
						"switch", "catch", "return",
						"sizeof", NULL };
	const char *t = ctx->text;
	size_t s, e, i, j, k;
	long depth;

	review_structure_line_at(t, ctx->len, h->start_byte, &s, &e);
	/* a directive parses; an error from one on is in what it holds */
	for (i = s; i < e && (t[i] == ' ' || t[i] == '\t'); i++)
		;
	if (i < e && t[i] == '#')
		return 0;
	/*
	 * Macros keep their parentheses balanced and their strings closed;
	 * a broken line does not.
	 */
	for (j = s, depth = 0; j < e; j++) {
		if (t[j] == '"' || t[j] == '\'') {
			char q = t[j];

			for (j++; j < e && t[j] != q; j++)
				if (t[j] == '\\')
					j++;
			if (j >= e)
				return 0;
			continue;
		}
		depth += t[j] == '(';
		depth -= t[j] == ')';
		if (depth < 0)
			return 0;
	}
	/* a call that goes on over the next lines ends with ',' or '(' */
	if (depth && !(e > s && (t[e - 1] == ',' || t[e - 1] == '(' ||
				 t[e - 1] == '\\')))
		return 0;
	depth = 0;
	/* an argument in capitals is a constant, not a macro at work */
	for (i = s; i < e; i = j) {
		int upper = 0, lower = 0;

		if (t[i] == '"' || t[i] == '\'') {
			for (j = i + 1; j < e && t[j] != t[i]; j++)
				if (t[j] == '\\')
					j++;
			j++;
			continue;
		}
		if (!review_structure_ident_char(t[i])) {
			depth += t[i] == '(';
			depth -= t[i] == ')';
			j = i + 1;
			continue;
		}
		if (depth) {
			for (j = i; j < e && review_structure_ident_char(t[j]);
			     j++)
				;
			continue;
		}
		for (j = i; j < e && review_structure_ident_char(t[j]); j++) {
			lower |= t[j] >= 'a' && t[j] <= 'z';
			upper |= t[j] >= 'A' && t[j] <= 'Z';
		}
		if (!upper || lower || j - i < 2 ||
		    (t[i] >= '0' && t[i] <= '9'))
			continue;
		for (k = 0; plain[k]; k++)
			if (strlen(plain[k]) == j - i &&
			    !memcmp(plain[k], t + i, j - i))
				break;
		if (!plain[k])
			return 1;
	}
	/* `name(...) {` */
	for (i = s; i < e && (t[i] == ' ' || t[i] == '\t'); i++)
		;
	for (j = i; j < e && review_structure_ident_char(t[j]); j++)
		;
	if (j == i || e == s || t[e - 1] != '{')
		return 0;
	for (k = 0; keywords[k]; k++)
		if (strlen(keywords[k]) == j - i &&
		    !memcmp(keywords[k], t + i, j - i))
			return 0;
	while (j < e && (t[j] == ' ' || t[j] == '\t'))
		j++;
	return j < e && t[j] == '(';
}

/*
 * A here-document whose line goes on after its delimiter (`cat <<EOF &`,
 * `python3 - <<'EOF' | sort`): valid, and beyond tree-sitter-bash 0.23.
 */
static int review_structure_heredoc_line(const struct review_structure_ctx *ctx,
					 const struct review_structure_hit *h)
{
	const char *t = ctx->text;
	size_t s, e, i;

	review_structure_line_at(t, ctx->len, h->start_byte, &s, &e);
	for (i = s; i + 1 < e; i++) {
		if (t[i] != '<' || t[i + 1] != '<' ||
		    (i + 2 < e && t[i + 2] == '<'))
			continue;
		i += 2;
		if (i < e && t[i] == '-')
			i++;
		while (i < e && (t[i] == ' ' || t[i] == '\t'))
			i++;
		if (i < e && (t[i] == '\'' || t[i] == '"')) {
			char q = t[i++];

			while (i < e && t[i] != q)
				i++;
			i++;
		} else {
			while (i < e && (review_structure_ident_char(t[i]) ||
					 t[i] == '\\'))
				i++;
		}
		while (i < e && (t[i] == ' ' || t[i] == '\t'))
			i++;
		return i < e && t[i] != '#';
	}
	return 0;
}

/*
 * TypeScript 4.7's variance annotations (`interface Box<out T>`, `<in T>`)
 * are newer than tree-sitter-typescript 0.23, the last release: the type
 * parameter after `in` or `out` is an ERROR.
 */
static int review_structure_variance(const struct review_structure_ctx *ctx,
				     const struct review_structure_err *e)
{
	const char *t = ctx->text;
	size_t i = e->at.start_byte, w;

	if (e->missing || e->first != e->last || i > ctx->len)
		return 0;
	while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t'))
		i--;
	for (w = i; w > 0 && review_structure_ident_char(t[w - 1]); w--)
		;
	if (!((i - w == 2 && !memcmp(t + w, "in", 2)) ||
	      (i - w == 3 && !memcmp(t + w, "out", 3))))
		return 0;
	while (w > 0 && (t[w - 1] == ' ' || t[w - 1] == '\t'))
		w--;
	/* `<in out T>` has `in` before `out` */
	if (w >= 2 && !memcmp(t + w - 2, "in", 2) &&
	    (w == 2 || !review_structure_ident_char(t[w - 3]))) {
		w -= 2;
		while (w > 0 && (t[w - 1] == ' ' || t[w - 1] == '\t'))
			w--;
	}
	return w > 0 && (t[w - 1] == '<' || t[w - 1] == ',');
}

/* Is t[a..b) one of the words of `list` (NULL-terminated)? */
static int review_structure_word_in(const char *t, size_t a, size_t b,
				    const char *const *list)
{
	size_t k;

	for (k = 0; list[k]; k++)
		if (strlen(list[k]) == b - a && !memcmp(t + a, list[k], b - a))
			return 1;
	return 0;
}

/*
 * Does an error inside a call's arguments start with a statement keyword?
 * Only a macro takes statements as arguments (`dictForEach(d, T, v, if
 * (v->x) { ... })`).
 */
static int review_structure_statement_arg(
	const struct review_structure_ctx *ctx,
	const struct review_structure_err *e)
{
	static const char *const words[] = { "if", "for", "while", "do",
					     "switch", "return", "struct",
					     "union", "enum", "break",
					     "continue", "goto", "case", NULL };
	const char *t = ctx->text;
	size_t a = e->at.start_byte, b;

	while (a < ctx->len && (t[a] == ' ' || t[a] == '\t' || t[a] == '\n'))
		a++;
	if (a < ctx->len && t[a] == '{')
		return 1;
	for (b = a; b < ctx->len && review_structure_ident_char(t[b]); b++)
		;
	return review_structure_word_in(t, a, b, words);
}

/*
 * C++ that tree-sitter-cpp 0.23 cannot parse: an operator called by name
 * (`x.operator[](i)`) and a functional cast to a built-in type
 * (`unsigned(id)`).
 */
static int review_structure_cpp_limit(const struct review_structure_ctx *ctx,
				      const struct review_structure_err *e)
{
	static const char *const types[] = { "unsigned", "signed", "int",
					     "char", "long", "short", "float",
					     "double", "bool", "operator",
					     NULL };
	const char *t = ctx->text;
	size_t a = e->at.start_byte, b, k;

	if (e->missing)
		return 0;
	while (a < ctx->len && (t[a] == '.' || t[a] == '>' || t[a] == '-' ||
				t[a] == ' ' || t[a] == '\t'))
		a++;
	for (b = a; b < ctx->len && review_structure_ident_char(t[b]); b++)
		;
	for (k = 0; types[k]; k++)
		if (strlen(types[k]) == b - a && !memcmp(t + a, types[k], b - a))
			break;
	if (!types[k])
		return 0;
	while (b < ctx->len && (t[b] == ' ' || t[b] == '\t'))
		b++;
	return b < ctx->len && (t[b] == '(' ||
			       (!strcmp(types[k], "operator") && t[b] == '['));
}

/* A name in capitals: two or more, not a common constant. */
static int review_structure_caps_macro(const char *t, size_t len)
{
	static const char *const plain[] = { "NULL", "EOF", "TRUE", "FALSE",
					     NULL };
	size_t i;
	int upper = 0;

	if (len < 2 || (t[0] >= '0' && t[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		if (t[i] >= 'a' && t[i] <= 'z')
			return 0;
		upper |= t[i] >= 'A' && t[i] <= 'Z';
	}
	return upper && !review_structure_word_in(t, 0, len, plain);
}

/*
 * An annotation macro after a declarator, on the line `e` starts on:
 * `void *data UNUSED)`, `int argc UNUSED,`, `static void die(void)
 * NORETURN;`, `char buf[N] ALIGNED(8) = ...`: a name in capitals (with
 * its arguments, if any) right after a name, `*`, `)` or `]`, and before
 * `,`, `)`, `;`, `{`, `=`, `[` or the end of the line, where the error
 * is the name before it or the macro. Valid C never puts two names side
 * by side but a type and its declarator; a macro it must be.
 */
static int review_structure_annotation(const struct review_structure_ctx *ctx,
				       const struct review_structure_err *e)
{
	const char *t = ctx->text;
	size_t s, end, i, j, k, before;

	review_structure_line_at(t, ctx->len, e->at.start_byte, &s, &end);
	for (i = s; i < end; i = j) {
		long depth;

		if (!review_structure_ident_char(t[i])) {
			j = i + 1;
			continue;
		}
		for (j = i; j < end && review_structure_ident_char(t[j]); j++)
			;
		if (!review_structure_caps_macro(t + i, j - i))
			continue;
		/* what comes before: a name, `*`, `)` or `]` */
		for (k = i; k > s && (t[k - 1] == ' ' || t[k - 1] == '\t'); k--)
			;
		if (k == i || k == s ||
		    !(review_structure_ident_char(t[k - 1]) ||
		      t[k - 1] == '*' || t[k - 1] == ')' || t[k - 1] == ']'))
			continue;
		/* the error is the name before or the macro itself */
		for (before = k; before > s &&
				 review_structure_ident_char(t[before - 1]);
		     before--)
			;
		if (e->at.start_byte < before)
			continue;
		/* its arguments, balanced on the line */
		k = j;
		while (k < end && (t[k] == ' ' || t[k] == '\t'))
			k++;
		if (k < end && t[k] == '(') {
			for (depth = 0; k < end; k++) {
				depth += t[k] == '(';
				depth -= t[k] == ')';
				if (!depth)
					break;
			}
			if (k == end)
				continue;
			k++;
		}
		if (e->at.start_byte > k)
			continue;
		while (k < end && (t[k] == ' ' || t[k] == '\t'))
			k++;
		if (k == end || t[k] == ',' || t[k] == ')' || t[k] == ';' ||
		    t[k] == '{' || t[k] == '=' || t[k] == '[')
			return 1;
	}
	return 0;
}

/*
 * The line above `e`'s is an attribute macro alone (`RESULT_MUST_BE_USED`,
 * `LAST_ARG_MUST_BE_NULL`, `NORETURN_PTR(x)`), which the declaration after
 * it does not parse with.
 */
static int review_structure_attribute_above(
	const struct review_structure_ctx *ctx,
	const struct review_structure_err *e)
{
	const char *t = ctx->text;
	size_t s, end, i, j;

	review_structure_line_at(t, ctx->len, e->at.start_byte, &s, &end);
	if (s < 2)
		return 0;
	review_structure_line_at(t, ctx->len, s - 1, &s, &end);
	for (i = s; i < end && (t[i] == ' ' || t[i] == '\t'); i++)
		;
	for (j = i; j < end && review_structure_ident_char(t[j]); j++)
		;
	if (!review_structure_caps_macro(t + i, j - i))
		return 0;
	if (j < end && t[j] == '(')
		return t[end - 1] == ')';
	return j == end;
}

/* The width of the line's indentation, a tab to the next multiple of 8. */
static size_t review_structure_indent(const char *t, size_t s, size_t end)
{
	size_t w = 0;

	for (; s < end && (t[s] == ' ' || t[s] == '\t'); s++)
		w = t[s] == '\t' ? (w / 8 + 1) * 8 : w + 1;
	return w;
}

/*
 * A loop macro whose body is one statement, without braces:
 * `for_each_string_list_item(item, &list)` alone on its line, the next
 * line indented deeper (`name(...) {` is review_structure_macro_line's).
 */
static int review_structure_loop_macro(const struct review_structure_ctx *ctx,
				       const struct review_structure_err *e)
{
	const char *t = ctx->text;
	size_t s, end, i, j, ns, ne;
	long depth = 0;

	if (!e->missing || !e->type || strcmp(e->type, ";"))
		return 0;
	review_structure_line_at(t, ctx->len, e->at.start_byte, &s, &end);
	for (i = s; i < end && (t[i] == ' ' || t[i] == '\t'); i++)
		;
	for (j = i; j < end && review_structure_ident_char(t[j]); j++)
		;
	if (j == i || j == end || t[j] != '(' || t[end - 1] != ')')
		return 0;
	for (; j < end; j++) {
		depth += t[j] == '(';
		depth -= t[j] == ')';
		if (!depth && j + 1 < end)
			return 0;	/* `f(a) + g(b)`: not one call */
	}
	if (depth || end >= ctx->len)
		return 0;
	review_structure_line_at(t, ctx->len, end + 1, &ns, &ne);
	return ne > ns && review_structure_indent(t, ns, ne) >
				  review_structure_indent(t, s, end);
}

/*
 * Where `e` starts inside a call `name(...)` on its line (a statement or
 * an operand, not a declaration), does its argument begin with a type
 * (`define_commit_slab(bit_arrays, struct bitmap *)`, `p = container_of(
 * h, const struct entry, node)`, `va_arg(ap, const char *)`)? Only a macro
 * takes a type.
 */
static int review_structure_type_arg(const struct review_structure_ctx *ctx,
				     const struct review_structure_err *e)
{
	static const char *const types[] = { "struct", "union", "enum",
					     "const", "volatile", "unsigned",
					     "signed", "char", "short", "int",
					     "long", "float", "double", "void",
					     NULL };
	const char *t = ctx->text;
	size_t s, end, at = e->at.start_byte, i, arg = 0, b, k;
	long depth = 0;

	review_structure_line_at(t, ctx->len, at, &s, &end);
	if (at > end)
		return 0;
	/* back to the '(' that holds `at`, noting the argument's start */
	for (i = at; i > s; i--) {
		char c = t[i - 1];

		if (c == ')')
			depth++;
		else if (c == '(' && depth)
			depth--;
		else if (c == '(' || (c == ',' && !depth)) {
			if (!arg)
				arg = i;
			if (c == '(')
				break;
		}
	}
	if (e->missing || i == s || !arg || i < 2 ||
	    !review_structure_ident_char(t[i - 2]))
		return 0;
	/* a call, not a declaration: nothing but an operator before it */
	for (k = i - 1; k > s && review_structure_ident_char(t[k - 1]); k--)
		;
	while (k > s && (t[k - 1] == ' ' || t[k - 1] == '\t'))
		k--;
	if (k > s && !strchr("=(,!&|?:+-", t[k - 1]) &&
	    !(k - s >= 6 && !memcmp(t + k - 6, "return", 6) &&
	      (k - s == 6 || !review_structure_ident_char(t[k - 7]))))
		return 0;
	while (arg < at && (t[arg] == ' ' || t[arg] == '\t'))
		arg++;
	for (b = arg; b < end && review_structure_ident_char(t[b]); b++)
		;
	return review_structure_word_in(t, arg, b, types);
}

/*
 * A placeholder that the build replaces (`@PERL_PATH@`, `@DIFF@`) on the
 * line: the file is a template of a script, not yet a script.
 */
static int review_structure_placeholder_line(
	const struct review_structure_ctx *ctx,
	const struct review_structure_hit *h)
{
	const char *t = ctx->text;
	size_t s, end, i, j;

	review_structure_line_at(t, ctx->len, h->start_byte, &s, &end);
	for (i = s; i < end; i++) {
		if (t[i] != '@')
			continue;
		for (j = i + 1; j < end && ((t[j] >= 'A' && t[j] <= 'Z') ||
					    (t[j] >= '0' && t[j] <= '9') ||
					    t[j] == '_');
		     j++)
			;
		if (j > i + 1 && j < end && t[j] == '@' &&
		    !(t[i + 1] >= '0' && t[i + 1] <= '9'))
			return 1;
	}
	return 0;
}

/* Is the line [s, end) the directive `#name` (`# if`, `#ifdef`, ...)? */
static int review_structure_directive(const char *t, size_t s, size_t end,
				      const char *name)
{
	size_t n = strlen(name);

	while (s < end && (t[s] == ' ' || t[s] == '\t'))
		s++;
	if (s == end || t[s] != '#')
		return 0;
	for (s++; s < end && (t[s] == ' ' || t[s] == '\t'); s++)
		;
	return end - s >= n && !memcmp(t + s, name, n) &&
	       (end - s == n || !review_structure_ident_char(t[s + n]));
}

/*
 * Conditional compilation the grammar cannot follow, in a file whose
 * directives pair up: a branch that holds part of a construct (`} else
 * if (x) {` inside `#ifdef`, an attribute alone between `#ifndef` and
 * `#endif`) leaves tree-sitter short of an `#endif` that is there; an
 * initialiser whose value is chosen by `#if` (`int x =` then `#ifdef`)
 * does not parse. A deleted `#endif` leaves the directives unpaired, and
 * is still reported.
 */
static int review_structure_conditional(const struct review_structure_ctx *ctx,
					const struct review_structure_err *e)
{
	const char *t = ctx->text;
	size_t s, end, ns, ne;
	long open = 0;

	if (e->missing && e->type && !strcmp(e->type, "#endif")) {
		for (s = 0; s < ctx->len; s = end + 1) {
			const char *nl = memchr(t + s, '\n', ctx->len - s);

			end = nl ? (size_t)(nl - t) : ctx->len;
			if (review_structure_directive(t, s, end, "if") ||
			    review_structure_directive(t, s, end, "ifdef") ||
			    review_structure_directive(t, s, end, "ifndef"))
				open++;
			else if (review_structure_directive(t, s, end,
							    "endif") &&
				 --open < 0)
				return 0;
		}
		return open == 0;
	}
	review_structure_line_at(t, ctx->len, e->at.start_byte, &s, &end);
	if (end == s || end >= ctx->len ||
	    !strchr("=,(|&+-*/?:", t[end - 1]))
		return 0;
	review_structure_line_at(t, ctx->len, end + 1, &ns, &ne);
	return review_structure_directive(t, ns, ne, "if") ||
	       review_structure_directive(t, ns, ne, "ifdef") ||
	       review_structure_directive(t, ns, ne, "ifndef");
}

/*
 * An error that starts on a `#define` and ends within it (its lines joined
 * by backslashes): a macro's body is tokens, not yet C, and the grammar
 * stumbles on some (a comment before the backslash, `{ \` on one line
 * and `}` on the next).
 */
static int review_structure_define_body(const struct review_structure_ctx *ctx,
					const struct review_structure_err *e)
{
	const char *t = ctx->text;
	size_t s, end;

	if (e->missing)
		return 0;
	review_structure_line_at(t, ctx->len, e->at.start_byte, &s, &end);
	if (!review_structure_directive(t, s, end, "define"))
		return 0;
	while (end > s && t[end - 1] == '\\' && end < ctx->len)
		review_structure_line_at(t, ctx->len, end + 1, &s, &end);
	/* the error may take the newline that ends the directive */
	return e->at.end_byte <= end + 1;
}

/* Is `e` a construct valid code has that the grammar cannot parse? */
static int review_structure_grammar_limit(
	const struct review_structure_ctx *ctx, const char *grammar,
	const struct review_structure_err *e)
{
	if (e->own)
		return 0;
	if (review_structure_preprocessed(grammar))
		return review_structure_macro_line(ctx, &e->at) ||
		       review_structure_annotation(ctx, e) ||
		       review_structure_attribute_above(ctx, e) ||
		       review_structure_loop_macro(ctx, e) ||
		       review_structure_type_arg(ctx, e) ||
		       review_structure_define_body(ctx, e) ||
		       (e->in_args && review_structure_statement_arg(ctx, e)) ||
		       (!strcmp(grammar, "cpp") &&
			review_structure_cpp_limit(ctx, e));
	if (!strcmp(grammar, "bash"))
		return review_structure_heredoc_line(ctx, &e->at) ||
		       review_structure_placeholder_line(ctx, &e->at);
	if (!strcmp(grammar, "typescript") || !strcmp(grammar, "tsx"))
		return review_structure_variance(ctx, e);
	return 0;
}

static int review_structure_same_line(const char *a,
				      const struct review_structure_err *x,
				      const char *b,
				      const struct review_structure_err *y)
{
	return x->line_len == y->line_len &&
	       !memcmp(a + x->line_off, b + y->line_off, x->line_len);
}

/*
 * Was new error `e` there in the base already? Yes when the base has an
 * error of the same kind starting on the line `e` starts on, one of the
 * same shape on a line of the same text (moved code), one of the same
 * kind among the lines the edit replaced (a rewritten line that still
 * holds what the grammar cannot parse), or an ERROR whose lines hold
 * where `e` starts (a region the grammar never understood).
 * An error away from the edit is also old when the base had any error
 * within `slack` lines of it: error recovery reshapes what it cannot
 * parse when text around it moves.
 */
static int review_structure_preexisting(
	const struct review_structure_ctx *ctx,
	const struct review_structure_err *e, struct review_structure_errs *old,
	const char *old_text, const struct review_linediff *d, uint32_t slack)
{
	uint32_t at = review_linediff_old_line(d, e->first), below = 0, l;
	int unchanged = e->first <= d->nr_new && d->new_to_old[e->first];
	size_t i;

	/* a rewritten line: the old lines it replaced end above `below` */
	if (!unchanged) {
		for (l = e->first; l <= d->nr_new && !d->new_to_old[l]; l++)
			;
		below = l <= d->nr_new ? d->new_to_old[l] : d->nr_old + 1;
	}

	for (i = 0; i < old->nr; i++) {
		struct review_structure_err *o = &old->items[i];

		if (slack) {
			/* an old error the head still has is no excuse */
			if (!o->used && at + slack >= o->first &&
			    at <= o->last + slack)
				return 1;
			continue;
		}
		if ((unchanged && o->first == at && o->missing == e->missing &&
		     o->own == e->own &&
		     (!e->missing || !strcmp(o->sig, e->sig))) ||
		    (!strcmp(o->sig, e->sig) &&
		     review_structure_same_line(ctx->text, e, old_text, o)) ||
		    (at && !o->missing && !o->own && o->first <= at &&
		     at <= o->last) ||
		    /* the same shape in the lines the edit replaced */
		    (below && !o->used && o->first > at && o->first < below &&
		     o->missing == e->missing && o->own == e->own &&
		     (!e->missing || !strcmp(o->sig, e->sig)))) {
			o->used = 1;
			return 1;
		}
	}
	return 0;
}

/*
 * Is line `line` macro use? The line an error is put on may be where the
 * change wrote a macro (`FMT_BEGIN_EXPORT`) that breaks the parse of the
 * declaration after it.
 */
static int review_structure_macro_at(const struct review_structure_ctx *ctx,
				     uint32_t line)
{
	struct review_structure_hit h;
	size_t off = 0;
	uint32_t l = 1;

	while (l < line && off < ctx->len) {
		const char *nl = memchr(ctx->text + off, '\n', ctx->len - off);

		if (!nl)
			break;
		off = (size_t)(nl - ctx->text) + 1;
		l++;
	}
	memset(&h, 0, sizeof(h));
	h.start_byte = (uint32_t)off;
	return review_structure_macro_line(ctx, &h);
}

/* Is one of the added lines ending at `line` (at most 4) macro use? */
static int review_structure_macro_added(
	const struct review_structure_ctx *ctx,
	const struct review_linediff *d, uint32_t line)
{
	uint32_t l;

	for (l = line; l > 0 && l + 4 > line && l <= d->nr_new &&
		       !d->new_to_old[l];
	     l--)
		if (review_structure_macro_at(ctx, l))
			return 1;
	return 0;
}

/*
 * Did the change write a conditional directive (#if, #ifdef, #elif, #else,
 * #endif, ...) on a line in [from, to]? Tree-sitter parses both branches
 * of one as if the preprocessor kept them, so a conditional that swaps
 * the head of a function or half a statement makes an error of valid code.
 */
static int review_structure_cond_added(const struct review_structure_ctx *ctx,
				       const struct review_linediff *d,
				       uint32_t from, uint32_t to)
{
	size_t off = 0, i;
	uint32_t line = 1;

	for (i = 0; i < d->nr_edits && d->edits[i] <= to; i++) {
		uint32_t l = d->edits[i];

		if (l < from || l > d->nr_new || d->new_to_old[l])
			continue;
		/* walk forward to line l; edits are sorted */
		while (line < l && off < ctx->len) {
			const char *nl = memchr(ctx->text + off, '\n',
						ctx->len - off);

			if (!nl)
				break;
			off = (size_t)(nl - ctx->text) + 1;
			line++;
		}
		if (line != l)
			break;
		while (off < ctx->len &&
		       (ctx->text[off] == ' ' || ctx->text[off] == '\t'))
			off++;
		if (off < ctx->len && ctx->text[off] == '#') {
			size_t k = off + 1;

			while (k < ctx->len &&
			       (ctx->text[k] == ' ' || ctx->text[k] == '\t'))
				k++;
			if (ctx->len - k >= 2 &&
			    (!memcmp(ctx->text + k, "if", 2) ||
			     !memcmp(ctx->text + k, "el", 2) ||
			     (ctx->len - k >= 5 &&
			      !memcmp(ctx->text + k, "endif", 5))))
				return 1;
		}
	}
	return 0;
}

/*
 * Report the errors of the new tree the change introduced, each on the
 * edited line nearest to where the parse broke: an edit inside the error,
 * else the nearest edit above it (a deleted closing line shows up as a
 * MISSING '}' or 'end' at the end of the block or file), else below.
 */
/*
 * A construct the grammar cannot parse is excused where the change wrote
 * it; on a line the change did not touch it parsed in the base, so the
 * change broke it. Conditional compilation that the grammar cannot pair
 * up is excused wherever it is (review_structure_conditional).
 */
static int review_structure_excused(const struct review_structure_ctx *ctx,
				    const char *grammar,
				    const struct review_linediff *d,
				    const struct review_structure_err *e)
{
	if (review_structure_preprocessed(grammar) && !e->own &&
	    review_structure_conditional(ctx, e))
		return 1;
	return (e->first > d->nr_new || !d->new_to_old[e->first]) &&
	       review_structure_grammar_limit(ctx, grammar, e);
}

static void review_structure_syntax(struct review_structure_ctx *ctx,
				    const char *grammar, TSTree *new_tree,
				    TSParser *parser, const char *old_text,
				    size_t old_len, const uint32_t *changed,
				    size_t nr_changed)
{
	struct review_structure_errs new_errs = { 0 }, old_errs = { 0 };
	struct review_linediff d;
	TSTree *old_tree = NULL;
	uint32_t last_line = 0;
	size_t i, reported = 0;
	int have_d = 0;

	review_structure_collect(&new_errs, ts_tree_root_node(new_tree),
				 ctx->text, ctx->len);
	review_structure_lenient(&new_errs, grammar,
				 ts_tree_root_node(new_tree), ctx->text,
				 ctx->len, changed, nr_changed);
	if (!new_errs.nr)
		goto out;
	if (old_text) {
		review_linediff_compute(&d, old_text, old_len, ctx->text,
					ctx->len);
		have_d = 1;
		/*
		 * An error the grammar is excused for is not reported
		 * whatever the base had; when all are, the base need not be
		 * parsed (the costliest part of the check).
		 */
		for (i = 0; i < new_errs.nr; i++)
			if (!review_structure_excused(ctx, grammar, &d,
						      &new_errs.items[i]))
				break;
		if (i == new_errs.nr)
			goto out;
		if (!(old_tree = review_structure_parse(parser, grammar,
							old_text, old_len)))
			goto out;
		review_structure_collect(&old_errs,
					 ts_tree_root_node(old_tree),
					 old_text, old_len);
		review_structure_lenient(&old_errs, grammar,
					 ts_tree_root_node(old_tree),
					 old_text, old_len, NULL, 0);
	}
	for (i = 0; have_d && i < new_errs.nr; i++)
		new_errs.items[i].old = review_structure_preexisting(
			ctx, &new_errs.items[i], &old_errs, old_text, &d, 0);
	for (i = 0; i < new_errs.nr && reported < REVIEW_STRUCTURE_MAX_SYNTAX;
	     i++) {
		struct review_structure_err *e = &new_errs.items[i];
		uint32_t line = e->first, away = 0;
		char *msg;

		if (e->old)
			continue;
		/*
		 * The base had more errors than are collected: past the last
		 * one collected, an error cannot be told old or new.
		 */
		if (have_d && old_errs.nr >= REVIEW_STRUCTURE_MAX_ERRORS &&
		    review_linediff_old_line(&d, e->first) >=
			    old_errs.items[old_errs.nr - 1].first)
			continue;

		if (have_d ? review_structure_excused(ctx, grammar, &d, e)
			   : review_structure_grammar_limit(ctx, grammar, e) ||
				     (review_structure_preprocessed(grammar) &&
				      !e->own &&
				      review_structure_conditional(ctx, e)))
			continue;
		if (have_d) {
			line = review_linediff_edit_below(&d, e->first);
			if (!line || line > e->last) {
				if (review_structure_preexisting(
					    ctx, e, &old_errs, old_text, &d,
					    3))
					continue;
				line = review_linediff_edit_above(&d, e->first);
				if (!line)
					line = review_linediff_edit_below(
						&d, e->first);
				if (!line)
					continue;
				away = 1;
			}
		}
		if (have_d && review_structure_preprocessed(grammar) &&
		    line != e->first &&
		    review_structure_macro_added(ctx, &d, line))
			continue;
		if (have_d && review_structure_preprocessed(grammar) &&
		    review_structure_cond_added(ctx, &d,
						(line < e->first ? line
								 : e->first),
						(line > e->last ? line : e->last)))
			continue;
		if (line == last_line)
			continue;
		last_line = line;
		msg = review_structure_error_message(ctx, e);
		if (away) {
			char *full = xasprintf("%s (detected at line %u)", msg,
					       (unsigned)e->first);

			free(msg);
			msg = full;
		}
		review_structure_report(ctx, &e->at,
					line == e->first && !away ? 0 : line,
					REVIEW_STRUCTURE_SYNTAX_ID, msg,
					REVIEW_SEV_ERROR);
		free(msg);
		reported++;
	}
out:
	if (have_d)
		review_linediff_release(&d);
	if (old_tree)
		ts_tree_delete(old_tree);
	review_structure_errs_release(&new_errs);
	review_structure_errs_release(&old_errs);
}

/* Parse `text` with `grammar`; NULL when the parse timed out. */
static TSTree *review_structure_parse(TSParser *parser, const char *grammar,
				      const char *text, size_t len)
{
	TSTree *tree;

	ts_parser_reset(parser);
	if (!ts_parser_set_language(parser, review_grammars_get(grammar)))
		return NULL;
	tree = ts_parser_parse_string(parser, NULL, text ? text : "",
				      (uint32_t)len);
	if (!tree)
		ts_parser_reset(parser);
	return tree;
}

/*
 * Run the rules of `grammar` (or only rule `only`, when not NULL) over
 * `tree`.
 */
static void review_structure_run_all(struct review_structure_ctx *ctx,
				     const struct review_structure *s,
				     const struct review_query *only,
				     const char *grammar, TSTree *tree)
{
	const struct review_structure_group *g =
		only ? NULL : review_structure_group_find(s, grammar);
	TSNode root = ts_tree_root_node(tree);
	struct review_structure_take_args args;
	size_t i;

	ctx->has_error = ts_node_has_error(root);
	if (!ctx->cursor) {
		ctx->cursor = ts_query_cursor_new();
		ts_query_cursor_set_match_limit(ctx->cursor,
						REVIEW_STRUCTURE_MATCH_LIMIT);
	}
	if (!ctx->md && !(ctx->md = pcre2_match_data_create(1, NULL)))
		abort();
	ctx->nr_hits = 0;
	args.ctx = ctx;
	if (g && g->ok) {
		/*
		 * The combined query, only from the nodes its patterns start
		 * at when all start at a node type (g->roots): C's rules
		 * start at if statements, and most nodes start nothing.
		 */
		args.c = &g->c;
		args.pattern_rule = g->pattern_rule;
		args.pattern_capture = g->pattern_capture;
		args.rule = 0;
		review_query_run(ctx->cursor, g->c.query, root, g->roots,
				 g->nr_symbols, review_structure_take, &args);
	} else {
		for (i = 0; i < s->nr; i++) {
			const struct review_query *q = &s->items[i];

			if (only ? q != only : q->disabled)
				continue;
			if (!(args.c = review_structure_for(q, grammar)))
				continue;
			args.pattern_rule = NULL;
			args.pattern_capture = NULL;
			args.rule = i;
			review_query_run(ctx->cursor, args.c->query, root, NULL,
					 0, review_structure_take, &args);
		}
	}
	review_structure_report_hits(ctx, s);
}

static void review_structure_ctx_release(struct review_structure_ctx *ctx)
{
	if (ctx->cursor)
		ts_query_cursor_delete(ctx->cursor);
	pcre2_match_data_free(ctx->md);
	free(ctx->hits);
	buf_release(&ctx->snippet);
}

int review_structure_scan(struct review_structure *s, const char *path,
			  const char *lang, const char *new_text,
			  size_t new_len, const char *old_text,
			  size_t old_len, const uint32_t *changed_lines,
			  size_t nr_changed, struct review_findings *out)
{
	struct review_structure_ctx ctx;
	const char *grammar = review_grammars_for_file(lang, path);
	TSParser *parser = NULL;
	TSTree *tree = NULL;
	size_t cap = s->max_bytes && s->max_bytes < UINT32_MAX ? s->max_bytes
							       : UINT32_MAX;
	int rc = 0;

	/* a script without an extension: its first line at the head */
	if (!lang && new_text && review_structure_maybe_script(path)) {
		const char *nl = memchr(new_text, '\n', new_len);

		lang = review_lang_detect(path, new_text,
					  nl ? (size_t)(nl - new_text)
					     : new_len);
		grammar = review_grammars_for_file(lang, path);
	}
	if (grammar && !strcmp(grammar, "bash") && new_text &&
	    review_lang_trampoline(new_text, new_len))
		grammar = NULL;
	if (!grammar)
		return TEND_ENOTFOUND;
	if (!review_structure_wants(s, lang, path))
		return 0;
	review_structure_ready(s, lang, path);
	if (new_len > cap)
		return TEND_ETOOBIG;
	memset(&ctx, 0, sizeof(ctx));
	buf_init(&ctx.snippet, 0);
	ctx.path = path;
	ctx.text = new_text ? new_text : "";
	ctx.len = new_text ? new_len : 0;
	ctx.out = out;

	parser = ts_parser_new();
	ts_parser_set_timeout_micros(parser, s->timeout_us);
	if (!(tree = review_structure_parse(parser, grammar, ctx.text,
					    ctx.len))) {
		log_warn("structural checks skipped '%s': parsing took longer "
			 "than %llu ms", path ? path : "",
			 (unsigned long long)(s->timeout_us / 1000));
		rc = TEND_ETIMEOUT;
		goto out;
	}
	/* a C header that is really C++ */
	if (review_structure_is_c_header(grammar, path) &&
	    ts_node_has_error(ts_tree_root_node(tree))) {
		TSTree *cpp = review_structure_parse(parser, "cpp", ctx.text,
						     ctx.len);

		if (cpp && review_structure_count_errors(cpp) <
				   review_structure_count_errors(tree)) {
			ts_tree_delete(tree);
			tree = cpp;
			grammar = "cpp";
		} else if (cpp) {
			ts_tree_delete(cpp);
		}
	}
	review_structure_run_all(&ctx, s, NULL, grammar, tree);

	if (!s->syntax_check ||
	    (review_structure_needs_base(grammar) && !old_text) ||
	    (old_text && old_len > cap))
		goto out;
	review_structure_syntax(&ctx, grammar, tree, parser, old_text,
				old_len, changed_lines,
				changed_lines ? nr_changed : 0);
out:
	if (tree)
		ts_tree_delete(tree);
	if (parser)
		ts_parser_delete(parser);
	review_structure_ctx_release(&ctx);
	return rc;
}

/* Self-test of the examples. */

/*
 * How many findings does rule `q` make on `example`? -1 when the example
 * does not parse cleanly.
 */
static long review_structure_try(const struct review_structure *s,
				 const struct review_query *q,
				 const char *example)
{
	struct review_structure_ctx ctx;
	struct review_findings found;
	const char *grammar = q->grammars[0];
	TSParser *parser = ts_parser_new();
	TSTree *tree;
	long n = -1;

	memset(&ctx, 0, sizeof(ctx));
	buf_init(&ctx.snippet, 0);
	review_findings_init(&found);
	ctx.path = "example";
	ctx.text = example;
	ctx.len = strlen(example);
	ctx.out = &found;
	ts_parser_set_timeout_micros(parser, s->timeout_us);
	tree = review_structure_parse(parser, grammar, example, ctx.len);
	if (tree && !ts_node_has_error(ts_tree_root_node(tree))) {
		review_structure_run_all(&ctx, s, q, grammar, tree);
		n = (long)found.nr;
	}
	if (tree)
		ts_tree_delete(tree);
	ts_parser_delete(parser);
	review_structure_ctx_release(&ctx);
	review_findings_release(&found);
	return n;
}

int review_structure_selftest(struct review_structure *s, struct buf *err)
{
	struct buf msg = BUF_INIT;
	size_t i, j;
	int rc = 0;

	for (i = 0; i < s->nr; i++)
		for (j = 0; j < s->items[i].nr_grammars; j++) {
			review_structure_prepare(s, s->items[i].grammars[j]);
			/* each rule alone, for its own examples */
			review_structure_compile_lazy(s,
						      s->items[i].grammars[j]);
		}

	for (i = 0; i < s->nr; i++) {
		const struct review_query *q = &s->items[i];
		const struct review_query_spec *spec = &q->spec;
		long n;

		for (j = 0; spec->examples_true && spec->examples_true[j];
		     j++) {
			n = review_structure_try(s, q, spec->examples_true[j]);
			if (n > 0)
				continue;
			buf_printf(&msg, "%squery '%s': example '%s' %s",
				   msg.len ? "\n" : "", spec->id,
				   spec->examples_true[j],
				   n < 0 ? "has a syntax error"
					 : "should match");
		}
		for (j = 0; spec->examples_false && spec->examples_false[j];
		     j++) {
			n = review_structure_try(s, q, spec->examples_false[j]);
			if (n == 0)
				continue;
			buf_printf(&msg, "%squery '%s': example '%s' %s",
				   msg.len ? "\n" : "", spec->id,
				   spec->examples_false[j],
				   n < 0 ? "has a syntax error"
					 : "should not match");
		}
	}
	if (msg.len)
		rc = error_set(err, TEND_ERROR, "%s", msg.ptr);
	buf_release(&msg);
	return rc;
}
