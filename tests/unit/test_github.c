/*
 * test_github.c - the GitHub adapter's pure parts: the JSON readers of
 * forge/github.h on good and hostile answers, the rule that decides where
 * the token may go (forge_under_api(), and forge_request() refusing
 * anything else before a byte is sent), and how a note's author is
 * matched against tend's own account. The adapter against the fake
 * GitHub is driven end to end by tests/integration/t0410..t0420.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
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
	forge_pr_release(&out);
	buf_release(&err);
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
