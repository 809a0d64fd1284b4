/*
 * rules.h - the PCRE2 rule engine: named regular-expression rules, grouped
 * in packs, run over the changed text of a file and turned into findings.
 *
 * A rule is declared as a struct review_rule_spec: plain data, so built-in
 * packs are tables (review/pack_*.c) and user rules from `checks.rules` in
 * the config are filled in by the caller. There are two kinds:
 *
 *   - content rules match the text of a file, line by line in effect but
 *     in one pass over a block of lines;
 *   - filename rules (`filename_rule`) match the repository-relative path
 *     of a file the change adds, for names like ".env" or "id_rsa" whose
 *     mere presence is the finding.
 *
 * Patterns are compiled with PCRE2_UTF | PCRE2_MATCH_INVALID_UTF (so bytes
 * that are not UTF-8 never stop a scan; they just match nothing that needs
 * a character) and PCRE2_MULTILINE, with "\n", "\r" or "\r\n" ending a line
 * for ^ and $, and JIT-compiled when the platform has a JIT. A pattern that
 * matches the empty string is refused: it would flag every line.
 *
 * Scanning semantics (review_rules_scan):
 *   - a rule applies when its `languages` list is empty or holds the file's
 *     language id, and its `paths` list is empty or a glob in it matches
 *     the path (common/glob.h);
 *   - when a rule has `keywords`, the block is searched for them first
 *     (literal, case-sensitive) and the regex runs only if one occurs; a
 *     rule's keywords must therefore occur in every text it can match;
 *   - the regex runs over the whole block; each match's start gives the
 *     line; a match on a line that the rule's `exclude_line` pattern
 *     matches is dropped; a rule reports at most one finding per line
 *     (its first match there) and the search resumes at the start of the
 *     next line after the match; a match that crosses lines sets end_line;
 *   - columns are 1-based and count UTF-8 characters; `\K` moves the
 *     reported start, which lets a pattern look at a line's beginning and
 *     still point at the interesting part;
 *   - a rule that exceeds PCRE2's match limit on a block is stopped for
 *     that block with a warning in the log; other rules go on.
 *
 * Ownership: review_rules_add() copies the spec deeply; nothing the caller
 * passes is kept. A struct review_rules owns its rules and compiled code;
 * review_rules_release() frees them. Scanning only reads the rule set, so
 * one set may be scanned from several threads at once.
 */
#ifndef REVIEW_RULES_H
#define REVIEW_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "review/finding.h"

/* A NULL-terminated string list literal, for rule tables. */
#define REVIEW_STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/*
 * One rule, as declared. String lists are NULL-terminated; NULL or an empty
 * list means "no restriction" for languages and paths and "no prefilter"
 * for keywords.
 */
struct review_rule_spec {
	const char *id;		/* "hygiene/merge-conflict-marker"; unique */
	const char *pack;	/* "hygiene", "config"; NULL: the pack's name */
	const char *pattern;	/* PCRE2 source */
	const char *message;	/* what, why and what to do; NULL: the id */
	enum review_severity severity;	/* NOTE..ERROR; NONE: WARNING */
	const char *const *languages;	/* language ids (review/lang.h) */
	const char *const *paths;	/* globs the path must match */
	const char *const *keywords;	/* literal prefilter, any of */
	/*
	 * A second PCRE2 pattern, or NULL: a match on a line that this
	 * pattern matches is dropped, with the rest of that line. Use it for
	 * "not in a comment" (`^[ \t]*#`): it runs only on lines that
	 * already matched, which is far cheaper than a lookahead at every
	 * line start in `pattern`.
	 */
	const char *exclude_line;
	int filename_rule;	/* match the path of an added file */
	/*
	 * Examples kept next to the rule and checked by
	 * review_rules_selftest(): texts (paths, for a filename rule) the rule
	 * must flag and must not flag. A text may hold several lines.
	 */
	const char *const *examples_true;
	const char *const *examples_false;
	/* The path the examples are scanned under; NULL: "example". */
	const char *example_path;
};

/* A built-in pack: a table of specs in a review/pack_NAME.c file. */
struct review_rule_pack {
	const char *name;	/* "hygiene" */
	const char *summary;	/* one line for `tend rules` */
	const struct review_rule_spec *rules;
	size_t nr_rules;
};

/* The built-in packs; each is defined in its own review/pack_NAME.c. */
extern const struct review_rule_pack review_pack_hygiene;

/* All built-in packs, NULL-terminated, in the order they are loaded. */
const struct review_rule_pack *const *review_rules_builtin_packs(void);

struct review_rule;	/* a compiled rule, private to rules.c */

struct review_rules {
	struct review_rule *items;
	size_t nr, alloc;
	void *match_ctx;	/* pcre2_match_context *, shared and read-only */
};

void review_rules_init(struct review_rules *rs);
void review_rules_release(struct review_rules *rs);

/*
 * Compile and append a rule. Fails with TEND_EINVALID and a message that
 * starts with "rule 'ID': " for a missing id or pattern, a duplicate id, an
 * unknown language id, a pattern that does not compile ("rule 'x': invalid
 * pattern at offset 7: missing closing parenthesis") or one that matches
 * the empty string. On failure the set is unchanged.
 */
int review_rules_add(struct review_rules *rs,
		     const struct review_rule_spec *spec, struct buf *err);

/*
 * Add every rule of the built-in pack `pack`, or of all packs when `pack`
 * is NULL. Fails with TEND_ENOTFOUND for an unknown pack name; any other
 * failure is a bug in a pack table and is reported the same way as for
 * review_rules_add().
 */
int review_rules_add_builtin(struct review_rules *rs, const char *pack,
			     struct buf *err);

/*
 * Disable the rules whose id is `id_or_pack`, whose pack is named so, or
 * whose id matches it as a glob (common/glob.h). Returns how many
 * rules it disabled (0 when nothing matched). Disabled rules stay listed.
 */
size_t review_rules_disable(struct review_rules *rs, const char *id_or_pack);

/* Number of rules in the set, enabled or not. */
size_t review_rules_count(const struct review_rules *rs);

/* Number of enabled rules. */
size_t review_rules_count_enabled(const struct review_rules *rs);

/* The spec of rule i (i < count), as stored; borrowed from the set. */
const struct review_rule_spec *review_rules_get(const struct review_rules *rs,
						size_t i);

/* Is rule i enabled? */
int review_rules_enabled(const struct review_rules *rs, size_t i);

/*
 * Scan a block of text with every enabled content rule that applies to
 * `path` and `lang` (which may be NULL: then only rules without languages
 * apply). `text` holds `nr_lines` lines separated by '\n' (a final '\n' is
 * allowed); it need not be NUL-terminated and is not copied. line_nos[i]
 * is the new-side number of line i, or line_nos is NULL and lines are
 * numbered from 1. Appends findings with source "rules", path, line and
 * end_line, col and end_col, severity, rule id, message, and the matched
 * line(s) as the snippet (without line ends, at most 1 KiB).
 */
void review_rules_scan(const struct review_rules *rs, const char *path,
		       const char *lang, const char *text, size_t len,
		       const uint32_t *line_nos, size_t nr_lines,
		       struct review_findings *out);

/*
 * Match every enabled filename rule against `path` (the caller calls this
 * for added files only) and append a whole-file finding (line 0) for each
 * that matches and whose `paths`, if any, match.
 */
void review_rules_scan_filename(const struct review_rules *rs,
				const char *path, struct review_findings *out);

/*
 * Check every rule's examples (enabled or not): each true example must
 * produce a finding of that rule, each false example none. Returns 0, or
 * TEND_ERROR with one line per failure in `err`.
 */
int review_rules_selftest(const struct review_rules *rs, struct buf *err);

#endif
