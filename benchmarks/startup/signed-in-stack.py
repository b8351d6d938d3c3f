#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo stack with one user signed in, for bench-startup.sh.

  signed-in-stack.py ENV_FILE [--catalog-size N] [--user alice]

Starts the demo identity provider and company-portal-server on loopback
(tests/harness/stack.py), signs in once through the core (bench-sign-in:
the same keyring item the window's session restore reads; the browser's
part is played by tests/harness/idp_browser.py), then writes shell
assignments for the window's environment to ENV_FILE and keeps the stack
running until SIGTERM or SIGINT. Needs the caller's D-Bus session with an
unlocked gnome-keyring (tests/harness/with-keyring.sh).
"""
import argparse
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "harness"))

import stack as harness  # noqa: E402


def sign_in(server_url, user):
    helper = os.path.join(harness.BUILD_DIR, "benchmarks", "startup", "bench-sign-in")
    proc = subprocess.Popen([helper, server_url], stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("AUTHORIZE "):
                browser = subprocess.run(
                    [sys.executable, os.path.join(SOURCE_DIR, "tests", "harness", "idp_browser.py"),
                     "authorize", line.split(" ", 1)[1].strip(), "--user", user],
                    stderr=subprocess.DEVNULL, check=False)
                if browser.returncode != 0:
                    raise harness.StackError("the browser's part of the sign-in failed")
            elif line.strip() == "SIGNED-IN":
                break
        if proc.wait(60) != 0:
            raise harness.StackError("bench-sign-in failed")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("env_file")
    parser.add_argument("--catalog-size", type=int, default=0)
    parser.add_argument("--user", default="alice")
    args = parser.parse_args()

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    name = f"bench-{args.catalog_size}" if args.catalog_size else "bench-demo"
    with harness.Stack(name) as stack:
        stack.start_idp(access_ttl=3600)
        extra = ["--catalog-size", str(args.catalog_size)] if args.catalog_size else []
        stack.start_server(extra_args=extra)
        sign_in(stack.server_url, args.user)

        env = dict(stack.xdg_env())
        env.update({
            "COMPANY_PORTAL_SERVER": stack.server_url,
            "GSETTINGS_BACKEND": "memory",
            "GSETTINGS_SCHEMA_DIR": os.path.join(harness.BUILD_DIR, "data"),
        })
        tmp = args.env_file + ".tmp"
        with open(tmp, "w") as out:
            for key, value in env.items():
                out.write(f"{key}='{value}'\n")
        os.rename(tmp, args.env_file)

        while not stopping:
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
