/*
 * fuzz_ask.c - libFuzzer target for the check of the ask agent's
 * citations (actions_ask_check() in actions/ask.c): an answer's JSON is
 * the model's, and a question from anyone steers the model.
 *
 * LLVMFuzzerInitialize() builds a tiny tree in a temporary directory: a
 * few source files (one holding a "secret" the built-in rules mask), a
 * .git directory, and symlinks in, out and into .git; outside the root
 * and in .git lie canaries ("QZX-..."). The first input byte picks the
 * options (links, GitLab fragments, the secrets mask); the rest is the
 * answer as JSON text. Whatever it holds:
 *   - the call succeeds or fails with TEND_EINVALID, and a failure
 *     leaves the outcome untouched;
 *   - a success fills both texts, accounts for every citation (kept +
 *     dropped = all, at most 20), numbers the kept ones 1, 2, ... in
 *     order with no reason, gives every dropped one a reason, and links
 *     only kept ones (and only with a link base);
 *   - a kept citation names a file inside the root, never .git, never
 *     through ".." or an absolute path, with a range of at most 51 lines
 *     and a quote of at most 500 bytes;
 *   - no text holds a canary or the whole secret unless the input
 *     itself does (file text is never shown, only quotes checked
 *     against it);
 *   - the terminal text holds no control character but '\n' and '\t'.
 * Searches are byte loops, not memmem(), so libFuzzer's interceptors
 * cannot feed the canaries to the mutator.
 */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/ask.h"
#include "actions/rules.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/log.h"
#include "review/rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define FUZZ_ASK_SECRET "ghp_" "k9Qz2Lm4Xv7Bn1Rt8Wy3Hc6Jd5Fp0Ga2Se4U"

static char fuzz_ask_top[4096];		/* the temporary directory */
static char fuzz_ask_root[4096];	/* the tree in it */
static struct review_rules fuzz_ask_rules;

/* Does s[0..n) contain w? A byte loop, not intercepted. */
static int fuzz_ask_has(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w), i, k;

	if (!s || m > n)
		return 0;
	for (i = 0; i + m <= n; i++) {
		for (k = 0; k < m && s[i + k] == w[k]; k++)
			;
		if (k == m)
			return 1;
	}
	return 0;
}

static void fuzz_ask_put(const char *rel, const char *text)
{
	char path[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_ask_top, rel);
	f = fopen(path, "w");
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fputs(text, f) >= 0);
	FUZZ_CHECK(fclose(f) == 0);
}

static void fuzz_ask_dir(const char *rel)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", fuzz_ask_top, rel);
	FUZZ_CHECK(mkdir(path, 0700) == 0);
}

static void fuzz_ask_link(const char *target, const char *rel)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", fuzz_ask_top, rel);
	FUZZ_CHECK(symlink(target, path) == 0);
}

static int fuzz_ask_rm(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void fuzz_ask_cleanup(void)
{
	if (fuzz_ask_top[0])
		nftw(fuzz_ask_top, fuzz_ask_rm, 16, FTW_DEPTH | FTW_PHYS);
	review_rules_release(&fuzz_ask_rules);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct buf err = BUF_INIT;
	int n;

	(void)argc;
	(void)argv;
	n = snprintf(fuzz_ask_top, sizeof(fuzz_ask_top),
		     "%s/tend-fuzz-ask.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(fuzz_ask_top));
	FUZZ_CHECK(mkdtemp(fuzz_ask_top));
	atexit(fuzz_ask_cleanup);
	n = snprintf(fuzz_ask_root, sizeof(fuzz_ask_root), "%s/repo",
		     fuzz_ask_top);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(fuzz_ask_root));

	fuzz_ask_put("outside.txt", "QZX-OUTSIDE\n");
	fuzz_ask_dir("repo");
	fuzz_ask_dir("repo/.git");
	fuzz_ask_put("repo/.git/config", "[core] QZX-GIT\n");
	fuzz_ask_dir("repo/src");
	fuzz_ask_put("repo/src/a.c", "int add(int a, int b)\n{\n"
		     "\treturn a + b;\n}\n");
	fuzz_ask_put("repo/src/b.py", "def f():\r\n    return [1][0]\r\n");
	fuzz_ask_put("repo/keys.txt", "token = \"" FUZZ_ASK_SECRET "\"\n");
	fuzz_ask_put("repo/README", "# a [1] `b` <c> @d\n");
	fuzz_ask_link("../outside.txt", "repo/out");
	fuzz_ask_link("src/a.c", "repo/in");
	fuzz_ask_link(".git/config", "repo/cfg");
	fuzz_ask_link("src", "repo/dir");

	/* each dropped citation is logged; a million runs need not be */
	log_set_level(LOG_WARN);
	review_rules_init(&fuzz_ask_rules);
	FUZZ_CHECK(actions_rules_load(&fuzz_ask_rules, NULL, NULL, NULL,
				      &err) == 0);
	buf_release(&err);
	return 0;
}

/* A kept citation's path: relative, no "..", no .git component. */
static void fuzz_ask_path_ok(const char *p)
{
	const char *c = p;

	FUZZ_CHECK(*p && *p != '/');
	while (*c) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		FUZZ_CHECK(!(n == 2 && !memcmp(c, "..", 2)));
		FUZZ_CHECK(!(n == 4 && !memcmp(c, ".git", 4)));
		c += n + (end ? 1 : 0);
	}
	FUZZ_CHECK(strcmp(p, "out") && strcmp(p, "cfg"));
}

/* `s` holds nothing the input did not bring. */
static void fuzz_ask_clean_text(const char *s, const char *input,
				size_t size, int masked)
{
	FUZZ_CHECK(s != NULL);
	if (!fuzz_ask_has(input, size, "QZX-"))
		FUZZ_CHECK(!fuzz_ask_has(s, strlen(s), "QZX-"));
	if (masked && !fuzz_ask_has(input, size, FUZZ_ASK_SECRET))
		FUZZ_CHECK(!fuzz_ask_has(s, strlen(s), FUZZ_ASK_SECRET));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct actions_ask_opts o = { 0 };
	struct actions_ask_outcome oc;
	struct buf err = BUF_INIT;
	const char *json = (const char *)data + 1;
	size_t len, i;
	long next = 1;
	int rc, masked;
	const char *p;

	if (size < 1)
		return 0;
	len = size - 1;
	o.root = fuzz_ask_root;
	o.link_base = data[0] & 1 ? "https://forge.test/o/r/blob/abc/" : NULL;
	o.gitlab_links = (data[0] & 2) != 0;
	masked = (data[0] & 4) != 0;
	o.rules = masked ? &fuzz_ask_rules : NULL;

	actions_ask_outcome_init(&oc);
	rc = actions_ask_check(&oc, &o, json, len, &err);
	if (rc < 0) {
		FUZZ_CHECK(rc == TEND_EINVALID);
		FUZZ_CHECK(err.len > 0);
		FUZZ_CHECK(!oc.answered && !oc.answer_md && !oc.answer_text &&
			   !oc.nr_citations);
		goto out;
	}
	FUZZ_CHECK(rc == 0 && oc.answered);
	FUZZ_CHECK(oc.nr_citations <= 20);
	FUZZ_CHECK(oc.nr_cited + oc.nr_dropped == oc.nr_citations);
	fuzz_ask_clean_text(oc.answer_md, json, len, masked);
	fuzz_ask_clean_text(oc.answer_text, json, len, masked);
	for (p = oc.answer_text; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\n' ||
			   *p == '\t');
	for (i = 0; i < oc.nr_citations; i++) {
		const struct actions_ask_citation *c = &oc.citations[i];

		FUZZ_CHECK(c->path && c->quote);
		fuzz_ask_clean_text(c->quote, json, len, masked);
		if (!c->number) {
			FUZZ_CHECK(c->dropped && *c->dropped);
			FUZZ_CHECK(!c->link);
			continue;
		}
		FUZZ_CHECK(c->number == next++);
		FUZZ_CHECK(!c->dropped);
		FUZZ_CHECK(!c->link == !o.link_base);
		fuzz_ask_path_ok(c->path);
		FUZZ_CHECK(c->line >= 1 && c->end_line >= c->line &&
			   c->end_line - c->line <= 50);
		FUZZ_CHECK(strlen(c->quote) <= 500);
	}
	FUZZ_CHECK((size_t)(next - 1) == oc.nr_cited);
out:
	actions_ask_outcome_release(&oc);
	buf_release(&err);
	return 0;
}
