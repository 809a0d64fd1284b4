/*
 * gitlab.c - the GitLab REST v4 adapter (gitlab.com and self-managed; the
 * API URL ends in /api/v4 and every path here is appended to it).
 *
 * Reads: the merge request, its diffs (100 per page, following
 * x-next-page), its discussions, and who the token belongs to (GET /user,
 * once, when there are notes to tell apart; a job token has no user and
 * is not asked). A Link rel="next" is followed only under the API URL
 * (forge_under_api()); any other is an error. Writes: inline comments as
 * draft notes published together, general notes (the summary), commit
 * statuses, resolving discussions. The project is f->project: the
 * numeric id or the URL-encoded path, as forge.c set it.
 *
 * Inline comments. GitLab places a diff note by a position: the merge
 * request's diff_refs (base, start and head SHAs), both paths, and the
 * line as GitLab names it - an added line by new_line alone, a removed one
 * by old_line alone, an unchanged one by both; anything else is refused.
 * A multi-line comment adds line_range {start, end}, each end a line code
 * (sha1(path) "_" old "_" new, with GitLab's running line counters, so an
 * added line carries the old-side number it was inserted at) and a type
 * ("new", "old", null for unchanged). The counters of added and removed
 * lines are not in struct forge_inline, so a range reads the file's diff
 * once to find them. Only line_code and type are sent in a range end:
 * GitLab's position schema rejects old_line/new_line there on several
 * versions ("must be a valid json schema").
 *
 * A review is posted as one draft note per comment and then published at
 * once (bulk_publish), so readers get one notification and a failure
 * leaves nothing half-visible: when a draft is refused, the drafts this
 * call made are deleted and the error returned. Drafts belong to the
 * token's user; when that user already has drafts of their own pending
 * (a person's token with a review in progress), ours are published one
 * by one instead, so theirs stay private. A draft identical to one we are
 * about to make (left by a run that died before publishing) is reused.
 *
 * Retries of writes. A POST that may have reached GitLab (no answer, or a
 * 5xx) is not sent again blindly: the draft list is re-read for the same
 * draft, the draft list again for a bulk publish (our drafts gone: it
 * landed), the notes for the marker of a note, the statuses for a status.
 * Found: done. Not found: sent once more.
 *
 * ChatOps. GitLab sends no comment to CI, so tend polls: the note events
 * of the project (GET /projects/:id/events?action=commented, by day, the
 * day before `since` on, as `after` is a date and exclusive), each with
 * its note, body included, kept from `since` on. Reactions are award
 * emoji on the note (an award tend already gave is GitLab's 404 "has
 * already been taken": success). A reply goes into the note's discussion,
 * found by listing the issue's or merge request's discussions (events do
 * not name it), or as a new note when none holds it; a lost reply is
 * looked for by its marker before it is sent again.
 *
 * Statuses. GitLab's commit statuses are pending, running, success,
 * failed, canceled (and skipped on recent versions). tend maps success to
 * "success", failure and error to "failed", and neutral (skipped, partial
 * or rate limited: not green, not a failure of the change) to "canceled",
 * which every GitLab version accepts and which never shows as passed.
 * GitLab has no annotations; Code Quality artifacts carry them instead.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "forge/backend.h"
#include "forge/gitlab.h"

/* More pages than this is a server bug, not a merge request. */
#define FORGE_GITLAB_MAX_PAGES 2000
/* GitLab's limit on a commit status description, in characters. */
#define FORGE_GITLAB_MAX_DESCRIPTION 255

/* ------------------------------------------------------------------ */
/* SHA-1 (FIPS 180-4), for line codes.                                 */

struct forge_gitlab_sha1 {
	uint32_t h[5];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

static uint32_t forge_gitlab_rol(uint32_t x, unsigned k)
{
	return (x << k) | (x >> (32 - k));
}

static void forge_gitlab_sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = forge_gitlab_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^
					w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = forge_gitlab_rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = forge_gitlab_rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

static void forge_gitlab_sha1_add(struct forge_gitlab_sha1 *s,
				  const unsigned char *p, size_t n)
{
	s->bytes += n;
	while (n) {
		size_t take = 64 - s->used;

		if (take > n)
			take = n;
		memcpy(s->block + s->used, p, take);
		s->used += take;
		p += take;
		n -= take;
		if (s->used == 64) {
			forge_gitlab_sha1_block(s->h, s->block);
			s->used = 0;
		}
	}
}

void forge_gitlab_sha1_hex(char out[41], const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	struct forge_gitlab_sha1 s = {
		{ 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 },
		0, { 0 }, 0
	};
	unsigned char pad[72] = { 0x80 };
	uint64_t bits;
	size_t npad, i;

	forge_gitlab_sha1_add(&s, data, len);
	bits = s.bytes * 8;
	npad = (s.used < 56 ? 56 : 120) - s.used;
	for (i = 0; i < 8; i++)
		pad[npad + i] = (unsigned char)(bits >> (56 - 8 * i));
	forge_gitlab_sha1_add(&s, pad, npad + 8);
	for (i = 0; i < 20; i++) {
		unsigned char byte = (unsigned char)(s.h[i / 4] >>
						     (24 - 8 * (i % 4)));

		out[2 * i] = hex[byte >> 4];
		out[2 * i + 1] = hex[byte & 15];
	}
	out[40] = '\0';
}

/* ------------------------------------------------------------------ */
/* Small JSON readers.                                                  */

/* An id member (integer or string) as text, or NULL. Caller frees. */
/* A line number member: 1..UINT32_MAX, else 0. */
static uint32_t forge_gitlab_line_member(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key)
					      : NULL;
	json_int_t n;

	if (!v || !json_is_integer(v))
		return 0;
	n = json_integer_value(v);
	return n > 0 && n <= (json_int_t)UINT32_MAX ? (uint32_t)n : 0;
}

static int forge_gitlab_true(const json_t *obj, const char *key)
{
	return json_is_object(obj) && json_is_true(json_object_get(obj, key));
}

/* "100644" -> 0100644; "0", missing or not octal -> 0. */
static unsigned forge_gitlab_mode(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	char *end;
	unsigned long m;

	if (!v || !json_is_string(v))
		return 0;
	s = json_string_value(v);
	if (*s < '0' || *s > '7')
		return 0;
	m = strtoul(s, &end, 8);
	return *end || m > 0177777 ? 0 : (unsigned)m;
}

/* GitLab's bots: user.bot, or a name ending in -bot/_bot, or a project or
 * group access token's user ("project_7_bot_1a2b..."). */
static int forge_gitlab_is_bot(const json_t *user)
{
	const json_t *v = json_object_get(user, "username");
	const char *name, *p;
	size_t n;

	if (forge_gitlab_true(user, "bot"))
		return 1;
	if (!v || !json_is_string(v))
		return 0;
	name = json_string_value(v);
	n = strlen(name);
	if (n >= 4 && (!strcmp(name + n - 4, "-bot") ||
		       !strcmp(name + n - 4, "_bot")))
		return 1;
	if (!strncmp(name, "project_", 8))
		p = name + 8;
	else if (!strncmp(name, "group_", 6))
		p = name + 6;
	else
		return 0;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return !strncmp(p, "_bot", 4);
}


/* ------------------------------------------------------------------ */
/* Merge requests.                                                      */

/*
 * changes_count is a string: "12", or "1000+" when the diff went past
 * GitLab's limits and not every file is listed. -1 when unknown or
 * capped; *capped says which.
 */
static long forge_gitlab_changes_count(const json_t *mr, int *capped)
{
	const json_t *v = json_object_get(mr, "changes_count");
	const char *s;
	char *end;
	long n;

	*capped = 0;
	if (v && json_is_integer(v))
		return json_integer_value(v) >= 0 ?
		       (long)json_integer_value(v) : -1;
	if (!v || !json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (*s < '0' || *s > '9')
		return -1;
	n = strtol(s, &end, 10);
	if (*end == '+' && !end[1]) {
		*capped = 1;
		return -1;
	}
	return *end || n < 0 || n == LONG_MAX ? -1 : n;
}

static int forge_gitlab_read_mr(struct forge_pr *out, const json_t *json,
				const char *where, struct buf *err)
{
	const json_t *refs, *author, *src, *dst, *refs_txt, *collab;
	int capped;

	forge_pr_release(out);
	if (!json_is_object(json))
		return error_set(err, TEND_EINVALID,
				 "%s: not a merge request (not a JSON object)",
				 where);
	refs = json_object_get(json, "diff_refs");
	if (!json_is_object(refs))
		refs = NULL;
	out->head_sha = forge_json_strdup(refs, "head_sha");
	if (!out->head_sha)
		out->head_sha = forge_json_strdup(json, "sha");
	if (!out->head_sha || !*out->head_sha)
		return error_set(err, TEND_EINVALID,
				 "%s: not a merge request (neither "
				 "diff_refs.head_sha nor sha)", where);
	out->base_sha = forge_json_strdup(refs, "base_sha");
	out->start_sha = forge_json_strdup(refs, "start_sha");
	out->number = forge_json_long(json, "iid", 0);
	out->title = forge_json_strdup(json, "title");
	out->body = forge_json_strdup(json, "description");
	author = json_object_get(json, "author");
	if (json_is_object(author))
		out->author = forge_json_strdup(author, "username");
	out->url = forge_json_strdup(json, "web_url");
	out->head_ref = forge_json_strdup(json, "source_branch");
	out->base_ref = forge_json_strdup(json, "target_branch");
	src = json_object_get(json, "source_project_id");
	dst = json_object_get(json, "target_project_id");
	/*
	 * A merge request whose source project GitLab does not name is
	 * treated as a fork: its head is not trusted to configure anything.
	 */
	out->fork = !json_is_integer(src) || !json_is_integer(dst) ||
		    json_integer_value(src) != json_integer_value(dst);
	/* "group/proj!12": the target project's path. */
	refs_txt = json_object_get(json, "references");
	if (!out->fork && json_is_object(refs_txt)) {
		const json_t *full = json_object_get(refs_txt, "full");
		const char *bang;

		if (json_is_string(full) &&
		    (bang = strrchr(json_string_value(full), '!')) &&
		    bang != json_string_value(full))
			out->head_repo = xstrndup(json_string_value(full),
						  (size_t)(bang -
						  json_string_value(full)));
	}
	/* Both names are the same setting; GitLab sends them for forks. */
	collab = json_object_get(json, "allow_collaboration");
	if (!json_is_boolean(collab))
		collab = json_object_get(json, "allow_maintainer_to_push");
	out->maintainer_can_push = json_is_boolean(collab) ?
				   json_is_true(collab) : -1;
	out->draft = forge_gitlab_true(json, "draft") ||
		     forge_gitlab_true(json, "work_in_progress");
	out->state = forge_json_strdup(json, "state");
	out->changed_files = forge_gitlab_changes_count(json, &capped);
	if (capped)
		log_debug("%s: changes_count is '%s': GitLab lists only part "
			  "of the diff", where,
			  json_string_value(json_object_get(json,
							    "changes_count")));
	out->nr_comments = -1;
	out->nr_review_comments = -1;
	return 0;
}

int forge_gitlab_parse_pr(struct forge_pr *out, const char *text, size_t len,
			  struct buf *err)
{
	json_t *json = forge_json_load(text, len, "merge request", err);
	int rc;

	if (!json) {
		forge_pr_release(out);
		return TEND_EINVALID;
	}
	rc = forge_gitlab_read_mr(out, json, "merge request", err);
	json_decref(json);
	return rc;
}

static char *forge_gitlab_mr_path(struct forge *f, long iid,
				  const char *suffix)
{
	return xasprintf("/projects/%s/merge_requests/%ld%s", f->project, iid,
			 suffix);
}

static int forge_gitlab_get_mr(struct forge *f, long number, json_t **out,
			       struct buf *err)
{
	char *path = forge_gitlab_mr_path(f, number, "");
	int rc = forge_request(f, "GET", path, NULL, out, NULL, err);

	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no merge request !%ld in project '%s'",
			   number, f->repo);
	free(path);
	return rc;
}

/*
 * What forge_get_pr() adds to a merge request read by forge_gitlab_read_mr()
 * from `json`: the number when the answer had none, and the head
 * repository (this project, or a fork's path, one more read).
 */
static void forge_gitlab_finish_mr(struct forge *f, struct forge_pr *out,
				   const json_t *json, long number)
{
	const json_t *src = json_object_get(json, "source_project_id");
	json_t *proj = NULL;

	if (!out->number)
		out->number = number;
	if (!out->head_repo && !out->fork)
		out->head_repo = xstrdup(f->repo);
	if (out->fork && json_is_integer(src)) {
		/* The fork's path; a private fork may hide it from us. */
		char *ppath = xasprintf("/projects/%lld",
					(long long)json_integer_value(src));
		struct buf ignore = BUF_INIT;

		if (!forge_request(f, "GET", ppath, NULL, &proj, NULL,
				   &ignore))
			out->head_repo = forge_json_strdup(
				proj, "path_with_namespace");
		else
			log_debug("cannot read the source project of !%ld: %s",
				  out->number, ignore.ptr);
		buf_release(&ignore);
		free(ppath);
	}
	json_decref(proj);
}

static int forge_gitlab_get_pr(struct forge *f, long number,
			       struct forge_pr *out, struct buf *err)
{
	char *path = forge_gitlab_mr_path(f, number, "");
	char *where = xasprintf("GET %s", path);
	json_t *json = NULL;
	int rc;

	forge_pr_release(out);
	rc = forge_gitlab_get_mr(f, number, &json, err);
	if (rc < 0)
		goto out;
	rc = forge_gitlab_read_mr(out, json, where, err);
	if (rc < 0)
		goto out;
	forge_gitlab_finish_mr(f, out, json, number);
	rc = 0;
out:
	if (rc < 0)
		forge_pr_release(out);
	json_decref(json);
	free(where);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Pagination.                                                          */

typedef int (*forge_gitlab_each_fn)(const json_t *item, size_t index,
				    void *data, struct buf *err);

/*
 * GET every page of the list at `path` (which has a query already) and
 * call `each` on every element; `each` returns <0 to fail, >0 to stop.
 * Pages come from x-next-page; when a server leaves that header out, a
 * Link rel="next" under the API URL is followed instead.
 */
static int forge_gitlab_each_status(struct forge *f, const char *path,
				    forge_gitlab_each_fn each, void *data,
				    long *status_out, struct buf *err)
{
	struct http_response raw;
	json_t *json = NULL;
	char *url = NULL;
	long page = 1, next;
	size_t i, index = 0, pages = 0;
	int rc = 0;

	url = xasprintf("%s%cpage=1", path, strchr(path, '?') ? '&' : '?');
	while (url) {
		const char *link;

		if (++pages > FORGE_GITLAB_MAX_PAGES) {
			rc = error_set(err, TEND_EINVALID,
				       "GET %s: more than %d pages", path,
				       FORGE_GITLAB_MAX_PAGES);
			break;
		}
		http_response_init(&raw);
		rc = forge_request(f, "GET", url, NULL, &json, &raw, err);
		if (status_out)
			*status_out = raw.status;
		if (rc < 0) {
			http_response_release(&raw);
			break;
		}
		if (!json_is_array(json)) {
			rc = error_set(err, TEND_EINVALID,
				       "GET %s: expected a JSON array", url);
			http_response_release(&raw);
			break;
		}
		for (i = 0; i < json_array_size(json) && !rc; i++)
			rc = each(json_array_get(json, i), index++, data, err);
		json_decref(json);
		json = NULL;
		free(url);
		url = NULL;
		if (rc) {
			http_response_release(&raw);
			break;
		}
		next = http_gitlab_next_page(&raw);
		link = http_response_header(&raw, "link");
		if (next > page) {
			url = xasprintf("%s%cpage=%ld", path,
					strchr(path, '?') ? '&' : '?', next);
			page = next;
		} else if (next) {
			rc = error_set(err, TEND_EINVALID,
				       "GET %s: x-next-page %ld after page %ld",
				       path, next, page);
		} else if (!http_response_header(&raw, "x-next-page") && link &&
			   (url = http_link_next(link)) &&
			   !forge_under_api(f, url)) {
			struct buf shown = BUF_INIT;

			http_url_for_log(&shown, url);
			rc = error_set(err, TEND_EINVALID,
				       "GET %s: the next page is at '%s', "
				       "outside the API URL '%s': not "
				       "following it (the token goes nowhere "
				       "else), and the list is incomplete",
				       path, shown.ptr, f->api_url);
			buf_release(&shown);
			free(url);
			url = NULL;
		}
		http_response_release(&raw);
	}
	json_decref(json);
	free(url);
	return rc < 0 ? rc : 0;
}

static int forge_gitlab_each(struct forge *f, const char *path,
			     forge_gitlab_each_fn each, void *data,
			     struct buf *err)
{
	return forge_gitlab_each_status(f, path, each, data, NULL, err);
}

/*
 * forge_find_pr(): the opened merge requests of a source branch, newest
 * first. Only the project ids tell a fork from this project: a fork's
 * path would take one more read per merge request.
 */
struct forge_gitlab_find_mr {
	const char *head_ref, *head_sha;
	int fork;		/* look for a fork's merge request */
	long first, exact;
};

static int forge_gitlab_find_mr_one(const json_t *item, size_t index,
				    void *data, struct buf *err)
{
	struct forge_gitlab_find_mr *fm = data;
	const json_t *src = json_object_get(item, "source_project_id");
	const json_t *dst = json_object_get(item, "target_project_id");
	const char *ref, *sha;
	long iid;
	int fork;

	(void)index;
	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "merge requests: an entry is not an object");
	iid = forge_json_long(item, "iid", 0);
	ref = json_string_value(json_object_get(item, "source_branch"));
	sha = json_string_value(json_object_get(item, "sha"));
	fork = !json_is_integer(src) || !json_is_integer(dst) ||
	       json_integer_value(src) != json_integer_value(dst);
	if (iid <= 0 || !ref || strcmp(ref, fm->head_ref) || fork != fm->fork)
		return 0;
	if (!fm->first)
		fm->first = iid;
	if (fm->head_sha && sha && !strcasecmp(sha, fm->head_sha)) {
		fm->exact = iid;
		return 1;
	}
	return 0;
}

static int forge_gitlab_find_pr(struct forge *f, const char *head_repo,
				const char *head_ref, const char *head_sha,
				long *number_out, struct buf *err)
{
	struct forge_gitlab_find_mr fm = { head_ref, head_sha, 0, 0, 0 };
	struct buf path = BUF_INIT;
	int rc;

	fm.fork = head_repo && *head_repo && strcasecmp(head_repo, f->repo);
	buf_printf(&path, "/projects/%s/merge_requests?state=opened&"
		   "source_branch=", f->project);
	forge_url_escape(&path, head_ref);
	buf_puts(&path, "&per_page=100");
	rc = forge_gitlab_each(f, path.ptr, forge_gitlab_find_mr_one, &fm,
			       err);
	if (rc < 0)
		goto out;
	*number_out = fm.exact ? fm.exact : fm.first;
	if (!*number_out)
		rc = error_set(err, TEND_ENOTFOUND,
			       "no opened merge request in '%s' from branch "
			       "'%.200s'%s", f->repo, head_ref,
			       fm.fork ? " of a fork" : "");
out:
	buf_release(&path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Files.                                                               */

/* Where the hunks start: the first line beginning "@@", or NULL. */
static const char *forge_gitlab_hunks(const char *diff)
{
	const char *p = diff;

	while (p && *p) {
		if (p[0] == '@' && p[1] == '@')
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int forge_gitlab_is_binary(const char *diff)
{
	const char *p = diff;

	while (p && *p) {
		if (!strncmp(p, "Binary files ", 13) ||
		    !strncmp(p, "GIT binary patch", 16))
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static void forge_gitlab_count_lines(struct forge_file *ff)
{
	const char *p = ff->patch;

	ff->additions = ff->deletions = 0;
	while (p && *p) {
		if (*p == '+')
			ff->additions++;
		else if (*p == '-')
			ff->deletions++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static int forge_gitlab_file(const json_t *item, size_t index, void *data,
			     struct buf *err)
{
	struct forge_files *out = data;
	struct forge_file *ff;
	const json_t *diff;
	const char *text, *hunks;
	char *new_path, *old_path;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "merge request diffs: entry %zu is not an "
				 "object", index + 1);
	new_path = forge_json_strdup(item, "new_path");
	old_path = forge_json_strdup(item, "old_path");
	if ((!new_path || !*new_path) && (!old_path || !*old_path)) {
		free(new_path);
		free(old_path);
		return error_set(err, TEND_EINVALID,
				 "merge request diffs: entry %zu has no "
				 "new_path", index + 1);
	}
	if (!new_path || !*new_path) {
		free(new_path);
		new_path = xstrdup(old_path);
	}
	ff = forge_files_push(out);
	ff->path = new_path;
	ff->old_mode = forge_gitlab_mode(item, "a_mode");
	ff->new_mode = forge_gitlab_mode(item, "b_mode");
	if (forge_gitlab_true(item, "renamed_file") && old_path &&
	    *old_path && strcmp(old_path, new_path)) {
		ff->status = FORGE_FILE_RENAMED;
		ff->old_path = old_path;
		old_path = NULL;
	} else if (forge_gitlab_true(item, "new_file")) {
		ff->status = FORGE_FILE_ADDED;
	} else if (forge_gitlab_true(item, "deleted_file")) {
		ff->status = FORGE_FILE_DELETED;
		if (old_path && *old_path) {
			free(ff->path);
			ff->path = old_path;
			old_path = NULL;
		}
	} else {
		ff->status = FORGE_FILE_MODIFIED;
	}
	free(old_path);

	diff = json_object_get(item, "diff");
	text = json_is_string(diff) ? json_string_value(diff) : "";
	if (forge_gitlab_true(item, "too_large") ||
	    forge_gitlab_true(item, "collapsed")) {
		ff->too_large = 1;
		return 0;
	}
	hunks = forge_gitlab_hunks(text);
	if (hunks) {
		ff->patch = xstrdup(hunks);
		forge_gitlab_count_lines(ff);
	} else if (forge_gitlab_is_binary(text)) {
		ff->binary = 1;
	} else if (ff->status == FORGE_FILE_MODIFIED &&
		   ff->old_mode == ff->new_mode) {
		/*
		 * A changed file with neither hunks nor a mode change: GitLab
		 * left its diff out without saying so.
		 */
		ff->too_large = 1;
	} else {
		/* An empty file added or removed, a pure rename, a mode
		 * change: nothing to show. */
		ff->additions = ff->deletions = 0;
	}
	return 0;
}

int forge_gitlab_parse_files(struct forge_files *out, const char *text,
			     size_t len, struct buf *err)
{
	json_t *json = forge_json_load(text, len, "merge request diffs", err);
	size_t i;
	int rc = 0;

	if (!json)
		return TEND_EINVALID;
	if (!json_is_array(json))
		rc = error_set(err, TEND_EINVALID,
			       "merge request diffs: expected a JSON array");
	for (i = 0; !rc && i < json_array_size(json); i++)
		rc = forge_gitlab_file(json_array_get(json, i), i, out, err);
	json_decref(json);
	return rc;
}

/* Is the diff capped by GitLab's limits ("1000+" files)? One more read. */
static int forge_gitlab_capped(struct forge *f, long number)
{
	struct buf ignore = BUF_INIT;
	json_t *json = NULL;
	int capped = 0;

	if (!forge_gitlab_get_mr(f, number, &json, &ignore) &&
	    json_is_object(json))
		forge_gitlab_changes_count(json, &capped);
	buf_release(&ignore);
	json_decref(json);
	return capped;
}

static int forge_gitlab_list_files(struct forge *f, const struct forge_pr *pr,
				   struct forge_files *out, struct buf *err)
{
	char *path = forge_gitlab_mr_path(f, pr->number, "/diffs?per_page=100");
	int rc;

	rc = forge_gitlab_each(f, path, forge_gitlab_file, out, err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no merge request !%ld in project '%s'",
			   pr->number, f->repo);
	/* changed_files is -1 when changes_count said "N+" (or nothing). */
	if (!rc && pr->changed_files < 0 && out->nr &&
	    forge_gitlab_capped(f, pr->number)) {
		log_warn("merge request !%ld: GitLab lists %zu changed files "
			 "and leaves the rest out (its diff limits)",
			 pr->number, out->nr);
		out->truncated = 1;
	}
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Discussions.                                                         */

static int forge_gitlab_discussion(const json_t *item, size_t index,
				   void *data, struct buf *err)
{
	struct forge_notes *out = data;
	const json_t *notes, *note, *id;
	size_t i, nonsys = 0, k = 0;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "discussions: entry %zu is not an object",
				 index + 1);
	id = json_object_get(item, "id");
	notes = json_object_get(item, "notes");
	if (!json_is_string(id) || !*json_string_value(id) ||
	    !json_is_array(notes))
		return error_set(err, TEND_EINVALID,
				 "discussions: entry %zu has no id or no notes",
				 index + 1);
	json_array_foreach(notes, i, note) {
		if (!json_is_object(note))
			return error_set(err, TEND_EINVALID,
					 "discussion '%s': note %zu is not an "
					 "object", json_string_value(id),
					 i + 1);
		if (!forge_gitlab_true(note, "system"))
			nonsys++;
	}
	json_array_foreach(notes, i, note) {
		const json_t *author, *pos;
		struct forge_note *n;
		char *nid;

		if (forge_gitlab_true(note, "system"))
			continue;
		nid = forge_json_id(note, "id");
		if (!nid)
			return error_set(err, TEND_EINVALID,
					 "discussion '%s': note %zu has no id",
					 json_string_value(id), i + 1);
		n = forge_notes_push(out);
		n->id = nid;
		n->thread = xstrdup(json_string_value(id));
		author = json_object_get(note, "author");
		if (json_is_object(author)) {
			n->author = forge_json_strdup(author, "username");
			n->author_id = forge_json_id(author, "id");
			n->author_is_bot = forge_gitlab_is_bot(author);
		}
		n->body = forge_json_strdup(note, "body");
		if (!n->body)
			n->body = xstrdup("");
		n->resolvable = forge_gitlab_true(note, "resolvable");
		n->resolved = forge_gitlab_true(note, "resolved");
		n->created_at = forge_json_strdup(note, "created_at");
		if (n->resolved &&
		    json_is_object(json_object_get(note, "resolved_by")))
			n->resolved_by = forge_json_strdup(
				json_object_get(note, "resolved_by"),
				"username");
		n->reply = k > 0;
		n->replies = nonsys - k - 1;
		k++;
		pos = json_object_get(note, "position");
		if (!json_is_object(pos))
			continue;
		n->commit = forge_json_strdup(pos, "head_sha");
		if (json_is_string(json_object_get(pos, "position_type")) &&
		    strcmp(json_string_value(json_object_get(pos,
				"position_type")), "text")) {
			/* An image or file note: on the file, not a line. */
			n->path = forge_json_strdup(pos, "new_path");
			continue;
		}
		if ((n->line = forge_gitlab_line_member(pos, "new_line"))) {
			n->side = FORGE_SIDE_RIGHT;
			n->path = forge_json_strdup(pos, "new_path");
		} else if ((n->line = forge_gitlab_line_member(pos,
							       "old_line"))) {
			n->side = FORGE_SIDE_LEFT;
			n->path = forge_json_strdup(pos, "old_path");
		} else {
			n->path = forge_json_strdup(pos, "new_path");
		}
		if (!n->path)
			n->line = 0;
		n->inline_note = n->line > 0;
	}
	return 0;
}

int forge_gitlab_parse_discussions(struct forge_notes *out, const char *text,
				   size_t len, struct buf *err)
{
	json_t *json = forge_json_load(text, len, "discussions", err);
	size_t i;
	int rc = 0;

	if (!json)
		return TEND_EINVALID;
	if (!json_is_array(json))
		rc = error_set(err, TEND_EINVALID,
			       "discussions: expected a JSON array");
	for (i = 0; !rc && i < json_array_size(json); i++)
		rc = forge_gitlab_discussion(json_array_get(json, i), i, out,
					     err);
	json_decref(json);
	return rc;
}

static int forge_gitlab_list_notes(struct forge *f, const struct forge_pr *pr,
				   struct forge_notes *out, struct buf *err)
{
	char *path = forge_gitlab_mr_path(f, pr->number,
					  "/discussions?per_page=100");
	int rc = forge_gitlab_each(f, path, forge_gitlab_discussion, out, err);

	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no merge request !%ld in project '%s'",
			   pr->number, f->repo);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Who tend is.                                                         */

int forge_gitlab_parse_user(char **login_out, char **id_out, const char *text,
			    size_t len, struct buf *err)
{
	return forge_parse_user(login_out, id_out, text, len, "username", err);
}

/* GET /user: the user of a personal, project or group access token. */
static int forge_gitlab_get_self(struct forge *f, char **login_out,
				 char **id_out, struct buf *err)
{
	return forge_get_user(f, "username", login_out, id_out, err);
}

/* ------------------------------------------------------------------ */
/* Lines of a diff, as GitLab counts them.                              */

/* "@@ -a[,b] +c[,d] @@": 0 and the starts, or -1. */
static int forge_gitlab_hunk_header(const char *p, uint32_t *old_start,
				    uint32_t *new_start)
{
	unsigned long a, c;
	char *end;

	if (strncmp(p, "@@ -", 4))
		return -1;
	p += 4;
	if (*p < '0' || *p > '9')
		return -1;
	a = strtoul(p, &end, 10);
	p = end;
	if (*p == ',') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		strtoul(p, &end, 10);
		p = end;
	}
	if (strncmp(p, " +", 2))
		return -1;
	p += 2;
	if (*p < '0' || *p > '9')
		return -1;
	c = strtoul(p, &end, 10);
	if (a > UINT32_MAX - 1 || c > UINT32_MAX - 1)
		return -1;
	*old_start = (uint32_t)a;
	*new_start = (uint32_t)c;
	return 0;
}

int forge_gitlab_patch_line(struct forge_gitlab_line *out, const char *patch,
			    enum forge_side side, uint32_t line)
{
	const char *p = patch;
	uint32_t old_pos = 0, new_pos = 0;
	size_t index = 0;
	unsigned hunk = 0;
	int in_hunk = 0, seen = 0;

	while (p && *p) {
		char c = *p;

		if (c == '@' && p[1] == '@') {
			in_hunk = !forge_gitlab_hunk_header(p, &old_pos,
							    &new_pos);
			if (in_hunk && seen++)
				hunk++;
		} else if (in_hunk && (c == '+' || c == '-' || c == ' ')) {
			int hit = side == FORGE_SIDE_RIGHT ?
				  c != '-' && new_pos == line :
				  c != '+' && old_pos == line;

			if (hit && line) {
				out->type = c;
				out->old_pos = old_pos;
				out->new_pos = new_pos;
				out->hunk = hunk;
				out->index = index;
				return 0;
			}
			if (c != '-' && new_pos < UINT32_MAX)
				new_pos++;
			if (c != '+' && old_pos < UINT32_MAX)
				old_pos++;
			index++;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return TEND_ENOTFOUND;
}

char *forge_gitlab_line_code(const char *path,
			     const struct forge_gitlab_line *line)
{
	char hex[41];

	forge_gitlab_sha1_hex(hex, path, strlen(path));
	return xasprintf("%s_%lu_%lu", hex, (unsigned long)line->old_pos,
			 (unsigned long)line->new_pos);
}

/* ------------------------------------------------------------------ */
/* Drafts and notes.                                                    */

/* How an outcome of a write is to be read. */
static int forge_gitlab_uncertain(int rc, const struct http_response *raw)
{
	return rc < 0 && (raw->maybe_sent || raw->status >= 500 ||
			  (raw->status == 0 && rc == TEND_ETIMEOUT));
}

/*
 * POST `body` (may be NULL) to `path`. When the POST may have landed
 * without our knowing (no answer, or a 5xx), `landed` re-reads the remote
 * state: 1 it did land (done), 0 it did not (sent once more), <0 the
 * re-read failed. Without `landed` a doubtful POST is not sent again.
 * `*json_out` (may be NULL) gets the answer; it stays NULL when `landed`
 * found the write. `*status_out` (may be NULL) gets the HTTP status of
 * the last answer (0: none). `err` is left alone on success.
 */
static int forge_gitlab_post_status(struct forge *f, const char *path,
				    json_t *body, json_t **json_out,
				    int (*landed)(void *data, struct buf *err),
				    void *data, long *status_out,
				    struct buf *err)
{
	struct http_response raw;
	struct buf e = BUF_INIT;
	int rc = 0, attempt, found;

	if (json_out)
		*json_out = NULL;
	if (status_out)
		*status_out = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		http_response_init(&raw);
		buf_reset(&e);
		rc = forge_request(f, "POST", path, body, json_out, &raw, &e);
		if (status_out)
			*status_out = raw.status;
		if (!rc || !forge_gitlab_uncertain(rc, &raw) || attempt ||
		    !landed) {
			http_response_release(&raw);
			break;
		}
		http_response_release(&raw);
		log_warn("%s; re-reading before sending it again", e.ptr);
		found = landed(data, &e);
		if (found < 0) {
			rc = error_wrap(&e, TEND_ERROR,
					"after a failed POST %s", path);
			break;
		}
		if (found) {
			rc = 0;
			break;
		}
	}
	if (rc < 0)
		error_set(err, rc, "%s", e.ptr);
	buf_release(&e);
	return rc;
}

/* forge_gitlab_post_status() without the status. */
static int forge_gitlab_post(struct forge *f, const char *path, json_t *body,
			     json_t **json_out,
			     int (*landed)(void *data, struct buf *err),
			     void *data, struct buf *err)
{
	return forge_gitlab_post_status(f, path, body, json_out, landed, data,
					NULL, err);
}

/*
 * One review being posted: a draft body per comment, the draft id each
 * got (made or reused), the drafts that were there before, and the merge
 * request's files, read once when a range comment needs line counters.
 */
struct forge_gitlab_review {
	struct forge *f;
	const struct forge_pr *pr;
	struct forge_files files;
	int files_read;
	json_t **drafts;	/* the bodies to POST, one per comment */
	char **ids;		/* the draft made (or reused) for each */
	size_t nr;
	json_t *existing;	/* the drafts found before we began */
	unsigned char *claimed;	/* existing[i] is one of ours */
};

static const struct forge_file *
forge_gitlab_review_file(struct forge_gitlab_review *rv,
			 const struct forge_inline *c, struct buf *err)
{
	size_t i;
	int rc;

	if (!rv->files_read) {
		rc = forge_gitlab_list_files(rv->f, rv->pr, &rv->files, err);
		if (rc < 0)
			return NULL;
		rv->files_read = 1;
	}
	for (i = 0; i < rv->files.nr; i++)
		if (!strcmp(rv->files.items[i].path, c->path))
			return &rv->files.items[i];
	error_set(err, TEND_EINVALID,
		  "comment on '%s': not a file of merge request !%ld",
		  c->path, rv->pr->number);
	return NULL;
}

static json_t *forge_gitlab_range_end(const char *path,
				      const struct forge_gitlab_line *ln)
{
	json_t *end = json_object();
	char *code = forge_gitlab_line_code(path, ln);

	json_object_set_new(end, "line_code", json_string(code));
	json_object_set_new(end, "type",
			    ln->type == '+' ? json_string("new") :
			    ln->type == '-' ? json_string("old") : json_null());
	free(code);
	return end;
}

/*
 * The position of comment `c`: the end line by GitLab's rule (added: new
 * only; removed: old only; unchanged: both) and, for a range, line_range
 * from the diff.
 */
static int forge_gitlab_position(struct forge_gitlab_review *rv,
				 const struct forge_inline *c, json_t *pos,
				 struct buf *err)
{
	const struct forge_pr *pr = rv->pr;
	struct forge_gitlab_line first, last;
	const struct forge_file *ff = NULL;
	uint32_t end_old = c->end_old, end_new = c->end_new;
	int range = c->start_line && c->start_line != c->line;

	json_object_set_new(pos, "position_type", json_string("text"));
	json_object_set_new(pos, "base_sha", jsonutil_string(pr->base_sha));
	json_object_set_new(pos, "start_sha", jsonutil_string(pr->start_sha));
	json_object_set_new(pos, "head_sha", jsonutil_string(pr->head_sha));
	json_object_set_new(pos, "old_path",
			    jsonutil_string(c->old_path ? c->old_path
							: c->path));
	json_object_set_new(pos, "new_path", jsonutil_string(c->path));
	if (range) {
		if (c->start_line > c->line)
			return error_set(err, TEND_EINVALID,
					 "comment on '%s': lines %lu-%lu are "
					 "not in order", c->path,
					 (unsigned long)c->start_line,
					 (unsigned long)c->line);
		ff = forge_gitlab_review_file(rv, c, err);
		if (!ff)
			return TEND_EINVALID;
		if (!ff->patch ||
		    forge_gitlab_patch_line(&first, ff->patch, c->side,
					    c->start_line) ||
		    forge_gitlab_patch_line(&last, ff->patch, c->side,
					    c->line))
			return error_set(err, TEND_EINVALID,
					 "comment on '%s' lines %lu-%lu: not "
					 "lines of the merge request's diff",
					 c->path, (unsigned long)c->start_line,
					 (unsigned long)c->line);
		if (first.hunk != last.hunk)
			return error_set(err, TEND_EINVALID,
					 "comment on '%s' lines %lu-%lu: the "
					 "range spans two hunks", c->path,
					 (unsigned long)c->start_line,
					 (unsigned long)c->line);
		end_old = last.type == '+' ? 0 : last.old_pos;
		end_new = last.type == '-' ? 0 : last.new_pos;
	} else if (!end_old && !end_new) {
		/* The caller did not say: a line of its side. */
		if (c->side == FORGE_SIDE_RIGHT)
			end_new = c->line;
		else
			end_old = c->line;
	}
	if (end_old)
		json_object_set_new(pos, "old_line", json_integer(end_old));
	if (end_new)
		json_object_set_new(pos, "new_line", json_integer(end_new));
	if (range) {
		json_t *lr = json_object();

		json_object_set_new(lr, "start",
				    forge_gitlab_range_end(ff->path, &first));
		json_object_set_new(lr, "end",
				    forge_gitlab_range_end(ff->path, &last));
		json_object_set_new(pos, "line_range", lr);
	}
	return 0;
}

/* Same note, same file, same line: a draft we made. */
static int forge_gitlab_same_draft(const json_t *have, const json_t *want)
{
	const json_t *hp = json_object_get(have, "position");
	const json_t *wp = json_object_get(want, "position");
	static const char *const keys[] = { "new_path", "old_line",
					    "new_line" };
	size_t i;

	if (!json_is_string(json_object_get(have, "note")) ||
	    !json_equal(json_object_get(have, "note"),
			json_object_get(want, "note")))
		return 0;
	if (!json_is_object(hp))
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const json_t *a = json_object_get(hp, keys[i]);
		const json_t *b = json_object_get(wp, keys[i]);

		if (json_is_null(a))
			a = NULL;
		if ((a || b) && (!a || !b || !json_equal(a, b)))
			return 0;
	}
	return 1;
}

static int forge_gitlab_collect(const json_t *item, size_t index, void *data,
				struct buf *err)
{
	(void)index;
	(void)err;
	json_array_append(data, (json_t *)item);
	return 0;
}

/*
 * Every draft note of ours (the token's user) on the merge request. A 403
 * here is a token that may not review (a job token): FORGE_EREADONLY, so
 * the caller degrades as for a refused write.
 */
static int forge_gitlab_list_drafts(struct forge *f, long number,
				    json_t **out, struct buf *err)
{
	char *path = forge_gitlab_mr_path(f, number,
					  "/draft_notes?per_page=100");
	json_t *list = json_array();
	long status = 0;
	int rc = forge_gitlab_each_status(f, path, forge_gitlab_collect, list,
					  &status, err);

	free(path);
	if (rc < 0) {
		if (status == 403)
			rc = error_wrap(err, FORGE_EREADONLY,
					"cannot use draft notes");
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* An unclaimed draft in `list` that is `want`, by index, or -1. */
static long forge_gitlab_find_draft(const json_t *list,
				    const unsigned char *claimed,
				    const json_t *want)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if ((!claimed || !claimed[i]) &&
		    forge_gitlab_same_draft(json_array_get(list, i), want))
			return (long)i;
	return -1;
}

/*
 * After a POST of draft `i` that may have landed: a draft like it in the
 * list that no other comment of ours has taken. Its id, or NULL.
 */
static char *forge_gitlab_landed(struct forge_gitlab_review *rv, size_t i,
				 const json_t *list)
{
	const json_t *d;
	size_t k, j;

	json_array_foreach(list, k, d) {
		char *id;
		int taken = 0;

		if (!forge_gitlab_same_draft(d, rv->drafts[i]))
			continue;
		id = forge_json_id(d, "id");
		for (j = 0; id && j < rv->nr && !taken; j++)
			taken = rv->ids[j] && !strcmp(rv->ids[j], id);
		if (id && !taken)
			return id;
		free(id);
	}
	return NULL;
}

struct forge_gitlab_draft_check {
	struct forge_gitlab_review *rv;
	size_t i;
};

static int forge_gitlab_draft_landed(void *data, struct buf *err)
{
	struct forge_gitlab_draft_check *dc = data;
	json_t *list = NULL;
	int rc;

	rc = forge_gitlab_list_drafts(dc->rv->f, dc->rv->pr->number, &list,
				      err);
	if (rc < 0)
		return rc;
	dc->rv->ids[dc->i] = forge_gitlab_landed(dc->rv, dc->i, list);
	json_decref(list);
	return dc->rv->ids[dc->i] != NULL;
}

static int forge_gitlab_post_draft(struct forge_gitlab_review *rv, size_t i,
				   struct buf *err)
{
	struct forge_gitlab_draft_check dc = { rv, i };
	char *path = forge_gitlab_mr_path(rv->f, rv->pr->number,
					  "/draft_notes");
	json_t *json = NULL;
	int rc;

	rc = forge_gitlab_post(rv->f, path, rv->drafts[i], &json,
			       forge_gitlab_draft_landed, &dc, err);
	if (!rc && !rv->ids[i]) {
		rv->ids[i] = forge_json_id(json, "id");
		if (!rv->ids[i])
			rc = error_set(err, TEND_EINVALID,
				       "POST %s: the answer names no draft id",
				       path);
	}
	json_decref(json);
	free(path);
	return rc;
}

/* Delete the drafts made so far, so nothing half-published is left. */
static void forge_gitlab_drop_drafts(struct forge_gitlab_review *rv)
{
	struct buf e = BUF_INIT;
	size_t i;

	for (i = 0; i < rv->nr; i++) {
		char *suffix, *path;

		if (!rv->ids[i])
			continue;
		suffix = xasprintf("/draft_notes/%s", rv->ids[i]);
		path = forge_gitlab_mr_path(rv->f, rv->pr->number, suffix);
		buf_reset(&e);
		if (forge_request(rv->f, "DELETE", path, NULL, NULL, NULL,
				  &e) < 0 && !strstr(e.ptr, "(404)"))
			log_warn("cannot delete draft note %s: %s", rv->ids[i],
				 e.ptr);
		free(suffix);
		free(path);
	}
	buf_release(&e);
}

/* Are any of our drafts still drafts? 1 yes, 0 no, <0 error. */
static int forge_gitlab_drafts_left(struct forge_gitlab_review *rv,
				    struct buf *err)
{
	json_t *list = NULL, *d;
	size_t i, j;
	int left = 0, rc;

	rc = forge_gitlab_list_drafts(rv->f, rv->pr->number, &list, err);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, d) {
		char *id = forge_json_id(d, "id");

		for (j = 0; id && j < rv->nr && !left; j++)
			left = rv->ids[j] && !strcmp(rv->ids[j], id);
		free(id);
	}
	json_decref(list);
	return left;
}

static int forge_gitlab_published(void *data, struct buf *err)
{
	int left = forge_gitlab_drafts_left(data, err);

	return left < 0 ? left : !left;
}

static int forge_gitlab_publish(struct forge_gitlab_review *rv, int one_by_one,
				struct buf *err)
{
	char *path = NULL;
	size_t i;
	int rc = 0;

	if (one_by_one) {
		/* PUT is idempotent: common/http retries it by itself. */
		for (i = 0; i < rv->nr && !rc; i++) {
			char *suffix = xasprintf("/draft_notes/%s/publish",
						 rv->ids[i]);

			path = forge_gitlab_mr_path(rv->f, rv->pr->number,
						    suffix);
			rc = forge_request(rv->f, "PUT", path, NULL, NULL, NULL,
					   err);
			free(suffix);
			free(path);
		}
		return rc;
	}
	path = forge_gitlab_mr_path(rv->f, rv->pr->number,
				    "/draft_notes/bulk_publish");
	rc = forge_gitlab_post(rv->f, path, NULL, NULL, forge_gitlab_published,
			       rv, err);
	free(path);
	return rc;
}

/* Is `obj`'s author (user object at `key`) tend's own account? */
static int forge_gitlab_by_self(const struct forge *f, const json_t *obj,
				const char *key)
{
	const json_t *author = json_object_get(obj, key);
	char *login = forge_json_strdup(author, "username");
	char *id = forge_json_id(author, "id");
	int own = forge_is_self(f, login, id);

	free(login);
	free(id);
	return own;
}

/*
 * A note of tend's own account with the marker: someone else's copy
 * would make a lost write look landed.
 */
struct forge_gitlab_marker_search {
	const struct forge *f;
	const char *marker;
	char *id;
};

static int forge_gitlab_marker_note(const json_t *item, size_t index,
				    void *data, struct buf *err)
{
	struct forge_gitlab_marker_search *s = data;
	const json_t *body = json_object_get(item, "body");

	(void)index;
	(void)err;
	if (json_is_object(item) && !forge_gitlab_true(item, "system") &&
	    json_is_string(body) &&
	    forge_has_marker(json_string_value(body), s->marker) &&
	    forge_gitlab_by_self(s->f, item, "author")) {
		s->id = forge_json_id(item, "id");
		return s->id ? 1 : 0;
	}
	return 0;
}

struct forge_gitlab_note_check {
	struct forge *f;
	const char *search;
	struct forge_gitlab_marker_search s;
};

static int forge_gitlab_note_landed(void *data, struct buf *err)
{
	struct forge_gitlab_note_check *nc = data;
	int rc = forge_self_resolve(nc->f, err);

	if (rc < 0)
		return rc;
	rc = forge_gitlab_each(nc->f, nc->search, forge_gitlab_marker_note,
			       &nc->s, err);
	return rc < 0 ? rc : nc->s.id != NULL;
}

/*
 * POST a note with `body` to `path`, a list of notes of `noteable` (the
 * path of a merge request or an issue): its notes, or the notes of one of
 * its discussions; `*id_out` gets its id (caller frees). A POST that may
 * have landed is looked for by `marker` among the noteable's notes (a
 * discussion's notes are among them) before it is sent again; without a
 * marker it is not sent again.
 */
static int forge_gitlab_post_note_to(struct forge *f, const char *path,
				     const char *noteable, const char *body,
				     const char *marker, char **id_out,
				     struct buf *err)
{
	char *search = xasprintf("%s/notes?sort=desc&order_by=created_at&"
				 "per_page=100", noteable);
	struct forge_gitlab_note_check nc = { f, search,
					      { f, marker, NULL } };
	json_t *req = json_object(), *json = NULL;
	int rc;

	*id_out = NULL;
	json_object_set_new(req, "body", jsonutil_string(body));
	rc = forge_gitlab_post(f, path, req, &json,
			       marker && *marker ? forge_gitlab_note_landed
						 : NULL, &nc, err);
	if (!rc) {
		*id_out = nc.s.id ? nc.s.id : forge_json_id(json, "id");
		nc.s.id = NULL;
		if (!*id_out)
			rc = error_set(err, TEND_EINVALID,
				       "POST %s: the answer names no note id",
				       path);
	}
	free(nc.s.id);
	json_decref(req);
	json_decref(json);
	free(search);
	return rc;
}

/* A note on `noteable` (the path of a merge request or an issue). */
static int forge_gitlab_post_note_at(struct forge *f, const char *noteable,
				     const char *body, const char *marker,
				     char **id_out, struct buf *err)
{
	char *path = xasprintf("%s/notes", noteable);
	int rc = forge_gitlab_post_note_to(f, path, noteable, body, marker,
					   id_out, err);

	free(path);
	return rc;
}

/* A general note on merge request `number`. */
static int forge_gitlab_post_note(struct forge *f, long number,
				  const char *body, const char *marker,
				  char **id_out, struct buf *err)
{
	char *mr = forge_gitlab_mr_path(f, number, "");
	int rc = forge_gitlab_post_note_at(f, mr, body, marker, id_out, err);

	free(mr);
	return rc;
}

static void forge_gitlab_review_release(struct forge_gitlab_review *rv)
{
	size_t i;

	for (i = 0; i < rv->nr; i++) {
		json_decref(rv->drafts[i]);
		free(rv->ids[i]);
	}
	free(rv->drafts);
	free(rv->ids);
	free(rv->claimed);
	json_decref(rv->existing);
	forge_files_release(&rv->files);
}

static int forge_gitlab_post_review(struct forge *f, const struct forge_pr *pr,
				    const struct forge_inline *comments,
				    size_t nr, const char *body,
				    const char *marker, struct buf *err)
{
	struct forge_gitlab_review rv;
	size_t i, foreign = 0;
	char *note_id = NULL;
	int rc = 0;

	memset(&rv, 0, sizeof(rv));
	rv.f = f;
	rv.pr = pr;
	forge_files_init(&rv.files);
	if (!nr)
		goto summary;
	if (!pr->base_sha || !pr->start_sha || !pr->head_sha) {
		rc = error_set(err, TEND_EINVALID,
			       "merge request !%ld has no diff_refs yet: "
			       "cannot place comments", pr->number);
		goto out;
	}
	rv.nr = nr;
	rv.drafts = xcalloc(nr, sizeof(*rv.drafts));
	rv.ids = xcalloc(nr, sizeof(*rv.ids));
	/* Build every position before anything is written. */
	for (i = 0; i < nr; i++) {
		const struct forge_inline *c = &comments[i];
		json_t *pos;

		if (!c->path || !*c->path || !c->line || !c->body) {
			rc = error_set(err, TEND_EINVALID,
				       "comment %zu has no path, line or body",
				       i + 1);
			goto out;
		}
		rv.drafts[i] = json_object();
		json_object_set_new(rv.drafts[i], "note",
				    jsonutil_string(c->body));
		pos = json_object();
		json_object_set_new(rv.drafts[i], "position", pos);
		rc = forge_gitlab_position(&rv, c, pos, err);
		if (rc < 0)
			goto out;
	}
	rc = forge_gitlab_list_drafts(f, pr->number, &rv.existing, err);
	if (rc < 0)
		goto out;
	rv.claimed = xcalloc(json_array_size(rv.existing) + 1, 1);
	for (i = 0; i < nr; i++) {
		long k = forge_gitlab_find_draft(rv.existing, rv.claimed,
						 rv.drafts[i]);

		if (k < 0)
			continue;
		rv.claimed[k] = 1;
		rv.ids[i] = forge_json_id(json_array_get(rv.existing,
							   (size_t)k), "id");
	}
	for (i = 0; i < json_array_size(rv.existing); i++)
		foreign += !rv.claimed[i];
	if (foreign)
		log_info("merge request !%ld: %zu draft notes of this user "
			 "are pending; publishing tend's one by one",
			 pr->number, foreign);
	for (i = 0; i < nr; i++) {
		if (rv.ids[i])
			continue;
		rc = forge_gitlab_post_draft(&rv, i, err);
		if (rc < 0) {
			error_wrap(err, rc, "comment %zu on '%s'", i + 1,
				   comments[i].path);
			forge_gitlab_drop_drafts(&rv);
			goto out;
		}
	}
	rc = forge_gitlab_publish(&rv, foreign > 0, err);
	if (rc < 0) {
		forge_gitlab_drop_drafts(&rv);
		goto out;
	}
summary:
	if (body) {
		rc = forge_gitlab_post_note(f, pr->number, body, marker,
					    &note_id, err);
		free(note_id);
	}
out:
	forge_gitlab_review_release(&rv);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Summary, status, threads.                                            */

static int forge_gitlab_put_summary(struct forge *f, const struct forge_pr *pr,
				    const char *id, const char *body,
				    const char *marker, char **url_out,
				    struct buf *err)
{
	char *note_id = NULL, *path = NULL, *suffix;
	struct forge_pr fresh;
	json_t *req = NULL;
	int rc;

	forge_pr_init(&fresh);
	if (!body)
		return error_set(err, TEND_EINVALID, "summary has no body");
	if (!id) {
		rc = forge_gitlab_post_note(f, pr->number, body, marker,
					    &note_id, err);
		if (rc < 0)
			goto out;
	} else {
		suffix = xasprintf("/notes/%s", id);
		path = forge_gitlab_mr_path(f, pr->number, suffix);
		free(suffix);
		req = json_object();
		json_object_set_new(req, "body", jsonutil_string(body));
		rc = forge_request(f, "PUT", path, req, NULL, NULL, err);
		if (rc < 0)
			goto out;
		note_id = xstrdup(id);
	}
	if (url_out) {
		const char *web = pr->url;
		struct buf ignore = BUF_INIT;

		/* The note is posted: a URL we cannot learn is no failure. */
		if (!web && !forge_gitlab_get_pr(f, pr->number, &fresh,
						 &ignore))
			web = fresh.url;
		if (!web)
			log_debug("no web URL for merge request !%ld: %s",
				  pr->number, ignore.ptr);
		buf_release(&ignore);
		*url_out = web ? xasprintf("%s#note_%s", web, note_id) : NULL;
	}
	rc = 0;
out:
	forge_pr_release(&fresh);
	json_decref(req);
	free(path);
	free(note_id);
	return rc;
}

static const char *forge_gitlab_state(enum forge_state st)
{
	switch (st) {
	case FORGE_STATE_SUCCESS:
		return "success";
	case FORGE_STATE_NEUTRAL:
		return "canceled";
	case FORGE_STATE_FAILURE:
	case FORGE_STATE_ERROR:
		break;
	}
	return "failed";
}

/* `s` cut to `max` characters (UTF-8 code points), "…" marking a cut. */
static json_t *forge_gitlab_cut(const char *s, size_t max)
{
	size_t i, chars = 0, cut = 0;
	struct buf b = BUF_INIT;
	json_t *out;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == max - 1)
			cut = i;
		if (++chars > max)
			break;
	}
	if (!s[i])
		return jsonutil_string(s);
	buf_add(&b, s, cut);
	buf_puts(&b, "\xe2\x80\xa6");
	out = jsonutil_string(b.ptr);
	buf_release(&b);
	return out;
}

struct forge_gitlab_status_search {
	struct forge *f;
	const char *search;
	const char *name;
	const char *state;
	int found;
};

static int forge_gitlab_status_seen(const json_t *item, size_t index,
				    void *data, struct buf *err)
{
	struct forge_gitlab_status_search *s = data;
	const json_t *name = json_object_get(item, "name");
	const json_t *state = json_object_get(item, "status");

	(void)err;
	if (index > 0 || !json_is_string(name) || !json_is_string(state))
		return 1;
	s->found = !strcmp(json_string_value(name), s->name) &&
		   !strcmp(json_string_value(state), s->state);
	return 1;
}

/*
 * The latest status of our name already says what we were setting: the
 * lost POST landed, or an earlier one said the same; either way, done.
 */
static int forge_gitlab_status_landed(void *data, struct buf *err)
{
	struct forge_gitlab_status_search *s = data;
	int rc;

	s->found = 0;
	rc = forge_gitlab_each(s->f, s->search, forge_gitlab_status_seen, s,
			       err);
	return rc < 0 ? rc : s->found;
}

static int forge_gitlab_set_status(struct forge *f, const struct forge_pr *pr,
				   const struct forge_status *st,
				   struct buf *err)
{
	struct forge_gitlab_status_search s;
	const char *state = forge_gitlab_state(st->state);
	const char *name = st->name ? st->name : "tend";
	char *path = NULL, *search = NULL;
	struct buf q = BUF_INIT;
	json_t *req;
	int rc;

	if (!pr->head_sha || !*pr->head_sha)
		return error_set(err, TEND_EINVALID,
				 "merge request !%ld has no head commit to set "
				 "a status on", pr->number);
	req = json_object();
	json_object_set_new(req, "state", json_string(state));
	json_object_set_new(req, "name", jsonutil_string(name));
	json_object_set_new(req, "description",
			    forge_gitlab_cut(st->title ? st->title : "",
					     FORGE_GITLAB_MAX_DESCRIPTION));
	if (st->target_url && *st->target_url)
		json_object_set_new(req, "target_url",
				    jsonutil_string(st->target_url));
	path = xasprintf("/projects/%s/statuses/%s", f->project, pr->head_sha);
	forge_url_escape(&q, name);
	search = xasprintf("/projects/%s/repository/commits/%s/statuses?"
			   "name=%s&per_page=1", f->project, pr->head_sha,
			   q.ptr);
	s.f = f;
	s.search = search;
	s.name = name;
	s.state = state;
	s.found = 0;
	rc = forge_gitlab_post(f, path, req, NULL, forge_gitlab_status_landed,
			       &s, err);
	json_decref(req);
	buf_release(&q);
	free(path);
	free(search);
	return rc;
}

static int forge_gitlab_resolve_thread(struct forge *f,
				       const struct forge_pr *pr,
				       const char *thread, struct buf *err)
{
	struct buf b = BUF_INIT;
	char *path;
	int rc;

	if (!thread || !*thread)
		return error_set(err, TEND_EINVALID,
				 "no discussion to resolve");
	buf_printf(&b, "/projects/%s/merge_requests/%ld/discussions/",
		   f->project, pr->number);
	forge_url_escape(&b, thread);
	buf_puts(&b, "?resolved=true");
	path = buf_detach(&b, NULL);
	rc = forge_request(f, "PUT", path, NULL, NULL, NULL, err);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Issues.                                                              */

/* Path ids tend puts in a URL are digits only: nothing else can reach
 * another path through them. */
static int forge_gitlab_numeric(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static char *forge_gitlab_issue_path(struct forge *f, long iid,
				     const char *suffix)
{
	return xasprintf("/projects/%s/issues/%ld%s", f->project, iid, suffix);
}

/* The names in a JSON array of strings (or of objects with `key`). */
static void forge_gitlab_names(char ***out, size_t *nr, const json_t *arr,
			       const char *key)
{
	const json_t *v;
	size_t i, n = 0;

	*out = NULL;
	*nr = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return;
	*out = xcalloc(json_array_size(arr), sizeof(**out));
	json_array_foreach(arr, i, v) {
		if (json_is_object(v))
			v = json_object_get(v, key);
		if (json_is_string(v))
			(*out)[n++] = xstrdup(json_string_value(v));
	}
	*nr = n;
}

/*
 * One issue of GET /projects/:id/issues[/:iid] into `out` (initialised by
 * the caller; released on failure).
 */
static int forge_gitlab_read_issue(struct forge_issue *out, const json_t *item,
				   const char *where, struct buf *err)
{
	const json_t *author, *state, *assignees;
	long iid;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "%s: not an issue (not a JSON object)", where);
	iid = forge_json_long(item, "iid", 0);
	if (iid <= 0)
		return error_set(err, TEND_EINVALID,
				 "%s: an issue without an iid", where);
	out->number = iid;
	out->title = forge_json_strdup(item, "title");
	if (!out->title)
		out->title = xstrdup("");
	out->body = forge_json_strdup(item, "description");
	if (!out->body)
		out->body = xstrdup("");
	author = json_object_get(item, "author");
	if (json_is_object(author)) {
		out->author = forge_json_strdup(author, "username");
		out->author_id = forge_json_id(author, "id");
	}
	state = json_object_get(item, "state");
	out->open = json_is_string(state) &&
		    !strcmp(json_string_value(state), "opened");
	/* Names; with_labels_details=true would give objects. */
	forge_gitlab_names(&out->labels, &out->nr_labels,
			   json_object_get(item, "labels"), "name");
	assignees = json_object_get(item, "assignees");
	if (!json_is_array(assignees) || !json_array_size(assignees)) {
		/* Old servers: one assignee, not a list. */
		const json_t *one = json_object_get(item, "assignee");
		char *name = json_is_object(one) ?
			     forge_json_strdup(one, "username") : NULL;

		if (name) {
			out->assignees = xcalloc(1, sizeof(*out->assignees));
			out->assignees[0] = name;
			out->nr_assignees = 1;
		}
	} else {
		forge_gitlab_names(&out->assignees, &out->nr_assignees,
				   assignees, "username");
	}
	out->url = forge_json_strdup(item, "web_url");
	out->created_at = forge_json_strdup(item, "created_at");
	return 0;
}

/* Read one issue and append it to `data` (a struct forge_issues). */
static int forge_gitlab_issue_item(const json_t *item, size_t index,
				   void *data, struct buf *err)
{
	struct forge_issue issue;
	char where[64];
	int rc;

	snprintf(where, sizeof(where), "issues: entry %zu", index + 1);
	forge_issue_init(&issue);
	rc = forge_gitlab_read_issue(&issue, item, where, err);
	if (rc < 0) {
		forge_issue_release(&issue);
		return rc;
	}
	*forge_issues_push(data) = issue;
	return 0;
}

/* Parse an answer that must be a JSON array and call `each` on it. */
static int forge_gitlab_parse_list(const char *text, size_t len,
				   const char *what, forge_gitlab_each_fn each,
				   void *data, struct buf *err)
{
	json_t *json = forge_json_load(text, len, what, err);
	size_t i;
	int rc = 0;

	if (!json)
		return TEND_EINVALID;
	if (!json_is_array(json))
		rc = error_set(err, TEND_EINVALID, "%s: expected a JSON array",
			       what);
	for (i = 0; !rc && i < json_array_size(json); i++)
		rc = each(json_array_get(json, i), i, data, err);
	json_decref(json);
	return rc < 0 ? rc : 0;
}

int forge_gitlab_parse_issues(struct forge_issues *out, const char *text,
			      size_t len, struct buf *err)
{
	return forge_gitlab_parse_list(text, len, "issues",
				       forge_gitlab_issue_item, out, err);
}

int forge_gitlab_parse_issue(struct forge_issue *out, const char *text,
			     size_t len, struct buf *err)
{
	json_t *json = forge_json_load(text, len, "issue", err);
	int rc;

	forge_issue_release(out);
	if (!json)
		return TEND_EINVALID;
	rc = forge_gitlab_read_issue(out, json, "issue", err);
	if (rc < 0)
		forge_issue_release(out);
	json_decref(json);
	return rc;
}

/* GitLab's issue list takes labels=a,b: a name with a comma is two. */
static int forge_gitlab_label_ok(const char *name, struct buf *err)
{
	if (!name || !*name)
		return error_set(err, TEND_EINVALID, "an empty label name");
	if (strchr(name, ','))
		return error_set(err, TEND_EINVALID,
				 "label '%s' has a comma: GitLab reads it as "
				 "two labels", name);
	return 0;
}

struct forge_gitlab_issue_list {
	struct forge_issues *out;
	const char *label;
	size_t max, taken;
};

static int forge_gitlab_issue_listed(const json_t *item, size_t index,
				     void *data, struct buf *err)
{
	struct forge_gitlab_issue_list *il = data;
	struct forge_issues *out = il->out;
	int rc = forge_gitlab_issue_item(item, index, out, err);

	if (rc < 0)
		return rc;
	/*
	 * What the filter let through must carry the label and be open:
	 * "None" and "Any" are GitLab's words, not label names.
	 */
	if (!out->items[out->nr - 1].open ||
	    !forge_issue_has_label(&out->items[out->nr - 1], il->label)) {
		forge_issue_release(&out->items[--out->nr]);
		return 0;
	}
	il->taken++;
	return il->max && il->taken >= il->max ? 1 : 0;
}

static int forge_gitlab_list_issues(struct forge *f, const char *label,
				    size_t max, struct forge_issues *out,
				    struct buf *err)
{
	struct forge_gitlab_issue_list il = { out, label, max, 0 };
	struct buf path = BUF_INIT;
	size_t from = out->nr;
	int rc;

	if ((rc = forge_gitlab_label_ok(label, err)) < 0)
		return rc;
	buf_printf(&path, "/projects/%s/issues?state=opened&labels=",
		   f->project);
	forge_url_escape(&path, label);
	buf_printf(&path, "&order_by=created_at&sort=asc&per_page=%zu",
		   max && max < 100 ? max : (size_t)100);
	rc = forge_gitlab_each(f, path.ptr, forge_gitlab_issue_listed, &il,
			       err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no project '%s' (or its issues are "
			   "turned off)", f->repo);
	if (rc < 0) {
		while (out->nr > from)
			forge_issue_release(&out->items[--out->nr]);
	}
	buf_release(&path);
	return rc;
}

static int forge_gitlab_get_issue(struct forge *f, long number,
				  struct forge_issue *out, struct buf *err)
{
	char *path = forge_gitlab_issue_path(f, number, "");
	char *where = xasprintf("GET %s", path);
	json_t *json = NULL;
	int rc;

	forge_issue_release(out);
	rc = forge_request(f, "GET", path, NULL, &json, NULL, err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no issue #%ld in project '%s'", number,
			   f->repo);
	if (!rc)
		rc = forge_gitlab_read_issue(out, json, where, err);
	if (rc < 0)
		forge_issue_release(out);
	json_decref(json);
	free(where);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Issue notes.                                                         */

static int forge_gitlab_issue_note(const json_t *item, size_t index,
				   void *data, struct buf *err)
{
	struct forge_notes *out = data;
	const json_t *author;
	struct forge_note *n;
	char *id;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "issue notes: entry %zu is not an object",
				 index + 1);
	if (forge_gitlab_true(item, "system"))
		return 0;
	id = forge_json_id(item, "id");
	if (!id)
		return error_set(err, TEND_EINVALID,
				 "issue notes: entry %zu has no id", index + 1);
	n = forge_notes_push(out);
	n->id = id;
	author = json_object_get(item, "author");
	if (json_is_object(author)) {
		n->author = forge_json_strdup(author, "username");
		n->author_id = forge_json_id(author, "id");
		n->author_is_bot = forge_gitlab_is_bot(author);
	}
	n->body = forge_json_strdup(item, "body");
	if (!n->body)
		n->body = xstrdup("");
	return 0;
}

int forge_gitlab_parse_issue_notes(struct forge_notes *out, const char *text,
				   size_t len, struct buf *err)
{
	return forge_gitlab_parse_list(text, len, "issue notes",
				       forge_gitlab_issue_note, out, err);
}

static int forge_gitlab_list_issue_notes(struct forge *f, long number,
					 struct forge_notes *out,
					 struct buf *err)
{
	char *path = forge_gitlab_issue_path(f, number,
					     "/notes?sort=asc&order_by="
					     "created_at&per_page=100");
	int rc = forge_gitlab_each(f, path, forge_gitlab_issue_note, out, err);

	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no issue #%ld in project '%s'", number,
			   f->repo);
	free(path);
	return rc;
}

static int forge_gitlab_put_issue_note(struct forge *f, long number,
				       const char *id, const char *body,
				       const char *marker, char **id_out,
				       char **url_out, struct buf *err)
{
	char *issue = forge_gitlab_issue_path(f, number, "");
	char *note_id = NULL, *path = NULL;
	struct forge_issue fresh;
	json_t *req = NULL;
	int rc;

	forge_issue_init(&fresh);
	if (id_out)
		*id_out = NULL;
	if (url_out)
		*url_out = NULL;
	if (!body) {
		rc = error_set(err, TEND_EINVALID, "issue comment has no body");
		goto out;
	}
	if (!id) {
		rc = forge_gitlab_post_note_at(f, issue, body, marker,
					       &note_id, err);
	} else if (!forge_gitlab_numeric(id)) {
		rc = error_set(err, TEND_EINVALID,
			       "'%.40s' is not a GitLab note id", id);
	} else {
		path = xasprintf("%s/notes/%s", issue, id);
		req = json_object();
		json_object_set_new(req, "body", jsonutil_string(body));
		rc = forge_request(f, "PUT", path, req, NULL, NULL, err);
		note_id = xstrdup(id);
	}
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "issue #%ld of project '%s'", number,
			   f->repo);
	if (rc < 0)
		goto out;
	if (url_out) {
		struct buf ignore = BUF_INIT;

		/* The note is written: a URL we cannot learn is no failure. */
		if (!forge_gitlab_get_issue(f, number, &fresh, &ignore) &&
		    fresh.url)
			*url_out = xasprintf("%s#note_%s", fresh.url, note_id);
		else
			log_debug("no web URL for issue #%ld: %s", number,
				  ignore.ptr);
		buf_release(&ignore);
	}
	if (id_out) {
		*id_out = note_id;
		note_id = NULL;
	}
	rc = 0;
out:
	forge_issue_release(&fresh);
	json_decref(req);
	free(note_id);
	free(path);
	free(issue);
	return rc;
}

static int forge_gitlab_delete_issue_note(struct forge *f, long number,
					  const char *id, struct buf *err)
{
	char *suffix, *path;
	int rc;

	if (!forge_gitlab_numeric(id))
		return error_set(err, TEND_EINVALID,
				 "'%.40s' is not a GitLab note id",
				 id ? id : "");
	suffix = xasprintf("/notes/%s", id);
	path = forge_gitlab_issue_path(f, number, suffix);
	rc = forge_request(f, "DELETE", path, NULL, NULL, NULL, err);
	free(suffix);
	free(path);
	/* Gone already (or its issue is): what was asked for holds. */
	return rc == TEND_ENOTFOUND ? 0 : rc;
}

/* ------------------------------------------------------------------ */
/* Labels.                                                              */

/* "a,b,c" of a NULL-terminated list, or NULL when it is empty. */
static json_t *forge_gitlab_label_csv(const char *const *names,
				      struct buf *err, int *rc)
{
	struct buf b = BUF_INIT;
	json_t *out;
	size_t i;

	for (i = 0; names && names[i]; i++) {
		if ((*rc = forge_gitlab_label_ok(names[i], err)) < 0) {
			buf_release(&b);
			return NULL;
		}
		if (i)
			buf_putc(&b, ',');
		buf_puts(&b, names[i]);
	}
	out = i ? jsonutil_string(b.ptr) : NULL;
	buf_release(&b);
	return out;
}

static int forge_gitlab_edit_labels(struct forge *f, long number,
				    const char *const *add,
				    const char *const *remove, struct buf *err)
{
	json_t *req = json_object(), *a, *r;
	char *path = NULL;
	int rc = 0;

	a = forge_gitlab_label_csv(add, err, &rc);
	if (rc < 0)
		goto out;
	r = forge_gitlab_label_csv(remove, err, &rc);
	if (rc < 0) {
		json_decref(a);
		goto out;
	}
	if (a)
		json_object_set_new(req, "add_labels", a);
	if (r)
		json_object_set_new(req, "remove_labels", r);
	if (!json_object_size(req))
		goto out;
	path = forge_gitlab_issue_path(f, number, "");
	rc = forge_request(f, "PUT", path, req, NULL, NULL, err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no issue #%ld in project '%s'", number,
			   f->repo);
out:
	json_decref(req);
	free(path);
	return rc;
}

/*
 * The latest "add" event of one label: its actor (NULL when the user is
 * gone) and the event's id, for "latest" by id when the list is not in
 * order.
 */
struct forge_gitlab_label_search {
	const char *label;
	char *login, *id;
	long long best;
	int found;
};

static int forge_gitlab_label_event(const json_t *item, size_t index,
				    void *data, struct buf *err)
{
	struct forge_gitlab_label_search *ls = data;
	const json_t *action, *label, *name, *user;
	long long id;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "label events: entry %zu is not an object",
				 index + 1);
	action = json_object_get(item, "action");
	label = json_object_get(item, "label");
	name = json_is_object(label) ? json_object_get(label, "name") : NULL;
	/* A label deleted since has label null: it cannot be ours. */
	if (!json_is_string(action) || strcmp(json_string_value(action),
					      "add") ||
	    !json_is_string(name) || strcmp(json_string_value(name),
					    ls->label))
		return 0;
	id = json_is_integer(json_object_get(item, "id")) ?
	     (long long)json_integer_value(json_object_get(item, "id")) : -1;
	if (ls->found && id < ls->best)
		return 0;
	ls->found = 1;
	ls->best = id;
	free(ls->login);
	free(ls->id);
	user = json_object_get(item, "user");
	ls->login = json_is_object(user) ? forge_json_strdup(user, "username")
					 : NULL;
	ls->id = ls->login ? forge_json_id(user, "id") : NULL;
	return 0;
}

int forge_gitlab_parse_label_events(char **login_out, char **id_out,
				    const char *label, const char *text,
				    size_t len, struct buf *err)
{
	struct forge_gitlab_label_search ls = { label, NULL, NULL, -1, 0 };
	int rc;

	*login_out = *id_out = NULL;
	rc = forge_gitlab_parse_list(text, len, "label events",
				     forge_gitlab_label_event, &ls, err);
	if (!rc) {
		*login_out = ls.login;
		*id_out = ls.id;
	} else {
		free(ls.login);
		free(ls.id);
	}
	return rc;
}

static int forge_gitlab_label_actor(struct forge *f, long number,
				    const char *label, char **login_out,
				    char **id_out, struct buf *err)
{
	struct forge_gitlab_label_search ls = { label, NULL, NULL, -1, 0 };
	char *path = forge_gitlab_issue_path(f, number,
					     "/resource_label_events?"
					     "per_page=100");
	int rc;

	*login_out = *id_out = NULL;
	if (!label || !*label) {
		rc = error_set(err, TEND_EINVALID, "an empty label name");
		goto out;
	}
	rc = forge_gitlab_each(f, path, forge_gitlab_label_event, &ls, err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no issue #%ld in project '%s'", number,
			   f->repo);
	if (rc < 0)
		goto out;
	if (!ls.login) {
		rc = error_set(err, TEND_ENOTFOUND,
			       ls.found ? "issue #%ld: the user who added "
			       "label '%s' is gone" : "issue #%ld: no one "
			       "added label '%s'", number, label);
		goto out;
	}
	*login_out = ls.login;
	*id_out = ls.id;
	ls.login = ls.id = NULL;
out:
	free(ls.login);
	free(ls.id);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Users and members.                                                   */

/* GitLab's Developer role: the lowest that pushes and merges. */
#define FORGE_GITLAB_DEVELOPER 30

int forge_gitlab_parse_member(int *write_out, const char *text, size_t len,
			      struct buf *err)
{
	json_t *json = forge_json_load(text, len, "member", err);
	const json_t *level, *state;
	int rc = 0;

	*write_out = 0;
	if (!json)
		return TEND_EINVALID;
	level = json_is_object(json) ? json_object_get(json, "access_level")
				     : NULL;
	state = json_is_object(json) ? json_object_get(json, "state") : NULL;
	if (!json_is_integer(level))
		rc = error_set(err, TEND_EINVALID,
			       "member: no access_level");
	else
		/* A blocked or deactivated user keeps the level, not the
		 * right. */
		*write_out = json_integer_value(level) >=
			     FORGE_GITLAB_DEVELOPER &&
			     (!json_is_string(state) ||
			      !strcmp(json_string_value(state), "active"));
	json_decref(json);
	return rc;
}

struct forge_gitlab_user_search {
	const char *login;
	char *id;
};

static int forge_gitlab_user_item(const json_t *item, size_t index,
				  void *data, struct buf *err)
{
	struct forge_gitlab_user_search *us = data;
	const json_t *name = json_object_get(item, "username");

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "users: entry %zu is not an object",
				 index + 1);
	if (!json_is_string(name) ||
	    strcasecmp(json_string_value(name), us->login))
		return 0;
	us->id = forge_json_id(item, "id");
	return us->id ? 1 : 0;
}

int forge_gitlab_parse_users(char **id_out, const char *login,
			     const char *text, size_t len, struct buf *err)
{
	struct forge_gitlab_user_search us = { login, NULL };
	int rc = forge_gitlab_parse_list(text, len, "users",
					 forge_gitlab_user_item, &us, err);

	*id_out = rc ? NULL : us.id;
	if (rc)
		free(us.id);
	return rc;
}

/*
 * The numeric id of user `login`: GET /users?username=. TEND_ENOTFOUND
 * when there is no such user.
 */
static int forge_gitlab_user_id(struct forge *f, const char *login,
				char **id_out, struct buf *err)
{
	struct forge_gitlab_user_search us = { login, NULL };
	struct buf path = BUF_INIT;
	json_t *json = NULL;
	size_t i;
	int rc;

	*id_out = NULL;
	buf_puts(&path, "/users?username=");
	forge_url_escape(&path, login);
	rc = forge_request(f, "GET", path.ptr, NULL, &json, NULL, err);
	if (!rc && !json_is_array(json))
		rc = error_set(err, TEND_EINVALID, "GET %s: expected a JSON "
			       "array", path.ptr);
	for (i = 0; !rc && i < json_array_size(json) && !us.id; i++)
		rc = forge_gitlab_user_item(json_array_get(json, i), i, &us,
					    err);
	if (rc >= 0 && !us.id)
		rc = error_set(err, TEND_ENOTFOUND, "no GitLab user '%s'",
			       login);
	if (rc >= 0) {
		*id_out = us.id;
		us.id = NULL;
		rc = 0;
	}
	free(us.id);
	json_decref(json);
	buf_release(&path);
	return rc;
}

static int forge_gitlab_user_can_write(struct forge *f, const char *login,
				       const char *id, int *write_out,
				       struct buf *err)
{
	struct http_response raw;
	char *uid = NULL, *path = NULL;
	int rc;

	*write_out = 0;
	http_response_init(&raw);
	if (forge_gitlab_numeric(id)) {
		uid = xstrdup(id);
	} else {
		rc = forge_gitlab_user_id(f, login, &uid, err);
		/* No such user: no member either. */
		if (rc == TEND_ENOTFOUND)
			rc = 0;
		if (rc < 0 || !uid)
			goto out;
	}
	/* all: inherited memberships (the group's) count as well. */
	path = xasprintf("/projects/%s/members/all/%s", f->project, uid);
	rc = forge_request(f, "GET", path, NULL, NULL, &raw, err);
	if (rc == TEND_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = forge_gitlab_parse_member(write_out, raw.body.ptr, raw.body.len,
				       err);
	if (rc < 0)
		error_wrap(err, rc, "GET %s", path);
out:
	http_response_release(&raw);
	free(uid);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Opening merge requests.                                              */

/* GitLab's draft prefixes: "Draft:", "[Draft]", "(Draft)", any case. */
static int forge_gitlab_draft_title(const char *title)
{
	return !strncasecmp(title, "draft:", 6) ||
	       !strncasecmp(title, "[draft]", 7) ||
	       !strncasecmp(title, "(draft)", 7);
}

/* "opened" (and "locked", an open one being merged) -> "open". */
static int forge_gitlab_pr_state(struct forge_pr *pr, const char *where,
				 struct buf *err)
{
	const char *st = pr->state ? pr->state : "";

	if (!strcmp(st, "opened") || !strcmp(st, "locked")) {
		free(pr->state);
		pr->state = xstrdup("open");
		return 0;
	}
	if (!strcmp(st, "closed") || !strcmp(st, "merged"))
		return 0;
	return error_set(err, TEND_EINVALID,
			 "%s: merge request !%ld has state '%.40s'", where,
			 pr->number, st);
}

/* The newest merge request from `head_ref` of this project. */
struct forge_gitlab_branch_mr {
	const char *head_ref;
	json_t *keep;		/* the entry, a reference of ours */
};

static int forge_gitlab_branch_mr_one(const json_t *item, size_t index,
				      void *data, struct buf *err)
{
	struct forge_gitlab_branch_mr *bm = data;
	const json_t *src = json_object_get(item, "source_project_id");
	const json_t *dst = json_object_get(item, "target_project_id");
	const json_t *ref = json_object_get(item, "source_branch");

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "merge requests: entry %zu is not an object",
				 index + 1);
	if (forge_json_long(item, "iid", 0) <= 0)
		return error_set(err, TEND_EINVALID,
				 "merge requests: entry %zu has no iid",
				 index + 1);
	/* A fork's branch of the same name is not ours. */
	if (!json_is_string(ref) || strcmp(json_string_value(ref),
					   bm->head_ref) ||
	    !json_is_integer(src) || !json_is_integer(dst) ||
	    json_integer_value(src) != json_integer_value(dst))
		return 0;
	bm->keep = json_incref((json_t *)item);
	return 1;
}

int forge_gitlab_parse_branch_mr(struct forge_pr *out, const char *head_ref,
				 const char *text, size_t len,
				 struct buf *err)
{
	struct forge_gitlab_branch_mr bm = { head_ref, NULL };
	int rc;

	forge_pr_release(out);
	rc = forge_gitlab_parse_list(text, len, "merge requests",
				     forge_gitlab_branch_mr_one, &bm, err);
	if (!rc && !bm.keep)
		rc = TEND_ENOTFOUND;
	if (!rc)
		rc = forge_gitlab_read_mr(out, bm.keep, "merge requests", err);
	if (!rc)
		rc = forge_gitlab_pr_state(out, "merge requests", err);
	if (rc < 0)
		forge_pr_release(out);
	json_decref(bm.keep);
	return rc;
}

static int forge_gitlab_find_branch_pr(struct forge *f, const char *head_ref,
				       struct forge_pr *out, struct buf *err)
{
	struct forge_gitlab_branch_mr bm = { head_ref, NULL };
	struct buf path = BUF_INIT;
	int rc;

	forge_pr_release(out);
	if (!head_ref || !*head_ref)
		return error_set(err, TEND_EINVALID,
				 "no branch to look a merge request up by");
	buf_printf(&path, "/projects/%s/merge_requests?source_branch=",
		   f->project);
	forge_url_escape(&path, head_ref);
	buf_puts(&path, "&state=all&order_by=created_at&sort=desc&"
		 "per_page=100");
	rc = forge_gitlab_each(f, path.ptr, forge_gitlab_branch_mr_one, &bm,
			       err);
	if (rc < 0)
		goto out;
	if (!bm.keep) {
		rc = error_set(err, TEND_ENOTFOUND,
			       "no merge request in '%s' from branch '%.200s'",
			       f->repo, head_ref);
		goto out;
	}
	rc = forge_gitlab_read_mr(out, bm.keep, path.ptr, err);
	if (!rc) {
		forge_gitlab_finish_mr(f, out, bm.keep, 0);
		rc = forge_gitlab_pr_state(out, path.ptr, err);
	}
out:
	if (rc < 0)
		forge_pr_release(out);
	json_decref(bm.keep);
	buf_release(&path);
	return rc;
}

/* After a POST that may have landed: our open merge request with the
 * marker. */
struct forge_gitlab_mr_check {
	struct forge *f;
	const char *search;
	const char *head_ref;
	const char *marker;
	long iid;
};

static int forge_gitlab_marker_mr(const json_t *item, size_t index,
				  void *data, struct buf *err)
{
	struct forge_gitlab_mr_check *mc = data;
	const json_t *desc = json_object_get(item, "description");
	const json_t *ref = json_object_get(item, "source_branch");

	(void)index;
	(void)err;
	if (json_is_object(item) && json_is_string(ref) &&
	    !strcmp(json_string_value(ref), mc->head_ref) &&
	    json_is_string(desc) &&
	    forge_has_marker(json_string_value(desc), mc->marker) &&
	    forge_gitlab_by_self(mc->f, item, "author")) {
		mc->iid = forge_json_long(item, "iid", 0);
		return mc->iid > 0;
	}
	return 0;
}

static int forge_gitlab_mr_landed(void *data, struct buf *err)
{
	struct forge_gitlab_mr_check *mc = data;
	int rc = forge_self_resolve(mc->f, err);

	if (rc < 0)
		return rc;
	mc->iid = 0;
	rc = forge_gitlab_each(mc->f, mc->search, forge_gitlab_marker_mr, mc,
			       err);
	return rc < 0 ? rc : mc->iid > 0;
}

static int forge_gitlab_create_pr(struct forge *f,
				  const struct forge_pr_new *req,
				  struct forge_pr *out, struct buf *err)
{
	struct forge_gitlab_mr_check mc = { f, NULL, NULL, NULL, 0 };
	char *path = NULL, *where = NULL, *title = NULL;
	struct buf search = BUF_INIT;
	json_t *body = NULL, *json = NULL;
	long status = 0, iid = 0;
	int rc;

	forge_pr_release(out);
	if (!req->head_ref || !*req->head_ref || !req->base_ref ||
	    !*req->base_ref || !req->title || !*req->title)
		return error_set(err, TEND_EINVALID,
				 "a merge request needs a source branch, a "
				 "target branch and a title");
	title = req->draft && !forge_gitlab_draft_title(req->title) ?
		xasprintf("Draft: %s", req->title) : xstrdup(req->title);
	body = json_object();
	json_object_set_new(body, "source_branch",
			    jsonutil_string(req->head_ref));
	json_object_set_new(body, "target_branch",
			    jsonutil_string(req->base_ref));
	json_object_set_new(body, "title", jsonutil_string(title));
	json_object_set_new(body, "description",
			    jsonutil_string(req->body ? req->body : ""));
	json_object_set_new(body, "remove_source_branch", json_false());
	path = xasprintf("/projects/%s/merge_requests", f->project);
	buf_printf(&search, "%s?state=opened&source_branch=", path);
	forge_url_escape(&search, req->head_ref);
	buf_puts(&search, "&per_page=100");
	mc.search = search.ptr;
	mc.head_ref = req->head_ref;
	mc.marker = req->marker;
	rc = forge_gitlab_post_status(f, path, body, &json,
				      req->marker && *req->marker ?
				      forge_gitlab_mr_landed : NULL, &mc,
				      &status, err);
	if (rc < 0 && status == 409) {
		/* "Another open merge request already exists for this
		 * source branch: !N": that one, never a second. */
		struct buf e = BUF_INIT;

		rc = forge_gitlab_find_pr(f, NULL, req->head_ref, NULL, &iid,
					  &e);
		if (rc < 0) {
			error_set(err, rc, "POST %s: GitLab says a merge "
				  "request from '%s' is open, but: %s", path,
				  req->head_ref, e.ptr);
			buf_release(&e);
			goto out;
		}
		buf_release(&e);
		rc = forge_gitlab_get_pr(f, iid, out, err);
		if (!rc)
			rc = FORGE_EEXIST;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (!json && mc.iid <= 0) {
		rc = error_set(err, TEND_EINVALID, "POST %s: an empty answer",
			       path);
		goto out;
	}
	if (!json) {
		/* The lost POST landed: read what it made. */
		rc = forge_gitlab_get_pr(f, mc.iid, out, err);
		goto out;
	}
	where = xasprintf("POST %s", path);
	rc = forge_gitlab_read_mr(out, json, where, err);
	if (!rc && out->number <= 0)
		rc = error_set(err, TEND_EINVALID, "%s: the answer names no "
			       "iid", where);
	if (!rc)
		forge_gitlab_finish_mr(f, out, json, 0);
out:
	if (rc < 0 && rc != FORGE_EEXIST)
		forge_pr_release(out);
	json_decref(body);
	json_decref(json);
	buf_release(&search);
	free(where);
	free(title);
	free(path);
	return rc;
}

static int forge_gitlab_update_pr(struct forge *f, const struct forge_pr *pr,
				  const char *title, const char *body,
				  struct buf *err)
{
	json_t *req = json_object();
	char *path = NULL;
	int rc = 0;

	if (title && !*title) {
		rc = error_set(err, TEND_EINVALID, "an empty title for merge "
			       "request !%ld", pr->number);
		goto out;
	}
	/* A title without the prefix would make a draft ready. */
	if (title && pr->draft && !forge_gitlab_draft_title(title)) {
		char *t = xasprintf("Draft: %s", title);

		json_object_set_new(req, "title", jsonutil_string(t));
		free(t);
	} else if (title) {
		json_object_set_new(req, "title", jsonutil_string(title));
	}
	if (body)
		json_object_set_new(req, "description", jsonutil_string(body));
	if (!json_object_size(req))
		goto out;
	path = forge_gitlab_mr_path(f, pr->number, "");
	rc = forge_request(f, "PUT", path, req, NULL, NULL, err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no merge request !%ld in project '%s'",
			   pr->number, f->repo);
out:
	json_decref(req);
	free(path);
	return rc;
}

/* Is user `id` among the reviewers of merge request answer `mr`? */
static int forge_gitlab_has_reviewer(const json_t *mr, const char *id)
{
	const json_t *list = json_object_get(mr, "reviewers"), *r;
	size_t i;
	int hit = 0;

	json_array_foreach(list, i, r) {
		char *rid = forge_json_id(r, "id");

		hit = rid && !strcmp(rid, id);
		free(rid);
		if (hit)
			break;
	}
	return hit;
}

/*
 * GitLab replaces the reviewers with reviewer_ids: the ones already asked
 * are sent again, and a user GitLab will not take (one who cannot see the
 * merge request) is left out without an error, so the answer is checked.
 */
static int forge_gitlab_request_review(struct forge *f,
				       const struct forge_pr *pr,
				       const char *login, const char *id,
				       struct buf *err)
{
	json_t *mr = NULL, *req = NULL, *ids, *after = NULL;
	const json_t *r;
	char *uid = NULL, *path = NULL;
	size_t i;
	int rc;

	if (forge_gitlab_numeric(id)) {
		uid = xstrdup(id);
	} else if (!login || !*login) {
		return error_set(err, TEND_EINVALID, "no reviewer to ask");
	} else {
		rc = forge_gitlab_user_id(f, login, &uid, err);
		if (rc == TEND_ENOTFOUND)
			rc = TEND_EINVALID;
		if (rc < 0)
			goto out;
	}
	rc = forge_gitlab_get_mr(f, pr->number, &mr, err);
	if (rc < 0)
		goto out;
	if (forge_gitlab_has_reviewer(mr, uid))
		goto out;
	req = json_object();
	ids = json_array();
	json_object_set_new(req, "reviewer_ids", ids);
	json_array_foreach(json_object_get(mr, "reviewers"), i, r)
		if (json_is_integer(json_object_get(r, "id")))
			json_array_append(ids, json_object_get(r, "id"));
	json_array_append_new(ids, json_integer(strtoll(uid, NULL, 10)));
	path = forge_gitlab_mr_path(f, pr->number, "");
	rc = forge_request(f, "PUT", path, req, &after, NULL, err);
	if (rc < 0)
		goto out;
	if (!forge_gitlab_has_reviewer(after, uid))
		rc = error_set(err, TEND_EINVALID,
			       "merge request !%ld: GitLab did not take '%s' "
			       "as a reviewer", pr->number,
			       login && *login ? login : uid);
out:
	json_decref(mr);
	json_decref(req);
	json_decref(after);
	free(uid);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Times.                                                               */

/* `n` decimal digits at *p into *out, *p moved past them; -1 if not. */
static int forge_gitlab_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int forge_gitlab_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; y >= 0). */
static int64_t forge_gitlab_days(int y, int m, int d)
{
	int64_t yy = y - (m <= 2), era, yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day `z` since 1970-01-01. */
static void forge_gitlab_civil(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int forge_gitlab_parse_time(int64_t *out, const char *text)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	const char *p = text;
	int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0, max, k;
	int64_t us = 0, scale = 100000;

	if (!p || forge_gitlab_digits(&p, 4, &y) || *p++ != '-' ||
	    forge_gitlab_digits(&p, 2, &mo) || *p++ != '-' ||
	    forge_gitlab_digits(&p, 2, &d) || (*p != 'T' && *p != 't'))
		return -1;
	p++;
	if (forge_gitlab_digits(&p, 2, &h) || *p++ != ':' ||
	    forge_gitlab_digits(&p, 2, &mi) || *p++ != ':' ||
	    forge_gitlab_digits(&p, 2, &s))
		return -1;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60)
		return -1;
	max = mdays[mo - 1] + (mo == 2 && forge_gitlab_leap(y));
	if (d < 1 || d > max)
		return -1;
	if (*p == '.' || *p == ',') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			us += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (forge_gitlab_digits(&p, 2, &oh))
			return -1;
		if (*p == ':') {
			p++;
			if (forge_gitlab_digits(&p, 2, &om))
				return -1;
		} else if (*p >= '0' && *p <= '9' &&
			   forge_gitlab_digits(&p, 2, &om)) {
			return -1;
		}
		if (oh > 23 || om > 59)
			return -1;
	} else {
		/* A time without a zone is no instant. */
		return -1;
	}
	if (*p)
		return -1;
	k = h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60);
	*out = (forge_gitlab_days(y, mo, d) * 86400 + k) * 1000000 + us;
	return 0;
}

int forge_gitlab_events_after(char out[11], const char *since,
			      struct buf *err)
{
	int64_t t, day;
	int y, m, d;

	if (forge_gitlab_parse_time(&t, since) < 0)
		return error_set(err, TEND_EINVALID,
				 "'%.60s' is not an ISO 8601 time "
				 "(\"2026-12-07T06:00:00Z\")",
				 since ? since : "");
	day = t / 86400000000LL;
	if (t % 86400000000LL < 0)
		day--;
	forge_gitlab_civil(day - 1, &y, &m, &d);
	if (y < 0 || y > 9999)
		return error_set(err, TEND_EINVALID,
				 "'%.60s': no day before it to ask GitLab "
				 "for", since);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)d % 100u);
	return 0;
}

/* ------------------------------------------------------------------ */
/* ChatOps: note events, award emoji, replies in a discussion.          */

struct forge_gitlab_events {
	struct forge_comments *out;
	int64_t since;
};

/* Is `s` one of the target types of a note event? */
static int forge_gitlab_note_target(const char *s)
{
	return !strcmp(s, "Note") || !strcmp(s, "DiffNote") ||
	       !strcmp(s, "DiscussionNote");
}

static int forge_gitlab_event(const json_t *item, size_t index, void *data,
			      struct buf *err)
{
	struct forge_gitlab_events *ev = data;
	const json_t *tt, *note, *kind, *type, *author, *when;
	struct forge_comment *c;
	char *id = NULL;
	int64_t t;
	long iid;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "events: entry %zu is not an object",
				 index + 1);
	tt = json_object_get(item, "target_type");
	note = json_object_get(item, "note");
	if (json_is_string(tt) && !forge_gitlab_note_target(
						json_string_value(tt)))
		return 0;
	if (!json_is_object(note)) {
		if (!json_is_string(tt))
			return 0;
		return error_set(err, TEND_EINVALID,
				 "events: entry %zu, a %s event, has no note",
				 index + 1, json_string_value(tt));
	}
	if (forge_gitlab_true(note, "system"))
		return 0;
	kind = json_object_get(note, "noteable_type");
	if (!json_is_string(kind))
		return error_set(err, TEND_EINVALID,
				 "events: entry %zu: the note names no "
				 "noteable_type", index + 1);
	/* Notes on commits, snippets, designs: no command is read there. */
	if (strcmp(json_string_value(kind), "Issue") &&
	    strcmp(json_string_value(kind), "MergeRequest"))
		return 0;
	id = forge_json_id(note, "id");
	if (!id)
		return error_set(err, TEND_EINVALID,
				 "events: entry %zu: the note has no id",
				 index + 1);
	iid = forge_json_long(note, "noteable_iid", 0);
	if (iid <= 0) {
		error_set(err, TEND_EINVALID, "events: note %s names no %s "
			  "iid", id, json_string_value(kind));
		free(id);
		return TEND_EINVALID;
	}
	when = json_object_get(note, "created_at");
	if (!json_is_string(when) ||
	    forge_gitlab_parse_time(&t, json_string_value(when)) < 0) {
		error_set(err, TEND_EINVALID, "events: note %s: created_at "
			  "'%.40s' is not a time", id,
			  json_is_string(when) ? json_string_value(when) : "");
		free(id);
		return TEND_EINVALID;
	}
	if (t < ev->since) {
		free(id);
		return 0;
	}
	c = forge_comments_push(ev->out);
	c->id = id;
	c->number = iid;
	c->on_pr = !strcmp(json_string_value(kind), "MergeRequest");
	type = json_object_get(note, "type");
	c->diff_note = (json_is_string(type) &&
			!strcmp(json_string_value(type), "DiffNote")) ||
		       (json_is_string(tt) &&
			!strcmp(json_string_value(tt), "DiffNote"));
	author = json_object_get(note, "author");
	if (!json_is_object(author))
		author = json_object_get(item, "author");
	if (json_is_object(author)) {
		c->author = forge_json_strdup(author, "username");
		c->author_id = forge_json_id(author, "id");
		c->author_is_bot = forge_gitlab_is_bot(author);
	}
	c->body = forge_json_strdup(note, "body");
	if (!c->body)
		c->body = xstrdup("");
	c->created_at = xstrdup(json_string_value(when));
	return 0;
}

int forge_gitlab_parse_events(struct forge_comments *out, const char *since,
			      const char *text, size_t len, struct buf *err)
{
	struct forge_gitlab_events ev = { out, 0 };

	if (forge_gitlab_parse_time(&ev.since, since) < 0)
		return error_set(err, TEND_EINVALID,
				 "'%.60s' is not an ISO 8601 time",
				 since ? since : "");
	return forge_gitlab_parse_list(text, len, "events", forge_gitlab_event,
				       &ev, err);
}

static int forge_gitlab_list_comments_since(struct forge *f, const char *since,
					    int review,
					    struct forge_comments *out,
					    struct buf *err)
{
	struct forge_gitlab_events ev = { out, 0 };
	size_t from = out->nr;
	char after[11];
	char *path = NULL;
	int rc;

	/* Diff notes are note events like any other. */
	(void)review;
	if ((rc = forge_gitlab_events_after(after, since, err)) < 0)
		return rc;
	forge_gitlab_parse_time(&ev.since, since);
	path = xasprintf("/projects/%s/events?action=commented&after=%s&"
			 "sort=asc&per_page=100", f->project, after);
	rc = forge_gitlab_each(f, path, forge_gitlab_event, &ev, err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "no project '%s'", f->repo);
	if (rc < 0) {
		while (out->nr > from)
			forge_comment_release(&out->items[--out->nr]);
	}
	free(path);
	return rc;
}

const char *forge_gitlab_emoji_name(const char *emoji)
{
	size_t n;

	if (!emoji)
		return NULL;
	if (!strcmp(emoji, "+1"))
		return "thumbsup";
	if (!strcmp(emoji, "-1"))
		return "thumbsdown";
	for (n = 0; emoji[n]; n++)
		if (!((emoji[n] >= 'a' && emoji[n] <= 'z') ||
		      (emoji[n] >= '0' && emoji[n] <= '9') || emoji[n] == '_'))
			return NULL;
	return n && n <= 64 ? emoji : NULL;
}

/*
 * An award `name` by tend: by forge_is_self() when `f` is set, else by
 * `login` and `id` as forge_is_self() would compare them.
 */
struct forge_gitlab_award_search {
	const struct forge *f;
	const char *name, *login, *id;
	int found;
};

static int forge_gitlab_award(const json_t *item, size_t index, void *data,
			      struct buf *err)
{
	struct forge_gitlab_award_search *as = data;
	const json_t *name = json_object_get(item, "name");
	const json_t *user = json_object_get(item, "user");
	char *login, *id;
	int mine;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "award emoji: entry %zu is not an object",
				 index + 1);
	if (!json_is_string(name) || strcmp(json_string_value(name),
					    as->name) ||
	    !json_is_object(user))
		return 0;
	login = forge_json_strdup(user, "username");
	id = forge_json_id(user, "id");
	if (as->f)
		mine = forge_is_self(as->f, login, id);
	else
		mine = login && as->login && !strcasecmp(login, as->login) &&
		       (!as->id || (id && !strcmp(id, as->id)));
	free(login);
	free(id);
	as->found = mine;
	return mine;
}

int forge_gitlab_parse_awards(int *out, const char *name, const char *login,
			      const char *id, const char *text, size_t len,
			      struct buf *err)
{
	struct forge_gitlab_award_search as = { NULL, name, login, id, 0 };
	int rc;

	*out = 0;
	rc = forge_gitlab_parse_list(text, len, "award emoji",
				     forge_gitlab_award, &as, err);
	if (!rc)
		*out = as.found;
	return rc;
}

struct forge_gitlab_discussion_search {
	const char *note_id;
	char *id;
};

static int forge_gitlab_note_discussion(const json_t *item, size_t index,
					void *data, struct buf *err)
{
	struct forge_gitlab_discussion_search *ds = data;
	const json_t *id = json_object_get(item, "id");
	const json_t *notes = json_object_get(item, "notes"), *note;
	size_t i;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "discussions: entry %zu is not an object",
				 index + 1);
	if (!json_is_string(id) || !*json_string_value(id) ||
	    !json_is_array(notes))
		return error_set(err, TEND_EINVALID,
				 "discussions: entry %zu has no id or no notes",
				 index + 1);
	json_array_foreach(notes, i, note) {
		char *nid = forge_json_id(note, "id");
		int hit = nid && !strcmp(nid, ds->note_id);

		free(nid);
		if (hit) {
			ds->id = xstrdup(json_string_value(id));
			return 1;
		}
	}
	return 0;
}

int forge_gitlab_parse_note_discussion(char **id_out, const char *note_id,
				       const char *text, size_t len,
				       struct buf *err)
{
	struct forge_gitlab_discussion_search ds = { note_id, NULL };
	int rc = forge_gitlab_parse_list(text, len, "discussions",
					 forge_gitlab_note_discussion, &ds,
					 err);

	*id_out = rc ? NULL : ds.id;
	if (rc)
		free(ds.id);
	return rc;
}

/* The issue or merge request a comment is on, as an API path. */
static char *forge_gitlab_noteable(struct forge *f,
				   const struct forge_comment *c)
{
	return c->on_pr ? forge_gitlab_mr_path(f, c->number, "")
			: forge_gitlab_issue_path(f, c->number, "");
}

/* "issue #3" / "merge request !4", for messages. */
static char *forge_gitlab_noteable_name(const struct forge_comment *c)
{
	return xasprintf(c->on_pr ? "merge request !%ld" : "issue #%ld",
			 c->number);
}

/* Only a note tend can name in a URL: digits, on a numbered noteable. */
static int forge_gitlab_comment_ok(const struct forge_comment *c,
				   struct buf *err)
{
	if (!c || c->number <= 0 || !forge_gitlab_numeric(c->id))
		return error_set(err, TEND_EINVALID,
				 "'%.40s' on %s %ld is not a GitLab note",
				 c && c->id ? c->id : "",
				 c && c->on_pr ? "merge request" : "issue",
				 c ? c->number : 0L);
	return 0;
}

/* GitLab's name of `emoji`, or TEND_EINVALID. */
static int forge_gitlab_emoji(const char **name_out, const char *emoji,
			      struct buf *err)
{
	*name_out = forge_gitlab_emoji_name(emoji);
	if (!*name_out)
		return error_set(err, TEND_EINVALID,
				 "'%.40s' is not an award emoji name",
				 emoji ? emoji : "");
	return 0;
}

struct forge_gitlab_award_check {
	struct forge *f;
	const char *path;	/* the note's award_emoji list */
	const char *name;
};

/* Has tend awarded `name` on the note? 1, 0 or <0. */
static int forge_gitlab_awarded(void *data, struct buf *err)
{
	struct forge_gitlab_award_check *ac = data;
	struct forge_gitlab_award_search as = { ac->f, ac->name, NULL, NULL,
						0 };
	char *list;
	int rc = forge_self_resolve(ac->f, err);

	/* Nobody is tend while tend is unknown. */
	if (rc < 0 || !ac->f->self.login)
		return rc;
	list = xasprintf("%s?per_page=100", ac->path);
	rc = forge_gitlab_each(ac->f, list, forge_gitlab_award, &as, err);
	free(list);
	return rc < 0 ? rc : as.found;
}

static char *forge_gitlab_award_path(struct forge *f,
				     const struct forge_comment *c)
{
	char *noteable = forge_gitlab_noteable(f, c);
	char *path = xasprintf("%s/notes/%s/award_emoji", noteable, c->id);

	free(noteable);
	return path;
}

/*
 * Award emoji on a note. GitLab answers an award the user already gave
 * with 404 "Award Emoji Name has already been taken" (some versions 409):
 * what was asked for holds. Another 404 may be that same answer worded
 * otherwise, or a note that is gone: the awards are read to tell.
 */
static int forge_gitlab_react(struct forge *f, const struct forge_comment *c,
			      const char *emoji, struct buf *err)
{
	struct forge_gitlab_award_check ac = { f, NULL, NULL };
	struct buf e = BUF_INIT;
	char *path = NULL, *what = NULL;
	json_t *req = NULL;
	long status = 0;
	int rc, found;

	if ((rc = forge_gitlab_emoji(&ac.name, emoji, err)) < 0 ||
	    (rc = forge_gitlab_comment_ok(c, err)) < 0)
		return rc;
	path = forge_gitlab_award_path(f, c);
	ac.path = path;
	req = json_object();
	json_object_set_new(req, "name", json_string(ac.name));
	rc = forge_gitlab_post_status(f, path, req, NULL, forge_gitlab_awarded,
				      &ac, &status, &e);
	if (rc < 0 && (status == 404 || status == 409)) {
		if (strstr(e.ptr, "already been taken")) {
			rc = 0;
			goto out;
		}
		struct buf e2 = BUF_INIT;

		found = forge_gitlab_awarded(&ac, &e2);
		if (found < 0 && found != TEND_ENOTFOUND) {
			rc = error_set(err, found, "after POST %s: %s", path,
				       e2.ptr);
			buf_release(&e2);
			goto out;
		}
		buf_release(&e2);
		if (found > 0) {
			rc = 0;
			goto out;
		}
	}
	if (rc < 0) {
		what = forge_gitlab_noteable_name(c);
		error_set(err, rc, "cannot award '%s' to note %s of %s: %s",
			  ac.name, c->id, what, e.ptr);
	}
out:
	json_decref(req);
	buf_release(&e);
	free(what);
	free(path);
	return rc;
}

static int forge_gitlab_reacted(struct forge *f, const struct forge_comment *c,
				const char *emoji, int *out, struct buf *err)
{
	struct forge_gitlab_award_check ac = { f, NULL, NULL };
	char *path, *what;
	int rc;

	*out = 0;
	if ((rc = forge_gitlab_emoji(&ac.name, emoji, err)) < 0 ||
	    (rc = forge_gitlab_comment_ok(c, err)) < 0)
		return rc;
	path = forge_gitlab_award_path(f, c);
	ac.path = path;
	rc = forge_gitlab_awarded(&ac, err);
	if (rc == TEND_ENOTFOUND) {
		what = forge_gitlab_noteable_name(c);
		error_wrap(err, rc, "note %s of %s", c->id, what);
		free(what);
	}
	if (rc > 0)
		*out = 1;
	free(path);
	return rc < 0 ? rc : 0;
}

/*
 * The web link of note `note_id` on c's issue or merge request: from
 * c->url when the caller has it, else from the noteable's web_url (one
 * more read; none is no failure: NULL).
 */
static char *forge_gitlab_note_url(struct forge *f,
				   const struct forge_comment *c,
				   const char *note_id)
{
	struct buf ignore = BUF_INIT;
	char *noteable, *url = NULL;
	const char *hash;
	json_t *json = NULL;

	if (c->url && *c->url) {
		hash = strchr(c->url, '#');
		return xasprintf("%.*s#note_%s", hash ? (int)(hash - c->url) :
				 (int)strlen(c->url), c->url, note_id);
	}
	noteable = forge_gitlab_noteable(f, c);
	if (!forge_request(f, "GET", noteable, NULL, &json, NULL, &ignore) &&
	    json_is_string(json_object_get(json, "web_url")))
		url = xasprintf("%s#note_%s", json_string_value(
				json_object_get(json, "web_url")), note_id);
	else
		log_debug("no web URL for %s: %s", noteable, ignore.ptr);
	json_decref(json);
	buf_release(&ignore);
	free(noteable);
	return url;
}

/*
 * Reply in c's discussion: c->thread, else the discussion whose notes
 * hold c (every page of the noteable's discussions: an issue's plain
 * note is a discussion of its own, and a reply to it makes it a thread),
 * else a new note on the issue or merge request.
 */
static int forge_gitlab_reply(struct forge *f, const struct forge_comment *c,
			      const char *body, const char *marker,
			      char **url_out, struct buf *err)
{
	struct forge_gitlab_discussion_search ds = { NULL, NULL };
	char *noteable = NULL, *list = NULL, *path = NULL, *note_id = NULL;
	char *what = NULL;
	struct buf b = BUF_INIT;
	int rc;

	if (!body || !*body)
		return error_set(err, TEND_EINVALID, "a reply has no body");
	if ((rc = forge_gitlab_comment_ok(c, err)) < 0)
		return rc;
	noteable = forge_gitlab_noteable(f, c);
	what = forge_gitlab_noteable_name(c);
	ds.note_id = c->id;
	if (c->thread && *c->thread) {
		ds.id = xstrdup(c->thread);
	} else {
		list = xasprintf("%s/discussions?per_page=100", noteable);
		rc = forge_gitlab_each(f, list, forge_gitlab_note_discussion,
				       &ds, err);
		if (rc == TEND_ENOTFOUND)
			error_wrap(err, rc, "no %s in project '%s'", what,
				   f->repo);
		if (rc < 0)
			goto out;
	}
	if (ds.id) {
		buf_printf(&b, "%s/discussions/", noteable);
		forge_url_escape(&b, ds.id);
		buf_puts(&b, "/notes");
		path = buf_detach(&b, NULL);
	} else {
		log_debug("note %s of %s is in no discussion: a new note",
			  c->id, what);
		path = xasprintf("%s/notes", noteable);
	}
	rc = forge_gitlab_post_note_to(f, path, noteable, body, marker,
				       &note_id, err);
	if (rc == TEND_ENOTFOUND)
		error_wrap(err, rc, "cannot reply to note %s of %s", c->id,
			   what);
	if (rc < 0)
		goto out;
	if (url_out)
		*url_out = forge_gitlab_note_url(f, c, note_id);
out:
	buf_release(&b);
	free(ds.id);
	free(noteable);
	free(list);
	free(path);
	free(note_id);
	free(what);
	return rc;
}

const struct forge_ops forge_gitlab_ops = {
	.get_pr = forge_gitlab_get_pr,
	.find_pr = forge_gitlab_find_pr,
	.list_files = forge_gitlab_list_files,
	.list_notes = forge_gitlab_list_notes,
	.post_review = forge_gitlab_post_review,
	.put_summary = forge_gitlab_put_summary,
	.set_status = forge_gitlab_set_status,
	.resolve_thread = forge_gitlab_resolve_thread,
	.get_self = forge_gitlab_get_self,
	.list_issues = forge_gitlab_list_issues,
	.get_issue = forge_gitlab_get_issue,
	.list_issue_notes = forge_gitlab_list_issue_notes,
	.put_issue_note = forge_gitlab_put_issue_note,
	.delete_issue_note = forge_gitlab_delete_issue_note,
	.edit_labels = forge_gitlab_edit_labels,
	.label_actor = forge_gitlab_label_actor,
	.user_can_write = forge_gitlab_user_can_write,
	.create_pr = forge_gitlab_create_pr,
	.find_branch_pr = forge_gitlab_find_branch_pr,
	.update_pr = forge_gitlab_update_pr,
	.request_review = forge_gitlab_request_review,
	.list_comments_since = forge_gitlab_list_comments_since,
	.react = forge_gitlab_react,
	.reacted = forge_gitlab_reacted,
	.reply = forge_gitlab_reply,
};

/* ------------------------------------------------------------------ */
/* Outcomes: what people did with tend's output (tend stats).          */

struct forge_gitlab_mrs {
	struct forge_pr_briefs *out;
	size_t max;
};

static int forge_gitlab_pr_brief(const json_t *item, size_t index,
				 void *data, struct buf *err)
{
	struct forge_gitlab_mrs *ms = data;
	const json_t *author = json_object_get(item, "author");
	const char *state = json_string_value(json_object_get(item, "state"));
	long iid = forge_json_long(item, "iid", 0);
	struct forge_pr_brief *p;

	if (!json_is_object(item) || iid <= 0 || !state)
		return error_set(err, TEND_EINVALID, "merge requests: entry "
				 "%zu has no iid or no state", index + 1);
	if (ms->out->nr >= ms->max) {
		ms->out->truncated = 1;
		return 1;
	}
	p = forge_pr_briefs_push(ms->out);
	p->number = iid;
	/* "opened" and "locked" are open; "closed" is closed unmerged. */
	p->state = xstrdup(!strcmp(state, "merged") ? "merged" :
			   !strcmp(state, "closed") ? "closed" : "open");
	if (json_is_object(author)) {
		p->author = forge_json_strdup(author, "username");
		p->author_id = forge_json_id(author, "id");
	}
	p->body = forge_json_strdup(item, "description");
	if (!p->body)
		p->body = xstrdup("");
	p->updated_at = forge_json_strdup(item, "updated_at");
	p->head_sha = forge_json_strdup(item, "sha");
	return 0;
}

int forge_gitlab_parse_prs(struct forge_pr_briefs *out, size_t max,
			   const char *text, size_t len, struct buf *err)
{
	struct forge_gitlab_mrs ms = { out, max };
	int rc = forge_gitlab_parse_list(text, len, "merge requests",
					 forge_gitlab_pr_brief, &ms, err);

	return rc < 0 ? rc : 0;
}

int forge_gitlab_list_prs_since(struct forge *f, const char *since,
				size_t max, struct forge_pr_briefs *out,
				struct buf *err)
{
	struct forge_gitlab_mrs ms = { out, max };
	struct buf path = BUF_INIT;
	int rc;

	buf_printf(&path, "/projects/%s/merge_requests?state=all&"
		   "order_by=updated_at&sort=desc&per_page=100", f->project);
	if (since) {
		buf_puts(&path, "&updated_after=");
		forge_url_escape(&path, since);
	}
	rc = forge_gitlab_each(f, path.ptr, forge_gitlab_pr_brief, &ms, err);
	buf_release(&path);
	return rc;
}

static int forge_gitlab_commit_brief(const json_t *item, size_t index,
				     void *data, struct buf *err)
{
	const json_t *msg = json_object_get(item, "message");
	struct forge_commit_brief *c;
	char *sha = forge_json_strdup(item, "id");

	if (!sha || !json_is_string(msg)) {
		free(sha);
		return error_set(err, TEND_EINVALID, "commits: entry %zu has "
				 "no id or no message", index + 1);
	}
	c = forge_commit_briefs_push(data);
	c->sha = sha;
	c->message = xstrdup(json_string_value(msg));
	return 0;
}

int forge_gitlab_parse_pr_commits(struct forge_commit_briefs *out,
				  const char *text, size_t len,
				  struct buf *err)
{
	return forge_gitlab_parse_list(text, len, "commits",
				       forge_gitlab_commit_brief, out, err);
}

int forge_gitlab_list_pr_commits(struct forge *f, long number,
				 struct forge_commit_briefs *out,
				 struct buf *err)
{
	char *path = forge_gitlab_mr_path(f, number, "/commits?per_page=100");
	int rc = forge_gitlab_each(f, path, forge_gitlab_commit_brief, out,
				   err);

	free(path);
	return rc;
}

struct forge_gitlab_downs {
	const struct forge *f;
	long n;
};

static int forge_gitlab_down(const json_t *item, size_t index, void *data,
			     struct buf *err)
{
	struct forge_gitlab_downs *d = data;
	const json_t *name = json_object_get(item, "name");
	const json_t *user = json_object_get(item, "user");
	char *login, *id;

	if (!json_is_object(item))
		return error_set(err, TEND_EINVALID,
				 "award emoji: entry %zu is not an object",
				 index + 1);
	if (!json_is_string(name) ||
	    strcmp(json_string_value(name), "thumbsdown") ||
	    !json_is_object(user))
		return 0;
	login = forge_json_strdup(user, "username");
	id = forge_json_id(user, "id");
	if (!d->f || !forge_is_self(d->f, login, id))
		d->n++;
	free(login);
	free(id);
	return 0;
}

int forge_gitlab_parse_thumbs_down(long *out, const char *text, size_t len,
				   struct buf *err)
{
	struct forge_gitlab_downs d = { NULL, 0 };
	int rc = forge_gitlab_parse_list(text, len, "award emoji",
					 forge_gitlab_down, &d, err);

	*out = rc < 0 ? 0 : d.n;
	return rc;
}

int forge_gitlab_thumbs_down(struct forge *f, long number,
			     const char *note_id, long *out, struct buf *err)
{
	struct forge_gitlab_downs d = { f, 0 };
	char *suffix = xasprintf("/notes/%s/award_emoji?per_page=100",
				 note_id);
	char *path = forge_gitlab_mr_path(f, number, suffix);
	int rc = forge_gitlab_each(f, path, forge_gitlab_down, &d, err);

	free(suffix);
	free(path);
	*out = rc < 0 ? 0 : d.n;
	return rc;
}

int forge_gitlab_get_file(struct forge *f, const char *path, const char *ref,
			  struct buf *out, struct buf *err)
{
	struct buf url = BUF_INIT;
	json_t *json = NULL;
	int rc;

	buf_printf(&url, "/projects/%s/repository/files/", f->project);
	forge_url_escape(&url, path);
	buf_puts(&url, "?ref=");
	forge_url_escape(&url, ref);
	rc = forge_request(f, "GET", url.ptr, NULL, &json, NULL, err);
	if (rc == 0)
		rc = forge_file_content(out, json, path, err);
	json_decref(json);
	buf_release(&url);
	return rc;
}
