/*
 * structure.h - structural checks: tree-sitter queries run over the parse
 * tree of a changed file, and a check for syntax errors the change
 * introduces.
 *
 * A query rule is declared as a struct review_query_spec, plain data like
 * the regex rules of review/rules.h: built-in rules are a table
 * (review/pack_structure.c) and user rules from the config are filled in by
 * the caller. Its `query` is tree-sitter's S-expression query language; the
 * node its `capture` names (or, without one, the first capture of a match
 * whose name does not start with '_') is what the finding points at. The
 * predicates #eq?, #not-eq?, #match?, #not-match? and #any-of? are
 * evaluated here (tree-sitter leaves that to its caller); #match? patterns
 * are PCRE2, searched, not anchored. Directives (#set!, #is?, ...) are
 * accepted and ignored.
 *
 * A rule has one language: an id of review/lang.h that has a grammar
 * (review/grammars.h), or "tsx". A "typescript" rule runs on .tsx files
 * too when its query also compiles against the TSX grammar.
 *
 * Scanning semantics (review_structure_scan):
 *   - the head text of one file is parsed once with the grammar for its
 *     language and path; a C header (".h") that the C grammar cannot parse
 *     cleanly but the C++ grammar can is treated as C++;
 *   - every enabled rule of that language runs over the whole tree; a rule
 *     reports each node at most once, with source "structure", its line
 *     and column range (1-based, columns counting UTF-8 characters) and the
 *     node's first line as the snippet. Findings land on any line of the
 *     file; keeping those on changed lines is the caller's filter;
 *   - the syntax check ("structure/syntax-error", an error) reports the
 *     parse errors the change introduced: ERROR and MISSING nodes of the
 *     new tree, and what the grammars accept but the languages do not (a
 *     Python statement indented unlike the one before it in its block, a
 *     Java reserved word used as a name as in `retrun null;`, a Ruby `end`
 *     standing alone). The base version is parsed too and the two are
 *     lined up by a line diff of the texts (review/linediff.h), which also
 *     says where the change is; `changed_lines` only narrows where the
 *     checks of our own look. A head error is old, and not reported, when
 *     the base has one of the same kind starting on the line it maps to,
 *     one of the same shape on a line of the same text, or an ERROR
 *     spanning where it starts (a region the grammar never understood).
 *     A new error is reported on the edit inside it, else on the nearest
 *     edit above it (a deleted closing line shows up as a MISSING '}' or
 *     'end' at the end of the block or file) with "(detected at line
 *     N)", else the nearest below; one away from every edit is dropped
 *     when an old error the head no longer has lies within 3 lines
 *     (recovery reshaped it). An added file is checked against an empty
 *     base, except in C, C++ and Bash, whose grammars reject valid code
 *     (macros the preprocessor would expand, a here-document followed by
 *     '&'): they are checked only against a base. Errors from constructs
 *     valid code has that the pinned grammars cannot parse are excused
 *     where the change wrote them: C/C++ lines that look like macro use
 *     (a word in capitals outside any argument, `name(...) {`, with
 *     balanced parentheses and closed strings), conditional directives
 *     the change added around the error, TypeScript variance annotations
 *     (`<in T>`, `<out T>`), shell here-documents followed by more on
 *     their line. A file with no language from its name (no extension)
 *     takes it from the head's first line (a shebang). At most
 *     REVIEW_STRUCTURE_MAX_SYNTAX findings per file, one per line;
 *   - files over `max_bytes` are not parsed, and a parse that takes longer
 *     than `timeout_us` is abandoned: such a file gets no structural
 *     findings, and the return value says why.
 *
 * Ownership: review_structure_add() copies the spec deeply. A struct
 * review_structure owns its rules and compiled queries;
 * review_structure_release() frees them. Built-in rules are compiled
 * lazily, per grammar, by the first scan of a file in that grammar, so a
 * scan may change the set. Once review_structure_ready() has been called
 * for every file to scan, scans of those files only read the set and may
 * run on several threads at once (each scan has its own parser, cursor and
 * match data).
 */
#ifndef REVIEW_STRUCTURE_H
#define REVIEW_STRUCTURE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "review/finding.h"

#define REVIEW_STRUCTURE_SYNTAX_ID "structure/syntax-error"
#define REVIEW_STRUCTURE_MAX_SYNTAX 5
#define REVIEW_STRUCTURE_MAX_BYTES (4u << 20)
#define REVIEW_STRUCTURE_TIMEOUT_US 3000000u

/* One query rule, as declared. */
struct review_query_spec {
	const char *id;		/* "structure/py-bare-except"; unique */
	const char *pack;	/* "structure", "config"; NULL: the pack's */
	const char *language;	/* "python", "tsx", ... */
	const char *query;	/* tree-sitter query source */
	const char *message;	/* what, why, what to do; NULL: the id */
	enum review_severity severity;	/* NOTE..ERROR; NONE: WARNING */
	const char *capture;	/* capture to report, without '@'; or NULL */
	/*
	 * Complete little files in the language, checked by
	 * review_structure_selftest(): each true example must produce a
	 * finding of the rule, each false example none, and all must parse
	 * without syntax errors.
	 */
	const char *const *examples_true;
	const char *const *examples_false;
};

/* A built-in pack of query rules: a table in review/pack_NAME.c. */
struct review_query_pack {
	const char *name;
	const char *summary;
	const struct review_query_spec *rules;
	size_t nr_rules;
};

extern const struct review_query_pack review_pack_structure;

/* All built-in query packs, NULL-terminated. */
const struct review_query_pack *const *review_structure_builtin_packs(void);

struct review_query;	/* a compiled rule, private to structure.c */
struct review_structure_group;	/* a grammar's rules in one query */

struct review_structure {
	struct review_query *items;
	size_t nr, alloc;
	struct review_structure_group *groups;
	size_t nr_groups, alloc_groups;
	size_t max_bytes;	/* larger files are skipped */
	uint64_t timeout_us;	/* per parse; 0: no limit */
	int syntax_check;	/* report structure/syntax-error */
	int defer_compile;	/* private: add without compiling (built-ins) */
};

/* Defaults: REVIEW_STRUCTURE_MAX_BYTES, _TIMEOUT_US, syntax check on. */
void review_structure_init(struct review_structure *s);
void review_structure_release(struct review_structure *s);

/*
 * Compile and append a rule. Fails with TEND_EINVALID and a message that
 * starts with "query 'ID': " for a missing id, query or language, a
 * duplicate id, a language without a grammar, a query that does not
 * compile ("query 'x': invalid query at offset 7 (line 1, column 8):
 * unknown node type 'fnction_definition'"; the kinds are "syntax error",
 * "unknown node type", "unknown field", "unknown capture", "impossible
 * pattern"), a query without captures, an unknown `capture`, an unknown or
 * malformed predicate, or a #match? regex that PCRE2 refuses ("... invalid
 * regex in #match? at offset 3: missing closing parenthesis"). On failure
 * the set is unchanged.
 */
int review_structure_add(struct review_structure *s,
			 const struct review_query_spec *spec, struct buf *err);

/*
 * Add every rule of the built-in pack `pack`, or of all packs when NULL.
 * TEND_ENOTFOUND for an unknown pack.
 */
int review_structure_add_builtin(struct review_structure *s, const char *pack,
				 struct buf *err);

/*
 * Disable the rules whose id is `id_or_pack`, whose pack is named so, or
 * whose id matches it as a glob; "structure/syntax-error" (or its pack,
 * "structure") turns the syntax check off. Returns how many rules (the
 * syntax check counting as one) it disabled.
 */
size_t review_structure_disable(struct review_structure *s,
				const char *id_or_pack);

size_t review_structure_count(const struct review_structure *s);
size_t review_structure_count_enabled(const struct review_structure *s);
/* Is rule i enabled (not turned off by review_structure_disable)? */
int review_structure_enabled(const struct review_structure *s, size_t i);
/* The spec of rule i, borrowed from the set; NULL past the end. */
const struct review_query_spec *review_structure_get(
	const struct review_structure *s, size_t i);

/*
 * Would a scan of a file of language `lang` at `path` do anything: is
 * there a grammar, and an enabled rule or the syntax check for it? Lets a
 * caller skip reading blobs it does not need. A file without a language
 * and without an extension is wanted: its first line may name one.
 */
int review_structure_wants(const struct review_structure *s,
			   const char *lang, const char *path);

/*
 * Compile what a scan of the file `path` in language `lang` will need (its
 * grammar's rules, and C++'s for a C header), so that the scan itself only
 * reads the set. Call it for each file before scanning files in parallel.
 */
void review_structure_ready(struct review_structure *s, const char *lang,
			    const char *path);

/*
 * Check the head version `new_text` (new_len bytes, need not be
 * NUL-terminated) of the file `path` in language `lang`, appending
 * findings to `out`. `old_text` is the base version, or NULL for an added
 * file. `lang` may be NULL: a file without an extension then takes its
 * language from the first line of `new_text`. `changed_lines` holds the
 * new-side numbers of the added lines in ascending order; NULL with
 * nr_changed 0 means every line changed. Query rules ignore it; the
 * syntax check finds where the change is from the two texts and uses it
 * only to narrow its own walks (see above).
 *
 * Returns 0 when the file was checked, TEND_ENOTFOUND when there is no
 * grammar for it (nothing to do), TEND_ETOOBIG when it is over max_bytes
 * and TEND_ETIMEOUT when parsing took too long (the file went unchecked:
 * worth saying in the summary). A base version that is too big or times
 * out only turns the syntax check off for the file.
 */
int review_structure_scan(struct review_structure *s, const char *path,
			  const char *lang, const char *new_text,
			  size_t new_len, const char *old_text,
			  size_t old_len, const uint32_t *changed_lines,
			  size_t nr_changed, struct review_findings *out);

/*
 * Check every rule's examples (enabled or not); 0, or TEND_ERROR with one
 * line per failure in `err`.
 */
int review_structure_selftest(struct review_structure *s, struct buf *err);

#endif
