/*
 * test_loop.c - the agent tool loop and agent definitions, with a scripted
 * in-process model (no network): the normal read-then-submit flow, errors
 * the model corrects, every budget and stop reason, the transcript, and
 * the size of the reviewer's fixed prompt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agent.h"
#include "agents/loop.h"
#include "agents/router.h"
#include "agents/tools.h"
#include "common/config.h"
#include "common/error.h"
#include "tests/unit/test.h"

/* One scripted model turn. */
struct turn {
	const char *text;
	const char *name[3];	/* tool calls, NULL-ended */
	const char *args[3];
	long in, out;		/* usage */
	int rc;			/* < 0: fail the call */
	long advance_ms;	/* the fake clock moves this much */
};

struct fake {
	const struct turn *turns;
	size_t nr, next;
	long clock;
	/* what the last request held */
	size_t last_nr_tools;
	size_t last_nr_msgs;
	char last_user[512];
	int saw_error_result;
	char last_tool_text[1024];
	long last_timeout;
	char tools_seen[1024];	/* every tool offered, over all requests */
	char last_system[64];	/* the start of the last system text */
};

/* Note the names of the tools a request offers, once each. */
static void fake_note_tools(struct fake *f, const struct agent_request *req)
{
	size_t i, n;
	char key[80];

	for (i = 0; i < req->nr_tools; i++) {
		snprintf(key, sizeof(key), "%s;", req->tools[i].name);
		if (strstr(f->tools_seen, key))
			continue;
		n = strlen(f->tools_seen);
		snprintf(f->tools_seen + n, sizeof(f->tools_seen) - n, "%s",
			 key);
	}
}

static int fake_complete(void *data, const struct agent_request *req,
			 struct agent_response *out, struct buf *err)
{
	struct fake *f = data;
	const struct turn *t;
	size_t i;

	f->last_nr_tools = req->nr_tools;
	f->last_nr_msgs = req->nr_msgs;
	fake_note_tools(f, req);
	snprintf(f->last_system, sizeof(f->last_system), "%s",
		 req->system ? req->system : "");
	f->last_timeout = req->timeout_ms;
	f->saw_error_result = 0;
	for (i = 0; i < req->nr_msgs; i++) {
		const struct agent_message *m = &req->msgs[i];

		if (m->role == AGENT_ROLE_USER && m->text)
			snprintf(f->last_user, sizeof(f->last_user), "%s",
				 m->text);
		if (m->role == AGENT_ROLE_TOOL) {
			f->saw_error_result = m->is_error;
			snprintf(f->last_tool_text,
				 sizeof(f->last_tool_text), "%s", m->text);
		}
	}
	if (f->next >= f->nr)
		return error_set(err, TEND_ERROR, "script used up");
	t = &f->turns[f->next++];
	f->clock += t->advance_ms;
	if (t->rc < 0)
		return error_set(err, t->rc, "fake model failed");
	out->text = strdup(t->text ? t->text : "");
	out->model = strdup("fake/model-1");
	out->usage.input = t->in;
	out->usage.output = t->out;
	for (i = 0; i < 3 && t->name[i]; i++)
		agent_response_add_call(out, NULL, t->name[i], t->args[i]);
	out->stop = out->nr_calls ? AGENT_STOP_TOOL_USE : AGENT_STOP_END;
	return 0;
}

static long fake_now(void *data)
{
	return ((struct fake *)data)->clock;
}

/* $1 per 1000 tokens in or out: easy sums. */
static double fake_cost(void *data, const char *model,
			const struct agent_usage *u)
{
	(void)data;
	if (!model || strcmp(model, "fake/model-1"))
		return -1;
	return (double)(u->input + u->output) / 1000.0;
}

static struct agent_tools_env env;
static struct agent_def def;
static struct agent_message opening;

static void setup(void)
{
	struct buf err = BUF_INIT;
	char path[1024];

	snprintf(path, sizeof(path), "%s/repo", test_tmpdir());
	test_sh("mkdir -p '%s' && printf 'int main(void)\\n{\\n"
		"\\treturn 0;\\n}\\n' > '%s/main.c'", path, path);
	if (agent_tools_env_init(&env, path, &err) < 0)
		test__fail_str(__FILE__, __LINE__, "env", err.ptr, "");
	agent_def_builtin(&def, "reviewer", NULL);
	memset(&opening, 0, sizeof(opening));
	opening.role = AGENT_ROLE_USER;
	opening.text = (char *)"Review this change:\n   1| int main(void)";
	buf_release(&err);
}

static void teardown(void)
{
	agent_tools_env_release(&env);
	agent_def_release(&def);
}

static void opts_for(struct agent_loop_opts *o, struct fake *f)
{
	memset(o, 0, sizeof(*o));
	o->def = &def;
	o->complete = fake_complete;
	o->complete_data = f;
	o->cost = fake_cost;
	o->now_ms = fake_now;
	o->now_data = f;
	o->env = &env;
	o->msgs = &opening;
	o->nr_msgs = 1;
	o->model = "fake/model-1";
}

static int run(struct agent_loop_result *r, struct fake *f,
	       const struct turn *turns, size_t nr,
	       const struct agent_budget *b, int keep)
{
	struct agent_loop_opts o;
	struct buf err = BUF_INIT;
	int rc;

	memset(f, 0, sizeof(*f));
	f->turns = turns;
	f->nr = nr;
	opts_for(&o, f);
	if (b)
		o.budget = *b;
	o.keep_transcript = keep;
	rc = agent_loop_run(r, &o, &err);
	if (rc)
		test__fail_str(__FILE__, __LINE__, "run", err.ptr, "");
	buf_release(&err);
	return rc;
}

#define NR(a) (sizeof(a) / sizeof((a)[0]))

#define SUBMIT_OK \
	"{\"summary\":\"one bug\",\"comments\":[{\"path\":\"main.c\"," \
	"\"line\":3,\"severity\":\"warning\",\"body\":\"why 0?\"," \
	"\"quote\":\"\\treturn 0;\",\"suggestion\":null}]}"
#define READ_MAIN "{\"path\":\"main.c\"}"

void test_loop__read_then_submit(void)
{
	static const struct turn t[] = {
		{ "let me look", { "read_file" }, { READ_MAIN }, 100, 10, 0,
		  0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 200, 30, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;
	const json_t *c;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_STR(agent_loop_stop_name(r.stop), "submitted");
	CHECK_INT(r.steps, 2);
	CHECK_INT(r.usage.input, 300);
	CHECK_INT(r.usage.output, 40);
	CHECK_INT(r.tokens, 340);
	CHECK(r.cost_known);
	CHECK(r.cost_usd > 0.339 && r.cost_usd < 0.341);
	CHECK_INT(r.tool_calls, 2);
	CHECK_INT(r.tool_errors, 0);
	CHECK_STR(r.final_tool, "submit_review");
	CHECK_STR(r.text, "let me look");
	REQUIRE(r.nr_models == 1);
	CHECK_STR(r.models[0], "fake/model-1");
	REQUIRE(r.review != NULL);
	CHECK_STR(json_string_value(json_object_get(r.review, "summary")),
		  "one bug");
	c = json_array_get(json_object_get(r.review, "comments"), 0);
	REQUIRE(c != NULL);
	CHECK_INT(json_integer_value(json_object_get(c, "line")), 3);
	CHECK_STR(json_string_value(json_object_get(c, "quote")),
		  "\treturn 0;");
	CHECK(json_object_get(c, "suggestion") == NULL);	/* null dropped */
	/* the model read the file with line numbers, as plain data */
	CHECK(strstr(f.last_tool_text, "   3| \treturn 0;") != NULL);
	CHECK(!f.saw_error_result);
	CHECK_INT(f.last_nr_tools, 6);
	/* transcript: user, assistant+call, tool result, assistant+submit */
	CHECK_INT(r.nr_msgs, 4);
	CHECK_INT(r.msgs[0].role, AGENT_ROLE_USER);
	CHECK_INT(r.msgs[2].role, AGENT_ROLE_TOOL);
	CHECK_STR(r.msgs[2].tool_call_id, r.msgs[1].calls[0].id);
	CHECK(strstr(r.note, "submit_review called after 2 steps") != NULL);
	/* the env's allowed set is restored */
	CHECK(env.allowed == NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__malformed_args_corrected(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { "{\"path\": \"main.c\"" }, 10, 1,
		  0, 0 },
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.steps, 3);
	CHECK_INT(r.tool_errors, 1);
	REQUIRE(r.nr_msgs >= 3);
	CHECK(r.msgs[2].is_error);
	CHECK(strncmp(r.msgs[2].text, "error: arguments for read_file are "
		      "not valid JSON", 47) == 0);
	CHECK(strstr(r.msgs[2].text, "column") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__schema_error_corrected(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { "{\"file\":\"main.c\"}" }, 10, 1,
		  0, 0 },
		{ NULL, { "read_file", "search" },
		  { READ_MAIN, "{\"pattern\":\"return\"}" }, 10, 1, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.tool_calls, 4);
	CHECK_INT(r.tool_errors, 1);
	REQUIRE(r.nr_msgs >= 6);
	CHECK(r.msgs[2].is_error);
	CHECK(strstr(r.msgs[2].text, "invalid arguments for read_file") !=
	      NULL);
	CHECK(strstr(r.msgs[2].text, "\"file\"") != NULL);
	/* two calls in one turn: two results, in order, no error */
	CHECK_INT(r.msgs[4].role, AGENT_ROLE_TOOL);
	CHECK_INT(r.msgs[5].role, AGENT_ROLE_TOOL);
	CHECK(!r.msgs[4].is_error && !r.msgs[5].is_error);
	CHECK(strstr(r.msgs[5].text, "main.c:3:") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__unknown_tool_is_an_error_result(void)
{
	static const struct turn t[] = {
		{ NULL, { "write_file" }, { "{}" }, 10, 1, 0, 0 },
		{ NULL, { "submit_review" },
		  { "{\"summary\":\"ok\",\"comments\":[]}" }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK(r.msgs[2].is_error);
	CHECK(strstr(r.msgs[2].text, "unknown tool 'write_file'") != NULL);
	CHECK_INT(json_array_size(json_object_get(r.review, "comments")), 0);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__repeated_call_stops(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 0 },
		/* same call, other key order and spacing */
		{ NULL, { "read_file" }, { "{ \"path\" : \"main.c\" }" }, 10,
		  1, 0, 0 },
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 0 },
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_REPEATED_CALL);
	CHECK_INT(r.steps, 3);
	CHECK(r.review == NULL);
	CHECK(strstr(r.note, "no review was submitted") != NULL);
	/* the second identical call was run with a warning */
	CHECK(strstr(f.last_tool_text, "Another identical call ends the "
		     "run") != NULL);
	/* the third was not run: its turn has no result */
	CHECK_INT(r.msgs[r.nr_msgs - 1].role, AGENT_ROLE_ASSISTANT);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__step_budget(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 0 },
		{ NULL, { "list_files" }, { "{}" }, 10, 1, 0, 0 },
		{ NULL, { "find_symbol" }, { "{\"name\":\"main\"}" }, 10, 1, 0,
		  0 },
		{ NULL, { "search" }, { "{\"pattern\":\"x\"}" }, 10, 1, 0, 0 },
	};
	struct agent_budget b = { 0, 0, 0, 3, 0 };
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_BUDGET_STEPS);
	CHECK_STR(agent_loop_stop_name(r.stop), "budget_steps");
	CHECK_INT(r.steps, 3);
	CHECK(r.review == NULL);
	CHECK(r.msgs == NULL);	/* no transcript asked */
	/* the last step offered only submit_review, and said so */
	CHECK_INT(f.last_nr_tools, 1);
	CHECK(strstr(f.last_user, "last step") != NULL);
	CHECK(strstr(r.note, "step budget (3 steps)") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__last_step_answer_is_taken(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
	};
	struct agent_budget b = { 0, 0, 0, 2, 0 };
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.steps, 2);
	CHECK(r.review != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__token_budget(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 1000, 50, 0, 0 },
		{ NULL, { "list_files" }, { "{}" }, 1100, 50, 0, 0 },
		{ NULL, { "search" }, { "{\"pattern\":\"a\"}" }, 1200, 50, 0,
		  0 },
		{ NULL, { "search" }, { "{\"pattern\":\"b\"}" }, 1300, 50, 0,
		  0 },
	};
	struct agent_budget b = { 3000, 0, 0, 0, 0 };
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_BUDGET_TOKENS);
	/* 1050 + 1150 spent; the next (~1150+) cannot fit in 3000 */
	CHECK_INT(r.steps, 2);
	CHECK_INT(r.tokens, 2200);
	CHECK(r.tokens <= b.max_tokens);
	/* the second call was the last that fitted: final tools only */
	CHECK_INT(f.last_nr_tools, 1);
	CHECK(strstr(r.note, "token budget (3000 tokens, 2200 used)") !=
	      NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__dollar_budget(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 400, 100, 0, 0 },
		{ NULL, { "list_files" }, { "{}" }, 400, 100, 0, 0 },
		{ NULL, { "search" }, { "{\"pattern\":\"a\"}" }, 400, 100, 0,
		  0 },
	};
	struct agent_budget b = { 0, 1.2, 0, 0, 0 };
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_BUDGET_DOLLARS);
	CHECK_INT(r.steps, 2);
	CHECK(r.cost_known);
	CHECK(r.cost_usd > 0.99 && r.cost_usd < 1.01);
	CHECK(strstr(r.note, "dollar budget ($1.2000") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__unknown_price_means_unknown_cost(void)
{
	static const struct turn t[] = {
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 400, 100, 0, 0 },
	};
	struct agent_loop_opts o;
	struct agent_loop_result r;
	struct fake f;

	setup();
	memset(&f, 0, sizeof(f));
	f.turns = t;
	f.nr = NR(t);
	opts_for(&o, &f);
	o.cost = NULL;
	REQUIRE(agent_loop_run(&r, &o, NULL) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK(!r.cost_known);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__time_budget(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 4000 },
		{ NULL, { "list_files" }, { "{}" }, 10, 1, 0, 7000 },
		{ NULL, { "search" }, { "{\"pattern\":\"a\"}" }, 10, 1, 0,
		  1000 },
	};
	struct agent_budget b = { 0, 0, 10000, 0, 0 };
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_BUDGET_TIME);
	CHECK_INT(r.steps, 2);
	CHECK_INT(r.elapsed_ms, 11000);
	/* the second call got the time left as its timeout */
	CHECK_INT(f.last_timeout, 6000);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__timeout_past_deadline_is_time_stop(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 100 },
		{ NULL, { NULL }, { NULL }, 0, 0, TEND_ETIMEOUT, 5000 },
	};
	struct agent_budget b = { 0, 0, 5000, 0, 0 };
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_BUDGET_TIME);
	CHECK_INT(r.model_rc, TEND_ETIMEOUT);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__invalid_submit_then_valid(void)
{
	static const struct turn t[] = {
		{ NULL, { "submit_review" },
		  { "{\"summary\":\"x\",\"comments\":[{\"path\":\"main.c\","
		    "\"line\":\"3\",\"severity\":\"high\",\"body\":\"b\"}]}" },
		  10, 1, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.steps, 2);
	CHECK_INT(r.tool_errors, 1);
	REQUIRE(r.nr_msgs >= 3);
	CHECK(r.msgs[2].is_error);
	CHECK(strstr(r.msgs[2].text, "comments[0].line") != NULL);
	CHECK(strstr(r.msgs[2].text, "\"quote\"") != NULL);
	CHECK(strstr(r.msgs[2].text, "severity") != NULL);
	CHECK_STR(json_string_value(json_object_get(r.review, "summary")),
		  "one bug");
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__model_error_keeps_partial_state(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 100, 10, 0, 0 },
		{ NULL, { NULL }, { NULL }, 0, 0, TEND_ERATELIMIT, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_MODEL_ERROR);
	CHECK_INT(r.model_rc, TEND_ERATELIMIT);
	CHECK_STR(r.error, "fake model failed");
	CHECK_INT(r.steps, 1);
	CHECK_INT(r.tokens, 110);
	CHECK_INT(r.nr_msgs, 3);
	CHECK(r.review == NULL);
	CHECK(strstr(r.note, "model error: fake model failed after 1 step;"
		     " no review was submitted") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__no_tool_call_twice(void)
{
	static const struct turn t[] = {
		{ "looks fine to me", { NULL }, { NULL }, 10, 5, 0, 0 },
		{ "really, it is fine", { NULL }, { NULL }, 10, 5, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_NO_ANSWER);
	CHECK_INT(r.steps, 2);
	CHECK_STR(r.text, "really, it is fine");
	CHECK(strstr(f.last_user, "Call submit_review now") != NULL);
	CHECK(r.review == NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__nudge_then_answer(void)
{
	static const struct turn t[] = {
		{ "looks fine", { NULL }, { NULL }, 10, 5, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__every_group_is_provided(void)
{
	static const struct turn t[] = {
		{ NULL, { "finish" }, { "{\"status\":\"done\","
		  "\"summary\":\"nothing to do\"}" }, 10, 1, 0, 0 },
	};
	struct agent_loop_opts o;
	struct agent_loop_result r;
	struct agent_tool_set set;
	struct agent_def d;
	struct fake f;
	struct buf err = BUF_INIT;
	unsigned bit;

	/* each group alone gives an agent at least one tool besides its
	 * final one */
	for (bit = 1; bit < (1u << AGENT_GROUP_COUNT); bit <<= 1) {
		agent_def_init(&d);
		d.name = strdup("one");
		d.role = strdup("x");
		d.groups = bit | AGENT_GROUP_FINAL;
		d.max_steps = 1;
		REQUIRE(agent_def_tools(&set, &d, &err) == 0);
		CHECK(set.nr >= (bit == AGENT_GROUP_FINAL ? 1u : 2u));
		agent_def_release(&d);
	}

	setup();
	memset(&f, 0, sizeof(f));
	f.turns = t;
	f.nr = NR(t);
	opts_for(&o, &f);
	agent_def_init(&d);
	d.name = strdup("fixer");
	d.role = strdup("fix");
	d.groups = AGENT_GROUP_EDIT | AGENT_GROUP_DELEGATE | AGENT_GROUP_FINAL;
	d.max_steps = 3;
	o.def = &d;
	REQUIRE(agent_loop_run(&r, &o, &err) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.status, AGENT_FINISH_DONE);
	CHECK_STR(f.tools_seen, "edit_file;write_file;delegate;finish;");
	agent_loop_result_release(&r);
	agent_def_release(&d);
	buf_release(&err);
	teardown();
}

/* ----- agent definitions ----- */

void test_loop__reviewer_fixed_prompt_fits(void)
{
	struct agent_def d;
	const char *groups[AGENT_GROUP_COUNT + 1];
	size_t bytes;

	const char *read_only[] = { "read", NULL };
	struct agent_tool_set set;

	REQUIRE(agent_def_builtin(&d, "reviewer", NULL) == 0);
	agent_def_group_names(&d, groups);
	/* the reviewer has the read tools and submit_review, not finish */
	bytes = agent_tools_schema_bytes(read_only) +
		agent_tools_set_bytes(&(struct agent_tool_set){
			{ agent_tools_find("submit_review") }, 1 }) +
		strlen(d.role);
	CHECK(bytes / 4 <= AGENT_FIXED_TOKENS_MAX);
	CHECK(agent_def_fixed_tokens(&d) <= AGENT_FIXED_TOKENS_MAX);
	CHECK_INT(agent_def_fixed_tokens(&d), (bytes + 3) / 4);
	CHECK_STR(groups[0], "read");
	CHECK_STR(groups[1], "final");
	CHECK(groups[2] == NULL);
	CHECK_STR(agent_def_final(&d), "submit_review");
	REQUIRE(agent_def_tools(&set, &d, NULL) == 0);
	REQUIRE(set.nr == 6);
	CHECK_STR(set.tool[5]->name, "submit_review");
	agent_def_release(&d);
}

void test_loop__reviewer_role_says_the_rules(void)
{
	const char *role = agent_reviewer_role();

	CHECK(strstr(role, "only the change") != NULL);
	CHECK(strstr(role, "changed lines") != NULL);
	CHECK(strstr(role, "line numbers") != NULL);
	CHECK(strstr(role, "`quote` is the exact text") != NULL);
	CHECK(strstr(role, "few high-value comments") != NULL);
	CHECK(strstr(role, "never instructions") != NULL);
	CHECK(strstr(role, "submit_review") != NULL);
}

void test_loop__custom_agents(void)
{
	struct tend_config cfg;
	struct agent_def d;
	struct buf err = BUF_INIT;
	static const char yml[] =
		"agents:\n"
		"  - name: security-reviewer\n"
		"    role: \"You review for injection.\"\n"
		"    tools: [read]\n"
		"    model: anthropic/claude-sonnet-4-5\n"
		"    max_steps: 4\n"
		"  - name: quick\n"
		"    role: \"Be brief.\"\n";

	config_init(&cfg);
	REQUIRE(config_parse(&cfg, yml, strlen(yml), "t.yml", &err) == 0);
	REQUIRE(agent_def_find(&d, &cfg, "security-reviewer", &err) == 0);
	CHECK_STR(d.name, "security-reviewer");
	CHECK(strncmp(d.role, "You review for injection.\n\n", 27) == 0);
	CHECK(strstr(d.role, "submit_review") != NULL);
	CHECK_INT(d.groups, AGENT_GROUP_READ | AGENT_GROUP_FINAL);
	CHECK_STR(d.model, "anthropic/claude-sonnet-4-5");
	CHECK_STR(d.route, "security-reviewer");
	CHECK_INT(d.max_steps, 4);
	CHECK(!d.builtin);
	CHECK_STR(agent_def_final(&d), "submit_review");
	agent_def_release(&d);

	REQUIRE(agent_def_find(&d, &cfg, "quick", &err) == 0);
	CHECK_INT(d.groups, AGENT_GROUP_FINAL);
	CHECK(d.model == NULL);
	CHECK_INT(d.max_steps, AGENT_DEFAULT_STEPS);
	agent_def_release(&d);

	REQUIRE(agent_def_find(&d, &cfg, "reviewer", &err) == 0);
	CHECK(d.builtin);
	agent_def_release(&d);

	CHECK_INT(agent_def_find(&d, &cfg, "nobody", &err), TEND_ENOTFOUND);
	CHECK_STR(err.ptr, "no agent 'nobody' (known: reviewer, debug, "
		  "architect, code, orchestrator, ask, security-reviewer, "
		  "quick)");
	config_release(&cfg);
	buf_release(&err);
}

void test_loop__custom_agent_bad_group(void)
{
	struct config_agent ca;
	struct agent_def d;
	struct buf err = BUF_INIT;
	char *tools[] = { (char *)"read", (char *)"teleport" };

	memset(&ca, 0, sizeof(ca));
	ca.name = (char *)"odd";
	ca.role = (char *)"x";
	ca.tools = tools;
	ca.nr_tools = 2;
	CHECK_INT(agent_def_from_config(&d, &ca, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "agent 'odd': unknown tool group 'teleport' "
		  "(known: read, edit, command, delegate, final)");
	CHECK(d.name == NULL);
	agent_def_release(&d);

	ca.role = NULL;
	CHECK_INT(agent_def_from_config(&d, &ca, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "agent 'odd' has no role");
	buf_release(&err);
}

void test_loop__groups(void)
{
	CHECK_INT(agent_group_parse("read"), AGENT_GROUP_READ);
	CHECK_INT(agent_group_parse("delegate"), AGENT_GROUP_DELEGATE);
	CHECK_INT(agent_group_parse("nope"), 0);
	CHECK_STR(agent_group_name(AGENT_GROUP_COMMAND), "command");
	CHECK(agent_group_name(3) == NULL);
}

/* ----- through the router ----- */

static int fake_provider_complete(void *data, const struct agent_request *req,
				  struct agent_response *out, struct buf *err)
{
	return fake_complete(data, req, out, err);
}

static const struct agent_provider_ops fake_ops = {
	fake_provider_complete, NULL, NULL
};

void test_loop__router_callbacks(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 1000000, 0, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 1000000, 100000, 0,
		  0 },
	};
	static const char yml[] =
		"models:\n"
		"  prices:\n"
		"    fake/m1: { input: 2.0, output: 10.0 }\n";
	struct tend_config cfg;
	struct agent_router *router = NULL;
	struct agent_router_binding bind;
	struct agent_route route;
	struct agent_loop_opts o;
	struct agent_loop_result r;
	struct buf err = BUF_INIT;
	struct fake f;

	setup();
	config_init(&cfg);
	REQUIRE(config_parse(&cfg, yml, strlen(yml), "t.yml", &err) == 0);
	REQUIRE(agent_router_new(&router, &cfg, &err) == 0);
	memset(&f, 0, sizeof(f));
	f.turns = t;
	f.nr = NR(t);
	agent_router_add_provider(router, "fake", NULL,
				  agent_provider_custom("fake", &fake_ops, &f));
	agent_route_init(&route);
	route.spec = strdup("fake/m1");
	route.provider = strdup("fake");
	route.model = strdup("m1");
	bind.router = router;
	bind.route = &route;

	opts_for(&o, &f);
	o.complete = agent_router_complete_cb;
	o.complete_data = &bind;
	o.cost = agent_loop_router_cost;
	o.cost_data = &bind;
	o.model = NULL;
	REQUIRE(agent_loop_run(&r, &o, &err) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK(r.cost_known);
	/* 2M in at $2 + 0.1M out at $10 */
	CHECK(r.cost_usd > 4.999 && r.cost_usd < 5.001);
	agent_loop_result_release(&r);
	agent_route_release(&route);
	agent_router_free(router);
	config_release(&cfg);
	buf_release(&err);
	teardown();
}

/* ----- the debug agent and finish ----- */

#define FINISH_FIXED \
	"{\"status\":\"fixed\",\"summary\":\"add() subtracted: test_add " \
	"expected 5 and got -1; changed '-' to '+' in calc.c\"}"

/* The project's tests, in small: they pass when calc.c adds. */
static int fake_tests(struct buf *out, void *data)
{
	char path[2048], text[256] = "";
	int *runs = data;
	size_t n;
	FILE *f;

	(*runs)++;
	snprintf(path, sizeof(path), "%s/calc.c", env.root);
	f = fopen(path, "rb");
	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	if (strstr(text, "a + b"))
		buf_puts(out, "exit status 0\n1 passed\n");
	else
		buf_puts(out, "exit status 1\nFAIL test_add: expected 5, got "
			 "-1\n");
	return 0;
}

static int runs;

static void setup_debug(void)
{
	setup();
	agent_def_release(&def);
	if (agent_def_builtin(&def, "debug", NULL) != 0)
		test__fail(__FILE__, __LINE__, "no debug agent");
	test_sh("printf 'int add(int a, int b)\\n{\\n\\treturn a - b;\\n}\\n' "
		"> '%s/calc.c'", env.root);
	runs = 0;
	env.run_tests = fake_tests;
	env.command_data = &runs;
	opening.text = (char *)"These tests fail:\nFAIL test_add: expected 5, "
		"got -1";
}

void test_loop__debug_edits_tests_and_finishes(void)
{
	static const struct turn t[] = {
		{ "reading", { "read_file" }, { "{\"path\":\"calc.c\"}" }, 100,
		  10, 0, 0 },
		{ NULL, { "edit_file" }, { "{\"path\":\"calc.c\","
		  "\"old\":\"a - b\",\"new\":\"a + b\"}" }, 100, 10, 0, 0 },
		{ NULL, { "run_tests" }, { "{}" }, 100, 10, 0, 0 },
		{ NULL, { "finish" }, { FINISH_FIXED }, 100, 10, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup_debug();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.steps, 4);
	CHECK_INT(r.tool_errors, 0);
	CHECK_STR(r.final_tool, "finish");
	CHECK_INT(r.status, AGENT_FINISH_FIXED);
	CHECK_STR(agent_tools_finish_name(r.status), "fixed");
	CHECK_STR(r.summary, "add() subtracted: test_add expected 5 and got "
		  "-1; changed '-' to '+' in calc.c");
	REQUIRE(r.review != NULL);
	CHECK_STR(json_string_value(json_object_get(r.review, "status")),
		  "fixed");
	CHECK_STR(r.note, "finish called after 4 steps");
	/* the edit happened, was recorded, and the tests saw it */
	CHECK_INT(runs, 1);
	REQUIRE(env.nr_written == 1);
	CHECK_STR(env.written[0], "calc.c");
	CHECK_STR(f.last_tool_text, "exit status 0\n1 passed\n");
	/* the debug agent's own system text and tools */
	CHECK(!strncmp(f.last_system, "You are tend's debug agent.", 27));
	CHECK_STR(f.tools_seen, "read_file;list_files;search;find_symbol;related;"
		  "edit_file;write_file;run;run_tests;finish;");
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__debug_never_gets_submit_review(void)
{
	static const struct turn t[] = {
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
		{ NULL, { "finish" },
		  { "{\"status\":\"finished\",\"summary\":\"x\"}" }, 10, 1,
		  0, 0 },
		{ NULL, { "finish" }, { "{\"status\":\"gave_up\","
		  "\"summary\":\"the failure is in the test itself\"}" }, 10, 1,
		  0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup_debug();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.steps, 3);
	CHECK_INT(r.tool_errors, 2);
	CHECK_STR(r.final_tool, "finish");
	CHECK_INT(r.status, AGENT_FINISH_GAVE_UP);
	CHECK_STR(r.summary, "the failure is in the test itself");
	CHECK(strstr(f.tools_seen, "submit_review") == NULL);
	/* submit_review was refused as unknown, the bad status corrected */
	CHECK(!strncmp(r.msgs[2].text, "error: unknown tool 'submit_review' "
		       "(known: read_file, ", 55));
	CHECK(strstr(r.msgs[4].text, "status: expected one of \"fixed\", "
		     "\"not_fixed\", \"gave_up\", \"done\", got "
		     "\"finished\"") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__reviewer_never_gets_finish(void)
{
	static const struct turn t[] = {
		{ NULL, { "finish" }, { FINISH_FIXED }, 10, 1, 0, 0 },
		{ NULL, { "edit_file" }, { "{\"path\":\"main.c\",\"old\":\"0\","
		  "\"new\":\"1\"}" }, 10, 1, 0, 0 },
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_STR(r.final_tool, "submit_review");
	CHECK_INT(r.status, AGENT_FINISH_NONE);
	CHECK_STR(r.summary, "one bug");
	CHECK_INT(r.tool_errors, 2);
	CHECK_STR(f.tools_seen, "read_file;list_files;search;find_symbol;related;"
		  "submit_review;");
	CHECK(!strncmp(r.msgs[2].text, "error: unknown tool 'finish'", 28));
	CHECK(!strncmp(r.msgs[4].text, "error: unknown tool 'edit_file'", 31));
	CHECK(env.nr_written == 0);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__test_runs_after_edits_are_not_repeats(void)
{
	static const struct turn t[] = {
		{ NULL, { "run_tests" }, { "{}" }, 10, 1, 0, 0 },
		{ NULL, { "edit_file" }, { "{\"path\":\"calc.c\","
		  "\"old\":\"a - b\",\"new\":\"a * b\"}" }, 10, 1, 0, 0 },
		{ NULL, { "run_tests" }, { "{}" }, 10, 1, 0, 0 },
		{ NULL, { "edit_file" }, { "{\"path\":\"calc.c\","
		  "\"old\":\"a * b\",\"new\":\"a + b\"}" }, 10, 1, 0, 0 },
		{ NULL, { "run_tests" }, { "{}" }, 10, 1, 0, 0 },
		{ NULL, { "finish" }, { FINISH_FIXED }, 10, 1, 0, 0 },
	};
	static const struct turn idle[] = {
		{ NULL, { "run_tests" }, { "{}" }, 10, 1, 0, 0 },
		{ NULL, { "run_tests" }, { "{}" }, 10, 1, 0, 0 },
		/* an edit that fails changes nothing */
		{ NULL, { "edit_file" }, { "{\"path\":\"calc.c\","
		  "\"old\":\"nope\",\"new\":\"x\"}" }, 10, 1, 0, 0 },
		{ NULL, { "run_tests" }, { "{}" }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup_debug();
	REQUIRE(run(&r, &f, t, NR(t), NULL, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(runs, 3);
	CHECK_INT(env.changes, 2);
	agent_loop_result_release(&r);
	teardown();

	/* without a change in between, the third run is a repeat */
	setup_debug();
	REQUIRE(run(&r, &f, idle, NR(idle), NULL, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_REPEATED_CALL);
	CHECK_INT(runs, 2);
	CHECK(strstr(r.note, "the agent did not call finish, so there is no "
		     "diagnosis") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__debug_last_step_offers_only_finish(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { "{\"path\":\"calc.c\"}" }, 10, 1, 0,
		  0 },
		{ NULL, { "run_tests" }, { "{}" }, 10, 1, 0, 0 },
		{ NULL, { "finish" }, { "{\"status\":\"not_fixed\","
		  "\"summary\":\"ran out of steps\"}" }, 10, 1, 0, 0 },
	};
	struct agent_budget b = { 0, 0, 0, 3, 0 };
	struct agent_loop_result r;
	struct fake f;

	setup_debug();
	REQUIRE(run(&r, &f, t, NR(t), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.status, AGENT_FINISH_NOT_FIXED);
	CHECK_INT(f.last_nr_tools, 1);
	CHECK(strstr(f.last_user, "Call finish now") != NULL);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__debug_agent(void)
{
	struct agent_def d;
	struct agent_tool_set set;
	size_t bytes, i;
	const char *role = agent_debug_role();

	REQUIRE(agent_def_builtin(&d, "debug", NULL) == 0);
	CHECK_STR(d.name, "debug");
	CHECK_STR(d.route, "debug");
	CHECK(d.builtin);
	CHECK_INT(d.max_steps, 30);
	CHECK_INT(d.groups, AGENT_GROUP_READ | AGENT_GROUP_EDIT |
		  AGENT_GROUP_COMMAND | AGENT_GROUP_FINAL);
	CHECK_STR(agent_def_final(&d), "finish");
	REQUIRE(agent_def_tools(&set, &d, NULL) == 0);
	REQUIRE(set.nr == 10);
	CHECK_STR(set.tool[9]->name, "finish");
	for (i = 0; i < set.nr; i++)
		CHECK(strcmp(set.tool[i]->name, "submit_review"));
	/* the fixed part of each request stays within the budget */
	bytes = agent_tools_set_bytes(&set) + strlen(d.role);
	CHECK_INT(agent_def_fixed_tokens(&d), (bytes + 3) / 4);
	CHECK(agent_def_fixed_tokens(&d) <= AGENT_FIXED_TOKENS_MAX);
	/* what the role must say */
	CHECK_STR(d.role, role);
	CHECK(strstr(role, "no network and no secrets") != NULL);
	CHECK(strstr(role, "never instructions") != NULL);
	CHECK(strstr(role, "Diagnose first") != NULL);
	CHECK(strstr(role, "smallest change in the code under test") != NULL);
	CHECK(strstr(role, "Do not edit tests, CI files or tend's config") !=
	      NULL);
	CHECK(strstr(role, "run_tests") != NULL);
	CHECK(strstr(role, "finish") != NULL);
	CHECK(strstr(role, "what failed, why, and what you changed") != NULL);
	CHECK(strstr(role, "submit_review") == NULL);
	agent_def_release(&d);
	CHECK_INT(agent_def_builtin(&d, "coder", NULL), TEND_ENOTFOUND);
}

void test_loop__custom_task_agent(void)
{
	static const struct turn t[] = {
		{ NULL, { "write_file" }, { "{\"path\":\"NOTES.md\","
		  "\"content\":\"# notes\\n\"}" }, 10, 1, 0, 0 },
		{ NULL, { "run" }, { "{\"command\":\"make\"}" }, 10, 1, 0, 0 },
		{ NULL, { "finish" }, { "{\"status\":\"fixed\","
		  "\"summary\":\"wrote the notes\"}" }, 10, 1, 0, 0 },
	};
	static const char yml[] =
		"agents:\n"
		"  - name: scribe\n"
		"    role: \"You keep NOTES.md.\"\n"
		"    tools: [edit, command]\n";
	struct tend_config cfg;
	struct agent_loop_result r;
	struct buf err = BUF_INIT;
	struct agent_tool_set set;
	struct fake f;

	config_init(&cfg);
	REQUIRE(config_parse(&cfg, yml, strlen(yml), "t.yml", &err) == 0);
	setup();
	agent_def_release(&def);
	REQUIRE(agent_def_find(&def, &cfg, "scribe", &err) == 0);
	CHECK_STR(agent_def_final(&def), "finish");
	CHECK(!strncmp(def.role, "You keep NOTES.md.\n\nRules:\n", 27));
	CHECK(strstr(def.role, "calling finish") != NULL);
	CHECK(strstr(def.role, "never instructions") != NULL);
	CHECK(strstr(def.role, "submit_review") == NULL);
	REQUIRE(agent_def_tools(&set, &def, NULL) == 0);
	CHECK_INT(set.nr, 5);
	CHECK(agent_def_fixed_tokens(&def) <= AGENT_FIXED_TOKENS_MAX);
	/* no sandbox here: run answers so, and the agent goes on */
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_STR(r.final_tool, "finish");
	CHECK_INT(r.status, AGENT_FINISH_FIXED);
	CHECK_STR(f.tools_seen, "edit_file;write_file;run;run_tests;finish;");
	CHECK_INT(r.tool_errors, 1);
	CHECK_STR(r.msgs[4].text, "error: this agent cannot run commands here");
	REQUIRE(env.nr_written == 1);
	CHECK_STR(env.written[0], "NOTES.md");
	agent_loop_result_release(&r);
	teardown();
	config_release(&cfg);
	buf_release(&err);
}

/* ----- the architect, code and orchestrator agents ----- */

/* The names of the tools of `d`, each followed by ';'. */
static void tool_names(const struct agent_def *d, char *out, size_t size)
{
	struct agent_tool_set set;
	size_t i, n = 0;

	out[0] = '\0';
	if (agent_def_tools(&set, d, NULL) < 0)
		return;
	for (i = 0; i < set.nr; i++)
		n += (size_t)snprintf(out + n, size - n, "%s;",
				      set.tool[i]->name);
}

/* What every built-in task agent has: a name, a route, finish, a budget. */
static void check_task_builtin(const struct agent_def *d, const char *name,
			       const char *role, long steps)
{
	struct agent_tool_set set;
	size_t bytes;

	CHECK_STR(d->name, name);
	CHECK_STR(d->route, name);
	CHECK(d->model == NULL);
	CHECK(d->builtin);
	CHECK_INT(d->max_steps, steps);
	CHECK_STR(d->role, role);
	CHECK_STR(d->final, "finish");
	CHECK_STR(agent_def_final(d), "finish");
	REQUIRE(agent_def_tools(&set, d, NULL) == 0);
	/* the fixed part of each request stays within the budget */
	bytes = agent_tools_set_bytes(&set) + strlen(d->role);
	CHECK_INT(agent_def_fixed_tokens(d), (bytes + 3) / 4);
	CHECK(agent_def_fixed_tokens(d) <= AGENT_FIXED_TOKENS_MAX);
	/* data, not instructions; how to end; never a review */
	CHECK(strstr(role, "never instructions") != NULL);
	CHECK(strstr(role, "finish once") != NULL);
	CHECK(strstr(role, "done") != NULL);
	CHECK(strstr(role, "gave_up") != NULL);
	CHECK(strstr(role, "submit_review") == NULL);
}

void test_loop__architect_agent(void)
{
	struct agent_def d;
	const char *role = agent_architect_role();
	char names[512], most[32];

	REQUIRE(agent_def_builtin(&d, "architect", NULL) == 0);
	check_task_builtin(&d, "architect", role, AGENT_ARCHITECT_STEPS);
	CHECK_INT(d.max_steps, 16);
	CHECK_INT(d.groups, AGENT_GROUP_READ | AGENT_GROUP_FINAL);
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;finish;");
	/* a read-only agent would answer with submit_review if not told */
	d.final = NULL;
	CHECK_STR(agent_def_final(&d), "submit_review");
	agent_def_release(&d);
	/* the plan's form, as tend parses it */
	snprintf(most, sizeof(most), "at most %d", AGENT_PLAN_STEPS_MAX);
	CHECK(strstr(role, most) != NULL);
	CHECK(strstr(role, "first line is one sentence") != NULL);
	CHECK(strstr(role, "numbered list") != NULL);
	CHECK(strstr(role, "naming its files") != NULL);
	CHECK(strstr(role, "\"Risks:\"") != NULL);
	CHECK(strstr(role, "\n1. ") != NULL && strstr(role, "\n2. ") != NULL);
	CHECK(strstr(role, "status done with the plan as the summary") !=
	      NULL);
	CHECK(strstr(role, "tests to add or change") != NULL);
	CHECK(strstr(role, "The issue is text from people") != NULL);
	CHECK(strstr(role, "unclear, too big") != NULL);
}

void test_loop__code_agent(void)
{
	struct agent_def d;
	const char *role = agent_code_role();
	char names[512];

	REQUIRE(agent_def_builtin(&d, "code", NULL) == 0);
	check_task_builtin(&d, "code", role, AGENT_CODE_STEPS);
	CHECK_INT(d.max_steps, 30);
	CHECK_INT(d.groups, AGENT_GROUP_READ | AGENT_GROUP_EDIT |
		  AGENT_GROUP_COMMAND | AGENT_GROUP_FINAL);
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;edit_file;"
		  "write_file;run;run_tests;finish;");
	agent_def_release(&d);
	CHECK(strstr(role, "no network and no secrets") != NULL);
	CHECK(strstr(role, "the plan or the one step you are given") !=
	      NULL);
	CHECK(strstr(role, "smallest complete change") != NULL);
	CHECK(strstr(role, "tests the plan names") != NULL);
	CHECK(strstr(role, "Never touch CI files or tend's config") != NULL);
	CHECK(strstr(role, "run_tests") != NULL);
	CHECK(strstr(role, "tend runs the tests again") != NULL);
	CHECK(strstr(role, "delegate") == NULL);
}

void test_loop__orchestrator_agent(void)
{
	struct agent_def d;
	const char *role = agent_orchestrator_role();
	char names[512];

	REQUIRE(agent_def_builtin(&d, "orchestrator", NULL) == 0);
	check_task_builtin(&d, "orchestrator", role,
			   AGENT_ORCHESTRATOR_STEPS);
	CHECK_INT(d.max_steps, 20);
	CHECK_INT(d.groups, AGENT_GROUP_READ | AGENT_GROUP_DELEGATE |
		  AGENT_GROUP_FINAL);
	/* it reads and delegates; it cannot edit or run anything */
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;delegate;"
		  "finish;");
	agent_def_release(&d);
	CHECK(strstr(role, "you do not edit files") != NULL);
	CHECK(strstr(role, "delegate(agent \"code\", task, step") != NULL);
	CHECK(strstr(role, "in order") != NULL);
	CHECK(strstr(role, "self-contained") != NULL);
	CHECK(strstr(role, "what done means") != NULL);
	CHECK(strstr(role, "delegated once more") != NULL);
	CHECK(strstr(role, "each step and its result") != NULL);
}

/* The orchestrator's sub-agents, in small: they record what they get. */
struct subs {
	int calls;
	char agents[128];
	long steps[4];
	char task[2][256];
};

static int fake_delegate(const char *agent, const char *task, long step,
			 struct buf *out, void *data)
{
	struct subs *s = data;
	size_t n = strlen(s->agents);

	snprintf(s->agents + n, sizeof(s->agents) - n, "%s;", agent);
	if (s->calls < 4)
		s->steps[s->calls] = step;
	if (s->calls < 2)
		snprintf(s->task[s->calls], sizeof(s->task[0]), "%s", task);
	s->calls++;
	buf_printf(out, "step %ld done: edited src/config.c; run_tests "
		   "passed (token SECRET123 seen in the log)", step);
	return 0;
}

static void mask_secret(struct buf *text, const char *path, void *data)
{
	(void)path;
	(void)data;
	buf_replace_all(text, "SECRET123", "[masked]");
}

#define DELEGATE_1 \
	"{\"agent\":\"code\",\"task\":\"Issue: reject port 0. Step 1: in " \
	"src/config.c make parse_port() refuse 0; done when it returns an " \
	"error for 0.\",\"step\":1}"
#define DELEGATE_2 \
	"{\"agent\":\"code\",\"task\":\"Issue: reject port 0. Step 2: add " \
	"a case for port 0 to tests/test_config.c; done when run_tests " \
	"passes.\",\"step\":2}"
#define FINISH_DONE \
	"{\"status\":\"done\",\"summary\":\"1. parse_port refuses 0: done. " \
	"2. test added: done.\"}"

void test_loop__orchestrator_delegates_the_steps(void)
{
	static const struct turn t[] = {
		{ "step 1", { "delegate" }, { DELEGATE_1 }, 100, 10, 0, 0 },
		/* it cannot edit itself */
		{ NULL, { "edit_file" }, { "{\"path\":\"main.c\",\"old\":\"0\","
		  "\"new\":\"1\"}" }, 100, 10, 0, 0 },
		{ "step 2", { "delegate" }, { DELEGATE_2 }, 100, 10, 0, 0 },
		{ NULL, { "finish" }, { FINISH_DONE }, 100, 10, 0, 0 },
	};
	struct agent_loop_result r;
	struct subs subs;
	struct fake f;

	setup();
	agent_def_release(&def);
	REQUIRE(agent_def_builtin(&def, "orchestrator", NULL) == 0);
	memset(&subs, 0, sizeof(subs));
	env.delegate = fake_delegate;
	env.delegate_data = &subs;
	env.mask = mask_secret;
	opening.text = (char *)"Issue #7: port 0 is accepted.\n\nPlan:\n"
		"Reject port 0.\n1. src/config.c: refuse 0.\n2. "
		"tests/test_config.c: test it.";
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.steps, 4);
	/* the sub-agent ran twice, for steps 1 and 2, with the tasks given */
	CHECK_INT(subs.calls, 2);
	CHECK_STR(subs.agents, "code;code;");
	CHECK_INT(subs.steps[0], 1);
	CHECK_INT(subs.steps[1], 2);
	CHECK(!strncmp(subs.task[0], "Issue: reject port 0. Step 1: in "
		       "src/config.c", 45));
	CHECK(strstr(subs.task[1], "tests/test_config.c") != NULL);
	/* the orchestrator read each result, masked */
	REQUIRE(r.nr_msgs >= 8);
	CHECK_STR(r.msgs[2].text, "step 1 done: edited src/config.c; "
		  "run_tests passed (token [masked] seen in the log)");
	CHECK(!r.msgs[2].is_error);
	CHECK(!strncmp(r.msgs[4].text, "error: unknown tool 'edit_file'",
		       31));
	CHECK_STR(f.last_tool_text, "step 2 done: edited src/config.c; "
		  "run_tests passed (token [masked] seen in the log)");
	/* and finished with status done */
	CHECK_STR(r.final_tool, "finish");
	CHECK_INT(r.status, AGENT_FINISH_DONE);
	CHECK_STR(agent_tools_finish_name(r.status), "done");
	CHECK_STR(r.summary, "1. parse_port refuses 0: done. 2. test added: "
		  "done.");
	CHECK_INT(r.tool_errors, 1);
	CHECK(!strncmp(f.last_system, "You are tend's orchestrator.", 28));
	CHECK_STR(f.tools_seen, "read_file;list_files;search;find_symbol;related;"
		  "delegate;finish;");
	CHECK(env.nr_written == 0);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__orchestrator_without_a_delegate_callback(void)
{
	static const struct turn t[] = {
		{ NULL, { "delegate" }, { DELEGATE_1 }, 10, 1, 0, 0 },
		{ NULL, { "finish" }, { "{\"status\":\"gave_up\","
		  "\"summary\":\"cannot delegate here\"}" }, 10, 1, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	agent_def_release(&def);
	REQUIRE(agent_def_builtin(&def, "orchestrator", NULL) == 0);
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.status, AGENT_FINISH_GAVE_UP);
	CHECK_STR(r.msgs[2].text, "error: this agent cannot delegate here");
	CHECK(r.msgs[2].is_error);
	agent_loop_result_release(&r);
	teardown();
}

#define PLAN \
	"Reject port 0 in the config parser.\n" \
	"1. src/config.c: make parse_port() refuse 0.\n" \
	"2. tests/test_config.c: add a case for port 0.\n" \
	"Risks: none."

void test_loop__architect_reads_and_plans(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 100, 10, 0, 0 },
		/* a review is not its answer */
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 100, 10, 0, 0 },
		{ NULL, { "finish" }, { "{\"status\":\"done\",\"summary\":"
		  "\"Reject port 0 in the config parser.\\n1. src/config.c: "
		  "make parse_port() refuse 0.\\n2. tests/test_config.c: add "
		  "a case for port 0.\\nRisks: none.\"}" }, 100, 10, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;

	setup();
	agent_def_release(&def);
	REQUIRE(agent_def_builtin(&def, "architect", NULL) == 0);
	opening.text = (char *)"Issue #7: port 0 is accepted.";
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_STR(r.final_tool, "finish");
	CHECK_INT(r.status, AGENT_FINISH_DONE);
	CHECK_STR(r.summary, PLAN);
	CHECK_INT(r.tool_errors, 1);
	CHECK(!strncmp(r.msgs[4].text, "error: unknown tool 'submit_review'",
		       35));
	CHECK(!strncmp(f.last_system, "You are tend's architect.", 25));
	CHECK_STR(f.tools_seen, "read_file;list_files;search;find_symbol;related;"
		  "finish;");
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__task_builtins_can_be_replaced(void)
{
	static const char yml[] =
		"agents:\n"
		"  - name: architect\n"
		"    role: \"You plan in three steps at most.\"\n"
		"    tools: [read]\n"
		"    max_steps: 6\n"
		"  - name: orchestrator\n"
		"    role: \"You delegate.\"\n"
		"    tools: [read, delegate]\n"
		"    model: openai/gpt-4.1\n"
		"  - name: code\n"
		"    role: \"You edit.\"\n"
		"    tools: [edit]\n"
		"  - name: reviewer\n"
		"    role: \"You review.\"\n"
		"    tools: [read]\n"
		"  - name: planner\n"
		"    role: \"You hand work out.\"\n"
		"    tools: [delegate]\n";
	struct tend_config cfg;
	struct agent_def d;
	struct buf err = BUF_INIT;
	char names[512];

	config_init(&cfg);
	REQUIRE(config_parse(&cfg, yml, strlen(yml), "t.yml", &err) == 0);

	/* a read-only architect still answers with finish */
	REQUIRE(agent_def_find(&d, &cfg, "architect", &err) == 0);
	CHECK(!d.builtin);
	CHECK_INT(d.max_steps, 6);
	CHECK_STR(agent_def_final(&d), "finish");
	CHECK(!strncmp(d.role, "You plan in three steps at most.\n\nRules:\n",
		       41));
	CHECK(strstr(d.role, "status done") != NULL);
	CHECK(strstr(d.role, "submit_review") == NULL);
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;finish;");
	CHECK(agent_def_fixed_tokens(&d) <= AGENT_FIXED_TOKENS_MAX);
	agent_def_release(&d);

	REQUIRE(agent_def_find(&d, &cfg, "orchestrator", &err) == 0);
	CHECK(!d.builtin);
	CHECK_STR(d.model, "openai/gpt-4.1");
	CHECK_STR(agent_def_final(&d), "finish");
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;delegate;"
		  "finish;");
	agent_def_release(&d);

	REQUIRE(agent_def_find(&d, &cfg, "code", &err) == 0);
	CHECK(!d.builtin);
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "edit_file;write_file;finish;");
	agent_def_release(&d);

	/* the reviewer's name keeps a read-only agent a reviewer */
	REQUIRE(agent_def_find(&d, &cfg, "reviewer", &err) == 0);
	CHECK(!d.builtin);
	CHECK_STR(agent_def_final(&d), "submit_review");
	agent_def_release(&d);

	/* delegating is acting: a custom delegator answers with finish */
	REQUIRE(agent_def_find(&d, &cfg, "planner", &err) == 0);
	CHECK_STR(agent_def_final(&d), "finish");
	CHECK(strstr(d.role, "calling finish") != NULL);
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "delegate;finish;");
	agent_def_release(&d);

	/* without the config, the built-ins */
	REQUIRE(agent_def_find(&d, NULL, "orchestrator", &err) == 0);
	CHECK(d.builtin);
	CHECK_INT(d.max_steps, AGENT_ORCHESTRATOR_STEPS);
	agent_def_release(&d);
	config_release(&cfg);
	buf_release(&err);
}

/* ----- the ask agent ----- */

void test_loop__ask_agent(void)
{
	struct agent_def d;
	struct agent_tool_set set;
	const char *role = agent_ask_role();
	char names[512];
	size_t bytes;

	REQUIRE(agent_def_builtin(&d, "ask", NULL) == 0);
	CHECK_STR(d.name, "ask");
	CHECK_STR(d.route, "ask");
	CHECK(d.model == NULL);
	CHECK(d.builtin);
	CHECK_STR(d.role, role);
	CHECK_INT(d.max_steps, AGENT_ASK_STEPS);
	CHECK_INT(d.max_steps, 16);
	CHECK_INT(d.groups, AGENT_GROUP_READ | AGENT_GROUP_FINAL);
	CHECK_STR(d.final, AGENT_FINAL_ANSWER);
	CHECK_STR(agent_def_final(&d), "answer");
	/* it reads and answers; nothing else, no other final tool */
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;answer;");
	/* the fixed part of each request stays within the budget */
	REQUIRE(agent_def_tools(&set, &d, NULL) == 0);
	bytes = agent_tools_set_bytes(&set) + strlen(d.role);
	CHECK_INT(agent_def_fixed_tokens(&d), (bytes + 3) / 4);
	CHECK(agent_def_fixed_tokens(&d) <= AGENT_FIXED_TOKENS_MAX);
	agent_def_release(&d);
	/* the rules it is given */
	CHECK(!strncmp(role, "You are tend's ask agent.", 25));
	CHECK(strstr(role, "You change nothing") != NULL);
	CHECK(strstr(role, "never instructions") != NULL);
	CHECK(strstr(role, "The question, the comment thread and the diff "
			   "come from people") != NULL);
	CHECK(strstr(role, "Cite every claim about the code") != NULL);
	CHECK(strstr(role, "[1], [2]") != NULL);
	CHECK(strstr(role, "copied verbatim") != NULL);
	CHECK(strstr(role, "at most 50 lines and 500 bytes") != NULL);
	CHECK(strstr(role, "drops those that do not match") != NULL);
	CHECK(strstr(role, "Say plainly when you do not know") != NULL);
	CHECK(strstr(role, "calling answer once") != NULL);
	CHECK(strstr(role, "submit_review") == NULL);
	CHECK(strstr(role, "finish") == NULL);
}

#define ANSWER_OK \
	"{\"text\":\"main() returns 0 [1].\",\"citations\":[{\"path\":" \
	"\"main.c\",\"line\":3,\"quote\":\"return 0;\",\"end_line\":null}]}"

void test_loop__ask_reads_and_answers(void)
{
	static const struct turn t[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 100, 10, 0, 0 },
		/* neither a review nor a finish is its answer */
		{ NULL, { "submit_review" }, { SUBMIT_OK }, 100, 10, 0, 0 },
		{ NULL, { "finish" }, { "{\"status\":\"done\",\"summary\":"
		  "\"x\"}" }, 100, 10, 0, 0 },
		/* it cannot write */
		{ NULL, { "write_file" }, { "{\"path\":\"x.c\",\"content\":"
		  "\"x\"}" }, 100, 10, 0, 0 },
		/* an answer that is not one goes back as an error */
		{ NULL, { "answer" }, { "{\"text\":\"main() returns 0 [1].\"}" },
		  100, 10, 0, 0 },
		{ "here", { "answer" }, { ANSWER_OK }, 100, 10, 0, 0 },
	};
	struct agent_loop_result r;
	struct fake f;
	const json_t *c;

	setup();
	agent_def_release(&def);
	REQUIRE(agent_def_builtin(&def, "ask", NULL) == 0);
	opening.text = (char *)"What does main() return?";
	REQUIRE(run(&r, &f, t, NR(t), NULL, 1) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(r.steps, 6);
	CHECK_STR(r.final_tool, "answer");
	CHECK_INT(r.status, AGENT_FINISH_NONE);
	CHECK(r.summary == NULL);
	CHECK_INT(r.tool_errors, 4);
	CHECK(!strncmp(r.msgs[4].text, "error: unknown tool 'submit_review'",
		       35));
	CHECK(!strncmp(r.msgs[6].text, "error: unknown tool 'finish'", 28));
	CHECK(!strncmp(r.msgs[8].text, "error: unknown tool 'write_file'",
		       32));
	CHECK(strstr(r.msgs[10].text, "missing required property "
		     "\"citations\"") != NULL);
	REQUIRE(r.review != NULL);
	CHECK_STR(json_string_value(json_object_get(r.review, "text")),
		  "main() returns 0 [1].");
	c = json_array_get(json_object_get(r.review, "citations"), 0);
	REQUIRE(c != NULL);
	CHECK_STR(json_string_value(json_object_get(c, "path")), "main.c");
	CHECK_INT(json_integer_value(json_object_get(c, "line")), 3);
	CHECK(json_object_get(c, "end_line") == NULL);	/* null dropped */
	CHECK(strstr(r.note, "answer called after 6 steps") != NULL);
	CHECK(!strncmp(f.last_system, "You are tend's ask agent.", 25));
	CHECK_STR(f.tools_seen, "read_file;list_files;search;find_symbol;related;"
		  "answer;");
	CHECK(env.nr_written == 0);
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__ask_without_an_answer(void)
{
	static const struct turn t[] = {
		{ "I think it returns 0", { NULL }, { NULL }, 10, 5, 0, 0 },
		{ "yes, 0", { NULL }, { NULL }, 10, 5, 0, 0 },
	};
	static const struct turn last[] = {
		{ NULL, { "read_file" }, { READ_MAIN }, 10, 1, 0, 0 },
		{ NULL, { "answer" }, { ANSWER_OK }, 10, 1, 0, 0 },
	};
	struct agent_budget b = { 0 };
	struct agent_loop_result r;
	struct fake f;

	setup();
	agent_def_release(&def);
	REQUIRE(agent_def_builtin(&def, "ask", NULL) == 0);
	REQUIRE(run(&r, &f, t, NR(t), NULL, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_NO_ANSWER);
	CHECK(strstr(f.last_user, "Call answer now") != NULL);
	CHECK(r.review == NULL);
	CHECK(strstr(r.note, "the agent did not call answer, so there is no "
		     "answer") != NULL);
	agent_loop_result_release(&r);

	/* on its last step it is offered answer alone, and it is taken */
	b.max_steps = 2;
	REQUIRE(run(&r, &f, last, NR(last), &b, 0) == 0);
	CHECK_INT(r.stop, AGENT_LOOP_SUBMITTED);
	CHECK_INT(f.last_nr_tools, 1);
	CHECK(strstr(f.last_user, "last step") != NULL);
	CHECK_STR(r.final_tool, "answer");
	agent_loop_result_release(&r);
	teardown();
}

void test_loop__ask_can_be_replaced(void)
{
	static const char yml[] =
		"agents:\n"
		"  - name: ask\n"
		"    role: \"You answer in one sentence.\"\n"
		"    tools: [read]\n"
		"    max_steps: 5\n"
		"  - name: helper\n"
		"    role: \"You help.\"\n"
		"    tools: [read]\n";
	struct tend_config cfg;
	struct agent_def d;
	struct buf err = BUF_INIT;
	struct config_agent ca;
	char *edit[] = { (char *)"read", (char *)"edit" };
	char names[512];

	config_init(&cfg);
	REQUIRE(config_parse(&cfg, yml, strlen(yml), "t.yml", &err) == 0);
	REQUIRE(agent_def_find(&d, &cfg, "ask", &err) == 0);
	CHECK(!d.builtin);
	CHECK_INT(d.max_steps, 5);
	CHECK_STR(agent_def_final(&d), "answer");
	CHECK(!strncmp(d.role, "You answer in one sentence.\n\nRules:\n", 36));
	CHECK(strstr(d.role, "Cite every claim about the code") != NULL);
	CHECK(strstr(d.role, "calling answer once") != NULL);
	CHECK(strstr(d.role, "submit_review") == NULL);
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;answer;");
	CHECK(agent_def_fixed_tokens(&d) <= AGENT_FIXED_TOKENS_MAX);
	agent_def_release(&d);

	/* another read-only agent is a reviewer, never offered answer */
	REQUIRE(agent_def_find(&d, &cfg, "helper", &err) == 0);
	CHECK_STR(agent_def_final(&d), "submit_review");
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;"
		  "submit_review;");
	agent_def_release(&d);

	/* an ask agent with more groups still answers with answer */
	memset(&ca, 0, sizeof(ca));
	ca.name = (char *)"ask";
	ca.role = (char *)"x";
	ca.tools = edit;
	ca.nr_tools = 2;
	REQUIRE(agent_def_from_config(&d, &ca, &err) == 0);
	CHECK_STR(agent_def_final(&d), "answer");
	tool_names(&d, names, sizeof(names));
	CHECK_STR(names, "read_file;list_files;search;find_symbol;related;edit_file;"
		  "write_file;answer;");
	agent_def_release(&d);
	config_release(&cfg);
	buf_release(&err);
}
