/*
 * glob.h - path patterns in the gitignore/editorconfig style, for
 * `review.ignore`, `review.paths` and the `paths` of a rule.
 *
 * Paths are relative to the repository root, '/'-separated, as a diff
 * names them ("src/a.c"); a leading "./" on the path is ignored. Matching
 * is case-sensitive and takes time polynomial in the lengths of the pattern
 * and the path, whatever the pattern (no exponential backtracking). No
 * allocation. The syntax, with examples in line comments because a slash
 * followed by a star would end a block comment:
 */
//   *      any run of characters within one path segment (never '/')
//   ?      one character other than '/' (a whole UTF-8 sequence)
//   [abc] [a-z] [!a] [^a]
//          one byte from (with ! or ^: not from) a class; ']' first in the
//          class is literal; an unclosed '[' is an ordinary character
//   \x     the character x, literally
//   **     as a whole segment: any number of segments, including none:
//          "a/**/b" matches "a/b" and "a/x/y/b"; "**/*.min.js" matches
//          "x.min.js" at the root too; a trailing "/**" matches everything
//          inside the directory but not the directory itself
//          ("vendor/**" matches "vendor/a/b.js", not "vendor")
//
// Where a pattern applies:
//   - without a '/' (other than a trailing one) it matches any one segment
//     at any depth, as in .gitignore: "*.lock" matches "x/y.lock", and
//     "vendor" matches "vendor/a.c" and "lib/vendor/b.c";
//   - with a '/' it is anchored at the root: "src/*.c" matches "src/a.c",
//     not "lib/src/a.c" or "src/x/a.c"; a leading "/" or "./" only anchors;
//   - a pattern that matches a directory matches everything below it:
//     "docs/build" matches "docs/build/x.html";
//   - a trailing '/' restricts it to directories: "build/" matches
//     "build/x" and "a/build/x", not a file named "build".
#ifndef COMMON_GLOB_H
#define COMMON_GLOB_H

/* 1 when `path` matches `pattern`, else 0. */
int glob_match(const char *pattern, const char *path);

/* 1 when `path` matches any pattern of the NULL-terminated `patterns`. */
int glob_match_any(const char *const *patterns, const char *path);

#endif
