#include <string.h>

#include <tree_sitter/api.h>

#include "review/grammars.h"
#include "tests/unit/test.h"

/* A small, valid file per grammar. */
static const struct {
	const char *grammar, *text;
} samples[] = {
	{ "c", "#include <stdio.h>\nint main(void)\n{\n\tprintf(\"hi\\n\");"
	       "\n\treturn 0;\n}\n" },
	{ "cpp", "#include <vector>\nnamespace n {\ntemplate <typename T>\n"
		 "class A { public: std::vector<T> v; };\n}\n" },
	{ "python", "import os\n\ndef f(x, *a, **k):\n    return [i for i in "
		    "x if i]\n" },
	{ "javascript", "const f = async (x) => { await g(x); };\n"
			"export default <div>{f}</div>;\n" },
	{ "typescript", "interface A { x: number }\n"
			"const f = <T,>(a: T): T => a;\nlet y = <any>z;\n" },
	{ "tsx", "const A = (p: { n: string }) => <b>{p.n}</b>;\n" },
	{ "go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n"
		"\tfmt.Println(\"hi\")\n}\n" },
	{ "rust", "use std::io;\nfn main() -> io::Result<()> {\n"
		  "    let v: Vec<u8> = vec![1];\n    Ok(())\n}\n" },
	{ "java", "package a;\npublic class B {\n  public static void "
		  "main(String[] a) { System.out.println(a.length); }\n}\n" },
	{ "ruby", "class A < B\n  def f(x)\n    x.map { |y| y * 2 }\n"
		  "  end\nend\n" },
	{ "bash", "#!/bin/bash\nfor f in \"$@\"; do\n  [ -f \"$f\" ] && "
		  "echo \"${f%.c}\"\ndone\n" },
};

void test_grammars__every_name_has_a_language(void)
{
	const char *const *names = review_grammars_names();
	size_t i, n = 0;

	for (i = 0; names[i]; i++) {
		const TSLanguage *l = review_grammars_get(names[i]);
		uint32_t v;

		REQUIRE(l != NULL);
		v = ts_language_version(l);
		CHECK(v >= TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
		CHECK(v <= TREE_SITTER_LANGUAGE_VERSION);
		CHECK(review_grammars_lang(names[i]) != NULL);
		n++;
	}
	CHECK(n >= 11);
	CHECK(review_grammars_get("cobol") == NULL);
	CHECK(review_grammars_get(NULL) == NULL);
	CHECK_STR(review_grammars_lang("tsx"), "typescript");
}

void test_grammars__samples_parse_cleanly(void)
{
	TSParser *p = ts_parser_new();
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		TSTree *t;

		REQUIRE(ts_parser_set_language(
			p, review_grammars_get(samples[i].grammar)));
		t = ts_parser_parse_string(p, NULL, samples[i].text,
					   (uint32_t)strlen(samples[i].text));
		REQUIRE(t != NULL);
		if (ts_node_has_error(ts_tree_root_node(t)))
			test__fail(__FILE__, __LINE__, samples[i].grammar);
		ts_tree_delete(t);
	}
	ts_parser_delete(p);
}

void test_grammars__for_file(void)
{
	CHECK_STR(review_grammars_for_file("typescript", "src/a.ts"),
		  "typescript");
	CHECK_STR(review_grammars_for_file("typescript", "src/A.TSX"), "tsx");
	CHECK_STR(review_grammars_for_file("typescript", NULL), "typescript");
	CHECK_STR(review_grammars_for_file("cpp", "a.cc"), "cpp");
	CHECK_STR(review_grammars_for_file("c", "a.h"), "c");
	CHECK_STR(review_grammars_for_file("bash", "run"), "bash");
	CHECK(review_grammars_for_file("kotlin", "a.kt") == NULL);
	CHECK(review_grammars_for_file("tsx", "a.tsx") == NULL);
	CHECK(review_grammars_for_file(NULL, "a.c") == NULL);
}
