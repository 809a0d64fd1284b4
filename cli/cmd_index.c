/*
 * cmd_index.c - `tend index`: build or update the repository index of a
 * commit and answer from it (ranked search, a symbol's definitions and
 * references, what a span of code relates to), as text or JSON.
 *
 * The index itself is review/index.c; this file only parses options,
 * loads the config (review.ignore, checks.rules for masking), prints and
 * picks the exit status: 0 done, 2 usage or configuration, 3 the index
 * could not be read or written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "actions/context.h"
#include "actions/rules.h"
#include "cli/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/index.h"
#include "review/rules.h"

static const char cmd_index_usage[] =
	"tend index [-C DIR] [--rev REV] [--rebuild] [--format text|json]\n"
	"       [--query TEXT [--path GLOB] [--limit N] | --symbol NAME |\n"
	"        --related PATH[:LINE]] [--repo-name NAME]";

static const char cmd_index_description[] =
	"Build or update the index of HEAD (or REV) that agents retrieve\n"
	"from, at <git dir>/tend/index.sqlite, and say what was done: files\n"
	"added, changed, removed and reused, blobs parsed, files skipped,\n"
	"chunks and symbols. With --query, --symbol or --related, answer\n"
	"from the index (updated first when it is not of REV). With\n"
	"--repo-name, answer from the repository NAME of context.repos\n"
	"instead (fetched and indexed first).";

struct cmd_index_args {
	const char *dir, *rev, *query, *path, *symbol, *related, *repo_name;
	long limit;
	int rebuild, json;
};

static void cmd_index_stats_text(struct buf *b, const git_oid *commit,
				 const struct review_index_stats *st)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), commit);
	buf_printf(b, "indexed %.12s: %zu files: %zu added, %zu changed, "
		   "%zu removed, %zu reused; %zu parsed, %zu skipped; "
		   "%zu chunks, %zu symbols in %ld ms\n", hex, st->files,
		   st->added, st->changed, st->removed, st->reused, st->parsed,
		   st->skipped, st->chunks, st->symbols, st->ms);
	if (st->note)
		buf_printf(b, "note: %s\n", st->note);
}

static json_t *cmd_index_stats_json(const git_oid *commit,
				    const struct review_index_stats *st,
				    const char *db)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), commit);
	return json_pack("{s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
			 "s:b,s:o}", "commit", hex, "database",
			 jsonutil_string(db), "files", (json_int_t)st->files,
			 "added", (json_int_t)st->added, "changed",
			 (json_int_t)st->changed, "removed",
			 (json_int_t)st->removed, "reused",
			 (json_int_t)st->reused, "parsed",
			 (json_int_t)st->parsed, "skipped",
			 (json_int_t)st->skipped, "chunks",
			 (json_int_t)st->chunks, "symbols",
			 (json_int_t)st->symbols, "ms", (json_int_t)st->ms,
			 "rebuilt", st->rebuilt, "note",
			 st->note ? jsonutil_string(st->note) : json_null());
}

static void cmd_index_hits_text(struct buf *b,
				const struct review_index_hits *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++) {
		const struct review_index_hit *x = &h->items[i];
		const char *p = x->text;
		int lines = 0;

		buf_printf(b, "%s:%u-%u %s%s%s (%.3f)\n", x->path,
			   x->start_line, x->end_line, x->kind,
			   x->name ? " " : "", x->name ? x->name : "",
			   x->score);
		/* The first lines of the chunk, indented. */
		while (*p && lines < 3) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			buf_printf(b, "    %.*s\n", (int)(n > 200 ? 200 : n), p);
			lines++;
			p += n + (nl ? 1 : 0);
		}
	}
	if (!h->nr)
		buf_puts(b, "no matches\n");
}

static json_t *cmd_index_hits_json(const struct review_index_hits *h)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < h->nr; i++) {
		const struct review_index_hit *x = &h->items[i];

		json_array_append_new(a, json_pack(
			"{s:o,s:I,s:I,s:o,s:o,s:f,s:o}", "path",
			jsonutil_string(x->path), "start_line",
			(json_int_t)x->start_line, "end_line",
			(json_int_t)x->end_line, "kind",
			jsonutil_string(x->kind), "name",
			x->name ? jsonutil_string(x->name) : json_null(),
			"score", x->score, "text", jsonutil_string(x->text)));
	}
	return a;
}

static void cmd_index_symbols_text(struct buf *b, const char *title,
				   const struct review_index_symbols *s)
{
	size_t i;

	if (title)
		buf_printf(b, "%s:\n", title);
	for (i = 0; i < s->nr; i++) {
		const struct review_index_symbol *x = &s->items[i];

		buf_printf(b, "%s%s:%u: %s %s %s: %s\n", title ? "  " : "",
			   x->path, x->line,
			   x->definition ? "definition" : "reference", x->kind,
			   x->name, x->context);
	}
	if (!s->nr)
		buf_printf(b, "%snone\n", title ? "  " : "");
}

static json_t *cmd_index_symbols_json(const struct review_index_symbols *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < s->nr; i++) {
		const struct review_index_symbol *x = &s->items[i];

		json_array_append_new(a, json_pack(
			"{s:o,s:o,s:b,s:o,s:I,s:I,s:o}", "name",
			jsonutil_string(x->name), "kind",
			jsonutil_string(x->kind), "definition", x->definition,
			"path", jsonutil_string(x->path), "line",
			(json_int_t)x->line, "end_line", (json_int_t)x->end_line,
			"context", jsonutil_string(x->context)));
	}
	return a;
}

/* PATH[:LINE] -> path (caller frees) and line (0 when absent). */
static char *cmd_index_split_related(const char *arg, unsigned *line)
{
	const char *colon = strrchr(arg, ':');
	char *end = NULL;
	long n;

	*line = 0;
	if (colon && colon[1]) {
		errno = 0;
		n = strtol(colon + 1, &end, 10);
		if (!errno && end && !*end && n > 0 && n < (1L << 30)) {
			*line = (unsigned)n;
			return xstrndup(arg, (size_t)(colon - arg));
		}
	}
	return xstrdup(arg);
}

static char *cmd_index_config_root(git_repository *repo)
{
	return cli_config_root(forge_git_workdir(repo));
}

/*
 * The index of the repository here when it is of HEAD already, opened
 * without libgit2 (forge_git_peek_head()): a question to an up-to-date
 * index needs neither git nor the configuration, which only say what an
 * update stores. NULL for anything else; the caller takes the full path,
 * which updates the index or reports the error.
 */
static struct review_index *cmd_index_open_fresh(const struct review_rules
						 *rules)
{
	struct buf top = BUF_INIT, common = BUF_INIT, err = BUF_INIT;
	struct review_index_opts io = { 0 };
	struct review_index *idx = NULL;
	struct stat st;
	char hex[41], *db = NULL;

	if (forge_git_peek_head(".", &top, &common, hex) < 0)
		goto out;
	db = xasprintf("%stend/index.sqlite", common.ptr);
	if (stat(db, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	io.path = db;
	io.rules = rules;
	if (review_index_open(&idx, NULL, &io, &err) < 0)
		idx = NULL;
	else if (!review_index_is_at(idx, hex)) {
		review_index_close(idx);
		idx = NULL;
	}
out:
	free(db);
	buf_release(&top);
	buf_release(&common);
	buf_release(&err);
	return idx;
}

int cmd_index(int argc, char **argv)
{
	struct cli_common c = { 0 };
	struct cmd_index_args a = { 0 };
	const struct cli_option opts[] = {
		OPT_STRING('C', NULL, &a.dir, "DIR",
			   "run as if tend was started in DIR"),
		OPT_STRING(0, "rev", &a.rev, "REV",
			   "index this commit instead of HEAD"),
		OPT_FLAG(0, "rebuild", &a.rebuild,
			 "start the index anew (the old file is removed)"),
		OPT_STRING(0, "query", &a.query, "TEXT",
			   "ranked chunks for these words"),
		OPT_STRING(0, "path", &a.path, "GLOB",
			   "with --query: only paths matching GLOB"),
		OPT_INT(0, "limit", &a.limit, "N",
			"at most N results (default 10; 50 for symbols)"),
		OPT_STRING(0, "symbol", &a.symbol, "NAME",
			   "definitions, then references, of NAME"),
		OPT_STRING(0, "related", &a.related, "PATH[:LINE]",
			   "what the span at PATH:LINE uses and who uses it"),
		OPT_STRING(0, "repo-name", &a.repo_name, "NAME",
			   "answer from context.repos' NAME"),
		OPT_STRING(0, "format", &c.format, "FMT", "text|json"),
		OPT_STRING(0, "config", &c.config, "FILE",
			   "use this config file instead of .tend.yml"),
		OPT_COUNT('v', "verbose", &c.verbose,
			  "more diagnostics (twice for trace)"),
		OPT_FLAG('q', "quiet", &c.quiet, "only errors on stderr"),
		OPT_FLAG('h', "help", &c.help, "show this help"),
		OPT_END()
	};
	struct tend_config cfg;
	struct review_rules rules;
	struct review_index_opts io = { 0 };
	struct review_index_stats st = { 0 };
	struct review_index_hits hits;
	struct review_index_symbols syms, callers;
	struct review_index *idx = NULL;
	struct actions_trust src;
	struct actions_context xctx;
	git_repository *repo = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	json_t *root = NULL;
	char **rest = NULL, *croot = NULL, *rpath = NULL, *dbpath = NULL;
	git_oid commit, head;
	unsigned rline = 0;
	int nrest, rc, asks, updated = 0, exit_code = CLI_EXIT_USAGE;

	config_init(&cfg);
	actions_context_init(&xctx);
	review_rules_init(&rules);
	review_index_hits_init(&hits);
	review_index_symbols_init(&syms);
	review_index_symbols_init(&callers);
	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	if (c.help) {
		cli_print_help(stdout, cmd_index_usage, cmd_index_description,
			       opts);
		exit_code = CLI_EXIT_OK;
		goto out;
	}
	cli_setup_logging(&c);
	if (nrest) {
		cli_error("unexpected argument '%s'\nusage: %s", rest[0],
			  cmd_index_usage);
		goto out;
	}
	if (c.format && strcmp(c.format, "text")) {
		if (strcmp(c.format, "json")) {
			cli_error("unknown --format '%s'; use text or json",
				  c.format);
			goto out;
		}
		a.json = 1;
	}
	asks = !!a.query + !!a.symbol + !!a.related;
	if (asks > 1) {
		cli_error("--query, --symbol and --related go one at a time");
		goto out;
	}
	if (a.repo_name && (!asks || a.rebuild || a.rev)) {
		cli_error("--repo-name goes with --query, --symbol or "
			  "--related (not --rev or --rebuild)");
		goto out;
	}
	if (a.path && !a.query) {
		cli_error("--path goes with --query");
		goto out;
	}
	if (a.limit < 0 || a.limit > 10000) {
		cli_error("--limit must be between 1 and 10000, not %ld",
			  a.limit);
		goto out;
	}
	if (a.dir && chdir(a.dir) < 0) {
		cli_error("cannot change to directory '%s': %s", a.dir,
			  strerror(errno));
		goto out;
	}
	if (asks && !a.rev && !a.rebuild && !a.repo_name &&
	    (idx = cmd_index_open_fresh(&rules)))
		goto answer;
	if ((rc = forge_git_open(&repo, ".", &err)) < 0 ||
	    (rc = forge_git_resolve(&commit, repo, a.rev ? a.rev : "HEAD",
				    &err)) < 0) {
		cli_error("%s", err.ptr);
		goto out;
	}
	croot = cmd_index_config_root(repo);
	actions_trust_init(&src, croot);
	if ((rc = config_load(&cfg, croot, c.config, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = cli_exit_for(rc);
		goto out;
	}
	/*
	 * The rules mask what an update stores; an answer from an index
	 * that is up to date reads stored text only, so they are compiled
	 * only where an update may follow.
	 */
	if (a.repo_name) {
		/* Another repository's index, fetched and updated. */
		if ((rc = actions_rules_load(&rules, NULL, &cfg, &src,
					     &err)) < 0) {
			cli_error("%s", err.ptr);
			exit_code = cli_exit_for(rc);
			goto out;
		}
		if ((rc = actions_context_open_named(&xctx, &cfg, &rules,
						     croot, a.repo_name, &idx,
						     &err)) < 0) {
			cli_error("%s", err.ptr);
			exit_code = rc == TEND_EINVALID ? CLI_EXIT_USAGE
							: CLI_EXIT_SERVICE;
			goto out;
		}
		goto answer;
	}
	io.rules = &rules;
	io.ignore = (const char *const *)cfg.review.ignore;
	io.nr_ignore = cfg.review.nr_ignore;
	if (cfg.review.max_file_bytes > 0)
		io.file_max = (size_t)cfg.review.max_file_bytes;
	dbpath = xasprintf("%stend/index.sqlite",
			   git_repository_commondir(repo));
	if (a.rebuild) {
		static const char *const sfx[] = { "", "-wal", "-shm" };
		size_t i;

		for (i = 0; i < 3; i++) {
			char *p = xasprintf("%s%s", dbpath, sfx[i]);
			int bad = unlink(p) < 0 && errno != ENOENT;

			if (bad)
				cli_error("cannot remove '%s': %s", p,
					  strerror(errno));
			free(p);
			if (bad) {
				exit_code = CLI_EXIT_SERVICE;
				goto out;
			}
		}
	}
	if ((rc = review_index_open(&idx, repo, &io, &err)) < 0) {
		cli_error("%s", err.ptr);
		exit_code = CLI_EXIT_SERVICE;
		goto out;
	}
	/* Answering: update only when the index is not of the commit. */
	if (!asks || !review_index_head(idx, &head) ||
	    git_oid_cmp(&head, &commit)) {
		if ((rc = actions_rules_load(&rules, NULL, &cfg, &src,
					     &err)) < 0) {
			cli_error("%s", err.ptr);
			exit_code = cli_exit_for(rc);
			goto out;
		}
		if ((rc = review_index_update(idx, &commit, &st, &err)) < 0) {
			cli_error("%s", err.ptr);
			exit_code = rc == TEND_ENOTFOUND ? CLI_EXIT_USAGE
							 : CLI_EXIT_SERVICE;
			goto out;
		}
		updated = 1;
		if (st.note)
			log_warn("%s", st.note);
	}
	if (a.json)
		root = json_object();
	if (updated && (!asks || a.json)) {
		if (a.json)
			json_object_set_new(root, "update",
					    cmd_index_stats_json(&commit, &st,
								 dbpath));
		else
			cmd_index_stats_text(asks ? &err : &out, &commit, &st);
	}
	if (updated && asks && !a.json && c.verbose)
		fprintf(stderr, "%s", err.ptr);
answer:
	if (a.json && !root)
		root = json_object();
	buf_reset(&err);
	if (a.query) {
		rc = review_index_query(idx, a.query, a.path,
					(size_t)(a.limit ? a.limit : 10), &hits,
					&err);
		if (rc >= 0 && a.json)
			json_object_set_new(root, "hits",
					    cmd_index_hits_json(&hits));
		else if (rc >= 0)
			cmd_index_hits_text(&out, &hits);
	} else if (a.symbol) {
		rc = review_index_symbol(idx, a.symbol,
					 (size_t)(a.limit ? a.limit : 50),
					 &syms, &err);
		if (rc >= 0 && a.json)
			json_object_set_new(root, "symbols",
					    cmd_index_symbols_json(&syms));
		else if (rc >= 0)
			cmd_index_symbols_text(&out, NULL, &syms);
	} else if (a.related) {
		rpath = cmd_index_split_related(a.related, &rline);
		rc = review_index_related(idx, rpath, rline,
					  (size_t)(a.limit ? a.limit : 20),
					  &syms, &callers, &err);
		if (rc >= 0 && a.json) {
			json_object_set_new(root, "uses",
					    cmd_index_symbols_json(&syms));
			json_object_set_new(root, "callers",
					    cmd_index_symbols_json(&callers));
		} else if (rc >= 0) {
			cmd_index_symbols_text(&out, "uses", &syms);
			cmd_index_symbols_text(&out, "callers", &callers);
		}
	}
	if (rc < 0) {
		cli_error("%s", err.ptr);
		exit_code = rc == TEND_ENOTFOUND ? CLI_EXIT_USAGE
						 : CLI_EXIT_SERVICE;
		goto out;
	}
	if (a.json)
		jsonutil_dump(&out, root, 2);
	if (cli_write_output(NULL, out.ptr, out.len, &err) < 0) {
		cli_error("%s", err.ptr);
		exit_code = CLI_EXIT_SERVICE;
		goto out;
	}
	exit_code = CLI_EXIT_OK;
out:
	json_decref(root);
	review_index_close(idx);
	actions_context_release(&xctx);
	review_index_stats_release(&st);
	review_index_hits_release(&hits);
	review_index_symbols_release(&syms);
	review_index_symbols_release(&callers);
	git_repository_free(repo);
	review_rules_release(&rules);
	config_release(&cfg);
	free(croot);
	free(rpath);
	free(dbpath);
	free(rest);
	buf_release(&out);
	buf_release(&err);
	return exit_code;
}
