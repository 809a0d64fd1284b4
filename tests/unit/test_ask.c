/*
 * test_ask.c - the check of the ask agent's citations (actions/ask.h) on
 * a small tree made on the spot: citations that stand and those that are
 * dropped (wrong line, wrong quote, a path out of bounds, a range too
 * long), white space normalised, markers renumbered, links, and secrets
 * and markup kept out of the answer. Also the run's own input checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/ask.h"
#include "actions/rules.h"
#include "common/config.h"
#include "common/error.h"
#include "review/rules.h"
#include "tests/unit/test.h"

#define FAKE_GHP "ghp_" "k9Qz2Lm4Xv7Bn1Rt8Wy3Hc6Jd5Fp0Ga2Se4U"

static char root[1024];

static void put(const char *rel, const char *text)
{
	char path[2048];
	char *slash;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (test_sh("mkdir -p '%s'", path) != 0)
		test__fail(__FILE__, __LINE__, "mkdir");
	*slash = '/';
	if (test_write(path, text, strlen(text)) != 0)
		test__fail(__FILE__, __LINE__, path);
}

/*
 * The tree: src/add.c, a 60-line file, a file with a secret, .git, and
 * links in and out.
 */
static void setup(void)
{
	char outside[2048];
	struct buf lines = BUF_INIT;
	int i;

	snprintf(root, sizeof(root), "%s/repo", test_tmpdir());
	put(".git/config", "[core]\n");
	put("src/add.c", "#include <stdio.h>\n"
	    "\n"
	    "int add(int a, int b)\n"
	    "{\n"
	    "\treturn a + b;\n"
	    "}\n");
	for (i = 1; i <= 60; i++)
		buf_printf(&lines, "line %d\n", i);
	put("long.txt", lines.ptr);
	put("conf/keys.py", "TOKEN = \"" FAKE_GHP "\"\nOTHER = 1\n");
	put("docs/a b.md", "# Title\n");
	snprintf(outside, sizeof(outside), "%s/../outside.txt", root);
	if (test_write(outside, "return a + b;\n", 14) != 0)
		test__fail(__FILE__, __LINE__, "outside");
	if (test_sh("ln -s ../outside.txt '%s/out' && ln -s src/add.c "
		    "'%s/in' && ln -s .git/config '%s/cfg'", root, root,
		    root) != 0)
		test__fail(__FILE__, __LINE__, "links");
	buf_release(&lines);
}

/* Check `json` with the tree; the outcome in `oc` (initialised here). */
static int check(struct actions_ask_outcome *oc, const char *json,
		 const char *link_base, int gitlab, struct review_rules *rules)
{
	struct actions_ask_opts o = { 0 };
	struct buf err = BUF_INIT;
	int rc;

	o.root = root;
	o.link_base = link_base;
	o.gitlab_links = gitlab;
	o.rules = rules;
	actions_ask_outcome_init(oc);
	rc = actions_ask_check(oc, &o, json, strlen(json), &err);
	if (rc)
		test__fail_str(__FILE__, __LINE__, "check", err.ptr, "");
	buf_release(&err);
	return rc;
}

#define ONE(path, line, quote) \
	"{\"text\":\"It adds [1].\",\"citations\":[{\"path\":\"" path "\"," \
	"\"line\":" #line ",\"quote\":\"" quote "\"}]}"

/* The one citation of `json` is dropped, saying `why`. */
static void dropped(const char *json, const char *why, int line)
{
	struct actions_ask_outcome oc;

	if (check(&oc, json, NULL, 0, NULL))
		return;
	if (oc.nr_citations != 1 || oc.nr_dropped != 1 || oc.nr_cited) {
		test__fail(__FILE__, line, json);
	} else {
		if (!oc.citations[0].dropped ||
		    strcmp(oc.citations[0].dropped, why))
			test__fail_str(__FILE__, line, json,
				       oc.citations[0].dropped, why);
		if (oc.citations[0].number)
			test__fail(__FILE__, line, "numbered");
		if (!strstr(oc.answer_text, "Dropped:"))
			test__fail(__FILE__, line, "not said");
	}
	actions_ask_outcome_release(&oc);
}

void test_ask__good_citation(void)
{
	struct actions_ask_outcome oc;

	setup();
	REQUIRE(check(&oc, ONE("src/add.c", 5, "return a + b;"), NULL, 0,
		      NULL) == 0);
	CHECK(oc.answered);
	CHECK_INT(oc.nr_citations, 1);
	CHECK_INT(oc.nr_cited, 1);
	CHECK_INT(oc.nr_dropped, 0);
	CHECK_INT(oc.citations[0].number, 1);
	CHECK(oc.citations[0].dropped == NULL);
	CHECK(oc.citations[0].link == NULL);
	CHECK_STR(oc.citations[0].path, "src/add.c");
	CHECK_INT(oc.citations[0].line, 5);
	CHECK_INT(oc.citations[0].end_line, 5);
	CHECK_STR(oc.answer_md, "It adds [1].\n\n**Sources**\n\n"
		  "1. src/add.c:5: \"return a + b;\"\n");
	CHECK_STR(oc.answer_text, "It adds [1].\n\nSources:\n"
		  "  1. src/add.c:5  \"return a + b;\"\n");
	CHECK(strstr(oc.answer_md, "dropped") == NULL);
	actions_ask_outcome_release(&oc);
}

void test_ask__wrong_line_or_quote(void)
{
	setup();
	dropped(ONE("src/add.c", 3, "return a + b;"),
		"the quote is not in line 3 of 'src/add.c'", __LINE__);
	dropped(ONE("src/add.c", 5, "return a - b;"),
		"the quote is not in line 5 of 'src/add.c'", __LINE__);
	/* a blank line holds no quote */
	dropped(ONE("src/add.c", 2, "{"),
		"the quote is not in line 2 of 'src/add.c'", __LINE__);
	dropped(ONE("src/add.c", 5, "  \\t "), "the quote is blank",
		__LINE__);
	dropped(ONE("src/add.c", 7, "}"),
		"line 7 is past the end of 'src/add.c' (6 lines)", __LINE__);
}

void test_ask__whitespace_normalised(void)
{
	struct actions_ask_outcome oc;

	setup();
	/* spaces for a tab, lines joined, blanks at the ends */
	REQUIRE(check(&oc, "{\"text\":\"t [1]\",\"citations\":[{\"path\":"
		      "\"src/add.c\",\"line\":3,\"end_line\":5,\"quote\":"
		      "\"  int add(int a,   int b)\\n{\\n    return a + b;\\n\"}"
		      "]}", NULL, 0, NULL) == 0);
	CHECK_INT(oc.nr_cited, 1);
	CHECK(strstr(oc.answer_md, "1. src/add.c:3-5: \"int add(int a, int "
		     "b) { return a + b;\"") != NULL);
	actions_ask_outcome_release(&oc);
	/* read_file's line numbers copied along are not the quote */
	REQUIRE(check(&oc, "{\"text\":\"t [1]\",\"citations\":[{\"path\":"
		      "\"src/add.c\",\"line\":4,\"end_line\":5,\"quote\":"
		      "\"   4| {\\n   5| \\treturn a + b;\"}]}", NULL, 0,
		      NULL) == 0);
	CHECK_INT(oc.nr_cited, 1);
	actions_ask_outcome_release(&oc);
	/* but white space inside a word is not white space to ignore */
	setup();
	dropped(ONE("src/add.c", 5, "ret urn a + b;"),
		"the quote is not in line 5 of 'src/add.c'", __LINE__);
	/* a part of the line is a quote; "./" and "//" in the path are not
	 * part of it */
	REQUIRE(check(&oc, ONE(".//src/./add.c", 3, "add(int a"), NULL, 0,
		      NULL) == 0);
	CHECK_INT(oc.nr_cited, 1);
	CHECK_STR(oc.citations[0].path, "src/add.c");
	actions_ask_outcome_release(&oc);
}

void test_ask__paths_out_of_bounds(void)
{
	struct actions_ask_outcome oc;

	setup();
	dropped(ONE("../outside.txt", 1, "return a + b;"),
		"'../outside.txt' leaves the repository: '..' is not allowed "
		"in paths", __LINE__);
	dropped(ONE("out", 1, "return a + b;"),
		"'out' resolves to a path outside the repository", __LINE__);
	dropped(ONE(".git/config", 1, "[core]"),
		"'.git/config' is inside .git, which tools cannot access",
		__LINE__);
	dropped(ONE("cfg", 1, "[core]"),
		"'cfg' resolves into .git, which tools cannot access",
		__LINE__);
	dropped(ONE("missing.c", 1, "x"),
		"cannot open 'missing.c': no such file or directory",
		__LINE__);
	dropped(ONE("/etc/passwd", 1, "root"),
		"'/etc/passwd' is an absolute path: give a path relative to "
		"the repository root", __LINE__);
	dropped(ONE("src", 1, "x"), "'src' is a directory", __LINE__);
	dropped(ONE("./", 1, "x"), "the path is empty", __LINE__);
	/* a link that stays inside is read like the file */
	REQUIRE(check(&oc, ONE("in", 5, "return a + b;"), NULL, 0, NULL) ==
		0);
	CHECK_INT(oc.nr_cited, 1);
	actions_ask_outcome_release(&oc);
}

void test_ask__line_ranges(void)
{
	struct actions_ask_outcome oc;
	struct buf big = BUF_INIT, json = BUF_INIT;
	int i;

	setup();
	/* 51 lines is the most: line..line+50 */
	REQUIRE(check(&oc, "{\"text\":\"t [1]\",\"citations\":[{\"path\":"
		      "\"long.txt\",\"line\":10,\"end_line\":60,\"quote\":"
		      "\"line 60\"}]}", NULL, 0, NULL) == 0);
	CHECK_INT(oc.nr_cited, 1);
	CHECK(strstr(oc.answer_text, "long.txt:10-60") != NULL);
	actions_ask_outcome_release(&oc);
	dropped("{\"text\":\"t\",\"citations\":[{\"path\":\"long.txt\","
		"\"line\":9,\"end_line\":60,\"quote\":\"line 60\"}]}",
		"end_line 60 is more than 50 lines past line 9", __LINE__);
	dropped("{\"text\":\"t\",\"citations\":[{\"path\":\"long.txt\","
		"\"line\":12,\"end_line\":11,\"quote\":\"line 11\"}]}",
		"end_line 11 is before line 12", __LINE__);
	dropped("{\"text\":\"t\",\"citations\":[{\"path\":\"long.txt\","
		"\"line\":55,\"end_line\":61,\"quote\":\"line 56\"}]}",
		"line 61 is past the end of 'long.txt' (60 lines)", __LINE__);
	/* the quote must be inside the range, not next to it */
	dropped("{\"text\":\"t\",\"citations\":[{\"path\":\"long.txt\","
		"\"line\":20,\"end_line\":22,\"quote\":\"line 23\"}]}",
		"the quote is not in lines 20-22 of 'long.txt'", __LINE__);
	/* 500 bytes at most, though the schema counts characters */
	for (i = 0; i < 300; i++)
		buf_puts(&big, "\xc3\xa4");
	buf_printf(&json, "{\"text\":\"t\",\"citations\":[{\"path\":"
		   "\"long.txt\",\"line\":1,\"quote\":\"%s\"}]}", big.ptr);
	dropped(json.ptr, "the quote is longer than 500 bytes", __LINE__);
	buf_release(&big);
	buf_release(&json);
}

void test_ask__markers_renumbered(void)
{
	struct actions_ask_outcome oc;

	setup();
	REQUIRE(check(&oc, "{\"text\":\"A [1]. B [2], C [3] and [2][3]; "
		      "D [4].\\nCode `a[1]` and\\n```\\nx[2] = y [3];\\n```\\n"
		      "E[3]\",\"citations\":["
		      "{\"path\":\"src/add.c\",\"line\":5,\"quote\":\"a - b\"},"
		      "{\"path\":\"src/add.c\",\"line\":3,\"quote\":\"int "
		      "add\"},"
		      "{\"path\":\"long.txt\",\"line\":7,\"quote\":\"line 7\"}]}",
		      NULL, 0, NULL) == 0);
	CHECK_INT(oc.nr_citations, 3);
	CHECK_INT(oc.nr_cited, 2);
	CHECK_INT(oc.nr_dropped, 1);
	CHECK_INT(oc.citations[0].number, 0);
	CHECK_INT(oc.citations[1].number, 1);
	CHECK_INT(oc.citations[2].number, 2);
	/* [1] gone with its blank, [2] and [3] now [1] and [2]; [4] names
	 * no citation and stays; code is code */
	CHECK_STR(oc.answer_md, "A. B [1], C [2] and [1][2]; D [4].\n"
		  "Code `a[1]` and\n```\nx[2] = y [3];\n```\nE[2]\n\n"
		  "_tend dropped 1 citation that did not match the files._\n\n"
		  "**Sources**\n\n"
		  "1. src/add.c:3: \"int add\"\n"
		  "2. long.txt:7: \"line 7\"\n");
	CHECK_STR(oc.answer_text, "A. B [1], C [2] and [1][2]; D [4].\n"
		  "Code `a[1]` and\n```\nx[2] = y [3];\n```\nE[2]\n\n"
		  "tend dropped 1 citation that did not match the files.\n\n"
		  "Sources:\n"
		  "  1. src/add.c:3  \"int add\"\n"
		  "  2. long.txt:7  \"line 7\"\n"
		  "\nDropped:\n"
		  "  - src/add.c:5: the quote is not in line 5 of "
		  "'src/add.c'\n");
	actions_ask_outcome_release(&oc);
}

void test_ask__all_dropped(void)
{
	struct actions_ask_outcome oc;

	setup();
	REQUIRE(check(&oc, "{\"text\":\"It subtracts [1] [2].\","
		      "\"citations\":["
		      "{\"path\":\"src/add.c\",\"line\":5,\"quote\":\"a - b\"},"
		      "{\"path\":\"nope.c\",\"line\":1,\"quote\":\"x\"}]}",
		      NULL, 0, NULL) == 0);
	CHECK(oc.answered);
	CHECK_INT(oc.nr_cited, 0);
	CHECK_INT(oc.nr_dropped, 2);
	CHECK_STR(oc.answer_md, "It subtracts.\n\n_tend dropped all 2 "
		  "citations: none matched the files, so nothing above is "
		  "backed by a checked source._\n");
	CHECK(strstr(oc.answer_text, "Sources") == NULL);
	CHECK(strstr(oc.answer_text, "  - nope.c:1: cannot open 'nope.c'") !=
	      NULL);
	actions_ask_outcome_release(&oc);
	/* one, alone */
	REQUIRE(check(&oc, ONE("src/add.c", 5, "a - b"), NULL, 0, NULL) == 0);
	CHECK_STR(oc.answer_md, "It adds.\n\n_tend dropped the citation: "
		  "it did not match the files, so nothing above is backed by "
		  "a checked source._\n");
	actions_ask_outcome_release(&oc);
	/* no citations at all: nothing dropped, no sources */
	REQUIRE(check(&oc, "{\"text\":\"I do not know.\",\"citations\":[]}",
		      NULL, 0, NULL) == 0);
	CHECK_STR(oc.answer_md, "I do not know.\n");
	CHECK_STR(oc.answer_text, "I do not know.\n");
	actions_ask_outcome_release(&oc);
}

void test_ask__links(void)
{
	struct actions_ask_outcome oc;
	static const char two[] =
		"{\"text\":\"t [1] [2]\",\"citations\":["
		"{\"path\":\"src/add.c\",\"line\":3,\"end_line\":5,\"quote\":"
		"\"int add\"},"
		"{\"path\":\"docs/a b.md\",\"line\":1,\"quote\":\"Title\"}]}";

	setup();
	REQUIRE(check(&oc, two, "https://github.com/o/r/blob/abc123/", 0,
		      NULL) == 0);
	CHECK_STR(oc.citations[0].link,
		  "https://github.com/o/r/blob/abc123/src/add.c#L3-L5");
	CHECK_STR(oc.citations[1].link,
		  "https://github.com/o/r/blob/abc123/docs/a%20b.md#L1");
	CHECK(strstr(oc.answer_md, "1. [src/add.c:3-5](https://github.com/o/"
		     "r/blob/abc123/src/add.c#L3-L5): \"int add\"\n") != NULL);
	CHECK(strstr(oc.answer_md, "2. [docs/a b.md:1](https://github.com/o/"
		     "r/blob/abc123/docs/a%20b.md#L1)") != NULL);
	/* the terminal gets places, not links */
	CHECK(strstr(oc.answer_text, "  1. src/add.c:3-5  \"int add\"") !=
	      NULL);
	CHECK(strstr(oc.answer_text, "https://") == NULL);
	actions_ask_outcome_release(&oc);
	REQUIRE(check(&oc, two, "https://gitlab.example/g/p/-/blob/abc123/", 1,
		      NULL) == 0);
	CHECK_STR(oc.citations[0].link,
		  "https://gitlab.example/g/p/-/blob/abc123/src/add.c#L3-5");
	actions_ask_outcome_release(&oc);
}

void test_ask__links_survive_the_mask(void)
{
	struct actions_ask_outcome oc;
	struct review_rules rules;
	struct buf err = BUF_INIT;
	static const char base[] = "https://github.com/o/r/blob/"
		"9fceb02d0ae598e95dc970b74767f19372d61af8/";

	setup();
	review_rules_init(&rules);
	REQUIRE(actions_rules_load(&rules, NULL, NULL, NULL, &err) == 0);
	/* a commit id is not a secret: the link stays whole */
	REQUIRE(check(&oc, ONE("src/add.c", 5, "return a + b;"), base, 0,
		      &rules) == 0);
	CHECK_STR(oc.citations[0].link, "https://github.com/o/r/blob/"
		  "9fceb02d0ae598e95dc970b74767f19372d61af8/src/add.c#L5");
	CHECK(strstr(oc.answer_md, "(https://github.com/o/r/blob/"
		     "9fceb02d0ae598e95dc970b74767f19372d61af8/src/add.c#L5)")
	      != NULL);
	actions_ask_outcome_release(&oc);
	review_rules_release(&rules);
	buf_release(&err);
}

void test_ask__secrets_and_markup(void)
{
	struct actions_ask_outcome oc;
	struct review_rules rules;
	struct buf err = BUF_INIT;
	size_t i;

	setup();
	review_rules_init(&rules);
	REQUIRE(actions_rules_load(&rules, NULL, NULL, NULL, &err) == 0);
	/* the raw secret is not what the model saw: dropped, and masked in
	 * everything the outcome holds */
	REQUIRE(check(&oc, "{\"text\":\"The token is " FAKE_GHP " [1], "
		      "ask @alice <b>now</b> `@bob <i>`. ![x](http://e/p.png)\","
		      "\"citations\":["
		      "{\"path\":\"conf/keys.py\",\"line\":1,\"quote\":"
		      "\"TOKEN = \\\"" FAKE_GHP "\\\"\"},"
		      "{\"path\":\"conf/keys.py\",\"line\":2,\"quote\":"
		      "\"OTHER = 1\"}]}", NULL, 0, &rules) == 0);
	CHECK_INT(oc.nr_dropped, 1);
	CHECK_INT(oc.nr_cited, 1);
	CHECK(strstr(oc.answer_md, FAKE_GHP) == NULL);
	CHECK(strstr(oc.answer_text, FAKE_GHP) == NULL);
	CHECK(strstr(oc.answer_md, "ghp_****") != NULL);
	for (i = 0; i < oc.nr_citations; i++)
		CHECK(strstr(oc.citations[i].quote, FAKE_GHP) == NULL);
	/* no HTML, no mentions in markdown; code is left alone */
	CHECK(strstr(oc.answer_md, "ask @\xe2\x80\x8b" "alice &lt;b>now&lt;/b> "
		     "`@bob <i>`.") != NULL);
	CHECK(strstr(oc.answer_md, " &#33;[x](http://e/p.png)") != NULL);
	CHECK(strstr(oc.answer_text, "ask @alice <b>now</b>") != NULL);
	CHECK(strstr(oc.answer_text, " ![x](http://e/p.png)") != NULL);
	actions_ask_outcome_release(&oc);
	/* the masked form the model read is what stands */
	REQUIRE(check(&oc, ONE("conf/keys.py", 1, "TOKEN ="), NULL, 0,
		      &rules) == 0);
	CHECK_INT(oc.nr_cited, 1);
	actions_ask_outcome_release(&oc);
	/* control characters never reach a terminal */
	REQUIRE(check(&oc, "{\"text\":\"a\\u001b[31mred\",\"citations\":[]}",
		      NULL, 0, NULL) == 0);
	CHECK_STR(oc.answer_text, "a?[31mred\n");
	actions_ask_outcome_release(&oc);
	review_rules_release(&rules);
	buf_release(&err);
}

void test_ask__not_an_answer(void)
{
	struct actions_ask_outcome oc;
	struct actions_ask_opts o = { 0 };
	struct buf err = BUF_INIT;
	static const char bad[] = "{\"text\":\"t\"";
	static const char review[] = "{\"summary\":\"s\",\"comments\":[]}";

	setup();
	o.root = root;
	actions_ask_outcome_init(&oc);
	CHECK_INT(actions_ask_check(&oc, &o, bad, strlen(bad), &err),
		  TEND_EINVALID);
	CHECK(!strncmp(err.ptr, "the answer is not JSON: ", 24));
	CHECK_INT(actions_ask_check(&oc, &o, review, strlen(review), &err),
		  TEND_EINVALID);
	CHECK(!strncmp(err.ptr, "not an answer: ", 15));
	CHECK(!oc.answered && !oc.answer_md);
	o.root = "/nonexistent/tend-ask";
	CHECK(actions_ask_check(&oc, &o, "{\"text\":\"t\",\"citations\":[]}",
				27, &err) < 0);
	CHECK(!oc.answered);
	actions_ask_outcome_release(&oc);
	buf_release(&err);
}

void test_ask__run_input(void)
{
	static const char *const keys[] = {
		"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY",
		"TEND_MODEL"
	};
	struct actions_ask_outcome oc;
	struct actions_ask_opts o = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	char *saved[4];
	size_t i;

	setup();
	config_init(&cfg);
	o.root = root;
	o.cfg = &cfg;
	actions_ask_outcome_init(&oc);
	o.question = " \n\t";
	CHECK_INT(actions_ask_run(&oc, &o, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "no question to answer");
	/* no model: a configuration error saying what to set */
	for (i = 0; i < 4; i++) {
		const char *v = getenv(keys[i]);

		saved[i] = v ? strdup(v) : NULL;
		unsetenv(keys[i]);
	}
	o.question = "what does add() do?";
	CHECK_INT(actions_ask_run(&oc, &o, &err), TEND_EINVALID);
	CHECK(!strncmp(err.ptr, "tend ask needs a model", 22));
	CHECK(!oc.answered && !oc.answer_md);
	for (i = 0; i < 4; i++) {
		if (saved[i])
			setenv(keys[i], saved[i], 1);
		free(saved[i]);
	}
	actions_ask_outcome_release(&oc);
	config_release(&cfg);
	buf_release(&err);
}
