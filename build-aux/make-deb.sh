#!/usr/bin/env bash
# make-deb.sh: build the host packages of Company Portal for Debian/Ubuntu
# straight from this source tree, without a debian/ directory: meson builds
# and installs into a staging root, this script writes DEBIAN/control and
# dpkg-deb packs it. IT departments use it to deploy the agent fleet-wide;
# packaging/README.md explains the route.
#
#   build-aux/make-deb.sh [--output DIR] [--workdir DIR] [--server]
#                         [--revision N] [--maintainer "Name <mail>"]
#                         [--static-depends]
#
# --output DIR   where the .deb files go (default: the current directory)
# --workdir DIR  build and staging area (default: a temporary one, removed)
# --server       also build company-portal-server as a second package
# --revision N   Debian revision appended to the upstream version (default 1)
# --maintainer   the Maintainer field (default $DEBFULLNAME <$DEBEMAIL>)
# --static-depends  use the static list below even if dpkg-shlibdeps exists
#
# Needs meson, ninja, a C compiler, the -dev packages of the build and dpkg.
# With dpkg-dev installed, Depends is computed by dpkg-shlibdeps; without it,
# from the static list below, after checking that it covers every library the
# binaries link.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
output=$PWD
workdir=
with_server=false
static_only=false
revision=1
maintainer="${DEBFULLNAME:-Company Portal packagers} <${DEBEMAIL:-company-portal@localhost}>"
homepage=https://github.com/companyportal/company-portal

# Debian 12 package for each shared library the programs link, used when
# dpkg-shlibdeps is not there. Versions are the project's floor (meson.build).
declare -A static_depends=(
  [libc.so.6]='libc6 (>= 2.34)'
  [libglib-2.0.so.0]='libglib2.0-0 (>= 2.74)'
  [libgobject-2.0.so.0]='libglib2.0-0 (>= 2.74)'
  [libgio-2.0.so.0]='libglib2.0-0 (>= 2.74)'
  [libsoup-3.0.so.0]='libsoup-3.0-0 (>= 3.2)'
  [libjson-glib-1.0.so.0]='libjson-glib-1.0-0 (>= 1.6)'
  [libsecret-1.so.0]='libsecret-1-0 (>= 0.20)'
  [libnotify.so.4]='libnotify4 (>= 0.7.9)'
  [libgnutls.so.30]='libgnutls30 (>= 3.7)'
  [libsqlite3.so.0]='libsqlite3-0 (>= 3.35)'
  [libflatpak.so.0]='libflatpak0 (>= 1.14)'
)

die () { echo "make-deb.sh: $*" >&2; exit 1; }
log () { echo "make-deb.sh: $*" >&2; }

while [ $# -gt 0 ]; do
  case $1 in
    --output) output=${2:?}; shift 2 ;;
    --workdir) workdir=${2:?}; shift 2 ;;
    --server) with_server=true; shift ;;
    --revision) revision=${2:?}; shift 2 ;;
    --maintainer) maintainer=${2:?}; shift 2 ;;
    --static-depends) static_only=true; shift ;;
    -h|--help) sed -n '2,/^# SPDX/{/SPDX/d;s/^# \{0,1\}//p;}' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

for tool in meson dpkg-deb dpkg; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done
mkdir -p "$output"
output=$(cd "$output" && pwd)
if [ -z "$workdir" ]; then
  workdir=$(mktemp -d)
  trap 'rm -rf "$workdir"' EXIT
fi
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
arch=$(dpkg --print-architecture)
# debian/control only exists so dpkg-shlibdeps runs the way it does under
# debhelper; it is not shipped.
pkgtop=$workdir/pkg
mkdir -p "$pkgtop/debian"

# meson_install NAME OPTION...: configure, build and install into the root.
meson_install () {
  local name=$1; shift
  local build=$workdir/build-$name root=$pkgtop/debian/$name
  rm -rf "$build" "$root"
  log "building $name"
  meson setup "$build" "$srcdir" --prefix=/usr --buildtype=release \
    --wrap-mode=nodownload -Dtests=false -Dfuzzing=false "$@" >"$workdir/$name-build.log" 2>&1 \
    && meson compile -C "$build" >>"$workdir/$name-build.log" 2>&1 \
    && meson install -C "$build" --no-rebuild --strip --destdir "$root" >>"$workdir/$name-build.log" 2>&1 \
    || { tail -n 30 "$workdir/$name-build.log" >&2; die "building $name failed (log: $workdir/$name-build.log)"; }
}

project_version () {
  meson introspect --projectinfo "$workdir/build-$1" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])'
}

elf_files () {
  local f
  find "$1" -type f ! -path '*/DEBIAN/*' | sort | while read -r f; do
    [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && echo "$f"
  done
  return 0
}

# shlib_depends NAME: the Depends on shared libraries of the package's ELF files.
shlib_depends () {
  local name=$1 root=$pkgtop/debian/$1 files
  mapfile -t files < <(elf_files "$root")
  [ ${#files[@]} -gt 0 ] || return 0
  if ! $static_only && command -v dpkg-shlibdeps >/dev/null; then
    local out
    out=$(cd "$pkgtop" && dpkg-shlibdeps -O "${files[@]}" 2>"$workdir/$name-shlibdeps.log") \
      || { cat "$workdir/$name-shlibdeps.log" >&2; die "dpkg-shlibdeps failed for $name"; }
    sed -n 's/^shlibs:Depends=//p' <<<"$out"
    return
  fi
  log "$name: Depends from the static Debian 12 list"
  local needed soname deps=()
  if command -v readelf >/dev/null; then
    needed=$(readelf -d "${files[@]}" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
  elif command -v objdump >/dev/null; then
    needed=$(objdump -p "${files[@]}" | awk '$1 == "NEEDED" { print $2 }' | sort -u)
  else
    log "neither readelf nor objdump: the static list is not checked against the binaries"
    needed=$(printf '%s\n' "${!static_depends[@]}" | grep -v sqlite)
  fi
  for soname in $needed; do
    [ -n "${static_depends[$soname]:-}" ] || die "$soname is not in the static list of make-deb.sh"
    deps+=("${static_depends[$soname]}")
  done
  printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
}

write_doc () {
  local name=$1 version=$2 doc=$pkgtop/debian/$1/usr/share/doc/$1
  local date
  date=$(date -R ${SOURCE_DATE_EPOCH:+-d @$SOURCE_DATE_EPOCH})
  mkdir -p "$doc"
  cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: company-portal
Source: $homepage

Files: *
Copyright: The Company Portal for Linux developers
License: GPL-3.0-or-later
 On Debian systems, the complete text of the GNU General Public License
 version 3 can be found in "/usr/share/common-licenses/GPL-3".
EOF
  printf '%s (%s) unstable; urgency=medium\n\n  * Built from the source tree by build-aux/make-deb.sh.\n\n -- %s  %s\n' \
    "$name" "$version" "$maintainer" "$date" | gzip -9n >"$doc/changelog.Debian.gz"
}

# finish_package NAME VERSION EXTRA_DEPENDS RECOMMENDS SUMMARY DESCRIPTION
finish_package () {
  local name=$1 version=$2 extra=$3 recommends=$4 summary=$5 description=$6
  local root=$pkgtop/debian/$name depends deb
  [ -d "$root/usr/share/man" ] && find "$root/usr/share/man" -type f -name '*.[1-9]' -exec gzip -9nf {} +
  write_doc "$name" "$version"
  # Staged files may carry the build user's umask; the package must not.
  chmod -R u+rwX,go+rX,go-w "$root"

  mkdir -p "$root/DEBIAN"
  depends=$(shlib_depends "$name")
  depends=${depends:+$depends, }$extra
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $arch"
    echo "Maintainer: $maintainer"
    echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
    echo "Depends: ${depends%, }"
    [ -z "$recommends" ] || echo "Recommends: $recommends"
    echo "Section: admin"
    echo "Priority: optional"
    echo "Homepage: $homepage"
    echo "Description: $summary"
    echo "$description" | fold -s -w 72 | sed 's/ *$//; s/^/ /'
  } >"$root/DEBIAN/control"
  (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z \
     | xargs -0 -r md5sum) >"$root/DEBIAN/md5sums"

  deb=$output/${name}_${version}_${arch}.deb
  dpkg-deb --build --root-owner-group "$root" "$deb" >/dev/null
  echo "$deb"
}

printf 'Source: company-portal\n\nPackage: company-portal-agent\nArchitecture: any\n\nPackage: company-portal-server\nArchitecture: any\n' \
  >"$pkgtop/debian/control"

# The agent: the window is a Flatpak and the server runs elsewhere.
meson_install company-portal-agent -Dapp=false -Dserver=false -Dagent=true
agent_root=$pkgtop/debian/company-portal-agent
[ -x "$agent_root/usr/bin/company-portal-agent" ] \
  || die "meson install produced no usr/bin/company-portal-agent: is the agent in this tree?"
version=$(project_version company-portal-agent)-$revision
finish_package company-portal-agent "$version" \
  'default-dbus-session-bus | dbus-session-bus' \
  'gnome-keyring | org.freedesktop.secrets' \
  'Company Portal device agent' \
  "The per-user host service of Company Portal. It collects the device facts the organisation asks for, keeps the device key in the user's keyring, enrolls the device with the organisation's Portal server and checks it in on a schedule. The Company Portal window, usually installed as a Flatpak, talks to it on the session bus as io.github.companyportal.Agent1; a systemd user unit keeps the schedule."

if $with_server; then
  meson_install company-portal-server -Dapp=false -Dserver=true -Dagent=false
  server_root=$pkgtop/debian/company-portal-server
  [ -x "$server_root/usr/bin/company-portal-server" ] \
    || die "meson install produced no usr/bin/company-portal-server: is the server in this tree?"
  # Files both builds install (settings schema, translations, and the agent
  # files while the agent ignores -Dagent=false) belong to the agent package:
  # two packages must never ship the same path.
  (cd "$agent_root" && find . -type f ! -path './DEBIAN/*' ! -path './usr/share/doc/*') \
    | while read -r f; do
        f=${f%.gz}; rm -f "$server_root/$f" "$server_root/$f.gz"
      done
  find "$server_root" -depth -type d -empty -delete
  finish_package company-portal-server "$version" '' '' \
    'Company Portal reference server' \
    "The reference Portal API server of Company Portal: it serves the organisation document, the signed-in user and the API description to the Company Portal window, accepts the access tokens of one OpenID Connect provider and keeps its state in SQLite. Translations of its messages come with company-portal-agent."
fi
