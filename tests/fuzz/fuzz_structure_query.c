/*
 * fuzz_structure_query.c - libFuzzer target for user structural rules
 * (review/structure.c): the query source of a rule, as `.tend.yml` gives
 * it, through compilation, the combined query of its grammar (where the
 * node types at the roots of its patterns are read from the source) and a
 * scan of a fixed file.
 *
 * The first byte picks a grammar; the rest is the query. A query that
 * tree-sitter refuses is an error, not a crash; one it accepts is grouped
 * with a second, fixed rule and run. Findings must lie inside the text;
 * everything is released (leaks are errors too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "review/structure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const struct {
	const char *lang, *path, *text, *fixed;
} fuzz_query_langs[] = {
	{ "c", "a.c",
	  "int f(int a)\n{\n\tif (a = g(a))\n\t\treturn h(a);\n\treturn 0;\n}\n",
	  "(call_expression function: (identifier) @f)" },
	{ "python", "a.py",
	  "def f(a=[]):\n    if a == None:\n        return g(a)\n",
	  "(call function: (identifier) @f)" },
	{ "javascript", "a.js",
	  "function f(a) { if (a === NaN) { return g(a); } }\n",
	  "(call_expression function: (identifier) @f)" },
	{ "bash", "a.sh", "for x in $@; do rm -rf /$x; done\n",
	  "(command name: (command_name) @c)" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct review_structure s;
	struct review_query_spec spec;
	struct review_findings f;
	struct buf err = BUF_INIT;
	char *query;
	size_t i, n;

	if (size < 1 || size > 4096)
		return 0;
	i = data[0] % (sizeof(fuzz_query_langs) / sizeof(fuzz_query_langs[0]));
	query = malloc(size);
	FUZZ_CHECK(query);
	memcpy(query, data + 1, size - 1);
	query[size - 1] = '\0';

	review_structure_init(&s);
	s.syntax_check = 0;
	s.timeout_us = 200000;
	memset(&spec, 0, sizeof(spec));
	spec.id = "fuzz/fixed";
	spec.language = fuzz_query_langs[i].lang;
	spec.query = fuzz_query_langs[i].fixed;
	spec.message = "fixed";
	FUZZ_CHECK(review_structure_add(&s, &spec, &err) == 0);
	spec.id = "fuzz/query";
	spec.query = query;
	spec.message = "fuzzed";
	if (review_structure_add(&s, &spec, &err) < 0)
		FUZZ_CHECK(err.len > 0);
	review_findings_init(&f);
	review_structure_scan(&s, fuzz_query_langs[i].path,
			      fuzz_query_langs[i].lang, fuzz_query_langs[i].text,
			      strlen(fuzz_query_langs[i].text), NULL, 0, NULL,
			      0, &f);
	for (n = 0; n < f.nr; n++) {
		FUZZ_CHECK(f.items[n].line >= 1 && f.items[n].line <= 6);
		FUZZ_CHECK(f.items[n].rule_id && f.items[n].message);
	}
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&err);
	free(query);
	return 0;
}
