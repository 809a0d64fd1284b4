/*
 * schema.c - a small JSON Schema validator for tool-call arguments (see
 * schema.h for the subset and the message formats).
 *
 * One recursive walk over the value, guided by the schema, keeps the JSON
 * path of the value it is looking at in a buffer. Every problem becomes one
 * sentence naming that path, what was found and what was expected; the
 * first AGENT_SCHEMA_MAX_ERRORS are kept and the rest only counted. The
 * walk goes no deeper than the schema, so a deeply nested value costs no
 * more than the schema allows.
 *
 * This file is for validation only: it neither fills defaults nor coerces
 * values, and it knows nothing about the tools.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agents/schema.h"
#include "common/error.h"

/* Strings longer than this are described by their length, not quoted. */
#define AGENT_SCHEMA_QUOTE_MAX 40

struct agent_schema_ctx {
	struct buf msg;		/* the problems kept so far, joined */
	size_t nr;		/* problems found, including those not kept */
	struct buf path;	/* JSON path of the value being checked */
};

static void agent_schema_problem(struct agent_schema_ctx *ctx,
				 const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void agent_schema_problem(struct agent_schema_ctx *ctx,
				 const char *fmt, ...)
{
	va_list ap;

	if (ctx->nr++ >= AGENT_SCHEMA_MAX_ERRORS)
		return;
	if (ctx->msg.len)
		buf_puts(&ctx->msg, "; ");
	va_start(ap, fmt);
	buf_vprintf(&ctx->msg, fmt, ap);
	va_end(ap);
}

/* Jansson's iteration API wants a mutable object; we only read. */
static json_t *agent_schema_mut(const json_t *v)
{
	return (json_t *)v;
}

/* Characters (Unicode code points) of a UTF-8 string of `len` bytes. */
static size_t agent_schema_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Append `v` as compact JSON ("note", 12, true). */
static void agent_schema_dump(struct buf *out, const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (s) {
		buf_puts(out, s);
		free(s);
	} else {
		buf_puts(out, "?");
	}
}

/* Append a JSON-quoted copy of s[0..len). */
static void agent_schema_quote(struct buf *out, const char *s, size_t len)
{
	json_t *str = json_stringn(s, len);

	if (str) {
		agent_schema_dump(out, str);
		json_decref(str);
	} else {
		buf_puts(out, "\"?\"");
	}
}

/* A schema limit as a double, when the keyword holds a number. */
static int agent_schema_num(const json_t *v, double *out)
{
	if (!json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return 1;
}

/* Append what the value is, for the "got ..." half of a message. */
static void agent_schema_repr(struct buf *out, const json_t *v)
{
	size_t n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_puts(out, "an object");
		break;
	case JSON_ARRAY:
		n = json_array_size(v);
		if (!n)
			buf_puts(out, "an empty array");
		else
			buf_printf(out, "an array of %zu item%s", n,
				   n == 1 ? "" : "s");
		break;
	case JSON_STRING:
		n = agent_schema_chars(json_string_value(v),
				       json_string_length(v));
		if (n <= AGENT_SCHEMA_QUOTE_MAX)
			agent_schema_dump(out, v);
		else
			buf_printf(out, "a string of %zu characters", n);
		break;
	default:
		agent_schema_dump(out, v);
		break;
	}
}

static const json_t *agent_schema_get(const json_t *schema, const char *key)
{
	return json_is_object(schema) ? json_object_get(schema, key) : NULL;
}

/* Append a count range: " of 1 to 5 items", " of at least 2 items". */
static void agent_schema_range(struct buf *out, const json_t *min,
			       const json_t *max, const char *unit)
{
	json_int_t lo = json_is_integer(min) ? json_integer_value(min) : -1;
	json_int_t hi = json_is_integer(max) ? json_integer_value(max) : -1;

	if (lo >= 0 && hi >= 0)
		buf_printf(out, " of %" JSON_INTEGER_FORMAT " to %"
			   JSON_INTEGER_FORMAT " %ss", lo, hi, unit);
	else if (lo > 0)
		buf_printf(out, " of at least %" JSON_INTEGER_FORMAT " %s%s",
			   lo, unit, lo == 1 ? "" : "s");
	else if (hi >= 0)
		buf_printf(out, " of at most %" JSON_INTEGER_FORMAT " %s%s",
			   hi, unit, hi == 1 ? "" : "s");
}

/* Append one type with the constraints that apply to it. */
static void agent_schema_describe_type(struct buf *out, const json_t *schema,
				       const char *type)
{
	const json_t *min, *max;

	if (!strcmp(type, "object")) {
		buf_puts(out, "an object");
	} else if (!strcmp(type, "array") || !strcmp(type, "string")) {
		int is_array = type[0] == 'a';
		const char *unit = is_array ? "item" : "character";

		min = agent_schema_get(schema, is_array ? "minItems"
							: "minLength");
		max = agent_schema_get(schema, is_array ? "maxItems"
							: "maxLength");
		if (json_is_integer(min) && json_integer_value(min) == 1 &&
		    !json_is_integer(max)) {
			buf_printf(out, "a non-empty %s", type);
			return;
		}
		buf_printf(out, "%s %s", is_array ? "an" : "a", type);
		agent_schema_range(out, min, max, unit);
	} else if (!strcmp(type, "integer") || !strcmp(type, "number")) {
		buf_puts(out, type[0] == 'i' ? "an integer" : "a number");
		min = agent_schema_get(schema, "minimum");
		max = agent_schema_get(schema, "maximum");
		if (json_is_number(min) && json_is_number(max)) {
			buf_puts(out, " between ");
			agent_schema_dump(out, min);
			buf_puts(out, " and ");
			agent_schema_dump(out, max);
		} else if (json_is_number(min)) {
			buf_puts(out, " >= ");
			agent_schema_dump(out, min);
		} else if (json_is_number(max)) {
			buf_puts(out, " <= ");
			agent_schema_dump(out, max);
		}
	} else if (!strcmp(type, "boolean")) {
		buf_puts(out, "a boolean");
	} else if (!strcmp(type, "null")) {
		buf_puts(out, "null");
	} else {
		buf_printf(out, "a value of type \"%s\"", type);
	}
}

/* The JSON Schema name of the type of `v`. */
static const char *agent_schema_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

/* Append what the schema expects: "an integer >= 1", "a string or null". */
static void agent_schema_describe(struct buf *out, const json_t *schema,
				  const json_t *value)
{
	const json_t *en = agent_schema_get(schema, "enum");
	const json_t *type = agent_schema_get(schema, "type");
	size_t i, n;

	if (json_is_array(en)) {
		buf_puts(out, "one of ");
		for (i = 0; i < json_array_size(en); i++) {
			if (i)
				buf_puts(out, ", ");
			agent_schema_dump(out, json_array_get(en, i));
		}
		return;
	}
	if (json_is_string(type)) {
		agent_schema_describe_type(out, schema,
					   json_string_value(type));
		return;
	}
	if (json_is_array(type) && (n = json_array_size(type)) > 0) {
		for (i = 0; i < n; i++) {
			const json_t *t = json_array_get(type, i);

			if (i)
				buf_puts(out, i + 1 == n ? " or " : ", ");
			agent_schema_describe_type(out, schema,
						   json_is_string(t) ?
						   json_string_value(t) : "?");
		}
		return;
	}
	agent_schema_describe_type(out, schema, agent_schema_type_name(value));
}

/* 1 when `v` is of the JSON Schema type named `type`. */
static int agent_schema_is_type(const char *type, const json_t *v)
{
	if (!strcmp(type, "object"))
		return json_is_object(v);
	if (!strcmp(type, "array"))
		return json_is_array(v);
	if (!strcmp(type, "string"))
		return json_is_string(v);
	if (!strcmp(type, "integer")) {
		double d;

		if (json_is_integer(v))
			return 1;
		if (!json_is_real(v))
			return 0;
		d = json_real_value(v);
		return isfinite(d) && d == floor(d) && fabs(d) < 9.0e15;
	}
	if (!strcmp(type, "number"))
		return json_is_number(v);
	if (!strcmp(type, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(type, "null"))
		return json_is_null(v);
	return 0;
}

static int agent_schema_type_ok(const json_t *schema, const json_t *v)
{
	const json_t *type = agent_schema_get(schema, "type");
	size_t i;

	if (json_is_string(type))
		return agent_schema_is_type(json_string_value(type), v);
	if (!json_is_array(type) || !json_array_size(type))
		return 1;
	for (i = 0; i < json_array_size(type); i++) {
		const json_t *t = json_array_get(type, i);

		if (json_is_string(t) &&
		    agent_schema_is_type(json_string_value(t), v))
			return 1;
	}
	return 0;
}

/* Report "<path>: expected <schema>, got <value>". */
static void agent_schema_mismatch(struct agent_schema_ctx *ctx,
				  const json_t *schema, const json_t *v)
{
	struct buf want = BUF_INIT, got = BUF_INIT;

	agent_schema_describe(&want, schema, v);
	agent_schema_repr(&got, v);
	if (ctx->path.len)
		agent_schema_problem(ctx, "%s: expected %s, got %s",
				     ctx->path.ptr, want.ptr, got.ptr);
	else
		agent_schema_problem(ctx, "expected %s, got %s", want.ptr,
				     got.ptr);
	buf_release(&want);
	buf_release(&got);
}

/* 1 when `v` breaks a numeric, length or count limit of the schema. */
static int agent_schema_out_of_range(const json_t *schema, const json_t *v)
{
	const char *lo_key = NULL, *hi_key = NULL;
	double x, lo, hi;

	if (json_is_number(v)) {
		const json_t *min = agent_schema_get(schema, "minimum");
		const json_t *max = agent_schema_get(schema, "maximum");

		x = json_number_value(v);
		if (agent_schema_num(min, &lo) && x < lo)
			return 1;
		if (agent_schema_num(max, &hi) && x > hi)
			return 1;
		return 0;
	}
	if (json_is_string(v)) {
		x = (double)agent_schema_chars(json_string_value(v),
					       json_string_length(v));
		lo_key = "minLength";
		hi_key = "maxLength";
	} else if (json_is_array(v)) {
		x = (double)json_array_size(v);
		lo_key = "minItems";
		hi_key = "maxItems";
	} else {
		return 0;
	}
	if (agent_schema_num(agent_schema_get(schema, lo_key), &lo) && x < lo)
		return 1;
	if (agent_schema_num(agent_schema_get(schema, hi_key), &hi) && x > hi)
		return 1;
	return 0;
}

static int agent_schema_in_enum(const json_t *en, const json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(en); i++) {
		const json_t *e = json_array_get(en, i);

		if (json_equal(agent_schema_mut(e), agent_schema_mut(v)))
			return 1;
		/* 1 and 1.0 are the same number to JSON Schema */
		if (json_is_number(e) && json_is_number(v) &&
		    json_number_value(e) == json_number_value(v))
			return 1;
	}
	return 0;
}

/* 1 for keys that can follow a '.' in a path: [A-Za-z_][A-Za-z0-9_]*. */
static int agent_schema_is_ident(const char *s, size_t len)
{
	size_t i;

	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static void agent_schema_push_key(struct agent_schema_ctx *ctx,
				  const char *key, size_t len)
{
	if (agent_schema_is_ident(key, len)) {
		if (ctx->path.len)
			buf_putc(&ctx->path, '.');
		buf_add(&ctx->path, key, len);
	} else {
		buf_putc(&ctx->path, '[');
		agent_schema_quote(&ctx->path, key, len);
		buf_putc(&ctx->path, ']');
	}
}

/* " in comments[0]", or nothing at the top level. */
static const char *agent_schema_where(struct agent_schema_ctx *ctx,
				      struct buf *tmp)
{
	buf_reset(tmp);
	if (ctx->path.len)
		buf_printf(tmp, " in %s", ctx->path.ptr);
	return tmp->ptr;
}

static void agent_schema_check(struct agent_schema_ctx *ctx,
			       const json_t *schema, const json_t *v);

static void agent_schema_check_object(struct agent_schema_ctx *ctx,
				      const json_t *schema, const json_t *v)
{
	const json_t *props = agent_schema_get(schema, "properties");
	const json_t *extra = agent_schema_get(schema, "additionalProperties");
	const json_t *required = agent_schema_get(schema, "required");
	struct buf where = BUF_INIT, key_q = BUF_INIT;
	size_t saved = ctx->path.len, i;
	const char *key;
	void *it;

	if (!json_is_object(props))
		props = NULL;
	for (it = json_object_iter(agent_schema_mut(v)); it;
	     it = json_object_iter_next(agent_schema_mut(v), it)) {
		const json_t *sub = NULL, *val = json_object_iter_value(it);
		size_t klen = json_object_iter_key_len(it);

		key = json_object_iter_key(it);
		if (props && strlen(key) == klen)
			sub = json_object_get(props, key);
		if (!sub && json_is_object(extra))
			sub = extra;
		if (sub) {
			agent_schema_push_key(ctx, key, klen);
			agent_schema_check(ctx, sub, val);
			buf_truncate(&ctx->path, saved);
			continue;
		}
		if (!json_is_false(extra))
			continue;
		buf_reset(&key_q);
		agent_schema_quote(&key_q, key, klen);
		if (props && json_object_size(props)) {
			struct buf allowed = BUF_INIT;
			const char *pk;
			const json_t *pv;

			json_object_foreach(agent_schema_mut(props), pk, pv) {
				if (allowed.len)
					buf_puts(&allowed, ", ");
				buf_puts(&allowed, pk);
			}
			agent_schema_problem(ctx, "unknown property %s%s "
					     "(allowed: %s)", key_q.ptr,
					     agent_schema_where(ctx, &where),
					     allowed.ptr);
			buf_release(&allowed);
		} else {
			agent_schema_problem(ctx, "unknown property %s%s "
					     "(no properties are allowed)",
					     key_q.ptr,
					     agent_schema_where(ctx, &where));
		}
	}
	for (i = 0; json_is_array(required) && i < json_array_size(required);
	     i++) {
		const json_t *name = json_array_get(required, i);

		if (!json_is_string(name) ||
		    json_object_get(v, json_string_value(name)))
			continue;
		buf_reset(&key_q);
		agent_schema_dump(&key_q, name);
		agent_schema_problem(ctx, "missing required property %s%s",
				     key_q.ptr,
				     agent_schema_where(ctx, &where));
	}
	buf_release(&where);
	buf_release(&key_q);
}

static void agent_schema_check_array(struct agent_schema_ctx *ctx,
				     const json_t *schema, const json_t *v)
{
	const json_t *items = agent_schema_get(schema, "items");
	size_t saved = ctx->path.len, i;

	if (!json_is_object(items))
		return;
	for (i = 0; i < json_array_size(v); i++) {
		buf_printf(&ctx->path, "[%zu]", i);
		agent_schema_check(ctx, items, json_array_get(v, i));
		buf_truncate(&ctx->path, saved);
	}
}

static void agent_schema_check(struct agent_schema_ctx *ctx,
			       const json_t *schema, const json_t *v)
{
	const json_t *en = agent_schema_get(schema, "enum");

	if (!json_is_object(schema))
		return;
	if (!agent_schema_type_ok(schema, v) ||
	    (json_is_array(en) && !agent_schema_in_enum(en, v))) {
		agent_schema_mismatch(ctx, schema, v);
		return;
	}
	if (agent_schema_out_of_range(schema, v))
		agent_schema_mismatch(ctx, schema, v);
	if (json_is_object(v))
		agent_schema_check_object(ctx, schema, v);
	else if (json_is_array(v))
		agent_schema_check_array(ctx, schema, v);
}

int agent_schema_validate(const json_t *schema, const json_t *value,
			  struct buf *err)
{
	struct agent_schema_ctx ctx;
	int rc = 0;

	buf_init(&ctx.msg, 0);
	buf_init(&ctx.path, 0);
	ctx.nr = 0;
	if (!value) {
		rc = error_set(err, TEND_EINVALID, "no value to validate");
		goto out;
	}
	agent_schema_check(&ctx, schema, value);
	if (ctx.nr) {
		if (ctx.nr > AGENT_SCHEMA_MAX_ERRORS) {
			size_t more = ctx.nr - AGENT_SCHEMA_MAX_ERRORS;

			buf_printf(&ctx.msg, "; and %zu more problem%s", more,
				   more == 1 ? "" : "s");
		}
		rc = error_set(err, TEND_EINVALID, "%s", ctx.msg.ptr);
	}
out:
	buf_release(&ctx.msg);
	buf_release(&ctx.path);
	return rc;
}
