/*
 * fuzz_github.c - libFuzzer target for the GitHub adapter's readers of
 * outside input (forge/github.h): a pull request, a page of files, pages
 * of review comments and of issue comments (then the thread counts), a
 * check run answer, GET /user of either forge, and the rule that decides
 * whether a link may carry the token (forge_under_api()).
 *
 * The first byte picks the reader (its value modulo 8: pull request,
 * files, review comments, issue comments, check run, GitHub user, GitLab
 * user, next-page link); the rest is the answer's text. For the link the
 * text is the API URL, a newline, then the link. Every reader must
 * return 0 or TEND_EINVALID with a message, leave its output releasable
 * and never crash or leak; the link rule must never let a URL through
 * that does not start with the API URL followed by '/', '?' or nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "forge/backend.h"
#include "forge/forge.h"
#include "forge/github.h"
#include "forge/gitlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_github_link(const char *text, size_t len)
{
	struct forge f;
	const char *nl = memchr(text, '\n', len);
	char *api, *url;
	size_t n;

	if (!nl)
		return;
	memset(&f, 0, sizeof(f));
	api = xstrndup(text, (size_t)(nl - text));
	url = xstrndup(nl + 1, len - (size_t)(nl - text) - 1);
	f.api_url = api;
	n = strlen(api);
	if (forge_under_api(&f, url) &&
	    (!n || strncmp(url, api, n) ||
	     (url[n] && url[n] != '/' && url[n] != '?')))
		abort();
	free(api);
	free(url);
}

/* Every note read has an id and a thread; replies stay within the list. */
static void fuzz_github_check_notes(const struct forge_notes *nl)
{
	size_t i;

	for (i = 0; i < nl->nr; i++) {
		if (!nl->items[i].id || !nl->items[i].thread ||
		    nl->items[i].replies >= nl->nr || nl->items[i].own)
			abort();
		if (nl->items[i].author_id && !*nl->items[i].author_id)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct forge_files files;
	struct forge_notes notes;
	const char *text = (const char *)data + 1;
	char *a = NULL, *b = NULL;
	size_t len, i;
	int rc = 0;

	if (!size)
		return 0;
	len = size - 1;
	forge_pr_init(&pr);
	forge_files_init(&files);
	forge_notes_init(&notes);
	switch (data[0] % 8) {
	case 0:
		rc = forge_github_parse_pr(&pr, text, len, &err);
		if (!rc && !pr.head_sha)
			abort();
		if (rc && pr.head_sha)
			abort();
		break;
	case 1:
		rc = forge_github_parse_files(&files, text, len, &err);
		for (i = 0; i < files.nr; i++)
			if (!files.items[i].path)
				abort();
		break;
	case 2:
		rc = forge_github_parse_review_comments(&notes, text, len,
							&err);
		forge_github_count_replies(&notes);
		fuzz_github_check_notes(&notes);
		break;
	case 3:
		rc = forge_github_parse_issue_comments(&notes, text, len, &err);
		forge_github_count_replies(&notes);
		fuzz_github_check_notes(&notes);
		for (i = 0; i < notes.nr; i++)
			if (notes.items[i].inline_note || notes.items[i].reply)
				abort();
		break;
	case 4:
		rc = forge_github_parse_check_run(&a, text, len, &err);
		if (!rc != !!a)
			abort();
		break;
	case 5:
	case 6:
		rc = data[0] % 8 == 5 ?
		     forge_github_parse_user(&a, &b, text, len, &err) :
		     forge_gitlab_parse_user(&a, &b, text, len, &err);
		if (!rc && (!a || !*a))
			abort();
		if (rc && (a || b))
			abort();
		break;
	default:
		fuzz_github_link(text, len);
		break;
	}
	if (rc != 0 && rc != TEND_EINVALID)
		abort();
	if (rc && !err.len)
		abort();
	free(a);
	free(b);
	forge_pr_release(&pr);
	forge_files_release(&files);
	forge_notes_release(&notes);
	buf_release(&err);
	return 0;
}
