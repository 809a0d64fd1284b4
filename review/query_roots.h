/*
 * query_roots.h - which node types the patterns of a tree-sitter query
 * start at, read from its source.
 *
 * A query cursor walks every node of the tree to find where patterns
 * start; when every pattern starts at a node of a named type, a caller
 * can walk the tree itself (a fraction of the cost) and run the query,
 * with matches starting there only (ts_query_cursor_set_max_start_depth
 * 0), on the nodes of those types. review/structure.c does so for the
 * structural rules, review/index.c for the index's symbols.
 */
#ifndef REVIEW_QUERY_ROOTS_H
#define REVIEW_QUERY_ROOTS_H

#include <stdint.h>
#include <tree_sitter/api.h>

/*
 * Mark in `roots` (one byte per symbol of `lang`, `nr` of them, from
 * ts_language_symbol_count) the node type at the root of each top-level
 * pattern of query source `q`: `(type ...)`, or the first pattern of a
 * group `((type ...) @capture (#predicate ...))`. Returns 0, or -1 when
 * some root is anything else (an alternation, a wildcard, a string, a
 * quantifier after the pattern), which means "any node may start a
 * match": then `roots` is not to be used.
 */
int review_query_roots(const char *q, const TSLanguage *lang,
		       unsigned char *roots, uint32_t nr);

#endif
