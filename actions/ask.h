/*
 * ask.h - `tend ask` and ChatOps "/tend ask ...": a question about the
 * repository, or about a pull request, answered by the ask agent from the
 * files it reads, with every citation checked by tend.
 *
 * The flow: the router (the trusted config's models) -> the ask agent
 * (agents/agent.h; a custom agent named `ask` replaces it) with the read
 * tools on `root`, secrets masked in everything they return, writes
 * refused, no commands, no delegation -> its answer(text, citations)
 * (agents/tools.h) -> the check: each citation must name a regular file
 * inside `root` (the tools' confinement: no absolute path, no "..", no
 * .git, no symlink that leads out), lines that exist, at most
 * AGENT_TOOLS_CITE_SPAN lines past `line`, and a quote of at most
 * AGENT_TOOLS_QUOTE_MAX bytes that occurs within those lines once white
 * space is normalised (every run of blanks and newlines is one space,
 * the ends trimmed; read_file's "  12| " prefixes on every line of a
 * quote are ignored). The file is read as the model read it, masked; so
 * a quote of a secret never matches and never comes back.
 *
 * A citation that fails is dropped: its markers [n] leave the text (with
 * the blank before them), the markers of the others are renumbered in
 * order, and the text ends with a line saying how many were dropped.
 * Markers inside code (`...` and fenced blocks) are code, not markers;
 * a marker that names no citation is left as it is.
 *
 * What comes out (struct actions_ask_outcome):
 *   answer_md    markdown for a comment or a step summary: the text (no
 *                HTML: '<' is written "&lt;", '@' before a name gets a
 *                zero-width space, and "![" is no image, outside code),
 *                the dropped line, then
 *                "**Sources**" and "n. path:line-end: "quote"" per
 *                citation kept, the place a link to link_base + path +
 *                "#L10-L12" ("#L10-12" with gitlab_links) when link_base
 *                is set; the quote normalised and shortened
 *   answer_text  the same for a terminal: the text as written, then
 *                "Sources:" and "  n. path:line-end  "quote"" lines
 * With no answer (a budget, a model that answered without calling
 * answer, a model that failed) both say that tend could not answer and
 * why, `answered` is 0 and `stop` holds the why. Everything in the
 * outcome has passed through the secrets mask and redact_buf().
 *
 * The question and the context are people's text: they reach the model
 * cleaned, masked and framed as data (agents/hygiene.h), the question
 * and the thread as prose, the diff as code. The config is the caller's
 * and must be the trusted one (actions/trust.h): nothing here reads a
 * config from `root`.
 *
 * Ownership: opts are borrowed; the outcome owns its strings, released
 * by actions_ask_outcome_release().
 */
#ifndef ACTIONS_ASK_H
#define ACTIONS_ASK_H

#include <stddef.h>

#include "actions/trust.h"
#include "common/buf.h"
#include "common/config.h"
#include "review/rules.h"

/* The dollar budget of one question when the caller gives none. */
#define ACTIONS_ASK_BUDGET_USD 0.50
/* Bytes of the question, the thread and the diff shown to the model. */
#define ACTIONS_ASK_QUESTION_MAX 8000
#define ACTIONS_ASK_CONTEXT_MAX 20000	/* the thread's last bytes */
#define ACTIONS_ASK_DIFF_MAX 100000	/* the diff's first bytes */

struct actions_ask_opts {
	const char *root;	/* the work tree the agent reads: the commit
				   asked about */
	const struct tend_config *cfg;	/* trusted; models, agents */
	/*
	 * Masks secrets in what the tools return and in the answer. NULL:
	 * the built-in packs (loaded for the run).
	 */
	struct review_rules *rules;
	const char *question;	/* required, not blank */
	/*
	 * People's text around the question, as prose: the pull request's
	 * title and body, the comment thread. NULL: none. When longer than
	 * ACTIONS_ASK_CONTEXT_MAX, its end is kept.
	 */
	const char *context;
	/*
	 * The change asked about, a unified diff, shown as code. NULL:
	 * none (a question about the repository). When longer than
	 * ACTIONS_ASK_DIFF_MAX, its start is kept.
	 */
	const char *diff;
	const char *asker;	/* the asker's login, or NULL */
	/*
	 * NULL: citations are plain "path:line". Else the start of a link
	 * to a file, path appended: "https://github.com/o/r/blob/SHA/".
	 */
	const char *link_base;
	int gitlab_links;	/* line fragments "#L10-12", not "#L10-L12" */
	double budget_usd;	/* <= 0: ACTIONS_ASK_BUDGET_USD */
	/*
	 * Where the team learnings (actions/learnings.h) come from: those
	 * for the diff's files, or the unscoped ones without a diff, go
	 * into the prompt, and the answer says which. NULL: `root`'s work
	 * tree, trusted.
	 */
	const struct actions_trust *trust;
};

/* One citation of the answer, as given and as checked. */
struct actions_ask_citation {
	char *path;
	long line, end_line;	/* end_line == line for one line */
	char *quote;		/* as given, masked */
	char *link;		/* the URL, or NULL without link_base */
	long number;		/* its number in the answer; 0: dropped */
	char *dropped;		/* why it was dropped; NULL: it checked */
};

struct actions_ask_outcome {
	int answered;		/* the agent answered (even if every
				   citation was dropped) */
	char *answer_md;	/* always set after a run that returned 0 */
	char *answer_text;
	struct actions_ask_citation *citations;	/* in the model's order */
	size_t nr_citations;
	size_t nr_cited, nr_dropped;
	char *stop;		/* no answer: why; else NULL */
	int model_error;	/* the model failed: its TEND_E* code; else 0 */
	char **models;		/* the models that answered */
	size_t nr_models;
	long tokens_in, tokens_out;
	double cost_usd;
	int cost_unknown;	/* a call had no price: cost_usd is a floor */
	long ms;		/* wall time of the run */
};

void actions_ask_outcome_init(struct actions_ask_outcome *oc);
void actions_ask_outcome_release(struct actions_ask_outcome *oc);

/*
 * Answer opts->question. 0 when the agent ran, however it ended (see
 * oc->answered, oc->stop, oc->model_error); TEND_EINVALID for bad input
 * or configuration (no question, no model configured, a root that is not
 * a directory, a custom agent that cannot run).
 */
int actions_ask_run(struct actions_ask_outcome *oc,
		    const struct actions_ask_opts *opts, struct buf *err);

/*
 * The check alone, on an answer as JSON text (answer's arguments, `len`
 * bytes): validate it against answer's schema, check each citation
 * against the files under opts->root, and fill oc's answer_md,
 * answer_text, citations, nr_cited and nr_dropped, and answered. Only
 * root, rules (NULL: no mask but redact_buf), link_base and gitlab_links
 * of `opts` are used. TEND_EINVALID when the JSON does not parse or is
 * not an answer; the outcome is then left as it was.
 */
int actions_ask_check(struct actions_ask_outcome *oc,
		      const struct actions_ask_opts *opts,
		      const char *answer_json, size_t len, struct buf *err);

#endif
