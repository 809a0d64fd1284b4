/*
 * options.c - option parsing from a table, help text, and the small pieces
 * every command uses (logging set-up, exit-code mapping, atomic output).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"

static const struct cli_option *cli_find_long(const struct cli_option *opts,
					      const char *name, size_t len)
{
	for (; opts->type != CLI_OPT_END; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct cli_option *cli_find_short(const struct cli_option *opts,
					       char c)
{
	for (; opts->type != CLI_OPT_END; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

static int cli_set_option(const struct cli_option *o, const char *value,
			  const char *shown)
{
	switch (o->type) {
	case CLI_OPT_FLAG:
		*(int *)o->value = 1;
		return 0;
	case CLI_OPT_COUNT:
		(*(int *)o->value)++;
		return 0;
	case CLI_OPT_STRING:
		*(const char **)o->value = value;
		return 0;
	case CLI_OPT_INT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end) {
			cli_error("option '%s' wants a whole number, not '%s'",
				  shown, value);
			return CLI_EXIT_USAGE;
		}
		*(long *)o->value = v;
		return 0;
	}
	default:
		return CLI_EXIT_USAGE;
	}
}

int cli_parse_options(int argc, char **argv, const struct cli_option *opts,
		      char ***rest, int *nrest)
{
	char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	int i, n = 0, rc = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct cli_option *o;

		if (!strcmp(a, "--")) {
			while (++i < argc)
				args[n++] = argv[i];
			break;
		}
		if (!strncmp(a, "--", 2)) {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			const char *value = eq ? eq + 1 : NULL;

			o = cli_find_long(opts, a + 2, len);
			if (!o) {
				cli_error("unknown option '%.*s'", (int)len + 2, a);
				rc = CLI_EXIT_USAGE;
				break;
			}
			if (o->type == CLI_OPT_STRING || o->type == CLI_OPT_INT) {
				if (!value) {
					if (i + 1 >= argc) {
						cli_error("option '--%s' needs a value",
							  o->long_name);
						rc = CLI_EXIT_USAGE;
						break;
					}
					value = argv[++i];
				}
			} else if (value) {
				cli_error("option '--%s' takes no value",
					  o->long_name);
				rc = CLI_EXIT_USAGE;
				break;
			}
			if ((rc = cli_set_option(o, value, a)))
				break;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			const char *p;

			for (p = a + 1; *p; p++) {
				char shown[3] = { '-', *p, 0 };

				o = cli_find_short(opts, *p);
				if (!o) {
					cli_error("unknown option '-%c'", *p);
					rc = CLI_EXIT_USAGE;
					break;
				}
				if (o->type == CLI_OPT_STRING ||
				    o->type == CLI_OPT_INT) {
					const char *value = p[1] ? p + 1 :
						(i + 1 < argc ? argv[++i] : NULL);

					if (!value) {
						cli_error("option '-%c' needs a value", *p);
						rc = CLI_EXIT_USAGE;
						break;
					}
					rc = cli_set_option(o, value, shown);
					break;
				}
				if ((rc = cli_set_option(o, NULL, shown)))
					break;
			}
			if (rc)
				break;
			continue;
		}
		args[n++] = argv[i];
	}
	if (rc) {
		free(args);
		return rc;
	}
	*rest = args;
	*nrest = n;
	return 0;
}

void cli_print_help(FILE *out, const char *usage, const char *description,
		    const struct cli_option *opts)
{
	fprintf(out, "usage: %s\n", usage);
	if (description)
		fprintf(out, "\n%s\n", description);
	fprintf(out, "\noptions:\n");
	for (; opts->type != CLI_OPT_END; opts++) {
		char left[64];

		if (opts->short_name && opts->long_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
				 opts->short_name, opts->long_name,
				 opts->arg_help ? " " : "",
				 opts->arg_help ? opts->arg_help : "");
		else if (opts->long_name)
			snprintf(left, sizeof(left), "    --%s%s%s",
				 opts->long_name, opts->arg_help ? " " : "",
				 opts->arg_help ? opts->arg_help : "");
		else
			snprintf(left, sizeof(left), "-%c%s%s",
				 opts->short_name, opts->arg_help ? " " : "",
				 opts->arg_help ? opts->arg_help : "");
		fprintf(out, "  %-26s %s\n", left, opts->help);
	}
}

void cli_setup_logging(const struct cli_common *c)
{
	const char *ts = getenv("TEND_LOG_TIMESTAMPS");

	redact_add_env_secrets();
	log_setup_ci();
	if (c->quiet)
		log_set_level(LOG_ERROR);
	else if (c->verbose >= 2)
		log_set_level(LOG_TRACE);
	else if (c->verbose == 1)
		log_set_level(LOG_DEBUG);
	else
		log_set_level(LOG_INFO);
	log_set_timestamps(ts && *ts && strcmp(ts, "0"));
}

void cli_error(const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	buf_puts(&msg, "tend: ");
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	buf_putc(&msg, '\n');
	redact_buf(&msg);
	fwrite(msg.ptr, 1, msg.len, stderr);
	buf_release(&msg);
}

int cli_exit_for(int error)
{
	switch (error) {
	case TEND_OK:
		return CLI_EXIT_OK;
	case TEND_EAUTH:
	case TEND_ERATELIMIT:
	case TEND_ETIMEOUT:
		return CLI_EXIT_SERVICE;
	case TEND_EUNAVAIL:
		return CLI_EXIT_SANDBOX;
	default:
		return CLI_EXIT_USAGE;
	}
}

static int cli_write_output_raw(const char *path, const char *data,
				size_t len, struct buf *err);

int cli_write_output(const char *path, const char *data, size_t len,
		     struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc;

	/* Known secrets never reach a report, whatever put them there. */
	buf_add(&text, data, len);
	redact_buf(&text);
	rc = cli_write_output_raw(path, text.ptr, text.len, err);
	buf_release(&text);
	return rc;
}

static int cli_write_output_raw(const char *path, const char *data,
				size_t len, struct buf *err)
{
	struct buf tmp = BUF_INIT;
	FILE *f;
	int fd, rc = 0;

	if (!path || !strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout))
			return error_set(err, TEND_ERROR,
					 "cannot write to standard output: %s",
					 strerror(errno));
		return 0;
	}
	buf_printf(&tmp, "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		rc = error_set(err, TEND_ERROR, "cannot create '%s': %s",
			       tmp.ptr, strerror(errno));
		goto out;
	}
	if (!(f = fdopen(fd, "wb"))) {
		close(fd);
		unlink(tmp.ptr);
		rc = error_set(err, TEND_ERROR, "cannot open '%s': %s",
			       tmp.ptr, strerror(errno));
		goto out;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) || fsync(fd)) {
		rc = error_set(err, TEND_ERROR, "cannot write '%s': %s", path,
			       strerror(errno));
		fclose(f);
		unlink(tmp.ptr);
		goto out;
	}
	if (fclose(f) || rename(tmp.ptr, path)) {
		rc = error_set(err, TEND_ERROR, "cannot write '%s': %s", path,
			       strerror(errno));
		unlink(tmp.ptr);
	}
out:
	buf_release(&tmp);
	return rc;
}

char *cli_config_root(const char *workdir)
{
	char cwd[4096];
	size_t n;

	if (!workdir)
		return xstrdup(".");
	n = strlen(workdir);
	if (n > 1 && workdir[n - 1] == '/')
		n--;
	if (getcwd(cwd, sizeof(cwd)) && strlen(cwd) == n &&
	    !strncmp(cwd, workdir, n))
		return xstrdup(".");
	return xstrndup(workdir, n);
}
