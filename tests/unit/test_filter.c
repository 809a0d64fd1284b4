#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "review/diff.h"
#include "review/filter.h"
#include "tests/unit/test.h"

/*
 * One file, two hunks:
 *   hunk 1 (new lines 1-4): 1 ctx, 2 added, (old 2 deleted), 3 ctx, 4 added
 *   hunk 2 (new lines 20-22): 20 ctx, 21 added, 22 ctx
 */
static const char test_filter_patch[] =
	"diff --git a/f.c b/f.c\n"
	"index 1111111..2222222 100644\n"
	"--- a/f.c\n"
	"+++ b/f.c\n"
	"@@ -1,3 +1,4 @@\n"
	" one\n"
	"+two\n"
	"-old two\n"
	" three\n"
	"+four\n"
	"@@ -18,2 +20,3 @@\n"
	" twenty\n"
	"+twenty-one\n"
	" twenty-two\n";

static int test_filter_load(struct review_diff *d)
{
	struct buf err = BUF_INIT;
	int rc;

	review_diff_init(d);
	rc = review_diff_parse(d, test_filter_patch, sizeof(test_filter_patch) - 1,
			       "test", &err);
	if (rc < 0)
		printf("  parse: %s\n", err.ptr);
	buf_release(&err);
	return rc;
}

static int test_filter_keep(const struct review_diff_file *f,
			    enum review_filter_mode mode, uint32_t line,
			    uint32_t end)
{
	struct review_finding fd = { 0 };

	fd.path = (char *)"f.c";
	fd.line = line;
	fd.end_line = end;
	return review_filter_keep(f, mode, &fd);
}

void test_filter__modes_single_lines(void)
{
	struct review_diff d;
	const struct review_diff_file *f;

	REQUIRE(test_filter_load(&d) == 0);
	REQUIRE(d.nr_files == 1);
	f = &d.files[0];

	/* added: only '+' lines */
	CHECK(test_filter_keep(f, REVIEW_FILTER_ADDED, 2, 2));
	CHECK(test_filter_keep(f, REVIEW_FILTER_ADDED, 21, 21));
	CHECK(!test_filter_keep(f, REVIEW_FILTER_ADDED, 1, 1));
	CHECK(!test_filter_keep(f, REVIEW_FILTER_ADDED, 3, 3));
	CHECK(!test_filter_keep(f, REVIEW_FILTER_ADDED, 10, 10));

	/* diff_context: any line inside a hunk */
	CHECK(test_filter_keep(f, REVIEW_FILTER_DIFF_CONTEXT, 1, 1));
	CHECK(test_filter_keep(f, REVIEW_FILTER_DIFF_CONTEXT, 22, 22));
	CHECK(!test_filter_keep(f, REVIEW_FILTER_DIFF_CONTEXT, 5, 5));
	CHECK(!test_filter_keep(f, REVIEW_FILTER_DIFF_CONTEXT, 19, 19));
	CHECK(!test_filter_keep(f, REVIEW_FILTER_DIFF_CONTEXT, 23, 23));

	/* file: anywhere in a changed file; nofilter: anything */
	CHECK(test_filter_keep(f, REVIEW_FILTER_FILE, 10, 10));
	CHECK(test_filter_keep(f, REVIEW_FILTER_NOFILTER, 10, 10));
	review_diff_release(&d);
}

void test_filter__multi_line_kept_if_any_line_qualifies(void)
{
	struct review_diff d;
	const struct review_diff_file *f;

	REQUIRE(test_filter_load(&d) == 0);
	f = &d.files[0];
	/* 5..21 spans the gap and reaches the added line 21 */
	CHECK(test_filter_keep(f, REVIEW_FILTER_ADDED, 5, 21));
	/* 5..20 reaches only a context line */
	CHECK(!test_filter_keep(f, REVIEW_FILTER_ADDED, 5, 20));
	CHECK(test_filter_keep(f, REVIEW_FILTER_DIFF_CONTEXT, 5, 20));
	/* entirely in the gap between hunks */
	CHECK(!test_filter_keep(f, REVIEW_FILTER_DIFF_CONTEXT, 5, 19));
	/* an end before the start is treated as a single line */
	CHECK(test_filter_keep(f, REVIEW_FILTER_ADDED, 2, 0));
	/* a huge range costs no more than the diff and still answers */
	CHECK(test_filter_keep(f, REVIEW_FILTER_ADDED, 1, UINT32_MAX));
	CHECK(!test_filter_keep(f, REVIEW_FILTER_ADDED, 23, UINT32_MAX));
	review_diff_release(&d);
}

void test_filter__deleted_lines_and_outside_files(void)
{
	struct review_diff d;
	const struct review_diff_file *f;
	struct review_finding fd = { 0 };

	REQUIRE(test_filter_load(&d) == 0);
	f = &d.files[0];
	/*
	 * New-side line 2 is the added "two"; the deleted "old two" has no
	 * new-side number, so nothing on the new side can land on it. Old
	 * line 2 does not exist on the new side as a context line either.
	 */
	CHECK(test_filter_keep(f, REVIEW_FILTER_ADDED, 2, 2));
	/* A file outside the change: only nofilter keeps it. */
	fd.path = (char *)"other.c";
	fd.line = fd.end_line = 1;
	CHECK(!review_filter_keep(NULL, REVIEW_FILTER_FILE, &fd));
	CHECK(!review_filter_keep(NULL, REVIEW_FILTER_DIFF_CONTEXT, &fd));
	CHECK(review_filter_keep(NULL, REVIEW_FILTER_NOFILTER, &fd));
	/* A whole-file finding (line 0) in a changed file is kept. */
	fd.line = fd.end_line = 0;
	CHECK(review_filter_keep(f, REVIEW_FILTER_ADDED, &fd));
	review_diff_release(&d);
}

void test_filter__mode_names_round_trip(void)
{
	enum review_filter_mode m;
	static const char *const names[] = {
		"added", "diff_context", "file", "nofilter"
	};
	size_t i;

	for (i = 0; i < 4; i++) {
		CHECK(review_filter_mode_parse(&m, names[i]) == 0);
		CHECK_STR(review_filter_mode_name(m), names[i]);
	}
	CHECK(review_filter_mode_parse(&m, "lines") == TEND_EINVALID);
	CHECK(review_filter_mode_parse(&m, "") == TEND_EINVALID);
}

static void test_filter_classify_patch(struct review_file_entry *e,
				       struct review_diff *d, const char *patch,
				       const struct review_filter_opts *o)
{
	struct buf err = BUF_INIT;

	review_diff_init(d);
	if (review_diff_parse(d, patch, strlen(patch), "t", &err) < 0 ||
	    d->nr_files != 1) {
		printf("  parse: %s\n", err.ptr);
		memset(e, 0, sizeof(*e));
		e->skip = (enum review_skip)-1;
	} else {
		review_filter_classify(e, &d->files[0], o);
	}
	buf_release(&err);
}

void test_filter__classify_reasons(void)
{
	const char *ignore[] = { "vendor/**" };
	struct review_filter_opts o = { ignore, 1, 50, NULL, NULL };
	struct review_file_entry e;
	struct review_diff d;

	test_filter_classify_patch(&e, &d,
		"diff --git a/x.c b/x.c\ndeleted file mode 100644\n"
		"index 1111111..0000000\n--- a/x.c\n+++ /dev/null\n"
		"@@ -1 +0,0 @@\n-gone\n", &o);
	CHECK_INT(e.skip, REVIEW_SKIP_DELETED);
	free(e.detail);
	review_diff_release(&d);

	test_filter_classify_patch(&e, &d,
		"diff --git a/logo.png b/logo.png\nnew file mode 100644\n"
		"index 0000000..1111111\nBinary files /dev/null and "
		"b/logo.png differ\n", &o);
	CHECK_INT(e.skip, REVIEW_SKIP_BINARY);
	free(e.detail);
	review_diff_release(&d);

	test_filter_classify_patch(&e, &d,
		"diff --git a/vendor/a/b.c b/vendor/a/b.c\n"
		"index 1111111..2222222 100644\n--- a/vendor/a/b.c\n"
		"+++ b/vendor/a/b.c\n@@ -1 +1 @@\n-a\n+b\n", &o);
	CHECK_INT(e.skip, REVIEW_SKIP_IGNORED);
	CHECK(e.detail && strstr(e.detail, "vendor/**"));
	free(e.detail);
	review_diff_release(&d);

	test_filter_classify_patch(&e, &d,
		"diff --git a/web/yarn.lock b/web/yarn.lock\n"
		"index 1111111..2222222 100644\n--- a/web/yarn.lock\n"
		"+++ b/web/yarn.lock\n@@ -1 +1 @@\n-a\n+b\n", &o);
	CHECK_INT(e.skip, REVIEW_SKIP_GENERATED);
	free(e.detail);
	review_diff_release(&d);

	test_filter_classify_patch(&e, &d,
		"diff --git a/api.go b/api.go\nnew file mode 100644\n"
		"index 0000000..1111111\n--- /dev/null\n+++ b/api.go\n"
		"@@ -0,0 +1,2 @@\n+// Code generated by x. DO NOT EDIT.\n"
		"+package api\n", &o);
	CHECK_INT(e.skip, REVIEW_SKIP_GENERATED);
	CHECK(e.detail && strstr(e.detail, "marker"));
	free(e.detail);
	review_diff_release(&d);

	test_filter_classify_patch(&e, &d,
		"diff --git a/big.txt b/big.txt\n"
		"index 1111111..2222222 100644\n--- a/big.txt\n+++ b/big.txt\n"
		"@@ -1 +1,3 @@\n-a\n+the quick brown fox jumps\n"
		"+over the lazy dog, twice over\n+and again\n", &o);
	CHECK_INT(e.skip, REVIEW_SKIP_TOO_LARGE);
	CHECK(e.detail && strstr(e.detail, "max_file_bytes"));
	free(e.detail);
	review_diff_release(&d);

	test_filter_classify_patch(&e, &d,
		"diff --git a/ok.py b/ok.py\n"
		"index 1111111..2222222 100644\n--- a/ok.py\n+++ b/ok.py\n"
		"@@ -1 +1 @@\n-a = 1\n+a = 2\n", &o);
	CHECK_INT(e.skip, REVIEW_SKIP_NONE);
	CHECK(e.detail == NULL);
	CHECK_STR(e.lang, "python");
	review_diff_release(&d);
}
