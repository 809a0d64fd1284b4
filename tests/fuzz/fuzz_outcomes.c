/*
 * fuzz_outcomes.c - libFuzzer target for what `tend stats` reads from the
 * forges (forge/github.h, forge/gitlab.h) and judges (actions/outcomes.h):
 * a page of GitHub pull requests or PR commits, of GitLab merge requests,
 * MR commits or award emoji, and a page of GitHub review comments whose
 * notes are then classified as if they were tend's (markers, reactions
 * rollup, replies, suggestions), with the answer's bytes as the PR body
 * and as every file at the PR's head too.
 *
 * The first byte picks the reader (its value modulo 7; 6 is a page of
 * GraphQL reviewThreads marking a note resolved); the rest is the
 * answer's text. Every reader must return 0 or TEND_EINVALID with a
 * message, leave its output releasable and never crash or leak; what it
 * read must hold what the reader promises (a number, a state, a sha and a
 * message), and every classified output a key and a known outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actions/outcomes.h"
#include "common/buf.h"
#include "common/error.h"
#include "forge/backend.h"
#include "forge/forge.h"
#include "forge/github.h"
#include "forge/gitlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_outcomes_writer(const char *login, const char *id,
				void *data, struct buf *err)
{
	(void)id;
	(void)data;
	(void)err;
	return login[0] == 'a';
}

/* Every file at the head is the answer's text itself. */
static int fuzz_outcomes_file(const char *path, const char *ref,
			      const char **text, size_t *len, void *data,
			      struct buf *err)
{
	const char *body = data;

	(void)path;
	/* The old version: a shorter one, so lines differ or not. */
	if (ref) {
		*text = body;
		*len = strlen(body) / 2;
		return 0;
	}
	(void)err;
	*text = body;
	*len = strlen(body);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct forge_pr_briefs prs;
	struct forge_commit_briefs commits;
	struct forge_notes notes;
	struct actions_outcomes oc;
	const char *text = (const char *)data + 1;
	size_t len, i;
	long downs = 0;
	int rc = 0;

	if (!size)
		return 0;
	len = size - 1;
	forge_pr_briefs_init(&prs);
	forge_commit_briefs_init(&commits);
	forge_notes_init(&notes);
	actions_outcomes_init(&oc);
	switch (data[0] % 7) {
	case 0:
		rc = forge_github_parse_prs(&prs, "2026-01-01T00:00:00Z", 50,
					    text, len, &err);
		break;
	case 1:
		rc = forge_github_parse_pr_commits(&commits, text, len, &err);
		break;
	case 2:
		rc = forge_gitlab_parse_prs(&prs, 50, text, len, &err);
		break;
	case 3:
		rc = forge_gitlab_parse_pr_commits(&commits, text, len, &err);
		break;
	case 4:
		rc = forge_gitlab_parse_thumbs_down(&downs, text, len, &err);
		if (downs < 0)
			abort();
		break;
	case 6: {
		char *after = NULL;
		struct forge_note *n = forge_notes_push(&notes);

		n->id = strdup("7");
		rc = forge_github_parse_threads(&notes, &after, text, len,
						&err);
		/* Only a resolved thread's root is marked, and no other. */
		if (n->resolved_by && !n->resolved)
			abort();
		free(after);
		break;
	}
	default: {
		struct forge_pr_brief pr = { 0 };
		struct actions_outcomes_pr_input in = { 0 };
		char *body = malloc(len + 1);

		memcpy(body, text, len);
		body[len] = '\0';
		rc = forge_github_parse_review_comments(&notes, text, len,
							&err);
		forge_github_count_replies(&notes);
		/* Judge them all as tend's, the worst case for the parser. */
		for (i = 0; i < notes.nr; i++)
			notes.items[i].own = !notes.items[i].reply;
		pr.number = 1;
		pr.state = (char *)"merged";
		pr.own = 1;
		pr.body = body;
		in.pr = &pr;
		in.notes = &notes;
		in.writer = fuzz_outcomes_writer;
		in.file_at = fuzz_outcomes_file;
		in.file_data = body;
		if (actions_outcomes_classify_pr(&oc, &in, &err) < 0)
			abort();
		for (i = 0; i < oc.nr; i++)
			if (!oc.items[i].key || !oc.items[i].why ||
			    oc.items[i].outcome > ACTIONS_OUTCOME_REJECTED)
				abort();
		free(body);
		break;
	}
	}
	if (rc < 0 && (rc != TEND_EINVALID || !err.len))
		abort();
	for (i = 0; i < prs.nr; i++)
		if (prs.items[i].number <= 0 || !prs.items[i].state ||
		    !prs.items[i].body)
			abort();
	for (i = 0; i < commits.nr; i++)
		if (!commits.items[i].sha || !commits.items[i].message)
			abort();
	forge_pr_briefs_release(&prs);
	forge_commit_briefs_release(&commits);
	forge_notes_release(&notes);
	actions_outcomes_release(&oc);
	buf_release(&err);
	return 0;
}
