/*
 * router.h - which model an agent talks to, what to try when it fails, and
 * what the calls cost.
 *
 * The router sits between the agents and agents/provider.h. It owns the
 * providers (opened on first use), resolves a task to a "provider/model"
 * route, sends calls with fallbacks, and keeps the books: calls, tokens,
 * dollars and wall time per model.
 *
 * Providers. Every entry of `models.providers`, plus three built-ins that
 * exist unless a configured provider takes their name:
 *   anthropic   kind anthropic, key $ANTHROPIC_API_KEY
 *   openai      kind openai,    key $OPENAI_API_KEY
 *   openrouter  kind openai,    key $OPENROUTER_API_KEY,
 *               base https://openrouter.ai/api/v1
 * A provider is usable when its key variable is set and not empty, or (a
 * configured provider only) when it has its own base_url: a local gateway
 * may need no key. When no provider is usable there is no model:
 * agent_router_resolve() says TEND_ENOTFOUND "no model configured", so
 * `tend review` can run static-only and say why.
 *
 * Routes. A model is written "provider/model"; the model part is what the
 * provider calls it and may itself hold '/' (OpenRouter's
 * "anthropic/claude-sonnet-4.5"): the provider is the text before the
 * first '/'. For a task the first of these that is set wins:
 *   1. the agent's own `model:` (a custom agent in `agents:`);
 *   2. `models.routes.<agent name>`;
 *   3. $TEND_MODEL (it overrides the default route);
 *   4. `models.routes.default`;
 *   5. "auto".
 *
 * Auto. "auto" picks the fast route for a small, low-risk change and the
 * strong route otherwise. The change is strong when it is risky (the
 * caller says so: it touches authentication, crypto, SQL, secrets, CI
 * config...; agent_router_risky_path() is a helper), or has more than
 * AGENT_ROUTER_FAST_MAX_LINES changed lines, or touches more than
 * AGENT_ROUTER_FAST_MAX_FILES files. A task with no size at all (a
 * question, a debug run) counts as small unless it is risky.
 * `models.routes.fast` and `models.routes.strong` name the two routes
 * ("provider/model", not "auto"); a missing one takes the built-in default
 * of the first usable provider that has defaults, configured providers
 * first in config order, then anthropic, openai, openrouter:
 *   anthropic   claude-haiku-4-5 / claude-sonnet-4-5
 *   openai      gpt-4.1-mini / gpt-4.1   (base_url unset or api.openai.com)
 *   openrouter  anthropic/claude-haiku-4.5 / anthropic/claude-sonnet-4.5
 * A gateway of kind openai with its own base_url has no defaults: "auto"
 * there needs both routes, and says so.
 * With evidence (struct agent_task), "auto" prefers the usable model with
 * the best measured acceptance per dollar for the agent and the size of
 * the change, once it has enough samples.
 *
 * Fallbacks. agent_router_complete() sends the call to the route's model;
 * on TEND_ERROR, TEND_ETIMEOUT, TEND_ERATELIMIT (the provider has already
 * retried and waited), TEND_ENOTFOUND (no such model), AGENT_ECONTEXT or
 * TEND_EAUTH it tries `models.fallbacks` in order, skipping models already
 * tried, providers with no key, and providers whose key was refused
 * (TEND_EAUTH marks a provider dead for the router's lifetime: its other
 * models are not tried again). TEND_EINVALID (a request that cannot be
 * expressed, a malformed reply) and TEND_ETOOBIG are returned at once:
 * another model would not help. When every model fails the message lists
 * each one's reason and the code is the last attempt's.
 *
 * Prices. USD per million tokens. `models.prices` is looked up by
 * "provider/model", then by the bare model name; it has input and output
 * prices only, so tokens read from or written to a prompt cache are priced
 * as input there. Failing that, a small built-in table of list prices
 * (with cache prices) for the default models and a few others applies to
 * the vendor's own models, a dated snapshot ("claude-sonnet-4-5-20250929")
 * priced like its model; the config overrides it. Anything else has no
 * price: its cost is unknown, never 0, and is reported as unknown.
 *
 * Context windows. agent_router_context_window() gives a model's window in
 * tokens from a built-in table (Claude 200k, GPT-4.1 about 1M, GPT-4o
 * 128k, GPT-5 272k of input, o-series 200k) and AGENT_ROUTER_DEFAULT_CONTEXT
 * for anything else. There is no config key for it yet.
 *
 * Ownership and threads. The router copies what it needs from the config
 * (the config may be released after agent_router_new()) and owns its
 * providers. Routes are owned by the caller (agent_route_release()). Like
 * a provider, a router is not thread-safe.
 */
#ifndef AGENTS_ROUTER_H
#define AGENTS_ROUTER_H

#include <stddef.h>

#include "agents/provider.h"
#include "common/buf.h"
#include "common/config.h"

/* "auto" sends larger changes than these to the strong route. */
#define AGENT_ROUTER_FAST_MAX_LINES 200L
#define AGENT_ROUTER_FAST_MAX_FILES 10L
/* Context window of a model the table does not know, in tokens. */
#define AGENT_ROUTER_DEFAULT_CONTEXT 128000L

/*
 * What people did with a model's comments for one agent and one size of
 * change ("small" or "large", as auto sizes them): measured by tend stats
 * and handed in by the caller as plain numbers.
 */
struct agent_evidence {
	const char *spec;	/* "provider/model" */
	const char *size;	/* "small" or "large" */
	long accepted, decided;	/* comments taken; taken or refused */
	double cost_usd;	/* what those comments cost, 0: unknown */
};

/* What the caller knows about the job, for routing; all borrowed. */
struct agent_task {
	const char *agent;	/* the agent's name: its routes key; NULL:
				   only the default route applies */
	const char *model;	/* the agent's own model, or NULL */
	long changed_lines;	/* added + removed lines of the change */
	long files;		/* changed files */
	int risky;		/* touches security-sensitive code */
	/*
	 * Evidence for "auto": when a usable model has at least
	 * `min_samples` decided comments for this agent and size, auto
	 * takes the one with the most accepted comments per dollar (per
	 * comment when no cost is known) instead of the size rule, and
	 * says why. Fewer samples: the size rule, as without evidence.
	 */
	const struct agent_evidence *evidence;
	size_t nr_evidence;
	long min_samples;
};

/* "small" or "large": the size auto gives `task` (and evidence is kept by). */
const char *agent_router_task_size(const struct agent_task *task);

enum agent_tier {
	AGENT_TIER_NONE = 0,	/* named outright, not "auto" */
	AGENT_TIER_FAST,
	AGENT_TIER_STRONG
};

/* A resolved route; the strings are owned (agent_route_release()). */
struct agent_route {
	char *spec;		/* "provider/model" */
	char *provider;		/* the provider's name */
	char *model;		/* as the provider calls it */
	char *why;		/* how it was chosen, for logs and summaries:
				   "models.routes.reviewer", "auto: strong
				   (risky change)", ... */
	enum agent_tier tier;
};

void agent_route_init(struct agent_route *r);
void agent_route_release(struct agent_route *r);

struct agent_router;

/*
 * Build a router from the config and the environment (the key variables
 * and $TEND_MODEL are read now). TEND_EINVALID when a route, fallback or
 * $TEND_MODEL is not "provider/model" (or "auto" where allowed); which
 * providers those name is checked later (agent_router_check()). Having no
 * usable provider is not an error here. Free with agent_router_free().
 */
int agent_router_new(struct agent_router **out, const struct tend_config *cfg,
		     struct buf *err);
void agent_router_free(struct agent_router *r);

/*
 * Put a provider in the table under `name` (replacing one of that name),
 * usable whatever the environment says: a provider wrapped for record or
 * replay, or a scripted one in tests. `kind` ("openai"/"anthropic") picks
 * the built-in defaults and list prices; NULL: none. The router owns `p`
 * from now on.
 */
void agent_router_add_provider(struct agent_router *r, const char *name,
			       const char *kind, struct agent_provider *p);

/* How many providers are usable; 0 means "no model configured". */
size_t agent_router_usable(const struct agent_router *r);

/*
 * Check every route, fallback and $TEND_MODEL names a known provider, so a
 * typo in `.tend.yml` is reported before any work. TEND_EINVALID naming
 * the setting. A known provider without a key is fine here.
 */
int agent_router_check(const struct agent_router *r, struct buf *err);

/*
 * Choose the model for `task` (see the top of this file). `out` is
 * initialised by the caller; earlier contents are released. Errors:
 * TEND_ENOTFOUND  no usable provider at all: "no model configured ..."
 * TEND_EAUTH      the chosen provider's key variable is not set
 * TEND_EINVALID   the chosen provider is unknown, or "auto" has no
 *                 model for a tier
 */
int agent_router_resolve(struct agent_router *r, const struct agent_task *task,
			 struct agent_route *out, struct buf *err);

/*
 * Have a call answered by the route's model or a fallback (see the top of
 * this file). `req->model` is ignored: each attempt names its own. Every
 * attempt is accounted, answered or not. The contract of `out` is
 * agent_provider_complete()'s; out->model is what the server called the
 * model, agent_router_answered() the "provider/model" that answered.
 */
int agent_router_complete(struct agent_router *r,
			  const struct agent_route *route,
			  const struct agent_request *req,
			  struct agent_response *out, struct buf *err);

/*
 * Have texts embedded by `spec` ("provider/model", models.embeddings; the
 * provider must be of kind openai), with no fallback. The call is in the
 * books of `spec` like a completion (its tokens as input, priced by
 * models.prices or the list price of OpenAI's embedding models), but
 * agent_router_answered() and agent_router_last_cost() still speak of
 * the last completion. The contract of `out` is agent_provider_embed()'s;
 * req->model is ignored. TEND_EINVALID for a bad or unknown spec,
 * TEND_EAUTH when the provider has no key (or had it refused).
 */
int agent_router_embed(struct agent_router *r, const char *spec,
		       const struct agent_embed_request *req,
		       struct agent_embeddings *out, struct buf *err);

/*
 * The same as a callback for the tool loop: `data` is a struct
 * agent_router_binding, which must outlive the calls.
 */
struct agent_router_binding {
	struct agent_router *router;
	const struct agent_route *route;
};
int agent_router_complete_cb(void *data, const struct agent_request *req,
			     struct agent_response *out, struct buf *err);

/*
 * After agent_router_complete(): the "provider/model" that answered the
 * last call (NULL when it failed; points into the router, valid until the
 * next call), and that call's cost: 0 and *usd set, or TEND_ENOTFOUND when
 * its price is unknown or the call failed.
 */
const char *agent_router_answered(const struct agent_router *r);
int agent_router_last_cost(const struct agent_router *r, double *usd);

/* Prices of one model, USD per million tokens. */
struct agent_price {
	double input, output, cache_read, cache_write;
	int from_config;	/* 0: the built-in list price */
};

/*
 * The price of "provider/model": 0, or TEND_ENOTFOUND when there is none.
 * agent_router_cost() prices one call's usage the same way.
 */
int agent_router_price(const struct agent_router *r, const char *spec,
		       struct agent_price *out);
int agent_router_cost(const struct agent_router *r, const char *spec,
		      const struct agent_usage *u, double *usd);

/*
 * The context window of "provider/model" (or a bare model name) in tokens;
 * AGENT_ROUTER_DEFAULT_CONTEXT when unknown. `r` may be NULL.
 */
long agent_router_context_window(const struct agent_router *r,
				 const char *spec);

/*
 * Is `path` one that makes a change risky: authentication, sessions,
 * permissions, crypto, secrets, SQL and migrations, security code, CI
 * workflows? Matched case-insensitively on words of the path.
 */
int agent_router_risky_path(const char *path);

/* The books of one model ("provider/model"), or of all of them. */
struct agent_model_stats {
	char *model;
	long calls;		/* answered */
	long failed;		/* attempts that failed */
	long input;		/* prompt tokens at full price */
	long output;
	long cache_read;
	long cache_write;
	double cost_usd;	/* of the priced calls */
	long unpriced;		/* answered calls with no price */
	double seconds;		/* wall time of all attempts */
};

/*
 * The per-model books in order of first use; points into the router,
 * valid until the next call. `nr` gets the count.
 */
const struct agent_model_stats *agent_router_stats(const struct agent_router *r,
						   size_t *nr);

/* The sum over all models; out->model is NULL. */
void agent_router_totals(const struct agent_router *r,
			 struct agent_model_stats *out);

/*
 * Append one summary line to `out`, e.g.
 *   anthropic/claude-sonnet-4-5: 3 calls, 12,345 in / 1,234 out, $0.06, 8.1 s
 * The "in" count is the whole prompt; cache reads are shown as
 * "(10,000 cached)"; failed attempts as ", 1 failed"; a cost with no price
 * as "cost unknown" (some unpriced: "$0.06 + unknown"). With s->model NULL
 * the line starts "total".
 */
void agent_model_stats_render(const struct agent_model_stats *s,
			      struct buf *out);

/* One line per model, each ending '\n'; nothing when no call was made. */
void agent_router_render(const struct agent_router *r, struct buf *out);

/*
 * Replace the clock that times calls (tests): milliseconds from any fixed
 * point. NULL restores CLOCK_MONOTONIC.
 */
void agent_router_set_clock(struct agent_router *r,
			    long (*now_ms)(void *data), void *data);

/* Passed on to every provider, open or opened later; see provider.h. */
void agent_router_set_sleep(struct agent_router *r,
			    void (*sleep_ms)(long ms, void *data), void *data);

#endif
