/*
 * trust.h - what may configure tend in a run.
 *
 * The configuration (.tend.yml: checks, rules, queries, linters, models,
 * providers, agents and their prompts), the query files it names and the
 * .gitattributes that mark files generated are read from one of two
 * places:
 *
 *   - the work tree, when it is trusted: a local run, or a pull/merge
 *     request whose head lives in the base repository (whoever pushed it
 *     can change the CI definition anyway);
 *   - the base commit's objects, when the work tree may be an untrusted
 *     head: a pull/merge request from a fork, or one whose origin the
 *     forge did not say. Nothing is read from the work tree or the index
 *     then, not even a --config path that points into the work tree; a
 *     --config outside the work tree is the job's own and is read from
 *     disk.
 *
 * Files are read as regular files only: a symbolic link is refused
 * wherever it is, so a link cannot turn a secret into a config value that
 * an error message then quotes.
 *
 * Ownership: a struct actions_trust borrows `repo` and `root`; it owns the
 * attribute handle it may open, freed by actions_trust_release().
 */
#ifndef ACTIONS_TRUST_H
#define ACTIONS_TRUST_H

#include <git2.h>

#include "common/buf.h"
#include "common/config.h"

struct actions_trust {
	int untrusted;		/* settings come from `base`, not the tree */
	const char *root;	/* the work tree's top, for a trusted run */
	git_repository *repo;	/* borrowed; set when untrusted */
	git_oid base;		/* the commit trusted settings come from */
	git_repository *attr_view;	/* owned, opened on first use */
	int attr_failed;		/* it could not be opened */
};

/* A trusted work tree at `root` (NULL: "."). Allocates nothing. */
void actions_trust_init(struct actions_trust *t, const char *root);

/* Settings come from commit `base` of `repo` from now on. */
void actions_trust_set_base(struct actions_trust *t, git_repository *repo,
			    const git_oid *base);

void actions_trust_release(struct actions_trust *t);

/*
 * Load the configuration: defaults, then the file (`explicit_path`, else
 * the first of the usual names), then TEND_* variables. Trusted: as
 * config_load() from the work tree. Untrusted: the file is read from the
 * base commit, and `explicit_path` from disk only when it lies outside
 * the work tree. TEND_EINVALID for a bad or linked file, TEND_ENOTFOUND
 * for an explicit path that is not there.
 */
int actions_trust_load_config(struct tend_config *cfg,
			      const struct actions_trust *t,
			      const char *explicit_path, struct buf *err);

/*
 * Read `rel`, a path inside the repository named by the configuration
 * (`what` names it in messages, e.g. "query_file"), into *out (NUL
 * terminated, caller frees). No absolute path, no "..", no symbolic link
 * anywhere on the way, at most `max` bytes; from the work tree when
 * trusted, else from the base commit. TEND_EINVALID otherwise.
 */
int actions_trust_read(char **out, const struct actions_trust *t,
		       const char *rel, const char *what, size_t max,
		       struct buf *err);

/*
 * Gitattribute `name` of `path` as a boolean (1 set): from `repo`'s work
 * tree when `t` is NULL or trusted, else from the base commit's
 * .gitattributes files only.
 */
int actions_trust_attr_bool(struct actions_trust *t, git_repository *repo,
			    const char *path, const char *name);

#endif
