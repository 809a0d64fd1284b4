/*
 * index.h - the repository index: one SQLite database per repository
 * (Debian's libsqlite3 and its FTS5 full-text engine) that every agent
 * retrieves from. It is a cache of what git holds, so it can always be
 * rebuilt.
 *
 * What it holds, for the files of one commit (a snapshot; the last one
 * indexed):
 *   blobs    every blob ever indexed, by id: its language and whether it
 *            was skipped (and why); a blob is read and parsed once, ever
 *            - an update re-reads only blobs it has not seen, so its cost
 *            grows with the change, not the repository;
 *   chunks   the text of each blob cut along definitions where tree-sitter
 *            knows the language (functions, classes, methods, structs,
 *            types), windows of lines elsewhere, secrets masked; searched
 *            with FTS5, ranked by BM25 (path and symbol names weigh more
 *            than body text);
 *   symbols  definitions and references per blob, from tree-sitter queries
 *            written for the ten grammars (C, C++, Python, JavaScript,
 *            TypeScript/TSX, Go, Rust, Java, Ruby, Bash): name, kind,
 *            line span;
 *   files    the snapshot: path -> blob, for the commit indexed;
 *   vectors  optional: one embedding per chunk (see the embed callback).
 * Files the review would skip are not indexed: ignored, generated,
 * vendored, binary, and files over the size cap; the database has a size
 * cap too (then the largest files are left out, and said).
 *
 * Where: `<git dir>/tend/index.sqlite` by default (the caller may give a
 * path: $XDG_CACHE_HOME/tend/<hash of the origin URL>.sqlite for another
 * repository). The schema is versioned (PRAGMA user_version); a database
 * of another version, a foreign file or a corrupt one is moved aside and
 * rebuilt with a note, never a crash. WAL and a busy timeout: two runs
 * updating at once both succeed, one after the other.
 *
 * Thread-safety: one struct review_index per thread.
 */
#ifndef REVIEW_INDEX_H
#define REVIEW_INDEX_H

#include <stddef.h>

#include <git2.h>

#include "common/buf.h"

struct review_index;
struct review_rules;

/* Defaults of the caps. */
#define REVIEW_INDEX_FILE_MAX (1u << 20)	/* bytes of one file indexed */
#define REVIEW_INDEX_DB_MAX (512u << 20)	/* bytes of the database */

/*
 * The embedding function (optional): fill `out` with `nr` vectors of
 * `dim` floats for `texts`, or return < 0 (the index then ranks by BM25
 * only, and says so once). `*dim_out` is set on the first call.
 */
typedef int (*review_index_embed_fn)(void *data, const char *const *texts,
				     size_t nr, float *out, size_t *dim_out,
				     struct buf *err);

struct review_index_opts {
	const char *path;		/* NULL: <git dir>/tend/index.sqlite */
	const struct review_rules *rules; /* secrets masked in chunks; NULL:
					     the built-in packs */
	size_t file_max;		/* 0: REVIEW_INDEX_FILE_MAX */
	size_t db_max;			/* 0: REVIEW_INDEX_DB_MAX */
	/* Glob patterns (common/glob.h) of paths never indexed. */
	const char *const *ignore;
	size_t nr_ignore;
	review_index_embed_fn embed;	/* NULL: no vectors */
	void *embed_data;
	int threads;			/* parsing threads; 0: the cores */
	/* Chunks a query's rarest terms may match before the commoner ones
	 * only add to their scores (see review_index_query()); 0: the
	 * default, 3000. */
	size_t doc_budget;
};

/* What an update did. */
struct review_index_stats {
	size_t files;		/* in the snapshot */
	size_t added, changed, removed;	/* paths, against the last snapshot */
	size_t reused;		/* paths whose blob was indexed already */
	size_t parsed;		/* blobs read and parsed by this update */
	size_t skipped;		/* paths left out (generated, binary, ...) */
	size_t chunks, symbols;	/* in the snapshot */
	long ms;
	int rebuilt;		/* the database was unusable: started anew */
	char *note;		/* why it was rebuilt, or NULL */
};

void review_index_stats_release(struct review_index_stats *st);

/*
 * Open (creating it when missing) the index of `repo`. TEND_EINVALID for
 * a path that cannot hold it; a database that is not a usable index is
 * moved aside and started anew (stats of the next update say so).
 */
int review_index_open(struct review_index **out, git_repository *repo,
		      const struct review_index_opts *opts, struct buf *err);
void review_index_close(struct review_index *idx);

/*
 * Make the snapshot the tree of `commit`: parse the blobs not seen yet,
 * drop the rows of blobs no snapshot needs. Safe to call again: an
 * up-to-date index does no parsing.
 */
int review_index_update(struct review_index *idx, const git_oid *commit,
			struct review_index_stats *st, struct buf *err);

/* The commit of the snapshot, or 0 when nothing was indexed yet. */
int review_index_head(struct review_index *idx, git_oid *out);

/* 1 when the snapshot is of the commit whose hex id is `hex`, else 0. */
int review_index_is_at(struct review_index *idx, const char *hex);

/* One result of a query. */
struct review_index_hit {
	char *path;
	unsigned start_line, end_line;	/* 1-based, inclusive */
	char *kind;		/* "function", "class", "lines", ... */
	char *name;		/* the definition's name, or NULL */
	char *text;		/* the chunk's text (masked) */
	double score;		/* higher is better */
};

struct review_index_hits {
	struct review_index_hit *items;
	size_t nr, alloc;
};

void review_index_hits_init(struct review_index_hits *h);
void review_index_hits_release(struct review_index_hits *h);

/*
 * Ranked chunks for free text `query` (words, "quoted phrases", a path
 * fragment; anything else is taken as words - FTS5's own syntax is never
 * passed through), best first, at most `limit`; only paths matching the
 * glob `path_glob` (NULL: all). Hybrid with vectors when there are any.
 * Ranked by BM25 over path, name and text; in a large index the
 * candidates are the chunks of the query's rarest terms, scored against
 * all of them, which ranks as a full BM25 does among those candidates at
 * a fraction of the cost (the doc_budget of the options).
 */
int review_index_query(struct review_index *idx, const char *query,
		       const char *path_glob, size_t limit,
		       struct review_index_hits *out, struct buf *err);

/* A symbol occurrence. */
struct review_index_symbol {
	char *name;
	char *kind;		/* "function", "method", "class", ... */
	int definition;		/* 1 definition, 0 reference */
	char *path;
	unsigned line, end_line;
	char *context;		/* the definition's first line / the line */
};

struct review_index_symbols {
	struct review_index_symbol *items;
	size_t nr, alloc;
};

void review_index_symbols_init(struct review_index_symbols *s);
void review_index_symbols_release(struct review_index_symbols *s);

/* Definitions, then references, of exactly `name`; at most `limit`. */
int review_index_symbol(struct review_index *idx, const char *name,
			size_t limit, struct review_index_symbols *out,
			struct buf *err);

/*
 * What the span around `line` of `path` (line 0: the whole file) relates
 * to: the definitions of the symbols it uses (defined elsewhere in the
 * snapshot) and the places that reference the definitions it holds. At
 * most `limit` of each.
 */
int review_index_related(struct review_index *idx, const char *path,
			 unsigned line, size_t limit,
			 struct review_index_symbols *uses,
			 struct review_index_symbols *callers,
			 struct buf *err);

#endif
