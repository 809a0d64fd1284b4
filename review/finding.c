/*
 * finding.c - the list of findings every check produces: append, sort and
 * dedupe, filter, severities, and fingerprints that survive unrelated edits.
 *
 * This file knows nothing about where findings come from or how they are
 * printed; rule packs, linters and agents fill the list, the output formats
 * read it.
 *
 * Fingerprints are two 64-bit FNV-1a hashes with different offset bases over
 * the same bytes, printed as 32 hex digits. FNV is not a cryptographic hash;
 * it does not need to be: a fingerprint only has to be stable across runs and
 * machines and rarely collide among the few thousand findings of one change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "review/finding.h"

void review_findings_init(struct review_findings *list)
{
	list->items = NULL;
	list->nr = 0;
	list->alloc = 0;
}

static void review_finding_release(struct review_finding *f)
{
	free(f->path);
	free(f->rule_id);
	free(f->message);
	free(f->source);
	free(f->model);
	free(f->size);
	free(f->snippet);
	free(f->suggestion);
	free(f->fingerprint);
	memset(f, 0, sizeof(*f));
}

void review_findings_release(struct review_findings *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		review_finding_release(&list->items[i]);
	free(list->items);
	review_findings_init(list);
}

struct review_finding *review_findings_add(struct review_findings *list,
					   const struct review_finding *f)
{
	struct review_finding *n;

	ALLOC_GROW(list->items, list->nr, list->alloc);
	n = &list->items[list->nr++];
	*n = *f;
	if (n->end_line < n->line)
		n->end_line = n->line;
	n->path = xstrdup_or_null(f->path);
	n->rule_id = xstrdup_or_null(f->rule_id);
	n->message = xstrdup_or_null(f->message);
	n->source = xstrdup_or_null(f->source);
	n->snippet = xstrdup_or_null(f->snippet);
	n->suggestion = xstrdup_or_null(f->suggestion);
	n->fingerprint = xstrdup_or_null(f->fingerprint);
	n->model = xstrdup_or_null(f->model);
	n->size = xstrdup_or_null(f->size);
	n->cost_usd = f->cost_usd;
	return n;
}

/* strcmp that orders NULL before every string. */
static int review_finding_strcmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int review_finding_ucmp(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

/*
 * The six fields that make two findings "the same" come first, in the order
 * the header promises (path, line, column, rule id), so duplicates end up
 * next to each other. The rest only make the order total, so the output does
 * not depend on qsort's instability; among duplicates the most severe one,
 * and one with a suggestion, comes first and is the one kept.
 */
static int review_finding_cmp(const void *va, const void *vb)
{
	const struct review_finding *a = va, *b = vb;
	int c;

	if ((c = review_finding_strcmp(a->path, b->path)))
		return c;
	if ((c = review_finding_ucmp(a->line, b->line)))
		return c;
	if ((c = review_finding_ucmp(a->col, b->col)))
		return c;
	if ((c = review_finding_strcmp(a->rule_id, b->rule_id)))
		return c;
	if ((c = review_finding_ucmp(a->end_line, b->end_line)))
		return c;
	if ((c = review_finding_strcmp(a->message, b->message)))
		return c;
	if ((c = review_finding_ucmp(b->severity, a->severity)))
		return c;
	if ((c = review_finding_strcmp(b->suggestion, a->suggestion)))
		return c;
	if ((c = review_finding_ucmp(a->end_col, b->end_col)))
		return c;
	if ((c = review_finding_strcmp(a->source, b->source)))
		return c;
	if ((c = review_finding_strcmp(a->snippet, b->snippet)))
		return c;
	return review_finding_strcmp(a->fingerprint, b->fingerprint);
}

static int review_finding_same(const struct review_finding *a,
			       const struct review_finding *b)
{
	return !review_finding_strcmp(a->path, b->path) &&
	       a->line == b->line && a->end_line == b->end_line &&
	       a->col == b->col &&
	       !review_finding_strcmp(a->rule_id, b->rule_id) &&
	       !review_finding_strcmp(a->message, b->message);
}

void review_findings_sort(struct review_findings *list)
{
	size_t i, kept;

	if (list->nr < 2)
		return;
	qsort(list->items, list->nr, sizeof(*list->items),
	      review_finding_cmp);
	kept = 1;
	for (i = 1; i < list->nr; i++) {
		if (review_finding_same(&list->items[kept - 1],
					&list->items[i])) {
			review_finding_release(&list->items[i]);
			continue;
		}
		if (kept != i)
			list->items[kept] = list->items[i];
		kept++;
	}
	list->nr = kept;
}

void review_findings_filter(struct review_findings *list,
			    int (*keep)(const struct review_finding *, void *),
			    void *data)
{
	size_t i, kept = 0;

	for (i = 0; i < list->nr; i++) {
		if (!keep(&list->items[i], data)) {
			review_finding_release(&list->items[i]);
			continue;
		}
		if (kept != i)
			list->items[kept] = list->items[i];
		kept++;
	}
	list->nr = kept;
}

enum review_severity review_findings_max(const struct review_findings *list)
{
	enum review_severity max = REVIEW_SEV_NONE;
	size_t i;

	for (i = 0; i < list->nr; i++)
		if (list->items[i].severity > max)
			max = list->items[i].severity;
	return max;
}

static const char *const review_severity_names[] = {
	[REVIEW_SEV_NONE] = "none",
	[REVIEW_SEV_NOTE] = "note",
	[REVIEW_SEV_WARNING] = "warning",
	[REVIEW_SEV_ERROR] = "error",
};

const char *review_severity_name(enum review_severity sev)
{
	if ((unsigned)sev > REVIEW_SEV_ERROR)
		return "none";
	return review_severity_names[sev];
}

int review_severity_parse(enum review_severity *out, const char *name)
{
	size_t i;

	if (!name)
		return TEND_EINVALID;
	for (i = 0; i <= REVIEW_SEV_ERROR; i++) {
		if (!strcmp(name, review_severity_names[i])) {
			*out = (enum review_severity)i;
			return 0;
		}
	}
	return TEND_EINVALID;
}

/* Fingerprints. */

#define REVIEW_FNV_PRIME 0x100000001b3ULL
#define REVIEW_FNV_BASIS_A 0xcbf29ce484222325ULL	/* the standard basis */
#define REVIEW_FNV_BASIS_B 0x84222325cbf29ce4ULL	/* its halves swapped */

struct review_fphash {
	uint64_t a, b;
};

static void review_fphash_init(struct review_fphash *h)
{
	h->a = REVIEW_FNV_BASIS_A;
	h->b = REVIEW_FNV_BASIS_B;
}

static void review_fphash_byte(struct review_fphash *h, unsigned char c)
{
	h->a = (h->a ^ c) * REVIEW_FNV_PRIME;
	h->b = (h->b ^ c) * REVIEW_FNV_PRIME;
}

/* A field and then a NUL, so ("ab", "c") and ("a", "bc") differ. */
static void review_fphash_str(struct review_fphash *h, const char *s)
{
	if (s)
		while (*s)
			review_fphash_byte(h, (unsigned char)*s++);
	review_fphash_byte(h, 0);
}

static int review_fp_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\f' || c == '\v';
}

/*
 * Hash the line text with leading and trailing white space dropped and every
 * run inside collapsed to one space, so re-indenting keeps the fingerprint.
 */
static void review_fphash_text(struct review_fphash *h, const char *s,
			       size_t len)
{
	size_t i;
	int pending = 0, started = 0;

	for (i = 0; s && i < len; i++) {
		if (review_fp_space(s[i])) {
			pending = started;
			continue;
		}
		if (pending)
			review_fphash_byte(h, ' ');
		pending = 0;
		started = 1;
		review_fphash_byte(h, (unsigned char)s[i]);
	}
	review_fphash_byte(h, 0);
}

struct review_fp_item {
	struct review_fphash key;	/* rule id, path, text */
	uint32_t line, col;
	size_t index;
};

static int review_fp_item_cmp(const void *va, const void *vb)
{
	const struct review_fp_item *a = va, *b = vb;

	if (a->key.a != b->key.a)
		return a->key.a < b->key.a ? -1 : 1;
	if (a->key.b != b->key.b)
		return a->key.b < b->key.b ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

/*
 * "Earlier" for the occurrence number means earlier in the file (line, then
 * column), not earlier in the list, so the result does not depend on the
 * order checks appended their findings. When `line_text` is NULL or returns
 * NULL, the finding's snippet stands in for the line text.
 */
void review_findings_fingerprint(struct review_findings *list,
				 const char *(*line_text)(
					 const struct review_finding *f,
					 size_t *len, void *data),
				 void *data)
{
	struct review_fp_item *items;
	size_t i, occurrence = 0;

	if (!list->nr)
		return;
	items = xcalloc(list->nr, sizeof(*items));
	for (i = 0; i < list->nr; i++) {
		const struct review_finding *f = &list->items[i];
		const char *text = NULL;
		size_t len = 0;

		if (line_text)
			text = line_text(f, &len, data);
		if (!text && f->snippet) {
			text = f->snippet;
			len = strlen(text);
		}
		review_fphash_init(&items[i].key);
		review_fphash_str(&items[i].key, f->rule_id);
		review_fphash_str(&items[i].key, f->path);
		review_fphash_text(&items[i].key, text, len);
		items[i].line = f->line;
		items[i].col = f->col;
		items[i].index = i;
	}
	qsort(items, list->nr, sizeof(*items), review_fp_item_cmp);

	for (i = 0; i < list->nr; i++) {
		struct review_fphash h = items[i].key;
		struct review_finding *f = &list->items[items[i].index];
		char num[32], hex[33];

		if (i && items[i].key.a == items[i - 1].key.a &&
		    items[i].key.b == items[i - 1].key.b)
			occurrence++;
		else
			occurrence = 0;
		snprintf(num, sizeof(num), "%zu", occurrence);
		review_fphash_str(&h, num);
		snprintf(hex, sizeof(hex), "%016llx%016llx",
			 (unsigned long long)h.a, (unsigned long long)h.b);
		free(f->fingerprint);
		f->fingerprint = xstrdup(hex);
	}
	free(items);
}
