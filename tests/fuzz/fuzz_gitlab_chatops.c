/*
 * fuzz_gitlab_chatops.c - libFuzzer target for the GitLab adapter's
 * readers of what ChatOps depends on (forge/gitlab.h): a page of note
 * events, a page of award emoji, a page of discussions searched for a
 * note, and GitLab's times (with the `after` day they give).
 *
 * The first byte picks the reader (its value modulo 4, in that order);
 * the rest is the answer's text, or the time. What is sought is fixed
 * (since "2026-12-07T06:00:00.500Z", the award "eyes" of "tend-bot" id
 * 1, note "5"): what varies is the answer. Every reader must return 0 or
 * TEND_EINVALID (the time reader 0 or -1), say why in `err` when it
 * fails, leave its output releasable, and keep its promises on success:
 * every comment has an id, a positive number, a body and a created_at
 * no earlier than since, and no thread or URL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "forge/forge.h"
#include "forge/gitlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SINCE "2026-12-07T06:00:00.500Z"

static void fuzz_gitlab_chatops_comments(const struct forge_comments *cl)
{
	int64_t since, t;
	size_t i;

	if (forge_gitlab_parse_time(&since, FUZZ_SINCE))
		abort();
	for (i = 0; i < cl->nr; i++) {
		const struct forge_comment *c = &cl->items[i];

		if (!c->id || !*c->id || c->number <= 0 || !c->body ||
		    !c->created_at || c->thread || c->url || c->own)
			abort();
		if (forge_gitlab_parse_time(&t, c->created_at) || t < since)
			abort();
		if ((c->on_pr != 0 && c->on_pr != 1) ||
		    (c->diff_note != 0 && c->diff_note != 1))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct forge_comments cl;
	const char *text = (const char *)data + 1;
	char *id = NULL, *str = NULL, after[11];
	int rc = 0, found = -1;
	int64_t t = 0, u;
	size_t len;

	if (!size)
		return 0;
	len = size - 1;
	forge_comments_init(&cl);
	switch (data[0] % 4) {
	case 0:
		rc = forge_gitlab_parse_events(&cl, FUZZ_SINCE, text, len,
					       &err);
		if (!rc)
			fuzz_gitlab_chatops_comments(&cl);
		break;
	case 1:
		rc = forge_gitlab_parse_awards(&found, "eyes", "tend-bot", "1",
					       text, len, &err);
		if (found != 0 && found != 1)
			abort();
		if (rc && found)
			abort();
		break;
	case 2:
		rc = forge_gitlab_parse_note_discussion(&id, "5", text, len,
							&err);
		if ((rc && id) || (id && !*id))
			abort();
		break;
	default:
		/* A time is text: stop at the first NUL. */
		str = xstrndup(text, len);
		if (forge_gitlab_parse_time(&t, str) == 0) {
			/* Its `after` day is the day before, and reads back
			 * as a time at midnight before it. */
			rc = forge_gitlab_events_after(after, str, &err);
			if (!rc) {
				char *midnight = xasprintf("%sT00:00:00Z",
							   after);

				if (strlen(after) != 10 ||
				    forge_gitlab_parse_time(&u, midnight) ||
				    u > t - 86400000000LL ||
				    u <= t - 2 * 86400000000LL)
					abort();
				free(midnight);
			}
		} else if (t != 0) {
			abort();
		}
		break;
	}
	if (rc != 0 && rc != TEND_EINVALID)
		abort();
	if (rc && !err.len)
		abort();
	free(id);
	free(str);
	forge_comments_release(&cl);
	buf_release(&err);
	return 0;
}
