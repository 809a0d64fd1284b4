#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "review/structure.h"
#include "tests/unit/test.h"

static int add_query(struct review_structure *s, const char *id,
		     const char *lang, const char *query, struct buf *err)
{
	struct review_query_spec spec = { 0 };

	spec.id = id;
	spec.pack = "test";
	spec.language = lang;
	spec.query = query;
	spec.message = "msg";
	spec.severity = REVIEW_SEV_NOTE;
	return review_structure_add(s, &spec, err);
}

/* Scan `text` as a whole added file; returns the scan's result. */
static int scan(struct review_structure *s, const char *path,
		const char *lang, const char *text,
		struct review_findings *out)
{
	return review_structure_scan(s, path, lang, text, strlen(text), NULL,
				     0, NULL, 0, out);
}

static size_t count_rule(const struct review_findings *f, const char *id)
{
	size_t i, n = 0;

	for (i = 0; i < f->nr; i++)
		n += !strcmp(f->items[i].rule_id, id);
	return n;
}

void test_structure__builtin_examples(void)
{
	struct review_structure s;
	struct buf err = BUF_INIT;
	const struct review_query_pack *const *p;
	size_t i, n = 0;

	review_structure_init(&s);
	REQUIRE(review_structure_add_builtin(&s, NULL, &err) == 0);
	for (p = review_structure_builtin_packs(); *p; p++) {
		for (i = 0; i < (*p)->nr_rules; i++) {
			const struct review_query_spec *q = &(*p)->rules[i];

			CHECK(q->examples_true && q->examples_true[0]);
			CHECK(q->examples_false && q->examples_false[0]);
			CHECK(q->message && strlen(q->message) > 20);
			CHECK(!strncmp(q->id, "structure/", 10));
			n++;
		}
	}
	CHECK_INT(review_structure_count(&s), n);
	CHECK(n >= 20);
	if (review_structure_selftest(&s, &err) < 0)
		test__fail(__FILE__, __LINE__, err.ptr);
	/* a normal scan (all rules of a grammar in one query) agrees */
	for (i = 0; i < review_structure_count(&s); i++) {
		const struct review_query_spec *q = review_structure_get(&s, i);
		struct review_findings f;
		size_t j;

		review_findings_init(&f);
		for (j = 0; q->examples_true[j]; j++) {
			scan(&s, "example", q->language, q->examples_true[j],
			     &f);
			if (!count_rule(&f, q->id))
				test__fail(__FILE__, __LINE__,
					   q->examples_true[j]);
			CHECK_INT(count_rule(&f, REVIEW_STRUCTURE_SYNTAX_ID),
				  0);
			review_findings_release(&f);
		}
		for (j = 0; q->examples_false[j]; j++) {
			scan(&s, "example", q->language, q->examples_false[j],
			     &f);
			if (count_rule(&f, q->id))
				test__fail(__FILE__, __LINE__,
					   q->examples_false[j]);
			review_findings_release(&f);
		}
	}
	/* the TypeScript rules also run on .tsx files */
	{
		struct review_findings f;

		review_findings_init(&f);
		CHECK(scan(&s, "a.tsx", "typescript",
			   "const A = () => { try { f(); } catch (e) {} "
			   "return <b>x</b>; };\n",
			   &f) == 0);
		CHECK_INT(count_rule(&f, "structure/ts-empty-catch"), 1);
		CHECK_INT(count_rule(&f, REVIEW_STRUCTURE_SYNTAX_ID), 0);
		review_findings_release(&f);
	}
	CHECK(review_structure_add_builtin(&s, "nope", &err) ==
	      TEND_ENOTFOUND);
	CHECK_STR(err.ptr, "no structural rule pack 'nope'");
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__finding_fields(void)
{
	struct review_structure s;
	struct review_findings f;
	struct buf err = BUF_INIT;
	const struct review_finding *x;

	review_structure_init(&s);
	review_findings_init(&f);
	REQUIRE(add_query(&s, "t/call", "python",
			  "(call function: (identifier) @fn "
			  "(#eq? @fn \"danger\"))",
			  &err) == 0);
	/* "é" is two bytes, one column */
	CHECK(scan(&s, "a.py", "python",
		   "x = 1\ns = \"\xc3\xa9\"; danger(s)\r\n", &f) == 0);
	REQUIRE(f.nr == 1);
	x = &f.items[0];
	CHECK_STR(x->path, "a.py");
	CHECK_STR(x->rule_id, "t/call");
	CHECK_STR(x->source, "structure");
	CHECK_STR(x->message, "msg");
	CHECK_STR(x->snippet, "s = \"\xc3\xa9\"; danger(s)");
	CHECK_INT(x->severity, REVIEW_SEV_NOTE);
	CHECK_INT(x->line, 2);
	CHECK_INT(x->end_line, 2);
	CHECK_INT(x->col, 10);
	CHECK_INT(x->end_col, 16);
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__multiline_node_and_capture_choice(void)
{
	struct review_structure s;
	struct review_findings f;
	struct buf err = BUF_INIT;
	struct review_query_spec spec = { 0 };

	review_structure_init(&s);
	review_findings_init(&f);
	/* hidden captures (_x) are skipped when choosing what to report */
	REQUIRE(add_query(&s, "t/def", "python",
			  "(function_definition name: (identifier) @_n "
			  "body: (block) @body)",
			  &err) == 0);
	spec.id = "t/named";
	spec.language = "python";
	spec.query = "(function_definition name: (identifier) @name) @def";
	spec.capture = "name";
	REQUIRE(review_structure_add(&s, &spec, &err) == 0);
	CHECK(scan(&s, "a.py", "python",
		   "def f():\n    a = 1\n    return a\n", &f) == 0);
	REQUIRE(f.nr == 2);
	review_findings_sort(&f);
	CHECK_STR(f.items[0].rule_id, "t/named");
	CHECK_INT(f.items[0].line, 1);
	CHECK_INT(f.items[0].col, 5);
	CHECK_INT(f.items[0].end_col, 6);
	CHECK_INT(f.items[0].severity, REVIEW_SEV_WARNING);
	CHECK_STR(f.items[0].message, "t/named");
	CHECK_STR(f.items[1].rule_id, "t/def");
	CHECK_INT(f.items[1].line, 2);
	CHECK_INT(f.items[1].end_line, 3);
	CHECK_INT(f.items[1].col, 5);
	CHECK_INT(f.items[1].end_col, 13);
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__query_errors(void)
{
	static const struct {
		const char *lang, *query, *want;
	} bad[] = {
		{ "python", "(call", "query 'bad': invalid query at offset 5 "
				     "(line 1, column 6): syntax error at "
				     "the end of the query" },
		{ "python", "(fnction_definition) @f",
		  "query 'bad': invalid query at offset 1 (line 1, column "
		  "2): unknown node type 'fnction_definition'" },
		{ "python", "(call\n  nme: (identifier)) @c",
		  "query 'bad': invalid query at offset 8 (line 2, column "
		  "3): unknown field 'nme'" },
		{ "python", "((identifier) @a (#eq? @b \"x\"))",
		  "query 'bad': invalid query at offset 24 (line 1, column "
		  "25): unknown capture '@b'" },
		{ "c", "(if_statement (identifier)) @x",
		  "query 'bad': invalid query at offset" },
		{ "python", "(call)", "query 'bad': the query has no capture" },
		{ "python", "((identifier) @a (#frob? @a \"x\"))",
		  "query 'bad': unknown predicate '#frob?' in the pattern "
		  "at offset 0" },
		{ "python", "((identifier) @a (#match? @a \"(x\"))",
		  "query 'bad': invalid regex in #match? at offset 2: "
		  "missing closing parenthesis (in the pattern at offset "
		  "0)" },
		{ "python", "((identifier) @a (#eq? @a))",
		  "query 'bad': #eq? wants a capture, then a string or "
		  "capture" },
		{ "python", "((identifier) @a (#match? @a @a))",
		  "query 'bad': #match? wants a string, not a capture" },
		{ "kotlin", "(x) @x",
		  "query 'bad': no tree-sitter grammar for language "
		  "'kotlin'" },
		{ "klingon", "(x) @x", "query 'bad': unknown language "
				       "'klingon'" },
		{ NULL, "(x) @x", "query 'bad': missing language" },
	};
	struct review_structure s;
	struct buf err = BUF_INIT;
	struct review_query_spec spec = { 0 };
	size_t i;

	review_structure_init(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&err);
		CHECK(add_query(&s, "bad", bad[i].lang, bad[i].query, &err) ==
		      TEND_EINVALID);
		if (strncmp(err.ptr, bad[i].want, strlen(bad[i].want)))
			test__fail_str(__FILE__, __LINE__, bad[i].query,
				       err.ptr, bad[i].want);
	}
	CHECK_INT(review_structure_count(&s), 0);
	/* the impossible-pattern kind is named */
	CHECK(add_query(&s, "bad", "c", "(if_statement (identifier)) @x",
			&err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "impossible pattern") != NULL);

	spec.id = "cap";
	spec.language = "python";
	spec.query = "(call) @c";
	spec.capture = "nope";
	CHECK(review_structure_add(&s, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "query 'cap': no capture '@nope' in the query");
	spec.capture = NULL;
	CHECK(review_structure_add(&s, &spec, &err) == 0);
	CHECK(review_structure_add(&s, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "query 'cap': duplicate id");
	spec.id = NULL;
	CHECK(review_structure_add(&s, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "query without an id");
	spec.id = "q";
	spec.query = "";
	CHECK(review_structure_add(&s, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "query 'q': missing query");
	/* directives are accepted and ignored */
	CHECK(add_query(&s, "dir", "python",
			"((identifier) @a (#set! kind \"x\"))", &err) == 0);
	CHECK_INT(review_structure_count(&s), 2);
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__predicates(void)
{
	static const struct {
		const char *query;
		size_t want;
	} cases[] = {
		{ "((identifier) @a (#eq? @a \"foo\"))", 3 },
		{ "((identifier) @a (#not-eq? @a \"foo\"))", 4 },
		{ "((identifier) @a (#match? @a \"^b\"))", 2 },
		{ "((identifier) @a (#not-match? @a \"o\"))", 4 },
		{ "((identifier) @a (#any-of? @a \"bar\" \"baz\" \"x\"))", 2 },
		/* two captures: x = x */
		{ "(assignment left: (identifier) @l right: (identifier) @r "
		  "(#eq? @l @r))", 1 },
		{ "(assignment left: (identifier) @l right: (identifier) @r "
		  "(#not-eq? @l @r))", 1 },
	};
	struct review_structure s;
	struct review_findings f;
	struct buf err = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		review_structure_init(&s);
		s.syntax_check = 0;
		review_findings_init(&f);
		if (add_query(&s, "p", "python", cases[i].query, &err) < 0) {
			test__fail(__FILE__, __LINE__, err.ptr);
			continue;
		}
		/* identifiers: foo foo bar qux g baz foo */
		CHECK(scan(&s, "a.py", "python",
			   "foo = foo\nbar = qux\ng(baz, foo)\n", &f) == 0);
		if (count_rule(&f, "p") != cases[i].want)
			test__fail_int(__FILE__, __LINE__, cases[i].query,
				       (long long)count_rule(&f, "p"),
				       (long long)cases[i].want);
		review_findings_release(&f);
		review_structure_release(&s);
	}
	buf_release(&err);
}

/* A modified C file: base, head, and the head's changed lines. */
static size_t syntax_findings(const char *path, const char *lang,
			      const char *old_text, const char *new_text,
			      const uint32_t *changed, size_t nr,
			      struct review_findings *f)
{
	struct review_structure s;

	review_structure_init(&s);
	CHECK(review_structure_scan(&s, path, lang, new_text,
				    strlen(new_text), old_text,
				    old_text ? strlen(old_text) : 0, changed,
				    nr, f) == 0);
	review_structure_release(&s);
	return count_rule(f, REVIEW_STRUCTURE_SYNTAX_ID);
}

void test_structure__syntax_error_introduced(void)
{
	const char *old_c = "int f(int a)\n{\n\tint b = a;\n\treturn b;\n}\n";
	const char *new_c = "int f(int a)\n{\n\tint b = a\n\treturn b;\n}\n";
	const char *old_py = "def f(a):\n    return a\n";
	const char *new_py = "def f(a):\n    if a\n        return a\n";
	uint32_t line3[] = { 3 }, line2[] = { 2 }, line4[] = { 4 };
	struct review_findings f;

	review_findings_init(&f);
	CHECK_INT(syntax_findings("a.c", "c", old_c, new_c, line3, 1, &f), 1);
	REQUIRE(f.nr == 1);
	CHECK_INT(f.items[0].line, 3);
	CHECK_INT(f.items[0].severity, REVIEW_SEV_ERROR);
	CHECK_STR(f.items[0].message, "syntax error: missing ';'");
	CHECK_STR(f.items[0].source, "structure");
	CHECK_STR(f.items[0].snippet, "\tint b = a");
	review_findings_release(&f);

	/*
	 * Where the change is comes from the base and head texts, not from
	 * the lines the caller names: the edit is line 3 all the same.
	 */
	CHECK_INT(syntax_findings("a.c", "c", old_c, new_c, line4, 1, &f), 1);
	REQUIRE(f.nr == 1);
	CHECK_INT(f.items[0].line, 3);
	review_findings_release(&f);

	CHECK_INT(syntax_findings("a.py", "python", old_py, new_py, line2, 1,
				  &f),
		  1);
	REQUIRE(f.nr == 1);
	CHECK_INT(f.items[0].line, 2);
	CHECK(!strncmp(f.items[0].message, "syntax error", 12));
	review_findings_release(&f);

	/* an added file is checked against an empty base */
	CHECK_INT(syntax_findings("a.py", "python", NULL, new_py, NULL, 0, &f),
		  1);
	review_findings_release(&f);
	CHECK_INT(syntax_findings("a.py", "python", NULL, old_py, NULL, 0, &f),
		  0);
	review_findings_release(&f);

	/* a missing closing brace */
	CHECK_INT(syntax_findings("a.go", "go",
				  "package p\n\nfunc f() {\n\tg()\n}\n",
				  "package p\n\nfunc f() {\n\tif x {\n"
				  "\tg()\n}\n",
				  line4, 1, &f),
		  1);
	REQUIRE(f.nr == 1);
	CHECK_INT(f.items[0].line, 4);
	CHECK_STR(f.items[0].message,
		  "syntax error: missing '}' (detected at line 6)");
	review_findings_release(&f);
}

void test_structure__syntax_error_preexisting(void)
{
	/* the base already has a broken line; the change adds a good one */
	const char *old_c = "int f(void)\n{\n\tint x = ;\n\treturn 0;\n}\n";
	const char *new_c = "int f(void)\n{\n\tint x = ;\n\tint y = 2;\n"
			    "\treturn 0;\n}\n";
	/* a construct the grammar never understood, used once more */
	const char *old_m = "void f(void)\n{\n\tLIST_EACH(a, b) {\n"
			    "\t\tg(a);\n\t} END\n}\n";
	const char *new_m = "void f(void)\n{\n\tLIST_EACH(a, b) {\n"
			    "\t\tg(a);\n\t} END\n\tLIST_EACH(c, d) {\n"
			    "\t\tg(c);\n\t} END\n}\n";
	const char *clean_c = "int f(void)\n{\n\treturn 0;\n}\n";
	const char *macro_c = "int f(void)\n{\n\tlist_for_each(a, b) {\n"
			      "\t\tg(a);\n\t}\n\treturn 0;\n}\n";
	const char *api_c = "int f(void)\n{\n\treturn 0;\n}\n"
			    "MY_API int g(void) API_ATTR;\n";
	uint32_t line4[] = { 4 }, lines6to8[] = { 6, 7, 8 };
	uint32_t lines3to4[] = { 3, 4 }, line5[] = { 5 };
	struct review_findings f;
	struct review_structure s;

	review_findings_init(&f);
	CHECK_INT(syntax_findings("a.c", "c", old_c, new_c, line4, 1, &f), 0);
	review_findings_release(&f);
	/* reported when the base was fine */
	CHECK_INT(syntax_findings("a.c", "c", clean_c, new_c, lines3to4, 2,
				  &f),
		  1);
	review_findings_release(&f);
	/* C and C++ need a clean base: added files are not checked */
	CHECK_INT(syntax_findings("a.c", "c", NULL, new_c, NULL, 0, &f), 0);
	review_findings_release(&f);
	/* lines that look like macro use are not blamed */
	CHECK_INT(syntax_findings("a.c", "c", clean_c, macro_c, lines3to4, 2,
				  &f),
		  0);
	review_findings_release(&f);
	CHECK_INT(syntax_findings("a.cc", "cpp", clean_c, api_c, line5, 1,
				  &f),
		  0);
	review_findings_release(&f);
	CHECK_INT(syntax_findings("a.c", "c", old_m, new_m, lines6to8, 3, &f),
		  0);
	review_findings_release(&f);

	/* the check can be turned off */
	review_structure_init(&s);
	CHECK_INT(review_structure_disable(&s, REVIEW_STRUCTURE_SYNTAX_ID), 1);
	CHECK(!review_structure_wants(&s, "c", "a.c"));
	CHECK(review_structure_scan(&s, "a.c", "c", new_c, strlen(new_c),
				    NULL, 0, NULL, 0, &f) == 0);
	CHECK_INT(f.nr, 0);
	review_structure_release(&s);
	review_findings_release(&f);
}

void test_structure__syntax_error_cap(void)
{
	struct buf text = BUF_INIT;
	struct review_findings f;
	int i;

	review_findings_init(&f);
	for (i = 0; i < 50; i++)
		buf_printf(&text, "v%d = = 1\n", i);
	CHECK_INT(syntax_findings("a.py", "python", NULL, text.ptr, NULL, 0,
				  &f),
		  REVIEW_STRUCTURE_MAX_SYNTAX);
	review_findings_release(&f);
	buf_release(&text);
}

void test_structure__c_header_in_cpp(void)
{
	const char *h = "#pragma once\nnamespace n {\nclass A {\npublic:\n"
			"  virtual ~A() = default;\n};\n}\n";
	struct review_structure s;
	struct review_findings f;
	struct buf err = BUF_INIT;

	review_structure_init(&s);
	review_findings_init(&f);
	REQUIRE(add_query(&s, "t/class", "cpp", "(class_specifier) @c",
			  &err) == 0);
	CHECK(review_structure_wants(&s, "c", "x.h"));
	CHECK(scan(&s, "x.h", "c", h, &f) == 0);
	CHECK_INT(count_rule(&f, REVIEW_STRUCTURE_SYNTAX_ID), 0);
	CHECK_INT(count_rule(&f, "t/class"), 1);
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__no_findings_inside_errors(void)
{
	struct review_structure s;
	struct review_findings f;
	struct buf err = BUF_INIT;

	review_structure_init(&s);
	review_findings_init(&f);
	REQUIRE(add_query(&s, "t/call", "c",
			  "(call_expression function: (identifier) @fn)",
			  &err) == 0);
	/* "if (a = b)" lands in an ERROR node as a call; g() does not */
	CHECK(scan(&s, "a.c", "c", "int x = { if (a = b) g(); };\n", &f) ==
	      0);
	REQUIRE(count_rule(&f, "t/call") == 1);
	CHECK_INT(f.items[0].col, 22);
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__limits(void)
{
	struct review_structure s;
	struct review_findings f;
	struct buf text = BUF_INIT;
	int i;

	review_structure_init(&s);
	review_findings_init(&f);
	CHECK(scan(&s, "a.kt", "kotlin", "fun main() {}", &f) ==
	      TEND_ENOTFOUND);
	CHECK(scan(&s, "a", NULL, "x", &f) == TEND_ENOTFOUND);
	s.max_bytes = 10;
	CHECK(scan(&s, "a.py", "python", "x = 1 + 2 + 3\n", &f) ==
	      TEND_ETOOBIG);
	/* a base version over the cap turns the syntax check off only */
	CHECK(review_structure_scan(&s, "a.py", "python", "x = (", 5,
				    "y = 1 + 2 + 3\n", 14, NULL, 0, &f) == 0);
	CHECK_INT(f.nr, 0);
	s.max_bytes = REVIEW_STRUCTURE_MAX_BYTES;
	for (i = 0; i < 40000; i++)
		buf_printf(&text, "x%d = [f(a, b) for a in range(%d) if a]\n",
			   i, i);
	s.timeout_us = 1;
	log_set_level(LOG_ERROR);
	CHECK(scan(&s, "big.py", "python", text.ptr, &f) == TEND_ETIMEOUT);
	log_set_level(LOG_WARN);
	CHECK_INT(f.nr, 0);
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&text);
}

void test_structure__bad_bytes(void)
{
	static const char junk[] = "def f(\xff\xfe, \xc3):\n    return '\x80"
				   "\xed\xa0\x80'\n\0\0x = None == y\n";
	struct review_structure s;
	struct review_findings f;
	struct buf err = BUF_INIT;
	char noise[4096];
	size_t i;
	unsigned seed = 7;

	review_structure_init(&s);
	review_findings_init(&f);
	REQUIRE(review_structure_add_builtin(&s, NULL, &err) == 0);
	CHECK(review_structure_scan(&s, "a.py", "python", junk,
				    sizeof(junk) - 1, NULL, 0, NULL, 0,
				    &f) == 0);
	for (i = 0; i < sizeof(noise); i++) {
		seed = seed * 1103515245u + 12345u;
		noise[i] = (char)(seed >> 16);
	}
	CHECK(review_structure_scan(&s, "a.c", "c", noise, sizeof(noise),
				    noise, sizeof(noise) / 2, NULL, 0,
				    &f) == 0);
	CHECK(review_structure_scan(&s, "a.rb", "ruby", noise, sizeof(noise),
				    NULL, 0, NULL, 0, &f) == 0);
	CHECK(review_structure_scan(&s, "a.sh", "bash", "", 0, NULL, 0, NULL,
				    0, &f) == 0);
	for (i = 0; i < f.nr; i++)
		CHECK(f.items[i].line >= 1 &&
		      f.items[i].end_line >= f.items[i].line);
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__disable(void)
{
	struct review_structure s;
	struct buf err = BUF_INIT;
	struct review_findings f;
	size_t n;

	review_structure_init(&s);
	review_findings_init(&f);
	REQUIRE(review_structure_add_builtin(&s, "structure", &err) == 0);
	n = review_structure_count(&s);
	CHECK_INT(review_structure_count_enabled(&s), n);
	CHECK_INT(review_structure_disable(&s, "structure/py-bare-except"), 1);
	CHECK_INT(review_structure_disable(&s, "structure/js-*"), 2);
	CHECK_INT(review_structure_disable(&s, "nothing"), 0);
	CHECK_INT(review_structure_count_enabled(&s), n - 3);
	CHECK(scan(&s, "a.py", "python", "try:\n    f()\nexcept:\n    g()\n",
		   &f) == 0);
	CHECK_INT(f.nr, 0);
	/* the pack name turns off every rule and the syntax check */
	CHECK_INT(review_structure_disable(&s, "structure"), n + 1);
	CHECK(!review_structure_wants(&s, "python", "a.py"));
	CHECK_STR(review_structure_get(&s, 0)->pack, "structure");
	CHECK(review_structure_get(&s, n) == NULL);
	review_findings_release(&f);
	review_structure_release(&s);
	buf_release(&err);
}

void test_structure__bash_syntax_errors_not_trusted(void)
{
	/*
	 * Valid bash that tree-sitter-bash 0.23 cannot parse, as an added
	 * file: without a base the check cannot tell, so it says nothing.
	 */
	static const char script[] =
		"#!/bin/sh\npython3 - \"$a\" <<'EOF' &\nprint(1)\nEOF\nwait\n";
	struct review_structure s;
	struct review_findings out;
	struct buf err = BUF_INIT;
	size_t i;

	review_structure_init(&s);
	review_findings_init(&out);
	REQUIRE(review_structure_add_builtin(&s, NULL, &err) == 0);
	CHECK(review_structure_scan(&s, "t.sh", "bash", script,
				    sizeof(script) - 1, NULL, 0, NULL, 0,
				    &out) == 0);
	for (i = 0; i < out.nr; i++)
		CHECK(strcmp(out.items[i].rule_id, "structure/syntax-error"));
	review_findings_release(&out);
	review_structure_release(&s);
	buf_release(&err);
}

/* The line of the only syntax finding, or 0 (and a failure) when not one. */
static uint32_t syntax_line(const char *path, const char *lang,
			    const char *old_text, const char *new_text)
{
	struct review_findings f;
	uint32_t line = 0;
	size_t i, n = 0;

	review_findings_init(&f);
	syntax_findings(path, lang, old_text, new_text, NULL, 0, &f);
	for (i = 0; i < f.nr; i++)
		if (!strcmp(f.items[i].rule_id, REVIEW_STRUCTURE_SYNTAX_ID)) {
			line = f.items[i].line;
			n++;
		}
	CHECK_INT(n, 1);
	review_findings_release(&f);
	return n == 1 ? line : 0;
}

void test_structure__syntax_error_base_with_errors(void)
{
	/* the base has an error at its end; the change deletes a '}' */
	const char *old_c = "int f(int a)\n{\n\tif (a) {\n\t\ta++;\n\t}\n"
			    "\treturn a;\n}\n\nint g(void)\n{\n\treturn 1;\n}\n"
			    "int x = ;\n";
	const char *new_c = "int f(int a)\n{\n\tif (a) {\n\t\ta++;\n"
			    "\treturn a;\n}\n\nint g(void)\n{\n\treturn 1;\n}\n"
			    "int x = ;\n";
	/* a macro-opened block the base had, and an edit inside it */
	const char *old_m = "NS_BEGIN\nint f(void)\n{\n\treturn 1;\n}\n"
			    "NS_END\n";
	const char *new_m = "NS_BEGIN\nint f(void)\n{\n\treturn 2;\n}\n"
			    "NS_END\n";
	struct review_findings f;

	/* reported near line 4/5, where the '}' was */
	CHECK(syntax_line("a.c", "c", old_c, new_c) - 4 <= 1);
	review_findings_init(&f);
	CHECK_INT(syntax_findings("a.cc", "cpp", old_m, new_m, NULL, 0, &f),
		  0);
	review_findings_release(&f);
	/* the error the base had is not reported again */
	CHECK_INT(syntax_findings("a.c", "c", old_c, old_c, NULL, 0, &f), 0);
	review_findings_release(&f);
}

void test_structure__syntax_error_lenient_grammars(void)
{
	const char *py = "def f(x):\n    y = 1\n    return y\n";
	const char *py_bad = "def f(x):\n    y = 1\n        return y\n";
	const char *java = "class A {\n  Object f() {\n    return null;\n"
			   "  }\n}\n";
	const char *java_bad = "class A {\n  Object f() {\n    retrun null;\n"
			       "  }\n}\n";
	const char *rb = "def f\n  1\nend\n\ndef g\n  2\nend\n";
	const char *rb_bad = "def f\n  1\nend\nend\n\ndef g\n  2\nend\n";
	struct review_findings f;

	CHECK_INT(syntax_line("a.py", "python", py, py_bad), 3);
	CHECK_INT(syntax_line("A.java", "java", java, java_bad), 3);
	CHECK_INT(syntax_line("a.rb", "ruby", rb, rb_bad), 4);
	/* a deleted `def` line leaves a stray `end` */
	CHECK(syntax_line("a.rb", "ruby", rb, "def f\n  1\nend\n\n  2\nend\n")
	      - 4 <= 2);
	review_findings_init(&f);
	CHECK_INT(syntax_findings("a.py", "python", NULL, py, NULL, 0, &f), 0);
	CHECK_INT(syntax_findings("A.java", "java", NULL, java, NULL, 0, &f),
		  0);
	CHECK_INT(syntax_findings("a.rb", "ruby", NULL, rb, NULL, 0, &f), 0);
	review_findings_release(&f);
}

void test_structure__syntax_grammar_limits(void)
{
	const char *ts = "interface Box<out T> {\n  get(): T;\n}\n"
			 "interface Cell<in out T> {\n  v: T;\n}\n";
	const char *sh = "#!/bin/sh\nx=1\nif [ -n \"$x\" ]; then\n"
			 "\techo $x\nfi\n";
	const char *sh_heredoc = "#!/bin/sh\nx=1\ncat <<EOF &\nhi\nEOF\n"
				 "wait\nif [ -n \"$x\" ]; then\n\techo $x\n"
				 "fi\n";
	const char *sh_bad = "#!/bin/sh\nx=1\nif [ -n \"$x\" ]; then\n"
			     "\techo $x\n";
	struct review_findings f;

	review_findings_init(&f);
	/* variance annotations, newer than the grammar */
	CHECK_INT(syntax_findings("a.ts", "typescript", NULL, ts, NULL, 0,
				  &f),
		  0);
	/* bash is checked on modified files */
	CHECK_INT(syntax_findings("a.sh", "bash", sh, sh_heredoc, NULL, 0,
				  &f),
		  0);
	review_findings_release(&f);
	CHECK(syntax_line("a.sh", "bash", sh, sh_bad) - 3 <= 2);
	/* ... and not on added ones */
	CHECK_INT(syntax_findings("a.sh", "bash", NULL, sh_bad, NULL, 0, &f),
		  0);
	review_findings_release(&f);
}

void test_structure__syntax_shebang_at_head(void)
{
	const char *old_sh = "#!/bin/bash\nif true; then\n\techo a\nfi\n"
			     "echo b\n";
	const char *new_sh = "#!/bin/bash\nif true; then\n\techo a\n"
			     "echo b\n";
	struct review_structure s;
	struct review_findings f;

	review_structure_init(&s);
	review_findings_init(&f);
	/* no language from the diff: the head's first line names it */
	CHECK(review_structure_wants(&s, NULL, "bin/deploy"));
	CHECK(!review_structure_wants(&s, NULL, "notes.txt"));
	CHECK(review_structure_scan(&s, "bin/deploy", NULL, new_sh,
				    strlen(new_sh), old_sh, strlen(old_sh),
				    NULL, 0, &f) == 0);
	CHECK_INT(count_rule(&f, REVIEW_STRUCTURE_SYNTAX_ID), 1);
	review_findings_release(&f);
	review_structure_release(&s);
}

/*
 * C idioms of real code the grammar cannot parse, written by a change
 * (each from git's history v2.35.0..v2.49.0, where they gave 584 false
 * alarms): annotation macros after a parameter or on the line above a
 * declaration, a loop macro without braces, a macro that takes a type,
 * `#ifdef` splitting an if/else chain or choosing an initialiser; and
 * placeholders in a shell template. None is a syntax error; an edit that
 * breaks the same files still is.
 */
void test_structure__syntax_macro_idioms(void)
{
	const char *c_old =
		"#include <stdarg.h>\n"
		"static int cb(const char *name, void *data)\n"
		"{\n"
		"\treturn 0;\n"
		"}\n"
		"\n"
		"int get(struct set *cs, const char *key);\n"
		"\n"
		"int mode(const char *path, int *m)\n"
		"{\n"
		"\tif (!path)\n"
		"\t\t*m = 0;\n"
		"\telse if (!strcmp(path, \"nul\"))\n"
		"\t\t*m = 1;\n"
		"\treturn 0;\n"
		"}\n"
		"\n"
		"int depth = 4096;\n"
		"\n"
		"static void walk(struct list *l, va_list ap)\n"
		"{\n"
		"\tstruct item *item;\n"
		"\tconst char *arg;\n"
		"\tstruct entry *e;\n"
		"\n"
		"\twhile ((arg = va_arg(ap, const char *)))\n"
		"\t\tuse(arg);\n"
		"\tuse(l);\n"
		"}\n";
	const char *c_new =
		"#include <stdarg.h>\n"
		"static int cb(const char *name UNUSED, void *data UNUSED)\n"
		"{\n"
		"\treturn 0;\n"
		"}\n"
		"\n"
		"RESULT_MUST_BE_USED\n"
		"int get(struct set *cs, const char *key);\n"
		"\n"
		"int mode(const char *path, int *m)\n"
		"{\n"
		"\tif (!path) {\n"
		"\t\t*m = 0;\n"
		"#ifdef WINDOWS\n"
		"\t} else if (!strcmp(path, \"nul\")) {\n"
		"\t\t*m = 1;\n"
		"#endif\n"
		"\t}\n"
		"\treturn 0;\n"
		"}\n"
		"\n"
		"int depth =\n"
		"#ifdef _MSC_VER\n"
		"\t512;\n"
		"#else\n"
		"\t4096;\n"
		"#endif\n"
		"\n"
		"define_commit_slab(bit_arrays, struct bitmap *);\n"
		"#define OPTS_INIT { \\\n"
		"\t.wants_head = 1 /* default enabled */ \\\n"
		"}\n"
		"\n"
		"static void walk(struct list *l, va_list ap)\n"
		"{\n"
		"\tstruct item *item;\n"
		"\tconst char *arg;\n"
		"\tstruct entry *e;\n"
		"\n"
		"\twhile ((arg = va_arg(ap, const char *)))\n"
		"\t\tuse(arg);\n"
		"\tfor_each_string_list_item(item, l)\n"
		"\t\tuse(item);\n"
		"\te = container_of(item, const struct entry, node);\n"
		"\tuse(l);\n"
		"}\n";
	const char *sh_old = "#!/bin/sh\nx=1\necho \"$x\"\n";
	const char *sh_new = "#!/bin/sh\nx=1\n@DIFF@ -u a b | git apply\n"
			     "echo \"$x\"\n";
	struct review_findings f;
	size_t i;

	review_findings_init(&f);
	CHECK_INT(syntax_findings("a.c", "c", c_old, c_new, NULL, 0, &f), 0);
	for (i = 0; i < f.nr; i++)
		fprintf(stderr, "  unexpected: %u %s\n",
			(unsigned)f.items[i].line, f.items[i].message);
	review_findings_release(&f);
	CHECK_INT(syntax_findings("a.sh", "bash", sh_old, sh_new, NULL, 0,
				  &f),
		  0);
	review_findings_release(&f);

	/* a deleted ')' in a declaration with a type argument */
	CHECK(syntax_line("a.c", "c", c_new,
			  "int get(struct set *cs, const char *key;\n") > 0);
	/* a deleted '#endif': the directives no longer pair up */
	CHECK(syntax_line("a.c", "c", "#ifdef X\nint a;\n#endif\nint b;\n",
			  "#ifdef X\nint a;\nint b;\n") > 0);
	/* a lost ')' before the annotation is still an error */
	CHECK(syntax_line("a.c", "c",
			  "static int cb(const char *name, void *data)\n"
			  "{\n\treturn 0;\n}\n",
			  "static int cb(const char *name UNUSED, void *data\n"
			  "{\n\treturn 0;\n}\n") > 0);
}

/* A Tcl script that starts as shell and hands itself to wish is not shell. */
void test_structure__syntax_tcl_trampoline(void)
{
	const char *old_tcl = "#!/bin/sh\n# Tcl ignores the next line \\\n"
			      "exec wish \"$0\" -- \"$@\"\n\n"
			      "set answer {}\nwm title . \"x\"\n";
	const char *new_tcl = "#!/bin/sh\n# Tcl ignores the next line \\\n"
			      "exec wish \"$0\" -- \"$@\"\n\n"
			      "set answer {}\nwm title . \"x\"\n"
			      "proc finish {} {\n\tglobal answer\n}\n";
	const char *old_sh = "#!/bin/sh\nexec bash \"$0\" \"$@\"\nx=1\n";
	struct review_structure s;
	struct review_findings f;

	review_findings_init(&f);
	review_structure_init(&s);
	/* no grammar for it: not checked at all */
	CHECK_INT(review_structure_scan(&s, "askpass", NULL, new_tcl,
					strlen(new_tcl), old_tcl,
					strlen(old_tcl), NULL, 0, &f),
		  TEND_ENOTFOUND);
	CHECK_INT(f.nr, 0);
	review_structure_release(&s);
	review_findings_release(&f);
	/* handing itself to another shell, it stays shell */
	CHECK(syntax_line("run", NULL, old_sh,
			  "#!/bin/sh\nexec bash \"$0\" \"$@\"\nif x; then\n") >
	      0);
}

/*
 * A grammar's rules run only from nodes their patterns can start at when
 * every pattern's root is a node type; with an alternation, a wildcard or
 * a string at a root, the query walks the tree itself. Both find the
 * same, nested matches included.
 */
void test_structure__rooted_and_walked_queries_agree(void)
{
	static const char *const sets[][3] = {
		/* rooted: a node type, a group with a predicate, a comment */
		{ "(call_expression function: (identifier) @f)",
		  "((call_expression function: (identifier) @g) @c\n"
		  " (#eq? @g \"free\")) ; the free() calls\n",
		  "(if_statement condition: (_) @cond)" },
		/* walked: an alternation and a wildcard at the roots */
		{ "[(call_expression function: (identifier) @f)]",
		  "((call_expression function: (identifier) @g) @c\n"
		  " (#eq? @g \"free\"))",
		  "(_ condition: (parenthesized_expression) @cond)" },
	};
	const char *src = "void f(char *p)\n{\n\tif (g(h(p)))\n"
			  "\t\tfree(p);\n\tif (p) {\n\t\tif (q(p))\n"
			  "\t\t\tfree(p);\n\t}\n}\n";
	size_t counts[2][3], k, i;
	struct buf err = BUF_INIT;
	static const char *const ids[] = { "t/call", "t/free", "t/cond" };

	for (k = 0; k < 2; k++) {
		struct review_structure s;
		struct review_findings f;

		review_structure_init(&s);
		s.syntax_check = 0;
		for (i = 0; i < 3; i++)
			REQUIRE(add_query(&s, ids[i], "c", sets[k][i], &err) ==
				0);
		review_findings_init(&f);
		CHECK(scan(&s, "a.c", "c", src, &f) == 0);
		for (i = 0; i < 3; i++)
			counts[k][i] = count_rule(&f, ids[i]);
		review_findings_release(&f);
		review_structure_release(&s);
	}
	/* g, h, free, q, free; the two frees; three if conditions */
	CHECK_INT(counts[0][0], 5);
	CHECK_INT(counts[0][1], 2);
	CHECK_INT(counts[0][2], 3);
	for (i = 0; i < 3; i++)
		CHECK_INT(counts[1][i], counts[0][i]);
	buf_release(&err);
}
