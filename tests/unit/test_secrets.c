/*
 * test_secrets.c - the secret side of the rule engine and the built-in
 * `secrets` and `risky` packs: masking (a secret never appears whole in a
 * finding), placeholders, entropy, one finding per secret, path skips,
 * multi-line key blocks, invalid UTF-8, and the shape of every rule.
 *
 * Fake tokens are split into two literals after their prefix so that a
 * scanner reading this file does not see a whole one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "review/rules.h"
#include "tests/unit/test.h"

#define FAKE_AKIA1 "AKIA" "QW4ZTRE7UXKP2LMB"
#define FAKE_AKIA2 "AKIA" "ZX3CVB6NMQ2WE7RT"
#define FAKE_AWS_SECRET "hvjwdbT2HwDqzuM1" "4qHOXHlpaBqCefuv2FSJghB6"
#define FAKE_GHP "ghp_" "k9Qz2Lm4Xv7Bn1Rt8Wy3Hc6Jd5Fp0Ga2Se4U"
#define FAKE_SLACK "xoxb-" "238417395026-239875401264-Zr4Kq8Mw2Xt6Yb1Vn9Pc3Ld7"

static void load(struct review_rules *rs)
{
	struct buf err = BUF_INIT;

	review_rules_init(rs);
	if (review_rules_add_builtin(rs, NULL, &err) < 0)
		test__fail(__FILE__, __LINE__, err.ptr);
	buf_release(&err);
}

static void scan(const struct review_rules *rs, const char *path,
		 const char *lang, const char *text,
		 struct review_findings *out)
{
	size_t i, n = 1, len = strlen(text);

	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	if (len && text[len - 1] == '\n')
		n--;
	review_rules_scan(rs, path, lang, text, len, NULL, n, out);
}

static size_t count_rule(const struct review_findings *f, const char *id)
{
	size_t i, n = 0;

	for (i = 0; i < f->nr; i++)
		n += !strcmp(f->items[i].rule_id, id);
	return n;
}

/* No finding's snippet or message holds `secret`. */
static int none_holds(const struct review_findings *f, const char *secret)
{
	size_t i;

	for (i = 0; i < f->nr; i++) {
		if (f->items[i].snippet && strstr(f->items[i].snippet, secret))
			return 0;
		if (strstr(f->items[i].message, secret))
			return 0;
	}
	return 1;
}

void test_secrets__entropy_placeholder_mask(void)
{
	struct buf b = BUF_INIT;

	CHECK(review_rules_entropy("", 0) == 0);
	CHECK(review_rules_entropy("aaaa", 4) == 0);
	CHECK(review_rules_entropy("abcd", 4) > 1.99 &&
	      review_rules_entropy("abcd", 4) < 2.01);
	CHECK(review_rules_entropy(FAKE_AWS_SECRET, 40) > 4.5);

	CHECK(review_rules_placeholder("AKIAIOSFODNN7EXAMPLE", 20));
	CHECK(review_rules_placeholder("${GITHUB_TOKEN}", 15));
	CHECK(review_rules_placeholder("<your-key>", 10));
	CHECK(review_rules_placeholder("xxxxxxxxxxxxxxxx", 16));
	CHECK(review_rules_placeholder("ghp_aaaaaaaaaaaaaaaaaaaa", 24));
	CHECK(review_rules_placeholder("key-1234567890abcdef", 20));
	CHECK(review_rules_placeholder("zyxwvu-reversed", 15));
	CHECK(review_rules_placeholder("ChangeMe-please", 15));
	CHECK(!review_rules_placeholder(FAKE_GHP, strlen(FAKE_GHP)));
	CHECK(!review_rules_placeholder(FAKE_AWS_SECRET, 40));

	CHECK_INT(review_rules_mask_keep(40), 4);
	CHECK_INT(review_rules_mask_keep(12), 3);
	CHECK_INT(review_rules_mask_keep(3), 0);
	review_rules_mask(&b, FAKE_GHP, strlen(FAKE_GHP));
	CHECK_STR(b.ptr, "ghp_****");
	buf_reset(&b);
	review_rules_mask(&b, "hunter22", 8);
	CHECK_STR(b.ptr, "hu****");
	buf_reset(&b);
	/* never half a UTF-8 character */
	review_rules_mask(&b, "p\xc3\xa4sswordpassword", 18);
	CHECK_STR(b.ptr, "p\xc3\xa4s****");
	buf_reset(&b);
	review_rules_mask(&b, "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 8);
	CHECK_STR(b.ptr, "\xc3\xa4****");
	buf_release(&b);
}

void test_secrets__masked_in_every_snippet(void)
{
	struct review_rules rs;
	struct review_rule_spec todo = { 0 };
	struct review_findings out;
	struct buf err = BUF_INIT;
	const char *text =
		"aws_access_key_id = " FAKE_AKIA1
		" aws_secret_access_key = " FAKE_AWS_SECRET "\n"
		"TODO remove " FAKE_GHP "\n"
		"keys = [\"" FAKE_AKIA1 "\", \"" FAKE_AKIA2 "\"]\n"
		"tok = " FAKE_SLACK " # again: " FAKE_SLACK "\n";
	size_t i;

	load(&rs);
	/* a rule that is not about secrets, on a line that holds one */
	todo.id = "t/todo";
	todo.pattern = "TODO";
	REQUIRE(review_rules_add(&rs, &todo, &err) == 0);
	review_findings_init(&out);
	scan(&rs, "app/settings.py", "python", text, &out);

	CHECK_INT(count_rule(&out, "secrets/aws-access-key-id"), 2);
	CHECK_INT(count_rule(&out, "secrets/aws-secret-access-key"), 1);
	CHECK_INT(count_rule(&out, "secrets/github-pat"), 1);
	CHECK_INT(count_rule(&out, "secrets/slack-bot-token"), 1);
	CHECK_INT(count_rule(&out, "t/todo"), 1);
	CHECK(none_holds(&out, FAKE_AKIA1));
	CHECK(none_holds(&out, FAKE_AKIA2));
	CHECK(none_holds(&out, FAKE_AWS_SECRET));
	CHECK(none_holds(&out, FAKE_GHP));
	CHECK(none_holds(&out, FAKE_SLACK));
	/* nor three quarters of one */
	CHECK(none_holds(&out, FAKE_GHP + 10));
	for (i = 0; i < out.nr; i++) {
		const struct review_finding *f = &out.items[i];

		if (!strcmp(f->rule_id, "t/todo"))
			CHECK_STR(f->snippet, "TODO remove ghp_****");
		if (!strcmp(f->rule_id, "secrets/aws-access-key-id") &&
		    f->line == 1)
			CHECK_STR(f->snippet, "aws_access_key_id = AKIA**** "
					      "aws_secret_access_key = hvjw****");
		if (!strcmp(f->rule_id, "secrets/aws-access-key-id") &&
		    f->line == 3)
			CHECK_STR(f->snippet, "keys = [\"AKIA****\", "
					      "\"AKIA****\"]");
		if (!strcmp(f->rule_id, "secrets/slack-bot-token"))
			CHECK_STR(f->snippet,
				  "tok = xoxb**** # again: xoxb****");
		if (!strncmp(f->rule_id, "secrets/", 8))
			CHECK_INT(f->severity, REVIEW_SEV_ERROR);
	}
	review_findings_release(&out);
	review_rules_release(&rs);
	buf_release(&err);
}

void test_secrets__one_finding_per_secret(void)
{
	struct review_rules rs;
	struct review_findings out;

	load(&rs);
	review_findings_init(&out);
	/* the generic rule would match too; the specific one wins */
	scan(&rs, "a.py", "python", "api_key = \"" FAKE_GHP "\"\n", &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "secrets/github-pat");
	CHECK_INT(out.items[0].line, 1);
	CHECK_INT(out.items[0].col, 12);
	review_findings_release(&out);

	/* and the generic one fires where no format is known */
	scan(&rs, "a.py", "python",
	     "db_password = \"Zr4Kq8Mw2Xt6Yb1Vn9Pc\"\n", &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "secrets/generic-secret-assignment");
	CHECK_INT(out.items[0].severity, REVIEW_SEV_WARNING);
	CHECK_STR(out.items[0].snippet, "db_password = \"Zr4K****\"");
	review_findings_release(&out);
	review_rules_release(&rs);
}

void test_secrets__placeholders_are_quiet(void)
{
	struct review_rules rs;
	struct review_findings out;
	const char *text =
		"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
		"GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n"
		"password = \"changeme\"\n"
		"token: \"<your token here>\"\n"
		"DATABASE_URL=postgres://postgres:postgres@localhost/dev\n"
		"api_key = \"xxxxxxxxxxxxxxxxxxxxxxxx\"\n"
		"secret = \"1234567890abcdefghij\"\n";

	load(&rs);
	review_findings_init(&out);
	scan(&rs, "config/app.yml", "yaml", text, &out);
	CHECK_INT(out.nr, 0);
	review_findings_release(&out);
	review_rules_release(&rs);
}

void test_secrets__paths(void)
{
	struct review_rules rs;
	struct review_findings out;
	const char *text = "token = \"" FAKE_GHP "\"\n"
			   "password = \"Zr4Kq8Mw2Xt6Yb1Vn9Pc\"\n";

	load(&rs);
	review_findings_init(&out);
	/* lockfiles: the whole pack stays out */
	scan(&rs, "web/yarn.lock", NULL, text, &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "package-lock.json", "json", text, &out);
	CHECK_INT(out.nr, 0);
	/* fixtures: only the generic rule stays out */
	scan(&rs, "tests/fixtures/config.py", "python", text, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "secrets/github-pat");
	review_findings_release(&out);
	scan(&rs, "src/config.py", "python", text, &out);
	CHECK_INT(out.nr, 2);
	review_findings_release(&out);
	review_rules_release(&rs);
}

void test_secrets__private_key_block(void)
{
	struct review_rules rs;
	struct review_findings out;
	static const uint32_t nos[] = { 7, 8, 9, 10, 11, 12 };
	const char *body1 = "MIIEowIBAAKCAQEAu7Jx1Vq9Rk3Lm2Zp8Tn4Wc6Hd0Ys5Fb";
	const char *body2 = "Qe2Kr7Nx9Mv3Lp8Zt4Wc6Hd0Ys5FbGu1Jo2Ri8Tk5Mn3Vb7C";
	char text[512];

	snprintf(text, sizeof(text),
		 "x = 1\n"
		 "-----BEGIN RSA " "PRIVATE KEY-----\n"
		 "%s\n%s\n"
		 "-----END RSA PRIVATE KEY-----\n"
		 "y = 2\n", body1, body2);
	load(&rs);
	review_findings_init(&out);
	review_rules_scan(&rs, "deploy/key.pem", NULL, text, strlen(text),
			  nos, 6, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "secrets/private-key");
	CHECK_INT(out.items[0].line, 8);
	CHECK_INT(out.items[0].end_line, 10);
	/* every line of the key shows, masked: the snippet keeps lines */
	CHECK_STR(out.items[0].snippet,
		  "-----BEGIN RSA PRIVATE KEY-----\nMIIE****\n****");
	CHECK(none_holds(&out, body1 + 4));
	CHECK(none_holds(&out, body2));
	review_findings_release(&out);

	/* the key's body lines are masked in other findings too */
	{
		struct review_rule_spec todo = { 0 };
		struct buf err = BUF_INIT;

		todo.id = "t/body";
		todo.pattern = "Kr7Nx9";
		REQUIRE(review_rules_add(&rs, &todo, &err) == 0);
		buf_release(&err);
	}
	review_rules_scan(&rs, "deploy/key.pem", NULL, text, strlen(text),
			  nos, 6, &out);
	REQUIRE(out.nr == 2);
	CHECK_STR(out.items[1].rule_id, "t/body");
	CHECK_INT(out.items[1].line, 10);
	CHECK_STR(out.items[1].snippet, "****");
	review_findings_release(&out);
	review_rules_release(&rs);
}

void test_secrets__invalid_utf8_does_not_stop_scan(void)
{
	struct review_rules rs;
	struct review_findings out;
	const char text[] = "bad \xff\xfe\xc3 bytes " FAKE_GHP " \x80\n"
			    "\xed\xa0\x80\xc0\xaf token = \"" FAKE_SLACK "\"\n"
			    "tail \xf8\x88\x80\x80\x80 AKIA\xff" "QW4ZTRE7UXKP2LMB\n"
			    "ok " FAKE_AKIA1 " \xc3";

	load(&rs);
	review_findings_init(&out);
	scan(&rs, "a.txt", "text", text, &out);
	review_findings_sort(&out);
	REQUIRE(out.nr == 3);
	CHECK_STR(out.items[0].rule_id, "secrets/github-pat");
	CHECK_INT(out.items[0].line, 1);
	CHECK_STR(out.items[1].rule_id, "secrets/slack-bot-token");
	CHECK_INT(out.items[1].line, 2);
	CHECK_STR(out.items[2].rule_id, "secrets/aws-access-key-id");
	CHECK_INT(out.items[2].line, 4);
	CHECK(none_holds(&out, FAKE_GHP));
	CHECK(none_holds(&out, FAKE_SLACK));
	review_findings_release(&out);
	review_rules_release(&rs);
}

void test_secrets__spec_validation(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	spec.id = "t/s";
	spec.pattern = "tok_([a-z]+)";
	spec.secret = 1;
	spec.secret_group = 2;
	CHECK(review_rules_add(&rs, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 't/s': secret_group 2 but the pattern has "
			   "1 group");
	spec.secret_group = 1;
	spec.min_entropy = 9;
	CHECK(review_rules_add(&rs, &spec, &err) == TEND_EINVALID);
	CHECK_STR(err.ptr, "rule 't/s': min_entropy must be between 0 and 8 "
			   "bits per byte");
	spec.min_entropy = 2;
	spec.allow = REVIEW_STRV("(");
	CHECK(review_rules_add(&rs, &spec, &err) == TEND_EINVALID);
	CHECK(!strncmp(err.ptr, "rule 't/s': invalid allow pattern at offset 1",
		       45));
	spec.allow = REVIEW_STRV("^known");
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	CHECK_INT(review_rules_get(&rs, 0)->secret_group, 1);
	CHECK(review_rules_get(&rs, 0)->secret);
	CHECK_STR(review_rules_get(&rs, 0)->allow[0], "^known");
	CHECK_INT(review_rules_count(&rs), 1);
	review_rules_release(&rs);
	buf_release(&err);
}

void test_secrets__value_checks(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct review_findings out;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	review_findings_init(&out);
	spec.id = "t/s";
	spec.pattern = "tok_([A-Za-z0-9]+)";
	spec.secret_group = 1;
	spec.min_entropy = 3.0;
	spec.allow = REVIEW_STRV("^known");
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	/* low entropy, allowed, then a good one on the same line */
	scan(&rs, "f", NULL, "tok_abababab tok_knownQ8z2Lm4Xv7B tok_Q8z2Lm4Xv7Bn",
	     &out);
	REQUIRE(out.nr == 1);
	CHECK_INT(out.items[0].col, 35);
	/* not a secret rule: the snippet is not masked */
	CHECK(strstr(out.items[0].snippet, "tok_Q8z2Lm4Xv7Bn") != NULL);
	review_findings_release(&out);
	review_rules_release(&rs);
	buf_release(&err);
}

void test_secrets__keywords_local_and_icase(void)
{
	struct review_rules rs;
	struct review_rule_spec spec = { 0 };
	struct review_findings out;
	struct buf err = BUF_INIT;

	review_rules_init(&rs);
	review_findings_init(&out);
	spec.id = "t/local";
	spec.pattern = "val=[0-9]+(?:\\nmore)?";
	spec.keywords = REVIEW_STRV("KEY");
	spec.keywords_icase = 1;
	spec.keywords_local = 1;
	spec.multiline = 1;
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	spec.multiline = 0;
	spec.id = "t/block";
	spec.pattern = "other=[0-9]+";
	spec.keywords = REVIEW_STRV("KEY");
	spec.keywords_icase = 0;
	spec.keywords_local = 0;
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);

	/* local: the keyword must be on the match's first line */
	scan(&rs, "f", NULL, "key\nval=1\n", &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "f", NULL, "Key val=1\nmore\nval=2 kEy\n", &out);
	REQUIRE(out.nr == 2);
	CHECK_INT(out.items[0].line, 1);
	CHECK_INT(out.items[0].end_line, 2);
	CHECK_INT(out.items[1].line, 3);
	review_findings_release(&out);
	/* block: anywhere in the block, case-sensitive */
	scan(&rs, "f", NULL, "other=1\nkey\n", &out);
	CHECK_INT(out.nr, 0);
	scan(&rs, "f", NULL, "other=1\nKEY\nother=2", &out);
	CHECK_INT(out.nr, 2);
	review_findings_release(&out);
	/* one-byte keywords, at the very end too */
	spec.id = "t/one";
	spec.pattern = "[0-9]z";
	spec.keywords = REVIEW_STRV("z");
	spec.keywords_local = 1;
	REQUIRE(review_rules_add(&rs, &spec, &err) == 0);
	scan(&rs, "f", NULL, "a\n1z\nb 2z", &out);
	CHECK_INT(out.nr, 2);
	review_findings_release(&out);
	review_rules_release(&rs);
	buf_release(&err);
}

void test_secrets__pack_shapes(void)
{
	const struct review_rule_pack *const *p;
	size_t secrets = 0, risky = 0, i;

	for (p = review_rules_builtin_packs(); *p; p++) {
		for (i = 0; i < (*p)->nr_rules; i++) {
			const struct review_rule_spec *s = &(*p)->rules[i];

			if (!strcmp((*p)->name, "secrets")) {
				secrets++;
				CHECK(s->secret);
				CHECK(s->keywords && s->keywords[0]);
				CHECK(s->keywords_local);
				CHECK(!strncmp(s->id, "secrets/", 8));
				/* says what to do */
				CHECK(strstr(s->message, "revoke") ||
				      strstr(s->message, "invalidate"));
			} else if (!strcmp((*p)->name, "risky")) {
				risky++;
				CHECK(!s->secret);
				CHECK(s->languages && s->languages[0]);
				CHECK(s->keywords && s->keywords_local);
				CHECK(!strncmp(s->id, "risky/", 6));
				CHECK(strlen(s->message) > 80);
			}
		}
	}
	CHECK(secrets >= 60);
	CHECK(risky >= 40);
}

void test_secrets__risky_in_context(void)
{
	struct review_rules rs;
	struct review_findings out;
	const char *c = "#include <stdio.h>\n"
			"\tsnprintf(buf, sizeof(buf), \"%s\", s);\n"
			"\tsprintf(buf, \"%s\", s); /* risky */\n"
			"\t// strcpy(a, b);\n"
			"\tprintf(msg);\n";
	const char *py = "import yaml, subprocess\n"
			 "cfg = yaml.safe_load(f)\n"
			 "subprocess.run(cmd, shell=True)\n"
			 "cur.execute(f\"SELECT * FROM t WHERE id = {uid}\")\n";

	load(&rs);
	review_findings_init(&out);
	scan(&rs, "src/a.c", "c", c, &out);
	review_findings_sort(&out);
	REQUIRE(out.nr == 2);
	CHECK_STR(out.items[0].rule_id, "risky/c-sprintf");
	CHECK_INT(out.items[0].line, 3);
	CHECK_STR(out.items[1].rule_id, "risky/c-format-string");
	CHECK_INT(out.items[1].line, 5);
	review_findings_release(&out);
	scan(&rs, "a.py", "python", py, &out);
	review_findings_sort(&out);
	REQUIRE(out.nr == 2);
	CHECK_STR(out.items[0].rule_id, "risky/python-shell-true");
	CHECK_STR(out.items[1].rule_id, "risky/python-sql-format");
	review_findings_release(&out);
	/* languages scope the rules */
	scan(&rs, "a.js", "javascript", py, &out);
	CHECK_INT(out.nr, 0);
	review_findings_release(&out);
	review_rules_release(&rs);
}

#define FAKE_API "Jq7RkW2vXp9LmT4s" "Nb8YcH3d"
#define FAKE_PW "hunter2@^#Zq8w"
#define FAKE_AZURE "Xy78Q~" "t~8qy4~3bmdOGIstriIp9ljM7r04zHBgsD"

/*
 * Issue 10, finding 9: a generic match that began at the end of a line
 * holding a password (which no rule recognises on its own) and ran on to
 * an `api_key:` line below reported the password's line and printed it
 * whole in the snippet. A match now stays on its line.
 */
void test_secrets__assignment_on_two_lines(void)
{
	static const char *const texts[] = {
		"password: \"" FAKE_PW "\"\napi_key: \"" FAKE_API "\"\n",
		"password: " FAKE_PW "Lm4Xv7\napi_key: " FAKE_API "\n",
		"password = '" FAKE_PW "'\r\napi_key = '" FAKE_API "'\r\n",
	};
	struct review_rules rs;
	struct review_findings out;
	size_t i;

	load(&rs);
	review_findings_init(&out);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		scan(&rs, "config.yml", "yaml", texts[i], &out);
		REQUIRE(out.nr == 1);
		CHECK_STR(out.items[0].rule_id,
			  "secrets/generic-secret-assignment");
		CHECK_INT(out.items[0].line, 2);
		CHECK_INT(out.items[0].end_line, 2);
		CHECK_INT(out.items[0].col, 1);
		CHECK(!strchr(out.items[0].snippet, '\n'));
		CHECK(strstr(out.items[0].snippet, "Jq7R****") != NULL);
		CHECK(none_holds(&out, FAKE_PW));
		CHECK(none_holds(&out, FAKE_API + 4));
		review_findings_release(&out);
	}
	review_rules_release(&rs);
}

/*
 * The same shape for the Azure AD rule, whose pattern also starts with a
 * negated class: a secret at the start of a line, below a line that holds
 * the keyword "Q~" and a password.
 */
void test_secrets__azure_secret_below_a_line(void)
{
	struct review_rules rs;
	struct review_findings out;
	const char *text = "pw = \"" FAKE_PW "\"  # Q~\n" FAKE_AZURE "\n";

	load(&rs);
	review_findings_init(&out);
	scan(&rs, "a.py", "python", text, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "secrets/azure-ad-client-secret");
	CHECK_INT(out.items[0].line, 2);
	CHECK_INT(out.items[0].end_line, 2);
	CHECK_STR(out.items[0].snippet, "Xy78****");
	CHECK(none_holds(&out, FAKE_PW));
	review_findings_release(&out);
	review_rules_release(&rs);
}

/*
 * Every line of a snippet is masked on its own, whichever finding it is
 * for: a secret the scan did not report (the generic rule skips fixture
 * paths; a value that a specific rule covered only in part) is masked in
 * the snippet of another rule's finding on that line all the same, and on
 * every line of a multi-line rule's snippet.
 */
void test_secrets__snippet_lines_masked_on_their_own(void)
{
	struct review_rules rs;
	struct review_rule_spec todo = { 0 };
	struct review_findings out;
	struct buf err = BUF_INIT;
	const char *fixture = "api_token = \"" FAKE_API "\"  # TODO\n";
	const char *partial = "password = \"" FAKE_AKIA1 ":Zr4Kq8Mw2Xt6Yb1V\"\n";
	const char *query = "await db.query(`\n  SELECT * FROM t\n"
			    "  WHERE token = '" FAKE_API "' AND id = ${id}\n"
			    "`);\n";

	load(&rs);
	todo.id = "t/todo";
	todo.pattern = "TODO";
	REQUIRE(review_rules_add(&rs, &todo, &err) == 0);
	review_findings_init(&out);

	scan(&rs, "testdata/settings.py", "python", fixture, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "t/todo");
	CHECK_STR(out.items[0].snippet, "api_token = \"Jq7R****\"  # TODO");
	review_findings_release(&out);

	/* also where the user disabled the rule that finds it */
	CHECK(review_rules_disable(&rs, "secrets/generic-secret-assignment"));
	scan(&rs, "settings.py", "python", fixture, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].snippet, "api_token = \"Jq7R****\"  # TODO");
	review_findings_release(&out);
	review_rules_release(&rs);

	/* a multi-line rule's snippet: every line of it, masked */
	load(&rs);
	scan(&rs, "testdata/q.js", "javascript", query, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "risky/js-sql-template");
	CHECK_INT(out.items[0].end_line, 3);
	CHECK_STR(out.items[0].snippet,
		  "await db.query(`\n  SELECT * FROM t\n"
		  "  WHERE token = 'Jq7R****' AND id = ${id}");
	review_findings_release(&out);
	review_rules_release(&rs);

	load(&rs);
	scan(&rs, "settings.py", "python", partial, &out);
	REQUIRE(out.nr == 1);
	CHECK_STR(out.items[0].rule_id, "secrets/aws-access-key-id");
	CHECK(none_holds(&out, "Zr4Kq8Mw2Xt6Yb1V"));
	CHECK(none_holds(&out, FAKE_AKIA1 + 4));
	review_findings_release(&out);
	review_rules_release(&rs);
	buf_release(&err);
}

/*
 * review_rules_mask_text(): what the rest of tend masks with (structural
 * and linter findings, agents' comments, model context). Every secret on
 * every line, and a private key block line by line, keeping the lines.
 */
void test_secrets__mask_text(void)
{
	struct review_rules rs;
	struct buf out = BUF_INIT;
	char text[1024];
	const char *body1 = "MIIEowIBAAKCAQEAu7Jx1Vq9Rk3Lm2Zp8Tn4Wc6Hd0Ys5Fb";
	const char *body2 = "Qe2Kr7Nx9Mv3Lp8Zt4Wc6Hd0Ys5FbGu1Jo2Ri8Tk5Mn3Vb7C";

	snprintf(text, sizeof(text),
		 "password: \"%s\"\n"
		 "api_key: \"%s\"\n"
		 "both = %s and %s\n"
		 "key: |\n"
		 "  -----BEGIN RSA " "PRIVATE KEY-----\n"
		 "  %s\n  %s\n"
		 "  -----END RSA PRIVATE KEY-----\n"
		 "again %s\n"
		 "nothing here\n",
		 FAKE_PW, FAKE_API, FAKE_GHP, FAKE_SLACK, body1, body2,
		 FAKE_API);
	load(&rs);
	/* disabled rules mask all the same */
	CHECK(review_rules_disable(&rs, "secrets"));
	CHECK_INT(review_rules_mask_text(&rs, &out, text, strlen(text)), 4);
	CHECK_STR(out.ptr,
		  "password: \"" FAKE_PW "\"\n"
		  "api_key: \"Jq7R****\"\n"
		  "both = ghp_**** and xoxb****\n"
		  "key: |\n"
		  "  -----BEGIN RSA PRIVATE KEY-----\n"
		  "  MIIE****\n  ****\n"
		  "  -----END RSA PRIVATE KEY-----\n"
		  "again Jq7R****\n"
		  "nothing here\n");
	buf_reset(&out);
	/* nothing to mask: the text as it was */
	CHECK_INT(review_rules_mask_text(&rs, &out, "a\r\nb", 4), 0);
	CHECK_STR(out.ptr, "a\r\nb");
	buf_reset(&out);
	CHECK_INT(review_rules_mask_text(&rs, &out, "", 0), 0);
	CHECK_INT(out.len, 0);
	buf_release(&out);
	review_rules_release(&rs);
}
