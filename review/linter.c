/*
 * linter.c - parsers for what external linters print: gcc-style lines,
 * SARIF 2.1.0, rdjson/rdjsonl and checkstyle XML (see linter.h).
 *
 * Not for running linters (actions/linters.c does that) or for deciding
 * which findings matter (the diff filter does that). Each parser reads
 * the whole text, adds what it can and counts what it cannot; the rules
 * shared by all four (paths, severities, rule ids, message length) live
 * in review_linter_add().
 *
 * The input is untrusted and may be anything: every number is range
 * checked, every string is bounded, nothing is assumed NUL-terminated.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "review/linter.h"

/* Line and column numbers above this are nonsense, not positions. */
#define REVIEW_LINTER_MAX_POS 100000000UL
/* How much of an offending line an error message quotes. */
#define REVIEW_LINTER_QUOTE 80

struct review_linter_ctx {
	struct review_findings *out;
	const char *name;
	char *root;		/* normalised repo root, or NULL */
	size_t added;
	size_t skipped;
	size_t first_added;	/* out->nr when parsing started */
};

/* One diagnostic as a parser found it; strings are not NUL-terminated. */
struct review_linter_item {
	const char *path;
	size_t path_len;
	int path_is_uri;
	long long line, col, end_line, end_col;
	enum review_severity severity;
	const char *code;
	size_t code_len;
	const char *msg;
	size_t msg_len;
	const char *suggestion;	/* NUL-terminated, or NULL */
};

int review_linter_format_parse(enum review_linter_format *out,
			       const char *name)
{
	if (!strcmp(name, "gcc"))
		*out = REVIEW_LINTER_GCC;
	else if (!strcmp(name, "sarif"))
		*out = REVIEW_LINTER_SARIF;
	else if (!strcmp(name, "rdjson") || !strcmp(name, "rdjsonl"))
		*out = REVIEW_LINTER_RDJSON;
	else if (!strcmp(name, "checkstyle"))
		*out = REVIEW_LINTER_CHECKSTYLE;
	else
		return TEND_EINVALID;
	return 0;
}

const char *review_linter_format_name(enum review_linter_format fmt)
{
	switch (fmt) {
	case REVIEW_LINTER_SARIF: return "sarif";
	case REVIEW_LINTER_RDJSON: return "rdjson";
	case REVIEW_LINTER_CHECKSTYLE: return "checkstyle";
	default: return "gcc";
	}
}

/* ---- shared helpers ---- */

static int review_linter_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *review_linter_path(const char *path, size_t len, int is_uri,
			 const char *repo_root)
{
	struct buf raw = BUF_INIT, norm = BUF_INIT;
	size_t i, root_len, *segs = NULL, nr_segs = 0, alloc_segs = 0;
	const char *p;
	int absolute;
	char *ret = NULL;

	if (memchr(path, '\0', len))
		return NULL;
	if (is_uri) {
		if (len >= 7 && !strncmp(path, "file://", 7)) {
			const char *slash;

			path += 7;
			len -= 7;
			/* file://host/path: keep the path. */
			slash = memchr(path, '/', len);
			if (!slash)
				return NULL;
			len -= (size_t)(slash - path);
			path = slash;
		} else if (len >= 5 && !strncmp(path, "file:", 5)) {
			path += 5;
			len -= 5;
		}
		for (i = 0; i < len; i++) {
			const unsigned char *u = (const unsigned char *)path;
			int hi = -1, lo = -1;

			if (u[i] == '%' && i + 2 < len) {
				hi = review_linter_hex(u[i + 1]);
				lo = review_linter_hex(u[i + 2]);
			}
			if (hi >= 0 && lo >= 0 && (hi || lo)) {
				buf_putc(&raw, hi * 16 + lo);
				i += 2;
			} else if (path[i] == '?' || path[i] == '#') {
				break;
			} else {
				buf_putc(&raw, path[i]);
			}
		}
	} else {
		buf_add(&raw, path, len);
	}

	/* Split into segments, dropping "", "." and resolving "..". */
	absolute = raw.len && raw.ptr[0] == '/';
	p = raw.ptr;
	while (p < raw.ptr + raw.len) {
		const char *e = memchr(p, '/', (size_t)(raw.ptr + raw.len - p));
		size_t n;
		int dotdot, last_dotdot;

		if (!e)
			e = raw.ptr + raw.len;
		n = (size_t)(e - p);
		dotdot = n == 2 && p[0] == '.' && p[1] == '.';
		last_dotdot =
		    nr_segs && segs[2 * nr_segs - 1] == 2 &&
		    !strncmp(raw.ptr + segs[2 * nr_segs - 2], "..", 2);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* "a//b", "a/./b" */
		} else if (dotdot && nr_segs && !last_dotdot) {
			nr_segs--;
		} else if (dotdot && !nr_segs && absolute) {
			/* "/.." is "/" */
		} else {
			segs = xgrow(segs, &alloc_segs, 2 * (nr_segs + 1),
				     sizeof(*segs));
			segs[2 * nr_segs] = (size_t)(p - raw.ptr);
			segs[2 * nr_segs + 1] = n;
			nr_segs++;
		}
		p = e + 1;
	}
	for (i = 0; i < nr_segs; i++) {
		if (i || absolute)
			buf_putc(&norm, '/');
		buf_add(&norm, raw.ptr + segs[2 * i], segs[2 * i + 1]);
	}

	if (absolute && repo_root && *repo_root) {
		root_len = strlen(repo_root);
		while (root_len > 1 && repo_root[root_len - 1] == '/')
			root_len--;
		if (root_len == 1 && repo_root[0] == '/') {
			/* The root is "/": every absolute path is under it. */
			if (norm.len > 1) {
				ret = xstrdup(norm.ptr + 1);
				goto out;
			}
		} else if (norm.len > root_len + 1 &&
			   !strncmp(norm.ptr, repo_root, root_len) &&
			   norm.ptr[root_len] == '/') {
			ret = xstrdup(norm.ptr + root_len + 1);
			goto out;
		} else if (norm.len == root_len &&
			   !strncmp(norm.ptr, repo_root, root_len)) {
			goto out;	/* the root itself is no file */
		}
	}
	if (norm.len && !(norm.len == 1 && norm.ptr[0] == '/'))
		ret = buf_detach(&norm, NULL);
out:
	free(segs);
	buf_release(&raw);
	buf_release(&norm);
	return ret;
}

/* Cut `len` to at most `max` bytes without splitting a UTF-8 character. */
static size_t review_linter_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

static int review_linter_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

static void review_linter_trim(const char **s, size_t *len)
{
	while (*len && review_linter_space((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && review_linter_space((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static uint32_t review_linter_pos(long long v)
{
	if (v <= 0 || (unsigned long long)v > REVIEW_LINTER_MAX_POS)
		return 0;
	return (uint32_t)v;
}

/*
 * Quote untrusted text for an error message: at most REVIEW_LINTER_QUOTE
 * bytes, control characters as '?', in single quotes.
 */
static void review_linter_quote(struct buf *b, const char *s, size_t len)
{
	size_t i, n = review_linter_cut(s, len, REVIEW_LINTER_QUOTE);

	buf_putc(b, '\'');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_putc(b, c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (n < len)
		buf_puts(b, "...");
	buf_putc(b, '\'');
}

/*
 * Turn an item into a finding. Returns 0, or -1 (and counts it as
 * skipped) when it lacks a usable path or message.
 */
static int review_linter_add(struct review_linter_ctx *c,
			     const struct review_linter_item *it)
{
	struct review_finding f;
	struct buf rule = BUF_INIT, msg = BUF_INIT, src = BUF_INIT;
	const char *m = it->msg, *code = it->code;
	size_t mlen = it->msg_len, clen = it->code_len;
	char *path = NULL;

	if (m)
		review_linter_trim(&m, &mlen);
	if (code)
		review_linter_trim(&code, &clen);
	if (!it->path || !m || !mlen || memchr(m, '\0', mlen) ||
	    !(path = review_linter_path(it->path, it->path_len,
					it->path_is_uri, c->root))) {
		c->skipped++;
		return -1;
	}
	memset(&f, 0, sizeof(f));
	f.path = path;
	f.line = review_linter_pos(it->line);
	f.col = f.line ? review_linter_pos(it->col) : 0;
	f.end_line = review_linter_pos(it->end_line);
	if (f.end_line < f.line)
		f.end_line = f.line;
	f.end_col = f.line ? review_linter_pos(it->end_col) : 0;
	if (f.end_line == f.line && f.end_col && f.end_col <= f.col)
		f.end_col = 0;
	f.severity = it->severity ? it->severity : REVIEW_SEV_WARNING;
	buf_puts(&rule, c->name);
	if (code && clen && !memchr(code, '\0', clen)) {
		buf_putc(&rule, '/');
		buf_add(&rule, code, review_linter_cut(code, clen, 200));
	}
	buf_add(&msg, m, review_linter_cut(m, mlen, REVIEW_LINTER_MAX_MESSAGE));
	buf_printf(&src, "linter:%s", c->name);
	f.rule_id = rule.ptr;
	f.message = msg.ptr;
	f.source = src.ptr;
	f.suggestion = (char *)it->suggestion;
	review_findings_add(c->out, &f);
	c->added++;
	free(path);
	buf_release(&rule);
	buf_release(&msg);
	buf_release(&src);
	return 0;
}

/* A severity word as linters spell it; REVIEW_SEV_NONE when unknown. */
static enum review_severity review_linter_sev_word(const char *s, size_t len)
{
	static const struct {
		const char *word;
		enum review_severity sev;
	} words[] = {
	    {"fatal error", REVIEW_SEV_ERROR}, {"fatal", REVIEW_SEV_ERROR},
	    {"error", REVIEW_SEV_ERROR},       {"err", REVIEW_SEV_ERROR},
	    {"failure", REVIEW_SEV_ERROR},     {"critical", REVIEW_SEV_ERROR},
	    {"warning", REVIEW_SEV_WARNING},   {"warn", REVIEW_SEV_WARNING},
	    {"note", REVIEW_SEV_NOTE},         {"info", REVIEW_SEV_NOTE},
	    {"information", REVIEW_SEV_NOTE},  {"style", REVIEW_SEV_NOTE},
	    {"performance", REVIEW_SEV_NOTE},  {"portability", REVIEW_SEV_NOTE},
	    {"remark", REVIEW_SEV_NOTE},       {"hint", REVIEW_SEV_NOTE},
	    {"suggestion", REVIEW_SEV_NOTE},   {"convention", REVIEW_SEV_NOTE},
	    {"refactor", REVIEW_SEV_NOTE},     {"notice", REVIEW_SEV_NOTE},
	    {"ignore", REVIEW_SEV_NOTE},       {"none", REVIEW_SEV_NOTE},
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == len &&
		    !strncasecmp(words[i].word, s, len))
			return words[i].sev;
	return REVIEW_SEV_NONE;
}

/* Common start and end of parsing: root normalisation, clean-up. */
static void review_linter_ctx_init(struct review_linter_ctx *c,
				   struct review_findings *out,
				   const char *name, const char *root)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->name = name && *name ? name : "linter";
	if (root && *root == '/')
		c->root = review_linter_path(root, strlen(root), 0, NULL);
	if (root && !strcmp(root, "/"))
		c->root = xstrdup("/");
	c->first_added = out->nr;
}

static int review_linter_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!review_linter_space((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ---- gcc-style lines ---- */

/* Lines compilers print around diagnostics; not garbage, not findings. */
static int review_linter_gcc_noise(const char *s, size_t len)
{
	static const char *const starts[] = {
		"In file included from ", "compilation terminated",
		"make: ", "make[", NULL
	};
	static const char *const inside[] = {
		": In function ", ": In member function ", ": At top level:",
		": In instantiation of ", ": required from ",
		": In static member function ", ": In constructor ",
		": In destructor ", NULL
	};
	size_t i, n;

	if (!len || review_linter_space((unsigned char)s[0]))
		return 1;	/* blank, or a source excerpt or caret line */
	if (s[0] == '|' || s[0] == '^' || s[0] == '~' || s[0] == '+')
		return 1;
	for (i = 0; starts[i]; i++) {
		n = strlen(starts[i]);
		if (len >= n && !strncmp(s, starts[i], n))
			return 1;
	}
	for (i = 0; inside[i]; i++)
		if (memmem(s, len, inside[i], strlen(inside[i])))
			return 1;
	/* "3 warnings generated.", "2 warnings and 1 error generated." */
	if (len >= 10 && !strncmp(s + len - 10, "generated.", 10) &&
	    isdigit((unsigned char)s[0]))
		return 1;
	return 0;
}

/* Parse decimal digits at s[*i]; -1 when there are none or too many. */
static long long review_linter_digits(const char *s, size_t len, size_t *i)
{
	long long v = 0;
	size_t start = *i;

	while (*i < len && isdigit((unsigned char)s[*i])) {
		if (*i - start >= 10)
			return -1;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return *i > start ? v : -1;
}

/* Parse one gcc-style line into a finding; -1 when it is not one. */
static int review_linter_gcc_line(struct review_linter_ctx *c, const char *s,
				  size_t len)
{
	struct review_linter_item it;
	size_t i, path_end = 0, j, k;
	long long line = -1, col = 0;
	const char *rest;
	size_t rest_len;

	memset(&it, 0, sizeof(it));
	/* The path ends at the first ":<digits>:". */
	for (i = 1; i + 2 < len; i++) {
		if (s[i] != ':' || !isdigit((unsigned char)s[i + 1]))
			continue;
		/* A drive letter: "C:\x.c:3:1: ...". */
		if (i == 1 && isalpha((unsigned char)s[0]))
			continue;
		j = i + 1;
		line = review_linter_digits(s, len, &j);
		if (line >= 0 && j < len && s[j] == ':') {
			path_end = i;
			break;
		}
		line = -1;
	}
	if (!path_end || line < 0)
		return -1;
	j++;	/* past ':' after the line */
	k = j;
	if (k < len && isdigit((unsigned char)s[k])) {
		long long v = review_linter_digits(s, len, &k);

		if (v >= 0 && k < len && s[k] == ':') {
			col = v;
			j = k + 1;
		}
	}
	rest = s + j;
	rest_len = len - j;
	review_linter_trim(&rest, &rest_len);

	it.severity = REVIEW_SEV_NONE;
	/* "severity: message" */
	for (k = 0; k < rest_len && k < 16; k++) {
		if (rest[k] == ':') {
			it.severity = review_linter_sev_word(rest, k);
			if (it.severity != REVIEW_SEV_NONE) {
				rest += k + 1;
				rest_len -= k + 1;
			}
			break;
		}
	}
	review_linter_trim(&rest, &rest_len);
	/* A trailing "[code]". */
	if (rest_len > 2 && rest[rest_len - 1] == ']') {
		for (k = rest_len - 1; k > 0 && rest[k - 1] != '['; k--)
			if (review_linter_space((unsigned char)rest[k - 1]))
				break;
		if (k > 0 && rest[k - 1] == '[' && k < rest_len - 1 &&
		    rest_len - 1 - k <= 100) {
			it.code = rest + k;
			it.code_len = rest_len - 1 - k;
			rest_len = k - 1;
		}
	}
	/* Or a leading code, flake8-style: "E501 line too long". */
	if (!it.code && it.severity == REVIEW_SEV_NONE) {
		for (k = 0; k < rest_len && isupper((unsigned char)rest[k]);
		     k++)
			;
		if (k >= 1 && k <= 4) {
			size_t d = k;

			while (d < rest_len && isdigit((unsigned char)rest[d]))
				d++;
			if (d > k && d - k <= 6 && d < rest_len &&
			    rest[d] == ' ') {
				it.code = rest;
				it.code_len = d;
				rest += d + 1;
				rest_len -= d + 1;
			}
		}
	}
	it.path = s;
	it.path_len = path_end;
	it.line = line;
	it.col = col;
	it.end_line = line;
	it.msg = rest;
	it.msg_len = rest_len;
	if (!it.path_len)
		return -1;
	/* Counted as skipped by review_linter_add() when unusable. */
	review_linter_add(c, &it);
	return 0;
}

static int review_linter_gcc(struct review_linter_ctx *c, const char *text,
			     size_t len, struct buf *err)
{
	const char *p = text, *end = text + len, *bad = NULL;
	size_t bad_len = 0, lines = 0, bad_no = 0, garbage = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lines++;
		if (n && p[n - 1] == '\r')
			n--;
		if (!review_linter_gcc_noise(p, n) &&
		    review_linter_gcc_line(c, p, n) < 0) {
			garbage++;
			if (!bad) {
				bad = p;
				bad_len = n;
				bad_no = lines;
			}
		}
		p = nl ? nl + 1 : end;
	}
	c->skipped += garbage;
	if (!c->added && c->skipped) {
		struct buf m = BUF_INIT;

		buf_printf(&m, "no gcc-style diagnostic ('file:line:col: "
			   "severity: message') in %zu line%s", lines,
			   lines == 1 ? "" : "s");
		if (bad) {
			buf_printf(&m, "; line %zu reads ", bad_no);
			review_linter_quote(&m, bad, bad_len);
		}
		error_set(err, TEND_EINVALID, "%s", m.ptr);
		buf_release(&m);
		return TEND_EINVALID;
	}
	return 0;
}

/* ---- JSON helpers (SARIF, rdjson) ---- */

static const char *review_linter_jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long review_linter_jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static int review_linter_json_error(struct buf *err, const char *what,
				    const json_error_t *je, const char *text,
				    size_t len)
{
	struct buf m = BUF_INIT;
	const char *line = text;
	int n;

	/* Quote the start of the offending line. */
	for (n = 1; n < je->line && line < text + len; n++) {
		const char *nl =
		    memchr(line, '\n', (size_t)(text + len - line));

		if (!nl)
			break;
		line = nl + 1;
	}
	buf_printf(&m, "invalid %s: not JSON at line %d, column %d (%s)", what,
		   je->line, je->column, je->text);
	if (line < text + len) {
		const char *nl =
		    memchr(line, '\n', (size_t)(text + len - line));

		buf_puts(&m, "; the line reads ");
		review_linter_quote(&m, line, nl ? (size_t)(nl - line)
					       : (size_t)(text + len - line));
	}
	error_set(err, TEND_EINVALID, "%s", m.ptr);
	buf_release(&m);
	return TEND_EINVALID;
}

/* ---- SARIF 2.1.0 ---- */

static enum review_severity review_linter_sarif_level(const char *level)
{
	if (!level)
		return REVIEW_SEV_NONE;
	if (!strcmp(level, "error"))
		return REVIEW_SEV_ERROR;
	if (!strcmp(level, "warning"))
		return REVIEW_SEV_WARNING;
	if (!strcmp(level, "note") || !strcmp(level, "none"))
		return REVIEW_SEV_NOTE;
	return REVIEW_SEV_NONE;
}

/*
 * The message of a result: text, markdown, or a message string of the
 * rule with {N} placeholders filled from `arguments`. Appends to `out`.
 */
static int review_linter_sarif_message(struct buf *out, const json_t *res,
				       const json_t *rule)
{
	const json_t *msg = json_object_get(res, "message"), *args, *ms;
	const char *s = review_linter_jstr(msg, "text"), *id;

	if (!s)
		s = review_linter_jstr(msg, "markdown");
	if (!s && (id = review_linter_jstr(msg, "id")) &&
	    (ms = json_object_get(json_object_get(rule, "messageStrings"),
				  id))) {
		s = review_linter_jstr(ms, "text");
		if (!s)
			s = review_linter_jstr(ms, "markdown");
	}
	if (!s)
		return -1;
	args = json_object_get(msg, "arguments");
	/*
	 * Bounded: the message is cut to the cap anyway, and "{0}{0}..."
	 * with a long argument would otherwise grow without limit.
	 */
	while (*s && out->len <= REVIEW_LINTER_MAX_MESSAGE) {
		char *endp;
		long n;

		if (s[0] == '{' && isdigit((unsigned char)s[1]) &&
		    (n = strtol(s + 1, &endp, 10)) >= 0 && *endp == '}' &&
		    json_is_string(json_array_get(args, (size_t)n))) {
			buf_puts(out, json_string_value(
					      json_array_get(args, (size_t)n)));
			s = endp + 1;
			continue;
		}
		buf_putc(out, *s++);
	}
	return 0;
}

/*
 * Resolve an artifactLocation to a URI: follow uriBaseId through the run's
 * originalUriBaseIds (a few levels), or take the run's artifact by index.
 */
static void review_linter_sarif_uri(struct buf *out, const json_t *art,
				    const json_t *run)
{
	const char *uri = review_linter_jstr(art, "uri");
	const json_t *bases = json_object_get(run, "originalUriBaseIds");
	const char *base_id = review_linter_jstr(art, "uriBaseId");
	const char *parts[5];
	size_t nr = 0;
	int depth;

	if (!uri && json_is_integer(json_object_get(art, "index"))) {
		const json_t *a = json_array_get(
		    json_object_get(run, "artifacts"),
		    (size_t)json_integer_value(json_object_get(art, "index")));

		art = json_object_get(a, "location");
		uri = review_linter_jstr(art, "uri");
		base_id = review_linter_jstr(art, "uriBaseId");
	}
	if (!uri)
		return;
	parts[nr++] = uri;
	/* A relative URI is resolved against its base, if the log says. */
	for (depth = 0; depth < 4 && base_id && !strstr(uri, "://") &&
	     uri[0] != '/'; depth++) {
		const json_t *b = json_object_get(bases, base_id);
		const char *bu = review_linter_jstr(b, "uri");

		if (!bu)
			break;
		parts[nr++] = bu;
		uri = bu;
		base_id = review_linter_jstr(b, "uriBaseId");
	}
	while (nr--) {
		buf_puts(out, parts[nr]);
		if (nr && out->len && out->ptr[out->len - 1] != '/')
			buf_putc(out, '/');
	}
}

static void review_linter_sarif_result(struct review_linter_ctx *c,
				       const json_t *res, const json_t *run,
				       const json_t *rules,
				       const json_t *rule_index)
{
	struct review_linter_item it;
	const json_t *rule = NULL, *loc, *phys, *region;
	const char *rule_id = review_linter_jstr(res, "ruleId");
	const char *kind = review_linter_jstr(res, "kind");
	struct buf msg = BUF_INIT, uri = BUF_INIT;
	const json_t *ri = json_object_get(res, "ruleIndex");

	if (!json_is_object(res)) {
		c->skipped++;
		return;
	}
	if (kind && (!strcmp(kind, "pass") || !strcmp(kind, "notApplicable")))
		return; /* not a problem: nothing to report, nothing wrong */
	if (!rule_id)
		rule_id =
		    review_linter_jstr(json_object_get(res, "rule"), "id");
	if (json_is_integer(ri))
		rule = json_array_get(rules, (size_t)json_integer_value(ri));
	if (!rule && rule_id)
		rule = json_object_get(rule_index, rule_id);
	if (!rule_id && rule)
		rule_id = review_linter_jstr(rule, "id");

	memset(&it, 0, sizeof(it));
	it.severity =
	    review_linter_sarif_level(review_linter_jstr(res, "level"));
	if (it.severity == REVIEW_SEV_NONE)
		it.severity = review_linter_sarif_level(review_linter_jstr(
		    json_object_get(rule, "defaultConfiguration"), "level"));
	if (it.severity == REVIEW_SEV_NONE && kind && strcmp(kind, "fail"))
		it.severity = REVIEW_SEV_NOTE;
	if (review_linter_sarif_message(&msg, res, rule) < 0) {
		c->skipped++;
		goto out;
	}
	loc = json_array_get(json_object_get(res, "locations"), 0);
	phys = json_object_get(loc, "physicalLocation");
	review_linter_sarif_uri(&uri, json_object_get(phys, "artifactLocation"),
				run);
	if (!uri.len) {
		c->skipped++;
		goto out;
	}
	region = json_object_get(phys, "region");
	it.path = uri.ptr;
	it.path_len = uri.len;
	it.path_is_uri = 1;
	it.line = review_linter_jint(region, "startLine");
	it.col = review_linter_jint(region, "startColumn");
	it.end_line = review_linter_jint(region, "endLine");
	it.end_col = review_linter_jint(region, "endColumn");
	it.code = rule_id;
	it.code_len = rule_id ? strlen(rule_id) : 0;
	it.msg = msg.ptr;
	it.msg_len = msg.len;
	review_linter_add(c, &it);
out:
	buf_release(&msg);
	buf_release(&uri);
}

static int review_linter_sarif(struct review_linter_ctx *c, const char *text,
			       size_t len, struct buf *err)
{
	json_error_t je;
	json_t *root = NULL, *runs;
	size_t i, j;
	int rc = 0;

	if (review_linter_blank(text, len))
		return 0;
	root = json_loadb(text, len, 0, &je);
	if (!root)
		return review_linter_json_error(err, "SARIF", &je, text, len);
	runs = json_object_get(root, "runs");
	if (!json_is_array(runs)) {
		rc = error_set(
		    err, TEND_EINVALID,
		    "invalid SARIF: no 'runs' array at the top level");
		goto out;
	}
	for (i = 0; i < json_array_size(runs); i++) {
		const json_t *run = json_array_get(runs, i);
		const json_t *rules = json_object_get(json_object_get(
			json_object_get(run, "tool"), "driver"), "rules");
		const json_t *results = json_object_get(run, "results");
		json_t *rule_index = json_object();

		for (j = 0; j < json_array_size(rules); j++) {
			json_t *r = json_array_get(rules, j);
			const char *id = review_linter_jstr(r, "id");

			if (id && !json_object_get(rule_index, id))
				json_object_set(rule_index, id, r);
		}
		if (!json_is_array(results) && results)
			c->skipped++;
		for (j = 0; j < json_array_size(results); j++)
			review_linter_sarif_result(c,
						   json_array_get(results, j),
						   run, rules, rule_index);
		json_decref(rule_index);
	}
	if (!c->added && c->skipped)
		rc = error_set(err, TEND_EINVALID,
			       "invalid SARIF: none of its %zu result%s has a "
			       "message and a file location", c->skipped,
			       c->skipped == 1 ? "" : "s");
out:
	json_decref(root);
	return rc;
}

/* ---- rdjson / rdjsonl ---- */

static enum review_severity review_linter_rd_sev(const json_t *v)
{
	const char *s;

	if (json_is_integer(v)) {
		switch (json_integer_value(v)) {
		case 1: return REVIEW_SEV_ERROR;
		case 2: return REVIEW_SEV_WARNING;
		case 3: return REVIEW_SEV_NOTE;
		default: return REVIEW_SEV_NONE;
		}
	}
	if (!(s = json_is_string(v) ? json_string_value(v) : NULL))
		return REVIEW_SEV_NONE;
	if (!strcasecmp(s, "ERROR"))
		return REVIEW_SEV_ERROR;
	if (!strcasecmp(s, "WARNING"))
		return REVIEW_SEV_WARNING;
	if (!strcasecmp(s, "INFO"))
		return REVIEW_SEV_NOTE;
	return REVIEW_SEV_NONE;
}

/*
 * A suggestion becomes the finding's suggestion only when it replaces
 * exactly the finding's whole lines: a range from column 1 (or none) of
 * the first line to the end of the last line (no end column), or to
 * column 1 of the line after it (then the text's final newline goes).
 */
static char *review_linter_rd_suggestion(const json_t *diag, uint32_t line,
					 uint32_t end_line)
{
	const json_t *sugs = json_object_get(diag, "suggestions");
	const json_t *s = json_array_get(sugs, 0), *range, *st, *en;
	const char *text = review_linter_jstr(s, "text");
	long long sl, sc, el, ec;
	size_t n;

	if (!text || json_array_size(sugs) != 1 || !line)
		return NULL;
	range = json_object_get(s, "range");
	st = json_object_get(range, "start");
	en = json_object_get(range, "end");
	sl = review_linter_jint(st, "line");
	sc = review_linter_jint(st, "column");
	el = en ? review_linter_jint(en, "line") : sl;
	ec = review_linter_jint(en, "column");
	if (sl != line || sc > 1)
		return NULL;
	n = strlen(text);
	if (el == end_line && ec == 0)
		return xstrdup(text);
	if (el == (long long)end_line + 1 && ec == 1) {
		if (n && text[n - 1] == '\n')
			n--;
		return xstrndup(text, n);
	}
	return NULL;
}

static void review_linter_rd_diag(struct review_linter_ctx *c,
				  const json_t *d,
				  enum review_severity default_sev)
{
	struct review_linter_item it;
	const json_t *loc = json_object_get(d, "location");
	const json_t *range = json_object_get(loc, "range");
	const json_t *st = json_object_get(range, "start");
	const json_t *en = json_object_get(range, "end");
	const char *msg = review_linter_jstr(d, "message");
	const char *path = review_linter_jstr(loc, "path");
	const char *code = review_linter_jstr(json_object_get(d, "code"),
					      "value");
	char *sugg = NULL;

	if (!msg || !path) {
		c->skipped++;
		return;
	}
	memset(&it, 0, sizeof(it));
	it.path = path;
	it.path_len = strlen(path);
	it.path_is_uri = !strncmp(path, "file://", 7);
	it.line = review_linter_jint(st, "line");
	it.col = review_linter_jint(st, "column");
	it.end_line = en ? review_linter_jint(en, "line") : it.line;
	it.end_col = review_linter_jint(en, "column");
	it.severity = review_linter_rd_sev(json_object_get(d, "severity"));
	if (it.severity == REVIEW_SEV_NONE)
		it.severity = default_sev;
	it.code = code;
	it.code_len = code ? strlen(code) : 0;
	it.msg = msg;
	it.msg_len = strlen(msg);
	{
		uint32_t l = review_linter_pos(it.line);
		uint32_t e = review_linter_pos(it.end_line);

		sugg = review_linter_rd_suggestion(d, l, e < l ? l : e);
	}
	it.suggestion = sugg;
	review_linter_add(c, &it);
	free(sugg);
}

static int review_linter_rdjson(struct review_linter_ctx *c, const char *text,
				size_t len, struct buf *err)
{
	const char *p = text, *end = text + len, *bad = NULL;
	size_t lines = 0, bad_no = 0, bad_len = 0, i;
	json_error_t je, bad_je;
	json_t *root;

	if (review_linter_blank(text, len))
		return 0;
	root = json_loadb(text, len, 0, &je);
	if (root && json_is_object(root)) {
		const json_t *diags = json_object_get(root, "diagnostics");
		enum review_severity sev = review_linter_rd_sev(
			json_object_get(root, "severity"));

		if (json_is_array(diags)) {
			for (i = 0; i < json_array_size(diags); i++)
				review_linter_rd_diag(
				    c, json_array_get(diags, i), sev);
		} else if (json_object_get(root, "message")) {
			review_linter_rd_diag(c, root, REVIEW_SEV_NONE);
		} else {
			json_decref(root);
			return error_set(err, TEND_EINVALID,
					 "invalid rdjson: the object has "
					 "neither 'diagnostics' nor 'message'");
		}
		json_decref(root);
		if (!c->added && c->skipped)
			return error_set(err, TEND_EINVALID,
					 "invalid rdjson: none of its %zu "
					 "diagnostic%s has a message and a "
					 "location path", c->skipped,
					 c->skipped == 1 ? "" : "s");
		return 0;
	}
	json_decref(root);

	/* rdjsonl: one Diagnostic per line. */
	memset(&bad_je, 0, sizeof(bad_je));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *d;

		lines++;
		if (!review_linter_blank(p, n)) {
			d = json_loadb(p, n, 0, &je);
			if (json_is_object(d) &&
			    json_object_get(d, "message")) {
				review_linter_rd_diag(c, d, REVIEW_SEV_NONE);
			} else {
				c->skipped++;
				if (!bad) {
					bad = p;
					bad_len = n;
					bad_no = lines;
					bad_je = je;
					if (d)
						snprintf(bad_je.text,
							 sizeof(bad_je.text),
							 "not a diagnostic "
							 "object");
				}
			}
			json_decref(d);
		}
		p = nl ? nl + 1 : end;
	}
	if (!c->added && c->skipped) {
		struct buf m = BUF_INIT;

		buf_printf(&m, "invalid rdjson/rdjsonl: no diagnostic in %zu "
			   "line%s", lines, lines == 1 ? "" : "s");
		if (bad) {
			buf_printf(&m, "; line %zu (%s) reads ", bad_no,
				   bad_je.text);
			review_linter_quote(&m, bad, bad_len);
		}
		error_set(err, TEND_EINVALID, "%s", m.ptr);
		buf_release(&m);
		return TEND_EINVALID;
	}
	return 0;
}

/* ---- checkstyle XML ---- */

struct review_linter_xml {
	const char *s, *end, *p;
	const char *fail;	/* what went wrong, or NULL */
	const char *fail_at;
};

struct review_linter_attr {
	const char *name;
	size_t name_len;
	struct buf value;	/* decoded */
};

#define REVIEW_LINTER_XML_ATTRS 16

static int review_linter_xml_name_char(int c, int first)
{
	return isalpha(c) || c == '_' || c == ':' || c >= 0x80 ||
	       (!first && (isdigit(c) || c == '-' || c == '.'));
}

static void review_linter_utf8(struct buf *b, unsigned long cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		buf_putc(b, (int)cp);
	} else if (cp < 0x800) {
		buf_putc(b, 0xC0 | (int)(cp >> 6));
		buf_putc(b, 0x80 | (int)(cp & 0x3F));
	} else if (cp < 0x10000) {
		buf_putc(b, 0xE0 | (int)(cp >> 12));
		buf_putc(b, 0x80 | (int)((cp >> 6) & 0x3F));
		buf_putc(b, 0x80 | (int)(cp & 0x3F));
	} else {
		buf_putc(b, 0xF0 | (int)(cp >> 18));
		buf_putc(b, 0x80 | (int)((cp >> 12) & 0x3F));
		buf_putc(b, 0x80 | (int)((cp >> 6) & 0x3F));
		buf_putc(b, 0x80 | (int)(cp & 0x3F));
	}
}

/* Decode entities and character references in an attribute value. */
static void review_linter_xml_decode(struct buf *out, const char *s, size_t n)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' },
		{ "apos", '\'' }
	};
	size_t i, k;

	for (i = 0; i < n; i++) {
		const char *semi;
		size_t elen;

		if (s[i] != '&' ||
		    !(semi = memchr(s + i, ';', n - i < 12 ? n - i : 12))) {
			buf_putc(out, s[i]);
			continue;
		}
		elen = (size_t)(semi - (s + i)) - 1;
		if (elen >= 2 && s[i + 1] == '#') {
			unsigned long cp = 0;
			int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
			size_t d = i + 2 + (size_t)hex;
			int ok = d < (size_t)(semi - s);

			for (; d < (size_t)(semi - s) && ok; d++) {
				int v =
				    hex ? review_linter_hex((unsigned char)s[d])
					: (isdigit((unsigned char)s[d])
					       ? s[d] - '0'
					       : -1);

				if (v < 0 || cp > 0x10FFFF)
					ok = 0;
				else
					cp = cp * (hex ? 16 : 10) + (unsigned)v;
			}
			if (ok) {
				review_linter_utf8(out, cp);
				i = (size_t)(semi - s);
				continue;
			}
		}
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			if (strlen(ents[k].name) == elen &&
			    !strncmp(s + i + 1, ents[k].name, elen)) {
				buf_putc(out, ents[k].c);
				i = (size_t)(semi - s);
				break;
			}
		}
		if (k == sizeof(ents) / sizeof(ents[0]))
			buf_putc(out, '&');
	}
}

/* Skip past the string `until`; fail when it never comes. */
static int review_linter_xml_skip(struct review_linter_xml *x,
				  const char *until, const char *what)
{
	const char *e = memmem(x->p, (size_t)(x->end - x->p), until,
			       strlen(until));

	if (!e) {
		x->fail = what;
		x->fail_at = x->p;
		return -1;
	}
	x->p = e + strlen(until);
	return 0;
}

static void review_linter_xml_space(struct review_linter_xml *x)
{
	while (x->p < x->end && review_linter_space((unsigned char)*x->p))
		x->p++;
}

/*
 * Read a start tag at x->p ('<' already checked, name follows): its name
 * and attributes, and whether it closes itself. 0, or -1 on malformed
 * input (x->fail set).
 */
static int review_linter_xml_tag(struct review_linter_xml *x,
				 const char **name, size_t *name_len,
				 struct review_linter_attr *attrs,
				 size_t *nr_attrs, int *self_closing)
{
	const char *start = x->p;

	*nr_attrs = 0;
	*self_closing = 0;
	x->p++;
	*name = x->p;
	while (x->p < x->end &&
	       review_linter_xml_name_char((unsigned char)*x->p, x->p == *name))
		x->p++;
	*name_len = (size_t)(x->p - *name);
	if (!*name_len)
		goto bad;
	for (;;) {
		const char *an, *v;
		size_t an_len;
		char q;

		review_linter_xml_space(x);
		if (x->p >= x->end)
			goto bad;
		if (*x->p == '>') {
			x->p++;
			return 0;
		}
		if (*x->p == '/' && x->p + 1 < x->end && x->p[1] == '>') {
			x->p += 2;
			*self_closing = 1;
			return 0;
		}
		an = x->p;
		while (x->p < x->end &&
		       review_linter_xml_name_char((unsigned char)*x->p,
						   x->p == an))
			x->p++;
		an_len = (size_t)(x->p - an);
		if (!an_len)
			goto bad;
		review_linter_xml_space(x);
		if (x->p >= x->end || *x->p != '=')
			goto bad;
		x->p++;
		review_linter_xml_space(x);
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
			goto bad;
		q = *x->p++;
		v = x->p;
		while (x->p < x->end && *x->p != q)
			x->p++;
		if (x->p >= x->end)
			goto bad;
		if (*nr_attrs < REVIEW_LINTER_XML_ATTRS) {
			struct review_linter_attr *a = &attrs[(*nr_attrs)++];

			a->name = an;
			a->name_len = an_len;
			buf_reset(&a->value);
			review_linter_xml_decode(&a->value, v,
						 (size_t)(x->p - v));
		}
		x->p++;
	}
bad:
	x->fail = "malformed tag";
	x->fail_at = start;
	return -1;
}

static const struct buf *review_linter_xml_attr(
	const struct review_linter_attr *attrs, size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (attrs[i].name_len == strlen(name) &&
		    !strncmp(attrs[i].name, name, attrs[i].name_len))
			return &attrs[i].value;
	return NULL;
}

static long long review_linter_xml_num(const struct buf *v)
{
	char *endp;
	long long n;

	if (!v || !v->len)
		return 0;
	n = strtoll(v->ptr, &endp, 10);
	return *endp ? 0 : n;
}

static enum review_severity review_linter_cs_sev(const struct buf *v)
{
	if (!v)
		return REVIEW_SEV_NONE;
	if (!strcasecmp(v->ptr, "error"))
		return REVIEW_SEV_ERROR;
	if (!strcasecmp(v->ptr, "warning"))
		return REVIEW_SEV_WARNING;
	return REVIEW_SEV_NOTE;	/* info, ignore, anything else */
}

static int review_linter_name_is(const char *n, size_t len, const char *want)
{
	return len == strlen(want) && !strncmp(n, want, len);
}

static int review_linter_checkstyle(struct review_linter_ctx *c,
				    const char *text, size_t len,
				    struct buf *err)
{
	struct review_linter_xml x = { text, text + len, text, NULL, NULL };
	struct review_linter_attr attrs[REVIEW_LINTER_XML_ATTRS];
	struct buf file = BUF_INIT;
	int in_file = 0, seen_root = 0, rc = 0;
	size_t i;

	for (i = 0; i < REVIEW_LINTER_XML_ATTRS; i++)
		buf_init(&attrs[i].value, 0);
	if (review_linter_blank(text, len))
		goto out;
	while (x.p < x.end) {
		const char *lt = memchr(x.p, '<', (size_t)(x.end - x.p));
		const char *name;
		size_t name_len, nr;
		int self;

		if (!lt)
			break;
		x.p = lt;
		if (x.end - x.p >= 4 && !strncmp(x.p, "<!--", 4)) {
			x.p += 4;
			if (review_linter_xml_skip(&x, "-->", "unterminated "
						   "comment") < 0)
				break;
		} else if (x.end - x.p >= 9 && !strncmp(x.p, "<![CDATA[", 9)) {
			x.p += 9;
			if (review_linter_xml_skip(&x, "]]>", "unterminated "
						   "CDATA section") < 0)
				break;
		} else if (x.end - x.p >= 2 &&
			   (x.p[1] == '?' || x.p[1] == '!')) {
			x.p += 2;
			if (review_linter_xml_skip(&x, ">", "unterminated "
						   "declaration") < 0)
				break;
		} else if (x.end - x.p >= 2 && x.p[1] == '/') {
			const char *n = x.p + 2;

			x.p = n;
			while (x.p < x.end &&
			       review_linter_xml_name_char((unsigned char)*x.p,
							   x.p == n))
				x.p++;
			if (review_linter_name_is(n, (size_t)(x.p - n), "file"))
				in_file = 0;
			if (review_linter_xml_skip(&x, ">", "unterminated end "
						   "tag") < 0)
				break;
		} else if (review_linter_xml_tag(&x, &name, &name_len, attrs,
						 &nr, &self) < 0) {
			break;
		} else if (review_linter_name_is(name, name_len,
						 "checkstyle")) {
			seen_root = 1;
		} else if (review_linter_name_is(name, name_len, "file")) {
			const struct buf *fn = review_linter_xml_attr(attrs, nr,
								      "name");

			buf_reset(&file);
			if (fn)
				buf_add(&file, fn->ptr, fn->len);
			in_file = !self && fn;
		} else if (review_linter_name_is(name, name_len, "error")) {
			struct review_linter_item it;
			const struct buf *msg = review_linter_xml_attr(
				attrs, nr, "message");
			const struct buf *src = review_linter_xml_attr(
				attrs, nr, "source");

			if (!in_file || !seen_root || !msg) {
				c->skipped++;
				continue;
			}
			memset(&it, 0, sizeof(it));
			it.path = file.ptr;
			it.path_len = file.len;
			it.line = review_linter_xml_num(review_linter_xml_attr(
				attrs, nr, "line"));
			it.end_line = it.line;
			it.col = review_linter_xml_num(review_linter_xml_attr(
				attrs, nr, "column"));
			it.severity = review_linter_cs_sev(
				review_linter_xml_attr(attrs, nr, "severity"));
			it.msg = msg->ptr;
			it.msg_len = msg->len;
			it.code = src ? src->ptr : NULL;
			it.code_len = src ? src->len : 0;
			review_linter_add(c, &it);
		}
	}
	if (x.fail)
		c->skipped++;
	if (!seen_root) {
		struct buf m = BUF_INIT;
		const char *s = text;
		size_t n = len;

		review_linter_trim(&s, &n);
		buf_puts(&m, "not checkstyle XML: no <checkstyle> element; "
			 "the output starts with ");
		review_linter_quote(&m, s, n);
		rc = error_set(err, TEND_EINVALID, "%s", m.ptr);
		buf_release(&m);
	} else if (!c->added && c->skipped) {
		struct buf m = BUF_INIT;

		buf_printf(&m, "invalid checkstyle XML: ");
		if (x.fail) {
			size_t line = 1;
			const char *q;

			for (q = text; q < x.fail_at; q++)
				line += *q == '\n';
			buf_printf(&m, "%s at line %zu: ", x.fail, line);
			review_linter_quote(&m, x.fail_at,
					    (size_t)(x.end - x.fail_at));
		} else {
			buf_printf(&m, "none of its %zu <error> element%s has "
				   "a file and a message", c->skipped,
				   c->skipped == 1 ? "" : "s");
		}
		rc = error_set(err, TEND_EINVALID, "%s", m.ptr);
		buf_release(&m);
	}
out:
	for (i = 0; i < REVIEW_LINTER_XML_ATTRS; i++)
		buf_release(&attrs[i].value);
	buf_release(&file);
	return rc;
}

/* ---- entry point ---- */

int review_linter_parse(struct review_findings *out,
			enum review_linter_format fmt,
			const char *linter_name, const char *text, size_t len,
			const char *repo_root, struct buf *err)
{
	struct review_linter_ctx c;
	int rc;

	review_linter_ctx_init(&c, out, linter_name, repo_root);
	switch (fmt) {
	case REVIEW_LINTER_SARIF:
		rc = review_linter_sarif(&c, text, len, err);
		break;
	case REVIEW_LINTER_RDJSON:
		rc = review_linter_rdjson(&c, text, len, err);
		break;
	case REVIEW_LINTER_CHECKSTYLE:
		rc = review_linter_checkstyle(&c, text, len, err);
		break;
	default:
		rc = review_linter_gcc(&c, text, len, err);
		break;
	}
	/* Every parser fails only before it has added anything. */
	assert(rc == 0 || out->nr == c.first_added);
	free(c.root);
	if (rc < 0)
		return rc;
	return c.skipped > INT32_MAX ? INT32_MAX : (int)c.skipped;
}
