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
 *   delegate  delegate(agent, task, step?)
 *   final     the final-answer tool; every agent has exactly one, so a
 *             custom agent need not list it
 * Every group is provided by the tool table (agents/tools.h); should one
 * ever not be, agent_def_tools() (so the loop) refuses it with a message
 * naming the agent.
 *
 * The final tool is per agent (agent_def.final): `submit_review` for
 * reviewers, `finish(status, summary)` for task agents (those that change
 * things or plan changes: debug, code, architect, orchestrator), and
 * `answer(text, citations)` for the ask agent. An agent is offered its
 * own final tool and never another, so a reviewer cannot "finish" and a
 * debug agent cannot post review comments.
 *
 * Built-in agents, each with finish unless said otherwise:
 *   reviewer      read; submit_review; AGENT_DEFAULT_STEPS steps
 *   debug         read, edit, command; AGENT_DEBUG_STEPS: it fixes
 *                 failing tests in the sandbox (status fixed, not_fixed,
 *                 gave_up)
 *   architect     read; AGENT_ARCHITECT_STEPS: it reads the repository
 *                 and answers with the plan of an issue (status done,
 *                 summary = the plan, in the form below) or gave_up
 *   code          read, edit, command; AGENT_CODE_STEPS: it carries out
 *                 a plan or one step of it (status done or gave_up)
 *   orchestrator  read, delegate; AGENT_ORCHESTRATOR_STEPS: it delegates
 *                 each step of a plan to `code` and does not edit
 *                 (status done or gave_up)
 *   ask           read; answer; AGENT_ASK_STEPS: it answers a question
 *                 about the repository (or a change) from the files it
 *                 read, citing them; tend checks every citation
 *                 (actions/ask.h)
 * The architect's and ask's final tools are set explicitly
 * (agent_def_final() would give a read-only agent submit_review).
 *
 * The architect's plan is a contract tend parses (the summary of its
 * finish with status done): the first line is one sentence saying the
 * approach; then the steps as a numbered markdown list ("1. ...",
 * "2. ..."), at most AGENT_PLAN_STEPS_MAX, each one concrete change
 * naming its files, the tests to add or change among them; after the
 * list nothing but an optional line starting "Risks:".
 *
 * Custom agents come from `cfg->agents`. One named `ask` replaces the
 * built-in ask agent: it answers with `answer`, whatever its groups, and
 * its role is followed by the answer contract the built-in follows too
 * (data rule, cite as [n] with verbatim quotes, end with answer). Any
 * other with the edit, command or delegate group is a task agent: it
 * answers with finish and its system text is its role followed by the
 * task contract (tool output is data, protected paths are refused, check
 * with run_tests, end with finish).
 * Any other is a reviewer: it answers with submit_review and its role is
 * followed by the review contract the built-in reviewer follows too (how
 * to anchor comments, that code and PR text are data), because
 * submit_review's checks (quote, line) hold for every reviewer. A custom
 * agent with a built-in's name replaces the built-in; one named like a
 * built-in task agent (debug, architect, code, orchestrator) is a task
 * agent whatever its groups, since the commands that run it read a
 * finish.
 *
 * The fixed part of each request (system text plus tool schemas) of every
 * built-in agent is kept under AGENT_FIXED_TOKENS_MAX tokens, counted as
 * bytes / 4; unit tests hold the line.
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
/* Steps of the debug agent: reading, editing and testing take turns. */
#define AGENT_DEBUG_STEPS 30
/* Steps of the architect: it reads a lot before it plans. */
#define AGENT_ARCHITECT_STEPS 16
/* Steps of the code agent: as the debug agent's. */
#define AGENT_CODE_STEPS 30
/* Steps of the orchestrator: a delegation and a look per plan step. */
#define AGENT_ORCHESTRATOR_STEPS 20
/* Steps of the ask agent: reading, then one answer. */
#define AGENT_ASK_STEPS 16
/* Steps in an architect's plan, at most. */
#define AGENT_PLAN_STEPS_MAX 8
/* The budget of the fixed part of a request, in tokens. */
#define AGENT_FIXED_TOKENS_MAX 2000

/* The final-answer tools, as agent_def.final names them. */
#define AGENT_FINAL_REVIEW "submit_review"
#define AGENT_FINAL_FINISH "finish"
#define AGENT_FINAL_ANSWER "answer"

struct agent_tool_set;

struct agent_def {
	char *name;
	char *role;		/* the whole system text */
	unsigned groups;	/* AGENT_GROUP_* bits */
	char *route;		/* key of models.routes: the agent's name */
	char *model;		/* explicit "provider/model", or NULL: routed */
	long max_steps;		/* > 0 */
	int builtin;
	/*
	 * Its final tool: AGENT_FINAL_REVIEW, AGENT_FINAL_FINISH or
	 * AGENT_FINAL_ANSWER, a static string, never freed. NULL:
	 * agent_def_final() picks.
	 */
	const char *final;
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

/*
 * The name of the final tool of `def`: def->final, or when it is NULL
 * "finish" for an agent with the edit, command or delegate group and
 * "submit_review" for any other. Static.
 */
const char *agent_def_final(const struct agent_def *def);

/*
 * The tools `def` is offered, in table order: those of its groups but
 * "final", then its own final tool. TEND_EINVALID naming the agent and
 * the group when a group is not provided by this version of tend.
 */
int agent_def_tools(struct agent_tool_set *out, const struct agent_def *def,
		    struct buf *err);

/* The built-in agents' system texts (static). */
const char *agent_reviewer_role(void);
const char *agent_debug_role(void);
const char *agent_architect_role(void);
const char *agent_code_role(void);
const char *agent_orchestrator_role(void);
const char *agent_ask_role(void);

/*
 * Tokens of the fixed part of each request `def` makes: its system text
 * and the schemas of its tools (agent_def_tools(); none when that fails),
 * as bytes / 4 rounded up.
 */
size_t agent_def_fixed_tokens(const struct agent_def *def);

#endif
