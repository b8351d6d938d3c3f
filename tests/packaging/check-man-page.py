#!/usr/bin/env python3
# check-man-page.py PROGRAM: data/man/PROGRAM.1 is a well-formed man page
# (mandoc -T lint, or groff warnings), has the usual sections, is in meson's
# install plan when PROGRAM is built, and documents exactly the options the
# built program accepts: every option of `PROGRAM --help-all` is in the
# OPTIONS section and every option there is one the program knows.
#
# Exit 77 (skip) with the reason when PROGRAM is not built here, after the
# checks that need only the page.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ.get('CP_SOURCE_DIR') or sys.exit('CP_SOURCE_DIR is not set (run through meson test)')
BUILD = os.environ.get('CP_BUILD_DIR') or sys.exit('CP_BUILD_DIR is not set (run through meson test)')
EXECUTABLES = {
    'company-portal': ('src/app', 'app'),
    'company-portal-agent': ('src/agent', 'agent'),
    'company-portal-server': ('src/server', 'server'),
}
REQUIRED_SECTIONS = ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'FILES', 'SEE ALSO']

checks = 0


def ok(text):
    global checks
    checks += 1
    print(f'ok {checks} - {text}')


def fail(text):
    print(f'FAIL: {text}', file=sys.stderr)
    sys.exit(1)


def skip(text):
    print(f'SKIP: {checks} checks passed; {text}')
    sys.exit(77)


def sections(text):
    result, current = {}, None
    for line in text.splitlines():
        match = re.match(r'^\.SH\s+"?([^"]+?)"?\s*$', line)
        if match:
            current = match.group(1)
            result[current] = []
        elif current is not None:
            result[current].append(line)
    return result


def lint(page):
    if shutil.which('mandoc'):
        result = subprocess.run(['mandoc', '-T', 'lint', '-W', 'warning', page],
                                capture_output=True, text=True)
        tool = 'mandoc -T lint'
    elif shutil.which('groff'):
        result = subprocess.run(['groff', '-man', '-ww', '-z', page], capture_output=True, text=True)
        tool = 'groff -ww'
    else:
        print('# neither mandoc nor groff is installed: the page was not linted')
        return
    messages = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or messages:
        fail(f'{tool} complains about {page}:\n{messages}')
    ok(f'{tool} finds nothing wrong')


def roff_options(lines):
    text = '\n'.join(lines).replace('\\-', '-')
    return set(re.findall(r'(?<![\w-])--([a-z0-9][a-z0-9-]*)', text))


def help_options(executable):
    # From the build tree, the window finds its settings schema only here.
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='',
               GSETTINGS_SCHEMA_DIR=os.path.join(BUILD, 'data'))
    result = subprocess.run([executable, '--help-all'], capture_output=True, text=True, env=env, timeout=60)
    if result.returncode != 0:
        fail(f'{executable} --help-all failed ({result.returncode}):\n{result.stdout}{result.stderr}')
    options = set(re.findall(r'^\s+(?:-\w, )?--([a-z0-9][a-z0-9-]*)', result.stdout, re.M))
    if not options:
        fail(f'found no option in {executable} --help-all:\n{result.stdout}')
    return options


def installed_pages():
    result = subprocess.run(['meson', 'introspect', '--installed', BUILD], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f'meson introspect --installed failed: {result.stderr}')
    return {os.path.basename(dest) for dest in json.loads(result.stdout).values()}


def main():
    program = sys.argv[1]
    if program not in EXECUTABLES:
        fail(f'unknown program {program}')
    page = os.path.join(SRC, 'data', 'man', f'{program}.1')
    with open(page, encoding='utf-8') as f:
        text = f.read()

    lint(page)
    title = re.search(r'^\.TH\s+(\S+)\s+(\S+)', text, re.M)
    if not title or title.group(1) != program.upper() or title.group(2) != '1':
        fail(f'.TH is not "{program.upper()} 1": {title.group(0) if title else None}')
    parts = sections(text)
    missing = [s for s in REQUIRED_SECTIONS if s not in parts]
    if missing:
        fail(f'{page} lacks the sections {missing}')
    name_line = ' '.join(l for l in parts['NAME'] if not l.startswith('.'))
    if not re.match(rf'^{re.escape(program)} \\- \S', name_line):
        fail(f'the NAME line is not "{program} \\- summary": {name_line!r}')
    ok(f'.TH {program.upper()} 1, NAME "{name_line}", sections {", ".join(REQUIRED_SECTIONS)}')

    subdir, option = EXECUTABLES[program]
    executable = os.path.join(BUILD, subdir, program)
    if not os.path.exists(executable):
        skip(f'{program} is not built here (not in this tree yet, or -D{option}=false), '
             'so its options and install could not be compared with the page')

    if f'{program}.1' not in installed_pages():
        fail(f'{program} is built but meson does not install {program}.1 (data/man/meson.build)')
    ok(f'meson installs {program}.1 with the program')

    documented = roff_options(parts['OPTIONS'] + parts['SYNOPSIS'])
    accepted = help_options(executable)
    undocumented = sorted(o for o in accepted - documented if not o.startswith('help'))
    if undocumented:
        fail(f'{program} accepts options the OPTIONS section of {page} does not document: '
             + ', '.join('--' + o for o in undocumented))
    unknown = sorted(documented - accepted)
    if unknown:
        fail(f'{page} documents options {program} does not accept: '
             + ', '.join('--' + o for o in unknown))
    ok(f'the page documents exactly the options of {program}: '
       + ' '.join('--' + o for o in sorted(accepted)))
    print(f'{checks} checks passed')


if __name__ == '__main__':
    main()
