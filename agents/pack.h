/*
 * pack.h - the change rendered for the reviewer under a token budget.
 *
 * A model cannot read a large change whole, and what it does not read it
 * cannot review. agent_pack() chooses what goes into the reviewer's first
 * message and says exactly what was left out, so the summary can tell the
 * user which files and hunks the model saw in full, clipped or not at all.
 *
 * Input: struct agent_change, agent-neutral (agents/ does not include
 * review/). actions/ converts its review_diff into it; the converter is
 * expected to:
 *   - make one agent_change_file per file of the diff, in diff order, with
 *     `path` the new path (the old one for a deleted file), `status` from
 *     review_file_status_name(), `language` from review/lang.h or NULL;
 *   - point each agent_change_line at the diff's own text (text =
 *     file->text + line->off, len = line->len): nothing is copied;
 *   - pass files the filters skipped (generated, vendored, binary, too
 *     big) with no hunks and `skipped` set to the reason, so they are
 *     accounted for;
 *   - pass static findings on changed lines, review.instructions, and the
 *     review.paths instructions whose globs matched a changed file;
 *   - pass the PR title and body as they came from the forge (untrusted).
 * Everything in an agent_change is borrowed for the duration of the call.
 *
 * Tokens. A token is estimated as 4 bytes of text, rounded up
 * (AGENT_PACK_TOKEN_BYTES), the usual figure for English and code with
 * byte-level BPE tokenizers; it slightly overestimates code with long
 * identifiers and underestimates non-Latin scripts. The caller derives
 * the budget: the model's context window, minus the fixed part (system
 * text and tool schemas, see agent_tools_schema_bytes()), minus a reserve
 * for the reply and for the tool calls the reviewer will make. The text
 * agent_pack() returns never exceeds the budget by this estimate.
 *
 * What goes in, and in which order of priority:
 *   1. reserved first, each capped to a share of the budget: the PR title
 *      and body (1/16), the instructions (1/8), the static findings
 *      (1/8) and the list of what was not shown (1/32);
 *   2. hunks, riskiest first (see below), each in full when it fits and
 *      under a per-hunk cap (an eighth of the room for hunks, at least
 *      4 KiB), else clipped to a preview of what fits under half that
 *      cap (when at least AGENT_PACK_MIN_CLIP lines' worth) or left
 *      out; a left-out hunk does not stop smaller ones behind it. Then
 *      clipped hunks, riskiest first, grow into what is left. The cap
 *      keeps a few huge hunks (a new 5,000-line file) from crowding out
 *      the many small ones;
 *   3. while budget remains, the code related to the hunks shown, riskiest
 *      first, through opts->related (the repository index): for each
 *      hunk, the definitions the code around its first changed line uses
 *      and the places that call what it defines, a block each (at most
 *      AGENT_PACK_RELATED_BYTES, cut at a line's end), a block that says
 *      what an earlier one said left out, at most opts->max_related; a
 *      block that does not fit in what is left is left out;
 *   4. while budget remains, definitions of symbols called in the changed
 *      lines shown, found through opts->lookup (at most opts->max_symbols).
 * The text is laid out in reading order: title and body, instructions,
 * hunks, what was not shown, related code, definitions, findings.
 *
 * Risk score of a hunk (integers, so ordering is exact):
 *   min(changed lines, 40)
 *   + per changed line, the largest weight of the risky content it has:
 *     exec/system calls and eval 8, SQL 6, crypto and randomness 6,
 *     unsafe deserialisation and HTML injection 6, auth/secrets 5,
 *     C memory functions (C and C++ files only) 5, concurrency 4,
 *     error handling on a removed line 6 (capped at 120 in all)
 *   + 10 per static finding on a new-side line of the hunk
 *   + 15 for a risky path (auth, crypto, security, ...), 10 for config
 *     and CI files (workflows, Dockerfile, Makefile, *.yml, ...);
 *   halved for tests, docs and examples.
 * Ties go to the earlier file, then the earlier hunk.
 *
 * Rendering of a hunk (inside an untrusted-data block of source "diff",
 * with agents/hygiene.h in code mode and the mask applied per hunk):
 *   @@ src/auth.c (new lines 120-134)
 *   120+ added line
 *   121  context line
 *      - removed line
 * numbers right-aligned to the widest in the hunk. A clipped hunk ends in
 * "[clipped: new lines 128-134 not shown; read_file ...]". Lines over
 * AGENT_PACK_LINE_MAX bytes are cut with a note, after the mask has seen
 * them whole (a cut through a secret would leave a piece the mask no
 * longer recognises).
 *
 * Everything taken from the change passes the mask: the hunks, the title
 * and body, the findings, the paths in the list of what was not shown,
 * the related code and the definitions; a called name that the mask
 * would rewrite is not looked up.
 *
 * Determinism: the same change, options and lookup answers give the same
 * bytes. Nothing here reads the clock, the environment or the disk (the
 * lookup callback may).
 */
#ifndef AGENTS_PACK_H
#define AGENTS_PACK_H

#include <stddef.h>

#include "agents/hygiene.h"
#include "common/buf.h"

#define AGENT_PACK_TOKEN_BYTES 4	/* bytes per estimated token */
#define AGENT_PACK_LINE_MAX 400		/* bytes of one diff line shown */
#define AGENT_PACK_MIN_CLIP 8		/* least lines a clipped hunk shows */
#define AGENT_PACK_SYMBOLS 8		/* default opts.max_symbols */
#define AGENT_PACK_SYMBOL_BYTES 2000	/* bytes of one definition shown */
#define AGENT_PACK_RELATED 6		/* default opts.max_related */
#define AGENT_PACK_RELATED_BYTES 3000	/* bytes of one related block */

/* Estimated tokens of `bytes` bytes of text. */
#define AGENT_PACK_TOKENS(bytes) \
	(((bytes) + AGENT_PACK_TOKEN_BYTES - 1) / AGENT_PACK_TOKEN_BYTES)

struct agent_change_line {
	char origin;		/* ' ', '+' or '-' */
	unsigned new_no;	/* 0 for '-' */
	unsigned old_no;	/* 0 for '+' */
	const char *text;	/* without the '\n'; not NUL-terminated */
	size_t len;
};

struct agent_change_hunk {
	unsigned old_start, old_count;
	unsigned new_start, new_count;
	const struct agent_change_line *lines;
	size_t nr_lines;
};

struct agent_change_file {
	const char *path;	/* new path, old path for a deleted file */
	const char *status;	/* "added", "modified", ... or NULL */
	const char *language;	/* "c", "python", ... or NULL */
	const char *skipped;	/* why the review skipped it, or NULL */
	const struct agent_change_hunk *hunks;
	size_t nr_hunks;
};

struct agent_change_finding {
	const char *path;
	unsigned line;		/* new side, 0 for the whole file */
	const char *rule;
	const char *message;
};

struct agent_change_instruction {
	const char *path;	/* the glob that matched, or NULL */
	const char *text;
};

struct agent_change {
	const struct agent_change_file *files;
	size_t nr_files;
	const struct agent_change_finding *findings;
	size_t nr_findings;
	const char *instructions;	/* review.instructions, or NULL */
	const struct agent_change_instruction *path_instructions;
	size_t nr_path_instructions;
	const char *title;		/* untrusted, may be NULL */
	const char *body;		/* untrusted, may be NULL */
};

/*
 * Look up the definition of `name` for the model: append text to `out`
 * and return 0, or return a negative code when there is none (out is then
 * ignored). agent_pack_lookup_tools() is one, over agents/tools.h.
 */
typedef int agent_pack_lookup_fn(struct buf *out, const char *name,
				 void *data);

struct agent_pack_opts {
	size_t budget_tokens;		/* required, > 0 */
	size_t max_symbols;		/* 0: AGENT_PACK_SYMBOLS */
	agent_pack_lookup_fn *lookup;	/* NULL: no definitions */
	void *lookup_data;
	/*
	 * What the code around new-side `line` of `path` relates to: the
	 * definitions it uses and the places that call what it defines,
	 * appended to `out` as compact text. Returns how many it found
	 * (0: nothing, `out` ignored) or a negative code when it cannot
	 * say. NULL: no related code (actions/ sets it from the index).
	 */
	int (*related)(const char *path, unsigned line, struct buf *out,
		       void *data);
	void *related_data;
	size_t max_related;		/* 0: AGENT_PACK_RELATED */
	struct agent_hygiene_mask mask;	/* fn may be NULL */
};

/* What the model saw of one file. */
struct agent_pack_file {
	const char *path;		/* borrowed from the change */
	const char *skipped;		/* borrowed from the change */
	size_t hunks_full, hunks_clipped, hunks_unseen;
	size_t lines_seen, lines_total;	/* changed ('+' and '-') lines */
};

struct agent_pack {
	struct buf text;		/* the rendered context */
	size_t tokens;			/* AGENT_PACK_TOKENS(text.len) */
	struct agent_pack_file *files;	/* one per change file, same order */
	size_t nr_files;
	size_t lines_seen, lines_total;
	size_t hunks_full, hunks_clipped, hunks_unseen;
	size_t related;			/* related blocks included */
	size_t symbols;			/* definitions included */
	size_t findings_listed;		/* of change->nr_findings */
	unsigned body_clipped : 1;	/* title or body cut */
	unsigned instructions_clipped : 1;
};

void agent_pack_init(struct agent_pack *pack);
void agent_pack_release(struct agent_pack *pack);

/*
 * Render `change` into `out` (initialised; its previous contents are
 * released) under opts->budget_tokens. Returns 0, or TEND_EINVALID for a
 * zero budget. `out->files` always accounts for every file of the change.
 */
int agent_pack(struct agent_pack *out, const struct agent_change *change,
	       const struct agent_pack_opts *opts, struct buf *err);

/*
 * Append the account of `pack` in a few lines for the review summary:
 * one line per file that was not seen in full ("path: 2 of 5 hunks in
 * full, 1 clipped, 2 not shown; 40 of 95 changed lines"), then the totals.
 */
void agent_pack_account(struct buf *out, const struct agent_pack *pack);

/*
 * An agent_pack_lookup_fn over find_symbol: `data` is a struct
 * agent_tools_env *. Returns TEND_ENOTFOUND when no definition is found.
 */
int agent_pack_lookup_tools(struct buf *out, const char *name, void *data);

#endif
