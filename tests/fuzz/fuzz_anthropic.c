/*
 * fuzz_anthropic.c - libFuzzer target for the Anthropic Messages reply
 * parser and error reader.
 *
 * The first byte picks the mode (odd: an event stream, even: a JSON body)
 * and, for the error reader, the HTTP status; the rest is the reply.
 * Whatever the input, agent_anthropic_parse() either succeeds with a
 * complete response (text, and every call with an id, a name and
 * arguments) or fails with one of its documented codes, a message, and an empty
 * response; nothing may crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agents/provider.h"
#include "common/buf.h"
#include "common/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_anthropic_check(int rc, const struct agent_response *r,
			      const struct buf *err)
{
	size_t i;

	if (!rc) {
		if (!r->text)
			abort();
		for (i = 0; i < r->nr_calls; i++)
			if (!r->calls[i].id || !r->calls[i].name ||
			    !*r->calls[i].name || !r->calls[i].arguments)
				abort();
		return;
	}
	if (rc != TEND_EINVALID && rc != TEND_ERROR && rc != AGENT_ECONTEXT &&
	    rc != TEND_ERATELIMIT && rc != TEND_EAUTH && rc != TEND_ENOTFOUND)
		abort();
	if (!err->len || r->text || r->calls || r->nr_calls || r->model ||
	    r->stop_raw)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 400, 401, 404, 413, 429, 500 };
	struct agent_response r;
	struct buf err = BUF_INIT;
	const char *body;
	size_t len;
	int rc;

	if (!size)
		return 0;
	body = (const char *)data + 1;
	len = size - 1;
	agent_response_init(&r);
	rc = agent_anthropic_parse(body, len, data[0] & 1, &r, &err);
	fuzz_anthropic_check(rc, &r, &err);
	/* Parse again into the used response: it must be released. */
	rc = agent_anthropic_parse(body, len, data[0] & 1, &r, &err);
	fuzz_anthropic_check(rc, &r, &err);
	agent_response_release(&r);
	rc = agent_anthropic_error(statuses[data[0] % 6], body, len, &err);
	if (rc >= 0 || !err.len)
		abort();
	buf_release(&err);
	return 0;
}
