/*
 * hygiene.c - cleaning, masking and framing of untrusted text before a
 * model reads it (see hygiene.h for the rules and their order).
 *
 * This file knows nothing of secrets (the caller's mask does), of prompts
 * (agents/pack.c and the agents do) or of JSON: it only rewrites bytes.
 * Each pass is linear in the text and writes into a fresh buffer, so a
 * huge PR body costs one copy, not a quadratic shuffle.
 */
#include <stdint.h>
#include <string.h>

#include "agents/hygiene.h"

/*
 * Decode one UTF-8 character at s[0..n). Returns its length and stores
 * the code point in *cp, or returns 1 with *cp = -1 for a byte that does
 * not start a valid, shortest-form, non-surrogate sequence.
 */
static size_t agent_hygiene_utf8(const unsigned char *s, size_t n,
				 long *cp)
{
	unsigned char c = s[0];
	size_t len, i;
	long v, min;

	*cp = -1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 1;
	}
	if (len > n)
		return 1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 1;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 1;
	*cp = v;
	return len;
}

/* 1 for a character hygiene removes (or shows, in code mode). */
static int agent_hygiene_hidden(long cp)
{
	if (cp < 0x20)
		return cp != '\n' && cp != '\t';
	if (cp >= 0x7f && cp <= 0x9f)
		return 1;
	return cp == 0xad || cp == 0x61c || cp == 0x180e ||
		(cp >= 0x200b && cp <= 0x200f) ||
		(cp >= 0x202a && cp <= 0x202e) ||
		(cp >= 0x2060 && cp <= 0x2064) ||
		(cp >= 0x2066 && cp <= 0x2069) ||
		cp == 0xfeff ||
		(cp >= 0xe0000 && cp <= 0xe007f);
}

/*
 * After something was deleted, before s[at]: a stray continuation byte
 * there could complete an invalid sequence left before the deletion
 * ("\xe2" "\x01" "\x80\xae" would become U+202E), so a U+FFFD goes
 * between them. Valid UTF-8 never has a continuation byte there.
 */
static void agent_hygiene_unjoin(struct buf *out, const unsigned char *s,
				 size_t n, size_t at)
{
	if (at < n && (s[at] & 0xc0) == 0x80)
		buf_puts(out, "\xef\xbf\xbd");
}

size_t agent_hygiene_clean(struct buf *text, enum agent_hygiene_mode mode)
{
	const unsigned char *s = (const unsigned char *)text->ptr;
	size_t n = text->len, i = 0, changed = 0, len;
	struct buf out = BUF_INIT;
	long cp;

	buf_grow(&out, n);
	while (i < n) {
		if (mode == AGENT_HYGIENE_PROSE && s[i] == '<' &&
		    n - i >= 4 && !memcmp(s + i, "<!--", 4)) {
			const char *end;

			end = memmem(s + i + 4, n - i - 4, "-->", 3);

			i = end ? (size_t)((const unsigned char *)end - s) + 3
				: n;
			changed++;
			agent_hygiene_unjoin(&out, s, n, i);
			continue;
		}
		len = agent_hygiene_utf8(s + i, n - i, &cp);
		if (cp >= 0 && agent_hygiene_hidden(cp)) {
			changed++;
			if (mode == AGENT_HYGIENE_CODE &&
			    !(cp == '\r' && i + 1 == n))
				buf_printf(&out, "<U+%04lX>",
					   (unsigned long)cp);
			else
				agent_hygiene_unjoin(&out, s, n, i + len);
		} else {
			buf_add(&out, s + i, len);
		}
		i += len;
	}
	if (changed) {
		buf_release(text);
		*text = out;
	} else {
		buf_release(&out);
	}
	return changed;
}

/* Length of a delimiter starting at s[0] == '<', or 0. */
static size_t agent_hygiene_delim(const char *s, size_t n)
{
	static const char tag[] = AGENT_HYGIENE_TAG;
	size_t i = 1, k;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
		i++;
	if (i < n && s[i] == '/')
		i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
		i++;
	if (n - i < sizeof(tag) - 1)
		return 0;
	for (k = 0; k < sizeof(tag) - 1; k++) {
		char c = s[i + k];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		/* '_' for '-' too: a lenient reader might accept either */
		if (c != tag[k] && !(tag[k] == '-' && c == '_'))
			return 0;
	}
	return i + k;
}

size_t agent_hygiene_neutralise(struct buf *text)
{
	struct buf out = BUF_INIT;
	size_t i, last = 0, count = 0;

	for (i = 0; i < text->len; i++) {
		if (text->ptr[i] != '<' ||
		    !agent_hygiene_delim(text->ptr + i, text->len - i))
			continue;
		buf_add(&out, text->ptr + last, i - last);
		buf_puts(&out, "&lt;");
		last = i + 1;
		count++;
	}
	if (count) {
		buf_add(&out, text->ptr + last, text->len - last);
		buf_release(text);
		*text = out;
	}
	return count;
}

void agent_hygiene_attr(struct buf *out, const char *value, size_t max)
{
	struct buf v = BUF_INIT;
	size_t i, n = strlen(value);

	if (max && n > max)
		n = max;
	buf_add(&v, value, n);
	agent_hygiene_clean(&v, AGENT_HYGIENE_PROSE);
	for (i = 0; i < v.len; i++) {
		char c = v.ptr[i];

		if (c == '"')
			buf_puts(out, "&quot;");
		else if (c == '<')
			buf_puts(out, "&lt;");
		else if (c == '>')
			buf_puts(out, "&gt;");
		else if (c == '&')
			buf_puts(out, "&amp;");
		else if (c == '\n' || c == '\t')
			buf_putc(out, ' ');
		else
			buf_putc(out, c);
	}
	if (max && strlen(value) > max)
		buf_puts(out, "...");
	buf_release(&v);
}

void agent_hygiene_open(struct buf *out, const char *source,
			const char *path)
{
	buf_puts(out, "<" AGENT_HYGIENE_TAG " source=\"");
	agent_hygiene_attr(out, source, 0);
	buf_putc(out, '"');
	if (path) {
		buf_puts(out, " path=\"");
		agent_hygiene_attr(out, path, 300);
		buf_putc(out, '"');
	}
	buf_puts(out, ">\n");
}

void agent_hygiene_close(struct buf *out)
{
	buf_puts(out, "</" AGENT_HYGIENE_TAG ">\n");
}

void agent_hygiene_put(struct buf *out, const char *text, size_t len,
		       enum agent_hygiene_mode mode,
		       const struct agent_hygiene_mask *mask,
		       const char *path)
{
	struct buf t = BUF_INIT;

	buf_add(&t, text, len);
	if (agent_hygiene_clean(&t, mode) && mode == AGENT_HYGIENE_PROSE &&
	    mask && mask->fn) {
		/*
		 * What prose cleaning deletes can join a secret to the text
		 * after it ("<secret>\x01" "0"), and a rule that wants the
		 * secret to end there misses it: mask the text as it came
		 * too, before cleaning.
		 */
		buf_reset(&t);
		buf_add(&t, text, len);
		mask->fn(&t, path, mask->data);
		agent_hygiene_clean(&t, mode);
	}
	if (mask && mask->fn)
		mask->fn(&t, path, mask->data);
	agent_hygiene_neutralise(&t);
	buf_add(out, t.ptr, t.len);
	buf_release(&t);
}

void agent_hygiene_frame(struct buf *out, const char *source,
			 const char *path, const char *text, size_t len,
			 enum agent_hygiene_mode mode,
			 const struct agent_hygiene_mask *mask)
{
	size_t start;

	agent_hygiene_open(out, source, path);
	start = out->len;
	agent_hygiene_put(out, text, len, mode, mask, path);
	if (out->len > start && out->ptr[out->len - 1] != '\n')
		buf_putc(out, '\n');
	agent_hygiene_close(out);
}
