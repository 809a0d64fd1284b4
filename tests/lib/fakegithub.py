#!/usr/bin/env python3
"""fakegithub.py - a strict fake of GitHub's REST API for integration tests.

It serves the part of the API tend uses to publish a review and to carry
out issues, backed by a real git repository (a work tree or a bare one):
pull requests, their files and patches, reviews and review comments,
issue comments, check runs and commit statuses; issues, their labels and
label events, collaborator permissions, opening and editing pull
requests and asking for reviews; for ChatOps, the repository's comments
since a time and reactions to comments. It is strict where GitHub is strict, so
that a request real GitHub would refuse (a comment outside the diff, a
range across hunks, an unknown key, a body too long, 51 annotations, a
write with a read-only token, a second open PR from one branch) fails
here too. It is not a general GitHub: no repositories API, no GraphQL,
no webhooks.

Usage:
    fakegithub.py --repo DIR --owner o --name r
                  [--pr N:BASE:HEAD[:fork[:modifiable]][:draft][:closed]]...
                  [--issues FILE] [--permission LOGIN=LEVEL]...
                  --token TOKEN [--readonly-token T2] [--no-checks-token T3]
                  [--pat-token TOKEN:LOGIN]
                  [--prefix /api/v3] [--max-files 3000] [--patch-limit BYTES]
                  [--login github-actions[bot]] [--repo-id 1296269]
                  [--rate-limit 5000] [--port-file F] [--log requests.json]
                  [--faults faults.json] [--timeout 120] [--watch-parent]

Binds 127.0.0.1 on an ephemeral port, prints the port on stdout (one line)
and writes it to --port-file (atomically). Stops after --timeout seconds,
on any request to /__shutdown, and with --watch-parent as soon as the
process that started it is gone.

A ":fork" PR's head is the branch HEAD of "forker/NAME" (in the same git
repository); ":modifiable" is its author's "allow edits by maintainers"
(maintainer_can_modify true; always false on a PR that is no fork, as on
GitHub).

Issues (--issues FILE) are a JSON list of
    {"number": N, "title": s, "body": s|null, "user": LOGIN,
     "labels": [NAME, ...], "assignees": [LOGIN, ...],
     "state": "open"|"closed", "created_at": ISO,
     "events": [{"event": "labeled"|"unlabeled", "label": NAME,
                 "actor": LOGIN}],
     "comments": [{"user": LOGIN, "body": s}]}
Issues and pull requests share one sequence of numbers, as on GitHub (a
number taken twice stops the fake); a PR opened through the API takes the
next free one. Pull requests are issues too: GET /issues lists them with
a pull_request member, and they take labels and issue comments.
Labels: adding one the repository lacks creates it; adding records a
"labeled" event by the token's user, removing an "unlabeled" one (404
"Label does not exist" when the issue lacks it); closing, reopening and
assigning through /__control record their events too.
Permissions (--permission LOGIN=LEVEL, LEVEL admin|maintain|write|triage|
read|none): GET /collaborators/LOGIN/permission answers permission
(admin, write, read or none, GitHub's legacy names) and role_name (the
LEVEL); --login and the --pat-token users are write unless given; anyone
else is 404. A review may be requested only from a user with a level
above none who is not the PR's author (422 otherwise).
Opening a pull request (POST /pulls): head is a branch of this repository
("BRANCH" or "OWNER:BRANCH") and must exist, so must base (422 field
head/base code invalid); an open PR with the same head and base gives
422 "A pull request already exists for OWNER:BRANCH."; a head with no
commit the base lacks gives 422 "No commits between BASE and HEAD".
Such PRs are stored (title, body, draft, author = the token's user) and
otherwise computed from the repository like --pr ones; PATCH pulls/N
edits title, body, base and state (reopening is refused while a twin is
open, or once merged).

Pull requests are computed from the repository at every request: head =
tip of HEAD branch, base sha = tip of BASE branch, files = `git diff -M
merge-base(BASE, HEAD) HEAD` (GitHub's three-dot diff). A test may push to
HEAD between runs: stored review comments are then moved through `git diff
old new -- path` when their line is unchanged, and are outdated (line and
position null) when it changed or left the diff.

Endpoints (under --prefix when given; the paths are GitHub's):
    GET  /user                             (see the tokens below)
    GET  /repos/o/r/pulls                  state=open|closed|all, head=
                                           OWNER:BRANCH, base=, sort=,
                                           direction= (newest first)
    POST /repos/o/r/pulls                  PATCH /repos/o/r/pulls/N
    POST /repos/o/r/pulls/N/requested_reviewers
    GET  /repos/o/r/pulls/N                (Accept: ...diff gives the diff)
    GET  /repos/o/r/pulls/N/files|commits|comments|reviews   (paginated)
    POST /repos/o/r/pulls/N/reviews        POST .../reviews/ID/events
    GET  /repos/o/r/pulls/N/reviews/ID[/comments]  DELETE .../reviews/ID
    POST /repos/o/r/pulls/N/comments       POST .../comments/ID/replies
    GET|PATCH|DELETE /repos/o/r/pulls/comments/ID
    GET  /repos/o/r/issues                 state=, labels=A,B (all of
                                           them), sort=created|updated|
                                           comments, direction=
    GET  /repos/o/r/issues/N               (a PR has pull_request)
    GET|POST /repos/o/r/issues/N/comments  (issues and PRs alike)
    GET|PATCH|DELETE /repos/o/r/issues/comments/ID
    GET  /repos/o/r/issues/comments        every issue's and PR's
                                           conversation comments
    GET  /repos/o/r/pulls/comments         every PR's review comments
                                           (pending reviews' left out)
         both: since=ISO (updated at or after it, so an old comment
         edited since comes too; 422 when not ISO 8601), sort=created|
         updated (pulls also created_at), direction=asc|desc (asc),
         paginated
    GET|POST /repos/o/r/issues/comments/ID/reactions
    GET|POST /repos/o/r/pulls/comments/ID/reactions
         POST {"content": C} by the token's user: 201 new, 200 when
         that user's C is there already; GET content=C filters;
         paginated. C is one of +1 -1 laugh confused heart hooray
         rocket eyes (else 422). A deleted comment's reactions go too.
    GET|POST /repos/o/r/issues/N/labels    {"labels": [NAME, ...]}
    DELETE /repos/o/r/issues/N/labels/NAME (NAME percent-encoded)
    GET  /repos/o/r/issues/N/events        oldest first
    GET  /repos/o/r/collaborators/LOGIN/permission
    POST /repos/o/r/check-runs             GET|PATCH /repos/o/r/check-runs/ID
    GET  /repos/o/r/check-runs/ID/annotations
    GET  /repos/o/r/commits/REF/check-runs|statuses|status
    POST /repos/o/r/statuses/SHA
Review comments are checked as GitHub checks them (422 with GitHub's
messages): the path must be a file of the PR's diff at commit_id (any of
them: --max-files only caps the listing; a patch over --patch-limit has
no commentable line), `line` must be shown on `side` ('+' or ' ' lines by
new number on RIGHT, '-' or ' ' by old number on LEFT), start_line must
precede it in the same hunk, unknown keys and wrong types are refused,
and the deprecated position may not come with line. Without `event` a
review is PENDING (one per user) and its comments stay unlisted until it
is submitted. Ids start above 2^32, as GitHub's do.
Paginated lists take per_page (default 30, at most 100) and page, and
answer with a Link header as GitHub writes it: absolute URLs on the Host
the client used, in the form /repositories/REPO_ID/..., rels prev, next,
last, first. Those /repositories/ID/... paths are served too.

Every answer carries x-ratelimit-{limit,remaining,reset,used,resource},
x-github-request-id and (JSON) content-type application/json;
charset=utf-8. Requests need a User-Agent (else 403, as GitHub) and an
Accept header, and `Authorization: Bearer T` or `token T` with a known
token (else 401 "Bad credentials"). --readonly-token reads but every
write (comments, labels, pull requests, review requests included) is
403 "Resource not accessible by integration" (a fork PR's GITHUB_TOKEN);
--no-checks-token may do everything but check runs (403).
These are installation tokens, as an Actions GITHUB_TOKEN is: what they
write is by --login (default github-actions[bot], id 41898282), and GET
/user answers them 403 "Resource not accessible by integration", as
GitHub does. --pat-token TOKEN:LOGIN is a personal access token of the
user LOGIN: full rights, its writes are by LOGIN, and GET /user answers
200 with LOGIN. Other users' comments come in through /__control.

Faults (--faults FILE, or POST /__control/faults): a JSON list; the first
entry whose method and path regex (re.search on the path without query)
match, and that is not used up, applies:
    {"method": "POST", "path": "/reviews$", "times": 1, "skip": 0,
     "status": 500, "headers": {"Retry-After": "1"}, "body": {...}}
    {"path": "...", "action": "store_then_drop"}  process and store the
        request, then close the connection without answering
    {"path": "...", "action": "drop"}             close without answering
    {"path": "...", "action": "delay", "ms": 2000} wait, then answer
"times" 0 means forever; "skip" lets the first N matches through. Header
values and string bodies may use {now+N}/{now-N} (Unix time +- N).
A 429 with Retry-After, or GitHub's secondary rate limit (403 with
retry-after and "You have exceeded a secondary rate limit"), are faults.

The request log (--log) is a JSON array rewritten atomically before each
answer is sent. Entries: seq, conn, client_port, method, path (with the
query), headers (lower-cased names), header_list, body, status, and
detail (why a request was refused, when it was).

Control paths (no auth, never faulted):
    GET  /__log        the request log       ANY /__shutdown   stop
    GET  /__state      everything stored: reviews, review_comments (as the
                       API shows them now), issue_comments, check_runs
                       (with all annotations), statuses, deleted ids,
                       issues (number, title, body, user, labels,
                       assignees, state, comments [{id, user, body}],
                       events [{event, label, actor}]) and pulls (number,
                       head, base, title, body, draft, user, state,
                       merged, labels, requested_reviewers), reactions
                       (id, comment, review (bool), user, content)
    POST /__control/reply    {"in_reply_to": ID, "body": s, "user": login}
    POST /__control/comment  {"body": s, "user": login, "pr": N}
    POST /__control/review   {"user": login, "pr": N, <review body>}
    POST /__control/issue-comment  {"issue": N, "user": login, "body": s}
         these four also take "created_at" (default now) and
         "updated_at" (default created_at), ISO 8601, for the comments
         they write
    POST /__control/reaction {"comment": ID, "user": login, "content":
                              "eyes", "review": false (true: a review
                              comment)}
    POST /__control/label    {"issue": N, "label": L, "user": login,
                              "action": "add"|"remove"}
    POST /__control/issue    {"issue": N, "state": "open"|"closed",
                              "assignees": [login, ...], "user": login}
    POST /__control/pull     {"pr": N, "state": "closed"|"open",
                              "merged": true, "user": login}
    POST /__control/faults   [fault, ...]  (replaces the fault list)

For tend stats: GET /repos/o/r/contents/PATH?ref=REF (a file, base64);
every review comment carries GitHub's reactions rollup; POST /graphql
answers the reviewThreads query (isResolved, resolvedBy, the root
comment's databaseId; 100 a page, cursors are offsets; without --prefix
only), and POST /__control/resolve {"comment": ID, "user": login,
"resolved": true} resolves a thread as that person.

Every request is served under one lock, so two clients at once (two tend
jobs of one test) see each other's writes whole.
"""

import argparse
import datetime
import json
import os
import random
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, quote, unquote, urlencode

DOCS = "https://docs.github.com/rest"
API_VERSIONS = ("2022-11-28", "2026-03-10")
BODY_MAX = 65536
ZERO_SHA = "0" * 40
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?"
                     r"(Z|[+-]\d\d:\d\d)$")


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def parse_time(text):
    """An ISO 8601 time as GitHub takes it, as an aware datetime, or None."""
    if not isinstance(text, str) or not TIME_RE.match(text):
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def to_sentence(items):
    """Ruby's Array#to_sentence, which GitHub's messages are built with."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return "%s and %s" % (items[0], items[1])
    return "%s, and %s" % (", ".join(items[:-1]), items[-1])


class ApiError(Exception):
    """An answer other than success: status, JSON body, extra headers."""

    def __init__(self, status, body, headers=None, detail=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.detail = detail


def err(status, message, doc=DOCS, detail=None, **extra):
    body = {"message": message}
    body.update(extra)
    body["documentation_url"] = doc
    body["status"] = str(status)
    return ApiError(status, body, detail=detail)


def not_found():
    return err(404, "Not Found")


def unprocessable(errors, doc=DOCS, detail=None):
    """GitHub's 'simple' 422: a list of message strings."""
    return err(422, "Unprocessable Entity", doc, detail=detail,
               errors=list(errors))


def validation_failed(resource, field, message, code="custom", doc=DOCS):
    return err(422, "Validation Failed", doc, detail=message,
               errors=[{"resource": resource, "code": code,
                        "field": field, "message": message}])


# --- request-body schemas --------------------------------------------------
#
# A small validator with GitHub's wording: unknown keys ("is not a
# permitted key"), missing keys ("wasn't supplied"), wrong types ("For
# 'properties/line', "12" is not an integer."). Schemas are dicts with
# type, properties, required, enum, items, max_items, max_length, nullable.


def S(t, **kw):
    kw["type"] = t
    return kw


def OBJ(props, required=()):
    return {"type": "object", "properties": props,
            "required": list(required)}


SIDE = S("string", enum=["LEFT", "RIGHT"])
REVIEW_COMMENT = OBJ({
    "path": S("string"), "position": S("integer"), "body": S("string"),
    "line": S("integer"), "side": SIDE, "start_line": S("integer"),
    "start_side": SIDE}, ["path", "body"])
SCHEMA_REVIEW = OBJ({
    "commit_id": S("string"), "body": S("string"),
    "event": S("string", enum=["APPROVE", "REQUEST_CHANGES", "COMMENT"]),
    "comments": S("array", items=REVIEW_COMMENT)})
SCHEMA_REVIEW_EVENT = OBJ({
    "body": S("string"),
    "event": S("string", enum=["APPROVE", "REQUEST_CHANGES", "COMMENT"])},
    ["event"])
SCHEMA_SINGLE_COMMENT = OBJ({
    "body": S("string"), "commit_id": S("string"), "path": S("string"),
    "position": S("integer"), "side": SIDE, "line": S("integer"),
    "start_line": S("integer"), "start_side": SIDE,
    "in_reply_to": S("integer"),
    "subject_type": S("string", enum=["line", "file"])},
    ["body", "commit_id", "path"])
SCHEMA_BODY = OBJ({"body": S("string")}, ["body"])
REACTIONS = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket",
             "eyes"]
SCHEMA_REACTION = OBJ({"content": S("string", enum=REACTIONS)},
                      ["content"])
SCHEMA_PR_CREATE = OBJ({
    "title": S("string"), "head": S("string"), "head_repo": S("string"),
    "base": S("string"), "body": S("string", nullable=True),
    "maintainer_can_modify": S("boolean"), "draft": S("boolean")},
    ["head", "base"])
SCHEMA_PR_UPDATE = OBJ({
    "title": S("string"), "body": S("string", nullable=True),
    "state": S("string", enum=["open", "closed"]), "base": S("string"),
    "maintainer_can_modify": S("boolean")})
SCHEMA_REVIEWERS = OBJ({
    "reviewers": S("array", items=S("string")),
    "team_reviewers": S("array", items=S("string"))})
SCHEMA_LABELS = OBJ({
    "labels": S("array", items=S("string"), max_items=100)}, ["labels"])
CONCLUSIONS = ["action_required", "cancelled", "failure", "neutral",
               "success", "skipped", "timed_out"]
ANNOTATION = OBJ({
    "path": S("string"), "start_line": S("integer"),
    "end_line": S("integer"), "start_column": S("integer"),
    "end_column": S("integer"),
    "annotation_level": S("string", enum=["notice", "warning", "failure"]),
    "message": S("string", max_length=65535),
    "title": S("string", max_length=255),
    "raw_details": S("string", max_length=65535)},
    ["path", "start_line", "end_line", "annotation_level", "message"])
IMAGE = OBJ({"alt": S("string"), "image_url": S("string"),
             "caption": S("string")}, ["alt", "image_url"])
ACTION = OBJ({"label": S("string", max_length=20),
              "description": S("string", max_length=40),
              "identifier": S("string", max_length=20)},
             ["label", "description", "identifier"])


def check_run_schema(create):
    output = OBJ({
        "title": S("string"),
        "summary": S("string", max_length=65535),
        "text": S("string", max_length=65535),
        "annotations": S("array", items=ANNOTATION, max_items=50),
        "images": S("array", items=IMAGE)},
        ["title", "summary"] if create else ["summary"])
    statuses = ["queued", "in_progress", "completed"]
    if not create:
        statuses += ["waiting", "requested", "pending"]
    props = {
        "name": S("string"), "details_url": S("string"),
        "external_id": S("string"), "status": S("string", enum=statuses),
        "started_at": S("string"),
        "conclusion": S("string", enum=CONCLUSIONS + ["stale"]),
        "completed_at": S("string"), "output": output,
        "actions": S("array", items=ACTION, max_items=3)}
    if create:
        props["head_sha"] = S("string")
        return OBJ(props, ["name", "head_sha"])
    return OBJ(props)


SCHEMA_STATUS = OBJ({
    "state": S("string", enum=["error", "failure", "pending", "success"]),
    "target_url": S("string", nullable=True),
    "description": S("string", nullable=True),
    "context": S("string")}, ["state"])

TYPE_NAMES = {"string": "a string", "integer": "an integer",
              "boolean": "a boolean", "array": "an array",
              "object": "an object"}


def type_ok(value, t):
    if t == "string":
        return isinstance(value, str)
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "array":
        return isinstance(value, list)
    if t == "object":
        return isinstance(value, dict)
    return False


def show(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def schema_errors(value, schema, name=None):
    """Every way `value` breaks `schema`, as GitHub words it."""
    out = []
    where = "For 'properties/%s', " % name if name else "For 'items', "
    if value is None and schema.get("nullable"):
        return out
    if not type_ok(value, schema["type"]):
        out.append("%s%s is not %s." % (where, show(value),
                                        TYPE_NAMES[schema["type"]]))
        return out
    if "enum" in schema and value not in schema["enum"]:
        out.append("%s%s is not a member of %s." % (
            where, show(value), json.dumps(schema["enum"])))
    if "max_length" in schema and len(value) > schema["max_length"]:
        out.append("%s%s is longer than %d characters." % (
            where, show(value), schema["max_length"]))
    if schema["type"] == "array":
        if "max_items" in schema and len(value) > schema["max_items"]:
            out.append("%sthe array has %d items, more than the maximum "
                       "of %d." % (where, len(value), schema["max_items"]))
        for item in value:
            out += schema_errors(item, schema["items"])
    if schema["type"] == "object":
        props = schema["properties"]
        extra = [k for k in value if k not in props]
        if len(extra) == 1:
            out.append('"%s" is not a permitted key.' % extra[0])
        elif extra:
            out.append("%s are not permitted keys." %
                       ", ".join('"%s"' % k for k in extra))
        missing = [k for k in schema["required"] if k not in value]
        if len(missing) == 1:
            out.append('"%s" wasn\'t supplied.' % missing[0])
        elif missing:
            out.append("%s weren't supplied." %
                       ", ".join('"%s"' % k for k in missing))
        for k, v in value.items():
            if k in props:
                out += schema_errors(v, props[k], k)
    return out


def validate(value, schema, doc=DOCS):
    errors = schema_errors(value, schema)
    if errors:
        raise err(422, "Invalid request.\n\n" + "\n".join(errors), doc,
                  detail="; ".join(errors))


# --- git -------------------------------------------------------------------


class Git:
    """The repository the pull requests live in. Diffs are cached by the
    pair of commits, which never change meaning."""

    def __init__(self, repo):
        self.repo = repo
        self.files_cache = {}
        self.map_cache = {}
        self.mb_cache = {}
        self.env = dict(os.environ)
        self.env["GIT_LITERAL_PATHSPECS"] = "1"
        self.env["GIT_CONFIG_NOSYSTEM"] = "1"
        self.env.pop("GIT_DIR", None)

    def run(self, *args, check=True):
        p = subprocess.run(
            ["git", "-C", self.repo, "-c", "core.quotepath=false",
             "-c", "diff.noprefix=false", "-c", "diff.mnemonicprefix=false",
             "-c", "diff.suppressBlankEmpty=false", "-c", "color.ui=false",
             "-c", "diff.context=3", "-c", "diff.interHunkContext=0",
             "-c", "diff.algorithm=default"]
            + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        if check and p.returncode != 0:
            raise err(500, "fakegithub: git %s failed: %s" % (
                " ".join(args), p.stderr.decode("utf-8", "replace").strip()))
        return p

    def rev(self, ref):
        p = self.run("rev-parse", "--verify", "-q", ref + "^{commit}",
                     check=False)
        if p.returncode != 0:
            return None
        return p.stdout.decode().strip()

    def commit_exists(self, sha):
        return bool(SHA_RE.match(sha)) and self.rev(sha) == sha

    def merge_base(self, a, b):
        """The merge base of two commits (full SHAs: cached)."""
        if (a, b) in self.mb_cache:
            return self.mb_cache[(a, b)]
        p = self.run("merge-base", a, b, check=False)
        if p.returncode != 0:
            raise err(500, "fakegithub: no merge base of %s and %s" % (a, b))
        if len(self.mb_cache) > 4096:
            self.mb_cache.clear()
        self.mb_cache[(a, b)] = p.stdout.decode().strip()
        return self.mb_cache[(a, b)]

    def commits(self, base, head):
        """Commits in base..head, oldest first."""
        out = self.run("rev-list", "--reverse", "%s..%s" % (base, head))
        return out.stdout.decode().split()

    def message(self, sha):
        return self.run("log", "-1", "--format=%B", sha).stdout.decode(
            "utf-8", "replace")

    def diff_files(self, mb, head):
        key = (mb, head)
        if key not in self.files_cache:
            if len(self.files_cache) > 64:
                self.files_cache.clear()
            self.files_cache[key] = self.compute_files(mb, head)
        return self.files_cache[key]

    def compute_files(self, mb, head):
        common = ["diff", "--no-ext-diff", "--no-textconv", "-M",
                  "--no-color", mb, head]
        raw = self.run(*(common[:1] + ["--raw", "-z", "--no-abbrev"] +
                         common[1:])).stdout
        num = self.run(*(common[:1] + ["--numstat", "-z"] +
                         common[1:])).stdout
        patch = self.run(*(common[:1] + ["-p", "--src-prefix=a/",
                                         "--dst-prefix=b/"] +
                           common[1:])).stdout
        entries = self.parse_raw(raw)
        stats = self.parse_numstat(num)
        sections = self.split_patch(patch)
        if len(entries) != len(stats) or len(entries) != len(sections):
            raise err(500, "fakegithub: cannot line up git's diff outputs "
                      "(%d raw, %d numstat, %d patches)" %
                      (len(entries), len(stats), len(sections)))
        files = []
        for e, st, sec in zip(entries, stats, sections):
            f = dict(e)
            f["binary"] = st is None
            f["additions"], f["deletions"] = st if st else (0, 0)
            f["changes"] = f["additions"] + f["deletions"]
            f["patch"] = None
            if not f["binary"]:
                for i, line in enumerate(sec):
                    if line.startswith("@@"):
                        f["patch"] = "\n".join(sec[i:])
                        break
            f["rows"], f["right"], f["left"] = parse_patch(f["patch"])
            files.append(f)
        return files

    @staticmethod
    def parse_raw(data):
        toks = data.decode("utf-8", "surrogateescape").split("\0")
        out = []
        i = 0
        while i < len(toks) and toks[i]:
            meta = toks[i].lstrip(":").split(" ")
            old_mode, new_mode, old_sha, new_sha, status = meta[:5]
            letter = status[0]
            if letter in "RC":
                old_path, path = toks[i + 1], toks[i + 2]
                i += 3
            else:
                old_path = path = toks[i + 1]
                i += 2
            name = {"A": "added", "D": "removed", "M": "modified",
                    "R": "renamed", "C": "copied", "T": "changed"}.get(
                        letter, "modified")
            if letter == "M" and old_sha == new_sha:
                name = "changed"
            e = {"filename": path, "status": name,
                 "sha": new_sha if new_sha != ZERO_SHA else old_sha,
                 "old_sha": old_sha, "old_mode": old_mode,
                 "new_mode": new_mode}
            if letter in "RC":
                e["previous_filename"] = old_path
            out.append(e)
        return out

    @staticmethod
    def parse_numstat(data):
        toks = data.decode("utf-8", "surrogateescape").split("\0")
        out = []
        i = 0
        while i < len(toks) and toks[i]:
            parts = toks[i].split("\t")
            if len(parts) == 3 and parts[2] == "":
                i += 3          # a rename: old and new path follow
            else:
                i += 1
            if parts[0] == "-":
                out.append(None)
            else:
                out.append((int(parts[0]), int(parts[1])))
        return out

    @staticmethod
    def split_patch(data):
        text = data.decode("utf-8", "replace")
        sections = []
        for line in text.split("\n"):
            if line.startswith("diff --git "):
                sections.append([])
            elif sections:
                sections[-1].append(line)
        for sec in sections:
            while sec and sec[-1] == "":
                sec.pop()
        return sections

    def line_map(self, old, new, old_path, new_path):
        """Hunks (a, b, c, d) of `git diff -U0 old:old_path new:new_path`,
        or None when either side lacks the file."""
        key = (old, new, old_path, new_path)
        if key in self.map_cache:
            return self.map_cache[key]
        if len(self.map_cache) > 4096:
            self.map_cache.clear()
        a = self.run("rev-parse", "-q", "--verify", "%s:%s" % (old, old_path),
                     check=False)
        b = self.run("rev-parse", "-q", "--verify", "%s:%s" % (new, new_path),
                     check=False)
        hunks = None
        if a.returncode == 0 and b.returncode == 0:
            ablob, bblob = a.stdout.decode().strip(), b.stdout.decode().strip()
            hunks = []
            if ablob != bblob:
                out = self.run("diff", "--no-ext-diff", "--no-textconv",
                               "--no-color", "-U0", ablob, bblob).stdout
                for line in out.decode("utf-8", "replace").split("\n"):
                    m = HUNK_RE.match(line)
                    if m:
                        hunks.append((int(m.group(1)),
                                      int(m.group(2) or "1"),
                                      int(m.group(3)),
                                      int(m.group(4) or "1")))
        self.map_cache[key] = hunks
        return hunks


def parse_patch(patch):
    """Rows of a patch indexed by GitHub's position (the first "@@" line is
    0), and maps from new (right) and old (left) line numbers to rows.
    A row is (kind, old_line, new_line, hunk_index)."""
    rows, right, left = [], {}, {}
    if patch is None:
        return rows, right, left
    hunk = -1
    old = new = 0
    for text in patch.split("\n"):
        m = HUNK_RE.match(text)
        if m:
            hunk += 1
            old, new = int(m.group(1)), int(m.group(3))
            rows.append(("@", None, None, hunk))
            continue
        c = text[:1]
        if c == "+":
            right[new] = len(rows)
            rows.append(("+", None, new, hunk))
            new += 1
        elif c == "-":
            left[old] = len(rows)
            rows.append(("-", old, None, hunk))
            old += 1
        elif c == "\\":
            rows.append(("\\", None, None, hunk))
        else:
            right[new] = left[old] = len(rows)
            rows.append((" ", old, new, hunk))
            old += 1
            new += 1
    return rows, right, left


def map_line(hunks, line):
    """Where `line` of the old file is in the new one, or None when the
    diff `hunks` (-U0) touch it."""
    shift = 0
    for a, b, c, d in hunks:
        if b == 0:
            if a >= line:
                break
            shift += d
            continue
        if line < a:
            break
        if line <= a + b - 1:
            return None
        shift += d - b
    return line + shift


# --- the fake --------------------------------------------------------------


class Pull:
    def __init__(self, spec):
        parts = spec.split(":")
        if len(parts) < 3 or not parts[0].isdigit():
            raise SystemExit("fakegithub: bad --pr '%s' (N:BASE:HEAD"
                             "[:fork[:modifiable]][:draft][:closed])" %
                             spec)
        self.number = int(parts[0])
        self.base_ref, self.head_ref = parts[1], parts[2]
        flags = set(parts[3:])
        unknown = flags - {"fork", "modifiable", "draft", "closed"}
        if unknown:
            raise SystemExit("fakegithub: unknown --pr flag %s" %
                             sorted(unknown))
        self.fork = "fork" in flags
        self.draft = "draft" in flags
        self.closed = "closed" in flags
        # GitHub offers "allow edits by maintainers" on forks only.
        self.modifiable = "modifiable" in flags
        if self.modifiable and not self.fork:
            raise SystemExit("fakegithub: --pr '%s': :modifiable needs "
                             ":fork" % spec)
        # None: computed from the first commit (title, body), octocat.
        self.title = self.body = self.user = None
        self.merged = False
        self.last_head = None
        self.requested = []
        self.created_at = "2024-01-01T00:00:00Z"
        self.closed_at = None

    @classmethod
    def created(cls, number, base, head, title, body, user, draft):
        """A pull request opened through POST /pulls."""
        p = cls("%d:%s:%s" % (number, base, head))
        p.title, p.body, p.user, p.draft = title, body, user, draft
        p.created_at = now_iso()
        return p


LEVELS = ("admin", "maintain", "write", "triage", "read", "none")
# The legacy `permission` GitHub answers next to role_name.
LEVEL_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write",
                    "triage": "read", "read": "read", "none": "none"}
ISSUE_KEYS = {"number", "title", "body", "user", "labels", "assignees",
              "state", "created_at", "events", "comments"}


class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.args = args
        self.git = Git(args.repo)
        self.owner, self.name = args.owner, args.name
        self.full_name = "%s/%s" % (args.owner, args.name)
        self.prefix = (args.prefix or "").rstrip("/")
        self.pulls = {}
        for spec in args.pr:
            p = Pull(spec)
            if p.number in self.pulls:
                raise SystemExit("fakegithub: --pr %d given twice" %
                                 p.number)
            self.pulls[p.number] = p
        self.next_id = args.id_base
        # Issues and pull requests share one sequence of numbers; every
        # pull request has an issue record too (labels, assignees,
        # events), marked "_pull", as on GitHub.
        self.issues = {}
        self.labels = {}
        self.issue_comments = []
        for n in sorted(self.pulls):
            self.add_pull_issue(self.pulls[n])
        if args.issues:
            self.load_issues(args.issues)
        self.permissions = {}
        for spec in args.permission:
            login, sep, level = spec.partition("=")
            if not sep or not login or level not in LEVELS:
                raise SystemExit("--permission wants LOGIN=LEVEL, LEVEL "
                                 "one of %s" % ", ".join(LEVELS))
            self.permissions[login.lower()] = level
        self.tokens = {}
        for t in args.token:
            self.tokens[t] = "full"
        for t in args.readonly_token:
            self.tokens[t] = "readonly"
        for t in args.no_checks_token:
            self.tokens[t] = "nochecks"
        # Personal access tokens act as their user; the others are
        # installation tokens (GITHUB_TOKEN) acting as --login.
        self.token_user = {}
        for spec in args.pat_token:
            t, sep, login = spec.partition(":")
            if not sep or not t or not login:
                raise SystemExit("--pat-token wants TOKEN:LOGIN")
            self.tokens[t] = "full"
            self.token_user[t] = login
        self.faults = []
        if args.faults:
            with open(args.faults, encoding="utf-8") as f:
                self.set_faults(json.load(f))
        self.reviews = []
        self.review_comments = []
        self.check_runs = []
        self.statuses = []
        # Reactions to issue comments ("issue") and review comments
        # ("review"): id, _kind, _comment, _user, content, created_at.
        self.reactions = []
        self.deleted = {"issue_comments": [], "review_comments": [],
                        "reviews": []}
        self.log = []
        self.log_path = args.log
        self.next_conn = 0
        self.port = 0
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600

    # -- issues

    def add_pull_issue(self, p):
        self.issues[p.number] = {
            "number": p.number, "_pull": True, "labels": [],
            "assignees": [], "events": [], "locked": False}

    def load_issues(self, path):
        with open(path, encoding="utf-8") as f:
            items = json.load(f)
        if not isinstance(items, list):
            raise SystemExit("fakegithub: --issues %s: not a JSON list" %
                             path)
        for it in items:
            n = it.get("number") if isinstance(it, dict) else None
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise SystemExit("fakegithub: --issues: an issue without "
                                 "a positive number: %r" % (it,))
            extra = set(it) - ISSUE_KEYS
            if extra:
                raise SystemExit("fakegithub: --issues: #%d: unknown keys "
                                 "%s" % (n, sorted(extra)))
            if n in self.issues:
                raise SystemExit("fakegithub: --issues: #%d is taken (by "
                                 "a pull request or another issue: they "
                                 "share numbers)" % n)
            state = it.get("state", "open")
            if state not in ("open", "closed"):
                raise SystemExit("fakegithub: --issues: #%d: state %r" %
                                 (n, state))
            rec = {"number": n, "_pull": False,
                   "title": it.get("title", "Issue %d" % n),
                   "body": it.get("body"), "_user": it.get("user", "alice"),
                   "labels": list(it.get("labels", [])),
                   "assignees": list(it.get("assignees", [])),
                   "state": state, "locked": False,
                   "created_at": it.get("created_at",
                                        "2024-01-01T00:00:%02dZ" % (n % 60)),
                   "closed_at": None if state == "open" else now_iso(),
                   "events": []}
            for name in rec["labels"]:
                self.label(name)
            for e in it.get("events", []):
                if e.get("event") not in ("labeled", "unlabeled") or \
                        not e.get("label") or not e.get("actor"):
                    raise SystemExit("fakegithub: --issues: #%d: an event "
                                     "needs event labeled|unlabeled, label "
                                     "and actor" % n)
                self.label(e["label"])
                rec["events"].append({
                    "id": self.new_id(), "event": e["event"],
                    "label": e["label"], "_actor": e["actor"],
                    "created_at": e.get("created_at", rec["created_at"])})
            self.issues[n] = rec
            for c in it.get("comments", []):
                self.issue_comments.append({
                    "id": self.new_id(), "_pr": n,
                    "_user": c.get("user", "alice"),
                    "body": c.get("body", ""), "_created": now_iso(),
                    "_updated": now_iso()})

    def next_number(self):
        return max([0] + list(self.issues) + list(self.pulls)) + 1

    def issue_rec(self, number):
        rec = self.issues.get(int(number))
        if rec is None:
            raise not_found()
        return rec

    def label(self, name):
        """The repository's label `name` (case-insensitive), created when
        new."""
        for k, v in self.labels.items():
            if k.lower() == name.lower():
                return v
        lb = {"id": 200000000 + len(self.labels) + 1, "name": name,
              "color": "%06x" % (sum(map(ord, name)) * 2654435761 %
                                 0xffffff)}
        self.labels[name] = lb
        return lb

    def add_event(self, rec, event, actor, label=None, assignee=None):
        rec["events"].append({"id": self.new_id(), "event": event,
                              "label": label, "_actor": actor,
                              "assignee": assignee,
                              "created_at": now_iso()})

    def level(self, login):
        """A user's role on the repository, or None for a user GitHub
        does not know. --login and --pat-token users write."""
        if login is None:
            return None
        lv = self.permissions.get(login.lower())
        if lv is not None:
            return lv
        known = [self.args.login] + list(self.token_user.values())
        if any(k.lower() == login.lower() for k in known):
            return "write"
        return None

    # -- bookkeeping

    def set_faults(self, faults):
        if not isinstance(faults, list):
            raise ValueError("faults must be a JSON list")
        for f in faults:
            f["_seen"] = 0
            f["_used"] = 0
        self.faults = faults

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def new_conn(self):
        with self.lock:
            self.next_conn += 1
            return self.next_conn

    def record(self, entry):
        with self.lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)
            if self.log_path:
                tmp = self.log_path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as f:
                    json.dump(self.log, f, indent=1)
                os.replace(tmp, self.log_path)

    def match_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                times = f.get("times", 1)
                if times and f["_used"] >= times:
                    continue
                if "method" in f and f["method"].upper() != method:
                    continue
                if "path" in f and not re.search(f["path"], path):
                    continue
                f["_seen"] += 1
                if f["_seen"] <= f.get("skip", 0):
                    continue
                f["_used"] += 1
                return f
            return None

    # -- URLs and users

    def api_url(self, host, rest):
        return "http://%s%s/repos/%s%s" % (host, self.prefix, self.full_name,
                                           rest)

    def web_url(self, rest):
        return "%s/%s%s" % (self.args.server_url.rstrip("/"), self.full_name,
                            rest)

    def user(self, login=None):
        login = login or self.args.login
        bot = login.endswith("[bot]")
        uid = 41898282 if login == "github-actions[bot]" else \
            100000 + sum(map(ord, login))
        return {"login": login, "id": uid, "node_id": "U_fake%d" % uid,
                "type": "Bot" if bot else "User", "site_admin": False,
                "html_url": "%s/%s" % (self.args.server_url.rstrip("/"),
                                       login)}

    def repo_obj(self, full_name, fork):
        owner = full_name.split("/")[0]
        return {"id": self.args.repo_id if not fork else
                self.args.repo_id + 1,
                "name": full_name.split("/")[1], "full_name": full_name,
                "private": False, "fork": fork,
                "owner": self.user(owner) | {"type": "User"},
                "html_url": self.args.server_url.rstrip("/") + "/" +
                full_name}

    # -- pull request state from git

    def pull(self, number):
        p = self.pulls.get(number)
        if p is None:
            raise not_found()
        return p

    def pr_state(self, p):
        """head, base tip, merge base and files of pull `p` right now."""
        head = self.git.rev("refs/heads/" + p.head_ref) or \
            self.git.rev(p.head_ref)
        if head is None and p.closed:
            # A closed PR outlives its branch, as on GitHub.
            head = p.last_head
        base = self.git.rev("refs/heads/" + p.base_ref) or \
            self.git.rev(p.base_ref)
        if head is None or base is None:
            raise err(500, "fakegithub: branch %s or %s is missing" %
                      (p.base_ref, p.head_ref))
        mb = self.git.merge_base(base, head)
        p.last_head = head
        return head, base, mb

    def files_at(self, p, commit):
        """(merge base, files) of the diff the PR shows at `commit`."""
        _, base, _ = self.pr_state(p)
        mb = self.git.merge_base(base, commit)
        return mb, self.git.diff_files(mb, commit)


def paginate(handler, items):
    """The page of `items` the query asks for, with GitHub's Link header."""
    state = handler.server.state
    q = handler.query_list
    per_page, page = 30, 1
    for k, v in q:
        if k == "per_page":
            try:
                per_page = int(v)
            except ValueError:
                per_page = 30
        elif k == "page":
            try:
                page = int(v)
            except ValueError:
                page = 1
    if per_page < 1:
        per_page = 30
    per_page = min(per_page, 100)
    page = max(page, 1)
    last = max(1, (len(items) + per_page - 1) // per_page)
    chunk = items[(page - 1) * per_page:page * per_page]
    if last > 1 or page > 1:
        host = handler.headers.get("Host") or "127.0.0.1:%d" % state.port
        rest = handler.api_path[len("/repos/%s" % state.full_name):]
        base = "http://%s%s/repositories/%d%s" % (
            host, state.prefix, state.args.repo_id, rest)

        def link(n, rel):
            qq = [(k, v) for k, v in q if k != "page"]
            if any(k == "page" for k, _ in q):
                qq = [(k, str(n) if k == "page" else v) for k, v in q]
            else:
                qq.append(("page", str(n)))
            return '<%s?%s>; rel="%s"' % (base, urlencode(qq), rel)

        links = []
        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        if page > 1:
            links.append(link(1, "first"))
        handler.extra_headers["Link"] = ", ".join(links)
    return chunk


class Api:
    """The REST endpoints. Each handler takes the request handler and the
    regex match, and returns (status, body); errors are ApiError."""

    def __init__(self, state):
        self.s = state
        o = re.escape(state.full_name)
        r = [
            ("GET", r"/pulls", self.pr_list, None),
            ("POST", r"/pulls", self.pr_create, "pulls"),
            ("PATCH", r"/pulls/(\d+)", self.pr_update, "pulls"),
            ("POST", r"/pulls/(\d+)/requested_reviewers", self.pr_request,
             "pulls"),
            ("GET", r"/issues", self.is_list, None),
            ("GET", r"/issues/(\d+)", self.is_get, None),
            ("GET", r"/issues/(\d+)/labels", self.lb_list, None),
            ("POST", r"/issues/(\d+)/labels", self.lb_add, "issues"),
            ("DELETE", r"/issues/(\d+)/labels/([^/]+)", self.lb_remove,
             "issues"),
            ("GET", r"/issues/(\d+)/events", self.ev_list, None),
            ("GET", r"/collaborators/([^/]+)/permission", self.perm_get,
             None),
            ("GET", r"/pulls/(\d+)", self.pr_get, None),
            ("GET", r"/pulls/(\d+)/files", self.pr_files, None),
            ("GET", r"/pulls/(\d+)/commits", self.pr_commits, None),
            ("GET", r"/pulls/(\d+)/comments", self.rc_list, None),
            ("POST", r"/pulls/(\d+)/comments", self.rc_create, "pulls"),
            ("POST", r"/pulls/(\d+)/comments/(\d+)/replies", self.rc_reply,
             "pulls"),
            ("GET", r"/pulls/comments/(\d+)", self.rc_get, None),
            ("PATCH", r"/pulls/comments/(\d+)", self.rc_edit, "pulls"),
            ("DELETE", r"/pulls/comments/(\d+)", self.rc_delete, "pulls"),
            ("GET", r"/pulls/(\d+)/reviews", self.rv_list, None),
            ("POST", r"/pulls/(\d+)/reviews", self.rv_create, "pulls"),
            ("GET", r"/pulls/(\d+)/reviews/(\d+)", self.rv_get, None),
            ("DELETE", r"/pulls/(\d+)/reviews/(\d+)", self.rv_delete,
             "pulls"),
            ("POST", r"/pulls/(\d+)/reviews/(\d+)/events", self.rv_submit,
             "pulls"),
            ("GET", r"/pulls/(\d+)/reviews/(\d+)/comments",
             self.rv_comments, None),
            ("GET", r"/issues/(\d+)/comments", self.ic_list, None),
            ("POST", r"/issues/(\d+)/comments", self.ic_create, "issues"),
            ("GET", r"/issues/comments", self.ic_repo_list, None),
            ("GET", r"/pulls/comments", self.rc_repo_list, None),
            ("GET", r"/issues/comments/(\d+)/reactions", self.re_list_ic,
             None),
            ("POST", r"/issues/comments/(\d+)/reactions", self.re_add_ic,
             "issues"),
            ("GET", r"/pulls/comments/(\d+)/reactions", self.re_list_rc,
             None),
            ("POST", r"/pulls/comments/(\d+)/reactions", self.re_add_rc,
             "pulls"),
            ("GET", r"/issues/comments/(\d+)", self.ic_get, None),
            ("PATCH", r"/issues/comments/(\d+)", self.ic_edit, "issues"),
            ("DELETE", r"/issues/comments/(\d+)", self.ic_delete, "issues"),
            ("POST", r"/check-runs", self.cr_create, "checks"),
            ("GET", r"/check-runs/(\d+)", self.cr_get, "checks-read"),
            ("PATCH", r"/check-runs/(\d+)", self.cr_update, "checks"),
            ("GET", r"/check-runs/(\d+)/annotations", self.cr_annotations,
             "checks-read"),
            ("GET", r"/commits/([^/]+)/check-runs", self.cr_for_ref,
             "checks-read"),
            ("POST", r"/statuses/([^/]+)", self.st_create, "statuses"),
            ("GET", r"/commits/([^/]+)/statuses", self.st_list, None),
            ("GET", r"/commits/([^/]+)/status", self.st_combined, None),
            # -- outcomes (tend stats)
            ("GET", r"/contents/(.+)", self.ct_get, None),
        ]
        self.routes = [(m, re.compile("^/repos/%s%s$" % (o, p)), fn, perm)
                       for m, p, fn, perm in r]

    # -- dispatch

    def handle(self, h):
        for method, rx, fn, perm in self.routes:
            m = rx.match(h.api_path)
            if m and method == h.command:
                self.authorize(h, perm)
                return fn(h, *m.groups())
        raise not_found()

    def authorize(self, h, perm):
        role = h.role
        if perm is None:
            return
        if perm.startswith("checks") and role == "nochecks":
            raise self.forbidden("checks=" + ("read" if perm.endswith(
                "read") else "write"))
        if perm == "checks-read":
            return
        if role == "readonly":
            raise self.forbidden({
                "pulls": "pull_requests=write",
                "issues": "issues=write; pull_requests=write",
                "checks": "checks=write",
                "statuses": "statuses=write"}[perm])

    @staticmethod
    def forbidden(permission):
        e = err(403, "Resource not accessible by integration",
                DOCS + "/overview/permissions-required-for-github-apps",
                detail="token may not do this (needs %s)" % permission)
        e.headers["X-Accepted-GitHub-Permissions"] = permission
        return e

    # -- helpers

    @staticmethod
    def body_json(h):
        if not h.body.strip():
            return {}
        try:
            value = json.loads(h.body.decode("utf-8"),
                               parse_constant=lambda c: 1 / 0)
        except (ValueError, ZeroDivisionError, UnicodeDecodeError):
            raise err(400, "Problems parsing JSON",
                      detail="the request body is not JSON")
        if not isinstance(value, dict):
            raise err(400, "Problems parsing JSON",
                      detail="the request body is not a JSON object")
        return value

    def find(self, items, ident):
        ident = int(ident)
        for it in items:
            if it["id"] == ident:
                return it
        raise not_found()

    def check_body_len(self, text, resource, doc=DOCS):
        if text is not None and len(text) > BODY_MAX:
            raise validation_failed(
                resource, "body", "body is too long (maximum is %d "
                "characters)" % BODY_MAX, doc=doc)

    # -- pull requests

    # The keys of a full pull request that the list (GitHub's
    # pull-request-simple) leaves out.
    FULL_ONLY = ("merged", "mergeable", "rebaseable", "mergeable_state",
                 "comments", "review_comments", "maintainer_can_modify",
                 "commits", "additions", "deletions", "changed_files")

    def pr_list(self, h):
        s = self.s
        q = dict(h.query_list)
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_failed("Issue", "state", "invalid")
        sort = q.get("sort", "created")
        if sort not in ("created", "updated", "popularity", "long-running"):
            raise validation_failed("Issue", "sort", "invalid")
        direction = q.get("direction", "desc" if sort == "created" else
                          "asc")
        if direction not in ("asc", "desc"):
            raise validation_failed("Issue", "direction", "invalid")
        owner, ref = None, None
        if "head" in q:
            owner, _, ref = q["head"].partition(":")
        out = []
        # Numbers grow with creation: they order the list.
        for n in sorted(s.pulls, reverse=direction == "desc"):
            p = s.pulls[n]
            if state != "all" and (state == "closed") != p.closed:
                continue
            head_owner = "forker" if p.fork else s.owner
            if owner is not None and (owner.lower() != head_owner.lower()
                                      or ref != p.head_ref):
                continue
            if "base" in q and q["base"] != p.base_ref:
                continue
            head, base, mb = s.pr_state(p)
            j = self.pr_json(h, p, head, base, mb)
            out.append({k: v for k, v in j.items()
                        if k not in self.FULL_ONLY})
        return 200, paginate(h, out)

    def pr_get(self, h, number):
        s = self.s
        p = s.pull(int(number))
        head, base, mb = s.pr_state(p)
        accept = h.headers.get("Accept", "")
        if re.search(r"application/vnd\.github(\.v3)?\.diff", accept):
            files = s.git.diff_files(mb, head)
            if len(files) > 300:
                raise err(406, "Sorry, the diff exceeded the maximum number "
                          "of files (300). Consider using 'List pull "
                          "requests files' API or locally cloning the "
                          "repository instead.",
                          DOCS + "/pulls/pulls#list-pull-requests-files",
                          errors=[{"resource": "PullRequest",
                                   "field": "diff", "code": "too_large"}])
            text = s.git.run("diff", "--no-ext-diff", "--no-textconv", "-M",
                             "--no-color", "--src-prefix=a/",
                             "--dst-prefix=b/", mb, head).stdout
            h.content_type = "application/vnd.github.diff; charset=utf-8"
            h.extra_headers["X-GitHub-Media-Type"] = \
                "github.v3; param=diff; format=diff"
            return 200, text
        return 200, self.pr_json(h, p, head, base, mb)

    def pr_json(self, h, p, head, base, mb):
        s = self.s
        host = h.host()
        commits = s.git.commits(mb, head)
        title, body = self.pr_title_body(p, commits)
        files = s.git.diff_files(mb, head)
        head_repo = ("forker/%s" % s.name) if p.fork else s.full_name
        n = p.number
        return {
            "url": s.api_url(host, "/pulls/%d" % n),
            "id": 700000000 + n, "node_id": "PR_kwfake%d" % n,
            "html_url": s.web_url("/pull/%d" % n),
            "diff_url": s.web_url("/pull/%d.diff" % n),
            "patch_url": s.web_url("/pull/%d.patch" % n),
            "issue_url": s.api_url(host, "/issues/%d" % n),
            "number": n, "state": "closed" if p.closed else "open",
            "locked": False, "title": title, "body": body,
            "user": s.user(p.user or "octocat"), "draft": p.draft,
            "created_at": p.created_at, "updated_at": now_iso(),
            "closed_at": p.closed_at,
            "merged_at": p.closed_at if p.merged else None,
            "merge_commit_sha": head if p.merged else None,
            "labels": [self.label_json(h, x)
                       for x in s.issues[n]["labels"]],
            "assignees": [s.user(x) for x in s.issues[n]["assignees"]],
            "requested_reviewers": [s.user(x) for x in p.requested],
            "requested_teams": [],
            "head": {"label": "%s:%s" % (head_repo.split("/")[0],
                                         p.head_ref),
                     "ref": p.head_ref, "sha": head,
                     "user": s.user(head_repo.split("/")[0]),
                     "repo": s.repo_obj(head_repo, p.fork)},
            "base": {"label": "%s:%s" % (s.owner, p.base_ref),
                     "ref": p.base_ref, "sha": base,
                     "user": s.user(s.owner),
                     "repo": s.repo_obj(s.full_name, False)},
            "author_association": "CONTRIBUTOR",
            "merged": p.merged, "mergeable": True, "rebaseable": True,
            "mergeable_state": "clean",
            "comments": len([c for c in s.issue_comments
                             if c["_pr"] == n]),
            "review_comments": len([
                c for c in s.review_comments if c["_pr"] == n and
                c["_review"] not in self.pending_ids()]),
            "maintainer_can_modify": p.modifiable,
            "commits": len(commits),
            "additions": sum(f["additions"] for f in files),
            "deletions": sum(f["deletions"] for f in files),
            "changed_files": len(files),
        }

    def pr_title_body(self, p, commits=None):
        """What the PR says: stored (opened or edited through the API), or
        its first commit's message."""
        if p.title is not None:
            return p.title, p.body
        if commits is None:
            head, _, mb = self.s.pr_state(p)
            commits = self.s.git.commits(mb, head)
        title, body = "PR %d" % p.number, None
        if commits:
            msg = self.s.git.message(commits[0]).strip("\n").split("\n", 1)
            title = msg[0]
            if len(msg) > 1 and msg[1].strip():
                body = msg[1].strip("\n")
        if p.body is not None:
            body = p.body
        return title, body

    def open_twin(self, p, head_ref, base_ref):
        """Another open pull request with this head and base, or None."""
        for q in self.s.pulls.values():
            if q is not p and not q.closed and not q.fork and \
                    q.head_ref == head_ref and q.base_ref == base_ref:
                return q
        return None

    def exists_error(self, head_ref, doc):
        return err(422, "Validation Failed", doc,
                   detail="an open pull request has this head and base",
                   errors=[{"resource": "PullRequest", "code": "custom",
                            "message": "A pull request already exists for "
                            "%s:%s." % (self.s.owner, head_ref)}])

    def pr_create(self, h):
        s = self.s
        doc = DOCS + "/pulls/pulls#create-a-pull-request"
        data = self.body_json(h)
        validate(data, SCHEMA_PR_CREATE, doc)
        if "title" not in data:
            raise err(422, "Validation Failed", doc, detail="no title",
                      errors=[{"resource": "PullRequest",
                               "code": "missing_field", "field": "title"}])
        self.check_body_len(data.get("body"), "PullRequest", doc)
        owner, sep, head_ref = data["head"].rpartition(":")
        bad = []
        if (sep and owner.lower() != s.owner.lower()) or not head_ref or \
                s.git.rev("refs/heads/" + head_ref) is None:
            bad.append("head")
        if s.git.rev("refs/heads/" + data["base"]) is None:
            bad.append("base")
        if bad:
            raise err(422, "Validation Failed", doc,
                      detail="no branch %s" % " and ".join(
                          "%s '%s'" % (k, data[k]) for k in bad),
                      errors=[{"resource": "PullRequest", "field": k,
                               "code": "invalid"} for k in bad])
        if self.open_twin(None, head_ref, data["base"]):
            raise self.exists_error(head_ref, doc)
        head = s.git.rev("refs/heads/" + head_ref)
        base = s.git.rev("refs/heads/" + data["base"])
        if s.git.merge_base(base, head) == head:
            raise err(422, "Validation Failed", doc,
                      detail="the head has no commit the base lacks",
                      errors=[{"resource": "PullRequest", "code": "custom",
                               "message": "No commits between %s and %s" %
                               (data["base"], head_ref)}])
        p = Pull.created(s.next_number(), data["base"], head_ref,
                         data["title"], data.get("body"), h.login,
                         data.get("draft", False))
        s.pulls[p.number] = p
        s.add_pull_issue(p)
        head, base, mb = s.pr_state(p)
        return 201, self.pr_json(h, p, head, base, mb)

    def pr_update(self, h, number):
        s = self.s
        doc = DOCS + "/pulls/pulls#update-a-pull-request"
        p = s.pull(int(number))
        data = self.body_json(h)
        validate(data, SCHEMA_PR_UPDATE, doc)
        self.check_body_len(data.get("body"), "PullRequest", doc)
        base_ref = data.get("base", p.base_ref)
        if s.git.rev("refs/heads/" + base_ref) is None:
            raise err(422, "Validation Failed", doc, detail="no base branch",
                      errors=[{"resource": "PullRequest", "field": "base",
                               "code": "invalid"}])
        state = data.get("state")
        if state == "open" and p.closed:
            if p.merged:
                raise unprocessable(["state cannot be changed. The pull "
                                     "request has been merged."], doc)
            if self.open_twin(p, p.head_ref, base_ref):
                raise self.exists_error(p.head_ref, doc)
        title, body = self.pr_title_body(p)
        p.title = data.get("title", title)
        p.body = data.get("body", body)
        p.base_ref = base_ref
        if state is not None:
            self.set_pr_state(p, state == "closed", h.login)
        head, base, mb = s.pr_state(p)
        return 200, self.pr_json(h, p, head, base, mb)

    def set_pr_state(self, p, closed, actor, merged=False):
        rec = self.s.issues[p.number]
        self.s.pr_state(p)          # remember its head
        if closed != p.closed:
            self.s.add_event(rec, "closed" if closed else "reopened", actor)
        p.closed = closed
        p.merged = merged and closed
        p.closed_at = now_iso() if closed else None

    def pr_request(self, h, number):
        s = self.s
        doc = DOCS + "/pulls/review-requests#request-reviewers-for-a-pull-" \
            "request"
        p = s.pull(int(number))
        data = self.body_json(h)
        validate(data, SCHEMA_REVIEWERS, doc)
        author = (p.user or "octocat").lower()
        for login in data.get("reviewers", []):
            if login.lower() == author:
                raise err(422, "Review cannot be requested from pull "
                          "request author.", doc,
                          detail="%s is the author" % login)
            if s.level(login) in (None, "none"):
                raise err(422, "Reviews may only be requested from "
                          "collaborators. One or more of the users or teams "
                          "you specified is not a collaborator of the %s "
                          "repository." % s.full_name, doc,
                          detail="%s has no read permission" % login)
        if data.get("team_reviewers"):
            raise unprocessable(["Could not resolve to a node with the "
                                 "global id of '%s'." %
                                 data["team_reviewers"][0]], doc)
        for login in data.get("reviewers", []):
            if login.lower() not in [x.lower() for x in p.requested]:
                p.requested.append(login)
        head, base, mb = s.pr_state(p)
        return 201, self.pr_json(h, p, head, base, mb)

    # -- issues, labels, events, permissions

    def label_json(self, h, name):
        s = self.s
        lb = s.label(name)
        host = h.host() if h else "127.0.0.1:%d" % s.port
        return {"id": lb["id"], "node_id": "LA_kwfake%d" % lb["id"],
                "url": s.api_url(host, "/labels/%s" % quote(lb["name"],
                                                             safe="")),
                "name": lb["name"], "color": lb["color"], "default": False,
                "description": None}

    def issue_json(self, h, rec):
        s = self.s
        host = h.host() if h else "127.0.0.1:%d" % s.port
        n = rec["number"]
        if rec["_pull"]:
            p = s.pulls[n]
            title, body = self.pr_title_body(p)
            user, state = p.user or "octocat", \
                "closed" if p.closed else "open"
            created, closed = p.created_at, p.closed_at
        else:
            title, body, user, state = rec["title"], rec["body"], \
                rec["_user"], rec["state"]
            created, closed = rec["created_at"], rec["closed_at"]
        kind = "pull" if rec["_pull"] else "issues"
        out = {
            "url": s.api_url(host, "/issues/%d" % n),
            "repository_url": "http://%s%s/repos/%s" % (
                host, s.prefix, s.full_name),
            "labels_url": s.api_url(host, "/issues/%d/labels{/name}" % n),
            "comments_url": s.api_url(host, "/issues/%d/comments" % n),
            "events_url": s.api_url(host, "/issues/%d/events" % n),
            "html_url": s.web_url("/%s/%d" % (kind, n)),
            "id": 500000000 + n, "node_id": "I_kwfake%d" % n,
            "number": n, "title": title, "user": s.user(user),
            "labels": [self.label_json(h, x) for x in rec["labels"]],
            "state": state, "locked": rec["locked"],
            "assignee": s.user(rec["assignees"][0])
            if rec["assignees"] else None,
            "assignees": [s.user(x) for x in rec["assignees"]],
            "milestone": None,
            "comments": len([c for c in s.issue_comments
                             if c["_pr"] == n]),
            "created_at": created, "updated_at": now_iso(),
            "closed_at": closed, "author_association": "CONTRIBUTOR",
            "active_lock_reason": None, "body": body,
            "state_reason": None if state == "open" else "completed",
        }
        if rec["_pull"]:
            p = s.pulls[n]
            out["draft"] = p.draft
            out["pull_request"] = {
                "url": s.api_url(host, "/pulls/%d" % n),
                "html_url": s.web_url("/pull/%d" % n),
                "diff_url": s.web_url("/pull/%d.diff" % n),
                "patch_url": s.web_url("/pull/%d.patch" % n),
                "merged_at": p.closed_at if p.merged else None}
        return out

    def issue_open(self, rec):
        if rec["_pull"]:
            return not self.s.pulls[rec["number"]].closed
        return rec["state"] == "open"

    def is_list(self, h):
        s = self.s
        q = dict(h.query_list)
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_failed("Issue", "state", "invalid")
        sort = q.get("sort", "created")
        if sort not in ("created", "updated", "comments"):
            raise validation_failed("Issue", "sort", "invalid")
        direction = q.get("direction", "desc")
        if direction not in ("asc", "desc"):
            raise validation_failed("Issue", "direction", "invalid")
        want = [x.strip().lower() for x in q.get("labels", "").split(",")
                if x.strip()]
        recs = []
        for rec in s.issues.values():
            if state != "all" and (state == "open") != self.issue_open(rec):
                continue
            have = [x.lower() for x in rec["labels"]]
            if any(x not in have for x in want):
                continue
            recs.append(rec)
        items = [self.issue_json(h, r) for r in recs]
        if sort == "comments":
            items.sort(key=lambda i: (i["comments"], i["number"]))
        else:
            # "updated" is now for all: creation order stands in.
            items.sort(key=lambda i: (i["created_at"], i["number"]))
        if direction == "desc":
            items.reverse()
        return 200, paginate(h, items)

    def is_get(self, h, number):
        return 200, self.issue_json(h, self.s.issue_rec(number))

    def lb_list(self, h, number):
        rec = self.s.issue_rec(number)
        return 200, paginate(h, [self.label_json(h, x)
                                 for x in rec["labels"]])

    def add_label(self, rec, name, actor):
        lb = self.s.label(name)
        if lb["name"].lower() in [x.lower() for x in rec["labels"]]:
            return
        rec["labels"].append(lb["name"])
        self.s.add_event(rec, "labeled", actor, label=lb["name"])

    def remove_label(self, rec, name):
        """Take label `name` off; False when the issue lacks it."""
        for x in rec["labels"]:
            if x.lower() == name.lower():
                rec["labels"].remove(x)
                return x
        return None

    def lb_add(self, h, number):
        doc = DOCS + "/issues/labels#add-labels-to-an-issue"
        rec = self.s.issue_rec(number)
        data = self.body_json(h)
        validate(data, SCHEMA_LABELS, doc)
        for name in data["labels"]:
            if not name.strip() or len(name) > 50:
                raise validation_failed("Label", "name", "name is invalid "
                                        "(1 to 50 characters)", "invalid",
                                        doc)
        for name in data["labels"]:
            self.add_label(rec, name, h.login)
        return 200, [self.label_json(h, x) for x in rec["labels"]]

    def lb_remove(self, h, number, name):
        doc = DOCS + "/issues/labels#remove-a-label-from-an-issue"
        rec = self.s.issue_rec(number)
        gone = self.remove_label(rec, unquote(name))
        if gone is None:
            raise err(404, "Label does not exist", doc,
                      detail="issue %d has no label '%s'" % (
                          rec["number"], unquote(name)))
        self.s.add_event(rec, "unlabeled", h.login, label=gone)
        return 200, [self.label_json(h, x) for x in rec["labels"]]

    def ev_json(self, h, rec, e):
        s = self.s
        host = h.host() if h else "127.0.0.1:%d" % s.port
        out = {"id": e["id"], "node_id": "LE_kwfake%d" % e["id"],
               "url": s.api_url(host, "/issues/events/%d" % e["id"]),
               "actor": s.user(e["_actor"]) if e["_actor"] else None,
               "event": e["event"], "commit_id": None, "commit_url": None,
               "created_at": e["created_at"],
               "performed_via_github_app": None}
        if e.get("label"):
            out["label"] = {"name": e["label"],
                            "color": s.label(e["label"])["color"]}
        if e.get("assignee"):
            out["assignee"] = s.user(e["assignee"])
            out["assigner"] = out["actor"]
        return out

    def ev_list(self, h, number):
        rec = self.s.issue_rec(number)
        return 200, paginate(h, [self.ev_json(h, rec, e)
                                 for e in rec["events"]])

    def perm_get(self, h, login):
        s = self.s
        login = unquote(login)
        level = s.level(login)
        if level is None:
            raise err(404, "Not Found", DOCS + "/collaborators/collaborators"
                      "#get-repository-permissions-for-a-user",
                      detail="no user '%s'" % login)
        user = s.user(login)
        user["permissions"] = {
            "admin": level == "admin",
            "maintain": level in ("admin", "maintain"),
            "push": level in ("admin", "maintain", "write"),
            "triage": level in ("admin", "maintain", "write", "triage"),
            "pull": level != "none"}
        user["role_name"] = level
        return 200, {"permission": LEVEL_PERMISSION[level],
                     "role_name": level, "user": user}

    def pr_files(self, h, number):
        s = self.s
        p = s.pull(int(number))
        head, _, mb = s.pr_state(p)
        files = s.git.diff_files(mb, head)[:s.args.max_files]
        out = []
        for f in paginate(h, files):
            e = {"sha": f["sha"], "filename": f["filename"],
                 "status": f["status"], "additions": f["additions"],
                 "deletions": f["deletions"], "changes": f["changes"],
                 "blob_url": s.web_url("/blob/%s/%s" % (
                     head, quote(f["filename"]))),
                 "raw_url": s.web_url("/raw/%s/%s" % (
                     head, quote(f["filename"]))),
                 "contents_url": s.api_url(h.host(), "/contents/%s?ref=%s" % (
                     quote(f["filename"]), head))}
            patch = f["patch"]
            if patch is not None and \
                    len(patch.encode("utf-8")) <= s.args.patch_limit:
                e["patch"] = patch
            if "previous_filename" in f:
                e["previous_filename"] = f["previous_filename"]
            out.append(e)
        return 200, out

    def pr_commits(self, h, number):
        s = self.s
        p = s.pull(int(number))
        head, _, mb = s.pr_state(p)
        out = []
        for sha in s.git.commits(mb, head)[:250]:
            parents = s.git.run("log", "-1", "--format=%P", sha).stdout
            out.append({"sha": sha, "node_id": "C_fake" + sha[:12],
                        "commit": {"message": s.git.message(sha).rstrip(
                            "\n")},
                        "parents": [{"sha": x} for x in
                                    parents.decode().split()]})
        return 200, paginate(h, out)

    # -- review comments

    def shown_files(self, p, commit):
        """The files of the PR diff at `commit` comments may anchor on, by
        name. All of them, not only the --max-files the listing shows (that
        limit is the listing's), but a patch over --patch-limit counts as
        no patch: the client cannot know its lines."""
        mb, files = self.s.files_at(p, commit)
        out = {}
        for f in files:
            if f["patch"] is not None and \
                    len(f["patch"].encode("utf-8")) > self.s.args.patch_limit:
                f = dict(f, rows=[], right={}, left={})
            out[f["filename"]] = f
        return mb, out

    def anchor(self, files, c):
        """Resolve one review comment (path, line, side, start_line,
        start_side, or the deprecated position) against the diff `files`.
        Returns (anchor, None, None), or (None, GitHub's messages, what is
        wrong in plain words) when GitHub would refuse it."""
        f = files.get(c["path"])
        if f is None:
            return None, ["Pull request review thread path is invalid",
                          "Pull request review thread diff hunk can't be "
                          "blank"], "path '%s' is not in the diff" % c["path"]
        if c.get("subject_type") == "file":
            return {"path": c["path"], "subject_type": "file", "line": None,
                    "side": None, "start_line": None, "start_side": None,
                    "position": None}, None, None
        if "position" in c:
            if "line" in c or "start_line" in c:
                return None, ["Pull request review thread position and "
                              "line cannot both be set"], \
                    "deprecated position given together with line"
            pos = c["position"]
            if pos < 1 or pos >= len(f["rows"]) or \
                    f["rows"][pos][0] in "@\\":
                return None, ["Pull request review thread position is "
                              "invalid", "Pull request review thread diff "
                              "hunk can't be blank"], \
                    "position %d is not a line of the patch" % pos
            kind, old, new, _ = f["rows"][pos]
            side = "LEFT" if kind == "-" else "RIGHT"
            return {"path": c["path"], "line": new if new else old,
                    "side": side, "start_line": None, "start_side": None,
                    "position": pos, "subject_type": "line"}, None, None
        if "line" not in c:
            return None, ["Pull request review thread diff hunk can't be "
                          "blank"], "no line and no position"
        side = c.get("side", "RIGHT")
        table = f["right"] if side == "RIGHT" else f["left"]
        line = c["line"]
        if line not in table:
            return None, ["Pull request review thread line must be part of "
                          "the diff", "Pull request review thread diff hunk "
                          "can't be blank"], \
                "line %d (%s) of '%s' is not in the diff" % (
                    line, side, c["path"])
        pos = table[line]
        a = {"path": c["path"], "line": line, "side": side,
             "start_line": None, "start_side": None, "position": pos,
             "subject_type": "line"}
        if "start_line" in c or "start_side" in c:
            if "start_line" not in c:
                return None, ["Pull request review thread start line must "
                              "be part of the diff"], \
                    "start_side without start_line"
            start_side = c.get("start_side", side)
            start = c["start_line"]
            stable = f["right"] if start_side == "RIGHT" else f["left"]
            if start not in stable:
                return None, ["Pull request review thread start line must "
                              "be part of the diff"], \
                    "start_line %d (%s) of '%s' is not in the diff" % (
                        start, start_side, c["path"])
            spos = stable[start]
            if spos >= pos or (start_side == side and start >= line):
                return None, ["Pull request review thread start line must "
                              "precede the end line."], \
                    "start_line %d does not precede line %d" % (start, line)
            if f["rows"][spos][3] != f["rows"][pos][3]:
                return None, ["Pull request review thread start line must "
                              "be part of the same hunk as the line."], \
                    "start_line %d and line %d are in different hunks" % (
                        start, line)
            a["start_line"], a["start_side"] = start, start_side
        return a, None, None

    def diff_hunk(self, f, pos):
        rows = f["patch"].split("\n")
        start = pos
        while start > 0 and not rows[start].startswith("@@"):
            start -= 1
        return "\n".join(rows[start:pos + 1])

    def new_review_comment(self, p, review_id, commit, files, a, body,
                           user, reply_to=None):
        s = self.s
        f = files[a["path"]]
        c = {"id": s.new_id(), "_pr": p.number, "_review": review_id,
             "_reply_to": reply_to, "_user": user, "body": body,
             "_path": a["path"], "_line": a["line"], "_side": a["side"],
             "_start_line": a["start_line"], "_start_side": a["start_side"],
             "_position": a["position"], "_commit": commit,
             "_old_path": f.get("previous_filename", a["path"]),
             "_subject": a.get("subject_type", "line"),
             "_hunk": self.diff_hunk(f, a["position"])
             if a["position"] is not None else "",
             "_created": now_iso()}
        c["_updated"] = c["_created"]
        s.review_comments.append(c)
        return c

    def current_anchor(self, c, p, head, base, files_now, mb_now):
        """Where stored comment `c` sits in today's diff: (line, start_line,
        position) or None when outdated."""
        s = self.s
        root = c
        if c["_reply_to"] is not None:
            for r in s.review_comments:
                if r["id"] == c["_reply_to"]:
                    root = r
        f = files_now.get(root["_path"])
        if f is None:
            return None
        if root["_subject"] == "file":
            return (None, None, None)
        if root["_commit"] == head:
            lines = (root["_line"], root["_start_line"])
        else:
            old_mb = s.git.merge_base(base, root["_commit"])
            lines = []
            for ln, side in ((root["_line"], root["_side"]),
                             (root["_start_line"], root["_start_side"])):
                if ln is None:
                    lines.append(None)
                    continue
                if side == "RIGHT":
                    hunks = s.git.line_map(root["_commit"], head,
                                           root["_path"], root["_path"])
                else:
                    hunks = s.git.line_map(old_mb, mb_now, root["_old_path"],
                                           f.get("previous_filename",
                                                 root["_path"]))
                moved = map_line(hunks, ln) if hunks is not None else None
                if moved is None:
                    return None
                lines.append(moved)
        line, start = lines
        table = f["right"] if root["_side"] == "RIGHT" else f["left"]
        if line not in table:
            return None
        if start is not None:
            stable = f["right"] if root["_start_side"] == "RIGHT" \
                else f["left"]
            if start not in stable or \
                    f["rows"][stable[start]][3] != f["rows"][table[line]][3]:
                return None
        return (line, start, table[line])

    def rc_json(self, h, c, now=None):
        """A review comment as the API shows it. `now` caches the PR's
        current diff per pull request number."""
        s = self.s
        p = s.pulls[c["_pr"]]
        if now is None:
            now = {}
        if p.number not in now:
            head, base, mb = s.pr_state(p)
            _, files = self.shown_files(p, head)
            now[p.number] = (head, base, mb, files)
        head, base, mb, files = now[p.number]
        cur = self.current_anchor(c, p, head, base, files, mb)
        root = c
        if c["_reply_to"] is not None:
            root = next((r for r in s.review_comments
                         if r["id"] == c["_reply_to"]), c)
        host = h.host() if h else "127.0.0.1:%d" % s.port
        out = {
            "url": s.api_url(host, "/pulls/comments/%d" % c["id"]),
            "pull_request_review_id": c["_review"], "id": c["id"],
            "node_id": "PRRC_kwfake%d" % c["id"],
            "diff_hunk": root["_hunk"], "path": root["_path"],
            "position": cur[2] if cur else None,
            "original_position": root["_position"],
            "commit_id": head if cur else root["_commit"],
            "original_commit_id": root["_commit"],
            "user": s.user(c["_user"]), "body": c["body"],
            "created_at": c["_created"], "updated_at": c["_updated"],
            "html_url": s.web_url("/pull/%d#discussion_r%d" % (
                p.number, c["id"])),
            "pull_request_url": s.api_url(host, "/pulls/%d" % p.number),
            "author_association": "CONTRIBUTOR",
            "start_line": cur[1] if cur else None,
            "original_start_line": root["_start_line"],
            "start_side": root["_start_side"],
            "line": cur[0] if cur else None,
            "original_line": root["_line"],
            "side": root["_side"],
            "subject_type": root["_subject"],
            "reactions": self.re_rollup(h, "review", c["id"], host),
        }
        if c["_reply_to"] is not None:
            out["in_reply_to_id"] = c["_reply_to"]
        return out

    def visible_rc(self, h, pr=None, review=None):
        """Review comments of pull `pr`, or of one review. The list of a
        pull request leaves out pending reviews' comments, as GitHub
        does: they are not published yet."""
        s = self.s
        out = []
        now = {}
        pending = self.pending_ids()
        for c in s.review_comments:
            if pr is not None and c["_pr"] != pr:
                continue
            if review is not None and c["_review"] != review:
                continue
            if review is None and c["_review"] in pending:
                continue
            out.append(self.rc_json(h, c, now))
        return out

    def pending_ids(self):
        return {r["id"] for r in self.s.reviews if r["state"] == "PENDING"}

    def rc_list(self, h, number):
        p = self.s.pull(int(number))
        return 200, paginate(h, self.visible_rc(h, pr=p.number))

    def rc_get(self, h, ident):
        return 200, self.rc_json(h, self.find(self.s.review_comments, ident))

    def rc_edit(self, h, ident):
        c = self.find(self.s.review_comments, ident)
        data = self.body_json(h)
        validate(data, SCHEMA_BODY)
        self.check_body_len(data["body"], "PullRequestReviewComment")
        c["body"] = data["body"]
        c["_updated"] = now_iso()
        return 200, self.rc_json(h, c)

    def rc_delete(self, h, ident):
        s = self.s
        c = self.find(s.review_comments, ident)
        s.review_comments.remove(c)
        s.deleted["review_comments"].append(c["id"])
        self.drop_reactions("review", c["id"])
        return 204, None

    def rc_reply(self, h, number, ident):
        s = self.s
        p = s.pull(int(number))
        parent = self.find([c for c in s.review_comments
                            if c["_pr"] == p.number], ident)
        data = self.body_json(h)
        validate(data, SCHEMA_BODY, DOCS + "/pulls/comments#create-a-reply-"
                 "for-a-review-comment")
        self.check_body_len(data["body"], "PullRequestReviewComment")
        return 201, self.rc_json(h, self.add_reply(p, parent, data["body"],
                                                   h.login))

    def add_reply(self, p, parent, body, user):
        s = self.s
        root_id = parent["_reply_to"] or parent["id"]
        review = self.new_review(p, user, "COMMENTED", "",
                                 parent["_commit"])
        c = dict(parent)
        c.update({"id": s.new_id(), "_review": review["id"],
                  "_reply_to": root_id, "_user": user, "body": body,
                  "_created": now_iso()})
        c["_updated"] = c["_created"]
        s.review_comments.append(c)
        return c

    def rc_create(self, h, number):
        s = self.s
        doc = DOCS + "/pulls/comments#create-a-review-comment-for-a-pull-" \
            "request"
        p = s.pull(int(number))
        data = self.body_json(h)
        if "in_reply_to" in data:
            # With in_reply_to, GitHub ignores everything but the body.
            validate(data, dict(SCHEMA_SINGLE_COMMENT, required=["body"]),
                     doc)
            parent = self.find([c for c in s.review_comments
                                if c["_pr"] == p.number],
                               data["in_reply_to"])
            self.check_body_len(data["body"], "PullRequestReviewComment",
                                doc)
            return 201, self.rc_json(h, self.add_reply(
                p, parent, data["body"], h.login))
        validate(data, SCHEMA_SINGLE_COMMENT, doc)
        self.check_body_len(data["body"], "PullRequestReviewComment", doc)
        commit = self.pr_commit(p, data["commit_id"], doc)
        _, files = self.shown_files(p, commit)
        c = {k: v for k, v in data.items() if k not in ("body", "commit_id")}
        a, msgs, detail = self.anchor(files, c)
        if a is None:
            field = "pull_request_review_thread." + (
                "path" if "path is invalid" in msgs[0] else
                "start_line" if "start line" in msgs[0] else "line")
            e = err(422, "Validation Failed", doc, detail=detail,
                    errors=[{"resource": "PullRequestReviewComment",
                             "code": "custom", "field": field,
                             "message": msgs[0].replace(
                                 "Pull request review thread ", "")}])
            raise e
        review = self.new_review(p, h.login, "COMMENTED", "", commit)
        c = self.new_review_comment(p, review["id"], commit, files, a,
                                    data["body"], h.login)
        return 201, self.rc_json(h, c)

    def pr_commit(self, p, commit_id, doc):
        s = self.s
        head, _, mb = s.pr_state(p)
        if commit_id is None:
            return head
        if not SHA_RE.match(commit_id) or \
                commit_id not in s.git.commits(mb, head):
            raise unprocessable(["No commit found for SHA: %s" % commit_id],
                                doc, detail="commit_id %s is not a commit "
                                "of the pull request" % commit_id)
        return commit_id

    # -- reviews

    def new_review(self, p, user, state, body, commit):
        s = self.s
        r = {"id": s.new_id(), "_pr": p.number, "_user": user,
             "state": state, "body": body, "commit_id": commit,
             "submitted_at": None if state == "PENDING" else now_iso()}
        s.reviews.append(r)
        return r

    def rv_json(self, h, r):
        s = self.s
        host = h.host() if h else "127.0.0.1:%d" % s.port
        out = {"id": r["id"], "node_id": "PRR_kwfake%d" % r["id"],
               "user": s.user(r["_user"]), "body": r["body"] or "",
               "state": r["state"],
               "html_url": s.web_url("/pull/%d#pullrequestreview-%d" % (
                   r["_pr"], r["id"])),
               "pull_request_url": s.api_url(host, "/pulls/%d" % r["_pr"]),
               "commit_id": r["commit_id"],
               "author_association": "CONTRIBUTOR"}
        if r["submitted_at"]:
            out["submitted_at"] = r["submitted_at"]
        return out

    def rv_list(self, h, number):
        p = self.s.pull(int(number))
        return 200, paginate(h, [self.rv_json(h, r) for r in self.s.reviews
                                 if r["_pr"] == p.number])

    def rv_get(self, h, number, ident):
        p = self.s.pull(int(number))
        r = self.find([r for r in self.s.reviews if r["_pr"] == p.number],
                      ident)
        return 200, self.rv_json(h, r)

    def rv_comments(self, h, number, ident):
        p = self.s.pull(int(number))
        r = self.find([r for r in self.s.reviews if r["_pr"] == p.number],
                      ident)
        return 200, paginate(h, self.visible_rc(h, pr=p.number,
                                                review=r["id"]))

    def rv_delete(self, h, number, ident):
        s = self.s
        p = s.pull(int(number))
        r = self.find([r for r in s.reviews if r["_pr"] == p.number], ident)
        if r["state"] != "PENDING":
            raise unprocessable(["Can not delete a non-pending pull request "
                                 "review"])
        s.reviews.remove(r)
        s.deleted["reviews"].append(r["id"])
        s.review_comments[:] = [c for c in s.review_comments
                                if c["_review"] != r["id"]]
        return 200, self.rv_json(h, r)

    def rv_submit(self, h, number, ident):
        s = self.s
        doc = DOCS + "/pulls/reviews#submit-a-review-for-a-pull-request"
        p = s.pull(int(number))
        r = self.find([r for r in s.reviews if r["_pr"] == p.number], ident)
        data = self.body_json(h)
        validate(data, SCHEMA_REVIEW_EVENT, doc)
        if r["state"] != "PENDING":
            raise unprocessable(["Can not submit a non-pending pull request "
                                 "review"], doc)
        body = data.get("body", r["body"])
        self.check_event(data["event"], body, any(
            c["_review"] == r["id"] for c in s.review_comments), doc)
        r["body"] = body
        r["state"] = {"APPROVE": "APPROVED",
                      "REQUEST_CHANGES": "CHANGES_REQUESTED",
                      "COMMENT": "COMMENTED"}[data["event"]]
        r["submitted_at"] = now_iso()
        return 200, self.rv_json(h, r)

    @staticmethod
    def check_event(event, body, has_comments, doc):
        if event in ("COMMENT", "REQUEST_CHANGES") and not body and \
                not (event == "COMMENT" and has_comments):
            raise unprocessable(["Review body is required for the %s "
                                 "event" % event], doc,
                                detail="%s with an empty body" % event)

    def rv_create(self, h, number, user=None):
        s = self.s
        doc = DOCS + "/pulls/reviews#create-a-review-for-a-pull-request"
        p = s.pull(int(number))
        user = user or h.login
        data = self.body_json(h)
        validate(data, SCHEMA_REVIEW, doc)
        body = data.get("body", "")
        comments = data.get("comments", [])
        self.check_body_len(body, "PullRequestReview", doc)
        for c in comments:
            self.check_body_len(c["body"], "PullRequestReviewComment", doc)
        event = data.get("event")
        if event is None:
            if any(r["state"] == "PENDING" and r["_user"] == user and
                   r["_pr"] == p.number for r in s.reviews):
                raise unprocessable(["User can only have one pending review "
                                     "per pull request"], doc)
        else:
            self.check_event(event, body, bool(comments), doc)
        commit = self.pr_commit(p, data.get("commit_id"), doc)
        _, files = self.shown_files(p, commit)
        anchors, msgs, details = [], [], []
        for i, c in enumerate(comments):
            a, m, detail = self.anchor(files, c)
            if a is None:
                for x in m:
                    if x not in msgs:
                        msgs.append(x)
                details.append("comments[%d]: %s" % (i, detail))
            anchors.append(a)
        if msgs:
            raise unprocessable([to_sentence(msgs)], doc,
                                detail="; ".join(details))
        state = {"APPROVE": "APPROVED", "REQUEST_CHANGES":
                 "CHANGES_REQUESTED", "COMMENT": "COMMENTED",
                 None: "PENDING"}[event]
        r = self.new_review(p, user, state, body, commit)
        for c, a in zip(comments, anchors):
            self.new_review_comment(p, r["id"], commit, files, a, c["body"],
                                    user)
        return 200, self.rv_json(h, r)

    # -- issue comments

    def ic_json(self, h, c):
        s = self.s
        host = h.host() if h else "127.0.0.1:%d" % s.port
        kind = "pull" if c["_pr"] in s.pulls else "issues"
        return {"id": c["id"], "node_id": "IC_kwfake%d" % c["id"],
                "url": s.api_url(host, "/issues/comments/%d" % c["id"]),
                "html_url": s.web_url("/%s/%d#issuecomment-%d" % (
                    kind, c["_pr"], c["id"])),
                "issue_url": s.api_url(host, "/issues/%d" % c["_pr"]),
                "body": c["body"], "user": s.user(c["_user"]),
                "created_at": c["_created"], "updated_at": c["_updated"],
                "author_association": "CONTRIBUTOR"}

    def ic_list(self, h, number):
        rec = self.s.issue_rec(number)
        return 200, paginate(h, [self.ic_json(h, c)
                                 for c in self.s.issue_comments
                                 if c["_pr"] == rec["number"]])

    def ic_get(self, h, ident):
        return 200, self.ic_json(h, self.find(self.s.issue_comments, ident))

    def ic_body(self, h, doc):
        data = self.body_json(h)
        validate(data, SCHEMA_BODY, doc)
        self.check_body_len(data["body"], "IssueComment", doc)
        if not data["body"].strip():
            raise validation_failed("IssueComment", "body", "body cannot be "
                                    "blank", "missing_field", doc)
        return data["body"]

    def add_issue_comment(self, number, body, user):
        """A comment on issue or pull request `number` (the key `_pr`
        names either: they share numbers)."""
        s = self.s
        c = {"id": s.new_id(), "_pr": number, "_user": user, "body": body,
             "_created": now_iso()}
        c["_updated"] = c["_created"]
        s.issue_comments.append(c)
        return c

    def ic_create(self, h, number):
        rec = self.s.issue_rec(number)
        body = self.ic_body(h, DOCS + "/issues/comments#create-an-issue-"
                            "comment")
        return 201, self.ic_json(h, self.add_issue_comment(
            rec["number"], body, h.login))

    def ic_edit(self, h, ident):
        c = self.find(self.s.issue_comments, ident)
        c["body"] = self.ic_body(h, DOCS + "/issues/comments#update-an-"
                                 "issue-comment")
        c["_updated"] = now_iso()
        return 200, self.ic_json(h, c)

    def ic_delete(self, h, ident):
        c = self.find(self.s.issue_comments, ident)
        self.s.issue_comments.remove(c)
        self.s.deleted["issue_comments"].append(c["id"])
        self.drop_reactions("issue", c["id"])
        return 204, None

    # -- the repository's comments, and reactions

    def since_query(self, h, sorts, resource):
        """(since or None, sort key, descending) of a repository-wide
        comment list; 422 for a value GitHub would refuse."""
        q = dict(h.query_list)
        since = None
        if "since" in q:
            since = parse_time(q["since"])
            if since is None:
                raise validation_failed(resource, "since", "invalid",
                                        "invalid")
        sort = q.get("sort", "created")
        if sort not in sorts:
            raise validation_failed(resource, "sort", "invalid", "invalid")
        direction = q.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise validation_failed(resource, "direction", "invalid",
                                    "invalid")
        key = "_updated" if sort == "updated" else "_created"
        return since, key, direction == "desc"

    @staticmethod
    def since_filter(items, since, key, desc):
        """GitHub's `since`: updated at or after it (an old comment
        edited since comes too); ordered by `key`, then id."""
        out = [c for c in items
               if since is None or parse_time(c["_updated"]) >= since]
        out.sort(key=lambda c: (parse_time(c[key]), c["id"]),
                 reverse=desc)
        return out

    def ic_repo_list(self, h):
        since, key, desc = self.since_query(h, ("created", "updated"),
                                            "IssueComment")
        items = self.since_filter(self.s.issue_comments, since, key, desc)
        return 200, paginate(h, [self.ic_json(h, c) for c in items])

    def rc_repo_list(self, h):
        s = self.s
        since, key, desc = self.since_query(
            h, ("created", "updated", "created_at"),
            "PullRequestReviewComment")
        pending = self.pending_ids()
        items = self.since_filter([c for c in s.review_comments
                                   if c["_review"] not in pending],
                                  since, key, desc)
        now = {}
        return 200, paginate(h, [self.rc_json(h, c, now) for c in items])

    # -- outcomes (tend stats): review threads through GraphQL

    def control_resolve(self, data):
        """/__control/resolve {"comment": ID, "user": login, "resolved":
        true}: a person resolves (or unresolves) the thread of review
        comment ID (its root)."""
        s = self.s
        c = self.find(s.review_comments, data.get("comment", 0))
        if c["_reply_to"] is not None:
            c = self.find(s.review_comments, c["_reply_to"])
        on = data.get("resolved", True)
        c["_resolved_by"] = data.get("user", "alice") if on else None
        return 200, {"comment": c["id"], "resolved_by": c["_resolved_by"]}

    def graphql(self, h):
        """POST /graphql: only the reviewThreads query tend stats sends
        (owner, name, number, after); anything else is a GraphQL error,
        as GitHub answers a query it cannot run: 200 with "errors"."""
        s = self.s
        data = self.body_json(h)
        query = data.get("query") if isinstance(data, dict) else None
        var = data.get("variables") or {} if isinstance(data, dict) else {}
        if not isinstance(query, str) or "reviewThreads" not in query:
            return 200, {"errors": [{"message": "fakegithub: only the "
                                     "reviewThreads query is served"}]}
        for k in ("owner", "name", "number"):
            if k not in var:
                return 200, {"errors": [{"message": "Variable $%s of "
                                         "type ... was provided invalid "
                                         "value" % k}]}
        if "%s/%s" % (var["owner"], var["name"]) != s.full_name:
            return 200, {"data": {"repository": None}, "errors": [{
                "type": "NOT_FOUND", "message": "Could not resolve to a "
                "Repository with the name '%s/%s'." % (var["owner"],
                                                       var["name"])}]}
        p = s.pulls.get(var["number"])
        if p is None:
            return 200, {"data": {"repository": {"pullRequest": None}},
                         "errors": [{"type": "NOT_FOUND", "message":
                                     "Could not resolve to a PullRequest "
                                     "with the number of %s." %
                                     var["number"]}]}
        pending = self.pending_ids()
        roots = [c for c in s.review_comments
                 if c["_pr"] == p.number and c["_reply_to"] is None and
                 c["_review"] not in pending]
        start = int(var.get("after") or 0)
        page = roots[start:start + 100]
        nodes = [{"isResolved": bool(c.get("_resolved_by")),
                  "resolvedBy": ({"login": c["_resolved_by"]}
                                 if c.get("_resolved_by") else None),
                  "comments": {"nodes": [{"databaseId": c["id"]}]}}
                 for c in page]
        more = start + 100 < len(roots)
        return 200, {"data": {"repository": {"pullRequest": {
            "reviewThreads": {"pageInfo": {
                "hasNextPage": more,
                "endCursor": str(start + 100) if more else None},
                "nodes": nodes}}}}}

    # -- outcomes (tend stats): a file's contents at a commit

    def ct_get(self, h, path):
        """GET /repos/o/r/contents/PATH?ref=REF: a file as base64 JSON;
        404 for a path or ref that is not there, as GitHub."""
        import base64
        s = self.s
        path = unquote(path)
        ref = dict(h.query_list).get("ref", "HEAD")
        sha = s.git.rev(ref)
        if sha is None:
            raise err(404, "No commit found for the ref %s" % ref)
        p = s.git.run("cat-file", "blob", "%s:%s" % (sha, path), check=False)
        if p.returncode != 0:
            raise not_found()
        data = p.stdout
        host = h.host()
        return 200, {"type": "file", "encoding": "base64",
                     "size": len(data), "name": path.rsplit("/", 1)[-1],
                     "path": path, "sha": "0" * 40,
                     "content": base64.encodebytes(data).decode(),
                     "url": s.api_url(host, "/contents/%s?ref=%s" % (
                         quote(path), ref))}

    # -- outcomes (tend stats): the reactions rollup of a comment

    def re_rollup(self, h, kind, comment_id, host):
        """The `reactions` summary GitHub puts on every comment: a count
        per content and the total."""
        s = self.s
        out = {"url": s.api_url(host, "/pulls/comments/%d/reactions" %
                                comment_id), "total_count": 0}
        for name in REACTIONS:
            out[name] = 0
        for r in s.reactions:
            if r["_kind"] == kind and r["_comment"] == comment_id:
                out[r["content"]] += 1
                out["total_count"] += 1
        return out

    def re_json(self, r):
        return {"id": r["id"], "node_id": "REA_kwfake%d" % r["id"],
                "user": self.s.user(r["_user"]), "content": r["content"],
                "created_at": r["created_at"]}

    def re_comment(self, kind, ident):
        """The comment reactions of `kind` go on (404 when none)."""
        s = self.s
        pending = self.pending_ids()
        if kind == "issue":
            return self.find(s.issue_comments, ident)
        return self.find([c for c in s.review_comments
                          if c["_review"] not in pending], ident)

    def re_list(self, h, kind, ident):
        c = self.re_comment(kind, ident)
        content = dict(h.query_list).get("content")
        if content is not None and content not in REACTIONS:
            raise validation_failed("Reaction", "content", "content is "
                                    "not included in the list", "invalid")
        return 200, paginate(h, [
            self.re_json(r) for r in self.s.reactions
            if r["_kind"] == kind and r["_comment"] == c["id"] and
            (content is None or r["content"] == content)])

    def add_reaction(self, kind, comment_id, user, content):
        """(new?, reaction): one per user, comment and content."""
        s = self.s
        for r in s.reactions:
            if r["_kind"] == kind and r["_comment"] == comment_id and \
                    r["_user"].lower() == user.lower() and \
                    r["content"] == content:
                return False, r
        r = {"id": s.new_id(), "_kind": kind, "_comment": comment_id,
             "_user": user, "content": content, "created_at": now_iso()}
        s.reactions.append(r)
        return True, r

    def re_add(self, h, kind, ident):
        c = self.re_comment(kind, ident)
        data = self.body_json(h)
        validate(data, SCHEMA_REACTION, DOCS + "/reactions/reactions")
        new, r = self.add_reaction(kind, c["id"], h.login, data["content"])
        return (201 if new else 200), self.re_json(r)

    def re_list_ic(self, h, ident):
        return self.re_list(h, "issue", ident)

    def re_list_rc(self, h, ident):
        return self.re_list(h, "review", ident)

    def re_add_ic(self, h, ident):
        return self.re_add(h, "issue", ident)

    def re_add_rc(self, h, ident):
        return self.re_add(h, "review", ident)

    def drop_reactions(self, kind, comment_id):
        self.s.reactions[:] = [r for r in self.s.reactions
                               if r["_kind"] != kind or
                               r["_comment"] != comment_id]

    # -- check runs

    def cr_json(self, h, r, annotations=False):
        s = self.s
        host = h.host() if h else "127.0.0.1:%d" % s.port
        out = {k: v for k, v in r.items() if not k.startswith("_")}
        out["url"] = s.api_url(host, "/check-runs/%d" % r["id"])
        out["html_url"] = s.web_url("/runs/%d" % r["id"])
        out["node_id"] = "CR_kwfake%d" % r["id"]
        o = dict(r["_output"])
        o["annotations_count"] = len(r["_annotations"])
        o["annotations_url"] = out["url"] + "/annotations"
        for k in ("title", "summary", "text"):
            o.setdefault(k, None)
        out["output"] = o
        out["check_suite"] = {"id": 900000000 + r["id"] % 1000}
        out["app"] = {"id": 15368, "slug": "github-actions",
                      "name": "GitHub Actions"}
        out["pull_requests"] = []
        if annotations:
            out["annotations"] = list(r["_annotations"])
        return out

    def cr_apply(self, r, data, doc):
        if "details_url" in data and not re.match(r"^https?://",
                                                  data["details_url"]):
            raise validation_failed("CheckRun", "details_url",
                                    "details_url must be a valid URL",
                                    doc=doc)
        for k in ("started_at", "completed_at"):
            if k in data and not TIME_RE.match(data[k]):
                raise err(422, "Invalid request.\n\nFor 'properties/%s', "
                          "%s is not a date-time." % (k, show(data[k])), doc,
                          detail="%s is not ISO 8601" % k)
        if data.get("conclusion") == "stale":
            raise err(422, "Invalid request.\n\n'stale' can only be set by "
                      "GitHub.", doc, detail="conclusion 'stale'")
        status = data.get("status", r.get("status", "queued"))
        if "conclusion" in data:
            if "status" in data and data["status"] != "completed":
                raise err(422, "Invalid request.\n\nA conclusion may only be "
                          "given with status 'completed'.", doc,
                          detail="conclusion with status %s" %
                          data["status"])
            status = "completed"
        if status == "completed" and not (data.get("conclusion") or
                                          r.get("conclusion")):
            raise err(422, "Invalid request.\n\n\"conclusion\" wasn't "
                      "supplied.", doc,
                      detail="status completed without a conclusion")
        ann = []
        out = data.get("output")
        if out:
            for i, a in enumerate(out.get("annotations", [])):
                if a["start_line"] < 1 or a["end_line"] < a["start_line"]:
                    raise validation_failed(
                        "CheckRun", "annotations", "annotation %d: "
                        "start_line must be positive and end_line at least "
                        "start_line" % i, doc=doc)
                if ("start_column" in a or "end_column" in a) and \
                        a["start_line"] != a["end_line"]:
                    raise validation_failed(
                        "CheckRun", "annotations", "annotation %d: "
                        "start_column and end_column are only allowed when "
                        "start_line equals end_line" % i, doc=doc)
                if "start_column" in a and "end_column" in a and \
                        a["end_column"] < a["start_column"]:
                    raise validation_failed(
                        "CheckRun", "annotations", "annotation %d: "
                        "end_column precedes start_column" % i, doc=doc)
                ann.append(dict(a, blob_href=self.s.web_url(
                    "/blob/%s/%s" % (r["head_sha"], quote(a["path"])))))
        # Valid: store.
        for k in ("name", "details_url", "external_id", "started_at",
                  "completed_at", "conclusion"):
            if k in data:
                r[k] = data[k]
        r["status"] = status
        if status == "completed" and not r.get("completed_at"):
            r["completed_at"] = now_iso()
        if out:
            for k in ("title", "summary", "text", "images"):
                if k in out:
                    r["_output"][k] = out[k]
            r["_annotations"].extend(ann)

    def cr_create(self, h):
        s = self.s
        doc = DOCS + "/checks/runs#create-a-check-run"
        data = self.body_json(h)
        validate(data, check_run_schema(True), doc)
        if not s.git.commit_exists(data["head_sha"]):
            raise unprocessable(["No commit found for SHA: %s" %
                                 data["head_sha"]], doc,
                                detail="head_sha is not a commit")
        r = {"id": s.new_id(), "head_sha": data["head_sha"],
             "external_id": "", "details_url": None, "status": "queued",
             "conclusion": None, "started_at": now_iso(),
             "completed_at": None, "name": data["name"],
             "_output": {}, "_annotations": []}
        self.cr_apply(r, data, doc)
        s.check_runs.append(r)
        return 201, self.cr_json(h, r)

    def cr_update(self, h, ident):
        doc = DOCS + "/checks/runs#update-a-check-run"
        r = self.find(self.s.check_runs, ident)
        data = self.body_json(h)
        validate(data, check_run_schema(False), doc)
        self.cr_apply(r, data, doc)
        return 200, self.cr_json(h, r)

    def cr_get(self, h, ident):
        return 200, self.cr_json(h, self.find(self.s.check_runs, ident))

    def cr_annotations(self, h, ident):
        r = self.find(self.s.check_runs, ident)
        return 200, paginate(h, list(r["_annotations"]))

    def resolve_ref(self, ref):
        sha = self.s.git.rev(ref) if not ref.startswith("-") else None
        if sha is None:
            raise unprocessable(["No commit found for SHA: %s" % ref])
        return sha

    def cr_for_ref(self, h, ref):
        sha = self.resolve_ref(ref)
        runs = [self.cr_json(h, r) for r in self.s.check_runs
                if r["head_sha"] == sha]
        names = [v for k, v in h.query_list if k == "check_name"]
        if names:
            runs = [r for r in runs if r["name"] == names[-1]]
        runs.reverse()
        page = paginate(h, runs)
        return 200, {"total_count": len(runs), "check_runs": page}

    # -- statuses

    def st_json(self, h, st):
        out = {k: v for k, v in st.items() if not k.startswith("_")}
        out["creator"] = self.s.user(st["_user"])
        out["node_id"] = "SC_kwfake%d" % st["id"]
        return out

    def st_create(self, h, sha):
        s = self.s
        doc = DOCS + "/commits/statuses#create-a-commit-status"
        data = self.body_json(h)
        validate(data, SCHEMA_STATUS, doc)
        if not s.git.commit_exists(sha):
            raise unprocessable(["No commit found for SHA: %s" % sha], doc,
                                detail="status for an unknown commit")
        desc = data.get("description")
        if desc is not None and len(desc) > 140:
            raise validation_failed("Status", "description", "description "
                                    "is too long (maximum is 140 "
                                    "characters)", doc=doc)
        target = data.get("target_url")
        if target and not re.match(r"^https?://", target):
            raise validation_failed("Status", "target_url", "target_url "
                                    "must use http(s) scheme", doc=doc)
        st = {"id": s.new_id(), "_sha": sha, "_user": h.login,
              "url": s.api_url(h.host(), "/statuses/%s" % sha),
              "state": data["state"], "description": desc,
              "target_url": target,
              "context": data.get("context", "default"),
              "created_at": now_iso()}
        st["updated_at"] = st["created_at"]
        s.statuses.append(st)
        return 201, self.st_json(h, st)

    def st_list(self, h, ref):
        sha = self.resolve_ref(ref)
        out = [self.st_json(h, st) for st in reversed(self.s.statuses)
               if st["_sha"] == sha]
        return 200, paginate(h, out)

    def st_combined(self, h, ref):
        sha = self.resolve_ref(ref)
        latest = {}
        for st in self.s.statuses:
            if st["_sha"] == sha:
                latest[st["context"]] = st
        sts = [self.st_json(h, st) for st in latest.values()]
        states = {st["state"] for st in sts}
        state = "success"
        if states & {"error", "failure"}:
            state = "failure"
        elif "pending" in states or not sts:
            state = "pending"
        return 200, {"state": state, "sha": sha, "total_count": len(sts),
                     "statuses": sts}

    # -- control

    def dump_state(self, h):
        s = self.s
        now = {}
        return {
            "reviews": [dict(self.rv_json(h, r), pr=r["_pr"])
                        for r in s.reviews],
            "review_comments": [dict(self.rc_json(h, c, now), pr=c["_pr"])
                                for c in s.review_comments],
            "issue_comments": [dict(self.ic_json(h, c), pr=c["_pr"])
                               for c in s.issue_comments],
            "check_runs": [self.cr_json(h, r, annotations=True)
                           for r in s.check_runs],
            "statuses": [dict(self.st_json(h, st), sha=st["_sha"])
                         for st in s.statuses],
            "deleted": s.deleted,
            "reactions": [{"id": r["id"], "comment": r["_comment"],
                           "review": r["_kind"] == "review",
                           "user": r["_user"], "content": r["content"]}
                          for r in s.reactions],
            "issues": [self.issue_state(h, r) for _, r in
                       sorted(s.issues.items()) if not r["_pull"]],
            "pulls": [self.pull_state(p) for _, p in sorted(s.pulls.items())],
        }

    def issue_state(self, h, rec):
        s = self.s
        j = self.issue_json(h, rec)
        return {"number": rec["number"], "title": j["title"],
                "body": j["body"], "user": j["user"]["login"],
                "labels": list(rec["labels"]),
                "assignees": list(rec["assignees"]), "state": j["state"],
                "comments": [{"id": c["id"], "user": c["_user"],
                              "body": c["body"]}
                             for c in s.issue_comments
                             if c["_pr"] == rec["number"]],
                "events": [{"event": e["event"], "label": e.get("label"),
                            "actor": e["_actor"]} for e in rec["events"]]}

    def pull_state(self, p):
        title, body = self.pr_title_body(p)
        return {"number": p.number, "head": p.head_ref, "base": p.base_ref,
                "title": title, "body": body, "draft": p.draft,
                "user": p.user or "octocat",
                "state": "closed" if p.closed else "open",
                "merged": p.merged,
                "labels": list(self.s.issues[p.number]["labels"]),
                "requested_reviewers": list(p.requested)}

    def control_issue(self, path, data):
        """The people's side of issues: comments, labels, state."""
        s = self.s
        user = data.get("user", "alice")
        if path == "/__control/pull":
            p = s.pull(data.get("pr", 0))
            closed = data.get("state", "closed") == "closed"
            if not closed and p.merged:
                raise err(400, "a merged pull request stays closed")
            self.set_pr_state(p, closed, user, bool(data.get("merged")))
            return 200, self.pull_state(p)
        rec = s.issue_rec(data.get("issue", 0))
        if path == "/__control/issue-comment":
            times = self.control_times(data)
            c = self.add_issue_comment(rec["number"], data.get("body", ""),
                                       user)
            self.set_times(c, times)
            return 201, self.ic_json(None, c)
        if path == "/__control/label":
            label = data.get("label")
            action = data.get("action", "add")
            if not isinstance(label, str) or not label or \
                    action not in ("add", "remove"):
                raise err(400, "label wants a label and action add|remove")
            if action == "add":
                self.add_label(rec, label, user)
            else:
                gone = self.remove_label(rec, label)
                if gone is not None:
                    s.add_event(rec, "unlabeled", user, label=gone)
            return 200, {"labels": rec["labels"]}
        if path == "/__control/issue":
            if rec["_pull"]:
                raise err(400, "#%d is a pull request: use /__control/pull"
                          % rec["number"])
            state = data.get("state", rec["state"])
            if state not in ("open", "closed"):
                raise err(400, "state is open or closed")
            if state != rec["state"]:
                s.add_event(rec, "closed" if state == "closed" else
                            "reopened", user)
                rec["state"] = state
                rec["closed_at"] = now_iso() if state == "closed" else None
            for a in data.get("assignees", rec["assignees"]):
                if a not in rec["assignees"]:
                    s.add_event(rec, "assigned", user, assignee=a)
            if "assignees" in data:
                rec["assignees"] = list(data["assignees"])
            return 200, self.issue_state(None, rec)
        raise not_found()

    @staticmethod
    def control_times(data):
        """created_at and updated_at a test gives (ISO 8601), checked."""
        out = {}
        for k in ("created_at", "updated_at"):
            if k in data:
                if parse_time(data[k]) is None:
                    raise err(400, "%s is an ISO 8601 time such as "
                              "2024-01-01T00:00:00Z" % k)
                out[k] = data[k]
        return out

    def set_times(self, c, data):
        """Date comment `c` as the test says: created_at (default now),
        updated_at (default created_at)."""
        t = self.control_times(data)
        if "created_at" in t:
            c["_created"] = t["created_at"]
            c["_updated"] = t["created_at"]
        if "updated_at" in t:
            c["_updated"] = t["updated_at"]

    def control_reaction(self, data):
        """A person's reaction to an issue or review comment."""
        s = self.s
        kind = "review" if data.get("review") else "issue"
        content = data.get("content", "eyes")
        user = data.get("user", "alice")
        if content not in REACTIONS or not isinstance(user, str) or \
                not user:
            raise err(400, "reaction wants a user and content one of %s"
                      % ", ".join(REACTIONS))
        c = self.find(s.issue_comments if kind == "issue" else
                      s.review_comments, data.get("comment", 0))
        new, r = self.add_reaction(kind, c["id"], user, content)
        return (201 if new else 200), self.re_json(r)

    def control(self, h, path):
        s = self.s
        if path == "/__state" and h.command == "GET":
            return 200, self.dump_state(h)
        if h.command != "POST":
            raise not_found()
        try:
            data = json.loads(h.body.decode("utf-8") or "null")
        except ValueError:
            raise err(400, "Problems parsing JSON")
        if path == "/__control/faults":
            try:
                s.set_faults(data)
            except (ValueError, TypeError) as e:
                raise err(400, str(e))
            return 200, {"faults": len(data)}
        if not isinstance(data, dict):
            raise err(400, "a JSON object is expected")
        if path in ("/__control/issue-comment", "/__control/label",
                    "/__control/issue", "/__control/pull"):
            return self.control_issue(path, data)
        if path == "/__control/reaction":
            return self.control_reaction(data)
        if path == "/__control/resolve":
            return s.api.control_resolve(data)
        user = data.pop("user", "alice")
        pr = data.pop("pr", None)
        times = self.control_times(data)
        data.pop("created_at", None)
        data.pop("updated_at", None)
        if path == "/__control/reply":
            parent = self.find(s.review_comments, data.get("in_reply_to", 0))
            c = self.add_reply(s.pulls[parent["_pr"]], parent,
                               data.get("body", ""), user)
            self.set_times(c, times)
            return 201, self.rc_json(h, c)
        if pr is None and not s.pulls:
            raise err(400, "no pull request to act on: give \"pr\"")
        p = s.pull(pr) if pr is not None else s.pulls[sorted(s.pulls)[0]]
        if path == "/__control/comment":
            c = self.add_issue_comment(p.number, data.get("body", ""), user)
            self.set_times(c, times)
            return 201, self.ic_json(h, c)
        if path == "/__control/review":
            h.body = json.dumps(data).encode()
            status, r = self.rv_create(h, str(p.number), user=user)
            for c in s.review_comments:
                if c["_review"] == r["id"]:
                    self.set_times(c, times)
            return status, r
        raise not_found()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    # Answer at once: no Nagle delay between headers and body.
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version

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

    def host(self):
        return self.headers.get("Host") or \
            "127.0.0.1:%d" % self.server.state.port

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

    def dispatch(self):
        state = self.server.state
        path, _, query = self.path.partition("?")
        self.query_list = parse_qsl(query, keep_blank_values=True)
        self.extra_headers = {}
        self.content_type = "application/json; charset=utf-8"
        control = path.startswith("/__")
        fault = None if control else state.match_fault(self.command, path)
        action = fault.get("action") if fault else None
        self.body = b"" if action == "drop" else self.read_body()
        entry = {
            "conn": self.conn_id,
            "client_port": self.client_address[1],
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "header_list": [[k, v] for k, v in self.headers.items()],
            "body": self.body.decode("utf-8", "replace"),
        }
        if action == "delay":
            time.sleep(fault.get("ms", 0) / 1000.0)
        if path == "/__shutdown":
            entry["status"] = 200
            state.record(entry)
            self.send_answer(200, {"message": "bye"})
            self.close_connection = True
            threading.Thread(target=self.server.shutdown).start()
            return
        if path == "/__log":
            with state.lock:
                text = json.dumps(state.log)
            entry["status"] = 200
            state.record(entry)
            self.send_answer(200, text)
            return
        if fault and action not in ("delay", "store_then_drop", "drop"):
            status = int(fault.get("status", 500))
            body = fault.get("body", {"message": "fault injected"})
            if isinstance(body, str):
                body = expand(body)
            self.extra_headers.update({k: expand(str(v)) for k, v in
                                       fault.get("headers", {}).items()})
            entry["status"] = status
            entry["detail"] = "fault injected"
            state.record(entry)
            self.send_answer(status, body)
            return
        if action == "drop":
            entry["status"] = None
            entry["detail"] = "dropped (fault)"
            state.record(entry)
            self.drop()
            return
        with state.lock:
            try:
                if control:
                    status, body = state.api.control(self, path)
                else:
                    status, body = self.api_call()
            except ApiError as e:
                status, body = e.status, e.body
                self.extra_headers.update(e.headers)
                if e.detail:
                    entry["detail"] = e.detail
            except Exception as e:      # a bug here: say so, keep serving
                traceback.print_exc()
                status, body = 500, {"message": "fakegithub: internal "
                                     "error: %r" % e}
                entry["detail"] = "internal error: %r" % e
            if not control:
                state.rate_used += 1
        entry["status"] = status
        if action == "store_then_drop":
            entry["detail"] = "stored, then dropped (fault)"
            state.record(entry)
            self.drop()
            return
        state.record(entry)
        self.send_answer(status, body)

    def api_call(self):
        """Checks GitHub makes before any endpoint, then the endpoint."""
        state = self.server.state
        path = self.path.partition("?")[0]
        if not self.headers.get("User-Agent"):
            raise err(403, "Request forbidden by administrative rules. "
                      "Please make sure your request has a User-Agent "
                      "header (%s/overview/resources-in-the-rest-api"
                      "#user-agent-required). Check https://developer."
                      "github.com for other possible causes." % DOCS,
                      detail="no User-Agent")
        if not self.headers.get("Accept"):
            raise err(400, "fakegithub: requests must send an Accept header "
                      "(application/vnd.github+json)",
                      detail="no Accept header")
        version = self.headers.get("X-GitHub-Api-Version")
        if version is not None and version not in API_VERSIONS:
            raise err(400, "API version '%s' is not supported." % version,
                      DOCS + "/about-the-rest-api/api-versions",
                      detail="bad X-GitHub-Api-Version")
        auth = self.headers.get("Authorization") or ""
        m = re.match(r"^(?i:bearer|token) +(\S+)$", auth)
        self.role = state.tokens.get(m.group(1)) if m else None
        if self.role is None:
            raise err(401, "Bad credentials", DOCS,
                      detail="missing or unknown token")
        self.login = state.token_user.get(m.group(1), state.args.login)
        self.pat = m.group(1) in state.token_user
        if state.rate_used >= state.args.rate_limit:
            raise err(403, "API rate limit exceeded for installation ID "
                      "1.", DOCS + "/overview/rate-limits-for-the-rest-api",
                      detail="primary rate limit")
        if state.prefix:
            if not path.startswith(state.prefix + "/"):
                raise not_found()
            path = path[len(state.prefix):]
        if path == "/graphql" and self.command == "POST" and \
                not state.prefix:
            return state.api.graphql(self)
        if path == "/user" and self.command == "GET":
            # An installation token (GITHUB_TOKEN, a GitHub App's) has no
            # user to show; a personal access token shows its own.
            if not self.pat:
                raise err(403, "Resource not accessible by integration",
                          DOCS + "/users/users#get-the-authenticated-user",
                          detail="an installation token has no user")
            return 200, dict(state.user(self.login), name=self.login,
                             email=None)
        m = re.match(r"^/repositories/(\d+)(/.*)$", path)
        if m and int(m.group(1)) == state.args.repo_id:
            path = "/repos/%s%s" % (state.full_name, m.group(2))
        self.api_path = path
        return state.api.handle(self)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_answer(self, status, body):
        state = self.server.state
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        with state.lock:
            used = state.rate_used
        limit = state.args.rate_limit
        headers = {
            "Content-Type": self.content_type,
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": self.headers.get(
                "X-GitHub-Api-Version") or "2022-11-28",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used)),
            "X-RateLimit-Reset": str(state.rate_reset),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
            "X-GitHub-Request-Id": "%04X:%04X:%06X:%06X:%08X" % (
                random.getrandbits(16), random.getrandbits(16),
                random.getrandbits(24), random.getrandbits(24),
                int(time.time())),
        }
        lower = {k.lower(): k for k in headers}
        for k, v in self.extra_headers.items():
            if k.lower() in lower:
                del headers[lower[k.lower()]]
            headers[k] = v
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 204 and status != 304:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(data)
        self.wfile.flush()

    def __getattr__(self, name):
        # BaseHTTPRequestHandler looks up do_<METHOD>; answer them all.
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)


def expand(text):
    def now(m):
        n = int(m.group(2))
        return str(int(time.time()) + (n if m.group(1) == "+" else -n))

    return re.sub(r"\{now([+-])(\d+)\}", now, text)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="strict fake GitHub REST API")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--owner", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--pr", action="append", default=[])
    ap.add_argument("--issues", default=None, metavar="FILE")
    ap.add_argument("--permission", action="append", default=[],
                    metavar="LOGIN=LEVEL")
    ap.add_argument("--token", action="append", default=[], required=True)
    ap.add_argument("--readonly-token", action="append", default=[])
    ap.add_argument("--no-checks-token", action="append", default=[])
    ap.add_argument("--pat-token", action="append", default=[],
                    metavar="TOKEN:LOGIN")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--max-files", type=int, default=3000)
    ap.add_argument("--patch-limit", type=int, default=1024 * 1024)
    ap.add_argument("--login", default="github-actions[bot]")
    ap.add_argument("--repo-id", type=int, default=1296269)
    ap.add_argument("--id-base", type=int, default=(1 << 32) + 1000,
                    help="ids start above 2^32, as GitHub's do")
    ap.add_argument("--rate-limit", type=int, default=5000)
    ap.add_argument("--server-url", default="https://github.com")
    ap.add_argument("--port-file", default=None)
    ap.add_argument("--log", default=None)
    ap.add_argument("--faults", default=None)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--watch-parent", action="store_true")
    args = ap.parse_args()
    if args.prefix and not args.prefix.startswith("/"):
        ap.error("--prefix must start with '/'")

    state = State(args)
    state.api = Api(state)
    server = Server(("127.0.0.1", 0), Handler)
    server.state = state
    state.port = server.server_address[1]
    if args.log:
        with state.lock:
            tmp = args.log + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump([], f)
            os.replace(tmp, args.log)
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
