/*
 * fuzz_rename.c - libFuzzer target for rename detection
 * (review/diff_rename.c), which reads the content of any file a change
 * deletes or adds.
 *
 * The input is split at 0xff bytes into up to 16 files; the first byte of
 * each piece picks its side (source or destination), its mode (regular,
 * executable, symlink) and whether it shares its object id with the file
 * before it; the rest is its content. The first byte of the input sets
 * the threshold and the rename limit. What comes out is checked: every
 * destination is paired with at most one existing source, no source twice,
 * scores are percentages at or above the threshold (100 for an exact
 * rename), and only regular files are paired inexactly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "review/diff_rename.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define FUZZ_MAX_FILES 16

struct fuzz_rename_blob {
	const uint8_t *data;
	size_t len;
};

static int fuzz_rename_size(void *data, const struct review_diff_rename_file *f,
			    size_t *out)
{
	const struct fuzz_rename_blob *blobs = data;

	if (f->id[1] == 0xee)	/* an object that cannot be read */
		return -1;
	*out = blobs[f->id[0]].len;
	return 0;
}

static int fuzz_rename_load(void *data, const struct review_diff_rename_file *f,
			    struct buf *out)
{
	const struct fuzz_rename_blob *blobs = data;

	if (f->id[1] == 0xee)
		return -1;
	buf_add(out, blobs[f->id[0]].data, blobs[f->id[0]].len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = { 0100644, 0100755, 0120000, 0160000 };
	static const char *const names[] = { "a.c", "b/a.c", "c.txt", "d/e.c",
					     "x", "b/x", "y.h", "z/y.h" };
	struct review_diff_rename_file src[FUZZ_MAX_FILES], dst[FUZZ_MAX_FILES];
	struct fuzz_rename_blob blobs[2 * FUZZ_MAX_FILES];
	struct review_diff_rename_opts opts;
	struct review_diff_rename_io io = { fuzz_rename_size, fuzz_rename_load,
					    blobs };
	unsigned char used[FUZZ_MAX_FILES];
	size_t nr_src = 0, nr_dst = 0, nr_blobs = 0, i, start;
	int rc;

	if (size < 1)
		return 0;
	opts.threshold = data[0] % 101;
	opts.limit = data[0] & 0x80 ? 2 : 0;
	memset(src, 0, sizeof(src));
	memset(dst, 0, sizeof(dst));
	for (start = 1; start < size && nr_blobs < 2 * FUZZ_MAX_FILES;) {
		const uint8_t *end = memchr(data + start, 0xff, size - start);
		size_t len = end ? (size_t)(end - data) - start : size - start;
		struct review_diff_rename_file *f;
		uint8_t flags = len ? data[start] : 0;

		if ((flags & 1) ? nr_dst == FUZZ_MAX_FILES :
				  nr_src == FUZZ_MAX_FILES)
			break;
		f = (flags & 1) ? &dst[nr_dst++] : &src[nr_src++];
		blobs[nr_blobs].data = data + start + (len ? 1 : 0);
		blobs[nr_blobs].len = len ? len - 1 : 0;
		/* Share the id (and so the content) of the previous file. */
		f->id[0] = (uint8_t)((flags & 2) && nr_blobs ? nr_blobs - 1 :
				     nr_blobs);
		f->id[1] = (flags & 0x40) ? 0xee : 0;
		f->mode = modes[(flags >> 2) & 3];
		f->path = names[(flags >> 4) & 7];
		nr_blobs++;
		start += len + 1;
	}
	rc = review_diff_rename_find(src, nr_src, dst, nr_dst, &opts, &io);
	FUZZ_CHECK(rc == 0 || rc == 1);
	memset(used, 0, sizeof(used));
	for (i = 0; i < nr_dst; i++) {
		const struct review_diff_rename_file *d = &dst[i], *s;

		if (d->match < 0)
			continue;
		FUZZ_CHECK((size_t)d->match < nr_src);
		FUZZ_CHECK(!used[d->match]);
		used[d->match] = 1;
		s = &src[d->match];
		FUZZ_CHECK(d->score >= 0 && d->score <= 100);
		if (!memcmp(s->id, d->id, REVIEW_DIFF_RENAME_IDLEN) &&
		    d->score == 100) {
			/* Exact: a symlink or gitlink only to its own kind. */
			FUZZ_CHECK(s->mode == d->mode ||
				   ((s->mode & 0170000) == 0100000 &&
				    (d->mode & 0170000) == 0100000));
			continue;
		}
		FUZZ_CHECK(d->score >= (opts.threshold > 0 ? opts.threshold
							   : 50));
		FUZZ_CHECK((s->mode & 0170000) == 0100000 &&
			   (d->mode & 0170000) == 0100000);
	}
	return 0;
}
