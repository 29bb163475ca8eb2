"""A real JupyterHub on loopback for tests: Linux users, the hub process, its REST API and the users' servers.

Everything binds to 127.0.0.1. The proxy is npm's ``configurable-http-proxy``: on PATH, or installed by
:func:`proxy_command` into a cache folder (``$CH3_TEST_NODE_DIR``, default ``$XDG_CACHE_HOME/ch3-test-node`` or
``~/.cache/ch3-test-node``).
"""
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

PROXY_PACKAGE = "configurable-http-proxy@5.3.0"
VENV_BIN = Path(sys.executable).parent


class SearchableForAll:
    """Context: every folder above ``paths`` gets the search bit for others (o+x) while it lasts, then its old mode.

    The users' servers and the grader run this environment's Python, which may live below a private home such as
    ``/root`` (pyenv); o+x lets them reach it without letting them list that folder.
    """

    def __init__(self, *paths):
        self.paths = [Path(os.path.realpath(p)) for p in paths]
        self.changed = {}

    def __enter__(self):
        for path in self.paths:
            for folder in [*reversed(path.parents), path] if path.is_dir() else reversed(path.parents):
                mode = folder.stat().st_mode
                if folder not in self.changed and not mode & stat.S_IXOTH:
                    self.changed[folder] = stat.S_IMODE(mode)
                    folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
        return self

    def __exit__(self, *exc):
        for folder, mode in self.changed.items():
            folder.chmod(mode)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proxy_command():
    """The configurable-http-proxy executable, installed with npm into the cache folder if needed; None if neither."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    cache = Path(os.environ.get("CH3_TEST_NODE_DIR")
                 or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ch3-test-node")
    exe = cache / "node_modules" / ".bin" / "configurable-http-proxy"
    if not exe.is_file() and shutil.which("npm"):
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(cache),
                        PROXY_PACKAGE], check=False, capture_output=True, timeout=300)
    return str(exe) if exe.is_file() else None


class LinuxUser:
    """A throw-away local account (useradd -m), removed with its home and processes by :meth:`remove`."""

    def __init__(self, name):
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True, capture_output=True)
        entry = pwd.getpwnam(name)
        self.name, self.uid, self.gid, self.home = name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir)

    def run(self, command, cwd=None, env=None, timeout=300):
        """Run ``command`` as this user (its uid, gid and HOME); returns the CompletedProcess (text)."""
        full = {**(env or os.environ), "HOME": str(self.home), "USER": self.name, "LOGNAME": self.name}
        return subprocess.run(command, cwd=cwd or self.home, env=full, user=self.uid, group=self.gid,
                              extra_groups=[], capture_output=True, text=True, timeout=timeout)

    def processes(self):
        import psutil

        return [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == self.uid]

    def remove(self):
        """Kill what still runs as this user (by pid), then delete the account and its home."""
        for proc in self.processes():
            try:
                proc.kill()
            except Exception:  # already gone
                pass
        subprocess.run(["userdel", "--remove", self.name], capture_output=True)


class Hub:
    """``jupyterhub`` started as a child process with a config file written into ``folder``.

    Inputs:
    - folder: the hub's working folder (database, cookie secret, logs)
    - settings: lines of Python appended to the generated jupyterhub_config.py
    - proxy: path of configurable-http-proxy
    """

    def __init__(self, folder, settings, proxy):
        self.folder = Path(folder)
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)  # of the service "driver", which the test uses to drive the hub
        config = [
            "c = get_config()",
            f"c.JupyterHub.bind_url = {self.url + '/'!r}",
            "c.JupyterHub.hub_ip = '127.0.0.1'",
            f"c.JupyterHub.hub_port = {self.hub_port}",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{self.api_port}'",
            f"c.ConfigurableHTTPProxy.command = [{proxy!r}]",
            f"c.JupyterHub.db_url = 'sqlite:///{self.folder / 'jupyterhub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = {str(self.folder / 'cookie_secret')!r}",
            f"c.JupyterHub.pid_file = {str(self.folder / 'jupyterhub.pid')!r}",
            "c.JupyterHub.authenticator_class = 'dummy'",
            "c.JupyterHub.spawner_class = 'localprocess'",
            f"c.Spawner.cmd = [{str(VENV_BIN / 'jupyterhub-singleuser')!r}]",
            "c.Spawner.start_timeout = 180",
            "c.Spawner.http_timeout = 180",
            "c.JupyterHub.load_roles = [{'name': 'driver', 'services': ['driver'], 'scopes': ["
            "'admin:users', 'admin:servers', 'access:servers', 'access:services', 'list:services', "
            "'read:services']}]",
            "c.JupyterHub.services = [{'name': 'driver', 'api_token': " + repr(self.token) + "}]",
            *settings,
        ]
        (self.folder / "jupyterhub_config.py").write_text("\n".join(config) + "\n", encoding="utf-8")
        self.log = open(self.folder / "jupyterhub.log", "w", encoding="utf-8")
        env = {**os.environ, "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])}
        self.process = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", "jupyterhub_config.py"],
                                        cwd=self.folder, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.wait_until(lambda: self.api("GET", "/hub/api/").status_code == 200, 120, "the hub to answer")

    def log_text(self):
        return (self.folder / "jupyterhub.log").read_text(encoding="utf-8", errors="replace")

    def api(self, method, path, **kwargs):
        """A request through the proxy with the driver's token; connection errors come back as status 0."""
        import requests

        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        try:
            return requests.request(method, self.url + path, headers=headers, timeout=120, allow_redirects=False,
                                    **kwargs)
        except requests.ConnectionError:
            response = requests.Response()
            response.status_code = 0
            return response

    def wait_until(self, ready, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({self.process.returncode}):\n{self.log_text()[-4000:]}")
            if ready():
                return
            time.sleep(0.5)
        raise TimeoutError(f"waited {seconds} s for {what}; hub log:\n{self.log_text()[-4000:]}")

    def start_server(self, user):
        """Create the hub user and spawn its server (LocalProcessSpawner: a process running as that Linux user)."""
        self.api("POST", f"/hub/api/users/{user}")
        response = self.api("POST", f"/hub/api/users/{user}/server")
        assert response.status_code in (201, 202), (response.status_code, response.text)

        def ready():
            servers = self.api("GET", f"/hub/api/users/{user}").json().get("servers", {})
            return bool(servers.get("", {}).get("ready"))

        self.wait_until(ready, 180, f"the server of {user}")

    def stop(self):
        """SIGTERM the hub (it stops the users' servers and the proxy), SIGKILL its process group if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()
