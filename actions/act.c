/*
 * act.c - the pieces `tend fix` and `tend tasks` share (see act.h): the
 * paths no acting job may change, the sandboxed `run` tool, the work
 * tree's changes and their undoing, the gate's static checks and its
 * "green", the push with a lease and the fetch of a branch, each with the
 * token kept to the forge's own origin, and small helpers of the reports.
 */
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
	log_info("pushing %.12s to %s on %s (lease: %.12s)",
		 git_oid_tostr_s(commit), ref, url,
		 git_oid_is_zero(expected) ? "a new branch" :
		 git_oid_tostr_s(expected));
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
