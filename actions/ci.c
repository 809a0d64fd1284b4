/*
 * ci.c - the GitHub step summary and outputs files. See ci.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/ci.h"
#include "common/error.h"
#include "common/redact.h"

static int actions_ci_append(const char *path, const char *data, size_t len,
			     struct buf *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return error_set(err, TEND_ERROR, "cannot open '%s': %s", path,
				 strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return error_set(err, TEND_ERROR,
					 "cannot write '%s': %s", path,
					 strerror(errno));
		}
		done += (size_t)n;
	}
	if (close(fd) < 0)
		return error_set(err, TEND_ERROR, "cannot write '%s': %s",
				 path, strerror(errno));
	return 0;
}

int actions_ci_step_summary(const char *path, const char *markdown,
			    struct buf *err)
{
	struct buf b = BUF_INIT;
	int rc;

	if (!path || !*path)
		return 0;
	buf_puts(&b, markdown);
	if (b.len && b.ptr[b.len - 1] != '\n')
		buf_putc(&b, '\n');
	redact_buf(&b);
	rc = actions_ci_append(path, b.ptr ? b.ptr : "", b.len, err);
	buf_release(&b);
	return rc;
}

int actions_ci_output(const char *path, const char *name, const char *value,
		      struct buf *err)
{
	struct buf b = BUF_INIT;
	int rc;

	if (!path || !*path)
		return 0;
	if (!value)
		value = "";
	if (!strchr(value, '\n')) {
		buf_printf(&b, "%s=%s\n", name, value);
	} else {
		char delim[64];
		unsigned n = 0;

		do
			snprintf(delim, sizeof(delim), "tend_EOF_%u_%d", n++,
				 (int)getpid());
		while (strstr(value, delim));
		buf_printf(&b, "%s<<%s\n%s\n%s\n", name, delim, value, delim);
	}
	redact_buf(&b);
	rc = actions_ci_append(path, b.ptr, b.len, err);
	buf_release(&b);
	return rc;
}
