/*
 * review_pr.c - the review of a pull/merge request: forge in, checks,
 * publication plan, forge out. See review_pr.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "actions/act.h"
#include "actions/review_pr.h"
#include "actions/stats.h"
#include "common/error.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/xalloc.h"
#include "forge/git.h"
#include "actions/review_agent.h"
#include "actions/trust.h"
#include "review/diff_git.h"

void actions_pr_outcome_init(struct actions_pr_outcome *oc)
{
	memset(oc, 0, sizeof(*oc));
	forge_pr_init(&oc->pr);
	review_plan_init(&oc->plan);
	config_init(&oc->cfg);
}

void actions_pr_outcome_release(struct actions_pr_outcome *oc)
{
	size_t i;

	forge_pr_release(&oc->pr);
	review_plan_release(&oc->plan);
	forge_notes_release(&oc->notes);
	free(oc->summary_url);
	for (i = 0; i < oc->nr_unseen; i++) {
		free(oc->unseen[i].path);
		free(oc->unseen[i].reason);
	}
	free(oc->unseen);
	config_release(&oc->cfg);
	memset(oc, 0, sizeof(*oc));
}

static void actions_pr_unseen(struct actions_pr_outcome *oc, const char *path,
			      const char *reason, int recovered)
{
	oc->unseen = xrealloc(oc->unseen,
			      (oc->nr_unseen + 1) * sizeof(*oc->unseen));
	oc->unseen[oc->nr_unseen].path = xstrdup(path);
	oc->unseen[oc->nr_unseen].reason = xstrdup(reason);
	oc->unseen[oc->nr_unseen].recovered = recovered;
	oc->nr_unseen++;
}

static enum review_file_status actions_pr_status(enum forge_file_status s)
{
	switch (s) {
	case FORGE_FILE_ADDED:
		return REVIEW_FILE_ADDED;
	case FORGE_FILE_DELETED:
		return REVIEW_FILE_DELETED;
	case FORGE_FILE_RENAMED:
		return REVIEW_FILE_RENAMED;
	case FORGE_FILE_COPIED:
		return REVIEW_FILE_COPIED;
	case FORGE_FILE_MODIFIED:
		break;
	}
	return REVIEW_FILE_MODIFIED;
}

/* Move file `f` of a local diff into `out`. */
static int actions_pr_take_local(struct review_diff *out,
				 const struct review_diff_file *f,
				 struct buf *err)
{
	struct buf patch = BUF_INIT;
	int rc;

	review_diff_render_hunks(&patch, f);
	rc = review_diff_add_patch(out, f, patch.ptr ? patch.ptr : "",
				   patch.len, err);
	buf_release(&patch);
	return rc;
}

/*
 * The change set: the forge's files and patches, with the files it did not
 * show taken from `local` (the libgit2 diff of the checkout, or NULL when
 * there is none).
 */
static int actions_pr_build_diff(struct review_diff *out,
				 const struct forge_files *files,
				 const struct review_diff *local,
				 struct actions_pr_outcome *oc,
				 enum forge_kind kind, struct buf *err)
{
	const char *forge = kind == FORGE_GITLAB ? "GitLab" : "GitHub";
	char reason[200];
	size_t i;
	int rc;

	for (i = 0; i < files->nr; i++) {
		const struct forge_file *ff = &files->items[i];
		struct review_diff_file meta;
		const struct review_diff_file *lf =
			local ? review_diff_find_file(local, ff->path) : NULL;

		if (ff->too_large) {
			snprintf(reason, sizeof(reason), "%s left its diff "
				 "out as too large", forge);
			actions_pr_unseen(oc, ff->path, reason, lf != NULL);
			if (lf) {
				if ((rc = actions_pr_take_local(out, lf, err)) < 0)
					return rc;
				continue;
			}
		}
		memset(&meta, 0, sizeof(meta));
		meta.path = ff->path;
		meta.status = actions_pr_status(ff->status);
		meta.old_path = ff->status == FORGE_FILE_ADDED ? NULL :
			ff->old_path ? ff->old_path : ff->path;
		meta.new_path = ff->status == FORGE_FILE_DELETED ? NULL
								 : ff->path;
		meta.old_mode = ff->old_mode;
		meta.new_mode = ff->new_mode;
		meta.similarity = -1;
		meta.binary = ff->binary;
		/*
		 * No patch and not too large: binary, empty, or a pure rename.
		 * The checkout tells which.
		 */
		if (!ff->patch && !ff->too_large && lf) {
			if ((rc = actions_pr_take_local(out, lf, err)) < 0)
				return rc;
			continue;
		}
		if (!ff->patch && !ff->too_large && ff->additions + ff->deletions
		    == 0 && ff->status != FORGE_FILE_RENAMED &&
		    ff->status != FORGE_FILE_DELETED &&
		    ff->status != FORGE_FILE_ADDED)
			meta.binary = 1;
		rc = review_diff_add_patch(out, &meta, ff->patch ? ff->patch : "",
					   ff->patch ? strlen(ff->patch) : 0,
					   err);
		if (rc < 0)
			return error_wrap(err, TEND_EINVALID,
					  "the %s diff of '%s' cannot be read",
					  forge, ff->path);
	}
	if (!files->truncated)
		return 0;
	/* The forge stopped listing: the rest comes from the checkout. */
	snprintf(reason, sizeof(reason), "%s lists at most %d files of a "
		 "pull request", forge, FORGE_GITHUB_MAX_FILES);
	for (i = 0; local && i < local->nr_files; i++) {
		const struct review_diff_file *lf = &local->files[i];

		if (review_diff_find_file(out, lf->path))
			continue;
		actions_pr_unseen(oc, lf->path, reason, 1);
		if ((rc = actions_pr_take_local(out, lf, err)) < 0)
			return rc;
	}
	if (!local)
		actions_pr_unseen(oc, "(the files after the first 3000)",
				  reason, 0);
	return 0;
}

/* The host of an http(s) URL, into `out`; 0, or -1 when it has none. */
static int actions_pr_host(char *out, size_t size, const char *url)
{
	const char *p = strstr(url, "://"), *e, *at;
	size_t n;

	if (!p)
		return -1;
	p += 3;
	e = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(e - p));
	if (at)
		p = at + 1;
	n = (size_t)(e - p);
	if (!n || n >= size)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/*
 * The checkout lacks the PR's commits (a shallow or single-branch clone):
 * fetch the PR's head ref and its base branch from origin. The token goes
 * along only to an https origin on the forge's own host.
 */
static int actions_pr_fetch(git_repository *repo,
			    const struct forge_context *ctx,
			    const struct forge_pr *pr, struct buf *err)
{
	char *url = forge_context_remote_url(git_repository_workdir(repo));
	char host[256], fhost[256], *specs[2];
	struct buf auth = BUF_INIT;
	size_t n = 0;
	int rc;

	if (!url)
		return error_set(err, TEND_EINVALID, "no origin remote to "
				 "fetch the pull request from");
	if (ctx->kind == FORGE_GITLAB)
		specs[n++] = xasprintf("+refs/merge-requests/%ld/head:"
				       "refs/tend/head", pr->number);
	else
		specs[n++] = xasprintf("+refs/pull/%ld/head:refs/tend/head",
				       pr->number);
	if (pr->base_ref)
		specs[n++] = xasprintf("+refs/heads/%s:refs/tend/base",
				       pr->base_ref);
	if (ctx->token && !strncmp(url, "https://", 8) && ctx->server_url &&
	    !actions_pr_host(host, sizeof(host), url) &&
	    !actions_pr_host(fhost, sizeof(fhost), ctx->server_url) &&
	    !strcasecmp(host, fhost))
		actions_act_git_auth(&auth, ctx);
	log_info("fetching the pull request's commits from origin");
	rc = forge_git_fetch(repo, url, (const char *const *)specs, n,
			     auth.len ? auth.ptr : NULL, err);
	while (n)
		free(specs[--n]);
	buf_release(&auth);
	free(url);
	return rc;
}

/*
 * Resolve the PR's head and base in the checkout, fetching them when they
 * are missing; the merge-base is what the forge diffs from (GitLab names
 * it: diff_refs.base_sha).
 */
static int actions_pr_commits(git_repository *repo,
			      const struct forge_context *ctx,
			      const struct forge_pr *pr,
			      git_oid *head, git_oid *mb, struct buf *err)
{
	git_oid base;
	struct buf e = BUF_INIT;

	if ((forge_git_resolve(head, repo, pr->head_sha, err) < 0 ||
	     !pr->base_sha || forge_git_resolve(&base, repo, pr->base_sha,
						err) < 0) &&
	    actions_pr_fetch(repo, ctx, pr, &e) < 0)
		log_warn("%s", e.ptr);
	buf_release(&e);
	buf_reset(err);
	if (forge_git_resolve(head, repo, pr->head_sha, err) < 0) {
		buf_reset(err);
		return error_set(err, TEND_EINVALID,
				 "the checkout does not have the pull "
				 "request's head commit %s; check out the "
				 "pull request with its history "
				 "(actions/checkout: fetch-depth: 0; GitLab: "
				 "GIT_DEPTH: 0)", pr->head_sha);
	}
	if (!pr->base_sha || forge_git_resolve(&base, repo, pr->base_sha,
					       err) < 0) {
		buf_reset(err);
		return error_set(err, TEND_EINVALID,
				 "the checkout does not have the base commit "
				 "%s; fetch the full history (fetch-depth: "
				 "0)", pr->base_sha ? pr->base_sha : "(none)");
	}
	if (forge_git_merge_base(mb, repo, &base, head, err) < 0) {
		buf_reset(err);
		git_oid_cpy(mb, &base);
	}
	return 0;
}

/*
 * Decide what configures this run and load it into oc->cfg. A head in the
 * base repository is trusted like a local branch; any other head (a fork,
 * or a PR whose origin neither the event nor the forge told) configures
 * nothing: the config, its query files and the attributes come from the
 * merge-base's objects, and the agents get the same config, so a fork
 * cannot name a model provider, a key variable or a prompt.
 */
static int actions_pr_configure(struct actions_pr_outcome *oc,
				struct actions_review_opts *ropts,
				struct actions_agent_opts *agents,
				struct actions_trust *trust,
				const struct actions_pr_opts *opts,
				git_repository *repo, const git_oid *mb,
				struct buf *err)
{
	const struct forge_context *ctx = opts->ctx;
	int rc;

	if (oc->pr.fork != 0 || ctx->fork == 1)
		actions_trust_set_base(trust, repo, mb);
	if ((rc = actions_trust_load_config(&oc->cfg, trust,
					    opts->config_path, err)) < 0)
		return rc;
	if (trust->untrusted)
		log_info("%s: the configuration comes from the base commit "
			 "%.12s (%s), not from the pull request",
			 oc->pr.fork ? "a pull request from a fork" :
			 "a pull request from an unknown repository",
			 git_oid_tostr_s(mb),
			 oc->cfg.path ? oc->cfg.path : "defaults");
	else if (oc->cfg.path)
		log_debug("config from '%s'", oc->cfg.path);
	ropts->cfg = &oc->cfg;
	ropts->trust = trust;
	if (!opts->explicit_fail_level &&
	    review_severity_parse(&ropts->fail_level,
				  oc->cfg.review.fail_level) < 0)
		return error_set(err, TEND_EINVALID, "unknown fail level '%s'",
				 oc->cfg.review.fail_level);
	if (!opts->explicit_filter &&
	    review_filter_mode_parse(&ropts->filter,
				     oc->cfg.review.filter) < 0)
		return error_set(err, TEND_EINVALID, "unknown filter '%s'",
				 oc->cfg.review.filter);
	if (ropts->agents) {
		*agents = *ropts->agents;
		agents->cfg = &oc->cfg;
		ropts->agents = agents;
	}
	return 0;
}

/* Carry the plan out. Stops at the first failure. */
static int actions_pr_publish(struct forge *forge,
			      struct actions_pr_outcome *oc, struct buf *err)
{
	struct review_plan *plan = &oc->plan;
	size_t i;
	int rc;

	if (plan->nr_inlines) {
		/*
		 * GitHub needs a body for a review; on GitLab the summary
		 * note is the only general note.
		 */
		rc = forge_post_review(forge, &oc->pr, plan->inlines,
				       plan->nr_inlines,
				       forge_kind(forge) == FORGE_GITHUB ?
				       plan->review_body : NULL,
				       plan->run_marker, err);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < plan->nr_gone; i++) {
		if (!plan->gone[i].resolve)
			continue;
		rc = forge_resolve_thread(forge, &oc->pr,
					  plan->gone[i].note->thread, err);
		if (rc < 0 && rc != TEND_ENOTFOUND)
			return rc;
		buf_reset(err);
	}
	if (plan->summary_same) {
		log_info("the summary already says this; nothing to update");
		return 0;
	}
	{
		struct forge_status st = { 0 };

		st.state = plan->state;
		st.name = "tend review";
		st.title = plan->title;
		st.summary = plan->summary;
		st.target_url = oc->pr.url;
		st.annotations = plan->annotations;
		st.nr_annotations = plan->nr_annotations;
		if ((rc = forge_set_status(forge, &oc->pr, &st, err)) < 0)
			return rc;
	}
	return forge_put_summary(forge, &oc->pr,
				 plan->summary_note ? plan->summary_note->id
						    : NULL,
				 plan->summary, REVIEW_MARK_SUMMARY,
				 &oc->summary_url, err);
}

int actions_review_pr(struct review_result *out,
		      const struct actions_pr_opts *opts,
		      struct actions_pr_outcome *oc, struct buf *err)
{
	const struct forge_context *ctx = opts->ctx;
	struct forge *forge = NULL;
	struct forge_files files;
	struct forge_notes notes;
	struct review_diff local;
	struct review_diff_git_opts dopts = REVIEW_DIFF_GIT_OPTS_INIT;
	struct review_publish_opts popts = { 0 };
	struct actions_review_opts ropts = opts->review;
	struct actions_agent_opts agents;
	struct actions_trust trust;
	git_repository *repo = NULL;
	git_oid head, mb;
	long start = actions_review_now_ms();
	long start_s = (long)time(NULL);
	struct actions_stats_mutes mutes = { 0 };
	char run_id[64];
	int rc, have_local = 0;

	forge_files_init(&files);
	forge_notes_init(&notes);
	review_diff_init(&local);
	actions_trust_init(&trust, opts->config_root);

	if (ctx->number <= 0) {
		rc = error_set(err, TEND_EINVALID,
			       "no pull/merge request to review in this %s "
			       "run (event '%s'); use --pr/--mr N, or --local",
			       ctx->ci ? "CI" : "local",
			       ctx->event ? ctx->event : "none");
		goto out;
	}
	if ((rc = forge_open(&forge, ctx, err)) < 0)
		goto out;
	if ((rc = forge_get_pr(forge, ctx->number, &oc->pr, err)) < 0)
		goto out;
	log_info("%s %s!%ld: %.12s..%.12s", forge_kind_name(ctx->kind),
		 ctx->repo ? ctx->repo : "", oc->pr.number,
		 oc->pr.base_sha ? oc->pr.base_sha : "?", oc->pr.head_sha);

	if ((rc = forge_git_open(&repo, opts->review.repo_path, err)) < 0)
		goto out;
	if ((rc = actions_pr_commits(repo, ctx, &oc->pr, &head, &mb, err)) < 0)
		goto out;
	if ((rc = actions_pr_configure(oc, &ropts, &agents, &trust, opts,
				       repo, &mb, err)) < 0)
		goto out;
	out->base_rev = xstrdup(oc->pr.base_ref ? oc->pr.base_ref : "base");
	out->head_rev = xstrdup(oc->pr.head_ref ? oc->pr.head_ref : "head");
	git_oid_tostr(out->base_oid, sizeof(out->base_oid), &mb);
	git_oid_tostr(out->head_oid, sizeof(out->head_oid), &head);

	if ((rc = forge_list_files(forge, &oc->pr, &files, err)) < 0)
		goto out;
	/* The checkout's own diff, only when the forge left something out. */
	{
		size_t i;
		int need = files.truncated;

		for (i = 0; i < files.nr && !need; i++)
			need = files.items[i].too_large ||
			       !files.items[i].patch;
		if (need) {
			rc = review_diff_git(&local, repo, &mb, &head, &dopts,
					     err);
			if (rc < 0) {
				log_warn("cannot diff the checkout: %s",
					 err->ptr);
				buf_reset(err);
			} else {
				have_local = 1;
			}
		}
	}
	rc = actions_pr_build_diff(&out->diff, &files,
				   have_local ? &local : NULL, oc, ctx->kind,
				   err);
	if (rc < 0)
		goto out;
	if ((rc = actions_review_checks(out, repo, &mb, &head, &ropts,
					err)) < 0)
		goto out;
	if ((rc = actions_review_run_agents(out, repo, &head, ropts.agents,
					    ropts.trust, oc->pr.title,
					    oc->pr.body,
					    err)) < 0)
		goto out;
	if ((rc = forge_list_notes(forge, &oc->pr, &notes, err)) < 0)
		goto out;
	out->elapsed_ms = actions_review_now_ms() - start;

	snprintf(run_id, sizeof(run_id), "%.12s-%lx-%x", oc->pr.head_sha,
		 (unsigned long)time(NULL), (unsigned)getpid());
	popts.kind = ctx->kind;
	popts.max_comments = oc->cfg.review.max_comments;
	popts.run_id = run_id;
	popts.unseen = oc->unseen;
	popts.nr_unseen = oc->nr_unseen;
	popts.run_url = ctx->run_url;
	popts.start_s = start_s;
	/* Noise control: what people did not take goes to the summary. */
	if (oc->cfg.review.mute_below > 0) {
		char *store = xasprintf("%stend/trust.sqlite",
					git_repository_path(repo));

		actions_stats_mutes_load(&mutes, store,
					 oc->cfg.review.mute_below,
					 oc->cfg.review.mute_min_samples);
		free(store);
		popts.mutes = mutes.items;
		popts.nr_mutes = mutes.nr;
		popts.mute_below = oc->cfg.review.mute_below;
	}
	/*
	 * What is posted is masked as every report is: suggestions,
	 * annotations and the agents' section too.
	 */
	review_result_mask(out);
	review_publish_plan(&oc->plan, out, &notes, &popts);

	if (opts->dry_run) {
		rc = 0;
		goto out;
	}
	if (ctx->can_write == 0) {
		popts.no_inline = 1;
		review_plan_release(&oc->plan);
		review_publish_plan(&oc->plan, out, &notes, &popts);
		log_info("the token cannot write here (%s); the review goes to "
			 "the job's summary instead",
			 oc->pr.fork ? "a pull request from a fork" :
			 "read-only token");
		oc->readonly = 1;
		rc = 0;
		goto out;
	}
	rc = actions_pr_publish(forge, oc, err);
	if (rc == FORGE_EREADONLY) {
		log_warn("%s", err->ptr);
		log_info("the token cannot write here; the review goes to the "
			 "job's summary instead");
		buf_reset(err);
		oc->readonly = 1;
		popts.no_inline = 1;
		review_plan_release(&oc->plan);
		review_publish_plan(&oc->plan, out, &notes, &popts);
		rc = 0;
	} else if (rc == 0) {
		oc->published = 1;
	}
out:
	if (forge)
		forge_get_stats(forge, &oc->stats);
	if (!out->elapsed_ms)
		out->elapsed_ms = actions_review_now_ms() - start;
	/* The plan points into the notes: the outcome keeps them. */
	oc->notes = notes;
	forge_files_release(&files);
	review_diff_release(&local);
	actions_trust_release(&trust);
	actions_stats_mutes_release(&mutes);
	forge_free(forge);
	git_repository_free(repo);
	return rc;
}
