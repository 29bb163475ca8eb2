"""Tests import the reference package: solutions/ comes first on sys.path, so ``classifiers`` is the reference.

Tests of the generated student stubs run them in a subprocess with the repository root first instead.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "solutions"):  # inserted in this order so solutions/ ends up first
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# The suite builds and grades its own course directories with their own SQLite gradebooks; a gradebook server
# configured on this machine (grading/hub) must not receive test submissions.
os.environ.pop("CH3_GRADEBOOK_URL", None)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _checks_language_restored():
    """Every test starts and ends with the language the checks had: a test that calls set_language must not make
    the Solver, the plots or the data loaders of the next test in the same worker speak Chinese."""
    import utils.checks

    saved = utils.checks._language, utils.checks._language_chosen
    yield
    utils.checks._language, utils.checks._language_chosen = saved


@pytest.fixture(scope="session")
def releases(tmp_path_factory):
    """A student release in each language, ``<root>/en`` and ``<root>/zh``: read it, copy it before changing it."""
    from grading.build.release import release

    root = tmp_path_factory.mktemp("releases")
    release(root / "en", "en")
    release(root / "zh", "zh")
    return root
