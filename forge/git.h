/*
 * git.h - the local repository through libgit2: open, resolve revisions,
 * merge-bases, the default branch, blobs and attributes.
 *
 * Everything here is read-only. Commit and push (with a lease) join this
 * file when the fix and tasks jobs need them.
 *
 * libgit2 is initialised on first use and stays initialised for the life of
 * the process. A git_repository returned here is freed with
 * git_repository_free().
 */
#ifndef FORGE_GIT_H
#define FORGE_GIT_H

#include <git2.h>

#include "common/buf.h"

/*
 * Open the repository containing `path` (searching upwards, like git).
 * Fails with TEND_EINVALID and "not a git repository: 'PATH'" when there is
 * none, and refuses bare repositories (there is no work tree to review).
 */
int forge_git_open(git_repository **out, const char *path, struct buf *err);

/* The work tree's top directory, with a trailing '/'; borrowed. */
const char *forge_git_workdir(git_repository *repo);

/*
 * Resolve `rev` (a branch, tag, SHA, "HEAD~2", "origin/main") to a commit.
 * Unknown revisions fail with TEND_EINVALID: "unknown revision 'REV'".
 */
int forge_git_resolve(git_oid *out, git_repository *repo, const char *rev,
		      struct buf *err);

/*
 * The default base branch, as a revision string the caller frees: the
 * target of refs/remotes/origin/HEAD, else "main", else "master", else
 * "origin/main" or "origin/master" when only the remote branches exist.
 * TEND_ENOTFOUND when none exists.
 */
int forge_git_default_base(char **out, git_repository *repo, struct buf *err);

/* The merge-base of two commits; TEND_ENOTFOUND when they share none. */
int forge_git_merge_base(git_oid *out, git_repository *repo, const git_oid *a,
			 const git_oid *b, struct buf *err);

/*
 * Read `path` as it is in commit `commit` into `out` (replacing its
 * contents). TEND_ENOTFOUND when the path is not a blob there, TEND_ETOOBIG
 * when it is larger than `max` bytes (0 = no limit).
 */
int forge_git_read_blob(struct buf *out, git_repository *repo,
			const git_oid *commit, const char *path, size_t max,
			struct buf *err);

/*
 * forge_git_read_blob() for a regular file only: a symbolic link at `path`
 * is TEND_EINVALID. Configuration read from a commit goes through this.
 */
int forge_git_read_file(struct buf *out, git_repository *repo,
			const git_oid *commit, const char *path, size_t max,
			struct buf *err);

/*
 * The value of gitattribute `name` for `path` as of the work tree's
 * .gitattributes: 1 for set/true, 0 for unset/false/unspecified, -1 for
 * any other value.
 */
int forge_git_attr_bool(git_repository *repo, const char *path,
			const char *name);

/*
 * A handle on `repo`'s objects for reading attributes as of a commit only,
 * not the work tree's or the index's .gitattributes (an untrusted head's).
 * Free with git_repository_free().
 */
int forge_git_attr_view(git_repository **out, git_repository *repo,
			struct buf *err);

/*
 * forge_git_attr_bool() as of `commit`'s .gitattributes files, through a
 * handle from forge_git_attr_view().
 */
int forge_git_attr_bool_at(git_repository *view, const git_oid *commit,
			   const char *path, const char *name);

/* The short name of the branch HEAD points to, or NULL when detached. */
char *forge_git_head_branch(git_repository *repo);

/*
 * Fetch `refspecs` from the repository at `url` (an anonymous remote, so
 * nothing is written to the config), with no tags and no FETCH_HEAD. An
 * `auth_header` ("Authorization: Basic ...") is sent with every request;
 * the caller decides whether the URL may see it. TEND_EINVALID for a URL
 * libgit2 cannot use, TEND_ERROR when the fetch fails.
 */
int forge_git_fetch(git_repository *repo, const char *url,
		    const char *const *refspecs, size_t nr,
		    const char *auth_header, struct buf *err);

#endif
