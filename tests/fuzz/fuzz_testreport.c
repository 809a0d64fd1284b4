/*
 * fuzz_testreport.c - libFuzzer target for the test-output parser.
 *
 * Test output is written by the code under test, so it is hostile input.
 * Whatever the bytes, testreport_parse() must not crash, must keep its
 * bounds (failure count, field and excerpt sizes), and must not leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/testreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct testreport r;
	size_t i;

	testreport_init(&r);
	testreport_parse(&r, (const char *)data, size);
	if (r.nr > TESTREPORT_MAX_FAILURES)
		abort();
	for (i = 0; i < r.nr; i++) {
		const struct testreport_failure *f = &r.failures[i];

		if ((f->name && strlen(f->name) > TESTREPORT_MAX_FIELD) ||
		    (f->file && strlen(f->file) > TESTREPORT_MAX_FIELD) ||
		    (f->message &&
		     strlen(f->message) > TESTREPORT_MAX_FIELD) ||
		    (f->excerpt &&
		     strlen(f->excerpt) > TESTREPORT_MAX_EXCERPT) ||
		    f->line < 0)
			abort();
	}
	/* Parsing more into the same report adds up without leaking. */
	testreport_parse(&r, (const char *)data, size / 2);
	if (r.nr > TESTREPORT_MAX_FAILURES)
		abort();
	testreport_release(&r);
	return 0;
}
