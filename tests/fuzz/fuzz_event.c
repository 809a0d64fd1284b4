/*
 * fuzz_event.c - libFuzzer target for GitHub event payloads
 * (forge_context_parse_github_event).
 *
 * Input: the event name on the first line ("pull_request", "issue_comment",
 * "workflow_dispatch", ...), the payload's JSON after it. Whatever the
 * bytes, the parse must succeed with a sane context or fail with
 * TEND_EINVALID and a message that starts with the input's name, leaving
 * the context untouched; it must never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "forge/context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_event_is_sha(const char *s)
{
	size_t n = s ? strlen(s) : 40;

	if (n != 40 && n != 64)
		return 0;
	return !s || strspn(s, "0123456789abcdefABCDEF") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t name_len = nl ? (size_t)(nl - text) : size;
	struct forge_context ctx;
	struct buf err = BUF_INIT;
	char *event;
	int rc;

	event = malloc(name_len + 1);
	if (!event)
		return 0;
	memcpy(event, text, name_len);
	event[name_len] = '\0';
	forge_context_init(&ctx);
	ctx.number = -5;	/* a failed parse must leave this alone */
	rc = forge_context_parse_github_event(&ctx, event,
					      nl ? nl + 1 : text + size,
					      nl ? size - name_len - 1 : 0,
					      "fuzz", &err);
	if (rc == 0) {
		if (ctx.number < 0 || ctx.fork < -1 || ctx.fork > 1)
			abort();
		if (!fuzz_event_is_sha(ctx.head_sha) ||
		    !fuzz_event_is_sha(ctx.base_sha))
			abort();
		/* Parsing again over the first result must not leak. */
		if (forge_context_parse_github_event(&ctx, event,
						     nl ? nl + 1 : text + size,
						     nl ? size - name_len - 1 :
						     0, "fuzz", &err))
			abort();
	} else if (rc != TEND_EINVALID || strncmp(err.ptr, "fuzz: ", 6) ||
		   ctx.number != -5 || ctx.head_sha) {
		abort();
	}
	/* describe() copes with whatever the parse left. */
	buf_reset(&err);
	forge_context_describe(&err, &ctx, 0);
	buf_reset(&err);
	forge_context_describe(&err, &ctx, 1);
	forge_context_release(&ctx);
	buf_release(&err);
	free(event);
	return 0;
}
