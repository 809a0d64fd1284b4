/*
 * redact.h - keeping known secrets out of everything tend writes.
 *
 * The process keeps one registry of secret values: forge tokens, model
 * keys and whatever else tend read from its environment under a name that
 * says "secret". Every log line, every text tend posts or prints, and every
 * HTTP request body and URL (common/http.c) passes through redact_buf()
 * before it leaves the process.
 *
 * A secret is masked in every form it is likely to travel in, all derived
 * once, when it is registered:
 *   - as it is;
 *   - base64-encoded, standard and URL-safe alphabets, on its own or at any
 *     offset inside a longer encoded string (an HTTP Basic credential
 *     "x-access-token:TOKEN", a git extraheader): for each of the three
 *     alignments, the run of characters that depends on the secret's bytes
 *     alone (a character or two at each end also carries bits of the
 *     unknown neighbours, and stays visible);
 *   - JSON-escaped, when that differs (quotes, backslashes, control
 *     characters, line breaks);
 *   - each line of a multi-line secret (a PEM key printed line by line);
 *   - percent-encoded: every form above also matches with any of its bytes
 *     written as %XX (either case of hex) and a space as '+', so URL and
 *     form encodings of every kind are covered without a list of encoders.
 * A derived form shorter than REDACT_DERIVED_MIN_LEN is not registered.
 *
 * A value shorter than REDACT_MIN_LEN is not registered: masking "abc"
 * everywhere would mangle ordinary text, and such a value is not a
 * credential any service issues.
 *
 * Where occurrences overlap, the whole union is masked as one, so no tail
 * of one secret stays visible next to another.
 *
 * The registry is process-global and not thread-safe to modify; register
 * secrets at start-up, before any threads exist.
 */
#ifndef COMMON_REDACT_H
#define COMMON_REDACT_H

#include <stddef.h>

#include "buf.h"

#define REDACT_MIN_LEN 6
#define REDACT_DERIVED_MIN_LEN 8
/* Values read by redact_add_env_secrets() from names that look secret. */
#define REDACT_ENV_MIN_LEN 8
#define REDACT_MASK "***"

/* Register a secret value (copied). Returns 1 if added, 0 if ignored. */
int redact_add(const char *value);

/* Register the value of every listed environment variable that is set. */
void redact_add_env(const char *const *names);

/*
 * Register the variables of redact_secret_env, and the value (at least
 * REDACT_ENV_MIN_LEN bytes) of every environment variable whose name looks
 * secret: see redact_env_name_is_secret(). Call once at start-up.
 */
void redact_add_env_secrets(void);

/*
 * Does an environment variable's name (`len` bytes) look like it holds a
 * secret? Case-insensitively, with '-' read as '_': it contains TOKEN,
 * SECRET, PASSWORD, PASSWD, API_KEY, APIKEY, PRIVATE_KEY, JWT or WEBHOOK,
 * or ends in _KEY; but not when it ends in _FILE, _PATH or _DIR (a place,
 * not a secret) or contains TOKENS (a count).
 */
int redact_env_name_is_secret(const char *name, size_t len);

/* The variables tend treats as secrets, NULL-terminated. */
extern const char *const redact_secret_env[];

/* Replace every registered secret in `b` with REDACT_MASK; returns count. */
size_t redact_buf(struct buf *b);

/* Does `s` contain any registered secret, in any of its forms? */
int redact_contains(const char *s, size_t len);

/* Forget all registered secrets (tests). */
void redact_clear(void);

#endif
