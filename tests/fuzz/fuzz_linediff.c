/*
 * fuzz_linediff.c - libFuzzer target for the line diff (review/linediff.c)
 * the syntax check lines a base and a head up with.
 *
 * The input is split at its first NUL (or in half) into an old and a new
 * text. The diff must be consistent: every mapped new line equals the old
 * line it maps to, the mapping only goes forward, edits are sorted, unique
 * and inside the new text, and every added line is an edit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "review/linediff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Start and length of line `l` (1-based) of text. */
static const char *fuzz_line(const char *t, size_t len, uint32_t l,
			     size_t *n)
{
	const char *p = t, *end = t + len, *nl;

	while (--l) {
		nl = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(nl);
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	*n = nl ? (size_t)(nl - p) : (size_t)(end - p);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *split, *a, *b;
	struct review_linediff d;
	size_t old_len, new_len, i, na, nb;
	uint32_t l, prev = 0;

	if (size > 65536)
		return 0;
	split = memchr(text, '\0', size);
	old_len = split ? (size_t)(split - text) : size / 2;
	new_len = size - old_len - (split ? 1 : 0);
	review_linediff_compute(&d, text, old_len,
				text + size - new_len, new_len);
	for (l = 1; l <= d.nr_new; l++) {
		uint32_t o = d.new_to_old[l];

		if (!o) {
			FUZZ_CHECK(review_linediff_edit_above(&d, l) == l);
			continue;
		}
		FUZZ_CHECK(o > prev && o <= d.nr_old);
		prev = o;
		a = fuzz_line(text + size - new_len, new_len, l, &na);
		b = fuzz_line(text, old_len, o, &nb);
		FUZZ_CHECK(na == nb && !memcmp(a, b, na));
	}
	for (i = 0; i < d.nr_edits; i++) {
		FUZZ_CHECK(d.edits[i] >= 1);
		FUZZ_CHECK(d.edits[i] <= (d.nr_new ? d.nr_new : 1));
		FUZZ_CHECK(!i || d.edits[i] > d.edits[i - 1]);
	}
	review_linediff_release(&d);
	return 0;
}
