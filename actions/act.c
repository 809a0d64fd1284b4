/*
 * act.c - the pieces `tend fix` and `tend tasks` share (see act.h): the
 * paths no acting job may change, the sandboxed `run` tool, the work
 * tree's changes and their undoing, the gate's static checks and its
 * "green", the push with a lease and the fetch of a branch, each with the
 * token kept to the forge's own origin, the repository index as the
 * agents' tools see it (its answers formatted for a model), and small
 * helpers of the reports.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/act.h"
#include "actions/review.h"
#include "common/error.h"
#include "common/glob.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/sandbox.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "review/report.h"

/* Paths no acting job changes, whatever the configuration says. */
static const char *const actions_act_ci_paths[] = {
	".github/workflows/**", ".gitlab-ci.yml", ".gitlab/ci/**",
	"action.yml", "action.yaml", ".circleci/**", "Jenkinsfile",
	".travis.yml", "azure-pipelines.yml", NULL
};
static const char *const actions_act_config_paths[] = {
	".tend.yml", ".tend.yaml", ".github/tend.yml", ".gitlab/tend.yml",
	NULL
};

long actions_act_now(void)
{
	return actions_review_now_ms();
}

int actions_act_match(const char *const *globs, const char *path)
{
	size_t i;

	for (i = 0; globs[i]; i++)
		if (glob_match(globs[i], path))
			return 1;
	return 0;
}

int actions_act_forbidden(const char *path, const char *what,
			  struct buf *why)
{
	if (!strcmp(path, ".git") || !strncmp(path, ".git/", 5) ||
	    strstr(path, "/.git/") || !strcmp(path, ".gitmodules"))
		return buf_printf(why, "'%s' belongs to git: %s changes "
				  "files, never the repository itself", path,
				  what), 1;
	if (actions_act_match(actions_act_ci_paths, path))
		return buf_printf(why, "'%s' is a CI definition: %s does not "
				  "change CI; change the code instead", path,
				  what), 1;
	if (actions_act_match(actions_act_config_paths, path))
		return buf_printf(why, "'%s' is tend's configuration, which "
				  "%s does not change", path, what), 1;
	return 0;
}

/* Append `text` cut to its first `head` and last `tail` bytes. */
static void actions_act_head_tail(struct buf *out, const char *text,
				  size_t len, size_t head, size_t tail)
{
	if (len <= head + tail) {
		buf_add(out, text, len);
		return;
	}
	buf_add(out, text, head);
	buf_printf(out, "\n[... %zu bytes left out ...]\n",
		   len - head - tail);
	buf_add(out, text + len - tail, tail);
}

/* What a test run said, for the agent: status, failures, output. */
void actions_act_describe_run(struct buf *out,
			      const struct actions_test_result *r)
{
	const struct proc_result *p = r->test_ran ? &r->test_run :
				      r->setup_ran ? &r->setup_run : NULL;
	size_t i;

	buf_printf(out, "test command: %s\nstatus: %s", r->command ?
		   r->command : "(none)", actions_test_status_name(r->status));
	if (p && !p->timed_out && p->signal == 0)
		buf_printf(out, " (exit %d)", p->exit_code);
	if (r->report.passed >= 0 || r->report.failed >= 0)
		buf_printf(out, "; %ld passed, %ld failed",
			   r->report.passed, r->report.failed);
	buf_puts(out, "\n");
	for (i = 0; i < r->report.nr && i < ACTIONS_ACT_MAX_FAILURES; i++) {
		const struct testreport_failure *f = &r->report.failures[i];

		buf_printf(out, "FAIL %s", f->name ? f->name : "(build)");
		if (f->file)
			buf_printf(out, " at %s:%ld", f->file, f->line);
		if (f->message)
			buf_printf(out, ": %s", f->message);
		buf_puts(out, "\n");
	}
	if (p && p->out.len) {
		buf_puts(out, "output:\n");
		actions_act_head_tail(out, p->out.ptr, p->out.len,
				      ACTIONS_ACT_OUT_HEAD, ACTIONS_ACT_OUT_TAIL);
		if (out->len && out->ptr[out->len - 1] != '\n')
			buf_putc(out, '\n');
	}
}

void actions_act_mask(struct buf *text, const char *path, void *data)
{
	struct actions_act *act = data;

	actions_review_mask_buf(act->rules, text, path);
}

/* The sandbox as the agent's `run` tool: work tree writable, no network. */
int actions_act_run_command(const char *command, long timeout_s,
			    struct buf *out, void *data)
{
	struct actions_act *act = data;
	const char *argv[] = { "/bin/sh", "-c", command, NULL };
	struct sandbox_opts so;
	struct proc_result r;
	struct buf err = BUF_INIT;
	int rc;

	sandbox_opts_init(&so);
	so.worktree = act->root;
	so.argv = argv;
	so.timeout_s = timeout_s;
	so.memory_mb = act->cfg->sandbox.memory_mb;
	so.unsandboxed = act->cfg->sandbox.mode == CONFIG_SANDBOX_NONE;
	proc_result_init(&r);
	if ((rc = sandbox_run(&r, &so, &err)) < 0) {
		buf_printf(out, "error: the command could not run: %s",
			   err.ptr);
	} else {
		if (r.timed_out)
			buf_printf(out, "timed out after %ld s\n", timeout_s);
		else if (r.signal)
			buf_printf(out, "killed by signal %d\n", r.signal);
		else
			buf_printf(out, "exit %d\n", r.exit_code);
		actions_act_head_tail(out, r.out.ptr ? r.out.ptr : "",
				      r.out.len, ACTIONS_ACT_OUT_HEAD,
				      ACTIONS_ACT_OUT_TAIL);
	}
	proc_result_release(&r);
	buf_release(&err);
	return rc < 0 ? rc : 0;
}

void actions_act_strv_add(char ***v, size_t *nr, const char *s)
{
	size_t i;

	for (i = 0; i < *nr; i++)
		if (!strcmp((*v)[i], s))
			return;
	*v = xrealloc(*v, (*nr + 2) * sizeof(**v));
	(*v)[(*nr)++] = xstrdup(s);
	(*v)[*nr] = NULL;
}

void actions_act_strv_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

int actions_act_strv_has(char *const *v, size_t nr, const char *s)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

int actions_act_changed(char ***out, size_t *nr, struct actions_act *act,
			const struct agent_tools_env *env, struct buf *err)
{
	char **all = NULL;
	size_t n = 0, i;
	int rc;

	*out = NULL;
	*nr = 0;
	if ((rc = forge_git_changed_paths(&all, &n, act->repo, &act->base,
					  err)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		int tracked = forge_git_path_in_commit(act->repo, &act->base,
						       all[i]);
		int written = env && actions_act_strv_has(env->written,
							  env->nr_written,
							  all[i]);

		if (tracked || written)
			actions_act_strv_add(out, nr, all[i]);
	}
	forge_git_paths_free(all);
	return 0;
}

void actions_act_restore(struct actions_act *act, char *const *paths,
			 size_t nr)
{
	struct buf err = BUF_INIT;
	size_t i;

	for (i = 0; i < nr; i++)
		if (forge_git_restore_path(act->repo, &act->base, paths[i],
					   &err) < 0) {
			log_warn("cannot put back '%s': %s", paths[i],
				 err.ptr);
			buf_reset(&err);
		}
	buf_release(&err);
}

int actions_act_checks(struct actions_act *act, const struct buf *diff_text,
		       const git_oid *commit, const char *const *blocking,
		       struct buf *why, struct buf *err)
{
	struct review_result r;
	struct actions_review_opts ro = { 0 };
	size_t i;
	int rc, bad = 0;

	review_result_init(&r);
	/* The result owns a parsed copy of the round's diff. */
	if ((rc = review_diff_parse(&r.diff, diff_text->ptr ?
				    diff_text->ptr : "", diff_text->len,
				    "the change", err)) < 0)
		goto out;
	ro.cfg = act->cfg;
	ro.trust = act->trust;
	ro.filter = REVIEW_FILTER_ADDED;
	ro.fail_level = REVIEW_SEV_ERROR;
	if ((rc = actions_review_checks(&r, act->repo, &act->base, commit, &ro,
					err)) < 0)
		goto out;
	for (i = 0; i < r.findings.nr; i++) {
		const struct review_finding *f = &r.findings.items[i];

		if (blocking ? !f->rule_id ||
			       !actions_act_match(blocking, f->rule_id) :
			       f->severity < REVIEW_SEV_ERROR)
			continue;
		buf_printf(why, "%s%s:%u: %s [%s]", bad ? "; " : "", f->path,
			   (unsigned)f->line, review_report_message(f),
			   f->rule_id);
		bad++;
	}
	rc = bad ? 1 : 0;
out:
	review_result_release(&r);
	return rc;
}

int actions_act_green(const struct actions_test_result *before,
		      const struct actions_test_result *after,
		      struct buf *why)
{
	long want;

	if (after->status != ACTIONS_TEST_PASSED) {
		buf_printf(why, "the tests still %s",
			   after->status == ACTIONS_TEST_TIMEOUT ? "time out" :
			   after->status == ACTIONS_TEST_SETUP_FAILED ?
			   "cannot be set up" : "fail");
		if (after->report.nr)
			buf_printf(why, " (%zu failing%s)", after->report.nr,
				   after->report.truncated ? "+" : "");
		return 0;
	}
	if (after->report.nr || after->report.failed > 0) {
		buf_printf(why, "the test command passed but reported %ld "
			   "failing", after->report.failed > 0 ?
			   after->report.failed : (long)after->report.nr);
		return 0;
	}
	want = (before->report.passed > 0 ? before->report.passed : 0) +
	       (before->report.failed > 0 ? before->report.failed : 0);
	if (want > 0 && after->report.passed >= 0 &&
	    after->report.passed < want) {
		buf_printf(why, "fewer tests ran: %ld passed now, %ld passed "
			   "or failed before", after->report.passed, want);
		return 0;
	}
	return 1;
}

char *actions_act_join(char *const *v, size_t nr)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < nr; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
	return buf_detach(&b, NULL);
}

char *actions_act_headline(const char *s, size_t max, const char *dflt)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; s && s[i] && b.len < max; i++) {
		if (s[i] == '\n' || (s[i] == '.' && (s[i + 1] == ' ' ||
						     s[i + 1] == '\n' ||
						     !s[i + 1])))
			break;
		buf_putc(&b, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
	}
	buf_rtrim(&b);
	if (!b.len)
		buf_puts(&b, dflt);
	return buf_detach(&b, NULL);
}

char *actions_act_diffstat(const struct review_diff *d)
{
	struct buf b = BUF_INIT;
	size_t i, add = 0, del = 0;

	for (i = 0; i < d->nr_files; i++) {
		buf_printf(&b, " %s | +%zu -%zu\n", d->files[i].path,
			   d->files[i].added, d->files[i].deleted);
		add += d->files[i].added;
		del += d->files[i].deleted;
	}
	buf_printf(&b, " %zu file%s changed, %zu insertion%s(+), %zu "
		   "deletion%s(-)\n", d->nr_files, d->nr_files == 1 ? "" : "s",
		   add, add == 1 ? "" : "s", del, del == 1 ? "" : "s");
	return buf_detach(&b, NULL);
}

void actions_act_md_code(struct buf *md, const char *text)
{
	size_t run = 0, best = 2, i;

	/* A fence longer than any run of backticks in the text. */
	for (i = 0; text && text[i]; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	for (i = 0; i <= best; i++)
		buf_putc(md, '`');
	buf_puts(md, "diff\n");
	buf_puts(md, text ? text : "");
	if (md->len && md->ptr[md->len - 1] != '\n')
		buf_putc(md, '\n');
	for (i = 0; i <= best; i++)
		buf_putc(md, '`');
	buf_puts(md, "\n");
}

void actions_act_md_run(struct buf *md, const struct actions_test_result *r)
{
	size_t i;

	buf_printf(md, "`%s`: %s", r->command ? r->command : "(none)",
		   actions_test_status_name(r->status));
	if (r->report.passed >= 0 || r->report.failed >= 0)
		buf_printf(md, " (%ld passed, %ld failed)", r->report.passed,
			   r->report.failed);
	buf_puts(md, "\n");
	for (i = 0; i < r->report.nr && i < ACTIONS_ACT_MAX_FAILURES; i++) {
		const struct testreport_failure *f = &r->report.failures[i];

		buf_puts(md, "- ");
		review_report_md_text(md, f->name ? f->name : "(build)", 200);
		if (f->file) {
			buf_puts(md, " at ");
			review_report_md_text(md, f->file, 200);
			buf_printf(md, ":%ld", f->line);
		}
		if (f->message) {
			buf_puts(md, ": ");
			review_report_md_text(md, f->message, 300);
		}
		buf_puts(md, "\n");
	}
}

/* "https://host/owner/name.git" from the forge's server URL. */
static char *actions_act_repo_url(const struct forge_context *ctx,
				  const char *repo_path)
{
	const char *repo = repo_path ? repo_path : ctx->repo;
	size_t n = ctx->server_url ? strlen(ctx->server_url) : 0;

	if (!n || !repo)
		return NULL;
	while (n && ctx->server_url[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s.git", (int)n, ctx->server_url, repo);
}

/* scheme://host[:port] of a URL, for the credential callback. */
static char *actions_act_origin(const char *url)
{
	const char *p = strstr(url ? url : "", "://");
	size_t n;

	if (!p)
		return NULL;
	n = (size_t)(p - url) + 3;
	n += strcspn(url + n, "/?#");
	return xstrndup(url, n);
}

/* The user name that goes with the token over git's HTTP. */
static const char *actions_act_git_user(const struct forge_context *ctx)
{
	return ctx->kind == FORGE_GITHUB ? "x-access-token" :
	       ctx->token_job ? "gitlab-ci-token" : "oauth2";
}

int actions_act_push(struct actions_act *act,
		     const struct forge_context *ctx, const char *repo_path,
		     const char *branch, const git_oid *expected,
		     const git_oid *commit, struct buf *err)
{
	struct forge_git_push_opts po = { 0 };
	char *url = actions_act_repo_url(ctx, repo_path);
	char *origin = actions_act_origin(ctx->server_url);
	char *ref = branch ? xasprintf("refs/heads/%s", branch) : NULL;
	char want[GIT_OID_HEXSZ + 1], lease[GIT_OID_HEXSZ + 1];
	int rc;

	if (!url || !origin || !ref || !ctx->token) {
		rc = error_set(err, TEND_EINVALID, "cannot push: %s",
			       !ctx->token ? "no token" :
			       !ref ? "no branch to push to" :
			       "no server URL for the forge");
		goto out;
	}
	po.url = url;
	po.refname = ref;
	po.expected = expected;
	po.commit = commit;
	po.username = actions_act_git_user(ctx);
	po.token = ctx->token;
	po.allowed_origin = origin;
	/* Two ids: git_oid_tostr_s() has one buffer for both. */
	git_oid_tostr(want, sizeof(want), commit);
	git_oid_tostr(lease, sizeof(lease), expected);
	log_info("pushing %.12s to %s on %s (lease: %.12s)", want, ref, url,
		 git_oid_is_zero(expected) ? "a new branch" : lease);
	rc = forge_git_push_lease(act->repo, &po, err);
out:
	free(url);
	free(origin);
	free(ref);
	return rc;
}

static void actions_act_base64(struct buf *out, const char *s)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 |
		    (unsigned char)s[i + 2];
		buf_putc(out, tab[v >> 18]);
		buf_putc(out, tab[(v >> 12) & 63]);
		buf_putc(out, tab[(v >> 6) & 63]);
		buf_putc(out, tab[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned char)s[i] << 16;
		buf_putc(out, tab[v >> 18]);
		buf_putc(out, tab[(v >> 12) & 63]);
		buf_puts(out, "==");
	} else if (n - i == 2) {
		v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
		buf_putc(out, tab[v >> 18]);
		buf_putc(out, tab[(v >> 12) & 63]);
		buf_putc(out, tab[(v >> 6) & 63]);
		buf_putc(out, '=');
	}
}

void actions_act_git_auth(struct buf *auth, const struct forge_context *ctx)
{
	struct buf cred = BUF_INIT;

	if (!ctx->token)
		return;
	buf_printf(&cred, "%s:%s", actions_act_git_user(ctx), ctx->token);
	buf_puts(auth, "Authorization: Basic ");
	actions_act_base64(auth, cred.ptr);
	redact_add(auth->ptr + strlen("Authorization: Basic "));
	buf_release(&cred);
}

int actions_act_fetch_branch(struct actions_act *act,
			     const struct forge_context *ctx,
			     const char *branch, const char *local_ref,
			     git_oid *oid, int *found, struct buf *err)
{
	char *ref = xasprintf("refs/heads/%s", branch);
	int rc = actions_act_fetch_ref(act, ctx, ref, local_ref, oid, found,
				       err);

	free(ref);
	return rc;
}

int actions_act_fetch_ref(struct actions_act *act,
			  const struct forge_context *ctx,
			  const char *remote_ref, const char *local_ref,
			  git_oid *oid, int *found, struct buf *err)
{
	char *url = actions_act_repo_url(ctx, NULL);
	char *spec = xasprintf("+%s:%s", remote_ref, local_ref);
	struct buf auth = BUF_INIT, e = BUF_INIT;
	int rc;

	*found = 0;
	if (!url) {
		rc = error_set(err, TEND_EINVALID, "cannot fetch '%s': no "
			       "server URL for the forge", remote_ref);
		goto out;
	}
	/* A ref left by an earlier run must not pass for the branch. */
	if ((rc = forge_git_delete_ref(act->repo, local_ref, err)) < 0)
		goto out;
	/* The token goes to the forge's own origin only. */
	if (ctx->server_url && forge_git_same_origin(url, ctx->server_url))
		actions_act_git_auth(&auth, ctx);
	if ((rc = forge_git_fetch(act->repo, url,
				  (const char *const *)&spec, 1,
				  auth.len ? auth.ptr : NULL, err)) < 0)
		goto out;
	if (forge_git_resolve(oid, act->repo, local_ref, &e) == 0)
		*found = 1;
	rc = 0;
out:
	buf_release(&auth);
	buf_release(&e);
	free(spec);
	free(url);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The repository index for the agents                                 */

/* Bytes of one line of code shown from the index. */
#define ACTIONS_ACT_INDEX_LINE_MAX 200
/* Bytes of a blob read for a definition's lines. */
#define ACTIONS_ACT_INDEX_BLOB_MAX (4u << 20)

void actions_act_index_init(struct actions_act_index *ai)
{
	memset(ai, 0, sizeof(*ai));
	buf_init(&ai->blob, 0);
}

void actions_act_index_release(struct actions_act_index *ai)
{
	size_t i;

	if (ai->idx)
		review_index_close(ai->idx);
	for (i = 0; i < ai->nr_repos; i++) {
		free(ai->repos[i].name);
		if (ai->repos[i].idx)
			review_index_close(ai->repos[i].idx);
	}
	free(ai->repos);
	free(ai->names);
	review_index_stats_release(&ai->stats);
	free(ai->blob_path);
	buf_release(&ai->blob);
	actions_act_index_init(ai);
}

int actions_act_index(struct actions_act_index *ai, git_repository *repo,
		      const git_oid *commit, const struct tend_config *cfg,
		      const struct review_rules *rules, struct buf *err)
{
	struct review_index_opts opts;
	struct review_index *idx = NULL;
	long start = actions_act_now();
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.rules = rules;
	ai->rules = rules;
	if (cfg) {
		opts.ignore = (const char *const *)cfg->review.ignore;
		opts.nr_ignore = cfg->review.nr_ignore;
		if (cfg->review.max_file_bytes > 0)
			opts.file_max = (size_t)cfg->review.max_file_bytes;
	}
	if (ai->idx) {
		review_index_close(ai->idx);
		ai->idx = NULL;
	}
	review_index_stats_release(&ai->stats);
	memset(&ai->stats, 0, sizeof(ai->stats));
	if ((rc = review_index_open(&idx, repo, &opts, err)) < 0 ||
	    (rc = review_index_update(idx, commit, &ai->stats, err)) < 0) {
		log_warn("the repository index is not available (%s): the "
			 "agents search the files instead", err->ptr);
		if (idx)
			review_index_close(idx);
		return rc;
	}
	if (ai->stats.note)
		log_warn("repository index: %s", ai->stats.note);
	log_info("repository index at %.12s: %zu files, %zu parsed, %zu "
		 "reused, %zu skipped; %zu chunks, %zu symbols (%ld ms)",
		 git_oid_tostr_s(commit), ai->stats.files, ai->stats.parsed,
		 ai->stats.reused, ai->stats.skipped, ai->stats.chunks,
		 ai->stats.symbols, actions_act_now() - start);
	ai->idx = idx;
	ai->repo = repo;
	git_oid_cpy(&ai->commit, commit);
	free(ai->blob_path);
	ai->blob_path = NULL;
	return 0;
}

void actions_act_index_add_repo(struct actions_act_index *ai,
				const char *name, struct review_index *idx)
{
	size_t i;

	for (i = 0; i < ai->nr_repos; i++)
		if (!strcmp(ai->repos[i].name, name)) {
			if (ai->repos[i].idx)
				review_index_close(ai->repos[i].idx);
			ai->repos[i].idx = idx;
			return;
		}
	ai->repos = xrealloc(ai->repos, (ai->nr_repos + 1) *
			     sizeof(*ai->repos));
	ai->names = xrealloc(ai->names, (ai->nr_repos + 1) *
			     sizeof(*ai->names));
	ai->repos[ai->nr_repos].name = xstrdup(name);
	ai->repos[ai->nr_repos].idx = idx;
	ai->nr_repos++;
	for (i = 0; i < ai->nr_repos; i++)
		ai->names[i] = ai->repos[i].name;
}

/* The index `repo` names (NULL: this repository's), or NULL. */
static struct review_index *actions_act_index_of(struct actions_act_index *ai,
						 const char *repo,
						 struct buf *out)
{
	size_t i;

	if (!repo) {
		if (!ai->idx)
			buf_puts(out, "this repository has no index here");
		return ai->idx;
	}
	for (i = 0; i < ai->nr_repos; i++)
		if (!strcmp(ai->repos[i].name, repo) && ai->repos[i].idx)
			return ai->repos[i].idx;
	buf_printf(out, "repository '%s' has no index here", repo);
	return NULL;
}

/* 1 when env->hidden hides `path` of this repository or a directory above. */
static int actions_act_index_hidden(const struct actions_act_index *ai,
				    const char *repo, const char *path)
{
	const struct agent_tools_env *env = ai->env;
	struct buf prefix = BUF_INIT;
	const char *p;
	int hidden = 0;

	if (repo || !env || !env->hidden || !path)
		return 0;
	for (p = path; !hidden; p++) {
		if (*p == '/' || !*p) {
			buf_reset(&prefix);
			buf_add(&prefix, path, (size_t)(p - path));
			hidden = env->hidden(prefix.ptr, env->hidden_data) != 0;
		}
		if (!*p)
			break;
	}
	buf_release(&prefix);
	return hidden;
}

static void actions_act_index_mask(const struct actions_act_index *ai,
				   struct buf *text, const char *path)
{
	if (ai->rules && text->len)
		actions_review_mask_buf(ai->rules, text, path);
}

/* The largest n <= len that does not split a UTF-8 sequence of s. */
static size_t actions_act_utf8_floor(const char *s, size_t len, size_t n)
{
	if (n >= len)
		return len;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* A line of code, cut when long, and its newline. */
static void actions_act_index_text(struct buf *out, const char *s, size_t len)
{
	size_t n;

	while (len && (s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	n = actions_act_utf8_floor(s, len, ACTIONS_ACT_INDEX_LINE_MAX);
	buf_add(out, s, n);
	if (n < len)
		buf_puts(out, "...");
	buf_putc(out, '\n');
}

/* One line of code, numbered as read_file numbers it, cut when long. */
static void actions_act_index_line(struct buf *out, unsigned no, int width,
				   const char *s, size_t len)
{
	buf_printf(out, "%*u|", width, no);
	if (len && s[0] != '\n' && s[0] != '\r')
		buf_putc(out, ' ');
	actions_act_index_text(out, s, len);
}

static int actions_act_index_width(unsigned last)
{
	int w = 1;

	while (last >= 10) {
		last /= 10;
		w++;
	}
	return w < 4 ? 4 : w;
}

/* 1 when the lowercase word w[0..n) occurs in s[0..len), any case. */
static int actions_act_has_word(const char *s, size_t len, const char *w,
				size_t n)
{
	size_t i, j;

	for (i = 0; n && i + n <= len; i++) {
		for (j = 0; j < n; j++)
			if (tolower((unsigned char)s[i + j]) != w[j])
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

/* The query's words, lowercase, NUL-separated in `words`; their count. */
static size_t actions_act_query_words(struct buf *words, const char *query)
{
	const char *p = query;
	size_t nr = 0;

	buf_reset(words);
	while (*p) {
		const char *s;

		while (*p && !isalnum((unsigned char)*p) && *p != '_' &&
		       !((unsigned char)*p & 0x80))
			p++;
		s = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '_' ||
			      ((unsigned char)*p & 0x80)))
			p++;
		if (p - s >= 2 && nr < 16) {
			for (; s < p; s++)
				buf_putc(words, (char)tolower(
					(unsigned char)*s));
			buf_putc(words, '\0');
			nr++;
		}
	}
	return nr;
}

/*
 * The best lines of a hit: those holding the most of the query's words
 * (at most ACTIONS_ACT_INDEX_LINES, in order), else its first lines.
 */
static void actions_act_index_best(struct buf *out,
				   const struct review_index_hit *h,
				   const struct buf *text,
				   const struct buf *words, size_t nr_words)
{
	size_t nr_lines = 0, i, pos, shown = 0;
	unsigned *score = NULL, best = 0, want;
	int width = actions_act_index_width(h->end_line ? h->end_line :
					    h->start_line);

	for (pos = 0; pos < text->len; nr_lines++) {
		const char *nl = memchr(text->ptr + pos, '\n',
					text->len - pos);

		pos = nl ? (size_t)(nl - text->ptr) + 1 : text->len;
	}
	score = xcalloc(nr_lines + 1, sizeof(*score));
	for (i = 0, pos = 0; i < nr_lines; i++) {
		const char *s = text->ptr + pos, *nl, *w;
		size_t len, k;

		nl = memchr(s, '\n', text->len - pos);
		len = nl ? (size_t)(nl - s) : text->len - pos;
		for (k = 0, w = words->ptr; k < nr_words;
		     k++, w += strlen(w) + 1)
			score[i] += actions_act_has_word(s, len, w, strlen(w));
		if (score[i] > best)
			best = score[i];
		pos += len + (nl ? 1 : 0);
	}
	/* the lines with the best scores, down to 1 match, in order */
	for (want = best; want > 0 && shown < ACTIONS_ACT_INDEX_LINES; want--)
		for (i = 0; i < nr_lines; i++)
			if (score[i] == want &&
			    shown < ACTIONS_ACT_INDEX_LINES) {
				score[i] |= 1u << 30;	/* chosen */
				shown++;
			}
	/* no line has a word: the first two that are not blank */
	for (i = 0, pos = 0; i < nr_lines; i++) {
		const char *s = text->ptr + pos, *nl;
		size_t len, k;
		int chosen;

		nl = memchr(s, '\n', text->len - pos);
		len = nl ? (size_t)(nl - s) : text->len - pos;
		if (shown) {
			chosen = (score[i] & (1u << 30)) != 0;
		} else {
			for (k = 0; k < len && isspace((unsigned char)s[k]);
			     k++)
				;
			chosen = k < len && best < 2;
			best += chosen;
		}
		if (chosen)
			actions_act_index_line(out, h->start_line +
					       (unsigned)i, width, s, len);
		pos += len + (nl ? 1 : 0);
	}
	free(score);
}

static int actions_act_index_search(const char *query, const char *path_glob,
				    const char *repo, struct buf *out,
				    void *data)
{
	struct actions_act_index *ai = data;
	struct review_index_hits hits;
	struct review_index *idx;
	struct buf err = BUF_INIT, text = BUF_INIT, words = BUF_INIT;
	size_t i, nr_words, shown = 0;
	int rc;

	if (!(idx = actions_act_index_of(ai, repo, out)))
		return TEND_EUNAVAIL;
	review_index_hits_init(&hits);
	/* more than shown: some may be hidden */
	rc = review_index_query(idx, query, path_glob,
				ACTIONS_ACT_INDEX_HITS * 2, &hits, &err);
	if (rc < 0) {
		buf_puts(out, err.ptr);
		goto out;
	}
	nr_words = actions_act_query_words(&words, query);
	for (i = 0; i < hits.nr && shown < ACTIONS_ACT_INDEX_HITS; i++) {
		const struct review_index_hit *h = &hits.items[i];

		if (!h->path || actions_act_index_hidden(ai, repo, h->path))
			continue;
		buf_printf(out, "%s:%u-%u %s", h->path, h->start_line,
			   h->end_line, h->kind ? h->kind : "lines");
		if (h->name && *h->name)
			buf_printf(out, " %s", h->name);
		buf_putc(out, '\n');
		buf_sets(&text, h->text ? h->text : "");
		actions_act_index_mask(ai, &text, h->path);
		actions_act_index_best(out, h, &text, &words, nr_words);
		shown++;
	}
	rc = (int)shown;
out:
	review_index_hits_release(&hits);
	buf_release(&err);
	buf_release(&text);
	buf_release(&words);
	return rc;
}

/*
 * The lines of a definition of this repository, from the snapshot's blob
 * (the last one read is kept): at most ACTIONS_ACT_INDEX_DEF_LINES.
 */
static void actions_act_index_def_lines(struct actions_act_index *ai,
					struct buf *out,
					const struct review_index_symbol *y)
{
	unsigned last = y->end_line >= y->line ? y->end_line : y->line;
	unsigned no = 1, stop;
	const char *p, *end;
	int width;

	if (!ai->blob_path || strcmp(ai->blob_path, y->path)) {
		free(ai->blob_path);
		ai->blob_path = NULL;
		if (forge_git_read_blob(&ai->blob, ai->repo, &ai->commit,
					y->path, ACTIONS_ACT_INDEX_BLOB_MAX,
					NULL) < 0 ||
		    memchr(ai->blob.ptr, '\0', ai->blob.len))
			goto context;
		actions_act_index_mask(ai, &ai->blob, y->path);
		ai->blob_path = xstrdup(y->path);
	}
	stop = last - y->line >= ACTIONS_ACT_INDEX_DEF_LINES ?
	       y->line + ACTIONS_ACT_INDEX_DEF_LINES - 1 : last;
	width = actions_act_index_width(last);
	p = ai->blob.ptr;
	end = ai->blob.ptr + ai->blob.len;
	while (p < end && no <= stop) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (no >= y->line)
			actions_act_index_line(out, no, width, p, len);
		p += len + (nl ? 1 : 0);
		no++;
	}
	if (no <= y->line)
		goto context;
	if (stop < last)
		buf_printf(out, "[lines %u-%u not shown: read_file]\n",
			   stop + 1, last);
	return;
context:
	if (y->context && *y->context)
		actions_act_index_line(out, y->line,
				       actions_act_index_width(y->line),
				       y->context, strlen(y->context));
}

static int actions_act_index_symbol(const char *name, const char *repo,
				    struct buf *out, void *data)
{
	struct actions_act_index *ai = data;
	struct review_index_symbols syms;
	struct review_index *idx;
	struct buf err = BUF_INIT, line = BUF_INIT;
	size_t i, defs = 0, refs = 0;
	int rc, pass;

	if (!(idx = actions_act_index_of(ai, repo, out)))
		return TEND_EUNAVAIL;
	review_index_symbols_init(&syms);
	rc = review_index_symbol(idx, name, ACTIONS_ACT_INDEX_SYMBOLS * 2,
				 &syms, &err);
	if (rc < 0) {
		buf_puts(out, err.ptr);
		goto out;
	}
	/* definitions, then references */
	for (pass = 1; pass >= 0; pass--) {
		for (i = 0; i < syms.nr && defs + refs <
		     ACTIONS_ACT_INDEX_SYMBOLS; i++) {
			const struct review_index_symbol *y = &syms.items[i];

			if (y->definition != pass || !y->path ||
			    actions_act_index_hidden(ai, repo, y->path))
				continue;
			if (pass && !defs)
				buf_puts(out, "definitions:\n");
			if (!pass && !refs)
				buf_puts(out, "references:\n");
			if (pass) {
				buf_printf(out, "%s:%u-%u %s %s\n", y->path,
					   y->line, y->end_line >= y->line ?
					   y->end_line : y->line,
					   y->kind ? y->kind : "definition",
					   y->name ? y->name : name);
				if (!repo && ai->repo) {
					actions_act_index_def_lines(ai, out, y);
				} else if (y->context) {
					buf_sets(&line, y->context);
					actions_act_index_mask(ai, &line,
							       y->path);
					actions_act_index_line(
						out, y->line,
						actions_act_index_width(
							y->line),
						line.ptr, line.len);
				}
				defs++;
			} else {
				buf_sets(&line, y->context ? y->context : "");
				actions_act_index_mask(ai, &line, y->path);
				buf_printf(out, "%s:%u: ", y->path, y->line);
				actions_act_index_text(out, line.ptr,
						       line.len);
				refs++;
			}
		}
	}
	rc = (int)defs;
out:
	review_index_symbols_release(&syms);
	buf_release(&err);
	buf_release(&line);
	return rc;
}

/* One symbol of related's answer: "path:line-end kind name: context". */
static void actions_act_index_occurrence(struct actions_act_index *ai,
					 struct buf *out,
					 const struct review_index_symbol *y,
					 struct buf *scratch)
{
	buf_printf(out, "%s:%u", y->path, y->line);
	if (y->definition && y->end_line > y->line)
		buf_printf(out, "-%u", y->end_line);
	if (y->kind && y->definition)
		buf_printf(out, " %s", y->kind);
	if (y->name)
		buf_printf(out, " %s", y->name);
	buf_sets(scratch, y->context ? y->context : "");
	actions_act_index_mask(ai, scratch, y->path);
	while (scratch->len && (scratch->ptr[0] == ' ' ||
				scratch->ptr[0] == '\t')) {
		memmove(scratch->ptr, scratch->ptr + 1, scratch->len);
		scratch->len--;
	}
	if (scratch->len) {
		size_t n = actions_act_utf8_floor(scratch->ptr, scratch->len,
						  ACTIONS_ACT_INDEX_LINE_MAX);

		buf_puts(out, ": ");
		buf_add(out, scratch->ptr, n);
		if (n < scratch->len)
			buf_puts(out, "...");
	}
	buf_putc(out, '\n');
}

static int actions_act_index_related_in(const char *path, long line,
					const char *repo, struct buf *out,
					void *data)
{
	struct actions_act_index *ai = data;
	struct review_index_symbols uses, callers;
	struct review_index *idx;
	struct buf err = BUF_INIT, scratch = BUF_INIT;
	size_t i, shown = 0, n;
	int rc;

	if (!(idx = actions_act_index_of(ai, repo, out)))
		return TEND_EUNAVAIL;
	review_index_symbols_init(&uses);
	review_index_symbols_init(&callers);
	rc = review_index_related(idx, path, line > 0 ? (unsigned)line : 0,
				  ACTIONS_ACT_INDEX_RELATED, &uses, &callers,
				  &err);
	if (rc < 0) {
		buf_puts(out, err.ptr);
		goto out;
	}
	for (i = 0, n = 0; i < uses.nr; i++) {
		if (!uses.items[i].path ||
		    actions_act_index_hidden(ai, repo, uses.items[i].path))
			continue;
		if (!n++)
			buf_puts(out, "uses (definitions elsewhere):\n");
		actions_act_index_occurrence(ai, out, &uses.items[i],
					     &scratch);
	}
	shown += n;
	for (i = 0, n = 0; i < callers.nr; i++) {
		if (!callers.items[i].path ||
		    actions_act_index_hidden(ai, repo, callers.items[i].path))
			continue;
		if (!n++)
			buf_puts(out, "called from:\n");
		actions_act_index_occurrence(ai, out, &callers.items[i],
					     &scratch);
	}
	shown += n;
	rc = (int)shown;
out:
	review_index_symbols_release(&uses);
	review_index_symbols_release(&callers);
	buf_release(&err);
	buf_release(&scratch);
	return rc;
}

int actions_act_index_related(const char *path, unsigned line,
			      struct buf *out, void *data)
{
	return actions_act_index_related_in(path, (long)line, NULL, out,
					    data);
}

void actions_act_index_env(struct actions_act_index *ai,
			   struct agent_tools_env *env)
{
	size_t i, usable = 0;

	for (i = 0; i < ai->nr_repos; i++)
		usable += ai->repos[i].idx != NULL;
	if (!ai->idx && !usable)
		return;
	ai->env = env;
	env->index_search = actions_act_index_search;
	env->index_symbol = actions_act_index_symbol;
	env->index_related = actions_act_index_related_in;
	env->index_data = ai;
	env->repos = ai->names;
	env->nr_repos = ai->nr_repos;
}

/* The query of a task: its first bytes, cut at a UTF-8 boundary. */
#define ACTIONS_ACT_START_QUERY 1000
/* Definitions named per file in the starting list. */
#define ACTIONS_ACT_START_SPANS 3

size_t actions_act_index_start(struct actions_act_index *ai,
			       const char *text, size_t max_files,
			       struct buf *out)
{
	struct review_index_hits hits;
	struct buf q = BUF_INIT, err = BUF_INIT;
	char **paths = NULL;
	size_t nr_paths = 0, i, j, len;

	if (!ai->idx || !text || !*text || !max_files)
		return 0;
	len = actions_act_utf8_floor(text, strlen(text),
				     ACTIONS_ACT_START_QUERY);
	buf_add(&q, text, len);
	review_index_hits_init(&hits);
	if (review_index_query(ai->idx, q.ptr, NULL, max_files * 4, &hits,
			       &err) < 0) {
		log_info("repository index: no starting files (%s)", err.ptr);
		goto out;
	}
	for (i = 0; i < hits.nr && nr_paths < max_files; i++) {
		const char *path = hits.items[i].path;

		if (path && !actions_act_index_hidden(ai, NULL, path))
			actions_act_strv_add(&paths, &nr_paths, path);
	}
	if (!nr_paths)
		goto out;
	buf_printf(out, "\nThe repository index (commit %.12s, before any "
		   "change of yours) ranks these files highest for this task; "
		   "a place to start reading, not an answer:\n",
		   git_oid_tostr_s(&ai->commit));
	for (i = 0; i < nr_paths; i++) {
		size_t spans = 0;

		buf_printf(out, "- %s", paths[i]);
		for (j = 0; j < hits.nr && spans < ACTIONS_ACT_START_SPANS;
		     j++) {
			const struct review_index_hit *h = &hits.items[j];

			if (strcmp(h->path, paths[i]))
				continue;
			buf_printf(out, "%s%u-%u", spans ? ", " : " (lines ",
				   h->start_line, h->end_line);
			if (h->name && *h->name)
				buf_printf(out, " %s", h->name);
			spans++;
		}
		buf_puts(out, spans ? ")\n" : "\n");
	}
out:
	i = nr_paths;
	actions_act_strv_free(paths, nr_paths);
	review_index_hits_release(&hits);
	buf_release(&q);
	buf_release(&err);
	return i;
}

void actions_act_index_prompt(const struct actions_act_index *ai,
			      struct buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < ai->nr_repos; i++) {
		if (!ai->repos[i].idx)
			continue;
		buf_puts(out, n++ ? ", " : "\nOther repositories you can "
			 "read through their index, with the repo argument of "
			 "search, find_symbol and related: ");
		buf_puts(out, ai->repos[i].name);
	}
	if (n)
		buf_puts(out, ".\n");
}
