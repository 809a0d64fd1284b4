/*
 * redact.h - keeping known secrets out of everything tend writes.
 *
 * The process keeps one registry of secret values: forge tokens and model
 * keys that tend read from its environment. Every log line, and every text
 * tend posts or prints, passes through redact_buf() before it leaves the
 * process. A value shorter than REDACT_MIN_LEN is not registered: masking
 * "abc" everywhere would mangle ordinary text, and such a value is not a
 * credential any service issues.
 *
 * The registry is process-global and not thread-safe to modify; register
 * secrets at start-up, before any threads exist.
 */
#ifndef COMMON_REDACT_H
#define COMMON_REDACT_H

#include <stddef.h>

#include "buf.h"

#define REDACT_MIN_LEN 6
#define REDACT_MASK "***"

/* Register a secret value (copied). Returns 1 if added, 0 if ignored. */
int redact_add(const char *value);

/* Register the value of every listed environment variable that is set. */
void redact_add_env(const char *const *names);

/* The variables tend treats as secrets, NULL-terminated. */
extern const char *const redact_secret_env[];

/* Replace every registered secret in `b` with REDACT_MASK; returns count. */
size_t redact_buf(struct buf *b);

/* Does `s` contain any registered secret? */
int redact_contains(const char *s, size_t len);

/* Forget all registered secrets (tests). */
void redact_clear(void);

#endif
