#!/usr/bin/env python3
# check-rpm-spec.py: keep packaging/rpm/company-portal-agent.spec true to the
# tree it packages.
#
#   check-rpm-spec.py spec      parse the spec (sections, tags, version,
#                               BuildRequires against meson's dependency()
#                               calls), then meson-install the tree with the
#                               spec's own -D options and match %files
#                               against what was installed, both ways;
#                               with rpmspec, also expand it with rpm itself
#   check-rpm-spec.py rpmbuild  build the binary RPM from a tarball of this
#                               tree with rpmbuild --nodeps and Fedora macro
#                               stand-ins (tests/packaging/rpm-macros)
#
# Exit 77 (skip) with the reason when a tool or the agent is missing.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

SRC = os.environ.get('CP_SOURCE_DIR') or sys.exit('CP_SOURCE_DIR is not set (run through meson test)')
SPEC = os.path.join(SRC, 'packaging', 'rpm', 'company-portal-agent.spec')
MACROS = os.path.join(SRC, 'tests', 'packaging', 'rpm-macros')
AGENT_MAIN = os.path.join(SRC, 'src', 'agent', 'main.c')
# Files the spec lists that come from another part of the project, which may
# not have landed in this tree yet: the installed path and its source.
LANDING = {
    '/usr/share/glib-2.0/schemas/io.github.companyportal.CompanyPortal.gschema.xml':
        'data/io.github.companyportal.CompanyPortal.gschema.xml',
}
# The meson files the agent-only build reads.
AGENT_MESON_FILES = ['meson.build', 'src/core/meson.build', 'src/agent/meson.build']

# Fedora's values of the path macros the spec may use.
FEDORA_MACROS = {
    '_prefix': '/usr', '_exec_prefix': '/usr', '_bindir': '/usr/bin',
    '_sbindir': '/usr/bin', '_libdir': '/usr/lib64', '_libexecdir': '/usr/libexec',
    '_datadir': '/usr/share', '_mandir': '/usr/share/man', '_sysconfdir': '/etc',
    '_localstatedir': '/var', '_userunitdir': '/usr/lib/systemd/user',
    '_unitdir': '/usr/lib/systemd/system', '_includedir': '/usr/include',
}
REQUIRED_TAGS = ['Name', 'Version', 'Release', 'Summary', 'License', 'URL', 'Source0']
REQUIRED_SECTIONS = ['%description', '%prep', '%build', '%install', '%files', '%changelog']
SECTION_RE = re.compile(r'^%(description|package|prep|build|install|check|files|changelog|'
                        r'pre|post|preun|postun|posttrans)\b')

checks = 0


def ok(text):
    global checks
    checks += 1
    print(f'ok {checks} - {text}')


def fail(text):
    print(f'FAIL: {text}', file=sys.stderr)
    sys.exit(1)


def skip(text):
    print(f'SKIP: {text}')
    sys.exit(77)


def project_version():
    with open(os.path.join(SRC, 'meson.build'), encoding='utf-8') as f:
        match = re.search(r"project\([^)]*?version:\s*'([^']+)'", f.read(), re.S)
    if not match:
        fail('no version in project() of meson.build')
    return match.group(1)


class Spec:
    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.lines = f.read().splitlines()
        self.tags = {}
        self.build_requires = []
        self.macros = dict(FEDORA_MACROS)
        self.sections = {}
        current = None
        for line in self.lines:
            match = SECTION_RE.match(line)
            if match:
                current = '%' + match.group(1)
                self.sections.setdefault(current, []).append(line)
                continue
            if current is not None:
                self.sections[current].append(line)
                continue
            self._preamble_line(line)
        for tag in ('Name', 'Version', 'Release'):
            if tag in self.tags:
                self.macros[tag.lower()] = self.tags[tag]
        self.macros['dist'] = ''

    def _preamble_line(self, line):
        match = re.match(r'^%(global|define)\s+(\w+)\s+(.*)$', line)
        if match:
            self.macros[match.group(2)] = match.group(3).strip()
            return
        match = re.match(r'^([A-Za-z0-9]+):\s*(.*)$', line)
        if not match:
            return
        tag, value = match.group(1), match.group(2).strip()
        if tag == 'BuildRequires':
            self.build_requires.append(value)
        else:
            self.tags[tag] = value

    def expand(self, text):
        for _ in range(10):
            new = re.sub(r'%\{\??(\w+)\}|%(\w+)', self._macro, text)
            if new == text:
                return new
            text = new
        fail(f'macros do not settle in {text!r}')

    def _macro(self, match):
        name = match.group(1) or match.group(2)
        if name in self.macros:
            return self.macros[name]
        return '' if match.group(0).startswith('%{?') else match.group(0)

    def body(self, section):
        return self.sections.get(section, [])[1:]


def check_structure(spec):
    for tag in REQUIRED_TAGS:
        if not spec.tags.get(tag):
            fail(f'the spec has no {tag}:')
    for section in REQUIRED_SECTIONS:
        if section not in spec.sections:
            fail(f'the spec has no {section} section')
    if not any(line.strip() for line in spec.body('%description')):
        fail('%description is empty')
    ok(f'tags {", ".join(REQUIRED_TAGS)} and sections {" ".join(REQUIRED_SECTIONS)} are there')

    version = project_version()
    if spec.tags['Version'] != version:
        fail(f"Version {spec.tags['Version']} is not the project's {version} (meson.build)")
    changelog = [line for line in spec.body('%changelog') if line.startswith('* ')]
    if not changelog or not re.search(rf' - {re.escape(version)}-\d+$', changelog[0]):
        fail(f'the newest %changelog entry is not for {version}: {changelog[:1]}')
    ok(f'Version and the newest %changelog entry are the project version {version}')

    for section, macro in (('%build', '%meson'), ('%build', '%meson_build'),
                           ('%install', '%meson_install')):
        if not any(re.match(rf'^{macro}(\s|$)', line) for line in spec.body(section)):
            fail(f'{section} does not use {macro}')
    ok('%build and %install use %meson, %meson_build and %meson_install')


def meson_dependencies():
    deps = {}
    for relative in AGENT_MESON_FILES:
        path = os.path.join(SRC, relative)
        if not os.path.exists(path):
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        for call in re.finditer(r"dependency\(\s*'([^']+)'([^)]*)\)", text):
            options = call.group(2)
            version = re.search(r"version:\s*'([^']+)'", options)
            deps[call.group(1)] = {
                'version': version.group(1).replace(' ', '') if version else None,
                'required': 'required: false' not in options,
            }
    return deps


def check_build_requires(spec):
    provided = {}
    for value in spec.build_requires:
        match = re.match(r'^pkgconfig\(([^)]+)\)\s*(.*)$', value)
        if match:
            provided[match.group(1)] = match.group(2).replace(' ', '') or None
    names = {re.split(r'[\s(]', value, maxsplit=1)[0] for value in spec.build_requires}
    for tool in ('gcc', 'meson', 'gettext', 'systemd-rpm-macros'):
        if tool not in names:
            fail(f'BuildRequires lacks {tool}')

    deps = meson_dependencies()
    if not deps:
        fail('found no dependency() in the meson files')
    for name, dep in sorted(deps.items()):
        if dep['required'] and name not in provided:
            fail(f"meson needs {name} but BuildRequires has no pkgconfig({name})")
        if name in provided and dep['version'] and provided[name] != dep['version']:
            fail(f"BuildRequires pkgconfig({name}) {provided[name]} is not meson's {dep['version']}")
    ok(f'BuildRequires covers every dependency() of the agent build: {", ".join(sorted(deps))}')


def meson_options(spec):
    line = next((line for line in spec.body('%build') if re.match(r'^%meson\s', line)), '')
    options = re.findall(r'-D(\w+)=(\w+)', line)
    with open(os.path.join(SRC, 'meson_options.txt'), encoding='utf-8') as f:
        known = set(re.findall(r"option\('(\w+)'", f.read()))
    for name, _ in options:
        if name not in known:
            fail(f'%meson passes -D{name}, which meson_options.txt does not have')
    if ('app', 'false') not in options or ('server', 'false') not in options:
        fail('%meson must build the agent alone (-Dapp=false -Dserver=false)')
    return [f'-D{name}={value}' for name, value in options]


def files_patterns(spec):
    patterns = []
    for line in spec.body('%files'):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        line = re.sub(r'^(%(doc|license|config\(noreplace\)|config|dir|attr\([^)]*\))\s+)+', '', line)
        patterns.append(spec.expand(line))
    # Lines the spec itself adds to its -f file list.
    for line in spec.body('%install'):
        match = re.match(r"^echo\s+'([^']+)'\s*>>", line.strip())
        if match:
            patterns.append(spec.expand(match.group(1)))
    return patterns


def installed_files(options):
    tmp = tempfile.mkdtemp(prefix='cp-rpm-spec-')
    build, dest = os.path.join(tmp, 'build'), os.path.join(tmp, 'root')
    setup = ['meson', 'setup', build, SRC, '--prefix=/usr', '--libdir=lib64',
             '--sysconfdir=/etc', '--localstatedir=/var', '--wrap-mode=nodownload', *options]
    try:
        for command in (setup, ['meson', 'compile', '-C', build],
                        ['meson', 'install', '-C', build, '--no-rebuild', '--destdir', dest]):
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                fail(f'{" ".join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}')
        files = []
        for root, _, names in os.walk(dest):
            files += ['/' + os.path.relpath(os.path.join(root, n), dest) for n in names]
        return sorted(files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_files_against_install(spec):
    options = meson_options(spec)
    patterns = files_patterns(spec)
    files = installed_files(options)
    # %find_lang lists the translations; rpm compresses man pages itself.
    lang = re.compile(r'^/usr/share/locale/[^/]+/LC_MESSAGES/%s\.mo$' % re.escape(spec.macros['source_name']))
    unpackaged = [f for f in files
                  if not lang.match(f) and not any(fnmatch.fnmatchcase(f, p) for p in patterns)]
    if unpackaged:
        fail(f'meson installs files that %files does not list: {unpackaged}')
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(f, p) for f in files)]
    not_landed = [LANDING[p] for p in unmatched if p in LANDING and not os.path.exists(os.path.join(SRC, LANDING[p]))]
    if not_landed and len(not_landed) == len(unmatched):
        skip(f'{checks} checks passed; %files lists what {", ".join(not_landed)} will install, '
             'which is not in this tree yet')
    if unmatched:
        fail(f'%files lists paths meson does not install: {unmatched}')
    ok(f'%files matches the meson install with {" ".join(options)}: {len(files)} files')


def check_with_rpmspec():
    if not shutil.which('rpmspec'):
        print('# rpmspec is not installed: the spec was checked by this script only')
        return
    result = subprocess.run(['rpmspec', '--load', MACROS, '-P', SPEC], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f'rpmspec -P failed:\n{result.stderr}')
    result = subprocess.run(['rpmspec', '--load', MACROS, '-q', '--srpm', '--qf', '%{NAME} %{VERSION}\n', SPEC],
                            capture_output=True, text=True)
    expected = f'company-portal-agent {project_version()}'
    if result.returncode != 0 or result.stdout.strip() != expected:
        fail(f'rpmspec -q printed {result.stdout.strip()!r} ({result.stderr.strip()}), not {expected!r}')
    ok(f'rpmspec -P expands the spec, rpmspec -q reads "{expected}"')


def source_tarball(path, top):
    def keep(info):
        parts = info.name.split('/')[1:]
        if any(p in ('.git', 'node_modules', '.flatpak-builder', 'meson-private') for p in parts):
            return None
        if parts and re.match(r'^_?build', parts[0]) and parts[0] != 'build-aux':
            return None
        return info
    with tarfile.open(path, 'w:gz') as tar:
        tar.add(SRC, arcname=top, filter=keep)


def run_rpmbuild():
    if not shutil.which('rpmbuild'):
        skip('rpmbuild is not installed (Debian package: rpm)')
    missing = [source for source in LANDING.values() if not os.path.exists(os.path.join(SRC, source))]
    if missing:
        skip(f'%files lists what {", ".join(missing)} will install, which is not in this tree yet')
    version = project_version()
    with tempfile.TemporaryDirectory(prefix='cp-rpmbuild-') as top:
        os.makedirs(os.path.join(top, 'SOURCES'))
        source_tarball(os.path.join(top, 'SOURCES', f'company-portal-{version}.tar.gz'),
                       f'company-portal-{version}')
        result = subprocess.run(['rpmbuild', '-bb', '--nodeps', '--define', f'_topdir {top}',
                                 '--load', MACROS, SPEC], capture_output=True, text=True)
        if result.returncode != 0:
            fail(f'rpmbuild failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}')
        if 'File listed twice' in result.stderr or 'unpackaged' in result.stderr.lower():
            fail(f'rpmbuild warned about the file list:\n{result.stderr[-2000:]}')
        rpms = [os.path.join(d, f) for d, _, names in os.walk(os.path.join(top, 'RPMS')) for f in names]
        if len(rpms) != 1:
            fail(f'expected one binary RPM, got {rpms}')
        ok(f'rpmbuild -bb builds {os.path.basename(rpms[0])} (%check ran the agent)')

        listing = subprocess.run(['rpm', '-qlp', rpms[0]], capture_output=True, text=True, check=True).stdout
        for wanted in ('/usr/bin/company-portal-agent',
                       '/usr/share/dbus-1/services/io.github.companyportal.Agent1.service',
                       '/usr/share/dbus-1/interfaces/io.github.companyportal.Agent1.xml',
                       '/usr/lib/systemd/user/company-portal-agent.service',
                       '/usr/share/man/man1/company-portal-agent.1'):
            if not any(line.startswith(wanted) for line in listing.splitlines()):
                fail(f'the RPM lacks {wanted}:\n{listing}')
        requires = subprocess.run(['rpm', '-qp', '--requires', rpms[0]], capture_output=True,
                                  text=True, check=True).stdout
        for soname in ('libglib-2.0.so.0', 'libsecret-1.so.0', 'libsoup-3.0.so.0'):
            if soname not in requires:
                fail(f'the RPM does not require {soname}:\n{requires}')
        ok('the RPM holds the binary, the D-Bus files, the user unit and the man page; '
           'it requires GLib, libsecret and libsoup')


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else 'spec'
    if mode == 'rpmbuild':
        if not os.path.exists(AGENT_MAIN):
            skip('the agent is not in this tree yet (src/agent/main.c is missing)')
        run_rpmbuild()
    elif mode == 'spec':
        spec = Spec(SPEC)
        check_structure(spec)
        check_build_requires(spec)
        check_with_rpmspec()
        if not os.path.exists(AGENT_MAIN):
            skip(f'{checks} spec checks passed; matching %files needs the agent, '
                 'which is not in this tree yet (src/agent/main.c is missing)')
        check_files_against_install(spec)
    else:
        fail(f'unknown mode {mode}')
    print(f'{checks} checks passed')


if __name__ == '__main__':
    main()
