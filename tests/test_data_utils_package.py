"""utils.data_utils as a package: the same public names, small modules, and whole wherever utils/ is copied to
(the student release, the sandbox's scratch folder)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "utils" / "data_utils"
MODULES = sorted(p.name for p in PACKAGE.glob("*.py"))

# The names notebooks, datasets/get_datasets.py, the checks and the grader import (../shared/DESIGN.md's API first).
PUBLIC = ("get_CIFAR10_data", "get_CIFAR10_test", "load_CIFAR10", "load_mnist", "load_fashion_mnist",
          "load_planar_points", "read_idx", "last_source", "cache_dir", "resolve_source", "display_path",
          "download_dataset", "DataError", "message_language", "DATASETS", "TITLES", "DEBIAN_FASHION_MNIST_DIR")
# Run in a fresh interpreter inside a copied tree: the embedded set, loaded through the public names only.
IMPORT_AND_LOAD = (
    "import sys; from utils.data_utils import get_CIFAR10_data, load_mnist, last_source, cache_dir; "
    "d = get_CIFAR10_data(num_training=40, num_validation=5, num_test=5, source='embedded'); "
    "(x, t), _ = load_mnist(source='embedded'); "
    "print(d['X_train'].shape, d['X_test'].shape, x.shape, last_source('cifar10'), last_source('mnist'), "
    "cache_dir().relative_to(sys.argv[1]).as_posix())")
EXPECTED_LINE = "(40, 3, 32, 32) (5, 3, 32, 32) (1540, 784) embedded embedded datasets/cache"


def _load_in(tree):
    env = {"PATH": "/usr/bin:/bin", "CH3_LANG": "en", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", IMPORT_AND_LOAD, str(tree.resolve())], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_every_public_name_is_where_it_was():
    import utils.data_utils as du

    missing = [name for name in (*PUBLIC, *du.__all__) if not hasattr(du, name)]
    assert missing == []
    assert du.get_CIFAR10_data.__module__ == "utils.data_utils.splits"
    assert du.load_mnist.__module__ == "utils.data_utils.mnist"


def test_no_module_of_utils_is_over_400_lines():
    long = {p.relative_to(ROOT).as_posix(): n for p in (ROOT / "utils").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


@pytest.mark.parametrize("module", MODULES)
def test_each_module_says_what_it_is_for(module):
    import ast

    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), module


def test_the_release_ships_the_whole_package_and_it_loads(tmp_path):
    from grading.build.release import helper_files

    released = dict(helper_files("en"))
    assert sorted(rel for rel in released if rel.startswith("utils/data_utils/")) == \
        [f"utils/data_utils/{name}" for name in MODULES]
    for rel, data in released.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    assert _load_in(tmp_path) == EXPECTED_LINE


def test_the_sandbox_scratch_folder_holds_the_package_and_it_loads(tmp_path):
    from grading.autograde.sandbox.scratch import prepare_scratch, read_student_modules

    scratch = tmp_path / "scratch"
    prepare_scratch(read_student_modules(None), scratch)
    assert sorted(p.name for p in (scratch / "utils" / "data_utils").glob("*.py")) == MODULES
    assert _load_in(scratch) == EXPECTED_LINE
