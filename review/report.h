/*
 * report.h - the outcome of a review and the formats it is written in.
 *
 * struct review_result is what the review pipeline hands to its callers:
 * the change set, every changed file with its status, the findings that
 * survived the diff filter, the checks that could not run (tool errors),
 * and what is known about the rules that produced the findings. The
 * formatters turn it into:
 *
 *   text         for people at a terminal;
 *   json         tend's own shape, for scripts;
 *   markdown     a summary for a PR comment or a step summary, kept under
 *                GitHub's 65536-character limit (the table is cut with a
 *                note; counts always cover everything);
 *   sarif        SARIF 2.1.0 for code-scanning uploads: every rule used
 *                has a short and full description and help, every result
 *                a message, a region (startLine >= 1; a whole-file
 *                finding points at line 1) and partialFingerprints; tool
 *                errors are toolExecutionNotifications;
 *   codequality  GitLab Code Quality: an array of {description,
 *                check_name, fingerprint, severity, location{path,
 *                lines{begin,end}}}; entries without a relative path are
 *                left out, fingerprints are unique;
 *   rdjson       reviewdog's Diagnostic Result JSON;
 *   github       GitHub workflow commands (::error/::warning/::notice),
 *                at most 10 of each kind, then one plain line counting
 *                the rest.
 *
 * Severity mappings (tend -> format):
 *   SARIF level        note -> note, warning -> warning, error -> error
 *   Code Quality       note -> info, warning -> minor, error -> critical,
 *                      and error in the secrets pack -> blocker (a leaked
 *                      credential blocks a merge); major is not used
 *   rdjson             note -> INFO, warning -> WARNING, error -> ERROR
 *   GitHub command     note -> ::notice, warning -> ::warning,
 *                      error -> ::error
 *
 * Tool errors (a linter that crashed, timed out or printed garbage)
 * appear in text, json, markdown, sarif and github; Code Quality and
 * rdjson have no place for them and carry findings only.
 *
 * Secrets: no format prints one. Every string of the result that may
 * quote code or a tool (finding messages, snippets and suggestions, tool
 * error messages, skip details, rule messages and patterns, the agents'
 * section) is masked line by line with the built-in `secrets` pack as it
 * is written (review_rules_mask_text(): at most the first four
 * characters of a secret, then "****"), whichever check produced it; so
 * is every text review_report_md_text() writes. The result itself is not
 * changed: review_result_mask() does that, for callers that hand its
 * strings on elsewhere (comments, annotations).
 *
 * Ownership: a review_result owns its diff, its file entries (and their
 * details), its findings, its tool errors and its rule metadata;
 * review_result_release() frees them.
 */
#ifndef REVIEW_REPORT_H
#define REVIEW_REPORT_H

#include "common/buf.h"
#include "review/diff.h"
#include "review/filter.h"
#include "review/finding.h"
#include "review/rules.h"

/* A check that could not run or whose output could not be read. */
struct review_tool_error {
	char *tool;		/* the linter's name: "cppcheck" */
	char *message;		/* "timed out after 300 s" */
};

/*
 * What the report says about a rule (SARIF `rules`, markdown), copied from
 * the rule set so it outlives it. Lists are joined with ", "; NULL means
 * "any".
 */
struct review_rule_info {
	char *id;
	char *pack;
	char *message;
	char *pattern;		/* PCRE2 source, or tree-sitter query */
	char *languages;
	char *paths;
	enum review_severity severity;
	int filename_rule;	/* the pattern matches added files' paths */
	int query_rule;		/* `pattern` is a tree-sitter query */
};

struct review_result {
	char *base_rev;		/* as named: "main", "HEAD~3" */
	char *head_rev;
	char base_oid[41];	/* the merge-base actually diffed from */
	char head_oid[41];
	struct review_diff diff;
	struct review_file_entry *files; /* one per diff file, same order */
	size_t nr_files;
	struct review_findings findings;	/* after the diff filter */
	size_t filtered_out;	/* findings the diff filter dropped */
	/*
	 * Reviewed files whose structural checks did not run because the
	 * review's parse budget (checks.structure_max_mb) was spent.
	 */
	size_t structure_skipped;
	long structure_budget_mb;
	size_t rules_active;
	enum review_filter_mode filter;
	enum review_severity fail_level;
	long elapsed_ms;
	struct review_tool_error *tool_errors;
	size_t nr_tool_errors, alloc_tool_errors;
	struct review_rule_info *rules;	/* every enabled rule */
	size_t nr_rules, alloc_rules;
	/*
	 * What the agents did (models, tokens, cost, what they saw), as a
	 * markdown section for summaries; owned, NULL when none ran.
	 */
	char *agents_md;
	/* What the agents cost (USD); cost_unknown when a price was missing. */
	double cost_usd;
	int cost_unknown;
};

void review_result_init(struct review_result *r);
void review_result_release(struct review_result *r);

/* Number of files reviewed (not skipped). */
size_t review_result_reviewed(const struct review_result *r);

/* Count findings of each severity; out[REVIEW_SEV_NOTE..ERROR]. */
void review_result_count(const struct review_result *r, size_t out[4]);

/*
 * The highest severity in the result, for the exit status: the highest
 * finding, and REVIEW_SEV_ERROR when any check failed to run (a review
 * that lost a linter must not report green).
 */
enum review_severity review_result_max(const struct review_result *r);

/* Record that `tool` could not run; both strings are copied. */
void review_result_add_tool_error(struct review_result *r, const char *tool,
				  const char *message);

/*
 * Copy the metadata of every enabled rule of `rs` into the result, so the
 * report can describe the rules its findings cite after the rule set is
 * gone. Replaces what was there.
 */
void review_result_set_rules(struct review_result *r,
			     const struct review_rules *rs);

/*
 * Add the metadata of one rule (a structural query rule, say); every
 * string is copied. A rule whose id is already there is replaced.
 */
void review_result_add_rule(struct review_result *r,
			    const struct review_rule_info *info);

/* The metadata of rule `id`, or NULL (linter and agent rules have none). */
const struct review_rule_info *review_result_rule(const struct review_result *r,
						  const char *id);

enum review_format {
	REVIEW_FORMAT_TEXT = 0,
	REVIEW_FORMAT_JSON,
	REVIEW_FORMAT_SARIF,
	REVIEW_FORMAT_MARKDOWN,
	REVIEW_FORMAT_CODEQUALITY,
	REVIEW_FORMAT_RDJSON,
	REVIEW_FORMAT_GITHUB
};

/* Most annotations of each kind GitHub shows for one step. */
#define REVIEW_GITHUB_MAX_ANNOTATIONS 10
/* The markdown report stays below GitHub's comment limit (65536). */
#define REVIEW_MARKDOWN_MAX 65000

/*
 * Parse a --format name: text, json, markdown, sarif, codequality,
 * rdjson, github. TEND_EINVALID for any other.
 */
int review_format_parse(enum review_format *out, const char *name);

/* The name of a format, as review_format_parse() takes it. */
const char *review_format_name(enum review_format fmt);

/*
 * Append the report to `out`. `color` adds ANSI colors to the text format
 * (ignored by the others).
 */
void review_report_write(struct buf *out, const struct review_result *r,
			 enum review_format fmt, int color);

/*
 * Append untrusted text to markdown: one line, no HTML, no markup, no
 * table breaks, no @-mentions, cut at `max` bytes on a character boundary
 * (with an ellipsis).
 */
void review_report_md_text(struct buf *out, const char *s, size_t max);

/* A finding's message, or its rule id when it has none. */
const char *review_report_message(const struct review_finding *f);

/*
 * Append `s` (`len` bytes, any number of lines) to `out` with every secret
 * that a rule of the built-in `secrets` pack finds on a line masked (see
 * review_rules_mask_text()); returns how many it masked. The pack is
 * compiled on the first call and kept for the life of the process.
 */
size_t review_report_mask(struct buf *out, const char *s, size_t len);

/*
 * Mask, in place, every string of `r` that the formats would mask as they
 * write it: finding messages, snippets and suggestions, tool error
 * messages, skip details, rule messages and patterns, the agents'
 * section. For callers that send those strings anywhere else.
 */
void review_result_mask(struct review_result *r);

#endif
