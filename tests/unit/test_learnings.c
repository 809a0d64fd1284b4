#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/act.h"
#include "actions/learnings.h"
#include "common/error.h"
#include "forge/git.h"
#include "tests/unit/test.h"

static void parse(struct actions_learnings *l, const char *s)
{
	actions_learnings_init(l);
	actions_learnings_parse(l, s, strlen(s));
}

void test_learnings__entries(void)
{
	struct actions_learnings l;

	parse(&l, "# Team learnings\n"
		  "\n"
		  "Prose about the file is not an entry.\n"
		  "- [src/**/*.c, include/*.h] Buffers are sized by the "
		  "caller\n"
		  "  and never grow. (from @alice)\n"
		  "* Error messages name the file\r\n"
		  "+ [docs]   Say it in British English\n"
		  "- [the manual](https://x/y) is a link, not a scope\n"
		  "    - indented deeper: not a new entry at this depth\n");
	CHECK_INT(l.nr, 4);
	CHECK_INT(l.nr_notes, 0);
	CHECK_INT(l.items[0].id, 1);
	CHECK_INT(l.items[0].line, 4);
	CHECK_INT(l.items[0].nr_globs, 2);
	CHECK_STR(l.items[0].globs[0], "src/**/*.c");
	CHECK_STR(l.items[0].globs[1], "include/*.h");
	CHECK_STR(l.items[0].text, "Buffers are sized by the caller and never "
		  "grow. (from @alice)");
	CHECK_INT(l.items[1].nr_globs, 0);
	CHECK_STR(l.items[1].text, "Error messages name the file");
	CHECK_INT(l.items[2].nr_globs, 1);
	CHECK_STR(l.items[2].globs[0], "docs");
	CHECK_STR(l.items[2].text, "Say it in British English");
	CHECK_INT(l.items[3].nr_globs, 0);
	CHECK_STR(l.items[3].text, "[the manual](https://x/y) is a link, not "
		  "a scope - indented deeper: not a new entry at this depth");
	actions_learnings_release(&l);
}

void test_learnings__bad_lines_are_notes(void)
{
	struct actions_learnings l;

	parse(&l, "- [src/*.c unclosed scope\n"
		  "- [] empty scope\n"
		  "- [../etc/*] climbs out\n"
		  "- [a b c d e f g h i] too many globs\n"
		  "- [src/*.c]\n"
		  "- fine\n"
		  "```\n- inside a fence\n```\n"
		  "<!-- a comment\n- inside a comment\n-->\n"
		  "<!-- one line --> - not an entry\n"
		  "- also fine\n");
	CHECK_INT(l.nr, 2);
	CHECK_STR(l.items[0].text, "fine");
	CHECK_INT(l.items[0].id, 1);
	CHECK_INT(l.items[1].id, 2);
	CHECK_STR(l.items[1].text, "also fine");
	CHECK_INT(l.nr_notes, 5);
	CHECK(l.nr_notes == 5 && strstr(l.notes[0], "line 1: a scope"));
	CHECK(l.nr_notes == 5 && strstr(l.notes[1], "line 2: an empty"));
	CHECK(l.nr_notes == 5 && strstr(l.notes[2], "\"..\""));
	CHECK(l.nr_notes == 5 && strstr(l.notes[3], "more than 8"));
	CHECK(l.nr_notes == 5 && strstr(l.notes[4], "line 5: an entry "
					"without text"));
	actions_learnings_release(&l);

	/* Nothing at all, and no final newline. */
	parse(&l, "");
	CHECK_INT(l.nr, 0);
	actions_learnings_release(&l);
	parse(&l, "- last");
	CHECK_INT(l.nr, 1);
	actions_learnings_release(&l);
}

void test_learnings__long_entry_is_cut(void)
{
	struct actions_learnings l;
	char *s = malloc(5000);

	memcpy(s, "- ", 2);
	memset(s + 2, 'x', 4000);
	s[4002] = '\0';
	parse(&l, s);
	CHECK_INT(l.nr, 1);
	CHECK_INT(strlen(l.items[0].text), 2 * ACTIONS_LEARNINGS_TEXT_MAX);
	CHECK_INT(l.nr_notes, 1);
	actions_learnings_release(&l);
	free(s);
}

void test_learnings__select_most_specific_first(void)
{
	struct actions_learnings l;
	const char *paths[] = { "src/net/buf.c", "README.md" };
	const char *other[] = { "lib/x.py" };
	size_t *sel = NULL, nr = 0, left = 0;

	parse(&l, "- everywhere\n"
		  "- [src/**] anything under src\n"
		  "- [src/net/*.c] the network code\n"
		  "- [*.py] python\n");
	actions_learnings_select(&sel, &nr, &left, &l, paths, 2, 0);
	CHECK_INT(nr, 3);
	CHECK_INT(left, 0);
	CHECK(nr == 3 && sel[0] == 2 && sel[1] == 1 && sel[2] == 0);
	free(sel);

	actions_learnings_select(&sel, &nr, &left, &l, other, 1, 0);
	CHECK_INT(nr, 2);
	CHECK(nr == 2 && sel[0] == 3 && sel[1] == 0);
	free(sel);

	/* No paths: the unscoped ones only. */
	actions_learnings_select(&sel, &nr, &left, &l, NULL, 0, 0);
	CHECK_INT(nr, 1);
	CHECK(nr == 1 && sel[0] == 0);
	free(sel);

	/* A cap that holds one line: the most specific, the rest counted. */
	actions_learnings_select(&sel, &nr, &left, &l, paths, 2, 40);
	CHECK_INT(nr, 1);
	CHECK_INT(left, 2);
	CHECK(nr == 1 && sel[0] == 2);
	free(sel);
	actions_learnings_release(&l);
}

void test_learnings__prompt_and_account(void)
{
	struct actions_learnings l;
	const char *paths[] = { "src/a.c" };
	struct buf p = BUF_INIT, a = BUF_INIT;
	size_t *sel = NULL, nr = 0, left = 0;

	parse(&l, "- [src/*.c] Sized by the caller <!-- hidden -->\n"
		  "- [docs/*] Not for C\n"
		  "- Name the file\n");
	actions_learnings_select(&sel, &nr, &left, &l, paths, 1, 0);
	actions_learnings_prompt(&p, &l, sel, nr, left, NULL);
	actions_learnings_account(&a, sel, nr, left, &l);
	CHECK(strstr(p.ptr, "Team learnings (written by the repository's "
		     "maintainers") != NULL);
	CHECK(strstr(p.ptr, "<untrusted-data source=\"team-learnings\">")
	      != NULL);
	CHECK(strstr(p.ptr, "- L1 [src/*.c]: Sized by the caller") != NULL);
	CHECK(strstr(p.ptr, "- L3: Name the file") != NULL);
	CHECK(strstr(p.ptr, "Not for C") == NULL);
	CHECK(strstr(p.ptr, "hidden") == NULL);
	CHECK_STR(a.ptr, "Team learnings supplied: L1, L3 "
		  "(.tend/learnings.md).\n");
	free(sel);
	buf_release(&p);
	buf_release(&a);

	/* None applies: nothing at all. */
	actions_learnings_prompt(&p, &l, NULL, 0, 0, NULL);
	actions_learnings_account(&a, NULL, 0, 0, &l);
	CHECK_INT(p.len, 0);
	CHECK_INT(a.len, 0);
	actions_learnings_release(&l);
}

void test_learnings__remember_arguments(void)
{
	struct buf err = BUF_INIT;
	char **globs = NULL, *text = NULL;
	size_t nr = 0;

	CHECK_INT(actions_learnings_parse_remember(&globs, &nr, &text,
						   "[src/*.c, lib] Sized by "
						   "the caller", &err), 0);
	CHECK_INT(nr, 2);
	CHECK(nr == 2 && !strcmp(globs[0], "src/*.c") &&
	      !strcmp(globs[1], "lib"));
	CHECK_STR(text, "Sized by the caller");
	actions_act_strv_free(globs, nr);
	free(text);

	CHECK_INT(actions_learnings_parse_remember(&globs, &nr, &text,
						   "plain words", &err), 0);
	CHECK_INT(nr, 0);
	CHECK_STR(text, "plain words");
	free(text);

	CHECK_INT(actions_learnings_parse_remember(&globs, &nr, &text,
						   "[src/*.c]", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "nothing to remember") != NULL);
	buf_reset(&err);
	CHECK_INT(actions_learnings_parse_remember(&globs, &nr, &text,
						   "[src text", &err),
		  TEND_EINVALID);
	buf_reset(&err);
	CHECK_INT(actions_learnings_parse_remember(&globs, &nr, &text,
						   "[../x] text", &err),
		  TEND_EINVALID);
	CHECK(globs == NULL && text == NULL);
	buf_release(&err);
}

void test_learnings__entry_round_trips(void)
{
	struct actions_learnings l;
	const char *globs[] = { "src/**/*.c" };
	const char *t = "Buffers\nare sized\r\nby the caller <!-- ignore "
			"the rest -->";
	char *e, *big;

	e = actions_learnings_entry(globs, 1, t, strlen(t), "alice",
				    "https://h/o/r/pull/12#c1", NULL);
	CHECK_STR(e, "- [src/**/*.c] Buffers are sized by the caller "
		  "&lt;!-- ignore the rest --&gt; (from @alice in "
		  "https://h/o/r/pull/12#c1)\n");
	parse(&l, e);
	CHECK_INT(l.nr, 1);
	CHECK(l.nr == 1 && l.items[0].nr_globs == 1 &&
	      !strcmp(l.items[0].globs[0], "src/**/*.c"));
	actions_learnings_release(&l);
	free(e);

	/* Unscoped text opening with '[' is not taken for a scope. */
	e = actions_learnings_entry(NULL, 0, "[x] marks it", 12, "b@d login",
				    "bad link (x)", NULL);
	CHECK_STR(e, "- \\[x] marks it (from @bdlogin)\n");
	parse(&l, e);
	CHECK(l.nr == 1 && l.items[0].nr_globs == 0 &&
	      !strcmp(l.items[0].text, "[x] marks it (from @bdlogin)"));
	actions_learnings_release(&l);
	free(e);

	/* Bounded: cut on a character boundary, one line. */
	big = malloc(3000);
	memset(big, 'y', 3000);
	memcpy(big + ACTIONS_LEARNINGS_TEXT_MAX - 1, "\xc3\xa9", 2);
	e = actions_learnings_entry(NULL, 0, big, 3000, "a", NULL, NULL);
	CHECK(strlen(e) < ACTIONS_LEARNINGS_TEXT_MAX + 40);
	CHECK(strchr(e, '\n') == e + strlen(e) - 1);
	CHECK(strstr(e, "y\xe2\x80\xa6 (from @a)") != NULL);
	free(e);
	free(big);
}

void test_learnings__diff_paths(void)
{
	size_t nr = 0;
	char **v = actions_learnings_diff_paths(
		"diff --git a/src/a.c b/src/a.c\n"
		"--- a/src/a.c\n+++ b/src/a.c\n@@ -1 +1 @@\n-x\n+y\n"
		"diff --git a/old.h b/old.h\n"
		"--- a/old.h\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n"
		"--- /dev/null\r\n+++ b/new.py\r\n", &nr);

	CHECK_INT(nr, 3);
	CHECK(nr == 3 && !strcmp(v[0], "src/a.c") && !strcmp(v[1], "old.h") &&
	      !strcmp(v[2], "new.py"));
	actions_act_strv_free(v, nr);
	CHECK(actions_learnings_diff_paths(NULL, &nr) == NULL && nr == 0);
}

void test_learnings__load_from_the_trusted_source(void)
{
	char dir[512];
	struct actions_trust t;
	struct actions_learnings l;
	struct buf err = BUF_INIT;
	git_repository *repo = NULL;
	git_oid base;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	/* The base has one learning; the work tree (a head) another. */
	REQUIRE(test_sh("cd '%s' && git init -q -b main . && mkdir .tend && "
			"printf -- '- from the base\\n' > .tend/learnings.md "
			"&& git add . && git commit -qm base && "
			"printf -- '- from the head\\n' > .tend/learnings.md",
			dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);

	actions_trust_init(&t, dir);
	actions_learnings_init(&l);
	actions_learnings_load(&l, &t);
	CHECK(l.nr == 1 && !strcmp(l.items[0].text, "from the head"));
	actions_learnings_release(&l);

	actions_trust_set_base(&t, repo, &base);
	actions_learnings_load(&l, &t);
	CHECK(l.nr == 1 && !strcmp(l.items[0].text, "from the base"));
	actions_learnings_release(&l);
	actions_trust_release(&t);

	/* No file, and a link where the file would be: no learnings. */
	REQUIRE(test_sh("cd '%s' && rm .tend/learnings.md", dir) == 0);
	actions_trust_init(&t, dir);
	actions_learnings_load(&l, &t);
	CHECK_INT(l.nr, 0);
	REQUIRE(test_sh("cd '%s' && printf -- '- secret\\n' > s && "
			"ln -s ../s .tend/learnings.md", dir) == 0);
	actions_learnings_load(&l, &t);
	CHECK_INT(l.nr, 0);
	actions_learnings_release(&l);
	actions_trust_release(&t);
	git_repository_free(repo);
	buf_release(&err);
}
