/*
 * fuzz_gitlab.c - libFuzzer target for the GitLab adapter's readers of
 * outside input (forge/gitlab.h): merge requests, pages of diffs, pages of
 * discussions, and the walk over a diff that finds a line with GitLab's
 * counters.
 *
 * The first byte picks the reader (its value modulo 4: merge request,
 * diffs, discussions, diff walk); the rest is the answer's text. For the
 * diff walk the next five bytes are the side and the line number sought.
 * Every reader must return 0 or TEND_EINVALID (the walk 0 or
 * TEND_ENOTFOUND) and leave its output releasable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "forge/forge.h"
#include "forge/gitlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_gitlab_walk(const uint8_t *data, size_t size)
{
	struct forge_gitlab_line ln;
	enum forge_side side;
	uint32_t line;
	char *patch, *code;
	int rc;

	if (size < 5)
		return;
	side = data[0] & 1 ? FORGE_SIDE_RIGHT : FORGE_SIDE_LEFT;
	line = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
	       (uint32_t)data[3] << 8 | data[4];
	patch = xstrndup((const char *)data + 5, size - 5);
	rc = forge_gitlab_patch_line(&ln, patch, side, line);
	if (rc != 0 && rc != TEND_ENOTFOUND)
		abort();
	if (!rc) {
		if (ln.type != '+' && ln.type != '-' && ln.type != ' ')
			abort();
		if (side == FORGE_SIDE_RIGHT && (ln.type == '-' ||
						 ln.new_pos != line))
			abort();
		if (side == FORGE_SIDE_LEFT && (ln.type == '+' ||
						ln.old_pos != line))
			abort();
		code = forge_gitlab_line_code(patch, &ln);
		if (strlen(code) < 44 || code[40] != '_')
			abort();
		free(code);
	}
	free(patch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct forge_files files;
	struct forge_notes notes;
	const char *text = (const char *)data + 1;
	int rc = 0;

	if (!size)
		return 0;
	forge_pr_init(&pr);
	forge_files_init(&files);
	forge_notes_init(&notes);
	switch (data[0] % 4) {
	case 0:
		rc = forge_gitlab_parse_pr(&pr, text, size - 1, &err);
		if (!rc && !pr.head_sha)
			abort();
		break;
	case 1:
		rc = forge_gitlab_parse_files(&files, text, size - 1, &err);
		if (!rc && files.nr && !files.items[files.nr - 1].path)
			abort();
		break;
	case 2:
		rc = forge_gitlab_parse_discussions(&notes, text, size - 1,
						    &err);
		if (!rc && notes.nr && (!notes.items[0].id ||
					!notes.items[0].thread))
			abort();
		break;
	default:
		fuzz_gitlab_walk(data + 1, size - 1);
		break;
	}
	if (rc != 0 && rc != TEND_EINVALID)
		abort();
	if (rc && !err.len)
		abort();
	forge_pr_release(&pr);
	forge_files_release(&files);
	forge_notes_release(&notes);
	buf_release(&err);
	return 0;
}
