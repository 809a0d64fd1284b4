/*
 * jsonutil.c - UTF-8-safe string construction and dumping for Jansson.
 */
#include <string.h>

#include "common/error.h"
#include "common/jsonutil.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t jsonutil_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] > 0x9f)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] > 0x8f)
			return 0;
		return 4;
	}
	return 0;
}

void jsonutil_sanitize(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t run = i, n;

		while (run < len && (n = jsonutil_utf8_len(p + run, len - run)) &&
		       p[run] != 0)
			run += n;
		buf_add(out, s + i, run - i);
		i = run;
		if (i < len) {
			/* NUL would end Jansson's string early: replace it too. */
			buf_puts(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

json_t *jsonutil_stringn(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	json_t *j;

	jsonutil_sanitize(&b, s, len);
	j = json_stringn(b.ptr, b.len);
	buf_release(&b);
	return j;
}

json_t *jsonutil_string(const char *s)
{
	return s ? jsonutil_stringn(s, strlen(s)) : json_null();
}

static int jsonutil_dump_cb(const char *data, size_t size, void *p)
{
	return buf_add(p, data, size) < 0 ? -1 : 0;
}

int jsonutil_dump(struct buf *out, const json_t *json, int indent)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;

	if (indent > 0)
		flags |= JSON_INDENT(indent);
	else
		flags |= JSON_COMPACT;
	if (json_dump_callback(json, jsonutil_dump_cb, out, flags) < 0)
		return TEND_ERROR;
	return buf_putc(out, '\n');
}
