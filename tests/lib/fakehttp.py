#!/usr/bin/env python3
"""fakehttp.py - a scripted HTTP/1.1 keep-alive server for tests.

Binds 127.0.0.1 on an ephemeral port, prints the port on stdout (one line,
then flushes) and, with --port-file, writes it to a file as well. It then
answers requests from a script and records every request it receives.

Usage:
    fakehttp.py --script steps.json --log requests.json
                [--port-file FILE] [--timeout SECONDS] [--watch-parent]

The script is a JSON object:

    {
      "steps": [
        {"method": "GET", "path": "/x",        # both optional: match all
         "query": "page=2",                    # optional, exact match
         "times": 1,                           # how often; 0 = forever
         "status": 200, "reason": "OK",
         "headers": {"X-Thing": "v"},          # or [["Name", "v"], ...]
         "body": "text" | {"json": "value"},   # a JSON value is serialised
         "body_size": 1000,                    # instead of body: N 'x' bytes
         "chunked": false,                     # no Content-Length, chunked
         "delay_ms": 0,                        # wait before answering
         "action": "drop" | "drop_after_read"}
      ],
      "default": {"status": 404, "body": "..."}    # when nothing matches
    }

For every request the first step that matches and is not used up answers
it. "drop" closes the connection after the request head, without reading
the body or answering; "drop_after_read" reads the whole request, then
closes without answering.

In header values and string bodies these placeholders are replaced:
"{base}" by "http://127.0.0.1:PORT", "{port}" by the port, and
"{now+N}" / "{now-N}" by the current Unix time plus or minus N seconds.

The request log is a JSON array, rewritten (atomically) as each request
arrives and before it is answered, so a client that got its answer can read
the log at once. Each entry has: seq, conn (a connection number, the same
for requests on one kept-alive connection), client_port, method, path (with
the query), headers (an object, names lower-cased, last value wins),
header_list ([name, value] pairs as received), body (text, undecodable
bytes replaced).

Special paths, never scripted: GET /__log returns the log, any request to
/__shutdown stops the server. The server also stops by itself after
--timeout seconds (default 60) and, with --watch-parent, as soon as the
process that started it is gone, so a test that dies cannot leave it behind.
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


class State:
    def __init__(self, script, log_path):
        self.lock = threading.Lock()
        self.steps = script.get("steps", [])
        for step in self.steps:
            step["_used"] = 0
        self.default = script.get("default", {
            "status": 404,
            "headers": {"Content-Type": "application/json"},
            "body": None,
        })
        self.log_path = log_path
        self.log = []
        self.next_conn = 0
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

    def match(self, method, path, query):
        with self.lock:
            for step in self.steps:
                times = step.get("times", 1)
                if times and step["_used"] >= times:
                    continue
                if "method" in step and step["method"] != method:
                    continue
                if "path" in step and step["path"] != path:
                    continue
                if "query" in step and step["query"] != query:
                    continue
                step["_used"] += 1
                return step
            return None


def expand(state, text):
    def now(m):
        n = int(m.group(2))
        return str(int(time.time()) + (n if m.group(1) == "+" else -n))

    text = text.replace("{base}", "http://127.0.0.1:%d" % state.port)
    text = text.replace("{port}", str(state.port))
    return re.sub(r"\{now([+-])(\d+)\}", now, text)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakehttp/1"
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
        step = None
        if path not in ("/__log", "/__shutdown"):
            step = state.match(self.command, path, query)
        action = step.get("action") if step else None
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
        if path == "/__shutdown":
            self.respond({"status": 200, "body": "bye\n"})
            self.close_connection = True
            threading.Thread(target=self.server.shutdown).start()
            return
        if path == "/__log":
            with state.lock:
                text = json.dumps(state.log)
            self.respond({"status": 200, "body": text,
                          "headers": {"Content-Type": "application/json"}})
            return
        if step is None:
            step = dict(state.default)
            if step.get("body") is None:
                step["body"] = {"message": "no scripted step for %s %s"
                                % (self.command, self.path)}
        if step.get("delay_ms"):
            time.sleep(step["delay_ms"] / 1000.0)
        if action in ("drop", "drop_after_read"):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.respond(step)

    def respond(self, step):
        state = self.server.state
        status = int(step.get("status", 200))
        body = step.get("body", "")
        headers = step.get("headers", {})
        if isinstance(headers, dict):
            headers = list(headers.items())
        if "body_size" in step:
            data = b"x" * int(step["body_size"])
        elif isinstance(body, str):
            data = expand(state, body).encode("utf-8")
        else:
            data = json.dumps(body).encode("utf-8")
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", "application/json"))
        self.send_response(status, step.get("reason"))
        for name, value in headers:
            self.send_header(name, expand(state, str(value)))
        chunked = step.get("chunked", False)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            if chunked:
                for i in range(0, len(data), 16384):
                    part = data[i:i + 16384]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(data)
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
    ap = argparse.ArgumentParser(description="scripted HTTP server")
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--port-file", default=None)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--watch-parent", action="store_true")
    args = ap.parse_args()

    with open(args.script, encoding="utf-8") as f:
        script = json.load(f)
    state = State(script, args.log)
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
