/*
 * log.c - levelled, redacted diagnostics on stderr with CI log groups.
 *
 * Not for reports or user-facing results: those are written by cli/.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "redact.h"

static enum log_level log_level = LOG_INFO;
static int log_timestamps;
static enum log_ci log_ci;
static int log_fd = 2;
static char log_group_id[64];
static int log_group_open;

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_set_timestamps(int on)
{
	log_timestamps = on;
}

void log_set_ci(enum log_ci ci)
{
	log_ci = ci;
}

void log_setup_ci(void)
{
	const char *gh = getenv("GITHUB_ACTIONS");
	const char *gl = getenv("GITLAB_CI");

	if (gh && !strcmp(gh, "true"))
		log_ci = LOG_CI_GITHUB;
	else if (gl && !strcmp(gl, "true"))
		log_ci = LOG_CI_GITLAB;
	else
		log_ci = LOG_CI_NONE;
}

void log_set_fd(int fd)
{
	log_fd = fd;
}

static void log_write(struct buf *line)
{
	size_t off = 0;

	redact_buf(line);
	while (off < line->len) {
		ssize_t n = write(log_fd, line->ptr + off, line->len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static const char *log_level_name(enum log_level level)
{
	switch (level) {
	case LOG_ERROR: return "error: ";
	case LOG_WARN: return "warning: ";
	case LOG_DEBUG: return "debug: ";
	case LOG_TRACE: return "trace: ";
	default: return "";
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;
	size_t start, i;

	if (level > log_level)
		return;
	if (log_timestamps) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		buf_printf(&line, "%s.%03ld ", when, ts.tv_nsec / 1000000);
	}
	buf_printf(&line, "tend: %s", log_level_name(level));
	start = line.len;
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	/*
	 * One message, one line: text from a repository (a command from its
	 * config, say) must not begin a line of its own, where CI would read
	 * "::error ..." or "::add-mask::" as a workflow command.
	 */
	for (i = start; i < line.len; i++)
		if (line.ptr[i] == '\n' || line.ptr[i] == '\r')
			line.ptr[i] = ' ';
	buf_putc(&line, '\n');
	log_write(&line);
	buf_release(&line);
}

void log_group_begin(const char *title)
{
	struct buf line = BUF_INIT;

	if (log_level < LOG_INFO)
		return;
	if (log_group_open)
		log_group_end();
	switch (log_ci) {
	case LOG_CI_GITHUB:
		buf_printf(&line, "::group::%s\n", title);
		break;
	case LOG_CI_GITLAB:
		snprintf(log_group_id, sizeof(log_group_id), "tend_%ld",
			 (long)time(NULL));
		buf_printf(&line,
			   "\033[0Ksection_start:%ld:%s[collapsed=true]\r"
			   "\033[0K%s\n",
			   (long)time(NULL), log_group_id, title);
		break;
	default:
		buf_printf(&line, "tend: == %s\n", title);
		break;
	}
	log_group_open = 1;
	log_write(&line);
	buf_release(&line);
}

void log_group_end(void)
{
	struct buf line = BUF_INIT;

	if (!log_group_open)
		return;
	log_group_open = 0;
	switch (log_ci) {
	case LOG_CI_GITHUB:
		buf_puts(&line, "::endgroup::\n");
		break;
	case LOG_CI_GITLAB:
		buf_printf(&line, "\033[0Ksection_end:%ld:%s\r\033[0K\n",
			   (long)time(NULL), log_group_id);
		break;
	default:
		break;
	}
	log_write(&line);
	buf_release(&line);
}
