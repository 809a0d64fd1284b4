/*
 * git.c - read-only access to the local repository through libgit2.
 *
 * Producing diffs is not here: review/diff_git.c turns two commits into the
 * change-set model. This file answers "which commits" and "what content".
 */
#include <string.h>

#include <git2/sys/repository.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "forge/git.h"

static void forge_git_init_once(void)
{
	static int done;

	if (!done) {
		git_libgit2_init();
		done = 1;
	}
}

static const char *forge_git_errmsg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

int forge_git_open(git_repository **out, const char *path, struct buf *err)
{
	git_repository *repo = NULL;
	int rc;

	forge_git_init_once();
	rc = git_repository_open_ext(&repo, path, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return error_set(err, TEND_EINVALID,
				 "not a git repository: '%s'", path);
	if (rc < 0)
		return error_set(err, TEND_EINVALID,
				 "cannot open the git repository at '%s': %s",
				 path, forge_git_errmsg());
	if (git_repository_is_bare(repo)) {
		git_repository_free(repo);
		return error_set(err, TEND_EINVALID,
				 "'%s' is a bare repository; tend needs a "
				 "work tree", path);
	}
	*out = repo;
	return 0;
}

const char *forge_git_workdir(git_repository *repo)
{
	return git_repository_workdir(repo);
}

int forge_git_resolve(git_oid *out, git_repository *repo, const char *rev,
		      struct buf *err)
{
	git_object *obj = NULL, *commit = NULL;
	int rc;

	rc = git_revparse_single(&obj, repo, rev);
	if (rc < 0)
		return error_set(err, TEND_EINVALID, "unknown revision '%s'",
				 rev);
	rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0)
		return error_set(err, TEND_EINVALID,
				 "revision '%s' is not a commit", rev);
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	return 0;
}

static int forge_git_has_ref(git_repository *repo, const char *name)
{
	git_reference *ref = NULL;
	int found = git_reference_lookup(&ref, repo, name) == 0;

	git_reference_free(ref);
	return found;
}

int forge_git_default_base(char **out, git_repository *repo, struct buf *err)
{
	static const char *const fallbacks[][2] = {
		{ "refs/heads/main", "main" },
		{ "refs/heads/master", "master" },
		{ "refs/remotes/origin/main", "origin/main" },
		{ "refs/remotes/origin/master", "origin/master" },
	};
	git_reference *head = NULL;
	size_t i;

	if (git_reference_lookup(&head, repo, "refs/remotes/origin/HEAD") == 0) {
		const char *target = git_reference_symbolic_target(head);
		const char *prefix = "refs/remotes/";

		if (target && !strncmp(target, prefix, strlen(prefix)) &&
		    forge_git_has_ref(repo, target)) {
			*out = xstrdup(target + strlen(prefix));
			git_reference_free(head);
			return 0;
		}
		git_reference_free(head);
	}
	for (i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++)
		if (forge_git_has_ref(repo, fallbacks[i][0])) {
			*out = xstrdup(fallbacks[i][1]);
			return 0;
		}
	return error_set(err, TEND_ENOTFOUND,
			 "cannot find the default branch (no origin/HEAD, "
			 "main or master); name the base with --base");
}

int forge_git_merge_base(git_oid *out, git_repository *repo, const git_oid *a,
			 const git_oid *b, struct buf *err)
{
	char sa[GIT_OID_HEXSZ + 1], sb[GIT_OID_HEXSZ + 1];
	int rc = git_merge_base(out, repo, a, b);

	if (rc == 0)
		return 0;
	git_oid_tostr(sa, sizeof(sa), a);
	git_oid_tostr(sb, sizeof(sb), b);
	if (rc == GIT_ENOTFOUND)
		return error_set(err, TEND_ENOTFOUND,
				 "commits %.12s and %.12s have no common "
				 "ancestor", sa, sb);
	return error_set(err, TEND_ERROR,
			 "cannot compute the merge-base of %.12s and %.12s: %s",
			 sa, sb, forge_git_errmsg());
}

/*
 * Read `path` at `commit`; with `regular_only`, a symbolic link (mode
 * 120000: its blob is the link's target, not a file) is refused.
 */
static int forge_git_read_at(struct buf *out, git_repository *repo,
			     const git_oid *commit, const char *path,
			     size_t max, int regular_only, struct buf *err)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = 0;
	git_object_size_t size;

	if (git_commit_lookup(&c, repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot read commit: %s",
			       forge_git_errmsg());
		goto out;
	}
	if (git_tree_entry_bypath(&entry, tree, path) < 0 ||
	    git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = error_set(err, TEND_ENOTFOUND, "no file '%s' in the commit",
			       path);
		goto out;
	}
	if (regular_only &&
	    git_tree_entry_filemode(entry) != GIT_FILEMODE_BLOB &&
	    git_tree_entry_filemode(entry) != GIT_FILEMODE_BLOB_EXECUTABLE) {
		rc = error_set(err, TEND_EINVALID, "'%s' is not a regular file "
			       "in commit %.12s (a symbolic link?)", path,
			       git_oid_tostr_s(commit));
		goto out;
	}
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot read '%s': %s", path,
			       forge_git_errmsg());
		goto out;
	}
	size = git_blob_rawsize(blob);
	if (max && size > max) {
		rc = error_set(err, TEND_ETOOBIG,
			       "'%s' is %llu bytes, over the %zu-byte limit",
			       path, (unsigned long long)size, max);
		goto out;
	}
	buf_reset(out);
	if (buf_add(out, git_blob_rawcontent(blob), (size_t)size) < 0)
		rc = error_set(err, TEND_ETOOBIG, "'%s' is too large", path);
out:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

int forge_git_read_blob(struct buf *out, git_repository *repo,
			const git_oid *commit, const char *path, size_t max,
			struct buf *err)
{
	return forge_git_read_at(out, repo, commit, path, max, 0, err);
}

int forge_git_read_file(struct buf *out, git_repository *repo,
			const git_oid *commit, const char *path, size_t max,
			struct buf *err)
{
	return forge_git_read_at(out, repo, commit, path, max, 1, err);
}

static int forge_git_attr_value(const char *value)
{
	switch (git_attr_value(value)) {
	case GIT_ATTR_VALUE_TRUE:
		return 1;
	case GIT_ATTR_VALUE_STRING:
		return strcmp(value, "true") ? -1 : 1;
	default:
		return 0;
	}
}

int forge_git_attr_bool(git_repository *repo, const char *path,
			const char *name)
{
	const char *value = NULL;

	if (git_attr_get(&value, repo, GIT_ATTR_CHECK_NO_SYSTEM, path, name) < 0)
		return 0;
	return forge_git_attr_value(value);
}

int forge_git_attr_view(git_repository **out, git_repository *repo,
			struct buf *err)
{
	git_repository *view = NULL;
	git_index *empty = NULL;

	/*
	 * A second handle on the same objects whose index is empty and
	 * in memory: libgit2 reads .gitattributes from the work tree or the
	 * index as well as from a commit, and both are the untrusted head
	 * here. With neither, only the commit (and .git/info/attributes,
	 * which the checkout wrote, not the pull request) is left.
	 */
	if (git_repository_open_bare(&view, git_repository_path(repo)) < 0 ||
	    git_index_new(&empty) < 0 ||
	    git_repository_set_index(view, empty) < 0) {
		git_index_free(empty);
		git_repository_free(view);
		return error_set(err, TEND_ERROR, "cannot open the repository "
				 "for attributes: %s", forge_git_errmsg());
	}
	git_index_free(empty);
	*out = view;
	return 0;
}

int forge_git_attr_bool_at(git_repository *view, const git_oid *commit,
			   const char *path, const char *name)
{
	git_attr_options opts = GIT_ATTR_OPTIONS_INIT;
	const char *value = NULL;

	opts.flags = GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM |
		     GIT_ATTR_CHECK_INCLUDE_COMMIT;
	git_oid_cpy(&opts.attr_commit_id, commit);
	if (git_attr_get_ext(&value, view, &opts, path, name) < 0)
		return 0;
	return forge_git_attr_value(value);
}

char *forge_git_head_branch(git_repository *repo)
{
	git_reference *head = NULL;
	char *name = NULL;

	if (git_repository_head(&head, repo) == 0 && git_reference_is_branch(head))
		name = xstrdup(git_reference_shorthand(head));
	git_reference_free(head);
	return name;
}

int forge_git_fetch(git_repository *repo, const char *url,
		    const char *const *refspecs, size_t nr,
		    const char *auth_header, struct buf *err)
{
	git_remote *remote = NULL;
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	git_strarray specs = { (char **)refspecs, nr };
	char *headers[1];
	int rc;

	forge_git_init_once();
	if (git_remote_create_anonymous(&remote, repo, url) < 0)
		return error_set(err, TEND_EINVALID,
				 "cannot fetch from the origin remote: %s",
				 forge_git_errmsg());
	if (auth_header) {
		headers[0] = (char *)auth_header;
		fo.custom_headers.strings = headers;
		fo.custom_headers.count = 1;
	}
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	/*
	 * The reflog gets a message of ours: libgit2's default names the
	 * URL, and a CI origin URL may carry the job's token.
	 */
	rc = git_remote_fetch(remote, &specs, &fo, "tend: fetch");
	if (rc < 0)
		rc = error_set(err, TEND_ERROR, "fetch from the origin remote "
			       "failed: %s", forge_git_errmsg());
	git_remote_free(remote);
	return rc < 0 ? rc : 0;
}
