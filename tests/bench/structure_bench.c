/*
 * structure_bench.c - the driver of tests/bench/structure.sh: run every
 * built-in structural rule and the syntax check over each file under a
 * directory, as if the change added them all, and report throughput.
 *
 *   structure_bench [-v] [-p] DIR
 *
 * Prints files, bytes, findings per rule, seconds, MB/s, files/s and the
 * peak resident set size. -v prints every syntax-error finding (the
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
#include "common/xalloc.h"
#include "review/finding.h"
#include "review/lang.h"
#include "review/structure.h"

static struct review_structure bench_rules;
static struct review_findings bench_found;
static size_t bench_files, bench_bytes, bench_skipped, bench_other;
static int bench_verbose, bench_parse_only;

static int bench_file(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	struct buf text = BUF_INIT;
	const char *lang, *nl;
	size_t before = bench_found.nr, i;
	FILE *fp;
	char chunk[65536];
	size_t n;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if (!(fp = fopen(path, "rb")))
		return 0;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&text, chunk, n);
	fclose(fp);
	nl = memchr(text.ptr, '\n', text.len);
	lang = review_lang_detect(path, text.ptr,
				  nl ? (size_t)(nl - text.ptr) : text.len);
	switch (review_structure_scan(&bench_rules, path, lang, text.ptr,
				      text.len, NULL, 0, NULL, 0,
				      &bench_found)) {
	case 0:
		break;
	case TEND_ENOTFOUND:	/* no grammar: not counted */
		bench_other++;
		buf_release(&text);
		return 0;
	default:		/* too big, or the parse timed out */
		bench_skipped++;
		break;
	}
	bench_files++;
	bench_bytes += text.len;
	for (i = before; bench_verbose && i < bench_found.nr; i++) {
		const struct review_finding *f = &bench_found.items[i];

		if (!strcmp(f->rule_id, REVIEW_STRUCTURE_SYNTAX_ID))
			printf("%s:%u: %s\n", f->path, f->line, f->message);
	}
	buf_release(&text);
	return 0;
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
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (nftw(argv[1], bench_file, 32, FTW_PHYS) < 0) {
		perror(argv[1]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
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
	       "%.1f MB\n",
	       secs, bench_bytes / 1048576.0 / secs, bench_files / secs,
	       ru.ru_maxrss / 1024.0);
	review_findings_release(&bench_found);
	review_structure_release(&bench_rules);
	buf_release(&err);
	return 0;
}
