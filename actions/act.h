/*
 * act.h - what the acting jobs share (`tend fix`, `tend tasks`): the work
 * tree an agent changes, the sandboxed `run` tool, the gate's pieces (the
 * paths no job may change, the change's own static checks, "the tests are
 * green"), the push with a lease, the repository index handed to the
 * agents (also used by the reviewer and ask), and the bits of their
 * reports.
 *
 * The policy of each job (which test files it may touch, how many rounds,
 * what it posts) stays in its own file; here is only what both must do
 * the same way, so that a hole closed for one is closed for both.
 */
#ifndef ACTIONS_ACT_H
#define ACTIONS_ACT_H

#include <git2.h>

#include "actions/test.h"
#include "actions/trust.h"
#include "agents/tools.h"
#include "common/buf.h"
#include "common/config.h"
#include "forge/context.h"
#include "review/diff.h"
#include "review/index.h"
#include "review/rules.h"

/* Output of a run shown to an agent: head and tail. */
#define ACTIONS_ACT_OUT_HEAD 4096
#define ACTIONS_ACT_OUT_TAIL 12288
/* Failures listed to an agent and in a report. */
#define ACTIONS_ACT_MAX_FAILURES 20

/* The work tree a job changes, and what it is judged by. All borrowed. */
struct actions_act {
	const char *root;		/* the work tree's top */
	const struct tend_config *cfg;	/* sandbox.*, checks */
	struct actions_trust *trust;	/* where settings come from */
	git_repository *repo;		/* its work tree is `root` */
	git_oid base;			/* the commit the change goes on */
	struct review_rules *rules;	/* for masking secrets */
};

/*
 * The paths no acting job changes, whatever it is told: git's own
 * (.git, .gitmodules), CI definitions, tend's configuration. Non-zero
 * with a reason an agent can act on in `why` ("a fix", "a task" is
 * `what`).
 */
int actions_act_forbidden(const char *path, const char *what,
			  struct buf *why);

/* Does `path` match one of the NULL-terminated `globs`? */
int actions_act_match(const char *const *globs, const char *path);

/* Mask secrets as the review does; an agent_tools_env mask callback. */
void actions_act_mask(struct buf *text, const char *path, void *act);

/*
 * The agent's `run` tool: `command` under /bin/sh in the sandbox, work
 * tree writable, no network, no secrets; its status and output (head and
 * tail) in `out`. `data` is the struct actions_act.
 */
int actions_act_run_command(const char *command, long timeout_s,
			    struct buf *out, void *data);

/* A test run described for an agent: status, failures, output. */
void actions_act_describe_run(struct buf *out,
			      const struct actions_test_result *r);

/*
 * The paths the change made: tracked files that differ from the base,
 * and new files the edit tools wrote (`env` may be NULL). Files a test
 * run or a command left behind (build output) are not the change.
 */
int actions_act_changed(char ***out, size_t *nr, struct actions_act *act,
			const struct agent_tools_env *env, struct buf *err);

/* Put `paths` back as they are at the base; a failure is logged. */
void actions_act_restore(struct actions_act *act, char *const *paths,
			 size_t nr);

/*
 * The static checks on the change's own diff (`diff_text`, base..commit):
 * 1 when a finding refuses it (the reasons in `why`), 0 clean, < 0 when
 * the checks could not run. `blocking` (NULL-terminated rule globs) names
 * the rules that refuse; NULL: any finding at error level does.
 */
int actions_act_checks(struct actions_act *act, const struct buf *diff_text,
		       const git_oid *commit, const char *const *blocking,
		       struct buf *why, struct buf *err);

/*
 * Green, by tend's measure: the tests passed, nothing parsed as failing,
 * and no fewer tests ran than passed and failed before (a change that
 * stops tests from running is not green). `why` says what is wrong.
 */
int actions_act_green(const struct actions_test_result *before,
		      const struct actions_test_result *after,
		      struct buf *why);

/*
 * Push `commit` to branch `branch` of `repo_path` ("owner/name"; NULL:
 * ctx->repo) on the forge of `ctx`, with a lease on `expected` (a zero
 * oid: the branch must not exist yet). The token goes to the forge's own
 * origin only. forge_git_push_lease()'s errors.
 */
int actions_act_push(struct actions_act *act,
		     const struct forge_context *ctx, const char *repo_path,
		     const char *branch, const git_oid *expected,
		     const git_oid *commit, struct buf *err);

/*
 * Fetch branch `branch` of the forge's repository into the local ref
 * `local_ref` (with the token, to the forge's origin only). 0 and *found
 * 1 when the branch exists (*oid its commit), 0 and *found 0 when it
 * does not, < 0 when the fetch failed.
 */
int actions_act_fetch_branch(struct actions_act *act,
			     const struct forge_context *ctx,
			     const char *branch, const char *local_ref,
			     git_oid *oid, int *found, struct buf *err);

/*
 * "Authorization: Basic ..." for git over HTTPS with ctx's token, into
 * `auth` (nothing without a token); the encoded form is added to the
 * redactor. The caller decides that the URL may see it.
 */
void actions_act_git_auth(struct buf *auth, const struct forge_context *ctx);

/*
 * actions_act_fetch_branch() for any ref of the forge's repository
 * (`remote_ref`: "refs/pull/12/head", "refs/merge-requests/3/head").
 */
int actions_act_fetch_ref(struct actions_act *act,
			  const struct forge_context *ctx,
			  const char *remote_ref, const char *local_ref,
			  git_oid *oid, int *found, struct buf *err);

/*
 * The repository index (review/index.h) for the agents. The acting jobs,
 * the reviewer and ask open the index of the commit their agents read,
 * then hand it to the tools through the env's index callbacks, which
 * answer as compact text: paths, line spans, definitions' names, a few
 * lines of code each, masked with the secrets rules. When the index
 * cannot be opened or updated, the agents search the files instead.
 *
 * Use: actions_act_index_init(); actions_act_index() (its failure is
 * logged as a warning and leaves the agents scanning files); any number
 * of actions_act_index_add_repo() for other repositories; then
 * actions_act_index_env() on each agent_tools_env, which must not
 * outlive `ai`; actions_act_index_release() at the end.
 */
#define ACTIONS_ACT_INDEX_HITS 10	/* ranked results a search shows */
#define ACTIONS_ACT_INDEX_SYMBOLS 20	/* symbol occurrences shown */
#define ACTIONS_ACT_INDEX_RELATED 10	/* uses, and callers, shown */
#define ACTIONS_ACT_INDEX_LINES 4	/* best lines of a result */
#define ACTIONS_ACT_INDEX_DEF_LINES 12	/* lines of a definition */

/* Another repository's index, under the name `repo:` takes. */
struct actions_act_index_repo {
	char *name;
	struct review_index *idx;	/* owned: closed on release */
};

struct actions_act_index {
	struct review_index *idx;	/* this repository's; NULL: none */
	git_repository *repo;		/* borrowed, for definitions' text */
	git_oid commit;			/* the snapshot */
	const struct review_rules *rules;	/* borrowed; the mask */
	struct review_index_stats stats;	/* of the update */
	struct actions_act_index_repo *repos;
	size_t nr_repos;
	const char **names;		/* the repos' names, for env->repos */
	/* The env whose `hidden` hides paths of this repository. */
	const struct agent_tools_env *env;
	char *blob_path;		/* the blob read last, and its text */
	struct buf blob;
};

void actions_act_index_init(struct actions_act_index *ai);

/*
 * Open (creating it) and update the index of `repo` to `commit`, with
 * cfg's review.ignore and review.max_file_bytes and the secrets `rules`
 * (borrowed; NULL: the built-in packs) for masking. 0 when ai->idx is
 * ready; else the reason in `err`, already logged as a warning, and
 * ai->idx NULL: the agents then search the files.
 */
int actions_act_index(struct actions_act_index *ai, git_repository *repo,
		      const git_oid *commit, const struct tend_config *cfg,
		      const struct review_rules *rules, struct buf *err);

/*
 * Add another repository's open index under `name` (copied), which the
 * tools' `repo` argument then takes. `ai` takes `idx` over and closes it
 * on release; a name already there replaces the old index.
 */
void actions_act_index_add_repo(struct actions_act_index *ai,
				const char *name, struct review_index *idx);

/*
 * Set env's index callbacks (search, find_symbol, related) and repos
 * from `ai`; nothing when it has no index at all. Paths env->hidden
 * hides are left out of this repository's answers.
 */
void actions_act_index_env(struct actions_act_index *ai,
			   struct agent_tools_env *env);

/*
 * The pack's related callback (agents/pack.h) over this repository's
 * index: `data` is the struct actions_act_index.
 */
int actions_act_index_related(const char *path, unsigned line,
			      struct buf *out, void *data);

/*
 * Append a line naming the other repositories the tools' `repo` takes,
 * for an agent's first message; nothing when there are none.
 */
void actions_act_index_prompt(const struct actions_act_index *ai,
			      struct buf *out);

/*
 * Where an agent should start: the files the index ranks highest for
 * `text` (a task: an issue, failing tests), at most `max_files`, each
 * with its best definitions' line spans, as a list under a heading in
 * `out`. Paths ai->env hides are left out. Nothing when there is no
 * index or nothing ranks; the number of files listed.
 */
size_t actions_act_index_start(struct actions_act_index *ai,
			       const char *text, size_t max_files,
			       struct buf *out);

/* Close the indexes, free everything; `ai` is as after init. */
void actions_act_index_release(struct actions_act_index *ai);

/* Lists of strings, each once: add, test, join with ", ", free. */
void actions_act_strv_add(char ***v, size_t *nr, const char *s);
int actions_act_strv_has(char *const *v, size_t nr, const char *s);
char *actions_act_join(char *const *v, size_t nr);
void actions_act_strv_free(char **v, size_t nr);

/* The first sentence of `s`, on one line, at most `max` bytes. */
char *actions_act_headline(const char *s, size_t max, const char *dflt);

/* " a.c | +1 -2" lines and a total. */
char *actions_act_diffstat(const struct review_diff *d);

/* `text` in a fenced block (```diff) longer than any fence inside it. */
void actions_act_md_code(struct buf *md, const char *text);

/* "`cmd`: status (N passed, M failed)" and the failures, as markdown. */
void actions_act_md_run(struct buf *md, const struct actions_test_result *r);

/* Now, in monotonic milliseconds. */
long actions_act_now(void);

#endif
