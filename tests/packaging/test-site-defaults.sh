#!/usr/bin/env bash
# test-site-defaults.sh: the admin recipes of packaging/README.md work with
# the real schema, in a scratch directory (never the system's).
#
#   test-site-defaults.sh override  the example .gschema.override compiles
#                                   with the schema (--strict) and gsettings
#                                   then reads its values as the defaults
#   test-site-defaults.sh lock      the example dconf database and lock,
#                                   compiled with `dconf compile`, preset
#                                   server-url and make it read-only
#   test-site-defaults.sh flatpak   the README's `flatpak override --system`
#                                   command, run against a scratch system
#                                   installation, sets COMPANY_PORTAL_SERVER
#                                   for the app (the window tests cover
#                                   what the window does with it)
#
# Exits 77 (skip) with the reason when the schema or a tool is missing.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

mode=${1:?usage: test-site-defaults.sh override|lock|flatpak}
src=${CP_SOURCE_DIR:?CP_SOURCE_DIR is not set (run through meson test)}
schema_id=io.github.companyportal.CompanyPortal
schema=$src/data/$schema_id.gschema.xml
examples=$src/packaging/gsettings
checks=0

skip () { echo "SKIP: $*"; exit 77; }
fail () { echo "FAIL: $*" >&2; exit 1; }
ok () { checks=$((checks + 1)); echo "ok $checks - $*"; }

[ "$mode" = flatpak ] || [ -f "$schema" ] \
  || skip "the settings schema is not in this tree yet (data/$schema_id.gschema.xml)"
for tool in glib-compile-schemas gsettings; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/schemas" "$tmp/config"
[ ! -f "$schema" ] || cp "$schema" "$tmp/schemas/"
export GSETTINGS_SCHEMA_DIR=$tmp/schemas XDG_CONFIG_HOME=$tmp/config

# The value a keyfile (override or dconf) sets for KEY in the example FILE.
example_value () { sed -n "s/^$1=//p" "$2"; }

case $mode in
override)
  override=$examples/90_company-portal.gschema.override
  cp "$override" "$tmp/schemas/"
  glib-compile-schemas --strict "$tmp/schemas" || fail "glib-compile-schemas --strict rejects the override"
  ok "glib-compile-schemas --strict accepts the schema with $(basename "$override")"

  export GSETTINGS_BACKEND=memory
  for key in $(sed -n 's/^\([a-z-]*\)=.*/\1/p' "$override"); do
    want=$(example_value "$key" "$override")
    got=$(gsettings get "$schema_id" "$key")
    # gsettings prints numbers with a type prefix (uint32 30).
    [ "${got#uint32 }" = "$want" ] || fail "$key is $got, the override says $want"
    ok "$key defaults to $want"
  done
  [ "$(gsettings writable "$schema_id" server-url)" = true ] \
    || fail "an override alone must not lock server-url"
  ok "an override alone leaves server-url writable"
  ;;
lock)
  command -v dconf >/dev/null || skip "dconf is not installed (Debian package: dconf-cli)"
  gio_modules=$(pkg-config --variable=giomoduledir gio-2.0 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/gio/modules)
  ls "$gio_modules"/libdconfsettings.so >/dev/null 2>&1 \
    || skip "the dconf GSettings backend is not installed (Debian package: dconf-gsettings-backend)"
  glib-compile-schemas --strict "$tmp/schemas" || fail "the schema does not compile"

  dconf compile "$tmp/local" "$examples/dconf/db/local.d" || fail "dconf compile rejects the example keyfiles"
  ok "dconf compile accepts dconf/db/local.d with its locks"

  # The system profile of the README names the database 'local' in
  # /etc/dconf/db; here the same profile points at the scratch copy.
  grep -qx 'system-db:local' "$examples/dconf/profile/user" || fail "the example profile has no system-db:local"
  sed 's|^system-db:local$|file-db:'"$tmp/local"'|' "$examples/dconf/profile/user" >"$tmp/profile"
  export DCONF_PROFILE=$tmp/profile GSETTINGS_BACKEND=dconf
  want=$(example_value server-url "$examples/dconf/db/local.d/00-company-portal")
  got=$(gsettings get "$schema_id" server-url)
  [ "$got" = "$want" ] || fail "server-url is $got, the dconf example says $want"
  ok "server-url is $want for every user"
  [ "$(gsettings writable "$schema_id" server-url)" = false ] || fail "server-url is not locked"
  ok "server-url is locked (gsettings writable: false)"
  [ "$(gsettings writable "$schema_id" notifications-enabled)" = true ] \
    || fail "notifications-enabled is locked, but only server-url should be"
  ok "other keys stay writable"
  ;;
flatpak)
  command -v flatpak >/dev/null || skip "flatpak is not installed"
  readme=$src/packaging/README.md
  # The command as the README spells it, without sudo and line breaks.
  command=$(sed -n '/^sudo flatpak override --system/,/CompanyPortal$/p' "$readme" \
    | tr -d '\\\n' | tr -s ' ' | sed 's/^sudo //')
  [[ "$command" == "flatpak override --system --env=COMPANY_PORTAL_SERVER="*" $schema_id" ]] \
    || fail "packaging/README.md has no 'sudo flatpak override --system --env=COMPANY_PORTAL_SERVER=... $schema_id': '$command'"
  url=$(sed 's/.*--env=COMPANY_PORTAL_SERVER=\([^ ]*\).*/\1/' <<<"$command")
  export FLATPAK_SYSTEM_DIR=$tmp/flatpak-system FLATPAK_USER_DIR=$tmp/flatpak-user
  read -r -a argv <<<"$command"
  "${argv[@]}" || fail "'$command' failed"
  overrides=$FLATPAK_SYSTEM_DIR/overrides/$schema_id
  [ -f "$overrides" ] || fail "flatpak wrote no $overrides"
  python3 - "$overrides" "$url" <<'PY' || fail "the override does not set COMPANY_PORTAL_SERVER=$url: $(cat "$overrides")"
import configparser, sys
keyfile = configparser.ConfigParser(interpolation=None)
keyfile.optionxform = str
keyfile.read(sys.argv[1])
sys.exit(0 if keyfile.get('Environment', 'COMPANY_PORTAL_SERVER', fallback=None) == sys.argv[2] else 1)
PY
  ok "flatpak override --system sets COMPANY_PORTAL_SERVER=$url for $schema_id"
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac

echo "$checks checks passed ($mode)"
