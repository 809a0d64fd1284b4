/*
 * replay.c - recording model calls and answering them from recordings
 * (see replay.h).
 *
 * This file knows the canonical form of a neutral request, the recording
 * file format and how to find the closest recording when one is missing.
 * It does not know any wire protocol: a recording holds the neutral
 * response, so a recording made over one protocol replays for the other.
 *
 * Recording format (JSON, keys sorted, indented for diffs in review):
 *   {"tend_recording": 1, "hash": "<16 hex>", "request": {canonical},
 *    "response": {"text", "calls": [{"id", "name", "arguments"}], "stop",
 *                 "stop_raw", "usage": {"input", "output", "cache_read",
 *                 "cache_write"}, "model"}}
 * or, instead of "response", "error": {"code": "context", "message"}.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agents/replay.h"
#include "common/error.h"
#include "common/jsonutil.h"
#include "common/redact.h"
#include "common/xalloc.h"

#define AGENT_REPLAY_FORMAT 1
/* A recording bigger than this is not one of ours. */
#define AGENT_REPLAY_MAX_FILE ((size_t)64 << 20)
/* How much of a differing value a message shows. */
#define AGENT_REPLAY_SHOW 60

struct agent_replay {
	enum agent_replay_mode mode;
	char *dir;
	struct agent_provider *inner;
};

/* ----- the canonical request ----- */

static json_t *agent_replay_call_json(const struct agent_tool_call *c)
{
	char *dumped = NULL;
	json_t *o;

	if (!c->arguments && c->args)
		dumped = json_dumps(c->args, JSON_COMPACT | JSON_SORT_KEYS);
	o = json_pack("{s:o, s:o, s:o}", "id", jsonutil_string(c->id),
		      "name", jsonutil_string(c->name), "arguments",
		      jsonutil_string(c->arguments ? c->arguments :
				      dumped ? dumped : "{}"));
	free(dumped);
	return o;
}

static json_t *agent_replay_request_json(const struct agent_request *req)
{
	static const char *const roles[] = { "user", "assistant", "tool" };
	json_t *root = json_object(), *msgs = json_array(), *tools;
	size_t i, j;

	json_object_set_new(root, "model", jsonutil_string(req->model));
	json_object_set_new(root, "system", jsonutil_string(req->system));
	json_object_set_new(root, "max_tokens", json_integer(req->max_tokens));
	json_object_set_new(root, "temperature", req->has_temperature ?
			    json_real(req->temperature) : json_null());
	json_object_set_new(root, "messages", msgs);
	for (i = 0; i < req->nr_msgs; i++) {
		const struct agent_message *m = &req->msgs[i];
		json_t *o = json_object();

		json_object_set_new(o, "role", json_string(
			(unsigned)m->role < 3 ? roles[m->role] : "unknown"));
		json_object_set_new(o, "text", jsonutil_string(m->text));
		if (m->nr_calls) {
			json_t *calls = json_array();

			for (j = 0; j < m->nr_calls; j++)
				json_array_append_new(calls,
					agent_replay_call_json(&m->calls[j]));
			json_object_set_new(o, "calls", calls);
		}
		if (m->role == AGENT_ROLE_TOOL) {
			json_object_set_new(o, "tool_call_id",
					    jsonutil_string(m->tool_call_id));
			json_object_set_new(o, "is_error",
					    json_boolean(m->is_error));
		}
		json_array_append_new(msgs, o);
	}
	tools = json_array();
	json_object_set_new(root, "tools", tools);
	for (i = 0; i < req->nr_tools; i++) {
		const struct agent_tool_def *t = &req->tools[i];

		json_array_append_new(tools, json_pack(
			"{s:o, s:o, s:O}", "name", jsonutil_string(t->name),
			"description", jsonutil_string(t->description),
			"schema", t->schema ? t->schema : json_null()));
	}
	return root;
}

static char *agent_replay_dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
			  JSON_REAL_PRECISION(6) | JSON_ENCODE_ANY);
}

char *agent_replay_canonical(const struct agent_request *req)
{
	json_t *j = agent_replay_request_json(req);
	char *s = agent_replay_dump(j);

	json_decref(j);
	return s ? s : xstrdup("");
}

static uint64_t agent_replay_fnv(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void agent_replay_hash_text(const char *canon,
				   char out[AGENT_REPLAY_HASH_LEN + 1])
{
	snprintf(out, AGENT_REPLAY_HASH_LEN + 1, "%016llx",
		 (unsigned long long)agent_replay_fnv(canon, strlen(canon)));
}

void agent_replay_hash(const struct agent_request *req,
		       char out[AGENT_REPLAY_HASH_LEN + 1])
{
	char *canon = agent_replay_canonical(req);

	agent_replay_hash_text(canon, out);
	free(canon);
}

/* ----- the response ----- */

static json_t *agent_replay_response_json(const struct agent_response *r)
{
	json_t *calls = json_array();
	size_t i;

	for (i = 0; i < r->nr_calls; i++)
		json_array_append_new(calls,
				      agent_replay_call_json(&r->calls[i]));
	return json_pack("{s:o, s:o, s:s, s:o, s:{s:I, s:I, s:I, s:I}, s:o}",
			 "text", jsonutil_string(r->text ? r->text : ""),
			 "calls", calls,
			 "stop", agent_stop_name(r->stop),
			 "stop_raw", jsonutil_string(r->stop_raw),
			 "usage",
			 "input", (json_int_t)r->usage.input,
			 "output", (json_int_t)r->usage.output,
			 "cache_read", (json_int_t)r->usage.cache_read,
			 "cache_write", (json_int_t)r->usage.cache_write,
			 "model", jsonutil_string(r->model));
}

static long agent_replay_count(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
		(long)json_integer_value(v) : 0;
}

static int agent_replay_response_load(json_t *o, const char *path,
				      struct agent_response *out,
				      struct buf *err)
{
	struct agent_response r;
	json_t *calls, *c, *text;
	const char *stop;
	size_t i;
	int st;

	agent_response_init(&r);
	text = json_object_get(o, "text");
	calls = json_object_get(o, "calls");
	stop = json_string_value(json_object_get(o, "stop"));
	st = agent_stop_parse(stop);
	if (!json_is_object(o) || !json_is_string(text) ||
	    (calls && !json_is_array(calls)) || st < 0)
		return error_set(err, TEND_EINVALID, "recording '%s' has no "
				 "valid response (text, calls, stop)", path);
	json_array_foreach(calls, i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *name = json_string_value(json_object_get(c,
								    "name"));
		const char *args = json_string_value(json_object_get(c,
							"arguments"));

		if (!id || !name || !args) {
			agent_response_release(&r);
			return error_set(err, TEND_EINVALID, "recording '%s': "
					 "response.calls[%zu] needs id, name "
					 "and arguments", path, i);
		}
		agent_response_add_call(&r, id, name, args);
	}
	r.text = xstrdup(json_string_value(text));
	r.stop = (enum agent_stop)st;
	r.stop_raw = xstrdup_or_null(json_string_value(json_object_get(o,
							"stop_raw")));
	r.model = xstrdup_or_null(json_string_value(json_object_get(o,
							"model")));
	c = json_object_get(o, "usage");
	r.usage.input = agent_replay_count(c, "input");
	r.usage.output = agent_replay_count(c, "output");
	r.usage.cache_read = agent_replay_count(c, "cache_read");
	r.usage.cache_write = agent_replay_count(c, "cache_write");
	*out = r;
	return 0;
}

/* ----- files ----- */

/* mkdir -p: every missing directory of `dir`. */
static int agent_replay_mkdirs(const char *dir, struct buf *err)
{
	char *p = xstrdup(dir), *s = p;
	int error = 0;

	for (;;) {
		char c;

		s += strspn(s, "/");
		s += strcspn(s, "/");
		c = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			error = error_set(err, TEND_ERROR, "cannot create "
					  "directory '%s': %s", p,
					  strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return error;
}

static int agent_replay_write(const char *dir, const char *hash,
			      const json_t *doc, struct buf *err)
{
	char *path = xasprintf("%s/%s.json", dir, hash);
	char *tmp = xasprintf("%s/.%s.json.%ld.tmp", dir, hash,
			      (long)getpid());
	char *text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS |
				JSON_REAL_PRECISION(6));
	struct buf masked = BUF_INIT;
	size_t len, done = 0;
	int fd = -1, error = 0;

	if (!text) {
		error = error_set(err, TEND_ERROR, "cannot encode recording "
				  "'%s'", path);
		goto out;
	}
	/*
	 * A recording is an output like any other: no known secret goes to
	 * disk in it (the file is named by the hash of the request as it
	 * was, so a replay still finds it).
	 */
	buf_puts(&masked, text);
	redact_buf(&masked);
	free(text);
	text = buf_detach(&masked, &len);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	goto out;
fail:
	error = error_set(err, TEND_ERROR, "cannot write recording '%s': %s",
			  path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(text);
	free(path);
	free(tmp);
	return error;
}

/* Load a recording; TEND_ENOTFOUND when the file does not exist. */
static int agent_replay_load(const char *path, json_t **out, struct buf *err)
{
	json_error_t jerr;
	struct stat st;
	json_t *doc;

	*out = NULL;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? TEND_ENOTFOUND :
			error_set(err, TEND_ERROR, "cannot read recording "
				  "'%s': %s", path, strerror(errno));
	if ((size_t)st.st_size > AGENT_REPLAY_MAX_FILE)
		return error_set(err, TEND_ETOOBIG, "recording '%s' is bigger "
				 "than %zu bytes", path,
				 AGENT_REPLAY_MAX_FILE);
	doc = json_load_file(path, 0, &jerr);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return error_set(err, TEND_EINVALID, "recording '%s' is not "
				 "valid JSON: line %d: %s", path, jerr.line,
				 jerr.text);
	}
	*out = doc;
	return 0;
}

/* ----- finding the closest recording ----- */

static void agent_replay_show(struct buf *out, json_t *v)
{
	char *s = agent_replay_dump(v);

	if (s)
		agent_provider_add_text(out, s, strlen(s), AGENT_REPLAY_SHOW);
	else
		buf_puts(out, "?");
	free(s);
}

static int agent_replay_keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Describe the first place where `a` (this request) and `b` (a recorded
 * one) differ into `out`: "messages[2].text: \"x\" here, \"y\" recorded".
 * Returns 1 when they differ.
 */
static int agent_replay_diff(json_t *a, json_t *b, struct buf *path,
			     struct buf *out)
{
	size_t i, n, na, nb, mark = path->len;

	if (json_equal(a, b))
		return 0;
	if (json_is_object(a) && json_is_object(b)) {
		const char *key;
		json_t *va;
		void *iter;
		const char **keys;

		/* Sorted keys, so the first difference is stable. */
		n = json_object_size(a);
		keys = xcalloc(n + 1, sizeof(*keys));
		i = 0;
		json_object_foreach(a, key, va)
			keys[i++] = key;
		qsort(keys, n, sizeof(*keys), agent_replay_keycmp);
		for (i = 0; i < n; i++) {
			json_t *vb = json_object_get(b, keys[i]);

			buf_printf(path, "%s%s", mark ? "." : "", keys[i]);
			if (!vb) {
				buf_printf(out, "%s: only in this request",
					   path->ptr);
				free(keys);
				return 1;
			}
			if (agent_replay_diff(json_object_get(a, keys[i]), vb,
					      path, out)) {
				free(keys);
				return 1;
			}
			buf_truncate(path, mark);
		}
		free(keys);
		iter = json_object_iter(b);
		for (; iter; iter = json_object_iter_next(b, iter)) {
			key = json_object_iter_key(iter);
			if (!json_object_get(a, key)) {
				buf_printf(out, "%s%s%s: only in the "
					   "recording", path->ptr,
					   mark ? "." : "", key);
				return 1;
			}
		}
	}
	if (json_is_array(a) && json_is_array(b)) {
		na = json_array_size(a);
		nb = json_array_size(b);
		for (i = 0; i < na && i < nb; i++) {
			buf_printf(path, "[%zu]", i);
			if (agent_replay_diff(json_array_get(a, i),
					      json_array_get(b, i), path, out))
				return 1;
			buf_truncate(path, mark);
		}
		buf_printf(out, "%s: %zu item%s here, %zu recorded",
			   mark ? path->ptr : "(top)", na, na == 1 ? "" : "s",
			   nb);
		return 1;
	}
	buf_printf(out, "%s: ", mark ? path->ptr : "(top)");
	agent_replay_show(out, a);
	buf_puts(out, " here, ");
	agent_replay_show(out, b);
	buf_puts(out, " recorded");
	return 1;
}

/* The message for a missing recording. */
static int agent_replay_missing(const struct agent_replay *rp,
				const char *hash, json_t *request,
				const char *canon,
				const struct agent_request *req,
				struct buf *err)
{
	struct buf msg = BUF_INIT, path = BUF_INIT, diff = BUF_INIT;
	char *best_name = NULL;
	json_t *best = NULL;
	size_t best_prefix = 0, count = 0, canon_len = strlen(canon);
	struct dirent *de;
	DIR *d;

	buf_printf(&msg, "no recording of this request in '%s' (%s.json; "
		   "model '%s', %zu message%s)", rp->dir, hash, req->model,
		   req->nr_msgs, req->nr_msgs == 1 ? "" : "s");
	d = opendir(rp->dir);
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name), prefix = 0;
		char *file, *text;
		json_t *doc = NULL, *rq;

		if (de->d_name[0] == '.' || n < 6 ||
		    strcmp(de->d_name + n - 5, ".json"))
			continue;
		file = xasprintf("%s/%s", rp->dir, de->d_name);
		if (agent_replay_load(file, &doc, NULL) < 0) {
			free(file);
			continue;
		}
		free(file);
		rq = json_object_get(doc, "request");
		text = rq ? agent_replay_dump(rq) : NULL;
		if (text) {
			count++;
			while (prefix < canon_len && text[prefix] &&
			       text[prefix] == canon[prefix])
				prefix++;
			if (!best || prefix > best_prefix) {
				json_decref(best);
				best = json_incref(rq);
				best_prefix = prefix;
				free(best_name);
				best_name = xstrdup(de->d_name);
			}
		}
		free(text);
		json_decref(doc);
	}
	if (d)
		closedir(d);
	if (!best) {
		buf_puts(&msg, "; the directory holds no recordings");
	} else {
		agent_replay_diff(request, best, &path, &diff);
		buf_printf(&msg, "; the closest of %zu recording%s, '%s', "
			   "first differs at %s", count, count == 1 ? "" : "s",
			   best_name, diff.ptr);
	}
	error_set(err, TEND_ENOTFOUND, "%s", msg.ptr);
	json_decref(best);
	free(best_name);
	buf_release(&msg);
	buf_release(&path);
	buf_release(&diff);
	return TEND_ENOTFOUND;
}

/* ----- the provider ----- */

static int agent_replay_answer(struct agent_replay *rp, const char *hash,
			       json_t *request, const char *canon,
			       const struct agent_request *req,
			       struct agent_response *out, struct buf *err)
{
	char *path = xasprintf("%s/%s.json", rp->dir, hash);
	json_t *doc = NULL, *e;
	struct buf diff = BUF_INIT, where = BUF_INIT;
	int error;

	error = agent_replay_load(path, &doc, err);
	if (error == TEND_ENOTFOUND) {
		error = agent_replay_missing(rp, hash, request, canon, req,
					     err);
		goto out;
	}
	if (error < 0)
		goto out;
	if (!json_equal(json_object_get(doc, "request"), request)) {
		agent_replay_diff(request, json_object_get(doc, "request"),
				  &where, &diff);
		error = error_set(err, TEND_EINVALID, "recording '%s' is of "
				  "another request (first difference at %s)",
				  path, diff.ptr);
		goto out;
	}
	e = json_object_get(doc, "error");
	if (json_is_object(e)) {
		const char *m = json_string_value(json_object_get(e,
								  "message"));

		error = error_set(err, AGENT_ECONTEXT, "%s (recorded)",
				  m ? m : "context length exceeded");
		goto out;
	}
	error = agent_replay_response_load(json_object_get(doc, "response"),
					   path, out, err);
out:
	json_decref(doc);
	free(path);
	buf_release(&diff);
	buf_release(&where);
	return error;
}

static int agent_replay_record(struct agent_replay *rp, const char *hash,
			       json_t *request,
			       const struct agent_request *req,
			       struct agent_response *out, struct buf *err)
{
	json_t *doc;
	int error, werr;

	error = agent_provider_complete(rp->inner, req, out, err);
	if (error < 0 && error != AGENT_ECONTEXT)
		return error;
	doc = json_pack("{s:i, s:s, s:O}", "tend_recording",
			AGENT_REPLAY_FORMAT, "hash", hash, "request", request);
	if (error < 0)
		json_object_set_new(doc, "error",
				    json_pack("{s:s, s:o}", "code", "context",
					      "message",
					      jsonutil_string(err ? err->ptr :
							      "")));
	else
		json_object_set_new(doc, "response",
				    agent_replay_response_json(out));
	if (error < 0) {
		struct buf werr_msg = BUF_INIT;

		/* Keep the model's error message, not the write's. */
		agent_replay_write(rp->dir, hash, doc, &werr_msg);
		buf_release(&werr_msg);
		json_decref(doc);
		return error;
	}
	werr = agent_replay_write(rp->dir, hash, doc, err);
	json_decref(doc);
	if (werr < 0)
		agent_response_release(out);
	return werr;
}

static int agent_replay_complete(void *data, const struct agent_request *req,
				 struct agent_response *out, struct buf *err)
{
	struct agent_replay *rp = data;
	char hash[AGENT_REPLAY_HASH_LEN + 1];
	json_t *request = agent_replay_request_json(req);
	char *canon = agent_replay_dump(request);
	json_error_t jerr;
	int error;

	json_decref(request);
	/*
	 * Compare as the file will hold it: reals are written with six
	 * digits, so the request is taken back from its canonical text.
	 */
	request = canon ? json_loads(canon, 0, &jerr) : NULL;
	if (!request) {
		free(canon);
		return error_set(err, TEND_EINVALID, "cannot encode the "
				 "request for model '%s'", req->model);
	}
	agent_replay_hash_text(canon, hash);
	if (rp->mode == AGENT_REPLAY_RECORD)
		error = agent_replay_record(rp, hash, request, req, out, err);
	else
		error = agent_replay_answer(rp, hash, request, canon, req, out,
					    err);
	if (error < 0 && rp->mode != AGENT_REPLAY_RECORD)
		error_wrap(err, error, "replay of model '%s'", req->model);
	json_decref(request);
	free(canon);
	return error;
}

static void agent_replay_free(void *data)
{
	struct agent_replay *rp = data;

	agent_provider_free(rp->inner);
	free(rp->dir);
	free(rp);
}

static void agent_replay_set_sleep(void *data,
				   void (*sleep_ms)(long ms, void *d),
				   void *d)
{
	struct agent_replay *rp = data;

	if (rp->inner)
		agent_provider_set_sleep(rp->inner, sleep_ms, d);
}

static const struct agent_provider_ops agent_replay_ops = {
	agent_replay_complete, agent_replay_free, agent_replay_set_sleep
};

int agent_replay_new(struct agent_provider **out, enum agent_replay_mode mode,
		     const char *dir, struct agent_provider *inner,
		     struct buf *err)
{
	struct agent_replay *rp;
	struct stat st;
	int error;

	*out = NULL;
	if (!dir || !*dir) {
		agent_provider_free(inner);
		return error_set(err, TEND_EINVALID, "no directory given for "
				 "recordings");
	}
	if (mode == AGENT_REPLAY_RECORD) {
		if (!inner)
			return error_set(err, TEND_EINVALID, "nothing to "
					 "record: no model provider");
		if ((error = agent_replay_mkdirs(dir, err)) < 0) {
			agent_provider_free(inner);
			return error;
		}
	} else if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		agent_provider_free(inner);
		return error_set(err, TEND_ENOTFOUND, "no recordings directory "
				 "'%s'", dir);
	}
	rp = xcalloc(1, sizeof(*rp));
	rp->mode = mode;
	rp->dir = xstrdup(dir);
	rp->inner = inner;
	*out = agent_provider_custom(mode == AGENT_REPLAY_RECORD ?
				     agent_provider_name(inner) : "replay",
				     &agent_replay_ops, rp);
	return 0;
}
