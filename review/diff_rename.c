/*
 * diff_rename.c - pair deleted and added files as renames, the way
 * `git diff -M` chooses (see diff_rename.h for the rules).
 *
 * Scores are kept on git's scale (0..REVIEW_DIFF_RENAME_MAX) so that
 * thresholds, the basename bar and the percentage shown round exactly as
 * git's do. Sizes and fingerprints are computed the first time a pair
 * needs them: the size test prunes most pairs before any content is read.
 *
 * Not here: reading objects or printing anything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/jobs.h"
#include "common/xalloc.h"
#include "review/diff_rename.h"

#define REVIEW_DIFF_RENAME_MAX 60000
/* Chunk length cap: a chunk ends at a newline or after this many bytes. */
#define REVIEW_DIFF_RENAME_CHUNK 64
/* Candidates a destination keeps from the matrix. */
#define REVIEW_DIFF_RENAME_KEEP 4
/* Identical sources looked at for one destination, at most. */
#define REVIEW_DIFF_RENAME_EXACT_TRIES 100
/* Bytes looked at to decide that content is binary (git's). */
#define REVIEW_DIFF_RENAME_BINARY_PEEK 8000

/* One distinct chunk of a file: its hash and how many bytes carry it. */
struct review_diff_rename_chunk {
	uint64_t hash;
	uint64_t bytes;
};

/* What is known about one file, filled when first needed. */
struct review_diff_rename_info {
	const struct review_diff_rename_file *f;
	size_t size;
	struct review_diff_rename_chunk *fp;	/* sorted by hash */
	size_t nr_fp;
	signed char size_state;	/* 0 unknown, 1 known, -1 unreadable */
	signed char fp_state;
	unsigned char used;	/* a source already renamed */
	unsigned char matched;	/* a destination already paired */
};

struct review_diff_rename_ctx {
	const struct review_diff_rename_io *io;
	struct review_diff_rename_info *src, *dst;
	size_t nr_src, nr_dst;
	struct review_diff_rename_file *out;	/* the destinations */
	struct buf content;
	int min_score;
};

/* One cell of the matrix. */
struct review_diff_rename_cand {
	size_t src, dst;
	size_t pos;		/* place in the matrix, for a stable order */
	int score;
	int name_score;
	int valid;
};

static int review_diff_rename_regular(unsigned mode)
{
	return S_ISREG(mode);
}

/* The part of `path` after its last '/'. */
static const char *review_diff_rename_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int review_diff_rename_same_base(const char *a, const char *b)
{
	return !strcmp(review_diff_rename_base(a), review_diff_rename_base(b));
}

static int review_diff_rename_size(struct review_diff_rename_ctx *ctx,
				   struct review_diff_rename_info *in)
{
	if (!in->size_state)
		in->size_state = ctx->io->size(ctx->io->data, in->f,
					       &in->size) < 0 ? -1 : 1;
	return in->size_state;
}

static int review_diff_rename_chunk_cmp(const void *a, const void *b)
{
	const struct review_diff_rename_chunk *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/*
 * The fingerprint of `s`: every chunk's 64-bit hash (FNV-1a, then a final
 * mix so that short chunks spread over the whole word) with the bytes it
 * covers, sorted, equal hashes summed.
 */
static void review_diff_rename_fingerprint(struct review_diff_rename_info *in,
					   const unsigned char *s, size_t len)
{
	size_t peek = len < REVIEW_DIFF_RENAME_BINARY_PEEK ?
		      len : REVIEW_DIFF_RENAME_BINARY_PEEK;
	int text = !memchr(s, '\0', peek);
	struct review_diff_rename_chunk *fp = NULL;
	size_t nr = 0, alloc = 0, i, n = 0, k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		/* CRLF and LF text are the same text. */
		if (text && c == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		h = (h ^ c) * 0x100000001b3ull;
		if (++n < REVIEW_DIFF_RENAME_CHUNK && c != '\n' &&
		    i + 1 < len)
			continue;
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 32;
		fp = xgrow(fp, &alloc, nr + 1, sizeof(*fp));
		fp[nr].hash = h;
		fp[nr++].bytes = n;
		n = 0;
		h = 0xcbf29ce484222325ull;
	}
	if (nr)
		qsort(fp, nr, sizeof(*fp), review_diff_rename_chunk_cmp);
	for (i = 0, k = 0; i < nr; i++) {
		if (k && fp[k - 1].hash == fp[i].hash)
			fp[k - 1].bytes += fp[i].bytes;
		else
			fp[k++] = fp[i];
	}
	in->fp = fp;
	in->nr_fp = k;
}

static int review_diff_rename_load(struct review_diff_rename_ctx *ctx,
				   struct review_diff_rename_info *in)
{
	if (in->fp_state)
		return in->fp_state;
	buf_reset(&ctx->content);
	if (ctx->io->load(ctx->io->data, in->f, &ctx->content) < 0) {
		in->fp_state = -1;
		return -1;
	}
	review_diff_rename_fingerprint(in, (const unsigned char *)
				       ctx->content.ptr, ctx->content.len);
	/* The size test must use what was compared. */
	in->size = ctx->content.len;
	in->size_state = 1;
	in->fp_state = 1;
	return 1;
}

/* Bytes of `a`'s chunks that `b` has too. */
static uint64_t review_diff_rename_common(const struct review_diff_rename_info *a,
					  const struct review_diff_rename_info *b)
{
	const struct review_diff_rename_chunk *x = a->fp, *xe = x + a->nr_fp;
	const struct review_diff_rename_chunk *y = b->fp, *ye = y + b->nr_fp;
	uint64_t same = 0;

	while (x < xe && y < ye) {
		if (x->hash < y->hash) {
			x++;
		} else if (x->hash > y->hash) {
			y++;
		} else {
			same += x->bytes < y->bytes ? x->bytes : y->bytes;
			x++;
			y++;
		}
	}
	return same;
}

/*
 * How much of `d` comes from `s`, 0..REVIEW_DIFF_RENAME_MAX; 0 for files
 * that are not both regular, cannot be read, or whose sizes differ by more
 * than the threshold allows.
 */
/*
 * Could `s` be renamed to `d` at all: both regular files, readable, and of
 * sizes within what the threshold allows?
 */
static int review_diff_rename_fits(struct review_diff_rename_ctx *ctx,
				   struct review_diff_rename_info *s,
				   struct review_diff_rename_info *d)
{
	uint64_t max, min;

	if (!review_diff_rename_regular(s->f->mode) ||
	    !review_diff_rename_regular(d->f->mode))
		return 0;
	if (review_diff_rename_size(ctx, s) < 0 ||
	    review_diff_rename_size(ctx, d) < 0)
		return 0;
	max = s->size > d->size ? s->size : d->size;
	min = s->size > d->size ? d->size : s->size;
	return max * (REVIEW_DIFF_RENAME_MAX - ctx->min_score) >=
	       (max - min) * REVIEW_DIFF_RENAME_MAX;
}

static int review_diff_rename_score(struct review_diff_rename_ctx *ctx,
				    struct review_diff_rename_info *s,
				    struct review_diff_rename_info *d)
{
	uint64_t max;

	if (!review_diff_rename_fits(ctx, s, d))
		return 0;
	max = s->size > d->size ? s->size : d->size;
	if (review_diff_rename_load(ctx, s) < 0 ||
	    review_diff_rename_load(ctx, d) < 0 || !max)
		return 0;
	return (int)(review_diff_rename_common(s, d) * REVIEW_DIFF_RENAME_MAX /
		     max);
}

static void review_diff_rename_pair(struct review_diff_rename_ctx *ctx,
				    size_t s, size_t d, int score)
{
	ctx->src[s].used = 1;
	ctx->dst[d].matched = 1;
	ctx->out[d].match = (long)s;
	ctx->out[d].score = score * 100 / REVIEW_DIFF_RENAME_MAX;
}

/* Sources by object id, then in their own order. */
static int review_diff_rename_by_id(const void *a, const void *b)
{
	const struct review_diff_rename_info *const *x = a, *const *y = b;
	int c = memcmp((*x)->f->id, (*y)->f->id, REVIEW_DIFF_RENAME_IDLEN);

	return c ? c : *x < *y ? -1 : *x > *y;
}

/* Step 1: identical content. */
static void review_diff_rename_exact(struct review_diff_rename_ctx *ctx)
{
	struct review_diff_rename_info **order =
		xcalloc(ctx->nr_src, sizeof(*order));
	size_t i, lo, hi;

	for (i = 0; i < ctx->nr_src; i++)
		order[i] = &ctx->src[i];
	qsort(order, ctx->nr_src, sizeof(*order), review_diff_rename_by_id);

	for (i = 0; i < ctx->nr_dst; i++) {
		const struct review_diff_rename_file *d = ctx->dst[i].f;
		const struct review_diff_rename_info *best = NULL;
		size_t k;
		int best_score = -1, tries = REVIEW_DIFF_RENAME_EXACT_TRIES;

		/* The first source with this id, by binary search. */
		lo = 0;
		hi = ctx->nr_src;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (memcmp(order[mid]->f->id, d->id,
				   REVIEW_DIFF_RENAME_IDLEN) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k < ctx->nr_src; k++) {
			const struct review_diff_rename_info *s = order[k];
			int score;

			if (memcmp(s->f->id, d->id, REVIEW_DIFF_RENAME_IDLEN))
				break;
			if ((!review_diff_rename_regular(s->f->mode) ||
			     !review_diff_rename_regular(d->mode)) &&
			    s->f->mode != d->mode)
				continue;
			if (s->used)
				continue;
			score = 1 + review_diff_rename_same_base(s->f->path,
								 d->path);
			if (score > best_score) {
				best = s;
				best_score = score;
				if (score == 2)
					break;
			}
			if (!--tries)
				break;
		}
		if (best)
			review_diff_rename_pair(ctx, (size_t)(best - ctx->src),
						i, REVIEW_DIFF_RENAME_MAX);
	}
	free(order);
}

static int review_diff_rename_path_cmp(const void *a, const void *b)
{
	const struct review_diff_rename_info *const *x = a, *const *y = b;
	int c = strcmp(review_diff_rename_base((*x)->f->path),
		       review_diff_rename_base((*y)->f->path));

	return c ? c : *x < *y ? -1 : *x > *y;
}

/*
 * The files of `in` not yet taken whose basename no other such file has,
 * sorted by basename (in index order among equals, though equals are
 * dropped).
 */
static size_t review_diff_rename_unique(struct review_diff_rename_info ***out,
					struct review_diff_rename_info *in,
					size_t nr, int sources)
{
	struct review_diff_rename_info **all = xcalloc(nr ? nr : 1,
						       sizeof(*all));
	size_t i, n = 0, k = 0;

	for (i = 0; i < nr; i++)
		if (!(sources ? in[i].used : in[i].matched))
			all[n++] = &in[i];
	qsort(all, n, sizeof(*all), review_diff_rename_path_cmp);
	for (i = 0; i < n; i++) {
		const char *b = review_diff_rename_base(all[i]->f->path);

		if ((i > 0 && !strcmp(b, review_diff_rename_base(
					      all[i - 1]->f->path))) ||
		    (i + 1 < n && !strcmp(b, review_diff_rename_base(
						  all[i + 1]->f->path))))
			continue;
		all[k++] = all[i];
	}
	*out = all;
	return k;
}

/* Step 2: a unique basename on both sides and a high score. */
static void review_diff_rename_basenames(struct review_diff_rename_ctx *ctx)
{
	struct review_diff_rename_info **srcs, **dsts;
	size_t ns, nd, i, lo, hi;
	int bar = ctx->min_score +
		  (int)(0.5 * (REVIEW_DIFF_RENAME_MAX - ctx->min_score));

	ns = review_diff_rename_unique(&srcs, ctx->src, ctx->nr_src, 1);
	nd = review_diff_rename_unique(&dsts, ctx->dst, ctx->nr_dst, 0);
	/* Sources in their own order, as git walks them. */
	for (i = 0; i < ctx->nr_src; i++) {
		struct review_diff_rename_info *s = &ctx->src[i];
		const char *base = review_diff_rename_base(s->f->path);
		int score, found = 0;

		if (s->used)
			continue;
		lo = 0;
		hi = ns;
		while (lo < hi && !found) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(review_diff_rename_base(
					       srcs[mid]->f->path), base);

			if (!c)
				found = srcs[mid] == s;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!found)
			continue;
		lo = 0;
		hi = nd;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(review_diff_rename_base(dsts[mid]->f->path),
				   base) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nd || strcmp(review_diff_rename_base(
					       dsts[lo]->f->path), base) ||
		    dsts[lo]->matched)
			continue;
		score = review_diff_rename_score(ctx, s, dsts[lo]);
		if (score < bar)
			continue;
		review_diff_rename_pair(ctx, i, (size_t)(dsts[lo] - ctx->dst),
					score);
	}
	free(srcs);
	free(dsts);
}

/*
 * The order of candidates: higher score first, then a same basename; an
 * invalid (empty) slot after everything. Positive when `a` ranks after
 * `b`.
 */
static int review_diff_rename_rank(const struct review_diff_rename_cand *a,
				   const struct review_diff_rename_cand *b)
{
	if (!a->valid)
		return b->valid;
	if (!b->valid)
		return -1;
	if (a->score != b->score)
		return b->score - a->score;
	return b->name_score - a->name_score;
}

/*
 * Keep `c` among a destination's best if it ranks before the worst kept
 * (the first of equally bad ones is the one replaced).
 */
static void review_diff_rename_keep(struct review_diff_rename_cand *m,
				    const struct review_diff_rename_cand *c)
{
	int i, worst = 0;

	for (i = 1; i < REVIEW_DIFF_RENAME_KEEP; i++)
		if (review_diff_rename_rank(&m[i], &m[worst]) > 0)
			worst = i;
	if (review_diff_rename_rank(&m[worst], c) > 0)
		m[worst] = *c;
}

static int review_diff_rename_cand_cmp(const void *a, const void *b)
{
	const struct review_diff_rename_cand *x = a, *y = b;
	int c = review_diff_rename_rank(x, y);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Step 3: everything left against everything left. */
/* The rows of the matrix, one destination each, for the threads. */
struct review_diff_rename_rows {
	struct review_diff_rename_ctx *ctx;
	const size_t *srcs;	/* the sources left */
	size_t nr_srcs;
	size_t *rows;		/* row -> destination */
	size_t nr_rows;
	struct review_diff_rename_cand *mx;
	size_t next;		/* taken atomically */
};

static void review_diff_rename_rows(void *data, unsigned worker)
{
	struct review_diff_rename_rows *r = data;
	struct review_diff_rename_ctx *ctx = r->ctx;
	size_t k, j;

	(void)worker;
	while ((k = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED)) <
	       r->nr_rows) {
		struct review_diff_rename_cand *m =
			&r->mx[k * REVIEW_DIFF_RENAME_KEEP];
		size_t i = r->rows[k];

		for (j = 0; j < r->nr_srcs; j++) {
			struct review_diff_rename_cand c;

			c.src = r->srcs[j];
			c.dst = i;
			c.valid = 1;
			c.pos = 0;
			c.score = review_diff_rename_score(ctx,
							   &ctx->src[c.src],
							   &ctx->dst[i]);
			c.name_score = review_diff_rename_same_base(
				ctx->src[c.src].f->path, ctx->dst[i].f->path);
			review_diff_rename_keep(m, &c);
		}
	}
}

static int review_diff_rename_matrix(struct review_diff_rename_ctx *ctx,
				     size_t limit)
{
	struct review_diff_rename_rows rows;
	struct review_diff_rename_cand *mx;
	size_t *srcs, ns = 0, nd = 0, i, j, n;

	for (i = 0; i < ctx->nr_dst; i++)
		nd += !ctx->dst[i].matched;
	srcs = xcalloc(ctx->nr_src ? ctx->nr_src : 1, sizeof(*srcs));
	for (i = 0; i < ctx->nr_src; i++)
		if (!ctx->src[i].used)
			srcs[ns++] = i;
	if (!nd || !ns) {
		free(srcs);
		return 0;
	}
	if (limit && (uint64_t)nd * ns > (uint64_t)limit * limit) {
		free(srcs);
		return 1;
	}
	/*
	 * Read, serially, every file some pair needs (the size test rules
	 * most pairs out); the rows of the matrix then only read what is
	 * known and are spread over threads, each row in its own slots.
	 */
	rows.rows = xcalloc(nd, sizeof(*rows.rows));
	for (i = 0, n = 0; i < ctx->nr_dst; i++)
		if (!ctx->dst[i].matched)
			rows.rows[n++] = i;
	for (i = 0; i < n; i++)
		for (j = 0; j < ns; j++)
			if (review_diff_rename_fits(ctx, &ctx->src[srcs[j]],
						    &ctx->dst[rows.rows[i]])) {
				review_diff_rename_load(ctx,
							&ctx->src[srcs[j]]);
				review_diff_rename_load(ctx,
							&ctx->dst[rows.rows[i]]);
			}
	mx = xcalloc(nd * REVIEW_DIFF_RENAME_KEEP, sizeof(*mx));
	rows.ctx = ctx;
	rows.srcs = srcs;
	rows.nr_srcs = ns;
	rows.nr_rows = n;
	rows.mx = mx;
	rows.next = 0;
	jobs_run(jobs_for(n / 16 + 1), review_diff_rename_rows, &rows);
	for (i = 0; i < n * REVIEW_DIFF_RENAME_KEEP; i++)
		mx[i].pos = i;
	qsort(mx, n * REVIEW_DIFF_RENAME_KEEP, sizeof(*mx),
	      review_diff_rename_cand_cmp);
	for (i = 0; i < n * REVIEW_DIFF_RENAME_KEEP; i++) {
		const struct review_diff_rename_cand *c = &mx[i];

		if (!c->valid || c->score < ctx->min_score)
			break;
		if (ctx->dst[c->dst].matched || ctx->src[c->src].used)
			continue;
		review_diff_rename_pair(ctx, c->src, c->dst, c->score);
	}
	free(mx);
	free(rows.rows);
	free(srcs);
	return 0;
}

static void review_diff_rename_infos(struct review_diff_rename_info **out,
				     const struct review_diff_rename_file *f,
				     size_t nr)
{
	struct review_diff_rename_info *in = xcalloc(nr ? nr : 1,
						     sizeof(*in));
	size_t i;

	for (i = 0; i < nr; i++)
		in[i].f = &f[i];
	*out = in;
}

static void review_diff_rename_infos_free(struct review_diff_rename_info *in,
					  size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(in[i].fp);
	free(in);
}

int review_diff_rename_find(const struct review_diff_rename_file *src,
			    size_t nr_src,
			    struct review_diff_rename_file *dst,
			    size_t nr_dst,
			    const struct review_diff_rename_opts *opts,
			    const struct review_diff_rename_io *io)
{
	struct review_diff_rename_ctx ctx;
	int threshold = opts && opts->threshold > 0 ? opts->threshold : 50;
	size_t i;
	int rc = 0;

	for (i = 0; i < nr_dst; i++) {
		dst[i].match = -1;
		dst[i].score = 0;
	}
	if (!nr_src || !nr_dst)
		return 0;
	if (threshold > 100)
		threshold = 100;
	memset(&ctx, 0, sizeof(ctx));
	ctx.io = io;
	ctx.nr_src = nr_src;
	ctx.nr_dst = nr_dst;
	ctx.out = dst;
	ctx.min_score = threshold * REVIEW_DIFF_RENAME_MAX / 100;
	buf_init(&ctx.content, 0);
	review_diff_rename_infos(&ctx.src, src, nr_src);
	review_diff_rename_infos(&ctx.dst, dst, nr_dst);

	review_diff_rename_exact(&ctx);
	/* A threshold of 100% asks for exact renames only. */
	if (ctx.min_score < REVIEW_DIFF_RENAME_MAX) {
		review_diff_rename_basenames(&ctx);
		rc = review_diff_rename_matrix(&ctx, opts ? opts->limit : 0);
	}
	review_diff_rename_infos_free(ctx.src, nr_src);
	review_diff_rename_infos_free(ctx.dst, nr_dst);
	buf_release(&ctx.content);
	return rc;
}
