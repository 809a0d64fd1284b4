/*
 * openai.c - the OpenAI Chat Completions protocol.
 *
 * Builds the request body from the neutral request (system message first,
 * assistant `tool_calls`, `tool` result messages, `tools` of type
 * function, `max_tokens` or `max_completion_tokens`, and `stream_options`
 * with `include_usage` when streaming) and parses replies: a plain
 * `chat.completion` object, or an event stream of `chat.completion.chunk`
 * objects whose `delta` pieces are assembled (tool calls by their `index`)
 * until `data: [DONE]`. It also reads the protocol's error objects.
 *
 * Only the first choice is read: tend never asks for n > 1. Unknown keys
 * are ignored, as are value types of optional fields (usage) that do not
 * make sense; the structure that carries the answer is checked and a
 * mistake is reported with its JSON path. Gateways that speak the protocol
 * loosely are accepted where it costs nothing: `choices: null` in the
 * usage chunk, `arguments` sent as an object, content as an array of text
 * parts, an `error` object inside a 200 reply or a stream.
 *
 * This file does not send anything: agents/provider.c does.
 */
#include <stdlib.h>
#include <string.h>

#include "agents/provider.h"
#include "agents/sse.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/xalloc.h"

#define AGENT_OPENAI_MSG_MAX 500

/* ----- the request ----- */

static json_t *agent_openai_call_json(const struct agent_tool_call *c)
{
	json_t *fn = json_object(), *call = json_object();
	char *dumped = NULL;
	const char *args = c->arguments;

	if (!args) {
		if (c->args)
			dumped = json_dumps(c->args, JSON_COMPACT);
		args = dumped ? dumped : "{}";
	}
	json_object_set_new(fn, "name", jsonutil_string(c->name));
	json_object_set_new(fn, "arguments", jsonutil_string(args));
	json_object_set_new(call, "id", jsonutil_string(c->id));
	json_object_set_new(call, "type", json_string("function"));
	json_object_set_new(call, "function", fn);
	free(dumped);
	return call;
}

static int agent_openai_message(json_t *msgs, const struct agent_message *m,
				size_t i, struct buf *err)
{
	json_t *o = json_object(), *calls;
	size_t j;

	switch (m->role) {
	case AGENT_ROLE_USER:
		json_object_set_new(o, "role", json_string("user"));
		json_object_set_new(o, "content",
				    jsonutil_string(m->text ? m->text : ""));
		break;
	case AGENT_ROLE_ASSISTANT:
		json_object_set_new(o, "role", json_string("assistant"));
		if (m->text && *m->text)
			json_object_set_new(o, "content",
					    jsonutil_string(m->text));
		else
			json_object_set_new(o, "content", m->nr_calls ?
					    json_null() : json_string(""));
		if (!m->nr_calls)
			break;
		calls = json_array();
		json_object_set_new(o, "tool_calls", calls);
		for (j = 0; j < m->nr_calls; j++) {
			const struct agent_tool_call *c = &m->calls[j];

			if (!c->id || !*c->id || !c->name || !*c->name) {
				json_decref(o);
				return error_set(err, TEND_EINVALID,
						 "message %zu: tool call %zu "
						 "has no id or no name", i, j);
			}
			json_array_append_new(calls,
					      agent_openai_call_json(c));
		}
		break;
	case AGENT_ROLE_TOOL:
		if (!m->tool_call_id || !*m->tool_call_id) {
			json_decref(o);
			return error_set(err, TEND_EINVALID,
					 "message %zu: a tool result without "
					 "the id of its call", i);
		}
		json_object_set_new(o, "role", json_string("tool"));
		json_object_set_new(o, "tool_call_id",
				    jsonutil_string(m->tool_call_id));
		json_object_set_new(o, "content",
				    jsonutil_string(m->text ? m->text : ""));
		break;
	default:
		json_decref(o);
		return error_set(err, TEND_EINVALID,
				 "message %zu has an unknown role %d", i,
				 (int)m->role);
	}
	json_array_append_new(msgs, o);
	return 0;
}

int agent_openai_request(struct buf *out, const struct agent_request *req,
			 int max_completion, struct buf *err)
{
	json_t *root = json_object(), *msgs = json_array(), *tools;
	char *text = NULL;
	size_t i, end;
	int error = 0;

	json_object_set_new(root, "model", jsonutil_string(req->model));
	json_object_set_new(root, "messages", msgs);
	if (req->system && *req->system)
		json_array_append_new(msgs, json_pack("{s:s, s:o}", "role",
						      "system", "content",
						      jsonutil_string(
							      req->system)));
	/*
	 * Tool messages must follow the assistant turn they answer, so in
	 * each run of user and tool messages the tool results go first.
	 */
	for (i = 0; i < req->nr_msgs; i = end) {
		size_t j;
		int pass;

		end = i + 1;
		if (req->msgs[i].role == AGENT_ROLE_ASSISTANT) {
			if ((error = agent_openai_message(msgs, &req->msgs[i],
							  i, err)) < 0)
				goto out;
			continue;
		}
		while (end < req->nr_msgs &&
		       req->msgs[end].role != AGENT_ROLE_ASSISTANT)
			end++;
		for (pass = 0; pass < 2; pass++)
			for (j = i; j < end; j++)
				if ((req->msgs[j].role == AGENT_ROLE_TOOL) ==
				    !pass &&
				    (error = agent_openai_message(msgs,
						&req->msgs[j], j, err)) < 0)
					goto out;
	}
	if (req->nr_tools) {
		tools = json_array();
		json_object_set_new(root, "tools", tools);
		for (i = 0; i < req->nr_tools; i++) {
			const struct agent_tool_def *t = &req->tools[i];
			json_t *fn = json_object();

			if (!t->name || !*t->name) {
				json_decref(fn);
				error = error_set(err, TEND_EINVALID,
						  "tool %zu has no name", i);
				goto out;
			}
			json_object_set_new(fn, "name",
					    jsonutil_string(t->name));
			if (t->description)
				json_object_set_new(fn, "description",
						    jsonutil_string(
							    t->description));
			if (t->schema)
				json_object_set(fn, "parameters", t->schema);
			else
				json_object_set_new(fn, "parameters",
						    json_pack("{s:s, s:{}}",
							      "type", "object",
							      "properties"));
			json_array_append_new(tools,
					      json_pack("{s:s, s:o}", "type",
							"function", "function",
							fn));
		}
	}
	if (req->max_tokens > 0)
		json_object_set_new(root, max_completion ?
				    "max_completion_tokens" : "max_tokens",
				    json_integer(req->max_tokens));
	if (req->has_temperature)
		json_object_set_new(root, "temperature",
				    json_real(req->temperature));
	if (req->stream) {
		json_object_set_new(root, "stream", json_true());
		json_object_set_new(root, "stream_options",
				    json_pack("{s:b}", "include_usage", 1));
	}
	text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (!text) {
		error = error_set(err, TEND_EINVALID,
				  "cannot encode the request as JSON");
		goto out;
	}
	buf_puts(out, text);
out:
	free(text);
	json_decref(root);
	return error;
}

/* ----- errors ----- */

static const char *agent_openai_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * The error in `root` (an error answer's body, or an `error` object found
 * in a reply; may be NULL when the body is not JSON). `status` is 0 for an
 * error found inside a 200 reply.
 */
static int agent_openai_error_json(long status, json_t *root,
				   const char *body, size_t len,
				   struct buf *err)
{
	json_t *e = json_object_get(root, "error"), *code_j = NULL;
	const char *message = NULL, *type = NULL, *code = NULL;
	struct buf msg = BUF_INIT;
	char num[32];
	int rc;

	if (json_is_string(e)) {
		message = json_string_value(e);
	} else if (json_is_object(e)) {
		message = agent_openai_str(e, "message");
		type = agent_openai_str(e, "type");
		code_j = json_object_get(e, "code");
	} else {
		message = agent_openai_str(root, "message");
		if (!message)
			message = agent_openai_str(root, "detail");
	}
	if (json_is_string(code_j)) {
		code = json_string_value(code_j);
	} else if (json_is_integer(code_j)) {
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(code_j));
		code = num;
	}

	switch (status) {
	case 401:
	case 403:
		rc = TEND_EAUTH;
		break;
	case 404:
		rc = TEND_ENOTFOUND;
		break;
	case 413:
		rc = AGENT_ECONTEXT;
		break;
	case 429:
		rc = TEND_ERATELIMIT;
		break;
	default:
		rc = TEND_ERROR;
		break;
	}
	if (!status && ((code && !strcmp(code, "rate_limit_exceeded")) ||
			(type && !strcmp(type, "rate_limit_error"))))
		rc = TEND_ERATELIMIT;
	if (!status && code && !strcmp(code, "invalid_api_key"))
		rc = TEND_EAUTH;
	if ((!status || status == 400 || status == 413 || status == 422) &&
	    ((code && !strcmp(code, "context_length_exceeded")) ||
	     agent_provider_says_context(message)))
		rc = AGENT_ECONTEXT;

	if (status)
		buf_printf(&msg, "HTTP %ld", status);
	else
		buf_puts(&msg, "error in the reply");
	if (type)
		buf_printf(&msg, " %s", type);
	if (code && (!type || strcmp(code, type)))
		buf_printf(&msg, " (%s)", code);
	if (message) {
		buf_puts(&msg, ": ");
		agent_provider_add_text(&msg, message, strlen(message),
					AGENT_OPENAI_MSG_MAX);
	} else if (len) {
		buf_puts(&msg, ": ");
		agent_provider_add_text(&msg, body, len, 200);
	}
	error_set(err, rc, "%s", msg.ptr);
	buf_release(&msg);
	return rc;
}

int agent_openai_error(long status, const char *body, size_t len,
		       struct buf *err)
{
	json_error_t jerr;
	json_t *root = len ? json_loadb(body, len, 0, &jerr) : NULL;
	int rc = agent_openai_error_json(status, root, body, len, err);

	json_decref(root);
	return rc;
}

/* ----- shared reply pieces ----- */

static long agent_openai_count(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	double d;

	if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v))
		d = json_real_value(v);
	else
		return 0;
	if (!(d > 0))
		return 0;
	return d > 1e15 ? (long)1e15 : (long)d;
}

static void agent_openai_usage(json_t *u, struct agent_usage *out)
{
	long prompt, cached;

	if (!json_is_object(u))
		return;
	prompt = agent_openai_count(u, "prompt_tokens");
	cached = agent_openai_count(json_object_get(u,
						    "prompt_tokens_details"),
				    "cached_tokens");
	if (cached > prompt)
		cached = prompt;
	out->input = prompt - cached;
	out->cache_read = cached;
	out->cache_write = 0;
	out->output = agent_openai_count(u, "completion_tokens");
}

/*
 * Append message content: a string, null, or an array of parts whose
 * "text" strings are taken. -1 for anything else.
 */
static int agent_openai_content(json_t *v, struct buf *out)
{
	size_t i;
	json_t *part;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		buf_add(out, json_string_value(v), json_string_length(v));
		return 0;
	}
	if (!json_is_array(v))
		return -1;
	json_array_foreach(v, i, part) {
		json_t *t = json_object_get(part, "text");

		if (json_is_string(t))
			buf_add(out, json_string_value(t),
				json_string_length(t));
	}
	return 0;
}

static enum agent_stop agent_openai_stop(const char *finish)
{
	if (!finish || !strcmp(finish, "stop"))
		return AGENT_STOP_END;
	if (!strcmp(finish, "tool_calls") || !strcmp(finish, "function_call"))
		return AGENT_STOP_TOOL_USE;
	if (!strcmp(finish, "length"))
		return AGENT_STOP_MAX_TOKENS;
	return AGENT_STOP_OTHER;
}

/* `arguments` as text: a string as is, an object or array serialised. */
static int agent_openai_args_text(json_t *v, struct buf *out)
{
	char *s;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		buf_add(out, json_string_value(v), json_string_length(v));
		return 0;
	}
	if (!json_is_object(v) && !json_is_array(v))
		return -1;
	s = json_dumps(v, JSON_COMPACT);
	if (!s)
		return -1;
	buf_puts(out, s);
	free(s);
	return 0;
}

/* ----- a plain reply ----- */

static int agent_openai_parse_json(const char *body, size_t len,
				   struct agent_response *r, struct buf *err)
{
	json_t *root, *e, *choices, *c0, *msg, *calls, *call;
	struct buf text = BUF_INIT, args = BUF_INIT;
	json_error_t jerr;
	const char *finish, *s;
	size_t i;
	int error = 0;

	root = json_loadb(body, len, 0, &jerr);
	if (!root)
		return error_set(err, TEND_EINVALID, "not JSON at line %d column %d: "
					"%s", jerr.line, jerr.column,
					jerr.text);
	if (!json_is_object(root)) {
		error = error_set(err, TEND_EINVALID, "the reply is not a JSON object");
		goto out;
	}
	e = json_object_get(root, "error");
	if (e && !json_is_null(e)) {
		error = agent_openai_error_json(0, root, body, len, err);
		goto out;
	}
	choices = json_object_get(root, "choices");
	if (!json_is_array(choices) || !json_array_size(choices)) {
		error = error_set(err, TEND_EINVALID, "'choices' is missing or empty");
		goto out;
	}
	c0 = json_array_get(choices, 0);
	msg = json_object_get(c0, "message");
	if (!json_is_object(msg)) {
		error = error_set(err, TEND_EINVALID, "choices[0].message is missing "
					 "or not an object");
		goto out;
	}
	if (agent_openai_content(json_object_get(msg, "content"), &text) < 0) {
		error = error_set(err, TEND_EINVALID, "choices[0].message.content is "
					 "not a string");
		goto out;
	}
	s = agent_openai_str(msg, "refusal");
	if (!text.len && s)
		buf_puts(&text, s);
	calls = json_object_get(msg, "tool_calls");
	if (calls && !json_is_null(calls) && !json_is_array(calls)) {
		error = error_set(err, TEND_EINVALID, "choices[0].message.tool_calls "
					 "is not an array");
		goto out;
	}
	if (json_array_size(calls) > AGENT_MAX_CALLS) {
		error = error_set(err, TEND_EINVALID, "more than %d tool calls",
					 AGENT_MAX_CALLS);
		goto out;
	}
	json_array_foreach(calls, i, call) {
		json_t *fn = json_object_get(call, "function");
		const char *name = agent_openai_str(fn, "name");

		if (!json_is_object(fn) || !name || !*name) {
			error = error_set(err, TEND_EINVALID, "choices[0].message."
						 "tool_calls[%zu].function."
						 "name is missing", i);
			goto out;
		}
		buf_reset(&args);
		if (agent_openai_args_text(json_object_get(fn, "arguments"),
					   &args) < 0) {
			error = error_set(err, TEND_EINVALID, "choices[0].message."
						 "tool_calls[%zu].function."
						 "arguments is not a string",
						 i);
			goto out;
		}
		agent_response_add_call(r, agent_openai_str(call, "id"), name,
					args.ptr);
	}
	finish = agent_openai_str(c0, "finish_reason");
	r->stop = agent_openai_stop(finish);
	r->stop_raw = xstrdup_or_null(finish);
	agent_openai_usage(json_object_get(root, "usage"), &r->usage);
	r->model = xstrdup_or_null(agent_openai_str(root, "model"));
	r->text = buf_detach(&text, NULL);
out:
	buf_release(&text);
	buf_release(&args);
	json_decref(root);
	return error;
}

/* ----- an event stream ----- */

struct agent_openai_part {
	long index;
	struct buf id, name, args;
};

struct agent_openai_stream {
	struct buf text, refusal;
	struct agent_openai_part *parts;
	size_t nr_parts, alloc_parts;
	char *finish, *model;
	struct agent_usage usage;
	int done, finished;
	struct buf *err;
};

static struct agent_openai_part *
agent_openai_part(struct agent_openai_stream *s, long index)
{
	struct agent_openai_part *p;
	size_t i;

	for (i = 0; i < s->nr_parts; i++)
		if (s->parts[i].index == index)
			return &s->parts[i];
	if (s->nr_parts >= AGENT_MAX_CALLS)
		return NULL;
	ALLOC_GROW(s->parts, s->nr_parts, s->alloc_parts);
	p = &s->parts[s->nr_parts++];
	p->index = index;
	buf_init(&p->id, 0);
	buf_init(&p->name, 0);
	buf_init(&p->args, 0);
	return p;
}

static int agent_openai_delta_calls(struct agent_openai_stream *s,
				    json_t *calls, size_t seq)
{
	json_t *call;
	size_t i;

	if (!calls || json_is_null(calls))
		return 0;
	if (!json_is_array(calls))
		return error_set(s->err, TEND_EINVALID, "event %zu: delta.tool_calls "
					"is not an array", seq);
	json_array_foreach(calls, i, call) {
		json_t *idx = json_object_get(call, "index");
		json_t *fn = json_object_get(call, "function");
		const char *id = agent_openai_str(call, "id");
		const char *name = agent_openai_str(fn, "name");
		struct agent_openai_part *p;
		long index;

		if (!json_is_object(call))
			return error_set(s->err, TEND_EINVALID, "event %zu: "
						"delta.tool_calls[%zu] is not "
						"an object", seq, i);
		if (json_is_integer(idx) && json_integer_value(idx) >= 0 &&
		    json_integer_value(idx) < 1000000) {
			index = (long)json_integer_value(idx);
		} else if (idx && !json_is_null(idx)) {
			return error_set(s->err, TEND_EINVALID, "event %zu: delta."
						"tool_calls[%zu].index is not "
						"a small number", seq, i);
		} else if (id || !s->nr_parts) {
			/* No index: a new id starts a new call. */
			index = -1 - (long)s->nr_parts;
		} else {
			index = s->parts[s->nr_parts - 1].index;
		}
		p = agent_openai_part(s, index);
		if (!p)
			return error_set(s->err, TEND_EINVALID, "event %zu: more than "
						"%d tool calls", seq,
						AGENT_MAX_CALLS);
		if (id && *id && !p->id.len)
			buf_puts(&p->id, id);
		if (name && *name && !p->name.len)
			buf_puts(&p->name, name);
		if (fn && !json_is_null(fn) && !json_is_object(fn))
			return error_set(s->err, TEND_EINVALID, "event %zu: delta."
						"tool_calls[%zu].function is "
						"not an object", seq, i);
		if (agent_openai_args_text(json_object_get(fn, "arguments"),
					   &p->args) < 0)
			return error_set(s->err, TEND_EINVALID, "event %zu: delta."
						"tool_calls[%zu].function."
						"arguments is not a string",
						seq, i);
	}
	return 0;
}

static int agent_openai_chunk(struct agent_openai_stream *s, json_t *root,
			      size_t seq)
{
	json_t *choices, *choice, *delta, *u;
	const char *model, *finish, *refusal;
	size_t i;
	int error;

	model = agent_openai_str(root, "model");
	if (model && !s->model)
		s->model = xstrdup(model);
	u = json_object_get(root, "usage");
	if (json_is_object(u))
		agent_openai_usage(u, &s->usage);
	choices = json_object_get(root, "choices");
	if (!choices || json_is_null(choices))
		return 0;
	if (!json_is_array(choices))
		return error_set(s->err, TEND_EINVALID, "event %zu: 'choices' is not "
					"an array", seq);
	json_array_foreach(choices, i, choice) {
		json_t *idx = json_object_get(choice, "index");

		if (!json_is_object(choice))
			return error_set(s->err, TEND_EINVALID, "event %zu: "
						"choices[%zu] is not an "
						"object", seq, i);
		if (json_is_integer(idx) && json_integer_value(idx) != 0)
			continue;
		delta = json_object_get(choice, "delta");
		if (delta && !json_is_null(delta) && !json_is_object(delta))
			return error_set(s->err, TEND_EINVALID, "event %zu: "
						"choices[%zu].delta is not an "
						"object", seq, i);
		if (agent_openai_content(json_object_get(delta, "content"),
					 &s->text) < 0)
			return error_set(s->err, TEND_EINVALID, "event %zu: "
						"choices[%zu].delta.content "
						"is not a string", seq, i);
		refusal = agent_openai_str(delta, "refusal");
		if (refusal)
			buf_puts(&s->refusal, refusal);
		error = agent_openai_delta_calls(s, json_object_get(delta,
							"tool_calls"), seq);
		if (error < 0)
			return error;
		finish = agent_openai_str(choice, "finish_reason");
		if (finish) {
			free(s->finish);
			s->finish = xstrdup(finish);
			s->finished = 1;
		}
	}
	return 0;
}

static int agent_openai_event(const struct sse_event *ev, void *data)
{
	struct agent_openai_stream *s = data;
	const char *d = ev->data, *end = ev->data + ev->data_len;
	json_error_t jerr;
	json_t *root, *e;
	int error;

	if (s->done)
		return 0;
	while (d < end && (*d == ' ' || *d == '\t' || *d == '\n'))
		d++;
	if (d == end)
		return 0;
	if ((size_t)(end - d) >= 6 && !memcmp(d, "[DONE]", 6)) {
		s->done = 1;
		return 0;
	}
	root = json_loadb(ev->data, ev->data_len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return error_set(s->err, TEND_EINVALID, "event %zu: not a JSON object "
					"(line %d column %d: %s)", ev->seq,
					jerr.line, jerr.column,
					root ? "wrong type" : jerr.text);
	}
	e = json_object_get(root, "error");
	if (e && !json_is_null(e)) {
		error = agent_openai_error_json(0, root, ev->data,
						ev->data_len, s->err);
		if (s->err)
			error_wrap(s->err, error, "event %zu", ev->seq);
	} else {
		error = agent_openai_chunk(s, root, ev->seq);
	}
	json_decref(root);
	return error;
}

static int agent_openai_parse_sse(const char *body, size_t len,
				  struct agent_response *r, struct buf *err)
{
	struct agent_openai_stream s;
	struct sse_parser parser;
	size_t i;
	int error;

	memset(&s, 0, sizeof(s));
	buf_init(&s.text, 0);
	buf_init(&s.refusal, 0);
	s.err = err;
	sse_parser_init(&parser, agent_openai_event, &s);
	error = sse_parser_feed(&parser, body, len);
	if (!error)
		error = sse_parser_finish(&parser, NULL);
	if (error < 0)
		goto out;
	if (!s.done && !s.finished) {
		error = error_set(err, TEND_ERROR, "the event stream ended "
				  "before the answer was complete (no "
				  "finish_reason and no [DONE] after %zu "
				  "events)", parser.seq);
		goto out;
	}
	for (i = 0; i < s.nr_parts; i++) {
		struct agent_openai_part *p = &s.parts[i];

		if (!p->name.len) {
			error = error_set(err, TEND_EINVALID, "tool call %zu of the "
						 "stream has no name", i);
			goto out;
		}
		agent_response_add_call(r, p->id.len ? p->id.ptr : NULL,
					p->name.ptr, p->args.ptr);
	}
	if (!s.text.len && s.refusal.len)
		buf_add(&s.text, s.refusal.ptr, s.refusal.len);
	r->text = buf_detach(&s.text, NULL);
	r->stop = agent_openai_stop(s.finish);
	r->stop_raw = s.finish;
	s.finish = NULL;
	r->model = s.model;
	s.model = NULL;
	r->usage = s.usage;
	error = 0;
out:
	sse_parser_release(&parser);
	for (i = 0; i < s.nr_parts; i++) {
		buf_release(&s.parts[i].id);
		buf_release(&s.parts[i].name);
		buf_release(&s.parts[i].args);
	}
	free(s.parts);
	free(s.finish);
	free(s.model);
	buf_release(&s.text);
	buf_release(&s.refusal);
	return error;
}

int agent_openai_parse(const char *body, size_t len, int sse,
		       struct agent_response *out, struct buf *err)
{
	struct agent_response r;
	int error;

	agent_response_release(out);
	agent_response_init(&r);
	error = sse ? agent_openai_parse_sse(body, len, &r, err) :
		agent_openai_parse_json(body, len, &r, err);
	if (error < 0) {
		agent_response_release(&r);
		return error;
	}
	if (r.nr_calls && r.stop == AGENT_STOP_END)
		r.stop = AGENT_STOP_TOOL_USE;
	*out = r;
	return 0;
}

/* ----- embeddings ----- */

void agent_openai_embed_request(struct buf *out,
				const struct agent_embed_request *req,
				size_t first, size_t nr)
{
	json_t *root = json_object(), *input = json_array();
	char *text;
	size_t i;

	json_object_set_new(root, "model", jsonutil_string(req->model));
	for (i = first; i < first + nr; i++) {
		const char *t = req->texts[i] ? req->texts[i] : "";
		size_t n = strlen(t);

		/* Cut at a character boundary; "" is refused by the API. */
		if (n > AGENT_EMBED_TEXT_MAX) {
			n = AGENT_EMBED_TEXT_MAX;
			while (n && ((unsigned char)t[n] & 0xc0) == 0x80)
				n--;
		}
		json_array_append_new(input, n ? jsonutil_stringn(t, n) :
				      json_string(" "));
	}
	json_object_set_new(root, "input", input);
	if (req->dimensions > 0)
		json_object_set_new(root, "dimensions",
				    json_integer(req->dimensions));
	text = json_dumps(root, JSON_COMPACT);
	buf_puts(out, text ? text : "{}");
	free(text);
	json_decref(root);
}

int agent_openai_embed_parse(const char *body, size_t len, size_t first,
			     size_t nr, size_t total,
			     struct agent_embeddings *out, struct buf *err)
{
	json_t *root, *data, *item, *vec, *v, *e;
	json_error_t jerr;
	unsigned char *seen = NULL;
	float *dst = NULL;
	const char *model;
	size_t i, j, dim = out->dim;
	int error = 0;

	root = json_loadb(body, len, 0, &jerr);
	if (!root)
		return error_set(err, TEND_EINVALID, "not JSON at line %d "
				 "column %d: %s", jerr.line, jerr.column,
				 jerr.text);
	if (!json_is_object(root)) {
		error = error_set(err, TEND_EINVALID, "the reply is not a "
				  "JSON object");
		goto out;
	}
	e = json_object_get(root, "error");
	if (e && !json_is_null(e)) {
		error = agent_openai_error_json(0, root, body, len, err);
		goto out;
	}
	data = json_object_get(root, "data");
	if (!json_is_array(data)) {
		error = error_set(err, TEND_EINVALID, "'data' is missing or "
				  "not an array");
		goto out;
	}
	if (json_array_size(data) != nr) {
		error = error_set(err, TEND_EINVALID, "'data' has %zu "
				  "vectors for %zu texts",
				  json_array_size(data), nr);
		goto out;
	}
	seen = xcalloc(nr ? nr : 1, 1);
	json_array_foreach(data, i, item) {
		json_t *ix = json_object_get(item, "index");
		size_t at = i;

		if (ix) {
			if (!json_is_integer(ix) ||
			    json_integer_value(ix) < 0 ||
			    (size_t)json_integer_value(ix) >= nr) {
				error = error_set(err, TEND_EINVALID,
						  "data[%zu].index is not a "
						  "number from 0 to %zu", i,
						  nr - 1);
				goto out;
			}
			at = (size_t)json_integer_value(ix);
		}
		if (seen[at]) {
			error = error_set(err, TEND_EINVALID, "data[%zu]: a "
					  "second vector for index %zu", i,
					  at);
			goto out;
		}
		seen[at] = 1;
		vec = json_object_get(item, "embedding");
		if (!json_is_array(vec) || !json_array_size(vec)) {
			error = error_set(err, TEND_EINVALID, "data[%zu]."
					  "embedding is missing, empty or not "
					  "an array of numbers", i);
			goto out;
		}
		if (!dim) {
			dim = json_array_size(vec);
			if (dim > AGENT_EMBED_DIM_MAX) {
				error = error_set(err, TEND_EINVALID,
						  "data[%zu].embedding has %zu "
						  "numbers (more than %d)", i,
						  dim, AGENT_EMBED_DIM_MAX);
				goto out;
			}
		}
		if (json_array_size(vec) != dim) {
			error = error_set(err, TEND_EINVALID, "data[%zu]."
					  "embedding has %zu numbers, not %zu "
					  "like the others", i,
					  json_array_size(vec), dim);
			goto out;
		}
		if (!dst)
			dst = out->data ? out->data :
				xcalloc(total * dim, sizeof(float));
		json_array_foreach(vec, j, v) {
			double d = json_number_value(v);

			if (!json_is_number(v) || !(d <= 3.4e38) ||
			    !(d >= -3.4e38)) {
				error = error_set(err, TEND_EINVALID,
						  "data[%zu].embedding[%zu] is "
						  "not a finite number", i, j);
				goto out;
			}
			dst[(first + at) * dim + j] = (float)d;
		}
	}
	if (!out->data) {
		out->data = dst;
		out->dim = dim;
		out->nr = total;
	}
	dst = NULL;
	out->usage.input += agent_openai_count(json_object_get(root, "usage"),
					       "prompt_tokens");
	model = agent_openai_str(root, "model");
	if (model && *model && !out->model)
		out->model = xstrdup(model);
out:
	if (dst && dst != out->data)
		free(dst);
	free(seen);
	json_decref(root);
	return error;
}
