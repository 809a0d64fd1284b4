/*
 * fuzz_diff.c - libFuzzer target for the patch parser (review/diff.c).
 *
 * Feeds the input to review_diff_parse() as a whole patch and to
 * review_diff_add_patch() as one forge file's hunks, then checks what came
 * out: every line lies inside the copied text, hunks cover their lines, and
 * review_diff_find_line() / review_diff_can_comment() agree with the hunks
 * around every hunk edge. A broken invariant aborts, so the fuzzer reports
 * logic bugs as well as memory errors; everything is released (leaks are
 * errors too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "review/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Probe line numbers around [lo, lo + count) on one side of hunk `h`. */
static void fuzz_diff_probe(const struct review_diff_file *f, size_t h,
			    enum review_side side, uint64_t lo, uint32_t count)
{
	uint64_t n;

	for (n = lo > 2 ? lo - 2 : 0; n <= lo + count + 1 && n <= UINT32_MAX;
	     n++) {
		size_t got = (size_t)-1;
		const struct review_line *l =
			review_diff_find_line(f, side, (uint32_t)n, &got);

		if (n >= lo && n < lo + count) {
			uint32_t no;

			FUZZ_CHECK(l && got == h);
			no = side == REVIEW_SIDE_RIGHT ? l->new_no : l->old_no;
			FUZZ_CHECK(no == n);
			FUZZ_CHECK(review_diff_can_comment(f, side,
							   (uint32_t)lo,
							   (uint32_t)n));
		}
		if (l)
			FUZZ_CHECK(l >= f->lines && l < f->lines + f->nr_lines);
		/* Skip the middle of long hunks: the edges are what matter. */
		if (n == lo + 2 && count > 8)
			n = lo + count - 3;
	}
}

static void fuzz_diff_check_file(const struct review_diff_file *f,
				 size_t text_len)
{
	size_t h, i, added = 0, deleted = 0;

	FUZZ_CHECK(f->path && (f->path == f->new_path ||
			       f->path == f->old_path));
	for (i = 0; i < f->nr_lines; i++) {
		const struct review_line *l = &f->lines[i];

		FUZZ_CHECK((size_t)l->off + l->len <= text_len);
		FUZZ_CHECK(l->origin == ' ' || l->origin == '+' ||
			   l->origin == '-');
		added += l->origin == '+';
		deleted += l->origin == '-';
	}
	FUZZ_CHECK(added == f->added && deleted == f->deleted);
	for (h = 0; h < f->nr_hunks; h++) {
		const struct review_hunk *k = &f->hunks[h];

		FUZZ_CHECK(k->first_line + k->nr_lines <= f->nr_lines);
		fuzz_diff_probe(f, h, REVIEW_SIDE_LEFT,
				(uint64_t)k->old_start + (k->old_count ? 0 : 1),
				k->old_count);
		fuzz_diff_probe(f, h, REVIEW_SIDE_RIGHT,
				(uint64_t)k->new_start + (k->new_count ? 0 : 1),
				k->new_count);
	}
	FUZZ_CHECK(!review_diff_find_line(f, REVIEW_SIDE_RIGHT, 0, NULL));
	FUZZ_CHECK(!review_diff_can_comment(f, REVIEW_SIDE_LEFT, 2, 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct review_diff diff;
	struct review_diff_file meta;
	struct buf err = BUF_INIT;
	char path[] = "fuzz/file.c";
	size_t i;
	int error;

	review_diff_init(&diff);
	error = review_diff_parse(&diff, (const char *)data, size, "fuzz",
				  &err);
	if (error < 0) {
		FUZZ_CHECK(err.len && !diff.nr_files && !diff.nr_texts);
	} else {
		for (i = 0; i < diff.nr_files; i++) {
			fuzz_diff_check_file(&diff.files[i], size);
			FUZZ_CHECK(review_diff_find_file(&diff,
							 diff.files[i].path));
		}
	}
	review_diff_release(&diff);

	/* The same bytes as a forge's per-file patch. */
	memset(&meta, 0, sizeof(meta));
	meta.path = meta.new_path = meta.old_path = path;
	meta.similarity = -1;
	buf_reset(&err);
	error = review_diff_add_patch(&diff, &meta, (const char *)data, size,
				      &err);
	if (error < 0)
		FUZZ_CHECK(err.len && !diff.nr_files);
	else
		fuzz_diff_check_file(&diff.files[0], size);
	review_diff_release(&diff);
	buf_release(&err);
	return 0;
}
