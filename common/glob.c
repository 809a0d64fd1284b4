/*
 * glob.c - gitignore-style path patterns (see glob.h for the syntax).
 *
 * Matching works on two levels. Within a segment, characters are matched
 * with the classic iterative wildcard algorithm that remembers only the
 * last '*': since '*' cannot cross a '/', a segment is a plain string and
 * the algorithm is exact. Across segments the same algorithm runs again
 * with "**" as the star and whole segments as the symbols. Both levels are
 * quadratic at worst, so no pattern can make a match run away.
 *
 * This file is for matching only; it does not walk directories.
 */
#include <stddef.h>
#include <string.h>

#include "common/glob.h"

/* The end of the segment starting at s: the next '/' or `end`. */
static const char *glob_seg_end(const char *s, const char *end)
{
	const char *slash = memchr(s, '/', (size_t)(end - s));

	return slash ? slash : end;
}

/* The start of the segment after the one at s, skipping empty ones. */
static const char *glob_seg_next(const char *s, const char *end)
{
	s = glob_seg_end(s, end);
	while (s < end && *s == '/')
		s++;
	return s;
}

static int glob_is_dstar(const char *p, const char *end)
{
	return glob_seg_end(p, end) - p == 2 && p[0] == '*' && p[1] == '*';
}

/*
 * Does the class starting at p (just after '[') hold byte c? Sets *next to
 * the character after the closing ']'. Returns -1 when the class is not
 * closed before pe, and the caller treats '[' literally.
 */
static int glob_class(const char *p, const char *pe, unsigned char c,
		      const char **next)
{
	int negate = 0, found = 0;
	const char *start;

	if (p < pe && (*p == '!' || *p == '^')) {
		negate = 1;
		p++;
	}
	start = p;
	while (p < pe && (*p != ']' || p == start)) {
		unsigned char lo = (unsigned char)*p, hi;

		if (lo == '\\' && p + 1 < pe)
			lo = (unsigned char)*++p;
		hi = lo;
		if (p + 2 < pe && p[1] == '-' && p[2] != ']') {
			p += 2;
			hi = (unsigned char)*p;
			if (hi == '\\' && p + 1 < pe)
				hi = (unsigned char)*++p;
		}
		if (lo <= c && c <= hi)
			found = 1;
		p++;
	}
	if (p >= pe)
		return -1;
	*next = p + 1;
	return found != negate;
}

/*
 * Match one non-star pattern item at *pp against the name at *sp. On a
 * match, advances both and returns 1.
 */
static int glob_one(const char **pp, const char *pe, const char **sp,
		    const char *se)
{
	const char *p = *pp, *s = *sp, *next;
	unsigned char c = (unsigned char)*s;
	int r;

	switch (*p) {
	case '?':
		s++;
		/* a whole UTF-8 sequence: skip continuation bytes */
		if (c >= 0xc0)
			while (s < se && ((unsigned char)*s & 0xc0) == 0x80)
				s++;
		*pp = p + 1;
		*sp = s;
		return 1;
	case '[':
		r = glob_class(p + 1, pe, c, &next);
		if (r >= 0) {
			if (!r)
				return 0;
			*pp = next;
			*sp = s + 1;
			return 1;
		}
		break;
	case '\\':
		if (p + 1 < pe)
			p++;
		break;
	}
	if ((unsigned char)*p != c)
		return 0;
	*pp = p + 1;
	*sp = s + 1;
	return 1;
}

/* Match one pattern segment [p, pe) against one name segment [s, se). */
static int glob_seg_match(const char *p, const char *pe, const char *s,
			  const char *se)
{
	const char *star_p = NULL, *star_s = NULL;

	while (s < se) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (p < pe && glob_one(&p, pe, &s, se))
			continue;
		if (!star_p)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/*
 * Match the pattern segments in [pat, pend) against the path segments in
 * [path, end), "**" matching any run of segments.
 */
static int glob_seq_match(const char *pat, const char *pend, const char *path,
			  const char *end)
{
	const char *p = pat, *s = path;
	const char *star_p = NULL, *star_s = NULL;

	while (s < end) {
		if (p < pend && glob_is_dstar(p, pend)) {
			p = glob_seg_next(p, pend);
			star_p = p;
			star_s = s;
			continue;
		}
		if (p < pend &&
		    glob_seg_match(p, glob_seg_end(p, pend), s,
				   glob_seg_end(s, end))) {
			p = glob_seg_next(p, pend);
			s = glob_seg_next(s, end);
			continue;
		}
		if (!star_p)
			return 0;
		star_s = glob_seg_next(star_s, end);
		s = star_s;
		p = star_p;
	}
	while (p < pend && glob_is_dstar(p, pend))
		p = glob_seg_next(p, pend);
	return p >= pend;
}

int glob_match(const char *pattern, const char *path)
{
	const char *pend, *end, *s;
	int anchored = 0, dir_only = 0;

	if (!pattern || !path)
		return 0;
	if (pattern[0] == '.' && pattern[1] == '/') {
		pattern += 2;
		anchored = 1;
	}
	while (*pattern == '/') {
		pattern++;
		anchored = 1;
	}
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (*path == '/')
		path++;
	pend = pattern + strlen(pattern);
	end = path + strlen(path);
	while (pend > pattern && pend[-1] == '/') {
		pend--;
		dir_only = 1;
	}
	if (pend == pattern || end == path)
		return 0;
	if (!anchored && !memchr(pattern, '/', (size_t)(pend - pattern))) {
		/* any one segment; with dir_only, not the last one */
		for (s = path; s < end; s = glob_seg_next(s, end)) {
			const char *se = glob_seg_end(s, end);

			if (dir_only && se == end)
				break;
			if (glob_seg_match(pattern, pend, s, se))
				return 1;
		}
		return 0;
	}
	/* a trailing double star is everything inside: a directory-only match */
	if (pend - pattern >= 3 && !memcmp(pend - 3, "/**", 3)) {
		pend -= 3;
		dir_only = 1;
		while (pend > pattern && pend[-1] == '/')
			pend--;
		if (pend == pattern)
			return 1;	/* a lone double star: everything */
	}
	/* the whole path, or (as for a directory) any leading part of it */
	for (s = glob_seg_end(path, end);; s = glob_seg_end(s + 1, end)) {
		if (dir_only && s == end)
			return 0;
		if (glob_seq_match(pattern, pend, path, s))
			return 1;
		if (s == end)
			return 0;
	}
}

int glob_match_any(const char *const *patterns, const char *path)
{
	if (!patterns)
		return 0;
	for (; *patterns; patterns++)
		if (glob_match(*patterns, path))
			return 1;
	return 0;
}
