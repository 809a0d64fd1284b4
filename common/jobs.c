/*
 * jobs.c - the thread count (TEND_JOBS) and a fork/join of n threads.
 *
 * Not here: work queues or result merging; each caller keeps its own
 * counter and result slots (see jobs.h), which keeps the threads' sharing
 * visible where the data is.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "jobs.h"
#include "log.h"
#include "xalloc.h"

static pthread_once_t jobs_once = PTHREAD_ONCE_INIT;
static unsigned jobs_nr = 1;

static void jobs_init(void)
{
	const char *env = getenv("TEND_JOBS");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned dflt = cpus < 1 ? 1 : cpus > JOBS_MAX ? JOBS_MAX
						       : (unsigned)cpus;
	char *end;
	long v;

	jobs_nr = dflt;
	if (!env || !*env)
		return;
	errno = 0;
	v = strtol(env, &end, 10);
	if (errno || *end || v < 1 || v > JOBS_MAX) {
		log_warn("ignoring TEND_JOBS='%.32s': not a number from 1 to "
			 "%d; using %u threads", env, JOBS_MAX, dflt);
		return;
	}
	jobs_nr = (unsigned)v;
}

unsigned jobs_threads(void)
{
	pthread_once(&jobs_once, jobs_init);
	return jobs_nr;
}

unsigned jobs_for(size_t items)
{
	unsigned n = jobs_threads();

	if (items < n)
		n = items ? (unsigned)items : 1;
	return n;
}

struct jobs_thread {
	void (*work)(void *data, unsigned i);
	void *data;
	unsigned i;
	pthread_t id;
	int started;
};

static void *jobs_start(void *arg)
{
	struct jobs_thread *t = arg;

	t->work(t->data, t->i);
	return NULL;
}

void jobs_run(unsigned n, void (*work)(void *data, unsigned i), void *data)
{
	struct jobs_thread *t;
	unsigned i;

	if (n <= 1) {
		work(data, 0);
		return;
	}
	t = xcalloc(n, sizeof(*t));
	for (i = 1; i < n; i++) {
		t[i].work = work;
		t[i].data = data;
		t[i].i = i;
		t[i].started = !pthread_create(&t[i].id, NULL, jobs_start,
					       &t[i]);
	}
	work(data, 0);
	for (i = 1; i < n; i++)
		if (t[i].started)
			pthread_join(t[i].id, NULL);
	free(t);
}
