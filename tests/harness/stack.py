"""The demo stack for integration, UI and end-to-end tests.

Starts real components on loopback, each in the test's own temporary
directory: the OpenID Connect provider (tests/idp), company-portal-server,
Xvfb, and the window; and drives the window through AT-SPI.

The caller provides the private D-Bus session and keyring (run the test
under tests/harness/with-keyring.sh).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SOURCE_DIR = os.environ.get("CP_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD_DIR = os.environ.get("CP_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
ORG_FILE = os.path.join(SOURCE_DIR, "data", "demo-organization.json")

# A test's TAP goes to CP_TAP_FD when tests/ui/run-with-keyring.sh set it:
# the services the private bus activates (the AT-SPI registry) print to the
# bus's stdout, which would break the TAP stream. Every test using the stack
# imports this module before it prints.
if os.environ.get("CP_TAP_FD"):
    sys.stdout = os.fdopen(int(os.environ.pop("CP_TAP_FD")), "w", buffering=1)

# G_DEBUG=fatal-warnings (tests/meson.build) is for our programs, not for the
# Python driving them: GLib reads it once, when it is loaded, and at-spi's
# harmless warnings in pyatspi would then abort the test. It is taken out of
# this process before GLib loads (harness/atspi.py imports this module first)
# and given to the window again (app_env()).
if "gi" in sys.modules:
    raise ImportError("import stack (or atspi) before gi: GLib has already read G_DEBUG")
APP_G_DEBUG = os.environ.pop("G_DEBUG", None)


class StackError(Exception):
    pass


def wait_for_ready(proc, log_path, name, timeout=30):
    """Waits for a "READY <url>" line in the program's log, returns the url."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        with open(log_path, encoding="utf-8", errors="replace") as log:
            for line in log:
                if line.startswith("READY "):
                    return line.split()[1]
        time.sleep(0.05)
    with open(log_path, encoding="utf-8", errors="replace") as log:
        raise StackError(f"{name} did not start:\n{log.read()}")


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


class Stack:
    def __init__(self, name="stack"):
        # meson's timeout sends SIGTERM: as an exception it still runs
        # stop() (a with block, a finally), which ends the programs and
        # removes the temporary directory.
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
        # In TMPDIR (tempfile honours it), removed by stop().
        self.tmp = tempfile.mkdtemp(prefix=f"cp-{name}-")
        self.procs = []
        self.issuer = None
        self.server_url = None
        self.display = None
        self.artifacts = os.environ.get("CP_ARTIFACTS_DIR",
                                        os.path.join(BUILD_DIR, "test-artifacts", name))
        os.makedirs(self.artifacts, exist_ok=True)
        # A private home for everything the programs write, so tests can
        # check it for leaked tokens afterwards.
        self.home = os.path.join(self.tmp, "home")
        for sub in ("cache", "config", "data", "state"):
            os.makedirs(os.path.join(self.home, sub), exist_ok=True)

    # environment

    def xdg_env(self):
        return {
            "XDG_CACHE_HOME": os.path.join(self.home, "cache"),
            "XDG_CONFIG_HOME": os.path.join(self.home, "config"),
            "XDG_DATA_HOME": os.path.join(self.home, "data"),
            "XDG_STATE_HOME": os.path.join(self.home, "state"),
        }

    def _spawn(self, name, argv, env=None):
        log_path = os.path.join(self.tmp, f"{name}.log")
        log = open(log_path, "w")
        full_env = dict(os.environ)
        full_env.update(self.xdg_env())
        if env:
            full_env.update(env)
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                env=full_env, start_new_session=True)
        proc.log_path = log_path
        proc.cp_name = name
        self.procs.append(proc)
        return proc

    # services

    def start_idp(self, access_ttl=600, device_code_ttl=600):
        proc = self._spawn("idp", ["node", os.path.join(SOURCE_DIR, "tests", "idp", "provider.js"),
                                   "--port", "0", "--users", ORG_FILE,
                                   "--access-ttl", str(access_ttl),
                                   "--device-code-ttl", str(device_code_ttl)])
        self.issuer = wait_for_ready(proc, proc.log_path, "the identity provider")
        return self.issuer

    def start_server(self, db=None, extra_args=(), listen="127.0.0.1:0"):
        db = db or os.path.join(self.tmp, "portal.db")
        self.server_db, self.server_args = db, tuple(extra_args)
        argv = [os.path.join(BUILD_DIR, "src", "server", "company-portal-server"),
                "--demo", "--org", ORG_FILE, "--issuer", self.issuer,
                "--listen", listen, "--db", db, *extra_args]
        proc = self._spawn("server", argv)
        self.server_url = wait_for_ready(proc, proc.log_path, "company-portal-server")
        self.server_proc = proc
        return self.server_url

    def stop_server(self):
        self.server_proc.terminate()
        self.server_proc.wait(10)

    def restart_server(self, timeout=10):
        """Starts the server again on the same address and database (after stop_server)."""
        hostport = self.server_url.split("//", 1)[1].rstrip("/")
        deadline = time.monotonic() + timeout
        while True:  # the old socket may linger for a moment
            try:
                return self.start_server(self.server_db, self.server_args, listen=hostport)
            except StackError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def start_xvfb(self):
        # Xvfb picks a free display itself and writes its number to the pipe:
        # no race with other tests starting one at the same time.
        read_fd, write_fd = os.pipe()
        log_path = os.path.join(self.tmp, "xvfb.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                                     "-nolisten", "tcp"], stdout=log, stderr=subprocess.STDOUT,
                                    pass_fds=(write_fd,), start_new_session=True)
        os.close(write_fd)
        proc.log_path, proc.cp_name = log_path, "xvfb"
        self.procs.append(proc)
        number = b""
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip()
        if not number:
            raise StackError("Xvfb did not start")
        self.display = f":{number.decode()}"
        return self.display

    def install_agent(self, extra_env=None):
        """Makes company-portal-agent D-Bus activatable from the build tree.

        The service file goes to the bus daemon's own $XDG_DATA_HOME (set by
        with-keyring.sh, and among the standard session service directories),
        so the agent starts the way an installed one does. Its state lives in
        the stack's private home. --allow-root: test containers run as root.
        """
        services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
        os.makedirs(services, exist_ok=True)
        env = dict(self.xdg_env())
        env.update({"CP_AGENT_IDLE_TIMEOUT": "600", "G_MESSAGES_DEBUG": "cp-agent",
                    "GSETTINGS_BACKEND": "memory"})
        if extra_env:
            env.update(extra_env)
        agent = os.path.join(BUILD_DIR, "src", "agent", "company-portal-agent")
        log = os.path.join(self.tmp, "agent.log")
        argv = " ".join(f"{k}={v}" for k, v in env.items())
        with open(os.path.join(services, "io.github.companyportal.Agent1.service"), "w") as f:
            f.write("[D-BUS Service]\nName=io.github.companyportal.Agent1\n"
                    f"Exec=/bin/sh -c 'exec env {argv} {agent} --gapplication-service --allow-root >>{log} 2>&1'\n")
        self.agent_log = log
        return log

    def agent_call(self, method, *args):
        """Calls a method of the agent with gdbus; returns its printed answer."""
        out = subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.companyportal.Agent1",
                              "--object-path", "/io/github/companyportal/Agent1",
                              "--method", f"io.github.companyportal.Agent1.{method}", *args],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise StackError(f"{method}: {out.stderr.strip()}")
        return out.stdout

    def start_notifications(self):
        """A notification server on the session bus (tests/harness/fake_notifications.py)
        that records what it is asked to show; read it back with notifications()."""
        script = os.path.join(SOURCE_DIR, "tests", "harness", "fake_notifications.py")
        proc = self._spawn("notifications", [sys.executable, script])
        wait_for_ready(proc, proc.log_path, "the notification server")
        self.notifications_proc = proc
        return proc

    def notifications(self):
        """Every Notify call the notification server took so far, oldest first (dicts)."""
        import json
        with open(self.notifications_proc.log_path, encoding="utf-8") as log:
            return [json.loads(line[len("NOTIFY "):]) for line in log if line.startswith("NOTIFY ")]

    def app_env(self, extra=None):
        env = {
            "DISPLAY": self.display,
            "GSK_RENDERER": "cairo",
            "GSETTINGS_BACKEND": "memory",
            "GSETTINGS_SCHEMA_DIR": os.path.join(BUILD_DIR, "data"),
            "COMPANY_PORTAL_SERVER": self.server_url or "",
            "GTK_A11Y": "atspi",
        }
        if APP_G_DEBUG:
            env["G_DEBUG"] = APP_G_DEBUG
        env.pop("NO_AT_BRIDGE", None)
        # The `asan` test setup unwinds every allocation the slow way so that
        # leak reports through libraries without frame pointers (GLib, GTK)
        # have whole stacks to match tests/lsan.supp against. The window
        # allocates far more than the services: unwound like that it runs ten
        # times slower than usual and misses the tests' timeouts. Here it
        # keeps AddressSanitizer and UBSan with ASan's default frame-pointer
        # unwinding, and leaves leak checking to the `app` suite, whose tests
        # drive the same window code with LeakSanitizer and whole stacks.
        for name in ("ASAN_OPTIONS", "LSAN_OPTIONS"):
            if os.environ.get(name):
                env[name] = (os.environ[name].replace("fast_unwind_on_malloc=0", "fast_unwind_on_malloc=1")
                             .replace("detect_leaks=1", "detect_leaks=0"))
        if extra:
            env.update(extra)
        return env

    def start_app(self, extra_env=None, args=()):
        env = self.app_env(extra_env)
        os.environ.pop("NO_AT_BRIDGE", None)
        return self._spawn("app", [os.path.join(BUILD_DIR, "src", "app", "company-portal"), *args], env)

    def screenshot(self, name):
        path = os.path.join(self.artifacts, f"{name}.png")
        subprocess.run(["import", "-display", self.display, "-window", "root", path],
                       check=False, stderr=subprocess.DEVNULL)
        return path

    def logs(self):
        text = {}
        for proc in self.procs:
            with open(proc.log_path, encoding="utf-8", errors="replace") as log:
                text[proc.cp_name] = log.read()
        return text

    def find_in_home(self, needles):
        """Returns the files under the private home that contain any needle."""
        hits = []
        for root, _, files in os.walk(self.home):
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                for needle in needles:
                    if needle and needle.encode() in data:
                        hits.append(path)
        return hits

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        try:
            for proc in self.procs:
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            # keep the logs next to the screenshots for people reading a failure
            for proc in self.procs:
                shutil.copy(proc.log_path, self.artifacts)
            if getattr(self, "agent_log", None) and os.path.exists(self.agent_log):
                shutil.copy(self.agent_log, self.artifacts)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
