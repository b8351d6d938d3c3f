#!/usr/bin/python3
"""Checks what can be checked of the Flatpak manifest without Flathub:
it parses, names the app ID, its command is installed by `meson install`,
and its finish-args are exactly the least-privilege list, each explained
by a comment."""

import os
import subprocess
import sys
import tempfile

import yaml

APP_ID = "io.github.companyportal.CompanyPortal"
ALLOWED = [
    "--share=network",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--share=ipc",
    "--device=dri",
    "--talk-name=io.github.companyportal.Agent1",
]


def fail(message):
    print(f"not ok - {message}")
    sys.exit(1)


def main(source_dir, build_dir):
    path = os.path.join(source_dir, "flatpak", f"{APP_ID}.yml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    manifest = yaml.safe_load(text)

    if manifest.get("app-id") != APP_ID:
        fail(f"app-id is {manifest.get('app-id')!r}")
    if manifest.get("runtime") != "org.gnome.Platform" or int(manifest.get("runtime-version", 0)) < 50:
        fail("the runtime must be org.gnome.Platform 50 or later")

    finish_args = manifest.get("finish-args", [])
    if sorted(finish_args) != sorted(ALLOWED):
        extra = set(finish_args) - set(ALLOWED)
        missing = set(ALLOWED) - set(finish_args)
        fail(f"finish-args differ: extra {sorted(extra)}, missing {sorted(missing)}")

    # Every permission is justified by the comment line just above it.
    lines = text.splitlines()
    for arg in finish_args:
        index = next(i for i, line in enumerate(lines) if line.strip() == f"- {arg}")
        previous = lines[index - 1].strip()
        if not previous.startswith("#") and not lines[index - 1].strip().startswith("- --"):
            fail(f"{arg} has no comment explaining it")
        j = index - 1
        while lines[j].strip().startswith("- --"):
            j -= 1
        if not lines[j].strip().startswith("#"):
            fail(f"{arg} has no comment explaining it")

    command = manifest.get("command")
    with tempfile.TemporaryDirectory() as destdir:
        subprocess.run(["meson", "install", "-C", build_dir, "--destdir", destdir,
                        "--no-rebuild", "--quiet"], check=True, stdout=subprocess.DEVNULL)
        found = [os.path.join(root, command) for root, _, files in os.walk(destdir) if command in files]
        if not any(os.path.basename(os.path.dirname(p)) == "bin" for p in found):
            fail(f"meson install does not install bin/{command}")

    print("ok - the Flatpak manifest names the app, installs its command and asks only for what it needs")


if __name__ == "__main__":
    main(os.environ["CP_SOURCE_DIR"], os.environ["CP_BUILD_DIR"])
