#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jsonutil.h"
#include "common/log.h"
#include "common/redact.h"
#include "tests/unit/test.h"

/* Run `fn` with the log going to a temp file; return what it wrote. */
static char *test_log_capture(void (*fn)(void))
{
	char path[1024];
	FILE *f;
	char *out;
	long n;
	int fd;

	snprintf(path, sizeof(path), "%s/log", test_tmpdir());
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		return NULL;
	log_set_fd(fd);
	fn();
	log_set_fd(2);
	close(fd);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	out = calloc(1, (size_t)n + 1);
	if (fread(out, 1, (size_t)n, f) != (size_t)n)
		out[0] = '\0';
	fclose(f);
	return out;
}

static void test_log_levels_fn(void)
{
	log_set_level(LOG_INFO);
	log_error("e%d", 1);
	log_warn("w");
	log_info("i");
	log_debug("d");
	log_set_level(LOG_ERROR);
	log_warn("hidden");
	log_set_level(LOG_INFO);
}

void test_log__levels_and_prefixes(void)
{
	char *out = test_log_capture(test_log_levels_fn);

	REQUIRE(out);
	CHECK_STR(out, "tend: error: e1\ntend: warning: w\ntend: i\n");
	free(out);
}

static void test_log_redact_fn(void)
{
	redact_clear();
	redact_add("ghp_canary_token_123456");
	log_info("auth with ghp_canary_token_123456 failed");
	redact_clear();
}

void test_log__lines_are_redacted(void)
{
	char *out = test_log_capture(test_log_redact_fn);

	REQUIRE(out);
	CHECK(strstr(out, "ghp_canary") == NULL);
	CHECK(strstr(out, "auth with *** failed") != NULL);
	free(out);
}

static void test_log_github_fn(void)
{
	log_set_ci(LOG_CI_GITHUB);
	log_group_begin("checks");
	log_info("inside");
	log_group_end();
	log_set_ci(LOG_CI_NONE);
}

static void test_log_gitlab_fn(void)
{
	log_set_ci(LOG_CI_GITLAB);
	log_group_begin("checks");
	log_group_end();
	log_set_ci(LOG_CI_NONE);
}

void test_log__ci_groups(void)
{
	char *gh = test_log_capture(test_log_github_fn);
	char *gl = test_log_capture(test_log_gitlab_fn);

	REQUIRE(gh && gl);
	CHECK_STR(gh, "::group::checks\ntend: inside\n::endgroup::\n");
	CHECK(strstr(gl, "section_start:") != NULL);
	CHECK(strstr(gl, "[collapsed=true]\r\033[0Kchecks\n") != NULL);
	CHECK(strstr(gl, "section_end:") != NULL);
	free(gh);
	free(gl);
}

static void test_log_group_only_fn(void)
{
	log_group_begin("g");
	log_group_end();
}

void test_log__setup_ci_from_environment(void)
{
	char *gh, *gl, *none;

	setenv("GITHUB_ACTIONS", "true", 1);
	log_setup_ci();
	unsetenv("GITHUB_ACTIONS");
	gh = test_log_capture(test_log_group_only_fn);
	setenv("GITLAB_CI", "true", 1);
	log_setup_ci();
	unsetenv("GITLAB_CI");
	gl = test_log_capture(test_log_group_only_fn);
	log_setup_ci();
	none = test_log_capture(test_log_group_only_fn);
	REQUIRE(gh && gl && none);
	CHECK_STR(gh, "::group::g\n::endgroup::\n");
	CHECK(strncmp(gl, "\033[0Ksection_start:", 18) == 0);
	CHECK_STR(none, "tend: == g\n");
	free(gh);
	free(gl);
	free(none);
}

void test_log__jsonutil_sanitizes_bytes(void)
{
	struct buf out = BUF_INIT;
	json_t *j;

	/* invalid byte, overlong, surrogate, NUL, then valid UTF-8 */
	jsonutil_sanitize(&out, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\0e\xc3\xa9",
			  14);
	CHECK_STR(out.ptr, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
		  "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd" "e\xc3\xa9");
	buf_reset(&out);
	j = jsonutil_stringn("x\xfey", 3);
	REQUIRE(j);
	CHECK(jsonutil_dump(&out, j, 0) == 0);
	CHECK_STR(out.ptr, "\"x\xef\xbf\xbdy\"\n");
	json_decref(j);
	j = jsonutil_string(NULL);
	CHECK(json_is_null(j));
	json_decref(j);
	buf_release(&out);
}
