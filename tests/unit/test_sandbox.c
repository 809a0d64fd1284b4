/*
 * test_sandbox.c - the bubblewrap sandbox: what a command inside can see
 * and do, the probe, and the unsandboxed mode.
 *
 * These tests need a working bwrap; without one they fail (set
 * TEND_SKIP_SANDBOX_TESTS=1 to skip them on a machine that cannot run
 * sandboxes, knowing that the sandbox is then untested).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/sandbox.h"
#include "common/xalloc.h"
#include "test.h"

#define CANARY "canary-sbx-7f3a9c1e55"

static int sandbox_skip(void)
{
	const char *s = getenv("TEND_SKIP_SANDBOX_TESTS");
	struct buf err = BUF_INIT;
	int rc;

	if (s && !strcmp(s, "1"))
		return 1;
	rc = sandbox_probe(&err);
	if (rc)
		printf("  sandbox unavailable: %s\n", err.ptr);
	CHECK_INT(rc, 0);
	buf_release(&err);
	return rc != 0;
}

/* Run `script` with /bin/sh in the sandbox over `worktree` (may be NULL). */
static int sbx(struct proc_result *r, const char *worktree,
	       const char *script, int network)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct sandbox_opts o;
	struct buf err = BUF_INIT;
	int rc;

	sandbox_opts_init(&o);
	o.worktree = worktree;
	o.argv = argv;
	o.network = network;
	o.timeout_s = 20;
	proc_result_release(r);
	rc = sandbox_run(r, &o, &err);
	if (rc)
		printf("  sandbox_run: %s\n", err.ptr);
	buf_release(&err);
	return rc;
}

void test_sandbox__identity_and_environment(void)
{
	struct proc_result r;

	if (sandbox_skip())
		return;
	proc_result_init(&r);
	setenv("GITHUB_TOKEN", CANARY, 1);
	REQUIRE(sbx(&r, NULL, "id -u; id -g; echo HOME=$HOME; "
		    "cat /proc/1/environ /proc/self/environ "
		    "/proc/$PPID/environ | tr '\\0' '\\n'; env", 0) == 0);
	unsetenv("GITHUB_TOKEN");
	CHECK_INT(r.exit_code, 0);
	CHECK(!strncmp(r.out.ptr, "1000\n1000\nHOME=/home/sandbox\n", 28));
	CHECK(strstr(r.out.ptr, CANARY) == NULL);
	CHECK(strstr(r.out.ptr, "GITHUB_TOKEN") == NULL);
	CHECK(strstr(r.out.ptr, "PATH=/usr/local/bin:/usr/bin:/bin") != NULL);
	CHECK(strstr(r.out.ptr, "CI=true") != NULL);
	proc_result_release(&r);
}

void test_sandbox__file_system_view(void)
{
	struct proc_result r;
	const char *home = getenv("HOME");
	char script[2048], cred[600];

	if (sandbox_skip())
		return;
	/* A credential in the real home must stay out of reach. */
	snprintf(cred, sizeof(cred), "%s/.git-credentials", home);
	REQUIRE(test_write(cred, "https://x:" CANARY "@github.com\n",
			   strlen("https://x:" CANARY "@github.com\n")) == 0);
	snprintf(script, sizeof(script),
		 "cat '%s' 2>&1; ls /root 2>&1; cat /etc/shadow 2>&1; "
		 "ls /etc/ssl/private 2>&1; "
		 "touch /usr/tend-x 2>&1 || echo usr-ro; "
		 "touch /etc/passwd 2>&1 || echo etc-ro; "
		 "echo tmp > /tmp/tend-sbx-tmp && echo tmp-ok; "
		 "echo h > $HOME/x && echo home-ok; "
		 "grep -c . /etc/passwd; ls /sys 2>&1 | head -1",
		 cred);
	proc_result_init(&r);
	REQUIRE(sbx(&r, NULL, script, 0) == 0);
	CHECK(strstr(r.out.ptr, CANARY) == NULL);
	CHECK(strstr(r.out.ptr, "root:") == NULL);
	CHECK(strstr(r.out.ptr, "usr-ro") != NULL);
	CHECK(strstr(r.out.ptr, "etc-ro") != NULL);
	CHECK(strstr(r.out.ptr, "tmp-ok") != NULL);
	CHECK(strstr(r.out.ptr, "home-ok") != NULL);
	CHECK(strstr(r.out.ptr, "\n3\n") != NULL);
	/* The sandbox's /tmp is private. */
	CHECK(access("/tmp/tend-sbx-tmp", F_OK) < 0);
	unlink(cred);
	proc_result_release(&r);
}

void test_sandbox__worktree_writable_git_read_only(void)
{
	struct proc_result r;
	char path[600], script[1024];
	const char *wt = test_tmpdir();
	struct stat st;

	if (sandbox_skip())
		return;
	REQUIRE(test_sh("git init -q '%s'", wt) == 0);
	snprintf(script, sizeof(script),
		 "pwd; echo made > built.txt && echo wt-ok; "
		 "echo evil > .git/hooks/pre-commit 2>&1 || echo hook-no; "
		 "echo '[core]' >> .git/config 2>&1 || echo config-no; "
		 "rm -rf .git 2>&1 || echo rm-no; "
		 "mv .git g2 2>&1 || echo mv-no; "
		 "echo x > ../outside 2>&1 || echo outside-no");
	proc_result_init(&r);
	REQUIRE(sbx(&r, wt, script, 0) == 0);
	snprintf(path, sizeof(path), "%s\n", wt);
	CHECK(!strncmp(r.out.ptr, path, strlen(path)));
	CHECK(strstr(r.out.ptr, "wt-ok") != NULL);
	CHECK(strstr(r.out.ptr, "hook-no") != NULL);
	CHECK(strstr(r.out.ptr, "config-no") != NULL);
	CHECK(strstr(r.out.ptr, "rm-no") != NULL);
	CHECK(strstr(r.out.ptr, "mv-no") != NULL);
	snprintf(path, sizeof(path), "%s/built.txt", wt);
	CHECK(stat(path, &st) == 0);
	snprintf(path, sizeof(path), "%s/.git/hooks/pre-commit", wt);
	CHECK(stat(path, &st) < 0);
	snprintf(path, sizeof(path), "%s/.git/HEAD", wt);
	CHECK(stat(path, &st) == 0);
	snprintf(path, sizeof(path), "%s/../outside", wt);
	CHECK(stat(path, &st) < 0);
	proc_result_release(&r);
}

void test_sandbox__refuses_home_as_worktree(void)
{
	const char *argv[] = { "true", NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf err = BUF_INIT;

	proc_result_init(&r);
	sandbox_opts_init(&o);
	o.argv = argv;
	o.worktree = getenv("HOME");
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "home directory") != NULL);
	o.worktree = "/";
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EINVALID);
	o.worktree = "/nonexistent-worktree";
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EINVALID);
	buf_release(&err);
	proc_result_release(&r);
}

void test_sandbox__no_network_no_userns(void)
{
	struct proc_result r;

	if (sandbox_skip())
		return;
	proc_result_init(&r);
	REQUIRE(sbx(&r, NULL, "grep -c : /proc/net/dev; "
		    "unshare -U true 2>/dev/null && echo userns-yes; "
		    "unshare -Ur true 2>/dev/null && echo userns-yes; "
		    "hostname; cat /proc/self/status | grep CapEff", 0) == 0);
	/* Only the loopback interface, and it is down and private. */
	CHECK(!strncmp(r.out.ptr, "1\n", 2));
	CHECK(strstr(r.out.ptr, "userns-yes") == NULL);
	CHECK(strstr(r.out.ptr, "tend-sandbox") != NULL);
	CHECK(strstr(r.out.ptr, "CapEff:\t0000000000000000") != NULL);

	/* The setup phase shares the host network. */
	REQUIRE(sbx(&r, NULL, "grep -c : /proc/net/dev; "
		    "test -r /etc/resolv.conf || echo no-resolv", 1) == 0);
	CHECK(strncmp(r.out.ptr, "1\n", 2) != 0);
	proc_result_release(&r);
}

void test_sandbox__descriptors_not_inherited(void)
{
	struct proc_result r;
	char path[600];
	int fd;

	if (sandbox_skip())
		return;
	snprintf(path, sizeof(path), "%s/secret", test_tmpdir());
	REQUIRE(test_write(path, CANARY, strlen(CANARY)) == 0);
	fd = open(path, 0);	/* deliberately inheritable */
	REQUIRE(fd > 2);
	proc_result_init(&r);
	REQUIRE(sbx(&r, NULL, "ls -l /proc/self/fd/ /proc/1/fd/; "
		    "for f in /proc/self/fd/[3-9]* /proc/1/fd/[3-9]*; "
		    "do cat $f 2>/dev/null; done; "
		    "ls /proc/self/fd/ | tr '\\n' ' '", 0) == 0);
	CHECK(strstr(r.out.ptr, CANARY) == NULL);
	CHECK(strstr(r.out.ptr, "secret") == NULL);
	/* 0, 1, 2 and the descriptor ls reads the directory with. */
	CHECK(strstr(r.out.ptr, "\n0 1 2 3 ") != NULL);
	close(fd);
	proc_result_release(&r);
}

void test_sandbox__timeout_kills_everything(void)
{
	const char *argv[] = { "/bin/sh", "-c",
		"setsid sleep 1241.5 & (trap '' TERM; sleep 1242.5) & "
		"while :; do :; done", NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf err = BUF_INIT;
	char cmd[300];

	if (sandbox_skip())
		return;
	proc_result_init(&r);
	sandbox_opts_init(&o);
	o.argv = argv;
	o.timeout_s = 1;
	o.kill_grace_ms = 200;
	REQUIRE(sandbox_run(&r, &o, &err) == 0);
	CHECK_INT(r.timed_out, 1);
	CHECK(r.duration_ms < 5000);
	/* Nothing of the sandbox survives, not even what left the group. */
	usleep(100000);
	snprintf(cmd, sizeof(cmd),
		 "! grep -qs -e '124[1]\\.5' -e '124[2]\\.5' "
		 "/proc/[0-9]*/cmdline");
	CHECK(test_sh("%s", cmd) == 0);
	buf_release(&err);
	proc_result_release(&r);
}

void test_sandbox__output_capped(void)
{
	const char *argv[] = { "/bin/sh", "-c",
		"head -c 20000000 /dev/zero; echo TAIL", NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf err = BUF_INIT;

	if (sandbox_skip())
		return;
	proc_result_init(&r);
	sandbox_opts_init(&o);
	o.argv = argv;
	o.output_cap = 64 * 1024;
	REQUIRE(sandbox_run(&r, &o, &err) == 0);
	CHECK_INT(r.out_bytes, 20000005);
	CHECK(r.out.len < 70 * 1024);
	CHECK(r.out.len > 5 && !strcmp(r.out.ptr + r.out.len - 5, "TAIL\n"));
	buf_release(&err);
	proc_result_release(&r);
}

void test_sandbox__limits_inside(void)
{
	struct proc_result r;

	if (sandbox_skip())
		return;
	proc_result_init(&r);
	REQUIRE(sbx(&r, NULL, "cat /proc/self/limits", 0) == 0);
	CHECK(strstr(r.out.ptr, "Max processes             1024") != NULL);
	CHECK(strstr(r.out.ptr, "Max open files            4096") != NULL);
	CHECK(strstr(r.out.ptr, "Max file size             1073741824") !=
	      NULL);
	CHECK(strstr(r.out.ptr, "Max address space         4294967296") !=
	      NULL);
	proc_result_release(&r);
}

void test_sandbox__refuses_secrets_in_env(void)
{
	const char *argv[] = { "true", NULL };
	const char *env1[] = { "FOO=" CANARY, NULL };
	const char *env2[] = { "OPENAI_API_KEY=whatever", NULL };
	const char *env3[] = { "NOEQUALS", NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf err = BUF_INIT;

	proc_result_init(&r);
	redact_add(CANARY);
	sandbox_opts_init(&o);
	o.argv = argv;
	o.unsandboxed = 1;
	o.env = env1;
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "FOO") != NULL);
	o.env = env2;
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EINVALID);
	o.env = env3;
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EINVALID);
	redact_clear();
	buf_release(&err);
	proc_result_release(&r);
}

void test_sandbox__unsandboxed_mode_still_minimal(void)
{
	const char *argv[] = { "/bin/sh", "-c",
		"echo HOME=$HOME; env | wc -l; pwd; env", NULL };
	const char *env[] = { "EXTRA=1", NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf err = BUF_INIT;
	const char *wt = test_tmpdir();

	setenv("GITHUB_TOKEN", CANARY, 1);
	proc_result_init(&r);
	sandbox_opts_init(&o);
	o.argv = argv;
	o.env = env;
	o.worktree = wt;
	o.unsandboxed = 1;
	REQUIRE(sandbox_run(&r, &o, &err) == 0);
	unsetenv("GITHUB_TOKEN");
	CHECK_INT(r.exit_code, 0);
	CHECK(strstr(r.out.ptr, CANARY) == NULL);
	CHECK(strstr(r.out.ptr, "tend-nosandbox.") != NULL);
	/*
	 * The base list (8), PYTHONPYCACHEPREFIX, EXTRA, and PWD (added by
	 * the shell).
	 */
	CHECK(strstr(r.out.ptr, "\n11\n") != NULL);
	CHECK(strstr(r.out.ptr, "PYTHONPYCACHEPREFIX=") != NULL);
	CHECK(strstr(r.out.ptr, wt) != NULL);
	buf_release(&err);
	proc_result_release(&r);
}

void test_sandbox__probe_reports_missing_bwrap(void)
{
	struct buf err = BUF_INIT;
	const char *old = getenv("TEND_BWRAP");
	char *saved = old ? strdup(old) : NULL;
	const char *argv[] = { "true", NULL };
	struct sandbox_opts o;
	struct proc_result r;

	setenv("TEND_BWRAP", "/nonexistent/bwrap", 1);
	sandbox_probe_reset();
	CHECK_INT(sandbox_probe(&err), TEND_EUNAVAIL);
	CHECK(strstr(err.ptr, "the sandbox is unavailable") != NULL);
	CHECK(strstr(err.ptr, "apt-get install bubblewrap") != NULL);
	CHECK(strstr(err.ptr, "TEND_BWRAP") != NULL);
	CHECK(strstr(err.ptr, "TEND_SANDBOX_MODE=none") != NULL);
	/* Running is refused the same way; nothing runs unsandboxed. */
	proc_result_init(&r);
	sandbox_opts_init(&o);
	o.argv = argv;
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EUNAVAIL);

	/* A bwrap that cannot create namespaces: the remedy is named. */
	setenv("TEND_BWRAP", "/bin/false", 1);
	sandbox_probe_reset();
	CHECK_INT(sandbox_probe(&err), TEND_EUNAVAIL);
	CHECK(strstr(err.ptr, "failed to start a sandbox") != NULL);
	CHECK(strstr(err.ptr, "sysctl") != NULL ||
	      strstr(err.ptr, "container") != NULL);

	/* PATH without bwrap. */
	unsetenv("TEND_BWRAP");
	{
		char *path = strdup(getenv("PATH"));

		setenv("PATH", "/nonexistent", 1);
		sandbox_probe_reset();
		CHECK_INT(sandbox_probe(&err), TEND_EUNAVAIL);
		CHECK(strstr(err.ptr, "not found in PATH") != NULL);
		setenv("PATH", path, 1);
		free(path);
	}
	if (saved)
		setenv("TEND_BWRAP", saved, 1);
	free(saved);
	sandbox_probe_reset();
	buf_release(&err);
	proc_result_release(&r);
}

/*
 * A hand-made checkout whose every credential-bearing git file holds the
 * canary: the top config and config.worktree, a submodule named with a
 * slash and one nested in it, a linked work tree's config.worktree,
 * FETCH_HEAD and a reflog, a nested repository. The sandbox sees none of
 * it, while a branch named "config" keeps its value and git still works.
 */
void test_sandbox__git_credentials_blanked_everywhere(void)
{
	struct proc_result r;
	const char *wt = test_tmpdir();

	if (sandbox_skip())
		return;
	REQUIRE(test_sh(
		"cd '%s' && git init -q . && git commit -q --allow-empty -m c0 "
		"&& git branch config && mkdir -p libs/foo vendor/x && "
		"printf 'gitdir: ../../.git/modules/libs/foo\\n' "
		"> libs/foo/.git "
		"&& git init -q vendor/x && "
		"for d in .git/modules/libs/foo "
		".git/modules/libs/foo/modules/in "
		".git/worktrees/w; do mkdir -p $d/refs $d/objects $d/logs && "
		"echo 'ref: refs/heads/main' > $d/HEAD; done && "
		"for f in .git/config .git/config.worktree "
		".git/modules/libs/foo/config "
		".git/modules/libs/foo/modules/in/config "
		".git/worktrees/w/config.worktree .git/FETCH_HEAD "
		".git/logs/HEAD .git/modules/libs/foo/logs/HEAD "
		".git/git-credentials vendor/x/.git/config; do "
		"printf '[http]\\n\\textraheader = %s\\n' >> $f; done",
		wt, CANARY) == 0);
	proc_result_init(&r);
	REQUIRE(sbx(&r, wt, "grep -r -a " CANARY " . ; "
		    "cat .git/refs/heads/config | wc -c; "
		    "git log --oneline config | wc -l; "
		    "git -C vendor/x status >/dev/null && echo nested-ok; "
		    "echo x > vendor/x/.git/config 2>/dev/null || "
		    "echo nested-ro", 0) == 0);
	CHECK(strstr(r.out.ptr, CANARY) == NULL);
	CHECK(strstr(r.out.ptr, "41\n1\n") != NULL);
	CHECK(strstr(r.out.ptr, "nested-ok") != NULL);
	CHECK(strstr(r.out.ptr, "nested-ro") != NULL);
	if (strstr(r.out.ptr, CANARY) || !strstr(r.out.ptr, "nested-ro"))
		printf("  output: %s\n", r.out.ptr);
	/* The host's files are untouched. */
	CHECK(test_sh("grep -q %s '%s/.git/modules/libs/foo/config'", CANARY,
		      wt) == 0);
	proc_result_release(&r);
}

/*
 * Every .git below the work tree is read-only, and whatever .git the
 * command leaves behind that was not there before as the same file is
 * removed: a rewrite of a submodule's pointer, one planted at the path
 * of a submodule moved away, one in a directory made unreadable, a link.
 * A nested repository moved as a whole stays (it is the genuine one).
 */
void test_sandbox__planted_dot_git_removed(void)
{
	struct proc_result r;
	const char *wt = test_tmpdir();
	enum log_level level;
	char path[700];
	struct stat st;
	int rc;

	if (sandbox_skip())
		return;
	REQUIRE(test_sh(
		"cd '%s' && git init -q . && mkdir -p libs/foo vendor/x && "
		"printf 'gitdir: ../../.git/modules/libs/foo\\n' "
		"> libs/foo/.git "
		"&& git init -q vendor/x", wt) == 0);
	proc_result_init(&r);
	/* The warnings about each removal are for CI logs. */
	level = log_get_level();
	log_set_level(LOG_ERROR);
	rc = sbx(&r, wt,
		 "echo 'gitdir: /tmp' > libs/foo/.git 2>/dev/null || "
		 "echo pointer-ro; "
		 "mv libs/foo libs/moved && mkdir libs/foo && "
		 "echo 'gitdir: ../../evil' > libs/foo/.git && "
		 "mv vendor/x vendor/y && "
		 "mkdir -p h/i && git init -q h/i/j && chmod 111 h/i && "
		 "chmod 500 h && "
		 "ln -s /etc .GIT_link && ln -s / sub.git && "
		 "mkdir -p k && ln -s /etc k/.Git && echo planted", 0);
	log_set_level(level);
	REQUIRE(rc == 0);
	CHECK(strstr(r.out.ptr, "pointer-ro") != NULL);
	CHECK(strstr(r.out.ptr, "planted") != NULL);
	snprintf(path, sizeof(path), "%s/libs/foo/.git", wt);
	CHECK(lstat(path, &st) < 0);
	snprintf(path, sizeof(path), "%s/libs/moved/.git", wt);
	CHECK(lstat(path, &st) < 0);
	snprintf(path, sizeof(path), "%s/h/i/j/.git", wt);
	CHECK(lstat(path, &st) < 0);
	snprintf(path, sizeof(path), "%s/k/.Git", wt);
	CHECK(lstat(path, &st) < 0);
	/* Names that are not .git stay. */
	snprintf(path, sizeof(path), "%s/sub.git", wt);
	CHECK(lstat(path, &st) == 0);
	/* The moved nested repository keeps its history. */
	snprintf(path, sizeof(path), "%s/vendor/y/.git/HEAD", wt);
	CHECK(lstat(path, &st) == 0);
	snprintf(path, sizeof(path), "%s/.git/HEAD", wt);
	CHECK(lstat(path, &st) == 0);
	proc_result_release(&r);
}

/*
 * A work tree deeper than tend walks is refused before a command runs;
 * a command that makes it so gets an error afterwards, not silence.
 */
void test_sandbox__scan_bounds(void)
{
	const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	struct sandbox_opts o;
	struct proc_result r;
	struct buf err = BUF_INIT, deep = BUF_INIT;
	const char *wt = test_tmpdir();
	int i;

	if (sandbox_skip())
		return;
	for (i = 0; i < 140; i++)
		buf_puts(&deep, i ? "/d" : "d");
	buf_printf(&deep, "/.git");
	proc_result_init(&r);
	sandbox_opts_init(&o);
	o.worktree = wt;
	o.argv = argv;
	o.timeout_s = 20;
	argv[2] = "mkdir -p \"$(dirname \"$DEEP\")\" && touch \"$DEEP\"";
	{
		char *env[2];

		env[0] = xasprintf("DEEP=%s", deep.ptr);
		env[1] = NULL;
		o.env = (const char *const *)env;
		CHECK_INT(sandbox_run(&r, &o, &err), TEND_ERROR);
		CHECK(strstr(err.ptr, "cannot check it") != NULL);
		free(env[0]);
		o.env = NULL;
	}
	buf_reset(&err);
	argv[2] = "echo ran";
	CHECK_INT(sandbox_run(&r, &o, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "levels") != NULL);
	CHECK(test_sh("rm -rf '%s/d'", wt) == 0);
	CHECK_INT(sandbox_run(&r, &o, &err), 0);
	CHECK(strstr(r.out.ptr, "ran") != NULL);
	buf_release(&deep);
	buf_release(&err);
	proc_result_release(&r);
}
