#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "review/rules.h"
#include "tests/unit/test.h"

static int add_rule(struct review_rules *rs, const char *id,
		    const char *pattern, struct buf *err)
{
	struct review_rule_spec spec = { 0 };

	spec.id = id;
	spec.pack = "test";
	spec.pattern = pattern;
	spec.message = "msg";
	spec.severity = REVIEW_SEV_WARNING;
	return review_rules_add(rs, &spec, err);
}

/* add_rule() for a rule that may match across lines. */
static int add_multiline(struct review_rules *rs, const char *id,
			 const char *pattern, struct buf *err)
{
	struct review_rule_spec spec = { 0 };

	spec.id = id;
	spec.pack = "test";
	spec.pattern = pattern;
	spec.message = "msg";
	spec.multiline = 1;
	return review_rules_add(rs, &spec, err);
}

static void scan(const struct review_rules *rs, const char *path,
		 const char *lang, const char *text, const uint32_t *nos,
		 size_t nr_lines, struct review_findings *out)
{
	review_rules_scan(rs, path, lang, text, strlen(text), nos, nr_lines,
			  out);
}

void test_rules__builtin_examples(void)
{
	struct review_rules rs;
	struct buf err = BUF_INIT;
	const struct review_rule_pack *const *p;
	size_t i, n = 0;

	review_rules_init(&rs);
	REQUIRE(review_rules_add_builtin(&rs, NULL, &err) == 0);
	/* every built-in rule has at least one example of each kind */
	for (p = review_rules_builtin_packs(); *p; p++) {
		for (i = 0; i < (*p)->nr_rules; i++) {
			const struct review_rule_spec *s = &(*p)->rules[i];

			CHECK(s->examples_true && s->examples_true[0]);
			CHECK(s->examples_false && s->examples_false[0]);
			CHECK(s->message && strlen(s->message) > 20);
			CHECK(!strncmp(s->id, (*p)->name, strlen((*p)->name)));
			n++;
		}
	}
	CHECK_INT(review_rules_count(&rs), n);
	if (review_rules_selftest(&rs, &err) < 0)
		test__fail(__FILE__, __LINE__, err.ptr);
	/* disabled rules are still self-tested */
	for (i = 0, p = review_rules_builtin_packs(); *p; p++)
		i += review_rules_disable(&rs, (*p)->name);
	CHECK_INT(i, n);
	CHECK_INT(review_rules_count_enabled(&rs), 0);
	CHECK(review_rules_selftest(&rs, &err) == 0);
	review_rules_release(&rs);
	buf_release(&err);
}

void test_rules__builtin_unknown_pack(void)
{
	struct review_rules rs;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	CHECK(review_rules_add_builtin(&rs, "nope", &err) == TEND_ENOTFOUND);
	CHECK_STR(err.ptr, "no rule pack 'nope'");
	CHECK(review_rules_add_builtin(&rs, "hygiene", &err) == 0);
	CHECK(review_rules_count(&rs) > 10);
	CHECK_STR(review_rules_get(&rs, 0)->pack, "hygiene");
	review_rules_release(&rs);
	buf_release(&err);
}

void test_rules__selftest_reports_failures(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	spec.id = "t/x";
	spec.pattern = "foo";
	spec.examples_true = REVIEW_STRV("bar");
	spec.examples_false = REVIEW_STRV("foo");
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	CHECK(review_rules_selftest(&rs, &err) == TEND_ERROR);
	CHECK_STR(err.ptr, "rule 't/x': example 'bar' should match\n"
			   "rule 't/x': example 'foo' should not match");
	review_rules_release(&rs);
	buf_release(&err);
}

void test_rules__compile_error_message(void)
{
	struct review_rules rs;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	CHECK(add_rule(&rs, "no-debug", "abc(def", &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 'no-debug': invalid pattern at offset 7: "
			   "missing closing parenthesis");
	CHECK(add_rule(&rs, "bad-class", "x[a-", &err) == TEND_EINVALID);
	CHECK(!strncmp(err.ptr, "rule 'bad-class': invalid pattern at offset 4: ",
		       46));
	CHECK(add_rule(&rs, "empty", "x*", &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 'empty': pattern matches the empty string, "
			   "so it would flag every line");
	CHECK(add_rule(&rs, "", "x", &err) == TEND_EINVALID);
	CHECK(add_rule(&rs, "nopat", "", &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 'nopat': missing pattern");
	CHECK_INT(review_rules_count(&rs), 0);
	review_rules_release(&rs);
	buf_release(&err);
}

void test_rules__duplicate_and_unknown_language(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	CHECK(add_rule(&rs, "a", "x", &err) == 0);
	CHECK(add_rule(&rs, "a", "y", &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 'a': duplicate id");
	REQUIRE(review_rules_add_builtin(&rs, NULL, &err) == 0);
	CHECK(review_rules_add_builtin(&rs, NULL, &err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "duplicate id") != NULL);
	spec.id = "b";
	spec.pattern = "x";
	spec.languages = REVIEW_STRV("c", "pyhton");
	CHECK(review_rules_add(&rs, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 'b': unknown language 'pyhton'");
	review_rules_release(&rs);
	buf_release(&err);
}

void test_rules__defaults(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	const struct review_rule_spec *got;
	char id[] = "copied";
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	spec.id = id;
	spec.pattern = "x";
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	id[0] = 'X';
	got = review_rules_get(&rs, 0);
	CHECK_STR(got->id, "copied");
	CHECK_STR(got->message, "copied");
	CHECK_INT(got->severity, REVIEW_SEV_WARNING);
	CHECK(got->languages == NULL);
	CHECK(review_rules_get(&rs, 1) == NULL);
	CHECK(review_rules_enabled(&rs, 0));
	CHECK(!review_rules_enabled(&rs, 1));
	review_rules_release(&rs);
	buf_release(&err);
}

void test_rules__disable(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;
	size_t all;

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(review_rules_add_builtin(&rs, NULL, &err) == 0);
	REQUIRE(add_rule(&rs, "mine", "<<<<<<<", &err) == 0);
	all = review_rules_count(&rs);
	CHECK_INT(review_rules_disable(&rs, "hygiene/merge-conflict-marker"),
		  1);
	CHECK_INT(review_rules_count_enabled(&rs), all - 1);
	scan(&rs, "a.txt", NULL, "<<<<<<< HEAD\n", NULL, 1, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "mine");
	CHECK_INT(review_rules_disable(&rs, "test"), 1);	/* a pack */
	CHECK_INT(review_rules_disable(&rs, "hygiene/*-debugger"), 3);
	CHECK_INT(review_rules_disable(&rs, "nothing"), 0);
	CHECK_INT(review_rules_disable(&rs, ""), 0);
	review_findings_release(&out);
	scan(&rs, "a.txt", NULL, "<<<<<<< HEAD\n", NULL, 1, &out);
	CHECK_INT(out.nr, 0);
	CHECK_INT(review_rules_count(&rs), all);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__language_and_path_scope(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct review_findings out;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	review_findings_init(&out);
	spec.id = "py-only";
	spec.pattern = "XX";
	spec.languages = REVIEW_STRV("python", "ruby");
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	spec.id = "src-only";
	spec.languages = NULL;
	spec.paths = REVIEW_STRV("src/**", "*.inc");
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);

	scan(&rs, "a.py", "python", "XX", NULL, 1, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "py-only");
	review_findings_release(&out);
	scan(&rs, "a.js", "javascript", "XX", NULL, 1, &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "a", NULL, "XX", NULL, 1, &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "src/x/a.rb", "ruby", "XX", NULL, 1, &out);
	CHECK_INT(out.nr, 2);
	review_findings_release(&out);
	scan(&rs, "lib/a.inc", NULL, "XX", NULL, 1, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "src-only");
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__line_mapping(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;
	static const uint32_t nos[] = { 10, 11, 15, 16, 40 };
	const char *text = "a\nfoo bar foo\nx\n\xc3\xa9\xc3\xa9 foo\nfoo";

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(add_rule(&rs, "foo", "foo", &err) == 0);
	scan(&rs, "f.c", "c", text, nos, 5, &out);
	REQUIRE(out.nr == 3);
	/* one finding per rule per line: the first match */
	CHECK_INT(out.items[0].line, 11);
	CHECK_INT(out.items[0].end_line, 11);
	CHECK_INT(out.items[0].col, 1);
	CHECK_INT(out.items[0].end_col, 4);
	CHECK_STR(out.items[0].snippet, "foo bar foo");
	CHECK_STR(out.items[0].source, "rules");
	CHECK_STR(out.items[0].path, "f.c");
	CHECK_STR(out.items[0].message, "msg");
	CHECK_INT(out.items[0].severity, REVIEW_SEV_WARNING);
	/* columns count characters, not bytes */
	CHECK_INT(out.items[1].line, 16);
	CHECK_INT(out.items[1].col, 4);
	CHECK_INT(out.items[1].end_col, 7);
	CHECK_INT(out.items[2].line, 40);
	review_findings_release(&out);

	/* without line numbers: consecutive from 1; CRLF kept out */
	scan(&rs, "f.c", "c", "x\r\nfoo\r\n", NULL, 2, &out);
	REQUIRE(out.nr == 1);
	CHECK_INT(out.items[0].line, 2);
	CHECK_STR(out.items[0].snippet, "foo");
	review_findings_release(&out);

	/* lines past nr_lines are not part of the block */
	scan(&rs, "f.c", "c", "x\nfoo\nfoo", NULL, 2, &out);
	CHECK_INT(out.nr, 1);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__multiline_match(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;
	static const uint32_t nos[] = { 3, 4, 5, 6 };

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(add_multiline(&rs, "ml", "begin\\n[^\\n]*\\nend", &err) ==
		0);
	REQUIRE(add_rule(&rs, "dollar", "^end$", &err) == 0);
	scan(&rs, "f", NULL, "x begin\nmid\nend\nend\r\n", nos, 4, &out);
	REQUIRE(out.nr == 3);
	CHECK_STR(out.items[0].rule_id, "ml");
	CHECK_INT(out.items[0].line, 3);
	CHECK_INT(out.items[0].col, 3);
	CHECK_INT(out.items[0].end_line, 5);
	CHECK_INT(out.items[0].end_col, 4);
	CHECK_STR(out.items[0].snippet, "x begin\nmid\nend");
	/* ^ and $ work per line, also before a CR */
	CHECK_INT(out.items[1].line, 5);
	CHECK_INT(out.items[2].line, 6);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__invalid_utf8_does_not_stop_scan(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;
	const char text[] = "ok \xff\xfe bad \xc3 foo\n"
			    "\x80\x80 foo\n"
			    "x\xed\xa0\x80y foo.";

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(add_rule(&rs, "foo", "fo+\\b", &err) == 0);
	REQUIRE(add_rule(&rs, "any", "y.foo", &err) == 0);
	scan(&rs, "f", NULL, text, NULL, 3, &out);
	review_findings_sort(&out);
	REQUIRE(out.nr == 4);
	CHECK_INT(out.items[0].line, 1);
	CHECK_INT(out.items[1].line, 2);
	CHECK_INT(out.items[2].line, 3);
	CHECK_INT(out.items[3].line, 3);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__zero_length_matches_terminate(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(add_rule(&rs, "ahead", "(?=b)", &err) == 0);
	REQUIRE(add_rule(&rs, "wordb", "\\b", &err) == 0);
	REQUIRE(add_multiline(&rs, "behind", "(?<=\\n)", &err) == 0);
	/* a one-line rule cannot see the line end before its line */
	REQUIRE(add_rule(&rs, "behind1", "(?<=\\n)", &err) == 0);
	scan(&rs, "f", NULL, "abba\nbbb\n\nzz\n", NULL, 4, &out);
	review_findings_sort(&out);
	/* ahead: lines 1, 2; wordb: 1, 2, 4; behind: 2, 3, 4 */
	CHECK_INT(out.nr, 8);
	CHECK_INT(out.items[0].line, 1);
	CHECK_INT(out.items[0].col, 1);
	CHECK_INT(out.items[0].end_col, 1);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__keywords_prefilter(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct review_findings out;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	review_findings_init(&out);
	spec.id = "kw";
	spec.pattern = "ab+c";
	/* wrong on purpose: shows the regex is skipped without a keyword */
	spec.keywords = REVIEW_STRV("zzz", "yyy");
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	scan(&rs, "f", NULL, "abbc", NULL, 1, &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "f", NULL, "abbc\nyyy", NULL, 2, &out);
	CHECK_INT(out.nr, 1);
	spec.id = "empty-kw";
	spec.keywords = REVIEW_STRV("");
	CHECK(review_rules_add(&rs, &spec, &err) == TEND_EINVALID);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__filename_rules(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(review_rules_add_builtin(&rs, "hygiene", &err) == 0);
	review_rules_scan_filename(&rs, "app/.env", &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "hygiene/env-file");
	CHECK_INT(out.items[0].line, 0);
	CHECK_INT(out.items[0].severity, REVIEW_SEV_ERROR);
	CHECK_STR(out.items[0].path, "app/.env");
	review_findings_release(&out);
	review_rules_scan_filename(&rs, "src/main.c", &out);
	CHECK_INT(out.nr, 0);
	/* content rules do not look at paths, filename rules not at text */
	scan(&rs, "x.txt", NULL, ".env\nid_rsa\n", NULL, 2, &out);
	CHECK_INT(out.nr, 0);
	review_rules_scan_filename(&rs, "<<<<<<< HEAD", &out);
	CHECK_INT(out.nr, 0);
	review_rules_disable(&rs, "hygiene/env-file");
	review_rules_scan_filename(&rs, ".env", &out);
	CHECK_INT(out.nr, 0);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__hygiene_in_context(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;
	const char *js = "import x from 'y';\n"
			 "// console.log('old')\n"
			 "describe.only('s', () => {\n"
			 "  it('a', () => { console.log(x); debugger; });\n"
			 "});\n";

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(review_rules_add_builtin(&rs, NULL, &err) == 0);
	scan(&rs, "t/a.test.js", "javascript", js, NULL, 5, &out);
	review_findings_sort(&out);
	REQUIRE(out.nr == 3);
	CHECK_STR(out.items[0].rule_id, "hygiene/focused-test");
	CHECK_INT(out.items[0].line, 3);
	CHECK_STR(out.items[1].rule_id, "hygiene/js-console-log");
	CHECK_INT(out.items[1].line, 4);
	CHECK_INT(out.items[1].col, 19);
	CHECK_STR(out.items[2].rule_id, "hygiene/js-debugger");
	CHECK_INT(out.items[2].col, 35);
	review_findings_release(&out);

	/* the RST heading underline is not a conflict in docs */
	scan(&rs, "docs/a.rst", "rst", "Title\n=======\n", NULL, 2, &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "a.c", "c", "int a;\n=======\n", NULL, 2, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "hygiene/merge-conflict-separator");
	review_findings_release(&out);

	/* rspec focus only under spec paths */
	scan(&rs, "lib/a.rb", "ruby", "fit 'x' do\n", NULL, 1, &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "spec/a_spec.rb", "ruby", "fit 'x' do\n", NULL, 1, &out);
	CHECK_INT(out.nr, 1);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

void test_rules__runaway_pattern_is_bounded(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;
	enum log_level level;
	char *text = malloc(20001);

	REQUIRE(text);
	memset(text, 'a', 20000);
	text[20000] = '\0';
	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(add_rule(&rs, "evil", "(a|aa)+(a|aa)+\\d$", &err) == 0);
	REQUIRE(add_rule(&rs, "fine", "a{5}", &err) == 0);
	level = log_get_level();
	log_set_level(LOG_QUIET);	/* the warning is expected */
	scan(&rs, "f", NULL, text, NULL, 1, &out);
	log_set_level(level);
	/* the evil rule gives up; the next rule still runs */
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "fine");
	/* the snippet of a long line is capped */
	CHECK(strlen(out.items[0].snippet) <= 1024);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
	free(text);
}

void test_rules__exclude_line(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct review_findings out;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	review_findings_init(&out);
	spec.id = "t/todo";
	spec.pattern = "TODO";
	spec.exclude_line = "^[ \\t]*#";
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	CHECK_STR(review_rules_get(&rs, 0)->exclude_line, "^[ \\t]*#");
	scan(&rs, "f", NULL, "# TODO a\nx TODO\n  # TODO TODO\nTODO # TODO",
	     NULL, 4, &out);
	REQUIRE(out.nr == 2);
	CHECK_INT(out.items[0].line, 2);
	CHECK_INT(out.items[1].line, 4);
	CHECK_INT(out.items[1].col, 1);

	spec.id = "t/bad";
	spec.exclude_line = "(";
	CHECK(review_rules_add(&rs, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 't/bad': invalid exclude_line pattern at "
			   "offset 1: missing closing parenthesis");
	CHECK_INT(review_rules_count(&rs), 1);
	review_rules_release(&rs);
	review_findings_release(&out);
	buf_release(&err);
}

/*
 * A rule that does not say `multiline` matches within one line, whatever
 * its pattern: \s, a negated class, (?s) and a lookahead all stop at the
 * line's end, and nothing starts on the line end itself. So do rules that
 * run over the whole block (no keywords, or keywords that are not local)
 * and rules that run from their keyword lines.
 */
void test_rules__matches_stay_on_their_line(void)
{
	static const char *const patterns[] = {
		"a\\s+b", "a[^\"]*b", "(?s)a.*b", "a(?=\\s*b)",
		"[^a-z0-9]b=[0-9]+", "a$\\s*^b", "a\\Rb",
	};
	static const int kinds[] = { 0, 1, 2 };
	static const char *const kw[] = { "a", NULL };
	const char *text = "x a\n  b=1\na b=2\n";
	size_t i, k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
			struct review_rules rs;
			struct review_rule_spec spec = { 0 };
			struct review_findings out;
			struct buf err = BUF_INIT;
			size_t j;

			review_rules_init(&rs);
			review_findings_init(&out);
			spec.id = "t/one";
			spec.pattern = patterns[i];
			spec.keywords = kinds[k] ? kw : NULL;
			spec.keywords_local = kinds[k] == 2;
			if (review_rules_add(&rs, &spec, &err) < 0)
				test__fail(__FILE__, __LINE__, err.ptr);
			scan(&rs, "f", NULL, text, NULL, 3, &out);
			for (j = 0; j < out.nr; j++) {
				const struct review_finding *f = &out.items[j];

				if (f->line != f->end_line ||
				    strchr(f->snippet, '\n'))
					test__fail(__FILE__, __LINE__,
						   patterns[i]);
			}
			review_findings_release(&out);
			/* the same pattern, multi-line, does cross */
			spec.id = "t/multi";
			spec.multiline = 1;
			REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
			review_rules_disable(&rs, "t/one");
			scan(&rs, "f", NULL, text, NULL, 3, &out);
			if (i < 3 && !(out.nr && out.items[0].line == 1 &&
				       out.items[0].end_line > 1))
				test__fail(__FILE__, __LINE__, patterns[i]);
			review_findings_release(&out);
			review_rules_release(&rs);
			buf_release(&err);
		}
	}
}

/*
 * One-line rules still find every match of a line and of the lines after
 * it: after a rejected candidate that would have crossed lines, after an
 * accepted match, and on the last line without a line end.
 */
void test_rules__one_line_matches_found(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT;
	static const uint32_t nos[] = { 10, 11, 12, 13 };

	review_rules_init(&rs);
	review_findings_init(&out);
	/* in the block, "k\n" + "=2" matches first; on its own line, not */
	REQUIRE(add_rule(&rs, "kv", "k\\s*=[0-9]", &err) == 0);
	scan(&rs, "f", NULL, "k\n=2 k=3\r\nx\nk =4", nos, 4, &out);
	REQUIRE(out.nr == 2);
	CHECK_INT(out.items[0].line, 11);
	CHECK_INT(out.items[0].col, 4);
	CHECK_INT(out.items[0].end_col, 7);
	CHECK_STR(out.items[0].snippet, "=2 k=3");
	CHECK_INT(out.items[1].line, 13);
	CHECK_INT(out.items[1].end_line, 13);
	CHECK_STR(out.items[1].snippet, "k =4");
	review_findings_release(&out);
	review_rules_release(&rs);
	buf_release(&err);
}

/*
 * A one-line rule whose pattern can read to the end of the block from
 * every line, (?s)x.*y, still finds one match per line, in time linear in
 * the block: after the first search of the block runs past its line, the
 * rule searches line by line.
 */
void test_rules__one_line_scan_stays_linear(void)
{
	struct review_rules rs;
	struct review_findings out;
	struct buf err = BUF_INIT, text = BUF_INIT;
	size_t i, n = 20000, bad = 0;

	review_rules_init(&rs);
	review_findings_init(&out);
	REQUIRE(add_rule(&rs, "dotall", "(?s)x.*y", &err) == 0);
	for (i = 0; i < n; i++)
		buf_printf(&text, "x %zu y\n", i);
	review_rules_scan(&rs, "f", NULL, text.ptr, text.len, NULL, n, &out);
	CHECK_INT(out.nr, n);
	for (i = 0; i < out.nr; i++)
		bad += out.items[i].line != out.items[i].end_line ||
		       out.items[i].line != i + 1;
	CHECK_INT(bad, 0);
	review_findings_release(&out);
	review_rules_release(&rs);
	buf_release(&text);
	buf_release(&err);
}
