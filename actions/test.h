/*
 * test.h - the `tend test` job: run the project's tests in the sandbox and
 * say what failed.
 *
 * The test command is `sandbox.test` from the configuration, or detected
 * from the files at the root of the work tree (actions_test_detect()). An
 * optional `sandbox.setup` command (for example `npm ci`) runs first, in a
 * phase of its own that may use the network but, like the test phase, sees
 * no secret. The test phase has no network. Both run through `/bin/sh -c`
 * inside the sandbox, with the work tree writable and its `.git` read-only.
 *
 * The job never runs anything unsandboxed unless the configuration says
 * `sandbox.mode: none`; the caller is responsible for warning about that.
 */
#ifndef ACTIONS_TEST_H
#define ACTIONS_TEST_H

#include "common/buf.h"
#include "common/config.h"
#include "common/proc.h"
#include "common/testreport.h"

struct actions_test_opts {
	const char *root;		/* the work tree */
	const struct tend_config *cfg;	/* borrowed: sandbox.* settings */
};

enum actions_test_status {
	ACTIONS_TEST_PASSED = 0,	/* the test command exited 0 */
	ACTIONS_TEST_FAILED,		/* it exited non-zero or was killed */
	ACTIONS_TEST_TIMEOUT,		/* it ran past sandbox.timeout */
	ACTIONS_TEST_SETUP_FAILED	/* sandbox.setup failed; no tests ran */
};

struct actions_test_result {
	enum actions_test_status status;
	char *command;		/* the test command that ran */
	char *source;		/* "sandbox.test", or the file detected from */
	char *setup;		/* the setup command, or NULL */
	int sandboxed;		/* 0 only with sandbox.mode none */
	int setup_ran;
	struct proc_result setup_run;	/* valid when setup_ran */
	int test_ran;
	struct proc_result test_run;	/* valid when test_ran */
	/* Failures from the test output (or the setup output, if it failed). */
	struct testreport report;
};

void actions_test_result_init(struct actions_test_result *r);
void actions_test_result_release(struct actions_test_result *r);

/* The status as a word for reports: "passed", "failed", "timeout", ... */
const char *actions_test_status_name(enum actions_test_status s);

/*
 * Guess the test command from the files under `root`: a Makefile with a
 * `test` or `check` target, package.json with a test script, go.mod,
 * Cargo.toml, a pytest configuration or tests, CMakeLists.txt. *command
 * and *source are new strings the caller frees. TEND_ENOTFOUND (with a
 * message saying what was looked for) when nothing matches.
 */
int actions_test_detect(char **command, char **source, const char *root,
			struct buf *err);

/*
 * Run the job. Returns 0 when the tests ran (or setup failed: see
 * out->status); TEND_EINVALID when there is no test command;
 * TEND_EUNAVAIL when the sandbox cannot be used (the message says how to
 * fix it); TEND_ERROR when a command could not be started. `out` must be
 * initialised.
 */
int actions_test_run(struct actions_test_result *out,
		     const struct actions_test_opts *opts, struct buf *err);

#endif
