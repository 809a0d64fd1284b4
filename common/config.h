/*
 * config.h - the user's `.tend.yml`, parsed into plain structs.
 *
 * The file is YAML (read with libyaml) and small; it is parsed at the
 * boundary into `struct tend_config` and no YAML type travels further.
 * Unknown keys, wrong types and bad values are errors whose message starts
 * with `file:line:column:` like a compiler's, so a user can jump to it.
 *
 * Ownership: every string and array in a `struct tend_config` belongs to it
 * and is freed by config_release(). Callers read the fields and never free
 * or keep pointers into them past config_release(). A few string fields
 * (review.filter, review.fail_level, tasks.label) start out pointing at
 * built-in default strings; they are still `char *` for symmetry but must
 * not be written through.
 *
 * Lifetime: config_init() sets the defaults and allocates nothing, so a
 * config that was only initialised need not be released. config_release()
 * frees everything and re-initialises to the defaults, so a released config
 * may be used again. Every function below that fails leaves the config
 * released and re-initialised to the defaults: there is never a half-filled
 * config.
 *
 * This file is for reading the configuration. It does not know about the
 * rule engine, the agents or the sandbox beyond the names and shapes of
 * their settings; whether a regular expression compiles or a provider
 * answers is checked by the modules that use them (rules and linters carry
 * their line and column for that).
 */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H

#include <stddef.h>

#include "buf.h"

/* Larger config files are refused; a real one is a few kilobytes. */
#define CONFIG_MAX_BYTES (1024 * 1024)

enum config_severity {
	CONFIG_SEVERITY_NOTE = 1,
	CONFIG_SEVERITY_WARNING = 2,
	CONFIG_SEVERITY_ERROR = 3
};

struct config_rule {
	char *id;		/* required, unique; [A-Za-z0-9._-]+ */
	char *pattern;		/* required; PCRE2 source, not compiled here */
	char *message;		/* NULL when not given */
	char **languages;
	size_t nr_languages;
	char **paths;		/* globs */
	size_t nr_paths;
	int severity;		/* 1 note, 2 warning, 3 error; default 2 */
	unsigned line;		/* of the rule in the config, for messages */
	unsigned col;		/* column of the rule (added) */
	unsigned pattern_line;	/* where the pattern value starts (added) */
	unsigned pattern_col;
};

/*
 * A user's structural rule: a tree-sitter query over one language. Exactly
 * one of `query` (inline source) and `query_file` (a path relative to the
 * repository root, read by the caller) is set.
 */
struct config_query {
	char *id;		/* required, unique among queries */
	char *language;		/* required: a language id, or "tsx" */
	char *query;
	char *query_file;
	char *capture;		/* which capture is reported; NULL: the first */
	char *message;		/* NULL when not given */
	int severity;		/* 1 note, 2 warning, 3 error; default 2 */
	unsigned line, col;
};

struct config_linter {
	char *name;		/* required, unique */
	char *run;		/* required: the command line */
	char *format;		/* required: gcc|sarif|checkstyle|rdjson */
	long timeout;		/* seconds, default 300 */
	unsigned line;
	unsigned col;		/* added */
};

struct config_path_instr {
	char *path;		/* a glob */
	char *instructions;
};

struct config_provider {
	char *name;		/* the key; no '/' */
	char *kind;		/* openai|anthropic */
	char *base_url;		/* NULL: the kind's default */
	char *api_key_env;	/* NULL: the kind's default variable */
};

struct config_route {
	char *agent;		/* built-in or custom agent, or "default" */
	char *model;		/* "provider/model" or "auto" */
};

struct config_price {
	char *model;
	double input, output;	/* USD per million tokens */
};

/*
 * Another repository the agents may read (`context.repos`): fetched
 * read-only into a cache and indexed, searchable with `repo: NAME`.
 */
struct config_context_repo {
	char *name;		/* [A-Za-z0-9._-]+, unique; default: the
				   URL's last part without ".git" */
	char *url;		/* https://...; plain http only to 127.0.0.1
				   or [::1] (tests); never user:password@ */
	char *ref;		/* a branch or a full ref ("refs/..."); NULL:
				   the remote's HEAD */
	char **paths;		/* globs of the paths indexed; none: all */
	size_t nr_paths;
	unsigned line, col;	/* of the entry, for messages */
};

struct config_agent {
	char *name;		/* required, unique */
	char *role;		/* required */
	char *model;		/* NULL: routed like any agent */
	char **tools;		/* read|edit|command|delegate, no repeats */
	size_t nr_tools;
	long max_steps;		/* 0: the built-in default */
};

enum config_sandbox_mode {
	CONFIG_SANDBOX_BWRAP = 0,
	CONFIG_SANDBOX_NONE = 1
};

struct tend_config {
	char *path;	/* file it was loaded from, or NULL for defaults only */
	struct {
		char *filter;	  /* added|diff_context|file|nofilter */
		char *fail_level; /* none|note|warning|error, default "error" */
		long max_comments;   /* default 25 */
		long max_file_bytes; /* skip larger files, default 1048576 */
		/*
		 * Noise control: a rule or agent whose measured acceptance
		 * (tend stats) is below mute_below (0..1; 0: off) over at
		 * least mute_min_samples decided comments (default 10)
		 * posts to the summary only.
		 */
		double mute_below;
		long mute_min_samples;
		char **ignore;
		size_t nr_ignore;
		char *instructions;
		struct config_path_instr *paths;
		size_t nr_paths;
	} review;
	struct {
		struct config_rule *rules;
		size_t nr_rules;
		char **disable;	/* rule ids or pack names to turn off */
		size_t nr_disable;
		struct config_linter *linters;
		size_t nr_linters;
		struct config_query *queries;
		size_t nr_queries;
		/* head source parsed for structural checks per review, MiB */
		long structure_max_mb;	/* default 16 */
	} checks;
	struct {
		struct config_provider *providers;
		size_t nr_providers;
		struct config_route *routes;
		size_t nr_routes;
		char **fallbacks;
		size_t nr_fallbacks;
		/*
		 * "auto" routes by measured acceptance per dollar (tend
		 * stats) once a model has this many decided comments for
		 * the agent and the size of change; default 10.
		 */
		long auto_min_samples;
		struct config_price *prices;
		size_t nr_prices;
		/*
		 * An OpenAI-compatible /embeddings endpoint for the index's
		 * vectors; off (provider NULL) unless configured.
		 */
		struct {
			char *provider;	/* a provider; NULL: off */
			char *model;	/* as the provider calls it */
			long dimensions; /* 0: the model's own */
		} embeddings;
	} models;
	struct config_agent *agents;
	size_t nr_agents;
	struct {
		char *test;
		char *setup;
		long timeout;	/* seconds, default 600 */
		long memory_mb;	/* default 4096 */
		enum config_sandbox_mode mode;
	} sandbox;
	struct {
		char *label;	  /* default "tend" */
		long max_per_run; /* default 3 */
		double budget_usd; /* per task, default 2.0 */
		double run_budget_usd;	/* per run, default 5.0 */
		long max_files;		/* files one task may change, 20 */
		long max_lines;		/* lines added + removed, 500 */
		long max_attempts;	/* code-agent rounds, default 2 */
		long max_tokens;	/* per task, default 2,000,000 */
		long max_minutes;	/* wall time per task, default 30 */
		long orchestrate_steps;	/* plans this long go to the
					   orchestrator; 0: never; 3 */
		long claim_minutes;	/* a claim older is abandoned; 120 */
		int open_on_failure;	/* a draft PR for a failed task: 0 */
		char *base;		/* NULL: the checkout's branch */
	} tasks;
	struct {
		long max_files;		/* files one fix may change, default 10 */
		long max_lines;		/* lines added + removed, default 200 */
		long max_attempts;	/* agent rounds, default 3 */
		long max_runs_per_pr;	/* tend fix-ups in a row, default 2 */
		int allow_test_edits;	/* may a fix touch test files, default 0 */
		double budget_usd;	/* per fix run, default 1.0 */
		char *author_name;	/* NULL: "tend[bot]" */
		char *author_email;	/* NULL: tend's noreply address */
	} fix;
	struct {
		int reply_to_outsiders;	/* one polite reply, default 1 */
		char **allowed_bots;	/* exact logins that may command */
		size_t nr_allowed_bots;
		long inbox_days;	/* how far back tend inbox looks, 7 */
	} chatops;
	struct {
		char *slack_webhook_env; /* the variable holding the URL */
	} notify;
	struct {
		struct config_context_repo *repos;
		size_t nr_repos;
	} context;
};

/* Set the defaults. Allocates nothing. */
void config_init(struct tend_config *cfg);

/* Free everything `cfg` owns and set the defaults again. */
void config_release(struct tend_config *cfg);

/*
 * Parse YAML text into `cfg`, which holds defaults (or an earlier config)
 * already; keys present in the text replace what was there, lists included.
 * `name` is used in messages and becomes cfg->path. An empty document leaves
 * the settings as they were. On failure returns TEND_EINVALID with a
 * `name:line:col: ...` message and resets `cfg` to the defaults.
 */
int config_parse(struct tend_config *cfg, const char *text, size_t len,
		 const char *name, struct buf *err);

/*
 * Read and parse one file. TEND_ENOTFOUND when it does not exist, TEND_ERROR
 * when it cannot be read, TEND_EINVALID when it is bigger than
 * CONFIG_MAX_BYTES or does not parse. Resets `cfg` to defaults on failure.
 */
int config_load_file(struct tend_config *cfg, const char *path,
		     struct buf *err);

/*
 * Read ROOT/REL (root NULL means ".") into `out`: REL relative, with no
 * "..", and no symbolic link on the way (every directory and the file are
 * opened without following links); a regular file of at most `max` bytes.
 * TEND_ENOTFOUND when it is not there, TEND_EINVALID for a bad path, a
 * link or a file too big, TEND_ERROR when it cannot be read.
 */
int config_read_tree_file(struct buf *out, const char *root,
			  const char *rel, size_t max, struct buf *err);

/*
 * The first of ROOT/.tend.yml, ROOT/.tend.yaml, ROOT/.github/tend.yml,
 * ROOT/.gitlab/tend.yml that exists as a file (root NULL means "."). *out is
 * a new string the caller frees. TEND_ENOTFOUND when there is none (the
 * message says where it looked).
 */
int config_discover(char **out, const char *root, struct buf *err);

/*
 * Apply TEND_<SECTION>_<KEY> environment overrides for the scalar settings
 * (see config.c for the list). An empty variable counts as unset. A bad
 * value is TEND_EINVALID naming the variable; `cfg` is then reset to the
 * defaults.
 */
int config_apply_env(struct tend_config *cfg, struct buf *err);

/*
 * The whole sequence: defaults; then `explicit_path` (which must exist) or
 * the file config_discover() finds under `root` (none: defaults only); then
 * the environment. On failure `cfg` holds the defaults.
 */
int config_load(struct tend_config *cfg, const char *root,
		const char *explicit_path, struct buf *err);

/* The severity name ("note", "warning", "error") for 1..3, else NULL. */
const char *config_severity_name(int severity);

#endif
