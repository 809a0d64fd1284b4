/*
 * structure_bench.c - the driver of tests/bench/structure.sh: run every
 * built-in structural rule and the syntax check over each file under a
 * directory, as if the change added them all, and report throughput.
 *
 *   structure_bench [-v] [-p] DIR
 *
 * Prints files, bytes, findings per rule, seconds, MB/s, files/s and the
 * peak resident set size. Files are read first (off the clock), then
 * checked on TEND_JOBS threads (default: the online CPUs), as the review
 * checks them. -v prints every syntax-error finding (the
 * generated files are meant to be valid code, so these show grammar or
 * generator problems). -p parses only: every rule off, the syntax check
 * on, to tell parsing time from query time.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/jobs.h"
#include "common/xalloc.h"
#include "review/finding.h"
#include "review/lang.h"
#include "review/structure.h"

static struct review_structure bench_rules;
static struct review_findings bench_found;
static size_t bench_files, bench_bytes, bench_skipped, bench_other;
static int bench_verbose, bench_parse_only;

/* The files under DIR, in nftw order; scanned later on all threads. */
struct bench_file {
	char *path;
	const char *lang;
	struct buf text;
	struct review_findings found;
	int rc;
};
static struct bench_file *bench_list;
static size_t bench_nr, bench_alloc, bench_next;

static int bench_collect(const char *path, const struct stat *st, int type,
			 struct FTW *ftw)
{
	struct bench_file *f;
	const char *nl;
	FILE *fp;
	char chunk[65536];
	size_t n;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if (!(fp = fopen(path, "rb")))
		return 0;
	ALLOC_GROW(bench_list, bench_nr, bench_alloc);
	f = &bench_list[bench_nr++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	buf_init(&f->text, 0);
	review_findings_init(&f->found);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&f->text, chunk, n);
	fclose(fp);
	nl = memchr(f->text.ptr, '\n', f->text.len);
	f->lang = review_lang_detect(path, f->text.ptr,
				     nl ? (size_t)(nl - f->text.ptr) :
				     f->text.len);
	review_structure_ready(&bench_rules, f->lang, path);
	return 0;
}

static void bench_work(void *data, unsigned worker)
{
	size_t i;

	(void)data;
	(void)worker;
	while ((i = __atomic_fetch_add(&bench_next, 1, __ATOMIC_RELAXED)) <
	       bench_nr) {
		struct bench_file *f = &bench_list[i];

		f->rc = review_structure_scan(&bench_rules, f->path, f->lang,
					      f->text.ptr, f->text.len, NULL,
					      0, NULL, 0, &f->found);
	}
}

/* Tally one scanned file, in file order. */
static void bench_tally(struct bench_file *f)
{
	size_t i;

	switch (f->rc) {
	case 0:
		break;
	case TEND_ENOTFOUND:	/* no grammar: not counted */
		bench_other++;
		return;
	default:		/* too big, or the parse timed out */
		bench_skipped++;
		break;
	}
	bench_files++;
	bench_bytes += f->text.len;
	for (i = 0; i < f->found.nr; i++) {
		const struct review_finding *x = &f->found.items[i];

		if (bench_verbose &&
		    !strcmp(x->rule_id, REVIEW_STRUCTURE_SYNTAX_ID))
			printf("%s:%u: %s\n", x->path, x->line, x->message);
		review_findings_add(&bench_found, x);
	}
}

static int bench_cmp(const void *a, const void *b)
{
	const struct review_finding *x = a, *y = b;

	return strcmp(x->rule_id, y->rule_id);
}

int main(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct timespec t0, t1;
	struct rusage ru;
	double secs;
	size_t i, run = 0;
	unsigned threads;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-v"))
			bench_verbose = 1;
		else if (!strcmp(argv[1], "-p"))
			bench_parse_only = 1;
		else
			break;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: structure_bench [-v] [-p] DIR\n");
		return 2;
	}
	review_structure_init(&bench_rules);
	review_findings_init(&bench_found);
	if (review_structure_add_builtin(&bench_rules, NULL, &err) < 0) {
		fprintf(stderr, "structure_bench: %s\n", err.ptr);
		return 2;
	}
	if (bench_parse_only) {
		review_structure_disable(&bench_rules, "structure");
		bench_rules.syntax_check = 1;
	}
	/* Reading files is not the checks' cost: done before the clock. */
	if (nftw(argv[1], bench_collect, 32, FTW_PHYS) < 0) {
		perror(argv[1]);
		return 2;
	}
	threads = jobs_for(bench_nr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	jobs_run(threads, bench_work, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < bench_nr; i++) {
		bench_tally(&bench_list[i]);
		free(bench_list[i].path);
		buf_release(&bench_list[i].text);
		review_findings_release(&bench_list[i].found);
	}
	free(bench_list);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);

	qsort(bench_found.items, bench_found.nr, sizeof(*bench_found.items),
	      bench_cmp);
	for (i = 0; i < bench_found.nr; i++) {
		run++;
		if (i + 1 < bench_found.nr &&
		    !strcmp(bench_found.items[i].rule_id,
			    bench_found.items[i + 1].rule_id))
			continue;
		printf("  %-34s %zu\n", bench_found.items[i].rule_id, run);
		run = 0;
	}
	printf("structure_bench: %zu files (%zu skipped), %.1f MB, %zu "
	       "findings, %d rules; %zu files without a grammar\n",
	       bench_files, bench_skipped, bench_bytes / 1048576.0,
	       bench_found.nr, (int)review_structure_count(&bench_rules),
	       bench_other);
	printf("structure_bench: %.2f s, %.1f MB/s, %.0f files/s, peak RSS "
	       "%.1f MB, %u threads\n",
	       secs, bench_bytes / 1048576.0 / secs, bench_files / secs,
	       ru.ru_maxrss / 1024.0, threads);
	review_findings_release(&bench_found);
	review_structure_release(&bench_rules);
	buf_release(&err);
	return 0;
}
