/*
 * ci.h - CI-platform glue for jobs: the GitHub step summary and step
 * outputs. GitLab has neither; its job report is the Code Quality artifact
 * written through --format codequality --output.
 */
#ifndef ACTIONS_CI_H
#define ACTIONS_CI_H

#include "common/buf.h"

/*
 * Append markdown to the step summary file ($GITHUB_STEP_SUMMARY). `path`
 * NULL does nothing. Text passes through the log's redaction first.
 */
int actions_ci_step_summary(const char *path, const char *markdown,
			    struct buf *err);

/*
 * Append one output to the outputs file ($GITHUB_OUTPUT): `name=value`
 * for one line, the heredoc form with a delimiter that does not occur in
 * the value otherwise. `path` NULL does nothing.
 */
int actions_ci_output(const char *path, const char *name, const char *value,
		      struct buf *err);

#endif
