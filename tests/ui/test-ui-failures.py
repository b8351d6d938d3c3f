#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Failures the window must show plainly while it keeps running (issue 2,
"Bad input and failure"), through AT-SPI on the real window:

  default            the identity provider unreachable; then, through
                     tests/harness/fault_proxy.py in front of the real server, /v1/apps
                     answering 500, /v1/devices malformed JSON, and /v1/apps
                     hanging past the client's timeout
  --keyring-missing  run under with-keyring.sh --empty-password: signing in
                     cannot store the tokens, the window says so and why

Run under tests/harness/with-keyring.sh.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uilib  # noqa: E402
from uilib import atspi  # noqa: E402

MODE = "keyring-missing" if "--keyring-missing" in sys.argv else "faults"


class FaultProxy:
    """tests/harness/fault_proxy.py in front of the real server, its rules set over HTTP."""

    def __init__(self, s, upstream):
        proc = s._spawn("fault-proxy", [sys.executable, os.path.join(uilib.stack.SOURCE_DIR, "tests", "harness",
                                                                     "fault_proxy.py"),
                                        "--upstream", upstream, "--port", "0"])
        self.proc = proc
        self.url = uilib.stack.wait_for_ready(proc, proc.log_path, "the fault proxy")

    def rules(self, rules):
        status, answer = uilib.http("POST", self.url + "/__faults", json.dumps({"rules": rules}).encode(),
                                    {"Content-Type": "application/json"})
        if status >= 300:
            raise AssertionError(f"the fault proxy refused the rules: {status} {answer!r}")

    def stop(self):
        self.proc.terminate()


def alive(tap, proc, what):
    tap.ok(proc.poll() is None, f"the app keeps running ({what})")


def idp_unreachable(tap, s):
    s.start_idp()
    s.start_server()
    idp = next(p for p in s.procs if p.cp_name == "idp")
    idp.terminate()
    idp.wait(10)
    proc, app = uilib.launch(s)
    text = tap.check("IdP unreachable: the window says the sign-in service cannot be reached",
                     uilib.wait_any_text, app, ["Can’t Reach the Sign-In Service", "Can’t Reach"], 40)
    tap.diag(text)
    atspi.find(app, "push button", "_Try Again Try Again", timeout=5)
    s.screenshot("01-idp-unreachable")
    alive(tap, proc, "IdP unreachable")
    uilib.close_window(app, proc)


def server_faults(tap, s):
    s.start_idp()  # a new provider on a new port; the server follows it
    s.start_server()
    proxy = FaultProxy(s, s.server_url)
    proxy.rules([{"method": "GET", "path": "/v1/apps", "action": "status", "status": 500, "count": -1},
                 {"method": "GET", "path": "/v1/devices", "action": "corrupt", "offset": 0,
                  "with": "{\"items\": [{", "count": -1}])
    s.server_url, real_url = proxy.url, s.server_url
    try:
        proc, app = uilib.launch(s)
        uilib.sign_in_browser(app, s, "alice")
        tap.check("signed in through the proxy", uilib.wait_signed_in, app, "alice")
        uilib.open_tab(app, "Apps")
        tap.check("server 500: Apps shows an error with Try Again",
                  uilib.wait_text, app, "Apps Could Not Be Loaded", 20)
        s.screenshot("02-apps-500")
        uilib.open_tab(app, "Device")
        tap.check("malformed JSON: Device shows an error",
                  uilib.wait_text, app, "Devices Could Not Be Loaded", 20)
        s.screenshot("03-devices-malformed")
        alive(tap, proc, "500 and malformed JSON")

        proxy.rules([{"method": "GET", "path": "/v1/apps", "action": "delay", "ms": 100000, "count": -1}])
        uilib.open_tab(app, "Apps")
        started = time.monotonic()
        retry = [n for n in atspi.find_all(app, "push button", "_Try Again Try Again")]
        for node in retry:  # the Apps page's retry (others are harmless to press)
            try:
                atspi.click(node)
            except Exception:
                pass
        text = tap.check("server hangs: the client gives up and says the server did not answer",
                         uilib.wait_any_text, app, ["did not answer", "not answer", "timed out"], 90)
        tap.diag(f"after {time.monotonic() - started:.0f} s: {text}")
        s.screenshot("04-apps-hang")
        alive(tap, proc, "a hanging server")
        uilib.close_window(app, proc)
    finally:
        proxy.stop()
        s.server_url = real_url


def keyring_missing(tap, s):
    s.start_idp()
    s.start_server()
    s.start_xvfb()
    proc, app = uilib.launch(s)
    uilib.sign_in_browser(app, s, "alice")
    text = tap.check("no login keyring: the window says the keyring is not available",
                     uilib.wait_text, app, "Keyring Not Available", 30)
    tap.check("... and that the sign-in is never kept in a file",
              uilib.wait_text, app, "never in a file", 5)
    tap.diag(text)
    s.screenshot("01-keyring-missing")
    alive(tap, proc, "keyring missing")
    tap.ok(not uilib.keyring_items(), "nothing was stored")
    hits = [p for p in s.find_in_home(["refresh_token", "access_token"])]
    tap.ok(not hits, f"no token document written to a file instead ({hits})")
    uilib.close_window(app, proc)


def body(tap, s):
    if MODE == "keyring-missing":
        keyring_missing(tap, s)
        return
    s.start_xvfb()
    idp_unreachable(tap, s)
    server_faults(tap, s)


uilib.run_test(f"ui-{MODE}", body)
