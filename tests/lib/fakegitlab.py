#!/usr/bin/env python3
"""fakegitlab.py - a strict fake of GitLab's REST API v4 for tests.

It serves one project, its merge requests and its issues from a real git
repository (a work tree or a bare one), so every diff it hands out comes
from git itself, and it is strict where GitLab is strict: authentication,
write permissions, pagination, parameter types, and the positions of diff
notes. Everything written (notes, discussions, draft notes, commit
statuses, issue notes and labels, merge requests, award emoji) lives in
memory. Every
change of state is made under one lock, so two clients may use it at once.

Usage:
    fakegitlab.py --repo DIR --project 7:group/proj
                  [--mr IID:BASE_BRANCH:HEAD_BRANCH[:fork[:collab]] ...]
                  --token PRIVATE [--job-token JOB]
                  [--issues ISSUES.json] [--member USERNAME=LEVEL ...]
                  [--port-file F] [--log requests.json] [--faults F]
                  [--too-large PATH ...] [--collapsed PATH ...]
                  [--max-files N] [--timeout 120] [--watch-parent]

It binds 127.0.0.1 on an ephemeral port and prints the port on stdout (one
line, flushed); with --port-file the port is written there too. The API
lives under /api/v4.

Merge requests are recomputed from the repository on every request:
start_sha is the tip of BASE_BRANCH, head_sha the tip of HEAD_BRANCH and
base_sha their merge-base, so a test that commits to HEAD_BRANCH sees a new
head_sha and shifted lines at once. The files are `git diff -M base head`
in GitLab's shape (old_path, new_path, a_mode, b_mode, new_file,
renamed_file, deleted_file, diff from the first "@@", too_large, collapsed,
generated_file). --too-large / --collapsed PATH give that file GitLab's
"diff left out" shape; --max-files N caps the listed files like GitLab's
diff limits (changes_count becomes "N+").

A ":fork" merge request's source branch lives in another project (a
different source_project_id, PROJECT_ID + 1000, which GET /projects/:id
shows as "forker/NAME"; the branch itself is in the same git
repository). GitLab sends allow_collaboration and its older name
allow_maintainer_to_push for forks only: true with ":collab" (the author
lets members who can merge push to the branch), false without.

Merge requests opened through the API (POST .../merge_requests) get the
next merge request iid and are computed from the repository like --mr
ones; their title and description are what was sent (a title starting
"Draft:", "[Draft]" or "(Draft)", any case, makes draft true) and their
author is tend-bot. PUT .../merge_requests/:iid changes title,
description, reviewer_ids, target_branch and state (state_event close or
reopen; a merged one stays merged).

Issues (--issues FILE, a JSON list) have their own iid sequence:
    [{"iid": 1, "title": "...", "description": "..." or null,
      "author": "alice", "labels": ["tend"], "assignees": ["bob"],
      "state": "opened"|"closed", "created_at": "2024-01-02T00:00:00Z",
      "label_events": [{"action": "add"|"remove", "label": NAME or null,
                        "user": USERNAME (absent: a deleted user)}],
      "notes": [{"author": USERNAME, "body": "...", "system": false}]}]
Only iid is required. Labels are changed by PUT .../issues/:iid
(add_labels, remove_labels, labels: "a,b" or a list of strings; anything
else is 400 "add_labels is invalid"), each real change recorded as a
resource label event by the token's user, tend-bot.

People. Every user has a stable numeric id (tend-bot 1, alice 3, others
from a hash of the name, made unique). --member USERNAME=LEVEL
(10, 20, 30, 40 or 50, repeatable) makes a project member; tend-bot is a
Maintainer (40). GET /users?username= knows every user the fake has seen
(members, authors, assignees, label event users). Reviewers are kept only
when they can see the merge request: members of Reporter (20) or more;
GitLab drops the others without an error.

Authentication, as GitLab: PRIVATE-TOKEN: <token>, JOB-TOKEN: <job>, or
Authorization: Bearer <either>. Anything else is 401 {"message":"401
Unauthorized"}. The job token may read; its writes (notes, drafts,
discussions, statuses, issues, issue notes, merge requests) get 403
{"message":"403 Forbidden"}. The private token belongs to the user
"tend-bot" (a bot).

Endpoints (":id" is the numeric id or the URL-encoded path, group%2Fproj):
    GET  /user        the private token's user (tend-bot); the job token
                      gets 401, as GitLab answers a job token there
    GET  /projects/:id
    GET  /users       username= (ignoring case); GET /users/:id
    GET  /projects/:id/members/all[/:user_id]   404 for a non-member
    GET  /projects/:id/issues     state (default all), labels (all of
                                  them; None, Any), order_by, sort
                                  (default desc); paginated
    GET|PUT /projects/:id/issues/:iid
    GET  /projects/:id/issues/:iid/resource_label_events     paginated
    GET  /projects/:id/issues/:iid/notes      sort (default desc), paginated
    POST /projects/:id/issues/:iid/notes
    GET|PUT|DELETE /projects/:id/issues/:iid/notes/:nid  (PUT and DELETE:
                                  tend-bot's own notes only, else 403)
    GET|POST /projects/:id/issues/:iid/notes/:nid/award_emoji
    GET|POST /projects/:id/issues/:iid/discussions    paginated; every
                                  plain note is a discussion of its own
                                  (individual_note) until a reply
    GET  /projects/:id/issues/:iid/discussions/:did
    POST /projects/:id/issues/:iid/discussions/:did/notes
    GET  /projects/:id/events     note events only ("commented on"):
                                  action, target_type (another value of
                                  either: an empty list; an unknown one:
                                  400), after and before (YYYY-MM-DD,
                                  exclusive, by the event's UTC day; 400
                                  "after is invalid"), sort (default
                                  desc); paginated
    GET  /projects/:id/merge_requests   state (default all), source_branch,
                                        updated_after (ISO 8601, else 400),
                                        sort (default desc: newest first);
                                        paginated
    POST /projects/:id/merge_requests   source_branch, target_branch and
                                        title required (400 "... is
                                        missing" / "... is invalid"); the
                                        same branch twice: 422; a branch
                                        that does not exist: 400
                                        {"message": {"base": [...]}}; an
                                        open merge request from the same
                                        branch: 409 {"message": ["Another
                                        open merge request already exists
                                        for this source branch: !N"]}
    GET|PUT /projects/:id/merge_requests/:iid
    GET  /projects/:id/merge_requests/:iid/diffs              paginated
    GET  /projects/:id/repository/files/:path?ref=   a file, base64
    GET  /projects/:id/merge_requests/:iid/commits            paginated,
                                  newest first (id, title, message)
    GET  /projects/:id/merge_requests/:iid/discussions        paginated
    POST /projects/:id/merge_requests/:iid/discussions
    GET  /projects/:id/merge_requests/:iid/discussions/:did
    PUT  /projects/:id/merge_requests/:iid/discussions/:did   resolved=true
    POST /projects/:id/merge_requests/:iid/discussions/:did/notes
    GET  /projects/:id/merge_requests/:iid/notes              paginated
    POST /projects/:id/merge_requests/:iid/notes
    GET|PUT|DELETE /projects/:id/merge_requests/:iid/notes/:nid
    GET|POST /projects/:id/merge_requests/:iid/notes/:nid/award_emoji
    GET  /projects/:id/merge_requests/:iid/draft_notes        paginated
    POST /projects/:id/merge_requests/:iid/draft_notes
    GET|PUT|DELETE /projects/:id/merge_requests/:iid/draft_notes/:dnid
    PUT  /projects/:id/merge_requests/:iid/draft_notes/:dnid/publish
    POST /projects/:id/merge_requests/:iid/draft_notes/bulk_publish  (204)
    POST /projects/:id/statuses/:sha
    GET  /projects/:id/repository/commits/:sha/statuses

Pagination as GitLab: page (default 1), per_page (default 20, at most 100),
answered with x-page, x-per-page, x-next-page, x-prev-page, x-total,
x-total-pages and a Link header (rel next, prev, first, last).

Diff positions (draft notes and new discussions) are checked the way
GitLab finds the line of a position: base_sha, start_sha and head_sha must
be the merge request's current diff_refs, old_path/new_path must name a
changed file, and (old_line, new_line) must be exactly one line of the
diff: an added line has new_line only, a removed line old_line only, an
unchanged line both. Otherwise the answer is 400 {"message":"400 Bad
request - Note {:line_code=>[\"can't be blank\", \"must be a valid line
code\"]}"}. A multi-line position's line_range has start and end, each
with only line_code and type (GitLab's schema rejects other keys:
{"message":{"position":["must be a valid json schema"]}}); a line code is
sha1(path) + "_" + old + "_" + new with GitLab's running line counters,
type is "new" (added), "old" (removed) or null (unchanged), both ends must
sit in one hunk in order, and the end must be the position's own line.

Note events. Every note that is not a system note (issue notes, merge
request notes, diff notes, replies, tend's own) is one "commented on"
event: id 70000 + the note id, target_type the note's type ("Note",
"DiffNote", "DiscussionNote"), target_id and target_iid the note id (an
adapter must read note.noteable_iid), created_at the note's, and the note
itself as GitLab's note entity (body, author, noteable_type, noteable_iid,
type, system). They are made from the notes at each request, so a note
deleted is gone from them and an edited body shows.

Award emoji (on issue and merge request notes): POST {"name"} awards as
tend-bot (the job token: 403). As GitLab, every refusal is a 404 through
the API's not_found!: an award the user already gave is 404 {"message":
"404 Award Emoji Name has already been taken Not Found"}, a name the fake
does not know "404 Award Emoji Name is not a valid emoji name Not Found",
a system note "404 Award Emoji Awardable cannot be awarded emoji Not
Found"; no name is 400 {"error": "name is missing"}. Award objects: id,
name, user, created_at, updated_at, awardable_id (the note id),
awardable_type "Note", url null.

Test hooks (never authenticated):
    GET  /__log                    the request log
    GET  /__state                  discussions, draft notes, statuses,
                                   issues (labels, assignees, state, notes,
                                   label_events; notes with type,
                                   created_at, discussion_id),
                                   merge_requests (iid, branches, title,
                                   description, draft, state,
                                   reviewer_ids, created), awards (id,
                                   noteable "Issue"|"MergeRequest", iid,
                                   note, name, user)
    POST /__control/reply          {"discussion_id", "body", "author",
                                   "created_at"}: a person's reply in a
                                   discussion of a merge request or of
                                   an issue
    POST /__control/note           {"iid", "body", "author", "system",
                                   "created_at"}: a new general note on
                                   merge request iid (default the first;
                                   system notes included); with
                                   "position": {"new_path", "new_line",
                                   "old_path", "old_line"} a resolvable
                                   diff discussion (a DiffNote) instead
                                   (the SHAs are the MR's diff_refs)
    POST /__control/mr             {"iid", "set": {...}}: override fields
                                   of the merge request JSON ("state":
                                   "merged" makes it merged)
    POST /__control/issue-note     {"issue", "user", "body", "system",
                                   "created_at", "discussion_id"}: a
                                   person's note on an issue (with
                                   discussion_id: a reply in that
                                   discussion of the issue)
    POST /__control/resolve        {"discussion_id", "user", "resolved"
                                   (default true)}: a person resolves a
                                   merge request thread (resolved_by)
    POST /__control/award          {"issue"|"mr": IID, "note": ID, "user":
                                   U, "name": N}: a person's award emoji
                                   on a note, checked as the API checks
                                   tend's
    POST /__control/label          {"issue", "label", "user", "action":
                                   "add"|"remove"}: a person (un)labels
    POST /__control/issue          {"issue", "state", "assignees", "title",
                                   "description"}: change an issue; with
                                   no "issue", a new one (the fields of
                                   --issues) with the next iid
    POST /__control/faults         {"faults": [...]}, appended to the faults
    POST /__control/config         {"too_large": [...], "collapsed": [...],
                                   "max_files": N}: replace those options
    POST /__control/reset          forget what was written (notes, drafts,
                                   statuses, award emoji, issues back to
                                   --issues,
                                   merge requests opened or changed),
                                   faults, the log, overrides and
                                   /__control/config: a fresh server for
                                   the next test, over the same repository
    any  /__shutdown               stop
A "created_at" of the note hooks is ISO 8601 with Z or +HH:MM (anything
else: 400); it defaults to now. It is the note's time and its event's.

The request log is the one tests/lib/fakehttp.py keeps: a JSON array,
rewritten atomically before each answer, of {seq, conn, client_port,
method, path, headers, header_list, body}; test hooks are logged too.

Faults (--faults FILE, a JSON list; also POST /__control/faults): each
{"method": "POST", "path": "regex", "times": 1, ...} matches requests by
method and by re.search on the path (query included); times 0 is forever.
Then one of:
    "status": 500, "headers": {...}, "body": ...   answer this instead
    "action": "store_then_drop"   process the request (its effect is
                                  stored), then close without answering
    "action": "drop"              close without processing or answering
    "action": "delay", "ms": N    wait, then process normally
A 429 with "headers": {"Retry-After": "1"} is a rate limit.

The server stops after --timeout seconds (default 120) and, with
--watch-parent, as soon as its parent is gone.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

API = "/api/v4"
BOT = {"id": 1, "username": "tend-bot", "name": "tend", "state": "active",
       "bot": True}
MR_AUTHOR = {"id": 3, "username": "alice", "name": "Alice",
             "state": "active", "bot": False}
VALID_STATES = ("pending", "running", "success", "failed", "canceled",
                "skipped")
LINE_CODE_ERROR = ("400 Bad request - Note {:line_code=>[\"can't be blank\", "
                   "\"must be a valid line code\"]}")
SCHEMA_ERROR = {"position": ["must be a valid json schema"]}


class ApiError(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(str(body))
        self.status = status
        self.body = body
        self.headers = headers or {}


def bad_request(message):
    return ApiError(400, {"message": message})


def not_found(what="Not found"):
    return ApiError(404, {"message": "404 %s" % what})


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % (int(t * 1000) % 1000)


def parse_time(value, what="created_at"):
    """An ISO 8601 time with a zone (GitLab's "...T..Z" or an offset) as
    an aware datetime; 400 for anything else."""
    if isinstance(value, str) and re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?"
            r"(Z|[+-]\d\d:\d\d)", value):
        frac = re.search(r"\.(\d+)", value)
        text = value.replace("Z", "+00:00")
        if frac:
            # fromisoformat takes 3 or 6 digits of a fraction only.
            text = text.replace(frac.group(0),
                                "." + (frac.group(1) + "000000")[:6])
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:
            pass
    raise bad_request("%s is not an ISO 8601 time: %r" % (what, value))


def parse_date(value, name):
    """A YYYY-MM-DD parameter (after, before), as Grape checks a Date."""
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", value or ""):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, {"error": "%s is invalid" % name})


# Award emoji names the fake knows (GitLab knows many more).
EMOJI = {"thumbsup", "thumbsdown", "eyes", "rocket", "confused", "tada",
         "heart", "smile", "laughing", "white_check_mark", "x",
         "hourglass", "100", "8ball", "ok_hand", "pray"}
EVENT_ACTIONS = ("approved", "closed", "commented", "created", "destroyed",
                 "expired", "joined", "left", "merged", "pushed",
                 "reopened", "updated")
EVENT_TARGETS = ("issue", "milestone", "merge_request", "note", "project",
                 "snippet", "user", "wiki", "design")


def user_for(name):
    if name in (None, "tend-bot"):
        return dict(BOT)
    uid = 100 + (int(hashlib.sha1(name.encode()).hexdigest()[:6], 16) % 1000)
    return {"id": uid, "username": name, "name": name.title(),
            "state": "active",
            "bot": name.endswith("-bot") or name.endswith("_bot")}


DRAFT_RE = re.compile(r"\A(\[draft\]|\(draft\)|draft:)", re.I)
ACCESS_LEVELS = (10, 20, 30, 40, 50)
BOT_LEVEL = 40


def is_draft(title):
    return bool(DRAFT_RE.match(title or ""))


def parse_members(specs):
    members = {}
    for spec in specs:
        name, _, level = spec.partition("=")
        if not name or not level.isdigit() or int(level) not in ACCESS_LEVELS:
            raise SystemExit("fakegitlab: bad --member '%s' (USERNAME=LEVEL, "
                             "LEVEL one of %s)" % (spec, ACCESS_LEVELS))
        members[name] = int(level)
    return members


def load_issues(path):
    """The --issues file, checked: a JSON list of issues."""
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    if not isinstance(items, list):
        raise SystemExit("fakegitlab: %s: not a JSON list" % path)
    seen = set()
    for n, it in enumerate(items, 1):
        where = "fakegitlab: %s: issue %d" % (path, n)
        if not isinstance(it, dict) or not isinstance(it.get("iid"), int) \
                or isinstance(it.get("iid"), bool) or it["iid"] <= 0:
            raise SystemExit("%s: needs an integer iid > 0" % where)
        if it["iid"] in seen:
            raise SystemExit("%s: iid %d twice" % (where, it["iid"]))
        seen.add(it["iid"])
        if it.get("state", "opened") not in ("opened", "closed"):
            raise SystemExit("%s: state is opened or closed" % where)
        for key in ("labels", "assignees"):
            v = it.get(key, [])
            if not isinstance(v, list) or \
                    not all(isinstance(x, str) for x in v):
                raise SystemExit("%s: %s is a list of strings" % (where, key))
        for e in it.get("label_events", []):
            if not isinstance(e, dict) or \
                    e.get("action") not in ("add", "remove") or \
                    not (e.get("label") is None or
                         isinstance(e.get("label"), str)):
                raise SystemExit("%s: a label event needs action add or "
                                 "remove and a label (a name or null)" %
                                 where)
        for note in it.get("notes", []):
            if not isinstance(note, dict) or \
                    not isinstance(note.get("body"), str):
                raise SystemExit("%s: a note needs a body" % where)
    return items


# --- git ------------------------------------------------------------------

class Git:
    def __init__(self, repo):
        self.repo = repo
        self.cache = {}

    def run(self, *args, check=True):
        env = dict(os.environ)
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["LC_ALL"] = "C"
        p = subprocess.run(["git", "-C", self.repo, "-c", "core.quotepath=off",
                            "-c", "diff.noprefix=false",
                            "-c", "diff.mnemonicprefix=false",
                            "-c", "color.ui=false"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env)
        if check and p.returncode != 0:
            raise RuntimeError("git %s: %s" % (" ".join(args),
                               p.stderr.decode("utf-8", "replace")))
        return p

    def rev(self, ref):
        p = self.run("rev-parse", "--verify", "-q", ref + "^{commit}",
                     check=False)
        if p.returncode != 0:
            return None
        return p.stdout.decode().strip()

    def merge_base(self, a, b):
        p = self.run("merge-base", a, b, check=False)
        return p.stdout.decode().strip() if p.returncode == 0 else a

    def commit_message(self, sha):
        p = self.run("log", "-1", "--format=%s%x00%b", sha)
        subject, _, body = p.stdout.decode("utf-8", "replace").partition("\0")
        return subject.strip(), body.strip()

    def diff_files(self, base, head):
        """The changed files between two commits, in GitLab's shape, with
        each file's parsed diff lines; cached by the pair of SHAs."""
        key = (base, head)
        if key in self.cache:
            return self.cache[key]
        raw = self.run("diff", "--raw", "-z", "-M", "--no-abbrev",
                       base, head).stdout
        entries = []
        fields = raw.split(b"\0")
        i = 0
        while i < len(fields) - 1:
            meta = fields[i].decode()
            if not meta.startswith(":"):
                i += 1
                continue
            parts = meta[1:].split()
            old_mode, new_mode, status = parts[0], parts[1], parts[4]
            if status[0] in "RC":
                old_path = fields[i + 1].decode("utf-8", "surrogateescape")
                new_path = fields[i + 2].decode("utf-8", "surrogateescape")
                i += 3
            else:
                old_path = new_path = fields[i + 1].decode(
                    "utf-8", "surrogateescape")
                i += 2
            entries.append((status[0], old_mode, new_mode, old_path,
                            new_path))
        patch = self.run("diff", "-M", "-U3", "--no-color", "--no-ext-diff",
                         "--src-prefix=a/", "--dst-prefix=b/",
                         base, head).stdout
        chunks = split_patch(patch)
        if len(chunks) != len(entries):
            chunks = []
            for e in entries:
                paths = [e[3]] if e[3] == e[4] else [e[3], e[4]]
                chunks.append(self.run(
                    "diff", "-M", "-U3", "--no-color", "--no-ext-diff",
                    "--src-prefix=a/", "--dst-prefix=b/", base, head,
                    "--", *paths).stdout)
        files = []
        for e, chunk in zip(entries, chunks):
            files.append(make_file(e, chunk))
        self.cache[key] = files
        return files


def split_patch(patch):
    starts = [m.start() for m in re.finditer(rb"(?m)^diff --git ", patch)]
    return [patch[s:e] for s, e in zip(starts, starts[1:] + [len(patch)])]


def gitlab_mode(mode):
    return "0" if int(mode, 8) == 0 else mode


def make_file(entry, chunk):
    status, old_mode, new_mode, old_path, new_path = entry
    text = chunk.decode("utf-8", "replace")
    lines = text.split("\n")
    diff = ""
    for n, line in enumerate(lines):
        if line.startswith("@@") or line.startswith("Binary files "):
            diff = "\n".join(lines[n:])
            break
    return {
        "old_path": old_path,
        "new_path": new_path,
        "a_mode": gitlab_mode(old_mode),
        "b_mode": gitlab_mode(new_mode),
        "new_file": status == "A",
        "renamed_file": status == "R",
        "deleted_file": status == "D",
        "diff": diff,
        "too_large": False,
        "collapsed": False,
        "generated_file": False,
        "_lines": parse_diff_lines(diff),
    }


def parse_diff_lines(diff):
    """GitLab's reading of a diff: each line with its type ("new", "old",
    None for unchanged), its running counters (old_pos, new_pos) that line
    codes are made of, and its hunk number."""
    out = []
    hunk = -1
    old = new = 0
    for line in diff.split("\n"):
        m = re.match(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@", line)
        if m:
            hunk += 1
            old, new = int(m.group(1)), int(m.group(2))
            continue
        if hunk < 0 or line.startswith("\\") or line == "":
            continue
        if line[0] == "+":
            out.append({"type": "new", "old_pos": old, "new_pos": new,
                        "hunk": hunk})
            new += 1
        elif line[0] == "-":
            out.append({"type": "old", "old_pos": old, "new_pos": new,
                        "hunk": hunk})
            old += 1
        elif line[0] == " ":
            out.append({"type": None, "old_pos": old, "new_pos": new,
                        "hunk": hunk})
            old += 1
            new += 1
    for i, ln in enumerate(out):
        ln["index"] = i
        ln["old_line"] = None if ln["type"] == "new" else ln["old_pos"]
        ln["new_line"] = None if ln["type"] == "old" else ln["new_pos"]
    return out


def line_code(path, ln):
    return "%s_%d_%d" % (hashlib.sha1(path.encode("utf-8",
                         "surrogateescape")).hexdigest(),
                         ln["old_pos"], ln["new_pos"])


# --- state ----------------------------------------------------------------

class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.git = Git(args.repo)
        pid, _, path = args.project.partition(":")
        self.project_id = int(pid)
        self.project_path = path
        self.token = args.token
        self.job_token = args.job_token
        self.args = args
        self.too_large = set(args.too_large or [])
        self.collapsed = set(args.collapsed or [])
        self.max_files = args.max_files
        self.mrs = {}
        for spec in args.mr:
            # ":fork": the source branch lives in another project (a
            # fork), as GitLab reports it: a different source_project_id.
            # ":collab": the fork lets maintainers push (git refs hold no
            # ':', so the flags are what follows the third field).
            parts = spec.split(":")
            if len(parts) < 3 or not parts[0].isdigit():
                raise SystemExit("fakegitlab: bad --mr '%s' (IID:BASE:HEAD"
                                 "[:fork[:collab]])" % spec)
            iid, base, head = parts[:3]
            flags = set(parts[3:])
            if flags - {"fork", "collab"}:
                raise SystemExit("fakegitlab: unknown --mr flag %s" %
                                 sorted(flags - {"fork", "collab"}))
            if "collab" in flags and "fork" not in flags:
                raise SystemExit("fakegitlab: --mr '%s': :collab needs "
                                 ":fork" % spec)
            self.mrs[int(iid)] = {"iid": int(iid), "base": base,
                                  "head": head, "overrides": {},
                                  "fork": "fork" in flags,
                                  "collab": "collab" in flags,
                                  "state": "opened", "reviewer_ids": []}
        self.discussions = {}    # iid -> [discussion]
        self.drafts = {}         # iid -> [draft]
        self.statuses = []
        self.awards = []         # award emoji on notes, oldest first
        self.next_award = 0
        self.next_note = 1000
        self.next_event = 0
        self.next_disc = 0
        self.base_mrs = set(self.mrs)
        self.members = parse_members(args.member)
        self.issue_specs = load_issues(args.issues) if args.issues else []
        self.init_people()
        self.next_draft = 1
        self.next_status = 1
        self.faults = []
        self.log = []
        self.log_path = args.log
        self.next_conn = 0
        self.port = 0

    def reset(self):
        """Forget everything written and configured since the start."""
        self.too_large = set(self.args.too_large or [])
        self.collapsed = set(self.args.collapsed or [])
        self.max_files = self.args.max_files
        for iid in list(self.mrs):
            if iid not in self.base_mrs:
                del self.mrs[iid]
                continue
            m = self.mrs[iid]
            m["overrides"] = {}
            m["state"] = "opened"
            m["reviewer_ids"] = []
            m.pop("title", None)
            m.pop("description", None)
        self.init_people()
        self.discussions = {}
        self.drafts = {}
        self.statuses = []
        self.awards = []
        self.faults = []
        self.log = []
        self.write_log_locked()

    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def web_url(self):
        return "%s/%s" % (self.base_url(), self.project_path)

    # request log, as fakehttp.py keeps it
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

    def add_faults(self, faults):
        with self.lock:
            for fault in faults:
                fault = dict(fault)
                fault["_used"] = 0
                self.faults.append(fault)

    def match_fault(self, method, path):
        with self.lock:
            for fault in self.faults:
                times = fault.get("times", 1)
                if times and fault["_used"] >= times:
                    continue
                if fault.get("method", method) != method:
                    continue
                if not re.search(fault.get("path", ""), path):
                    continue
                fault["_used"] += 1
                return fault
        return None

    def new_id(self):
        self.next_note += 1
        return self.next_note

    def new_discussion_id(self):
        self.next_disc += 1
        return hashlib.sha1(b"discussion %d" % self.next_disc).hexdigest()

    # people: stable ids; the registry makes ids unique
    def init_people(self):
        self.users = {}
        self.ids = {}
        self.user(BOT["username"])
        self.user(MR_AUTHOR["username"])
        self.levels = dict(self.members)
        self.levels[BOT["username"]] = BOT_LEVEL
        for name in self.members:
            self.user(name)
        self.issues = {}
        for spec in self.issue_specs:
            self.add_issue(json.loads(json.dumps(spec)))

    def user(self, name):
        """The user `name` (None: tend-bot), made on first sight."""
        if name is None:
            name = BOT["username"]
        u = self.users.get(name)
        if u is None:
            if name == BOT["username"]:
                u = dict(BOT)
            elif name == MR_AUTHOR["username"]:
                u = dict(MR_AUTHOR)
            else:
                u = user_for(name)
            while u["id"] in self.ids:
                u["id"] += 1000
            self.users[name] = u
            self.ids[u["id"]] = name
        return dict(u)

    def user_by_id(self, uid):
        name = self.ids.get(uid)
        return self.user(name) if name else None

    def member_json(self, name):
        return dict(self.user(name), access_level=self.levels[name],
                    created_at="2024-01-01T00:00:00.000Z", expires_at=None,
                    membership_state="active",
                    web_url="%s/%s" % (self.base_url(), name))

    # issues
    def add_issue(self, spec):
        iid = spec["iid"] if spec.get("iid") else \
            max(list(self.issues) + [0]) + 1
        i = {
            "iid": iid,
            "title": spec.get("title", "Issue %d" % iid),
            "description": spec.get("description"),
            "author": spec.get("author", "alice"),
            "labels": list(spec.get("labels", [])),
            "assignees": list(spec.get("assignees", [])),
            "state": spec.get("state", "opened"),
            "created_at": spec.get("created_at",
                                   "2024-01-%02dT00:00:00.000Z" %
                                   (1 + iid % 28)),
            "updated_at": spec.get("created_at", now_iso()),
            "label_events": [],
            "notes": [],
            "note_disc": {},        # note id -> discussion id
            "disc_individual": {},  # discussion id -> made as one note
        }
        self.issues[iid] = i
        self.user(i["author"])
        for a in i["assignees"]:
            self.user(a)
        for e in spec.get("label_events", []):
            self.label_event(i, e["action"], e["label"], e.get("user"))
        for n in spec.get("notes", []):
            self.issue_note(i, n["body"], n.get("author", "alice"),
                            n.get("system", False))
        return i

    def issue(self, iid):
        i = self.issues.get(iid)
        if not i:
            raise not_found("Not found")
        return i

    def label_event(self, i, action, label, user):
        self.next_event += 1
        i["label_events"].append({
            "id": self.next_event,
            "user": self.user(user) if user is not None else None,
            "created_at": now_iso(),
            "resource_type": "Issue",
            "resource_id": 9000 + i["iid"],
            "label": None if label is None else {
                "id": 200 + int(hashlib.sha1(label.encode()).hexdigest()[:4],
                                16),
                "name": label, "color": "#428BCA", "description": None},
            "action": action,
        })

    def set_labels(self, i, add, remove, user):
        """Add then remove labels, an event for each real change."""
        for name in add:
            if name not in i["labels"]:
                i["labels"].append(name)
                self.label_event(i, "add", name, user)
        for name in remove:
            if name in i["labels"]:
                i["labels"].remove(name)
                self.label_event(i, "remove", name, user)
        i["updated_at"] = now_iso()

    def issue_note(self, i, body, author, system=False, created_at=None,
                   discussion_id=None):
        """A note on issue `i`: a discussion of its own, or the next note
        of discussion `discussion_id` (which must be one of i's)."""
        if discussion_id is not None and \
                discussion_id not in i["disc_individual"]:
            raise not_found("Not found")
        when = created_at or now_iso()
        n = {
            "id": self.new_id(),
            "type": "DiscussionNote" if discussion_id else None,
            "body": body,
            "attachment": None,
            "author": self.user(author),
            "created_at": when,
            "updated_at": when,
            "system": bool(system),
            "noteable_id": 9000 + i["iid"],
            "noteable_type": "Issue",
            "noteable_iid": i["iid"],
            "resolvable": False,
            "internal": False,
            "confidential": False,
        }
        i["notes"].append(n)
        if discussion_id is None:
            discussion_id = self.new_discussion_id()
            i["disc_individual"][discussion_id] = True
        else:
            i["disc_individual"][discussion_id] = False
        i["note_disc"][n["id"]] = discussion_id
        return n

    def issue_discussions(self, i):
        """Issue i's discussions as GitLab lists them: each plain note is
        a discussion of its own (individual_note) until someone replies."""
        order, groups = [], {}
        for n in i["notes"]:
            did = i["note_disc"][n["id"]]
            if did not in groups:
                groups[did] = []
                order.append(did)
            groups[did].append(n)
        return [{"id": did,
                 "individual_note": i["disc_individual"][did] and
                 len(groups[did]) == 1,
                 "notes": groups[did]} for did in order]

    def issue_discussion(self, i, did):
        for d in self.issue_discussions(i):
            if d["id"] == did:
                return d
        raise not_found("Not found")

    # note events and award emoji
    def note_event(self, n, title):
        return {
            "id": 70000 + n["id"],
            "title": None,
            "project_id": self.project_id,
            "action_name": "commented on",
            "target_id": n["id"],
            "target_iid": n["id"],
            "target_type": n["type"] or "Note",
            "author_id": n["author"]["id"],
            "target_title": title,
            "created_at": n["created_at"],
            "note": {k: v for k, v in n.items() if k != "line_code"},
            "author": dict(n["author"]),
            "author_username": n["author"]["username"],
            "imported": False,
            "imported_from": "none",
        }

    def events(self):
        """The "commented on" events of every note, oldest first. System
        notes make no event, as on GitLab."""
        out = []
        for i in self.issues.values():
            out += [self.note_event(n, i["title"]) for n in i["notes"]
                    if not n["system"]]
        for iid, ds in self.discussions.items():
            m = self.mrs.get(iid)
            title = m.get("title", "Merge request %d" % iid) if m else None
            out += [self.note_event(n, title) for d in ds
                    for n in d["notes"] if not n["system"]]
        out.sort(key=lambda e: (parse_time(e["created_at"]), e["id"]))
        return out

    def note_of(self, kind, iid, nid):
        """Note nid of issue or merge request iid (kind "Issue" or
        "MergeRequest")."""
        if kind == "Issue":
            for n in self.issue(iid)["notes"]:
                if n["id"] == nid:
                    return n
            raise not_found("Not found")
        self.mr(iid)
        return self.find_note(iid, nid)[1]

    def note_awards(self, n):
        return [public_draft(a) for a in self.awards
                if a["awardable_id"] == n["id"]]

    def award(self, n, name, user):
        """User `user` awards `name` to note n, as GitLab checks it: the
        answers of AwardEmojis::AddService through the API's not_found!."""
        if not isinstance(name, str) or not name:
            raise ApiError(400, {"error": "name is missing"})
        if n["system"]:
            raise not_found("Award Emoji Awardable cannot be awarded emoji "
                            "Not Found")
        if name not in EMOJI:
            raise not_found("Award Emoji Name is not a valid emoji name "
                            "Not Found")
        u = self.user(user)
        for a in self.awards:
            if a["awardable_id"] == n["id"] and a["name"] == name and \
                    a["user"]["id"] == u["id"]:
                raise not_found("Award Emoji Name has already been taken "
                                "Not Found")
        self.next_award += 1
        a = {"id": self.next_award, "name": name, "user": u,
             "created_at": now_iso(), "updated_at": now_iso(),
             "awardable_id": n["id"], "awardable_type": "Note", "url": None,
             "_noteable": n["noteable_type"], "_iid": n["noteable_iid"]}
        self.awards.append(a)
        return public_draft(a)

    def issue_json(self, i):
        iid = i["iid"]
        assignees = [self.user(a) for a in i["assignees"]]
        return {
            "id": 9000 + iid,
            "iid": iid,
            "project_id": self.project_id,
            "title": i["title"],
            "description": i["description"],
            "state": i["state"],
            "created_at": i["created_at"],
            "updated_at": i["updated_at"],
            "closed_at": None if i["state"] == "opened" else i["updated_at"],
            "labels": list(i["labels"]),
            "milestone": None,
            "assignees": assignees,
            "assignee": assignees[0] if assignees else None,
            "author": self.user(i["author"]),
            "type": "ISSUE",
            "issue_type": "issue",
            "user_notes_count": sum(1 for n in i["notes"]
                                    if not n["system"]),
            "confidential": False,
            "discussion_locked": None,
            "references": {"short": "#%d" % iid,
                           "full": "%s#%d" % (self.project_path, iid)},
            "web_url": "%s/-/issues/%d" % (self.web_url(), iid),
        }

    def open_mr_from(self, branch, but=None):
        for iid in sorted(self.mrs):
            m = self.mrs[iid]
            if iid != but and m["head"] == branch and not m["fork"] and \
                    self.mr_state(m) == "opened":
                return m
        return None

    # merge requests
    def mr(self, iid):
        m = self.mrs.get(iid)
        if not m:
            raise not_found("Not found")
        return m

    def diff_refs(self, m):
        start = self.git.rev("refs/heads/" + m["base"])
        head = self.git.rev("refs/heads/" + m["head"])
        if not start or not head:
            # A closed or merged merge request keeps its last diff when
            # its branch is deleted.
            if m.get("_refs") and self.mr_state(m) != "opened":
                return dict(m["_refs"])
            raise ApiError(500, {"message": "500 Internal Server Error"})
        m["_refs"] = {"base_sha": self.git.merge_base(start, head),
                      "start_sha": start, "head_sha": head}
        return dict(m["_refs"])

    def mr_state(self, m):
        return m["overrides"].get("state", m["state"])

    def files(self, m):
        refs = self.diff_refs(m)
        files = self.git.diff_files(refs["base_sha"], refs["head_sha"])
        out = []
        for f in files:
            f = dict(f)
            if f["new_path"] in self.too_large:
                f["too_large"] = True
                f["diff"] = ""
                f["_lines"] = []
            elif f["new_path"] in self.collapsed:
                f["collapsed"] = True
                f["diff"] = ""
                f["_lines"] = []
            out.append(f)
        total = len(out)
        if self.max_files and total > self.max_files:
            out = out[:self.max_files]
        return refs, out, total

    def fork_path(self):
        """The path of the project ":fork" merge requests come from."""
        return "forker/" + self.project_path.rsplit("/", 1)[-1]

    def mr_json(self, m):
        refs, files, total = self.files(m)
        subject, body = self.git.commit_message(refs["head_sha"])
        if self.max_files and total > self.max_files:
            count = "%d+" % self.max_files
        else:
            count = str(total)
        iid = m["iid"]
        title = m.get("title", subject)
        j = {
            "id": 5000 + iid,
            "iid": iid,
            "project_id": self.project_id,
            "title": title,
            "description": m.get("description", body),
            "state": m["state"],
            "created_at": m.get("created_at", "2024-01-01T00:00:00.000Z"),
            "updated_at": now_iso(),
            "target_branch": m["base"],
            "source_branch": m["head"],
            "author": self.user(m.get("author", MR_AUTHOR["username"])),
            "source_project_id": self.project_id + (1000 if m.get("fork")
                                                    else 0),
            "target_project_id": self.project_id,
            "draft": is_draft(title),
            "work_in_progress": is_draft(title),
            "reviewers": [self.user_by_id(u) for u in m["reviewer_ids"]],
            "merge_status": "can_be_merged",
            "detailed_merge_status": "mergeable",
            "sha": refs["head_sha"],
            "diff_refs": refs,
            "changes_count": count,
            "user_notes_count": sum(
                1 for d in self.discussions.get(iid, [])
                for n in d["notes"] if not n["system"]),
            "references": {"short": "!%d" % iid,
                           "full": "%s!%d" % (self.project_path, iid)},
            "web_url": "%s/-/merge_requests/%d" % (self.web_url(), iid),
        }
        if m.get("fork"):
            j["allow_collaboration"] = bool(m.get("collab"))
            j["allow_maintainer_to_push"] = bool(m.get("collab"))
        j.update(m["overrides"])
        return j

    # positions
    def check_position(self, m, pos):
        """Validate a diff position; returns (file, line) or raises."""
        if pos is None:
            return None, None
        if not isinstance(pos, dict):
            raise ApiError(400, {"message": SCHEMA_ERROR})
        if pos.get("position_type") != "text":
            raise ApiError(400, {"message": SCHEMA_ERROR}) \
                if pos.get("position_type") not in ("image", "file") \
                else bad_request("only text positions are supported here")
        for key in ("base_sha", "start_sha", "head_sha", "old_path",
                    "new_path"):
            if not isinstance(pos.get(key), str) or not pos.get(key):
                raise bad_request("400 Bad request - Note {:position=>"
                                  "[\"is incomplete\"]}")
        for key in ("old_line", "new_line"):
            v = pos.get(key)
            if v is not None and (not isinstance(v, int) or
                                  isinstance(v, bool) or v <= 0):
                raise ApiError(400, {"message": SCHEMA_ERROR})
        refs, files, _ = self.files(m)
        if any(pos[k] != refs[k] for k in refs):
            raise bad_request(LINE_CODE_ERROR)
        f = None
        for cand in files:
            if cand["new_path"] == pos["new_path"] and \
                    cand["old_path"] == pos["old_path"]:
                f = cand
                break
        if f is None:
            raise bad_request(LINE_CODE_ERROR)
        old_line, new_line = pos.get("old_line"), pos.get("new_line")
        if old_line is None and new_line is None:
            raise bad_request("400 Bad request - Note {:position=>"
                              "[\"is incomplete\"]}")
        line = None
        for ln in f["_lines"]:
            if ln["old_line"] == old_line and ln["new_line"] == new_line:
                line = ln
                break
        if line is None:
            raise bad_request(LINE_CODE_ERROR)
        lr = pos.get("line_range")
        if lr is not None:
            self.check_line_range(f, line, lr)
        return f, line

    def check_line_range(self, f, end_line, lr):
        if not isinstance(lr, dict) or set(lr) - {"start", "end"}:
            raise ApiError(400, {"message": SCHEMA_ERROR})
        ends = []
        for key in ("start", "end"):
            e = lr.get(key)
            if not isinstance(e, dict) or set(e) - {"line_code", "type"} \
                    or not isinstance(e.get("line_code"), str) \
                    or e.get("type") not in ("new", "old", None):
                raise ApiError(400, {"message": SCHEMA_ERROR})
            found = None
            for ln in f["_lines"]:
                if line_code(f["new_path"], ln) == e["line_code"]:
                    found = ln
                    break
            if found is None or found["type"] != e.get("type"):
                raise bad_request(LINE_CODE_ERROR)
            ends.append(found)
        start, end = ends
        if end["index"] != end_line["index"]:
            raise bad_request("400 Bad request - Note {:position=>"
                              "[\"line_range end is not the position's "
                              "line\"]}")
        if start["hunk"] != end["hunk"] or start["index"] > end["index"]:
            raise bad_request("400 Bad request - Note {:position=>"
                              "[\"line_range is not one range of one "
                              "hunk\"]}")

    # discussions and notes
    def make_note(self, iid, body, author, system=False, position=None,
                  f=None, line=None, resolvable=False, created_at=None):
        when = created_at or now_iso()
        n = {
            "id": self.new_id(),
            "type": "DiffNote" if position else
                    ("DiscussionNote" if resolvable else None),
            "body": body,
            "attachment": None,
            "author": self.user(author),
            "created_at": when,
            "updated_at": when,
            "system": bool(system),
            "noteable_id": 5000 + iid,
            "noteable_type": "MergeRequest",
            "noteable_iid": iid,
            "resolvable": bool(resolvable),
            "internal": False,
            "confidential": False,
        }
        if resolvable:
            n["resolved"] = False
            n["resolved_by"] = None
            n["resolved_at"] = None
        if position:
            p = {k: position.get(k) for k in (
                "base_sha", "start_sha", "head_sha", "old_path", "new_path",
                "position_type", "old_line", "new_line")}
            p["line_range"] = position.get("line_range")
            n["position"] = p
            if f is not None and line is not None:
                n["line_code"] = line_code(f["new_path"], line)
        return n

    def add_discussion(self, iid, note, individual):
        d = {"id": self.new_discussion_id(), "individual_note": individual,
             "notes": [note]}
        self.discussions.setdefault(iid, []).append(d)
        return d

    def find_discussion(self, iid, did):
        for d in self.discussions.get(iid, []):
            if d["id"] == did:
                return d
        raise not_found("Not found")

    def all_notes(self, iid):
        return [n for d in self.discussions.get(iid, []) for n in d["notes"]]

    def find_note(self, iid, nid):
        for d in self.discussions.get(iid, []):
            for n in d["notes"]:
                if n["id"] == nid:
                    return d, n
        raise not_found("Not found")

    def snapshot(self):
        return {
            "discussions": {str(k): v for k, v in self.discussions.items()},
            "drafts": {str(k): [public_draft(d) for d in v]
                       for k, v in self.drafts.items()},
            "statuses": self.statuses,
            "issues": [{
                "iid": i["iid"], "title": i["title"],
                "description": i["description"], "author": i["author"],
                "labels": i["labels"], "assignees": i["assignees"],
                "state": i["state"],
                "notes": [{"id": n["id"], "author": n["author"]["username"],
                           "body": n["body"], "system": n["system"],
                           "type": n["type"],
                           "created_at": n["created_at"],
                           "discussion_id": i["note_disc"][n["id"]]}
                          for n in i["notes"]],
                "label_events": [{
                    "id": e["id"], "action": e["action"],
                    "label": e["label"]["name"] if e["label"] else None,
                    "user": e["user"]["username"] if e["user"] else None}
                    for e in i["label_events"]],
            } for _, i in sorted(self.issues.items())],
            "merge_requests": [self.mr_summary(m)
                               for _, m in sorted(self.mrs.items())],
            "awards": [{"id": a["id"], "noteable": a["_noteable"],
                        "iid": a["_iid"], "note": a["awardable_id"],
                        "name": a["name"], "user": a["user"]["username"]}
                       for a in self.awards],
        }

    def mr_summary(self, m):
        try:
            j = self.mr_json(m)
        except (ApiError, RuntimeError):
            j = {"title": m.get("title"), "description":
                 m.get("description"), "draft": is_draft(m.get("title"))}
        return {"iid": m["iid"], "source_branch": m["head"],
                "target_branch": m["base"], "title": j["title"],
                "description": j["description"], "draft": j["draft"],
                "state": self.mr_state(m),
                "reviewer_ids": list(m["reviewer_ids"]),
                "created": m["iid"] not in self.base_mrs}


def public_draft(d):
    return {k: v for k, v in d.items() if not k.startswith("_")}


# --- HTTP -----------------------------------------------------------------

def parse_int(value, name):
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, {"error": "%s is invalid" % name})
    return n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakegitlab/1"
    # Answer at once: no Nagle delay between headers and body.
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

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
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
        raw_path, _, query = self.path.partition("?")
        fault = None
        if not raw_path.startswith("/__"):
            fault = state.match_fault(self.command, self.path)
        action = fault.get("action") if fault else None
        body = b"" if action == "drop" else self.read_body()
        state.record({
            "conn": self.conn_id,
            "client_port": self.client_address[1],
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "header_list": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
        })
        if action == "drop":
            self.hang_up()
            return
        if action == "delay":
            time.sleep(fault.get("ms", 0) / 1000.0)
        elif fault and action is None:
            self.respond(int(fault.get("status", 500)),
                         fault.get("body", {"message": "%s fault" %
                                            fault.get("status", 500)}),
                         fault.get("headers", {}))
            return
        try:
            status, out, headers = self.route(raw_path, query, body)
        except ApiError as e:
            status, out, headers = e.status, e.body, e.headers
        except Exception as e:  # a bug here must not hang the client
            status, out, headers = 500, {"message": "500 %s" % e}, {}
        if action == "store_then_drop":
            self.hang_up()
            return
        self.respond(status, out, headers)

    def hang_up(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def respond(self, status, out, headers):
        if out is None:
            data = b""
        elif isinstance(out, (bytes, bytearray)):
            data = bytes(out)
        elif isinstance(out, str):
            data = out.encode("utf-8")
        else:
            data = json.dumps(out).encode("utf-8")
        self.send_response(status)
        names = {k.lower() for k in headers}
        if out is not None and "content-type" not in names and \
                not isinstance(out, (bytes, bytearray, str)):
            self.send_header("Content-Type", "application/json")
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    # --- routing ---

    def params(self, query, body):
        params = {k: v[-1] for k, v in
                  urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        if body:
            ctype = self.headers.get("Content-Type", "")
            if "json" in ctype:
                try:
                    j = json.loads(body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    raise bad_request("400 Bad request - JSON body could "
                                      "not be parsed")
                if not isinstance(j, dict):
                    raise bad_request("400 Bad request - the body is not "
                                      "a JSON object")
                params.update(j)
            else:
                params.update({k: v[-1] for k, v in urllib.parse.parse_qs(
                    body.decode("utf-8", "replace")).items()})
        return params

    def auth(self):
        """'write', 'read' (job token) or raises 401."""
        state = self.server.state
        h = {k.lower(): v for k, v in self.headers.items()}
        tokens = []
        if "private-token" in h:
            tokens.append(h["private-token"])
        if "job-token" in h:
            tokens.append(h["job-token"])
        a = h.get("authorization", "")
        if a.lower().startswith("bearer "):
            tokens.append(a[7:].strip())
        for t in tokens:
            if t and t == state.token:
                return "write"
            if t and state.job_token and t == state.job_token:
                return "read"
        raise ApiError(401, {"message": "401 Unauthorized"})

    def route(self, raw_path, query, body):
        state = self.server.state
        if raw_path == "/__shutdown":
            threading.Thread(target=self.server.shutdown).start()
            self.close_connection = True
            return 200, "bye\n", {}
        if raw_path == "/__log":
            with state.lock:
                return 200, list(state.log), {}
        if raw_path.startswith("/__"):
            with state.lock:
                return self.control(raw_path, self.params("", body))
        if not raw_path.startswith(API + "/"):
            raise not_found("Not Found")
        segs = [urllib.parse.unquote(s) for s in
                raw_path[len(API) + 1:].split("/")]
        access = self.auth()
        params = self.params(query, body)
        if segs == ["user"]:
            # The token's user. A job token has none: GitLab answers
            # /user as if it had no credentials at all.
            if self.command != "GET":
                raise not_found("Not Found")
            if access != "write":
                raise ApiError(401, {"message": "401 Unauthorized"})
            return 200, dict(BOT, web_url=state.base_url() + "/" +
                             BOT["username"]), {}
        with state.lock:
            if segs[0] == "users":
                return self.users(segs[1:], params, query)
            return self.api(segs, params, query, access)

    def control(self, path, p):
        state = self.server.state
        if path == "/__state":
            return 200, state.snapshot(), {}
        if path == "/__control/faults":
            faults = p.get("faults", [])
            state.add_faults(faults)
            return 200, {"faults": len(state.faults)}, {}
        # A note's created_at (default now), for the tests of "since".
        when = None
        if path in ("/__control/reply", "/__control/note",
                    "/__control/issue-note") and \
                p.get("created_at") is not None:
            parse_time(p["created_at"])
            when = p["created_at"]
        if path == "/__control/reply":
            for i in state.issues.values():
                if p.get("discussion_id") in i["disc_individual"]:
                    n = state.issue_note(i, p.get("body", ""),
                                         p.get("author", "human"),
                                         created_at=when,
                                         discussion_id=p["discussion_id"])
                    return 201, n, {}
            for iid in state.discussions:
                for d in state.discussions[iid]:
                    if d["id"] == p.get("discussion_id"):
                        resolvable = d["notes"][0]["resolvable"]
                        # As GitLab: a reply in a diff discussion is a
                        # DiffNote at the discussion's position.
                        n = state.make_note(iid, p.get("body", ""),
                                            p.get("author", "human"),
                                            position=d["notes"][0].get(
                                                "position"),
                                            resolvable=resolvable,
                                            created_at=when)
                        if resolvable:
                            n["resolved"] = d["notes"][0].get("resolved")
                        d["notes"].append(n)
                        return 201, n, {}
            raise not_found("Discussion Not Found")
        if path == "/__control/note":
            iid = int(p.get("iid", next(iter(state.mrs))))
            pos = p.get("position")
            if pos:
                # Someone else's diff discussion: resolvable, on a line.
                pos = dict(state.diff_refs(state.mr(iid)), **pos)
                pos.setdefault("position_type", "text")
                n = state.make_note(iid, p.get("body", ""),
                                    p.get("author", "human"),
                                    position=pos, resolvable=True,
                                    created_at=when)
                d = state.add_discussion(iid, n, False)
                return 201, d, {}
            n = state.make_note(iid, p.get("body", ""),
                                p.get("author", "human"),
                                system=p.get("system", False),
                                created_at=when)
            d = state.add_discussion(iid, n, True)
            return 201, d, {}
        if path == "/__control/reset":
            state.reset()
            return 200, {}, {}
        if path == "/__control/config":
            if "too_large" in p:
                state.too_large = set(p["too_large"])
            if "collapsed" in p:
                state.collapsed = set(p["collapsed"])
            if "max_files" in p:
                state.max_files = int(p["max_files"])
            return 200, {}, {}
        if path == "/__control/mr":
            m = state.mr(int(p["iid"]))
            m["overrides"].update(p.get("set", {}))
            return 200, state.mr_json(m), {}
        if path == "/__control/issue-note":
            i = state.issue(int(p["issue"]))
            if not isinstance(p.get("body"), str):
                raise bad_request("body is a string")
            n = state.issue_note(i, p["body"], p.get("user", "human"),
                                 bool(p.get("system", False)),
                                 created_at=when,
                                 discussion_id=p.get("discussion_id"))
            return 201, n, {}
        if path == "/__control/resolve":
            # A person resolves (or unresolves) a merge request thread.
            for iid in state.discussions:
                for d in state.discussions[iid]:
                    if d["id"] != p.get("discussion_id"):
                        continue
                    if not d["notes"][0].get("resolvable"):
                        raise bad_request("not resolvable")
                    who = state.user(p.get("user", "human"))
                    on = bool(p.get("resolved", True))
                    for n in d["notes"]:
                        n["resolved"] = on
                        n["resolved_by"] = who if on else None
                        n["resolved_at"] = now_iso() if on else None
                    return 200, d, {}
            raise not_found("Discussion Not Found")
        if path == "/__control/award":
            if ("issue" in p) == ("mr" in p):
                raise bad_request("award: one of issue or mr")
            kind = "Issue" if "issue" in p else "MergeRequest"
            n = state.note_of(kind, int(p.get("issue", p.get("mr"))),
                              int(p.get("note", 0)))
            return 201, state.award(n, p.get("name"),
                                    p.get("user", "human")), {}
        if path == "/__control/label":
            i = state.issue(int(p["issue"]))
            action = p.get("action", "add")
            if action not in ("add", "remove") or \
                    not isinstance(p.get("label"), str):
                raise bad_request("label is a name, action add or remove")
            user = p.get("user", "human")
            state.set_labels(i, [p["label"]] if action == "add" else [],
                             [p["label"]] if action == "remove" else [],
                             user)
            return 200, state.issue_json(i), {}
        if path == "/__control/issue":
            if p.get("issue") is None:
                i = state.add_issue(p)
            else:
                i = state.issue(int(p["issue"]))
            if "state" in p:
                if p["state"] not in ("opened", "closed"):
                    raise bad_request("state is opened or closed")
                i["state"] = p["state"]
            if "assignees" in p:
                i["assignees"] = list(p["assignees"])
                for a in i["assignees"]:
                    state.user(a)
            for key in ("title", "description"):
                if key in p:
                    i[key] = p[key]
            i["updated_at"] = now_iso()
            return 200, state.issue_json(i), {}
        raise not_found("Not Found")

    def api(self, segs, p, query, access):
        state = self.server.state
        method = self.command
        if len(segs) < 2 or segs[0] != "projects":
            raise not_found("Not Found")
        if segs[1] == str(state.project_id + 1000) and len(segs) == 2 and \
                method == "GET" and any(m["fork"] for m in
                                        state.mrs.values()):
            # The forks' project, as a public fork shows itself.
            return 200, {"id": state.project_id + 1000,
                         "path_with_namespace": state.fork_path(),
                         "web_url": state.base_url() + "/" +
                         state.fork_path(),
                         "forked_from_project": {
                             "id": state.project_id,
                             "path_with_namespace": state.project_path}}, {}
        if segs[1] not in (str(state.project_id), state.project_path):
            raise not_found("Project Not Found")
        rest = segs[2:]
        writes = method in ("POST", "PUT", "DELETE", "PATCH")
        if writes and access != "write":
            raise ApiError(403, {"message": "403 Forbidden"})
        if not rest:
            if method != "GET":
                raise not_found("Not Found")
            return 200, {"id": state.project_id,
                         "path_with_namespace": state.project_path,
                         "web_url": state.web_url()}, {}
        if rest[0] == "statuses" and len(rest) == 2 and method == "POST":
            return self.post_status(rest[1], p)
        if rest[:2] == ["repository", "commits"] and len(rest) == 4 and \
                rest[3] == "statuses" and method == "GET":
            sha = state.git.rev(rest[2])
            if not sha:
                raise not_found("Commit Not Found")
            items = [s for s in reversed(state.statuses)
                     if s["sha"] == sha and
                     p.get("name", s["name"]) == s["name"] and
                     p.get("ref", s["ref"]) == s["ref"]]
            if p.get("all") not in (True, "true", "1"):
                seen, latest = set(), []
                for s in items:
                    if s["name"] not in seen:
                        seen.add(s["name"])
                        latest.append(s)
                items = latest
            return self.paginate(items, p, query)
        if rest == ["events"] and method == "GET":
            return self.list_events(p, query)
        # -- outcomes (tend stats)
        if rest[:2] == ["repository", "files"] and len(rest) == 3 and \
                method == "GET":
            return self.repo_file(rest[2], p)
        if rest == ["merge_requests"] and method == "GET":
            return self.list_mrs(p, query)
        if rest == ["merge_requests"] and method == "POST":
            return self.create_mr(p)
        if rest[0] == "issues":
            return self.issues(rest[1:], p, query)
        if rest[:2] == ["members", "all"] and method == "GET":
            return self.members_all(rest[2:], p, query)
        if rest[0] != "merge_requests" or len(rest) < 2:
            raise not_found("Not Found")
        iid = parse_int(rest[1], "merge_request_iid")
        m = state.mr(iid)
        rest = rest[2:]
        if not rest:
            if method == "PUT":
                return self.update_mr(m, p)
            if method != "GET":
                raise not_found("Not Found")
            return 200, state.mr_json(m), {}
        what = rest[0]
        if what == "diffs" and len(rest) == 1 and method == "GET":
            _, files, _ = state.files(m)
            items = [{k: v for k, v in f.items() if not k.startswith("_")}
                     for f in files]
            return self.paginate(items, p, query)
        if what == "discussions":
            return self.discussions(m, rest[1:], p, query)
        if what == "notes":
            return self.notes(m, rest[1:], p, query)
        if what == "draft_notes":
            return self.draft_notes(m, rest[1:], p, query)
        # -- outcomes (tend stats)
        if what == "commits" and len(rest) == 1 and method == "GET":
            return self.mr_commits(m, p, query)
        raise not_found("Not Found")

    # --- outcomes (tend stats): a file at a ref ---

    def repo_file(self, path, p):
        """GET /projects/:id/repository/files/:path?ref=: base64 JSON;
        ref is required (400), a missing file 404 "File Not Found"."""
        import base64
        state = self.server.state
        ref = p.get("ref")
        if not ref:
            raise ApiError(400, {"error": "ref is missing"})
        sha = state.git.rev(ref)
        out = state.git.run("cat-file", "blob", "%s:%s" % (sha, path),
                            check=False) if sha else None
        if out is None or out.returncode != 0:
            raise ApiError(404, {"message": "404 File Not Found"})
        data = out.stdout
        return 200, {"file_name": path.rsplit("/", 1)[-1],
                     "file_path": path, "size": len(data),
                     "encoding": "base64", "ref": ref,
                     "content": base64.b64encode(data).decode(),
                     "commit_id": sha, "last_commit_id": sha}, {}

    # --- outcomes (tend stats): merge request commits ---

    def mr_commits(self, m, p, query):
        """GET .../merge_requests/:iid/commits: newest first, as GitLab
        lists them, each with id, short_id, title and the whole
        message."""
        state = self.server.state
        refs = state.diff_refs(m)
        out = state.git.run("log", "--format=%H%x00%B%x00",
                            "%s..%s" % (refs["base_sha"],
                                        refs["head_sha"])).stdout
        items = []
        parts = out.decode().split("\x00")
        for i in range(0, len(parts) - 1, 2):
            sha = parts[i].strip()
            msg = parts[i + 1]
            if not sha:
                continue
            items.append({"id": sha, "short_id": sha[:8],
                          "title": msg.split("\n", 1)[0],
                          "message": msg.lstrip("\n"),
                          "created_at": "2024-01-01T00:00:00.000Z"})
        return self.paginate(items, p, query)

    # --- people ---

    def users(self, rest, p, query):
        state = self.server.state
        if self.command != "GET":
            raise not_found("Not Found")
        if rest:
            uid = parse_int(rest[0], "id")
            u = state.user_by_id(uid)
            if len(rest) != 1 or not u:
                raise not_found("User Not Found")
            return 200, u, {}
        names = sorted(state.users)
        if "username" in p:
            # GitLab matches the username ignoring case.
            names = [n for n in names if n.lower() == p["username"].lower()]
        return self.paginate([state.user(n) for n in names], p, query)

    def members_all(self, rest, p, query):
        state = self.server.state
        if not rest:
            return self.paginate([state.member_json(n) for n in
                                  sorted(state.levels)], p, query)
        uid = parse_int(rest[0], "user_id")
        name = state.ids.get(uid)
        if len(rest) != 1 or name not in state.levels:
            raise not_found("Not found")
        return 200, state.member_json(name), {}

    # --- issues ---

    def issues(self, rest, p, query):
        state = self.server.state
        method = self.command
        if not rest:
            if method != "GET":
                raise not_found("Not Found")
            return self.list_issues(p, query)
        iid = parse_int(rest[0], "issue_iid")
        i = state.issue(iid)
        rest = rest[1:]
        if not rest:
            if method == "GET":
                return 200, state.issue_json(i), {}
            if method == "PUT":
                return self.update_issue(i, p)
            raise not_found("Not Found")
        if rest == ["resource_label_events"] and method == "GET":
            return self.paginate(list(i["label_events"]), p, query)
        if rest[0] == "notes":
            return self.issue_notes(i, rest[1:], p, query)
        if rest[0] == "discussions":
            return self.issue_discussions(i, rest[1:], p, query)
        raise not_found("Not Found")

    def list_issues(self, p, query):
        state = self.server.state
        want = p.get("state", "all")
        if want not in ("opened", "closed", "all"):
            raise ApiError(400, {"error": "state does not have a valid "
                                          "value"})
        order = p.get("order_by", "created_at")
        if order not in ("created_at", "updated_at", "priority", "due_date",
                         "relative_position", "label_priority",
                         "milestone_due", "popularity", "weight", "title"):
            raise ApiError(400, {"error": "order_by does not have a valid "
                                          "value"})
        sort = p.get("sort", "desc")
        if sort not in ("asc", "desc"):
            raise ApiError(400, {"error": "sort does not have a valid "
                                          "value"})
        labels = None
        if p.get("labels"):
            labels = [x.strip() for x in p["labels"].split(",") if x.strip()]
        items = []
        for i in state.issues.values():
            if want != "all" and i["state"] != want:
                continue
            if labels == ["None"]:
                if i["labels"]:
                    continue
            elif labels == ["Any"]:
                if not i["labels"]:
                    continue
            elif labels and not all(x in i["labels"] for x in labels):
                continue
            items.append(i)
        key = "title" if order == "title" else \
            "updated_at" if order == "updated_at" else "created_at"
        items.sort(key=lambda i: (i[key], i["iid"]), reverse=sort == "desc")
        return self.paginate([state.issue_json(i) for i in items], p, query)

    @staticmethod
    def label_list(p, key):
        """A labels parameter: "a,b" or ["a", "b"]; 400 otherwise."""
        v = p.get(key)
        if v is None:
            return []
        if isinstance(v, str):
            return [x.strip() for x in v.split(",") if x.strip()]
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return [x.strip() for x in v if x.strip()]
        raise ApiError(400, {"error": "%s is invalid" % key})

    ISSUE_PARAMS = ("add_labels", "remove_labels", "labels", "state_event",
                    "title", "description", "assignee_ids",
                    "confidential", "discussion_locked", "milestone_id",
                    "due_date", "weight", "issue_type")

    def update_issue(self, i, p):
        state = self.server.state
        if not any(k in p for k in self.ISSUE_PARAMS):
            raise ApiError(400, {"error": ", ".join(self.ISSUE_PARAMS) +
                                 " are missing, at least one parameter "
                                 "must be provided"})
        add = self.label_list(p, "add_labels")
        remove = self.label_list(p, "remove_labels")
        for key in ("title", "description"):
            if key in p and not isinstance(p[key], str):
                raise ApiError(400, {"error": "%s is invalid" % key})
        ev = p.get("state_event")
        if ev is not None and ev not in ("close", "reopen"):
            raise ApiError(400, {"error": "state_event does not have a "
                                          "valid value"})
        if "labels" in p:
            want = self.label_list(p, "labels")
            add = add + [x for x in want if x not in i["labels"]]
            remove = remove + [x for x in i["labels"] if x not in want]
        if "assignee_ids" in p:
            ids = p["assignee_ids"]
            if not isinstance(ids, list) or \
                    not all(isinstance(x, int) for x in ids):
                raise ApiError(400, {"error": "assignee_ids is invalid"})
            i["assignees"] = [state.ids[x] for x in ids if x in state.ids]
        if "title" in p:
            if not p["title"]:
                raise bad_request({"title": ["can't be blank"]})
            i["title"] = p["title"]
        if "description" in p:
            i["description"] = p["description"]
        if ev:
            i["state"] = "closed" if ev == "close" else "opened"
        state.set_labels(i, add, remove, BOT["username"])
        return 200, state.issue_json(i), {}

    def issue_notes(self, i, rest, p, query):
        state = self.server.state
        method = self.command
        if not rest:
            if method == "GET":
                if p.get("sort", "desc") not in ("asc", "desc") or \
                        p.get("order_by", "created_at") not in (
                            "created_at", "updated_at"):
                    raise ApiError(400, {"error": "sort does not have a "
                                                  "valid value"})
                notes = sorted(i["notes"], key=lambda n: n["id"],
                               reverse=p.get("sort", "desc") != "asc")
                return self.paginate(notes, p, query)
            if method == "POST":
                body = p.get("body")
                if not isinstance(body, str) or not body:
                    raise ApiError(400, {"error": "body is missing"})
                if len(body) > 1000000:
                    raise bad_request({"note": ["is too long (maximum is "
                                                "1000000 characters)"]})
                return 201, state.issue_note(i, body, BOT["username"]), {}
            raise not_found("Not Found")
        nid = parse_int(rest[0], "note_id")
        found = [n for n in i["notes"] if n["id"] == nid]
        if found and rest[1:] == ["award_emoji"]:
            return self.award_emoji(found[0], p, query)
        if len(rest) != 1 or not found:
            raise not_found("Note Not Found" if not found else "Not Found")
        n = found[0]
        if method == "GET":
            return 200, n, {}
        if method in ("PUT", "DELETE") and \
                n["author"]["username"] != BOT["username"]:
            raise ApiError(403, {"message": "403 Forbidden"})
        if method == "PUT":
            body = p.get("body")
            if not isinstance(body, str) or not body:
                raise ApiError(400, {"error": "body is missing"})
            n["body"] = body
            n["updated_at"] = now_iso()
            return 200, n, {}
        if method == "DELETE":
            i["notes"].remove(n)
            return 204, None, {}
        raise not_found("Not Found")

    def issue_discussions(self, i, rest, p, query):
        state = self.server.state
        method = self.command
        if not rest:
            if method == "GET":
                return self.paginate(state.issue_discussions(i), p, query)
            if method == "POST":
                body = p.get("body")
                if not isinstance(body, str) or not body:
                    raise ApiError(400, {"error": "body is missing"})
                n = state.issue_note(i, body, BOT["username"])
                i["disc_individual"][i["note_disc"][n["id"]]] = False
                return 201, state.issue_discussion(
                    i, i["note_disc"][n["id"]]), {}
            raise not_found("Not Found")
        d = state.issue_discussion(i, rest[0])
        if len(rest) == 1 and method == "GET":
            return 200, d, {}
        if rest[1:] == ["notes"] and method == "POST":
            body = p.get("body")
            if not isinstance(body, str) or not body:
                raise ApiError(400, {"error": "body is missing"})
            if len(body) > 1000000:
                raise bad_request({"note": ["is too long (maximum is "
                                            "1000000 characters)"]})
            n = state.issue_note(i, body, BOT["username"],
                                 discussion_id=d["id"])
            return 201, n, {}
        raise not_found("Not Found")

    def award_emoji(self, n, p, query):
        """GET or POST .../notes/:note_id/award_emoji (POST: as the
        token's user, tend-bot)."""
        state = self.server.state
        if self.command == "GET":
            return self.paginate(state.note_awards(n), p, query)
        if self.command == "POST":
            return 201, state.award(n, p.get("name"), BOT["username"]), {}
        raise not_found("Not Found")

    def list_events(self, p, query):
        """GET /projects/:id/events: only note events live here, so any
        other action or target type is an empty list."""
        state = self.server.state
        action = p.get("action")
        if action is not None and action not in EVENT_ACTIONS:
            raise ApiError(400, {"error": "action does not have a valid "
                                          "value"})
        target = p.get("target_type")
        if target is not None and target not in EVENT_TARGETS:
            raise ApiError(400, {"error": "target_type does not have a "
                                          "valid value"})
        sort = p.get("sort", "desc")
        if sort not in ("asc", "desc"):
            raise ApiError(400, {"error": "sort does not have a valid "
                                          "value"})
        after = parse_date(p["after"], "after") if "after" in p else None
        before = parse_date(p["before"], "before") if "before" in p \
            else None
        items = []
        if action in (None, "commented") and target in (None, "note"):
            for e in state.events():
                day = parse_time(e["created_at"]).astimezone(
                    datetime.timezone.utc).date()
                # Both are dates and exclusive: after the end of `after`'s
                # day, before the start of `before`'s.
                if after is not None and day <= after:
                    continue
                if before is not None and day >= before:
                    continue
                items.append(e)
        if sort == "desc":
            items.reverse()
        return self.paginate(items, p, query)

    # --- opening and editing merge requests ---

    @staticmethod
    def check_types(p, strings=(), bools=(), int_lists=(), required=()):
        """Grape's checks: missing first, then wrong types."""
        missing = [k for k in required if p.get(k) is None]
        if missing:
            raise ApiError(400, {"error": ", ".join(
                "%s is missing" % k for k in missing)})
        bad = []
        for k in strings:
            if k in p and p[k] is not None and not isinstance(p[k], str):
                bad.append(k)
        for k in bools:
            if k in p and p[k] not in (True, False, "true", "false"):
                bad.append(k)
        for k in int_lists:
            v = p.get(k)
            if v is None or (isinstance(v, str) and
                             re.fullmatch(r"(\d+(,\d+)*)?", v)):
                continue
            if not isinstance(v, list) or not all(
                    isinstance(x, int) and not isinstance(x, bool)
                    for x in v):
                bad.append(k)
        if bad:
            raise ApiError(400, {"error": ", ".join(
                "%s is invalid" % k for k in bad)})

    @staticmethod
    def int_list(v):
        if v is None:
            return []
        if isinstance(v, str):
            return [int(x) for x in v.split(",") if x]
        return list(v)

    def reviewers(self, ids):
        """The ids GitLab keeps: users who can see the merge request
        (Reporter or more here); the others are dropped silently."""
        state = self.server.state
        out = []
        for uid in ids:
            name = state.ids.get(uid)
            if name and state.levels.get(name, 0) >= 20 and uid not in out:
                out.append(uid)
        return out

    def create_mr(self, p):
        state = self.server.state
        self.check_types(p, strings=("source_branch", "target_branch",
                                     "title", "description"),
                         bools=("remove_source_branch", "squash",
                                "allow_collaboration"),
                         int_lists=("assignee_ids", "reviewer_ids"),
                         required=("source_branch", "target_branch",
                                   "title"))
        src, dst, title = p["source_branch"], p["target_branch"], p["title"]
        if src == dst:
            raise ApiError(422, {"message": ["You can't use same "
                                             "project/branch for source "
                                             "and target"]})
        errors = []
        if not state.git.rev("refs/heads/" + src):
            errors.append("Source branch \"%s\" does not exist" % src)
        if not state.git.rev("refs/heads/" + dst):
            errors.append("Target branch \"%s\" does not exist" % dst)
        if errors:
            raise ApiError(400, {"message": {"base": errors}})
        if not title.strip():
            raise ApiError(400, {"message": {"title": ["can't be blank"]}})
        other = state.open_mr_from(src)
        if other:
            raise ApiError(409, {"message": [
                "Another open merge request already exists for this "
                "source branch: !%d" % other["iid"]]})
        iid = max(list(state.mrs) + [0]) + 1
        m = {"iid": iid, "base": dst, "head": src, "overrides": {},
             "fork": False, "collab": False, "state": "opened",
             "reviewer_ids": self.reviewers(self.int_list(
                 p.get("reviewer_ids"))),
             "title": title, "description": p.get("description") or "",
             "author": BOT["username"], "created_at": now_iso()}
        state.mrs[iid] = m
        try:
            return 201, state.mr_json(m), {}
        except ApiError:
            del state.mrs[iid]
            raise

    MR_PARAMS = ("title", "description", "reviewer_ids", "assignee_ids",
                 "state_event", "target_branch", "labels", "add_labels",
                 "remove_labels", "remove_source_branch", "squash",
                 "discussion_locked", "allow_collaboration", "milestone_id")

    def update_mr(self, m, p):
        state = self.server.state
        if not any(k in p for k in self.MR_PARAMS):
            raise ApiError(400, {"error": ", ".join(self.MR_PARAMS) +
                                 " are missing, at least one parameter "
                                 "must be provided"})
        self.check_types(p, strings=("title", "description",
                                     "target_branch", "state_event"),
                         bools=("remove_source_branch", "squash",
                                "discussion_locked", "allow_collaboration"),
                         int_lists=("assignee_ids", "reviewer_ids"))
        ev = p.get("state_event")
        if ev is not None and ev not in ("close", "reopen"):
            raise ApiError(400, {"error": "state_event does not have a "
                                          "valid value"})
        if "title" in p and not p["title"].strip():
            raise ApiError(400, {"message": {"title": ["can't be blank"]}})
        if "target_branch" in p and \
                not state.git.rev("refs/heads/" + p["target_branch"]):
            raise ApiError(400, {"message": {"base": [
                "Target branch \"%s\" does not exist" %
                p["target_branch"]]}})
        cur = state.mr_state(m)
        if ev == "reopen" and cur == "closed":
            other = state.open_mr_from(m["head"], but=m["iid"])
            if other and not m["fork"]:
                raise ApiError(409, {"message": [
                    "Another open merge request already exists for this "
                    "source branch: !%d" % other["iid"]]})
        if "title" in p:
            m["title"] = p["title"]
            m["overrides"].pop("draft", None)
            m["overrides"].pop("title", None)
        if "description" in p:
            m["description"] = p["description"]
            m["overrides"].pop("description", None)
        if "target_branch" in p:
            m["base"] = p["target_branch"]
        if "reviewer_ids" in p:
            m["reviewer_ids"] = self.reviewers(self.int_list(
                p["reviewer_ids"]))
        # A merged merge request neither closes nor reopens.
        if ev and cur != "merged":
            m["state"] = "closed" if ev == "close" else "opened"
            m["overrides"].pop("state", None)
        return 200, state.mr_json(m), {}

    # What GET .../merge_requests/:iid adds to a list's entries.
    SINGLE_ONLY = ("diff_refs", "changes_count", "user_notes_count")

    def list_mrs(self, p, query):
        state = self.server.state
        want = p.get("state", "all")
        if want not in ("opened", "closed", "locked", "merged", "all"):
            raise ApiError(400, {"error": "state does not have a valid "
                                          "value"})
        if p.get("order_by", "created_at") not in ("created_at",
                                                   "updated_at", "title",
                                                   "merged_at"):
            raise ApiError(400, {"error": "order_by does not have a valid "
                                          "value"})
        if p.get("sort", "desc") not in ("asc", "desc"):
            raise ApiError(400, {"error": "sort does not have a valid "
                                          "value"})
        if "updated_after" in p:
            try:
                parse_time(p["updated_after"])
            except Exception:
                raise ApiError(400, {"error": "updated_after is invalid"})
        items = []
        for iid in sorted(state.mrs, reverse=p.get("sort", "desc") ==
                          "desc"):
            j = state.mr_json(state.mrs[iid])
            if want != "all" and j["state"] != want:
                continue
            if "source_branch" in p and \
                    j["source_branch"] != p["source_branch"]:
                continue
            items.append({k: v for k, v in j.items()
                          if k not in self.SINGLE_ONLY})
        return self.paginate(items, p, query)

    def paginate(self, items, p, query):
        page = parse_int(p.get("page", "1") or "1", "page")
        per_page = parse_int(p.get("per_page", "20") or "20", "per_page")
        if page < 1:
            page = 1
        if per_page < 1:
            per_page = 20
        per_page = min(per_page, 100)
        total = len(items)
        pages = max(1, (total + per_page - 1) // per_page)
        chunk = items[(page - 1) * per_page: page * per_page]
        q = {k: v[-1] for k, v in
             urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        base = self.server.state.base_url() + self.path.partition("?")[0]

        def link(n):
            q2 = dict(q)
            q2["page"] = str(n)
            q2["per_page"] = str(per_page)
            return "%s?%s" % (base, urllib.parse.urlencode(q2))
        links = []
        if page > 1:
            links.append('<%s>; rel="prev"' % link(page - 1))
        if page < pages:
            links.append('<%s>; rel="next"' % link(page + 1))
        links.append('<%s>; rel="first"' % link(1))
        links.append('<%s>; rel="last"' % link(pages))
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-next-page": str(page + 1) if page < pages else "",
            "x-prev-page": str(page - 1) if page > 1 else "",
            "x-total": str(total),
            "x-total-pages": str(pages),
            "Link": ", ".join(links),
        }
        return 200, chunk, headers

    def discussions(self, m, rest, p, query):
        state = self.server.state
        iid = m["iid"]
        method = self.command
        if not rest:
            if method == "GET":
                return self.paginate(state.discussions.get(iid, []), p,
                                     query)
            if method == "POST":
                body = p.get("body")
                if not isinstance(body, str) or not body:
                    raise ApiError(400, {"error": "body is missing"})
                pos = p.get("position")
                f, line = state.check_position(m, pos)
                n = state.make_note(iid, body, "tend-bot", position=pos,
                                    f=f, line=line, resolvable=True)
                return 201, state.add_discussion(iid, n, False), {}
            raise not_found("Not Found")
        d = state.find_discussion(iid, rest[0])
        if len(rest) == 1:
            if method == "GET":
                return 200, d, {}
            if method == "PUT":
                resolved = p.get("resolved")
                if resolved in (True, "true", "1", 1):
                    resolved = True
                elif resolved in (False, "false", "0", 0):
                    resolved = False
                else:
                    raise ApiError(400, {"error": "resolved is missing"})
                if not d["notes"][0].get("resolvable"):
                    raise bad_request("400 Bad request - Discussion is not "
                                      "resolvable")
                for n in d["notes"]:
                    if n.get("resolvable"):
                        n["resolved"] = resolved
                        n["resolved_by"] = dict(BOT) if resolved else None
                        n["resolved_at"] = now_iso() if resolved else None
                return 200, d, {}
            raise not_found("Not Found")
        if rest[1:] == ["notes"] and method == "POST":
            body = p.get("body")
            if not isinstance(body, str) or not body:
                raise ApiError(400, {"error": "body is missing"})
            first = d["notes"][0]
            n = state.make_note(iid, body, "tend-bot",
                                resolvable=first.get("resolvable", False))
            if n["resolvable"]:
                n["resolved"] = first.get("resolved", False)
            d["notes"].append(n)
            return 201, n, {}
        raise not_found("Not Found")

    def notes(self, m, rest, p, query):
        state = self.server.state
        iid = m["iid"]
        method = self.command
        if not rest:
            if method == "GET":
                notes = state.all_notes(iid)
                notes.sort(key=lambda n: n["id"],
                           reverse=p.get("sort", "desc") != "asc")
                return self.paginate(notes, p, query)
            if method == "POST":
                body = p.get("body")
                if not isinstance(body, str) or not body:
                    raise ApiError(400, {"error": "body is missing"})
                if len(body) > 1000000:
                    raise bad_request({"note": ["is too long (maximum is "
                                                "1000000 characters)"]})
                n = state.make_note(iid, body, "tend-bot")
                state.add_discussion(iid, n, True)
                return 201, n, {}
            raise not_found("Not Found")
        nid = parse_int(rest[0], "note_id")
        d, n = state.find_note(iid, nid)
        if rest[1:] == ["award_emoji"]:
            return self.award_emoji(n, p, query)
        if len(rest) != 1:
            raise not_found("Not Found")
        if method == "GET":
            return 200, n, {}
        if method == "PUT":
            if n["author"]["username"] != BOT["username"]:
                raise ApiError(403, {"message": "403 Forbidden"})
            body = p.get("body")
            if not isinstance(body, str) or not body:
                raise ApiError(400, {"error": "body is missing"})
            n["body"] = body
            n["updated_at"] = now_iso()
            return 200, n, {}
        if method == "DELETE":
            if n["author"]["username"] != BOT["username"]:
                raise ApiError(403, {"message": "403 Forbidden"})
            d["notes"].remove(n)
            if not d["notes"]:
                state.discussions[iid].remove(d)
            return 204, None, {}
        raise not_found("Not Found")

    def draft_notes(self, m, rest, p, query):
        state = self.server.state
        iid = m["iid"]
        method = self.command
        drafts = state.drafts.setdefault(iid, [])
        if not rest:
            if method == "GET":
                return self.paginate([public_draft(d) for d in drafts], p,
                                     query)
            if method == "POST":
                note = p.get("note")
                if not isinstance(note, str) or not note:
                    raise ApiError(400, {"error": "note is missing"})
                pos = p.get("position")
                reply_to = p.get("in_reply_to_discussion_id")
                if reply_to is not None:
                    state.find_discussion(iid, reply_to)
                f, line = state.check_position(m, pos)
                state.next_draft += 1
                d = {
                    "id": state.next_draft,
                    "author_id": BOT["id"],
                    "merge_request_id": 5000 + iid,
                    "resolve_discussion": bool(p.get("resolve_discussion")),
                    "discussion_id": reply_to,
                    "note": note,
                    "commit_id": p.get("commit_id"),
                    "line_code": line_code(f["new_path"], line)
                    if line else None,
                    "position": None,
                    "_file": f,
                    "_line": line,
                }
                if pos is not None:
                    d["position"] = {k: pos.get(k) for k in (
                        "base_sha", "start_sha", "head_sha", "old_path",
                        "new_path", "position_type", "old_line",
                        "new_line")}
                    d["position"]["line_range"] = pos.get("line_range")
                drafts.append(d)
                return 201, public_draft(d), {}
            raise not_found("Not Found")
        if rest == ["bulk_publish"] and method == "POST":
            for d in list(drafts):
                self.publish(m, d)
            drafts.clear()
            if isinstance(p.get("note"), str) and p["note"]:
                n = state.make_note(iid, p["note"], "tend-bot")
                state.add_discussion(iid, n, True)
            return 204, None, {}
        dnid = parse_int(rest[0], "draft_note_id")
        found = [d for d in drafts if d["id"] == dnid]
        if not found:
            raise not_found("Not found")
        d = found[0]
        if len(rest) == 2 and rest[1] == "publish" and method == "PUT":
            self.publish(m, d)
            drafts.remove(d)
            return 204, None, {}
        if len(rest) != 1:
            raise not_found("Not Found")
        if method == "GET":
            return 200, public_draft(d), {}
        if method == "DELETE":
            drafts.remove(d)
            return 204, None, {}
        if method == "PUT":
            if isinstance(p.get("note"), str) and p["note"]:
                d["note"] = p["note"]
            return 200, public_draft(d), {}
        raise not_found("Not Found")

    def publish(self, m, d):
        state = self.server.state
        iid = m["iid"]
        if d["discussion_id"]:
            disc = state.find_discussion(iid, d["discussion_id"])
            first = disc["notes"][0]
            n = state.make_note(iid, d["note"], "tend-bot",
                                resolvable=first.get("resolvable", False))
            if n["resolvable"]:
                n["resolved"] = bool(d["resolve_discussion"]) or \
                    first.get("resolved", False)
            disc["notes"].append(n)
            return
        n = state.make_note(iid, d["note"], "tend-bot",
                            position=d["position"], f=d["_file"],
                            line=d["_line"], resolvable=True)
        state.add_discussion(iid, n, False)

    def post_status(self, sha_arg, p):
        state = self.server.state
        sha = state.git.rev(sha_arg)
        if not sha or not re.fullmatch(r"[0-9a-f]{7,40}", sha_arg):
            raise not_found("Commit Not Found")
        st = p.get("state")
        if st is None:
            raise ApiError(400, {"error": "state is missing"})
        if st not in VALID_STATES:
            raise ApiError(400, {"error": "state does not have a valid "
                                          "value"})
        name = p.get("name") or p.get("context") or "default"
        desc = p.get("description")
        if desc is not None and (not isinstance(desc, str) or
                                 len(desc) > 255):
            raise bad_request({"description": ["is too long (maximum is "
                                               "255 characters)"]})
        url = p.get("target_url")
        if url is not None and (not isinstance(url, str) or
                                not re.match(r"https?://", url)):
            raise bad_request({"target_url": ["is blocked: Only allowed "
                                              "schemes are http, https"]})
        ref = p.get("ref")
        live = [s for s in state.statuses if s["sha"] == sha and
                s["name"] == name and (ref is None or s["ref"] == ref) and
                s["status"] in ("pending", "running")]
        if live:
            s = live[-1]
            if s["status"] == st:
                verb = "enqueue" if st == "pending" else "run"
                raise bad_request("Cannot transition status via :%s from "
                                  ":%s (Reason(s): Status cannot "
                                  "transition via \"%s\")" % (verb, st,
                                                              verb))
        else:
            state.next_status += 1
            s = {"id": state.next_status, "sha": sha, "ref": ref,
                 "name": name, "allow_failure": False, "coverage": None,
                 "author": dict(BOT), "created_at": now_iso(),
                 "started_at": None, "finished_at": None}
            state.statuses.append(s)
        s["status"] = st
        s["description"] = desc
        s["target_url"] = url
        if st not in ("pending", "running"):
            s["finished_at"] = now_iso()
        return 201, s, {}


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="strict fake GitLab API v4")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--project", required=True, help="ID:group/path")
    ap.add_argument("--mr", action="append", default=[],
                    help="IID:BASE_BRANCH:HEAD_BRANCH")
    ap.add_argument("--token", required=True)
    ap.add_argument("--job-token", default=None)
    ap.add_argument("--port-file", default=None)
    ap.add_argument("--log", default=None)
    ap.add_argument("--faults", default=None)
    ap.add_argument("--too-large", action="append", default=[])
    ap.add_argument("--collapsed", action="append", default=[])
    ap.add_argument("--max-files", type=int, default=0)
    ap.add_argument("--issues", default=None)
    ap.add_argument("--member", action="append", default=[],
                    help="USERNAME=LEVEL")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--watch-parent", action="store_true")
    args = ap.parse_args()

    state = State(args)
    if args.faults:
        with open(args.faults, encoding="utf-8") as f:
            state.add_faults(json.load(f))
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
