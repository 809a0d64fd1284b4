/*
 * test_index.c - the repository index (review/index.c): symbols in the
 * ten grammars, incremental updates keyed by blob, BM25 ranking and the
 * path filter, masking, skip rules, a corrupt or foreign database rebuilt,
 * two processes updating at once, and the query translation.
 *
 * Every test builds a real repository with the git CLI in a temp dir.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <sqlite3.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "review/index.h"
#include "review/index_lang.h"
#include "tests/unit/test.h"

/* A secret the built-in secrets pack reports (split so no scanner flags
 * this file). */
#define FAKE_GHP "ghp_" "k9Qz2Lm4Xv7Bn1Rt8Wy3Hc6Jd5Fp0Ga2Se4U"

static int put(const char *dir, const char *rel, const char *text)
{
	char path[4096], *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	return test_write(path, text, strlen(text));
}

static int commit_all(const char *dir, const char *msg)
{
	return test_sh("cd '%s' && git add -A && git commit -qm '%s'", dir,
		       msg);
}

static int head_of(git_repository *repo, git_oid *out)
{
	return git_reference_name_to_id(out, repo, "HEAD");
}

/* One file per grammar: a definition and a reference to it each. */
static const struct {
	const char *path, *text, *def, *kind, *ref;
} langs[] = {
	{ "src/alpha.c",
	  "#include <stdio.h>\n\nstruct gadget { int size; };\n\n"
	  "static int alpha_count(int n)\n{\n\treturn n + 1;\n}\n\n"
	  "int alpha_main(void)\n{\n\treturn alpha_count(2);\n}\n",
	  "alpha_count", "function", "alpha_count" },
	{ "src/beta.cpp",
	  "namespace zoo {\nclass BetaKeeper {\npublic:\n"
	  "  int feed(int n) { return n * 2; }\n};\n}\n\n"
	  "int beta_run() {\n  zoo::BetaKeeper k;\n  return k.feed(3);\n}\n",
	  "BetaKeeper", "class", "feed" },
	{ "py/gamma.py",
	  "import os\n\n\nclass GammaLoader:\n    def load(self, path):\n"
	  "        return os.path.exists(path)\n\n\n"
	  "def gamma_entry():\n    return GammaLoader().load('x')\n",
	  "GammaLoader", "class", "load" },
	{ "web/delta.js",
	  "function deltaFetch(url) {\n  return url.length;\n}\n\n"
	  "class DeltaView {\n  render() {\n    return deltaFetch('/');\n"
	  "  }\n}\n",
	  "deltaFetch", "function", "deltaFetch" },
	{ "web/epsilon.ts",
	  "interface EpsilonShape {\n  area(): number;\n}\n\n"
	  "export function epsilonArea(s: EpsilonShape): number {\n"
	  "  return s.area();\n}\n",
	  "EpsilonShape", "interface", "EpsilonShape" },
	{ "web/zeta.tsx",
	  "type ZetaProps = { label: string };\n\n"
	  "export function ZetaButton(p: ZetaProps) {\n"
	  "  return <button>{p.label}</button>;\n}\n",
	  "ZetaButton", "function", "ZetaProps" },
	{ "go/eta.go",
	  "package eta\n\ntype EtaStore struct {\n\tn int\n}\n\n"
	  "func (s *EtaStore) Put(v int) {\n\ts.n = v\n}\n\n"
	  "func EtaNew() *EtaStore {\n\ts := &EtaStore{}\n\ts.Put(1)\n"
	  "\treturn s\n}\n",
	  "EtaStore", "struct", "Put" },
	{ "rs/theta.rs",
	  "pub struct ThetaCache {\n    size: usize,\n}\n\n"
	  "impl ThetaCache {\n    pub fn grow(&mut self) {\n"
	  "        self.size += 1;\n    }\n}\n\n"
	  "fn theta_main() {\n    let mut c = ThetaCache { size: 0 };\n"
	  "    c.grow();\n}\n",
	  "ThetaCache", "struct", "grow" },
	{ "java/Iota.java",
	  "package iota;\n\npublic class IotaService {\n"
	  "    public int serve(int x) {\n        return helper(x);\n    }\n"
	  "    private int helper(int x) {\n        return x;\n    }\n}\n",
	  "IotaService", "class", "helper" },
	{ "rb/kappa.rb",
	  "module Kappa\n  class KappaJob\n    def perform(arg)\n"
	  "      arg.to_s\n    end\n  end\nend\n\n"
	  "Kappa::KappaJob.new.perform(1)\n",
	  "KappaJob", "class", "perform" },
	{ "sh/lambda.sh",
	  "#!/bin/sh\n\nlambda_setup() {\n  echo setup\n}\n\n"
	  "lambda_setup\n",
	  "lambda_setup", "function", "lambda_setup" },
};

#define NR_LANGS (sizeof(langs) / sizeof(langs[0]))

static int make_lang_repo(const char *dir)
{
	size_t i;

	if (test_sh("cd '%s' && git init -q -b main .", dir))
		return -1;
	for (i = 0; i < NR_LANGS; i++)
		if (put(dir, langs[i].path, langs[i].text))
			return -1;
	return commit_all(dir, "languages");
}

static int open_repo(git_repository **repo, const char *dir)
{
	git_libgit2_init();
	return git_repository_open(repo, dir);
}

static const struct review_index_symbol *
find_sym(const struct review_index_symbols *s, const char *path, int def)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->items[i].path, path) &&
		    s->items[i].definition == def)
			return &s->items[i];
	return NULL;
}

void test_index__languages(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct buf err = BUF_INIT;
	git_oid head;
	size_t i;

	REQUIRE(make_lang_repo(dir) == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.files, NR_LANGS);
	CHECK_INT(st.added, NR_LANGS);
	CHECK_INT(st.parsed, NR_LANGS);
	CHECK_INT(st.skipped, 0);
	CHECK(st.symbols > NR_LANGS * 2);
	for (i = 0; i < NR_LANGS; i++) {
		struct review_index_symbols s;
		const struct review_index_symbol *d;

		review_index_symbols_init(&s);
		CHECK(review_index_symbol(idx, langs[i].def, 50, &s, &err) ==
		      0);
		d = find_sym(&s, langs[i].path, 1);
		if (!d)
			fprintf(stderr, "no definition of %s in %s\n",
				langs[i].def, langs[i].path);
		CHECK(d != NULL);
		if (d) {
			CHECK_STR(d->kind, langs[i].kind);
			CHECK(d->line >= 1 && d->end_line >= d->line);
			CHECK(strstr(d->context, langs[i].def) != NULL);
		}
		review_index_symbols_release(&s);

		review_index_symbols_init(&s);
		CHECK(review_index_symbol(idx, langs[i].ref, 50, &s, &err) ==
		      0);
		if (!find_sym(&s, langs[i].path, 0))
			fprintf(stderr, "no reference to %s in %s\n",
				langs[i].ref, langs[i].path);
		CHECK(find_sym(&s, langs[i].path, 0) != NULL);
		review_index_symbols_release(&s);
	}
	/* Methods nested in classes are methods, not functions. */
	{
		struct review_index_symbols s;
		const struct review_index_symbol *d;

		review_index_symbols_init(&s);
		CHECK(review_index_symbol(idx, "load", 10, &s, &err) == 0);
		d = find_sym(&s, "py/gamma.py", 1);
		CHECK(d && !strcmp(d->kind, "method"));
		review_index_symbols_release(&s);
	}
	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&err);
}

void test_index__queries_compile(void)
{
	static const char *const grammars[] = {
		"c", "cpp", "python", "javascript", "typescript", "tsx", "go",
		"rust", "java", "ruby", "bash", NULL
	};
	struct buf err = BUF_INIT;
	size_t i;

	for (i = 0; grammars[i]; i++) {
		const TSQuery *q = review_index_lang_query(grammars[i], &err);

		if (!q)
			fprintf(stderr, "%s\n", err.ptr);
		CHECK(q != NULL);
	}
	CHECK(review_index_lang_query("cobol", NULL) == NULL);
	buf_release(&err);
}

void test_index__incremental(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct review_index_symbols s;
	struct buf err = BUF_INIT;
	git_oid head, first;

	review_index_symbols_init(&s);
	REQUIRE(make_lang_repo(dir) == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &first) == 0);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &first, &st, &err) == 0);
	review_index_stats_release(&st);

	/* Up to date: nothing parsed, everything reused. */
	REQUIRE(review_index_update(idx, &first, &st, &err) == 0);
	CHECK_INT(st.parsed, 0);
	CHECK_INT(st.reused, NR_LANGS);
	CHECK_INT(st.added + st.changed + st.removed, 0);
	review_index_stats_release(&st);

	/* Add one, change one, rename one, delete one. */
	REQUIRE(put(dir, "src/added.c", "int added_fn(void) { return 7; }\n")
		== 0);
	REQUIRE(put(dir, "src/alpha.c", "int alpha_changed(void)\n{\n"
		    "\treturn 3;\n}\n") == 0);
	REQUIRE(test_sh("cd '%s' && git mv py/gamma.py py/renamed.py && "
			"git rm -q sh/lambda.sh", dir) == 0);
	REQUIRE(commit_all(dir, "edits") == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.files, NR_LANGS);
	CHECK_INT(st.added, 2);		/* added.c, renamed.py */
	CHECK_INT(st.changed, 1);	/* alpha.c */
	CHECK_INT(st.removed, 2);	/* gamma.py, lambda.sh */
	CHECK_INT(st.parsed, 2);	/* added.c, the new alpha.c */
	CHECK_INT(st.reused, NR_LANGS - 2);
	review_index_stats_release(&st);

	/* The renamed file is found under its new path only. */
	CHECK(review_index_symbol(idx, "GammaLoader", 10, &s, &err) == 0);
	CHECK(find_sym(&s, "py/renamed.py", 1) != NULL);
	CHECK(find_sym(&s, "py/gamma.py", 1) == NULL);
	review_index_symbols_release(&s);
	{
		struct review_index_hits h;

		review_index_hits_init(&h);
		CHECK(review_index_query(idx, "renamed", NULL, 5, &h, &err) ==
		      0);
		CHECK(h.nr >= 1 && !strcmp(h.items[0].path, "py/renamed.py"));
		review_index_hits_release(&h);
	}
	/* The old alpha.c and lambda.sh are gone; the new ones are there. */
	CHECK(review_index_symbol(idx, "alpha_count", 10, &s, &err) == 0);
	CHECK_INT(s.nr, 0);
	review_index_symbols_release(&s);
	CHECK(review_index_symbol(idx, "lambda_setup", 10, &s, &err) == 0);
	CHECK_INT(s.nr, 0);
	review_index_symbols_release(&s);
	CHECK(review_index_symbol(idx, "alpha_changed", 10, &s, &err) == 0);
	CHECK_INT(s.nr, 1);
	review_index_symbols_release(&s);
	{
		git_oid got;

		CHECK(review_index_head(idx, &got) && !git_oid_cmp(&got, &head));
	}
	/* Back to the first commit: only the dropped blobs are parsed again. */
	REQUIRE(review_index_update(idx, &first, &st, &err) == 0);
	CHECK_INT(st.parsed, 2);	/* the old alpha.c and lambda.sh */
	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&err);
}

void test_index__ranking_and_path_filter(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct review_index_hits h;
	struct buf err = BUF_INIT;
	git_oid head;

	review_index_hits_init(&h);
	REQUIRE(test_sh("cd '%s' && git init -q -b main .", dir) == 0);
	REQUIRE(put(dir, "lib/quota.c", "/* Quotas per user. */\n"
		    "int quota_compute(int used, int limit)\n{\n"
		    "\treturn limit - used;\n}\n") == 0);
	REQUIRE(put(dir, "lib/user.c", "int user_load(int id)\n{\n"
		    "\treturn quota_compute(id, 10);\n}\n") == 0);
	REQUIRE(put(dir, "docs/notes.md", "Some notes.\nquota_compute is "
		    "called by the user code.\n") == 0);
	REQUIRE(put(dir, "lib/getUserName.js", "function getUserName(u) {\n"
		    "  return u.name;\n}\n") == 0);
	REQUIRE(commit_all(dir, "one") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);

	/* The file that defines the word ranks first. */
	CHECK(review_index_query(idx, "quota_compute", NULL, 10, &h, &err) ==
	      0);
	REQUIRE(h.nr >= 3);
	CHECK_STR(h.items[0].path, "lib/quota.c");
	CHECK_STR(h.items[0].name, "quota_compute");
	CHECK_STR(h.items[0].kind, "function");
	CHECK_INT(h.items[0].start_line, 1);	/* the comment above joins */
	CHECK_INT(h.items[0].end_line, 5);
	CHECK(h.items[0].score >= h.items[1].score);
	review_index_hits_release(&h);

	/* Path filter. */
	CHECK(review_index_query(idx, "quota_compute", "docs/**", 10, &h,
				 &err) == 0);
	CHECK_INT(h.nr, 1);
	CHECK(h.nr && !strcmp(h.items[0].path, "docs/notes.md"));
	review_index_hits_release(&h);

	/* Limit. */
	CHECK(review_index_query(idx, "quota_compute", NULL, 1, &h, &err) ==
	      0);
	CHECK_INT(h.nr, 1);
	review_index_hits_release(&h);

	/* camelCase parts find the identifier; a phrase; a path fragment. */
	CHECK(review_index_query(idx, "user name", "**/*.js", 10, &h, &err) ==
	      0);
	CHECK(h.nr == 1 && !strcmp(h.items[0].path, "lib/getUserName.js"));
	review_index_hits_release(&h);
	CHECK(review_index_query(idx, "\"called by the user\"", NULL, 10, &h,
				 &err) == 0);
	CHECK(h.nr == 1 && !strcmp(h.items[0].path, "docs/notes.md"));
	review_index_hits_release(&h);
	CHECK(review_index_query(idx, "lib/user.c", NULL, 10, &h, &err) == 0);
	CHECK(h.nr >= 1 && !strcmp(h.items[0].path, "lib/user.c"));
	review_index_hits_release(&h);

	/* FTS5 syntax in the input is only words. */
	CHECK(review_index_query(idx, "quota* NEAR( \"x AND -) ^col:", NULL,
				 10, &h, &err) == 0);
	review_index_hits_release(&h);
	CHECK(review_index_query(idx, "", NULL, 10, &h, &err) == 0);
	CHECK_INT(h.nr, 0);

	/* related: what user_load uses, and who calls quota_compute. */
	{
		struct review_index_symbols uses, callers;

		review_index_symbols_init(&uses);
		review_index_symbols_init(&callers);
		CHECK(review_index_related(idx, "lib/user.c", 3, 10, &uses,
					   &callers, &err) == 0);
		CHECK(find_sym(&uses, "lib/quota.c", 1) != NULL);
		review_index_symbols_release(&uses);
		review_index_symbols_release(&callers);
		CHECK(review_index_related(idx, "lib/quota.c", 0, 10, &uses,
					   &callers, &err) == 0);
		CHECK(find_sym(&callers, "lib/user.c", 0) != NULL);
		CHECK_INT(uses.nr, 0);
		review_index_symbols_release(&uses);
		review_index_symbols_release(&callers);
		CHECK(review_index_related(idx, "nope.c", 1, 10, &uses,
					   &callers, &err) ==
		      TEND_ENOTFOUND);
	}
	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&err);
}

/* The text of every stored chunk and symbol context, concatenated. */
static void dump_db(struct buf *out, const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "SELECT text FROM chunks UNION ALL SELECT "
			       "context FROM symbols", -1, &st, NULL) ==
	    SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW)
			buf_printf(out, "%s\n",
				   (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

void test_index__masks_and_skips(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct review_index_opts o = { 0 };
	struct review_index_hits h;
	struct buf err = BUF_INIT, all = BUF_INIT, big = BUF_INIT;
	const char *ignore[] = { "secret/**" };
	char dbpath[4096];
	git_oid head;
	int i;

	review_index_hits_init(&h);
	REQUIRE(test_sh("cd '%s' && git init -q -b main .", dir) == 0);
	REQUIRE(put(dir, "conf/settings.py", "GITHUB_TOKEN = \"" FAKE_GHP
		    "\"\n\ndef connect_remote():\n    return \"" FAKE_GHP
		    "\"\n") == 0);
	REQUIRE(put(dir, "gen/api.pb.go", "package api\nfunc Generated() {}\n")
		== 0);
	REQUIRE(put(dir, "gen/marked.c", "/* Code generated by tool. DO NOT "
		    "EDIT. */\nint marked_fn(void) { return 0; }\n") == 0);
	REQUIRE(put(dir, "node_modules/dep/index.js",
		    "function vendoredFn() {}\n") == 0);
	REQUIRE(put(dir, "secret/ignored.c", "int ignored_fn(void);\n") == 0);
	REQUIRE(test_sh("cd '%s' && printf 'abc\\000def binaryword' > "
			"blob.bin", dir) == 0);
	for (i = 0; i < 3000; i++)
		buf_printf(&big, "int huge_%d(void) { return %d; }\n", i, i);
	REQUIRE(put(dir, "huge.c", big.ptr) == 0);
	REQUIRE(put(dir, "ok.c", "int fine_fn(void) { return 1; }\n") == 0);
	REQUIRE(commit_all(dir, "one") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	snprintf(dbpath, sizeof(dbpath), "%s/idx/index.sqlite", dir);
	o.path = dbpath;
	o.file_max = 64 * 1024;
	o.ignore = ignore;
	o.nr_ignore = 1;
	o.threads = 2;
	REQUIRE(review_index_open(&idx, repo, &o, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.files, 8);
	/* pb.go, marked.c, node_modules, ignored, binary, huge */
	CHECK_INT(st.skipped, 6);

	dump_db(&all, dbpath);
	CHECK(strstr(all.ptr, "connect_remote") != NULL);
	CHECK(strstr(all.ptr, FAKE_GHP) == NULL);
	CHECK(strstr(all.ptr, "ghp_****") || strstr(all.ptr, "****"));
	CHECK(strstr(all.ptr, "fine_fn") != NULL);
	CHECK(strstr(all.ptr, "huge_1") == NULL);
	CHECK(strstr(all.ptr, "binaryword") == NULL);
	CHECK(strstr(all.ptr, "marked_fn") == NULL);
	CHECK(strstr(all.ptr, "vendoredFn") == NULL);
	CHECK(strstr(all.ptr, "ignored_fn") == NULL);
	CHECK(strstr(all.ptr, "Generated") == NULL);

	CHECK(review_index_query(idx, "connect_remote", NULL, 5, &h, &err) ==
	      0);
	CHECK(h.nr >= 1 && !strstr(h.items[0].text, FAKE_GHP));
	review_index_hits_release(&h);
	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&all);
	buf_release(&big);
	buf_release(&err);
}

static int count_files_with(const char *dir, const char *part)
{
	char cmd[4096];
	FILE *p;
	int n = 0;
	char line[4096];

	if (strlen(dir) > 4000)
		return -1;
	snprintf(cmd, sizeof(cmd), "ls '%.4000s'", dir);
	if (!(p = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof(line), p))
		n += strstr(line, part) != NULL;
	pclose(p);
	return n;
}

void test_index__corrupt_rebuilt(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct review_index_symbols s;
	struct buf err = BUF_INIT;
	char tend_dir[4096], db[4096 + 32];
	struct review_index_hits h;
	git_oid head;
	int broken;
	FILE *f;

	review_index_symbols_init(&s);
	review_index_hits_init(&h);
	REQUIRE(make_lang_repo(dir) == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	snprintf(tend_dir, sizeof(tend_dir), "%s/.git/tend", dir);
	snprintf(db, sizeof(db), "%s/index.sqlite", tend_dir);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(!st.rebuilt && !st.note);
	review_index_stats_release(&st);
	review_index_close(idx);

	/* Junk over the header and the first pages. */
	REQUIRE((f = fopen(db, "r+b")) != NULL);
	{
		char junk[8192];

		memset(junk, 'J', sizeof(junk));
		fwrite(junk, 1, sizeof(junk), f);
	}
	fclose(f);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(st.rebuilt);
	CHECK(st.note && strstr(st.note, "rebuilt"));
	CHECK_INT(st.parsed, NR_LANGS);
	CHECK_INT(count_files_with(tend_dir, ".broken-"), 1);
	CHECK(review_index_symbol(idx, "alpha_count", 5, &s, &err) == 0);
	CHECK_INT(s.nr, 2);
	review_index_symbols_release(&s);
	review_index_stats_release(&st);

	/* The next update is a plain one. */
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(!st.rebuilt && !st.note);
	review_index_stats_release(&st);
	review_index_close(idx);

	/* Junk in the middle of the file: found when read, rebuilt. */
	{
		struct stat sb;
		char junk[4096];

		REQUIRE(stat(db, &sb) == 0 && sb.st_size > 16384);
		REQUIRE((f = fopen(db, "r+b")) != NULL);
		memset(junk, 0x5a, sizeof(junk));
		fseek(f, 4096, SEEK_SET);
		for (long off = 4096; off + 4096 < sb.st_size; off += 4096)
			fwrite(junk, 1, sizeof(junk), f);
		fclose(f);
	}
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	CHECK(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(st.rebuilt);
	review_index_stats_release(&st);
	review_index_close(idx);

	/* A foreign SQLite file and another schema version. */
	REQUIRE(test_sh("rm -f '%s'* && sqlite3 '%s' 'CREATE TABLE t(x); "
			"PRAGMA user_version=7;' 2>/dev/null || python3 -c "
			"\"import sqlite3; c=sqlite3.connect('%s'); "
			"c.execute('CREATE TABLE t(x)'); "
			"c.execute('PRAGMA user_version=7'); c.commit()\"",
			db, db, db) == 0);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(st.rebuilt);
	CHECK(st.note && strstr(st.note, "not an index of tend"));
	review_index_stats_release(&st);
	review_index_close(idx);
	{
		sqlite3 *d = NULL;

		REQUIRE(sqlite3_open(db, &d) == SQLITE_OK);
		CHECK(sqlite3_exec(d, "PRAGMA user_version=99", NULL, NULL,
				   NULL) == SQLITE_OK);
		sqlite3_close(d);
	}
	broken = count_files_with(tend_dir, ".broken-");
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(st.rebuilt);
	CHECK(st.note && strstr(st.note, "schema version 99"));
	CHECK_INT(st.parsed, NR_LANGS);
	/* Another version's index is a cache: replaced, not kept aside. */
	CHECK_INT(count_files_with(tend_dir, ".broken-"), broken);
	review_index_stats_release(&st);
	review_index_close(idx);

	/*
	 * The postings' pages filled with 'Z', the rest intact: a query is
	 * where that shows first, as corruption (not a failed ranking), and
	 * the file is moved aside for the next update to rebuild.
	 */
	{
		sqlite3 *d = NULL;

		REQUIRE(sqlite3_open(db, &d) == SQLITE_OK);
		CHECK(sqlite3_exec(d, "UPDATE chunks_data SET block = CAST("
				   "substr(replace(hex(zeroblob(length(block)"
				   ")), '0', 'Z'), 1, length(block)) AS BLOB) "
				   "WHERE id > 10", NULL, NULL, NULL) ==
		      SQLITE_OK);
		sqlite3_close(d);
	}
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	CHECK(review_index_query(idx, "alpha count", NULL, 10, &h, &err) < 0);
	CHECK(err.ptr && strstr(err.ptr, "corrupt") &&
	      strstr(err.ptr, "moved aside"));
	CHECK_INT(count_files_with(tend_dir, ".broken-"), broken + 1);
	review_index_hits_release(&h);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&err);
}

void test_index__concurrent_updates(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct buf err = BUF_INIT, big = BUF_INIT;
	git_object *obj = NULL;
	git_oid one, two;
	pid_t pids[2];
	int i, status;

	REQUIRE(make_lang_repo(dir) == 0);
	for (i = 0; i < 200; i++) {
		char rel[64];

		buf_reset(&big);
		buf_printf(&big, "int many_%d(void) { return %d; }\n", i, i);
		snprintf(rel, sizeof(rel), "many/m%d.c", i);
		REQUIRE(put(dir, rel, big.ptr) == 0);
	}
	REQUIRE(commit_all(dir, "many") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &two) == 0);
	REQUIRE(git_revparse_single(&obj, repo, "HEAD~1") == 0);
	git_oid_cpy(&one, git_object_id(obj));
	git_object_free(obj);

	/* Two processes index two commits into one database at once. */
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		REQUIRE(pids[i] >= 0);
		if (!pids[i]) {
			git_repository *r = NULL;
			struct review_index *x = NULL;
			struct review_index_stats s = { 0 };
			struct buf e = BUF_INIT;
			int rc = 1;

			git_libgit2_init();
			if (!git_repository_open(&r, dir) &&
			    !review_index_open(&x, r, NULL, &e) &&
			    !review_index_update(x, i ? &two : &one, &s, &e))
				rc = 0;
			else
				fprintf(stderr, "process %d: %s\n", i, e.ptr);
			review_index_close(x);
			git_repository_free(r);
			_exit(rc);
		}
	}
	for (i = 0; i < 2; i++) {
		REQUIRE(waitpid(pids[i], &status, 0) == pids[i]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* Consistent: whichever came last, an update to `two` is coherent. */
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &two, &st, &err) == 0);
	CHECK(!st.rebuilt);
	CHECK_INT(st.files, NR_LANGS + 200);
	CHECK(st.parsed <= 200);
	review_index_stats_release(&st);
	REQUIRE(review_index_update(idx, &two, &st, &err) == 0);
	CHECK_INT(st.parsed, 0);
	{
		struct review_index_symbols s;

		review_index_symbols_init(&s);
		CHECK(review_index_symbol(idx, "many_199", 5, &s, &err) == 0);
		CHECK_INT(s.nr, 1);
		review_index_symbols_release(&s);
		CHECK(review_index_symbol(idx, "alpha_count", 5, &s, &err) ==
		      0);
		CHECK_INT(s.nr, 2);
		review_index_symbols_release(&s);
	}
	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&big);
	buf_release(&err);
}

void test_index__match_expr(void)
{
	struct buf out = BUF_INIT;
	sqlite3 *db = NULL;
	static const char *const inputs[] = {
		"hello world", "\"a phrase\" word", "review_index_open",
		"getUserName", "src/a.c", "NEAR(a b)", "a OR b AND NOT c",
		"col:thing", "x*", "\"unterminated", "\"\"", "\xff\xfe",
		"caf\xc3\xa9", "---", "^start", "{a b}", "a\"b\"c", "_ __",
		"(((", ")", NULL
	};
	size_t i;

	CHECK(review_index_match_expr(&out, "hello world") == 2);
	CHECK_STR(out.ptr, "\"hello\" OR \"world\"");
	CHECK(review_index_match_expr(&out, "\"a phrase\"") == 1);
	CHECK_STR(out.ptr, "\"a phrase\"");
	CHECK(review_index_match_expr(&out, "getUserName") == 4);
	CHECK_STR(out.ptr, "\"getUserName\" OR \"get\" OR \"User\" OR "
		  "\"Name\"");
	CHECK(review_index_match_expr(&out, "src/a.c") == 1);
	CHECK_STR(out.ptr, "\"src a c\"");
	CHECK(review_index_match_expr(&out, "--- ((( ") == 0);
	CHECK_STR(out.ptr, "");
	/* stop words go when other words carry the query, not otherwise */
	CHECK(review_index_match_expr(&out, "Fix the parser of THE header") ==
	      3);
	CHECK_STR(out.ptr, "\"Fix\" OR \"parser\" OR \"header\"");
	CHECK(review_index_match_expr(&out, "to be or not") == 4);
	CHECK(review_index_match_expr(&out, "\"the end\" of it") == 1);
	CHECK_STR(out.ptr, "\"the end\"");

	REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
	REQUIRE(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(a, b, "
			     "tokenize='porter unicode61'); INSERT INTO t "
			     "VALUES ('hello world', 'x')", NULL, NULL,
			     NULL) == SQLITE_OK);
	for (i = 0; inputs[i]; i++) {
		sqlite3_stmt *st = NULL;
		int rc;

		if (review_index_match_expr(&out, inputs[i]) <= 0)
			continue;
		REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t "
					   "MATCH ?1", -1, &st, NULL) ==
			SQLITE_OK);
		sqlite3_bind_text(st, 1, out.ptr, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			fprintf(stderr, "'%s' -> '%s': %s\n", inputs[i],
				out.ptr, sqlite3_errmsg(db));
		CHECK(rc == SQLITE_ROW);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	buf_release(&out);
}

/*
 * A deterministic embedding: a bag of words hashed into 32 buckets, so
 * texts that share words are close. Counts its calls; fails on demand.
 */
struct fake_embed {
	int calls, fail;
	size_t texts;
};

static int fake_embed(void *data, const char *const *texts, size_t nr,
		      float *out, size_t *dim_out, struct buf *err)
{
	struct fake_embed *fe = data;
	size_t i;

	fe->calls++;
	if (fe->fail)
		return error_set(err, TEND_ERROR, "embeddings endpoint down");
	for (i = 0; i < nr; i++) {
		const char *p = texts[i];
		float *v = out + i * 32;

		memset(v, 0, 32 * sizeof(float));
		while (*p) {
			unsigned h = 5381;

			while (*p && !((*p >= 'a' && *p <= 'z') ||
				       (*p >= 'A' && *p <= 'Z')))
				p++;
			if (!*p)
				break;
			while ((*p >= 'a' && *p <= 'z') ||
			       (*p >= 'A' && *p <= 'Z'))
				h = h * 33 + (unsigned char)*p++;
			v[h % 32] += 1;
		}
	}
	fe->texts += nr;
	*dim_out = 32;
	return 0;
}

static int count_rows(const char *db, const char *table)
{
	sqlite3 *d = NULL;
	sqlite3_stmt *st = NULL;
	char sql[128];
	int n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_open(db, &d) == SQLITE_OK &&
	    sqlite3_prepare_v2(d, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(d);
	return n;
}

void test_index__embeddings_hybrid(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct review_index_opts o = { 0 };
	struct review_index_hits h;
	struct fake_embed fe = { 0 };
	struct buf err = BUF_INIT;
	char db[4096];
	git_oid head;
	int chunks;

	review_index_hits_init(&h);
	REQUIRE(make_lang_repo(dir) == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	snprintf(db, sizeof(db), "%s/.git/tend/index.sqlite", dir);
	o.embed = fake_embed;
	o.embed_data = &fe;
	REQUIRE(review_index_open(&idx, repo, &o, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(fe.calls >= 1);
	chunks = count_rows(db, "chunks");
	CHECK(chunks > 0);
	CHECK_INT(count_rows(db, "vectors"), chunks);
	CHECK_INT(fe.texts, chunks);

	/* A query is embedded too; words only the vectors know still rank. */
	fe.calls = 0;
	CHECK(review_index_query(idx, "GammaLoader load path", NULL, 3, &h,
				 &err) == 0);
	CHECK_INT(fe.calls, 1);
	CHECK(h.nr >= 1 && !strcmp(h.items[0].path, "py/gamma.py"));
	CHECK(h.nr <= 3);
	review_index_hits_release(&h);
	CHECK(review_index_query(idx, "GammaLoader", "web/**", 3, &h, &err) ==
	      0);
	CHECK(h.nr == 0 || !strncmp(h.items[0].path, "web/", 4));
	review_index_hits_release(&h);

	/* The endpoint fails: BM25 alone, no error. */
	fe.fail = 1;
	review_index_close(idx);
	REQUIRE(review_index_open(&idx, repo, &o, &err) == 0);
	CHECK(review_index_query(idx, "GammaLoader", NULL, 3, &h, &err) == 0);
	CHECK(h.nr >= 1 && !strcmp(h.items[0].path, "py/gamma.py"));
	review_index_hits_release(&h);
	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&err);
}

void test_index__size_cap(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct review_index_opts o = { 0 };
	struct buf err = BUF_INIT, big = BUF_INIT;
	git_oid head;
	int i;

	REQUIRE(make_lang_repo(dir) == 0);
	for (i = 0; i < 20000; i++)
		buf_printf(&big, "int big_%d(void) { return %d; }\n", i, i);
	REQUIRE(put(dir, "big.c", big.ptr) == 0);
	REQUIRE(commit_all(dir, "big") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	o.db_max = 1 << 20;	/* the big file's chunks alone pass it */
	o.file_max = 4 << 20;
	REQUIRE(review_index_open(&idx, repo, &o, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK(st.note && strstr(st.note, "size cap"));
	CHECK_INT(st.skipped, 1);
	review_index_stats_release(&st);
	{
		struct review_index_symbols s;

		review_index_symbols_init(&s);
		CHECK(review_index_symbol(idx, "big_7", 5, &s, &err) == 0);
		CHECK_INT(s.nr, 0);
		CHECK(review_index_symbol(idx, "alpha_count", 5, &s, &err) ==
		      0);
		CHECK_INT(s.nr, 2);
		review_index_symbols_release(&s);
	}
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&big);
	buf_release(&err);
}

/*
 * .gitattributes decide linguist-generated and -vendored per path; an
 * update looks attributes up again only when an attributes file changed,
 * and then for every path.
 */
/* How many definitions and references of `name` the index holds. */
static size_t symbol_nr(struct review_index *idx, const char *name)
{
	struct review_index_symbols s;
	struct buf err = BUF_INIT;
	size_t nr = 0;

	review_index_symbols_init(&s);
	if (review_index_symbol(idx, name, 10, &s, &err) == 0)
		nr = s.nr;
	review_index_symbols_release(&s);
	buf_release(&err);
	return nr;
}

void test_index__attributes_follow_their_files(void)
{
	char dir[4096];
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct buf err = BUF_INIT, all = BUF_INIT;
	char dbpath[4096];
	struct review_index_opts o = { 0 };
	git_oid head;

	/* the database outside the work tree, which every commit adds */
	snprintf(dir, sizeof(dir), "%s/repo", test_tmpdir());
	REQUIRE(test_sh("mkdir -p '%s' && cd '%s' && git init -q -b main .",
			dir, dir) == 0);
	REQUIRE(put(dir, ".gitattributes", "gen/** linguist-generated\n") ==
		0);
	REQUIRE(put(dir, "gen/a.c", "int gen_fn(void) { return 0; }\n") == 0);
	REQUIRE(put(dir, "lib/b.c", "int lib_fn(void) { return 1; }\n") == 0);
	REQUIRE(put(dir, "c.c", "int c_fn(void) { return 2; }\n") == 0);
	REQUIRE(commit_all(dir, "one") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	snprintf(dbpath, sizeof(dbpath), "%s/idx/index.sqlite",
		 test_tmpdir());
	o.path = dbpath;
	REQUIRE(review_index_open(&idx, repo, &o, &err) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.skipped, 1);
	dump_db(&all, dbpath);
	CHECK(strstr(all.ptr, "gen_fn") == NULL);
	CHECK(strstr(all.ptr, "lib_fn") != NULL);
	review_index_stats_release(&st);

	/* an unrelated change: the decisions stay */
	REQUIRE(put(dir, "c.c", "int c_fn(void) { return 3; }\n") == 0);
	REQUIRE(commit_all(dir, "two") == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.skipped, 1);
	CHECK_INT(st.parsed, 1);
	review_index_stats_release(&st);

	/* the attributes change: lib/ becomes vendored, gen/ stays out */
	REQUIRE(put(dir, ".gitattributes", "gen/** linguist-generated\n"
		    "lib/** linguist-vendored\n") == 0);
	REQUIRE(commit_all(dir, "three") == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.skipped, 2);
	CHECK_INT(symbol_nr(idx, "lib_fn"), 0);
	CHECK_INT(symbol_nr(idx, "c_fn"), 1);
	review_index_stats_release(&st);

	/* no attributes at all: both come back */
	REQUIRE(test_sh("cd '%s' && git rm -q .gitattributes", dir) == 0);
	REQUIRE(commit_all(dir, "four") == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.skipped, 0);
	CHECK_INT(symbol_nr(idx, "gen_fn"), 1);
	CHECK_INT(symbol_nr(idx, "lib_fn"), 1);
	review_index_stats_release(&st);

	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&all);
	buf_release(&err);
}

/*
 * A `#!/bin/sh` script that execs another interpreter on itself (git's
 * gitk, Tcl) is indexed as lines, not parsed as shell; the same script
 * without the trampoline is.
 */
void test_index__shell_trampoline_not_parsed(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct buf err = BUF_INIT;
	git_oid head;

	REQUIRE(test_sh("cd '%s' && git init -q -b main .", dir) == 0);
	REQUIRE(put(dir, "tk-tool", "#!/bin/sh\n"
		    "# Tcl from here on \\\n"
		    "exec wish \"$0\" -- \"$@\"\n\n"
		    "tcl_helper() { echo never shell; }\n") == 0);
	REQUIRE(put(dir, "sh-tool", "#!/bin/sh\n"
		    "sh_helper() { echo shell; }\n"
		    "exec sh \"$0\" \"$@\"\n") == 0);
	REQUIRE(commit_all(dir, "tools") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.parsed, 2);
	CHECK_INT(symbol_nr(idx, "tcl_helper"), 0);
	CHECK_INT(symbol_nr(idx, "sh_helper"), 1);
	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	buf_release(&err);
}

/*
 * A query whose common words exceed the budget takes its candidates from
 * its rarest terms and scores them against all terms: each hit has the
 * score a ranking by every term gives the same chunk, the hits come best
 * first, and the best is the same. A ranking by every term gives FTS5's
 * own bm25() scores (the lengths come from the norms).
 */
void test_index__rarest_terms_rank_as_all(void)
{
	const char *dir = test_tmpdir();
	static const char *const queries[] = {
		"fix the widget parser for nested frames",
		"widget frame render \"nested frames\" lib/frame_7.c",
		"renderFrame widget_count parser",
	};
	git_repository *repo = NULL;
	struct review_index *all = NULL, *some = NULL;
	struct review_index_opts wide = { 0 }, narrow = { 0 };
	struct review_index_stats st = { 0 };
	struct buf err = BUF_INIT, text = BUF_INIT;
	char *db2;
	git_oid head;
	size_t i, q;

	REQUIRE(test_sh("cd '%s' && git init -q -b main .", dir) == 0);
	for (i = 0; i < 40; i++) {
		char rel[64];

		buf_reset(&text);
		buf_printf(&text, "/* Frame %zu of the widget. */\n"
			   "int render_frame_%zu(int widget)\n{\n"
			   "\treturn widget + %zu;\n}\n\n", i, i, i);
		if (i % 7 == 0)
			buf_printf(&text, "/* The parser of nested frames. */\n"
				   "int parse_nested_%zu(int frame)\n{\n"
				   "\treturn frame * %zu;\n}\n", i, i);
		if (i % 13 == 0)
			buf_puts(&text, "int widget_count(void)\n{\n"
				 "\treturn 0;\n}\n");
		snprintf(rel, sizeof(rel), "lib/frame_%zu.c", i);
		REQUIRE(put(dir, rel, text.ptr) == 0);
	}
	REQUIRE(commit_all(dir, "frames") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	wide.doc_budget = 1000000;
	REQUIRE(review_index_open(&all, repo, &wide, &err) == 0);
	REQUIRE(review_index_update(all, &head, &st, &err) == 0);
	review_index_stats_release(&st);
	db2 = xasprintf("%s/second.sqlite", dir);
	narrow.path = db2;
	narrow.doc_budget = 3;
	REQUIRE(review_index_open(&some, repo, &narrow, &err) == 0);
	REQUIRE(review_index_update(some, &head, &st, &err) == 0);

	for (q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		struct review_index_hits a, b, c;
		size_t j;

		review_index_hits_init(&a);
		review_index_hits_init(&b);
		review_index_hits_init(&c);
		CHECK(review_index_query(all, queries[q], NULL, 1000, &a,
					 &err) == 0);
		CHECK(review_index_query(some, queries[q], NULL, 8, &b,
					 &err) == 0);
		/* A path glob takes FTS5's own bm25(): the same scores. */
		CHECK(review_index_query(all, queries[q], "**", 1000, &c,
					 &err) == 0);
		CHECK_INT(c.nr, a.nr);
		for (i = 0; i < c.nr && i < a.nr; i++)
			CHECK(fabs(c.items[i].score - a.items[i].score) <
			      1e-9 * (1 + fabs(c.items[i].score)));
		review_index_hits_release(&c);
		CHECK(a.nr > 8);
		CHECK_INT(b.nr, 8);
		CHECK(a.nr && b.nr && !strcmp(a.items[0].path,
					       b.items[0].path) &&
		      a.items[0].start_line == b.items[0].start_line);
		for (i = 0; i < b.nr; i++) {
			for (j = 0; j < a.nr; j++)
				if (!strcmp(a.items[j].path, b.items[i].path) &&
				    a.items[j].start_line ==
				    b.items[i].start_line)
					break;
			CHECK(j < a.nr);
			CHECK(j < a.nr && fabs(b.items[i].score -
					       a.items[j].score) <
			      1e-9 * (1 + fabs(a.items[j].score)));
			CHECK(!i || b.items[i].score <= b.items[i - 1].score);
		}
		review_index_hits_release(&a);
		review_index_hits_release(&b);
	}
	review_index_stats_release(&st);
	review_index_close(all);
	review_index_close(some);
	git_repository_free(repo);
	free(db2);
	buf_release(&err);
	buf_release(&text);
}

/*
 * A first build of many files writes the symbols before their indexes,
 * which it makes at the end: both are there after it, lookups use them,
 * and a later update keeps them.
 */
void test_index__bulk_build_makes_indexes(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct review_index *idx = NULL;
	struct review_index_stats st = { 0 };
	struct review_index_symbols syms;
	struct buf err = BUF_INIT, text = BUF_INIT, plan = BUF_INIT;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char *path;
	git_oid head;
	size_t i, nr = 0;

	review_index_symbols_init(&syms);
	REQUIRE(test_sh("cd '%s' && git init -q -b main .", dir) == 0);
	for (i = 0; i < 300; i++) {
		char rel[64];

		buf_reset(&text);
		buf_printf(&text, "int unit_%zu(int x)\n{\n\treturn "
			   "shared_helper(x) + %zu;\n}\n", i, i);
		snprintf(rel, sizeof(rel), "src/u%zu.c", i);
		REQUIRE(put(dir, rel, text.ptr) == 0);
	}
	REQUIRE(put(dir, "src/shared.c", "int shared_helper(int x)\n{\n"
		    "\treturn x;\n}\n") == 0);
	REQUIRE(commit_all(dir, "many") == 0);
	REQUIRE(open_repo(&repo, dir) == 0);
	REQUIRE(head_of(repo, &head) == 0);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.parsed, 301);
	CHECK(review_index_symbol(idx, "shared_helper", 500, &syms, &err) == 0);
	CHECK_INT(syms.nr, 301);
	review_index_symbols_release(&syms);
	review_index_close(idx);
	idx = NULL;

	/* The indexes exist, and a lookup by name goes through one. */
	path = xasprintf("%s/.git/tend/index.sqlite", dir);
	REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
	REQUIRE(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE "
				   "type = 'index' AND tbl_name = 'symbols'",
				   -1, &q, NULL) == SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		nr++;
	sqlite3_finalize(q);
	CHECK_INT(nr, 2);
	REQUIRE(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT * FROM "
				   "symbols WHERE name = 'x'", -1, &q, NULL) ==
		SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		buf_puts(&plan, (const char *)sqlite3_column_text(q, 3));
	sqlite3_finalize(q);
	CHECK(strstr(plan.ptr, "symbols_name") != NULL);
	sqlite3_close(db);

	/* An update of one file keeps them. */
	REQUIRE(put(dir, "src/u1.c", "int unit_1(int x)\n{\n\treturn x;\n}\n")
		== 0);
	REQUIRE(commit_all(dir, "one") == 0);
	REQUIRE(head_of(repo, &head) == 0);
	review_index_stats_release(&st);
	REQUIRE(review_index_open(&idx, repo, NULL, &err) == 0);
	REQUIRE(review_index_update(idx, &head, &st, &err) == 0);
	CHECK_INT(st.parsed, 1);
	CHECK(review_index_symbol(idx, "shared_helper", 500, &syms, &err) == 0);
	CHECK_INT(syms.nr, 300);
	review_index_symbols_release(&syms);

	review_index_stats_release(&st);
	review_index_close(idx);
	git_repository_free(repo);
	free(path);
	buf_release(&err);
	buf_release(&text);
	buf_release(&plan);
}
