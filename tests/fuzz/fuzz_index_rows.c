/*
 * fuzz_index_rows.c - libFuzzer target for what reads the index's rows
 * back (review/index.c): arbitrary bytes stored as files, blobs, chunks
 * and symbols rows of an in-memory index, then read through
 * review_index_query(), review_index_symbol() and review_index_related().
 *
 * The input is split at NUL bytes into fields: a path, a name, a kind,
 * chunk text, a symbol context (also the chunks' lengths, the `norms`
 * row) and a query; the bytes after the fifth
 * field's end pick line numbers, the definition flag and the blob's chunk
 * range, so the rows can be inconsistent with each other (lines out of
 * order or negative, ranges pointing nowhere). Everything read back must
 * be well formed (strings set, start <= end) and released.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/buf.h"
#include "review/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define FUZZ_URI "file:fuzz-index-rows?mode=memory&cache=shared"

static sqlite3 *fuzz_db;
static struct review_index *fuzz_idx;

static void fuzz_index_rows_setup(void)
{
	struct review_index_opts o = { 0 };

	o.path = FUZZ_URI;
	FUZZ_CHECK(review_index_open(&fuzz_idx, NULL, &o, NULL) == 0);
	FUZZ_CHECK(sqlite3_open_v2(FUZZ_URI, &fuzz_db, SQLITE_OPEN_READWRITE |
				   SQLITE_OPEN_URI, NULL) == SQLITE_OK);
}

static void fuzz_index_rows_exec(const char *sql, const char *const *f,
				 const size_t *len, const long long *n)
{
	sqlite3_stmt *st = NULL;
	int i, nr;

	FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db, sql, -1, &st, NULL) ==
		   SQLITE_OK);
	nr = sqlite3_bind_parameter_count(st);
	for (i = 1; i <= nr; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);

		/* ?1..?6 text fields, ?11..?16 numbers; the rest unused. */
		int k = name ? atoi(name + 1) : 0;

		if (k < 1 || (k > 6 && k < 11) || k > 16)
			continue;
		if (k >= 11)
			sqlite3_bind_int64(st, i, n[k - 11]);
		else
			sqlite3_bind_text(st, i, f[k - 1], (int)len[k - 1],
					  SQLITE_STATIC);
	}
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void fuzz_index_rows_hits(const struct review_index_hits *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++) {
		FUZZ_CHECK(h->items[i].path && h->items[i].kind &&
			   h->items[i].text);
		FUZZ_CHECK(h->items[i].start_line >= 1 &&
			   h->items[i].start_line <= h->items[i].end_line);
	}
}

static void fuzz_index_rows_syms(const struct review_index_symbols *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		FUZZ_CHECK(s->items[i].name && s->items[i].kind &&
			   s->items[i].path && s->items[i].context);
		FUZZ_CHECK(s->items[i].line >= 1 &&
			   s->items[i].line <= s->items[i].end_line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[6] = { "", "", "", "", "", "" };
	size_t len[6] = { 0 }, i, at = 0, k = 0;
	long long n[6] = { 0 };
	struct review_index_hits hits;
	struct review_index_symbols a, b;
	struct buf err = BUF_INIT;
	char *copy;

	if (!fuzz_db)
		fuzz_index_rows_setup();
	if (size > 8192)
		return 0;
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0; i <= size && k < 6; i++)
		if (i == size || !copy[i]) {
			f[k] = copy + at;
			len[k++] = i - at;
			at = i + 1;
		}
	/* Numbers from the bytes after the fields (or from their lengths). */
	for (i = 0; i < 6; i++) {
		const unsigned char *p = (const unsigned char *)copy + at + i * 2;

		n[i] = at + i * 2 + 1 < size ? (long long)(signed char)p[0] *
				256 + p[1] : (long long)len[i] - 2;
	}

	sqlite3_exec(fuzz_db, "DELETE FROM files; DELETE FROM blobs; DELETE "
		     "FROM chunks; DELETE FROM symbols; DELETE FROM vectors; "
		     "DELETE FROM norms",
		     NULL, NULL, NULL);
	fuzz_index_rows_exec("INSERT INTO files(path, blob, skipped) VALUES "
			     "(?1, 'b1', NULL), ('other', 'b1', NULL), "
			     "('skip', 'b1', 'ignored')", f, len, n);
	fuzz_index_rows_exec("INSERT INTO blobs(blob, lang, skipped, size, "
			     "path, first_chunk, nr_chunks, nr_symbols) VALUES"
			     " ('b1', ?3, NULL, ?11, ?1, ?12, ?13, ?14)", f,
			     len, n);
	fuzz_index_rows_exec("INSERT INTO chunks(rowid, path, name, kind, "
			     "text, blob, start_line, end_line) VALUES (1, "
			     "?1, ?2, ?3, ?4, 'b1', ?11, ?12), (2, ?1, NULL, "
			     "NULL, ?5, 'b1', ?13, NULL), (3, NULL, ?2, ?3, "
			     "?4, 'b1', ?3, ?4)", f, len, n);
	fuzz_index_rows_exec("INSERT INTO symbols(blob, name, kind, "
			     "definition, line, end_line, context) VALUES "
			     "('b1', ?2, ?3, ?13, ?11, ?12, ?5), ('b1', ?2, "
			     "NULL, 0, ?14, ?15, NULL), ('b1', ?2, ?3, 1, ?3,"
			     " ?4, ?4), ('b1', ?6, 'call', 0, ?16, ?16, ?5)",
			     f, len, n);

	/* The chunks' lengths as a query reads them: any bytes. */
	fuzz_index_rows_exec("INSERT INTO norms(id, data) VALUES (1, "
			     "CAST(?5 AS BLOB))", f, len, n);

	review_index_hits_init(&hits);
	review_index_symbols_init(&a);
	review_index_symbols_init(&b);
	if (review_index_query(fuzz_idx, f[5][0] ? f[5] : f[4], NULL, 10,
			       &hits, &err) == 0)
		fuzz_index_rows_hits(&hits);
	review_index_hits_release(&hits);
	if (review_index_query(fuzz_idx, f[1], f[0], 10, &hits, &err) == 0)
		fuzz_index_rows_hits(&hits);
	review_index_hits_release(&hits);
	if (review_index_symbol(fuzz_idx, f[1], 10, &a, &err) == 0)
		fuzz_index_rows_syms(&a);
	review_index_symbols_release(&a);
	if (review_index_related(fuzz_idx, f[0], (unsigned)(n[0] & 0xffff),
				 10, &a, &b, &err) == 0) {
		fuzz_index_rows_syms(&a);
		fuzz_index_rows_syms(&b);
	}
	review_index_symbols_release(&a);
	review_index_symbols_release(&b);
	buf_release(&err);
	free(copy);
	return 0;
}
