/*
 * test_redact.c - the registry of secrets and the forms they are masked in:
 * as they are, base64 (both alphabets, any offset inside a longer
 * encoding), percent- and form-encoded, JSON-escaped, line by line; what
 * is not registered; what ordinary text keeps; what the environment
 * contributes; and what a search costs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/redact.h"
#include "tests/unit/test.h"

#define TOKEN "ghs_Zq8vK2mN4pL7xR1tY6wB3cD9fH5jA0sE"

static void test_redact_b64(struct buf *out, const unsigned char *in,
			    size_t n, int urlsafe)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *a = urlsafe ? url : std;
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned int v = (unsigned int)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned int)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		buf_putc(out, a[v >> 18 & 63]);
		buf_putc(out, a[v >> 12 & 63]);
		buf_putc(out, i + 1 < n ? a[v >> 6 & 63] : '=');
		buf_putc(out, i + 2 < n ? a[v & 63] : '=');
	}
}

/* Percent-encode every byte outside `safe` and the unreserved set. */
static void test_redact_pct(struct buf *out, const char *s, const char *safe,
			    int lower, int form)
{
	const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) ||
		    (safe && c && strchr(safe, c))) {
			buf_putc(out, c);
		} else if (form && c == ' ') {
			buf_putc(out, '+');
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}

/*
 * The encoding of PREFIX TOKEN SUFFIX, masked: what is left visible on
 * either side of the mask may carry the bits of at most one token byte.
 */
void test_redact__base64_at_any_offset(void)
{
	static const char *const prefixes[] = {
		"", "x", "x-", "x-access-token:", "AUTHORIZATION: basic ab",
		NULL
	};
	struct buf plain = BUF_INIT, enc = BUF_INIT, text = BUF_INIT;
	size_t i;
	int urlsafe;

	redact_clear();
	CHECK(redact_add(TOKEN) == 1);
	for (i = 0; prefixes[i]; i++) {
		for (urlsafe = 0; urlsafe < 2; urlsafe++) {
			size_t pre = strlen(prefixes[i]), after = 2;
			const char *mask;

			buf_reset(&plain);
			buf_printf(&plain, "%s%s\n\x01", prefixes[i], TOKEN);
			buf_reset(&enc);
			test_redact_b64(&enc, (const unsigned char *)plain.ptr,
					plain.len, urlsafe);
			buf_reset(&text);
			buf_printf(&text, "header: %s end", enc.ptr);
			CHECK(redact_contains(text.ptr, text.len));
			CHECK_INT(redact_buf(&text), 1);
			mask = strstr(text.ptr, REDACT_MASK);
			REQUIRE(mask != NULL);
			/* Visible before: the prefix's characters, and one. */
			CHECK((size_t)(mask - text.ptr) - strlen("header: ") <=
			      (pre * 4 + 2) / 3 + 1);
			/* After: the suffix's, padding, and one. */
			CHECK(strlen(mask + 3) - strlen(" end") <=
			      (after * 4 + 2) / 3 + 2 + 1);
			CHECK(strstr(text.ptr, " end") != NULL);
		}
	}
	/* Unaligned, the base64 of the token alone, with padding. */
	buf_reset(&enc);
	test_redact_b64(&enc, (const unsigned char *)TOKEN, strlen(TOKEN), 0);
	CHECK_INT(redact_buf(&enc), 1);
	CHECK(strlen(enc.ptr) <= 3 + 4);
	redact_clear();
	buf_release(&plain);
	buf_release(&enc);
	buf_release(&text);
}

/* Percent-encoded in every common way, and as a form value. */
void test_redact__url_encoded(void)
{
	static const char secret[] = "p@ss w/rd+x=y&z%41!*";
	struct buf full = BUF_INIT, b = BUF_INIT;
	int lower, form;

	redact_clear();
	CHECK(redact_add(secret) == 1);
	buf_puts(&full, "x-access-token:");
	buf_puts(&full, secret);
	for (lower = 0; lower < 2; lower++) {
		for (form = 0; form < 2; form++) {
			buf_reset(&b);
			buf_puts(&b, "https://h/x?q=");
			test_redact_pct(&b, full.ptr, NULL, lower, form);
			buf_puts(&b, "&n=1");
			CHECK_INT(redact_buf(&b), 1);
			CHECK_STR(b.ptr, lower ?
				  "https://h/x?q=x-access-token%3a***&n=1" :
				  "https://h/x?q=x-access-token%3A***&n=1");
		}
	}
	/* Python's quote() keeps '/'; encodeURIComponent keeps !*'(). */
	buf_reset(&b);
	test_redact_pct(&b, secret, "/", 0, 0);
	CHECK_INT(redact_buf(&b), 1);
	CHECK_STR(b.ptr, "***");
	buf_reset(&b);
	test_redact_pct(&b, secret, "!*'()", 1, 0);
	CHECK_INT(redact_buf(&b), 1);
	CHECK_STR(b.ptr, "***");
	/* As it is, next to a literal "%41" that is not "A". */
	buf_reset(&b);
	buf_printf(&b, "[%s]", secret);
	CHECK_INT(redact_buf(&b), 1);
	CHECK_STR(b.ptr, "[***]");
	/* The base64 of it, percent-encoded in a query. */
	buf_reset(&b);
	test_redact_b64(&b, (const unsigned char *)full.ptr, full.len, 0);
	buf_release(&full);
	test_redact_pct(&full, b.ptr, NULL, 0, 0);
	CHECK(redact_contains(full.ptr, full.len));
	redact_clear();
	buf_release(&full);
	buf_release(&b);
}

/* Quotes, backslashes and line breaks as a JSON string writes them. */
void test_redact__json_escaped_and_lines(void)
{
	static const char pem[] =
		"-----BEGIN PRIVATE KEY-----\n"
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
		"VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDu\n"
		"-----END PRIVATE KEY-----\n";
	struct buf b = BUF_INIT;

	redact_clear();
	CHECK(redact_add("pa\"ss\\word\tX9") == 1);
	buf_puts(&b, "{\"v\":\"pa\\\"ss\\\\word\\tX9\",\"n\":1}");
	CHECK_INT(redact_buf(&b), 1);
	CHECK_STR(b.ptr, "{\"v\":\"***\",\"n\":1}");

	CHECK(redact_add(pem) == 1);
	/* A log shows it line by line. */
	buf_reset(&b);
	buf_puts(&b, "key: VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDu");
	CHECK_INT(redact_buf(&b), 1);
	CHECK_STR(b.ptr, "key: ***");
	/* A JSON body carries it whole, escaped. */
	buf_reset(&b);
	buf_puts(&b, "{\"k\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG"
		 "9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\\nVJTUt9Us8cKjMzEfYyjiWA4R4/"
		 "M2bS1GB4t7NXp98C3SC6dVMvDu\\n-----END PRIVATE KEY-----\\n\"}");
	CHECK_INT(redact_buf(&b), 1);
	CHECK_STR(b.ptr, "{\"k\":\"***\"}");
	/* The armour lines alone are not secrets. */
	buf_reset(&b);
	buf_puts(&b, "-----BEGIN PRIVATE KEY-----");
	CHECK_INT(redact_buf(&b), 0);
	redact_clear();
	buf_release(&b);
}

/* Overlapping secrets are masked as one run, leaving no tail visible. */
void test_redact__overlaps_masked_whole(void)
{
	struct buf b = BUF_INIT;

	redact_clear();
	CHECK(redact_add("abcdef123456") == 1);
	CHECK(redact_add("123456uvwxyz") == 1);
	buf_puts(&b, "<abcdef123456uvwxyz> <123456uvwxyz> <abcdef123456>");
	CHECK_INT(redact_buf(&b), 3);
	CHECK_STR(b.ptr, "<***> <***> <***>");
	redact_clear();
	buf_release(&b);
}

/* Short values are not registered; ordinary text keeps every byte. */
void test_redact__short_and_ordinary(void)
{
	static const char *const tokens[] = {
		"sk-proj-4f9Kq2LmN8vX1zR7tY3wB6cD0hJ5", TOKEN,
		"glpat-xK3mP9qR2sT5vW8yZ1bC", "hunter2!", "AKIAQYLPMN5HHHFPZAM2",
		"https://hooks.slack.com/services/T0/B0/XyZ123abc456", NULL
	};
	static const char ordinary[] =
		"The quick brown fox jumps over the lazy dog. 0123456789 "
		"Authorization: Bearer *** ghp_ glpat- sk- %20%2F%41+ a+b=c "
		"YWJjZGVm ZXhhbXBsZQ== aHVudGVy eyJhbGciOiJIUzI1NiJ9 "
		"https://hooks.slack.com/services/ {\"a\":\"\\\"\\\\\\n\"} "
		"-----BEGIN PRIVATE KEY----- x-access-token: SGVsbG8= "
		"int main(void) { return 0; } /* hunter */ password: *** ";
	struct buf b = BUF_INIT;
	size_t i;

	redact_clear();
	CHECK(redact_add("abc12") == 0);
	CHECK(redact_add("") == 0);
	CHECK(redact_add(NULL) == 0);
	buf_puts(&b, "abc12 abc12");
	CHECK_INT(redact_buf(&b), 0);
	CHECK(!redact_contains("abc12", 5));
	for (i = 0; tokens[i]; i++)
		CHECK(redact_add(tokens[i]) == 1);
	CHECK(redact_add(TOKEN) == 0);
	buf_reset(&b);
	buf_puts(&b, ordinary);
	CHECK_INT(redact_buf(&b), 0);
	CHECK_STR(b.ptr, ordinary);
	CHECK(!redact_contains(ordinary, strlen(ordinary)));
	/* A six-byte secret: itself, but no base64 forms of six characters. */
	redact_clear();
	CHECK(redact_add("q7Zk2P") == 1);
	buf_reset(&b);
	buf_puts(&b, "q7Zk2P cTdaazJQ");
	CHECK_INT(redact_buf(&b), 2);
	buf_reset(&b);
	buf_puts(&b, "xq7Zk2P=");
	CHECK_INT(redact_buf(&b), 1);
	CHECK_STR(b.ptr, "x***=");
	redact_clear();
	buf_release(&b);
}

void test_redact__env_names(void)
{
	static const char *const secret[] = {
		"MY_SERVICE_TOKEN", "npm_token", "AWS_SECRET_ACCESS_KEY",
		"DB_PASSWORD", "FTP_PASSWD", "X_API_KEY", "INPUT_API-KEY",
		"DEPLOY_PRIVATE_KEY", "SIGNING_KEY", "CI_JOB_JWT_V2",
		"TEAMS_WEBHOOK_URL", "OPENAI_APIKEY", NULL
	};
	static const char *const plain[] = {
		"PATH", "HOME", "MAX_TOKENS", "TOKEN_FILE", "SSH_KEY_PATH",
		"GNUPG_KEY_DIR", "KEYBOARD", "MONKEY", "KEYS", NULL
	};
	size_t i;

	for (i = 0; secret[i]; i++)
		CHECK(redact_env_name_is_secret(secret[i], strlen(secret[i])));
	for (i = 0; plain[i]; i++)
		CHECK(!redact_env_name_is_secret(plain[i], strlen(plain[i])));

	redact_clear();
	setenv("TEND_TEST_SERVICE_TOKEN", "tok-3f8a9b2c7d", 1);
	setenv("TEND_TEST_SHORT_TOKEN", "1234567", 1);
	setenv("TEND_TEST_MAX_TOKENS", "4096000000", 1);
	setenv("TEND_TEST_PLAIN", "plain-value-123", 1);
	setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/x1", 1);
	setenv("CI_DEPLOY_PASSWORD", "dep-pass-1", 1);
	redact_add_env_secrets();
	CHECK(redact_contains("tok-3f8a9b2c7d", 14));
	CHECK(!redact_contains("1234567", 7));
	CHECK(!redact_contains("4096000000", 10));
	CHECK(!redact_contains("plain-value-123", 15));
	CHECK(redact_contains("T/B/x1 https://hooks.slack.com/services/T/B/x1",
			      46));
	CHECK(redact_contains("dep-pass-1", 10));
	unsetenv("TEND_TEST_SERVICE_TOKEN");
	unsetenv("TEND_TEST_SHORT_TOKEN");
	unsetenv("TEND_TEST_MAX_TOKENS");
	unsetenv("TEND_TEST_PLAIN");
	unsetenv("SLACK_WEBHOOK_URL");
	unsetenv("CI_DEPLOY_PASSWORD");
	redact_clear();
}

static double test_redact_ms(const struct timespec *a,
			     const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
		(double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/*
 * What a search costs: 1 MiB of source-like text with 20 secrets (140
 * patterns with their forms), against the old way (one memmem pass per
 * secret, as they are only). Printed for the record; the bound is loose
 * so a busy machine does not fail it.
 */
void test_redact__speed(void)
{
	static const char line[] =
		"\tif (rc < 0 && errno == EINTR) /* retry: 100% of %d */ "
		"return buf_printf(&out, \"%s=%s+%s\", key, val, url);\n";
	struct buf text = BUF_INIT, b = BUF_INIT;
	struct timespec t0, t1;
	char secrets[20][40];
	double ms_new, ms_old;
	size_t i, j, rounds = 5;

	redact_clear();
	for (i = 0; i < 20; i++) {
		snprintf(secrets[i], sizeof(secrets[i]),
			 "tok_%02zu_%08lx%08lx", i,
			 (unsigned long)(i * 2654435761u),
			 (unsigned long)(i * 40503u + 7));
		CHECK(redact_add(secrets[i]) == 1);
	}
	while (text.len < (1u << 20))
		buf_puts(&text, line);
	buf_puts(&text, secrets[7]);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (j = 0; j < rounds; j++) {
		buf_reset(&b);
		buf_add(&b, text.ptr, text.len);
		CHECK_INT(redact_buf(&b), 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms_new = test_redact_ms(&t0, &t1) / (double)rounds;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (j = 0; j < rounds; j++) {
		buf_reset(&b);
		buf_add(&b, text.ptr, text.len);
		for (i = 0; i < 20; i++)
			buf_replace_all(&b, secrets[i], REDACT_MASK);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms_old = test_redact_ms(&t0, &t1) / (double)rounds;

	printf("  redact_buf over 1 MiB, 20 secrets in all forms: %.2f ms; "
	       "20 memmem passes, plain forms only: %.2f ms\n", ms_new,
	       ms_old);
	CHECK(ms_new < 200.0);
	/* A typical log line. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (j = 0; j < 100000; j++) {
		buf_reset(&b);
		buf_puts(&b, "tend: http: POST https://api.openai.com/v1/chat/"
			 "completions -> 200 (812 ms, attempt 1)\n");
		redact_buf(&b);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("  redact_buf per 80-byte log line: %.2f us\n",
	       test_redact_ms(&t0, &t1) * 1e3 / 100000.0);
	redact_clear();
	buf_release(&text);
	buf_release(&b);
}
