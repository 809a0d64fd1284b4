/*
 * test_act.c - the repository index as the agents' tools see it
 * (actions_act_index*): a real index of a small repository made on the
 * spot, searched, asked for symbols and related code through the tools,
 * with hidden paths left out, secrets masked, another repository under
 * `repo`, and the tools falling back to the files when there is no index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/act.h"
#include "actions/rules.h"
#include "agents/pack.h"
#include "agents/tools.h"
#include "common/error.h"
#include "forge/git.h"
#include "tests/unit/test.h"

#define FAKE_GHP "ghp_" "k9Qz2Lm4Xv7Bn1Rt8Wy3Hc6Jd5Fp0Ga2Se4U"

/* A repository under the test's directory, `name`, with one commit. */
static const char *act_repo(const char *name, const char *files_sh)
{
	static char dir[1024];

	snprintf(dir, sizeof(dir), "%s/%s", test_tmpdir(), name);
	if (test_sh("mkdir -p '%s' && cd '%s' && git init -q -b main . && "
		    "%s && git add -A && git commit -qm one", dir, dir,
		    files_sh))
		return NULL;
	return dir;
}

static const char act_files[] =
	"mkdir -p src vendor && "
	"printf 'int helper(int x)\\n{\\n\\treturn x + 1;\\n}\\n' > src/lib.c && "
	"printf '#include \"lib.h\"\\n\\nint parse_header(const char *s)\\n"
	"{\\n\\treturn helper(s[0]);\\n}\\n\\nint main(void)\\n{\\n"
	"\\treturn parse_header(\"x\");\\n}\\n' > src/main.c && "
	"printf 'int vendored_header(void)\\n{\\n\\treturn helper(2);\\n}\\n'"
	" > vendor/v.c && "
	"printf 'def load_token():\\n    token = \"" FAKE_GHP "\"\\n"
	"    return token\\n' > src/cfg.py";

static int hide_vendor(const char *path, void *data)
{
	(void)data;
	return !strcmp(path, "vendor");
}

static int hide_lib(const char *path, void *data)
{
	(void)data;
	return !strcmp(path, "src/lib.c");
}

static const char *tool(struct agent_tools_env *env, struct buf *out,
			const char *name, const char *args)
{
	agent_tools_run(env, name, args, out);
	return out->ptr;
}

#define HAS(text, needle) \
	do { const char *t_ = (text); \
	     if (!strstr(t_, needle)) \
		test__fail_str(__FILE__, __LINE__, "has", t_, needle); \
	} while (0)
#define LACKS(text, needle) \
	do { const char *t_ = (text); \
	     if (strstr(t_, needle)) \
		test__fail_str(__FILE__, __LINE__, "lacks " needle, t_, \
			       "(without it)"); \
	} while (0)

void test_act__index_answers_the_tools(void)
{
	const char *dir = act_repo("main", act_files);
	struct actions_act_index ai;
	struct agent_tools_env env;
	struct review_rules rules;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_repository *repo = NULL;
	git_oid head;
	const char *o;

	REQUIRE(dir);
	review_rules_init(&rules);
	REQUIRE(actions_rules_load(&rules, NULL, NULL, NULL, &err) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	actions_act_index_init(&ai);
	REQUIRE(actions_act_index(&ai, repo, &head, NULL, &rules, &err) == 0);
	CHECK(ai.idx != NULL);
	CHECK_INT(ai.stats.files, 4);
	REQUIRE(agent_tools_env_init(&env, dir, &err) == 0);
	env.hidden = hide_vendor;
	actions_act_index_env(&ai, &env);
	CHECK(env.index_search && env.index_symbol && env.index_related);
	CHECK_INT(env.nr_repos, 0);

	/* words: ranked, the definition first, with its best lines */
	o = tool(&env, &out, "search", "{\"pattern\":\"parse header\"}");
	HAS(o, "[ranked by the index: ");
	CHECK(!strncmp(strchr(o, '\n') + 1,
		       "src/main.c:3-6 function parse_header\n"
		       "   3| int parse_header(const char *s)\n", 70));
	HAS(o, "[regex matches]\nno matches");
	/* hidden paths never show, ranked or not */
	o = tool(&env, &out, "search", "{\"pattern\":\"helper\"}");
	HAS(o, "src/lib.c:1-4 function helper\n   1| int helper(int x)\n");
	LACKS(o, "vendor");
	/* a secret in a chunk is masked */
	o = tool(&env, &out, "search", "{\"pattern\":\"load token\"}");
	HAS(o, "src/cfg.py:");
	LACKS(o, FAKE_GHP);
	/* the path argument narrows the ranked results too */
	o = tool(&env, &out, "search", "{\"pattern\":\"helper\","
		 "\"path\":\"src/main.c\"}");
	LACKS(o, "src/lib.c:1-4");
	HAS(o, "src/main.c:");

	/* find_symbol: the definition with its lines, then the uses */
	o = tool(&env, &out, "find_symbol", "{\"name\":\"helper\"}");
	HAS(o, "definitions:\nsrc/lib.c:1-4 function helper\n"
	    "   1| int helper(int x)\n   2| {\n   3| \treturn x + 1;\n"
	    "   4| }\n");
	HAS(o, "references:\nsrc/main.c:5: return helper(s[0]);\n");
	LACKS(o, "vendor");
	/* a name the index does not define: the files are searched */
	o = tool(&env, &out, "find_symbol", "{\"name\":\"nothing_here\"}");
	HAS(o, "no definition of 'nothing_here' found");

	/* related: what main.c:5 uses, and who calls parse_header */
	o = tool(&env, &out, "related", "{\"path\":\"src/main.c\",\"line\":5}");
	HAS(o, "uses (definitions elsewhere):\nsrc/lib.c:1-4 function helper"
	    ": int helper(int x)\n");
	HAS(o, "called from:\nsrc/main.c:10 parse_header: return "
	    "parse_header(\"x\");\n");
	/* the pack's callback says the same */
	buf_reset(&out);
	CHECK(actions_act_index_related("src/main.c", 5, &out, &ai) >= 2);
	HAS(out.ptr, "src/lib.c:1-4 function helper");
	o = tool(&env, &out, "related", "{\"path\":\"vendor/v.c\"}");
	HAS(o, "excluded");

	/* what the caller hides, the index's answers leave out */
	env.hidden = hide_lib;
	o = tool(&env, &out, "search", "{\"pattern\":\"helper\"}");
	HAS(o, "src/main.c:3-6 function parse_header\n");
	LACKS(o, "src/lib.c");
	o = tool(&env, &out, "find_symbol", "{\"name\":\"helper\"}");
	LACKS(o, "src/lib.c");
	HAS(o, "no definition of 'helper' found");
	o = tool(&env, &out, "related", "{\"path\":\"src/main.c\","
		 "\"line\":5}");
	LACKS(o, "src/lib.c");

	/* an update to the same commit parses nothing */
	REQUIRE(actions_act_index(&ai, repo, &head, NULL, &rules, &err) == 0);
	CHECK_INT(ai.stats.parsed, 0);
	CHECK_INT(ai.stats.reused, 4);

	agent_tools_env_release(&env);
	actions_act_index_release(&ai);
	CHECK(ai.idx == NULL);
	git_repository_free(repo);
	review_rules_release(&rules);
	buf_release(&err);
	buf_release(&out);
}

void test_act__index_of_another_repository(void)
{
	const char *dir;
	char *main_dir;
	struct actions_act_index ai;
	struct agent_tools_env env;
	struct review_index_opts opts;
	struct review_index *other = NULL;
	struct review_index_stats st;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_repository *repo = NULL, *orepo = NULL;
	git_oid head, ohead;
	const char *o;

	REQUIRE((dir = act_repo("main", act_files)));
	main_dir = strdup(dir);
	REQUIRE((dir = act_repo("models", "mkdir -p models && printf "
				"'class UserAccount:\\n    def rename(self, "
				"n):\\n        self.name = n\\n' > "
				"models/user.py")));
	REQUIRE(forge_git_open(&orepo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&ohead, orepo, "HEAD", &err) == 0);
	memset(&opts, 0, sizeof(opts));
	memset(&st, 0, sizeof(st));
	REQUIRE(review_index_open(&other, orepo, &opts, &err) == 0);
	REQUIRE(review_index_update(other, &ohead, &st, &err) == 0);
	review_index_stats_release(&st);

	REQUIRE(forge_git_open(&repo, main_dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	actions_act_index_init(&ai);
	REQUIRE(actions_act_index(&ai, repo, &head, NULL, NULL, &err) == 0);
	actions_act_index_add_repo(&ai, "data-model", other);
	REQUIRE(agent_tools_env_init(&env, main_dir, &err) == 0);
	actions_act_index_env(&ai, &env);
	CHECK_INT(env.nr_repos, 1);
	CHECK_STR(env.repos[0], "data-model");

	o = tool(&env, &out, "search", "{\"pattern\":\"user account\","
		 "\"repo\":\"data-model\"}");
	HAS(o, "[data-model: ranked by its index: ");
	HAS(o, "models/user.py:1-3 class UserAccount\n");
	LACKS(o, "src/");
	o = tool(&env, &out, "find_symbol", "{\"name\":\"UserAccount\","
		 "\"repo\":\"data-model\"}");
	HAS(o, "definitions:\nmodels/user.py:1-3 class UserAccount\n"
	    "   1| class UserAccount:\n");
	o = tool(&env, &out, "find_symbol", "{\"name\":\"helper\","
		 "\"repo\":\"data-model\"}");
	HAS(o, "no definition of 'helper' in the index of 'data-model'");
	o = tool(&env, &out, "search", "{\"pattern\":\"helper\","
		 "\"repo\":\"web\"}");
	CHECK_STR(o, "unknown repo 'web' (known: data-model)");

	agent_tools_env_release(&env);
	actions_act_index_release(&ai);
	git_repository_free(repo);
	git_repository_free(orepo);
	free(main_dir);
	buf_release(&err);
	buf_release(&out);
}

void test_act__no_index_the_tools_scan(void)
{
	const char *dir = act_repo("main", act_files);
	struct actions_act_index ai;
	struct agent_tools_env env;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_repository *repo = NULL;
	git_oid head;
	const char *o;

	REQUIRE(dir);
	/* no place for the database: a file where its directory goes */
	REQUIRE(test_sh("cd '%s' && rm -rf .git/tend && echo x > .git/tend",
			dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	actions_act_index_init(&ai);
	CHECK(actions_act_index(&ai, repo, &head, NULL, NULL, &err) < 0);
	CHECK(err.len > 0);
	CHECK(ai.idx == NULL);
	REQUIRE(agent_tools_env_init(&env, dir, &err) == 0);
	actions_act_index_env(&ai, &env);
	CHECK(env.index_search == NULL);
	o = tool(&env, &out, "search", "{\"pattern\":\"helper\"}");
	LACKS(o, "ranked");
	HAS(o, "src/lib.c:1: int helper(int x)\n");
	o = tool(&env, &out, "find_symbol", "{\"name\":\"helper\"}");
	HAS(o, "src/lib.c:1\n   1| int helper(int x)\n");
	o = tool(&env, &out, "related", "{\"path\":\"src/main.c\"}");
	CHECK_STR(o, "no index here: use find_symbol and search instead");
	agent_tools_env_release(&env);
	actions_act_index_release(&ai);
	git_repository_free(repo);
	buf_release(&err);
	buf_release(&out);
}

/* Where an agent starts: the files ranked for a task's text. */
void test_act__index_start_files(void)
{
	const char *dir = act_repo("start", act_files);
	struct actions_act_index ai;
	struct agent_tools_env env;
	struct review_rules rules;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_repository *repo = NULL;
	git_oid head;

	REQUIRE(dir);
	review_rules_init(&rules);
	REQUIRE(actions_rules_load(&rules, NULL, NULL, NULL, &err) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	actions_act_index_init(&ai);

	/* no index: nothing */
	CHECK_INT(actions_act_index_start(&ai, "parse header", 5, &out), 0);
	CHECK_INT(out.len, 0);

	REQUIRE(actions_act_index(&ai, repo, &head, NULL, &rules, &err) == 0);
	REQUIRE(agent_tools_env_init(&env, dir, &err) == 0);
	env.hidden = hide_vendor;
	actions_act_index_env(&ai, &env);
	CHECK(actions_act_index_start(&ai, "The header parser breaks: "
				      "parse_header returns the wrong helper "
				      "value", 5, &out) >= 2);
	HAS(out.ptr, "ranks these files highest for this task");
	HAS(out.ptr, "\n- src/main.c (lines 3-6 parse_header");
	HAS(out.ptr, "\n- src/lib.c (lines 1-4 helper)\n");
	LACKS(out.ptr, "vendor");
	/* at most max_files, each once */
	buf_reset(&out);
	CHECK_INT(actions_act_index_start(&ai, "helper parse header", 1,
					  &out), 1);
	CHECK(strstr(out.ptr, "\n- ") != NULL);
	CHECK(!strstr(strstr(out.ptr, "\n- ") + 1, "\n- "));
	/* words the index does not hold: nothing */
	buf_reset(&out);
	CHECK_INT(actions_act_index_start(&ai, "zebra quokka", 5, &out), 0);
	CHECK_INT(out.len, 0);

	agent_tools_env_release(&env);
	actions_act_index_release(&ai);
	git_repository_free(repo);
	review_rules_release(&rules);
	buf_release(&err);
	buf_release(&out);
}
