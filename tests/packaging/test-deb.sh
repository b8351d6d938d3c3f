#!/usr/bin/env bash
# test-deb.sh: build the host package(s) with build-aux/make-deb.sh from this
# source tree, then check them the way dpkg sees them: control fields, file
# list, and an install into a scratch root (never the real system).
#
#   test-deb.sh agent    build and check company-portal-agent
#   test-deb.sh server   build both, check company-portal-server; this run
#                        takes Depends from make-deb.sh's static list, so
#                        that route (no dpkg-shlibdeps) is tested too
#
# Exits 77 (skip) with the reason when the program is not in this tree or
# dpkg is missing; 1 on the first failed check.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

which=${1:?usage: test-deb.sh agent|server}
src=${CP_SOURCE_DIR:?CP_SOURCE_DIR is not set (run through meson test)}
checks=0

skip () { echo "SKIP: $*"; exit 77; }
fail () { echo "FAIL: $*" >&2; exit 1; }
ok () { checks=$((checks + 1)); echo "ok $checks - $*"; }

case $which in
  agent) pkg=company-portal-agent; main_source=src/agent/main.c ;;
  server) pkg=company-portal-server; main_source=src/server/cp-server-main.c ;;
  *) fail "unknown package kind $which" ;;
esac

for tool in dpkg-deb dpkg meson; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ -f "$src/$main_source" ] || skip "$pkg is not in this tree yet ($main_source is missing)"
# make-deb.sh always builds the agent package first.
[ -f "$src/src/agent/main.c" ] || skip "the agent is not in this tree yet (src/agent/main.c is missing)"
# dpkg looks for ldconfig and start-stop-daemon on PATH, even with --root.
export PATH=$PATH:/usr/sbin:/sbin

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

args=(--output "$tmp/out" --workdir "$tmp/work")
[ "$which" = server ] && args+=(--server --static-depends)
"$src/build-aux/make-deb.sh" "${args[@]}" >"$tmp/built" || fail "make-deb.sh failed"
deb=$(grep "/${pkg}_" "$tmp/built") || fail "make-deb.sh did not report a $pkg package"
[ -f "$deb" ] || fail "$deb does not exist"
ok "make-deb.sh built $(basename "$deb")"

# --- control fields --------------------------------------------------------
field () { dpkg-deb --field "$deb" "$1"; }
version=$(meson introspect --projectinfo "$tmp/work/build-$pkg" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')

[ "$(field Package)" = "$pkg" ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version-1" ] || fail "Version '$(field Version)' is not the project's $version-1"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"
[[ "$(field Maintainer)" =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] || fail "Maintainer '$(field Maintainer)' is not 'Name <mail>'"
[[ "$(field Installed-Size)" =~ ^[1-9][0-9]*$ ]] || fail "Installed-Size '$(field Installed-Size)' is not a size"
for f in Section Priority Homepage Description; do
  [ -n "$(field "$f")" ] || fail "$f is empty"
done
ok "control: Package, Version, Architecture, Maintainer, Installed-Size, Section, Priority, Homepage, Description"

# Every Depends alternative must be 'name' or 'name (op version)'.
depends=$(field Depends)
python3 - "$depends" <<'EOF' || fail "Depends is malformed: $depends"
import re, sys
relation = re.compile(r'^[a-z0-9][a-z0-9+.-]+( \((<<|<=|=|>=|>>) [0-9][A-Za-z0-9.+~:-]*\))?$')
bad = [alt.strip() for dep in sys.argv[1].split(',') for alt in dep.split('|')
       if not relation.match(alt.strip())]
sys.exit(1 if bad or not sys.argv[1].strip() else 0)
EOF
grep -q 'libc6' <<<"$depends" || fail "Depends lacks libc6: $depends"
grep -q 'libglib2.0-0' <<<"$depends" || fail "Depends lacks libglib2.0-0: $depends"
if [ "$pkg" = company-portal-agent ]; then
  grep -q 'libsecret-1-0' <<<"$depends" || fail "Depends lacks libsecret-1-0: $depends"
  grep -q 'dbus-session-bus' <<<"$depends" || fail "Depends lacks a session bus: $depends"
else
  grep -q 'libsqlite3-0' <<<"$depends" || fail "Depends lacks libsqlite3-0: $depends"
fi
ok "Depends is well formed and names the libraries: $depends"

# The control file passes dpkg's own parser (dpkg-deb -I prints it back).
dpkg-deb -I "$deb" control >"$tmp/control" || fail "dpkg-deb -I cannot read the control file"
grep -q "^Package: $pkg\$" "$tmp/control" || fail "dpkg-deb -I shows no Package line"
ok "dpkg-deb -I reads the control file"

# --- contents --------------------------------------------------------------
dpkg-deb -c "$deb" >"$tmp/listing"
awk '{ sub(/^\.\//, "", $6); print $6 }' "$tmp/listing" | sed 's,/$,,' | grep -v '^$' | sort >"$tmp/files"

if [ "$pkg" = company-portal-agent ]; then
  expected=(
    usr/bin/company-portal-agent
    usr/share/dbus-1/services/io.github.companyportal.Agent1.service
    usr/lib/systemd/user/company-portal-agent.service
    usr/share/dbus-1/interfaces/io.github.companyportal.Agent1.xml
    usr/share/man/man1/company-portal-agent.1.gz
    usr/share/doc/company-portal-agent/copyright
  )
  # The window's settings schema (the agent reads it too) comes with the agent.
  schema=io.github.companyportal.CompanyPortal.gschema.xml
  [ -f "$src/data/$schema" ] && expected+=(usr/share/glib-2.0/schemas/$schema)
  forbidden='^usr/bin/company-portal(-server)?$|company-portal-server|\.desktop$'
else
  expected=(
    usr/bin/company-portal-server
    usr/share/man/man1/company-portal-server.1.gz
    usr/share/doc/company-portal-server/copyright
  )
  # Shared files belong to the agent package: no path may be in both.
  forbidden='company-portal-agent|dbus-1|systemd|glib-2.0|/locale/|\.desktop$'
fi
for f in "${expected[@]}"; do
  grep -qx "$f" "$tmp/files" || fail "$f is not in the package"
done
ok "contains ${expected[*]}"

if grep -E "$forbidden" "$tmp/files"; then fail "the package has files of another package (above)"; fi
if grep -vE '^usr(/|$)' "$tmp/files"; then fail "the package installs outside /usr (above)"; fi
if grep -q 'gschemas.compiled$' "$tmp/files"; then fail "the package ships a compiled schema cache"; fi
if awk '$2 != "root/root"' "$tmp/listing" | grep .; then fail "files not owned by root/root (above)"; fi
if awk '$1 ~ /^-/ && $1 ~ /w.*w/' "$tmp/listing" | grep .; then fail "group- or world-writable files (above)"; fi
ok "nothing outside /usr, no foreign files, root/root, not group- or world-writable"

# --- install into a scratch root -----------------------------------------
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
dpkg_root=(dpkg --root="$root" --log="$tmp/dpkg.log" --force-depends --force-not-root)
"${dpkg_root[@]}" --install "$deb" >"$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log"; fail "dpkg --root --install failed"; }
"${dpkg_root[@]}" --status "$pkg" | grep -qx 'Status: install ok installed' \
  || fail "dpkg --root does not list $pkg as installed"
"${dpkg_root[@]}" --verify "$pkg" || fail "dpkg --verify found files that differ from md5sums"
for f in "${expected[@]}"; do
  [ -e "$root/$f" ] || fail "$f is missing after the install"
done
ok "installs into a scratch root with dpkg --root, dpkg --verify is clean"

# The installed program runs and is the version the package claims.
program=$root/usr/bin/$pkg
if [ "$pkg" = company-portal-agent ]; then
  out=$("$program" --version) || fail "$program --version failed"
  [ "$out" = "company-portal-agent $version" ] || fail "--version printed '$out'"
  ok "the installed agent runs: $out"

  # Activation files name the installed binary, and only existing files.
  service=$root/usr/share/dbus-1/services/io.github.companyportal.Agent1.service
  unit=$root/usr/lib/systemd/user/company-portal-agent.service
  grep -qx 'Name=io.github.companyportal.Agent1' "$service" || fail "the D-Bus service file has the wrong Name"
  exec_path=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$service")
  [ "$exec_path" = /usr/bin/company-portal-agent ] || fail "the D-Bus service file runs '$exec_path'"
  unit_name=$(sed -n 's/^SystemdService=//p' "$service")
  [ -z "$unit_name" ] || [ -f "$root/usr/lib/systemd/user/$unit_name" ] \
    || fail "the D-Bus service file names $unit_name, which the package lacks"
  exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
  [ "$exec_start" = /usr/bin/company-portal-agent ] || fail "the user unit runs '$exec_start'"
  grep -qx 'BusName=io.github.companyportal.Agent1' "$unit" || fail "the user unit has no BusName"
  python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' \
    "$root/usr/share/dbus-1/interfaces/io.github.companyportal.Agent1.xml" \
    || fail "the installed interface XML does not parse"
  ok "D-Bus service file and user unit run /usr/bin/company-portal-agent; the interface XML parses"
else
  "$program" --help >"$tmp/help" || fail "$program --help failed"
  grep -q -- '--issuer' "$tmp/help" || fail "the installed server's --help has no --issuer"
  ok "the installed server runs (--help)"
fi

zcat "$root/usr/share/man/man1/$pkg.1.gz" | grep -q "^\.TH $(tr a-z A-Z <<<"$pkg") 1" \
  || fail "the installed man page has no .TH line for $pkg"
ok "the installed man page is $pkg(1)"

"${dpkg_root[@]}" --purge "$pkg" >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; fail "dpkg --purge failed"; }
left=$(find "$root" -path "$root/var" -prune -o -type f -print | head -5)
[ -z "$left" ] || fail "files left after --purge: $left"
ok "purges cleanly"

echo "$checks checks passed for $pkg"
