/*
 * fuzz_learnings.c - libFuzzer target for the parser of
 * .tend/learnings.md (repository content people edit), the choice of
 * entries for a path and the block rendered for a prompt, and for the
 * line a proposal writes, which must read back as one entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actions/learnings.h"
#include "common/glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *paths[] = { "src/a.c", "docs/x/y.md", "Makefile" };
	struct actions_learnings l, back;
	struct buf out = BUF_INIT;
	size_t *sel = NULL, nr = 0, left = 0, i;
	char *entry;

	actions_learnings_init(&l);
	actions_learnings_parse(&l, (const char *)data, size);
	if (l.nr > ACTIONS_LEARNINGS_MAX ||
	    l.nr_notes > ACTIONS_LEARNINGS_NOTES)
		abort();
	for (i = 0; i < l.nr; i++) {
		const struct actions_learning *it = &l.items[i];

		if (it->id != i + 1 || !it->text || !*it->text ||
		    strlen(it->text) > 2 * ACTIONS_LEARNINGS_TEXT_MAX ||
		    it->nr_globs > ACTIONS_LEARNINGS_GLOBS ||
		    strchr(it->text, '\n'))
			abort();
	}
	actions_learnings_select(&sel, &nr, &left, &l, paths, 3, 2000);
	if (nr + left > l.nr)
		abort();
	actions_learnings_prompt(&out, &l, sel, nr, left, NULL);
	actions_learnings_account(&out, sel, nr, left, &l);
	free(sel);

	/* The input as a proposal's text: one line, one entry. */
	entry = actions_learnings_entry(NULL, 0, (const char *)data, size,
					"fuzz", "https://h/o/r/pull/1", NULL);
	if (!entry[0] || strchr(entry, '\n') != entry + strlen(entry) - 1)
		abort();
	actions_learnings_init(&back);
	actions_learnings_parse(&back, entry, strlen(entry));
	if (back.nr != 1 || back.items[0].nr_globs != 0)
		abort();
	actions_learnings_release(&back);
	free(entry);
	buf_release(&out);
	actions_learnings_release(&l);
	return 0;
}
