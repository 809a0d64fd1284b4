/*
 * jsonutil.h - small helpers on top of Jansson for building output.
 *
 * Jansson refuses strings that are not valid UTF-8 (json_string returns
 * NULL), but file paths and code lines from a repository can hold any
 * bytes. These helpers replace invalid sequences with U+FFFD so output is
 * always valid JSON and nothing is silently dropped.
 *
 * Every json_t returned is a new reference the caller owns.
 */
#ifndef COMMON_JSONUTIL_H
#define COMMON_JSONUTIL_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

/* A JSON string from `len` bytes; invalid UTF-8 becomes U+FFFD. */
json_t *jsonutil_stringn(const char *s, size_t len);

/* As above for a C string; NULL gives JSON null. */
json_t *jsonutil_string(const char *s);

/* Append the valid-UTF-8 form of s[0..len) to `out`. */
void jsonutil_sanitize(struct buf *out, const char *s, size_t len);

/*
 * Serialise `json` (borrowed) into `out`, indented by `indent` spaces (0 for
 * compact), with a final newline. Returns 0 or TEND_ERROR.
 */
int jsonutil_dump(struct buf *out, const json_t *json, int indent);

#endif
