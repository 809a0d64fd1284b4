/*
 * anthropic.c - the Anthropic Messages protocol.
 *
 * Builds the request body from the neutral request: `system` at the top
 * level, messages of content blocks (`text`, `tool_use {id, name, input}`,
 * `tool_result {tool_use_id, content, is_error}`), `tools` with their
 * `input_schema`, the required `max_tokens`, and cache_control breakpoints
 * when asked. Parses replies: a plain `message` object, or the event
 * stream (`message_start`, `content_block_start`/`delta`/`stop` with
 * `text_delta` and `input_json_delta`, `message_delta`, `message_stop`,
 * `ping`, `error`). It also reads the protocol's error objects.
 *
 * The Messages API wants user and assistant turns to alternate, the tool
 * results of an assistant turn in the next user message, and those
 * tool_result blocks before any text there. The neutral conversation has
 * one message per tool result, so consecutive user and tool messages are
 * folded into one user message here. Messages with nothing to say (no
 * text, no calls) are dropped, since the API refuses empty content.
 *
 * Thinking blocks are not kept: tend does not ask for extended thinking.
 * This file does not send anything: agents/provider.c does.
 */
#include <stdlib.h>
#include <string.h>

#include "agents/provider.h"
#include "agents/sse.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/xalloc.h"

#define AGENT_ANTHROPIC_MSG_MAX 500

/* ----- the request ----- */

/* The input object of a call we send back: parsed args, else {}. */
static json_t *agent_anthropic_input(const struct agent_tool_call *c)
{
	json_error_t jerr;
	json_t *v;

	if (json_is_object(c->args))
		return json_incref(c->args);
	if (c->arguments) {
		v = json_loads(c->arguments, 0, &jerr);
		if (json_is_object(v))
			return v;
		json_decref(v);
	}
	return json_object();
}

/* The content array of the last message when it has `role`, else NULL. */
static json_t *agent_anthropic_last(json_t *msgs, const char *role)
{
	size_t n = json_array_size(msgs);
	json_t *last;
	const char *r;

	if (!n)
		return NULL;
	last = json_array_get(msgs, n - 1);
	r = json_string_value(json_object_get(last, "role"));
	if (!r || strcmp(r, role))
		return NULL;
	return json_object_get(last, "content");
}

/* The content array of a message of `role` to add blocks to. */
static json_t *agent_anthropic_turn(json_t *msgs, const char *role)
{
	json_t *content = agent_anthropic_last(msgs, role);

	if (!content) {
		content = json_array();
		json_array_append_new(msgs, json_pack("{s:s, s:o}", "role",
						      role, "content",
						      content));
	}
	return content;
}

static int agent_anthropic_message(json_t *msgs,
				   const struct agent_message *m, size_t i,
				   struct buf *err)
{
	json_t *content, *block;
	size_t j, pos;

	switch (m->role) {
	case AGENT_ROLE_USER:
		if (!m->text || !*m->text)
			return 0;
		content = agent_anthropic_turn(msgs, "user");
		json_array_append_new(content, json_pack("{s:s, s:o}", "type",
							 "text", "text",
							 jsonutil_string(
								 m->text)));
		return 0;
	case AGENT_ROLE_ASSISTANT:
		if ((!m->text || !*m->text) && !m->nr_calls)
			return 0;
		for (j = 0; j < m->nr_calls; j++)
			if (!m->calls[j].id || !*m->calls[j].id ||
			    !m->calls[j].name || !*m->calls[j].name)
				return error_set(err, TEND_EINVALID,
						 "message %zu: tool call %zu "
						 "has no id or no name", i, j);
		content = agent_anthropic_turn(msgs, "assistant");
		if (m->text && *m->text)
			json_array_append_new(content,
					      json_pack("{s:s, s:o}", "type",
							"text", "text",
							jsonutil_string(
								m->text)));
		for (j = 0; j < m->nr_calls; j++) {
			const struct agent_tool_call *c = &m->calls[j];

			json_array_append_new(content,
					      json_pack("{s:s, s:o, s:o, s:o}",
							"type", "tool_use",
							"id",
							jsonutil_string(c->id),
							"name",
							jsonutil_string(
								c->name),
							"input",
							agent_anthropic_input(
								c)));
		}
		return 0;
	case AGENT_ROLE_TOOL:
		if (!m->tool_call_id || !*m->tool_call_id)
			return error_set(err, TEND_EINVALID,
					 "message %zu: a tool result without "
					 "the id of its call", i);
		content = agent_anthropic_turn(msgs, "user");
		block = json_pack("{s:s, s:o, s:o}", "type", "tool_result",
				  "tool_use_id",
				  jsonutil_string(m->tool_call_id), "content",
				  jsonutil_string(m->text ? m->text : ""));
		if (m->is_error)
			json_object_set_new(block, "is_error", json_true());
		/* Tool results go before any text of the same turn. */
		for (pos = 0; pos < json_array_size(content); pos++) {
			const char *t = json_string_value(json_object_get(
					json_array_get(content, pos), "type"));

			if (!t || strcmp(t, "tool_result"))
				break;
		}
		json_array_insert_new(content, pos, block);
		return 0;
	default:
		return error_set(err, TEND_EINVALID,
				 "message %zu has an unknown role %d", i,
				 (int)m->role);
	}
}

static json_t *agent_anthropic_ephemeral(void)
{
	return json_pack("{s:s}", "type", "ephemeral");
}

int agent_anthropic_request(struct buf *out, const struct agent_request *req,
			    struct buf *err)
{
	json_t *root = json_object(), *msgs = json_array(), *tools = NULL;
	char *text = NULL;
	size_t i, n;
	int error = 0;

	json_object_set_new(root, "model", jsonutil_string(req->model));
	json_object_set_new(root, "max_tokens",
			    json_integer(req->max_tokens > 0 ? req->max_tokens :
					 AGENT_DEFAULT_MAX_TOKENS));
	if (req->system && *req->system) {
		json_t *sys = jsonutil_string(req->system);

		if (req->cache_prompt)
			sys = json_pack("[{s:s, s:o, s:o}]", "type", "text",
					"text", sys, "cache_control",
					agent_anthropic_ephemeral());
		json_object_set_new(root, "system", sys);
	}
	json_object_set_new(root, "messages", msgs);
	for (i = 0; i < req->nr_msgs; i++)
		if ((error = agent_anthropic_message(msgs, &req->msgs[i], i,
						     err)) < 0)
			goto out;
	if (req->cache_prompt && (n = json_array_size(msgs))) {
		json_t *content = json_object_get(json_array_get(msgs, n - 1),
						  "content");
		json_t *last = json_array_get(content,
					      json_array_size(content) - 1);

		if (last)
			json_object_set_new(last, "cache_control",
					    agent_anthropic_ephemeral());
	}
	if (req->nr_tools) {
		tools = json_array();
		json_object_set_new(root, "tools", tools);
	}
	for (i = 0; i < req->nr_tools; i++) {
		const struct agent_tool_def *t = &req->tools[i];
		json_t *tool = json_object();

		json_array_append_new(tools, tool);
		if (!t->name || !*t->name) {
			error = error_set(err, TEND_EINVALID,
					  "tool %zu has no name", i);
			goto out;
		}
		json_object_set_new(tool, "name", jsonutil_string(t->name));
		if (t->description)
			json_object_set_new(tool, "description",
					    jsonutil_string(t->description));
		if (t->schema)
			json_object_set(tool, "input_schema", t->schema);
		else
			json_object_set_new(tool, "input_schema",
					    json_pack("{s:s, s:{}}", "type",
						      "object", "properties"));
		if (req->cache_prompt && i == req->nr_tools - 1)
			json_object_set_new(tool, "cache_control",
					    agent_anthropic_ephemeral());
	}
	if (req->has_temperature)
		json_object_set_new(root, "temperature",
				    json_real(req->temperature));
	if (req->stream)
		json_object_set_new(root, "stream", json_true());
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

static const char *agent_anthropic_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * The error in `root` (an error answer's body, or an `error` event; may be
 * NULL when the body is not JSON). `status` is 0 inside a stream.
 */
static int agent_anthropic_error_json(long status, json_t *root,
				      const char *body, size_t len,
				      struct buf *err)
{
	json_t *e = json_object_get(root, "error");
	const char *type = NULL, *message = NULL, *request_id;
	struct buf msg = BUF_INIT;
	int rc;

	if (json_is_object(e)) {
		type = agent_anthropic_str(e, "type");
		message = agent_anthropic_str(e, "message");
	} else if (json_is_string(e)) {
		message = json_string_value(e);
	} else {
		message = agent_anthropic_str(root, "message");
	}
	request_id = agent_anthropic_str(root, "request_id");

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
	if (!status && type) {
		if (!strcmp(type, "authentication_error") ||
		    !strcmp(type, "permission_error"))
			rc = TEND_EAUTH;
		else if (!strcmp(type, "rate_limit_error"))
			rc = TEND_ERATELIMIT;
		else if (!strcmp(type, "not_found_error"))
			rc = TEND_ENOTFOUND;
	}
	if (type && !strcmp(type, "request_too_large"))
		rc = AGENT_ECONTEXT;
	if ((!status || status == 400 || status == 413) &&
	    (!type || !strcmp(type, "invalid_request_error")) &&
	    agent_provider_says_context(message))
		rc = AGENT_ECONTEXT;

	if (status)
		buf_printf(&msg, "HTTP %ld", status);
	else
		buf_puts(&msg, "error event");
	if (type)
		buf_printf(&msg, " %s", type);
	if (message) {
		buf_puts(&msg, ": ");
		agent_provider_add_text(&msg, message, strlen(message),
					AGENT_ANTHROPIC_MSG_MAX);
	} else if (len) {
		buf_puts(&msg, ": ");
		agent_provider_add_text(&msg, body, len, 200);
	}
	if (request_id) {
		buf_puts(&msg, " (request ");
		agent_provider_add_text(&msg, request_id, strlen(request_id),
					80);
		buf_putc(&msg, ')');
	}
	error_set(err, rc, "%s", msg.ptr);
	buf_release(&msg);
	return rc;
}

int agent_anthropic_error(long status, const char *body, size_t len,
			  struct buf *err)
{
	json_error_t jerr;
	json_t *root = len ? json_loadb(body, len, 0, &jerr) : NULL;
	int rc = agent_anthropic_error_json(status, root, body, len, err);

	json_decref(root);
	return rc;
}

/* ----- shared reply pieces ----- */

static long agent_anthropic_count(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	double d;

	if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v))
		d = json_real_value(v);
	else
		return -1;
	if (!(d > 0))
		return 0;
	return d > 1e15 ? (long)1e15 : (long)d;
}

/* Take the counts `u` has; message_delta repeats only some of them. */
static void agent_anthropic_usage(json_t *u, struct agent_usage *out)
{
	long n;

	if (!json_is_object(u))
		return;
	if ((n = agent_anthropic_count(u, "input_tokens")) >= 0)
		out->input = n;
	if ((n = agent_anthropic_count(u, "output_tokens")) >= 0)
		out->output = n;
	if ((n = agent_anthropic_count(u, "cache_read_input_tokens")) >= 0)
		out->cache_read = n;
	if ((n = agent_anthropic_count(u,
				       "cache_creation_input_tokens")) >= 0)
		out->cache_write = n;
}

static enum agent_stop agent_anthropic_stop(const char *reason)
{
	if (!reason || !strcmp(reason, "end_turn") ||
	    !strcmp(reason, "stop_sequence"))
		return AGENT_STOP_END;
	if (!strcmp(reason, "tool_use"))
		return AGENT_STOP_TOOL_USE;
	if (!strcmp(reason, "max_tokens"))
		return AGENT_STOP_MAX_TOKENS;
	return AGENT_STOP_OTHER;
}

/*
 * The raw arguments of a tool_use `input`: an object serialised; a string
 * (which the API never sends, but a broken gateway might) kept as it is so
 * the malformed text reaches the tool loop.
 */
static void agent_anthropic_input_text(json_t *input, struct buf *out)
{
	char *s;

	if (!input || json_is_null(input)) {
		buf_puts(out, "{}");
		return;
	}
	if (json_is_string(input)) {
		buf_add(out, json_string_value(input),
			json_string_length(input));
		return;
	}
	s = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
	buf_puts(out, s ? s : "");
	free(s);
}

/* ----- a plain reply ----- */

static int agent_anthropic_parse_json(const char *body, size_t len,
				      struct agent_response *r,
				      struct buf *err)
{
	json_t *root, *content, *block, *e;
	struct buf text = BUF_INIT, args = BUF_INIT;
	const char *type, *reason;
	json_error_t jerr;
	size_t i;
	int error = 0;

	root = json_loadb(body, len, 0, &jerr);
	if (!root)
		return error_set(err, TEND_EINVALID, "not JSON at line %d column "
					   "%d: %s", jerr.line, jerr.column,
					   jerr.text);
	if (!json_is_object(root)) {
		error = error_set(err, TEND_EINVALID, "the reply is not a JSON "
					    "object");
		goto out;
	}
	type = agent_anthropic_str(root, "type");
	e = json_object_get(root, "error");
	if ((type && !strcmp(type, "error")) || json_is_object(e)) {
		error = agent_anthropic_error_json(0, root, body, len, err);
		goto out;
	}
	content = json_object_get(root, "content");
	if (!json_is_array(content)) {
		error = error_set(err, TEND_EINVALID, "'content' is missing or not "
					    "an array");
		goto out;
	}
	if (json_array_size(content) > AGENT_MAX_CALLS) {
		error = error_set(err, TEND_EINVALID, "more than %d content blocks",
					    AGENT_MAX_CALLS);
		goto out;
	}
	json_array_foreach(content, i, block) {
		const char *bt = agent_anthropic_str(block, "type");

		if (!bt) {
			error = error_set(err, TEND_EINVALID, "content[%zu].type is "
						    "missing", i);
			goto out;
		}
		if (!strcmp(bt, "text")) {
			json_t *t = json_object_get(block, "text");

			if (!json_is_string(t)) {
				error = error_set(err, TEND_EINVALID, "content[%zu]"
							    ".text is not a "
							    "string", i);
				goto out;
			}
			buf_add(&text, json_string_value(t),
				json_string_length(t));
		} else if (!strcmp(bt, "tool_use")) {
			const char *name = agent_anthropic_str(block, "name");

			if (!name || !*name) {
				error = error_set(err, TEND_EINVALID, "content[%zu]"
							    ".name is "
							    "missing", i);
				goto out;
			}
			buf_reset(&args);
			agent_anthropic_input_text(json_object_get(block,
								   "input"),
						   &args);
			agent_response_add_call(r, agent_anthropic_str(block,
								       "id"),
						name, args.ptr);
		}
	}
	reason = agent_anthropic_str(root, "stop_reason");
	r->stop = agent_anthropic_stop(reason);
	r->stop_raw = xstrdup_or_null(reason);
	agent_anthropic_usage(json_object_get(root, "usage"), &r->usage);
	r->model = xstrdup_or_null(agent_anthropic_str(root, "model"));
	r->text = buf_detach(&text, NULL);
out:
	buf_release(&text);
	buf_release(&args);
	json_decref(root);
	return error;
}

/* ----- an event stream ----- */

enum agent_anthropic_kind {
	AGENT_ANTHROPIC_TEXT,
	AGENT_ANTHROPIC_TOOL,
	AGENT_ANTHROPIC_OTHER
};

struct agent_anthropic_block {
	long index;
	enum agent_anthropic_kind kind;
	struct buf text;	/* text, or the partial JSON of the input */
	struct buf input0;	/* the input of content_block_start */
	int have_json;		/* an input_json_delta arrived */
	char *id, *name;
};

struct agent_anthropic_stream {
	struct agent_anthropic_block *blocks;
	size_t nr_blocks, alloc_blocks;
	struct agent_usage usage;
	char *model, *reason;
	int started, stopped;
	struct buf *err;
};

static struct agent_anthropic_block *
agent_anthropic_block(struct agent_anthropic_stream *s, long index,
		      enum agent_anthropic_kind kind)
{
	struct agent_anthropic_block *b;
	size_t i;

	for (i = 0; i < s->nr_blocks; i++)
		if (s->blocks[i].index == index)
			return &s->blocks[i];
	if (s->nr_blocks >= AGENT_MAX_CALLS)
		return NULL;
	ALLOC_GROW(s->blocks, s->nr_blocks, s->alloc_blocks);
	b = &s->blocks[s->nr_blocks++];
	memset(b, 0, sizeof(*b));
	b->index = index;
	b->kind = kind;
	buf_init(&b->text, 0);
	buf_init(&b->input0, 0);
	return b;
}

static int agent_anthropic_index(struct agent_anthropic_stream *s,
				 json_t *root, size_t seq, long *out)
{
	json_t *v = json_object_get(root, "index");

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) >= 1000000)
		return error_set(s->err, TEND_EINVALID, "event %zu: 'index' is "
					   "missing or not a small number",
					   seq);
	*out = (long)json_integer_value(v);
	return 0;
}

static int agent_anthropic_block_start(struct agent_anthropic_stream *s,
				       json_t *root, size_t seq)
{
	json_t *cb = json_object_get(root, "content_block");
	struct agent_anthropic_block *b;
	const char *bt = agent_anthropic_str(cb, "type"), *t;
	enum agent_anthropic_kind kind;
	long index;
	int error;

	if ((error = agent_anthropic_index(s, root, seq, &index)) < 0)
		return error;
	if (!bt)
		return error_set(s->err, TEND_EINVALID, "event %zu: "
					   "content_block.type is missing",
					   seq);
	kind = !strcmp(bt, "text") ? AGENT_ANTHROPIC_TEXT :
		!strcmp(bt, "tool_use") ? AGENT_ANTHROPIC_TOOL :
		AGENT_ANTHROPIC_OTHER;
	b = agent_anthropic_block(s, index, kind);
	if (!b)
		return error_set(s->err, TEND_EINVALID, "event %zu: more than %d "
					   "content blocks", seq,
					   AGENT_MAX_CALLS);
	b->kind = kind;
	if (kind == AGENT_ANTHROPIC_TEXT) {
		t = agent_anthropic_str(cb, "text");
		if (t)
			buf_puts(&b->text, t);
	} else if (kind == AGENT_ANTHROPIC_TOOL) {
		const char *id = agent_anthropic_str(cb, "id");
		const char *name = agent_anthropic_str(cb, "name");

		if (!name || !*name)
			return error_set(s->err, TEND_EINVALID, "event %zu: "
						   "content_block.name is "
						   "missing", seq);
		free(b->id);
		free(b->name);
		b->id = xstrdup_or_null(id);
		b->name = xstrdup(name);
		buf_reset(&b->input0);
		agent_anthropic_input_text(json_object_get(cb, "input"),
					   &b->input0);
	}
	return 0;
}

static int agent_anthropic_block_delta(struct agent_anthropic_stream *s,
				       json_t *root, size_t seq)
{
	json_t *delta = json_object_get(root, "delta");
	const char *dt = agent_anthropic_str(delta, "type");
	struct agent_anthropic_block *b;
	json_t *piece;
	long index;
	int error;

	if ((error = agent_anthropic_index(s, root, seq, &index)) < 0)
		return error;
	if (!dt)
		return error_set(s->err, TEND_EINVALID, "event %zu: delta.type is "
					   "missing", seq);
	if (!strcmp(dt, "text_delta")) {
		piece = json_object_get(delta, "text");
		b = agent_anthropic_block(s, index, AGENT_ANTHROPIC_TEXT);
	} else if (!strcmp(dt, "input_json_delta")) {
		piece = json_object_get(delta, "partial_json");
		b = agent_anthropic_block(s, index, AGENT_ANTHROPIC_TOOL);
	} else {
		/* thinking_delta, signature_delta, citations_delta, ... */
		return 0;
	}
	if (!b)
		return error_set(s->err, TEND_EINVALID, "event %zu: more than %d "
					   "content blocks", seq,
					   AGENT_MAX_CALLS);
	if (!json_is_string(piece))
		return error_set(s->err, TEND_EINVALID, "event %zu: the %s has no "
					   "text", seq, dt);
	if (!strcmp(dt, "text_delta") ? b->kind != AGENT_ANTHROPIC_TEXT :
	    b->kind != AGENT_ANTHROPIC_TOOL)
		return error_set(s->err, TEND_EINVALID, "event %zu: %s for content "
					   "block %ld of another type", seq,
					   dt, index);
	buf_add(&b->text, json_string_value(piece), json_string_length(piece));
	if (b->kind == AGENT_ANTHROPIC_TOOL)
		b->have_json = 1;
	return 0;
}

static int agent_anthropic_event(const struct sse_event *ev, void *data)
{
	struct agent_anthropic_stream *s = data;
	json_t *root, *msg, *delta;
	json_error_t jerr;
	const char *type, *reason, *model;
	int error = 0;

	root = json_loadb(ev->data, ev->data_len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return error_set(s->err, TEND_EINVALID, "event %zu (%s): not a JSON "
					   "object (line %d column %d: %s)",
					   ev->seq, ev->type, jerr.line,
					   jerr.column,
					   root ? "wrong type" : jerr.text);
	}
	type = agent_anthropic_str(root, "type");
	if (!type)
		type = ev->type;
	if (!strcmp(type, "message_start")) {
		msg = json_object_get(root, "message");
		if (!json_is_object(msg)) {
			error = error_set(s->err, TEND_EINVALID, "event %zu: "
						    "message_start without a "
						    "message", ev->seq);
			goto out;
		}
		s->started = 1;
		model = agent_anthropic_str(msg, "model");
		if (model && !s->model)
			s->model = xstrdup(model);
		agent_anthropic_usage(json_object_get(msg, "usage"),
				      &s->usage);
	} else if (!strcmp(type, "content_block_start")) {
		error = agent_anthropic_block_start(s, root, ev->seq);
	} else if (!strcmp(type, "content_block_delta")) {
		error = agent_anthropic_block_delta(s, root, ev->seq);
	} else if (!strcmp(type, "message_delta")) {
		delta = json_object_get(root, "delta");
		reason = agent_anthropic_str(delta, "stop_reason");
		if (reason) {
			free(s->reason);
			s->reason = xstrdup(reason);
		}
		agent_anthropic_usage(json_object_get(root, "usage"),
				      &s->usage);
	} else if (!strcmp(type, "message_stop")) {
		s->stopped = 1;
	} else if (!strcmp(type, "error")) {
		error = agent_anthropic_error_json(0, root, ev->data,
						   ev->data_len, s->err);
		if (s->err)
			error_wrap(s->err, error, "event %zu", ev->seq);
	}
	/* content_block_stop, ping and new event types: nothing to do. */
out:
	json_decref(root);
	return error;
}

static int agent_anthropic_parse_sse(const char *body, size_t len,
				     struct agent_response *r,
				     struct buf *err)
{
	struct agent_anthropic_stream s;
	struct sse_parser parser;
	struct buf text = BUF_INIT;
	size_t i;
	int error;

	memset(&s, 0, sizeof(s));
	s.err = err;
	sse_parser_init(&parser, agent_anthropic_event, &s);
	error = sse_parser_feed(&parser, body, len);
	if (!error)
		error = sse_parser_finish(&parser, NULL);
	if (error < 0)
		goto out;
	if (!s.stopped && !s.reason) {
		error = error_set(err, TEND_ERROR, "the event stream ended "
				  "before the answer was complete (no "
				  "message_stop after %zu events)",
				  parser.seq);
		goto out;
	}
	for (i = 0; i < s.nr_blocks; i++) {
		struct agent_anthropic_block *b = &s.blocks[i];

		if (b->kind == AGENT_ANTHROPIC_TEXT) {
			buf_add(&text, b->text.ptr, b->text.len);
		} else if (b->kind == AGENT_ANTHROPIC_TOOL) {
			if (!b->name) {
				error = error_set(
					err, TEND_EINVALID, "content block %ld: input "
					"without a tool_use start", b->index);
				goto out;
			}
			agent_response_add_call(r, b->id, b->name,
						b->have_json ? b->text.ptr :
						b->input0.ptr);
		}
	}
	r->text = buf_detach(&text, NULL);
	r->stop = agent_anthropic_stop(s.reason);
	r->stop_raw = s.reason;
	s.reason = NULL;
	r->model = s.model;
	s.model = NULL;
	r->usage = s.usage;
	error = 0;
out:
	sse_parser_release(&parser);
	for (i = 0; i < s.nr_blocks; i++) {
		buf_release(&s.blocks[i].text);
		buf_release(&s.blocks[i].input0);
		free(s.blocks[i].id);
		free(s.blocks[i].name);
	}
	free(s.blocks);
	free(s.model);
	free(s.reason);
	buf_release(&text);
	return error;
}

int agent_anthropic_parse(const char *body, size_t len, int sse,
			  struct agent_response *out, struct buf *err)
{
	struct agent_response r;
	int error;

	agent_response_release(out);
	agent_response_init(&r);
	error = sse ? agent_anthropic_parse_sse(body, len, &r, err) :
		agent_anthropic_parse_json(body, len, &r, err);
	if (error < 0) {
		agent_response_release(&r);
		return error;
	}
	if (r.nr_calls && r.stop == AGENT_STOP_END)
		r.stop = AGENT_STOP_TOOL_USE;
	*out = r;
	return 0;
}
