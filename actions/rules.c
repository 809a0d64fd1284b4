/*
 * rules.c - building the rule set from the configuration (see rules.h).
 *
 * Not for running rules (review/rules.c) or for listing them (cli/
 * cmd_rules.c). Structural (tree-sitter) query rules are built by their
 * own module and are not part of this set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * Read a query file named in the config. The config may come from a
 * contributor's branch, so the path must stay inside the repository: no
 * absolute paths, no "..", and no symbolic link at the end.
 */
static int actions_rules_read_query(char **out, const char *root,
				    const char *rel, struct buf *err)
{
	struct buf text = BUF_INIT;
	char *path = NULL;
	const char *p;
	FILE *f = NULL;
	char chunk[4096];
	size_t n;
	struct stat st;
	int rc = 0, fd = -1;

	for (p = rel; *p; p++)
		if ((p == rel || p[-1] == '/') && p[0] == '.' && p[1] == '.' &&
		    (p[2] == '/' || !p[2]))
			break;
	if (rel[0] == '/' || *p)
		return error_set(err, TEND_EINVALID,
				 "query_file '%s' must be a path inside the "
				 "repository", rel);
	path = xasprintf("%s/%s", root ? root : ".", rel);
	/*
	 * A link in a directory part of the path could still lead out:
	 * resolve it and check that it stays under the repository.
	 */
	{
		char *top = realpath(root ? root : ".", NULL);
		char *real = realpath(path, NULL);
		size_t n = top ? strlen(top) : 0;

		if (!top || !real || strncmp(real, top, n) ||
		    (real[n] != '/' && strcmp(top, "/"))) {
			rc = error_set(err, TEND_EINVALID, "query_file '%s' must "
				       "be a file inside the repository", rel);
			free(top);
			free(real);
			goto out;
		}
		free(top);
		free(real);
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		       O_NONBLOCK)) < 0 ||
	    fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(f = fdopen(fd, "rb"))) {
		rc = error_set(err, TEND_EINVALID, "cannot read query_file "
			       "'%s': %s", rel, fd < 0 || !S_ISREG(st.st_mode) ?
			       (fd < 0 ? strerror(errno) : "not a regular file")
			       : strerror(errno));
		goto out;
	}
	fd = -1;
	text.max = 1024 * 1024;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&text, chunk, n) < 0) {
			rc = error_set(err, TEND_EINVALID, "query_file '%s' is "
				       "over 1 MiB", rel);
			goto out;
		}
	*out = buf_detach(&text, NULL);
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	free(path);
	buf_release(&text);
	return rc;
}

static int actions_rules_load_queries(struct review_structure *s,
				      const struct tend_config *cfg,
				      const char *root, struct buf *err)
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
		    (rc = actions_rules_read_query(&text, root, cq->query_file,
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
		       const struct tend_config *cfg, const char *root,
		       struct buf *err)
{
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
	if (structure &&
	    (rc = actions_rules_load_queries(structure, cfg, root, err)) < 0)
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
