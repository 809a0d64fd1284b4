/*
 * sse.c - the incremental Server-Sent Events parser (see sse.h).
 *
 * This file knows the text/event-stream framing only: lines, fields and
 * events. What an event means (a JSON chunk of OpenAI's or Anthropic's
 * stream) is the business of agents/openai.c and agents/anthropic.c.
 */
#include <string.h>

#include "agents/sse.h"

void sse_parser_init(struct sse_parser *p, sse_event_fn fn, void *data)
{
	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->fn_data = data;
	buf_init(&p->line, 0);
	buf_init(&p->type, 0);
	buf_init(&p->data, 0);
	buf_init(&p->id, 0);
	p->retry_ms = -1;
}

void sse_parser_release(struct sse_parser *p)
{
	buf_release(&p->line);
	buf_release(&p->type);
	buf_release(&p->data);
	buf_release(&p->id);
	p->data_seen = 0;
}

/* An empty line: hand the event to the callback and start a new one. */
static int sse_parser_dispatch(struct sse_parser *p)
{
	struct sse_event ev;
	int rc = 0;

	if (p->data_seen) {
		/* Every data line added a "\n"; the last one is dropped. */
		if (p->data.len && p->data.ptr[p->data.len - 1] == '\n')
			buf_truncate(&p->data, p->data.len - 1);
		ev.type = p->type.len ? p->type.ptr : "message";
		ev.data = p->data.ptr;
		ev.data_len = p->data.len;
		ev.id = p->id.ptr;
		ev.seq = ++p->seq;
		rc = p->fn(&ev, p->fn_data);
	}
	buf_reset(&p->type);
	buf_reset(&p->data);
	p->data_seen = 0;
	return rc;
}

static int sse_field_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(name, want, n);
}

/* One complete line (without its line end). */
static int sse_parser_line(struct sse_parser *p, const char *s, size_t n)
{
	const char *colon, *value;
	size_t name_len, value_len;

	if (!n)
		return sse_parser_dispatch(p);
	if (s[0] == ':')
		return 0;
	colon = memchr(s, ':', n);
	if (colon) {
		name_len = (size_t)(colon - s);
		value = colon + 1;
		value_len = n - name_len - 1;
		if (value_len && *value == ' ') {
			value++;
			value_len--;
		}
	} else {
		name_len = n;
		value = s + n;
		value_len = 0;
	}
	if (sse_field_is(s, name_len, "data")) {
		buf_add(&p->data, value, value_len);
		buf_putc(&p->data, '\n');
		p->data_seen = 1;
	} else if (sse_field_is(s, name_len, "event")) {
		buf_reset(&p->type);
		buf_add(&p->type, value, value_len);
	} else if (sse_field_is(s, name_len, "id")) {
		if (!memchr(value, '\0', value_len)) {
			buf_reset(&p->id);
			buf_add(&p->id, value, value_len);
		}
	} else if (sse_field_is(s, name_len, "retry")) {
		long ms = 0;
		size_t i;

		for (i = 0; i < value_len; i++) {
			if (value[i] < '0' || value[i] > '9')
				break;
			if (ms < 100000000L)
				ms = ms * 10 + (value[i] - '0');
		}
		if (value_len && i == value_len)
			p->retry_ms = ms;
	}
	return 0;
}

/* The line collected in p->line is complete. */
static int sse_parser_flush_line(struct sse_parser *p)
{
	int rc = sse_parser_line(p, p->line.ptr, p->line.len);

	buf_reset(&p->line);
	return rc;
}

int sse_parser_feed(struct sse_parser *p, const char *bytes, size_t len)
{
	const char *s = bytes, *end = bytes + len;
	int rc;

	if (p->stopped)
		return p->stop_code;
	if (!p->started && len) {
		/* The BOM may itself arrive split: wait for three bytes. */
		static const char bom[] = "\xef\xbb\xbf";
		size_t have = p->line.len, take = 3 - have;

		if (take > len)
			take = len;
		if (memcmp(bom, p->line.ptr, have) ||
		    memcmp(bom + have, s, take)) {
			p->started = 1;
		} else if (have + take < 3) {
			buf_add(&p->line, s, take);
			return 0;
		} else {
			buf_reset(&p->line);
			p->started = 1;
			s += take;
		}
	}
	while (s < end) {
		const char *nl;

		if (p->after_cr) {
			p->after_cr = 0;
			if (*s == '\n') {
				s++;
				continue;
			}
		}
		nl = s;
		while (nl < end && *nl != '\n' && *nl != '\r')
			nl++;
		buf_add(&p->line, s, (size_t)(nl - s));
		if (nl == end)
			break;
		p->after_cr = *nl == '\r';
		s = nl + 1;
		rc = sse_parser_flush_line(p);
		if (rc) {
			p->stopped = 1;
			p->stop_code = rc;
			return rc;
		}
	}
	return 0;
}

int sse_parser_finish(struct sse_parser *p, int *pending_out)
{
	int rc = 0;

	if (pending_out)
		*pending_out = 0;
	if (p->stopped)
		return p->stop_code;
	/* A BOM prefix that never completed is ordinary text. */
	p->started = 1;
	if (p->line.len) {
		rc = sse_parser_flush_line(p);
		if (rc) {
			p->stopped = 1;
			p->stop_code = rc;
			return rc;
		}
	}
	if (p->data_seen && pending_out)
		*pending_out = 1;
	buf_reset(&p->type);
	buf_reset(&p->data);
	p->data_seen = 0;
	return 0;
}
