/*
 * xalloc.h - allocation wrappers that never return NULL.
 *
 * Running out of memory is not a condition tend can recover from in a useful
 * way, so these abort with a message instead. Call sites therefore carry no
 * out-of-memory branches. Every pointer returned here is freed with free().
 */
#ifndef COMMON_XALLOC_H
#define COMMON_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of `size`-byte items to hold at least `need`; updates *alloc. */
void *xgrow(void *p, size_t *alloc, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup of s, or NULL when s is NULL. */
char *xstrdup_or_null(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow `arr` (of `nr` used, `alloc` allocated) to hold `nr + 1` items. */
#define ALLOC_GROW(arr, nr, alloc) \
	((arr) = xgrow((arr), &(alloc), (nr) + 1, sizeof(*(arr))))

#endif
