/*
 * cmd_test.c - `tend test`: options, configuration, and the report of a
 * sandboxed test run in text or JSON.
 *
 * Exit status: 0 the tests passed; 1 they failed (or timed out, or the
 * setup command failed); 2 usage or configuration error, or no test
 * command; 4 the sandbox is unavailable.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/test.h"
#include "cli/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"

/* How much of the output the report repeats when nothing was identified. */
#define CMD_TEST_TAIL_LINES 40
#define CMD_TEST_TAIL_BYTES 8192

static const char cmd_test_usage[] = "tend test [DIR] [options]";

static const char cmd_test_description[] =
	"Run the project's tests inside the sandbox and report the failures.\n"
	"The command is sandbox.test from .tend.yml, or detected (make test,\n"
	"npm test, go test ./..., cargo test, pytest, ctest). sandbox.setup,\n"
	"if set, runs first with network access; the tests run with none.\n"
	"Neither sees tend's environment, tokens or home directory.\n"
	"\n"
	"Exit status: 0 the tests passed, 1 they failed, 2 usage or\n"
	"configuration error, 4 the sandbox is unavailable.";

static const char cmd_test_none_warning[] =
	"tend: warning: sandbox.mode is 'none': the commands run UNSANDBOXED, "
	"with this user's files, network and processes within their reach. "
	"Use this only for code you trust.\n";

/*
 * The repository root: the nearest ancestor of `dir` holding a `.git`,
 * else `dir` itself. A new string the caller frees, or NULL.
 */
static char *cmd_test_root(const char *dir)
{
	char *real = realpath(dir, NULL);
	struct buf probe = BUF_INIT;
	struct stat st;
	size_t len;

	if (!real)
		return NULL;
	len = strlen(real);
	while (len) {
		buf_reset(&probe);
		buf_add(&probe, real, len);
		buf_puts(&probe, len == 1 ? ".git" : "/.git");
		if (!lstat(probe.ptr, &st)) {
			real[len] = '\0';
			buf_release(&probe);
			return real;
		}
		while (len > 1 && real[len - 1] != '/')
			len--;
		if (len > 1)
			len--;
		else
			break;
	}
	buf_release(&probe);
	free(real);
	return realpath(dir, NULL);
}

/* The last lines of the output, at most CMD_TEST_TAIL_* of them. */
static const char *cmd_test_tail(const struct buf *b, size_t *len)
{
	const char *end = b->ptr + b->len, *p = end;
	size_t lines = 0;

	while (p > b->ptr && end - p < CMD_TEST_TAIL_BYTES) {
		if (p[-1] == '\n' && p != end && ++lines > CMD_TEST_TAIL_LINES)
			break;
		p--;
	}
	*len = (size_t)(end - p);
	return p;
}

static void cmd_test_indent(struct buf *out, const char *text, size_t len,
			    const char *prefix)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		buf_puts(out, prefix);
		buf_add(out, p, n);
		buf_putc(out, '\n');
		p += n + 1;
	}
}

static void cmd_test_counts(struct buf *out, const struct testreport *r)
{
	int any = 0;

	if (r->passed >= 0) {
		buf_printf(out, "%ld passed", r->passed);
		any = 1;
	}
	if (r->failed >= 0) {
		buf_printf(out, "%s%ld failed", any ? ", " : "", r->failed);
		any = 1;
	}
	if (r->skipped >= 0)
		buf_printf(out, "%s%ld skipped", any ? ", " : "", r->skipped);
}

static void cmd_test_phase_text(struct buf *out, const char *label,
				const struct proc_result *p)
{
	buf_printf(out, "%s: ", label);
	proc_describe_end(out, p);
	buf_printf(out, ", %.1f s", (double)p->duration_ms / 1000.0);
	if (p->out_dropped)
		buf_printf(out, "; output %zu bytes, %zu dropped in the middle",
			   p->out_bytes, p->out_dropped);
	buf_putc(out, '\n');
}

static void cmd_test_text(struct buf *out, const struct actions_test_result *r,
			  int verbose)
{
	const struct testreport *rep = &r->report;
	const struct proc_result *shown = r->status ==
		ACTIONS_TEST_SETUP_FAILED ? &r->setup_run : &r->test_run;
	size_t i;

	buf_printf(out, "command: %s (%s %s)%s\n", r->command,
		   !strcmp(r->source, "sandbox.test") ? "from" :
		   "detected from", r->source,
		   r->sandboxed ? "" : " UNSANDBOXED");
	if (r->setup_ran) {
		buf_printf(out, "setup: %s\n", r->setup);
		cmd_test_phase_text(out, "setup result", &r->setup_run);
	}
	if (r->test_ran)
		cmd_test_phase_text(out, "test result", &r->test_run);
	switch (r->status) {
	case ACTIONS_TEST_PASSED:
		buf_puts(out, "tests passed");
		break;
	case ACTIONS_TEST_FAILED:
		buf_puts(out, "tests FAILED");
		break;
	case ACTIONS_TEST_TIMEOUT:
		buf_puts(out, "tests TIMED OUT (the whole process tree was "
			 "killed)");
		break;
	case ACTIONS_TEST_SETUP_FAILED:
		buf_puts(out, "setup FAILED; the tests did not run");
		break;
	}
	if (rep->passed >= 0 || rep->failed >= 0 || rep->skipped >= 0) {
		buf_puts(out, ": ");
		cmd_test_counts(out, rep);
	}
	buf_putc(out, '\n');
	for (i = 0; i < rep->nr; i++) {
		const struct testreport_failure *f = &rep->failures[i];

		buf_puts(out, "\nFAIL ");
		if (f->name)
			buf_puts(out, f->name);
		if (f->file) {
			buf_printf(out, "%s%s", f->name ? " (" : "", f->file);
			if (f->line)
				buf_printf(out, ":%ld", f->line);
			if (f->name)
				buf_putc(out, ')');
		}
		if (f->message)
			buf_printf(out, ": %s", f->message);
		buf_putc(out, '\n');
		if (f->excerpt && *f->excerpt)
			cmd_test_indent(out, f->excerpt, strlen(f->excerpt),
					"    | ");
	}
	if (rep->truncated)
		buf_printf(out, "\n(more failures than the %d shown)\n",
			   TESTREPORT_MAX_FAILURES);
	if (verbose && shown->out.len) {
		buf_puts(out, "\noutput:\n");
		cmd_test_indent(out, shown->out.ptr, shown->out.len, "    ");
	} else if (r->status != ACTIONS_TEST_PASSED && !rep->nr &&
		   shown->out.len) {
		const char *tail;
		size_t n;

		tail = cmd_test_tail(&shown->out, &n);
		buf_puts(out, "\nno failing test could be identified; the end "
			 "of the output:\n");
		cmd_test_indent(out, tail, n, "    ");
	}
}

static json_t *cmd_test_count_json(long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *cmd_test_phase_json(const char *cmd,
				   const struct proc_result *p)
{
	const char *tail;
	size_t n;
	json_t *o = json_object();

	tail = cmd_test_tail(&p->out, &n);
	json_object_set_new(o, "command", jsonutil_string(cmd));
	json_object_set_new(o, "exit_code", p->signal || p->timed_out ?
			    json_null() : json_integer(p->exit_code));
	json_object_set_new(o, "signal", p->signal ? json_integer(p->signal) :
			    json_null());
	json_object_set_new(o, "timed_out", json_boolean(p->timed_out));
	json_object_set_new(o, "duration_ms", json_integer(p->duration_ms));
	json_object_set_new(o, "output_bytes",
			    json_integer((json_int_t)p->out_bytes));
	json_object_set_new(o, "output_dropped",
			    json_integer((json_int_t)p->out_dropped));
	json_object_set_new(o, "output_tail", jsonutil_stringn(tail, n));
	return o;
}

static int cmd_test_json(struct buf *out, const struct actions_test_result *r)
{
	const struct testreport *rep = &r->report;
	json_t *o = json_object(), *fails = json_array(), *counts;
	size_t i;
	int rc;

	json_object_set_new(o, "status", json_string(
		actions_test_status_name(r->status)));
	json_object_set_new(o, "passed",
			    json_boolean(r->status == ACTIONS_TEST_PASSED));
	json_object_set_new(o, "command", jsonutil_string(r->command));
	json_object_set_new(o, "source", jsonutil_string(r->source));
	json_object_set_new(o, "sandbox", json_string(r->sandboxed ? "bwrap" :
						      "none"));
	json_object_set_new(o, "setup", r->setup_ran ?
			    cmd_test_phase_json(r->setup, &r->setup_run) :
			    json_null());
	json_object_set_new(o, "test", r->test_ran ?
			    cmd_test_phase_json(r->command, &r->test_run) :
			    json_null());
	json_object_set_new(o, "format", rep->format ?
			    json_string(rep->format) : json_null());
	counts = json_object();
	json_object_set_new(counts, "passed", cmd_test_count_json(rep->passed));
	json_object_set_new(counts, "failed", cmd_test_count_json(rep->failed));
	json_object_set_new(counts, "skipped",
			    cmd_test_count_json(rep->skipped));
	json_object_set_new(o, "counts", counts);
	for (i = 0; i < rep->nr; i++) {
		const struct testreport_failure *f = &rep->failures[i];
		json_t *j = json_object();

		json_object_set_new(j, "name", jsonutil_string(f->name));
		json_object_set_new(j, "file", jsonutil_string(f->file));
		json_object_set_new(j, "line", f->line ?
				    json_integer(f->line) : json_null());
		json_object_set_new(j, "message", jsonutil_string(f->message));
		json_object_set_new(j, "excerpt", jsonutil_string(f->excerpt));
		json_array_append_new(fails, j);
	}
	json_object_set_new(o, "failures", fails);
	json_object_set_new(o, "failures_truncated",
			    json_boolean(rep->truncated));
	rc = jsonutil_dump(out, o, 2);
	json_decref(o);
	return rc;
}

int cmd_test(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const struct cli_option opts[] = {
		CLI_COMMON_OPTIONS(&c),
		OPT_END()
	};
	struct tend_config cfg;
	struct actions_test_result result;
	struct actions_test_opts topts;
	struct buf err = BUF_INIT, out = BUF_INIT;
	char **rest = NULL, *root = NULL;
	int nrest = 0, rc, exit_code = CLI_EXIT_USAGE, json = 0;

	config_init(&cfg);
	actions_test_result_init(&result);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_test_usage, cmd_test_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (c.format && !strcmp(c.format, "json")) {
		json = 1;
	} else if (c.format && strcmp(c.format, "text")) {
		cli_error("'tend test' writes text or json, not '%s'",
			  c.format);
		goto out;
	}
	if (nrest > 1) {
		cli_error("usage: %s", cmd_test_usage);
		goto out;
	}
	root = cmd_test_root(nrest ? rest[0] : ".");
	if (!root) {
		cli_error("cannot use '%s' as the work tree",
			  nrest ? rest[0] : ".");
		goto out;
	}
	if ((rc = config_load(&cfg, root, c.config, &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	if (cfg.sandbox.mode == CONFIG_SANDBOX_NONE)
		fputs(cmd_test_none_warning, stderr);

	topts.root = root;
	topts.cfg = &cfg;
	if ((rc = actions_test_run(&result, &topts, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_EUNAVAIL ? CLI_EXIT_SANDBOX :
			CLI_EXIT_USAGE;
		goto out;
	}
	if (json)
		rc = cmd_test_json(&out, &result);
	else
		cmd_test_text(&out, &result, c.verbose);
	redact_buf(&out);
	buf_reset(&err);
	if (rc < 0 ||
	    cli_write_output(c.output, out.ptr, out.len, &err) < 0) {
		cli_error("%s", err.len ? err.ptr : "cannot write the report");
		goto out;
	}
	exit_code = result.status == ACTIONS_TEST_PASSED ? CLI_EXIT_OK :
		CLI_EXIT_FINDINGS;
out:
	actions_test_result_release(&result);
	config_release(&cfg);
	buf_release(&err);
	buf_release(&out);
	free(rest);
	free(root);
	return exit_code;
}
