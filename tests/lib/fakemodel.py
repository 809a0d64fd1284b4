#!/usr/bin/env python3
"""fakemodel.py - a scripted LLM server speaking the OpenAI Chat Completions
and the Anthropic Messages protocols, for tests.

Binds 127.0.0.1 on an ephemeral port, prints the port on stdout (one line,
then flushes) and, with --port-file, writes it to a file as well. Every
request is recorded in the request log (same format as fakehttp.py, plus
"protocol", "turn" and "outcome").

Usage:
    fakemodel.py --script turns.json [--log requests.json] [--key KEY]
                 [--port-file FILE] [--timeout SECONDS] [--watch-parent]

Endpoints:
    POST /v1/chat/completions, POST /chat/completions   OpenAI
    POST /v1/messages                                   Anthropic
    POST /v1/embeddings, POST /embeddings               OpenAI embeddings
    GET /__log          the request log as JSON
    any /__shutdown     stop the server

The script is protocol-neutral: a JSON list of turns, or {"turns": [...]}.
Each request that passes authentication and validation takes the next turn
(a turn with "repeat": true is never used up: it answers forever, e.g. for
endless tool-call loops). A turn is one of:

  an answer
    {"text": "...",
     "tool_calls": [{"name": "read_file", "arguments": {"path": "a.c"},
                     "id": "optional"}],   # "arguments" may be a string:
                                           # sent as is (malformed JSON)
     "usage": {"input": N, "output": N, "cache_read": N, "cache_write": N},
                                           # computed when missing: one
                                           # token per 4 bytes
     "stop": "end" | "tool_use" | "max_tokens" | "<raw protocol word>",
                                           # default: tool_use with calls
     "model": "name",                      # default: the request's
     "chunk": 4,                           # streaming: bytes per delta
     "delay_ms": 0}                        # wait before answering
  a fault
    {"status": 429, "headers": {"Retry-After": "1"}, "message": "..."}
                                           # the protocol's error shape for
                                           # the status (529: Anthropic's
                                           # overloaded_error); "body": a
                                           # literal body instead
    {"action": "drop"}                     # close without an answer
    {"action": "timeout", "ms": 5000}      # wait, then close, no answer
    {"error": "context_length"}            # each protocol's real 400
    {"stream_error": "overloaded"}         # 200, then an error inside the
                                           # stream (plain: a 529/500)
    {"truncate": true}                     # an answer cut in the middle
  any turn may carry
    {"expect": {"protocol": "openai", "stream": true, "model": "m"}}
                                           # checked before the turn is
                                           # taken: a mismatch is a 400

Embeddings take no turn of the script. Each text gets a deterministic
vector: its words (runs of letters, digits and '_', lower-cased, and the
parts of snake_case and camelCase names) hashed into `dimensions` buckets
(default 64) with a sign, then normalised, so texts sharing words are
close. The request is validated like OpenAI's (model; input a string or a
non-empty list of non-empty strings; dimensions a positive integer;
encoding_format float; nothing else), with the key as for chat. With a
dict script, "embeddings": [...] lists turns for this endpoint, used up in
order before the deterministic answers: a fault as above ("status",
"action", "body"), or {"vectors": [[...], ...]} answered as is, or {}
(the deterministic answer). Log entries have protocol "embeddings".

Validation is strict where the real APIs are strict: the key (with --key:
`Authorization: Bearer KEY` for OpenAI, `x-api-key: KEY` for Anthropic),
`anthropic-version`, required fields (model, messages, Anthropic's
max_tokens), field types, unknown top-level fields, tool names, and the
ordering of tool calls and results (OpenAI: every tool message answers a
tool_call id of the assistant message before it, and every call is
answered before the next non-tool message; Anthropic: every tool_result
answers a tool_use of the previous assistant message, every tool_use is
answered in the next user message, tool results come first). A request
that fails gets a 400 in the protocol's error shape and takes no turn.
When the script is used up, requests get a 400 saying so.
"""

import argparse
import json
import os
import re
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

OPENAI_KEYS = {
    "model", "messages", "tools", "tool_choice", "max_tokens",
    "max_completion_tokens", "temperature", "top_p", "stream",
    "stream_options", "n", "stop", "seed", "user", "response_format",
    "parallel_tool_calls", "reasoning_effort", "metadata", "store",
    "frequency_penalty", "presence_penalty", "logprobs", "top_logprobs",
    "logit_bias", "service_tier", "modalities", "prediction", "audio",
    "web_search_options", "verbosity", "prompt_cache_key",
    "safety_identifier",
}
ANTHROPIC_KEYS = {
    "model", "messages", "max_tokens", "system", "tools", "tool_choice",
    "temperature", "top_p", "top_k", "stream", "stop_sequences",
    "metadata", "thinking", "service_tier", "container", "mcp_servers",
}


class Invalid(Exception):
    """A request the real API would refuse with 400."""

    def __init__(self, message, param=None, code=None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


class State:
    def __init__(self, turns, log_path, key, embed_turns=None):
        self.lock = threading.Lock()
        self.turns = turns
        self.embed_turns = list(embed_turns or [])
        self.next_turn = 0
        self.log_path = log_path
        self.key = key
        self.log = []
        self.next_conn = 0
        self.served = 0
        self.port = 0

    def new_conn(self):
        with self.lock:
            self.next_conn += 1
            return self.next_conn

    def record(self, entry):
        with self.lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)
            self.write_log_locked()

    def write_log_locked(self):
        if not self.log_path:
            return
        tmp = self.log_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.log, f, indent=1)
        os.replace(tmp, self.log_path)

    def peek(self):
        with self.lock:
            if self.next_turn >= len(self.turns):
                return None, None
            return self.next_turn, self.turns[self.next_turn]

    def take(self, index):
        with self.lock:
            turn = self.turns[index]
            if not turn.get("repeat") and self.next_turn == index:
                self.next_turn += 1
            self.served += 1
            return self.served


def tokens(n_bytes):
    return max(1, (n_bytes + 3) // 4)


EMBED_KEYS = {"model", "input", "dimensions", "encoding_format", "user"}
WORD = re.compile(r"[A-Za-z0-9_]+")
CAMEL = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def embed_words(text):
    words = []
    for w in WORD.findall(text):
        words.append(w.lower())
        parts = [p for chunk in w.split("_") for p in CAMEL.findall(chunk)]
        if len(parts) > 1:
            words.extend(p.lower() for p in parts)
    return words


def embed_vector(text, dim):
    import hashlib
    v = [0.0] * dim
    for w in embed_words(text):
        h = int.from_bytes(hashlib.sha256(w.encode()).digest()[:8], "big")
        v[h % dim] += 1.0 if (h >> 32) & 1 else -1.0
    norm = sum(x * x for x in v) ** 0.5
    if norm == 0:
        v[0] = 1.0
        return v
    return [round(x / norm, 6) for x in v]


def embed_validate(req):
    if not isinstance(req, dict):
        raise Invalid("The request body must be a JSON object.")
    for k in req:
        if k not in EMBED_KEYS:
            raise Invalid("Unrecognized request argument supplied: %s" % k)
    if not isinstance(req.get("model"), str) or not req["model"]:
        raise Invalid("you must provide a model parameter", "model")
    inp = req.get("input")
    if isinstance(inp, str):
        inp = [inp]
    if not isinstance(inp, list) or not inp:
        raise Invalid("'input' must be a string or a non-empty array of "
                      "strings", "input")
    for i, t in enumerate(inp):
        if not isinstance(t, str):
            raise Invalid("'input[%d]' is not a string" % i, "input")
        if not t:
            raise Invalid("'$.input' is invalid: input[%d] is an empty "
                          "string" % i, "input")
    if len(inp) > 2048:
        raise Invalid("'input' has more than 2048 items", "input")
    if "dimensions" in req:
        d = req["dimensions"]
        if not is_int(d) or d < 1:
            raise Invalid("'dimensions' must be a positive integer",
                          "dimensions")
    if req.get("encoding_format", "float") != "float":
        raise Invalid("fakemodel only answers encoding_format float",
                      "encoding_format")
    return inp


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def type_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


# ----- OpenAI -----

def openai_validate(req):
    if not isinstance(req, dict):
        raise Invalid("We could not parse the JSON body of your request.")
    for k in req:
        if k not in OPENAI_KEYS:
            raise Invalid("Unrecognized request argument supplied: %s" % k)
    if not isinstance(req.get("model"), str) or not req["model"]:
        raise Invalid("you must provide a model parameter", "model")
    msgs = req.get("messages")
    if not isinstance(msgs, list):
        raise Invalid("Missing required parameter: 'messages'.",
                      "messages", "missing_required_parameter")
    if not msgs:
        raise Invalid("[] is too short - 'messages'", "messages",
                      "empty_array")
    pending = {}      # call id -> index of the assistant message
    answerable = None  # ids the next tool message may answer
    for i, m in enumerate(msgs):
        where = "messages[%d]" % i
        if not isinstance(m, dict):
            raise Invalid("Invalid type for '%s': expected an object, but "
                          "got %s instead." % (where, type_name(m)), where)
        role = m.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool"):
            raise Invalid("Invalid value: '%s'. Supported values are: "
                          "'system', 'assistant', 'user', 'tool', and "
                          "'developer'." % role, where + ".role",
                          "invalid_value")
        content = m.get("content")
        calls = m.get("tool_calls")
        if role != "tool" and pending:
            raise Invalid("An assistant message with 'tool_calls' must be "
                          "followed by tool messages responding to each "
                          "'tool_call_id'. The following tool_call_ids did "
                          "not have response messages: %s"
                          % ", ".join(sorted(pending)), where + ".role")
        if role == "assistant":
            if content is None and not calls:
                raise Invalid("Missing required parameter: '%s.content'."
                              % where, where + ".content",
                              "missing_required_parameter")
        elif "content" not in m:
            raise Invalid("Missing required parameter: '%s.content'."
                          % where, where + ".content",
                          "missing_required_parameter")
        if content is not None and not isinstance(content, (str, list)):
            raise Invalid("Invalid type for '%s.content': expected one of "
                          "a string or array of objects, but got %s "
                          "instead." % (where, type_name(content)),
                          where + ".content", "invalid_type")
        if calls is not None:
            if role != "assistant" or not isinstance(calls, list):
                raise Invalid("Invalid parameter: '%s.tool_calls'." % where,
                              where + ".tool_calls")
            answerable = set()
            for j, c in enumerate(calls):
                cw = "%s.tool_calls[%d]" % (where, j)
                if not isinstance(c, dict) or not isinstance(c.get("id"),
                                                             str):
                    raise Invalid("Missing required parameter: '%s.id'."
                                  % cw, cw + ".id",
                                  "missing_required_parameter")
                if c.get("type") != "function":
                    raise Invalid("Missing required parameter: '%s.type'."
                                  % cw, cw + ".type")
                fn = c.get("function")
                if not isinstance(fn, dict) or not isinstance(
                        fn.get("name"), str):
                    raise Invalid("Missing required parameter: "
                                  "'%s.function.name'." % cw,
                                  cw + ".function.name")
                if not isinstance(fn.get("arguments"), str):
                    raise Invalid("Invalid type for '%s.function.arguments'"
                                  ": expected a string, but got %s instead."
                                  % (cw, type_name(fn.get("arguments"))),
                                  cw + ".function.arguments",
                                  "invalid_type")
                pending[c["id"]] = i
                answerable.add(c["id"])
            continue
        if role == "tool":
            tid = m.get("tool_call_id")
            if not isinstance(tid, str):
                raise Invalid("Missing required parameter: "
                              "'%s.tool_call_id'." % where,
                              where + ".tool_call_id",
                              "missing_required_parameter")
            if answerable is None or tid not in answerable:
                raise Invalid("Invalid parameter: messages with role 'tool' "
                              "must be a response to a preceeding message "
                              "with 'tool_calls'.", where + ".role")
            pending.pop(tid, None)
            continue
        answerable = None
    if pending:
        raise Invalid("An assistant message with 'tool_calls' must be "
                      "followed by tool messages responding to each "
                      "'tool_call_id'. The following tool_call_ids did not "
                      "have response messages: %s"
                      % ", ".join(sorted(pending)), "messages")
    tools = req.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise Invalid("Invalid type for 'tools': expected an array.",
                          "tools", "invalid_type")
        for j, t in enumerate(tools):
            tw = "tools[%d]" % j
            if not isinstance(t, dict) or t.get("type") != "function" or \
                    not isinstance(t.get("function"), dict):
                raise Invalid("Missing required parameter: '%s.function'."
                              % tw, tw + ".function")
            name = t["function"].get("name")
            if not isinstance(name, str) or not TOOL_NAME.match(name):
                raise Invalid("Invalid '%s.function.name': string does not "
                              "match pattern. Expected a string that "
                              "matches the pattern '^[a-zA-Z0-9_-]+$'."
                              % tw, tw + ".function.name", "invalid_value")
            params = t["function"].get("parameters")
            if params is not None and not isinstance(params, dict):
                raise Invalid("Invalid type for '%s.function.parameters'."
                              % tw, tw + ".function.parameters")
    if "max_tokens" in req and "max_completion_tokens" in req:
        raise Invalid("max_tokens and max_completion_tokens cannot both be "
                      "set", "max_tokens")
    for k in ("max_tokens", "max_completion_tokens"):
        if k in req and (not is_int(req[k]) or req[k] < 1):
            raise Invalid("Invalid '%s': integer below minimum value." % k,
                          k, "integer_below_min_value")
    if "temperature" in req and (not is_num(req["temperature"]) or
                                 not 0 <= req["temperature"] <= 2):
        raise Invalid("Invalid 'temperature': decimal above maximum value.",
                      "temperature", "decimal_above_max_value")
    if "stream" in req and not isinstance(req["stream"], bool):
        raise Invalid("Invalid type for 'stream'.", "stream")
    if "stream_options" in req and not req.get("stream"):
        raise Invalid("The 'stream_options' parameter is only allowed when "
                      "'stream' is enabled.", "stream_options")


def openai_error_body(status, message=None, kind=None, param=None,
                      code=None):
    defaults = {
        400: ("invalid_request_error", "Invalid request."),
        401: ("invalid_request_error", "Incorrect API key provided."),
        403: ("invalid_request_error", "You are not allowed to use this "
              "model."),
        404: ("invalid_request_error", "The model does not exist or you do "
              "not have access to it."),
        429: ("requests", "Rate limit reached for requests. Please try "
              "again later."),
        500: ("server_error", "The server had an error while processing "
              "your request. Sorry about that!"),
        503: ("server_error", "The engine is currently overloaded, please "
              "try again later."),
        529: ("server_error", "The server is overloaded."),
    }
    t, m = defaults.get(status, ("server_error" if status >= 500 else
                                 "invalid_request_error",
                                 "HTTP %d" % status))
    if status == 429 and code is None:
        code = "rate_limit_exceeded"
    return {"error": {"message": message or m, "type": kind or t,
                      "param": param, "code": code}}


def openai_usage(u):
    prompt = u["input"] + u["cache_read"] + u["cache_write"]
    return {"prompt_tokens": prompt, "completion_tokens": u["output"],
            "total_tokens": prompt + u["output"],
            "prompt_tokens_details": {"cached_tokens": u["cache_read"]},
            "completion_tokens_details": {"reasoning_tokens": 0}}


def openai_stop(stop):
    return {"end": "stop", "tool_use": "tool_calls",
            "max_tokens": "length"}.get(stop, stop)


def openai_answer(ans, stream, include_usage):
    """A list of bytes pieces (stream) or one JSON object (plain)."""
    calls = [{"id": c["id"], "type": "function",
              "function": {"name": c["name"], "arguments": c["arguments"]}}
             for c in ans["calls"]]
    finish = openai_stop(ans["stop"])
    head = {"id": "chatcmpl-fake%d" % ans["n"], "created": int(time.time()),
            "model": ans["model"], "system_fingerprint": "fp_fake"}
    if not stream:
        msg = {"role": "assistant", "content": ans["text"] or None,
               "refusal": None}
        if calls:
            msg["tool_calls"] = calls
        body = dict(head, object="chat.completion",
                    choices=[{"index": 0, "message": msg, "logprobs": None,
                              "finish_reason": finish}],
                    usage=openai_usage(ans["usage"]))
        return body
    size = ans["chunk"]
    events = []

    def chunk(delta, finish_reason=None):
        c = dict(head, object="chat.completion.chunk",
                 choices=[{"index": 0, "delta": delta, "logprobs": None,
                           "finish_reason": finish_reason}])
        if include_usage:
            c["usage"] = None
        events.append(b"data: " + json.dumps(c).encode() + b"\n\n")

    chunk({"role": "assistant", "content": "", "refusal": None})
    text = ans["text"]
    for i in range(0, len(text), size):
        chunk({"content": text[i:i + size]})
    for i, c in enumerate(ans["calls"]):
        chunk({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                               "function": {"name": c["name"],
                                            "arguments": ""}}]})
        a = c["arguments"]
        for j in range(0, len(a), size):
            chunk({"tool_calls": [{"index": i,
                                   "function": {"arguments":
                                                a[j:j + size]}}]})
    chunk({}, finish)
    if include_usage:
        u = dict(head, object="chat.completion.chunk", choices=[],
                 usage=openai_usage(ans["usage"]))
        events.append(b"data: " + json.dumps(u).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


# ----- Anthropic -----

def anthropic_blocks(content, where):
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise Invalid("%s.content: Input should be a valid list" % where)
    for j, b in enumerate(content):
        bw = "%s.content.%d" % (where, j)
        if not isinstance(b, dict) or not isinstance(b.get("type"), str):
            raise Invalid("%s: Input should be a valid dictionary" % bw)
        cc = b.get("cache_control")
        if cc is not None and (not isinstance(cc, dict) or
                               cc.get("type") != "ephemeral"):
            raise Invalid("%s.cache_control: Input tag does not match "
                          "'ephemeral'" % bw)
        t = b["type"]
        if t == "text":
            if not isinstance(b.get("text"), str):
                raise Invalid("%s.text.text: Field required" % bw)
            if not b["text"]:
                raise Invalid("messages: text content blocks must be "
                              "non-empty")
        elif t == "tool_use":
            if not isinstance(b.get("id"), str) or \
                    not isinstance(b.get("name"), str):
                raise Invalid("%s.tool_use.id: Field required" % bw)
            if not isinstance(b.get("input"), dict):
                raise Invalid("%s.tool_use.input: Input should be a valid "
                              "dictionary" % bw)
        elif t == "tool_result":
            if not isinstance(b.get("tool_use_id"), str):
                raise Invalid("%s.tool_result.tool_use_id: Field required"
                              % bw)
            c = b.get("content")
            if c is not None and not isinstance(c, (str, list)):
                raise Invalid("%s.tool_result.content: Input should be a "
                              "valid list" % bw)
            if "is_error" in b and not isinstance(b["is_error"], bool):
                raise Invalid("%s.tool_result.is_error: Input should be a "
                              "valid boolean" % bw)
    return content


def anthropic_validate(req, headers):
    if not headers.get("anthropic-version"):
        raise Invalid("anthropic-version: header is required")
    if not isinstance(req, dict):
        raise Invalid("Input should be a valid dictionary")
    for k in req:
        if k not in ANTHROPIC_KEYS:
            raise Invalid("%s: Extra inputs are not permitted" % k)
    if not isinstance(req.get("model"), str) or not req["model"]:
        raise Invalid("model: Field required")
    if "max_tokens" not in req:
        raise Invalid("max_tokens: Field required")
    if not is_int(req["max_tokens"]) or req["max_tokens"] < 1:
        raise Invalid("max_tokens: Input should be greater than or equal "
                      "to 1")
    msgs = req.get("messages")
    if not isinstance(msgs, list):
        raise Invalid("messages: Field required")
    if not msgs:
        raise Invalid("messages: at least one message is required")
    # The API combines consecutive turns of one role; so does this check.
    turns = []
    for i, m in enumerate(msgs):
        where = "messages.%d" % i
        if not isinstance(m, dict):
            raise Invalid("%s: Input should be a valid dictionary" % where)
        if m.get("role") not in ("user", "assistant"):
            raise Invalid("%s.role: Input should be 'user' or 'assistant'"
                          % where)
        if "content" not in m:
            raise Invalid("%s.content: Field required" % where)
        blocks = anthropic_blocks(m["content"], where)
        if not blocks and not (i == len(msgs) - 1 and
                               m["role"] == "assistant"):
            raise Invalid("messages.%d: all messages must have non-empty "
                          "content except for the optional final assistant "
                          "message" % i)
        for b in blocks:
            if b["type"] == "tool_use" and m["role"] != "assistant":
                raise Invalid("%s: tool_use blocks are only allowed in "
                              "assistant messages" % where)
            if b["type"] == "tool_result" and m["role"] != "user":
                raise Invalid("%s: tool_result blocks are only allowed in "
                              "user messages" % where)
        if turns and turns[-1][0] == m["role"]:
            turns[-1][2].extend(blocks)
        else:
            turns.append((m["role"], i, list(blocks)))
    if turns[0][0] != "user":
        raise Invalid("messages: first message must use the \"user\" role")
    for k, (role, i, blocks) in enumerate(turns):
        if role == "user":
            prev = turns[k - 1][2] if k else []
            uses = [b["id"] for b in prev if b["type"] == "tool_use"]
            seen_other = False
            for j, b in enumerate(blocks):
                if b["type"] != "tool_result":
                    seen_other = True
                    continue
                if seen_other:
                    raise Invalid("messages.%d.content.%d: tool_result "
                                  "blocks must come before any other "
                                  "content in a user message" % (i, j))
                if b["tool_use_id"] not in uses:
                    raise Invalid("messages.%d.content.%d: unexpected "
                                  "`tool_use_id` found in `tool_result` "
                                  "blocks: %s. Each `tool_result` block "
                                  "must have a corresponding `tool_use` "
                                  "block in the previous message."
                                  % (i, j, b["tool_use_id"]))
        else:
            uses = [b["id"] for b in blocks if b["type"] == "tool_use"]
            nxt = turns[k + 1][2] if k + 1 < len(turns) else None
            if uses and nxt is not None:
                answered = {b["tool_use_id"] for b in nxt
                            if b["type"] == "tool_result"}
                missing = [u for u in uses if u not in answered]
                if missing:
                    raise Invalid("messages.%d: `tool_use` ids were found "
                                  "without `tool_result` blocks immediately "
                                  "after: %s. Each `tool_use` block must "
                                  "have a corresponding `tool_result` block "
                                  "in the next message."
                                  % (i, ", ".join(missing)))
            elif uses:
                raise Invalid("messages.%d: `tool_use` ids were found "
                              "without `tool_result` blocks immediately "
                              "after: %s. Each `tool_use` block must have "
                              "a corresponding `tool_result` block in the "
                              "next message." % (i, ", ".join(uses)))
    system = req.get("system")
    if system is not None:
        if isinstance(system, list):
            for j, b in enumerate(system):
                if not isinstance(b, dict) or b.get("type") != "text" or \
                        not isinstance(b.get("text"), str):
                    raise Invalid("system.%d: Input should be a valid text "
                                  "block" % j)
        elif not isinstance(system, str):
            raise Invalid("system: Input should be a valid string")
    tools = req.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise Invalid("tools: Input should be a valid list")
        for j, t in enumerate(tools):
            if not isinstance(t, dict):
                raise Invalid("tools.%d: Input should be a valid dictionary"
                              % j)
            if not isinstance(t.get("name"), str) or \
                    not TOOL_NAME.match(t["name"]):
                raise Invalid("tools.%d.custom.name: String should match "
                              "pattern '^[a-zA-Z0-9_-]{1,64}$'" % j)
            schema = t.get("input_schema")
            if not isinstance(schema, dict):
                raise Invalid("tools.%d.custom.input_schema: Field required"
                              % j)
            if schema.get("type") != "object":
                raise Invalid("tools.%d.custom.input_schema.type: Input "
                              "should be 'object'" % j)
    if "temperature" in req and (not is_num(req["temperature"]) or
                                 not 0 <= req["temperature"] <= 1):
        raise Invalid("temperature: Input should be less than or equal "
                      "to 1")
    if "stream" in req and not isinstance(req["stream"], bool):
        raise Invalid("stream: Input should be a valid boolean")


def anthropic_error_body(status, message=None, kind=None, request_id=None):
    defaults = {
        400: ("invalid_request_error", "Invalid request"),
        401: ("authentication_error", "invalid x-api-key"),
        403: ("permission_error", "Your API key does not have permission "
              "to use the specified resource."),
        404: ("not_found_error", "The requested resource could not be "
              "found."),
        413: ("request_too_large", "Request exceeds the maximum allowed "
              "number of bytes."),
        429: ("rate_limit_error", "Number of request tokens has exceeded "
              "your per-minute rate limit"),
        500: ("api_error", "Internal server error"),
        529: ("overloaded_error", "Overloaded"),
    }
    t, m = defaults.get(status, ("api_error" if status >= 500 else
                                 "invalid_request_error",
                                 "HTTP %d" % status))
    body = {"type": "error", "error": {"type": kind or t,
                                       "message": message or m}}
    if request_id:
        body["request_id"] = request_id
    return body


def anthropic_stop(stop):
    return {"end": "end_turn"}.get(stop, stop)


def anthropic_usage(u, output=None):
    return {"input_tokens": u["input"],
            "cache_creation_input_tokens": u["cache_write"],
            "cache_read_input_tokens": u["cache_read"],
            "output_tokens": u["output"] if output is None else output}


def anthropic_input(c):
    try:
        v = json.loads(c["arguments"])
    except ValueError:
        return None
    return v if isinstance(v, dict) else None


def anthropic_answer(ans, stream):
    msg_id = "msg_fake%d" % ans["n"]
    if not stream:
        content = []
        if ans["text"]:
            content.append({"type": "text", "text": ans["text"]})
        for c in ans["calls"]:
            inp = anthropic_input(c)
            content.append({"type": "tool_use", "id": c["id"],
                            "name": c["name"],
                            "input": c["arguments"] if inp is None
                            else inp})
        return {"id": msg_id, "type": "message", "role": "assistant",
                "model": ans["model"], "content": content,
                "stop_reason": anthropic_stop(ans["stop"]),
                "stop_sequence": None,
                "usage": anthropic_usage(ans["usage"])}
    size = ans["chunk"]
    events = []

    def event(name, data):
        data = dict({"type": name}, **data)
        events.append(("event: %s\ndata: %s\n\n"
                       % (name, json.dumps(data))).encode())

    event("message_start", {"message": {
        "id": msg_id, "type": "message", "role": "assistant",
        "model": ans["model"], "content": [], "stop_reason": None,
        "stop_sequence": None,
        "usage": anthropic_usage(ans["usage"], output=1)}})
    event("ping", {})
    index = 0
    if ans["text"]:
        event("content_block_start", {"index": index, "content_block":
                                      {"type": "text", "text": ""}})
        text = ans["text"]
        for i in range(0, len(text), size):
            event("content_block_delta", {"index": index, "delta": {
                "type": "text_delta", "text": text[i:i + size]}})
        event("content_block_stop", {"index": index})
        index += 1
    for c in ans["calls"]:
        event("content_block_start", {"index": index, "content_block": {
            "type": "tool_use", "id": c["id"], "name": c["name"],
            "input": {}}})
        a = c["arguments"]
        event("content_block_delta", {"index": index, "delta": {
            "type": "input_json_delta", "partial_json": ""}})
        for j in range(0, len(a), size):
            event("content_block_delta", {"index": index, "delta": {
                "type": "input_json_delta", "partial_json": a[j:j + size]}})
        event("content_block_stop", {"index": index})
        index += 1
    event("message_delta", {"delta": {"stop_reason":
                                      anthropic_stop(ans["stop"]),
                                      "stop_sequence": None},
                            "usage": {"output_tokens":
                                      ans["usage"]["output"]}})
    event("message_stop", {})
    return events


# ----- the server -----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakemodel/1"
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        self.conn_id = self.server.state.new_conn()

    def log_message(self, fmt, *args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, socket.timeout, OSError):
            self.close_connection = True

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(n) if n > 0 else b""

    # -- sending --

    def send_json(self, status, body, headers=None):
        data = (body if isinstance(body, str) else json.dumps(body))
        data = data.encode("utf-8")
        self.send_response(status)
        has_type = False
        for k, v in (headers or {}).items():
            has_type = has_type or k.lower() == "content-type"
            self.send_header(k, str(v))
        if not has_type:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def send_events(self, events, cut=False):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if cut:
            events = events[:max(1, len(events) // 2)]
        for e in events:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(e), e))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def error(self, proto, status, message=None, kind=None, param=None,
              code=None, headers=None):
        if proto == "openai":
            body = openai_error_body(status, message, kind, param, code)
        else:
            body = anthropic_error_body(status, message, kind,
                                        "req_fake%d" % self.seq)
        self.send_json(status, body, headers)

    # -- dispatch --

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        state = self.server.state
        path = self.path.partition("?")[0]
        raw = self.read_body()
        entry = {
            "conn": self.conn_id,
            "client_port": self.client_address[1],
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "header_list": [[k, v] for k, v in self.headers.items()],
            "body": raw.decode("utf-8", "replace"),
            "protocol": None,
            "turn": None,
            "outcome": None,
        }
        if path == "/__shutdown":
            state.record(entry)
            self.send_json(200, {"bye": True})
            self.close_connection = True
            threading.Thread(target=self.server.shutdown).start()
            return
        if path == "/__log":
            with state.lock:
                text = json.dumps(state.log)
            self.send_json(200, text)
            return
        if path in ("/v1/embeddings", "/embeddings"):
            proto = "embeddings"
            entry["protocol"] = proto
            self.seq = len(state.log) + 1
            try:
                self.serve_embeddings(state, raw, entry)
            except (ConnectionError, BrokenPipeError, socket.timeout):
                self.close_connection = True
            return
        if path in ("/v1/chat/completions", "/chat/completions"):
            proto = "openai"
        elif path == "/v1/messages":
            proto = "anthropic"
        else:
            proto = None
        entry["protocol"] = proto
        self.seq = len(state.log) + 1
        try:
            self.serve(state, proto, raw, entry)
        except (ConnectionError, BrokenPipeError, socket.timeout):
            self.close_connection = True

    def finish_entry(self, state, entry, outcome):
        entry["outcome"] = outcome
        state.record(entry)

    def serve(self, state, proto, raw, entry):
        if proto is None or self.command != "POST":
            self.finish_entry(state, entry, "not found")
            self.send_json(404, {"error": {"message": "no such endpoint: "
                                           "%s %s" % (self.command,
                                                      self.path),
                                           "type": "invalid_request_error"}})
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        if state.key is not None:
            if proto == "openai":
                auth = headers.get("authorization")
                if not auth:
                    self.finish_entry(state, entry, "401 no key")
                    self.error(proto, 401, "You didn't provide an API key. "
                               "You need to provide your API key in an "
                               "Authorization header using Bearer auth "
                               "(i.e. Authorization: Bearer YOUR_KEY).")
                    return
                if auth != "Bearer " + state.key:
                    given = auth[7:] if auth.startswith("Bearer ") else auth
                    shown = (given[:3] + "*" * 4 + given[-4:]
                             if len(given) > 8 else "****")
                    self.finish_entry(state, entry, "401 wrong key")
                    self.error(proto, 401, "Incorrect API key provided: %s."
                               % shown, code="invalid_api_key")
                    return
            else:
                key = headers.get("x-api-key")
                if not key:
                    self.finish_entry(state, entry, "401 no key")
                    self.error(proto, 401, "x-api-key header is required")
                    return
                if key != state.key:
                    self.finish_entry(state, entry, "401 wrong key")
                    self.error(proto, 401, "invalid x-api-key")
                    return
        try:
            req = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            self.finish_entry(state, entry, "400 not JSON")
            self.error(proto, 400, "The request body is not valid JSON: %s"
                       % e)
            return
        try:
            if proto == "openai":
                openai_validate(req)
            else:
                anthropic_validate(req, headers)
        except Invalid as e:
            self.finish_entry(state, entry, "400 " + e.message)
            self.error(proto, 400, e.message, param=e.param, code=e.code)
            return
        stream = bool(req.get("stream"))
        index, turn = state.peek()
        if turn is None:
            self.finish_entry(state, entry, "400 script used up")
            self.error(proto, 400, "fakemodel: the script has no turn left "
                       "for this request")
            return
        expect = turn.get("expect") or {}
        got = {"protocol": proto, "stream": stream, "model": req["model"]}
        for k, v in expect.items():
            if got.get(k) != v:
                msg = ("fakemodel: turn %d expects %s %s, the request has %s"
                       % (index, k, json.dumps(v), json.dumps(got.get(k))))
                self.finish_entry(state, entry, "400 " + msg)
                self.error(proto, 400, msg)
                return
        n = state.take(index)
        entry["turn"] = index
        self.play(state, proto, req, stream, turn, n, entry)

    def serve_embeddings(self, state, raw, entry):
        if self.command != "POST":
            self.finish_entry(state, entry, "not found")
            self.error("openai", 404, "no such endpoint: %s %s"
                       % (self.command, self.path))
            return
        if state.key is not None:
            auth = self.headers.get("Authorization")
            if auth != "Bearer " + state.key:
                self.finish_entry(state, entry, "401 wrong key" if auth
                                  else "401 no key")
                self.error("openai", 401, "Incorrect API key provided."
                           if auth else "You didn't provide an API key.",
                           code="invalid_api_key" if auth else None)
                return
        try:
            req = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            self.finish_entry(state, entry, "400 not JSON")
            self.error("openai", 400, "The request body is not valid "
                       "JSON: %s" % e)
            return
        try:
            texts = embed_validate(req)
        except Invalid as e:
            self.finish_entry(state, entry, "400 " + e.message)
            self.error("openai", 400, e.message, param=e.param, code=e.code)
            return
        with state.lock:
            turn = state.embed_turns.pop(0) if state.embed_turns else {}
        if turn.get("delay_ms"):
            time.sleep(turn["delay_ms"] / 1000.0)
        if turn.get("action") == "drop":
            self.finish_entry(state, entry, "drop")
            self.drop()
            return
        if "status" in turn:
            status = int(turn["status"])
            self.finish_entry(state, entry, "status %d" % status)
            if "body" in turn:
                body = turn["body"]
                self.send_json(status, body if isinstance(body, str)
                               else json.dumps(body), turn.get("headers"))
            else:
                self.error("openai", status, turn.get("message"),
                           headers=turn.get("headers"))
            return
        dim = req.get("dimensions", 64)
        vectors = turn.get("vectors") or [embed_vector(t, dim)
                                          for t in texts]
        used = sum(tokens(len(t.encode())) for t in texts)
        self.finish_entry(state, entry, "embeddings")
        self.send_json(200, {
            "object": "list",
            "data": [{"object": "embedding", "index": i, "embedding": v}
                     for i, v in enumerate(vectors)],
            "model": req["model"],
            "usage": {"prompt_tokens": used, "total_tokens": used},
        })

    def play(self, state, proto, req, stream, turn, n, entry):
        if turn.get("delay_ms"):
            time.sleep(turn["delay_ms"] / 1000.0)
        action = turn.get("action")
        if action == "drop":
            self.finish_entry(state, entry, "drop")
            self.drop()
            return
        if action == "timeout":
            self.finish_entry(state, entry, "timeout")
            time.sleep(turn.get("ms", 10000) / 1000.0)
            self.drop()
            return
        if "status" in turn:
            status = int(turn["status"])
            self.finish_entry(state, entry, "status %d" % status)
            if "body" in turn:
                body = turn["body"]
                self.send_json(status, body if isinstance(body, str)
                               else json.dumps(body),
                               turn.get("headers"))
            else:
                self.error(proto, status, turn.get("message"),
                           headers=turn.get("headers"))
            return
        if turn.get("error") == "context_length":
            self.finish_entry(state, entry, "context_length")
            size = tokens(len(json.dumps(req.get("messages"))))
            if proto == "openai":
                self.error(proto, 400, "This model's maximum context length "
                           "is 128000 tokens. However, your messages "
                           "resulted in %d tokens. Please reduce the length "
                           "of the messages." % (128000 + size),
                           param="messages", code="context_length_exceeded")
            else:
                self.error(proto, 400, "prompt is too long: %d tokens > "
                           "200000 maximum" % (200000 + size))
            return
        if turn.get("stream_error"):
            what = turn["stream_error"]
            self.finish_entry(state, entry, "stream_error " + what)
            if not stream:
                self.error(proto, 529 if proto == "anthropic" else 500)
                return
            if proto == "openai":
                events = [b"data: " + json.dumps(
                    openai_error_body(500, "stream failed: " + what,
                                      "server_error")).encode() + b"\n\n"]
            else:
                ans = self.answer(req, {"text": ""}, n, proto)
                events = anthropic_answer(ans, True)[:2]
                events.append(("event: error\ndata: %s\n\n" % json.dumps(
                    anthropic_error_body(529 if what == "overloaded"
                                         else 500))).encode())
            self.send_events(events)
            return
        ans = self.answer(req, turn, n, proto)
        self.finish_entry(state, entry, "answer")
        if proto == "openai":
            include = bool((req.get("stream_options") or {})
                           .get("include_usage"))
            out = openai_answer(ans, stream, include)
        else:
            out = anthropic_answer(ans, stream)
        if stream:
            self.send_events(out, cut=bool(turn.get("truncate")))
        elif turn.get("truncate"):
            text = json.dumps(out)
            self.send_json(200, text[:len(text) // 2])
        else:
            self.send_json(200, out)

    def answer(self, req, turn, n, proto):
        """The neutral answer of `turn`, with defaults filled in."""
        calls = []
        for i, c in enumerate(turn.get("tool_calls") or []):
            args = c.get("arguments", {})
            calls.append({
                "id": c.get("id") or ("call_fake%d_%d" % (n, i)
                                      if proto == "openai"
                                      else "toolu_fake%d_%d" % (n, i)),
                "name": c["name"],
                "arguments": args if isinstance(args, str)
                else json.dumps(args),
            })
        text = turn.get("text") or ""
        prompt = json.dumps([req.get("system"), req.get("messages"),
                             req.get("tools")])
        usage = {"input": tokens(len(prompt.encode())),
                 "output": tokens(len(text.encode()) +
                                  sum(len(c["arguments"]) for c in calls)),
                 "cache_read": 0, "cache_write": 0}
        usage.update(turn.get("usage") or {})
        return {"n": n, "text": text, "calls": calls,
                "stop": turn.get("stop") or ("tool_use" if calls
                                             else "end"),
                "model": turn.get("model") or req.get("model"),
                "usage": usage, "chunk": max(1, int(turn.get("chunk", 4)))}


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="scripted model server")
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--key", default=None)
    ap.add_argument("--port-file", default=None)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--watch-parent", action="store_true")
    args = ap.parse_args()

    with open(args.script, encoding="utf-8") as f:
        script = json.load(f)
    turns = script.get("turns", []) if isinstance(script, dict) else script
    embed_turns = (script.get("embeddings", [])
                   if isinstance(script, dict) else [])
    state = State(turns, args.log, args.key, embed_turns)
    server = Server(("127.0.0.1", 0), Handler)
    server.state = state
    state.port = server.server_address[1]
    with state.lock:
        state.write_log_locked()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % state.port)
        os.replace(tmp, args.port_file)
    sys.stdout.write("%d\n" % state.port)
    sys.stdout.flush()

    parent = os.getppid()

    def watchdog():
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if args.watch_parent and os.getppid() != parent:
                break
            time.sleep(0.2)
        server.shutdown()

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
