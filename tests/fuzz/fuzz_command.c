/*
 * fuzz_command.c - libFuzzer target for the ChatOps command parser
 * (actions_chatops_parse): comment bodies are written by anyone.
 *
 * Besides not crashing, the parser must hold: a found command has a verb;
 * an ask always has a non-empty question no longer than the cap and with
 * no NUL, CR or LF in it; a body with no "tend" in it (any case) holds no
 * command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions/chatops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_command_has_tend(const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if (!strncasecmp((const char *)d + i, "tend", 4))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct actions_chatops_cmd cmd;
	int found = actions_chatops_parse(&cmd, (const char *)data, size);

	if (found && cmd.verb == ACTIONS_CHATOPS_NONE)
		abort();
	if (!found && (cmd.verb != ACTIONS_CHATOPS_NONE || cmd.arg))
		abort();
	if (found && !fuzz_command_has_tend(data, size))
		abort();
	if (cmd.verb == ACTIONS_CHATOPS_ASK &&
	    (!cmd.arg || !*cmd.arg ||
	     strlen(cmd.arg) > ACTIONS_CHATOPS_QUESTION_MAX ||
	     strpbrk(cmd.arg, "\r\n")))
		abort();
	actions_chatops_cmd_release(&cmd);
	return 0;
}
