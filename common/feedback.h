/*
 * feedback.h - what a person's reply to one of tend's comments says about
 * it: taken, rejected, or neither.
 *
 * Used by `tend stats` (a disagreeing reply makes a comment rejected) and
 * by the learnings (a rejection that gives a reason becomes a proposed
 * entry). The reply is untrusted text: it is only read here, never acted
 * on, and the reason is handed back as a span of it for the caller to
 * mask and quote.
 *
 * The verdict comes from how the reply opens: its first line that is not
 * blank, quoted ("> ...") or inside a code fence. A reply that opens with
 * a disagreement ("no", "false positive", "won't fix", "by design", "-1",
 * a thumbs-down emoji, ...) rejects; one that opens with agreement
 * ("thanks", "good catch", "fixed", "+1", ...) accepts; anything else,
 * a question included, says neither. Matching is by whole words, case
 * insensitive, so "nothing" is not "no" and "notable" is not "not".
 */
#ifndef COMMON_FEEDBACK_H
#define COMMON_FEEDBACK_H

#include <stddef.h>

enum feedback_verdict {
	FEEDBACK_NONE = 0,
	FEEDBACK_ACCEPT,
	FEEDBACK_REJECT
};

/*
 * The verdict of reply `body` (`len` bytes, need not be NUL-terminated).
 * For FEEDBACK_REJECT, `*reason` and `*reason_len` (either may be NULL)
 * are set to the span of `body` that gives the reason: what follows the
 * opening words, trimmed, when it holds at least one word of three
 * letters; otherwise `*reason` is NULL and `*reason_len` 0. They are set
 * the same way (to NULL, 0) for the other verdicts.
 */
enum feedback_verdict feedback_classify(const char *body, size_t len,
					const char **reason,
					size_t *reason_len);

/* "accepted", "rejected", "none". */
const char *feedback_verdict_name(enum feedback_verdict v);

#endif
