/*
 * filter.h - what to look at: which changed files are reviewed (and why the
 * others are not), and which findings the diff filter lets through.
 *
 * Honest output starts here: every file of the change gets an entry, either
 * reviewed or skipped with a reason a person can act on.
 *
 * Diff filter modes have reviewdog's meaning:
 *   added         only findings on '+' lines;
 *   diff_context  findings on any line inside a hunk (the default);
 *   file          findings anywhere in a changed file;
 *   nofilter      everything, even in files outside the change.
 * A finding that spans lines is kept when any of its lines qualifies. A
 * finding about a whole file (line 0) is kept when the file is in the change.
 */
#ifndef REVIEW_FILTER_H
#define REVIEW_FILTER_H

#include <stddef.h>

#include "review/diff.h"
#include "review/finding.h"

enum review_filter_mode {
	REVIEW_FILTER_ADDED = 0,
	REVIEW_FILTER_DIFF_CONTEXT,
	REVIEW_FILTER_FILE,
	REVIEW_FILTER_NOFILTER
};

int review_filter_mode_parse(enum review_filter_mode *out, const char *name);
const char *review_filter_mode_name(enum review_filter_mode mode);

enum review_skip {
	REVIEW_SKIP_NONE = 0,	/* reviewed */
	REVIEW_SKIP_DELETED,
	REVIEW_SKIP_BINARY,
	REVIEW_SKIP_SUBMODULE,
	REVIEW_SKIP_IGNORED,
	REVIEW_SKIP_GENERATED,
	REVIEW_SKIP_TOO_LARGE
};

/* "reviewed", "deleted", "binary", "submodule", "ignored", "generated", "too large" */
const char *review_skip_name(enum review_skip skip);

struct review_file_entry {
	const struct review_diff_file *file;	/* borrowed from the diff */
	enum review_skip skip;
	char *detail;		/* why it was skipped, in words; owned, or NULL */
	const char *lang;	/* static language id, or NULL */
};

struct review_filter_opts {
	const char *const *ignore;	/* globs from review.ignore */
	size_t nr_ignore;
	size_t max_file_bytes;		/* changed text per file; 0 = no cap */
	/* gitattribute linguist-generated for a path: 1 set, else 0 */
	int (*generated_attr)(const char *path, void *data);
	void *data;
	/*
	 * The change comes from an untrusted head: a generated-code marker
	 * counts only on an unchanged line (the base had it too), and the
	 * minified heuristic, which the head's own text decides, is off.
	 */
	int untrusted;
};

/*
 * Decide whether `f` is reviewed; fills `out` (whose detail the caller
 * frees with free()).
 */
void review_filter_classify(struct review_file_entry *out,
			    const struct review_diff_file *f,
			    const struct review_filter_opts *opts);

/*
 * Does the diff filter keep finding `fd` in file `f` (NULL when the file is
 * not in the change)?
 */
int review_filter_keep(const struct review_diff_file *f,
		       enum review_filter_mode mode,
		       const struct review_finding *fd);

#endif
