/*
 * test_proc.c - proc_run(): explicit environment, closed descriptors,
 * capture caps, deadlines that kill the whole group, resource limits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/proc.h"
#include "test.h"

static int run_sh(struct proc_result *r, const char *script,
		  struct proc_opts *o)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct buf err = BUF_INIT;
	int rc;

	o->argv = argv;
	rc = proc_run(r, o, &err);
	if (rc)
		printf("  proc_run: %s\n", err.ptr);
	buf_release(&err);
	return rc;
}

/* Is there a live (not zombie) process whose command line has `token`? */
static int live_process_with(const char *token)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300], buf[4096], stat[512];
		FILE *f;
		size_t n, i;
		char *paren;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[n] = '\0';
		if (!strstr(buf, token))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		n = fread(stat, 1, sizeof(stat) - 1, f);
		fclose(f);
		stat[n] = '\0';
		paren = strrchr(stat, ')');
		if (paren && paren[1] == ' ' && paren[2] != 'Z')
			found = 1;
	}
	closedir(d);
	return found;
}

static int wait_gone(const char *token)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!live_process_with(token))
			return 1;
		usleep(10000);
	}
	return 0;
}

void test_proc__exit_code_and_streams(void)
{
	struct proc_result r;
	struct proc_opts o;

	proc_result_init(&r);
	proc_opts_init(&o);
	REQUIRE(run_sh(&r, "echo out; echo err >&2; exit 3", &o) == 0);
	CHECK_INT(r.exit_code, 3);
	CHECK_INT(r.signal, 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_STR(r.out.ptr, "out\n");
	CHECK_STR(r.err.ptr, "err\n");
	CHECK_INT(r.out_bytes, 4);
	proc_result_release(&r);

	proc_opts_init(&o);
	o.merge_output = 1;
	REQUIRE(run_sh(&r, "echo a; echo b >&2; echo c", &o) == 0);
	CHECK_STR(r.out.ptr, "a\nb\nc\n");
	CHECK_INT(r.err.len, 0);
	proc_result_release(&r);
}

void test_proc__signal_reported(void)
{
	struct proc_result r;
	struct proc_opts o;
	struct buf d = BUF_INIT;

	proc_result_init(&r);
	proc_opts_init(&o);
	REQUIRE(run_sh(&r, "kill -9 $$", &o) == 0);
	CHECK_INT(r.exit_code, -1);
	CHECK_INT(r.signal, SIGKILL);
	proc_describe_end(&d, &r);
	CHECK(strstr(d.ptr, "signal 9") != NULL);
	buf_release(&d);
	proc_result_release(&r);
}

void test_proc__environment_is_explicit(void)
{
	const char *env[] = { "ONLY=this", NULL };
	struct proc_result r;
	struct proc_opts o;

	setenv("TEND_TEST_CANARY", "canary-proc-env", 1);
	proc_result_init(&r);
	proc_opts_init(&o);
	REQUIRE(run_sh(&r, "env; cat /proc/self/environ", &o) == 0);
	CHECK(strstr(r.out.ptr, "canary-proc-env") == NULL);
	CHECK(strstr(r.out.ptr, "ONLY") == NULL);
	proc_result_release(&r);

	proc_opts_init(&o);
	o.env = env;
	REQUIRE(run_sh(&r, "env", &o) == 0);
	CHECK(strstr(r.out.ptr, "ONLY=this") != NULL);
	CHECK(strstr(r.out.ptr, "canary-proc-env") == NULL);
	proc_result_release(&r);

	proc_opts_init(&o);
	o.inherit_env = 1;
	REQUIRE(run_sh(&r, "env", &o) == 0);
	CHECK(strstr(r.out.ptr, "canary-proc-env") != NULL);
	proc_result_release(&r);
	unsetenv("TEND_TEST_CANARY");
}

void test_proc__descriptors_closed_unless_kept(void)
{
	char script[256], path[512];
	struct proc_result r;
	struct proc_opts o;
	int leak, kept;

	snprintf(path, sizeof(path), "%s/fd", test_tmpdir());
	REQUIRE(test_write(path, "x", 1) == 0);
	/* Not close-on-exec: proc_run must close it anyway. */
	leak = open(path, O_RDONLY);
	kept = open(path, O_RDONLY | O_CLOEXEC);
	REQUIRE(leak > 2 && kept > 2);
	snprintf(script, sizeof(script),
		 "test -e /proc/self/fd/%d && echo leaked; "
		 "test -e /proc/self/fd/%d && echo kept; "
		 "ls /proc/self/fd | wc -l", leak, kept);
	proc_result_init(&r);
	proc_opts_init(&o);
	o.keep_fds[o.nr_keep_fds++] = kept;
	REQUIRE(run_sh(&r, script, &o) == 0);
	CHECK(strstr(r.out.ptr, "leaked") == NULL);
	CHECK(strstr(r.out.ptr, "kept") != NULL);
	proc_result_release(&r);

	/* A descriptor below 3 cannot be "passed on". */
	proc_opts_init(&o);
	o.keep_fds[o.nr_keep_fds++] = 1;
	{
		const char *argv[] = { "/bin/true", NULL };
		struct buf err = BUF_INIT;

		o.argv = argv;
		CHECK(proc_run(&r, &o, &err) < 0);
		buf_release(&err);
	}
	proc_result_release(&r);
	close(leak);
	close(kept);
}

void test_proc__stdin_is_dev_null(void)
{
	struct proc_result r;
	struct proc_opts o;

	proc_result_init(&r);
	proc_opts_init(&o);
	o.timeout_ms = 5000;
	REQUIRE(run_sh(&r, "cat; echo done", &o) == 0);
	CHECK_STR(r.out.ptr, "done\n");
	CHECK_INT(r.timed_out, 0);
	proc_result_release(&r);
}

void test_proc__capture_keeps_head_and_tail(void)
{
	struct proc_result r;
	struct proc_opts o;

	proc_result_init(&r);
	proc_opts_init(&o);
	o.output_cap = 1000;
	REQUIRE(run_sh(&r, "printf START; head -c 3000000 /dev/zero | "
		       "tr '\\0' a; printf END", &o) == 0);
	CHECK_INT(r.exit_code, 0);
	CHECK_INT(r.out_bytes, 3000008);
	CHECK_INT(r.out_dropped, 3000008 - 1000);
	CHECK(!strncmp(r.out.ptr, "STARTaaa", 8));
	CHECK(r.out.len > 6 && !strcmp(r.out.ptr + r.out.len - 6, "aaaEND"));
	CHECK(strstr(r.out.ptr, "dropped 2999008 bytes") != NULL);
	CHECK(r.out.len < 1100);
	proc_result_release(&r);
}

void test_proc__capture_small_writes_wrap(void)
{
	struct proc_result r;
	struct proc_opts o;
	char want[64];

	/* Many small writes through the ring: the tail must stay in order. */
	proc_result_init(&r);
	proc_opts_init(&o);
	o.output_cap = 40;
	REQUIRE(run_sh(&r, "i=0; while [ $i -lt 300 ]; do echo $i; "
		       "i=$((i+1)); done", &o) == 0);
	snprintf(want, sizeof(want), "295\n296\n297\n298\n299\n");
	CHECK(r.out.len > strlen(want) &&
	      !strcmp(r.out.ptr + r.out.len - strlen(want), want));
	CHECK(!strncmp(r.out.ptr, "0\n1\n2\n", 6));
	proc_result_release(&r);
}

void test_proc__timeout_kills_group(void)
{
	struct proc_result r;
	struct proc_opts o;
	time_t t0 = time(NULL);

	proc_result_init(&r);
	proc_opts_init(&o);
	o.timeout_ms = 300;
	o.kill_grace_ms = 300;
	REQUIRE(run_sh(&r, "sleep 1231.5 & sleep 1232.5 & wait", &o) == 0);
	CHECK_INT(r.timed_out, 1);
	CHECK_INT(r.signal, SIGTERM);
	CHECK(time(NULL) - t0 < 5);
	CHECK(wait_gone("1231.5"));
	CHECK(wait_gone("1232.5"));
	proc_result_release(&r);
}

void test_proc__timeout_escalates_to_kill(void)
{
	struct proc_result r;
	struct proc_opts o;

	proc_result_init(&r);
	proc_opts_init(&o);
	o.timeout_ms = 200;
	o.kill_grace_ms = 200;
	REQUIRE(run_sh(&r, "trap '' TERM; sleep 1233.5", &o) == 0);
	CHECK_INT(r.timed_out, 1);
	CHECK_INT(r.signal, SIGKILL);
	CHECK(wait_gone("1233.5"));
	proc_result_release(&r);
}

void test_proc__background_child_does_not_hang(void)
{
	struct proc_result r;
	struct proc_opts o;

	/* The grandchild keeps stdout open; tend must not wait for it. */
	proc_result_init(&r);
	proc_opts_init(&o);
	o.timeout_ms = 10000;
	REQUIRE(run_sh(&r, "sleep 1234.5 & echo started", &o) == 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_INT(r.exit_code, 0);
	CHECK(r.duration_ms < 2000);
	CHECK_STR(r.out.ptr, "started\n");
	CHECK(wait_gone("1234.5"));
	proc_result_release(&r);
}

void test_proc__limits_apply(void)
{
	struct proc_result r;
	struct proc_opts o;
	char script[1200];
	const char *dir = test_tmpdir();
	struct stat st;
	char path[600];

	proc_result_init(&r);
	proc_opts_init(&o);
	o.limits.open_files = 77;
	o.limits.processes = 4000;
	o.limits.cpu_seconds = 99;
	o.limits.address_space = 1ULL << 31;
	o.limits.file_size = 1000;
	snprintf(path, sizeof(path), "%s/big", dir);
	snprintf(script, sizeof(script),
		 "cat /proc/self/limits; head -c 5000 /dev/zero > '%s'",
		 path);
	REQUIRE(run_sh(&r, script, &o) == 0);
	CHECK(strstr(r.out.ptr, "Max open files            77") != NULL);
	CHECK(strstr(r.out.ptr, "Max processes             4000") != NULL);
	CHECK(strstr(r.out.ptr, "Max cpu time              99") != NULL);
	CHECK(strstr(r.out.ptr, "Max address space         2147483648") !=
	      NULL);
	CHECK(strstr(r.out.ptr, "Max file size             1000") != NULL);
	CHECK(r.exit_code != 0);
	CHECK(stat(path, &st) == 0 && st.st_size <= 1000);
	proc_result_release(&r);
}

void test_proc__program_lookup(void)
{
	const char *env[] = { "PATH=/nonexistent:/bin:/usr/bin", NULL };
	const char *argv_ok[] = { "sh", "-c", "echo found", NULL };
	const char *argv_missing[] = { "tend-no-such-program", NULL };
	const char *argv_abs[] = { "/nonexistent/prog", NULL };
	struct proc_result r;
	struct proc_opts o;
	struct buf err = BUF_INIT;

	proc_result_init(&r);
	proc_opts_init(&o);
	o.env = env;
	o.search_path = 1;
	o.argv = argv_ok;
	REQUIRE(proc_run(&r, &o, &err) == 0);
	CHECK_STR(r.out.ptr, "found\n");
	o.argv = argv_missing;
	CHECK_INT(proc_run(&r, &o, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "tend-no-such-program") != NULL);
	o.argv = argv_abs;
	CHECK_INT(proc_run(&r, &o, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "/nonexistent/prog") != NULL);
	/* Without search_path, a bare name is refused. */
	o.search_path = 0;
	o.argv = argv_ok;
	CHECK(proc_run(&r, &o, &err) < 0);
	buf_release(&err);
	proc_result_release(&r);
}

void test_proc__cwd_and_setup_failures(void)
{
	const char *argv[] = { "/bin/pwd", NULL };
	struct proc_result r;
	struct proc_opts o;
	struct buf err = BUF_INIT;
	const char *dir = test_tmpdir();
	char want[600];

	proc_result_init(&r);
	proc_opts_init(&o);
	o.argv = argv;
	o.cwd = dir;
	REQUIRE(proc_run(&r, &o, &err) == 0);
	snprintf(want, sizeof(want), "%s\n", dir);
	CHECK_STR(r.out.ptr, want);

	o.cwd = "/nonexistent-dir";
	CHECK_INT(proc_run(&r, &o, &err), TEND_ERROR);
	CHECK(strstr(err.ptr, "cannot change directory") != NULL);

	o.cwd = NULL;
	o.cgroup_procs = "/nonexistent-cgroup/cgroup.procs";
	CHECK_INT(proc_run(&r, &o, &err), TEND_ERROR);
	CHECK(strstr(err.ptr, "cgroup") != NULL);
	buf_release(&err);
	proc_result_release(&r);
}

void test_proc__find_in_path(void)
{
	char *p = proc_find_in_path("sh", "/nonexistent::/bin");

	CHECK_STR(p, "/bin/sh");
	free(p);
	CHECK(proc_find_in_path("sh", "") == NULL);
	CHECK(proc_find_in_path("a/b", "/bin") == NULL);
	CHECK(proc_find_in_path("tend-no-such-program", "/bin:/usr/bin") ==
	      NULL);
}
