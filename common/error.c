/*
 * error.c - filling the caller's error buffer (see error.h).
 */
#include <stdarg.h>

#include "error.h"

int error_set(struct buf *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	buf_reset(err);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	return code;
}

int error_wrap(struct buf *err, int code, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (err->len) {
		buf_puts(&msg, ": ");
		buf_add(&msg, err->ptr, err->len);
	}
	buf_reset(err);
	buf_add(err, msg.ptr, msg.len);
	buf_release(&msg);
	return code;
}

const char *error_name(int code)
{
	switch (code) {
	case TEND_OK: return "ok";
	case TEND_ENOTFOUND: return "not found";
	case TEND_EAUTH: return "authentication failed";
	case TEND_ERATELIMIT: return "rate limited";
	case TEND_ETIMEOUT: return "timed out";
	case TEND_ETOOBIG: return "too big";
	case TEND_EINVALID: return "invalid input";
	case TEND_EUNAVAIL: return "unavailable";
	default: return "error";
	}
}
