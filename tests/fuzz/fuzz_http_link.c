/*
 * fuzz_http_link.c - libFuzzer target for the parsers of HTTP header values
 * that come from outside: the Link header (http_link_next), Retry-After
 * (http_retry_after_secs), GitLab's x-next-page (http_gitlab_next_page)
 * and the URL masking used for logs (http_url_for_log).
 *
 * The input is one header value; it is made a C string first, as it is
 * when it comes out of a response.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response r;
	struct buf b = BUF_INIT;
	char *value = xstrndup((const char *)data, size);
	char *next;
	char *hdr[1];

	next = http_link_next(value);
	if (next) {
		/* What comes back is a non-empty part of the input. */
		if (!*next || !strstr(value, next))
			abort();
		free(next);
	}
	if (http_retry_after_secs(value, 1700000000) < -1)
		abort();
	http_url_for_log(&b, value);
	buf_release(&b);

	http_response_init(&r);
	hdr[0] = xasprintf("x-next-page: %s", value);
	r.headers = hdr;
	r.nr_headers = 1;
	if (http_gitlab_next_page(&r) < 0)
		abort();
	free(hdr[0]);
	free(value);
	return 0;
}
