/*
 * fuzz_feedback.c - libFuzzer target for feedback_classify(), which reads
 * people's replies to tend's comments. The input is the reply as it comes
 * from the forge, not NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/feedback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data, *r;
	size_t n;
	enum feedback_verdict v = feedback_classify(body, size, &r, &n);

	/* A reason is a span of the reply, only for a rejection. */
	if (r && (v != FEEDBACK_REJECT || r < body || n == 0 ||
		  r + n > body + size))
		abort();
	if (!r && n)
		abort();
	return 0;
}
