/*
 * diff.h - the change-set model: what changed, file by file, hunk by hunk,
 * line by line, with the line numbers of both sides.
 *
 * Two producers fill it: review_diff_parse() from patch text (git's format
 * with extended headers, or a plain unified diff), and review_diff_git.c
 * from libgit2 (merge-base..head with rename detection). Forges that return
 * one file's hunks at a time use review_diff_add_patch().
 *
 * Storage: line contents are not copied line by line. Each file points into
 * a text buffer owned by the review_diff (`text`); a line is (off, len)
 * relative to that file's `text`. `len` excludes the line's '\n' but keeps
 * a '\r' if the content has one, so CRLF files round-trip byte for byte.
 * `no_eol` marks the last line of a side that had no newline at the end of
 * the file ("\ No newline at end of file").
 *
 * Line numbers are 1-based; 0 means "not on that side". Hunks of a file are
 * in patch order, which is ascending on both sides.
 *
 * Ownership: a struct review_diff owns everything reachable from it;
 * review_diff_release() frees it all. Pointers into it (files, lines,
 * paths) are borrowed and die with it.
 */
#ifndef REVIEW_DIFF_H
#define REVIEW_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum review_file_status {
	REVIEW_FILE_MODIFIED = 0,
	REVIEW_FILE_ADDED,
	REVIEW_FILE_DELETED,
	REVIEW_FILE_RENAMED,
	REVIEW_FILE_COPIED
};

enum review_side {
	REVIEW_SIDE_LEFT = 0,	/* the old side, "-" lines */
	REVIEW_SIDE_RIGHT = 1	/* the new side, "+" lines */
};

struct review_line {
	uint32_t old_no;	/* 0 for an added line */
	uint32_t new_no;	/* 0 for a deleted line */
	uint32_t off;		/* content at file->text + off */
	uint32_t len;		/* bytes, without the '\n' */
	char origin;		/* ' ', '+' or '-' */
	unsigned char no_eol;	/* followed by "\ No newline at end of file" */
};

struct review_hunk {
	uint32_t old_start, old_count;
	uint32_t new_start, new_count;
	size_t first_line;	/* index into file->lines */
	size_t nr_lines;
	char *section;		/* text after the second "@@", or NULL */
};

struct review_diff_file {
	char *old_path;		/* NULL when added */
	char *new_path;		/* NULL when deleted */
	const char *path;	/* new_path, or old_path for a deleted file */
	enum review_file_status status;
	unsigned old_mode, new_mode;	/* 0 when unknown */
	int similarity;		/* rename/copy similarity in percent, or -1 */
	char old_oid[41], new_oid[41];	/* from "index a..b", maybe abbreviated */
	unsigned binary : 1;	/* "Binary files ... differ" or GIT binary patch */
	unsigned submodule : 1;	/* a gitlink (mode 160000) */
	unsigned mode_changed : 1;
	const char *text;	/* base for review_line.off; owned by the diff */
	struct review_hunk *hunks;
	size_t nr_hunks, alloc_hunks;
	struct review_line *lines;
	size_t nr_lines, alloc_lines;
	size_t added, deleted;	/* counts of '+' and '-' lines */
	/*
	 * The whole text of each side, when the producer read it anyway and
	 * was asked to keep it (review_diff_git's `keep`), so a later pass
	 * that reads files whole need not read them again; NULL when not
	 * kept. NUL-terminated; owned by the diff (one of its texts).
	 */
	const char *old_blob, *new_blob;
	size_t old_blob_len, new_blob_len;
	size_t new_size;		/* bytes of the new side, if known */
	unsigned new_size_known : 1;
};

struct review_diff {
	struct review_diff_file *files;
	size_t nr_files, alloc_files;
	char **texts;		/* buffers files point into; owned */
	size_t nr_texts, alloc_texts;
};

void review_diff_init(struct review_diff *diff);
void review_diff_release(struct review_diff *diff);

/* Give `text` (from malloc) to `diff`, which frees it on release. */
void review_diff_own_text(struct review_diff *diff, char *text);

/*
 * Parse a whole patch: "diff --git" sections with git's extended headers
 * (old/new mode, deleted/new file mode, similarity/dissimilarity index,
 * rename/copy from/to, index), C-quoted paths, "Binary files" lines and
 * "GIT binary patch" blocks, or plain "---"/"+++" unified diffs. The text is
 * copied. `name` names the input in error messages ("a.diff", "patch from
 * GitHub"). Errors say what and at which line of the input; on error
 * `out` is left empty (released).
 */
int review_diff_parse(struct review_diff *out, const char *text, size_t len,
		      const char *name, struct buf *err);

/*
 * review_diff_parse() without the copy: `text` is a malloc'd buffer of
 * len + 1 bytes with text[len] == '\0', and the diff takes it over, on
 * success and on error alike (producers that build the patch text
 * themselves, like review/diff_git.c, use it to keep one copy in memory).
 */
int review_diff_parse_owned(struct review_diff *out, char *text, size_t len,
			    const char *name, struct buf *err);

/*
 * Append every file of `from` to `to`, with the texts they point into;
 * `from` is left empty (initialised). Producers that parse piece by piece
 * (review/diff_git.c, one file at a time on several threads) join the
 * pieces with it.
 */
void review_diff_move(struct review_diff *to, struct review_diff *from);

/*
 * Append one file whose metadata the caller already knows (a forge's file
 * list) and whose hunks come as patch text without headers (starting at the
 * first "@@"). `meta` supplies paths, status and flags; its hunks/lines are
 * ignored and its strings are copied. The patch text is copied. Returns 0,
 * or TEND_EINVALID with a message naming `meta->path` and the line.
 */
int review_diff_add_patch(struct review_diff *diff,
			  const struct review_diff_file *meta,
			  const char *patch, size_t len, struct buf *err);

/* Pointer to a line's content (not NUL-terminated; use line->len). */
static inline const char *review_line_text(const struct review_diff_file *f,
					   const struct review_line *l)
{
	return f->text + l->off;
}

/*
 * The line shown in the diff at `line` on `side`, or NULL when that line is
 * not part of any hunk on that side. On the RIGHT side that is a '+' or ' '
 * line with new_no == line; on the LEFT a '-' or ' ' line with old_no ==
 * line. When `hunk_out` is not NULL it receives the hunk's index.
 */
const struct review_line *review_diff_find_line(
	const struct review_diff_file *f, enum review_side side, uint32_t line,
	size_t *hunk_out);

/*
 * May a review comment target lines start..end (inclusive) on `side`? True
 * when every line in the range is in the diff on that side and all are in
 * one hunk, which is what GitHub and GitLab accept.
 */
int review_diff_can_comment(const struct review_diff_file *f,
			    enum review_side side, uint32_t start,
			    uint32_t end);

/* Find a file by its new path (or old path for deletions); NULL if none. */
struct review_diff_file *review_diff_find_file(const struct review_diff *diff,
					       const char *path);

/* "modified", "added", "deleted", "renamed", "copied". */
const char *review_file_status_name(enum review_file_status status);

/*
 * Parse a possibly C-quoted path as git writes it ("a/b c" unquoted, or
 * "\"a/\\303\\251\"" with octal escapes) from s[0..len). Stores a new string
 * in *out (caller frees) and the bytes consumed in *used. Returns 0 or
 * TEND_EINVALID.
 */
int review_diff_unquote_path(char **out, size_t *used, const char *s,
			     size_t len);

/*
 * Append the hunks of `f` as patch text from the first "@@" (what
 * review_diff_add_patch() reads), so a file can move from one diff into
 * another.
 */
void review_diff_render_hunks(struct buf *out, const struct review_diff_file *f);

#endif
