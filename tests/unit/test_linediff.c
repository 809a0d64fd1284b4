#include <string.h>

#include "common/buf.h"
#include "review/linediff.h"
#include "tests/unit/test.h"

static void diff(struct review_linediff *d, const char *old, const char *new)
{
	review_linediff_compute(d, old, old ? strlen(old) : 0, new,
				new ? strlen(new) : 0);
}

void test_linediff__added_and_deleted(void)
{
	struct review_linediff d;

	/* b deleted, x added after c */
	diff(&d, "a\nb\nc\nd\n", "a\nc\nx\nd\n");
	CHECK_INT(d.nr_old, 4);
	CHECK_INT(d.nr_new, 4);
	CHECK_INT(d.new_to_old[1], 1);
	CHECK_INT(d.new_to_old[2], 3);
	CHECK_INT(d.new_to_old[3], 0);
	CHECK_INT(d.new_to_old[4], 4);
	/* the deletion sits below new line 1; the addition is line 3 */
	REQUIRE(d.nr_edits == 2);
	CHECK_INT(d.edits[0], 1);
	CHECK_INT(d.edits[1], 3);
	CHECK_INT(review_linediff_old_line(&d, 3), 3);
	CHECK_INT(review_linediff_edit_above(&d, 2), 1);
	CHECK_INT(review_linediff_edit_above(&d, 3), 3);
	CHECK_INT(review_linediff_edit_below(&d, 2), 3);
	CHECK_INT(review_linediff_edit_below(&d, 4), 0);
	review_linediff_release(&d);
}

void test_linediff__edges(void)
{
	struct review_linediff d;

	/* identical texts: no edits, every line mapped */
	diff(&d, "a\nb", "a\nb");
	CHECK_INT(d.nr_new, 2);
	CHECK_INT(d.nr_edits, 0);
	CHECK_INT(d.new_to_old[2], 2);
	review_linediff_release(&d);

	/* an added file: every line is an edit */
	diff(&d, NULL, "a\nb\n");
	CHECK_INT(d.nr_old, 0);
	REQUIRE(d.nr_edits == 2);
	CHECK_INT(d.edits[1], 2);
	CHECK_INT(review_linediff_old_line(&d, 2), 0);
	review_linediff_release(&d);

	/* everything deleted: one edit, on line 1 */
	diff(&d, "a\nb\n", "");
	CHECK_INT(d.nr_new, 0);
	REQUIRE(d.nr_edits == 1);
	CHECK_INT(d.edits[0], 1);
	review_linediff_release(&d);

	/* a deleted line at the top */
	diff(&d, "x\na\n", "a\n");
	REQUIRE(d.nr_edits == 1);
	CHECK_INT(d.edits[0], 1);
	CHECK_INT(d.new_to_old[1], 2);
	review_linediff_release(&d);
}

void test_linediff__too_many_edits(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct review_linediff d;
	int i;

	/* every other line differs: more edits than the cap */
	for (i = 0; i < 3000; i++) {
		buf_printf(&a, "same %d\nold %d\n", i, i);
		buf_printf(&b, "same %d\nnew %d\n", i, i);
	}
	buf_puts(&a, "tail\n");
	buf_puts(&b, "tail\n");
	diff(&d, a.ptr, b.ptr);
	CHECK_INT(d.nr_new, 6001);
	/* the common prefix and suffix still map; the middle is changed */
	CHECK_INT(d.new_to_old[1], 1);
	CHECK_INT(d.new_to_old[6001], 6001);
	CHECK_INT(d.new_to_old[3], 0);
	CHECK(d.nr_edits >= 5999);
	review_linediff_release(&d);
	buf_release(&a);
	buf_release(&b);
}
