/*
 * finding.h - a finding: one thing a check says about one place in the
 * change, and the list of them.
 *
 * Every check (rule packs, structural checks, linters, agents) produces the
 * same struct, so filtering, dedupe, anchoring and every output format treat
 * them alike. A finding is about the NEW side of the change (line numbers in
 * the head version) unless `side` says otherwise; a finding about a whole
 * file (a secret-like file name, say) has line 0.
 *
 * Ownership: all strings are owned by the finding and freed by
 * review_findings_release(). review_findings_add() copies what it is given.
 */
#ifndef REVIEW_FINDING_H
#define REVIEW_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum review_severity {
	REVIEW_SEV_NONE = 0,	/* only as a fail level: never fail */
	REVIEW_SEV_NOTE = 1,
	REVIEW_SEV_WARNING = 2,
	REVIEW_SEV_ERROR = 3
};

struct review_finding {
	char *path;
	uint32_t line;		/* first line, 0 for the whole file */
	uint32_t end_line;	/* last line, >= line */
	uint32_t col;		/* 1-based column of the match start, 0 unknown */
	uint32_t end_col;	/* 1-based column just past the match, 0 unknown */
	enum review_severity severity;
	char *rule_id;		/* "hygiene/merge-conflict-marker" */
	char *message;		/* one or two sentences: what and why */
	char *source;		/* "rules", "structure", "linter:NAME", "agent:NAME" */
	char *snippet;		/* the matched line(s), masked for secrets; or NULL */
	char *suggestion;	/* replacement text for line..end_line, or NULL */
	char *fingerprint;	/* stable id, see review_finding_fingerprint() */
	char *model;		/* the model an agent's finding came from
				   ("provider/model"), or NULL */
	char *size;		/* an agent's: the change's size as routing
				   saw it ("small", "large"), or NULL */
	double cost_usd;	/* an agent's: its run's cost over the
				   comments it kept; 0 unknown */
};

struct review_findings {
	struct review_finding *items;
	size_t nr, alloc;
};

void review_findings_init(struct review_findings *list);
void review_findings_release(struct review_findings *list);

/*
 * Append a copy of `f` (its strings are duplicated; NULLs stay NULL) and
 * return the stored finding, which stays valid until the next append.
 */
struct review_finding *review_findings_add(struct review_findings *list,
					   const struct review_finding *f);

/* Sort by path, line, column, rule id; drop exact duplicates. */
void review_findings_sort(struct review_findings *list);

/* Remove the items for which keep() returns 0, keeping the order. */
void review_findings_filter(struct review_findings *list,
			    int (*keep)(const struct review_finding *, void *),
			    void *data);

/* The highest severity in the list, REVIEW_SEV_NONE when empty. */
enum review_severity review_findings_max(const struct review_findings *list);

/* "note", "warning", "error", "none". */
const char *review_severity_name(enum review_severity sev);

/* Parse a severity or fail level name; returns 0 or TEND_EINVALID. */
int review_severity_parse(enum review_severity *out, const char *name);

/*
 * Give every finding a fingerprint that survives unrelated edits: a hash of
 * the rule id, the path, the finding's line text with white space collapsed
 * (`line_text` returns it, or NULL), and the occurrence number among earlier
 * findings with the same three. Line numbers are not part of it, so lines
 * inserted above a finding do not change it. Existing fingerprints are
 * replaced.
 */
void review_findings_fingerprint(struct review_findings *list,
				 const char *(*line_text)(
					 const struct review_finding *f,
					 size_t *len, void *data),
				 void *data);

#endif
