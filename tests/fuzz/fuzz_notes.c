/*
 * fuzz_notes.c - libFuzzer target for the reading of comments already on
 * a pull request (review/publish.c): the fingerprint and rule marker, the
 * summary's state digest, and the publication plan over a list of notes
 * whose bodies and flags come from the input.
 *
 * Input: notes separated by NUL bytes. Each note's first byte holds its
 * flags (bit 0 tend's own, 1 a reply, 2 inline, 3 resolvable, 4 has
 * replies, 5 the plan is for GitLab, 6-7 the fingerprint buffer's size
 * for the marker parse); the rest is its body. The review the plan is
 * made for is fixed: one change to src/a.c and three findings on it, with
 * the fingerprints "fp1", "fp2" and "fp1x" (a prefix of another).
 *
 * Whatever the bytes: the parsers keep within their buffers, the plan
 * places every finding once, takes only tend's own top-level notes for
 * tend's (summary, posted, gone), and nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "forge/backend.h"
#include "review/publish.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_notes_diff[] =
	"diff --git a/src/a.c b/src/a.c\n"
	"--- a/src/a.c\n"
	"+++ b/src/a.c\n"
	"@@ -1,3 +1,6 @@\n"
	" x\n"
	"+y\n"
	"+z\n"
	" w\n"
	"+v\n"
	" u\n";

static struct review_result fuzz_notes_result;

static void fuzz_notes_setup(void)
{
	static const char *const fps[] = { "fp1", "fp2", "fp1x" };
	struct review_result *r = &fuzz_notes_result;
	struct review_finding f;
	struct buf err = BUF_INIT;
	size_t i;

	review_result_init(r);
	if (review_diff_parse(&r->diff, fuzz_notes_diff,
			      strlen(fuzz_notes_diff), "fuzz.diff", &err) < 0)
		abort();
	buf_release(&err);
	for (i = 0; i < 3; i++) {
		memset(&f, 0, sizeof(f));
		f.path = (char *)"src/a.c";
		f.line = (uint32_t)i + 2;
		f.end_line = i == 1 ? 5 : f.line;
		f.severity = i ? REVIEW_SEV_WARNING : REVIEW_SEV_ERROR;
		f.rule_id = (char *)(i == 2 ? "agent/reviewer" : "hygiene/x");
		f.message = (char *)"a finding";
		f.source = (char *)"rules";
		f.suggestion = i == 1 ? (char *)"y2\nz2\nw2\nv2\n" : NULL;
		f.fingerprint = (char *)fps[i];
		review_findings_add(&r->findings, &f);
	}
	r->fail_level = REVIEW_SEV_ERROR;
}

static void fuzz_notes_markers(const char *body, unsigned flags)
{
	static const size_t sizes[] = { 1, 4, 17, 65 };
	size_t size = sizes[(flags >> 6) & 3];
	char fp[65], digest[17];
	char *rule = NULL;

	if (!review_publish_parse_marker(body, fp, size, &rule)) {
		if (!*fp || strlen(fp) >= size || strpbrk(fp, " -"))
			abort();
		if (rule && (!*rule || strchr(rule, '\n')))
			abort();
	} else if (rule) {
		abort();
	}
	free(rule);
	if (!review_publish_parse_digest(body, digest) != !!*digest ||
	    strlen(digest) > 16)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const struct review_result *r = &fuzz_notes_result;
	struct forge_notes notes;
	struct review_plan plan;
	struct review_publish_opts opts;
	struct buf out = BUF_INIT;
	enum forge_kind kind = FORGE_GITHUB;
	size_t i = 0, placed;

	if (!ready) {
		fuzz_notes_setup();
		ready = 1;
	}
	forge_notes_init(&notes);
	while (i < size && notes.nr < 64) {
		const uint8_t *end = memchr(data + i, 0, size - i);
		size_t n = end ? (size_t)(end - (data + i)) : size - i;
		struct forge_note *note;
		unsigned flags;

		if (!n) {
			i++;
			continue;
		}
		flags = data[i];
		note = forge_notes_push(&notes);
		note->id = xasprintf("%zu", notes.nr);
		note->thread = xstrdup(note->id);
		note->body = xstrndup((const char *)data + i + 1, n - 1);
		note->own = flags & 1;
		note->reply = !!(flags & 2);
		note->inline_note = !!(flags & 4);
		note->resolvable = !!(flags & 8);
		note->replies = flags & 16 ? 1 : 0;
		note->path = note->inline_note ? xstrdup("src/a.c") : NULL;
		note->line = note->inline_note ? 3 : 0;
		if (flags & 32)
			kind = FORGE_GITLAB;
		fuzz_notes_markers(note->body, flags);
		i += n + 1;
	}

	memset(&opts, 0, sizeof(opts));
	opts.kind = kind;
	opts.max_comments = 2;
	opts.run_id = "fuzz";
	review_publish_plan(&plan, r, &notes, &opts);
	placed = plan.nr_inlines + plan.nr_posted + plan.nr_summary;
	if (placed != r->findings.nr)
		abort();
	if (plan.summary_note && (!plan.summary_note->own ||
				  plan.summary_note->reply ||
				  plan.summary_note->inline_note ||
				  !strstr(plan.summary_note->body,
					  REVIEW_MARK_SUMMARY)))
		abort();
	if (plan.summary_same && (!plan.summary_note || plan.nr_inlines))
		abort();
	for (i = 0; i < plan.nr_gone; i++)
		if (!plan.gone[i].note->own || plan.gone[i].note->reply ||
		    (plan.gone[i].resolve && (kind != FORGE_GITLAB ||
					      plan.gone[i].note->replies)))
			abort();
	for (i = 0; i < plan.nr_inlines; i++)
		if (!strstr(plan.inlines[i].body, REVIEW_MARK_FP))
			abort();
	if (!strstr(plan.summary, REVIEW_MARK_SUMMARY))
		abort();
	review_plan_describe(&out, &plan, r);
	review_plan_release(&plan);
	forge_notes_release(&notes);
	buf_release(&out);
	return 0;
}
