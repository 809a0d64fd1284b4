/*
 * notify.c - one Slack message when a job is done (see notify.h).
 *
 * This file turns a `struct actions_notice` into a Block Kit message and
 * posts it once to an incoming webhook through common/http. It keeps the
 * webhook URL secret: registered with the redactor before the first byte
 * could be logged, checked for a scheme that will not send it in the
 * clear, and replaced by "<webhook>" in every message the HTTP client
 * writes. It is not for deciding when to notify (the jobs do) nor for any
 * other chat service.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "actions/notify.h"
#include "common/error.h"
#include "common/http.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"
#include "review/rules.h"

/* Cuts of the one-line texts, in bytes before escaping. */
#define ACTIONS_NOTIFY_WHAT_MAX 50
#define ACTIONS_NOTIFY_REPO_MAX 100
#define ACTIONS_NOTIFY_WHERE_MAX 150
#define ACTIONS_NOTIFY_RESULT_MAX 150
/* Slack's limits: section text, button text, button URL. */
#define ACTIONS_NOTIFY_SECTION_MAX 3000
#define ACTIONS_NOTIFY_BUTTON_TEXT_MAX 75
#define ACTIONS_NOTIFY_URL_MAX 2000
/* How much of Slack's refusal goes into an error message. */
#define ACTIONS_NOTIFY_REASON_MAX 120

#define ACTIONS_NOTIFY_CUT_MARK "\xe2\x80\xa6"	/* U+2026 … */
#define ACTIONS_NOTIFY_DOT " \xc2\xb7 "		/* U+00B7 · */

/* Said once per process: a config names a variable that holds nothing. */
static int actions_notify_said_empty;

/*
 * `b` cut to at most `max` bytes on a UTF-8 character boundary (the
 * text is valid UTF-8 by then), with a cut mark when anything went.
 */
static void actions_notify_cut(struct buf *b, size_t max)
{
	size_t keep;

	if (b->len <= max)
		return;
	keep = max > strlen(ACTIONS_NOTIFY_CUT_MARK) ?
		max - strlen(ACTIONS_NOTIFY_CUT_MARK) : 0;
	while (keep && ((unsigned char)b->ptr[keep] & 0xc0) == 0x80)
		keep--;
	buf_truncate(b, keep);
	buf_rtrim(b);
	buf_puts(b, ACTIONS_NOTIFY_CUT_MARK);
}

/*
 * A text from outside made fit to show: valid UTF-8, control characters
 * as spaces (line ends too when `one_line`), registered secrets and
 * anything the secret patterns of `rules` recognise masked, then cut to
 * `max` bytes. Masking comes before the cut, so no cut can leave a piece
 * of a secret the patterns would no longer see. Not yet escaped.
 */
static void actions_notify_clean(struct buf *out, const char *s, size_t max,
				 int one_line, const struct review_rules *rules)
{
	struct buf masked = BUF_INIT;
	size_t i;

	buf_reset(out);
	if (!s)
		return;
	jsonutil_sanitize(out, s, strlen(s));
	for (i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->ptr[i];

		if ((c < 0x20 && (c != '\n' || one_line)) || c == 0x7f)
			out->ptr[i] = ' ';
	}
	redact_buf(out);
	if (rules && out->len &&
	    review_rules_mask_text(rules, &masked, out->ptr, out->len)) {
		buf_reset(out);
		buf_add(out, masked.ptr, masked.len);
	}
	buf_release(&masked);
	/* Surrounding blanks would only break Slack's *bold* markers. */
	buf_rtrim(out);
	for (i = 0; i < out->len && (out->ptr[i] == ' ' ||
				     out->ptr[i] == '\n'); i++)
		;
	if (i) {
		memmove(out->ptr, out->ptr + i, out->len - i);
		buf_truncate(out, out->len - i);
	}
	actions_notify_cut(out, max);
}

/* Append `s` escaped for Slack's mrkdwn: &, < and > as entities. */
static void actions_notify_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		default:
			buf_putc(out, *s);
		}
	}
}

/*
 * Can `url` (already cleaned) be a link target: http(s), not too long,
 * and without a byte that would end Slack's <url|text> syntax early?
 */
static int actions_notify_link_ok(const char *url)
{
	const char *p;

	if (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7))
		return 0;
	if (strlen(url) > ACTIONS_NOTIFY_URL_MAX)
		return 0;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '|' ||
		    *p == '<' || *p == '>')
			return 0;
	return 1;
}

static void actions_notify_mrkdwn(json_t *obj, const char *key,
				  const char *text)
{
	json_object_set_new(obj, key, json_pack("{s:s, s:s}", "type", "mrkdwn",
						"text", text));
}

static json_t *actions_notify_section(const char *text)
{
	json_t *b = json_pack("{s:s}", "type", "section");

	actions_notify_mrkdwn(b, "text", text);
	return b;
}

/*
 * The first line: emoji, *what*, repository and place (a link when the
 * caller gave a usable URL and it fits), *result*. `link` 0 gives the
 * plain form, used for the notification's fallback text.
 */
static void actions_notify_headline(struct buf *out, int ok, const char *what,
				    const char *label, const char *url,
				    const char *result, int link)
{
	buf_puts(out, ok ? ":white_check_mark: " : ":x: ");
	if (link)
		buf_putc(out, '*');
	actions_notify_escape(out, what);
	if (link)
		buf_putc(out, '*');
	if (*label) {
		buf_puts(out, ACTIONS_NOTIFY_DOT);
		if (link && url) {
			buf_putc(out, '<');
			actions_notify_escape(out, url);
			buf_putc(out, '|');
			actions_notify_escape(out, label);
			buf_putc(out, '>');
		} else {
			actions_notify_escape(out, label);
		}
	}
	if (*result) {
		buf_puts(out, link ? ": *" : ": ");
		actions_notify_escape(out, result);
		if (link)
			buf_putc(out, '*');
	}
}

/* "$0.42"; amounts under a cent keep two significant digits. */
static void actions_notify_cost(struct buf *out, double usd)
{
	if (usd > 0 && usd < 0.01)
		buf_printf(out, "Cost: $%.2g", usd);
	else
		buf_printf(out, "Cost: $%.2f", usd);
}

static int actions_notify_body_with(struct buf *out,
				    const struct actions_notice *n,
				    const struct review_rules *rules)
{
	struct buf what = BUF_INIT, repo = BUF_INIT, where = BUF_INIT;
	struct buf url = BUF_INIT, result = BUF_INIT, detail = BUF_INIT;
	struct buf link = BUF_INIT, link_text = BUF_INIT, label = BUF_INIT;
	struct buf line = BUF_INIT, text = BUF_INIT;
	json_t *root = NULL, *blocks, *b;
	char *dump = NULL;
	int error = 0;

	actions_notify_clean(&what, n->what, ACTIONS_NOTIFY_WHAT_MAX, 1, rules);
	if (!what.len)
		buf_puts(&what, "tend");
	actions_notify_clean(&repo, n->repo, ACTIONS_NOTIFY_REPO_MAX, 1, rules);
	actions_notify_clean(&where, n->where, ACTIONS_NOTIFY_WHERE_MAX, 1,
			     rules);
	actions_notify_clean(&result, n->result, ACTIONS_NOTIFY_RESULT_MAX, 1,
			     rules);
	actions_notify_clean(&detail, n->detail, ACTIONS_NOTIFY_DETAIL_MAX, 0,
			     rules);
	actions_notify_clean(&url, n->where_url, (size_t)-1, 1, rules);
	actions_notify_clean(&link, n->link, (size_t)-1, 1, rules);
	actions_notify_clean(&link_text, n->link_text,
			     ACTIONS_NOTIFY_BUTTON_TEXT_MAX, 1, rules);
	if (!link_text.len)
		buf_puts(&link_text, "Open");

	buf_add(&label, repo.ptr, repo.len);
	if (repo.len && where.len)
		buf_putc(&label, ' ');
	buf_add(&label, where.ptr, where.len);

	actions_notify_headline(&line, n->ok, what.ptr, label.ptr,
				url.len && actions_notify_link_ok(url.ptr) ?
				url.ptr : NULL, result.ptr, 1);
	if (line.len > ACTIONS_NOTIFY_SECTION_MAX) {
		/* Only a long link can get it there: drop the link. */
		buf_reset(&line);
		actions_notify_headline(&line, n->ok, what.ptr, label.ptr, NULL,
					result.ptr, 1);
	}
	actions_notify_headline(&text, n->ok, what.ptr, label.ptr, NULL,
				result.ptr, 0);

	root = json_object();
	blocks = json_array();
	json_object_set_new(root, "text", json_string(text.ptr));
	json_object_set_new(root, "blocks", blocks);
	json_array_append_new(blocks, actions_notify_section(line.ptr));
	if (detail.len) {
		buf_reset(&line);
		actions_notify_escape(&line, detail.ptr);
		json_array_append_new(blocks, actions_notify_section(line.ptr));
	}
	if (n->cost_usd >= 0 && isfinite(n->cost_usd)) {
		buf_reset(&line);
		actions_notify_cost(&line, n->cost_usd);
		b = json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context",
			      "elements", "type", "mrkdwn", "text", line.ptr);
		json_array_append_new(blocks, b);
	}
	if (link.len && actions_notify_link_ok(link.ptr)) {
		b = json_pack("{s:s, s:[{s:s, s:{s:s, s:s, s:b}, s:s}]}",
			      "type", "actions", "elements",
			      "type", "button",
			      "text", "type", "plain_text",
			      "text", link_text.ptr, "emoji", 1,
			      "url", link.ptr);
		json_array_append_new(blocks, b);
	} else if (link.len) {
		log_debug("slack: the link is not an http(s) URL Slack "
			  "accepts; the message has no button");
	}

	dump = json_dumps(root, JSON_COMPACT);
	if (!dump || json_array_size(blocks) == 0) {
		error = TEND_ERROR;
		goto out;
	}
	buf_puts(out, dump);

out:
	free(dump);
	json_decref(root);
	buf_release(&what);
	buf_release(&repo);
	buf_release(&where);
	buf_release(&url);
	buf_release(&result);
	buf_release(&detail);
	buf_release(&link);
	buf_release(&link_text);
	buf_release(&label);
	buf_release(&line);
	buf_release(&text);
	return error;
}

/* The review's secret patterns, for masking what a model wrote. */
static int actions_notify_rules(struct review_rules *rules, struct buf *err)
{
	struct buf e = BUF_INIT;
	int error;

	if ((error = review_rules_add_builtin(rules, "secrets", &e)) < 0)
		error = error_set(err, TEND_ERROR, "cannot load the secret "
				  "patterns to mask the message: %s", e.ptr);
	buf_release(&e);
	return error;
}

int actions_notify_slack_body(struct buf *out, const struct actions_notice *n)
{
	struct review_rules rules;
	int error;

	assert(n);
	review_rules_init(&rules);
	if ((error = actions_notify_rules(&rules, NULL)) >= 0)
		error = actions_notify_body_with(out, n, &rules);
	review_rules_release(&rules);
	return error;
}

/*
 * Register `url` and the part after its authority (path, query) with the
 * redactor, each in its raw and trimmed form: the log of the HTTP client
 * shows the URL, a curl message may show the rest.
 */
static void actions_notify_register(const char *url)
{
	const char *p = strstr(url, "://");

	redact_add(url);
	if (!p)
		return;
	p += 3;
	p += strcspn(p, "/?#");
	redact_add(p);
	if (p[strcspn(p, "?#")]) {
		char *path = xstrndup(p, strcspn(p, "?#"));

		redact_add(path);
		free(path);
	}
}

/*
 * May the webhook be posted to? https:// anywhere; http:// only to the
 * loopback address (the tests' fake server), written as 127.0.0.1 or
 * [::1], without user information, with an optional port. No control
 * characters or spaces anywhere.
 */
static int actions_notify_url_allowed(const char *url)
{
	const char *p, *host, *end;
	size_t len;

	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	if (!strncasecmp(url, "https://", 8))
		return url[8] && !strchr("/?#", url[8]);
	if (strncasecmp(url, "http://", 7))
		return 0;
	host = url + 7;
	len = strcspn(host, "/?#");
	if (memchr(host, '@', len))
		return 0;
	if (len >= 5 && !strncmp(host, "[::1]", 5))
		p = host + 5;
	else if (len >= 9 && !strncmp(host, "127.0.0.1", 9))
		p = host + 9;
	else
		return 0;
	end = host + len;
	if (p == end)
		return 1;
	if (*p++ != ':' || p == end)
		return 0;
	for (; p < end; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/*
 * Make an HTTP client's message about the webhook fit to show: the URL,
 * in the form the client shows it and as it is, becomes "<webhook>",
 * and anything else registered is masked.
 */
static void actions_notify_scrub(struct buf *msg, const char *url)
{
	struct buf shown = BUF_INIT;

	http_url_for_log(&shown, url);
	if (shown.len)
		buf_replace_all(msg, shown.ptr, "<webhook>");
	buf_replace_all(msg, url, "<webhook>");
	redact_buf(msg);
	buf_release(&shown);
}

/* Slack's reason for a refusal: the first line of the body, printable. */
static void actions_notify_reason(struct buf *out, const struct buf *body)
{
	size_t i;

	for (i = 0; i < body->len && body->ptr[i] != '\n' &&
		    out->len < ACTIONS_NOTIFY_REASON_MAX; i++) {
		unsigned char c = (unsigned char)body->ptr[i];

		if (c >= 0x20 && c < 0x7f)
			buf_putc(out, (char)c);
		else if (c != '\r')
			buf_putc(out, '?');
	}
	buf_rtrim(out);
	redact_buf(out);
}

int actions_notify_slack(const struct tend_config *cfg,
			 const struct actions_notice *n, struct buf *err)
{
	const char *var = cfg->notify.slack_webhook_env, *raw;
	const char *headers[] = { "Content-Type: application/json", NULL };
	struct http_client_opts opts;
	struct http_client *c = NULL;
	struct http_request req;
	struct http_response res;
	struct review_rules rules;
	struct buf url = BUF_INIT, body = BUF_INIT, e = BUF_INIT;
	struct buf reason = BUF_INIT;
	size_t skip;
	int error = 0;

	assert(n);
	http_response_init(&res);
	review_rules_init(&rules);
	if (!var || !*var)
		goto out;
	raw = getenv(var);
	if (raw && *raw)
		redact_add(raw);
	skip = raw ? strspn(raw, " \t\r\n") : 0;
	if (raw)
		buf_puts(&url, raw + skip);
	buf_rtrim(&url);
	if (!url.len) {
		if (!actions_notify_said_empty) {
			actions_notify_said_empty = 1;
			log_info("notify.slack_webhook_env names $%s, which is "
				 "%s: no Slack notification", var,
				 raw ? "empty" : "not set");
		}
		goto out;
	}
	/* Before anything could log it. */
	actions_notify_register(url.ptr);
	if (!actions_notify_url_allowed(url.ptr)) {
		error = error_set(err, TEND_EINVALID,
				  "the Slack webhook URL in $%s must start "
				  "with https:// (http:// only to 127.0.0.1 "
				  "or [::1]); nothing was sent", var);
		goto out;
	}

	if ((error = actions_notify_rules(&rules, err)) < 0)
		goto out;
	if ((error = actions_notify_body_with(&body, n, &rules)) < 0) {
		error = error_set(err, error, "cannot build the Slack message");
		goto out;
	}

	memset(&opts, 0, sizeof(opts));
	opts.connect_timeout_ms = ACTIONS_NOTIFY_TIMEOUT_MS;
	opts.timeout_ms = ACTIONS_NOTIFY_TIMEOUT_MS;
	opts.max_retries = 3;
	opts.backoff_max_ms = 8000;
	opts.max_wait_ms = 30000;
	opts.max_response = 64 * 1024;
	c = http_client_new(&opts);

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url.ptr;
	req.headers = headers;
	req.body = body.ptr;
	req.body_len = body.len;
	req.timeout_ms = ACTIONS_NOTIFY_TIMEOUT_MS;
	/*
	 * Slack answers 5xx when it did not post the message, and a second
	 * copy of a notice costs less than a lost one: retry a POST here.
	 */
	req.idempotent = HTTP_IDEMPOTENT_YES;
	req.url_is_credential = 1;

	if ((error = http_send(c, &req, &res, &e)) < 0) {
		actions_notify_scrub(&e, url.ptr);
		error = error_set(err, error, "cannot post to Slack: %s",
				  e.ptr);
		goto out;
	}
	if (res.status < 200 || res.status > 299) {
		actions_notify_reason(&reason, &res.body);
		actions_notify_scrub(&reason, url.ptr);
		error = error_set(err, TEND_ERROR, "cannot post to Slack: the "
				  "webhook answered HTTP %ld%s%s", res.status,
				  reason.len ? ": " : "", reason.ptr);
		goto out;
	}
	log_debug("slack: notification sent (HTTP %ld, %d attempt%s)",
		  res.status, res.attempts, res.attempts == 1 ? "" : "s");

out:
	http_client_free(c);
	http_response_release(&res);
	review_rules_release(&rules);
	buf_release(&url);
	buf_release(&body);
	buf_release(&e);
	buf_release(&reason);
	return error;
}
