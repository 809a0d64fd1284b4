/*
 * loop.h - the tool-calling loop: run an agent until it answers or a
 * budget stops it.
 *
 * One step is one model call. The model gets the agent's system text, the
 * conversation so far and the tools of the agent's groups. For each tool
 * call it makes, the loop:
 *   - counts the call (tool name + canonical arguments: compact JSON with
 *     sorted keys, or the raw text when it does not parse); the call that
 *     would be the (max_repeats + 1)-th identical one ends the run with
 *     AGENT_LOOP_REPEATED_CALL, and a repeat before that gets a note
 *     saying so after its result;
 *   - runs it with agent_tools_run(), which validates the arguments
 *     against the tool's schema; an unknown tool, malformed JSON or a
 *     schema error comes back to the model as a tool result with is_error
 *     (text starting "error: ") so it can correct itself;
 *   - takes the agent's final-answer tool (agent_def_final(): submit_review
 *     for reviewers, finish for task agents, answer for the ask agent; an
 *     agent is offered only its own) as the end: valid arguments end the
 *     run with AGENT_LOOP_SUBMITTED and the answer in `review` (and, for
 *     finish, `status` and `summary` parsed); invalid ones go back as an
 *     error and the run goes on. Calls after a valid answer in the same
 *     turn are not run.
 * A turn with no tool call is nudged once (a user message asking for the
 * final tool); a second such turn ends the run with AGENT_LOOP_NO_ANSWER.
 *
 * Tool output is data. It goes back verbatim as the tool result; the loop
 * adds only its own fixed notes (errors, repeats, the last step) and never
 * wraps or rephrases what a file or a PR says.
 *
 * Budgets (tend enforces them, not the model); 0 means none:
 *   tokens   input + cache + output of all calls. Before a call, the next
 *            prompt is predicted as the last prompt plus what was added
 *            since (bytes / 4) plus the output cap; a call that cannot fit
 *            is not made. When only one more call fits, it is the last
 *            step (below).
 *   dollars  the same with the cost callback's price (called with the
 *            answering model and a call's usage after each call, and with
 *            opts->model and the predicted usage before one); when a
 *            call has no price the cost is unknown and the dollar budget
 *            cannot be enforced (logged once as a warning).
 *   time     wall time from the start; each model call gets the time left
 *            as its timeout, and a call that times out after the deadline
 *            is a time stop, not a model error.
 *   steps    model calls; the smaller of the budget's and the agent's.
 *   repeats  identical calls, as above (default AGENT_LOOP_REPEATS). A
 *            call that changes a file (the env's `changes` counter
 *            grows) starts the count afresh: after an edit, run_tests
 *            again is a new question, not a loop.
 * On the last step the model is offered only the final tools, with a note
 * that this is its last step, so what it gathered becomes an answer. A
 * valid answer in the call that crosses a budget is still taken: it has
 * been paid for.
 *
 * A stop of any kind is a normal end: agent_loop_run() returns 0 and the
 * result says why (`stop`, `note`), with everything gathered (steps,
 * usage, cost, time, transcript). Without a valid answer `review` is NULL
 * and `note` says no review was submitted (or, for finish, that there is
 * no diagnosis; for answer, that there is no answer). Only a definition the loop cannot run (a tool group that
 * does not exist yet) fails the call.
 *
 * Record/replay: the messages the loop adds depend only on the
 * conversation and the budgets, never on the clock, so a replayed run
 * sends the same requests.
 *
 * Ownership: everything in agent_loop_opts is borrowed. The tools env is
 * used for the run (its `allowed` set is replaced by the agent's tools
 * while it runs and restored after; its counters grow). The result owns
 * what it holds; release it with agent_loop_result_release().
 */
#ifndef AGENTS_LOOP_H
#define AGENTS_LOOP_H

#include <stddef.h>

#include <jansson.h>

#include "agents/agent.h"
#include "agents/provider.h"
#include "agents/tools.h"
#include "common/buf.h"

/* Identical calls that run; the next one stops the loop. */
#define AGENT_LOOP_REPEATS 2

enum agent_loop_stop {
	AGENT_LOOP_SUBMITTED = 0,
	AGENT_LOOP_BUDGET_TOKENS,
	AGENT_LOOP_BUDGET_DOLLARS,
	AGENT_LOOP_BUDGET_TIME,
	AGENT_LOOP_BUDGET_STEPS,
	AGENT_LOOP_REPEATED_CALL,
	AGENT_LOOP_MODEL_ERROR,
	AGENT_LOOP_NO_ANSWER
};

struct agent_budget {
	long max_tokens;	/* input + cache + output; 0: none */
	double max_usd;		/* <= 0: none */
	long max_ms;		/* wall time; 0: none */
	long max_steps;		/* 0: the agent's */
	int max_repeats;	/* 0: AGENT_LOOP_REPEATS */
};

/*
 * Answer one model call, with the contract of agent_provider_complete():
 * `out` is initialised, and left empty on failure with `err` saying why.
 */
typedef int (*agent_complete_fn)(void *data, const struct agent_request *req,
				 struct agent_response *out,
				 struct buf *err);

/* The USD price of one call's usage, or < 0 when it is unknown. */
typedef double (*agent_cost_fn)(void *data, const char *model,
				const struct agent_usage *usage);

struct agent_loop_opts {
	const struct agent_def *def;
	agent_complete_fn complete;
	void *complete_data;
	agent_cost_fn cost;		/* NULL: cost unknown */
	void *cost_data;
	/* Monotonic milliseconds; NULL: CLOCK_MONOTONIC. A test hook. */
	long (*now_ms)(void *data);
	void *now_data;
	struct agent_tools_env *env;
	/* The opening messages (the packed context), copied. */
	const struct agent_message *msgs;
	size_t nr_msgs;
	const char *model;		/* req.model; the router may ignore */
	long max_output;		/* req.max_tokens; 0: provider's */
	int stream;
	int keep_transcript;		/* fill result.msgs */
	struct agent_budget budget;
};

struct agent_loop_result {
	enum agent_loop_stop stop;
	char *note;		/* one sentence: why it stopped, what is lost */
	long steps;		/* model calls made */
	struct agent_usage usage;	/* summed over the calls */
	long tokens;		/* input + cache_read + cache_write + output */
	double cost_usd;	/* meaningful when cost_known */
	int cost_known;
	long elapsed_ms;
	size_t tool_calls;	/* tool calls the model made, final ones too */
	size_t tool_errors;	/* of which got an error back */
	/*
	 * The final answer: the final tool's arguments as validated, nulls
	 * given for optional properties dropped (submit_review: {"summary",
	 * "comments"}; finish: {"status", "summary"}; answer: {"text",
	 * "citations"}). Owned; NULL when
	 * none came. The name is historical: it holds finish's too.
	 */
	json_t *review;
	char *final_tool;	/* its name, or NULL */
	/* finish's status (NONE for another final tool or no answer) */
	enum agent_finish_status status;
	char *summary;		/* the answer's "summary" or NULL; owned */
	char *text;		/* the model's last text, or NULL */
	char *error;		/* model_error: the call's message */
	int model_rc;		/* model_error: the call's TEND_E* code */
	char **models;		/* distinct models that answered, in order */
	size_t nr_models;
	struct agent_message *msgs;	/* keep_transcript: the conversation */
	size_t nr_msgs;
};

void agent_loop_result_init(struct agent_loop_result *r);
void agent_loop_result_release(struct agent_loop_result *r);

/* "submitted", "budget_tokens", ..., "no_answer". */
const char *agent_loop_stop_name(enum agent_loop_stop stop);

/*
 * Run `opts->def` to the end. `out` is initialised here. Returns 0 when
 * the loop ran, whatever stopped it (see out->stop); TEND_EINVALID, with
 * `err` naming the agent, when its tool groups are not all available or
 * the options lack the agent, the complete callback or the tools env.
 */
int agent_loop_run(struct agent_loop_result *out,
		   const struct agent_loop_opts *opts, struct buf *err);

/*
 * Adapters for the options: an agent_complete_fn over a provider (`data`
 * is the struct agent_provider), and an agent_cost_fn over the router
 * (`data` is the struct agent_router_binding of agents/router.h that is
 * also the complete callback's data): it prices by the "provider/model"
 * that answered the last call (the route's before any), since a server's
 * own model name may not be the configured one.
 */
double agent_loop_router_cost(void *data, const char *model,
			      const struct agent_usage *usage);

int agent_loop_complete_provider(void *data, const struct agent_request *req,
				 struct agent_response *out, struct buf *err);

#endif
