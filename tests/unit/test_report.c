/*
 * Report formats: golden files under tests/golden/ for each format, built
 * from one hand-made result (unicode paths, a multi-line range, a
 * whole-file finding, linter and agent findings, a tool error, skipped
 * files), plus the rules each format must keep whatever the input.
 *
 * TEND_UPDATE_GOLDEN=1 rewrites the golden files from the current output;
 * review the diff before committing it. The version string is masked as
 * @VERSION@ so a release does not touch the goldens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "review/report.h"
#include "tests/unit/test.h"

static struct review_diff_file report_files[] = {
	{ .path = "src/main.c", .status = REVIEW_FILE_MODIFIED, .added = 3,
	  .deleted = 1 },
	{ .path = "docs/\xc3\xbcn\xc3\xaf c\xc3\xb6" "d\xc3\xa9 "
		  "\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb.md",
	  .status = REVIEW_FILE_ADDED, .added = 4 },
	{ .path = "secrets.env", .status = REVIEW_FILE_ADDED, .added = 1 },
	{ .path = "assets/logo.png", .status = REVIEW_FILE_ADDED, .binary = 1 },
	{ .path = "vendor/lib|x.js", .status = REVIEW_FILE_MODIFIED,
	  .added = 9 },
	{ .path = "old.txt", .status = REVIEW_FILE_DELETED, .deleted = 2 },
};

static void report_add(struct review_result *r, const char *path,
		       uint32_t line, uint32_t end_line, uint32_t col,
		       uint32_t end_col, enum review_severity sev,
		       const char *rule, const char *source, const char *msg,
		       const char *fp)
{
	struct review_finding f;

	memset(&f, 0, sizeof(f));
	f.path = (char *)path;
	f.line = line;
	f.end_line = end_line;
	f.col = col;
	f.end_col = end_col;
	f.severity = sev;
	f.rule_id = (char *)rule;
	f.source = (char *)source;
	f.message = (char *)msg;
	f.fingerprint = (char *)fp;
	review_findings_add(&r->findings, &f);
}

static void report_build(struct review_result *r)
{
	static const enum review_skip skips[] = {
		REVIEW_SKIP_NONE, REVIEW_SKIP_NONE, REVIEW_SKIP_NONE,
		REVIEW_SKIP_BINARY, REVIEW_SKIP_IGNORED, REVIEW_SKIP_DELETED
	};
	struct review_rule_info ri;
	struct review_finding *f;
	size_t i;

	review_result_init(r);
	r->base_rev = xstrdup("main");
	r->head_rev = xstrdup("HEAD");
	snprintf(r->base_oid, sizeof(r->base_oid), "%s",
		 "1111111111111111111111111111111111111111");
	snprintf(r->head_oid, sizeof(r->head_oid), "%s",
		 "2222222222222222222222222222222222222222");
	r->nr_files = sizeof(report_files) / sizeof(report_files[0]);
	r->files = xcalloc(r->nr_files, sizeof(*r->files));
	for (i = 0; i < r->nr_files; i++) {
		r->files[i].file = &report_files[i];
		r->files[i].skip = skips[i];
	}
	r->files[0].lang = "c";
	r->files[1].lang = "markdown";
	r->files[4].detail = xstrdup("matches review.ignore 'vendor/**'");
	r->filter = REVIEW_FILTER_DIFF_CONTEXT;
	r->fail_level = REVIEW_SEV_ERROR;
	r->filtered_out = 2;
	r->rules_active = 3;
	r->elapsed_ms = 0;

	memset(&ri, 0, sizeof(ri));
	ri.id = (char *)"hygiene/merge-conflict-marker";
	ri.pack = (char *)"hygiene";
	ri.message = (char *)"A merge conflict marker was left in. Resolve the "
			     "conflict and remove the markers.";
	ri.pattern = (char *)"^(?:<{7}|={7}|>{7})(?: |$)";
	ri.severity = REVIEW_SEV_ERROR;
	review_result_add_rule(r, &ri);
	ri.id = (char *)"hygiene/trailing-whitespace";
	ri.message = (char *)"Trailing white space.";
	ri.pattern = (char *)"[ \\t]+$";
	ri.languages = (char *)"markdown, c";
	ri.paths = (char *)"docs/**";
	ri.severity = REVIEW_SEV_NOTE;
	review_result_add_rule(r, &ri);
	memset(&ri, 0, sizeof(ri));
	ri.id = (char *)"secrets/env-file";
	ri.pack = (char *)"secrets";
	ri.message = (char *)"An environment file with credentials was added.";
	ri.pattern = (char *)"(^|/)\\.?[^/]*\\.env$";
	ri.severity = REVIEW_SEV_ERROR;
	ri.filename_rule = 1;
	review_result_add_rule(r, &ri);

	report_add(r, report_files[1].path, 2, 2, 5, 8, REVIEW_SEV_NOTE,
		   "hygiene/trailing-whitespace", "rules",
		   "Trailing white space.", "aaaa0000aaaa0000aaaa0000aaaa0000");
	report_add(r, "secrets.env", 0, 0, 0, 0, REVIEW_SEV_ERROR,
		   "secrets/env-file", "rules",
		   "An environment file with credentials was added.",
		   "bbbb0000bbbb0000bbbb0000bbbb0000");
	f = &r->findings.items[r->findings.nr - 1];
	f->snippet = xstrdup("API_KEY=ab12****");
	report_add(r, "src/main.c", 10, 12, 1, 8, REVIEW_SEV_ERROR,
		   "hygiene/merge-conflict-marker", "rules",
		   "A merge conflict marker was left in. Resolve the conflict "
		   "and remove the markers.",
		   "cccc0000cccc0000cccc0000cccc0000");
	f = &r->findings.items[r->findings.nr - 1];
	f->snippet = xstrdup("<<<<<<< HEAD\n=======\n>>>>>>> theirs");
	f->suggestion = xstrdup("int x = 1;\nint y = 2;");
	report_add(
	    r, "src/main.c", 20, 20, 3, 9, REVIEW_SEV_WARNING,
	    "cppcheck/nullPointer", "linter:cppcheck",
	    "Possible null pointer `p` | see <b>docs</b> & ask @octocat: "
	    "100% sure,\nreally",
	    "dddd0000dddd0000dddd0000dddd0000");
	report_add(r, "src/main.c", 30, 30, 0, 0, REVIEW_SEV_NOTE,
		   "structure/bare-except", "structure",
		   "Bare except catches everything.",
		   "dddd0000dddd0000dddd0000dddd0000");
	report_add(r, "/abs/outside.c", 1, 1, 0, 0, REVIEW_SEV_WARNING,
		   "cppcheck", "linter:cppcheck", "outside the repository",
		   NULL);
	review_result_add_tool_error(r, "eslint",
				     "timed out after 300 s and was stopped");
}

static char *report_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return buf_detach(&b, len);
}

static void report_golden(enum review_format fmt)
{
	struct review_result r;
	struct buf out = BUF_INIT, path = BUF_INIT;
	char *want;
	size_t want_len;

	report_build(&r);
	review_report_write(&out, &r, fmt, 0);
	buf_replace_all(&out, "\"" TEND_VERSION "\"", "\"@VERSION@\"");
	buf_printf(&path, "%s",
		   test_fixture("golden/"));
	buf_printf(&path, "%s.out", review_format_name(fmt));
	if (getenv("TEND_UPDATE_GOLDEN")) {
		CHECK_INT(test_write(path.ptr, out.ptr, out.len), 0);
	} else {
		want = report_read(path.ptr, &want_len);
		if (!want || want_len != out.len ||
		    memcmp(want, out.ptr, out.len)) {
			struct buf got = BUF_INIT;

			buf_printf(&got, "%s/%s.out", test_tmpdir(),
				   review_format_name(fmt));
			test_write(got.ptr, out.ptr, out.len);
			printf("  golden mismatch: diff -u %s %s\n", path.ptr,
			       got.ptr);
			CHECK(!"output matches the golden file");
			buf_release(&got);
		}
		free(want);
	}
	buf_release(&out);
	buf_release(&path);
	review_result_release(&r);
}

void test_report__golden_text(void)
{
	report_golden(REVIEW_FORMAT_TEXT);
}

void test_report__golden_json(void)
{
	report_golden(REVIEW_FORMAT_JSON);
}

void test_report__golden_sarif(void)
{
	report_golden(REVIEW_FORMAT_SARIF);
}

void test_report__golden_markdown(void)
{
	report_golden(REVIEW_FORMAT_MARKDOWN);
}

void test_report__golden_codequality(void)
{
	report_golden(REVIEW_FORMAT_CODEQUALITY);
}

void test_report__golden_rdjson(void)
{
	report_golden(REVIEW_FORMAT_RDJSON);
}

void test_report__golden_github(void)
{
	report_golden(REVIEW_FORMAT_GITHUB);
}

void test_report__format_names(void)
{
	static const char *const names[] = {
		"text", "json", "markdown", "sarif", "codequality", "rdjson",
		"github"
	};
	enum review_format f;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_INT(review_format_parse(&f, names[i]), 0);
		CHECK_STR(review_format_name(f), names[i]);
	}
	CHECK_INT(review_format_parse(&f, "xml"), TEND_EINVALID);
	CHECK_INT(review_format_parse(&f, "SARIF"), TEND_EINVALID);
}

void test_report__max_counts_tool_errors(void)
{
	struct review_result r;

	review_result_init(&r);
	CHECK_INT(review_result_max(&r), REVIEW_SEV_NONE);
	report_add(&r, "a.c", 1, 1, 0, 0, REVIEW_SEV_NOTE, "x", "rules", "m",
		   NULL);
	CHECK_INT(review_result_max(&r), REVIEW_SEV_NOTE);
	review_result_add_tool_error(&r, "lint", "crashed");
	CHECK_INT(review_result_max(&r), REVIEW_SEV_ERROR);
	review_result_release(&r);
	CHECK_INT(r.nr_tool_errors, 0);
}

static size_t report_count_prefix(const char *s, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	while (s && *s) {
		if (!strncmp(s, prefix, len))
			n++;
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return n;
}

void test_report__github_limits(void)
{
	struct review_result r;
	struct buf out = BUF_INIT;
	size_t i;

	review_result_init(&r);
	review_result_add_tool_error(&r, "lint", "crashed");
	for (i = 0; i < 25; i++)
		report_add(&r, "a.c", (uint32_t)i + 1, 0, 0, 0,
			   REVIEW_SEV_ERROR, "e", "rules", "m", NULL);
	for (i = 0; i < 12; i++)
		report_add(&r, "a.c", (uint32_t)i + 1, 0, 0, 0,
			   REVIEW_SEV_WARNING, "w", "rules", "m", NULL);
	for (i = 0; i < 11; i++)
		report_add(&r, "a.c", (uint32_t)i + 1, 0, 0, 0,
			   REVIEW_SEV_NOTE, "n", "rules", "m", NULL);
	review_report_write(&out, &r, REVIEW_FORMAT_GITHUB, 0);
	CHECK_INT(report_count_prefix(out.ptr, "::error "), 10);
	CHECK_INT(report_count_prefix(out.ptr, "::warning "), 10);
	CHECK_INT(report_count_prefix(out.ptr, "::notice "), 10);
	CHECK(strstr(out.ptr, "\ntend: 16 more errors, 2 more warnings and 1 "
			      "more notice not shown as annotations; see the "
			      "report\n") != NULL);
	review_result_release(&r);

	/* Without hidden notices the line has the documented shape. */
	buf_reset(&out);
	review_result_init(&r);
	for (i = 0; i < 11; i++)
		report_add(&r, "a.c", (uint32_t)i + 1, 0, 0, 0,
			   REVIEW_SEV_WARNING, "w", "rules", "m", NULL);
	review_report_write(&out, &r, REVIEW_FORMAT_GITHUB, 0);
	CHECK(strstr(out.ptr,
		     "\ntend: 0 more errors and 1 more warning not "
		     "shown as annotations; see the report\n") != NULL);
	review_result_release(&r);
	buf_release(&out);
}

void test_report__github_escaping(void)
{
	struct review_result r;
	struct buf out = BUF_INIT;

	review_result_init(&r);
	report_add(&r, "d:ir,x/a%b.c", 3, 5, 2, 0, REVIEW_SEV_ERROR,
		   "r:1,2", "rules", "50% done,\r\nnext: ::stop", NULL);
	review_report_write(&out, &r, REVIEW_FORMAT_GITHUB, 0);
	{
		const char *want = "::error file=d%3Air%2Cx/a%25b.c,line=3,"
				   "endLine=5,col=2,title=r%3A1%2C2::50%25 "
				   "done,%0D%0Anext: ::stop\n";

		CHECK(!strncmp(out.ptr, want, strlen(want)));
	}
	review_result_release(&r);
	buf_release(&out);
}

void test_report__markdown_limit(void)
{
	struct review_result r;
	struct buf out = BUF_INIT, msg = BUF_INIT;
	size_t i;

	review_result_init(&r);
	for (i = 0; i < 400; i++)
		buf_puts(&msg, "long message ");
	for (i = 0; i < 3000; i++)
		report_add(&r, "src/some/deep/path/file.c", (uint32_t)i + 1, 0,
			   0, 0, REVIEW_SEV_WARNING, "lint/x", "linter:lint",
			   msg.ptr, NULL);
	review_report_write(&out, &r, REVIEW_FORMAT_MARKDOWN, 0);
	CHECK(out.len <= REVIEW_MARKDOWN_MAX);
	CHECK(strstr(out.ptr, "more findings not shown here") != NULL);
	CHECK(strstr(out.ptr, "3000 findings") != NULL);
	CHECK(strstr(out.ptr, "#### Files") != NULL);
	review_result_release(&r);
	buf_release(&out);
	buf_release(&msg);
}

void test_report__codequality_valid_and_unique(void)
{
	struct review_result r;
	struct buf out = BUF_INIT;
	json_t *root, *e;
	json_error_t je;
	size_t i, j;

	report_build(&r);
	/* Same fingerprint three times, and a finding without one. */
	report_add(&r, "src/main.c", 40, 40, 0, 0, REVIEW_SEV_NOTE, "x",
		   "rules", "m", "dddd0000dddd0000dddd0000dddd0000");
	report_add(&r, "src/main.c", 41, 41, 0, 0, REVIEW_SEV_NOTE, "x",
		   "rules", "m", NULL);
	review_report_write(&out, &r, REVIEW_FORMAT_CODEQUALITY, 0);
	root = json_loadb(out.ptr, out.len, 0, &je);
	REQUIRE(json_is_array(root));
	/* The finding with an absolute path is left out. */
	CHECK_INT(json_array_size(root), r.findings.nr - 1);
	json_array_foreach(root, i, e) {
		const char *fp =
		    json_string_value(json_object_get(e, "fingerprint"));
		json_t *lines = json_object_get(json_object_get(e, "location"),
						"lines");
		const char *sev =
		    json_string_value(json_object_get(e, "severity"));

		REQUIRE(fp && *fp);
		CHECK(json_integer_value(json_object_get(lines, "begin")) >= 1);
		CHECK(json_integer_value(json_object_get(lines, "end")) >=
		      json_integer_value(json_object_get(lines, "begin")));
		CHECK(sev && strstr("info minor major critical blocker", sev));
		for (j = 0; j < i; j++)
			CHECK(strcmp(fp, json_string_value(json_object_get(
				json_array_get(root, j), "fingerprint"))));
	}
	json_decref(root);
	review_result_release(&r);
	buf_release(&out);
}

void test_report__sarif_rules_described(void)
{
	struct review_result r;
	struct buf out = BUF_INIT;
	json_t *root, *run, *rules, *res;
	json_error_t je;
	size_t i;

	report_build(&r);
	review_report_write(&out, &r, REVIEW_FORMAT_SARIF, 0);
	root = json_loadb(out.ptr, out.len, 0, &je);
	run = json_array_get(json_object_get(root, "runs"), 0);
	rules = json_object_get(json_object_get(json_object_get(run, "tool"),
						"driver"), "rules");
	REQUIRE(json_is_array(rules));
	json_array_foreach(json_object_get(run, "results"), i, res) {
		json_t *rule = json_array_get(rules, (size_t)json_integer_value(
			json_object_get(res, "ruleIndex")));
		json_t *region = json_object_get(json_object_get(
			json_array_get(json_object_get(res, "locations"), 0),
			"physicalLocation"), "region");
		const char *full = json_string_value(json_object_get(
			json_object_get(rule, "fullDescription"), "text"));
		const char *help = json_string_value(json_object_get(
			json_object_get(rule, "help"), "text"));

		CHECK_STR(json_string_value(json_object_get(rule, "id")),
			  json_string_value(json_object_get(res, "ruleId")));
		CHECK(full && *full && help && *help);
		CHECK(json_integer_value(json_object_get(region, "startLine"))
		      >= 1);
		CHECK(json_string_value(json_object_get(json_object_get(
			res, "message"), "text")) != NULL);
	}
	json_decref(root);
	review_result_release(&r);
	buf_release(&out);
}

#define REPORT_GHP "ghp_" "k9Qz2Lm4Xv7Bn1Rt8Wy3Hc6Jd5Fp0Ga2Se4U"
#define REPORT_KEY "Jq7RkW2vXp9LmT4s" "Nb8YcH3d"

/*
 * Whatever a check put in the result (a linter's message quoting a
 * token, an agent's suggestion, a tool error, a skip detail, a rule's
 * pattern, the agents' section), no format prints a secret: every string
 * is masked line by line as it is written, and the result is left as it
 * was. review_result_mask() masks the result itself.
 */
void test_report__secrets_masked_in_every_field(void)
{
	static const enum review_format fmts[] = {
		REVIEW_FORMAT_TEXT, REVIEW_FORMAT_JSON, REVIEW_FORMAT_SARIF,
		REVIEW_FORMAT_MARKDOWN, REVIEW_FORMAT_CODEQUALITY,
		REVIEW_FORMAT_RDJSON, REVIEW_FORMAT_GITHUB
	};
	struct review_result r;
	struct review_rule_info info = { 0 };
	struct review_finding f;
	struct buf out = BUF_INIT;
	size_t i;

	review_result_init(&r);
	r.files = xcalloc(1, sizeof(*r.files));
	r.nr_files = 1;
	r.files[0].file = &report_files[0];
	r.files[0].skip = REVIEW_SKIP_TOO_LARGE;
	r.files[0].detail = xstrdup("first line: token = " REPORT_GHP);
	memset(&f, 0, sizeof(f));
	f.path = (char *)"src/main.c";
	f.line = 3;
	f.end_line = 4;
	f.severity = REVIEW_SEV_ERROR;
	f.rule_id = (char *)"lint/L1";
	f.source = (char *)"linter:lint";
	f.message = (char *)"unused\napi_key = \"" REPORT_KEY "\" here";
	f.snippet = (char *)"ok\nx = " REPORT_GHP;
	f.suggestion = (char *)"api_key = \"" REPORT_KEY "\"\ny = 1";
	review_findings_add(&r.findings, &f);
	f.rule_id = (char *)"config/mine";
	f.source = (char *)"rules";
	review_findings_add(&r.findings, &f);
	review_result_add_tool_error(&r, "lint", "crashed on " REPORT_GHP);
	info.id = (char *)"config/mine";
	info.pack = (char *)"config";
	info.message = (char *)"do not commit " REPORT_GHP;
	info.pattern = (char *)"token = " REPORT_GHP;
	review_result_add_rule(&r, &info);
	r.agents_md = xstrdup("#### Agents\n\nsaw `" REPORT_GHP "`\n");

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		buf_reset(&out);
		review_report_write(&out, &r, fmts[i], 0);
		if (strstr(out.ptr, REPORT_GHP + 4) ||
		    strstr(out.ptr, REPORT_KEY + 4))
			test__fail(__FILE__, __LINE__,
				   review_format_name(fmts[i]));
	}
	/* the formats do not change the result */
	CHECK(strstr(r.findings.items[0].message, REPORT_KEY) != NULL);
	/* markdown text for comments is masked too, before it is cut */
	buf_reset(&out);
	review_report_md_text(&out, "x " REPORT_GHP " y", 20);
	CHECK_STR(out.ptr, "x ghp\\_\\*\\*\\*\\* y");
	buf_reset(&out);
	CHECK_INT(review_report_mask(&out, "a\n" REPORT_GHP "\n", 43), 1);
	CHECK_STR(out.ptr, "a\nghp_****\n");

	review_result_mask(&r);
	CHECK_STR(r.findings.items[0].message,
		  "unused\napi_key = \"Jq7R****\" here");
	CHECK_STR(r.findings.items[0].snippet, "ok\nx = ghp_****");
	CHECK_STR(r.findings.items[0].suggestion,
		  "api_key = \"Jq7R****\"\ny = 1");
	CHECK_STR(r.tool_errors[0].message, "crashed on ghp_****");
	CHECK_STR(r.files[0].detail, "first line: token = ghp_****");
	CHECK_STR(r.agents_md, "#### Agents\n\nsaw `ghp_****`\n");
	CHECK_STR(review_result_rule(&r, "config/mine")->pattern,
		  "token = ghp_****");
	review_result_release(&r);
	buf_release(&out);
}

/* Masking leaves the built-in rules' own descriptions alone. */
void test_report__rule_descriptions_unmasked(void)
{
	struct review_rules rs;
	struct buf err = BUF_INIT, out = BUF_INIT;
	size_t i;

	review_rules_init(&rs);
	REQUIRE(review_rules_add_builtin(&rs, NULL, &err) == 0);
	for (i = 0; i < review_rules_count(&rs); i++) {
		const struct review_rule_spec *s = review_rules_get(&rs, i);

		buf_reset(&out);
		if (review_report_mask(&out, s->pattern, strlen(s->pattern)) ||
		    review_report_mask(&out, s->message, strlen(s->message)))
			test__fail(__FILE__, __LINE__, s->id);
	}
	review_rules_release(&rs);
	buf_release(&err);
	buf_release(&out);
}
