/*
 * diff.c - the change-set model and the patch-text parser.
 *
 * This file turns patch text into a struct review_diff (git's format with
 * its extended headers, plain unified diffs, and the hunks-only patches that
 * forges hand out per file) and answers questions about the result: which
 * line is at a given number on a side, may a comment span a range. It does
 * not talk to git or to a forge; review/diff_git.c and forge/ do that and
 * feed this file.
 *
 * The parser makes one pass over one copy of the input. Lines are records
 * of (offset, length) into that copy, kept in one array per file that grows
 * geometrically, so parsing does no allocation per line. It must never read
 * outside the input whatever the bytes are: it is fuzzed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "review/diff.h"

/* Where the parser is: the current line is [p, eol), lineno is its number. */
struct review_diff_parser {
	const char *base;	/* the copied text files point into */
	const char *p;
	const char *eol;	/* the line's '\n', or end */
	const char *end;
	size_t lineno;
	const char *name;	/* the input, for messages */
	struct buf *err;
};

/*
 * Per file while its hunks are read: the first line number the next hunk
 * may use on each side, which keeps hunks ascending for the binary search.
 */
struct review_diff_cursor {
	uint64_t next_old, next_new;
};

static void review_diff_parser_start(struct review_diff_parser *ps,
				     const char *text, size_t len,
				     const char *name, struct buf *err)
{
	ps->base = text;
	ps->p = text;
	ps->end = text + len;
	ps->lineno = 1;
	ps->name = name;
	ps->err = err;
	ps->eol = memchr(text, '\n', len);
	if (!ps->eol)
		ps->eol = ps->end;
}

static void review_diff_parser_next(struct review_diff_parser *ps)
{
	const char *nl;

	if (ps->p >= ps->end)
		return;
	ps->p = ps->eol < ps->end ? ps->eol + 1 : ps->end;
	ps->lineno++;
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	ps->eol = nl ? nl : ps->end;
}

static int review_diff_parser_done(const struct review_diff_parser *ps)
{
	return ps->p >= ps->end;
}

static size_t review_diff_line_len(const struct review_diff_parser *ps)
{
	return (size_t)(ps->eol - ps->p);
}

/* Length of the current line without a trailing '\r' (for header lines). */
static size_t review_diff_header_len(const struct review_diff_parser *ps)
{
	size_t n = review_diff_line_len(ps);

	if (n && ps->p[n - 1] == '\r')
		n--;
	return n;
}

static int review_diff_starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && !memcmp(s, prefix, k);
}

static int review_diff_line_starts(const struct review_diff_parser *ps,
				   const char *prefix)
{
	return review_diff_starts(ps->p, review_diff_line_len(ps), prefix);
}

/* Does the line after the current one start with `prefix`? */
static int review_diff_next_starts(const struct review_diff_parser *ps,
				   const char *prefix)
{
	const char *next;

	if (ps->eol >= ps->end)
		return 0;
	next = ps->eol + 1;
	return review_diff_starts(next, (size_t)(ps->end - next), prefix);
}

/* "--- x" followed by "+++ y": a file header, not a deleted line. */
static int review_diff_at_file_header(const struct review_diff_parser *ps)
{
	return review_diff_line_starts(ps, "--- ") &&
	       review_diff_next_starts(ps, "+++ ");
}

/* "-- " ends a format-patch mail (the signature), it is not a '-' line. */
static int review_diff_at_signature(const struct review_diff_parser *ps)
{
	size_t n = review_diff_header_len(ps);

	return (n == 3 && !memcmp(ps->p, "-- ", 3)) ||
	       (n == 2 && !memcmp(ps->p, "--", 2));
}

void review_diff_init(struct review_diff *diff)
{
	memset(diff, 0, sizeof(*diff));
}

static void review_diff_file_init(struct review_diff_file *f,
				  const char *text)
{
	memset(f, 0, sizeof(*f));
	f->similarity = -1;
	f->text = text;
}

static void review_diff_file_release(struct review_diff_file *f)
{
	size_t i;

	free(f->old_path);
	free(f->new_path);
	for (i = 0; i < f->nr_hunks; i++)
		free(f->hunks[i].section);
	free(f->hunks);
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

void review_diff_release(struct review_diff *diff)
{
	size_t i;

	for (i = 0; i < diff->nr_files; i++)
		review_diff_file_release(&diff->files[i]);
	free(diff->files);
	for (i = 0; i < diff->nr_texts; i++)
		free(diff->texts[i]);
	free(diff->texts);
	review_diff_init(diff);
}

const char *review_file_status_name(enum review_file_status status)
{
	switch (status) {
	case REVIEW_FILE_MODIFIED: return "modified";
	case REVIEW_FILE_ADDED: return "added";
	case REVIEW_FILE_DELETED: return "deleted";
	case REVIEW_FILE_RENAMED: return "renamed";
	case REVIEW_FILE_COPIED: return "copied";
	}
	return "modified";
}

int review_diff_unquote_path(char **out, size_t *used, const char *s,
			     size_t len)
{
	char *o;
	size_t i, n = 0;

	if (!len)
		return TEND_EINVALID;
	if (s[0] != '"') {
		if (memchr(s, '\0', len))
			return TEND_EINVALID;
		*out = xstrndup(s, len);
		*used = len;
		return 0;
	}
	o = xmalloc(len);
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			o[n] = '\0';
			*out = o;
			*used = i + 1;
			return 0;
		}
		if (c == '\0')
			break;
		if (c != '\\') {
			o[n++] = (char)c;
			continue;
		}
		if (++i >= len)
			break;
		c = (unsigned char)s[i];
		switch (c) {
		case 'a': o[n++] = '\a'; continue;
		case 'b': o[n++] = '\b'; continue;
		case 't': o[n++] = '\t'; continue;
		case 'n': o[n++] = '\n'; continue;
		case 'v': o[n++] = '\v'; continue;
		case 'f': o[n++] = '\f'; continue;
		case 'r': o[n++] = '\r'; continue;
		case '"': o[n++] = '"'; continue;
		case '\\': o[n++] = '\\'; continue;
		}
		if (c < '0' || c > '3' || i + 2 >= len ||
		    s[i + 1] < '0' || s[i + 1] > '7' ||
		    s[i + 2] < '0' || s[i + 2] > '7')
			break;
		c = (unsigned char)(((c - '0') << 6) | ((s[i + 1] - '0') << 3) |
				    (s[i + 2] - '0'));
		if (!c)
			break;
		o[n++] = (char)c;
		i += 2;
	}
	free(o);
	return TEND_EINVALID;
}

/*
 * A path from s..e: quoted, or raw up to the end (or up to a tab when
 * `tab_ends`: "--- a/x y\t" and GNU diff's "--- x\t2024-01-01 ..."). NULL
 * when there is no usable name.
 */
static char *review_diff_name(const char *s, const char *e, int tab_ends)
{
	char *name = NULL;
	size_t used;

	if (s >= e)
		return NULL;
	if (*s == '"') {
		if (review_diff_unquote_path(&name, &used, s,
					     (size_t)(e - s)) < 0)
			return NULL;
	} else {
		const char *t = tab_ends ? memchr(s, '\t', (size_t)(e - s))
					 : NULL;

		if (t)
			e = t;
		if (s == e || memchr(s, '\0', (size_t)(e - s)))
			return NULL;
		name = xstrndup(s, (size_t)(e - s));
	}
	if (!*name) {
		free(name);
		return NULL;
	}
	return name;
}

/*
 * The two names of "diff --git A B" (s..e is "A B"), still with their
 * prefixes. Unquoted names with spaces are ambiguous; git writes the same
 * name twice unless the file was renamed or copied, and then the "rename
 * from/to" headers follow, so try the split that gives equal halves first.
 * Returns 0, or -1 when no split makes sense.
 */
static int review_diff_git_names(char **a, char **b, const char *s,
				 const char *e)
{
	size_t len = (size_t)(e - s), used, n;
	const char *q;

	*a = *b = NULL;
	if (len && *s == '"') {
		if (review_diff_unquote_path(a, &used, s, len) < 0)
			return -1;
		s += used;
		if (s < e && *s == ' ')
			*b = review_diff_name(s + 1, e, 0);
		goto done;
	}
	q = memchr(s, '"', len);
	if (q) {
		/* Unquoted names never hold '"': the second one is quoted. */
		if (q - s < 2 || q[-1] != ' ')
			return -1;
		*a = review_diff_name(s, q - 1, 0);
		*b = review_diff_name(q, e, 0);
		goto done;
	}
	if (len >= 5 && (len & 1) && s[1] == '/') {
		n = (len - 5) / 2;
		if (s[2 + n] == ' ' && s[4 + n] == '/' && s[0] != s[3 + n] &&
		    !memcmp(s + 2, s + 5 + n, n)) {
			*a = review_diff_name(s, s + 2 + n, 0);
			*b = review_diff_name(s + 3 + n, e, 0);
			goto done;
		}
	}
	if (len & 1) {
		n = len / 2;
		if (s[n] == ' ' && !memcmp(s, s + n + 1, n)) {
			*a = review_diff_name(s, s + n, 0);
			*b = review_diff_name(s + n + 1, e, 0);
			goto done;
		}
	}
	q = NULL;
	if (len > 2 && s[0] == 'a' && s[1] == '/')
		q = memmem(s, len, " b/", 3);
	if (!q)
		q = memchr(s, ' ', len);
	if (!q)
		return -1;
	*a = review_diff_name(s, q, 0);
	*b = review_diff_name(q + 1, e, 0);
done:
	if (!*a || !*b) {
		free(*a);
		free(*b);
		*a = *b = NULL;
		return -1;
	}
	return 0;
}

/* "x/..." for a single-letter x: git's a/, b/ and mnemonic c/ i/ w/ o/. */
static int review_diff_has_prefix(const char *name)
{
	return name && name[0] && name[0] != '/' && name[1] == '/';
}

static void review_diff_strip_prefix(char *name)
{
	if (review_diff_has_prefix(name))
		memmove(name, name + 2, strlen(name + 2) + 1);
}

static int review_diff_parse_u32(const char **pp, const char *e,
				 uint32_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= e || *p < '0' || *p > '9')
		return -1;
	while (p < e && *p >= '0' && *p <= '9') {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -1;
		p++;
	}
	*out = (uint32_t)v;
	*pp = p;
	return 0;
}

/* "N" or "N,M"; M defaults to 1. */
static int review_diff_parse_range(const char **pp, const char *e,
				   uint32_t *start, uint32_t *count)
{
	if (review_diff_parse_u32(pp, e, start) < 0)
		return -1;
	*count = 1;
	if (*pp < e && **pp == ',') {
		(*pp)++;
		if (review_diff_parse_u32(pp, e, count) < 0)
			return -1;
	}
	/* Count 0 means start is the line before; lines must stay in range. */
	if ((*count && !*start) ||
	    (uint64_t)*start + *count + 1 > UINT32_MAX)
		return -1;
	return 0;
}

/* "@@ -a[,b] +c[,d] @@[ section]" */
static int review_diff_parse_hunk_header(struct review_hunk *h,
					 const char *s, const char *e)
{
	const char *p, *q;

	if (!review_diff_starts(s, (size_t)(e - s), "@@ -"))
		return -1;
	p = s + 4;
	if (review_diff_parse_range(&p, e, &h->old_start, &h->old_count) < 0 ||
	    !review_diff_starts(p, (size_t)(e - p), " +"))
		return -1;
	p += 2;
	if (review_diff_parse_range(&p, e, &h->new_start, &h->new_count) < 0 ||
	    !review_diff_starts(p, (size_t)(e - p), " @@"))
		return -1;
	p += 3;
	if (p < e && *p == ' ')
		p++;
	/*
	 * The section is display text. git trims trailing white space after
	 * cutting it to 80 bytes and libgit2 does not, so trim it here and
	 * both producers agree.
	 */
	q = e;
	while (q > p && (q[-1] == '\r' || q[-1] == ' ' || q[-1] == '\t'))
		q--;
	h->section = q > p ? xstrndup(p, (size_t)(q - p)) : NULL;
	return 0;
}

static int review_diff_count_error(struct review_diff_parser *ps,
				   const struct review_hunk *h,
				   size_t header_line, uint64_t old_seen,
				   uint64_t new_seen)
{
	if (old_seen != h->old_count)
		return error_set(ps->err, TEND_EINVALID,
				 "hunk at line %zu of '%s' says %u old lines "
				 "but has %llu", header_line, ps->name,
				 (unsigned)h->old_count,
				 (unsigned long long)old_seen);
	return error_set(ps->err, TEND_EINVALID,
			 "hunk at line %zu of '%s' says %u new lines but has "
			 "%llu", header_line, ps->name, (unsigned)h->new_count,
			 (unsigned long long)new_seen);
}

/*
 * A hunk's body runs on past its header's counts: count the rest of the
 * lines that look like hunk lines, for the error message.
 */
static void review_diff_count_rest(struct review_diff_parser *ps,
				   uint64_t *old_seen, uint64_t *new_seen)
{
	while (!review_diff_parser_done(ps) && review_diff_line_len(ps)) {
		char c = ps->p[0];

		if (c == ' ') {
			(*old_seen)++;
			(*new_seen)++;
		} else if (c == '-') {
			if (review_diff_at_file_header(ps) ||
			    review_diff_at_signature(ps))
				break;
			(*old_seen)++;
		} else if (c == '+') {
			(*new_seen)++;
		} else if (c != '\\') {
			break;
		}
		review_diff_parser_next(ps);
	}
}

/* After a hunk's counted lines: does the next line still look like one? */
static int review_diff_at_extra_line(const struct review_diff_parser *ps)
{
	if (review_diff_parser_done(ps) || !review_diff_line_len(ps))
		return 0;
	switch (ps->p[0]) {
	case ' ':
	case '+':
		return 1;
	case '-':
		return !review_diff_at_file_header(ps) &&
		       !review_diff_at_signature(ps);
	}
	return 0;
}

static int review_diff_mark_no_eol(struct review_diff_parser *ps,
				   struct review_diff_file *f,
				   size_t first_line)
{
	if (f->nr_lines == first_line)
		return error_set(ps->err, TEND_EINVALID,
				 "unexpected '\\ No newline' marker at line "
				 "%zu of '%s'", ps->lineno, ps->name);
	f->lines[f->nr_lines - 1].no_eol = 1;
	review_diff_parser_next(ps);
	return 0;
}

/*
 * One hunk: the header at the current line and the body after it, whose
 * length must match the header's counts exactly.
 */
static int review_diff_parse_hunk(struct review_diff_parser *ps,
				  struct review_diff_file *f,
				  struct review_diff_cursor *cur)
{
	struct review_hunk h;
	size_t header_line = ps->lineno;
	uint32_t old_left, new_left, old_no, new_no;
	uint64_t lo_old, lo_new;
	int error = 0;

	memset(&h, 0, sizeof(h));
	if (review_diff_parse_hunk_header(&h, ps->p, ps->eol) < 0)
		return error_set(ps->err, TEND_EINVALID,
				 "cannot parse hunk header at line %zu of '%s'",
				 ps->lineno, ps->name);
	lo_old = (uint64_t)h.old_start + (h.old_count ? 0 : 1);
	lo_new = (uint64_t)h.new_start + (h.new_count ? 0 : 1);
	if (lo_old < cur->next_old || lo_new < cur->next_new) {
		error = error_set(ps->err, TEND_EINVALID,
				  "hunk at line %zu of '%s' overlaps the "
				  "previous hunk", header_line, ps->name);
		goto out;
	}
	cur->next_old = lo_old + h.old_count;
	cur->next_new = lo_new + h.new_count;
	review_diff_parser_next(ps);

	old_left = h.old_count;
	new_left = h.new_count;
	old_no = h.old_start;
	new_no = h.new_start;
	h.first_line = f->nr_lines;
	while ((old_left || new_left) && !review_diff_parser_done(ps)) {
		const char *s = ps->p;
		size_t n = review_diff_line_len(ps);
		/* An empty line is an empty context line (editors do that). */
		char c = n ? s[0] : ' ';
		struct review_line *l;

		if (c == '\\') {
			if ((error = review_diff_mark_no_eol(ps, f,
							     h.first_line)) < 0)
				goto out;
			continue;
		}
		if (c != ' ' && c != '-' && c != '+')
			break;
		if ((c != '+' && !old_left) || (c != '-' && !new_left)) {
			uint64_t old_seen = h.old_count - old_left;
			uint64_t new_seen = h.new_count - new_left;

			review_diff_count_rest(ps, &old_seen, &new_seen);
			error = review_diff_count_error(ps, &h, header_line,
							old_seen, new_seen);
			goto out;
		}
		if (f->nr_lines == f->alloc_lines)
			ALLOC_GROW(f->lines, f->nr_lines, f->alloc_lines);
		l = &f->lines[f->nr_lines++];
		l->origin = c;
		l->no_eol = 0;
		l->off = (uint32_t)(s - f->text) + (n ? 1 : 0);
		l->len = n ? (uint32_t)(n - 1) : 0;
		l->old_no = 0;
		l->new_no = 0;
		if (c != '+') {
			l->old_no = old_no++;
			old_left--;
		}
		if (c != '-') {
			l->new_no = new_no++;
			new_left--;
		}
		if (c == '+')
			f->added++;
		else if (c == '-')
			f->deleted++;
		review_diff_parser_next(ps);
	}
	if (old_left || new_left) {
		error = review_diff_count_error(ps, &h, header_line,
						h.old_count - old_left,
						h.new_count - new_left);
		goto out;
	}
	if (!review_diff_parser_done(ps) && review_diff_line_starts(ps, "\\") &&
	    (error = review_diff_mark_no_eol(ps, f, h.first_line)) < 0)
		goto out;
	if (review_diff_at_extra_line(ps)) {
		uint64_t old_seen = h.old_count, new_seen = h.new_count;

		review_diff_count_rest(ps, &old_seen, &new_seen);
		error = review_diff_count_error(ps, &h, header_line, old_seen,
						new_seen);
		goto out;
	}
	h.nr_lines = f->nr_lines - h.first_line;
	ALLOC_GROW(f->hunks, f->nr_hunks, f->alloc_hunks);
	f->hunks[f->nr_hunks++] = h;
	return 0;
out:
	free(h.section);
	return error;
}

static int review_diff_parse_hunks(struct review_diff_parser *ps,
				   struct review_diff_file *f)
{
	struct review_diff_cursor cur = { 1, 1 };
	int error;

	while (!review_diff_parser_done(ps) &&
	       review_diff_line_starts(ps, "@@"))
		if ((error = review_diff_parse_hunk(ps, f, &cur)) < 0)
			return error;
	return 0;
}

/* Give back the slack of the geometric growth once a file is complete. */
static void review_diff_file_trim(struct review_diff_file *f)
{
	if (f->nr_lines && f->alloc_lines > f->nr_lines + f->nr_lines / 16) {
		f->lines = xrealloc(f->lines, f->nr_lines * sizeof(*f->lines));
		f->alloc_lines = f->nr_lines;
	}
}

static int review_diff_parse_mode(struct review_diff_parser *ps,
				  unsigned *out, const char *s, const char *e)
{
	unsigned v = 0;
	const char *p = s;

	while (p < e && *p >= '0' && *p <= '7' && p - s < 7)
		v = v * 8 + (unsigned)(*p++ - '0');
	if (p == s || p != e)
		return error_set(ps->err, TEND_EINVALID,
				 "cannot parse file mode at line %zu of '%s'",
				 ps->lineno, ps->name);
	*out = v;
	return 0;
}

static int review_diff_parse_percent(struct review_diff_parser *ps,
				     int *out, const char *s, const char *e)
{
	uint32_t v;

	if (review_diff_parse_u32(&s, e, &v) < 0 || v > 100 ||
	    e - s != 1 || *s != '%')
		return error_set(ps->err, TEND_EINVALID,
				 "cannot parse percentage at line %zu of '%s'",
				 ps->lineno, ps->name);
	*out = (int)v;
	return 0;
}

static size_t review_diff_hex_len(const char *s, const char *e)
{
	const char *p = s;

	while (p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			 (*p >= 'A' && *p <= 'F')))
		p++;
	return (size_t)(p - s);
}

/* "index abc..def[ mode]": best effort, a malformed line is ignored. */
static void review_diff_parse_index(struct review_diff_file *f, const char *s,
				    const char *e)
{
	size_t a = review_diff_hex_len(s, e), b;
	const char *p;
	unsigned mode = 0;

	if (!a || e - (s + a) < 2 || memcmp(s + a, "..", 2))
		return;
	p = s + a + 2;
	b = review_diff_hex_len(p, e);
	if (!b)
		return;
	memcpy(f->old_oid, s, a < 40 ? a : 40);
	f->old_oid[a < 40 ? a : 40] = '\0';
	memcpy(f->new_oid, p, b < 40 ? b : 40);
	f->new_oid[b < 40 ? b : 40] = '\0';
	p += b;
	if (p < e && *p == ' ') {
		for (p++; p < e && *p >= '0' && *p <= '7' && mode < 0100000000;
		     p++)
			mode = mode * 8 + (unsigned)(*p - '0');
		if (p == e && mode) {
			if (!f->old_mode)
				f->old_mode = mode;
			if (!f->new_mode)
				f->new_mode = mode;
		}
	}
}

/* Skip a "GIT binary patch" block: "literal N"/"delta N", base85 lines. */
static void review_diff_skip_binary_patch(struct review_diff_parser *ps)
{
	review_diff_parser_next(ps);
	while (!review_diff_parser_done(ps)) {
		size_t n = review_diff_header_len(ps);

		if (n && !review_diff_line_starts(ps, "literal ") &&
		    !review_diff_line_starts(ps, "delta ") &&
		    memchr(ps->p, ' ', n))
			break;
		review_diff_parser_next(ps);
	}
}

static void review_diff_replace(char **slot, char *name)
{
	free(*slot);
	*slot = name;
}

/*
 * Names, status and flags of a file once its headers are read. `old` and
 * `new` are the best names found; ADDED/DELETED drop the missing side.
 */
static int review_diff_file_finish(struct review_diff_parser *ps,
				   struct review_diff_file *f,
				   size_t header_line)
{
	if (f->status == REVIEW_FILE_ADDED) {
		free(f->old_path);
		f->old_path = NULL;
	} else if (f->status == REVIEW_FILE_DELETED) {
		free(f->new_path);
		f->new_path = NULL;
	} else if (!f->old_path && f->new_path) {
		f->old_path = xstrdup(f->new_path);
	} else if (!f->new_path && f->old_path) {
		f->new_path = xstrdup(f->old_path);
	}
	f->path = f->new_path ? f->new_path : f->old_path;
	if (!f->path)
		return error_set(ps->err, TEND_EINVALID,
				 "cannot find the file name of the diff at "
				 "line %zu of '%s'", header_line, ps->name);
	if (f->old_mode == 0160000 || f->new_mode == 0160000)
		f->submodule = 1;
	if (f->old_mode && f->new_mode && f->old_mode != f->new_mode)
		f->mode_changed = 1;
	review_diff_file_trim(f);
	return 0;
}

/* "--- /dev/null": the side does not exist (GNU diff may add a date). */
static int review_diff_is_dev_null(const char *s, const char *e)
{
	return e - s >= 9 && !memcmp(s, "/dev/null", 9) &&
	       (e - s == 9 || s[9] == '\t');
}

/* What follows `prefix` on a header line s[0..n), or NULL. */
static const char *review_diff_value(const char *s, size_t n,
				     const char *prefix)
{
	return review_diff_starts(s, n, prefix) ? s + strlen(prefix) : NULL;
}

/* The section of one file in git's format, from its "diff --git" line. */
static int review_diff_parse_git_file(struct review_diff_parser *ps,
				      struct review_diff_file *f)
{
	size_t header_line = ps->lineno;
	char *git_a = NULL, *git_b = NULL, *minus = NULL, *plus = NULL;
	char *from = NULL, *to = NULL;
	int minus_null = 0, plus_null = 0, prefixed, error = 0;

	review_diff_git_names(&git_a, &git_b, ps->p + 11,
			      ps->p + review_diff_header_len(ps));
	prefixed = review_diff_has_prefix(git_a) &&
		   review_diff_has_prefix(git_b) && git_a[0] != git_b[0];
	review_diff_parser_next(ps);
	while (!review_diff_parser_done(ps)) {
		const char *s = ps->p, *e = ps->p + review_diff_header_len(ps);
		size_t n = (size_t)(e - s);
		const char *v;

#define HDR(prefix) review_diff_value(s, n, prefix)

		if ((v = HDR("old mode "))) {
			if ((error = review_diff_parse_mode(ps, &f->old_mode,
							    v, e)) < 0)
				goto out;
		} else if ((v = HDR("new mode "))) {
			if ((error = review_diff_parse_mode(ps, &f->new_mode,
							    v, e)) < 0)
				goto out;
		} else if ((v = HDR("deleted file mode "))) {
			if ((error = review_diff_parse_mode(ps, &f->old_mode,
							    v, e)) < 0)
				goto out;
			f->status = REVIEW_FILE_DELETED;
		} else if ((v = HDR("new file mode "))) {
			if ((error = review_diff_parse_mode(ps, &f->new_mode,
							    v, e)) < 0)
				goto out;
			f->status = REVIEW_FILE_ADDED;
		} else if ((v = HDR("rename from ")) ||
			   (v = HDR("rename old "))) {
			review_diff_replace(&from, review_diff_name(v, e, 0));
			f->status = REVIEW_FILE_RENAMED;
		} else if ((v = HDR("rename to ")) ||
			   (v = HDR("rename new "))) {
			review_diff_replace(&to, review_diff_name(v, e, 0));
			f->status = REVIEW_FILE_RENAMED;
		} else if ((v = HDR("copy from "))) {
			review_diff_replace(&from, review_diff_name(v, e, 0));
			f->status = REVIEW_FILE_COPIED;
		} else if ((v = HDR("copy to "))) {
			review_diff_replace(&to, review_diff_name(v, e, 0));
			f->status = REVIEW_FILE_COPIED;
		} else if ((v = HDR("similarity index "))) {
			if ((error = review_diff_parse_percent(
				     ps, &f->similarity, v, e)) < 0)
				goto out;
		} else if ((v = HDR("dissimilarity index "))) {
			int ignored;

			if ((error = review_diff_parse_percent(ps, &ignored, v,
							       e)) < 0)
				goto out;
		} else if ((v = HDR("index "))) {
			review_diff_parse_index(f, v, e);
		} else if (HDR("Binary files ")) {
			f->binary = 1;
			review_diff_parser_next(ps);
			break;
		} else if (HDR("GIT binary patch")) {
			f->binary = 1;
			review_diff_skip_binary_patch(ps);
			break;
		} else if ((v = HDR("--- "))) {
			if (!review_diff_next_starts(ps, "+++ ")) {
				error = error_set(ps->err, TEND_EINVALID,
						  "'---' at line %zu of '%s' "
						  "is not followed by '+++'",
						  ps->lineno, ps->name);
				goto out;
			}
			if (!(minus_null = review_diff_is_dev_null(v, e)))
				minus = review_diff_name(v, e, 1);
			review_diff_parser_next(ps);
			s = ps->p;
			e = ps->p + review_diff_header_len(ps);
			v = s + 4;
			if (!(plus_null = review_diff_is_dev_null(v, e)))
				plus = review_diff_name(v, e, 1);
			review_diff_parser_next(ps);
			if ((error = review_diff_parse_hunks(ps, f)) < 0)
				goto out;
			break;
		} else if (HDR("@@")) {
			if ((error = review_diff_parse_hunks(ps, f)) < 0)
				goto out;
			break;
		} else {
			break;
		}
#undef HDR
		review_diff_parser_next(ps);
	}
	if (prefixed) {
		review_diff_strip_prefix(git_a);
		review_diff_strip_prefix(git_b);
	}
	if (minus && (prefixed || !git_a))
		review_diff_strip_prefix(minus);
	if (plus && (prefixed || !git_b))
		review_diff_strip_prefix(plus);
	if (minus_null && f->status == REVIEW_FILE_MODIFIED)
		f->status = REVIEW_FILE_ADDED;
	if (plus_null && f->status == REVIEW_FILE_MODIFIED)
		f->status = REVIEW_FILE_DELETED;
	f->old_path = from ? from : minus ? minus : git_a;
	f->new_path = to ? to : plus ? plus : git_b;
	if (f->old_path == from)
		from = NULL;
	else if (f->old_path == minus)
		minus = NULL;
	else
		git_a = NULL;
	if (f->new_path == to)
		to = NULL;
	else if (f->new_path == plus)
		plus = NULL;
	else
		git_b = NULL;
	error = review_diff_file_finish(ps, f, header_line);
out:
	free(git_a);
	free(git_b);
	free(minus);
	free(plus);
	free(from);
	free(to);
	return error;
}

/* A plain unified diff's file: "--- old" and "+++ new", then hunks. */
static int review_diff_parse_plain_file(struct review_diff_parser *ps,
					struct review_diff_file *f)
{
	size_t header_line = ps->lineno;
	const char *v = ps->p + 4, *e = ps->p + review_diff_header_len(ps);
	char *minus = NULL, *plus = NULL;
	int minus_null, plus_null, a_prefix, b_prefix, error;

	if (!(minus_null = review_diff_is_dev_null(v, e)))
		minus = review_diff_name(v, e, 1);
	review_diff_parser_next(ps);
	v = ps->p + 4;
	e = ps->p + review_diff_header_len(ps);
	if (!(plus_null = review_diff_is_dev_null(v, e)))
		plus = review_diff_name(v, e, 1);
	review_diff_parser_next(ps);
	if (minus_null && !plus_null)
		f->status = REVIEW_FILE_ADDED;
	else if (plus_null && !minus_null)
		f->status = REVIEW_FILE_DELETED;
	/* Strip "a/" and "b/" only when the names look like git's. */
	a_prefix = minus && minus[0] == 'a' && minus[1] == '/';
	b_prefix = plus && plus[0] == 'b' && plus[1] == '/';
	if (a_prefix && (b_prefix || !plus))
		review_diff_strip_prefix(minus);
	if (b_prefix && (a_prefix || !minus))
		review_diff_strip_prefix(plus);
	f->old_path = minus;
	f->new_path = plus;
	if ((error = review_diff_parse_hunks(ps, f)) < 0)
		return error;
	return review_diff_file_finish(ps, f, header_line);
}

static void review_diff_add_text(struct review_diff *diff, char *text)
{
	ALLOC_GROW(diff->texts, diff->nr_texts, diff->alloc_texts);
	diff->texts[diff->nr_texts++] = text;
}

void review_diff_own_text(struct review_diff *diff, char *text)
{
	review_diff_add_text(diff, text);
}

static void review_diff_add_file(struct review_diff *diff,
				 struct review_diff_file *f)
{
	ALLOC_GROW(diff->files, diff->nr_files, diff->alloc_files);
	diff->files[diff->nr_files++] = *f;
	memset(f, 0, sizeof(*f));
}

/* Move everything from `from` to the end of `to`; `from` ends up empty. */
void review_diff_move(struct review_diff *to, struct review_diff *from)
{
	size_t i;

	if (!to->nr_files && !to->nr_texts) {
		review_diff_release(to);
		*to = *from;
		review_diff_init(from);
		return;
	}
	for (i = 0; i < from->nr_files; i++)
		review_diff_add_file(to, &from->files[i]);
	for (i = 0; i < from->nr_texts; i++)
		review_diff_add_text(to, from->texts[i]);
	free(from->files);
	free(from->texts);
	review_diff_init(from);
}

static int review_diff_parse_text(struct review_diff *diff,
				  const char *text, size_t len,
				  const char *name, struct buf *err)
{
	struct review_diff_parser ps;
	struct review_diff_file f;
	int error;

	review_diff_parser_start(&ps, text, len, name, err);
	while (!review_diff_parser_done(&ps)) {
		int git = review_diff_line_starts(&ps, "diff --git ");

		if (!git && !review_diff_at_file_header(&ps)) {
			/* Mail headers, commit messages, diffstat: skipped. */
			review_diff_parser_next(&ps);
			continue;
		}
		review_diff_file_init(&f, text);
		error = git ? review_diff_parse_git_file(&ps, &f)
			    : review_diff_parse_plain_file(&ps, &f);
		if (error < 0) {
			review_diff_file_release(&f);
			return error;
		}
		review_diff_add_file(diff, &f);
	}
	return 0;
}

int review_diff_parse_owned(struct review_diff *out, char *text, size_t len,
			    const char *name, struct buf *err)
{
	struct review_diff tmp;
	int error;

	review_diff_init(&tmp);
	review_diff_add_text(&tmp, text);
	if (len > UINT32_MAX) {
		error = error_set(err, TEND_ETOOBIG,
				  "patch '%s' is too big (%zu bytes)", name,
				  len);
		goto out;
	}
	if ((error = review_diff_parse_text(&tmp, text, len, name, err)) < 0)
		goto out;
	review_diff_move(out, &tmp);
out:
	if (error < 0)
		review_diff_release(out);
	review_diff_release(&tmp);
	return error;
}

int review_diff_parse(struct review_diff *out, const char *text, size_t len,
		      const char *name, struct buf *err)
{
	char *copy = xmalloc(len + 1);

	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return review_diff_parse_owned(out, copy, len, name, err);
}

int review_diff_add_patch(struct review_diff *diff,
			  const struct review_diff_file *meta,
			  const char *patch, size_t len, struct buf *err)
{
	struct review_diff_parser ps;
	struct review_diff_file f;
	const char *name = meta->path ? meta->path :
			   meta->new_path ? meta->new_path :
			   meta->old_path ? meta->old_path : "(unnamed)";
	char *copy;
	int error = 0;

	if (len > UINT32_MAX)
		return error_set(err, TEND_ETOOBIG,
				 "patch of '%s' is too big (%zu bytes)", name,
				 len);
	copy = xmalloc(len + 1);
	if (len)
		memcpy(copy, patch, len);
	copy[len] = '\0';
	review_diff_file_init(&f, copy);
	f.old_path = xstrdup_or_null(meta->old_path);
	f.new_path = xstrdup_or_null(meta->new_path);
	if (!f.old_path && !f.new_path && meta->path) {
		if (meta->status == REVIEW_FILE_DELETED)
			f.old_path = xstrdup(meta->path);
		else
			f.new_path = xstrdup(meta->path);
	}
	f.status = meta->status;
	f.old_mode = meta->old_mode;
	f.new_mode = meta->new_mode;
	f.similarity = meta->similarity;
	memcpy(f.old_oid, meta->old_oid, sizeof(f.old_oid));
	f.old_oid[sizeof(f.old_oid) - 1] = '\0';
	memcpy(f.new_oid, meta->new_oid, sizeof(f.new_oid));
	f.new_oid[sizeof(f.new_oid) - 1] = '\0';
	f.binary = meta->binary;
	f.submodule = meta->submodule;
	f.mode_changed = meta->mode_changed;

	review_diff_parser_start(&ps, copy, len, name, err);
	/* Forges send "Binary files ... differ" or nothing for binaries. */
	if (review_diff_line_starts(&ps, "Binary files ")) {
		f.binary = 1;
		review_diff_parser_next(&ps);
	} else if (review_diff_line_starts(&ps, "GIT binary patch")) {
		f.binary = 1;
		review_diff_skip_binary_patch(&ps);
	}
	if ((error = review_diff_parse_hunks(&ps, &f)) < 0)
		goto out;
	while (!review_diff_parser_done(&ps)) {
		if (review_diff_header_len(&ps)) {
			error = error_set(err, TEND_EINVALID,
					  "unexpected text at line %zu of the "
					  "patch of '%s'", ps.lineno, name);
			goto out;
		}
		review_diff_parser_next(&ps);
	}
	if ((error = review_diff_file_finish(&ps, &f, 1)) < 0)
		goto out;
	review_diff_add_text(diff, copy);
	copy = NULL;
	review_diff_add_file(diff, &f);
out:
	if (error < 0)
		review_diff_file_release(&f);
	free(copy);
	return error;
}

/* First line number of a hunk on a side, and how many lines it has there. */
static void review_diff_hunk_span(const struct review_hunk *h,
				  enum review_side side, uint64_t *lo,
				  uint32_t *count)
{
	if (side == REVIEW_SIDE_RIGHT) {
		*count = h->new_count;
		*lo = (uint64_t)h->new_start + (h->new_count ? 0 : 1);
	} else {
		*count = h->old_count;
		*lo = (uint64_t)h->old_start + (h->old_count ? 0 : 1);
	}
}

static uint32_t review_diff_line_no(const struct review_line *l,
				    enum review_side side)
{
	return side == REVIEW_SIDE_RIGHT ? l->new_no : l->old_no;
}

const struct review_line *review_diff_find_line(
	const struct review_diff_file *f, enum review_side side, uint32_t line,
	size_t *hunk_out)
{
	const struct review_hunk *h;
	size_t lo = 0, hi = f->nr_hunks, mid;
	uint64_t start;
	uint32_t count;

	if (!line)
		return NULL;
	/* The last hunk starting at or before `line` is the only candidate. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		review_diff_hunk_span(&f->hunks[mid], side, &start, &count);
		if (start <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	h = &f->hunks[lo - 1];
	review_diff_hunk_span(h, side, &start, &count);
	if (line >= start + count)
		return NULL;
	/*
	 * Lines of the other side interleave; a probe that lands on one walks
	 * forward to the next line of our side.
	 */
	lo = h->first_line;
	hi = h->first_line + h->nr_lines;
	while (lo < hi) {
		size_t m;
		uint32_t no;

		mid = lo + (hi - lo) / 2;
		for (m = mid; m < hi; m++)
			if (review_diff_line_no(&f->lines[m], side))
				break;
		if (m == hi) {
			hi = mid;
			continue;
		}
		no = review_diff_line_no(&f->lines[m], side);
		if (no < line) {
			lo = m + 1;
		} else if (no > line) {
			hi = mid;
		} else {
			if (hunk_out)
				*hunk_out = (size_t)(h - f->hunks);
			return &f->lines[m];
		}
	}
	return NULL;
}

int review_diff_can_comment(const struct review_diff_file *f,
			    enum review_side side, uint32_t start,
			    uint32_t end)
{
	size_t h1, h2;

	if (!start || start > end)
		return 0;
	/* A hunk's lines on one side are consecutive numbers. */
	return review_diff_find_line(f, side, start, &h1) &&
	       review_diff_find_line(f, side, end, &h2) && h1 == h2;
}

struct review_diff_file *review_diff_find_file(const struct review_diff *diff,
					       const char *path)
{
	size_t i;

	for (i = 0; i < diff->nr_files; i++)
		if (diff->files[i].path && !strcmp(diff->files[i].path, path))
			return &diff->files[i];
	return NULL;
}

void review_diff_render_hunks(struct buf *out, const struct review_diff_file *f)
{
	size_t h, i;

	for (h = 0; h < f->nr_hunks; h++) {
		const struct review_hunk *hk = &f->hunks[h];

		buf_printf(out, "@@ -%u,%u +%u,%u @@", hk->old_start,
			   hk->old_count, hk->new_start, hk->new_count);
		if (hk->section)
			buf_printf(out, " %s", hk->section);
		buf_putc(out, '\n');
		for (i = hk->first_line; i < hk->first_line + hk->nr_lines;
		     i++) {
			const struct review_line *l = &f->lines[i];

			buf_putc(out, l->origin);
			buf_add(out, review_line_text(f, l), l->len);
			buf_putc(out, '\n');
			if (l->no_eol)
				buf_puts(out, "\\ No newline at end of file\n");
		}
	}
}
