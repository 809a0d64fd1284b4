/*
 * linediff.c - a line diff of two versions of one file (see linediff.h).
 *
 * What this file is not for: diffs users see (forge/ and review/diff*.c
 * read git's), or anything finer than whole lines.
 *
 * Lines are compared by a hash first and by their bytes when the hashes
 * agree. The Myers search keeps, for every edit distance d, the furthest
 * reaching x of each diagonal, so the path can be walked back from the end;
 * that history costs about d * d words, which is why the number of edits is
 * capped.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "review/linediff.h"

struct review_linediff_side {
	const char *text;
	uint32_t nr;
	uint32_t *off, *len, *hash;
};

static void review_linediff_split(struct review_linediff_side *s,
				  const char *text, size_t len)
{
	size_t i, start = 0, n = 0, alloc = 0;

	memset(s, 0, sizeof(*s));
	s->text = text;
	if (!text || !len)
		return;
	/* at most UINT32_MAX bytes: the caller's parser holds them */
	for (i = 0; i <= len; i++) {
		uint32_t h = 2166136261u;
		size_t j;

		if (i < len && text[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		if (n + 1 > alloc) {
			size_t a = alloc;

			s->off = xgrow(s->off, &a, n + 1, sizeof(*s->off));
			a = alloc;
			s->len = xgrow(s->len, &a, n + 1, sizeof(*s->len));
			s->hash = xgrow(s->hash, &alloc, n + 1,
					sizeof(*s->hash));
		}
		for (j = start; j < i; j++)
			h = (h ^ (unsigned char)text[j]) * 16777619u;
		s->off[n] = (uint32_t)start;
		s->len[n] = (uint32_t)(i - start);
		s->hash[n] = h;
		n++;
		start = i + 1;
	}
	s->nr = (uint32_t)n;
}

static void review_linediff_side_release(struct review_linediff_side *s)
{
	free(s->off);
	free(s->len);
	free(s->hash);
}

static int review_linediff_eq(const struct review_linediff_side *a,
			      uint32_t i, const struct review_linediff_side *b,
			      uint32_t j)
{
	return a->hash[i] == b->hash[j] && a->len[i] == b->len[j] &&
	       !memcmp(a->text + a->off[i], b->text + b->off[j], a->len[i]);
}

static void review_linediff_edit(struct review_linediff *d, size_t *alloc,
				 uint32_t line)
{
	if (!line)
		line = 1;
	ALLOC_GROW(d->edits, d->nr_edits, *alloc);
	d->edits[d->nr_edits++] = line;
}

static int review_linediff_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Myers on old[pre, pre + n) and new[pre, pre + m): mark matched new
 * lines in d->new_to_old and note deletions as edits. Returns 0, or -1
 * when more than REVIEW_LINEDIFF_MAX_EDITS edits would be needed.
 */
static int review_linediff_myers(struct review_linediff *d, size_t *alloc,
				 const struct review_linediff_side *o,
				 const struct review_linediff_side *nw,
				 uint32_t pre, uint32_t n, uint32_t m)
{
	long max = (long)n + (long)m, dmax, dd, k, x, y;
	long *v, **trace;
	int rc = -1;

	dmax = max < REVIEW_LINEDIFF_MAX_EDITS ? max : REVIEW_LINEDIFF_MAX_EDITS;
	v = xcalloc((size_t)(2 * dmax + 3), sizeof(*v));
	trace = xcalloc((size_t)dmax + 1, sizeof(*trace));
	v += dmax + 1;	/* v[k] for k in [-dmax - 1, dmax + 1] */
	for (dd = 0; dd <= dmax; dd++) {
		for (k = -dd; k <= dd; k += 2) {
			if (k == -dd || (k != dd && v[k - 1] < v[k + 1]))
				x = v[k + 1];
			else
				x = v[k - 1] + 1;
			y = x - k;
			while (x < n && y < m &&
			       review_linediff_eq(o, pre + (uint32_t)x, nw,
						  pre + (uint32_t)y))
				x++, y++;
			v[k] = x;
			if (x >= n && y >= m)
				break;
		}
		/* v[-dd .. dd] after this round */
		trace[dd] = xmalloc((size_t)(2 * dd + 1) * sizeof(**trace));
		memcpy(trace[dd], v - dd, (size_t)(2 * dd + 1) * sizeof(*v));
		if (k <= dd)
			break;
	}
	if (dd > dmax)
		goto out;
	/* walk back from (n, m) */
	x = n;
	y = m;
	for (; dd > 0; dd--) {
		long *prev = trace[dd - 1] + (dd - 1), pk, px, py;

		k = x - y;
		if (k == -dd || (k != dd && prev[k - 1] < prev[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = prev[pk];
		py = px - pk;
		for (; x > px && y > py; x--, y--)
			d->new_to_old[pre + y] = pre + (uint32_t)x;
		if (x == px)	/* new line py was added */
			review_linediff_edit(d, alloc, pre + (uint32_t)py + 1);
		else		/* old line px was deleted above new py */
			review_linediff_edit(d, alloc, pre + (uint32_t)py);
		x = px;
		y = py;
	}
	for (; x > 0 && y > 0; x--, y--)
		d->new_to_old[pre + y] = pre + (uint32_t)x;
	rc = 0;
out:
	for (k = 0; k <= dmax && trace[k]; k++)
		free(trace[k]);
	free(trace);
	free(v - dmax - 1);
	return rc;
}

void review_linediff_compute(struct review_linediff *out, const char *old,
			     size_t old_len, const char *new, size_t new_len)
{
	struct review_linediff_side o, nw;
	uint32_t pre = 0, suf = 0, n, m, i;
	size_t alloc = 0, j, k;

	memset(out, 0, sizeof(*out));
	review_linediff_split(&o, old, old_len);
	review_linediff_split(&nw, new, new_len);
	out->nr_old = o.nr;
	out->nr_new = nw.nr;
	out->new_to_old = xcalloc((size_t)nw.nr + 1,
				  sizeof(*out->new_to_old));
	while (pre < o.nr && pre < nw.nr &&
	       review_linediff_eq(&o, pre, &nw, pre)) {
		out->new_to_old[pre + 1] = pre + 1;
		pre++;
	}
	while (suf < o.nr - pre && suf < nw.nr - pre &&
	       review_linediff_eq(&o, o.nr - 1 - suf, &nw, nw.nr - 1 - suf)) {
		out->new_to_old[nw.nr - suf] = o.nr - suf;
		suf++;
	}
	n = o.nr - pre - suf;
	m = nw.nr - pre - suf;
	if ((n || m) &&
	    review_linediff_myers(out, &alloc, &o, &nw, pre, n, m) < 0) {
		/* too many edits: all of the middle changed */
		out->nr_edits = 0;
		for (i = 0; i < m; i++) {
			out->new_to_old[pre + 1 + i] = 0;
			review_linediff_edit(out, &alloc, pre + 1 + i);
		}
		if (n)
			review_linediff_edit(out, &alloc, pre);
	}
	if (out->nr_edits) {
		qsort(out->edits, out->nr_edits, sizeof(*out->edits),
		      review_linediff_cmp);
		for (j = k = 1; j < out->nr_edits; j++)
			if (out->edits[j] != out->edits[k - 1])
				out->edits[k++] = out->edits[j];
		out->nr_edits = k;
	}
	review_linediff_side_release(&o);
	review_linediff_side_release(&nw);
}

void review_linediff_release(struct review_linediff *d)
{
	free(d->new_to_old);
	free(d->edits);
	memset(d, 0, sizeof(*d));
}

uint32_t review_linediff_old_line(const struct review_linediff *d,
				  uint32_t line)
{
	if (line > d->nr_new)
		line = d->nr_new;
	for (; line > 0; line--)
		if (d->new_to_old[line])
			return d->new_to_old[line];
	return 0;
}

/* Index of the first edit >= line. */
static size_t review_linediff_lower(const struct review_linediff *d,
				    uint32_t line)
{
	size_t lo = 0, hi = d->nr_edits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->edits[mid] < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t review_linediff_edit_above(const struct review_linediff *d,
				    uint32_t line)
{
	size_t i = review_linediff_lower(d, line);

	if (i < d->nr_edits && d->edits[i] == line)
		return line;
	return i ? d->edits[i - 1] : 0;
}

uint32_t review_linediff_edit_below(const struct review_linediff *d,
				    uint32_t line)
{
	size_t i = review_linediff_lower(d, line);

	return i < d->nr_edits ? d->edits[i] : 0;
}
