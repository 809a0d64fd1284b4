/*
 * testreport.c - picking failures out of test-runner output.
 *
 * One pass over the lines with a little state per runner (the TAP
 * diagnostics block we are in, the pytest or cargo section, the go test
 * that just failed, the jest block); each recogniser adds or completes
 * failures keyed by test name. Excerpts are cut at the end, around the
 * most telling line seen for each failure (a detail section beats a
 * summary line).
 *
 * This file does not run tests or decide whether a run passed: the exit
 * status does that. It only explains a failure as well as the output
 * allows. Input is untrusted: every index is checked against the line
 * length, and nothing here is quadratic in the size of the output (the
 * lookup by name is linear in the bounded number of failures).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testreport.h"
#include "xalloc.h"

/* How sure an anchor is: a summary line, the failure line, its details. */
enum {
	TR_RANK_SUMMARY = 1,
	TR_RANK_LINE = 2,
	TR_RANK_DETAIL = 3
};

struct tr_line {
	const char *p;
	size_t n;
};

struct tr_ctx {
	struct testreport *r;
	struct tr_line *lines;
	size_t nr;
	/* Lines that start a test's output: excerpts stop before them. */
	unsigned char *boundary;
	/* TAP: the failure whose YAML block we are in. */
	struct testreport_failure *tap;
	int tap_in_yaml;
	int tap_msg_next;	/* the message is a YAML block: next line */
	/* pytest: the failure of the current "____ name ____" section. */
	struct testreport_failure *pytest;
	int pytest_failures;	/* inside "= FAILURES =" or "= ERRORS =" */
	/* go: the test that just failed, until its log lines end. */
	struct testreport_failure *go;
	size_t go_run;	/* line of the last "=== RUN", + 1; 0: none */
	/* cargo: the failure of the current "---- name stdout ----". */
	struct testreport_failure *cargo;
	/* jest: the file of the last "FAIL path" line and the ● block. */
	const char *jest_file;
	size_t jest_file_n;
	struct testreport_failure *jest;
	/* node spec reporter: "test at file:line:col" before a ✖ line. */
	size_t node_at;	/* line + 1; 0: none */
	/* ctest: inside "The following tests FAILED:". */
	int ctest_list;
	/* unittest: the failure of the current "FAIL: name (id)" block. */
	struct testreport_failure *ut;
	int ut_frame;	/* a frame of the test method itself was seen */
	/* make: the first "make: *** [...] Error N" line, + 1. */
	size_t make_line;
	/* go test summary seen: counts come from --- lines. */
	long go_pass, go_fail, go_skip;
};

/* ---- small string helpers on (pointer, length) ---- */

static int tr_prefix(const struct tr_line *l, const char *pfx)
{
	size_t k = strlen(pfx);

	return l->n >= k && !memcmp(l->p, pfx, k);
}

static size_t tr_indent(const struct tr_line *l)
{
	size_t i = 0;

	while (i < l->n && (l->p[i] == ' ' || l->p[i] == '\t'))
		i++;
	return i;
}

static const char *tr_find(const char *p, size_t n, const char *needle)
{
	return memmem(p, n, needle, strlen(needle));
}

static int tr_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int tr_isalpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int tr_pathchar(char c)
{
	return tr_isalpha(c) || tr_isdigit(c) || strchr("_./\\-+@~", c);
}

/* Parse a decimal number at p[*i] (bounded); -1 when there is none. */
static long tr_number(const char *p, size_t n, size_t *i)
{
	long v = 0;
	size_t start = *i;

	while (*i < n && tr_isdigit(p[*i])) {
		if (v < 100000000)
			v = v * 10 + (p[*i] - '0');
		(*i)++;
	}
	return *i > start ? v : -1;
}

/* Trim spaces at both ends of a span. */
static void tr_trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

/*
 * Find the first "path.ext:LINE" in the span where the path is not inside
 * node_modules or node's internals. `file://` prefixes are dropped.
 */
static int tr_location(const char *p, size_t n, const char **file,
		       size_t *flen, long *line)
{
	size_t i;

	for (i = 1; i + 1 < n; i++) {
		size_t start = i, j, dot = 0, k;
		long v;

		if (p[i] != ':' || !tr_isdigit(p[i + 1]))
			continue;
		while (start > 0 && tr_pathchar(p[start - 1]))
			start--;
		if (start == i)
			continue;
		for (j = start; j < i; j++)
			if (p[j] == '.')
				dot = j + 1;
			else if (p[j] == '/')
				dot = 0;
		if (!dot || dot == i || !tr_isalpha(p[dot]))
			continue;
		k = i + 1;
		v = tr_number(p, n, &k);
		if (v <= 0)
			continue;
		while (start + 2 < i && p[start] == '/' && p[start + 1] == '/')
			start++;
		if (tr_find(p + start, i - start, "node_modules/"))
			continue;
		*file = p + start;
		*flen = i - start;
		*line = v;
		return 1;
	}
	return 0;
}

static char *tr_strndup(const char *p, size_t n)
{
	if (n > TESTREPORT_MAX_FIELD)
		n = TESTREPORT_MAX_FIELD;
	return xstrndup(p, n);
}

/* ---- failures ---- */

static void tr_anchor(struct testreport_failure *f, size_t line, int rank)
{
	if (rank > f->anchor_rank) {
		f->anchor = line;
		f->anchor_rank = rank;
	}
}

static struct testreport_failure *tr_new(struct tr_ctx *c)
{
	struct testreport *r = c->r;
	struct testreport_failure *f;

	if (r->nr >= TESTREPORT_MAX_FAILURES) {
		r->truncated = 1;
		return NULL;
	}
	f = &r->failures[r->nr++];
	memset(f, 0, sizeof(*f));
	return f;
}

/* The failure named `name`, created at `line` if it is new. */
static struct testreport_failure *tr_named(struct tr_ctx *c,
					   const char *name, size_t n,
					   size_t line, int rank,
					   const char *format)
{
	struct testreport *r = c->r;
	struct testreport_failure *f;
	size_t i;

	if (rank > TR_RANK_SUMMARY)
		c->boundary[line] = 1;

	tr_trim(&name, &n);
	if (!n)
		return NULL;
	if (n > TESTREPORT_MAX_FIELD)
		n = TESTREPORT_MAX_FIELD;
	if (!r->format)
		r->format = format;
	for (i = 0; i < r->nr; i++) {
		f = &r->failures[i];
		if (f->name && strlen(f->name) == n &&
		    !memcmp(f->name, name, n)) {
			tr_anchor(f, line, rank);
			return f;
		}
	}
	if (!(f = tr_new(c)))
		return NULL;
	f->name = tr_strndup(name, n);
	tr_anchor(f, line, rank);
	return f;
}

static void tr_set_file(struct testreport_failure *f, const char *file,
			size_t n, long line)
{
	if (!f || f->file || !n)
		return;
	f->file = tr_strndup(file, n);
	f->line = line > 0 ? line : 0;
}

static void tr_set_message(struct testreport_failure *f, const char *msg,
			   size_t n)
{
	if (!f || f->message)
		return;
	tr_trim(&msg, &n);
	if (n)
		f->message = tr_strndup(msg, n);
}

static void tr_count(struct tr_ctx *c, long *field, long v, int add,
		     const char *format)
{
	if (v < 0)
		return;
	if (!c->r->format)
		c->r->format = format;
	if (add && *field >= 0)
		*field += v;
	else
		*field = v;
}

/* A compiler error: no test name, deduplicated by place and text. */
static void tr_compiler(struct tr_ctx *c, size_t line, const char *file,
			size_t flen, long lno, const char *msg, size_t mlen)
{
	struct testreport *r = c->r;
	struct testreport_failure *f;
	size_t i;

	tr_trim(&msg, &mlen);
	if (flen > TESTREPORT_MAX_FIELD)
		flen = TESTREPORT_MAX_FIELD;
	if (mlen > TESTREPORT_MAX_FIELD)
		mlen = TESTREPORT_MAX_FIELD;
	for (i = 0; i < r->nr; i++) {
		f = &r->failures[i];
		if (!f->name && f->file && f->line == lno &&
		    strlen(f->file) == flen && !memcmp(f->file, file, flen) &&
		    f->message && strlen(f->message) == mlen &&
		    !memcmp(f->message, msg, mlen))
			return;
	}
	c->boundary[line] = 1;
	if (!(f = tr_new(c)))
		return;
	if (!r->format)
		r->format = "compiler";
	tr_set_file(f, file, flen, lno);
	tr_set_message(f, msg, mlen);
	tr_anchor(f, line, TR_RANK_LINE);
}

/* ---- TAP ---- */

/* "message: 'text'" or "error: |-" (the text on the next line). */
static void tr_tap_message(struct tr_ctx *c, const char *p, size_t n)
{
	const char *v = (const char *)memchr(p, ':', n) + 1;
	size_t vn = n - (size_t)(v - p);

	tr_trim(&v, &vn);
	if ((vn == 1 && (*v == '|' || *v == '>')) ||
	    (vn == 2 && (*v == '|' || *v == '>') && v[1] == '-')) {
		c->tap_msg_next = 1;
		return;
	}
	if (vn >= 2 && (*v == '\'' || *v == '"') && v[vn - 1] == *v) {
		v++;
		vn -= 2;
	}
	tr_set_message(c->tap, v, vn);
}

static int tr_tap(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	size_t ind = tr_indent(l), i;
	const char *p = l->p + ind, *name, *hash;
	size_t n = l->n - ind, nn;
	struct tr_line t = { p, n };

	if (c->tap && c->tap_in_yaml) {
		const char *file;
		size_t flen;
		long lno;
		int want_msg;

		if (n >= 3 && !memcmp(p, "...", 3)) {
			c->tap_in_yaml = 0;
			c->tap = NULL;
			return 1;
		}
		want_msg = c->tap_msg_next;
		c->tap_msg_next = 0;
		if ((tr_prefix(&t, "at:") || tr_prefix(&t, "location:") ||
		     tr_prefix(&t, "file:") || tr_prefix(&t, "stack:")) &&
		    tr_location(p, n, &file, &flen, &lno))
			tr_set_file(c->tap, file, flen, lno);
		else if (tr_prefix(&t, "message:") || tr_prefix(&t, "error:"))
			tr_tap_message(c, p, n);
		else if (want_msg)
			tr_set_message(c->tap, p, n);
		else if (tr_prefix(&t, "line:") && c->tap->file &&
			 !c->tap->line) {
			i = 5;
			while (i < n && p[i] == ' ')
				i++;
			c->tap->line = tr_number(p, n, &i);
			if (c->tap->line < 0)
				c->tap->line = 0;
		}
		return 1;
	}
	if (c->tap && n >= 3 && !memcmp(p, "---", 3) &&
	    (n == 3 || p[3] == ' ')) {
		c->tap_in_yaml = 1;
		return 1;
	}
	c->tap = NULL;
	if (tr_prefix(&t, "ok ") || (n == 2 && !memcmp(p, "ok", 2))) {
		c->boundary[idx] = 1;
		if (!c->r->format)
			c->r->format = "tap";
		return 1;
	}
	if (!tr_prefix(&t, "not ok"))
		return 0;
	if (n > 6 && p[6] != ' ')
		return 0;
	c->boundary[idx] = 1;
	i = 6;
	while (i < n && p[i] == ' ')
		i++;
	tr_number(p, n, &i);
	while (i < n && p[i] == ' ')
		i++;
	if (i < n && p[i] == '-')
		i++;
	name = p + i;
	nn = n - i;
	hash = NULL;
	/* A "# SKIP" or "# TODO" directive: not a failure. */
	for (i = 0; i < nn; i++)
		if (name[i] == '#' && (i == 0 || name[i - 1] == ' ') &&
		    (i == 0 || name[i - 1] != '\\')) {
			hash = name + i;
			break;
		}
	if (hash) {
		const char *d = hash + 1;
		size_t dn = nn - (size_t)(d - name);

		while (dn && *d == ' ') {
			d++;
			dn--;
		}
		if (dn >= 4 && (!strncasecmp(d, "skip", 4) ||
				!strncasecmp(d, "todo", 4))) {
			if (!c->r->format)
				c->r->format = "tap";
			return 1;
		}
		nn = (size_t)(hash - name);
	}
	tr_trim(&name, &nn);
	if (!nn) {
		/* "not ok 3" with no description: name it by its line. */
		name = p;
		nn = n;
	}
	c->tap = tr_named(c, name, nn, idx, TR_RANK_LINE, "tap");
	c->tap_in_yaml = 0;
	return 1;
}

static void tr_tap_counts(struct tr_ctx *c, const struct tr_line *l)
{
	size_t i;

	if (l->n < 7 || l->p[0] != '#')
		return;
	i = 1;
	while (i < l->n && l->p[i] == ' ')
		i++;
	if (l->n - i > 5 && !memcmp(l->p + i, "pass ", 5)) {
		i += 5;
		while (i < l->n && l->p[i] == ' ')
			i++;
		tr_count(c, &c->r->passed, tr_number(l->p, l->n, &i), 0, "tap");
	} else if (l->n - i > 5 && !memcmp(l->p + i, "fail ", 5)) {
		i += 5;
		while (i < l->n && l->p[i] == ' ')
			i++;
		tr_count(c, &c->r->failed, tr_number(l->p, l->n, &i), 0, "tap");
	} else if (l->n - i > 5 && !memcmp(l->p + i, "skip ", 5)) {
		i += 5;
		while (i < l->n && l->p[i] == ' ')
			i++;
		tr_count(c, &c->r->skipped, tr_number(l->p, l->n, &i), 0,
			 "tap");
	}
}

/* ---- pytest ---- */

/* "3 failed, 10 passed, 1 skipped in 0.12s": the counts it names. */
static void tr_counts_words(struct tr_ctx *c, const char *p, size_t n,
			    int add, const char *format)
{
	size_t i = 0;

	while (i < n) {
		long v;

		if (!tr_isdigit(p[i]) || (i && tr_pathchar(p[i - 1]))) {
			i++;
			continue;
		}
		v = tr_number(p, n, &i);
		while (i < n && p[i] == ' ')
			i++;
		if (n - i >= 6 && !memcmp(p + i, "failed", 6))
			tr_count(c, &c->r->failed, v, add, format);
		else if (n - i >= 6 && !memcmp(p + i, "passed", 6))
			tr_count(c, &c->r->passed, v, add, format);
		else if (n - i >= 7 && !memcmp(p + i, "skipped", 7))
			tr_count(c, &c->r->skipped, v, add, format);
		else if (n - i >= 7 && !memcmp(p + i, "ignored", 7))
			tr_count(c, &c->r->skipped, v, add, format);
		else if (n - i >= 5 && !memcmp(p + i, "error", 5))
			/* pytest's errors are failures too. */
			tr_count(c, &c->r->failed, v, c->r->failed >= 0,
				 format);
	}
}

/* The test part of a pytest node id: "a.py::Cls::test_x" -> "Cls.test_x". */
static int tr_pytest_same(const char *nodeid, size_t n, const char *section)
{
	const char *sep = tr_find(nodeid, n, "::");
	size_t sl = strlen(section), i, j;

	if (!sep)
		return 0;
	sep += 2;
	n -= (size_t)(sep - nodeid);
	for (i = 0, j = 0; i < n && j < sl; i++, j++) {
		if (i + 1 < n && sep[i] == ':' && sep[i + 1] == ':' &&
		    section[j] == '.') {
			i++;
			continue;
		}
		if (sep[i] != section[j])
			return 0;
	}
	return i == n && j == sl;
}

static int tr_pytest(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	const char *p = l->p, *file;
	size_t n = l->n, i, flen;
	long lno;

	/* "==== 1 failed, 2 passed in 0.03s ====" */
	if (n > 10 && p[0] == '=' && p[n - 1] == '=' &&
	    (tr_find(p, n, " in ") || tr_find(p, n, "no tests ran"))) {
		tr_counts_words(c, p, n, 0, "pytest");
		c->pytest_failures = 0;
		c->pytest = NULL;
		return 1;
	}
	if (n > 6 && p[0] == '=' && p[n - 1] == '=') {
		c->boundary[idx] = 1;
		c->pytest_failures = tr_find(p, n, " FAILURES ") ||
				     tr_find(p, n, " ERRORS ");
		c->pytest = NULL;
		return 1;
	}
	/* "____ TestCls.test_x ____" opens one failure's section. */
	if (c->pytest_failures && n > 8 && p[0] == '_' && p[1] == '_' &&
	    p[n - 1] == '_') {
		const char *name;
		size_t nn;

		for (i = 0; i < n && p[i] == '_'; i++)
			;
		name = p + i;
		nn = n - i;
		while (nn && name[nn - 1] == '_')
			nn--;
		tr_trim(&name, &nn);
		if (nn > 9 && !memcmp(name, "ERROR at ", 9)) {
			/* "ERROR at setup of test_x" */
			const char *of = tr_find(name, nn, " of ");

			if (of) {
				nn -= (size_t)(of + 4 - name);
				name = of + 4;
			}
		}
		c->pytest = tr_named(c, name, nn, idx, TR_RANK_DETAIL,
				     "pytest");
		return 1;
	}
	/* "tests/test_a.py:12: AssertionError" inside a section. */
	if (c->pytest && tr_location(p, n, &file, &flen, &lno) &&
	    file == p && flen + 1 < n && p[flen] == ':') {
		const char *colon = memchr(p + flen + 1, ':', n - flen - 1);

		if (c->pytest->file)
			free(c->pytest->file);
		c->pytest->file = NULL;
		tr_set_file(c->pytest, file, flen, lno);
		if (colon && !c->pytest->message)
			tr_set_message(c->pytest, colon + 1,
				       n - (size_t)(colon + 1 - p));
		return 1;
	}
	if (c->pytest && n > 2 && p[0] == 'E' && p[1] == ' ') {
		if (!c->pytest->message)
			tr_set_message(c->pytest, p + 2, n - 2);
		return 1;
	}
	/* "FAILED tests/a.py::test_x - AssertionError: ..." */
	if (tr_prefix(l, "FAILED ") || tr_prefix(l, "ERROR ")) {
		const char *id = p + (p[0] == 'F' ? 7 : 6);
		size_t idn = n - (size_t)(id - p), k;
		const char *dash = tr_find(id, idn, " - ");
		struct testreport_failure *f = NULL;

		if (!tr_find(id, idn, "::") && !tr_find(id, idn, ".py"))
			return 0;
		if (dash)
			idn = (size_t)(dash - id);
		tr_trim(&id, &idn);
		for (k = 0; k < c->r->nr; k++) {
			struct testreport_failure *g = &c->r->failures[k];

			if (g->name && tr_pytest_same(id, idn, g->name)) {
				free(g->name);
				g->name = tr_strndup(id, idn);
				f = g;
				break;
			}
		}
		if (!f)
			f = tr_named(c, id, idn, idx, TR_RANK_SUMMARY,
				     "pytest");
		if (f && dash)
			tr_set_message(f, dash + 3, n - (size_t)(dash + 3 - p));
		if (f && !f->file) {
			const char *sep = tr_find(id, idn, "::");

			if (sep)
				tr_set_file(f, id, (size_t)(sep - id), 0);
		}
		return 1;
	}
	return 0;
}

/* ---- go test ---- */

static int tr_go(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	size_t ind = tr_indent(l);
	const char *p = l->p + ind, *file;
	size_t n = l->n - ind, flen;
	struct tr_line t = { p, n };
	long lno;

	if (tr_prefix(&t, "=== RUN ")) {
		c->boundary[idx] = 1;
		c->go_run = idx + 1;
		c->go = NULL;
		return 1;
	}
	if (tr_prefix(&t, "--- FAIL: ") || tr_prefix(&t, "--- PASS: ") ||
	    tr_prefix(&t, "--- SKIP: ")) {
		const char *name = p + 10, *sp;
		size_t nn = n - 10, k;

		sp = memchr(name, ' ', nn);
		if (sp)
			nn = (size_t)(sp - name);
		c->boundary[idx] = 1;
		if (p[4] == 'P') {
			if (!ind)
				c->go_pass++;
			c->go = NULL;
			return 1;
		}
		if (p[4] == 'S') {
			if (!ind)
				c->go_skip++;
			c->go = NULL;
			return 1;
		}
		if (!ind)
			c->go_fail++;
		c->go = tr_named(c, name, nn, idx, TR_RANK_LINE, "go");
		/*
		 * With -v the log lines came before: look back to the RUN,
		 * once and not far, so hostile output stays linear.
		 */
		if (c->go && c->go->file)
			c->go_run = 0;
		if (c->go_run && idx - c->go_run > 200)
			c->go_run = idx - 200;
		for (k = c->go_run; c->go && k && k - 1 < idx; k++) {
			const struct tr_line *b = &c->lines[k - 1];
			size_t bi = tr_indent(b);

			if (bi && tr_location(b->p + bi, b->n - bi, &file,
					      &flen, &lno) &&
			    file == b->p + bi && tr_find(file, flen, ".go")) {
				const char *m = file + flen;
				size_t mn = b->n - (size_t)(m - b->p);
				const char *colon = memchr(m + 1, ':', mn - 1);

				tr_set_file(c->go, file, flen, lno);
				if (colon)
					tr_set_message(c->go, colon + 1,
						       b->n - (size_t)(colon +
								1 - b->p));
				break;
			}
		}
		c->go_run = 0;
		return 1;
	}
	if (c->go && ind && tr_location(p, n, &file, &flen, &lno) &&
	    file == p && tr_find(file, flen, ".go")) {
		const char *colon = memchr(p + flen + 1, ':', n - flen - 1);

		tr_set_file(c->go, file, flen, lno);
		if (colon)
			tr_set_message(c->go, colon + 1,
				       n - (size_t)(colon + 1 - p));
		return 1;
	}
	if (!ind && (tr_prefix(&t, "FAIL\t") || tr_prefix(&t, "ok  \t") ||
		     (n == 4 && !memcmp(p, "FAIL", 4)) ||
		     (n == 4 && !memcmp(p, "PASS", 4)))) {
		c->boundary[idx] = 1;
		c->go = NULL;
		if (!c->r->format)
			c->r->format = "go";
		return 1;
	}
	if (!ind && tr_prefix(&t, "panic: ") && c->go)
		tr_set_message(c->go, p, n);
	if (!ind)
		c->go = NULL;
	return 0;
}

/* ---- cargo test ---- */

static int tr_cargo(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	const char *p = l->p, *file;
	size_t n = l->n, flen;
	long lno;

	/* "test tests::adds ... FAILED" */
	if (tr_prefix(l, "test ") && n > 16 &&
	    !memcmp(p + n - 11, " ... FAILED", 11)) {
		tr_named(c, p + 5, n - 16, idx, TR_RANK_LINE, "cargo");
		return 1;
	}
	if (tr_prefix(l, "test ") && (tr_find(p, n, " ... ok") ||
				      tr_find(p, n, " ... ignored")))
		c->boundary[idx] = 1;
	if (tr_prefix(l, "test result: ")) {
		tr_counts_words(c, p + 13, n - 13, 1, "cargo");
		return 1;
	}
	/* "---- tests::adds stdout ----" */
	if (tr_prefix(l, "---- ") && n > 17 &&
	    !memcmp(p + n - 12, " stdout ----", 12)) {
		c->cargo = tr_named(c, p + 5, n - 17, idx, TR_RANK_DETAIL,
				    "cargo");
		return 1;
	}
	/*
	 * "thread 'x' panicked at src/lib.rs:10:5:" (message on the next
	 * line) or, before Rust 1.73, "... panicked at 'msg', src/lib.rs:10:5".
	 */
	if (tr_prefix(l, "thread '") &&
	    tr_find(p + 8, n - 8, "' panicked at ")) {
		const char *q = tr_find(p + 8, n - 8, "' panicked at ");
		struct testreport_failure *f;
		const char *rest = q + 14;
		size_t rn = n - (size_t)(rest - p);

		f = tr_named(c, p + 8, (size_t)(q - p - 8), idx,
			     TR_RANK_DETAIL, "cargo");
		if (!f)
			return 1;
		if (rn > 1 && rest[0] == '\'') {
			const char *end = tr_find(rest + 1, rn - 1, "', ");

			if (end) {
				tr_set_message(f, rest + 1,
					       (size_t)(end - rest - 1));
				rn -= (size_t)(end + 3 - rest);
				rest = end + 3;
			}
		} else if (idx + 1 < c->nr) {
			tr_set_message(f, c->lines[idx + 1].p,
				       c->lines[idx + 1].n);
		}
		if (tr_location(rest, rn, &file, &flen, &lno))
			tr_set_file(f, file, flen, lno);
		return 1;
	}
	return 0;
}

/* ---- jest and node's spec reporter ---- */

#define TR_BULLET "\xe2\x97\x8f "	/* ● */
#define TR_CROSS "\xe2\x9c\x96 "	/* ✖ */
#define TR_INFO "\xe2\x84\xb9 "		/* ℹ */

static int tr_jest(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	size_t ind = tr_indent(l), bl = strlen(TR_BULLET);
	const char *p = l->p + ind, *file;
	size_t n = l->n - ind, flen;
	struct tr_line t = { p, n };
	long lno;

	if (!ind && tr_prefix(&t, "FAIL ")) {
		c->boundary[idx] = 1;
		c->jest_file = p + 5;
		c->jest_file_n = n - 5;
		tr_trim(&c->jest_file, &c->jest_file_n);
		c->jest = NULL;
		if (!c->r->format)
			c->r->format = "jest";
		return 1;
	}
	if (!ind && tr_prefix(&t, "PASS ")) {
		c->boundary[idx] = 1;
		c->jest = NULL;
		return 0;
	}
	if (tr_prefix(&t, TR_BULLET)) {
		const char *name = p + bl;
		size_t nn = n - bl;

		tr_trim(&name, &nn);
		if (nn == 24 && !memcmp(name, "Test suite failed to run", 24) &&
		    c->jest_file) {
			name = c->jest_file;
			nn = c->jest_file_n;
		}
		c->jest = tr_named(c, name, nn, idx, TR_RANK_DETAIL, "jest");
		if (c->jest && c->jest_file)
			tr_set_file(c->jest, c->jest_file, c->jest_file_n, 0);
		return 1;
	}
	if (c->jest) {
		if (tr_prefix(&t, "at ") &&
		    tr_location(p, n, &file, &flen, &lno)) {
			if (!c->jest->line) {
				free(c->jest->file);
				c->jest->file = NULL;
				tr_set_file(c->jest, file, flen, lno);
			}
			return 1;
		}
		if (n && !c->jest->message && !tr_prefix(&t, ">") &&
		    !tr_isdigit(p[0]))
			tr_set_message(c->jest, p, n);
	}
	if (tr_prefix(&t, "Tests:") && tr_find(p, n, "total")) {
		tr_counts_words(c, p + 6, n - 6, 0, "jest");
		return 1;
	}
	return 0;
}

static int tr_node(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	size_t ind = tr_indent(l), cl = strlen(TR_CROSS), il = strlen(TR_INFO);
	const char *p = l->p + ind, *file;
	size_t n = l->n - ind, flen, i;
	struct tr_line t = { p, n };
	long lno;

	if (tr_prefix(&t, "test at ")) {
		c->boundary[idx] = 1;
		c->node_at = idx + 1;
		return 1;
	}
	if (tr_prefix(&t, TR_CROSS)) {
		const char *name = p + cl, *paren;
		size_t nn = n - cl;
		struct testreport_failure *f;

		if (nn >= 14 && !memcmp(name, "failing tests:", 14))
			return 1;
		/* Drop the trailing " (1.23ms)". */
		paren = NULL;
		for (i = nn; i > 0; i--)
			if (name[i - 1] == '(') {
				paren = name + i - 1;
				break;
			}
		if (paren && name[nn - 1] == ')' && tr_find(paren, nn -
		    (size_t)(paren - name), "ms)"))
			nn = (size_t)(paren - name);
		f = tr_named(c, name, nn, idx, c->node_at ? TR_RANK_DETAIL :
			     TR_RANK_LINE, "node");
		if (f && c->node_at) {
			const struct tr_line *a = &c->lines[c->node_at - 1];

			if (tr_location(a->p, a->n, &file, &flen, &lno))
				tr_set_file(f, file, flen, lno);
		}
		c->node_at = 0;
		if (f && idx + 1 < c->nr)
			tr_set_message(f, c->lines[idx + 1].p,
				       c->lines[idx + 1].n);
		return 1;
	}
	if (tr_prefix(&t, TR_INFO)) {
		const char *q = p + il;
		size_t qn = n - il;

		i = 0;
		if (qn > 5 && !memcmp(q, "pass ", 5)) {
			i = 5;
			tr_count(c, &c->r->passed, tr_number(q, qn, &i), 0,
				 "node");
		} else if (qn > 5 && !memcmp(q, "fail ", 5)) {
			i = 5;
			tr_count(c, &c->r->failed, tr_number(q, qn, &i), 0,
				 "node");
		} else if (qn > 8 && !memcmp(q, "skipped ", 8)) {
			i = 8;
			tr_count(c, &c->r->skipped, tr_number(q, qn, &i), 0,
				 "node");
		}
		return 1;
	}
	return 0;
}

/* ---- ctest ---- */

static int tr_ctest(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	size_t ind = tr_indent(l);
	const char *p = l->p + ind, *q, *stars;
	size_t n = l->n - ind, i;
	struct tr_line t = { p, n };

	if (tr_prefix(&t, "The following tests FAILED:")) {
		c->ctest_list = 1;
		return 1;
	}
	if (c->ctest_list) {
		/* "1 - name (Failed)" */
		i = 0;
		if (tr_number(p, n, &i) >= 0 && n - i > 3 &&
		    !memcmp(p + i, " - ", 3)) {
			const char *name = p + i + 3;
			size_t nn = n - i - 3;
			const char *paren = NULL;
			size_t k;
			struct testreport_failure *f;

			for (k = nn; k > 0; k--)
				if (name[k - 1] == '(') {
					paren = name + k - 1;
					break;
				}
			if (paren)
				nn = (size_t)(paren - name);
			f = tr_named(c, name, nn, idx, TR_RANK_SUMMARY,
				     "ctest");
			if (f && paren)
				tr_set_message(f, paren + 1, (size_t)(p + n -
					       paren - 1) - (p[n - 1] == ')'));
			return 1;
		}
		c->ctest_list = 0;
	}
	/* "1/3 Test #1: name .....***Failed  0.01 sec" */
	if ((q = tr_find(p, n, "Test ")) && (q == p || q[-1] == ' ') &&
	    (stars = tr_find(p, n, "***"))) {
		const char *hash = q + 5, *name, *end;
		size_t rest;

		while (hash < stars && *hash == ' ')
			hash++;
		if (hash >= stars || *hash != '#')
			return 0;
		name = memchr(hash, ':', (size_t)(stars - hash));
		if (!name)
			return 0;
		name++;
		while (name < stars && *name == ' ')
			name++;
		end = memchr(name, ' ', (size_t)(stars - name));
		if (!end)
			end = stars;
		rest = n - (size_t)(stars + 3 - p);
		{
			struct testreport_failure *f;
			const char *m = stars + 3;
			size_t mn = rest, k;

			for (k = 0; k + 1 < mn; k++)
				if (m[k] == ' ' && m[k + 1] == ' ')
					break;
			if (k + 1 < mn)
				mn = k;
			f = tr_named(c, name, (size_t)(end - name), idx,
				     TR_RANK_DETAIL, "ctest");
			tr_set_message(f, m, mn);
		}
		return 1;
	}
	/* "67% tests passed, 1 tests failed out of 3" */
	if ((q = tr_find(p, n, " tests failed out of "))) {
		size_t k = 0;
		long failed, total;
		const char *comma = tr_find(p, n, ", ");

		if (!comma || comma > q)
			return 0;
		k = (size_t)(comma + 2 - p);
		failed = tr_number(p, n, &k);
		k = (size_t)(q + 21 - p);
		total = tr_number(p, n, &k);
		if (failed >= 0 && total >= failed) {
			tr_count(c, &c->r->failed, failed, 0, "ctest");
			tr_count(c, &c->r->passed, total - failed, 0, "ctest");
		}
		return 1;
	}
	return 0;
}

/* ---- compiler errors ---- */

static int tr_compile(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	const char *p = l->p, *file, *q;
	size_t n = l->n, flen, i;
	long lno;

	if (!n || p[0] == ' ' || p[0] == '\t')
		return 0;
	/* gcc/clang/javac: "file:12:5: error: msg", "file:12: error: msg" */
	if (tr_location(p, n, &file, &flen, &lno) && file == p) {
		i = flen + 1;
		tr_number(p, n, &i);
		if (i < n && p[i] == ':') {
			size_t j = i + 1;

			if (tr_number(p, n, &j) >= 0)
				i = j;
		}
		if (i < n && p[i] == ':')
			i++;
		while (i < n && p[i] == ' ')
			i++;
		q = p + i;
		if (n - i > 7 && !memcmp(q, "error: ", 7)) {
			tr_compiler(c, idx, file, flen, lno, q + 7, n - i - 7);
			return 1;
		}
		if (n - i > 13 && !memcmp(q, "fatal error: ", 13)) {
			tr_compiler(c, idx, file, flen, lno, q + 13,
				    n - i - 13);
			return 1;
		}
		/* go build: "./x.go:3:2: undefined: y" */
		if (flen > 3 && !memcmp(file + flen - 3, ".go", 3) &&
		    i < n && p[flen + 1] != ' ') {
			tr_compiler(c, idx, file, flen, lno, q, n - i);
			return 1;
		}
		return 0;
	}
	/* tsc: "src/a.ts(3,5): error TS2322: msg" */
	if ((q = tr_find(p, n, "): error TS"))) {
		const char *open = NULL;

		for (i = (size_t)(q - p); i > 0; i--)
			if (p[i - 1] == '(') {
				open = p + i - 1;
				break;
			}
		if (open && open > p) {
			size_t k = (size_t)(open + 1 - p);

			lno = tr_number(p, n, &k);
			if (lno > 0)
				tr_compiler(c, idx, p, (size_t)(open - p), lno,
					    q + 3, n - (size_t)(q + 3 - p));
			return 1;
		}
	}
	/* rustc: "error[E0425]: msg" then " --> src/main.rs:2:5" */
	if (tr_prefix(l, "error[") || (tr_prefix(l, "error: ") &&
				       idx + 1 < c->nr)) {
		const char *colon = memchr(p, ':', n);
		size_t k;

		for (k = idx + 1; colon && k < c->nr && k <= idx + 3; k++) {
			const struct tr_line *a = &c->lines[k];
			size_t ai = tr_indent(a);

			if (a->n - ai > 4 && !memcmp(a->p + ai, "--> ", 4) &&
			    tr_location(a->p + ai + 4, a->n - ai - 4, &file,
					&flen, &lno)) {
				tr_compiler(c, idx, file, flen, lno, colon + 1,
					    n - (size_t)(colon + 1 - p));
				return 1;
			}
		}
	}
	return 0;
}

/* ---- Python's unittest ---- */

/*
 * The id of "test_x (pkg.mod.Cls.test_x)" (Python 3.11+) or of
 * "test_x (pkg.mod.Cls)" (before), as "pkg.mod.Cls.test_x", into `out`;
 * 0 when the span is not of that shape.
 */
static int tr_unittest_id(struct buf *out, const char *p, size_t n)
{
	const char *open = memchr(p, '(', n), *close;
	size_t mn, in, i;

	if (!open || open == p || open[-1] != ' ')
		return 0;
	mn = (size_t)(open - 1 - p);
	close = memchr(open, ')', n - (size_t)(open - p));
	if (!close || !mn)
		return 0;
	for (i = 0; i < mn; i++)
		if (!tr_isalpha(p[i]) && !tr_isdigit(p[i]) && p[i] != '_')
			return 0;
	in = (size_t)(close - open - 1);
	for (i = 0; i < in; i++)
		if (!tr_isalpha(open[1 + i]) && !tr_isdigit(open[1 + i]) &&
		    open[1 + i] != '_' && open[1 + i] != '.')
			return 0;
	if (!in)
		return 0;
	buf_reset(out);
	buf_add(out, open + 1, in);
	if (in <= mn || memcmp(open + 1 + in - mn, p, mn) ||
	    open[in - mn] != '.') {
		buf_putc(out, '.');
		buf_add(out, p, mn);
	}
	return 1;
}

static int tr_unittest(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];
	const char *p = l->p, *q;
	size_t n = l->n, k;
	struct buf id = BUF_INIT;
	int rc = 0;

	/* "FAIL: test_x (m.C.test_x)" / "ERROR: ..." opens a block. */
	if ((n > 6 && !memcmp(p, "FAIL: ", 6)) ||
	    (n > 7 && !memcmp(p, "ERROR: ", 7))) {
		size_t skip = p[0] == 'F' ? 6 : 7;

		if (tr_unittest_id(&id, p + skip, n - skip)) {
			c->ut = tr_named(c, id.ptr, id.len, idx,
					 TR_RANK_DETAIL, "unittest");
			c->ut_frame = 0;
			rc = 1;
		}
		goto out;
	}
	/* "test_x (m.C.test_x) ... FAIL" in verbose mode. */
	if (n > 9 && ((q = tr_find(p, n, " ... FAIL")) ||
		      (q = tr_find(p, n, " ... ERROR"))) &&
	    (q[5] == 'F' ? q + 9 : q + 10) == p + n &&
	    tr_unittest_id(&id, p, (size_t)(q - p))) {
		tr_named(c, id.ptr, id.len, idx, TR_RANK_LINE, "unittest");
		rc = 1;
		goto out;
	}
	/* "Ran 3 tests in 0.01s", then "FAILED (failures=1, errors=1)" */
	if (n > 4 && !memcmp(p, "Ran ", 4) && tr_isdigit(p[4]) &&
	    tr_find(p, n, " in ")) {
		long ran;

		k = 4;
		ran = tr_number(p, n, &k);
		c->boundary[idx] = 1;
		if (k < n && p[k] == ' ' && idx + 2 < c->nr) {
			const struct tr_line *s = &c->lines[idx + 2];
			const char *e = s->p + s->n, *w, *eq;
			long failed = 0, skipped = 0, v;

			if (!(s->n >= 2 && !memcmp(s->p, "OK", 2)) &&
			    !(s->n >= 6 && !memcmp(s->p, "FAILED", 6)))
				goto out;
			/* "(failures=1, errors=2, skipped=3, expected
			 * failures=1, unexpected successes=1)" */
			w = memchr(s->p, '(', s->n);
			while (w && w < e) {
				size_t key;

				w++;
				while (w < e && *w == ' ')
					w++;
				if (!(eq = memchr(w, '=', (size_t)(e - w))))
					break;
				key = (size_t)(eq - w);
				k = (size_t)(eq + 1 - s->p);
				v = tr_number(s->p, s->n, &k);
				if (v > 0 && key == 7 && !memcmp(w, "skipped", 7))
					skipped += v;
				else if (v > 0 &&
					 ((key == 8 && !memcmp(w, "failures", 8)) ||
					  (key == 6 && !memcmp(w, "errors", 6)) ||
					  (key == 20 && !memcmp(w, "unexpected "
								"successes",
								20))))
					failed += v;
				w = memchr(eq, ',', (size_t)(e - eq));
			}
			tr_count(c, &c->r->failed, failed, 0, "unittest");
			tr_count(c, &c->r->skipped, skipped, 0, "unittest");
			if (ran >= failed + skipped)
				tr_count(c, &c->r->passed, ran - failed -
					 skipped, 0, "unittest");
			c->ut = NULL;
			rc = 1;
		}
		goto out;
	}
	if (!c->ut)
		goto out;
	/* A line of dashes or equals ends the block. */
	if (n >= 20 && (p[0] == '-' || p[0] == '=') && p[n - 1] == p[0]) {
		if (p[0] == '=')
			c->ut = NULL;
		goto out;
	}
	/* '  File "tests/t.py", line 5, in test_x': the frame, the test's own
	 * preferred. */
	if (n > 8 && !memcmp(p, "  File \"", 8)) {
		const char *fe = memchr(p + 8, '"', n - 8), *in;
		const char *dot = strrchr(c->ut->name, '.');
		long lno;

		if (!fe || (size_t)(p + n - fe) < 8 ||
		    memcmp(fe, "\", line ", 8))
			goto out;
		k = (size_t)(fe + 8 - p);
		lno = tr_number(p, n, &k);
		in = tr_find(p + k, n - k, ", in ");
		if (in && dot && (size_t)(p + n - (in + 5)) == strlen(dot + 1) &&
		    !memcmp(in + 5, dot + 1, strlen(dot + 1))) {
			free(c->ut->file);
			c->ut->file = NULL;
			tr_set_file(c->ut, p + 8, (size_t)(fe - p - 8), lno);
			c->ut_frame = 1;
		} else if (!c->ut_frame) {
			free(c->ut->file);
			c->ut->file = NULL;
			tr_set_file(c->ut, p + 8, (size_t)(fe - p - 8), lno);
		}
		rc = 1;
		goto out;
	}
	/* "AssertionError: 1 != 2": the exception, flush left. */
	if (n && p[0] != ' ' && (n < 9 || memcmp(p, "Traceback", 9))) {
		free(c->ut->message);
		c->ut->message = NULL;
		tr_set_message(c->ut, p, n);
		rc = 1;
	}
out:
	buf_release(&id);
	return rc;
}

/* ---- make ---- */

static void tr_make(struct tr_ctx *c, size_t idx)
{
	const struct tr_line *l = &c->lines[idx];

	if (c->make_line)
		return;
	if ((tr_prefix(l, "make: *** [") || tr_prefix(l, "make[")) &&
	    tr_find(l->p, l->n, "*** [") && tr_find(l->p, l->n, "] Error"))
		c->make_line = idx + 1;
}

/*
 * The excerpt of make's own failure: what the recipe printed last (a
 * traceback, a crash), up to and with make's line, which alone says
 * nothing. The newest lines win when they do not all fit.
 */
static void tr_make_excerpt(struct tr_ctx *c, struct testreport_failure *f,
			    size_t make_idx)
{
	struct buf ex = BUF_INIT;
	size_t from, k, bytes = 0;

	from = make_idx + 1 > TESTREPORT_EXCERPT_LINES ?
	       make_idx + 1 - TESTREPORT_EXCERPT_LINES : 0;
	for (k = make_idx + 1; k > from; k--) {
		if (bytes + c->lines[k - 1].n + 1 > TESTREPORT_MAX_EXCERPT)
			break;
		bytes += c->lines[k - 1].n + 1;
	}
	for (; k <= make_idx; k++) {
		buf_add(&ex, c->lines[k].p, c->lines[k].n);
		buf_putc(&ex, '\n');
	}
	buf_rtrim(&ex);
	if (ex.len)
		f->excerpt = xstrndup(ex.ptr, ex.len);
	buf_release(&ex);
}

static void tr_make_finish(struct tr_ctx *c)
{
	const struct tr_line *l;
	const char *open, *close, *file, *target;
	size_t flen = 0, tn;
	long lno = 0;
	struct testreport_failure *f;

	if (!c->make_line || c->r->nr)
		return;
	l = &c->lines[c->make_line - 1];
	open = tr_find(l->p, l->n, "*** [") + 5;
	close = tr_find(open, l->n - (size_t)(open - l->p), "] Error");
	if (!close)
		return;
	/* "[Makefile:3: test]" or the old "[test]" */
	target = open;
	tn = (size_t)(close - open);
	if (tr_location(open, tn, &file, &flen, &lno) && file == open) {
		const char *sp = memchr(open, ' ', tn);

		if (sp) {
			target = sp + 1;
			tn = (size_t)(close - target);
		}
	} else if (tn > 9 && !memcmp(open, "Makefile:", 9)) {
		size_t k = 9;
		const char *sp = memchr(open, ' ', tn);

		file = open;
		flen = 8;
		lno = tr_number(open, tn, &k);
		if (sp) {
			target = sp + 1;
			tn = (size_t)(close - target);
		}
	} else {
		flen = 0;
	}
	if (!c->r->format)
		c->r->format = "make";
	f = tr_named(c, target, tn, c->make_line - 1, TR_RANK_LINE, "make");
	if (f && flen)
		tr_set_file(f, file, flen, lno);
	if (f)
		tr_set_message(f, close + 2, l->n - (size_t)(close + 2 - l->p));
	if (f && !f->excerpt)
		tr_make_excerpt(c, f, c->make_line - 1);
}

/* ---- driver ---- */

/*
 * Copy the text without ANSI escape sequences and carriage returns, so
 * colourised runners parse like plain ones.
 */
static void tr_clean(struct buf *out, const char *text, size_t len)
{
	size_t i = 0, start = 0;

	buf_grow(out, len);
	while (i < len) {
		if (text[i] == '\r') {
			buf_add(out, text + start, i - start);
			start = ++i;
			continue;
		}
		if (text[i] != 0x1b) {
			i++;
			continue;
		}
		buf_add(out, text + start, i - start);
		i++;
		if (i < len && text[i] == '[') {
			i++;
			while (i < len && !(text[i] >= 0x40 && text[i] <= 0x7e))
				i++;
			if (i < len)
				i++;
		} else if (i < len && text[i] == ']') {
			/* OSC: up to BEL or ESC \ */
			while (i < len && text[i] != 0x07 && text[i] != 0x1b)
				i++;
			if (i < len && text[i] == 0x07)
				i++;
		} else if (i < len) {
			i++;
		}
		start = i;
	}
	buf_add(out, text + start, len - start);
}

static void tr_excerpts(struct tr_ctx *c)
{
	struct buf ex = BUF_INIT;
	size_t i, k;

	for (i = 0; i < c->r->nr; i++) {
		struct testreport_failure *f = &c->r->failures[i];
		size_t from = f->anchor, to;

		if (f->excerpt || from >= c->nr)
			continue;
		/* "test at file:line" belongs with the ✖ line after it. */
		if (from && c->boundary[from - 1] &&
		    tr_prefix(&c->lines[from - 1], "test at "))
			from--;
		to = from + TESTREPORT_EXCERPT_LINES;
		if (to > c->nr)
			to = c->nr;
		buf_reset(&ex);
		for (k = from; k < to; k++) {
			const struct tr_line *l = &c->lines[k];

			if (k > from && c->boundary[k] &&
			    !(k == from + 1 && tr_prefix(&c->lines[from],
							 "test at ")))
				break;

			if (ex.len + l->n + 1 > TESTREPORT_MAX_EXCERPT) {
				size_t room = TESTREPORT_MAX_EXCERPT - ex.len;

				if (room > 1)
					buf_add(&ex, l->p, room - 1);
				break;
			}
			buf_add(&ex, l->p, l->n);
			buf_putc(&ex, '\n');
		}
		buf_rtrim(&ex);
		f->excerpt = xstrndup(ex.ptr, ex.len);
	}
	buf_release(&ex);
}

void testreport_init(struct testreport *r)
{
	memset(r, 0, sizeof(*r));
	r->passed = r->failed = r->skipped = -1;
}

void testreport_release(struct testreport *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		free(r->failures[i].name);
		free(r->failures[i].file);
		free(r->failures[i].message);
		free(r->failures[i].excerpt);
	}
	free(r->failures);
	testreport_init(r);
}

void testreport_parse(struct testreport *r, const char *text, size_t len)
{
	struct buf clean = BUF_INIT;
	struct tr_ctx c;
	size_t alloc = 0, i, start = 0;

	memset(&c, 0, sizeof(c));
	c.r = r;
	/*
	 * The recognisers keep pointers to failures across lines, so the
	 * array must not move while parsing: allocate its bound up front.
	 */
	if (r->alloc < TESTREPORT_MAX_FAILURES) {
		r->failures = xrealloc(r->failures, TESTREPORT_MAX_FAILURES *
				       sizeof(*r->failures));
		r->alloc = TESTREPORT_MAX_FAILURES;
	}
	tr_clean(&clean, text, len);
	for (i = 0; i <= clean.len; i++) {
		if (i < clean.len && clean.ptr[i] != '\n')
			continue;
		if (i == clean.len && start == i)
			break;
		ALLOC_GROW(c.lines, c.nr, alloc);
		c.lines[c.nr].p = clean.ptr + start;
		c.lines[c.nr].n = i - start;
		c.nr++;
		start = i + 1;
	}
	c.boundary = xcalloc(c.nr + 1, 1);
	for (i = 0; i < c.nr; i++) {
		tr_tap_counts(&c, &c.lines[i]);
		tr_make(&c, i);
		if (tr_tap(&c, i))
			continue;
		if (tr_pytest(&c, i) || tr_unittest(&c, i) ||
		    tr_go(&c, i) || tr_cargo(&c, i) ||
		    tr_jest(&c, i) || tr_node(&c, i) || tr_ctest(&c, i))
			continue;
		tr_compile(&c, i);
	}
	if (c.go_pass || c.go_fail || c.go_skip) {
		if (r->passed < 0 && c.go_pass)
			r->passed = c.go_pass;
		if (r->failed < 0 && c.go_fail)
			r->failed = c.go_fail;
		if (r->skipped < 0 && c.go_skip)
			r->skipped = c.go_skip;
	}
	tr_make_finish(&c);
	tr_excerpts(&c);
	free(c.lines);
	free(c.boundary);
	buf_release(&clean);
}
