/*
 * trust.c - reading settings from where the run may believe them (see
 * trust.h).
 *
 * This file decides where a setting is read from; it does not decide
 * whether a head is trusted (the job does, from what the forge says) and
 * does not parse anything (common/config.c does).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/trust.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"

static const char *const actions_trust_names[] = {
	".tend.yml", ".tend.yaml", ".github/tend.yml", ".gitlab/tend.yml",
	NULL
};

void actions_trust_init(struct actions_trust *t, const char *root)
{
	memset(t, 0, sizeof(*t));
	t->root = root;
}

void actions_trust_set_base(struct actions_trust *t, git_repository *repo,
			    const git_oid *base)
{
	t->untrusted = 1;
	t->repo = repo;
	git_oid_cpy(&t->base, base);
}

void actions_trust_release(struct actions_trust *t)
{
	git_repository_free(t->attr_view);
	t->attr_view = NULL;
}

/*
 * `path` relative to the work tree `top` (real, no trailing slash) when it
 * lies inside it, else NULL. Links are resolved: a path outside that
 * leads inside is inside. The caller frees the result.
 */
static char *actions_trust_inside(const char *top, const char *path)
{
	char *real = realpath(path, NULL), *rel = NULL;
	size_t n = strlen(top);

	if (!real) {
		/* Not there: judge by the directory it names. */
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');
		char *rdir;

		if (slash)
			*slash = '\0';
		rdir = realpath(slash ? (*dir ? dir : "/") : ".", NULL);
		if (rdir)
			real = xasprintf("%s/%s", rdir, slash ? slash + 1 :
					 path);
		free(rdir);
		free(dir);
		if (!real)
			return NULL;
	}
	if (!strncmp(real, top, n) && real[n] == '/')
		rel = xstrdup(real + n + 1);
	free(real);
	return rel;
}

/* Parse `text` read from the base commit as `name` into `cfg`. */
static int actions_trust_parse(struct tend_config *cfg,
			       const struct actions_trust *t,
			       const struct buf *text, const char *rel,
			       struct buf *err)
{
	char *name = xasprintf("%s@%.12s", rel, git_oid_tostr_s(&t->base));
	int rc;

	rc = config_parse(cfg, text->ptr ? text->ptr : "", text->len, name,
			  err);
	free(name);
	return rc;
}

int actions_trust_load_config(struct tend_config *cfg,
			      const struct actions_trust *t,
			      const char *explicit_path, struct buf *err)
{
	struct buf text = BUF_INIT, e = BUF_INIT;
	char *top = NULL, *rel = NULL;
	size_t i;
	int rc = 0, from_base = 1;

	if (!t->untrusted)
		return config_load(cfg, t->root, explicit_path, err);

	config_init(cfg);
	top = realpath(forge_git_workdir(t->repo), NULL);
	if (explicit_path && !top) {
		rc = error_set(err, TEND_ERROR, "cannot resolve the work "
			       "tree '%s'", forge_git_workdir(t->repo));
		goto out;
	}
	if (explicit_path &&
	    !(rel = actions_trust_inside(top, explicit_path))) {
		/* Outside the work tree: the job's own file. */
		from_base = 0;
		rc = config_load(cfg, NULL, explicit_path, err);
		goto out;
	}
	if (explicit_path) {
		rc = forge_git_read_file(&text, t->repo, &t->base, rel,
					 CONFIG_MAX_BYTES, err);
		if (rc == TEND_ENOTFOUND) {
			buf_reset(err);
			rc = error_set(err, TEND_ENOTFOUND, "--config '%s' is "
				       "in the work tree, which is an "
				       "untrusted pull request head, so it "
				       "is read from the base commit %.12s; "
				       "it is not there", explicit_path,
				       git_oid_tostr_s(&t->base));
		}
		if (rc < 0)
			goto out;
		rc = actions_trust_parse(cfg, t, &text, rel, err);
	} else {
		for (i = 0; actions_trust_names[i]; i++) {
			buf_reset(&e);
			rc = forge_git_read_file(&text, t->repo, &t->base,
						 actions_trust_names[i],
						 CONFIG_MAX_BYTES, &e);
			if (rc == TEND_ENOTFOUND) {
				rc = 0;
				continue;
			}
			if (rc < 0) {
				error_set(err, rc, "%s", e.ptr);
				goto out;
			}
			rc = actions_trust_parse(cfg, t, &text,
						 actions_trust_names[i], err);
			break;
		}
	}
	if (!rc)
		rc = config_apply_env(cfg, err);
out:
	if (rc < 0) {
		config_release(cfg);
		if (from_base)
			error_wrap(err, rc, "the base branch's config");
	}
	free(top);
	free(rel);
	buf_release(&text);
	buf_release(&e);
	return rc;
}

int actions_trust_read(char **out, const struct actions_trust *t,
		       const char *rel, const char *what, size_t max,
		       struct buf *err)
{
	struct buf text = BUF_INIT;
	const char *p;
	int rc;

	for (p = rel; *p; p++)
		if ((p == rel || p[-1] == '/') && p[0] == '.' && p[1] == '.' &&
		    (p[2] == '/' || !p[2]))
			break;
	if (!*rel || rel[0] == '/' || *p)
		return error_set(err, TEND_EINVALID, "%s '%s' must be a path "
				 "inside the repository", what, rel);
	if (t->untrusted)
		rc = forge_git_read_file(&text, t->repo, &t->base, rel, max,
					 err);
	else
		rc = config_read_tree_file(&text, t->root, rel, max, err);
	if (rc < 0) {
		buf_release(&text);
		return error_wrap(err, TEND_EINVALID, "cannot read %s '%s'%s",
				  what, rel, t->untrusted ?
				  " from the base commit" : "");
	}
	*out = buf_detach(&text, NULL);
	return 0;
}

int actions_trust_attr_bool(struct actions_trust *t, git_repository *repo,
			    const char *path, const char *name)
{
	struct buf err = BUF_INIT;

	if (!t || !t->untrusted)
		return forge_git_attr_bool(repo, path, name) == 1;
	if (t->attr_failed)
		return 0;
	if (!t->attr_view &&
	    forge_git_attr_view(&t->attr_view, t->repo, &err) < 0) {
		/* Unknown attributes mark nothing generated: safe. */
		log_warn("%s", err.ptr);
		buf_release(&err);
		t->attr_failed = 1;
		return 0;
	}
	return forge_git_attr_bool_at(t->attr_view, &t->base, path,
				      name) == 1;
}
