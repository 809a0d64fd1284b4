#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "review/linter.h"
#include "tests/unit/test.h"

static int parse(struct review_findings *l, enum review_linter_format fmt,
		 const char *text, struct buf *err)
{
	return review_linter_parse(l, fmt, "lint", text, strlen(text),
				   "/work/repo", err);
}

void test_linter__format_names(void)
{
	enum review_linter_format f;

	CHECK_INT(review_linter_format_parse(&f, "gcc"), 0);
	CHECK_INT(f, REVIEW_LINTER_GCC);
	CHECK_INT(review_linter_format_parse(&f, "rdjsonl"), 0);
	CHECK_INT(f, REVIEW_LINTER_RDJSON);
	CHECK_INT(review_linter_format_parse(&f, "checkstyle"), 0);
	CHECK_STR(review_linter_format_name(f), "checkstyle");
	CHECK_INT(review_linter_format_parse(&f, "SARIF"), TEND_EINVALID);
}

void test_linter__paths(void)
{
	struct {
		const char *in;
		int uri;
		const char *want;
	} cases[] = {
		{ "./src/a.c", 0, "src/a.c" },
		{ "src//b/../a.c", 0, "src/a.c" },
		{ "/work/repo/src/a.c", 0, "src/a.c" },
		{ "/work/repo2/a.c", 0, "/work/repo2/a.c" },
		{ "/work/repo", 0, NULL },
		{ "../outside.c", 0, "../outside.c" },
		{ "a/../../x.c", 0, "../x.c" },
		{ "", 0, NULL },
		{ ".", 0, NULL },
		{ "file:///work/repo/src/a%20b.c", 1, "src/a b.c" },
		{ "file://host/work/repo/x.c", 1, "x.c" },
		{ "src/caf%C3%A9.c", 1, "src/caf\xc3\xa9.c" },
		{ "src/a%00b.c", 1, "src/a%00b.c" },
		{ "src/a%2.c", 1, "src/a%2.c" },
		{ "src/a.c?query#frag", 1, "src/a.c" },
		{ "src/a%20b.c", 0, "src/a%20b.c" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = review_linter_path(cases[i].in, strlen(cases[i].in),
					       cases[i].uri, "/work/repo/");

		if (!cases[i].want)
			CHECK(got == NULL);
		else
			CHECK_STR(got, cases[i].want);
		free(got);
	}
	CHECK(review_linter_path("a\0b", 3, 0, NULL) == NULL);
}

void test_linter__gcc(void)
{
	struct review_findings l;
	struct buf err = BUF_INIT;
	const char *text =
	    "In file included from src/main.c:3:\n"
	    "src/util.h:10:5: warning: unused variable 'x' "
	    "[-Wunused-variable]\n"
	    "   10 |     int x;\n"
	    "      |         ^\n"
	    "/work/repo/src/main.c:42:1: error: expected ';' before '}' "
	    "token\r\n"
	    "src/main.c: In function 'main':\n"
	    "src/a.py:7:80: E501 line too long (88 > 79 characters)\n"
	    "src/x.sh:2: note: no column here [SC2086]\n"
	    "C:\\proj\\w.c:3:1: fatal error: no such file\n"
	    "this line is garbage\n"
	    "2 warnings generated.\n";
	int rc;

	review_findings_init(&l);
	rc = parse(&l, REVIEW_LINTER_GCC, text, &err);
	CHECK_INT(rc, 1);
	REQUIRE(l.nr == 5);
	CHECK_STR(l.items[0].path, "src/util.h");
	CHECK_INT(l.items[0].line, 10);
	CHECK_INT(l.items[0].col, 5);
	CHECK_INT(l.items[0].severity, REVIEW_SEV_WARNING);
	CHECK_STR(l.items[0].rule_id, "lint/-Wunused-variable");
	CHECK_STR(l.items[0].message, "unused variable 'x'");
	CHECK_STR(l.items[0].source, "linter:lint");
	CHECK_STR(l.items[1].path, "src/main.c");
	CHECK_INT(l.items[1].line, 42);
	CHECK_INT(l.items[1].severity, REVIEW_SEV_ERROR);
	CHECK_STR(l.items[1].rule_id, "lint");
	CHECK_STR(l.items[1].message, "expected ';' before '}' token");
	CHECK_STR(l.items[2].rule_id, "lint/E501");
	CHECK_STR(l.items[2].message, "line too long (88 > 79 characters)");
	CHECK_INT(l.items[2].severity, REVIEW_SEV_WARNING);
	CHECK_INT(l.items[3].line, 2);
	CHECK_INT(l.items[3].col, 0);
	CHECK_INT(l.items[3].severity, REVIEW_SEV_NOTE);
	CHECK_STR(l.items[3].rule_id, "lint/SC2086");
	CHECK_STR(l.items[4].path, "C:\\proj\\w.c");
	CHECK_INT(l.items[4].severity, REVIEW_SEV_ERROR);
	CHECK_INT(err.len, 0);
	review_findings_release(&l);
	buf_release(&err);
}

void test_linter__gcc_garbage_only(void)
{
	struct review_findings l;
	struct buf err = BUF_INIT;

	review_findings_init(&l);
	CHECK_INT(parse(&l, REVIEW_LINTER_GCC, "", &err), 0);
	CHECK_INT(parse(&l, REVIEW_LINTER_GCC, "\n  \n", &err), 0);
	CHECK_INT(parse(&l, REVIEW_LINTER_GCC,
			"In file included from a.h:1:\n", &err), 0);
	CHECK_INT(l.nr, 0);
	CHECK_INT(parse(&l, REVIEW_LINTER_GCC,
			"Segmentation fault\x1b[0m\nmore\n", &err),
		  TEND_EINVALID);
	CHECK_INT(l.nr, 0);
	CHECK(strstr(err.ptr, "no gcc-style diagnostic") != NULL);
	CHECK(strstr(err.ptr, "line 1 reads 'Segmentation fault?[0m'") != NULL);
	/* A diagnostic with an empty message is not one. */
	CHECK_INT(parse(&l, REVIEW_LINTER_GCC, "a.c:1:2: error:\n", &err),
		  TEND_EINVALID);
	review_findings_release(&l);
	buf_release(&err);
}

void test_linter__sarif(void)
{
	struct review_findings l;
	struct buf err = BUF_INIT;
	const char *text =
	    "{\"version\":\"2.1.0\",\"runs\":[{"
	    "\"tool\":{\"driver\":{\"name\":\"x\",\"rules\":["
	    "  {\"id\":\"R1\",\"defaultConfiguration\":{\"level\":\"error\"},"
	    "   \"messageStrings\":{\"m\":{\"text\":\"'{0}' is bad, {1}\"}}},"
	    "  {\"id\":\"R2\"}]}},"
	    "\"originalUriBaseIds\":{\"SRC\":{\"uri\":\"file:///work/repo/\"}},"
	    "\"results\":["
	    " {\"ruleIndex\":0,\"message\":{\"id\":\"m\",\"arguments\":[\"x\","
	    "\"y\"]},"
	    "  \"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
	    "  {\"uri\":\"src/a.c\",\"uriBaseId\":\"SRC\"},"
	    "  \"region\":{\"startLine\":3,\"startColumn\":2,\"endLine\":4,"
	    "  \"endColumn\":9}}}]},"
	    " {\"ruleId\":\"R2\",\"level\":\"note\",\"message\":{\"text\":"
	    "\"t\"},"
	    "  \"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
	    "  {\"uri\":\"file:///work/repo/b%20c.py\"}}}]},"
	    " {\"ruleId\":\"R2\",\"kind\":\"pass\",\"message\":{\"text\":"
	    "\"ok\"}},"
	    " {\"ruleId\":\"R2\",\"message\":{\"text\":\"no location\"}},"
	    " 42"
	    "]}]}";

	review_findings_init(&l);
	CHECK_INT(parse(&l, REVIEW_LINTER_SARIF, text, &err), 2);
	REQUIRE(l.nr == 2);
	CHECK_STR(l.items[0].path, "src/a.c");
	CHECK_STR(l.items[0].rule_id, "lint/R1");
	CHECK_STR(l.items[0].message, "'x' is bad, y");
	CHECK_INT(l.items[0].severity, REVIEW_SEV_ERROR);
	CHECK_INT(l.items[0].line, 3);
	CHECK_INT(l.items[0].col, 2);
	CHECK_INT(l.items[0].end_line, 4);
	CHECK_INT(l.items[0].end_col, 9);
	CHECK_STR(l.items[1].path, "b c.py");
	CHECK_INT(l.items[1].line, 0);
	CHECK_INT(l.items[1].severity, REVIEW_SEV_NOTE);

	CHECK_INT(parse(&l, REVIEW_LINTER_SARIF, "  \n", &err), 0);
	CHECK_INT(parse(&l, REVIEW_LINTER_SARIF, "{\"runs\": [", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "invalid SARIF: not JSON at line 1") != NULL);
	CHECK_INT(parse(&l, REVIEW_LINTER_SARIF, "{\"version\":\"2.1.0\"}",
			&err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "'runs'") != NULL);
	CHECK_INT(parse(&l, REVIEW_LINTER_SARIF,
			"{\"runs\":[{\"results\":[{\"message\":{}}]}]}", &err),
		  TEND_EINVALID);
	CHECK_INT(l.nr, 2);
	review_findings_release(&l);
	buf_release(&err);
}

void test_linter__rdjson(void)
{
	struct review_findings l;
	struct buf err = BUF_INIT;
	const char *doc =
	    "{\"source\":{\"name\":\"x\"},\"severity\":\"WARNING\","
	    "\"diagnostics\":["
	    " {\"message\":\"use const\",\"location\":{\"path\":\"src/a.js\","
	    "  \"range\":{\"start\":{\"line\":5,\"column\":1},"
	    "  \"end\":{\"line\":5,\"column\":4}}},"
	    "  \"severity\":\"ERROR\",\"code\":{\"value\":\"prefer-const\"},"
	    "  "
	    "\"suggestions\":[{\"range\":{\"start\":{\"line\":5,\"column\":1},"
	    "  \"end\":{\"line\":6,\"column\":1}},\"text\":\"const a = "
	    "1;\\n\"}]},"
	    " {\"message\":\"default "
	    "sev\",\"location\":{\"path\":\"/work/repo/b.js\","
	    "  \"range\":{\"start\":{\"line\":2}}}},"
	    " {\"message\":\"no path\",\"location\":{}}"
	    "]}";
	const char *lines =
		"{\"message\":\"m1\",\"location\":{\"path\":\"a.go\",\"range\":"
		"{\"start\":{\"line\":1,\"column\":2}}},\"severity\":3}\n"
		"not json\n"
		"\n"
		"{\"message\":\"m2\",\"location\":{\"path\":\"b.go\"},"
		"\"severity\":\"INFO\",\"suggestions\":[{\"range\":{\"start\":"
		"{\"line\":1,\"column\":3}},\"text\":\"x\"}]}\n";

	review_findings_init(&l);
	CHECK_INT(parse(&l, REVIEW_LINTER_RDJSON, doc, &err), 1);
	REQUIRE(l.nr == 2);
	CHECK_STR(l.items[0].rule_id, "lint/prefer-const");
	CHECK_INT(l.items[0].severity, REVIEW_SEV_ERROR);
	CHECK_INT(l.items[0].end_col, 4);
	CHECK_STR(l.items[0].suggestion, "const a = 1;");
	CHECK_STR(l.items[1].path, "b.js");
	CHECK_INT(l.items[1].severity, REVIEW_SEV_WARNING);
	CHECK(l.items[1].suggestion == NULL);
	review_findings_release(&l);

	CHECK_INT(parse(&l, REVIEW_LINTER_RDJSON, lines, &err), 1);
	REQUIRE(l.nr == 2);
	CHECK_STR(l.items[0].path, "a.go");
	CHECK_INT(l.items[0].severity, REVIEW_SEV_NOTE);
	CHECK_INT(l.items[0].col, 2);
	CHECK_STR(l.items[1].path, "b.go");
	CHECK(l.items[1].suggestion == NULL);

	CHECK_INT(parse(&l, REVIEW_LINTER_RDJSON, "oops\n[1]\n", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "line 1") != NULL);
	CHECK(strstr(err.ptr, "'oops'") != NULL);
	CHECK_INT(parse(&l, REVIEW_LINTER_RDJSON, "{\"x\":1}", &err),
		  TEND_EINVALID);
	CHECK_INT(l.nr, 2);
	review_findings_release(&l);
	buf_release(&err);
}

void test_linter__checkstyle(void)
{
	struct review_findings l;
	struct buf err = BUF_INIT;
	const char *text =
	    "Running eslint...\n"
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<!-- generated -->\n"
	    "<checkstyle version=\"4.3\">\n"
	    "<file name=\"/work/repo/src/a.js\">\n"
	    "  <error line=\"3\" column=\"7\" severity=\"error\" "
	    "message=\"&apos;x&apos; is &lt;unused&gt; &amp; &#233;&#x263A;\" "
	    "source=\"eslint.rules.no-unused-vars\" />\n"
	    "  <error line='9' severity='warning' message='Missing "
	    "semicolon.'/>\n"
	    "  <error line=\"1\" severity=\"info\"/>\n"
	    "</file>\n"
	    "<file name=\"b.js\"></file>\n"
	    "<error line=\"1\" message=\"outside a file\"/>\n"
	    "</checkstyle>\n";

	review_findings_init(&l);
	CHECK_INT(parse(&l, REVIEW_LINTER_CHECKSTYLE, text, &err), 2);
	REQUIRE(l.nr == 2);
	CHECK_STR(l.items[0].path, "src/a.js");
	CHECK_INT(l.items[0].line, 3);
	CHECK_INT(l.items[0].col, 7);
	CHECK_INT(l.items[0].severity, REVIEW_SEV_ERROR);
	CHECK_STR(l.items[0].message,
		  "'x' is <unused> & \xc3\xa9\xe2\x98\xba");
	CHECK_STR(l.items[0].rule_id, "lint/eslint.rules.no-unused-vars");
	CHECK_INT(l.items[1].line, 9);
	CHECK_INT(l.items[1].severity, REVIEW_SEV_WARNING);
	CHECK_STR(l.items[1].rule_id, "lint");

	CHECK_INT(parse(&l, REVIEW_LINTER_CHECKSTYLE, "<?xml version=\"1.0\"?>"
			"<checkstyle></checkstyle>", &err), 0);
	CHECK_INT(parse(&l, REVIEW_LINTER_CHECKSTYLE, "error: no config\n",
			&err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "not checkstyle XML") != NULL);
	CHECK(strstr(err.ptr, "'error: no config'") != NULL);
	CHECK_INT(parse(&l, REVIEW_LINTER_CHECKSTYLE,
			"<checkstyle>\n"
			"<file name=\"a\">\n<error line=\"1\" message=\"x",
			&err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "malformed tag at line 3") != NULL);
	CHECK_INT(l.nr, 2);
	review_findings_release(&l);
	buf_release(&err);
}

void test_linter__bounds(void)
{
	struct review_findings l;
	struct buf err = BUF_INIT, big = BUF_INIT;
	size_t i;

	review_findings_init(&l);
	/* Absurd positions become 0 (line 0: a whole-file finding). */
	CHECK_INT(parse(&l, REVIEW_LINTER_GCC,
			"a.c:999999999:1: error: huge\n", &err), 0);
	REQUIRE(l.nr == 1);
	CHECK_INT(l.items[0].line, 0);
	CHECK_INT(l.items[0].col, 0);
	/* Long messages are cut on a character boundary. */
	buf_puts(&big, "a.c:1:1: warning: ");
	for (i = 0; i < REVIEW_LINTER_MAX_MESSAGE; i++)
		buf_puts(&big, "\xc3\xa9");
	buf_putc(&big, '\n');
	CHECK_INT(review_linter_parse(&l, REVIEW_LINTER_GCC, "lint", big.ptr,
				      big.len, NULL, &err), 0);
	REQUIRE(l.nr == 2);
	CHECK(strlen(l.items[1].message) <= REVIEW_LINTER_MAX_MESSAGE);
	CHECK_INT(strlen(l.items[1].message) % 2, 0);
	review_findings_release(&l);
	buf_release(&big);
	buf_release(&err);
}
