/*
 * query_roots.c - the node types a query's patterns start at, read from
 * its source (see query_roots.h).
 */
#include <stddef.h>

#include "review/query_roots.h"

/* Skip blanks and `;` comments of query source `q` from `i`. */
static size_t review_query_roots_skip(const char *q, size_t i)
{
	for (;;) {
		while (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' ||
		       q[i] == '\r')
			i++;
		if (q[i] != ';')
			return i;
		while (q[i] && q[i] != '\n')
			i++;
	}
}

int review_query_roots(const char *q, const TSLanguage *lang,
		       unsigned char *roots, uint32_t nr)
{
	size_t i = 0, j;
	long depth;

	for (;;) {
		TSSymbol sym;
		size_t start;

		i = review_query_roots_skip(q, i);
		if (!q[i])
			return 0;
		if (q[i] != '(')
			return -1;
		start = i;
		i = review_query_roots_skip(q, i + 1);
		if (q[i] == '(')
			i = review_query_roots_skip(q, i + 1);
		for (j = i; (q[j] >= 'a' && q[j] <= 'z') ||
			    (q[j] >= 'A' && q[j] <= 'Z') ||
			    (q[j] >= '0' && q[j] <= '9') || q[j] == '_';
		     j++)
			;
		if (j == i || (j == i + 1 && q[i] == '_'))
			return -1;
		sym = ts_language_symbol_for_name(lang, q + i, (uint32_t)(j - i),
						  true);
		if (!sym || sym >= nr)
			return -1;
		roots[sym] = 1;
		/* to the end of the pattern, strings and all */
		for (i = start, depth = 0; q[i]; i++) {
			if (q[i] == '"') {
				for (i++; q[i] && q[i] != '"'; i++)
					if (q[i] == '\\' && q[i + 1])
						i++;
				if (!q[i])
					return -1;
				continue;
			}
			if (q[i] == ';') {
				while (q[i + 1] && q[i + 1] != '\n')
					i++;
				continue;
			}
			depth += q[i] == '(' || q[i] == '[';
			depth -= q[i] == ')' || q[i] == ']';
			if (!depth)
				break;
		}
		if (!q[i])
			return -1;
		i = review_query_roots_skip(q, i + 1);
		/* a quantifier or a capture of the whole top-level pattern */
		if (q[i] == '*' || q[i] == '+' || q[i] == '?')
			return -1;
		while (q[i] == '@') {
			for (i++; q[i] && q[i] != ' ' && q[i] != '\t' &&
				  q[i] != '\n' && q[i] != '(';
			     i++)
				;
			i = review_query_roots_skip(q, i);
		}
	}
}

void review_query_run(TSQueryCursor *cursor, const TSQuery *query,
		      TSNode root, const unsigned char *roots, uint32_t nr,
		      review_query_take_fn *take, void *data)
{
	TSTreeCursor c;
	TSQueryMatch m;

	if (!roots) {
		ts_query_cursor_exec(cursor, query, root);
		while (ts_query_cursor_next_match(cursor, &m))
			take(&m, data);
		return;
	}
	c = ts_tree_cursor_new(root);
	ts_query_cursor_set_max_start_depth(cursor, 0);
	for (;;) {
		TSSymbol sym = ts_node_symbol(ts_tree_cursor_current_node(&c));

		if (sym < nr && roots[sym]) {
			ts_query_cursor_exec(cursor, query,
					     ts_tree_cursor_current_node(&c));
			while (ts_query_cursor_next_match(cursor, &m))
				take(&m, data);
		}
		if (ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto done;
	}
done:
	ts_tree_cursor_delete(&c);
	ts_query_cursor_set_max_start_depth(cursor, UINT32_MAX);
}
