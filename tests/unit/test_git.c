/*
 * test_git.c - forge/git.c against real repositories in temp directories:
 * reading (open, resolve, blobs, attributes), the work tree's changes, the
 * commit of them, and pushes with a lease to tests/lib/fakegitremote.py,
 * a loopback server in front of `git http-backend` that checks tokens the
 * way a forge does and logs every request.
 */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "common/xalloc.h"
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

/* The standard output of a shell command, right-trimmed; -1 when it fails. */
static int cmd_out(struct buf *out, const char *fmt, ...)
{
	char cmd[8192], chunk[4096];
	va_list ap;
	FILE *p;
	size_t n;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(cmd) || !(p = popen(cmd, "r")))
		return -1;
	buf_reset(out);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(out, chunk, n);
	buf_rtrim(out);
	return pclose(p) == 0 ? 0 : -1;
}

/* The exit status of a shell command (-1 when it did not run). */
static int sh_status(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];
	int st;

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	st = system(cmd);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int oid_of(git_oid *out, const char *fmt, const char *dir,
		  const char *rev)
{
	struct buf b = BUF_INIT;
	int rc = -1;

	if (cmd_out(&b, fmt, dir, rev) == 0 && git_oid_fromstr(out, b.ptr) == 0)
		rc = 0;
	buf_release(&b);
	return rc;
}

#define REV(out, dir, rev) \
	oid_of((out), "git -C '%s' rev-parse '%s'", (dir), (rev))

/*
 * A repository whose base commit has every kind of entry, then a work
 * tree that changes each: mod modified, del deleted, exe made executable,
 * tolink become a symbolic link, new/deep/n and sub/u added, x.log and
 * ign/f ignored.
 */
static int changed_repo(const char *dir)
{
	return test_sh("cd '%s' && git init -q -b main . && "
		       "printf 'x\\n' > keep && printf 'a\\n' > mod && "
		       "printf 'd\\n' > del && printf 'e\\n' > exe && "
		       "printf 'l\\n' > tolink && mkdir sub && "
		       "printf 's\\n' > sub/s && "
		       "printf 'ign/\\n*.log\\n' > .gitignore && git add . && "
		       "git commit -qm base && printf 'more\\n' >> mod && "
		       "rm del && chmod +x exe && rm tolink && "
		       "ln -s keep tolink && mkdir -p new/deep && "
		       "printf 'n\\n' > new/deep/n && printf 'i\\n' > x.log && "
		       "mkdir ign && printf 'i\\n' > ign/f && "
		       "printf 'u\\n' > sub/u", dir);
}

static int paths_are(char **paths, size_t nr, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++)
		if (i >= nr || !paths[i] || strcmp(paths[i], want[i]))
			return 0;
	return i == nr && paths[nr] == NULL;
}

void test_git__changed_paths(void)
{
	static const char *const want[] = {
		"del", "exe", "mod", "new/deep/n", "sub/u", "tolink", NULL
	};
	static const char *const want_old[] = {
		"del", "exe", "later", "mod", "new/deep/n", "sub/u", "tolink",
		NULL
	};
	char dir[512];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT;
	char **paths = NULL;
	size_t nr = 0, i;
	git_oid head, first;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	REQUIRE(changed_repo(dir) == 0);
	/* A nested repository and a stray .git file are never listed. */
	REQUIRE(test_sh("cd '%s' && git init -q nested && "
			"printf 'n\\n' > nested/f && mkdir -p odd && "
			"printf 'gitdir: /tmp\\n' > odd/.GIT", dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	CHECK(forge_git_changed_paths(&paths, &nr, repo, &head, &err) == 0);
	CHECK(paths_are(paths, nr, want));
	for (i = 0; paths && i < nr; i++)
		CHECK(strstr(paths[i], ".git") == NULL);
	forge_git_paths_free(paths);
	paths = NULL;

	/*
	 * Against an older commit, the index (HEAD's) is not base's tree:
	 * the other way of comparing gives the same answer.
	 */
	REQUIRE(test_sh("cd '%s' && printf 'z\\n' > later && git add later && "
			"git commit -qm later", dir) == 0);
	REQUIRE(REV(&first, dir, "HEAD~1") == 0);
	CHECK(forge_git_changed_paths(&paths, &nr, repo, &first, &err) == 0);
	CHECK(paths_are(paths, nr, want_old));
	forge_git_paths_free(paths);
	paths = NULL;

	/* A clean work tree lists nothing. */
	REQUIRE(test_sh("cd '%s' && rm -rf nested odd && git add -A && "
			"git commit -qm all", dir) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	CHECK(forge_git_changed_paths(&paths, &nr, repo, &head, &err) == 0);
	CHECK_INT(nr, 0);
	CHECK(paths && paths[0] == NULL);
	forge_git_paths_free(paths);
	forge_git_paths_free(NULL);
	git_repository_free(repo);
	buf_release(&err);
}

void test_git__commit_tree_mode_identity(void)
{
	static const char *const msg =
		"fix: make mod longer\n\nBecause.\n\nTend-Run: 42";
	struct forge_git_commit_opts o = { 0 };
	char dir[512], copy[600];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	git_oid base, id, parent;
	char *message = NULL;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(copy, sizeof(copy), "%s.git-add", dir);
	REQUIRE(changed_repo(dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);
	o.message = msg;
	o.name = "tend[bot]";
	o.email = "tend@example.invalid";
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == 0);

	/* The tree is the one `git add -A` makes of the same work tree. */
	REQUIRE(test_sh("cp -a '%s' '%s' && cd '%s' && git add -A", dir, copy,
			copy) == 0);
	REQUIRE(cmd_out(&want, "cd '%s' && git write-tree", copy) == 0);
	REQUIRE(cmd_out(&out, "git -C '%s' rev-parse %s^{tree}", dir,
			git_oid_tostr_s(&id)) == 0);
	CHECK_STR(out.ptr, want.ptr);
	REQUIRE(cmd_out(&out, "git -C '%s' ls-tree -r --format='%%(objectmode) "
			"%%(path)' %s | tr '\\n' ,", dir,
			git_oid_tostr_s(&id)) == 0);
	CHECK_STR(out.ptr, "100644 .gitignore,100755 exe,100644 keep,"
		  "100644 mod,100644 new/deep/n,100644 sub/s,100644 sub/u,"
		  "120000 tolink,");
	REQUIRE(cmd_out(&out, "git -C '%s' cat-file -p %s:tolink", dir,
			git_oid_tostr_s(&id)) == 0);
	CHECK_STR(out.ptr, "keep");

	/* Author, committer, parent, message. */
	REQUIRE(cmd_out(&out, "git -C '%s' log -1 --format='%%an <%%ae>|%%cn "
			"<%%ce>|%%P' %s", dir, git_oid_tostr_s(&id)) == 0);
	buf_reset(&want);
	buf_printf(&want, "tend[bot] <tend@example.invalid>|tend[bot] "
		   "<tend@example.invalid>|%s", git_oid_tostr_s(&base));
	CHECK_STR(out.ptr, want.ptr);
	CHECK_INT(forge_git_commit_message(&message, repo, &id, &err), 1);
	buf_reset(&want);
	buf_printf(&want, "%s\n", msg);
	CHECK_STR(message, want.ptr);
	CHECK(forge_git_first_parent(&parent, repo, &id) == 0);
	CHECK(git_oid_equal(&parent, &base));

	/* Nothing else moved: HEAD, the index, the work tree. */
	REQUIRE(cmd_out(&out, "git -C '%s' rev-parse HEAD", dir) == 0);
	CHECK_STR(out.ptr, git_oid_tostr_s(&base));
	CHECK(test_sh("git -C '%s' diff --cached --quiet", dir) == 0);
	REQUIRE(cmd_out(&out, "git -C '%s' status --porcelain | tr '\\n' ,",
			dir) == 0);
	CHECK_STR(out.ptr, " D del, M exe, M mod, T tolink,?? new/,?? sub/u,");
	free(message);
	git_repository_free(repo);
	buf_release(&want);
	buf_release(&out);
	buf_release(&err);
}

void test_git__commit_nothing_and_subsets(void)
{
	static const char *const only_mod[] = { "mod" };
	static const char *const unchanged[] = { "keep", "no/such/file" };
	struct forge_git_commit_opts o = { 0 };
	char dir[512];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
	git_oid base, id;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	REQUIRE(changed_repo(dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);
	o.message = "fix: x";
	o.name = "tend[bot]";
	o.email = "tend@example.invalid";

	/* Only the paths named are taken. */
	o.paths = only_mod;
	o.nr_paths = 1;
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == 0);
	git_oid_tostr(a, sizeof(a), &base);
	git_oid_tostr(b, sizeof(b), &id);
	REQUIRE(cmd_out(&out, "git -C '%s' diff --name-status %s %s | "
			"tr '\\n\\t' ',:'", dir, a, b) == 0);
	CHECK_STR(out.ptr, "M:mod,");

	/* Paths that did not change: nothing to commit. */
	o.paths = unchanged;
	o.nr_paths = 2;
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "nothing to commit") != NULL);

	/* A clean work tree: nothing to commit either. */
	REQUIRE(test_sh("cd '%s' && git add -A && git commit -qm all",
			dir) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);
	o.paths = NULL;
	o.nr_paths = 0;
	buf_reset(&err);
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "nothing to commit") != NULL);

	/* No message, no identity. */
	o.message = "";
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == TEND_EINVALID);
	git_repository_free(repo);
	buf_release(&out);
	buf_release(&err);
}

void test_git__commit_refuses_paths(void)
{
	static const char *const bad[] = {
		"../x", ".git/config", "sub/.GIT/hooks/x", "/etc/passwd",
		"a//b", "./a", "a/", "", "win\\path"
	};
	struct forge_git_commit_opts o = { 0 };
	char dir[512], outside[600];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	const char *one[1], *two[2];
	git_oid base, id;
	size_t i;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(outside, sizeof(outside), "%s.outside", dir);
	REQUIRE(test_sh("cd '%s' && git init -q -b main . && mkdir d && "
			"printf 'inside\\n' > d/f && git add . && "
			"git commit -qm base && mkdir '%s' && "
			"printf 'SECRET-OUTSIDE\\n' > '%s/f'", dir, outside,
			outside) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);
	o.message = "fix: x";
	o.name = "n";
	o.email = "e@x";
	o.paths = one;
	o.nr_paths = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		one[0] = bad[i];
		buf_reset(&err);
		CHECK(forge_git_commit(&id, repo, &base, &o, &err) ==
		      TEND_EINVALID);
		CHECK(strstr(err.ptr, "refusing the path") != NULL);
	}

	/*
	 * d becomes a link to a directory outside: d/f is not read through
	 * it (it is gone from the work tree's point of view), d is a link.
	 */
	REQUIRE(test_sh("cd '%s' && rm -r d && ln -s '%s' d", dir,
			outside) == 0);
	one[0] = "d/f";
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == 0);
	REQUIRE(cmd_out(&out, "git -C '%s' ls-tree -r %s | wc -l", dir,
			git_oid_tostr_s(&id)) == 0);
	CHECK_STR(out.ptr, "0");
	two[0] = "d";
	two[1] = "d/f";
	o.paths = two;
	o.nr_paths = 2;
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == 0);
	REQUIRE(cmd_out(&out, "git -C '%s' ls-tree -r --format='%%(objectmode) "
			"%%(path)' %s", dir, git_oid_tostr_s(&id)) == 0);
	CHECK_STR(out.ptr, "120000 d");
	CHECK(sh_status("git -C '%s' grep -q SECRET-OUTSIDE %s", dir,
			git_oid_tostr_s(&id)) == 1);

	/* A fifo is neither a file nor a link. */
	REQUIRE(test_sh("cd '%s' && mkfifo pipe", dir) == 0);
	one[0] = "pipe";
	o.paths = one;
	o.nr_paths = 1;
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "neither a file nor a symbolic link") != NULL);
	git_repository_free(repo);
	buf_release(&out);
	buf_release(&err);
}

void test_git__commit_update_ref(void)
{
	struct forge_git_commit_opts o = { 0 };
	static const char *const only_mod[] = { "mod" };
	char dir[512];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_oid base, id, id2, other;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	REQUIRE(changed_repo(dir) == 0);
	REQUIRE(test_sh("cd '%s' && git branch other && printf 'staged\\n' > "
			"st && git add st", dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);
	o.message = "fix: mod\n\nTend-Run: 1\n";
	o.name = "tend[bot]";
	o.email = "tend@example.invalid";
	o.paths = only_mod;
	o.nr_paths = 1;

	/* A ref that is not HEAD's moves; the index does not change. */
	o.update_ref = "refs/heads/other";
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == 0);
	REQUIRE(REV(&other, dir, "refs/heads/other") == 0);
	CHECK(git_oid_equal(&other, &id));
	REQUIRE(cmd_out(&out, "git -C '%s' diff --cached --name-only | "
			"tr '\\n' ,", dir) == 0);
	CHECK_STR(out.ptr, "st,");
	/* ... and only from where it was. */
	CHECK(forge_git_commit(&id2, repo, &base, &o, &err) ==
	      FORGE_GIT_EMOVED);
	CHECK(strstr(err.ptr, "refs/heads/other' moved") != NULL);
	REQUIRE(REV(&other, dir, "refs/heads/other") == 0);
	CHECK(git_oid_equal(&other, &id));

	/* HEAD: its branch moves, and the index follows for "mod" only. */
	o.update_ref = "HEAD";
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == 0);
	REQUIRE(REV(&other, dir, "refs/heads/main") == 0);
	CHECK(git_oid_equal(&other, &id));
	REQUIRE(cmd_out(&out, "git -C '%s' symbolic-ref HEAD", dir) == 0);
	CHECK_STR(out.ptr, "refs/heads/main");
	REQUIRE(cmd_out(&out, "git -C '%s' status --porcelain | tr '\\n' ,",
			dir) == 0);
	CHECK_STR(out.ptr, " D del, M exe,A  st, T tolink,?? new/,?? sub/u,");
	REQUIRE(cmd_out(&out, "git -C '%s' reflog -1 --format=%%gs main",
			dir) == 0);
	CHECK_STR(out.ptr, "commit: fix: mod");

	/* A stale parent: nothing moves. */
	o.paths = NULL;
	o.nr_paths = 0;
	CHECK(forge_git_commit(&id2, repo, &base, &o, &err) ==
	      FORGE_GIT_EMOVED);
	REQUIRE(REV(&other, dir, "HEAD") == 0);
	CHECK(git_oid_equal(&other, &id));

	/* The whole work tree on HEAD by its branch's name: clean status. */
	o.update_ref = "refs/heads/main";
	CHECK(forge_git_commit(&id2, repo, &id, &o, &err) == 0);
	REQUIRE(cmd_out(&out, "git -C '%s' status --porcelain", dir) == 0);
	CHECK_STR(out.ptr, "");
	REQUIRE(cmd_out(&out, "git -C '%s' log --format=%%s -3 | tr '\\n' ,",
			dir) == 0);
	CHECK_STR(out.ptr, "fix: mod,fix: mod,base,");

	/* Refs that do not exist or are not full names. */
	o.update_ref = "refs/heads/nope";
	CHECK(forge_git_commit(&id, repo, &id2, &o, &err) == TEND_EINVALID);
	REQUIRE(test_sh("cd '%s' && printf 'again\\n' >> mod", dir) == 0);
	CHECK(forge_git_commit(&id, repo, &id2, &o, &err) == TEND_ENOTFOUND);
	o.update_ref = "main";
	CHECK(forge_git_commit(&id, repo, &id2, &o, &err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "not a full ref name") != NULL);
	git_repository_free(repo);
	buf_release(&out);
	buf_release(&err);
}

void test_git__restore_path(void)
{
	static const char *const want[] = {
		"del", "dir", "dir/x", "evil", "exe", "link", "mod",
		"new/deep/n", "plain", NULL
	};
	char dir[512], outside[600];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	char **paths = NULL;
	size_t nr = 0, i;
	git_oid base;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(outside, sizeof(outside), "%s.outside", dir);
	/*
	 * Every kind of change: modified, deleted, mode lost, a file become
	 * a link and a link a file, a directory become a file, new files,
	 * an ignored file, and evil, a link to a directory outside.
	 */
	REQUIRE(test_sh("cd '%s' && git init -q -b main . && "
			"printf 'keep\\n' > keep && printf 'a\\n' > mod && "
			"printf 'd\\n' > del && printf 'e\\n' > exe && "
			"chmod +x exe && printf 'p\\n' > plain && "
			"ln -s keep link && mkdir dir && "
			"printf 'x\\n' > dir/x && "
			"printf '*.log\\n' > .gitignore && git add . && "
			"git commit -qm base && printf 'b\\n' >> mod && "
			"rm del && chmod -x exe && rm plain && "
			"ln -s keep plain && rm link && "
			"printf 'not a link\\n' > link && rm -r dir && "
			"printf 'file\\n' > dir && mkdir -p new/deep && "
			"printf 'n\\n' > new/deep/n && "
			"printf 'l\\n' > x.log && mkdir '%s' && "
			"printf 'keep me\\n' > '%s/f' && ln -s '%s' evil",
			dir, outside, outside, outside) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);
	CHECK(forge_git_changed_paths(&paths, &nr, repo, &base, &err) == 0);
	CHECK(paths_are(paths, nr, want));

	/* Through a link, or into .git: left alone or refused. */
	CHECK(forge_git_restore_path(repo, &base, "evil/f", &err) == 0);
	REQUIRE(cmd_out(&out, "cat '%s/f'", outside) == 0);
	CHECK_STR(out.ptr, "keep me");
	CHECK(forge_git_restore_path(repo, &base, ".git/config", &err) ==
	      TEND_EINVALID);
	CHECK(forge_git_restore_path(repo, &base, "../x", &err) ==
	      TEND_EINVALID);
	/* dir/x cannot come back while the file dir is in the way. */
	CHECK(forge_git_restore_path(repo, &base, "dir/x", &err) ==
	      TEND_EINVALID);
	CHECK(strstr(err.ptr, "in the way") != NULL);

	for (i = 0; paths && i < nr; i++) {
		buf_reset(&err);
		CHECK(forge_git_restore_path(repo, &base, paths[i], &err) == 0);
		if (err.len)
			printf("  restore %s: %s\n", paths[i], err.ptr);
	}
	forge_git_paths_free(paths);
	paths = NULL;
	CHECK(forge_git_changed_paths(&paths, &nr, repo, &base, &err) == 0);
	CHECK_INT(nr, 0);
	forge_git_paths_free(paths);
	CHECK(test_sh("cd '%s' && test -x exe && test -f plain && "
		      "test ! -L plain", dir) == 0);
	CHECK(test_sh("cd '%s' && test -L link && "
		      "test \"$(readlink link)\" = keep", dir) == 0);
	CHECK(test_sh("cd '%s' && test -f dir/x && test ! -e evil && "
		      "test ! -e new/deep/n && test -f x.log", dir) == 0);
	REQUIRE(cmd_out(&out, "cat '%s/f'", outside) == 0);
	CHECK_STR(out.ptr, "keep me");
	REQUIRE(cmd_out(&out, "git -C '%s' status --porcelain", dir) == 0);
	CHECK_STR(out.ptr, "");
	git_repository_free(repo);
	buf_release(&out);
	buf_release(&err);
}

void test_git__message_and_parents(void)
{
	char dir[512];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT;
	git_oid head, root, p;
	char *msg = NULL;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	REQUIRE(test_sh("cd '%s' && git init -q -b main . && "
			"git commit -q --allow-empty -m root && "
			"git commit -q --allow-empty -m 'fix: one' "
			"-m 'Tend-Run: 7' && git checkout -q -b side HEAD~1 && "
			"git commit -q --allow-empty -m side && "
			"git checkout -q main && "
			"git merge -q --no-edit -m merged side", dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(REV(&head, dir, "HEAD") == 0);
	REQUIRE(REV(&root, dir, "HEAD~2") == 0);
	CHECK_INT(forge_git_commit_message(&msg, repo, &head, &err), 2);
	CHECK_STR(msg, "merged\n");
	free(msg);
	msg = NULL;
	CHECK(forge_git_first_parent(&p, repo, &head) == 0);
	CHECK_INT(forge_git_commit_message(&msg, repo, &p, &err), 1);
	CHECK_STR(msg, "fix: one\n\nTend-Run: 7\n");
	free(msg);
	msg = NULL;
	CHECK(forge_git_first_parent(&p, repo, &p) == 0);
	CHECK(git_oid_equal(&p, &root));
	CHECK_INT(forge_git_commit_message(&msg, repo, &root, &err), 0);
	free(msg);
	CHECK(forge_git_first_parent(&p, repo, &root) == TEND_ENOTFOUND);
	memset(&p, 0x11, sizeof(p));
	CHECK(forge_git_commit_message(&msg, repo, &p, &err) < 0);
	git_repository_free(repo);
	buf_release(&err);
}

void test_git__commit_blob(void)
{
	char dir[512];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_oid head, side, c, m;

	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	REQUIRE(test_sh("cd '%s' && git init -q -b main . && "
			"printf 'a\\n' > a && git add a && git commit -qm base && "
			"git checkout -q -b side && printf 's\\n' > s && "
			"git add s && git commit -qm side && "
			"git checkout -q main", dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(REV(&head, dir, "main") == 0);
	REQUIRE(REV(&side, dir, "side") == 0);

	/* A new file in a new directory; nothing else changes. */
	CHECK_INT(forge_git_commit_blob(&c, repo, &head, NULL,
					".tend/learnings.md", "- x\n", 4,
					"learnings: x", "tend", "t@x", &err), 0);
	CHECK(forge_git_read_blob(&out, repo, &c, ".tend/learnings.md", 0,
				  &err) == 0 && !strcmp(out.ptr, "- x\n"));
	CHECK(forge_git_read_blob(&out, repo, &c, "a", 0, &err) == 0 &&
	      !strcmp(out.ptr, "a\n"));
	CHECK(forge_git_first_parent(&m, repo, &c) == 0 &&
	      git_oid_equal(&m, &head));
	CHECK(cmd_out(&out, "git -C '%s' log -1 --format=%%an%%n%%B %s", dir,
		      git_oid_tostr_s(&c)) == 0 &&
	      !strcmp(out.ptr, "tend\nlearnings: x"));
	/* The same content again is nothing to commit. */
	CHECK_INT(forge_git_commit_blob(&m, repo, &c, NULL,
					".tend/learnings.md", "- x\n", 4, "again",
					"tend", "t@x", &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "nothing to commit") != NULL);
	buf_reset(&err);

	/* A second parent whose tree is not taken: descends from both. */
	CHECK_INT(forge_git_commit_blob(&m, repo, &head, &side,
					".tend/learnings.md", "- y\n", 4, "merge",
					"tend", "t@x", &err), 0);
	CHECK(git_graph_descendant_of(repo, &m, &side) == 1);
	CHECK(git_graph_descendant_of(repo, &m, &head) == 1);
	CHECK(forge_git_read_blob(&out, repo, &m, "s", 0, &err) ==
	      TEND_ENOTFOUND);
	buf_reset(&err);

	/* Paths tend never writes. */
	CHECK_INT(forge_git_commit_blob(&m, repo, &head, NULL, ".git/config",
					"x", 1, "no", "tend", "t@x", &err),
		  TEND_EINVALID);
	CHECK_INT(forge_git_commit_blob(&m, repo, &head, NULL, "../x", "x", 1,
					"no", "tend", "t@x", &err),
		  TEND_EINVALID);
	git_repository_free(repo);
	buf_release(&err);
	buf_release(&out);
}

void test_git__same_origin(void)
{
	CHECK(forge_git_same_origin("https://github.com/o/r.git",
				    "https://github.com"));
	CHECK(forge_git_same_origin("https://GitHub.COM:443/o/r.git",
				    "https://github.com/"));
	CHECK(forge_git_same_origin("http://127.0.0.1:8080/o/r.git",
				    "http://127.0.0.1:8080"));
	CHECK(forge_git_same_origin("http://[::1]:80/o/r.git",
				    "http://[::1]"));
	CHECK(forge_git_same_origin("https://gitlab.example.com/g/s/p.git",
				    "HTTPS://gitlab.example.com:443"));
	/* Another scheme, host, port; a lookalike; userinfo; junk. */
	CHECK(!forge_git_same_origin("http://github.com/o/r.git",
				     "https://github.com"));
	CHECK(!forge_git_same_origin("https://github.com.evil.io/o/r.git",
				     "https://github.com"));
	CHECK(!forge_git_same_origin("https://github.com@evil.io/o/r.git",
				     "https://github.com"));
	CHECK(!forge_git_same_origin("https://x:y@github.com/o/r.git",
				     "https://github.com"));
	CHECK(!forge_git_same_origin("https://github.com:8443/o/r.git",
				     "https://github.com"));
	CHECK(forge_git_same_origin("https://gl.example.com/gitlab/g/p.git",
				    "https://gl.example.com/gitlab"));
	CHECK(!forge_git_same_origin("https://github.com/o/r.git",
				     "https://github.com?o"));
	CHECK(!forge_git_same_origin("https://github.com/o/r.git",
				     "https://github.com#o"));
	CHECK(!forge_git_same_origin("https://github.com/o/r.git",
				     "https://user@github.com"));
	CHECK(!forge_git_same_origin("https://github.com:/o/r.git",
				     "https://github.com"));
	CHECK(!forge_git_same_origin("https://github.com:+443/o/r.git",
				     "https://github.com"));
	CHECK(!forge_git_same_origin("https://github.com:65536/o/r.git",
				     "https://github.com:65536"));
	CHECK(!forge_git_same_origin("https://gith%75b.com/o/r.git",
				     "https://github.com"));
	CHECK(!forge_git_same_origin("https://[::1/o/r.git", "https://[::1]"));
	CHECK(!forge_git_same_origin("https://::1/o/r.git", "https://[::1]"));
	CHECK(!forge_git_same_origin("ssh://github.com/o/r.git",
				     "ssh://github.com"));
	CHECK(!forge_git_same_origin("https:///o/r.git", "https://"));
	CHECK(!forge_git_same_origin("https://git hub.com/", "https://git"));
	CHECK(!forge_git_same_origin(NULL, "https://github.com"));
	CHECK(!forge_git_same_origin("https://github.com/o/r.git", NULL));
}

/* The fake remote: a child process serving real repositories. */
struct remote {
	pid_t pid;
	int port;
	char url[128];
	char origin[64];
	char log_path[600];
};

static pid_t remote_leftover;

static int remote_start(struct remote *r, const char *dir,
			const char *const *extra)
{
	const char *argv[32];
	char server[1100], root[600], line[32];
	struct pollfd pfd;
	size_t got = 0, n = 0;
	int fds[2];
	char *end;
	long port;

	if (remote_leftover > 0) {
		kill(remote_leftover, SIGTERM);
		waitpid(remote_leftover, NULL, 0);
		remote_leftover = 0;
	}
	memset(r, 0, sizeof(*r));
	snprintf(server, sizeof(server), "%s",
		 test_fixture("lib/fakegitremote.py"));
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(r->log_path, sizeof(r->log_path), "%s/log.json", dir);
	argv[n++] = "python3";
	argv[n++] = "-I";
	argv[n++] = "-S";
	argv[n++] = server;
	argv[n++] = "--root";
	argv[n++] = root;
	argv[n++] = "--log";
	argv[n++] = r->log_path;
	argv[n++] = "--timeout";
	argv[n++] = "60";
	argv[n++] = "--watch-parent";
	while (extra && *extra && n < 31)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe(fds) < 0)
		return -1;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (!r->pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
		ssize_t k;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		k = read(fds[0], line + got, sizeof(line) - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fds[0]);
	line[got] = '\0';
	port = strtol(line, &end, 10);
	if (port <= 0 || port > 65535 || *end != '\n') {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
		return -1;
	}
	r->port = (int)port;
	remote_leftover = r->pid;
	snprintf(r->url, sizeof(r->url), "http://127.0.0.1:%d/o/r.git",
		 r->port);
	snprintf(r->origin, sizeof(r->origin), "http://127.0.0.1:%d", r->port);
	return 0;
}

static void remote_stop(struct remote *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
		if (remote_leftover == r->pid)
			remote_leftover = 0;
	}
	r->pid = 0;
}

/* The remote's request log; the caller decrefs. */
static json_t *remote_log(const struct remote *r)
{
	json_error_t jerr;

	return json_load_file(r->log_path, 0, &jerr);
}

/* How many logged requests match: method (or NULL), path suffix, status. */
static int remote_count(const struct remote *r, const char *method,
			const char *suffix, int status)
{
	json_t *log = remote_log(r), *e;
	size_t i;
	int n = 0;

	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *p = json_string_value(json_object_get(e, "path"));
		size_t lp = p ? strlen(p) : 0, ls = strlen(suffix);

		if (method && (!m || strcmp(m, method)))
			continue;
		if (!p || lp < ls || strcmp(p + lp - ls, suffix))
			continue;
		if (status &&
		    json_integer_value(json_object_get(e, "status")) != status)
			continue;
		n++;
	}
	json_decref(log);
	return n;
}

static int remote_any(const struct remote *r, const char *key,
		      const char *needle)
{
	json_t *log = remote_log(r), *e, *h;
	size_t i;
	int found = 0;

	json_array_foreach(log, i, e) {
		const char *path, *query;

		path = json_string_value(json_object_get(e, "path"));
		query = json_string_value(json_object_get(e, "query"));

		h = json_object_get(e, "headers");
		if (!strcmp(key, "authorization") &&
		    json_object_get(h, "authorization"))
			found = 1;
		if (!strcmp(key, "path") && needle &&
		    ((path && strstr(path, needle)) ||
		     (query && strstr(query, needle))))
			found = 1;
		if (!strcmp(key, "fault") && json_object_get(e, "fault"))
			found = 1;
	}
	json_decref(log);
	return found;
}

#define TOKEN "tok-S3cr3t-0f9e8d7c6b5a"

/*
 * A work repository and the remote root/o/r.git (bare) with main and
 * feature at commit "two" (base) and other at "other", both children of
 * "one": other is not a descendant of base. fix is a commit on base that
 * changes `a`, made from the work tree.
 */
struct pushenv {
	char dir[512];
	char work[600];
	char bare[600];
	git_repository *repo;
	git_oid base, other, fix;
	struct remote r;
	struct forge_git_push_opts o;
};

static int pushenv_init(struct pushenv *e)
{
	struct forge_git_commit_opts co = { 0 };
	struct buf err = BUF_INIT;
	int rc;

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s", test_tmpdir());
	snprintf(e->work, sizeof(e->work), "%s/work", e->dir);
	snprintf(e->bare, sizeof(e->bare), "%s/root/o/r.git", e->dir);
	if (test_sh("cd '%s' && git init -q -b main work && "
		    "git init -q --bare -b main root/o/r.git && cd work && "
		    "printf 'a\\n' > a && git add a && git commit -qm one && "
		    "git checkout -q -b other && printf 'o\\n' > o && "
		    "git add o && git commit -qm other && "
		    "git checkout -q main && printf 'b\\n' > b && git add b && "
		    "git commit -qm two && git push -q ../root/o/r.git "
		    "main:main main:feature other:other && "
		    "printf 'fixed\\n' >> a", e->dir))
		return -1;
	if (forge_git_open(&e->repo, e->work, &err) < 0 ||
	    REV(&e->base, e->work, "main") < 0 ||
	    REV(&e->other, e->work, "other") < 0)
		return -1;
	co.message = "fix: a\n\nTend-Run: 1";
	co.name = "tend[bot]";
	co.email = "tend@example.invalid";
	rc = forge_git_commit(&e->fix, e->repo, &e->base, &co, &err);
	buf_release(&err);
	e->o.refname = "refs/heads/feature";
	e->o.expected = &e->base;
	e->o.commit = &e->fix;
	e->o.username = "x-access-token";
	e->o.token = TOKEN;
	return rc;
}

static int pushenv_start(struct pushenv *e, const char *const *extra)
{
	if (remote_start(&e->r, e->dir, extra) < 0)
		return -1;
	e->o.url = e->r.url;
	e->o.allowed_origin = e->r.origin;
	return 0;
}

static void pushenv_release(struct pushenv *e)
{
	remote_stop(&e->r);
	git_repository_free(e->repo);
	e->repo = NULL;
}

/* The remote's value of `ref`, as hex (empty when it has none). */
static void remote_ref(struct buf *out, const struct pushenv *e,
		       const char *ref)
{
	if (cmd_out(out, "git --git-dir='%s' rev-parse -q --verify '%s'",
		    e->bare, ref) < 0)
		buf_reset(out);
}

/* Nothing of the token under the work repository's .git. */
static int token_in_dotgit(const struct pushenv *e)
{
	struct buf b64 = BUF_INIT;
	int plain, encoded;

	plain = sh_status("grep -rqF '%s' '%s/.git'", TOKEN, e->work);
	if (cmd_out(&b64, "printf %%s 'x-access-token:%s' | base64 -w0",
		    TOKEN) < 0)
		return 1;
	encoded = sh_status("grep -rqF '%s' '%s/.git'", b64.ptr, e->work);
	buf_release(&b64);
	/* grep: 1 is "not found"; 0 found, 2 trouble. */
	return plain != 1 || encoded != 1;
}

void test_git__push_lease(void)
{
	static const char *const args[] = { "--token", TOKEN, NULL };
	struct pushenv e;
	struct buf err = BUF_INIT, out = BUF_INIT, cfg = BUF_INIT,
		   cfg2 = BUF_INIT;
	git_oid zero;

	REQUIRE(pushenv_init(&e) == 0);
	REQUIRE(pushenv_start(&e, args) == 0);
	REQUIRE(cmd_out(&cfg, "cat '%s/.git/config'", e.work) == 0);
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), 0);
	if (err.len)
		printf("  %s\n", err.ptr);
	remote_ref(&out, &e, "refs/heads/feature");
	CHECK_STR(out.ptr, git_oid_tostr_s(&e.fix));
	/* Asked once for the token, sent it, pushed. */
	CHECK_INT(remote_count(&e.r, "GET", "/info/refs", 401), 1);
	CHECK_INT(remote_count(&e.r, "POST", "/git-receive-pack", 200), 1);
	CHECK(remote_any(&e.r, "authorization", NULL));
	CHECK(!remote_any(&e.r, "path", TOKEN));
	/* Nothing written under .git: config, FETCH_HEAD, tracking refs. */
	REQUIRE(cmd_out(&cfg2, "cat '%s/.git/config'", e.work) == 0);
	CHECK_STR(cfg2.ptr, cfg.ptr);
	CHECK(test_sh("test ! -e '%s/.git/FETCH_HEAD' && "
		      "test -z \"$(git -C '%s' for-each-ref refs/remotes)\"",
		      e.work, e.work) == 0);
	/* The temporary ref that named the commit is gone. */
	REQUIRE(cmd_out(&out, "cd '%s/.git' && git for-each-ref refs/tend; "
			"find . -path '*tend*'", e.work) == 0);
	CHECK_STR(out.ptr, "");
	CHECK(!token_in_dotgit(&e));

	/* Pushing what is there already sends nothing. */
	e.o.expected = &e.fix;
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), 0);
	CHECK_INT(remote_count(&e.r, "POST", "/git-receive-pack", 0), 1);

	/* A new branch: the lease is "it does not exist yet". */
	memset(&zero, 0, sizeof(zero));
	e.o.refname = "refs/heads/tend/fix-1";
	e.o.expected = &zero;
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), 0);
	remote_ref(&out, &e, "refs/heads/tend/fix-1");
	CHECK_STR(out.ptr, git_oid_tostr_s(&e.fix));
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), FORGE_GIT_EMOVED);
	CHECK(strstr(err.ptr, "already exists") != NULL);
	pushenv_release(&e);
	buf_release(&cfg2);
	buf_release(&cfg);
	buf_release(&out);
	buf_release(&err);
}

void test_git__push_moved_before(void)
{
	static const char *const args[] = { "--token", TOKEN, NULL };
	struct pushenv e;
	struct buf err = BUF_INIT, out = BUF_INIT;

	REQUIRE(pushenv_init(&e) == 0);
	REQUIRE(test_sh("git --git-dir='%s' update-ref refs/heads/feature %s",
			e.bare, git_oid_tostr_s(&e.other)) == 0);
	REQUIRE(pushenv_start(&e, args) == 0);
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), FORGE_GIT_EMOVED);
	CHECK(strstr(err.ptr, "the branch moved: 'refs/heads/feature'") !=
	      NULL);
	CHECK(strstr(err.ptr, "nothing was pushed") != NULL);
	remote_ref(&out, &e, "refs/heads/feature");
	CHECK_STR(out.ptr, git_oid_tostr_s(&e.other));
	CHECK_INT(remote_count(&e.r, "POST", "/git-receive-pack", 0), 0);

	/* A branch deleted on the remote moved too. */
	REQUIRE(test_sh("git --git-dir='%s' update-ref -d refs/heads/feature",
			e.bare) == 0);
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), FORGE_GIT_EMOVED);
	CHECK(strstr(err.ptr, "no longer exists") != NULL);
	remote_ref(&out, &e, "refs/heads/feature");
	CHECK_STR(out.ptr, "");
	CHECK(strstr(err.ptr, TOKEN) == NULL);
	pushenv_release(&e);
	buf_release(&out);
	buf_release(&err);
}

void test_git__push_moved_during(void)
{
	struct pushenv e;
	struct buf err = BUF_INIT, out = BUF_INIT, move = BUF_INIT;
	const char *args[5];

	REQUIRE(pushenv_init(&e) == 0);
	buf_printf(&move, "refs/heads/feature=%s", git_oid_tostr_s(&e.other));
	args[0] = "--token";
	args[1] = TOKEN;
	args[2] = "--move-after-ls";
	args[3] = move.ptr;
	args[4] = NULL;
	REQUIRE(pushenv_start(&e, args) == 0);
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), FORGE_GIT_EMOVED);
	CHECK(strstr(err.ptr, "the branch moved while tend pushed") != NULL);
	/* The other commit is kept; ours was offered and refused. */
	remote_ref(&out, &e, "refs/heads/feature");
	CHECK_STR(out.ptr, git_oid_tostr_s(&e.other));
	CHECK(remote_any(&e.r, "fault", NULL));
	CHECK_INT(remote_count(&e.r, "POST", "/git-receive-pack", 200), 1);
	CHECK(!token_in_dotgit(&e));
	pushenv_release(&e);
	buf_release(&move);
	buf_release(&out);
	buf_release(&err);
}

void test_git__push_bad_tokens(void)
{
	static const char *const args[] = {
		"--token", TOKEN, "--readonly-token", "ro-" TOKEN, NULL
	};
	struct pushenv e;
	struct buf err = BUF_INIT, out = BUF_INIT;
	json_t *log;

	REQUIRE(pushenv_init(&e) == 0);
	REQUIRE(pushenv_start(&e, args) == 0);

	/* A wrong token: refused once, not retried in a loop. */
	e.o.token = "wrong-" TOKEN;
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EAUTH);
	CHECK(strstr(err.ptr, "401") != NULL);
	CHECK(strstr(err.ptr, "wrong-") == NULL);
	CHECK(strstr(err.ptr, TOKEN) == NULL);
	log = remote_log(&e.r);
	CHECK(json_array_size(log) <= 3);
	json_decref(log);

	/* A token that may read but not push: 403. */
	e.o.token = "ro-" TOKEN;
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EAUTH);
	CHECK(strstr(err.ptr, "403") != NULL);
	CHECK(strstr(err.ptr, TOKEN) == NULL);
	CHECK_INT(remote_count(&e.r, "GET", "/info/refs", 403), 1);
	CHECK_INT(remote_count(&e.r, "POST", "/git-receive-pack", 0), 0);
	remote_ref(&out, &e, "refs/heads/feature");
	CHECK_STR(out.ptr, git_oid_tostr_s(&e.base));
	CHECK(!remote_any(&e.r, "path", TOKEN));
	pushenv_release(&e);
	buf_release(&out);
	buf_release(&err);
}

void test_git__push_other_origin(void)
{
	static const char *const args[] = { "--token", TOKEN, NULL };
	struct pushenv e;
	struct buf err = BUF_INIT, out = BUF_INIT;
	char origin[64];

	REQUIRE(pushenv_init(&e) == 0);
	REQUIRE(pushenv_start(&e, args) == 0);
	/* The forge is on another port: this remote gets no credential. */
	snprintf(origin, sizeof(origin), "http://127.0.0.1:%d",
		 e.r.port == 65535 ? 1 : e.r.port + 1);
	e.o.allowed_origin = origin;
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EAUTH);
	CHECK(strstr(err.ptr, "withheld") != NULL);
	CHECK(strstr(err.ptr, TOKEN) == NULL);
	CHECK(remote_count(&e.r, NULL, "/info/refs", 401) >= 1);
	CHECK(!remote_any(&e.r, "authorization", NULL));
	/* Nor does a lookalike origin or one with a user in it. */
	e.o.allowed_origin = "http://127.0.0.1";
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EAUTH);
	e.o.allowed_origin = "http://x-access-token@127.0.0.1";
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EAUTH);
	CHECK(!remote_any(&e.r, "authorization", NULL));
	remote_ref(&out, &e, "refs/heads/feature");
	CHECK_STR(out.ptr, git_oid_tostr_s(&e.base));
	pushenv_release(&e);
	buf_release(&out);
	buf_release(&err);
}

void test_git__push_never_forces(void)
{
	static const char *const args[] = { "--token", TOKEN, NULL };
	struct forge_git_commit_opts co = { 0 };
	struct pushenv e;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_oid side;

	REQUIRE(pushenv_init(&e) == 0);
	REQUIRE(pushenv_start(&e, args) == 0);
	/* A commit on `other`: not a descendant of feature's head. */
	co.message = "fix: elsewhere";
	co.name = "tend[bot]";
	co.email = "tend@example.invalid";
	REQUIRE(forge_git_commit(&side, e.repo, &e.other, &co, &err) == 0);
	e.o.commit = &side;
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "not a fast-forward") != NULL);
	CHECK(strstr(err.ptr, "never forces") != NULL);
	remote_ref(&out, &e, "refs/heads/feature");
	CHECK_STR(out.ptr, git_oid_tostr_s(&e.base));
	CHECK_INT(remote_count(&e.r, "POST", "/git-receive-pack", 0), 0);
	pushenv_release(&e);
	buf_release(&out);
	buf_release(&err);
}

void test_git__push_refuses_urls(void)
{
	struct pushenv e;
	struct buf err = BUF_INIT;

	REQUIRE(pushenv_init(&e) == 0);
	e.o.allowed_origin = "https://github.com";
	e.o.url = "http://github.com/o/r.git";
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "over https") != NULL);
	e.o.url = "https://x-access-token:" TOKEN "@github.com/o/r.git";
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, TOKEN) == NULL);
	CHECK(strstr(err.ptr, "'https://github.com/o/r.git'") != NULL);
	e.o.url = "git@github.com:o/r.git";
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EINVALID);
	e.o.url = "https://github.com/o/r.git";
	e.o.refname = "feature";
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "not a full ref name") != NULL);
	e.o.refname = "refs/heads/feature";
	e.o.token = "";
	CHECK_INT(forge_git_push_lease(e.repo, &e.o, &err), TEND_EINVALID);
	pushenv_release(&e);
	buf_release(&err);
}

void test_git__submodules_left_alone(void)
{
	static const char *const sub[] = { "sub" }, *const inside[] = {
		"sub/f"
	};
	struct forge_git_commit_opts o = { 0 };
	char dir[512];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	char **paths = NULL;
	size_t nr = 0;
	git_oid base, id;

	/* A gitlink at sub, and a directory there in the work tree. */
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	REQUIRE(test_sh("cd '%s' && git init -q -b main . && "
			"printf 'a\\n' > a && git add a && git commit -qm a && "
			"git update-index --add --cacheinfo "
			"160000,$(git rev-parse HEAD),sub && "
			"git commit -qm sub && mkdir sub && "
			"printf 'f\\n' > sub/f && printf 'b\\n' >> a",
			dir) == 0);
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&base, repo, "HEAD", &err) == 0);
	CHECK(forge_git_changed_paths(&paths, &nr, repo, &base, &err) == 0);
	CHECK(nr == 1 && paths && !strcmp(paths[0], "a"));
	forge_git_paths_free(paths);
	o.message = "fix: x";
	o.name = "n";
	o.email = "e@x";
	o.paths = sub;
	o.nr_paths = 1;
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == TEND_EINVALID);
	CHECK(strstr(err.ptr, "submodule") != NULL);
	o.paths = inside;
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == TEND_EINVALID);
	CHECK(forge_git_restore_path(repo, &base, "sub/f", &err) ==
	      TEND_EINVALID);
	CHECK(forge_git_restore_path(repo, &base, "sub", &err) ==
	      TEND_EINVALID);
	REQUIRE(cmd_out(&out, "cat '%s/sub/f'", dir) == 0);
	CHECK_STR(out.ptr, "f");
	/* Every changed path: the gitlink stays as it is. */
	o.paths = NULL;
	o.nr_paths = 0;
	CHECK(forge_git_commit(&id, repo, &base, &o, &err) == 0);
	REQUIRE(cmd_out(&out, "git -C '%s' ls-tree %s sub | cut -c1-6", dir,
			git_oid_tostr_s(&id)) == 0);
	CHECK_STR(out.ptr, "160000");
	git_repository_free(repo);
	buf_release(&out);
	buf_release(&err);
}

/*
 * A work tree of its own: the commit's files in another directory, a
 * commit from there, and the checkout (its files, index and HEAD) as it
 * was.
 */
void test_git__worktree_at(void)
{
	char top[512], dir[600], index[600];
	const char *repo_dir;
	git_repository *repo = NULL, *view = NULL;
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct forge_git_commit_opts co = { 0 };
	char **paths = NULL;
	size_t nr = 0;
	git_oid head, one, made;

	REQUIRE((repo_dir = test_git_repo()) != NULL);
	snprintf(top, sizeof(top), "%s/../wt-%d", repo_dir, (int)getpid());
	snprintf(dir, sizeof(dir), "%s/tree", top);
	snprintf(index, sizeof(index), "%s/index", top);
	REQUIRE(test_sh("mkdir -p '%s'", dir) == 0);
	REQUIRE(forge_git_open(&repo, repo_dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	REQUIRE(forge_git_resolve(&one, repo, "main~1", &err) == 0);
	CHECK_INT(forge_git_worktree_at(&view, repo, &one, dir, index, &err),
		  0);
	REQUIRE(view != NULL);
	CHECK(test_sh("test \"$(cat '%s/a')\" = a", dir) == 0);
	/* Nothing changed yet; then a change, seen from the view only. */
	CHECK_INT(forge_git_changed_paths(&paths, &nr, view, &one, &err), 0);
	CHECK_INT(nr, 0);
	forge_git_paths_free(paths);
	REQUIRE(test_sh("echo z >> '%s/a' && echo n > '%s/n'", dir, dir) == 0);
	CHECK_INT(forge_git_changed_paths(&paths, &nr, view, &one, &err), 0);
	CHECK_INT(nr, 2);
	CHECK(nr == 2 && !strcmp(paths[0], "a") && !strcmp(paths[1], "n"));
	forge_git_paths_free(paths);
	co.message = "from the view";
	co.name = "t";
	co.email = "t@example.com";
	CHECK_INT(forge_git_commit(&made, view, &one, &co, &err), 0);
	CHECK_INT(forge_git_read_blob(&text, repo, &made, "a", 0, &err), 0);
	CHECK(text.len == 4 && !memcmp(text.ptr, "a\nz\n", 4));
	CHECK_INT(forge_git_read_blob(&text, repo, &made, "n", 0, &err), 0);
	/* The checkout: same HEAD, clean, its files untouched. */
	CHECK_INT(forge_git_resolve(&made, repo, "HEAD", &err), 0);
	CHECK(git_oid_equal(&made, &head));
	CHECK(test_sh("cd '%s' && test -z \"$(git status --porcelain)\" && "
		      "test \"$(git rev-parse --abbrev-ref HEAD)\" = topic",
		      repo_dir) == 0);
	git_repository_free(view);
	git_repository_free(repo);
	test_sh("rm -rf '%s'", top);
	buf_release(&err);
	buf_release(&text);
}

/*
 * A fetch goes where it was told: an insteadOf rewrite in the
 * repository's config (a CI step or a cached checkout may have written
 * one) does not send it, and the auth header with the token, elsewhere.
 * Here the rewrite would point at a closed port.
 */
void test_git__fetch_ignores_insteadof(void)
{
	static const char *const args[] = { "--token", TOKEN, NULL };
	const char *spec = "+refs/heads/other:refs/tend/fetched";
	struct pushenv e;
	struct buf err = BUF_INIT, auth = BUF_INIT, b64 = BUF_INIT;
	git_oid got;

	REQUIRE(pushenv_init(&e) == 0);
	REQUIRE(pushenv_start(&e, args) == 0);
	REQUIRE(test_sh("git -C '%s' config url.http://127.0.0.1:9/.insteadOf "
			"'%s'", e.work, e.r.origin) == 0);
	REQUIRE(cmd_out(&b64, "printf 'x-access-token:%%s' '%s' | base64 -w0",
			TOKEN) == 0);
	buf_printf(&auth, "Authorization: Basic %s", b64.ptr);
	CHECK_INT(forge_git_fetch(e.repo, e.r.url, &spec, 1, auth.ptr, &err),
		  0);
	if (err.len)
		printf("  %s\n", err.ptr);
	CHECK_INT(forge_git_resolve(&got, e.repo, "refs/tend/fetched", &err),
		  0);
	CHECK(git_oid_equal(&got, &e.other));
	pushenv_release(&e);
	buf_release(&err);
	buf_release(&auth);
	buf_release(&b64);
}

/* A linked work tree of another commit, opened like a checkout, dropped. */
void test_git__worktree_add_drop(void)
{
	char path[600];
	const char *dir;
	git_repository *repo = NULL, *wt = NULL;
	struct buf err = BUF_INIT;
	git_oid one, at, head;

	REQUIRE((dir = test_git_repo()) != NULL);
	snprintf(path, sizeof(path), "%s/../lw-%d", dir, (int)getpid());
	REQUIRE(forge_git_open(&repo, dir, &err) == 0);
	REQUIRE(forge_git_resolve(&head, repo, "HEAD", &err) == 0);
	REQUIRE(forge_git_resolve(&one, repo, "main~1", &err) == 0);
	CHECK_INT(forge_git_worktree_add(repo, "tend-x/../y", path, &one,
					 &err), TEND_EINVALID);
	CHECK_INT(forge_git_worktree_add(repo, "tend-inbox-1", path, &one,
					 &err), 0);
	CHECK_INT(forge_git_open(&wt, path, &err), 0);
	CHECK_INT(forge_git_resolve(&at, wt, "HEAD", &err), 0);
	CHECK(git_oid_equal(&at, &one));
	CHECK(test_sh("test \"$(cat '%s/a')\" = a", path) == 0);
	git_repository_free(wt);
	/* The checkout is as it was. */
	CHECK_INT(forge_git_resolve(&at, repo, "HEAD", &err), 0);
	CHECK(git_oid_equal(&at, &head));
	REQUIRE(test_sh("echo junk > '%s/junk'", path) == 0);
	CHECK_INT(forge_git_worktree_drop(repo, "tend-inbox-1", &err), 0);
	CHECK(test_sh("test ! -e '%s'", path) == 0);
	CHECK(test_sh("cd '%s' && test -z \"$(git worktree list | grep lw-)\" "
		      "&& ! git rev-parse -q --verify refs/heads/tend-inbox-1",
		      dir) == 0);
	/* Dropping what is not there is fine. */
	CHECK_INT(forge_git_worktree_drop(repo, "tend-inbox-1", &err), 0);
	git_repository_free(repo);
	buf_release(&err);
}

/*
 * Mirrors: a bare repository fetching one ref of another repository,
 * read-only. `up` is the upstream work tree (HEAD on trunk, a branch
 * "side"), mirrored through a file:// URL.
 */
static int mirror_upstream(const char *dir)
{
	return test_sh("cd '%s' && git init -q -b trunk up && cd up && "
		       "mkdir -p src docs && printf 'int f(void);\\n' > "
		       "src/f.h && printf 'doc\\n' > docs/a.md && "
		       "printf 'top\\n' > README && git add . && "
		       "git commit -qm one && git branch side && "
		       "git tag v1", dir);
}

void test_git__mirror_first_and_update(void)
{
	const char *dir = test_tmpdir();
	char url[700], mirror[700], up[700];
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_oid got, want;

	REQUIRE(mirror_upstream(dir) == 0);
	snprintf(up, sizeof(up), "%s/up", dir);
	snprintf(url, sizeof(url), "file://%s/up", dir);
	snprintf(mirror, sizeof(mirror), "%s/cache/m.git", dir);
	REQUIRE(test_sh("mkdir -p '%s/cache'", dir) == 0);
	/* First: made, HEAD's branch fetched. */
	CHECK_INT(forge_git_mirror(url, mirror, NULL, NULL, &got, &err), 0);
	if (err.len)
		printf("  %s\n", err.ptr);
	REQUIRE(REV(&want, up, "trunk") == 0);
	CHECK(git_oid_equal(&got, &want));
	REQUIRE(cmd_out(&out, "git --git-dir='%s' rev-parse "
			"--is-bare-repository", mirror) == 0);
	CHECK_STR(out.ptr, "true");
	/* One ref, HEAD on it; no tags, no remote in the config. */
	REQUIRE(cmd_out(&out, "git --git-dir='%s' for-each-ref "
			"--format='%%(refname)'; git --git-dir='%s' "
			"symbolic-ref HEAD; git --git-dir='%s' config "
			"--get-regexp '^remote' || true", mirror, mirror,
			mirror) == 0);
	CHECK_STR(out.ptr, "refs/heads/trunk\nrefs/heads/trunk");
	/* Again with nothing new: the same commit. */
	CHECK_INT(forge_git_mirror(url, mirror, NULL, NULL, &got, &err), 0);
	CHECK(git_oid_equal(&got, &want));
	/* A new commit upstream: fetched. */
	REQUIRE(test_sh("cd '%s' && printf 'int g(void);\\n' > src/g.h && "
			"git add . && git commit -qm two", up) == 0);
	REQUIRE(REV(&want, up, "trunk") == 0);
	CHECK_INT(forge_git_mirror(url, mirror, NULL, NULL, &got, &err), 0);
	CHECK(git_oid_equal(&got, &want));
	/* A rewritten branch is followed (the mirror is forced). */
	REQUIRE(test_sh("cd '%s' && git commit -q --amend -m two-again", up)
		== 0);
	REQUIRE(REV(&want, up, "trunk") == 0);
	CHECK_INT(forge_git_mirror(url, mirror, "trunk", NULL, &got, &err), 0);
	CHECK(git_oid_equal(&got, &want));
	/* A named branch, and a tag by its full name (peeled). */
	REQUIRE(REV(&want, up, "side") == 0);
	CHECK_INT(forge_git_mirror(url, mirror, "side", NULL, &got, &err), 0);
	CHECK(git_oid_equal(&got, &want));
	CHECK_INT(forge_git_mirror(url, mirror, "refs/tags/v1", NULL, &got,
				   &err), 0);
	CHECK(git_oid_equal(&got, &want));
	buf_release(&err);
	buf_release(&out);
}

void test_git__mirror_missing_ref_and_bad_input(void)
{
	const char *dir = test_tmpdir();
	char url[700], mirror[700], junk[700];
	struct buf err = BUF_INIT;
	git_oid got;

	REQUIRE(mirror_upstream(dir) == 0);
	snprintf(url, sizeof(url), "file://%s/up", dir);
	snprintf(mirror, sizeof(mirror), "%s/m.git", dir);
	snprintf(junk, sizeof(junk), "%s/junk", dir);
	CHECK_INT(forge_git_mirror(url, mirror, "no-such", NULL, &got, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "has no branch 'no-such'") != NULL);
	CHECK_INT(forge_git_mirror(url, mirror, "refs/tags/v9", NULL, &got,
				   &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "has no ref 'refs/tags/v9'") != NULL);
	CHECK_INT(forge_git_mirror(url, mirror, "a..b", NULL, &got, &err),
		  TEND_EINVALID);
	CHECK_STR(err.ptr, "not a valid ref name: 'a..b'");
	/* No repository at the URL. */
	snprintf(url, sizeof(url), "file://%s/nothing-here", dir);
	CHECK(forge_git_mirror(url, mirror, NULL, NULL, &got, &err) < 0);
	/* An empty upstream has no HEAD branch. */
	REQUIRE(test_sh("git init -q --bare '%s/empty.git'", dir) == 0);
	snprintf(url, sizeof(url), "file://%s/empty.git", dir);
	CHECK_INT(forge_git_mirror(url, mirror, NULL, NULL, &got, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "has no branch at HEAD") != NULL);
	/* A directory with other things in it is not made a repository. */
	REQUIRE(test_sh("mkdir '%s' && echo x > '%s/file'", junk, junk) == 0);
	snprintf(url, sizeof(url), "file://%s/up", dir);
	CHECK_INT(forge_git_mirror(url, junk, NULL, NULL, &got, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "neither empty nor a bare repository") != NULL);
	CHECK(test_sh("test ! -e '%s/HEAD'", junk) == 0);
	/* URLs: never userinfo; http only to the loopback; no ssh. */
	CHECK_INT(forge_git_mirror("https://u:pw-S3cr3t@h.example/o/r.git",
				   mirror, NULL, NULL, &got, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "pw-S3cr3t") == NULL);
	CHECK(strstr(err.ptr, "a user or password") != NULL);
	CHECK_INT(forge_git_mirror("http://h.example/o/r.git", mirror, NULL,
				   NULL, &got, &err), TEND_EINVALID);
	CHECK_INT(forge_git_mirror("ssh://h.example/o/r.git", mirror, NULL,
				   NULL, &got, &err), TEND_EINVALID);
	CHECK_INT(forge_git_mirror("relative/path", mirror, NULL, NULL, &got,
				   &err), TEND_EINVALID);
	buf_release(&err);
}

/*
 * Over HTTP, to the fake remote (which wants a token for everything):
 * the auth header goes along when given; without it the fetch is
 * refused as wanting credentials, and nothing of a token is sent.
 */
void test_git__mirror_http_auth(void)
{
	static const char *const args[] = { "--token", TOKEN, NULL };
	struct pushenv e;
	struct buf err = BUF_INIT, auth = BUF_INIT, b64 = BUF_INIT;
	char mirror[700], mirror2[700];
	git_oid got;

	REQUIRE(pushenv_init(&e) == 0);
	REQUIRE(pushenv_start(&e, args) == 0);
	snprintf(mirror, sizeof(mirror), "%s/m.git", e.dir);
	snprintf(mirror2, sizeof(mirror2), "%s/m2.git", e.dir);
	CHECK_INT(forge_git_mirror(e.r.url, mirror, "other", NULL, &got, &err),
		  TEND_EAUTH);
	CHECK(strstr(err.ptr, "asks for credentials (HTTP 401)") != NULL);
	CHECK(!remote_any(&e.r, "authorization", NULL));
	REQUIRE(cmd_out(&b64, "printf 'x-access-token:%%s' '%s' | base64 -w0",
			TOKEN) == 0);
	buf_printf(&auth, "Authorization: Basic %s", b64.ptr);
	buf_reset(&err);
	CHECK_INT(forge_git_mirror(e.r.url, mirror, "other", auth.ptr, &got,
				   &err), 0);
	if (err.len)
		printf("  %s\n", err.ptr);
	CHECK(git_oid_equal(&got, &e.other));
	CHECK(remote_any(&e.r, "authorization", NULL));
	/* HEAD of the remote is main. */
	CHECK_INT(forge_git_mirror(e.r.url, mirror2, NULL, auth.ptr, &got,
				   &err), 0);
	CHECK(git_oid_equal(&got, &e.base));
	/* Nothing of the token stays in the mirror. */
	CHECK(sh_status("grep -rqF '%s' '%s'", TOKEN, mirror) == 1);
	CHECK(sh_status("grep -rqF '%s' '%s'", b64.ptr, mirror) == 1);
	/* A wrong token: refused, and the message does not show it. */
	buf_reset(&auth);
	buf_puts(&auth, "Authorization: Basic eC1hY2Nlc3MtdG9rZW46d3Jvbmc=");
	CHECK_INT(forge_git_mirror(e.r.url, mirror, "other", auth.ptr, &got,
				   &err), TEND_EAUTH);
	CHECK(strstr(err.ptr, "eC1hY2Nlc3MtdG9rZW46d3Jvbmc=") == NULL);
	pushenv_release(&e);
	buf_release(&err);
	buf_release(&auth);
	buf_release(&b64);
}

/* The files of a commit that match globs, as a commit of their own. */
void test_git__commit_subset(void)
{
	const char *dir = test_tmpdir();
	static const char *const globs[] = { "src/**", "README" };
	static const char *const none[] = { "nothing/**" };
	char up[700];
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	git_oid head, sub, again;

	REQUIRE(mirror_upstream(dir) == 0);
	snprintf(up, sizeof(up), "%s/up", dir);
	REQUIRE(forge_git_open(&repo, up, &err) == 0);
	REQUIRE(REV(&head, up, "HEAD") == 0);
	CHECK_INT(forge_git_commit_subset(&sub, repo, &head, globs, 2, &err),
		  0);
	REQUIRE(cmd_out(&out, "git -C '%s' ls-tree -r --name-only %s", up,
			git_oid_tostr_s(&sub)) == 0);
	CHECK_STR(out.ptr, "README\nsrc/f.h");
	/* The blobs are the original's. */
	REQUIRE(cmd_out(&out, "test $(git -C '%s' rev-parse %s:src/f.h) = "
			"$(git -C '%s' rev-parse HEAD:src/f.h) && echo same",
			up, git_oid_tostr_s(&sub), up) == 0);
	CHECK_STR(out.ptr, "same");
	/* The same input gives the same commit; no ref names it. */
	CHECK_INT(forge_git_commit_subset(&again, repo, &head, globs, 2, &err),
		  0);
	CHECK(git_oid_equal(&sub, &again));
	REQUIRE(cmd_out(&out, "git -C '%s' for-each-ref --contains %s", up,
			git_oid_tostr_s(&sub)) == 0);
	CHECK_STR(out.ptr, "");
	CHECK_INT(forge_git_commit_subset(&again, repo, &head, none, 1, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "matches 'nothing/**'") != NULL);
	git_repository_free(repo);
	buf_release(&err);
	buf_release(&out);
}

/* forge_git_peek_head() at `dir` agrees with git: 1, else 0. */
static int peek_is(const char *dir, const char *rev_dir, const char *rev,
		   const char *want_top, const char *want_common)
{
	struct buf top = BUF_INIT, common = BUF_INIT, want = BUF_INIT;
	char hex[41];
	int ok;

	ok = forge_git_peek_head(dir, &top, &common, hex) == 0 &&
	     cmd_out(&want, "git -C '%s' rev-parse '%s'", rev_dir, rev) == 0 &&
	     !strcmp(hex, want.ptr) && !strcmp(top.ptr, want_top) &&
	     !strcmp(common.ptr, want_common);
	if (!ok)
		fprintf(stderr, "  peek at '%s': '%s' '%s' '%s'\n", dir,
			top.ptr, common.ptr, ok ? "" : want.ptr);
	buf_release(&top);
	buf_release(&common);
	buf_release(&want);
	return ok;
}

void test_git__peek_head(void)
{
	const char *dir = test_git_repo();
	char *top, *gitdir, *sub, *wt, *wt_top, *other;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char hex[41];

	REQUIRE(dir);
	top = realpath(dir, NULL);
	REQUIRE(top);
	buf_printf(&a, "%s/", top);
	gitdir = xasprintf("%s/.git/", top);

	/* A loose branch, from the top and from below it. */
	CHECK(peek_is(dir, dir, "HEAD", a.ptr, gitdir));
	sub = xasprintf("%s/deep/er", dir);
	REQUIRE(test_sh("mkdir -p '%s'", sub) == 0);
	CHECK(peek_is(sub, dir, "HEAD", a.ptr, gitdir));

	/* Packed, then detached, then a symbolic ref to a packed branch. */
	REQUIRE(test_sh("git -C '%s' pack-refs --all", dir) == 0);
	CHECK(peek_is(dir, dir, "HEAD", a.ptr, gitdir));
	REQUIRE(test_sh("git -C '%s' checkout -q --detach main", dir) == 0);
	CHECK(peek_is(dir, dir, "main", a.ptr, gitdir));
	REQUIRE(test_sh("git -C '%s' symbolic-ref refs/heads/alias "
			"refs/heads/topic && git -C '%s' symbolic-ref HEAD "
			"refs/heads/alias", dir, dir) == 0);
	CHECK(peek_is(dir, dir, "topic", a.ptr, gitdir));

	/* A linked work tree: its own HEAD, the main repository's refs. */
	wt = xasprintf("%s-wt", top);
	REQUIRE(test_sh("git -C '%s' worktree add -q '%s' main 2>/dev/null",
			dir, wt) == 0);
	wt_top = xasprintf("%s/", wt);
	CHECK(peek_is(wt, wt, "HEAD", wt_top, gitdir));
	CHECK(peek_is(wt, dir, "main", wt_top, gitdir));

	/* What it does not know is left to libgit2, outputs untouched. */
	buf_puts(&b, "keep");
	REQUIRE(test_sh("git -C '%s' config extensions.refStorage files",
			dir) == 0);
	CHECK(forge_git_peek_head(dir, &b, &b, hex) == TEND_ENOTFOUND);
	CHECK_STR(b.ptr, "keep");
	other = xasprintf("%s/unborn", top);
	REQUIRE(test_sh("git init -q '%s'", other) == 0);
	CHECK(forge_git_peek_head(other, &b, &b, hex) == TEND_ENOTFOUND);
	CHECK(forge_git_peek_head("/", &b, &b, hex) == TEND_ENOTFOUND);
	CHECK(forge_git_peek_head("/nonexistent/dir", &b, &b, hex) ==
	      TEND_ENOTFOUND);
	CHECK_STR(b.ptr, "keep");

	test_sh("rm -rf '%s'", wt);
	free(top);
	free(gitdir);
	free(sub);
	free(wt);
	free(wt_top);
	free(other);
	buf_release(&a);
	buf_release(&b);
}
