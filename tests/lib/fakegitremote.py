#!/usr/bin/env python3
"""fakegitremote.py - real git repositories over smart HTTP, strict like a forge.

A loopback server for tests that push and fetch: every request is handed to
`git http-backend` (CGI) on a real repository, so refs move for real, and
authentication is as strict as GitHub's or GitLab's. It is not a forge API
(see fakegithub.py, fakegitlab.py) and serves no dumb-HTTP files.

Usage:
    fakegitremote.py (--root DIR | --repo /o/r.git=PATH [--repo ...])
                     [--token TOKEN ...] [--user-token USER:TOKEN ...]
                     [--readonly-token TOKEN ...] [--deny-non-ff] [--public]
                     [--move-after-ls REF=SHA] [--log requests.json]
                     [--port-file FILE] [--timeout 60] [--watch-parent]

Repositories: with --root, /OWNER/NAME.git is DIR/OWNER/NAME.git, else
DIR/OWNER/NAME/.git (a work tree), else DIR/OWNER/NAME (bare). --repo maps
one URL path to PATH, a bare repository or a work tree (its .git is
served). Only the smart protocol's routes exist: PREFIX/info/refs?service=
git-upload-pack|git-receive-pack, PREFIX/git-upload-pack and
PREFIX/git-receive-pack; anything else is 404. Pushing to the branch a work
tree has checked out is refused, as git refuses it (receive.denyCurrentBranch);
push to another branch.

Authentication: every request needs Basic auth whose password is a known
token, else 401 with `WWW-Authenticate: Basic realm="git"`. A --token works
with any username, a --user-token only with its USER. A --readonly-token can
fetch but gets 403 on git-receive-pack (its advertisement included), as a
forge answers a token without push permission. http.receivepack is enabled
through the CGI's environment; the repositories' config is not touched.
With --public, fetching (git-upload-pack) needs no credentials, as from a
public repository; credentials sent anyway must still be valid, and the
log shows whether any were sent.

Non-fast-forward pushes are accepted, as on an unprotected GitHub branch, so
a client that forces is seen forcing; --deny-non-ff refuses them instead.

Fault: --move-after-ls REF=SHA updates REF to SHA (which must exist in the
repository) right after the first receive-pack advertisement has been made
and before it is sent: the client sees the old value, and its push that
follows meets the moved ref (the race between a lease's check and its push).

Binds 127.0.0.1 on an ephemeral port, prints the port on stdout (one line)
and writes it to --port-file (atomically). Stops after --timeout seconds, on
any request to /__shutdown, and with --watch-parent as soon as the process
that started it is gone. GET /__log returns the request log; neither
special path needs auth or is logged.

The log (--log) is a JSON array rewritten atomically after each request has
been decided and before its answer is sent. Each entry: seq, conn,
client_port, method, path (without the query), query, headers (names
lower-cased, last value wins), status, user (the authenticated username or
null), and "fault" when the fault fired on that request.
"""

import argparse
import base64
import binascii
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

ROUTES = ("/info/refs", "/git-upload-pack", "/git-receive-pack")
SERVICES = ("git-upload-pack", "git-receive-pack")


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.log_path = args.log
        self.log = []
        self.next_conn = 0
        self.root = os.path.abspath(args.root) if args.root else None
        self.repos = []
        for spec in args.repo:
            prefix, sep, path = spec.partition("=")
            if not sep or not prefix.startswith("/") or not path:
                raise SystemExit("--repo wants /o/r.git=PATH, got %r" % spec)
            self.repos.append((prefix.rstrip("/"), os.path.abspath(path)))
        # token -> (username it is bound to or None, may push)
        self.tokens = {}
        for t in args.token:
            self.tokens[t] = (None, True)
        for spec in args.user_token:
            user, sep, token = spec.partition(":")
            if not sep or not user or not token:
                raise SystemExit("--user-token wants USER:TOKEN")
            self.tokens[token] = (user, True)
        for t in args.readonly_token:
            self.tokens[t] = (None, False)
        self.deny_non_ff = args.deny_non_ff
        self.public = args.public
        self.move = None
        if args.move_after_ls:
            ref, sep, sha = args.move_after_ls.partition("=")
            if not sep or not ref.startswith("refs/") or not sha:
                raise SystemExit("--move-after-ls wants REF=SHA")
            self.move = {"ref": ref, "sha": sha, "done": False}

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


def git_dir_of(path):
    """The git directory at PATH (a bare repository or a work tree), or None."""
    if os.path.isdir(os.path.join(path, ".git")):
        path = os.path.join(path, ".git")
    if (os.path.isfile(os.path.join(path, "HEAD")) and
            os.path.isdir(os.path.join(path, "objects"))):
        return path
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakegitremote/1"
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

    # The request body, as an iterator of byte strings (de-chunked).
    def body_chunks(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                left = size
                while left > 0:
                    part = self.rfile.read(min(left, 65536))
                    if not part:
                        return
                    left -= len(part)
                    yield part
                self.rfile.readline()
            return
        left = int(self.headers.get("Content-Length", "0") or "0")
        while left > 0:
            part = self.rfile.read(min(left, 65536))
            if not part:
                return
            left -= len(part)
            yield part

    def drain(self):
        for _ in self.body_chunks():
            pass

    def authenticate(self):
        """(user, may_push) for valid Basic credentials, else None."""
        scheme, _, cred = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            raw = base64.b64decode(cred.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = raw.partition(":")
        if not sep or password not in self.server.state.tokens:
            return None
        bound, may_push = self.server.state.tokens[password]
        if bound is not None and bound != user:
            return None
        return user, may_push

    def resolve(self, path):
        """(git dir, route) for a request path, or None."""
        state = self.server.state
        parts = path.split("/")
        if any(p in ("", ".", "..") for p in parts[1:]):
            return None
        for prefix, target in state.repos:
            if path.startswith(prefix + "/"):
                route = path[len(prefix):]
                gitdir = git_dir_of(target)
                if route in ROUTES and gitdir:
                    return gitdir, route
                return None
        if not state.root or len(parts) not in (4, 5):
            return None
        owner, name = parts[1], parts[2]
        route = "/" + "/".join(parts[3:])
        if not name.endswith(".git") or route not in ROUTES:
            return None
        base = os.path.join(state.root, owner)
        for cand in (os.path.join(base, name), os.path.join(base, name[:-4])):
            gitdir = git_dir_of(cand)
            if gitdir:
                return gitdir, route
        return None

    def dispatch(self):
        state = self.server.state
        path, _, query = self.path.partition("?")
        if path == "/__shutdown":
            self.drain()
            self.respond(200, [("Content-Type", "text/plain")], b"bye\n")
            self.close_connection = True
            threading.Thread(target=self.server.shutdown).start()
            return
        if path == "/__log":
            self.drain()
            with state.lock:
                text = json.dumps(state.log).encode("utf-8")
            self.respond(200, [("Content-Type", "application/json")], text)
            return
        entry = {
            "conn": self.conn_id,
            "client_port": self.client_address[1],
            "method": self.command,
            "path": path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "user": None,
        }
        service = None
        if path.endswith("/info/refs"):
            for item in query.split("&"):
                if item.startswith("service="):
                    service = item[len("service="):]
        elif path.endswith("/git-upload-pack"):
            service = "git-upload-pack"
        elif path.endswith("/git-receive-pack"):
            service = "git-receive-pack"
        auth = self.authenticate()
        if (auth is None and state.public and service == "git-upload-pack"
                and not self.headers.get("Authorization")):
            auth = ("", False)
        if auth is None:
            self.refuse(entry, 401, "authentication required\n",
                        [("WWW-Authenticate", 'Basic realm="git"')])
            return
        entry["user"] = auth[0] or None
        found = self.resolve(path)
        if found is None or service not in SERVICES:
            self.refuse(entry, 404, "repository not found\n")
            return
        gitdir, route = found
        if service == "git-receive-pack" and not auth[1]:
            self.refuse(entry, 403, "permission to push denied\n")
            return
        status, headers, body = self.run_backend(gitdir, route, query,
                                                 auth[0] or "anonymous")
        if (status == 200 and route == "/info/refs" and
                service == "git-receive-pack"):
            self.maybe_move(gitdir, entry)
        entry["status"] = status
        state.record(entry)
        self.respond(status, headers, body)

    def refuse(self, entry, status, text, headers=()):
        self.drain()
        entry["status"] = status
        self.server.state.record(entry)
        self.respond(status, [("Content-Type", "text/plain")] + list(headers),
                     text.encode("utf-8"))

    def maybe_move(self, gitdir, entry):
        move = self.server.state.move
        with self.server.state.lock:
            if not move or move["done"]:
                return
            move["done"] = True
        subprocess.run(["git", "--git-dir", gitdir, "update-ref",
                        move["ref"], move["sha"]], check=True,
                       env=self.git_env())
        entry["fault"] = "moved %s to %s" % (move["ref"], move["sha"])

    def git_env(self):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C",
        }
        if "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
        config = [("http.receivepack", "true")]
        if self.server.state.deny_non_ff:
            config.append(("receive.denyNonFastForwards", "true"))
        env["GIT_CONFIG_COUNT"] = str(len(config))
        for i, (k, v) in enumerate(config):
            env["GIT_CONFIG_KEY_%d" % i] = k
            env["GIT_CONFIG_VALUE_%d" % i] = v
        return env

    def run_backend(self, gitdir, route, query, user):
        env = self.git_env()
        env.update({
            "GIT_PROJECT_ROOT": os.path.dirname(gitdir),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": "/" + os.path.basename(gitdir) + route,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_USER": user,
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        })
        if "Content-Length" in self.headers and \
                self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            env["CONTENT_LENGTH"] = self.headers["Content-Length"]
        if "Content-Encoding" in self.headers:
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if "Git-Protocol" in self.headers:
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        proc = subprocess.Popen(["git", "http-backend"], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        errors = []

        def feed():
            # Streams the request body into the CGI; always drains it,
            # even when the CGI stops reading, so the connection stays
            # in step for the next request.
            sink = proc.stdin
            for part in self.body_chunks():
                if sink is None:
                    continue
                try:
                    sink.write(part)
                except OSError:
                    sink = None
            try:
                proc.stdin.close()
            except OSError:
                pass

        def collect():
            errors.append(proc.stderr.read())

        threads = [threading.Thread(target=feed), threading.Thread(target=collect)]
        for t in threads:
            t.start()
        out = proc.stdout.read()
        for t in threads:
            t.join()
        proc.wait()
        return self.parse_cgi(out, errors[0] if errors else b"")

    def parse_cgi(self, out, stderr):
        end = out.find(b"\r\n\r\n")
        sep = 4
        if end < 0 or (0 <= out.find(b"\n\n") < end):
            end, sep = out.find(b"\n\n"), 2
        if end < 0:
            text = b"http-backend gave no CGI headers: " + stderr[-500:]
            return 500, [("Content-Type", "text/plain")], text
        status = 200
        headers = []
        for line in out[:end].decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            value = value.strip()
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value))
        return status, headers, out[end + sep:]

    def respond(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            if name.lower() in ("content-length", "transfer-encoding",
                                "connection"):
                continue
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def __getattr__(self, name):
        # BaseHTTPRequestHandler looks up do_<METHOD>; answer them all.
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="git smart-HTTP test remote")
    ap.add_argument("--root", default=None)
    ap.add_argument("--repo", action="append", default=[])
    ap.add_argument("--token", action="append", default=[])
    ap.add_argument("--user-token", action="append", default=[])
    ap.add_argument("--readonly-token", action="append", default=[])
    ap.add_argument("--deny-non-ff", action="store_true")
    ap.add_argument("--public", action="store_true")
    ap.add_argument("--move-after-ls", default=None)
    ap.add_argument("--log", default=None)
    ap.add_argument("--port-file", default=None)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--watch-parent", action="store_true")
    args = ap.parse_args()
    if not args.root and not args.repo:
        ap.error("give --root or --repo")

    state = State(args)
    server = Server(("127.0.0.1", 0), Handler)
    server.state = state
    port = server.server_address[1]
    with state.lock:
        state.write_log_locked()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    sys.stdout.write("%d\n" % port)
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
