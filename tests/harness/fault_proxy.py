#!/usr/bin/python3
"""A loopback HTTP proxy that injects faults, for the fault-injection tests.

    fault_proxy.py --upstream http://127.0.0.1:PORT [--rules FILE] [--port 0]

Prints "READY http://127.0.0.1:<port>" once it listens. Every request that is
not for the control endpoints goes to the upstream unless a rule says
otherwise. Python 3 standard library only.

Control endpoints (on the proxy itself, never forwarded, never logged):
  POST   /__faults   {"rules": [RULE, ...], "append": false}   set (or add) rules
  GET    /__faults   the rules still armed
  DELETE /__faults   drop every rule
  GET    /__log      {"entries": [ENTRY, ...]}
  DELETE /__log      forget the log
  POST   /__upstream {"url": "http://127.0.0.1:PORT"}           move the upstream

RULE: {"method": "GET" (any when absent), "path": "/v1/me" (a prefix; any
when absent), "action": ACTION, "count": K (the next K matching requests;
default 1, -1 = until removed), plus the action's own members:
  "pass"                    forward unchanged
  "delay"      "ms": N      wait N ms, then forward
  "reset"      "when": "before-headers" (default) | "after-forward" |
                            "after-headers"
                            close the client's connection with a TCP RST:
                            before the upstream saw the request, after it
                            answered but before any byte of the answer went
                            to the client (the lost answer), or after the
                            answer's headers
  "truncate"   "bytes": N   forward, but send only the first N bytes of the
                            body (headers announce the whole length), then close
  "stall"      "bytes": N, "ms": M
                            forward the headers and N bytes of the body, wait
                            M ms, then send the rest (a server that hangs mid-body)
  "corrupt"    "offset": N (default 0), "with": "text" (default "#")
                            overwrite body bytes from offset with the text
  "status"     "status": 429|503|..., "retryAfter": "5" (optional)
                            answer with problem+json without forwarding}
The first rule that matches a request is used; its count goes down by one
and it is dropped at zero.

ENTRY: {"seq": n, "time": monotonic seconds (float), "method": str,
"path": str (without the query), "action": str, "status": int or null}.
Nothing of the request's headers or body is logged or printed, so tokens
and device keys never end up in a test log.
"""

import argparse
import http.client
import json
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade", "content-length",
}
ACTIONS = {"pass", "delay", "reset", "truncate", "stall", "corrupt", "status"}
MAX_BODY = 16 * 1024 * 1024
MAX_HEADERS = 100


class RuleError(ValueError):
    pass


def _check_int(rule, name, default, minimum):
    value = rule.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise RuleError(f"'{name}' must be an integer >= {minimum}")
    return value


def check_rule(rule):
    """Validates one rule and returns a normalised copy."""
    if not isinstance(rule, dict):
        raise RuleError("a rule must be an object")
    action = rule.get("action", "pass")
    if action not in ACTIONS:
        raise RuleError(f"unknown action {action!r}")
    for name in ("method", "path"):
        if name in rule and not isinstance(rule[name], str):
            raise RuleError(f"'{name}' must be a string")
    out = {
        "method": rule.get("method"),
        "path": rule.get("path", "/"),
        "action": action,
        "count": _check_int(rule, "count", 1, -1),
    }
    if out["count"] == 0:
        raise RuleError("'count' must not be 0")
    if action == "delay":
        out["ms"] = _check_int(rule, "ms", None, 0)
    elif action == "reset":
        when = rule.get("when", "before-headers")
        if when not in ("before-headers", "after-forward", "after-headers"):
            raise RuleError("'when' must be before-headers, after-forward or after-headers")
        out["when"] = when
    elif action == "truncate":
        out["bytes"] = _check_int(rule, "bytes", None, 0)
    elif action == "stall":
        out["bytes"] = _check_int(rule, "bytes", None, 0)
        out["ms"] = _check_int(rule, "ms", None, 0)
    elif action == "corrupt":
        out["offset"] = _check_int(rule, "offset", 0, 0)
        text = rule.get("with", "#")
        if not isinstance(text, str) or not text:
            raise RuleError("'with' must be a non-empty string")
        out["with"] = text
    elif action == "status":
        out["status"] = _check_int(rule, "status", None, 100)
        if out["status"] > 599:
            raise RuleError("'status' must be an HTTP status")
        retry_after = rule.get("retryAfter")
        if retry_after is not None and not isinstance(retry_after, str):
            raise RuleError("'retryAfter' must be a string")
        out["retryAfter"] = retry_after
    return out


class State:
    def __init__(self, upstream):
        self.lock = threading.Lock()
        self.rules = []
        self.log = []
        self.seq = 0
        self.upstream = upstream

    def set_rules(self, rules, append):
        checked = [check_rule(r) for r in rules]
        with self.lock:
            if not append:
                self.rules = []
            self.rules.extend(checked)

    def take_rule(self, method, path):
        """The first matching rule (a copy), spending one of its count."""
        with self.lock:
            for rule in self.rules:
                if rule["method"] not in (None, method):
                    continue
                if not path.startswith(rule["path"]):
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                    if rule["count"] == 0:
                        self.rules.remove(rule)
                return dict(rule)
        return {"action": "pass"}

    def record(self, method, path, action, status, when):
        with self.lock:
            self.seq += 1
            self.log.append({"seq": self.seq, "time": when, "method": method,
                             "path": path, "action": action, "status": status})


class BadRequest(Exception):
    pass


class Request:
    def __init__(self, method, target, version, headers, body):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers      # list of (name, value)
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def path(self):
        return urllib.parse.urlsplit(self.target).path or "/"

    def keep_alive(self):
        conn = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in conn
        return "close" not in conn


def read_line(rfile):
    line = rfile.readline(65537)
    if len(line) > 65536:
        raise BadRequest("line too long")
    return line


def read_chunked(rfile):
    body = bytearray()
    while True:
        size_line = read_line(rfile).split(b";")[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError as exc:
            raise BadRequest("bad chunk size") from exc
        if size == 0:
            while read_line(rfile) not in (b"\r\n", b"\n", b""):
                pass
            return bytes(body)
        if len(body) + size > MAX_BODY:
            raise BadRequest("body too large")
        body += rfile.read(size)
        read_line(rfile)


def read_request(rfile):
    """One request from the client, or None at the end of the connection."""
    line = read_line(rfile)
    while line in (b"\r\n", b"\n"):
        line = read_line(rfile)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("bad request line")
    headers = []
    while True:
        line = read_line(rfile)
        if line in (b"\r\n", b"\n", b""):
            break
        if len(headers) >= MAX_HEADERS or b":" not in line:
            raise BadRequest("bad header")
        name, value = line.decode("latin-1").split(":", 1)
        headers.append((name.strip(), value.strip()))
    req = Request(parts[0], parts[1], parts[2], headers, b"")
    if (req.header("transfer-encoding") or "").lower() == "chunked":
        req.body = read_chunked(rfile)
    elif req.header("content-length") is not None:
        try:
            length = int(req.header("content-length"))
        except ValueError as exc:
            raise BadRequest("bad content-length") from exc
        if length < 0 or length > MAX_BODY:
            raise BadRequest("bad content-length")
        req.body = rfile.read(length)
    return req


def encode_response(status, reason, headers, body, keep_alive):
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    # These never have a body (RFC 9110 §6.4.1); a length would be a lie.
    if not (status < 200 or status in (204, 304)):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: " + ("keep-alive" if keep_alive else "close"))
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head, body


def problem(status, retry_after=None):
    reason = http.client.responses.get(status, "Error")
    body = json.dumps({"type": "about:blank", "title": reason,
                       "status": status, "detail": "injected by fault_proxy"}).encode()
    headers = [("Content-Type", "application/problem+json")]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    return status, reason, headers, body


def json_response(obj, status=200):
    body = json.dumps(obj).encode()
    return status, http.client.responses.get(status, ""), [("Content-Type", "application/json")], body


class Handler(socketserver.StreamRequestHandler):
    state = None

    def handle(self):
        while True:
            try:
                req = read_request(self.rfile)
            except (BadRequest, OSError):
                return
            if req is None:
                return
            try:
                if not self.handle_one(req):
                    return
            except OSError:
                # The client went away (a delay longer than its timeout).
                return

    def reset(self):
        # SO_LINGER with a zero timeout makes close() send RST, not FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def send(self, response, keep_alive):
        head, body = encode_response(*response, keep_alive)
        self.wfile.write(head + body)
        self.wfile.flush()

    def handle_one(self, req):
        if req.path.startswith("/__"):
            response = self.control(req)
            self.send(response, req.keep_alive())
            return req.keep_alive()

        when = time.monotonic()
        rule = self.state.take_rule(req.method, req.path)
        action = rule["action"]

        if action == "reset" and rule["when"] == "before-headers":
            self.state.record(req.method, req.path, "reset-before-headers", None, when)
            self.reset()
            return False
        if action == "status":
            response = problem(rule["status"], rule["retryAfter"])
            self.state.record(req.method, req.path, f"status-{rule['status']}", rule["status"], when)
            self.send(response, req.keep_alive())
            return req.keep_alive()
        if action == "delay":
            time.sleep(rule["ms"] / 1000)

        response = self.forward(req)
        status, reason, headers, body = response
        label = action
        if response[3] is None:
            response = problem(502)
            label = "upstream-down"
            status, reason, headers, body = response
        elif action == "corrupt":
            body = bytearray(body)
            patch = rule["with"].encode()
            start = min(rule["offset"], len(body))
            body[start:start + len(patch)] = patch
            body = bytes(body)
        elif action == "reset" and rule["when"] == "after-forward":
            self.state.record(req.method, req.path, "reset-after-forward", status, when)
            self.reset()
            return False
        elif action == "reset":
            head, _ = encode_response(status, reason, headers, body, True)
            self.state.record(req.method, req.path, "reset-after-headers", status, when)
            self.wfile.write(head)
            self.wfile.flush()
            self.reset()
            return False
        elif action == "truncate":
            head, _ = encode_response(status, reason, headers, body, False)
            self.state.record(req.method, req.path, "truncate", status, when)
            self.wfile.write(head + body[:rule["bytes"]])
            self.wfile.flush()
            return False

        elif action == "stall":
            head, _ = encode_response(status, reason, headers, body, False)
            self.state.record(req.method, req.path, "stall", status, when)
            self.wfile.write(head + body[:rule["bytes"]])
            self.wfile.flush()
            time.sleep(rule["ms"] / 1000)
            self.wfile.write(body[rule["bytes"]:])
            self.wfile.flush()
            return False

        self.state.record(req.method, req.path, label, status, when)
        self.send((status, reason, headers, body), req.keep_alive())
        return req.keep_alive()

    def forward(self, req):
        upstream = urllib.parse.urlsplit(self.state.upstream)
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in req.headers if k.lower() not in HOP_BY_HOP}
        try:
            conn.request(req.method, req.target, body=req.body or None, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, resp.reason, resp.getheaders(), body
        except OSError:
            return 502, "Bad Gateway", [], None
        finally:
            conn.close()

    def control(self, req):
        try:
            return self.control_inner(req)
        except (ValueError, RuleError) as exc:
            return json_response({"error": str(exc)}, 400)

    def control_inner(self, req):
        state = self.state
        if req.path == "/__faults":
            if req.method == "POST":
                doc = json.loads(req.body or b"{}")
                rules = doc.get("rules") if isinstance(doc, dict) else None
                if not isinstance(rules, list):
                    raise RuleError("'rules' must be an array")
                state.set_rules(rules, bool(doc.get("append", False)))
                return json_response({"ok": True})
            if req.method == "DELETE":
                state.set_rules([], False)
                return json_response({"ok": True})
            with state.lock:
                return json_response({"rules": list(state.rules)})
        if req.path == "/__log":
            with state.lock:
                if req.method == "DELETE":
                    state.log = []
                    return json_response({"ok": True})
                return json_response({"entries": list(state.log)})
        if req.path == "/__upstream" and req.method == "POST":
            doc = json.loads(req.body or b"{}")
            url = doc.get("url") if isinstance(doc, dict) else None
            if not isinstance(url, str) or not url.startswith("http://"):
                raise RuleError("'url' must be an http URL")
            state.upstream = url
            return json_response({"ok": True})
        return json_response({"error": "unknown control path"}, 404)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="http://host:port of the real server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rules", help="a JSON file: {\"rules\": [...]}")
    args = parser.parse_args()

    if not args.upstream.startswith("http://"):
        parser.error("--upstream must be an http:// URL")
    state = State(args.upstream.rstrip("/"))
    if args.rules:
        with open(args.rules, encoding="utf-8") as f:
            doc = json.load(f)
        state.set_rules(doc.get("rules", []), False)

    Handler.state = state
    server = Server(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
