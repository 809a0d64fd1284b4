/*
 * chatops.c - the command parser of comments (see chatops.h). It reads
 * text anyone can write, so it is a parser of outside input: no
 * assumption about encodings or line ends (LF, CRLF, lone CR), lengths
 * bounded, nothing but the command line and its question kept.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions/chatops.h"
#include "common/buf.h"
#include "common/xalloc.h"

void actions_chatops_cmd_init(struct actions_chatops_cmd *cmd)
{
	cmd->verb = ACTIONS_CHATOPS_NONE;
	cmd->arg = NULL;
}

void actions_chatops_cmd_release(struct actions_chatops_cmd *cmd)
{
	free(cmd->arg);
	actions_chatops_cmd_init(cmd);
}

const char *actions_chatops_verb_name(enum actions_chatops_verb v)
{
	switch (v) {
	case ACTIONS_CHATOPS_NONE: return "none";
	case ACTIONS_CHATOPS_HELP: return "help";
	case ACTIONS_CHATOPS_REVIEW: return "review";
	case ACTIONS_CHATOPS_FIX: return "fix";
	case ACTIONS_CHATOPS_ASK: return "ask";
	case ACTIONS_CHATOPS_DO: return "do";
	case ACTIONS_CHATOPS_UNKNOWN: return "unknown";
	case ACTIONS_CHATOPS_REMEMBER: return "remember";
	}
	return "none";
}

const char *actions_chatops_help(void)
{
	return "tend understands, from people with write access:\n\n"
	       "- `/tend review`: review this pull/merge request\n"
	       "- `/tend fix`: fix its failing tests with one commit\n"
	       "- `/tend ask QUESTION` or `@tend QUESTION`: answer a "
	       "question about the change or the repository, with sources\n"
	       "- `/tend do`: carry this issue out now, as a draft pull "
	       "request\n"
	       "- `/tend remember [GLOBS] TEXT`: propose TEXT for the "
	       "team's learnings (`.tend/learnings.md`, through one pull "
	       "request to review), for files matching GLOBS when given\n"
	       "- `/tend help`: this list\n";
}

static int chatops_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The end of the line starting at `p` (before "\n", "\r\n" or "\r"). */
static const char *chatops_eol(const char *p, const char *end)
{
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	return p;
}

/* The start of the next line after `eol`. */
static const char *chatops_next(const char *eol, const char *end)
{
	if (eol < end && *eol == '\r')
		eol++;
	if (eol < end && *eol == '\n')
		eol++;
	return eol;
}

/* Does the line [p, e) open or close a fence? Its character, or 0. */
static char chatops_fence(const char *p, const char *e)
{
	size_t n = 0;
	char c;

	while (p < e && chatops_blank(*p) && n < 4) {
		p++;
		n++;
	}
	if (n > 3 || e - p < 3 || (*p != '`' && *p != '~'))
		return 0;
	c = *p;
	return p[1] == c && p[2] == c ? c : 0;
}

/* Copy [p, e) into `out` with runs of blanks as one space, trimmed. */
static void chatops_words(struct buf *out, const char *p, const char *e)
{
	int space = 0;

	for (; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\0')
			continue;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = out->len > 0;
			continue;
		}
		if (space)
			buf_putc(out, ' ');
		space = 0;
		buf_putc(out, (char)c);
	}
}

static const struct {
	const char *word;
	enum actions_chatops_verb verb;
} chatops_verbs[] = {
	{ "review", ACTIONS_CHATOPS_REVIEW },
	{ "fix", ACTIONS_CHATOPS_FIX },
	{ "ask", ACTIONS_CHATOPS_ASK },
	{ "do", ACTIONS_CHATOPS_DO },
	{ "help", ACTIONS_CHATOPS_HELP },
	{ "remember", ACTIONS_CHATOPS_REMEMBER },
	{ NULL, ACTIONS_CHATOPS_NONE }
};

/*
 * The command of the line [p, e), whose "/tend" or "@tend" starts at p,
 * with `rest` the text after that line (for a question spanning lines).
 */
static void chatops_take(struct actions_chatops_cmd *out, int mention,
			 const char *p, const char *e, const char *rest,
			 const char *end)
{
	struct buf q = BUF_INIT;
	const char *w, *we;
	size_t i;

	p += 5;
	while (p < e && chatops_blank(*p))
		p++;
	w = p;
	while (p < e && !chatops_blank(*p))
		p++;
	we = p;
	if (mention) {
		out->verb = ACTIONS_CHATOPS_ASK;
		p = w;
	} else if (w == we) {
		out->verb = ACTIONS_CHATOPS_HELP;
	} else {
		out->verb = ACTIONS_CHATOPS_UNKNOWN;
		for (i = 0; chatops_verbs[i].word; i++)
			if ((size_t)(we - w) == strlen(chatops_verbs[i].word) &&
			    !strncasecmp(w, chatops_verbs[i].word,
					 (size_t)(we - w)))
				out->verb = chatops_verbs[i].verb;
		if (out->verb == ACTIONS_CHATOPS_UNKNOWN) {
			chatops_words(&q, w, we < w + 40 ? we : w + 40);
			out->arg = buf_detach(&q, NULL);
			return;
		}
	}
	if (out->verb != ACTIONS_CHATOPS_ASK &&
	    out->verb != ACTIONS_CHATOPS_REMEMBER)
		return;
	/* The question: the rest of the line and of the comment. */
	chatops_words(&q, p, e);
	if (rest < end) {
		size_t room = ACTIONS_CHATOPS_QUESTION_MAX + 1;

		if ((size_t)(end - rest) < room)
			room = (size_t)(end - rest);
		buf_putc(&q, ' ');
		chatops_words(&q, rest, rest + room);
	}
	buf_rtrim(&q);
	if (q.len > ACTIONS_CHATOPS_QUESTION_MAX) {
		/* Cut on a character boundary of UTF-8. */
		size_t n = ACTIONS_CHATOPS_QUESTION_MAX;

		while (n && ((unsigned char)q.ptr[n] & 0xc0) == 0x80)
			n--;
		buf_truncate(&q, n);
	}
	if (!q.len) {
		buf_release(&q);
		out->verb = ACTIONS_CHATOPS_HELP;
		return;
	}
	out->arg = buf_detach(&q, NULL);
}

int actions_chatops_parse(struct actions_chatops_cmd *out, const char *body,
			  size_t len)
{
	const char *p = body, *end = body + len;
	char fence = 0;

	actions_chatops_cmd_init(out);
	if (!body)
		return 0;
	while (p < end) {
		const char *e = chatops_eol(p, end), *s = p, *next;
		char f = chatops_fence(p, e);

		next = chatops_next(e, end);
		if (f && (!fence || f == fence)) {
			fence = fence ? 0 : f;
			p = next;
			continue;
		}
		if (fence) {
			p = next;
			continue;
		}
		while (s < e && chatops_blank(*s))
			s++;
		if (e - s >= 5 && (*s == '/' || *s == '@') &&
		    !strncasecmp(s + 1, "tend", 4) &&
		    (s + 5 == e || chatops_blank(s[5]))) {
			chatops_take(out, *s == '@', s, e, next, end);
			return 1;
		}
		p = next;
	}
	return 0;
}
