/*
 * index_lang.h - the tree-sitter queries the repository index runs per
 * grammar to find definitions and references, and the query translation
 * (private to review/index*.c, their tests and fuzz targets).
 *
 * Capture names carry the meaning:
 *   @def.KIND   a definition node of KIND ("function", "class", ...);
 *   @name       its name, when the pattern can point at it (else index.c
 *               finds the name by following the node's "declarator"
 *               fields, the C and C++ way);
 *   @ref.KIND   the name node of a reference of KIND ("call", "type").
 * Queries are compiled once, on first use, and then only read: one
 * TSQuery may serve several threads, each with its own cursor.
 */
#ifndef REVIEW_INDEX_LANG_H
#define REVIEW_INDEX_LANG_H

#include <tree_sitter/api.h>

#include "common/buf.h"

/*
 * The compiled query of grammar `grammar` (a name of review/grammars.h),
 * or NULL when there is none or it does not compile (then `err`, which
 * may be NULL, says why). Borrowed for the life of the process.
 */
const TSQuery *review_index_lang_query(const char *grammar, struct buf *err);

/* The query source of `grammar`, or NULL; static. */
const char *review_index_lang_source(const char *grammar);

/*
 * Per symbol of `grammar` (`*nr` of them): 1 when a pattern of its index
 * query starts at a node of that type (review/query_roots.h); NULL when
 * the query has no grammar, does not compile, or some pattern may start
 * anywhere.
 */
const unsigned char *review_index_lang_roots(const char *grammar,
					     uint32_t *nr);

/*
 * Translate free text into a safe FTS5 MATCH expression (index.c): words
 * and "quoted phrases" become quoted terms joined by OR, identifiers add
 * their snake_case and camelCase parts as further terms; no byte of the
 * input reaches FTS5 outside a quoted term, and a term holds only ASCII
 * letters, digits, '_', spaces and valid UTF-8. Replaces `out`; returns
 * the number of terms (0: nothing to search for).
 */
int review_index_match_expr(struct buf *out, const char *query);

#endif
