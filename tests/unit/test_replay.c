/*
 * test_replay.c - record and replay over an in-process scripted provider
 * (agent_provider_custom()), so no server is needed: the canonical form
 * and its hash, the files written, context errors, missing and tampered
 * recordings.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agents/provider.h"
#include "agents/replay.h"
#include "common/buf.h"
#include "common/error.h"
#include "tests/unit/test.h"

/* A provider that answers "echo: <last text>" and counts its calls. */
struct echo {
	int calls;
	int context_error;	/* answer with AGENT_ECONTEXT */
	int freed;
};

static int echo_complete(void *data, const struct agent_request *req,
			 struct agent_response *out, struct buf *err)
{
	struct echo *e = data;
	const char *last = req->nr_msgs ? req->msgs[req->nr_msgs - 1].text : "";

	e->calls++;
	if (e->context_error)
		return error_set(err, AGENT_ECONTEXT, "prompt is too long");
	out->text = malloc(strlen(last ? last : "") + 7);
	sprintf(out->text, "echo: %s", last ? last : "");
	agent_response_add_call(out, "c1", "read_file", "{\"path\":\"x\"}");
	out->stop = AGENT_STOP_TOOL_USE;
	out->stop_raw = strdup("tool_use");
	out->usage.input = 11;
	out->usage.output = 3;
	out->usage.cache_read = 2;
	out->model = strdup("echo-1");
	return 0;
}

static void echo_free(void *data)
{
	((struct echo *)data)->freed = 1;
}

static const struct agent_provider_ops echo_ops = {
	echo_complete, echo_free, NULL
};

static void req_init(struct agent_request *req, struct agent_message *m,
		     const char *text)
{
	memset(req, 0, sizeof(*req));
	memset(m, 0, sizeof(*m));
	m->role = AGENT_ROLE_USER;
	m->text = (char *)text;
	req->model = "m";
	req->system = "sys";
	req->msgs = m;
	req->nr_msgs = 1;
}

static int count_files(const char *dir, const char *suffix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name), sl = strlen(suffix);

		if (len >= sl && !strcmp(de->d_name + len - sl, suffix))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

void test_replay__canonical_and_hash(void)
{
	struct agent_request a, b;
	struct agent_message ma, mb;
	char ha[AGENT_REPLAY_HASH_LEN + 1], hb[AGENT_REPLAY_HASH_LEN + 1];
	char *ca, *cb;

	req_init(&a, &ma, "hello");
	req_init(&b, &mb, "hello");
	b.stream = 1;
	b.timeout_ms = 5;
	b.cache_prompt = 1;
	ca = agent_replay_canonical(&a);
	cb = agent_replay_canonical(&b);
	CHECK_STR(ca, cb);
	CHECK_STR(ca, "{\"max_tokens\":0,\"messages\":[{\"role\":\"user\","
		  "\"text\":\"hello\"}],\"model\":\"m\",\"system\":\"sys\","
		  "\"temperature\":null,\"tools\":[]}");
	agent_replay_hash(&a, ha);
	agent_replay_hash(&b, hb);
	CHECK_STR(ha, hb);
	CHECK_INT(strlen(ha), AGENT_REPLAY_HASH_LEN);
	CHECK_INT(strspn(ha, "0123456789abcdef"), AGENT_REPLAY_HASH_LEN);
	mb.text = (char *)"hellp";
	agent_replay_hash(&b, hb);
	CHECK(strcmp(ha, hb));
	b.has_temperature = 1;
	free(cb);
	cb = agent_replay_canonical(&b);
	CHECK(strstr(cb, "\"temperature\":0"));
	free(ca);
	free(cb);
}

void test_replay__record_then_replay(void)
{
	struct echo e = { 0 };
	struct agent_provider *p;
	struct agent_response r1, r2;
	struct agent_request req;
	struct agent_message m;
	struct buf err = BUF_INIT;
	char dir[600];

	snprintf(dir, sizeof(dir), "%s/a/b", test_tmpdir());
	agent_response_init(&r1);
	agent_response_init(&r2);
	req_init(&req, &m, "first");
	/* More digits than a recording keeps. */
	req.has_temperature = 1;
	req.temperature = 0.123456789;
	p = agent_provider_custom("echo", &echo_ops, &e);
	REQUIRE(agent_replay_new(&p, AGENT_REPLAY_RECORD, dir, p, &err) == 0);
	CHECK_STR(agent_provider_name(p), "echo");
	CHECK_INT(agent_provider_complete(p, &req, &r1, &err), 0);
	CHECK_INT(e.calls, 1);
	CHECK_INT(count_files(dir, ".json"), 1);
	CHECK_INT(count_files(dir, ".tmp"), 0);
	agent_provider_free(p);
	CHECK_INT(e.freed, 1);

	REQUIRE(agent_replay_new(&p, AGENT_REPLAY_REPLAY, dir, NULL,
				 &err) == 0);
	CHECK_INT(agent_provider_complete(p, &req, &r2, &err), 0);
	CHECK_STR(r2.text, "echo: first");
	CHECK_STR(r2.text, r1.text);
	REQUIRE(r2.nr_calls == 1);
	CHECK_STR(r2.calls[0].id, "c1");
	CHECK_STR(r2.calls[0].arguments, "{\"path\":\"x\"}");
	CHECK(json_is_object(r2.calls[0].args));
	CHECK_INT(r2.stop, AGENT_STOP_TOOL_USE);
	CHECK_STR(r2.stop_raw, "tool_use");
	CHECK_STR(r2.model, "echo-1");
	CHECK_INT(r2.usage.input, 11);
	CHECK_INT(r2.usage.output, 3);
	CHECK_INT(r2.usage.cache_read, 2);
	CHECK_INT(e.calls, 1);

	/* Deterministic: again and again the same answer. */
	CHECK_INT(agent_provider_complete(p, &req, &r2, &err), 0);
	CHECK_STR(r2.text, "echo: first");

	/* Another request: not found, closest recording named. */
	m.text = (char *)"second";
	CHECK_INT(agent_provider_complete(p, &req, &r2, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "replay of model 'm': no recording of this "
		     "request in '"));
	CHECK(strstr(err.ptr, "1 message)"));
	CHECK(strstr(err.ptr, "the closest of 1 recording, '"));
	CHECK(strstr(err.ptr, "first differs at messages[0].text: "
		     "\"second\" here, \"first\" recorded"));
	CHECK(r2.text == NULL);
	/* A structural difference: more messages than recorded. */
	{
		struct agent_message two[2];

		two[0] = m;
		two[0].text = (char *)"first";
		two[1] = m;
		req.msgs = two;
		req.nr_msgs = 2;
		CHECK_INT(agent_provider_complete(p, &req, &r2, &err),
			  TEND_ENOTFOUND);
		CHECK(strstr(err.ptr, "messages: 2 items here, 1 recorded"));
		req.msgs = &m;
		req.nr_msgs = 1;
	}
	if (test__failed_now())
		printf("    %s\n", err.ptr);
	agent_provider_free(p);
	agent_response_release(&r1);
	agent_response_release(&r2);
	buf_release(&err);
}

void test_replay__context_error_recorded(void)
{
	struct echo e = { 0 };
	struct agent_provider *p;
	struct agent_response r;
	struct agent_request req;
	struct agent_message m;
	struct buf err = BUF_INIT;
	const char *dir = test_tmpdir();

	agent_response_init(&r);
	req_init(&req, &m, "huge");
	e.context_error = 1;
	p = agent_provider_custom("echo", &echo_ops, &e);
	REQUIRE(agent_replay_new(&p, AGENT_REPLAY_RECORD, dir, p, &err) == 0);
	CHECK_INT(agent_provider_complete(p, &req, &r, &err), AGENT_ECONTEXT);
	CHECK_STR(err.ptr, "prompt is too long");
	agent_provider_free(p);

	REQUIRE(agent_replay_new(&p, AGENT_REPLAY_REPLAY, dir, NULL,
				 &err) == 0);
	CHECK_INT(agent_provider_complete(p, &req, &r, &err), AGENT_ECONTEXT);
	CHECK(strstr(err.ptr, "prompt is too long (recorded)"));
	agent_provider_free(p);
	buf_release(&err);
}

void test_replay__bad_recordings(void)
{
	struct agent_provider *p;
	struct agent_response r;
	struct agent_request req;
	struct agent_message m;
	struct buf err = BUF_INIT;
	char hash[AGENT_REPLAY_HASH_LEN + 1], path[700];
	const char *dir = test_tmpdir();

	agent_response_init(&r);
	req_init(&req, &m, "x");
	REQUIRE(agent_replay_new(&p, AGENT_REPLAY_REPLAY, dir, NULL,
				 &err) == 0);
	CHECK_INT(agent_provider_complete(p, &req, &r, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "the directory holds no recordings"));

	agent_replay_hash(&req, hash);
	snprintf(path, sizeof(path), "%s/%s.json", dir, hash);
	REQUIRE(test_write(path, "{not json", 9) == 0);
	CHECK_INT(agent_provider_complete(p, &req, &r, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "is not valid JSON"));

	/* A recording of another request under this request's name. */
	{
		static const char doc[] = "{\"request\": {\"model\": "
			"\"other\"}, \"response\": {\"text\": \"t\", "
			"\"stop\": \"end\"}}";

		REQUIRE(test_write(path, doc, strlen(doc)) == 0);
		CHECK_INT(agent_provider_complete(p, &req, &r, &err),
			  TEND_EINVALID);
		CHECK(strstr(err.ptr, "is of another request"));
	}
	{
		char *canon = agent_replay_canonical(&req);
		struct buf doc = BUF_INIT;

		buf_printf(&doc, "{\"request\": %s, \"response\": {\"text\": "
			   "\"t\", \"stop\": \"sideways\"}}", canon);
		REQUIRE(test_write(path, doc.ptr, doc.len) == 0);
		CHECK_INT(agent_provider_complete(p, &req, &r, &err),
			  TEND_EINVALID);
		CHECK(strstr(err.ptr, "no valid response"));
		buf_reset(&doc);
		buf_printf(&doc, "{\"request\": %s, \"response\": {\"text\": "
			   "\"t\", \"stop\": \"end\", \"calls\": [{}]}}",
			   canon);
		REQUIRE(test_write(path, doc.ptr, doc.len) == 0);
		CHECK_INT(agent_provider_complete(p, &req, &r, &err),
			  TEND_EINVALID);
		CHECK(strstr(err.ptr, "calls[0] needs id, name"));
		buf_reset(&doc);
		buf_printf(&doc, "{\"request\": %s, \"response\": {\"text\": "
			   "\"hand-written\", \"stop\": \"end\"}}", canon);
		REQUIRE(test_write(path, doc.ptr, doc.len) == 0);
		CHECK_INT(agent_provider_complete(p, &req, &r, &err), 0);
		CHECK_STR(r.text, "hand-written");
		CHECK_STR(r.model, "m");
		free(canon);
		buf_release(&doc);
	}
	agent_provider_free(p);

	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK_INT(agent_replay_new(&p, AGENT_REPLAY_REPLAY, path, NULL, &err),
		  TEND_ENOTFOUND);
	CHECK(p == NULL);
	agent_response_release(&r);
	buf_release(&err);
}
