/*
 * bench_sandbox.c - what the sandbox costs: the median wall time of
 * sandbox_run() on `true` against proc_run() of /bin/true (a plain fork and
 * exec with the same capture), interleaved in one run so both see the same
 * machine. Prints the medians, the 90th percentiles and the added cost.
 *
 *   bench_sandbox [RUNS] [TARGET_MS]
 *
 * Exits 1 when the median added cost is above TARGET_MS (default 10).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/buf.h"
#include "common/proc.h"
#include "common/sandbox.h"

static double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double bench_pct(double *v, int n, int pct)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp);
	return v[(n - 1) * pct / 100];
}

int main(int argc, char **argv)
{
	const char *const plain_argv[] = { "/bin/true", NULL };
	const char *const sbx_argv[] = { "true", NULL };
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
	double target = argc > 2 ? strtod(argv[2], NULL) : 10.0;
	double *plain, *sbx, t, pm, sm, p90, s90;
	struct buf err = BUF_INIT;
	struct proc_opts po;
	struct sandbox_opts so;
	struct proc_result r;
	int i;

	if (runs < 5)
		runs = 5;
	plain = calloc((size_t)runs, sizeof(*plain));
	sbx = calloc((size_t)runs, sizeof(*sbx));
	if (!plain || !sbx)
		return 2;
	if (sandbox_probe(&err)) {
		fprintf(stderr, "bench_sandbox: %s\n", err.ptr);
		return 2;
	}
	proc_result_init(&r);
	proc_opts_init(&po);
	po.argv = plain_argv;
	po.merge_output = 1;
	sandbox_opts_init(&so);
	so.argv = sbx_argv;
	for (i = 0; i < runs; i++) {
		t = bench_now_ms();
		if (proc_run(&r, &po, &err) || r.exit_code) {
			fprintf(stderr, "bench_sandbox: plain run failed\n");
			return 2;
		}
		plain[i] = bench_now_ms() - t;
		t = bench_now_ms();
		if (sandbox_run(&r, &so, &err) || r.exit_code) {
			fprintf(stderr, "bench_sandbox: sandboxed run failed: "
				"%s%s\n", err.ptr, r.out.ptr);
			return 2;
		}
		sbx[i] = bench_now_ms() - t;
	}
	pm = bench_pct(plain, runs, 50);
	p90 = bench_pct(plain, runs, 90);
	sm = bench_pct(sbx, runs, 50);
	s90 = bench_pct(sbx, runs, 90);
	printf("sandbox: %d runs each; plain fork/exec of true: median "
	       "%.2f ms (p90 %.2f); sandboxed true: median %.2f ms (p90 "
	       "%.2f)\n", runs, pm, p90, sm, s90);
	printf("sandbox: added %.2f ms per sandboxed command (median), "
	       "%.1fx plain (target: under %.0f ms added)\n", sm - pm,
	       pm > 0 ? sm / pm : 0.0, target);
	proc_result_release(&r);
	buf_release(&err);
	free(plain);
	free(sbx);
	if (sm - pm > target) {
		printf("sandbox: OVER TARGET\n");
		return 1;
	}
	return 0;
}
