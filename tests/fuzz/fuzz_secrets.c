/*
 * fuzz_secrets.c - libFuzzer target for the rule engine (review/rules.c)
 * running every built-in pack, the `secrets` pack first among them, over
 * text a change brings in.
 *
 * The input is
 *
 *   byte 0      flags: 1 the path is a minified file ("web/app.min.js"),
 *               else "src/app.py"; 2 append a line of 3,000 bytes that
 *               ends in a planted secret, so that the long-line snippet
 *               window is exercised whatever the rest is
 *   TEXT        the added lines, '\n'-separated
 *
 * Whatever the input, review_rules_scan() must:
 *   - keep every snippet within its 1 KiB cap;
 *   - never show the planted secret whole, nor its second half, in any
 *     snippet or message;
 *   - report the planted secret (it is of a format with a fixed prefix,
 *     on a line of its own kind, and nothing before can hide it);
 *   - leak nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "review/finding.h"
#include "review/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* a made-up GitHub token of the right shape, split so no scanner sees it */
#define FUZZ_SECRETS_TOKEN "ghp_" "Qm7Vx2Lr9TbK4nWz8Hc3Jd6Fp1Ys5Ga0Ue2R"

static struct review_rules fuzz_secrets_rules;
static int fuzz_secrets_ready;

static void fuzz_secrets_setup(void)
{
	struct buf err;

	if (fuzz_secrets_ready)
		return;
	buf_init(&err, 0);
	review_rules_init(&fuzz_secrets_rules);
	FUZZ_CHECK(review_rules_add_builtin(&fuzz_secrets_rules, NULL,
					    &err) == 0);
	buf_release(&err);
	fuzz_secrets_ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tok = FUZZ_SECRETS_TOKEN, *half;
	const char *path;
	struct review_findings out;
	struct buf text;
	size_t i, nr_lines = 1, tlen = strlen(FUZZ_SECRETS_TOKEN);
	int flags, planted = 0, seen = 0, own_half;

	if (!size)
		return 0;
	fuzz_secrets_setup();
	flags = data[0];
	path = (flags & 1) ? "web/app.min.js" : "src/app.py";
	half = tok + tlen / 2;
	/* the input may hold that text itself, outside any secret */
	own_half = memmem(data, size, half, strlen(half)) != NULL;

	buf_init(&text, size + 4096);
	buf_add(&text, (const char *)data + 1, size - 1);
	if (flags & 2) {
		if (text.len && text.ptr[text.len - 1] != '\n')
			buf_putc(&text, '\n');
		for (i = 0; i < 100; i++)
			buf_add(&text, "function f(a){return a*2+1};", 29);
		buf_add(&text, "var gh=\"", 8);
		buf_add(&text, tok, tlen);
		buf_add(&text, "\";", 2);
		planted = 1;
	}
	for (i = 0; i < text.len; i++)
		if (text.ptr[i] == '\n' && i + 1 < text.len)
			nr_lines++;

	review_findings_init(&out);
	review_rules_scan(&fuzz_secrets_rules, path, NULL, text.ptr, text.len,
			  NULL, nr_lines, &out);
	for (i = 0; i < out.nr; i++) {
		const struct review_finding *f = &out.items[i];

		if (f->snippet) {
			FUZZ_CHECK(strlen(f->snippet) <= 1024);
			FUZZ_CHECK(!planted || own_half ||
				   !strstr(f->snippet, half));
		}
		FUZZ_CHECK(!f->message || !strstr(f->message, half));
		if (f->rule_id && !strcmp(f->rule_id, "secrets/github-pat") &&
		    f->line == nr_lines)
			seen = 1;
	}
	/*
	 * The planted line is the last; only a secret rule matching an
	 * overlapping value earlier on that line could take it, and the
	 * filler holds none.
	 */
	if (planted && !memchr(data + 1, '\r', size - 1))
		FUZZ_CHECK(seen || memmem(data + 1, size - 1, "ghp_", 4));
	review_findings_release(&out);
	buf_release(&text);
	return 0;
}
