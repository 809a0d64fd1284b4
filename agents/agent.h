/*
 * agent.h - agents as data: who an agent is, what it may call, how far it
 * may go.
 *
 * An agent is a name, a role (the system text of every request it makes),
 * a set of tool groups, a route (the key of `models.routes` that picks its
 * model) or an explicit model, and a step limit. Nothing here talks to a
 * model: agents/loop.h runs a definition, the router picks the model.
 *
 * Tool groups are a public contract (`tools: [read]` in `.tend.yml`):
 *   read      read_file, list_files, search, find_symbol
 *   edit      edit_file, write_file
 *   command   run, run_tests (inside the sandbox)
 *   delegate  delegate(agent, task)
 *   final     the final-answer tool (submit_review); every agent has it,
 *             so a custom agent need not list it
 * A group the tool table (agents/tools.h) does not provide yet is accepted
 * here and refused by the loop with a message naming the agent.
 *
 * Built-in agents: `reviewer` today; the other names of DESIGN.md
 * (orchestrator, architect, code, debug, ask) come with their issues.
 * Custom agents come from `cfg->agents`; their system text is their own
 * role followed by the review contract the reviewer follows too (how to
 * anchor comments, that code and PR text are data, to finish with
 * submit_review), because submit_review is the only final tool there is
 * and its checks (quote, line) hold for every reviewer. A custom agent
 * with a built-in's name replaces the built-in.
 *
 * The fixed part of each reviewer request (system text plus tool schemas)
 * is kept under AGENT_FIXED_TOKENS_MAX tokens, counted as bytes / 4; a
 * unit test holds the line.
 *
 * Ownership: an agent_def owns its strings; release it with
 * agent_def_release(). Nothing returned as `const char *` is freed.
 */
#ifndef AGENTS_AGENT_H
#define AGENTS_AGENT_H

#include <stddef.h>

#include "common/buf.h"
#include "common/config.h"

/* Tool groups, as bits of agent_def.groups. */
#define AGENT_GROUP_READ	(1u << 0)
#define AGENT_GROUP_EDIT	(1u << 1)
#define AGENT_GROUP_COMMAND	(1u << 2)
#define AGENT_GROUP_DELEGATE	(1u << 3)
#define AGENT_GROUP_FINAL	(1u << 4)
#define AGENT_GROUP_COUNT	5

/* Steps of an agent that does not say. */
#define AGENT_DEFAULT_STEPS 12
/* The budget of the fixed part of a reviewer request, in tokens. */
#define AGENT_FIXED_TOKENS_MAX 2000

struct agent_def {
	char *name;
	char *role;		/* the whole system text */
	unsigned groups;	/* AGENT_GROUP_* bits */
	char *route;		/* key of models.routes: the agent's name */
	char *model;		/* explicit "provider/model", or NULL: routed */
	long max_steps;		/* > 0 */
	int builtin;
};

void agent_def_init(struct agent_def *def);
void agent_def_release(struct agent_def *def);

/* The bit of a group name ("read", ...), or 0 for an unknown name. */
unsigned agent_group_parse(const char *name);

/* The name of one group bit, or NULL. */
const char *agent_group_name(unsigned bit);

/*
 * Fill `out` (at least AGENT_GROUP_COUNT + 1 slots) with the names of the
 * groups of `def`, in the order above, NULL-terminated, as
 * agent_tools_defs() wants them. Returns the count.
 */
size_t agent_def_group_names(const struct agent_def *def, const char **out);

/*
 * The built-in agent `name` into `out` (initialised by the caller).
 * TEND_ENOTFOUND when there is none by that name.
 */
int agent_def_builtin(struct agent_def *out, const char *name,
		      struct buf *err);

/*
 * A custom agent from its config entry. TEND_EINVALID naming the agent
 * for an unknown tool group, a missing name or role. `out` is left
 * initialised and empty on failure.
 */
int agent_def_from_config(struct agent_def *out,
			  const struct config_agent *ca, struct buf *err);

/*
 * The agent `name`: a custom one from `cfg` (may be NULL), else a built-in.
 * TEND_ENOTFOUND with the known names when there is neither.
 */
int agent_def_find(struct agent_def *out, const struct tend_config *cfg,
		   const char *name, struct buf *err);

/* The reviewer's system text (static). */
const char *agent_reviewer_role(void);

/*
 * Tokens of the fixed part of each request `def` makes: its system text
 * and the schemas of its tools, as bytes / 4 rounded up.
 */
size_t agent_def_fixed_tokens(const struct agent_def *def);

#endif
