/*
 * test_gitlab.c - the GitLab adapter (forge/gitlab.c) against
 * tests/lib/fakegitlab.py on 127.0.0.1, serving a real git repository made
 * in the test's temp directory, and the adapter's pure parsers on their
 * own.
 *
 * Each server test builds its repository, starts its own fake, talks to it
 * through the forge interface, then checks what the fake stored (GET
 * /__state) and what it was sent (its request log). Waits go to a sleep
 * hook, so nothing here really sleeps.
 *
 * The standard repository: on main, src/a.c has lines "line 1".."line
 * 30"; the merge request's branch "feature" changes line 5, inserts two
 * lines after line 10 and changes line 25 of it, deletes gone.txt, renames
 * old.txt to moved.txt with one line changed, adds new.txt and a binary
 * bin.dat, grows big.txt (served as too large) and makes mode.sh
 * executable. In src/a.c that makes two hunks:
 *   @@ -2,12 +2,14 @@  old 5 removed, new 5 added, new 11-12 added
 *   @@ -22,7 +24,7 @@  old 25 removed, new 27 added
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/http.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/backend.h"
#include "forge/forge.h"
#include "forge/gitlab.h"
#include "tests/unit/test.h"

#define GL_TOKEN "glpat-unit-secret"
#define GL_JOB "job-unit-secret"

/*
 * One repository and one fake serve every test here: starting Python and
 * building the repository cost more than the tests themselves. Each test
 * begins with POST /__control/reset (nothing written, no faults, an empty
 * log) and with "feature2" back at "feature"; tests that commit use
 * merge request 2 (main:feature2). Merge request 3 (main:many) adds 250
 * files. Merge requests 4 and 5 come from a fork, forker/proj, with the
 * branch feature: 4 lets maintainers push (allow_collaboration), 5 does
 * not. The server stops when this process does (--watch-parent).
 */
struct gl_server {
	pid_t pid;
	char dir[512];
	char repo[600];
	char base[64];
	char api[96];
	char log_path[700];
	char issues[700];
};

static struct gl_server gl_srv;

struct gl {
	char repo[600];
	char base[64];
	char api[96];
	char log_path[700];
	enum log_level level;
	struct forge *f;
	long sleeps[32];
	int nr_sleeps;
};

static void gl_sleep(long ms, void *data)
{
	struct gl *g = data;

	if (g->nr_sleeps < 32)
		g->sleeps[g->nr_sleeps++] = ms;
}

/* The repository of the top comment, in gl_srv.repo. */
static int gl_make_repo(void)
{
	return test_sh(
		"set -e; cd '%s'; git init -q repo; cd repo; "
		"git checkout -q -b main; git config user.name t; "
		"git config user.email t@t; git config commit.gpgsign false; "
		"mkdir src; i=1; "
		"while [ $i -le 30 ]; do echo \"line $i\"; i=$((i+1)); done "
		"> src/a.c; echo gone > gone.txt; i=1; "
		"while [ $i -le 10 ]; do echo \"keep $i\"; i=$((i+1)); done "
		"> old.txt; echo small > big.txt; echo 'echo hi' > mode.sh; "
		"git add -A; git commit -qm base; git checkout -qb feature; "
		"awk '{ if ($0 == \"line 5\") print \"LINE 5\"; "
		"else if ($0 == \"line 25\") print \"LINE 25\"; else print; "
		"if ($0 == \"line 10\") { print \"new A\"; "
		"print \"new B\" } }' src/a.c > src/a.tmp; "
		"mv src/a.tmp src/a.c; git rm -q gone.txt; "
		"git mv old.txt moved.txt; sed 's/^keep 3$/kept 3/' moved.txt "
		"> m.tmp; mv m.tmp moved.txt; echo new > new.txt; "
		"printf '\\000\\001\\002' > bin.dat; echo bigger >> big.txt; "
		"chmod +x mode.sh; git add -A; "
		"git commit -qm 'Add the feature' -m 'The description.'; "
		"git branch feature2; git checkout -q -b many main; i=1; "
		"while [ $i -le 250 ]; do echo $i > f$i.txt; i=$((i+1)); done; "
		"git add -A; git commit -qm many; "
		"git branch tend/issue-1 feature; "
		"git branch tend/issue-2 feature",
		gl_srv.dir);
}

/*
 * The issues of the fake (--issues): open ones labelled "tend" are 2
 * (oldest), 1 and 5; 3 is closed, 4 has no label. Label events: on 1
 * dave added "tend"; on 2 the last to add "tend" is a deleted user; on 5
 * rita added it, and an event of a deleted label follows. Members: dave
 * Developer, rita Reporter, mia Maintainer; carol is no member.
 */
static const char gl_issues[] =
	"[{\"iid\":1,\"title\":\"Add a flag\",\"description\":null,"
	"\"author\":\"carol\",\"labels\":[\"tend\",\"bug\"],"
	"\"assignees\":[\"dave\"],\"created_at\":\"2024-01-03T00:00:00Z\","
	"\"label_events\":[{\"action\":\"add\",\"label\":\"tend\","
	"\"user\":\"dave\"},{\"action\":\"add\",\"label\":\"bug\","
	"\"user\":\"carol\"}],"
	"\"notes\":[{\"author\":\"carol\",\"body\":\"first\"},"
	"{\"author\":\"carol\",\"body\":\"changed the title\","
	"\"system\":true},{\"author\":\"dave\",\"body\":\"second\"}]},"
	"{\"iid\":2,\"title\":\"Older\",\"description\":\"Body two\","
	"\"author\":\"dave\",\"labels\":[\"tend\"],"
	"\"created_at\":\"2024-01-02T00:00:00Z\","
	"\"label_events\":[{\"action\":\"add\",\"label\":\"tend\","
	"\"user\":\"rita\"},{\"action\":\"remove\",\"label\":\"tend\","
	"\"user\":\"rita\"},{\"action\":\"add\",\"label\":\"tend\"}]},"
	"{\"iid\":3,\"title\":\"Closed\",\"labels\":[\"tend\"],"
	"\"state\":\"closed\",\"created_at\":\"2024-01-01T00:00:00Z\"},"
	"{\"iid\":4,\"title\":\"Unlabelled\","
	"\"created_at\":\"2024-01-01T00:00:00Z\"},"
	"{\"iid\":5,\"title\":\"Newest\",\"labels\":[\"tend\"],"
	"\"created_at\":\"2024-01-05T00:00:00Z\","
	"\"label_events\":[{\"action\":\"add\",\"label\":\"tend\","
	"\"user\":\"rita\"},{\"action\":\"add\",\"label\":null,"
	"\"user\":\"dave\"}]}]";

/* Start the shared fake; 0 on success. */
static int gl_start(void)
{
	const char *argv[48];
	char server[1100], line[32];
	struct pollfd pfd;
	size_t got = 0, n = 0;
	int fds[2];
	char *end;
	long port;

	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	snprintf(gl_srv.log_path, sizeof(gl_srv.log_path), "%s/log.json",
		 gl_srv.dir);
	snprintf(gl_srv.issues, sizeof(gl_srv.issues), "%s/issues.json",
		 gl_srv.dir);
	if (test_write(gl_srv.issues, gl_issues, sizeof(gl_issues) - 1))
		return -1;
	snprintf(server, sizeof(server), "%s",
		 test_fixture("lib/fakegitlab.py"));
	argv[n++] = "python3";
	argv[n++] = "-I";
	argv[n++] = "-S";
	argv[n++] = server;
	argv[n++] = "--repo";
	argv[n++] = gl_srv.repo;
	argv[n++] = "--project";
	argv[n++] = "7:group/proj";
	argv[n++] = "--mr";
	argv[n++] = "1:main:feature";
	argv[n++] = "--mr";
	argv[n++] = "2:main:feature2";
	argv[n++] = "--mr";
	argv[n++] = "3:main:many";
	argv[n++] = "--mr";
	argv[n++] = "4:main:feature:fork:collab";
	argv[n++] = "--mr";
	argv[n++] = "5:main:feature:fork";
	argv[n++] = "--token";
	argv[n++] = GL_TOKEN;
	argv[n++] = "--job-token";
	argv[n++] = GL_JOB;
	argv[n++] = "--log";
	argv[n++] = gl_srv.log_path;
	argv[n++] = "--issues";
	argv[n++] = gl_srv.issues;
	argv[n++] = "--member";
	argv[n++] = "dave=30";
	argv[n++] = "--member";
	argv[n++] = "rita=20";
	argv[n++] = "--member";
	argv[n++] = "mia=40";
	argv[n++] = "--timeout";
	argv[n++] = "600";
	argv[n++] = "--watch-parent";
	argv[n] = NULL;
	if (pipe(fds) < 0)
		return -1;
	gl_srv.pid = fork();
	if (gl_srv.pid < 0)
		return -1;
	if (!gl_srv.pid) {
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
		ssize_t r;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		r = read(fds[0], line + got, sizeof(line) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fds[0]);
	line[got] = '\0';
	port = strtol(line, &end, 10);
	if (port <= 0 || port > 65535 || *end != '\n') {
		kill(gl_srv.pid, SIGKILL);
		waitpid(gl_srv.pid, NULL, 0);
		gl_srv.pid = 0;
		return -1;
	}
	snprintf(gl_srv.base, sizeof(gl_srv.base), "http://127.0.0.1:%ld",
		 port);
	snprintf(gl_srv.api, sizeof(gl_srv.api), "%s/api/v4", gl_srv.base);
	return 0;
}

/* Open the adapter: by path (project_id NULL) or by id; job token or not. */
static int gl_open(struct gl *g, const char *project_id, int job)
{
	struct forge_context ctx;
	struct buf err = BUF_INIT;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.kind = FORGE_GITLAB;
	ctx.api_url = g->api;
	ctx.repo = (char *)"group/proj";
	ctx.project_id = (char *)project_id;
	ctx.token = (char *)(job ? GL_JOB : GL_TOKEN);
	ctx.token_job = job;
	ctx.can_write = job ? 0 : -1;	/* as forge_context_detect() */
	rc = forge_open(&g->f, &ctx, &err);
	if (rc < 0)
		printf("  forge_open: %s\n", err.ptr);
	else
		forge_set_sleep(g->f, gl_sleep, g);
	buf_release(&err);
	return rc;
}

static json_t *gl_call(struct gl *g, const char *method, const char *path,
		       const char *body, long *status_out);

/* The shared fake, reset, and an adapter on it. */
static int gl_setup(struct gl *g)
{
	long status = 0;

	memset(g, 0, sizeof(*g));
	if (gl_srv.pid > 0 && waitpid(gl_srv.pid, NULL, WNOHANG) != 0)
		gl_srv.pid = 0;
	if (!gl_srv.pid) {
		snprintf(gl_srv.dir, sizeof(gl_srv.dir), "%s", test_tmpdir());
		snprintf(gl_srv.repo, sizeof(gl_srv.repo), "%s/repo",
			 gl_srv.dir);
		if (gl_make_repo() || gl_start())
			return -1;
	}
	memcpy(g->repo, gl_srv.repo, sizeof(g->repo));
	memcpy(g->base, gl_srv.base, sizeof(g->base));
	memcpy(g->api, gl_srv.api, sizeof(g->api));
	memcpy(g->log_path, gl_srv.log_path, sizeof(g->log_path));
	if (test_sh("git -C '%s' branch -f feature2 feature", g->repo))
		return -1;
	json_decref(gl_call(g, "POST", "/__control/reset", "{}", &status));
	if (status != 200)
		return -1;
	/* The adapter's "may have reached GitLab" warnings are expected. */
	g->level = log_get_level();
	log_set_level(LOG_ERROR);
	return gl_open(g, NULL, 0);
}

static void gl_stop(struct gl *g)
{
	forge_free(g->f);
	g->f = NULL;
	log_set_level(g->level);
}

/* A request to the fake outside the adapter (test hooks); JSON or NULL. */
static json_t *gl_call(struct gl *g, const char *method, const char *path,
		       const char *body, long *status_out)
{
	static const char *const headers[] = {
		"PRIVATE-TOKEN: " GL_TOKEN, NULL
	};
	struct http_client_opts o = { 0 };
	struct http_client *c;
	json_t *req = NULL, *reply = NULL;
	json_error_t jerr;
	char url[512];
	long status = 0;

	o.max_retries = -1;
	o.headers = headers;
	c = http_client_new(&o);
	if (body)
		req = json_loads(body, 0, &jerr);
	snprintf(url, sizeof(url), "%s%s", g->base, path);
	http_send_json(c, method, url, NULL, req, &status, &reply, NULL, NULL);
	if (status_out)
		*status_out = status;
	json_decref(req);
	http_client_free(c);
	return reply;
}

static json_t *gl_state(struct gl *g)
{
	return gl_call(g, "GET", "/__state", NULL, NULL);
}

static void gl_faults(struct gl *g, const char *faults)
{
	char body[4096];

	snprintf(body, sizeof(body), "{\"faults\":%s}", faults);
	json_decref(gl_call(g, "POST", "/__control/faults", body, NULL));
}

/* Requests in the log whose method is `method` and path matches `sub`. */
static size_t gl_count(struct gl *g, const char *method, const char *sub)
{
	json_error_t jerr;
	json_t *log = json_load_file(g->log_path, 0, &jerr), *e;
	size_t i, n = 0;

	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *p = json_string_value(json_object_get(e, "path"));

		if (m && p && !strcmp(m, method) && strstr(p, sub))
			n++;
	}
	json_decref(log);
	return n;
}

/* The first line `git ARGS` prints in g->repo, at most 40 characters. */
static void gl_git(struct gl *g, const char *args, char out[41])
{
	char path[800];
	FILE *fp;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/out.txt", test_tmpdir());
	if (test_sh("git -C '%s' %s > '%s'", g->repo, args, path))
		return;
	fp = fopen(path, "r");
	if (!fp)
		return;
	if (!fgets(out, 41, fp))
		out[0] = '\0';
	fclose(fp);
}

/* A commit on feature2 (merge request 2) that shifts no line of src/a.c. */
static int gl_push(struct gl *g)
{
	return test_sh("cd '%s' && git checkout -q feature2 && "
		       "echo more >> new.txt && git commit -qam more && "
		       "git checkout -q many", g->repo);
}

static json_t *gl_discussions(json_t *state)
{
	return json_object_get(json_object_get(state, "discussions"), "1");
}

static size_t gl_nr_drafts(json_t *state)
{
	return json_array_size(json_object_get(json_object_get(state,
							       "drafts"),
					       "1"));
}

static const struct forge_file *gl_file(const struct forge_files *fl,
					const char *path)
{
	size_t i;

	for (i = 0; i < fl->nr; i++)
		if (!strcmp(fl->items[i].path, path))
			return &fl->items[i];
	return NULL;
}

static struct forge_inline gl_comment(const char *path, enum forge_side side,
				      uint32_t start, uint32_t line,
				      uint32_t old_no, uint32_t new_no,
				      const char *body)
{
	struct forge_inline c;

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.side = side;
	c.start_line = start;
	c.line = line;
	c.start_old = c.end_old = old_no;
	c.start_new = c.end_new = new_no;
	c.body = body;
	return c;
}

/* ------------------------------------------------------------------ */

void test_gitlab__sha1(void)
{
	char hex[41], *code;
	struct buf big = BUF_INIT;
	struct forge_gitlab_line ln = { '+', 0, 4, 0, 0 };
	int i;

	forge_gitlab_sha1_hex(hex, "", 0);
	CHECK_STR(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	forge_gitlab_sha1_hex(hex, "abc", 3);
	CHECK_STR(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	forge_gitlab_sha1_hex(hex, "abcdbcdecdefdefgefghfghighijhijkijkljklm"
			      "klmnlmnomnopnopq", 56);
	CHECK_STR(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	for (i = 0; i < 1000000; i++)
		buf_putc(&big, 'a');
	REQUIRE(big.len == 1000000);
	forge_gitlab_sha1_hex(hex, big.ptr, big.len);
	CHECK_STR(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	buf_release(&big);
	/* GitLab's example: an added line 4 of a new file "b.txt"... */
	code = forge_gitlab_line_code("b.txt", &ln);
	forge_gitlab_sha1_hex(hex, "b.txt", 5);
	CHECK(!strncmp(code, hex, 40));
	CHECK_STR(code + 40, "_0_4");
	free(code);
}

void test_gitlab__patch_line(void)
{
	static const char patch[] =
		"@@ -2,5 +2,6 @@ int main\n"
		" two\n"
		"-three\n"
		"+THREE\n"
		"+three and a half\n"
		" four\n"
		" five\n"
		"@@ -40 +41,0 @@\n"
		"-forty\n"
		"\\ No newline at end of file\n";
	struct forge_gitlab_line ln;

	CHECK_INT(forge_gitlab_patch_line(&ln, patch, FORGE_SIDE_RIGHT, 2), 0);
	CHECK_INT(ln.type, ' ');
	CHECK_INT(ln.old_pos, 2);
	CHECK_INT(ln.new_pos, 2);
	/* A removed line keeps the new-side number it sits before. */
	CHECK_INT(forge_gitlab_patch_line(&ln, patch, FORGE_SIDE_LEFT, 3), 0);
	CHECK_INT(ln.type, '-');
	CHECK_INT(ln.old_pos, 3);
	CHECK_INT(ln.new_pos, 3);
	/* Added lines keep the old-side number they were inserted at. */
	CHECK_INT(forge_gitlab_patch_line(&ln, patch, FORGE_SIDE_RIGHT, 4), 0);
	CHECK_INT(ln.type, '+');
	CHECK_INT(ln.old_pos, 4);
	CHECK_INT(ln.new_pos, 4);
	CHECK_INT(ln.index, 3);
	CHECK_INT(forge_gitlab_patch_line(&ln, patch, FORGE_SIDE_RIGHT, 6), 0);
	CHECK_INT(ln.type, ' ');
	CHECK_INT(ln.old_pos, 5);
	CHECK_INT(ln.hunk, 0);
	CHECK_INT(forge_gitlab_patch_line(&ln, patch, FORGE_SIDE_LEFT, 40), 0);
	CHECK_INT(ln.type, '-');
	CHECK_INT(ln.new_pos, 41);
	CHECK_INT(ln.hunk, 1);
	CHECK_INT(forge_gitlab_patch_line(&ln, patch, FORGE_SIDE_RIGHT, 9),
		  TEND_ENOTFOUND);
	CHECK_INT(forge_gitlab_patch_line(&ln, patch, FORGE_SIDE_LEFT, 4), 0);
	CHECK_INT(ln.type, ' ');
	CHECK_INT(ln.new_pos, 5);
	CHECK_INT(forge_gitlab_patch_line(&ln, "", FORGE_SIDE_LEFT, 1),
		  TEND_ENOTFOUND);
	CHECK_INT(forge_gitlab_patch_line(&ln, "@@ -x +1 @@\n+a\n",
					  FORGE_SIDE_RIGHT, 1), TEND_ENOTFOUND);
}

void test_gitlab__parse_shapes(void)
{
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct forge_files fl;
	struct forge_notes nl;
	const char *text;
	static const char *const bad_pr[] = {
		"", "[]", "null", "42", "{\"iid\":1}",
		"{\"sha\":5,\"diff_refs\":[]}",
		"{\"diff_refs\":{\"head_sha\":null},\"sha\":\"\"}",
	};
	static const char *const bad_files[] = {
		"{}", "[1]", "[{}]", "[{\"new_path\":7}]", "[null]", "[[]]",
		"nope",
	};
	static const char *const bad_discussions[] = {
		"{}", "[1]", "[{\"id\":5,\"notes\":[]}]",
		"[{\"id\":\"d\",\"notes\":{}}]",
		"[{\"id\":\"d\",\"notes\":[7]}]",
		"[{\"id\":\"d\",\"notes\":[{\"body\":\"x\"}]}]",
	};
	size_t i;

	forge_pr_init(&pr);
	for (i = 0; i < sizeof(bad_pr) / sizeof(*bad_pr); i++) {
		buf_reset(&err);
		CHECK_INT(forge_gitlab_parse_pr(&pr, bad_pr[i],
						strlen(bad_pr[i]), &err),
			  TEND_EINVALID);
		CHECK(err.len > 0);
	}
	/* Wrong types are left out, not trusted. */
	text = "{\"iid\":\"3\",\"title\":7,\"sha\":\"abc\",\"draft\":\"yes\","
	       "\"author\":[],\"changes_count\":\"1000+\","
	       "\"source_project_id\":1,\"target_project_id\":\"2\","
	       "\"references\":{\"full\":\"!3\"}}";
	CHECK_INT(forge_gitlab_parse_pr(&pr, text, strlen(text), &err), 0);
	CHECK_INT(pr.number, 3);
	CHECK(pr.title == NULL);
	CHECK_STR(pr.head_sha, "abc");
	CHECK(pr.base_sha == NULL);
	CHECK_INT(pr.draft, 0);
	/* A source project GitLab does not name is not trusted: a fork. */
	CHECK_INT(pr.fork, 1);
	CHECK(pr.head_repo == NULL);
	CHECK_INT(pr.changed_files, -1);
	text = "{\"work_in_progress\":true,\"diff_refs\":{\"head_sha\":\"h\","
	       "\"base_sha\":\"b\",\"start_sha\":\"s\"},\"sha\":\"old\","
	       "\"changes_count\":\"12\",\"references\":"
	       "{\"full\":\"a/b!3\"}}";
	CHECK_INT(forge_gitlab_parse_pr(&pr, text, strlen(text), &err), 0);
	CHECK_STR(pr.head_sha, "h");
	CHECK_STR(pr.base_sha, "b");
	CHECK_STR(pr.start_sha, "s");
	CHECK_INT(pr.draft, 1);
	CHECK_INT(pr.changed_files, 12);
	CHECK_INT(pr.fork, 1);
	CHECK(pr.head_repo == NULL);
	CHECK_INT(pr.maintainer_can_push, -1);
	CHECK_INT(pr.can_push, -1);
	/* The fork's consent, by either name; one that is no boolean is
	   not said. */
	text = "{\"sha\":\"h\",\"allow_collaboration\":true,"
	       "\"allow_maintainer_to_push\":true}";
	CHECK_INT(forge_gitlab_parse_pr(&pr, text, strlen(text), &err), 0);
	CHECK_INT(pr.maintainer_can_push, 1);
	CHECK_INT(pr.can_push, -1);
	text = "{\"sha\":\"h\",\"allow_maintainer_to_push\":true}";
	CHECK_INT(forge_gitlab_parse_pr(&pr, text, strlen(text), &err), 0);
	CHECK_INT(pr.maintainer_can_push, 1);
	text = "{\"sha\":\"h\",\"allow_collaboration\":false,"
	       "\"allow_maintainer_to_push\":true}";
	CHECK_INT(forge_gitlab_parse_pr(&pr, text, strlen(text), &err), 0);
	CHECK_INT(pr.maintainer_can_push, 0);
	text = "{\"sha\":\"h\",\"allow_collaboration\":\"true\"}";
	CHECK_INT(forge_gitlab_parse_pr(&pr, text, strlen(text), &err), 0);
	CHECK_INT(pr.maintainer_can_push, -1);
	forge_pr_release(&pr);

	forge_files_init(&fl);
	for (i = 0; i < sizeof(bad_files) / sizeof(*bad_files); i++) {
		buf_reset(&err);
		CHECK_INT(forge_gitlab_parse_files(&fl, bad_files[i],
						   strlen(bad_files[i]), &err),
			  TEND_EINVALID);
		CHECK(err.len > 0);
	}
	forge_files_release(&fl);
	text = "[{\"new_path\":\"a\",\"old_path\":\"a\",\"diff\":"
	       "\"--- a/a\\n+++ b/a\\n@@ -1 +1 @@\\n-x\\n+y\\n\","
	       "\"a_mode\":\"100644\",\"b_mode\":\"10x\"},"
	       "{\"new_path\":\"b\",\"diff\":\"\",\"a_mode\":\"100644\","
	       "\"b_mode\":\"100644\"},"
	       "{\"new_path\":\"c\",\"diff\":\"Binary files a/c and b/c "
	       "differ\\n\",\"new_file\":true},"
	       "{\"new_path\":\"d\",\"old_path\":\"d\",\"deleted_file\":true,"
	       "\"diff\":\"\"},"
	       "{\"new_path\":\"e\",\"old_path\":\"f\",\"renamed_file\":true,"
	       "\"diff\":\"@@ -1 +1 @@\\n-a\\n+b\\n\",\"collapsed\":true}]";
	CHECK_INT(forge_gitlab_parse_files(&fl, text, strlen(text), &err), 0);
	REQUIRE(fl.nr == 5);
	CHECK_STR(fl.items[0].patch, "@@ -1 +1 @@\n-x\n+y\n");
	CHECK_INT(fl.items[0].old_mode, 0100644);
	CHECK_INT(fl.items[0].new_mode, 0);
	CHECK_INT(fl.items[0].additions, 1);
	CHECK_INT(fl.items[0].deletions, 1);
	CHECK_INT(fl.items[1].too_large, 1);
	CHECK(fl.items[1].patch == NULL);
	CHECK_INT(fl.items[2].binary, 1);
	CHECK_INT(fl.items[2].status, FORGE_FILE_ADDED);
	CHECK_INT(fl.items[3].status, FORGE_FILE_DELETED);
	CHECK_INT(fl.items[3].too_large, 0);
	CHECK_INT(fl.items[4].status, FORGE_FILE_RENAMED);
	CHECK_STR(fl.items[4].old_path, "f");
	CHECK_INT(fl.items[4].too_large, 1);
	CHECK(fl.items[4].patch == NULL);
	forge_files_release(&fl);

	forge_notes_init(&nl);
	for (i = 0; i < sizeof(bad_discussions) / sizeof(*bad_discussions);
	     i++) {
		buf_reset(&err);
		CHECK_INT(forge_gitlab_parse_discussions(&nl,
			bad_discussions[i], strlen(bad_discussions[i]), &err),
			  TEND_EINVALID);
		CHECK(err.len > 0);
	}
	forge_notes_release(&nl);
	text = "[{\"id\":\"d1\",\"notes\":[{\"id\":1,\"system\":true},"
	       "{\"id\":2,\"body\":\"x\",\"author\":{\"username\":"
	       "\"project_7_bot_3f2a\"},\"position\":{\"position_type\":"
	       "\"text\",\"old_path\":\"o\",\"new_path\":\"n\",\"old_line\":4,"
	       "\"new_line\":null}},{\"id\":\"3\",\"author\":{\"username\":"
	       "\"bob\",\"bot\":\"no\"},\"position\":{\"new_line\":-2}}]}]";
	CHECK_INT(forge_gitlab_parse_discussions(&nl, text, strlen(text), &err),
		  0);
	REQUIRE(nl.nr == 2);
	CHECK_STR(nl.items[0].id, "2");
	CHECK_STR(nl.items[0].thread, "d1");
	CHECK_INT(nl.items[0].author_is_bot, 1);
	CHECK_STR(nl.items[0].path, "o");
	CHECK_INT(nl.items[0].line, 4);
	CHECK_INT(nl.items[0].side, FORGE_SIDE_LEFT);
	CHECK_INT(nl.items[0].inline_note, 1);
	CHECK_INT(nl.items[0].reply, 0);
	CHECK_INT(nl.items[0].replies, 1);
	CHECK_STR(nl.items[1].id, "3");
	CHECK_INT(nl.items[1].author_is_bot, 0);
	CHECK_INT(nl.items[1].inline_note, 0);
	CHECK_INT(nl.items[1].line, 0);
	CHECK_INT(nl.items[1].reply, 1);
	CHECK_STR(nl.items[1].body, "");
	forge_notes_release(&nl);
	buf_release(&err);
}

void test_gitlab__get_pr(void)
{
	struct buf err = BUF_INIT;
	char head[41], start[41], base[41];
	struct forge_pr pr;
	struct gl g;
	json_t *j;

	REQUIRE(gl_setup(&g) == 0);
	gl_git(&g, "rev-parse feature", head);
	gl_git(&g, "rev-parse main", start);
	gl_git(&g, "merge-base main feature", base);
	forge_pr_init(&pr);
	CHECK_INT(forge_get_pr(g.f, 1, &pr, &err), 0);
	CHECK_INT(pr.number, 1);
	CHECK_STR(pr.title, "Add the feature");
	CHECK_STR(pr.body, "The description.");
	CHECK_STR(pr.author, "alice");
	CHECK_STR(pr.head_sha, head);
	CHECK_STR(pr.start_sha, start);
	CHECK_STR(pr.base_sha, base);
	CHECK_STR(pr.head_ref, "feature");
	CHECK_STR(pr.base_ref, "main");
	CHECK_STR(pr.head_repo, "group/proj");
	CHECK_STR(pr.state, "opened");
	CHECK_INT(pr.fork, 0);
	CHECK_INT(pr.draft, 0);
	CHECK_INT(pr.changed_files, 7);
	CHECK_INT(pr.nr_comments, -1);
	CHECK(pr.url && strstr(pr.url, "/group/proj/-/merge_requests/1"));
	/* The project by path, URL-encoded as one segment. */
	CHECK_INT(gl_count(&g, "GET", "/api/v4/projects/group%2Fproj/"
			   "merge_requests/1"), 1);

	/* A new commit on the branch of !2: a new head, the same base. */
	CHECK_INT(forge_get_pr(g.f, 2, &pr, &err), 0);
	CHECK_STR(pr.head_sha, head);
	REQUIRE(gl_push(&g) == 0);
	CHECK_INT(forge_get_pr(g.f, 2, &pr, &err), 0);
	CHECK(strcmp(pr.head_sha, head) != 0);
	CHECK_STR(pr.base_sha, base);
	CHECK_STR(pr.head_ref, "feature2");

	/* A draft from a fork. */
	j = gl_call(&g, "POST", "/__control/mr", "{\"iid\":1,\"set\":"
		    "{\"draft\":true,\"source_project_id\":8}}", NULL);
	json_decref(j);
	CHECK_INT(forge_get_pr(g.f, 1, &pr, &err), 0);
	CHECK_INT(pr.draft, 1);
	CHECK_INT(pr.fork, 1);
	CHECK(pr.head_repo == NULL);

	buf_reset(&err);
	CHECK_INT(forge_get_pr(g.f, 9, &pr, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "no merge request !9") != NULL);
	CHECK(pr.head_sha == NULL);

	/* The numeric id works as well; a wrong token is an auth error. */
	forge_free(g.f);
	REQUIRE(gl_open(&g, "7", 0) == 0);
	CHECK_INT(forge_get_pr(g.f, 1, &pr, &err), 0);
	CHECK_INT(gl_count(&g, "GET", "/api/v4/projects/7/merge_requests/1"),
		  1);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__bad_token(void)
{
	struct forge_context ctx;
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	forge_free(g.f);
	memset(&ctx, 0, sizeof(ctx));
	ctx.kind = FORGE_GITLAB;
	ctx.api_url = g.api;
	ctx.repo = (char *)"group/proj";
	ctx.token = (char *)"wrong";
	REQUIRE(forge_open(&g.f, &ctx, &err) == 0);
	forge_pr_init(&pr);
	CHECK_INT(forge_get_pr(g.f, 1, &pr, &err), TEND_EAUTH);
	CHECK(strstr(err.ptr, "wrong") == NULL);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__list_files(void)
{
	struct buf err = BUF_INIT;
	const struct forge_file *ff;
	struct forge_files fl;
	struct forge_pr pr;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	json_decref(gl_call(&g, "POST", "/__control/config",
			    "{\"too_large\":[\"big.txt\"]}", NULL));
	forge_pr_init(&pr);
	forge_files_init(&fl);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	CHECK_INT(forge_list_files(g.f, &pr, &fl, &err), 0);
	CHECK_INT(fl.nr, 7);
	CHECK_INT(fl.truncated, 0);

	ff = gl_file(&fl, "src/a.c");
	REQUIRE(ff != NULL);
	CHECK_INT(ff->status, FORGE_FILE_MODIFIED);
	CHECK(ff->patch && !strncmp(ff->patch, "@@ -2,12 +2,14 @@", 17));
	CHECK(ff->patch && strstr(ff->patch, "\n@@ -22,7 +24,7 @@"));
	CHECK_INT(ff->additions, 4);
	CHECK_INT(ff->deletions, 2);
	CHECK_INT(ff->old_mode, 0100644);
	CHECK_INT(ff->new_mode, 0100644);

	ff = gl_file(&fl, "gone.txt");
	REQUIRE(ff != NULL);
	CHECK_INT(ff->status, FORGE_FILE_DELETED);
	CHECK_INT(ff->new_mode, 0);
	CHECK(ff->patch && !strcmp(ff->patch, "@@ -1 +0,0 @@\n-gone\n"));

	ff = gl_file(&fl, "moved.txt");
	REQUIRE(ff != NULL);
	CHECK_INT(ff->status, FORGE_FILE_RENAMED);
	CHECK_STR(ff->old_path, "old.txt");
	CHECK(ff->patch && strstr(ff->patch, "+kept 3\n"));

	ff = gl_file(&fl, "new.txt");
	REQUIRE(ff != NULL);
	CHECK_INT(ff->status, FORGE_FILE_ADDED);
	CHECK_INT(ff->old_mode, 0);

	ff = gl_file(&fl, "bin.dat");
	REQUIRE(ff != NULL);
	CHECK_INT(ff->binary, 1);
	CHECK(ff->patch == NULL);

	ff = gl_file(&fl, "big.txt");
	REQUIRE(ff != NULL);
	CHECK_INT(ff->too_large, 1);
	CHECK(ff->patch == NULL);

	ff = gl_file(&fl, "mode.sh");
	REQUIRE(ff != NULL);
	CHECK_INT(ff->old_mode, 0100644);
	CHECK_INT(ff->new_mode, 0100755);
	CHECK_INT(ff->too_large, 0);
	CHECK(ff->patch == NULL);
	CHECK_INT(gl_count(&g, "GET", "/diffs?per_page=100&page=1"), 1);

	forge_files_release(&fl);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__pagination_and_cap(void)
{
	struct buf err = BUF_INIT;
	struct forge_files fl;
	struct forge_pr pr;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	forge_free(g.f);
	REQUIRE(gl_open(&g, "7", 0) == 0);
	forge_pr_init(&pr);
	forge_files_init(&fl);
	REQUIRE(forge_get_pr(g.f, 3, &pr, &err) == 0);
	CHECK_INT(pr.changed_files, 250);
	CHECK_INT(forge_list_files(g.f, &pr, &fl, &err), 0);
	CHECK_INT(fl.nr, 250);
	CHECK_INT(fl.truncated, 0);
	CHECK_INT(gl_count(&g, "GET", "/diffs?per_page=100&page=1"), 1);
	CHECK_INT(gl_count(&g, "GET", "/diffs?per_page=100&page=2"), 1);
	CHECK_INT(gl_count(&g, "GET", "/diffs?per_page=100&page=3"), 1);
	CHECK_INT(gl_count(&g, "GET", "/diffs?per_page=100&page=4"), 0);
	forge_files_release(&fl);

	/* GitLab's diff limits: "240+" and only 240 files listed. */
	json_decref(gl_call(&g, "POST", "/__control/config",
			    "{\"max_files\":240}", NULL));
	REQUIRE(forge_get_pr(g.f, 3, &pr, &err) == 0);
	CHECK_INT(pr.changed_files, -1);
	CHECK_INT(forge_list_files(g.f, &pr, &fl, &err), 0);
	CHECK_INT(fl.nr, 240);
	CHECK_INT(fl.truncated, 1);
	forge_files_release(&fl);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

/* The four kinds of position, two ranges, a deleted and a renamed file. */
void test_gitlab__post_review_positions(void)
{
	struct forge_inline c[7];
	struct buf err = BUF_INIT;
	char sha[41], want[64];
	struct forge_pr pr;
	struct gl g;
	json_t *state, *ds, *d, *pos, *lr;
	size_t i;
	int seen = 0;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11,
			  "added line <!-- tend:1 -->");
	c[1] = gl_comment("src/a.c", FORGE_SIDE_LEFT, 5, 5, 5, 0,
			  "removed line");
	c[2] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 8, 8, 8, 8,
			  "unchanged line");
	c[3] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 9, 12, 0, 0,
			  "range of new lines");
	c[4] = gl_comment("src/a.c", FORGE_SIDE_LEFT, 24, 25, 0, 0,
			  "range of old lines");
	c[5] = gl_comment("gone.txt", FORGE_SIDE_LEFT, 1, 1, 1, 0,
			  "deleted file");
	c[6] = gl_comment("moved.txt", FORGE_SIDE_RIGHT, 3, 3, 0, 3,
			  "renamed file");
	c[6].old_path = "old.txt";
	CHECK_INT(forge_post_review(g.f, &pr, c, 7,
				    "the summary <!-- tend:s -->",
				    "<!-- tend:s -->", &err), 0);
	if (err.len)
		printf("  %s\n", err.ptr);
	state = gl_state(&g);
	ds = gl_discussions(state);
	CHECK_INT(json_array_size(ds), 8);
	CHECK_INT(gl_nr_drafts(state), 0);
	CHECK_INT(gl_count(&g, "POST", "/draft_notes/bulk_publish"), 1);
	CHECK_INT(gl_count(&g, "PUT", "/publish"), 0);
	forge_gitlab_sha1_hex(sha, "src/a.c", 7);
	json_array_foreach(ds, i, d) {
		json_t *n = json_array_get(json_object_get(d, "notes"), 0);
		const char *body = json_string_value(json_object_get(n,
								     "body"));

		pos = json_object_get(n, "position");
		if (!strcmp(body, "added line <!-- tend:1 -->")) {
			CHECK(json_is_null(json_object_get(pos, "old_line")));
			CHECK_INT(json_integer_value(json_object_get(pos,
					"new_line")), 11);
			CHECK_STR(json_string_value(json_object_get(pos,
					"head_sha")), pr.head_sha);
			seen |= 1;
		} else if (!strcmp(body, "removed line")) {
			CHECK_INT(json_integer_value(json_object_get(pos,
					"old_line")), 5);
			CHECK(json_is_null(json_object_get(pos, "new_line")));
			seen |= 2;
		} else if (!strcmp(body, "unchanged line")) {
			CHECK_INT(json_integer_value(json_object_get(pos,
					"old_line")), 8);
			CHECK_INT(json_integer_value(json_object_get(pos,
					"new_line")), 8);
			seen |= 4;
		} else if (!strcmp(body, "range of new lines")) {
			lr = json_object_get(pos, "line_range");
			snprintf(want, sizeof(want), "%s_9_9", sha);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "start"), "line_code")),
				  want);
			CHECK(json_is_null(json_object_get(
				json_object_get(lr, "start"), "type")));
			snprintf(want, sizeof(want), "%s_11_12", sha);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "end"), "line_code")),
				  want);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "end"), "type")), "new");
			CHECK_INT(json_integer_value(json_object_get(pos,
					"new_line")), 12);
			seen |= 8;
		} else if (!strcmp(body, "range of old lines")) {
			lr = json_object_get(pos, "line_range");
			snprintf(want, sizeof(want), "%s_24_26", sha);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "start"), "line_code")),
				  want);
			snprintf(want, sizeof(want), "%s_25_27", sha);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "end"), "line_code")),
				  want);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "end"), "type")), "old");
			CHECK_INT(json_integer_value(json_object_get(pos,
					"old_line")), 25);
			CHECK(json_is_null(json_object_get(pos, "new_line")));
			seen |= 16;
		} else if (!strcmp(body, "deleted file")) {
			CHECK_STR(json_string_value(json_object_get(pos,
					"old_path")), "gone.txt");
			seen |= 32;
		} else if (!strcmp(body, "renamed file")) {
			CHECK_STR(json_string_value(json_object_get(pos,
					"old_path")), "old.txt");
			CHECK_STR(json_string_value(json_object_get(pos,
					"new_path")), "moved.txt");
			seen |= 64;
		} else if (!strcmp(body, "the summary <!-- tend:s -->")) {
			CHECK(json_object_get(n, "position") == NULL);
			seen |= 128;
		}
	}
	CHECK_INT(seen, 255);
	/* Ranges read the diff once, for both. */
	CHECK_INT(gl_count(&g, "GET", "/diffs?"), 1);
	json_decref(state);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__bad_position_rejected(void)
{
	struct forge_inline c[2];
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct gl g;
	json_t *state, *reply;
	long status;
	char body[2048];

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	/* Line 18 is not in the diff: GitLab finds no line code. */
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11, "fine");
	c[1] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 18, 18, 16, 18,
			  "outside the diff");
	CHECK_INT(forge_post_review(g.f, &pr, c, 2, NULL, NULL, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "line_code") != NULL);
	CHECK(strstr(err.ptr, "comment 2 on 'src/a.c'") != NULL);
	/* The first draft was made, then deleted: nothing half-published. */
	CHECK_INT(gl_count(&g, "DELETE", "/draft_notes/"), 1);
	state = gl_state(&g);
	CHECK_INT(gl_nr_drafts(state), 0);
	CHECK_INT(json_array_size(gl_discussions(state)), 0);
	json_decref(state);

	/* An added line given an old_line too. */
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 11, 11, "x");
	buf_reset(&err);
	CHECK_INT(forge_post_review(g.f, &pr, c, 1, NULL, NULL, &err),
		  TEND_EINVALID);
	/* An unchanged line missing its old side. */
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 8, 8, 0, 8, "x");
	CHECK_INT(forge_post_review(g.f, &pr, c, 1, NULL, NULL, &err),
		  TEND_EINVALID);
	/* A range over two hunks is refused before anything is sent. */
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 12, 27, 0, 0, "x");
	buf_reset(&err);
	CHECK_INT(forge_post_review(g.f, &pr, c, 1, NULL, NULL, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "two hunks") != NULL);

	/* The fake on its own: a range across hunks, stale SHAs, schema. */
	{
		char sha[41];

		forge_gitlab_sha1_hex(sha, "src/a.c", 7);
		snprintf(body, sizeof(body),
			 "{\"note\":\"x\",\"position\":{\"position_type\":"
			 "\"text\",\"base_sha\":\"%s\",\"start_sha\":\"%s\","
			 "\"head_sha\":\"%s\",\"old_path\":\"src/a.c\","
			 "\"new_path\":\"src/a.c\",\"new_line\":27,"
			 "\"line_range\":{\"start\":{\"line_code\":"
			 "\"%s_11_12\",\"type\":\"new\"},\"end\":{"
			 "\"line_code\":\"%s_26_27\",\"type\":\"new\"}}}}",
			 pr.base_sha, pr.start_sha, pr.head_sha, sha, sha);
		reply = gl_call(&g, "POST", "/api/v4/projects/7/"
				"merge_requests/1/draft_notes", body, &status);
		CHECK_INT(status, 400);
		json_decref(reply);
		snprintf(body, sizeof(body),
			 "{\"note\":\"x\",\"position\":{\"position_type\":"
			 "\"text\",\"base_sha\":\"%s\",\"start_sha\":\"%s\","
			 "\"head_sha\":\"%s\",\"old_path\":\"src/a.c\","
			 "\"new_path\":\"src/a.c\",\"new_line\":12,"
			 "\"line_range\":{\"start\":{\"line_code\":"
			 "\"%s_11_11\",\"type\":\"new\",\"new_line\":11},"
			 "\"end\":{\"line_code\":\"%s_11_12\",\"type\":"
			 "\"new\"}}}}",
			 pr.base_sha, pr.start_sha, pr.head_sha, sha, sha);
		reply = gl_call(&g, "POST", "/api/v4/projects/7/"
				"merge_requests/1/draft_notes", body, &status);
		CHECK_INT(status, 400);
		CHECK(json_is_object(json_object_get(reply, "message")));
		json_decref(reply);
	}

	/* A push after the MR was read: the old diff_refs are refused. */
	REQUIRE(forge_get_pr(g.f, 2, &pr, &err) == 0);
	REQUIRE(gl_push(&g) == 0);
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11, "x");
	CHECK_INT(forge_post_review(g.f, &pr, c, 1, NULL, NULL, &err),
		  TEND_EINVALID);
	state = gl_state(&g);
	CHECK_INT(gl_nr_drafts(state), 0);
	CHECK_INT(json_array_size(gl_discussions(state)), 0);
	json_decref(state);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__job_token_readonly(void)
{
	struct forge_status st = { FORGE_STATE_SUCCESS, "tend", "ok", NULL,
				   NULL, NULL, 0 };
	struct forge_inline c;
	struct buf err = BUF_INIT;
	struct forge_files fl;
	struct forge_pr pr;
	char *url = NULL;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	forge_free(g.f);
	REQUIRE(gl_open(&g, "7", 1) == 0);
	forge_pr_init(&pr);
	forge_files_init(&fl);
	CHECK_INT(forge_get_pr(g.f, 1, &pr, &err), 0);
	CHECK_INT(forge_list_files(g.f, &pr, &fl, &err), 0);
	c = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11, "x");
	CHECK_INT(forge_post_review(g.f, &pr, &c, 1, NULL, NULL, &err),
		  FORGE_EREADONLY);
	CHECK_INT(forge_put_summary(g.f, &pr, NULL, "s", "s", &url, &err),
		  FORGE_EREADONLY);
	CHECK(url == NULL);
	CHECK_INT(forge_set_status(g.f, &pr, &st, &err), FORGE_EREADONLY);
	CHECK_INT(gl_count(&g, "GET", "/merge_requests/1"), 3);
	/* A GitLab whose job token may not even read drafts: still
	 * "read-only", not "bad token". */
	gl_faults(&g, "[{\"method\":\"GET\",\"path\":\"/draft_notes\","
		  "\"status\":403,\"body\":{\"message\":\"403 Forbidden\"}}]");
	buf_reset(&err);
	CHECK_INT(forge_post_review(g.f, &pr, &c, 1, NULL, NULL, &err),
		  FORGE_EREADONLY);
	CHECK(strstr(err.ptr, "draft notes") != NULL);
	CHECK_INT(gl_count(&g, "POST", "/statuses/"), 1);
	forge_files_release(&fl);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__store_then_drop_no_duplicates(void)
{
	struct forge_inline c[2];
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct gl g;
	json_t *state;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	/* The first draft is stored, then the connection drops. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/draft_notes$\","
		  "\"action\":\"store_then_drop\"}]");
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11, "one");
	c[1] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 12, 12, 0, 12, "two");
	CHECK_INT(forge_post_review(g.f, &pr, c, 2, NULL, NULL, &err), 0);
	if (err.len)
		printf("  %s\n", err.ptr);
	state = gl_state(&g);
	CHECK_INT(json_array_size(gl_discussions(state)), 2);
	CHECK_INT(gl_nr_drafts(state), 0);
	json_decref(state);
	/* Two drafts and the publish. */
	CHECK_INT(gl_count(&g, "POST", "/draft_notes"), 3);

	/* The publish is stored, then dropped: not published twice. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/bulk_publish$\","
		  "\"action\":\"store_then_drop\"}]");
	c[0].body = "three";
	CHECK_INT(forge_post_review(g.f, &pr, c, 1, NULL, NULL, &err), 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(gl_discussions(state)), 3);
	json_decref(state);
	CHECK_INT(gl_count(&g, "POST", "/bulk_publish"), 2);

	/* A dropped draft that was never stored is sent again, once. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/draft_notes$\","
		  "\"action\":\"drop\"}]");
	c[0].body = "four";
	CHECK_INT(forge_post_review(g.f, &pr, c, 1, NULL, NULL, &err), 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(gl_discussions(state)), 4);
	json_decref(state);

	/* The summary note: found by its marker. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/notes$\","
		  "\"action\":\"store_then_drop\"}]");
	CHECK_INT(forge_post_review(g.f, &pr, NULL, 0, "sum <!-- m1 -->",
				    "<!-- m1 -->", &err), 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(gl_discussions(state)), 5);
	json_decref(state);
	CHECK_INT(gl_count(&g, "POST", "/merge_requests/1/notes"), 1);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__drafts_left_and_foreign(void)
{
	struct forge_inline c[2];
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct gl g;
	json_t *state, *reply;
	char body[1024];
	long status;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	/* A run died after its first draft: the same draft is reused. */
	snprintf(body, sizeof(body),
		 "{\"note\":\"one\",\"position\":{\"position_type\":\"text\","
		 "\"base_sha\":\"%s\",\"start_sha\":\"%s\",\"head_sha\":\"%s\","
		 "\"old_path\":\"src/a.c\",\"new_path\":\"src/a.c\","
		 "\"new_line\":11}}", pr.base_sha, pr.start_sha, pr.head_sha);
	reply = gl_call(&g, "POST", "/api/v4/projects/7/merge_requests/1/"
			"draft_notes", body, &status);
	CHECK_INT(status, 201);
	json_decref(reply);
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11, "one");
	c[1] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 12, 12, 0, 12, "two");
	CHECK_INT(forge_post_review(g.f, &pr, c, 2, NULL, NULL, &err), 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(gl_discussions(state)), 2);
	json_decref(state);
	CHECK_INT(gl_count(&g, "POST", "/draft_notes"), 3);

	/* Someone's own pending draft stays pending; ours go one by one. */
	reply = gl_call(&g, "POST", "/api/v4/projects/7/merge_requests/1/"
			"draft_notes", "{\"note\":\"my private thought\"}",
			&status);
	CHECK_INT(status, 201);
	json_decref(reply);
	c[0].body = "three";
	c[1].body = "four";
	CHECK_INT(forge_post_review(g.f, &pr, c, 2, NULL, NULL, &err), 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(gl_discussions(state)), 4);
	CHECK_INT(gl_nr_drafts(state), 1);
	json_decref(state);
	CHECK_INT(gl_count(&g, "PUT", "/publish"), 2);
	CHECK_INT(gl_count(&g, "POST", "/bulk_publish"), 1);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__list_notes_and_resolve(void)
{
	struct forge_inline c[2];
	struct buf err = BUF_INIT;
	struct forge_notes nl;
	struct forge_pr pr;
	struct gl g;
	char body[256];
	const char *thread = NULL;
	size_t i;
	int checked = 0;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	forge_notes_init(&nl);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11, "one");
	c[1] = gl_comment("src/a.c", FORGE_SIDE_LEFT, 5, 5, 5, 0, "two");
	REQUIRE(forge_post_review(g.f, &pr, c, 2, "summary", "summary",
				  &err) == 0);
	json_decref(gl_call(&g, "POST", "/__control/note",
			    "{\"body\":\"changed the title\",\"system\":true}",
			    NULL));
	CHECK_INT(forge_list_notes(g.f, &pr, &nl, &err), 0);
	CHECK_INT(nl.nr, 3);
	for (i = 0; i < nl.nr; i++)
		if (!strcmp(nl.items[i].body, "one"))
			thread = nl.items[i].thread;
	REQUIRE(thread != NULL);
	snprintf(body, sizeof(body), "{\"discussion_id\":\"%s\",\"body\":"
		 "\"I disagree\",\"author\":\"human\"}", thread);
	json_decref(gl_call(&g, "POST", "/__control/reply", body, NULL));
	snprintf(body, sizeof(body), "%s", thread);
	CHECK_INT(forge_resolve_thread(g.f, &pr, body, &err), 0);
	forge_notes_release(&nl);
	CHECK_INT(forge_list_notes(g.f, &pr, &nl, &err), 0);
	CHECK_INT(nl.nr, 4);
	for (i = 0; i < nl.nr; i++) {
		struct forge_note *n = &nl.items[i];

		CHECK(n->id && n->thread && n->author);
		if (!strcmp(n->body, "one")) {
			CHECK_STR(n->thread, body);
			CHECK_STR(n->author, "tend-bot");
			CHECK_INT(n->author_is_bot, 1);
			CHECK_INT(n->inline_note, 1);
			CHECK_STR(n->path, "src/a.c");
			CHECK_INT(n->line, 11);
			CHECK_INT(n->side, FORGE_SIDE_RIGHT);
			CHECK_INT(n->resolvable, 1);
			CHECK_INT(n->resolved, 1);
			CHECK_INT(n->reply, 0);
			CHECK_INT(n->replies, 1);
			checked |= 1;
		} else if (!strcmp(n->body, "I disagree")) {
			CHECK_STR(n->thread, body);
			CHECK_STR(n->author, "human");
			CHECK_INT(n->author_is_bot, 0);
			CHECK_INT(n->reply, 1);
			CHECK_INT(n->replies, 0);
			/* As on GitLab: a reply in a diff discussion is a
			   DiffNote at the discussion's position. */
			CHECK_INT(n->inline_note, 1);
			checked |= 2;
		} else if (!strcmp(n->body, "two")) {
			CHECK_INT(n->line, 5);
			CHECK_INT(n->side, FORGE_SIDE_LEFT);
			CHECK_INT(n->resolved, 0);
			checked |= 4;
		} else if (!strcmp(n->body, "summary")) {
			CHECK_INT(n->inline_note, 0);
			CHECK(n->path == NULL);
			CHECK_INT(n->resolvable, 0);
			checked |= 8;
		}
	}
	CHECK_INT(checked, 15);
	CHECK_INT(forge_resolve_thread(g.f, &pr, "0123abcd", &err),
		  TEND_ENOTFOUND);
	forge_notes_release(&nl);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__put_summary(void)
{
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	char *url = NULL, *id;
	struct gl g;
	json_t *state, *n;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	CHECK_INT(forge_put_summary(g.f, &pr, NULL, "first <!-- s -->",
				    "<!-- s -->", &url, &err), 0);
	REQUIRE(url != NULL);
	CHECK(!strncmp(url, pr.url, strlen(pr.url)));
	id = strstr(url, "#note_");
	REQUIRE(id != NULL);
	id += 6;
	CHECK_INT(forge_put_summary(g.f, &pr, id, "second <!-- s -->",
				    "<!-- s -->", NULL, &err), 0);
	state = gl_state(&g);
	REQUIRE(json_array_size(gl_discussions(state)) == 1);
	n = json_array_get(json_object_get(json_array_get(
		gl_discussions(state), 0), "notes"), 0);
	CHECK_STR(json_string_value(json_object_get(n, "body")),
		  "second <!-- s -->");
	json_decref(state);
	CHECK_INT(gl_count(&g, "PUT", "/notes/"), 1);
	free(url);
	url = NULL;
	/* Without the MR's URL at hand, it is read. */
	free(pr.url);
	pr.url = NULL;
	CHECK_INT(forge_put_summary(g.f, &pr, "999999", "x", NULL, &url, &err),
		  TEND_ENOTFOUND);
	CHECK_INT(forge_put_summary(g.f, &pr, NULL, "third", "third", &url,
				    &err), 0);
	CHECK(url && strstr(url, "/-/merge_requests/1#note_"));
	free(url);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__set_status(void)
{
	struct forge_status st = { FORGE_STATE_SUCCESS, "tend review",
				   "all good", NULL, "https://ci.example/1",
				   NULL, 0 };
	struct buf err = BUF_INIT, title = BUF_INIT;
	struct forge_pr pr;
	struct gl g;
	json_t *state, *ss, *s;
	const char *desc;
	size_t i, chars = 0;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	CHECK_INT(forge_set_status(g.f, &pr, &st, &err), 0);
	st.state = FORGE_STATE_NEUTRAL;
	CHECK_INT(forge_set_status(g.f, &pr, &st, &err), 0);
	st.state = FORGE_STATE_FAILURE;
	st.target_url = NULL;
	for (i = 0; i < 150; i++)
		buf_puts(&title, "\xc3\xa9x");
	st.title = title.ptr;
	CHECK_INT(forge_set_status(g.f, &pr, &st, &err), 0);
	st.state = FORGE_STATE_ERROR;
	st.title = "broke";
	CHECK_INT(forge_set_status(g.f, &pr, &st, &err), 0);
	state = gl_state(&g);
	ss = json_object_get(state, "statuses");
	REQUIRE(json_array_size(ss) == 4);
	s = json_array_get(ss, 0);
	CHECK_STR(json_string_value(json_object_get(s, "status")), "success");
	CHECK_STR(json_string_value(json_object_get(s, "name")), "tend review");
	CHECK_STR(json_string_value(json_object_get(s, "sha")), pr.head_sha);
	CHECK_STR(json_string_value(json_object_get(s, "target_url")),
		  "https://ci.example/1");
	CHECK_STR(json_string_value(json_object_get(json_array_get(ss, 1),
						    "status")), "canceled");
	s = json_array_get(ss, 2);
	CHECK_STR(json_string_value(json_object_get(s, "status")), "failed");
	desc = json_string_value(json_object_get(s, "description"));
	REQUIRE(desc != NULL);
	for (i = 0; desc[i]; i++)
		chars += ((unsigned char)desc[i] & 0xc0) != 0x80;
	CHECK_INT(chars, 255);
	CHECK_STR(json_string_value(json_object_get(json_array_get(ss, 3),
						    "status")), "failed");
	json_decref(state);

	/* A status POST stored, then dropped: seen on re-read, not re-sent. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/statuses/\","
		  "\"action\":\"store_then_drop\"}]");
	st.state = FORGE_STATE_SUCCESS;
	CHECK_INT(forge_set_status(g.f, &pr, &st, &err), 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(state, "statuses")), 5);
	json_decref(state);
	CHECK_INT(gl_count(&g, "POST", "/statuses/"), 5);
	buf_release(&title);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__retries(void)
{
	struct buf err = BUF_INIT;
	struct forge_files fl;
	struct forge_pr pr;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	forge_files_init(&fl);
	gl_faults(&g, "[{\"method\":\"GET\",\"path\":\"/merge_requests/1$\","
		  "\"status\":500},"
		  "{\"method\":\"GET\",\"path\":\"/diffs\",\"status\":429,"
		  "\"headers\":{\"Retry-After\":\"7\"},\"body\":"
		  "{\"message\":\"429 Too Many Requests\"}}]");
	CHECK_INT(forge_get_pr(g.f, 1, &pr, &err), 0);
	CHECK_INT(gl_count(&g, "GET", "/merge_requests/1"), 2);
	CHECK_INT(g.nr_sleeps, 1);
	CHECK_INT(forge_list_files(g.f, &pr, &fl, &err), 0);
	CHECK_INT(fl.nr, 7);
	CHECK_INT(g.nr_sleeps, 2);
	CHECK_INT(g.sleeps[1], 7000);
	CHECK_INT(gl_count(&g, "GET", "/diffs"), 2);
	forge_files_release(&fl);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__malformed_answers(void)
{
	static const char *const faults[] = {
		"[{\"path\":\"/merge_requests/1$\",\"status\":200,"
		"\"body\":\"<html>not json\"}]",
		"[{\"path\":\"/merge_requests/1$\",\"status\":200,"
		"\"body\":[1,2]}]",
		"[{\"path\":\"/merge_requests/1$\",\"status\":200,"
		"\"body\":{\"iid\":1,\"diff_refs\":7}}]",
		"[{\"path\":\"/diffs\",\"status\":200,\"body\":{\"a\":1}}]",
		"[{\"path\":\"/diffs\",\"status\":200,\"body\":[{\"x\":1}]}]",
		"[{\"path\":\"/diffs\",\"status\":200,\"body\":[],"
		"\"headers\":{\"x-next-page\":\"1\"}}]",
		"[{\"path\":\"/discussions\",\"status\":200,"
		"\"body\":[{\"id\":\"d\",\"notes\":\"no\"}]}]",
		"[{\"path\":\"/discussions\",\"status\":200,"
		"\"body\":[],\"headers\":{\"x-next-page\":\"1\"}}]",
		"[{\"path\":\"/notes$\",\"method\":\"POST\",\"status\":201,"
		"\"body\":{\"id\":null}}]",
		"[{\"path\":\"/draft_notes$\",\"method\":\"POST\","
		"\"status\":201,\"body\":\"[\"}]",
	};
	struct buf err = BUF_INIT;
	struct forge_files fl;
	struct forge_notes nl;
	struct forge_inline c;
	struct forge_pr pr, good;
	char *url = NULL;
	struct gl g;
	size_t i;
	int rc;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	forge_pr_init(&good);
	REQUIRE(forge_get_pr(g.f, 1, &good, &err) == 0);
	c = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 11, 0, 11, "x");
	for (i = 0; i < sizeof(faults) / sizeof(*faults); i++) {
		forge_files_init(&fl);
		forge_notes_init(&nl);
		gl_faults(&g, faults[i]);
		buf_reset(&err);
		if (strstr(faults[i], "/merge_requests/1$"))
			rc = forge_get_pr(g.f, 1, &pr, &err);
		else if (strstr(faults[i], "/diffs"))
			rc = forge_list_files(g.f, &good, &fl, &err);
		else if (strstr(faults[i], "/discussions"))
			rc = forge_list_notes(g.f, &good, &nl, &err);
		else if (strstr(faults[i], "/notes$"))
			rc = forge_put_summary(g.f, &good, NULL, "b", "b", &url,
					       &err);
		else
			rc = forge_post_review(g.f, &good, &c, 1, NULL, NULL,
					       &err);
		if (rc != TEND_EINVALID)
			printf("  fault %zu: rc %d (%s)\n", i, rc, err.ptr);
		CHECK_INT(rc, TEND_EINVALID);
		CHECK(err.len > 0);
		forge_files_release(&fl);
		forge_notes_release(&nl);
	}
	CHECK(url == NULL);
	forge_pr_release(&pr);
	forge_pr_release(&good);
	buf_release(&err);
	gl_stop(&g);
}

/*
 * A server that pages by Link alone; a link elsewhere is not followed but
 * refused: the list would be incomplete, and the token stays home.
 */
void test_gitlab__link_pagination(void)
{
	struct buf err = BUF_INIT;
	struct forge_notes nl;
	struct forge_pr pr;
	struct gl g;
	char faults[1024];

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	forge_notes_init(&nl);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	REQUIRE(forge_put_summary(g.f, &pr, NULL, "hello", "hello", NULL,
				  &err) == 0);
	snprintf(faults, sizeof(faults),
		 "[{\"path\":\"/discussions\\\\?per_page=100&page=1$\","
		 "\"status\":200,\"body\":[],\"headers\":{\"Link\":"
		 "\"<%s/projects/7/merge_requests/1/discussions?"
		 "per_page=100&page=2>; rel=\\\"next\\\"\"}},"
		 "{\"path\":\"/discussions\\\\?per_page=100&page=2$\","
		 "\"status\":200,\"body\":[{\"id\":\"d9\",\"notes\":"
		 "[{\"id\":9,\"body\":\"paged\"}]}],\"headers\":{\"Link\":"
		 "\"<http://elsewhere.example/x?page=3>; rel=\\\"next\\\"\"}}]",
		 g.api);
	gl_faults(&g, faults);
	CHECK_INT(forge_list_notes(g.f, &pr, &nl, &err), TEND_EINVALID);
	REQUIRE(nl.nr == 1);
	CHECK_STR(nl.items[0].body, "paged");
	CHECK_INT(gl_count(&g, "GET", "/discussions"), 2);
	CHECK(strstr(err.ptr, "'http://elsewhere.example/x?page=3', outside "
		     "the API URL") != NULL);
	forge_notes_release(&nl);

	/* The same host written with a user part in front: refused too. */
	snprintf(faults, sizeof(faults),
		 "[{\"path\":\"/discussions\\\\?per_page=100&page=1$\","
		 "\"status\":200,\"body\":[],\"headers\":{\"Link\":"
		 "\"<%s@127.0.0.2/api/v4/x?page=2>; rel=\\\"next\\\"\"}}]",
		 g.base);
	gl_faults(&g, faults);
	buf_reset(&err);
	CHECK_INT(forge_list_notes(g.f, &pr, &nl, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "outside the API URL") != NULL);
	CHECK_INT(gl_count(&g, "GET", "/discussions"), 3);
	CHECK_INT(gl_count(&g, "GET", "/x?"), 0);
	forge_notes_release(&nl);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

/*
 * Whose notes are tend's: the token's user, learnt once with GET /user,
 * by username and id. Someone else's note carrying the same marker is
 * not tend's, neither in the list nor in the re-read after a lost POST.
 */
void test_gitlab__own_notes(void)
{
	struct buf err = BUF_INIT;
	struct forge_notes nl;
	struct forge_pr pr;
	struct forge *job = NULL;
	const char *login = NULL;
	struct gl g;
	json_t *state;
	size_t i;
	int seen = 0;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	forge_notes_init(&nl);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	REQUIRE(forge_put_summary(g.f, &pr, NULL, "mine <!-- tend:summary -->",
				  "<!-- tend:summary -->", NULL, &err) == 0);
	json_decref(gl_call(&g, "POST", "/__control/note",
			    "{\"body\":\"copy <!-- tend:summary -->\","
			    "\"author\":\"mallory\"}", NULL));
	json_decref(gl_call(&g, "POST", "/__control/note",
			    "{\"body\":\"bot <!-- tend:summary -->\","
			    "\"author\":\"other-bot\",\"position\":"
			    "{\"new_path\":\"src/a.c\",\"new_line\":11}}",
			    NULL));
	CHECK_INT(gl_count(&g, "GET", "/user"), 0);
	CHECK_INT(forge_list_notes(g.f, &pr, &nl, &err), 0);
	REQUIRE(nl.nr == 3);
	for (i = 0; i < nl.nr; i++) {
		struct forge_note *n = &nl.items[i];

		CHECK(n->author_id != NULL);
		if (!strncmp(n->body, "mine", 4)) {
			CHECK_INT(n->own, 1);
			CHECK_STR(n->author_id, "1");
			seen |= 1;
		} else if (!strncmp(n->body, "copy", 4)) {
			CHECK_INT(n->own, 0);
			CHECK_STR(n->author, "mallory");
			seen |= 2;
		} else {
			CHECK_INT(n->own, 0);
			CHECK_INT(n->author_is_bot, 1);
			CHECK_INT(n->inline_note, 1);
			CHECK_INT(n->resolvable, 1);
			seen |= 4;
		}
	}
	CHECK_INT(seen, 7);
	CHECK_INT(gl_count(&g, "GET", "/user"), 1);
	CHECK_INT(forge_get_self(g.f, &login, &err), 0);
	CHECK_STR(login, "tend-bot");
	forge_notes_release(&nl);
	CHECK_INT(forge_list_notes(g.f, &pr, &nl, &err), 0);
	CHECK_INT(gl_count(&g, "GET", "/user"), 1);
	forge_notes_release(&nl);

	/*
	 * A summary POST that never arrived: the re-read finds mallory's
	 * copy of the marker, which must not pass for tend's note.
	 */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/notes$\","
		  "\"action\":\"drop\"}]");
	CHECK_INT(forge_put_summary(g.f, &pr, NULL, "again <!-- tend:run=7 -->",
				    "<!-- tend:run=7 -->", NULL, &err), 0);
	json_decref(gl_call(&g, "POST", "/__control/note",
			    "{\"body\":\"<!-- tend:run=8 -->\","
			    "\"author\":\"mallory\"}", NULL));
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/notes$\","
		  "\"action\":\"drop\"}]");
	CHECK_INT(forge_put_summary(g.f, &pr, NULL, "third <!-- tend:run=8 -->",
				    "<!-- tend:run=8 -->", NULL, &err), 0);
	state = gl_state(&g);
	seen = 0;
	for (i = 0; i < json_array_size(gl_discussions(state)); i++) {
		json_t *n = json_array_get(json_object_get(json_array_get(
			gl_discussions(state), i), "notes"), 0);

		if (!strcmp(json_string_value(json_object_get(n, "body")),
			    "third <!-- tend:run=8 -->"))
			seen++;
	}
	CHECK_INT(seen, 1);
	json_decref(state);

	/* A job token has no user: nobody is asked, nothing is tend's. */
	{
		struct gl gj = g;

		gj.f = NULL;
		REQUIRE(gl_open(&gj, NULL, 1) == 0);
		job = gj.f;
	}
	CHECK_INT(forge_list_notes(job, &pr, &nl, &err), 0);
	for (i = 0; i < nl.nr; i++)
		CHECK_INT(nl.items[i].own, 0);
	CHECK_INT(gl_count(&g, "GET", "/user"), 1);
	forge_notes_release(&nl);
	forge_free(job);

	/* ... unless TEND_BOT_LOGIN names the account: by login alone. */
	setenv("TEND_BOT_LOGIN", "Tend-Bot", 1);
	{
		struct gl gj = g;

		gj.f = NULL;
		REQUIRE(gl_open(&gj, NULL, 1) == 0);
		job = gj.f;
	}
	unsetenv("TEND_BOT_LOGIN");
	CHECK_INT(forge_list_notes(job, &pr, &nl, &err), 0);
	seen = 0;
	for (i = 0; i < nl.nr; i++)
		seen += nl.items[i].own;
	CHECK_INT(seen, 3);	/* mine, again, third */
	for (i = 0; i < nl.nr; i++)
		if (!strcmp(nl.items[i].author, "mallory"))
			CHECK_INT(nl.items[i].own, 0);
	CHECK_INT(gl_count(&g, "GET", "/user"), 1);
	forge_notes_release(&nl);
	forge_free(job);

	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

/*
 * Whether tend may push to a merge request's branch: the project's own
 * branch with a GitLab token, a fork's when it allows collaboration,
 * never with the job token.
 */
void test_gitlab__can_push(void)
{
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	CHECK_INT(pr.fork, 0);
	CHECK_INT(pr.maintainer_can_push, -1);	/* sent for forks only */
	CHECK_STR(pr.head_repo, "group/proj");
	CHECK_INT(pr.can_push, 1);
	REQUIRE(forge_get_pr(g.f, 4, &pr, &err) == 0);
	CHECK_INT(pr.fork, 1);
	CHECK_STR(pr.head_repo, "forker/proj");
	CHECK_STR(pr.head_ref, "feature");
	CHECK_INT(pr.maintainer_can_push, 1);
	CHECK_INT(pr.can_push, 1);
	REQUIRE(forge_get_pr(g.f, 5, &pr, &err) == 0);
	CHECK_INT(pr.fork, 1);
	CHECK_INT(pr.maintainer_can_push, 0);
	CHECK_INT(pr.can_push, 0);
	/* A fork whose path GitLab does not show: nowhere to push. */
	json_decref(gl_call(&g, "POST", "/__control/mr", "{\"iid\":4,\"set\":"
			    "{\"source_project_id\":8}}", NULL));
	REQUIRE(forge_get_pr(g.f, 4, &pr, &err) == 0);
	CHECK(pr.head_repo == NULL);
	CHECK_INT(pr.maintainer_can_push, 1);
	CHECK_INT(pr.can_push, 0);
	/* The job token pushes nowhere. */
	forge_free(g.f);
	REQUIRE(gl_open(&g, NULL, 1) == 0);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	CHECK_INT(pr.can_push, 0);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__find_pr(void)
{
	struct buf err = BUF_INIT;
	char head[41];
	struct gl g;
	long n = -1;

	REQUIRE(gl_setup(&g) == 0);
	gl_git(&g, "rev-parse feature", head);
	/* The project's own branch: not the forks' of the same name. */
	CHECK_INT(forge_find_pr(g.f, NULL, "feature", head, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(forge_find_pr(g.f, "Group/Proj", "feature", NULL, &n, &err),
		  0);
	CHECK_INT(n, 1);
	/* A fork's: the newest. */
	CHECK_INT(forge_find_pr(g.f, "forker/proj", "feature", head, &n, &err),
		  0);
	CHECK_INT(n, 5);
	CHECK_INT(forge_find_pr(g.f, NULL, "feature2", NULL, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK(gl_count(&g, "GET", "/merge_requests?state=opened&"
		       "source_branch=feature2&per_page=100") == 1);
	buf_reset(&err);
	CHECK_INT(forge_find_pr(g.f, NULL, "no/such", NULL, &n, &err),
		  TEND_ENOTFOUND);
	CHECK_INT(n, 0);
	CHECK(strstr(err.ptr, "branch 'no/such'") != NULL);
	CHECK(gl_count(&g, "GET", "source_branch=no%2Fsuch&") == 1);
	/* A merged one is not looked at. */
	json_decref(gl_call(&g, "POST", "/__control/mr", "{\"iid\":1,\"set\":"
			    "{\"state\":\"merged\"}}", NULL));
	CHECK_INT(forge_find_pr(g.f, NULL, "feature", NULL, &n, &err),
		  TEND_ENOTFOUND);
	buf_release(&err);
	gl_stop(&g);
}

#define GL_REVIEW "<!-- tend:review -->"
#define GL_FIX "<!-- tend:fix -->"

/* How many notes of merge request `iid` hold `text`. */
static size_t gl_notes_with(json_t *state, const char *iid, const char *text)
{
	json_t *ds = json_object_get(json_object_get(state, "discussions"),
				     iid), *d, *n;
	size_t i, j, count = 0;

	json_array_foreach(ds, i, d)
		json_array_foreach(json_object_get(d, "notes"), j, n) {
			const char *b = json_string_value(
				json_object_get(n, "body"));

			count += b && strstr(b, text) != NULL;
		}
	return count;
}

/*
 * The review summary and the fix report on one merge request: each found
 * by its own marker among tend's notes and edited in place; someone
 * else's copy of the fix marker is not tend's. Then the first fix report
 * on another merge request with a lost answer: stored, it is found and
 * not posted twice; not stored, neither the review's note nor the copy
 * is taken for it, and it is posted once.
 */
void test_gitlab__two_stickies(void)
{
	static const char *const actions[] = { "store_then_drop", "drop" };
	struct buf err = BUF_INIT;
	struct forge_notes notes;
	struct forge_pr pr;
	const struct forge_note *rv = NULL, *fx = NULL;
	char *url = NULL, *fx_id = NULL;
	size_t i, nrv = 0, nfx = 0;
	struct gl g;
	json_t *state;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	forge_notes_init(&notes);
	REQUIRE(forge_get_pr(g.f, 1, &pr, &err) == 0);
	CHECK_INT(forge_put_summary(g.f, &pr, NULL, "Review\n" GL_REVIEW,
				    GL_REVIEW, NULL, &err), 0);
	CHECK_INT(forge_put_summary(g.f, &pr, NULL, "Fix: green\n" GL_FIX,
				    GL_FIX, &url, &err), 0);
	CHECK(url && strstr(url, "/-/merge_requests/1#note_"));
	json_decref(gl_call(&g, "POST", "/__control/note", "{\"iid\":1,"
			    "\"body\":\"quoting " GL_FIX "\","
			    "\"author\":\"mallory\"}", NULL));
	REQUIRE(forge_list_notes(g.f, &pr, &notes, &err) == 0);
	CHECK_INT(notes.nr, 3);
	for (i = 0; i < notes.nr; i++) {
		if (!notes.items[i].own)
			continue;
		if (strstr(notes.items[i].body, GL_REVIEW)) {
			rv = &notes.items[i];
			nrv++;
		}
		if (strstr(notes.items[i].body, GL_FIX)) {
			fx = &notes.items[i];
			nfx++;
		}
	}
	CHECK_INT(nrv, 1);
	CHECK_INT(nfx, 1);
	REQUIRE(rv && fx && rv != fx);
	CHECK(strstr(url, fx->id) != NULL);
	fx_id = xstrdup(fx->id);
	CHECK_INT(forge_put_summary(g.f, &pr, fx_id, "Fix: run 2\n" GL_FIX,
				    GL_FIX, NULL, &err), 0);
	state = gl_state(&g);
	CHECK_INT(gl_notes_with(state, "1", "Fix: run 2\n" GL_FIX), 1);
	CHECK_INT(gl_notes_with(state, "1", "Fix: green"), 0);
	CHECK_INT(gl_notes_with(state, "1", "Review\n" GL_REVIEW), 1);
	CHECK_INT(gl_notes_with(state, "1", "quoting " GL_FIX), 1);
	json_decref(state);
	free(url);
	url = NULL;

	for (i = 0; i < 2; i++) {
		char faults[256], iid[8];

		snprintf(iid, sizeof(iid), "%zu", i + 4);
		REQUIRE(forge_get_pr(g.f, (long)i + 4, &pr, &err) == 0);
		CHECK_INT(forge_put_summary(g.f, &pr, NULL, "Review\n"
					    GL_REVIEW, GL_REVIEW, NULL, &err),
			  0);
		snprintf(faults, sizeof(faults), "{\"iid\":%zu,\"body\":\""
			 GL_FIX "\",\"author\":\"mallory\"}", i + 4);
		json_decref(gl_call(&g, "POST", "/__control/note", faults,
				    NULL));
		snprintf(faults, sizeof(faults), "[{\"method\":\"POST\","
			 "\"path\":\"/merge_requests/%zu/notes$\","
			 "\"action\":\"%s\"}]", i + 4, actions[i]);
		gl_faults(&g, faults);
		CHECK_INT(forge_put_summary(g.f, &pr, NULL, "Fix\n" GL_FIX,
					    GL_FIX, &url, &err), 0);
		CHECK(url && strstr(url, "#note_"));
		free(url);
		url = NULL;
		state = gl_state(&g);
		CHECK_INT(gl_notes_with(state, iid, "Fix\n" GL_FIX), 1);
		CHECK_INT(gl_notes_with(state, iid, GL_FIX), 2);
		CHECK_INT(gl_notes_with(state, iid, GL_REVIEW), 1);
		json_decref(state);
	}
	free(fx_id);
	forge_notes_release(&notes);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

/*
 * Committable suggestions on a fork's merge request (the fallback when
 * tend cannot push), through the draft notes: GitLab's fence is
 * ```suggestion:-N+M, lines above and below the note's line, and the
 * note sits on the range's last line (a line_range over new lines
 * start_line..line). The bodies arrive as they were built.
 */
void test_gitlab__suggestions(void)
{
	static const char multi[] =
		"The parser skipped empty lines.\n\n"
		"```suggestion:-1+0\nnew A\n\nnew B\n```\n" GL_FIX;
	static const char one[] = "```suggestion:-0+0\nline 5\n```\n" GL_FIX;
	struct forge_inline c[2];
	struct buf err = BUF_INIT;
	struct forge_pr pr;
	char sha[41], want[64];
	struct gl g;
	json_t *state, *d, *n, *pos, *lr;
	size_t i;
	int seen = 0;

	REQUIRE(gl_setup(&g) == 0);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(g.f, 5, &pr, &err) == 0);
	CHECK_INT(pr.can_push, 0);
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 11, 12, 0, 0, multi);
	c[1] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 5, 5, 0, 5, one);
	CHECK_INT(forge_post_review(g.f, &pr, c, 2, NULL, NULL, &err), 0);
	if (err.len)
		printf("  %s\n", err.ptr);
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(json_object_get(state,
				  "drafts"), "5")), 0);
	forge_gitlab_sha1_hex(sha, "src/a.c", 7);
	json_array_foreach(json_object_get(json_object_get(state,
			   "discussions"), "5"), i, d) {
		const char *body;

		n = json_array_get(json_object_get(d, "notes"), 0);
		body = json_string_value(json_object_get(n, "body"));
		pos = json_object_get(n, "position");
		if (body && !strcmp(body, multi)) {
			CHECK_INT(json_integer_value(json_object_get(pos,
					"new_line")), 12);
			CHECK(json_is_null(json_object_get(pos, "old_line")));
			lr = json_object_get(pos, "line_range");
			snprintf(want, sizeof(want), "%s_11_11", sha);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "start"), "line_code")),
				  want);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "start"), "type")), "new");
			snprintf(want, sizeof(want), "%s_11_12", sha);
			CHECK_STR(json_string_value(json_object_get(
				json_object_get(lr, "end"), "line_code")),
				  want);
			seen |= 1;
		} else if (body && !strcmp(body, one)) {
			CHECK_INT(json_integer_value(json_object_get(pos,
					"new_line")), 5);
			CHECK(json_object_get(pos, "line_range") == NULL ||
			      json_is_null(json_object_get(pos,
							   "line_range")));
			seen |= 2;
		}
	}
	CHECK_INT(seen, 3);
	json_decref(state);

	/* Across the two hunks: refused before anything is written. */
	c[0] = gl_comment("src/a.c", FORGE_SIDE_RIGHT, 12, 27, 0, 0, multi);
	buf_reset(&err);
	CHECK(forge_post_review(g.f, &pr, c, 1, NULL, NULL, &err) < 0);
	CHECK(err.len > 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(json_object_get(state,
				  "discussions"), "5")), 2);
	CHECK_INT(json_array_size(json_object_get(json_object_get(state,
				  "drafts"), "5")), 0);
	json_decref(state);
	forge_pr_release(&pr);
	buf_release(&err);
	gl_stop(&g);
}

/* ------------------------------------------------------------------ */
/* Issues, labels, members, opening merge requests (`tend tasks`).      */

void test_gitlab__parse_issue_shapes(void)
{
	struct buf err = BUF_INIT;
	struct forge_issues il;
	struct forge_issue is;
	struct forge_notes nl;
	struct forge_pr pr;
	char *login = NULL, *id = NULL;
	const char *text;
	int write = -1;
	size_t i;
	static const char *const bad_issues[] = {
		"", "nope", "{}", "[1]", "[{}]", "[{\"iid\":0}]",
		"[{\"iid\":\"x\"}]", "[{\"title\":\"no iid\"}]",
	};
	static const char *const bad_notes[] = {
		"{}", "[7]", "[{\"body\":\"no id\"}]", "[{\"id\":\"\"}]",
	};

	forge_issues_init(&il);
	for (i = 0; i < sizeof(bad_issues) / sizeof(*bad_issues); i++) {
		buf_reset(&err);
		CHECK_INT(forge_gitlab_parse_issues(&il, bad_issues[i],
						    strlen(bad_issues[i]),
						    &err), TEND_EINVALID);
		CHECK(err.len > 0);
	}
	CHECK_INT(il.nr, 0);
	buf_reset(&err);
	forge_gitlab_parse_issues(&il, "[{}]", 4, &err);
	CHECK(strstr(err.ptr, "no iid") || strstr(err.ptr, "without an iid"));
	buf_reset(&err);
	forge_gitlab_parse_issues(&il, "nope", 4, &err);
	CHECK(strstr(err.ptr, "not JSON") != NULL);
	text = "[{\"iid\":4,\"title\":\"T\",\"description\":null,"
	       "\"author\":{\"username\":\"carol\",\"id\":77},"
	       "\"state\":\"opened\",\"labels\":[\"tend\",5,\"bug\"],"
	       "\"assignees\":[{\"username\":\"dave\"},{\"id\":3}],"
	       "\"web_url\":\"https://gl/g/p/-/issues/4\","
	       "\"created_at\":\"2024-01-02T00:00:00Z\"},"
	       "{\"iid\":\"5\",\"description\":\"B\",\"state\":\"closed\","
	       "\"labels\":[{\"name\":\"x\"}],\"assignee\":{\"username\":"
	       "\"eve\"},\"author\":null}]";
	CHECK_INT(forge_gitlab_parse_issues(&il, text, strlen(text), &err), 0);
	REQUIRE(il.nr == 2);
	CHECK_INT(il.items[0].number, 4);
	CHECK_STR(il.items[0].title, "T");
	CHECK_STR(il.items[0].body, "");
	CHECK_STR(il.items[0].author, "carol");
	CHECK_STR(il.items[0].author_id, "77");
	CHECK_INT(il.items[0].open, 1);
	REQUIRE(il.items[0].nr_labels == 2);
	CHECK_STR(il.items[0].labels[1], "bug");
	CHECK(forge_issue_has_label(&il.items[0], "tend"));
	CHECK(!forge_issue_has_label(&il.items[0], "Tend"));
	REQUIRE(il.items[0].nr_assignees == 1);
	CHECK_STR(il.items[0].assignees[0], "dave");
	CHECK_STR(il.items[0].url, "https://gl/g/p/-/issues/4");
	CHECK_STR(il.items[0].created_at, "2024-01-02T00:00:00Z");
	CHECK_INT(il.items[1].number, 5);
	CHECK_STR(il.items[1].title, "");
	CHECK_STR(il.items[1].body, "B");
	CHECK(il.items[1].author == NULL);
	CHECK_INT(il.items[1].open, 0);
	REQUIRE(il.items[1].nr_labels == 1);
	CHECK_STR(il.items[1].labels[0], "x");
	REQUIRE(il.items[1].nr_assignees == 1);
	CHECK_STR(il.items[1].assignees[0], "eve");
	forge_issues_release(&il);

	forge_issue_init(&is);
	text = "{\"iid\":9,\"state\":\"opened\"}";
	CHECK_INT(forge_gitlab_parse_issue(&is, text, strlen(text), &err), 0);
	CHECK_INT(is.number, 9);
	CHECK_STR(is.body, "");
	CHECK_INT(forge_gitlab_parse_issue(&is, "[]", 2, &err),
		  TEND_EINVALID);
	CHECK_INT(is.number, 0);
	forge_issue_release(&is);

	forge_notes_init(&nl);
	for (i = 0; i < sizeof(bad_notes) / sizeof(*bad_notes); i++) {
		buf_reset(&err);
		CHECK_INT(forge_gitlab_parse_issue_notes(&nl, bad_notes[i],
			strlen(bad_notes[i]), &err), TEND_EINVALID);
		CHECK(err.len > 0);
	}
	forge_notes_release(&nl);
	text = "[{\"id\":1,\"body\":\"a\",\"system\":true},"
	       "{\"id\":2,\"body\":\"b\",\"author\":{\"username\":\"x-bot\","
	       "\"id\":8}},{\"id\":\"3\",\"author\":{\"username\":\"h\","
	       "\"bot\":true}}]";
	CHECK_INT(forge_gitlab_parse_issue_notes(&nl, text, strlen(text),
						 &err), 0);
	REQUIRE(nl.nr == 2);
	CHECK_STR(nl.items[0].id, "2");
	CHECK_STR(nl.items[0].author_id, "8");
	CHECK_INT(nl.items[0].author_is_bot, 1);
	CHECK(nl.items[0].thread == NULL);
	CHECK_STR(nl.items[1].body, "");
	CHECK_INT(nl.items[1].author_is_bot, 1);
	forge_notes_release(&nl);

	/* The latest add of the label wins; removals, other labels and
	   deleted labels (null) do not count; ids order them. */
	text = "[{\"id\":1,\"action\":\"add\",\"label\":{\"name\":\"tend\"},"
	       "\"user\":{\"username\":\"a\",\"id\":1}},"
	       "{\"id\":4,\"action\":\"add\",\"label\":{\"name\":\"tend\"},"
	       "\"user\":{\"username\":\"b\",\"id\":2}},"
	       "{\"id\":3,\"action\":\"add\",\"label\":{\"name\":\"tend\"},"
	       "\"user\":{\"username\":\"c\",\"id\":3}},"
	       "{\"id\":5,\"action\":\"remove\",\"label\":{\"name\":\"tend\"},"
	       "\"user\":{\"username\":\"d\"}},"
	       "{\"id\":6,\"action\":\"add\",\"label\":null,"
	       "\"user\":{\"username\":\"e\"}},"
	       "{\"id\":7,\"action\":\"add\",\"label\":{\"name\":\"other\"},"
	       "\"user\":{\"username\":\"f\"}}]";
	CHECK_INT(forge_gitlab_parse_label_events(&login, &id, "tend", text,
						  strlen(text), &err), 0);
	CHECK_STR(login, "b");
	CHECK_STR(id, "2");
	free(login);
	free(id);
	/* Its user gone: nobody. */
	text = "[{\"action\":\"add\",\"label\":{\"name\":\"tend\"},"
	       "\"user\":{\"username\":\"a\"}},{\"action\":\"add\","
	       "\"label\":{\"name\":\"tend\"},\"user\":null}]";
	CHECK_INT(forge_gitlab_parse_label_events(&login, &id, "tend", text,
						  strlen(text), &err), 0);
	CHECK(login == NULL && id == NULL);
	CHECK_INT(forge_gitlab_parse_label_events(&login, &id, "tend", "[5]",
						  3, &err), TEND_EINVALID);
	CHECK_INT(forge_gitlab_parse_label_events(&login, &id, "tend", "{}",
						  2, &err), TEND_EINVALID);

	/* Members: Developer (30) and up write; blocked users do not. */
	text = "{\"access_level\":30,\"state\":\"active\"}";
	CHECK_INT(forge_gitlab_parse_member(&write, text, strlen(text), &err),
		  0);
	CHECK_INT(write, 1);
	text = "{\"access_level\":50}";
	CHECK_INT(forge_gitlab_parse_member(&write, text, strlen(text), &err),
		  0);
	CHECK_INT(write, 1);
	text = "{\"access_level\":20}";
	CHECK_INT(forge_gitlab_parse_member(&write, text, strlen(text), &err),
		  0);
	CHECK_INT(write, 0);
	text = "{\"access_level\":40,\"state\":\"blocked\"}";
	CHECK_INT(forge_gitlab_parse_member(&write, text, strlen(text), &err),
		  0);
	CHECK_INT(write, 0);
	buf_reset(&err);
	text = "{\"access_level\":\"40\"}";
	CHECK_INT(forge_gitlab_parse_member(&write, text, strlen(text), &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "access_level") != NULL);
	CHECK_INT(forge_gitlab_parse_member(&write, "[", 1, &err),
		  TEND_EINVALID);

	text = "[{\"username\":\"Dave2\",\"id\":5},{\"username\":\"DAVE\","
	       "\"id\":9}]";
	CHECK_INT(forge_gitlab_parse_users(&id, "dave", text, strlen(text),
					   &err), 0);
	CHECK_STR(id, "9");
	free(id);
	CHECK_INT(forge_gitlab_parse_users(&id, "zed", text, strlen(text),
					   &err), 0);
	CHECK(id == NULL);
	CHECK_INT(forge_gitlab_parse_users(&id, "zed", "{}", 2, &err),
		  TEND_EINVALID);

	/* Merge requests of a branch: the first of this project (a fork's
	   branch of the same name is not it), state in three words. */
	forge_pr_init(&pr);
	text = "[{\"iid\":9,\"source_branch\":\"b\",\"sha\":\"f\","
	       "\"source_project_id\":8,\"target_project_id\":7,"
	       "\"state\":\"opened\"},"
	       "{\"iid\":8,\"source_branch\":\"b\",\"sha\":\"h\","
	       "\"source_project_id\":7,\"target_project_id\":7,"
	       "\"state\":\"merged\"},"
	       "{\"iid\":6,\"source_branch\":\"b\",\"sha\":\"g\","
	       "\"source_project_id\":7,\"target_project_id\":7,"
	       "\"state\":\"opened\"}]";
	CHECK_INT(forge_gitlab_parse_branch_mr(&pr, "b", text, strlen(text),
					       &err), 0);
	CHECK_INT(pr.number, 8);
	CHECK_STR(pr.state, "merged");
	CHECK_STR(pr.head_sha, "h");
	text = "[{\"iid\":3,\"source_branch\":\"b\",\"sha\":\"h\","
	       "\"source_project_id\":7,\"target_project_id\":7,"
	       "\"state\":\"opened\"}]";
	CHECK_INT(forge_gitlab_parse_branch_mr(&pr, "b", text, strlen(text),
					       &err), 0);
	CHECK_STR(pr.state, "open");
	text = "[{\"iid\":3,\"source_branch\":\"b\",\"sha\":\"h\","
	       "\"source_project_id\":7,\"target_project_id\":7,"
	       "\"state\":\"closed\"}]";
	CHECK_INT(forge_gitlab_parse_branch_mr(&pr, "b", text, strlen(text),
					       &err), 0);
	CHECK_STR(pr.state, "closed");
	CHECK_INT(forge_gitlab_parse_branch_mr(&pr, "c", text, strlen(text),
					       &err), TEND_ENOTFOUND);
	CHECK(pr.state == NULL);
	buf_reset(&err);
	text = "[{\"iid\":3,\"source_branch\":\"b\",\"sha\":\"h\","
	       "\"source_project_id\":7,\"target_project_id\":7,"
	       "\"state\":\"weird\"}]";
	CHECK_INT(forge_gitlab_parse_branch_mr(&pr, "b", text, strlen(text),
					       &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "weird") != NULL);
	buf_reset(&err);
	text = "[{\"source_branch\":\"b\"}]";
	CHECK_INT(forge_gitlab_parse_branch_mr(&pr, "b", text, strlen(text),
					       &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "iid") != NULL);
	CHECK_INT(forge_gitlab_parse_branch_mr(&pr, "b", "x", 1, &err),
		  TEND_EINVALID);
	forge_pr_release(&pr);
	buf_release(&err);
}

/* The numeric id the fake gives user `name`, as text ("" when none). */
static void gl_user_id(struct gl *g, const char *name, char out[32])
{
	char path[128];
	json_t *j;

	snprintf(path, sizeof(path), "/api/v4/users?username=%s", name);
	j = gl_call(g, "GET", path, NULL, NULL);
	out[0] = '\0';
	if (json_is_integer(json_object_get(json_array_get(j, 0), "id")))
		snprintf(out, 32, "%lld", (long long)json_integer_value(
			json_object_get(json_array_get(j, 0), "id")));
	json_decref(j);
}

/* Issue `iid` of the fake's state (borrowed from `state`). */
static json_t *gl_issue_state(json_t *state, long iid)
{
	json_t *i;
	size_t k;

	json_array_foreach(json_object_get(state, "issues"), k, i)
		if (json_integer_value(json_object_get(i, "iid")) == iid)
			return i;
	return NULL;
}

void test_gitlab__list_issues(void)
{
	struct buf err = BUF_INIT;
	struct forge_issues il;
	struct forge_issue is;
	char carol[32];
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	gl_user_id(&g, "carol", carol);
	forge_issues_init(&il);
	/* Open ones with the label, oldest first. */
	CHECK_INT(forge_list_issues(g.f, "tend", 0, &il, &err), 0);
	REQUIRE(il.nr == 3);
	CHECK_INT(il.items[0].number, 2);
	CHECK_INT(il.items[1].number, 1);
	CHECK_INT(il.items[2].number, 5);
	CHECK_STR(il.items[0].body, "Body two");
	CHECK_STR(il.items[1].title, "Add a flag");
	CHECK_STR(il.items[1].body, "");
	CHECK_STR(il.items[1].author, "carol");
	CHECK_STR(il.items[1].author_id, carol);
	CHECK_INT(il.items[1].open, 1);
	CHECK(forge_issue_has_label(&il.items[1], "bug"));
	REQUIRE(il.items[1].nr_assignees == 1);
	CHECK_STR(il.items[1].assignees[0], "dave");
	CHECK(il.items[1].url && strstr(il.items[1].url,
					"/group/proj/-/issues/1"));
	CHECK_STR(il.items[1].created_at, "2024-01-03T00:00:00Z");
	CHECK_INT(gl_count(&g, "GET", "/issues?state=opened&labels=tend&"
			   "order_by=created_at&sort=asc"), 1);
	forge_issues_release(&il);

	/* At most two: the oldest two. */
	CHECK_INT(forge_list_issues(g.f, "tend", 2, &il, &err), 0);
	REQUIRE(il.nr == 2);
	CHECK_INT(il.items[0].number, 2);
	CHECK_INT(il.items[1].number, 1);
	forge_issues_release(&il);
	/* Another label; none; one GitLab would split. */
	CHECK_INT(forge_list_issues(g.f, "bug", 0, &il, &err), 0);
	REQUIRE(il.nr == 1);
	CHECK_INT(il.items[0].number, 1);
	forge_issues_release(&il);
	CHECK_INT(forge_list_issues(g.f, "none-such", 0, &il, &err), 0);
	CHECK_INT(il.nr, 0);
	buf_reset(&err);
	CHECK_INT(forge_list_issues(g.f, "a,b", 0, &il, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "comma") != NULL);
	CHECK_INT(gl_count(&g, "GET", "labels=a"), 0);

	/* More than a page: 120 issues labelled "many". */
	{
		char body[128];
		int k;
		long st;

		for (k = 0; k < 120; k++) {
			snprintf(body, sizeof(body), "{\"title\":\"m%d\","
				 "\"labels\":[\"many\"]}", k);
			json_decref(gl_call(&g, "POST", "/__control/issue",
					    body, &st));
			CHECK_INT(st, 200);
		}
	}
	CHECK_INT(forge_list_issues(g.f, "many", 0, &il, &err), 0);
	CHECK_INT(il.nr, 120);
	CHECK_INT(gl_count(&g, "GET", "labels=many"), 2);
	forge_issues_release(&il);
	CHECK_INT(forge_list_issues(g.f, "many", 101, &il, &err), 0);
	CHECK_INT(il.nr, 101);
	forge_issues_release(&il);

	forge_issue_init(&is);
	CHECK_INT(forge_get_issue(g.f, 3, &is, &err), 0);
	CHECK_INT(is.number, 3);
	CHECK_INT(is.open, 0);
	buf_reset(&err);
	CHECK_INT(forge_get_issue(g.f, 999, &is, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "no issue #999") != NULL);
	forge_issue_release(&is);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__issue_notes(void)
{
	struct buf err = BUF_INIT;
	struct forge_notes nl;
	char *id = NULL, *url = NULL, *id2 = NULL;
	json_t *state, *notes;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	forge_notes_init(&nl);
	/* The system note is left out; nothing is tend's. */
	CHECK_INT(forge_list_issue_notes(g.f, 1, &nl, &err), 0);
	REQUIRE(nl.nr == 2);
	CHECK_STR(nl.items[0].body, "first");
	CHECK_STR(nl.items[1].body, "second");
	CHECK_STR(nl.items[1].author, "dave");
	CHECK_INT(nl.items[0].own, 0);
	CHECK_INT(gl_count(&g, "GET", "/issues/1/notes?sort=asc"), 1);
	forge_notes_release(&nl);

	CHECK_INT(forge_put_issue_note(g.f, 1, NULL, "status <!-- t1 -->",
				       "<!-- t1 -->", &id, &url, &err), 0);
	REQUIRE(id != NULL);
	REQUIRE(url != NULL);
	CHECK(strstr(url, "/group/proj/-/issues/1#note_") != NULL);
	CHECK(strstr(url, id) != NULL);
	CHECK_INT(forge_list_issue_notes(g.f, 1, &nl, &err), 0);
	REQUIRE(nl.nr == 3);
	CHECK_STR(nl.items[2].id, id);
	CHECK_INT(nl.items[2].own, 1);
	CHECK_STR(nl.items[2].author, "tend-bot");
	forge_notes_release(&nl);

	/* Edited in place. */
	CHECK_INT(forge_put_issue_note(g.f, 1, id, "done <!-- t1 -->",
				       "<!-- t1 -->", &id2, NULL, &err), 0);
	CHECK_STR(id2, id);
	free(id2);
	id2 = NULL;
	state = gl_state(&g);
	notes = json_object_get(gl_issue_state(state, 1), "notes");
	REQUIRE(json_array_size(notes) == 4);
	CHECK_STR(json_string_value(json_object_get(json_array_get(notes, 3),
						    "body")),
		  "done <!-- t1 -->");
	json_decref(state);
	CHECK_INT(forge_put_issue_note(g.f, 1, "1/../2", "x", NULL, NULL, NULL,
				       &err), TEND_EINVALID);

	/* A POST stored and then dropped is found by its marker: one note. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/issues/2/notes$\","
		  "\"action\":\"store_then_drop\"}]");
	CHECK_INT(forge_put_issue_note(g.f, 2, NULL, "hello <!-- t2 -->",
				       "<!-- t2 -->", &id2, NULL, &err), 0);
	CHECK(id2 != NULL);
	CHECK_INT(gl_count(&g, "POST", "/issues/2/notes"), 1);
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(gl_issue_state(state, 2),
						  "notes")), 1);
	json_decref(state);

	/* Deleted; deleting again is no error. */
	CHECK_INT(forge_delete_issue_note(g.f, 1, id, &err), 0);
	CHECK_INT(forge_delete_issue_note(g.f, 1, id, &err), 0);
	CHECK_INT(gl_count(&g, "DELETE", "/issues/1/notes/"), 2);
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(gl_issue_state(state, 1),
						  "notes")), 3);
	json_decref(state);
	buf_reset(&err);
	CHECK_INT(forge_put_issue_note(g.f, 999, NULL, "x", NULL, NULL, NULL,
				       &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "issue #999") != NULL);

	/* A job token may not write. */
	forge_free(g.f);
	REQUIRE(gl_open(&g, NULL, 1) == 0);
	CHECK_INT(forge_put_issue_note(g.f, 1, NULL, "x", NULL, NULL, NULL,
				       &err), FORGE_EREADONLY);
	free(id);
	free(id2);
	free(url);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__labels(void)
{
	static const char *const add[] = { "tend-doing", "needs info", NULL };
	static const char *const rm[] = { "tend", "absent", NULL };
	static const char *const bad[] = { "a,b", NULL };
	struct buf err = BUF_INIT;
	char *login = NULL, *id = NULL, dave[32], mia[32];
	json_t *state, *labels;
	struct gl g;
	int k;

	REQUIRE(gl_setup(&g) == 0);
	gl_user_id(&g, "dave", dave);
	gl_user_id(&g, "mia", mia);
	/* Who added "tend": dave. */
	CHECK_INT(forge_label_actor(g.f, 1, "tend", &login, &id, &err), 0);
	CHECK_STR(login, "dave");
	CHECK_STR(id, dave);
	free(login);
	free(id);

	/* One PUT adds and removes. */
	CHECK_INT(forge_edit_labels(g.f, 1, add, rm, &err), 0);
	CHECK_INT(gl_count(&g, "PUT", "/projects/group%2Fproj/issues/1"), 1);
	state = gl_state(&g);
	labels = json_object_get(gl_issue_state(state, 1), "labels");
	REQUIRE(json_array_size(labels) == 3);
	CHECK_STR(json_string_value(json_array_get(labels, 0)), "bug");
	CHECK_STR(json_string_value(json_array_get(labels, 1)), "tend-doing");
	CHECK_STR(json_string_value(json_array_get(labels, 2)), "needs info");
	json_decref(state);
	CHECK_INT(forge_label_actor(g.f, 1, "tend-doing", &login, &id, &err),
		  0);
	CHECK_STR(login, "tend-bot");
	CHECK_STR(id, "1");
	free(login);
	free(id);
	/* The label was removed since: the add is still dave's. */
	CHECK_INT(forge_label_actor(g.f, 1, "tend", &login, &id, &err), 0);
	CHECK_STR(login, "dave");
	free(login);
	free(id);

	/* Someone adds it again, after more than a page of events. */
	for (k = 0; k < 55; k++) {
		json_decref(gl_call(&g, "POST", "/__control/label",
				    "{\"issue\":1,\"label\":\"tend\","
				    "\"user\":\"rita\",\"action\":\"add\"}",
				    NULL));
		json_decref(gl_call(&g, "POST", "/__control/label",
				    "{\"issue\":1,\"label\":\"tend\","
				    "\"user\":\"rita\",\"action\":\"remove\"}",
				    NULL));
	}
	json_decref(gl_call(&g, "POST", "/__control/label",
			    "{\"issue\":1,\"label\":\"tend\",\"user\":\"mia\","
			    "\"action\":\"add\"}", NULL));
	CHECK_INT(forge_label_actor(g.f, 1, "tend", &login, &id, &err), 0);
	CHECK_STR(login, "mia");
	CHECK_STR(id, mia);
	CHECK_INT(gl_count(&g, "GET", "/issues/1/resource_label_events"), 5);
	free(login);
	free(id);

	/* The last to add it is a deleted user; never added; a deleted
	   label's event is skipped. */
	buf_reset(&err);
	CHECK_INT(forge_label_actor(g.f, 2, "tend", &login, &id, &err),
		  TEND_ENOTFOUND);
	CHECK(login == NULL && id == NULL);
	CHECK(strstr(err.ptr, "gone") != NULL);
	buf_reset(&err);
	CHECK_INT(forge_label_actor(g.f, 4, "tend", &login, &id, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "no one") != NULL);
	CHECK_INT(forge_label_actor(g.f, 5, "tend", &login, &id, &err), 0);
	CHECK_STR(login, "rita");
	free(login);
	free(id);
	CHECK_INT(forge_label_actor(g.f, 999, "tend", &login, &id, &err),
		  TEND_ENOTFOUND);

	/* Nothing to do is no request; a comma is refused before one. */
	CHECK_INT(forge_edit_labels(g.f, 1, NULL, NULL, &err), 0);
	CHECK_INT(forge_edit_labels(g.f, 1, bad, NULL, &err), TEND_EINVALID);
	CHECK_INT(gl_count(&g, "PUT", "/issues/1"), 1);
	CHECK_INT(forge_edit_labels(g.f, 999, add, NULL, &err),
		  TEND_ENOTFOUND);
	forge_free(g.f);
	REQUIRE(gl_open(&g, NULL, 1) == 0);
	CHECK_INT(forge_edit_labels(g.f, 1, add, NULL, &err), FORGE_EREADONLY);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__user_can_write(void)
{
	struct buf err = BUF_INIT;
	char dave[32], carol[32];
	int write = -1;
	struct gl g;

	REQUIRE(gl_setup(&g) == 0);
	gl_user_id(&g, "dave", dave);
	gl_user_id(&g, "carol", carol);
	/* By login: the id is looked up first (the test asked once too). */
	CHECK_INT(forge_user_can_write(g.f, "dave", NULL, &write, &err), 0);
	CHECK_INT(write, 1);
	CHECK_INT(gl_count(&g, "GET", "/users?username=dave"), 2);
	CHECK_INT(gl_count(&g, "GET", "/members/all/"), 1);
	/* By id: no lookup. */
	CHECK_INT(forge_user_can_write(g.f, "dave", dave, &write, &err), 0);
	CHECK_INT(write, 1);
	CHECK_INT(gl_count(&g, "GET", "/users?username=dave"), 2);
	/* Maintainer yes; Reporter, no member, no user: no. */
	CHECK_INT(forge_user_can_write(g.f, "mia", NULL, &write, &err), 0);
	CHECK_INT(write, 1);
	write = -1;
	CHECK_INT(forge_user_can_write(g.f, "rita", NULL, &write, &err), 0);
	CHECK_INT(write, 0);
	write = -1;
	CHECK_INT(forge_user_can_write(g.f, "carol", carol, &write, &err), 0);
	CHECK_INT(write, 0);
	write = -1;
	CHECK_INT(forge_user_can_write(g.f, "zed", NULL, &write, &err), 0);
	CHECK_INT(write, 0);
	/* dave twice, mia, rita, carol; zed has no id to ask by. */
	CHECK_INT(gl_count(&g, "GET", "/members/all/"), 5);
	/* A forge that fails is an error, not a "no". */
	gl_faults(&g, "[{\"method\":\"GET\",\"path\":\"/members/all/\","
		  "\"status\":500,\"times\":0}]");
	CHECK(forge_user_can_write(g.f, "dave", dave, &write, &err) < 0);
	CHECK_INT(write, 0);
	buf_release(&err);
	gl_stop(&g);
}

/* The fake's merge request `iid` (borrowed from `state`). */
static json_t *gl_mr_state(json_t *state, long iid)
{
	json_t *m;
	size_t k;

	json_array_foreach(json_object_get(state, "merge_requests"), k, m)
		if (json_integer_value(json_object_get(m, "iid")) == iid)
			return m;
	return NULL;
}

void test_gitlab__create_pr(void)
{
	struct forge_pr_new req = {
		"tend/issue-1", "main", "Add a flag",
		"Closes #1\n<!-- tend:task 1 -->", 1, "<!-- tend:task 1 -->"
	};
	struct buf err = BUF_INIT;
	struct forge_pr pr, again, found;
	char dave[32], head[41];
	json_t *state, *m;
	struct gl g;
	long first;

	REQUIRE(gl_setup(&g) == 0);
	gl_user_id(&g, "dave", dave);
	gl_git(&g, "rev-parse tend/issue-1", head);
	forge_pr_init(&pr);
	forge_pr_init(&again);
	forge_pr_init(&found);
	CHECK_INT(forge_create_pr(g.f, &req, &pr, &err), 0);
	first = pr.number;
	/* Merge request iids are their own sequence: after !1-!5. */
	CHECK_INT(first, 6);
	CHECK_STR(pr.title, "Draft: Add a flag");
	CHECK_INT(pr.draft, 1);
	CHECK_STR(pr.head_ref, "tend/issue-1");
	CHECK_STR(pr.base_ref, "main");
	CHECK_STR(pr.head_sha, head);
	CHECK_STR(pr.head_repo, "group/proj");
	CHECK_STR(pr.state, "opened");
	CHECK_STR(pr.author, "tend-bot");
	CHECK_INT(pr.fork, 0);
	CHECK_INT(pr.can_push, 1);
	CHECK(pr.url && strstr(pr.url, "/-/merge_requests/6"));

	/* Again: the same one, FORGE_EEXIST, never a second. */
	CHECK_INT(forge_create_pr(g.f, &req, &again, &err), FORGE_EEXIST);
	CHECK_INT(again.number, first);
	CHECK_STR(again.head_ref, "tend/issue-1");
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(state, "merge_requests")), 6);
	m = gl_mr_state(state, 6);
	CHECK_STR(json_string_value(json_object_get(m, "description")),
		  req.body);
	CHECK(json_is_true(json_object_get(m, "draft")));
	json_decref(state);

	CHECK_INT(forge_find_branch_pr(g.f, "tend/issue-1", &found, &err), 0);
	CHECK_INT(found.number, first);
	CHECK_STR(found.state, "open");
	CHECK_STR(found.head_repo, "group/proj");
	CHECK_INT(gl_count(&g, "GET", "merge_requests?source_branch=tend%2F"
			   "issue-1&state=all&order_by=created_at&sort=desc"),
		  1);

	/* New words; the draft stays a draft. */
	CHECK_INT(forge_update_pr(g.f, &pr, "Add the flag", "Closes #1\nnew",
				  &err), 0);
	CHECK_INT(forge_update_pr(g.f, &pr, NULL, "Closes #1\nnewer", &err),
		  0);
	state = gl_state(&g);
	m = gl_mr_state(state, 6);
	CHECK_STR(json_string_value(json_object_get(m, "title")),
		  "Draft: Add the flag");
	CHECK_STR(json_string_value(json_object_get(m, "description")),
		  "Closes #1\nnewer");
	CHECK(json_is_true(json_object_get(m, "draft")));
	json_decref(state);

	/* Review: by login; again is no write; unknown and unseeing users
	   are refused. */
	CHECK_INT(forge_request_review(g.f, &pr, "dave", NULL, &err), 0);
	state = gl_state(&g);
	m = json_object_get(gl_mr_state(state, 6), "reviewer_ids");
	REQUIRE(json_array_size(m) == 1);
	CHECK_INT(json_integer_value(json_array_get(m, 0)),
		  strtol(dave, NULL, 10));
	json_decref(state);
	CHECK_INT(forge_request_review(g.f, &pr, "dave", dave, &err), 0);
	CHECK_INT(forge_request_review(g.f, &pr, "mia", NULL, &err), 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(gl_mr_state(state, 6),
						  "reviewer_ids")), 2);
	json_decref(state);
	buf_reset(&err);
	CHECK_INT(forge_request_review(g.f, &pr, "zed", NULL, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "zed") != NULL);
	buf_reset(&err);
	CHECK_INT(forge_request_review(g.f, &pr, "carol", NULL, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "carol") != NULL);
	/* dave, mia, carol refused: three PUTs, the title and body two. */
	CHECK_INT(gl_count(&g, "PUT", "/merge_requests/6"), 5);

	/* Closed: found as closed; a new one may be opened, the newest
	   is found, and a merged one says so. */
	json_decref(gl_call(&g, "PUT", "/api/v4/projects/7/merge_requests/6",
			    "{\"state_event\":\"close\"}", NULL));
	CHECK_INT(forge_find_branch_pr(g.f, "tend/issue-1", &found, &err), 0);
	CHECK_INT(found.number, 6);
	CHECK_STR(found.state, "closed");
	req.draft = 0;
	CHECK_INT(forge_create_pr(g.f, &req, &again, &err), 0);
	CHECK_INT(again.number, 7);
	CHECK_STR(again.title, "Add a flag");
	CHECK_INT(again.draft, 0);
	json_decref(gl_call(&g, "POST", "/__control/mr", "{\"iid\":7,\"set\":"
			    "{\"state\":\"merged\"}}", NULL));
	CHECK_INT(forge_find_branch_pr(g.f, "tend/issue-1", &found, &err), 0);
	CHECK_INT(found.number, 7);
	CHECK_STR(found.state, "merged");
	CHECK_INT(forge_find_branch_pr(g.f, "tend/none", &found, &err),
		  TEND_ENOTFOUND);
	/* A fork's branch of the same name is not ours: !4 and !5 come
	   from forker's "feature"; !1 is ours. */
	CHECK_INT(forge_find_branch_pr(g.f, "feature", &found, &err), 0);
	CHECK_INT(found.number, 1);

	/* A branch GitLab does not have: its message. */
	buf_reset(&err);
	req.head_ref = "tend/issue-9";
	CHECK_INT(forge_create_pr(g.f, &req, &again, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "does not exist") != NULL);
	CHECK(again.head_sha == NULL);

	/* Stored, then the answer lost: found by the marker, not sent
	   again. */
	req.head_ref = "tend/issue-2";
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/merge_requests$\","
		  "\"action\":\"store_then_drop\"}]");
	CHECK_INT(forge_create_pr(g.f, &req, &again, &err), 0);
	CHECK_INT(again.number, 8);
	CHECK_STR(again.head_ref, "tend/issue-2");
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(state, "merge_requests")), 8);
	json_decref(state);
	/* !6, the 409, !7, the missing branch, !8 once. */
	CHECK_INT(gl_count(&g, "POST", "/merge_requests"), 5);

	/* A job token may not open one. */
	forge_free(g.f);
	REQUIRE(gl_open(&g, NULL, 1) == 0);
	req.head_ref = "feature2";
	CHECK_INT(forge_create_pr(g.f, &req, &again, &err), FORGE_EREADONLY);
	forge_pr_release(&pr);
	forge_pr_release(&again);
	forge_pr_release(&found);
	buf_release(&err);
	gl_stop(&g);
}

/* ------------------------------------------------------------------ */
/* ChatOps: note events, award emoji, replies.                         */

void test_gitlab__parse_time(void)
{
	static const char *const bad[] = {
		"", "2026-12-07", "2026-12-07T06:00:00", "2026-12-07 06:00:00Z",
		"2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-12-07T24:00:00Z",
		"2026-12-07T06:60:00Z", "2026-12-07T06:00:61Z",
		"2026-12-07T06:00:00.Z", "2026-12-07T06:00:00Zx",
		"2026-12-07T06:00:00+1", "2026-12-07T06:00:00+01:0",
		"2026-12-07T06:00:00+24:00", "2026-12-07T06:00:00+01:60",
		"26-12-07T06:00:00Z", "2026-1-07T06:00:00Z",
		"x026-12-07T06:00Z",
		"2026-12-07T06:00:00+010", "-026-12-07T06:00:00Z",
	};
	struct buf err = BUF_INIT;
	char after[11];
	int64_t t, u;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		t = 42;
		CHECK_INT(forge_gitlab_parse_time(&t, bad[i]), -1);
		CHECK_INT(t, 42);
	}
	CHECK_INT(forge_gitlab_parse_time(&t, NULL), -1);
	CHECK_INT(forge_gitlab_parse_time(&t, "1970-01-01T00:00:00Z"), 0);
	CHECK_INT(t, 0);
	CHECK_INT(forge_gitlab_parse_time(&t, "1970-01-02T00:00:01.5Z"), 0);
	CHECK_INT(t, 86401500000LL);
	CHECK_INT(forge_gitlab_parse_time(&t, "1969-12-31T23:59:59Z"), 0);
	CHECK_INT(t, -1000000LL);
	/* date -u -d 2026-12-07T06:00:00Z +%s: 1796623200 */
	CHECK_INT(forge_gitlab_parse_time(&t, "2026-12-07T06:00:00Z"), 0);
	CHECK_INT(t, 1796623200LL * 1000000);
	/* The same instant with an offset, in each of its spellings. */
	CHECK_INT(forge_gitlab_parse_time(&u, "2026-12-07T07:30:00+01:30"), 0);
	CHECK_INT(u, t);
	CHECK_INT(forge_gitlab_parse_time(&u, "2026-12-07T07:30:00+0130"), 0);
	CHECK_INT(u, t);
	CHECK_INT(forge_gitlab_parse_time(&u, "2026-12-07T01:00:00-05"), 0);
	CHECK_INT(u, t);
	CHECK_INT(forge_gitlab_parse_time(&u, "2026-12-07t06:00:00+00:00"), 0);
	CHECK_INT(u, t);
	/* Milliseconds count; digits past microseconds do not. */
	CHECK_INT(forge_gitlab_parse_time(&u, "2026-12-07T06:00:00.123Z"), 0);
	CHECK_INT(u - t, 123000);
	CHECK_INT(forge_gitlab_parse_time(&u,
					  "2026-12-07T06:00:00.1234569Z"), 0);
	CHECK_INT(u - t, 123456);
	CHECK_INT(forge_gitlab_parse_time(&u, "2024-02-29T00:00:00Z"), 0);
	CHECK_INT(forge_gitlab_parse_time(&u, "2000-02-29T00:00:00Z"), 0);
	CHECK_INT(forge_gitlab_parse_time(&u, "1900-02-29T00:00:00Z"), -1);

	/* The day before since's UTC day. */
	CHECK_INT(forge_gitlab_events_after(after, "2026-12-07T06:00:00Z",
					    &err), 0);
	CHECK_STR(after, "2026-12-06");
	CHECK_INT(forge_gitlab_events_after(after, "2027-01-01T00:00:00Z",
					    &err), 0);
	CHECK_STR(after, "2026-12-31");
	CHECK_INT(forge_gitlab_events_after(after, "2024-03-01T23:59:59Z",
					    &err), 0);
	CHECK_STR(after, "2024-02-29");
	/* 00:30 at +01:00 is the day before in UTC. */
	CHECK_INT(forge_gitlab_events_after(after, "2026-12-07T00:30:00+01:00",
					    &err), 0);
	CHECK_STR(after, "2026-12-05");
	CHECK_INT(forge_gitlab_events_after(after, "1969-12-31T12:00:00Z",
					    &err), 0);
	CHECK_STR(after, "1969-12-30");
	CHECK_INT(err.len, 0);
	CHECK_INT(forge_gitlab_events_after(after, "yesterday", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "'yesterday' is not an ISO 8601 time") != NULL);
	buf_reset(&err);
	CHECK_INT(forge_gitlab_events_after(after, "0000-01-01T00:00:00Z",
					    &err), TEND_EINVALID);
	CHECK(err.len > 0);
	buf_release(&err);
}

/* One note event of the shape GitLab sends. */
#define GL_EVENT(target, id, kind, iid, type, created, extra)               \
	"{\"id\":" #id ",\"action_name\":\"commented on\",\"target_type\":" \
	target ",\"target_id\":" #id ",\"target_iid\":" #id ","             \
	"\"author\":{\"username\":\"ev\",\"id\":5},\"note\":{\"id\":" #id     \
	",\"body\":\"/tend " #id "\",\"noteable_type\":" kind ","           \
	"\"noteable_iid\":" #iid ",\"type\":" type ",\"created_at\":"       \
	created "," "\"author\":{\"username\":\"ann\",\"id\":9}" extra "}}"

void test_gitlab__parse_events(void)
{
	static const char *const bad[] = {
		"", "nope", "{}", "[1]", "[[]]",
		/* A note event without its note. */
		"[{\"target_type\":\"Note\"}]",
		"[{\"target_type\":\"Note\",\"note\":7}]",
		/* A note without an id, an iid, a kind or a time. */
		"[{\"note\":{\"noteable_type\":\"Issue\",\"noteable_iid\":1,"
		"\"created_at\":\"2026-12-07T06:00:00Z\"}}]",
		"[{\"note\":{\"id\":1,\"noteable_type\":\"Issue\","
		"\"created_at\":\"2026-12-07T06:00:00Z\"}}]",
		"[{\"note\":{\"id\":1,\"noteable_type\":\"Issue\","
		"\"noteable_iid\":-3,"
		"\"created_at\":\"2026-12-07T06:00:00Z\"}}]",
		"[{\"note\":{\"id\":1,\"noteable_iid\":3,"
		"\"created_at\":\"2026-12-07T06:00:00Z\"}}]",
		"[{\"note\":{\"id\":1,\"noteable_type\":\"Issue\","
		"\"noteable_iid\":3}}]",
		"[{\"note\":{\"id\":1,\"noteable_type\":\"Issue\","
		"\"noteable_iid\":3,\"created_at\":\"today\"}}]",
		"[{\"note\":{\"id\":{},\"noteable_type\":\"MergeRequest\","
		"\"noteable_iid\":3,\"created_at\":\"2026-12-07T06:00:00Z\"}}]",
	};
	static const char *const since = "2026-12-07T06:00:00.500Z";
	struct buf err = BUF_INIT;
	struct forge_comments cl;
	struct buf page = BUF_INIT;
	size_t i;

	forge_comments_init(&cl);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		buf_reset(&err);
		CHECK_INT(forge_gitlab_parse_events(&cl, since, bad[i],
						    strlen(bad[i]), &err),
			  TEND_EINVALID);
		CHECK(err.len > 0);
	}
	CHECK_INT(cl.nr, 0);
	buf_reset(&err);
	forge_gitlab_parse_events(&cl, since, bad[9], strlen(bad[9]), &err);
	CHECK(strstr(err.ptr, "note 1 names no Issue iid") != NULL);
	buf_reset(&err);
	forge_gitlab_parse_events(&cl, since, bad[12], strlen(bad[12]), &err);
	CHECK(strstr(err.ptr, "created_at 'today' is not a time") != NULL);
	buf_reset(&err);
	CHECK_INT(forge_gitlab_parse_events(&cl, "now", "[]", 2, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "'now' is not an ISO 8601 time") != NULL);
	buf_reset(&err);

	buf_puts(&page, "[");
	/* Kept: an issue note at since to the millisecond. */
	buf_puts(&page, GL_EVENT("\"Note\"", 11, "\"Issue\"", 3, "null",
				 "\"2026-12-07T06:00:00.500Z\"", "") ",");
	/* Left out: a millisecond before since. */
	buf_puts(&page, GL_EVENT("\"Note\"", 12, "\"Issue\"", 3, "null",
				 "\"2026-12-07T06:00:00.499Z\"", "") ",");
	/* Left out: before since once the offset is counted. */
	buf_puts(&page, GL_EVENT("\"Note\"", 13, "\"Issue\"", 3, "null",
				 "\"2026-12-07T06:30:00+01:00\"", "") ",");
	/* Kept: a diff note on a merge request, with +00:00. */
	buf_puts(&page, GL_EVENT("\"DiffNote\"", 14, "\"MergeRequest\"", 4,
				 "\"DiffNote\"",
				 "\"2026-12-07T07:00:00+00:00\"",
				 ",\"position\":{\"new_line\":3}") ",");
	/* Left out: a system note, a commit note, a snippet note. */
	buf_puts(&page, GL_EVENT("\"Note\"", 15, "\"Issue\"", 3, "null",
				 "\"2026-12-07T08:00:00Z\"",
				 ",\"system\":true") ",");
	buf_puts(&page, GL_EVENT("\"Note\"", 16, "\"Commit\"", 0, "null",
				 "\"2026-12-07T08:00:00Z\"", "") ",");
	buf_puts(&page, GL_EVENT("\"Note\"", 17, "\"Snippet\"", 2, "null",
				 "\"2026-12-07T08:00:00Z\"", "") ",");
	/* Left out: not a note event at all. */
	buf_puts(&page, "{\"id\":18,\"target_type\":\"Issue\","
		 "\"action_name\":\"closed\"},"
		 "{\"id\":19,\"target_type\":null},");
	/* Kept: a reply in a discussion, by a bot without a note author. */
	buf_puts(&page, "{\"id\":20,\"target_type\":\"DiscussionNote\","
		 "\"author\":{\"username\":\"other-bot\",\"id\":\"77\"},"
		 "\"note\":{\"id\":\"20\",\"noteable_type\":\"MergeRequest\","
		 "\"noteable_iid\":\"4\",\"type\":\"DiscussionNote\","
		 "\"created_at\":\"2026-12-08T00:00:00Z\"}}");
	buf_puts(&page, "]");
	CHECK_INT(forge_gitlab_parse_events(&cl, since, page.ptr, page.len,
					    &err), 0);
	CHECK_INT(err.len, 0);
	REQUIRE(cl.nr == 3);
	CHECK_STR(cl.items[0].id, "11");
	CHECK_INT(cl.items[0].number, 3);
	CHECK_INT(cl.items[0].on_pr, 0);
	CHECK_INT(cl.items[0].diff_note, 0);
	CHECK(cl.items[0].thread == NULL);
	CHECK(cl.items[0].url == NULL);
	CHECK_STR(cl.items[0].author, "ann");
	CHECK_STR(cl.items[0].author_id, "9");
	CHECK_INT(cl.items[0].author_is_bot, 0);
	CHECK_INT(cl.items[0].own, 0);
	CHECK_STR(cl.items[0].body, "/tend 11");
	CHECK_STR(cl.items[0].created_at, "2026-12-07T06:00:00.500Z");
	CHECK_STR(cl.items[1].id, "14");
	CHECK_INT(cl.items[1].number, 4);
	CHECK_INT(cl.items[1].on_pr, 1);
	CHECK_INT(cl.items[1].diff_note, 1);
	CHECK_STR(cl.items[2].id, "20");
	CHECK_INT(cl.items[2].number, 4);
	CHECK_INT(cl.items[2].on_pr, 1);
	CHECK_INT(cl.items[2].diff_note, 0);
	CHECK_STR(cl.items[2].author, "other-bot");
	CHECK_STR(cl.items[2].author_id, "77");
	CHECK_INT(cl.items[2].author_is_bot, 1);
	CHECK_STR(cl.items[2].body, "");
	forge_comments_release(&cl);
	buf_release(&page);
	buf_release(&err);
}

void test_gitlab__parse_awards_and_discussions(void)
{
	static const char *const bad[] = {
		"", "{}", "[1]", "[\"eyes\"]",
	};
	static const char *const bad_disc[] = {
		"", "{}", "[1]", "[{}]", "[{\"id\":\"\",\"notes\":[]}]",
		"[{\"id\":\"d1\"}]", "[{\"id\":7,\"notes\":[]}]",
	};
	struct buf err = BUF_INIT;
	const char *text;
	char *id = NULL;
	int found = -1;
	size_t i;

	CHECK_STR(forge_gitlab_emoji_name("+1"), "thumbsup");
	CHECK_STR(forge_gitlab_emoji_name("-1"), "thumbsdown");
	CHECK_STR(forge_gitlab_emoji_name("eyes"), "eyes");
	CHECK_STR(forge_gitlab_emoji_name("white_check_mark"),
		  "white_check_mark");
	CHECK_STR(forge_gitlab_emoji_name("100"), "100");
	CHECK(forge_gitlab_emoji_name(NULL) == NULL);
	CHECK(forge_gitlab_emoji_name("") == NULL);
	CHECK(forge_gitlab_emoji_name("Eyes") == NULL);
	CHECK(forge_gitlab_emoji_name(":eyes:") == NULL);
	CHECK(forge_gitlab_emoji_name("eyes/../x") == NULL);
	CHECK(forge_gitlab_emoji_name("\xf0\x9f\x91\x80") == NULL);
	CHECK(forge_gitlab_emoji_name("+1x") == NULL);

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		buf_reset(&err);
		found = -1;
		CHECK_INT(forge_gitlab_parse_awards(&found, "eyes", "tend-bot",
						    "1", bad[i], strlen(bad[i]),
						    &err), TEND_EINVALID);
		CHECK_INT(found, 0);
		CHECK(err.len > 0);
	}
	buf_reset(&err);
	/* Someone else's eyes, tend's rocket, a namesake with another id. */
	text = "[{\"id\":1,\"name\":\"eyes\",\"user\":{\"username\":\"ann\","
	       "\"id\":9}},{\"id\":2,\"name\":\"rocket\",\"user\":"
	       "{\"username\":\"tend-bot\",\"id\":1}},{\"id\":3,\"name\":"
	       "\"eyes\",\"user\":{\"username\":\"TEND-BOT\",\"id\":2}},"
	       "{\"id\":4,\"name\":\"eyes\",\"user\":null},{\"id\":5}]";
	CHECK_INT(forge_gitlab_parse_awards(&found, "eyes", "tend-bot", "1",
					    text, strlen(text), &err), 0);
	CHECK_INT(found, 0);
	CHECK_INT(forge_gitlab_parse_awards(&found, "rocket", "tend-bot", "1",
					    text, strlen(text), &err), 0);
	CHECK_INT(found, 1);
	/* Without tend's id the login (any case) decides. */
	CHECK_INT(forge_gitlab_parse_awards(&found, "eyes", "tend-bot", NULL,
					    text, strlen(text), &err), 0);
	CHECK_INT(found, 1);
	CHECK_INT(err.len, 0);

	for (i = 0; i < sizeof(bad_disc) / sizeof(*bad_disc); i++) {
		buf_reset(&err);
		CHECK_INT(forge_gitlab_parse_note_discussion(&id, "5",
			bad_disc[i], strlen(bad_disc[i]), &err),
			TEND_EINVALID);
		CHECK(id == NULL);
		CHECK(err.len > 0);
	}
	buf_reset(&err);
	text = "[{\"id\":\"aaa\",\"notes\":[{\"id\":4},{\"id\":\"55\"}]},"
	       "{\"id\":\"bbb\",\"notes\":[{\"id\":5},{}]},"
	       "{\"id\":\"ccc\",\"notes\":[{\"id\":5}]}]";
	CHECK_INT(forge_gitlab_parse_note_discussion(&id, "5", text,
						     strlen(text), &err), 0);
	CHECK_STR(id, "bbb");
	free(id);
	CHECK_INT(forge_gitlab_parse_note_discussion(&id, "55", text,
						     strlen(text), &err), 0);
	CHECK_STR(id, "aaa");
	free(id);
	CHECK_INT(forge_gitlab_parse_note_discussion(&id, "6", text,
						     strlen(text), &err), 0);
	CHECK(id == NULL);
	CHECK_INT(err.len, 0);
	buf_release(&err);
}

/*
 * POST a test hook; the id of the note it made as text in `out` (may be
 * NULL): the answer's "id", or its first note's for a discussion.
 */
static void gl_hook(struct gl *g, const char *path, const char *body,
		    char out[32])
{
	long status = 0;
	json_t *j = gl_call(g, "POST", path, body, &status);
	const json_t *id = json_object_get(j, "id");

	if (out) {
		out[0] = '\0';
		if (json_is_integer(id))
			snprintf(out, 32, "%lld",
				 (long long)json_integer_value(id));
		else if (json_is_array(json_object_get(j, "notes")))
			snprintf(out, 32, "%lld", (long long)json_integer_value(
				 json_object_get(json_array_get(
				 json_object_get(j, "notes"), 0), "id")));
	}
	if (status != 201 && status != 200)
		printf("  hook %s: status %ld\n", path, status);
	json_decref(j);
}

/* The comment with id `id` in a list, or NULL. */
static const struct forge_comment *gl_comment_by_id(
	const struct forge_comments *cl, const char *id)
{
	size_t i;

	for (i = 0; i < cl->nr; i++)
		if (!strcmp(cl->items[i].id, id))
			return &cl->items[i];
	return NULL;
}

/* The query of the last events request in the log, or "". */
static void gl_last_events_query(struct gl *g, char *out, size_t n)
{
	json_error_t jerr;
	json_t *log = json_load_file(g->log_path, 0, &jerr), *e;
	size_t i;

	out[0] = '\0';
	json_array_foreach(log, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));

		if (p && strstr(p, "/events?"))
			snprintf(out, n, "%s", strchr(p, '?') + 1);
	}
	json_decref(log);
}

void test_gitlab__comments_since(void)
{
	struct buf err = BUF_INIT;
	struct forge_comments cl;
	const struct forge_comment *c;
	char early[32], issue[32], mr[32], diff[32], sys[32], reply[32];
	char query[512], body[256], *own = NULL;
	json_t *d;
	struct gl g;
	size_t i;

	REQUIRE(gl_setup(&g) == 0);
	forge_comments_init(&cl);
	/* The --issues notes were written now: years before these. */
	gl_hook(&g, "/__control/issue-note", "{\"issue\":1,\"user\":\"carol\","
		"\"body\":\"/tend early\",\"created_at\":"
		"\"2030-05-10T11:59:59.999Z\"}", early);
	gl_hook(&g, "/__control/issue-note", "{\"issue\":1,\"user\":\"carol\","
		"\"body\":\"/tend plan\",\"created_at\":"
		"\"2030-05-10T13:00:00+01:00\"}", issue);
	gl_hook(&g, "/__control/note", "{\"iid\":1,\"author\":\"dave\","
		"\"body\":\"@tend ask why\",\"created_at\":"
		"\"2030-05-10T12:30:00Z\"}", mr);
	gl_hook(&g, "/__control/issue-note", "{\"issue\":2,\"user\":\"dave\","
		"\"body\":\"changed the milestone\",\"system\":true,"
		"\"created_at\":\"2030-05-10T12:40:00Z\"}", sys);
	d = gl_call(&g, "POST", "/__control/note", "{\"iid\":1,\"author\":"
		    "\"rita\",\"body\":\"/tend fix this line\",\"created_at\":"
		    "\"2030-05-11T00:00:00Z\",\"position\":{\"new_path\":"
		    "\"src/a.c\",\"new_line\":11}}", NULL);
	snprintf(diff, sizeof(diff), "%lld", (long long)json_integer_value(
		 json_object_get(json_array_get(json_object_get(d, "notes"),
						0), "id")));
	snprintf(body, sizeof(body), "{\"discussion_id\":\"%s\",\"author\":"
		 "\"mia\",\"body\":\"/tend also\",\"created_at\":"
		 "\"2030-05-11T01:00:00Z\"}",
		 json_string_value(json_object_get(d, "id")));
	json_decref(d);
	gl_hook(&g, "/__control/reply", body, reply);

	CHECK_INT(forge_list_comments_since(g.f, "2030-05-10T12:00:00Z", 1,
					    &cl, &err), 0);
	CHECK_INT(err.len, 0);
	/* One page: one request; `after` is the day before, exclusive. */
	CHECK_INT(gl_count(&g, "GET", "/events?"), 1);
	gl_last_events_query(&g, query, sizeof(query));
	CHECK(strstr(query, "action=commented") != NULL);
	CHECK(strstr(query, "after=2030-05-09") != NULL);
	CHECK(strstr(query, "sort=asc") != NULL);
	REQUIRE(cl.nr == 4);
	/* Oldest first; the early note and the system note are left out. */
	CHECK_STR(cl.items[0].id, issue);
	CHECK_STR(cl.items[1].id, mr);
	CHECK_STR(cl.items[2].id, diff);
	CHECK_STR(cl.items[3].id, reply);
	CHECK(gl_comment_by_id(&cl, early) == NULL);
	CHECK(gl_comment_by_id(&cl, sys) == NULL);
	c = &cl.items[0];
	CHECK_INT(c->number, 1);
	CHECK_INT(c->on_pr, 0);
	CHECK_INT(c->diff_note, 0);
	CHECK_STR(c->author, "carol");
	CHECK(c->author_id != NULL);
	CHECK_STR(c->body, "/tend plan");
	CHECK_STR(c->created_at, "2030-05-10T13:00:00+01:00");
	CHECK_INT(c->own, 0);
	c = &cl.items[1];
	CHECK_INT(c->number, 1);
	CHECK_INT(c->on_pr, 1);
	CHECK_INT(c->diff_note, 0);
	CHECK_STR(c->body, "@tend ask why");
	c = &cl.items[2];
	CHECK_INT(c->on_pr, 1);
	CHECK_INT(c->diff_note, 1);
	CHECK_STR(c->author, "rita");
	CHECK(c->thread == NULL);
	CHECK_INT(cl.items[3].on_pr, 1);
	CHECK_STR(cl.items[3].author, "mia");
	forge_comments_release(&cl);

	/* tend's own notes come too, marked own on asking (one GET /user). */
	CHECK_INT(forge_put_issue_note(g.f, 2, NULL, "mine", NULL, &own, NULL,
				       &err), 0);
	CHECK_INT(forge_list_comments_since(g.f, "2026-01-01T00:00:00Z", 0,
					    &cl, &err), 0);
	CHECK_INT(gl_count(&g, "GET", "/user"), 0);
	CHECK_INT(forge_comments_mark_own(g.f, &cl, &err), 0);
	c = gl_comment_by_id(&cl, own);
	REQUIRE(c != NULL);
	CHECK_INT(c->own, 1);
	CHECK_STR(c->author, "tend-bot");
	CHECK_INT(c->number, 2);
	for (i = 0; i < cl.nr; i++)
		if (strcmp(cl.items[i].id, own))
			CHECK_INT(cl.items[i].own, 0);
	CHECK_INT(gl_count(&g, "GET", "/user"), 1);
	forge_comments_release(&cl);

	/* Nothing new: one request, nothing added, no /user. */
	CHECK_INT(forge_list_comments_since(g.f, "2031-01-01T00:00:00Z", 0,
					    &cl, &err), 0);
	CHECK_INT(cl.nr, 0);
	CHECK_INT(gl_count(&g, "GET", "/events?"), 3);

	/* A bad time is refused before anything is sent. */
	CHECK_INT(forge_list_comments_since(g.f, "2030-05-10", 0, &cl, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "'2030-05-10' is not an ISO 8601 time") != NULL);
	CHECK_INT(gl_count(&g, "GET", "/events?"), 3);
	free(own);
	buf_release(&err);
	gl_stop(&g);
}

void test_gitlab__comments_since_pages(void)
{
	struct buf err = BUF_INIT;
	struct forge_comments cl;
	char body[256];
	struct gl g;
	int i;

	REQUIRE(gl_setup(&g) == 0);
	forge_comments_init(&cl);
	/* 205 notes over two days: three pages of 100. */
	for (i = 0; i < 205; i++) {
		snprintf(body, sizeof(body), "{\"issue\":%d,\"user\":\"dave\","
			 "\"body\":\"n%d\",\"created_at\":"
			 "\"2031-03-%02dT%02d:%02d:00Z\"}", 1 + i % 5, i,
			 1 + i / 120, (i % 120) / 60, i % 60);
		gl_hook(&g, "/__control/issue-note", body, NULL);
	}
	CHECK_INT(forge_list_comments_since(g.f, "2031-03-01T00:30:00Z", 0,
					    &cl, &err), 0);
	CHECK_INT(gl_count(&g, "GET", "/events?"), 3);
	/* From n30 on: 175 notes, in order. */
	REQUIRE(cl.nr == 175);
	CHECK_STR(cl.items[0].body, "n30");
	CHECK_STR(cl.items[174].body, "n204");
	for (i = 1; i < 175; i++)
		CHECK(strcmp(cl.items[i - 1].created_at,
			     cl.items[i].created_at) <= 0);
	forge_comments_release(&cl);

	/* A page that fails leaves the list as it was. */
	forge_comments_push(&cl)->id = xstrdup("kept");
	gl_faults(&g, "[{\"method\":\"GET\",\"path\":\"/events\\\\?.*page=2\","
		  "\"status\":200,\"body\":[{\"note\":{\"id\":1,"
		  "\"noteable_type\":\"Issue\",\"noteable_iid\":1,"
		  "\"created_at\":\"soon\"}}]}]");
	CHECK_INT(forge_list_comments_since(g.f, "2031-03-01T00:30:00Z", 0,
					    &cl, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "created_at 'soon' is not a time") != NULL);
	REQUIRE(cl.nr == 1);
	CHECK_STR(cl.items[0].id, "kept");
	forge_comments_release(&cl);
	buf_release(&err);
	gl_stop(&g);
}

/* The awards in the fake's state on note `note`: "name:user,..." */
static void gl_awards(struct gl *g, const char *note, char *out, size_t n)
{
	json_t *state = gl_state(g), *a;
	size_t i, len = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(state, "awards"), i, a) {
		char id[32];

		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(
			 json_object_get(a, "note")));
		if (strcmp(id, note) || len >= n)
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s%s:%s",
			len ? "," : "",
			json_string_value(json_object_get(a, "name")),
			json_string_value(json_object_get(a, "user")));
	}
	json_decref(state);
}

void test_gitlab__react(void)
{
	struct buf err = BUF_INIT;
	struct forge_comment c, m;
	char note[32], mr_note[32], other[32], body[256], awards[256];
	size_t reads;
	struct gl g;
	int got = -1;

	REQUIRE(gl_setup(&g) == 0);
	gl_hook(&g, "/__control/issue-note", "{\"issue\":1,\"user\":\"carol\","
		"\"body\":\"/tend plan\"}", note);
	gl_hook(&g, "/__control/issue-note", "{\"issue\":1,\"user\":\"carol\","
		"\"body\":\"/tend other\"}", other);
	gl_hook(&g, "/__control/note", "{\"iid\":2,\"author\":\"dave\","
		"\"body\":\"/tend ask\"}", mr_note);
	forge_comment_init(&c);
	c.id = note;
	c.number = 1;
	forge_comment_init(&m);
	m.id = mr_note;
	m.number = 2;
	m.on_pr = 1;

	CHECK_INT(forge_reacted(g.f, &c, "eyes", &got, &err), 0);
	CHECK_INT(got, 0);
	CHECK_INT(forge_react(g.f, &c, "eyes", &err), 0);
	gl_awards(&g, note, awards, sizeof(awards));
	CHECK_STR(awards, "eyes:tend-bot");
	snprintf(body, sizeof(body), "/issues/1/notes/%s/award_emoji", note);
	CHECK_INT(gl_count(&g, "POST", body), 1);
	CHECK_INT(forge_reacted(g.f, &c, "eyes", &got, &err), 0);
	CHECK_INT(got, 1);
	/* Again: GitLab's 404 "has already been taken" is success, with
	 * nothing read back. */
	snprintf(body, sizeof(body), "/issues/1/notes/%s/award_emoji?", note);
	reads = gl_count(&g, "GET", body);
	CHECK_INT(forge_react(g.f, &c, "eyes", &err), 0);
	CHECK_INT(err.len, 0);
	CHECK_INT(gl_count(&g, "GET", body), reads);
	gl_awards(&g, note, awards, sizeof(awards));
	CHECK_STR(awards, "eyes:tend-bot");
	/* "+1" is GitLab's thumbsup; rocket is not eyes. */
	CHECK_INT(forge_react(g.f, &c, "+1", &err), 0);
	gl_awards(&g, note, awards, sizeof(awards));
	CHECK_STR(awards, "eyes:tend-bot,thumbsup:tend-bot");
	CHECK_INT(forge_reacted(g.f, &c, "rocket", &got, &err), 0);
	CHECK_INT(got, 0);
	CHECK_INT(forge_reacted(g.f, &c, "+1", &got, &err), 0);
	CHECK_INT(got, 1);

	/* A person's eyes are not tend's. */
	snprintf(body, sizeof(body), "{\"issue\":1,\"note\":%s,\"user\":"
		 "\"dave\",\"name\":\"eyes\"}", other);
	gl_hook(&g, "/__control/award", body, NULL);
	c.id = other;
	CHECK_INT(forge_reacted(g.f, &c, "eyes", &got, &err), 0);
	CHECK_INT(got, 0);
	CHECK_INT(forge_react(g.f, &c, "eyes", &err), 0);
	CHECK_INT(forge_reacted(g.f, &c, "eyes", &got, &err), 0);
	CHECK_INT(got, 1);
	gl_awards(&g, other, awards, sizeof(awards));
	CHECK_STR(awards, "eyes:dave,eyes:tend-bot");

	/* Merge request notes. */
	CHECK_INT(forge_react(g.f, &m, "rocket", &err), 0);
	gl_awards(&g, mr_note, awards, sizeof(awards));
	CHECK_STR(awards, "rocket:tend-bot");
	snprintf(body, sizeof(body), "/merge_requests/2/notes/%s/award_emoji",
		 mr_note);
	CHECK_INT(gl_count(&g, "POST", body), 1);
	CHECK_INT(forge_reacted(g.f, &m, "rocket", &got, &err), 0);
	CHECK_INT(got, 1);

	/* A POST stored and then lost: the awards tell, one award. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"award_emoji$\","
		  "\"action\":\"store_then_drop\"}]");
	CHECK_INT(forge_react(g.f, &m, "tada", &err), 0);
	gl_awards(&g, mr_note, awards, sizeof(awards));
	CHECK_STR(awards, "rocket:tend-bot,tada:tend-bot");
	CHECK_INT(gl_count(&g, "POST", body), 2);

	/* A 409 for an award tend gave: read back, success. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"award_emoji$\","
		  "\"status\":409,\"body\":{\"message\":\"409 Conflict\"}}]");
	snprintf(awards, sizeof(awards),
		 "/merge_requests/2/notes/%s/award_emoji?", mr_note);
	reads = gl_count(&g, "GET", awards);
	CHECK_INT(forge_react(g.f, &m, "tada", &err), 0);
	CHECK_INT(gl_count(&g, "GET", awards), reads + 1);
	/* A bare 404 for one it did not: the error, naming the note. */
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"award_emoji$\","
		  "\"status\":404,\"body\":{\"message\":\"404 Not found\"}}]");
	CHECK_INT(forge_react(g.f, &m, "heart", &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "cannot award 'heart' to note") != NULL);
	CHECK(strstr(err.ptr, "merge request !2") != NULL);
	buf_reset(&err);
	/* A note that is not there; a name GitLab does not know. */
	m.id = (char *)"999999";
	CHECK_INT(forge_react(g.f, &m, "eyes", &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "note 999999") != NULL);
	buf_reset(&err);
	CHECK_INT(forge_reacted(g.f, &m, "eyes", &got, &err), TEND_ENOTFOUND);
	buf_reset(&err);
	m.id = mr_note;
	CHECK_INT(forge_react(g.f, &m, "sparkly_unicorn", &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "not a valid emoji name") != NULL);
	buf_reset(&err);

	/* Refused before anything is sent. */
	CHECK_INT(forge_react(g.f, &m, "\xf0\x9f\x91\x80", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "is not an award emoji name") != NULL);
	m.id = (char *)"1/../2";
	CHECK_INT(forge_react(g.f, &m, "eyes", &err), TEND_EINVALID);
	CHECK_INT(forge_reacted(g.f, &m, "eyes", &got, &err), TEND_EINVALID);
	CHECK_INT(gl_count(&g, "POST", "/../"), 0);

	/* A job token may not award, and has no self to have awarded. */
	forge_free(g.f);
	REQUIRE(gl_open(&g, NULL, 1) == 0);
	m.id = mr_note;
	CHECK_INT(forge_react(g.f, &m, "eyes", &err), FORGE_EREADONLY);
	CHECK_INT(forge_reacted(g.f, &m, "rocket", &got, &err), 0);
	CHECK_INT(got, 0);
	buf_release(&err);
	gl_stop(&g);
}

/* The note `id` of issue `iid` in the fake's state, or NULL. */
static json_t *gl_issue_note(json_t *state, long iid, const char *id)
{
	json_t *n;
	size_t k;

	json_array_foreach(json_object_get(gl_issue_state(state, iid),
					   "notes"), k, n) {
		char nid[32];

		snprintf(nid, sizeof(nid), "%lld", (long long)
			 json_integer_value(json_object_get(n, "id")));
		if (!strcmp(nid, id))
			return n;
	}
	return NULL;
}

/* The discussion of merge request 1 holding note `id`, or NULL. */
static json_t *gl_mr_discussion(json_t *state, const char *id)
{
	json_t *d, *n;
	size_t k, j;

	json_array_foreach(gl_discussions(state), k, d) {
		json_array_foreach(json_object_get(d, "notes"), j, n) {
			char nid[32];

			snprintf(nid, sizeof(nid), "%lld", (long long)
				 json_integer_value(json_object_get(n, "id")));
			if (!strcmp(nid, id))
				return d;
		}
	}
	return NULL;
}

void test_gitlab__reply(void)
{
	static const char marker[] = "<!-- tend:chatops re=%s -->";
	struct buf err = BUF_INIT;
	struct forge_comments cl;
	struct forge_comment c;
	char note[32], diff[32], plain[32], mk[96], body[256];
	char *url = NULL;
	json_t *state, *d, *n, *mine;
	const char *did;
	struct gl g;
	size_t i, writes;

	REQUIRE(gl_setup(&g) == 0);
	forge_comments_init(&cl);
	gl_hook(&g, "/__control/issue-note", "{\"issue\":1,\"user\":\"carol\","
		"\"body\":\"/tend plan\",\"created_at\":"
		"\"2030-01-01T00:00:00Z\"}", note);
	d = gl_call(&g, "POST", "/__control/note", "{\"iid\":1,\"author\":"
		    "\"rita\",\"body\":\"/tend fix this\",\"created_at\":"
		    "\"2030-01-01T00:01:00Z\",\"position\":{\"new_path\":"
		    "\"src/a.c\",\"new_line\":11}}", NULL);
	snprintf(diff, sizeof(diff), "%lld", (long long)json_integer_value(
		 json_object_get(json_array_get(json_object_get(d, "notes"),
						0), "id")));
	json_decref(d);
	gl_hook(&g, "/__control/note", "{\"iid\":1,\"author\":\"dave\","
		"\"body\":\"@tend ask\",\"created_at\":"
		"\"2030-01-01T00:02:00Z\"}", plain);

	/* What `tend inbox` does: find, acknowledge, answer. */
	REQUIRE(forge_list_comments_since(g.f, "2030-01-01T00:00:00Z", 0, &cl,
					  &err) == 0);
	REQUIRE(cl.nr == 3);
	CHECK_STR(cl.items[0].id, note);
	CHECK_STR(cl.items[1].id, diff);
	CHECK_STR(cl.items[2].id, plain);

	/* An issue note: the reply joins its discussion. */
	snprintf(mk, sizeof(mk), marker, note);
	snprintf(body, sizeof(body), "Planned. %s", mk);
	CHECK_INT(forge_reply(g.f, &cl.items[0], body, mk, &url, &err), 0);
	REQUIRE(url != NULL);
	CHECK(strstr(url, "/group/proj/-/issues/1#note_") != NULL);
	state = gl_state(&g);
	n = gl_issue_note(state, 1, note);
	REQUIRE(n != NULL);
	did = json_string_value(json_object_get(n, "discussion_id"));
	mine = gl_issue_note(state, 1, strstr(url, "#note_") + 6);
	REQUIRE(mine != NULL);
	CHECK_STR(json_string_value(json_object_get(mine, "body")), body);
	CHECK_STR(json_string_value(json_object_get(mine, "author")),
		  "tend-bot");
	CHECK_STR(json_string_value(json_object_get(mine, "discussion_id")),
		  did);
	json_decref(state);
	CHECK_INT(gl_count(&g, "GET", "/issues/1/discussions?"), 1);
	CHECK_INT(gl_count(&g, "POST", "/issues/1/discussions/"), 1);
	free(url);
	url = NULL;

	/* A diff note: into its discussion on the merge request. */
	snprintf(mk, sizeof(mk), marker, diff);
	snprintf(body, sizeof(body), "Fixed. %s", mk);
	CHECK_INT(forge_reply(g.f, &cl.items[1], body, mk, &url, &err), 0);
	REQUIRE(url != NULL);
	CHECK(strstr(url, "/group/proj/-/merge_requests/1#note_") != NULL);
	state = gl_state(&g);
	d = gl_mr_discussion(state, diff);
	REQUIRE(d != NULL);
	REQUIRE(json_array_size(json_object_get(d, "notes")) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(
		  json_object_get(d, "notes"), 1), "body")), body);
	json_decref(state);
	free(url);
	url = NULL;

	/* The caller knows the thread and the URL: no reads. */
	writes = gl_count(&g, "GET", "/discussions?");
	forge_comment_init(&c);
	c.id = plain;
	c.number = 1;
	c.on_pr = 1;
	c.url = (char *)"http://gl/group/proj/-/merge_requests/1#note_1";
	state = gl_state(&g);
	c.thread = (char *)json_string_value(json_object_get(
		   gl_mr_discussion(state, plain), "id"));
	REQUIRE(c.thread != NULL);
	CHECK_INT(forge_reply(g.f, &c, "Answer.", NULL, &url, &err), 0);
	json_decref(state);
	CHECK_INT(gl_count(&g, "GET", "/discussions?"), writes);
	REQUIRE(url != NULL);
	CHECK(!strncmp(url, "http://gl/group/proj/-/merge_requests/1#note_",
		       45));
	CHECK(strcmp(url + 45, "1") != 0);
	state = gl_state(&g);
	CHECK_INT(json_array_size(json_object_get(gl_mr_discussion(state,
		  plain), "notes")), 2);
	json_decref(state);
	free(url);
	url = NULL;

	/* A reply lost on the way is found by its marker: one reply. */
	gl_hook(&g, "/__control/issue-note", "{\"issue\":2,\"user\":\"carol\","
		"\"body\":\"/tend go\"}", note);
	forge_comment_init(&c);
	c.id = note;
	c.number = 2;
	snprintf(mk, sizeof(mk), marker, note);
	snprintf(body, sizeof(body), "On it. %s", mk);
	gl_faults(&g, "[{\"method\":\"POST\",\"path\":\"/issues/2/"
		  "discussions/.*/notes$\",\"action\":\"store_then_drop\"}]");
	CHECK_INT(forge_reply(g.f, &c, body, mk, NULL, &err), 0);
	CHECK_INT(gl_count(&g, "POST", "/issues/2/discussions/"), 1);
	state = gl_state(&g);
	n = json_object_get(gl_issue_state(state, 2), "notes");
	writes = 0;
	json_array_foreach(n, i, d)
		writes += !strcmp(json_string_value(json_object_get(d,
				  "body")), body);
	CHECK_INT(writes, 1);
	json_decref(state);

	/* A note in no discussion (deleted since): a new note. */
	c.id = (char *)"987654";
	CHECK_INT(forge_reply(g.f, &c, "Late.", NULL, NULL, &err), 0);
	CHECK_INT(gl_count(&g, "POST", "/issues/2/notes"), 1);
	state = gl_state(&g);
	n = json_object_get(gl_issue_state(state, 2), "notes");
	CHECK_STR(json_string_value(json_object_get(json_array_get(n,
		  json_array_size(n) - 1), "body")), "Late.");
	json_decref(state);

	/* Refused before anything is sent; a missing issue is named. */
	writes = gl_count(&g, "POST", "/");
	CHECK_INT(forge_reply(g.f, &c, NULL, NULL, NULL, &err), TEND_EINVALID);
	CHECK_INT(forge_reply(g.f, &c, "", NULL, NULL, &err), TEND_EINVALID);
	c.id = (char *)"5?x=1";
	CHECK_INT(forge_reply(g.f, &c, "x", NULL, NULL, &err), TEND_EINVALID);
	c.id = note;
	c.number = 0;
	CHECK_INT(forge_reply(g.f, &c, "x", NULL, NULL, &err), TEND_EINVALID);
	CHECK_INT(gl_count(&g, "POST", "/"), writes);
	c.number = 999;
	buf_reset(&err);
	CHECK_INT(forge_reply(g.f, &c, "x", NULL, NULL, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "issue #999") != NULL);

	/* tend's five replies (written now) are comments too, its own. */
	forge_comments_release(&cl);
	CHECK_INT(forge_list_comments_since(g.f, "2020-01-01T00:00:00Z", 0,
					    &cl, &err), 0);
	CHECK_INT(forge_comments_mark_own(g.f, &cl, &err), 0);
	for (i = 0, writes = 0; i < cl.nr; i++)
		writes += cl.items[i].own;
	CHECK_INT(writes, 5);

	/* A job token may not reply. */
	forge_free(g.f);
	REQUIRE(gl_open(&g, NULL, 1) == 0);
	c.number = 2;
	CHECK_INT(forge_reply(g.f, &c, "x", NULL, NULL, &err),
		  FORGE_EREADONLY);
	forge_comments_release(&cl);
	buf_release(&err);
	gl_stop(&g);
}
