/*
 * lang.c - language detection from a file's name and first line.
 *
 * Everything is table-driven so adding a language is adding rows. Lookups
 * are linear over small tables; this runs once per changed file, not per
 * line. This file only names languages; what a language implies (which
 * rules apply, which parser to use) lives with the rules and checks.
 */
#include <ctype.h>
#include <string.h>

#include "review/lang.h"

struct review_lang_map {
	const char *key, *lang;
};

static const char *const review_lang_ids[] = {
	"c", "cpp", "csharp", "go", "rust", "java", "kotlin", "scala",
	"swift", "objc", "python", "ruby", "php", "perl", "lua", "r", "dart",
	"elixir", "erlang", "haskell", "ocaml", "clojure", "javascript",
	"typescript", "vue", "svelte", "bash", "powershell", "sql", "yaml",
	"toml", "json", "xml", "html", "css", "scss", "markdown", "rst",
	"dockerfile", "makefile", "cmake", "terraform", "protobuf", "groovy",
	"zig", "nix", "ini", "text", NULL
};

/* Exact base names, checked before the extension. */
static const struct review_lang_map review_lang_names[] = {
	{ "Makefile", "makefile" }, { "makefile", "makefile" },
	{ "GNUmakefile", "makefile" }, { "Dockerfile", "dockerfile" },
	{ "Containerfile", "dockerfile" }, { "Gemfile", "ruby" },
	{ "Rakefile", "ruby" }, { "Podfile", "ruby" }, { "Vagrantfile", "ruby" },
	{ "Guardfile", "ruby" }, { "Brewfile", "ruby" }, { "Fastfile", "ruby" },
	{ "Jenkinsfile", "groovy" }, { "CMakeLists.txt", "cmake" },
	{ "go.mod", "text" }, { "Pipfile", "toml" },
	{ ".bashrc", "bash" }, { ".bash_profile", "bash" },
	{ ".profile", "bash" }, { ".zshrc", "bash" },
	{ "PKGBUILD", "bash" }, { "APKBUILD", "bash" },
	{ NULL, NULL }
};

/* Extensions, without the dot, compared case-insensitively. */
static const struct review_lang_map review_lang_exts[] = {
	{ "c", "c" }, { "h", "c" },
	{ "cc", "cpp" }, { "cpp", "cpp" }, { "cxx", "cpp" }, { "c++", "cpp" },
	{ "hh", "cpp" }, { "hpp", "cpp" }, { "hxx", "cpp" }, { "h++", "cpp" },
	{ "ipp", "cpp" }, { "tpp", "cpp" }, { "inl", "cpp" }, { "cu", "cpp" },
	{ "cs", "csharp" }, { "csx", "csharp" },
	{ "go", "go" }, { "rs", "rust" },
	{ "java", "java" }, { "kt", "kotlin" }, { "kts", "kotlin" },
	{ "scala", "scala" }, { "sc", "scala" }, { "swift", "swift" },
	{ "m", "objc" }, { "mm", "objc" },
	{ "py", "python" }, { "pyi", "python" }, { "pyw", "python" },
	{ "rb", "ruby" }, { "rake", "ruby" }, { "gemspec", "ruby" },
	{ "ru", "ruby" },
	{ "php", "php" }, { "phtml", "php" },
	{ "pl", "perl" }, { "pm", "perl" }, { "t", "perl" },
	{ "lua", "lua" }, { "r", "r" }, { "dart", "dart" },
	{ "ex", "elixir" }, { "exs", "elixir" },
	{ "erl", "erlang" }, { "hrl", "erlang" },
	{ "hs", "haskell" }, { "ml", "ocaml" }, { "mli", "ocaml" },
	{ "clj", "clojure" }, { "cljs", "clojure" }, { "cljc", "clojure" },
	{ "js", "javascript" }, { "jsx", "javascript" },
	{ "mjs", "javascript" }, { "cjs", "javascript" },
	{ "ts", "typescript" }, { "tsx", "typescript" },
	{ "mts", "typescript" }, { "cts", "typescript" },
	{ "vue", "vue" }, { "svelte", "svelte" },
	{ "sh", "bash" }, { "bash", "bash" }, { "zsh", "bash" },
	{ "ksh", "bash" }, { "bats", "bash" },
	{ "ps1", "powershell" }, { "psm1", "powershell" },
	{ "sql", "sql" }, { "yml", "yaml" }, { "yaml", "yaml" },
	{ "toml", "toml" }, { "json", "json" }, { "jsonc", "json" },
	{ "json5", "json" }, { "xml", "xml" }, { "xsd", "xml" },
	{ "svg", "xml" }, { "html", "html" }, { "htm", "html" },
	{ "css", "css" }, { "scss", "scss" }, { "sass", "scss" },
	{ "md", "markdown" }, { "markdown", "markdown" }, { "mdx", "markdown" },
	{ "rst", "rst" }, { "dockerfile", "dockerfile" },
	{ "mk", "makefile" }, { "mak", "makefile" }, { "cmake", "cmake" },
	{ "tf", "terraform" }, { "tfvars", "terraform" }, { "hcl", "terraform" },
	{ "proto", "protobuf" }, { "groovy", "groovy" }, { "gradle", "groovy" },
	{ "zig", "zig" }, { "nix", "nix" }, { "ini", "ini" }, { "cfg", "ini" },
	{ "txt", "text" },
	{ NULL, NULL }
};

/*
 * Interpreter names from shebangs, and the names Vim and Emacs use in
 * modelines, where they differ from our ids. Version suffixes
 * ("python3.11") are stripped before the lookup.
 */
static const struct review_lang_map review_lang_aliases[] = {
	{ "sh", "bash" }, { "dash", "bash" }, { "zsh", "bash" },
	{ "ksh", "bash" }, { "ash", "bash" }, { "mksh", "bash" },
	{ "shell-script", "bash" }, { "pypy", "python" },
	{ "node", "javascript" }, { "nodejs", "javascript" },
	{ "bun", "javascript" }, { "js", "javascript" },
	{ "deno", "typescript" }, { "ts-node", "typescript" },
	{ "tsx", "typescript" }, { "ts", "typescript" },
	{ "jruby", "ruby" }, { "rscript", "r" }, { "pwsh", "powershell" },
	{ "make", "makefile" }, { "escript", "erlang" },
	{ "runghc", "haskell" }, { "runhaskell", "haskell" },
	{ "c++", "cpp" }, { "cs", "csharp" }, { "py", "python" },
	{ "rb", "ruby" }, { "yml", "yaml" }, { "md", "markdown" },
	{ "objective-c", "objc" }, { "docker", "dockerfile" },
	{ "gfm", "markdown" }, { "dosini", "ini" }, { "conf", "ini" },
	{ NULL, NULL }
};

static const char *review_lang_lookup(const struct review_lang_map *map,
				      const char *key, size_t len)
{
	for (; map->key; map++)
		if (strlen(map->key) == len && !memcmp(map->key, key, len))
			return map->lang;
	return NULL;
}

static const char *review_lang_known_id(const char *s, size_t len)
{
	size_t i;

	for (i = 0; review_lang_ids[i]; i++)
		if (strlen(review_lang_ids[i]) == len &&
		    !memcmp(review_lang_ids[i], s, len))
			return review_lang_ids[i];
	return NULL;
}

int review_lang_known(const char *id)
{
	return id && review_lang_known_id(id, strlen(id)) != NULL;
}

/* An interpreter or editor name to an id: lowercased, version dropped. */
static const char *review_lang_from_name(const char *s, size_t len)
{
	char name[32];
	const char *lang;
	size_t i;

	if (!len || len >= sizeof(name))
		return NULL;
	for (i = 0; i < len; i++)
		name[i] = (char)tolower((unsigned char)s[i]);
	/* "python3.11" -> "python", but keep "c++" and "h++" */
	while (len > 1 && (isdigit((unsigned char)name[len - 1]) ||
			   name[len - 1] == '.'))
		len--;
	if ((lang = review_lang_lookup(review_lang_aliases, name, len)))
		return lang;
	return review_lang_known_id(name, len);
}

static int review_lang_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' ||
	       c == '+' || c == '.';
}

/* "#!/usr/bin/env -S python3 -u" -> "python". */
static const char *review_lang_shebang(const char *s, size_t len)
{
	const char *end = s + len, *w, *base;
	int via_env = 0;

	s += 2;
	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		w = s;
		while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (w == s)
			return NULL;
		base = w;
		if (!via_env) {
			const char *p;

			for (p = w; p < s; p++)
				if (*p == '/')
					base = p + 1;
			if (s - base == 3 && !memcmp(base, "env", 3)) {
				via_env = 1;
				continue;
			}
		} else if (*w == '-' || memchr(w, '=', (size_t)(s - w))) {
			continue;	/* env options and VAR=value */
		}
		return review_lang_from_name(base, (size_t)(s - base));
	}
}

static const char *review_lang_memmem(const char *s, size_t len,
				      const char *needle)
{
	return memmem(s, len, needle, strlen(needle));
}

/* "vim: set ft=ruby:", "vi: filetype=sh", "-*- mode: python -*-". */
static const char *review_lang_modeline(const char *s, size_t len)
{
	static const char *const keys[] = {
		"filetype=", "ft=", "syntax=", "syn=", NULL
	};
	const char *end = s + len, *p, *q;
	size_t i;

	if ((p = review_lang_memmem(s, len, "-*-")) &&
	    (q = review_lang_memmem(p + 3, (size_t)(end - p - 3), "-*-"))) {
		const char *m = review_lang_memmem(p + 3, (size_t)(q - p - 3),
						   "mode:");

		p = m ? m + 5 : p + 3;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		for (m = p; m < q && review_lang_word_char(*m); m++)
			;
		return review_lang_from_name(p, (size_t)(m - p));
	}
	if (!(p = review_lang_memmem(s, len, "vim:")) &&
	    !(p = review_lang_memmem(s, len, "vi:")) &&
	    !(p = review_lang_memmem(s, len, "ex:")))
		return NULL;
	for (i = 0; keys[i]; i++) {
		q = review_lang_memmem(p, (size_t)(end - p), keys[i]);
		if (!q || (q > s && review_lang_word_char(q[-1])))
			continue;
		q += strlen(keys[i]);
		for (p = q; p < end && review_lang_word_char(*p); p++)
			;
		return review_lang_from_name(q, (size_t)(p - q));
	}
	return NULL;
}

const char *review_lang_detect(const char *path, const char *first_line,
			       size_t first_line_len)
{
	const char *base, *slash, *dot, *lang;
	char ext[16], line[256];
	size_t i, n;

	if (path) {
		slash = strrchr(path, '/');
		base = slash ? slash + 1 : path;
		if ((lang = review_lang_lookup(review_lang_names, base,
					       strlen(base))))
			return lang;
		if (!strncmp(base, "Dockerfile.", 11) ||
		    !strncmp(base, "Containerfile.", 14))
			return "dockerfile";
		if (!strncmp(base, "Makefile.", 9) &&
		    strcmp(base, "Makefile.am") && strcmp(base, "Makefile.in"))
			return "makefile";
		dot = strrchr(base, '.');
		if (dot && dot != base && (n = strlen(dot + 1)) &&
		    n < sizeof(ext)) {
			for (i = 0; i < n; i++)
				ext[i] = (char)tolower((unsigned char)dot[1 + i]);
			if ((lang = review_lang_lookup(review_lang_exts, ext,
						       n)))
				return lang;
		}
	}
	if (!first_line)
		return NULL;
	/* cheap: only the start of the first line is looked at */
	if (first_line_len > sizeof(line))
		first_line_len = sizeof(line);
	if (first_line_len > 2 && first_line[0] == '#' && first_line[1] == '!')
		return review_lang_shebang(first_line, first_line_len);
	/* modelines are case-insensitive ("Mode: C++") */
	for (i = 0; i < first_line_len; i++)
		line[i] = (char)tolower((unsigned char)first_line[i]);
	return review_lang_modeline(line, first_line_len);
}

/*
 * Does a `#!/bin/sh` script hand itself to another interpreter in its
 * first lines (`exec wish "$0" -- "$@"`, `exec tclsh "$0"`, the Tcl
 * trampoline; `exec perl -x "$0"`)? Then the rest is that interpreter's
 * language, not shell. Only known interpreters count, by name without a
 * version (`tclsh8.6`), through `env`: a wrapper that runs the script
 * again as shell (`exec sudo "$0"`, `exec env bash "$0"`) does not.
 */
static const char *const review_lang_interpreters[] = {
	"wish", "tclsh", "expect", "jimsh", "perl", "python", "ruby", "node",
	"guile", "emacs", NULL
};

/* The word at `t + i` (to `end`): its start past any directory, its end. */
static size_t review_lang_word(const char *t, size_t i, size_t end,
			       size_t *base)
{
	size_t j;

	for (j = i; j < end && t[j] != ' ' && t[j] != '\t'; j++)
		;
	for (*base = j; *base > i && t[*base - 1] != '/'; (*base)--)
		;
	return j;
}

int review_lang_trampoline(const char *t, size_t len)
{
	size_t s = 0, end, i, j, b, n, k;
	int line;

	for (line = 0; line < 6 && s < len; line++, s = end + 1) {
		const char *nl = memchr(t + s, '\n', len - s);

		end = nl ? (size_t)(nl - t) : len;
		for (i = s; i < end && (t[i] == ' ' || t[i] == '\t'); i++)
			;
		if (end - i < 5 || memcmp(t + i, "exec ", 5))
			continue;
		for (i += 5; i < end && t[i] == ' '; i++)
			;
		j = review_lang_word(t, i, end, &b);
		/* env [-options] [NAME=value ...] COMMAND */
		if (j - b == 3 && !memcmp(t + b, "env", 3)) {
			for (;;) {
				for (i = j; i < end && t[i] == ' '; i++)
					;
				j = review_lang_word(t, i, end, &b);
				if (j == i || (t[i] != '-' &&
					       !memchr(t + i, '=', j - i)))
					break;
			}
		}
		if (j == b || memmem(t + j, end - j, "$0", 2) == NULL)
			continue;
		/* tclsh8.6, python3.11: the name without its version */
		for (n = j; n > b && (isdigit((unsigned char)t[n - 1]) ||
				      t[n - 1] == '.'); n--)
			;
		for (k = 0; review_lang_interpreters[k]; k++)
			if (strlen(review_lang_interpreters[k]) == n - b &&
			    !memcmp(t + b, review_lang_interpreters[k], n - b))
				return 1;
		return 0;
	}
	return 0;
}
