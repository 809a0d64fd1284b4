/*
 * tools.h - the tools an agent may call, and the one way to run them.
 *
 * A tool is a name, a one-line description, a JSON Schema for its
 * arguments, a group and an executor. The names, argument names and groups
 * are a public contract (custom agents list groups: `tools: [read]`):
 *
 *   read   read_file(path, start_line?, end_line?)
 *          list_files(path?, glob?)
 *          search(pattern, path?, glob?)
 *          find_symbol(name)
 *   final  submit_review(summary, comments[]): the reviewer's answer; it
 *          has a schema and no executor, the tool loop takes it as the end
 *
 * Every executor writes the text the model will read into `out` and
 * returns 0, or a negative TEND_E* code when the call failed; then `out`
 * holds the error text for the model and the loop marks the result as an
 * error (`is_error`). A failed tool call is an answer to the model, never a
 * failure of the run. Output is deterministic: files in sorted order, the
 * same caps, the same wording, so record/replay and tests are stable.
 *
 * What the read tools return (caps are the env's max_* fields):
 *   read_file    "  12| text" per line, width >= 4; a range is 1-based and
 *                inclusive; an end past the end is clamped with a note; a
 *                capped read ends "[truncated: lines N-M of T shown; ask
 *                for a range]"; binary files (a NUL in the first 8000
 *                bytes), directories and non-regular files are errors
 *   list_files   one path per line, relative to the root, files and
 *                symlinks ("link -> target"), sorted; never .git
 *   search       "path:line: text" per matching line (PCRE2, UTF-8, one
 *                line at a time, long lines shown around the match), then
 *                the total count; binary files and files over
 *                max_read_bytes are skipped (the latter with a note); a
 *                pattern that hits PCRE2's backtracking limits is an error
 *   find_symbol  "path:line" and the definition's first lines (to the next
 *                blank line, at most 15, fewer where the result would pass
 *                max_out), found with per-language regexes
 *                for definition forms (see tools.c); exact name only
 * A glob (list_files, search) is a common/glob.h pattern matched against
 * the path relative to the root and, failing that, relative to the
 * directory given as `path`. Text is returned as it is in the files and
 * may not be valid UTF-8: whoever puts it into JSON sanitises it
 * (jsonutil_stringn).
 *
 * Confinement. Every path argument is relative to the repository root. A
 * path that is absolute, has a ".." component, or names ".git" or anything
 * in it is refused before the file system is touched; the rest is resolved
 * with realpath() and refused when it lands outside the root or inside
 * .git (a symlink escape). Files are then opened one component at a time
 * from the root with O_NOFOLLOW, so nothing swapped in meanwhile can lead
 * elsewhere. Directory walks never follow symlinks and never enter .git.
 *
 * Secrets and skipped files. When the caller sets `mask`, every text a tool
 * returns passes through it: once per file with that file's path (the part
 * of the output taken from it) and once more with a NULL path over the
 * whole output; a line that is cut for display (read_file, find_symbol,
 * search's window around a match) is first masked whole, also with its
 * file's path, so that a cut never leaves part of a secret the mask would
 * no longer recognise. When it sets `hidden`, paths for which it returns
 * non-zero (files the review skipped: generated, vendored) are invisible
 * to every tool: not listed, not searched, and refused by read_file. It
 * is called for directories too, without a trailing '/'; hiding a
 * directory hides everything below it.
 *
 * The tool definitions are static and live until the program exits;
 * nothing returned by agent_tools_find() or agent_tools_defs() is freed.
 * Functions here are safe to call from several threads as long as each
 * thread uses its own agent_tools_env.
 */
#ifndef AGENTS_TOOLS_H
#define AGENTS_TOOLS_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

/* Defaults for the caps of an agent_tools_env. */
#define AGENT_TOOLS_READ_BYTES (4u << 20)	/* bytes of one file read */
#define AGENT_TOOLS_READ_LINES 400		/* lines per read_file */
#define AGENT_TOOLS_MATCHES 100		/* search results shown */
#define AGENT_TOOLS_SYMBOLS 20			/* find_symbol results */
#define AGENT_TOOLS_ENTRIES 500			/* list_files entries */
#define AGENT_TOOLS_OUT_BYTES (32u << 10)	/* text of one result */
#define AGENT_TOOLS_WALK_FILES 200000		/* files one walk visits */
#define AGENT_TOOLS_SEARCH_MS 10000		/* wall time of a search */

/* At most this many tools in a set. */
#define AGENT_TOOLS_MAX 32

struct agent_tool;

/* What a set of tools works on, its limits and its counters. */
struct agent_tools_env {
	char *root;		/* absolute, resolved; owned */

	size_t max_read_bytes;	/* bytes read of one file */
	size_t max_lines;	/* lines one read_file returns */
	size_t max_matches;	/* search lines shown (all are counted) */
	size_t max_symbols;	/* find_symbol definitions shown */
	size_t max_entries;	/* list_files entries shown */
	size_t max_out;		/* bytes of one result, notes aside */
	size_t max_walk;	/* files one directory walk visits */
	unsigned search_ms;	/* wall-time cap of search and find_symbol */

	/* Mask secrets in `text` in place; `path` is NULL for mixed text. */
	void (*mask)(struct buf *text, const char *path, void *data);
	void *mask_data;
	/* Non-zero for a path (file or directory) tools must not see. */
	int (*hidden)(const char *path, void *data);
	void *hidden_data;

	/* When set, only these tools may run (others are "unknown"). */
	const struct agent_tool *const *allowed;
	size_t nr_allowed;

	/* Counters, updated by agent_tools_run*(). */
	size_t calls;		/* tool calls */
	size_t errors;		/* of which returned an error */
	size_t bytes_out;	/* bytes of text returned, errors included */
};

/*
 * A tool. `schema` is the JSON Schema of its arguments (an object schema),
 * borrowed, valid until exit and never to be modified (it is not const only
 * so that it fits agent_tool_def of provider.h). `run` is NULL for
 * final-answer tools.
 */
struct agent_tool {
	const char *name;
	const char *group;		/* "read", "final" */
	const char *description;	/* one short line */
	json_t *schema;
	int (*run)(struct agent_tools_env *env, const json_t *args,
		   struct buf *out);
};

/* A selection of tools, in the fixed order of the tool table. */
struct agent_tool_set {
	const struct agent_tool *tool[AGENT_TOOLS_MAX];
	size_t nr;
};

/*
 * Set up `env` for the repository at `root` (resolved with realpath; must
 * be a directory) with the default caps and no callbacks. Returns 0, or
 * TEND_ENOTFOUND/TEND_EINVALID with a message in `err`. Release with
 * agent_tools_env_release().
 */
int agent_tools_env_init(struct agent_tools_env *env, const char *root,
			 struct buf *err);
void agent_tools_env_release(struct agent_tools_env *env);

/* The tool called `name`, or NULL. */
const struct agent_tool *agent_tools_find(const char *name);

/*
 * The tools of the groups named in the NULL-terminated `groups` ("read",
 * "final"), in table order, each once. An unknown group is TEND_EINVALID
 * with a message listing the known ones; `out` is then empty.
 */
int agent_tools_defs(struct agent_tool_set *out, const char *const *groups,
		     struct buf *err);

/* The argument schema of submit_review (borrowed, valid until exit). */
const json_t *agent_tools_submit_review_schema(void);

/*
 * Bytes of the tool definitions of `groups` serialised the way a provider
 * sends them (compact JSON {name, description, parameters} each), for the
 * fixed-prompt-size budget. Unknown groups count nothing.
 */
size_t agent_tools_schema_bytes(const char *const *groups);

/*
 * Run the tool `name` with the arguments `args_json`, as the model wrote
 * them (a JSON object as text; NULL or "" means {}). Arguments are parsed,
 * nulls given for optional properties are dropped (some models send them
 * for "absent"), and the rest validated with agent_schema_validate() before
 * the executor runs. `out` is reset and receives the result text. Returns
 * 0, or a negative TEND_E* code with the error text for the model in `out`
 * (unknown tool, invalid arguments, refused path, missing file, ...).
 * A final-answer tool only has its arguments validated: 0 leaves `out`
 * empty.
 */
int agent_tools_run(struct agent_tools_env *env, const char *name,
		    const char *args_json, struct buf *out);

/* The same with arguments already parsed (borrowed). */
int agent_tools_run_json(struct agent_tools_env *env, const char *name,
			 const json_t *args, struct buf *out);

#endif
