/*
 * tools.h - the tools an agent may call, and the one way to run them.
 *
 * A tool is a name, a one-line description, a JSON Schema for its
 * arguments, a group and an executor. The names, argument names and groups
 * are a public contract (custom agents list groups: `tools: [read]`):
 *
 *   read   read_file(path, start_line?, end_line?)
 *          list_files(path?, glob?)
 *          search(pattern, path?, glob?, repo?)
 *          find_symbol(name, repo?)
 *          related(path, line?, repo?)
 *   edit   edit_file(path, old, new, replace_all?)
 *          write_file(path, content)
 *   command run(command, timeout?)
 *          run_tests()
 *   delegate delegate(agent, task, step?)
 *   final  submit_review(summary, comments[]): a reviewer's answer
 *          finish(status, summary): a task agent's answer (status one of
 *          "done" for agents that carry out a task or a step: architect,
 *          code, orchestrator; "fixed", "not_fixed" for agents that fix
 *          failing tests; "gave_up" for any)
 *          answer(text, citations[]): the ask agent's answer: `text`
 *          (markdown, 1..AGENT_TOOLS_ANSWER_MAX characters) cites its
 *          sources as [1], [2], ... by their place in `citations` (at
 *          most AGENT_TOOLS_CITATIONS_MAX), each {path, line, end_line?,
 *          quote}: line >= 1, quote 1..AGENT_TOOLS_QUOTE_MAX characters
 *          copied from lines line..end_line. The schema cannot say that
 *          end_line lies in line..line + AGENT_TOOLS_CITE_SPAN or that
 *          the quote is at most AGENT_TOOLS_QUOTE_MAX bytes: whoever
 *          checks the citations against the files does
 *          (actions/ask.h), as it checks that the quote is there.
 *          Final tools have a schema and no executor: the tool loop takes
 *          a valid call as the end. Each agent is offered one of them
 *          (agents/agent.h: agent_def.final), never another.
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
 *   related      needs the index (below): the definitions the span
 *                around `line` of `path` (no line: the whole file) uses,
 *                and the places that call what it defines
 *
 * The repository index. When the caller sets the index callbacks (tend
 * sets them from review/index.h through actions/act.h), three read tools
 * answer from it:
 *   search       a pattern that reads as words (no regex metacharacter
 *                \ ^ $ . | ? * + ( ) [ ] { }) is first sent to
 *                index_search: its ranked results come first, under a
 *                "[ranked by the index: ...]" line, at most half of
 *                max_out; then, in the room left, the regex search as
 *                above, under "[regex matches]". A pattern with a
 *                metacharacter is the regex search alone. `path` and
 *                `glob` become one glob for the index: the path,
 *                anchored at the root, then the glob below it (a glob
 *                without '/' at any depth below it).
 *                A callback error is a note, then the regex search.
 *   find_symbol  index_symbol first; when it finds no definition (the
 *                index may not know a language or a macro) the regex
 *                way follows, after the references the index found.
 *                A callback error is a note, then the regex way.
 *   related      index_related, or an error result without the callback.
 * `repo` (search, find_symbol, related) names another repository's index,
 * one of env->repos: then only that index answers (no files are read, so
 * no regex search and no fallback); an unknown name is an error listing
 * the known ones. Paths given for another repository are only cleaned
 * (no absolute path, "..", ".git"), never looked up on disk; for this
 * repository, `related`'s path must not be hidden. What the callbacks
 * return is masked like every other result.
 *
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
 * Writing (the edit group). Paths are cleaned as above (absolute, "..",
 * ".git" refused, and ".git" in any case for writes); then each directory
 * is opened from the root with O_NOFOLLOW (write_file creates missing ones
 * inside the root) and the file itself is looked at without following
 * it: a symlink anywhere on the way, the target included, is refused, so
 * nothing is ever written or read through a link. Before anything is
 * created or written, a path the caller's `hidden` hides is refused and
 * the `writable` callback is asked; a refusal goes to the model with the
 * callback's reason verbatim. Only regular files are written; edit_file
 * refuses binary files (a NUL in the first 8000 bytes) and both refuse
 * content with a NUL byte or over max_write_bytes. A write goes to a
 * temporary file in the same directory (".tend-write-XXXXXXXX"), which is
 * renamed over the target: a failure or a crash at any point leaves the
 * old file whole (the rename is atomic; there is no fsync: a CI work tree
 * is not worth one, so a power cut may lose the write). The file's mode
 * is kept; a new file gets 0666 less the umask. Every path written
 * (created or changed) is added once to env->written, in the order of
 * first write, and env->changes counts the writes that changed a file.
 *
 *   edit_file    `old` must occur exactly once (or, with replace_all, at
 *                least once; occurrences then do not overlap). The result
 *                says what changed ("edited 'a.c': lines 3-4 replaced,
 *                now lines 3-5:" and those lines numbered as read_file
 *                shows them). No match is an error naming the near
 *                misses: a match when white space is ignored, or the
 *                first lines of `old` matching up to the line that
 *                differs, or else the lines most like one of `old`'s
 *                (bigram similarity), with their line numbers. Several
 *                matches without replace_all is an error with the line of
 *                each. When the file has CRLF line ends and `old` has
 *                bare LFs, `old` and `new` are matched and written with
 *                CRLFs. An empty `old` and `old` equal to `new` are
 *                errors.
 *   write_file   creates or overwrites the whole file: "created 'a.c' (3
 *                lines, 40 bytes)", "overwrote ...", or "... already has
 *                this content: nothing changed" (not a write).
 *
 * Commands (the command group) are run by the caller, through
 * `run_command` and `run_tests` (tend's sandbox: work tree writable, .git
 * read-only, no network, no secrets). The tools check the arguments
 * (command non-empty, at most AGENT_TOOLS_COMMAND_MAX bytes, no NUL;
 * timeout 1..AGENT_TOOLS_TIMEOUT_MAX seconds, default
 * AGENT_TOOLS_TIMEOUT), call the callback, mask its text whole, and cap
 * it at max_out keeping its head and tail. Without the callback the call
 * is an error result ("this agent cannot run commands here"). A command
 * can change the work tree without asking `writable` and without being
 * recorded in `written`: whoever commits must check the whole diff
 * against the same policy.
 *
 * Delegation (the delegate group) is run by the caller too, through
 * `delegate`. The tool checks the arguments: agent is an agent's name
 * (letters, digits, '.', '_' and '-', at most AGENT_TOOLS_AGENT_MAX
 * bytes), task is not blank, has no NUL and is at most
 * AGENT_TOOLS_TASK_MAX bytes, step (optional; 0 when absent) is 1 to
 * AGENT_TOOLS_STEP_MAX. Then it calls the callback, masks its text whole
 * and caps it at max_out keeping its head and tail, as run does. Without
 * the callback the call is an error result ("this agent cannot delegate
 * here"). Which agents may be delegated to, and how deep delegation may
 * go, is the caller's policy: the tool knows no agents.
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
#define AGENT_TOOLS_WRITE_BYTES (1u << 20)	/* bytes of a file written */
#define AGENT_TOOLS_COMMAND_MAX 8192		/* bytes of a command line */
#define AGENT_TOOLS_TIMEOUT 120			/* run: default seconds */
#define AGENT_TOOLS_TIMEOUT_MAX 600		/* run: most seconds */
#define AGENT_TOOLS_AGENT_MAX 100		/* delegate: bytes of agent */
#define AGENT_TOOLS_TASK_MAX 8000		/* delegate: bytes of task */
#define AGENT_TOOLS_STEP_MAX 1000		/* delegate: highest step */

/* answer: the limits of its arguments (the schema holds the same). */
#define AGENT_TOOLS_ANSWER_MAX 20000		/* characters of text */
#define AGENT_TOOLS_CITATIONS_MAX 20		/* citations */
#define AGENT_TOOLS_QUOTE_MAX 500		/* bytes of a quote */
#define AGENT_TOOLS_CITE_SPAN 50		/* end_line - line, at most */

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

	/* The edit group. */
	size_t max_write_bytes;	/* bytes of a file written or edited */
	/*
	 * 0 lets the write of `path` (clean, relative to the root, no
	 * symlinks in it) go on; non-zero refuses it, and the reason the
	 * callback put in `why` (empty: a generic one) goes to the model
	 * as the error. Called before anything is created or written.
	 */
	int (*writable)(const char *path, struct buf *why, void *data);
	void *writable_data;
	/*
	 * Paths the edit tools wrote (created or changed), each once, in
	 * the order of the first write; owned, freed by
	 * agent_tools_env_release(). Files a command changed are not here.
	 */
	char **written;
	size_t nr_written;
	size_t changes;		/* writes that changed a file */

	/*
	 * The command group. Each callback puts the text the model reads
	 * in `out` (empty on entry): the exit status, the output's head and
	 * tail, parsed failures. It returns 0 when the command ran,
	 * whatever its exit status, or a negative TEND_E* code when it
	 * could not be run, with the reason in `out`. NULL: the tools
	 * answer that commands cannot be run here.
	 */
	int (*run_command)(const char *command, long timeout_s,
			   struct buf *out, void *data);
	int (*run_tests)(struct buf *out, void *data);
	void *command_data;	/* for both */

	/*
	 * The delegate group. The caller runs the agent named `agent` on
	 * `task` (the whole of what that agent is told: it sees nothing
	 * else) with its own budget slice, and puts in `out` (empty on
	 * entry) the sub-agent's final summary, or why it stopped without
	 * one. `step` is the number of the plan step the task carries out,
	 * or 0 when the model gave none. It returns 0 when the sub-agent
	 * ran, however it ended, or a negative TEND_E* code when it could
	 * not be run (an unknown agent, one this agent may not delegate to,
	 * no budget left), with the reason in `out`; the model then gets it
	 * as an error result. NULL: the tool answers that this agent
	 * cannot delegate here. The time it takes counts against the
	 * delegating agent's wall-time budget.
	 */
	int (*delegate)(const char *agent, const char *task, long step,
			struct buf *out, void *data);
	void *delegate_data;

	/*
	 * The repository index (see the top of this file). Each callback
	 * puts the text the model reads in `out` (empty on entry): compact
	 * lines naming paths, line spans and definitions, with a few lines
	 * of code each. `repo` is NULL for this repository, else one of
	 * `repos`. They return the number of results (>= 0; for
	 * index_symbol, the number of definitions, references aside), or a
	 * negative TEND_E* code with the reason in `out`. index_search
	 * takes free text (words, "quoted phrases") and a glob of paths
	 * (NULL: all); index_related a line of 0 for the whole file. NULL:
	 * search and find_symbol read the files, related is an error.
	 */
	int (*index_search)(const char *query, const char *path_glob,
			    const char *repo, struct buf *out, void *data);
	int (*index_symbol)(const char *name, const char *repo,
			    struct buf *out, void *data);
	int (*index_related)(const char *path, long line, const char *repo,
			     struct buf *out, void *data);
	void *index_data;	/* for all three */
	/* The names `repo` may take (other repositories' indexes). */
	const char *const *repos;
	size_t nr_repos;
};

/* finish's status, parsed (agents/loop.h puts it in the result). */
enum agent_finish_status {
	AGENT_FINISH_NONE = 0,	/* no finish call */
	AGENT_FINISH_FIXED,	/* "fixed": the agent's tests pass */
	AGENT_FINISH_NOT_FIXED,	/* "not_fixed": changes made, still failing */
	AGENT_FINISH_GAVE_UP,	/* "gave_up": no change worth keeping */
	AGENT_FINISH_DONE	/* "done": the task or step is done */
};

/*
 * A tool. `schema` is the JSON Schema of its arguments (an object schema),
 * borrowed, valid until exit and never to be modified (it is not const only
 * so that it fits agent_tool_def of provider.h). `run` is NULL for
 * final-answer tools.
 */
struct agent_tool {
	const char *name;
	const char *group;	/* "read", "edit", "command", "delegate",
				 * "final" */
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
 * be a directory) with the default caps (max_write_bytes
 * AGENT_TOOLS_WRITE_BYTES) and no callbacks. Returns 0, or
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
 * "edit", "command", "delegate", "final"), in table order, each once. An
 * unknown group is TEND_EINVALID with a message listing the known ones;
 * `out` is then empty. "final" gives every final tool: an agent's own
 * set takes only its own (agent_def_tools() in agents/agent.h).
 */
int agent_tools_defs(struct agent_tool_set *out, const char *const *groups,
		     struct buf *err);

/* The argument schema of submit_review (borrowed, valid until exit). */
const json_t *agent_tools_submit_review_schema(void);

/* The argument schema of finish (borrowed, valid until exit). */
const json_t *agent_tools_finish_schema(void);

/* The argument schema of answer (borrowed, valid until exit). */
const json_t *agent_tools_answer_schema(void);

/* "fixed", "not_fixed", "gave_up", "done" ("" for none), and back (NONE
 * for any other text). */
const char *agent_tools_finish_name(enum agent_finish_status status);
enum agent_finish_status agent_tools_finish_parse(const char *name);

/*
 * Bytes of the definitions of the tools in `set`, serialised as
 * agent_tools_schema_bytes() counts them.
 */
size_t agent_tools_set_bytes(const struct agent_tool_set *set);

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

/*
 * The text of the file `path` (relative to the root) as read_file sees
 * it, for checking what a model quoted: the same confinement (no
 * absolute path, "..", .git, symlink out of the root or into .git, path
 * hidden by the caller), a regular file only, not binary, at most
 * max_read_bytes of it (*partial set when the file holds more; the text
 * then ends at a whole line), masked with the env's mask under the
 * file's path. Returns 0, or a negative TEND_E* code with the reason in
 * `err` and `out` empty. The text is in `out`, reset first.
 */
int agent_tools_file_text(struct buf *out, struct agent_tools_env *env,
			  const char *path, int *partial, struct buf *err);

#endif
