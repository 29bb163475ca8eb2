"""Real Jupyter servers for the browser and Binder tests: a scratch student environment, servers, Chromium.

- ``make_student_env`` builds a throw-away stand-in for the environment repo2docker builds from the release:
  a Python environment with its own ``sys.prefix`` (so ``--sys-prefix`` / ``--level=sys_prefix`` commands write
  into it and nowhere else), the project's packages, a copy of the project environment's Jupyter config and data
  (``etc/jupyter``, ``share/jupyter``), and ``jupyter*`` commands bound to it.
- ``isolated_env`` gives every server its own Jupyter config, data, runtime and settings folders.
- ``jupyter_server`` starts ``jupyter lab`` on loopback with a random token, waits for ``/api/status`` and always
  stops the server and every process it started (kernels run in sessions of their own).
- ``chromium`` opens Debian's Chromium through Playwright with a fresh profile.
"""
import fcntl
import hashlib
import importlib.metadata
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import venv
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# Every host name but 127.0.0.1 fails to resolve: pages that pull something from the internet (the formgrader
# asks a CDN for MathJax) stay on loopback and the tests do not depend on the network.
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
# The project environment the tests run in (make setup's .venv): the stand-in student environment copies it.
PROJECT_PREFIX = Path(sys.prefix)
# JupyterLab user settings for test servers: no news or update pop-ups over the notebook, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                      "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# ---------------------------------------------------------------------------------------------- environments

def make_student_env(dest):
    """A scratch Python environment standing in for the student image; returns its prefix (Path).

    The environment is a venv (own ``sys.prefix``) that sees the project's installed packages through a ``.pth``
    file, holds copies of the project environment's ``etc/jupyter`` and ``share/jupyter`` (so Jupyter finds
    JupyterLab, the nbgrader extensions and their enabling config under its own prefix, as in a conda env), and
    has ``jupyter``/``jupyter-*`` scripts that run with its own interpreter. Anything run in it with
    ``--sys-prefix`` therefore changes only ``dest``.
    """
    dest = Path(dest).resolve()
    venv.EnvBuilder(with_pip=False, symlinks=True, clear=True).create(dest)
    paths = {"base": str(dest), "platbase": str(dest)}
    purelib = Path(sysconfig.get_path("purelib", vars=paths))
    project_libs = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    # site.addsitedir (not a bare path line) so that the .pth files of the project's site-packages run as well.
    (purelib / "chapter3_project_packages.pth").write_text(
        "".join(f"import site; site.addsitedir({lib!r})\n" for lib in project_libs), encoding="utf-8")
    for part in ("etc/jupyter", "share/jupyter"):
        if (PROJECT_PREFIX / part).is_dir():
            shutil.copytree(PROJECT_PREFIX / part, dest / part, symlinks=True)
    python = dest / "bin" / "python"
    written = set()
    for ep in importlib.metadata.entry_points(group="console_scripts"):
        if ep.name in written or not (ep.name == "jupyter" or ep.name.startswith("jupyter-")):
            continue
        head = ep.attr.split(".")[0]
        script = dest / "bin" / ep.name
        script.write_text(f"#!{python}\nimport sys\nfrom {ep.module} import {head}\nsys.exit({ep.attr}())\n",
                          encoding="utf-8")
        script.chmod(0o755)
        written.add(ep.name)
    return dest


def postbuilt_student_env(tmp_path_factory, postbuild):
    """make_student_env + the release's postBuild run in it, once per test run (shared by xdist workers).

    Returns (prefix, record): record holds postBuild's return code and output, and whether the project
    environment's Jupyter config and data stayed byte-identical meanwhile (``project_env_untouched``) and
    which user-level config files it wrote (``user_config_files``; it should write none).
    """
    postbuild = Path(postbuild)
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers
    key = hashlib.sha256(postbuild.read_bytes()).hexdigest()[:16]
    folder = base / f"postbuilt-student-env-{key}"
    with open(base / f"postbuilt-student-env-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "record.json"
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            watched = (PROJECT_PREFIX / "etc" / "jupyter", PROJECT_PREFIX / "share" / "jupyter" / "lab")
            before = tree_fingerprint(*watched)
            prefix = make_student_env(folder / "env")
            env = isolated_env(folder / "postbuild-home", prefix=prefix)
            result = subprocess.run(["bash", str(postbuild)], cwd=postbuild.parent, env=env, capture_output=True,
                                    text=True, timeout=900)
            user_files = sorted(p.name for p in Path(env["JUPYTER_CONFIG_DIR"]).rglob("*") if p.is_file())
            record = {"returncode": result.returncode, "output": result.stdout + result.stderr,
                      "project_env_untouched": tree_fingerprint(*watched) == before,
                      "user_config_files": user_files}
            done.write_text(json.dumps(record), encoding="utf-8")
    return folder / "env", json.loads(done.read_text(encoding="utf-8"))


def isolated_env(scratch, prefix=None, **extra):
    """Environment variables for a Jupyter process with its own user-level folders under ``scratch``.

    ``prefix``: a student environment from make_student_env; its bin/ goes first on PATH and the project
    environment's bin/ is removed from it, so that ``jupyter`` means that environment's command.
    """
    scratch = Path(scratch)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "IPYTHON", "PYTHON", "VIRTUAL_ENV", "CONDA", "CH3_"))}
    folders = {
        "JUPYTER_CONFIG_DIR": scratch / "config",
        "JUPYTER_DATA_DIR": scratch / "data",
        "JUPYTER_RUNTIME_DIR": scratch / "runtime",
        "IPYTHONDIR": scratch / "ipython",
        "JUPYTERLAB_SETTINGS_DIR": scratch / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": scratch / "lab-workspaces",
    }
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    for rel, settings in LAB_SETTINGS.items():
        path = folders["JUPYTERLAB_SETTINGS_DIR"] / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings), encoding="utf-8")
    path = [p for p in env.get("PATH", os.defpath).split(os.pathsep)
            if p and Path(p).resolve() != (PROJECT_PREFIX / "bin").resolve()]
    if prefix is not None:
        path.insert(0, str(Path(prefix) / "bin"))
        env["VIRTUAL_ENV"] = str(prefix)
    env["PATH"] = os.pathsep.join(path)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def instructor_env(scratch):
    """isolated_env under ``scratch`` whose own nbgrader config names an exchange folder (without one the
    formgrader warns about it)."""
    scratch = Path(scratch)
    env = isolated_env(scratch / "home")
    (scratch / "exchange").mkdir()
    (Path(env["JUPYTER_CONFIG_DIR"]) / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {json.dumps(str(scratch / 'exchange'))}\n", encoding="utf-8")
    return env


@contextmanager
def student_lab(tmp_path_factory, lang, log, modules=()):
    """JupyterLab on a fresh student release in ``lang``, in a Binder-like environment (its postBuild run), on
    the embedded data; yields the server with ``.tree``, the release folder.

    ``modules``: module files copied over the stubs in classifiers/chapter3/ (e.g. the reference's).
    """
    from grading.build.release import release

    scratch = tmp_path_factory.mktemp(f"student-{lang}")
    tree = scratch / "student-repo"
    release(tree, lang)
    for module in modules:
        shutil.copyfile(module, tree / "classifiers" / "chapter3" / Path(module).name)
    prefix, built = postbuilt_student_env(tmp_path_factory, tree / "postBuild")
    assert built["returncode"] == 0, built["output"]
    env = isolated_env(scratch / "home", prefix=prefix, CH3_DATA="embedded")
    with jupyter_server([tree / "start", "jupyter", "lab"], cwd=tree, env=env, root_dir=tree, log=log) as server:
        server.tree = tree
        yield server


def tree_fingerprint(*folders):
    """{file: sha256} of every file under the folders (missing folders count as empty): proves nothing changed."""
    out = {}
    for folder in folders:
        folder = Path(folder)
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# ---------------------------------------------------------------------------------------------- servers

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str  # base URL, no trailing slash
    token: str
    process: subprocess.Popen
    log: Path

    def get(self, path, timeout=30):
        """(status, body) of a GET with the token."""
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def stop_kernels(self):
        """Shut down every kernel session of the server (frees memory between notebooks)."""
        status, body = self.get("/api/sessions")
        for session in json.loads(body) if status == 200 else []:
            request = urllib.request.Request(f"{self.url}/api/sessions/{session['id']}", method="DELETE",
                                             headers={"Authorization": f"token {self.token}"})
            with urllib.request.urlopen(request, timeout=60):
                pass

    def log_tail(self, chars=4000):
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.exists() else ""


def _stop(process, timeout=20):
    """Stop a server started in its own session and everything it started (kernels have sessions of their own).

    Returns the processes still alive afterwards (should be none).
    """
    try:
        family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)  # jupyter shuts its kernels down on SIGTERM
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    _gone, alive = psutil.wait_procs(family, timeout=5)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(10)
    _gone, alive = psutil.wait_procs(family, timeout=10)
    return alive


@contextmanager
def jupyter_server(command, cwd, env, log, root_dir, startup_timeout=180):
    """Run ``command + [jupyter lab options]`` (e.g. ``[python, "-m", "jupyterlab"]``) and yield a Server.

    Loopback only, a free port, a random token, no browser, root_dir as given. The server and all its
    descendants are stopped on exit, whatever happened.
    """
    port, token = free_port(), secrets.token_hex(16)
    args = [*map(str, command), "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
            # no calls out: no news feed, no update check, no PyPI extension manager
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:  # CI containers run as root; jupyter refuses that unless told
        args.append("--allow-root")
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", token, process, log)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{server.log_tail()}")
            try:
                status, _ = server.get("/api/status", timeout=5)
            except OSError:
                status = None
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not answer within {startup_timeout} s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        alive = _stop(process)
        assert not alive, f"processes left behind by the server: {alive}"


# ---------------------------------------------------------------------------------------------- browser

def chromium_missing():
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -r requirements-dev.txt)"
    return None


_PLAYWRIGHT = []  # one Playwright driver per test process: a second sync_playwright() in a thread that already
# runs one (test_browser.py keeps a session-wide browser open) fails with "Sync API inside the asyncio loop"


def _playwright():
    if not _PLAYWRIGHT:
        import atexit

        from playwright.sync_api import sync_playwright

        _PLAYWRIGHT.append(sync_playwright().start())
        atexit.register(_PLAYWRIGHT[0].stop)
    return _PLAYWRIGHT[0]


@contextmanager
def chromium(profile_dir, viewport=(1400, 1000)):
    """A headless Chromium context with a fresh profile; closed on exit."""
    context = _playwright().chromium.launch_persistent_context(
        str(profile_dir), executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, LOOPBACK_ONLY],
        viewport={"width": viewport[0], "height": viewport[1]})
    try:
        yield context
    finally:
        context.close()
