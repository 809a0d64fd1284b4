/*
 * test_evidence.c - checking a review agent's comments against a real
 * change parsed with review_diff_parse(): anchoring, quotes, suggestions,
 * the LEFT side, and the filter's duplicates, repeats and summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "review/diff.h"
#include "review/evidence.h"
#include "review/finding.h"
#include "tests/unit/test.h"

/*
 * src/app.c, new side: 1 #include, 2 blank, 3 static int add (+), 4 {,
 * 5 return a + b (+), 6 fixed (+), 7 }; second hunk 21 int x, 22 printf
 * with trailing spaces (+), 23 fflush (+), 24 return 0, 25 }.
 * Old side: 3 int add (-), 5 return a - b (-), 21 printf (-), 22 return 0.
 */
static const char evidence_patch[] =
	"diff --git a/src/app.c b/src/app.c\n"
	"index 1111111..2222222 100644\n"
	"--- a/src/app.c\n"
	"+++ b/src/app.c\n"
	"@@ -1,6 +1,7 @@\n"
	" #include <stdio.h>\n"
	" \n"
	"-int add(int a, int b)\n"
	"+static int add(int a, int b)\n"
	" {\n"
	"-\treturn a - b;\n"
	"+\treturn a + b;\n"
	"+\t/* fixed */\n"
	" }\n"
	"@@ -20,4 +21,5 @@ int main(void)\n"
	" \tint x = add(1, 2);\n"
	"-\tprintf(\"%d\\n\", x);\n"
	"+\tprintf(\"%d\\n\", x);  \n"
	"+\tfflush(stdout);\n"
	" \treturn 0;\n"
	" }\n"
	"diff --git a/win.txt b/win.txt\n"
	"--- a/win.txt\n"
	"+++ b/win.txt\n"
	"@@ -1,2 +1,2 @@\n"
	" hello\r\n"
	"-old\r\n"
	"+new value\r\n"
	"diff --git a/list.txt b/list.txt\n"
	"--- a/list.txt\n"
	"+++ b/list.txt\n"
	"@@ -1,2 +1,3 @@\n"
	" a\n"
	"+b\n"
	" c\n"
	"diff --git a/doc.md b/doc.md\n"
	"--- a/doc.md\n"
	"+++ b/doc.md\n"
	"@@ -1,2 +1,3 @@\n"
	" # Title\n"
	"-- one\n"
	"+- one item\n"
	"+- two\n";

static void evidence_parse(struct review_diff *d)
{
	review_diff_init(d);
	if (review_diff_parse(d, evidence_patch, strlen(evidence_patch),
			      "t.diff", NULL) < 0)
		test__fail(__FILE__, __LINE__, "cannot parse the test patch");
}

/* A valid comment on line 5 of src/app.c, to be varied by each test. */
static struct review_model_comment evidence_comment(void)
{
	struct review_model_comment c;

	memset(&c, 0, sizeof(c));
	c.agent = "reviewer";
	c.path = "src/app.c";
	c.line = 5;
	c.severity = "warning";
	c.body = "add() can overflow for large ints";
	c.quote = "\treturn a + b;";
	return c;
}

/* Check `c` and return its reason name ("ok" when it passes). */
static const char *evidence_run(const struct review_diff *d,
				const struct review_model_comment *c)
{
	static char name[64];
	struct review_finding f;
	struct buf reason = BUF_INIT;
	int rc;

	rc = review_evidence_check(d, NULL, 0, c, &f, &reason);
	if (rc == 0) {
		snprintf(name, sizeof(name), "ok");
		review_evidence_finding_release(&f);
	} else {
		snprintf(name, sizeof(name), "%s", reason.ptr);
		if (rc != TEND_EINVALID)
			test__fail(__FILE__, __LINE__, "rc != TEND_EINVALID");
		if (f.path || f.message)
			test__fail(__FILE__, __LINE__, "finding not empty");
	}
	buf_release(&reason);
	return name;
}

void test_evidence__valid_comment(void)
{
	struct review_diff d;
	struct review_model_comment c = evidence_comment();
	struct review_finding f;
	struct buf reason = BUF_INIT;

	evidence_parse(&d);
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, &reason) == 0);
	CHECK_STR(f.path, "src/app.c");
	CHECK_INT(f.line, 5);
	CHECK_INT(f.end_line, 5);
	CHECK_INT(f.severity, REVIEW_SEV_WARNING);
	CHECK_STR(f.source, "agent:reviewer");
	CHECK_STR(f.rule_id, "agent/reviewer");
	CHECK_STR(f.message, c.body);
	CHECK(f.suggestion == NULL);
	CHECK_INT(reason.len, 0);
	review_evidence_finding_release(&f);
	CHECK(f.path == NULL);

	/* Severity in any case; a missing agent name is "reviewer". */
	c.severity = "ERROR";
	c.agent = NULL;
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK_INT(f.severity, REVIEW_SEV_ERROR);
	CHECK_STR(f.source, "agent:reviewer");
	review_evidence_finding_release(&f);

	/* git's "b/" and "./" prefixes find the file. */
	c.path = "b/src/app.c";
	CHECK_STR(evidence_run(&d, &c), "ok");
	c.path = "./src/app.c";
	CHECK_STR(evidence_run(&d, &c), "ok");
	buf_release(&reason);
	review_diff_release(&d);
}

void test_evidence__body_severity_path(void)
{
	struct review_diff d;
	struct review_model_comment c;

	evidence_parse(&d);
	c = evidence_comment();
	c.body = " \n\t";
	CHECK_STR(evidence_run(&d, &c), "empty_body");
	c.body = NULL;
	CHECK_STR(evidence_run(&d, &c), "empty_body");
	c = evidence_comment();
	c.severity = "high";
	CHECK_STR(evidence_run(&d, &c), "bad_severity");
	c.severity = "none";
	CHECK_STR(evidence_run(&d, &c), "bad_severity");
	c.severity = NULL;
	CHECK_STR(evidence_run(&d, &c), "bad_severity");
	c = evidence_comment();
	c.path = "src/other.c";
	CHECK_STR(evidence_run(&d, &c), "path_not_in_change");
	c.path = "";
	CHECK_STR(evidence_run(&d, &c), "path_not_in_change");
	review_diff_release(&d);
}

void test_evidence__off_diff(void)
{
	struct review_diff d;
	struct review_model_comment c;

	evidence_parse(&d);
	c = evidence_comment();
	c.line = 12;		/* between the hunks */
	c.quote = "int main(void)";
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	c.line = 0;
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	c.line = -3;
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	c.line = 400;
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	c = evidence_comment();
	c.side = "MIDDLE";
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	c.side = "right";
	CHECK_STR(evidence_run(&d, &c), "ok");
	/* A range whose first line is outside the diff. */
	c = evidence_comment();
	c.start_line = 12;
	c.line = 22;
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	review_diff_release(&d);
}

void test_evidence__wrong_quote(void)
{
	struct review_diff d;
	struct review_model_comment c;
	struct review_finding f;
	struct buf detail = BUF_INIT;

	evidence_parse(&d);
	c = evidence_comment();
	c.quote = "\treturn a - b;";	/* the old text */
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	CHECK_INT(review_evidence_judge(&d, NULL, 0, &c, &f, &detail),
		  REVIEW_EVIDENCE_QUOTE_MISMATCH);
	CHECK_STR(detail.ptr, "line 1 of the range in 'src/app.c' is "
		  "'return a + b;', the quote says 'return a - b;'");
	c.quote = "";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	c.quote = NULL;
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	/* Off by one: the right text, the wrong line. */
	c.quote = "\t/* fixed */";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	/* Inner white space is code and must match. */
	c.quote = "return a +  b;";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	buf_release(&detail);
	review_diff_release(&d);
}

void test_evidence__quote_whitespace_crlf(void)
{
	struct review_diff d;
	struct review_model_comment c;

	evidence_parse(&d);
	/* Line 22 has trailing spaces in the file; the quote does not. */
	c = evidence_comment();
	c.line = 22;
	c.quote = "\tprintf(\"%d\\n\", x);";
	CHECK_STR(evidence_run(&d, &c), "ok");
	/* Indentation re-rendered, a CRLF and a trailing newline. */
	c.quote = "    printf(\"%d\\n\", x);\r\n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	/* A CRLF file quoted with LF and trailing blanks. */
	c = evidence_comment();
	c.path = "win.txt";
	c.line = 2;
	c.quote = "new value  \n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	c.quote = "new value\r\n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	c.quote = "new";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	review_diff_release(&d);
}

void test_evidence__multi_line_quote(void)
{
	struct review_diff d;
	struct review_model_comment c;
	struct review_finding f;

	evidence_parse(&d);
	c = evidence_comment();
	c.start_line = 3;
	c.line = 5;
	c.quote = "static int add(int a, int b)\n{\n\treturn a + b;\n";
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK_INT(f.line, 3);
	CHECK_INT(f.end_line, 5);
	review_evidence_finding_release(&f);
	/* Out of order. */
	c.quote = "{\nstatic int add(int a, int b)\n\treturn a + b;\n";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	/* Missing a line. */
	c.quote = "static int add(int a, int b)\n\treturn a + b;\n";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	/* The anchored line alone is what the tool contract asks for. */
	c.quote = "\treturn a + b;";
	CHECK_STR(evidence_run(&d, &c), "ok");
	/* The first line alone is not. */
	c.quote = "static int add(int a, int b)";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	/* Copied from the diff with its markers. */
	c.quote = "+static int add(int a, int b)\n {\n+\treturn a + b;";
	CHECK_STR(evidence_run(&d, &c), "ok");
	/* start_line and line swapped. */
	c.start_line = 5;
	c.line = 3;
	c.quote = "static int add(int a, int b)\n{\n\treturn a + b;\n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	review_diff_release(&d);
}

void test_evidence__range_across_hunks(void)
{
	struct review_diff d;
	struct review_model_comment c;

	evidence_parse(&d);
	c = evidence_comment();
	c.start_line = 5;
	c.line = 22;
	CHECK_STR(evidence_run(&d, &c), "range_across_hunks");
	review_diff_release(&d);
}

void test_evidence__suggestion_noop(void)
{
	struct review_diff d;
	struct review_model_comment c;

	evidence_parse(&d);
	c = evidence_comment();
	c.suggestion = "\treturn a + b;\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_noop");
	c.suggestion = "\treturn a + b;";
	CHECK_STR(evidence_run(&d, &c), "suggestion_noop");
	c.suggestion = "\treturn a + b;\r\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_noop");
	/* Trailing blanks added where there were none change nothing. */
	c.suggestion = "\treturn a + b;   ";
	CHECK_STR(evidence_run(&d, &c), "suggestion_noop");
	/* A re-indented line is a change. */
	c.suggestion = "    return a + b;";
	CHECK_STR(evidence_run(&d, &c), "ok");
	/* Removing trailing blanks that are there is a change. */
	c = evidence_comment();
	c.line = 22;
	c.quote = "printf(\"%d\\n\", x);";
	c.suggestion = "\tprintf(\"%d\\n\", x);";
	CHECK_STR(evidence_run(&d, &c), "ok");
	c.suggestion = "\tprintf(\"%d\\n\", x);  ";
	CHECK_STR(evidence_run(&d, &c), "suggestion_noop");
	/* Multi-line, CRLF file. */
	c = evidence_comment();
	c.path = "win.txt";
	c.start_line = 1;
	c.line = 2;
	c.quote = "hello\nnew value";
	c.suggestion = "hello\r\nnew value\r\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_noop");
	review_diff_release(&d);
}

void test_evidence__suggestion_ok(void)
{
	struct review_diff d;
	struct review_model_comment c;
	struct review_finding f;

	evidence_parse(&d);
	c = evidence_comment();
	c.suggestion = "\treturn (int)((long)a + b);\r\n";
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK_STR(f.suggestion, "\treturn (int)((long)a + b);\n");
	review_evidence_finding_release(&f);
	/* Every CR at a line end goes: "\r\r\n" left a CRLF behind. */
	c.suggestion = "\treturn a\r\r\n\t\t+ b;\r\r";
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK_STR(f.suggestion, "\treturn a\n\t\t+ b;");
	review_evidence_finding_release(&f);
	/* "" is no suggestion. */
	c.suggestion = "";
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK(f.suggestion == NULL);
	review_evidence_finding_release(&f);
	/*
	 * Nor is "\r", which stripping made "": a suggestion that deleted
	 * the commented lines.
	 */
	c.suggestion = "\r";
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK(f.suggestion == NULL);
	review_evidence_finding_release(&f);
	/* A Markdown list replaced by a list is not a diff. */
	c = evidence_comment();
	c.path = "doc.md";
	c.start_line = 2;
	c.line = 3;
	c.quote = "- one item\n- two";
	c.suggestion = "- one item\n- two items\n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	c.suggestion = "+ one item\n+ two items\n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	review_diff_release(&d);
}

void test_evidence__suggestion_bad(void)
{
	struct review_diff d;
	struct review_model_comment c;

	evidence_parse(&d);
	c = evidence_comment();
	c.suggestion = "-\treturn a + b;\n+\treturn b + a;\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	c.suggestion = "+\treturn b + a;\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	c.suggestion = "@@ -5 +5 @@\n\treturn b + a;\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	c.suggestion = "--- a/src/app.c\n+++ b/src/app.c\n\treturn 0;\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	c.suggestion = "\treturn a + \\\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	/* Code left out. */
	c.start_line = 3;
	c.quote = "static int add(int a, int b)\n{\n\treturn a + b;";
	c.suggestion = "static long add(long a, long b)\n{\n\t// ...\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	c.suggestion = "static long add(long a, long b)\n...\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	c.suggestion = "static long add(long a, long b)\n{\n"
		       "\t/* ... rest unchanged */\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	c.suggestion = "static long add(long a, long b)\n{\n"
		       "\treturn a + b; /* ... */\n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	review_diff_release(&d);
}

void test_evidence__left_side(void)
{
	struct review_diff d;
	struct review_model_comment c;
	struct review_finding f;

	evidence_parse(&d);
	/* A context line: checked on the old side, moved to the new. */
	c = evidence_comment();
	c.side = "LEFT";
	c.line = 22;
	c.quote = "\treturn 0;";
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK_INT(f.line, 24);
	CHECK_INT(f.end_line, 24);
	review_evidence_finding_release(&f);
	/* The new text on the old side is a mismatch. */
	c.line = 5;
	c.quote = "\treturn a + b;";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	/* A deleted line, quoted right: nowhere to put it. */
	c.quote = "\treturn a - b;";
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	/* Old line 23 is "}": the added line's text is not on that side. */
	c.line = 23;
	c.quote = "\tfflush(stdout);";
	CHECK_STR(evidence_run(&d, &c), "quote_mismatch");
	/* Past the hunk on the old side. */
	c.line = 24;
	CHECK_STR(evidence_run(&d, &c), "off_diff");
	/* Context around an added line maps to 1..3 on the new side... */
	c = evidence_comment();
	c.side = "LEFT";
	c.path = "list.txt";
	c.start_line = 1;
	c.line = 2;
	c.quote = "a\nc";
	REQUIRE(review_evidence_check(&d, NULL, 0, &c, &f, NULL) == 0);
	CHECK_INT(f.line, 1);
	CHECK_INT(f.end_line, 3);
	review_evidence_finding_release(&f);
	/* ...where a suggestion would also replace "b". */
	c.suggestion = "A\nC\n";
	CHECK_STR(evidence_run(&d, &c), "suggestion_bad");
	/* A suggestion on one context line is fine. */
	c.start_line = 0;
	c.line = 1;
	c.quote = "a";
	c.suggestion = "A\n";
	CHECK_STR(evidence_run(&d, &c), "ok");
	review_diff_release(&d);
}

void test_evidence__head_text(void)
{
	struct review_diff d;
	struct review_model_comment c;
	struct review_finding f;
	const char head[] = "#include <stdio.h>\n\nstatic int add(int a, "
			    "int b)\n{\n\treturn a + b + 0;\n";

	evidence_parse(&d);
	c = evidence_comment();
	/* The head version has moved on: it is the one to match. */
	CHECK(review_evidence_check(&d, head, strlen(head), &c, &f, NULL) ==
	      TEND_EINVALID);
	c.quote = "return a + b + 0;";
	REQUIRE(review_evidence_check(&d, head, strlen(head), &c, &f, NULL) ==
		0);
	review_evidence_finding_release(&f);
	/* Lines the head does not have come from the diff. */
	c.line = 6;
	c.quote = "/* fixed */";
	REQUIRE(review_evidence_check(&d, head, strlen(head), &c, &f, NULL) ==
		0);
	review_evidence_finding_release(&f);
	review_diff_release(&d);
}

static const char *evidence_head(const char *path, size_t *len, void *data)
{
	(void)path;
	(void)len;
	(void)data;
	return NULL;
}

/*
 * A repository where "b/src/app.c" is a file of its own, whose line 5 the
 * model quotes while naming the change's src/app.c with git's "b/".
 */
static const char *evidence_head_other(const char *path, size_t *len,
				       void *data)
{
	static const char other[] = "1\n2\n3\n4\n\tsystem(argv[1]);\n";
	struct buf *asked = data;

	buf_printf(asked, "%s;", path);
	if (strcmp(path, "b/src/app.c"))
		return NULL;
	*len = sizeof(other) - 1;
	return other;
}

/*
 * The filter asked the head callback for the path as the model spelled
 * it, then judged the comment on the change's file: another file's text
 * vouched for the quote of a comment posted on src/app.c.
 */
void test_evidence__filter_head_of_the_named_file(void)
{
	struct review_diff d;
	struct review_model_comment c[3];
	struct review_findings out;
	struct review_evidence_counts counts;
	struct buf asked = BUF_INIT;

	evidence_parse(&d);
	review_findings_init(&out);
	c[0] = evidence_comment();
	c[0].path = "b/src/app.c";
	c[0].quote = "\tsystem(argv[1]);";
	c[0].suggestion = "\treturn 0;";
	c[0].body = "the call runs what the user passes";
	c[1] = evidence_comment();
	c[1].path = "b/src/app.c";
	c[2] = evidence_comment();
	c[2].path = "no/such/file.c";
	review_evidence_filter(&out, &counts, &d, evidence_head_other, &asked,
			       c, 3, NULL);
	CHECK_INT(counts.reason[REVIEW_EVIDENCE_QUOTE_MISMATCH], 1);
	CHECK_INT(counts.reason[REVIEW_EVIDENCE_PATH_NOT_IN_CHANGE], 1);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].path, "src/app.c");
	CHECK_INT(out.items[0].line, 5);
	CHECK_STR(out.items[0].message, c[1].body);
	CHECK(!out.items[0].suggestion);
	CHECK_STR(asked.ptr, "src/app.c;src/app.c;");
	review_findings_release(&out);
	buf_release(&asked);
	review_diff_release(&d);
}

/*
 * No head version (the blob could not be read): the checks fall back on
 * the diff. They computed NULL + 0 on the way, undefined behaviour that
 * clang's UBSan reports (fuzz_evidence found it).
 */
void test_evidence__no_head_version(void)
{
	struct review_diff d;
	struct review_model_comment c[2];
	struct review_findings out;
	struct review_evidence_counts counts;

	evidence_parse(&d);
	review_findings_init(&out);
	c[0] = evidence_comment();
	c[1] = evidence_comment();
	c[1].line = 6;
	c[1].quote = "\t/* fixed */";
	review_evidence_filter(&out, &counts, &d, evidence_head, NULL, c, 2,
			       NULL);
	CHECK_INT(counts.kept, 2);
	CHECK_STR(evidence_run(&d, &c[1]), "ok");
	review_findings_release(&out);
	review_diff_release(&d);
}

void test_evidence__filter_duplicates_and_summary(void)
{
	struct review_diff d;
	struct review_model_comment c[6];
	struct review_findings out, statics;
	struct review_evidence_counts counts;
	struct review_finding s;
	struct buf sum = BUF_INIT;

	evidence_parse(&d);
	review_findings_init(&out);
	review_findings_init(&statics);
	memset(&s, 0, sizeof(s));
	s.path = (char *)"src/app.c";
	s.line = 22;
	s.end_line = 22;
	s.severity = REVIEW_SEV_NOTE;
	s.rule_id = (char *)"hygiene/trailing-space";
	s.message = (char *)"Trailing whitespace";
	s.source = (char *)"rules";
	review_findings_add(&statics, &s);

	c[0] = evidence_comment();
	c[1] = evidence_comment();
	c[1].body = "add()  can overflow\tfor large ints\n";
	c[2] = evidence_comment();
	c[2].quote = "nothing like it";
	c[3] = evidence_comment();
	c[3].line = 22;
	c[3].quote = "printf(\"%d\\n\", x);";
	c[3].body = "This line has trailing whitespace.";
	c[4] = c[3];
	c[4].body = "The return value of printf is ignored here.";
	c[5] = evidence_comment();
	c[5].line = 40;
	review_evidence_filter(&out, &counts, &d, evidence_head, NULL, c, 6,
			       &statics);
	CHECK_INT(counts.total, 6);
	CHECK_INT(counts.kept, 2);
	CHECK_INT(counts.dropped, 4);
	CHECK_INT(counts.reason[REVIEW_EVIDENCE_DUPLICATE], 1);
	CHECK_INT(counts.reason[REVIEW_EVIDENCE_QUOTE_MISMATCH], 1);
	CHECK_INT(counts.reason[REVIEW_EVIDENCE_REPEATS_FINDING], 1);
	CHECK_INT(counts.reason[REVIEW_EVIDENCE_OFF_DIFF], 1);
	REQUIRE(out.nr == 2);
	CHECK_INT(out.items[0].line, 5);
	CHECK_STR(out.items[1].message, c[4].body);
	review_evidence_summary(&sum, &counts);
	CHECK_STR(sum.ptr, "4 model comments dropped: 1 off the diff, "
		  "1 quote did not match, 1 duplicate, "
		  "1 repeated a static finding");

	/* A rule id named in the body is a repeat too. */
	c[0] = c[4];
	c[0].body = "hygiene/trailing-space: please fix";
	review_evidence_filter(&out, &counts, &d, NULL, NULL, c, 1, &statics);
	CHECK_INT(counts.reason[REVIEW_EVIDENCE_REPEATS_FINDING], 1);
	CHECK_INT(out.nr, 2);

	/* Nothing dropped, nothing said; counts are by number first. */
	memset(&counts, 0, sizeof(counts));
	buf_reset(&sum);
	review_evidence_summary(&sum, &counts);
	CHECK_STR(sum.ptr, "");
	counts.dropped = 3;
	counts.reason[REVIEW_EVIDENCE_OFF_DIFF] = 1;
	counts.reason[REVIEW_EVIDENCE_QUOTE_MISMATCH] = 2;
	review_evidence_summary(&sum, &counts);
	CHECK_STR(sum.ptr, "3 model comments dropped: 2 quote did not match, "
		  "1 off the diff");
	buf_reset(&sum);
	memset(&counts, 0, sizeof(counts));
	counts.dropped = 1;
	counts.reason[REVIEW_EVIDENCE_SUGGESTION_NOOP] = 1;
	review_evidence_summary(&sum, &counts);
	CHECK_STR(sum.ptr, "1 model comment dropped: 1 suggestion changed "
		  "nothing");
	CHECK_STR(review_evidence_reason_name(
			  REVIEW_EVIDENCE_RANGE_ACROSS_HUNKS),
		  "range_across_hunks");

	buf_release(&sum);
	review_findings_release(&out);
	review_findings_release(&statics);
	review_diff_release(&d);
}
