/*
 * config.c - reading `.tend.yml` into struct tend_config (see config.h).
 *
 * Two passes. First libyaml's event parser feeds a small tree of nodes that
 * remembers where each value starts; this pass refuses what the config has
 * no use for and what could hurt us: aliases (and with them billion-laughs
 * expansion), a second document, very deep nesting, a huge number of
 * values, NUL bytes in strings. Then the tree is walked against the known
 * shape of the file, section by section, and every setting is checked and
 * copied into the config. Errors carry `file:line:column:` of the value (or
 * key) at fault.
 *
 * It is also where the TEND_* environment overrides and the discovery of the
 * config file live. It is not for using the settings: rules are compiled,
 * agents resolved and providers contacted by the modules that own them.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "error.h"
#include "xalloc.h"

/* A real config is a few levels deep and has a few hundred values. */
#define CONFIG_MAX_DEPTH 32
#define CONFIG_MAX_NODES 50000
/* Longest word that gets a "did you mean" suggestion. */
#define CONFIG_SUGGEST_MAX 64
/* Values quoted in messages are cut to about this many bytes. */
#define CONFIG_QUOTE_MAX 60

#define CONFIG_LINTER_TIMEOUT 300
/* Vectors longer than this are not an embedding model's. */
#define CONFIG_EMBED_DIM_MAX 4096L

/*
 * The defaults that are strings. config_init() points the fields at these
 * so that it allocates nothing; config_free_str() knows not to free
 * them.
 */
static char config_default_filter[] = "diff_context";
static char config_default_fail_level[] = "error";
static char config_default_label[] = "tend";

static const char *const config_filters[] = {
	"added", "diff_context", "file", "nofilter", NULL
};
static const char *const config_fail_levels[] = {
	"none", "note", "warning", "error", NULL
};
/* Index + 1 is the severity number. */
static const char *const config_severities[] = {
	"note", "warning", "error", NULL
};
static const char *const config_linter_formats[] = {
	"gcc", "sarif", "checkstyle", "rdjson", NULL
};
static const char *const config_provider_kinds[] = {
	"openai", "anthropic", NULL
};
static const char *const config_tool_groups[] = {
	"read", "edit", "command", "delegate", NULL
};
/* Index is the enum config_sandbox_mode value. */
static const char *const config_sandbox_modes[] = {
	"bwrap", "none", NULL
};
/* Names a route may use besides custom agents. */
static const char *const config_builtin_agents[] = {
	"orchestrator", "architect", "code", "debug", "ask", "reviewer",
	"default", "fast", "strong", NULL
};

static const char *const config_top_keys[] = {
	"review", "checks", "models", "agents", "sandbox", "tasks", "fix",
	"chatops", "notify", "context", NULL
};
static const char *const config_review_keys[] = {
	"filter", "fail_level", "max_comments", "max_file_bytes", "ignore",
	"instructions", "paths", "mute_below", "mute_min_samples", NULL
};
static const char *const config_path_instr_keys[] = {
	"path", "instructions", NULL
};
static const char *const config_checks_keys[] = {
	"rules", "disable", "linters", "queries", "structure_max_mb", NULL
};
static const char *const config_query_keys[] = {
	"id", "language", "query", "query_file", "capture", "message",
	"severity", NULL
};
static const char *const config_rule_keys[] = {
	"id", "pattern", "message", "severity", "languages", "paths", NULL
};
static const char *const config_linter_keys[] = {
	"name", "run", "format", "timeout", NULL
};
static const char *const config_models_keys[] = {
	"providers", "routes", "fallbacks", "prices", "embeddings",
	"auto_min_samples", NULL
};
static const char *const config_embeddings_keys[] = {
	"provider", "model", "dimensions", NULL
};
static const char *const config_provider_keys[] = {
	"kind", "base_url", "api_key_env", NULL
};
static const char *const config_price_keys[] = {
	"input", "output", NULL
};
static const char *const config_agent_keys[] = {
	"name", "role", "tools", "model", "max_steps", NULL
};
static const char *const config_sandbox_keys[] = {
	"test", "setup", "timeout", "memory_mb", "mode", NULL
};
static const char *const config_tasks_keys[] = {
	"label", "max_per_run", "budget_usd", "run_budget_usd", "max_files",
	"max_lines", "max_attempts", "max_tokens", "max_minutes",
	"orchestrate_steps", "claim_minutes", "open_on_failure", "base", NULL
};
static const char *const config_fix_keys[] = {
	"max_files", "max_lines", "max_attempts", "max_runs_per_pr",
	"allow_test_edits", "budget_usd", "author_name", "author_email", NULL
};
static const char *const config_chatops_keys[] = {
	"reply_to_outsiders", "allowed_bots", "inbox_days", NULL
};
static const char *const config_notify_keys[] = {
	"slack_webhook_env", NULL
};
static const char *const config_context_keys[] = {
	"repos", NULL
};
static const char *const config_context_repo_keys[] = {
	"name", "url", "ref", "paths", NULL
};
static const char *const config_bools[] = { "false", "true", NULL };

enum config_node_type {
	CONFIG_NODE_SCALAR,
	CONFIG_NODE_SEQ,
	CONFIG_NODE_MAP
};

/*
 * One YAML value. A mapping keeps its keys and values alternating in `kids`
 * (key 0, value 0, key 1, ...), in document order.
 */
struct config_node {
	enum config_node_type type;
	unsigned line, col;	/* 1-based */
	char *str;		/* scalar text, NUL-terminated, no inner NUL */
	int is_null;		/* plain empty, ~ or null */
	struct config_node **kids;
	size_t nr, alloc;
};

struct config_ctx {
	const char *name;
	const char *text;
	size_t len;
	struct buf *err;
	yaml_parser_t parser;
	size_t nodes;
	struct buf scratch[3];	/* for quoting values in messages */
	/* Custom agent names, sorted, for checking models.routes. */
	const char **agent_names;
	size_t nr_agent_names;
};

/* A string and where it came from, for finding duplicates. */
struct config_name {
	const char *s;
	const struct config_node *node;
	size_t idx;
};

static void config_free_str(char *s)
{
	if (s != config_default_filter && s != config_default_fail_level &&
	    s != config_default_label)
		free(s);
}

static void config_free_strv(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

void config_init(struct tend_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->review.filter = config_default_filter;
	cfg->review.fail_level = config_default_fail_level;
	cfg->review.max_comments = 25;
	cfg->review.mute_min_samples = 10;
	cfg->models.auto_min_samples = 10;
	cfg->review.max_file_bytes = 1048576;
	cfg->checks.structure_max_mb = 16;
	cfg->sandbox.timeout = 600;
	cfg->sandbox.memory_mb = 4096;
	cfg->sandbox.mode = CONFIG_SANDBOX_BWRAP;
	cfg->tasks.label = config_default_label;
	cfg->tasks.max_per_run = 3;
	cfg->tasks.budget_usd = 2.0;
	cfg->tasks.run_budget_usd = 5.0;
	cfg->tasks.max_files = 20;
	cfg->tasks.max_lines = 500;
	cfg->tasks.max_attempts = 2;
	cfg->tasks.max_tokens = 2000000;
	cfg->tasks.max_minutes = 30;
	cfg->tasks.orchestrate_steps = 3;
	cfg->tasks.claim_minutes = 120;
	cfg->chatops.reply_to_outsiders = 1;
	cfg->chatops.inbox_days = 7;
	cfg->fix.max_files = 10;
	cfg->fix.max_lines = 200;
	cfg->fix.max_attempts = 3;
	cfg->fix.max_runs_per_pr = 2;
	cfg->fix.budget_usd = 1.0;
}

static void config_free_rule(struct config_rule *r)
{
	free(r->id);
	free(r->pattern);
	free(r->message);
	config_free_strv(r->languages, r->nr_languages);
	config_free_strv(r->paths, r->nr_paths);
}

static void config_free_query(struct config_query *q)
{
	free(q->id);
	free(q->language);
	free(q->query);
	free(q->query_file);
	free(q->capture);
	free(q->message);
}

static void config_free_linter(struct config_linter *l)
{
	free(l->name);
	free(l->run);
	free(l->format);
}

static void config_free_provider(struct config_provider *p)
{
	free(p->name);
	free(p->kind);
	free(p->base_url);
	free(p->api_key_env);
}

static void config_free_context_repo(struct config_context_repo *r)
{
	free(r->name);
	free(r->url);
	free(r->ref);
	config_free_strv(r->paths, r->nr_paths);
}

static void config_free_agent(struct config_agent *a)
{
	free(a->name);
	free(a->role);
	free(a->model);
	config_free_strv(a->tools, a->nr_tools);
}

void config_release(struct tend_config *cfg)
{
	size_t i;

	free(cfg->path);
	config_free_str(cfg->review.filter);
	config_free_str(cfg->review.fail_level);
	config_free_strv(cfg->review.ignore, cfg->review.nr_ignore);
	free(cfg->review.instructions);
	for (i = 0; i < cfg->review.nr_paths; i++) {
		free(cfg->review.paths[i].path);
		free(cfg->review.paths[i].instructions);
	}
	free(cfg->review.paths);
	for (i = 0; i < cfg->checks.nr_queries; i++)
		config_free_query(&cfg->checks.queries[i]);
	free(cfg->checks.queries);
	for (i = 0; i < cfg->checks.nr_rules; i++)
		config_free_rule(&cfg->checks.rules[i]);
	free(cfg->checks.rules);
	config_free_strv(cfg->checks.disable, cfg->checks.nr_disable);
	for (i = 0; i < cfg->checks.nr_linters; i++)
		config_free_linter(&cfg->checks.linters[i]);
	free(cfg->checks.linters);
	for (i = 0; i < cfg->models.nr_providers; i++)
		config_free_provider(&cfg->models.providers[i]);
	free(cfg->models.providers);
	for (i = 0; i < cfg->models.nr_routes; i++) {
		free(cfg->models.routes[i].agent);
		free(cfg->models.routes[i].model);
	}
	free(cfg->models.routes);
	config_free_strv(cfg->models.fallbacks, cfg->models.nr_fallbacks);
	for (i = 0; i < cfg->models.nr_prices; i++)
		free(cfg->models.prices[i].model);
	free(cfg->models.prices);
	free(cfg->models.embeddings.provider);
	free(cfg->models.embeddings.model);
	for (i = 0; i < cfg->context.nr_repos; i++)
		config_free_context_repo(&cfg->context.repos[i]);
	free(cfg->context.repos);
	for (i = 0; i < cfg->nr_agents; i++)
		config_free_agent(&cfg->agents[i]);
	free(cfg->agents);
	free(cfg->sandbox.test);
	free(cfg->sandbox.setup);
	config_free_str(cfg->tasks.label);
	free(cfg->tasks.base);
	config_free_strv(cfg->chatops.allowed_bots, cfg->chatops.nr_allowed_bots);
	free(cfg->notify.slack_webhook_env);
	free(cfg->fix.author_name);
	free(cfg->fix.author_email);
	config_init(cfg);
}

const char *config_severity_name(int severity)
{
	if (severity < CONFIG_SEVERITY_NOTE || severity > CONFIG_SEVERITY_ERROR)
		return NULL;
	return config_severities[severity - 1];
}

/*
 * Messages.
 */

/*
 * Put a printable excerpt of `s` into `b` and return it: control characters
 * become '?', and a long value is cut (at a UTF-8 character boundary) and
 * ends in "...". Values come from the user's file or environment and may be
 * anything; this keeps messages one line and short.
 */
static const char *config_quote(struct buf *b, const char *s)
{
	size_t n = strlen(s), i, cut = n;

	if (n > CONFIG_QUOTE_MAX) {
		cut = CONFIG_QUOTE_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	buf_reset(b);
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_putc(b, (c < 0x20 || c == 0x7f) ? '?' : c);
	}
	if (cut < n)
		buf_puts(b, "...");
	return b->ptr;
}

static int config_error_at(struct config_ctx *ctx, unsigned line,
			   unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int config_error_at(struct config_ctx *ctx, unsigned line,
			   unsigned col, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	error_set(ctx->err, TEND_EINVALID, "%s:%u:%u: %s", ctx->name, line,
		  col, msg.ptr);
	buf_release(&msg);
	return TEND_EINVALID;
}

#define config_error(ctx, node, ...) \
	config_error_at((ctx), (node)->line, (node)->col, __VA_ARGS__)

static unsigned config_mark_num(size_t n)
{
	return n >= 0xfffffffeU ? 0xffffffffU : (unsigned)n + 1;
}

#define config_error_mark(ctx, mark, ...) \
	config_error_at((ctx), config_mark_num((mark)->line), \
			config_mark_num((mark)->column), __VA_ARGS__)

/* "a mapping", "a list", "an empty value" or the quoted scalar. */
static const char *config_kind(struct config_ctx *ctx,
			       const struct config_node *n)
{
	struct buf *b = &ctx->scratch[2];

	if (n->type == CONFIG_NODE_MAP)
		return "a mapping";
	if (n->type == CONFIG_NODE_SEQ)
		return "a list";
	if (n->is_null)
		return "an empty value";
	config_quote(&ctx->scratch[1], n->str);
	buf_reset(b);
	buf_printf(b, "'%s'", ctx->scratch[1].ptr);
	return b->ptr;
}

/* "one of a, b, c" */
static void config_one_of(struct buf *b, const char *const *names)
{
	size_t i;

	buf_sets(b, "one of ");
	for (i = 0; names[i]; i++)
		buf_printf(b, "%s%s", i ? ", " : "", names[i]);
}

/*
 * Line and column of byte `off` in the text, counting characters rather
 * than bytes for the column like libyaml does.
 */
static void config_offset_pos(const struct config_ctx *ctx, size_t off,
			      unsigned *line, unsigned *col)
{
	size_t i, l = 1, c = 1;

	if (off > ctx->len)
		off = ctx->len;
	for (i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)ctx->text[i];

		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l > 0xffffffffU ? 0xffffffffU : (unsigned)l;
	*col = c > 0xffffffffU ? 0xffffffffU : (unsigned)c;
}

static int config_yaml_error(struct config_ctx *ctx)
{
	yaml_parser_t *p = &ctx->parser;
	const char *problem = p->problem ? p->problem : "cannot parse";
	unsigned line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		fprintf(stderr, "tend: out of memory while parsing YAML\n");
		abort();
	case YAML_READER_ERROR:
		config_offset_pos(ctx, p->problem_offset, &line, &col);
		return config_error_at(ctx, line, col, "invalid YAML: %s",
				       problem);
	default:
		break;
	}
	if (p->context)
		return config_error_mark(ctx, &p->problem_mark,
					 "invalid YAML: %s %s at line %u",
					 problem, p->context,
					 config_mark_num(p->context_mark.line));
	return config_error_mark(ctx, &p->problem_mark, "invalid YAML: %s",
				 problem);
}

/*
 * Pass one: events to nodes.
 */

static void config_node_free(struct config_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nr; i++)
		config_node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static int config_next(struct config_ctx *ctx, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ctx->parser, ev))
		return config_yaml_error(ctx);
	return 0;
}

static int config_is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/*
 * Build the node that starts with event `ev`, reading further events for a
 * list or mapping. Takes over `ev` (deletes it). *out is owned by the
 * caller (config_node_free).
 */
static int config_read_node(struct config_ctx *ctx, yaml_event_t *ev,
			    unsigned depth, struct config_node **out)
{
	struct config_node *n = NULL, *kid = NULL;
	yaml_event_t next;
	yaml_event_type_t end;
	int error = 0;

	if (++ctx->nodes > CONFIG_MAX_NODES) {
		error = config_error_mark(ctx, &ev->start_mark,
					  "too many values (more than %d)",
					  CONFIG_MAX_NODES);
		goto out;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		error = config_error_mark(ctx, &ev->start_mark,
			"aliases are not supported ('*%s'); "
			"write the value out instead",
			config_quote(&ctx->scratch[0],
				     (const char *)ev->data.alias.anchor));
		goto out;
	case YAML_SCALAR_EVENT:
		if (memchr(ev->data.scalar.value, '\0',
			   ev->data.scalar.length)) {
			error = config_error_mark(ctx, &ev->start_mark,
				"strings must not contain NUL characters");
			goto out;
		}
		n = xcalloc(1, sizeof(*n));
		n->type = CONFIG_NODE_SCALAR;
		n->str = xstrndup((const char *)ev->data.scalar.value,
				  ev->data.scalar.length);
		n->is_null = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			     config_is_null_text(n->str);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (depth >= CONFIG_MAX_DEPTH) {
			error = config_error_mark(ctx, &ev->start_mark,
				"values nested too deeply (over %d levels)",
				CONFIG_MAX_DEPTH);
			goto out;
		}
		n = xcalloc(1, sizeof(*n));
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			n->type = CONFIG_NODE_SEQ;
			end = YAML_SEQUENCE_END_EVENT;
		} else {
			n->type = CONFIG_NODE_MAP;
			end = YAML_MAPPING_END_EVENT;
		}
		for (;;) {
			if ((error = config_next(ctx, &next)) < 0)
				goto out;
			if (next.type == end) {
				yaml_event_delete(&next);
				break;
			}
			error = config_read_node(ctx, &next, depth + 1, &kid);
			if (error < 0)
				goto out;
			ALLOC_GROW(n->kids, n->nr, n->alloc);
			n->kids[n->nr++] = kid;
		}
		break;
	default:
		error = config_error_mark(ctx, &ev->start_mark,
					  "unexpected YAML structure");
		goto out;
	}
	n->line = config_mark_num(ev->start_mark.line);
	n->col = config_mark_num(ev->start_mark.column);
out:
	yaml_event_delete(ev);
	if (error < 0) {
		config_node_free(n);
		return error;
	}
	*out = n;
	return 0;
}

/*
 * Read the one document of the stream. *out is NULL for an empty stream,
 * else a tree the caller frees.
 */
static int config_read_document(struct config_ctx *ctx,
				struct config_node **out)
{
	struct config_node *root = NULL;
	yaml_event_t ev;
	int error;

	if ((error = config_next(ctx, &ev)) < 0)
		goto out;
	/* STREAM-START */
	yaml_event_delete(&ev);
	if ((error = config_next(ctx, &ev)) < 0)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		goto out;
	}
	/* DOCUMENT-START */
	yaml_event_delete(&ev);
	if ((error = config_next(ctx, &ev)) < 0)
		goto out;
	if ((error = config_read_node(ctx, &ev, 0, &root)) < 0)
		goto out;
	/* DOCUMENT-END */
	if ((error = config_next(ctx, &ev)) < 0)
		goto out;
	yaml_event_delete(&ev);
	if ((error = config_next(ctx, &ev)) < 0)
		goto out;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		error = config_error_mark(ctx, &ev.start_mark,
			"a second YAML document; the config must be one "
			"document");
	yaml_event_delete(&ev);
out:
	if (error < 0) {
		config_node_free(root);
		return error;
	}
	*out = root;
	return 0;
}

/*
 * Helpers for pass two.
 */

/*
 * Optimal string alignment distance (Levenshtein plus swapping two
 * neighbours), for "did you mean". Both strings are at most
 * CONFIG_SUGGEST_MAX bytes.
 */
static size_t config_distance(const char *a, const char *b)
{
	unsigned short d[CONFIG_SUGGEST_MAX + 1][CONFIG_SUGGEST_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned short)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned short)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			unsigned short best = d[i - 1][j - 1] +
					      (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/*
 * The candidate closest to `word` if it is close enough, else NULL. Failing
 * that, a candidate that `word` is the start of ("api_key" for
 * "api_key_env") or that is the start of `word`.
 */
static const char *config_suggest(const char *word,
				  const char *const *cands, size_t nr)
{
	size_t lw = strlen(word), i, best_d = (size_t)-1;
	const char *best = NULL, *prefix = NULL;

	if (lw > CONFIG_SUGGEST_MAX)
		return NULL;
	for (i = 0; i < nr; i++) {
		size_t lc = strlen(cands[i]), limit, d;

		if (!prefix && lw >= 3 && lc >= 3 &&
		    !strncmp(word, cands[i], lw < lc ? lw : lc))
			prefix = cands[i];
		limit = lc < 4 ? 1 : lc < 8 ? 2 : 3;
		if (lc > CONFIG_SUGGEST_MAX ||
		    (lc > lw ? lc - lw : lw - lc) > limit)
			continue;
		d = config_distance(word, cands[i]);
		if (d <= limit && d < best_d) {
			best = cands[i];
			best_d = d;
		}
	}
	return best ? best : prefix;
}

static size_t config_count(const char *const *names)
{
	size_t n = 0;

	while (names[n])
		n++;
	return n;
}

static int config_name_cmp(const void *va, const void *vb)
{
	const struct config_name *a = va, *b = vb;
	int c = strcmp(a->s, b->s);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Find the earliest (in document order) string in `v` that repeats an
 * earlier one. Returns 1 and sets *dup and *first (pointers into `v`, whose
 * order this changes) when there is one, 0 when all are distinct. Sorting
 * keeps this O(n log n) for long lists.
 */
static int config_find_dup(struct config_name *v, size_t nr,
			   const struct config_name **dup,
			   const struct config_name **first)
{
	size_t i, group = 0;

	*dup = *first = NULL;
	if (nr < 2)
		return 0;
	qsort(v, nr, sizeof(*v), config_name_cmp);
	for (i = 1; i < nr; i++) {
		if (strcmp(v[i].s, v[group].s)) {
			group = i;
			continue;
		}
		if (i == group + 1 && (!*dup || v[i].idx < (*dup)->idx)) {
			*dup = &v[i];
			*first = &v[group];
		}
	}
	return *dup != NULL;
}

/*
 * Check that `map` is a mapping whose keys are strings, known (when `known`
 * is not NULL) and distinct. `where` names the mapping in messages (NULL
 * for the top level).
 */
static int config_check_map(struct config_ctx *ctx,
			    const struct config_node *map, const char *where,
			    const char *const *known)
{
	struct config_name *names = NULL;
	const struct config_name *dup, *first;
	struct buf list = BUF_INIT;
	size_t i, j;
	int error = 0;

	if (map->type != CONFIG_NODE_MAP) {
		if (where)
			return config_error(ctx, map,
					    "expected a mapping for '%s', "
					    "not %s", where,
					    config_kind(ctx, map));
		return config_error(ctx, map,
				    "expected a mapping of settings at the "
				    "top, not %s", config_kind(ctx, map));
	}
	names = xcalloc(map->nr / 2 + 1, sizeof(*names));
	for (i = 0; i < map->nr; i += 2) {
		const struct config_node *key = map->kids[i];
		const char *hint;

		if (key->type != CONFIG_NODE_SCALAR) {
			error = config_error(ctx, key,
				"expected a name as key%s%s%s, not %s",
				where ? " in '" : "", where ? where : "",
				where ? "'" : "", config_kind(ctx, key));
			goto out;
		}
		names[i / 2].s = key->str;
		names[i / 2].node = key;
		names[i / 2].idx = i / 2;
		if (!known)
			continue;
		for (j = 0; known[j]; j++)
			if (!strcmp(key->str, known[j]))
				break;
		if (known[j])
			continue;
		config_quote(&ctx->scratch[0], key->str);
		hint = config_suggest(key->str, known, config_count(known));
		if (hint) {
			buf_printf(&list, "did you mean '%s'?", hint);
		} else {
			buf_puts(&list, "known keys: ");
			for (j = 0; known[j]; j++)
				buf_printf(&list, "%s%s", j ? ", " : "",
					   known[j]);
		}
		if (where)
			error = config_error(ctx, key,
				"unknown key '%s' in '%s' (%s)",
				ctx->scratch[0].ptr, where, list.ptr);
		else
			error = config_error(ctx, key,
				"unknown key '%s' at the top (%s)",
				ctx->scratch[0].ptr, list.ptr);
		goto out;
	}
	if (config_find_dup(names, map->nr / 2, &dup, &first)) {
		config_quote(&ctx->scratch[0], dup->s);
		error = config_error(ctx, dup->node,
			"duplicate key '%s'%s%s%s (first at line %u)",
			ctx->scratch[0].ptr, where ? " in '" : "",
			where ? where : "", where ? "'" : "",
			first->node->line);
	}
out:
	free(names);
	buf_release(&list);
	return error;
}

/* The value for `key` in a checked mapping, or NULL. */
static const struct config_node *config_get(const struct config_node *map,
					    const char *key)
{
	size_t i;

	for (i = 0; i + 1 < map->nr; i += 2)
		if (!strcmp(map->kids[i]->str, key))
			return map->kids[i + 1];
	return NULL;
}

/* Like config_get() but an empty value counts as absent. */
static const struct config_node *config_get_set(const struct config_node *map,
						const char *key)
{
	const struct config_node *n = config_get(map, key);

	return n && !n->is_null ? n : NULL;
}

/*
 * Value checks shared by the file and the environment. On failure they
 * describe what was wanted in `want` ("a whole number", "one of a, b") and
 * return -1.
 */

static int config_value_long(struct buf *want, const char *s, long min,
			     long *out)
{
	const char *p = s;
	char *end;
	long v;

	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		goto bad;
	if (errno == ERANGE) {
		buf_sets(want, "a smaller whole number");
		return -1;
	}
	if (v < min) {
		buf_reset(want);
		buf_printf(want, "%ld or more", min);
		return -1;
	}
	*out = v;
	return 0;
bad:
	buf_sets(want, "a whole number");
	return -1;
}

/* A decimal number >= 0: digits, one '.', an exponent; no hex, inf, nan. */
static int config_value_money(struct buf *want, const char *s, double *out)
{
	const char *p;
	char *end;
	double v;
	int digits = 0;

	for (p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits = 1;
		else if (!strchr("+-.eE", *p))
			goto bad;
	}
	if (!digits)
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (*end || end == s || errno == ERANGE || !isfinite(v))
		goto bad;
	if (v < 0) {
		buf_sets(want, "0 or more");
		return -1;
	}
	*out = v;
	return 0;
bad:
	buf_sets(want, "a number");
	return -1;
}

static int config_value_enum(struct buf *want, const char *s,
			     const char *const *names, size_t *out)
{
	size_t i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	config_one_of(want, names);
	return -1;
}

/* Rule ids, agent and provider names: [A-Za-z0-9._-]+ */
static int config_is_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

/* "provider/model", or "auto" when allowed. */
static int config_is_model(const char *s, int allow_auto)
{
	const char *slash = strchr(s, '/');
	const char *p;

	if (allow_auto && !strcmp(s, "auto"))
		return 1;
	if (!slash || slash == s || !slash[1])
		return 0;
	for (p = s; *p; p++)
		if (isspace((unsigned char)*p))
			return 0;
	return 1;
}

static int config_is_env_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/*
 * Setters for one value. An empty value (`key:` or `key: ~`) leaves the
 * setting as it was. `path` names the setting in messages.
 */

static int config_bad_value(struct config_ctx *ctx,
			    const struct config_node *n, const char *path,
			    const char *want)
{
	return config_error(ctx, n, "'%s' must be %s, not '%s'", path, want,
			    config_quote(&ctx->scratch[0], n->str));
}

/* Borrow the text of a string value (not empty). */
static int config_text(struct config_ctx *ctx, const struct config_node *n,
		       const char *path, const char **out)
{
	if (n->type != CONFIG_NODE_SCALAR || n->is_null)
		return config_error(ctx, n, "expected a string for '%s', "
				    "not %s", path, config_kind(ctx, n));
	*out = n->str;
	return 0;
}

static int config_str(struct config_ctx *ctx, const struct config_node *n,
		      const char *path, char **dst)
{
	const char *s = NULL;
	int error;

	if (!n || n->is_null)
		return 0;
	if ((error = config_text(ctx, n, path, &s)) < 0)
		return error;
	config_free_str(*dst);
	*dst = xstrdup(s);
	return 0;
}

/* Like config_str() but the string may not be "". */
static int config_nonempty(struct config_ctx *ctx,
			   const struct config_node *n, const char *path,
			   char **dst)
{
	if (n && n->type == CONFIG_NODE_SCALAR && !n->is_null && !*n->str)
		return config_error(ctx, n, "'%s' must not be empty", path);
	return config_str(ctx, n, path, dst);
}

static int config_long(struct config_ctx *ctx, const struct config_node *n,
		       const char *path, long min, long *dst)
{
	struct buf want = BUF_INIT;
	const char *s = NULL;
	int error;

	if (!n || n->is_null)
		return 0;
	if ((error = config_text(ctx, n, path, &s)) < 0)
		return error;
	if (config_value_long(&want, s, min, dst) < 0)
		error = config_bad_value(ctx, n, path, want.ptr);
	buf_release(&want);
	return error;
}

static int config_money(struct config_ctx *ctx, const struct config_node *n,
			const char *path, double *dst);

/* An acceptance rate: a decimal number from 0 to 1. */
static int config_rate(struct config_ctx *ctx, const struct config_node *n,
		       const char *path, double *dst)
{
	double v = 0;
	int error;

	if (!n || n->is_null)
		return 0;
	if ((error = config_money(ctx, n, path, &v)) < 0)
		return error;
	if (v > 1)
		return config_bad_value(ctx, n, path,
					"a rate from 0 to 1 (0.3 is 30%)");
	*dst = v;
	return 0;
}

static int config_money(struct config_ctx *ctx, const struct config_node *n,
			const char *path, double *dst)
{
	struct buf want = BUF_INIT;
	const char *s = NULL;
	int error;

	if (!n || n->is_null)
		return 0;
	if ((error = config_text(ctx, n, path, &s)) < 0)
		return error;
	if (config_value_money(&want, s, dst) < 0)
		error = config_bad_value(ctx, n, path, want.ptr);
	buf_release(&want);
	return error;
}

/* *idx is set to the index in `names` when the value is present. */
static int config_enum(struct config_ctx *ctx, const struct config_node *n,
		       const char *path, const char *const *names,
		       size_t *idx)
{
	struct buf want = BUF_INIT;
	const char *s = NULL;
	int error;

	if (!n || n->is_null)
		return 0;
	if ((error = config_text(ctx, n, path, &s)) < 0)
		return error;
	if (config_value_enum(&want, s, names, idx) < 0)
		error = config_bad_value(ctx, n, path, want.ptr);
	buf_release(&want);
	return error;
}

/* An enum kept as a string. */
static int config_enum_str(struct config_ctx *ctx,
			   const struct config_node *n, const char *path,
			   const char *const *names, char **dst)
{
	size_t idx;
	int error;

	if (!n || n->is_null)
		return 0;
	if ((error = config_enum(ctx, n, path, names, &idx)) < 0)
		return error;
	config_free_str(*dst);
	*dst = xstrdup(names[idx]);
	return 0;
}

static int config_not_list(struct config_ctx *ctx,
			   const struct config_node *n, const char *what,
			   const char *path)
{
	return config_error(ctx, n, "expected a list of %s for '%s', not %s",
			    what, path, config_kind(ctx, n));
}

/* A list of strings; replaces the old list. */
static int config_strlist(struct config_ctx *ctx, const struct config_node *n,
			  const char *path, char ***v, size_t *nr)
{
	size_t i, alloc = 0;

	if (!n || n->is_null)
		return 0;
	if (n->type != CONFIG_NODE_SEQ)
		return config_not_list(ctx, n, "strings", path);
	config_free_strv(*v, *nr);
	*v = NULL;
	*nr = 0;
	for (i = 0; i < n->nr; i++) {
		const struct config_node *item = n->kids[i];

		if (item->type != CONFIG_NODE_SCALAR || item->is_null)
			return config_error(ctx, item,
				"expected a list of strings for '%s', "
				"but an item is %s", path,
				config_kind(ctx, item));
		ALLOC_GROW(*v, *nr, alloc);
		(*v)[(*nr)++] = xstrdup(item->str);
	}
	return 0;
}

/* A list whose items are mappings; checks the list, not the items. */
static int config_maplist(struct config_ctx *ctx, const struct config_node *n,
			  const char *path)
{
	size_t i;

	if (n->type != CONFIG_NODE_SEQ)
		return config_not_list(ctx, n, "mappings", path);
	for (i = 0; i < n->nr; i++)
		if (n->kids[i]->type != CONFIG_NODE_MAP)
			return config_error(ctx, n->kids[i],
				"expected a list of mappings for '%s', "
				"but an item is %s", path,
				config_kind(ctx, n->kids[i]));
	return 0;
}

static int config_missing(struct config_ctx *ctx,
			  const struct config_node *entry, const char *path,
			  const char *key)
{
	return config_error(ctx, entry, "an entry in '%s' has no '%s'", path,
			    key);
}

/*
 * Report the first repeated name in `v` (document order). `what` is how
 * messages call the name ("rule id").
 */
static int config_check_unique(struct config_ctx *ctx,
			       struct config_name *v, size_t nr,
			       const char *what)
{
	const struct config_name *dup, *first;

	if (!config_find_dup(v, nr, &dup, &first))
		return 0;
	return config_error(ctx, dup->node, "duplicate %s '%s' (first at "
			    "line %u)", what,
			    config_quote(&ctx->scratch[0], dup->s),
			    first->node->line);
}

/*
 * Pass two: the sections.
 */

static int config_review(struct config_ctx *ctx, struct tend_config *cfg,
			 const struct config_node *sec)
{
	const struct config_node *paths;
	size_t i, alloc = 0;
	int error;

	if ((error = config_check_map(ctx, sec, "review",
				      config_review_keys)) < 0 ||
	    (error = config_enum_str(ctx, config_get(sec, "filter"),
				     "review.filter", config_filters,
				     &cfg->review.filter)) < 0 ||
	    (error = config_enum_str(ctx, config_get(sec, "fail_level"),
				     "review.fail_level", config_fail_levels,
				     &cfg->review.fail_level)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_comments"),
				 "review.max_comments", 0,
				 &cfg->review.max_comments)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_file_bytes"),
				 "review.max_file_bytes", 1,
				 &cfg->review.max_file_bytes)) < 0 ||
	    (error = config_rate(ctx, config_get(sec, "mute_below"),
				 "review.mute_below",
				 &cfg->review.mute_below)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "mute_min_samples"),
				 "review.mute_min_samples", 1,
				 &cfg->review.mute_min_samples)) < 0 ||
	    (error = config_strlist(ctx, config_get(sec, "ignore"),
				    "review.ignore", &cfg->review.ignore,
				    &cfg->review.nr_ignore)) < 0 ||
	    (error = config_str(ctx, config_get(sec, "instructions"),
				"review.instructions",
				&cfg->review.instructions)) < 0)
		return error;

	if (!(paths = config_get_set(sec, "paths")))
		return 0;
	if ((error = config_maplist(ctx, paths, "review.paths")) < 0)
		return error;
	for (i = 0; i < cfg->review.nr_paths; i++) {
		free(cfg->review.paths[i].path);
		free(cfg->review.paths[i].instructions);
	}
	free(cfg->review.paths);
	cfg->review.paths = NULL;
	cfg->review.nr_paths = 0;
	for (i = 0; i < paths->nr; i++) {
		const struct config_node *e = paths->kids[i];
		struct config_path_instr *pi;

		if ((error = config_check_map(ctx, e, "review.paths",
					      config_path_instr_keys)) < 0)
			return error;
		ALLOC_GROW(cfg->review.paths, cfg->review.nr_paths, alloc);
		pi = &cfg->review.paths[cfg->review.nr_paths++];
		memset(pi, 0, sizeof(*pi));
		if ((error = config_nonempty(ctx, config_get(e, "path"),
					     "review.paths.path",
					     &pi->path)) < 0 ||
		    (error = config_str(ctx, config_get(e, "instructions"),
					"review.paths.instructions",
					&pi->instructions)) < 0)
			return error;
		if (!pi->path)
			return config_missing(ctx, e, "review.paths", "path");
		if (!pi->instructions)
			return config_missing(ctx, e, "review.paths",
					      "instructions");
	}
	return 0;
}

static int config_rules(struct config_ctx *ctx, struct tend_config *cfg,
			const struct config_node *list)
{
	struct config_name *ids = NULL;
	size_t i, alloc = 0;
	int error = 0;

	if ((error = config_maplist(ctx, list, "checks.rules")) < 0)
		return error;
	for (i = 0; i < cfg->checks.nr_rules; i++)
		config_free_rule(&cfg->checks.rules[i]);
	free(cfg->checks.rules);
	cfg->checks.rules = NULL;
	cfg->checks.nr_rules = 0;
	ids = xcalloc(list->nr + 1, sizeof(*ids));
	for (i = 0; i < list->nr; i++) {
		const struct config_node *e = list->kids[i], *v;
		struct config_rule *r;
		size_t sev = CONFIG_SEVERITY_WARNING - 1;

		if ((error = config_check_map(ctx, e, "checks.rules",
					      config_rule_keys)) < 0)
			goto out;
		ALLOC_GROW(cfg->checks.rules, cfg->checks.nr_rules, alloc);
		r = &cfg->checks.rules[cfg->checks.nr_rules++];
		memset(r, 0, sizeof(*r));
		r->line = e->line;
		r->col = e->col;
		if ((error = config_str(ctx, config_get(e, "id"),
					"checks.rules.id", &r->id)) < 0 ||
		    (error = config_nonempty(ctx, config_get(e, "pattern"),
					     "checks.rules.pattern",
					     &r->pattern)) < 0 ||
		    (error = config_str(ctx, config_get(e, "message"),
					"checks.rules.message",
					&r->message)) < 0 ||
		    (error = config_enum(ctx, config_get(e, "severity"),
					 "checks.rules.severity",
					 config_severities, &sev)) < 0 ||
		    (error = config_strlist(ctx, config_get(e, "languages"),
					    "checks.rules.languages",
					    &r->languages,
					    &r->nr_languages)) < 0 ||
		    (error = config_strlist(ctx, config_get(e, "paths"),
					    "checks.rules.paths", &r->paths,
					    &r->nr_paths)) < 0)
			goto out;
		r->severity = (int)sev + 1;
		if (!r->id) {
			error = config_missing(ctx, e, "checks.rules", "id");
			goto out;
		}
		if (!config_is_name(r->id)) {
			error = config_bad_value(ctx, config_get(e, "id"),
				"checks.rules.id",
				"letters, digits, '.', '_' and '-'");
			goto out;
		}
		if (!r->pattern) {
			error = config_missing(ctx, e, "checks.rules",
					       "pattern");
			goto out;
		}
		v = config_get(e, "pattern");
		r->pattern_line = v->line;
		r->pattern_col = v->col;
		ids[i].s = r->id;
		ids[i].node = config_get(e, "id");
		ids[i].idx = i;
	}
	error = config_check_unique(ctx, ids, list->nr, "rule id");
out:
	free(ids);
	return error;
}

static int config_queries(struct config_ctx *ctx, struct tend_config *cfg,
			  const struct config_node *list)
{
	struct config_name *ids = NULL;
	size_t i, alloc = 0;
	int error = 0;

	if ((error = config_maplist(ctx, list, "checks.queries")) < 0)
		return error;
	for (i = 0; i < cfg->checks.nr_queries; i++)
		config_free_query(&cfg->checks.queries[i]);
	free(cfg->checks.queries);
	cfg->checks.queries = NULL;
	cfg->checks.nr_queries = 0;
	ids = xcalloc(list->nr + 1, sizeof(*ids));
	for (i = 0; i < list->nr; i++) {
		const struct config_node *e = list->kids[i];
		struct config_query *q;
		size_t sev = CONFIG_SEVERITY_WARNING - 1;

		if ((error = config_check_map(ctx, e, "checks.queries",
					      config_query_keys)) < 0)
			goto out;
		ALLOC_GROW(cfg->checks.queries, cfg->checks.nr_queries, alloc);
		q = &cfg->checks.queries[cfg->checks.nr_queries++];
		memset(q, 0, sizeof(*q));
		q->line = e->line;
		q->col = e->col;
		if ((error = config_str(ctx, config_get(e, "id"),
					"checks.queries.id", &q->id)) < 0 ||
		    (error = config_nonempty(ctx, config_get(e, "language"),
					     "checks.queries.language",
					     &q->language)) < 0 ||
		    (error = config_nonempty(ctx, config_get(e, "query"),
					     "checks.queries.query",
					     &q->query)) < 0 ||
		    (error = config_nonempty(ctx, config_get(e, "query_file"),
					     "checks.queries.query_file",
					     &q->query_file)) < 0 ||
		    (error = config_nonempty(ctx, config_get(e, "capture"),
					     "checks.queries.capture",
					     &q->capture)) < 0 ||
		    (error = config_str(ctx, config_get(e, "message"),
					"checks.queries.message",
					&q->message)) < 0 ||
		    (error = config_enum(ctx, config_get(e, "severity"),
					 "checks.queries.severity",
					 config_severities, &sev)) < 0)
			goto out;
		q->severity = (int)sev + 1;
		if (!q->id || !q->language) {
			error = config_missing(ctx, e, "checks.queries",
					       !q->id ? "id" : "language");
			goto out;
		}
		if (!config_is_name(q->id)) {
			error = config_bad_value(ctx, config_get(e, "id"),
				"checks.queries.id",
				"letters, digits, '.', '_' and '-'");
			goto out;
		}
		if (!q->query == !q->query_file) {
			error = config_error(ctx, e, "an entry in "
					     "'checks.queries' needs exactly one "
					     "of 'query' and 'query_file'");
			goto out;
		}
		ids[i].s = q->id;
		ids[i].node = config_get(e, "id");
		ids[i].idx = i;
	}
	error = config_check_unique(ctx, ids, list->nr, "query id");
out:
	free(ids);
	return error;
}

static int config_linters(struct config_ctx *ctx, struct tend_config *cfg,
			  const struct config_node *list)
{
	struct config_name *names = NULL;
	size_t i, alloc = 0;
	int error = 0;

	if ((error = config_maplist(ctx, list, "checks.linters")) < 0)
		return error;
	for (i = 0; i < cfg->checks.nr_linters; i++)
		config_free_linter(&cfg->checks.linters[i]);
	free(cfg->checks.linters);
	cfg->checks.linters = NULL;
	cfg->checks.nr_linters = 0;
	names = xcalloc(list->nr + 1, sizeof(*names));
	for (i = 0; i < list->nr; i++) {
		const struct config_node *e = list->kids[i];
		struct config_linter *l;

		if ((error = config_check_map(ctx, e, "checks.linters",
					      config_linter_keys)) < 0)
			goto out;
		ALLOC_GROW(cfg->checks.linters, cfg->checks.nr_linters,
			   alloc);
		l = &cfg->checks.linters[cfg->checks.nr_linters++];
		memset(l, 0, sizeof(*l));
		l->line = e->line;
		l->col = e->col;
		l->timeout = CONFIG_LINTER_TIMEOUT;
		if ((error = config_nonempty(ctx, config_get(e, "name"),
					     "checks.linters.name",
					     &l->name)) < 0 ||
		    (error = config_nonempty(ctx, config_get(e, "run"),
					     "checks.linters.run",
					     &l->run)) < 0 ||
		    (error = config_enum_str(ctx, config_get(e, "format"),
					     "checks.linters.format",
					     config_linter_formats,
					     &l->format)) < 0 ||
		    (error = config_long(ctx, config_get(e, "timeout"),
					 "checks.linters.timeout", 1,
					 &l->timeout)) < 0)
			goto out;
		if (!l->name || !l->run || !l->format) {
			error = config_missing(ctx, e, "checks.linters",
					       !l->name ? "name" :
					       !l->run ? "run" : "format");
			goto out;
		}
		names[i].s = l->name;
		names[i].node = config_get(e, "name");
		names[i].idx = i;
	}
	error = config_check_unique(ctx, names, list->nr, "linter name");
out:
	free(names);
	return error;
}

static int config_checks(struct config_ctx *ctx, struct tend_config *cfg,
			 const struct config_node *sec)
{
	const struct config_node *n;
	int error;

	if ((error = config_check_map(ctx, sec, "checks",
				      config_checks_keys)) < 0)
		return error;
	if ((n = config_get_set(sec, "rules")) &&
	    (error = config_rules(ctx, cfg, n)) < 0)
		return error;
	if ((error = config_strlist(ctx, config_get(sec, "disable"),
				    "checks.disable", &cfg->checks.disable,
				    &cfg->checks.nr_disable)) < 0)
		return error;
	if ((n = config_get_set(sec, "linters")) &&
	    (error = config_linters(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(sec, "queries")) &&
	    (error = config_queries(ctx, cfg, n)) < 0)
		return error;
	if ((error = config_long(ctx, config_get(sec, "structure_max_mb"),
				 "checks.structure_max_mb", 0,
				 &cfg->checks.structure_max_mb)) < 0)
		return error;
	return 0;
}

static int config_agents(struct config_ctx *ctx, struct tend_config *cfg,
			 const struct config_node *list)
{
	struct config_name *names = NULL;
	size_t i, j, alloc = 0;
	int error = 0;

	if ((error = config_maplist(ctx, list, "agents")) < 0)
		return error;
	for (i = 0; i < cfg->nr_agents; i++)
		config_free_agent(&cfg->agents[i]);
	free(cfg->agents);
	cfg->agents = NULL;
	cfg->nr_agents = 0;
	names = xcalloc(list->nr + 1, sizeof(*names));
	for (i = 0; i < list->nr; i++) {
		const struct config_node *e = list->kids[i], *tools, *model;
		struct config_agent *a;
		size_t tools_alloc = 0;

		if ((error = config_check_map(ctx, e, "agents",
					      config_agent_keys)) < 0)
			goto out;
		ALLOC_GROW(cfg->agents, cfg->nr_agents, alloc);
		a = &cfg->agents[cfg->nr_agents++];
		memset(a, 0, sizeof(*a));
		if ((error = config_str(ctx, config_get(e, "name"),
					"agents.name", &a->name)) < 0 ||
		    (error = config_nonempty(ctx, config_get(e, "role"),
					     "agents.role", &a->role)) < 0 ||
		    (error = config_str(ctx, config_get(e, "model"),
					"agents.model", &a->model)) < 0 ||
		    (error = config_long(ctx, config_get(e, "max_steps"),
					 "agents.max_steps", 1,
					 &a->max_steps)) < 0)
			goto out;
		if (!a->name || !a->role) {
			error = config_missing(ctx, e, "agents",
					       !a->name ? "name" : "role");
			goto out;
		}
		if (!config_is_name(a->name)) {
			error = config_bad_value(ctx, config_get(e, "name"),
				"agents.name",
				"letters, digits, '.', '_' and '-'");
			goto out;
		}
		model = config_get(e, "model");
		if (a->model && !config_is_model(a->model, 1)) {
			error = config_bad_value(ctx, model, "agents.model",
				"\"provider/model\" or \"auto\"");
			goto out;
		}
		tools = config_get_set(e, "tools");
		if (tools && tools->type != CONFIG_NODE_SEQ) {
			error = config_not_list(ctx, tools, "tool groups",
						"agents.tools");
			goto out;
		}
		for (j = 0; tools && j < tools->nr; j++) {
			size_t idx, k;

			if ((error = config_enum(ctx, tools->kids[j],
						 "agents.tools",
						 config_tool_groups,
						 &idx)) < 0)
				goto out;
			if (tools->kids[j]->is_null) {
				error = config_error(ctx, tools->kids[j],
					"an item of 'agents.tools' is empty");
				goto out;
			}
			for (k = 0; k < a->nr_tools; k++)
				if (!strcmp(a->tools[k],
					    config_tool_groups[idx]))
					break;
			if (k < a->nr_tools)
				continue;
			ALLOC_GROW(a->tools, a->nr_tools, tools_alloc);
			a->tools[a->nr_tools++] =
				xstrdup(config_tool_groups[idx]);
		}
		names[i].s = a->name;
		names[i].node = config_get(e, "name");
		names[i].idx = i;
	}
	error = config_check_unique(ctx, names, list->nr, "agent name");
out:
	free(names);
	return error;
}

static int config_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Remember the custom agents' names, sorted, for config_route_agent(). */
static void config_collect_agents(struct config_ctx *ctx,
				  const struct tend_config *cfg)
{
	size_t i;

	ctx->agent_names = xcalloc(cfg->nr_agents + 1,
				   sizeof(*ctx->agent_names));
	for (i = 0; i < cfg->nr_agents; i++)
		ctx->agent_names[i] = cfg->agents[i].name;
	ctx->nr_agent_names = cfg->nr_agents;
	qsort(ctx->agent_names, ctx->nr_agent_names,
	      sizeof(*ctx->agent_names), config_str_cmp);
}

/* A route's key must name a built-in or custom agent, or "default". */
static int config_route_agent(struct config_ctx *ctx,
			      const struct config_node *key)
{
	const char *hint;
	size_t i;

	for (i = 0; config_builtin_agents[i]; i++)
		if (!strcmp(key->str, config_builtin_agents[i]))
			return 0;
	if (bsearch(&key->str, ctx->agent_names, ctx->nr_agent_names,
		    sizeof(*ctx->agent_names), config_str_cmp))
		return 0;
	hint = config_suggest(key->str, config_builtin_agents,
			      config_count(config_builtin_agents));
	if (!hint)
		hint = config_suggest(key->str, ctx->agent_names,
				      ctx->nr_agent_names);
	config_quote(&ctx->scratch[0], key->str);
	if (hint)
		return config_error(ctx, key, "unknown agent '%s' in "
				    "'models.routes' (did you mean '%s'?)",
				    ctx->scratch[0].ptr, hint);
	return config_error(ctx, key, "unknown agent '%s' in 'models.routes' "
			    "(built-in agents: orchestrator, architect, code, "
			    "debug, ask, reviewer; or 'default', 'fast' and "
			    "'strong' (the models 'auto' picks from), or the "
			    "name of an agent under 'agents')",
			    ctx->scratch[0].ptr);
}

static int config_routes(struct config_ctx *ctx, struct tend_config *cfg,
			 const struct config_node *map)
{
	struct buf path = BUF_INIT;
	size_t i, alloc = 0;
	int error;

	if ((error = config_check_map(ctx, map, "models.routes", NULL)) < 0)
		return error;
	for (i = 0; i < cfg->models.nr_routes; i++) {
		free(cfg->models.routes[i].agent);
		free(cfg->models.routes[i].model);
	}
	free(cfg->models.routes);
	cfg->models.routes = NULL;
	cfg->models.nr_routes = 0;
	for (i = 0; i + 1 < map->nr; i += 2) {
		const struct config_node *key = map->kids[i];
		const struct config_node *val = map->kids[i + 1];
		struct config_route *r;
		const char *model = NULL;

		if ((error = config_route_agent(ctx, key)) < 0)
			goto out;
		buf_reset(&path);
		buf_printf(&path, "models.routes.%s", key->str);
		if ((error = config_text(ctx, val, path.ptr, &model)) < 0)
			goto out;
		/* "auto" chooses between fast and strong: not for them. */
		int tier = !strcmp(key->str, "fast") ||
			   !strcmp(key->str, "strong");

		if (!config_is_model(model, !tier)) {
			error = config_bad_value(ctx, val, path.ptr, tier ?
				"\"provider/model\"" :
				"\"provider/model\" or \"auto\"");
			goto out;
		}
		ALLOC_GROW(cfg->models.routes, cfg->models.nr_routes, alloc);
		r = &cfg->models.routes[cfg->models.nr_routes++];
		r->agent = xstrdup(key->str);
		r->model = xstrdup(model);
	}
out:
	buf_release(&path);
	return error;
}

static int config_providers(struct config_ctx *ctx, struct tend_config *cfg,
			    const struct config_node *map)
{
	struct buf path = BUF_INIT;
	size_t i, alloc = 0;
	int error;

	if ((error = config_check_map(ctx, map, "models.providers",
				      NULL)) < 0)
		return error;
	for (i = 0; i < cfg->models.nr_providers; i++)
		config_free_provider(&cfg->models.providers[i]);
	free(cfg->models.providers);
	cfg->models.providers = NULL;
	cfg->models.nr_providers = 0;
	for (i = 0; i + 1 < map->nr; i += 2) {
		const struct config_node *key = map->kids[i];
		const struct config_node *val = map->kids[i + 1];
		const struct config_node *n;
		struct config_provider *p;
		size_t kind, base;

		if (!config_is_name(key->str)) {
			error = config_error(ctx, key, "provider name '%s' "
				"must be letters, digits, '.', '_' and '-'",
				config_quote(&ctx->scratch[0], key->str));
			goto out;
		}
		buf_reset(&path);
		buf_printf(&path, "models.providers.%s", key->str);
		if (val->is_null) {
			error = config_error(ctx, val, "'%s' needs 'kind' "
				"(openai or anthropic)", path.ptr);
			goto out;
		}
		if ((error = config_check_map(ctx, val, path.ptr,
					      config_provider_keys)) < 0)
			goto out;
		ALLOC_GROW(cfg->models.providers, cfg->models.nr_providers,
			   alloc);
		p = &cfg->models.providers[cfg->models.nr_providers++];
		memset(p, 0, sizeof(*p));
		p->name = xstrdup(key->str);
		if (!(n = config_get_set(val, "kind"))) {
			error = config_error(ctx, val, "'%s' needs 'kind' "
				"(openai or anthropic)", path.ptr);
			goto out;
		}
		base = path.len;
		buf_puts(&path, ".kind");
		if ((error = config_enum(ctx, n, path.ptr,
					 config_provider_kinds, &kind)) < 0)
			goto out;
		p->kind = xstrdup(config_provider_kinds[kind]);
		buf_truncate(&path, base);
		buf_puts(&path, ".base_url");
		if ((n = config_get_set(val, "base_url"))) {
			if ((error = config_str(ctx, n, path.ptr,
						&p->base_url)) < 0)
				goto out;
			if (strncmp(p->base_url, "https://", 8) &&
			    strncmp(p->base_url, "http://", 7)) {
				/* Not echoed: it may hold credentials. */
				error = config_error(ctx, n, "'%s' must be an "
					"http:// or https:// URL", path.ptr);
				goto out;
			}
		}
		buf_truncate(&path, base);
		buf_puts(&path, ".api_key_env");
		if ((n = config_get_set(val, "api_key_env"))) {
			const char *s = NULL;

			if ((error = config_text(ctx, n, path.ptr, &s)) < 0)
				goto out;
			/*
			 * Do not echo the value: a common mistake is to put
			 * the key itself here.
			 */
			if (!config_is_env_name(s)) {
				error = config_error(ctx, n, "'%s' must be the "
					"name of an environment variable (like "
					"OPENAI_API_KEY), not a key or other "
					"text", path.ptr);
				goto out;
			}
			p->api_key_env = xstrdup(s);
		}
	}
out:
	buf_release(&path);
	return error;
}

static int config_prices(struct config_ctx *ctx, struct tend_config *cfg,
			 const struct config_node *map)
{
	struct buf path = BUF_INIT;
	size_t i, alloc = 0;
	int error;

	if ((error = config_check_map(ctx, map, "models.prices", NULL)) < 0)
		return error;
	for (i = 0; i < cfg->models.nr_prices; i++)
		free(cfg->models.prices[i].model);
	free(cfg->models.prices);
	cfg->models.prices = NULL;
	cfg->models.nr_prices = 0;
	for (i = 0; i + 1 < map->nr; i += 2) {
		const struct config_node *key = map->kids[i];
		const struct config_node *val = map->kids[i + 1];
		struct config_price *p;
		size_t base;

		buf_reset(&path);
		buf_printf(&path, "models.prices.%s",
			   config_quote(&ctx->scratch[0], key->str));
		if (!*key->str || val->is_null) {
			error = config_error(ctx, *key->str ? val : key,
				"'%s' needs a model name and "
				"{ input: N, output: N }", path.ptr);
			goto out;
		}
		if ((error = config_check_map(ctx, val, path.ptr,
					      config_price_keys)) < 0)
			goto out;
		ALLOC_GROW(cfg->models.prices, cfg->models.nr_prices, alloc);
		p = &cfg->models.prices[cfg->models.nr_prices++];
		memset(p, 0, sizeof(*p));
		p->model = xstrdup(key->str);
		p->input = p->output = -1;
		base = path.len;
		buf_puts(&path, ".input");
		if ((error = config_money(ctx, config_get(val, "input"),
					  path.ptr, &p->input)) < 0)
			goto out;
		buf_truncate(&path, base);
		buf_puts(&path, ".output");
		if ((error = config_money(ctx, config_get(val, "output"),
					  path.ptr, &p->output)) < 0)
			goto out;
		if (p->input < 0 || p->output < 0) {
			buf_truncate(&path, base);
			error = config_error(ctx, val, "'%s' needs both "
					     "'input' and 'output'", path.ptr);
			goto out;
		}
	}
out:
	buf_release(&path);
	return error;
}

/*
 * models.embeddings: { provider, model, dimensions }. The provider must
 * speak OpenAI's protocol: Anthropic has no embeddings endpoint. Whether
 * a provider of that name exists at all is the router's to say (the
 * built-in ones are not in the config).
 */
static int config_embeddings(struct config_ctx *ctx, struct tend_config *cfg,
			     const struct config_node *map)
{
	const struct config_node *pn, *dn;
	char *provider = NULL, *model = NULL;
	long dim = 0;
	size_t i;
	int error;

	if ((error = config_check_map(ctx, map, "models.embeddings",
				      config_embeddings_keys)) < 0)
		return error;
	pn = config_get_set(map, "provider");
	dn = config_get_set(map, "dimensions");
	if ((error = config_nonempty(ctx, pn, "models.embeddings.provider",
				     &provider)) < 0 ||
	    (error = config_nonempty(ctx, config_get(map, "model"),
				     "models.embeddings.model",
				     &model)) < 0 ||
	    (error = config_long(ctx, dn, "models.embeddings.dimensions", 1,
				 &dim)) < 0)
		goto out;
	if (!provider || !model) {
		error = config_error(ctx, map, "'models.embeddings' needs "
				     "'provider' and 'model' (like { provider: "
				     "openai, model: text-embedding-3-small "
				     "})");
		goto out;
	}
	if (!config_is_name(provider)) {
		error = config_bad_value(ctx, pn, "models.embeddings.provider",
			"the name of a provider (letters, digits, '.', '_' "
			"and '-')");
		goto out;
	}
	if (dim > CONFIG_EMBED_DIM_MAX) {
		error = config_bad_value(ctx, dn,
					 "models.embeddings.dimensions",
					 "4096 or less");
		goto out;
	}
	for (i = 0; i < cfg->models.nr_providers; i++)
		if (!strcmp(cfg->models.providers[i].name, provider))
			break;
	if (i < cfg->models.nr_providers ?
	    strcmp(cfg->models.providers[i].kind, "openai") != 0 :
	    !strcmp(provider, "anthropic")) {
		error = config_error(ctx, pn, "'models.embeddings.provider' "
				     "must be a provider of kind openai (an "
				     "OpenAI-compatible /embeddings "
				     "endpoint); '%s' is of kind anthropic, "
				     "which has none",
				     config_quote(&ctx->scratch[0], provider));
		goto out;
	}
	free(cfg->models.embeddings.provider);
	free(cfg->models.embeddings.model);
	cfg->models.embeddings.provider = provider;
	cfg->models.embeddings.model = model;
	cfg->models.embeddings.dimensions = dim;
	provider = model = NULL;
out:
	free(provider);
	free(model);
	return error;
}

static int config_models(struct config_ctx *ctx, struct tend_config *cfg,
			 const struct config_node *sec)
{
	const struct config_node *n;
	size_t i;
	int error;

	if ((error = config_check_map(ctx, sec, "models",
				      config_models_keys)) < 0)
		return error;
	if ((n = config_get_set(sec, "providers")) &&
	    (error = config_providers(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(sec, "routes")) &&
	    (error = config_routes(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get(sec, "fallbacks")) &&
	    (error = config_strlist(ctx, n, "models.fallbacks",
				    &cfg->models.fallbacks,
				    &cfg->models.nr_fallbacks)) < 0)
		return error;
	for (i = 0; n && i < cfg->models.nr_fallbacks; i++)
		if (!config_is_model(cfg->models.fallbacks[i], 0))
			return config_bad_value(ctx, n->kids[i],
						"models.fallbacks",
						"\"provider/model\"");
	if ((n = config_get_set(sec, "prices")) &&
	    (error = config_prices(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(sec, "embeddings")) &&
	    (error = config_embeddings(ctx, cfg, n)) < 0)
		return error;
	if ((error = config_long(ctx, config_get(sec, "auto_min_samples"),
				 "models.auto_min_samples", 1,
				 &cfg->models.auto_min_samples)) < 0)
		return error;
	return 0;
}

static int config_sandbox(struct config_ctx *ctx, struct tend_config *cfg,
			  const struct config_node *sec)
{
	size_t mode = cfg->sandbox.mode;
	int error;

	if ((error = config_check_map(ctx, sec, "sandbox",
				      config_sandbox_keys)) < 0 ||
	    (error = config_str(ctx, config_get(sec, "test"), "sandbox.test",
				&cfg->sandbox.test)) < 0 ||
	    (error = config_str(ctx, config_get(sec, "setup"),
				"sandbox.setup", &cfg->sandbox.setup)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "timeout"),
				 "sandbox.timeout", 1,
				 &cfg->sandbox.timeout)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "memory_mb"),
				 "sandbox.memory_mb", 1,
				 &cfg->sandbox.memory_mb)) < 0 ||
	    (error = config_enum(ctx, config_get(sec, "mode"),
				 "sandbox.mode", config_sandbox_modes,
				 &mode)) < 0)
		return error;
	/*
	 * A file is part of the repository, and a pull request can change
	 * it: turning the sandbox off is for the job's own environment
	 * (TEND_SANDBOX_MODE), never for a file the code under test ships.
	 */
	if (mode == CONFIG_SANDBOX_NONE)
		return config_error(ctx, config_get(sec, "mode"),
				    "'sandbox.mode: none' is not accepted "
				    "from a file, which the code under test "
				    "can change; set TEND_SANDBOX_MODE=none "
				    "in the job's environment instead");
	cfg->sandbox.mode = (enum config_sandbox_mode)mode;
	return 0;
}

static int config_tasks(struct config_ctx *ctx, struct tend_config *cfg,
			const struct config_node *sec)
{
	size_t open = (size_t)cfg->tasks.open_on_failure;
	int error;

	if ((error = config_check_map(ctx, sec, "tasks",
				      config_tasks_keys)) < 0 ||
	    (error = config_nonempty(ctx, config_get(sec, "label"),
				     "tasks.label", &cfg->tasks.label)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_per_run"),
				 "tasks.max_per_run", 0,
				 &cfg->tasks.max_per_run)) < 0 ||
	    (error = config_money(ctx, config_get(sec, "budget_usd"),
				  "tasks.budget_usd",
				  &cfg->tasks.budget_usd)) < 0 ||
	    (error = config_money(ctx, config_get(sec, "run_budget_usd"),
				  "tasks.run_budget_usd",
				  &cfg->tasks.run_budget_usd)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_files"),
				 "tasks.max_files", 1,
				 &cfg->tasks.max_files)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_lines"),
				 "tasks.max_lines", 1,
				 &cfg->tasks.max_lines)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_attempts"),
				 "tasks.max_attempts", 1,
				 &cfg->tasks.max_attempts)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_tokens"),
				 "tasks.max_tokens", 1000,
				 &cfg->tasks.max_tokens)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_minutes"),
				 "tasks.max_minutes", 1,
				 &cfg->tasks.max_minutes)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "orchestrate_steps"),
				 "tasks.orchestrate_steps", 0,
				 &cfg->tasks.orchestrate_steps)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "claim_minutes"),
				 "tasks.claim_minutes", 1,
				 &cfg->tasks.claim_minutes)) < 0 ||
	    (error = config_enum(ctx, config_get(sec, "open_on_failure"),
				 "tasks.open_on_failure", config_bools,
				 &open)) < 0 ||
	    (error = config_str(ctx, config_get(sec, "base"), "tasks.base",
				&cfg->tasks.base)) < 0)
		return error;
	cfg->tasks.open_on_failure = (int)open;
	return 0;
}

static int config_fix(struct config_ctx *ctx, struct tend_config *cfg,
		      const struct config_node *sec)
{
	size_t allow = (size_t)cfg->fix.allow_test_edits;
	int error;

	if ((error = config_check_map(ctx, sec, "fix", config_fix_keys)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_files"),
				 "fix.max_files", 1,
				 &cfg->fix.max_files)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_lines"),
				 "fix.max_lines", 1,
				 &cfg->fix.max_lines)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_attempts"),
				 "fix.max_attempts", 1,
				 &cfg->fix.max_attempts)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "max_runs_per_pr"),
				 "fix.max_runs_per_pr", 0,
				 &cfg->fix.max_runs_per_pr)) < 0 ||
	    (error = config_enum(ctx, config_get(sec, "allow_test_edits"),
				 "fix.allow_test_edits", config_bools,
				 &allow)) < 0 ||
	    (error = config_money(ctx, config_get(sec, "budget_usd"),
				  "fix.budget_usd",
				  &cfg->fix.budget_usd)) < 0 ||
	    (error = config_str(ctx, config_get(sec, "author_name"),
				"fix.author_name",
				&cfg->fix.author_name)) < 0 ||
	    (error = config_str(ctx, config_get(sec, "author_email"),
				"fix.author_email",
				&cfg->fix.author_email)) < 0)
		return error;
	cfg->fix.allow_test_edits = (int)allow;
	return 0;
}

static int config_chatops(struct config_ctx *ctx, struct tend_config *cfg,
			  const struct config_node *sec)
{
	size_t reply = (size_t)cfg->chatops.reply_to_outsiders;
	int error;

	if ((error = config_check_map(ctx, sec, "chatops",
				      config_chatops_keys)) < 0 ||
	    (error = config_enum(ctx, config_get(sec, "reply_to_outsiders"),
				 "chatops.reply_to_outsiders", config_bools,
				 &reply)) < 0 ||
	    (error = config_strlist(ctx, config_get(sec, "allowed_bots"),
				    "chatops.allowed_bots",
				    &cfg->chatops.allowed_bots,
				    &cfg->chatops.nr_allowed_bots)) < 0 ||
	    (error = config_long(ctx, config_get(sec, "inbox_days"),
				 "chatops.inbox_days", 1,
				 &cfg->chatops.inbox_days)) < 0)
		return error;
	cfg->chatops.reply_to_outsiders = (int)reply;
	return 0;
}

static int config_notify(struct config_ctx *ctx, struct tend_config *cfg,
			 const struct config_node *sec)
{
	int error;

	if ((error = config_check_map(ctx, sec, "notify",
				      config_notify_keys)) < 0 ||
	    (error = config_str(ctx, config_get(sec, "slack_webhook_env"),
				"notify.slack_webhook_env",
				&cfg->notify.slack_webhook_env)) < 0)
		return error;
	return 0;
}

/*
 * A repository URL for context.repos: https, or plain http to the
 * loopback address (tests); a host, no user or password, no query or
 * fragment, a path; nothing blank or odd in it. 0 when it is fine, else
 * -1 with what is wrong in `why`. The value is never quoted back: a URL
 * with a token in it must not end up in a log.
 */
static int config_repo_url(const char *url, struct buf *why)
{
	const char *p, *host, *end;
	size_t n;

	if (!strncmp(url, "https://", 8)) {
		host = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		host = url + 7;
	} else {
		buf_sets(why, "an https:// URL");
		return -1;
	}
	for (p = url; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7f || c == '\\') {
			buf_sets(why, "a URL without blanks, control "
				 "characters or backslashes");
			return -1;
		}
	}
	if (strpbrk(url, "?#")) {
		buf_sets(why, "a URL without a query or fragment");
		return -1;
	}
	end = host + strcspn(host, "/");
	if (memchr(host, '@', (size_t)(end - host))) {
		buf_sets(why, "a URL without a user or password (tend sends "
			 "the job's token to the forge's own host, and "
			 "fetches any other anonymously)");
		return -1;
	}
	n = (size_t)(end - host);
	if (!n || *host == ':') {
		buf_sets(why, "a URL with a host");
		return -1;
	}
	if (url[4] == ':' &&
	    !((n == 9 && !strncmp(host, "127.0.0.1", 9)) ||
	      (n > 9 && !strncmp(host, "127.0.0.1:", 10)) ||
	      (n == 5 && !strncmp(host, "[::1]", 5)) ||
	      (n > 5 && !strncmp(host, "[::1]:", 6)))) {
		buf_sets(why, "an https:// URL (plain http only to 127.0.0.1)");
		return -1;
	}
	if (!*end || !end[1]) {
		buf_sets(why, "a URL with the repository's path "
			 "(https://host/group/repo.git)");
		return -1;
	}
	return 0;
}

/* The name a repository gets from its URL: the last part, less ".git". */
static char *config_repo_default_name(const char *url)
{
	size_t n = strlen(url), start;

	while (n && url[n - 1] == '/')
		n--;
	start = n;
	while (start && url[start - 1] != '/')
		start--;
	if (n - start > 4 && !strncmp(url + n - 4, ".git", 4))
		n -= 4;
	return xstrndup(url + start, n - start);
}

/*
 * A ref as git allows it, loosely: a branch ("main", "release/2.x") or a
 * full ref ("refs/tags/v1"); forge/git.c checks it again before use.
 */
static int config_is_ref(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (!n || *s == '-' || *s == '/' || s[n - 1] == '/' ||
	    s[n - 1] == '.' || strstr(s, "..") || strstr(s, "//") ||
	    strstr(s, "@{") || (n >= 5 && !strcmp(s + n - 5, ".lock")))
		return 0;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7f || strchr(":^~?*[\\", c))
			return 0;
	}
	return 1;
}

static int config_context_repos(struct config_ctx *ctx,
				struct tend_config *cfg,
				const struct config_node *list)
{
	struct config_name *names = NULL;
	struct buf why = BUF_INIT;
	size_t i, alloc = 0;
	int error = 0;

	if ((error = config_maplist(ctx, list, "context.repos")) < 0)
		return error;
	for (i = 0; i < cfg->context.nr_repos; i++)
		config_free_context_repo(&cfg->context.repos[i]);
	free(cfg->context.repos);
	cfg->context.repos = NULL;
	cfg->context.nr_repos = 0;
	names = xcalloc(list->nr + 1, sizeof(*names));
	for (i = 0; i < list->nr; i++) {
		const struct config_node *e = list->kids[i], *un, *nn, *rn;
		struct config_context_repo *r;
		size_t j;

		if ((error = config_check_map(ctx, e, "context.repos",
					      config_context_repo_keys)) < 0)
			goto out;
		ALLOC_GROW(cfg->context.repos, cfg->context.nr_repos, alloc);
		r = &cfg->context.repos[cfg->context.nr_repos++];
		memset(r, 0, sizeof(*r));
		r->line = e->line;
		r->col = e->col;
		un = config_get(e, "url");
		nn = config_get(e, "name");
		rn = config_get(e, "ref");
		if ((error = config_nonempty(ctx, un, "context.repos.url",
					     &r->url)) < 0 ||
		    (error = config_nonempty(ctx, nn, "context.repos.name",
					     &r->name)) < 0 ||
		    (error = config_nonempty(ctx, rn, "context.repos.ref",
					     &r->ref)) < 0 ||
		    (error = config_strlist(ctx, config_get(e, "paths"),
					    "context.repos.paths", &r->paths,
					    &r->nr_paths)) < 0)
			goto out;
		if (!r->url) {
			error = config_missing(ctx, e, "context.repos", "url");
			goto out;
		}
		if (config_repo_url(r->url, &why) < 0) {
			error = config_error(ctx, un, "'context.repos.url' "
					     "must be %s", why.ptr);
			goto out;
		}
		if (r->name && !config_is_name(r->name)) {
			error = config_bad_value(ctx, nn, "context.repos.name",
				"letters, digits, '.', '_' and '-'");
			goto out;
		}
		if (!r->name) {
			r->name = config_repo_default_name(r->url);
			if (!config_is_name(r->name)) {
				error = config_error(ctx, un, "cannot make a "
					"name of letters, digits, '.', '_' and "
					"'-' from the end of this URL; give "
					"the repository a 'name'");
				goto out;
			}
		}
		if (r->ref && !config_is_ref(r->ref)) {
			error = config_bad_value(ctx, rn, "context.repos.ref",
				"a branch name (or a full ref, refs/...)");
			goto out;
		}
		for (j = 0; j < r->nr_paths; j++)
			if (!*r->paths[j]) {
				error = config_error(ctx,
					config_get(e, "paths")->kids[j],
					"an item of 'context.repos.paths' is "
					"empty");
				goto out;
			}
		names[i].s = r->name;
		names[i].node = nn && !nn->is_null ? nn : un;
		names[i].idx = i;
	}
	error = config_check_unique(ctx, names, list->nr, "repository name");
out:
	buf_release(&why);
	free(names);
	return error;
}

static int config_context(struct config_ctx *ctx, struct tend_config *cfg,
			  const struct config_node *sec)
{
	const struct config_node *n;
	int error;

	if ((error = config_check_map(ctx, sec, "context",
				      config_context_keys)) < 0)
		return error;
	if ((n = config_get_set(sec, "repos")) &&
	    (error = config_context_repos(ctx, cfg, n)) < 0)
		return error;
	return 0;
}

/*
 * Walk the tree. Sections go in a fixed order (agents before models, whose
 * routes may name custom agents), not in the order of the file.
 */
static int config_apply(struct config_ctx *ctx, struct tend_config *cfg,
			const struct config_node *root)
{
	const struct config_node *n;
	int error;

	if (!root || root->is_null)
		return 0;
	if ((error = config_check_map(ctx, root, NULL, config_top_keys)) < 0)
		return error;
	if ((n = config_get_set(root, "review")) &&
	    (error = config_review(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "checks")) &&
	    (error = config_checks(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "agents")) &&
	    (error = config_agents(ctx, cfg, n)) < 0)
		return error;
	config_collect_agents(ctx, cfg);
	if ((n = config_get_set(root, "models")) &&
	    (error = config_models(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "sandbox")) &&
	    (error = config_sandbox(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "tasks")) &&
	    (error = config_tasks(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "fix")) &&
	    (error = config_fix(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "chatops")) &&
	    (error = config_chatops(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "notify")) &&
	    (error = config_notify(ctx, cfg, n)) < 0)
		return error;
	if ((n = config_get_set(root, "context")) &&
	    (error = config_context(ctx, cfg, n)) < 0)
		return error;
	return 0;
}

int config_parse(struct tend_config *cfg, const char *text, size_t len,
		 const char *name, struct buf *err)
{
	struct config_ctx ctx;
	struct config_node *root = NULL;
	int error, parser_ready = 0;
	size_t i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.name = name ? name : "config";
	ctx.text = text;
	ctx.len = len;
	ctx.err = err;
	for (i = 0; i < sizeof(ctx.scratch) / sizeof(ctx.scratch[0]); i++)
		buf_init(&ctx.scratch[i], 0);
	if (len > CONFIG_MAX_BYTES) {
		error = error_set(err, TEND_EINVALID,
				  "%s: config is too big (%zu bytes, the "
				  "limit is %d)", ctx.name, len,
				  CONFIG_MAX_BYTES);
		goto out;
	}
	if (!yaml_parser_initialize(&ctx.parser)) {
		fprintf(stderr, "tend: out of memory while parsing YAML\n");
		abort();
	}
	parser_ready = 1;
	yaml_parser_set_input_string(&ctx.parser, (const unsigned char *)text,
				     len);
	if ((error = config_read_document(&ctx, &root)) < 0 ||
	    (error = config_apply(&ctx, cfg, root)) < 0)
		goto out;
	free(cfg->path);
	cfg->path = name ? xstrdup(name) : NULL;
out:
	if (parser_ready)
		yaml_parser_delete(&ctx.parser);
	config_node_free(root);
	free(ctx.agent_names);
	for (i = 0; i < sizeof(ctx.scratch) / sizeof(ctx.scratch[0]); i++)
		buf_release(&ctx.scratch[i]);
	if (error < 0)
		config_release(cfg);
	return error;
}

/*
 * Read the regular file open on `fd` (which this closes) into `out`, at
 * most `max` bytes. `name` is for messages.
 */
static int config_read_fd(struct buf *out, int fd, const char *name,
			  const char *what, size_t max, struct buf *err)
{
	char chunk[8192];
	struct stat st;
	ssize_t n;
	int error = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error = error_set(err, TEND_EINVALID, "cannot read '%s': not "
				  "a regular file", name);
		goto out;
	}
	buf_reset(out);
	out->max = max + 1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = error_set(err, TEND_ERROR, "cannot read '%s': "
					  "%s", name, strerror(errno));
			goto out;
		}
		if (buf_add(out, chunk, (size_t)n) < 0 || out->len > max) {
			error = error_set(err, TEND_EINVALID, "%s: %s is too "
					  "big (the limit is %zu bytes)", name,
					  what, max);
			goto out;
		}
	}
out:
	out->max = 0;
	close(fd);
	return error;
}

int config_read_tree_file(struct buf *out, const char *root,
			  const char *rel, size_t max, struct buf *err)
{
	const char *p = rel, *slash;
	char *part;
	int dir, fd, error;

	for (slash = rel; *slash; slash++)
		if ((slash == rel || slash[-1] == '/') && slash[0] == '.' &&
		    slash[1] == '.' && (slash[2] == '/' || !slash[2]))
			break;
	if (!*rel || rel[0] == '/' || *slash)
		return error_set(err, TEND_EINVALID, "'%s' must be a path "
				 "inside the repository", rel);
	if ((dir = open(root && *root ? root : ".",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return error_set(err, TEND_ERROR, "cannot open '%s': %s",
				 root ? root : ".", strerror(errno));
	/* One component at a time, none of them a symbolic link. */
	while ((slash = strchr(p, '/'))) {
		part = xstrndup(p, (size_t)(slash - p));
		fd = *part ? openat(dir, part, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC) : dup(dir);
		free(part);
		close(dir);
		if (fd < 0)
			goto fail;
		dir = fd;
		p = slash + 1;
	}
	fd = openat(dir, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dir);
	if (fd < 0)
		goto fail;
	return config_read_fd(out, fd, rel, "file", max, err);
fail:
	error = errno;
	if (error == ELOOP || error == ENOTDIR)
		return error_set(err, TEND_EINVALID, "cannot read '%s': a "
				 "symbolic link (or a non-directory) is on "
				 "its path; tend reads only regular files "
				 "inside the repository", rel);
	return error_set(err, error == ENOENT ? TEND_ENOTFOUND : TEND_ERROR,
			 "cannot read '%s': %s", rel, strerror(error));
}

int config_load_file(struct tend_config *cfg, const char *path,
		     struct buf *err)
{
	struct buf text = BUF_INIT;
	int fd, error;

	/*
	 * The last component must not be a symbolic link: a repository
	 * could otherwise make its config a link to a file of secrets,
	 * whose values the parser's messages would quote.
	 */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		       O_CLOEXEC)) < 0) {
		error = error_set(err, errno == ENOENT ? TEND_ENOTFOUND :
				  errno == ELOOP ? TEND_EINVALID : TEND_ERROR,
				  "cannot open config '%s': %s", path,
				  errno == ELOOP ? "it is a symbolic link; "
				  "give the file itself" : strerror(errno));
		goto out;
	}
	if ((error = config_read_fd(&text, fd, path, "config",
				    CONFIG_MAX_BYTES, err)) < 0)
		goto out;
	error = config_parse(cfg, text.ptr, text.len, path, err);
out:
	buf_release(&text);
	if (error < 0)
		config_release(cfg);
	return error;
}

/* Read and parse ROOT/REL with no symbolic link on the way. */
static int config_load_tree_file(struct tend_config *cfg, const char *root,
				 const char *rel, const char *name,
				 struct buf *err)
{
	struct buf text = BUF_INIT;
	int error;

	if ((error = config_read_tree_file(&text, root, rel, CONFIG_MAX_BYTES,
					   err)) == 0)
		error = config_parse(cfg, text.ptr, text.len, name, err);
	buf_release(&text);
	if (error < 0)
		config_release(cfg);
	return error;
}

static const char *const config_candidates[] = {
	".tend.yml", ".tend.yaml", ".github/tend.yml", ".gitlab/tend.yml",
	NULL
};

int config_discover(char **out, const char *root, struct buf *err)
{
	struct stat st;
	size_t i;

	if (!root || !*root)
		root = ".";
	for (i = 0; config_candidates[i]; i++) {
		char *path = xasprintf("%s/%s", root, config_candidates[i]);

		if (!lstat(path, &st)) {
			/*
			 * Something is there: a config the user meant us to
			 * read. Anything but a file is an error, not a reason
			 * to fall back to the defaults unnoticed; a symbolic
			 * link is not followed (it could lead to a file of
			 * secrets that a parse error would quote).
			 */
			if (S_ISREG(st.st_mode)) {
				*out = path;
				return 0;
			}
			error_set(err, TEND_EINVALID,
				  "cannot read config '%s': %s", path,
				  S_ISLNK(st.st_mode) ? "a symbolic link; tend "
				  "reads only a regular file" :
				  "not a regular file");
			free(path);
			return TEND_EINVALID;
		}
		free(path);
	}
	return error_set(err, TEND_ENOTFOUND, "no config file in '%s' "
			 "(looked for .tend.yml, .tend.yaml, "
			 ".github/tend.yml, .gitlab/tend.yml)", root);
}

/*
 * Environment overrides. Each takes the variable's value when it is set and
 * not empty (CI systems often pass unset inputs as empty variables).
 */

static const char *config_env(const char *var)
{
	const char *v = getenv(var);

	return v && *v ? v : NULL;
}

static int config_env_bad(struct buf *err, const char *var, const char *v,
			  const struct buf *want)
{
	struct buf q = BUF_INIT;

	error_set(err, TEND_EINVALID, "%s: expected %s, not '%s'", var,
		  want->ptr, config_quote(&q, v));
	buf_release(&q);
	return TEND_EINVALID;
}

static int config_env_str(const char *var, char **dst)
{
	const char *v = config_env(var);

	if (v) {
		config_free_str(*dst);
		*dst = xstrdup(v);
	}
	return 0;
}

static int config_env_enum(const char *var, const char *const *names,
			   char **dst, size_t *idx, struct buf *err)
{
	struct buf want = BUF_INIT;
	const char *v = config_env(var);
	size_t i;
	int error = 0;

	if (!v)
		return 0;
	if (config_value_enum(&want, v, names, &i) < 0) {
		error = config_env_bad(err, var, v, &want);
	} else if (dst) {
		config_free_str(*dst);
		*dst = xstrdup(names[i]);
	} else {
		*idx = i;
	}
	buf_release(&want);
	return error;
}

static int config_env_long(const char *var, long min, long *dst,
			   struct buf *err)
{
	struct buf want = BUF_INIT;
	const char *v = config_env(var);
	int error = 0;

	if (v && config_value_long(&want, v, min, dst) < 0)
		error = config_env_bad(err, var, v, &want);
	buf_release(&want);
	return error;
}

static int config_env_money(const char *var, double *dst, struct buf *err)
{
	struct buf want = BUF_INIT;
	const char *v = config_env(var);
	int error = 0;

	if (v && config_value_money(&want, v, dst) < 0)
		error = config_env_bad(err, var, v, &want);
	buf_release(&want);
	return error;
}

int config_apply_env(struct tend_config *cfg, struct buf *err)
{
	size_t mode = cfg->sandbox.mode;
	int error;

	if ((error = config_env_enum("TEND_REVIEW_FILTER", config_filters,
				     &cfg->review.filter, NULL, err)) < 0 ||
	    (error = config_env_enum("TEND_REVIEW_FAIL_LEVEL",
				     config_fail_levels,
				     &cfg->review.fail_level, NULL,
				     err)) < 0 ||
	    (error = config_env_long("TEND_REVIEW_MAX_COMMENTS", 0,
				     &cfg->review.max_comments, err)) < 0 ||
	    (error = config_env_long("TEND_REVIEW_MAX_FILE_BYTES", 1,
				     &cfg->review.max_file_bytes,
				     err)) < 0 ||
	    (error = config_env_long("TEND_CHECKS_STRUCTURE_MAX_MB", 0,
				     &cfg->checks.structure_max_mb,
				     err)) < 0 ||
	    (error = config_env_str("TEND_REVIEW_INSTRUCTIONS",
				    &cfg->review.instructions)) < 0 ||
	    (error = config_env_str("TEND_SANDBOX_TEST",
				    &cfg->sandbox.test)) < 0 ||
	    (error = config_env_str("TEND_SANDBOX_SETUP",
				    &cfg->sandbox.setup)) < 0 ||
	    (error = config_env_long("TEND_SANDBOX_TIMEOUT", 1,
				     &cfg->sandbox.timeout, err)) < 0 ||
	    (error = config_env_long("TEND_SANDBOX_MEMORY_MB", 1,
				     &cfg->sandbox.memory_mb, err)) < 0 ||
	    (error = config_env_enum("TEND_SANDBOX_MODE",
				     config_sandbox_modes, NULL, &mode,
				     err)) < 0 ||
	    (error = config_env_str("TEND_TASKS_LABEL",
				    &cfg->tasks.label)) < 0 ||
	    (error = config_env_long("TEND_TASKS_MAX_PER_RUN", 0,
				     &cfg->tasks.max_per_run, err)) < 0 ||
	    (error = config_env_money("TEND_TASKS_BUDGET_USD",
				      &cfg->tasks.budget_usd, err)) < 0 ||
	    (error = config_env_money("TEND_TASKS_RUN_BUDGET_USD",
				      &cfg->tasks.run_budget_usd, err)) < 0 ||
	    (error = config_env_long("TEND_TASKS_MAX_FILES", 1,
				     &cfg->tasks.max_files, err)) < 0 ||
	    (error = config_env_long("TEND_TASKS_MAX_LINES", 1,
				     &cfg->tasks.max_lines, err)) < 0 ||
	    (error = config_env_long("TEND_TASKS_MAX_MINUTES", 1,
				     &cfg->tasks.max_minutes, err)) < 0 ||
	    (error = config_env_long("TEND_FIX_MAX_FILES", 1,
				     &cfg->fix.max_files, err)) < 0 ||
	    (error = config_env_long("TEND_FIX_MAX_LINES", 1,
				     &cfg->fix.max_lines, err)) < 0 ||
	    (error = config_env_long("TEND_FIX_MAX_ATTEMPTS", 1,
				     &cfg->fix.max_attempts, err)) < 0 ||
	    (error = config_env_long("TEND_FIX_MAX_RUNS_PER_PR", 0,
				     &cfg->fix.max_runs_per_pr, err)) < 0 ||
	    (error = config_env_money("TEND_FIX_BUDGET_USD",
				      &cfg->fix.budget_usd, err)) < 0) {
		config_release(cfg);
		return error;
	}
	cfg->sandbox.mode = (enum config_sandbox_mode)mode;
	return 0;
}

int config_load(struct tend_config *cfg, const char *root,
		const char *explicit_path, struct buf *err)
{
	struct buf why = BUF_INIT;
	char *found = NULL;
	int error = 0;

	config_init(cfg);
	if (explicit_path) {
		error = config_load_file(cfg, explicit_path, err);
	} else {
		error = config_discover(&found, root, &why);
		if (error == TEND_ENOTFOUND)
			error = 0;
		else if (!error)
			error = config_load_tree_file(cfg, root, found +
						      strlen(root && *root ?
							     root : ".") + 1,
						      found, err);
		else
			error_set(err, error, "%s", why.ptr);
	}
	if (!error)
		error = config_apply_env(cfg, err);
	free(found);
	buf_release(&why);
	if (error < 0)
		config_release(cfg);
	return error;
}
