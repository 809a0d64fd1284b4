/*
 * buf.h - the one growable byte buffer.
 *
 * Invariants, after buf_init() or BUF_INIT and until buf_release():
 *   - `ptr` is never NULL and `ptr[len]` is always '\0', so a buf can be
 *     handed to any function that wants a C string;
 *   - the contents are binary-safe: NUL bytes inside [0, len) are allowed,
 *     and `len` is the truth about the size;
 *   - when `max` is non-zero, no append lets `len` exceed it: the append
 *     fails with TEND_ETOOBIG and leaves the buffer as it was. This bounds
 *     memory for anything read from outside (HTTP bodies, process output).
 *
 * A buf owns its memory; buf_release() frees it and re-initialises the
 * buffer, so a released buf may be used again. buf_detach() hands the memory
 * to the caller, who frees it with free().
 */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t alloc;	/* bytes allocated at ptr, 0 while ptr is the shared "" */
	size_t max;	/* 0: unbounded; else the most `len` may reach */
};

extern char buf__empty[];
#define BUF_INIT { buf__empty, 0, 0, 0 }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);

/* Make room for `extra` more bytes. Fails with TEND_ETOOBIG past `max`. */
int buf_grow(struct buf *b, size_t extra);

int buf_add(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Replace the contents with a copy of `s`. */
int buf_sets(struct buf *b, const char *s);

/* Drop everything after the first `len` bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
#define buf_reset(b) buf_truncate((b), 0)

/* Remove trailing ASCII white space. */
void buf_rtrim(struct buf *b);

/*
 * Take the memory out of the buffer; the caller frees it. The buffer is left
 * initialised and empty. `len_out` may be NULL.
 */
char *buf_detach(struct buf *b, size_t *len_out);

/* Replace every occurrence of `from` with `to`; returns the count. */
size_t buf_replace_all(struct buf *b, const char *from, const char *to);

#endif
