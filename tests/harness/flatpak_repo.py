# SPDX-License-Identifier: GPL-3.0-or-later
"""A local Flatpak repository with tiny apps under given IDs, for the journeys.

The demo organisation's required apps carry real Flathub IDs that no local
repository holds: build_repo() builds one (a tiny runtime plus one tiny app
per ID, as in shared RECIPES.md and tests/installer/make-repo.sh), and
local_catalog() writes the demo catalog with those apps installed from it
(file://, no GPG), for company-portal-server --catalog.
"""
import copy
import json
import os
import subprocess

RUNTIME = "org.example.Platform"


def _run(argv, env):
    out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {out.stdout.strip()}")


def build_repo(out, app_ids):
    """Builds out/repo with RUNTIME//1 and app/<id>//stable for each id; returns the repo's path."""
    arch = subprocess.run(["flatpak", "--default-arch"], capture_output=True, text=True, check=True).stdout.strip()
    repo, work = os.path.join(out, "repo"), os.path.join(out, "work")
    os.makedirs(work, exist_ok=True)
    # Building touches no installation; keep flatpak away from the test's own all the same.
    env = dict(os.environ, FLATPAK_USER_DIR=os.path.join(work, "flatpak-user"))
    rt = os.path.join(work, "rt")
    os.makedirs(os.path.join(rt, "usr", "etc"))
    with open(os.path.join(rt, "usr", "etc", "os-release"), "w") as f:
        f.write("ID=example\n")
    with open(os.path.join(rt, "metadata"), "w") as f:
        f.write(f"[Runtime]\nname={RUNTIME}\nruntime={RUNTIME}/{arch}/1\nsdk={RUNTIME}/{arch}/1\n")
    _run(["flatpak", "build-export", "--runtime", "--files=usr", repo, rt, "1"], env)
    for app_id in app_ids:
        app = os.path.join(work, app_id)
        os.makedirs(os.path.join(app, "files", "bin"))
        run = os.path.join(app, "files", "bin", "run")
        with open(run, "w") as f:
            f.write(f"#!/bin/sh\necho {app_id}\n")
        os.chmod(run, 0o755)
        with open(os.path.join(app, "metadata"), "w") as f:
            f.write(f"[Application]\nname={app_id}\nruntime={RUNTIME}/{arch}/1\nsdk={RUNTIME}/{arch}/1\n"
                    "command=run\n")
        _run(["flatpak", "build-finish", app, "--command=run"], env)
        _run(["flatpak", "build-export", repo, app, "stable"], env)
    _run(["flatpak", "build-update-repo", repo], env)
    return repo


def local_catalog(catalog_file, app_ids, repo, path, remote="cp-e2e"):
    """The catalog in catalog_file with each app in app_ids installed from repo; written to path."""
    with open(catalog_file, encoding="utf-8") as f:
        catalog = json.load(f)
    catalog = copy.deepcopy(catalog)
    found = set()
    for app in catalog["apps"]:
        if app.get("id") in app_ids:
            app["install"] = {"type": "flatpak", "remoteName": remote, "remoteUrl": "file://" + repo,
                              "ref": f"app/{app['id']}//stable", "gpgVerify": False}
            found.add(app["id"])
    missing = set(app_ids) - found
    if missing:
        raise RuntimeError(f"not in the catalog: {sorted(missing)}")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(catalog, f)
    return path


def installed_apps(data_home):
    """The app IDs of the --user installation under data_home (flatpak --user list)."""
    env = dict(os.environ, XDG_DATA_HOME=data_home)
    env.pop("FLATPAK_USER_DIR", None)
    out = subprocess.run(["flatpak", "--user", "list", "--app", "--columns=application"], env=env,
                         capture_output=True, text=True, timeout=60)
    return set(out.stdout.split())
