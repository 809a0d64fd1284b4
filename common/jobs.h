/*
 * jobs.h - run one job on several threads: how many, and the fork/join.
 *
 * The review spreads independent per-file work (patch text, the regex scan,
 * structural parsing) over the machine's cores. This file decides how many
 * threads that is and starts and joins them; what a thread does, how it
 * picks its next item and how results are merged back in a deterministic
 * order is the caller's business (usually an atomic counter over an array
 * and one result slot per item, merged in item order afterwards, so the
 * output is byte for byte the same whatever the thread count).
 *
 * The thread count is TEND_JOBS when set (1 to JOBS_MAX), else the number
 * of online CPUs capped at JOBS_MAX. TEND_JOBS=1 runs everything on the
 * calling thread.
 */
#ifndef COMMON_JOBS_H
#define COMMON_JOBS_H

#include <stddef.h>

#define JOBS_MAX 64

/*
 * How many threads a job may use: TEND_JOBS, or the online CPUs. A
 * TEND_JOBS that is not a number from 1 to JOBS_MAX is reported once (a
 * warning naming the value) and the CPU count is used instead.
 */
unsigned jobs_threads(void);

/*
 * Run work(data, i) for i in [0, n) on n threads, the calling thread
 * being i == 0, and return when all have returned. A thread that cannot be
 * started is not needed for correctness: its share is done by the others
 * (work() must pick items from a shared counter, not by its index). With
 * n <= 1 this is a plain call.
 */
void jobs_run(unsigned n, void (*work)(void *data, unsigned i), void *data);

/*
 * The thread count for `items` pieces of work: jobs_threads(), but no
 * more threads than items, and at least 1.
 */
unsigned jobs_for(size_t items);

#endif
