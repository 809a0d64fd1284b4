#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/outcomes.h"
#include "common/xalloc.h"
#include "forge/backend.h"
#include "review/publish.h"
#include "tests/unit/test.h"

static struct forge_note *note(struct forge_notes *ns, const char *id,
			       const char *thread, const char *author,
			       int own, const char *body)
{
	struct forge_note *n = forge_notes_push(ns);

	n->id = xstrdup(id);
	n->thread = xstrdup(thread);
	n->author = xstrdup(author);
	n->own = own;
	n->body = xstrdup(body);
	n->inline_note = 1;
	n->thumbs_down = 0;
	n->created_at = xstrdup("2026-12-01T10:00:30Z");
	return n;
}

/* Writers: alice; everyone else cannot write. */
static int writer(const char *login, const char *id, void *data,
		  struct buf *err)
{
	(void)id;
	(void)err;
	(*(int *)data)++;
	return !strcmp(login, "alice");
}

static const struct actions_output *find(const struct actions_outcomes *o,
					 const char *key)
{
	size_t i;

	for (i = 0; i < o->nr; i++)
		if (!strcmp(o->items[i].key, key))
			return &o->items[i];
	return NULL;
}

#define FP(x) "ok\n\n<!-- tend:fp=" x " rule=hygiene/todo -->"

/* u.c is the same at "old" and at the head; v.c changed at line 10. */
static int versions(const char *path, const char *ref, const char **text,
		    size_t *len, void *data, struct buf *err)
{
	static const char same[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n";
	static const char now[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\nten\n11\n";

	(void)data;
	(void)err;
	if (strcmp(path, "u.c") && strcmp(path, "v.c"))
		return 1;
	*text = !ref || !strcmp(path, "u.c") ? (!strcmp(path, "u.c") ?
						same : now) : same;
	*len = strlen(*text);
	return 0;
}

void test_outcomes__classify(void)
{
	struct forge_notes ns;
	struct forge_commit_briefs cs;
	struct forge_pr_brief pr = { 0 };
	struct actions_outcomes o;
	struct actions_outcomes_pr_input in = { 0 };
	struct forge_note *n;
	const struct actions_output *x;
	struct buf err = BUF_INIT;
	struct forge_commit_brief *c;
	int asked = 0;

	forge_notes_init(&ns);
	forge_commit_briefs_init(&cs);
	actions_outcomes_init(&o);
	pr.number = 7;
	pr.state = (char *)"merged";
	pr.updated_at = (char *)"2026-12-02T00:00:00Z";
	/* the summary: started 30 s before the first comment, gone: aaa */
	n = note(&ns, "1", "1", "tend", 1, "<!-- tend:summary -->\n...\n"
		 "<!-- tend:state digest=0123456789abcdef run=r start=5 "
		 "first=1796119200 cost=0.010000 total=~0.030000 "
		 "gone=aaa,ccc -->\n");
	n->inline_note = 0;
	note(&ns, "2", "2", "tend", 1, FP("aaa"));	/* gone: accepted */
	n = note(&ns, "3", "3", "tend", 1, FP("bbb"));	/* 👎 */
	n->thumbs_down = 2;
	n = note(&ns, "4", "4", "tend", 1, FP("ccc"));	/* gone, but ... */
	n->replies = 2;
	/* ... a writer disagrees; an outsider's word does not count */
	n = note(&ns, "5", "4", "alice", 0, "false positive: fixture");
	n->reply = 1;
	n = note(&ns, "6", "4", "mallory", 0, "thanks!");
	n->reply = 1;
	/* resolved by bob: line 2 of u.c did not change, line 9 of v.c did */
	n = note(&ns, "7", "7", "tend", 1, FP("ddd"));
	n->resolved = 1;
	n->resolved_by = xstrdup("bob");
	n->path = xstrdup("u.c");
	n->commit = xstrdup("old");
	n->line = 2;
	n = note(&ns, "8", "8", "tend", 1,
		 "x\n<!-- tend:fp=eee agent=reviewer model=openai/gpt-4.1 "
		 "rule=agent/reviewer -->");
	n->resolved = 1;
	n->resolved_by = xstrdup("bob");
	n->path = xstrdup("v.c");
	n->commit = xstrdup("old");
	n->line = 9;
	/* resolved, but nothing to compare: not known */
	n = note(&ns, "10", "10", "tend", 1, FP("ggg"));
	n->resolved = 1;
	n->resolved_by = xstrdup("bob");
	/* someone else's copy of a marker is not tend's */
	note(&ns, "9", "9", "mallory", 0, FP("fff"));
	c = forge_commit_briefs_push(&cs);
	c->sha = xstrdup("1111111111111111111111111111111111111111");
	c->message = xstrdup("fix: x\n\nTend-Run: r1\n");
	c = forge_commit_briefs_push(&cs);
	c->sha = xstrdup("2222222222222222222222222222222222222222");
	c->message = xstrdup("fix: y\n\nTend-Run: r2\n");
	c = forge_commit_briefs_push(&cs);
	c->sha = xstrdup("3333333333333333333333333333333333333333");
	c->message = xstrdup("Revert \"fix: y\"\n\nThis reverts commit "
			     "2222222222222222222222222222222222222222.\n");
	c = forge_commit_briefs_push(&cs);
	c->sha = xstrdup("4444444444444444444444444444444444444444");
	c->message = xstrdup("task\n\nTend-Run: r3\nTend-Issue: 4\n");

	in.pr = &pr;
	in.notes = &ns;
	in.commits = &cs;
	in.writer = writer;
	in.writer_data = &asked;
	in.file_at = versions;
	REQUIRE(actions_outcomes_classify_pr(&o, &in, &err) == 0);
	CHECK_INT(o.nr_prs, 1);
	CHECK(o.prs[0].cost_usd > 0.0299 && o.prs[0].cost_usd < 0.0301);
	CHECK_INT(o.prs[0].cost_unknown, 1);
	CHECK_INT(o.prs[0].latency_s, 30);
	REQUIRE((x = find(&o, "c:7:2")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_ACCEPTED);
	CHECK_STR(x->pack, "hygiene");
	CHECK_STR(x->agent, "static");
	REQUIRE((x = find(&o, "c:7:3")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_REJECTED);
	CHECK_STR(x->why, "2 thumbs-down");
	REQUIRE((x = find(&o, "c:7:4")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_REJECTED);
	CHECK_STR(x->why, "replied disagreeing by @alice: \"false positive: "
		  "fixture\"");
	REQUIRE((x = find(&o, "c:7:7")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_REJECTED);
	CHECK_STR(x->why, "resolved by @bob without a change");
	REQUIRE((x = find(&o, "c:7:8")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_ACCEPTED);
	CHECK_STR(x->why, "resolved by @bob after a change");
	CHECK_STR(x->agent, "reviewer");
	CHECK_STR(x->model, "openai/gpt-4.1");
	CHECK_STR(x->rule, "agent/reviewer");
	REQUIRE((x = find(&o, "c:7:10")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_OPEN);
	CHECK(!find(&o, "c:7:9"));
	CHECK(!find(&o, "c:7:1"));
	/* alice and mallory each asked once, only for verdicts */
	CHECK_INT(asked, 2);
	REQUIRE((x = find(&o, "f:7:1111111111111111111111111111111111111111")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_ACCEPTED);
	REQUIRE((x = find(&o, "f:7:2222222222222222222222222222222222222222")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_REJECTED);
	CHECK_STR(x->why, "reverted by 333333333333");
	CHECK(!find(&o, "f:7:4444444444444444444444444444444444444444"));
	/* not tend's PR: no task output */
	CHECK(!find(&o, "t:7"));

	actions_outcomes_release(&o);
	forge_notes_release(&ns);
	forge_commit_briefs_release(&cs);
	buf_release(&err);
}

void test_outcomes__task_and_dropped(void)
{
	struct forge_notes ns;
	struct forge_commit_briefs cs;
	struct forge_pr_brief pr = { 0 };
	struct actions_outcomes o;
	struct actions_outcomes_pr_input in = { 0 };
	struct forge_note *n;
	const struct actions_output *x;
	struct buf err = BUF_INIT;

	forge_notes_init(&ns);
	forge_commit_briefs_init(&cs);
	actions_outcomes_init(&o);
	pr.number = 3;
	pr.state = (char *)"closed";
	pr.own = 1;
	pr.body = (char *)"<!-- tend:task-pr issue=2 -->\n"
			  "<!-- tend:task-cost=0.420000 -->\n";
	n = note(&ns, "1", "1", "tend", 1, "<!-- tend:fix -->\n### tend fix\n"
		 "\n**Commit:** `abcdefabcdefabcdefabcdefabcdefabcdefabcd`\n");
	n->inline_note = 0;
	in.pr = &pr;
	in.notes = &ns;
	in.commits = &cs;
	REQUIRE(actions_outcomes_classify_pr(&o, &in, &err) == 0);
	REQUIRE((x = find(&o, "t:3")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_REJECTED);
	CHECK(x->cost_usd > 0.419 && x->cost_usd < 0.421);
	REQUIRE((x = find(&o, "f:3:abcdefabcdefabcdefabcdefabcdefabcdefabcd")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_REJECTED);
	CHECK_STR(x->why, "abcdefabcdef was dropped from the PR");
	CHECK_INT(o.prs[0].latency_s, -1);
	actions_outcomes_release(&o);
	forge_notes_release(&ns);
	forge_commit_briefs_release(&cs);
	buf_release(&err);
}

void test_outcomes__store(void)
{
	char path[600], bad[640];
	struct actions_store *st = NULL;
	struct actions_outcomes o, back;
	struct actions_output *x;
	struct actions_pr_record *p;
	struct buf err = BUF_INIT;
	char *note = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/git/tend/trust.sqlite",
		 test_tmpdir());
	actions_outcomes_init(&o);
	actions_outcomes_init(&back);
	REQUIRE(actions_store_open(&st, path, &note, &err) == 0);
	CHECK(note == NULL);
	o.prs = xcalloc(2, sizeof(*o.prs));
	o.nr_prs = o.alloc_prs = 2;
	p = &o.prs[0];
	p->number = 1;
	p->state = xstrdup("merged");
	p->updated_at = xstrdup("2026-12-01T00:00:00Z");
	p->cost_usd = 0.5;
	p->latency_s = 12;
	p = &o.prs[1];
	p->number = 2;
	p->state = xstrdup("open");
	p->updated_at = xstrdup("2026-12-01T00:00:00Z");
	o.items = xcalloc(2, sizeof(*o.items));
	o.nr = o.alloc = 2;
	x = &o.items[0];
	x->key = xstrdup("c:1:9");
	x->pr = 1;
	x->fingerprint = xstrdup("aaa");
	x->rule = xstrdup("hygiene/todo");
	x->pack = xstrdup("hygiene");
	x->agent = xstrdup("static");
	x->outcome = ACTIONS_OUTCOME_REJECTED;
	x->why = xstrdup("2 thumbs-down");
	x = &o.items[1];
	x->key = xstrdup("c:2:1");
	x->pr = 2;
	x->rule = xstrdup("agent/reviewer");
	x->agent = xstrdup("reviewer");
	x->model = xstrdup("m/one");
	x->outcome = ACTIONS_OUTCOME_ACCEPTED;
	REQUIRE(actions_store_save(st, &o, &err) == 0);
	/* saving again replaces, never duplicates */
	REQUIRE(actions_store_save(st, &o, &err) == 0);
	/* merged and unchanged: served; changed or open: not */
	CHECK_INT(actions_store_load_pr(st, 1, "2026-12-01T00:00:00Z", &back,
					&err), 1);
	CHECK_INT(back.nr, 1);
	CHECK_INT(back.nr_prs, 1);
	CHECK(back.nr_prs && back.prs[0].cost_usd == 0.5 &&
	      back.prs[0].latency_s == 12);
	CHECK(back.nr && back.items[0].outcome == ACTIONS_OUTCOME_REJECTED);
	CHECK_STR(back.nr ? back.items[0].why : NULL, "2 thumbs-down");
	CHECK_INT(actions_store_load_pr(st, 1, "2026-12-02T00:00:00Z", &back,
					&err), 0);
	CHECK_INT(actions_store_load_pr(st, 2, "2026-12-01T00:00:00Z", &back,
					&err), 0);
	actions_outcomes_release(&back);
	CHECK_INT(actions_store_load_all(st, &back, &err), 0);
	CHECK_INT(back.nr, 2);
	CHECK_STR(back.nr == 2 ? back.items[1].model : NULL, "m/one");
	actions_outcomes_release(&back);
	actions_store_close(st);
	st = NULL;

	/* not a database: moved aside, rebuilt empty, said */
	REQUIRE((f = fopen(path, "w")));
	fputs("this is not an sqlite database, it is plain text, long enough "
	      "to have a header page of its own..............................",
	      f);
	fclose(f);
	snprintf(bad, sizeof(bad), "%s-wal", path);
	unlink(bad);
	REQUIRE(actions_store_open(&st, path, &note, &err) == 0);
	CHECK(note && strstr(note, "moved to"));
	snprintf(bad, sizeof(bad), "%s.bad", path);
	CHECK(access(bad, F_OK) == 0);
	CHECK_INT(actions_store_load_all(st, &back, &err), 0);
	CHECK_INT(back.nr, 0);
	actions_store_close(st);
	free(note);
	actions_outcomes_release(&back);
	actions_outcomes_release(&o);
	buf_release(&err);
}

void test_outcomes__marker_fields(void)
{
	char v[64];
	const char *b = "x <!-- tend:fp=abc agent=rev model=a/b rule=r/x -->";

	CHECK_INT(review_publish_marker_field(b, REVIEW_MARK_FP, "agent", v,
					      sizeof(v)), 0);
	CHECK_STR(v, "rev");
	CHECK_INT(review_publish_marker_field(b, REVIEW_MARK_FP, "rule", v,
					      sizeof(v)), 0);
	CHECK_STR(v, "r/x");
	/* a key is a whole word of the marker, and only of the marker */
	CHECK_INT(review_publish_marker_field(b, REVIEW_MARK_FP, "gent", v,
					      sizeof(v)), -1);
	CHECK_INT(review_publish_marker_field(
		"<!-- tend:fp=abc rule=x --> model=evil", REVIEW_MARK_FP,
		"model", v, sizeof(v)), -1);
	/* an old marker: no agent, the rule still read the old way */
	CHECK_INT(review_publish_marker_field("<!-- tend:fp=abc rule=x -->",
					      REVIEW_MARK_FP, "agent", v,
					      sizeof(v)), -1);
	CHECK_INT(review_publish_marker_field(NULL, REVIEW_MARK_FP, "rule", v,
					      sizeof(v)), -1);
	CHECK_INT(review_publish_marker_field("<!-- tend:fp=abc rule=x",
					      REVIEW_MARK_FP, "rule", v,
					      sizeof(v)), -1);
}

static int file_at(const char *path, const char *ref, const char **text,
		   size_t *len, void *data, struct buf *err)
{
	(void)err;
	(void)ref;
	if (strcmp(path, "a.js"))
		return 1;
	*text = data;
	*len = strlen(data);
	return 0;
}

void test_outcomes__suggestion_applied(void)
{
	struct forge_notes ns;
	struct forge_pr_brief pr = { 0 };
	struct actions_outcomes o;
	struct actions_outcomes_pr_input in = { 0 };
	struct forge_note *n;
	const struct actions_output *x;
	struct buf err = BUF_INIT;

	forge_notes_init(&ns);
	actions_outcomes_init(&o);
	pr.number = 2;
	pr.state = (char *)"open";
	/* applied at its line (trailing blanks aside) */
	n = note(&ns, "1", "1", "tend", 1, "x\n\n```suggestion\nconst a = 1;"
		 "\nconst b = 2;\n```\n\n<!-- tend:fp=a1 rule=r -->");
	n->path = xstrdup("a.js");
	n->original_line = 3;
	/* the same text, but far from where the comment was */
	n = note(&ns, "2", "2", "tend", 1, "x\n\n```suggestion\nlet z;\n```\n"
		 "\n<!-- tend:fp=a2 rule=r -->");
	n->path = xstrdup("a.js");
	n->line = 40;
	/* a four-backtick fence around a suggestion holding three */
	n = note(&ns, "3", "3", "tend", 1, "x\n\n````suggestion\n```\n````\n"
		 "\n<!-- tend:fp=a3 rule=r -->");
	n->path = xstrdup("a.js");
	n->line = 9;
	/* another file (not there): not applied */
	n = note(&ns, "4", "4", "tend", 1, "x\n\n```suggestion\nconst a = 1;"
		 "\n```\n\n<!-- tend:fp=a4 rule=r -->");
	n->path = xstrdup("b.js");
	n->line = 3;
	/* an empty suggestion (a deletion) cannot be seen applied */
	n = note(&ns, "5", "5", "tend", 1, "x\n\n```suggestion\n```\n\n"
		 "<!-- tend:fp=a5 rule=r -->");
	n->path = xstrdup("a.js");
	n->line = 1;
	in.pr = &pr;
	in.notes = &ns;
	in.file_at = file_at;
	in.file_data = (void *)"// a\n// b\nconst a = 1;  \nconst b = 2;\n"
				  "let z;\n// f\n// g\n// h\n```\n";
	REQUIRE(actions_outcomes_classify_pr(&o, &in, &err) == 0);
	REQUIRE((x = find(&o, "c:2:1")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_ACCEPTED);
	CHECK_STR(x->why, "its suggestion was applied");
	REQUIRE((x = find(&o, "c:2:2")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_OPEN);
	REQUIRE((x = find(&o, "c:2:3")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_ACCEPTED);
	REQUIRE((x = find(&o, "c:2:4")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_OPEN);
	REQUIRE((x = find(&o, "c:2:5")));
	CHECK_INT(x->outcome, ACTIONS_OUTCOME_OPEN);
	actions_outcomes_release(&o);
	forge_notes_release(&ns);
	buf_release(&err);
}
