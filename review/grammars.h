/*
 * grammars.h - the tree-sitter grammars compiled into tend, by name.
 *
 * The grammars' C sources are fetched at build time at the versions pinned
 * in scripts/grammars.lock (mk/grammars.mk); this is the one place that
 * names their entry points. A grammar name is the language id of
 * review/lang.h for every language that has a grammar ("c", "cpp",
 * "python", "javascript", "typescript", "go", "rust", "java", "ruby",
 * "bash"), plus "tsx": TypeScript with JSX, which review_lang_detect()
 * reports as "typescript" and which needs its own grammar.
 *
 * Grammars are static data: nothing here allocates, every pointer returned
 * is borrowed for the life of the process, and every function may be
 * called from any thread.
 */
#ifndef REVIEW_GRAMMARS_H
#define REVIEW_GRAMMARS_H

#include <tree_sitter/api.h>

/* The grammar called `name`, or NULL when tend has none by that name. */
const TSLanguage *review_grammars_get(const char *name);

/*
 * The name of the grammar that parses a file of language `lang` (an id
 * from review_lang_detect()) at `path` (which may be NULL), or NULL when
 * there is none: `lang` itself, except that a TypeScript file whose name
 * ends in ".tsx" gets "tsx". The string is static.
 */
const char *review_grammars_for_file(const char *lang, const char *path);

/* All grammar names, NULL-terminated, in a fixed order. */
const char *const *review_grammars_names(void);

/*
 * The language id of review/lang.h that grammar `name` serves ("tsx" ->
 * "typescript"), or NULL for an unknown grammar. The string is static.
 */
const char *review_grammars_lang(const char *name);

#endif
