/*
 * linter.h - reading what external linters print, into findings.
 *
 * A linter configured under `checks.linters` is run by actions/linters.c;
 * this module only parses its output. Four formats are understood:
 *
 *   gcc         one diagnostic per line, `file:line[:col]: [severity:]
 *               message [code]`, the way gcc, clang, cppcheck
 *               --template=gcc, shellcheck -f gcc, eslint -f unix and
 *               flake8 print them. Compiler context lines ("In file
 *               included from", source excerpts, carets) are recognised
 *               and ignored; any other line is garbage.
 *   sarif       a SARIF 2.1.0 log: every result of every run.
 *   rdjson      reviewdog's Diagnostic Result JSON, or rdjsonl (one
 *               Diagnostic object per line); told apart by content.
 *   checkstyle  checkstyle XML (<checkstyle><file name><error .../>),
 *               read by a small purpose-built parser: no DTDs, no
 *               namespaces, the five predefined entities and numeric
 *               character references.
 *
 * Every finding gets source "linter:NAME" and rule id "NAME/CODE" (CODE is
 * the linter's own rule code) or "NAME" when the linter gives none; its
 * severity is mapped to note, warning or error; its path is made relative
 * to the repository root (absolute paths under the root are shortened,
 * "./" and "a/../" are resolved, file:// URIs are decoded). A path outside
 * the repository stays absolute, so the diff filter drops it.
 *
 * Garbage is tolerated: a line or entry that cannot be read is skipped and
 * counted. Parsing fails only when the text has content and not one entry
 * of it could be read.
 *
 * Nothing here runs a program, touches the file system or keeps a pointer
 * to the text; the parsers are pure functions of their input (fuzzed by
 * tests/fuzz/fuzz_linter_*.c).
 */
#ifndef REVIEW_LINTER_H
#define REVIEW_LINTER_H

#include <stddef.h>

#include "common/buf.h"
#include "review/finding.h"

enum review_linter_format {
	REVIEW_LINTER_GCC = 0,
	REVIEW_LINTER_SARIF,
	REVIEW_LINTER_RDJSON,
	REVIEW_LINTER_CHECKSTYLE
};

/* Messages longer than this are cut (at a UTF-8 character boundary). */
#define REVIEW_LINTER_MAX_MESSAGE 4096

/*
 * Parse a format name: "gcc", "sarif", "rdjson" (or "rdjsonl"),
 * "checkstyle". Returns 0 or TEND_EINVALID.
 */
int review_linter_format_parse(enum review_linter_format *out,
			       const char *name);

/* The canonical name of a format. */
const char *review_linter_format_name(enum review_linter_format fmt);

/*
 * Parse `len` bytes of linter output (need not be NUL-terminated) and
 * append a finding for every diagnostic to `out`. `linter_name` names the
 * linter in sources and rule ids; `repo_root` (absolute, may be NULL) is
 * the directory absolute paths are made relative to.
 *
 * Returns the number of lines or entries skipped as unreadable (0 or
 * more) on success. Fails with TEND_EINVALID, appending nothing, when the
 * text is not blank and nothing in it could be read; the message says
 * where it failed and quotes the offending text (control characters
 * replaced), e.g. "no gcc-style diagnostic in 3 lines; line 1 reads
 * 'Segmentation fault'".
 */
int review_linter_parse(struct review_findings *out,
			enum review_linter_format fmt,
			const char *linter_name, const char *text, size_t len,
			const char *repo_root, struct buf *err);

/*
 * Normalise a path a linter printed: decode a file:// URI and percent
 * escapes when `is_uri`, drop "./" and empty segments, resolve "..", and
 * strip `repo_root` (may be NULL) from an absolute path under it. Returns a
 * new string the caller frees, or NULL when nothing usable is left (an
 * empty path, the root itself, a NUL byte inside).
 */
char *review_linter_path(const char *path, size_t len, int is_uri,
			 const char *repo_root);

#endif
