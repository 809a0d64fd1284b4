/*
 * context.h - what the agents may read beyond the repository they work
 * on: the other repositories of `context.repos`, each fetched read-only
 * into a cache and indexed (review/index.h), and the embeddings of
 * `models.embeddings` as the index's embed callback.
 *
 * Where: $XDG_CACHE_HOME/tend/repos (default ~/.cache/tend/repos), one
 * bare mirror `<sha256 of the URL>.git` per repository and its index
 * `<sha256 of the URL>.sqlite` beside it. A CI cache of that directory
 * makes the next run fetch and parse only what changed.
 *
 * Trust: the repositories come from the trusted configuration only (a
 * fork's .tend.yml is never read: actions/trust.c). The job's token goes
 * only to a repository on the forge's own origin (scheme, host and port
 * of ctx->server_url); any other is fetched anonymously.
 *
 * Failure is never fatal: a repository that cannot be fetched is a
 * warning, and its last indexed copy is used when there is one (said in
 * the notes); one that was never indexed is left out.
 */
#ifndef ACTIONS_CONTEXT_H
#define ACTIONS_CONTEXT_H

#include <stddef.h>

#include <git2.h>

#include "agents/router.h"
#include "common/buf.h"
#include "common/config.h"
#include "forge/context.h"
#include "review/index.h"
#include "review/rules.h"

/* ----- embeddings ----- */

/*
 * The state of the embed callback: models.embeddings through the router,
 * which counts and prices the calls with the rest. All borrowed but
 * `spec`.
 */
struct actions_context_embed {
	struct agent_router *router;
	char *spec;		/* "provider/model" */
	long dimensions;	/* 0: the model's own */
	size_t dim;		/* what the model answered first; 0: none */
};

/*
 * Set `e` up from cfg->models.embeddings: 1 when embeddings are
 * configured (pass actions_context_embed_fn and `e` to the index), 0
 * when they are not (nothing to release then).
 */
int actions_context_embed_init(struct actions_context_embed *e,
			       struct agent_router *router,
			       const struct tend_config *cfg);
void actions_context_embed_release(struct actions_context_embed *e);

/*
 * A review_index_embed_fn over a struct actions_context_embed: `nr`
 * vectors into `out` (which has room for nr * AGENT_EMBED_DIM_MAX
 * floats), their length in *dim_out. A model whose vectors change length
 * between calls is an error.
 */
int actions_context_embed_fn(void *data, const char *const *texts,
			     size_t nr, float *out, size_t *dim_out,
			     struct buf *err);

/* ----- other repositories ----- */

struct actions_context_repo {
	char *name;		/* what the agents' `repo:` argument says */
	char *url;		/* for messages; never holds a credential */
	git_repository *repo;	/* the mirror */
	struct review_index *idx;
	git_oid commit;		/* the commit indexed (of the remote) */
	int stale;		/* the fetch failed: an older copy */
};

struct actions_context {
	struct actions_context_repo *repos;
	size_t nr, alloc;
	char *cache_dir;
	/* set by actions_context_open_for() */
	struct forge_context *forge;
	struct agent_router *router;
	struct actions_context_embed embed;
};

struct actions_context_opts {
	const struct tend_config *cfg;	/* context.repos */
	/*
	 * The forge: server_url and token decide who gets the token. NULL
	 * (a local run): every repository is fetched anonymously.
	 */
	const struct forge_context *forge;
	const struct review_rules *rules; /* masking; NULL: built-in packs */
	review_index_embed_fn embed;	/* NULL: BM25 only */
	void *embed_data;
	const char *cache_dir;	/* NULL: $XDG_CACHE_HOME/tend/repos */
	const char *only;	/* the one repository to open; NULL: all */
};

void actions_context_init(struct actions_context *ctx);

/*
 * Fetch and index every repository of opts->cfg->context.repos into
 * `ctx` (initialised by the caller). What went wrong with each goes to
 * the log as a warning and, one line each, to `notes` (may be NULL) for
 * a report. Returns the number of repositories usable; never fails.
 */
size_t actions_context_open(struct actions_context *ctx,
			    const struct actions_context_opts *opts,
			    struct buf *notes);

/*
 * Hand every open index to the agents' `ai` under its repository's name
 * (actions_act_index_add_repo(): `ai` closes them). The mirrors stay in
 * `ctx`, which must be released after `ai`.
 */
struct actions_act_index;
void actions_context_attach(struct actions_context *ctx,
			    struct actions_act_index *ai);

/*
 * actions_context_open() for a job: the forge of the checkout at `root`
 * (origin's URL and the environment, as the job detects it: who may see
 * the token), the embeddings of models.embeddings through `router` (NULL:
 * a router of `ctx`'s own when they are configured), all repositories
 * or only the one named `only`. Kept in `ctx` until release.
 */
size_t actions_context_open_for(struct actions_context *ctx,
				const struct tend_config *cfg,
				const struct review_rules *rules,
				const char *root, struct agent_router *router,
				const char *only, struct buf *notes);

/*
 * For a command that reads one other repository by itself (`tend index
 * --repo-name`): the forge of the checkout at `root` (origin's URL and
 * the environment decide who gets the token), a router when
 * models.embeddings is configured, and actions_context_open() of the
 * repository `name` only. *out is its index, the caller's to close
 * before actions_context_release(). TEND_EINVALID when context.repos has
 * no such name, TEND_ERROR when it could not be read (why in `err`).
 */
int actions_context_open_named(struct actions_context *ctx,
			       const struct tend_config *cfg,
			       const struct review_rules *rules,
			       const char *root, const char *name,
			       struct review_index **out, struct buf *err);

/* The repository named `name`, or NULL. */
struct actions_context_repo *actions_context_find(struct actions_context *ctx,
						  const char *name);

/* Close the indexes and mirrors; `ctx` may be used again. */
void actions_context_release(struct actions_context *ctx);

/*
 * The directory of the mirrors (a new string the caller frees):
 * opts' cache_dir, else $XDG_CACHE_HOME/tend/repos when that is an
 * absolute path, else $HOME/.cache/tend/repos. NULL when there is none.
 */
char *actions_context_cache_dir(const char *cache_dir);

/*
 * "<dir>/<sha256 of url, hex><suffix>" (".git", ".sqlite"); the caller
 * frees it.
 */
char *actions_context_cache_path(const char *dir, const char *url,
				 const char *suffix);

#endif
