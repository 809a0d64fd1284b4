/*
 * git.h - the local repository through libgit2: open, resolve revisions,
 * merge-bases, the default branch, blobs and attributes; and the writes of
 * the acting commands: the work tree's changes, a commit of them, and a
 * push with a lease.
 *
 * Paths are relative to the work tree's top, '/'-separated. A path tend
 * writes or commits is never absolute, never has an empty, "." or ".."
 * component, never has a ".git" component (in any case), and is never
 * reached through a symbolic link in the work tree: such paths are refused
 * with TEND_EINVALID.
 *
 * A token given for a push stays in this process: libgit2 gets it through
 * its credential callback only, for the forge's own origin only; it is
 * never in a URL, a file under .git, a log line or an error message.
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
 * The commit HEAD names in the repository around `dir`, read from the
 * files of a plain layout without libgit2: starting libgit2 parses the
 * system's certificate bundle, ~10 ms and most of the time of a query
 * to an index that is up to date. It finds the repository as
 * forge_git_open() does (upwards from `dir`, not across file systems),
 * follows HEAD through loose refs and packed-refs, and knows linked work
 * trees. 0 with the work tree's top (`workdir`, ending in '/'), the
 * common git directory (`commondir`, ending in '/') and the commit's hex
 * id (`hex`, NUL-terminated). TEND_ENOTFOUND, with the outputs untouched,
 * for anything it does not know: no repository, a bare one or one owned
 * by another user, an extension (reftable, SHA-256), a HEAD it cannot
 * follow. The caller then opens the repository with libgit2, which
 * gives the real answer or error.
 */
int forge_git_peek_head(const char *dir, struct buf *workdir,
			struct buf *commondir, char hex[41]);

/*
 * A work tree of its own for `commit`, beside the checkout and without
 * touching it: `dir` (an existing, empty directory) gets the commit's
 * files, and *out is a second handle on `repo`'s objects and refs whose
 * work tree is `dir` and whose index is the file `index_path` (made
 * here; outside `dir`): neither .git/index nor HEAD is read or written. Everything above that takes a
 * work tree works on it: changed paths, restore, commit (with update_ref
 * NULL or a full ref name), push. Submodules are not checked out. For
 * the acting commands that carry several tasks in one run. Free with
 * git_repository_free(); removing `dir` and the index is the caller's.
 */
int forge_git_worktree_at(git_repository **out, git_repository *repo,
			  const git_oid *commit, const char *dir,
			  const char *index_path, struct buf *err);

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

/*
 * forge_git_attr_bool_at() of `nr` (at most 8) attributes at once, into
 * out[]: one walk of the .gitattributes on the path instead of `nr`.
 * 0, or -1 when libgit2 cannot tell.
 */
int forge_git_attr_bools_at(git_repository *view, const git_oid *commit,
			    const char *path, const char **names, size_t nr,
			    int *out);

/* Does commit `commit` have anything at `path` (a file, link or tree)? */
int forge_git_path_in_commit(git_repository *repo, const git_oid *commit,
			     const char *path);

/*
 * The unified diff (git's patch format, 3 lines of context) of commit
 * `a`'s tree to commit `b`'s into `out`, replacing its contents.
 */
int forge_git_diff_text(struct buf *out, git_repository *repo,
			const git_oid *a, const git_oid *b, struct buf *err);

/*
 * A linked work tree (as `git worktree add`) at `path` (which must not
 * exist) with `commit` checked out on a local branch `name` made for it
 * (a plain name: letters, digits, '-', '_', '.'), for a job that needs a
 * real checkout of another commit: tend's commands open it like any
 * checkout. forge_git_worktree_drop() removes the directory, the
 * worktree's administrative files and the branch.
 */
int forge_git_worktree_add(git_repository *repo, const char *name,
			   const char *path, const git_oid *commit,
			   struct buf *err);
int forge_git_worktree_drop(git_repository *repo, const char *name,
			    struct buf *err);

/* Delete the ref `name` ("refs/tend/..."); one that does not exist is fine. */
int forge_git_delete_ref(git_repository *repo, const char *name,
			 struct buf *err);

/* The short name of the branch HEAD points to, or NULL when detached. */
char *forge_git_head_branch(git_repository *repo);

/*
 * Fetch `refspecs` from the repository at `url` (an anonymous remote, so
 * nothing is written to the config, and no insteadOf rewrite of the
 * repository's config changes the URL), with no tags and no FETCH_HEAD. An
 * `auth_header` ("Authorization: Basic ...") is sent with every request;
 * the caller decides whether the URL may see it. TEND_EINVALID for a URL
 * libgit2 cannot use, TEND_ERROR when the fetch fails.
 */
int forge_git_fetch(git_repository *repo, const char *url,
		    const char *const *refspecs, size_t nr,
		    const char *auth_header, struct buf *err);

/*
 * A read-only mirror of another repository, for reading it as context:
 * the bare repository at `dir` (made when missing; an existing directory
 * must be empty or a bare repository) fetches `ref` from `url` into the
 * ref of the same name, and *out is the commit fetched. `ref` is a
 * branch ("main"), a full ref ("refs/tags/v1"), or NULL for the branch
 * the remote's HEAD names. The remote is anonymous and in memory (no
 * insteadOf rewrite of any config applies), with no tags, no FETCH_HEAD
 * and no redirects followed. `auth_header` ("Authorization: Basic ...")
 * goes with every request when given: whether this URL may see it is the
 * caller's decision (forge_git_same_origin()). The URL is https, plain
 * http to 127.0.0.1 or [::1] (tests), file:// or an absolute path; never
 * with a user or password in it. Errors: TEND_EINVALID for such a URL,
 * a bad ref or an unusable `dir`; TEND_ENOTFOUND when the remote has no
 * such ref (or no HEAD branch) or no repository is there; TEND_EAUTH when
 * the remote wants credentials (401) or refuses them (403); TEND_ERROR
 * otherwise. Messages name the URL without userinfo, never a credential.
 */
int forge_git_mirror(const char *url, const char *dir, const char *ref,
		     const char *auth_header, git_oid *out, struct buf *err);

/*
 * Open the bare repository at `dir` (a mirror); TEND_ENOTFOUND when
 * there is none.
 */
int forge_git_open_bare(git_repository **out, const char *dir,
			struct buf *err);

/*
 * A commit holding only the files of `commit` whose paths match one of
 * `globs` (common/glob.h), for indexing part of a repository: same
 * author, committer and time, no parent, so the same input always gives
 * the same commit (and unchanged files keep their blob ids). Written to
 * `repo`'s objects only; no ref names it. TEND_ENOTFOUND when no path
 * matches.
 */
int forge_git_commit_subset(git_oid *out, git_repository *repo,
			    const git_oid *commit, const char *const *globs,
			    size_t nr, struct buf *err);

/*
 * The paths that differ between commit `base`'s tree and the work tree:
 * modified, added (untracked files that are not ignored count), deleted
 * and type changes (a file become a symbolic link). Sorted by byte value,
 * each once. *out is a NULL-terminated array of *nr paths the caller frees
 * with forge_git_paths_free(). Never lists anything with a ".git"
 * component, a submodule, or a nested repository's directory.
 */
int forge_git_changed_paths(char ***out, size_t *nr, git_repository *repo,
			    const git_oid *base, struct buf *err);

/* Free an array from forge_git_changed_paths(); NULL is fine. */
void forge_git_paths_free(char **paths);

/*
 * Put `path` in the work tree back as it is in commit `base`: its content
 * and mode (a symbolic link as a link), with leading directories made;
 * removed (a directory with everything in it) when `base` has no file
 * there. For undoing an edit the gate refuses. The index is not touched.
 * TEND_EINVALID for a path refused as above, a submodule, or a leading
 * component of `path` in the work tree that is not a directory.
 */
int forge_git_restore_path(git_repository *repo, const git_oid *base,
			   const char *path, struct buf *err);

struct forge_git_commit_opts {
	const char *message;		/* whole message, trailers included */
	const char *name, *email;	/* author and committer */
	/* what to take from the work tree; NULL: every changed path */
	const char *const *paths;
	size_t nr_paths;
	/*
	 * NULL: no ref moves. Else "HEAD" or a full ref name
	 * ("refs/heads/x"), moved to the new commit only if it still points
	 * at `parent` (FORGE_GIT_EMOVED otherwise, TEND_ENOTFOUND when it
	 * does not exist); "HEAD" moves the branch HEAD is on. When the ref
	 * moved is HEAD or HEAD's branch, the index entries of the committed
	 * paths are updated to match (other staged changes stay staged).
	 */
	const char *update_ref;
};

/*
 * A commit whose only parent is `parent` and whose tree is parent's tree
 * with the work tree's version of opts->paths: changed files, new files,
 * deletions (a path missing from the work tree, or become a directory);
 * the mode as in the work tree (executable bit, symbolic links stored as
 * links, never followed). Content goes through the work tree's filters as
 * `git add` does. Author and committer are opts->name/email, now. The
 * message is opts->message with a final newline added when missing.
 * TEND_EINVALID "nothing to commit" when the tree would be parent's, and
 * for a refused path or a path that is neither a file nor a symbolic link
 * (a fifo, a device). *out is the new commit.
 */
int forge_git_commit(git_oid *out, git_repository *repo, const git_oid *parent,
		     const struct forge_git_commit_opts *opts, struct buf *err);

/*
 * Commit `commit`'s message (the whole of it, trailers included) in *out,
 * which the caller frees. Returns the commit's number of parents (0 for a
 * root commit, 2 or more for a merge) on success, a negative code when the
 * commit cannot be read: test with `< 0`, not `!= 0`.
 */
int forge_git_commit_message(char **out, git_repository *repo,
			     const git_oid *commit, struct buf *err);

/* The first parent of `commit`; TEND_ENOTFOUND at a root commit. */
int forge_git_first_parent(git_oid *out, git_repository *repo,
			   const git_oid *commit);

/* The remote branch (or a local ref) is not where the lease expected. */
#define FORGE_GIT_EMOVED (-30)

struct forge_git_push_opts {
	/*
	 * https://host/owner/repo.git; plain http only to 127.0.0.1 or
	 * [::1] (tests). A URL with userinfo ("user:pass@") is refused.
	 */
	const char *url;
	const char *refname;		/* "refs/heads/feature" on the remote */
	/*
	 * The remote ref's value we started from (the lease); a zero oid
	 * means "the ref must not exist yet" (a new branch).
	 */
	const git_oid *expected;
	const git_oid *commit;		/* a descendant of expected */
	/* "x-access-token" (GitHub), "oauth2" or "gitlab-ci-token" (GitLab) */
	const char *username;
	const char *token;		/* the secret: the callback's only */
	/*
	 * "scheme://host[:port]", the forge's server URL (a path after it is
	 * ignored): the credential callback answers only for a URL of
	 * exactly this origin (scheme, host and port, default ports filled
	 * in); anything else, or anything that does not parse, gets no
	 * credential. See forge_git_same_origin().
	 */
	const char *allowed_origin;
};

/*
 * Push opts->commit to opts->refname with a lease, never forcing. The
 * remote's refs are read first over the push connection; when refname is
 * not at opts->expected, nothing is pushed: FORGE_GIT_EMOVED, "the branch
 * moved: ...". Else commit:refname goes as a non-force update whose old
 * value is the one just read, so a move between the check and the push is
 * refused by the server (its update is a compare-and-swap) and reported as
 * FORGE_GIT_EMOVED too (after reading the ref again). A commit that is not
 * a descendant of expected is never sent (checked here: libgit2 1.5 would
 * send it): TEND_EINVALID, "... is not a fast-forward ...". A commit equal
 * to expected sends nothing and succeeds. TEND_EAUTH when the remote
 * answers 401 to the token (given once per connection, never in a loop)
 * or 403 (no permission to push: a fork, a read-only token), when the
 * token was withheld because the remote's origin is not allowed_origin,
 * and when the remote wants another kind of credential; TEND_EINVALID for
 * a URL, ref or commit refused up front; TEND_ERROR for anything else
 * (a hook's refusal quoted).
 *
 * Nothing of the push stays under .git: an anonymous in-memory remote
 * (the repository's insteadOf rewrites are not applied), no
 * remote-tracking ref, no FETCH_HEAD, no reflog entry. libgit2 1.5 pushes
 * from a ref only, so a temporary refs/tend/push/PID-N names the commit
 * during the push and is deleted after it. Redirects are not followed; no
 * proxy is used. Messages have any URL userinfo and the token removed.
 */
int forge_git_push_lease(git_repository *repo,
			 const struct forge_git_push_opts *o, struct buf *err);

/*
 * 1 when `url` (http or https, no userinfo) has exactly the origin
 * `origin` ("scheme://host[:port]"; a path after it is ignored, so a
 * GitLab's CI_SERVER_URL under a relative URL will do): the same scheme,
 * host (case-insensitive; IPv6 in brackets) and port (80 and 443 when
 * absent); 0 otherwise, and whenever either does not parse.
 */
int forge_git_same_origin(const char *url, const char *origin);

/* ---- learnings: a commit of one file, without a work tree ----------- */

/*
 * A commit whose first parent is `parent` and whose tree is parent's with
 * the regular file `path` holding `content` (`len` bytes), made or
 * replaced; no work tree, index or ref is touched. With `also` (may be
 * NULL) the commit has it as a second parent whose tree it does not take
 * (git's "ours" merge): it then descends from `also`, so a push of it to
 * a branch at `also` is a fast-forward that keeps that branch's history.
 * Author and committer are name/email, now; a final newline is added to
 * `message` when missing. TEND_EINVALID for a path refused as above and
 * for "nothing to commit" (the file already holds `content`).
 */
int forge_git_commit_blob(git_oid *out, git_repository *repo,
			  const git_oid *parent, const git_oid *also,
			  const char *path, const char *content, size_t len,
			  const char *message, const char *name,
			  const char *email, struct buf *err);

#endif
