/*
 * error.h - the project-wide error convention.
 *
 * Below cli/, functions return int: 0 on success, a negative TEND_E* code on
 * failure. A handful of expected failures have names so callers can react to
 * them (retry, fall back, pick an exit code); everything else is TEND_ERROR.
 *
 * The human-readable message goes into the caller's `struct buf *err`, which
 * may be NULL when the caller does not care. A message is complete enough to
 * print as is: lowercase, no final period, what failed first, operands quoted.
 * On success `err` is left untouched.
 */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

#include "buf.h"

enum {
	TEND_OK = 0,
	TEND_ERROR = -1,	/* generic failure, see the message */
	TEND_ENOTFOUND = -2,	/* a thing that was looked up does not exist */
	TEND_EAUTH = -3,	/* credentials missing, rejected or too weak */
	TEND_ERATELIMIT = -4,	/* an outside service asked us to slow down */
	TEND_ETIMEOUT = -5,	/* a deadline passed */
	TEND_ETOOBIG = -6,	/* a size cap was reached */
	TEND_EINVALID = -7,	/* malformed input: config, payload, diff */
	TEND_EUNAVAIL = -8	/* a needed facility (sandbox, tool) is missing */
};

/*
 * Replace the contents of `err` (if not NULL) with the formatted message and
 * return `code`, so a failure path reads `return error_set(err, ...)`.
 */
int error_set(struct buf *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefix the message already in `err` with the formatted context and ": ",
 * the way git chains messages ("cannot load config: ..."). Returns `code`.
 */
int error_wrap(struct buf *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A short stable name for a code, for logs and JSON ("not found", ...). */
const char *error_name(int code);

#endif
