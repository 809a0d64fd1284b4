/*
 * test_diff.c - the patch-text parser and the queries on its result, with
 * literal patches for each shape git (and others) write.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "review/diff.h"
#include "tests/unit/test.h"

static int parse(struct review_diff *d, const char *text)
{
	review_diff_init(d);
	return review_diff_parse(d, text, strlen(text), "t.diff", NULL);
}

/* The text of line `i` of file `f` as a C string (static buffer). */
static const char *line_str(const struct review_diff_file *f, size_t i)
{
	static char s[256];
	const struct review_line *l = &f->lines[i];
	size_t n = l->len < sizeof(s) - 1 ? l->len : sizeof(s) - 1;

	memcpy(s, review_line_text(f, l), n);
	s[n] = '\0';
	return s;
}

/* Parse `text`, expect TEND_EINVALID and the message `want`. */
static void expect_error(const char *text, const char *want)
{
	struct review_diff d;
	struct buf err = BUF_INIT;

	review_diff_init(&d);
	CHECK_INT(review_diff_parse(&d, text, strlen(text), "t.diff", &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, want);
	CHECK_INT(d.nr_files, 0);
	CHECK(d.files == NULL);
	CHECK_INT(d.nr_texts, 0);
	review_diff_release(&d);
	buf_release(&err);
}

void test_diff__modified_file(void)
{
	struct review_diff d;
	struct review_diff_file *f;
	const char *text =
		"diff --git a/src/main.c b/src/main.c\n"
		"index 83db48f..bf269f4 100644\n"
		"--- a/src/main.c\n"
		"+++ b/src/main.c\n"
		"@@ -1,4 +1,5 @@ int main(void)\n"
		" a\n"
		"-b\n"
		"+B\n"
		"+C\n"
		" c\n"
		" d\n"
		"@@ -10,2 +11,2 @@\n"
		" x\n"
		"-y\n"
		"+z\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 1);
	f = &d.files[0];
	CHECK_STR(f->path, "src/main.c");
	CHECK_STR(f->old_path, "src/main.c");
	CHECK_STR(f->new_path, "src/main.c");
	CHECK_INT(f->status, REVIEW_FILE_MODIFIED);
	CHECK_STR(review_file_status_name(f->status), "modified");
	CHECK_STR(f->old_oid, "83db48f");
	CHECK_STR(f->new_oid, "bf269f4");
	CHECK_INT(f->old_mode, 0100644);
	CHECK_INT(f->new_mode, 0100644);
	CHECK_INT(f->similarity, -1);
	CHECK(!f->binary && !f->submodule && !f->mode_changed);
	REQUIRE(f->nr_hunks == 2);
	CHECK_STR(f->hunks[0].section, "int main(void)");
	CHECK(f->hunks[1].section == NULL);
	CHECK_INT(f->hunks[0].first_line, 0);
	CHECK_INT(f->hunks[0].nr_lines, 6);
	CHECK_INT(f->hunks[1].first_line, 6);
	CHECK_INT(f->hunks[1].nr_lines, 3);
	CHECK_INT(f->nr_lines, 9);
	CHECK_INT(f->added, 3);
	CHECK_INT(f->deleted, 2);
	CHECK_STR(line_str(f, 1), "b");
	CHECK(f->lines[1].origin == '-');
	CHECK_INT(f->lines[1].old_no, 2);
	CHECK_INT(f->lines[1].new_no, 0);
	CHECK(f->lines[3].origin == '+');
	CHECK_INT(f->lines[3].old_no, 0);
	CHECK_INT(f->lines[3].new_no, 3);
	CHECK_INT(f->lines[5].old_no, 4);
	CHECK_INT(f->lines[5].new_no, 5);
	CHECK_INT(f->lines[8].new_no, 12);
	CHECK(review_diff_find_file(&d, "src/main.c") == f);
	CHECK(review_diff_find_file(&d, "main.c") == NULL);
	review_diff_release(&d);
	CHECK_INT(d.nr_files, 0);
}

void test_diff__extended_headers(void)
{
	struct review_diff d;
	const struct review_diff_file *f;
	const char *text =
		"diff --git a/run.sh b/run.sh\n"
		"old mode 100644\n"
		"new mode 100755\n"
		"diff --git a/new.txt b/new.txt\n"
		"new file mode 100644\n"
		"index 0000000..3b18e51\n"
		"--- /dev/null\n"
		"+++ b/new.txt\n"
		"@@ -0,0 +1 @@\n"
		"+hello\n"
		"diff --git a/old.txt b/old.txt\n"
		"deleted file mode 100755\n"
		"index 3b18e51..0000000\n"
		"--- a/old.txt\n"
		"+++ /dev/null\n"
		"@@ -1,2 +0,0 @@\n"
		"-hello\n"
		"-world\n"
		"diff --git a/lib/a.c b/lib/b.c\n"
		"similarity index 91%\n"
		"rename from lib/a.c\n"
		"rename to lib/b.c\n"
		"index 1111111..2222222 100644\n"
		"--- a/lib/a.c\n"
		"+++ b/lib/b.c\n"
		"@@ -3 +3 @@\n"
		"-x\n"
		"+y\n"
		"diff --git a/c1 b/c2\n"
		"similarity index 100%\n"
		"copy from c1\n"
		"copy to c2\n"
		"diff --git a/big b/big\n"
		"dissimilarity index 80%\n"
		"index 1234567..89abcde 100644\n"
		"--- a/big\n"
		"+++ b/big\n"
		"@@ -1 +1 @@\n"
		"-a\n"
		"+b\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 6);
	f = &d.files[0];
	CHECK_STR(f->path, "run.sh");
	CHECK_INT(f->status, REVIEW_FILE_MODIFIED);
	CHECK(f->mode_changed);
	CHECK_INT(f->old_mode, 0100644);
	CHECK_INT(f->new_mode, 0100755);
	CHECK_INT(f->nr_hunks, 0);

	f = &d.files[1];
	CHECK_INT(f->status, REVIEW_FILE_ADDED);
	CHECK(f->old_path == NULL);
	CHECK_STR(f->new_path, "new.txt");
	CHECK_STR(f->path, "new.txt");
	CHECK_INT(f->new_mode, 0100644);
	CHECK(!f->mode_changed);
	REQUIRE(f->nr_lines == 1);
	CHECK_INT(f->lines[0].new_no, 1);
	CHECK_INT(f->hunks[0].old_start, 0);
	CHECK_INT(f->hunks[0].old_count, 0);

	f = &d.files[2];
	CHECK_INT(f->status, REVIEW_FILE_DELETED);
	CHECK(f->new_path == NULL);
	CHECK_STR(f->path, "old.txt");
	CHECK_INT(f->old_mode, 0100755);
	CHECK_INT(f->deleted, 2);
	CHECK(review_diff_find_file(&d, "old.txt") == f);

	f = &d.files[3];
	CHECK_INT(f->status, REVIEW_FILE_RENAMED);
	CHECK_STR(review_file_status_name(f->status), "renamed");
	CHECK_STR(f->old_path, "lib/a.c");
	CHECK_STR(f->new_path, "lib/b.c");
	CHECK_STR(f->path, "lib/b.c");
	CHECK_INT(f->similarity, 91);
	CHECK_INT(f->lines[0].old_no, 3);
	CHECK_INT(f->lines[1].new_no, 3);

	f = &d.files[4];
	CHECK_INT(f->status, REVIEW_FILE_COPIED);
	CHECK_STR(f->old_path, "c1");
	CHECK_STR(f->new_path, "c2");
	CHECK_INT(f->similarity, 100);
	CHECK_INT(f->nr_hunks, 0);

	f = &d.files[5];
	CHECK_INT(f->status, REVIEW_FILE_MODIFIED);
	CHECK_INT(f->similarity, -1);
	CHECK_INT(f->nr_lines, 2);
	review_diff_release(&d);
}

void test_diff__quoted_paths(void)
{
	struct review_diff d;
	const char *text =
		"diff --git \"a/caf\\303\\251.txt\" \"b/caf\\303\\251.txt\"\n"
		"index 587be6b..3e75765 100644\n"
		"--- \"a/caf\\303\\251.txt\"\n"
		"+++ \"b/caf\\303\\251.txt\"\n"
		"@@ -1 +1 @@\n"
		"-x\n"
		"+y\n"
		"diff --git \"a/tab\\tq\\\"uote\" b/plain\n"
		"similarity index 100%\n"
		"rename from \"tab\\tq\\\"uote\"\n"
		"rename to plain\n"
		"diff --git a/plain2 \"b/back\\\\slash\\n\"\n"
		"similarity index 100%\n"
		"rename from plain2\n"
		"rename to \"back\\\\slash\\n\"\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 3);
	CHECK_STR(d.files[0].path, "caf\303\251.txt");
	CHECK_STR(d.files[0].old_path, "caf\303\251.txt");
	CHECK_STR(d.files[1].old_path, "tab\tq\"uote");
	CHECK_STR(d.files[1].new_path, "plain");
	CHECK_STR(d.files[2].old_path, "plain2");
	CHECK_STR(d.files[2].new_path, "back\\slash\n");
	review_diff_release(&d);
}

void test_diff__paths_with_spaces(void)
{
	struct review_diff d;
	const char *text =
		/* Mode-only: only the "diff --git" line names the file. */
		"diff --git a/my file b/my file\n"
		"old mode 100644\n"
		"new mode 100755\n"
		/* git adds a tab after names with spaces on ---/+++. */
		"diff --git a/x b/y.txt b/x b/y.txt\n"
		"index 1..2 100644\n"
		"--- a/x b/y.txt\t\n"
		"+++ b/x b/y.txt\t\n"
		"@@ -1 +1 @@\n"
		"-1\n"
		"+2\n"
		/* Renamed: the halves differ, rename from/to decide. */
		"diff --git a/one two b/three four\n"
		"similarity index 100%\n"
		"rename from one two\n"
		"rename to three four\n"
		/* Binary with spaces. */
		"diff --git a/a b c.png b/a b c.png\n"
		"index 1..2 100644\n"
		"Binary files a/a b c.png and b/a b c.png differ\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 4);
	CHECK_STR(d.files[0].path, "my file");
	CHECK_STR(d.files[0].old_path, "my file");
	CHECK(d.files[0].mode_changed);
	CHECK_STR(d.files[1].old_path, "x b/y.txt");
	CHECK_STR(d.files[1].new_path, "x b/y.txt");
	CHECK_STR(d.files[2].old_path, "one two");
	CHECK_STR(d.files[2].new_path, "three four");
	CHECK_STR(d.files[3].path, "a b c.png");
	CHECK(d.files[3].binary);
	review_diff_release(&d);
}

void test_diff__binary(void)
{
	struct review_diff d;
	const char *text =
		"diff --git a/img.png b/img.png\n"
		"new file mode 100644\n"
		"index 0000000..0ae8040\n"
		"Binary files /dev/null and b/img.png differ\n"
		"diff --git a/blob.bin b/blob.bin\n"
		"index 87ae6b6..22f6b3b 100644\n"
		"GIT binary patch\n"
		"literal 9\n"
		"QcmXR)O-{|tFUd>f01fB?2mk;8\n"
		"\n"
		"literal 8\n"
		"PcmXR)O-{|tFUbV}0}uf@\n"
		"\n"
		"diff --git a/t.txt b/t.txt\n"
		"--- a/t.txt\n"
		"+++ b/t.txt\n"
		"@@ -1 +1 @@\n"
		"-a\n"
		"+b\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 3);
	CHECK(d.files[0].binary);
	CHECK_INT(d.files[0].status, REVIEW_FILE_ADDED);
	CHECK_STR(d.files[0].path, "img.png");
	CHECK_INT(d.files[0].nr_hunks, 0);
	CHECK(d.files[1].binary);
	CHECK_INT(d.files[1].nr_hunks, 0);
	CHECK_STR(d.files[1].path, "blob.bin");
	CHECK(!d.files[2].binary);
	CHECK_INT(d.files[2].nr_lines, 2);
	review_diff_release(&d);
}

void test_diff__no_newline_at_eof(void)
{
	struct review_diff d;
	const struct review_diff_file *f;
	const char *text =
		"diff --git a/n b/n\n"
		"--- a/n\n"
		"+++ b/n\n"
		"@@ -1,2 +1,2 @@\n"
		" a\n"
		"-b\n"
		"\\ No newline at end of file\n"
		"+c\n"
		"\\ No newline at end of file\n"
		"diff --git a/m b/m\n"
		"--- a/m\n"
		"+++ b/m\n"
		"@@ -1 +1,2 @@\n"
		"-x\n"
		"\\ No newline at end of file\n"
		"+x\n"
		"+y\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 2);
	f = &d.files[0];
	REQUIRE(f->nr_lines == 3);
	CHECK(!f->lines[0].no_eol);
	CHECK(f->lines[1].no_eol);
	CHECK(f->lines[2].no_eol);
	CHECK_STR(line_str(f, 2), "c");
	f = &d.files[1];
	REQUIRE(f->nr_lines == 3);
	CHECK(f->lines[0].no_eol);
	CHECK(!f->lines[1].no_eol && !f->lines[2].no_eol);
	review_diff_release(&d);
}

void test_diff__crlf_round_trip(void)
{
	struct review_diff d;
	const struct review_diff_file *f;
	struct buf old = BUF_INIT, new = BUF_INIT;
	size_t i;
	const char *text =
		"diff --git a/w.txt b/w.txt\n"
		"--- a/w.txt\n"
		"+++ b/w.txt\n"
		"@@ -1,3 +1,3 @@\n"
		" one\r\n"
		"-two\r\n"
		"+TWO\r\n"
		" three\r\n"
		"\\ No newline at end of file\n";

	REQUIRE(parse(&d, text) == 0);
	f = &d.files[0];
	REQUIRE(f->nr_lines == 4);
	CHECK_INT(f->lines[0].len, 4);
	CHECK(!memcmp(review_line_text(f, &f->lines[0]), "one\r", 4));
	for (i = 0; i < f->nr_lines; i++) {
		const struct review_line *l = &f->lines[i];

		if (l->origin != '+') {
			buf_add(&old, review_line_text(f, l), l->len);
			if (!l->no_eol)
				buf_putc(&old, '\n');
		}
		if (l->origin != '-') {
			buf_add(&new, review_line_text(f, l), l->len);
			if (!l->no_eol)
				buf_putc(&new, '\n');
		}
	}
	CHECK_STR(old.ptr, "one\r\ntwo\r\nthree\r");
	CHECK_STR(new.ptr, "one\r\nTWO\r\nthree\r");
	buf_release(&old);
	buf_release(&new);
	review_diff_release(&d);
}

void test_diff__zero_context_and_omitted_counts(void)
{
	struct review_diff d;
	const struct review_diff_file *f;
	size_t h = 99;
	const char *text =
		"diff --git a/z b/z\n"
		"--- a/z\n"
		"+++ b/z\n"
		"@@ -1 +1 @@\n"
		"-a\n"
		"+A\n"
		"@@ -3,0 +4,2 @@\n"
		"+new4\n"
		"+new5\n"
		"@@ -7,2 +9,0 @@\n"
		"-old7\n"
		"-old8\n";

	REQUIRE(parse(&d, text) == 0);
	f = &d.files[0];
	REQUIRE(f->nr_hunks == 3);
	CHECK_INT(f->hunks[0].old_count, 1);
	CHECK_INT(f->hunks[0].new_count, 1);
	CHECK_INT(f->hunks[1].old_start, 3);
	CHECK_INT(f->hunks[1].old_count, 0);
	CHECK_INT(f->lines[2].new_no, 4);
	CHECK_INT(f->lines[3].new_no, 5);
	CHECK_INT(f->lines[4].old_no, 7);
	CHECK_INT(f->lines[5].old_no, 8);

	CHECK(review_diff_find_line(f, REVIEW_SIDE_RIGHT, 1, &h) ==
	      &f->lines[1]);
	CHECK_INT(h, 0);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_LEFT, 1, NULL) ==
	      &f->lines[0]);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_RIGHT, 3, NULL) == NULL);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_LEFT, 3, NULL) == NULL);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_LEFT, 4, NULL) == NULL);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_RIGHT, 4, &h) ==
	      &f->lines[2]);
	CHECK_INT(h, 1);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_RIGHT, 5, NULL) ==
	      &f->lines[3]);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_RIGHT, 6, NULL) == NULL);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_RIGHT, 9, NULL) == NULL);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_LEFT, 8, &h) ==
	      &f->lines[5]);
	CHECK_INT(h, 2);
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 4, 5));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 1, 4));
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_LEFT, 7, 8));
	review_diff_release(&d);
}

void test_diff__empty_file_and_mode_only(void)
{
	struct review_diff d;
	const char *text =
		"diff --git a/empty b/empty\n"
		"new file mode 100644\n"
		"index 0000000..e69de29\n"
		"diff --git a/gone b/gone\n"
		"deleted file mode 100644\n"
		"index e69de29..0000000\n"
		"diff --git a/x.sh b/x.sh\n"
		"old mode 100755\n"
		"new mode 100644\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 3);
	CHECK_INT(d.files[0].status, REVIEW_FILE_ADDED);
	CHECK_STR(d.files[0].path, "empty");
	CHECK_INT(d.files[0].nr_hunks, 0);
	CHECK_STR(d.files[0].new_oid, "e69de29");
	CHECK_INT(d.files[1].status, REVIEW_FILE_DELETED);
	CHECK_STR(d.files[1].path, "gone");
	CHECK_INT(d.files[2].status, REVIEW_FILE_MODIFIED);
	CHECK(d.files[2].mode_changed);
	CHECK(review_diff_find_line(&d.files[0], REVIEW_SIDE_RIGHT, 1,
				    NULL) == NULL);
	review_diff_release(&d);
}

void test_diff__submodule(void)
{
	struct review_diff d;
	const char *text =
		"diff --git a/lib/sub b/lib/sub\n"
		"index 1234567..89abcde 160000\n"
		"--- a/lib/sub\n"
		"+++ b/lib/sub\n"
		"@@ -1 +1 @@\n"
		"-Subproject commit 1234567890123456789012345678901234567890\n"
		"+Subproject commit 89abcdef89abcdef89abcdef89abcdef89abcdef\n"
		"diff --git a/dep b/dep\n"
		"new file mode 160000\n"
		"index 0000000..89abcde\n"
		"--- /dev/null\n"
		"+++ b/dep\n"
		"@@ -0,0 +1 @@\n"
		"+Subproject commit 89abcdef89abcdef89abcdef89abcdef89abcdef\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 2);
	CHECK(d.files[0].submodule);
	CHECK_INT(d.files[0].old_mode, 0160000);
	CHECK_INT(d.files[0].nr_lines, 2);
	CHECK(d.files[1].submodule);
	CHECK_INT(d.files[1].status, REVIEW_FILE_ADDED);
	review_diff_release(&d);
}

void test_diff__plain_unified(void)
{
	struct review_diff d;
	const char *text =
		"Only in a: junk\n"
		"--- a/f.c\t2024-01-01 10:00:00.000000000 +0100\n"
		"+++ b/f.c\t2024-01-02 10:00:00.000000000 +0100\n"
		"@@ -1,2 +1,2 @@\n"
		" keep\n"
		"-old\n"
		"+new\n"
		"--- /dev/null\t1970-01-01 01:00:00.000000000 +0100\n"
		"+++ b/added.c\t2024-01-02 10:00:00.000000000 +0100\n"
		"@@ -0,0 +1,2 @@\n"
		"+1\n"
		"+2\n"
		"--- a/removed.c\n"
		"+++ /dev/null\n"
		"@@ -1 +0,0 @@\n"
		"--- not a header\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 3);
	CHECK_STR(d.files[0].old_path, "f.c");
	CHECK_STR(d.files[0].new_path, "f.c");
	CHECK_INT(d.files[0].status, REVIEW_FILE_MODIFIED);
	CHECK_INT(d.files[1].status, REVIEW_FILE_ADDED);
	CHECK_STR(d.files[1].path, "added.c");
	CHECK(d.files[1].old_path == NULL);
	CHECK_INT(d.files[2].status, REVIEW_FILE_DELETED);
	CHECK_STR(d.files[2].path, "removed.c");
	CHECK_STR(line_str(&d.files[2], 0), "-- not a header");
	review_diff_release(&d);
}

void test_diff__no_prefix(void)
{
	struct review_diff d;
	const char *text =
		"diff --git src/x.c src/x.c\n"
		"index 1..2 100644\n"
		"--- src/x.c\n"
		"+++ src/x.c\n"
		"@@ -1 +1 @@\n"
		"-a\n"
		"+b\n"
		"diff --git sp ace sp ace\n"
		"old mode 100644\n"
		"new mode 100755\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 2);
	CHECK_STR(d.files[0].path, "src/x.c");
	CHECK_STR(d.files[0].old_path, "src/x.c");
	CHECK_STR(d.files[1].path, "sp ace");
	review_diff_release(&d);
}

void test_diff__mail_and_signature(void)
{
	struct review_diff d;
	const char *text =
		"From 1234 Mon Sep 17 00:00:00 2001\n"
		"Subject: [PATCH] fix\n"
		"\n"
		"---\n"
		" a | 2 +-\n"
		"\n"
		"diff --git a/a b/a\n"
		"--- a/a\n"
		"+++ b/a\n"
		"@@ -1 +1 @@\n"
		"-x\n"
		"+y\n"
		"-- \n"
		"2.39.5\n"
		"\n";

	REQUIRE(parse(&d, text) == 0);
	REQUIRE(d.nr_files == 1);
	CHECK_INT(d.files[0].nr_lines, 2);
	review_diff_release(&d);
	REQUIRE(parse(&d, "") == 0);
	CHECK_INT(d.nr_files, 0);
	review_diff_release(&d);
	REQUIRE(parse(&d, "just some\ntext\n") == 0);
	CHECK_INT(d.nr_files, 0);
	review_diff_release(&d);
}

void test_diff__empty_context_line_and_no_final_newline(void)
{
	struct review_diff d;
	const struct review_diff_file *f;
	/* An editor stripped the context line's space; no newline at EOF. */
	const char *text =
		"diff --git a/e b/e\n"
		"--- a/e\n"
		"+++ b/e\n"
		"@@ -1,3 +1,3 @@\n"
		" a\n"
		"\n"
		"-b\n"
		"+c";

	REQUIRE(parse(&d, text) == 0);
	f = &d.files[0];
	REQUIRE(f->nr_lines == 4);
	CHECK(f->lines[1].origin == ' ');
	CHECK_INT(f->lines[1].len, 0);
	CHECK_INT(f->lines[1].new_no, 2);
	CHECK_STR(line_str(f, 3), "c");
	review_diff_release(&d);
}

void test_diff__errors(void)
{
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1,2 +1,2 @\n"
		     " a\n",
		     "cannot parse hunk header at line 4 of 't.diff'");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1,x +1 @@\n",
		     "cannot parse hunk header at line 4 of 't.diff'");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -0,1 +1 @@\n",
		     "cannot parse hunk header at line 4 of 't.diff'");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1,99999999999 +1 @@\n",
		     "cannot parse hunk header at line 4 of 't.diff'");
	/* Truncated: the input ends inside the hunk. */
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1,3 +1,3 @@\n"
		     " a\n"
		     " b\n",
		     "hunk at line 4 of 't.diff' says 3 old lines but has 2");
	/* Shorter: the next file starts inside the hunk. */
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1,3 +1,4 @@\n"
		     " a\n"
		     "+b\n"
		     " c\n"
		     "@@ -9 +9 @@\n"
		     "-x\n"
		     "+y\n",
		     "hunk at line 4 of 't.diff' says 3 old lines but has 2");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1,2 +1,2 @@\n"
		     " a\n"
		     "-b\n"
		     "diff --git a/y b/y\n",
		     "hunk at line 4 of 't.diff' says 2 new lines but has 1");
	/* Longer than the header says. */
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1 +1 @@\n"
		     "-a\n"
		     "+b\n"
		     "+c\n",
		     "hunk at line 4 of 't.diff' says 1 new lines but has 2");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1 +1,2 @@\n"
		     "-a\n"
		     "-b\n"
		     "+c\n"
		     "+d\n",
		     "hunk at line 4 of 't.diff' says 1 old lines but has 2");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1,2 +1,2 @@\n"
		     " a\n"
		     " b\n"
		     " c\n",
		     "hunk at line 4 of 't.diff' says 2 old lines but has 3");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -5 +5 @@\n"
		     "-a\n"
		     "+b\n"
		     "@@ -3 +3 @@\n"
		     "-a\n"
		     "+b\n",
		     "hunk at line 7 of 't.diff' overlaps the previous hunk");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "+++ b/x\n"
		     "@@ -1 +1 @@\n"
		     "\\ No newline at end of file\n"
		     "-a\n"
		     "+b\n",
		     "unexpected '\\ No newline' marker at line 5 of 't.diff'");
	expect_error("diff --git a/x b/x\n"
		     "--- a/x\n"
		     "@@ -1 +1 @@\n",
		     "'---' at line 2 of 't.diff' is not followed by '+++'");
	expect_error("diff --git a/x b/x\n"
		     "old mode 10x644\n",
		     "cannot parse file mode at line 2 of 't.diff'");
	expect_error("diff --git \n"
		     "old mode 100644\n"
		     "new mode 100755\n",
		     "cannot find the file name of the diff at line 1 of "
		     "'t.diff'");
}

void test_diff__error_empties_existing_diff(void)
{
	struct review_diff d;
	struct buf err = BUF_INIT;
	const char *bad = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n";

	REQUIRE(parse(&d, "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n") == 0);
	CHECK_INT(d.nr_files, 1);
	/* A second parse appends... */
	CHECK(review_diff_parse(&d, "--- a/y\n+++ b/y\n", 16, "two",
				&err) == 0);
	CHECK_INT(d.nr_files, 2);
	CHECK_INT(d.nr_texts, 2);
	CHECK_STR(d.files[0].path, "x");
	CHECK_STR(d.files[1].path, "y");
	/* ...and a failed one leaves the diff empty, as documented. */
	CHECK_INT(review_diff_parse(&d, bad, strlen(bad), "bad.diff", &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr,
		  "hunk at line 3 of 'bad.diff' says 1 new lines but has 0");
	CHECK_INT(d.nr_files, 0);
	review_diff_release(&d);
	buf_release(&err);
}

void test_diff__find_line_and_can_comment(void)
{
	struct review_diff d;
	const struct review_diff_file *f;
	const struct review_line *l;
	size_t h;
	uint32_t n;
	const char *text =
		"diff --git a/f b/f\n"
		"--- a/f\n"
		"+++ b/f\n"
		"@@ -1,5 +1,6 @@\n"
		" 1\n"
		" 2\n"
		"-3\n"
		"-4\n"
		"+3a\n"
		"+4a\n"
		"+4b\n"
		" 5\n"
		"@@ -20,4 +21,3 @@\n"
		" 20\n"
		"-21\n"
		" 22\n"
		" 23\n";

	REQUIRE(parse(&d, text) == 0);
	f = &d.files[0];
	/* RIGHT: 1..6 in hunk 0, 21..23 in hunk 1. */
	for (n = 0; n < 30; n++) {
		int want = (n >= 1 && n <= 6) || (n >= 21 && n <= 23);

		l = review_diff_find_line(f, REVIEW_SIDE_RIGHT, n, &h);
		CHECK_INT(l != NULL, want);
		if (l) {
			CHECK_INT(l->new_no, n);
			CHECK(l->origin != '-');
			CHECK_INT(h, n < 10 ? 0 : 1);
		}
	}
	/* LEFT: 1..5 and 20..23. */
	for (n = 0; n < 30; n++) {
		int want = (n >= 1 && n <= 5) || (n >= 20 && n <= 23);

		l = review_diff_find_line(f, REVIEW_SIDE_LEFT, n, NULL);
		CHECK_INT(l != NULL, want);
		if (l) {
			CHECK_INT(l->old_no, n);
			CHECK(l->origin != '+');
		}
	}
	l = review_diff_find_line(f, REVIEW_SIDE_RIGHT, 4, NULL);
	REQUIRE(l != NULL);
	CHECK(l->len == 2 && !memcmp(review_line_text(f, l), "4a", 2));
	l = review_diff_find_line(f, REVIEW_SIDE_LEFT, 21, NULL);
	REQUIRE(l != NULL);
	CHECK(l->origin == '-');

	CHECK(review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 1, 6));
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 3, 3));
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 21, 23));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 5, 21));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 6, 7));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 0, 2));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 3, 2));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 22, 24));
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_LEFT, 2, 5));
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_LEFT, 20, 23));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_LEFT, 4, 20));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_LEFT, 6, 6));
	review_diff_release(&d);
}

/* A large hunk where deleted lines interleave: the search must walk them. */
void test_diff__find_line_in_big_hunk(void)
{
	struct review_diff d;
	struct buf body = BUF_INIT, text = BUF_INIT;
	const struct review_diff_file *f;
	uint32_t i, n = 3000, new_n = 0;

	for (i = 1; i <= n; i++) {
		if (i % 7 == 0) {
			buf_printf(&body, "-old %u\n", i);
		} else if (i % 7 == 1) {
			buf_printf(&body, "-gone %u\n+new %u\n+new2 %u\n", i,
				   i, i);
			new_n += 2;
		} else {
			buf_printf(&body, " same %u\n", i);
			new_n++;
		}
	}
	buf_printf(&text, "--- a/big\n+++ b/big\n@@ -1,%u +1,%u @@\n%s", n,
		   new_n, body.ptr);
	REQUIRE(parse(&d, text.ptr) == 0);
	f = &d.files[0];
	for (i = 1; i <= n + 1 || i <= new_n + 1; i++) {
		const struct review_line *r =
			review_diff_find_line(f, REVIEW_SIDE_RIGHT, i, NULL);
		const struct review_line *l =
			review_diff_find_line(f, REVIEW_SIDE_LEFT, i, NULL);

		CHECK_INT(r != NULL, i <= new_n);
		CHECK_INT(l != NULL, i <= n);
		if (r)
			CHECK_INT(r->new_no, i);
		if (l)
			CHECK_INT(l->old_no, i);
		if (test__failed_now())
			break;
	}
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 1, new_n));
	CHECK(!review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 1, new_n + 1));
	review_diff_release(&d);
	buf_release(&body);
	buf_release(&text);
}

void test_diff__unquote_path(void)
{
	char *s = NULL;
	size_t used = 0;

	CHECK(review_diff_unquote_path(&s, &used, "a/b c", 5) == 0);
	CHECK_STR(s, "a/b c");
	CHECK_INT(used, 5);
	free(s);
	CHECK(review_diff_unquote_path(&s, &used,
				       "\"a/\\303\\251t\\351\" rest", 22) == 0);
	CHECK_STR(s, "a/\303\251t\351");
	CHECK_INT(used, 17);
	free(s);
	CHECK(review_diff_unquote_path(&s, &used,
				       "\"t\\tn\\nq\\\"b\\\\a\\a\\001\"",
				       21) == 0);
	CHECK_STR(s, "t\tn\nq\"b\\a\a\001");
	CHECK_INT(used, 21);
	free(s);
	s = NULL;
	CHECK_INT(review_diff_unquote_path(&s, &used, "\"abc", 4),
		  TEND_EINVALID);
	CHECK_INT(review_diff_unquote_path(&s, &used, "\"a\\q\"", 5),
		  TEND_EINVALID);
	CHECK_INT(review_diff_unquote_path(&s, &used, "\"a\\40\"", 6),
		  TEND_EINVALID);
	CHECK_INT(review_diff_unquote_path(&s, &used, "\"a\\400\"", 7),
		  TEND_EINVALID);
	CHECK_INT(review_diff_unquote_path(&s, &used, "\"a\\000\"", 7),
		  TEND_EINVALID);
	CHECK_INT(review_diff_unquote_path(&s, &used, "\"a\\", 3),
		  TEND_EINVALID);
	CHECK_INT(review_diff_unquote_path(&s, &used, "", 0), TEND_EINVALID);
	CHECK(s == NULL);
}

void test_diff__add_patch(void)
{
	struct review_diff d;
	struct review_diff_file meta;
	struct buf err = BUF_INIT;
	const struct review_diff_file *f;
	char old_path[] = "src/old.c", new_path[] = "src/new.c";
	const char *patch = "@@ -1,2 +1,2 @@ fn\n a\n-b\n+c\n"
			    "@@ -10 +10 @@\n-x\n+y\n"
			    "\\ No newline at end of file";
	const char *bad = "@@ -1,2 +1,2 @@\n a\n-b\n";

	review_diff_init(&d);
	memset(&meta, 0, sizeof(meta));
	meta.old_path = old_path;
	meta.new_path = new_path;
	meta.path = new_path;
	meta.status = REVIEW_FILE_RENAMED;
	meta.similarity = 90;
	meta.new_mode = meta.old_mode = 0100644;
	memcpy(meta.new_oid, "abcdef0", 8);
	REQUIRE(review_diff_add_patch(&d, &meta, patch, strlen(patch), &err) ==
		0);
	REQUIRE(d.nr_files == 1);
	f = &d.files[0];
	CHECK(f->old_path != old_path);
	CHECK_STR(f->old_path, "src/old.c");
	CHECK_STR(f->path, "src/new.c");
	CHECK_INT(f->status, REVIEW_FILE_RENAMED);
	CHECK_INT(f->similarity, 90);
	CHECK_STR(f->new_oid, "abcdef0");
	CHECK_INT(f->nr_hunks, 2);
	CHECK_STR(f->hunks[0].section, "fn");
	CHECK(f->lines[4].no_eol);
	CHECK(review_diff_can_comment(f, REVIEW_SIDE_RIGHT, 1, 2));

	meta.old_path = NULL;
	meta.status = REVIEW_FILE_ADDED;
	CHECK_INT(review_diff_add_patch(&d, &meta, bad, strlen(bad), &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr,
		  "hunk at line 1 of 'src/new.c' says 2 new lines but has 1");
	CHECK_INT(d.nr_files, 1);
	CHECK_INT(review_diff_add_patch(&d, &meta, "hello\n", 6, &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, "unexpected text at line 1 of the patch of "
			   "'src/new.c'");

	/* A binary file or one too big for the forge: no hunks at all. */
	CHECK(review_diff_add_patch(&d, &meta, "", 0, &err) == 0);
	CHECK(review_diff_add_patch(&d, &meta, "Binary files differ\n", 20,
				    &err) == 0);
	REQUIRE(d.nr_files == 3);
	CHECK(d.files[1].old_path == NULL);
	CHECK_INT(d.files[1].nr_hunks, 0);
	CHECK(!d.files[1].binary);
	CHECK(d.files[2].binary);
	review_diff_release(&d);
	buf_release(&err);
}

void test_diff__section_trailing_space_trimmed(void)
{
	/* libgit2 leaves a space where git trims it after the 80-byte cut */
	static const char a[] =
		"diff --git a/f b/f\n--- a/f\n+++ b/f\n"
		"@@ -1 +1 @@ int main(void) \t \n-x\n+y\n";
	struct review_diff d;
	struct buf err = BUF_INIT;

	review_diff_init(&d);
	REQUIRE(review_diff_parse(&d, a, sizeof(a) - 1, "t", &err) == 0);
	REQUIRE(d.nr_files == 1 && d.files[0].nr_hunks == 1);
	CHECK_STR(d.files[0].hunks[0].section, "int main(void)");
	review_diff_release(&d);
	buf_release(&err);
}
