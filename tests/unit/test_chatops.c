/*
 * test_chatops.c - the ChatOps command parser: what runs, what never
 * does (quotes, code blocks, words that merely contain "tend").
 */
#include <stdlib.h>
#include <string.h>

#include "actions/chatops.h"
#include "tests/unit/test.h"

static int parse(struct actions_chatops_cmd *c, const char *body)
{
	return actions_chatops_parse(c, body, strlen(body));
}

void test_chatops__verbs(void)
{
	struct actions_chatops_cmd c;

	CHECK_INT(parse(&c, "/tend review"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_REVIEW);
	CHECK(c.arg == NULL);
	actions_chatops_cmd_release(&c);
	CHECK_INT(parse(&c, "  /tend   FIX please\n"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_FIX);
	actions_chatops_cmd_release(&c);
	CHECK_INT(parse(&c, "LGTM\r\n/Tend do\r\n"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_DO);
	actions_chatops_cmd_release(&c);
	CHECK_INT(parse(&c, "/tend"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_HELP);
	actions_chatops_cmd_release(&c);
	CHECK_INT(parse(&c, "/tend help"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_HELP);
	actions_chatops_cmd_release(&c);
	CHECK_INT(parse(&c, "/tend deploy prod"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_UNKNOWN);
	CHECK_STR(c.arg, "deploy");
	actions_chatops_cmd_release(&c);
	CHECK_STR(actions_chatops_verb_name(ACTIONS_CHATOPS_DO), "do");
}

void test_chatops__ask(void)
{
	struct actions_chatops_cmd c;
	char *big;

	CHECK_INT(parse(&c, "/tend ask why is add()   slow?"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_ASK);
	CHECK_STR(c.arg, "why is add() slow?");
	actions_chatops_cmd_release(&c);
	CHECK_INT(parse(&c, "hi\n@tend where is the config read?\nand "
			"how?\n"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_ASK);
	CHECK_STR(c.arg, "where is the config read? and how?");
	actions_chatops_cmd_release(&c);
	/* An ask with no question is a request for help. */
	CHECK_INT(parse(&c, "/tend ask   \n"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_HELP);
	actions_chatops_cmd_release(&c);
	/* Capped, on a character boundary. */
	big = malloc(3 * ACTIONS_CHATOPS_QUESTION_MAX);
	memcpy(big, "/tend ask ", 10);
	memset(big + 10, 'a', 3 * ACTIONS_CHATOPS_QUESTION_MAX - 11);
	big[3 * ACTIONS_CHATOPS_QUESTION_MAX - 1] = '\0';
	CHECK_INT(parse(&c, big), 1);
	CHECK_INT(strlen(c.arg), ACTIONS_CHATOPS_QUESTION_MAX);
	actions_chatops_cmd_release(&c);
	free(big);
}

void test_chatops__not_commands(void)
{
	struct actions_chatops_cmd c;

	CHECK_INT(parse(&c, "we should /tend review later"), 0);
	CHECK_INT(parse(&c, "/tendency to fail"), 0);
	CHECK_INT(parse(&c, "@tender please"), 0);
	CHECK_INT(parse(&c, "> /tend fix\nquoted"), 0);
	CHECK_INT(parse(&c, "```\n/tend fix\n```\n"), 0);
	CHECK_INT(parse(&c, "~~~sh\n/tend do\n~~~\n"), 0);
	CHECK_INT(parse(&c, "<!-- /tend fix -->"), 0);
	CHECK_INT(parse(&c, ""), 0);
	CHECK_INT(actions_chatops_parse(&c, NULL, 0), 0);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_NONE);
	/* After a closed fence, commands count again; the first one wins. */
	CHECK_INT(parse(&c, "```\n/tend fix\n```\n/tend review\n/tend do"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_REVIEW);
	actions_chatops_cmd_release(&c);
	/* A NUL inside the body ends nothing: the length counts. */
	CHECK_INT(actions_chatops_parse(&c, "x\0\n/tend fix", 12), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_FIX);
	actions_chatops_cmd_release(&c);
}

void test_chatops__remember(void)
{
	struct actions_chatops_cmd c;

	CHECK_INT(parse(&c, "/tend remember [src/*.c] Buffers are\n"
			"sized by the caller\n"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_REMEMBER);
	CHECK_STR(c.arg, "[src/*.c] Buffers are sized by the caller");
	CHECK_STR(actions_chatops_verb_name(c.verb), "remember");
	actions_chatops_cmd_release(&c);
	/* Nothing to remember: help, which says how. */
	CHECK_INT(parse(&c, "/tend remember   \n"), 1);
	CHECK_INT(c.verb, ACTIONS_CHATOPS_HELP);
	CHECK(strstr(actions_chatops_help(), "/tend remember") != NULL);
	actions_chatops_cmd_release(&c);
}
