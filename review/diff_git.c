/*
 * diff_git.c - the libgit2 producer of the change-set model.
 *
 * Diffs the trees of two commits the way `git diff -M base head` does and
 * fills a struct review_diff. libgit2 compares the trees (object ids only,
 * no content); renames are found by review/diff_rename.c, which reads only
 * the few blobs it must; then each file's patch text is made and parsed by
 * review_diff_parse_owned(), so there is one parser for both producers and
 * a file looks the same whether it came from git's text, a forge or here.
 *
 * Making patch text is most of the cost (inflating blobs, xdiff), and each
 * file's is independent of the others', so it is spread over threads
 * (common/jobs.h): a thread takes the next file from a shared counter, with
 * its own git_repository (libgit2 objects are not shared across threads;
 * the calling thread keeps the caller's), and leaves the parsed file in that
 * file's slot. Slots are joined in order afterwards, so the result is the
 * same whatever the thread count.
 *
 * The header of each file is written here, as git writes it (mode lines,
 * similarity, rename from/to, a full-length index line, C-quoted paths, a
 * tab after a name with a space on the ---/+++ lines); the hunks are
 * libgit2's, with git's defaults (3 lines of context, the indent
 * heuristic) and the diff drivers the repository's attributes name.
 *
 * Not here: choosing the commits (merge-base, CI context) and reading the
 * work tree.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/jobs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/diff_git.h"
#include "review/diff_rename.h"

/* git's own default for diff.renameLimit (libgit2 would use 200). */
#define REVIEW_DIFF_GIT_RENAME_LIMIT 1000
#define REVIEW_DIFF_GIT_GITLINK 0160000

static pthread_once_t review_diff_git_once = PTHREAD_ONCE_INIT;

static void review_diff_git_init(void)
{
	git_libgit2_init();
}

static const char *review_diff_git_errmsg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int review_diff_git_tree(git_tree **out, git_repository *repo,
				const git_oid *oid, struct buf *err)
{
	git_commit *commit = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int error;

	git_oid_tostr(hex, sizeof(hex), oid);
	if ((error = git_commit_lookup(&commit, repo, oid)) < 0)
		return error_set(err, error == GIT_ENOTFOUND ? TEND_ENOTFOUND :
				 TEND_ERROR, "cannot find commit '%s': %s",
				 hex, review_diff_git_errmsg());
	error = git_commit_tree(out, commit);
	git_commit_free(commit);
	if (error < 0)
		return error_set(err, TEND_ERROR,
				 "cannot read the tree of commit '%s': %s", hex,
				 review_diff_git_errmsg());
	return 0;
}

/* diff.renameLimit from the repository's config, else git's default. */
static size_t review_diff_git_rename_limit(git_repository *repo)
{
	git_config *cfg = NULL;
	int32_t v;
	size_t limit = REVIEW_DIFF_GIT_RENAME_LIMIT;

	if (git_repository_config_snapshot(&cfg, repo) < 0) {
		git_error_clear();
		return limit;
	}
	if (git_config_get_int32(&v, cfg, "diff.renamelimit") == 0)
		limit = v > 0 ? (size_t)v : 32767;
	else
		git_error_clear();
	git_config_free(cfg);
	return limit;
}

/* One file of the output, in order: what it is, then its parsed patch. */
struct review_diff_git_entry {
	enum review_file_status status;
	const char *old_path, *new_path;	/* borrowed from the git_diff */
	git_oid old_id, new_id;
	unsigned old_mode, new_mode;
	int similarity;
	/* Filled by a worker: */
	struct review_diff sub;
	int rc;
	char *err;
};

struct review_diff_git_run {
	git_repository *repo;
	const git_diff_options *dopts;
	const struct review_diff_git_opts *opts;
	struct review_diff_git_entry *entries;
	size_t nr;
	const char *name;
	size_t next;		/* taken atomically */
	size_t kept;		/* bytes of whole texts kept, atomically */
};

/* Append `path` with `prefix`, C-quoted as git does when it needs to be. */
static void review_diff_git_quote(struct buf *out, const char *prefix,
				  const char *path)
{
	static const char esc[] = "\a\b\t\n\v\f\r";
	static const char letter[] = "abtnvfr";
	const unsigned char *p;
	int quote = 0;

	for (p = (const unsigned char *)path; *p && !quote; p++)
		quote = *p < 0x20 || *p == '"' || *p == '\\' || *p >= 0x7f;
	if (!quote) {
		buf_puts(out, prefix);
		buf_puts(out, path);
		return;
	}
	buf_putc(out, '"');
	buf_puts(out, prefix);
	for (p = (const unsigned char *)path; *p; p++) {
		const char *e = *p ? strchr(esc, *p) : NULL;

		if (*p == '"' || *p == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, *p);
		} else if (e) {
			buf_putc(out, '\\');
			buf_putc(out, letter[e - esc]);
		} else if (*p < 0x20 || *p >= 0x7f) {
			buf_printf(out, "\\%03o", *p);
		} else {
			buf_putc(out, *p);
		}
	}
	buf_putc(out, '"');
}

/* "--- a/x" or "+++ b/x": /dev/null for a missing side, a tab after a
 * name with a space (git's, so that a name is not taken for a date). */
static void review_diff_git_label(struct buf *out, const char *marker,
				  const char *prefix, const char *path)
{
	buf_puts(out, marker);
	if (!path) {
		buf_puts(out, "/dev/null\n");
		return;
	}
	review_diff_git_quote(out, prefix, path);
	buf_puts(out, strchr(path, ' ') ? "\t\n" : "\n");
}

static void review_diff_git_header(struct buf *out,
				   const struct review_diff_git_entry *e)
{
	const char *a = e->old_path ? e->old_path : e->new_path;
	const char *b = e->new_path ? e->new_path : e->old_path;
	char x[GIT_OID_HEXSZ + 1], y[GIT_OID_HEXSZ + 1];

	buf_puts(out, "diff --git ");
	review_diff_git_quote(out, "a/", a);
	buf_putc(out, ' ');
	review_diff_git_quote(out, "b/", b);
	buf_putc(out, '\n');
	if (e->status == REVIEW_FILE_ADDED) {
		buf_printf(out, "new file mode %06o\n", e->new_mode);
	} else if (e->status == REVIEW_FILE_DELETED) {
		buf_printf(out, "deleted file mode %06o\n", e->old_mode);
	} else if (e->old_mode != e->new_mode) {
		buf_printf(out, "old mode %06o\nnew mode %06o\n", e->old_mode,
			   e->new_mode);
	}
	if (e->status == REVIEW_FILE_RENAMED) {
		buf_printf(out, "similarity index %d%%\nrename from ",
			   e->similarity);
		review_diff_git_quote(out, "", e->old_path);
		buf_puts(out, "\nrename to ");
		review_diff_git_quote(out, "", e->new_path);
		buf_putc(out, '\n');
	}
	if (!git_oid_equal(&e->old_id, &e->new_id)) {
		git_oid_tostr(x, sizeof(x), &e->old_id);
		git_oid_tostr(y, sizeof(y), &e->new_id);
		buf_printf(out, "index %s..%s", x, y);
		if (e->old_mode == e->new_mode)
			buf_printf(out, " %06o", e->new_mode);
		buf_putc(out, '\n');
	}
}

/* The hunks of `patch`, as git prints them. */
static void review_diff_git_hunks(struct buf *out, git_patch *patch)
{
	size_t h, l, nr_hunks = git_patch_num_hunks(patch), nr_lines;
	const git_diff_hunk *hunk;
	const git_diff_line *line;

	for (h = 0; h < nr_hunks; h++) {
		if (git_patch_get_hunk(&hunk, &nr_lines, patch, h) < 0)
			continue;
		buf_add(out, hunk->header, hunk->header_len);
		for (l = 0; l < nr_lines; l++) {
			if (git_patch_get_line_in_hunk(&line, patch, h, l) < 0)
				continue;
			if (line->origin == GIT_DIFF_LINE_CONTEXT ||
			    line->origin == GIT_DIFF_LINE_ADDITION ||
			    line->origin == GIT_DIFF_LINE_DELETION)
				buf_putc(out, line->origin);
			buf_add(out, line->content, line->content_len);
		}
	}
}

/* A gitlink's side, as git shows it: the commit it points at. */
static void review_diff_git_subproject(struct buf *out, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	buf_printf(out, "Subproject commit %s\n", hex);
}

/*
 * libgit2's patch between the two sides of `e`: blobs, or for a gitlink
 * the lines git shows for it. The patch points into what it was made
 * from: the blobs (*a, *b) and the buffers `x`, `y`; the caller frees
 * them after the patch.
 */
static int review_diff_git_patch(git_patch **out, git_repository *repo,
				 const struct review_diff_git_entry *e,
				 const git_diff_options *dopts, git_blob **a,
				 git_blob **b, struct buf *x, struct buf *y)
{
	int rc;

	if (e->old_mode == REVIEW_DIFF_GIT_GITLINK ||
	    e->new_mode == REVIEW_DIFF_GIT_GITLINK) {
		if (e->old_path)
			review_diff_git_subproject(x, &e->old_id);
		if (e->new_path)
			review_diff_git_subproject(y, &e->new_id);
		return git_patch_from_buffers(out, x->ptr, x->len, e->old_path,
					      y->ptr, y->len, e->new_path,
					      dopts);
	}
	if ((e->old_path && (rc = git_blob_lookup(a, repo, &e->old_id)) < 0) ||
	    (e->new_path && (rc = git_blob_lookup(b, repo, &e->new_id)) < 0))
		return rc;
	return git_patch_from_blobs(out, *a, e->old_path ? e->old_path :
				    e->new_path, *b, e->new_path ?
				    e->new_path : e->old_path, dopts);
}

/*
 * A copy of blob `b`, NUL-terminated, given to `diff`, if the run's budget
 * for kept texts allows; NULL if not.
 */
static const char *review_diff_git_keep(struct review_diff *diff,
					struct review_diff_git_run *run,
					const git_blob *b, size_t *len)
{
	git_object_size_t size = git_blob_rawsize(b);
	char *copy;

	if (size >= SIZE_MAX ||
	    __atomic_add_fetch(&run->kept, (size_t)size, __ATOMIC_RELAXED) >
		    run->opts->keep_max) {
		if (size < SIZE_MAX)
			__atomic_sub_fetch(&run->kept, (size_t)size,
					   __ATOMIC_RELAXED);
		return NULL;
	}
	copy = xmalloc((size_t)size + 1);
	memcpy(copy, git_blob_rawcontent(b), (size_t)size);
	copy[size] = '\0';
	review_diff_own_text(diff, copy);
	*len = (size_t)size;
	return copy;
}

/*
 * What the patch read that later passes may want: the new side's size,
 * and the whole texts when the caller asked for this file's.
 */
static void review_diff_git_remember(struct review_diff_git_entry *e,
				     struct review_diff_git_run *run,
				     const git_blob *a, const git_blob *b)
{
	struct review_diff_file *f;

	if (e->sub.nr_files != 1)
		return;
	f = &e->sub.files[0];
	if (b) {
		f->new_size = (size_t)git_blob_rawsize(b);
		f->new_size_known = 1;
	}
	if (!run->opts->keep || !run->opts->keep(f->path, run->opts->keep_data))
		return;
	if (a)
		f->old_blob = review_diff_git_keep(&e->sub, run, a,
						   &f->old_blob_len);
	if (b)
		f->new_blob = review_diff_git_keep(&e->sub, run, b,
						   &f->new_blob_len);
}

/* Make and parse the patch of one file into e->sub. */
static void review_diff_git_one(struct review_diff_git_entry *e,
				git_repository *repo,
				struct review_diff_git_run *run)
{
	const git_diff_options *dopts = run->dopts;
	const char *name = run->name;
	struct buf text = BUF_INIT, err = BUF_INIT, x = BUF_INIT, y = BUF_INIT;
	git_patch *patch = NULL;
	git_blob *a = NULL, *b = NULL;
	char *owned;
	size_t len;

	review_diff_git_header(&text, e);
	if (!git_oid_equal(&e->old_id, &e->new_id) ||
	    e->status == REVIEW_FILE_ADDED ||
	    e->status == REVIEW_FILE_DELETED) {
		if (review_diff_git_patch(&patch, repo, e, dopts, &a, &b, &x,
					  &y) < 0) {
			e->rc = error_set(&err, TEND_ERROR,
					  "cannot compute %s at '%s': %s",
					  name, e->new_path ? e->new_path :
					  e->old_path,
					  review_diff_git_errmsg());
			goto out;
		}
		if (git_patch_get_delta(patch)->flags & GIT_DIFF_FLAG_BINARY) {
			buf_puts(&text, "Binary files ");
			if (e->old_path)
				review_diff_git_quote(&text, "a/", e->old_path);
			else
				buf_puts(&text, "/dev/null");
			buf_puts(&text, " and ");
			if (e->new_path)
				review_diff_git_quote(&text, "b/", e->new_path);
			else
				buf_puts(&text, "/dev/null");
			buf_puts(&text, " differ\n");
		} else if (git_patch_num_hunks(patch)) {
			review_diff_git_label(&text, "--- ", "a/", e->old_path);
			review_diff_git_label(&text, "+++ ", "b/", e->new_path);
			review_diff_git_hunks(&text, patch);
		}
	}
	owned = buf_detach(&text, &len);
	e->rc = review_diff_parse_owned(&e->sub, owned, len, name, &err);
	if (e->rc == 0)
		review_diff_git_remember(e, run, a, b);
out:
	if (e->rc < 0)
		e->err = buf_detach(&err, NULL);
	git_patch_free(patch);
	git_blob_free(a);
	git_blob_free(b);
	buf_release(&x);
	buf_release(&y);
	buf_release(&text);
	buf_release(&err);
}

static void review_diff_git_work(void *data, unsigned i)
{
	struct review_diff_git_run *run = data;
	git_repository *repo = run->repo, *own = NULL;
	size_t k;

	/*
	 * A thread that cannot open its own handle leaves its share to the
	 * others; the calling thread always works.
	 */
	if (i) {
		if (forge_git_reopen(&own, run->repo) < 0)
			return;
		repo = own;
	}
	while ((k = __atomic_fetch_add(&run->next, 1, __ATOMIC_RELAXED)) <
	       run->nr)
		review_diff_git_one(&run->entries[k], repo, run);
	git_repository_free(own);
}

/* Rename detection reads sizes and blobs through the object database. */
static int review_diff_git_size(void *data,
				const struct review_diff_rename_file *f,
				size_t *out)
{
	git_object_t type;
	git_oid id;

	memcpy(id.id, f->id, GIT_OID_RAWSZ);
	if (git_odb_read_header(out, &type, data, &id) < 0) {
		git_error_clear();
		return -1;
	}
	return 0;
}

static int review_diff_git_load(void *data,
				const struct review_diff_rename_file *f,
				struct buf *out)
{
	git_odb_object *obj = NULL;
	git_oid id;

	memcpy(id.id, f->id, GIT_OID_RAWSZ);
	if (git_odb_read(&obj, data, &id) < 0) {
		git_error_clear();
		return -1;
	}
	buf_add(out, git_odb_object_data(obj), git_odb_object_size(obj));
	git_odb_object_free(obj);
	return 0;
}

static void review_diff_git_file(struct review_diff_rename_file *f,
				 const git_diff_file *g)
{
	memset(f, 0, sizeof(*f));
	f->path = g->path;
	memcpy(f->id, g->id.id, GIT_OID_RAWSZ);
	f->mode = g->mode;
}

/*
 * Pair the deleted and added files of `entries` (a typechange's halves
 * are neither, as in git) and fold each pair into the added file's place.
 */
static int review_diff_git_renames(struct review_diff_git_entry *entries,
				   size_t *nr, const git_diff *diff,
				   const size_t *delta_of,
				   git_repository *repo,
				   const struct review_diff_git_opts *opts,
				   struct buf *err)
{
	struct review_diff_rename_file *src = NULL, *dst = NULL;
	struct review_diff_rename_opts ropts;
	struct review_diff_rename_io io;
	size_t *src_at = NULL, *dst_at = NULL, nr_src = 0, nr_dst = 0, i, k;
	unsigned char *drop = NULL;
	git_odb *odb = NULL;
	int rc = 0;

	for (i = 0; i < *nr; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff,
							     delta_of[i]);

		if (d->status == GIT_DELTA_DELETED) {
			src = xrealloc(src, (nr_src + 1) * sizeof(*src));
			src_at = xrealloc(src_at, (nr_src + 1) * sizeof(*src_at));
			review_diff_git_file(&src[nr_src], &d->old_file);
			src_at[nr_src++] = i;
		} else if (d->status == GIT_DELTA_ADDED) {
			dst = xrealloc(dst, (nr_dst + 1) * sizeof(*dst));
			dst_at = xrealloc(dst_at, (nr_dst + 1) * sizeof(*dst_at));
			review_diff_git_file(&dst[nr_dst], &d->new_file);
			dst_at[nr_dst++] = i;
		}
	}
	if (!nr_src || !nr_dst)
		goto out;
	if (git_repository_odb(&odb, repo) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot open the object "
			       "database: %s", review_diff_git_errmsg());
		goto out;
	}
	ropts.threshold = opts->rename_threshold > 0 ?
			  opts->rename_threshold : 50;
	ropts.limit = review_diff_git_rename_limit(repo);
	io.size = review_diff_git_size;
	io.load = review_diff_git_load;
	io.data = odb;
	if (review_diff_rename_find(src, nr_src, dst, nr_dst, &ropts, &io))
		log_warn("inexact rename detection was skipped: %zu deleted "
			 "and %zu added files are over diff.renameLimit (%zu)",
			 nr_src, nr_dst, ropts.limit);

	drop = xcalloc(*nr ? *nr : 1, 1);
	for (i = 0; i < nr_dst; i++) {
		struct review_diff_git_entry *e = &entries[dst_at[i]];
		const struct review_diff_git_entry *s;

		if (dst[i].match < 0)
			continue;
		s = &entries[src_at[dst[i].match]];
		e->status = REVIEW_FILE_RENAMED;
		e->old_path = s->old_path;
		e->old_id = s->old_id;
		e->old_mode = s->old_mode;
		e->similarity = dst[i].score;
		drop[src_at[dst[i].match]] = 1;
	}
	for (i = 0, k = 0; i < *nr; i++)
		if (!drop[i])
			entries[k++] = entries[i];
	*nr = k;
out:
	git_odb_free(odb);
	free(drop);
	free(src);
	free(dst);
	free(src_at);
	free(dst_at);
	return rc;
}

/* The entries of libgit2's tree diff: a typechange becomes two, as in git. */
static struct review_diff_git_entry *review_diff_git_entries(
	size_t *nr_out, size_t **delta_of_out, const git_diff *diff)
{
	size_t n = git_diff_num_deltas(diff), i, nr = 0;
	struct review_diff_git_entry *entries = xcalloc(2 * n + 1,
							sizeof(*entries));
	size_t *delta_of = xcalloc(2 * n + 1, sizeof(*delta_of));

	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		struct review_diff_git_entry *e = &entries[nr];

		e->similarity = -1;
		review_diff_init(&e->sub);
		delta_of[nr] = i;
		switch (d->status) {
		case GIT_DELTA_ADDED:
			e->status = REVIEW_FILE_ADDED;
			break;
		case GIT_DELTA_DELETED:
			e->status = REVIEW_FILE_DELETED;
			break;
		case GIT_DELTA_TYPECHANGE:
			/* The old side goes, then the new one comes. */
			e->status = REVIEW_FILE_DELETED;
			e->old_path = d->old_file.path;
			e->old_id = d->old_file.id;
			e->old_mode = d->old_file.mode;
			nr++;
			e = &entries[nr];
			e->similarity = -1;
			review_diff_init(&e->sub);
			delta_of[nr] = i;
			e->status = REVIEW_FILE_ADDED;
			break;
		default:
			e->status = REVIEW_FILE_MODIFIED;
			break;
		}
		if (e->status != REVIEW_FILE_ADDED) {
			e->old_path = d->old_file.path;
			e->old_id = d->old_file.id;
			e->old_mode = d->old_file.mode;
		}
		if (e->status != REVIEW_FILE_DELETED) {
			e->new_path = d->new_file.path;
			e->new_id = d->new_file.id;
			e->new_mode = d->new_file.mode;
		}
		nr++;
	}
	*nr_out = nr;
	*delta_of_out = delta_of;
	return entries;
}

int review_diff_git(struct review_diff *out, git_repository *repo,
		    const git_oid *base, const git_oid *head,
		    const struct review_diff_git_opts *opts, struct buf *err)
{
	struct review_diff_git_opts defaults = REVIEW_DIFF_GIT_OPTS_INIT;
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	struct review_diff_git_entry *entries = NULL;
	struct review_diff_git_run run;
	size_t nr = 0, i, *delta_of = NULL;
	char name[64], a[12], b[12];
	int error;

	pthread_once(&review_diff_git_once, review_diff_git_init);
	if (!opts)
		opts = &defaults;
	git_oid_tostr(a, sizeof(a), base);
	git_oid_tostr(b, sizeof(b), head);
	snprintf(name, sizeof(name), "diff %s..%s", a, b);

	if ((error = review_diff_git_tree(&old_tree, repo, base, err)) < 0 ||
	    (error = review_diff_git_tree(&new_tree, repo, head, err)) < 0)
		goto out;
	/* Trees only: a typechange stays one delta, split below as git does. */
	dopts.flags |= GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_tree(&diff, repo, old_tree, new_tree,
				  &dopts) < 0) {
		error = error_set(err, TEND_ERROR, "cannot compute %s: %s",
				  name, review_diff_git_errmsg());
		goto out;
	}
	entries = review_diff_git_entries(&nr, &delta_of, diff);
	if (opts->find_renames &&
	    (error = review_diff_git_renames(entries, &nr, diff, delta_of,
					     repo, opts, err)) < 0)
		goto out;

	/* git's defaults: 3 lines of context, the indent heuristic on. */
	dopts.flags = GIT_DIFF_INDENT_HEURISTIC;
	dopts.context_lines = opts->context_lines < 0 ?
			      3 : (uint32_t)opts->context_lines;
	run.repo = repo;
	run.dopts = &dopts;
	run.opts = opts;
	run.kept = 0;
	run.entries = entries;
	run.nr = nr;
	run.name = name;
	run.next = 0;
	jobs_run(jobs_for(nr), review_diff_git_work, &run);

	for (i = 0; i < nr; i++)
		if (entries[i].rc < 0) {
			error = error_set(err, entries[i].rc, "%s",
					  entries[i].err);
			goto out;
		}
	for (i = 0; i < nr; i++)
		review_diff_move(out, &entries[i].sub);
	error = 0;
out:
	for (i = 0; i < nr; i++) {
		review_diff_release(&entries[i].sub);
		free(entries[i].err);
	}
	free(entries);
	free(delta_of);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	if (error < 0)
		review_diff_release(out);
	return error;
}
