/*
 * report.c - writing a review result as text, JSON, markdown, SARIF 2.1.0,
 * GitLab Code Quality, rdjson or GitHub workflow commands.
 *
 * Not for deciding what is in the result: the pipeline in actions/review.c
 * does that. Every format that has room for it accounts for every changed
 * file and every check that failed to run. Output is a function of the
 * result alone (no clock, no environment), so the golden tests in
 * tests/golden/ can compare it byte for byte.
 *
 * Secrets: whatever the checks did, no format prints a secret. Every
 * string a report takes from the result that may quote code or a tool
 * (finding messages, snippets and suggestions, tool errors, skip details,
 * rule descriptions, the agents' section) is masked line by line with
 * the built-in `secrets` pack on its way out (review_rules_mask_text()),
 * and so is every text review_report_md_text() writes. The pack is
 * compiled once per process, on first use.
 */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "common/jsonutil.h"
#include "common/xalloc.h"
#include "review/report.h"

static struct review_rules review_report_secrets;
static pthread_once_t review_report_secrets_once = PTHREAD_ONCE_INIT;

static void review_report_secrets_init(void)
{
	struct buf err = BUF_INIT;
	int rc;

	review_rules_init(&review_report_secrets);
	rc = review_rules_add_builtin(&review_report_secrets, "secrets", &err);
	/* a broken pack table is a bug, which the unit tests catch */
	assert(rc == 0);
	(void)rc;
	buf_release(&err);
}

size_t review_report_mask(struct buf *out, const char *s, size_t len)
{
	pthread_once(&review_report_secrets_once, review_report_secrets_init);
	return review_rules_mask_text(&review_report_secrets, out, s, len);
}

/* Replace the owned string *s, if any, by its masked form. */
static void review_report_mask_in_place(char **s)
{
	struct buf b = BUF_INIT;

	if (!*s)
		return;
	if (!review_report_mask(&b, *s, strlen(*s))) {
		buf_release(&b);
		return;
	}
	free(*s);
	*s = buf_detach(&b, NULL);
}

void review_result_init(struct review_result *r)
{
	memset(r, 0, sizeof(*r));
	review_diff_init(&r->diff);
	review_findings_init(&r->findings);
	r->filter = REVIEW_FILTER_DIFF_CONTEXT;
	r->fail_level = REVIEW_SEV_ERROR;
}

static void review_result_free_rules(struct review_result *r)
{
	size_t i;

	for (i = 0; i < r->nr_rules; i++) {
		struct review_rule_info *ri = &r->rules[i];

		free(ri->id);
		free(ri->pack);
		free(ri->message);
		free(ri->pattern);
		free(ri->languages);
		free(ri->paths);
	}
	free(r->rules);
	r->rules = NULL;
	r->nr_rules = r->alloc_rules = 0;
}

void review_result_release(struct review_result *r)
{
	size_t i;

	free(r->agents_md);
	for (i = 0; i < r->nr_files; i++)
		free(r->files[i].detail);
	free(r->files);
	for (i = 0; i < r->nr_tool_errors; i++) {
		free(r->tool_errors[i].tool);
		free(r->tool_errors[i].message);
	}
	free(r->tool_errors);
	review_result_free_rules(r);
	free(r->base_rev);
	free(r->head_rev);
	review_findings_release(&r->findings);
	review_diff_release(&r->diff);
	review_result_init(r);
}

size_t review_result_reviewed(const struct review_result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_files; i++)
		n += r->files[i].skip == REVIEW_SKIP_NONE;
	return n;
}

void review_result_count(const struct review_result *r, size_t out[4])
{
	size_t i;

	memset(out, 0, 4 * sizeof(out[0]));
	for (i = 0; i < r->findings.nr; i++)
		out[r->findings.items[i].severity & 3]++;
}

enum review_severity review_result_max(const struct review_result *r)
{
	if (r->nr_tool_errors)
		return REVIEW_SEV_ERROR;
	return review_findings_max(&r->findings);
}

void review_result_add_tool_error(struct review_result *r, const char *tool,
				  const char *message)
{
	struct review_tool_error *te;

	ALLOC_GROW(r->tool_errors, r->nr_tool_errors, r->alloc_tool_errors);
	te = &r->tool_errors[r->nr_tool_errors++];
	te->tool = xstrdup(tool ? tool : "tool");
	te->message = xstrdup(message ? message : "failed");
}

/* "a, b, c" from a NULL-terminated list; NULL for an empty one. */
static char *review_result_join(const char *const *list)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; list && list[i]; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_puts(&b, list[i]);
	}
	if (!b.len)
		return NULL;
	return buf_detach(&b, NULL);
}

void review_result_set_rules(struct review_result *r,
			     const struct review_rules *rs)
{
	size_t i, n = review_rules_count(rs);

	review_result_free_rules(r);
	for (i = 0; i < n; i++) {
		const struct review_rule_spec *spec = review_rules_get(rs, i);
		struct review_rule_info *ri;

		if (!review_rules_enabled(rs, i))
			continue;
		ALLOC_GROW(r->rules, r->nr_rules, r->alloc_rules);
		ri = &r->rules[r->nr_rules++];
		ri->id = xstrdup(spec->id);
		ri->pack = xstrdup_or_null(spec->pack);
		ri->message = xstrdup(spec->message ? spec->message : spec->id);
		ri->pattern = xstrdup_or_null(spec->pattern);
		ri->languages = review_result_join(spec->languages);
		ri->paths = review_result_join(spec->paths);
		ri->severity = spec->severity ? spec->severity
					      : REVIEW_SEV_WARNING;
		ri->filename_rule = spec->filename_rule;
		ri->query_rule = 0;
	}
}

void review_result_add_rule(struct review_result *r,
			    const struct review_rule_info *info)
{
	struct review_rule_info *ri =
		(struct review_rule_info *)review_result_rule(r, info->id);

	if (ri) {
		free(ri->id);
		free(ri->pack);
		free(ri->message);
		free(ri->pattern);
		free(ri->languages);
		free(ri->paths);
	} else {
		ALLOC_GROW(r->rules, r->nr_rules, r->alloc_rules);
		ri = &r->rules[r->nr_rules++];
	}
	ri->id = xstrdup(info->id);
	ri->pack = xstrdup_or_null(info->pack);
	ri->message = xstrdup(info->message ? info->message : info->id);
	ri->pattern = xstrdup_or_null(info->pattern);
	ri->languages = xstrdup_or_null(info->languages);
	ri->paths = xstrdup_or_null(info->paths);
	ri->severity = info->severity ? info->severity : REVIEW_SEV_WARNING;
	ri->filename_rule = info->filename_rule;
	ri->query_rule = info->query_rule;
}

const struct review_rule_info *review_result_rule(const struct review_result *r,
						  const char *id)
{
	size_t i;

	for (i = 0; id && i < r->nr_rules; i++)
		if (!strcmp(r->rules[i].id, id))
			return &r->rules[i];
	return NULL;
}

/* A copy of `n` bytes at `p` (of an array), freed by the caller. */
static void *review_report_dup(const void *p, size_t n)
{
	void *c = xmalloc(n ? n : 1);

	if (n)
		memcpy(c, p, n);
	return c;
}

/*
 * Mask in `m` every string the formats print that may quote code or a
 * tool. When `copy`, `m` is a shallow copy of a result: the arrays and
 * strings it masks are copied first, so the original stays as it was,
 * and review_report_unmasked() frees the copies.
 */
static void review_report_mask_result(struct review_result *m, int copy)
{
	size_t i;

	if (copy) {
		m->findings.items = review_report_dup(
			m->findings.items,
			m->findings.nr * sizeof(*m->findings.items));
		m->findings.alloc = m->findings.nr;
		m->tool_errors = review_report_dup(
			m->tool_errors,
			m->nr_tool_errors * sizeof(*m->tool_errors));
		m->alloc_tool_errors = m->nr_tool_errors;
		m->files = review_report_dup(m->files,
					     m->nr_files * sizeof(*m->files));
		m->rules = review_report_dup(m->rules,
					     m->nr_rules * sizeof(*m->rules));
		m->alloc_rules = m->nr_rules;
	}
	for (i = 0; i < m->findings.nr; i++) {
		struct review_finding *f = &m->findings.items[i];

		if (copy) {
			f->message = xstrdup_or_null(f->message);
			f->snippet = xstrdup_or_null(f->snippet);
			f->suggestion = xstrdup_or_null(f->suggestion);
		}
		review_report_mask_in_place(&f->message);
		review_report_mask_in_place(&f->snippet);
		review_report_mask_in_place(&f->suggestion);
	}
	for (i = 0; i < m->nr_tool_errors; i++) {
		if (copy)
			m->tool_errors[i].message =
				xstrdup_or_null(m->tool_errors[i].message);
		review_report_mask_in_place(&m->tool_errors[i].message);
	}
	for (i = 0; i < m->nr_files; i++) {
		if (copy)
			m->files[i].detail = xstrdup_or_null(m->files[i].detail);
		review_report_mask_in_place(&m->files[i].detail);
	}
	for (i = 0; i < m->nr_rules; i++) {
		struct review_rule_info *ri = &m->rules[i];

		if (copy) {
			ri->message = xstrdup_or_null(ri->message);
			ri->pattern = xstrdup_or_null(ri->pattern);
		}
		review_report_mask_in_place(&ri->message);
		review_report_mask_in_place(&ri->pattern);
	}
	if (copy)
		m->agents_md = xstrdup_or_null(m->agents_md);
	review_report_mask_in_place(&m->agents_md);
}

void review_result_mask(struct review_result *r)
{
	review_report_mask_result(r, 0);
}

/* Free the copies review_report_mask_result(m, 1) made. */
static void review_report_unmasked(struct review_result *m)
{
	size_t i;

	for (i = 0; i < m->findings.nr; i++) {
		free(m->findings.items[i].message);
		free(m->findings.items[i].snippet);
		free(m->findings.items[i].suggestion);
	}
	for (i = 0; i < m->nr_tool_errors; i++)
		free(m->tool_errors[i].message);
	for (i = 0; i < m->nr_files; i++)
		free(m->files[i].detail);
	for (i = 0; i < m->nr_rules; i++) {
		free(m->rules[i].message);
		free(m->rules[i].pattern);
	}
	free(m->findings.items);
	free(m->tool_errors);
	free(m->files);
	free(m->rules);
	free(m->agents_md);
}

static const char *const review_format_names[] = {
	[REVIEW_FORMAT_TEXT] = "text",
	[REVIEW_FORMAT_JSON] = "json",
	[REVIEW_FORMAT_SARIF] = "sarif",
	[REVIEW_FORMAT_MARKDOWN] = "markdown",
	[REVIEW_FORMAT_CODEQUALITY] = "codequality",
	[REVIEW_FORMAT_RDJSON] = "rdjson",
	[REVIEW_FORMAT_GITHUB] = "github",
};

int review_format_parse(enum review_format *out, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(review_format_names) /
			sizeof(review_format_names[0]); i++) {
		if (!strcmp(name, review_format_names[i])) {
			*out = (enum review_format)i;
			return 0;
		}
	}
	return TEND_EINVALID;
}

const char *review_format_name(enum review_format fmt)
{
	if ((size_t)fmt < sizeof(review_format_names) /
			  sizeof(review_format_names[0]))
		return review_format_names[fmt];
	return "text";
}

/* ---- shared helpers ---- */

/*
 * 32 hex digits: two 64-bit FNV-1a hashes with different offset bases,
 * the same construction as finding fingerprints. Stable across machines.
 */
static void review_report_hash(char out[33], const char *s, size_t n)
{
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		a = (a ^ (unsigned char)s[i]) * 0x100000001b3ULL;
		b = (b ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a,
		 (unsigned long long)b);
}

/* The finding's message, or its rule id when the message is empty. */
const char *review_report_message(const struct review_finding *f)
{
	if (f->message && *f->message)
		return f->message;
	return f->rule_id ? f->rule_id : "finding";
}

/* The linter name of a "linter:NAME" source, or NULL. */
static const char *review_report_linter(const struct review_finding *f)
{
	if (f->source && !strncmp(f->source, "linter:", 7) && f->source[7])
		return f->source + 7;
	return NULL;
}

/* ---- text ---- */

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[1;33m"
#define C_CYAN "\033[1;36m"
#define C_GREEN "\033[1;32m"

static const char *review_report_sev_color(enum review_severity sev)
{
	switch (sev) {
	case REVIEW_SEV_ERROR: return C_RED;
	case REVIEW_SEV_WARNING: return C_YELLOW;
	default: return C_CYAN;
	}
}

/* Printable form of untrusted text for a terminal: no escape sequences. */
static void review_report_add_safe(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t')
			buf_putc(out, ' ');
		else if (c < 0x20 || c == 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_putc(out, (char)c);
	}
}

static void review_report_text(struct buf *out, const struct review_result *r,
			       int color)
{
	size_t i, counts[4], skipped = 0;
	const char *reset = color ? C_RESET : "";
	const char *bold = color ? C_BOLD : "";
	const char *dim = color ? C_DIM : "";

	for (i = 0; i < r->findings.nr; i++) {
		const struct review_finding *f = &r->findings.items[i];

		buf_printf(out, "%s", bold);
		review_report_add_safe(out, f->path, strlen(f->path));
		if (f->line) {
			buf_printf(out, ":%u", f->line);
			if (f->col)
				buf_printf(out, ":%u", f->col);
		}
		buf_printf(out, ":%s %s%s%s: ", reset,
			   color ? review_report_sev_color(f->severity) : "",
			   review_severity_name(f->severity), reset);
		review_report_add_safe(out, f->message, strlen(f->message));
		buf_printf(out, " %s[%s]%s\n", dim, f->rule_id, reset);
		if (f->snippet && f->line) {
			const char *s = f->snippet, *nl = strchr(s, '\n');
			size_t len = nl ? (size_t)(nl - s) : strlen(s);

			if (len > 200)
				len = 200;
			buf_printf(out, "%s%6u |%s ", dim, f->line, reset);
			review_report_add_safe(out, s, len);
			buf_putc(out, '\n');
		}
	}
	if (r->findings.nr)
		buf_putc(out, '\n');

	for (i = 0; i < r->nr_files; i++)
		if (r->files[i].skip != REVIEW_SKIP_NONE)
			skipped++;
	buf_printf(out, "%sreviewed %zu of %zu changed file%s%s (%.12s..%.12s, "
		   "filter %s)\n", bold, review_result_reviewed(r), r->nr_files,
		   r->nr_files == 1 ? "" : "s", reset, r->base_oid,
		   r->head_oid, review_filter_mode_name(r->filter));
	if (r->structure_skipped)
		buf_printf(out, "structural checks skipped for %zu file%s: too "
			   "large to parse, or the %ld MB parse budget "
			   "(checks.structure_max_mb) was spent\n",
			   r->structure_skipped,
			   r->structure_skipped == 1 ? "" : "s",
			   r->structure_budget_mb);
	if (skipped) {
		buf_printf(out, "skipped:\n");
		for (i = 0; i < r->nr_files; i++) {
			const struct review_file_entry *e = &r->files[i];

			if (e->skip == REVIEW_SKIP_NONE)
				continue;
			buf_puts(out, "  ");
			review_report_add_safe(out, e->file->path,
					       strlen(e->file->path));
			buf_printf(
			    out, " (%s%s%s)\n", review_skip_name(e->skip),
			    e->detail ? ": " : "", e->detail ? e->detail : "");
		}
	}
	if (r->nr_tool_errors) {
		buf_printf(out, "%stool errors%s (the review went on without "
			   "them):\n", color ? C_RED : "", reset);
		for (i = 0; i < r->nr_tool_errors; i++) {
			const struct review_tool_error *te = &r->tool_errors[i];

			buf_puts(out, "  ");
			review_report_add_safe(out, te->tool, strlen(te->tool));
			buf_puts(out, ": ");
			review_report_add_safe(out, te->message,
					       strlen(te->message));
			buf_putc(out, '\n');
		}
	}
	review_result_count(r, counts);
	if (!r->findings.nr) {
		buf_printf(out, "%sno findings%s\n", color ? C_GREEN : "",
			   reset);
		return;
	}
	buf_printf(
	    out, "%zu finding%s: %zu error%s, %zu warning%s, %zu note%s\n",
	    r->findings.nr, r->findings.nr == 1 ? "" : "s",
	    counts[REVIEW_SEV_ERROR], counts[REVIEW_SEV_ERROR] == 1 ? "" : "s",
	    counts[REVIEW_SEV_WARNING],
	    counts[REVIEW_SEV_WARNING] == 1 ? "" : "s", counts[REVIEW_SEV_NOTE],
	    counts[REVIEW_SEV_NOTE] == 1 ? "" : "s");
}

/* ---- JSON ---- */

static json_t *review_report_json_file(const struct review_file_entry *e)
{
	const struct review_diff_file *f = e->file;
	json_t *o = json_object();

	json_object_set_new(o, "path", jsonutil_string(f->path));
	if (f->old_path && f->new_path && strcmp(f->old_path, f->new_path))
		json_object_set_new(o, "old_path",
				    jsonutil_string(f->old_path));
	json_object_set_new(o, "change", json_string(
		review_file_status_name(f->status)));
	json_object_set_new(o, "status", json_string(
		e->skip == REVIEW_SKIP_NONE ? "reviewed" : "skipped"));
	if (e->skip != REVIEW_SKIP_NONE)
		json_object_set_new(o, "reason",
				    json_string(review_skip_name(e->skip)));
	if (e->detail)
		json_object_set_new(o, "detail", jsonutil_string(e->detail));
	if (e->lang)
		json_object_set_new(o, "language", json_string(e->lang));
	json_object_set_new(o, "added", json_integer((json_int_t)f->added));
	json_object_set_new(o, "deleted", json_integer((json_int_t)f->deleted));
	if (f->binary)
		json_object_set_new(o, "binary", json_true());
	if (f->mode_changed) {
		char mode[16];

		snprintf(mode, sizeof(mode), "%06o", f->new_mode);
		json_object_set_new(o, "new_mode", json_string(mode));
	}
	return o;
}

static json_t *review_report_json_finding(const struct review_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", jsonutil_string(f->path));
	json_object_set_new(o, "line", json_integer(f->line));
	json_object_set_new(o, "end_line", json_integer(f->end_line));
	if (f->col)
		json_object_set_new(o, "column", json_integer(f->col));
	if (f->end_col)
		json_object_set_new(o, "end_column", json_integer(f->end_col));
	json_object_set_new(o, "severity",
			    json_string(review_severity_name(f->severity)));
	json_object_set_new(o, "rule_id", jsonutil_string(f->rule_id));
	json_object_set_new(o, "message", jsonutil_string(f->message));
	json_object_set_new(o, "source", jsonutil_string(f->source));
	if (f->snippet)
		json_object_set_new(o, "snippet", jsonutil_string(f->snippet));
	if (f->suggestion)
		json_object_set_new(o, "suggestion",
				    jsonutil_string(f->suggestion));
	if (f->fingerprint)
		json_object_set_new(o, "fingerprint",
				    jsonutil_string(f->fingerprint));
	return o;
}

static void review_report_json(struct buf *out, const struct review_result *r)
{
	json_t *root = json_object(), *files = json_array(),
	       *findings = json_array(), *summary = json_object(),
	       *tool_errors = json_array();
	size_t i, counts[4];

	json_object_set_new(root, "tool", json_string("tend"));
	json_object_set_new(root, "version", json_string(TEND_VERSION));
	json_object_set_new(root, "base", json_string(r->base_oid));
	json_object_set_new(root, "head", json_string(r->head_oid));
	if (r->base_rev)
		json_object_set_new(root, "base_rev",
				    jsonutil_string(r->base_rev));
	if (r->head_rev)
		json_object_set_new(root, "head_rev",
				    jsonutil_string(r->head_rev));
	json_object_set_new(root, "filter",
			    json_string(review_filter_mode_name(r->filter)));
	for (i = 0; i < r->nr_files; i++)
		json_array_append_new(files,
				      review_report_json_file(&r->files[i]));
	for (i = 0; i < r->findings.nr; i++)
		json_array_append_new(findings, review_report_json_finding(
					      &r->findings.items[i]));
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "findings", findings);
	for (i = 0; i < r->nr_tool_errors; i++)
		json_array_append_new(tool_errors, json_pack(
			"{s:o,s:o}", "tool",
			jsonutil_string(r->tool_errors[i].tool), "message",
			jsonutil_string(r->tool_errors[i].message)));
	json_object_set_new(root, "tool_errors", tool_errors);
	review_result_count(r, counts);
	json_object_set_new(summary, "files",
			    json_integer((json_int_t)r->nr_files));
	json_object_set_new(
	    summary, "reviewed",
	    json_integer((json_int_t)review_result_reviewed(r)));
	json_object_set_new(
	    summary, "skipped",
	    json_integer(
		(json_int_t)(r->nr_files - review_result_reviewed(r))));
	json_object_set_new(summary, "findings",
			    json_integer((json_int_t)r->findings.nr));
	json_object_set_new(summary, "errors",
			    json_integer((json_int_t)counts[REVIEW_SEV_ERROR]));
	json_object_set_new(
	    summary, "warnings",
	    json_integer((json_int_t)counts[REVIEW_SEV_WARNING]));
	json_object_set_new(summary, "notes",
			    json_integer((json_int_t)counts[REVIEW_SEV_NOTE]));
	json_object_set_new(summary, "filtered_out",
			    json_integer((json_int_t)r->filtered_out));
	json_object_set_new(summary, "structure_skipped",
			    json_integer((json_int_t)r->structure_skipped));
	json_object_set_new(summary, "rules",
			    json_integer((json_int_t)r->rules_active));
	json_object_set_new(summary, "tool_errors",
			    json_integer((json_int_t)r->nr_tool_errors));
	json_object_set_new(summary, "elapsed_ms", json_integer(r->elapsed_ms));
	json_object_set_new(root, "summary", summary);
	jsonutil_dump(out, root, 2);
	json_decref(root);
}

/* ---- SARIF 2.1.0 ---- */

static const char *review_report_sarif_level(enum review_severity sev)
{
	switch (sev) {
	case REVIEW_SEV_ERROR: return "error";
	case REVIEW_SEV_WARNING: return "warning";
	default: return "note";
	}
}

/* SARIF artifact URIs are relative references: percent-encode what must be. */
static json_t *review_report_sarif_uri(const char *path)
{
	struct buf b = BUF_INIT;
	const unsigned char *p;
	json_t *j;

	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
			buf_putc(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	j = json_stringn(b.ptr, b.len);
	buf_release(&b);
	return j;
}


/* The first sentence of `s`, at most `max` bytes, into `out`. */
static void review_report_first_sentence(struct buf *out, const char *s,
					 size_t max)
{
	const char *dot = strstr(s, ". ");
	size_t n = dot ? (size_t)(dot - s) : strlen(s);

	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	buf_add(out, s, n);
	if (!dot && n && s[n - 1] == '.' && !s[n])
		buf_truncate(out, out->len - 1);
}

static json_t *review_report_sarif_text(const char *text, const char *md)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", jsonutil_string(text));
	if (md)
		json_object_set_new(o, "markdown", jsonutil_string(md));
	return o;
}

/* A markdown code block holding `code`, fenced so that it cannot end it. */
static void review_report_md_code(struct buf *out, const char *code)
{
	const char *fence = strstr(code, "```") ? "~~~~" : "```";

	buf_printf(out, "%s\n%s\n%s\n", fence, code, fence);
}

/*
 * A reportingDescriptor for the rule of `f`: from the rule metadata when
 * there is some, else a description of where the finding came from.
 */
static json_t *review_report_sarif_rule(const struct review_result *r,
					const struct review_finding *f)
{
	const struct review_rule_info *ri = review_result_rule(r, f->rule_id);
	const char *linter = review_report_linter(f);
	struct buf shrt = BUF_INIT, full = BUF_INIT, help = BUF_INIT,
		   md = BUF_INIT;
	json_t *rule = json_object(), *cfg = json_object(),
	       *tags = json_array();
	enum review_severity level = f->severity;

	json_object_set_new(rule, "id", jsonutil_string(f->rule_id));
	if (ri) {
		const char *what =
		    ri->filename_rule ? "the path of every file the change adds"
		    : ri->query_rule
			? "the syntax tree of every reviewed file"
			: "the changed lines of every reviewed file";
		const char *how = ri->query_rule ? "tree-sitter query"
						 : "PCRE2 pattern";

		level = ri->severity;
		review_report_first_sentence(&shrt, ri->message, 120);
		buf_puts(&full, ri->message);
		buf_printf(&help, "%s\n\nRule %s%s%s%s checks %s against a "
			   "%s:\n    %s\nLanguages: %s. Paths: %s. "
			   "Default severity: %s.\nTo turn it off, list its id "
			   "or its pack under checks.disable in .tend.yml.",
			   ri->message, ri->id, ri->pack ? " (pack " : "",
			   ri->pack ? ri->pack : "", ri->pack ? ")" : "",
			   what, how, ri->pattern ? ri->pattern : "",
			   ri->languages ? ri->languages : "any",
			   ri->paths ? ri->paths : "any",
			   review_severity_name(ri->severity));
		buf_printf(&md, "%s\n\n**Rule** `%s`%s%s%s checks %s against "
			   "this %s:\n\n", ri->message, ri->id,
			   ri->pack ? " (pack `" : "", ri->pack ? ri->pack : "",
			   ri->pack ? "`)" : "", what, how);
		review_report_md_code(&md, ri->pattern ? ri->pattern : "");
		buf_printf(&md,
			   "\n**Languages:** %s. **Paths:** %s. "
			   "**Default severity:** %s.\n\nTo turn it off, list "
			   "its id or its pack under `checks.disable` in "
			   "`.tend.yml`.",
			   ri->languages ? ri->languages : "any",
			   ri->paths ? ri->paths : "any",
			   review_severity_name(ri->severity));
		json_array_append_new(tags, jsonutil_string(
					      ri->pack ? ri->pack : "rules"));
	} else if (linter) {
		size_t n = strlen(linter);
		const char *code = !strncmp(f->rule_id, linter, n) &&
				   f->rule_id[n] == '/' ? f->rule_id + n + 1
							: NULL;

		buf_printf(&shrt, "%s: %s", linter, code ? code : "finding");
		buf_printf(&full, "A finding of the external linter '%s'",
			   linter);
		if (code)
			buf_printf(&full, " under its rule '%s'", code);
		buf_puts(&full, ".");
		buf_printf(&help, "tend ran the linter '%s' (checks.linters in "
			   ".tend.yml) and read this result from its output. "
			   "See the linter's documentation%s%s%s for what it "
			   "checks; configure or silence it in the linter "
			   "itself.", linter, code ? " of '" : "",
			   code ? code : "", code ? "'" : "");
		json_array_append_new(tags, json_string("linter"));
	} else {
		const char *src = f->source ? f->source : "";

		buf_puts(&shrt, f->rule_id);
		if (!strncmp(src, "agent:", 6))
			buf_printf(&full, "A finding of the review agent '%s'",
				   src + 6);
		else if (!strcmp(src, "structure"))
			buf_puts(&full, "A finding of tend's structural "
				 "(syntax tree) checks");
		else
			buf_puts(&full, "A finding of tend's checks");
		buf_printf(&full, ", reported under the id '%s'.", f->rule_id);
		buf_printf(&help, "%s Each result's message says what was "
			   "found and why it matters. 'tend rules' lists "
			   "the checks a review runs.", full.ptr);
		json_array_append_new(tags, jsonutil_string(
					      *src ? src : "tend"));
	}
	json_object_set_new(rule, "shortDescription",
			    review_report_sarif_text(shrt.ptr, NULL));
	json_object_set_new(rule, "fullDescription",
			    review_report_sarif_text(full.ptr, NULL));
	json_object_set_new(rule, "help", review_report_sarif_text(
				    help.ptr, md.len ? md.ptr : NULL));
	json_object_set_new(cfg, "level", json_string(
		review_report_sarif_level(level)));
	json_object_set_new(rule, "defaultConfiguration", cfg);
	json_object_set_new(rule, "properties", json_pack("{s:o}", "tags",
							  tags));
	buf_release(&shrt);
	buf_release(&full);
	buf_release(&help);
	buf_release(&md);
	return rule;
}

static json_t *review_report_sarif_result(const struct review_finding *f,
					  json_t *idx)
{
	json_t *res = json_object(), *loc = json_object(),
	       *phys = json_object(), *art = json_object(),
	       *region = json_object();

	json_object_set_new(res, "ruleId", jsonutil_string(f->rule_id));
	json_object_set(res, "ruleIndex", idx);
	json_object_set_new(res, "level", json_string(
		review_report_sarif_level(f->severity)));
	json_object_set_new(res, "message", review_report_sarif_text(
				    review_report_message(f), NULL));
	json_object_set_new(art, "uri", review_report_sarif_uri(f->path));
	json_object_set_new(art, "uriBaseId", json_string("%SRCROOT%"));
	json_object_set_new(phys, "artifactLocation", art);
	/* A whole-file finding points at line 1: GitHub wants a region. */
	json_object_set_new(region, "startLine",
			    json_integer(f->line ? f->line : 1));
	if (f->line && f->end_line > f->line)
		json_object_set_new(region, "endLine",
				    json_integer(f->end_line));
	if (f->line && f->col)
		json_object_set_new(region, "startColumn",
				    json_integer(f->col));
	if (f->line && f->end_col && (f->end_line > f->line ||
				      f->end_col > f->col))
		json_object_set_new(region, "endColumn",
				    json_integer(f->end_col));
	json_object_set_new(phys, "region", region);
	json_object_set_new(loc, "physicalLocation", phys);
	json_object_set_new(res, "locations", json_pack("[o]", loc));
	if (f->fingerprint)
		json_object_set_new(res, "partialFingerprints",
				    json_pack("{s:o}", "tend/v1",
					      jsonutil_string(f->fingerprint)));
	return res;
}

static void review_report_sarif(struct buf *out, const struct review_result *r)
{
	json_t *root = json_object(), *run = json_object(),
	       *driver = json_object(), *rules = json_array(),
	       *results = json_array(), *index = json_object(),
	       *inv = json_object(), *notes = json_array();
	size_t i;

	json_object_set_new(root, "$schema", json_string(
		"https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_object_set_new(driver, "name", json_string("tend"));
	json_object_set_new(driver, "semanticVersion",
			    json_string(TEND_VERSION));

	for (i = 0; i < r->findings.nr; i++) {
		const struct review_finding *f = &r->findings.items[i];
		json_t *idx = json_object_get(index, f->rule_id);

		if (!idx) {
			idx = json_integer((json_int_t)json_array_size(rules));
			json_object_set_new(index, f->rule_id, idx);
			json_array_append_new(rules,
					      review_report_sarif_rule(r, f));
		}
		json_array_append_new(results,
				      review_report_sarif_result(f, idx));
	}
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(run, "tool", json_pack("{s:o}", "driver", driver));
	json_object_set_new(run, "results", results);
	json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));

	/* tend itself ran to the end; the checks that failed say so here. */
	json_object_set_new(inv, "executionSuccessful", json_true());
	for (i = 0; i < r->nr_tool_errors; i++) {
		const struct review_tool_error *te = &r->tool_errors[i];
		struct buf m = BUF_INIT;

		buf_printf(&m, "the check '%s' did not run to the end: %s; the "
			   "review went on without it", te->tool, te->message);
		json_array_append_new(notes, json_pack(
			"{s:s,s:o}", "level", "error", "message",
			review_report_sarif_text(m.ptr, NULL)));
		buf_release(&m);
	}
	if (json_array_size(notes))
		json_object_set(inv, "toolExecutionNotifications", notes);
	json_decref(notes);
	json_object_set_new(run, "invocations", json_pack("[o]", inv));
	json_object_set_new(root, "runs", json_pack("[o]", run));
	jsonutil_dump(out, root, 2);
	json_decref(index);
	json_decref(root);
}

/* ---- GitLab Code Quality ---- */

static const char *review_report_cq_severity(const struct review_result *r,
					     const struct review_finding *f)
{
	const struct review_rule_info *ri;

	switch (f->severity) {
	case REVIEW_SEV_ERROR:
		ri = review_result_rule(r, f->rule_id);
		if ((ri && ri->pack && !strcmp(ri->pack, "secrets")) ||
		    (f->rule_id && !strncmp(f->rule_id, "secrets/", 8)))
			return "blocker";
		return "critical";
	case REVIEW_SEV_WARNING:
		return "minor";
	default:
		return "info";
	}
}

static void review_report_codequality(struct buf *out,
				      const struct review_result *r)
{
	json_t *root = json_array(), *seen = json_object();
	size_t i;

	for (i = 0; i < r->findings.nr; i++) {
		const struct review_finding *f = &r->findings.items[i];
		json_t *o, *loc;
		struct buf key = BUF_INIT;
		char fp[33];
		unsigned n;

		/* GitLab drops entries without a repository-relative path. */
		if (!f->path || !*f->path || f->path[0] == '/')
			continue;
		if (f->fingerprint) {
			buf_puts(&key, f->fingerprint);
		} else {
			struct buf k = BUF_INIT;

			buf_printf(&k, "%s%c%s%c%s%c%u", f->rule_id, 0, f->path,
				   0, review_report_message(f), 0, f->line);
			review_report_hash(fp, k.ptr, k.len);
			buf_puts(&key, fp);
			buf_release(&k);
		}
		/* Unique, and still stable: the n-th repeat hashes with n. */
		for (n = 2; json_object_get(seen, key.ptr); n++) {
			struct buf k = BUF_INIT;

			buf_printf(&k, "%s#%u", f->fingerprint ? f->fingerprint
							       : fp, n);
			review_report_hash(fp, k.ptr, k.len);
			buf_sets(&key, fp);
			buf_release(&k);
		}
		json_object_set_new(seen, key.ptr, json_true());

		o = json_object();
		json_object_set_new(o, "description", jsonutil_string(
					    review_report_message(f)));
		json_object_set_new(o, "check_name",
				    jsonutil_string(f->rule_id));
		json_object_set_new(o, "fingerprint", json_string(key.ptr));
		json_object_set_new(o, "severity", json_string(
			review_report_cq_severity(r, f)));
		loc = json_object();
		json_object_set_new(loc, "path", jsonutil_string(f->path));
		json_object_set_new(
		    loc, "lines",
		    json_pack("{s:I,s:I}", "begin",
			      (json_int_t)(f->line ? f->line : 1), "end",
			      (json_int_t)(f->line ? f->end_line : 1)));
		json_object_set_new(o, "location", loc);
		json_array_append_new(root, o);
		buf_release(&key);
	}
	jsonutil_dump(out, root, 2);
	json_decref(seen);
	json_decref(root);
}

/* ---- rdjson (reviewdog Diagnostic Result) ---- */

static json_t *review_report_rd_pos(uint32_t line, uint32_t col)
{
	json_t *o = json_object();

	json_object_set_new(o, "line", json_integer(line));
	if (col)
		json_object_set_new(o, "column", json_integer(col));
	return o;
}

static void review_report_rdjson(struct buf *out,
				 const struct review_result *r)
{
	json_t *root = json_object(), *diags = json_array();
	size_t i;

	json_object_set_new(root, "source", json_pack("{s:s}", "name", "tend"));
	for (i = 0; i < r->findings.nr; i++) {
		const struct review_finding *f = &r->findings.items[i];
		json_t *d = json_object(), *loc = json_object(), *range;
		const char *sev = f->severity == REVIEW_SEV_ERROR ? "ERROR" :
				  f->severity == REVIEW_SEV_WARNING ? "WARNING"
								    : "INFO";

		json_object_set_new(d, "message", jsonutil_string(
					    review_report_message(f)));
		json_object_set_new(loc, "path", jsonutil_string(f->path));
		if (f->line) {
			range = json_object();
			json_object_set_new(
			    range, "start",
			    review_report_rd_pos(f->line, f->col));
			json_object_set_new(range, "end", review_report_rd_pos(
				f->end_line, f->end_col));
			json_object_set_new(loc, "range", range);
		}
		json_object_set_new(d, "location", loc);
		json_object_set_new(d, "severity", json_string(sev));
		if (f->source)
			json_object_set_new(d, "source", json_pack(
				"{s:o}", "name", jsonutil_string(f->source)));
		json_object_set_new(d, "code", json_pack(
			"{s:o}", "value", jsonutil_string(f->rule_id)));
		if (f->suggestion && f->line) {
			/* Whole lines: [line:1, end_line+1:1) */
			struct buf t = BUF_INIT;
			json_t *s = json_object(), *sr = json_object();

			buf_printf(&t, "%s\n", f->suggestion);
			json_object_set_new(sr, "start",
					    review_report_rd_pos(f->line, 1));
			json_object_set_new(sr, "end", review_report_rd_pos(
				f->end_line + 1, 1));
			json_object_set_new(s, "range", sr);
			json_object_set_new(s, "text",
					    jsonutil_stringn(t.ptr, t.len));
			json_object_set_new(d, "suggestions",
					    json_pack("[o]", s));
			buf_release(&t);
		}
		json_array_append_new(diags, d);
	}
	json_object_set_new(root, "diagnostics", diags);
	jsonutil_dump(out, root, 2);
	json_decref(root);
}

/* ---- GitHub workflow commands ---- */

/* Escape for a workflow command: data, or (`prop`) a property value. */
static void review_report_gh_escape(struct buf *out, const char *s, int prop)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': buf_puts(out, "%25"); break;
		case '\r': buf_puts(out, "%0D"); break;
		case '\n': buf_puts(out, "%0A"); break;
		case ':':
			buf_puts(out, prop ? "%3A" : ":");
			break;
		case ',':
			buf_puts(out, prop ? "%2C" : ",");
			break;
		default:
			buf_putc(out, *s);
			break;
		}
	}
}

static void review_report_github(struct buf *out,
				 const struct review_result *r)
{
	static const char *const kinds[4] = {
		"notice", "notice", "warning", "error"
	};
	size_t shown[4] = { 0 }, hidden[4] = { 0 }, counts[4], i;
	size_t max = REVIEW_GITHUB_MAX_ANNOTATIONS, skipped;

	/* Checks that failed first: they say the review is incomplete. */
	for (i = 0; i < r->nr_tool_errors; i++) {
		const struct review_tool_error *te = &r->tool_errors[i];
		struct buf m = BUF_INIT;

		if (shown[REVIEW_SEV_ERROR] >= max) {
			hidden[REVIEW_SEV_ERROR]++;
			continue;
		}
		shown[REVIEW_SEV_ERROR]++;
		buf_puts(out, "::error title=");
		buf_printf(&m, "tend: %s failed", te->tool);
		review_report_gh_escape(out, m.ptr, 1);
		buf_reset(&m);
		buf_printf(&m, "the check '%s' did not run to the end: %s; the "
			   "review went on without it", te->tool, te->message);
		buf_puts(out, "::");
		review_report_gh_escape(out, m.ptr, 0);
		buf_putc(out, '\n');
		buf_release(&m);
	}
	for (i = 0; i < r->findings.nr; i++) {
		const struct review_finding *f = &r->findings.items[i];
		int k = f->severity & 3;

		if (k == REVIEW_SEV_NONE)
			k = REVIEW_SEV_NOTE;
		if (shown[k] >= max) {
			hidden[k]++;
			continue;
		}
		shown[k]++;
		buf_printf(out, "::%s file=", kinds[k]);
		review_report_gh_escape(out, f->path, 1);
		if (f->line) {
			buf_printf(out, ",line=%u", f->line);
			if (f->end_line > f->line)
				buf_printf(out, ",endLine=%u", f->end_line);
			if (f->col)
				buf_printf(out, ",col=%u", f->col);
			if (f->col && f->end_col > f->col &&
			    f->end_line == f->line)
				buf_printf(out, ",endColumn=%u", f->end_col);
		}
		buf_puts(out, ",title=");
		review_report_gh_escape(out, f->rule_id, 1);
		buf_puts(out, "::");
		review_report_gh_escape(out, review_report_message(f), 0);
		buf_putc(out, '\n');
	}
	if (hidden[REVIEW_SEV_NOTE])
		buf_printf(
		    out,
		    "tend: %zu more error%s, %zu more warning%s and "
		    "%zu more notice%s not shown as annotations; see the "
		    "report\n",
		    hidden[REVIEW_SEV_ERROR],
		    hidden[REVIEW_SEV_ERROR] == 1 ? "" : "s",
		    hidden[REVIEW_SEV_WARNING],
		    hidden[REVIEW_SEV_WARNING] == 1 ? "" : "s",
		    hidden[REVIEW_SEV_NOTE],
		    hidden[REVIEW_SEV_NOTE] == 1 ? "" : "s");
	else if (hidden[REVIEW_SEV_ERROR] || hidden[REVIEW_SEV_WARNING])
		buf_printf(out, "tend: %zu more error%s and %zu more warning%s "
			   "not shown as annotations; see the report\n",
			   hidden[REVIEW_SEV_ERROR],
			   hidden[REVIEW_SEV_ERROR] == 1 ? "" : "s",
			   hidden[REVIEW_SEV_WARNING],
			   hidden[REVIEW_SEV_WARNING] == 1 ? "" : "s");
	review_result_count(r, counts);
	skipped = r->nr_files - review_result_reviewed(r);
	buf_printf(out, "tend: reviewed %zu of %zu changed file%s",
		   review_result_reviewed(r), r->nr_files,
		   r->nr_files == 1 ? "" : "s");
	if (skipped)
		buf_printf(out, " (%zu skipped)", skipped);
	buf_printf(
	    out,
	    "; %zu finding%s: %zu error%s, %zu warning%s, %zu "
	    "note%s",
	    r->findings.nr, r->findings.nr == 1 ? "" : "s",
	    counts[REVIEW_SEV_ERROR], counts[REVIEW_SEV_ERROR] == 1 ? "" : "s",
	    counts[REVIEW_SEV_WARNING],
	    counts[REVIEW_SEV_WARNING] == 1 ? "" : "s", counts[REVIEW_SEV_NOTE],
	    counts[REVIEW_SEV_NOTE] == 1 ? "" : "s");
	if (r->nr_tool_errors)
		buf_printf(out, "; %zu check%s failed to run",
			   r->nr_tool_errors,
			   r->nr_tool_errors == 1 ? "" : "s");
	buf_putc(out, '\n');
}

/* ---- markdown ---- */

#define REVIEW_MD_CELL 300	/* most bytes of one table cell's text */
#define REVIEW_MD_SKIPPED 50	/* skipped files listed by name */
#define REVIEW_MD_TOOLS 20	/* tool errors listed */

/*
 * Untrusted text inside markdown: one line, no HTML, no markup, no table
 * breaks, no @-mentions (a zero-width space follows every '@'), cut at
 * `max` bytes on a character boundary.
 */
void review_report_md_text(struct buf *out, const char *s, size_t max)
{
	struct buf masked = BUF_INIT;
	size_t n, i;
	int cut = 0;

	/* mask before the cut, which could leave a secret unrecognisable */
	review_report_mask(&masked, s, strlen(s));
	s = masked.ptr;
	n = masked.len;
	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = 1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			buf_putc(out, ' ');
		else if (c == '<')
			buf_puts(out, "&lt;");
		else if (c == '>')
			buf_puts(out, "&gt;");
		else if (c == '&')
			buf_puts(out, "&amp;");
		else if (c == '@')
			buf_puts(out, "@\xe2\x80\x8b");
		else if (strchr("\\`*_[]|~", c))
			buf_printf(out, "\\%c", c);
		else
			buf_putc(out, c);
	}
	if (cut)
		buf_puts(out, "\xe2\x80\xa6");	/* … */
	buf_release(&masked);
}

static void review_report_markdown(struct buf *out,
				   const struct review_result *r)
{
	struct buf head = BUF_INIT, table = BUF_INIT, files = BUF_INIT,
		   tools = BUF_INIT, row = BUF_INIT;
	size_t i, counts[4], failing = 0, listed = 0, rows = 0, budget;
	size_t skipped = r->nr_files - review_result_reviewed(r);

	review_result_count(r, counts);
	for (i = 0; i < r->findings.nr; i++)
		failing += r->fail_level != REVIEW_SEV_NONE &&
			   r->findings.items[i].severity >= r->fail_level;

	buf_puts(&head, "### tend review\n\n");
	if (r->fail_level == REVIEW_SEV_NONE)
		buf_puts(&head, ":information_source: Fail level `none`: "
			 "this review does not fail.\n\n");
	else if (failing || r->nr_tool_errors) {
		buf_printf(&head, ":x: **%zu finding%s at or above the fail "
			   "level (`%s`)", failing, failing == 1 ? "" : "s",
			   review_severity_name(r->fail_level));
		if (r->nr_tool_errors)
			buf_printf(&head, " and %zu check%s that failed to run",
				   r->nr_tool_errors,
				   r->nr_tool_errors == 1 ? "" : "s");
		buf_puts(&head, "**\n\n");
	}
	else
		buf_printf(&head, ":white_check_mark: **Nothing at or above "
			   "the fail level (`%s`)**\n\n",
			   review_severity_name(r->fail_level));
	buf_printf(
	    &head,
	    "%zu finding%s: %zu error%s, %zu warning%s, %zu "
	    "note%s. Reviewed %zu of %zu changed file%s (`%.12s..%.12s`,"
	    " filter `%s`).",
	    r->findings.nr, r->findings.nr == 1 ? "" : "s",
	    counts[REVIEW_SEV_ERROR], counts[REVIEW_SEV_ERROR] == 1 ? "" : "s",
	    counts[REVIEW_SEV_WARNING],
	    counts[REVIEW_SEV_WARNING] == 1 ? "" : "s", counts[REVIEW_SEV_NOTE],
	    counts[REVIEW_SEV_NOTE] == 1 ? "" : "s", review_result_reviewed(r),
	    r->nr_files, r->nr_files == 1 ? "" : "s", r->base_oid, r->head_oid,
	    review_filter_mode_name(r->filter));
	if (r->filtered_out)
		buf_printf(&head, " %zu finding%s outside the diff filter "
			   "%s left out.", r->filtered_out,
			   r->filtered_out == 1 ? "" : "s",
			   r->filtered_out == 1 ? "was" : "were");
	if (r->structure_skipped)
		buf_printf(&head, " Structural checks were skipped for %zu "
			   "file%s: too large to parse, or the %ld MB parse "
			   "budget (`checks.structure_max_mb`) was spent.",
			   r->structure_skipped,
			   r->structure_skipped == 1 ? "" : "s",
			   r->structure_budget_mb);
	buf_puts(&head, "\n");

	/* Files: what was not looked at is always said. */
	buf_printf(&files, "\n#### Files\n\nReviewed %zu of %zu changed "
		   "file%s; %zu skipped.\n", review_result_reviewed(r),
		   r->nr_files, r->nr_files == 1 ? "" : "s", skipped);
	if (skipped)
		buf_puts(&files, "\n");
	for (i = 0; i < r->nr_files; i++) {
		const struct review_file_entry *e = &r->files[i];

		if (e->skip == REVIEW_SKIP_NONE)
			continue;
		if (listed++ >= REVIEW_MD_SKIPPED)
			continue;
		buf_puts(&files, "- ");
		review_report_md_text(&files, e->file->path, REVIEW_MD_CELL);
		buf_printf(&files, ": %s", review_skip_name(e->skip));
		if (e->detail) {
			buf_puts(&files, " (");
			review_report_md_text(&files, e->detail,
					      REVIEW_MD_CELL);
			buf_puts(&files, ")");
		}
		buf_puts(&files, "\n");
	}
	if (listed > REVIEW_MD_SKIPPED)
		buf_printf(&files, "- and %zu more skipped files; see the full "
			   "report\n", listed - REVIEW_MD_SKIPPED);

	if (r->nr_tool_errors) {
		buf_puts(&tools, "\n#### Tool errors\n\nThe review went on "
			 "without these checks:\n\n");
		for (i = 0; i < r->nr_tool_errors && i < REVIEW_MD_TOOLS; i++) {
			buf_puts(&tools, "- **");
			review_report_md_text(&tools, r->tool_errors[i].tool,
					      100);
			buf_puts(&tools, "**: ");
			review_report_md_text(&tools, r->tool_errors[i].message,
					      REVIEW_MD_CELL);
			buf_puts(&tools, "\n");
		}
		if (r->nr_tool_errors > REVIEW_MD_TOOLS)
			buf_printf(&tools, "- and %zu more; see the full "
				   "report\n", r->nr_tool_errors -
				   REVIEW_MD_TOOLS);
	}

	/* The table gets what is left of the budget, minus room for a note. */
	budget = REVIEW_MARKDOWN_MAX;
	budget -= head.len + files.len + tools.len + 200 < budget ?
		  head.len + files.len + tools.len + 200 : budget;
	if (r->findings.nr)
		buf_puts(&table, "\n| Location | Severity | Rule | Message |\n"
			 "| --- | --- | --- | --- |\n");
	for (i = 0; i < r->findings.nr; i++) {
		const struct review_finding *f = &r->findings.items[i];

		buf_reset(&row);
		buf_puts(&row, "| ");
		review_report_md_text(&row, f->path, REVIEW_MD_CELL);
		if (f->line) {
			buf_printf(&row, ":%u", f->line);
			if (f->end_line > f->line)
				buf_printf(&row, "-%u", f->end_line);
		}
		buf_printf(&row, " | %s | ", review_severity_name(f->severity));
		review_report_md_text(&row, f->rule_id, REVIEW_MD_CELL);
		buf_puts(&row, " | ");
		review_report_md_text(&row, review_report_message(f),
				      REVIEW_MD_CELL);
		buf_puts(&row, " |\n");
		if (table.len + row.len > budget)
			break;
		buf_add(&table, row.ptr, row.len);
		rows++;
	}
	if (rows < r->findings.nr)
		buf_printf(&table, "\n_%zu more finding%s not shown here to "
			   "stay within the comment size limit; see the full "
			   "report._\n", r->findings.nr - rows,
			   r->findings.nr - rows == 1 ? "" : "s");

	buf_add(out, head.ptr, head.len);
	buf_add(out, table.ptr, table.len);
	buf_add(out, files.ptr, files.len);
	buf_add(out, tools.ptr, tools.len);
	if (r->agents_md)
		buf_printf(out, "\n%s", r->agents_md);
	buf_release(&head);
	buf_release(&table);
	buf_release(&files);
	buf_release(&tools);
	buf_release(&row);
}

void review_report_write(struct buf *out, const struct review_result *in,
			 enum review_format fmt, int color)
{
	struct review_result masked = *in;
	const struct review_result *r = &masked;

	review_report_mask_result(&masked, 1);
	switch (fmt) {
	case REVIEW_FORMAT_JSON:
		review_report_json(out, r);
		break;
	case REVIEW_FORMAT_SARIF:
		review_report_sarif(out, r);
		break;
	case REVIEW_FORMAT_MARKDOWN:
		review_report_markdown(out, r);
		break;
	case REVIEW_FORMAT_CODEQUALITY:
		review_report_codequality(out, r);
		break;
	case REVIEW_FORMAT_RDJSON:
		review_report_rdjson(out, r);
		break;
	case REVIEW_FORMAT_GITHUB:
		review_report_github(out, r);
		break;
	default:
		review_report_text(out, r, color);
		break;
	}
	review_report_unmasked(&masked);
}
