/*
 * sse.h - an incremental parser for Server-Sent Events (text/event-stream).
 *
 * Both model protocols stream their answers as SSE: OpenAI sends unnamed
 * `data: {json}` events ending with `data: [DONE]`, Anthropic sends named
 * events (`event: content_block_delta` plus a `data:` line). This parser
 * follows the WHATWG "event stream interpretation" rules:
 *
 *   - lines end with CRLF, LF or CR, and a CR that ends one chunk followed
 *     by an LF that starts the next is one line end, so the stream may be
 *     split anywhere, even inside a line end;
 *   - a UTF-8 byte order mark at the very start is skipped;
 *   - a line starting with ':' is a comment (keep-alives) and is ignored;
 *   - "field: value" (one space after the colon dropped), or a line with no
 *     colon, which is a field with an empty value;
 *   - `data` lines accumulate, joined with "\n"; `event` sets the type;
 *     `id` sets the last event id (ignored when it contains NUL); `retry`
 *     with only digits sets the reconnection time; other fields are ignored;
 *   - an empty line dispatches the event when some `data` was seen (an
 *     event with no data is dropped, as the spec says) and resets the type;
 *   - at the end of the stream, an event that was not closed by an empty
 *     line is discarded (sse_parser_finish()).
 *
 * The parser is fed bytes in any pieces with sse_parser_feed() and calls
 * the callback once per event, in order. Today the providers buffer the
 * whole body (http_send() reads it all) and feed it in one piece; the
 * parser keeps all partial state between calls so that a libcurl write
 * callback can feed it as bytes arrive.
 *
 * Memory: a line or an event's data grows with the input; nothing else is
 * kept. Callers bound the input (the HTTP client caps bodies).
 */
#ifndef AGENTS_SSE_H
#define AGENTS_SSE_H

#include <stddef.h>

#include "common/buf.h"

/* One dispatched event; every pointer is borrowed for the callback only. */
struct sse_event {
	const char *type;	/* the `event` field, or "message" */
	const char *data;	/* the joined `data` lines, NUL-terminated;
				   may hold NUL bytes, see data_len */
	size_t data_len;
	const char *id;		/* the last event id seen so far, or "" */
	size_t seq;		/* 1 for the first event dispatched, ... */
};

/*
 * Called for each event; a non-zero return stops the parse and is returned
 * by sse_parser_feed() (use negative TEND_E* codes, or a positive value
 * to stop early without an error).
 */
typedef int (*sse_event_fn)(const struct sse_event *ev, void *data);

struct sse_parser {
	sse_event_fn fn;
	void *fn_data;
	struct buf line;	/* the current, unfinished line */
	struct buf type;	/* `event` of the event being built */
	struct buf data;	/* `data` of the event being built */
	struct buf id;		/* last event id */
	long retry_ms;		/* last valid `retry`, -1 when none */
	size_t seq;		/* events dispatched */
	int data_seen;		/* a `data` field arrived for this event */
	int after_cr;		/* the last byte fed was a CR */
	int started;		/* some byte was fed (for the BOM) */
	int stopped;		/* the callback stopped the parse */
	int stop_code;
};

/* Set up a parser that calls `fn(ev, data)` per event. Allocates nothing. */
void sse_parser_init(struct sse_parser *p, sse_event_fn fn, void *data);

/* Free what the parser holds; it may be initialised again. */
void sse_parser_release(struct sse_parser *p);

/*
 * Parse `len` more bytes. Returns 0, or the callback's non-zero value when
 * it stopped the parse (later calls return the same value at once).
 */
int sse_parser_feed(struct sse_parser *p, const char *bytes, size_t len);

/*
 * The stream has ended: a last line without a line end is processed, an
 * event not closed by an empty line is dropped. Returns like
 * sse_parser_feed(). Returns 1 in `*pending_out` (may be NULL) when data of
 * an unfinished event was dropped, so callers can report a cut stream.
 */
int sse_parser_finish(struct sse_parser *p, int *pending_out);

#endif
