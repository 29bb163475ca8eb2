"""environment.yml (Binder / JupyterHub, conda-forge) and the pip requirement files stay in step."""
import re
from pathlib import Path

import yaml  # PyYAML comes with jupyterlab (jupyter-events), which requirements.txt pins

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^=\s;]+)$")


def _normalise(name):
    """PEP 503 normalised name: pip and conda spell e.g. scikit_learn / Scikit-Learn alike after this."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _lines(path):
    """Non-empty lines without comments."""
    out = []
    for raw in (ROOT / path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _pins(path):
    pins = {}
    for line in _lines(path):
        if line.startswith("-r "):
            continue
        match = PIN.match(line)
        assert match, f"{path}: {line!r} is not pinned as name==version"
        name = _normalise(match.group(1))
        assert name not in pins, f"{path}: {name} listed twice"
        pins[name] = match.group(2)
    return pins


def _conda_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "conda-forge" in env["channels"], env["channels"]
    pins, pip_pins = {}, {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # a "pip:" sub-list, pinned the pip way
            for line in dep.get("pip", []):
                match = PIN.match(line.strip())
                assert match, f"environment.yml pip entry {line!r} is not pinned as name==version"
                pip_pins[_normalise(match.group(1))] = match.group(2)
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*([^=\s]+)$", dep)
        assert match, f"environment.yml dependency {dep!r} is not pinned as name=version"
        pins[_normalise(match.group(1))] = match.group(2)
    return pins, pip_pins


def test_requirements_are_all_pinned():
    pins = _pins("requirements.txt")
    assert "numpy" in pins and "scikit-learn" in pins
    assert all(not line.startswith("-") for line in _lines("requirements.txt"))


def test_environment_yml_lists_exactly_the_requirements_pins():
    conda, pip = _conda_pins()
    assert "python" in conda, "environment.yml pins the Python version"
    conda.pop("python")
    combined = {**conda, **pip}
    assert not set(conda) & set(pip), "a package is listed by both conda and pip"
    assert combined == _pins("requirements.txt")


def test_requirements_dev_starts_from_requirements_and_pins_everything():
    lines = _lines("requirements-dev.txt")
    assert lines[0] == "-r requirements.txt"
    assert not any(line.startswith("-") for line in lines[1:]), "only the first line may be an option"
    dev = _pins("requirements-dev.txt")  # asserts name==version on every other line
    assert {"pytest", "ruff", "jupytext"} <= set(dev)
    overlap = set(dev) & set(_pins("requirements.txt"))
    assert not overlap, f"requirements-dev.txt repeats {overlap}; it includes requirements.txt already"
