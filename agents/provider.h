/*
 * provider.h - one interface to the model providers tend talks to.
 *
 * A provider answers one request: a conversation (system prompt, user,
 * assistant and tool messages) plus the tools the model may call, and
 * returns the model's turn: text, tool calls, why it stopped and what it
 * cost in tokens. Two wire protocols sit behind it:
 *
 *   - "openai": the Chat Completions API, `POST {base}/chat/completions`
 *     with `Authorization: Bearer KEY`; default base
 *     https://api.openai.com/v1. Also what OpenRouter, vLLM, Ollama,
 *     LiteLLM and most gateways speak;
 *   - "anthropic": the Messages API, `POST {base}/v1/messages` with
 *     `x-api-key: KEY` and `anthropic-version: 2023-06-01`; default base
 *     https://api.anthropic.com.
 *
 * The base URL is the opts' base_url, else $OPENAI_BASE_URL or
 * $ANTHROPIC_BASE_URL (as the vendors' SDKs do), else the default.
 *
 * The tool loop, the router and the agents build on this header only; the
 * JSON of either protocol never leaves agents/openai.c and
 * agents/anthropic.c. A provider can also be a custom implementation
 * (agent_provider_custom()): record/replay (agents/replay.h) wraps a
 * provider that way, and tests of the layers above can script a provider
 * in-process without HTTP.
 *
 * Transport. Every call goes through common/http.h with
 * HTTP_IDEMPOTENT_YES: a model call has no side effect, so it is safe to
 * send again. The client therefore retries connection failures, timeouts,
 * 500/502/503/504 and Anthropic's 529 "overloaded" with jittered backoff,
 * and waits out 429s up to its bound using Retry-After.
 *
 * Streaming. With `stream` set the request asks for SSE and the answer is
 * parsed from the event stream (agents/sse.h). The HTTP client buffers the
 * whole body today, so a streamed call returns when the answer is complete,
 * like a plain one; streaming still keeps bytes flowing on long answers
 * (proxies cut idle connections) and the parser is ready to be fed from a
 * write callback. A server that ignores `stream` and answers with JSON is
 * understood too.
 *
 * Secrets. The API key is registered with common/redact.h when the
 * provider is created, is sent only in its auth header, is never logged,
 * and is masked out of every error message the provider returns (servers
 * sometimes echo a key back).
 *
 * Errors (agent_provider_complete()):
 *   TEND_EAUTH       401 or 403: the key is missing, wrong or not allowed
 *   TEND_ERATELIMIT  429 still refused after the client's wait bound, or a
 *                    rate-limit error inside a stream
 *   TEND_ETIMEOUT    the last attempt timed out
 *   TEND_ERROR       5xx/529 or connection failures after the retries, a
 *                    stream cut short or an error event inside a stream
 *                    (overloaded), any other rejected request (4xx) with
 *                    the server's message
 *   TEND_ENOTFOUND   404: no such model or endpoint
 *   AGENT_ECONTEXT   the prompt does not fit the model's context window
 *                    (OpenAI `context_length_exceeded`, Anthropic "prompt
 *                    is too long", 413 request too large)
 *   TEND_EINVALID    the request cannot be expressed (a tool message with
 *                    no id), or a 2xx reply that is malformed; the message
 *                    says what and where
 *   TEND_ETOOBIG     the reply is over the HTTP client's 32 MiB cap
 * The router falls back on AGENT_ECONTEXT and on the transport errors.
 *
 * Threads. A provider keeps one HTTP connection (common/http.h) and is
 * not thread-safe: use one per thread.
 *
 * Ownership. Requests and everything they point to are borrowed. A
 * response is owned by the caller, who releases it with
 * agent_response_release(). Messages the caller builds are released with
 * agent_message_release() if they were built with heap strings.
 */
#ifndef AGENTS_PROVIDER_H
#define AGENTS_PROVIDER_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"

/* The prompt is longer than the model's context window. */
#define AGENT_ECONTEXT (-30)

/* Anthropic requires max_tokens; this is sent when the request has none. */
#define AGENT_DEFAULT_MAX_TOKENS 4096L
/* Whole-call timeout when neither the opts nor the request set one. */
#define AGENT_DEFAULT_TIMEOUT_MS 600000L
/* A reply with more tool calls (or content blocks) is malformed. */
#define AGENT_MAX_CALLS 256

enum agent_role {
	AGENT_ROLE_USER = 0,
	AGENT_ROLE_ASSISTANT,
	AGENT_ROLE_TOOL		/* the result of one tool call */
};

/*
 * A tool call as the model sent it. `arguments` is the raw JSON text,
 * always non-NULL; `args` is it parsed when it is a JSON object, else NULL
 * (the model sent malformed JSON: the tool loop reports that back to the
 * model rather than running the tool). An empty `arguments` parses as {}.
 * `args` is an owned reference, released with the call.
 */
struct agent_tool_call {
	char *id;
	char *name;
	char *arguments;
	json_t *args;
};

/*
 * One message of the conversation. The system prompt is not a message:
 * it is agent_request.system.
 *   user:      `text`
 *   assistant: `text` (may be NULL or "") and/or `calls`
 *   tool:      `tool_call_id` answered, `text` the result, `is_error` set
 *              when the tool failed (Anthropic sends it as is_error;
 *              OpenAI has no such flag, so say it in the text too)
 * In a run of user and tool messages after an assistant turn, the tool
 * results are sent first and the user text after them, as both protocols
 * require (Anthropic: one user message, tool_result blocks first).
 * Messages with nothing in them are not sent to Anthropic, which refuses
 * empty content.
 */
struct agent_message {
	enum agent_role role;
	char *text;
	struct agent_tool_call *calls;
	size_t nr_calls;
	char *tool_call_id;
	int is_error;
};

/* A tool the model may call; `schema` (borrowed) is the JSON Schema of the
 * arguments object, NULL for a tool without arguments. */
struct agent_tool_def {
	const char *name;
	const char *description;
	json_t *schema;
};

/* One call to the model; everything is borrowed. */
struct agent_request {
	const char *model;		/* as the provider names it */
	const char *system;		/* NULL: none */
	const struct agent_message *msgs;
	size_t nr_msgs;
	const struct agent_tool_def *tools;
	size_t nr_tools;
	long max_tokens;		/* 0: OpenAI none, Anthropic
					   AGENT_DEFAULT_MAX_TOKENS */
	int has_temperature;		/* 0: let the model decide (some
					   reasoning models refuse any value) */
	double temperature;
	int stream;			/* ask for SSE */
	/*
	 * Mark the stable prefix for prompt caching: Anthropic gets
	 * cache_control breakpoints on the system prompt, the last tool and
	 * the last message (a tool loop then pays 10% for the prefix it
	 * sends again); OpenAI caches by itself and ignores this.
	 */
	int cache_prompt;
	long timeout_ms;		/* 0: the provider's */
};

/*
 * Tokens of one call. `input` counts the prompt tokens billed at the full
 * price: those neither read from nor written to a prompt cache. The prompt
 * was input + cache_read + cache_write tokens long. (OpenAI's
 * prompt_tokens includes its cached_tokens; they are split here so prices
 * apply the same way to both protocols.)
 */
struct agent_usage {
	long input;
	long output;
	long cache_read;
	long cache_write;
};

enum agent_stop {
	AGENT_STOP_END = 0,	/* the model finished its turn */
	AGENT_STOP_TOOL_USE,	/* it wants the tool calls run */
	AGENT_STOP_MAX_TOKENS,	/* cut at max_tokens */
	AGENT_STOP_OTHER	/* content filter, refusal, ...: see stop_raw */
};

/*
 * The model's turn. After success `text` is non-NULL (maybe ""), every
 * call has an id, a name and arguments, and `model` is the model that
 * answered (the request's when the reply did not say). Some gateways stop
 * with "stop" while returning calls: such a turn has stop
 * AGENT_STOP_TOOL_USE all the same (stop_raw keeps the protocol's word).
 */
struct agent_response {
	char *text;
	struct agent_tool_call *calls;
	size_t nr_calls;
	enum agent_stop stop;
	char *stop_raw;		/* the protocol's own word, or NULL */
	struct agent_usage usage;
	char *model;
};

void agent_response_init(struct agent_response *r);
void agent_response_release(struct agent_response *r);

/* Free the strings and calls of a message built on the heap. */
void agent_message_release(struct agent_message *m);

/* Free the contents of a call (not the struct). */
void agent_tool_call_release(struct agent_tool_call *c);

/*
 * Turn a response into the assistant message that goes back into the
 * conversation: the text and calls move into `out` (the caller releases it
 * with agent_message_release()), the rest of `r` is left as it was.
 */
void agent_response_to_message(struct agent_message *out,
			       struct agent_response *r);

/* "end", "tool_use", "max_tokens", "other". */
const char *agent_stop_name(enum agent_stop stop);
/* The inverse; -1 for an unknown name. */
int agent_stop_parse(const char *name);

/*
 * Set `call->args` from `call->arguments`: the parsed object, or NULL when
 * the text is not a JSON object. Blank text counts as {}.
 */
void agent_tool_call_parse_args(struct agent_tool_call *call);

/* ----- providers ----- */

enum agent_kind {
	AGENT_KIND_OPENAI = 0,
	AGENT_KIND_ANTHROPIC
};

struct agent_provider_opts {
	const char *name;		/* for messages; NULL: the kind */
	const char *kind;		/* "openai" | "anthropic" */
	const char *base_url;		/* NULL: environment, then default */
	const char *api_key;		/* NULL or "": no auth header (local
					   gateways); a secret */
	const char *const *headers;	/* extra "Name: value", NULL-ended */
	long timeout_ms;		/* per call; 0: the default,
					   AGENT_DEFAULT_TIMEOUT_MS */
	int max_retries;		/* as in http_client_opts */
	long backoff_base_ms;		/* as in http_client_opts */
	long max_wait_ms;		/* as in http_client_opts */
	/*
	 * OpenAI only: send the limit as `max_completion_tokens` (what
	 * OpenAI's reasoning models require) rather than `max_tokens` (what
	 * gateways understand). 0: only when the base URL is api.openai.com;
	 * 1: always; -1: never.
	 */
	int openai_max_completion_tokens;
};

struct agent_provider;

/*
 * Open a provider. TEND_EINVALID for an unknown kind or a base URL that is
 * not http(s). Free with agent_provider_free().
 */
int agent_provider_new(struct agent_provider **out,
		       const struct agent_provider_opts *opts,
		       struct buf *err);

/*
 * Open the provider a `.tend.yml` entry describes, with the key from its
 * api_key_env (default OPENAI_API_KEY / ANTHROPIC_API_KEY). A key that is
 * not set gives TEND_EAUTH naming the variable, except for a provider with
 * its own base_url (a local gateway may need no key).
 */
int agent_provider_from_config(struct agent_provider **out,
			       const struct config_provider *cp,
			       struct buf *err);

void agent_provider_free(struct agent_provider *p);

/*
 * Have one model call answered. `out` is initialised by the caller; its
 * earlier contents are released. On failure `out` is left empty and `err`
 * says why (see the top of this file for the codes).
 */
int agent_provider_complete(struct agent_provider *p,
			    const struct agent_request *req,
			    struct agent_response *out, struct buf *err);

/* The name given at creation ("openai" when none). Points into `p`. */
const char *agent_provider_name(const struct agent_provider *p);

/* The URL calls are sent to, or NULL for a custom provider. */
const char *agent_provider_url(const struct agent_provider *p);

/*
 * Replace the sleep between retries (tests record waits instead of
 * sleeping); see http_client_set_sleep(). A custom provider passes it on
 * through its ops when it has a set_sleep.
 */
void agent_provider_set_sleep(struct agent_provider *p,
			      void (*sleep_ms)(long ms, void *data),
			      void *data);

/*
 * A provider implemented by the caller. `complete` has the contract of
 * agent_provider_complete() (the response is already released and
 * initialised when it is called) and words its own error messages (HTTP
 * providers prefix theirs with "NAME model 'MODEL': "); `free` (may be
 * NULL) releases `data`
 * when the provider is freed; `set_sleep` (may be NULL) receives
 * agent_provider_set_sleep(). `ops` must outlive the provider.
 */
struct agent_embed_request;
struct agent_embeddings;
struct agent_provider_ops {
	int (*complete)(void *data, const struct agent_request *req,
			struct agent_response *out, struct buf *err);
	void (*free)(void *data);
	void (*set_sleep)(void *data, void (*sleep_ms)(long ms, void *d),
			  void *d);
	/* NULL: the provider has no embeddings (TEND_EINVALID) */
	int (*embed)(void *data, const struct agent_embed_request *req,
		     struct agent_embeddings *out, struct buf *err);
};

struct agent_provider *agent_provider_custom(const char *name,
					     const struct agent_provider_ops
					     *ops, void *data);

/*
 * Append a call to `r` (strings copied; `id` NULL gives "call_<n>",
 * `arguments` NULL gives "{}") and parse its arguments. For parsers and
 * custom providers. Returns the new call.
 */
struct agent_tool_call *agent_response_add_call(struct agent_response *r,
						const char *id,
						const char *name,
						const char *arguments);

/* ----- embeddings ----- */

/*
 * Vectors for texts, from an OpenAI-compatible embeddings endpoint:
 * `POST {base}/embeddings` with {model, input: [texts], dimensions?} and
 * the provider's key, answered by data[i].embedding. Anthropic has no
 * such endpoint. The texts are sent in batches of at most
 * AGENT_EMBED_BATCH; each text is cut to AGENT_EMBED_TEXT_MAX bytes (at a
 * UTF-8 boundary) and an empty one is sent as " " (the API refuses "").
 * Transport, retries and the error codes are a completion's.
 */
#define AGENT_EMBED_BATCH 128
#define AGENT_EMBED_TEXT_MAX 16384
/* Longer vectors are not an embedding model's: the reply is refused. */
#define AGENT_EMBED_DIM_MAX 4096

struct agent_embed_request {
	const char *model;
	const char *const *texts;	/* borrowed */
	size_t nr;
	long dimensions;		/* 0: the model's own */
	long timeout_ms;		/* 0: the provider's */
};

/*
 * The answer: `nr` vectors of `dim` floats, vector i (for text i) at
 * data + i * dim. usage.input counts the tokens billed (the other counts
 * stay 0). Owned by the caller: agent_embeddings_release().
 */
struct agent_embeddings {
	float *data;
	size_t nr, dim;
	struct agent_usage usage;
	char *model;		/* the server's name for it, or the request's */
};

void agent_embeddings_init(struct agent_embeddings *e);
void agent_embeddings_release(struct agent_embeddings *e);

/*
 * Have `req->texts` embedded. `out` is initialised by the caller; earlier
 * contents are released, and it is left empty on failure. TEND_EINVALID
 * for a provider without embeddings (kind anthropic, a custom provider
 * with no embed op), no model or no text, and for a malformed reply
 * (vectors missing, of different lengths, or not numbers); otherwise the
 * codes of agent_provider_complete().
 */
int agent_provider_embed(struct agent_provider *p,
			 const struct agent_embed_request *req,
			 struct agent_embeddings *out, struct buf *err);

/* ----- the protocols (agents/openai.c, agents/anthropic.c) ----- */

/*
 * Helpers the two protocol files share (agents/provider.c).
 * agent_provider_says_context(): does a server's error message mean the
 * prompt is over the context window? agent_provider_add_text(): append
 * at most `max` bytes of `s` to `out` for a message: control characters
 * become spaces, "..." marks a cut.
 */
int agent_provider_says_context(const char *msg);
void agent_provider_add_text(struct buf *out, const char *s, size_t len,
			     size_t max);

/*
 * Append the JSON body of `req` for the protocol to `out`. TEND_EINVALID
 * when a message cannot be expressed (a tool message without an id, a tool
 * result with no assistant call before it for Anthropic is left to the
 * server to refuse). `max_completion` picks OpenAI's limit field.
 */
int agent_openai_request(struct buf *out, const struct agent_request *req,
			 int max_completion, struct buf *err);
int agent_anthropic_request(struct buf *out, const struct agent_request *req,
			    struct buf *err);

/*
 * Parse a 2xx reply: a JSON body (`sse` 0) or an event stream (`sse` 1).
 * Pure functions over bytes, fuzzed by tests/fuzz/fuzz_openai.c and
 * fuzz_anthropic.c. On success fill `out` (initialised by the caller;
 * earlier contents released). On failure `out` is left empty and the
 * code is TEND_EINVALID for a malformed reply, with the place in the
 * reply (a JSON path, an event number), or the code of an error the
 * reply itself carries (an error object, an `error` event): AGENT_ECONTEXT,
 * TEND_ERATELIMIT, TEND_EAUTH, TEND_ENOTFOUND or TEND_ERROR; a stream that
 * ends before the answer is complete is TEND_ERROR.
 */
int agent_openai_parse(const char *body, size_t len, int sse,
		       struct agent_response *out, struct buf *err);
int agent_anthropic_parse(const char *body, size_t len, int sse,
			  struct agent_response *out, struct buf *err);

/*
 * The embeddings endpoint of the OpenAI protocol: the body for
 * `req->texts[first .. first + nr)` (cut and blank-filled as said above),
 * and the parser of a 2xx reply that must hold `nr` vectors of one
 * length (in any order of `index`), written to out->data + (first *
 * out->dim) onward. The first batch (out->data NULL) sets out->dim and
 * allocates room for `total` vectors; a later one must match out->dim.
 * Usage is added to out->usage. Pure functions over bytes, fuzzed with
 * the rest of openai.c.
 */
void agent_openai_embed_request(struct buf *out,
				const struct agent_embed_request *req,
				size_t first, size_t nr);
int agent_openai_embed_parse(const char *body, size_t len, size_t first,
			     size_t nr, size_t total,
			     struct agent_embeddings *out, struct buf *err);

/*
 * Interpret a non-2xx answer of the protocol (status, body): the code per
 * the table at the top of this file and a message with the server's own
 * words (error type, code and message). Always returns a negative code.
 */
int agent_openai_error(long status, const char *body, size_t len,
		       struct buf *err);
int agent_anthropic_error(long status, const char *body, size_t len,
			  struct buf *err);

#endif
