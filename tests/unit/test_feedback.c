#include <string.h>

#include "common/feedback.h"
#include "tests/unit/test.h"

static enum feedback_verdict classify(const char *s, const char **reason,
				      size_t *n)
{
	return feedback_classify(s, strlen(s), reason, n);
}

void test_feedback__verdicts(void)
{
	static const struct {
		const char *body;
		enum feedback_verdict want;
	} cases[] = {
		{ "Thanks, fixed.", FEEDBACK_ACCEPT },
		{ "good catch!", FEEDBACK_ACCEPT },
		{ "  \n\nFIXED in the next commit", FEEDBACK_ACCEPT },
		{ "No problem, done", FEEDBACK_ACCEPT },
		{ "+1", FEEDBACK_ACCEPT },
		{ "\xf0\x9f\x91\x8d", FEEDBACK_ACCEPT },
		{ "No, the buffer is sized by the caller", FEEDBACK_REJECT },
		{ "false positive: test fixture", FEEDBACK_REJECT },
		{ "Won\xe2\x80\x99t fix", FEEDBACK_REJECT },
		{ "won't   fix - legacy code", FEEDBACK_REJECT },
		{ "This is intended.", FEEDBACK_REJECT },
		{ "-1", FEEDBACK_REJECT },
		{ "\xf0\x9f\x91\x8e not here", FEEDBACK_REJECT },
		{ "> tend said something\nnope", FEEDBACK_REJECT },
		{ "```\nno\n```\nwhy does this matter?", FEEDBACK_NONE },
		{ "Nothing to add", FEEDBACK_NONE },
		{ "Notable: this runs twice", FEEDBACK_NONE },
		{ "donE?", FEEDBACK_ACCEPT },
		{ "doneness", FEEDBACK_NONE },
		{ "why?", FEEDBACK_NONE },
		{ "", FEEDBACK_NONE },
		{ "> quoted only", FEEDBACK_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (classify(cases[i].body, NULL, NULL) != cases[i].want)
			test__fail(__FILE__, __LINE__, cases[i].body);
	}
	CHECK(!strcmp(feedback_verdict_name(FEEDBACK_REJECT), "rejected"));
	CHECK(!strcmp(feedback_verdict_name(FEEDBACK_ACCEPT), "accepted"));
	CHECK(!strcmp(feedback_verdict_name(FEEDBACK_NONE), "none"));
}

void test_feedback__reason(void)
{
	const char *r = (const char *)1;
	size_t n = 99;
	const char *body = "No, the length is checked by the caller.\n";

	CHECK(classify(body, &r, &n) == FEEDBACK_REJECT);
	CHECK(r == body + 4);
	CHECK(n == strlen("the length is checked by the caller."));

	/* The reason may be on the following lines. */
	body = "false positive\n\n  it is a test fixture  \n";
	CHECK(classify(body, &r, &n) == FEEDBACK_REJECT);
	CHECK(r && n == strlen("it is a test fixture"));
	CHECK(!strncmp(r, "it is a test fixture", n));

	/* No word of three letters: no reason. */
	CHECK(classify("no!", &r, &n) == FEEDBACK_REJECT);
	CHECK(!r && n == 0);
	CHECK(classify("-1 :(", &r, &n) == FEEDBACK_REJECT);
	CHECK(!r && n == 0);

	/* Other verdicts clear them. */
	r = body;
	n = 5;
	CHECK(classify("thanks, that is right", &r, &n) == FEEDBACK_ACCEPT);
	CHECK(!r && n == 0);
}

void test_feedback__not_nul_terminated(void)
{
	const char body[] = { 'n', 'o', ' ', 'w', 'a', 'y', 0, ',', 'x' };
	const char *r;
	size_t n;

	CHECK(feedback_classify(body, 2, &r, &n) == FEEDBACK_REJECT);
	CHECK(!r);
	CHECK(feedback_classify(body, sizeof(body), &r, &n) ==
	      FEEDBACK_REJECT);
	CHECK(r == body + 3);
	CHECK(feedback_classify(NULL, 0, &r, &n) == FEEDBACK_NONE);
}
