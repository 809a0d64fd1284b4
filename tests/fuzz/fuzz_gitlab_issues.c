/*
 * fuzz_gitlab_issues.c - libFuzzer target for the GitLab adapter's readers
 * of the answers `tend tasks` depends on (forge/gitlab.h): pages of
 * issues, one issue, pages of issue notes, resource label events, a
 * project member, a user search, and a page of merge requests of a
 * branch.
 *
 * The first byte picks the reader (its value modulo 7, in that order);
 * the rest is the answer's text. The label, login and branch sought are
 * fixed ("tend", "dave", "tend/issue-1"): what varies is the answer.
 * Every reader must return 0 or TEND_EINVALID (the branch reader also
 * TEND_ENOTFOUND), say why in `err` when it fails, and leave its output
 * releasable; what a success gives must hold its promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "forge/forge.h"
#include "forge/gitlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_gitlab_issues_check(const struct forge_issue *is)
{
	size_t i;

	if (is->number <= 0 || !is->title || !is->body)
		abort();
	if ((is->nr_labels && !is->labels) ||
	    (is->nr_assignees && !is->assignees))
		abort();
	for (i = 0; i < is->nr_labels; i++)
		if (!is->labels[i])
			abort();
	for (i = 0; i < is->nr_assignees; i++)
		if (!is->assignees[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct forge_issues issues;
	struct forge_issue issue;
	struct forge_notes notes;
	struct forge_pr pr;
	const char *text = (const char *)data + 1;
	char *login = NULL, *id = NULL;
	int rc = 0, write = -1;
	size_t i, len;

	if (!size)
		return 0;
	len = size - 1;
	forge_issues_init(&issues);
	forge_issue_init(&issue);
	forge_notes_init(&notes);
	forge_pr_init(&pr);
	switch (data[0] % 7) {
	case 0:
		rc = forge_gitlab_parse_issues(&issues, text, len, &err);
		for (i = 0; !rc && i < issues.nr; i++)
			fuzz_gitlab_issues_check(&issues.items[i]);
		break;
	case 1:
		rc = forge_gitlab_parse_issue(&issue, text, len, &err);
		if (!rc)
			fuzz_gitlab_issues_check(&issue);
		break;
	case 2:
		rc = forge_gitlab_parse_issue_notes(&notes, text, len, &err);
		for (i = 0; !rc && i < notes.nr; i++)
			if (!notes.items[i].id || !notes.items[i].body ||
			    notes.items[i].thread)
				abort();
		break;
	case 3:
		rc = forge_gitlab_parse_label_events(&login, &id, "tend", text,
						     len, &err);
		if ((rc || !login) && id)
			abort();
		break;
	case 4:
		rc = forge_gitlab_parse_member(&write, text, len, &err);
		if (write != 0 && write != 1)
			abort();
		if (rc && write)
			abort();
		break;
	case 5:
		rc = forge_gitlab_parse_users(&id, "dave", text, len, &err);
		if (rc && id)
			abort();
		break;
	default:
		rc = forge_gitlab_parse_branch_mr(&pr, "tend/issue-1", text,
						  len, &err);
		if (!rc && (!pr.head_sha || !pr.state ||
			    (strcmp(pr.state, "open") &&
			     strcmp(pr.state, "closed") &&
			     strcmp(pr.state, "merged"))))
			abort();
		if (rc == TEND_ENOTFOUND) {
			if (pr.head_sha)
				abort();
			rc = 0;
		} else if (rc && !err.len) {
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
	forge_issues_release(&issues);
	forge_issue_release(&issue);
	forge_notes_release(&notes);
	forge_pr_release(&pr);
	buf_release(&err);
	return 0;
}
