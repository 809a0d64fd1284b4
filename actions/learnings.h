/*
 * learnings.h - the team's memory: `.tend/learnings.md`, what maintainers
 * taught tend, read by every agent for the paths it works on, and added
 * to through one standing pull/merge request tend keeps up to date.
 *
 * The file is Markdown a person edits. An entry is a list item whose
 * first line may open with a scope, the globs (common/glob.h) it applies
 * to, in square brackets:
 *
 *   - [src/net, include/net.h] Buffers here are sized by the caller
 *     (from @alice in https://forge/o/r/pull/12#discussion_r3)
 *   - Error messages name the file and the line. (from @bob in ...)
 *
 * (globs with stars work too; a C comment cannot show them). An
 * item without a scope applies to the whole repository. Indented lines
 * that follow an item continue it. Everything else - headings, prose,
 * code fences and what is inside them, HTML comments on lines of their
 * own - is not an entry. A line that looks like an entry but cannot be
 * one (an unclosed or empty scope, a glob with "..", too many globs, no
 * text) is skipped with a note that names its line: the file is
 * repository content, so nothing in it is fatal.
 *
 * Trust: agents read the file through actions_trust_read(), so for a
 * fork's pull request it is the base commit's file, never the head's.
 * Its text is shown to models as data inside a framed block, even though
 * maintainers wrote it: a merged learning is advice, not a command.
 *
 * Proposals: `/tend remember [globs] text` from someone with write
 * access, or a reply of theirs that rejects one of tend's review comments
 * with a reason (common/feedback.h), becomes one new entry: the text
 * masked, cut to ACTIONS_LEARNINGS_TEXT_MAX bytes, on one line, quoted
 * with who wrote it and where. Entries go to branch
 * ACTIONS_LEARNINGS_BRANCH as new commits on top of whatever is there (a
 * person's commits included), pushed with a lease, and one pull/merge
 * request from that branch carries them all.
 */
#ifndef ACTIONS_LEARNINGS_H
#define ACTIONS_LEARNINGS_H

#include <stddef.h>

#include "actions/trust.h"
#include "agents/hygiene.h"
#include "common/buf.h"
#include "forge/context.h"
#include "forge/forge.h"
#include "review/rules.h"

#define ACTIONS_LEARNINGS_PATH ".tend/learnings.md"
#define ACTIONS_LEARNINGS_BRANCH "tend/learnings"
/* The hidden marker of the standing pull/merge request's body. */
#define ACTIONS_LEARNINGS_MARK "<!-- tend:learnings -->"
/* The largest file read; a larger one is read up to here, with a note. */
#define ACTIONS_LEARNINGS_FILE_MAX (256 * 1024)
/* Bytes of one entry's text (a longer one is cut on a UTF-8 boundary). */
#define ACTIONS_LEARNINGS_TEXT_MAX 600
/* Globs of one scope; bytes of one glob. */
#define ACTIONS_LEARNINGS_GLOBS 8
#define ACTIONS_LEARNINGS_GLOB_MAX 200
/* Entries kept from a file; the rest are skipped with a note. */
#define ACTIONS_LEARNINGS_MAX 1000
/* Notes kept (the count of the rest is said). */
#define ACTIONS_LEARNINGS_NOTES 20
/* Bytes of the learnings an agent's prompt gets by default. */
#define ACTIONS_LEARNINGS_PROMPT_MAX 6000

struct actions_learning {
	size_t id;		/* 1-based, in file order: "L3" */
	size_t line;		/* where it starts in the file */
	char **globs;		/* its scope; nr_globs 0: everywhere */
	size_t nr_globs;
	char *text;		/* the rest, continuation lines joined */
};

struct actions_learnings {
	struct actions_learning *items;
	size_t nr;
	char **notes;		/* "line 7: ..." for the lines skipped */
	size_t nr_notes;
	size_t more_notes;	/* notes not kept */
};

void actions_learnings_init(struct actions_learnings *l);
void actions_learnings_release(struct actions_learnings *l);

/*
 * Parse `len` bytes of `text` (need not be NUL-terminated) into `out`
 * (initialised; appended to). Never fails: what is not an entry is
 * skipped, with a note when it looked like one.
 */
void actions_learnings_parse(struct actions_learnings *out, const char *text,
			     size_t len);

/*
 * Read the trusted file (see actions_trust_read()) and parse it. No file
 * is no learnings (0); a file that cannot be read is 0 with a warning
 * logged and no learnings, so an agent runs without memory rather than
 * not at all.
 */
int actions_learnings_load(struct actions_learnings *out,
			   const struct actions_trust *t);

/*
 * The entries that apply to any of `paths` (`nr`; none: only unscoped
 * entries apply), most specific first: the longest literal part of a
 * matching glob wins, unscoped entries last, ties in file order. Only
 * as many as fit `cap` bytes rendered (0: ACTIONS_LEARNINGS_PROMPT_MAX).
 * *out is an array of *nr_out indexes into l->items (caller frees;
 * NULL when none); *left_out (may be NULL) counts the ones that applied
 * but did not fit.
 */
void actions_learnings_select(size_t **out, size_t *nr_out, size_t *left_out,
			      const struct actions_learnings *l,
			      const char *const *paths, size_t nr, size_t cap);

/*
 * The block of `sel` (from actions_learnings_select()) for an agent's
 * first message: a heading that says who wrote them and how to cite
 * one, and the entries inside a framed data block (agents/hygiene.h,
 * masked with `mask`). Nothing when `nr` is 0.
 */
void actions_learnings_prompt(struct buf *out,
			      const struct actions_learnings *l,
			      const size_t *sel, size_t nr, size_t left_out,
			      const struct agent_hygiene_mask *mask);

/*
 * One Markdown line for a summary: "Team learnings supplied: L2, L5
 * (.tend/learnings.md)." with a note of those left out; nothing when
 * none was supplied and none left out.
 */
void actions_learnings_account(struct buf *out, const size_t *sel,
			       size_t nr, size_t left_out,
			       const struct actions_learnings *l);

/*
 * All of it for an agent: load the trusted file, select for `paths`,
 * append the prompt block to `prompt` and the account to `account`
 * (either may be NULL). Returns how many learnings were supplied.
 */
size_t actions_learnings_for(struct buf *prompt, struct buf *account,
			     const struct actions_trust *t,
			     const char *const *paths, size_t nr,
			     const struct agent_hygiene_mask *mask);

/*
 * The new paths a unified diff names ("+++ b/PATH", or "a/" paths of a
 * deletion), each once, as a NULL-terminated array (caller frees with
 * actions_act_strv_free(v, *nr)).
 */
char **actions_learnings_diff_paths(const char *diff, size_t *nr);

/*
 * `/tend remember` text: an optional "[glob, glob]" scope first, then
 * the learning. 0 with *globs (NULL-terminated, *nr of them; free with
 * actions_act_strv_free) and *text (caller frees), or TEND_EINVALID
 * with the reason in `err` (no text, a bad glob, too many).
 */
int actions_learnings_parse_remember(char ***globs, size_t *nr, char **text,
				     const char *arg, struct buf *err);

/*
 * One entry as a line of the file, ending in "\n": "- [globs] text
 * (from @who in LINK)". `text` is squeezed onto one line, masked with
 * `rules` (NULL: the known secret values only) and redacted, stripped
 * of HTML comments and of characters that would make it more than one
 * entry, and cut to ACTIONS_LEARNINGS_TEXT_MAX bytes. Caller frees.
 */
char *actions_learnings_entry(const char *const *globs, size_t nr,
			      const char *text, size_t len, const char *who,
			      const char *link,
			      const struct review_rules *rules);

/* A proposal, and where it came from. All borrowed. */
struct actions_learnings_proposal {
	const char *entry;	/* from actions_learnings_entry() */
	const char *source;	/* the comment's link, as the entry ends
				   ("in LINK)"): found so, it was proposed
				   before; NULL: no such check */
	const char *base_ref;	/* the default branch */
	const char *author_name, *author_email;	/* the commit's */
};

struct actions_learnings_result {
	char *pr_url;		/* the standing pull/merge request */
	long pr_number;
	int already;		/* proposed before: nothing pushed */
	int created;		/* the pull/merge request is new */
};

void actions_learnings_result_release(struct actions_learnings_result *r);

/*
 * Add the proposal to the standing branch and pull/merge request of
 * `forge` (the repository of `ctx`), with `repo` for the objects. The
 * branch is continued from its remote head while its pull request is
 * open (a person's commits stay); when it does not exist, or its pull
 * request was merged, the new entry goes on base_ref (after a squash
 * merge with the old head as a second parent, so nothing is dropped and
 * the push stays a fast-forward). 0 and `out`; TEND_EINVALID with
 * a reason a person can act on when it cannot be done (the branch holds
 * commits the base lacks and no pull request is open, the file there is
 * not a regular file, the branch moved twice while tend pushed); the
 * forge's and git's errors otherwise.
 */
int actions_learnings_propose(struct actions_learnings_result *out,
			      struct forge *forge,
			      const struct forge_context *ctx,
			      git_repository *repo,
			      const struct actions_learnings_proposal *p,
			      struct buf *err);

#endif
