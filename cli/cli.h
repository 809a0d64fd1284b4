/*
 * cli.h - what the command files in cli/ share: the command signature, the
 * exit codes, options declared as data, and the common options.
 *
 * cli/ is the only layer that prints results or exits. Commands return
 * their exit status; main() returns it.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdio.h>

#include "common/buf.h"

/* Exit codes, the public contract of DESIGN.md section 3. */
enum {
	CLI_EXIT_OK = 0,	/* done, nothing at or above the fail level */
	CLI_EXIT_FINDINGS = 1,	/* findings at/above the fail level; task failed */
	CLI_EXIT_USAGE = 2,	/* usage or configuration error, bad input */
	CLI_EXIT_SERVICE = 3,	/* an outside service failed after retries */
	CLI_EXIT_SANDBOX = 4	/* the sandbox is unavailable and is needed */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_review(int argc, char **argv);
int cmd_fix(int argc, char **argv);
int cmd_tasks(int argc, char **argv);
int cmd_inbox(int argc, char **argv);
int cmd_ask(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_context(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_version(int argc, char **argv);

enum cli_opt_type {
	CLI_OPT_END = 0,
	CLI_OPT_FLAG,	/* int *: set to 1 */
	CLI_OPT_COUNT,	/* int *: incremented each time */
	CLI_OPT_STRING,	/* const char **: points into argv */
	CLI_OPT_INT	/* long *: parsed with strtol, whole string */
};

struct cli_option {
	enum cli_opt_type type;
	char short_name;	/* 0 for none */
	const char *long_name;
	void *value;
	const char *arg_help;	/* "FILE" for options that take a value */
	const char *help;
};

#define OPT_FLAG(s, l, v, h) { CLI_OPT_FLAG, (s), (l), (v), NULL, (h) }
#define OPT_COUNT(s, l, v, h) { CLI_OPT_COUNT, (s), (l), (v), NULL, (h) }
#define OPT_STRING(s, l, v, a, h) { CLI_OPT_STRING, (s), (l), (v), (a), (h) }
#define OPT_INT(s, l, v, a, h) { CLI_OPT_INT, (s), (l), (v), (a), (h) }
#define OPT_END() { CLI_OPT_END, 0, NULL, NULL, NULL, NULL }

/* The options every command accepts (DESIGN.md section 3). */
struct cli_common {
	const char *config;
	int dry_run;
	const char *format;
	const char *output;
	int no_llm;
	const char *fail_level;
	const char *filter;
	int verbose;
	int quiet;
	int help;
};

#define CLI_COMMON_OPTIONS(c) \
	OPT_STRING(0, "config", &(c)->config, "FILE", "use this config file instead of .tend.yml"), \
	OPT_FLAG(0, "dry-run", &(c)->dry_run, "print what would be posted or pushed; write nothing"), \
	OPT_STRING(0, "format", &(c)->format, "FMT", "text|json|markdown|sarif|codequality|rdjson|github"), \
	OPT_STRING(0, "output", &(c)->output, "FILE", "write the report to FILE instead of stdout"), \
	OPT_FLAG(0, "no-llm", &(c)->no_llm, "run no model; static checks only"), \
	OPT_STRING(0, "fail-level", &(c)->fail_level, "LEVEL", "none|note|warning|error: exit 1 at or above it"), \
	OPT_STRING(0, "filter", &(c)->filter, "MODE", "added|diff_context|file|nofilter"), \
	OPT_COUNT('v', "verbose", &(c)->verbose, "more diagnostics (twice for trace)"), \
	OPT_FLAG('q', "quiet", &(c)->quiet, "only errors on stderr"), \
	OPT_FLAG('h', "help", &(c)->help, "show this help")

/*
 * Parse argv[1..] against `opts`. Non-option arguments are collected into
 * *rest (argv order, pointing into argv) and counted in *nrest; `--` ends
 * options. Returns 0, or CLI_EXIT_USAGE after printing a message naming the
 * bad option.
 */
int cli_parse_options(int argc, char **argv, const struct cli_option *opts,
		      char ***rest, int *nrest);

/* Print "usage: <usage>" and the option table to `out`. */
void cli_print_help(FILE *out, const char *usage, const char *description,
		    const struct cli_option *opts);

/* Apply -v/-q and CI log groups; register secrets for redaction. */
void cli_setup_logging(const struct cli_common *c);

/* Print "tend: <msg>" to stderr, redacted. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Map a TEND_E* code to an exit status. */
int cli_exit_for(int error);

/*
 * Write `data` to `path` atomically (temp file in the same directory, then
 * rename), or to stdout when path is NULL or "-". Nothing half-written is
 * left behind on failure.
 */
int cli_write_output(const char *path, const char *data, size_t len,
		     struct buf *err);

/*
 * Where to look for .tend.yml, given the work tree's top directory
 * `workdir` (libgit2's, with a trailing '/'; NULL when there is no
 * repository): "." when that is the current directory, so messages read
 * ".tend.yml:3:3: ...", else the top without its trailing slash. The
 * caller frees the result.
 */
char *cli_config_root(const char *workdir);

#endif
