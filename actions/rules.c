/*
 * rules.c - building the rule set from the configuration (see rules.h).
 *
 * Not for running rules (review/rules.c) or for listing them (cli/
 * cmd_rules.c). Structural (tree-sitter) query rules are built by their
 * own module and are not part of this set.
 */
#include <stdlib.h>
#include <string.h>

#include "actions/rules.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"

/* NULL-terminated copy of a counted list, for the rule spec; free() it. */
static const char **actions_rules_strv(char **items, size_t nr)
{
	const char **v = xcalloc(nr + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < nr; i++)
		v[i] = items[i];
	return v;
}

static int actions_rules_load_queries(struct review_structure *s,
				      const struct tend_config *cfg,
				      const struct actions_trust *src,
				      struct buf *err)
{
	size_t i;
	int rc;

	if ((rc = review_structure_add_builtin(s, NULL, err)) < 0)
		return rc;
	for (i = 0; cfg && i < cfg->checks.nr_queries; i++) {
		const struct config_query *cq = &cfg->checks.queries[i];
		struct review_query_spec spec = { 0 };
		char *text = NULL;

		if (cq->query_file &&
		    (rc = actions_trust_read(&text, src, cq->query_file,
					     "query_file", 1024 * 1024,
					     err)) < 0)
			return error_wrap(err, TEND_EINVALID, "%s:%u",
					  cfg->path ? cfg->path : "config",
					  cq->line);
		spec.id = cq->id;
		spec.pack = "config";
		spec.language = cq->language;
		spec.query = text ? text : cq->query;
		spec.capture = cq->capture;
		spec.message = cq->message ? cq->message : cq->id;
		spec.severity = cq->severity ? (enum review_severity)cq->severity
					     : REVIEW_SEV_WARNING;
		rc = review_structure_add(s, &spec, err);
		free(text);
		if (rc < 0)
			return error_wrap(err, TEND_EINVALID, "%s:%u",
					  cfg->path ? cfg->path : "config",
					  cq->line);
	}
	return 0;
}

int actions_rules_load(struct review_rules *rules,
		       struct review_structure *structure,
		       const struct tend_config *cfg,
		       const struct actions_trust *src, struct buf *err)
{
	struct actions_trust here;

	size_t i;
	int rc;

	if ((rc = review_rules_add_builtin(rules, NULL, err)) < 0)
		return rc;
	for (i = 0; cfg && i < cfg->checks.nr_rules; i++) {
		const struct config_rule *cr = &cfg->checks.rules[i];
		struct review_rule_spec spec = { 0 };
		const char **langs = actions_rules_strv(cr->languages,
							cr->nr_languages);
		const char **paths =
		    actions_rules_strv(cr->paths, cr->nr_paths);

		spec.id = cr->id;
		spec.pack = "config";
		spec.pattern = cr->pattern;
		spec.message = cr->message ? cr->message : cr->id;
		spec.severity = cr->severity
				    ? (enum review_severity)cr->severity
				    : REVIEW_SEV_WARNING;
		spec.languages = langs;
		spec.paths = paths;
		rc = review_rules_add(rules, &spec, err);
		free(langs);
		free(paths);
		if (rc < 0)
			return error_wrap(err, TEND_EINVALID, "%s:%u",
					  cfg->path ? cfg->path : "config",
					  cr->line);
	}
	if (!src) {
		actions_trust_init(&here, ".");
		src = &here;
	}
	if (structure &&
	    (rc = actions_rules_load_queries(structure, cfg, src, err)) < 0)
		return rc;
	for (i = 0; cfg && i < cfg->checks.nr_disable; i++) {
		const char *what = cfg->checks.disable[i];
		size_t n = review_rules_disable(rules, what);

		if (structure)
			n += review_structure_disable(structure, what);
		if (!n)
			log_warn("checks.disable: no rule or pack '%s'", what);
	}
	return 0;
}
