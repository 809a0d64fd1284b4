/*
 * cmd_rules.c - `tend rules`: list every check a review runs and what it
 * matches, as text or JSON, so a user can audit it.
 *
 * The rule set is built exactly as `tend review` builds it
 * (actions/rules.h): the built-in packs, the config's `checks.rules`, then
 * `checks.disable`. Disabled rules are listed too, marked so. The external
 * linters of `checks.linters` are listed with the command each runs.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/rules.h"
#include "cli/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/rules.h"

static const char cmd_rules_usage[] =
	"tend rules [--format text|json] [--config FILE]";

static const char cmd_rules_description[] =
	"List every rule a review runs: its id, pack, severity, languages,\n"
	"paths and pattern, and whether checks.disable turned it off; then\n"
	"the external linters of checks.linters and the command each runs.";

/* What one line of the listing holds: a regex rule or (later) a query. */
struct cmd_rules_entry {
	const char *id;
	const char *pack;
	const char *kind;	/* "pattern", "filename", "query" */
	enum review_severity severity;
	int enabled;
	const char *const *languages;
	const char *const *paths;
	const char *const *skip_paths;
	const char *pattern;
	const char *exclude_line;
	const char *message;
	int secret;
};

static void cmd_rules_entry_from_spec(struct cmd_rules_entry *e,
				      const struct review_rules *rs, size_t i)
{
	const struct review_rule_spec *s = review_rules_get(rs, i);

	memset(e, 0, sizeof(*e));
	e->id = s->id;
	e->pack = s->pack ? s->pack : "";
	e->kind = s->filename_rule ? "filename" : "pattern";
	e->severity = s->severity ? s->severity : REVIEW_SEV_WARNING;
	e->enabled = review_rules_enabled(rs, i);
	e->languages = s->languages;
	e->paths = s->paths;
	e->skip_paths = s->skip_paths;
	e->pattern = s->pattern;
	e->exclude_line = s->exclude_line;
	e->message = s->message ? s->message : s->id;
	e->secret = s->secret;
}

/*
 * One entry per structural (tree-sitter) rule, kind "query", with its
 * language as the only entry of `languages` and its query as `pattern`.
 * `langs` receives the two-slot arrays those point into; free() both.
 */
static size_t cmd_rules_structural(struct cmd_rules_entry **out,
				   const char *(**langs)[2],
				   const struct review_structure *st)
{
	size_t i, n = review_structure_count(st);
	struct cmd_rules_entry *e = xcalloc(n + 2, sizeof(*e));
	const char *(*l)[2] = xcalloc(n + 2, sizeof(*l));

	for (i = 0; i < n; i++) {
		const struct review_query_spec *q = review_structure_get(st, i);

		l[i][0] = q->language;
		e[i].id = q->id;
		e[i].pack = q->pack ? q->pack : "structure";
		e[i].kind = "query";
		e[i].severity = q->severity ? q->severity : REVIEW_SEV_WARNING;
		e[i].enabled = review_structure_enabled(st, i);
		e[i].languages = l[i];
		e[i].pattern = q->query;
		e[i].message = q->message ? q->message : q->id;
	}
	/* The syntax check is a rule too, and checks.disable can turn it off. */
	e[n].id = REVIEW_STRUCTURE_SYNTAX_ID;
	e[n].pack = "structure";
	e[n].kind = "query";
	e[n].severity = REVIEW_SEV_ERROR;
	e[n].enabled = st->syntax_check;
	e[n].message = "syntax error introduced by the change";
	*out = e;
	*langs = l;
	return n + 1;
}

static void cmd_rules_list_text(struct buf *b, const char *label,
				const char *const *list)
{
	size_t i;

	buf_printf(b, "    %-10s ", label);
	if (!list || !list[0])
		buf_puts(b, "any");
	for (i = 0; list && list[i]; i++)
		buf_printf(b, "%s%s", i ? ", " : "", list[i]);
	buf_putc(b, '\n');
}

static void cmd_rules_text(struct buf *b, const struct cmd_rules_entry *e,
			   size_t n, const struct tend_config *cfg)
{
	size_t i, enabled = 0;

	for (i = 0; i < n; i++) {
		enabled += e[i].enabled;
		buf_printf(b, "%s (%s, %s%s%s)\n", e[i].id, e[i].pack,
			   review_severity_name(e[i].severity),
			   e[i].secret ? ", secret" : "",
			   e[i].enabled ? "" : ", disabled");
		buf_printf(b, "    %-10s %s\n", "matches",
			   !strcmp(e[i].kind, "filename") ?
			   "the path of an added file" :
			   !strcmp(e[i].kind, "query") ? "the syntax tree"
						       : "changed lines");
		cmd_rules_list_text(b, "languages", e[i].languages);
		cmd_rules_list_text(b, "paths", e[i].paths);
		if (e[i].skip_paths && e[i].skip_paths[0])
			cmd_rules_list_text(b, "skips", e[i].skip_paths);
		buf_printf(b, "    %-10s %s\n", e[i].kind, e[i].pattern);
		if (e[i].exclude_line)
			buf_printf(b, "    %-10s %s\n", "unless",
				   e[i].exclude_line);
		buf_printf(b, "    %-10s %s\n", "message", e[i].message);
	}
	buf_printf(b, "\n%zu rule%s, %zu enabled\n", n, n == 1 ? "" : "s",
		   enabled);
	if (!cfg->checks.nr_linters)
		return;
	buf_printf(b, "\n%zu linter%s (checks.linters, run in the %s):\n",
		   cfg->checks.nr_linters,
		   cfg->checks.nr_linters == 1 ? "" : "s",
		   cfg->sandbox.mode == CONFIG_SANDBOX_NONE
		       ? "work tree without the sandbox (sandbox.mode: none)"
		       : "sandbox");
	for (i = 0; i < cfg->checks.nr_linters; i++) {
		const struct config_linter *l = &cfg->checks.linters[i];

		buf_printf(b, "%s (%s, timeout %ld s)\n    %-10s %s\n", l->name,
			   l->format, l->timeout, "run", l->run);
	}
}

static json_t *cmd_rules_json_list(const char *const *list)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; list && list[i]; i++)
		json_array_append_new(a, jsonutil_string(list[i]));
	return a;
}

static void cmd_rules_json(struct buf *b, const struct cmd_rules_entry *e,
			   size_t n, const struct tend_config *cfg)
{
	json_t *root = json_object(), *rules = json_array(),
	       *linters = json_array();
	size_t i, enabled = 0;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		enabled += e[i].enabled;
		json_object_set_new(o, "id", jsonutil_string(e[i].id));
		json_object_set_new(o, "pack", jsonutil_string(e[i].pack));
		json_object_set_new(o, "kind", json_string(e[i].kind));
		json_object_set_new(o, "severity", json_string(
			review_severity_name(e[i].severity)));
		json_object_set_new(o, "enabled", json_boolean(e[i].enabled));
		json_object_set_new(o, "languages",
				    cmd_rules_json_list(e[i].languages));
		json_object_set_new(o, "paths",
				    cmd_rules_json_list(e[i].paths));
		json_object_set_new(o, "skip_paths",
				    cmd_rules_json_list(e[i].skip_paths));
		json_object_set_new(o, "pattern",
				    jsonutil_string(e[i].pattern));
		if (e[i].exclude_line)
			json_object_set_new(o, "exclude_line",
					    jsonutil_string(e[i].exclude_line));
		json_object_set_new(o, "message",
				    jsonutil_string(e[i].message));
		if (e[i].secret)
			json_object_set_new(o, "secret", json_true());
		json_array_append_new(rules, o);
	}
	for (i = 0; i < cfg->checks.nr_linters; i++) {
		const struct config_linter *l = &cfg->checks.linters[i];

		json_array_append_new(
		    linters,
		    json_pack("{s:o,s:o,s:o,s:I,s:b}", "name",
			      jsonutil_string(l->name), "format",
			      jsonutil_string(l->format), "run",
			      jsonutil_string(l->run), "timeout",
			      (json_int_t)l->timeout, "sandboxed",
			      cfg->sandbox.mode != CONFIG_SANDBOX_NONE));
	}
	json_object_set_new(root, "rules", rules);
	json_object_set_new(root, "linters", linters);
	json_object_set_new(root, "summary", json_pack(
		"{s:I,s:I,s:I}", "rules", (json_int_t)n, "enabled",
		(json_int_t)enabled, "linters",
		(json_int_t)cfg->checks.nr_linters));
	jsonutil_dump(b, root, 2);
	json_decref(root);
}

/*
 * Where .tend.yml is looked for: the top of the work tree when we are in
 * one (named "." when that is the current directory), else ".".
 */
static char *cmd_rules_config_root(void)
{
	git_repository *repo = NULL;
	struct buf err = BUF_INIT;
	char *root;

	if (forge_git_open(&repo, ".", &err) < 0)
		root = cli_config_root(NULL);
	else
		root = cli_config_root(forge_git_workdir(repo));
	buf_release(&err);
	git_repository_free(repo);
	return root;
}

int cmd_rules(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const char *dir = NULL;
	const struct cli_option opts[] = {
		OPT_STRING(0, "format", &c.format, "FMT", "text|json"),
		OPT_STRING(0, "config", &c.config, "FILE",
			   "use this config file instead of .tend.yml"),
		OPT_STRING('C', NULL, &dir, "DIR",
			   "run as if tend was started in DIR"),
		OPT_COUNT('v', "verbose", &c.verbose,
			  "more diagnostics (twice for trace)"),
		OPT_FLAG('q', "quiet", &c.quiet, "only errors on stderr"),
		OPT_FLAG('h', "help", &c.help, "show this help"),
		OPT_END()
	};
	struct tend_config cfg;
	struct review_rules rules;
	struct review_structure structure;
	struct actions_trust src;
	struct cmd_rules_entry *entries = NULL, *extra = NULL;
	const char *(*langs)[2] = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	char **rest = NULL, *root = NULL;
	size_t i, n, nr_extra;
	int nrest, rc, json = 0, exit_code = CLI_EXIT_USAGE;

	config_init(&cfg);
	review_rules_init(&rules);
	review_structure_init(&structure);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_rules_usage, cmd_rules_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_rules_usage);
		goto out;
	}
	if (c.format && strcmp(c.format, "text")) {
		if (strcmp(c.format, "json")) {
			cli_error("unknown --format '%s'; use text or json",
				  c.format);
			goto out;
		}
		json = 1;
	}
	if (dir && chdir(dir) < 0) {
		cli_error("cannot change to directory '%s'", dir);
		goto out;
	}
	root = cmd_rules_config_root();
	actions_trust_init(&src, root);
	if ((rc = config_load(&cfg, root, c.config, &err)) < 0 ||
	    (rc = actions_rules_load(&rules, &structure, &cfg, &src,
				     &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = cli_exit_for(rc);
		goto out;
	}

	n = review_rules_count(&rules);
	nr_extra = cmd_rules_structural(&extra, &langs, &structure);
	entries = xcalloc(n + nr_extra + 1, sizeof(*entries));
	for (i = 0; i < n; i++)
		cmd_rules_entry_from_spec(&entries[i], &rules, i);
	for (i = 0; i < nr_extra; i++)
		entries[n + i] = extra[i];
	if (json)
		cmd_rules_json(&out, entries, n + nr_extra, &cfg);
	else
		cmd_rules_text(&out, entries, n + nr_extra, &cfg);
	if (cli_write_output(NULL, out.ptr, out.len, &err) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	exit_code = CLI_EXIT_OK;
out:
	free(entries);
	free(extra);
	free(langs);
	review_structure_release(&structure);
	free(root);
	free(rest);
	buf_release(&out);
	buf_release(&err);
	review_rules_release(&rules);
	config_release(&cfg);
	return exit_code;
}
