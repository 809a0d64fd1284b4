#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "review/finding.h"
#include "tests/unit/test.h"

static void add(struct review_findings *l, const char *path, uint32_t line,
		uint32_t col, const char *rule, const char *msg,
		enum review_severity sev)
{
	struct review_finding f;

	memset(&f, 0, sizeof(f));
	f.path = (char *)path;
	f.line = line;
	f.col = col;
	f.rule_id = (char *)rule;
	f.message = (char *)msg;
	f.severity = sev;
	f.source = (char *)"rules";
	review_findings_add(l, &f);
}

void test_finding__add_copies(void)
{
	struct review_findings l;
	struct review_finding f, *n;
	char path[] = "a.c";

	review_findings_init(&l);
	memset(&f, 0, sizeof(f));
	f.path = path;
	f.line = 5;
	n = review_findings_add(&l, &f);
	path[0] = 'b';
	CHECK_STR(n->path, "a.c");
	CHECK(n->message == NULL);
	CHECK_INT(n->end_line, 5);
	CHECK_INT(l.nr, 1);
	review_findings_release(&l);
	CHECK_INT(l.nr, 0);
	CHECK(l.items == NULL);
}

void test_finding__sort_and_dedupe(void)
{
	struct review_findings l;

	review_findings_init(&l);
	add(&l, "b.c", 1, 1, "r/x", "m", REVIEW_SEV_NOTE);
	add(&l, "a.c", 9, 1, "r/x", "m", REVIEW_SEV_NOTE);
	add(&l, "a.c", 2, 3, "r/y", "m", REVIEW_SEV_NOTE);
	add(&l, "a.c", 2, 3, "r/x", "m", REVIEW_SEV_NOTE);
	add(&l, "a.c", 2, 3, "r/x", "m", REVIEW_SEV_ERROR);	/* duplicate */
	add(&l, "a.c", 2, 3, "r/x", "other", REVIEW_SEV_NOTE);
	add(&l, "a.c", 2, 1, "r/x", "m", REVIEW_SEV_NOTE);
	review_findings_sort(&l);
	REQUIRE(l.nr == 6);
	CHECK_INT(l.items[0].line, 2);
	CHECK_INT(l.items[0].col, 1);
	CHECK_STR(l.items[1].rule_id, "r/x");
	CHECK_STR(l.items[1].message, "m");
	/* of two duplicates the more severe one stays */
	CHECK_INT(l.items[1].severity, REVIEW_SEV_ERROR);
	CHECK_STR(l.items[2].message, "other");
	CHECK_STR(l.items[3].rule_id, "r/y");
	CHECK_INT(l.items[4].line, 9);
	CHECK_STR(l.items[5].path, "b.c");
	CHECK_INT(review_findings_max(&l), REVIEW_SEV_ERROR);
	review_findings_release(&l);
	CHECK_INT(review_findings_max(&l), REVIEW_SEV_NONE);
}

static int keep_errors(const struct review_finding *f, void *data)
{
	(void)data;
	return f->severity == REVIEW_SEV_ERROR;
}

void test_finding__filter(void)
{
	struct review_findings l;

	review_findings_init(&l);
	add(&l, "a", 1, 0, "r", "m", REVIEW_SEV_NOTE);
	add(&l, "b", 1, 0, "r", "m", REVIEW_SEV_ERROR);
	add(&l, "c", 1, 0, "r", "m", REVIEW_SEV_WARNING);
	add(&l, "d", 1, 0, "r", "m", REVIEW_SEV_ERROR);
	review_findings_filter(&l, keep_errors, NULL);
	REQUIRE(l.nr == 2);
	CHECK_STR(l.items[0].path, "b");
	CHECK_STR(l.items[1].path, "d");
	review_findings_release(&l);
}

void test_finding__severity_names(void)
{
	enum review_severity s = REVIEW_SEV_NONE;

	CHECK_STR(review_severity_name(REVIEW_SEV_NOTE), "note");
	CHECK_STR(review_severity_name(REVIEW_SEV_WARNING), "warning");
	CHECK_STR(review_severity_name(REVIEW_SEV_ERROR), "error");
	CHECK_STR(review_severity_name(REVIEW_SEV_NONE), "none");
	CHECK(review_severity_parse(&s, "warning") == 0);
	CHECK_INT(s, REVIEW_SEV_WARNING);
	CHECK(review_severity_parse(&s, "error") == 0);
	CHECK_INT(s, REVIEW_SEV_ERROR);
	CHECK(review_severity_parse(&s, "none") == 0);
	CHECK_INT(s, REVIEW_SEV_NONE);
	CHECK(review_severity_parse(&s, "note") == 0);
	CHECK_INT(s, REVIEW_SEV_NOTE);
	CHECK(review_severity_parse(&s, "fatal") == TEND_EINVALID);
	CHECK(review_severity_parse(&s, "") == TEND_EINVALID);
	CHECK(review_severity_parse(&s, NULL) == TEND_EINVALID);
	CHECK_INT(s, REVIEW_SEV_NOTE);
}

/* Line texts of a pretend file, indexed by line number. */
static const char *fp_text(const struct review_finding *f, size_t *len,
			   void *data)
{
	const char *const *lines = data;

	*len = strlen(lines[f->line]);
	return lines[f->line];
}

void test_finding__fingerprint_stable(void)
{
	static const char *const before[] = {
		"", "int a;", "x = 1;  // dup", "y;", "x = 1; // dup", NULL
	};
	static const char *const after[] = {
		"", "new line", "another", "int a;", "\tx = 1; // dup", "y;",
		"x   = 1; // dup", NULL
	};
	struct review_findings a, b;
	char fp_a[3][33], fp_b[3][33];
	size_t i;

	review_findings_init(&a);
	review_findings_init(&b);
	add(&a, "f.c", 4, 1, "r/dup", "m", REVIEW_SEV_NOTE);
	add(&a, "f.c", 2, 1, "r/dup", "m", REVIEW_SEV_NOTE);
	add(&a, "f.c", 3, 1, "r/y", "m", REVIEW_SEV_NOTE);
	/* two lines inserted above, one re-indented, list order differs */
	add(&b, "f.c", 5, 1, "r/y", "m", REVIEW_SEV_NOTE);
	add(&b, "f.c", 4, 1, "r/dup", "m", REVIEW_SEV_NOTE);
	add(&b, "f.c", 6, 1, "r/dup", "m", REVIEW_SEV_NOTE);
	review_findings_fingerprint(&a, fp_text, (void *)before);
	review_findings_fingerprint(&b, fp_text, (void *)after);
	for (i = 0; i < 3; i++) {
		REQUIRE(a.items[i].fingerprint && b.items[i].fingerprint);
		CHECK_INT(strlen(a.items[i].fingerprint), 32);
		memcpy(fp_a[i], a.items[i].fingerprint, 33);
		memcpy(fp_b[i], b.items[i].fingerprint, 33);
	}
	/* the first occurrence (line 2 before, line 4 after) */
	CHECK_STR(fp_a[1], fp_b[1]);
	/* the second occurrence */
	CHECK_STR(fp_a[0], fp_b[2]);
	CHECK_STR(fp_a[2], fp_b[0]);
	/* identical lines differ by occurrence */
	CHECK(strcmp(fp_a[0], fp_a[1]) != 0);

	/* deterministic across runs: recomputing gives the same value */
	review_findings_fingerprint(&a, fp_text, (void *)before);
	CHECK_STR(a.items[0].fingerprint, fp_a[0]);

	/* the path and the rule id are part of it */
	add(&a, "g.c", 2, 1, "r/dup", "m", REVIEW_SEV_NOTE);
	add(&a, "f.c", 2, 1, "r/other", "m", REVIEW_SEV_NOTE);
	review_findings_fingerprint(&a, fp_text, (void *)before);
	CHECK(strcmp(a.items[3].fingerprint, fp_a[1]) != 0);
	CHECK(strcmp(a.items[4].fingerprint, fp_a[1]) != 0);
	CHECK(strcmp(a.items[3].fingerprint, a.items[4].fingerprint) != 0);
	review_findings_release(&a);
	review_findings_release(&b);
}

void test_finding__fingerprint_snippet_fallback(void)
{
	struct review_findings l;
	struct review_finding f;

	/* without line_text the snippet stands in; white space is collapsed */
	review_findings_init(&l);
	memset(&f, 0, sizeof(f));
	f.path = (char *)"a.c";
	f.rule_id = (char *)"r";
	f.snippet = (char *)"  x  y ";
	f.line = 3;
	review_findings_add(&l, &f);
	f.snippet = (char *)"x y";
	f.line = 9;
	review_findings_add(&l, &f);
	review_findings_fingerprint(&l, NULL, NULL);
	CHECK(strcmp(l.items[0].fingerprint, l.items[1].fingerprint) != 0);
	/* same text: the later line is occurrence 1 */
	l.items[0].line = 10;
	review_findings_fingerprint(&l, NULL, NULL);
	{
		char *first = strdup(l.items[1].fingerprint);

		l.items[0].line = 3;
		review_findings_fingerprint(&l, NULL, NULL);
		CHECK_STR(l.items[0].fingerprint, first);
		free(first);
	}
	review_findings_release(&l);
}
