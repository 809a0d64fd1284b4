/*
 * feedback.c - the verdict of a reply to tend's comment, from its opening
 * words: see feedback.h. A fixed table of phrases, no allocation; this is
 * not sentiment analysis, and a reply it cannot place says neither.
 */
#include <string.h>

#include "common/feedback.h"

struct feedback_phrase {
	const char *text;	/* lowercase; words separated by one space */
	enum feedback_verdict verdict;
};

/*
 * Longer phrases before the shorter ones they start with, so "no problem"
 * wins over "no" and "not a bug" over "not".
 */
static const struct feedback_phrase feedback_phrases[] = {
	{ "no problem", FEEDBACK_ACCEPT },
	{ "no worries", FEEDBACK_ACCEPT },
	{ "good catch", FEEDBACK_ACCEPT },
	{ "nice catch", FEEDBACK_ACCEPT },
	{ "great catch", FEEDBACK_ACCEPT },
	{ "good point", FEEDBACK_ACCEPT },
	{ "good find", FEEDBACK_ACCEPT },
	{ "thank you", FEEDBACK_ACCEPT },
	{ "thanks", FEEDBACK_ACCEPT },
	{ "thx", FEEDBACK_ACCEPT },
	{ "fixed", FEEDBACK_ACCEPT },
	{ "done", FEEDBACK_ACCEPT },
	{ "applied", FEEDBACK_ACCEPT },
	{ "agreed", FEEDBACK_ACCEPT },
	{ "i agree", FEEDBACK_ACCEPT },
	{ "agree", FEEDBACK_ACCEPT },
	{ "will fix", FEEDBACK_ACCEPT },
	{ "+1", FEEDBACK_ACCEPT },
	{ ":+1:", FEEDBACK_ACCEPT },
	{ ":thumbsup:", FEEDBACK_ACCEPT },
	{ "\xf0\x9f\x91\x8d", FEEDBACK_ACCEPT },	/* thumbs up */

	{ "not a bug", FEEDBACK_REJECT },
	{ "not an issue", FEEDBACK_REJECT },
	{ "not a problem", FEEDBACK_REJECT },
	{ "not applicable", FEEDBACK_REJECT },
	{ "not relevant", FEEDBACK_REJECT },
	{ "not true", FEEDBACK_REJECT },
	{ "not needed", FEEDBACK_REJECT },
	{ "false positive", FEEDBACK_REJECT },
	{ "false alarm", FEEDBACK_REJECT },
	{ "won't fix", FEEDBACK_REJECT },
	{ "wont fix", FEEDBACK_REJECT },
	{ "will not fix", FEEDBACK_REJECT },
	{ "wontfix", FEEDBACK_REJECT },
	{ "i disagree", FEEDBACK_REJECT },
	{ "disagree", FEEDBACK_REJECT },
	{ "this is intended", FEEDBACK_REJECT },
	{ "this is intentional", FEEDBACK_REJECT },
	{ "this is fine", FEEDBACK_REJECT },
	{ "this is wrong", FEEDBACK_REJECT },
	{ "intended", FEEDBACK_REJECT },
	{ "intentional", FEEDBACK_REJECT },
	{ "by design", FEEDBACK_REJECT },
	{ "incorrect", FEEDBACK_REJECT },
	{ "wrong", FEEDBACK_REJECT },
	{ "invalid", FEEDBACK_REJECT },
	{ "n/a", FEEDBACK_REJECT },
	{ "nope", FEEDBACK_REJECT },
	{ "nah", FEEDBACK_REJECT },
	{ "no", FEEDBACK_REJECT },
	{ "-1", FEEDBACK_REJECT },
	{ ":-1:", FEEDBACK_REJECT },
	{ ":thumbsdown:", FEEDBACK_REJECT },
	{ "\xf0\x9f\x91\x8e", FEEDBACK_REJECT },	/* thumbs down */
};

static int feedback_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int feedback_is_word(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || (unsigned char)c >= 0x80;
}

static int feedback_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

/*
 * The length of `s[0..n)` that `phrase` matches at its start, case
 * insensitive, any run of blanks standing for a phrase's one space and a
 * typographic apostrophe for "'"; 0 when it does not match or the match
 * ends inside a word.
 */
static size_t feedback_match(const char *s, size_t n, const char *phrase)
{
	size_t i = 0;
	const char *p = phrase;
	int last;

	while (*p) {
		if (*p == ' ') {
			if (i >= n || (s[i] != ' ' && s[i] != '\t'))
				return 0;
			while (i < n && (s[i] == ' ' || s[i] == '\t'))
				i++;
			p++;
			continue;
		}
		if (*p == '\'' && n - i >= 3 && !memcmp(s + i,
							"\xe2\x80\x99", 3)) {
			i += 3;
			p++;
			continue;
		}
		if (i >= n || feedback_lower((unsigned char)s[i]) !=
		    (unsigned char)*p)
			return 0;
		i++;
		p++;
	}
	/* A word phrase must end at a word's end: "no" is not "nothing". */
	last = (unsigned char)phrase[strlen(phrase) - 1];
	if (last < 0x80 && feedback_is_word(last) && i < n &&
	    feedback_is_word((unsigned char)s[i]))
		return 0;
	return i;
}

/* The first line that counts, as [*start, *start + *n). 0 when none. */
static int feedback_first_line(const char *body, size_t len,
			       size_t *start, size_t *n)
{
	size_t i = 0;
	int fence = 0;

	while (i < len) {
		size_t e = i, b;

		while (e < len && body[e] != '\n')
			e++;
		b = i;
		while (b < e && feedback_is_space((unsigned char)body[b]))
			b++;
		if (e - b >= 3 && (!memcmp(body + b, "```", 3) ||
				   !memcmp(body + b, "~~~", 3)))
			fence = !fence;
		else if (!fence && b < e && body[b] != '>') {
			*start = b;
			*n = e - b;
			return 1;
		}
		i = e + 1;
	}
	return 0;
}

enum feedback_verdict feedback_classify(const char *body, size_t len,
					const char **reason,
					size_t *reason_len)
{
	size_t start, n, i, m = 0, r, end, letters = 0, best = 0;
	enum feedback_verdict v = FEEDBACK_NONE;

	if (reason)
		*reason = NULL;
	if (reason_len)
		*reason_len = 0;
	if (!body || !feedback_first_line(body, len, &start, &n))
		return FEEDBACK_NONE;
	for (i = 0; i < sizeof(feedback_phrases) /
			sizeof(feedback_phrases[0]); i++) {
		m = feedback_match(body + start, n, feedback_phrases[i].text);
		if (m) {
			v = feedback_phrases[i].verdict;
			break;
		}
	}
	if (v != FEEDBACK_REJECT)
		return v;

	/* The reason: the rest of the reply after the opening words. */
	r = start + m;
	while (r < len && (feedback_is_space((unsigned char)body[r]) ||
			   (body[r] && strchr(",.;:!-", body[r]))))
		r++;
	end = len;
	while (end > r && feedback_is_space((unsigned char)body[end - 1]))
		end--;
	for (i = r; i < end; i++) {
		if (feedback_is_word((unsigned char)body[i])) {
			letters++;
			if (letters > best)
				best = letters;
		} else {
			letters = 0;
		}
	}
	if (best >= 3) {
		if (reason)
			*reason = body + r;
		if (reason_len)
			*reason_len = end - r;
	}
	return v;
}

const char *feedback_verdict_name(enum feedback_verdict v)
{
	switch (v) {
	case FEEDBACK_ACCEPT:
		return "accepted";
	case FEEDBACK_REJECT:
		return "rejected";
	default:
		return "none";
	}
}
