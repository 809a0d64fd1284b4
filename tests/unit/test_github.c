/*
 * test_github.c - the GitHub adapter's pure parts: the JSON readers of
 * forge/github.h on good and hostile answers, the rule that decides where
 * the token may go (forge_under_api(), and forge_request() refusing
 * anything else before a byte is sent), and how a note's author is
 * matched against tend's own account, and the rule that says whether
 * tend may push to a PR's branch (forge_pr_can_push()). The adapter
 * against the fake GitHub is driven end to end by
 * tests/integration/t0410..t0420; the test_github__server_* tests here
 * drive it against tests/lib/fakegithub.py for what `tend fix` needs:
 * can_push from a real answer, finding a PR by its head branch, two
 * sticky comments on one PR, and committable suggestions; and for what
 * `tend tasks` needs: listing and reading issues, the tracking comment,
 * labels and who applied them, permissions, and opening, finding,
 * editing and asking reviews of a pull request (the readers of those
 * answers are tested alone too); and for `tend inbox`: the repository's
 * comments since a time, reactions and replies (and the readers of
 * those lists and of the comment events a workflow is given).
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
#include "forge/github.h"
#include "tests/unit/test.h"

#define GH_TOKEN "ghp_unitsecret0123456789"

static struct forge *gh_open(const char *api_url)
{
	struct forge_context ctx;
	struct forge *f = NULL;
	struct buf err = BUF_INIT;

	memset(&ctx, 0, sizeof(ctx));
	ctx.kind = FORGE_GITHUB;
	ctx.api_url = (char *)api_url;
	ctx.repo = (char *)"o/r";
	ctx.token = (char *)GH_TOKEN;
	if (forge_open(&f, &ctx, &err) < 0)
		f = NULL;
	buf_release(&err);
	return f;
}

void test_github__under_api(void)
{
	static const char *const good[] = {
		"https://api.github.com/repositories/1/pulls/1/files?page=2",
		"https://api.github.com?page=2",
		"https://api.github.com",
		"https://api.github.com/",
		NULL
	};
	static const char *const bad[] = {
		"https://api.github.com@evil.example/repos/o/r",
		"https://api.github.com.evil.example/repos/o/r",
		"https://api.github.com:8443/repos/o/r",
		"https://api.github.comx/",
		"https://api.github.com#@evil.example/",
		"https://api.github.com\\@evil.example/",
		"https://api.github.com%40evil.example/",
		"http://api.github.com/repos/o/r",
		"HTTPS://api.github.com/repos/o/r",
		"https://evil.example/https://api.github.com/",
		"https://user:pw@api.github.com/repos/o/r",
		"//api.github.com/repos/o/r",
		"https://api.github.co",
		"",
		NULL
	};
	static const char *const ghe_good[] = {
		"https://ghe.example/api/v3/repositories/1/pulls?page=2",
		"https://ghe.example/api/v3?page=2",
		NULL
	};
	static const char *const ghe_bad[] = {
		"https://ghe.example/api/v3x/repos",
		"https://ghe.example/api/v30/repos",
		"https://ghe.example/api/v3@evil.example/",
		"https://ghe.example/api/",
		"https://ghe.example/graphql",
		"https://ghe.example:444/api/v3/repos",
		NULL
	};
	struct forge *f = gh_open("https://api.github.com/");
	struct forge *ghe = gh_open("https://ghe.example/api/v3");
	size_t i;

	REQUIRE(f && ghe);
	for (i = 0; good[i]; i++)
		if (!forge_under_api(f, good[i]))
			CHECK_STR(good[i], "(accepted)");
	for (i = 0; bad[i]; i++)
		if (forge_under_api(f, bad[i]))
			CHECK_STR(bad[i], "(refused)");
	for (i = 0; ghe_good[i]; i++)
		if (!forge_under_api(ghe, ghe_good[i]))
			CHECK_STR(ghe_good[i], "(accepted)");
	for (i = 0; ghe_bad[i]; i++)
		if (forge_under_api(ghe, ghe_bad[i]))
			CHECK_STR(ghe_bad[i], "(refused)");
	CHECK(!forge_under_api(f, NULL));
	forge_free(f);
	forge_free(ghe);
}

/*
 * A link outside the API URL, or a path that would change the host when
 * appended, is refused before anything is sent or counted.
 */
void test_github__request_refuses_elsewhere(void)
{
	static const char *const bad[] = {
		"http://127.0.0.1:1@127.0.0.1:9/x",
		"http://127.0.0.1:19.evil.example/x",
		"@127.0.0.1:9/x",
		".evil.example/x",
		":9/x",
		"HTTP://127.0.0.1:1/x",
		NULL
	};
	struct forge *f = gh_open("http://127.0.0.1:1");
	struct forge_stats st;
	struct buf err = BUF_INIT;
	json_t *json = NULL;
	size_t i;

	REQUIRE(f != NULL);
	for (i = 0; bad[i]; i++) {
		buf_reset(&err);
		CHECK_INT(forge_request(f, "GET", bad[i], NULL, &json, NULL,
					&err), TEND_EINVALID);
		CHECK(json == NULL);
		CHECK(strstr(err.ptr, "API URL") != NULL);
		CHECK(strstr(err.ptr, GH_TOKEN) == NULL);
	}
	/* user:password of a hostile link is not repeated in the message. */
	buf_reset(&err);
	CHECK_INT(forge_request(f, "GET", "https://me:pw0rd@evil.example/x",
				NULL, &json, NULL, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "pw0rd") == NULL);
	forge_get_stats(f, &st);
	CHECK_INT(st.reads, 0);
	CHECK_INT(st.writes, 0);
	buf_release(&err);
	forge_free(f);
}

/* Login (any ASCII case) and id, or login alone when no id is known. */
void test_github__is_self(void)
{
	struct forge *f = gh_open("https://api.github.com");

	REQUIRE(f != NULL);
	CHECK(!forge_is_self(f, "github-actions[bot]", "41898282"));
	f->self.asked = 1;
	CHECK(!forge_is_self(f, "github-actions[bot]", "41898282"));
	f->self.login = xstrdup("github-actions[bot]");
	f->self.id = xstrdup("41898282");
	CHECK(forge_is_self(f, "github-actions[bot]", "41898282"));
	CHECK(forge_is_self(f, "GitHub-Actions[bot]", "41898282"));
	CHECK(!forge_is_self(f, "github-actions[bot]", "1"));
	CHECK(!forge_is_self(f, "github-actions[bot]", NULL));
	CHECK(!forge_is_self(f, "github-actions", "41898282"));
	CHECK(!forge_is_self(f, "mallory", "41898282"));
	CHECK(!forge_is_self(f, NULL, "41898282"));
	free(f->self.id);
	f->self.id = NULL;
	CHECK(forge_is_self(f, "github-actions[bot]", NULL));
	CHECK(forge_is_self(f, "github-actions[bot]", "7"));
	CHECK(!forge_is_self(f, "github-actions[bot]x", NULL));
	forge_free(f);
}

void test_github__parse_pr(void)
{
	static const char pr[] =
		"{\"number\": 7, \"title\": \"t\", \"body\": null,"
		" \"user\": {\"login\": \"octocat\", \"id\": 1},"
		" \"html_url\": \"https://github.com/o/r/pull/7\","
		" \"head\": {\"sha\": \"h1\", \"ref\": \"f\","
		"   \"repo\": {\"full_name\": \"forker/r\"}},"
		" \"base\": {\"sha\": \"b1\", \"ref\": \"main\","
		"   \"repo\": {\"full_name\": \"o/r\"}},"
		" \"draft\": true, \"state\": \"open\", \"changed_files\": 3,"
		" \"review_comments\": 0, \"comments\": 2}";
	static const char *const bad[] = {
		"", "[]", "{\"head\": 1}", "{\"head\": {\"sha\": 1},"
		" \"base\": {}}", "{\"head\": {}, \"base\": {}}", "nul",
		NULL
	};
	struct forge_pr out;
	struct buf err = BUF_INIT;
	size_t i;

	forge_pr_init(&out);
	CHECK_INT(forge_github_parse_pr(&out, pr, strlen(pr), &err), 0);
	CHECK_INT(out.number, 7);
	CHECK_STR(out.head_sha, "h1");
	CHECK_STR(out.base_sha, "b1");
	CHECK_STR(out.author, "octocat");
	CHECK_STR(out.head_repo, "forker/r");
	CHECK_INT(out.fork, 1);
	CHECK_INT(out.draft, 1);
	CHECK(out.body == NULL);
	CHECK_INT(out.changed_files, 3);
	CHECK_INT(out.nr_review_comments, 0);
	CHECK_INT(out.nr_comments, 2);
	for (i = 0; bad[i]; i++) {
		buf_reset(&err);
		CHECK_INT(forge_github_parse_pr(&out, bad[i], strlen(bad[i]),
						&err), TEND_EINVALID);
		CHECK(err.len > 0);
		CHECK(out.head_sha == NULL);
	}
	/* GitHub's "allow edits by maintainers", when it says. */
	CHECK_INT(out.maintainer_can_push, -1);
	CHECK_INT(out.can_push, -1);
	forge_pr_release(&out);
	buf_release(&err);
}

/* A fork's PR: `modify` is maintainer_can_modify's JSON, or NULL. */
static int gh_parse_fork(struct forge_pr *out, const char *head_repo,
			 const char *modify)
{
	struct buf err = BUF_INIT, pr = BUF_INIT;
	int rc;

	buf_printf(&pr, "{\"number\": 3, \"head\": {\"sha\": \"h\","
		   " \"ref\": \"fix\", \"repo\": %s},"
		   " \"base\": {\"sha\": \"b\", \"ref\": \"main\","
		   " \"repo\": {\"full_name\": \"o/r\"}}%s%s}", head_repo,
		   modify ? ", \"maintainer_can_modify\": " : "",
		   modify ? modify : "");
	rc = forge_github_parse_pr(out, pr.ptr, pr.len, &err);
	buf_release(&pr);
	buf_release(&err);
	return rc;
}

/* An adapter as `tend` opens it: in Actions or not, token and its source. */
static struct forge *gh_open_as(int ci, const char *token,
				const char *source, int can_write)
{
	struct forge_context ctx;
	struct forge *f = NULL;
	struct buf err = BUF_INIT;

	memset(&ctx, 0, sizeof(ctx));
	ctx.kind = FORGE_GITHUB;
	ctx.ci = ci;
	ctx.api_url = (char *)"https://api.github.com";
	ctx.repo = (char *)"o/r";
	ctx.token = (char *)token;
	ctx.token_source = source;
	ctx.can_write = can_write;
	if (forge_open(&f, &ctx, &err) < 0)
		f = NULL;
	buf_release(&err);
	return f;
}

void test_github__can_push_rule(void)
{
	static const char same[] = "{\"full_name\": \"o/r\"}";
	static const char fork[] = "{\"full_name\": \"forker/r\"}";
	struct {
		int ci;
		const char *token, *source;
		int can_write;
		int same, same_allowed, fork_allowed, fork_denied;
	} cases[] = {
		/* The Actions token: its rights are the workflow's; never a
		   fork's branch. */
		{ 1, "ghs_actions0123", "GITHUB_TOKEN", -1, -1, -1, 0, 0 },
		{ 1, "ghs_actions0123", "GITHUB_TOKEN", 1, 1, 1, 0, 0 },
		/* An old GHES Actions token (40 hex digits) alike. */
		{ 1, "0123456789abcdef0123456789abcdef01234567",
		  "GITHUB_TOKEN", -1, -1, -1, 0, 0 },
		/* A fork PR's read-only token. */
		{ 1, "ghs_actions0123", "GITHUB_TOKEN", 0, 0, 0, 0, 0 },
		/* A maintainer's personal token, also in GITHUB_TOKEN. */
		{ 1, "ghp_personal0123", "GITHUB_TOKEN", -1, 1, 1, 1, 0 },
		{ 1, "github_pat_11AB_x", "GITHUB_TOKEN", -1, 1, 1, 1, 0 },
		{ 0, "ghp_personal0123", "GH_TOKEN", -1, 1, 1, 1, 0 },
		/* An App's installation token by hand: the fork's consent. */
		{ 0, "ghs_app0123", "GITHUB_TOKEN", -1, 1, 1, 1, 0 },
		{ 1, "ghs_app0123", "GH_TOKEN", -1, 1, 1, 1, 0 },
		/* No token: nothing. */
		{ 0, NULL, NULL, -1, 0, 0, 0, 0 },
	};
	struct forge_pr pr;
	size_t i;

	forge_pr_init(&pr);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct forge *f = gh_open_as(cases[i].ci, cases[i].token,
					     cases[i].source,
					     cases[i].can_write);

		REQUIRE(f != NULL);
		REQUIRE(gh_parse_fork(&pr, same, "false") == 0);
		CHECK_INT(pr.fork, 0);
		CHECK_INT(pr.maintainer_can_push, 0);
		if (forge_pr_can_push(f, &pr) != cases[i].same)
			printf("  case %zu\n", i);
		CHECK_INT(forge_pr_can_push(f, &pr), cases[i].same);
		REQUIRE(gh_parse_fork(&pr, same, NULL) == 0);
		CHECK_INT(forge_pr_can_push(f, &pr), cases[i].same_allowed);
		REQUIRE(gh_parse_fork(&pr, fork, "true") == 0);
		CHECK_INT(pr.fork, 1);
		CHECK_INT(pr.maintainer_can_push, 1);
		if (forge_pr_can_push(f, &pr) != cases[i].fork_allowed)
			printf("  case %zu (fork)\n", i);
		CHECK_INT(forge_pr_can_push(f, &pr), cases[i].fork_allowed);
		REQUIRE(gh_parse_fork(&pr, fork, "false") == 0);
		CHECK_INT(forge_pr_can_push(f, &pr), cases[i].fork_denied);
		REQUIRE(gh_parse_fork(&pr, fork, NULL) == 0);
		CHECK_INT(pr.maintainer_can_push, -1);
		CHECK_INT(forge_pr_can_push(f, &pr), 0);
		/* A fork deleted since, allowed or not: nowhere to push. */
		REQUIRE(gh_parse_fork(&pr, "null", "true") == 0);
		CHECK_INT(pr.fork, 1);
		CHECK_INT(forge_pr_can_push(f, &pr), 0);
		/* "maintainer_can_modify" that is no boolean: not said. */
		REQUIRE(gh_parse_fork(&pr, fork, "\"true\"") == 0);
		CHECK_INT(pr.maintainer_can_push, -1);
		CHECK_INT(forge_pr_can_push(f, &pr), 0);
		forge_free(f);
	}
	forge_pr_release(&pr);
}

void test_github__parse_files(void)
{
	static const char page[] =
		"[{\"filename\": \"a.c\", \"status\": \"modified\","
		"  \"additions\": 1, \"deletions\": 0, \"changes\": 1,"
		"  \"patch\": \"@@ -1 +1,2 @@\\n a\\n+b\"},"
		" {\"filename\": \"n.c\", \"status\": \"renamed\","
		"  \"previous_filename\": \"o.c\", \"changes\": 0},"
		" {\"filename\": \"big.c\", \"status\": \"added\","
		"  \"changes\": 90000},"
		" {\"filename\": \"gone.c\", \"status\": \"removed\"}]";
	struct forge_files out;
	struct buf err = BUF_INIT;

	forge_files_init(&out);
	CHECK_INT(forge_github_parse_files(&out, page, strlen(page), &err), 0);
	REQUIRE(out.nr == 4);
	CHECK_STR(out.items[0].patch, "@@ -1 +1,2 @@\n a\n+b");
	CHECK_INT(out.items[1].status, FORGE_FILE_RENAMED);
	CHECK_STR(out.items[1].old_path, "o.c");
	CHECK_INT(out.items[1].too_large, 0);
	CHECK_INT(out.items[2].status, FORGE_FILE_ADDED);
	CHECK_INT(out.items[2].too_large, 1);
	CHECK_INT(out.items[3].status, FORGE_FILE_DELETED);
	CHECK_INT(forge_github_parse_files(&out, "[{\"x\": 1}]", 10, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "no filename") != NULL);
	CHECK_INT(forge_github_parse_files(&out, "{}", 2, &err),
		  TEND_EINVALID);
	CHECK_INT(out.nr, 4);
	forge_files_release(&out);
	buf_release(&err);
}

void test_github__parse_comments(void)
{
	static const char review[] =
		"[{\"id\": 10, \"user\": {\"login\": \"github-actions[bot]\","
		"   \"id\": 41898282, \"type\": \"Bot\"},"
		"  \"body\": \"b <!-- tend:fp=x -->\", \"path\": \"a.c\","
		"  \"line\": 3, \"side\": \"LEFT\"},"
		" {\"id\": 11, \"in_reply_to_id\": 10,"
		"  \"user\": {\"login\": \"alice\", \"id\": 5},"
		"  \"body\": \"no\", \"path\": \"a.c\", \"line\": 3},"
		" {\"id\": 12, \"user\": null, \"body\": \"ghost\","
		"  \"path\": \"a.c\", \"line\": null}]";
	static const char issue[] =
		"[{\"id\": \"20\", \"user\": {\"login\": \"mallory\","
		"   \"id\": 666}, \"body\": \"<!-- tend:summary -->\"}]";
	static const char *const bad[] = {
		"[{\"body\": \"no id\"}]", "[{\"id\": true}]",
		"[{\"id\": \"\"}]",
		"[{\"id\": null}]", "[7]", "{\"id\": 1}", "[{\"id\": 1.5}]",
		NULL
	};
	struct forge_notes out;
	struct buf err = BUF_INIT;
	size_t i;

	forge_notes_init(&out);
	CHECK_INT(forge_github_parse_review_comments(&out, review,
						     strlen(review), &err), 0);
	CHECK_INT(forge_github_parse_issue_comments(&out, issue, strlen(issue),
						    &err), 0);
	forge_github_count_replies(&out);
	REQUIRE(out.nr == 4);
	CHECK_STR(out.items[0].author, "github-actions[bot]");
	CHECK_STR(out.items[0].author_id, "41898282");
	CHECK_INT(out.items[0].author_is_bot, 1);
	CHECK_INT(out.items[0].side, FORGE_SIDE_LEFT);
	CHECK_INT(out.items[0].line, 3);
	CHECK_INT(out.items[0].replies, 1);
	CHECK_INT(out.items[0].own, 0);
	CHECK_INT(out.items[1].reply, 1);
	CHECK_STR(out.items[1].thread, "10");
	CHECK_STR(out.items[1].author_id, "5");
	CHECK(out.items[2].author == NULL && out.items[2].author_id == NULL);
	CHECK_INT(out.items[2].outdated, 1);
	CHECK_STR(out.items[3].id, "20");
	CHECK_STR(out.items[3].author_id, "666");
	CHECK_INT(out.items[3].inline_note, 0);
	for (i = 0; bad[i]; i++) {
		buf_reset(&err);
		CHECK_INT(forge_github_parse_review_comments(&out, bad[i],
							     strlen(bad[i]),
							     &err),
			  TEND_EINVALID);
		CHECK(err.len > 0);
		buf_reset(&err);
		CHECK_INT(forge_github_parse_issue_comments(&out, bad[i],
							    strlen(bad[i]),
							    &err),
			  TEND_EINVALID);
		CHECK(err.len > 0);
	}
	CHECK_INT(out.nr, 4);
	forge_notes_release(&out);
	buf_release(&err);
}

void test_github__parse_user_and_check_run(void)
{
	static const char user[] = "{\"login\": \"tend-pat\", \"id\": 9}";
	static const char no_login[] = "{\"login\": \"\"}";
	static const char refused[] =
		"{\"message\": \"Resource not accessible by integration\"}";
	struct buf err = BUF_INIT;
	char *login = NULL, *id = NULL;

	CHECK_INT(forge_github_parse_user(&login, &id, user, strlen(user),
					  &err), 0);
	CHECK_STR(login, "tend-pat");
	CHECK_STR(id, "9");
	free(login);
	free(id);
	CHECK_INT(forge_github_parse_user(&login, &id, no_login,
					  strlen(no_login), &err),
		  TEND_EINVALID);
	CHECK(login == NULL && id == NULL);
	CHECK_INT(forge_github_parse_user(&login, &id, refused,
					  strlen(refused), &err),
		  TEND_EINVALID);
	CHECK_INT(forge_github_parse_check_run(&id, "{\"id\": 4}", 9, &err), 0);
	CHECK_STR(id, "4");
	free(id);
	CHECK_INT(forge_github_parse_check_run(&id, "{\"name\": \"x\"}", 13,
					       &err), TEND_EINVALID);
	CHECK(id == NULL);
	CHECK_INT(forge_github_parse_check_run(&id, "[", 1, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "not JSON") != NULL);
	buf_release(&err);
}

/*
 * A page of GET /issues: a pull request among the issues is left out;
 * labels come as objects or plain strings; a null body is "".
 */
void test_github__parse_issues(void)
{
	static const char page[] =
		"[{\"number\": 7, \"title\": \"Add a flag\", \"body\": null,"
		"  \"user\": {\"login\": \"alice\", \"id\": 11},"
		"  \"state\": \"open\","
		"  \"labels\": [{\"name\": \"tend\", \"color\": \"fff\"},"
		"              \"bug\", 3, {\"id\": 4}],"
		"  \"assignees\": [{\"login\": \"bob\"}, {\"id\": 2}],"
		"  \"html_url\": \"https://github.com/o/r/issues/7\","
		"  \"created_at\": \"2024-02-01T00:00:00Z\"},"
		" {\"number\": 8, \"title\": \"A PR\", \"labels\": [\"tend\"],"
		"  \"pull_request\": {\"url\": \"u\"}},"
		" {\"number\": 9, \"user\": null, \"state\": \"closed\","
		"  \"pull_request\": null, \"body\": \"text\"}]";
	static const char *const bad[] = {
		"not json", "{}", "[{\"title\": \"no number\"}]",
		"[{\"number\": \"7\"}]", "[{\"number\": 0}]", "[7]",
		NULL
	};
	struct forge_issues list;
	struct forge_issue *is;
	struct buf err = BUF_INIT;
	size_t i;

	forge_issues_init(&list);
	CHECK_INT(forge_github_parse_issues(&list, page, strlen(page), &err),
		  0);
	REQUIRE(list.nr == 2);
	is = &list.items[0];
	CHECK_INT(is->number, 7);
	CHECK_STR(is->title, "Add a flag");
	CHECK_STR(is->body, "");
	CHECK_STR(is->author, "alice");
	CHECK_STR(is->author_id, "11");
	CHECK_INT(is->open, 1);
	REQUIRE(is->nr_labels == 2);
	CHECK_STR(is->labels[0], "tend");
	CHECK_STR(is->labels[1], "bug");
	CHECK(forge_issue_has_label(is, "bug"));
	CHECK(!forge_issue_has_label(is, "Bug"));
	REQUIRE(is->nr_assignees == 1);
	CHECK_STR(is->assignees[0], "bob");
	CHECK_STR(is->url, "https://github.com/o/r/issues/7");
	CHECK_STR(is->created_at, "2024-02-01T00:00:00Z");
	is = &list.items[1];
	CHECK_INT(is->number, 9);
	CHECK_STR(is->title, "");
	CHECK_STR(is->body, "text");
	CHECK(is->author == NULL && is->author_id == NULL);
	CHECK_INT(is->open, 0);
	CHECK_INT(is->nr_labels, 0);
	for (i = 0; bad[i]; i++) {
		buf_reset(&err);
		CHECK_INT(forge_github_parse_issues(&list, bad[i],
						    strlen(bad[i]), &err),
			  TEND_EINVALID);
		if (!err.len)
			CHECK_STR(bad[i], "(a message)");
	}
	CHECK_INT(list.nr, 2);
	buf_reset(&err);
	forge_github_parse_issues(&list, bad[2], strlen(bad[2]), &err);
	CHECK(strstr(err.ptr, "no number") != NULL);
	forge_issues_release(&list);
	buf_release(&err);
}

/* GET /issues/N: an issue, a pull request (not an issue), a bad answer. */
void test_github__parse_issue(void)
{
	static const char issue[] =
		"{\"number\": 12, \"title\": \"T\", \"body\": \"B\","
		" \"user\": {\"login\": \"carol\", \"id\": \"5\"},"
		" \"state\": \"open\", \"labels\": [\"tend\"]}";
	static const char pull[] =
		"{\"number\": 13, \"title\": \"P\","
		" \"pull_request\": {\"url\": \"u\", \"merged_at\": null}}";
	struct forge_issue is;
	struct buf err = BUF_INIT;

	forge_issue_init(&is);
	CHECK_INT(forge_github_parse_issue(&is, issue, strlen(issue), &err),
		  0);
	CHECK_INT(is.number, 12);
	CHECK_STR(is.body, "B");
	CHECK_STR(is.author_id, "5");
	CHECK_INT(is.nr_labels, 1);
	CHECK_INT(forge_github_parse_issue(&is, pull, strlen(pull), &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "#13 is a pull request, not an issue") != NULL);
	CHECK(is.title == NULL && is.number == 0);
	CHECK_INT(forge_github_parse_issue(&is, "{\"title\": \"x\"}", 14,
					   &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "no number") != NULL);
	CHECK_INT(forge_github_parse_issue(&is, "{", 1, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "not JSON") != NULL);
	forge_issue_release(&is);
	buf_release(&err);
}

/* Issue comments read flat: no thread, no reply; a bot is a bot. */
void test_github__parse_issue_notes(void)
{
	static const char page[] =
		"[{\"id\": 4294968298, \"body\": \"hi\","
		"  \"user\": {\"login\": \"carol\", \"id\": 3,"
		"            \"type\": \"User\"}},"
		" {\"id\": 4294968299, \"body\": \"<!-- tend:task -->\","
		"  \"user\": {\"login\": \"github-actions[bot]\","
		"            \"id\": 41898282, \"type\": \"Bot\"}},"
		" {\"id\": 5, \"body\": null, \"user\": null}]";
	struct forge_notes notes;
	struct buf err = BUF_INIT;

	forge_notes_init(&notes);
	CHECK_INT(forge_github_parse_issue_notes(&notes, page, strlen(page),
						 &err), 0);
	REQUIRE(notes.nr == 3);
	CHECK_STR(notes.items[0].id, "4294968298");
	CHECK_STR(notes.items[0].author, "carol");
	CHECK_INT(notes.items[0].author_is_bot, 0);
	CHECK(notes.items[0].thread == NULL && !notes.items[0].reply);
	CHECK_STR(notes.items[1].author_id, "41898282");
	CHECK_INT(notes.items[1].author_is_bot, 1);
	CHECK_INT(notes.items[1].own, 0);
	CHECK(notes.items[2].author == NULL && notes.items[2].body == NULL);
	CHECK_INT(forge_github_parse_issue_notes(&notes, "[{\"body\": \"x\"}]",
						 15, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "no id") != NULL);
	CHECK_INT(forge_github_parse_issue_notes(&notes, "nope", 4, &err),
		  TEND_EINVALID);
	forge_notes_release(&notes);
	buf_release(&err);
}

/*
 * Issue events, read page by page: the last "labeled" event of the
 * label names its actor; other labels, "unlabeled" and other events do
 * not count; a deleted actor leaves nobody.
 */
void test_github__parse_label_events(void)
{
	static const char page1[] =
		"[{\"event\": \"labeled\", \"label\": {\"name\": \"tend\"},"
		"  \"actor\": {\"login\": \"bob\", \"id\": 2}},"
		" {\"event\": \"unlabeled\", \"label\": {\"name\": \"tend\"},"
		"  \"actor\": {\"login\": \"bob\", \"id\": 2}},"
		" {\"event\": \"labeled\", \"label\": {\"name\": \"tend\"},"
		"  \"actor\": {\"login\": \"carol\", \"id\": 3}},"
		" {\"event\": \"labeled\", \"label\": {\"name\": \"Tend\"},"
		"  \"actor\": {\"login\": \"mallory\", \"id\": 6}},"
		" {\"event\": \"closed\", \"actor\": {\"login\": \"eve\"}}]";
	static const char page2[] =
		"[{\"event\": \"unlabeled\", \"label\": {\"name\": \"tend\"},"
		"  \"actor\": {\"login\": \"mallory\", \"id\": 6}},"
		" {\"event\": \"labeled\", \"label\": {\"name\": \"bug\"},"
		"  \"actor\": {\"login\": \"mallory\", \"id\": 6}}]";
	static const char ghost[] =
		"[{\"event\": \"labeled\", \"label\": {\"name\": \"tend\"},"
		"  \"actor\": null}]";
	struct buf err = BUF_INIT;
	char *login = NULL, *id = NULL;

	CHECK_INT(forge_github_parse_label_events(&login, &id, "tend", page1,
						  strlen(page1), &err), 0);
	CHECK_STR(login, "carol");
	CHECK_STR(id, "3");
	CHECK_INT(forge_github_parse_label_events(&login, &id, "tend", page2,
						  strlen(page2), &err), 0);
	CHECK_STR(login, "carol");
	CHECK_INT(forge_github_parse_label_events(&login, &id, "bug", page2,
						  strlen(page2), &err), 0);
	CHECK_STR(login, "mallory");
	CHECK_INT(forge_github_parse_label_events(&login, &id, "tend", ghost,
						  strlen(ghost), &err), 0);
	CHECK(login == NULL && id == NULL);
	CHECK_INT(forge_github_parse_label_events(&login, &id, "tend",
						  "[1]", 3, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "not an object") != NULL);
	CHECK_INT(forge_github_parse_label_events(&login, &id, "tend",
						  "{\"event\": 1}", 12, &err),
		  TEND_EINVALID);
	CHECK(login == NULL && id == NULL);
	buf_release(&err);
}

/* permission admin|write, or role_name admin|maintain|write. */
void test_github__parse_permission(void)
{
	static const struct {
		const char *text;
		int write;
	} cases[] = {
		{ "{\"permission\": \"admin\", \"role_name\": \"admin\"}", 1 },
		{ "{\"permission\": \"write\","
		  " \"role_name\": \"maintain\"}", 1 },
		{ "{\"permission\": \"read\","
		  " \"role_name\": \"maintain\"}", 1 },
		{ "{\"permission\": \"write\"}", 1 },
		{ "{\"role_name\": \"write\"}", 1 },
		{ "{\"permission\": \"read\", \"role_name\": \"triage\"}", 0 },
		{ "{\"permission\": \"read\", \"role_name\": \"read\"}", 0 },
		{ "{\"permission\": \"none\", \"role_name\": \"custom\"}", 0 },
		{ "{\"permission\": \"Write\"}", 0 },
	};
	struct buf err = BUF_INIT;
	size_t i;
	int w;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w = -1;
		CHECK_INT(forge_github_parse_permission(&w, cases[i].text,
							strlen(cases[i].text),
							&err), 0);
		if (w != cases[i].write)
			CHECK_STR(cases[i].text, cases[i].write ? "(write)"
								: "(no write)");
	}
	w = 1;
	CHECK_INT(forge_github_parse_permission(&w, "{\"permission\": 1}", 17,
						&err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "no permission") != NULL);
	CHECK_INT(w, 0);
	CHECK_INT(forge_github_parse_permission(&w, "[]", 2, &err),
		  TEND_EINVALID);
	CHECK_INT(forge_github_parse_permission(&w, "x", 1, &err),
		  TEND_EINVALID);
	buf_release(&err);
}

/*
 * The newest PR of a branch, of this repository only (a fork's branch of
 * the same name is not it), "merged" when merged_at is set.
 */
void test_github__parse_branch_pr(void)
{
#define GH_PR_ITEM(n, ref, repo, state, merged) \
	"{\"number\": " #n ", \"state\": \"" state "\", \"merged_at\": " \
	merged ", \"head\": {\"sha\": \"h" #n "\", \"ref\": \"" ref "\"," \
	" \"repo\": {\"full_name\": \"" repo "\"}}, \"base\": {\"sha\":" \
	" \"b\", \"ref\": \"main\", \"repo\": {\"full_name\": \"o/r\"}}}"
	static const char page[] = "["
		GH_PR_ITEM(9, "tend/issue-1", "forker/r", "open", "null") ","
		GH_PR_ITEM(8, "other", "o/r", "open", "null") ","
		GH_PR_ITEM(7, "tend/issue-1", "O/R", "closed",
			   "\"2024-03-01T00:00:00Z\"") ","
		GH_PR_ITEM(6, "tend/issue-1", "o/r", "closed", "null") ","
		GH_PR_ITEM(5, "tend/issue-2", "o/r", "closed", "null") "]";
	struct forge_pr pr;
	struct buf err = BUF_INIT;

	forge_pr_init(&pr);
	CHECK_INT(forge_github_parse_branch_pr(&pr, "o/r", "tend/issue-1",
					       page, strlen(page), &err), 1);
	CHECK_INT(pr.number, 7);
	CHECK_STR(pr.state, "merged");
	CHECK_STR(pr.head_sha, "h7");
	CHECK_INT(forge_github_parse_branch_pr(&pr, "o/r", "tend/issue-2",
					       page, strlen(page), &err), 1);
	CHECK_INT(pr.number, 5);
	CHECK_STR(pr.state, "closed");
	CHECK_INT(forge_github_parse_branch_pr(&pr, "o/r", "tend/issue-3",
					       page, strlen(page), &err), 0);
	CHECK(pr.number == 0 && pr.state == NULL);
	CHECK_INT(forge_github_parse_branch_pr(&pr, "o/r", "x", "[1]", 3,
					       &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "no head") != NULL);
	CHECK_INT(forge_github_parse_branch_pr(&pr, "o/r", "x", "{", 1, &err),
		  TEND_EINVALID);
	/* A match without head.sha is no pull request. */
	CHECK_INT(forge_github_parse_branch_pr(&pr, "o/r", "x",
		"[{\"head\": {\"ref\": \"x\", \"repo\": {\"full_name\":"
		" \"o/r\"}}, \"base\": {}}]", 66, &err), TEND_EINVALID);
	forge_pr_release(&pr);
	buf_release(&err);
#undef GH_PR_ITEM
}

/* ------------------------------------------------------------------ */
/*
 * Against tests/lib/fakegithub.py on 127.0.0.1, serving a real git
 * repository built in the test's temp directory: on main, src/a.c holds
 * "line 1".."line 30"; branch feature changes line 5, inserts "new A"
 * and "new B" after line 10 and changes line 25, which makes two hunks:
 *   @@ -2,12 +2,14 @@  new 5 changed, new 11-12 added
 *   @@ -22,7 +24,7 @@  new 27 changed
 * Branches contrib and other are copies of feature, release of main.
 * The pull requests:
 *   1 main:feature                 the same repository
 *   2 main:contrib, a fork (forker/r) that lets maintainers push
 *   3 main:other, a fork that does not
 *   4 release:feature              the same head as 1, newer
 *   5, 6 main:feature              fresh PRs for the lost-answer tests
 * Issues 7-11 (GH_ISSUES; they share numbers with the PRs, and PRs opened
 * by the tests take 12 on): 7 and 9 carry "tend", 10 too but is closed,
 * 8 has a comment, 11 is the labels test's. Branches tend/issue-7 and
 * tend/issue-9 are copies of feature, for opening PRs. bob maintains,
 * wanda is admin, eve reads, tina triages (--permission).
 * One server serves every test (the fake has no reset: each test uses
 * its own PRs and issues); it stops when this process does
 * (--watch-parent).
 */
#define GH_ACTIONS "ghs_unitActionsToken0123456789"
#define GH_PAT "ghp_unitMaintainerPat0123456789"
#define GH_RO "ghs_unitReadOnlyToken0123456789"
#define GH_ISSUES \
	"[{\"number\": 7, \"title\": \"Add a --quiet flag\", \"body\": null," \
	"  \"user\": \"alice\", \"labels\": [\"tend\"]," \
	"  \"created_at\": \"2024-02-01T00:00:00Z\"," \
	"  \"events\": [{\"event\": \"labeled\", \"label\": \"tend\"," \
	"              \"actor\": \"bob\"}]}," \
	" {\"number\": 8, \"title\": \"Comments\", \"body\": \"b\"," \
	"  \"labels\": [\"bug\"], \"created_at\": \"2024-02-02T00:00:00Z\"," \
	"  \"comments\": [{\"user\": \"carol\", \"body\": \"first\"}]}," \
	" {\"number\": 9, \"title\": \"Second task\", \"body\": \"do it\"," \
	"  \"user\": \"carol\", \"labels\": [\"bug\", \"tend\"]," \
	"  \"created_at\": \"2024-02-03T00:00:00Z\"}," \
	" {\"number\": 10, \"title\": \"Done\", \"labels\": [\"tend\"]," \
	"  \"state\": \"closed\", \"created_at\": \"2024-01-15T00:00:00Z\"}," \
	" {\"number\": 11, \"title\": \"Labels\", \"labels\": [\"ready\"]," \
	"  \"created_at\": \"2024-02-04T00:00:00Z\"," \
	"  \"events\": [{\"event\": \"labeled\", \"label\": \"ready\"," \
	"              \"actor\": \"bob\"}]}]"

struct gh_server {
	pid_t pid;
	char dir[512];
	char repo[600];
	char base[64];
	char log_path[700];
	char issues_path[700];
};

static struct gh_server gh_srv;

static int gh_make_repo(void)
{
	return test_sh(
		"set -e; cd '%s'; git init -q repo; cd repo; "
		"git checkout -q -b main; git config user.name t; "
		"git config user.email t@t; git config commit.gpgsign false; "
		"mkdir src; i=1; "
		"while [ $i -le 30 ]; do echo \"line $i\"; i=$((i+1)); done "
		"> src/a.c; git add -A; git commit -qm base; "
		"git branch release; git checkout -qb feature; "
		"awk '{ if ($0 == \"line 5\") print \"LINE 5\"; "
		"else if ($0 == \"line 25\") print \"LINE 25\"; else print; "
		"if ($0 == \"line 10\") { print \"new A\"; "
		"print \"new B\" } }' src/a.c > src/a.tmp; "
		"mv src/a.tmp src/a.c; git commit -qam 'Parse empty lines'; "
		"git branch contrib; git branch other; "
		"git branch tend/issue-7; git branch tend/issue-9",
		gh_srv.dir);
}

static int gh_start(void)
{
	const char *argv[64];
	char server[1100], line[32];
	struct pollfd pfd;
	size_t got = 0, n = 0;
	int fds[2];
	char *end;
	long port;

	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	snprintf(gh_srv.log_path, sizeof(gh_srv.log_path), "%s/log.json",
		 gh_srv.dir);
	snprintf(gh_srv.issues_path, sizeof(gh_srv.issues_path),
		 "%s/issues.json", gh_srv.dir);
	if (test_write(gh_srv.issues_path, GH_ISSUES, strlen(GH_ISSUES)))
		return -1;
	snprintf(server, sizeof(server), "%s",
		 test_fixture("lib/fakegithub.py"));
	argv[n++] = "python3";
	argv[n++] = "-I";
	argv[n++] = "-S";
	argv[n++] = server;
	argv[n++] = "--repo";
	argv[n++] = gh_srv.repo;
	argv[n++] = "--owner";
	argv[n++] = "o";
	argv[n++] = "--name";
	argv[n++] = "r";
	argv[n++] = "--pr";
	argv[n++] = "1:main:feature";
	argv[n++] = "--pr";
	argv[n++] = "2:main:contrib:fork:modifiable";
	argv[n++] = "--pr";
	argv[n++] = "3:main:other:fork";
	argv[n++] = "--pr";
	argv[n++] = "4:release:feature";
	argv[n++] = "--pr";
	argv[n++] = "5:main:feature";
	argv[n++] = "--pr";
	argv[n++] = "6:main:feature";
	argv[n++] = "--token";
	argv[n++] = GH_ACTIONS;
	argv[n++] = "--readonly-token";
	argv[n++] = GH_RO;
	argv[n++] = "--pat-token";
	argv[n++] = GH_PAT ":maintainer";
	argv[n++] = "--issues";
	argv[n++] = gh_srv.issues_path;
	argv[n++] = "--permission";
	argv[n++] = "bob=maintain";
	argv[n++] = "--permission";
	argv[n++] = "wanda=admin";
	argv[n++] = "--permission";
	argv[n++] = "eve=read";
	argv[n++] = "--permission";
	argv[n++] = "tina=triage";
	argv[n++] = "--log";
	argv[n++] = gh_srv.log_path;
	argv[n++] = "--timeout";
	argv[n++] = "600";
	argv[n++] = "--watch-parent";
	argv[n] = NULL;
	if (pipe(fds) < 0)
		return -1;
	gh_srv.pid = fork();
	if (gh_srv.pid < 0)
		return -1;
	if (!gh_srv.pid) {
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
		kill(gh_srv.pid, SIGKILL);
		waitpid(gh_srv.pid, NULL, 0);
		gh_srv.pid = 0;
		return -1;
	}
	snprintf(gh_srv.base, sizeof(gh_srv.base), "http://127.0.0.1:%ld",
		 port);
	return 0;
}

static void gh_no_sleep(long ms, void *data)
{
	(void)ms;
	(void)data;
}

/*
 * The shared fake, started on first use, and an adapter on it as tend
 * opens one in Actions: `token` from GITHUB_TOKEN. NULL on failure.
 */
static struct forge *gh_server_open(const char *token, int can_write)
{
	struct forge_context ctx;
	struct forge *f = NULL;
	struct buf err = BUF_INIT;

	if (gh_srv.pid > 0 && waitpid(gh_srv.pid, NULL, WNOHANG) != 0)
		gh_srv.pid = 0;
	if (!gh_srv.pid) {
		snprintf(gh_srv.dir, sizeof(gh_srv.dir), "%s", test_tmpdir());
		snprintf(gh_srv.repo, sizeof(gh_srv.repo), "%s/repo",
			 gh_srv.dir);
		if (gh_make_repo() || gh_start())
			return NULL;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.kind = FORGE_GITHUB;
	ctx.ci = 1;
	ctx.api_url = gh_srv.base;
	ctx.repo = (char *)"o/r";
	ctx.token = (char *)token;
	ctx.token_source = "GITHUB_TOKEN";
	ctx.can_write = can_write;
	if (forge_open(&f, &ctx, &err) < 0) {
		printf("  forge_open: %s\n", err.ptr);
		f = NULL;
	} else {
		forge_set_sleep(f, gh_no_sleep, NULL);
	}
	buf_release(&err);
	return f;
}

/* A request to the fake's test hooks; its JSON answer or NULL. */
static json_t *gh_call(const char *method, const char *path,
		       const char *body)
{
	struct http_client_opts o = { 0 };
	struct http_client *c;
	json_t *req = NULL, *reply = NULL;
	json_error_t jerr;
	char url[512];
	long status = 0;

	o.max_retries = -1;
	c = http_client_new(&o);
	if (body)
		req = json_loads(body, 0, &jerr);
	snprintf(url, sizeof(url), "%s%s", gh_srv.base, path);
	http_send_json(c, method, url, NULL, req, &status, &reply, NULL, NULL);
	json_decref(req);
	http_client_free(c);
	return reply;
}

/* The stored issue comments of PR `number` (a new reference). */
static json_t *gh_issue_comments(long number)
{
	json_t *state = gh_call("GET", "/__state", NULL), *out = json_array();
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(state, "issue_comments"), i, c)
		if (json_integer_value(json_object_get(c, "pr")) == number)
			json_array_append(out, c);
	json_decref(state);
	return out;
}

/* How many of `list`'s bodies contain `marker`. */
static size_t gh_with_marker(const json_t *list, const char *marker)
{
	const json_t *c;
	size_t i, n = 0;

	json_array_foreach(list, i, c) {
		const char *b = json_string_value(json_object_get(c, "body"));

		n += b && strstr(b, marker) != NULL;
	}
	return n;
}

void test_github__server_can_push(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1), *pat, *ro;
	struct buf err = BUF_INIT;
	struct forge_pr pr;

	REQUIRE(f != NULL);
	forge_pr_init(&pr);
	/* The Actions token: the same repository is the workflow's call,
	   a fork is out of its reach even when its owner allows it. */
	REQUIRE(forge_get_pr(f, 1, &pr, &err) == 0);
	CHECK_INT(pr.fork, 0);
	CHECK_INT(pr.maintainer_can_push, 0);
	CHECK_STR(pr.head_repo, "o/r");
	CHECK_STR(pr.head_ref, "feature");
	CHECK_INT(pr.can_push, -1);
	REQUIRE(forge_get_pr(f, 2, &pr, &err) == 0);
	CHECK_INT(pr.fork, 1);
	CHECK_STR(pr.head_repo, "forker/r");
	CHECK_STR(pr.head_ref, "contrib");
	CHECK_INT(pr.maintainer_can_push, 1);
	CHECK_INT(pr.can_push, 0);
	/* A maintainer's personal token: the fork's consent decides. */
	pat = gh_server_open(GH_PAT, -1);
	REQUIRE(pat != NULL);
	REQUIRE(forge_get_pr(pat, 2, &pr, &err) == 0);
	CHECK_INT(pr.can_push, 1);
	REQUIRE(forge_get_pr(pat, 3, &pr, &err) == 0);
	CHECK_INT(pr.fork, 1);
	CHECK_INT(pr.maintainer_can_push, 0);
	CHECK_INT(pr.can_push, 0);
	REQUIRE(forge_get_pr(pat, 1, &pr, &err) == 0);
	CHECK_INT(pr.can_push, 1);
	/* A read-only token (a fork's pull_request run) pushes nowhere. */
	ro = gh_server_open(GH_RO, 0);
	REQUIRE(ro != NULL);
	REQUIRE(forge_get_pr(ro, 1, &pr, &err) == 0);
	CHECK_INT(pr.can_push, 0);
	forge_pr_release(&pr);
	forge_free(ro);
	forge_free(pat);
	forge_free(f);
	buf_release(&err);
}

void test_github__server_find_pr(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct buf err = BUF_INIT;
	char head[41] = "", path[700];
	long n = -1;
	FILE *fp;

	REQUIRE(f != NULL);
	snprintf(path, sizeof(path), "%s/head.txt", gh_srv.dir);
	REQUIRE(test_sh("git -C '%s' rev-parse feature > '%s'", gh_srv.repo,
			path) == 0);
	fp = fopen(path, "r");
	REQUIRE(fp != NULL);
	if (!fgets(head, sizeof(head), fp))
		head[0] = '\0';
	fclose(fp);
	REQUIRE(strlen(head) == 40);
	/* A fork's branch, as a workflow_run of its PR names it. */
	CHECK_INT(forge_find_pr(f, "forker/r", "contrib", head, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(forge_find_pr(f, "Forker/R", "other", NULL, &n, &err), 0);
	CHECK_INT(n, 3);
	/* Several PRs from one branch: the newest. */
	CHECK_INT(forge_find_pr(f, NULL, "feature", head, &n, &err), 0);
	CHECK_INT(n, 6);
	CHECK_INT(forge_find_pr(f, "o/r", "feature", NULL, &n, &err), 0);
	CHECK_INT(n, 6);
	/* The branch of another owner, or no such branch. */
	buf_reset(&err);
	CHECK_INT(forge_find_pr(f, "o/r", "contrib", NULL, &n, &err),
		  TEND_ENOTFOUND);
	CHECK_INT(n, 0);
	CHECK(strstr(err.ptr, "branch 'contrib' of o/r") != NULL);
	CHECK_INT(forge_find_pr(f, "forker/r", "nope&head=o:feature", NULL,
				&n, &err), TEND_ENOTFOUND);
	CHECK_INT(forge_find_pr(f, "forker", "contrib", NULL, &n, &err),
		  TEND_EINVALID);
	CHECK_INT(forge_find_pr(f, "forker/r", "", NULL, &n, &err),
		  TEND_EINVALID);
	forge_free(f);
	buf_release(&err);
}

/* The own note of `notes` whose body has `marker`; NULL when none. */
static const struct forge_note *gh_own(const struct forge_notes *notes,
				       const char *marker, size_t *count)
{
	const struct forge_note *found = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < notes->nr; i++)
		if (notes->items[i].own &&
		    strstr(notes->items[i].body, marker)) {
			found = &notes->items[i];
			(*count)++;
		}
	return found;
}

#define GH_REVIEW "<!-- tend:review -->"
#define GH_FIX "<!-- tend:fix -->"

/*
 * The review summary and the fix report on one PR, each found by its own
 * marker among tend's own comments and edited in place; a copy of the
 * fix marker by someone else is neither found nor edited.
 */
void test_github__server_two_stickies(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct buf err = BUF_INIT;
	struct forge_notes notes;
	struct forge_pr pr;
	const struct forge_note *rv, *fx;
	char *url = NULL, *rv_id = NULL, *fx_id = NULL;
	json_t *list;
	size_t nr;

	REQUIRE(f != NULL);
	forge_pr_init(&pr);
	forge_notes_init(&notes);
	REQUIRE(forge_get_pr(f, 1, &pr, &err) == 0);
	CHECK_INT(forge_put_summary(f, &pr, NULL, "Review: 2 findings\n"
				    GH_REVIEW, GH_REVIEW, &url, &err), 0);
	CHECK(url && strstr(url, "/pull/1#issuecomment-"));
	free(url);
	url = NULL;
	CHECK_INT(forge_put_summary(f, &pr, NULL, "Fix: tests pass\n" GH_FIX,
				    GH_FIX, &url, &err), 0);
	CHECK(url && strstr(url, "/pull/1#issuecomment-"));
	free(url);
	url = NULL;
	json_decref(gh_call("POST", "/__control/comment",
			    "{\"pr\": 1, \"user\": \"mallory\", \"body\": "
			    "\"quoting " GH_FIX "\"}"));

	/* What the coordinator does: read, find its own by marker. */
	REQUIRE(forge_get_pr(f, 1, &pr, &err) == 0);
	REQUIRE(forge_list_notes(f, &pr, &notes, &err) == 0);
	CHECK_INT(notes.nr, 3);
	rv = gh_own(&notes, GH_REVIEW, &nr);
	CHECK_INT(nr, 1);
	fx = gh_own(&notes, GH_FIX, &nr);
	CHECK_INT(nr, 1);
	REQUIRE(rv && fx && rv != fx);
	CHECK(strstr(fx->body, "Fix: tests pass") != NULL);
	rv_id = xstrdup(rv->id);
	fx_id = xstrdup(fx->id);

	/* The next fix run edits its report; the review stays. */
	CHECK_INT(forge_put_summary(f, &pr, fx_id, "Fix: run 2\n" GH_FIX,
				    GH_FIX, &url, &err), 0);
	CHECK(url && strstr(url, fx_id));
	list = gh_issue_comments(1);
	CHECK_INT(json_array_size(list), 3);
	CHECK_INT(gh_with_marker(list, "Fix: run 2\n" GH_FIX), 1);
	CHECK_INT(gh_with_marker(list, "Review: 2 findings\n" GH_REVIEW), 1);
	CHECK_INT(gh_with_marker(list, "quoting " GH_FIX), 1);
	CHECK_INT(gh_with_marker(list, "Fix: tests pass"), 0);
	json_decref(list);
	free(url);
	free(rv_id);
	free(fx_id);
	forge_notes_release(&notes);
	forge_pr_release(&pr);
	forge_free(f);
	buf_release(&err);
}

/*
 * The first fix report on a PR that already has the review summary, and
 * its answer is lost. Stored: the re-read finds the fix marker and does
 * not post twice. Not stored: the review summary (another marker) and
 * someone else's copy of the fix marker are not taken for it: it is
 * posted once more, and once.
 */
void test_github__server_sticky_lost_answer(void)
{
	static const char *const actions[] = { "store_then_drop", "drop" };
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct buf err = BUF_INIT, faults = BUF_INIT;
	struct forge_pr pr;
	enum log_level level = log_get_level();
	json_t *list;
	char *url = NULL;
	long n;

	REQUIRE(f != NULL);
	forge_pr_init(&pr);
	/* The adapter's "may have reached GitHub" warnings are expected. */
	log_set_level(LOG_ERROR);
	for (n = 5; n <= 6; n++) {
		REQUIRE(forge_get_pr(f, n, &pr, &err) == 0);
		CHECK_INT(forge_put_summary(f, &pr, NULL, "Review\n" GH_REVIEW,
					    GH_REVIEW, NULL, &err), 0);
		buf_reset(&faults);
		buf_printf(&faults, "{\"pr\": %ld, \"user\": \"mallory\", "
			   "\"body\": \"" GH_FIX "\"}", n);
		json_decref(gh_call("POST", "/__control/comment", faults.ptr));
		buf_reset(&faults);
		buf_printf(&faults, "[{\"method\": \"POST\", \"path\": "
			   "\"/issues/%ld/comments$\", \"times\": 1, "
			   "\"action\": \"%s\"}]", n, actions[n - 5]);
		json_decref(gh_call("POST", "/__control/faults", faults.ptr));
		CHECK_INT(forge_put_summary(f, &pr, NULL, "Fix\n" GH_FIX,
					    GH_FIX, &url, &err), 0);
		CHECK(url && strstr(url, "#issuecomment-"));
		free(url);
		url = NULL;
		list = gh_issue_comments(n);
		CHECK_INT(json_array_size(list), 3);
		CHECK_INT(gh_with_marker(list, "Fix\n" GH_FIX), 1);
		CHECK_INT(gh_with_marker(list, "Review\n" GH_REVIEW), 1);
		json_decref(list);
	}
	json_decref(gh_call("POST", "/__control/faults", "[]"));
	log_set_level(level);
	forge_pr_release(&pr);
	forge_free(f);
	buf_release(&faults);
	buf_release(&err);
}

/*
 * Committable suggestions on a fork's PR (the fallback when tend cannot
 * push): a ```suggestion fence over new lines start_line..line of one
 * hunk on the RIGHT side, and over one line. GitHub takes them as review
 * comments; one spanning two hunks it refuses (422), so the caller must
 * keep each suggestion inside a hunk.
 */
void test_github__server_suggestions(void)
{
	static const char multi[] =
		"The parser skipped empty lines.\n\n"
		"```suggestion\nnew A\n\nnew B\n```\n<!-- tend:fix -->";
	static const char one[] =
		"```suggestion\nline 5\n```\n<!-- tend:fix -->";
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct buf err = BUF_INIT;
	struct forge_inline c[2];
	struct forge_pr pr;
	json_t *state, *rc;
	size_t i, seen = 0;

	REQUIRE(f != NULL);
	forge_pr_init(&pr);
	REQUIRE(forge_get_pr(f, 2, &pr, &err) == 0);
	CHECK_INT(pr.can_push, 0);
	memset(c, 0, sizeof(c));
	c[0].path = "src/a.c";
	c[0].side = FORGE_SIDE_RIGHT;
	c[0].start_line = 11;
	c[0].line = 12;
	c[0].body = multi;
	c[1].path = "src/a.c";
	c[1].side = FORGE_SIDE_RIGHT;
	c[1].start_line = c[1].line = 5;
	c[1].body = one;
	CHECK_INT(forge_post_review(f, &pr, c, 2, "Suggested fix\n"
				    "<!-- tend:fix-suggestions -->",
				    "<!-- tend:fix-suggestions -->", &err), 0);
	state = gh_call("GET", "/__state", NULL);
	json_array_foreach(json_object_get(state, "review_comments"), i, rc) {
		const char *body =
			json_string_value(json_object_get(rc, "body"));

		if (json_integer_value(json_object_get(rc, "pr")) != 2)
			continue;
		seen++;
		CHECK_STR(json_string_value(json_object_get(rc, "side")),
			  "RIGHT");
		CHECK_STR(json_string_value(json_object_get(rc, "path")),
			  "src/a.c");
		if (body && !strcmp(body, multi)) {
			CHECK_INT(json_integer_value(json_object_get(
				rc, "start_line")), 11);
			CHECK_INT(json_integer_value(json_object_get(
				rc, "line")), 12);
			CHECK_STR(json_string_value(json_object_get(
				rc, "start_side")), "RIGHT");
		} else {
			CHECK_STR(body, one);
			CHECK_INT(json_integer_value(json_object_get(
				rc, "line")), 5);
			CHECK(json_is_null(json_object_get(rc,
							   "start_line")));
		}
	}
	CHECK_INT(seen, 2);
	json_decref(state);

	/* Across the two hunks: refused, nothing posted. */
	c[0].start_line = 12;
	c[0].line = 27;
	buf_reset(&err);
	CHECK_INT(forge_post_review(f, &pr, c, 1, NULL, NULL, &err),
		  TEND_EINVALID);
	CHECK(err.len > 0);
	state = gh_call("GET", "/__state", NULL);
	seen = 0;
	json_array_foreach(json_object_get(state, "review_comments"), i, rc)
		seen += json_integer_value(json_object_get(rc, "pr")) == 2;
	CHECK_INT(seen, 2);
	json_decref(state);
	forge_pr_release(&pr);
	forge_free(f);
	buf_release(&err);
}

/* ------------------------------------------------------------------ */
/* Issues and opening pull requests, for `tend tasks`. */

/* Entry `number` of /__state's list `which` (a new reference), or NULL. */
static json_t *gh_state_item(const char *which, long number)
{
	json_t *state = gh_call("GET", "/__state", NULL), *out = NULL, *it;
	size_t i;

	json_array_foreach(json_object_get(state, which), i, it)
		if (json_integer_value(json_object_get(it, "number")) == number)
			out = json_incref(it);
	json_decref(state);
	return out;
}

/* The string members `key` of the array `arr` joined by ',' (static). */
static const char *gh_join(const json_t *arr, const char *key)
{
	static char out[512];
	const json_t *it;
	size_t i, n = 0;

	out[0] = '\0';
	json_array_foreach(arr, i, it) {
		const char *v = json_string_value(key ? json_object_get(it, key)
						      : it);

		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
				      i ? "," : "", v ? v : "(null)");
		if (n >= sizeof(out))
			break;
	}
	return out;
}

/*
 * The open issues of a label, oldest first, a pull request carrying the
 * label left out (GitHub lists PRs among issues), a closed issue left
 * out, `max` honoured; one issue read alone; a PR is no issue.
 */
void test_github__server_list_issues(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct forge_issues list;
	struct forge_issue is;
	struct buf err = BUF_INIT;

	REQUIRE(f != NULL);
	forge_issues_init(&list);
	forge_issue_init(&is);
	json_decref(gh_call("POST", "/__control/label",
			    "{\"issue\": 1, \"label\": \"tend\", "
			    "\"user\": \"bob\", \"action\": \"add\"}"));
	CHECK_INT(forge_list_issues(f, "tend", 0, &list, &err), 0);
	REQUIRE(list.nr == 2);
	CHECK_INT(list.items[0].number, 7);
	CHECK_INT(list.items[1].number, 9);
	CHECK_STR(list.items[0].title, "Add a --quiet flag");
	CHECK_STR(list.items[0].body, "");
	CHECK_STR(list.items[0].author, "alice");
	CHECK(list.items[0].author_id != NULL);
	CHECK_INT(list.items[0].open, 1);
	CHECK_INT(list.items[0].nr_labels, 1);
	CHECK(strstr(list.items[0].url, "/o/r/issues/7") != NULL);
	CHECK_STR(list.items[0].created_at, "2024-02-01T00:00:00Z");
	CHECK(forge_issue_has_label(&list.items[1], "bug"));
	forge_issues_release(&list);
	CHECK_INT(forge_list_issues(f, "tend", 1, &list, &err), 0);
	REQUIRE(list.nr == 1);
	CHECK_INT(list.items[0].number, 7);
	forge_issues_release(&list);
	CHECK_INT(forge_list_issues(f, "bug", 0, &list, &err), 0);
	REQUIRE(list.nr == 2);
	CHECK_INT(list.items[0].number, 8);
	CHECK_INT(list.items[1].number, 9);
	forge_issues_release(&list);
	CHECK_INT(forge_list_issues(f, "no such label", 0, &list, &err), 0);
	CHECK_INT(list.nr, 0);

	CHECK_INT(forge_get_issue(f, 9, &is, &err), 0);
	CHECK_INT(is.number, 9);
	CHECK_STR(is.body, "do it");
	CHECK_STR(is.author, "carol");
	CHECK_INT(is.nr_labels, 2);
	CHECK_INT(forge_get_issue(f, 10, &is, &err), 0);
	CHECK_INT(is.open, 0);
	buf_reset(&err);
	CHECK_INT(forge_get_issue(f, 1, &is, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "#1 is a pull request, not an issue") != NULL);
	buf_reset(&err);
	CHECK_INT(forge_get_issue(f, 999, &is, &err), TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "no issue 999 in o/r") != NULL);
	forge_issue_release(&is);
	forge_issues_release(&list);
	forge_free(f);
	buf_release(&err);
}

#define GH_TASK "<!-- tend:task -->"
#define GH_TASK2 "<!-- tend:task-2 -->"

/*
 * The tracking comment on an issue: posted (id and URL back), found
 * among the issue's comments as tend's own, edited in place, posted once
 * when its answer is lost, deleted (twice is fine); a read-only token
 * may not post.
 */
void test_github__server_issue_notes(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1), *ro;
	struct forge_notes notes;
	struct buf err = BUF_INIT;
	enum log_level level = log_get_level();
	char *id = NULL, *url = NULL, *id2 = NULL;
	json_t *is;

	REQUIRE(f != NULL);
	forge_notes_init(&notes);
	REQUIRE(forge_list_issue_notes(f, 8, &notes, &err) == 0);
	REQUIRE(notes.nr == 1);
	CHECK_STR(notes.items[0].author, "carol");
	CHECK_STR(notes.items[0].body, "first");
	CHECK_INT(notes.items[0].own, 0);
	forge_notes_release(&notes);

	CHECK_INT(forge_put_issue_note(f, 8, NULL, "Working\n" GH_TASK,
				       GH_TASK, &id, &url, &err), 0);
	REQUIRE(id != NULL);
	CHECK(url && strstr(url, "/o/r/issues/8#issuecomment-") != NULL);
	REQUIRE(forge_list_issue_notes(f, 8, &notes, &err) == 0);
	REQUIRE(notes.nr == 2);
	CHECK_STR(notes.items[1].id, id);
	CHECK_INT(notes.items[1].own, 1);
	CHECK_INT(notes.items[1].author_is_bot, 1);
	CHECK(notes.items[1].thread == NULL);
	forge_notes_release(&notes);
	free(url);
	url = NULL;

	CHECK_INT(forge_put_issue_note(f, 8, id, "Done\n" GH_TASK, GH_TASK,
				       &id2, &url, &err), 0);
	CHECK_STR(id2, id);
	CHECK(url && strstr(url, id) != NULL);
	free(id2);
	id2 = NULL;
	is = gh_state_item("issues", 8);
	CHECK_STR(gh_join(json_object_get(is, "comments"), "body"),
		  "first,Done\n" GH_TASK);
	json_decref(is);

	/* The answer is lost after the comment was stored. */
	log_set_level(LOG_ERROR);
	json_decref(gh_call("POST", "/__control/faults",
			    "[{\"method\": \"POST\", \"path\": "
			    "\"/issues/8/comments$\", \"times\": 1, "
			    "\"action\": \"store_then_drop\"}]"));
	CHECK_INT(forge_put_issue_note(f, 8, NULL, "Plan\n" GH_TASK2, GH_TASK2,
				       &id2, NULL, &err), 0);
	log_set_level(level);
	json_decref(gh_call("POST", "/__control/faults", "[]"));
	CHECK(id2 != NULL && strcmp(id2, id));
	is = gh_state_item("issues", 8);
	CHECK_STR(gh_join(json_object_get(is, "comments"), "body"),
		  "first,Done\n" GH_TASK ",Plan\n" GH_TASK2);
	json_decref(is);

	CHECK_INT(forge_delete_issue_note(f, 8, id2, &err), 0);
	CHECK_INT(forge_delete_issue_note(f, 8, id2, &err), 0);
	is = gh_state_item("issues", 8);
	CHECK_STR(gh_join(json_object_get(is, "comments"), "body"),
		  "first,Done\n" GH_TASK);
	json_decref(is);
	buf_reset(&err);
	CHECK_INT(forge_delete_issue_note(f, 8, "1/../../x", &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "is not a number") != NULL);
	CHECK_INT(forge_put_issue_note(f, 8, "", "x", NULL, NULL, NULL, &err),
		  TEND_EINVALID);

	ro = gh_server_open(GH_RO, 0);
	REQUIRE(ro != NULL);
	CHECK_INT(forge_put_issue_note(ro, 8, NULL, "ro", NULL, NULL, NULL,
				       &err), FORGE_EREADONLY);
	CHECK_INT(forge_put_issue_note(f, 999, NULL, "x", NULL, NULL, NULL,
				       &err), TEND_ENOTFOUND);
	forge_free(ro);
	free(id);
	free(id2);
	free(url);
	forge_free(f);
	buf_release(&err);
}

/*
 * Labels added and removed (a name with a space and a slash travels
 * percent-encoded; removing one the issue lacks is fine, adding one it
 * has records nothing), and who applied a label last, from the events:
 * a person through the fake's control, then tend's own account.
 */
void test_github__server_labels(void)
{
	static const char *const add[] = { "tend:working", "needs info/x",
					   NULL };
	static const char *const remove[] = { "ready", "absent",
					      "needs info/x", NULL };
	struct forge *f = gh_server_open(GH_PAT, -1), *ro;
	struct buf err = BUF_INIT;
	char *login = NULL, *id = NULL;
	json_t *is;
	size_t events;

	REQUIRE(f != NULL);
	CHECK_INT(forge_label_actor(f, 11, "ready", &login, &id, &err), 0);
	CHECK_STR(login, "bob");
	CHECK(id != NULL);
	free(login);
	free(id);
	json_decref(gh_call("POST", "/__control/label",
			    "{\"issue\": 11, \"label\": \"ready\", "
			    "\"user\": \"bob\", \"action\": \"remove\"}"));
	json_decref(gh_call("POST", "/__control/label",
			    "{\"issue\": 11, \"label\": \"ready\", "
			    "\"user\": \"carol\", \"action\": \"add\"}"));
	CHECK_INT(forge_label_actor(f, 11, "ready", &login, &id, &err), 0);
	CHECK_STR(login, "carol");
	free(login);
	free(id);

	CHECK_INT(forge_edit_labels(f, 11, add, NULL, &err), 0);
	is = gh_state_item("issues", 11);
	CHECK_STR(gh_join(json_object_get(is, "labels"), NULL),
		  "ready,tend:working,needs info/x");
	json_decref(is);
	CHECK_INT(forge_edit_labels(f, 11, add, remove, &err), 0);
	is = gh_state_item("issues", 11);
	CHECK_STR(gh_join(json_object_get(is, "labels"), NULL),
		  "tend:working");
	CHECK_STR(gh_join(json_object_get(is, "events"), "event"),
		  "labeled,unlabeled,labeled,labeled,labeled,unlabeled,"
		  "unlabeled");
	CHECK_STR(gh_join(json_object_get(is, "events"), "actor"),
		  "bob,bob,carol,maintainer,maintainer,maintainer,"
		  "maintainer");
	events = json_array_size(json_object_get(is, "events"));
	json_decref(is);

	CHECK_INT(forge_label_actor(f, 11, "tend:working", &login, &id, &err),
		  0);
	CHECK_STR(login, "maintainer");
	free(login);
	free(id);
	/* Removed since, but carol applied it last. */
	CHECK_INT(forge_label_actor(f, 11, "ready", &login, &id, &err), 0);
	CHECK_STR(login, "carol");
	free(login);
	free(id);
	buf_reset(&err);
	CHECK_INT(forge_label_actor(f, 11, "never", &login, &id, &err),
		  TEND_ENOTFOUND);
	CHECK(login == NULL && id == NULL);
	CHECK(strstr(err.ptr, "no event applied the label 'never'") != NULL);

	ro = gh_server_open(GH_RO, 0);
	REQUIRE(ro != NULL);
	CHECK_INT(forge_edit_labels(ro, 11, add, NULL, &err),
		  FORGE_EREADONLY);
	CHECK_INT(forge_edit_labels(ro, 11, NULL, remove, &err),
		  FORGE_EREADONLY);
	is = gh_state_item("issues", 11);
	CHECK_INT(json_array_size(json_object_get(is, "events")), events);
	json_decref(is);
	forge_free(ro);
	forge_free(f);
	buf_release(&err);
}

/* Who may write: admin, maintain, write; not read, triage or strangers. */
void test_github__server_user_can_write(void)
{
	static const struct {
		const char *login;
		int write;
	} cases[] = {
		{ "bob", 1 }, { "wanda", 1 }, { "maintainer", 1 },
		{ "github-actions[bot]", 1 }, { "eve", 0 }, { "tina", 0 },
		{ "zed", 0 }, { "bob/../wanda", 0 }, { "", 0 },
	};
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct buf err = BUF_INIT;
	size_t i;
	int w;

	REQUIRE(f != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w = -1;
		CHECK_INT(forge_user_can_write(f, cases[i].login, NULL, &w,
					       &err), 0);
		if (w != cases[i].write)
			CHECK_STR(cases[i].login, cases[i].write ? "(writes)"
								 : "(reads)");
	}
	forge_free(f);
	buf_release(&err);
}

/*
 * Opening the draft PR of an issue, twice (the second time GitHub says
 * one exists: FORGE_EEXIST and that one), finding it by branch, editing
 * it, asking for reviews (never from its author), and finding it again
 * once closed, and the newest once a later one is merged.
 */
void test_github__server_open_pr(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1), *ro;
	struct forge_pr_new req;
	struct forge_pr pr, again;
	struct buf err = BUF_INIT, ctl = BUF_INIT;
	json_t *p, *body;
	long first;

	REQUIRE(f != NULL);
	forge_pr_init(&pr);
	forge_pr_init(&again);
	memset(&req, 0, sizeof(req));
	req.head_ref = "tend/issue-7";
	req.base_ref = "main";
	req.title = "Add a --quiet flag";
	req.body = "Closes #7\n<!-- tend:pr:7 -->";
	req.draft = 1;
	req.marker = "<!-- tend:pr:7 -->";
	REQUIRE(forge_create_pr(f, &req, &pr, &err) == 0);
	first = pr.number;
	CHECK(first > 11);
	CHECK_INT(pr.draft, 1);
	CHECK_STR(pr.state, "open");
	CHECK_STR(pr.title, "Add a --quiet flag");
	CHECK_STR(pr.head_ref, "tend/issue-7");
	CHECK_STR(pr.base_ref, "main");
	CHECK_STR(pr.head_repo, "o/r");
	CHECK_STR(pr.author, "github-actions[bot]");
	CHECK_INT(pr.fork, 0);
	CHECK_INT(pr.can_push, -1);
	buf_reset(&err);
	CHECK_INT(forge_create_pr(f, &req, &again, &err), FORGE_EEXIST);
	CHECK_INT(again.number, first);
	CHECK(strstr(err.ptr, "already open") != NULL);
	CHECK_INT(forge_find_branch_pr(f, "tend/issue-7", &again, &err), 0);
	CHECK_INT(again.number, first);
	CHECK_STR(again.state, "open");

	CHECK_INT(forge_update_pr(f, &pr, "Add --quiet", "Closes #7\nready",
				  &err), 0);
	CHECK_INT(forge_update_pr(f, &pr, NULL, "Closes #7\nagain", &err), 0);
	p = gh_state_item("pulls", first);
	CHECK_STR(json_string_value(json_object_get(p, "title")),
		  "Add --quiet");
	CHECK_STR(json_string_value(json_object_get(p, "body")),
		  "Closes #7\nagain");
	CHECK(json_is_true(json_object_get(p, "draft")));
	json_decref(p);

	buf_reset(&err);
	CHECK_INT(forge_request_review(f, &pr, "github-actions[bot]", NULL,
				       &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "Review cannot be requested from pull request "
		     "author") != NULL);
	CHECK_INT(forge_request_review(f, &pr, "zed", NULL, &err),
		  TEND_EINVALID);
	CHECK_INT(forge_request_review(f, &pr, "bob", NULL, &err), 0);
	CHECK_INT(forge_request_review(f, &pr, "bob", NULL, &err), 0);
	p = gh_state_item("pulls", first);
	CHECK_STR(gh_join(json_object_get(p, "requested_reviewers"), NULL),
		  "bob");
	json_decref(p);

	/* Closed by hand: found closed; a new one may then be opened. */
	body = json_pack("{s:s}", "state", "closed");
	buf_printf(&ctl, "/repos/o/r/pulls/%ld", first);
	CHECK_INT(forge_request(f, "PATCH", ctl.ptr, body, NULL, NULL, &err),
		  0);
	json_decref(body);
	CHECK_INT(forge_find_branch_pr(f, "tend/issue-7", &again, &err), 0);
	CHECK_INT(again.number, first);
	CHECK_STR(again.state, "closed");
	CHECK_INT(forge_create_pr(f, &req, &again, &err), 0);
	CHECK(again.number > first);
	buf_reset(&ctl);
	buf_printf(&ctl, "{\"pr\": %ld, \"state\": \"closed\", "
		   "\"merged\": true}", again.number);
	json_decref(gh_call("POST", "/__control/pull", ctl.ptr));
	first = again.number;
	CHECK_INT(forge_find_branch_pr(f, "tend/issue-7", &again, &err), 0);
	CHECK_INT(again.number, first);
	CHECK_STR(again.state, "merged");

	buf_reset(&err);
	CHECK_INT(forge_find_branch_pr(f, "tend/issue-404", &again, &err),
		  TEND_ENOTFOUND);
	CHECK(strstr(err.ptr, "branch 'tend/issue-404'") != NULL);
	req.head_ref = "tend/issue-404";
	CHECK_INT(forge_create_pr(f, &req, &again, &err), TEND_EINVALID);
	CHECK(again.number == 0);
	ro = gh_server_open(GH_RO, 0);
	REQUIRE(ro != NULL);
	req.head_ref = "tend/issue-7";
	CHECK_INT(forge_create_pr(ro, &req, &again, &err), FORGE_EREADONLY);
	CHECK_INT(forge_update_pr(ro, &pr, "x", "y", &err), FORGE_EREADONLY);
	forge_free(ro);
	forge_pr_release(&pr);
	forge_pr_release(&again);
	forge_free(f);
	buf_release(&ctl);
	buf_release(&err);
}

/* The open PRs in /__state whose head is `head`. */
static size_t gh_open_pulls(const char *head, size_t *all)
{
	json_t *state = gh_call("GET", "/__state", NULL), *it;
	size_t i, n = 0;

	*all = 0;
	json_array_foreach(json_object_get(state, "pulls"), i, it) {
		const char *h = json_string_value(json_object_get(it, "head"));
		const char *st = json_string_value(json_object_get(it,
								   "state"));

		if (!h || strcmp(h, head))
			continue;
		(*all)++;
		n += st && !strcmp(st, "open");
	}
	json_decref(state);
	return n;
}

/*
 * POST /pulls whose answer is lost: stored, the re-read finds it by its
 * marker and does not open a second; not stored, it is sent again, once.
 */
void test_github__server_open_pr_lost_answer(void)
{
	static const char *const actions[] = { "store_then_drop", "drop" };
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct forge_pr_new req;
	struct forge_pr pr;
	struct buf err = BUF_INIT, ctl = BUF_INIT;
	enum log_level level = log_get_level();
	size_t i, all;

	REQUIRE(f != NULL);
	forge_pr_init(&pr);
	memset(&req, 0, sizeof(req));
	req.head_ref = "tend/issue-9";
	req.base_ref = "main";
	req.title = "Second task";
	req.body = "Closes #9\n<!-- tend:pr:9 -->";
	req.draft = 1;
	req.marker = "<!-- tend:pr:9 -->";
	log_set_level(LOG_ERROR);
	for (i = 0; i < 2; i++) {
		buf_reset(&ctl);
		buf_printf(&ctl, "[{\"method\": \"POST\", \"path\": "
			   "\"/pulls$\", \"times\": 1, \"action\": \"%s\"}]",
			   actions[i]);
		json_decref(gh_call("POST", "/__control/faults", ctl.ptr));
		CHECK_INT(forge_create_pr(f, &req, &pr, &err), 0);
		CHECK(pr.number > 11);
		CHECK_STR(pr.head_ref, "tend/issue-9");
		CHECK_INT(gh_open_pulls("tend/issue-9", &all), 1);
		CHECK_INT(all, i + 1);
		buf_reset(&ctl);
		buf_printf(&ctl, "{\"pr\": %ld, \"state\": \"closed\"}",
			   pr.number);
		json_decref(gh_call("POST", "/__control/pull", ctl.ptr));
	}
	json_decref(gh_call("POST", "/__control/faults", "[]"));
	log_set_level(level);
	forge_pr_release(&pr);
	forge_free(f);
	buf_release(&ctl);
	buf_release(&err);
}

/* ------------------------------------------------------------------ */
/* ChatOps, for `tend inbox`: comments since a time, reactions, replies. */

/*
 * The two repository-wide comment lists read and merged: a conversation
 * comment on an issue and one on a pull request (told apart by html_url),
 * review comments with their thread, a deleted user, a body null; the
 * merge is by time (offsets honoured), then by id as a number.
 */
void test_github__parse_chatops_comments(void)
{
	static const char issues[] =
		"[{\"id\": 10, \"body\": \"/tend plan\","
		"  \"user\": {\"login\": \"alice\", \"id\": 3,"
		"   \"type\": \"User\"},"
		"  \"created_at\": \"2024-01-01T00:00:03Z\","
		"  \"html_url\": \"https://g/o/r/issues/9#issuecomment-10\","
		"  \"issue_url\": \"http://h/repos/o/r/issues/9\"},"
		" {\"id\": \"9\", \"body\": null, \"user\": null,"
		"  \"created_at\": \"2024-01-01T01:00:03+01:00\","
		"  \"html_url\": \"https://g/o/r/pull/4#issuecomment-9\","
		"  \"issue_url\": \"http://h/repos/o/r/issues/4\"},"
		" {\"id\": 12, \"body\": \"hi\","
		"  \"user\": {\"login\": \"tend[bot]\", \"id\": 7,"
		"   \"type\": \"Bot\"},"
		"  \"created_at\": \"2024-01-01T00:00:01.5Z\","
		"  \"issue_url\": \"http://h/repos/o/r/issues/4\"}]";
	static const char reviews[] =
		"[{\"id\": 30, \"body\": \"@tend why\", \"in_reply_to_id\": 20,"
		"  \"user\": {\"login\": \"bob\", \"id\": 4},"
		"  \"created_at\": \"2024-01-01T00:00:02Z\","
		"  \"html_url\": \"https://g/o/r/pull/4#discussion_r30\","
		"  \"pull_request_url\": \"http://h/repos/o/r/pulls/4\"},"
		" {\"id\": 20, \"body\": \"x\", \"user\": {\"login\": \"bob\"},"
		"  \"created_at\": \"2024-01-01T00:00:01Z\","
		"  \"pull_request_url\": \"http://h/v3/repos/o/r/pulls/4\"}]";
	static const char *const bad_issue[] = {
		"{\"id\": 1}", "[7]", "[{\"body\": \"no id\"}]",
		"[{\"id\": \"1/../2\","
		" \"created_at\": \"2024-01-01T00:00:00Z\","
		" \"issue_url\": \"http://h/repos/o/r/issues/1\"}]",
		"[{\"id\": 1, \"issue_url\": \"http://h/repos/o/r/issues/1\"}]",
		"[{\"id\": 1, \"created_at\": \"2024-13-01T00:00:00Z\","
		" \"issue_url\": \"http://h/repos/o/r/issues/1\"}]",
		"[{\"id\": 1, \"created_at\": \"2024-01-01 00:00:00\","
		" \"issue_url\": \"http://h/repos/o/r/issues/1\"}]",
		"[{\"id\": 1, \"created_at\": \"2024-01-01T00:00:00Z\"}]",
		"[{\"id\": 1, \"created_at\": \"2024-01-01T00:00:00Z\","
		" \"issue_url\": \"http://h/repos/o/r/issues/x1\"}]",
		"[{\"id\": 1, \"created_at\": \"2024-01-01T00:00:00Z\","
		" \"issue_url\": \"http://h/repos/o/r/pulls/1\"}]",
		"[{\"id\": 1, \"created_at\": \"2024-01-01T00:00:00Z\","
		" \"issue_url\": \"http://h/repos/o/r/issues/0\"}]",
		"not json", NULL
	};
	static const char *const bad_review[] = {
		"[{\"id\": 1, \"created_at\": \"2024-01-01T00:00:00Z\","
		" \"pull_request_url\": \"http://h/repos/o/r/issues/1\"}]",
		"[{\"id\": 1, \"created_at\": \"2024-01-01T00:00:00Z\","
		" \"pull_request_url\": \"http://h/repos/o/r/pulls/1\","
		" \"in_reply_to_id\": \"../1\"}]",
		NULL
	};
	struct forge_comments list;
	struct buf err = BUF_INIT;
	const struct forge_comment *c;
	size_t i;

	forge_comments_init(&list);
	CHECK_INT(forge_github_parse_comments(&list, 0, issues,
					      strlen(issues), &err), 0);
	REQUIRE(list.nr == 3);
	c = &list.items[0];
	CHECK_STR(c->id, "10");
	CHECK_INT(c->number, 9);
	CHECK_INT(c->on_pr, 0);
	CHECK_INT(c->diff_note, 0);
	CHECK(c->thread == NULL);
	CHECK_STR(c->author, "alice");
	CHECK_STR(c->author_id, "3");
	CHECK_INT(c->author_is_bot, 0);
	CHECK_INT(c->own, 0);
	CHECK_STR(c->body, "/tend plan");
	CHECK_STR(c->created_at, "2024-01-01T00:00:03Z");
	CHECK_STR(c->url, "https://g/o/r/issues/9#issuecomment-10");
	c = &list.items[1];
	CHECK_INT(c->number, 4);
	CHECK_INT(c->on_pr, 1);
	CHECK(c->author == NULL && c->author_id == NULL);
	CHECK_STR(c->body, "");
	/* No html_url: nothing says it is a pull request's. */
	CHECK_INT(list.items[2].on_pr, 0);
	CHECK_INT(list.items[2].author_is_bot, 1);
	CHECK_INT(forge_github_parse_comments(&list, 1, reviews,
					      strlen(reviews), &err), 0);
	REQUIRE(list.nr == 5);
	c = &list.items[3];
	CHECK_INT(c->number, 4);
	CHECK_INT(c->on_pr, 1);
	CHECK_INT(c->diff_note, 1);
	CHECK_STR(c->thread, "20");
	CHECK_STR(list.items[4].thread, "20");
	CHECK(list.items[4].author_id == NULL);

	/* Merged: 00:00:01 (20), 00:00:01.5 (12), 00:00:02 (30), then two
	   at 00:00:03, one written with an offset: 9 before 10. */
	forge_github_sort_comments(&list, 0);
	CHECK_STR(list.items[0].id, "20");
	CHECK_STR(list.items[1].id, "12");
	CHECK_STR(list.items[2].id, "30");
	CHECK_STR(list.items[3].id, "9");
	CHECK_STR(list.items[4].id, "10");
	/* Only from `from` on. */
	forge_github_sort_comments(&list, 4);
	forge_github_sort_comments(&list, 5);
	CHECK_STR(list.items[4].id, "10");

	for (i = 0; bad_issue[i]; i++) {
		buf_reset(&err);
		CHECK_INT(forge_github_parse_comments(&list, 0, bad_issue[i],
						      strlen(bad_issue[i]),
						      &err), TEND_EINVALID);
		CHECK(err.len > 0);
	}
	for (i = 0; bad_review[i]; i++) {
		buf_reset(&err);
		CHECK_INT(forge_github_parse_comments(&list, 1, bad_review[i],
						      strlen(bad_review[i]),
						      &err), TEND_EINVALID);
		CHECK(err.len > 0);
	}
	CHECK_INT(list.nr, 5);
	buf_reset(&err);
	forge_github_parse_comments(&list, 0, bad_issue[5],
				    strlen(bad_issue[5]), &err);
	CHECK(strstr(err.ptr, "comment 1 has no valid created_at "
		     "('2024-13-01T00:00:00Z')") != NULL);
	buf_reset(&err);
	forge_github_parse_comments(&list, 0, bad_issue[3],
				    strlen(bad_issue[3]), &err);
	CHECK(strstr(err.ptr, "comment id '1/../2' is not a number") != NULL);
	forge_comments_release(&list);
	buf_release(&err);
}

/* Tend's own reaction of one content, and nobody else's, counts. */
void test_github__parse_reactions(void)
{
	static const char others[] =
		"[{\"id\": 1, \"content\": \"eyes\","
		"  \"user\": {\"login\": \"alice\", \"id\": 3}},"
		" {\"id\": 2, \"content\": \"rocket\","
		"  \"user\": {\"login\": \"github-actions[bot]\","
		"   \"id\": 41898282}},"
		" {\"id\": 3, \"content\": \"eyes\","
		"  \"user\": {\"login\": \"github-actions[bot]\", \"id\": 5}},"
		" {\"id\": 4, \"content\": \"eyes\", \"user\": null}]";
	static const char own[] =
		"[{\"id\": 1, \"content\": \"eyes\","
		"  \"user\": {\"login\": \"alice\", \"id\": 3}},"
		" {\"id\": 5, \"content\": \"eyes\","
		"  \"user\": {\"login\": \"GitHub-Actions[bot]\","
		"   \"id\": 41898282}}]";
	static const char *const bad[] = {
		"{}", "[1]", "[null]", "", "[", NULL
	};
	struct forge f;
	struct buf err = BUF_INIT;
	size_t i;
	int found = -1;

	memset(&f, 0, sizeof(f));
	f.self.asked = 1;
	f.self.login = (char *)"github-actions[bot]";
	f.self.id = (char *)"41898282";
	CHECK_INT(forge_github_parse_reactions(&found, &f, "eyes", others,
					       strlen(others), &err), 0);
	CHECK_INT(found, 0);
	CHECK_INT(forge_github_parse_reactions(&found, &f, "eyes", own,
					       strlen(own), &err), 0);
	CHECK_INT(found, 1);
	CHECK_INT(forge_github_parse_reactions(&found, &f, "rocket", own,
					       strlen(own), &err), 0);
	CHECK_INT(found, 0);
	CHECK_INT(forge_github_parse_reactions(&found, &f, "rocket", others,
					       strlen(others), &err), 0);
	CHECK_INT(found, 1);
	CHECK_INT(forge_github_parse_reactions(&found, &f, "eyes", "[]", 2,
					       &err), 0);
	CHECK_INT(found, 0);
	for (i = 0; bad[i]; i++) {
		buf_reset(&err);
		found = -1;
		CHECK_INT(forge_github_parse_reactions(&found, &f, "eyes",
						       bad[i], strlen(bad[i]),
						       &err), TEND_EINVALID);
		CHECK_INT(found, 0);
		CHECK(err.len > 0);
	}
	/* Nobody is tend while the identity is unknown. */
	f.self.login = NULL;
	CHECK_INT(forge_github_parse_reactions(&found, &f, "eyes", own,
					       strlen(own), &err), 0);
	CHECK_INT(found, 0);
	buf_release(&err);
}

/*
 * The payloads of issue_comment (an issue's, a pull request's) and
 * pull_request_review_comment events, and what is not one of them.
 */
void test_github__parse_comment_event(void)
{
	static const char on_issue[] =
		"{\"action\": \"created\", \"issue\": {\"number\": 9,"
		"  \"title\": \"t\"},"
		" \"comment\": {\"id\": 5, \"body\": \"/tend plan\","
		"  \"user\": {\"login\": \"alice\", \"id\": 3,"
		"   \"type\": \"User\"},"
		"  \"created_at\": \"2024-01-01T00:00:00Z\","
		"  \"html_url\": \"https://g/o/r/issues/9#issuecomment-5\"},"
		" \"repository\": {\"full_name\": \"o/r\"}}";
	static const char on_pr[] =
		"{\"action\": \"edited\", \"issue\": {\"number\": 4,"
		"  \"pull_request\": {\"url\": \"x\"}},"
		" \"comment\": {\"id\": \"6\", \"body\": null,"
		"  \"user\": null}}";
	static const char pr_null[] =
		"{\"action\": \"created\", \"issue\": {\"number\": 4,"
		"  \"pull_request\": null}, \"pull_request\": null,"
		" \"comment\": {\"id\": 6}}";
	static const char review[] =
		"{\"action\": \"created\", \"pull_request\": {\"number\": 4},"
		" \"comment\": {\"id\": 8, \"in_reply_to_id\": 7,"
		"  \"body\": \"@tend fix\","
		"  \"user\": {\"login\": \"dependabot[bot]\", \"id\": 2,"
		"  \"type\": \"Bot\"}, \"html_url\": \"u\"}}";
	static const char review_root[] =
		"{\"action\": \"created\", \"pull_request\": {\"number\": 4},"
		" \"comment\": {\"id\": 8}}";
	static const char *const bad[] = {
		"{\"action\": \"created\", \"issue\": {\"number\": 1},"
		" \"pull_request\": {\"number\": 1}, \"comment\": {\"id\": 1}}",
		"{\"action\": \"created\", \"comment\": {\"id\": 1}}",
		"{\"action\": \"opened\", \"number\": 1,"
		" \"repository\": {}}",
		"{\"issue\": {\"number\": 1}, \"comment\": {\"id\": 1}}",
		"{\"action\": \"\", \"issue\": {\"number\": 1},"
		" \"comment\": {\"id\": 1}}",
		"{\"action\": \"created\", \"issue\": {\"number\": 1}}",
		"{\"action\": \"created\", \"issue\": {\"number\": 1},"
		" \"comment\": {\"body\": \"x\"}}",
		"{\"action\": \"created\", \"issue\": {\"number\": 1},"
		" \"comment\": {\"id\": \"a\"}}",
		"{\"action\": \"created\", \"issue\": {\"number\": 1},"
		" \"comment\": [1]}",
		"{\"action\": \"created\", \"issue\": {\"number\": \"1\"},"
		" \"comment\": {\"id\": 1}}",
		"{\"action\": \"created\", \"issue\": {\"number\": 0},"
		" \"comment\": {\"id\": 1}}",
		"{\"action\": \"created\", \"issue\": 1,"
		" \"comment\": {\"id\": 1}}",
		"{\"action\": \"created\", \"pull_request\": {\"number\": 1},"
		" \"comment\": {\"id\": 2, \"in_reply_to_id\": \"x\"}}",
		"[]", "", "{", NULL
	};
	struct forge_comment c;
	struct buf err = BUF_INIT;
	char *action = NULL;
	size_t i;

	forge_comment_init(&c);
	CHECK_INT(forge_github_parse_comment_event(on_issue, strlen(on_issue),
						   &c, &action, &err), 0);
	CHECK_STR(action, "created");
	CHECK_STR(c.id, "5");
	CHECK_INT(c.number, 9);
	CHECK_INT(c.on_pr, 0);
	CHECK_INT(c.diff_note, 0);
	CHECK(c.thread == NULL);
	CHECK_STR(c.author, "alice");
	CHECK_STR(c.author_id, "3");
	CHECK_STR(c.body, "/tend plan");
	CHECK_STR(c.created_at, "2024-01-01T00:00:00Z");
	CHECK(c.url && strstr(c.url, "issuecomment-5"));
	free(action);
	CHECK_INT(forge_github_parse_comment_event(on_pr, strlen(on_pr), &c,
						   &action, &err), 0);
	CHECK_STR(action, "edited");
	CHECK_STR(c.id, "6");
	CHECK_INT(c.number, 4);
	CHECK_INT(c.on_pr, 1);
	CHECK_STR(c.body, "");
	CHECK(c.author == NULL && c.created_at == NULL && c.url == NULL);
	free(action);
	CHECK_INT(forge_github_parse_comment_event(pr_null, strlen(pr_null),
						   &c, &action, &err), 0);
	CHECK_INT(c.on_pr, 0);
	free(action);
	CHECK_INT(forge_github_parse_comment_event(review, strlen(review), &c,
						   &action, &err), 0);
	CHECK_INT(c.number, 4);
	CHECK_INT(c.on_pr, 1);
	CHECK_INT(c.diff_note, 1);
	CHECK_STR(c.thread, "7");
	CHECK_INT(c.author_is_bot, 1);
	free(action);
	CHECK_INT(forge_github_parse_comment_event(review_root,
						   strlen(review_root), &c,
						   &action, &err), 0);
	CHECK_STR(c.thread, "8");
	free(action);
	for (i = 0; bad[i]; i++) {
		buf_reset(&err);
		action = (char *)"untouched";
		CHECK_INT(forge_github_parse_comment_event(bad[i],
							   strlen(bad[i]), &c,
							   &action, &err),
			  TEND_EINVALID);
		CHECK(action == NULL);
		CHECK(c.id == NULL && c.number == 0 && c.thread == NULL);
		CHECK(err.len > 0);
	}
	buf_reset(&err);
	forge_github_parse_comment_event(bad[0], strlen(bad[0]), &c, &action,
					 &err);
	CHECK_STR(err.ptr, "comment event: it has both an issue and a "
		  "pull_request");
	buf_reset(&err);
	forge_github_parse_comment_event(bad[2], strlen(bad[2]), &c, &action,
					 &err);
	CHECK(strstr(err.ptr, "neither issue_comment nor "
		     "pull_request_review_comment") != NULL);
	forge_comment_release(&c);
	buf_release(&err);
}

/*
 * People's comments in the fake, dated in 2090 so that no other test's
 * comments (written now) fall in the window, made once per process:
 *   :01 bob on PR 4's conversation      :02 carol's review comment on PR 4
 *   :03 alice on issue 9                :03 dave's reply to carol (later id)
 *   :04 tend's own account on issue 9
 * and erin's comment on issue 9 written in 2089 and edited in 2090.
 */
#define GH_CHAT_SINCE "2090-01-01T00:00:00Z"

static int gh_chat_ready;
static char gh_chat_carol[32];

/* The id of the review comment of PR `pr` whose body is `body`. */
static int gh_review_comment_id(long pr, const char *body, char *out,
				size_t size)
{
	json_t *state = gh_call("GET", "/__state", NULL), *it;
	size_t i;
	int found = 0;

	json_array_foreach(json_object_get(state, "review_comments"), i, it) {
		const char *b = json_string_value(json_object_get(it, "body"));

		if (json_integer_value(json_object_get(it, "pr")) == pr &&
		    b && !strcmp(b, body)) {
			snprintf(out, size, "%lld", (long long)
				 json_integer_value(json_object_get(it, "id")));
			found = 1;
		}
	}
	json_decref(state);
	return found;
}

static int gh_chat_setup(void)
{
	struct buf ctl = BUF_INIT;

	if (gh_chat_ready)
		return 0;
	json_decref(gh_call("POST", "/__control/comment",
			    "{\"pr\": 4, \"user\": \"bob\", \"body\": "
			    "\"@tend review\", \"created_at\": "
			    "\"2090-01-01T00:00:01Z\"}"));
	json_decref(gh_call("POST", "/__control/review",
			    "{\"pr\": 4, \"user\": \"carol\", \"event\": "
			    "\"COMMENT\", \"comments\": [{\"path\": "
			    "\"src/a.c\", \"line\": 5, \"side\": \"RIGHT\", "
			    "\"body\": "
			    "\"/tend explain\"}], \"created_at\": "
			    "\"2090-01-01T00:00:02Z\"}"));
	if (!gh_review_comment_id(4, "/tend explain", gh_chat_carol,
				  sizeof(gh_chat_carol)))
		return -1;
	json_decref(gh_call("POST", "/__control/issue-comment",
			    "{\"issue\": 9, \"user\": \"alice\", \"body\": "
			    "\"/tend plan\", \"created_at\": "
			    "\"2090-01-01T00:00:03Z\"}"));
	buf_printf(&ctl, "{\"in_reply_to\": %s, \"user\": \"dave\", "
		   "\"body\": \"/tend why\", \"created_at\": "
		   "\"2090-01-01T00:00:03Z\"}", gh_chat_carol);
	json_decref(gh_call("POST", "/__control/reply", ctl.ptr));
	buf_release(&ctl);
	json_decref(gh_call("POST", "/__control/issue-comment",
			    "{\"issue\": 9, \"user\": \"github-actions[bot]\", "
			    "\"body\": \"on it\", \"created_at\": "
			    "\"2090-01-01T00:00:04Z\"}"));
	json_decref(gh_call("POST", "/__control/issue-comment",
			    "{\"issue\": 9, \"user\": \"erin\", \"body\": "
			    "\"/tend old\", \"created_at\": "
			    "\"2089-12-31T00:00:00Z\", \"updated_at\": "
			    "\"2090-01-01T00:00:05Z\"}"));
	gh_chat_ready = 1;
	return 0;
}

/* The comment of `list` by `author`; NULL when none. */
static const struct forge_comment *gh_chat_by(
	const struct forge_comments *list, const char *author)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		if (list->items[i].author &&
		    !strcmp(list->items[i].author, author))
			return &list->items[i];
	return NULL;
}

/* The authors of `list` joined by ',' (static). */
static const char *gh_chat_authors(const struct forge_comments *list)
{
	static char out[512];
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < list->nr && n < sizeof(out); i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
				      i ? "," : "", list->items[i].author ?
				      list->items[i].author : "(null)");
	return out;
}

/*
 * The comments since a time: conversation comments of issues and PRs,
 * with `review` the review comments too, merged oldest first (the same
 * second: the lower id); tend's own marked; one written before `since`
 * and edited after it left out; a `since` with an offset; a bad `since`
 * refused before anything is sent; every page read; a bad page fails
 * the call and leaves the list as it was.
 */
void test_github__server_chatops_since(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct forge_comments list;
	struct buf err = BUF_INIT;
	const struct forge_comment *c;
	enum log_level level = log_get_level();
	size_t i;

	REQUIRE(f != NULL);
	REQUIRE(gh_chat_setup() == 0);
	forge_comments_init(&list);
	CHECK_INT(forge_list_comments_since(f, GH_CHAT_SINCE, 1, &list, &err),
		  0);
	/* Nobody's comment is tend's until asked who tend is. */
	for (i = 0; i < list.nr; i++)
		CHECK_INT(list.items[i].own, 0);
	CHECK_INT(forge_comments_mark_own(f, &list, &err), 0);
	CHECK_STR(gh_chat_authors(&list),
		  "bob,carol,alice,dave,github-actions[bot]");
	REQUIRE(list.nr == 5);
	c = &list.items[0];
	CHECK_INT(c->number, 4);
	CHECK_INT(c->on_pr, 1);
	CHECK_INT(c->diff_note, 0);
	CHECK(c->thread == NULL);
	CHECK_STR(c->body, "@tend review");
	CHECK_STR(c->created_at, "2090-01-01T00:00:01Z");
	CHECK(c->url && strstr(c->url, "/o/r/pull/4#issuecomment-"));
	CHECK_INT(c->own, 0);
	c = &list.items[1];
	CHECK_STR(c->id, gh_chat_carol);
	CHECK_INT(c->number, 4);
	CHECK_INT(c->on_pr, 1);
	CHECK_INT(c->diff_note, 1);
	CHECK_STR(c->thread, gh_chat_carol);
	CHECK_STR(c->body, "/tend explain");
	CHECK(c->url && strstr(c->url, "/o/r/pull/4#discussion_r"));
	c = &list.items[2];
	CHECK_INT(c->number, 9);
	CHECK_INT(c->on_pr, 0);
	CHECK(c->url && strstr(c->url, "/o/r/issues/9#issuecomment-"));
	c = &list.items[3];
	CHECK_INT(c->diff_note, 1);
	CHECK_STR(c->thread, gh_chat_carol);
	CHECK(strcmp(c->id, gh_chat_carol) != 0);
	c = &list.items[4];
	CHECK_INT(c->own, 1);
	CHECK_INT(c->author_is_bot, 1);
	for (i = 0; i < 4; i++)
		CHECK_INT(list.items[i].own, 0);
	forge_comments_release(&list);

	/* Without review comments; a list appended to. */
	c = forge_comments_push(&list);
	CHECK_INT(forge_list_comments_since(f, GH_CHAT_SINCE, 0, &list, &err),
		  0);
	REQUIRE(list.nr == 4);
	CHECK(list.items[0].id == NULL);
	CHECK_STR(list.items[1].author, "bob");
	CHECK_STR(list.items[2].author, "alice");
	CHECK_STR(list.items[3].author, "github-actions[bot]");
	forge_comments_release(&list);

	/* 01:00:02 at +01:00 is 00:00:02Z, and `since` is inclusive. */
	CHECK_INT(forge_list_comments_since(f, "2090-01-01T01:00:02+01:00", 1,
					    &list, &err), 0);
	CHECK_STR(gh_chat_authors(&list),
		  "carol,alice,dave,github-actions[bot]");
	forge_comments_release(&list);

	buf_reset(&err);
	CHECK_INT(forge_list_comments_since(f, "yesterday", 1, &list, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "'yesterday': not an ISO 8601 time") != NULL);
	CHECK_INT(forge_list_comments_since(f, NULL, 0, &list, &err),
		  TEND_EINVALID);
	CHECK_INT(list.nr, 0);

	/* A page that is no list: an error, nothing handed out. */
	log_set_level(LOG_ERROR);
	json_decref(gh_call("POST", "/__control/faults",
			    "[{\"method\": \"GET\", \"path\": "
			    "\"/pulls/comments$\", \"times\": 1, "
			    "\"status\": 200, \"body\": {\"message\": "
			    "\"x\"}}]"));
	buf_reset(&err);
	CHECK_INT(forge_list_comments_since(f, GH_CHAT_SINCE, 1, &list, &err),
		  TEND_EINVALID);
	CHECK(strstr(err.ptr, "/repos/o/r/pulls/comments?since=") != NULL);
	CHECK_INT(list.nr, 0);
	json_decref(gh_call("POST", "/__control/faults", "[]"));
	log_set_level(level);

	/* More than a page, in 2091: every one, in order. */
	for (i = 0; i < 105; i++) {
		char body[160];

		snprintf(body, sizeof(body), "{\"issue\": 10, \"user\": "
			 "\"u%zu\", \"body\": \"n\", \"created_at\": "
			 "\"2091-01-01T00:%02zu:%02zuZ\"}", i, (104 - i) / 60,
			 (104 - i) % 60);
		json_decref(gh_call("POST", "/__control/issue-comment", body));
	}
	CHECK_INT(forge_list_comments_since(f, "2091-01-01T00:00:00Z", 1,
					    &list, &err), 0);
	REQUIRE(list.nr == 105);
	CHECK_STR(list.items[0].author, "u104");
	CHECK_STR(list.items[104].author, "u0");
	CHECK_INT(list.items[50].number, 10);
	forge_comments_release(&list);
	forge_free(f);
	buf_release(&err);
}

/* How many requests the fake has logged. */
static size_t gh_log_size(void)
{
	json_t *log = gh_call("GET", "/__log", NULL);
	size_t n = json_array_size(log);

	json_decref(log);
	return n;
}

/* The reactions of comment `id` in /__state: "user:content" joined. */
static const char *gh_reactions(const char *id, int review)
{
	static char out[4096];
	json_t *state = gh_call("GET", "/__state", NULL), *it;
	size_t i, n = 0;
	long long want = strtoll(id, NULL, 10);

	out[0] = '\0';
	json_array_foreach(json_object_get(state, "reactions"), i, it) {
		const json_t *user = json_object_get(it, "user");
		const json_t *content = json_object_get(it, "content");

		if (json_integer_value(json_object_get(it, "comment")) !=
		    want ||
		    json_is_true(json_object_get(it, "review")) != review)
			continue;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s:%s",
				      n ? "," : "", json_string_value(user),
				      json_string_value(content));
		if (n >= sizeof(out))
			break;
	}
	json_decref(state);
	return out;
}

/*
 * Reactions: tend's "eyes" on an issue comment (twice is one), found
 * among 120 people's on a later page, where others' never count; one
 * on a review comment goes to the review comment; an unknown reaction
 * and a comment id that is no number are refused before anything is
 * sent; a read-only token may not react.
 */
void test_github__server_chatops_react(void)
{
	struct forge *f = gh_server_open(GH_ACTIONS, -1), *ro;
	struct forge_comments list;
	struct forge_comment bad;
	const struct forge_comment *alice, *carol;
	struct buf err = BUF_INIT, ctl = BUF_INIT;
	json_t *req;
	size_t i, sent;
	int on = -1;

	REQUIRE(f != NULL);
	REQUIRE(gh_chat_setup() == 0);
	forge_comments_init(&list);
	REQUIRE(forge_list_comments_since(f, GH_CHAT_SINCE, 1, &list,
					  &err) == 0);
	alice = gh_chat_by(&list, "alice");
	carol = gh_chat_by(&list, "carol");
	REQUIRE(alice && carol);

	for (i = 0; i < 120; i++) {
		buf_reset(&ctl);
		buf_printf(&ctl, "{\"comment\": %s, \"user\": \"p%zu\", "
			   "\"content\": \"eyes\"}", alice->id, i);
		json_decref(gh_call("POST", "/__control/reaction", ctl.ptr));
	}
	CHECK_INT(forge_reacted(f, alice, "eyes", &on, &err), 0);
	CHECK_INT(on, 0);
	CHECK_INT(forge_react(f, alice, "eyes", &err), 0);
	CHECK_INT(forge_react(f, alice, "eyes", &err), 0);
	CHECK(strstr(gh_reactions(alice->id, 0),
		     "p119:eyes,github-actions[bot]:eyes") != NULL);
	CHECK(strstr(gh_reactions(alice->id, 0),
		     "github-actions[bot]:eyes,") == NULL);
	CHECK_INT(forge_reacted(f, alice, "eyes", &on, &err), 0);
	CHECK_INT(on, 1);
	CHECK_INT(forge_reacted(f, alice, "rocket", &on, &err), 0);
	CHECK_INT(on, 0);
	CHECK_INT(forge_react(f, alice, "rocket", &err), 0);
	CHECK_INT(forge_reacted(f, alice, "rocket", &on, &err), 0);
	CHECK_INT(on, 1);

	/* A review comment's reactions are its own. */
	buf_reset(&ctl);
	buf_printf(&ctl, "{\"comment\": %s, \"user\": \"bob\", \"content\": "
		   "\"+1\", \"review\": true}", carol->id);
	json_decref(gh_call("POST", "/__control/reaction", ctl.ptr));
	CHECK_INT(forge_reacted(f, carol, "+1", &on, &err), 0);
	CHECK_INT(on, 0);
	CHECK_INT(forge_react(f, carol, "+1", &err), 0);
	CHECK_INT(forge_reacted(f, carol, "+1", &on, &err), 0);
	CHECK_INT(on, 1);
	CHECK_STR(gh_reactions(carol->id, 1),
		  "bob:+1,github-actions[bot]:+1");
	CHECK_STR(gh_reactions(carol->id, 0), "");

	sent = gh_log_size();
	buf_reset(&err);
	CHECK_INT(forge_react(f, alice, "tada", &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "'tada' is not a GitHub reaction") != NULL);
	CHECK_INT(forge_reacted(f, alice, "eyes&content=rocket", &on, &err),
		  TEND_EINVALID);
	CHECK_INT(forge_react(f, alice, NULL, &err), TEND_EINVALID);
	/* Nothing sent but the one GET /__log. */
	CHECK_INT(gh_log_size(), sent + 1);
	/* What GitHub would say to it all the same. */
	buf_reset(&ctl);
	buf_printf(&ctl, "/repos/o/r/issues/comments/%s/reactions", alice->id);
	req = json_pack("{s:s}", "content", "tada");
	CHECK_INT(forge_request(f, "POST", ctl.ptr, req, NULL, NULL, &err),
		  TEND_EINVALID);
	json_decref(req);
	buf_puts(&ctl, "?content=tada");
	CHECK_INT(forge_request(f, "GET", ctl.ptr, NULL, NULL, NULL, &err),
		  TEND_EINVALID);
	CHECK_INT(forge_request(f, "GET", "/repos/o/r/issues/comments?"
				"since=yesterday", NULL, NULL, NULL, &err),
		  TEND_EINVALID);
	forge_comment_init(&bad);
	bad.id = (char *)"1/../2";
	bad.number = 9;
	buf_reset(&err);
	CHECK_INT(forge_react(f, &bad, "eyes", &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "is not a number") != NULL);
	CHECK_INT(forge_reacted(f, &bad, "eyes", &on, &err), TEND_EINVALID);
	CHECK_INT(on, 0);
	bad.id = (char *)"4";
	CHECK_INT(forge_react(f, &bad, "eyes", &err), TEND_ENOTFOUND);

	ro = gh_server_open(GH_RO, 0);
	REQUIRE(ro != NULL);
	CHECK_INT(forge_react(ro, alice, "heart", &err), FORGE_EREADONLY);
	CHECK(strstr(gh_reactions(alice->id, 0), "heart") == NULL);
	forge_free(ro);
	forge_comments_release(&list);
	forge_free(f);
	buf_release(&ctl);
	buf_release(&err);
}

/* How many comments in /__state's list `which` have `text` in the body. */
static size_t gh_state_count(const char *which, const char *text)
{
	json_t *state = gh_call("GET", "/__state", NULL);
	size_t n = gh_with_marker(json_object_get(state, which), text);

	json_decref(state);
	return n;
}

/*
 * Replies where the command was written: a new conversation comment on
 * the issue or PR, a reply in a review thread (to its first comment,
 * even for a reply's command); a lost answer re-read by its marker
 * (stored: not posted again; not stored: posted once more, once).
 */
void test_github__server_chatops_reply(void)
{
	static const char *const actions[] = { "store_then_drop", "drop" };
	struct forge *f = gh_server_open(GH_ACTIONS, -1);
	struct forge_comments list;
	struct forge_comment bad;
	const struct forge_comment *alice, *bob, *dave;
	struct buf err = BUF_INIT, body = BUF_INIT, mark = BUF_INIT;
	enum log_level level = log_get_level();
	json_t *state, *it;
	char *url = NULL;
	size_t i, n;

	REQUIRE(f != NULL);
	REQUIRE(gh_chat_setup() == 0);
	forge_comments_init(&list);
	REQUIRE(forge_list_comments_since(f, GH_CHAT_SINCE, 1, &list,
					  &err) == 0);
	alice = gh_chat_by(&list, "alice");
	bob = gh_chat_by(&list, "bob");
	dave = gh_chat_by(&list, "dave");
	REQUIRE(alice && bob && dave);

	buf_printf(&mark, "<!-- tend:chatops re=%s -->", alice->id);
	buf_printf(&body, "Planned.\n%s", mark.ptr);
	CHECK_INT(forge_reply(f, alice, body.ptr, mark.ptr, &url, &err), 0);
	CHECK(url && strstr(url, "/o/r/issues/9#issuecomment-"));
	free(url);
	url = NULL;
	CHECK_INT(gh_state_count("issue_comments", mark.ptr), 1);

	buf_reset(&mark);
	buf_printf(&mark, "<!-- tend:chatops re=%s -->", bob->id);
	CHECK_INT(forge_reply(f, bob, mark.ptr, mark.ptr, &url, &err), 0);
	CHECK(url && strstr(url, "/o/r/pull/4#issuecomment-"));
	free(url);
	url = NULL;

	/* Dave replied to carol: tend answers in that thread. */
	buf_reset(&mark);
	buf_printf(&mark, "<!-- tend:chatops re=%s -->", dave->id);
	CHECK_INT(forge_reply(f, dave, mark.ptr, mark.ptr, &url, &err), 0);
	CHECK(url && strstr(url, "/o/r/pull/4#discussion_r"));
	free(url);
	url = NULL;
	state = gh_call("GET", "/__state", NULL);
	n = 0;
	json_array_foreach(json_object_get(state, "review_comments"), i, it) {
		const char *b = json_string_value(json_object_get(it, "body"));
		char parent[32];

		if (!b || strcmp(b, mark.ptr))
			continue;
		n++;
		snprintf(parent, sizeof(parent), "%lld", (long long)
			 json_integer_value(json_object_get(it,
							    "in_reply_to_id")));
		CHECK_STR(parent, dave->thread);
		CHECK_INT(json_integer_value(json_object_get(it, "pr")), 4);
		CHECK_STR(json_string_value(json_object_get(
			json_object_get(it, "user"), "login")),
			"github-actions[bot]");
	}
	CHECK_INT(n, 1);
	json_decref(state);

	/* Lost answers, on both kinds. */
	log_set_level(LOG_ERROR);
	for (i = 0; i < 2; i++) {
		buf_reset(&body);
		buf_printf(&body, "[{\"method\": \"POST\", \"path\": "
			   "\"/issues/9/comments$\", \"times\": 1, \"action\": "
			   "\"%s\"}, {\"method\": \"POST\", \"path\": "
			   "\"/replies$\", \"times\": 1, \"action\": \"%s\"}]",
			   actions[i], actions[i]);
		json_decref(gh_call("POST", "/__control/faults", body.ptr));
		buf_reset(&mark);
		buf_printf(&mark, "<!-- tend:chatops re=%s lost=%zu -->",
			   alice->id, i);
		CHECK_INT(forge_reply(f, alice, mark.ptr, mark.ptr, &url,
				      &err), 0);
		CHECK(url && strstr(url, "/o/r/issues/9#issuecomment-"));
		free(url);
		url = NULL;
		CHECK_INT(gh_state_count("issue_comments", mark.ptr), 1);
		buf_reset(&mark);
		buf_printf(&mark, "<!-- tend:chatops re=%s lost=%zu -->",
			   dave->id, i);
		CHECK_INT(forge_reply(f, dave, mark.ptr, mark.ptr, &url,
				      &err), 0);
		CHECK(url && strstr(url, "#discussion_r"));
		free(url);
		url = NULL;
		CHECK_INT(gh_state_count("review_comments", mark.ptr), 1);
	}
	json_decref(gh_call("POST", "/__control/faults", "[]"));
	log_set_level(level);

	forge_comment_init(&bad);
	bad.id = (char *)"5";
	buf_reset(&err);
	CHECK_INT(forge_reply(f, &bad, "x", NULL, &url, &err), TEND_EINVALID);
	CHECK(strstr(err.ptr, "names no issue or pull request") != NULL);
	bad.number = 4;
	bad.diff_note = 1;
	bad.thread = (char *)"7?x=1";
	CHECK_INT(forge_reply(f, &bad, "x", NULL, &url, &err), TEND_EINVALID);
	CHECK(url == NULL);
	forge_comments_release(&list);
	forge_free(f);
	buf_release(&mark);
	buf_release(&body);
	buf_release(&err);
}
