/*
 * fuzz_index_query.c - libFuzzer target for the index's translation of
 * free text into an FTS5 MATCH expression (review/index.c).
 *
 * The input is the query. Its translation must run without an FTS5
 * syntax error against an in-memory FTS5 table with the index's own
 * tokenizer, hold only quoted terms joined by OR, and the full query
 * (review_index_query() on an empty in-memory index, with the input's
 * second half as a path glob) must succeed. Leaks are errors too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/buf.h"
#include "review/index.h"
#include "review/index_lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

static sqlite3 *fuzz_db;
static sqlite3_stmt *fuzz_match;
static struct review_index *fuzz_idx;

static void fuzz_index_query_setup(void)
{
	struct review_index_opts o = { 0 };

	FUZZ_CHECK(sqlite3_open(":memory:", &fuzz_db) == SQLITE_OK);
	FUZZ_CHECK(sqlite3_exec(fuzz_db, "CREATE VIRTUAL TABLE t USING "
				"fts5(path, name, text, tokenize = 'porter "
				"unicode61'); INSERT INTO t VALUES ('src/a.c',"
				" 'get_user', 'int get_user(void) { return 1;"
				" }'), ('b.py', 'Ledger', 'caf\xc3\xa9 \xe2\x80"
				"\xa6 NEAR OR AND')", NULL, NULL, NULL) ==
		   SQLITE_OK);
	FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db, "SELECT count(*) FROM t WHERE t"
				      " MATCH ?1", -1, &fuzz_match, NULL) ==
		   SQLITE_OK);
	o.path = ":memory:";
	FUZZ_CHECK(review_index_open(&fuzz_idx, NULL, &o, NULL) == 0);
}

/* Every term is "..." with no quote inside, joined by " OR ". */
static void fuzz_index_query_shape(const char *e)
{
	while (*e) {
		FUZZ_CHECK(*e == '"');
		e = strchr(e + 1, '"');
		FUZZ_CHECK(e != NULL);
		e++;
		if (*e) {
			FUZZ_CHECK(!strncmp(e, " OR ", 4));
			e += 4;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf expr = BUF_INIT, err = BUF_INIT;
	struct review_index_hits hits;
	char *query, *glob;
	size_t half;
	int nr, rc;

	if (!fuzz_db)
		fuzz_index_query_setup();
	if (size > 4096)
		return 0;
	query = malloc(size + 1);
	memcpy(query, data, size);
	query[size] = '\0';

	nr = review_index_match_expr(&expr, query);
	FUZZ_CHECK(nr >= 0 && (nr > 0) == (expr.len > 0));
	fuzz_index_query_shape(expr.ptr);
	if (nr > 0) {
		sqlite3_reset(fuzz_match);
		sqlite3_bind_text(fuzz_match, 1, expr.ptr, (int)expr.len,
				  SQLITE_STATIC);
		rc = sqlite3_step(fuzz_match);
		FUZZ_CHECK(rc == SQLITE_ROW);
	}

	half = strlen(query) / 2;
	glob = strdup(query + half);
	review_index_hits_init(&hits);
	FUZZ_CHECK(review_index_query(fuzz_idx, query, half ? glob : NULL, 5,
				      &hits, &err) == 0);
	FUZZ_CHECK(hits.nr == 0);
	review_index_hits_release(&hits);
	free(glob);
	free(query);
	buf_release(&expr);
	buf_release(&err);
	return 0;
}
