/*
 * http.c - the HTTP client on libcurl: one request with retries, rate-limit
 * waits, size caps and secret-safe logging, plus pagination helpers.
 *
 * This file knows HTTP and the rate-limit conventions of the services tend
 * talks to (Retry-After, GitHub's x-ratelimit-* and secondary limits,
 * GitLab's RateLimit-Reset and x-next-page). It does not know any API's
 * paths or payloads: that is the job of forge/ and agents/.
 *
 * One attempt is one curl_easy_perform() on the client's easy handle; the
 * handle is reset between attempts (which keeps its connection pool, DNS
 * and TLS session caches) and set up again from the request, so nothing
 * from an earlier request leaks into the next one.
 *
 * libcurl is opened with dlopen() when the first client is made, not
 * linked: with the thirty libraries it needs in turn (TLS, Kerberos, LDAP,
 * HTTP/2, IDN, ...) it cost every start of tend about 5 ms of dynamic
 * linking, and many runs make no request at all (`tend index --query`,
 * `tend rules`, a review without a model). Every libcurl function used
 * here is called through `http_curl`. When libcurl cannot be opened, a
 * client still comes back and each request fails with the reason.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "error.h"
#include "http.h"
#include "log.h"
#include "redact.h"
#include "xalloc.h"

#ifndef TEND_VERSION
#define TEND_VERSION "dev"
#endif

/* Bounds on what a server may send us besides the body. */
#define HTTP_MAX_HEADERS 1000
#define HTTP_MAX_HEADER_BYTES ((size_t)1 << 20)
/* GitHub asks to wait at least a minute after a secondary rate limit. */
#define HTTP_SECONDARY_WAIT_MS 60000L
/* How much of an error body goes into a message. */
#define HTTP_SNIPPET_LEN 200

struct http_client {
	CURL *curl;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	int max_retries;
	long backoff_base_ms;
	long backoff_max_ms;
	long max_wait_ms;
	size_t max_response;
	char *ca_file;
	char *ca_path;
	char **headers;
	size_t nr_headers;
	void (*sleep_ms)(long ms, void *data);
	void *sleep_data;
	uint64_t rng;
	char errbuf[CURL_ERROR_SIZE];
};

/* What the curl callbacks of one attempt write into. */
struct http_xfer {
	struct http_response *out;
	size_t header_bytes;
	int too_big;		/* 1: the body, 2: the headers */
};

/*
 * The library's names, tried in order: Debian's libcurl4 (OpenSSL, the one
 * tend is built against), then libcurl3-gnutls (same ABI, other TLS),
 * which runners that have git installed carry. TEND_LIBCURL, when set,
 * is the only one tried (the tests use it for a missing library).
 */
static const char *const http_curl_names[] = {
	"libcurl.so.4", "libcurl-gnutls.so.4", NULL
};

static struct http_curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_reset)(CURL *curl);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list,
					   const char *s);
	void (*slist_free_all)(struct curl_slist *list);
	time_t (*getdate)(const char *s, const time_t *unused);
	curl_version_info_data *(*version_info)(CURLversion v);
} http_curl;

#define HTTP_CURL_SYM(name, field) \
	{ name, offsetof(struct http_curl_api, field) }
static const struct {
	const char *name;
	size_t off;
} http_curl_syms[] = {
	HTTP_CURL_SYM("curl_global_init", global_init),
	HTTP_CURL_SYM("curl_easy_init", easy_init),
	HTTP_CURL_SYM("curl_easy_setopt", easy_setopt),
	HTTP_CURL_SYM("curl_easy_perform", easy_perform),
	HTTP_CURL_SYM("curl_easy_getinfo", easy_getinfo),
	HTTP_CURL_SYM("curl_easy_reset", easy_reset),
	HTTP_CURL_SYM("curl_easy_cleanup", easy_cleanup),
	HTTP_CURL_SYM("curl_easy_strerror", easy_strerror),
	HTTP_CURL_SYM("curl_slist_append", slist_append),
	HTTP_CURL_SYM("curl_slist_free_all", slist_free_all),
	HTTP_CURL_SYM("curl_getdate", getdate),
	HTTP_CURL_SYM("curl_version_info", version_info),
};

static pthread_once_t http_global_once = PTHREAD_ONCE_INIT;
static int http_global_ok;
static char http_global_why[512];

/* Open libcurl, find every function, initialise it; once per process. */
static void http_global_init(void)
{
	const char *only = getenv("TEND_LIBCURL");
	const char *const *name;
	void *lib = NULL;
	size_t i;
	CURLcode rc;

	if (!only || !*only)
		only = NULL;
	lib = dlopen(only ? only : http_curl_names[0], RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		snprintf(http_global_why, sizeof(http_global_why),
			 "cannot load libcurl: %s%s", dlerror(), only ? "" :
			 "; install Debian's libcurl4");
	for (name = http_curl_names + 1; !lib && !only && *name; name++)
		lib = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return;
	for (i = 0; i < sizeof(http_curl_syms) / sizeof(*http_curl_syms);
	     i++) {
		void *fn = dlsym(lib, http_curl_syms[i].name);

		if (!fn) {
			snprintf(http_global_why, sizeof(http_global_why),
				 "cannot use libcurl: it lacks %s",
				 http_curl_syms[i].name);
			dlclose(lib);
			return;
		}
		memcpy((char *)&http_curl + http_curl_syms[i].off, &fn,
		       sizeof(fn));
	}
	if ((rc = http_curl.global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(http_global_why, sizeof(http_global_why),
			 "cannot initialise libcurl: %s",
			 http_curl.easy_strerror(rc));
		return;
	}
	http_global_why[0] = '\0';
	http_global_ok = 1;
}

/* 0 with libcurl ready; -1 with the reason in `why` when it is not. */
static int http_curl_ready(const char **why)
{
	pthread_once(&http_global_once, http_global_init);
	if (why)
		*why = http_global_why;
	return http_global_ok ? 0 : -1;
}

int http_library_version(struct buf *out)
{
	const curl_version_info_data *cv;
	const char *why;

	if (http_curl_ready(&why) < 0) {
		buf_puts(out, why);
		return -1;
	}
	cv = http_curl.version_info(CURLVERSION_NOW);
	buf_printf(out, "%s (%s)", cv->version,
		   cv->ssl_version ? cv->ssl_version : "no TLS");
	return 0;
}

static long http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void http_real_sleep(long ms, void *data)
{
	struct timespec ts;

	(void)data;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* xorshift64*: jitter only needs to differ between processes. */
static uint64_t http_rand(struct http_client *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545F4914F6CDD1DULL;
}

static long http_env_long(const char *name, long dflt, long scale)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	n = strtol(v, &end, 10);
	if (*end || n < 0 || n > LONG_MAX / scale)
		return dflt;
	return n * scale;
}

static int http_header_valid(const char *h)
{
	const char *colon = strchr(h, ':');

	return colon && colon != h && !strpbrk(h, "\r\n");
}

struct http_client *http_client_new(const struct http_client_opts *opts)
{
	static const struct http_client_opts none;
	struct http_client *c;
	const char *ca;
	size_t i;

	if (!opts)
		opts = &none;
	c = xcalloc(1, sizeof(*c));
	/* Without libcurl the client is made; its requests fail, saying why. */
	if (http_curl_ready(NULL) == 0 && !(c->curl = http_curl.easy_init())) {
		fprintf(stderr, "tend: cannot create a libcurl handle\n");
		abort();
	}
	c->user_agent = xstrdup(opts->user_agent ? opts->user_agent
				: "tend/" TEND_VERSION);
	c->connect_timeout_ms = opts->connect_timeout_ms > 0 ?
		opts->connect_timeout_ms : HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = opts->timeout_ms > 0 ?
		opts->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	c->max_retries = opts->max_retries > 0 ? opts->max_retries :
		opts->max_retries < 0 ? 0 : HTTP_DEFAULT_RETRIES;
	c->backoff_base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms
		: http_env_long("TEND_HTTP_BACKOFF_MS",
				HTTP_DEFAULT_BACKOFF_MS, 1);
	c->backoff_max_ms = opts->backoff_max_ms > 0 ?
		opts->backoff_max_ms : HTTP_DEFAULT_BACKOFF_MAX_MS;
	if (c->backoff_max_ms < c->backoff_base_ms)
		c->backoff_max_ms = c->backoff_base_ms;
	c->max_wait_ms = opts->max_wait_ms > 0 ? opts->max_wait_ms :
		opts->max_wait_ms < 0 ? 0 :
		http_env_long("TEND_HTTP_MAX_WAIT", HTTP_DEFAULT_MAX_WAIT_MS,
			      1000);
	c->max_response = opts->max_response ?
		opts->max_response : HTTP_DEFAULT_MAX_RESPONSE;
	ca = opts->ca_file;
	if (!ca || !*ca)
		ca = getenv("SSL_CERT_FILE");
	if (!ca || !*ca)
		ca = getenv("CURL_CA_BUNDLE");
	if (ca && *ca)
		c->ca_file = xstrdup(ca);
	ca = getenv("SSL_CERT_DIR");
	if (ca && *ca)
		c->ca_path = xstrdup(ca);
	for (i = 0; opts->headers && opts->headers[i]; i++) {
		if (!http_header_valid(opts->headers[i]))
			continue;
		c->headers = xrealloc(c->headers,
				      (c->nr_headers + 1) * sizeof(char *));
		c->headers[c->nr_headers++] = xstrdup(opts->headers[i]);
	}
	c->sleep_ms = http_real_sleep;
	c->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		(uint64_t)(uintptr_t)c ^ (uint64_t)http_now_ms();
	if (!c->rng)
		c->rng = 0x9E3779B97F4A7C15ULL;
	return c;
}

void http_client_free(struct http_client *c)
{
	size_t i;

	if (!c)
		return;
	if (c->curl)
		http_curl.easy_cleanup(c->curl);
	for (i = 0; i < c->nr_headers; i++)
		free(c->headers[i]);
	free(c->headers);
	free(c->user_agent);
	free(c->ca_file);
	free(c->ca_path);
	free(c);
}

void http_client_set_sleep(struct http_client *c,
			   void (*sleep_ms)(long ms, void *data), void *data)
{
	c->sleep_ms = sleep_ms ? sleep_ms : http_real_sleep;
	c->sleep_data = sleep_ms ? data : NULL;
}

void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 0);
}

static void http_response_clear_headers(struct http_response *r)
{
	size_t i;

	for (i = 0; i < r->nr_headers; i++)
		free(r->headers[i]);
	r->nr_headers = 0;
}

void http_response_release(struct http_response *r)
{
	http_response_clear_headers(r);
	free(r->headers);
	buf_release(&r->body);
	http_response_init(r);
}

const char *http_response_header(const struct http_response *r,
				 const char *name)
{
	size_t i = r->nr_headers, n = strlen(name);

	while (i--) {
		const char *h = r->headers[i];

		if (!strncasecmp(h, name, n) && h[n] == ':')
			return h[n + 1] == ' ' ? h + n + 2 : h + n + 1;
	}
	return NULL;
}

static int http_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Does the lower-case `name` of length `n` look like it holds a secret? */
static int http_name_is_secret(const char *name, size_t n)
{
	static const char *const parts[] = {
		"token", "key", "secret", "sig", "pass", "auth", "cookie",
		"session", NULL
	};
	char low[128];
	size_t i;

	if (n >= sizeof(low))
		return 1;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	for (i = 0; parts[i]; i++)
		if (strstr(low, parts[i]))
			return 1;
	return 0;
}

void http_url_for_log(struct buf *out, const char *url)
{
	const char *p = url, *scheme = strstr(url, "://"), *end;

	if (scheme && scheme < url + strcspn(url, "/?#")) {
		const char *auth = scheme + 3;
		const char *auth_end = auth + strcspn(auth, "/?#");
		const char *at = NULL, *q;

		for (q = auth; q < auth_end; q++)
			if (*q == '@')
				at = q;
		buf_add(out, url, (size_t)(auth - url));
		p = at ? at + 1 : auth;
	}
	end = p + strcspn(p, "?#");
	buf_add(out, p, (size_t)(end - p));
	p = end;
	if (*p != '?') {
		buf_puts(out, p);
		return;
	}
	buf_putc(out, '?');
	p++;
	while (*p && *p != '#') {
		size_t len = strcspn(p, "&#");
		const char *eq = memchr(p, '=', len);

		if (eq && http_name_is_secret(p, (size_t)(eq - p))) {
			buf_add(out, p, (size_t)(eq - p) + 1);
			buf_puts(out, "***");
		} else {
			buf_add(out, p, len);
		}
		p += len;
		if (*p == '&')
			buf_putc(out, *p++);
	}
	buf_puts(out, p);
}

/* "host:port" of `url` (without user info), for messages. */
static void http_url_host(struct buf *out, const char *url)
{
	const char *p = strstr(url, "://"), *end, *q;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	for (q = p; q < end; q++)
		if (*q == '@')
			p = q + 1;
	buf_add(out, p, (size_t)(end - p));
}

/*
 * curl callbacks. Returning less than was given makes curl stop the
 * transfer with CURLE_WRITE_ERROR; `too_big` says why.
 */
static size_t http_write_cb(char *data, size_t size, size_t nmemb, void *p)
{
	struct http_xfer *x = p;
	size_t n = size * nmemb;

	if (buf_add(&x->out->body, data, n) < 0) {
		x->too_big = 1;
		return 0;
	}
	return n;
}

static size_t http_header_cb(char *data, size_t size, size_t nmemb, void *p)
{
	struct http_xfer *x = p;
	struct http_response *r = x->out;
	size_t n = size * nmemb, len = n, i, name_len;
	const char *colon, *v, *v_end;
	char *h;

	x->header_bytes += n;
	if (x->header_bytes > HTTP_MAX_HEADER_BYTES) {
		x->too_big = 2;
		return 0;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		/* A new answer (after a 1xx): forget the headers so far. */
		http_response_clear_headers(r);
		return n;
	}
	if (!len)
		return n;
	if (data[0] == ' ' || data[0] == '\t') {
		/* obs-fold: a continuation of the previous header */
		if (r->nr_headers) {
			char **last = &r->headers[r->nr_headers - 1];

			v = data;
			v_end = data + len;
			while (v < v_end && http_is_space(*v))
				v++;
			h = xasprintf("%s %.*s", *last, (int)(v_end - v), v);
			free(*last);
			*last = h;
		}
		return n;
	}
	colon = memchr(data, ':', len);
	if (!colon || colon == data)
		return n;
	if (r->nr_headers >= HTTP_MAX_HEADERS) {
		x->too_big = 2;
		return 0;
	}
	name_len = (size_t)(colon - data);
	while (name_len && http_is_space(data[name_len - 1]))
		name_len--;
	v = colon + 1;
	v_end = data + len;
	while (v < v_end && http_is_space(*v))
		v++;
	while (v_end > v && http_is_space(v_end[-1]))
		v_end--;
	h = xasprintf("%.*s: %.*s", (int)name_len, data, (int)(v_end - v), v);
	for (i = 0; i < name_len; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	ALLOC_GROW(r->headers, r->nr_headers, r->alloc_headers);
	r->headers[r->nr_headers++] = h;
	return n;
}

/* Do the names of the "Name: value" headers `a` and `b` match? */
static int http_same_name(const char *a, const char *b)
{
	size_t na = strcspn(a, ":;"), nb = strcspn(b, ":;");

	return na == nb && !strncasecmp(a, b, na);
}

static int http_has_header(const char *const *list, const char *h)
{
	for (; list && *list; list++)
		if (http_same_name(*list, h))
			return 1;
	return 0;
}

static struct curl_slist *http_header_list(struct http_client *c,
					   const struct http_request *req)
{
	struct curl_slist *list = NULL;
	size_t i;

	for (i = 0; i < c->nr_headers; i++)
		if (!http_has_header(req->headers, c->headers[i]))
			list = http_curl.slist_append(list, c->headers[i]);
	for (i = 0; req->headers && req->headers[i]; i++)
		if (http_header_valid(req->headers[i]))
			list = http_curl.slist_append(list, req->headers[i]);
	/*
	 * No "Expect: 100-continue": it costs a round trip or a second of
	 * waiting on servers that do not answer it, for bodies that are small.
	 */
	if (!http_has_header(req->headers, "Expect:"))
		list = http_curl.slist_append(list, "Expect:");
	return list;
}

static void http_log_header(const char *h)
{
	size_t n = strcspn(h, ":");

	if (!h[n])
		return;
	if (http_name_is_secret(h, n))
		log_trace("http:   %.*s: ***", (int)n, h);
	else
		log_trace("http:   %s", h);
}

/* Trace the headers a request carries, credentials masked by name. */
static void http_log_headers(struct http_client *c,
			     const struct http_request *req)
{
	size_t i;

	for (i = 0; i < c->nr_headers; i++)
		if (!http_has_header(req->headers, c->headers[i]))
			http_log_header(c->headers[i]);
	for (i = 0; req->headers && req->headers[i]; i++)
		http_log_header(req->headers[i]);
}

static int http_method_idempotent(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") ||
		!strcmp(m, "DELETE") || !strcmp(m, "OPTIONS");
}

/* Set the handle up for one attempt of `req`. */
static void http_setup(struct http_client *c, const struct http_request *req,
		       const char *method, int idempotent,
		       struct curl_slist *headers, struct http_xfer *x)
{
	CURL *h = c->curl;
	curl_off_t max = (curl_off_t)c->max_response;

	http_curl.easy_reset(h);
	c->errbuf[0] = '\0';
	http_curl.easy_setopt(h, CURLOPT_URL, req->url);
	http_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	http_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	http_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	http_curl.easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	http_curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	http_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			      c->connect_timeout_ms);
	http_curl.easy_setopt(h, CURLOPT_TIMEOUT_MS,
			 req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms);
	http_curl.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	http_curl.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	http_curl.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, max);
	http_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb);
	http_curl.easy_setopt(h, CURLOPT_WRITEDATA, x);
	http_curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header_cb);
	http_curl.easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (c->ca_file)
		http_curl.easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_path)
		http_curl.easy_setopt(h, CURLOPT_CAPATH, c->ca_path);
	/*
	 * curl silently resends a request whose reused connection died before
	 * any answer came back, the POST included. A request that must not
	 * be sent twice therefore gets a connection of its own.
	 */
	if (!idempotent)
		http_curl.easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);

	if (!strcmp(method, "GET")) {
		http_curl.easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(method, "HEAD")) {
		http_curl.easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(method, "POST"))
			http_curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		/* PUT, PATCH and POST always carry a body, if empty. */
		if (req->body || (strcmp(method, "DELETE") &&
				  strcmp(method, "OPTIONS"))) {
			http_curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)(req->body ?
						      req->body_len : 0));
			http_curl.easy_setopt(h, CURLOPT_POSTFIELDS,
					 req->body ? req->body : "");
		}
	}
}

/*
 * Curl failures worth another attempt: the network, the far end going
 * away, a deadline. Configuration errors (bad URL, bad certificate) are not.
 */
static int http_curl_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

/* Failures that happen before a single byte of the request is sent. */
static int http_curl_before_send(CURLcode rc)
{
	return rc == CURLE_COULDNT_RESOLVE_PROXY ||
		rc == CURLE_COULDNT_RESOLVE_HOST ||
		rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR;
}

static int http_status_retryable(long status)
{
	return status == 500 || status == 502 || status == 503 ||
		status == 504 || status == 529;
}

long http_retry_after_secs(const char *value, time_t now)
{
	const char *p = value, *end;
	char *copy, *num_end;
	long secs;
	time_t t;

	if (!value)
		return -1;
	while (http_is_space(*p))
		p++;
	end = p + strlen(p);
	while (end > p && http_is_space(end[-1]))
		end--;
	if (end == p)
		return -1;
	if (isdigit((unsigned char)*p)) {
		secs = strtol(p, &num_end, 10);
		if (num_end == end)
			return secs;
	}
	if (http_curl_ready(NULL) < 0)
		return -1;
	copy = xstrndup(p, (size_t)(end - p));
	t = http_curl.getdate(copy, NULL);
	free(copy);
	if (t == (time_t)-1)
		return -1;
	if (t <= now)
		return 0;
	if ((double)t - (double)now > (double)LONG_MAX)
		return LONG_MAX;
	return (long)(t - now);
}

/* An epoch-seconds header as a wait from `now`, or -1. */
static long http_reset_secs(const char *value, time_t now)
{
	char *end;
	long long t;

	if (!value || !isdigit((unsigned char)*value))
		return -1;
	t = strtoll(value, &end, 10);
	if (*end && !http_is_space(*end))
		return -1;
	if (t <= (long long)now)
		return 0;
	if (t - (long long)now > LONG_MAX / 1000)
		return LONG_MAX / 1000;
	return (long)(t - (long long)now);
}

static int http_contains_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (!strncasecmp(hay + i, needle, n))
			return 1;
	return 0;
}

/*
 * Is `r` a rate-limit answer? When it is, `*wait_ms` is how long the
 * server asked us to wait, or -1 when it did not say.
 */
static int http_rate_limited(const struct http_response *r, time_t now,
			     long *wait_ms)
{
	const char *remaining =
		http_response_header(r, "x-ratelimit-remaining");
	int exhausted = remaining && !strcmp(remaining, "0");
	int secondary = 0;
	long secs;

	if (r->status == 403) {
		secondary = http_contains_ci(r->body.ptr, r->body.len,
					     "secondary rate limit") ||
			http_contains_ci(r->body.ptr, r->body.len,
					 "abuse detection");
		if (!exhausted && !secondary)
			return 0;
	} else if (r->status != 429) {
		return 0;
	}
	secs = http_retry_after_secs(http_response_header(r, "retry-after"),
				     now);
	if (secs < 0 && exhausted)
		secs = http_reset_secs(http_response_header(r,
					"x-ratelimit-reset"), now);
	if (secs < 0)
		secs = http_reset_secs(http_response_header(r,
					"ratelimit-reset"), now);
	if (secs < 0) {
		*wait_ms = secondary ? HTTP_SECONDARY_WAIT_MS : -1;
		return 1;
	}
	/* Never hammer a server that says "now" while still refusing. */
	if (secs < 1)
		secs = 1;
	*wait_ms = secs > LONG_MAX / 1000 ? LONG_MAX : secs * 1000;
	return 1;
}

/* Full jitter: a uniform wait in [0, min(max, base * 2^retry)]. */
static long http_backoff(struct http_client *c, int retry)
{
	long cap = c->backoff_base_ms;
	int i;

	for (i = 0; i < retry && cap < c->backoff_max_ms; i++)
		cap = cap > LONG_MAX / 2 ? LONG_MAX : cap * 2;
	if (cap > c->backoff_max_ms)
		cap = c->backoff_max_ms;
	return (long)(http_rand(c) % ((uint64_t)cap + 1));
}

static void http_sleep(struct http_client *c, struct http_response *out,
		       long ms)
{
	c->sleep_ms(ms, c->sleep_data);
	out->waited_ms += ms;
}

/* ": first line of the body" for messages, when there is a body. */
static void http_add_snippet(struct buf *b, const struct http_response *r)
{
	size_t i, n = r->body.len < HTTP_SNIPPET_LEN ?
		r->body.len : HTTP_SNIPPET_LEN;
	size_t start = b->len;

	buf_puts(b, ": ");
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)r->body.ptr[i];

		buf_putc(b, ch < 0x20 || ch == 0x7f ? ' ' : ch);
	}
	buf_rtrim(b);
	if (b->len == start + 1)
		buf_truncate(b, start);
	else if (r->body.len > n)
		buf_puts(b, "...");
}

/*
 * A JSON value with every known secret masked inside its strings, keys
 * and numbers (a number that holds one becomes the string "***"). A new
 * reference the caller decrefs.
 */
static json_t *http_redact_json(json_t *v)
{
	struct buf b = BUF_INIT;
	json_t *out = NULL, *item;
	const char *key;
	char *text;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		buf_add(&b, json_string_value(v), json_string_length(v));
		if (!redact_buf(&b)) {
			buf_release(&b);
			return json_incref(v);
		}
		out = json_stringn_nocheck(b.ptr, b.len);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		text = json_dumps(v, JSON_ENCODE_ANY);
		if (text)
			buf_puts(&b, text);
		free(text);
		out = redact_buf(&b) ? json_string(REDACT_MASK) :
			json_incref(v);
		break;
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach(v, key, item) {
			buf_reset(&b);
			buf_puts(&b, key);
			redact_buf(&b);
			json_object_set_new_nocheck(out, b.ptr,
						    http_redact_json(item));
		}
		break;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(out, http_redact_json(item));
		break;
	default:
		out = json_incref(v);
	}
	buf_release(&b);
	return out;
}

/*
 * The body as it may leave the process: every known secret masked
 * (common/redact.h), into `out`. Masking a JSON body byte by byte keeps
 * it JSON unless a secret sat across its syntax (in a number, or cut an
 * escape in two); then it is masked value by value instead. Returns how
 * many secrets were masked.
 */
static size_t http_redact_body(struct buf *out, const char *body,
			       size_t len)
{
	json_t *orig, *masked;
	char *text;
	size_t n;

	buf_add(out, body, len);
	if (!(n = redact_buf(out)))
		return 0;
	if ((masked = json_loadb(out->ptr, out->len, JSON_DECODE_ANY |
				 JSON_ALLOW_NUL, NULL))) {
		json_decref(masked);
		return n;
	}
	if (!(orig = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
				NULL)))
		return n;
	masked = http_redact_json(orig);
	text = json_dumps(masked, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text) {
		buf_reset(out);
		buf_puts(out, text);
		free(text);
	}
	json_decref(masked);
	json_decref(orig);
	return n;
}

/*
 * The URL as it may leave the process: known secrets masked after the
 * authority (user information and host are what the caller chose to
 * connect with), unless the request says its URL is the credential.
 */
static size_t http_redact_url(struct buf *out, const struct http_request *req)
{
	const char *url = req->url, *p = strstr(url, "://");
	struct buf rest = BUF_INIT;
	size_t head, n;

	buf_puts(out, url);
	if (req->url_is_credential)
		return 0;
	p = p && p < url + strcspn(url, "/?#") ? p + 3 : url;
	head = (size_t)(p - url) + strcspn(p, "/?#");
	buf_puts(&rest, url + head);
	if ((n = redact_buf(&rest))) {
		buf_truncate(out, head);
		buf_add(out, rest.ptr, rest.len);
	}
	buf_release(&rest);
	return n;
}

/* The curl message of the last attempt, lower-cased at its start. */
static const char *http_curl_message(struct http_client *c, CURLcode rc)
{
	if (!c->errbuf[0])
		return http_curl.easy_strerror(rc);
	c->errbuf[strcspn(c->errbuf, "\r\n")] = '\0';
	c->errbuf[0] = (char)tolower((unsigned char)c->errbuf[0]);
	return c->errbuf;
}

int http_send(struct http_client *c, const struct http_request *req,
	      struct http_response *out, struct buf *err)
{
	const char *method = req->method ? req->method : "GET";
	int idempotent = req->idempotent == HTTP_IDEMPOTENT_AUTO ?
		http_method_idempotent(method) :
		req->idempotent == HTTP_IDEMPOTENT_YES;
	struct curl_slist *headers = NULL;
	struct buf shown = BUF_INIT, host = BUF_INIT, msg = BUF_INIT;
	struct buf url = BUF_INIT, body = BUF_INIT;
	struct http_request sent = *req;
	long rl_waited = 0;
	int retries = 0, error = 0;
	size_t masked;

	http_response_release(out);
	if (!c->curl) {
		const char *why;

		http_curl_ready(&why);
		http_url_for_log(&shown, req->url);
		error_set(err, TEND_ERROR, "cannot send %s %s: %s", method,
			  shown.ptr, why);
		buf_release(&shown);
		return TEND_ERROR;
	}
	/*
	 * The one place every byte tend sends out passes: no known secret
	 * leaves in a body or a URL, whoever built them (a model request
	 * with a file that holds a token, a comment quoting one). Headers
	 * are left alone: the credential headers carry the secret on purpose.
	 */
	masked = http_redact_url(&url, req);
	sent.url = url.ptr;
	if (req->body && req->body_len) {
		masked += http_redact_body(&body, req->body, req->body_len);
		sent.body = body.ptr;
		sent.body_len = body.len;
	}
	req = &sent;
	http_url_for_log(&shown, req->url);
	if (masked)
		log_warn("%zu known secret%s masked in the request to %s %s",
			 masked, masked == 1 ? "" : "s", method, shown.ptr);
	headers = http_header_list(c, req);
	if (log_get_level() >= LOG_TRACE) {
		log_trace("http: %s %s", method, shown.ptr);
		http_log_headers(c, req);
	}

	for (;;) {
		struct http_xfer x = { out, 0, 0 };
		curl_off_t pretransfer = 0;
		long start, took, wait_ms, request_size = 0;
		CURLcode rc;

		http_response_clear_headers(out);
		buf_release(&out->body);
		out->body.max = c->max_response;
		out->status = 0;
		out->attempts++;
		http_setup(c, req, method, idempotent, headers, &x);
		start = http_now_ms();
		rc = http_curl.easy_perform(c->curl);
		took = http_now_ms() - start;
		http_curl.easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE,
				  &out->status);
		http_curl.easy_getinfo(c->curl, CURLINFO_PRETRANSFER_TIME_T,
				  &pretransfer);
		http_curl.easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE,
				  &request_size);

		if (rc == CURLE_WRITE_ERROR && x.too_big)
			rc = CURLE_FILESIZE_EXCEEDED;
		if (rc != CURLE_OK) {
			int sent = !http_curl_before_send(rc) &&
				(pretransfer > 0 || request_size > 0);
			const char *why = http_curl_message(c, rc);

			log_debug("http: %s %s -> %s (%ld ms, attempt %d)",
				  method, shown.ptr, why, took, out->attempts);
			if (x.too_big == 2) {
				error = error_set(err, TEND_ETOOBIG,
						  "response to %s %s has more "
						  "than %d headers or %zu "
						  "bytes of them", method,
						  shown.ptr,
						  HTTP_MAX_HEADERS,
						  HTTP_MAX_HEADER_BYTES);
				goto out;
			}
			if (rc == CURLE_FILESIZE_EXCEEDED) {
				error = error_set(err, TEND_ETOOBIG,
						  "response to %s %s exceeds "
						  "the limit of %zu bytes",
						  method, shown.ptr,
						  c->max_response);
				goto out;
			}
			if (http_curl_transient(rc) && (idempotent || !sent) &&
			    retries < c->max_retries) {
				wait_ms = http_backoff(c, retries++);
				log_debug("http: retrying %s %s in %ld ms: %s",
					  method, shown.ptr, wait_ms, why);
				http_sleep(c, out, wait_ms);
				continue;
			}
			error = rc == CURLE_OPERATION_TIMEDOUT ?
				TEND_ETIMEOUT : TEND_ERROR;
			if (!idempotent && sent) {
				out->maybe_sent = 1;
				error = error_set(err, error,
						  "%s %s failed after the "
						  "request may have been sent "
						  "(not retried): %s",
						  method, shown.ptr, why);
			} else if (out->attempts > 1) {
				error = error_set(err, error,
						  "%s %s failed after %d "
						  "attempts: %s", method,
						  shown.ptr, out->attempts,
						  why);
			} else {
				error = error_set(err, error,
						  "%s %s failed: %s", method,
						  shown.ptr, why);
			}
			goto out;
		}

		log_debug("http: %s %s -> %ld (%ld ms, attempt %d)", method,
			  shown.ptr, out->status, took, out->attempts);

		if (http_rate_limited(out, time(NULL), &wait_ms)) {
			buf_reset(&host);
			http_url_host(&host, req->url);
			if (wait_ms < 0) {
				if (retries >= c->max_retries) {
					error = error_set(err, TEND_ERATELIMIT,
							  "rate limited by %s: "
							  "still limited after "
							  "%d attempts",
							  host.ptr,
							  out->attempts);
					goto out;
				}
				wait_ms = http_backoff(c, retries++);
			}
			if (wait_ms > c->max_wait_ms - rl_waited) {
				buf_reset(&msg);
				buf_printf(&msg, "rate limited by %s: retry "
					   "after %ld s exceeds the %ld s "
					   "limit", host.ptr,
					   (wait_ms + 999) / 1000,
					   c->max_wait_ms / 1000);
				if (rl_waited)
					buf_printf(&msg, " (%ld s already "
						   "waited)",
						   (rl_waited + 999) / 1000);
				error = error_set(err, TEND_ERATELIMIT, "%s",
						  msg.ptr);
				goto out;
			}
			log_info("rate limited by %s, waiting %ld s", host.ptr,
				 (wait_ms + 999) / 1000);
			rl_waited += wait_ms;
			http_sleep(c, out, wait_ms);
			continue;
		}

		if (out->status >= 500) {
			if (idempotent && http_status_retryable(out->status) &&
			    retries < c->max_retries) {
				long ra = http_retry_after_secs(
					http_response_header(out,
							     "retry-after"),
					time(NULL));

				wait_ms = http_backoff(c, retries++);
				if (ra > 0 && ra <= c->backoff_max_ms / 1000 &&
				    ra * 1000 > wait_ms)
					wait_ms = ra * 1000;
				log_debug("http: retrying %s %s in %ld ms: "
					  "HTTP %ld", method, shown.ptr,
					  wait_ms, out->status);
				http_sleep(c, out, wait_ms);
				continue;
			}
			buf_reset(&msg);
			if (!idempotent) {
				out->maybe_sent = 1;
				buf_printf(&msg, "%s %s failed: HTTP %ld",
					   method, shown.ptr, out->status);
			} else {
				buf_printf(&msg, "%s %s failed after %d "
					   "attempt%s: HTTP %ld", method,
					   shown.ptr, out->attempts,
					   out->attempts == 1 ? "" : "s",
					   out->status);
			}
			http_add_snippet(&msg, out);
			error = error_set(err, TEND_ERROR, "%s", msg.ptr);
			goto out;
		}

		if (out->status == 401) {
			buf_reset(&msg);
			buf_printf(&msg, "authentication failed for %s %s "
				   "(HTTP 401)", method, shown.ptr);
			http_add_snippet(&msg, out);
			error = error_set(err, TEND_EAUTH, "%s", msg.ptr);
			goto out;
		}
		break;
	}

out:
	http_curl.slist_free_all(headers);
	buf_release(&shown);
	buf_release(&host);
	buf_release(&msg);
	buf_release(&url);
	buf_release(&body);
	return error;
}

int http_send_json(struct http_client *c, const char *method,
		   const char *url, const char *const *headers, json_t *body,
		   long *status_out, json_t **json_out,
		   struct http_response *raw_out, struct buf *err)
{
	struct http_response own, *r = raw_out ? raw_out : &own;
	struct http_request req = { 0 };
	const char **list = NULL;
	size_t nr = 0, i;
	char *text = NULL;
	json_t *json = NULL;
	json_error_t jerr;
	int error = 0;

	if (!raw_out)
		http_response_init(&own);
	*json_out = NULL;
	for (i = 0; headers && headers[i]; i++)
		;
	list = xcalloc(i + 3, sizeof(*list));
	if (!http_has_header(headers, "Accept:"))
		list[nr++] = "Accept: application/json";
	if (body && !http_has_header(headers, "Content-Type:"))
		list[nr++] = "Content-Type: application/json";
	for (i = 0; headers && headers[i]; i++)
		list[nr++] = headers[i];
	list[nr] = NULL;

	if (body) {
		text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text) {
			struct buf shown = BUF_INIT;

			http_url_for_log(&shown, url);
			error = error_set(err, TEND_EINVALID,
					  "cannot encode the JSON body for "
					  "%s %s", method, shown.ptr);
			buf_release(&shown);
			goto out;
		}
	}
	req.method = method;
	req.url = url;
	req.headers = list;
	req.body = text;
	req.body_len = text ? strlen(text) : 0;
	error = http_send(c, &req, r, err);
	if (status_out)
		*status_out = r->status;
	if (error < 0 || !r->body.len)
		goto out;
	json = json_loadb(r->body.ptr, r->body.len, JSON_DECODE_ANY, &jerr);
	if (!json && r->status < 300) {
		struct buf shown = BUF_INIT;

		http_url_for_log(&shown, url);
		error = error_set(err, TEND_EINVALID,
				  "invalid JSON from %s at line %d column %d: "
				  "%s", shown.ptr, jerr.line, jerr.column,
				  jerr.text);
		buf_release(&shown);
		goto out;
	}
	*json_out = json;
out:
	free(text);
	free(list);
	if (!raw_out)
		http_response_release(&own);
	return error;
}

/* Skip to the next top-level comma of a Link header, past quoted strings. */
static const char *http_link_skip(const char *p)
{
	while (*p && *p != ',') {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		}
		p++;
	}
	return p;
}

/* Is "next" one of the space-separated relation types in `rels`? */
static int http_rels_have_next(const char *rels)
{
	const char *p = rels;

	for (;;) {
		size_t n;

		while (http_is_space(*p))
			p++;
		if (!*p)
			return 0;
		n = strcspn(p, " \t\r\n");
		if (n == 4 && !strncasecmp(p, "next", 4))
			return 1;
		p += n;
	}
}

/*
 * Parse one `; name=value` link parameter starting after the ';'. The
 * name goes to `name`, the value (unquoted) to `value`.
 */
static const char *http_link_param(const char *p, struct buf *name,
				   struct buf *value)
{
	const char *start;

	buf_reset(name);
	buf_reset(value);
	while (http_is_space(*p))
		p++;
	start = p;
	while (*p && !strchr("=;,\" \t\r\n", *p))
		p++;
	buf_add(name, start, (size_t)(p - start));
	while (http_is_space(*p))
		p++;
	if (*p != '=')
		return p;
	p++;
	while (http_is_space(*p))
		p++;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			buf_putc(value, *p);
		}
		if (*p == '"')
			p++;
	} else {
		start = p;
		while (*p && !strchr(";,\" \t\r\n", *p))
			p++;
		buf_add(value, start, (size_t)(p - start));
	}
	return p;
}

char *http_link_next(const char *link_header)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	const char *p = link_header;
	char *found = NULL;

	if (!p)
		return NULL;
	while (*p && !found) {
		const char *url, *url_end;
		int next = 0, seen_rel = 0;

		while (*p == ',' || http_is_space(*p))
			p++;
		if (!*p)
			break;
		if (*p != '<') {
			p = http_link_skip(p);
			continue;
		}
		url = p + 1;
		url_end = strchr(url, '>');
		if (!url_end)
			break;
		p = url_end + 1;
		for (;;) {
			while (http_is_space(*p))
				p++;
			if (*p != ';')
				break;
			p = http_link_param(p + 1, &name, &value);
			/* RFC 8288: only the first rel parameter counts. */
			if (!seen_rel && !strcasecmp(name.ptr, "rel")) {
				seen_rel = 1;
				next = http_rels_have_next(value.ptr);
			}
		}
		while (url < url_end && http_is_space(*url))
			url++;
		while (url_end > url && http_is_space(url_end[-1]))
			url_end--;
		if (next && url < url_end)
			found = xstrndup(url, (size_t)(url_end - url));
		else
			p = http_link_skip(p);
	}
	buf_release(&name);
	buf_release(&value);
	return found;
}

long http_gitlab_next_page(const struct http_response *r)
{
	const char *v = http_response_header(r, "x-next-page");
	char *end;
	long n;

	if (!v)
		return 0;
	while (http_is_space(*v))
		v++;
	if (!isdigit((unsigned char)*v))
		return 0;
	n = strtol(v, &end, 10);
	while (http_is_space(*end))
		end++;
	if (*end || n <= 0 || n == LONG_MAX)
		return 0;
	return n;
}
