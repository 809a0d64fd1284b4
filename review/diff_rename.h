/*
 * diff_rename.h - rename detection between the deleted and the added files
 * of a diff, with git's choices (`git diff -M`).
 *
 * The order of work is git's, and so are the choices on ordinary changes:
 *   1. exact renames: a destination whose object id some unused source has
 *      (the sources of a non-regular file must have the same mode), the
 *      source with the same basename preferred, else the first;
 *   2. among what is left, a source and a destination whose basenames are
 *      each unique on their side are paired when they are at least halfway
 *      between the threshold and identical (75% for the default 50%);
 *   3. the rest are compared each with each, unless that matrix is larger
 *      than limit x limit (git's diff.renameLimit); each destination keeps
 *      its four best candidates, and pairs are taken best first, a source
 *      at most once.
 * Only regular files are compared for similarity; two files whose sizes
 * differ by more than the threshold allows are not read at all.
 *
 * Similarity is this file's own measure, the one git's scores mean: the
 * content is cut into chunks that end at a newline or after 64 bytes (a CR
 * before a LF does not count in text), and the score is the number of bytes
 * of the source's chunks found again in the destination, over the larger
 * size. Chunks are compared by a 64-bit hash, a sorted fingerprint per
 * file, so two files are compared in one merge of two sorted arrays.
 *
 * Not here: reading objects (the caller's callbacks) and printing patches.
 */
#ifndef REVIEW_DIFF_RENAME_H
#define REVIEW_DIFF_RENAME_H

#include <stddef.h>

#include "common/buf.h"

#define REVIEW_DIFF_RENAME_IDLEN 32

/* A deleted file (a source) or an added one (a destination). */
struct review_diff_rename_file {
	const char *path;	/* borrowed */
	unsigned char id[REVIEW_DIFF_RENAME_IDLEN];	/* object id, 0-padded */
	unsigned mode;		/* git's mode: 0100644, 0120000, ... */
	/* Results, on destinations: */
	long match;		/* the source's index, or -1 */
	int score;		/* similarity in percent (100 when exact) */
};

/* How content is reached; both return 0 or a negative error. */
struct review_diff_rename_io {
	/* The size of the file's content in bytes. */
	int (*size)(void *data, const struct review_diff_rename_file *f,
		    size_t *out);
	/* Its content, into `out` (reset by the caller). */
	int (*load)(void *data, const struct review_diff_rename_file *f,
		    struct buf *out);
	void *data;
};

struct review_diff_rename_opts {
	int threshold;		/* percent; <= 0: 50 */
	size_t limit;		/* rename limit; 0: none */
};

/*
 * Pair destinations with sources; fills dst[i].match and dst[i].score.
 * A file whose size or content cannot be read is not similar to anything.
 * Returns 0, or 1 when the similarity matrix was over the limit and only
 * exact and basename renames were looked for (what git warns about).
 */
int review_diff_rename_find(const struct review_diff_rename_file *src,
			    size_t nr_src,
			    struct review_diff_rename_file *dst,
			    size_t nr_dst,
			    const struct review_diff_rename_opts *opts,
			    const struct review_diff_rename_io *io);

#endif
