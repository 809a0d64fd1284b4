/*
 * test_sse.c - the Server-Sent Events parser: fields, line ends, comments,
 * byte order mark, unfinished events, and streams split at every byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/sse.h"
#include "common/buf.h"
#include "tests/unit/test.h"

/* Every event as "type|id|data\n" (data with "\n" shown as "\\n"). */
struct seen {
	struct buf all;
	int stop_at;	/* stop the parse at this event (1-based), 0: never */
};

static int seen_event(const struct sse_event *ev, void *data)
{
	struct seen *s = data;
	size_t i;

	buf_printf(&s->all, "%s|%s|", ev->type, ev->id);
	for (i = 0; i < ev->data_len; i++) {
		if (ev->data[i] == '\n')
			buf_puts(&s->all, "\\n");
		else
			buf_putc(&s->all, ev->data[i]);
	}
	buf_putc(&s->all, '\n');
	if (s->stop_at && (int)ev->seq == s->stop_at)
		return 7;
	return 0;
}

/* Parse `text` fed in pieces of `step` bytes (0: all at once). */
static char *parse(const char *text, size_t len, size_t step, int *pending)
{
	struct seen s = { BUF_INIT, 0 };
	struct sse_parser p;
	size_t off = 0;

	sse_parser_init(&p, seen_event, &s);
	if (!step)
		step = len ? len : 1;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;

		sse_parser_feed(&p, text + off, n);
		off += n;
	}
	sse_parser_finish(&p, pending);
	sse_parser_release(&p);
	return buf_detach(&s.all, NULL);
}

static void check_all_splits(const char *text, const char *want)
{
	size_t len = strlen(text), step;

	for (step = 0; step <= len; step++) {
		char *got = parse(text, len, step, NULL);

		if (strcmp(got, want)) {
			printf("    split every %zu bytes\n", step);
			CHECK_STR(got, want);
		}
		free(got);
	}
}

void test_sse__basic(void)
{
	check_all_splits("data: hello\n\n", "message||hello\n");
	check_all_splits("event: ping\ndata: {}\n\nevent: x\ndata: 1\n\n",
			 "ping||{}\nx||1\n");
	/* No space after the colon; only one space is dropped. */
	check_all_splits("data:a\n\ndata:  b\n\n", "message||a\nmessage|| b\n");
}

void test_sse__multiline_and_fields(void)
{
	check_all_splits("data: one\ndata: two\ndata\n\n",
			 "message||one\\ntwo\\n\n");
	check_all_splits("id: 7\ndata: x\n\ndata: y\n\n",
			 "message|7|x\nmessage|7|y\n");
	/* Unknown fields and retry are not events; comments are ignored. */
	check_all_splits(": keep-alive\nretry: 100\nfoo: bar\ndata: z\n\n",
			 "message||z\n");
	/* An event with no data is not dispatched but resets the type. */
	check_all_splits("event: a\n\ndata: b\n\n", "message||b\n");
	/* The type applies to one event only. */
	check_all_splits("event: a\ndata: 1\n\ndata: 2\n\n",
			 "a||1\nmessage||2\n");
}

void test_sse__line_ends(void)
{
	check_all_splits("data: a\r\n\r\ndata: b\r\rdata: c\n\n",
			 "message||a\nmessage||b\nmessage||c\n");
	/* CR then LF in the next piece is one line end, not two. */
	check_all_splits("data: a\r\ndata: b\r\n\r\n", "message||a\\nb\n");
}

void test_sse__bom(void)
{
	check_all_splits("\xef\xbb\xbf" "data: x\n\n", "message||x\n");
	/* Only at the very start. */
	check_all_splits("data: x\n\n\xef\xbb\xbf" "data: y\n\n",
			 "message||x\n");
}

void test_sse__unfinished_event(void)
{
	int pending = 0;
	char *got;

	got = parse("data: a\n\ndata: b", 17, 0, &pending);
	CHECK_STR(got, "message||a\n");
	CHECK_INT(pending, 1);
	free(got);
	got = parse("data: a\n\n", 9, 0, &pending);
	CHECK_INT(pending, 0);
	free(got);
	got = parse("", 0, 0, &pending);
	CHECK_STR(got, "");
	CHECK_INT(pending, 0);
	free(got);
}

void test_sse__callback_stops(void)
{
	struct seen s = { BUF_INIT, 2 };
	struct sse_parser p;
	const char *text = "data: 1\n\ndata: 2\n\ndata: 3\n\n";

	sse_parser_init(&p, seen_event, &s);
	CHECK_INT(sse_parser_feed(&p, text, strlen(text)), 7);
	CHECK_INT(sse_parser_feed(&p, "data: 4\n\n", 9), 7);
	CHECK_INT(sse_parser_finish(&p, NULL), 7);
	CHECK_STR(s.all.ptr, "message||1\nmessage||2\n");
	sse_parser_release(&p);
	buf_release(&s.all);
}

void test_sse__nul_in_data(void)
{
	struct seen s = { BUF_INIT, 0 };
	struct sse_parser p;
	const char text[] = "data: a\0b\n\n";

	sse_parser_init(&p, seen_event, &s);
	CHECK_INT(sse_parser_feed(&p, text, sizeof(text) - 1), 0);
	CHECK_INT(s.all.len, strlen("message||a") + 3);
	sse_parser_release(&p);
	buf_release(&s.all);
}
