/*
 * index.c - the repository index: one SQLite database per repository,
 * FTS5 chunks ranked by BM25, symbols from tree-sitter queries, updated
 * blob by blob (see index.h for what it holds and promises).
 *
 * An update walks the commit's tree, compares it with the `files` table
 * and parses only the blobs the database has never seen. Parsing runs on
 * a pool of threads, each with its own libgit2 handle, tree-sitter parser
 * and query cursor; the calling thread is the only one that writes, in
 * one IMMEDIATE transaction, taking results in job order through a
 * bounded window so memory stays flat on a large repository. The write
 * transaction re-reads the snapshot it changes, so a second process
 * updating at the same time only waits (busy timeout, then retries) and
 * both end consistent.
 *
 * Chunks of a blob take consecutive rowids, which the `blobs` row records
 * (first_chunk, nr_chunks): deleting or renaming a blob's chunks is a
 * rowid range, with no scan of the FTS table.
 *
 * A database that is not a usable index (not SQLite, another schema
 * version, another program's, corrupt) is moved aside as
 * `<path>.broken-<time>` and started anew, with a note; never a crash.
 *
 * Not here: the per-language queries (review/index_lang.c), the agents'
 * tools that format results (agents/), the `tend index` command (cli/).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <tree_sitter/api.h>

#include "common/error.h"
#include "common/glob.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/diff.h"
#include "review/filter.h"
#include "review/grammars.h"
#include "review/index.h"
#include "review/index_lang.h"
#include "review/query_roots.h"
#include "review/lang.h"
#include "review/rules.h"

/* PRAGMA application_id ("tend") and user_version of this schema. */
#define REVIEW_INDEX_APP_ID 0x74656e64
#define REVIEW_INDEX_SCHEMA 2

#define REVIEW_INDEX_BUSY_MS 10000
/* How long a writer waits for another process's write in all. */
#define REVIEW_INDEX_WRITE_WAIT_S 600
/* Lines of a window where no definition is. */
#define REVIEW_INDEX_WINDOW 60
/* A definition longer than this is cut (its nested ones, else windows). */
#define REVIEW_INDEX_DEF_LINES 150
/* Comment lines above a definition that join its chunk. */
#define REVIEW_INDEX_LEAD_LINES 20
#define REVIEW_INDEX_CHUNK_BYTES 16384
#define REVIEW_INDEX_CONTEXT_BYTES 200
#define REVIEW_INDEX_NAME_BYTES 200
#define REVIEW_INDEX_SNIFF 8000
#define REVIEW_INDEX_PARSE_US 5000000
#define REVIEW_INDEX_EMBED_BATCH 32
/* A norm: a chunk's rowid (4 bytes, little-endian), its tokens (2). */
#define REVIEW_INDEX_NORM 6
/* Database bytes per source byte, for the size cap's estimate. */
#define REVIEW_INDEX_DB_FACTOR 3

/* A private return code: the database is corrupt, rebuild and retry. */
#define REVIEW_INDEX_ECORRUPT (-100)

/* Paths of vendored code, next to review's generated ones. */
static const char *const review_index_vendored[] = {
	"node_modules", "bower_components", "vendor/**", "third_party/**",
	"third-party/**", NULL
};

struct review_index {
	sqlite3 *db;
	git_repository *repo;	/* borrowed */
	char *path;
	struct review_rules own_rules;
	const struct review_rules *rules;
	size_t file_max, db_max;
	char **ignore;
	size_t nr_ignore;
	review_index_embed_fn embed;
	void *embed_data;
	int threads;
	size_t doc_budget;
	int bulk;		/* the symbols' indexes wait for the commit */
	int corrupt;		/* the last SQLite error was a corruption */
	int rebuilt;		/* for the next update's stats */
	char *note;
	int embed_failed;
	/* The rarity of query terms (a statement that counts a term's
	 * chunks) and tend_rank(), set up by the first query that needs
	 * them. */
	sqlite3_stmt *df;
	int df_failed;
};

#define REVIEW_INDEX_DOC_BUDGET 3000	/* see review_index_rarest() */

#define REVIEW_INDEX_SYMBOL_INDEXES \
	"CREATE INDEX IF NOT EXISTS symbols_name ON symbols(name, definition);" \
	"CREATE INDEX IF NOT EXISTS symbols_blob ON symbols(blob, line);"

static const char review_index_schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS blobs(blob TEXT PRIMARY KEY, lang TEXT,"
	" skipped TEXT, size INTEGER, path TEXT, first_chunk INTEGER,"
	" nr_chunks INTEGER, nr_symbols INTEGER);"
	"CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY,"
	" blob TEXT NOT NULL, skipped TEXT);"
	"CREATE INDEX IF NOT EXISTS files_blob ON files(blob);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5(path, name,"
	" kind UNINDEXED, text, blob UNINDEXED, start_line UNINDEXED,"
	" end_line UNINDEXED, tokenize = 'porter unicode61');"
	"CREATE TABLE IF NOT EXISTS symbols(blob TEXT NOT NULL, name TEXT"
	" NOT NULL, kind TEXT, definition INTEGER, line INTEGER,"
	" end_line INTEGER, context TEXT);"
	REVIEW_INDEX_SYMBOL_INDEXES
	"CREATE TABLE IF NOT EXISTS vectors(chunk INTEGER PRIMARY KEY,"
	" dim INTEGER, data BLOB);"
	"CREATE TABLE IF NOT EXISTS norms(id INTEGER PRIMARY KEY, data BLOB);";

/* ---- small helpers ----------------------------------------------------- */

static long review_index_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *review_index_git_errmsg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

/*
 * The message of the last SQLite error on `idx`, as a TEND_ERROR in `err`;
 * notes a corruption so the update can rebuild.
 */
static int review_index_sqlerr(struct review_index *idx, struct buf *err,
			       const char *what)
{
	int code = sqlite3_errcode(idx->db) & 0xff;

	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
		idx->corrupt = 1;
		error_set(err, TEND_ERROR, "index '%s' is corrupt: cannot %s: "
			  "%s", idx->path, what, sqlite3_errmsg(idx->db));
		return REVIEW_INDEX_ECORRUPT;
	}
	return error_set(err, code == SQLITE_FULL || code == SQLITE_IOERR ?
			 TEND_ETOOBIG : TEND_ERROR, "index '%s': cannot %s: %s",
			 idx->path, what, sqlite3_errmsg(idx->db));
}

static int review_index_exec(struct review_index *idx, const char *sql,
			     struct buf *err)
{
	if (sqlite3_exec(idx->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return review_index_sqlerr(idx, err, "run a statement");
	return 0;
}

static int review_index_prepare(struct review_index *idx, sqlite3_stmt **out,
				const char *sql, struct buf *err)
{
	if (sqlite3_prepare_v2(idx->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return review_index_sqlerr(idx, err, "prepare a statement");
	}
	return 0;
}

static char *review_index_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? xstrdup((const char *)s) : NULL;
}

/* mkdir -p of the directory part of `path`. */
static int review_index_mkdirs(const char *path, struct buf *err)
{
	char *dir = xstrdup(path), *p;
	int error = 0;

	p = strrchr(dir, '/');
	if (!p || p == dir)
		goto out;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				error = error_set(err, TEND_EINVALID,
						  "cannot create directory "
						  "'%s': %s", dir,
						  strerror(errno));
				goto out;
			}
			*p = c;
			if (!c)
				break;
		}
	}
out:
	free(dir);
	return error;
}

/* ---- opening, the schema, moving a broken database aside ---------------- */

static int review_index_is_memory(const char *path)
{
	return !strcmp(path, ":memory:") || strstr(path, "mode=memory");
}

/* Move the database file (and its -wal, -shm) aside. */
static int review_index_move_aside(struct review_index *idx, struct buf *err)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char stamp[32];
	char *base = NULL;
	time_t t = time(NULL);
	struct tm tm;
	size_t i;
	int n;

	if (review_index_is_memory(idx->path))
		return 0;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* A name no earlier copy has, even one moved aside this second. */
	for (n = 0; n < 1000; n++) {
		struct stat st;

		free(base);
		base = n ? xasprintf("%s.broken-%s-%d", idx->path, stamp, n)
			 : xasprintf("%s.broken-%s", idx->path, stamp);
		if (lstat(base, &st) < 0 && errno == ENOENT)
			break;
	}
	for (i = 0; i < 3; i++) {
		char *from = xasprintf("%s%s", idx->path, sfx[i]);
		char *to = xasprintf("%s%s", base, sfx[i]);
		int failed = rename(from, to) < 0 && errno != ENOENT;

		if (failed)
			error_set(err, TEND_ERROR, "cannot move the broken "
				  "index '%s' aside: %s", from,
				  strerror(errno));
		free(from);
		free(to);
		if (failed) {
			free(base);
			return TEND_ERROR;
		}
	}
	free(base);
	return 0;
}

static void review_index_set_note(struct review_index *idx, const char *fmt,
				  ...) __attribute__((format(printf, 2, 3)));

static void review_index_set_note(struct review_index *idx, const char *fmt,
				  ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(idx->note);
	idx->note = buf_detach(&b, NULL);
	idx->rebuilt = 1;
}

static int review_index_pragma_int(struct review_index *idx, const char *sql,
				   int *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(idx->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sqlite3_errcode(idx->db);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * Open the file and check it is our index (creating the schema in an
 * empty one). 1 when it is not usable (`why` says so), 2 when it was an
 * index of another schema version, now emptied and ready (`why` says
 * which version), 0 when ready, < 0 on an error that moving it aside
 * would not cure.
 */
/*
 * sqlite3_exec() of `sql`, tried again while the database is busy, for at
 * most REVIEW_INDEX_BUSY_MS. The busy handler covers most waits, but not
 * all: two processes turning a new database to WAL at once each hold a
 * shared lock and want an exclusive one, and SQLite answers one of them
 * SQLITE_BUSY at once rather than deadlock.
 */
static int review_index_exec_busy(struct review_index *idx, const char *sql)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	long waited = 0;
	int rc;

	while (((rc = sqlite3_exec(idx->db, sql, NULL, NULL, NULL)) & 0xff) ==
		       SQLITE_BUSY && waited < REVIEW_INDEX_BUSY_MS) {
		nanosleep(&pause, NULL);
		waited += 20;
	}
	return rc;
}

static int review_index_begin(struct review_index *idx, struct buf *err);

/*
 * Empty an index of another schema version and make it anew, in place,
 * in one write transaction that reads the version again: a process that
 * got there first has made it ours already. The files stay: other
 * processes may have them open, and removing a database with its WAL
 * under them is how SQLite databases get corrupted.
 */
static int review_index_renew(struct review_index *idx, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	struct buf drops = BUF_INIT;
	char pragmas[128];
	int app = 0, version = 0, rc, error;

	if ((error = review_index_begin(idx, err)) < 0)
		return error;
	if (review_index_pragma_int(idx, "PRAGMA application_id", &app) !=
		    SQLITE_OK ||
	    review_index_pragma_int(idx, "PRAGMA user_version", &version) !=
		    SQLITE_OK) {
		error = review_index_sqlerr(idx, err, "read the index");
		goto out;
	}
	if (app == REVIEW_INDEX_APP_ID && version == REVIEW_INDEX_SCHEMA)
		goto out;
	/* Virtual tables first: their shadow tables go with them. */
	if ((error = review_index_prepare(idx, &st, "SELECT type, name FROM "
					  "sqlite_master WHERE type IN "
					  "('table', 'view') AND name NOT LIKE "
					  "'sqlite_%' ORDER BY sql LIKE "
					  "'CREATE VIRTUAL TABLE%' DESC",
					  err)) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		char *q = sqlite3_mprintf("DROP %s IF EXISTS \"%w\";",
					  type && !strcmp(type, "view") ?
					  "VIEW" : "TABLE", name ? name : "");

		buf_puts(&drops, q);
		sqlite3_free(q);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		error = review_index_sqlerr(idx, err, "read the index");
		goto out;
	}
	snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id=%d;"
		 "PRAGMA user_version=%d;", REVIEW_INDEX_APP_ID,
		 REVIEW_INDEX_SCHEMA);
	if ((drops.len && (error = review_index_exec(idx, drops.ptr,
						     err)) < 0) ||
	    (error = review_index_exec(idx, review_index_schema, err)) < 0 ||
	    (error = review_index_exec(idx, pragmas, err)) < 0)
		goto out;
out:
	sqlite3_finalize(st);
	buf_release(&drops);
	if (error < 0) {
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
		return error;
	}
	if (sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		error = review_index_sqlerr(idx, err, "rebuild the index");
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return error;
}

static int review_index_try_open(struct review_index *idx, struct buf *why,
				 struct buf *err)
{
	int rc, app = 0, version = 0, tables = 0;

	rc = sqlite3_open_v2(idx->path, &idx->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int code = (rc & 0xff);

		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
			buf_printf(why, "%s", sqlite3_errstr(rc));
			return 1;
		}
		return error_set(err, TEND_EINVALID, "cannot open the index "
				 "'%s': %s", idx->path, idx->db ?
				 sqlite3_errmsg(idx->db) : sqlite3_errstr(rc));
	}
	sqlite3_busy_timeout(idx->db, REVIEW_INDEX_BUSY_MS);
	sqlite3_extended_result_codes(idx->db, 1);
	/* One read transaction: another process may be creating it. */
	if ((rc = sqlite3_exec(idx->db, "BEGIN", NULL, NULL, NULL)) !=
		    SQLITE_OK ||
	    (rc = review_index_pragma_int(idx, "SELECT count(*) FROM "
					  "sqlite_master", &tables)) !=
		    SQLITE_OK ||
	    (rc = review_index_pragma_int(idx, "PRAGMA application_id",
					  &app)) != SQLITE_OK ||
	    (rc = review_index_pragma_int(idx, "PRAGMA user_version",
					  &version)) != SQLITE_OK ||
	    (rc = sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL)) !=
		    SQLITE_OK) {
		int code = rc & 0xff;
		char *msg = xstrdup(sqlite3_errmsg(idx->db));

		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
			buf_printf(why, "%s", msg);
			free(msg);
			return 1;
		}
		error_set(err, TEND_ERROR, "cannot read the index '%s': %s",
			  idx->path, msg);
		free(msg);
		return TEND_ERROR;
	}
	if (app == 0 && version == 0 && tables == 0) {
		/* Empty: make it ours; another process may race us here. */
		if (review_index_exec_busy(idx, "PRAGMA journal_mode=WAL") !=
			    SQLITE_OK ||
		    review_index_exec_busy(idx, "BEGIN IMMEDIATE") != SQLITE_OK)
			return review_index_sqlerr(idx, err,
						   "create the schema");
		if (review_index_pragma_int(idx, "PRAGMA application_id",
					    &app) != SQLITE_OK ||
		    review_index_pragma_int(idx, "PRAGMA user_version",
					    &version) != SQLITE_OK ||
		    review_index_pragma_int(idx, "SELECT count(*) FROM "
					    "sqlite_master", &tables) !=
			    SQLITE_OK) {
			rc = review_index_sqlerr(idx, err, "create the schema");
			sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		if (app == 0 && version == 0 && tables == 0) {
			char pragmas[128];

			snprintf(pragmas, sizeof(pragmas),
				 "PRAGMA application_id=%d;"
				 "PRAGMA user_version=%d;",
				 REVIEW_INDEX_APP_ID, REVIEW_INDEX_SCHEMA);
			if (sqlite3_exec(idx->db, review_index_schema, NULL,
					 NULL, NULL) != SQLITE_OK ||
			    sqlite3_exec(idx->db, pragmas, NULL, NULL,
					 NULL) != SQLITE_OK) {
				rc = review_index_sqlerr(idx, err,
							 "create the schema");
				sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL,
					     NULL);
				return rc;
			}
			app = REVIEW_INDEX_APP_ID;
			version = REVIEW_INDEX_SCHEMA;
		}
		if (sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = review_index_sqlerr(idx, err, "create the schema");
			sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	if (app != REVIEW_INDEX_APP_ID) {
		buf_printf(why, "not an index of tend (application id %d)",
			   app);
		return 1;
	}
	sqlite3_exec(idx->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	sqlite3_exec(idx->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (version != REVIEW_INDEX_SCHEMA) {
		buf_printf(why, "schema version %d, this tend uses %d",
			   version, REVIEW_INDEX_SCHEMA);
		rc = review_index_renew(idx, err);
		return rc < 0 ? rc : 2;
	}
	return 0;
}

static void review_index_db_close(struct review_index *idx)
{
	sqlite3_finalize(idx->df);
	idx->df = NULL;
	idx->df_failed = 0;
	if (idx->db)
		sqlite3_close_v2(idx->db);
	idx->db = NULL;
}

/* Open the database; one that is not usable is moved aside once. */
static int review_index_db_open(struct review_index *idx, struct buf *err)
{
	struct buf why = BUF_INIT;
	int error;

	idx->corrupt = 0;
	error = review_index_try_open(idx, &why, err);
	if (error == 2) {
		review_index_set_note(idx, "the index '%s' was of another "
				      "version of tend (%s): rebuilt in place",
				      idx->path, why.ptr);
		log_warn("%s", idx->note);
		error = 0;
	} else if (error == 1) {
		review_index_db_close(idx);
		if ((error = review_index_move_aside(idx, err)) < 0)
			goto out;
		review_index_set_note(idx, "the index '%s' was not usable (%s): "
				      "moved aside and rebuilt", idx->path,
				      why.ptr);
		log_warn("%s", idx->note);
		buf_reset(&why);
		error = review_index_try_open(idx, &why, err);
		if (error >= 1)
			error = error_set(err, TEND_ERROR, "cannot start the "
					  "index '%s' anew: %s", idx->path,
					  why.ptr);
	}
	if (error < 0)
		review_index_db_close(idx);
out:
	buf_release(&why);
	return error;
}

/* The database is corrupt: move it aside and start anew. */
static int review_index_reset(struct review_index *idx, const char *why,
			      struct buf *err)
{
	char *reason = xstrdup(why);
	int error;

	review_index_db_close(idx);
	if ((error = review_index_move_aside(idx, err)) < 0)
		goto out;
	if ((error = review_index_db_open(idx, err)) < 0)
		goto out;
	review_index_set_note(idx, "the index '%s' was corrupt (%s): moved "
			      "aside and rebuilt", idx->path, reason);
	log_warn("%s", idx->note);
out:
	free(reason);
	return error;
}

int review_index_open(struct review_index **out, git_repository *repo,
		      const struct review_index_opts *opts, struct buf *err)
{
	struct review_index_opts none = { 0 };
	struct review_index *idx;
	size_t i;
	int error;

	if (!opts)
		opts = &none;
	if (!opts->path && !repo)
		return error_set(err, TEND_EINVALID, "the index needs a "
				 "repository or a path");
	idx = xcalloc(1, sizeof(*idx));
	idx->repo = repo;
	if (opts->path)
		idx->path = xstrdup(opts->path);
	else
		idx->path = xasprintf("%stend/index.sqlite",
				      git_repository_commondir(repo));
	review_rules_init(&idx->own_rules);
	idx->rules = opts->rules;
	idx->file_max = opts->file_max ? opts->file_max : REVIEW_INDEX_FILE_MAX;
	idx->db_max = opts->db_max ? opts->db_max : REVIEW_INDEX_DB_MAX;
	idx->embed = opts->embed;
	idx->embed_data = opts->embed_data;
	idx->threads = opts->threads;
	idx->doc_budget = opts->doc_budget ? opts->doc_budget
					   : REVIEW_INDEX_DOC_BUDGET;
	if (idx->threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		idx->threads = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
	}
	if (opts->nr_ignore) {
		idx->ignore = xcalloc(opts->nr_ignore, sizeof(char *));
		for (i = 0; i < opts->nr_ignore; i++)
			idx->ignore[i] = xstrdup(opts->ignore[i]);
		idx->nr_ignore = opts->nr_ignore;
	}
	if (!idx->rules) {
		if ((error = review_rules_add_builtin(&idx->own_rules,
						      "secrets", err)) < 0)
			goto fail;
		idx->rules = &idx->own_rules;
	}
	if (!review_index_is_memory(idx->path) &&
	    strncmp(idx->path, "file:", 5) &&
	    (error = review_index_mkdirs(idx->path, err)) < 0)
		goto fail;
	if ((error = review_index_db_open(idx, err)) < 0)
		goto fail;
	*out = idx;
	return 0;
fail:
	review_index_close(idx);
	return error;
}

void review_index_close(struct review_index *idx)
{
	size_t i;

	if (!idx)
		return;
	review_index_db_close(idx);
	for (i = 0; i < idx->nr_ignore; i++)
		free(idx->ignore[i]);
	free(idx->ignore);
	review_rules_release(&idx->own_rules);
	free(idx->note);
	free(idx->path);
	free(idx);
}

void review_index_stats_release(struct review_index_stats *st)
{
	free(st->note);
	st->note = NULL;
}

/* The value of `key` in the meta table (a new string), or NULL. */
static char *review_index_meta(struct review_index *idx, const char *key)
{
	sqlite3_stmt *st = NULL;
	char *value = NULL;

	if (sqlite3_prepare_v2(idx->db, "SELECT value FROM meta WHERE key = "
			       "?1", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		value = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return value;
}

int review_index_is_at(struct review_index *idx, const char *hex)
{
	char *at = review_index_meta(idx, "commit");
	int same = at && !strcmp(at, hex);

	free(at);
	return same;
}

int review_index_head(struct review_index *idx, git_oid *out)
{
	char *hex = review_index_meta(idx, "commit");
	int found = hex && strlen(hex) == GIT_OID_HEXSZ &&
		    !git_oid_fromstr(out, hex);

	free(hex);
	return found;
}

/* ---- parsing one blob: skip rules, chunks, symbols ---------------------- */

struct review_index_chunk {
	unsigned start, end;	/* 1-based, inclusive */
	const char *kind;	/* static */
	char *name;
	char *text;
};

struct review_index_sym {
	char *name;
	const char *kind;	/* static, or into the query's capture names */
	int definition;
	unsigned line, end;
	char *context;
};

/* A definition found in a tree, before chunking. */
struct review_index_def {
	uint32_t start_byte, end_byte;
	uint32_t name_byte;	/* where its name starts (for refs) */
	unsigned start, end;	/* lines, 1-based */
	unsigned lead;		/* first line with the comments above */
	uint32_t pattern;
	const char *kind;
	char *name;
	size_t parent;		/* index of the enclosing def, or SIZE_MAX */
	size_t depth;
};

/* What a worker makes of one blob, and the writer stores. */
struct review_index_job {
	git_oid oid;
	const char *path;	/* borrowed from the snapshot */
	size_t size;
	const char *lang;	/* static */
	const char *skipped;	/* static reason, or NULL */
	struct review_index_chunk *chunks;
	size_t nr_chunks, alloc_chunks;
	struct review_index_sym *syms;
	size_t nr_syms, alloc_syms;
	int done;
	int failed;		/* the blob could not be read */
};

static void review_index_job_clear(struct review_index_job *j)
{
	size_t i;

	for (i = 0; i < j->nr_chunks; i++) {
		free(j->chunks[i].name);
		free(j->chunks[i].text);
	}
	for (i = 0; i < j->nr_syms; i++) {
		free(j->syms[i].name);
		free(j->syms[i].context);
	}
	free(j->chunks);
	free(j->syms);
	j->chunks = NULL;
	j->syms = NULL;
	j->nr_chunks = j->alloc_chunks = j->nr_syms = j->alloc_syms = 0;
}

/* The lines of a text: where each starts; lines[nr] is the end. */
struct review_index_lines {
	const char *text;
	size_t len;
	size_t *start;
	size_t nr;
};

static void review_index_lines_make(struct review_index_lines *l,
				    const char *text, size_t len)
{
	size_t i, n = 0, alloc = 0;

	l->text = text;
	l->len = len;
	l->start = NULL;
	for (i = 0; i < len; i++)
		if (i == 0 || text[i - 1] == '\n') {
			ALLOC_GROW(l->start, n, alloc);
			l->start[n++] = i;
		}
	ALLOC_GROW(l->start, n, alloc);
	l->start[n] = len;
	l->nr = n;
}

/* Line `no` (1-based) without its end; *len set. */
static const char *review_index_line(const struct review_index_lines *l,
				     unsigned no, size_t *len)
{
	size_t a, b;

	if (!no || no > l->nr) {
		*len = 0;
		return "";
	}
	a = l->start[no - 1];
	b = l->start[no];
	while (b > a && (l->text[b - 1] == '\n' || l->text[b - 1] == '\r'))
		b--;
	*len = b - a;
	return l->text + a;
}

static int review_index_blank(const struct review_index_lines *l, unsigned no)
{
	size_t len, i;
	const char *s = review_index_line(l, no, &len);

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\f' && s[i] != '\v')
			return 0;
	return 1;
}

/* Copy a span of text into a string, NULs as spaces, at most `max` bytes. */
static char *review_index_strndup_clean(const char *s, size_t len,
					size_t max)
{
	char *out;
	size_t i;

	if (len > max) {
		len = max;
		/* Do not cut a UTF-8 sequence. */
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		out[i] = s[i] ? s[i] : ' ';
	out[len] = '\0';
	return out;
}

/* The trimmed text of line `no`, capped: a symbol's context. */
static char *review_index_context(const struct review_index_lines *l,
				  unsigned no)
{
	size_t len;
	const char *s = review_index_line(l, no, &len);

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return review_index_strndup_clean(s, len, REVIEW_INDEX_CONTEXT_BYTES);
}

static void review_index_add_chunk(struct review_index_job *j,
				   const struct review_index_lines *masked,
				   unsigned start, unsigned end,
				   const char *kind, const char *name)
{
	struct review_index_chunk *c;
	size_t a, b;

	if (!start || end < start || start > masked->nr)
		return;
	if (end > masked->nr)
		end = (unsigned)masked->nr;
	a = masked->start[start - 1];
	b = masked->start[end];
	ALLOC_GROW(j->chunks, j->nr_chunks, j->alloc_chunks);
	c = &j->chunks[j->nr_chunks++];
	c->start = start;
	c->end = end;
	c->kind = kind;
	c->name = name ? xstrdup(name) : NULL;
	c->text = review_index_strndup_clean(masked->text + a, b - a,
					     REVIEW_INDEX_CHUNK_BYTES);
}

/*
 * Windows of at most REVIEW_INDEX_WINDOW lines over the lines of
 * [lo, hi] that no chunk covers yet; blank-only windows are dropped.
 */
static void review_index_windows(struct review_index_job *j,
				 const struct review_index_lines *masked,
				 unsigned char *covered, unsigned lo,
				 unsigned hi, const char *kind,
				 const char *name)
{
	unsigned a = lo, b, k;

	while (a <= hi) {
		int blank = 1;

		while (a <= hi && covered[a])
			a++;
		if (a > hi)
			break;
		b = a;
		while (b < hi && !covered[b + 1] &&
		       b - a + 1 < REVIEW_INDEX_WINDOW)
			b++;
		for (k = a; k <= b; k++) {
			blank = blank && review_index_blank(masked, k);
			covered[k] = 1;
		}
		if (!blank)
			review_index_add_chunk(j, masked, a, b, kind, name);
		a = b + 1;
	}
}

static void review_index_emit_def(struct review_index_job *j,
				  const struct review_index_lines *masked,
				  unsigned char *covered,
				  const struct review_index_def *defs,
				  size_t nr, size_t d)
{
	const struct review_index_def *def = &defs[d];
	unsigned lo = def->parent == SIZE_MAX ? def->lead : def->start;
	unsigned hi = def->end, k;
	size_t i;

	if (hi - lo + 1 <= REVIEW_INDEX_DEF_LINES) {
		for (k = lo; k <= hi; k++)
			covered[k] = 1;
		review_index_add_chunk(j, masked, lo, hi, def->kind,
				       def->name);
		return;
	}
	for (i = d + 1; i < nr && defs[i].start_byte < def->end_byte; i++)
		if (defs[i].parent == d)
			review_index_emit_def(j, masked, covered, defs, nr, i);
	/* What the nested definitions left: windows named for this one. */
	review_index_windows(j, masked, covered, lo, hi, def->kind, def->name);
}

/* Split camelCase and snake_case: "getUserName" -> "get User Name". */
static void review_index_split_name(struct buf *out, const char *name)
{
	size_t i, n = strlen(name);
	int parts = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		unsigned char p = i ? (unsigned char)name[i - 1] : 0;
		unsigned char nx = i + 1 < n ? (unsigned char)name[i + 1] : 0;
		int boundary = i && ((c >= 'A' && c <= 'Z' &&
				      ((p >= 'a' && p <= 'z') ||
				       (p >= '0' && p <= '9') ||
				       (p >= 'A' && p <= 'Z' && nx >= 'a' &&
					nx <= 'z'))));

		if (boundary) {
			buf_putc(out, ' ');
			parts++;
		}
		buf_putc(out, (char)c);
	}
	if (!parts)
		buf_reset(out);
}

/* A C or C++ declarator's name: follow "declarator" fields down. */
static TSNode review_index_declarator_name(TSNode node)
{
	int guard = 0;

	while (!ts_node_is_null(node) && guard++ < 64) {
		TSNode next = ts_node_child_by_field_name(node, "declarator",
							  10);
		const char *type = ts_node_type(node);

		if (!strcmp(type, "qualified_identifier")) {
			next = ts_node_child_by_field_name(node, "name", 4);
			if (ts_node_is_null(next))
				return node;
			node = next;
			continue;
		}
		if (ts_node_is_null(next))
			return node;
		node = next;
	}
	return node;
}

/* Reduce a name node to its identifier: Foo<T> -> Foo, a::B -> B. */
static TSNode review_index_name_node(TSNode node)
{
	int guard = 0;

	while (guard++ < 16) {
		const char *type = ts_node_type(node);
		TSNode next;

		if (!strcmp(type, "generic_type"))
			next = ts_node_child_by_field_name(node, "type", 4);
		else if (!strcmp(type, "scoped_type_identifier") ||
			 !strcmp(type, "scope_resolution") ||
			 !strcmp(type, "qualified_identifier") ||
			 !strcmp(type, "scoped_identifier"))
			next = ts_node_child_by_field_name(node, "name", 4);
		else
			break;
		if (ts_node_is_null(next))
			break;
		node = next;
	}
	return node;
}

static char *review_index_node_text(const char *text, TSNode node)
{
	uint32_t a = ts_node_start_byte(node), b = ts_node_end_byte(node);
	size_t n;

	if (b <= a)
		return NULL;
	n = b - a;
	/* A name is one line. */
	{
		const char *nl = memchr(text + a, '\n', n);

		if (nl)
			n = (size_t)(nl - (text + a));
	}
	if (!n)
		return NULL;
	return review_index_strndup_clean(text + a, n,
					  REVIEW_INDEX_NAME_BYTES);
}

static unsigned review_index_end_line(TSNode node)
{
	TSPoint s = ts_node_start_point(node), e = ts_node_end_point(node);

	if (e.column == 0 && e.row > s.row)
		return e.row;
	return e.row + 1;
}

static int review_index_def_cmp(const void *a, const void *b)
{
	const struct review_index_def *x = a, *y = b;

	if (x->start_byte != y->start_byte)
		return x->start_byte < y->start_byte ? -1 : 1;
	if (x->end_byte != y->end_byte)
		return x->end_byte > y->end_byte ? -1 : 1;
	return x->pattern < y->pattern ? -1 : x->pattern > y->pattern;
}

static int review_index_sym_cmp(const void *a, const void *b)
{
	const struct review_index_sym *x = a, *y = b;
	int c;

	if (x->definition != y->definition)
		return y->definition - x->definition;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c;
}

static int review_index_class_like(const char *kind)
{
	return !strcmp(kind, "class") || !strcmp(kind, "struct") ||
	       !strcmp(kind, "impl") || !strcmp(kind, "trait") ||
	       !strcmp(kind, "interface");
}

/* Worker state: one per thread. */
struct review_index_worker {
	git_repository *repo;
	TSParser *parser;
	TSQueryCursor *cursor;
	const struct review_index *idx;
};

/* What the index query found in one file, as it is taken in. */
struct review_index_matches {
	const TSQuery *query;
	const char *text;
	struct review_index_job *j;
	struct review_index_def *defs;
	size_t nr_defs, alloc_defs;
};

/* Take one match: a definition into mm->defs, a reference into j->syms. */
static void review_index_take(const TSQueryMatch *m, void *data)
{
	struct review_index_matches *mm = data;
	TSNode def = { 0 }, name = { 0 };
	const char *kind = NULL;
	int is_def = 0, have_def = 0, have_name = 0;
	uint16_t c;

	for (c = 0; c < m->capture_count; c++) {
		uint32_t n;
		const char *cap = ts_query_capture_name_for_id(
			mm->query, m->captures[c].index, &n);

		if (!strncmp(cap, "def.", 4)) {
			def = m->captures[c].node;
			kind = cap + 4;
			is_def = have_def = 1;
		} else if (!strncmp(cap, "ref.", 4)) {
			def = m->captures[c].node;
			kind = cap + 4;
			have_def = 1;
		} else if (!strcmp(cap, "name")) {
			name = m->captures[c].node;
			have_name = 1;
		}
	}
	if (!have_def)
		return;
	if (is_def) {
		struct review_index_def *d;
		TSNode nn = have_name ? name :
			review_index_declarator_name(
				ts_node_child_by_field_name(
					def, "declarator", 10));
		char *s;

		if (ts_node_is_null(nn))
			return;
		nn = review_index_name_node(nn);
		if (!(s = review_index_node_text(mm->text, nn)))
			return;
		ALLOC_GROW(mm->defs, mm->nr_defs, mm->alloc_defs);
		d = &mm->defs[mm->nr_defs++];
		memset(d, 0, sizeof(*d));
		d->start_byte = ts_node_start_byte(def);
		d->end_byte = ts_node_end_byte(def);
		d->name_byte = ts_node_start_byte(nn);
		d->start = ts_node_start_point(def).row + 1;
		d->end = review_index_end_line(def);
		d->pattern = m->pattern_index;
		d->kind = kind;
		d->name = s;
	} else {
		struct review_index_sym *sy;
		char *s = review_index_node_text(mm->text,
			review_index_name_node(def));

		if (!s)
			return;
		ALLOC_GROW(mm->j->syms, mm->j->nr_syms, mm->j->alloc_syms);
		sy = &mm->j->syms[mm->j->nr_syms++];
		sy->name = s;
		sy->kind = kind;
		sy->definition = 0;
		sy->line = ts_node_start_point(def).row + 1;
		sy->end = sy->line;
		/* The name's start byte, until the context is set. */
		sy->context = NULL;
		sy->end = ts_node_start_byte(def);
	}
}

/* Parse `text` with tree-sitter: definitions, references, chunks. */
static void review_index_parse_tree(struct review_index_worker *w,
				    struct review_index_job *j,
				    const char *grammar, const char *text,
				    size_t len,
				    const struct review_index_lines *masked)
{
	const TSQuery *query = review_index_lang_query(grammar, NULL);
	struct review_index_matches mm = { 0 };
	const unsigned char *roots;
	uint32_t nr_symbols = 0;
	struct review_index_def *defs = NULL;
	size_t nr_defs = 0, i, k, *stack = NULL, depth = 0;
	unsigned char *covered = NULL;
	TSTree *tree = NULL;
	unsigned line;

	if (!query || len > UINT32_MAX)
		goto windows;
	ts_parser_reset(w->parser);
	if (!ts_parser_set_language(w->parser, review_grammars_get(grammar)))
		goto windows;
	tree = ts_parser_parse_string(w->parser, NULL, text, (uint32_t)len);
	if (!tree) {
		ts_parser_reset(w->parser);
		goto windows;
	}
	mm.query = query;
	mm.text = text;
	mm.j = j;
	/* Every pattern starts at a named node type: from those only. */
	roots = review_index_lang_roots(grammar, &nr_symbols);
	review_query_run(w->cursor, query, ts_tree_root_node(tree), roots,
			 nr_symbols, review_index_take, &mm);
	defs = mm.defs;
	nr_defs = mm.nr_defs;
	/* Definitions: one per node (the first pattern wins), nested. */
	if (nr_defs > 1)
		qsort(defs, nr_defs, sizeof(*defs), review_index_def_cmp);
	for (i = 0, k = 0; i < nr_defs; i++) {
		if (k && defs[k - 1].start_byte == defs[i].start_byte &&
		    defs[k - 1].end_byte == defs[i].end_byte) {
			free(defs[i].name);
			continue;
		}
		defs[k++] = defs[i];
	}
	nr_defs = k;
	stack = xcalloc(nr_defs + 1, sizeof(*stack));
	for (i = 0; i < nr_defs; i++) {
		while (depth && defs[stack[depth - 1]].end_byte <=
					defs[i].start_byte)
			depth--;
		defs[i].parent = depth ? stack[depth - 1] : SIZE_MAX;
		defs[i].depth = depth;
		if (depth && !strcmp(defs[i].kind, "function") &&
		    review_index_class_like(defs[stack[depth - 1]].kind))
			defs[i].kind = "method";
		stack[depth++] = i;
	}
	/* References on a definition's own name are not references. */
	for (i = 0, k = 0; i < j->nr_syms; i++) {
		uint32_t at = j->syms[i].end;
		int own = 0;
		size_t d;

		for (d = 0; d < nr_defs && !own; d++)
			own = defs[d].name_byte == at;
		if (own) {
			free(j->syms[i].name);
			continue;
		}
		j->syms[i].end = j->syms[i].line;
		j->syms[k++] = j->syms[i];
	}
	j->nr_syms = k;
	/* Definitions become symbols too. */
	for (i = 0; i < nr_defs; i++) {
		struct review_index_sym *sy;

		ALLOC_GROW(j->syms, j->nr_syms, j->alloc_syms);
		sy = &j->syms[j->nr_syms++];
		sy->name = xstrdup(defs[i].name);
		sy->kind = defs[i].kind;
		sy->definition = 1;
		sy->line = defs[i].start;
		sy->end = defs[i].end;
		sy->context = NULL;
	}
	/* One symbol per (definition, line, name); contexts from masked text. */
	if (j->nr_syms > 1)
		qsort(j->syms, j->nr_syms, sizeof(*j->syms),
		      review_index_sym_cmp);
	for (i = 0, k = 0; i < j->nr_syms; i++) {
		if (k && j->syms[k - 1].definition == j->syms[i].definition &&
		    j->syms[k - 1].line == j->syms[i].line &&
		    !strcmp(j->syms[k - 1].name, j->syms[i].name)) {
			free(j->syms[i].name);
			continue;
		}
		j->syms[k] = j->syms[i];
		j->syms[k].context = review_index_context(masked,
							  j->syms[k].line);
		k++;
	}
	j->nr_syms = k;

	/* Chunks: comments right above a top-level definition join it. */
	covered = xcalloc(masked->nr + 2, 1);
	for (i = 0; i < nr_defs; i++) {
		if (defs[i].parent != SIZE_MAX)
			continue;
		for (line = defs[i].start; line <= defs[i].end &&
					   line <= masked->nr; line++)
			covered[line] = 1;
	}
	for (i = 0; i < nr_defs; i++) {
		if (defs[i].parent != SIZE_MAX)
			continue;
		line = defs[i].start;
		while (line > 1 && !covered[line - 1] &&
		       !review_index_blank(masked, line - 1) &&
		       defs[i].start - (line - 1) <= REVIEW_INDEX_LEAD_LINES)
			line--;
		defs[i].lead = line;
	}
	memset(covered, 0, masked->nr + 2);
	for (i = 0; i < nr_defs; i++) {
		if (defs[i].parent != SIZE_MAX || defs[i].start > masked->nr)
			continue;
		if (defs[i].end > masked->nr)
			defs[i].end = (unsigned)masked->nr;
		review_index_emit_def(j, masked, covered, defs, nr_defs, i);
	}
windows:
	if (!covered)
		covered = xcalloc(masked->nr + 2, 1);
	if (masked->nr)
		review_index_windows(j, masked, covered, 1,
				     (unsigned)masked->nr, "lines", NULL);
	for (i = 0; i < nr_defs; i++)
		free(defs[i].name);
	free(defs);
	free(stack);
	free(covered);
	if (tree)
		ts_tree_delete(tree);
}

/*
 * Is this blob skipped for its content? Uses review's own classification
 * (generated globs and markers, minified) on the blob as an added file.
 */
static const char *review_index_classify(const char *path, const char *text,
					 size_t len)
{
	struct review_diff_file f;
	struct review_filter_opts fo;
	struct review_file_entry e;
	struct review_line *lines = NULL;
	size_t nr = 0, alloc = 0, i, a;
	const char *skip = NULL;

	memset(&f, 0, sizeof(f));
	memset(&fo, 0, sizeof(fo));
	for (i = 0, a = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i == len && a == len)
			break;
		ALLOC_GROW(lines, nr, alloc);
		memset(&lines[nr], 0, sizeof(lines[nr]));
		lines[nr].new_no = (uint32_t)(nr + 1);
		lines[nr].off = (uint32_t)a;
		lines[nr].len = (uint32_t)(i - a);
		lines[nr].origin = '+';
		nr++;
		a = i + 1;
	}
	f.new_path = (char *)path;
	f.path = path;
	f.status = REVIEW_FILE_ADDED;
	f.similarity = -1;
	f.text = text;
	f.lines = lines;
	f.nr_lines = nr;
	f.added = nr;
	review_filter_classify(&e, &f, &fo);
	if (e.skip == REVIEW_SKIP_GENERATED)
		skip = "generated";
	free(e.detail);
	free(lines);
	return skip;
}

static void review_index_parse_blob(struct review_index_worker *w,
				    struct review_index_job *j)
{
	const struct review_index *idx = w->idx;
	git_blob *blob = NULL;
	struct buf masked = BUF_INIT;
	struct review_index_lines lines = { 0 };
	const char *text, *nl, *grammar;
	size_t len;

	if (git_blob_lookup(&blob, w->repo, &j->oid) < 0) {
		j->failed = 1;
		return;
	}
	text = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	j->size = len;
	nl = memchr(text, '\n', len < 512 ? len : 512);
	j->lang = review_lang_detect(j->path, text, nl ? (size_t)(nl - text) :
				     (len < 512 ? len : 512));
	if (len > idx->file_max || len > UINT32_MAX) {
		j->skipped = "too large";
		goto out;
	}
	if (memchr(text, '\0', len < REVIEW_INDEX_SNIFF ? len :
		   REVIEW_INDEX_SNIFF)) {
		j->skipped = "binary";
		goto out;
	}
	if ((j->skipped = review_index_classify(j->path, text, len)))
		goto out;
	review_rules_mask_text(idx->rules, &masked, text, len);
	review_index_lines_make(&lines, masked.ptr, masked.len);
	grammar = j->lang ? review_grammars_for_file(j->lang, j->path) : NULL;
	/* A shell trampoline into Tcl (git's gitk) is not shell: windows. */
	if (grammar && !strcmp(grammar, "bash") &&
	    review_lang_trampoline(text, len))
		grammar = NULL;
	review_index_parse_tree(w, j, grammar, text, len, &lines);
out:
	free(lines.start);
	buf_release(&masked);
	git_blob_free(blob);
}

/* ---- the worker pool ---------------------------------------------------- */

struct review_index_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct review_index_job *jobs;
	size_t nr;
	size_t next;		/* next job to take */
	size_t written;		/* jobs the writer is done with */
	size_t window;
	int stop;
	const struct review_index *idx;
};

static int review_index_worker_init(struct review_index_worker *w,
				    const struct review_index *idx)
{
	memset(w, 0, sizeof(*w));
	w->idx = idx;
	if (git_repository_open_bare(&w->repo,
				     git_repository_path(idx->repo)) < 0)
		return -1;
	w->parser = ts_parser_new();
	ts_parser_set_timeout_micros(w->parser, REVIEW_INDEX_PARSE_US);
	w->cursor = ts_query_cursor_new();
	ts_query_cursor_set_match_limit(w->cursor, 4096);
	return 0;
}

static void review_index_worker_release(struct review_index_worker *w)
{
	if (w->cursor)
		ts_query_cursor_delete(w->cursor);
	if (w->parser)
		ts_parser_delete(w->parser);
	git_repository_free(w->repo);
}

static void *review_index_pool_run(void *arg)
{
	struct review_index_pool *p = arg;
	struct review_index_worker w;
	int ok = review_index_worker_init(&w, p->idx) == 0;

	for (;;) {
		struct review_index_job *j;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && p->next < p->nr &&
		       p->next >= p->written + p->window)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop || p->next >= p->nr) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		j = &p->jobs[p->next++];
		pthread_mutex_unlock(&p->lock);
		if (ok)
			review_index_parse_blob(&w, j);
		else
			j->failed = 1;
		pthread_mutex_lock(&p->lock);
		j->done = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	if (ok)
		review_index_worker_release(&w);
	return NULL;
}

/* ---- the snapshot: the commit's tree -------------------------------------- */

struct review_index_entry {
	char *path;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	const char *path_skip;	/* static reason, or NULL */
};

/* The `files` table as it is: path, blob, path skip. */
struct review_index_row {
	char *path;
	char *blob;
	char *skipped;
};

struct review_index_rows {
	struct review_index_row *items;
	size_t nr, alloc;
};

struct review_index_snapshot {
	struct review_index_entry *items;
	size_t nr, alloc;
	size_t other;		/* submodules, links: not files we index */
	int has_attributes;
	/*
	 * What the attributes depend on: every .gitattributes of the tree
	 * (path and blob) and .git/info/attributes, hashed. While it stays
	 * the same, a path's attributes do too.
	 */
	struct buf attr_src;
	char attr_key[GIT_OID_HEXSZ + 1];
	/*
	 * Some attributes file names a linguist- attribute: without one,
	 * no path can be generated or vendored by attributes, and none is
	 * looked up.
	 */
	int attr_linguist;
};

static void review_index_snapshot_release(struct review_index_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->items[i].path);
	free(s->items);
	buf_release(&s->attr_src);
	memset(s, 0, sizeof(*s));
}

static int review_index_walk_cb(const char *root, const git_tree_entry *e,
				void *data)
{
	struct review_index_snapshot *s = data;
	git_filemode_t mode = git_tree_entry_filemode(e);
	struct review_index_entry *it;
	const char *name = git_tree_entry_name(e);

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return 0;
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		s->other++;
		return 0;
	}
	ALLOC_GROW(s->items, s->nr, s->alloc);
	it = &s->items[s->nr++];
	memset(it, 0, sizeof(*it));
	it->path = xasprintf("%s%s", root, name);
	git_oid_cpy(&it->oid, git_tree_entry_id(e));
	git_oid_tostr(it->hex, sizeof(it->hex), &it->oid);
	if (!strcmp(name, ".gitattributes")) {
		s->has_attributes = 1;
		buf_printf(&s->attr_src, "%s %s\n", it->path, it->hex);
	}
	return 0;
}

static int review_index_entry_cmp(const void *a, const void *b)
{
	const struct review_index_entry *x = a, *y = b;

	return strcmp(x->path, y->path);
}

/* Does `text` name an attribute of linguist's? */
static int review_index_names_linguist(const char *text, size_t len)
{
	return text && memmem(text, len, "linguist-", 9) != NULL;
}

/*
 * 1 when an attributes file that applies may set linguist-generated or
 * -vendored: one of the tree's .gitattributes or .git/info/attributes
 * (`info`) names a linguist- attribute (a macro that sets one names it
 * too), or a global attributes file exists, which is not read here.
 */
static int review_index_attr_linguist(const struct review_index_snapshot *s,
				      struct review_index *idx,
				      const struct buf *info)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	git_config *cfg = NULL;
	git_buf global = GIT_BUF_INIT;
	char *path = NULL;
	size_t i;
	int found = 0;

	if (review_index_names_linguist(info->ptr, info->len))
		return 1;
	if (git_repository_config_snapshot(&cfg, idx->repo) == 0 &&
	    git_config_get_string_buf(&global, cfg, "core.attributesfile") ==
		    0)
		found = 1;
	git_buf_dispose(&global);
	git_config_free(cfg);
	if (xdg && *xdg == '/')
		path = xasprintf("%s/git/attributes", xdg);
	else if (home && *home)
		path = xasprintf("%s/.config/git/attributes", home);
	if (path && access(path, F_OK) == 0)
		found = 1;
	free(path);
	for (i = 0; i < s->nr && !found; i++) {
		const struct review_index_entry *e = &s->items[i];
		const char *base = strrchr(e->path, '/');
		git_blob *blob = NULL;

		if (strcmp(base ? base + 1 : e->path, ".gitattributes"))
			continue;
		if (git_blob_lookup(&blob, idx->repo, &e->oid) < 0)
			return 1;	/* cannot tell: look them up */
		found = review_index_names_linguist(
			git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
	}
	return found;
}

/*
 * The attributes key of the snapshot (see struct review_index_snapshot),
 * once the tree was walked.
 */
static void review_index_attr_key(struct review_index_snapshot *s,
				  struct review_index *idx)
{
	struct buf info = BUF_INIT;
	char *path = xasprintf("%sinfo/attributes",
			       git_repository_path(idx->repo));
	FILE *f = fopen(path, "rb");
	git_oid oid;

	if (f) {
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&info, chunk, n);
		fclose(f);
		buf_puts(&s->attr_src, "info/attributes\n");
		buf_add(&s->attr_src, info.ptr ? info.ptr : "", info.len);
	}
	if (git_odb_hash(&oid, s->attr_src.ptr ? s->attr_src.ptr : "",
			 s->attr_src.len, GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(s->attr_key, sizeof(s->attr_key), &oid);
	s->attr_linguist = review_index_attr_linguist(s, idx, &info);
	buf_release(&info);
	free(path);
}

/*
 * What the attributes said of `path` at the last update, when they say
 * the same now (`same`): 1 and *skip set (NULL: nothing), else 0. `prev`
 * is the files table as it was, sorted by path; `*at` walks it along the
 * snapshot, which is sorted the same way.
 */
static int review_index_attr_reuse(const struct review_index_rows *prev,
				   size_t *at, int same, const char *path,
				   const char **skip)
{
	const char *was;
	int cmp = 1;

	if (!same || !prev)
		return 0;
	while (*at < prev->nr &&
	       (cmp = strcmp(prev->items[*at].path, path)) < 0)
		(*at)++;
	if (*at >= prev->nr || cmp)
		return 0;
	was = prev->items[*at].skipped;
	if (!was || !strcmp(was, "size cap"))
		*skip = NULL;
	else if (!strcmp(was, "generated"))
		*skip = "generated";
	else if (!strcmp(was, "vendored"))
		*skip = "vendored";
	else
		return 0;	/* ignored: what the attributes say is unknown */
	return 1;
}

static int review_index_snapshot_load(struct review_index_snapshot *s,
				      struct review_index *idx,
				      const git_oid *commit,
				      const struct review_index_rows *prev,
				      struct buf *err)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_repository *view = NULL;
	char hex[GIT_OID_HEXSZ + 1], *was_key = NULL;
	const char *names[2] = { "linguist-generated", "linguist-vendored" };
	size_t i, k, at = 0;
	int error = 0, same;

	git_oid_tostr(hex, sizeof(hex), commit);
	if (git_commit_lookup(&c, idx->repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		error = error_set(err, TEND_ENOTFOUND, "cannot read the tree of "
				  "commit '%s': %s", hex,
				  review_index_git_errmsg());
		goto out;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, review_index_walk_cb, s) < 0) {
		error = error_set(err, TEND_ERROR, "cannot walk the tree of "
				  "commit '%s': %s", hex,
				  review_index_git_errmsg());
		goto out;
	}
	if (s->nr > 1)
		qsort(s->items, s->nr, sizeof(*s->items),
		      review_index_entry_cmp);
	review_index_attr_key(s, idx);
	was_key = review_index_meta(idx, "attributes");
	same = was_key && !strcmp(was_key, s->attr_key);
	for (i = 0; i < s->nr; i++) {
		struct review_index_entry *e = &s->items[i];
		const char *skip = NULL;

		for (k = 0; k < idx->nr_ignore && !e->path_skip; k++)
			if (glob_match(idx->ignore[k], e->path))
				e->path_skip = "ignored";
		if (!e->path_skip &&
		    glob_match_any(review_index_vendored, e->path))
			e->path_skip = "vendored";
		if (e->path_skip || !s->has_attributes || !s->attr_linguist)
			continue;
		/*
		 * Looking attributes up costs libgit2 a walk of the
		 * .gitattributes on the path: only for paths that are new,
		 * or all of them when an attributes file changed.
		 */
		if (review_index_attr_reuse(prev, &at, same, e->path, &skip)) {
			e->path_skip = skip;
			continue;
		}
		if (!view && forge_git_attr_view(&view, idx->repo, NULL) < 0) {
			s->has_attributes = 0;
			continue;
		}
		{
			int vals[2];

			if (forge_git_attr_bools_at(view, commit, e->path,
						    names, 2, vals) < 0)
				continue;
			if (vals[0] == 1)
				e->path_skip = "generated";
			else if (vals[1] == 1)
				e->path_skip = "vendored";
		}
	}
out:
	free(was_key);
	git_repository_free(view);
	git_tree_free(tree);
	git_commit_free(c);
	return error;
}

static void review_index_rows_release(struct review_index_rows *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		free(r->items[i].path);
		free(r->items[i].blob);
		free(r->items[i].skipped);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static int review_index_rows_load(struct review_index_rows *r,
				  struct review_index *idx, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int rc, error;

	if ((error = review_index_prepare(idx, &st, "SELECT path, blob, "
					  "skipped FROM files ORDER BY path",
					  err)) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct review_index_row *row;

		if (!sqlite3_column_text(st, 0) || !sqlite3_column_text(st, 1))
			continue;
		ALLOC_GROW(r->items, r->nr, r->alloc);
		row = &r->items[r->nr++];
		row->path = review_index_col_str(st, 0);
		row->blob = review_index_col_str(st, 1);
		row->skipped = review_index_col_str(st, 2);
	}
	if (rc != SQLITE_DONE)
		error = review_index_sqlerr(idx, err, "read the files");
	sqlite3_finalize(st);
	return error;
}

/* Is blob `hex` in the `blobs` table? 1 yes, 0 no, < 0 error. */
static int review_index_has_blob(struct review_index *idx, sqlite3_stmt *st,
				 const char *hex, struct buf *err)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return review_index_sqlerr(idx, err, "look a blob up");
}

/* ---- writing ------------------------------------------------------------ */

struct review_index_writer {
	sqlite3_stmt *has_blob, *ins_blob, *ins_chunk, *ins_sym, *ins_vec;
	sqlite3_int64 next_rowid;
	size_t db_bytes;	/* estimate of the database's size */
	size_t capped;		/* blobs left out for the size cap */
	struct buf name;
};

static void review_index_writer_release(struct review_index_writer *w)
{
	sqlite3_finalize(w->has_blob);
	sqlite3_finalize(w->ins_blob);
	sqlite3_finalize(w->ins_chunk);
	sqlite3_finalize(w->ins_sym);
	sqlite3_finalize(w->ins_vec);
	buf_release(&w->name);
}

static int review_index_writer_init(struct review_index_writer *w,
				    struct review_index *idx, struct buf *err)
{
	int error;

	memset(w, 0, sizeof(*w));
	buf_init(&w->name, 0);
	if ((error = review_index_prepare(idx, &w->has_blob, "SELECT 1 FROM "
					  "blobs WHERE blob = ?1", err)) < 0 ||
	    (error = review_index_prepare(idx, &w->ins_blob, "INSERT INTO "
					  "blobs(blob, lang, skipped, size, "
					  "path, first_chunk, nr_chunks, "
					  "nr_symbols) VALUES (?1, ?2, ?3, "
					  "?4, ?5, ?6, ?7, ?8)", err)) < 0 ||
	    (error = review_index_prepare(idx, &w->ins_chunk, "INSERT INTO "
					  "chunks(rowid, path, name, kind, "
					  "text, blob, start_line, end_line) "
					  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
					  " ?8)", err)) < 0 ||
	    (error = review_index_prepare(idx, &w->ins_sym, "INSERT INTO "
					  "symbols(blob, name, kind, "
					  "definition, line, end_line, "
					  "context) VALUES (?1, ?2, ?3, ?4, "
					  "?5, ?6, ?7)", err)) < 0 ||
	    (error = review_index_prepare(idx, &w->ins_vec, "INSERT OR "
					  "REPLACE INTO vectors(chunk, dim, "
					  "data) VALUES (?1, ?2, ?3)", err)) <
		    0)
		return error;
	return 0;
}

/*
 * Where the writer starts, read once the write transaction holds the
 * lock: the next free chunk rowid and the database's size.
 */
static int review_index_writer_start(struct review_index_writer *w,
				     struct review_index *idx,
				     struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int error, pages = 0, page_size = 0;

	if ((error = review_index_prepare(idx, &st, "SELECT "
					  "coalesce(max(rowid), 0) FROM "
					  "chunks", err)) < 0)
		return error;
	if (sqlite3_step(st) == SQLITE_ROW)
		w->next_rowid = sqlite3_column_int64(st, 0) + 1;
	else
		error = review_index_sqlerr(idx, err, "read the chunks");
	sqlite3_finalize(st);
	review_index_pragma_int(idx, "PRAGMA page_count", &pages);
	review_index_pragma_int(idx, "PRAGMA page_size", &page_size);
	w->db_bytes = (size_t)pages * (size_t)page_size;
	return error;
}

/* Embed the chunks [first, first + nr) of a job; failures only noted. */
static void review_index_embed_job(struct review_index *idx,
				   struct review_index_writer *w,
				   const struct review_index_job *j,
				   sqlite3_int64 first)
{
	struct buf err = BUF_INIT;
	size_t i, n, dim = 0;

	for (i = 0; i < j->nr_chunks && !idx->embed_failed; i += n) {
		const char *texts[REVIEW_INDEX_EMBED_BATCH];
		float *vec;
		size_t k;

		n = j->nr_chunks - i;
		if (n > REVIEW_INDEX_EMBED_BATCH)
			n = REVIEW_INDEX_EMBED_BATCH;
		for (k = 0; k < n; k++)
			texts[k] = j->chunks[i + k].text;
		/* The first call tells the dimension; 4096 floats is room. */
		vec = xcalloc(n * 4096, sizeof(float));
		dim = 0;
		if (idx->embed(idx->embed_data, texts, n, vec, &dim, &err) < 0 ||
		    !dim || dim > 4096) {
			idx->embed_failed = 1;
			log_warn("index: embeddings unavailable, ranking by "
				 "BM25 only: %s", err.len ? err.ptr :
				 "no dimension");
			free(vec);
			break;
		}
		for (k = 0; k < n; k++) {
			sqlite3_reset(w->ins_vec);
			sqlite3_bind_int64(w->ins_vec, 1,
					   first + (sqlite3_int64)(i + k));
			sqlite3_bind_int64(w->ins_vec, 2, (sqlite3_int64)dim);
			sqlite3_bind_blob(w->ins_vec, 3, vec + k * dim,
					  (int)(dim * sizeof(float)),
					  SQLITE_TRANSIENT);
			sqlite3_step(w->ins_vec);
		}
		free(vec);
	}
	buf_release(&err);
}

/*
 * Store a parsed blob (unless another process stored it meanwhile).
 * Returns 1 when stored, 0 when not (present already, or over the cap),
 * < 0 on error.
 */
static int review_index_write_job(struct review_index *idx,
				  struct review_index_writer *w,
				  struct review_index_job *j, struct buf *err)
{
	char hex[GIT_OID_HEXSZ + 1];
	sqlite3_int64 first = w->next_rowid;
	size_t i, text_bytes = 0;
	int error;

	git_oid_tostr(hex, sizeof(hex), &j->oid);
	if ((error = review_index_has_blob(idx, w->has_blob, hex, err)) != 0)
		return error < 0 ? error : 0;
	for (i = 0; i < j->nr_chunks; i++)
		text_bytes += strlen(j->chunks[i].text);
	if (!j->skipped && w->db_bytes + text_bytes * REVIEW_INDEX_DB_FACTOR >
				   idx->db_max) {
		w->capped++;
		return 0;
	}
	w->db_bytes += text_bytes * REVIEW_INDEX_DB_FACTOR;
	for (i = 0; i < j->nr_chunks; i++) {
		const struct review_index_chunk *c = &j->chunks[i];
		sqlite3_stmt *st = w->ins_chunk;

		buf_reset(&w->name);
		if (c->name) {
			buf_puts(&w->name, c->name);
			{
				struct buf split = BUF_INIT;

				review_index_split_name(&split, c->name);
				if (split.len)
					buf_printf(&w->name, "\n%s", split.ptr);
				buf_release(&split);
			}
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, w->next_rowid++);
		sqlite3_bind_text(st, 2, j->path, -1, SQLITE_STATIC);
		if (c->name)
			sqlite3_bind_text(st, 3, w->name.ptr, (int)w->name.len,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_text(st, 4, c->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, c->text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, hex, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, (int)c->start);
		sqlite3_bind_int(st, 8, (int)c->end);
		if (sqlite3_step(st) != SQLITE_DONE)
			return review_index_sqlerr(idx, err, "store a chunk");
	}
	for (i = 0; i < j->nr_syms; i++) {
		const struct review_index_sym *s = &j->syms[i];
		sqlite3_stmt *st = w->ins_sym;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, s->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, s->definition);
		sqlite3_bind_int(st, 5, (int)s->line);
		sqlite3_bind_int(st, 6, (int)s->end);
		sqlite3_bind_text(st, 7, s->context, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return review_index_sqlerr(idx, err, "store a symbol");
	}
	sqlite3_reset(w->ins_blob);
	sqlite3_bind_text(w->ins_blob, 1, hex, -1, SQLITE_STATIC);
	if (j->lang)
		sqlite3_bind_text(w->ins_blob, 2, j->lang, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(w->ins_blob, 2);
	if (j->skipped)
		sqlite3_bind_text(w->ins_blob, 3, j->skipped, -1,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(w->ins_blob, 3);
	sqlite3_bind_int64(w->ins_blob, 4, (sqlite3_int64)j->size);
	sqlite3_bind_text(w->ins_blob, 5, j->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(w->ins_blob, 6, first);
	sqlite3_bind_int64(w->ins_blob, 7, (sqlite3_int64)j->nr_chunks);
	sqlite3_bind_int64(w->ins_blob, 8, (sqlite3_int64)j->nr_syms);
	if (sqlite3_step(w->ins_blob) != SQLITE_DONE)
		return review_index_sqlerr(idx, err, "store a blob");
	if (idx->embed && !idx->embed_failed && j->nr_chunks)
		review_index_embed_job(idx, w, j, first);
	return 1;
}

static int review_index_begin(struct review_index *idx, struct buf *err)
{
	long start = review_index_now_ms();
	int rc;

	for (;;) {
		rc = sqlite3_exec(idx->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY ||
		    review_index_now_ms() - start >
			    REVIEW_INDEX_WRITE_WAIT_S * 1000L)
			return review_index_sqlerr(idx, err, "start writing");
	}
}

/* Delete the rows of the blobs no file of the snapshot points at. */
static int review_index_drop_orphans(struct review_index *idx,
				     struct buf *err)
{
	sqlite3_stmt *sel = NULL, *dc = NULL, *ds = NULL, *dv = NULL,
		     *db = NULL;
	int rc, error;

	if ((error = review_index_prepare(idx, &sel, "SELECT blob, "
					  "first_chunk, nr_chunks FROM blobs b "
					  "WHERE NOT EXISTS (SELECT 1 FROM "
					  "files f WHERE f.blob = b.blob)",
					  err)) < 0 ||
	    (error = review_index_prepare(idx, &dc, "DELETE FROM chunks WHERE "
					  "rowid >= ?1 AND rowid < ?2", err)) <
		    0 ||
	    (error = review_index_prepare(idx, &dv, "DELETE FROM vectors WHERE "
					  "chunk >= ?1 AND chunk < ?2", err)) <
		    0 ||
	    (error = review_index_prepare(idx, &ds, "DELETE FROM symbols WHERE "
					  "blob = ?1", err)) < 0 ||
	    (error = review_index_prepare(idx, &db, "DELETE FROM blobs WHERE "
					  "blob = ?1", err)) < 0)
		goto out;
	/* Collect first: deleting while the SELECT runs is not allowed. */
	{
		struct { char *blob; sqlite3_int64 first, nr; } *del = NULL;
		size_t nr = 0, alloc = 0, i;

		while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
			ALLOC_GROW(del, nr, alloc);
			del[nr].blob = review_index_col_str(sel, 0);
			del[nr].first = sqlite3_column_int64(sel, 1);
			del[nr].nr = sqlite3_column_int64(sel, 2);
			if (del[nr].blob)
				nr++;
		}
		if (rc != SQLITE_DONE)
			error = review_index_sqlerr(idx, err,
						    "find unused blobs");
		for (i = 0; i < nr && !error; i++) {
			sqlite3_stmt *two[2] = { dc, dv }, *one[2] = { ds, db };
			size_t k;

			for (k = 0; k < 2 && !error; k++) {
				sqlite3_reset(two[k]);
				sqlite3_bind_int64(two[k], 1, del[i].first);
				sqlite3_bind_int64(two[k], 2,
						   del[i].first + del[i].nr);
				if (sqlite3_step(two[k]) != SQLITE_DONE)
					error = review_index_sqlerr(
						idx, err, "drop a blob");
			}
			for (k = 0; k < 2 && !error; k++) {
				sqlite3_reset(one[k]);
				sqlite3_bind_text(one[k], 1, del[i].blob, -1,
						  SQLITE_STATIC);
				if (sqlite3_step(one[k]) != SQLITE_DONE)
					error = review_index_sqlerr(
						idx, err, "drop a blob");
			}
		}
		for (i = 0; i < nr; i++)
			free(del[i].blob);
		free(del);
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(dc);
	sqlite3_finalize(dv);
	sqlite3_finalize(ds);
	sqlite3_finalize(db);
	return error;
}

/*
 * A blob whose chunks carry a path no file of the snapshot has for it any
 * more (a rename): give its chunks a path it has now, so the path column
 * of the search says where the text is.
 */
static int review_index_repath(struct review_index *idx, struct buf *err)
{
	sqlite3_stmt *sel = NULL, *up = NULL, *ub = NULL;
	struct { char *blob, *path; sqlite3_int64 first, nr; } *rows = NULL;
	size_t nr = 0, alloc = 0, i;
	int rc, error;

	if ((error = review_index_prepare(idx, &sel, "SELECT b.blob, "
					  "b.first_chunk, b.nr_chunks, (SELECT "
					  "min(f.path) FROM files f WHERE "
					  "f.blob = b.blob AND f.skipped IS "
					  "NULL) FROM blobs b WHERE "
					  "b.nr_chunks > 0 AND NOT EXISTS "
					  "(SELECT 1 FROM files f WHERE "
					  "f.path = b.path AND f.blob = "
					  "b.blob AND f.skipped IS NULL)",
					  err)) < 0 ||
	    (error = review_index_prepare(idx, &up, "UPDATE chunks SET path = "
					  "?3 WHERE rowid >= ?1 AND rowid < ?2",
					  err)) < 0 ||
	    (error = review_index_prepare(idx, &ub, "UPDATE blobs SET path = "
					  "?2 WHERE blob = ?1", err)) < 0)
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (!sqlite3_column_text(sel, 3) || !sqlite3_column_text(sel, 0))
			continue;
		ALLOC_GROW(rows, nr, alloc);
		rows[nr].blob = review_index_col_str(sel, 0);
		rows[nr].first = sqlite3_column_int64(sel, 1);
		rows[nr].nr = sqlite3_column_int64(sel, 2);
		rows[nr].path = review_index_col_str(sel, 3);
		nr++;
	}
	if (rc != SQLITE_DONE)
		error = review_index_sqlerr(idx, err, "find renamed blobs");
	for (i = 0; i < nr && !error; i++) {
		sqlite3_reset(up);
		sqlite3_bind_int64(up, 1, rows[i].first);
		sqlite3_bind_int64(up, 2, rows[i].first + rows[i].nr);
		sqlite3_bind_text(up, 3, rows[i].path, -1, SQLITE_STATIC);
		sqlite3_reset(ub);
		sqlite3_bind_text(ub, 1, rows[i].blob, -1, SQLITE_STATIC);
		sqlite3_bind_text(ub, 2, rows[i].path, -1, SQLITE_STATIC);
		if (sqlite3_step(up) != SQLITE_DONE ||
		    sqlite3_step(ub) != SQLITE_DONE)
			error = review_index_sqlerr(idx, err,
						    "move a renamed blob");
	}
out:
	for (i = 0; i < nr; i++) {
		free(rows[i].blob);
		free(rows[i].path);
	}
	free(rows);
	sqlite3_finalize(sel);
	sqlite3_finalize(up);
	sqlite3_finalize(ub);
	return error;
}

static int review_index_oid_cmp(const void *a, const void *b)
{
	const struct review_index_job *x = a, *y = b;

	return git_oid_cmp(&x->oid, &y->oid);
}

/* Parse a list of jobs on the pool and write each, in order. */
/*
 * A first build writes the symbols without their two indexes and makes
 * the indexes at the end: sorting 200,000 rows once costs half of keeping
 * two B-trees in order row by row. Only when the table is empty (a new or
 * rebuilt index), inside the update's transaction, so a failed update
 * rolls the indexes back with everything else.
 */
#define REVIEW_INDEX_BULK 256	/* blobs to parse that make it worth it */

static int review_index_bulk_start(struct review_index *idx, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int empty, error;

	if ((error = review_index_prepare(idx, &st, "SELECT 1 FROM symbols "
					  "LIMIT 1", err)) < 0)
		return error;
	empty = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!empty)
		return 0;
	if ((error = review_index_exec(idx, "DROP INDEX symbols_name;"
				       "DROP INDEX symbols_blob", err)) < 0)
		return error;
	idx->bulk = 1;
	return 0;
}

static int review_index_bulk_end(struct review_index *idx, struct buf *err)
{
	int error;

	if (!idx->bulk)
		return 0;
	if ((error = review_index_exec(idx, REVIEW_INDEX_SYMBOL_INDEXES,
				       err)) < 0)
		return error;
	idx->bulk = 0;
	return 0;
}

static int review_index_run_jobs(struct review_index *idx,
				 struct review_index_writer *w,
				 struct review_index_job *jobs, size_t nr,
				 int *in_txn, struct review_index_stats *st,
				 struct buf *err)
{
	struct review_index_pool pool;
	pthread_t *tids = NULL;
	size_t i, nr_threads = 0, want;
	int error = 0;

	memset(&pool, 0, sizeof(pool));
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.cond, NULL);
	pool.jobs = jobs;
	pool.nr = nr;
	pool.idx = idx;
	pool.window = (size_t)idx->threads * 16 + 16;
	want = (size_t)idx->threads;
	if (want > nr)
		want = nr;
	tids = xcalloc(want + 1, sizeof(*tids));
	for (i = 0; i < want; i++)
		if (!pthread_create(&tids[nr_threads], NULL,
				    review_index_pool_run, &pool))
			nr_threads++;
	if (nr && !nr_threads) {
		error = error_set(err, TEND_ERROR, "cannot start the index's "
				  "parsing threads");
		goto out;
	}
	if (!*in_txn) {
		if ((error = review_index_begin(idx, err)) < 0)
			goto out;
		*in_txn = 1;
		if (nr >= REVIEW_INDEX_BULK &&
		    (error = review_index_bulk_start(idx, err)) < 0)
			goto out;
		if ((error = review_index_writer_start(w, idx, err)) < 0)
			goto out;
	}
	for (i = 0; i < nr; i++) {
		struct review_index_job *j = &jobs[i];
		int rc;

		pthread_mutex_lock(&pool.lock);
		while (!j->done)
			pthread_cond_wait(&pool.cond, &pool.lock);
		pthread_mutex_unlock(&pool.lock);
		if (j->failed) {
			char hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, sizeof(hex), &j->oid);
			error = error_set(err, TEND_ERROR, "cannot read blob "
					  "'%s' of '%s'", hex, j->path);
			goto out;
		}
		st->parsed++;
		if ((rc = review_index_write_job(idx, w, j, err)) < 0) {
			error = rc;
			goto out;
		}
		review_index_job_clear(j);
		pthread_mutex_lock(&pool.lock);
		pool.written = i + 1;
		pthread_cond_broadcast(&pool.cond);
		pthread_mutex_unlock(&pool.lock);
	}
out:
	pthread_mutex_lock(&pool.lock);
	pool.stop = 1;
	pthread_cond_broadcast(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
	for (i = 0; i < nr_threads; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < nr; i++)
		review_index_job_clear(&jobs[i]);
	free(tids);
	pthread_cond_destroy(&pool.cond);
	pthread_mutex_destroy(&pool.lock);
	return error;
}

/*
 * The blobs of the snapshot that the database lacks, one job each (a blob
 * under two paths once), sorted by id.
 */
static int review_index_missing(struct review_index *idx,
				const struct review_index_snapshot *snap,
				const struct review_index_rows *rows,
				struct review_index_job **out, size_t *nr_out,
				struct buf *err)
{
	struct review_index_job *jobs = NULL;
	sqlite3_stmt *has = NULL;
	size_t nr = 0, alloc = 0, i, r = 0, k;
	int error;

	if ((error = review_index_prepare(idx, &has, "SELECT 1 FROM blobs "
					  "WHERE blob = ?1", err)) < 0)
		return error;
	for (i = 0; i < snap->nr; i++) {
		const struct review_index_entry *e = &snap->items[i];
		int c = 1;

		if (e->path_skip)
			continue;
		/* Unchanged paths keep their blob: no look-up. */
		while (rows && r < rows->nr &&
		       (c = strcmp(rows->items[r].path, e->path)) < 0)
			r++;
		if (rows && r < rows->nr && !c &&
		    !strcmp(rows->items[r].blob, e->hex) &&
		    !rows->items[r].skipped)
			continue;
		if ((error = review_index_has_blob(idx, has, e->hex, err)) < 0)
			goto out;
		if (error == 1) {
			error = 0;
			continue;
		}
		ALLOC_GROW(jobs, nr, alloc);
		memset(&jobs[nr], 0, sizeof(jobs[nr]));
		git_oid_cpy(&jobs[nr].oid, &e->oid);
		jobs[nr].path = e->path;
		nr++;
	}
	if (nr > 1)
		qsort(jobs, nr, sizeof(*jobs), review_index_oid_cmp);
	for (i = 0, k = 0; i < nr; i++)
		if (!k || git_oid_cmp(&jobs[k - 1].oid, &jobs[i].oid))
			jobs[k++] = jobs[i];
	nr = k;
out:
	sqlite3_finalize(has);
	if (error < 0) {
		free(jobs);
		return error;
	}
	*out = jobs;
	*nr_out = nr;
	return 0;
}

/* Make the `files` table the snapshot; counts added/changed/removed. */
static int review_index_write_files(struct review_index *idx,
				    const struct review_index_snapshot *snap,
				    const struct review_index_rows *rows,
				    struct review_index_stats *st,
				    struct buf *err)
{
	sqlite3_stmt *put = NULL, *del = NULL;
	size_t i = 0, r = 0;
	int error;

	if ((error = review_index_prepare(idx, &put, "INSERT OR REPLACE INTO "
					  "files(path, blob, skipped) VALUES "
					  "(?1, ?2, ?3)", err)) < 0 ||
	    (error = review_index_prepare(idx, &del, "DELETE FROM files WHERE "
					  "path = ?1", err)) < 0)
		goto out;
	while (i < snap->nr || r < rows->nr) {
		const struct review_index_entry *e =
			i < snap->nr ? &snap->items[i] : NULL;
		const struct review_index_row *row =
			r < rows->nr ? &rows->items[r] : NULL;
		int c = !e ? 1 : !row ? -1 : strcmp(e->path, row->path);
		sqlite3_stmt *stmt = NULL;

		if (c > 0) {
			st->removed++;
			stmt = del;
			sqlite3_reset(del);
			sqlite3_bind_text(del, 1, row->path, -1, SQLITE_STATIC);
			r++;
		} else {
			int same_skip = !c && ((!e->path_skip && !row->skipped) ||
				(e->path_skip && row->skipped &&
				 !strcmp(e->path_skip, row->skipped)));

			if (c < 0)
				st->added++;
			else if (strcmp(e->hex, row->blob))
				st->changed++;
			if (c < 0 || strcmp(e->hex, row->blob) || !same_skip) {
				stmt = put;
				sqlite3_reset(put);
				sqlite3_bind_text(put, 1, e->path, -1,
						  SQLITE_STATIC);
				sqlite3_bind_text(put, 2, e->hex, -1,
						  SQLITE_STATIC);
				if (e->path_skip)
					sqlite3_bind_text(put, 3, e->path_skip,
							  -1, SQLITE_STATIC);
				else
					sqlite3_bind_null(put, 3);
			}
			i++;
			if (!c)
				r++;
		}
		if (stmt && sqlite3_step(stmt) != SQLITE_DONE) {
			error = review_index_sqlerr(idx, err,
						    "write the files");
			goto out;
		}
	}
out:
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	return error;
}

/*
 * The snapshot's paths whose blob the database lacks although they are
 * not skipped (left out by the size cap): they get a files row marked so,
 * and are tried again by the next update.
 */
static int review_index_mark_capped(struct review_index *idx,
				    struct buf *err)
{
	return review_index_exec(idx, "UPDATE files SET skipped = 'size cap' "
				 "WHERE skipped IS NULL AND NOT EXISTS "
				 "(SELECT 1 FROM blobs b WHERE b.blob = "
				 "files.blob)", err);
}

static int review_index_counts(struct review_index *idx,
			       struct review_index_stats *st, struct buf *err)
{
	sqlite3_stmt *s = NULL;
	int error;

	if ((error = review_index_prepare(idx, &s, "SELECT count(*), "
					  "sum(f.skipped IS NOT NULL OR "
					  "b.skipped IS NOT NULL), "
					  "sum(CASE WHEN f.skipped IS NULL "
					  "THEN b.nr_chunks END), sum(CASE "
					  "WHEN f.skipped IS NULL THEN "
					  "b.nr_symbols END) FROM files f LEFT "
					  "JOIN blobs b ON b.blob = f.blob",
					  err)) < 0)
		return error;
	if (sqlite3_step(s) == SQLITE_ROW) {
		st->skipped = (size_t)sqlite3_column_int64(s, 1);
		st->chunks = (size_t)sqlite3_column_int64(s, 2);
		st->symbols = (size_t)sqlite3_column_int64(s, 3);
	} else {
		error = review_index_sqlerr(idx, err, "count the index");
	}
	sqlite3_finalize(s);
	return error;
}

/* A SQLite varint (as FTS5 writes them) at `p`: its bytes, 0 if cut. */
static size_t review_index_varint(const unsigned char *p, size_t n,
				  uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n && i < 9; i++) {
		if (i == 8) {
			*v = x << 8 | p[i];
			return 9;
		}
		x = x << 7 | (p[i] & 0x7f);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/*
 * Write the norms: each chunk's length in tokens (its chunks_docsize row
 * summed over the columns, what bm25() divides by), REVIEW_INDEX_NORM
 * bytes each, sorted by rowid, as one value (see "Ranking"). A chunk
 * longer than 65,535 tokens is written as that; rowids past 32 bits
 * leave no norms, and queries read the lengths from FTS5 instead.
 */
static int review_index_norms_write(struct review_index *idx,
				    struct buf *err)
{
	sqlite3_stmt *st = NULL;
	struct buf data = BUF_INIT;
	int rc, error, fits = 1;

	if ((error = review_index_prepare(idx, &st, "SELECT id, sz FROM "
					  "chunks_docsize ORDER BY id",
					  err)) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && fits) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		const unsigned char *sz = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1), off = 0, used;
		uint64_t tokens = 0, v;
		unsigned char rec[REVIEW_INDEX_NORM];

		if (id <= 0 || id > (sqlite3_int64)UINT32_MAX) {
			fits = 0;
			break;
		}
		while (sz && off < n &&
		       (used = review_index_varint(sz + off, n - off, &v))) {
			tokens += v;
			off += used;
		}
		if (tokens > 0xffff)
			tokens = 0xffff;
		rec[0] = (unsigned char)id;
		rec[1] = (unsigned char)(id >> 8);
		rec[2] = (unsigned char)(id >> 16);
		rec[3] = (unsigned char)(id >> 24);
		rec[4] = (unsigned char)tokens;
		rec[5] = (unsigned char)(tokens >> 8);
		buf_add(&data, rec, sizeof(rec));
	}
	if (fits && rc != SQLITE_DONE)
		error = review_index_sqlerr(idx, err, "read the chunks' sizes");
	sqlite3_finalize(st);
	st = NULL;
	if (error < 0)
		goto out;
	if ((error = review_index_prepare(idx, &st, fits ?
					  "INSERT OR REPLACE INTO norms(id, "
					  "data) VALUES (1, ?1)" :
					  "DELETE FROM norms", err)) < 0)
		goto out;
	if (fits)
		sqlite3_bind_blob(st, 1, data.ptr ? data.ptr : "",
				  (int)data.len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = review_index_sqlerr(idx, err, "store the norms");
out:
	sqlite3_finalize(st);
	buf_release(&data);
	return error;
}

static int review_index_update_once(struct review_index *idx,
				    const git_oid *commit,
				    struct review_index_stats *st,
				    struct buf *err)
{
	struct review_index_snapshot snap = { 0 };
	struct review_index_rows rows = { 0 }, now = { 0 };
	struct review_index_writer w;
	struct review_index_job *jobs = NULL, *late = NULL;
	size_t nr_jobs = 0, nr_late = 0;
	char hex[GIT_OID_HEXSZ + 1];
	int error, in_txn = 0;
	git_oid head;

	memset(&w, 0, sizeof(w));
	if (!idx->repo)
		return error_set(err, TEND_EINVALID, "the index of '%s' has no "
				 "repository to read", idx->path);
	git_oid_tostr(hex, sizeof(hex), commit);
	if ((error = review_index_rows_load(&rows, idx, err)) < 0 ||
	    (error = review_index_snapshot_load(&snap, idx, commit, &rows,
						err)) < 0)
		goto out;
	st->files = snap.nr;
	/* Up to date: nothing to parse, nothing to write. */
	if (review_index_head(idx, &head) && !git_oid_cmp(&head, commit) &&
	    rows.nr == snap.nr) {
		size_t i;
		int same = 1;

		for (i = 0; i < snap.nr && same; i++)
			same = !strcmp(rows.items[i].path, snap.items[i].path) &&
			       !strcmp(rows.items[i].blob, snap.items[i].hex) &&
			       !!rows.items[i].skipped ==
				       !!snap.items[i].path_skip &&
			       (!rows.items[i].skipped ||
				!strcmp(rows.items[i].skipped, "size cap") ||
				!strcmp(rows.items[i].skipped,
					snap.items[i].path_skip));
		if (same) {
			st->reused = snap.nr;
			error = review_index_counts(idx, st, err);
			goto out;
		}
	}
	if ((error = review_index_missing(idx, &snap, &rows, &jobs, &nr_jobs,
					  err)) < 0)
		goto out;
	if ((error = review_index_writer_init(&w, idx, err)) < 0)
		goto out;
	if ((error = review_index_run_jobs(idx, &w, jobs, nr_jobs, &in_txn, st,
					   err)) < 0)
		goto out;
	if (!in_txn) {
		if ((error = review_index_begin(idx, err)) < 0)
			goto out;
		in_txn = 1;
		if ((error = review_index_writer_start(&w, idx, err)) < 0)
			goto out;
	}
	/*
	 * Another process may have changed the snapshot while we parsed:
	 * compare with the files as they are now, inside the transaction,
	 * and parse what it dropped that we need.
	 */
	if ((error = review_index_rows_load(&now, idx, err)) < 0 ||
	    (error = review_index_missing(idx, &snap, NULL, &late, &nr_late,
					  err)) < 0)
		goto out;
	if (nr_late && (error = review_index_run_jobs(idx, &w, late, nr_late,
						      &in_txn, st, err)) < 0)
		goto out;
	if ((error = review_index_bulk_end(idx, err)) < 0 ||
	    (error = review_index_write_files(idx, &snap, &now, st, err)) < 0 ||
	    (error = review_index_mark_capped(idx, err)) < 0 ||
	    (error = review_index_drop_orphans(idx, err)) < 0 ||
	    (error = review_index_repath(idx, err)) < 0 ||
	    (error = review_index_norms_write(idx, err)) < 0)
		goto out;
	{
		sqlite3_stmt *m = NULL;

		if ((error = review_index_prepare(idx, &m, "INSERT OR REPLACE "
						  "INTO meta(key, value) VALUES "
						  "('commit', ?1), ('attributes',"
						  " ?2)", err)) < 0)
			goto out;
		sqlite3_bind_text(m, 1, hex, -1, SQLITE_STATIC);
		sqlite3_bind_text(m, 2, snap.attr_key, -1, SQLITE_STATIC);
		if (sqlite3_step(m) != SQLITE_DONE)
			error = review_index_sqlerr(idx, err,
						    "record the commit");
		sqlite3_finalize(m);
		if (error < 0)
			goto out;
	}
	if ((error = review_index_counts(idx, st, err)) < 0)
		goto out;
	if (sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		error = review_index_sqlerr(idx, err, "commit the update");
		goto out;
	}
	in_txn = 0;
	st->reused = st->files > st->parsed ? st->files - st->parsed : 0;
	if (w.capped) {
		free(st->note);
		st->note = xasprintf("the database size cap (%zu MiB) left "
				     "out %zu file%s", idx->db_max >> 20,
				     w.capped, w.capped == 1 ? "" : "s");
	}
out:
	if (in_txn)
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
	idx->bulk = 0;
	review_index_writer_release(&w);
	free(jobs);
	free(late);
	review_index_rows_release(&rows);
	review_index_rows_release(&now);
	review_index_snapshot_release(&snap);
	return error;
}

int review_index_update(struct review_index *idx, const git_oid *commit,
			struct review_index_stats *st, struct buf *err)
{
	long start = review_index_now_ms();
	struct buf why = BUF_INIT;
	int error;

	memset(st, 0, sizeof(*st));
	if (!idx->db && (error = review_index_db_open(idx, err)) < 0)
		goto out;
	idx->corrupt = 0;
	error = review_index_update_once(idx, commit, st, err);
	if (error < 0 && idx->corrupt) {
		buf_sets(&why, err->ptr ? err->ptr : "corrupt");
		review_index_stats_release(st);
		memset(st, 0, sizeof(*st));
		if ((error = review_index_reset(idx, why.ptr, err)) < 0)
			goto out;
		idx->corrupt = 0;
		error = review_index_update_once(idx, commit, st, err);
	}
	if (error == REVIEW_INDEX_ECORRUPT)
		error = TEND_ERROR;
out:
	if (idx->rebuilt) {
		st->rebuilt = 1;
		if (idx->note) {
			if (st->note) {
				char *both = xasprintf("%s; %s", idx->note,
						       st->note);

				free(st->note);
				st->note = both;
			} else {
				st->note = idx->note;
				idx->note = NULL;
			}
		}
		free(idx->note);
		idx->note = NULL;
		idx->rebuilt = 0;
	}
	st->ms = review_index_now_ms() - start;
	buf_release(&why);
	return error;
}

/* ---- queries ------------------------------------------------------------ */

void review_index_hits_init(struct review_index_hits *h)
{
	memset(h, 0, sizeof(*h));
}

static void review_index_hit_release(struct review_index_hit *h)
{
	free(h->path);
	free(h->kind);
	free(h->name);
	free(h->text);
}

void review_index_hits_release(struct review_index_hits *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++)
		review_index_hit_release(&h->items[i]);
	free(h->items);
	memset(h, 0, sizeof(*h));
}

void review_index_symbols_init(struct review_index_symbols *s)
{
	memset(s, 0, sizeof(*s));
}

void review_index_symbols_release(struct review_index_symbols *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		free(s->items[i].name);
		free(s->items[i].kind);
		free(s->items[i].path);
		free(s->items[i].context);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}

/* Length of the valid UTF-8 sequence at s (of n bytes), or 0. */
static size_t review_index_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int review_index_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

#define REVIEW_INDEX_MAX_TERMS 32
#define REVIEW_INDEX_MAX_QUERY 1024

/*
 * The terms of a query: each is one word or a phrase of words, made of
 * word bytes, spaces and UTF-8 only, so it can be quoted for FTS5
 * without escaping.
 */
struct review_index_terms {
	char *item[REVIEW_INDEX_MAX_TERMS];
	size_t nr;
};

static void review_index_terms_release(struct review_index_terms *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->item[i]);
	t->nr = 0;
}

/* Add one term made of `words` (space-separated, safe bytes). */
static void review_index_term(struct review_index_terms *t, const char *words)
{
	const unsigned char *p;
	int alnum = 0;

	for (p = (const unsigned char *)words; *p; p++)
		alnum = alnum || (*p != '_' && *p != ' ');
	if (!alnum || t->nr >= REVIEW_INDEX_MAX_TERMS)
		return;
	t->item[t->nr++] = xstrdup(words);
}

/* The MATCH expression of the terms whose bit is set in `take`. */
static size_t review_index_terms_expr(struct buf *out,
				      const struct review_index_terms *t,
				      unsigned long take)
{
	size_t i, nr = 0;

	buf_reset(out);
	for (i = 0; i < t->nr; i++) {
		if (!(take & (1UL << i)))
			continue;
		if (nr++)
			buf_puts(out, " OR ");
		buf_printf(out, "\"%s\"", t->item[i]);
	}
	return nr;
}

/*
 * The words of `s` (n bytes): runs of ASCII letters, digits, '_' and
 * valid UTF-8 sequences, joined by one space, into `out`; how many.
 */
static size_t review_index_words(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, nr = 0;
	int in_word = 0;

	buf_reset(out);
	while (i < n) {
		size_t len = u[i] >= 0x80 ? review_index_utf8_len(u + i, n - i)
					  : (size_t)review_index_word_byte(u[i]);

		if (!len) {
			in_word = 0;
			i++;
			continue;
		}
		if (!in_word) {
			if (out->len)
				buf_putc(out, ' ');
			nr++;
			in_word = 1;
		}
		buf_add(out, s + i, len);
		i += len;
	}
	return nr;
}

/* Extra terms for an identifier: its snake_case and camelCase parts. */
static void review_index_split_terms(struct review_index_terms *t,
				     const char *word)
{
	struct buf split = BUF_INIT, part = BUF_INIT;
	const char *p, *q;

	review_index_split_name(&split, word);
	if (!split.len && strchr(word, '_'))
		buf_puts(&split, word);
	for (p = split.ptr; split.len && *p; p = q) {
		while (*p == ' ' || *p == '_')
			p++;
		for (q = p; *q && *q != ' ' && *q != '_'; q++)
			;
		if (q > p && (size_t)(q - p) < strlen(word)) {
			buf_reset(&part);
			buf_add(&part, p, (size_t)(q - p));
			review_index_term(t, part.ptr);
		}
	}
	buf_release(&split);
	buf_release(&part);
}

/*
 * English words that match nearly every chunk: they add almost nothing to
 * a BM25 ranking and most of its cost, so a query that has other words
 * leaves them out.
 */
static const char *const review_index_stopwords[] = {
	"a", "about", "after", "all", "also", "an", "and", "any", "are",
	"as", "at", "be", "been", "before", "being", "but", "by", "can",
	"could", "does", "from", "had", "has", "have", "into", "is", "it",
	"its", "may", "more", "most", "must", "no", "not", "of", "on",
	"only", "or", "our", "should", "so", "some", "such", "than", "that",
	"the", "their", "them", "then", "there", "these", "they", "this",
	"those", "to", "too", "us", "very", "was", "we", "were", "what",
	"when", "where", "which", "who", "will", "with", "would", "you",
	"your", NULL
};

static int review_index_stopword(const char *w, size_t n)
{
	const char *const *p;

	for (p = review_index_stopwords; *p; p++)
		if (strlen(*p) == n && !strncasecmp(*p, w, n))
			return 1;
	return 0;
}

/* Does `query` hold a word of two bytes or more that is no stop word? */
static int review_index_has_content(const char *query, size_t n)
{
	size_t i = 0, a;

	while (i < n) {
		while (i < n && !review_index_word_byte((unsigned char)query[i]))
			i++;
		a = i;
		while (i < n && review_index_word_byte((unsigned char)query[i]))
			i++;
		if (i - a >= 2 && !review_index_stopword(query + a, i - a))
			return 1;
	}
	return 0;
}

/* The terms of `query` into `t` (empty: release it after use). */
static void review_index_query_terms(struct review_index_terms *t,
				     const char *query)
{
	struct buf words = BUF_INIT;
	size_t n = strlen(query), i = 0;
	int content;

	if (n > REVIEW_INDEX_MAX_QUERY)
		n = REVIEW_INDEX_MAX_QUERY;
	content = review_index_has_content(query, n);
	while (i < n && t->nr < REVIEW_INDEX_MAX_TERMS) {
		size_t a, b;

		if (query[i] == ' ' || query[i] == '\t' || query[i] == '\n' ||
		    query[i] == '\r') {
			i++;
			continue;
		}
		if (query[i] == '"') {
			/* A phrase: up to the closing quote (or the end). */
			a = ++i;
			while (i < n && query[i] != '"')
				i++;
			b = i;
			if (i < n)
				i++;
			if (review_index_words(&words, query + a, b - a))
				review_index_term(t, words.ptr);
			continue;
		}
		a = i;
		while (i < n && query[i] != ' ' && query[i] != '\t' &&
		       query[i] != '\n' && query[i] != '\r' && query[i] != '"')
			i++;
		b = i;
		if (!review_index_words(&words, query + a, b - a))
			continue;
		if (content && review_index_stopword(words.ptr, words.len))
			continue;
		/* A path fragment or a word: one term (a phrase if needed). */
		review_index_term(t, words.ptr);
		if (!strchr(words.ptr, ' '))
			review_index_split_terms(t, words.ptr);
	}
	buf_release(&words);
}

/*
 * Ranking.
 *
 * FTS5's bm25() reads the positions of every query term in every chunk
 * that matches any term, and the length of each of those chunks (a B-tree
 * lookup in chunks_docsize per chunk), so a query's time grows with the
 * number of chunks its commonest word appears in: "git" is in half of
 * git's 42,000 chunks. So a query of several terms picks its candidates
 * by its rarest terms, taken while the chunks they appear in add up to
 * the budget (REVIEW_INDEX_DOC_BUDGET unless opened with another; always
 * at least the rarest one), and scores those candidates against all its
 * terms (tend_rank()). A small repository takes every term at once.
 * A term's chunks are counted by FTS5 itself, up to the budget: a term in
 * more chunks than that is never one of the rarest anyway.
 *
 * The lengths come from `norms`: every update writes the token count of
 * each chunk (what chunks_docsize holds, summed over the columns) as one
 * sorted array, which a query reads in one piece, as a search engine
 * keeps its per-document norms in memory.
 */
static fts5_api *review_index_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr",
				     NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return api;
}

/*
 * tend_rank(chunks, P): BM25 of the chunks that contain a term of P->take
 * (a bit per phrase of the MATCH expression), scored against every phrase
 * of that expression with REVIEW_INDEX_BM25's column weights, as FTS5's
 * bm25() would score them; the candidates and their scores are left in P,
 * a struct review_index_rank bound as a pointer. Each phrase's postings
 * are walked once with xQueryPhrase() (which is also how bm25() counts a
 * phrase's chunks): the taken phrases' chunks become the candidates, and
 * the other phrases only add to candidates' frequencies. Called on one
 * row; what it returns is of no use.
 */
static const double review_index_weight[] = {
	3.0, 8.0, 0.0, 1.0, 0.0, 0.0, 0.0	/* as REVIEW_INDEX_BM25 */
};

/* One posting of a taken phrase, before candidates are known. */
struct review_index_posting {
	sqlite3_int64 rowid;
	double freq;
	int phrase;
	int len;
};

struct review_index_rank {
	unsigned long take;
	const unsigned char *norms;	/* REVIEW_INDEX_NORM bytes each */
	size_t nr_norms;
	struct review_index_posting *post;
	size_t nr_post, alloc_post;
	sqlite3_int64 *rowid;	/* the candidates, sorted */
	size_t nr;
	double *freq;		/* nr x phrases: weighted occurrences */
	int *len;		/* nr: tokens in the chunk, -1 unknown */
	double *score;		/* nr: the result */
	int phrase, nr_phrases;
	sqlite3_int64 hits;	/* chunks with the current phrase */
	int done, failed;
};

static uint32_t review_index_norm_id(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The stored length of chunk `id`, -1 when it has none. */
static int review_index_norm(const unsigned char *norms, size_t nr,
			     sqlite3_int64 id)
{
	size_t lo = 0, hi = nr, m;

	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if ((sqlite3_int64)review_index_norm_id(norms +
							m * REVIEW_INDEX_NORM) < id)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo >= nr || (sqlite3_int64)review_index_norm_id(norms +
				lo * REVIEW_INDEX_NORM) != id)
		return -1;
	norms += lo * REVIEW_INDEX_NORM;
	return norms[4] | norms[5] << 8;
}

/* The weighted occurrences of the current phrase in the current row. */
static int review_index_rank_freq(const Fts5ExtensionApi *api,
				  Fts5Context *fts, double *out)
{
	int ninst = 0, i, ip, ic, io, rc;
	double f = 0;

	if ((rc = api->xInstCount(fts, &ninst)) != SQLITE_OK)
		return rc;
	for (i = 0; i < ninst; i++)
		if (api->xInst(fts, i, &ip, &ic, &io) == SQLITE_OK &&
		    ic >= 0 && ic < (int)(sizeof(review_index_weight) /
					  sizeof(*review_index_weight)))
			f += review_index_weight[ic];
	*out = f;
	return SQLITE_OK;
}

/* A chunk of a taken phrase: a posting, a candidate to be. */
static int review_index_rank_take(const Fts5ExtensionApi *api,
				  Fts5Context *fts, void *data)
{
	struct review_index_rank *r = data;
	struct review_index_posting *p;
	int rc;

	r->hits++;
	ALLOC_GROW(r->post, r->nr_post + 1, r->alloc_post);
	p = &r->post[r->nr_post++];
	p->rowid = api->xRowid(fts);
	p->phrase = r->phrase;
	p->len = r->norms ? review_index_norm(r->norms, r->nr_norms,
					      p->rowid) : -1;
	if (p->len < 0 && (rc = api->xColumnSize(fts, -1, &p->len)) !=
				  SQLITE_OK)
		return rc;
	return review_index_rank_freq(api, fts, &p->freq);
}

/* A chunk of another phrase: counted, and scored if it is a candidate. */
static int review_index_rank_other(const Fts5ExtensionApi *api,
				   Fts5Context *fts, void *data)
{
	struct review_index_rank *r = data;
	sqlite3_int64 id = api->xRowid(fts);
	size_t lo = 0, hi = r->nr, p;

	r->hits++;
	while (lo < hi) {
		p = lo + (hi - lo) / 2;
		if (r->rowid[p] < id)
			lo = p + 1;
		else
			hi = p;
	}
	if (lo >= r->nr || r->rowid[lo] != id)
		return SQLITE_OK;
	return review_index_rank_freq(api, fts, &r->freq[lo *
			(size_t)r->nr_phrases + (size_t)r->phrase]);
}

static int review_index_posting_cmp(const void *a, const void *b)
{
	const struct review_index_posting *x = a, *y = b;

	if (x->rowid != y->rowid)
		return x->rowid < y->rowid ? -1 : 1;
	return x->phrase - y->phrase;
}

/* The postings of the taken phrases, as candidates with frequencies. */
static void review_index_rank_candidates(struct review_index_rank *r)
{
	size_t i, n = 0;

	if (r->nr_post > 1)
		qsort(r->post, r->nr_post, sizeof(*r->post),
		      review_index_posting_cmp);
	for (i = 0; i < r->nr_post; i++)
		if (!i || r->post[i].rowid != r->post[i - 1].rowid)
			n++;
	r->rowid = xcalloc(n + 1, sizeof(*r->rowid));
	r->len = xcalloc(n + 1, sizeof(*r->len));
	r->score = xcalloc(n + 1, sizeof(*r->score));
	r->freq = xcalloc((n + 1) * (size_t)r->nr_phrases, sizeof(*r->freq));
	for (i = 0, n = 0; i < r->nr_post; i++) {
		const struct review_index_posting *p = &r->post[i];

		if (!i || p->rowid != r->post[i - 1].rowid) {
			r->rowid[n] = p->rowid;
			r->len[n] = p->len;
			n++;
		}
		r->freq[(n - 1) * (size_t)r->nr_phrases + (size_t)p->phrase] =
			p->freq;
	}
	r->nr = n;
	free(r->post);
	r->post = NULL;
	r->nr_post = r->alloc_post = 0;
}

static void review_index_rank_fn(const Fts5ExtensionApi *api,
				 Fts5Context *fts, sqlite3_context *ctx,
				 int nval, sqlite3_value **val)
{
	const double k1 = 1.2, b = 0.75;
	struct review_index_rank *r;
	sqlite3_int64 nrow = 0, ntok = 0, *hits;
	double avgdl;
	size_t i;
	int p, pass, rc;

	sqlite3_result_null(ctx);
	if (nval != 1 || !(r = sqlite3_value_pointer(val[0], "tend_rank")) ||
	    r->done)
		return;
	r->done = 1;
	r->failed = 1;
	r->nr_phrases = api->xPhraseCount(fts);
	if (r->nr_phrases <= 0 || r->nr_phrases > REVIEW_INDEX_MAX_TERMS)
		return;
	/* An error (a corrupt index among them) is the statement's. */
	if ((rc = api->xRowCount(fts, &nrow)) != SQLITE_OK ||
	    (rc = api->xColumnTotalSize(fts, -1, &ntok)) != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	if (nrow <= 0)
		return;
	avgdl = (double)ntok / (double)nrow;
	hits = xcalloc((size_t)r->nr_phrases, sizeof(*hits));
	/* The taken phrases first: they make the candidates. */
	for (pass = 0; pass < 2; pass++) {
		for (p = 0; p < r->nr_phrases; p++) {
			int taken = !!(r->take & (1UL << p));

			if (taken != !pass)
				continue;
			r->phrase = p;
			r->hits = 0;
			if ((rc = api->xQueryPhrase(fts, p, r, taken ?
						    review_index_rank_take :
						    review_index_rank_other)) !=
			    SQLITE_OK) {
				sqlite3_result_error_code(ctx, rc);
				free(hits);
				return;
			}
			hits[p] = r->hits;
		}
		if (!pass)
			review_index_rank_candidates(r);
	}
	for (p = 0; p < r->nr_phrases; p++) {
		double idf = log(((double)nrow - (double)hits[p] + 0.5) /
				 ((double)hits[p] + 0.5));

		if (idf <= 0)
			idf = 1e-6;
		for (i = 0; i < r->nr; i++) {
			double f = r->freq[i * (size_t)r->nr_phrases +
					   (size_t)p],
			       dl = r->len[i] > 0 && avgdl > 0 ?
				    (double)r->len[i] / avgdl : 1;

			if (f > 0)
				r->score[i] += idf * f * (k1 + 1) /
					       (f + k1 * (1 - b + b * dl));
		}
	}
	free(hits);
	r->failed = 0;
}

/* The counting statement and tend_rank(); 0, or -1 when unavailable. */
static int review_index_df_open(struct review_index *idx)
{
	fts5_api *api;

	if (idx->df)
		return 0;
	if (idx->df_failed)
		return -1;
	idx->df_failed = 1;
	if (!(api = review_index_fts5_api(idx->db)) ||
	    api->xCreateFunction(api, "tend_rank", NULL,
				 review_index_rank_fn, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(idx->db, "SELECT count(*) FROM (SELECT 1 FROM "
			       "chunks WHERE chunks MATCH ?1 LIMIT ?2)", -1,
			       &idx->df, NULL) != SQLITE_OK) {
		sqlite3_finalize(idx->df);
		idx->df = NULL;
		return -1;
	}
	idx->df_failed = 0;
	return 0;
}

struct review_index_rarity {
	sqlite3_int64 df;
	size_t term;
};

static int review_index_rarity_cmp(const void *a, const void *b)
{
	const struct review_index_rarity *x = a, *y = b;

	if (x->df != y->df)
		return x->df < y->df ? -1 : 1;
	return x->term < y->term ? -1 : x->term > y->term;
}

/*
 * The bits of the terms of `t` to take candidates from: all of them when
 * there is one or the terms cannot be counted. Terms are taken rarest
 * first while their chunks fit the budget, and past it while they add up
 * to fewer than `need` chunks, so that the candidates can fill a page.
 */
static unsigned long review_index_rarest(struct review_index *idx,
					 const struct review_index_terms *t,
					 size_t need)
{
	struct review_index_rarity r[REVIEW_INDEX_MAX_TERMS];
	sqlite3_int64 sum = 0;
	unsigned long take = 0;
	size_t i;

	if (t->nr < 2 || review_index_df_open(idx) < 0)
		return ~0UL;
	for (i = 0; i < t->nr; i++) {
		struct buf q = BUF_INIT;
		int rc;

		buf_printf(&q, "\"%s\"", t->item[i]);
		sqlite3_bind_text(idx->df, 1, q.ptr, (int)q.len,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(idx->df, 2,
				   (sqlite3_int64)idx->doc_budget + 1);
		rc = sqlite3_step(idx->df);
		r[i].df = rc == SQLITE_ROW ? sqlite3_column_int64(idx->df, 0)
					   : 0;
		r[i].term = i;
		sqlite3_reset(idx->df);
		buf_release(&q);
		if (rc != SQLITE_ROW)
			return ~0UL;
	}
	qsort(r, t->nr, sizeof(*r), review_index_rarity_cmp);
	for (i = 0; i < t->nr; i++) {
		/* A term in no chunk costs nothing and finds nothing. */
		if (!r[i].df)
			continue;
		if (take && sum + r[i].df > (sqlite3_int64)idx->doc_budget &&
		    sum >= (sqlite3_int64)need)
			break;
		sum += r[i].df;
		take |= 1UL << r[i].term;
	}
	/* Every term that is in some chunk: one ranking by all of them. */
	if (!take || i == t->nr)
		return ~0UL;
	return take;
}

int review_index_match_expr(struct buf *out, const char *query)
{
	struct review_index_terms t = { { NULL }, 0 };
	size_t nr;

	review_index_query_terms(&t, query);
	nr = review_index_terms_expr(out, &t, ~0UL);
	review_index_terms_release(&t);
	return (int)nr;
}

/* The display name stored before the split parts. */
static char *review_index_display_name(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	const char *nl;

	if (!s || !*s)
		return NULL;
	nl = strchr(s, '\n');
	return nl ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
}

static void review_index_hit_add(struct review_index_hits *out,
				 sqlite3_stmt *st, double score)
{
	struct review_index_hit *h;
	const char *kind = (const char *)sqlite3_column_text(st, 3);
	const char *text = (const char *)sqlite3_column_text(st, 5);
	sqlite3_int64 a = sqlite3_column_int64(st, 1),
		      b = sqlite3_column_int64(st, 2);

	ALLOC_GROW(out->items, out->nr, out->alloc);
	h = &out->items[out->nr++];
	h->path = review_index_col_str(st, 0);
	if (!h->path)
		h->path = xstrdup("");
	h->start_line = a > 0 && a <= UINT_MAX ? (unsigned)a : 1;
	h->end_line = b >= (sqlite3_int64)h->start_line && b <= UINT_MAX ?
		      (unsigned)b : h->start_line;
	h->kind = xstrdup(kind ? kind : "lines");
	h->name = review_index_display_name(st, 4);
	h->text = xstrdup(text ? text : "");
	h->score = score;
}

#define REVIEW_INDEX_HIT_COLS \
	"files.path, chunks.start_line, chunks.end_line, chunks.kind, " \
	"chunks.name, chunks.text"
/* path, name, kind, text, blob, start_line, end_line */
#define REVIEW_INDEX_BM25 "bm25(chunks, 3.0, 8.0, 0.0, 1.0, 0.0, 0.0, 0.0)"

struct review_index_scored {
	sqlite3_int64 rowid;
	double score;
};

static int review_index_scored_cmp(const void *a, const void *b)
{
	const struct review_index_scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

static float review_index_dot(const float *a, const float *b, size_t n,
			      float *na, float *nb)
{
	float d = 0, x = 0, y = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		d += a[i] * b[i];
		x += a[i] * a[i];
		y += b[i] * b[i];
	}
	*na = x;
	*nb = y;
	return d;
}

/*
 * Hybrid ranking: the BM25 list and the cosine list, each cut at `k`,
 * fused by reciprocal rank. 1 when it ranked, 0 when there is nothing to
 * fuse with (no vectors, embedding failed), < 0 on error.
 */
static int review_index_query_hybrid(struct review_index *idx,
				     sqlite3_stmt *fts, const char *query,
				     const char *path_glob, size_t limit,
				     struct review_index_hits *out,
				     struct buf *err)
{
	struct review_index_scored *cand = NULL;
	size_t nr = 0, alloc = 0, k = limit * 4 + 50, i, n_bm = 0;
	sqlite3_stmt *vec = NULL, *one = NULL;
	float *qv = NULL;
	size_t dim = 0;
	struct buf eerr = BUF_INIT;
	const char *texts[1] = { query };
	int rc, error = 0;

	qv = xcalloc(4096, sizeof(float));
	if (idx->embed(idx->embed_data, texts, 1, qv, &dim, &eerr) < 0 ||
	    !dim || dim > 4096) {
		idx->embed_failed = 1;
		log_warn("index: embeddings unavailable, ranking by BM25 "
			 "only: %s", eerr.len ? eerr.ptr : "no dimension");
		goto out;
	}
	/* BM25's list: ranks 1.. in rowid terms. */
	while (n_bm < k && (rc = sqlite3_step(fts)) == SQLITE_ROW) {
		sqlite3_int64 rowid = sqlite3_column_int64(fts, 7);
		const char *path = (const char *)sqlite3_column_text(fts, 0);

		if (path_glob && (!path || !glob_match(path_glob, path)))
			continue;
		for (i = 0; i < nr && cand[i].rowid != rowid; i++)
			;
		if (i < nr)
			continue;
		ALLOC_GROW(cand, nr, alloc);
		cand[nr].rowid = rowid;
		cand[nr].score = 1.0 / (60.0 + (double)++n_bm);
		nr++;
	}
	if ((error = review_index_prepare(idx, &vec, "SELECT chunk, dim, data "
					  "FROM vectors", err)) < 0)
		goto out;
	{
		struct review_index_scored *top = xcalloc(k + 1, sizeof(*top));
		size_t nt = 0;

		while ((rc = sqlite3_step(vec)) == SQLITE_ROW) {
			const float *v = sqlite3_column_blob(vec, 2);
			int bytes = sqlite3_column_bytes(vec, 2);
			float na, nb, d;
			double cosv;

			if (sqlite3_column_int64(vec, 1) != (sqlite3_int64)dim ||
			    !v || (size_t)bytes != dim * sizeof(float))
				continue;
			d = review_index_dot(qv, v, dim, &na, &nb);
			if (na <= 0 || nb <= 0)
				continue;
			cosv = d / (sqrt(na) * sqrt(nb));
			if (nt == k && cosv <= top[nt - 1].score)
				continue;
			i = nt < k ? nt++ : nt - 1;
			while (i > 0 && top[i - 1].score < cosv) {
				top[i] = top[i - 1];
				i--;
			}
			top[i].rowid = sqlite3_column_int64(vec, 0);
			top[i].score = cosv;
		}
		for (i = 0; i < nt; i++) {
			size_t c;

			for (c = 0; c < nr && cand[c].rowid != top[i].rowid; c++)
				;
			if (c == nr) {
				ALLOC_GROW(cand, nr, alloc);
				cand[nr].rowid = top[i].rowid;
				cand[nr].score = 0;
				nr++;
			}
			cand[c].score += 1.0 / (60.0 + (double)(i + 1));
		}
		free(top);
	}
	if (nr > 1)
		qsort(cand, nr, sizeof(*cand), review_index_scored_cmp);
	if ((error = review_index_prepare(idx, &one, "SELECT "
					  REVIEW_INDEX_HIT_COLS " FROM chunks "
					  "JOIN files ON files.blob = "
					  "chunks.blob AND files.skipped IS "
					  "NULL WHERE chunks.rowid = ?1 "
					  "ORDER BY files.path", err)) < 0)
		goto out;
	for (i = 0; i < nr && out->nr < limit; i++) {
		sqlite3_reset(one);
		sqlite3_bind_int64(one, 1, cand[i].rowid);
		while (out->nr < limit && sqlite3_step(one) == SQLITE_ROW) {
			const char *path =
				(const char *)sqlite3_column_text(one, 0);

			if (path_glob && (!path || !glob_match(path_glob,
							       path)))
				continue;
			review_index_hit_add(out, one, cand[i].score);
		}
	}
	error = 1;
out:
	sqlite3_finalize(vec);
	sqlite3_finalize(one);
	buf_release(&eerr);
	free(qv);
	free(cand);
	return error;
}

static int review_index_has_vectors(struct review_index *idx)
{
	int n = 0;

	return review_index_pragma_int(idx, "SELECT count(*) FROM (SELECT 1 "
				       "FROM vectors LIMIT 1)", &n) ==
		       SQLITE_OK && n > 0;
}

/* After a query saw a corrupt database: move it aside for the next run. */
static int review_index_after(struct review_index *idx, int error,
			      struct buf *err)
{
	struct buf keep = BUF_INIT;

	if (error != REVIEW_INDEX_ECORRUPT)
		return error;
	buf_sets(&keep, err && err->len ? err->ptr : "corrupt");
	if (review_index_reset(idx, keep.ptr, NULL) == 0)
		error_set(err, TEND_ERROR, "%s; it was moved aside and the "
			  "next update rebuilds it", keep.ptr);
	buf_release(&keep);
	return TEND_ERROR;
}

/* Chunks a query's rarest terms should match at the least. */
#define REVIEW_INDEX_TOP(limit) ((limit) * 4 + 40)

static int review_index_hit_cmp(const void *a, const void *b)
{
	const struct review_index_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * The chunks' lengths (see norms), read inside the query's transaction:
 * `*nr` of them, or NULL when there are none usable, and the lengths
 * then come from FTS5.
 */
static unsigned char *review_index_norms_load(struct review_index *idx,
					      size_t *nr)
{
	sqlite3_stmt *st = NULL;
	unsigned char *norms = NULL;

	*nr = 0;
	if (sqlite3_prepare_v2(idx->db, "SELECT data FROM norms WHERE id = 1",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0), i;
		int sorted = p && n && n % REVIEW_INDEX_NORM == 0;

		/* Anything else is not ours. */
		for (i = REVIEW_INDEX_NORM; sorted && i < n;
		     i += REVIEW_INDEX_NORM)
			sorted = review_index_norm_id(p + i) >
				 review_index_norm_id(p + i -
						      REVIEW_INDEX_NORM);
		if (sorted) {
			norms = xmalloc(n);
			memcpy(norms, p, n);
			*nr = n / REVIEW_INDEX_NORM;
		}
	}
	sqlite3_finalize(st);
	return norms;
}

/*
 * The best `limit` hits of the terms of `t`, ranked by tend_rank() with
 * the candidates of the terms whose bit is set in `take` (all of them,
 * or the rarest: see review_index_rarest()); `every` is the MATCH
 * expression of all of them. Then the paths and text of the best, which
 * SQLite fetches by rowid, skipping chunks of files left out.
 *
 * 1 with the hits in `out`; 0 when that is not enough (the candidates of
 * the rarest terms ran out first), and the caller runs the full query;
 * < 0 on error.
 */
static int review_index_query_ranked(struct review_index *idx,
				     const char *every, unsigned long take,
				     size_t limit,
				     struct review_index_hits *out,
				     struct buf *err)
{
	struct review_index_rank rk;
	struct review_index_scored *rows = NULL;
	struct review_index_hits all;
	sqlite3_stmt *st = NULL, *row = NULL;
	unsigned char *norms;
	size_t i;
	int rc, error;

	memset(&rk, 0, sizeof(rk));
	review_index_hits_init(&all);
	rk.take = take;
	norms = review_index_norms_load(idx, &rk.nr_norms);
	rk.norms = norms;
	/* One row that matches: tend_rank() walks the rest itself. */
	if ((error = review_index_prepare(idx, &st, "SELECT "
					  "tend_rank(chunks, ?2) FROM chunks "
					  "WHERE chunks MATCH ?1 LIMIT 1",
					  err)) < 0 ||
	    (error = review_index_prepare(idx, &row, "SELECT "
					  REVIEW_INDEX_HIT_COLS " FROM chunks "
					  "JOIN files ON files.blob = "
					  "chunks.blob AND files.skipped IS "
					  "NULL WHERE chunks.rowid = ?1",
					  err)) < 0)
		goto out;
	sqlite3_bind_text(st, 1, every, -1, SQLITE_STATIC);
	sqlite3_bind_pointer(st, 2, &rk, "tend_rank", NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		error = review_index_sqlerr(idx, err, "search");
		goto out;
	}
	/* Not ranked (too many phrases): the caller's full query does. */
	if (rk.done && rk.failed)
		goto out;
	rows = xcalloc(rk.nr + 1, sizeof(*rows));
	for (i = 0; i < rk.nr; i++) {
		rows[i].rowid = rk.rowid[i];
		rows[i].score = rk.score[i];
	}
	if (rk.nr > 1)
		qsort(rows, rk.nr, sizeof(*rows), review_index_scored_cmp);
	/* The best, and any that tie with the last of them. */
	for (i = 0; i < rk.nr; i++) {
		if (all.nr >= limit &&
		    rows[i].score < all.items[all.nr - 1].score)
			break;
		sqlite3_reset(row);
		sqlite3_bind_int64(row, 1, rows[i].rowid);
		while ((rc = sqlite3_step(row)) == SQLITE_ROW)
			review_index_hit_add(&all, row, rows[i].score);
		if (rc != SQLITE_DONE) {
			error = review_index_sqlerr(idx, err, "search");
			goto out;
		}
	}
	/* The rarest terms' chunks ran out, and other chunks matched. */
	if (all.nr < limit && take != ~0UL)
		goto out;
	if (all.nr > 1)
		qsort(all.items, all.nr, sizeof(*all.items),
		      review_index_hit_cmp);
	for (i = 0; i < all.nr; i++) {
		if (out->nr < limit) {
			ALLOC_GROW(out->items, out->nr, out->alloc);
			out->items[out->nr++] = all.items[i];
		} else {
			review_index_hit_release(&all.items[i]);
		}
	}
	all.nr = 0;
	error = 1;
out:
	review_index_hits_release(&all);
	sqlite3_finalize(st);
	sqlite3_finalize(row);
	free(rows);
	free(norms);
	free(rk.post);
	free(rk.rowid);
	free(rk.freq);
	free(rk.len);
	free(rk.score);
	return error;
}

int review_index_query(struct review_index *idx, const char *query,
		       const char *path_glob, size_t limit,
		       struct review_index_hits *out, struct buf *err)
{
	struct review_index_terms terms = { { NULL }, 0 };
	unsigned long take;
	struct buf expr = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE, error = 0, txn = 0;

	if (!limit)
		limit = 10;
	if (!idx->db)
		return error_set(err, TEND_ERROR, "the index '%s' is not open",
				 idx->path);
	if (!query)
		goto out;
	review_index_query_terms(&terms, query);
	if (!review_index_terms_expr(&expr, &terms, ~0UL))
		goto out;
	if ((error = review_index_prepare(idx, &st, "SELECT "
					  REVIEW_INDEX_HIT_COLS ", "
					  REVIEW_INDEX_BM25 ", chunks.rowid "
					  "FROM chunks JOIN files ON "
					  "files.blob = chunks.blob AND "
					  "files.skipped IS NULL WHERE chunks "
					  "MATCH ?1 ORDER BY 7, files.path",
					  err)) < 0)
		goto out;
	sqlite3_bind_text(st, 1, expr.ptr, (int)expr.len, SQLITE_STATIC);
	if (idx->embed && !idx->embed_failed && review_index_has_vectors(idx)) {
		if ((error = review_index_query_hybrid(idx, st, query,
						       path_glob, limit, out,
						       err)) != 0) {
			error = error < 0 ? error : 0;
			goto out;
		}
		sqlite3_reset(st);
	}
	/*
	 * One snapshot for the counts, the norms and the ranking (after the
	 * hybrid ranking's embedding request: a snapshot held open stalls
	 * other processes' checkpoints).
	 */
	txn = sqlite3_get_autocommit(idx->db) &&
	      sqlite3_exec(idx->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	if (!path_glob && review_index_df_open(idx) == 0) {
		take = review_index_rarest(idx, &terms,
					   REVIEW_INDEX_TOP(limit));
		error = review_index_query_ranked(idx, expr.ptr, take, limit,
						  out, err);
		if (error != 0) {
			error = error < 0 ? error : 0;
			goto out;
		}
	}
	while (out->nr < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);

		if (path_glob && (!path || !glob_match(path_glob, path)))
			continue;
		review_index_hit_add(out, st, -sqlite3_column_double(st, 6));
	}
	if (out->nr < limit && rc != SQLITE_DONE)
		error = review_index_sqlerr(idx, err, "search");
out:
	sqlite3_finalize(st);
	if (txn && sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) !=
		       SQLITE_OK)
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
	buf_release(&expr);
	review_index_terms_release(&terms);
	return review_index_after(idx, error, err);
}

static void review_index_symbol_add(struct review_index_symbols *out,
				    sqlite3_stmt *st)
{
	struct review_index_symbol *s;
	sqlite3_int64 a = sqlite3_column_int64(st, 4),
		      b = sqlite3_column_int64(st, 5);

	ALLOC_GROW(out->items, out->nr, out->alloc);
	s = &out->items[out->nr++];
	s->name = review_index_col_str(st, 0);
	if (!s->name)
		s->name = xstrdup("");
	s->kind = review_index_col_str(st, 1);
	if (!s->kind)
		s->kind = xstrdup("symbol");
	s->definition = sqlite3_column_int(st, 2) ? 1 : 0;
	s->path = review_index_col_str(st, 3);
	if (!s->path)
		s->path = xstrdup("");
	s->line = a > 0 && a <= UINT_MAX ? (unsigned)a : 1;
	s->end_line = b >= (sqlite3_int64)s->line && b <= UINT_MAX ?
		      (unsigned)b : s->line;
	s->context = review_index_col_str(st, 6);
	if (!s->context)
		s->context = xstrdup("");
}

/* Run a symbol statement (bound already) into `out`, at most `limit`. */
static int review_index_symbols_run(struct review_index *idx,
				    sqlite3_stmt *st, size_t limit,
				    struct review_index_symbols *out,
				    struct buf *err)
{
	size_t n = 0;
	int rc;

	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		review_index_symbol_add(out, st);
		n++;
	}
	if (n < limit && rc != SQLITE_DONE)
		return review_index_sqlerr(idx, err, "read symbols");
	return 0;
}

#define REVIEW_INDEX_SYM_COLS \
	"s.name, s.kind, s.definition, f.path, s.line, s.end_line, s.context"

int review_index_symbol(struct review_index *idx, const char *name,
			size_t limit, struct review_index_symbols *out,
			struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int error;

	if (!limit)
		limit = 50;
	if (!idx->db)
		return error_set(err, TEND_ERROR, "the index '%s' is not open",
				 idx->path);
	if (!name || !*name)
		return 0;
	if ((error = review_index_prepare(idx, &st, "SELECT "
					  REVIEW_INDEX_SYM_COLS " FROM symbols "
					  "s JOIN files f ON f.blob = s.blob "
					  "AND f.skipped IS NULL WHERE s.name "
					  "= ?1 ORDER BY s.definition DESC, "
					  "f.path, s.line LIMIT ?2", err)) == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
		error = review_index_symbols_run(idx, st, limit, out, err);
	}
	sqlite3_finalize(st);
	return review_index_after(idx, error, err);
}

/*
 * The span `line` of blob `blob` stands for: the innermost definition
 * holding it, else the chunk holding it, else the line itself.
 */
static int review_index_span(struct review_index *idx, const char *blob,
			     unsigned line, unsigned *lo, unsigned *hi,
			     struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int error;

	*lo = *hi = line;
	if ((error = review_index_prepare(idx, &st, "SELECT line, end_line "
					  "FROM symbols WHERE blob = ?1 AND "
					  "definition = 1 AND line <= ?2 AND "
					  "end_line >= ?2 ORDER BY end_line - "
					  "line LIMIT 1", err)) < 0)
		return error;
	sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, line);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*lo = (unsigned)sqlite3_column_int64(st, 0);
		*hi = (unsigned)sqlite3_column_int64(st, 1);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if ((error = review_index_prepare(idx, &st, "SELECT c.start_line, "
					  "c.end_line FROM blobs b JOIN chunks "
					  "c ON c.rowid >= b.first_chunk AND "
					  "c.rowid < b.first_chunk + "
					  "b.nr_chunks WHERE b.blob = ?1 AND "
					  "c.start_line <= ?2 AND c.end_line "
					  ">= ?2 LIMIT 1", err)) < 0)
		return error;
	sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, line);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*lo = (unsigned)sqlite3_column_int64(st, 0);
		*hi = (unsigned)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

int review_index_related(struct review_index *idx, const char *path,
			 unsigned line, size_t limit,
			 struct review_index_symbols *uses,
			 struct review_index_symbols *callers,
			 struct buf *err)
{
	sqlite3_stmt *st = NULL;
	char *blob = NULL;
	unsigned lo = 1, hi = UINT_MAX;
	int error;

	if (!limit)
		limit = 20;
	if (!idx->db)
		return error_set(err, TEND_ERROR, "the index '%s' is not open",
				 idx->path);
	if ((error = review_index_prepare(idx, &st, "SELECT blob, skipped "
					  "FROM files WHERE path = ?1", err)) <
	    0)
		goto out;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		error = error_set(err, TEND_ENOTFOUND, "'%s' is not in the "
				  "index", path);
		goto out;
	}
	if (sqlite3_column_text(st, 1)) {
		error = error_set(err, TEND_ENOTFOUND, "'%s' is not indexed "
				  "(%s)", path,
				  (const char *)sqlite3_column_text(st, 1));
		goto out;
	}
	blob = review_index_col_str(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (!blob)
		goto out;
	if (line && (error = review_index_span(idx, blob, line, &lo, &hi,
					       err)) < 0)
		goto out;
	/* What the span uses: definitions elsewhere of the names it calls. */
	if ((error = review_index_prepare(idx, &st, "SELECT "
					  REVIEW_INDEX_SYM_COLS " FROM (SELECT "
					  "name, min(line) AS first FROM "
					  "symbols WHERE blob = ?1 AND "
					  "definition = 0 AND line BETWEEN ?2 "
					  "AND ?3 GROUP BY name) r JOIN "
					  "symbols s ON s.name = r.name AND "
					  "s.definition = 1 JOIN files f ON "
					  "f.blob = s.blob AND f.skipped IS "
					  "NULL WHERE NOT (f.path = ?4 AND "
					  "s.line BETWEEN ?2 AND ?3) ORDER BY "
					  "r.first, f.path = ?4 DESC, f.path, "
					  "s.line LIMIT ?5", err)) < 0)
		goto out;
	sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	sqlite3_bind_text(st, 4, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)limit);
	if ((error = review_index_symbols_run(idx, st, limit, uses, err)) < 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	/* Who uses what the span defines. */
	if ((error = review_index_prepare(idx, &st, "SELECT "
					  REVIEW_INDEX_SYM_COLS " FROM (SELECT "
					  "DISTINCT name FROM symbols WHERE "
					  "blob = ?1 AND definition = 1 AND "
					  "line BETWEEN ?2 AND ?3) d JOIN "
					  "symbols s ON s.name = d.name AND "
					  "s.definition = 0 JOIN files f ON "
					  "f.blob = s.blob AND f.skipped IS "
					  "NULL WHERE NOT (f.path = ?4 AND "
					  "s.line BETWEEN ?2 AND ?3) ORDER BY "
					  "f.path, s.line LIMIT ?5", err)) < 0)
		goto out;
	sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	sqlite3_bind_text(st, 4, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)limit);
	error = review_index_symbols_run(idx, st, limit, callers, err);
out:
	sqlite3_finalize(st);
	free(blob);
	return review_index_after(idx, error, err);
}
