/*
 * provider.c - the neutral model-call types and the provider entry point.
 *
 * This file owns the lifecycle of the types in provider.h, opens providers
 * (base URL, key, headers, HTTP client), sends a call through common/http.h
 * and hands the reply to the protocol's parser. It knows no protocol's JSON:
 * agents/openai.c and agents/anthropic.c build the bodies, parse the replies
 * and interpret error answers. Retries and rate-limit waits are the HTTP
 * client's; this file only chooses to call model requests idempotent.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agents/provider.h"
#include "common/error.h"
#include "common/http.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"

#define AGENT_OPENAI_DEFAULT_BASE "https://api.openai.com/v1"
#define AGENT_ANTHROPIC_DEFAULT_BASE "https://api.anthropic.com"
#define AGENT_ANTHROPIC_VERSION "2023-06-01"

struct agent_provider {
	char *name;
	/* a custom provider */
	const struct agent_provider_ops *ops;
	void *data;
	/* an HTTP provider */
	enum agent_kind kind;
	char *url;
	char *embed_url;	/* OpenAI: {base}/embeddings; else NULL */
	char *api_key;		/* NULL: none */
	char *auth_header;	/* "Authorization: Bearer ..." or NULL */
	int max_completion;
	struct http_client *http;
};

/* ----- the neutral types ----- */

void agent_response_init(struct agent_response *r)
{
	memset(r, 0, sizeof(*r));
}

void agent_tool_call_release(struct agent_tool_call *c)
{
	free(c->id);
	free(c->name);
	free(c->arguments);
	json_decref(c->args);
	memset(c, 0, sizeof(*c));
}

static void agent_calls_free(struct agent_tool_call *calls, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		agent_tool_call_release(&calls[i]);
	free(calls);
}

void agent_response_release(struct agent_response *r)
{
	free(r->text);
	agent_calls_free(r->calls, r->nr_calls);
	free(r->stop_raw);
	free(r->model);
	agent_response_init(r);
}

void agent_message_release(struct agent_message *m)
{
	free(m->text);
	agent_calls_free(m->calls, m->nr_calls);
	free(m->tool_call_id);
	memset(m, 0, sizeof(*m));
}

void agent_response_to_message(struct agent_message *out,
			       struct agent_response *r)
{
	memset(out, 0, sizeof(*out));
	out->role = AGENT_ROLE_ASSISTANT;
	out->text = r->text;
	out->calls = r->calls;
	out->nr_calls = r->nr_calls;
	r->text = NULL;
	r->calls = NULL;
	r->nr_calls = 0;
}

static const char *const agent_stop_names[] = {
	"end", "tool_use", "max_tokens", "other"
};

const char *agent_stop_name(enum agent_stop stop)
{
	if ((unsigned)stop < sizeof(agent_stop_names) /
	    sizeof(agent_stop_names[0]))
		return agent_stop_names[stop];
	return "other";
}

int agent_stop_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(agent_stop_names) /
		     sizeof(agent_stop_names[0]); i++)
		if (!strcmp(name, agent_stop_names[i]))
			return (int)i;
	return -1;
}

void agent_tool_call_parse_args(struct agent_tool_call *call)
{
	const char *p = call->arguments ? call->arguments : "";
	json_error_t jerr;
	json_t *v;

	json_decref(call->args);
	call->args = NULL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!*p) {
		call->args = json_object();
		return;
	}
	v = json_loads(p, 0, &jerr);
	if (json_is_object(v))
		call->args = v;
	else
		json_decref(v);
}

struct agent_tool_call *agent_response_add_call(struct agent_response *r,
						const char *id,
						const char *name,
						const char *arguments)
{
	struct agent_tool_call *c;

	r->calls = xrealloc(r->calls, (r->nr_calls + 1) * sizeof(*r->calls));
	c = &r->calls[r->nr_calls++];
	memset(c, 0, sizeof(*c));
	c->id = id && *id ? xstrdup(id) : xasprintf("call_%zu", r->nr_calls);
	c->name = xstrdup(name ? name : "");
	c->arguments = xstrdup(arguments ? arguments : "{}");
	agent_tool_call_parse_args(c);
	return c;
}

/* ----- helpers shared by the protocol files ----- */

int agent_provider_says_context(const char *msg)
{
	static const char *const phrases[] = {
		"context length", "context_length", "context window",
		"maximum context", "prompt is too long", "input is too long",
		"reduce the length of the messages", NULL
	};
	size_t i, j, len;

	if (!msg)
		return 0;
	len = strlen(msg);
	for (i = 0; phrases[i]; i++) {
		size_t n = strlen(phrases[i]);

		for (j = 0; j + n <= len; j++)
			if (!strncasecmp(msg + j, phrases[i], n))
				return 1;
	}
	return 0;
}

void agent_provider_add_text(struct buf *out, const char *s, size_t len,
			     size_t max)
{
	size_t i, n = len < max ? len : max;

	/* Do not cut a UTF-8 sequence in half. */
	if (n < len)
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf_putc(out, ch < 0x20 || ch == 0x7f ? ' ' : ch);
	}
	if (n < len)
		buf_puts(out, "...");
}

/* ----- opening providers ----- */

static int agent_provider_kind(const char *kind, enum agent_kind *out)
{
	if (kind && !strcmp(kind, "openai"))
		*out = AGENT_KIND_OPENAI;
	else if (kind && !strcmp(kind, "anthropic"))
		*out = AGENT_KIND_ANTHROPIC;
	else
		return -1;
	return 0;
}

static int agent_provider_url_ok(const char *url)
{
	return !strncasecmp(url, "http://", 7) ||
		!strncasecmp(url, "https://", 8);
}

/* Is `url`'s host api.openai.com? */
static int agent_provider_official_openai(const char *url)
{
	const char *h = strstr(url, "://");
	size_t n;

	h = h ? h + 3 : url;
	n = strcspn(h, "/:?#");
	return n == strlen("api.openai.com") &&
		!strncasecmp(h, "api.openai.com", n);
}

int agent_provider_new(struct agent_provider **out,
		       const struct agent_provider_opts *opts,
		       struct buf *err)
{
	struct http_client_opts ho = { 0 };
	struct agent_provider *p;
	const char **headers = NULL;
	const char *base, *env, *path;
	enum agent_kind kind;
	size_t nr = 0, i, n;
	struct buf url = BUF_INIT, shown = BUF_INIT;
	int has_version = 0;

	*out = NULL;
	if (agent_provider_kind(opts->kind, &kind) < 0)
		return error_set(err, TEND_EINVALID,
				 "unknown model provider kind '%s' (expected "
				 "openai or anthropic)",
				 opts->kind ? opts->kind : "");
	env = kind == AGENT_KIND_OPENAI ? "OPENAI_BASE_URL" :
		"ANTHROPIC_BASE_URL";
	base = opts->base_url && *opts->base_url ? opts->base_url : getenv(env);
	if (!base || !*base)
		base = kind == AGENT_KIND_OPENAI ? AGENT_OPENAI_DEFAULT_BASE :
			AGENT_ANTHROPIC_DEFAULT_BASE;
	if (!agent_provider_url_ok(base) || strpbrk(base, " \t\r\n")) {
		http_url_for_log(&shown, base);
		error_set(err, TEND_EINVALID,
			  "base URL '%s' of model provider '%s' is not an "
			  "http or https URL", shown.ptr,
			  opts->name ? opts->name : opts->kind);
		buf_release(&shown);
		return TEND_EINVALID;
	}
	n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	path = kind == AGENT_KIND_OPENAI ? "/chat/completions" : "/v1/messages";
	buf_add(&url, base, n);

	p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(opts->name && *opts->name ? opts->name : opts->kind);
	p->kind = kind;
	if (kind == AGENT_KIND_OPENAI)
		p->embed_url = xasprintf("%s/embeddings", url.ptr);
	buf_puts(&url, path);
	p->url = buf_detach(&url, NULL);
	if (opts->api_key && *opts->api_key) {
		p->api_key = xstrdup(opts->api_key);
		redact_add(p->api_key);
		p->auth_header = kind == AGENT_KIND_OPENAI ?
			xasprintf("Authorization: Bearer %s", p->api_key) :
			xasprintf("x-api-key: %s", p->api_key);
	}
	if (opts->openai_max_completion_tokens)
		p->max_completion = opts->openai_max_completion_tokens > 0;
	else
		p->max_completion = agent_provider_official_openai(p->url);

	for (i = 0; opts->headers && opts->headers[i]; i++)
		if (!strncasecmp(opts->headers[i], "anthropic-version:", 18))
			has_version = 1;
	headers = xcalloc(i + 2, sizeof(*headers));
	for (i = 0; opts->headers && opts->headers[i]; i++)
		headers[nr++] = opts->headers[i];
	if (kind == AGENT_KIND_ANTHROPIC && !has_version)
		headers[nr++] = "anthropic-version: " AGENT_ANTHROPIC_VERSION;
	headers[nr] = NULL;
	ho.headers = headers;
	ho.timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms :
		AGENT_DEFAULT_TIMEOUT_MS;
	ho.max_retries = opts->max_retries;
	ho.backoff_base_ms = opts->backoff_base_ms;
	ho.max_wait_ms = opts->max_wait_ms;
	p->http = http_client_new(&ho);
	free(headers);
	*out = p;
	return 0;
}

int agent_provider_from_config(struct agent_provider **out,
			       const struct config_provider *cp,
			       struct buf *err)
{
	struct agent_provider_opts o = { 0 };
	enum agent_kind kind;
	const char *var, *key;

	*out = NULL;
	if (agent_provider_kind(cp->kind, &kind) < 0)
		return error_set(err, TEND_EINVALID,
				 "model provider '%s' has unknown kind '%s' "
				 "(expected openai or anthropic)",
				 cp->name ? cp->name : "",
				 cp->kind ? cp->kind : "");
	var = cp->api_key_env && *cp->api_key_env ? cp->api_key_env :
		kind == AGENT_KIND_OPENAI ? "OPENAI_API_KEY" :
		"ANTHROPIC_API_KEY";
	key = getenv(var);
	if ((!key || !*key) && !(cp->base_url && *cp->base_url))
		return error_set(err, TEND_EAUTH,
				 "no API key for model provider '%s': $%s is "
				 "not set", cp->name ? cp->name : cp->kind,
				 var);
	o.name = cp->name;
	o.kind = cp->kind;
	o.base_url = cp->base_url;
	o.api_key = key;
	return agent_provider_new(out, &o, err);
}

struct agent_provider *agent_provider_custom(const char *name,
					     const struct agent_provider_ops
					     *ops, void *data)
{
	struct agent_provider *p = xcalloc(1, sizeof(*p));

	p->name = xstrdup(name && *name ? name : "custom");
	p->ops = ops;
	p->data = data;
	return p;
}

void agent_provider_free(struct agent_provider *p)
{
	if (!p)
		return;
	if (p->ops && p->ops->free)
		p->ops->free(p->data);
	http_client_free(p->http);
	free(p->name);
	free(p->url);
	free(p->embed_url);
	if (p->api_key) {
		/* Do not leave the key lying around in freed memory. */
		memset(p->api_key, 0, strlen(p->api_key));
		memset(p->auth_header, 0, strlen(p->auth_header));
	}
	free(p->api_key);
	free(p->auth_header);
	free(p);
}

const char *agent_provider_name(const struct agent_provider *p)
{
	return p->name;
}

const char *agent_provider_url(const struct agent_provider *p)
{
	return p->url;
}

void agent_provider_set_sleep(struct agent_provider *p,
			      void (*sleep_ms)(long ms, void *data),
			      void *data)
{
	if (p->http)
		http_client_set_sleep(p->http, sleep_ms, data);
	else if (p->ops && p->ops->set_sleep)
		p->ops->set_sleep(p->data, sleep_ms, data);
}

/* ----- one call ----- */

/* Does the answer look like an event stream rather than JSON? */
static int agent_provider_is_sse(const struct http_response *r)
{
	const char *ct = http_response_header(r, "content-type");
	const char *b = r->body.ptr;

	if (ct && !strncasecmp(ct, "text/event-stream", 17))
		return 1;
	if (ct && strstr(ct, "json"))
		return 0;
	while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
		b++;
	return !strncmp(b, "data:", 5) || !strncmp(b, "event:", 6) ||
		*b == ':';
}

/* Mask the key wherever a message may have picked it up. */
static void agent_provider_scrub(const struct agent_provider *p,
				 struct buf *err)
{
	/* A short dummy key ("none") would mangle the message instead. */
	if (err && p->api_key && strlen(p->api_key) >= REDACT_MIN_LEN)
		buf_replace_all(err, p->api_key, REDACT_MASK);
	if (err)
		redact_buf(err);
}

static int agent_provider_error(const struct agent_provider *p, long status,
				const struct buf *body, struct buf *err)
{
	if (p->kind == AGENT_KIND_OPENAI)
		return agent_openai_error(status, body->ptr, body->len, err);
	return agent_anthropic_error(status, body->ptr, body->len, err);
}

static int agent_provider_http(struct agent_provider *p,
			       const struct agent_request *req,
			       struct agent_response *out, struct buf *err)
{
	struct http_request hr = { 0 };
	struct http_response resp;
	struct buf body = BUF_INIT, msg = BUF_INIT;
	const char *headers[4];
	size_t nh = 0;
	int error, sse;

	http_response_init(&resp);
	if (p->kind == AGENT_KIND_OPENAI)
		error = agent_openai_request(&body, req, p->max_completion,
					     err);
	else
		error = agent_anthropic_request(&body, req, err);
	if (error < 0)
		goto out;
	headers[nh++] = "Content-Type: application/json";
	headers[nh++] = req->stream ? "Accept: text/event-stream" :
		"Accept: application/json";
	if (p->auth_header)
		headers[nh++] = p->auth_header;
	headers[nh] = NULL;
	hr.method = "POST";
	hr.url = p->url;
	hr.headers = headers;
	hr.body = body.ptr;
	hr.body_len = body.len;
	hr.timeout_ms = req->timeout_ms;
	hr.idempotent = HTTP_IDEMPOTENT_YES;
	error = http_send(p->http, &hr, &resp, err);
	if (error < 0) {
		/*
		 * The client's message says what happened to the attempts;
		 * the server's own words (from its error JSON) say why.
		 */
		if (resp.status >= 400 && resp.body.len &&
		    error != TEND_ETIMEOUT && error != TEND_ETOOBIG) {
			agent_provider_error(p, resp.status, &resp.body, &msg);
			if (error == TEND_ERATELIMIT && err) {
				buf_puts(err, ": ");
				buf_add(err, msg.ptr, msg.len);
			} else if (error != TEND_ERATELIMIT) {
				if (resp.attempts > 1)
					buf_printf(&msg, " (after %d "
						   "attempts)", resp.attempts);
				error_set(err, error, "%s", msg.ptr);
			}
		}
		goto out;
	}
	if (resp.status < 200 || resp.status >= 300) {
		error = agent_provider_error(p, resp.status, &resp.body, err);
		goto out;
	}
	sse = agent_provider_is_sse(&resp);
	if (p->kind == AGENT_KIND_OPENAI)
		error = agent_openai_parse(resp.body.ptr, resp.body.len, sse,
					   out, err);
	else
		error = agent_anthropic_parse(resp.body.ptr, resp.body.len,
					      sse, out, err);
	if (error == TEND_EINVALID)
		error_wrap(err, error, "invalid %s from %s",
			   sse ? "event stream" : "reply", p->url);
out:
	buf_release(&body);
	buf_release(&msg);
	http_response_release(&resp);
	return error;
}

int agent_provider_complete(struct agent_provider *p,
			    const struct agent_request *req,
			    struct agent_response *out, struct buf *err)
{
	int error;

	agent_response_release(out);
	if (!req->model || !*req->model)
		return error_set(err, TEND_EINVALID,
				 "no model given for provider '%s'", p->name);
	if (p->ops)
		error = p->ops->complete(p->data, req, out, err);
	else
		error = agent_provider_http(p, req, out, err);
	if (error < 0) {
		agent_response_release(out);
		/* A custom provider words its own messages. */
		if (!p->ops)
			error_wrap(err, error, "%s model '%s'", p->name,
				   req->model);
		agent_provider_scrub(p, err);
		return error;
	}
	if (!out->text)
		out->text = xstrdup("");
	if (out->nr_calls && out->stop == AGENT_STOP_END)
		out->stop = AGENT_STOP_TOOL_USE;
	if (!out->model)
		out->model = xstrdup(req->model);
	log_debug("model: %s %s: %ld in, %ld cached, %ld out, stop %s, "
		  "%zu tool call%s", p->name, out->model, out->usage.input,
		  out->usage.cache_read + out->usage.cache_write,
		  out->usage.output, agent_stop_name(out->stop),
		  out->nr_calls, out->nr_calls == 1 ? "" : "s");
	return 0;
}

/* ----- embeddings ----- */

void agent_embeddings_init(struct agent_embeddings *e)
{
	memset(e, 0, sizeof(*e));
}

void agent_embeddings_release(struct agent_embeddings *e)
{
	free(e->data);
	free(e->model);
	agent_embeddings_init(e);
}

/* One batch, texts [first, first + nr), over HTTP. */
static int agent_provider_embed_http(struct agent_provider *p,
				     const struct agent_embed_request *req,
				     size_t first, size_t nr,
				     struct agent_embeddings *out,
				     struct buf *err)
{
	struct http_request hr = { 0 };
	struct http_response resp;
	struct buf body = BUF_INIT, msg = BUF_INIT;
	const char *headers[4];
	size_t nh = 0;
	int error;

	http_response_init(&resp);
	agent_openai_embed_request(&body, req, first, nr);
	headers[nh++] = "Content-Type: application/json";
	headers[nh++] = "Accept: application/json";
	if (p->auth_header)
		headers[nh++] = p->auth_header;
	headers[nh] = NULL;
	hr.method = "POST";
	hr.url = p->embed_url;
	hr.headers = headers;
	hr.body = body.ptr;
	hr.body_len = body.len;
	hr.timeout_ms = req->timeout_ms;
	hr.idempotent = HTTP_IDEMPOTENT_YES;
	error = http_send(p->http, &hr, &resp, err);
	if (error < 0) {
		if (resp.status >= 400 && resp.body.len &&
		    error != TEND_ETIMEOUT && error != TEND_ETOOBIG) {
			agent_openai_error(resp.status, resp.body.ptr,
					   resp.body.len, &msg);
			if (error == TEND_ERATELIMIT && err) {
				buf_puts(err, ": ");
				buf_add(err, msg.ptr, msg.len);
			} else if (error != TEND_ERATELIMIT) {
				if (resp.attempts > 1)
					buf_printf(&msg, " (after %d "
						   "attempts)", resp.attempts);
				error_set(err, error, "%s", msg.ptr);
			}
		}
		goto out;
	}
	if (resp.status < 200 || resp.status >= 300) {
		error = agent_openai_error(resp.status, resp.body.ptr,
					   resp.body.len, err);
		goto out;
	}
	error = agent_openai_embed_parse(resp.body.ptr, resp.body.len, first,
					 nr, req->nr, out, err);
	if (error == TEND_EINVALID)
		error_wrap(err, error, "invalid reply from %s", p->embed_url);
out:
	buf_release(&body);
	buf_release(&msg);
	http_response_release(&resp);
	return error;
}

int agent_provider_embed(struct agent_provider *p,
			 const struct agent_embed_request *req,
			 struct agent_embeddings *out, struct buf *err)
{
	size_t first, n;
	int error = 0;

	agent_embeddings_release(out);
	if (!req->model || !*req->model)
		return error_set(err, TEND_EINVALID, "no embedding model given "
				 "for provider '%s'", p->name);
	if (!req->nr)
		return error_set(err, TEND_EINVALID, "no text to embed for "
				 "provider '%s'", p->name);
	if (p->ops) {
		if (!p->ops->embed)
			return error_set(err, TEND_EINVALID, "provider '%s' "
					 "has no embeddings", p->name);
		error = p->ops->embed(p->data, req, out, err);
		if (!error && (out->nr != req->nr || !out->dim || !out->data ||
			       out->dim > AGENT_EMBED_DIM_MAX))
			error = error_set(err, TEND_EINVALID, "provider '%s' "
					  "returned %zu vectors of %zu numbers "
					  "for %zu texts", p->name, out->nr,
					  out->dim, req->nr);
	} else if (!p->embed_url) {
		return error_set(err, TEND_EINVALID, "provider '%s' is of kind "
				 "anthropic, which has no embeddings endpoint; "
				 "use a provider of kind openai", p->name);
	} else {
		for (first = 0; first < req->nr && !error; first += n) {
			n = req->nr - first;
			if (n > AGENT_EMBED_BATCH)
				n = AGENT_EMBED_BATCH;
			error = agent_provider_embed_http(p, req, first, n, out,
							  err);
		}
	}
	if (error < 0) {
		agent_embeddings_release(out);
		if (!p->ops)
			error_wrap(err, error, "%s embeddings model '%s'",
				   p->name, req->model);
		agent_provider_scrub(p, err);
		return error;
	}
	if (!out->model)
		out->model = xstrdup(req->model);
	log_debug("model: %s %s: %zu texts embedded, %zu dimensions, %ld "
		  "tokens", p->name, out->model, out->nr, out->dim,
		  out->usage.input);
	return 0;
}
