#!/bin/sh
# Builds a small local Flatpak repository for the installer tests:
#   runtime org.example.Platform//1
#   app org.example.Hello//stable   needs the runtime; installs cleanly; asks
#                                   for network, ipc, wayland, sound, dri,
#                                   Downloads (read-only), /srv/data, a
#                                   persistent ~/.hello, session bus names to
#                                   talk to and own, a system bus name
#   app org.example.Big//stable     carries 3 MB of random data (disk space tests)
#   app org.example.Broken//stable  its file objects are deleted after the
#                                   summary is written, so its pull fails
#                                   after the runtime is already deployed
# Usage: make-repo.sh OUTDIR   (OUTDIR/repo is the repository)
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

out=$1
arch=$(flatpak --default-arch)
repo=$out/repo
work=$out/work
mkdir -p "$work"
export FLATPAK_USER_DIR="$work/flatpak-user"

objects () { find "$repo/objects" -type f -name '*.filez' | sort; }

rt=$work/rt
mkdir -p "$rt/usr/etc"
echo "ID=example" > "$rt/usr/etc/os-release"
printf '[Runtime]\nname=org.example.Platform\nruntime=org.example.Platform/%s/1\nsdk=org.example.Platform/%s/1\n' \
  "$arch" "$arch" > "$rt/metadata"
flatpak build-export --runtime --files=usr "$repo" "$rt" 1 >/dev/null

make_app () {
  name=$1; dir=$work/$name; shift
  mkdir -p "$dir/files/bin"
  printf '#!/bin/sh\necho %s\n' "$name" > "$dir/files/bin/run"
  chmod +x "$dir/files/bin/run"
  printf '[Application]\nname=%s\nruntime=org.example.Platform/%s/1\nsdk=org.example.Platform/%s/1\ncommand=run\n' \
    "$name" "$arch" "$arch" > "$dir/metadata"
  if [ "$name" = org.example.Big ]; then
    head -c 3145728 /dev/urandom > "$dir/files/payload"
  fi
  flatpak build-finish "$dir" --command=run "$@" >/dev/null
  flatpak build-export "$repo" "$dir" stable >/dev/null
}

make_app org.example.Hello --share=network --share=ipc --socket=wayland --socket=pulseaudio \
  --device=dri --filesystem=xdg-download:ro --filesystem=/srv/data --persist=.hello \
  --talk-name=org.example.Service --own-name=org.example.Hello.Tray \
  --system-talk-name=org.freedesktop.login1
make_app org.example.Big
objects > "$work/before"
make_app org.example.Broken
objects > "$work/after"
flatpak build-update-repo "$repo" >/dev/null

# The objects only Broken has: deleting them breaks its pull half-way.
comm -13 "$work/before" "$work/after" > "$work/broken-objects"
test -s "$work/broken-objects"
xargs rm -f < "$work/broken-objects"
