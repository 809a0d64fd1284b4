/*
 * loop.c - the tool-calling loop with budgets (see loop.h for the
 * contract).
 *
 * The loop owns the conversation: the opening messages are copied in, each
 * model turn and each tool result is appended, and at the end the messages
 * move into the result (keep_transcript) or are freed. It is not the
 * router (the complete callback picks the model and falls back), not the
 * context packer (the opening messages come ready) and not the evidence
 * checks (the answer comes out as the model gave it, validated only
 * against the tool's schema).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agents/loop.h"
#include "agents/router.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"

struct agent_loop_seen {
	char *key;		/* "name args" */
	int count;
};

struct agent_loop {
	const struct agent_loop_opts *o;
	struct agent_loop_result *res;

	struct agent_tool_set set;
	struct agent_tool_def defs[AGENT_TOOLS_MAX];
	size_t nr_defs;
	struct agent_tool_def final_defs[AGENT_TOOLS_MAX];
	size_t nr_final;
	const char *final_name;		/* the agent's final tool, for notes */

	struct agent_message *msgs;
	size_t nr_msgs, alloc_msgs;

	struct agent_loop_seen *seen;
	size_t nr_seen, alloc_seen;

	long start_ms;
	long max_steps;
	int max_repeats;
	size_t fixed_bytes;		/* system text + tool schemas */
	long last_prompt;		/* tokens of the last prompt, 0: none */
	long last_output;		/* tokens of the last answer */
	size_t bytes_at_last;		/* conversation bytes at that call */
	int nudged;
	int warned_cost;
	int done;
};

static const char *const agent_loop_stop_names[] = {
	"submitted", "budget_tokens", "budget_dollars", "budget_time",
	"budget_steps", "repeated_call", "model_error", "no_answer"
};

const char *agent_loop_stop_name(enum agent_loop_stop stop)
{
	if ((unsigned)stop < sizeof(agent_loop_stop_names) /
	    sizeof(agent_loop_stop_names[0]))
		return agent_loop_stop_names[stop];
	return "unknown";
}

void agent_loop_result_init(struct agent_loop_result *r)
{
	memset(r, 0, sizeof(*r));
}

void agent_loop_result_release(struct agent_loop_result *r)
{
	size_t i;

	free(r->note);
	json_decref(r->review);
	free(r->final_tool);
	free(r->summary);
	free(r->text);
	free(r->error);
	for (i = 0; i < r->nr_models; i++)
		free(r->models[i]);
	free(r->models);
	for (i = 0; i < r->nr_msgs; i++)
		agent_message_release(&r->msgs[i]);
	free(r->msgs);
	agent_loop_result_init(r);
}

int agent_loop_complete_provider(void *data, const struct agent_request *req,
				 struct agent_response *out, struct buf *err)
{
	return agent_provider_complete(data, req, out, err);
}

double agent_loop_router_cost(void *data, const char *model,
			      const struct agent_usage *usage)
{
	const struct agent_router_binding *b = data;
	const char *spec = agent_router_answered(b->router);
	double usd;

	(void)model;
	if (!spec && b->route)
		spec = b->route->spec;
	if (!spec || agent_router_cost(b->router, spec, usage, &usd) < 0)
		return -1;
	return usd;
}

static long agent_loop_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long agent_loop_now(struct agent_loop *l)
{
	if (l->o->now_ms)
		return l->o->now_ms(l->o->now_data);
	return agent_loop_clock();
}

static long agent_loop_elapsed(struct agent_loop *l)
{
	long e = agent_loop_now(l) - l->start_ms;

	return e < 0 ? 0 : e;
}

/* ----- the conversation ----- */

static struct agent_message *agent_loop_push(struct agent_loop *l,
					     enum agent_role role)
{
	struct agent_message *m;

	ALLOC_GROW(l->msgs, l->nr_msgs, l->alloc_msgs);
	m = &l->msgs[l->nr_msgs++];
	memset(m, 0, sizeof(*m));
	m->role = role;
	return m;
}

static void agent_loop_copy_msg(struct agent_message *dst,
				const struct agent_message *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->role = src->role;
	dst->text = xstrdup_or_null(src->text);
	dst->tool_call_id = xstrdup_or_null(src->tool_call_id);
	dst->is_error = src->is_error;
	if (!src->nr_calls)
		return;
	dst->calls = xcalloc(src->nr_calls, sizeof(*dst->calls));
	dst->nr_calls = src->nr_calls;
	for (i = 0; i < src->nr_calls; i++) {
		const struct agent_tool_call *c = &src->calls[i];

		dst->calls[i].id = xstrdup_or_null(c->id);
		dst->calls[i].name = xstrdup_or_null(c->name);
		dst->calls[i].arguments = xstrdup(c->arguments ?
						  c->arguments : "");
		dst->calls[i].args = c->args ? json_incref(c->args) : NULL;
	}
}

/* Bytes of what the conversation sends, for the next prompt's size. */
static size_t agent_loop_conv_bytes(const struct agent_loop *l)
{
	size_t i, j, n = 0;

	for (i = 0; i < l->nr_msgs; i++) {
		const struct agent_message *m = &l->msgs[i];

		n += m->text ? strlen(m->text) : 0;
		for (j = 0; j < m->nr_calls; j++)
			n += strlen(m->calls[j].arguments) +
				strlen(m->calls[j].name ? m->calls[j].name :
				       "");
	}
	return n;
}

/* ----- setup ----- */

static int agent_loop_tools(struct agent_loop *l, struct buf *err)
{
	const struct agent_def *def = l->o->def;
	size_t i;
	int rc;

	if ((rc = agent_def_tools(&l->set, def, err)) < 0)
		return rc;
	for (i = 0; i < l->set.nr; i++) {
		const struct agent_tool *t = l->set.tool[i];
		struct agent_tool_def d;

		d.name = t->name;
		d.description = t->description;
		d.schema = t->schema;
		l->defs[l->nr_defs++] = d;
		if (!strcmp(t->group, "final")) {
			l->final_defs[l->nr_final++] = d;
			if (!l->final_name)
				l->final_name = t->name;
		}
	}
	if (!l->final_name)
		return error_set(err, TEND_EINVALID,
				 "agent '%s' has no final-answer tool",
				 def->name);
	l->fixed_bytes = agent_tools_set_bytes(&l->set) +
		(def->role ? strlen(def->role) : 0);
	return 0;
}

/* ----- budgets ----- */

static void agent_loop_add_model(struct agent_loop_result *r,
				 const char *model)
{
	size_t i;

	if (!model || !*model)
		return;
	for (i = 0; i < r->nr_models; i++)
		if (!strcmp(r->models[i], model))
			return;
	r->models = xrealloc(r->models, (r->nr_models + 1) *
			     sizeof(*r->models));
	r->models[r->nr_models++] = xstrdup(model);
}

static double agent_loop_price(struct agent_loop *l, const char *model,
			       const struct agent_usage *u)
{
	if (!l->o->cost)
		return -1;
	return l->o->cost(l->o->cost_data, model, u);
}

/* Add one call's usage and cost to the result. */
static void agent_loop_account(struct agent_loop *l, const char *model,
			       const struct agent_usage *u)
{
	struct agent_loop_result *r = l->res;
	double c;

	r->usage.input += u->input;
	r->usage.output += u->output;
	r->usage.cache_read += u->cache_read;
	r->usage.cache_write += u->cache_write;
	r->tokens += u->input + u->output + u->cache_read + u->cache_write;
	l->last_prompt = u->input + u->cache_read + u->cache_write;
	l->last_output = u->output;
	if (!r->cost_known)
		return;
	c = agent_loop_price(l, model, u);
	if (c < 0) {
		r->cost_known = 0;
		if (l->o->budget.max_usd > 0 && !l->warned_cost)
			log_warn("agent '%s': no price for model '%s': the "
				 "cost is unknown and the dollar budget is "
				 "not enforced", l->o->def->name,
				 model ? model : "?");
		l->warned_cost = 1;
		return;
	}
	r->cost_usd += c;
}

/* Usage the next call is expected to have. */
static void agent_loop_predict(struct agent_loop *l, struct agent_usage *u)
{
	size_t bytes = agent_loop_conv_bytes(l);

	memset(u, 0, sizeof(*u));
	if (l->last_prompt > 0)
		u->input = l->last_prompt +
			(long)((bytes - l->bytes_at_last + 3) / 4);
	else
		u->input = (long)((l->fixed_bytes + bytes + 3) / 4);
	u->output = l->o->max_output > 0 ? l->o->max_output : l->last_output;
}

static void agent_loop_stop(struct agent_loop *l, enum agent_loop_stop stop)
{
	l->res->stop = stop;
	l->done = 1;
}

/*
 * Before a call: stop when a budget is spent or the call cannot fit;
 * otherwise set *last when it is the last call that fits.
 */
static int agent_loop_check(struct agent_loop *l, int *last)
{
	const struct agent_budget *b = &l->o->budget;
	struct agent_loop_result *r = l->res;
	struct agent_usage next;
	long next_tokens;

	*last = 0;
	if (r->steps >= l->max_steps) {
		agent_loop_stop(l, AGENT_LOOP_BUDGET_STEPS);
		return 1;
	}
	if (b->max_ms > 0 && agent_loop_elapsed(l) >= b->max_ms) {
		agent_loop_stop(l, AGENT_LOOP_BUDGET_TIME);
		return 1;
	}
	agent_loop_predict(l, &next);
	next_tokens = next.input + next.output;
	if (b->max_tokens > 0) {
		if (r->tokens + next_tokens > b->max_tokens) {
			agent_loop_stop(l, AGENT_LOOP_BUDGET_TOKENS);
			return 1;
		}
		if (r->tokens + 2 * next_tokens > b->max_tokens)
			*last = 1;
	}
	if (b->max_usd > 0 && r->cost_known) {
		double c = agent_loop_price(l, l->o->model, &next);

		if (r->cost_usd >= b->max_usd ||
		    (c >= 0 && r->cost_usd + c > b->max_usd)) {
			agent_loop_stop(l, AGENT_LOOP_BUDGET_DOLLARS);
			return 1;
		}
		if (c >= 0 && r->cost_usd + 2 * c > b->max_usd)
			*last = 1;
	}
	if (r->steps + 1 >= l->max_steps)
		*last = 1;
	return 0;
}

/* ----- tool calls ----- */

/* How many times this exact call has now been made. */
static int agent_loop_count(struct agent_loop *l,
			    const struct agent_tool_call *c)
{
	char *args = NULL, *key;
	size_t i;

	if (c->args)
		args = json_dumps(c->args, JSON_COMPACT | JSON_SORT_KEYS);
	key = xasprintf("%s %s", c->name ? c->name : "",
			args ? args : c->arguments);
	free(args);
	for (i = 0; i < l->nr_seen; i++)
		if (!strcmp(l->seen[i].key, key)) {
			free(key);
			return ++l->seen[i].count;
		}
	ALLOC_GROW(l->seen, l->nr_seen, l->alloc_seen);
	l->seen[l->nr_seen].key = key;
	l->seen[l->nr_seen].count = 1;
	return l->seen[l->nr_seen++].count;
}

/* A deep copy of `v` without null object members. New reference. */
static json_t *agent_loop_strip_nulls(const json_t *v)
{
	json_t *copy;
	size_t i;

	if (json_is_object(v)) {
		const char *key;
		json_t *val;

		copy = json_object();
		json_object_foreach((json_t *)v, key, val)
			if (!json_is_null(val))
				json_object_set_new(copy, key,
					agent_loop_strip_nulls(val));
		return copy;
	}
	if (json_is_array(v)) {
		copy = json_array();
		for (i = 0; i < json_array_size(v); i++)
			json_array_append_new(copy, agent_loop_strip_nulls(
				json_array_get(v, i)));
		return copy;
	}
	return json_deep_copy(v);
}

static int agent_loop_is_final(const struct agent_loop *l, const char *name)
{
	size_t i;

	for (i = 0; name && i < l->nr_final; i++)
		if (!strcmp(l->final_defs[i].name, name))
			return 1;
	return 0;
}

/* Take a validated final answer. */
static void agent_loop_answer(struct agent_loop *l,
			      const struct agent_tool_call *c)
{
	struct agent_loop_result *r = l->res;
	json_t *args = c->args ? json_incref(c->args) : NULL;
	const json_t *v;

	if (!args)
		args = json_object();	/* blank arguments are {} */
	json_decref(r->review);
	r->review = agent_loop_strip_nulls(args);
	json_decref(args);
	free(r->final_tool);
	r->final_tool = xstrdup(c->name);
	free(r->summary);
	v = json_object_get(r->review, "summary");
	r->summary = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
	r->status = AGENT_FINISH_NONE;
	if (!strcmp(c->name, AGENT_FINAL_FINISH))
		r->status = agent_tools_finish_parse(json_string_value(
			json_object_get(r->review, "status")));
	agent_loop_stop(l, AGENT_LOOP_SUBMITTED);
}

/* Forget the calls seen so far: the files changed under them. */
static void agent_loop_forget(struct agent_loop *l)
{
	size_t i;

	for (i = 0; i < l->nr_seen; i++)
		free(l->seen[i].key);
	l->nr_seen = 0;
}

static void agent_loop_result_msg(struct agent_loop *l, const char *id,
				  struct buf *text, int failed)
{
	struct agent_message *m = agent_loop_push(l, AGENT_ROLE_TOOL);
	struct buf t = BUF_INIT;

	if (failed)
		buf_puts(&t, "error: ");
	buf_add(&t, text->ptr, text->len);
	m->tool_call_id = xstrdup(id);
	m->text = buf_detach(&t, NULL);
	m->is_error = failed;
}

/* Run the calls of the assistant message at index `at`. */
static void agent_loop_calls(struct agent_loop *l, size_t at)
{
	struct buf out = BUF_INIT;
	size_t i, nr = l->msgs[at].nr_calls;

	for (i = 0; i < nr && !l->done; i++) {
		/* re-read: pushing tool messages may move the array */
		const struct agent_tool_call *c = &l->msgs[at].calls[i];
		int n = agent_loop_count(l, c), rc;
		size_t changes;

		l->res->tool_calls++;
		if (n > l->max_repeats) {
			log_debug("agent '%s': call %d of %s with the same "
				  "arguments: stopping", l->o->def->name, n,
				  c->name);
			agent_loop_stop(l, AGENT_LOOP_REPEATED_CALL);
			break;
		}
		changes = l->o->env->changes;
		rc = agent_tools_run(l->o->env, c->name, c->arguments, &out);
		if (rc == 0 && agent_loop_is_final(l, c->name)) {
			agent_loop_answer(l, c);
			break;
		}
		if (l->o->env->changes != changes) {
			agent_loop_forget(l);
			n = 1;
		}
		if (rc < 0)
			l->res->tool_errors++;
		if (n > 1 && n == l->max_repeats)
			buf_printf(&out, "\n[note: this call repeats an "
				   "earlier one with the same arguments; "
				   "the result is the same. Another "
				   "identical call ends the run.]");
		agent_loop_result_msg(l, c->id, &out, rc < 0);
	}
	buf_release(&out);
}

/* ----- the loop ----- */

static void agent_loop_user(struct agent_loop *l, const char *text)
{
	agent_loop_push(l, AGENT_ROLE_USER)->text = xstrdup(text);
}

/* A turn without a tool call: ask once for the final answer. */
static void agent_loop_nudge(struct agent_loop *l)
{
	char *text = xasprintf("Your reply called no tool. Call %s now to "
			       "finish.", l->final_name);

	l->nudged = 1;
	agent_loop_user(l, text);
	free(text);
}

/* One model call and what follows it; sets l->done at the end. */
static void agent_loop_step(struct agent_loop *l)
{
	const struct agent_loop_opts *o = l->o;
	struct agent_loop_result *r = l->res;
	struct agent_request req;
	struct agent_response resp;
	struct agent_message *m;
	struct buf err = BUF_INIT;
	size_t at;
	int last, rc;

	if (agent_loop_check(l, &last))
		return;
	if (last) {
		char *note = xasprintf("This is your last step: the budget "
				       "allows no more tool calls. Call %s "
				       "now with what you have.",
				       l->final_name);

		agent_loop_user(l, note);
		free(note);
	}

	memset(&req, 0, sizeof(req));
	req.model = o->model;
	req.system = o->def->role;
	req.msgs = l->msgs;
	req.nr_msgs = l->nr_msgs;
	req.tools = last ? l->final_defs : l->defs;
	req.nr_tools = last ? l->nr_final : l->nr_defs;
	req.max_tokens = o->max_output;
	req.stream = o->stream;
	req.cache_prompt = 1;
	if (o->budget.max_ms > 0) {
		long left = o->budget.max_ms - agent_loop_elapsed(l);

		req.timeout_ms = left > 0 ? left : 1;
	}

	l->bytes_at_last = agent_loop_conv_bytes(l);
	agent_response_init(&resp);
	rc = o->complete(o->complete_data, &req, &resp, &err);
	if (rc < 0) {
		free(r->error);
		r->error = xstrdup(err.len ? err.ptr : error_name(rc));
		r->model_rc = rc;
		if (o->budget.max_ms > 0 && rc == TEND_ETIMEOUT &&
		    agent_loop_elapsed(l) >= o->budget.max_ms)
			agent_loop_stop(l, AGENT_LOOP_BUDGET_TIME);
		else
			agent_loop_stop(l, AGENT_LOOP_MODEL_ERROR);
		goto out;
	}
	r->steps++;
	agent_loop_add_model(r, resp.model ? resp.model : o->model);
	agent_loop_account(l, resp.model ? resp.model : o->model,
			   &resp.usage);
	if (resp.text && *resp.text) {
		free(r->text);
		r->text = xstrdup(resp.text);
	}
	log_debug("agent '%s' step %ld: %zu tool call(s), %ld in, %ld out "
		  "tokens", o->def->name, r->steps, resp.nr_calls,
		  resp.usage.input + resp.usage.cache_read +
		  resp.usage.cache_write, resp.usage.output);

	at = l->nr_msgs;
	m = agent_loop_push(l, AGENT_ROLE_ASSISTANT);
	agent_response_to_message(m, &resp);
	if (l->msgs[at].nr_calls)
		agent_loop_calls(l, at);
	else if (l->nudged)
		agent_loop_stop(l, AGENT_LOOP_NO_ANSWER);
	else
		agent_loop_nudge(l);
out:
	agent_response_release(&resp);
	buf_release(&err);
}

static void agent_loop_note(struct agent_loop *l)
{
	const struct agent_budget *b = &l->o->budget;
	struct agent_loop_result *r = l->res;
	struct buf n = BUF_INIT;

	switch (r->stop) {
	case AGENT_LOOP_SUBMITTED:
		buf_printf(&n, "%s called after %ld step%s", r->final_tool,
			   r->steps, r->steps == 1 ? "" : "s");
		break;
	case AGENT_LOOP_BUDGET_TOKENS:
		buf_printf(&n, "stopped by the token budget (%ld tokens, "
			   "%ld used)", b->max_tokens, r->tokens);
		break;
	case AGENT_LOOP_BUDGET_DOLLARS:
		buf_printf(&n, "stopped by the dollar budget ($%.4f, $%.4f "
			   "spent)", b->max_usd, r->cost_usd);
		break;
	case AGENT_LOOP_BUDGET_TIME:
		buf_printf(&n, "stopped by the time budget (%ld ms)",
			   b->max_ms);
		break;
	case AGENT_LOOP_BUDGET_STEPS:
		buf_printf(&n, "stopped by the step budget (%ld steps)",
			   l->max_steps);
		break;
	case AGENT_LOOP_REPEATED_CALL:
		buf_printf(&n, "stopped: the model repeated the same tool "
			   "call more than %d times", l->max_repeats);
		break;
	case AGENT_LOOP_MODEL_ERROR:
		buf_printf(&n, "stopped by a model error: %s",
			   r->error ? r->error : "unknown");
		break;
	case AGENT_LOOP_NO_ANSWER:
		buf_printf(&n, "stopped: the model answered twice without "
			   "calling a tool");
		break;
	}
	if (r->stop != AGENT_LOOP_SUBMITTED &&
	    !strcmp(l->final_name, AGENT_FINAL_FINISH))
		buf_printf(&n, " after %ld step%s; the agent did not call "
			   "finish, so there is no diagnosis", r->steps,
			   r->steps == 1 ? "" : "s");
	else if (r->stop != AGENT_LOOP_SUBMITTED &&
		 !strcmp(l->final_name, AGENT_FINAL_ANSWER))
		buf_printf(&n, " after %ld step%s; the agent did not call "
			   "answer, so there is no answer", r->steps,
			   r->steps == 1 ? "" : "s");
	else if (r->stop != AGENT_LOOP_SUBMITTED)
		buf_printf(&n, " after %ld step%s; no review was submitted, "
			   "so there are no model comments", r->steps,
			   r->steps == 1 ? "" : "s");
	free(r->note);
	r->note = buf_detach(&n, NULL);
}

int agent_loop_run(struct agent_loop_result *out,
		   const struct agent_loop_opts *opts, struct buf *err)
{
	struct agent_loop l;
	const struct agent_tool *const *saved_allowed;
	size_t saved_nr, i;
	int error = 0;

	agent_loop_result_init(out);
	if (!opts || !opts->def || !opts->complete || !opts->env)
		return error_set(err, TEND_EINVALID, "agent loop: missing %s",
				 !opts || !opts->def ? "agent" :
				 !opts->complete ? "model" : "tools env");
	memset(&l, 0, sizeof(l));
	l.o = opts;
	l.res = out;
	if ((error = agent_loop_tools(&l, err)) < 0)
		return error;

	l.max_steps = opts->def->max_steps > 0 ? opts->def->max_steps
		: AGENT_DEFAULT_STEPS;
	if (opts->budget.max_steps > 0 && opts->budget.max_steps < l.max_steps)
		l.max_steps = opts->budget.max_steps;
	l.max_repeats = opts->budget.max_repeats > 0 ?
		opts->budget.max_repeats : AGENT_LOOP_REPEATS;
	out->cost_known = opts->cost != NULL;
	if (!opts->cost && opts->budget.max_usd > 0) {
		log_warn("agent '%s': no prices: the cost is unknown and the "
			 "dollar budget is not enforced", opts->def->name);
		l.warned_cost = 1;
	}
	l.start_ms = agent_loop_now(&l);
	for (i = 0; i < opts->nr_msgs; i++) {
		ALLOC_GROW(l.msgs, l.nr_msgs, l.alloc_msgs);
		agent_loop_copy_msg(&l.msgs[l.nr_msgs++], &opts->msgs[i]);
	}

	saved_allowed = opts->env->allowed;
	saved_nr = opts->env->nr_allowed;
	opts->env->allowed = l.set.tool;
	opts->env->nr_allowed = l.set.nr;
	while (!l.done)
		agent_loop_step(&l);
	opts->env->allowed = saved_allowed;
	opts->env->nr_allowed = saved_nr;

	out->elapsed_ms = agent_loop_elapsed(&l);
	agent_loop_note(&l);
	log_debug("agent '%s': %s", opts->def->name, out->note);

	if (opts->keep_transcript) {
		out->msgs = l.msgs;
		out->nr_msgs = l.nr_msgs;
	} else {
		for (i = 0; i < l.nr_msgs; i++)
			agent_message_release(&l.msgs[i]);
		free(l.msgs);
	}
	for (i = 0; i < l.nr_seen; i++)
		free(l.seen[i].key);
	free(l.seen);
	return 0;
}
