/*
 * fuzz_structure.c - libFuzzer target for the structural checks
 * (review/structure.c) and the grammars under them.
 *
 * The first byte picks a grammar; the rest is split at the first NUL (or
 * in half) into a base and a head version, which are scanned with every
 * built-in rule and the syntax check, once as a modified file with every
 * third line marked changed and once as an added file. Findings must lie
 * inside the text; everything is released (leaks are errors too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "review/structure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const struct {
	const char *lang, *path;
} fuzz_structure_langs[] = {
	{ "c", "a.c" }, { "c", "a.h" }, { "cpp", "a.cc" },
	{ "python", "a.py" }, { "javascript", "a.js" },
	{ "typescript", "a.ts" }, { "typescript", "a.tsx" },
	{ "go", "a.go" }, { "rust", "a.rs" }, { "java", "a.java" },
	{ "ruby", "a.rb" }, { "bash", "a.sh" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct review_structure s;
	static int ready;
	struct review_findings f;
	const char *text, *split;
	size_t i, n, old_len, new_len, lines = 1, nr = 0;
	uint32_t *changed;

	if (!ready) {
		review_structure_init(&s);
		FUZZ_CHECK(review_structure_add_builtin(&s, NULL, NULL) == 0);
		s.timeout_us = 200000;
		ready = 1;
	}
	if (size < 1 || size > 65536)
		return 0;
	n = sizeof(fuzz_structure_langs) / sizeof(fuzz_structure_langs[0]);
	i = data[0] % n;
	text = (const char *)data + 1;
	size--;
	split = memchr(text, '\0', size);
	old_len = split ? (size_t)(split - text) : size / 2;
	new_len = size - old_len - (split ? 1 : 0);

	for (n = 0; n < new_len; n++)
		lines += text[old_len + (split ? 1 : 0) + n] == '\n';
	changed = calloc(lines / 3 + 1, sizeof(*changed));
	FUZZ_CHECK(changed);
	for (n = 1; n <= lines; n += 3)
		changed[nr++] = (uint32_t)n;

	review_findings_init(&f);
	review_structure_scan(&s, fuzz_structure_langs[i].path,
			      fuzz_structure_langs[i].lang,
			      text + old_len + (split ? 1 : 0), new_len, text,
			      old_len, changed, nr, &f);
	review_structure_scan(&s, fuzz_structure_langs[i].path,
			      fuzz_structure_langs[i].lang, text, old_len,
			      NULL, 0, NULL, 0, &f);
	for (n = 0; n < f.nr; n++) {
		FUZZ_CHECK(f.items[n].line >= 1 &&
			   f.items[n].line <= (uint32_t)size + 1);
		FUZZ_CHECK(f.items[n].end_line >= f.items[n].line);
		FUZZ_CHECK(f.items[n].rule_id && f.items[n].message);
	}
	review_findings_release(&f);
	free(changed);
	return 0;
}
