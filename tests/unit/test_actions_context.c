/*
 * test_actions_context.c - actions/context.c: the cache's names (SHA-256
 * of the URL), the embed callback over the router (books, prices, vector
 * lengths), and other repositories mirrored from file:// upstreams and
 * indexed: paths kept, a failed fetch served by the earlier copy, one
 * never fetched left out with a note, the indexes handed over by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/act.h"
#include "actions/context.h"
#include "agents/router.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "review/index.h"
#include "tests/unit/test.h"

static void check_sha(const char *in, const char *hex)
{
	char *p = actions_context_cache_path("/c", in, ".git");
	char want[80];

	snprintf(want, sizeof(want), "/c/%s.git", hex);
	CHECK_STR(p, want);
	free(p);
}

void test_actions_context__cache_names(void)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CACHE_HOME");
	char *saved_home = home ? strdup(home) : NULL;
	char *saved_xdg = xdg ? strdup(xdg) : NULL;
	char *d;

	/* FIPS 180-2 vectors: empty, one block, two blocks (56 bytes). */
	check_sha("", "e3b0c44298fc1c149afbf4c8996fb924"
		  "27ae41e4649b934ca495991b7852b855");
	check_sha("abc", "ba7816bf8f01cfea414140de5dae2223"
		  "b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039"
		  "a33ce45964ff2167f6ecedd419db06c1");
	check_sha("https://gitlab.example.com/group/models.git/and/a/longer/"
		  "path/past/sixty-four/bytes.git",
		  "b8e6a46d37fbc8f76643fc7bf78ed34b"
		  "a2c0a888e92a8a0cab0e68151923cd4d");
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/h", 1);
	d = actions_context_cache_dir(NULL);
	CHECK_STR(d, "/x/cache/tend/repos");
	free(d);
	d = actions_context_cache_dir("/given");
	CHECK_STR(d, "/given");
	free(d);
	/* A relative XDG_CACHE_HOME is ignored, as the spec says. */
	setenv("XDG_CACHE_HOME", "rel/cache", 1);
	d = actions_context_cache_dir(NULL);
	CHECK_STR(d, "/h/.cache/tend/repos");
	free(d);
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "", 1);
	CHECK(actions_context_cache_dir(NULL) == NULL);
	if (saved_home)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	if (saved_xdg)
		setenv("XDG_CACHE_HOME", saved_xdg, 1);
	free(saved_home);
	free(saved_xdg);
}

/* A provider that embeds in process: text length, and a set dimension. */
static size_t fake_dim = 3;

static int fake_embed(void *data, const struct agent_embed_request *req,
		      struct agent_embeddings *out, struct buf *err)
{
	size_t i;

	(void)data;
	(void)err;
	out->dim = fake_dim;
	out->nr = req->nr;
	out->data = calloc(req->nr * fake_dim, sizeof(float));
	for (i = 0; i < req->nr; i++)
		out->data[i * fake_dim] = (float)strlen(req->texts[i]);
	out->usage.input = 1000000;
	return 0;
}

static int fake_complete(void *data, const struct agent_request *req,
			 struct agent_response *out, struct buf *err)
{
	(void)data;
	(void)req;
	(void)out;
	return error_set(err, TEND_ERROR, "not for chat");
}

static const struct agent_provider_ops fake_ops = {
	fake_complete, NULL, NULL, fake_embed
};

void test_actions_context__embed_fn(void)
{
	static const char yaml[] =
		"models:\n"
		"  providers:\n"
		"    fake: { kind: openai,\n"
		"            base_url: 'http://127.0.0.1:9/v1' }\n"
		"  prices:\n"
		"    fake/emb: { input: 0.5, output: 0 }\n"
		"  embeddings: { provider: fake, model: emb, dimensions: 3 }\n";
	static const char *const texts[] = { "ab", "abcd" };
	struct tend_config cfg;
	struct agent_router *router = NULL;
	struct actions_context_embed e;
	const struct agent_model_stats *st;
	struct buf err = BUF_INIT;
	float out[2 * AGENT_EMBED_DIM_MAX];
	size_t dim = 0, nr;

	config_init(&cfg);
	CHECK_INT(actions_context_embed_init(&e, NULL, &cfg), 0);
	CHECK_INT(actions_context_embed_fn(&e, texts, 2, out, &dim, &err),
		  TEND_EINVALID);
	REQUIRE(config_parse(&cfg, yaml, strlen(yaml), "c.yml", &err) == 0);
	REQUIRE(agent_router_new(&router, &cfg, &err) == 0);
	agent_router_add_provider(router, "fake", "openai",
				  agent_provider_custom("fake", &fake_ops,
							NULL));
	CHECK_INT(actions_context_embed_init(&e, router, &cfg), 1);
	CHECK_STR(e.spec, "fake/emb");
	fake_dim = 3;
	CHECK_INT(actions_context_embed_fn(&e, texts, 2, out, &dim, &err), 0);
	CHECK_INT(dim, 3);
	CHECK(out[0] == 2.0f && out[3] == 4.0f);
	/* Booked and priced under "fake/emb": 1M tokens at $0.5/M. */
	st = agent_router_stats(router, &nr);
	REQUIRE(nr == 1);
	CHECK_STR(st[0].model, "fake/emb");
	CHECK_INT(st[0].calls, 1);
	CHECK_INT(st[0].input, 1000000);
	CHECK(st[0].cost_usd > 0.499 && st[0].cost_usd < 0.501);
	/* The model changing its vectors' length is an error. */
	fake_dim = 4;
	dim = 0;
	CHECK_INT(actions_context_embed_fn(&e, texts, 2, out, &dim, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "of 4 numbers, earlier of 3") != NULL);
	actions_context_embed_release(&e);
	agent_router_free(router);
	config_release(&cfg);
	buf_release(&err);
}

/* Two file:// upstreams under `dir`: lib (src/, docs/) and tools. */
static int upstreams(const char *dir)
{
	return test_sh("cd '%s' && git init -q -b main lib && cd lib && "
		       "mkdir src docs && printf 'int frobnicate_widget(int "
		       "n)\\n{\\n\\treturn n + 1;\\n}\\n' > src/w.c && "
		       "printf 'widget notes\\n' > docs/w.md && git add . && "
		       "git commit -qm one && cd .. && git init -q -b main "
		       "tools && cd tools && printf '#!/bin/sh\\n"
		       "polish_gadget() { echo ok; }\\n' > t.sh && "
		       "git add . && git commit -qm one", dir);
}

static void repo_entry(struct config_context_repo *r, const char *name,
		       const char *url, char **paths, size_t nr)
{
	memset(r, 0, sizeof(*r));
	r->name = (char *)name;
	r->url = (char *)url;
	r->paths = paths;
	r->nr_paths = nr;
}

static int has_path(struct review_index *idx, const char *q,
		    const char *path)
{
	struct review_index_hits h;
	struct buf err = BUF_INIT;
	size_t i;
	int found = 0;

	review_index_hits_init(&h);
	if (review_index_query(idx, q, NULL, 10, &h, &err) == 0)
		for (i = 0; i < h.nr; i++)
			if (!strcmp(h.items[i].path, path))
				found = 1;
	review_index_hits_release(&h);
	buf_release(&err);
	return found;
}

void test_actions_context__open(void)
{
	const char *dir = test_tmpdir();
	char lib_url[700], tools_url[700], gone_url[700], cache[700];
	char glob[] = "src/**";
	char *paths[] = { glob };
	struct config_context_repo repos[3];
	struct tend_config cfg;
	struct actions_context ctx;
	struct actions_context_opts o = { 0 };
	struct actions_act_index ai;
	struct actions_context_repo *r;
	struct buf notes = BUF_INIT;
	enum log_level level = log_get_level();

	REQUIRE(upstreams(dir) == 0);
	log_set_level(LOG_ERROR);
	snprintf(lib_url, sizeof(lib_url), "file://%s/lib", dir);
	snprintf(tools_url, sizeof(tools_url), "file://%s/tools", dir);
	snprintf(gone_url, sizeof(gone_url), "file://%s/gone", dir);
	snprintf(cache, sizeof(cache), "%s/cache/deep/repos", dir);
	config_init(&cfg);
	repo_entry(&repos[0], "lib", lib_url, paths, 1);
	repo_entry(&repos[1], "tools", tools_url, NULL, 0);
	repo_entry(&repos[2], "gone", gone_url, NULL, 0);
	cfg.context.repos = repos;
	cfg.context.nr_repos = 3;
	o.cfg = &cfg;
	o.cache_dir = cache;
	actions_context_init(&ctx);
	CHECK_INT(actions_context_open(&ctx, &o, &notes), 2);
	CHECK(strstr(notes.ptr, "repository 'gone' left out") != NULL);
	REQUIRE((r = actions_context_find(&ctx, "lib")) != NULL);
	CHECK(!r->stale);
	/* Only the paths asked for are indexed. */
	CHECK(has_path(r->idx, "frobnicate_widget", "src/w.c"));
	CHECK(!has_path(r->idx, "widget notes", "docs/w.md"));
	REQUIRE((r = actions_context_find(&ctx, "tools")) != NULL);
	CHECK(has_path(r->idx, "polish_gadget", "t.sh"));
	CHECK(actions_context_find(&ctx, "gone") == NULL);
	/* The directories were made, private. */
	CHECK(test_sh("test \"$(stat -c %%a '%s')\" = 700", cache) == 0);
	actions_context_release(&ctx);

	/* The upstream goes away: the copy indexed earlier still serves. */
	REQUIRE(test_sh("mv '%s/tools' '%s/tools.away'", dir, dir) == 0);
	buf_reset(&notes);
	actions_context_init(&ctx);
	o.only = "tools";
	CHECK_INT(actions_context_open(&ctx, &o, &notes), 1);
	CHECK(strstr(notes.ptr, "could not be fetched, using the copy "
		     "indexed earlier") != NULL);
	REQUIRE((r = actions_context_find(&ctx, "tools")) != NULL);
	CHECK(r->stale);
	CHECK(has_path(r->idx, "polish_gadget", "t.sh"));
	CHECK(actions_context_find(&ctx, "lib") == NULL);

	/* Handed over to the agents' index by name; ai closes it. */
	actions_act_index_init(&ai);
	actions_context_attach(&ctx, &ai);
	CHECK(r->idx == NULL);
	CHECK_INT(ai.nr_repos, 1);
	CHECK(ai.nr_repos == 1 && !strcmp(ai.repos[0].name, "tools"));
	actions_act_index_release(&ai);
	actions_context_release(&ctx);
	log_set_level(level);
	buf_release(&notes);
}
