/*
 * fuzz_linter.h - the body shared by the linter-output fuzz targets
 * (fuzz_linter_<format>.c), each of which feeds its format to it.
 *
 * Parses the input and checks what came out: on failure nothing was added
 * and there is a message; on success every finding has a path, a message no
 * longer than the cap, the linter's source and rule prefix, and a line
 * range that is not reversed. A broken invariant aborts; everything is
 * released (leaks are errors too).
 */
#ifndef TESTS_FUZZ_FUZZ_LINTER_H
#define TESTS_FUZZ_FUZZ_LINTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "review/linter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int fuzz_linter_one(enum review_linter_format fmt,
			   const uint8_t *data, size_t size)
{
	struct review_findings l;
	struct buf err = BUF_INIT;
	size_t i;
	int rc;

	review_findings_init(&l);
	rc = review_linter_parse(&l, fmt, "fuzz",
				 (const char *)data, size, "/repo", &err);
	if (rc < 0) {
		FUZZ_CHECK(err.len && l.nr == 0);
	} else {
		for (i = 0; i < l.nr; i++) {
			const struct review_finding *f = &l.items[i];

			FUZZ_CHECK(f->path && *f->path);
			FUZZ_CHECK(strncmp(f->path, "/repo/", 6));
			FUZZ_CHECK(f->message && *f->message &&
				   strlen(f->message) <=
				   REVIEW_LINTER_MAX_MESSAGE);
			FUZZ_CHECK(!strcmp(f->source, "linter:fuzz"));
			FUZZ_CHECK(!strncmp(f->rule_id, "fuzz", 4) &&
				   (!f->rule_id[4] || f->rule_id[4] == '/'));
			FUZZ_CHECK(f->end_line >= f->line);
			FUZZ_CHECK(f->line || (!f->col && !f->end_col));
			FUZZ_CHECK(f->severity >= REVIEW_SEV_NOTE &&
				   f->severity <= REVIEW_SEV_ERROR);
		}
	}
	/* The path normaliser sees the same bytes, as a path and as a URI. */
	for (i = 0; i < 2; i++) {
		char *p = review_linter_path((const char *)data, size, (int)i,
					     "/repo");

		FUZZ_CHECK(!p || (*p && strlen(p) <= size));
		free(p);
	}
	review_findings_release(&l);
	buf_release(&err);
	return 0;
}

#endif
