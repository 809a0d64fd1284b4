/*
 * redact.c - the registry of secret values and the masking of text.
 *
 * This file knows only literal values tend was given, and the encodings
 * they travel in. Recognising secrets that appear in a diff by their shape
 * is the job of the secrets rule pack in review/, not of this file.
 *
 * redact_buf() runs on every log line and every outgoing request body, so
 * everything that can be computed once is computed in redact_add(): each
 * secret becomes a handful of patterns (the value, its base64 middles, its
 * JSON escape, its lines), indexed by their first byte. A search is then
 * one pass over the text: a byte no pattern starts with (and that is not
 * '%' or '+', which may begin an encoded first byte) is skipped with one
 * table lookup; at any other byte the few patterns that start with it are
 * compared. The comparison accepts each pattern byte either as itself or
 * percent-encoded (and a space as '+'), which is how one pattern covers
 * every URL and form encoding of it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "redact.h"
#include "xalloc.h"

const char *const redact_secret_env[] = {
	"GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN",
	"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY",
	"TEND_GITHUB_TOKEN", "TEND_GITLAB_TOKEN", "ACTIONS_RUNTIME_TOKEN",
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "TEND_SLACK_WEBHOOK_URL",
	"SLACK_WEBHOOK_URL", "CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD",
	NULL
};

/* Lines of a multi-line secret shorter than this are not masked alone. */
#define REDACT_LINE_MIN_LEN 16

struct redact_pattern {
	char *s;
	size_t len;
};

/* The values as registered, to answer "already known". */
static char **redact_values;
static size_t redact_nr, redact_alloc;

/* Every form of every value, and for each byte the patterns it starts. */
static struct redact_pattern *redact_pats;
static size_t redact_npats, redact_apats;
static size_t *redact_index[256];
static size_t redact_index_nr[256], redact_index_alloc[256];
/* Can a match start at this byte of the text? */
static unsigned char redact_first[256];
/* Does a pattern start with these two bytes? One bit per pair. */
static unsigned char redact_pairs[256][32];

static int redact_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte "%XX" at `s` (3 bytes available) encodes, or -1. */
static int redact_pct(const unsigned char *s)
{
	int hi, lo;

	if (s[0] != '%' || (hi = redact_hexval(s[1])) < 0 ||
	    (lo = redact_hexval(s[2])) < 0)
		return -1;
	return hi << 4 | lo;
}

/*
 * Does pattern `p` match at the start of `s`, each of its bytes written
 * as itself, as %XX, or (a space) as '+'? On a match, `*used` is the
 * length of text it covers. A literal '%' in the pattern may face a "%25"
 * that encodes it or a '%' that is itself, so both are tried.
 */
static int redact_match(const unsigned char *s, size_t len,
			const unsigned char *p, size_t plen, size_t *used)
{
	size_t j, k = 0, rest;

	for (j = 0; j < plen; j++) {
		if (k < len && s[k] == p[j]) {
			if (p[j] == '%' && len - k >= 3 && s[k + 1] == '2' &&
			    s[k + 2] == '5' &&
			    redact_match(s + k + 3, len - k - 3, p + j + 1,
					 plen - j - 1, &rest)) {
				*used = k + 3 + rest;
				return 1;
			}
			k++;
		} else if (len - k >= 3 && redact_pct(s + k) == p[j]) {
			k += 3;
		} else if (p[j] == ' ' && k < len && s[k] == '+') {
			k++;
		} else {
			return 0;
		}
	}
	*used = k;
	return 1;
}

/* The patterns indexed under byte `c` matching at `s`: the longest, or 0. */
static size_t redact_longest_in(unsigned char c, const unsigned char *s,
				size_t len, size_t best)
{
	size_t i, used;

	for (i = 0; i < redact_index_nr[c]; i++) {
		const struct redact_pattern *p =
			&redact_pats[redact_index[c][i]];

		if (redact_match(s, len, (const unsigned char *)p->s, p->len,
				 &used) && used > best)
			best = used;
	}
	return best;
}

static int redact_pair(unsigned char a, unsigned char b)
{
	return redact_pairs[a][b >> 3] & (1u << (b & 7));
}

/*
 * Can the text at `s` continue a pattern whose first byte is `a`? Its
 * next byte is checked as itself, decoded from %XX, or '+' as a space:
 * most positions of ordinary text end here, before any comparison.
 */
static int redact_next_ok(unsigned char a, const unsigned char *s,
			  size_t len)
{
	int d;

	if (!len)
		return 0;
	if (redact_pair(a, s[0]))
		return 1;
	if (s[0] == '%' && len >= 3 && (d = redact_pct(s)) >= 0 &&
	    redact_pair(a, (unsigned char)d))
		return 1;
	return s[0] == '+' && redact_pair(a, ' ');
}

/* The length of the longest occurrence starting at `s`, or 0. */
static size_t redact_longest_at(const unsigned char *s, size_t len)
{
	size_t best = 0;
	int b;

	if (redact_index_nr[s[0]] && redact_next_ok(s[0], s + 1, len - 1))
		best = redact_longest_in(s[0], s, len, best);
	if (s[0] == '%' && len >= 3 && (b = redact_pct(s)) >= 0 &&
	    redact_next_ok((unsigned char)b, s + 3, len - 3))
		best = redact_longest_in((unsigned char)b, s, len, best);
	else if (s[0] == '+' && redact_next_ok(' ', s + 1, len - 1))
		best = redact_longest_in(' ', s, len, best);
	return best;
}

/* Add one form; forms too short, or known already, are dropped. */
static void redact_add_form(const char *s, size_t len, size_t min)
{
	unsigned char c;
	size_t i;

	if (len < min)
		return;
	for (i = 0; i < redact_npats; i++)
		if (redact_pats[i].len == len &&
		    !memcmp(redact_pats[i].s, s, len))
			return;
	ALLOC_GROW(redact_pats, redact_npats, redact_apats);
	redact_pats[redact_npats].s = xstrndup(s, len);
	redact_pats[redact_npats].len = len;
	c = (unsigned char)s[0];
	redact_pairs[c][(unsigned char)s[1] >> 3] |=
		(unsigned char)(1u << ((unsigned char)s[1] & 7));
	ALLOC_GROW(redact_index[c], redact_index_nr[c], redact_index_alloc[c]);
	redact_index[c][redact_index_nr[c]++] = redact_npats++;
	redact_first[c] = 1;
	redact_first['%'] = 1;
	if (c == ' ')
		redact_first['+'] = 1;
}

/*
 * The base64 characters that depend only on `v`'s bytes when `v` starts
 * at byte offset `align` (0, 1, 2) of a 3-byte group, in `alphabet`.
 * Character 4g+p of an encoding depends on bytes 3g (p 0), 3g and 3g+1
 * (p 1), 3g+1 and 3g+2 (p 2), 3g+2 (p 3).
 */
static void redact_add_base64(const unsigned char *v, size_t n, int align,
			      const char *alphabet)
{
	size_t total = (size_t)align + n, groups = (total + 2) / 3, g;
	size_t last = (size_t)align + n - 1;
	struct buf out = BUF_INIT;

	for (g = 0; g < groups; g++) {
		unsigned char in[3];
		unsigned int bits;
		int p, b;

		for (b = 0; b < 3; b++) {
			size_t at = 3 * g + (size_t)b;

			in[b] = at >= (size_t)align && at <= last ?
				v[at - (size_t)align] : 0;
		}
		bits = (unsigned int)in[0] << 16 | (unsigned int)in[1] << 8 |
			in[2];
		for (p = 0; p < 4; p++) {
			static const int lo[4] = { 0, 0, 1, 2 };
			static const int hi[4] = { 0, 1, 2, 2 };

			if (3 * g + (size_t)lo[p] < (size_t)align ||
			    3 * g + (size_t)hi[p] > last)
				continue;
			buf_putc(&out, alphabet[(bits >> (18 - 6 * p)) & 63]);
		}
	}
	redact_add_form(out.ptr, out.len, REDACT_DERIVED_MIN_LEN);
	buf_release(&out);
}

/* The value as it appears inside a JSON string, if that differs. */
static void redact_add_json(const char *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf out = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		switch (c) {
		case '"': buf_puts(&out, "\\\""); break;
		case '\\': buf_puts(&out, "\\\\"); break;
		case '\b': buf_puts(&out, "\\b"); break;
		case '\f': buf_puts(&out, "\\f"); break;
		case '\n': buf_puts(&out, "\\n"); break;
		case '\r': buf_puts(&out, "\\r"); break;
		case '\t': buf_puts(&out, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				buf_puts(&out, "\\u00");
				buf_putc(&out, hex[c >> 4]);
				buf_putc(&out, hex[c & 15]);
			} else {
				buf_putc(&out, c);
			}
		}
	}
	if (out.len != n)
		redact_add_form(out.ptr, out.len, REDACT_DERIVED_MIN_LEN);
	buf_release(&out);
}

/* Each line of a multi-line value, but not PEM armour lines. */
static void redact_add_lines(const char *v, size_t n)
{
	const char *p = v, *end = v + n;

	if (!memchr(v, '\n', n))
		return;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len < 5 || strncmp(p, "-----", 5))
			redact_add_form(p, len, REDACT_LINE_MIN_LEN);
		if (!nl)
			break;
		p = nl + 1;
	}
}

int redact_add(const char *value)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, len;
	int align;

	if (!value)
		return 0;
	len = strlen(value);
	if (len < REDACT_MIN_LEN)
		return 0;
	for (i = 0; i < redact_nr; i++)
		if (!strcmp(redact_values[i], value))
			return 0;
	ALLOC_GROW(redact_values, redact_nr, redact_alloc);
	redact_values[redact_nr++] = xstrdup(value);

	redact_add_form(value, len, REDACT_MIN_LEN);
	for (align = 0; align < 3; align++) {
		redact_add_base64((const unsigned char *)value, len, align,
				  std);
		redact_add_base64((const unsigned char *)value, len, align,
				  url);
	}
	redact_add_json(value, len);
	redact_add_lines(value, len);
	return 1;
}

void redact_add_env(const char *const *names)
{
	for (; *names; names++)
		redact_add(getenv(*names));
}

/* Does `name` (`len` bytes, '-' read as '_') contain `word`, any case? */
static int redact_name_has(const char *name, size_t len, const char *word)
{
	size_t n = strlen(word), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n; j++) {
			int c = name[i + j] == '-' ? '_' :
				toupper((unsigned char)name[i + j]);

			if (c != word[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

static int redact_name_ends(const char *name, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && redact_name_has(name + len - n, n, word);
}

int redact_env_name_is_secret(const char *name, size_t len)
{
	static const char *const parts[] = {
		"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY",
		"PRIVATE_KEY", "JWT", "WEBHOOK", NULL
	};
	const char *const *p;

	if (redact_name_ends(name, len, "_FILE") ||
	    redact_name_ends(name, len, "_PATH") ||
	    redact_name_ends(name, len, "_DIR") ||
	    redact_name_has(name, len, "TOKENS"))
		return 0;
	if (redact_name_ends(name, len, "_KEY"))
		return 1;
	for (p = parts; *p; p++)
		if (redact_name_has(name, len, *p))
			return 1;
	return 0;
}

void redact_add_env_secrets(void)
{
	char **e;

	redact_add_env(redact_secret_env);
	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (eq && eq > *e && strlen(eq + 1) >= REDACT_ENV_MIN_LEN &&
		    redact_env_name_is_secret(*e, (size_t)(eq - *e)))
			redact_add(eq + 1);
	}
}

size_t redact_buf(struct buf *b)
{
	const unsigned char *s = (const unsigned char *)b->ptr;
	struct buf out = BUF_INIT;
	size_t i = 0, from = 0, n = 0, len = b->len;

	if (!redact_npats)
		return 0;
	while (i < len) {
		size_t m, end, j;

		if (!redact_first[s[i]] || !(m = redact_longest_at(s + i,
								   len - i))) {
			i++;
			continue;
		}
		/* Occurrences that overlap this one widen the masked run. */
		end = i + m;
		for (j = i + 1; j < end; j++) {
			size_t m2 = redact_first[s[j]] ?
				redact_longest_at(s + j, len - j) : 0;

			if (j + m2 > end)
				end = j + m2;
		}
		buf_add(&out, b->ptr + from, i - from);
		buf_puts(&out, REDACT_MASK);
		from = i = end;
		n++;
	}
	if (!n)
		return 0;
	buf_add(&out, b->ptr + from, len - from);
	out.max = b->max;
	buf_release(b);
	*b = out;
	return n;
}

int redact_contains(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; redact_npats && i < len; i++)
		if (redact_first[u[i]] && redact_longest_at(u + i, len - i))
			return 1;
	return 0;
}

void redact_clear(void)
{
	size_t i;

	for (i = 0; i < redact_nr; i++)
		free(redact_values[i]);
	free(redact_values);
	redact_values = NULL;
	redact_nr = redact_alloc = 0;
	for (i = 0; i < redact_npats; i++)
		free(redact_pats[i].s);
	free(redact_pats);
	redact_pats = NULL;
	redact_npats = redact_apats = 0;
	for (i = 0; i < 256; i++) {
		free(redact_index[i]);
		redact_index[i] = NULL;
		redact_index_nr[i] = redact_index_alloc[i] = 0;
	}
	memset(redact_first, 0, sizeof(redact_first));
	memset(redact_pairs, 0, sizeof(redact_pairs));
}
