/*
 * grammars.c - the table of tree-sitter grammars linked into tend.
 *
 * Each grammar's parser.c defines one `tree_sitter_NAME()` function that
 * returns its TSLanguage; the objects come from mk/grammars.mk, not from
 * files in this repository. Adding a grammar is a line in
 * scripts/grammars.lock and a row here. What the grammars are used for
 * (queries, syntax-error checks) lives in review/structure.c.
 */
#include <string.h>
#include <strings.h>

#include "review/grammars.h"

const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_cpp(void);
const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_rust(void);
const TSLanguage *tree_sitter_java(void);
const TSLanguage *tree_sitter_ruby(void);
const TSLanguage *tree_sitter_bash(void);

struct review_grammar {
	const char *name;	/* grammar name */
	const char *lang;	/* review/lang.h id it serves */
	const TSLanguage *(*get)(void);
};

static const struct review_grammar review_grammars[] = {
	{ "c", "c", tree_sitter_c },
	{ "cpp", "cpp", tree_sitter_cpp },
	{ "python", "python", tree_sitter_python },
	{ "javascript", "javascript", tree_sitter_javascript },
	{ "typescript", "typescript", tree_sitter_typescript },
	{ "tsx", "typescript", tree_sitter_tsx },
	{ "go", "go", tree_sitter_go },
	{ "rust", "rust", tree_sitter_rust },
	{ "java", "java", tree_sitter_java },
	{ "ruby", "ruby", tree_sitter_ruby },
	{ "bash", "bash", tree_sitter_bash },
	{ NULL, NULL, NULL }
};

static const char *const review_grammars_name_list[] = {
	"c", "cpp", "python", "javascript", "typescript", "tsx", "go",
	"rust", "java", "ruby", "bash", NULL
};

static const struct review_grammar *review_grammars_find(const char *name)
{
	const struct review_grammar *g;

	if (!name)
		return NULL;
	for (g = review_grammars; g->name; g++)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

const TSLanguage *review_grammars_get(const char *name)
{
	const struct review_grammar *g = review_grammars_find(name);

	return g ? g->get() : NULL;
}

const char *review_grammars_lang(const char *name)
{
	const struct review_grammar *g = review_grammars_find(name);

	return g ? g->lang : NULL;
}

const char *const *review_grammars_names(void)
{
	return review_grammars_name_list;
}

static int review_grammars_has_ext(const char *path, const char *ext)
{
	size_t n, e = strlen(ext);

	if (!path)
		return 0;
	n = strlen(path);
	return n > e && path[n - e - 1] == '.' &&
	       !strcasecmp(path + n - e, ext);
}

const char *review_grammars_for_file(const char *lang, const char *path)
{
	const struct review_grammar *g;

	if (!lang)
		return NULL;
	if (!strcmp(lang, "typescript") && review_grammars_has_ext(path, "tsx"))
		return "tsx";
	/* only grammars named after the language id serve it directly */
	for (g = review_grammars; g->name; g++)
		if (!strcmp(g->name, lang) && !strcmp(g->lang, lang))
			return g->name;
	return NULL;
}
