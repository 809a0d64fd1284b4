/*
 * query_roots.h - which node types the patterns of a tree-sitter query
 * start at, read from its source.
 *
 * A query cursor walks every node of the tree to find where patterns
 * start; when every pattern starts at a node of a named type, a caller
 * can walk the tree itself (a fraction of the cost) and run the query,
 * with matches starting there only (ts_query_cursor_set_max_start_depth
 * 0), on the nodes of those types: review_query_run(). review/structure.c
 * runs the structural rules so, review/index.c the index's symbols.
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

/* Called for each match review_query_run() finds. */
typedef void review_query_take_fn(const TSQueryMatch *m, void *data);

/*
 * Run `query` over the tree under `root` on `cursor`, giving each match
 * to `take`: from the nodes whose types `roots` marks (`nr` symbols, as
 * review_query_roots() filled it), with matches starting there only, or,
 * when `roots` is NULL, by the query cursor's own walk of every node.
 */
void review_query_run(TSQueryCursor *cursor, const TSQuery *query,
		      TSNode root, const unsigned char *roots, uint32_t nr,
		      review_query_take_fn *take, void *data);

#endif
