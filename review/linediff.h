/*
 * linediff.h - a line diff of two versions of one file, for checks that
 * compare what the base had with what the head has (the syntax check:
 * which parse errors are new, and where the edit that caused one is).
 *
 * The diff is Myers' O(ND) algorithm on whole lines after trimming the
 * common prefix and suffix. Its cost grows with the number of edits, so it
 * gives up past REVIEW_LINEDIFF_MAX_EDITS and then treats everything
 * between the common prefix and suffix as changed: coarser, never wrong
 * about what is unchanged.
 *
 * Lines are numbered from 1. A text of n '\n' characters has n lines, or
 * n + 1 when it does not end with '\n'; an empty text has none.
 *
 * Ownership: a struct review_linediff owns its arrays;
 * review_linediff_release() frees them. It keeps no pointer to the texts.
 */
#ifndef REVIEW_LINEDIFF_H
#define REVIEW_LINEDIFF_H

#include <stddef.h>
#include <stdint.h>

#define REVIEW_LINEDIFF_MAX_EDITS 1024

struct review_linediff {
	uint32_t nr_new, nr_old;	/* lines of each side */
	/*
	 * new_to_old[l] for new line l (index 0 unused): the old line it is
	 * an unchanged copy of, or 0 for an added line.
	 */
	uint32_t *new_to_old;
	/*
	 * Where the change is, on the new side, sorted and unique: every
	 * added line, and for each run of deleted lines the new line just
	 * above the place they were (line 1 when they were at the top).
	 */
	uint32_t *edits;
	size_t nr_edits;
};

/* Diff `old` against `new`; either may be NULL with a length of 0. */
void review_linediff_compute(struct review_linediff *out, const char *old,
			     size_t old_len, const char *new, size_t new_len);

void review_linediff_release(struct review_linediff *d);

/*
 * The old line that new line `line` corresponds to: its own when it is
 * unchanged, else that of the nearest unchanged line above it; 0 when
 * there is none.
 */
uint32_t review_linediff_old_line(const struct review_linediff *d,
				  uint32_t line);

/* The edit at or nearest above new line `line` (0: none), and below. */
uint32_t review_linediff_edit_above(const struct review_linediff *d,
				    uint32_t line);
uint32_t review_linediff_edit_below(const struct review_linediff *d,
				    uint32_t line);

#endif
