/*
 * test_http.c - the HTTP client against tests/lib/fakehttp.py on 127.0.0.1,
 * and the header parsers on their own.
 *
 * Each server test starts its own fakehttp.py with a script, talks to it,
 * reads back the request log the server keeps, and kills the server. Waits
 * are recorded by a sleep hook instead of slept, except in one test.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/http.h"
#include "common/log.h"
#include "common/redact.h"
#include "tests/unit/test.h"

struct fake {
	pid_t pid;
	int port;
	char base[64];
	char log_path[600];
	enum log_level level;
};

/* A server a failed REQUIRE left running; stopped by the next start. */
static pid_t fake_leftover;

/* Start fakehttp.py with `script` (JSON); 0 on success. */
static int fake_start(struct fake *f, const char *script)
{
	char dir[512], script_path[600], server[1100], line[32];
	struct pollfd pfd;
	size_t got = 0;
	int fds[2];
	char *end;
	long port;

	if (fake_leftover > 0) {
		kill(fake_leftover, SIGTERM);
		waitpid(fake_leftover, NULL, 0);
		fake_leftover = 0;
	}
	memset(f, 0, sizeof(*f));
	/* A proxy in the environment must not see loopback traffic. */
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(script_path, sizeof(script_path), "%s/script.json", dir);
	snprintf(f->log_path, sizeof(f->log_path), "%s/log.json", dir);
	snprintf(server, sizeof(server), "%s", test_fixture("lib/fakehttp.py"));
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
		       script_path, "--log", f->log_path, "--timeout", "60",
		       "--watch-parent", (char *)NULL);
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
	fake_leftover = f->pid;
	/* "rate limited ..., waiting" is for CI logs, not for test output. */
	f->level = log_get_level();
	if (f->level > LOG_WARN)
		log_set_level(LOG_WARN);
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
	return 0;
}

static void fake_stop(struct fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		if (fake_leftover == f->pid)
			fake_leftover = 0;
		log_set_level(f->level);
	}
	f->pid = 0;
}

/* The server's request log; the caller decrefs. */
static json_t *fake_log(const struct fake *f)
{
	json_error_t jerr;

	return json_load_file(f->log_path, 0, &jerr);
}

static size_t fake_count(const struct fake *f, const char *method)
{
	json_t *log = fake_log(f), *e;
	size_t i, n = 0;

	json_array_foreach(log, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "method")),
			    method))
			n++;
	json_decref(log);
	return n;
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

static struct http_client *client_new(struct sleeps *s, int retries,
				      long max_wait_ms, size_t max_response)
{
	struct http_client_opts o = { 0 };
	struct http_client *c;

	o.connect_timeout_ms = 3000;
	o.timeout_ms = 5000;
	o.max_retries = retries;
	o.backoff_base_ms = 100;
	o.backoff_max_ms = 1000;
	o.max_wait_ms = max_wait_ms;
	o.max_response = max_response;
	c = http_client_new(&o);
	if (s) {
		memset(s, 0, sizeof(*s));
		http_client_set_sleep(c, sleeps_record, s);
	}
	return c;
}

/* GET base+path into `r`; returns what http_send returns. */
static int get(struct http_client *c, const struct fake *f, const char *path,
	       struct http_response *r, struct buf *err)
{
	struct http_request req = { 0 };
	char url[256];

	snprintf(url, sizeof(url), "%s%s", f->base, path);
	req.url = url;
	return http_send(c, &req, r, err);
}

static int post(struct http_client *c, const struct fake *f, const char *path,
		long timeout_ms, struct http_response *r, struct buf *err)
{
	struct http_request req = { 0 };
	char url[256];

	snprintf(url, sizeof(url), "%s%s", f->base, path);
	req.method = "POST";
	req.url = url;
	req.body = "{\"a\":1}";
	req.body_len = 7;
	req.timeout_ms = timeout_ms;
	return http_send(c, &req, r, err);
}

void test_http__plain_get(void)
{
	struct http_response r;
	struct buf err = BUF_INIT;
	struct http_client *c;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"method\":\"GET\","
			   "\"path\":\"/hello\",\"headers\":{\"X-Test\":\"a\","
			   "\"x-test\":\"b\"},\"body\":\"hi there\"}]}") == 0);
	c = client_new(NULL, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/hello", &r, &err), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body.ptr, "hi there");
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.maybe_sent, 0);
	CHECK_STR(http_response_header(&r, "X-TEST"), "b");
	CHECK_STR(http_response_header(&r, "content-length"), "8");
	CHECK(http_response_header(&r, "x-missing") == NULL);
	/* 404 is an answer for the caller, not an error. */
	CHECK_INT(get(c, &f, "/nothing", &r, &err), 0);
	CHECK_INT(r.status, 404);
	CHECK(strstr(r.body.ptr, "no scripted step") != NULL);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__user_agent_and_headers(void)
{
	static const char *const defaults[] = {
		"X-Default: one", "Accept: text/plain", NULL
	};
	static const char *const mine[] = {
		"Accept: application/json", "X-Mine: two", NULL
	};
	struct http_client_opts o = { 0 };
	struct http_request req = { 0 };
	struct http_response r;
	struct http_client *c;
	struct fake f;
	char url[128];
	json_t *log, *h;

	REQUIRE(fake_start(&f, "{\"steps\":[]}") == 0);
	o.headers = defaults;
	c = http_client_new(&o);
	http_response_init(&r);
	snprintf(url, sizeof(url), "%s/h", f.base);
	req.url = url;
	req.method = "PATCH";
	req.headers = mine;
	req.body = "payload";
	req.body_len = 7;
	CHECK_INT(http_send(c, &req, &r, NULL), 0);
	log = fake_log(&f);
	REQUIRE(json_array_size(log) == 1);
	h = json_object_get(json_array_get(log, 0), "headers");
	CHECK_STR(json_string_value(json_object_get(h, "user-agent")),
		  "tend/" TEND_VERSION);
	CHECK_STR(json_string_value(json_object_get(h, "x-default")), "one");
	CHECK_STR(json_string_value(json_object_get(h, "x-mine")), "two");
	CHECK_STR(json_string_value(json_object_get(h, "accept")),
		  "application/json");
	CHECK(json_object_get(h, "expect") == NULL);
	CHECK_STR(json_string_value(json_object_get(json_array_get(log, 0),
						    "method")), "PATCH");
	CHECK_STR(json_string_value(json_object_get(json_array_get(log, 0),
						    "body")), "payload");
	json_decref(log);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__keep_alive_reuses_connection(void)
{
	struct http_response r;
	struct http_client *c;
	struct fake f;
	json_t *log;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/a\",\"times\":0}]}")
		== 0);
	c = client_new(NULL, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/a", &r, NULL), 0);
	CHECK_INT(get(c, &f, "/a", &r, NULL), 0);
	CHECK_INT(get(c, &f, "/a", &r, NULL), 0);
	CHECK_INT(r.status, 200);
	/* A POST must not ride on a connection curl could resend it on. */
	CHECK_INT(post(c, &f, "/a", 0, &r, NULL), 0);
	log = fake_log(&f);
	REQUIRE(json_array_size(log) == 4);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(log, 0),
						     "conn")), 1);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(log, 1),
						     "conn")), 1);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(log, 2),
						     "conn")), 1);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(log, 3),
						     "conn")), 2);
	json_decref(log);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__retry_503_then_200(void)
{
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/r\",\"status\":503},"
			   "{\"path\":\"/r\",\"body\":\"ok\"}]}") == 0);
	c = client_new(&s, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/r", &r, NULL), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body.ptr, "ok");
	CHECK_INT(r.attempts, 2);
	CHECK_INT(s.n, 1);
	CHECK(s.ms[0] >= 0 && s.ms[0] <= 100);
	CHECK_INT(r.waited_ms, s.ms[0]);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__500_exhausts_retries(void)
{
	struct buf err = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;
	int i;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/x\",\"status\":500,"
			   "\"times\":0,\"body\":\"boom\\nagain\"}]}") == 0);
	c = client_new(&s, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/x", &r, &err), TEND_ERROR);
	CHECK_INT(r.status, 500);
	CHECK_INT(r.attempts, 5);
	CHECK_INT(s.n, 4);
	/* Full jitter under a doubling cap: 100, 200, 400, 800. */
	for (i = 0; i < s.n; i++)
		CHECK(s.ms[i] >= 0 && s.ms[i] <= (100L << i));
	CHECK(strstr(err.ptr, "after 5 attempts") != NULL);
	CHECK(strstr(err.ptr, "HTTP 500: boom again") != NULL);
	CHECK_INT(fake_count(&f, "GET"), 5);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__post_5xx_not_retried(void)
{
	struct buf err = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/p\",\"status\":502,"
			   "\"times\":0}]}") == 0);
	c = client_new(&s, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(post(c, &f, "/p", 0, &r, &err), TEND_ERROR);
	CHECK_INT(r.status, 502);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.maybe_sent, 1);
	CHECK_INT(s.n, 0);
	CHECK_INT(fake_count(&f, "POST"), 1);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__429_retry_after(void)
{
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	/* 429 means "not processed": even a POST is sent again. */
	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/l\",\"status\":429,"
			   "\"headers\":{\"Retry-After\":\"2\"}},"
			   "{\"path\":\"/l\",\"status\":201}]}") == 0);
	c = client_new(&s, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(post(c, &f, "/l", 0, &r, NULL), 0);
	CHECK_INT(r.status, 201);
	CHECK_INT(r.attempts, 2);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.ms[0], 2000);
	CHECK_INT(r.waited_ms, 2000);
	CHECK_INT(fake_count(&f, "POST"), 2);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__ratelimit_reset(void)
{
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/g\",\"status\":403,"
			   "\"headers\":{\"X-RateLimit-Remaining\":\"0\","
			   "\"X-RateLimit-Reset\":\"{now+3}\"},"
			   "\"body\":\"API rate limit exceeded\"},"
			   "{\"path\":\"/g\",\"body\":\"[]\"}]}") == 0);
	c = client_new(&s, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/g", &r, NULL), 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(s.n, 1);
	CHECK(s.ms[0] >= 2000 && s.ms[0] <= 4000);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__secondary_rate_limit(void)
{
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/s\",\"status\":403,"
			   "\"body\":{\"message\":\"You have exceeded a "
			   "secondary rate limit.\"}},"
			   "{\"path\":\"/s\",\"status\":403,\"body\":\"no\"}]}")
		== 0);
	c = client_new(&s, 0, 60000, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/s", &r, NULL), 0);
	/* A plain 403 after the wait goes back to the caller. */
	CHECK_INT(r.status, 403);
	CHECK_STR(r.body.ptr, "no");
	CHECK_INT(s.n, 1);
	CHECK_INT(s.ms[0], 60000);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__ratelimit_beyond_bound(void)
{
	struct buf err = BUF_INIT, want = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/b\",\"status\":429,"
			   "\"times\":0,"
			   "\"headers\":{\"Retry-After\":\"40\"}}]}")
		== 0);
	c = client_new(&s, 0, 60000, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/b", &r, &err), TEND_ERATELIMIT);
	CHECK_INT(s.n, 1);
	CHECK_INT(r.attempts, 2);
	buf_printf(&want, "rate limited by 127.0.0.1:%d: retry after 40 s "
		   "exceeds the 60 s limit (40 s already waited)", f.port);
	CHECK_STR(err.ptr, want.ptr);
	http_client_free(c);

	c = client_new(&s, 0, 60000, 0);
	CHECK_INT(post(c, &f, "/b", 0, &r, &err), TEND_ERATELIMIT);
	CHECK_INT(r.status, 429);
	http_client_free(c);

	/* The message the user sees for a single long wait. */
	http_response_release(&r);
	fake_stop(&f);
	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/b\",\"status\":429,"
			   "\"headers\":{\"Retry-After\":\"120\"}}]}") == 0);
	c = client_new(&s, 0, 60000, 0);
	CHECK_INT(get(c, &f, "/b", &r, &err), TEND_ERATELIMIT);
	CHECK_INT(s.n, 0);
	buf_reset(&want);
	buf_printf(&want, "rate limited by 127.0.0.1:%d: retry after 120 s "
		   "exceeds the 60 s limit", f.port);
	CHECK_STR(err.ptr, want.ptr);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	buf_release(&want);
	fake_stop(&f);
}

void test_http__dropped_get_is_retried(void)
{
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/d\",\"action\":"
			   "\"drop\"},{\"path\":\"/d\",\"body\":\"back\"}]}")
		== 0);
	c = client_new(&s, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/d", &r, NULL), 0);
	CHECK_STR(r.body.ptr, "back");
	CHECK_INT(r.attempts, 2);
	CHECK_INT(s.n, 1);
	CHECK_INT(fake_count(&f, "GET"), 2);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__dropped_post_not_retried(void)
{
	struct buf err = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/w\"},"
			   "{\"path\":\"/p\",\"action\":\"drop_after_read\"},"
			   "{\"path\":\"/p\",\"status\":201}]}") == 0);
	c = client_new(&s, 0, 0, 0);
	http_response_init(&r);
	/* A kept-alive connection exists: curl must not resend on it. */
	CHECK_INT(get(c, &f, "/w", &r, NULL), 0);
	CHECK_INT(post(c, &f, "/p", 0, &r, &err), TEND_ERROR);
	CHECK_INT(r.maybe_sent, 1);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(s.n, 0);
	CHECK(strstr(err.ptr, "may have been sent") != NULL);
	CHECK_INT(fake_count(&f, "POST"), 1);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__refused_post_is_retried(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct buf err = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;
	int fd;

	/* A port nobody listens on: bound, then closed. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	REQUIRE(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	close(fd);
	memset(&f, 0, sizeof(f));
	snprintf(f.base, sizeof(f.base), "http://127.0.0.1:%d",
		 ntohs(sa.sin_port));
	c = client_new(&s, 2, 0, 0);
	http_response_init(&r);
	/* Nothing left the machine, so even a POST may be tried again. */
	CHECK_INT(post(c, &f, "/p", 0, &r, &err), TEND_ERROR);
	CHECK_INT(r.attempts, 3);
	CHECK_INT(r.maybe_sent, 0);
	CHECK_INT(s.n, 2);
	CHECK(strstr(err.ptr, "after 3 attempts") != NULL);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
}

void test_http__401_is_auth_error(void)
{
	struct buf err = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/u\",\"status\":401,"
			   "\"body\":{\"message\":\"Bad credentials\"}}]}")
		== 0);
	c = client_new(NULL, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/u", &r, &err), TEND_EAUTH);
	CHECK_INT(r.status, 401);
	CHECK_INT(r.attempts, 1);
	CHECK(strstr(err.ptr, "authentication failed") != NULL);
	CHECK(strstr(err.ptr, "Bad credentials") != NULL);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__body_over_cap(void)
{
	struct buf err = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":["
			   "{\"path\":\"/fit\",\"body_size\":1000},"
			   "{\"path\":\"/big\",\"body_size\":100000},"
			   "{\"path\":\"/chunked\",\"body_size\":100000,"
			   "\"chunked\":true},"
			   "{\"path\":\"/fitc\",\"body_size\":1000,"
			   "\"chunked\":true}]}") == 0);
	c = client_new(NULL, 0, 0, 1000);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/fit", &r, &err), 0);
	CHECK_INT(r.body.len, 1000);
	CHECK_INT(get(c, &f, "/big", &r, &err), TEND_ETOOBIG);
	CHECK(strstr(err.ptr, "exceeds the limit of 1000 bytes") != NULL);
	CHECK(r.body.len <= 1000);
	CHECK_INT(r.attempts, 1);
	buf_reset(&err);
	/* Without a Content-Length the cap stops the reading. */
	CHECK_INT(get(c, &f, "/chunked", &r, &err), TEND_ETOOBIG);
	CHECK(r.body.len <= 1000);
	CHECK_INT(get(c, &f, "/fitc", &r, &err), 0);
	CHECK_INT(r.body.len, 1000);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__timeout(void)
{
	struct buf err = BUF_INIT;
	struct http_request req = { 0 };
	struct http_response r;
	struct http_client *c;
	struct sleeps s;
	struct fake f;
	char url[128];

	REQUIRE(fake_start(&f, "{\"steps\":[{\"delay_ms\":3000,\"times\":0}]}")
		== 0);
	c = client_new(&s, 1, 0, 0);
	http_response_init(&r);
	snprintf(url, sizeof(url), "%s/slow", f.base);
	req.url = url;
	req.timeout_ms = 250;
	CHECK_INT(http_send(c, &req, &r, &err), TEND_ETIMEOUT);
	CHECK_INT(r.attempts, 2);
	CHECK_INT(r.maybe_sent, 0);
	CHECK(strstr(err.ptr, "after 2 attempts") != NULL);
	CHECK(strstr(err.ptr, "timed out") != NULL);
	CHECK_INT(post(c, &f, "/slow", 250, &r, &err), TEND_ETIMEOUT);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(r.maybe_sent, 1);
	CHECK_INT(fake_count(&f, "GET"), 2);
	CHECK_INT(fake_count(&f, "POST"), 1);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__real_short_wait(void)
{
	struct http_response r;
	struct http_client *c;
	struct timespec t0, t1;
	struct fake f;
	long ms;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"path\":\"/z\",\"status\":429,"
			   "\"headers\":{\"Retry-After\":\"1\"}},"
			   "{\"path\":\"/z\"}]}") == 0);
	c = client_new(NULL, 0, 0, 0);
	http_response_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(get(c, &f, "/z", &r, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		(t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_INT(r.status, 200);
	CHECK(ms >= 990);
	CHECK_INT(r.waited_ms, 1000);
	http_response_release(&r);
	http_client_free(c);
	fake_stop(&f);
}

void test_http__secrets_never_logged(void)
{
	static const char *const hdrs[] = {
		"Authorization: Bearer registered-secret-123",
		"PRIVATE-TOKEN: glpat-unregistered-456",
		"x-api-key: sk-unregistered-789",
		"X-Visible: plain-value", NULL
	};
	struct http_request req = { 0 };
	struct http_response r;
	struct http_client *c;
	struct buf out = BUF_INIT, err = BUF_INIT;
	enum log_level level = log_get_level();
	struct fake f;
	char url[256], path[600], chunk[4096];
	ssize_t n;
	int fd;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"status\":500,\"times\":0,"
			   "\"body\":\"registered-secret-123\"}]}") == 0);
	snprintf(path, sizeof(path), "%s/log.txt", test_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0);
	redact_add("registered-secret-123");
	log_set_fd(fd);
	log_set_level(LOG_TRACE);

	c = client_new(NULL, -1, 0, 0);
	http_response_init(&r);
	snprintf(url, sizeof(url),
		 "%s/x?private_token=query-secret-000&page=2", f.base);
	req.url = url;
	req.headers = hdrs;
	CHECK_INT(http_send(c, &req, &r, &err), TEND_ERROR);

	log_set_fd(2);
	log_set_level(level);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&out, chunk, (size_t)n);
	close(fd);
	CHECK(strstr(out.ptr, "GET http://127.0.0.1") != NULL);
	CHECK(strstr(out.ptr, "-> 500") != NULL);
	CHECK(strstr(out.ptr, "X-Visible: plain-value") != NULL);
	CHECK(strstr(out.ptr, "Authorization: ***") != NULL);
	CHECK(strstr(out.ptr, "private_token=***&page=2") != NULL);
	CHECK(strstr(out.ptr, "registered-secret-123") == NULL);
	CHECK(strstr(out.ptr, "glpat-unregistered-456") == NULL);
	CHECK(strstr(out.ptr, "sk-unregistered-789") == NULL);
	CHECK(strstr(out.ptr, "query-secret-000") == NULL);
	CHECK(strstr(err.ptr, "query-secret-000") == NULL);
	/* The server did get them, of course. */
	CHECK(strstr(r.body.ptr, "registered-secret-123") != NULL);
	redact_clear();
	http_response_release(&r);
	http_client_free(c);
	buf_release(&out);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__send_json(void)
{
	struct buf err = BUF_INIT, want = BUF_INIT;
	struct http_client *c;
	struct fake f;
	json_t *body, *reply = NULL, *log;
	char url[128];
	long status = 0;

	REQUIRE(fake_start(&f, "{\"steps\":["
			   "{\"path\":\"/j\",\"status\":201,"
			   "\"body\":{\"id\":7,\"ok\":true}},"
			   "{\"path\":\"/bad\",\"body\":\"{\\\"a\\\": 1,\\n"
			   "  oops}\"},"
			   "{\"path\":\"/html\",\"status\":404,"
			   "\"body\":\"<html>nope</html>\"}]}") == 0);
	c = client_new(NULL, 0, 0, 0);
	body = json_pack("{s:s}", "title", "hi");
	snprintf(url, sizeof(url), "%s/j", f.base);
	CHECK_INT(http_send_json(c, "POST", url, NULL, body, &status, &reply,
				 NULL, &err), 0);
	CHECK_INT(status, 201);
	CHECK_INT(json_integer_value(json_object_get(reply, "id")), 7);
	json_decref(reply);
	log = fake_log(&f);
	CHECK_STR(json_string_value(json_object_get(json_object_get(
		json_array_get(log, 0), "headers"), "content-type")),
		  "application/json");
	CHECK_STR(json_string_value(json_object_get(json_array_get(log, 0),
						    "body")),
		  "{\"title\":\"hi\"}");
	json_decref(log);

	snprintf(url, sizeof(url), "%s/bad", f.base);
	CHECK_INT(http_send_json(c, "GET", url, NULL, NULL, &status, &reply,
				 NULL, &err), TEND_EINVALID);
	CHECK(reply == NULL);
	buf_printf(&want, "invalid JSON from %s at line 2 column ", url);
	CHECK(!strncmp(err.ptr, want.ptr, want.len));

	snprintf(url, sizeof(url), "%s/html", f.base);
	CHECK_INT(http_send_json(c, "GET", url, NULL, NULL, &status, &reply,
				 NULL, &err), 0);
	CHECK_INT(status, 404);
	CHECK(reply == NULL);
	json_decref(body);
	http_client_free(c);
	buf_release(&err);
	buf_release(&want);
	fake_stop(&f);
}

/*
 * Every body and URL tend sends passes the redactor (finding 8): a
 * registered secret in a POST body arrives masked, also base64- and
 * percent-encoded; the body is still JSON, also when the secret was a
 * number; the credential headers still carry the real value; a URL marked
 * as the credential itself goes out as given.
 */
void test_http__outbound_redacted(void)
{
	static const char secret[] = "ghs_outboundSecret0123456789abcdef";
	/* base64("x-access-token:" secret) */
	static const char b64[] = "eC1hY2Nlc3MtdG9rZW46Z2hzX291dGJvdW5kU2Vj"
		"cmV0MDEyMzQ1Njc4OWFiY2RlZg==";
	static const char *const hdrs[] = {
		"Authorization: Bearer ghs_outboundSecret0123456789abcdef",
		"PRIVATE-TOKEN: ghs_outboundSecret0123456789abcdef",
		"x-api-key: ghs_outboundSecret0123456789abcdef", NULL
	};
	struct http_request req = { 0 };
	struct http_response r;
	struct http_client *c;
	struct buf err = BUF_INIT;
	enum log_level level;
	json_t *body, *reply = NULL, *log, *e, *h, *sent;
	const char *text;
	char url[256];
	long status = 0;
	struct fake f;

	REQUIRE(fake_start(&f, "{\"steps\":[{\"status\":200,\"times\":0,"
			   "\"body\":{\"ok\":true}}]}") == 0);
	level = log_get_level();
	log_set_level(LOG_ERROR);
	redact_clear();
	redact_add(secret);
	redact_add("31415926535897");
	c = client_new(NULL, 0, 0, 0);
	body = json_pack("{s:[{s:s,s:s}],s:s,s:I}", "messages", "role",
			 "user", "content",
			 "a.env says TOKEN=ghs_outboundSecret0123456789abcdef",
			 "extraheader", b64, "n", (json_int_t)31415926535897LL);
	snprintf(url, sizeof(url),
		 "%s/v1/ghs_outboundSecret0123456789abcdef/x?ref=ghs_outbound"
		 "Secret0123456789abcdef%%2B&page=2", f.base);
	CHECK_INT(http_send_json(c, "POST", url, hdrs, body, &status, &reply,
				 NULL, &err), 0);
	CHECK_INT(status, 200);
	json_decref(reply);
	json_decref(body);
	/* The URL is the credential: as given. */
	snprintf(url, sizeof(url), "%s/hook/%s", f.base, secret);
	req.method = "POST";
	req.url = url;
	req.body = "{\"text\":\"hello\"}";
	req.body_len = strlen(req.body);
	req.url_is_credential = 1;
	http_response_init(&r);
	CHECK_INT(http_send(c, &req, &r, &err), 0);
	log_set_level(level);

	log = fake_log(&f);
	REQUIRE(json_array_size(log) == 2);
	e = json_array_get(log, 0);
	text = json_string_value(json_object_get(e, "body"));
	REQUIRE(text != NULL);
	CHECK(strstr(text, secret) == NULL);
	CHECK(strstr(text, "ghs_") == NULL);
	CHECK(strstr(text, "Z2hzX291dGJvdW5kU2Vj") == NULL);
	CHECK(strstr(text, "31415926535897") == NULL);
	CHECK(strstr(text, "TOKEN=***") != NULL);
	sent = json_loads(text, 0, NULL);
	CHECK(sent != NULL);
	CHECK_STR(json_string_value(json_object_get(sent, "n")), "***");
	CHECK_STR(json_string_value(json_object_get(json_array_get(
		json_object_get(sent, "messages"), 0), "role")), "user");
	json_decref(sent);
	text = json_string_value(json_object_get(e, "path"));
	REQUIRE(text != NULL);
	CHECK(strstr(text, "ghs_") == NULL);
	CHECK(strstr(text, "/v1/***/x?ref=***%2B&page=2") != NULL);
	h = json_object_get(e, "headers");
	CHECK_STR(json_string_value(json_object_get(h, "authorization")),
		  hdrs[0] + strlen("Authorization: "));
	CHECK_STR(json_string_value(json_object_get(h, "private-token")),
		  secret);
	CHECK_STR(json_string_value(json_object_get(h, "x-api-key")), secret);
	e = json_array_get(log, 1);
	text = json_string_value(json_object_get(e, "path"));
	CHECK(text && strstr(text, secret) != NULL);
	json_decref(log);
	redact_clear();
	http_response_release(&r);
	http_client_free(c);
	buf_release(&err);
	fake_stop(&f);
}

void test_http__link_next(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "<https://api.github.com/r?page=2>; rel=\"next\", "
		  "<https://api.github.com/r?page=5>; rel=\"last\"",
		  "https://api.github.com/r?page=2" },
		{ "<https://x/r?page=1>; rel=\"prev\", "
		  "<https://x/r?page=3>; rel=\"next\"", "https://x/r?page=3" },
		{ "<https://x/last>; rel=\"last\"", NULL },
		{ "<https://x/a>;rel=next", "https://x/a" },
		{ "  <https://x/a>  ;   rel = \"next\"  ", "https://x/a" },
		{ "<https://x/a>; rel=\"last next\"", "https://x/a" },
		{ "<https://x/a>; rel=\"NEXT\"", "https://x/a" },
		{ "<https://x/a>; rel=\"nextpage\"", NULL },
		{ "<https://x/a?q=a,b>; rel=\"next\"", "https://x/a?q=a,b" },
		{ "<https://x/p>; title=\"a, rel=next\"; rel=\"prev\", "
		  "<https://x/n>; rel=next", "https://x/n" },
		{ "<https://x/1>; rel=\"prev\"; rel=\"next\"", NULL },
		{ "<https://x/a>; type=\"text/html\"; rel=\"next\"",
		  "https://x/a" },
		{ "garbage, <https://x/b>; rel=\"next\"", "https://x/b" },
		{ "<https://x/a; rel=\"next\"", NULL },
		{ "<>; rel=\"next\", <https://x/c>; rel=\"next\"",
		  "https://x/c" },
		{ "< https://x/s >; rel=\"next\"", "https://x/s" },
		{ "", NULL },
		{ ",,,", NULL },
		{ "<https://x/q>; rel=\"ne\\\"xt\"", NULL },
		{ "<https://x/u>; rel", NULL },
		{ "<https://x/u>; rel=", NULL },
		{ "<https://x/u>; \"junk\", <https://x/v>; rel=next",
		  "https://x/v" },
	};
	size_t i;

	CHECK(http_link_next(NULL) == NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = http_link_next(cases[i].in);

		if (cases[i].want)
			CHECK_STR(got, cases[i].want);
		else if (got)
			CHECK_STR(got, "(null)");
		free(got);
	}
}

void test_http__gitlab_next_page(void)
{
	static const struct {
		const char *value;
		long want;
	} cases[] = {
		{ "3", 3 }, { "", 0 }, { " 12 ", 12 }, { "0", 0 },
		{ "x", 0 }, { "4x", 0 }, { "-2", 0 }, { NULL, 0 },
	};
	struct http_response r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_response_init(&r);
		if (cases[i].value) {
			r.headers = malloc(sizeof(char *));
			r.headers[0] = malloc(64);
			snprintf(r.headers[0], 64, "x-next-page: %s",
				 cases[i].value);
			r.nr_headers = r.alloc_headers = 1;
		}
		CHECK_INT(http_gitlab_next_page(&r), cases[i].want);
		http_response_release(&r);
	}
}

void test_http__retry_after_parse(void)
{
	time_t now = 784111777;	/* Sun, 06 Nov 1994 08:49:37 GMT */

	CHECK_INT(http_retry_after_secs("120", now), 120);
	CHECK_INT(http_retry_after_secs(" 5 ", now), 5);
	CHECK_INT(http_retry_after_secs("0", now), 0);
	CHECK_INT(http_retry_after_secs("Sun, 06 Nov 1994 08:50:07 GMT",
					now), 30);
	CHECK_INT(http_retry_after_secs("Sun, 06 Nov 1994 08:00:00 GMT",
					now), 0);
	CHECK_INT(http_retry_after_secs("soon", now), -1);
	CHECK_INT(http_retry_after_secs("", now), -1);
	CHECK_INT(http_retry_after_secs(NULL, now), -1);
	CHECK_INT(http_retry_after_secs("-3", now), -1);
}

void test_http__url_for_log(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "https://api.github.com/repos/a/b?page=2",
		  "https://api.github.com/repos/a/b?page=2" },
		{ "https://user:pw@host:8443/p?x=1",
		  "https://host:8443/p?x=1" },
		{ "https://h/p?private_token=abc&page=2&access_token=d#frag",
		  "https://h/p?private_token=***&page=2"
		  "&access_token=***#frag" },
		{ "https://h/p?api_key=1&flag",
		  "https://h/p?api_key=***&flag" },
		{ "http://h", "http://h" },
		{ "/relative?x-amz-signature=zz",
		  "/relative?x-amz-signature=***" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		http_url_for_log(&b, cases[i].in);
		CHECK_STR(b.ptr, cases[i].want);
		buf_release(&b);
	}
}

void test_http__too_many_headers(void)
{
	struct buf script = BUF_INIT, err = BUF_INIT;
	struct http_response r;
	struct http_client *c;
	struct fake f;
	int i;

	buf_puts(&script, "{\"steps\":[{\"path\":\"/h\",\"headers\":[");
	for (i = 0; i < 1200; i++)
		buf_printf(&script, "%s[\"X-H%d\",\"v\"]", i ? "," : "", i);
	buf_puts(&script, "]}]}");
	REQUIRE(fake_start(&f, script.ptr) == 0);
	c = client_new(NULL, 0, 0, 0);
	http_response_init(&r);
	CHECK_INT(get(c, &f, "/h", &r, &err), TEND_ETOOBIG);
	CHECK(strstr(err.ptr, "more than 1000 headers") != NULL);
	CHECK(r.nr_headers <= 1000);
	http_response_release(&r);
	http_client_free(c);
	buf_release(&script);
	buf_release(&err);
	fake_stop(&f);
}
