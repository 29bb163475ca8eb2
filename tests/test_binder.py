"""Where the student release is deployed: Binder (repo2docker) and a JupyterHub course.

Binder: ``python -m grading release OUT`` must be a repository repo2docker builds the intended way: the conda
environment from ``environment.yml`` (pinned exactly like requirements.txt, the versions the test suite runs on),
then ``postBuild`` once, and ``start`` before every session. postBuild's commands are the ones nbgrader documents
for switching its instructor extensions off, and they are run here for real against a scratch copy of the
environment (its own sys.prefix; the project environment is checked to be left untouched).

JupyterHub: grading/hub/nbgrader_config.py is loaded with traitlets' config loader, the way nbgrader loads it.
"""
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # PyYAML comes with jupyterlab (jupyter-events), which requirements.txt pins

from grading.build.release import release
from tests.browser_helpers import isolated_env, postbuilt_student_env

ROOT = Path(__file__).resolve().parent.parent
NBGRADER_INSTALL_DOC = Path(importlib.util.find_spec("nbgrader").origin).parent / (
    "docs/source/user_guide/installation.rst")
# Files that make repo2docker pick a buildpack or run something. The release may hold only the ones we mean.
REPO2DOCKER_FILES = {
    "environment.yml", "environment.yaml", "requirements.txt", "setup.py", "pyproject.toml", "Pipfile",
    "Pipfile.lock", "Project.toml", "REQUIRE", "install.R", "DESCRIPTION", "runtime.txt", "apt.txt", "default.nix",
    "postBuild", "start", "Dockerfile", "manifest.scm",
}
INTENDED = {"environment.yml", "requirements.txt", "postBuild", "start"}
# nbgrader's extensions: what students keep (assignment list, Validate) and what postBuild must switch off.
STUDENT_LAB = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"}
INSTRUCTOR_LAB = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                  "@jupyter/nbgrader:course-list"}
STUDENT_SERVER = {"nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.validate_assignment"}
INSTRUCTOR_SERVER = {"nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_pins(text):
    pins = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"requirements.txt: {line!r} is not pinned as name==version"
            pins[_normalise(name)] = version
    return pins


@pytest.fixture(scope="session")
def tree(tmp_path_factory):
    out = tmp_path_factory.mktemp("binder") / "student-repo"
    release(out, "en")
    return out


# ------------------------------------------------------------------------------------------------ the files

def test_repo2docker_reads_the_top_level_files_we_mean(tree):
    top = {p.name for p in tree.iterdir()}
    # A binder/ or .binder/ folder would make repo2docker ignore every configuration file at the top level.
    assert not {"binder", ".binder"} & top
    # A Dockerfile would make it ignore everything else.
    assert "Dockerfile" not in top
    assert top & REPO2DOCKER_FILES == INTENDED
    for name in INTENDED:
        assert (tree / name).is_file() and not (tree / name).is_symlink(), name


def test_environment_yml_is_conda_forge_python311_and_exactly_the_pins(tree):
    env = yaml.safe_load((tree / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    conda = {}
    for dep in env["dependencies"]:
        assert isinstance(dep, str), f"unexpected entry {dep!r}: everything comes from conda-forge"
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)=([^=\s]+)", dep)
        assert match, f"environment.yml: {dep!r} is not pinned as name=version"
        conda[_normalise(match.group(1))] = match.group(2)
    assert conda.pop("python") == "3.11"
    # repo2docker's conda buildpack installs environment.yml and ignores requirements.txt when both exist, so the
    # two must not differ: same names (conda-forge spells these packages like PyPI) and the same versions.
    released_pins = _requirement_pins((tree / "requirements.txt").read_text(encoding="utf-8"))
    assert conda == released_pins
    assert (tree / "requirements.txt").read_bytes() == (ROOT / "requirements.txt").read_bytes()


def test_the_pins_are_the_versions_tested_here(tree):
    """The pinned versions are the ones installed in the environment the test suite (browser tests too) runs in."""
    pins = _requirement_pins((tree / "requirements.txt").read_text(encoding="utf-8"))
    installed = {name: importlib.metadata.version(name) for name in pins}
    assert installed == pins
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == "3.11"


def _script_lines(path):
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.strip().startswith("#")]


@pytest.mark.parametrize("name", ["postBuild", "start"])
def test_scripts_are_executable_bash(tree, name):
    path = tree / name
    assert os.access(path, os.X_OK), f"{name} is not executable"
    assert path.read_text(encoding="utf-8").startswith("#!/bin/bash\n")
    assert b"\r" not in path.read_bytes(), f"{name} has Windows line ends"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_start_ends_with_exec_and_passes_the_command_through(tree):
    assert _script_lines(tree / "start")[-1] == 'exec "$@"'
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
    probe = ("import os; print(*(os.environ[k] for k in ('CH3_DATA', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS')))")
    result = subprocess.run([str(tree / "start"), sys.executable, "-c", probe], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["auto", "1", "1"]
    # A value the hub or the student set wins; the command's exit status comes back unchanged.
    result = subprocess.run([str(tree / "start"), sys.executable, "-c", probe], capture_output=True, text=True,
                            env={**env, "CH3_DATA": "embedded", "OMP_NUM_THREADS": "2"}, timeout=60)
    assert result.stdout.split() == ["embedded", "2", "1"]
    assert subprocess.run([str(tree / "start"), "sh", "-c", "exit 7"], env=env, timeout=60).returncode == 7


def _postbuild_commands(tree):
    return [line for line in _script_lines(tree / "postBuild") if not line.startswith("set ")]


def test_postbuild_uses_nbgraders_documented_commands(tree):
    """Each command is one nbgrader's installation guide gives for disabling an extension, at the env's level."""
    documented = {" ".join(line.split()) for line in NBGRADER_INSTALL_DOC.read_text(encoding="utf-8").splitlines()
                  if line.strip().startswith("jupyter ")}
    commands = _postbuild_commands(tree)
    assert commands, "postBuild runs nothing"
    # JupyterLab's own `labextension lock` (not in nbgrader's guide) keeps a student from re-enabling a plugin.
    documented |= {line.replace(" disable ", " lock ") for line in documented if "labextension disable" in line}
    for command in commands:
        assert " ".join(command.split()) in documented, f"{command!r} is not in nbgrader's installation guide"
        assert "--sys-prefix" in command or "--level=sys_prefix" in command, \
            f"{command!r}: repo2docker's environment is a prefix; --user would miss the notebook server's config"
    text = " ".join(commands)
    assert all(name in text for name in INSTRUCTOR_LAB | INSTRUCTOR_SERVER)
    assert not any(name in text for name in STUDENT_LAB | STUDENT_SERVER), "a student tool is switched off"


def _listing(env, *args):
    result = subprocess.run(["jupyter", *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return ANSI.sub("", result.stdout + result.stderr)


@pytest.fixture(scope="session")
def postbuilt_env(tree, tmp_path_factory):
    """A scratch environment in which the release's postBuild ran, the way repo2docker runs it.

    Built once per test run (tests/test_browser.py runs its student server in the same one).
    """
    prefix, record = postbuilt_student_env(tmp_path_factory, tree / "postBuild")
    assert record["returncode"] == 0, record["output"]
    assert record["project_env_untouched"], "postBuild changed the project environment"
    # jupyter_core leaves a "migrated" marker; anything else would be user-level config written by postBuild.
    assert set(record["user_config_files"]) <= {"migrated"}, record["user_config_files"]
    return prefix, isolated_env(tmp_path_factory.mktemp("postbuild-home"), prefix=prefix)


def test_postbuild_switches_off_the_instructor_server_extensions(postbuilt_env):
    prefix, env = postbuilt_env
    listing = _listing(env, "server", "extension", "list")
    state = dict(re.findall(r"^\s*(nbgrader\.server_extensions\.\w+) (enabled|disabled)\s*$", listing, re.M))
    assert state == {**dict.fromkeys(STUDENT_SERVER, "enabled"), **dict.fromkeys(INSTRUCTOR_SERVER, "disabled")}, \
        listing
    assert f"Config dir: {prefix / 'etc' / 'jupyter'}" in listing, "the listing does not read the scratch env"


def test_postbuild_switches_off_the_instructor_lab_extensions(postbuilt_env):
    prefix, env = postbuilt_env
    listing = _listing(env, "labextension", "list")
    assert re.search(r"@jupyter/nbgrader v[\d.]+ enabled OK", listing), listing
    disabled = set(re.findall(r"^\s+(@jupyter/nbgrader:[\w-]+)\s*$", listing.split("Disabled extensions:")[-1], re.M))
    assert disabled == INSTRUCTOR_LAB, listing
    page_config = (prefix / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text(encoding="utf-8")
    assert all(f'"{name}": true' in page_config for name in INSTRUCTOR_LAB)


def test_postbuild_locks_the_disabled_plugins(postbuilt_env):
    prefix, _env = postbuilt_env
    page_config = json.loads((prefix / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    assert INSTRUCTOR_LAB <= {k for k, v in page_config.get("lockedExtensions", {}).items() if v}


# ------------------------------------------------------------------------------------------------ JupyterHub

HUB_CONFIG = ROOT / "grading" / "hub" / "nbgrader_config.py"


def _load(path, monkeypatch, **env):
    from traitlets.config.loader import PyFileConfigLoader

    for name in ("CH3_COURSE_DIR", "CH3_GRADEBOOK_URL", "CH3_EXCHANGE_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


@pytest.fixture
def hub_course(tmp_path):
    """A course directory as the build leaves it, as far as its config file is concerned."""
    course = tmp_path / "chapter3"
    (course / "source" / "01_affine_layer" / "classifiers" / "chapter3").mkdir(parents=True)
    (course / "source" / "01_affine_layer" / "classifiers" / "chapter3" / "layers.py").write_text("")
    (course / "nbgrader_config.py").write_bytes((ROOT / "grading" / "nbgrader_config.py").read_bytes())
    return course


def test_hub_config_for_students(monkeypatch):
    c = _load(HUB_CONFIG, monkeypatch)
    assert c.CourseDirectory.course_id == "chapter3"
    assert c.Exchange.root == "/srv/nbgrader/exchange"
    assert c.Exchange.path_includes_course is True
    # Students' servers get nothing of the grader's side.
    assert "root" not in c.CourseDirectory and "db_url" not in c.CourseDirectory
    assert "Autograde" not in c and "Execute" not in c


def test_hub_config_exchange_can_move_for_every_server_alike(monkeypatch, tmp_path):
    c = _load(HUB_CONFIG, monkeypatch, CH3_EXCHANGE_DIR=tmp_path / "exchange")
    assert c.Exchange.root == str(tmp_path / "exchange") and c.Exchange.path_includes_course is True


def test_hub_config_for_the_formgrader_service(monkeypatch, hub_course):
    url = "postgresql://chapter3:secret@db.example.org:5432/chapter3"
    hub = _load(HUB_CONFIG, monkeypatch, CH3_COURSE_DIR=hub_course, CH3_GRADEBOOK_URL=url)
    course = _load(hub_course / "nbgrader_config.py", monkeypatch)
    # Every grading setting of the course, unchanged (loaded from the course directory, not copied).
    for section, values in course.items():
        for key, value in values.items():
            assert hub[section][key] == value, f"{section}.{key}"
    assert hub.Autograde.exclude_overwriting == {"01_affine_layer": ["classifiers/chapter3/layers.py"]}
    assert hub.OverwriteCells.add_missing_cells is True
    assert hub.CourseDirectory.root == str(hub_course) == course.CourseDirectory.root
    assert hub.CourseDirectory.course_id == "chapter3"
    assert hub.CourseDirectory.db_url == url
    assert hub.Exchange.root == "/srv/nbgrader/exchange" and hub.Exchange.path_includes_course is True

    # nbgrader itself reads them so.
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=hub)
    assert (coursedir.course_id, coursedir.root, coursedir.db_url) == ("chapter3", str(hub_course), url)


def test_nbgrader_reads_the_hub_config_installed_hub_wide(tmp_path, hub_course):
    """Installed as <config path>/nbgrader_config.py, nbgrader's own app loads it (and through it the course's)."""
    etc = tmp_path / "etc-jupyter"
    etc.mkdir()
    (etc / "nbgrader_config.py").write_bytes(HUB_CONFIG.read_bytes())
    (tmp_path / "user-config").mkdir()
    (tmp_path / "cwd").mkdir()
    url = "postgresql://chapter3:secret@db.example.org/chapter3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CH3_"))}
    env.update(JUPYTER_CONFIG_PATH=str(etc), JUPYTER_CONFIG_DIR=str(tmp_path / "user-config"),
               CH3_COURSE_DIR=str(hub_course), CH3_GRADEBOOK_URL=url)
    probe = (
        "import json\n"
        "from nbgrader.apps import NbGrader\n"
        "from nbgrader.coursedir import CourseDirectory\n"
        "app = NbGrader()\n"
        "app.load_config_file()\n"
        "d = CourseDirectory(config=app.config)\n"
        "c = app.config\n"
        "print(json.dumps([d.course_id, d.root, d.db_url, c.Exchange.root, c.Exchange.path_includes_course,\n"
        "                  c.OverwriteCells.add_missing_cells, c.Execute.timeout]))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path / "cwd", env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "chapter3", str(hub_course), url, "/srv/nbgrader/exchange", True, True, 120]


def test_hub_config_without_postgres_keeps_the_course_sqlite_gradebook(monkeypatch, hub_course):
    from nbgrader.coursedir import CourseDirectory

    hub = _load(HUB_CONFIG, monkeypatch, CH3_COURSE_DIR=hub_course)
    assert "db_url" not in hub.CourseDirectory
    assert CourseDirectory(config=hub).db_url == f"sqlite:///{hub_course / 'gradebook.db'}"


def test_hub_config_refuses_a_course_dir_without_course(monkeypatch, tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m grading build"):
        _load(HUB_CONFIG, monkeypatch, CH3_COURSE_DIR=tmp_path)
