/*
 * context.c - other repositories as context, and the index's embeddings
 * (see context.h).
 *
 * For each entry of context.repos: mirror it (forge/git.c) into the cache,
 * keep only the configured paths (a commit of their own, so unchanged
 * files keep their blob ids and the index re-reads nothing), open and
 * update its index (review/index.h), and keep both open for the agents'
 * `repo:` searches. The embed callback adapts the router's embeddings
 * call (agents/router.h) to the index's review_index_embed_fn.
 *
 * What the agents do with the indexes, and how results are shown to them,
 * is not here: actions/act.c takes each open index under its name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/act.h"
#include "actions/context.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"

/* ----- embeddings ----- */

int actions_context_embed_init(struct actions_context_embed *e,
			       struct agent_router *router,
			       const struct tend_config *cfg)
{
	memset(e, 0, sizeof(*e));
	if (!cfg->models.embeddings.provider || !cfg->models.embeddings.model)
		return 0;
	e->router = router;
	e->spec = xasprintf("%s/%s", cfg->models.embeddings.provider,
			    cfg->models.embeddings.model);
	e->dimensions = cfg->models.embeddings.dimensions;
	return 1;
}

void actions_context_embed_release(struct actions_context_embed *e)
{
	free(e->spec);
	memset(e, 0, sizeof(*e));
}

int actions_context_embed_fn(void *data, const char *const *texts,
			     size_t nr, float *out, size_t *dim_out,
			     struct buf *err)
{
	struct actions_context_embed *e = data;
	struct agent_embed_request req = { 0 };
	struct agent_embeddings res;
	int error;

	if (!e->router || !e->spec)
		return error_set(err, TEND_EINVALID, "no embeddings model "
				 "configured (models.embeddings)");
	agent_embeddings_init(&res);
	req.model = e->spec;
	req.texts = texts;
	req.nr = nr;
	req.dimensions = e->dimensions;
	if ((error = agent_router_embed(e->router, e->spec, &req, &res,
					err)) < 0)
		goto out;
	if (res.nr != nr || !res.dim || res.dim > AGENT_EMBED_DIM_MAX) {
		error = error_set(err, TEND_EINVALID, "'%s' answered %zu "
				  "vectors of %zu numbers for %zu texts",
				  e->spec, res.nr, res.dim, nr);
		goto out;
	}
	if (e->dim && res.dim != e->dim) {
		error = error_set(err, TEND_EINVALID, "'%s' answered vectors "
				  "of %zu numbers, earlier of %zu", e->spec,
				  res.dim, e->dim);
		goto out;
	}
	e->dim = res.dim;
	memcpy(out, res.data, nr * res.dim * sizeof(float));
	*dim_out = res.dim;
out:
	agent_embeddings_release(&res);
	return error;
}

/* ----- the cache ----- */

/*
 * SHA-256 (FIPS 180-4), for naming a cache entry after its URL: a fixed
 * length, no character of the URL in a file name. Small and slow enough;
 * it hashes a few URLs per run.
 */
struct actions_context_sha256 {
	uint32_t h[8];
	unsigned char block[64];
	size_t used;
	uint64_t bytes;
};

static const uint32_t actions_context_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ACTIONS_CONTEXT_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void actions_context_sha256_block(struct actions_context_sha256 *s,
					 const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	size_t i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ACTIONS_CONTEXT_ROR(w[i - 15], 7) ^
			      ACTIONS_CONTEXT_ROR(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ACTIONS_CONTEXT_ROR(w[i - 2], 17) ^
			      ACTIONS_CONTEXT_ROR(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ACTIONS_CONTEXT_ROR(e, 6) ^
			  ACTIONS_CONTEXT_ROR(e, 11) ^
			  ACTIONS_CONTEXT_ROR(e, 25)) +
		     ((e & f) ^ (~e & g)) + actions_context_k[i] + w[i];
		t2 = (ACTIONS_CONTEXT_ROR(a, 2) ^ ACTIONS_CONTEXT_ROR(a, 13) ^
		      ACTIONS_CONTEXT_ROR(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void actions_context_sha256_hex(char out[65], const char *data,
				       size_t len)
{
	static const uint32_t init[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};
	struct actions_context_sha256 s;
	size_t i;

	memcpy(s.h, init, sizeof(init));
	s.used = 0;
	s.bytes = len;
	for (; len >= 64; data += 64, len -= 64)
		actions_context_sha256_block(&s, (const unsigned char *)data);
	memcpy(s.block, data, len);
	s.used = len;
	s.block[s.used++] = 0x80;
	if (s.used > 56) {
		memset(s.block + s.used, 0, 64 - s.used);
		actions_context_sha256_block(&s, s.block);
		s.used = 0;
	}
	memset(s.block + s.used, 0, 56 - s.used);
	for (i = 0; i < 8; i++)
		s.block[56 + i] = (unsigned char)((s.bytes * 8) >>
						  (56 - 8 * i));
	actions_context_sha256_block(&s, s.block);
	for (i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", (unsigned)s.h[i]);
}

char *actions_context_cache_dir(const char *cache_dir)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (cache_dir && *cache_dir)
		return xstrdup(cache_dir);
	/* The spec: a relative XDG_CACHE_HOME is invalid and ignored. */
	if (xdg && *xdg == '/')
		return xasprintf("%s/tend/repos", xdg);
	if (home && *home == '/')
		return xasprintf("%s/.cache/tend/repos", home);
	return NULL;
}

char *actions_context_cache_path(const char *dir, const char *url,
				 const char *suffix)
{
	char hex[65];

	actions_context_sha256_hex(hex, url, strlen(url));
	return xasprintf("%s/%s%s", dir, hex, suffix ? suffix : "");
}

/* mkdir -p, the directories made private: mirrors may hold private code. */
static int actions_context_mkdirs(const char *dir, struct buf *err)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = error_set(err, TEND_ERROR, "cannot make the "
				       "directory '%s': %s", p,
				       strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

/* ----- other repositories ----- */

void actions_context_init(struct actions_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

struct actions_context_repo *actions_context_find(struct actions_context *ctx,
						  const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nr; i++)
		if (!strcmp(ctx->repos[i].name, name))
			return &ctx->repos[i];
	return NULL;
}

static void actions_context_repo_release(struct actions_context_repo *r)
{
	if (r->idx)
		review_index_close(r->idx);
	if (r->repo)
		git_repository_free(r->repo);
	free(r->name);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

void actions_context_release(struct actions_context *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nr; i++)
		actions_context_repo_release(&ctx->repos[i]);
	free(ctx->repos);
	free(ctx->cache_dir);
	actions_context_embed_release(&ctx->embed);
	agent_router_free(ctx->router);
	if (ctx->forge) {
		forge_context_release(ctx->forge);
		free(ctx->forge);
	}
	actions_context_init(ctx);
}

void actions_context_attach(struct actions_context *ctx,
			    struct actions_act_index *ai)
{
	size_t i;

	for (i = 0; i < ctx->nr; i++) {
		if (!ctx->repos[i].idx)
			continue;
		actions_act_index_add_repo(ai, ctx->repos[i].name,
					   ctx->repos[i].idx);
		ctx->repos[i].idx = NULL;
	}
}

/* A warning in the log and a line of the notes. */
static void actions_context_note(struct buf *notes, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void actions_context_note(struct buf *notes, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	log_warn("%s", line.ptr);
	if (notes)
		buf_printf(notes, "%s\n", line.ptr);
	buf_release(&line);
}

/*
 * Mirror one repository and index it into `out`. 0 when it is usable (a
 * stale copy included), < 0 with the reason in `err` when it is not.
 */
static int actions_context_one(struct actions_context_repo *out,
			       const struct actions_context *ctx,
			       const struct config_context_repo *cr,
			       const struct actions_context_opts *o,
			       struct buf *notes, struct buf *err)
{
	struct review_index_opts io = { 0 };
	struct review_index_stats st;
	struct buf auth = BUF_INIT, why = BUF_INIT;
	char *git_dir = NULL, *db = NULL;
	git_oid fetched, indexed, head;
	int error, fetch_failed = 0;

	memset(&st, 0, sizeof(st));
	git_dir = actions_context_cache_path(ctx->cache_dir, cr->url, ".git");
	db = actions_context_cache_path(ctx->cache_dir, cr->url, ".sqlite");
	/* The token goes to the forge's own origin only. */
	if (o->forge && o->forge->token && o->forge->server_url &&
	    forge_git_same_origin(cr->url, o->forge->server_url))
		actions_act_git_auth(&auth, o->forge);
	if (forge_git_mirror(cr->url, git_dir, cr->ref,
			     auth.len ? auth.ptr : NULL, &fetched, &why) < 0)
		fetch_failed = 1;
	if ((error = forge_git_open_bare(&out->repo, git_dir, err)) < 0) {
		if (fetch_failed)
			error = error_set(err, TEND_ERROR, "%s", why.ptr);
		goto out;
	}
	io.path = db;
	io.rules = o->rules;
	io.embed = o->embed;
	io.embed_data = o->embed_data;
	if ((error = review_index_open(&out->idx, out->repo, &io, err)) < 0)
		goto out;
	if (fetch_failed) {
		/* The last copy indexed, if any, still serves. */
		if (review_index_head(out->idx, &head) <= 0) {
			error = error_set(err, TEND_ERROR, "%s", why.ptr);
			goto out;
		}
		actions_context_note(notes, "context: repository '%s' could "
				     "not be fetched, using the copy indexed "
				     "earlier: %s", cr->name, why.ptr);
		out->stale = 1;
		git_oid_cpy(&out->commit, &head);
		error = 0;
		goto out;
	}
	git_oid_cpy(&out->commit, &fetched);
	git_oid_cpy(&indexed, &fetched);
	if (cr->nr_paths &&
	    (error = forge_git_commit_subset(&indexed, out->repo, &fetched,
					     (const char *const *)cr->paths,
					     cr->nr_paths, err)) < 0)
		goto out;
	if ((error = review_index_update(out->idx, &indexed, &st, err)) < 0)
		goto out;
	if (st.rebuilt)
		actions_context_note(notes, "context: the index of '%s' was "
				     "rebuilt: %s", cr->name,
				     st.note ? st.note : "unusable");
	log_info("context: '%s' at %.12s: %zu files (%zu parsed, %zu "
		 "reused, %zu skipped), %zu chunks, %zu symbols", cr->name,
		 git_oid_tostr_s(&fetched), st.files, st.parsed, st.reused,
		 st.skipped, st.chunks, st.symbols);
out:
	review_index_stats_release(&st);
	buf_release(&auth);
	buf_release(&why);
	free(git_dir);
	free(db);
	return error;
}

size_t actions_context_open(struct actions_context *ctx,
			    const struct actions_context_opts *o,
			    struct buf *notes)
{
	const struct tend_config *cfg = o->cfg;
	struct buf err = BUF_INIT;
	size_t i, usable = 0;

	if (!cfg->context.nr_repos)
		return 0;
	free(ctx->cache_dir);
	ctx->cache_dir = actions_context_cache_dir(o->cache_dir);
	if (!ctx->cache_dir) {
		actions_context_note(notes, "context: no cache directory for "
				     "the other repositories (neither "
				     "$XDG_CACHE_HOME nor $HOME is an "
				     "absolute path); none is read");
		return 0;
	}
	if (actions_context_mkdirs(ctx->cache_dir, &err) < 0) {
		actions_context_note(notes, "context: %s; no other repository "
				     "is read", err.ptr);
		buf_release(&err);
		return 0;
	}
	for (i = 0; i < cfg->context.nr_repos; i++) {
		const struct config_context_repo *cr = &cfg->context.repos[i];
		struct actions_context_repo r;

		memset(&r, 0, sizeof(r));
		buf_reset(&err);
		if (actions_context_find(ctx, cr->name) ||
		    (o->only && strcmp(o->only, cr->name)))
			continue;
		if (actions_context_one(&r, ctx, cr, o, notes, &err) < 0) {
			actions_context_note(notes, "context: repository '%s' "
					     "left out: %s", cr->name,
					     err.ptr);
			actions_context_repo_release(&r);
			continue;
		}
		r.name = xstrdup(cr->name);
		r.url = xstrdup(cr->url);
		ALLOC_GROW(ctx->repos, ctx->nr, ctx->alloc);
		ctx->repos[ctx->nr++] = r;
		usable++;
	}
	buf_release(&err);
	return usable;
}

size_t actions_context_open_for(struct actions_context *ctx,
				const struct tend_config *cfg,
				const struct review_rules *rules,
				const char *root, struct agent_router *router,
				const char *only, struct buf *notes)
{
	struct actions_context_opts o = { 0 };
	struct forge_context_opts fo = { 0 };
	struct buf e = BUF_INIT;
	char *remote = NULL;
	size_t n;

	if (!cfg->context.nr_repos)
		return 0;
	/*
	 * The forge: who may see the token. Not knowing it only means
	 * fetching anonymously.
	 */
	if (!ctx->forge) {
		ctx->forge = xcalloc(1, sizeof(*ctx->forge));
		forge_context_init(ctx->forge);
		remote = forge_context_remote_url(root);
		fo.remote_url = remote;
		if (forge_context_detect(ctx->forge, &fo, &e) < 0) {
			log_debug("context: no forge (%s): fetching "
				  "anonymously", e.ptr);
			forge_context_release(ctx->forge);
			forge_context_init(ctx->forge);
		}
	}
	if (cfg->models.embeddings.provider && !ctx->embed.spec) {
		buf_reset(&e);
		if (!router && agent_router_new(&ctx->router, cfg, &e) < 0)
			log_warn("context: no embeddings: %s", e.ptr);
		else
			actions_context_embed_init(&ctx->embed,
						   router ? router :
						   ctx->router, cfg);
	}
	if (ctx->embed.spec) {
		o.embed = actions_context_embed_fn;
		o.embed_data = &ctx->embed;
	}
	o.cfg = cfg;
	o.forge = ctx->forge;
	o.rules = rules;
	o.only = only;
	n = actions_context_open(ctx, &o, notes);
	free(remote);
	buf_release(&e);
	return n;
}

int actions_context_open_named(struct actions_context *ctx,
			       const struct tend_config *cfg,
			       const struct review_rules *rules,
			       const char *root, const char *name,
			       struct review_index **out, struct buf *err)
{
	struct actions_context_repo *r;
	struct buf notes = BUF_INIT, e = BUF_INIT;
	size_t i;
	int error = 0;

	*out = NULL;
	for (i = 0; i < cfg->context.nr_repos; i++)
		if (!strcmp(cfg->context.repos[i].name, name))
			break;
	if (i == cfg->context.nr_repos) {
		buf_printf(&e, "no repository '%s' in context.repos", name);
		for (i = 0; i < cfg->context.nr_repos; i++)
			buf_printf(&e, "%s%s", i ? ", " : " (there are: ",
				   cfg->context.repos[i].name);
		if (cfg->context.nr_repos)
			buf_putc(&e, ')');
		error = error_set(err, TEND_EINVALID, "%s", e.ptr);
		goto out;
	}
	actions_context_open_for(ctx, cfg, rules, root, NULL, name, &notes);
	if (!(r = actions_context_find(ctx, name)) || !r->idx) {
		buf_rtrim(&notes);
		error = error_set(err, TEND_ERROR, "%s", notes.len ? notes.ptr :
				  "the repository could not be read");
		goto out;
	}
	*out = r->idx;
	r->idx = NULL;
out:
	buf_release(&notes);
	buf_release(&e);
	return error;
}
