#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""UI smoke test (issue 2): the real window under Xvfb, the real IdP, server
and keyring. Signs in (browser flow, or the code flow with --code), checks
what the window shows through AT-SPI, reopens the app (signed in from the
keyring), signs out (keyring item gone, refresh token revoked) and checks
that no token string is left in any log or file.

Run under tests/harness/with-keyring.sh.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uilib  # noqa: E402
from uilib import atspi  # noqa: E402

FLOW = "code" if "--code" in sys.argv else "browser"
USER = "bob" if FLOW == "code" else "alice"


def page_shows_data_or_message(tap, app, s, tab, messages, access_token, path, names_from):
    uilib.open_tab(app, tab)
    status, body = uilib.api_get(s, path, access_token)
    tap.diag(f"GET {path}: {status}")
    expected = []
    if status == 200:
        expected = names_from(json.loads(body))
    if expected:
        # real data: the first item the server lists is on screen
        text = tap.check(f"{tab} page shows the server's data ({expected[0]!r})",
                         uilib.wait_any_text, app, expected, 20)
    else:
        text = tap.check(f"{tab} page says plainly what it has ({status})",
                         uilib.wait_any_text, app, messages, 20)
    tap.diag(f"{tab}: {text!r}")
    s.screenshot(f"{FLOW}-page-{tab.lower()}")


def app_names(doc):
    items = doc.get("items", doc) if isinstance(doc, dict) else doc
    return [a.get("name") for a in items if isinstance(a, dict) and a.get("name")]


def device_names(doc):
    items = doc.get("items", doc) if isinstance(doc, dict) else doc
    return [d.get("displayName") or d.get("name") for d in items
            if isinstance(d, dict) and (d.get("displayName") or d.get("name"))]


def body(tap, s):
    s.start_idp()
    s.start_server()
    s.start_xvfb()
    user = uilib.demo_user(USER)

    proc, app = uilib.launch(s)
    tap.check("the sign-in page offers both flows", atspi.find, app, "push button",
              "Use a Code", False, 30)
    s.screenshot(f"{FLOW}-01-sign-in-page")

    if FLOW == "browser":
        url = tap.check("browser sign-in: the authorization URL is shown and the IdP login completes",
                        uilib.sign_in_browser, app, s, USER)
        tap.ok("code_challenge_method=S256" in url and "state=" in url, "the URL carries PKCE S256 and state")
    else:
        code, _ = tap.check("code sign-in: code and address read from the window, approved at the IdP",
                            uilib.sign_in_code, app, s, USER)
        s.screenshot(f"{FLOW}-02-code-shown")

    tap.check(f"signed in: organisation, {user['name']} and {user['email']} from /v1/me",
                      uilib.wait_signed_in, app, USER)
    s.screenshot(f"{FLOW}-03-signed-in")

    items = tap.check("one keyring item holds the sign-in",
                      uilib.wait_keyring, lambda i: len(i) == 1)
    blob = items[0][1]
    tokens = uilib.tokens_of(blob)
    needles = uilib.token_strings(blob)
    tap.ok("refresh_token" in " ".join(tokens) and "access_token" in " ".join(tokens),
           f"the keyring item has access and refresh tokens ({sorted(tokens)})")
    access = next(v for k, v in tokens.items() if k.startswith("access"))
    refresh = next(v for k, v in tokens.items() if k.startswith("refresh"))

    # Help: support contacts and privacy link from the organisation
    uilib.open_tab(app, "Help")
    contact = uilib.ORG["supportContact"]
    for value in (contact["phone"], contact["email"], contact["website"].split("//")[1]):
        tap.check(f"Help shows {value}", uilib.wait_text, app, value, 15)
    tap.check("Help shows the privacy statement", uilib.wait_text, app, "Privacy Statement", 15)
    s.screenshot(f"{FLOW}-04-help")

    page_shows_data_or_message(tap, app, s, "Apps",
                               ["No Apps", "No Apps Published Yet", "Apps Could Not Be Loaded"],
                               access, "/v1/apps", app_names)
    page_shows_data_or_message(tap, app, s, "Device",
                               ["No Devices", "Not Enrolled", "not enrolled", "Device Management Not Available",
                                "Devices Cannot Be Shown", "Device agent not installed"],
                               access, "/v1/devices", device_names)
    page_shows_data_or_message(tap, app, s, "Compliance",
                               ["No Compliance Information", "not enrolled", "Not Enrolled",
                                "Compliance Not Available", "Compliance Cannot Be Shown",
                                "Device Service Not Running"],
                               access, "/v1/devices", lambda d: [])

    # close and reopen: signed in from the keyring, no prompt
    tap.check("the window closes", uilib.close_window, app, proc)
    proc, app = uilib.launch(s)
    tap.check("reopened: signed in from the keyring without a prompt",
              uilib.wait_signed_in, app, USER)
    tap.ok(not atspi.find_all(app, "push button", "Sign In With Browser"),
           "no sign-in button is showing after the reopen")
    s.screenshot(f"{FLOW}-05-reopened")
    # a refresh may have rotated the tokens meanwhile: collect the new ones too
    for _, b in uilib.keyring_items():
        needles += uilib.token_strings(b)
        refresh_now = uilib.tokens_of(b).get("refresh_token", refresh)

    tap.check("Sign Out", uilib.sign_out, app)
    tap.check("the sign-in page is back", atspi.find, app, "push button",
              "Use a Code", False, 20)
    s.screenshot(f"{FLOW}-06-signed-out")
    tap.check("the keyring item is gone", uilib.wait_keyring, lambda i: len(i) == 0)
    status, answer = uilib.refresh_with(s.issuer, refresh_now)
    tap.ok(status == 400 and b"invalid_grant" in answer,
           f"the refresh token is revoked at the IdP (token endpoint: {status})")
    tap.ok(proc.poll() is None, "the app keeps running")

    uilib.close_window(app, proc)
    hits = uilib.leaks(s, needles, [os.environ.get("CP_TEST_ROOT", s.home)])
    tap.ok(not hits, f"no token string in any log or file ({len(needles)} strings; hits: {hits})")


uilib.run_test(f"ui-smoke-{FLOW}", body)
