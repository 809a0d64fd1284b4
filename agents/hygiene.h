/*
 * hygiene.h - untrusted text made safe to show a model: cleaned, masked
 * and framed as data.
 *
 * Everything a pull request's author controls (title, body, comments,
 * file paths, the diff itself, issue text) reaches a model only through
 * this header, in three steps:
 *
 *   1. clean (agent_hygiene_clean()): remove what a human reviewer cannot
 *      see but a model reads:
 *        - HTML comments "<!-- ... -->" (prose only; an unterminated one
 *          hides everything after it, as a browser does);
 *        - invisible and bidi control characters: U+00AD, U+061C, U+180E,
 *          U+200B-U+200F, U+202A-U+202E, U+2060-U+2064, U+2066-U+2069,
 *          U+FEFF, and the tags block U+E0000-U+E007F;
 *        - control characters other than '\n' and '\t': C0, DEL and C1
 *          (U+0080-U+009F).
 *      In AGENT_HYGIENE_PROSE mode these are deleted. In AGENT_HYGIENE_CODE
 *      mode (diff lines, file contents) they are replaced by a visible
 *      "<U+202E>" so the reviewer can still flag a Trojan Source attack,
 *      HTML comments are kept (they are code), and a '\r' at the very end
 *      of the text (CRLF files) is dropped silently. Bytes that are not
 *      valid UTF-8 are left as they are: the JSON layer sanitises them
 *      (jsonutil_stringn); an overlong or surrogate encoding never decodes
 *      to one of the characters above, so it cannot smuggle one in. Nor
 *      can a deletion join the invalid bytes around it into one ("\xe2"
 *      "\x01" "\x80\xae" would be U+202E): where what follows a deletion
 *      is a stray continuation byte, a U+FFFD is written in between.
 *   2. mask: the caller's mask callback (actions/ provides one built from
 *      the secrets rules) rewrites secrets in place. It has the shape of
 *      agent_tools_env.mask; `path` names the file the text came from, or
 *      is NULL for mixed text.
 *   3. frame: the text goes inside
 *          <untrusted-data source="pr-body">
 *          ...
 *          </untrusted-data>
 *      and every "<untrusted-data" or "</untrusted-data" inside it (any
 *      case, with blanks after '<' or '/') has its '<' written as "&lt;",
 *      so the text cannot close its block and speak outside it.
 *      Attribute values are escaped (&quot; &lt; &gt; &amp;, control
 *      characters dropped) because paths are untrusted too.
 *
 * The order matters: cleaning first means a zero-width character cannot
 * split a secret to slip past the mask or split a delimiter to slip past
 * the neutraliser; neutralising last means nothing the mask writes can
 * open or close a block either. In prose mode, when cleaning removed
 * anything, the mask also sees the text before cleaning: what prose
 * cleaning deletes can join a secret to the characters after it, and a
 * rule that needs the secret to end there would miss it.
 *
 * All functions here are pure (no I/O, no globals) and thread-safe.
 */
#ifndef AGENTS_HYGIENE_H
#define AGENTS_HYGIENE_H

#include <stddef.h>

#include "common/buf.h"

/* Modes of agent_hygiene_clean(). */
enum agent_hygiene_mode {
	AGENT_HYGIENE_PROSE = 0,	/* delete hidden text */
	AGENT_HYGIENE_CODE = 1		/* show hidden characters, keep HTML */
};

/* The block tags. */
#define AGENT_HYGIENE_TAG "untrusted-data"

/* A mask callback; see agent_tools_env.mask. */
struct agent_hygiene_mask {
	void (*fn)(struct buf *text, const char *path, void *data);
	void *data;
};

/*
 * Clean `text` in place (step 1 above). Returns how many characters or
 * comments were removed or replaced, 0 when the text was already clean.
 */
size_t agent_hygiene_clean(struct buf *text, enum agent_hygiene_mode mode);

/*
 * Neutralise the block delimiters in `text` in place (step 3 above).
 * Returns the number rewritten.
 */
size_t agent_hygiene_neutralise(struct buf *text);

/*
 * Append `value` to `out` escaped for a double-quoted attribute, at most
 * `max` bytes of it (0: no limit; a cut value ends in "...").
 */
void agent_hygiene_attr(struct buf *out, const char *value, size_t max);

/*
 * Append the opening line of a block, `<untrusted-data source="SOURCE">`
 * or, with a path, `<untrusted-data source="SOURCE" path="PATH">`, and a
 * newline. `source` is a short fixed word of the caller ("pr-title",
 * "pr-body", "diff", "comment"); `path` may be NULL.
 */
void agent_hygiene_open(struct buf *out, const char *source,
			const char *path);

/* Append the closing line "</untrusted-data>\n". */
void agent_hygiene_close(struct buf *out);

/*
 * Append `text` (len bytes) to `out` cleaned in `mode`, masked with
 * `mask` (may be NULL) under `path`, and neutralised; without a block
 * around it. For callers that build a block from several pieces.
 */
void agent_hygiene_put(struct buf *out, const char *text, size_t len,
		       enum agent_hygiene_mode mode,
		       const struct agent_hygiene_mask *mask,
		       const char *path);

/*
 * The three steps at once: append a whole block holding `text` to `out`.
 * The text ends with a newline inside the block whether or not it had
 * one. `path` goes into the opening tag and to the mask; it may be NULL.
 */
void agent_hygiene_frame(struct buf *out, const char *source,
			 const char *path, const char *text, size_t len,
			 enum agent_hygiene_mode mode,
			 const struct agent_hygiene_mask *mask);

#endif
