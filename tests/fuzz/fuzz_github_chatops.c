/*
 * fuzz_github_chatops.c - libFuzzer target for the GitHub adapter's
 * readers of what `tend inbox` reads (forge/github.h): a page of the
 * repository's conversation comments, a page of its review comments
 * (both then merged by time), a page of reactions, and the payload of a
 * comment event (GITHUB_EVENT_PATH).
 *
 * The first byte picks the reader (its value modulo 4, in that order);
 * the rest is the text. Reactions are read for "eyes" as tend's own
 * account github-actions[bot] (id 41898282). Every reader must return 0
 * or TEND_EINVALID with a message, leave its output releasable and never
 * crash or leak; what it read must hold what the reader promises: ids of
 * digits, a number above 0, a review comment's thread, merged comments
 * in order, an event's action exactly when it succeeded.
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

static int fuzz_github_chatops_digits(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* What every comment read must hold. */
static void fuzz_github_chatops_check(const struct forge_comment *c)
{
	if (!fuzz_github_chatops_digits(c->id) || c->number <= 0 ||
	    !c->body || c->own)
		abort();
	if (c->diff_note && (!c->on_pr ||
			     !fuzz_github_chatops_digits(c->thread)))
		abort();
	if (!c->diff_note && c->thread)
		abort();
	if (c->author_id && !*c->author_id)
		abort();
}

/* Is id `a` below id `b` as numbers (both digits)? */
static int fuzz_github_chatops_below(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? la < lb : strcmp(a, b) < 0;
}

/*
 * Sort `list` twice: the order must not move (the comparison is a
 * consistent order), and comments written at the same time (the same
 * text) must come by id.
 */
static void fuzz_github_chatops_sorted(struct forge_comments *list)
{
	char **ids;
	size_t i;

	forge_github_sort_comments(list, 0);
	if (!list->nr)
		return;
	ids = calloc(list->nr, sizeof(*ids));
	if (!ids)
		abort();
	for (i = 0; i < list->nr; i++)
		ids[i] = list->items[i].id;
	forge_github_sort_comments(list, 0);
	for (i = 0; i < list->nr; i++)
		if (strcmp(ids[i], list->items[i].id))
			abort();
	for (i = 1; i < list->nr; i++)
		if (!strcmp(list->items[i - 1].created_at,
			    list->items[i].created_at) &&
		    fuzz_github_chatops_below(list->items[i].id,
					      list->items[i - 1].id))
			abort();
	free(ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct forge_comments list;
	struct forge_comment c;
	struct forge f;
	const char *text = (const char *)data + 1;
	char *action = NULL;
	size_t len, i;
	int rc = 0, found = -1, review;

	if (!size)
		return 0;
	len = size - 1;
	forge_comments_init(&list);
	forge_comment_init(&c);
	switch (data[0] % 4) {
	case 0:
	case 1:
		review = data[0] % 4 == 1;
		rc = forge_github_parse_comments(&list, review, text, len,
						 &err);
		for (i = 0; i < list.nr; i++) {
			fuzz_github_chatops_check(&list.items[i]);
			if (!list.items[i].created_at ||
			    list.items[i].diff_note != review)
				abort();
		}
		fuzz_github_chatops_sorted(&list);
		break;
	case 2:
		memset(&f, 0, sizeof(f));
		f.self.asked = 1;
		f.self.login = (char *)"github-actions[bot]";
		f.self.id = (char *)"41898282";
		rc = forge_github_parse_reactions(&found, &f, "eyes", text,
						  len, &err);
		if (found != 0 && found != 1)
			abort();
		if (rc && found)
			abort();
		break;
	default:
		rc = forge_github_parse_comment_event(text, len, &c, &action,
						      &err);
		if (!rc) {
			fuzz_github_chatops_check(&c);
			if (!action || !*action)
				abort();
		} else if (action || c.id || c.number || c.body) {
			abort();
		}
		break;
	}
	if (rc != 0 && rc != TEND_EINVALID)
		abort();
	if (rc && !err.len)
		abort();
	free(action);
	forge_comment_release(&c);
	forge_comments_release(&list);
	buf_release(&err);
	return 0;
}
