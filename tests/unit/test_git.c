#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "forge/git.h"
#include "tests/unit/test.h"

static const char *test_git_repo(void)
{
	const char *dir = test_tmpdir();

	if (test_sh("cd '%s' && git init -q -b main . && echo a > a && "
		    "git add a && git commit -qm one && echo b >> a && "
		    "git commit -qam two && git checkout -q -b topic && "
		    "echo c >> a && git commit -qam three", dir))
		return NULL;
	return dir;
}

void test_git__open_resolve_merge_base(void)
{
	const char *dir = test_git_repo();
	git_repository *repo = NULL;
	struct buf err = BUF_INIT;
	git_oid main_oid, head, mb;
	char *base = NULL;

	REQUIRE(dir);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	CHECK(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	CHECK(forge_git_resolve(&main_oid, repo, "main", &err) == 0);
	CHECK(forge_git_default_base(&base, repo, &err) == 0);
	CHECK_STR(base, "main");
	CHECK(forge_git_merge_base(&mb, repo, &main_oid, &head, &err) == 0);
	CHECK(git_oid_equal(&mb, &main_oid));
	CHECK(forge_git_resolve(&head, repo, "no-such", &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "unknown revision 'no-such'");
	{
		char *b = forge_git_head_branch(repo);

		CHECK_STR(b, "topic");
		free(b);
	}
	free(base);
	git_repository_free(repo);
	buf_release(&err);
}

void test_git__not_a_repository(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct buf err = BUF_INIT;

	CHECK(forge_git_open(&repo, dir, &err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "not a git repository") != NULL);
	CHECK(repo == NULL);
	buf_release(&err);
}

void test_git__read_blob_and_limits(void)
{
	const char *dir = test_git_repo();
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_oid head;

	REQUIRE(dir);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	CHECK(forge_git_read_blob(&out, repo, &head, "a", 0, &err) == 0);
	CHECK_STR(out.ptr, "a\nb\nc\n");
	CHECK(forge_git_read_blob(&out, repo, &head, "a", 3, &err) ==
	      TEND_ETOOBIG);
	CHECK(forge_git_read_blob(&out, repo, &head, "zz", 0, &err) ==
	      TEND_ENOTFOUND);
	git_repository_free(repo);
	buf_release(&out);
	buf_release(&err);
}

void test_git__default_base_prefers_origin_head(void)
{
	const char *dir = test_tmpdir();
	git_repository *repo = NULL;
	struct buf err = BUF_INIT;
	char *base = NULL;

	REQUIRE(test_sh("cd '%s' && git init -q -b trunk up && cd up && "
			"echo a > a && git add a && git commit -qm one && "
			"cd .. && git clone -q up down 2>/dev/null", dir) == 0);
	REQUIRE(test_sh("cd '%s/down' && git checkout -q -b feature", dir) == 0);
	{
		char path[1024];

		snprintf(path, sizeof(path), "%s/down", dir);
		REQUIRE(forge_git_open(&repo, path, &err) == 0);
	}
	CHECK(forge_git_default_base(&base, repo, &err) == 0);
	CHECK_STR(base, "origin/trunk");
	free(base);
	git_repository_free(repo);
	buf_release(&err);
}

void test_git__attr_generated(void)
{
	const char *dir = test_git_repo();
	git_repository *repo = NULL;
	struct buf err = BUF_INIT;

	REQUIRE(dir);
	REQUIRE(test_sh("cd '%s' && printf 'gen/** linguist-generated\\n"
			"x.c -linguist-generated\\n' > .gitattributes", dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	CHECK(forge_git_attr_bool(repo, "gen/a.c", "linguist-generated") == 1);
	CHECK(forge_git_attr_bool(repo, "x.c", "linguist-generated") == 0);
	CHECK(forge_git_attr_bool(repo, "y.c", "linguist-generated") == 0);
	git_repository_free(repo);
	buf_release(&err);
}
