/*
 * fuzz_github_issues.c - libFuzzer target for the GitHub adapter's
 * readers of what `tend tasks` reads (forge/github.h): a page of issues,
 * one issue, a page of an issue's comments, a page of issue events (who
 * applied a label), a collaborator permission, and a page of pull
 * requests searched for a branch's newest.
 *
 * The first byte picks the reader (its value modulo 6, in that order);
 * the rest is the answer's text. The label and branch looked for are
 * fixed ("tend", "tend/issue-1" of "o/r"): the text decides whether
 * anything matches. Every reader must return 0 or TEND_EINVALID with a
 * message (one issue may also be TEND_ENOTFOUND, a pull request; the
 * branch search 1 when found), leave its output releasable and never
 * crash or leak; what it read must hold what the reader promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "forge/backend.h"
#include "forge/forge.h"
#include "forge/github.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every issue read has a number, a title and a body, and real names. */
static void fuzz_github_issues_check(const struct forge_issue *is)
{
	size_t i;

	if (is->number <= 0 || !is->title || !is->body)
		abort();
	for (i = 0; i < is->nr_labels; i++)
		if (!is->labels[i])
			abort();
	for (i = 0; i < is->nr_assignees; i++)
		if (!is->assignees[i])
			abort();
	if (is->author_id && !*is->author_id)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct forge_issues list;
	struct forge_issue issue;
	struct forge_notes notes;
	struct forge_pr pr;
	const char *text = (const char *)data + 1;
	char *login = NULL, *id = NULL;
	size_t len, i;
	int rc = 0, w = -1;

	if (!size)
		return 0;
	len = size - 1;
	forge_issues_init(&list);
	forge_issue_init(&issue);
	forge_notes_init(&notes);
	forge_pr_init(&pr);
	switch (data[0] % 6) {
	case 0:
		rc = forge_github_parse_issues(&list, text, len, &err);
		for (i = 0; i < list.nr; i++)
			fuzz_github_issues_check(&list.items[i]);
		break;
	case 1:
		rc = forge_github_parse_issue(&issue, text, len, &err);
		if (!rc)
			fuzz_github_issues_check(&issue);
		else if (issue.number || issue.title)
			abort();
		if (rc == TEND_ENOTFOUND)
			rc = err.len ? 0 : TEND_ERROR;
		break;
	case 2:
		rc = forge_github_parse_issue_notes(&notes, text, len, &err);
		for (i = 0; i < notes.nr; i++)
			if (!notes.items[i].id || notes.items[i].thread ||
			    notes.items[i].reply || notes.items[i].own)
				abort();
		break;
	case 3:
		rc = forge_github_parse_label_events(&login, &id, "tend", text,
						     len, &err);
		if (id && !login)
			abort();
		if (login && !*login)
			abort();
		break;
	case 4:
		rc = forge_github_parse_permission(&w, text, len, &err);
		if (w != 0 && w != 1)
			abort();
		if (rc && w)
			abort();
		break;
	default:
		rc = forge_github_parse_branch_pr(&pr, "o/r", "tend/issue-1",
						  text, len, &err);
		if (rc == 1) {
			if (!pr.head_sha || !pr.head_ref ||
			    strcmp(pr.head_ref, "tend/issue-1"))
				abort();
			rc = 0;
		} else if (pr.head_sha) {
			abort();
		}
		break;
	}
	if (rc != 0 && rc != TEND_EINVALID)
		abort();
	if (rc && !err.len)
		abort();
	free(login);
	free(id);
	forge_issues_release(&list);
	forge_issue_release(&issue);
	forge_notes_release(&notes);
	forge_pr_release(&pr);
	buf_release(&err);
	return 0;
}
