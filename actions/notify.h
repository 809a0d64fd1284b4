/*
 * notify.h - telling a team's chat what tend did: one Slack message per
 * finished job, through an incoming webhook.
 *
 * The webhook URL is a credential (anyone holding it can post to the
 * channel), so it lives in an environment variable whose NAME the config
 * gives (`notify.slack_webhook_env`); it is registered with the redactor
 * (whole and its path) before anything could log it, and no message,
 * log line or error ever shows it.
 *
 * A notification is a side show: the caller logs a warning when it fails
 * and goes on. Nothing here decides whether a job succeeded.
 *
 * Every text in a notice came from outside (a PR title in `where`, a model's
 * words in `detail`): each is made valid UTF-8, masked (registered secrets
 * and the secret patterns of the review's `secrets` pack), cut to a
 * length Slack accepts, and escaped for Slack's mrkdwn (&, <, >) before it
 * goes into the message.
 */
#ifndef ACTIONS_NOTIFY_H
#define ACTIONS_NOTIFY_H

#include "common/buf.h"
#include "common/config.h"

/* Longest `detail` sent, in bytes, before the cut mark. */
#define ACTIONS_NOTIFY_DETAIL_MAX 500
/* Per-attempt timeout of the webhook request. */
#define ACTIONS_NOTIFY_TIMEOUT_MS 10000L

/* What happened, in the caller's words. All borrowed; any may be NULL. */
struct actions_notice {
	const char *what;	/* "tend fix", "tend tasks", "tend review",
				   "/tend do"; NULL: "tend" */
	const char *repo;	/* "owner/name" */
	const char *where;	/* "pull request #12", "issue #4" */
	const char *where_url;	/* the page of `where`; may be NULL */
	const char *result;	/* "pushed a fix", "draft PR opened",
				   "3 errors" */
	int ok;			/* 1 good news, 0 bad (a failure, findings
				   at fail level) */
	const char *detail;	/* one paragraph or NULL; cut to
				   ACTIONS_NOTIFY_DETAIL_MAX */
	const char *link;	/* the PR, commit or run, or NULL: the
				   message's one button */
	const char *link_text;	/* e.g. "Open the pull request"; NULL:
				   "Open" */
	double cost_usd;	/* < 0: unknown or none */
};

/*
 * Post `n` to the Slack incoming webhook named by
 * cfg->notify.slack_webhook_env. Returns 0 when it was posted, and 0
 * with nothing sent when notifications are off (no variable configured,
 * or the variable unset or empty: said once at info level). Fails with
 * TEND_EINVALID when the URL is neither https:// nor http:// to
 * 127.0.0.1 or [::1] (nothing is sent), and otherwise with what the HTTP
 * client returns (common/http.h; 5xx and connection failures are retried)
 * or TEND_ERROR when Slack refuses the message (HTTP 4xx and its reason,
 * such as "invalid_blocks" or "no_service"). `err` never holds the URL.
 */
int actions_notify_slack(const struct tend_config *cfg,
			 const struct actions_notice *n, struct buf *err);

/*
 * The JSON body actions_notify_slack() posts for `n` (compact, no final
 * newline), appended to `out`: {"text": fallback, "blocks": [...]}.
 * Exposed for tests and for a dry run. Returns 0 or TEND_ERROR.
 */
int actions_notify_slack_body(struct buf *out, const struct actions_notice *n);

#endif
