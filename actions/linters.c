/*
 * linters.c - the `checks.linters` step of a review: run each linter in
 * the sandbox, read its output with review/linter.c, and say plainly when
 * one could not be used.
 *
 * Not for parsing (review/linter.c) or for deciding which findings matter
 * (the diff filter in actions/review.c). This file decides what counts as
 * a failed linter:
 *
 *   - it could not be started (sandbox unavailable, bad work tree);
 *   - it timed out, or a signal ended it (a crash; also an exit status
 *     of 128 + n, which is how a shell or bwrap passes a signal on);
 *   - it exited 126 or 127 (the shell could not find or run it);
 *   - its output is not empty and not one entry of it can be read;
 *   - it exited non-zero and reported nothing (a linter that found
 *     something reports it; one that fails quietly has failed);
 *   - its output passed the cap, so findings may be missing.
 *
 * Whatever a linter printed is read in every case, and the findings in it
 * are kept even when the linter then counts as failed.
 *
 * For the gcc format stdout and stderr are read together (compilers and
 * cppcheck print diagnostics on stderr); for the structured formats only
 * stdout is parsed and stderr serves to explain a failure.
 */
#include <stdlib.h>
#include <string.h>

#include "actions/linters.h"
#include "common/error.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "review/linter.h"

/* How much of a linter's own words a tool error quotes. */
#define ACTIONS_LINTERS_QUOTE 300

/*
 * The last non-blank line of `b`, cut and cleaned of control characters,
 * appended to `out` after ": ".
 */
static void actions_linters_tail(struct buf *out, const struct buf *b)
{
	size_t end = b->len, start, i;

	while (end && (b->ptr[end - 1] == '\n' || b->ptr[end - 1] == '\r' ||
		       b->ptr[end - 1] == ' ' || b->ptr[end - 1] == '\t'))
		end--;
	if (!end)
		return;
	start = end;
	while (start && b->ptr[start - 1] != '\n')
		start--;
	if (end - start > ACTIONS_LINTERS_QUOTE)
		start = end - ACTIONS_LINTERS_QUOTE;
	while (start < end && ((unsigned char)b->ptr[start] & 0xC0) == 0x80)
		start++;
	buf_puts(out, ": ");
	for (i = start; i < end; i++) {
		unsigned char c = (unsigned char)b->ptr[i];

		buf_putc(out, c < 0x20 || c == 0x7f ? ' ' : c);
	}
}

/* What the linter said last, from stderr, else stdout. */
static void actions_linters_said(struct buf *out, const struct proc_result *p)
{
	if (p->err.len)
		actions_linters_tail(out, &p->err);
	else
		actions_linters_tail(out, &p->out);
}

/*
 * Run one linter. Returns 0, or -1 after adding a tool error to `r`.
 */
static int actions_linters_one(struct review_result *r,
			       struct review_findings *raw,
			       const struct config_linter *l,
			       const char *root,
			       const struct actions_linters_opts *opts)
{
	const char *argv[] = { "/bin/sh", "-c", l->run, NULL };
	enum review_linter_format fmt;
	struct sandbox_opts so;
	struct proc_result p;
	struct buf err = BUF_INIT, msg = BUF_INIT;
	size_t before = raw->nr;
	long timeout = l->timeout > 0 ? l->timeout
				      : ACTIONS_LINTERS_DEFAULT_TIMEOUT;
	int rc, sig, skipped = 0, failed = 0;

	proc_result_init(&p);
	if (review_linter_format_parse(&fmt, l->format ? l->format : "") < 0) {
		buf_printf(&msg, "unknown output format '%s'; use gcc, sarif, "
			   "checkstyle or rdjson", l->format ? l->format : "");
		goto fail;
	}
	sandbox_opts_init(&so);
	so.worktree = root;
	/*
	 * A linter reads the code it judges; it has no business changing it,
	 * and on a fork's pull request it may be the fork's own code.
	 */
	so.readonly_worktree = 1;
	so.argv = argv;
	so.unsandboxed = opts && opts->unsandboxed;
	so.separate_stderr = fmt != REVIEW_LINTER_GCC;
	so.timeout_s = timeout;
	so.memory_mb = opts ? opts->memory_mb : 0;
	so.output_cap = ACTIONS_LINTERS_OUTPUT_CAP;
	log_debug("linter '%s': running '%s'%s", l->name, l->run,
		  so.unsandboxed ? " without the sandbox (sandbox.mode: none)"
				 : " in the sandbox");
	if ((rc = sandbox_run(&p, &so, &err)) < 0) {
		buf_printf(&msg, "could not be started: %s", err.ptr);
		goto fail;
	}
	/*
	 * Whatever it printed is read, even when it then failed: the
	 * diagnostics of a linter that crashed half way are still real.
	 */
	skipped = review_linter_parse(raw, fmt, l->name, p.out.ptr, p.out.len,
				      root, &err);
	sig = p.signal;
	/* A shell, and bwrap, report a child's fatal signal as 128 + n. */
	if (!sig && p.exit_code > 128 && p.exit_code <= 128 + 64)
		sig = p.exit_code - 128;
	if (p.timed_out) {
		buf_printf(&msg, "timed out after %ld s and was stopped",
			   timeout);
	} else if (sig) {
		buf_printf(&msg, "crashed (killed by signal %d, %s)", sig,
			   strsignal(sig));
		actions_linters_said(&msg, &p);
	} else if (p.exit_code == 126 || p.exit_code == 127) {
		buf_printf(&msg, "could not be run (exit %d: command not found "
			   "or not executable)", p.exit_code);
		actions_linters_said(&msg, &p);
	} else if (skipped < 0) {
		buf_printf(&msg, "printed output that is not %s (",
			   review_linter_format_name(fmt));
		proc_describe_end(&msg, &p);
		buf_printf(&msg, "): %s", err.ptr);
	} else if (raw->nr == before && p.exit_code != 0) {
		buf_printf(&msg, "exited with status %d and reported nothing",
			   p.exit_code);
		actions_linters_said(&msg, &p);
	} else if (p.out_dropped) {
		buf_printf(&msg,
			   "printed more than %d MiB; %zu bytes in the "
			   "middle were dropped, so some findings may be "
			   "missing",
			   ACTIONS_LINTERS_OUTPUT_CAP / (1024 * 1024),
			   p.out_dropped);
	}
	if (msg.len)
		goto fail;
	log_info("linter '%s': %zu finding%s%s in %lld ms", l->name,
		 raw->nr - before, raw->nr - before == 1 ? "" : "s",
		 skipped ? " (some lines of its output were not diagnostics)"
			 : "", p.duration_ms);
	if (skipped)
		log_debug("linter '%s': %d line%s or entr%s skipped", l->name,
			  skipped, skipped == 1 ? "" : "s",
			  skipped == 1 ? "y" : "ies");
	goto out;
fail:
	if (raw->nr > before)
		buf_printf(&msg, "; its %zu finding%s before that %s kept",
			   raw->nr - before, raw->nr - before == 1 ? "" : "s",
			   raw->nr - before == 1 ? "is" : "are");
	log_warn("linter '%s' %s", l->name, msg.ptr);
	review_result_add_tool_error(r, l->name, msg.ptr);
	failed = -1;
out:
	proc_result_release(&p);
	buf_release(&err);
	buf_release(&msg);
	return failed;
}

int actions_linters_run(struct review_result *r, struct review_findings *raw,
			const struct config_linter *linters, size_t n,
			const char *repo_root,
			const struct actions_linters_opts *opts)
{
	char *root = realpath(repo_root ? repo_root : ".", NULL);
	size_t i;
	int failed = 0;

	for (i = 0; i < n; i++) {
		const struct config_linter *l = &linters[i];

		if (!root) {
			review_result_add_tool_error(r, l->name,
				"could not be started: the work tree cannot "
				"be resolved");
			failed++;
			continue;
		}
		if (actions_linters_one(r, raw, l, root, opts) < 0)
			failed++;
	}
	free(root);
	return failed;
}
