#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"
#include "tests/unit/test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sketch from DESIGN.md section 3, verbatim. */
static const char design_example[] =
	"review:\n"
	"  filter: diff_context          # added | diff_context |"
	" file | nofilter\n"
	"  fail_level: error\n"
	"  max_comments: 25              # the rest go to the"
	" summary, never lost\n"
	"  ignore: [\"vendor/**\", \"**/*.min.js\"]\n"
	"  instructions: \"house rules for the reviewer\"\n"
	"  paths:\n"
	"    - path: \"src/**/*.c\"\n"
	"      instructions: \"check every malloc result\"\n"
	"checks:\n"
	"  rules:                        # extra PCRE2 rules next to"
	" the built-in packs\n"
	"    - id: no-printf-debug\n"
	"      pattern: '\\bprintf\\s*\\(\\s*\"DEBUG'\n"
	"      languages: [c]\n"
	"      severity: warning\n"
	"      message: \"debug print left in\"\n"
	"  linters:\n"
	"    - name: cppcheck\n"
	"      run: \"cppcheck --template=gcc --enable=warning src\"\n"
	"      format: gcc               # gcc | sarif | checkstyle | rdjson\n"
	"models:\n"
	"  providers:\n"
	"    openai:    { kind: openai,    base_url:"
	" \"https://api.openai.com/v1\", api_key_env: OPENAI_API_KEY }\n"
	"    anthropic: { kind: anthropic, base_url:"
	" \"https://api.anthropic.com\", api_key_env: ANTHROPIC_API_KEY }\n"
	"  routes:                       # agent → model; \"auto\""
	" picks by task size\n"
	"    reviewer: anthropic/claude-sonnet-4-5\n"
	"    debug:    openai/gpt-4.1-mini\n"
	"    default:  auto\n"
	"  fallbacks: [openai/gpt-4.1]\n"
	"  prices:                       # USD per million tokens,"
	" for cost reports and budgets\n"
	"    anthropic/claude-sonnet-4-5: { input: 3.0, output: 15.0 }\n"
	"agents:                         # custom agents next to the"
	" built-in ones\n"
	"  - name: security-reviewer\n"
	"    role: \"You review for injection, authz and secrets handling.\"\n"
	"    tools: [read]               # tool groups: read, edit,"
	" command, delegate\n"
	"    model: anthropic/claude-sonnet-4-5\n"
	"sandbox:\n"
	"  test: \"make test\"\n"
	"  timeout: 600\n"
	"  memory_mb: 4096\n"
	"tasks:\n"
	"  label: tend\n"
	"  max_per_run: 3\n"
	"  budget_usd: 2.00\n";

static const char *const env_vars[] = {
	"TEND_REVIEW_FILTER", "TEND_REVIEW_FAIL_LEVEL",
	"TEND_REVIEW_MAX_COMMENTS", "TEND_REVIEW_MAX_FILE_BYTES",
	"TEND_REVIEW_INSTRUCTIONS", "TEND_SANDBOX_TEST", "TEND_SANDBOX_SETUP",
	"TEND_SANDBOX_TIMEOUT", "TEND_SANDBOX_MEMORY_MB", "TEND_SANDBOX_MODE",
	"TEND_TASKS_LABEL", "TEND_TASKS_MAX_PER_RUN", "TEND_TASKS_BUDGET_USD",
	NULL
};

static void clear_env(void)
{
	size_t i;

	for (i = 0; env_vars[i]; i++)
		unsetenv(env_vars[i]);
}

/* 1 when `cfg` holds exactly the defaults. */
static int is_defaults(const struct tend_config *cfg)
{
	return !cfg->path && cfg->review.filter &&
	       !strcmp(cfg->review.filter, "diff_context") &&
	       cfg->review.fail_level &&
	       !strcmp(cfg->review.fail_level, "error") &&
	       cfg->review.max_comments == 25 &&
	       cfg->review.max_file_bytes == 1048576 &&
	       !cfg->review.nr_ignore && !cfg->review.ignore &&
	       !cfg->review.instructions && !cfg->review.nr_paths &&
	       !cfg->checks.nr_rules && !cfg->checks.nr_disable &&
	       !cfg->checks.nr_linters && !cfg->models.nr_providers &&
	       !cfg->models.nr_routes && !cfg->models.nr_fallbacks &&
	       !cfg->models.nr_prices && !cfg->nr_agents &&
	       !cfg->models.embeddings.provider &&
	       !cfg->models.embeddings.model &&
	       !cfg->models.embeddings.dimensions &&
	       !cfg->context.nr_repos && !cfg->context.repos &&
	       !cfg->sandbox.test && !cfg->sandbox.setup &&
	       cfg->sandbox.timeout == 600 && cfg->sandbox.memory_mb == 4096 &&
	       cfg->sandbox.mode == CONFIG_SANDBOX_BWRAP && cfg->tasks.label &&
	       !strcmp(cfg->tasks.label, "tend") &&
	       cfg->tasks.max_per_run == 3 && cfg->tasks.budget_usd == 2.0;
}

/*
 * Parse `yaml` as ".tend.yml"; 1 when it fails with TEND_EINVALID, the
 * message starts with `want` and the config is back to the defaults.
 * Prints what it got otherwise.
 */
static int fails_with(const char *yaml, const char *want)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	int rc, ok;

	config_init(&cfg);
	rc = config_parse(&cfg, yaml, strlen(yaml), ".tend.yml", &err);
	ok = rc == TEND_EINVALID && !strncmp(err.ptr, want, strlen(want)) &&
	     is_defaults(&cfg);
	if (!ok)
		printf("    yaml: %s\n    rc: %d\n    got:  %s\n    want: %s\n",
		       yaml, rc, err.ptr, want);
	config_release(&cfg);
	buf_release(&err);
	return ok;
}

/* Parse `yaml` into `cfg` (initialised here); 1 on success. */
static int parses(struct tend_config *cfg, const char *yaml)
{
	struct buf err = BUF_INIT;
	int rc;

	config_init(cfg);
	rc = config_parse(cfg, yaml, strlen(yaml), ".tend.yml", &err);
	if (rc)
		printf("    yaml: %s\n    rc: %d\n    err: %s\n", yaml, rc,
		       err.ptr);
	buf_release(&err);
	return rc == 0;
}

void test_config__defaults(void)
{
	struct tend_config cfg;

	config_init(&cfg);
	CHECK(is_defaults(&cfg));
	CHECK_STR(cfg.review.filter, "diff_context");
	CHECK_STR(cfg.review.fail_level, "error");
	CHECK_INT(cfg.review.max_comments, 25);
	CHECK_INT(cfg.review.max_file_bytes, 1048576);
	CHECK_INT(cfg.sandbox.timeout, 600);
	CHECK_INT(cfg.sandbox.memory_mb, 4096);
	CHECK_STR(cfg.tasks.label, "tend");
	CHECK_INT(cfg.tasks.max_per_run, 3);
	CHECK(cfg.tasks.budget_usd == 2.0);
	/* Releasing an initialised config is fine and gives the defaults. */
	config_release(&cfg);
	CHECK(is_defaults(&cfg));
	config_release(&cfg);
	CHECK_STR(config_severity_name(1), "note");
	CHECK_STR(config_severity_name(3), "error");
	CHECK(config_severity_name(4) == NULL);
}

void test_config__empty_documents_are_defaults(void)
{
	static const char *const texts[] = {
		"", "\n", "# only a comment\n", "---\n", "---\n...\n", "~\n",
		"review:\n", "review: ~\nchecks:\n"
	};
	struct tend_config cfg;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		CHECK(parses(&cfg, texts[i]));
		CHECK_STR(cfg.path, ".tend.yml");
		free(cfg.path);
		cfg.path = NULL;
		CHECK(is_defaults(&cfg));
		config_release(&cfg);
	}
}

void test_config__design_example(void)
{
	struct tend_config cfg;
	const struct config_rule *r;
	const struct config_linter *l;

	REQUIRE(parses(&cfg, design_example));
	CHECK_STR(cfg.path, ".tend.yml");
	CHECK_STR(cfg.review.filter, "diff_context");
	CHECK_STR(cfg.review.fail_level, "error");
	CHECK_INT(cfg.review.max_comments, 25);
	CHECK_INT(cfg.review.max_file_bytes, 1048576);
	REQUIRE(cfg.review.nr_ignore == 2);
	CHECK_STR(cfg.review.ignore[0], "vendor/**");
	CHECK_STR(cfg.review.ignore[1], "**/*.min.js");
	CHECK_STR(cfg.review.instructions, "house rules for the reviewer");
	REQUIRE(cfg.review.nr_paths == 1);
	CHECK_STR(cfg.review.paths[0].path, "src/**/*.c");
	CHECK_STR(cfg.review.paths[0].instructions,
		  "check every malloc result");

	REQUIRE(cfg.checks.nr_rules == 1);
	r = &cfg.checks.rules[0];
	CHECK_STR(r->id, "no-printf-debug");
	CHECK_STR(r->pattern, "\\bprintf\\s*\\(\\s*\"DEBUG");
	CHECK_STR(r->message, "debug print left in");
	CHECK_INT(r->severity, CONFIG_SEVERITY_WARNING);
	REQUIRE(r->nr_languages == 1);
	CHECK_STR(r->languages[0], "c");
	CHECK_INT(r->nr_paths, 0);
	CHECK_INT(r->line, 12);
	CHECK_INT(r->col, 7);
	CHECK_INT(r->pattern_line, 13);
	CHECK_INT(r->pattern_col, 16);
	CHECK_INT(cfg.checks.nr_disable, 0);
	REQUIRE(cfg.checks.nr_linters == 1);
	l = &cfg.checks.linters[0];
	CHECK_STR(l->name, "cppcheck");
	CHECK_STR(l->run, "cppcheck --template=gcc --enable=warning src");
	CHECK_STR(l->format, "gcc");
	CHECK_INT(l->timeout, 300);
	CHECK_INT(l->line, 18);

	REQUIRE(cfg.models.nr_providers == 2);
	CHECK_STR(cfg.models.providers[0].name, "openai");
	CHECK_STR(cfg.models.providers[0].kind, "openai");
	CHECK_STR(cfg.models.providers[0].base_url,
		  "https://api.openai.com/v1");
	CHECK_STR(cfg.models.providers[0].api_key_env, "OPENAI_API_KEY");
	CHECK_STR(cfg.models.providers[1].name, "anthropic");
	CHECK_STR(cfg.models.providers[1].kind, "anthropic");
	CHECK_STR(cfg.models.providers[1].base_url,
		  "https://api.anthropic.com");
	CHECK_STR(cfg.models.providers[1].api_key_env, "ANTHROPIC_API_KEY");
	REQUIRE(cfg.models.nr_routes == 3);
	CHECK_STR(cfg.models.routes[0].agent, "reviewer");
	CHECK_STR(cfg.models.routes[0].model, "anthropic/claude-sonnet-4-5");
	CHECK_STR(cfg.models.routes[1].agent, "debug");
	CHECK_STR(cfg.models.routes[1].model, "openai/gpt-4.1-mini");
	CHECK_STR(cfg.models.routes[2].agent, "default");
	CHECK_STR(cfg.models.routes[2].model, "auto");
	REQUIRE(cfg.models.nr_fallbacks == 1);
	CHECK_STR(cfg.models.fallbacks[0], "openai/gpt-4.1");
	REQUIRE(cfg.models.nr_prices == 1);
	CHECK_STR(cfg.models.prices[0].model, "anthropic/claude-sonnet-4-5");
	CHECK(cfg.models.prices[0].input == 3.0);
	CHECK(cfg.models.prices[0].output == 15.0);

	REQUIRE(cfg.nr_agents == 1);
	CHECK_STR(cfg.agents[0].name, "security-reviewer");
	CHECK_STR(cfg.agents[0].role,
		  "You review for injection, authz and secrets handling.");
	REQUIRE(cfg.agents[0].nr_tools == 1);
	CHECK_STR(cfg.agents[0].tools[0], "read");
	CHECK_STR(cfg.agents[0].model, "anthropic/claude-sonnet-4-5");
	CHECK_INT(cfg.agents[0].max_steps, 0);

	CHECK_STR(cfg.sandbox.test, "make test");
	CHECK(cfg.sandbox.setup == NULL);
	CHECK_INT(cfg.sandbox.timeout, 600);
	CHECK_INT(cfg.sandbox.memory_mb, 4096);
	CHECK_INT(cfg.sandbox.mode, CONFIG_SANDBOX_BWRAP);
	CHECK_STR(cfg.tasks.label, "tend");
	CHECK_INT(cfg.tasks.max_per_run, 3);
	CHECK(cfg.tasks.budget_usd == 2.0);
	config_release(&cfg);
	CHECK(is_defaults(&cfg));
}

void test_config__other_values(void)
{
	struct tend_config cfg;

	REQUIRE(parses(&cfg,
		"review:\n"
		"  filter: nofilter\n"
		"  fail_level: none\n"
		"  max_comments: 0\n"
		"  max_file_bytes: 2048\n"
		"checks:\n"
		"  disable: [secrets, no-todo]\n"
		"  rules:\n"
		"    - { id: a.b_c-1, pattern: x, severity: note,"
		" paths: ['*.c', '*.h'] }\n"
		"    - { id: e, pattern: y, severity: error }\n"
		"    - { id: w, pattern: z }\n"
		"  linters:\n"
		"    - { name: s, run: r, format: sarif, timeout: 5 }\n"
		"agents:\n"
		"  - name: helper\n"
		"    role: |\n"
		"      Multi-line\n"
		"      role.\n"
		"    tools: [read, edit, read, command, delegate]\n"
		"    max_steps: 40\n"
		"models:\n"
		"  routes: { helper: openrouter/meta/llama-3, code: auto }\n"
		"sandbox:\n"
		"  setup: 'make deps'\n"
		"  mode: bwrap\n"
		"  timeout: 30\n"
		"  memory_mb: 512\n"
		"tasks: { label: 'bot', max_per_run: 0, budget_usd: 0.5 }\n"));
	CHECK_STR(cfg.review.filter, "nofilter");
	CHECK_STR(cfg.review.fail_level, "none");
	CHECK_INT(cfg.review.max_comments, 0);
	CHECK_INT(cfg.review.max_file_bytes, 2048);
	REQUIRE(cfg.checks.nr_disable == 2);
	CHECK_STR(cfg.checks.disable[1], "no-todo");
	REQUIRE(cfg.checks.nr_rules == 3);
	CHECK_INT(cfg.checks.rules[0].severity, 1);
	CHECK_INT(cfg.checks.rules[1].severity, 3);
	CHECK_INT(cfg.checks.rules[2].severity, 2);
	CHECK(cfg.checks.rules[2].message == NULL);
	REQUIRE(cfg.checks.rules[0].nr_paths == 2);
	CHECK_STR(cfg.checks.rules[0].paths[1], "*.h");
	REQUIRE(cfg.checks.nr_linters == 1);
	CHECK_STR(cfg.checks.linters[0].format, "sarif");
	CHECK_INT(cfg.checks.linters[0].timeout, 5);
	REQUIRE(cfg.nr_agents == 1);
	CHECK_STR(cfg.agents[0].role, "Multi-line\nrole.\n");
	CHECK_INT(cfg.agents[0].nr_tools, 4);
	CHECK_INT(cfg.agents[0].max_steps, 40);
	REQUIRE(cfg.models.nr_routes == 2);
	CHECK_STR(cfg.models.routes[0].model, "openrouter/meta/llama-3");
	CHECK_STR(cfg.sandbox.setup, "make deps");
	CHECK_INT(cfg.sandbox.mode, CONFIG_SANDBOX_BWRAP);
	CHECK_INT(cfg.sandbox.timeout, 30);
	CHECK_INT(cfg.sandbox.memory_mb, 512);
	CHECK_STR(cfg.tasks.label, "bot");
	CHECK_INT(cfg.tasks.max_per_run, 0);
	CHECK(cfg.tasks.budget_usd == 0.5);
	config_release(&cfg);
}

void test_config__syntax_error(void)
{
	CHECK(fails_with("review:\n  filter: [a\n",
			 ".tend.yml:3:1: invalid YAML: "));
	CHECK(fails_with("review:\n  filter: a\n bad: x\n",
			 ".tend.yml:3:2: invalid YAML: did not find expected "
			 "key while parsing a block mapping at line 1"));
	CHECK(fails_with("review: \"unterminated\n",
			 ".tend.yml:2:1: invalid YAML: found unexpected end "
			 "of stream"));
	CHECK(fails_with("a: b: c\n", ".tend.yml:1:5: invalid YAML: "));
	CHECK(fails_with("\tfoo: 1\n", ".tend.yml:1:1: invalid YAML: "));
}

void test_config__invalid_utf8(void)
{
	CHECK(fails_with("review:\n  instructions: \"ab\xff\"\n",
			 ".tend.yml:2:20: invalid YAML: "));
	CHECK(fails_with("review:\n  ins\xc3(: x\n",
			 ".tend.yml:2:7: invalid YAML: "));
	/* Valid UTF-8 (and a BOM) is fine. */
	{
		struct tend_config cfg;

		CHECK(parses(&cfg, "\xef\xbb\xbfreview:\n  instructions: "
			     "\"caf\xc3\xa9 \xe2\x86\x92\"\n"));
		CHECK_STR(cfg.review.instructions, "caf\xc3\xa9 \xe2\x86\x92");
		config_release(&cfg);
	}
}

void test_config__nul_bytes(void)
{
	static const char text[] = "review:\n  filter: a\0b\n";
	struct tend_config cfg;
	struct buf err = BUF_INIT;

	config_init(&cfg);
	CHECK_INT(config_parse(&cfg, text, sizeof(text) - 1, "x.yml", &err),
		  TEND_EINVALID);
	CHECK(!strncmp(err.ptr, "x.yml:2:", 8));
	CHECK(is_defaults(&cfg));
	CHECK(fails_with("review:\n  instructions: \"a\\0b\"\n",
			 ".tend.yml:2:17: strings must not contain NUL "
			 "characters"));
	buf_release(&err);
	config_release(&cfg);
}

void test_config__unknown_keys(void)
{
	CHECK(fails_with("review:\n  fliter: added\n",
			 ".tend.yml:2:3: unknown key 'fliter' in 'review' "
			 "(did you mean 'filter'?)"));
	CHECK(fails_with("reveiw:\n  filter: added\n",
			 ".tend.yml:1:1: unknown key 'reveiw' at the top "
			 "(did you mean 'review'?)"));
	CHECK(fails_with("sandbox:\n  zzz: 1\n",
			 ".tend.yml:2:3: unknown key 'zzz' in 'sandbox' "
			 "(known keys: test, setup, timeout, memory_mb, "
			 "mode)"));
	CHECK(fails_with("checks:\n  rules:\n    - id: a\n      pattern: b\n"
			 "      sevrity: note\n",
			 ".tend.yml:5:7: unknown key 'sevrity' in "
			 "'checks.rules' (did you mean 'severity'?)"));
	CHECK(fails_with("models:\n  providers:\n    p: { kind: openai, "
			 "api_key: X }\n",
			 ".tend.yml:3:24: unknown key 'api_key' in "
			 "'models.providers.p' (did you mean "
			 "'api_key_env'?)"));
	CHECK(fails_with("models:\n  routes:\n    reviwer: a/b\n",
			 ".tend.yml:3:5: unknown agent 'reviwer' in "
			 "'models.routes' (did you mean 'reviewer'?)"));
	CHECK(fails_with("agents:\n  - { name: sec, role: r }\nmodels:\n"
			 "  routes: { sex: a/b }\n",
			 ".tend.yml:4:13: unknown agent 'sex' in "
			 "'models.routes' (did you mean 'sec'?)"));
	CHECK(fails_with("models:\n  routes: { zzzzzz: a/b }\n",
			 ".tend.yml:2:13: unknown agent 'zzzzzz' in "
			 "'models.routes' (built-in agents: "));
	CHECK(fails_with("? [a]\n: 1\n",
			 ".tend.yml:1:3: expected a name as key, not a list"));
}

void test_config__wrong_types(void)
{
	CHECK(fails_with("review:\n  ignore: \"vendor/**\"\n",
			 ".tend.yml:2:11: expected a list of strings for "
			 "'review.ignore', not 'vendor/**'"));
	CHECK(fails_with("review:\n  ignore: [a, {b: c}]\n",
			 ".tend.yml:2:15: expected a list of strings for "
			 "'review.ignore', but an item is a mapping"));
	CHECK(fails_with("review:\n  filter: { a: b }\n",
			 ".tend.yml:2:11: expected a string for "
			 "'review.filter', not a mapping"));
	CHECK(fails_with("review:\n  filter:\n    - added\n",
			 ".tend.yml:3:5: expected a string for "
			 "'review.filter', not a list"));
	CHECK(fails_with("review: added\n",
			 ".tend.yml:1:9: expected a mapping for 'review', "
			 "not 'added'"));
	CHECK(fails_with("- review\n",
			 ".tend.yml:1:1: expected a mapping of settings at "
			 "the top, not a list"));
	CHECK(fails_with("just text\n",
			 ".tend.yml:1:1: expected a mapping of settings at "
			 "the top, not 'just text'"));
	CHECK(fails_with("checks:\n  rules: { id: a }\n",
			 ".tend.yml:2:10: expected a list of mappings for "
			 "'checks.rules', not a mapping"));
	CHECK(fails_with("checks:\n  rules:\n    - no-printf\n",
			 ".tend.yml:3:7: expected a list of mappings for "
			 "'checks.rules', but an item is 'no-printf'"));
	CHECK(fails_with("agents:\n  - { name: a, role: r, tools: read }\n",
			 ".tend.yml:2:32: expected a list of tool groups for "
			 "'agents.tools', not 'read'"));
	CHECK(fails_with("models:\n  prices:\n    a/b: 3\n",
			 ".tend.yml:3:10: expected a mapping for "
			 "'models.prices.a/b', not '3'"));
	CHECK(fails_with("models:\n  routes:\n    reviewer:\n",
			 ".tend.yml:3:14: expected a string for "
			 "'models.routes.reviewer', not an empty value"));
}

void test_config__bad_values(void)
{
	CHECK(fails_with("review:\n  filter: lines\n",
			 ".tend.yml:2:11: 'review.filter' must be one of "
			 "added, diff_context, file, nofilter, not 'lines'"));
	CHECK(fails_with("review:\n  fail_level: fatal\n",
			 ".tend.yml:2:15: 'review.fail_level' must be one of "
			 "none, note, warning, error, not 'fatal'"));
	CHECK(fails_with("review:\n  max_comments: -1\n",
			 ".tend.yml:2:17: 'review.max_comments' must be 0 or "
			 "more, not '-1'"));
	CHECK(fails_with("review:\n  max_comments: 2.5\n",
			 ".tend.yml:2:17: 'review.max_comments' must be a "
			 "whole number, not '2.5'"));
	CHECK(fails_with("review:\n  max_comments: ' 3'\n",
			 ".tend.yml:2:17: 'review.max_comments' must be a "
			 "whole number, not ' 3'"));
	CHECK(fails_with("review:\n  max_comments: 99999999999999999999999\n",
			 ".tend.yml:2:17: 'review.max_comments' must be a "
			 "smaller whole number"));
	CHECK(fails_with("review:\n  max_file_bytes: 0\n",
			 ".tend.yml:2:19: 'review.max_file_bytes' must be 1 "
			 "or more, not '0'"));
	CHECK(fails_with("sandbox:\n  timeout: 10s\n",
			 ".tend.yml:2:12: 'sandbox.timeout' must be a whole "
			 "number, not '10s'"));
	CHECK(fails_with("sandbox:\n  mode: docker\n",
			 ".tend.yml:2:9: 'sandbox.mode' must be one of "
			 "bwrap, none, not 'docker'"));
	CHECK(fails_with("tasks:\n  budget_usd: -2\n",
			 ".tend.yml:2:15: 'tasks.budget_usd' must be 0 or "
			 "more, not '-2'"));
	CHECK(fails_with("tasks:\n  budget_usd: .inf\n",
			 ".tend.yml:2:15: 'tasks.budget_usd' must be a "
			 "number, not '.inf'"));
	CHECK(fails_with("tasks:\n  budget_usd: 0x10\n",
			 ".tend.yml:2:15: 'tasks.budget_usd' must be a "
			 "number, not '0x10'"));
	CHECK(fails_with("tasks:\n  label: ''\n",
			 ".tend.yml:2:10: 'tasks.label' must not be empty"));
	CHECK(fails_with("agents:\n  - { name: a, role: r, tools: [read, "
			 "write] }\n",
			 ".tend.yml:2:39: 'agents.tools' must be one of read, "
			 "edit, command, delegate, not 'write'"));
	CHECK(fails_with("agents:\n  - { name: a, role: r, max_steps: 0 }\n",
			 ".tend.yml:2:36: 'agents.max_steps' must be 1 or "
			 "more, not '0'"));
	CHECK(fails_with("agents:\n  - { name: a, role: r, model: gpt }\n",
			 ".tend.yml:2:32: 'agents.model' must be "
			 "\"provider/model\" or \"auto\", not 'gpt'"));
	CHECK(fails_with("agents:\n  - { name: 'a b', role: r }\n",
			 ".tend.yml:2:13: 'agents.name' must be letters, "
			 "digits, '.', '_' and '-', not 'a b'"));
	CHECK(fails_with("agents:\n  - { name: a }\n",
			 ".tend.yml:2:5: an entry in 'agents' has no "
			 "'role'"));
	CHECK(fails_with("agents:\n  - { name: a, role: r }\n"
			 "  - { name: a, role: s }\n",
			 ".tend.yml:3:13: duplicate agent name 'a' (first at "
			 "line 2)"));
	CHECK(fails_with("models:\n  routes: { debug: gpt-4 }\n",
			 ".tend.yml:2:20: 'models.routes.debug' must be "
			 "\"provider/model\" or \"auto\", not 'gpt-4'"));
	CHECK(fails_with("models:\n  fallbacks: [a/b, auto]\n",
			 ".tend.yml:2:20: 'models.fallbacks' must be "
			 "\"provider/model\", not 'auto'"));
	CHECK(fails_with("models:\n  providers:\n    p: { kind: mistral }\n",
			 ".tend.yml:3:16: 'models.providers.p.kind' must be "
			 "one of openai, anthropic, not 'mistral'"));
	CHECK(fails_with("models:\n  providers:\n    p: { base_url: x }\n",
			 ".tend.yml:3:8: 'models.providers.p' needs 'kind'"));
	CHECK(fails_with("models:\n  providers:\n    'a/b': { kind: openai }\n",
			 ".tend.yml:3:5: provider name 'a/b' must be"));
	CHECK(fails_with("models:\n  providers:\n    p: { kind: openai, "
			 "base_url: 'api.example.com' }\n",
			 ".tend.yml:3:34: 'models.providers.p.base_url' must "
			 "be an http:// or https:// URL"));
	CHECK(fails_with("models:\n  prices:\n    a/b: { input: 1 }\n",
			 ".tend.yml:3:10: 'models.prices.a/b' needs both "
			 "'input' and 'output'"));
	CHECK(fails_with("models:\n  prices:\n    a/b: { input: 1, output: "
			 "x }\n",
			 ".tend.yml:3:30: 'models.prices.a/b.output' must be "
			 "a number, not 'x'"));
	CHECK(fails_with("review:\n  paths:\n    - path: 'src/**'\n",
			 ".tend.yml:3:7: an entry in 'review.paths' has no "
			 "'instructions'"));
}

void test_config__api_key_is_not_echoed(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	const char *yaml = "models:\n  providers:\n    openai:\n"
			   "      kind: openai\n"
			   "      api_key_env: sk-proj-abc123secret\n";

	config_init(&cfg);
	CHECK_INT(config_parse(&cfg, yaml, strlen(yaml), ".tend.yml", &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, ".tend.yml:5:20: 'models.providers.openai."
		  "api_key_env' must be the name of an environment variable "
		  "(like OPENAI_API_KEY), not a key or other text");
	CHECK(!strstr(err.ptr, "secret"));
	buf_release(&err);
	config_release(&cfg);
}

void test_config__severity_names(void)
{
	CHECK(fails_with("checks:\n  rules:\n    - id: a\n      pattern: b\n"
			 "      severity: critical\n",
			 ".tend.yml:5:17: 'checks.rules.severity' must be one "
			 "of note, warning, error, not 'critical'"));
	CHECK(fails_with("checks:\n  rules:\n    - id: a\n      pattern: b\n"
			 "      severity: 3\n",
			 ".tend.yml:5:17: 'checks.rules.severity' must be one "
			 "of note, warning, error, not '3'"));
}

void test_config__rules_need_id_and_pattern(void)
{
	CHECK(fails_with("checks:\n  rules:\n    - pattern: x\n",
			 ".tend.yml:3:7: an entry in 'checks.rules' has no "
			 "'id'"));
	CHECK(fails_with("checks:\n  rules:\n    - id: x\n",
			 ".tend.yml:3:7: an entry in 'checks.rules' has no "
			 "'pattern'"));
	CHECK(fails_with("checks:\n  rules:\n    - id: x\n      pattern:\n",
			 ".tend.yml:3:7: an entry in 'checks.rules' has no "
			 "'pattern'"));
	CHECK(fails_with("checks:\n  rules:\n    - id: x\n      pattern: ''\n",
			 ".tend.yml:4:16: 'checks.rules.pattern' must not be "
			 "empty"));
	CHECK(fails_with("checks:\n  rules:\n    - id: 'no printf'\n"
			 "      pattern: x\n",
			 ".tend.yml:3:11: 'checks.rules.id' must be letters, "
			 "digits, '.', '_' and '-', not 'no printf'"));
	CHECK(fails_with("checks:\n  rules:\n"
			 "    - { id: a, pattern: x }\n"
			 "    - { id: b, pattern: x }\n"
			 "    - { id: a, pattern: y }\n"
			 "    - { id: b, pattern: y }\n",
			 ".tend.yml:5:13: duplicate rule id 'a' (first at "
			 "line 3)"));
}

void test_config__linters(void)
{
	CHECK(fails_with("checks:\n  linters:\n    - { name: a, run: b, "
			 "format: json }\n",
			 ".tend.yml:3:34: 'checks.linters.format' must be one "
			 "of gcc, sarif, checkstyle, rdjson, not 'json'"));
	CHECK(fails_with("checks:\n  linters:\n    - { name: a, run: b }\n",
			 ".tend.yml:3:7: an entry in 'checks.linters' has no "
			 "'format'"));
	CHECK(fails_with("checks:\n  linters:\n"
			 "    - { name: a, format: gcc }\n",
			 ".tend.yml:3:7: an entry in 'checks.linters' has no "
			 "'run'"));
	CHECK(fails_with("checks:\n  linters:\n"
			 "    - { name: a, run: b, format: gcc }\n"
			 "    - { name: a, run: c, format: gcc }\n",
			 ".tend.yml:4:15: duplicate linter name 'a' (first "
			 "at line 3)"));
	CHECK(fails_with("checks:\n  linters:\n    - { name: a, run: b, "
			 "format: gcc, timeout: -5 }\n",
			 ".tend.yml:3:48: 'checks.linters.timeout' must be 1 "
			 "or more, not '-5'"));
}

void test_config__duplicate_keys(void)
{
	CHECK(fails_with("review:\n  filter: added\n  max_comments: 3\n"
			 "  filter: file\n",
			 ".tend.yml:4:3: duplicate key 'filter' in 'review' "
			 "(first at line 2)"));
	CHECK(fails_with("review: {}\nsandbox: {}\nreview: {}\n",
			 ".tend.yml:3:1: duplicate key 'review' (first at "
			 "line 1)"));
	CHECK(fails_with("models:\n  providers:\n    a: { kind: openai }\n"
			 "    a: { kind: anthropic }\n",
			 ".tend.yml:4:5: duplicate key 'a' in "
			 "'models.providers' (first at line 3)"));
	CHECK(fails_with("models:\n  routes:\n    debug: a/b\n"
			 "    debug: a/c\n",
			 ".tend.yml:4:5: duplicate key 'debug' in "
			 "'models.routes' (first at line 3)"));
}

void test_config__aliases_are_rejected(void)
{
	CHECK(fails_with("review:\n  filter: &f added\n  fail_level: *f\n",
			 ".tend.yml:3:15: aliases are not supported ('*f'); "
			 "write the value out instead"));
	CHECK(fails_with("a: &a [x, x, x, x, x, x, x, x, x]\n"
			 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			 "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
			 ".tend.yml:2:8: aliases are not supported ('*a')"));
	CHECK(fails_with("base: &base { filter: added }\n"
			 "review:\n  <<: *base\n",
			 ".tend.yml:3:7: aliases are not supported"));
	/* An anchor that nothing refers to is harmless. */
	{
		struct tend_config cfg;

		CHECK(parses(&cfg, "review: &r\n  filter: file\n"));
		CHECK_STR(cfg.review.filter, "file");
		config_release(&cfg);
	}
}

void test_config__one_document_only(void)
{
	CHECK(fails_with("review: {}\n---\nreview: {}\n",
			 ".tend.yml:2:1: a second YAML document; the config "
			 "must be one document"));
	CHECK(fails_with("---\nreview: {}\n...\n---\n",
			 ".tend.yml:4:1: a second YAML document"));
}

void test_config__limits(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT, text = BUF_INIT;
	size_t i;

	/* Too big. */
	buf_puts(&text, "review:\n  instructions: \"");
	while (text.len <= CONFIG_MAX_BYTES)
		buf_puts(&text, "0123456789abcdef");
	buf_puts(&text, "\"\n");
	config_init(&cfg);
	CHECK_INT(config_parse(&cfg, text.ptr, text.len, "big.yml", &err),
		  TEND_EINVALID);
	CHECK(!strncmp(err.ptr, "big.yml: config is too big", 26));
	CHECK(is_defaults(&cfg));

	/* Too deep. */
	buf_reset(&text);
	for (i = 0; i < 40; i++)
		buf_putc(&text, '[');
	for (i = 0; i < 40; i++)
		buf_putc(&text, ']');
	CHECK(fails_with(text.ptr, ".tend.yml:1:33: values nested too "
			 "deeply (over 32 levels)"));

	/* Too many values. */
	buf_sets(&text, "review:\n  ignore: [");
	for (i = 0; i < 60000; i++)
		buf_puts(&text, "a,");
	buf_puts(&text, "a]\n");
	CHECK(fails_with(text.ptr, ".tend.yml:2:100002: too many values "
			 "(more than 50000)"));

	buf_release(&text);
	buf_release(&err);
	config_release(&cfg);
}

void test_config__null_keeps_and_lists_replace(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	const char *second = "review:\n  filter:\n  ignore: [c]\n";

	REQUIRE(parses(&cfg, "review:\n  filter: file\n  ignore: [a, b]\n"
		       "  instructions: ~\n"));
	CHECK_STR(cfg.review.filter, "file");
	CHECK(cfg.review.instructions == NULL);
	CHECK_INT(config_parse(&cfg, second, strlen(second), "2.yml", &err),
		  0);
	CHECK_STR(cfg.path, "2.yml");
	CHECK_STR(cfg.review.filter, "file");
	REQUIRE(cfg.review.nr_ignore == 1);
	CHECK_STR(cfg.review.ignore[0], "c");
	/* Quoted empty and quoted "null" are strings, not "unset". */
	config_release(&cfg);
	REQUIRE(parses(&cfg, "review:\n  instructions: 'null'\n"
		       "sandbox:\n  test: \"\"\n"));
	CHECK_STR(cfg.review.instructions, "null");
	CHECK_STR(cfg.sandbox.test, "");
	config_release(&cfg);
	buf_release(&err);
}

void test_config__release_on_error(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	const char *bad = "review:\n  filter: added\n  max_comments: x\n";

	REQUIRE(parses(&cfg, design_example));
	CHECK(cfg.checks.nr_rules == 1);
	/* A failing parse on top of a full config leaves only defaults. */
	CHECK_INT(config_parse(&cfg, bad, strlen(bad), ".tend.yml", &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, ".tend.yml:3:17: 'review.max_comments' must be a "
		  "whole number, not 'x'");
	CHECK(is_defaults(&cfg));
	/* The error is replaced, not appended to, and untouched on success. */
	CHECK_INT(config_parse(&cfg, "a: b", 4, "n.yml", &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "n.yml:1:1: unknown key 'a' at the top (known "
		  "keys: review, checks, models, agents, sandbox, tasks, fix, "
		  "chatops, notify, context)");
	CHECK_INT(config_parse(&cfg, "", 0, "n.yml", &err), 0);
	CHECK(!strncmp(err.ptr, "n.yml:1:1: unknown key 'a'", 26));
	/* A NULL err is allowed. */
	CHECK_INT(config_parse(&cfg, "a: b", 4, "n.yml", NULL),
		  TEND_EINVALID);
	CHECK(is_defaults(&cfg));
	config_release(&cfg);
	buf_release(&err);
}

void test_config__load_file(void)
{
	const char *dir = test_tmpdir();
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	char path[1024];

	snprintf(path, sizeof(path), "%s/cfg.yml", dir);
	REQUIRE(test_write(path, design_example, strlen(design_example)) == 0);
	config_init(&cfg);
	CHECK_INT(config_load_file(&cfg, path, &err), 0);
	CHECK_STR(cfg.path, path);
	CHECK_INT(cfg.checks.nr_rules, 1);
	config_release(&cfg);

	snprintf(path, sizeof(path), "%s/missing.yml", dir);
	CHECK_INT(config_load_file(&cfg, path, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "missing.yml") != NULL);
	CHECK(is_defaults(&cfg));

	snprintf(path, sizeof(path), "%s/bad.yml", dir);
	REQUIRE(test_write(path, "tasks:\n  label: [x]\n", 20) == 0);
	CHECK_INT(config_load_file(&cfg, path, &err), TEND_EINVALID);
	CHECK(!strncmp(err.ptr, path, strlen(path)));
	CHECK(strstr(err.ptr, ".yml:2:10: expected a string for "
			      "'tasks.label', not a list") != NULL);
	CHECK(is_defaults(&cfg));
	config_release(&cfg);
	buf_release(&err);
}

void test_config__load_file_too_big(void)
{
	const char *dir = test_tmpdir();
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	char path[1024];
	char *data;

	snprintf(path, sizeof(path), "%s/big.yml", dir);
	data = malloc(CONFIG_MAX_BYTES + 1);
	REQUIRE(data != NULL);
	memset(data, '#', CONFIG_MAX_BYTES + 1);
	REQUIRE(test_write(path, data, CONFIG_MAX_BYTES + 1) == 0);
	free(data);
	config_init(&cfg);
	CHECK_INT(config_load_file(&cfg, path, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "config is too big") != NULL);
	CHECK(is_defaults(&cfg));
	buf_release(&err);
}

void test_config__discover_order(void)
{
	const char *dir = test_tmpdir();
	struct buf err = BUF_INIT;
	char *found = NULL;
	char want[1024];

	CHECK_INT(config_discover(&found, dir, &err), TEND_ENOTFOUND);
	CHECK(found == NULL);
	CHECK(strstr(err.ptr, ".tend.yml") != NULL);
	buf_reset(&err);

	REQUIRE(test_sh("mkdir -p '%s/.github' '%s/.gitlab' '%s/.tend.yml.d'",
			dir, dir, dir) == 0);
	snprintf(want, sizeof(want), "%s/.gitlab/tend.yml", dir);
	REQUIRE(test_write(want, "", 0) == 0);
	CHECK_INT(config_discover(&found, dir, &err), 0);
	CHECK_STR(found, want);
	free(found);

	snprintf(want, sizeof(want), "%s/.github/tend.yml", dir);
	REQUIRE(test_write(want, "", 0) == 0);
	CHECK_INT(config_discover(&found, dir, &err), 0);
	CHECK_STR(found, want);
	free(found);

	snprintf(want, sizeof(want), "%s/.tend.yaml", dir);
	REQUIRE(test_write(want, "", 0) == 0);
	CHECK_INT(config_discover(&found, dir, &err), 0);
	CHECK_STR(found, want);
	free(found);

	/*
	 * A directory of that name is an error: the user meant to configure
	 * tend, and silently using another file or the defaults would hide it.
	 */
	REQUIRE(test_sh("mkdir '%s/.tend.yml'", dir) == 0);
	found = NULL;
	CHECK_INT(config_discover(&found, dir, &err), TEND_EINVALID);
	CHECK(found == NULL);
	buf_reset(&err);
	REQUIRE(test_sh("rmdir '%s/.tend.yml'", dir) == 0);

	snprintf(want, sizeof(want), "%s/.tend.yml", dir);
	REQUIRE(test_write(want, "", 0) == 0);
	CHECK_INT(config_discover(&found, dir, &err), 0);
	CHECK_STR(found, want);
	free(found);
	CHECK_INT(err.len, 0);
	buf_release(&err);
}

void test_config__env_overrides(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;

	clear_env();
	config_init(&cfg);
	setenv("TEND_REVIEW_FILTER", "added", 1);
	setenv("TEND_REVIEW_FAIL_LEVEL", "warning", 1);
	setenv("TEND_REVIEW_MAX_COMMENTS", "7", 1);
	setenv("TEND_REVIEW_MAX_FILE_BYTES", "4096", 1);
	setenv("TEND_REVIEW_INSTRUCTIONS", "be brief", 1);
	setenv("TEND_SANDBOX_TEST", "make check", 1);
	setenv("TEND_SANDBOX_SETUP", "./configure", 1);
	setenv("TEND_SANDBOX_TIMEOUT", "60", 1);
	setenv("TEND_SANDBOX_MEMORY_MB", "1024", 1);
	setenv("TEND_SANDBOX_MODE", "none", 1);
	setenv("TEND_TASKS_LABEL", "bot", 1);
	setenv("TEND_TASKS_MAX_PER_RUN", "1", 1);
	setenv("TEND_TASKS_BUDGET_USD", "0.25", 1);
	CHECK_INT(config_apply_env(&cfg, &err), 0);
	CHECK_STR(cfg.review.filter, "added");
	CHECK_STR(cfg.review.fail_level, "warning");
	CHECK_INT(cfg.review.max_comments, 7);
	CHECK_INT(cfg.review.max_file_bytes, 4096);
	CHECK_STR(cfg.review.instructions, "be brief");
	CHECK_STR(cfg.sandbox.test, "make check");
	CHECK_STR(cfg.sandbox.setup, "./configure");
	CHECK_INT(cfg.sandbox.timeout, 60);
	CHECK_INT(cfg.sandbox.memory_mb, 1024);
	CHECK_INT(cfg.sandbox.mode, CONFIG_SANDBOX_NONE);
	CHECK_STR(cfg.tasks.label, "bot");
	CHECK_INT(cfg.tasks.max_per_run, 1);
	CHECK(cfg.tasks.budget_usd == 0.25);
	CHECK_INT(err.len, 0);
	/* Applied twice: replaced, not leaked. */
	CHECK_INT(config_apply_env(&cfg, &err), 0);
	config_release(&cfg);

	/* Empty counts as unset. */
	clear_env();
	setenv("TEND_REVIEW_FILTER", "", 1);
	setenv("TEND_TASKS_LABEL", "", 1);
	CHECK_INT(config_apply_env(&cfg, &err), 0);
	CHECK(is_defaults(&cfg));
	clear_env();
	config_release(&cfg);
	buf_release(&err);
}

static int env_fails_with(const char *var, const char *value,
			  const char *want)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	int rc, ok;

	clear_env();
	config_init(&cfg);
	/* Something to lose, so the reset is visible. */
	setenv("TEND_SANDBOX_TEST", "make", 1);
	setenv(var, value, 1);
	rc = config_apply_env(&cfg, &err);
	ok = rc == TEND_EINVALID && !strcmp(err.ptr, want) &&
	     is_defaults(&cfg);
	if (!ok)
		printf("    %s=%s\n    rc: %d\n    got:  %s\n    want: %s\n",
		       var, value, rc, err.ptr, want);
	clear_env();
	config_release(&cfg);
	buf_release(&err);
	return ok;
}

void test_config__env_bad_values(void)
{
	CHECK(env_fails_with("TEND_REVIEW_MAX_COMMENTS", "x",
			     "TEND_REVIEW_MAX_COMMENTS: expected a whole "
			     "number, not 'x'"));
	CHECK(env_fails_with("TEND_REVIEW_MAX_COMMENTS", "-3",
			     "TEND_REVIEW_MAX_COMMENTS: expected 0 or more, "
			     "not '-3'"));
	CHECK(env_fails_with("TEND_REVIEW_FILTER", "lines",
			     "TEND_REVIEW_FILTER: expected one of added, "
			     "diff_context, file, nofilter, not 'lines'"));
	CHECK(env_fails_with("TEND_REVIEW_FAIL_LEVEL", "ERROR",
			     "TEND_REVIEW_FAIL_LEVEL: expected one of none, "
			     "note, warning, error, not 'ERROR'"));
	CHECK(env_fails_with("TEND_REVIEW_MAX_FILE_BYTES", "1e6",
			     "TEND_REVIEW_MAX_FILE_BYTES: expected a whole "
			     "number, not '1e6'"));
	CHECK(env_fails_with("TEND_SANDBOX_TIMEOUT", "0",
			     "TEND_SANDBOX_TIMEOUT: expected 1 or more, not "
			     "'0'"));
	CHECK(env_fails_with("TEND_SANDBOX_MEMORY_MB", "4G",
			     "TEND_SANDBOX_MEMORY_MB: expected a whole number, "
			     "not '4G'"));
	CHECK(env_fails_with("TEND_SANDBOX_MODE", "docker",
			     "TEND_SANDBOX_MODE: expected one of bwrap, none, "
			     "not 'docker'"));
	CHECK(env_fails_with("TEND_TASKS_MAX_PER_RUN", "3 ",
			     "TEND_TASKS_MAX_PER_RUN: expected a whole number, "
			     "not '3 '"));
	CHECK(env_fails_with("TEND_TASKS_BUDGET_USD", "$2",
			     "TEND_TASKS_BUDGET_USD: expected a number, not "
			     "'$2'"));
	CHECK(env_fails_with("TEND_TASKS_BUDGET_USD", "nan",
			     "TEND_TASKS_BUDGET_USD: expected a number, not "
			     "'nan'"));
	CHECK(env_fails_with("TEND_REVIEW_FILTER", "a\nb",
			     "TEND_REVIEW_FILTER: expected one of added, "
			     "diff_context, file, nofilter, not 'a?b'"));
}

void test_config__load_sequence(void)
{
	const char *dir = test_tmpdir();
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	char path[1024];

	clear_env();
	/* Nothing to discover: defaults, no error. */
	CHECK_INT(config_load(&cfg, dir, NULL, &err), 0);
	CHECK(is_defaults(&cfg));
	CHECK_INT(err.len, 0);
	config_release(&cfg);

	/* Discovered file, then the environment on top. */
	snprintf(path, sizeof(path), "%s/.github", dir);
	REQUIRE(test_sh("mkdir -p '%s'", path) == 0);
	snprintf(path, sizeof(path), "%s/.github/tend.yml", dir);
	REQUIRE(test_write(path, "review:\n  filter: file\n"
			   "  max_comments: 9\n", 39) == 0);
	setenv("TEND_REVIEW_MAX_COMMENTS", "4", 1);
	CHECK_INT(config_load(&cfg, dir, NULL, &err), 0);
	CHECK_STR(cfg.path, path);
	CHECK_STR(cfg.review.filter, "file");
	CHECK_INT(cfg.review.max_comments, 4);
	config_release(&cfg);

	/* A bad environment value fails the load and leaves defaults. */
	setenv("TEND_REVIEW_MAX_COMMENTS", "many", 1);
	CHECK_INT(config_load(&cfg, dir, NULL, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "TEND_REVIEW_MAX_COMMENTS: expected a whole "
		  "number, not 'many'");
	CHECK(is_defaults(&cfg));
	clear_env();

	/* An explicit path wins over discovery and must exist. */
	snprintf(path, sizeof(path), "%s/other.yml", dir);
	REQUIRE(test_write(path, "tasks:\n  label: x\n", 17) == 0);
	CHECK_INT(config_load(&cfg, dir, path, &err), 0);
	CHECK_STR(cfg.tasks.label, "x");
	CHECK_STR(cfg.review.filter, "diff_context");
	config_release(&cfg);
	snprintf(path, sizeof(path), "%s/nope.yml", dir);
	CHECK_INT(config_load(&cfg, dir, path, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "nope.yml") != NULL);
	CHECK(is_defaults(&cfg));

	/* A broken discovered file is an error with its position. */
	snprintf(path, sizeof(path), "%s/.tend.yml", dir);
	REQUIRE(test_write(path, "review:\n  fliter: x\n", 20) == 0);
	CHECK_INT(config_load(&cfg, dir, NULL, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "/.tend.yml:2:3: unknown key 'fliter' in "
			      "'review' (did you mean 'filter'?)") != NULL);
	CHECK(is_defaults(&cfg));
	config_release(&cfg);
	buf_release(&err);
}

void test_config__discover_refuses_a_directory(void)
{
	const char *dir = test_tmpdir();
	struct buf err = BUF_INIT;
	char *found = NULL;

	REQUIRE(test_sh("mkdir '%s/.tend.yml'", dir) == 0);
	CHECK(config_discover(&found, dir, &err) == TEND_EINVALID);
	CHECK(found == NULL);
	CHECK(strstr(err.ptr, "not a regular file") != NULL);
	buf_release(&err);
}

void test_config__structural_queries(void)
{
	static const char yml[] =
		"checks:\n"
		"  queries:\n"
		"    - id: no-goto\n"
		"      language: c\n"
		"      query: '(goto_statement) @g'\n"
		"      severity: error\n"
		"      message: \"no goto\"\n"
		"    - id: from-file\n"
		"      language: python\n"
		"      query_file: checks/x.scm\n";
	static const char both[] =
		"checks:\n"
		"  queries:\n"
		"    - id: q\n"
		"      language: c\n"
		"      query: '(x) @x'\n"
		"      query_file: a.scm\n";
	struct tend_config cfg;
	struct buf err = BUF_INIT;

	config_init(&cfg);
	REQUIRE(config_parse(&cfg, yml, sizeof(yml) - 1, ".tend.yml", &err) == 0);
	REQUIRE(cfg.checks.nr_queries == 2);
	CHECK_STR(cfg.checks.queries[0].id, "no-goto");
	CHECK_STR(cfg.checks.queries[0].query, "(goto_statement) @g");
	CHECK_INT(cfg.checks.queries[0].severity, 3);
	CHECK_INT(cfg.checks.queries[0].line, 3);
	CHECK_STR(cfg.checks.queries[1].query_file, "checks/x.scm");
	CHECK(cfg.checks.queries[1].query == NULL);
	CHECK_INT(cfg.checks.queries[1].severity, 2);
	config_release(&cfg);

	config_init(&cfg);
	CHECK(config_parse(&cfg, both, sizeof(both) - 1, ".tend.yml", &err) ==
	      TEND_EINVALID);
	CHECK(strstr(err.ptr, ".tend.yml:3:7:") != NULL);
	CHECK(strstr(err.ptr, "exactly one of 'query' and 'query_file'") != NULL);
	CHECK(cfg.checks.nr_queries == 0);
	config_release(&cfg);
	buf_release(&err);
}

/* `auto` picks between the fast and strong routes, which name models. */
void test_config__fast_and_strong_routes(void)
{
	struct tend_config cfg;

	CHECK(parses(&cfg, "models:\n  routes:\n    fast: openai/gpt-4.1-mini\n"
		     "    strong: anthropic/claude-sonnet-4-5\n"
		     "    default: auto\n"));
	CHECK_INT(cfg.models.nr_routes, 3);
	if (cfg.models.nr_routes == 3) {
		CHECK_STR(cfg.models.routes[0].agent, "fast");
		CHECK_STR(cfg.models.routes[1].model,
			  "anthropic/claude-sonnet-4-5");
	}
	config_release(&cfg);
	CHECK(fails_with("models:\n  routes:\n    strong: auto\n",
			 ".tend.yml:3:13: 'models.routes.strong' must be "
			 "\"provider/model\""));
}

/*
 * A file cannot turn the sandbox off: the code under test ships it. Only
 * the job's environment can (TEND_SANDBOX_MODE).
 */
void test_config__sandbox_none_not_from_file(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	static const char text[] = "sandbox:\n  mode: none\n";

	config_init(&cfg);
	CHECK_INT(config_parse(&cfg, text, strlen(text), ".tend.yml", &err),
		  TEND_EINVALID);
	CHECK(!strncmp(err.ptr, ".tend.yml:2:9: 'sandbox.mode: none' is not "
		       "accepted from a file", 54));
	CHECK(strstr(err.ptr, "TEND_SANDBOX_MODE=none") != NULL);
	CHECK_INT(cfg.sandbox.mode, CONFIG_SANDBOX_BWRAP);
	buf_release(&err);
}

/*
 * Finding 7 of the security review: a repository whose .tend.yml is a
 * link to a file of secrets must not get one quoted in an error message.
 * No link is followed: not the file, not a directory on its way, not an
 * explicit --config.
 */
void test_config__links_are_not_followed(void)
{
	const char *dir = test_tmpdir();
	struct tend_config cfg;
	struct buf err = BUF_INIT, text = BUF_INIT;
	char path[1024];

	REQUIRE(test_sh("mkdir -p '%s/out' '%s/repo' && "
			"printf 'SECRET=canary-link-5a4b3c2d1e\\n' "
			">'%s/out/secrets' && "
			"ln -s ../out/secrets '%s/repo/.tend.yml'",
			dir, dir, dir, dir) == 0);
	snprintf(path, sizeof(path), "%s/repo", dir);
	config_init(&cfg);
	CHECK_INT(config_load(&cfg, path, NULL, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "symbolic link") != NULL);
	CHECK(strstr(err.ptr, "canary") == NULL);

	snprintf(path, sizeof(path), "%s/repo/.tend.yml", dir);
	CHECK_INT(config_load(&cfg, NULL, path, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "symbolic link") != NULL);
	CHECK(strstr(err.ptr, "canary") == NULL);

	/* A linked directory on the way: .github -> ../out. */
	REQUIRE(test_sh("rm '%s/repo/.tend.yml' && cp '%s/out/secrets' "
			"'%s/out/tend.yml' && ln -s ../out '%s/repo/.github'",
			dir, dir, dir, dir) == 0);
	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK_INT(config_load(&cfg, path, NULL, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "symbolic link") != NULL);
	CHECK(strstr(err.ptr, "canary") == NULL);
	CHECK_INT(config_read_tree_file(&text, path, ".github/tend.yml", 100,
					&err), TEND_EINVALID);
	CHECK_INT(config_read_tree_file(&text, path, "../out/secrets", 100,
					&err), TEND_EINVALID);
	CHECK_INT(config_read_tree_file(&text, path, "/etc/passwd", 100,
					&err), TEND_EINVALID);
	CHECK(is_defaults(&cfg));
	buf_release(&text);
	buf_release(&err);
}

void test_config__fix_section(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	static const char text[] =
		"fix:\n"
		"  max_files: 3\n"
		"  max_lines: 50\n"
		"  max_attempts: 2\n"
		"  max_runs_per_pr: 0\n"
		"  allow_test_edits: true\n"
		"  budget_usd: 0.25\n"
		"  author_name: Fixer\n"
		"  author_email: fixer@example.com\n";
	const char *text2;

	config_init(&cfg);
	CHECK_INT(cfg.fix.max_files, 10);
	CHECK_INT(cfg.fix.max_lines, 200);
	CHECK_INT(cfg.fix.max_attempts, 3);
	CHECK_INT(cfg.fix.max_runs_per_pr, 2);
	CHECK_INT(cfg.fix.allow_test_edits, 0);
	CHECK_INT(config_parse(&cfg, text, strlen(text), "f.yml", &err), 0);
	CHECK_INT(cfg.fix.max_files, 3);
	CHECK_INT(cfg.fix.max_lines, 50);
	CHECK_INT(cfg.fix.max_attempts, 2);
	CHECK_INT(cfg.fix.max_runs_per_pr, 0);
	CHECK_INT(cfg.fix.allow_test_edits, 1);
	CHECK(cfg.fix.budget_usd > 0.24 && cfg.fix.budget_usd < 0.26);
	CHECK_STR(cfg.fix.author_name, "Fixer");
	CHECK_STR(cfg.fix.author_email, "fixer@example.com");
	config_release(&cfg);
	text2 = "fix:\n  allow_test_edits: maybe\n";
	CHECK_INT(config_parse(&cfg, text2, strlen(text2), "f.yml", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "f.yml:2:21: 'fix.allow_test_edits' must be") !=
	      NULL);
	text2 = "fix:\n  max_attempts: 0\n";
	CHECK_INT(config_parse(&cfg, text2, strlen(text2), "f.yml", &err),
		  TEND_EINVALID);
	buf_release(&err);
}

void test_config__tasks_section(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	static const char text[] =
		"tasks:\n"
		"  label: bot\n"
		"  max_per_run: 5\n"
		"  budget_usd: 0.5\n"
		"  run_budget_usd: 3\n"
		"  max_files: 4\n"
		"  max_lines: 80\n"
		"  max_attempts: 1\n"
		"  max_tokens: 50000\n"
		"  max_minutes: 9\n"
		"  orchestrate_steps: 0\n"
		"  claim_minutes: 30\n"
		"  open_on_failure: true\n"
		"  base: develop\n";
	const char *text2;

	config_init(&cfg);
	CHECK_STR(cfg.tasks.label, "tend");
	CHECK_INT(cfg.tasks.max_per_run, 3);
	CHECK_INT(cfg.tasks.max_files, 20);
	CHECK_INT(cfg.tasks.max_lines, 500);
	CHECK_INT(cfg.tasks.max_attempts, 2);
	CHECK_INT(cfg.tasks.max_tokens, 2000000);
	CHECK_INT(cfg.tasks.max_minutes, 30);
	CHECK_INT(cfg.tasks.orchestrate_steps, 3);
	CHECK_INT(cfg.tasks.claim_minutes, 120);
	CHECK_INT(cfg.tasks.open_on_failure, 0);
	CHECK(cfg.tasks.base == NULL);
	CHECK(cfg.tasks.run_budget_usd > 4.99 && cfg.tasks.run_budget_usd < 5.01);
	CHECK_INT(config_parse(&cfg, text, strlen(text), "t.yml", &err), 0);
	CHECK_STR(cfg.tasks.label, "bot");
	CHECK_INT(cfg.tasks.max_per_run, 5);
	CHECK(cfg.tasks.budget_usd > 0.49 && cfg.tasks.budget_usd < 0.51);
	CHECK(cfg.tasks.run_budget_usd > 2.99 && cfg.tasks.run_budget_usd < 3.01);
	CHECK_INT(cfg.tasks.max_files, 4);
	CHECK_INT(cfg.tasks.max_lines, 80);
	CHECK_INT(cfg.tasks.max_attempts, 1);
	CHECK_INT(cfg.tasks.max_tokens, 50000);
	CHECK_INT(cfg.tasks.max_minutes, 9);
	CHECK_INT(cfg.tasks.orchestrate_steps, 0);
	CHECK_INT(cfg.tasks.claim_minutes, 30);
	CHECK_INT(cfg.tasks.open_on_failure, 1);
	CHECK_STR(cfg.tasks.base, "develop");
	config_release(&cfg);
	text2 = "tasks:\n  max_tokens: 10\n";
	CHECK_INT(config_parse(&cfg, text2, strlen(text2), "t.yml", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "tasks.max_tokens") != NULL);
	text2 = "tasks:\n  open_on_failure: sometimes\n";
	CHECK_INT(config_parse(&cfg, text2, strlen(text2), "t.yml", &err),
		  TEND_EINVALID);
	text2 = "tasks:\n  max_per_ron: 3\n";
	CHECK_INT(config_parse(&cfg, text2, strlen(text2), "t.yml", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "max_per_run") != NULL);
	buf_release(&err);
}

void test_config__chatops_and_notify(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	static const char text[] =
		"chatops:\n"
		"  reply_to_outsiders: false\n"
		"  allowed_bots: [renovate-bot, 'ci[bot]']\n"
		"  inbox_days: 2\n"
		"notify:\n"
		"  slack_webhook_env: TEAM_SLACK_HOOK\n";
	const char *text2;

	config_init(&cfg);
	CHECK_INT(cfg.chatops.reply_to_outsiders, 1);
	CHECK_INT(cfg.chatops.nr_allowed_bots, 0);
	CHECK_INT(cfg.chatops.inbox_days, 7);
	CHECK(cfg.notify.slack_webhook_env == NULL);
	CHECK_INT(config_parse(&cfg, text, strlen(text), "c.yml", &err), 0);
	CHECK_INT(cfg.chatops.reply_to_outsiders, 0);
	CHECK_INT(cfg.chatops.nr_allowed_bots, 2);
	CHECK(cfg.chatops.nr_allowed_bots == 2 &&
	      !strcmp(cfg.chatops.allowed_bots[1], "ci[bot]"));
	CHECK_INT(cfg.chatops.inbox_days, 2);
	CHECK_STR(cfg.notify.slack_webhook_env, "TEAM_SLACK_HOOK");
	config_release(&cfg);
	text2 = "chatops:\n  inbox_days: 0\n";
	CHECK_INT(config_parse(&cfg, text2, strlen(text2), "c.yml", &err),
		  TEND_EINVALID);
	text2 = "notify:\n  slack_webhook: https://hooks.example/x\n";
	CHECK_INT(config_parse(&cfg, text2, strlen(text2), "c.yml", &err),
		  TEND_EINVALID);
	buf_release(&err);
}

void test_config__context_repos(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	static const char text[] =
		"context:\n"
		"  repos:\n"
		"    - name: data-model\n"
		"      url: https://gitlab.example.com/group/models.git\n"
		"      ref: release/2.x\n"
		"      paths: [\"src/**\", \"*.proto\"]\n"
		"    - url: https://github.com/o/shared-lib.git/\n"
		"    - url: http://127.0.0.1:8123/o/plain\n"
		"      ref: refs/tags/v1.2\n";
	static const char again[] =
		"context:\n  repos:\n    - url: https://h/x/y.git\n";
	const struct config_context_repo *r;

	config_init(&cfg);
	CHECK_INT(cfg.context.nr_repos, 0);
	REQUIRE(config_parse(&cfg, text, strlen(text), "c.yml", &err) == 0);
	REQUIRE(cfg.context.nr_repos == 3);
	r = &cfg.context.repos[0];
	CHECK_STR(r->name, "data-model");
	CHECK_STR(r->url, "https://gitlab.example.com/group/models.git");
	CHECK_STR(r->ref, "release/2.x");
	CHECK_INT(r->nr_paths, 2);
	CHECK(r->nr_paths == 2 && !strcmp(r->paths[0], "src/**") &&
	      !strcmp(r->paths[1], "*.proto"));
	CHECK_INT(r->line, 3);
	/* The name defaults to the URL's last part, without ".git". */
	r = &cfg.context.repos[1];
	CHECK_STR(r->name, "shared-lib");
	CHECK(r->ref == NULL);
	CHECK_INT(r->nr_paths, 0);
	r = &cfg.context.repos[2];
	CHECK_STR(r->name, "plain");
	CHECK_STR(r->ref, "refs/tags/v1.2");
	/* A later file replaces the list. */
	CHECK_INT(config_parse(&cfg, again, strlen(again), "d.yml", &err),
		  0);
	CHECK_INT(cfg.context.nr_repos, 1);
	CHECK(cfg.context.nr_repos == 1 &&
	      !strcmp(cfg.context.repos[0].name, "y"));
	config_release(&cfg);
	CHECK(is_defaults(&cfg));
	buf_release(&err);
}

void test_config__context_repos_bad(void)
{
	CHECK(fails_with("context: [a]\n",
			 ".tend.yml:1:10: expected a mapping for 'context'"));
	CHECK(fails_with("context:\n  repo: []\n",
			 ".tend.yml:2:3: unknown key 'repo' in 'context' "
			 "(did you mean 'repos'?)"));
	CHECK(fails_with("context:\n  repos: {url: x}\n",
			 ".tend.yml:2:10: expected a list of mappings for "
			 "'context.repos'"));
	CHECK(fails_with("context:\n  repos:\n    - name: a\n",
			 ".tend.yml:3:7: an entry in 'context.repos' has no "
			 "'url'"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/a.git\n"
			 "      branch: main\n",
			 ".tend.yml:4:7: unknown key 'branch' in "
			 "'context.repos'"));
	CHECK(fails_with("context:\n  repos:\n    - url: [a]\n",
			 ".tend.yml:3:12: expected a string for "
			 "'context.repos.url', not a list"));
	/* Only https (http to the loopback address), never a secret. */
	CHECK(fails_with("context:\n  repos:\n    - url: git@h:o/r.git\n",
			 ".tend.yml:3:12: 'context.repos.url' must be an "
			 "https:// URL"));
	CHECK(fails_with("context:\n  repos:\n    - url: http://h.com/o/r\n",
			 ".tend.yml:3:12: 'context.repos.url' must be an "
			 "https:// URL (plain http only to 127.0.0.1)"));
	CHECK(fails_with("context:\n  repos:\n    - url: http://127.0.0.10/o\n",
			 ".tend.yml:3:12: 'context.repos.url' must be an "
			 "https:// URL (plain http only to 127.0.0.1)"));
	CHECK(fails_with("context:\n  repos:\n"
			 "    - url: https://u:SeCrEt99@h/o/r.git\n",
			 ".tend.yml:3:12: 'context.repos.url' must be a URL "
			 "without a user or password"));
	CHECK(fails_with("context:\n  repos:\n"
			 "    - url: https://h/o/r.git?private_token=S3\n",
			 ".tend.yml:3:12: 'context.repos.url' must be a URL "
			 "without a query or fragment"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h\n",
			 ".tend.yml:3:12: 'context.repos.url' must be a URL "
			 "with the repository's path"));
	CHECK(fails_with("context:\n  repos:\n    - url: https:///o/r\n",
			 ".tend.yml:3:12: 'context.repos.url' must be a URL "
			 "with a host"));
	CHECK(fails_with("context:\n  repos:\n    - url: 'https://h/a b'\n",
			 ".tend.yml:3:12: 'context.repos.url' must be a URL "
			 "without blanks"));
	/* Names: given or derived, usable, unique. */
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/r\n"
			 "      name: 'my repo'\n",
			 ".tend.yml:4:13: 'context.repos.name' must be "
			 "letters, digits"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/r+x\n",
			 ".tend.yml:3:12: cannot make a name of letters"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/lib.git\n"
			 "    - url: https://other/x/lib\n",
			 ".tend.yml:4:12: duplicate repository name 'lib' "
			 "(first at line 3)"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/a\n"
			 "      name: b\n    - url: https://h/o/b\n",
			 ".tend.yml:5:12: duplicate repository name 'b'"));
	/* Refs and paths. */
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/a\n"
			 "      ref: 'a..b'\n",
			 ".tend.yml:4:12: 'context.repos.ref' must be a branch "
			 "name"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/a\n"
			 "      ref: '+main:x'\n",
			 ".tend.yml:4:12: 'context.repos.ref' must be a branch "
			 "name"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/a\n"
			 "      ref: -main\n",
			 ".tend.yml:4:12: 'context.repos.ref' must be a branch "
			 "name"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/a\n"
			 "      ref: ''\n",
			 ".tend.yml:4:12: 'context.repos.ref' must not be "
			 "empty"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/a\n"
			 "      paths: src\n",
			 ".tend.yml:4:14: expected a list of strings for "
			 "'context.repos.paths'"));
	CHECK(fails_with("context:\n  repos:\n    - url: https://h/o/a\n"
			 "      paths: ['']\n",
			 ".tend.yml:4:15: an item of 'context.repos.paths' is "
			 "empty"));
}

/* A URL is never quoted back: it may carry a token. */
void test_config__context_url_not_echoed(void)
{
	static const char *const texts[] = {
		"context:\n  repos:\n    - url: https://u:SeCrEt99@h/o\n",
		"context:\n  repos:\n    - url: http://SeCrEt99.ex/o\n",
		"context:\n  repos:\n    - url: https://h/o?SeCrEt99\n",
		"context:\n  repos:\n    - url: ftp://SeCrEt99/o\n",
		NULL
	};
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	size_t i;

	for (i = 0; texts[i]; i++) {
		config_init(&cfg);
		CHECK_INT(config_parse(&cfg, texts[i], strlen(texts[i]),
				       "c.yml", &err), TEND_EINVALID);
		CHECK(strstr(err.ptr, "SeCrEt99") == NULL);
		config_release(&cfg);
	}
	buf_release(&err);
}

void test_config__embeddings(void)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	static const char text[] =
		"models:\n"
		"  providers:\n"
		"    local: { kind: openai, base_url: http://127.0.0.1:9/v1 }\n"
		"  embeddings:\n"
		"    provider: local\n"
		"    model: text-embedding-3-small\n"
		"    dimensions: 256\n";

	config_init(&cfg);
	CHECK(cfg.models.embeddings.provider == NULL);
	REQUIRE(config_parse(&cfg, text, strlen(text), "e.yml", &err) == 0);
	CHECK_STR(cfg.models.embeddings.provider, "local");
	CHECK_STR(cfg.models.embeddings.model, "text-embedding-3-small");
	CHECK_INT(cfg.models.embeddings.dimensions, 256);
	config_release(&cfg);
	/* No dimensions: the model's own; a built-in provider is fine. */
	REQUIRE(parses(&cfg, "models:\n  embeddings: {provider: openai, "
		       "model: text-embedding-3-large}\n"));
	CHECK_STR(cfg.models.embeddings.provider, "openai");
	CHECK_INT(cfg.models.embeddings.dimensions, 0);
	config_release(&cfg);

	CHECK(fails_with("models:\n  embeddings: openai\n",
			 ".tend.yml:2:15: expected a mapping for "
			 "'models.embeddings'"));
	CHECK(fails_with("models:\n  embeddings: {provider: openai}\n",
			 ".tend.yml:2:15: 'models.embeddings' needs "
			 "'provider' and 'model'"));
	CHECK(fails_with("models:\n  embeddings: {model: m}\n",
			 ".tend.yml:2:15: 'models.embeddings' needs "
			 "'provider' and 'model'"));
	CHECK(fails_with("models:\n  embeddings: {provider: openai, model: m, "
			 "dims: 3}\n",
			 ".tend.yml:2:44: unknown key 'dims' in "
			 "'models.embeddings'"));
	CHECK(fails_with("models:\n  embeddings: {provider: openai, model: m, "
			 "dimensions: 0}\n",
			 ".tend.yml:2:56: 'models.embeddings.dimensions' must "
			 "be 1 or more, not '0'"));
	CHECK(fails_with("models:\n  embeddings: {provider: openai, model: m, "
			 "dimensions: 100000}\n",
			 ".tend.yml:2:56: 'models.embeddings.dimensions' must "
			 "be 4096 or less"));
	CHECK(fails_with("models:\n  embeddings: {provider: openai, model: m, "
			 "dimensions: many}\n",
			 ".tend.yml:2:56: 'models.embeddings.dimensions' must "
			 "be a whole number"));
	CHECK(fails_with("models:\n  embeddings: {provider: 'a/b', model: m}\n",
			 ".tend.yml:2:26: 'models.embeddings.provider' must "
			 "be the name of a provider"));
	CHECK(fails_with("models:\n  embeddings: {provider: anthropic, "
			 "model: m}\n",
			 ".tend.yml:2:26: 'models.embeddings.provider' must "
			 "be a provider of kind openai"));
	CHECK(fails_with("models:\n  providers:\n    claude: {kind: "
			 "anthropic}\n  embeddings: {provider: claude, "
			 "model: m}\n",
			 ".tend.yml:4:26: 'models.embeddings.provider' must "
			 "be a provider of kind openai"));
}

/* Issue 16: noise control and routing by evidence. */
void test_config__trust_keys(void)
{
	struct tend_config cfg;

	REQUIRE(parses(&cfg, "review:\n  mute_below: 0.25\n"
		       "  mute_min_samples: 4\nmodels:\n"
		       "  auto_min_samples: 7\n"));
	CHECK(cfg.review.mute_below > 0.249 && cfg.review.mute_below < 0.251);
	CHECK_INT(cfg.review.mute_min_samples, 4);
	CHECK_INT(cfg.models.auto_min_samples, 7);
	config_release(&cfg);
	REQUIRE(parses(&cfg, "review:\n  fail_level: note\n"));
	CHECK(cfg.review.mute_below == 0);
	CHECK_INT(cfg.review.mute_min_samples, 10);
	CHECK_INT(cfg.models.auto_min_samples, 10);
	config_release(&cfg);
	CHECK(fails_with("review:\n  mute_below: 1.5\n", ".tend.yml:2"));
	CHECK(fails_with("review:\n  mute_below: lots\n", ".tend.yml:2"));
	CHECK(fails_with("review:\n  mute_min_samples: 0\n", ".tend.yml:2"));
	CHECK(fails_with("models:\n  auto_min_samples: -1\n", ".tend.yml:2"));
}
