/*
 * lang.h - which programming language a file is in, from its name and its
 * first line.
 *
 * Language ids are short, stable, lowercase strings that rule packs and the
 * config (`languages: [c, python]`) use: "c", "cpp", "csharp", "go",
 * "rust", "java", "kotlin", "scala", "swift", "objc", "python", "ruby",
 * "php", "perl", "lua", "r", "dart", "elixir", "erlang", "haskell",
 * "ocaml", "clojure", "javascript", "typescript", "vue", "svelte", "bash",
 * "powershell", "sql", "yaml", "toml", "json", "xml", "html", "css",
 * "scss", "markdown", "rst", "dockerfile", "makefile", "cmake", "terraform",
 * "protobuf", "groovy", "zig", "nix", "ini", "text". The strings are static;
 * never free them.
 */
#ifndef REVIEW_LANG_H
#define REVIEW_LANG_H

#include <stddef.h>

/*
 * The language of `path` (repository-relative), or NULL when unknown.
 * Checked in order: well-known file names (Makefile, Dockerfile, Gemfile,
 * Rakefile, CMakeLists.txt, ...), the extension (case-insensitive), then
 * `first_line` (which may be NULL; need not be NUL-terminated): a shebang
 * such as "#!/usr/bin/env python3", "#!/bin/sh" or "#!/usr/bin/env -S node"
 * and, when there is none, a Vim ("vim: set ft=ruby:") or Emacs
 * ("-*- mode: python -*-") modeline on that line.
 */
const char *review_lang_detect(const char *path, const char *first_line,
			       size_t first_line_len);

/* 1 when `id` is one of the ids review_lang_detect() can return. */
int review_lang_known(const char *id);

/*
 * 1 when a shell script (`text`, `len` bytes) hands itself to another
 * interpreter in its first lines (`exec wish "$0" -- "$@"`, `exec tclsh
 * "$0"`, the Tcl trampoline): the rest is that language, not shell.
 */
int review_lang_trampoline(const char *text, size_t len);

#endif
