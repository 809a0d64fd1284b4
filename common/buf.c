/*
 * buf.c - the growable byte buffer (see buf.h for the invariants).
 *
 * Growth is geometric; nothing here knows about text encodings or lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "xalloc.h"

char buf__empty[1];

void buf_init(struct buf *b, size_t hint)
{
	b->ptr = buf__empty;
	b->len = 0;
	b->alloc = 0;
	b->max = 0;
	if (hint)
		buf_grow(b, hint);
}

void buf_release(struct buf *b)
{
	size_t max = b->max;

	if (b->alloc)
		free(b->ptr);
	buf_init(b, 0);
	b->max = max;
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > ((size_t)-1) - b->len - 1)
		return TEND_ETOOBIG;
	need = b->len + extra + 1;
	if (b->max && b->len + extra > b->max)
		return TEND_ETOOBIG;
	if (need <= b->alloc)
		return 0;
	if (!b->alloc) {
		size_t n = need < 64 ? 64 : need;

		b->ptr = xmalloc(n);
		b->ptr[0] = '\0';
		b->alloc = n;
		return 0;
	}
	b->ptr = xgrow(b->ptr, &b->alloc, need, 1);
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t n)
{
	int error;

	if (!n)
		return 0;
	if ((error = buf_grow(b, n)) < 0)
		return error;
	memmove(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_add(b, &ch, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, error;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return TEND_ERROR;
	if ((error = buf_grow(b, (size_t)n)) < 0)
		return error;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int error;

	va_start(ap, fmt);
	error = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return error;
}

int buf_sets(struct buf *b, const char *s)
{
	buf_reset(b);
	return buf_puts(b, s);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

void buf_rtrim(struct buf *b)
{
	size_t n = b->len;

	while (n && strchr(" \t\r\n\v\f", b->ptr[n - 1]))
		n--;
	buf_truncate(b, n);
}

char *buf_detach(struct buf *b, size_t *len_out)
{
	char *p;
	size_t max = b->max;

	if (!b->alloc)
		buf_grow(b, 0);
	p = b->ptr;
	if (len_out)
		*len_out = b->len;
	buf_init(b, 0);
	b->max = max;
	return p;
}

size_t buf_replace_all(struct buf *b, const char *from, const char *to)
{
	struct buf out = BUF_INIT;
	size_t flen = strlen(from), count = 0, i = 0;
	char *hit;

	if (!flen || !b->len)
		return 0;
	while (i < b->len &&
	       (hit = memmem(b->ptr + i, b->len - i, from, flen))) {
		buf_add(&out, b->ptr + i, (size_t)(hit - (b->ptr + i)));
		buf_puts(&out, to);
		i = (size_t)(hit - b->ptr) + flen;
		count++;
	}
	if (!count)
		return 0;
	buf_add(&out, b->ptr + i, b->len - i);
	out.max = b->max;
	buf_release(b);
	*b = out;
	return count;
}
