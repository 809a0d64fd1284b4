/*
 * router.c - model routing, fallbacks, prices and the books (router.h).
 *
 * This file decides which provider and model answer a call and keeps
 * count of what the calls cost. It does not speak any protocol (that is
 * agents/provider.c and friends) and does not build prompts or run tools
 * (the tool loop does): it wraps agent_provider_complete() and nothing
 * more. The built-in tables below (defaults, list prices, context windows)
 * are the only place model names are hard-coded.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agents/router.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"

#define AGENT_ROUTER_OPENROUTER_BASE "https://openrouter.ai/api/v1"

/* ----- built-in tables ----- */

/* Which vendor's list prices and defaults a provider gets. */
enum agent_router_vendor {
	AGENT_VENDOR_NONE = 0,
	AGENT_VENDOR_ANTHROPIC,
	AGENT_VENDOR_OPENAI,
	AGENT_VENDOR_OPENROUTER
};

static const struct {
	enum agent_router_vendor vendor;
	const char *fast, *strong;
} agent_router_defaults[] = {
	{ AGENT_VENDOR_ANTHROPIC, "claude-haiku-4-5", "claude-sonnet-4-5" },
	{ AGENT_VENDOR_OPENAI, "gpt-4.1-mini", "gpt-4.1" },
	{ AGENT_VENDOR_OPENROUTER, "anthropic/claude-haiku-4.5",
	  "anthropic/claude-sonnet-4.5" },
};

/*
 * List prices in USD per million tokens (input, output, cache read, cache
 * write), as the vendors published them in 2025. They are estimates for
 * the summary and the dollar budget; `models.prices` overrides them.
 */
static const struct {
	enum agent_router_vendor vendor;
	const char *model;
	double input, output, cache_read, cache_write;
} agent_router_list_prices[] = {
	{ AGENT_VENDOR_ANTHROPIC, "claude-sonnet-4-5", 3.0, 15.0, 0.30, 3.75 },
	{ AGENT_VENDOR_ANTHROPIC, "claude-sonnet-4", 3.0, 15.0, 0.30, 3.75 },
	{ AGENT_VENDOR_ANTHROPIC, "claude-haiku-4-5", 1.0, 5.0, 0.10, 1.25 },
	{ AGENT_VENDOR_ANTHROPIC, "claude-opus-4-1", 15.0, 75.0, 1.50, 18.75 },
	{ AGENT_VENDOR_OPENAI, "gpt-4.1", 2.0, 8.0, 0.50, 2.0 },
	{ AGENT_VENDOR_OPENAI, "gpt-4.1-mini", 0.40, 1.60, 0.10, 0.40 },
	{ AGENT_VENDOR_OPENAI, "gpt-4.1-nano", 0.10, 0.40, 0.025, 0.10 },
	{ AGENT_VENDOR_OPENAI, "gpt-4o", 2.50, 10.0, 1.25, 2.50 },
	{ AGENT_VENDOR_OPENAI, "gpt-4o-mini", 0.15, 0.60, 0.075, 0.15 },
	{ AGENT_VENDOR_OPENAI, "text-embedding-3-small", 0.02, 0, 0, 0 },
	{ AGENT_VENDOR_OPENAI, "text-embedding-3-large", 0.13, 0, 0, 0 },
	{ AGENT_VENDOR_OPENAI, "text-embedding-ada-002", 0.10, 0, 0, 0 },
	{ AGENT_VENDOR_OPENROUTER, "anthropic/claude-sonnet-4.5",
	  3.0, 15.0, 0.30, 3.75 },
	{ AGENT_VENDOR_OPENROUTER, "anthropic/claude-haiku-4.5",
	  1.0, 5.0, 0.10, 1.25 },
	{ AGENT_VENDOR_OPENROUTER, "openai/gpt-4.1", 2.0, 8.0, 0.50, 2.0 },
	{ AGENT_VENDOR_OPENROUTER, "openai/gpt-4.1-mini",
	  0.40, 1.60, 0.10, 0.40 },
};

/* Context windows by prefix of the model name (after any "vendor/"). */
static const struct {
	const char *prefix;
	long tokens;
} agent_router_windows[] = {
	{ "claude-", 200000 },
	{ "gpt-4.1", 1047576 },
	{ "gpt-4o", 128000 },
	{ "gpt-5", 272000 },
	{ "o1", 200000 },
	{ "o3", 200000 },
	{ "o4-mini", 200000 },
};

#define AGENT_ROUTER_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ----- the router ----- */

struct agent_router_provider {
	char *name;
	char *kind;		/* NULL: unknown (a custom provider) */
	char *base_url;
	char *key_env;
	int configured;
	int usable;
	int dead;		/* its key was refused */
	struct agent_provider *p;	/* opened on first use */
};

struct agent_router_route {
	char *agent;
	char *spec;
};

struct agent_router {
	struct agent_router_provider *providers;
	size_t nr_providers, alloc_providers;
	struct agent_router_route *routes;
	size_t nr_routes;
	char **fallbacks;
	size_t nr_fallbacks;
	struct config_price *prices;
	size_t nr_prices;
	char *tend_model;		/* $TEND_MODEL or NULL */

	struct agent_model_stats *stats;
	size_t nr_stats, alloc_stats;
	char *answered;
	int last_priced;
	double last_cost;

	long (*now_ms)(void *data);
	void *clock_data;
	void (*sleep_ms)(long ms, void *data);
	void *sleep_data;
};

void agent_route_init(struct agent_route *r)
{
	memset(r, 0, sizeof(*r));
}

void agent_route_release(struct agent_route *r)
{
	free(r->spec);
	free(r->provider);
	free(r->model);
	free(r->why);
	agent_route_init(r);
}

static const char *agent_router_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* "provider/model" with both parts non-empty and no white space. */
static int agent_router_spec_ok(const char *s, int allow_auto)
{
	const char *slash = strchr(s, '/');
	const char *p;

	if (allow_auto && !strcmp(s, "auto"))
		return 1;
	if (!slash || slash == s || !slash[1])
		return 0;
	for (p = s; *p; p++)
		if (isspace((unsigned char)*p))
			return 0;
	return 1;
}

static struct agent_router_provider *
agent_router_find(const struct agent_router *r, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < r->nr_providers; i++)
		if (strlen(r->providers[i].name) == len &&
		    !strncmp(r->providers[i].name, name, len))
			return &r->providers[i];
	return NULL;
}

static struct agent_router_provider *
agent_router_find_spec(const struct agent_router *r, const char *spec)
{
	const char *slash = strchr(spec, '/');

	return slash ? agent_router_find(r, spec, slash - spec) : NULL;
}

static struct agent_router_provider *
agent_router_push(struct agent_router *r, const char *name)
{
	struct agent_router_provider *e;

	ALLOC_GROW(r->providers, r->nr_providers, r->alloc_providers);
	e = &r->providers[r->nr_providers++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	return e;
}

static void agent_router_add_builtin(struct agent_router *r, const char *name,
				     const char *kind, const char *base_url,
				     const char *key_env)
{
	struct agent_router_provider *e;

	if (agent_router_find(r, name, strlen(name)))
		return;
	e = agent_router_push(r, name);
	e->kind = xstrdup(kind);
	e->base_url = xstrdup_or_null(base_url);
	e->key_env = xstrdup(key_env);
	e->usable = agent_router_env(key_env) != NULL;
}

static int agent_router_bad_spec(struct buf *err, const char *where,
				 const char *spec, int allow_auto)
{
	return error_set(err, TEND_EINVALID, "%s is '%s': expected "
			 "\"provider/model\"%s", where, spec,
			 allow_auto ? " or \"auto\"" : "");
}

int agent_router_new(struct agent_router **out, const struct tend_config *cfg,
		     struct buf *err)
{
	struct agent_router *r = xcalloc(1, sizeof(*r));
	const char *tm;
	size_t i;
	int error = 0;

	*out = NULL;
	for (i = 0; i < cfg->models.nr_providers; i++) {
		const struct config_provider *cp = &cfg->models.providers[i];
		struct agent_router_provider *e;
		const char *var;

		if (agent_router_find(r, cp->name, strlen(cp->name))) {
			error = error_set(err, TEND_EINVALID, "model provider "
					  "'%s' is configured twice",
					  cp->name);
			goto out;
		}
		if (!cp->kind || (strcmp(cp->kind, "openai") &&
				  strcmp(cp->kind, "anthropic"))) {
			error = error_set(err, TEND_EINVALID, "model provider "
					  "'%s' has unknown kind '%s' "
					  "(expected openai or anthropic)",
					  cp->name, cp->kind ? cp->kind : "");
			goto out;
		}
		e = agent_router_push(r, cp->name);
		e->configured = 1;
		e->kind = xstrdup(cp->kind);
		e->base_url = xstrdup_or_null(cp->base_url && *cp->base_url ?
					      cp->base_url : NULL);
		var = cp->api_key_env && *cp->api_key_env ? cp->api_key_env :
			!strcmp(cp->kind, "openai") ? "OPENAI_API_KEY" :
			"ANTHROPIC_API_KEY";
		e->key_env = xstrdup(var);
		e->usable = agent_router_env(var) || e->base_url;
	}
	agent_router_add_builtin(r, "anthropic", "anthropic", NULL,
				 "ANTHROPIC_API_KEY");
	agent_router_add_builtin(r, "openai", "openai", NULL,
				 "OPENAI_API_KEY");
	agent_router_add_builtin(r, "openrouter", "openai",
				 AGENT_ROUTER_OPENROUTER_BASE,
				 "OPENROUTER_API_KEY");

	r->routes = xcalloc(cfg->models.nr_routes + 1, sizeof(*r->routes));
	for (i = 0; i < cfg->models.nr_routes; i++) {
		const struct config_route *cr = &cfg->models.routes[i];
		int tiers = !strcmp(cr->agent, "fast") ||
			!strcmp(cr->agent, "strong");

		if (!agent_router_spec_ok(cr->model, !tiers)) {
			struct buf where = BUF_INIT;

			buf_printf(&where, "models.routes.%s", cr->agent);
			error = agent_router_bad_spec(err, where.ptr,
						      cr->model, !tiers);
			buf_release(&where);
			goto out;
		}
		r->routes[r->nr_routes].agent = xstrdup(cr->agent);
		r->routes[r->nr_routes++].spec = xstrdup(cr->model);
	}
	r->fallbacks = xcalloc(cfg->models.nr_fallbacks + 1,
			       sizeof(*r->fallbacks));
	for (i = 0; i < cfg->models.nr_fallbacks; i++) {
		if (!agent_router_spec_ok(cfg->models.fallbacks[i], 0)) {
			error = agent_router_bad_spec(err, "a model in "
						      "models.fallbacks",
						      cfg->models.fallbacks[i],
						      0);
			goto out;
		}
		r->fallbacks[r->nr_fallbacks++] =
			xstrdup(cfg->models.fallbacks[i]);
	}
	r->prices = xcalloc(cfg->models.nr_prices + 1, sizeof(*r->prices));
	for (i = 0; i < cfg->models.nr_prices; i++) {
		r->prices[i] = cfg->models.prices[i];
		r->prices[i].model = xstrdup(cfg->models.prices[i].model);
		r->nr_prices++;
	}
	if ((tm = agent_router_env("TEND_MODEL"))) {
		if (!agent_router_spec_ok(tm, 1)) {
			error = agent_router_bad_spec(err, "$TEND_MODEL", tm,
						      1);
			goto out;
		}
		r->tend_model = xstrdup(tm);
	}
out:
	if (error < 0) {
		agent_router_free(r);
		return error;
	}
	*out = r;
	return 0;
}

void agent_router_free(struct agent_router *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_providers; i++) {
		struct agent_router_provider *e = &r->providers[i];

		free(e->name);
		free(e->kind);
		free(e->base_url);
		free(e->key_env);
		agent_provider_free(e->p);
	}
	free(r->providers);
	for (i = 0; i < r->nr_routes; i++) {
		free(r->routes[i].agent);
		free(r->routes[i].spec);
	}
	free(r->routes);
	for (i = 0; i < r->nr_fallbacks; i++)
		free(r->fallbacks[i]);
	free(r->fallbacks);
	for (i = 0; i < r->nr_prices; i++)
		free(r->prices[i].model);
	free(r->prices);
	free(r->tend_model);
	for (i = 0; i < r->nr_stats; i++)
		free(r->stats[i].model);
	free(r->stats);
	free(r->answered);
	free(r);
}

void agent_router_add_provider(struct agent_router *r, const char *name,
			       const char *kind, struct agent_provider *p)
{
	struct agent_router_provider *e;

	e = agent_router_find(r, name, strlen(name));
	if (e) {
		free(e->kind);
		free(e->base_url);
		free(e->key_env);
		agent_provider_free(e->p);
		free(e->name);
		memset(e, 0, sizeof(*e));
		e->name = xstrdup(name);
	} else {
		e = agent_router_push(r, name);
	}
	e->kind = xstrdup_or_null(kind);
	e->usable = 1;
	e->p = p;
	if (r->sleep_ms)
		agent_provider_set_sleep(p, r->sleep_ms, r->sleep_data);
}

size_t agent_router_usable(const struct agent_router *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_providers; i++)
		n += r->providers[i].usable != 0;
	return n;
}

/* The names of the known providers, for messages. */
static void agent_router_list_names(const struct agent_router *r,
				    struct buf *out)
{
	size_t i;

	for (i = 0; i < r->nr_providers; i++)
		buf_printf(out, "%s%s", i ? ", " : "", r->providers[i].name);
}

static int agent_router_unknown(const struct agent_router *r,
				struct buf *err, const char *where,
				const char *spec)
{
	struct buf names = BUF_INIT;
	const char *slash = strchr(spec, '/');
	int len = slash ? (int)(slash - spec) : (int)strlen(spec);

	agent_router_list_names(r, &names);
	error_set(err, TEND_EINVALID, "%s names unknown model provider "
		  "'%.*s' in '%s' (known: %s)", where, len, spec, spec,
		  names.ptr);
	buf_release(&names);
	return TEND_EINVALID;
}

int agent_router_check(const struct agent_router *r, struct buf *err)
{
	struct buf where = BUF_INIT;
	size_t i;
	int error = 0;

	for (i = 0; i < r->nr_routes; i++) {
		const char *spec = r->routes[i].spec;

		if (!strcmp(spec, "auto") || agent_router_find_spec(r, spec))
			continue;
		buf_printf(&where, "models.routes.%s", r->routes[i].agent);
		error = agent_router_unknown(r, err, where.ptr, spec);
		goto out;
	}
	for (i = 0; i < r->nr_fallbacks; i++) {
		if (agent_router_find_spec(r, r->fallbacks[i]))
			continue;
		error = agent_router_unknown(r, err, "models.fallbacks",
					     r->fallbacks[i]);
		goto out;
	}
	if (r->tend_model && strcmp(r->tend_model, "auto") &&
	    !agent_router_find_spec(r, r->tend_model))
		error = agent_router_unknown(r, err, "$TEND_MODEL",
					     r->tend_model);
out:
	buf_release(&where);
	return error;
}

/* ----- resolving ----- */

static enum agent_router_vendor
agent_router_vendor(const struct agent_router_provider *e)
{
	if (!e->kind)
		return AGENT_VENDOR_NONE;
	if (!strcmp(e->name, "openrouter") ||
	    (e->base_url && strstr(e->base_url, "openrouter.ai")))
		return AGENT_VENDOR_OPENROUTER;
	if (!strcmp(e->kind, "anthropic"))
		return AGENT_VENDOR_ANTHROPIC;
	if (!strcmp(e->kind, "openai") &&
	    (!e->base_url || strstr(e->base_url, "api.openai.com")))
		return AGENT_VENDOR_OPENAI;
	return AGENT_VENDOR_NONE;
}

static const char *agent_router_route(const struct agent_router *r,
				      const char *agent)
{
	size_t i;

	for (i = 0; agent && i < r->nr_routes; i++)
		if (!strcmp(r->routes[i].agent, agent))
			return r->routes[i].spec;
	return NULL;
}

/*
 * The spec of a tier: models.routes.fast/strong, else the built-in
 * default of the first usable provider that has one.
 */
static int agent_router_tier(const struct agent_router *r,
			     enum agent_tier tier, char **out,
			     struct buf *err)
{
	const char *name = tier == AGENT_TIER_FAST ? "fast" : "strong";
	const char *spec = agent_router_route(r, name);
	size_t i, j;

	if (spec) {
		*out = xstrdup(spec);
		return 0;
	}
	for (i = 0; i < r->nr_providers; i++) {
		const struct agent_router_provider *e = &r->providers[i];
		enum agent_router_vendor v;

		if (!e->usable || e->dead)
			continue;
		v = agent_router_vendor(e);
		for (j = 0; j < AGENT_ROUTER_COUNT(agent_router_defaults); j++)
			if (agent_router_defaults[j].vendor == v) {
				*out = xasprintf("%s/%s", e->name,
					tier == AGENT_TIER_FAST ?
					agent_router_defaults[j].fast :
					agent_router_defaults[j].strong);
				return 0;
			}
	}
	return error_set(err, TEND_EINVALID, "model route 'auto' needs "
			 "models.routes.%s: no usable provider has a built-in "
			 "%s model", name, name);
}

/*
 * Words that make a path risky. ANY matches inside a word ("encrypt"),
 * START at the start of a word ("authz", "sessions"), WORD only a whole
 * word, so "tokenizer.c" and "keyboard.c" are not secrets. A word starts
 * after a non-letter or at a lower-to-upper case change ("UserAuth").
 */
enum { AGENT_RISK_ANY, AGENT_RISK_START, AGENT_RISK_WORD };

static const struct {
	const char *word;
	int mode;
} agent_router_risk_words[] = {
	{ "crypt", AGENT_RISK_ANY }, { "passw", AGENT_RISK_ANY },
	{ "secret", AGENT_RISK_ANY }, { "credential", AGENT_RISK_ANY },
	{ "sanitiz", AGENT_RISK_ANY }, { "oauth", AGENT_RISK_ANY },
	{ ".github/workflows", AGENT_RISK_ANY },
	{ ".gitlab-ci", AGENT_RISK_ANY },
	{ "auth", AGENT_RISK_START }, { "login", AGENT_RISK_START },
	{ "session", AGENT_RISK_START }, { "permission", AGENT_RISK_START },
	{ "cipher", AGENT_RISK_START }, { "cert", AGENT_RISK_START },
	{ "security", AGENT_RISK_START }, { "sql", AGENT_RISK_START },
	{ "migration", AGENT_RISK_START }, { "payment", AGENT_RISK_START },
	{ "billing", AGENT_RISK_START }, { "privilege", AGENT_RISK_START },
	{ "token", AGENT_RISK_WORD }, { "tokens", AGENT_RISK_WORD },
	{ "key", AGENT_RISK_WORD }, { "keys", AGENT_RISK_WORD },
	{ "acl", AGENT_RISK_WORD }, { "rbac", AGENT_RISK_WORD },
	{ "jwt", AGENT_RISK_WORD }, { "saml", AGENT_RISK_WORD },
	{ "tls", AGENT_RISK_WORD }, { "ssl", AGENT_RISK_WORD },
	{ "csrf", AGENT_RISK_WORD }, { "xss", AGENT_RISK_WORD },
	{ "sudo", AGENT_RISK_WORD }, { "hmac", AGENT_RISK_WORD },
};

static int agent_router_word_start(const char *path, size_t i)
{
	unsigned char prev, cur;

	if (!i)
		return 1;
	prev = path[i - 1];
	cur = path[i];
	return !isalpha(prev) || (islower(prev) && isupper(cur));
}

int agent_router_risky_path(const char *path)
{
	char *low = xstrdup(path);
	size_t i, n;
	int hit = 0;

	for (i = 0; low[i]; i++)
		low[i] = tolower((unsigned char)low[i]);
	for (i = 0; i < AGENT_ROUTER_COUNT(agent_router_risk_words) && !hit;
	     i++) {
		const char *w = agent_router_risk_words[i].word;
		int mode = agent_router_risk_words[i].mode;
		const char *p = low;

		n = strlen(w);
		for (; (p = strstr(p, w)); p++) {
			size_t at = p - low;

			if (mode == AGENT_RISK_ANY) {
				hit = 1;
			} else if (agent_router_word_start(path, at)) {
				hit = mode == AGENT_RISK_START ||
					!isalpha((unsigned char)p[n]) ||
					agent_router_word_start(path, at + n);
			}
			if (hit)
				break;
		}
	}
	free(low);
	return hit;
}

const char *agent_router_task_size(const struct agent_task *task)
{
	return task->risky ||
	       task->changed_lines > AGENT_ROUTER_FAST_MAX_LINES ||
	       task->files > AGENT_ROUTER_FAST_MAX_FILES ? "large" : "small";
}

/*
 * "auto" by evidence: the usable model with the most accepted comments
 * per dollar (per decided comment when a cost is unknown) among those
 * with enough samples for this agent and size. 1 with `*spec_out` (caller
 * frees) and the reason appended to `why`; 0: not enough evidence.
 */
static int agent_router_by_evidence(struct agent_router *r,
				    const struct agent_task *task,
				    char **spec_out, struct buf *why)
{
	const char *size = agent_router_task_size(task);
	const struct agent_evidence *best = NULL;
	double best_score = -1;
	size_t i, considered = 0;
	int priced = 1;

	for (i = 0; i < task->nr_evidence; i++) {
		const struct agent_evidence *e = &task->evidence[i];

		if (e->size && !strcmp(e->size, size) &&
		    e->decided >= task->min_samples && e->cost_usd <= 0)
			priced = 0;
	}
	for (i = 0; i < task->nr_evidence; i++) {
		const struct agent_evidence *e = &task->evidence[i];
		const struct agent_router_provider *p;
		double score;

		if (!e->spec || !e->size || strcmp(e->size, size) ||
		    e->decided < task->min_samples || e->decided <= 0 ||
		    !agent_router_spec_ok(e->spec, 0) ||
		    !(p = agent_router_find_spec(r, e->spec)) || !p->usable)
			continue;
		considered++;
		score = priced ? (double)e->accepted / e->cost_usd :
			(double)e->accepted / (double)e->decided;
		if (score > best_score) {
			best_score = score;
			best = e;
		}
	}
	if (!best)
		return 0;
	*spec_out = xstrdup(best->spec);
	buf_printf(why, " auto: by evidence for a %s change, %ld of %ld "
		   "comments taken", size, best->accepted, best->decided);
	if (priced)
		buf_printf(why, " for $%.4f (%.1f per dollar)", best->cost_usd,
			   best_score);
	buf_printf(why, ", best of %zu model%s with %ld or more samples",
		   considered, considered == 1 ? "" : "s", task->min_samples);
	return 1;
}

int agent_router_resolve(struct agent_router *r, const struct agent_task *task,
			 struct agent_route *out, struct buf *err)
{
	const struct agent_router_provider *e;
	const char *spec = NULL, *slash;
	char *tier_spec = NULL;
	struct buf why = BUF_INIT;
	enum agent_tier tier = AGENT_TIER_NONE;
	int error = 0;

	agent_route_release(out);
	if (!agent_router_usable(r))
		return error_set(err, TEND_ENOTFOUND, "no model configured: "
				 "set ANTHROPIC_API_KEY, OPENAI_API_KEY or "
				 "OPENROUTER_API_KEY, or add a provider under "
				 "models.providers in .tend.yml");
	if (task->model && *task->model) {
		spec = task->model;
		buf_printf(&why, "agent '%s' model", task->agent ?
			   task->agent : "");
	} else if ((spec = agent_router_route(r, task->agent))) {
		buf_printf(&why, "models.routes.%s", task->agent);
	} else if ((spec = r->tend_model)) {
		buf_puts(&why, "$TEND_MODEL");
	} else if ((spec = agent_router_route(r, "default"))) {
		buf_puts(&why, "models.routes.default");
	} else {
		spec = "auto";
		buf_puts(&why, "default");
	}
	if (!strcmp(spec, "auto") &&
	    agent_router_by_evidence(r, task, &tier_spec, &why)) {
		spec = tier_spec;
		tier = AGENT_TIER_NONE;
	} else if (!strcmp(spec, "auto")) {
		const char *reason;

		if (task->risky) {
			tier = AGENT_TIER_STRONG;
			reason = "risky change";
		} else if (task->changed_lines > AGENT_ROUTER_FAST_MAX_LINES) {
			tier = AGENT_TIER_STRONG;
			reason = "large change";
		} else if (task->files > AGENT_ROUTER_FAST_MAX_FILES) {
			tier = AGENT_TIER_STRONG;
			reason = "many files";
		} else {
			tier = AGENT_TIER_FAST;
			reason = "small change";
		}
		if ((error = agent_router_tier(r, tier, &tier_spec, err)) < 0)
			goto out;
		buf_printf(&why, " auto: %s (%s: %ld lines in %ld files)",
			   tier == AGENT_TIER_FAST ? "fast" : "strong", reason,
			   task->changed_lines, task->files);
		spec = tier_spec;
	}
	if (!agent_router_spec_ok(spec, 0)) {
		error = agent_router_bad_spec(err, why.ptr, spec, 0);
		goto out;
	}
	if (!(e = agent_router_find_spec(r, spec))) {
		error = agent_router_unknown(r, err, why.ptr, spec);
		goto out;
	}
	if (!e->usable) {
		error = error_set(err, TEND_EAUTH, "no API key for model "
				  "provider '%s' (%s chose '%s'): $%s is not "
				  "set", e->name, why.ptr, spec, e->key_env);
		goto out;
	}
	slash = strchr(spec, '/');
	out->spec = xstrdup(spec);
	out->provider = xstrndup(spec, slash - spec);
	out->model = xstrdup(slash + 1);
	out->why = buf_detach(&why, NULL);
	out->tier = tier;
out:
	free(tier_spec);
	buf_release(&why);
	return error;
}

/* ----- prices and windows ----- */

/* Is `model` `name`, or `name` and a date ("-20250929", "-2025-04-14")? */
static int agent_router_model_is(const char *model, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(model, name, n))
		return 0;
	return !model[n] || (model[n] == '-' &&
			     isdigit((unsigned char)model[n + 1]));
}

int agent_router_price(const struct agent_router *r, const char *spec,
		       struct agent_price *out)
{
	const struct agent_router_provider *e;
	const char *slash = strchr(spec, '/');
	const char *model = slash ? slash + 1 : spec;
	enum agent_router_vendor v;
	size_t i, best = 0, best_len = 0;

	for (i = 0; i < r->nr_prices; i++)
		if (!strcmp(r->prices[i].model, spec))
			goto found;
	for (i = 0; i < r->nr_prices; i++)
		if (!strcmp(r->prices[i].model, model))
			goto found;
	if (!slash || !(e = agent_router_find_spec(r, spec)) ||
	    (v = agent_router_vendor(e)) == AGENT_VENDOR_NONE)
		return TEND_ENOTFOUND;
	for (i = 0; i < AGENT_ROUTER_COUNT(agent_router_list_prices); i++) {
		const char *name = agent_router_list_prices[i].model;

		if (agent_router_list_prices[i].vendor == v &&
		    agent_router_model_is(model, name) &&
		    strlen(name) > best_len) {
			best = i;
			best_len = strlen(name);
		}
	}
	if (!best_len)
		return TEND_ENOTFOUND;
	out->input = agent_router_list_prices[best].input;
	out->output = agent_router_list_prices[best].output;
	out->cache_read = agent_router_list_prices[best].cache_read;
	out->cache_write = agent_router_list_prices[best].cache_write;
	out->from_config = 0;
	return 0;
found:
	/* The config has no cache prices: cached tokens cost input. */
	out->input = r->prices[i].input;
	out->output = r->prices[i].output;
	out->cache_read = out->cache_write = r->prices[i].input;
	out->from_config = 1;
	return 0;
}

int agent_router_cost(const struct agent_router *r, const char *spec,
		      const struct agent_usage *u, double *usd)
{
	struct agent_price p;

	if (agent_router_price(r, spec, &p) < 0)
		return TEND_ENOTFOUND;
	*usd = ((double)u->input * p.input + (double)u->output * p.output +
		(double)u->cache_read * p.cache_read +
		(double)u->cache_write * p.cache_write) / 1e6;
	return 0;
}

long agent_router_context_window(const struct agent_router *r,
				 const char *spec)
{
	const char *model = strrchr(spec, '/');
	size_t i;

	(void)r;
	model = model ? model + 1 : spec;
	for (i = 0; i < AGENT_ROUTER_COUNT(agent_router_windows); i++)
		if (!strncmp(model, agent_router_windows[i].prefix,
			     strlen(agent_router_windows[i].prefix)))
			return agent_router_windows[i].tokens;
	return AGENT_ROUTER_DEFAULT_CONTEXT;
}

/* ----- calls ----- */

static long agent_router_now(struct agent_router *r)
{
	struct timespec ts;

	if (r->now_ms)
		return r->now_ms(r->clock_data);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct agent_model_stats *agent_router_book(struct agent_router *r,
						   const char *spec)
{
	struct agent_model_stats *s;
	size_t i;

	for (i = 0; i < r->nr_stats; i++)
		if (!strcmp(r->stats[i].model, spec))
			return &r->stats[i];
	ALLOC_GROW(r->stats, r->nr_stats, r->alloc_stats);
	s = &r->stats[r->nr_stats++];
	memset(s, 0, sizeof(*s));
	s->model = xstrdup(spec);
	return s;
}

/* May another model succeed where this one failed with `code`? */
static int agent_router_fallback_on(int code)
{
	return code == TEND_ERROR || code == TEND_ETIMEOUT ||
		code == TEND_ERATELIMIT || code == TEND_ENOTFOUND ||
		code == TEND_EAUTH || code == AGENT_ECONTEXT;
}

/* Open the provider of `e` if needed. */
static int agent_router_open(struct agent_router *r,
			     struct agent_router_provider *e, struct buf *err)
{
	struct config_provider cp;
	int error;

	if (e->p)
		return 0;
	cp.name = e->name;
	cp.kind = e->kind;
	cp.base_url = e->base_url;
	cp.api_key_env = e->key_env;
	if ((error = agent_provider_from_config(&e->p, &cp, err)) < 0)
		return error;
	if (r->sleep_ms)
		agent_provider_set_sleep(e->p, r->sleep_ms, r->sleep_data);
	return 0;
}

/* Try one model; accounts the attempt. */
static int agent_router_try(struct agent_router *r,
			    struct agent_router_provider *e, const char *spec,
			    const struct agent_request *req,
			    struct agent_response *out, struct buf *err)
{
	struct agent_request one = *req;
	struct agent_model_stats *s;
	long t0, t1;
	double usd;
	int error;

	if ((error = agent_router_open(r, e, err)) < 0)
		return error;
	one.model = strchr(spec, '/') + 1;
	t0 = agent_router_now(r);
	error = agent_provider_complete(e->p, &one, out, err);
	t1 = agent_router_now(r);
	s = agent_router_book(r, spec);
	s->seconds += (t1 > t0 ? t1 - t0 : 0) / 1000.0;
	if (error < 0) {
		s->failed++;
		return error;
	}
	s->calls++;
	s->input += out->usage.input;
	s->output += out->usage.output;
	s->cache_read += out->usage.cache_read;
	s->cache_write += out->usage.cache_write;
	if (agent_router_cost(r, spec, &out->usage, &usd) == 0) {
		s->cost_usd += usd;
		r->last_priced = 1;
		r->last_cost = usd;
	} else {
		s->unpriced++;
	}
	r->answered = xstrdup(spec);
	return 0;
}

int agent_router_complete(struct agent_router *r,
			  const struct agent_route *route,
			  const struct agent_request *req,
			  struct agent_response *out, struct buf *err)
{
	struct buf notes = BUF_INIT, one = BUF_INIT;
	const char **tried;
	size_t nr_tried = 0, i, j;
	int error = 0;

	free(r->answered);
	r->answered = NULL;
	r->last_priced = 0;
	r->last_cost = 0;
	if (!route->spec || !strchr(route->spec, '/'))
		return error_set(err, TEND_EINVALID, "no model route "
				 "(resolve one with agent_router_resolve)");
	tried = xcalloc(r->nr_fallbacks + 1, sizeof(*tried));
	for (i = 0; i <= r->nr_fallbacks; i++) {
		const char *spec = i ? r->fallbacks[i - 1] : route->spec;
		struct agent_router_provider *e;
		int code, skipped = 1;

		for (j = 0; j < nr_tried; j++)
			if (!strcmp(tried[j], spec))
				break;
		if (j < nr_tried)
			continue;
		tried[nr_tried++] = spec;
		buf_reset(&one);
		if (!(e = agent_router_find_spec(r, spec))) {
			code = agent_router_unknown(r, &one, i ?
				"models.fallbacks" : route->why ? route->why :
				"the route", spec);
		} else if (!e->usable) {
			code = error_set(&one, TEND_EAUTH, "skipped: $%s is "
					 "not set", e->key_env);
		} else if (e->dead) {
			code = error_set(&one, TEND_EAUTH, "skipped: provider "
					 "'%s' refused its key", e->name);
		} else {
			skipped = 0;
			code = agent_router_try(r, e, spec, req, out, &one);
			if (code == 0) {
				error = 0;
				goto out;
			}
			if (code == TEND_EAUTH)
				e->dead = 1;
		}
		if (!i && !agent_router_fallback_on(code)) {
			/* Another model would not help. */
			error = code;
			buf_sets(&notes, one.ptr);
			goto out;
		}
		buf_printf(&notes, "%s%s: %s", notes.len ? "; " : "", spec,
			   one.ptr);
		/* The code is the last attempt's, else the first skip's. */
		if (!skipped || !error)
			error = code;
		if (!skipped) {
			if (!agent_router_fallback_on(code))
				break;
			if (i < r->nr_fallbacks)
				log_warn("model %s failed, trying the next "
					 "fallback: %s", spec, one.ptr);
		}
	}
out:
	if (error < 0) {
		if (nr_tried > 1)
			error_set(err, error, "no model answered: %s",
				  notes.ptr);
		else
			error_set(err, error, "%s", one.ptr);
	}
	free(tried);
	buf_release(&notes);
	buf_release(&one);
	return error;
}

int agent_router_embed(struct agent_router *r, const char *spec,
		       const struct agent_embed_request *req,
		       struct agent_embeddings *out, struct buf *err)
{
	struct agent_embed_request one = *req;
	struct agent_router_provider *e;
	struct agent_model_stats *s;
	struct agent_usage u;
	long t0, t1;
	double usd;
	int error;

	agent_embeddings_release(out);
	if (!agent_router_spec_ok(spec, 0))
		return agent_router_bad_spec(err, "models.embeddings", spec,
					     0);
	if (!(e = agent_router_find_spec(r, spec)))
		return agent_router_unknown(r, err, "models.embeddings", spec);
	if (!e->usable)
		return error_set(err, TEND_EAUTH, "no API key for the "
				 "embeddings provider '%s': $%s is not set",
				 e->name, e->key_env);
	if (e->dead)
		return error_set(err, TEND_EAUTH, "provider '%s' refused its "
				 "key", e->name);
	if ((error = agent_router_open(r, e, err)) < 0)
		return error;
	one.model = strchr(spec, '/') + 1;
	t0 = agent_router_now(r);
	error = agent_provider_embed(e->p, &one, out, err);
	t1 = agent_router_now(r);
	s = agent_router_book(r, spec);
	s->seconds += (t1 > t0 ? t1 - t0 : 0) / 1000.0;
	if (error < 0) {
		s->failed++;
		if (error == TEND_EAUTH)
			e->dead = 1;
		return error;
	}
	s->calls++;
	s->input += out->usage.input;
	memset(&u, 0, sizeof(u));
	u.input = out->usage.input;
	if (agent_router_cost(r, spec, &u, &usd) == 0)
		s->cost_usd += usd;
	else
		s->unpriced++;
	return 0;
}

int agent_router_complete_cb(void *data, const struct agent_request *req,
			     struct agent_response *out, struct buf *err)
{
	struct agent_router_binding *b = data;

	return agent_router_complete(b->router, b->route, req, out, err);
}

const char *agent_router_answered(const struct agent_router *r)
{
	return r->answered;
}

int agent_router_last_cost(const struct agent_router *r, double *usd)
{
	if (!r->answered || !r->last_priced)
		return TEND_ENOTFOUND;
	*usd = r->last_cost;
	return 0;
}

/* ----- the books ----- */

const struct agent_model_stats *agent_router_stats(const struct agent_router *r,
						   size_t *nr)
{
	*nr = r->nr_stats;
	return r->stats;
}

void agent_router_totals(const struct agent_router *r,
			 struct agent_model_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < r->nr_stats; i++) {
		const struct agent_model_stats *s = &r->stats[i];

		out->calls += s->calls;
		out->failed += s->failed;
		out->input += s->input;
		out->output += s->output;
		out->cache_read += s->cache_read;
		out->cache_write += s->cache_write;
		out->cost_usd += s->cost_usd;
		out->unpriced += s->unpriced;
		out->seconds += s->seconds;
	}
}

/* A count with thousands separators: 12,345. */
static void agent_router_put_count(struct buf *out, long n)
{
	char digits[32];
	int len, i;

	if (n < 0) {
		buf_putc(out, '-');
		n = -n;
	}
	len = snprintf(digits, sizeof(digits), "%ld", n);
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf_putc(out, ',');
		buf_putc(out, digits[i]);
	}
}

static void agent_router_put_usd(struct buf *out, double usd)
{
	/* Cents for real money; four places so a cheap call is not $0.00. */
	if (usd == 0 || usd >= 0.01)
		buf_printf(out, "$%.2f", usd);
	else
		buf_printf(out, "$%.4f", usd);
}

void agent_model_stats_render(const struct agent_model_stats *s,
			      struct buf *out)
{
	long prompt = s->input + s->cache_read + s->cache_write;

	buf_printf(out, "%s: %ld call%s, ", s->model ? s->model : "total",
		   s->calls, s->calls == 1 ? "" : "s");
	agent_router_put_count(out, prompt);
	buf_puts(out, " in");
	if (s->cache_read) {
		buf_puts(out, " (");
		agent_router_put_count(out, s->cache_read);
		buf_puts(out, " cached)");
	}
	buf_puts(out, " / ");
	agent_router_put_count(out, s->output);
	buf_puts(out, " out, ");
	if (s->calls && s->unpriced == s->calls) {
		buf_puts(out, "cost unknown");
	} else {
		agent_router_put_usd(out, s->cost_usd);
		if (s->unpriced)
			buf_puts(out, " + unknown");
	}
	buf_printf(out, ", %.1f s", s->seconds);
	if (s->failed)
		buf_printf(out, ", %ld failed", s->failed);
}

void agent_router_render(const struct agent_router *r, struct buf *out)
{
	size_t i;

	for (i = 0; i < r->nr_stats; i++) {
		agent_model_stats_render(&r->stats[i], out);
		buf_putc(out, '\n');
	}
}

void agent_router_set_clock(struct agent_router *r,
			    long (*now_ms)(void *data), void *data)
{
	r->now_ms = now_ms;
	r->clock_data = data;
}

void agent_router_set_sleep(struct agent_router *r,
			    void (*sleep_ms)(long ms, void *data), void *data)
{
	size_t i;

	r->sleep_ms = sleep_ms;
	r->sleep_data = data;
	for (i = 0; i < r->nr_providers; i++)
		if (r->providers[i].p)
			agent_provider_set_sleep(r->providers[i].p, sleep_ms,
						 data);
}
