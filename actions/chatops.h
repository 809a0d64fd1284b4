/*
 * chatops.h - commands in comments: what `/tend ...` and `@tend ...` say.
 *
 * A comment holds at most one command: its first line that, after
 * leading blanks, starts with "/tend" or "@tend" (any case) followed by a
 * blank or the end of the line. Lines inside fenced code blocks (``` or
 * ~~~) and quoted lines ("> ...") never count, so quoting a command or
 * showing one in an example runs nothing. The verbs:
 *   /tend review            review this pull/merge request
 *   /tend fix               fix its failing tests (tend fix)
 *   /tend ask QUESTION      answer a question (the rest of the comment)
 *   /tend do                carry this issue out now (tend tasks)
 *   /tend remember [GLOBS] TEXT
 *                           propose TEXT for .tend/learnings.md (the rest
 *                           of the comment), scoped to GLOBS when given
 *   /tend help              say what tend understands
 *   @tend QUESTION          the same as /tend ask QUESTION
 * Anything else after /tend is an unknown verb (answered with help).
 */
#ifndef ACTIONS_CHATOPS_H
#define ACTIONS_CHATOPS_H

#include <stddef.h>

/* The longest question kept, in bytes. */
#define ACTIONS_CHATOPS_QUESTION_MAX 4000

enum actions_chatops_verb {
	ACTIONS_CHATOPS_NONE = 0,
	ACTIONS_CHATOPS_HELP,
	ACTIONS_CHATOPS_REVIEW,
	ACTIONS_CHATOPS_FIX,
	ACTIONS_CHATOPS_ASK,
	ACTIONS_CHATOPS_DO,
	ACTIONS_CHATOPS_UNKNOWN,
	ACTIONS_CHATOPS_REMEMBER
};

struct actions_chatops_cmd {
	enum actions_chatops_verb verb;
	char *arg;	/* ask: the question; remember: its text;
			   unknown: the word; else NULL */
};

void actions_chatops_cmd_init(struct actions_chatops_cmd *cmd);
void actions_chatops_cmd_release(struct actions_chatops_cmd *cmd);

/*
 * The command in `body` (`len` bytes, need not be NUL-terminated): 1 and
 * `out` filled, or 0 when the comment holds none (`out` left empty).
 */
int actions_chatops_parse(struct actions_chatops_cmd *out, const char *body,
			  size_t len);

/* "review", "fix", "ask", "do", "remember", "help", "unknown", "none". */
const char *actions_chatops_verb_name(enum actions_chatops_verb v);

/* The help text, markdown. */
const char *actions_chatops_help(void);

#endif
