/*
 * git.c - the local repository through libgit2: which commits, what
 * content, and the writes of the acting commands.
 *
 * Reading: open, resolve, merge-bases, blobs, attributes, fetch. Writing:
 * the paths the work tree changed, putting a path back, one commit of the
 * work tree's changes on a given parent (built in an in-memory index, so
 * the repository's index and refs move only when asked), and a push with a
 * lease that never forces and keeps the token inside this process.
 *
 * Producing diffs is not here: review/diff_git.c turns two commits into the
 * change-set model. Deciding which changes are allowed is not here either:
 * the fix and tasks jobs gate the paths this file lists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/repository.h>

#include "common/error.h"
#include "common/glob.h"
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
	if (rc == GIT_ENOTFOUND) {
		/* Name the directory: after -C, '.' says nothing. */
		char *abs = realpath(path, NULL);

		rc = error_set(err, TEND_EINVALID, "not a git repository (or "
			       "any parent up to /): '%s'", abs ? abs : path);
		free(abs);
		return rc;
	}
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

/* ---- HEAD without libgit2 ---------------------------------------------- */

/* The file at `path` as one NUL-terminated string, up to `max` bytes. */
static int forge_git_peek_file(struct buf *out, const char *path, size_t max)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	buf_reset(out);
	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (out->len + (size_t)n > max) {
			close(fd);
			return -1;
		}
		buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

static int forge_git_peek_is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * The directory `path` names, made absolute against `base` (ending in
 * '/') and resolved, with a trailing '/'; -1 when it does not exist.
 */
static int forge_git_peek_join(struct buf *out, const char *base,
			       const char *path, size_t len)
{
	struct buf joined = BUF_INIT;
	char *real;

	if (len && path[0] != '/')
		buf_puts(&joined, base);
	buf_add(&joined, path, len);
	real = realpath(joined.ptr, NULL);
	buf_release(&joined);
	if (!real)
		return -1;
	buf_reset(out);
	buf_puts(out, real);
	if (!out->len || out->ptr[out->len - 1] != '/')
		buf_putc(out, '/');
	free(real);
	return 0;
}

/* The id `ref` names: a loose file in `gitdir` or `common`, packed-refs. */
static int forge_git_peek_ref(const char *gitdir, const char *common,
			      const char *ref, char hex[41], int depth)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	const char *dirs[2] = { gitdir, common };
	size_t i;
	int error = -1;

	if (depth > 5 || strncmp(ref, "refs/", 5) || strstr(ref, "..") ||
	    strstr(ref, "//"))
		return -1;
	for (i = 0; i < 2 && error < 0; i++) {
		size_t n;

		buf_reset(&path);
		buf_printf(&path, "%s%s", dirs[i], ref);
		if (forge_git_peek_file(&text, path.ptr, 4096) < 0)
			continue;
		n = text.len;
		while (n && (text.ptr[n - 1] == '\n' || text.ptr[n - 1] == '\r'))
			n--;
		if (n == 40 && forge_git_peek_is_hex(text.ptr, 40)) {
			memcpy(hex, text.ptr, 40);
			hex[40] = '\0';
			error = 0;
		} else if (n > 5 && !strncmp(text.ptr, "ref: ", 5)) {
			text.ptr[n] = '\0';
			error = forge_git_peek_ref(gitdir, common, text.ptr + 5,
						   hex, depth + 1);
			break;
		} else {
			break;	/* a loose ref that is not one: not ours */
		}
	}
	if (error < 0 && i == 2) {
		/* Not loose anywhere: packed-refs, "<id> <ref>" lines. */
		const char *line, *end;

		buf_reset(&path);
		buf_printf(&path, "%spacked-refs", common);
		if (forge_git_peek_file(&text, path.ptr, 64 << 20) == 0)
			for (line = text.ptr; *line; line = *end ? end + 1 : end) {
				end = strchr(line, '\n');
				if (!end)
					end = line + strlen(line);
				if (end - line == 41 + (long)strlen(ref) &&
				    line[40] == ' ' &&
				    forge_git_peek_is_hex(line, 40) &&
				    !strncmp(line + 41, ref, strlen(ref))) {
					memcpy(hex, line, 40);
					hex[40] = '\0';
					error = 0;
					break;
				}
			}
	}
	buf_release(&path);
	buf_release(&text);
	return error;
}

int forge_git_peek_head(const char *dir, struct buf *workdir,
			struct buf *commondir, char hex[41])
{
	struct buf top = BUF_INIT, gitdir = BUF_INIT, common = BUF_INIT,
		   text = BUF_INIT, path = BUF_INIT;
	char id[41];
	char *at = realpath(dir, NULL);
	struct stat st;
	dev_t dev;
	int error = TEND_ENOTFOUND;

	if (!at || stat(at, &st) < 0)
		goto out;
	dev = st.st_dev;
	buf_puts(&top, at);
	for (;;) {
		buf_reset(&path);
		buf_printf(&path, "%s%s.git", top.ptr,
			   top.len > 1 ? "/" : "");
		if (lstat(path.ptr, &st) == 0)
			break;
		if (top.len <= 1)
			goto out;
		while (top.len > 1 && top.ptr[top.len - 1] != '/')
			top.len--;
		if (top.len > 1)
			top.len--;
		top.ptr[top.len] = '\0';
		if (stat(top.ptr, &st) < 0 || st.st_dev != dev)
			goto out;
	}
	if (top.len > 1)
		buf_putc(&top, '/');
	if (S_ISDIR(st.st_mode)) {
		buf_puts(&gitdir, path.ptr);
		buf_putc(&gitdir, '/');
	} else if (S_ISREG(st.st_mode)) {
		/* A linked work tree: "gitdir: PATH". */
		size_t n;

		if (forge_git_peek_file(&text, path.ptr, 4096) < 0 ||
		    strncmp(text.ptr, "gitdir: ", 8))
			goto out;
		n = text.len;
		while (n > 8 && (text.ptr[n - 1] == '\n' ||
				 text.ptr[n - 1] == '\r'))
			n--;
		if (forge_git_peek_join(&gitdir, top.ptr, text.ptr + 8,
					n - 8) < 0)
			goto out;
	} else {
		goto out;
	}
	/* libgit2 refuses a repository another user owns: so does this. */
	if (stat(gitdir.ptr, &st) < 0 || st.st_uid != geteuid())
		goto out;
	buf_reset(&path);
	buf_printf(&path, "%scommondir", gitdir.ptr);
	if (forge_git_peek_file(&text, path.ptr, 4096) == 0) {
		size_t n = text.len;

		while (n && (text.ptr[n - 1] == '\n' || text.ptr[n - 1] == '\r'))
			n--;
		if (forge_git_peek_join(&common, gitdir.ptr, text.ptr, n) < 0)
			goto out;
	} else {
		buf_puts(&common, gitdir.ptr);
	}
	/* Extensions change where refs and ids live: leave them to libgit2. */
	buf_reset(&path);
	buf_printf(&path, "%sconfig", common.ptr);
	if (forge_git_peek_file(&text, path.ptr, 1 << 20) < 0 ||
	    strcasestr(text.ptr, "refstorage") ||
	    strcasestr(text.ptr, "objectformat") ||
	    strcasestr(text.ptr, "bare = true"))
		goto out;
	buf_reset(&path);
	buf_printf(&path, "%sHEAD", gitdir.ptr);
	if (forge_git_peek_file(&text, path.ptr, 4096) < 0)
		goto out;
	while (text.len && (text.ptr[text.len - 1] == '\n' ||
			    text.ptr[text.len - 1] == '\r'))
		text.ptr[--text.len] = '\0';
	if (text.len == 40 && forge_git_peek_is_hex(text.ptr, 40)) {
		memcpy(id, text.ptr, 41);
	} else if (text.len > 5 && !strncmp(text.ptr, "ref: ", 5)) {
		if (forge_git_peek_ref(gitdir.ptr, common.ptr, text.ptr + 5, id,
				       0) < 0)
			goto out;
	} else {
		goto out;
	}
	buf_reset(workdir);
	buf_puts(workdir, top.ptr);
	buf_reset(commondir);
	buf_puts(commondir, common.ptr);
	memcpy(hex, id, 41);
	error = 0;
out:
	free(at);
	buf_release(&top);
	buf_release(&gitdir);
	buf_release(&common);
	buf_release(&text);
	buf_release(&path);
	return error;
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
	int value;

	if (forge_git_attr_bools_at(view, commit, path, &name, 1, &value) < 0)
		return 0;
	return value;
}

int forge_git_attr_bools_at(git_repository *view, const git_oid *commit,
			    const char *path, const char **names, size_t nr,
			    int *out)
{
	git_attr_options opts = GIT_ATTR_OPTIONS_INIT;
	const char *values[8];
	size_t i;

	if (nr > sizeof(values) / sizeof(values[0]))
		return -1;
	opts.flags = GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM |
		     GIT_ATTR_CHECK_INCLUDE_COMMIT;
	git_oid_cpy(&opts.attr_commit_id, commit);
	if (git_attr_get_many_ext(values, view, &opts, path, nr, names) < 0)
		return -1;
	for (i = 0; i < nr; i++)
		out[i] = forge_git_attr_value(values[i]);
	return 0;
}

int forge_git_path_in_commit(git_repository *repo, const git_oid *commit,
			     const char *path)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	int found = 0;

	if (!git_commit_lookup(&c, repo, commit) &&
	    !git_commit_tree(&tree, c) &&
	    !git_tree_entry_bypath(&entry, tree, path))
		found = 1;
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	return found;
}

int forge_git_diff_text(struct buf *out, git_repository *repo,
			const git_oid *a, const git_oid *b, struct buf *err)
{
	git_commit *ca = NULL, *cb = NULL;
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_buf text = GIT_BUF_INIT;
	int rc = 0;

	opts.context_lines = 3;
	if (git_commit_lookup(&ca, repo, a) < 0 ||
	    git_commit_lookup(&cb, repo, b) < 0 ||
	    git_commit_tree(&ta, ca) < 0 || git_commit_tree(&tb, cb) < 0 ||
	    git_diff_tree_to_tree(&diff, repo, ta, tb, &opts) < 0 ||
	    git_diff_to_buf(&text, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot diff %.12s..%.12s: %s",
			       git_oid_tostr_s(a), git_oid_tostr_s(b),
			       forge_git_errmsg());
		goto out;
	}
	buf_reset(out);
	buf_add(out, text.ptr ? text.ptr : "", text.size);
out:
	git_buf_dispose(&text);
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	git_commit_free(ca);
	git_commit_free(cb);
	return rc;
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
	git_remote_create_options cr = GIT_REMOTE_CREATE_OPTIONS_INIT;
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	git_strarray specs = { (char **)refspecs, nr };
	char *headers[1];
	int rc;

	forge_git_init_once();
	/*
	 * Anonymous, and without the repository's insteadOf rewrites: they
	 * could send the fetch, and the auth header the caller decided this
	 * URL may see, to another host.
	 */
	cr.repository = repo;
	cr.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		   GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, url, &cr) < 0)
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

/*
 * The writes. Paths first: every path that reaches the file system or a
 * commit has passed forge_git_path_ok() and forge_git_leading().
 */

void forge_git_paths_free(char **paths)
{
	size_t i;

	if (!paths)
		return;
	for (i = 0; paths[i]; i++)
		free(paths[i]);
	free(paths);
}

/*
 * 1 when `path` has a ".git" component in any case (on a case-insensitive
 * checkout ".GIT" is .git; git refuses them all).
 */
static int forge_git_in_dotgit(const char *path)
{
	const char *p = path;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 4 && !strncasecmp(p, ".git", 4))
			return 1;
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

/*
 * 1 for a path tend may write or commit: relative, '/'-separated, no
 * empty, "." or ".." component, no ".git" component, no backslash (a
 * separator on the other side of a Windows checkout).
 */
static int forge_git_path_ok(const char *path)
{
	const char *p = path, *slash;
	size_t n;

	if (!path || !*path || *path == '/' || strchr(path, '\\') ||
	    forge_git_in_dotgit(path))
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

static int forge_git_bad_path(struct buf *err, const char *path)
{
	return error_set(err, TEND_EINVALID, "refusing the path '%s': it must "
			 "be relative, inside the work tree and outside .git",
			 path ? path : "");
}

enum {
	FORGE_GIT_LEAD_OK,	/* every leading directory is a directory */
	FORGE_GIT_LEAD_MISSING,	/* one does not exist */
	FORGE_GIT_LEAD_BLOCKED	/* one is a file or a symbolic link */
};

/*
 * Look at the leading directories of `path` in the work tree, with
 * lstat(): a symbolic link there is a leaf, never a way through (it could
 * lead out of the work tree). `full` gets workdir + path. Returns a
 * FORGE_GIT_LEAD_* value, and in *at the length of the first component
 * that is missing or blocked; negative when lstat() fails otherwise.
 */
static int forge_git_leading(struct buf *full, size_t *at,
			     const char *workdir, const char *path,
			     struct buf *err)
{
	const char *slash;
	struct stat st;
	size_t base;

	buf_reset(full);
	buf_puts(full, workdir);
	base = full->len;
	buf_puts(full, path);
	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		full->ptr[base + (size_t)(slash - path)] = '\0';
		if (lstat(full->ptr, &st) < 0) {
			int e = errno;

			full->ptr[base + (size_t)(slash - path)] = '/';
			*at = (size_t)(slash - path);
			if (e == ENOENT)
				return FORGE_GIT_LEAD_MISSING;
			return error_set(err, TEND_ERROR,
					 "cannot look at '%.*s': %s", (int)*at,
					 path, strerror(e));
		}
		full->ptr[base + (size_t)(slash - path)] = '/';
		if (!S_ISDIR(st.st_mode)) {
			*at = (size_t)(slash - path);
			return FORGE_GIT_LEAD_BLOCKED;
		}
	}
	return FORGE_GIT_LEAD_OK;
}

static int forge_git_commit_tree(git_commit **c, git_tree **tree,
				 git_repository *repo, const git_oid *id,
				 struct buf *err)
{
	if (git_commit_lookup(c, repo, id) < 0 || git_commit_tree(tree, *c) < 0)
		return error_set(err, TEND_ERROR,
				 "cannot read commit %.12s: %s",
				 git_oid_tostr_s(id), forge_git_errmsg());
	return 0;
}

static int forge_git_path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define FORGE_GIT_WORKTREE_FLAGS (GIT_DIFF_INCLUDE_UNTRACKED | \
	GIT_DIFF_RECURSE_UNTRACKED_DIRS | GIT_DIFF_INCLUDE_TYPECHANGE)

/*
 * The diff of `tree` against the work tree. When the index holds exactly
 * `tree` (the usual case: the checkout of the commit tend started from),
 * the index serves as the stat cache and unchanged files are not read;
 * otherwise every file is compared by content.
 */
static int forge_git_worktree_diff(git_diff **out, git_repository *repo,
				   git_tree *tree)
{
	git_diff_options o = GIT_DIFF_OPTIONS_INIT;
	git_diff *staged = NULL;
	git_index *index = NULL;
	int rc;

	o.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
	if (git_repository_index(&index, repo) == 0 &&
	    git_diff_tree_to_index(&staged, repo, tree, index, &o) == 0 &&
	    git_diff_num_deltas(staged) == 0) {
		o.flags = FORGE_GIT_WORKTREE_FLAGS;
		rc = git_diff_index_to_workdir(out, repo, index, &o);
	} else {
		o.flags = FORGE_GIT_WORKTREE_FLAGS;
		rc = git_diff_tree_to_workdir(out, repo, tree, &o);
	}
	git_diff_free(staged);
	git_index_free(index);
	return rc;
}

int forge_git_worktree_add(git_repository *repo, const char *name,
			   const char *path, const git_oid *commit,
			   struct buf *err)
{
	git_worktree_add_options wo = GIT_WORKTREE_ADD_OPTIONS_INIT;
	git_reference *branch = NULL;
	git_worktree *wt = NULL;
	git_commit *c = NULL;
	const char *p;
	int rc = 0;

	forge_git_init_once();
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      (*p == '.' && p != name)))
			return error_set(err, TEND_EINVALID, "'%s' is not a "
					 "work tree name", name);
	if (!*name)
		return error_set(err, TEND_EINVALID, "no work tree name");
	if (git_commit_lookup(&c, repo, commit) < 0 ||
	    git_branch_create(&branch, repo, name, c, 1) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot make branch '%s' at "
			       "%.12s: %s", name, git_oid_tostr_s(commit),
			       forge_git_errmsg());
		goto out;
	}
	wo.ref = branch;
	if (git_worktree_add(&wt, repo, name, path, &wo) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot check %.12s out in "
			       "'%s': %s", git_oid_tostr_s(commit), path,
			       forge_git_errmsg());
		goto out;
	}
out:
	git_worktree_free(wt);
	git_reference_free(branch);
	git_commit_free(c);
	return rc;
}

static int forge_git_rm_entry(const char *path, const struct stat *st,
			      int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int forge_git_worktree_drop(git_repository *repo, const char *name,
			    struct buf *err)
{
	git_worktree_prune_options po = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
	git_reference *branch = NULL;
	git_worktree *wt = NULL;
	int rc = 0;

	forge_git_init_once();
	if (git_worktree_lookup(&wt, repo, name) == 0) {
		const char *path = git_worktree_path(wt);

		/* Whatever a command left there goes too, depth first. */
		if (path && nftw(path, forge_git_rm_entry, 16,
				 FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
			rc = error_set(err, TEND_ERROR, "cannot remove '%s': "
				       "%s", path, strerror(errno));
		po.flags = GIT_WORKTREE_PRUNE_VALID |
			   GIT_WORKTREE_PRUNE_LOCKED |
			   GIT_WORKTREE_PRUNE_WORKING_TREE;
		if (git_worktree_prune(wt, &po) < 0 && rc == 0)
			rc = error_set(err, TEND_ERROR, "cannot prune work "
				       "tree '%s': %s", name,
				       forge_git_errmsg());
	}
	/*
	 * The branch is deleted as a reference: git_branch_delete would
	 * also drop its config section, and libgit2 1.5 leaks a PCRE2
	 * match block for every config entry the section's pattern
	 * misses. tend never writes config for these branches.
	 */
	if (git_branch_lookup(&branch, repo, name, GIT_BRANCH_LOCAL) == 0 &&
	    git_reference_delete(branch) < 0 && rc == 0)
		rc = error_set(err, TEND_ERROR, "cannot delete branch '%s': "
			       "%s", name, forge_git_errmsg());
	git_reference_free(branch);
	git_worktree_free(wt);
	return rc;
}

int forge_git_delete_ref(git_repository *repo, const char *name,
			 struct buf *err)
{
	int rc;

	forge_git_init_once();
	if ((rc = git_reference_remove(repo, name)) < 0 &&
	    rc != GIT_ENOTFOUND)
		return error_set(err, TEND_ERROR, "cannot delete '%s': %s",
				 name, forge_git_errmsg());
	return 0;
}

int forge_git_worktree_at(git_repository **out, git_repository *repo,
			  const git_oid *commit, const char *dir,
			  const char *index_path, struct buf *err)
{
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
	git_repository *view = NULL;
	git_index *index = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int rc;

	*out = NULL;
	forge_git_init_once();
	/*
	 * A bare handle on the same git directory, given `dir` as its work
	 * tree and an index file of its own: the checkout's index and HEAD
	 * stay as they are, and the new index becomes the stat cache of the
	 * new work tree once the checkout below has filled it.
	 */
	if (git_repository_open_bare(&view, git_repository_path(repo)) < 0 ||
	    git_repository_set_workdir(view, dir, 0) < 0 ||
	    git_index_open(&index, index_path) < 0 ||
	    git_repository_set_index(view, index) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot open a work tree in "
			       "'%s': %s", dir, forge_git_errmsg());
		goto out;
	}
	if ((rc = forge_git_commit_tree(&c, &tree, view, commit, err)) < 0)
		goto out;
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (git_checkout_tree(view, (const git_object *)tree, &co) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot check %.12s out in "
			       "'%s': %s", git_oid_tostr_s(commit), dir,
			       forge_git_errmsg());
		goto out;
	}
	*out = view;
	view = NULL;
	rc = 0;
out:
	git_index_free(index);
	git_tree_free(tree);
	git_commit_free(c);
	git_repository_free(view);
	return rc;
}

int forge_git_changed_paths(char ***out, size_t *nr, git_repository *repo,
			    const git_oid *base, struct buf *err)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	char **paths = NULL;
	size_t i, n = 0, deltas;
	int rc;

	forge_git_init_once();
	if (!git_repository_workdir(repo))
		return error_set(err, TEND_EINVALID, "the repository has no "
				 "work tree");
	if ((rc = forge_git_commit_tree(&c, &tree, repo, base, err)) < 0)
		goto out;
	if (forge_git_worktree_diff(&diff, repo, tree) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot compare the work tree "
			       "with %.12s: %s", git_oid_tostr_s(base),
			       forge_git_errmsg());
		goto out;
	}
	deltas = git_diff_num_deltas(diff);
	paths = xmalloc((deltas + 1) * sizeof(*paths));
	for (i = 0; i < deltas; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->new_file.path ? d->new_file.path :
						      d->old_file.path;
		size_t len = strlen(path);

		if (d->status == GIT_DELTA_UNMODIFIED ||
		    d->status == GIT_DELTA_IGNORED ||
		    d->status == GIT_DELTA_UNREADABLE)
			continue;
		/* Submodules, and nested repositories ("dir/"). */
		if (d->old_file.mode == GIT_FILEMODE_COMMIT ||
		    d->new_file.mode == GIT_FILEMODE_COMMIT ||
		    !len || path[len - 1] == '/' || forge_git_in_dotgit(path))
			continue;
		paths[n++] = xstrdup(path);
	}
	qsort(paths, n, sizeof(*paths), forge_git_path_cmp);
	/* A type change may come as a deletion and an addition. */
	if (n > 1) {
		size_t j = 1;

		for (i = 1; i < n; i++) {
			if (!strcmp(paths[i], paths[j - 1]))
				free(paths[i]);
			else
				paths[j++] = paths[i];
		}
		n = j;
	}
	paths[n] = NULL;
	*out = paths;
	*nr = n;
	paths = NULL;
	rc = 0;
out:
	forge_git_paths_free(paths);
	git_diff_free(diff);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

/* nftw() callback: remove what it is given, children first. */
static int forge_git_rm_one(const char *path, const struct stat *st,
			    int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

/* Remove `full` (a directory with its contents, links not followed). */
static int forge_git_remove(const char *full, const char *path,
			    struct buf *err)
{
	struct stat st;

	if (lstat(full, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, TEND_ERROR, "cannot look at '%s': %s",
				 path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		if (nftw(full, forge_git_rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
			return error_set(err, TEND_ERROR, "cannot remove the "
					 "directory '%s': %s", path,
					 strerror(errno));
		return 0;
	}
	if (unlink(full) < 0)
		return error_set(err, TEND_ERROR, "cannot remove '%s': %s",
				 path, strerror(errno));
	return 0;
}

/* Make the missing leading directories of `path` (none is a link). */
static int forge_git_mkdirs(const char *workdir, const char *path,
			    struct buf *err)
{
	struct buf dir = BUF_INIT;
	const char *slash;
	struct stat st;
	int rc = 0;

	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		buf_reset(&dir);
		buf_puts(&dir, workdir);
		buf_add(&dir, path, (size_t)(slash - path));
		if (mkdir(dir.ptr, 0777) == 0)
			continue;
		if (errno != EEXIST || lstat(dir.ptr, &st) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			rc = error_set(err, TEND_EINVALID,
				       "cannot restore '%s': '%.*s' is not a "
				       "directory", path, (int)(slash - path),
				       path);
			break;
		}
	}
	buf_release(&dir);
	return rc;
}

/* Write `blob` (a file or a link, per `mode`) at `full`, replacing it. */
static int forge_git_write_entry(const char *full, const char *path,
				 git_blob *blob, git_filemode_t mode,
				 struct buf *err)
{
	git_blob_filter_options fo = GIT_BLOB_FILTER_OPTIONS_INIT;
	git_buf content = GIT_BUF_INIT;
	struct buf tmp = BUF_INIT, target = BUF_INIT;
	const char *what = "write";
	int fd = -1, rc = 0;

	buf_printf(&tmp, "%s.tend-restore-%ld", full, (long)getpid());
	unlink(tmp.ptr);
	if (mode == GIT_FILEMODE_LINK) {
		if (buf_add(&target, git_blob_rawcontent(blob),
			    (size_t)git_blob_rawsize(blob)) < 0 ||
		    memchr(target.ptr, '\0', target.len)) {
			rc = error_set(err, TEND_EINVALID,
				       "cannot restore '%s': the link's target "
				       "is not a path", path);
			goto out;
		}
		what = "link";
		if (symlink(target.ptr, tmp.ptr) < 0)
			goto fail;
	} else {
		/* Smudged for the work tree as a checkout writes it. */
		if (git_blob_filter(&content, blob, path, &fo) < 0) {
			rc = error_set(err, TEND_ERROR,
				       "cannot restore '%s': %s", path,
				       forge_git_errmsg());
			goto out;
		}
		fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			  O_CLOEXEC, mode == GIT_FILEMODE_BLOB_EXECUTABLE ?
			  0777 : 0666);
		if (fd < 0)
			goto fail;
		{
			const char *p = content.ptr;
			size_t left = content.size;

			while (left) {
				ssize_t w = write(fd, p, left);

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					goto fail;
				p += w;
				left -= (size_t)w;
			}
		}
		if (close(fd) < 0) {
			fd = -1;
			goto fail;
		}
		fd = -1;
	}
	if ((rc = forge_git_remove(full, path, err)) < 0)
		goto out;
	what = "rename";
	if (rename(tmp.ptr, full) < 0)
		goto fail;
	goto out;
fail:
	rc = error_set(err, TEND_ERROR, "cannot restore '%s' (%s): %s", path,
		       what, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp.ptr);
	git_buf_dispose(&content);
	buf_release(&target);
	buf_release(&tmp);
	return rc;
}

/* 1 when `path` or one of its leading directories is a submodule. */
static int forge_git_tree_submodule(git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	struct buf prefix = BUF_INIT;
	const char *slash = path;
	int found = 0;

	while (!found && slash) {
		slash = strchr(slash + (slash != path), '/');
		buf_reset(&prefix);
		if (slash)
			buf_add(&prefix, path, (size_t)(slash - path));
		else
			buf_puts(&prefix, path);
		if (git_tree_entry_bypath(&e, tree, prefix.ptr) < 0) {
			git_error_clear();
			break;
		}
		found = git_tree_entry_type(e) == GIT_OBJECT_COMMIT;
		git_tree_entry_free(e);
		e = NULL;
	}
	buf_release(&prefix);
	return found;
}

int forge_git_restore_path(git_repository *repo, const git_oid *base,
			   const char *path, struct buf *err)
{
	const char *workdir = git_repository_workdir(repo);
	struct buf full = BUF_INIT;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	size_t at = 0;
	int rc, lead;

	forge_git_init_once();
	if (!workdir)
		return error_set(err, TEND_EINVALID, "the repository has no "
				 "work tree");
	if (!forge_git_path_ok(path))
		return forge_git_bad_path(err, path);
	if ((rc = forge_git_commit_tree(&c, &tree, repo, base, err)) < 0)
		goto out;
	if ((lead = forge_git_leading(&full, &at, workdir, path, err)) < 0) {
		rc = lead;
		goto out;
	}
	if (forge_git_tree_submodule(tree, path)) {
		rc = error_set(err, TEND_EINVALID, "cannot restore '%s': it is "
			       "a submodule or inside one", path);
		goto out;
	}
	if (git_tree_entry_bypath(&entry, tree, path) < 0)
		git_error_clear();
	if (!entry || git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		struct stat st;

		/*
		 * Not a file in base: whatever is there goes, unless base
		 * has a directory there and the work tree too.
		 */
		if (lead != FORGE_GIT_LEAD_OK)
			goto out;
		if (entry && lstat(full.ptr, &st) == 0 && S_ISDIR(st.st_mode))
			goto out;
		rc = forge_git_remove(full.ptr, path, err);
		goto out;
	}
	if (lead == FORGE_GIT_LEAD_BLOCKED) {
		rc = error_set(err, TEND_EINVALID,
			       "cannot restore '%s': '%.*s' is in the way (not "
			       "a directory); restore it first", path, (int)at,
			       path);
		goto out;
	}
	if (lead == FORGE_GIT_LEAD_MISSING &&
	    (rc = forge_git_mkdirs(workdir, path, err)) < 0)
		goto out;
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot read '%s' of %.12s: %s",
			       path, git_oid_tostr_s(base), forge_git_errmsg());
		goto out;
	}
	rc = forge_git_write_entry(full.ptr, path, blob,
				   git_tree_entry_filemode(entry), err);
out:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	buf_release(&full);
	return rc < 0 ? rc : 0;
}

/* One path of a commit: its new index entry, or its removal. */
struct forge_git_staged {
	git_index_entry entry;
	int removed;
};

static void forge_git_entry_stat(git_index_entry *e, const struct stat *st)
{
	e->ctime.seconds = (int32_t)st->st_ctim.tv_sec;
	e->ctime.nanoseconds = (uint32_t)st->st_ctim.tv_nsec;
	e->mtime.seconds = (int32_t)st->st_mtim.tv_sec;
	e->mtime.nanoseconds = (uint32_t)st->st_mtim.tv_nsec;
	e->dev = (uint32_t)st->st_dev;
	e->ino = (uint32_t)st->st_ino;
	e->uid = (uint32_t)st->st_uid;
	e->gid = (uint32_t)st->st_gid;
	e->file_size = (uint32_t)st->st_size;
}

/* 1 when `path` or one of its leading directories is a submodule. */
static int forge_git_in_submodule(git_index *idx, const char *path)
{
	const git_index_entry *e;
	struct buf prefix = BUF_INIT;
	const char *slash = path;
	int found = 0;

	while (!found && slash) {
		slash = strchr(slash + (slash != path), '/');
		buf_reset(&prefix);
		if (slash)
			buf_add(&prefix, path, (size_t)(slash - path));
		else
			buf_puts(&prefix, path);
		e = git_index_get_bypath(idx, prefix.ptr, 0);
		found = e && e->mode == GIT_FILEMODE_COMMIT;
	}
	buf_release(&prefix);
	return found;
}

/*
 * Take `path` from the work tree into `idx` (holding the parent's tree):
 * a file or a link becomes a blob with the work tree's mode; a path that
 * is missing, is a directory, or lies beyond a link or a file is removed.
 */
static int forge_git_stage(struct forge_git_staged *out, git_index *idx,
			   git_repository *repo, const char *workdir,
			   const char *path, struct buf *err)
{
	struct buf full = BUF_INIT;
	struct stat st;
	size_t at;
	int rc = 0, lead;

	memset(out, 0, sizeof(*out));
	out->entry.path = path;
	if (forge_git_in_submodule(idx, path)) {
		rc = error_set(err, TEND_EINVALID, "cannot commit '%s': it is "
			       "a submodule or inside one", path);
		goto out;
	}
	if ((lead = forge_git_leading(&full, &at, workdir, path, err)) < 0) {
		rc = lead;
		goto out;
	}
	if (lead == FORGE_GIT_LEAD_OK && lstat(full.ptr, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			rc = error_set(err, TEND_ERROR, "cannot look at '%s': "
				       "%s", path, strerror(errno));
			goto out;
		}
		lead = FORGE_GIT_LEAD_MISSING;
	}
	if (lead != FORGE_GIT_LEAD_OK || S_ISDIR(st.st_mode)) {
		out->removed = 1;
		if (git_index_remove(idx, path, 0) < 0)
			git_error_clear();
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		rc = error_set(err, TEND_EINVALID, "cannot commit '%s': it is "
			       "neither a file nor a symbolic link", path);
		goto out;
	}
	if (git_blob_create_from_workdir(&out->entry.id, repo, path) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot store '%s': %s", path,
			       forge_git_errmsg());
		goto out;
	}
	forge_git_entry_stat(&out->entry, &st);
	if (S_ISLNK(st.st_mode))
		out->entry.mode = GIT_FILEMODE_LINK;
	else if (st.st_mode & S_IXUSR)
		out->entry.mode = GIT_FILEMODE_BLOB_EXECUTABLE;
	else
		out->entry.mode = GIT_FILEMODE_BLOB;
	if (git_index_add(idx, &out->entry) < 0)
		rc = error_set(err, TEND_ERROR, "cannot add '%s': %s", path,
			       forge_git_errmsg());
out:
	buf_release(&full);
	return rc;
}

/*
 * Move `update_ref` from `parent` to `commit` (compare-and-swap). Sets
 * *head when the ref moved is HEAD or the branch HEAD is on.
 */
static int forge_git_move_ref(int *head, git_repository *repo,
			      const char *update_ref, const git_oid *parent,
			      const git_oid *commit, const char *message,
			      struct buf *err)
{
	git_reference *h = NULL, *ref = NULL, *now = NULL;
	const char *name = update_ref, *head_target = NULL;
	struct buf log = BUF_INIT;
	int rc = 0, valid = 0;
	size_t subject;

	*head = 0;
	if (git_reference_lookup(&h, repo, "HEAD") == 0 &&
	    git_reference_type(h) == GIT_REFERENCE_SYMBOLIC)
		head_target = git_reference_symbolic_target(h);
	if (!strcmp(update_ref, "HEAD")) {
		*head = 1;
		if (head_target)
			name = head_target;
	} else if (strncmp(update_ref, "refs/", 5) ||
		   git_reference_name_is_valid(&valid, update_ref) < 0 ||
		   !valid) {
		rc = error_set(err, TEND_EINVALID, "not a full ref name: '%s'",
			       update_ref);
		goto out;
	} else if (head_target && !strcmp(head_target, update_ref)) {
		*head = 1;
	}
	subject = strcspn(message, "\n");
	buf_printf(&log, "commit: %.*s", (int)subject, message);
	rc = git_reference_create_matching(&ref, repo, name, commit, 1, parent,
					   log.ptr);
	if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND) {
		if (git_reference_lookup(&now, repo, name) < 0) {
			rc = error_set(err, TEND_ENOTFOUND, "cannot move '%s': "
				       "it does not exist", name);
		} else {
			char want[GIT_OID_HEXSZ + 1];
			git_oid at;

			git_oid_tostr(want, sizeof(want), parent);
			if (git_reference_name_to_id(&at, repo, name) < 0)
				memset(&at, 0, sizeof(at));
			rc = error_set(err, FORGE_GIT_EMOVED,
				       "'%s' moved: it is at %.12s, not at "
				       "%.12s where the commit was made", name,
				       git_oid_tostr_s(&at), want);
		}
	} else if (rc < 0) {
		rc = error_set(err, TEND_ERROR, "cannot move '%s': %s", name,
			       forge_git_errmsg());
	}
out:
	git_reference_free(now);
	git_reference_free(ref);
	git_reference_free(h);
	buf_release(&log);
	return rc < 0 ? rc : 0;
}

/* Bring the repository's index in line with the staged paths. */
static int forge_git_sync_index(git_repository *repo,
				const struct forge_git_staged *staged,
				size_t nr, struct buf *err)
{
	git_index *index = NULL;
	size_t i;
	int rc = 0;

	if (git_repository_index(&index, repo) < 0 ||
	    git_index_read(index, 0) < 0)
		goto fail;
	for (i = 0; i < nr; i++) {
		if (staged[i].removed) {
			if (git_index_remove_bypath(index,
						    staged[i].entry.path) < 0)
				goto fail;
		} else if (git_index_add(index, &staged[i].entry) < 0) {
			goto fail;
		}
	}
	if (git_index_write(index) < 0)
		goto fail;
	goto out;
fail:
	rc = error_set(err, TEND_ERROR, "the commit is made and the branch "
		       "moved, but the index could not be updated: %s",
		       forge_git_errmsg());
out:
	git_index_free(index);
	return rc;
}

int forge_git_commit(git_oid *out, git_repository *repo, const git_oid *parent,
		     const struct forge_git_commit_opts *opts, struct buf *err)
{
	const char *workdir = git_repository_workdir(repo);
	const char *const *paths = opts->paths;
	char **changed = NULL;
	size_t nr = opts->nr_paths, i;
	struct forge_git_staged *staged = NULL;
	git_commit *pc = NULL;
	git_tree *ptree = NULL, *tree = NULL;
	git_index *idx = NULL;
	git_signature *sig = NULL;
	struct buf msg = BUF_INIT;
	git_oid tree_id, id;
	int rc, head = 0;

	forge_git_init_once();
	if (!workdir)
		return error_set(err, TEND_EINVALID, "the repository has no "
				 "work tree");
	if (!opts->message || !*opts->message || !opts->name || !opts->email)
		return error_set(err, TEND_EINVALID,
				 "a commit needs a message, a name and an "
				 "email");
	if ((rc = forge_git_commit_tree(&pc, &ptree, repo, parent, err)) < 0)
		goto out;
	if (!paths) {
		rc = forge_git_changed_paths(&changed, &nr, repo, parent, err);
		if (rc < 0)
			goto out;
		paths = (const char *const *)changed;
	}
	for (i = 0; i < nr; i++)
		if (!forge_git_path_ok(paths[i])) {
			rc = forge_git_bad_path(err, paths[i]);
			goto out;
		}
	if (git_index_new(&idx) < 0 || git_index_read_tree(idx, ptree) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot build the commit's "
			       "tree: %s", forge_git_errmsg());
		goto out;
	}
	staged = xmalloc((nr ? nr : 1) * sizeof(*staged));
	for (i = 0; i < nr; i++)
		if ((rc = forge_git_stage(&staged[i], idx, repo, workdir,
					  paths[i], err)) < 0)
			goto out;
	if (git_index_write_tree_to(&tree_id, idx, repo) < 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot write the commit's "
			       "tree: %s", forge_git_errmsg());
		goto out;
	}
	if (git_oid_equal(&tree_id, git_tree_id(ptree))) {
		rc = error_set(err, TEND_EINVALID,
			       "nothing to commit: the work tree's changes "
			       "leave %.12s's tree as it is",
			       git_oid_tostr_s(parent));
		goto out;
	}
	if (git_signature_now(&sig, opts->name, opts->email) < 0) {
		rc = error_set(err, TEND_EINVALID,
			       "invalid identity '%s <%s>': %s", opts->name,
			       opts->email, forge_git_errmsg());
		goto out;
	}
	buf_puts(&msg, opts->message);
	if (msg.ptr[msg.len - 1] != '\n')
		buf_putc(&msg, '\n');
	if (git_commit_create(&id, repo, NULL, sig, sig, NULL, msg.ptr, tree, 1,
			      (const git_commit **)&pc) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot create the commit: %s",
			       forge_git_errmsg());
		goto out;
	}
	if (opts->update_ref) {
		rc = forge_git_move_ref(&head, repo, opts->update_ref, parent,
					&id, msg.ptr, err);
		if (rc < 0)
			goto out;
		if (head && (rc = forge_git_sync_index(repo, staged, nr,
						       err)) < 0)
			goto out;
	}
	git_oid_cpy(out, &id);
	rc = 0;
out:
	buf_release(&msg);
	git_signature_free(sig);
	git_index_free(idx);
	git_tree_free(tree);
	git_tree_free(ptree);
	git_commit_free(pc);
	free(staged);
	forge_git_paths_free(changed);
	return rc;
}

int forge_git_commit_message(char **out, git_repository *repo,
			     const git_oid *commit, struct buf *err)
{
	git_commit *c = NULL;
	const char *msg;
	int parents;

	forge_git_init_once();
	if (git_commit_lookup(&c, repo, commit) < 0)
		return error_set(err, TEND_ERROR,
				 "cannot read commit %.12s: %s",
				 git_oid_tostr_s(commit), forge_git_errmsg());
	msg = git_commit_message(c);
	*out = xstrdup(msg ? msg : "");
	parents = (int)git_commit_parentcount(c);
	git_commit_free(c);
	return parents;
}

int forge_git_first_parent(git_oid *out, git_repository *repo,
			   const git_oid *commit)
{
	git_commit *c = NULL;
	int rc = 0;

	forge_git_init_once();
	if (git_commit_lookup(&c, repo, commit) < 0)
		return TEND_ERROR;
	if (git_commit_parentcount(c) == 0)
		rc = TEND_ENOTFOUND;
	else
		git_oid_cpy(out, git_commit_parent_id(c, 0));
	git_commit_free(c);
	return rc;
}

/*
 * The push. Origins are compared as parsed parts, never as strings, and
 * anything unusual (userinfo, percent-escapes, a port that is not a plain
 * number) makes a URL match nothing: the token is withheld on any doubt.
 */
struct forge_git_origin {
	char scheme[6];		/* "http" or "https" */
	char host[256];		/* lower case; IPv6 without brackets */
	unsigned port;		/* 80 or 443 when the URL names none */
};

static int forge_git_parse_origin(struct forge_git_origin *o, const char *url,
				  const char **rest)
{
	const char *p, *end, *host, *host_end, *q;
	size_t n, i;

	memset(o, 0, sizeof(*o));
	if (!strncasecmp(url, "https://", 8)) {
		memcpy(o->scheme, "https", 6);
		o->port = 443;
		p = url + 8;
	} else if (!strncasecmp(url, "http://", 7)) {
		memcpy(o->scheme, "http", 5);
		o->port = 80;
		p = url + 7;
	} else {
		return -1;
	}
	end = p + strcspn(p, "/?#");
	for (q = p; q < end; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f ||
		    *q == '@' || *q == '\\' || *q == '%')
			return -1;
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end)
			return -1;
		for (q = host; q < host_end; q++)
			if (!strchr("0123456789abcdefABCDEF:.", *q))
				return -1;
		q = host_end + 1;
	} else {
		host = p;
		host_end = memchr(p, ':', (size_t)(end - p));
		if (!host_end)
			host_end = end;
		for (q = host; q < host_end; q++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-._", *q))
				return -1;
		q = host_end;
	}
	n = (size_t)(host_end - host);
	if (!n || n >= sizeof(o->host))
		return -1;
	for (i = 0; i < n; i++) {
		char c = host[i];

		o->host[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (q < end) {
		unsigned port = 0;

		if (*q++ != ':' || q == end || end - q > 5)
			return -1;
		for (; q < end; q++) {
			if (*q < '0' || *q > '9')
				return -1;
			port = port * 10 + (unsigned)(*q - '0');
		}
		if (!port || port > 65535)
			return -1;
		o->port = port;
	}
	*rest = end;
	return 0;
}

int forge_git_same_origin(const char *url, const char *origin)
{
	struct forge_git_origin a, b;
	const char *ra, *rb;

	if (!url || !origin || forge_git_parse_origin(&a, url, &ra) < 0 ||
	    forge_git_parse_origin(&b, origin, &rb) < 0)
		return 0;
	if (*rb && *rb != '/')
		return 0;	/* a query or a fragment: not an origin */
	return !strcmp(a.scheme, b.scheme) && !strcmp(a.host, b.host) &&
	       a.port == b.port;
}

/*
 * Append `text` to `out` without what must not be shown: the userinfo of
 * any URL in it ("https://user:secret@host" becomes "https://host") and
 * every occurrence of `token`.
 */
static void forge_git_scrub(struct buf *out, const char *text,
			    const char *token)
{
	const char *p = text;
	size_t start = out->len;

	while (*p) {
		const char *sep = strstr(p, "://"), *at;
		size_t n;

		if (!sep) {
			buf_puts(out, p);
			break;
		}
		buf_add(out, p, (size_t)(sep + 3 - p));
		p = sep + 3;
		n = strcspn(p, "/?# \t\r\n'\"<>");
		at = memrchr(p, '@', n);
		if (at)
			p = at + 1;
	}
	if (token && *token && out->len > start) {
		struct buf tail = BUF_INIT;

		buf_add(&tail, out->ptr + start, out->len - start);
		buf_replace_all(&tail, token, "***");
		buf_truncate(out, start);
		buf_add(out, tail.ptr, tail.len);
		buf_release(&tail);
	}
}

/* A URL tend pushes to: https, or http to the loopback address (tests). */
static int forge_git_push_url_ok(const char *url)
{
	struct forge_git_origin o;
	const char *rest;

	if (forge_git_parse_origin(&o, url, &rest) < 0)
		return 0;
	if (!strcmp(o.scheme, "https"))
		return 1;
	return !strcmp(o.host, "127.0.0.1") || !strcmp(o.host, "::1");
}

static unsigned forge_git_push_seq;

struct forge_git_push_state {
	const struct forge_git_push_opts *o;
	int asked;		/* credential requests on this connection */
	int withheld;		/* a request for another origin */
	int unusable;		/* a request for another kind (not Basic) */
	int replayed;		/* asked again: the token was refused */
	int stale;		/* the update's old value was not the lease */
	int reported;		/* the server reported on our ref */
	int rejected;		/* ... and refused the update */
	struct buf status;	/* the server's reason, scrubbed */
};

/*
 * libgit2 asks when the server answers 401. The token goes only to the
 * forge's origin, as a username/password pair, and only once per
 * connection: a second request means the server refused it, and asking
 * again would loop.
 */
static int forge_git_push_credential(git_credential **out, const char *url,
				     const char *username_from_url,
				     unsigned int allowed, void *payload)
{
	struct forge_git_push_state *s = payload;

	(void)username_from_url;
	if (!forge_git_same_origin(url, s->o->allowed_origin)) {
		s->withheld = 1;
		git_error_set_str(GIT_ERROR_CALLBACK, "credentials withheld");
		return GIT_EUSER;
	}
	if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT)) {
		s->unusable = 1;
		git_error_set_str(GIT_ERROR_CALLBACK, "credentials unusable");
		return GIT_EUSER;
	}
	if (s->asked++) {
		s->replayed = 1;
		git_error_set_str(GIT_ERROR_CALLBACK, "credentials refused");
		return GIT_EUSER;
	}
	return git_credential_userpass_plaintext_new(out, s->o->username,
						     s->o->token);
}

/* The update libgit2 is about to send must be exactly the lease's. */
static int forge_git_push_negotiation(const git_push_update **updates,
				      size_t len, void *payload)
{
	struct forge_git_push_state *s = payload;

	if (len != 1 || strcmp(updates[0]->dst_refname, s->o->refname) ||
	    !git_oid_equal(&updates[0]->src, s->o->expected) ||
	    !git_oid_equal(&updates[0]->dst, s->o->commit)) {
		s->stale = 1;
		git_error_set_str(GIT_ERROR_CALLBACK, "the update is not the "
				  "lease's");
		return GIT_EUSER;
	}
	return 0;
}

static int forge_git_push_status(const char *refname, const char *status,
				 void *payload)
{
	struct forge_git_push_state *s = payload;

	if (strcmp(refname, s->o->refname))
		return 0;
	s->reported = 1;
	if (status) {
		s->rejected = 1;
		buf_reset(&s->status);
		forge_git_scrub(&s->status, status, s->o->token);
	}
	return 0;
}

static void forge_git_push_callbacks(git_remote_callbacks *cb,
				     struct forge_git_push_state *s)
{
	cb->credentials = forge_git_push_credential;
	cb->push_negotiation = forge_git_push_negotiation;
	cb->push_update_reference = forge_git_push_status;
	cb->payload = s;
}

/* The error of a failed connection or upload, classified. */
static int forge_git_push_error(struct forge_git_push_state *s, int rc,
				const char *url, const char *doing,
				struct buf *err)
{
	struct buf msg = BUF_INIT, origin = BUF_INIT;
	int code;

	forge_git_scrub(&msg, forge_git_errmsg(), s->o->token);
	forge_git_scrub(&origin, s->o->allowed_origin, s->o->token);
	if (s->withheld)
		code = error_set(err, TEND_EAUTH, "the token was withheld from "
				 "'%s': it is given only to the forge's origin "
				 "'%s'", url, origin.ptr);
	else if (s->unusable)
		code = error_set(err, TEND_EAUTH, "'%s' asks for a kind of "
				 "credential other than a username and a "
				 "token", url);
	else if (s->replayed || rc == GIT_EAUTH || strstr(msg.ptr, " 401"))
		code = error_set(err, TEND_EAUTH, "'%s' refused the token "
				 "(HTTP 401): is it valid, and for this forge?",
				 url);
	else if (strstr(msg.ptr, " 403"))
		code = error_set(err, TEND_EAUTH, "the token may not push to "
				 "'%s' (HTTP 403)", url);
	else
		code = error_set(err, TEND_ERROR, "%s '%s' failed: %s", doing,
				 url, msg.ptr);
	buf_release(&origin);
	buf_release(&msg);
	return code;
}

/* Connect for a push and read refname's value (*found = 0: no such ref). */
static int forge_git_push_ls(git_oid *at, int *found, git_remote *remote,
			     struct forge_git_push_state *s, const char *url,
			     struct buf *err)
{
	git_remote_connect_options co = GIT_REMOTE_CONNECT_OPTIONS_INIT;
	const git_remote_head **heads;
	size_t n, i;
	int rc;

	forge_git_push_callbacks(&co.callbacks, s);
	co.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	s->asked = 0;
	if ((rc = git_remote_connect_ext(remote, GIT_DIRECTION_PUSH, &co)) < 0)
		return forge_git_push_error(s, rc, url, "connecting to", err);
	if ((rc = git_remote_ls(&heads, &n, remote)) < 0)
		return forge_git_push_error(s, rc, url, "listing the refs of",
					    err);
	*found = 0;
	memset(at, 0, sizeof(*at));
	for (i = 0; i < n; i++)
		if (!strcmp(heads[i]->name, s->o->refname)) {
			git_oid_cpy(at, &heads[i]->oid);
			*found = 1;
			break;
		}
	return 0;
}

static int forge_git_moved(struct buf *err, const struct forge_git_push_opts *o,
			   const git_oid *at, int found, const char *url,
			   const char *when)
{
	char want[GIT_OID_HEXSZ + 1];

	git_oid_tostr(want, sizeof(want), o->expected);
	if (!found)
		return error_set(err, FORGE_GIT_EMOVED, "the branch moved%s: "
				 "'%s' no longer exists on '%s' (tend started "
				 "from %.12s); nothing was pushed", when,
				 o->refname, url, want);
	if (git_oid_is_zero(o->expected))
		return error_set(err, FORGE_GIT_EMOVED, "the branch moved%s: "
				 "'%s' already exists on '%s' (at %.12s); "
				 "nothing was pushed", when, o->refname, url,
				 git_oid_tostr_s(at));
	return error_set(err, FORGE_GIT_EMOVED, "the branch moved%s: '%s' on "
			 "'%s' is at %.12s, not at %.12s where tend started; "
			 "nothing was pushed", when, o->refname, url,
			 git_oid_tostr_s(at), want);
}

/* Remove the directories the temporary ref left, when they are empty. */
static void forge_git_push_tidy(git_repository *repo)
{
	static const char *const dirs[] = {
		"refs/tend/push", "refs/tend", "logs/refs/tend/push",
		"logs/refs/tend"
	};
	struct buf path = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		buf_reset(&path);
		buf_printf(&path, "%s%s", git_repository_commondir(repo),
			   dirs[i]);
		rmdir(path.ptr);
	}
	buf_release(&path);
}

int forge_git_push_lease(git_repository *repo,
			 const struct forge_git_push_opts *o, struct buf *err)
{
	struct forge_git_push_state s;
	git_remote_create_options cr = GIT_REMOTE_CREATE_OPTIONS_INIT;
	git_push_options po = GIT_PUSH_OPTIONS_INIT;
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	git_commit *c = NULL;
	struct buf url = BUF_INIT, spec = BUF_INIT, tmpref = BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	char *specs[1];
	git_strarray refspecs = { specs, 1 };
	git_oid at;
	int rc, found, valid = 0;

	forge_git_init_once();
	memset(&s, 0, sizeof(s));
	s.o = o;
	buf_init(&s.status, 0);
	if (!o->url || !o->refname || !o->expected || !o->commit ||
	    !o->username || !o->token || !*o->token || !o->allowed_origin)
		return error_set(err, TEND_EINVALID,
				 "a push needs a URL, a ref, the expected and "
				 "the new commit, a username, a token and the "
				 "forge's origin");
	forge_git_scrub(&url, o->url, o->token);
	if (!forge_git_push_url_ok(o->url)) {
		rc = error_set(err, TEND_EINVALID, "refusing to push to '%s': "
			       "tend pushes over https (plain http only to "
			       "127.0.0.1), to a URL without user or password",
			       url.ptr);
		goto out;
	}
	if (strncmp(o->refname, "refs/", 5) ||
	    git_reference_name_is_valid(&valid, o->refname) < 0 || !valid) {
		rc = error_set(err, TEND_EINVALID, "not a full ref name: '%s'",
			       o->refname);
		goto out;
	}
	if (git_commit_lookup(&c, repo, o->commit) < 0) {
		rc = error_set(err, TEND_EINVALID, "cannot push %.12s: no such "
			       "commit in the repository",
			       git_oid_tostr_s(o->commit));
		goto out;
	}
	/*
	 * Never a force: libgit2 1.5 sends a non-fast-forward update as
	 * readily as any other, and many servers accept one.
	 */
	if (!git_oid_is_zero(o->expected) &&
	    !git_oid_equal(o->commit, o->expected) &&
	    (rc = git_graph_descendant_of(repo, o->commit, o->expected)) != 1) {
		char want[GIT_OID_HEXSZ + 1];

		git_oid_tostr(want, sizeof(want), o->expected);
		rc = error_set(err, TEND_EINVALID, "refusing to push %.12s to "
			       "'%s': %s %.12s, and tend never forces a push",
			       git_oid_tostr_s(o->commit), o->refname, rc < 0 ?
			       "cannot tell it is a fast-forward of" :
			       "it is not a fast-forward of", want);
		goto out;
	}
	/*
	 * Anonymous and in memory: nothing goes to .git/config, no
	 * remote-tracking ref is updated, and the repository's insteadOf
	 * rewrites cannot send the push (and the token) elsewhere.
	 */
	cr.repository = repo;
	cr.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		   GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, o->url, &cr) < 0) {
		rc = error_set(err, TEND_EINVALID, "cannot use '%s' as a "
			       "remote: %s", url.ptr, forge_git_errmsg());
		goto out;
	}
	if ((rc = forge_git_push_ls(&at, &found, remote, &s, url.ptr, err)) < 0)
		goto out;
	if (found != !git_oid_is_zero(o->expected) ||
	    (found && !git_oid_equal(&at, o->expected))) {
		rc = forge_git_moved(err, o, &at, found, url.ptr, "");
		goto out;
	}
	if (git_oid_equal(o->commit, o->expected)) {
		rc = 0;		/* already there: nothing to send */
		goto out;
	}
	/*
	 * libgit2 1.5 pushes from a ref only, not from a commit id: a
	 * temporary one names the commit while it is sent, and goes after.
	 */
	git_oid_tostr(hex, sizeof(hex), o->commit);
	buf_printf(&tmpref, "refs/tend/push/%ld-%u", (long)getpid(),
		   forge_git_push_seq++);
	if (git_reference_create(&ref, repo, tmpref.ptr, o->commit, 1,
				 "tend: push") < 0) {
		rc = error_set(err, TEND_ERROR,
			       "cannot name the commit to push (%s): %s",
			       tmpref.ptr, forge_git_errmsg());
		goto out;
	}
	buf_printf(&spec, "%s:%s", tmpref.ptr, o->refname); /* no '+' */
	specs[0] = spec.ptr;
	forge_git_push_callbacks(&po.callbacks, &s);
	po.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	rc = git_remote_upload(remote, &refspecs, &po);
	if (rc < 0 && s.stale) {
		rc = forge_git_moved(err, o, &at, found, url.ptr, "");
		goto out;
	}
	if (rc < 0) {
		rc = forge_git_push_error(&s, rc, url.ptr, "pushing to", err);
		goto out;
	}
	if (s.rejected) {
		/*
		 * The server refused the update. Its old value was the
		 * lease's, so a ref that is elsewhere now moved under us
		 * (unless it is at our commit after all).
		 */
		git_remote_disconnect(remote);
		if (forge_git_push_ls(&at, &found, remote, &s, url.ptr,
				      err) == 0) {
			if (found && git_oid_equal(&at, o->commit)) {
				rc = 0;
				goto out;
			}
			if (found != !git_oid_is_zero(o->expected) ||
			    (found && !git_oid_equal(&at, o->expected))) {
				rc = forge_git_moved(err, o, &at, found,
						     url.ptr,
						     " while tend pushed");
				goto out;
			}
		}
		rc = error_set(err, TEND_ERROR, "'%s' refused the push of "
			       "%.12s to '%s': %s", url.ptr, hex, o->refname,
			       s.status.ptr);
		goto out;
	}
	if (!s.reported) {
		rc = error_set(err, TEND_ERROR, "'%s' did not report on the "
			       "push of %.12s to '%s'", url.ptr, hex,
			       o->refname);
		goto out;
	}
	rc = 0;
out:
	if (remote)
		git_remote_disconnect(remote);
	git_remote_free(remote);
	if (ref) {
		if (git_reference_delete(ref) < 0)
			git_error_clear();
		forge_git_push_tidy(repo);
	}
	git_reference_free(ref);
	git_commit_free(c);
	buf_release(&tmpref);
	buf_release(&spec);
	buf_release(&url);
	buf_release(&s.status);
	return rc;
}

/*
 * Mirrors of other repositories, read as context. A mirror is a cache:
 * it only ever fetches, and what it fetches is whatever the remote says
 * (forced), so a rewritten branch is followed.
 */

/* Does `url` carry "user[:password]@" before its host? */
static int forge_git_has_userinfo(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	p += 3;
	return memchr(p, '@', strcspn(p, "/?#")) != NULL;
}

/* https, http to the loopback address, file:// or an absolute path. */
static int forge_git_mirror_url_ok(const char *url)
{
	if (!strncmp(url, "file://", 7))
		return url[7] == '/';
	if (url[0] == '/')
		return 1;
	return forge_git_push_url_ok(url);
}

/*
 * Open the bare repository at `dir`, or make one when nothing (or an
 * empty directory) is there. Anything else is refused: a mistaken path
 * must not become a repository.
 */
static int forge_git_mirror_open(git_repository **out, const char *dir,
				 struct buf *err)
{
	git_repository *repo = NULL;
	struct stat st;
	DIR *d;
	struct dirent *e;
	int empty = 1;

	if (git_repository_open_bare(&repo, dir) == 0) {
		*out = repo;
		return 0;
	}
	git_error_clear();
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !(d = opendir(dir)))
			return error_set(err, TEND_EINVALID, "cannot use '%s' "
					 "for a mirror: not a directory of a "
					 "bare repository", dir);
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				empty = 0;
		closedir(d);
		if (!empty)
			return error_set(err, TEND_EINVALID, "cannot use '%s' "
					 "for a mirror: it is neither empty "
					 "nor a bare repository", dir);
	} else if (errno != ENOENT) {
		return error_set(err, TEND_EINVALID, "cannot use '%s' for a "
				 "mirror: %s", dir, strerror(errno));
	}
	if (git_repository_init(&repo, dir, 1) < 0)
		return error_set(err, TEND_ERROR, "cannot make a repository "
				 "at '%s': %s", dir, forge_git_errmsg());
	*out = repo;
	return 0;
}

/* libgit2's message for a failed transfer, classified; never a secret. */
static int forge_git_mirror_error(int rc, const char *shown,
				  const char *auth_header, const char *doing,
				  struct buf *err)
{
	const char *secret = auth_header ? strchr(auth_header, ':') : NULL;
	struct buf msg = BUF_INIT, tok = BUF_INIT;
	int code;

	if (secret) {
		secret++;
		while (*secret == ' ')
			secret++;
		if (!strncasecmp(secret, "Basic ", 6) ||
		    !strncasecmp(secret, "Bearer ", 7))
			secret = strchr(secret, ' ') + 1;
		buf_sets(&tok, secret);
	}
	forge_git_scrub(&msg, forge_git_errmsg(), tok.len ? tok.ptr : NULL);
	if (rc == GIT_EAUTH || strstr(msg.ptr, " 401") ||
	    strstr(msg.ptr, "authentication required"))
		code = error_set(err, TEND_EAUTH, "%s '%s' failed: it asks "
				 "for credentials (HTTP 401)%s", doing, shown,
				 auth_header ? "; the token was refused" :
				 "; tend sends the job's token only to the "
				 "forge's own host");
	else if (strstr(msg.ptr, " 403"))
		code = error_set(err, TEND_EAUTH, "%s '%s' failed: access "
				 "denied (HTTP 403)", doing, shown);
	else if (strstr(msg.ptr, " 404") || rc == GIT_ENOTFOUND)
		code = error_set(err, TEND_ENOTFOUND, "%s '%s' failed: no "
				 "repository there (%s)", doing, shown,
				 msg.ptr);
	else
		code = error_set(err, TEND_ERROR, "%s '%s' failed: %s", doing,
				 shown, msg.ptr);
	buf_release(&msg);
	buf_release(&tok);
	return code;
}

int forge_git_open_bare(git_repository **out, const char *dir,
			struct buf *err)
{
	forge_git_init_once();
	if (git_repository_open_bare(out, dir) < 0)
		return error_set(err, TEND_ENOTFOUND, "no repository at '%s': "
				 "%s", dir, forge_git_errmsg());
	return 0;
}

int forge_git_mirror(const char *url, const char *dir, const char *ref,
		     const char *auth_header, git_oid *out, struct buf *err)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_remote_create_options cr = GIT_REMOTE_CREATE_OPTIONS_INIT;
	git_remote_connect_options co = GIT_REMOTE_CONNECT_OPTIONS_INIT;
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	const git_remote_head **heads;
	git_buf head = GIT_BUF_INIT;
	git_object *obj = NULL, *peeled = NULL;
	struct buf shown = BUF_INIT, want = BUF_INIT, spec = BUF_INIT;
	char *headers[1], *specs[1];
	git_strarray hs = { headers, 0 }, ss = { specs, 1 };
	size_t n, i;
	int rc, valid = 0;

	forge_git_init_once();
	forge_git_scrub(&shown, url, NULL);
	if (forge_git_has_userinfo(url)) {
		rc = error_set(err, TEND_EINVALID, "refusing to fetch from "
			       "'%s': a URL with a user or password",
			       shown.ptr);
		goto out;
	}
	if (!forge_git_mirror_url_ok(url)) {
		rc = error_set(err, TEND_EINVALID, "refusing to fetch from "
			       "'%s': tend fetches over https (plain http "
			       "only to 127.0.0.1) or from a local path",
			       shown.ptr);
		goto out;
	}
	if (ref) {
		if (strncmp(ref, "refs/", 5))
			buf_printf(&want, "refs/heads/%s", ref);
		else
			buf_sets(&want, ref);
		if (git_reference_name_is_valid(&valid, want.ptr) < 0 ||
		    !valid) {
			rc = error_set(err, TEND_EINVALID, "not a valid ref "
				       "name: '%s'", ref);
			goto out;
		}
	}
	if ((rc = forge_git_mirror_open(&repo, dir, err)) < 0)
		goto out;
	cr.repository = repo;
	cr.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		   GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, url, &cr) < 0) {
		rc = error_set(err, TEND_EINVALID, "cannot use '%s' as a "
			       "remote: %s", shown.ptr, forge_git_errmsg());
		goto out;
	}
	if (auth_header) {
		headers[0] = (char *)auth_header;
		hs.count = 1;
	}
	co.custom_headers = hs;
	co.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	if ((rc = git_remote_connect_ext(remote, GIT_DIRECTION_FETCH,
					 &co)) < 0) {
		rc = forge_git_mirror_error(rc, shown.ptr, auth_header,
					    "fetching from", err);
		goto out;
	}
	if (git_remote_ls(&heads, &n, remote) < 0) {
		rc = forge_git_mirror_error(-1, shown.ptr, auth_header,
					    "listing the refs of", err);
		goto out;
	}
	if (!ref) {
		if ((rc = git_remote_default_branch(&head, remote)) < 0) {
			git_error_clear();
			rc = error_set(err, TEND_ENOTFOUND, "'%s' has no "
				       "branch at HEAD (an empty "
				       "repository?); name one with 'ref'",
				       shown.ptr);
			goto out;
		}
		buf_sets(&want, head.ptr);
	}
	for (i = 0; i < n; i++)
		if (!strcmp(heads[i]->name, want.ptr))
			break;
	if (i == n) {
		rc = error_set(err, TEND_ENOTFOUND, "'%s' has no %s '%s'",
			       shown.ptr, strncmp(want.ptr, "refs/heads/", 11) ?
			       "ref" : "branch", ref ? ref : want.ptr);
		goto out;
	}
	/* Forced: the mirror follows the remote, rewritten or not. */
	buf_printf(&spec, "+%s:%s", want.ptr, want.ptr);
	specs[0] = spec.ptr;
	fo.custom_headers = hs;
	fo.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.prune = GIT_FETCH_NO_PRUNE;
	if ((rc = git_remote_fetch(remote, &ss, &fo, "tend: mirror")) < 0) {
		rc = forge_git_mirror_error(rc, shown.ptr, auth_header,
					    "fetching from", err);
		goto out;
	}
	if (git_revparse_single(&obj, repo, want.ptr) < 0 ||
	    git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = error_set(err, TEND_ERROR, "'%s' of '%s' is not a commit "
			       "after the fetch: %s", want.ptr, shown.ptr,
			       forge_git_errmsg());
		goto out;
	}
	/* HEAD names what the mirror is of, for whoever looks at it. */
	if (!strncmp(want.ptr, "refs/heads/", 11) &&
	    git_repository_set_head(repo, want.ptr) < 0)
		git_error_clear();
	git_oid_cpy(out, git_object_id(peeled));
	rc = 0;
out:
	if (remote)
		git_remote_disconnect(remote);
	git_remote_free(remote);
	git_object_free(peeled);
	git_object_free(obj);
	git_repository_free(repo);
	git_buf_dispose(&head);
	buf_release(&shown);
	buf_release(&want);
	buf_release(&spec);
	return rc;
}

struct forge_git_subset {
	git_index *idx;
	const char *const *globs;
	size_t nr;
	size_t kept;
	int failed;
};

static int forge_git_subset_entry(const char *root, const git_tree_entry *e,
				  void *payload)
{
	struct forge_git_subset *s = payload;
	git_index_entry ie;
	struct buf path = BUF_INIT;
	size_t i;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;	/* trees are walked; submodules left out */
	buf_printf(&path, "%s%s", root, git_tree_entry_name(e));
	for (i = 0; i < s->nr; i++)
		if (glob_match(s->globs[i], path.ptr))
			break;
	if (i < s->nr) {
		memset(&ie, 0, sizeof(ie));
		ie.path = path.ptr;
		ie.mode = git_tree_entry_filemode(e);
		git_oid_cpy(&ie.id, git_tree_entry_id(e));
		if (git_index_add(s->idx, &ie) < 0) {
			s->failed = 1;
			buf_release(&path);
			return -1;
		}
		s->kept++;
	}
	buf_release(&path);
	return 0;
}

int forge_git_commit_subset(git_oid *out, git_repository *repo,
			    const git_oid *commit, const char *const *globs,
			    size_t nr, struct buf *err)
{
	struct forge_git_subset s;
	git_commit *c = NULL;
	git_tree *tree = NULL, *sub = NULL;
	git_oid tree_id;
	struct buf msg = BUF_INIT;
	size_t i;
	int rc;

	forge_git_init_once();
	memset(&s, 0, sizeof(s));
	s.globs = globs;
	s.nr = nr;
	if (git_commit_lookup(&c, repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot read commit %.12s: %s",
			       git_oid_tostr_s(commit), forge_git_errmsg());
		goto out;
	}
	if (git_index_new(&s.idx) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot make an index: %s",
			       forge_git_errmsg());
		goto out;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, forge_git_subset_entry,
			  &s) < 0 || s.failed) {
		rc = error_set(err, TEND_ERROR, "cannot list the files of "
			       "%.12s: %s", git_oid_tostr_s(commit),
			       forge_git_errmsg());
		goto out;
	}
	if (!s.kept) {
		buf_sets(&msg, "no file of ");
		buf_printf(&msg, "%.12s matches ", git_oid_tostr_s(commit));
		for (i = 0; i < nr; i++)
			buf_printf(&msg, "%s'%s'", i ? ", " : "", globs[i]);
		rc = error_set(err, TEND_ENOTFOUND, "%s", msg.ptr);
		goto out;
	}
	if (git_index_write_tree_to(&tree_id, s.idx, repo) < 0 ||
	    git_tree_lookup(&sub, repo, &tree_id) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot write a tree: %s",
			       forge_git_errmsg());
		goto out;
	}
	buf_reset(&msg);
	buf_printf(&msg, "tend: the files of %s matching",
		   git_oid_tostr_s(commit));
	for (i = 0; i < nr; i++)
		buf_printf(&msg, " '%s'", globs[i]);
	buf_putc(&msg, '\n');
	if (git_commit_create(out, repo, NULL, git_commit_author(c),
			      git_commit_committer(c), NULL, msg.ptr, sub, 0,
			      NULL) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot write a commit: %s",
			       forge_git_errmsg());
		goto out;
	}
	rc = 0;
out:
	git_index_free(s.idx);
	git_tree_free(sub);
	git_tree_free(tree);
	git_commit_free(c);
	buf_release(&msg);
	return rc;
}

/* ---- learnings: a commit of one file, without a work tree ----------- */

int forge_git_commit_blob(git_oid *out, git_repository *repo,
			  const git_oid *parent, const git_oid *also,
			  const char *path, const char *content, size_t len,
			  const char *message, const char *name,
			  const char *email, struct buf *err)
{
	git_tree_update upd;
	const git_commit *parents[2];
	git_commit *pc = NULL, *ac = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_oid blob, tree_id, id;
	struct buf msg = BUF_INIT;
	int rc;

	forge_git_init_once();
	if (!forge_git_path_ok(path))
		return error_set(err, TEND_EINVALID, "refusing to commit '%s'",
				 path);
	if (git_commit_lookup(&pc, repo, parent) < 0 ||
	    git_commit_tree(&base, pc) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot read commit %s: %s",
			       git_oid_tostr_s(parent), forge_git_errmsg());
		goto out;
	}
	if (also && git_commit_lookup(&ac, repo, also) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot read commit %s: %s",
			       git_oid_tostr_s(also), forge_git_errmsg());
		goto out;
	}
	memset(&upd, 0, sizeof(upd));
	upd.action = GIT_TREE_UPDATE_UPSERT;
	upd.filemode = GIT_FILEMODE_BLOB;
	upd.path = path;
	if (git_blob_create_from_buffer(&blob, repo, content, len) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot write a blob: %s",
			       forge_git_errmsg());
		goto out;
	}
	git_oid_cpy(&upd.id, &blob);
	if (git_tree_create_updated(&tree_id, repo, base, 1, &upd) < 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot write a tree with "
			       "'%s': %s", path, forge_git_errmsg());
		goto out;
	}
	if (git_oid_equal(&tree_id, git_tree_id(base))) {
		rc = error_set(err, TEND_EINVALID, "nothing to commit");
		goto out;
	}
	if (git_signature_now(&sig, name, email) < 0) {
		rc = error_set(err, TEND_EINVALID, "bad author '%s <%s>': %s",
			       name, email, forge_git_errmsg());
		goto out;
	}
	buf_puts(&msg, message);
	if (!msg.len || msg.ptr[msg.len - 1] != '\n')
		buf_putc(&msg, '\n');
	parents[0] = pc;
	parents[1] = ac;
	if (git_commit_create(&id, repo, NULL, sig, sig, NULL, msg.ptr, tree,
			      also ? 2 : 1, parents) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot write a commit: %s",
			       forge_git_errmsg());
		goto out;
	}
	git_oid_cpy(out, &id);
	rc = 0;
out:
	buf_release(&msg);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(ac);
	git_commit_free(pc);
	return rc;
}
