"""Students get nbgrader's student tools only, outside Binder too: the README's set-up command (in a scratch
environment of its own) and `make lab` (a config folder on JUPYTER_CONFIG_PATH, the environment left alone) switch
off the instructor's Formgrader, Create Assignment and course list; the assignment list and Validate stay."""
import json
import re
import shlex
import subprocess
import sys

import pytest

from grading.build.release import readme_text
from grading.paths import ROOT
from tests.browser_helpers import isolated_env, jupyter_server, make_student_env
from tests.test_binder import INSTRUCTOR_LAB, INSTRUCTOR_SERVER, STUDENT_LAB, STUDENT_SERVER
from tests.test_student_readme import readme_commands

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _jupyter(env, *args):
    done = subprocess.run(["jupyter", *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return ANSI.sub("", done.stdout + done.stderr)


def _disabled_lab_plugins(listing):
    return set(re.findall(r"^\s+(@jupyter/nbgrader:[\w-]+)\s*$", listing.split("Disabled extensions:")[-1], re.M))


@pytest.fixture(scope="module")
def readme_env(tmp_path_factory):
    """A scratch environment in which the jupyter commands of the README's set-up command ran (the pip install
    before them is tests/test_student_readme.py's business)."""
    setup = readme_commands(readme_text("en"))["setup"]
    assert readme_commands(readme_text("zh"))["setup"] == setup
    steps = [shlex.split(step) for step in setup.split("&&")]
    jupyter_steps = [step for step in steps if step[0] == ".venv/bin/jupyter"]
    assert [step[:2] for step in steps[:2]] == [["python3", "-m"], [".venv/bin/pip", "install"]]
    assert len(jupyter_steps) == len(steps) - 2, "after the install, only jupyter commands"
    base = tmp_path_factory.mktemp("readme-env")
    prefix = make_student_env(base / "env")
    env = isolated_env(base / "home", prefix=prefix)
    for step in jupyter_steps:
        _jupyter(env, *step[1:])
    return prefix, env


def test_the_readme_setup_switches_off_the_instructor_server_extensions(readme_env):
    prefix, env = readme_env
    listing = _jupyter(env, "server", "extension", "list")
    state = dict(re.findall(r"^\s*(nbgrader\.server_extensions\.\w+) (enabled|disabled)\s*$", listing, re.M))
    assert state == {**dict.fromkeys(STUDENT_SERVER, "enabled"), **dict.fromkeys(INSTRUCTOR_SERVER, "disabled")}, \
        listing
    assert f"Config dir: {prefix / 'etc' / 'jupyter'}" in listing


def test_the_readme_setup_switches_off_and_locks_the_instructor_lab_plugins(readme_env):
    prefix, env = readme_env
    assert _disabled_lab_plugins(_jupyter(env, "labextension", "list")) == INSTRUCTOR_LAB
    page_config = json.loads((prefix / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    assert INSTRUCTOR_LAB <= {k for k, v in page_config["lockedExtensions"].items() if v}
    assert not STUDENT_LAB & set(page_config["disabledExtensions"])


@pytest.fixture(scope="module")
def make_lab_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("make-lab") / "student-jupyter"
    done = subprocess.run(["make", "-s", "student-jupyter", f"STUDENT_JUPYTER={folder}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return folder


def test_make_lab_config_turns_the_instructor_lab_plugins_off(make_lab_config, tmp_path):
    env = isolated_env(tmp_path / "home", JUPYTER_CONFIG_PATH=make_lab_config)
    env["PATH"] = f"{sys.prefix}/bin:{env['PATH']}"
    assert _disabled_lab_plugins(_jupyter(env, "labextension", "list")) == INSTRUCTOR_LAB
    without = isolated_env(tmp_path / "home2")
    without["PATH"] = f"{sys.prefix}/bin:{without['PATH']}"
    assert not _disabled_lab_plugins(_jupyter(without, "labextension", "list")), "the environment was changed"


def test_make_lab_serves_no_formgrader(make_lab_config, tmp_path):
    """A real `jupyter lab` started as `make lab` starts it: Formgrader's pages are gone, the student's stay."""
    env = isolated_env(tmp_path / "home", JUPYTER_CONFIG_PATH=make_lab_config)
    with jupyter_server([sys.executable, "-m", "jupyter", "lab"], tmp_path, env, tmp_path / "lab.log",
                        tmp_path) as server:
        formgrader, _ = server.get("/formgrader", timeout=30)
        courses, _ = server.get("/formgrader/api/courses", timeout=30)
        version, _ = server.get("/nbgrader_version?version=0.9.6", timeout=30)  # the assignment list's extension
        status, page = server.get("/lab", timeout=60)
    assert formgrader == 404 and courses == 404
    assert version == 200
    assert status == 200
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page, re.S).group(1))
    assert INSTRUCTOR_LAB <= set(config["disabledExtensions"])
    # the same server without the folder, in this (instructor's) environment, has Formgrader
    with jupyter_server([sys.executable, "-m", "jupyter", "lab"], tmp_path, isolated_env(tmp_path / "home2"),
                        tmp_path / "lab2.log", tmp_path) as server:
        assert server.get("/formgrader", timeout=30)[0] != 404
