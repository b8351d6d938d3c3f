#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plays the browser's part against the demo identity provider (tests/idp).

  idp_browser.py authorize URL --user alice [--deny]
      Opens the authorization URL, signs in on the dev login form (or presses
      Cancel with --deny) and finally performs the GET on the loopback
      redirect, as a browser would.

  idp_browser.py device URL --user alice [--deny] [--code CODE]
      Opens verification_uri_complete (or verification_uri with --code),
      confirms the user code (or aborts with --deny) and signs in.

Only the standard library; cookies are kept like a browser keeps them.
Exit status: 0 when the flow reached its end (the loopback answered 2xx, or
the device success page), 1 otherwise. Never prints codes or tokens: only
paths, status codes and page titles.
"""
import argparse
import os
import re
import html.parser
import http.cookiejar
import sys
import urllib.error
import urllib.parse
import urllib.request

MAX_STEPS = 20


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by hand so each hop can be inspected."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class FormParser(html.parser.HTMLParser):
    """Collects forms (action, method, inputs), links and the title."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.links = []
        self.title = ''
        self._in_title = False
        self._form = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'form':
            self._form = {'id': a.get('id'), 'action': a.get('action', ''),
                          'method': (a.get('method') or 'get').lower(), 'inputs': []}
            self.forms.append(self._form)
        elif tag == 'input':
            form = self._form
            if a.get('form'):
                form = next((f for f in self.forms if f['id'] == a['form']), form)
            if form is not None:
                form['inputs'].append(a)
        elif tag == 'a' and a.get('href'):
            self.links.append((a['href'], ''))
        elif tag == 'title':
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == 'form':
            self._form = None
        elif tag == 'title':
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data.strip()
        elif self.links and self.links[-1][1] == '':
            href, _ = self.links[-1]
            self.links[-1] = (href, data.strip())


def log(message):
    print(f'idp_browser: {message}', file=sys.stderr, flush=True)


def safe(url):
    """The URL without its query: codes and states stay out of the logs."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, '', ''))


class Browser:
    def __init__(self, timeout):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.timeout = timeout
        self.final_status = None
        self.final_url = None

    def request(self, url, data=None):
        """One request; returns (status, headers, body text, url)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method='POST' if body is not None else 'GET')
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                return resp.status, resp.headers, resp.read().decode('utf-8', 'replace'), url
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read().decode('utf-8', 'replace'), url

    def navigate(self, url, data=None, stop_host=None):
        """Follows redirects; returns the last page (status, headers, body, url)."""
        for _ in range(MAX_STEPS):
            status, headers, body, url = self.request(url, data)
            log(f'{"POST" if data is not None else "GET"} {safe(url)} -> {status}')
            data = None
            if status in (301, 302, 303, 307, 308) and headers.get('Location'):
                url = urllib.parse.urljoin(url, headers['Location'])
                continue
            self.final_status, self.final_url = status, url
            return status, headers, body, url
        raise RuntimeError('too many redirects')


def find_form(page, *, field=None, form_id=None):
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        names = {i.get('name') for i in form['inputs']}
        if (form_id is None or form['id'] == form_id) and (field is None or field in names):
            return form, parser
    return None, parser


def form_data(form, overrides):
    data = {}
    for item in form['inputs']:
        name = item.get('name')
        if name and item.get('type', 'text') in ('hidden', 'text', 'password'):
            data[name] = item.get('value', '')
    data.update(overrides)
    return data


def is_loopback_callback(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname in ('127.0.0.1', 'localhost', '::1') and parts.path == '/callback'


def find_prompt_form(page, prompt):
    """The dev interaction form for @prompt ("login" or "consent"), if shown."""
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if any(i.get('name') == 'prompt' and i.get('value') == prompt for i in form['inputs']):
            return form, parser
    return None, parser


def interact(browser, status, body, url, user, deny):
    """One interaction page of the provider: sign in (or press Cancel), or
    confirm the consent page oidc-provider shows native clients."""
    form, parser = find_prompt_form(body, 'login')
    if form is not None and deny:
        cancel = next((href for href, _ in parser.links if 'abort' in href), None)
        if cancel is None:
            raise RuntimeError('the login page has no cancel link')
        log('pressing Cancel on the login page')
        status, _, body, url = browser.navigate(urllib.parse.urljoin(url, cancel))
        return status, body, url
    if form is not None:
        log(f'signing in as {user}')
        data = form_data(form, {'login': user, 'password': 'any password'})
    else:
        form, _ = find_prompt_form(body, 'consent')
        if form is None:
            raise RuntimeError(f'unexpected page {safe(url)} (HTTP {status})')
        log('confirming the consent page')
        data = form_data(form, {})
    status, _, body, url = browser.navigate(urllib.parse.urljoin(url, form['action']), data)
    return status, body, url


def authorize(browser, args):
    # The loopback redirect is the last hop: navigate() follows it with a GET,
    # like a browser hands the URL to the local listener.
    status, _, body, url = browser.navigate(args.url)
    for _ in range(4):
        if is_loopback_callback(url):
            break
        status, body, url = interact(browser, status, body, url, args.user, args.deny)
    if not is_loopback_callback(url):
        log(f'never reached the loopback redirect (last page {safe(url)}, HTTP {status})')
        return 1
    log(f'loopback answered HTTP {status}')
    return 0 if 200 <= status < 300 else 1


def device(browser, args):
    """verification_uri_complete → (auto-submitted form) → confirm page →
    login → consent → success page."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(args.url).query)
    code = args.code or (query.get('user_code') or [None])[0]
    status, _, body, url = browser.navigate(args.url)
    confirmed = False
    for _ in range(8):
        form, _ = find_form(body, field='user_code')
        if confirmed and not (find_prompt_form(body, 'login')[0] or find_prompt_form(body, 'consent')[0]):
            break
        if form is not None and any(i.get('name') == 'confirm' for i in form['inputs']):
            log('aborting the device sign-in' if args.deny else 'confirming the user code')
            data = form_data(form, {'abort': 'yes'} if args.deny else {})
            status, _, body, url = browser.navigate(urllib.parse.urljoin(url, form['action']), data)
            confirmed = True
            if args.deny:
                break
        elif form is not None:
            typed = any(i.get('name') == 'user_code' and i.get('type', 'text') == 'text'
                        for i in form['inputs'])
            if typed and not code:
                log('the page asks for the user code: pass --code')
                return 1
            log('submitting the user code')
            data = form_data(form, {'user_code': code} if typed else {})
            status, _, body, url = browser.navigate(urllib.parse.urljoin(url, form['action']), data)
        elif find_prompt_form(body, 'login')[0] or find_prompt_form(body, 'consent')[0]:
            status, body, url = interact(browser, status, body, url, args.user, False)
        else:
            break
    page = FormParser()
    page.feed(body)
    log(f'device flow ended on {safe(url)} with HTTP {status} ("{page.title}")')
    if os.environ.get('IDP_BROWSER_DUMP'):
        log(re.sub(r'<[^>]+>|\s+', ' ', body))
    return 0 if confirmed and 200 <= status < 300 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('mode', choices=['authorize', 'device'])
    parser.add_argument('url', help='authorization URL, or verification_uri_complete')
    parser.add_argument('--user', default='alice', help='login name for the dev login form')
    parser.add_argument('--deny', action='store_true', help='refuse instead of signing in')
    parser.add_argument('--code', help='user code, when the URL has none (device mode)')
    parser.add_argument('--timeout', type=float, default=20, help='seconds per request')
    args = parser.parse_args()

    browser = Browser(args.timeout)
    try:
        return authorize(browser, args) if args.mode == 'authorize' else device(browser, args)
    except (OSError, RuntimeError, urllib.error.URLError) as err:
        log(f'failed: {err}')
        return 1


if __name__ == '__main__':
    sys.exit(main())
