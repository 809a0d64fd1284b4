/*
 * replay.h - record model calls to a directory and answer them offline.
 *
 * A wrapper around a provider (agent_provider_custom()), for `--record DIR`
 * and `--replay DIR`:
 *
 *   - record: every call goes to the wrapped provider; each answer is saved
 *     as DIR/<hash>.json, where <hash> is the FNV-1a 64 hash (16 lower-case
 *     hex digits) of the canonical request. The file holds the canonical
 *     request and the neutral response (or a context-length error, which
 *     is a property of the request the router reacts to; transport errors
 *     are not recorded). Files are written to a temporary name and renamed,
 *     so a reader never sees half a recording. A second identical request
 *     overwrites the first recording.
 *   - replay: no network; a call is answered from DIR/<hash>.json. A
 *     request with no recording fails with TEND_ENOTFOUND and a message
 *     naming the hash and, when DIR holds other recordings, the closest
 *     one (longest common prefix of canonical text) and the JSON path of
 *     the first difference, e.g. `messages[3].text`.
 *
 * The canonical request is JSON with sorted keys: model, system,
 * max_tokens, temperature, messages (role, text, calls with id, name and
 * arguments, tool_call_id, is_error) and tools (name, description,
 * schema). Not in it: the API key, headers, URLs, timeouts, `stream` (a
 * streamed and a plain call get the same answer) and `cache_prompt`.
 * Nothing in a recording is secret unless the conversation itself is.
 * Replays are deterministic: the same request always gets the same file.
 */
#ifndef AGENTS_REPLAY_H
#define AGENTS_REPLAY_H

#include "agents/provider.h"
#include "common/buf.h"

#define AGENT_REPLAY_HASH_LEN 16

enum agent_replay_mode {
	AGENT_REPLAY_RECORD = 1,
	AGENT_REPLAY_REPLAY
};

/*
 * A provider that records the calls of `inner` into `dir` (created when
 * missing), or, in replay mode, answers from `dir` (which must exist;
 * `inner` may be NULL). The new provider owns `inner` from now on, even
 * on failure. Free it with agent_provider_free().
 */
int agent_replay_new(struct agent_provider **out, enum agent_replay_mode mode,
		     const char *dir, struct agent_provider *inner,
		     struct buf *err);

/* The canonical request as compact JSON text; the caller frees it. */
char *agent_replay_canonical(const struct agent_request *req);

/* The recording's name for `req` (without ".json"), NUL-terminated. */
void agent_replay_hash(const struct agent_request *req,
		       char out[AGENT_REPLAY_HASH_LEN + 1]);

#endif
