/*
 * main.c - tend's entry point: the command table and dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_command cli_commands[] = {
	{ "review", cmd_review, "review a pull/merge request or a local branch" },
	{ "fix", cmd_fix, "run the tests in the sandbox and let the debug agent fix them" },
	{ "tasks", cmd_tasks, "carry out labelled issues end to end (scheduled)" },
	{ "ask", cmd_ask, "answer a question about a pull request or the repository" },
	{ "inbox", cmd_inbox, "carry out the commands given in comments (/tend ...)" },
	{ "test", cmd_test, "run the project's tests in the sandbox and report failures" },
	{ "index", cmd_index, "build, update or query the repository index agents retrieve from" },
	{ "stats", cmd_stats, "what people did with tend's output: acceptance per rule, agent, model" },
	{ "rules", cmd_rules, "list every active check and what it matches" },
	{ "context", cmd_context, "print what tend detected: forge, repository, PR, SHAs" },
	{ "version", cmd_version, "print the version of tend and its libraries" },
	{ NULL, NULL, NULL }
};

static void cli_usage(FILE *out)
{
	const struct cli_command *c;

	fprintf(out, "usage: tend <command> [options]\n\ncommands:\n");
	for (c = cli_commands; c->name; c++)
		fprintf(out, "  %-9s %s\n", c->name, c->summary);
	fprintf(out, "\n'tend <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	for (c = cli_commands; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "tend: '%s' is not a tend command\n\n", argv[1]);
	cli_usage(stderr);
	return CLI_EXIT_USAGE;
}
