/*
 * test.c - the `tend test` job: find the test command, run the setup phase
 * and the test phase in the sandbox, and parse what the tests printed.
 *
 * This file wires common/sandbox and common/testreport together; it does
 * not print (cli/cmd_test.c does) and it does not decide how the sandbox is
 * built (common/sandbox.c does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <jansson.h>

#include "actions/test.h"
#include "common/error.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/xalloc.h"

/* Files read for detection are small; anything bigger is not looked at. */
#define ACTIONS_TEST_MAX_PROBE (1024 * 1024)

void actions_test_result_init(struct actions_test_result *r)
{
	memset(r, 0, sizeof(*r));
	proc_result_init(&r->setup_run);
	proc_result_init(&r->test_run);
	testreport_init(&r->report);
}

void actions_test_result_release(struct actions_test_result *r)
{
	free(r->command);
	free(r->source);
	free(r->setup);
	proc_result_release(&r->setup_run);
	proc_result_release(&r->test_run);
	testreport_release(&r->report);
	actions_test_result_init(r);
}

const char *actions_test_status_name(enum actions_test_status s)
{
	switch (s) {
	case ACTIONS_TEST_PASSED: return "passed";
	case ACTIONS_TEST_FAILED: return "failed";
	case ACTIONS_TEST_TIMEOUT: return "timeout";
	case ACTIONS_TEST_SETUP_FAILED: return "setup_failed";
	}
	return "unknown";
}

/* Read ROOT/NAME into `b` if it is a small regular file; 0 or -1. */
static int actions_test_read(struct buf *b, const char *root,
			     const char *name)
{
	char *path = xasprintf("%s/%s", root, name);
	struct stat st;
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = -1;

	free(path);
	buf_reset(b);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > ACTIONS_TEST_MAX_PROBE)
		goto out;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, (size_t)n);
	rc = n < 0 ? -1 : 0;
out:
	close(fd);
	return rc;
}

static int actions_test_exists(const char *root, const char *name)
{
	char *path = xasprintf("%s/%s", root, name);
	struct stat st;
	int ok = !lstat(path, &st);

	free(path);
	return ok;
}

/* Does the makefile text define `target` (a rule, not a variable)? */
static int actions_test_make_target(const char *text, const char *target)
{
	size_t tl = strlen(target);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, target, tl)) {
			const char *q = p + tl;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == ':' && q[1] != '=')
				return 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* package.json with a real "test" script (not npm init's placeholder). */
static int actions_test_npm(const struct buf *text)
{
	json_t *root, *scripts, *test;
	int ok = 0;

	root = json_loadb(text->ptr, text->len, 0, NULL);
	if (!root)
		return 0;
	scripts = json_object_get(root, "scripts");
	test = scripts ? json_object_get(scripts, "test") : NULL;
	if (json_is_string(test) && *json_string_value(test) &&
	    !strstr(json_string_value(test), "no test specified"))
		ok = 1;
	json_decref(root);
	return ok;
}

/* tests/ or test/ holding test_*.py or *_test.py files. */
static int actions_test_py_dir(const char *root, const char *dir)
{
	char *path = xasprintf("%s/%s", root, dir);
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;

	free(path);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 3 && !strcmp(e->d_name + n - 3, ".py") &&
		    (!strncmp(e->d_name, "test_", 5) ||
		     (n > 8 && !strcmp(e->d_name + n - 8, "_test.py"))))
			found = 1;
	}
	closedir(d);
	return found;
}

static int actions_test_pytest(const char *root, struct buf *text)
{
	if (actions_test_exists(root, "pytest.ini") ||
	    actions_test_exists(root, "conftest.py"))
		return 1;
	if (!actions_test_read(text, root, "pyproject.toml") &&
	    strstr(text->ptr, "[tool.pytest"))
		return 1;
	if (!actions_test_read(text, root, "setup.cfg") &&
	    strstr(text->ptr, "[tool:pytest]"))
		return 1;
	if (!actions_test_read(text, root, "tox.ini") &&
	    strstr(text->ptr, "[pytest]"))
		return 1;
	return actions_test_py_dir(root, "tests") ||
	       actions_test_py_dir(root, "test");
}

int actions_test_detect(char **command, char **source, const char *root,
			struct buf *err)
{
	static const char *const makefiles[] = {
		"GNUmakefile", "makefile", "Makefile", NULL
	};
	struct buf text = BUF_INIT;
	const char *cmd = NULL, *src = NULL;
	const char *const *m;

	for (m = makefiles; *m && !cmd; m++) {
		if (actions_test_read(&text, root, *m) < 0)
			continue;
		if (actions_test_make_target(text.ptr, "test"))
			cmd = "make test";
		else if (actions_test_make_target(text.ptr, "check"))
			cmd = "make check";
		src = *m;
	}
	if (!cmd && !actions_test_read(&text, root, "package.json") &&
	    actions_test_npm(&text)) {
		cmd = "npm test";
		src = "package.json";
	}
	if (!cmd && actions_test_exists(root, "go.mod")) {
		cmd = "go test ./...";
		src = "go.mod";
	}
	if (!cmd && actions_test_exists(root, "Cargo.toml")) {
		cmd = "cargo test";
		src = "Cargo.toml";
	}
	if (!cmd && actions_test_pytest(root, &text)) {
		cmd = "pytest";
		src = "pytest";
	}
	if (!cmd && actions_test_exists(root, "CMakeLists.txt")) {
		if (actions_test_exists(root, "build/CTestTestfile.cmake"))
			cmd = "ctest --test-dir build --output-on-failure";
		else
			cmd = "cmake -S . -B build && cmake --build build && "
			      "ctest --test-dir build --output-on-failure";
		src = "CMakeLists.txt";
	}
	buf_release(&text);
	if (!cmd)
		return error_set(err, TEND_ENOTFOUND,
				 "no test command: set sandbox.test in "
				 ".tend.yml (none of a Makefile with a test or "
				 "check target, package.json with a test "
				 "script, go.mod, Cargo.toml, a pytest "
				 "configuration or CMakeLists.txt was found in "
				 "'%s')", root);
	*command = xstrdup(cmd);
	*source = xstrdup(src);
	return 0;
}

/* Run one phase: `/bin/sh -c CMD` in the sandbox. */
static int actions_test_phase(struct proc_result *out,
			      const struct tend_config *cfg, const char *root,
			      const char *cmd, int network, struct buf *err)
{
	const char *const argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct sandbox_opts so;

	sandbox_opts_init(&so);
	so.worktree = root;
	so.argv = argv;
	so.network = network;
	so.unsandboxed = cfg->sandbox.mode == CONFIG_SANDBOX_NONE;
	so.timeout_s = cfg->sandbox.timeout;
	so.memory_mb = cfg->sandbox.memory_mb;
	return sandbox_run(out, &so, err);
}

int actions_test_run(struct actions_test_result *out,
		     const struct actions_test_opts *opts, struct buf *err)
{
	const struct tend_config *cfg = opts->cfg;
	struct actions_test_result r;
	struct proc_result *run;
	int rc = 0;

	actions_test_result_init(&r);
	r.sandboxed = cfg->sandbox.mode != CONFIG_SANDBOX_NONE;
	if (cfg->sandbox.test && *cfg->sandbox.test) {
		r.command = xstrdup(cfg->sandbox.test);
		r.source = xstrdup("sandbox.test");
	} else if ((rc = actions_test_detect(&r.command, &r.source,
					     opts->root, err)) < 0) {
		rc = TEND_EINVALID;
		goto out;
	}
	if (cfg->sandbox.setup && *cfg->sandbox.setup)
		r.setup = xstrdup(cfg->sandbox.setup);

	/*
	 * No separate probe: the first phase's sandbox start is the probe
	 * (common/sandbox.c), and a sandbox that cannot start fails it with
	 * TEND_EUNAVAIL and the remedy, before anything ran.
	 */
	if (r.setup) {
		log_info("setup: %s", r.setup);
		rc = actions_test_phase(&r.setup_run, cfg, opts->root, r.setup,
					1, err);
		if (rc < 0) {
			if (rc != TEND_EUNAVAIL)
				error_wrap(err, rc,
					   "cannot run the setup command");
			goto out;
		}
		r.setup_ran = 1;
		if (r.setup_run.timed_out || r.setup_run.signal ||
		    r.setup_run.exit_code) {
			r.status = ACTIONS_TEST_SETUP_FAILED;
			testreport_parse(&r.report, r.setup_run.out.ptr,
					 r.setup_run.out.len);
			goto done;
		}
	}

	log_info("test: %s", r.command);
	rc = actions_test_phase(&r.test_run, cfg, opts->root, r.command, 0,
				err);
	if (rc < 0) {
		if (rc != TEND_EUNAVAIL)
			error_wrap(err, rc, "cannot run the test command");
		goto out;
	}
	r.test_ran = 1;
	run = &r.test_run;
	if (run->timed_out)
		r.status = ACTIONS_TEST_TIMEOUT;
	else if (run->signal || run->exit_code)
		r.status = ACTIONS_TEST_FAILED;
	else
		r.status = ACTIONS_TEST_PASSED;
	testreport_parse(&r.report, run->out.ptr, run->out.len);
done:
	actions_test_result_release(out);
	*out = r;
	return 0;
out:
	actions_test_result_release(&r);
	return rc;
}
