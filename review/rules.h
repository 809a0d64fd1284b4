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
 *   - one line at a time: unless a rule is `multiline`, each search
 *     of its pattern has one line as its subject, without the line's
 *     end, so no match (nor a lookaround, nor a negated class such as
 *     [^"] or \s) reaches into the line before or after it; ^, $, \A
 *     and \z all mean the line's edges. A rule without local keywords
 *     first searches the whole block, which only tells it the next line
 *     that may hold a match, and then searches that line alone. Only a
 *     rule that declares `multiline` (a private key block) sees the
 *     block as one subject and may match across lines; user rules from
 *     the config never do;
 *   - keyword prefilter: the keywords of every rule in the set are
 *     compiled into one index (a table of the lowercased first two bytes
 *     of each keyword, then a compare), and a scan makes ONE pass over
 *     the block that records, for each applicable rule, the lines on
 *     which one of its keywords occurs (literally; case-insensitively for
 *     ASCII when the rule sets `keywords_icase`). A rule none of whose
 *     keywords occurs is skipped. Otherwise its regex runs over the whole
 *     block, so a rule's keywords must occur somewhere in every text it
 *     can match; or, when the rule sets `keywords_local`, only on each
 *     line holding a keyword, and a match must START on that line (for
 *     a multi-line rule, PCRE2's offset limit; it may run on past the
 *     line): the keywords of such a rule must occur on the first line of
 *     every text it can match. Local keywords are what keep a hundred
 *     rules over tens of megabytes fast. A rule without keywords runs
 *     over the whole block;
 *   - each match's start gives the line; a match on a line that the
 *     rule's `exclude_line` pattern matches is dropped; a rule reports at
 *     most one finding per line (its first accepted match there) and the
 *     search resumes at the start of the next line after the match; a
 *     match of a multi-line rule that crosses lines sets end_line;
 *   - the "value" of a match is its capture group `secret_group` (the
 *     whole match when 0 or when the group did not take part). A match
 *     whose value has less Shannon entropy than `min_entropy`, or that an
 *     `allow` pattern matches, is not accepted, and the search goes on
 *     after it on the same line;
 *   - secret rules (`secret`): the value is a credential. Besides the
 *     above, a value that looks like a placeholder is not accepted (see
 *     review_rules_placeholder()); nor is one that overlaps a value an
 *     earlier secret rule already reported in the same scan, so one
 *     secret gives one finding and the specific rules, listed first, win
 *     over generic ones. Secret rules run before the other rules of a
 *     scan, and every accepted secret is masked in the snippet of EVERY
 *     finding of that scan, not only its own, and so is every other
 *     occurrence of the same text and every further match of the rule on
 *     the rest of the finding's line (which gets no finding of its own,
 *     one per line, but is a secret all the same): the secret becomes its
 *     first review_rules_mask_keep() characters (at most 4, and at most
 *     a quarter of it) followed by "****". On top of that, every line of
 *     every snippet is masked on its own (review_rules_mask_text()):
 *     whatever any secret rule of the set, enabled or not and whatever
 *     the path, finds on that line is masked, which catches a secret the
 *     scan did not report (a path the rule skips, a value that overlaps
 *     a shorter one already reported). Messages are the rule's and
 *     never hold matched text. No whole secret leaves this module;
 *   - `skip_paths`: a rule does not apply to a path that one of these
 *     globs matches; a built-in pack may add globs to all its rules (the
 *     `secrets` pack skips lockfiles, whose hashes look like secrets);
 *   - columns are 1-based and count UTF-8 characters; `\K` moves the
 *     reported start, which lets a pattern look at a line's beginning and
 *     still point at the interesting part;
 *   - a rule that exceeds PCRE2's match limit on a block is stopped for
 *     that block with a warning in the log; other rules go on.
 *
 * Ownership: review_rules_add() copies the spec deeply; nothing the caller
 * passes is kept. A struct review_rules owns its rules, compiled code and
 * keyword index (updated by each add); review_rules_release() frees them.
 * Scanning only reads the rule set (each scan copies the match context to
 * set its own offset limits), so one set may be scanned from several
 * threads at once.
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
	/* Keywords match ASCII case-insensitively ("API_KEY" for "api_key"). */
	int keywords_icase;
	/*
	 * Every match starts on a line that holds a keyword, so the regex
	 * runs only from those lines (see the scanning semantics).
	 */
	int keywords_local;
	/* Globs of paths the rule never applies to (lockfiles, fixtures). */
	const char *const *skip_paths;
	/*
	 * The capture group that holds the value (the secret) of a match;
	 * 0: the whole match. It must exist in `pattern`.
	 */
	int secret_group;
	/*
	 * Least Shannon entropy, in bits per byte, of the value for a match
	 * to count; 0: no threshold. Random base62 text of 20+ characters
	 * scores 4 and more; words and identifiers score 2.5 to 3.5.
	 */
	double min_entropy;
	/*
	 * PCRE2 patterns: a match whose value one of them matches is dropped
	 * (rule-specific placeholders, well-known documentation values).
	 */
	const char *const *allow;
	/*
	 * The value is a credential: mask it in every output, drop
	 * placeholders, one finding per secret (see the scanning semantics).
	 */
	int secret;
	/*
	 * A match may span several lines (a PEM private key block). Without
	 * it, every match lies within one line: see the scanning semantics.
	 * Its snippet holds every line of the match, each masked.
	 */
	int multiline;
};

/* A built-in pack: a table of specs in a review/pack_NAME.c file. */
struct review_rule_pack {
	const char *name;	/* "hygiene" */
	const char *summary;	/* one line for `tend rules` */
	const struct review_rule_spec *rules;
	size_t nr_rules;
	/* Globs added to the `skip_paths` of every rule of the pack. */
	const char *const *skip_paths;
};

/* The built-in packs; each is defined in its own review/pack_NAME.c. */
extern const struct review_rule_pack review_pack_hygiene;
extern const struct review_rule_pack review_pack_secrets;
extern const struct review_rule_pack review_pack_risky;

/* All built-in packs, NULL-terminated, in the order they are loaded. */
const struct review_rule_pack *const *review_rules_builtin_packs(void);

struct review_rule;	/* a compiled rule, private to rules.c */

struct review_rules_index;	/* the keyword index, private to rules.c */

struct review_rules {
	struct review_rule *items;
	size_t nr, alloc;
	void *match_ctx;	/* pcre2_match_context *, shared and read-only */
	struct review_rules_index *index;	/* keywords of all rules */
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
 * line(s) as the snippet (without line ends, at most 1 KiB; of one line
 * longer than that, such as minified code, the part that starts a little
 * before the match).
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
 * produce a finding of that rule, each false example none; for a secret
 * rule, no snippet of a true example's findings may hold the whole secret
 * of any accepted match. Returns 0, or TEND_ERROR with one line per
 * failure in `err` (which names the rule and quotes the example; the
 * examples are fakes, so this is the one message that may show them).
 */
int review_rules_selftest(const struct review_rules *rs, struct buf *err);

/*
 * Does `s` (the value of a secret rule's match) look like a placeholder
 * rather than a credential? True when it holds, case-insensitively, one of
 * "example", "xxxx", "changeme", "change_me", "dummy", "placeholder",
 * "sample", "fake", "redacted", "your_", "your-", "test", "replace",
 * "insert", "todo", "<", ">", "${", "{{", "$(", "%s", "*****", "...."
 * (in a value longer than 100 bytes, such as a private key's body, only
 * the words of six letters or more: the short ones occur there by
 * chance); when one byte makes up 60% or more of it; or a run of 6
 * consecutive ascending or descending characters ("123456", "abcdef").
 */
int review_rules_placeholder(const char *s, size_t len);

/* Shannon entropy of the bytes of `s`, in bits per byte (0 when empty). */
double review_rules_entropy(const char *s, size_t len);

/*
 * How many leading bytes of a secret of `len` bytes a masked output
 * shows: min(4, len / 4), so never more than a quarter of it.
 */
size_t review_rules_mask_keep(size_t len);

/*
 * Append `text` (`len` bytes, lines separated by '\n') to `out` with every
 * secret masked, line by line: the value of every match of every secret
 * rule of `rs` (enabled or disabled, whatever its paths and languages;
 * values that the rule's entropy, placeholder and allow checks reject
 * are not secrets) becomes its review_rules_mask() form, and so does
 * every other occurrence of that value in the text. A multi-line rule
 * (a private key block) may match across the lines of `text`. Line ends
 * and every other byte are kept. Returns how many values it masked.
 */
size_t review_rules_mask_text(const struct review_rules *rs, struct buf *out,
			      const char *text, size_t len);

/*
 * Append the masked form of a secret to `out`: its first
 * review_rules_mask_keep() bytes (fewer, to end on a UTF-8 boundary) and
 * "****".
 */
void review_rules_mask(struct buf *out, const char *s, size_t len);

#endif
