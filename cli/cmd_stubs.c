/*
 * cmd_stubs.c - the commands of DESIGN.md that this version does not have
 * yet. Each says so and exits 2, so scripts fail loudly instead of silently
 * doing nothing. A command moves out of here into its own cmd_<name>.c when
 * it is built.
 */
#include "cli/cli.h"

int cmd_ask(int argc, char **argv)
{
	return cli_not_built("ask", argc, argv);
}
