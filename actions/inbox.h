/*
 * inbox.h - the `tend inbox` job: commands in comments (`/tend review`,
 * `/tend fix`, `/tend ask ...`, `/tend do`, `/tend remember ...`,
 * `/tend help`, `@tend ...`),
 * each carried out once and answered once, in the thread it came from.
 *
 * Where commands come from: a GitHub comment event (issue_comment,
 * pull_request_review_comment) names one comment; otherwise the job polls
 * the comments of the last chatops.inbox_days days across the
 * repository's issues and pull/merge requests (GitLab has no comment
 * triggers; a pipeline schedule runs the inbox every few minutes).
 *
 * The forge holds the state, not the runner: a command is handled when
 * tend's own reply naming it exists (`<!-- tend:chatops re=ID -->`), or
 * while tend's own "eyes" reaction is on it (acknowledged, running). So a
 * fresh runner, a re-run or a second inbox at once answers nothing twice,
 * and an edited command does not run again.
 *
 * Who may command: people with write access (GitHub write, maintain,
 * admin; GitLab Developer or more). Bots only when their exact login is
 * in chatops.allowed_bots. Anyone else gets one polite reply per thread
 * (chatops.reply_to_outsiders) or silence; nothing they write reaches a
 * model.
 *
 * What runs: review and fix on the pull request's head, in a linked work
 * tree of their own (the trust rules of a pull request apply: a fork's
 * head configures nothing); ask on the pull request's head (with its diff)
 * or on the checkout (an issue); do as `tend tasks --issue N`, with the
 * commander standing for the label; remember as a proposed learning
 * (actions/learnings.h).
 *
 * Replies, too: a writer's reply on a line of a pull request that
 * rejects one of tend's review comments with a reason
 * (common/feedback.h) is proposed as a learning scoped to the comment's
 * file, acknowledged and answered once like a command. Anyone else's
 * disagreement, or one in a thread that is not tend's, gets nothing.
 */
#ifndef ACTIONS_INBOX_H
#define ACTIONS_INBOX_H

#include "actions/chatops.h"
#include "common/buf.h"
#include "forge/context.h"
#include "forge/forge.h"

/* The marker of tend's reply to comment ID: "<!-- tend:chatops re=ID -->". */
#define ACTIONS_INBOX_MARK "<!-- tend:chatops re="
/* The reaction that acknowledges a command. */
#define ACTIONS_INBOX_ACK "eyes"

enum actions_inbox_status {
	ACTIONS_INBOX_RAN = 0,		/* carried out and answered */
	ACTIONS_INBOX_FAILED,		/* answered with why it failed */
	ACTIONS_INBOX_PLANNED,		/* --dry-run: would run */
	ACTIONS_INBOX_HANDLED,		/* answered (or running) before */
	ACTIONS_INBOX_OUTSIDER,		/* no write access: not run */
	ACTIONS_INBOX_BOT		/* a bot not in allowed_bots */
};

struct actions_inbox_opts {
	const char *root;			/* the checkout */
	const char *config_path;		/* --config FILE, or NULL */
	const struct forge_context *ctx;	/* required */
	const struct forge_comment *event;	/* this one; NULL: poll */
	int dry_run;
	const char *run_id;			/* NULL: made up */
	long (*now_s)(void);			/* NULL: time() */
};

struct actions_inbox_item {
	char *comment_id;
	long number;
	int on_pr;
	char *author;
	enum actions_chatops_verb verb;
	enum actions_inbox_status status;
	char *why;		/* one line */
	char *reply_url;
	double cost_usd;
};

struct actions_inbox_outcome {
	struct actions_inbox_item *items;	/* the commands seen */
	size_t nr;
	size_t comments;			/* comments looked at */
	struct forge_stats stats;
	long total_ms;
};

void actions_inbox_outcome_init(struct actions_inbox_outcome *oc);
void actions_inbox_outcome_release(struct actions_inbox_outcome *oc);

/* "ran", "failed", "planned", "handled before", "outsider", "bot". */
const char *actions_inbox_status_name(enum actions_inbox_status s);

/*
 * Run the job. 0 when it ran (each item says how its command ended);
 * TEND_EINVALID for bad input or configuration; TEND_EAUTH,
 * TEND_ERATELIMIT, TEND_ETIMEOUT, TEND_ERROR when the forge failed.
 */
int actions_inbox_run(struct actions_inbox_outcome *oc,
		      const struct actions_inbox_opts *opts, struct buf *err);

#endif
