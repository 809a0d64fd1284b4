/*
 * evidence.h - checking a review agent's comments against the change before
 * any of them is posted.
 *
 * A reviewer agent answers through submit_review with comments
 * {path, line, side?, start_line?, severity, body, suggestion?, quote},
 * where `quote` is the verbatim text of the anchored line(s). A model can
 * be wrong about all of it: a path that is not in the change, a line that
 * is not in the diff, a line number off by a few, a quote it made up, a
 * suggestion that changes nothing or would not apply. Every comment is
 * therefore checked here against the parsed change (review/diff.h) and the
 * head version of its file; a comment that fails is dropped and counted
 * under one reason, never posted. A comment that passes becomes a
 * review_finding like any static check's.
 *
 * The checks, in the order they run (the first that fails names the
 * reason):
 *
 *   empty_body          the body is missing or only white space;
 *   bad_severity        not "note", "warning" or "error" (any case);
 *   path_not_in_change  no file of the change has that path; "./" and
 *                       git's "b/" prefixes are tried after the exact
 *                       path;
 *   off_diff            `line` (or `start_line`) is not shown in the diff
 *                       on its side, is < 1, the side is not "RIGHT" or
 *                       "LEFT", or the lines are deleted lines (below);
 *   range_across_hunks  start_line and line are both in the diff but in
 *                       different hunks; GitHub and GitLab refuse such a
 *                       range;
 *   quote_mismatch      the quote is not the text of the lines. Both sides
 *                       are compared line by line after removing a '\r'
 *                       before each '\n' and leading and trailing white
 *                       space (indentation is often re-rendered by
 *                       models; the code itself must be exact). The quote
 *                       must be either every line of the range in order,
 *                       or the single anchored line (`line`), which is
 *                       what the tool's contract asks for. A quote copied
 *                       out of the diff with a '+' or ' ' before every
 *                       line is accepted when it matches without them. A
 *                       missing or blank quote is no evidence and fails;
 *   suggestion_bad      the suggestion cannot be applied as it stands: it
 *                       is on a LEFT-side range that does not map onto
 *                       the same lines on the new side (below); it is
 *                       shaped like a diff (a "@@ -" hunk header, a
 *                       "--- " line followed by a "+++ " line, or every
 *                       non-blank line starting with '+' or '-' and one
 *                       at least with '+', while the replaced lines are
 *                       not all like that themselves); it
 *                       elides code with a line that is only "..." or
 *                       U+2026, or a comment holding only that ("// ...",
 *                       "# ...", "-- ...", a C block comment) that the
 *                       replaced lines do not have; or it ends mid-line,
 *                       its last line ending in a '\' continuation that
 *                       would join it to the line after the range when
 *                       the replaced last line does not end so;
 *   suggestion_noop     the suggestion, line by line, is the current text
 *                       of the lines (CR stripped, one final newline
 *                       ignored; trailing white space the suggestion adds
 *                       where the line had none does not count as a
 *                       change).
 *
 * The text of a new-side line is taken from `head_text` (the file at head)
 * when it is given and has that line, since that is what a suggestion
 * would replace; otherwise from the diff. LEFT-side lines come from the
 * diff.
 *
 * LEFT side: findings (review/finding.h) and publishing (review/publish.h)
 * anchor on the new side only. A LEFT-side comment whose lines are all
 * context lines (' ', present on both sides) is checked against the old
 * text and then moved to the same lines' new numbers (a suggestion on it
 * is kept only when no added line sits between them, so it replaces just
 * those lines); one on a deleted line ('-') has nowhere to go inline and
 * is dropped as off_diff (after its quote is checked, so a made-up quote
 * still counts as a mismatch).
 *
 * An empty suggestion ("", or one that is empty once the CRs at its line
 * ends are stripped, such as "\r") is taken as no suggestion: models fill
 * the optional field with "" far more often than they mean "delete these
 * lines".
 *
 * review_evidence_filter() runs the check over a whole reply and further
 * drops, in the order given:
 *
 *   duplicate       a comment whose path, lines and body (white space
 *                   collapsed) equal those of a comment kept before it;
 *   repeats_finding a comment on a line where a static finding (rules,
 *                   structure, linters: anything whose source does not
 *                   start with "agent:") sits on the same file, with a
 *                   message that says the same thing: the body names the
 *                   finding's rule id, or one message's words (lower
 *                   case, runs of letters and digits of 3 or more) are
 *                   for the most part in the other's (at least 60% of the
 *                   smaller word set, and at least 2 words).
 *
 * Ownership: a review_model_comment only borrows its strings (actions/
 * fills it from the parsed JSON and keeps that alive across the call).
 * Findings produced here own their strings (review_findings_release()).
 */
#ifndef REVIEW_EVIDENCE_H
#define REVIEW_EVIDENCE_H

#include <stddef.h>

#include "common/buf.h"
#include "review/diff.h"
#include "review/finding.h"

/* One comment of a submit_review reply; every string is borrowed. */
struct review_model_comment {
	const char *agent;	/* the agent's name; NULL means "reviewer" */
	const char *path;
	long line;		/* the anchored (last) line of the range */
	long start_line;	/* first line of a range; 0 when one line */
	const char *side;	/* "RIGHT" (default when NULL) or "LEFT" */
	const char *severity;	/* "note", "warning", "error" */
	const char *body;
	const char *suggestion;	/* replacement for the lines, or NULL */
	const char *quote;	/* verbatim text of the line(s) */
};

/* Why a comment was dropped; REVIEW_EVIDENCE_OK when it was not. */
enum review_evidence_reason {
	REVIEW_EVIDENCE_OK = 0,
	REVIEW_EVIDENCE_EMPTY_BODY,
	REVIEW_EVIDENCE_BAD_SEVERITY,
	REVIEW_EVIDENCE_PATH_NOT_IN_CHANGE,
	REVIEW_EVIDENCE_OFF_DIFF,
	REVIEW_EVIDENCE_RANGE_ACROSS_HUNKS,
	REVIEW_EVIDENCE_QUOTE_MISMATCH,
	REVIEW_EVIDENCE_SUGGESTION_BAD,
	REVIEW_EVIDENCE_SUGGESTION_NOOP,
	REVIEW_EVIDENCE_DUPLICATE,
	REVIEW_EVIDENCE_REPEATS_FINDING,
	REVIEW_EVIDENCE_NR
};

/* What review_evidence_filter() did with a reply. */
struct review_evidence_counts {
	size_t total;				/* comments looked at */
	size_t kept;				/* findings appended */
	size_t dropped;				/* total - kept */
	size_t reason[REVIEW_EVIDENCE_NR];	/* dropped, by reason */
};

/*
 * Check one comment. On success returns 0 and fills `out`, which the
 * caller releases with review_evidence_finding_release() (or hands to
 * review_findings_add(), which copies, and then releases): path (the
 * change's spelling), line..end_line on the new side, severity, source
 * "agent:NAME", rule_id "agent/NAME", message = body, suggestion (CR
 * stripped, or NULL); col, snippet and fingerprint are left 0/NULL.
 * On failure returns TEND_EINVALID, leaves `out` zeroed, and puts the
 * reason's name ("quote_mismatch") in `reason` (if not NULL); the details
 * (which line, what it says) are logged at debug level. `head_text` is the
 * file at head, `head_len` bytes, or NULL.
 */
int review_evidence_check(const struct review_diff *diff,
			  const char *head_text, size_t head_len,
			  const struct review_model_comment *c,
			  struct review_finding *out, struct buf *reason);

/*
 * review_evidence_check() with the reason as an enum and the details as a
 * message (`detail`, may be NULL): "line 12 of 'src/a.c' is 'x = 1;', the
 * quote says 'x = 2;'". Returns the reason; `out` is filled only on
 * REVIEW_EVIDENCE_OK.
 */
enum review_evidence_reason review_evidence_judge(
	const struct review_diff *diff, const char *head_text,
	size_t head_len, const struct review_model_comment *c,
	struct review_finding *out, struct buf *detail);

/* Free the strings of a finding filled by review_evidence_check(). */
void review_evidence_finding_release(struct review_finding *f);

/*
 * Check `nr` comments in order and append those that pass to `out` (after
 * what is there); `statics` (may be NULL) are the static findings a comment
 * must not repeat. `head` (may be NULL) returns the file at head for a
 * path and its size in `*len`, or NULL when unknown; the text stays owned
 * by the caller. It is asked for the path of the change's file that a
 * comment names (as the change spells it, not as the model did), and not
 * at all for a comment on no file of the change. `counts` is
 * reset and filled. Each dropped comment is logged at debug level with its
 * reason and details.
 */
void review_evidence_filter(struct review_findings *out,
			    struct review_evidence_counts *counts,
			    const struct review_diff *diff,
			    const char *(*head)(const char *path,
						size_t *len, void *data),
			    void *head_data,
			    const struct review_model_comment *comments,
			    size_t nr, const struct review_findings *statics);

/* "quote_mismatch", ...: the stable name of a reason ("ok" for OK). */
const char *review_evidence_reason_name(enum review_evidence_reason r);

/* "quote did not match", "off the diff", ...: for people. */
const char *review_evidence_reason_text(enum review_evidence_reason r);

/*
 * Append one line for the summary, nothing when nothing was dropped:
 * "3 model comments dropped: 2 quote did not match, 1 off the diff".
 * Reasons are listed by count, most first, then in enum order.
 */
void review_evidence_summary(struct buf *out,
			     const struct review_evidence_counts *counts);

#endif
