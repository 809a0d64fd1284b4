/*
 * test_schema.c - the tool-argument validator: which values pass and the
 * exact message for each kind of problem, since a model reads it.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "agents/schema.h"
#include "common/error.h"
#include "tests/unit/test.h"

/* The shape of submit_review's arguments, trimmed. */
static const char review_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"summary\":{\"type\":\"string\"},"
	"\"comments\":{\"type\":\"array\",\"maxItems\":3,\"items\":{"
	"\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"minLength\":1},"
	"\"line\":{\"type\":\"integer\",\"minimum\":1},"
	"\"side\":{\"type\":\"string\",\"enum\":[\"RIGHT\",\"LEFT\"]},"
	"\"severity\":{\"type\":\"string\","
	"\"enum\":[\"note\",\"warning\",\"error\"]},"
	"\"quote\":{\"type\":\"string\"}},"
	"\"required\":[\"path\",\"line\",\"severity\",\"quote\"],"
	"\"additionalProperties\":false}}},"
	"\"required\":[\"summary\",\"comments\"],"
	"\"additionalProperties\":false}";

static const char read_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"path\":{\"type\":\"string\",\"minLength\":1},"
	"\"start_line\":{\"type\":\"integer\",\"minimum\":1},"
	"\"end_line\":{\"type\":\"integer\",\"minimum\":1}},"
	"\"required\":[\"path\"],\"additionalProperties\":false}";

/*
 * Validate `value` against `schema` (both JSON text); `want` is the
 * expected message, or NULL when the value must pass.
 */
static void check(const char *file, int line, const char *schema,
		  const char *value, const char *want)
{
	struct buf err = BUF_INIT;
	json_t *s = json_loads(schema, 0, NULL);
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	char what[512];
	int rc;

	if (!s || !v) {
		snprintf(what, sizeof(what), "test JSON parses: %s", value);
		test__fail(file, line, what);
		goto out;
	}
	buf_puts(&err, "untouched");
	rc = agent_schema_validate(s, v, &err);
	if (!want) {
		if (rc != 0)
			test__fail_str(file, line, value, err.ptr, "(valid)");
		else if (strcmp(err.ptr, "untouched"))
			test__fail(file, line, "err untouched on success");
	} else {
		if (rc != TEND_EINVALID)
			test__fail_int(file, line, value, rc, TEND_EINVALID);
		if (strcmp(err.ptr, want))
			test__fail_str(file, line, value, err.ptr, want);
	}
out:
	json_decref(s);
	json_decref(v);
	buf_release(&err);
}

#define CHECK_VALID(schema, value) \
	check(__FILE__, __LINE__, schema, value, NULL)
#define CHECK_MSG(schema, value, want) \
	check(__FILE__, __LINE__, schema, value, want)

void test_schema__valid_values_pass(void)
{
	CHECK_VALID(read_schema, "{\"path\":\"a.c\"}");
	CHECK_VALID(read_schema,
		    "{\"path\":\"a.c\",\"start_line\":1,\"end_line\":20}");
	/* 12.0 is an integer to JSON Schema */
	CHECK_VALID(read_schema, "{\"path\":\"a.c\",\"start_line\":12.0}");
	CHECK_VALID(review_schema, "{\"summary\":\"ok\",\"comments\":[]}");
	CHECK_VALID(review_schema,
		    "{\"summary\":\"\",\"comments\":[{\"path\":\"a.c\","
		    "\"line\":3,\"severity\":\"note\",\"quote\":\"\","
		    "\"side\":\"LEFT\"}]}");
	/* keywords outside the subset are ignored */
	CHECK_VALID("{\"type\":\"string\",\"description\":\"x\","
		    "\"format\":\"uri\",\"pattern\":\"^a\"}", "\"b\"");
	CHECK_VALID("{}", "[1,{\"a\":null}]");
}

void test_schema__wrong_type_names_path_and_value(void)
{
	CHECK_MSG(review_schema,
		  "{\"summary\":\"s\",\"comments\":["
		  "{\"path\":\"a\",\"line\":1,\"severity\":\"note\","
		  "\"quote\":\"\"},"
		  "{\"path\":\"a\",\"line\":2,\"severity\":\"note\","
		  "\"quote\":\"\"},"
		  "{\"path\":\"a\",\"line\":\"12\",\"severity\":\"note\","
		  "\"quote\":\"\"}]}",
		  "comments[2].line: expected an integer >= 1, got \"12\"");
	CHECK_MSG(read_schema, "{\"path\":\"a\",\"start_line\":12.5}",
		  "start_line: expected an integer >= 1, got 12.5");
	CHECK_MSG(read_schema, "{\"path\":\"a\",\"end_line\":0}",
		  "end_line: expected an integer >= 1, got 0");
	CHECK_MSG(read_schema, "{\"path\":7}",
		  "path: expected a non-empty string, got 7");
	CHECK_MSG(read_schema, "{\"path\":\"\"}",
		  "path: expected a non-empty string, got \"\"");
	CHECK_MSG(read_schema, "{\"path\":null}",
		  "path: expected a non-empty string, got null");
	CHECK_MSG(read_schema, "{\"path\":true}",
		  "path: expected a non-empty string, got true");
	CHECK_MSG(read_schema, "{\"path\":{\"a\":1}}",
		  "path: expected a non-empty string, got an object");
	CHECK_MSG(read_schema, "[1,2]",
		  "expected an object, got an array of 2 items");
	CHECK_MSG(read_schema, "\"a.c\"", "expected an object, got \"a.c\"");
	CHECK_MSG(review_schema, "{\"summary\":\"s\",\"comments\":{}}",
		  "comments: expected an array of at most 3 items, got an "
		  "object");
}

void test_schema__missing_and_unknown_properties(void)
{
	CHECK_MSG(review_schema,
		  "{\"summary\":\"s\",\"comments\":[{\"path\":\"a\","
		  "\"line\":1,\"severity\":\"note\"}]}",
		  "missing required property \"quote\" in comments[0]");
	CHECK_MSG(read_schema, "{\"path\":\"a\",\"file\":\"b\"}",
		  "unknown property \"file\" (allowed: path, start_line, "
		  "end_line)");
	/* a renamed property: both halves, in one message */
	CHECK_MSG(read_schema, "{\"file\":\"a.c\"}",
		  "unknown property \"file\" (allowed: path, start_line, "
		  "end_line); missing required property \"path\"");
	CHECK_MSG(review_schema,
		  "{\"summary\":\"s\",\"comments\":[{\"path\":\"a\","
		  "\"line\":1,\"severity\":\"note\",\"quote\":\"q\","
		  "\"msg\":\"x\"}]}",
		  "unknown property \"msg\" in comments[0] (allowed: path, "
		  "line, side, severity, quote)");
	CHECK_MSG("{\"type\":\"object\",\"additionalProperties\":false}",
		  "{\"x\":1}",
		  "unknown property \"x\" (no properties are allowed)");
	CHECK_MSG(read_schema, "{}", "missing required property \"path\"");
}

void test_schema__enum_and_ranges(void)
{
	CHECK_MSG(review_schema,
		  "{\"summary\":\"s\",\"comments\":[{\"path\":\"a\","
		  "\"line\":1,\"severity\":\"high\",\"quote\":\"\"}]}",
		  "comments[0].severity: expected one of \"note\", "
		  "\"warning\", \"error\", got \"high\"");
	CHECK_MSG(review_schema,
		  "{\"summary\":\"s\",\"comments\":[{\"path\":\"a\","
		  "\"line\":1,\"severity\":\"note\",\"quote\":\"\","
		  "\"side\":\"right\"}]}",
		  "comments[0].side: expected one of \"RIGHT\", \"LEFT\", "
		  "got \"right\"");
	CHECK_MSG("{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}", "11",
		  "expected an integer between 1 and 10, got 11");
	CHECK_VALID("{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}",
		    "10");
	CHECK_MSG("{\"type\":\"number\",\"maximum\":1.5}", "2",
		  "expected a number <= 1.5, got 2");
	CHECK_MSG("{\"type\":\"string\",\"maxLength\":3}", "\"abcd\"",
		  "expected a string of at most 3 characters, got \"abcd\"");
	/* characters, not bytes */
	CHECK_VALID("{\"type\":\"string\",\"maxLength\":3}",
		    "\"\\u00e9\\u00e9\\u00e9\"");
	CHECK_MSG("{\"type\":\"string\",\"minLength\":2,\"maxLength\":4}",
		  "\"a\"", "expected a string of 2 to 4 characters, got \"a\"");
	CHECK_MSG("{\"type\":\"string\",\"minLength\":5}", "\"a\"",
		  "expected a string of at least 5 characters, got \"a\"");
	CHECK_MSG("{\"type\":\"array\",\"minItems\":1}", "[]",
		  "expected a non-empty array, got an empty array");
	CHECK_MSG("{\"type\":\"array\",\"minItems\":2,\"maxItems\":3}", "[1]",
		  "expected an array of 2 to 3 items, got an array of 1 item");
	/* a long string is described, not quoted */
	CHECK_MSG("{\"type\":\"string\",\"maxLength\":5}",
		  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
		  "expected a string of at most 5 characters, got a string "
		  "of 50 characters");
	CHECK_MSG("{\"enum\":[1,\"a\",null]}", "2",
		  "expected one of 1, \"a\", null, got 2");
	CHECK_VALID("{\"enum\":[1,\"a\",null]}", "1.0");
}

void test_schema__type_lists(void)
{
	const char *s = "{\"type\":[\"integer\",\"null\"],\"minimum\":1}";

	CHECK_VALID(s, "null");
	CHECK_VALID(s, "3");
	CHECK_MSG(s, "0", "expected an integer >= 1 or null, got 0");
	CHECK_MSG(s, "\"3\"", "expected an integer >= 1 or null, got \"3\"");
	CHECK_MSG("{\"type\":[\"string\",\"boolean\",\"null\"]}", "1",
		  "expected a string, a boolean or null, got 1");
	CHECK_MSG("{\"type\":\"boolean\"}", "\"true\"",
		  "expected a boolean, got \"true\"");
	CHECK_MSG("{\"type\":\"null\"}", "false", "expected null, got false");
}

void test_schema__paths_and_nesting(void)
{
	const char *s = "{\"type\":\"object\",\"properties\":{"
			"\"a b\":{\"type\":\"integer\"},"
			"\"m\":{\"type\":\"object\",\"additionalProperties\":"
			"{\"type\":\"array\",\"items\":"
			"{\"type\":\"string\"}}}}}";

	CHECK_MSG(s, "{\"a b\":\"x\"}",
		  "[\"a b\"]: expected an integer, got \"x\"");
	CHECK_MSG(s, "{\"m\":{\"k\":[\"x\",2]}}",
		  "m.k[1]: expected a string, got 2");
	CHECK_MSG(s, "{\"m\":{\"9k\":[1]}}",
		  "m[\"9k\"][0]: expected a string, got 1");
	CHECK_VALID(s, "{\"m\":{\"k\":[\"x\"]},\"other\":1}");
}

void test_schema__collects_up_to_five_problems(void)
{
	CHECK_MSG(review_schema,
		  "{\"summary\":1,\"comments\":["
		  "{\"path\":\"\",\"line\":0,\"severity\":\"x\",\"quote\":1},"
		  "{\"path\":\"a\",\"line\":-1,\"severity\":\"note\"}]}",
		  "summary: expected a string, got 1; "
		  "comments[0].path: expected a non-empty string, got \"\"; "
		  "comments[0].line: expected an integer >= 1, got 0; "
		  "comments[0].severity: expected one of \"note\", "
		  "\"warning\", \"error\", got \"x\"; "
		  "comments[0].quote: expected a string, got 1; "
		  "and 2 more problems");
	/* too many items is reported, and the items are still checked */
	CHECK_MSG(review_schema,
		  "{\"summary\":\"s\",\"comments\":[{},{},{},{}]}",
		  "comments: expected an array of at most 3 items, got an "
		  "array of 4 items; "
		  "missing required property \"path\" in comments[0]; "
		  "missing required property \"line\" in comments[0]; "
		  "missing required property \"severity\" in comments[0]; "
		  "missing required property \"quote\" in comments[0]; "
		  "and 12 more problems");
}

void test_schema__null_err_and_null_value(void)
{
	json_t *s = json_loads(read_schema, 0, NULL);
	json_t *v = json_loads("{}", 0, NULL);
	struct buf err = BUF_INIT;

	REQUIRE(s && v);
	CHECK_INT(agent_schema_validate(s, v, NULL), TEND_EINVALID);
	CHECK_INT(agent_schema_validate(s, NULL, &err), TEND_EINVALID);
	CHECK_STR(err.ptr, "no value to validate");
	json_decref(s);
	json_decref(v);
	buf_release(&err);
}
