/*
 * index_lang.c - the definitions and references the repository index
 * looks for, one tree-sitter query per grammar (see index_lang.h for the
 * capture names).
 *
 * What counts: definitions are functions, methods, classes, structs,
 * unions, enums, interfaces, traits, impls, modules/namespaces, type
 * aliases and macros; references are names in call position (plain,
 * member and scoped calls, macro invocations, `new X`) and type uses. A
 * reference that sits on a definition's own name is dropped by index.c,
 * so a pattern as broad as "every type identifier" is fine here.
 *
 * Not here: chunking, storing and ranking (review/index.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "review/grammars.h"
#include "review/index_lang.h"
#include "review/query_roots.h"

static const char review_index_lang_c[] =
	"(function_definition declarator: (_)) @def.function\n"
	"(struct_specifier name: (type_identifier) @name"
	" body: (field_declaration_list)) @def.struct\n"
	"(union_specifier name: (type_identifier) @name"
	" body: (field_declaration_list)) @def.union\n"
	"(enum_specifier name: (type_identifier) @name"
	" body: (enumerator_list)) @def.enum\n"
	"(type_definition declarator: (type_identifier) @name) @def.type\n"
	"(preproc_function_def name: (identifier) @name) @def.macro\n"
	"(call_expression function: (identifier) @ref.call)\n"
	"(call_expression function: (field_expression"
	" field: (field_identifier) @ref.call))\n"
	"(type_identifier) @ref.type\n";

static const char review_index_lang_cpp[] =
	"(function_definition declarator: (_)) @def.function\n"
	"(class_specifier name: (_) @name"
	" body: (field_declaration_list)) @def.class\n"
	"(struct_specifier name: (_) @name"
	" body: (field_declaration_list)) @def.struct\n"
	"(union_specifier name: (_) @name"
	" body: (field_declaration_list)) @def.union\n"
	"(enum_specifier name: (_) @name body: (enumerator_list)) @def.enum\n"
	"(namespace_definition name: (_) @name) @def.module\n"
	"(type_definition declarator: (type_identifier) @name) @def.type\n"
	"(alias_declaration name: (type_identifier) @name) @def.type\n"
	"(preproc_function_def name: (identifier) @name) @def.macro\n"
	"(call_expression function: (identifier) @ref.call)\n"
	"(call_expression function: (field_expression"
	" field: (field_identifier) @ref.call))\n"
	"(call_expression function: (qualified_identifier"
	" name: (identifier) @ref.call))\n"
	"(new_expression type: (type_identifier) @ref.type)\n"
	"(type_identifier) @ref.type\n";

static const char review_index_lang_python[] =
	"(function_definition name: (identifier) @name) @def.function\n"
	"(class_definition name: (identifier) @name) @def.class\n"
	"(call function: (identifier) @ref.call)\n"
	"(call function: (attribute attribute: (identifier) @ref.call))\n"
	"(class_definition superclasses: (argument_list"
	" (identifier) @ref.type))\n";

/* JavaScript's patterns; TypeScript and TSX add theirs after these. */
#define REVIEW_INDEX_LANG_JS_COMMON \
	"(function_declaration name: (identifier) @name) @def.function\n" \
	"(generator_function_declaration name: (identifier) @name)" \
	" @def.function\n" \
	"(class_declaration name: (_) @name) @def.class\n" \
	"(method_definition name: (_) @name) @def.method\n" \
	"(lexical_declaration (variable_declarator name: (identifier) @name" \
	" value: [(arrow_function) (function_expression)])) @def.function\n" \
	"(variable_declaration (variable_declarator name: (identifier) @name" \
	" value: [(arrow_function) (function_expression)])) @def.function\n" \
	"(call_expression function: (identifier) @ref.call)\n" \
	"(call_expression function: (member_expression" \
	" property: (property_identifier) @ref.call))\n" \
	"(new_expression constructor: (identifier) @ref.type)\n"

static const char review_index_lang_javascript[] =
	REVIEW_INDEX_LANG_JS_COMMON
	"(class_heritage (identifier) @ref.type)\n";

static const char review_index_lang_typescript[] =
	REVIEW_INDEX_LANG_JS_COMMON
	"(abstract_class_declaration name: (_) @name) @def.class\n"
	"(interface_declaration name: (_) @name) @def.interface\n"
	"(type_alias_declaration name: (_) @name) @def.type\n"
	"(enum_declaration name: (_) @name) @def.enum\n"
	"(internal_module name: (_) @name) @def.module\n"
	"(function_signature name: (_) @name) @def.function\n"
	"(abstract_method_signature name: (_) @name) @def.method\n"
	"(type_identifier) @ref.type\n";

static const char review_index_lang_go[] =
	"(function_declaration name: (identifier) @name) @def.function\n"
	"(method_declaration name: (field_identifier) @name) @def.method\n"
	"(type_spec name: (type_identifier) @name type: (struct_type))"
	" @def.struct\n"
	"(type_spec name: (type_identifier) @name type: (interface_type))"
	" @def.interface\n"
	"(type_spec name: (type_identifier) @name) @def.type\n"
	"(type_alias name: (type_identifier) @name) @def.type\n"
	"(call_expression function: (identifier) @ref.call)\n"
	"(call_expression function: (selector_expression"
	" field: (field_identifier) @ref.call))\n"
	"(type_identifier) @ref.type\n";

static const char review_index_lang_rust[] =
	"(function_item name: (identifier) @name) @def.function\n"
	"(function_signature_item name: (identifier) @name) @def.function\n"
	"(struct_item name: (type_identifier) @name) @def.struct\n"
	"(enum_item name: (type_identifier) @name) @def.enum\n"
	"(union_item name: (type_identifier) @name) @def.union\n"
	"(trait_item name: (type_identifier) @name) @def.trait\n"
	"(impl_item type: (_) @name) @def.impl\n"
	"(mod_item name: (identifier) @name) @def.module\n"
	"(type_item name: (type_identifier) @name) @def.type\n"
	"(macro_definition name: (identifier) @name) @def.macro\n"
	"(call_expression function: (identifier) @ref.call)\n"
	"(call_expression function: (field_expression"
	" field: (field_identifier) @ref.call))\n"
	"(call_expression function: (scoped_identifier"
	" name: (identifier) @ref.call))\n"
	"(macro_invocation macro: (identifier) @ref.call)\n"
	"(type_identifier) @ref.type\n";

static const char review_index_lang_java[] =
	"(class_declaration name: (identifier) @name) @def.class\n"
	"(record_declaration name: (identifier) @name) @def.class\n"
	"(interface_declaration name: (identifier) @name) @def.interface\n"
	"(annotation_type_declaration name: (identifier) @name)"
	" @def.interface\n"
	"(enum_declaration name: (identifier) @name) @def.enum\n"
	"(method_declaration name: (identifier) @name) @def.method\n"
	"(constructor_declaration name: (identifier) @name) @def.method\n"
	"(method_invocation name: (identifier) @ref.call)\n"
	"(object_creation_expression type: (type_identifier) @ref.type)\n"
	"(type_identifier) @ref.type\n";

static const char review_index_lang_ruby[] =
	"(method name: (_) @name) @def.method\n"
	"(singleton_method name: (_) @name) @def.method\n"
	"(class name: (_) @name) @def.class\n"
	"(module name: (_) @name) @def.module\n"
	"(call method: (identifier) @ref.call)\n"
	"(call receiver: (constant) @ref.type)\n"
	"(superclass (constant) @ref.type)\n";

static const char review_index_lang_bash[] =
	"(function_definition name: (word) @name) @def.function\n"
	"(command name: (command_name (word) @ref.call))\n";

struct review_index_lang {
	const char *grammar;
	const char *source;
	TSQuery *query;
	int failed;
	char message[160];
	unsigned char *roots;	/* review_query_roots(), or NULL */
	uint32_t nr_symbols;
};

static struct review_index_lang review_index_langs[] = {
	{ "c", review_index_lang_c, NULL, 0, "" },
	{ "cpp", review_index_lang_cpp, NULL, 0, "" },
	{ "python", review_index_lang_python, NULL, 0, "" },
	{ "javascript", review_index_lang_javascript, NULL, 0, "" },
	{ "typescript", review_index_lang_typescript, NULL, 0, "" },
	{ "tsx", review_index_lang_typescript, NULL, 0, "" },
	{ "go", review_index_lang_go, NULL, 0, "" },
	{ "rust", review_index_lang_rust, NULL, 0, "" },
	{ "java", review_index_lang_java, NULL, 0, "" },
	{ "ruby", review_index_lang_ruby, NULL, 0, "" },
	{ "bash", review_index_lang_bash, NULL, 0, "" },
};

#define REVIEW_INDEX_LANG_NR \
	(sizeof(review_index_langs) / sizeof(review_index_langs[0]))

static pthread_mutex_t review_index_lang_lock = PTHREAD_MUTEX_INITIALIZER;

static struct review_index_lang *review_index_lang_find(const char *grammar)
{
	size_t i;

	if (!grammar)
		return NULL;
	for (i = 0; i < REVIEW_INDEX_LANG_NR; i++)
		if (!strcmp(review_index_langs[i].grammar, grammar))
			return &review_index_langs[i];
	return NULL;
}

const char *review_index_lang_source(const char *grammar)
{
	struct review_index_lang *l = review_index_lang_find(grammar);

	return l ? l->source : NULL;
}

const TSQuery *review_index_lang_query(const char *grammar, struct buf *err)
{
	struct review_index_lang *l = review_index_lang_find(grammar);
	const TSLanguage *language;
	TSQueryError kind = TSQueryErrorNone;
	uint32_t off = 0;
	TSQuery *q;

	if (!l)
		return NULL;
	pthread_mutex_lock(&review_index_lang_lock);
	if (!l->query && !l->failed) {
		language = review_grammars_get(grammar);
		if (!language) {
			l->failed = 1;
			snprintf(l->message, sizeof(l->message),
				 "no grammar '%s'", grammar);
		} else if (!(l->query = ts_query_new(language, l->source,
						     (uint32_t)strlen(l->source),
						     &off, &kind))) {
			l->failed = 1;
			snprintf(l->message, sizeof(l->message),
				 "index query of '%s' does not compile at "
				 "offset %u (error %d)", grammar, off,
				 (int)kind);
		}
	}
	if (l->query && !l->roots && !l->nr_symbols) {
		language = review_grammars_get(grammar);
		l->nr_symbols = ts_language_symbol_count(language);
		l->roots = xcalloc(l->nr_symbols ? l->nr_symbols : 1, 1);
		if (review_query_roots(l->source, language, l->roots,
				       l->nr_symbols) < 0) {
			free(l->roots);
			l->roots = NULL;
		}
	}
	q = l->query;
	if (!q && err)
		error_set(err, TEND_ERROR, "%s", l->message);
	pthread_mutex_unlock(&review_index_lang_lock);
	return q;
}

const unsigned char *review_index_lang_roots(const char *grammar,
					     uint32_t *nr)
{
	struct review_index_lang *l = review_index_lang_find(grammar);
	const unsigned char *roots = NULL;

	if (!l || !review_index_lang_query(grammar, NULL))
		return NULL;
	pthread_mutex_lock(&review_index_lang_lock);
	roots = l->roots;
	*nr = l->nr_symbols;
	pthread_mutex_unlock(&review_index_lang_lock);
	return roots;
}
