/*
 * test_router.c - the model router: route resolution (agent routes, the
 * default route, $TEND_MODEL, a custom agent's own model, no key at all),
 * "auto" choosing fast or strong, fallbacks over scripted in-process
 * providers (agent_provider_custom(), no server), prices, context windows
 * and the accounting line. Tests set and clear the model key variables
 * themselves and leave them unset.
 */
#include <stdlib.h>
#include <string.h>

#include "agents/provider.h"
#include "agents/router.h"
#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "tests/unit/test.h"

static void env_clear(void)
{
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("OPENAI_API_KEY");
	unsetenv("OPENROUTER_API_KEY");
	unsetenv("TEND_MODEL");
	unsetenv("TEST_GATEWAY_KEY");
}

/* Config builders: the test owns the config and releases it. */
static void add_route(struct tend_config *cfg, const char *agent,
		      const char *model)
{
	cfg->models.routes = xrealloc(cfg->models.routes,
				      (cfg->models.nr_routes + 1) *
				      sizeof(*cfg->models.routes));
	cfg->models.routes[cfg->models.nr_routes].agent = xstrdup(agent);
	cfg->models.routes[cfg->models.nr_routes++].model = xstrdup(model);
}

static void add_fallback(struct tend_config *cfg, const char *model)
{
	cfg->models.fallbacks = xrealloc(cfg->models.fallbacks,
					 (cfg->models.nr_fallbacks + 1) *
					 sizeof(*cfg->models.fallbacks));
	cfg->models.fallbacks[cfg->models.nr_fallbacks++] = xstrdup(model);
}

static void add_price(struct tend_config *cfg, const char *model,
		      double in, double out)
{
	struct config_price *p;

	cfg->models.prices = xrealloc(cfg->models.prices,
				      (cfg->models.nr_prices + 1) *
				      sizeof(*cfg->models.prices));
	p = &cfg->models.prices[cfg->models.nr_prices++];
	p->model = xstrdup(model);
	p->input = in;
	p->output = out;
}

static void add_provider(struct tend_config *cfg, const char *name,
			 const char *kind, const char *base_url,
			 const char *key_env)
{
	struct config_provider *p;

	cfg->models.providers = xrealloc(cfg->models.providers,
					 (cfg->models.nr_providers + 1) *
					 sizeof(*cfg->models.providers));
	p = &cfg->models.providers[cfg->models.nr_providers++];
	p->name = xstrdup(name);
	p->kind = xstrdup(kind);
	p->base_url = xstrdup_or_null(base_url);
	p->api_key_env = xstrdup_or_null(key_env);
}

/* Resolve for an agent and a change size; returns the spec or the code. */
static const char *route_for(struct agent_router *r, const char *agent,
			     const char *own_model, long lines, long files,
			     int risky, int *code)
{
	static char spec[256];
	struct agent_task t = { agent, own_model, lines, files, risky };
	struct agent_route route;
	struct buf err = BUF_INIT;

	agent_route_init(&route);
	*code = agent_router_resolve(r, &t, &route, &err);
	if (*code == 0)
		snprintf(spec, sizeof(spec), "%s", route.spec);
	else
		snprintf(spec, sizeof(spec), "error: %s", err.ptr);
	agent_route_release(&route);
	buf_release(&err);
	return spec;
}

void test_router__routes_default_and_tend_model(void)
{
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct buf err = BUF_INIT;
	int code;

	env_clear();
	setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
	setenv("OPENAI_API_KEY", "sk-test", 1);
	config_init(&cfg);
	add_route(&cfg, "reviewer", "openai/gpt-4.1");
	add_route(&cfg, "default", "anthropic/claude-haiku-4-5");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_INT(agent_router_check(r, &err), 0);
	CHECK_STR(route_for(r, "reviewer", NULL, 10, 1, 0, &code),
		  "openai/gpt-4.1");
	CHECK_STR(route_for(r, "debug", NULL, 10, 1, 0, &code),
		  "anthropic/claude-haiku-4-5");
	/* A custom agent's own model wins over its route. */
	CHECK_STR(route_for(r, "reviewer", "anthropic/claude-opus-4-1", 10, 1,
			    0, &code), "anthropic/claude-opus-4-1");
	agent_router_free(r);

	/* $TEND_MODEL overrides the default route, not an agent's route. */
	setenv("TEND_MODEL", "openai/gpt-4.1-mini", 1);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_STR(route_for(r, "debug", NULL, 10, 1, 0, &code),
		  "openai/gpt-4.1-mini");
	CHECK_STR(route_for(r, "reviewer", NULL, 10, 1, 0, &code),
		  "openai/gpt-4.1");
	CHECK_STR(route_for(r, NULL, NULL, 0, 0, 0, &code),
		  "openai/gpt-4.1-mini");
	agent_router_free(r);

	/* A model part may hold '/': the provider is before the first. */
	setenv("OPENROUTER_API_KEY", "sk-or-test", 1);
	setenv("TEND_MODEL", "openrouter/meta-llama/llama-3.3-70b", 1);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	{
		struct agent_task t = { "debug", NULL, 1, 1, 0 };
		struct agent_route route;

		agent_route_init(&route);
		REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
		CHECK_STR(route.provider, "openrouter");
		CHECK_STR(route.model, "meta-llama/llama-3.3-70b");
		CHECK_STR(route.why, "$TEND_MODEL");
		CHECK_INT(route.tier, AGENT_TIER_NONE);
		agent_route_release(&route);
	}
	agent_router_free(r);

	config_release(&cfg);
	buf_release(&err);
	env_clear();
}

void test_router__no_model_configured(void)
{
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct buf err = BUF_INIT;
	int code;

	env_clear();
	config_init(&cfg);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_INT(agent_router_usable(r), 0);
	CHECK(strstr(route_for(r, "reviewer", NULL, 1, 1, 0, &code),
		     "no model configured") != NULL);
	CHECK_INT(code, TEND_ENOTFOUND);
	agent_router_free(r);

	/* A route to a provider whose key is missing names the variable. */
	setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
	add_route(&cfg, "reviewer", "openai/gpt-4.1");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK(strstr(route_for(r, "reviewer", NULL, 1, 1, 0, &code),
		     "$OPENAI_API_KEY is not set") != NULL);
	CHECK_INT(code, TEND_EAUTH);
	agent_router_free(r);
	config_release(&cfg);

	/* A configured gateway with its own base URL needs no key. */
	env_clear();
	config_init(&cfg);
	add_provider(&cfg, "local", "openai", "http://127.0.0.1:1/v1",
		     "TEST_GATEWAY_KEY");
	add_route(&cfg, "default", "local/qwen3-coder");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_INT(agent_router_usable(r), 1);
	CHECK_STR(route_for(r, "reviewer", NULL, 1, 1, 0, &code),
		  "local/qwen3-coder");
	/* ... but "auto" on it has no built-in models. */
	CHECK(strstr(route_for(r, "reviewer", "auto", 1, 1, 0, &code),
		     "models.routes.fast") != NULL);
	CHECK_INT(code, TEND_EINVALID);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
	env_clear();
}

void test_router__bad_specs(void)
{
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct buf err = BUF_INIT;
	int code;

	env_clear();
	setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
	config_init(&cfg);
	add_route(&cfg, "reviewer", "gpt-4.1");
	CHECK_INT(agent_router_new(&r, &cfg, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "models.routes.reviewer") != NULL);
	CHECK(r == NULL);
	config_release(&cfg);

	config_init(&cfg);
	add_route(&cfg, "fast", "auto");
	CHECK_INT(agent_router_new(&r, &cfg, &err), TEND_EINVALID);
	config_release(&cfg);

	config_init(&cfg);
	setenv("TEND_MODEL", "sonnet", 1);
	CHECK_INT(agent_router_new(&r, &cfg, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "$TEND_MODEL") != NULL);
	unsetenv("TEND_MODEL");

	/* Unknown providers are caught by the check and by resolving. */
	add_fallback(&cfg, "opnai/gpt-4.1");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_INT(agent_router_check(r, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "'opnai'") != NULL);
	CHECK(strstr(route_for(r, "x", "nope/m", 1, 1, 0, &code),
		     "unknown model provider 'nope'") != NULL);
	CHECK_INT(code, TEND_EINVALID);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
	env_clear();
}

void test_router__auto_fast_and_strong(void)
{
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct buf err = BUF_INIT;
	int code;

	env_clear();
	setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
	config_init(&cfg);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	/* Nothing routed: "auto". */
	CHECK_STR(route_for(r, "reviewer", NULL, 40, 2, 0, &code),
		  "anthropic/claude-haiku-4-5");
	CHECK_STR(route_for(r, "reviewer", NULL, 40, 2, 1, &code),
		  "anthropic/claude-sonnet-4-5");
	CHECK_STR(route_for(r, "reviewer", NULL, AGENT_ROUTER_FAST_MAX_LINES,
			    2, 0, &code), "anthropic/claude-haiku-4-5");
	CHECK_STR(route_for(r, "reviewer", NULL,
			    AGENT_ROUTER_FAST_MAX_LINES + 1, 2, 0, &code),
		  "anthropic/claude-sonnet-4-5");
	CHECK_STR(route_for(r, "reviewer", NULL, 20,
			    AGENT_ROUTER_FAST_MAX_FILES + 1, 0, &code),
		  "anthropic/claude-sonnet-4-5");
	{
		struct agent_task t = { "reviewer", NULL, 500, 3, 0 };
		struct agent_route route;

		agent_route_init(&route);
		REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
		CHECK_INT(route.tier, AGENT_TIER_STRONG);
		CHECK(strstr(route.why, "large change") != NULL);
		agent_route_release(&route);
	}
	agent_router_free(r);

	/* OpenAI only. */
	env_clear();
	setenv("OPENAI_API_KEY", "sk-test", 1);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_STR(route_for(r, "reviewer", NULL, 5, 1, 0, &code),
		  "openai/gpt-4.1-mini");
	CHECK_STR(route_for(r, "reviewer", NULL, 5000, 80, 0, &code),
		  "openai/gpt-4.1");
	agent_router_free(r);

	/* OpenRouter only. */
	env_clear();
	setenv("OPENROUTER_API_KEY", "sk-or-test", 1);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_STR(route_for(r, "reviewer", NULL, 5, 1, 1, &code),
		  "openrouter/anthropic/claude-sonnet-4.5");
	agent_router_free(r);

	/* Configured tiers, through an explicit "auto" default. */
	setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
	add_route(&cfg, "default", "auto");
	add_route(&cfg, "fast", "openrouter/google/gemini-2.5-flash");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	CHECK_STR(route_for(r, "debug", NULL, 5, 1, 0, &code),
		  "openrouter/google/gemini-2.5-flash");
	/* strong not configured: the first usable built-in default. */
	CHECK_STR(route_for(r, "debug", NULL, 5, 1, 1, &code),
		  "anthropic/claude-sonnet-4-5");
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
	env_clear();
}

void test_router__risky_path(void)
{
	CHECK(agent_router_risky_path("src/auth/login.c"));
	CHECK(agent_router_risky_path("lib/Crypto.py"));
	CHECK(agent_router_risky_path("db/migrations/0042_users.sql"));
	CHECK(agent_router_risky_path(".github/workflows/ci.yml"));
	CHECK(agent_router_risky_path("app/user_session.rb"));
	CHECK(agent_router_risky_path("src/UserAuth.java"));
	CHECK(agent_router_risky_path("lib/encrypt.go"));
	CHECK(agent_router_risky_path("config/api_key.rb"));
	CHECK(agent_router_risky_path("src/apiKeyStore.ts"));
	CHECK(!agent_router_risky_path("src/monkey.c"));
	CHECK(!agent_router_risky_path("src/tokenizer.c"));
	CHECK(!agent_router_risky_path("ui/keyboard.c"));
	CHECK(!agent_router_risky_path("docs/README.md"));
	CHECK(!agent_router_risky_path("ui/button.tsx"));
}

/* ----- a scripted provider ----- */

struct fake {
	const int *codes;	/* per call: 0 answers, else the error */
	size_t nr_codes;
	size_t calls;
	char seen[8][64];	/* models asked for */
	long *clock;		/* advanced by `ms` per call */
	long ms;
	struct agent_usage usage;
};

static int fake_complete(void *data, const struct agent_request *req,
			 struct agent_response *out, struct buf *err)
{
	struct fake *f = data;
	int code = f->calls < f->nr_codes ? f->codes[f->calls] : 0;

	if (f->calls < 8)
		snprintf(f->seen[f->calls], sizeof(f->seen[0]), "%s",
			 req->model);
	f->calls++;
	if (f->clock)
		*f->clock += f->ms;
	if (code < 0)
		return error_set(err, code, "fake model '%s': %s", req->model,
				 error_name(code));
	out->text = xstrdup("ok");
	out->model = xstrdup(req->model);
	out->usage = f->usage;
	return 0;
}

static const struct agent_provider_ops fake_ops = { fake_complete, NULL,
						    NULL };

static long fake_now(void *data)
{
	return *(long *)data;
}

static int call(struct agent_router *r, const struct agent_route *route,
		struct buf *err)
{
	struct agent_message m = { AGENT_ROLE_USER, (char *)"hi", NULL, 0,
				   NULL, 0 };
	struct agent_request req = { 0 };
	struct agent_response resp;
	enum log_level level;
	int code;

	req.model = "ignored";
	req.msgs = &m;
	req.nr_msgs = 1;
	agent_response_init(&resp);
	/* The fallback warnings are expected; keep the test output clean. */
	level = log_get_level();
	log_set_level(LOG_QUIET);
	code = agent_router_complete(r, route, &req, &resp, err);
	log_set_level(level);
	if (code == 0)
		CHECK_STR(resp.text, "ok");
	else
		CHECK(resp.text == NULL && resp.nr_calls == 0);
	agent_response_release(&resp);
	return code;
}

static struct agent_router *fake_router(struct tend_config *cfg,
					struct fake *ant, struct fake *oai,
					struct agent_route *route)
{
	struct agent_router *r = NULL;
	struct agent_task t = { "reviewer", NULL, 10, 1, 0 };
	struct buf err = BUF_INIT;

	if (agent_router_new(&r, cfg, &err) < 0) {
		buf_release(&err);
		return NULL;
	}
	agent_router_add_provider(r, "anthropic", "anthropic",
				  agent_provider_custom("anthropic", &fake_ops,
							ant));
	agent_router_add_provider(r, "openai", "openai",
				  agent_provider_custom("openai", &fake_ops,
							oai));
	agent_route_init(route);
	if (agent_router_resolve(r, &t, route, &err) < 0) {
		agent_router_free(r);
		r = NULL;
	}
	buf_release(&err);
	return r;
}

static void fallback_on(int failure)
{
	static int codes[1];
	struct tend_config cfg;
	struct fake ant = { 0 }, oai = { 0 };
	struct agent_route route;
	struct agent_router *r;
	const struct agent_model_stats *st;
	struct buf err = BUF_INIT;
	size_t nr;

	env_clear();
	codes[0] = failure;
	ant.codes = codes;
	ant.nr_codes = 1;
	config_init(&cfg);
	add_route(&cfg, "reviewer", "anthropic/claude-sonnet-4-5");
	add_fallback(&cfg, "openai/gpt-4.1");
	REQUIRE((r = fake_router(&cfg, &ant, &oai, &route)) != NULL);
	CHECK_INT(call(r, &route, &err), 0);
	CHECK_STR(agent_router_answered(r), "openai/gpt-4.1");
	CHECK_INT(ant.calls, 1);
	CHECK_STR(ant.seen[0], "claude-sonnet-4-5");
	CHECK_INT(oai.calls, 1);
	CHECK_STR(oai.seen[0], "gpt-4.1");
	st = agent_router_stats(r, &nr);
	REQUIRE(nr == 2);
	CHECK_STR(st[0].model, "anthropic/claude-sonnet-4-5");
	CHECK_INT(st[0].calls, 0);
	CHECK_INT(st[0].failed, 1);
	CHECK_STR(st[1].model, "openai/gpt-4.1");
	CHECK_INT(st[1].calls, 1);

	/* The next call starts from the route again. */
	CHECK_INT(call(r, &route, &err), 0);
	CHECK_STR(agent_router_answered(r), "anthropic/claude-sonnet-4-5");
	CHECK_INT(ant.calls, 2);
	CHECK_INT(oai.calls, 1);
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
}

void test_router__fallback_on_server_error(void)
{
	fallback_on(TEND_ERROR);
}

void test_router__fallback_on_timeout(void)
{
	fallback_on(TEND_ETIMEOUT);
}

void test_router__fallback_on_rate_limit(void)
{
	fallback_on(TEND_ERATELIMIT);
}

void test_router__fallback_on_context_length(void)
{
	fallback_on(AGENT_ECONTEXT);
}

void test_router__no_fallback_on_invalid(void)
{
	static const int codes[] = { TEND_EINVALID };
	struct tend_config cfg;
	struct fake ant = { codes, 1, 0, { { 0 } }, NULL, 0, { 0, 0, 0, 0 } };
	struct fake oai = { 0 };
	struct agent_route route;
	struct agent_router *r;
	struct buf err = BUF_INIT;

	env_clear();
	config_init(&cfg);
	add_route(&cfg, "reviewer", "anthropic/claude-sonnet-4-5");
	add_fallback(&cfg, "openai/gpt-4.1");
	REQUIRE((r = fake_router(&cfg, &ant, &oai, &route)) != NULL);
	CHECK_INT(call(r, &route, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "fake model 'claude-sonnet-4-5': invalid input");
	CHECK_INT(oai.calls, 0);
	CHECK(agent_router_answered(r) == NULL);
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
}

void test_router__auth_failure_skips_provider(void)
{
	static const int ant_codes[] = { TEND_EAUTH };
	static const int oai_codes[] = { TEND_ERROR, TEND_ERROR };
	struct tend_config cfg;
	struct fake ant = { ant_codes, 1, 0, { { 0 } }, NULL, 0,
			    { 0, 0, 0, 0 } };
	struct fake oai = { oai_codes, 2, 0, { { 0 } }, NULL, 0,
			    { 0, 0, 0, 0 } };
	struct agent_route route;
	struct agent_router *r;
	struct buf err = BUF_INIT;

	env_clear();
	config_init(&cfg);
	add_route(&cfg, "reviewer", "anthropic/claude-sonnet-4-5");
	/* The same provider again, a repeat, another provider, twice. */
	add_fallback(&cfg, "anthropic/claude-haiku-4-5");
	add_fallback(&cfg, "anthropic/claude-sonnet-4-5");
	add_fallback(&cfg, "openai/gpt-4.1");
	add_fallback(&cfg, "openai/gpt-4.1-mini");
	REQUIRE((r = fake_router(&cfg, &ant, &oai, &route)) != NULL);
	CHECK_INT(call(r, &route, &err), TEND_ERROR);
	CHECK_INT(ant.calls, 1);
	CHECK_INT(oai.calls, 2);
	CHECK_STR(oai.seen[1], "gpt-4.1-mini");
	CHECK(!strncmp(err.ptr, "no model answered: ", 19));
	CHECK(strstr(err.ptr, "anthropic/claude-haiku-4-5: skipped: provider "
		     "'anthropic' refused its key") != NULL);
	CHECK(strstr(err.ptr, "openai/gpt-4.1-mini: fake model "
		     "'gpt-4.1-mini': error") != NULL);

	/* Now openai answers; anthropic stays skipped. */
	CHECK_INT(call(r, &route, &err), 0);
	CHECK_INT(ant.calls, 1);
	CHECK_STR(agent_router_answered(r), "openai/gpt-4.1");
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
}

void test_router__fallback_without_key_is_skipped(void)
{
	static const int codes[] = { TEND_ETIMEOUT };
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct fake ant = { codes, 1, 0, { { 0 } }, NULL, 0, { 0, 0, 0, 0 } };
	struct agent_task t = { "reviewer", NULL, 1, 1, 0 };
	struct agent_route route;
	struct buf err = BUF_INIT;

	env_clear();
	config_init(&cfg);
	add_fallback(&cfg, "openrouter/openai/gpt-4.1");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	agent_router_add_provider(r, "anthropic", "anthropic",
				  agent_provider_custom("anthropic", &fake_ops,
							&ant));
	agent_route_init(&route);
	REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
	CHECK_STR(route.spec, "anthropic/claude-haiku-4-5");
	CHECK_INT(call(r, &route, &err), TEND_ETIMEOUT);
	CHECK(strstr(err.ptr, "openrouter/openai/gpt-4.1: skipped: "
		     "$OPENROUTER_API_KEY is not set") != NULL);
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
}

void test_router__prices(void)
{
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct agent_price p;
	struct agent_usage u = { 1000000, 100000, 2000000, 0 };
	struct buf err = BUF_INIT;
	double usd = -1;

	env_clear();
	config_init(&cfg);
	add_provider(&cfg, "gw", "openai", "http://127.0.0.1:1/v1", NULL);
	add_price(&cfg, "openai/gpt-4.1", 1.0, 4.0);
	add_price(&cfg, "gw-model", 0.5, 1.0);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);

	/* List price, cache reads at the cache price. */
	REQUIRE(agent_router_price(r, "anthropic/claude-sonnet-4-5", &p) == 0);
	CHECK(!p.from_config);
	CHECK(p.input == 3.0 && p.output == 15.0 && p.cache_read == 0.30);
	REQUIRE(agent_router_cost(r, "anthropic/claude-sonnet-4-5", &u,
				  &usd) == 0);
	CHECK(usd > 5.099 && usd < 5.101);	/* 3 + 1.5 + 0.6 */
	/* A dated snapshot is priced like its model; -mini is not 4.1. */
	REQUIRE(agent_router_price(r, "anthropic/claude-haiku-4-5-20251001",
				   &p) == 0);
	CHECK(p.input == 1.0);
	REQUIRE(agent_router_price(r, "openai/gpt-4.1-mini", &p) == 0);
	CHECK(p.input == 0.40);

	/* The config overrides; cached tokens at its input price. */
	REQUIRE(agent_router_price(r, "openai/gpt-4.1", &p) == 0);
	CHECK(p.from_config && p.input == 1.0 && p.cache_read == 1.0);
	REQUIRE(agent_router_cost(r, "openai/gpt-4.1", &u, &usd) == 0);
	CHECK(usd > 3.399 && usd < 3.401);	/* 1 + 0.4 + 2 */
	/* By bare model name too. */
	REQUIRE(agent_router_price(r, "gw/gw-model", &p) == 0);
	CHECK(p.input == 0.5);

	/* Unknown: a gateway's model, an unlisted model. */
	CHECK_INT(agent_router_price(r, "gw/claude-sonnet-4-5", &p),
		  TEND_ENOTFOUND);
	CHECK_INT(agent_router_cost(r, "anthropic/claude-3-haiku", &u, &usd),
		  TEND_ENOTFOUND);
	CHECK_INT(agent_router_price(r, "nope/gpt-4.1", &p), TEND_ENOTFOUND);
	/* OpenRouter ids have their own list entries. */
	REQUIRE(agent_router_price(r, "openrouter/anthropic/claude-sonnet-4.5",
				   &p) == 0);
	CHECK(p.output == 15.0);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
}

void test_router__context_window(void)
{
	CHECK_INT(agent_router_context_window(NULL,
					      "anthropic/claude-sonnet-4-5"),
		  200000);
	CHECK_INT(agent_router_context_window(NULL, "openai/gpt-4.1-mini"),
		  1047576);
	CHECK_INT(agent_router_context_window(NULL,
		  "openrouter/anthropic/claude-haiku-4.5"), 200000);
	CHECK_INT(agent_router_context_window(NULL, "openai/gpt-4o"), 128000);
	CHECK_INT(agent_router_context_window(NULL, "local/qwen3-coder"),
		  AGENT_ROUTER_DEFAULT_CONTEXT);
}

void test_router__accounting_text(void)
{
	struct tend_config cfg;
	struct fake ant = { 0 }, oai = { 0 };
	struct agent_route route;
	struct agent_router *r;
	struct agent_model_stats tot;
	struct buf err = BUF_INIT, out = BUF_INIT;
	long now = 1000;
	double usd = 0;
	int i;

	env_clear();
	config_init(&cfg);
	add_route(&cfg, "reviewer", "anthropic/claude-sonnet-4-5");
	REQUIRE((r = fake_router(&cfg, &ant, &oai, &route)) != NULL);
	agent_router_set_clock(r, fake_now, &now);
	ant.clock = &now;
	ant.ms = 2700;
	ant.usage.input = 4115;
	ant.usage.output = 411;
	for (i = 0; i < 3; i++)
		CHECK_INT(call(r, &route, &err), 0);
	REQUIRE(agent_router_last_cost(r, &usd) == 0);
	CHECK(usd > 0.0185 && usd < 0.0186);
	agent_router_render(r, &out);
	/* 12,345 in * $3 + 1,233 out * $15 = $0.0555 */
	CHECK_STR(out.ptr, "anthropic/claude-sonnet-4-5: 3 calls, 12,345 in "
		  "/ 1,233 out, $0.06, 8.1 s\n");
	agent_route_release(&route);

	/* A model without a price: cost unknown, never $0. */
	route.spec = xstrdup("openai/my-finetune");
	oai.usage.input = 900;
	oai.usage.cache_read = 100;
	oai.usage.output = 5;
	oai.clock = &now;
	oai.ms = 100;
	CHECK_INT(call(r, &route, &err), 0);
	CHECK_INT(agent_router_last_cost(r, &usd), TEND_ENOTFOUND);
	buf_reset(&out);
	agent_router_render(r, &out);
	CHECK(strstr(out.ptr, "\nopenai/my-finetune: 1 call, 1,000 in "
		     "(100 cached) / 5 out, cost unknown, 0.1 s\n") != NULL);
	agent_router_totals(r, &tot);
	buf_reset(&out);
	agent_model_stats_render(&tot, &out);
	CHECK_STR(out.ptr, "total: 4 calls, 13,345 in (100 cached) / 1,238 "
		  "out, $0.06 + unknown, 8.2 s");

	/* A failed attempt is counted and timed. */
	{
		static const int codes[] = { TEND_ERROR };

		oai.codes = codes;
		oai.nr_codes = 1;
		oai.calls = 0;
		CHECK_INT(call(r, &route, &err), TEND_ERROR);
		CHECK(agent_router_answered(r) == NULL);
		buf_reset(&out);
		agent_router_render(r, &out);
		CHECK(strstr(out.ptr, "cost unknown, 0.2 s, 1 failed\n") !=
		      NULL);
	}
	/* Small costs keep their digits. */
	{
		struct agent_model_stats s = { 0 };

		s.model = (char *)"x/y";
		s.calls = 1;
		s.input = 1000;
		s.cost_usd = 0.0012;
		buf_reset(&out);
		agent_model_stats_render(&s, &out);
		CHECK_STR(out.ptr, "x/y: 1 call, 1,000 in / 0 out, $0.0012, "
			  "0.0 s");
	}
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
	buf_release(&out);
}

void test_router__binding_callback(void)
{
	struct tend_config cfg;
	struct fake ant = { 0 }, oai = { 0 };
	struct agent_route route;
	struct agent_router *r;
	struct agent_router_binding b;
	struct agent_request req = { 0 };
	struct agent_response resp;
	struct buf err = BUF_INIT;

	env_clear();
	config_init(&cfg);
	add_route(&cfg, "reviewer", "openai/gpt-4.1");
	REQUIRE((r = fake_router(&cfg, &ant, &oai, &route)) != NULL);
	b.router = r;
	b.route = &route;
	agent_response_init(&resp);
	CHECK_INT(agent_router_complete_cb(&b, &req, &resp, &err), 0);
	CHECK_STR(resp.model, "gpt-4.1");
	CHECK_INT(oai.calls, 1);
	agent_response_release(&resp);
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
}

static void no_sleep(long ms, void *data)
{
	*(long *)data += ms;
}

/*
 * A built-in provider opened from the environment on first use: nothing
 * listens on 127.0.0.1:1, so the call fails after the client's retries
 * (slept through the hook) and the scripted fallback answers.
 */
void test_router__http_provider_falls_back(void)
{
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct fake ant = { 0 };
	struct agent_task t = { "reviewer", NULL, 1, 1, 0 };
	struct agent_route route;
	struct buf err = BUF_INIT;
	const struct agent_model_stats *st;
	size_t nr;
	long slept = 0;

	env_clear();
	setenv("OPENAI_API_KEY", "sk-test-router", 1);
	setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1", 1);
	config_init(&cfg);
	add_route(&cfg, "reviewer", "openai/gpt-4.1");
	add_fallback(&cfg, "anthropic/claude-haiku-4-5");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	agent_router_set_sleep(r, no_sleep, &slept);
	agent_router_add_provider(r, "anthropic", "anthropic",
				  agent_provider_custom("anthropic", &fake_ops,
							&ant));
	agent_route_init(&route);
	REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
	CHECK_INT(call(r, &route, &err), 0);
	CHECK_STR(agent_router_answered(r), "anthropic/claude-haiku-4-5");
	st = agent_router_stats(r, &nr);
	REQUIRE(nr == 2);
	CHECK_STR(st[0].model, "openai/gpt-4.1");
	CHECK_INT(st[0].failed, 1);
	CHECK_INT(st[1].calls, 1);
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
	unsetenv("OPENAI_BASE_URL");
	env_clear();
}

/* Routing by evidence: auto prefers accepted comments per dollar. */
void test_router__auto_by_evidence(void)
{
	struct tend_config cfg;
	struct agent_router *r = NULL;
	struct buf err = BUF_INIT;
	struct agent_evidence ev[] = {
		/* strong: 6 of 10 for $0.60 = 10 per dollar */
		{ "anthropic/claude-sonnet-4-5", "small", 6, 10, 0.60 },
		/* haiku: 4 of 10 for $0.10 = 40 per dollar: the best */
		{ "anthropic/claude-haiku-4-5", "small", 4, 10, 0.10 },
		/* a model with no key: never chosen */
		{ "openai/gpt-4.1", "small", 10, 10, 0.01 },
		/* large changes: strong is the only one with samples */
		{ "anthropic/claude-sonnet-4-5", "large", 1, 10, 1.0 },
		/* too few samples */
		{ "anthropic/claude-haiku-4-5", "large", 3, 3, 0.01 },
	};
	struct agent_task t = { "reviewer", NULL, 10, 1, 0 };
	struct agent_route route;

	env_clear();
	setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
	config_init(&cfg);
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	agent_route_init(&route);
	t.evidence = ev;
	t.nr_evidence = sizeof(ev) / sizeof(ev[0]);
	t.min_samples = 5;
	REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
	CHECK_STR(route.spec, "anthropic/claude-haiku-4-5");
	CHECK(strstr(route.why, "by evidence for a small change, 4 of 10 "
		      "comments taken for $0.1000 (40.0 per dollar), best "
		      "of 2 models") != NULL);
	/* A large change: the one with enough samples, even if poor. */
	t.changed_lines = 5000;
	REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
	CHECK_STR(route.spec, "anthropic/claude-sonnet-4-5");
	CHECK(strstr(route.why, "best of 1 model ") != NULL);
	/* Not enough samples anywhere: the size rule, as before. */
	t.changed_lines = 10;
	t.min_samples = 11;
	REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
	CHECK_STR(route.spec, "anthropic/claude-haiku-4-5");
	CHECK(strstr(route.why, "small change") && !strstr(route.why,
							    "evidence"));
	/* A cost unknown: per decided comment instead (strong 6/10 wins). */
	t.min_samples = 5;
	ev[1].cost_usd = 0;
	REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
	CHECK_STR(route.spec, "anthropic/claude-sonnet-4-5");
	/* A named route is never overridden by evidence. */
	agent_router_free(r);
	add_route(&cfg, "reviewer", "anthropic/claude-haiku-4-5");
	REQUIRE(agent_router_new(&r, &cfg, &err) == 0);
	REQUIRE(agent_router_resolve(r, &t, &route, &err) == 0);
	CHECK_STR(route.spec, "anthropic/claude-haiku-4-5");
	CHECK(!strstr(route.why, "evidence"));
	agent_route_release(&route);
	agent_router_free(r);
	config_release(&cfg);
	buf_release(&err);
	env_clear();
}
