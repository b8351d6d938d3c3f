#!/usr/bin/python3
"""The fault proxy itself (tests/harness/fault_proxy.py), against a small
echoing upstream in this process: forwarding, rule matching and counts, the
control endpoints' validation, and that nothing secret reaches its log or
its output. TAP on stdout."""

import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import traceback

SOURCE_DIR = os.environ.get("CP_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PROXY = os.path.join(SOURCE_DIR, "tests", "harness", "fault_proxy.py")
SECRET = "Bearer s3cr3t-token-value"
SECRET_BODY = '{"deviceKey":"very-private"}'


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        doc = json.dumps({"method": self.command, "path": self.path, "body": body,
                          "auth": self.headers.get("Authorization")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(doc)))
        self.send_header("ETag", '"echo"')
        self.end_headers()
        self.wfile.write(doc)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


class Proxy:
    def __init__(self, upstream):
        self.proc = subprocess.Popen(["/usr/bin/python3", PROXY, "--upstream", upstream],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError("the proxy did not start: " + line + self.proc.stderr.read())
        self.port = int(line.split(":")[-1])

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def control(self, method, path, doc=None):
        status, _, body = self.request(method, path, json.dumps(doc) if doc is not None else None,
                                       {"Content-Type": "application/json"})
        return status, json.loads(body)

    def arm(self, rules):
        status, _ = self.control("POST", "/__faults", {"rules": rules})
        assert status == 200, status
        self.control("DELETE", "/__log")

    def log(self):
        return self.control("GET", "/__log")[1]["entries"]

    def stop(self):
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=10)
        return out + err


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def test_forwards(proxy, _):
    status, headers, body = proxy.request("POST", "/v1/x?q=1", SECRET_BODY,
                                          {"Authorization": SECRET, "Content-Type": "application/json"})
    doc = json.loads(body)
    check(status == 200, status)
    check(doc == {"method": "POST", "path": "/v1/x?q=1", "body": SECRET_BODY, "auth": SECRET}, doc)
    check(headers.get("ETag") == '"echo"', headers)
    entries = proxy.log()
    check(len(entries) == 1 and entries[0]["path"] == "/v1/x" and entries[0]["action"] == "pass", entries)
    check("s3cr3t" not in json.dumps(entries) and "very-private" not in json.dumps(entries), entries)


def test_counts_and_matching(proxy, _):
    proxy.arm([{"method": "GET", "path": "/v1/a", "action": "status", "status": 503,
                "retryAfter": "7", "count": 2}])
    results = [proxy.request("GET", "/v1/a/b")[0], proxy.request("POST", "/v1/a")[0],
               proxy.request("GET", "/v1/b")[0], proxy.request("GET", "/v1/a")[0],
               proxy.request("GET", "/v1/a")[0]]
    check(results == [503, 200, 200, 503, 200], results)
    proxy.arm([{"path": "/v1/a", "action": "status", "status": 429, "retryAfter": "7"}])
    status, headers, body = proxy.request("GET", "/v1/a")
    check(status == 429 and headers.get("Retry-After") == "7", (status, headers))
    check(json.loads(body)["status"] == 429, body)
    actions = [e["action"] for e in proxy.log()]
    check(actions == ["status-429"], actions)


def test_forever_until_removed(proxy, _):
    proxy.arm([{"action": "status", "status": 503, "count": -1}])
    check(all(proxy.request("GET", "/x")[0] == 503 for _ in range(3)), "not every request")
    status, doc = proxy.control("GET", "/__faults")
    check(status == 200 and len(doc["rules"]) == 1, doc)
    proxy.control("DELETE", "/__faults")
    check(proxy.request("GET", "/x")[0] == 200, "rule still armed")


def test_body_faults(proxy, _):
    proxy.arm([{"path": "/c", "action": "pass"}, {"action": "corrupt", "offset": 0, "with": "#!"}])
    _, _, clean = proxy.request("GET", "/c")
    _, _, body = proxy.request("GET", "/c")
    # Overwritten in place: same length, the first two bytes replaced.
    check(body == b"#!" + clean[2:], (clean, body))
    proxy.arm([{"action": "truncate", "bytes": 5}])
    conn = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    conn.sendall(b"GET /t HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while chunk := conn.recv(4096):
        data += chunk
    conn.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    check(len(rest) == 5 and length > 5, (length, rest))


def test_stall(proxy, _):
    proxy.arm([{"action": "stall", "bytes": 3, "ms": 500}])
    conn = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    conn.sendall(b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n")
    start = time.monotonic()
    data, first_body_at = b"", None
    while chunk := conn.recv(4096):
        data += chunk
        if first_body_at is None and b"\r\n\r\n" in data:
            first_body_at = time.monotonic()
    conn.close()
    body = data.partition(b"\r\n\r\n")[2]
    check(json.loads(body)["path"] == "/s", body)
    check(first_body_at - start < 0.4 and time.monotonic() - start >= 0.5, "not stalled mid-body")


def test_resets(proxy, _):
    # (when, headers reach the client, the upstream answered)
    for when, got_headers, upstream in (("before-headers", False, None), ("after-forward", False, 200),
                                        ("after-headers", True, 200)):
        proxy.arm([{"action": "reset", "when": when}])
        conn = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        conn.sendall(b"GET /r HTTP/1.1\r\nHost: x\r\n\r\n")
        data, reset = b"", False
        try:
            while chunk := conn.recv(4096):
                data += chunk
        except ConnectionResetError:
            reset = True
        conn.close()
        check(reset, f"{when}: closed without RST")
        check(data.startswith(b"HTTP/1.1 200") == got_headers, (when, data))
        check(b"\r\n\r\n{" not in data, (when, data))
        entries = [(e["action"], e["status"]) for e in proxy.log()]
        check(entries == [("reset-" + when, upstream)], entries)


def test_delay(proxy, _):
    proxy.arm([{"action": "delay", "ms": 400}])
    start = time.monotonic()
    status = proxy.request("GET", "/d")[0]
    check(status == 200 and time.monotonic() - start >= 0.4, status)


def test_upstream_down_and_moved(proxy, upstream):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    check(proxy.control("POST", "/__upstream", {"url": f"http://127.0.0.1:{dead.getsockname()[1]}"})[0] == 200, "move")
    status = proxy.request("GET", "/down")[0]
    dead.close()
    check(status == 502, status)
    check(proxy.log()[-1]["action"] == "upstream-down", proxy.log())
    proxy.control("POST", "/__upstream", {"url": upstream})
    check(proxy.request("GET", "/up")[0] == 200, "back")


def test_rejects_bad_rules(proxy, _):
    bad = [{"action": "explode"}, {"action": "delay"}, {"action": "delay", "ms": -1},
           {"action": "status", "status": 700}, {"action": "status", "status": 503, "retryAfter": 5},
           {"count": 0}, {"path": 3}, {"action": "reset", "when": "later"}, "rule",
           {"action": "truncate", "bytes": True}, {"action": "stall", "bytes": 1}]
    for rule in bad:
        status, doc = proxy.control("POST", "/__faults", {"rules": [rule]})
        check(status == 400 and "error" in doc, (rule, status, doc))
    status, _ = proxy.control("POST", "/__faults", {"rules": "all"})
    check(status == 400, status)
    status, _, _ = proxy.request("POST", "/__faults", "{not json")
    check(status == 400, status)
    check(proxy.control("GET", "/__faults")[1]["rules"] == [], "a bad rule was kept")


TESTS = [test_forwards, test_counts_and_matching, test_forever_until_removed, test_body_faults,
         test_stall, test_resets, test_delay, test_upstream_down_and_moved, test_rejects_bad_rules]


def main():
    upstream_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=upstream_server.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{upstream_server.server_address[1]}"
    proxy = Proxy(upstream)
    failed = 0
    print(f"1..{len(TESTS) + 1}")
    for number, test in enumerate(TESTS, 1):
        proxy.control("DELETE", "/__faults")
        proxy.control("DELETE", "/__log")
        try:
            test(proxy, upstream)
            print(f"ok {number} {test.__name__}")
        except Exception:
            failed += 1
            print(f"not ok {number} {test.__name__}")
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    # Everything the proxy logged or printed, over all the tests.
    entries = json.dumps(proxy.log())
    output = proxy.stop()
    leaked = [s for s in ("s3cr3t", "very-private", "Authorization") if s in output or s in entries]
    if leaked:
        failed += 1
        print(f"not ok {len(TESTS) + 1} nothing secret in the log or output # leaked {leaked}")
    else:
        print(f"ok {len(TESTS) + 1} nothing secret in the log or output")
    upstream_server.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
