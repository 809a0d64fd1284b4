/*
 * schema.h - validation of tool-call arguments against a JSON Schema.
 *
 * A model calls a tool with arguments it wrote itself, and it gets them
 * wrong in small ways: a line number as a string, a missing "quote", a
 * property named "file" instead of "path". The message returned here goes
 * back to the model, so it says where (a JSON path such as
 * `comments[2].line`), what is wrong and what was expected, and lists up to
 * AGENT_SCHEMA_MAX_ERRORS problems at once so one retry can fix them all.
 *
 * Only the subset of JSON Schema the tool schemas use is understood:
 *   type                 "object", "array", "string", "integer", "number",
 *                        "boolean", "null", or an array of them
 *   properties, required, additionalProperties (a boolean or a schema)
 *   enum
 *   minimum, maximum     numbers and integers
 *   minLength, maxLength strings, counted in Unicode characters
 *   items, minItems, maxItems
 * Every other keyword ("description", "title", "default", ...) is ignored.
 * "integer" accepts a real with no fractional part (12.0), as JSON Schema
 * does; callers read such numbers with json_number_value().
 *
 * Messages, one per problem, joined with "; ":
 *   comments[2].line: expected an integer >= 1, got "12"
 *   missing required property "quote" in comments[0]
 *   unknown property "file" (allowed: path, start_line, end_line)
 *   severity: expected one of "note", "warning", "error", got "high"
 * A problem at the top level has no path prefix. Past the limit the message
 * ends with "; and N more problems".
 *
 * Both arguments are borrowed; nothing is kept. The schema is trusted (it is
 * tend's own); a keyword of the wrong JSON type in it is ignored.
 */
#ifndef AGENTS_SCHEMA_H
#define AGENTS_SCHEMA_H

#include <jansson.h>

#include "common/buf.h"

#define AGENT_SCHEMA_MAX_ERRORS 5

/*
 * Check `value` against `schema`. Returns 0 when it conforms; otherwise
 * TEND_EINVALID with the problems in `err` (which may be NULL).
 */
int agent_schema_validate(const json_t *schema, const json_t *value,
			  struct buf *err);

#endif
