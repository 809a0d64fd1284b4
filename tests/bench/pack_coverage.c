/*
 * pack_coverage.c - how much of a large change the reviewer sees: the
 * share of changed lines that agent_pack() puts in front of the model
 * under a token budget, against packing whole files largest-first.
 *
 *   pack_coverage [FILES] [BUDGET_TOKENS] [SEED]
 *
 * The change is synthetic and deterministic (a fixed LCG): FILES files
 * (default 200) of varied sizes: most of 30-1500 lines with 1-6 hunks of
 * 1-30 changed lines, 3% huge ones (8,000-20,000 lines, 20-40 hunks) and
 * 2% new files of 2,000-6,000 lines added whole. Lines are 16-90 bytes of
 * code-like text.
 *
 * The baseline is what a file-by-file packer does: each changed file's
 * whole new version, numbered as read_file shows it ("  12| text"), taken
 * largest first and skipped when it does not fit, under the same budget
 * in bytes (tokens x 4). Every changed line of a file it takes counts as
 * seen, removed ones included, which favours the baseline. A second
 * baseline packs each file's whole diff as a unit, largest first, for
 * scale.
 *
 * Prints both shares and the ratio; exits 1 when the ratio is under 1.5
 * (the target of issue 5) or the pack is over its budget.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/pack.h"
#include "common/buf.h"
#include "common/xalloc.h"

static unsigned long long bench_state;

static unsigned bench_rand(unsigned n)
{
	bench_state = bench_state * 6364136223846793005ULL +
		1442695040888963407ULL;
	return (unsigned)((bench_state >> 33) % n);
}

/* The byte length of line `no` of file `f` (deterministic, 16..90). */
static size_t bench_line_len(size_t f, unsigned no)
{
	unsigned long long h = (f + 1) * 0x9e3779b97f4a7c15ULL ^
		(no * 0xbf58476d1ce4e5b9ULL);

	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 29;
	return 16 + (size_t)(h % 75);
}

static const char *const bench_words[] = {
	"value", "count", "result", "buffer", "index", "config", "handle",
	"parse", "update", "render", "error", "return", "offset", "length",
};

/* Fill `out` with `len` bytes of code-like text. */
static void bench_text(char *out, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *w = bench_words[bench_rand(14)];
		size_t n = strlen(w);

		if (n > len - i)
			n = len - i;
		memcpy(out + i, w, n);
		i += n;
		if (i < len)
			out[i++] = " (_=;,."[bench_rand(7)];
	}
}

struct bench_file {
	unsigned nr_lines;		/* of the new version */
	size_t file_bytes;		/* whole new version, numbered */
	size_t diff_bytes;		/* its hunks, rendered */
	size_t changed;
};

static int bench_cmp_size(const void *a, const void *b, size_t key)
{
	const struct bench_file *x = a, *y = b;
	size_t sx = key ? x->diff_bytes : x->file_bytes;
	size_t sy = key ? y->diff_bytes : y->file_bytes;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return 0;
}

static int bench_cmp_file(const void *a, const void *b)
{
	return bench_cmp_size(a, b, 0);
}

static int bench_cmp_diff(const void *a, const void *b)
{
	return bench_cmp_size(a, b, 1);
}

/* Largest first, skip what does not fit: changed lines seen. */
static size_t bench_baseline(struct bench_file *bf, size_t n, size_t budget,
			     int diff)
{
	struct bench_file *v = xmalloc(n * sizeof(*v));
	size_t i, used = 0, seen = 0;

	memcpy(v, bf, n * sizeof(*v));
	qsort(v, n, sizeof(*v), diff ? bench_cmp_diff : bench_cmp_file);
	for (i = 0; i < n; i++) {
		size_t cost = diff ? v[i].diff_bytes : v[i].file_bytes;

		if (used + cost > budget)
			continue;
		used += cost;
		seen += v[i].changed;
	}
	free(v);
	return seen;
}

int main(int argc, char **argv)
{
	size_t nfiles = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	size_t budget = argc > 2 ? strtoul(argv[2], NULL, 10) : 32000;
	struct agent_change change;
	struct agent_change_file *files;
	struct agent_change_hunk **hunks;
	struct agent_change_line **lines;
	char **texts, **paths;
	struct bench_file *bf;
	struct agent_pack pack;
	struct agent_pack_opts opts;
	struct buf err = BUF_INIT;
	size_t f, total = 0, base_file, base_diff;
	double share, share_file, share_diff, ratio;
	int rc = 0;

	bench_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 42;
	files = xcalloc(nfiles, sizeof(*files));
	hunks = xcalloc(nfiles, sizeof(*hunks));
	lines = xcalloc(nfiles, sizeof(*lines));
	texts = xcalloc(nfiles, sizeof(*texts));
	paths = xcalloc(nfiles, sizeof(*paths));
	bf = xcalloc(nfiles, sizeof(*bf));

	for (f = 0; f < nfiles; f++) {
		unsigned kind = bench_rand(100), nr_lines, nh, h, pos;
		size_t nl = 0, alloc_l = 0, toff = 0, i;
		struct agent_change_line *ls = NULL;
		int added = kind < 2;

		if (added)
			nr_lines = 2000 + bench_rand(4001);
		else if (kind < 5)
			nr_lines = 8000 + bench_rand(12001);
		else
			nr_lines = 30 + bench_rand(1471);
		nh = added ? 1 : kind < 5 ? 20 + bench_rand(21)
					  : 1 + bench_rand(6);
		paths[f] = xasprintf("src/mod%zu/file%zu.%s", f % 17, f,
				     f % 3 ? "c" : "py");
		files[f].path = paths[f];
		files[f].status = added ? "added" : "modified";
		hunks[f] = xcalloc(nh, sizeof(**hunks));
		bf[f].nr_lines = nr_lines;
		for (i = 1; i <= nr_lines; i++)
			bf[f].file_bytes += bench_line_len(f, (unsigned)i) + 7;
		bf[f].file_bytes += strlen(paths[f]) + 20;

		/* lay hunks out over the file, in order, not overlapping */
		texts[f] = xmalloc(added ? (size_t)nr_lines * 91 + 1
					 : (size_t)nh * 40 * 91 * 2 + 1);
		pos = 1;
		for (h = 0; h < nh; h++) {
			struct agent_change_hunk *hk = &hunks[f][h];
			unsigned span = nr_lines / nh, plus, minus, k, start;
			size_t first = nl;

			if (added) {
				plus = nr_lines;
				minus = 0;
				start = 1;
			} else {
				unsigned changed = 1 + bench_rand(30);

				if (span < changed + 8)
					changed = span > 8 ? span - 8 : 1;
				plus = bench_rand(changed + 1);
				minus = changed - plus;
				start = pos + bench_rand(span > changed + 7 ?
							 span - changed - 7 :
							 1);
			}
			hk->new_start = start;
			hk->old_start = start;	/* offsets ignored here */
#define BENCH_LINE(orig, newno) do { \
	size_t len_ = bench_line_len(f, (newno) ? (newno) : \
				     start + 100000 + k); \
	ALLOC_GROW(ls, nl, alloc_l); \
	memset(&ls[nl], 0, sizeof(ls[nl])); \
	ls[nl].origin = (orig); \
	ls[nl].new_no = (newno); \
	ls[nl].text = texts[f] + toff; \
	ls[nl].len = len_; \
	bench_text(texts[f] + toff, len_); \
	toff += len_; \
	nl++; \
} while (0)
			if (added) {
				for (k = 0; k < plus; k++)
					BENCH_LINE('+', start + k);
			} else {
				unsigned no = start;

				for (k = 0; k < 3; k++, no++)
					BENCH_LINE(' ', no);
				for (k = 0; k < minus; k++)
					BENCH_LINE('-', 0);
				for (k = 0; k < plus; k++, no++)
					BENCH_LINE('+', no);
				for (k = 0; k < 3; k++, no++)
					BENCH_LINE(' ', no);
			}
#undef BENCH_LINE
			hk->new_count = added ? plus : 6 + plus;
			hk->old_count = added ? 0 : 6 + minus;
			hk->nr_lines = nl - first;
			/* lines are fixed up below: ls may move */
			hk->lines = (const struct agent_change_line *)
				(uintptr_t)first;
			bf[f].changed += plus + minus;
			pos = start + hk->new_count + 1;
			if (pos < (h + 1) * span)
				pos = (h + 1) * span;
		}
		for (h = 0; h < nh; h++) {
			size_t first = (size_t)(uintptr_t)hunks[f][h].lines;
			size_t j;

			hunks[f][h].lines = ls + first;
			for (j = 0; j < hunks[f][h].nr_lines; j++)
				bf[f].diff_bytes += ls[first + j].len + 8;
			bf[f].diff_bytes += strlen(paths[f]) + 30;
		}
		lines[f] = ls;
		files[f].hunks = hunks[f];
		files[f].nr_hunks = nh;
		total += bf[f].changed;
	}

	memset(&change, 0, sizeof(change));
	change.files = files;
	change.nr_files = nfiles;
	memset(&opts, 0, sizeof(opts));
	opts.budget_tokens = budget;
	agent_pack_init(&pack);
	if (agent_pack(&pack, &change, &opts, &err) < 0) {
		fprintf(stderr, "pack_coverage: %s\n", err.ptr);
		return 2;
	}
	base_file = bench_baseline(bf, nfiles, budget * AGENT_PACK_TOKEN_BYTES,
				   0);
	base_diff = bench_baseline(bf, nfiles, budget * AGENT_PACK_TOKEN_BYTES,
				   1);
	share = 100.0 * (double)pack.lines_seen / (double)total;
	share_file = 100.0 * (double)base_file / (double)total;
	share_diff = 100.0 * (double)base_diff / (double)total;
	ratio = base_file ? (double)pack.lines_seen / (double)base_file : 0;
	printf("pack_coverage: %zu files, %zu changed lines, budget %zu "
	       "tokens\n", nfiles, total, budget);
	printf("  tend hunk packing:        %6zu lines  %5.1f%%  (%zu tokens; "
	       "%zu hunks full, %zu clipped, %zu not shown)\n",
	       pack.lines_seen, share, pack.tokens, pack.hunks_full,
	       pack.hunks_clipped, pack.hunks_unseen);
	printf("  whole files largest-first: %6zu lines  %5.1f%%\n", base_file,
	       share_file);
	printf("  whole diffs largest-first: %6zu lines  %5.1f%%\n", base_diff,
	       share_diff);
	if (base_file)
		printf("  ratio vs whole files: %.2fx (target >= 1.5x)\n",
		       ratio);
	else
		printf("  ratio vs whole files: infinite (baseline saw "
		       "nothing)\n");
	if (pack.tokens > budget) {
		printf("pack_coverage: over budget\n");
		rc = 1;
	}
	if (base_file && ratio < 1.5)
		rc = 1;

	agent_pack_release(&pack);
	for (f = 0; f < nfiles; f++) {
		free(lines[f]);
		free(hunks[f]);
		free(texts[f]);
		free(paths[f]);
	}
	free(files);
	free(hunks);
	free(lines);
	free(texts);
	free(paths);
	free(bf);
	buf_release(&err);
	return rc;
}
