/*
 * test_provider.c - the model providers against tests/lib/fakemodel.py on
 * 127.0.0.1, and the protocol parsers on their own.
 *
 * Each server test starts its own fakemodel.py with a script of turns and
 * runs the four combinations (OpenAI and Anthropic, plain and streamed)
 * against it, one turn or a few per combination, then reads back the
 * request log the server kept. Waits between retries are recorded by a
 * sleep hook, not slept.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "agents/provider.h"
#include "agents/replay.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/log.h"
#include "tests/unit/test.h"

#define KEY "sk-tend-test-0123456789abcdefXYZ"

static const char *const kinds[2] = { "openai", "anthropic" };

struct fm {
	pid_t pid;
	int port;
	char base[64];
	char log_path[600];
	enum log_level level;
};

/* A server a failed REQUIRE left running; stopped by the next start. */
static pid_t fm_leftover;

/* Start fakemodel.py with `script` (JSON) and the key KEY. */
static int fm_start(struct fm *f, const char *script)
{
	char dir[512], script_path[600], server[1100], line[32];
	struct pollfd pfd;
	size_t got = 0;
	int fds[2];
	char *end;
	long port;

	if (fm_leftover > 0) {
		kill(fm_leftover, SIGTERM);
		waitpid(fm_leftover, NULL, 0);
		fm_leftover = 0;
	}
	memset(f, 0, sizeof(*f));
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(script_path, sizeof(script_path), "%s/script.json", dir);
	snprintf(f->log_path, sizeof(f->log_path), "%s/log.json", dir);
	snprintf(server, sizeof(server), "%s",
		 test_fixture("lib/fakemodel.py"));
	if (test_write(script_path, script, strlen(script)) < 0)
		return -1;
	if (pipe(fds) < 0)
		return -1;
	f->pid = fork();
	if (f->pid < 0)
		return -1;
	if (!f->pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("python3", "python3", "-I", "-S", server, "--script",
		       script_path, "--log", f->log_path, "--key", KEY,
		       "--timeout", "60", "--watch-parent", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(fds[0], line + got, sizeof(line) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	line[got] = '\0';
	port = strtol(line, &end, 10);
	if (port <= 0 || port > 65535 || *end != '\n') {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
		return -1;
	}
	f->port = (int)port;
	fm_leftover = f->pid;
	f->level = log_get_level();
	if (f->level > LOG_WARN)
		log_set_level(LOG_WARN);
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
	return 0;
}

static void fm_stop(struct fm *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		if (fm_leftover == f->pid)
			fm_leftover = 0;
		log_set_level(f->level);
	}
	f->pid = 0;
}

static json_t *fm_log(const struct fm *f)
{
	json_error_t jerr;

	return json_load_file(f->log_path, 0, &jerr);
}

/* The request body of log entry `i` (0-based), parsed; caller decrefs. */
static json_t *fm_body(const struct fm *f, size_t i)
{
	json_t *log = fm_log(f), *body = NULL;
	const char *text;
	json_error_t jerr;

	text = json_string_value(json_object_get(json_array_get(log, i),
						 "body"));
	if (text)
		body = json_loads(text, 0, &jerr);
	json_decref(log);
	return body;
}

struct sleeps {
	long ms[32];
	int n;
};

static void sleeps_record(long ms, void *data)
{
	struct sleeps *s = data;

	if (s->n < 32)
		s->ms[s->n++] = ms;
}

static struct agent_provider *prov_new(const struct fm *f, const char *kind,
				       struct sleeps *s, int retries,
				       const char *key)
{
	struct agent_provider_opts o = { 0 };
	struct agent_provider *p = NULL;
	struct buf err = BUF_INIT;
	char base[96];

	/* OpenAI's base carries /v1, Anthropic's does not. */
	snprintf(base, sizeof(base), "%s%s", f->base,
		 strcmp(kind, "openai") ? "" : "/v1");
	o.kind = kind;
	o.base_url = base;
	o.api_key = key;
	o.timeout_ms = 5000;
	o.max_retries = retries;
	o.backoff_base_ms = 10;
	if (agent_provider_new(&p, &o, &err) < 0)
		printf("    %s\n", err.ptr);
	buf_release(&err);
	if (p && s) {
		memset(s, 0, sizeof(*s));
		agent_provider_set_sleep(p, sleeps_record, s);
	}
	return p;
}

/* A one-message request. */
static void req_init(struct agent_request *req, struct agent_message *m,
		     const char *text, int stream)
{
	memset(req, 0, sizeof(*req));
	memset(m, 0, sizeof(*m));
	m->role = AGENT_ROLE_USER;
	m->text = (char *)text;
	req->model = "fake-model";
	req->system = "You are a test.";
	req->msgs = m;
	req->nr_msgs = 1;
	req->max_tokens = 256;
	req->stream = stream;
}

/* Run `text` once per combination; check each answer with `check`. */
static int call(struct agent_provider *p, struct agent_request *req,
		struct agent_response *r, struct buf *err)
{
	agent_response_release(r);
	buf_reset(err);
	return agent_provider_complete(p, req, r, err);
}

void test_provider__text(void)
{
	struct fm f;
	int k, stream;

	REQUIRE(fm_start(&f, "[{\"text\": \"Hello, world! A longer answer "
			 "in pieces.\", \"usage\": {\"input\": 12, "
			 "\"output\": 7}, \"repeat\": true}]") == 0);
	for (k = 0; k < 2; k++) {
		for (stream = 0; stream < 2; stream++) {
			struct agent_provider *p = prov_new(&f, kinds[k],
							    NULL, 0, KEY);
			struct agent_response r;
			struct agent_request req;
			struct agent_message m;
			struct buf err = BUF_INIT;

			REQUIRE(p);
			agent_response_init(&r);
			req_init(&req, &m, "say hello", stream);
			CHECK_INT(call(p, &req, &r, &err), 0);
			CHECK_STR(r.text, "Hello, world! A longer answer in "
				  "pieces.");
			CHECK_INT(r.nr_calls, 0);
			CHECK_INT(r.stop, AGENT_STOP_END);
			CHECK_STR(r.stop_raw, k ? "end_turn" : "stop");
			CHECK_INT(r.usage.input, 12);
			CHECK_INT(r.usage.output, 7);
			CHECK_STR(r.model, "fake-model");
			if (test__failed_now())
				printf("    %s stream=%d: %s\n", kinds[k],
				       stream, err.ptr);
			agent_response_release(&r);
			buf_release(&err);
			agent_provider_free(p);
		}
	}
	{
		json_t *log = fm_log(&f), *e;
		size_t i;

		CHECK_INT(json_array_size(log), 4);
		json_array_foreach(log, i, e) {
			const char *path = json_string_value(
				json_object_get(e, "path"));
			json_t *h = json_object_get(e, "headers");

			CHECK_STR(path, i < 2 ? "/v1/chat/completions" :
				  "/v1/messages");
			CHECK_STR(json_string_value(json_object_get(e,
						"outcome")), "answer");
			if (i >= 2)
				CHECK_STR(json_string_value(json_object_get(
					h, "anthropic-version")),
					  "2023-06-01");
		}
		json_decref(log);
	}
	{
		/* System first for OpenAI; top-level for Anthropic. */
		json_t *b0 = fm_body(&f, 0), *b1 = fm_body(&f, 1);
		json_t *b2 = fm_body(&f, 2), *b3 = fm_body(&f, 3);
		json_t *first = json_array_get(json_object_get(b0, "messages"),
					       0);

		CHECK_STR(json_string_value(json_object_get(first, "role")),
			  "system");
		CHECK_INT(json_integer_value(json_object_get(b0,
						"max_tokens")), 256);
		CHECK(!json_object_get(b0, "stream"));
		CHECK(json_is_true(json_object_get(b1, "stream")));
		CHECK(json_is_true(json_object_get(json_object_get(b1,
				"stream_options"), "include_usage")));
		CHECK_STR(json_string_value(json_object_get(b2, "system")),
			  "You are a test.");
		CHECK(!json_object_get(b2, "temperature"));
		CHECK(json_is_true(json_object_get(b3, "stream")));
		json_decref(b0);
		json_decref(b1);
		json_decref(b2);
		json_decref(b3);
	}
	fm_stop(&f);
}

/* Two tool calls, then the results go back and the model answers. */
void test_provider__tool_calls(void)
{
	static const char turn_calls[] =
		"{\"text\": \"Let me look.\", \"tool_calls\": ["
		"{\"name\": \"read_file\", \"arguments\": {\"path\": "
		"\"src/main.c\", \"start_line\": 10}},"
		"{\"name\": \"search\", \"arguments\": {\"pattern\": "
		"\"a \\\"quoted\\\" \\u00e9 thing\"}}], \"chunk\": 3}";
	static const char turn_done[] =
		"{\"text\": \"All done.\", \"expect\": {\"model\": "
		"\"fake-model\"}}";
	char script[4096];
	struct fm f;
	int k, stream;

	snprintf(script, sizeof(script), "[%s, %s, %s, %s, %s, %s, %s, %s]",
		 turn_calls, turn_done, turn_calls, turn_done, turn_calls,
		 turn_done, turn_calls, turn_done);
	REQUIRE(fm_start(&f, script) == 0);
	for (k = 0; k < 2; k++) {
		for (stream = 0; stream < 2; stream++) {
			struct agent_provider *p = prov_new(&f, kinds[k],
							    NULL, 0, KEY);
			struct agent_message msgs[4];
			struct agent_tool_def tools[2];
			struct agent_response r;
			struct agent_request req;
			struct buf err = BUF_INIT;
			json_t *schema = json_pack(
				"{s:s, s:{s:{s:s}}, s:[s]}", "type", "object",
				"properties", "path", "type", "string",
				"required", "path");

			REQUIRE(p);
			agent_response_init(&r);
			req_init(&req, &msgs[0], "look at main.c", stream);
			tools[0].name = "read_file";
			tools[0].description = "Read a file";
			tools[0].schema = schema;
			tools[1].name = "search";
			tools[1].description = NULL;
			tools[1].schema = NULL;
			req.tools = tools;
			req.nr_tools = 2;
			CHECK_INT(call(p, &req, &r, &err), 0);
			CHECK_STR(r.text, "Let me look.");
			CHECK_INT(r.stop, AGENT_STOP_TOOL_USE);
			REQUIRE(r.nr_calls == 2);
			CHECK_STR(r.calls[0].name, "read_file");
			CHECK_STR(r.calls[1].name, "search");
			CHECK(r.calls[0].id && *r.calls[0].id);
			CHECK(strcmp(r.calls[0].id, r.calls[1].id));
			REQUIRE(r.calls[0].args && r.calls[1].args);
			CHECK_STR(json_string_value(json_object_get(
				r.calls[0].args, "path")), "src/main.c");
			CHECK_INT(json_integer_value(json_object_get(
				r.calls[0].args, "start_line")), 10);
			CHECK_STR(json_string_value(json_object_get(
				r.calls[1].args, "pattern")),
				  "a \"quoted\" \xc3\xa9 thing");

			/* The conversation goes on with both results. */
			agent_response_to_message(&msgs[1], &r);
			memset(&msgs[2], 0, sizeof(msgs[2]));
			msgs[2].role = AGENT_ROLE_TOOL;
			msgs[2].tool_call_id = msgs[1].calls[0].id;
			msgs[2].text = (char *)"int main(void) {}";
			memset(&msgs[3], 0, sizeof(msgs[3]));
			msgs[3].role = AGENT_ROLE_TOOL;
			msgs[3].tool_call_id = msgs[1].calls[1].id;
			msgs[3].text = (char *)"no match";
			msgs[3].is_error = 1;
			req.nr_msgs = 4;
			CHECK_INT(call(p, &req, &r, &err), 0);
			CHECK_STR(r.text, "All done.");
			CHECK_INT(r.stop, AGENT_STOP_END);
			if (test__failed_now())
				printf("    %s stream=%d: %s\n", kinds[k],
				       stream, err.ptr);
			/* The message owns what moved out of the response. */
			agent_message_release(&msgs[1]);
			agent_response_release(&r);
			buf_release(&err);
			json_decref(schema);
			agent_provider_free(p);
		}
	}
	{
		/* Anthropic: one user turn of tool_result blocks. */
		json_t *b = fm_body(&f, 7);
		json_t *msgs = json_object_get(b, "messages");
		json_t *last = json_array_get(msgs, 2);
		json_t *blocks = json_object_get(last, "content");
		json_t *tools = json_object_get(b, "tools");

		CHECK_INT(json_array_size(msgs), 3);
		CHECK_STR(json_string_value(json_object_get(last, "role")),
			  "user");
		CHECK_INT(json_array_size(blocks), 2);
		CHECK(json_is_true(json_object_get(json_array_get(blocks, 1),
						   "is_error")));
		CHECK_STR(json_string_value(json_object_get(
			json_object_get(json_array_get(tools, 1),
					"input_schema"), "type")), "object");
		json_decref(b);
	}
	fm_stop(&f);
}

void test_provider__usage(void)
{
	struct fm f;
	int k, stream;

	REQUIRE(fm_start(&f, "[{\"text\": \"x\", \"usage\": {\"input\": 100, "
			 "\"output\": 20, \"cache_read\": 30, "
			 "\"cache_write\": 5}, \"repeat\": true}]") == 0);
	for (k = 0; k < 2; k++) {
		for (stream = 0; stream < 2; stream++) {
			struct agent_provider *p = prov_new(&f, kinds[k],
							    NULL, 0, KEY);
			struct agent_response r;
			struct agent_request req;
			struct agent_message m;
			struct buf err = BUF_INIT;

			REQUIRE(p);
			agent_response_init(&r);
			req_init(&req, &m, "count", stream);
			CHECK_INT(call(p, &req, &r, &err), 0);
			CHECK_INT(r.usage.output, 20);
			CHECK_INT(r.usage.cache_read, 30);
			/*
			 * OpenAI reports no cache writes: its prompt_tokens
			 * (135) less the cached (30) are full-price input.
			 */
			CHECK_INT(r.usage.input, k ? 100 : 105);
			CHECK_INT(r.usage.cache_write, k ? 5 : 0);
			agent_response_release(&r);
			buf_release(&err);
			agent_provider_free(p);
		}
	}
	fm_stop(&f);
}

void test_provider__usage_computed(void)
{
	struct fm f;
	int k;

	REQUIRE(fm_start(&f, "[{\"text\": \"twelve bytes\", "
			 "\"repeat\": true}]") == 0);
	for (k = 0; k < 2; k++) {
		struct agent_provider *p = prov_new(&f, kinds[k], NULL, 0,
						    KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "count", 1);
		CHECK_INT(call(p, &req, &r, &err), 0);
		CHECK_INT(r.usage.output, 3);
		CHECK(r.usage.input > 5);
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	fm_stop(&f);
}

/* Each combination meets `fault` once, then gets an answer. */
static void run_fault_then_ok(const char *fault, long want_sleep)
{
	char script[4096];
	struct fm f;
	int k, stream;

	snprintf(script, sizeof(script),
		 "[%s, {\"text\": \"ok\"}, %s, {\"text\": \"ok\"}, "
		 "%s, {\"text\": \"ok\"}, %s, {\"text\": \"ok\"}]",
		 fault, fault, fault, fault);
	REQUIRE(fm_start(&f, script) == 0);
	for (k = 0; k < 2; k++) {
		for (stream = 0; stream < 2; stream++) {
			struct sleeps s;
			struct agent_provider *p = prov_new(&f, kinds[k], &s,
							    3, KEY);
			struct agent_response r;
			struct agent_request req;
			struct agent_message m;
			struct buf err = BUF_INIT;

			REQUIRE(p);
			agent_response_init(&r);
			req_init(&req, &m, "hi", stream);
			CHECK_INT(call(p, &req, &r, &err), 0);
			CHECK_STR(r.text, "ok");
			CHECK_INT(s.n, 1);
			if (want_sleep >= 0)
				CHECK_INT(s.ms[0], want_sleep);
			if (test__failed_now())
				printf("    %s %s stream=%d: %s\n", fault,
				       kinds[k], stream, err.ptr);
			agent_response_release(&r);
			buf_release(&err);
			agent_provider_free(p);
		}
	}
	fm_stop(&f);
}

void test_provider__rate_limit_then_ok(void)
{
	run_fault_then_ok("{\"status\": 429, \"headers\": "
			  "{\"Retry-After\": \"2\"}}", 2000);
}

void test_provider__server_error_then_ok(void)
{
	run_fault_then_ok("{\"status\": 500}", -1);
	run_fault_then_ok("{\"status\": 529}", -1);
}

void test_provider__drop_then_ok(void)
{
	run_fault_then_ok("{\"action\": \"drop\"}", -1);
}

void test_provider__overloaded_gives_up(void)
{
	struct fm f;
	int k;

	REQUIRE(fm_start(&f, "[{\"status\": 529, \"repeat\": true}]") == 0);
	for (k = 0; k < 2; k++) {
		struct sleeps s;
		struct agent_provider *p = prov_new(&f, kinds[k], &s, 2, KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", 0);
		CHECK_INT(call(p, &req, &r, &err), TEND_ERROR);
		CHECK_INT(s.n, 2);
		CHECK(strstr(err.ptr, "3 attempts") != NULL);
		if (k)
			CHECK(strstr(err.ptr, "overloaded_error: Overloaded"));
		CHECK(r.text == NULL && r.nr_calls == 0);
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	fm_stop(&f);
}

/* A wait longer than the bound is not waited: rate limited at once. */
void test_provider__rate_limit_beyond_bound(void)
{
	struct fm f;
	int k;

	REQUIRE(fm_start(&f, "[{\"status\": 429, \"headers\": "
			 "{\"Retry-After\": \"3600\"}, \"repeat\": true}]")
		== 0);
	for (k = 0; k < 2; k++) {
		struct sleeps s;
		struct agent_provider *p = prov_new(&f, kinds[k], &s, 3, KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", k);
		CHECK_INT(call(p, &req, &r, &err), TEND_ERATELIMIT);
		CHECK_INT(s.n, 0);
		CHECK(strstr(err.ptr, "rate limited by 127.0.0.1"));
		CHECK(strstr(err.ptr, k ? "rate_limit_error" :
			     "rate_limit_exceeded"));
		if (test__failed_now())
			printf("    %s: %s\n", kinds[k], err.ptr);
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	fm_stop(&f);
}

/* Anthropic refuses a request without anthropic-version. */
void test_provider__anthropic_version_required(void)
{
	static const char *const drop[] = { "anthropic-version:", NULL };
	struct agent_provider_opts o = { 0 };
	struct agent_provider *p = NULL;
	struct agent_response r;
	struct agent_request req;
	struct agent_message m;
	struct buf err = BUF_INIT;
	struct fm f;

	REQUIRE(fm_start(&f, "[{\"text\": \"never\"}]") == 0);
	o.kind = "anthropic";
	o.base_url = f.base;
	o.api_key = KEY;
	o.headers = drop;
	REQUIRE(agent_provider_new(&p, &o, &err) == 0);
	agent_response_init(&r);
	req_init(&req, &m, "hi", 0);
	CHECK_INT(call(p, &req, &r, &err), TEND_ERROR);
	CHECK(strstr(err.ptr, "anthropic-version: header is required"));
	agent_provider_free(p);
	agent_response_release(&r);
	buf_release(&err);
	fm_stop(&f);
}

void test_provider__timeout(void)
{
	struct fm f;
	int k;

	REQUIRE(fm_start(&f, "[{\"action\": \"timeout\", \"ms\": 3000, "
			 "\"repeat\": true}]") == 0);
	for (k = 0; k < 2; k++) {
		struct agent_provider *p = prov_new(&f, kinds[k], NULL, -1,
						    KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", k);
		req.timeout_ms = 300;
		CHECK_INT(call(p, &req, &r, &err), TEND_ETIMEOUT);
		CHECK(strstr(err.ptr, kinds[k]) == err.ptr);
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	fm_stop(&f);
}

void test_provider__context_length(void)
{
	struct fm f;
	int k, stream;

	REQUIRE(fm_start(&f, "[{\"error\": \"context_length\", "
			 "\"repeat\": true}]") == 0);
	for (k = 0; k < 2; k++) {
		for (stream = 0; stream < 2; stream++) {
			struct sleeps s;
			struct agent_provider *p = prov_new(&f, kinds[k], &s,
							    3, KEY);
			struct agent_response r;
			struct agent_request req;
			struct agent_message m;
			struct buf err = BUF_INIT;

			REQUIRE(p);
			agent_response_init(&r);
			req_init(&req, &m, "a very long prompt", stream);
			CHECK_INT(call(p, &req, &r, &err), AGENT_ECONTEXT);
			CHECK_INT(s.n, 0);
			CHECK(strstr(err.ptr, k ? "prompt is too long" :
				     "maximum context length"));
			agent_response_release(&r);
			buf_release(&err);
			agent_provider_free(p);
		}
	}
	fm_stop(&f);
}

/* Malformed arguments: kept raw, args NULL, and the call can go back. */
void test_provider__malformed_arguments(void)
{
	static const char bad[] = "{\\\"path\\\": \\\"a.c\\\"";
	char script[4096];
	struct fm f;
	int k, stream;

	snprintf(script, sizeof(script),
		 "[{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": "
		 "\"%s\"}], \"chunk\": 2}, {\"text\": \"sorry\"}, "
		 "{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": "
		 "\"%s\"}], \"chunk\": 2}, {\"text\": \"sorry\"}, "
		 "{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": "
		 "\"%s\"}], \"chunk\": 2}, {\"text\": \"sorry\"}, "
		 "{\"tool_calls\": [{\"name\": \"read_file\", \"arguments\": "
		 "\"%s\"}], \"chunk\": 2}, {\"text\": \"sorry\"}]",
		 bad, bad, bad, bad);
	REQUIRE(fm_start(&f, script) == 0);
	for (k = 0; k < 2; k++) {
		for (stream = 0; stream < 2; stream++) {
			struct agent_provider *p = prov_new(&f, kinds[k],
							    NULL, 0, KEY);
			struct agent_message msgs[3];
			struct agent_response r;
			struct agent_request req;
			struct buf err = BUF_INIT;

			REQUIRE(p);
			agent_response_init(&r);
			req_init(&req, &msgs[0], "read a.c", stream);
			CHECK_INT(call(p, &req, &r, &err), 0);
			REQUIRE(r.nr_calls == 1);
			CHECK_STR(r.calls[0].arguments, "{\"path\": \"a.c\"");
			CHECK(r.calls[0].args == NULL);
			CHECK_INT(r.stop, AGENT_STOP_TOOL_USE);
			agent_response_to_message(&msgs[1], &r);
			memset(&msgs[2], 0, sizeof(msgs[2]));
			msgs[2].role = AGENT_ROLE_TOOL;
			msgs[2].tool_call_id = msgs[1].calls[0].id;
			msgs[2].text = (char *)"error: arguments are not JSON";
			msgs[2].is_error = 1;
			req.nr_msgs = 3;
			CHECK_INT(call(p, &req, &r, &err), 0);
			CHECK_STR(r.text, "sorry");
			if (test__failed_now())
				printf("    %s stream=%d: %s\n", kinds[k],
				       stream, err.ptr);
			agent_message_release(&msgs[1]);
			agent_response_release(&r);
			buf_release(&err);
			agent_provider_free(p);
		}
	}
	fm_stop(&f);
}

/* Requests the real APIs refuse come back with the server's words. */
void test_provider__validation_errors(void)
{
	struct fm f;
	int k;

	REQUIRE(fm_start(&f, "[{\"text\": \"never\"}]") == 0);
	for (k = 0; k < 2; k++) {
		struct sleeps s;
		struct agent_provider *p = prov_new(&f, kinds[k], &s, 3, KEY);
		struct agent_message msgs[2];
		struct agent_response r;
		struct agent_request req;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &msgs[0], "hi", 0);
		/* A tool result that answers no call. */
		memset(&msgs[1], 0, sizeof(msgs[1]));
		msgs[1].role = AGENT_ROLE_TOOL;
		msgs[1].tool_call_id = (char *)"call_nowhere";
		msgs[1].text = (char *)"result";
		req.nr_msgs = 2;
		CHECK_INT(call(p, &req, &r, &err), TEND_ERROR);
		CHECK_INT(s.n, 0);
		CHECK(strstr(err.ptr, "HTTP 400 invalid_request_error"));
		CHECK(strstr(err.ptr, k ? "unexpected `tool_use_id`" :
			     "must be a response to a preceeding message"));
		if (test__failed_now())
			printf("    %s: %s\n", kinds[k], err.ptr);
		/* A tool message without an id never leaves. */
		msgs[1].tool_call_id = NULL;
		CHECK_INT(call(p, &req, &r, &err), TEND_EINVALID);
		CHECK(strstr(err.ptr, "message 1"));
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	{
		json_t *log = fm_log(&f);

		/* Two refused requests; the turn was never taken. */
		CHECK_INT(json_array_size(log), 2);
		json_decref(log);
	}
	fm_stop(&f);
}

void test_provider__auth(void)
{
	static const char wrong[] = "sk-tend-wrong-key-9876543210";
	struct fm f;
	int k;

	REQUIRE(fm_start(&f, "[{\"text\": \"never\"}]") == 0);
	for (k = 0; k < 2; k++) {
		struct agent_provider *p = prov_new(&f, kinds[k], NULL, 3,
						    wrong);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", k);
		CHECK_INT(call(p, &req, &r, &err), TEND_EAUTH);
		CHECK(strstr(err.ptr, "HTTP 401"));
		CHECK(strstr(err.ptr, k ? "invalid x-api-key" :
			     "Incorrect API key"));
		CHECK(!strstr(err.ptr, wrong));
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
		/* No key at all. */
		p = prov_new(&f, kinds[k], NULL, 3, NULL);
		REQUIRE(p);
		CHECK_INT(call(p, &req, &r, &err), TEND_EAUTH);
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	fm_stop(&f);
}

/* The key is sent in its auth header only and never shows in messages. */
void test_provider__key_secrecy(void)
{
	char trace[600];
	struct fm f;
	json_t *log, *e;
	size_t i;
	int k, fd;

	REQUIRE(fm_start(&f, "[{\"text\": \"fine\"}, {\"text\": \"fine\"}, "
			 "{\"status\": 400, \"message\": \"key " KEY
			 " is not valid here\", \"repeat\": true}]") == 0);
	/* Traced requests show the headers, credentials masked. */
	snprintf(trace, sizeof(trace), "%s/trace.log", test_tmpdir());
	fd = open(trace, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0);
	log_set_fd(fd);
	log_set_level(LOG_TRACE);
	for (k = 0; k < 2; k++) {
		struct agent_provider *p = prov_new(&f, kinds[k], NULL, 0,
						    KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", k);
		CHECK_INT(call(p, &req, &r, &err), 0);
		agent_response_release(&r);
		agent_provider_free(p);
		buf_release(&err);
	}
	log_set_level(LOG_WARN);
	log_set_fd(2);
	close(fd);
	{
		char text[65536];
		int in = open(trace, O_RDONLY);
		ssize_t n = in >= 0 ? read(in, text, sizeof(text) - 1) : -1;

		if (in >= 0)
			close(in);
		REQUIRE(n > 0);
		text[n] = '\0';
		CHECK(strstr(text, "x-api-key: ***"));
		CHECK(strstr(text, "Authorization: ***"));
		CHECK(!strstr(text, KEY));
	}
	for (k = 0; k < 2; k++) {
		struct agent_provider *p = prov_new(&f, kinds[k], NULL, 0,
						    KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", 0);
		CHECK_INT(call(p, &req, &r, &err), TEND_ERROR);
		CHECK(strstr(err.ptr, "is not valid here"));
		CHECK(!strstr(err.ptr, KEY));
		agent_response_release(&r);
		agent_provider_free(p);
		buf_release(&err);
	}
	log = fm_log(&f);
	CHECK_INT(json_array_size(log), 4);
	json_array_foreach(log, i, e) {
		const char *body = json_string_value(json_object_get(e,
								     "body"));
		json_t *pair;
		size_t j;
		int auth = 0;

		CHECK(body && !strstr(body, KEY));
		json_array_foreach(json_object_get(e, "header_list"), j, pair) {
			const char *name = json_string_value(
				json_array_get(pair, 0));
			const char *value = json_string_value(
				json_array_get(pair, 1));

			if (!strcasecmp(name, "authorization")) {
				CHECK_STR(value, "Bearer " KEY);
				auth++;
			} else if (!strcasecmp(name, "x-api-key")) {
				CHECK_STR(value, KEY);
				auth++;
			} else {
				CHECK(!strstr(value, KEY));
			}
		}
		CHECK_INT(auth, 1);
	}
	json_decref(log);
	fm_stop(&f);
}

void test_provider__stream_faults(void)
{
	struct fm f;
	int k;

	REQUIRE(fm_start(&f, "[{\"stream_error\": \"overloaded\"}, "
			 "{\"stream_error\": \"overloaded\"}, "
			 "{\"text\": \"cut in the middle of it\", "
			 "\"truncate\": true, \"repeat\": true}]") == 0);
	for (k = 0; k < 2; k++) {
		struct agent_provider *p = prov_new(&f, kinds[k], NULL, 0,
						    KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", 1);
		CHECK_INT(call(p, &req, &r, &err), TEND_ERROR);
		CHECK(strstr(err.ptr, k ? "overloaded_error" :
			     "stream failed: overloaded"));
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	for (k = 0; k < 2; k++) {
		struct agent_provider *p = prov_new(&f, kinds[k], NULL, 0,
						    KEY);
		struct agent_response r;
		struct agent_request req;
		struct agent_message m;
		struct buf err = BUF_INIT;

		REQUIRE(p);
		agent_response_init(&r);
		req_init(&req, &m, "hi", 1);
		CHECK_INT(call(p, &req, &r, &err), TEND_ERROR);
		CHECK(strstr(err.ptr, "ended before the answer was complete"));
		req.stream = 0;
		CHECK_INT(call(p, &req, &r, &err), TEND_EINVALID);
		CHECK(strstr(err.ptr, "invalid reply from http://127.0.0.1"));
		CHECK(strstr(err.ptr, "not JSON"));
		agent_response_release(&r);
		buf_release(&err);
		agent_provider_free(p);
	}
	fm_stop(&f);
}

void test_provider__base_url_and_headers(void)
{
	static const char *const extra[] = { "X-Tend-Test: yes", NULL };
	struct agent_provider_opts o = { 0 };
	struct config_provider cp = { 0 };
	struct agent_provider *p = NULL;
	struct agent_response r;
	struct agent_request req;
	struct agent_message m;
	struct buf err = BUF_INIT;
	char want[128];
	json_t *log, *b;
	struct fm f;

	REQUIRE(fm_start(&f, "[{\"text\": \"a\"}, {\"text\": \"b\"}, "
			 "{\"text\": \"c\"}]") == 0);
	agent_response_init(&r);
	req_init(&req, &m, "hi", 0);

	/* Like the vendors' SDKs: $OPENAI_BASE_URL when none is given. */
	setenv("OPENAI_BASE_URL", f.base, 1);
	o.kind = "openai";
	o.api_key = KEY;
	o.headers = extra;
	REQUIRE(agent_provider_new(&p, &o, &err) == 0);
	snprintf(want, sizeof(want), "%s/chat/completions", f.base);
	CHECK_STR(agent_provider_url(p), want);
	CHECK_INT(call(p, &req, &r, &err), 0);
	CHECK_STR(r.text, "a");
	agent_provider_free(p);

	/* The config's base_url wins; the key comes from its variable. */
	setenv("OPENAI_BASE_URL", "http://127.0.0.1:1", 1);
	setenv("TEND_TEST_MODEL_KEY", KEY, 1);
	snprintf(want, sizeof(want), "%s/v1/", f.base);
	cp.name = (char *)"local";
	cp.kind = (char *)"openai";
	cp.base_url = want;
	cp.api_key_env = (char *)"TEND_TEST_MODEL_KEY";
	REQUIRE(agent_provider_from_config(&p, &cp, &err) == 0);
	CHECK_STR(agent_provider_name(p), "local");
	req.max_tokens = 99;
	CHECK_INT(call(p, &req, &r, &err), 0);
	CHECK_STR(r.text, "b");
	agent_provider_free(p);

	/* OpenAI's reasoning models want max_completion_tokens. */
	o.base_url = want;
	o.openai_max_completion_tokens = 1;
	o.headers = NULL;
	REQUIRE(agent_provider_new(&p, &o, &err) == 0);
	CHECK_INT(call(p, &req, &r, &err), 0);
	agent_provider_free(p);

	log = fm_log(&f);
	CHECK_STR(json_string_value(json_object_get(json_object_get(
		json_array_get(log, 0), "headers"), "x-tend-test")), "yes");
	CHECK(!json_object_get(json_object_get(json_array_get(log, 1),
					       "headers"), "x-tend-test"));
	json_decref(log);
	b = fm_body(&f, 1);
	CHECK_INT(json_integer_value(json_object_get(b, "max_tokens")), 99);
	json_decref(b);
	b = fm_body(&f, 2);
	CHECK(!json_object_get(b, "max_tokens"));
	CHECK_INT(json_integer_value(json_object_get(b,
				"max_completion_tokens")), 99);
	json_decref(b);

	/* No key in the environment: the variable is named. */
	unsetenv("TEND_TEST_MODEL_KEY");
	cp.base_url = NULL;
	CHECK_INT(agent_provider_from_config(&p, &cp, &err), TEND_EAUTH);
	CHECK(strstr(err.ptr, "$TEND_TEST_MODEL_KEY"));
	cp.kind = (char *)"gemini";
	CHECK_INT(agent_provider_from_config(&p, &cp, &err), TEND_EINVALID);
	o.base_url = "ftp://example.com";
	CHECK_INT(agent_provider_new(&p, &o, &err), TEND_EINVALID);
	CHECK(p == NULL);

	unsetenv("OPENAI_BASE_URL");
	agent_response_release(&r);
	buf_release(&err);
	fm_stop(&f);
}

/* Record against the server, shut it down, replay the same calls. */
void test_provider__record_replay(void)
{
	struct agent_response rec[2], rep[2];
	struct agent_provider *p = NULL;
	struct agent_message msgs[3];
	struct agent_request req;
	struct buf err = BUF_INIT;
	char dir[600];
	struct fm f;
	int i, pass;

	snprintf(dir, sizeof(dir), "%s/rec/nested", test_tmpdir());
	REQUIRE(fm_start(&f, "[{\"text\": \"Reading.\", \"tool_calls\": "
			 "[{\"name\": \"read_file\", \"arguments\": "
			 "{\"path\": \"x\"}}], \"usage\": {\"input\": 9, "
			 "\"output\": 4, \"cache_read\": 2}}, "
			 "{\"text\": \"Done.\"}]") == 0);
	for (pass = 0; pass < 2; pass++) {
		struct agent_response *out = pass ? rep : rec;

		if (!pass) {
			p = prov_new(&f, "anthropic", NULL, 0, KEY);
			REQUIRE(p);
			REQUIRE(agent_replay_new(&p, AGENT_REPLAY_RECORD, dir,
						 p, &err) == 0);
		} else {
			REQUIRE(agent_replay_new(&p, AGENT_REPLAY_REPLAY, dir,
						 NULL, &err) == 0);
		}
		/* Streaming or not makes no difference to a recording. */
		req_init(&req, &msgs[0], "read x", !pass);
		agent_response_init(&out[0]);
		agent_response_init(&out[1]);
		CHECK_INT(agent_provider_complete(p, &req, &out[0], &err), 0);
		REQUIRE(out[0].nr_calls == 1);
		memset(&msgs[1], 0, sizeof(msgs[1]));
		msgs[1].role = AGENT_ROLE_ASSISTANT;
		msgs[1].text = out[0].text;
		msgs[1].calls = out[0].calls;
		msgs[1].nr_calls = out[0].nr_calls;
		memset(&msgs[2], 0, sizeof(msgs[2]));
		msgs[2].role = AGENT_ROLE_TOOL;
		msgs[2].tool_call_id = out[0].calls[0].id;
		msgs[2].text = (char *)"contents of x";
		req.nr_msgs = 3;
		CHECK_INT(agent_provider_complete(p, &req, &out[1], &err), 0);
		if (test__failed_now())
			printf("    pass %d: %s\n", pass, err.ptr);
		if (!pass)
			fm_stop(&f);
		else
			break;
		agent_provider_free(p);
		p = NULL;
	}
	for (i = 0; i < 2; i++) {
		CHECK_STR(rep[i].text, rec[i].text);
		CHECK_INT(rep[i].nr_calls, rec[i].nr_calls);
		CHECK_INT(rep[i].stop, rec[i].stop);
		CHECK_STR(rep[i].stop_raw, rec[i].stop_raw);
		CHECK_STR(rep[i].model, rec[i].model);
		CHECK(!memcmp(&rep[i].usage, &rec[i].usage,
			      sizeof(rec[i].usage)));
	}
	CHECK_STR(rep[0].calls[0].id, rec[0].calls[0].id);
	CHECK_STR(rep[0].calls[0].arguments, rec[0].calls[0].arguments);
	CHECK(json_equal(rep[0].calls[0].args, rec[0].calls[0].args));
	CHECK_INT(rec[0].usage.cache_read, 2);
	CHECK_STR(rep[1].text, "Done.");

	/* A changed request: not found, with the hash and the difference. */
	msgs[2].text = (char *)"other contents";
	CHECK_INT(agent_provider_complete(p, &req, &rep[1], &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "no recording of this request"));
	CHECK(strstr(err.ptr, "messages[2].text: \"other contents\" here, "
		     "\"contents of x\" recorded"));
	if (test__failed_now())
		printf("    %s\n", err.ptr);
	agent_provider_free(p);
	for (i = 0; i < 2; i++) {
		agent_response_release(&rec[i]);
		agent_response_release(&rep[i]);
	}
	buf_release(&err);
}

/* ----- the parsers on their own ----- */

void test_provider__openai_stream_pieces(void)
{
	/* Calls without index (some gateways), choices null, no [DONE]. */
	static const char body[] =
		": comment\n\n"
		"data: {\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":"
		"{\"content\":\"He\"}}]}\n\n"
		"data: {\"choices\":[{\"delta\":{\"content\":\"llo\","
		"\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\","
		"\"arguments\":\"{\\\"x\\\":\"}}]}}]}\n\n"
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":"
		"{\"arguments\":\"1}\"}}]}}]}\n\n"
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"b\","
		"\"function\":{\"name\":\"g\",\"arguments\":{\"y\":2}}}]}}]"
		"}\n\n"
		"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]"
		"}\n\n"
		"data: {\"choices\":null,\"usage\":{\"prompt_tokens\":5,"
		"\"completion_tokens\":2}}\n\n";
	struct agent_response r;
	struct buf err = BUF_INIT;

	agent_response_init(&r);
	CHECK_INT(agent_openai_parse(body, strlen(body), 1, &r, &err), 0);
	CHECK_STR(r.text, "Hello");
	CHECK_STR(r.model, "m1");
	REQUIRE(r.nr_calls == 2);
	CHECK_STR(r.calls[0].id, "a");
	CHECK_STR(r.calls[0].arguments, "{\"x\":1}");
	CHECK_STR(r.calls[1].name, "g");
	CHECK_INT(json_integer_value(json_object_get(r.calls[1].args, "y")),
		  2);
	/* "stop" with calls is a tool-use turn all the same. */
	CHECK_INT(r.stop, AGENT_STOP_TOOL_USE);
	CHECK_STR(r.stop_raw, "stop");
	CHECK_INT(r.usage.input, 5);
	CHECK_INT(r.usage.output, 2);
	agent_response_release(&r);
	buf_release(&err);
}

void test_provider__openai_plain_errors(void)
{
	struct agent_response r;
	struct buf err = BUF_INIT;
	const char *b;

	agent_response_init(&r);
	b = "{\"choices\":[{\"message\":{\"content\":\"x\",\"tool_calls\":"
		"[{\"id\":\"1\",\"function\":{}}]}}]}";
	CHECK_INT(agent_openai_parse(b, strlen(b), 0, &r, &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, "choices[0].message.tool_calls[0].function.name "
		  "is missing");
	CHECK(r.text == NULL);
	b = "{\"choices\":[]}";
	CHECK_INT(agent_openai_parse(b, strlen(b), 0, &r, &err),
		  TEND_EINVALID);
	b = "{\"error\":{\"message\":\"slow down\",\"code\":"
		"\"rate_limit_exceeded\"}}";
	CHECK_INT(agent_openai_parse(b, strlen(b), 0, &r, &err),
		  TEND_ERATELIMIT);
	CHECK(strstr(err.ptr, "slow down"));
	b = "data: {\"error\":{\"message\":\"This model's maximum context "
		"length is 8192 tokens\"}}\n\n";
	CHECK_INT(agent_openai_parse(b, strlen(b), 1, &r, &err),
		  AGENT_ECONTEXT);
	CHECK(strstr(err.ptr, "event 1: ") == err.ptr);
	b = "data: {\"choices\":[{\"delta\":{\"content\":5}}]}\n\n";
	CHECK_INT(agent_openai_parse(b, strlen(b), 1, &r, &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, "event 1: choices[0].delta.content is not a "
		  "string");
	/* A gateway's plain-string error and a refusal. */
	b = "{\"error\":\"model 'x' not found\"}";
	CHECK_INT(agent_openai_error(404, b, strlen(b), &err),
		  TEND_ENOTFOUND);
	CHECK_STR(err.ptr, "HTTP 404: model 'x' not found");
	b = "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":"
		"\"I can't\"},\"finish_reason\":\"content_filter\"}]}";
	CHECK_INT(agent_openai_parse(b, strlen(b), 0, &r, &err), 0);
	CHECK_STR(r.text, "I can't");
	CHECK_INT(r.stop, AGENT_STOP_OTHER);
	agent_response_release(&r);
	buf_release(&err);
}

void test_provider__anthropic_stream_pieces(void)
{
	static const char body[] =
		"event: message_start\r\n"
		"data: {\"type\":\"message_start\",\"message\":{\"model\":"
		"\"claude-x\",\"usage\":{\"input_tokens\":10,"
		"\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\r\n\r\n"
		"event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\n"
		"event: content_block_start\r\n"
		"data: {\"type\":\"content_block_start\",\"index\":0,"
		"\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}"
		"\r\n\r\n"
		"event: content_block_delta\r\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
		"{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}\r\n\r\n"
		"event: content_block_start\r\n"
		"data: {\"type\":\"content_block_start\",\"index\":1,"
		"\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\r\n\r\n"
		"event: content_block_delta\r\n"
		"data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
		"{\"type\":\"text_delta\",\"text\":\"Hi \"}}\r\n\r\n"
		"event: content_block_delta\r\n"
		"data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
		"{\"type\":\"text_delta\",\"text\":\"there\"}}\r\n\r\n"
		"event: content_block_start\r\n"
		"data: {\"type\":\"content_block_start\",\"index\":2,"
		"\"content_block\":{\"type\":\"tool_use\",\"id\":\"tu1\","
		"\"name\":\"run\",\"input\":{}}}\r\n\r\n"
		"event: content_block_stop\r\n"
		"data: {\"type\":\"content_block_stop\",\"index\":2}\r\n\r\n"
		"event: message_delta\r\n"
		"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
		"\"tool_use\"},\"usage\":{\"output_tokens\":12}}\r\n\r\n"
		"event: message_stop\r\n"
		"data: {\"type\":\"message_stop\"}\r\n\r\n";
	struct agent_response r;
	struct buf err = BUF_INIT;

	agent_response_init(&r);
	CHECK_INT(agent_anthropic_parse(body, strlen(body), 1, &r, &err), 0);
	CHECK_STR(r.text, "Hi there");
	REQUIRE(r.nr_calls == 1);
	CHECK_STR(r.calls[0].id, "tu1");
	CHECK_STR(r.calls[0].arguments, "{}");
	CHECK(json_is_object(r.calls[0].args));
	CHECK_INT(r.stop, AGENT_STOP_TOOL_USE);
	CHECK_INT(r.usage.input, 10);
	CHECK_INT(r.usage.cache_read, 4);
	CHECK_INT(r.usage.output, 12);
	CHECK_STR(r.model, "claude-x");
	agent_response_release(&r);
	buf_release(&err);
}

void test_provider__anthropic_errors(void)
{
	struct agent_response r;
	struct buf err = BUF_INIT;
	const char *b;

	agent_response_init(&r);
	b = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
		"\"rate_limit_error\",\"message\":\"slow\"}}\n\n";
	CHECK_INT(agent_anthropic_parse(b, strlen(b), 1, &r, &err),
		  TEND_ERATELIMIT);
	CHECK_STR(err.ptr, "event 1: error event rate_limit_error: slow");
	b = "event: content_block_delta\ndata: {\"type\":"
		"\"content_block_delta\",\"delta\":{\"type\":\"text_delta\","
		"\"text\":\"x\"}}\n\n";
	CHECK_INT(agent_anthropic_parse(b, strlen(b), 1, &r, &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, "event 1: 'index' is missing or not a small "
		  "number");
	b = "{\"type\":\"message\",\"content\":[{\"type\":\"tool_use\","
		"\"id\":\"t\",\"input\":{}}]}";
	CHECK_INT(agent_anthropic_parse(b, strlen(b), 0, &r, &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, "content[0].name is missing");
	b = "{\"type\":\"error\",\"error\":{\"type\":"
		"\"invalid_request_error\",\"message\":\"prompt is too long: "
		"300000 tokens > 200000 maximum\"}}";
	CHECK_INT(agent_anthropic_error(400, b, strlen(b), &err),
		  AGENT_ECONTEXT);
	CHECK_INT(agent_anthropic_error(413, "", 0, &err), AGENT_ECONTEXT);
	b = "{\"type\":\"error\",\"error\":{\"type\":"
		"\"permission_error\",\"message\":\"no\"}}";
	CHECK_INT(agent_anthropic_error(403, b, strlen(b), &err), TEND_EAUTH);
	b = "{\"type\":\"error\",\"error\":{\"type\":"
		"\"invalid_request_error\",\"message\":\"max_tokens: Field "
		"required\"},\"request_id\":\"req_1\"}";
	CHECK_INT(agent_anthropic_error(400, b, strlen(b), &err), TEND_ERROR);
	CHECK_STR(err.ptr, "HTTP 400 invalid_request_error: max_tokens: "
		  "Field required (request req_1)");
	agent_response_release(&r);
	buf_release(&err);
}

void test_provider__request_shapes(void)
{
	struct agent_message msgs[5];
	struct agent_tool_call call = { 0 };
	struct agent_request req;
	struct agent_tool_def tool = { "t", "d", NULL };
	struct buf out = BUF_INIT, err = BUF_INIT;
	json_error_t jerr;
	json_t *j, *m;

	/*
	 * Anthropic: user text after tool results goes in the same turn,
	 * after them; an empty assistant turn is dropped; cache breakpoints.
	 */
	memset(msgs, 0, sizeof(msgs));
	memset(&req, 0, sizeof(req));
	call.id = (char *)"c1";
	call.name = (char *)"t";
	call.arguments = (char *)"not json";
	msgs[0].role = AGENT_ROLE_USER;
	msgs[0].text = (char *)"q";
	msgs[1].role = AGENT_ROLE_ASSISTANT;
	msgs[1].calls = &call;
	msgs[1].nr_calls = 1;
	msgs[2].role = AGENT_ROLE_USER;
	msgs[2].text = (char *)"also this";
	msgs[3].role = AGENT_ROLE_TOOL;
	msgs[3].tool_call_id = (char *)"c1";
	msgs[3].text = (char *)"r\xff";
	msgs[4].role = AGENT_ROLE_ASSISTANT;
	req.model = "m";
	req.system = "s";
	req.msgs = msgs;
	req.nr_msgs = 5;
	req.tools = &tool;
	req.nr_tools = 1;
	req.cache_prompt = 1;
	req.has_temperature = 1;
	req.temperature = 0.2;
	CHECK_INT(agent_anthropic_request(&out, &req, &err), 0);
	j = json_loads(out.ptr, 0, &jerr);
	REQUIRE(j);
	m = json_object_get(j, "messages");
	CHECK_INT(json_array_size(m), 3);
	m = json_object_get(json_array_get(m, 2), "content");
	CHECK_STR(json_string_value(json_object_get(json_array_get(m, 0),
						    "type")), "tool_result");
	CHECK_STR(json_string_value(json_object_get(json_array_get(m, 0),
						    "content")),
		  "r\xef\xbf\xbd");
	CHECK_STR(json_string_value(json_object_get(json_array_get(m, 1),
						    "text")), "also this");
	CHECK(json_object_get(json_array_get(m, 1), "cache_control"));
	CHECK(json_object_get(json_array_get(json_object_get(j, "system"),
					     0), "cache_control"));
	CHECK(json_object_get(json_array_get(json_object_get(j, "tools"), 0),
			      "cache_control"));
	CHECK_INT(json_integer_value(json_object_get(j, "max_tokens")),
		  AGENT_DEFAULT_MAX_TOKENS);
	CHECK(strstr(out.ptr, "\"temperature\":0.2"));
	/* Malformed arguments go back as an empty input object. */
	m = json_object_get(json_array_get(json_object_get(j, "messages"), 1),
			    "content");
	CHECK_INT(json_object_size(json_object_get(json_array_get(m, 0),
						   "input")), 0);
	json_decref(j);

	/*
	 * OpenAI: the raw arguments go back as they came; tool results come
	 * right after the assistant turn, before user text.
	 */
	buf_reset(&out);
	req.nr_msgs = 4;
	CHECK_INT(agent_openai_request(&out, &req, 0, &err), 0);
	j = json_loads(out.ptr, 0, &jerr);
	REQUIRE(j);
	m = json_object_get(j, "messages");
	CHECK_INT(json_array_size(m), 5);
	CHECK(json_is_null(json_object_get(json_array_get(m, 2), "content")));
	CHECK_STR(json_string_value(json_object_get(json_array_get(m, 3),
						    "role")), "tool");
	CHECK_STR(json_string_value(json_object_get(json_array_get(m, 4),
						    "role")), "user");
	CHECK_STR(json_string_value(json_object_get(json_object_get(
		json_array_get(json_object_get(json_array_get(m, 2),
					       "tool_calls"), 0),
		"function"), "arguments")), "not json");
	json_decref(j);
	buf_release(&out);
	buf_release(&err);
}

/* ----- embeddings ----- */

static int embed(struct agent_provider *p, const char *const *texts,
		 size_t nr, long dim, struct agent_embeddings *out,
		 struct buf *err)
{
	struct agent_embed_request req = { 0 };

	req.model = "text-embedding-3-small";
	req.texts = texts;
	req.nr = nr;
	req.dimensions = dim;
	buf_reset(err);
	return agent_provider_embed(p, &req, out, err);
}

static double vec_dot(const float *a, const float *b, size_t dim)
{
	double s = 0;
	size_t i;

	for (i = 0; i < dim; i++)
		s += (double)a[i] * b[i];
	return s;
}

void test_provider__embeddings(void)
{
	static const char *const texts[] = {
		"int parse_header(struct buf *b)",
		"the weather is fine",
		"parse the header of a buffer",
		"int parse_header(struct buf *b)",
	};
	struct fm f;
	struct agent_provider *p;
	struct agent_embeddings e;
	struct buf err = BUF_INIT;
	json_t *body, *log;
	size_t i;

	REQUIRE(fm_start(&f, "[]") == 0);
	p = prov_new(&f, "openai", NULL, 0, KEY);
	REQUIRE(p);
	agent_embeddings_init(&e);
	CHECK_INT(embed(p, texts, 4, 16, &e, &err), 0);
	if (err.len)
		printf("    %s\n", err.ptr);
	REQUIRE(e.data && e.nr == 4 && e.dim == 16);
	for (i = 0; i < 4; i++) {
		double n = vec_dot(e.data + i * 16, e.data + i * 16, 16);

		CHECK(n > 0.999 && n < 1.001);
	}
	/* Same text, same vector; shared words closer than none. */
	CHECK(vec_dot(e.data, e.data + 3 * 16, 16) > 0.999);
	CHECK(vec_dot(e.data, e.data + 2 * 16, 16) >
	      vec_dot(e.data, e.data + 16, 16));
	CHECK_STR(e.model, "text-embedding-3-small");
	CHECK(e.usage.input > 0);
	CHECK_INT(e.usage.output, 0);
	/* The request: model, the texts, dimensions; the key as Bearer. */
	body = fm_body(&f, 0);
	CHECK_STR(json_string_value(json_object_get(body, "model")),
		  "text-embedding-3-small");
	CHECK_INT(json_array_size(json_object_get(body, "input")), 4);
	CHECK_STR(json_string_value(json_array_get(json_object_get(body,
								   "input"),
						   1)), texts[1]);
	CHECK_INT(json_integer_value(json_object_get(body, "dimensions")), 16);
	json_decref(body);
	log = fm_log(&f);
	CHECK_STR(json_string_value(json_object_get(json_array_get(log, 0),
						    "path")), "/v1/embeddings");
	CHECK_STR(json_string_value(json_object_get(
		json_object_get(json_array_get(log, 0), "headers"),
		"authorization")), "Bearer " KEY);
	json_decref(log);
	/* Without dimensions: none sent, the model's own length. */
	CHECK_INT(embed(p, texts, 1, 0, &e, &err), 0);
	CHECK_INT(e.dim, 64);
	body = fm_body(&f, 1);
	CHECK(json_object_get(body, "dimensions") == NULL);
	json_decref(body);
	agent_embeddings_release(&e);
	agent_provider_free(p);
	fm_stop(&f);
	buf_release(&err);
}

/* Many texts go in batches; each vector stays with its text. */
void test_provider__embeddings_batches(void)
{
	enum { N = 2 * AGENT_EMBED_BATCH + 5 };
	static char words[N][32];
	const char *texts[N];
	char *big;
	const char *odd[2];
	struct fm f;
	struct agent_provider *p;
	struct agent_embeddings all, one;
	struct buf err = BUF_INIT;
	json_t *log, *body;
	size_t i;

	for (i = 0; i < N; i++) {
		snprintf(words[i], sizeof(words[i]), "word%zu other%zu", i,
			 i % 7);
		texts[i] = words[i];
	}
	REQUIRE(fm_start(&f, "[]") == 0);
	p = prov_new(&f, "openai", NULL, 0, KEY);
	REQUIRE(p);
	agent_embeddings_init(&all);
	agent_embeddings_init(&one);
	CHECK_INT(embed(p, texts, N, 32, &all, &err), 0);
	REQUIRE(all.nr == N && all.dim == 32);
	log = fm_log(&f);
	CHECK_INT(json_array_size(log), 3);
	json_decref(log);
	for (i = 0; i < N; i += 97) {
		CHECK_INT(embed(p, &texts[i], 1, 32, &one, &err), 0);
		REQUIRE(one.nr == 1);
		CHECK(vec_dot(one.data, all.data + i * 32, 32) > 0.999);
	}
	/* An empty text goes as " ", a huge one cut. */
	big = malloc(AGENT_EMBED_TEXT_MAX + 100);
	REQUIRE(big);
	memset(big, 'x', AGENT_EMBED_TEXT_MAX + 99);
	big[AGENT_EMBED_TEXT_MAX + 99] = '\0';
	odd[0] = "";
	odd[1] = big;
	CHECK_INT(embed(p, odd, 2, 8, &one, &err), 0);
	CHECK_INT(one.nr, 2);
	log = fm_log(&f);
	body = fm_body(&f, json_array_size(log) - 1);
	CHECK_STR(json_string_value(json_array_get(json_object_get(body,
								   "input"),
						   0)), " ");
	CHECK_INT(strlen(json_string_value(json_array_get(
		json_object_get(body, "input"), 1))), AGENT_EMBED_TEXT_MAX);
	json_decref(body);
	json_decref(log);
	free(big);
	agent_embeddings_release(&all);
	agent_embeddings_release(&one);
	agent_provider_free(p);
	fm_stop(&f);
	buf_release(&err);
}

void test_provider__embeddings_errors(void)
{
	static const char *const two[] = { "a b", "c d" };
	static const char script[] =
		"{\"turns\": [], \"embeddings\": ["
		"{\"status\": 500}, {},"
		"{\"status\": 400, \"message\": \"input too odd\"},"
		"{\"vectors\": [[1, 0]]},"
		"{\"vectors\": [[1, 0], [1, 0, 0]]},"
		"{\"status\": 200, \"body\": {\"error\": {\"message\": "
		"\"quota\", \"code\": \"rate_limit_exceeded\"}}},"
		"{\"status\": 200, \"body\": \"not json\"}]}";
	struct fm f;
	struct agent_provider *p;
	struct agent_embeddings e;
	struct sleeps sl;
	struct buf err = BUF_INIT;

	REQUIRE(fm_start(&f, script) == 0);
	p = prov_new(&f, "openai", &sl, 2, KEY);
	REQUIRE(p);
	agent_embeddings_init(&e);
	/* A 500, retried, then answered. */
	CHECK_INT(embed(p, two, 2, 4, &e, &err), 0);
	CHECK_INT(sl.n, 1);
	CHECK_INT(e.nr, 2);
	CHECK_INT(embed(p, two, 2, 4, &e, &err), TEND_ERROR);
	CHECK(strstr(err.ptr, "HTTP 400") && strstr(err.ptr, "input too odd"));
	CHECK(strstr(err.ptr, "embeddings model 'text-embedding-3-small'"));
	CHECK(e.data == NULL && e.nr == 0);
	CHECK_INT(embed(p, two, 2, 4, &e, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "'data' has 1 vectors for 2 texts") != NULL);
	CHECK_INT(embed(p, two, 2, 4, &e, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "data[1].embedding has 3 numbers, not 2") !=
	      NULL);
	CHECK_INT(embed(p, two, 2, 4, &e, &err), TEND_ERATELIMIT);
	CHECK_INT(embed(p, two, 2, 4, &e, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "not JSON") != NULL);
	CHECK(e.data == NULL);
	/* Requests that cannot be made. */
	CHECK_INT(embed(p, two, 0, 4, &e, &err), TEND_EINVALID);
	{
		struct agent_embed_request req = { 0 };

		req.texts = two;
		req.nr = 2;
		buf_reset(&err);
		CHECK_INT(agent_provider_embed(p, &req, &e, &err),
			  TEND_EINVALID);
		CHECK(strstr(err.ptr, "no embedding model") != NULL);
	}
	agent_provider_free(p);
	/* The wrong key: refused, and not shown. */
	p = prov_new(&f, "openai", NULL, 0, "sk-tend-wrong-key-9876543210");
	REQUIRE(p);
	CHECK_INT(embed(p, two, 2, 4, &e, &err), TEND_EAUTH);
	CHECK(strstr(err.ptr, "HTTP 401") != NULL);
	CHECK(strstr(err.ptr, "sk-tend-wrong-key-9876543210") == NULL);
	agent_provider_free(p);
	/* Anthropic has no embeddings endpoint; nothing is sent. */
	p = prov_new(&f, "anthropic", NULL, 0, KEY);
	REQUIRE(p);
	CHECK_INT(embed(p, two, 2, 4, &e, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "no embeddings endpoint") != NULL);
	agent_provider_free(p);
	{
		json_t *log = fm_log(&f);

		/* 2 + 1 + 1 + 1 + 1 + 1 + wrong key 1 */
		CHECK_INT(json_array_size(log), 8);
		json_decref(log);
	}
	agent_embeddings_release(&e);
	fm_stop(&f);
	buf_release(&err);
}

/* The parser alone: order by index, and what it refuses. */
void test_provider__embeddings_parse(void)
{
	static const char good[] =
		"{\"data\": [{\"index\": 1, \"embedding\": [0.5, 1]},"
		" {\"index\": 0, \"embedding\": [2, -3e-2]}],"
		" \"model\": \"m-2024\", \"usage\": {\"prompt_tokens\": 7}}";
	static const char shorter[] =
		"{\"data\": [{\"embedding\": [1]}, {\"embedding\": [1]}]}";
	static const struct {
		const char *body;
		const char *msg;
	} bad[] = {
		{ "[]", "not a JSON object" },
		{ "{}", "'data' is missing" },
		{ "{\"data\": [{\"index\": 0, \"embedding\": [1]},"
		  " {\"index\": 0, \"embedding\": [1]}]}",
		  "a second vector for index 0" },
		{ "{\"data\": [{\"index\": 5, \"embedding\": [1]},"
		  " {\"index\": 0, \"embedding\": [1]}]}",
		  "data[0].index is not a number from 0 to 1" },
		{ "{\"data\": [{\"embedding\": [1]},"
		  " {\"embedding\": \"AAA=\"}]}",
		  "data[1].embedding is missing" },
		{ "{\"data\": [{\"embedding\": [1]},"
		  " {\"embedding\": [\"x\"]}]}",
		  "data[1].embedding[0] is not a finite number" },
		{ "{\"data\": [{\"embedding\": [1]}, {\"embedding\": [1e39]}]}",
		  "data[1].embedding[0] is not a finite number" },
		{ "{\"data\": [{\"embedding\": []}, {\"embedding\": [1]}]}",
		  "data[0].embedding is missing, empty" },
	};
	struct agent_embeddings e;
	struct buf err = BUF_INIT;
	size_t i;

	agent_embeddings_init(&e);
	CHECK_INT(agent_openai_embed_parse(good, strlen(good), 0, 2, 2, &e,
					   &err), 0);
	REQUIRE(e.data && e.dim == 2 && e.nr == 2);
	CHECK(e.data[0] == 2.0f && e.data[1] < -0.0299f &&
	      e.data[1] > -0.0301f);
	CHECK(e.data[2] == 0.5f && e.data[3] == 1.0f);
	CHECK_INT(e.usage.input, 7);
	CHECK_STR(e.model, "m-2024");
	agent_embeddings_release(&e);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&err);
		CHECK_INT(agent_openai_embed_parse(bad[i].body,
						   strlen(bad[i].body), 0, 2,
						   2, &e, &err),
			  TEND_EINVALID);
		if (!strstr(err.ptr, bad[i].msg))
			printf("    %zu: %s\n", i, err.ptr);
		CHECK(strstr(err.ptr, bad[i].msg) != NULL);
		CHECK(e.data == NULL);
	}
	/* A later batch must have the first one's length. */
	CHECK_INT(agent_openai_embed_parse(good, strlen(good), 0, 2, 4, &e,
					   &err), 0);
	CHECK_INT(agent_openai_embed_parse(shorter, strlen(shorter), 2, 2, 4,
					   &e, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "has 1 numbers, not 2") != NULL);
	agent_embeddings_release(&e);
	buf_release(&err);
}

/* A custom provider may embed too; one without the op cannot. */
static int fake_embed(void *data, const struct agent_embed_request *req,
		      struct agent_embeddings *out, struct buf *err)
{
	size_t i;

	(void)data;
	(void)err;
	out->dim = 2;
	out->nr = req->nr;
	out->data = calloc(req->nr * 2, sizeof(float));
	for (i = 0; i < req->nr; i++)
		out->data[i * 2] = (float)strlen(req->texts[i]);
	out->usage.input = (long)req->nr;
	return 0;
}

static int fake_complete(void *data, const struct agent_request *req,
			 struct agent_response *out, struct buf *err)
{
	(void)data;
	(void)req;
	(void)out;
	return error_set(err, TEND_ERROR, "not here");
}

void test_provider__embeddings_custom(void)
{
	static const struct agent_provider_ops with = {
		fake_complete, NULL, NULL, fake_embed
	};
	static const struct agent_provider_ops without = {
		fake_complete, NULL, NULL, NULL
	};
	static const char *const texts[] = { "abc", "de" };
	struct agent_provider *p = agent_provider_custom("mine", &with, NULL);
	struct agent_embeddings e;
	struct buf err = BUF_INIT;

	agent_embeddings_init(&e);
	CHECK_INT(embed(p, texts, 2, 0, &e, &err), 0);
	CHECK(e.nr == 2 && e.dim == 2 && e.data[0] == 3.0f &&
	      e.data[2] == 2.0f);
	CHECK_STR(e.model, "text-embedding-3-small");
	agent_provider_free(p);
	p = agent_provider_custom("plain", &without, NULL);
	CHECK_INT(embed(p, texts, 2, 0, &e, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "provider 'plain' has no embeddings") != NULL);
	agent_provider_free(p);
	agent_embeddings_release(&e);
	buf_release(&err);
}
