/*
 * linters.h - running the external linters of `checks.linters` and
 * turning what they print into findings.
 *
 * Each linter is `sh -c RUN` in the repository's work tree, inside the
 * sandbox (common/sandbox.h): no network, a fresh minimal environment
 * (PATH, HOME, LANG, ...; never tend's tokens or model keys), no other
 * descriptors, resource limits, its own timeout (config `timeout`, 300 s
 * by default) and output capped at ACTIONS_LINTERS_OUTPUT_CAP per stream.
 * With `sandbox.mode: none` the same limits and environment apply without
 * the isolation. Nothing ever falls back to running a linter unsandboxed.
 *
 * A linter that cannot be started, crashes, times out, exits non-zero
 * without reporting anything, or prints output that cannot be read
 * becomes one tool error in the result (review_result_add_tool_error) and
 * the review goes on. Its findings join the raw findings before the diff
 * filter, so they are anchored and filtered like every other finding.
 */
#ifndef ACTIONS_LINTERS_H
#define ACTIONS_LINTERS_H

#include <stddef.h>

#include "common/config.h"
#include "review/finding.h"
#include "review/report.h"

/* Most bytes kept of a linter's stdout (and of its stderr). */
#define ACTIONS_LINTERS_OUTPUT_CAP (8 * 1024 * 1024)
/* Seconds a linter may run when its config entry gives no timeout. */
#define ACTIONS_LINTERS_DEFAULT_TIMEOUT 300

struct actions_linters_opts {
	int unsandboxed;	/* sandbox.mode: none */
	long memory_mb;		/* 0: the sandbox's default */
};

/*
 * Run the `n` linters in `repo_root` one after the other, append their
 * findings to `raw` and a tool error to `r` for each one that failed.
 * `opts` may be NULL (sandboxed, default limits). Returns how many
 * linters failed (0 or more); a failure never stops the others.
 */
int actions_linters_run(struct review_result *r, struct review_findings *raw,
			const struct config_linter *linters, size_t n,
			const char *repo_root,
			const struct actions_linters_opts *opts);

#endif
