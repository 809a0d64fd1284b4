/*
 * http.h - the HTTP client every outside service is reached through.
 *
 * A thin layer on libcurl that the forge adapters and the model providers
 * share, so retries, rate limits, size caps, timeouts and secrecy are
 * decided in one place:
 *
 *   - one `struct http_client` keeps one curl easy handle, so connections
 *     are kept alive and reused across requests (and TLS sessions resumed);
 *     a client is not thread-safe: use one per thread;
 *   - http_send() retries with exponential backoff and full jitter when a
 *     retry is safe: connection failures, timeouts and 500/502/503/504/529
 *     for idempotent requests, and any request that provably never left
 *     (connection refused, DNS failure). It waits out rate limits (429, and
 *     GitHub's 403 with `x-ratelimit-remaining: 0` or a "secondary rate
 *     limit") using Retry-After, x-ratelimit-reset or RateLimit-Reset, up
 *     to a total bound, then sends again whatever the method: a refused
 *     request was not processed;
 *   - a non-idempotent request (POST, PATCH) that may have reached the
 *     server is never sent twice, not even by curl's own silent retry on a
 *     reused connection: such requests always open a fresh connection. When
 *     one fails after it may have been sent, `maybe_sent` is set so the
 *     caller can re-read the remote state before it decides anything;
 *   - response bodies are read into a capped buffer and never grow past
 *     the client's limit (TEND_ETOOBIG);
 *   - no registered secret (common/redact.h) leaves in a request body or
 *     URL: both pass through the redactor before they are sent, in every
 *     form it knows (base64, percent-encoded, JSON-escaped), and a
 *     warning says how many were masked. A JSON body stays valid JSON.
 *     The URL is masked after its authority only, and not at all when
 *     the request says the URL is the credential (a webhook). Headers
 *     are sent as given: Authorization, PRIVATE-TOKEN and x-api-key
 *     carry the credential on purpose;
 *   - redirects are not followed: a 3xx comes back as a normal response,
 *     so credentials in custom headers never travel to another host;
 *   - only http and https are spoken;
 *   - proxies: libcurl reads http_proxy, https_proxy, all_proxy and
 *     no_proxy (and their upper-case forms, except HTTP_PROXY) from the
 *     environment by itself; nothing here sets or disables a proxy, so a
 *     CI runner's proxy settings apply as they do to curl(1);
 *   - CA certificates: the client's `ca_file`, else $SSL_CERT_FILE, else
 *     $CURL_CA_BUNDLE, else libcurl's built-in default; $SSL_CERT_DIR is
 *     used as the CA directory when set;
 *   - logging: at debug level each attempt is logged as method, URL,
 *     status and time; at trace level the request headers too, with the
 *     values of credential headers (Authorization, PRIVATE-TOKEN,
 *     x-api-key, api-key, cookies, anything named like a token or key)
 *     replaced by "***". URLs in logs and messages lose any user:password
 *     and the values of query parameters named like a token or key. All of
 *     it also passes through the log's redaction of registered secrets.
 *
 * Errors: 0 for any answer the caller should interpret (2xx, 3xx, and 4xx
 * other than 401 and rate limits); TEND_EAUTH for 401; TEND_ERATELIMIT when
 * a rate limit outlasts the bound; TEND_ETIMEOUT when the last attempt timed
 * out; TEND_ETOOBIG for a body over the cap; TEND_ERROR for connection
 * failures and 5xx after the retries. The response is filled in from the
 * last attempt in every case, so the caller can look at status and body.
 */
#ifndef COMMON_HTTP_H
#define COMMON_HTTP_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"

#define HTTP_DEFAULT_RETRIES 4
#define HTTP_DEFAULT_BACKOFF_MS 500L
#define HTTP_DEFAULT_BACKOFF_MAX_MS 30000L
#define HTTP_DEFAULT_MAX_WAIT_MS 60000L
#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 15000L
#define HTTP_DEFAULT_TIMEOUT_MS 120000L
#define HTTP_DEFAULT_MAX_RESPONSE ((size_t)32 << 20)

/*
 * Settings of a client. A zero field means the default; all strings are
 * copied by http_client_new(). Two settings can also come from the
 * environment, for integration tests that run the real binary: when
 * `max_wait_ms` is 0, $TEND_HTTP_MAX_WAIT (seconds), and when
 * `backoff_base_ms` is 0, $TEND_HTTP_BACKOFF_MS.
 */
struct http_client_opts {
	const char *user_agent;		/* default "tend/" TEND_VERSION */
	long connect_timeout_ms;	/* per connection attempt */
	long timeout_ms;		/* whole attempt, per request default */
	int max_retries;		/* default 4; negative: never retry */
	long backoff_base_ms;		/* first backoff cap, doubled per
					   retry */
	long backoff_max_ms;		/* largest backoff cap */
	long max_wait_ms;		/* total rate-limit wait per request;
					   negative: do not wait at all */
	size_t max_response;		/* body cap in bytes, default 32 MiB */
	const char *ca_file;		/* PEM bundle; see the top comment */
	const char *const *headers;	/* "Name: value", NULL-terminated,
					   sent with every request */
};

struct http_client;

/* A new client; `opts` may be NULL for all defaults. Free with
 * http_client_free(). */
struct http_client *http_client_new(const struct http_client_opts *opts);
void http_client_free(struct http_client *c);

/*
 * Replace the function that sleeps between attempts (tests record the
 * waits instead of sleeping). NULL restores the real sleep.
 */
void http_client_set_sleep(struct http_client *c,
			   void (*sleep_ms)(long ms, void *data), void *data);

enum {
	HTTP_IDEMPOTENT_AUTO = 0,	/* by method: GET HEAD PUT DELETE
					   OPTIONS yes, anything else no */
	HTTP_IDEMPOTENT_YES = 1,
	HTTP_IDEMPOTENT_NO = -1
};

/* One request; everything is borrowed for the duration of http_send(). */
struct http_request {
	const char *method;		/* NULL: "GET" */
	const char *url;
	const char *const *headers;	/* "Name: value", NULL-terminated;
					   override the client's of the same
					   name; "Name:" removes one */
	const char *body;		/* may be NULL */
	size_t body_len;
	long timeout_ms;		/* 0: the client's */
	int idempotent;			/* HTTP_IDEMPOTENT_*: may it be
					   retried blindly? */
	int url_is_credential;		/* the URL itself is the secret (a
					   webhook URL): not redacted */
};

struct http_response {
	long status;		/* 0 when no answer was received */
	struct buf body;	/* capped at the client's max_response */
	char **headers;		/* "name: value", names lower-cased, in the
				   order received, of the final answer */
	size_t nr_headers;
	size_t alloc_headers;
	int attempts;		/* requests sent, including retries */
	int maybe_sent;		/* a non-idempotent request failed after it
				   may have reached the server */
	long waited_ms;		/* time spent sleeping between attempts */
};

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

/*
 * The value of header `name` (case-insensitive), the last one when it
 * was sent several times, or NULL. Points into `r`.
 */
const char *http_response_header(const struct http_response *r,
				 const char *name);

/*
 * Send `req` and fill `out` (initialised by the caller; earlier contents
 * are released). See the top of this file for retries and return codes.
 */
int http_send(struct http_client *c, const struct http_request *req,
	      struct http_response *out, struct buf *err);

/*
 * JSON convenience: send `body` (borrowed, may be NULL) as JSON with
 * Content-Type and Accept set, and parse the answer into `*json_out`
 * (owned by the caller, NULL for an empty body). Returns what http_send()
 * returns, or TEND_EINVALID when a 2xx answer is not JSON; an error answer
 * (4xx) that is not JSON gives 0 and a NULL `*json_out`. `status_out` and
 * `raw_out` (initialised by the caller) may be NULL.
 */
int http_send_json(struct http_client *c, const char *method,
		   const char *url, const char *const *headers, json_t *body,
		   long *status_out, json_t **json_out,
		   struct http_response *raw_out, struct buf *err);

/*
 * The target of the first link with relation "next" in an RFC 8288 Link
 * header (GitHub's pagination), as written, or NULL. The caller frees it.
 */
char *http_link_next(const char *link_header);

/* GitLab's `x-next-page`: the next page number, or 0 when there is none. */
long http_gitlab_next_page(const struct http_response *r);

/*
 * Seconds to wait according to a Retry-After value (delta-seconds or an
 * HTTP-date, relative to `now`), never negative; -1 when it is neither.
 */
long http_retry_after_secs(const char *value, time_t now);

/*
 * Append `url` to `out` as it may be shown in logs and messages: without
 * user:password and with the values of query parameters whose names
 * contain "token", "key", "secret", "signature", "password" or "auth"
 * replaced by "***".
 */
void http_url_for_log(struct buf *out, const char *url);

/*
 * Append libcurl's version and TLS library to `out` ("7.88.1
 * (OpenSSL/3.0.17)"), opening libcurl when no client has yet. -1 with
 * the reason in `out` when it cannot be opened (it is loaded at run
 * time: see http.c).
 */
int http_library_version(struct buf *out);

#endif
