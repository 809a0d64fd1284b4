/*
 * test_publish.c - the publication plan (review/publish.c) over notes
 * already on a PR: tend's own notes decide what is posted again, the
 * summary to edit and whether anything changed; anyone else's copy of
 * tend's markers decides nothing.
 *
 * The review: one change to src/a.c (line 2 added) and one error finding
 * on that line, fingerprint "fp1", which is inline unless a note of
 * tend's already carries it.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "forge/backend.h"
#include "review/publish.h"
#include "tests/unit/test.h"

static const char pub_diff[] =
	"diff --git a/src/a.c b/src/a.c\n"
	"--- a/src/a.c\n"
	"+++ b/src/a.c\n"
	"@@ -1,2 +1,3 @@\n"
	" x\n"
	"+y\n"
	" z\n";

static int pub_result(struct review_result *r)
{
	struct review_finding f;
	struct buf err = BUF_INIT;
	int rc;

	review_result_init(r);
	rc = review_diff_parse(&r->diff, pub_diff, strlen(pub_diff), "a.diff",
			       &err);
	buf_release(&err);
	if (rc < 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.path = (char *)"src/a.c";
	f.line = f.end_line = 2;
	f.severity = REVIEW_SEV_ERROR;
	f.rule_id = (char *)"hygiene/x";
	f.message = (char *)"a finding";
	f.source = (char *)"rules";
	f.fingerprint = (char *)"fp1";
	review_findings_add(&r->findings, &f);
	r->fail_level = REVIEW_SEV_ERROR;
	return 0;
}

static struct forge_note *pub_note(struct forge_notes *nl, const char *body,
				   const char *author, int own)
{
	struct forge_note *n = forge_notes_push(nl);

	n->id = xasprintf("%zu", nl->nr);
	n->thread = xstrdup(n->id);
	n->author = xstrdup(author);
	n->author_id = xstrdup(own ? "41898282" : "666");
	n->body = xstrdup(body);
	n->own = own;
	return n;
}

static void pub_plan(struct review_plan *plan, const struct review_result *r,
		     const struct forge_notes *nl, enum forge_kind kind,
		     long max_comments)
{
	struct review_publish_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.max_comments = max_comments;
	o.run_id = "run1";
	review_publish_plan(plan, r, nl, &o);
}

/* A copy of the finding's marker by someone else does not hide it. */
void test_publish__foreign_fp_marker(void)
{
	struct review_result r;
	struct review_plan plan;
	struct forge_notes nl;
	char *marker;

	REQUIRE(pub_result(&r) == 0);
	forge_notes_init(&nl);
	pub_plan(&plan, &r, &nl, FORGE_GITHUB, 25);
	REQUIRE(plan.nr_inlines == 1);
	marker = xstrdup(strstr(plan.inlines[0].body, REVIEW_MARK_FP));
	review_plan_release(&plan);

	pub_note(&nl, marker, "mallory", 0);
	pub_note(&nl, "<!-- tend:fp=fp9 rule=hygiene/y -->", "mallory", 0);
	pub_plan(&plan, &r, &nl, FORGE_GITHUB, 25);
	CHECK_INT(plan.place[0], REVIEW_PLACE_INLINE);
	CHECK_INT(plan.nr_inlines, 1);
	CHECK_INT(plan.nr_posted, 0);
	CHECK_INT(plan.nr_gone, 0);
	CHECK(strstr(plan.summary, "No longer found") == NULL);
	review_plan_release(&plan);

	/* The same marker in tend's own comment: already posted. */
	pub_note(&nl, marker, "github-actions[bot]", 1);
	pub_plan(&plan, &r, &nl, FORGE_GITHUB, 25);
	CHECK_INT(plan.place[0], REVIEW_PLACE_POSTED);
	CHECK_INT(plan.nr_inlines, 0);
	CHECK_INT(plan.nr_posted, 1);
	review_plan_release(&plan);
	free(marker);
	forge_notes_release(&nl);
	review_result_release(&r);
}

/* A copied summary with a matching digest does not stop the summary. */
void test_publish__foreign_summary(void)
{
	struct review_result r;
	struct review_plan plan;
	struct forge_notes nl;
	char digest[17], copy[17];
	char *summary;

	REQUIRE(pub_result(&r) == 0);
	forge_notes_init(&nl);
	/* max_comments 0: nothing inline, so an equal digest means "same". */
	pub_plan(&plan, &r, &nl, FORGE_GITHUB, 0);
	REQUIRE(plan.nr_inlines == 0);
	summary = xstrdup(plan.summary);
	review_plan_release(&plan);
	REQUIRE(review_publish_parse_digest(summary, digest) == 0);
	CHECK_INT(strlen(digest), 16);

	pub_note(&nl, summary, "mallory", 0);
	pub_plan(&plan, &r, &nl, FORGE_GITHUB, 0);
	CHECK(plan.summary_note == NULL);
	CHECK_INT(plan.summary_same, 0);
	CHECK(review_publish_parse_digest(plan.summary, copy) == 0 &&
	      !strcmp(copy, digest));
	review_plan_release(&plan);

	/* tend's own summary after it: that one is edited, and is the same. */
	pub_note(&nl, summary, "github-actions[bot]", 1);
	pub_plan(&plan, &r, &nl, FORGE_GITHUB, 0);
	REQUIRE(plan.summary_note != NULL);
	CHECK_STR(plan.summary_note->id, "2");
	CHECK_INT(plan.summary_same, 1);
	review_plan_release(&plan);
	free(summary);
	forge_notes_release(&nl);
	review_result_release(&r);
}

/* A stranger's thread with a bogus marker is never resolved by tend. */
void test_publish__foreign_gone(void)
{
	struct review_result r;
	struct review_plan plan;
	struct forge_notes nl;
	struct forge_note *n;

	REQUIRE(pub_result(&r) == 0);
	forge_notes_init(&nl);
	n = pub_note(&nl, "<!-- tend:fp=gone1 rule=hygiene/y -->", "mallory",
		     0);
	n->resolvable = n->inline_note = 1;
	n->path = xstrdup("src/a.c");
	n->line = 1;
	pub_plan(&plan, &r, &nl, FORGE_GITLAB, 25);
	CHECK_INT(plan.nr_gone, 0);
	review_plan_release(&plan);

	/* tend's own: listed and resolved; with a reply: listed, left open. */
	n = pub_note(&nl, "<!-- tend:fp=gone2 rule=hygiene/y -->", "tend-bot",
		     1);
	n->resolvable = n->inline_note = 1;
	n->path = xstrdup("src/a.c");
	n->line = 1;
	n = pub_note(&nl, "<!-- tend:fp=gone3 rule=hygiene/z -->", "tend-bot",
		     1);
	n->resolvable = n->inline_note = 1;
	n->path = xstrdup("src/a.c");
	n->line = 3;
	n->replies = 1;
	pub_plan(&plan, &r, &nl, FORGE_GITLAB, 25);
	REQUIRE(plan.nr_gone == 2);
	CHECK_STR(plan.gone[0].note->id, "2");
	CHECK_INT(plan.gone[0].resolve, 1);
	CHECK_STR(plan.gone[0].rule, "hygiene/y");
	CHECK_INT(plan.gone[1].resolve, 0);
	CHECK(strstr(plan.summary, "left open for the people discussing it"));
	review_plan_release(&plan);
	forge_notes_release(&nl);
	review_result_release(&r);
}

void test_publish__parse_markers(void)
{
	char fp[65], digest[17];
	char *rule = NULL;

	CHECK_INT(review_publish_parse_marker("x <!-- tend:fp=abc rule=r/1 -->",
					      fp, sizeof(fp), &rule), 0);
	CHECK_STR(fp, "abc");
	CHECK_STR(rule, "r/1");
	free(rule);
	CHECK_INT(review_publish_parse_marker("<!-- tend:fp=-->", fp,
					      sizeof(fp), &rule), -1);
	CHECK(rule == NULL);
	CHECK_INT(review_publish_parse_marker(NULL, fp, sizeof(fp), NULL), -1);
	CHECK_INT(review_publish_parse_marker("<!-- tend:fp=abcdef", fp, 4,
					      NULL), 0);
	CHECK_STR(fp, "abc");
	CHECK_INT(review_publish_parse_digest("<!-- tend:state digest="
					      "0123456789abcdef99 -->",
					      digest), 0);
	CHECK_STR(digest, "0123456789abcdef");
	CHECK_INT(review_publish_parse_digest("<!-- tend:state digest= -->",
					      digest), -1);
	CHECK_STR(digest, "");
	CHECK_INT(review_publish_parse_digest("digest=1", digest), -1);
}
