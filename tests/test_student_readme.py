"""Following only the student README works: its set-up command makes an environment in a fresh release, and its
start command starts JupyterLab there (zh and en releases).

The README marks the laptop's two commands with the fences ```` ```bash setup ```` and ```` ```bash start ````.
Installing requirements.txt takes minutes, so the set-up command runs once per test session (shared by the
pytest-xdist workers through a lock file) in a fresh copy of the en release; the zh README must hold the very same
commands, and every other test links that environment into its own fresh release as ``.venv``.
tests/test_round_trip.py uses the same environment (``set_up_release``, ``link_venv``, ``student_env``).
"""
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from grading.build import notebook_sources
from grading.build.release import readme_text, release
from grading.facts import LANGUAGES

FENCE = re.compile(r"^```bash (setup|start)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
SETUP_TIMEOUT = 1200  # seconds for the README's set-up command (pip install of requirements.txt)
START_TIMEOUT = 180  # seconds for JupyterLab to answer /api/status on a loaded 2-core machine


def readme_commands(text):
    """{"setup": command, "start": command} from the marked fences of a README (exactly one of each)."""
    found = {}
    for kind, body in FENCE.findall(text):
        found.setdefault(kind, []).append(body.strip())
    assert sorted(found) == ["setup", "start"], f"README needs one ```bash setup and one ```bash start block: {found}"
    assert all(len(bodies) == 1 for bodies in found.values()), found
    commands = {kind: bodies[0] for kind, bodies in found.items()}
    assert all("\n" not in c for c in commands.values()), f"one command per block: {commands}"
    return commands


def student_env(home):
    """The environment of a student's shell: no virtual environment active, no settings of this project, Jupyter's
    and IPython's per-user folders under ``home`` (nothing is written to the real home folder)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "CH3_", "IPYTHON", "MPLBACKEND"))}
    env.update(JUPYTER_CONFIG_DIR=str(home / "jupyter-config"), JUPYTER_DATA_DIR=str(home / "jupyter-data"),
               JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"), IPYTHONDIR=str(home / "ipython"),
               MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PIP_NO_INPUT="1")
    return env


def _shared_base(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    # xdist workers each have their own basetemp inside the session's; share the session's.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def set_up_release(tmp_path_factory):
    """A fresh en release in which the README's set-up command ran (once per session); returns its folder.

    The folder holds the student's ``.venv``; its ``setup-seconds`` file beside it says how long the set-up took.
    """
    base = _shared_base(tmp_path_factory)
    folder, done = base / "student-setup", base / "student-setup.seconds"
    with open(base / "student-setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            release(folder, "en")
            command = readme_commands((folder / "README.md").read_text(encoding="utf-8"))["setup"]
            home = base / "student-setup-home"
            home.mkdir(exist_ok=True)
            start = time.monotonic()
            proc = subprocess.run(["bash", "-c", command], cwd=folder, env=student_env(home), capture_output=True,
                                  text=True, timeout=SETUP_TIMEOUT)
            assert proc.returncode == 0, f"{command} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
            done.write_text(f"{time.monotonic() - start:.0f}\n", encoding="utf-8")
    return folder


def link_venv(tree, tmp_path_factory):
    """Give the release ``tree`` the environment of set_up_release as its ``.venv``; returns the .venv path."""
    venv = tree / ".venv"
    venv.symlink_to(set_up_release(tmp_path_factory) / ".venv", target_is_directory=True)
    return venv


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, token, timeout=5):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


# ----------------------------------------------------------------------------------------------- the text
@pytest.mark.parametrize("lang", LANGUAGES)
def test_readme_says_what_a_student_needs(lang):
    text = readme_text(lang)
    commands = readme_commands(text)
    assert commands == readme_commands(readme_text("en")), "zh and en READMEs must give the same commands"
    assert commands["setup"].startswith("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && ")
    # then nbgrader's instructor tools switched off in that venv (tests/test_student_lab.py runs those commands)
    assert "labextension disable --level=sys_prefix @jupyter/nbgrader:formgrader" in commands["setup"]
    assert commands["start"] == ".venv/bin/jupyter lab"
    stems = [s.stem for s in notebook_sources()]
    assert " → ".join(f"`{stem}`" for stem in stems) in re.sub(r"\s+", " ", text), "every notebook, in order"
    for needle in ("JupyterHub", "Binder", "Windows", r".venv\Scripts\jupyter lab", "classifiers/chapter3/*.py",
                   "python datasets/get_datasets.py cifar10", "Restart Kernel and Run All Cells",
                   "python -m utils.progress", "Submit", "python collect_submission.py", "submission_",
                   "best_model.npz"):
        assert needle in text, needle


def test_readme_commands_name_files_of_the_release(tmp_path):
    """Every ``python X.py`` and ``python -m X`` of the README exists in the release (and the choices it names)."""
    tree = tmp_path / "r"
    written = set(release(tree, "en"))
    text = (tree / "README.md").read_text(encoding="utf-8")
    scripts = set(re.findall(r"python (\S+\.py)", text))
    modules = set(re.findall(r"python -m ([\w.]+)", text))
    assert {"datasets/get_datasets.py", "collect_submission.py"} <= scripts
    assert scripts <= written
    assert modules == {"utils.progress"} and "utils/progress.py" in written
    assert "requirements.txt" in written
    usage = subprocess.run([sys.executable, "datasets/get_datasets.py", "--help"], cwd=tree, capture_output=True,
                           text=True, timeout=120).stdout
    choices = re.search(r"\{([^}]*)\}", usage).group(1).split(",")
    named = re.search(r"get_datasets.py cifar10`[^\n]*\n?[^\n]*", text).group(0)
    assert "cifar10" in choices and all(f"`{c}`" in named for c in choices if c != "cifar10")


# ----------------------------------------------------------------------------------------------- the commands
@pytest.mark.parametrize("lang", LANGUAGES)
def test_readme_commands_set_up_and_start_jupyterlab(lang, tmp_path, tmp_path_factory):
    tree = tmp_path / "course"
    release(tree, lang)
    commands = readme_commands((tree / "README.md").read_text(encoding="utf-8"))
    link_venv(tree, tmp_path_factory)  # the set-up command, run once in a fresh release (see the module docstring)
    env = student_env(tmp_path / "home")
    # The README's progress command works with the environment's Python.
    progress = subprocess.run([".venv/bin/python", "-m", "utils.progress", "01"], cwd=tree, env=env,
                              capture_output=True, text=True, timeout=300)
    assert progress.returncode == 0, progress.stderr
    assert "affine_forward_value" in progress.stdout

    port, token = _free_port(), secrets.token_hex(16)
    flags = (f" --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0"
             f" --IdentityProvider.token={token}")
    if os.geteuid() == 0:  # CI runs as root, which JupyterLab refuses unless told; students are not root
        flags += " --allow-root"
    log = (tmp_path / "lab.log").open("wb")
    lab = subprocess.Popen(["bash", "-c", "exec " + commands["start"] + flags], cwd=tree, env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, status = time.monotonic() + START_TIMEOUT, None
        while time.monotonic() < deadline and lab.poll() is None:
            try:
                status = json.loads(_get(f"http://127.0.0.1:{port}/api/status", token)[1])
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        assert status is not None, (tmp_path / "lab.log").read_text(errors="replace")[-4000:]
        assert "started" in status
        code, page = _get(f"http://127.0.0.1:{port}/lab", token)
        assert code == 200 and b"JupyterLab" in page
        # the set-up switched nbgrader's instructor tools off (tests/test_student_lab.py looks closer)
        with pytest.raises(urllib.error.HTTPError) as formgrader:
            _get(f"http://127.0.0.1:{port}/formgrader", token)
        assert formgrader.value.code == 404
        listing = json.loads(_get(f"http://127.0.0.1:{port}/api/contents/assignments", token)[1])
        assert sorted(item["name"] for item in listing["content"]) == [s.stem for s in notebook_sources()]
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, signal.SIGTERM)
            try:
                lab.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(lab.pid, signal.SIGKILL)
                lab.wait()
        log.close()
