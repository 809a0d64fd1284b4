/*
 * test_notify.c - Slack notifications (actions/notify.c) against
 * tests/lib/fakehttp.py on 127.0.0.1: the message's Block Kit shape and
 * escaping, masking, retries, Slack's refusals, and that the webhook URL
 * never shows in an error or a log line.
 *
 * Each server test starts its own fakehttp.py with a script, posts to it,
 * reads back the request log the server keeps, and kills the server. The
 * webhook URL of every test carries NOTIFY_CANARY in its path, so any
 * leak of the URL is a leak of the canary.
 */
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/notify.h"
#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"
#include "tests/unit/test.h"

#define NOTIFY_VAR "TEND_TEST_SLACK_HOOK"
#define NOTIFY_CANARY "zQ9hookCanary7Kx"
#define NOTIFY_PATH "/services/T0TEND/B0TEND/" NOTIFY_CANARY

struct notify_fake {
	pid_t pid;
	int port;
	char url[256];		/* the webhook: base + NOTIFY_PATH */
	char base[64];
	char log_path[600];
};

static pid_t notify_leftover;

/* Start fakehttp.py with `script` (JSON); 0 on success. */
static int notify_fake_start(struct notify_fake *f, const char *script)
{
	char dir[512], script_path[600], server[1100], line[32];
	struct pollfd pfd;
	size_t got = 0;
	int fds[2];
	char *end;
	long port;

	if (notify_leftover > 0) {
		kill(notify_leftover, SIGTERM);
		waitpid(notify_leftover, NULL, 0);
		notify_leftover = 0;
	}
	memset(f, 0, sizeof(*f));
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	/* Retries in milliseconds, not seconds. */
	setenv("TEND_HTTP_BACKOFF_MS", "1", 1);
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
	notify_leftover = f->pid;
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
	snprintf(f->url, sizeof(f->url), "%s%s", f->base, NOTIFY_PATH);
	return 0;
}

static void notify_fake_stop(struct notify_fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		if (notify_leftover == f->pid)
			notify_leftover = 0;
	}
	f->pid = 0;
}

/* The server's request log; the caller decrefs. */
static json_t *notify_fake_log(const struct notify_fake *f)
{
	json_error_t jerr;

	return json_load_file(f->log_path, 0, &jerr);
}

/* How many requests the server received. */
static size_t notify_fake_count(const struct notify_fake *f)
{
	json_t *log = notify_fake_log(f);
	size_t n = json_array_size(log);

	json_decref(log);
	return n;
}

/* The body of request `i` parsed as JSON; the caller decrefs. */
static json_t *notify_fake_body(const struct notify_fake *f, size_t i)
{
	json_t *log = notify_fake_log(f), *body = NULL;
	const char *text;
	json_error_t jerr;

	text = json_string_value(json_object_get(json_array_get(log, i),
						 "body"));
	if (text)
		body = json_loads(text, 0, &jerr);
	json_decref(log);
	return body;
}

/* The raw body of request `i`; the caller frees. */
static char *notify_fake_raw(const struct notify_fake *f, size_t i)
{
	json_t *log = notify_fake_log(f);
	const char *text;
	char *out;

	text = json_string_value(json_object_get(json_array_get(log, i),
						 "body"));
	out = xstrdup(text ? text : "");
	json_decref(log);
	return out;
}

/* A config whose webhook variable holds `url` (NULL: unset). */
static void notify_cfg(struct tend_config *cfg, const char *url)
{
	config_init(cfg);
	cfg->notify.slack_webhook_env = xstrdup(NOTIFY_VAR);
	if (url)
		setenv(NOTIFY_VAR, url, 1);
	else
		unsetenv(NOTIFY_VAR);
}

static void notify_done(struct tend_config *cfg)
{
	config_release(cfg);
	unsetenv(NOTIFY_VAR);
	redact_clear();
}

/* Log capture: everything at trace level goes to a file. */
struct notify_log {
	char path[600];
	int fd;
	enum log_level level;
};

static int notify_log_begin(struct notify_log *l)
{
	snprintf(l->path, sizeof(l->path), "%s/log.txt", test_tmpdir());
	l->fd = open(l->path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (l->fd < 0)
		return -1;
	l->level = log_get_level();
	log_set_level(LOG_TRACE);
	log_set_fd(l->fd);
	return 0;
}

/* Stop capturing; what was logged, for the caller to free. */
static char *notify_log_end(struct notify_log *l)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd;

	log_set_fd(2);
	log_set_level(l->level);
	close(l->fd);
	fd = open(l->path, O_RDONLY);
	if (fd >= 0) {
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			buf_add(&b, chunk, (size_t)n);
		close(fd);
	}
	return buf_detach(&b, NULL);
}

/* How often `needle` occurs in `s`. */
static int notify_count(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static const char *notify_text(json_t *block)
{
	return json_string_value(json_object_get(json_object_get(block,
								 "text"),
						 "text"));
}

void test_notify__off_without_a_webhook(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_log l;
	char *logged;

	n.what = "tend fix";
	n.result = "pushed a fix";
	n.cost_usd = -1;

	/* No variable configured: off, silently. */
	config_init(&cfg);
	buf_puts(&err, "untouched");
	REQUIRE(notify_log_begin(&l) == 0);
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	logged = notify_log_end(&l);
	CHECK_STR(logged, "");
	free(logged);
	config_release(&cfg);

	/* Configured, but unset, then empty: off, said once at info. */
	notify_cfg(&cfg, NULL);
	REQUIRE(notify_log_begin(&l) == 0);
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	setenv(NOTIFY_VAR, "", 1);
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	setenv(NOTIFY_VAR, " \n", 1);
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	logged = notify_log_end(&l);
	REQUIRE(logged);
	CHECK(strstr(logged, "$" NOTIFY_VAR) != NULL);
	CHECK(strstr(logged, "no Slack notification") != NULL);
	CHECK_INT(notify_count(logged, "no Slack notification"), 1);
	CHECK_STR(err.ptr, "untouched");
	free(logged);
	buf_release(&err);
	notify_done(&cfg);
}

void test_notify__message_shape_and_escaping(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;
	json_t *body, *blocks, *b, *log;
	const char *text;

	REQUIRE(notify_fake_start(&f, "{\"steps\":[{\"method\":\"POST\","
				  "\"path\":\"" NOTIFY_PATH "\","
				  "\"body\":\"ok\"}]}") == 0);
	notify_cfg(&cfg, f.url);
	n.what = "tend fix";
	n.repo = "owner/name";
	n.where = "pull request #12 <script>alert(1)</script>";
	n.where_url = "https://github.com/owner/name/pull/12?a=1&b=2";
	n.result = "pushed a fix & more";
	n.ok = 1;
	n.detail = "Fixed <b>the</b> off-by-one in a.c & b.c;\n"
		   "see <https://evil.example|a link>";
	n.link = "https://github.com/owner/name/pull/12";
	n.link_text = "Open the pull request";
	n.cost_usd = 0.4213;
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	CHECK_STR(err.ptr, "");
	CHECK_INT(notify_fake_count(&f), 1);

	log = notify_fake_log(&f);
	b = json_object_get(json_array_get(log, 0), "headers");
	CHECK_STR(json_string_value(json_object_get(json_array_get(log, 0),
						    "method")), "POST");
	CHECK_STR(json_string_value(json_object_get(b, "content-type")),
		  "application/json");
	json_decref(log);

	body = notify_fake_body(&f, 0);
	REQUIRE(body);
	text = json_string_value(json_object_get(body, "text"));
	REQUIRE(text);
	CHECK(strstr(text, ":white_check_mark: tend fix") == text);
	CHECK(strstr(text, "&lt;script&gt;") != NULL);
	CHECK(strstr(text, "pushed a fix &amp; more") != NULL);
	blocks = json_object_get(body, "blocks");
	REQUIRE(json_array_size(blocks) == 4);

	b = json_array_get(blocks, 0);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "section");
	CHECK_STR(json_string_value(json_object_get(json_object_get(b, "text"),
						    "type")), "mrkdwn");
	CHECK_STR(notify_text(b),
		  ":white_check_mark: *tend fix* \xc2\xb7 "
		  "<https://github.com/owner/name/pull/12?a=1&amp;b=2|"
		  "owner/name pull request #12 "
		  "&lt;script&gt;alert(1)&lt;/script&gt;>: "
		  "*pushed a fix &amp; more*");

	b = json_array_get(blocks, 1);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "section");
	CHECK_STR(notify_text(b),
		  "Fixed &lt;b&gt;the&lt;/b&gt; off-by-one in a.c &amp; b.c;\n"
		  "see &lt;https://evil.example|a link&gt;");

	b = json_array_get(blocks, 2);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "context");
	b = json_array_get(json_object_get(b, "elements"), 0);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "mrkdwn");
	CHECK_STR(json_string_value(json_object_get(b, "text")),
		  "Cost: $0.42");

	b = json_array_get(blocks, 3);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "actions");
	REQUIRE(json_array_size(json_object_get(b, "elements")) == 1);
	b = json_array_get(json_object_get(b, "elements"), 0);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "button");
	CHECK_STR(json_string_value(json_object_get(b, "url")),
		  "https://github.com/owner/name/pull/12");
	CHECK_STR(json_string_value(json_object_get(json_object_get(b, "text"),
						    "type")), "plain_text");
	CHECK_STR(notify_text(b), "Open the pull request");
	json_decref(body);

	buf_release(&err);
	notify_fake_stop(&f);
	notify_done(&cfg);
}

void test_notify__body_variants(void)
{
	struct actions_notice n = { 0 };
	struct buf out = BUF_INIT, big = BUF_INIT;
	json_t *body, *blocks, *b;
	json_error_t jerr;
	const char *text;
	size_t i;

	/* Bad news, no place link, no detail, no cost, a default button. */
	n.what = "tend tasks";
	n.repo = "o/r";
	n.where = "issue #4";
	n.where_url = "javascript:alert(1)";
	n.result = "tests still fail";
	n.ok = 0;
	n.link = "https://example.test/run/1";
	n.cost_usd = -1;
	REQUIRE(actions_notify_slack_body(&out, &n) == 0);
	body = json_loads(out.ptr, 0, &jerr);
	REQUIRE(body);
	blocks = json_object_get(body, "blocks");
	REQUIRE(json_array_size(blocks) == 2);
	CHECK_STR(notify_text(json_array_get(blocks, 0)),
		  ":x: *tend tasks* \xc2\xb7 o/r issue #4: *tests still fail*");
	b = json_array_get(blocks, 1);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "actions");
	b = json_array_get(json_object_get(b, "elements"), 0);
	CHECK_STR(notify_text(b), "Open");
	json_decref(body);

	/*
	 * A long detail is cut to the limit (on a character boundary, with
	 * a mark); a link that is not http(s) gives no button; a cost under
	 * a cent still shows; control characters become spaces; invalid
	 * UTF-8 does not break the JSON.
	 */
	for (i = 0; i < 400; i++)
		buf_puts(&big, "\xc3\xa9<");
	buf_reset(&out);
	n.what = "tend\treview\n";
	n.where_url = NULL;
	n.result = "3 errors \xff";
	n.detail = big.ptr;
	n.link = "ftp://example.test/x";
	n.cost_usd = 0.0042;
	REQUIRE(actions_notify_slack_body(&out, &n) == 0);
	body = json_loads(out.ptr, 0, &jerr);
	REQUIRE(body);
	blocks = json_object_get(body, "blocks");
	REQUIRE(json_array_size(blocks) == 3);
	text = notify_text(json_array_get(blocks, 0));
	REQUIRE(text);
	CHECK(strstr(text, "*tend review*") != NULL);
	CHECK(strstr(text, "3 errors \xef\xbf\xbd") != NULL);
	text = notify_text(json_array_get(blocks, 1));
	REQUIRE(text);
	/* 500 bytes of "é<" before escaping: 166 pairs, the mark. */
	CHECK(strstr(text, "\xe2\x80\xa6") != NULL);
	CHECK(strlen(text) < 166 * 6 + 10);
	CHECK(strlen(text) > 160 * 6);
	CHECK(strchr(text, '<') == NULL);
	b = json_array_get(blocks, 2);
	CHECK_STR(json_string_value(json_object_get(b, "type")), "context");
	CHECK_STR(json_string_value(json_object_get(
		json_array_get(json_object_get(b, "elements"), 0), "text")),
		  "Cost: $0.0042");
	json_decref(body);

	/* Nothing but a result: still a valid message. */
	memset(&n, 0, sizeof(n));
	n.cost_usd = 0;
	buf_reset(&out);
	REQUIRE(actions_notify_slack_body(&out, &n) == 0);
	body = json_loads(out.ptr, 0, &jerr);
	REQUIRE(body);
	blocks = json_object_get(body, "blocks");
	REQUIRE(json_array_size(blocks) == 2);
	CHECK_STR(notify_text(json_array_get(blocks, 0)), ":x: *tend*");
	CHECK_STR(json_string_value(json_object_get(json_array_get(
		json_object_get(json_array_get(blocks, 1), "elements"), 0),
		"text")), "Cost: $0.00");
	json_decref(body);

	/* A cost that is not a number is no cost. */
	n.cost_usd = NAN;
	buf_reset(&out);
	REQUIRE(actions_notify_slack_body(&out, &n) == 0);
	body = json_loads(out.ptr, 0, &jerr);
	REQUIRE(body);
	CHECK_INT(json_array_size(json_object_get(body, "blocks")), 1);
	json_decref(body);

	buf_release(&out);
	buf_release(&big);
}

void test_notify__secrets_in_texts_are_masked(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;
	struct buf raw_body = BUF_INIT;
	const char *text;
	json_t *body;
	char *raw;

	REQUIRE(notify_fake_start(&f, "{\"steps\":[{\"method\":\"POST\","
				  "\"path\":\"" NOTIFY_PATH "\","
				  "\"body\":\"ok\"}]}") == 0);
	notify_cfg(&cfg, f.url);
	/* One the process knows, one only the secret patterns know. */
	redact_add("registered-Secret-4242");
	n.what = "tend fix";
	n.repo = "o/r";
	n.result = "failed with registered-Secret-4242";
	n.detail = "the agent printed GITHUB_TOKEN=ghp_"
		   "xTkwCjZkrbhUJ4CDaehbw44PEeCU8HJ28IhO while debugging";
	n.cost_usd = -1;
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	CHECK_INT(notify_fake_count(&f), 1);
	raw = notify_fake_raw(&f, 0);
	CHECK(strstr(raw, "xTkwCjZkrbhUJ4CDaehbw44PEeCU8HJ28IhO") == NULL);
	CHECK(strstr(raw, "registered-Secret") == NULL);
	free(raw);
	body = notify_fake_body(&f, 0);
	REQUIRE(body);
	text = notify_text(json_array_get(json_object_get(body, "blocks"), 1));
	REQUIRE(text);
	CHECK(strstr(text, "GITHUB_TOKEN=ghp_****") != NULL);
	text = notify_text(json_array_get(json_object_get(body, "blocks"), 0));
	REQUIRE(text);
	CHECK(strstr(text, "*failed with ***") != NULL);
	json_decref(body);

	/* The message is masked before it reaches the HTTP client. */
	REQUIRE(actions_notify_slack_body(&raw_body, &n) == 0);
	CHECK(strstr(raw_body.ptr, "registered-Secret") == NULL);
	CHECK(strstr(raw_body.ptr, "failed with ***") != NULL);
	CHECK(strstr(raw_body.ptr, "ghp_xTkw") == NULL);
	buf_release(&raw_body);

	buf_release(&err);
	notify_fake_stop(&f);
	notify_done(&cfg);
}

void test_notify__url_never_logged(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;
	struct notify_log l;
	char *logged, *raw;

	REQUIRE(notify_fake_start(&f, "{\"steps\":[{\"method\":\"POST\","
				  "\"path\":\"" NOTIFY_PATH "\","
				  "\"body\":\"ok\"}]}") == 0);
	notify_cfg(&cfg, f.url);
	n.what = "tend review";
	n.repo = "o/r";
	/* A text that quotes the webhook is masked too. */
	n.detail = f.url;
	n.cost_usd = -1;
	REQUIRE(notify_log_begin(&l) == 0);
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	logged = notify_log_end(&l);
	REQUIRE(logged);
	/* The client did log the request, at debug and trace. */
	CHECK(strstr(logged, "http: POST") != NULL);
	CHECK(strstr(logged, NOTIFY_CANARY) == NULL);
	CHECK(strstr(logged, "/services/") == NULL);
	free(logged);
	CHECK_INT(notify_fake_count(&f), 1);
	raw = notify_fake_raw(&f, 0);
	CHECK(strstr(raw, NOTIFY_CANARY) == NULL);
	free(raw);

	buf_release(&err);
	notify_fake_stop(&f);
	notify_done(&cfg);
}

void test_notify__retries_a_server_error(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;

	REQUIRE(notify_fake_start(&f, "{\"steps\":["
				  "{\"method\":\"POST\",\"status\":500,"
				  "\"body\":\"rollup_error\"},"
				  "{\"method\":\"POST\","
				  "\"path\":\"" NOTIFY_PATH "\","
				  "\"body\":\"ok\"}]}") == 0);
	notify_cfg(&cfg, f.url);
	n.what = "tend tasks";
	n.result = "draft PR opened";
	n.ok = 1;
	n.cost_usd = 1.5;
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	CHECK_STR(err.ptr, "");
	CHECK_INT(notify_fake_count(&f), 2);

	buf_release(&err);
	notify_fake_stop(&f);
	notify_done(&cfg);
}

void test_notify__server_errors_without_the_url(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;
	struct notify_log l;
	char *logged;

	REQUIRE(notify_fake_start(&f, "{\"steps\":["
				  "{\"method\":\"POST\",\"status\":500,"
				  "\"times\":0,\"body\":\"rollup_error\"}]}")
		== 0);
	notify_cfg(&cfg, f.url);
	n.what = "tend fix";
	n.cost_usd = -1;
	REQUIRE(notify_log_begin(&l) == 0);
	CHECK(actions_notify_slack(&cfg, &n, &err) < 0);
	logged = notify_log_end(&l);
	REQUIRE(logged);
	CHECK(strstr(logged, NOTIFY_CANARY) == NULL);
	free(logged);
	/* Four attempts: the first and three retries. */
	CHECK_INT(notify_fake_count(&f), 4);
	CHECK(strstr(err.ptr, "cannot post to Slack") == err.ptr);
	CHECK(strstr(err.ptr, "500") != NULL);
	CHECK(strstr(err.ptr, "<webhook>") != NULL);
	CHECK(strstr(err.ptr, NOTIFY_CANARY) == NULL);
	CHECK(strstr(err.ptr, "/services/") == NULL);

	buf_release(&err);
	notify_fake_stop(&f);
	notify_done(&cfg);
}

void test_notify__refusal_names_status_and_reason(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;

	REQUIRE(notify_fake_start(&f, "{\"steps\":[{\"method\":\"POST\","
				  "\"status\":404,\"body\":\"no_service\"}]}")
		== 0);
	notify_cfg(&cfg, f.url);
	n.what = "tend fix";
	n.cost_usd = -1;
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), TEND_ERROR);
	/* A refusal is an answer: not retried. */
	CHECK_INT(notify_fake_count(&f), 1);
	CHECK_STR(err.ptr, "cannot post to Slack: the webhook answered "
		  "HTTP 404: no_service");

	buf_release(&err);
	notify_fake_stop(&f);
	notify_done(&cfg);
}

void test_notify__refuses_unsafe_urls_before_sending(void)
{
	static const char *const bad[] = {
		/* localhost would reach the server: only literals pass. */
		"http://localhost:%d" NOTIFY_PATH,
		"http://127.0.0.1:%d@localhost:%d" NOTIFY_PATH,
		"http://127.0.0.1.nip.io:%d" NOTIFY_PATH,
		"http://[::1]x:%d" NOTIFY_PATH,
		"http://127.0.0.1:%dx" NOTIFY_PATH,
		"http://10.1.2.3:%d" NOTIFY_PATH,
		"ftp://127.0.0.1:%d" NOTIFY_PATH,
		"127.0.0.1:%d" NOTIFY_PATH,
		"https://" NOTIFY_CANARY " .example:%d/x",
		NULL
	};
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;
	char url[300];
	size_t i;

	REQUIRE(notify_fake_start(&f, "{\"steps\":[{\"method\":\"POST\","
				  "\"body\":\"ok\",\"times\":0}]}") == 0);
	n.what = "tend fix";
	n.cost_usd = -1;
	for (i = 0; bad[i]; i++) {
		snprintf(url, sizeof(url), bad[i], f.port, f.port);
		notify_cfg(&cfg, url);
		buf_reset(&err);
		CHECK_INT(actions_notify_slack(&cfg, &n, &err), TEND_EINVALID);
		CHECK(strstr(err.ptr, "$" NOTIFY_VAR) != NULL);
		CHECK(strstr(err.ptr, NOTIFY_CANARY) == NULL);
		CHECK(strstr(err.ptr, "/services/") == NULL);
		notify_done(&cfg);
	}
	CHECK_INT(notify_fake_count(&f), 0);

	/* The same server through an allowed spelling does answer. */
	snprintf(url, sizeof(url), "  %s\n", f.url);
	notify_cfg(&cfg, url);
	CHECK_INT(actions_notify_slack(&cfg, &n, &err), 0);
	CHECK_INT(notify_fake_count(&f), 1);
	notify_done(&cfg);

	buf_release(&err);
	notify_fake_stop(&f);
}

void test_notify__connection_failure_without_the_url(void)
{
	struct actions_notice n = { 0 };
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	struct notify_fake f;
	char url[300];

	/* A port that was just closed: connection refused, retried. */
	REQUIRE(notify_fake_start(&f, "{\"steps\":[]}") == 0);
	notify_fake_stop(&f);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s?token=abc",
		 f.port, NOTIFY_PATH);
	notify_cfg(&cfg, url);
	n.what = "tend fix";
	n.cost_usd = -1;
	CHECK(actions_notify_slack(&cfg, &n, &err) < 0);
	CHECK(strstr(err.ptr, "cannot post to Slack") == err.ptr);
	CHECK(strstr(err.ptr, NOTIFY_CANARY) == NULL);
	CHECK(strstr(err.ptr, "/services/") == NULL);
	CHECK(strstr(err.ptr, "<webhook>") != NULL);

	buf_release(&err);
	notify_done(&cfg);
}
