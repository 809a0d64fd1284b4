/*
 * log.h - diagnostics on standard error.
 *
 * Logging is the one channel below cli/ that writes to the terminal, and it
 * writes only to stderr, so stdout stays clean for reports. Every line is
 * passed through redact_buf() first. In CI, log_group_begin()/end() fold
 * output into GitHub's ::group:: or GitLab's collapsible sections.
 *
 * Levels: error and warning are always shown unless quiet; info is shown by
 * default; debug with -v; trace with -vv.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

enum log_level {
	LOG_QUIET = -1,
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
	LOG_TRACE
};

enum log_ci {
	LOG_CI_NONE = 0,
	LOG_CI_GITHUB,
	LOG_CI_GITLAB
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_timestamps(int on);
/* Where group markers go; detected from the environment by log_setup_ci(). */
void log_set_ci(enum log_ci ci);
void log_setup_ci(void);
/* Send log lines to `fd` instead of 2 (tests). */
void log_set_fd(int fd);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...) log_msg(LOG_TRACE, __VA_ARGS__)

/* Open and close a foldable section of the log; groups do not nest. */
void log_group_begin(const char *title);
void log_group_end(void);

#endif
