"""collect_submission.py, the students' hand-in command, in a release tree: exactly the files the grader reads,
never junk, refusals (links, sizes, bad ids) and warnings (unfilled stubs, notebooks not run top to bottom)."""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grading.autograde import intake
from grading.build.release import MARKER
from tests.test_round_trip import solve

SCRIPT = "collect_submission.py"
MB = 1 << 20


@pytest.fixture
def tree(releases, tmp_path):
    """A private copy of the en release."""
    return shutil.copytree(releases / "en", tmp_path / "course", symlinks=True)


def collect(tree, *args, checks=False):
    """Run the release's own collect_submission.py as a student would; returns the CompletedProcess."""
    argv = [sys.executable, str(tree / SCRIPT), *([] if checks else ["--no-checks"]), *args]
    return subprocess.run(argv, cwd=tree, capture_output=True, text=True, timeout=300)


def graded_files(tree):
    """What the grader reads of a release tree, from the release's marker: notebooks and modules (not __init__)."""
    listed = json.loads((tree / MARKER).read_text(encoding="utf-8"))["files"]
    return sorted(f for f in listed if (f.startswith("assignments/") and f.endswith(".ipynb"))
                  or (f.startswith("classifiers/chapter3/") and not f.endswith("__init__.py")))


def members(path):
    with zipfile.ZipFile(path) as z:
        return sorted(z.namelist())


def load_script(folder):
    """The collect_submission.py of ``folder`` as a module, its parts (``.course``, ``.warn``, ``.messages``)
    imported from ``folder/collect/`` afresh, not from a copy loaded before."""
    for name in [n for n in sys.modules if n == "collect" or n.startswith("collect.")]:
        del sys.modules[name]
    sys.path.insert(0, str(folder))  # as Python does for a script; the script then leaves sys.path alone
    try:
        spec = importlib.util.spec_from_file_location("collect_submission_under_test", folder / SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    assert {Path(m.__file__).parent for m in (module.course, module.warn, module.messages)} == {folder / "collect"}
    return module


@pytest.fixture(scope="module")
def script_module(releases):
    return load_script(releases / "en")


def run_notebook_like(path, counts, error_at=None):
    """Give the code cells of a notebook execution counts and one output each, as if run in that order."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    for cell, count in zip(code, [*counts[:len(code)], *[None] * len(code)], strict=False):
        cell["execution_count"] = count
        cell["outputs"] = [] if count is None else [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}]
    if error_at is not None:
        code[error_at]["outputs"].append({"output_type": "error", "ename": "AssertionError", "evalue": "",
                                          "traceback": []})
    path.write_text(json.dumps(nb), encoding="utf-8")
    return len(code)


def answer_all(path, answer="Because the gradient of a sum is the sum of the gradients."):
    """Write an answer into every written-answer cell (nbgrader's markdown solution cells) of a notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"]
             if c["cell_type"] == "markdown" and c["metadata"].get("nbgrader", {}).get("solution")]
    for cell in cells:
        cell["source"] = answer
    path.write_text(json.dumps(nb), encoding="utf-8")
    return [c["metadata"]["nbgrader"]["grade_id"] for c in cells]


# ----------------------------------------------------------------------------------------------- the zip
def test_zip_holds_exactly_the_graded_files_and_no_junk(tree, tmp_path):
    model = tree / "assignments" / "05_deep_net_optimizers" / "best_model.npz"
    model.write_bytes(b"PK model bytes")
    junk = {
        "datasets/cache/cifar-10-python.tar.gz": b"\0" * 1000,
        "datasets/cache/mnist/train-images-idx3-ubyte.gz": b"\0" * 100,
        "assignments/01_affine_layer/.ipynb_checkpoints/01_affine_layer-checkpoint.ipynb": b"{}",
        "assignments/05_deep_net_optimizers/checkpoints/epoch_3.npz": b"\0" * 100,
        "assignments/05_deep_net_optimizers/model_epoch_3.npz": b"\0" * 100,
        "classifiers/chapter3/__pycache__/layers.cpython-311.pyc": b"\0" * 100,
        "utils/__pycache__/progress.cpython-311.pyc": b"\0" * 100,
        "classifiers/chapter3/my_helpers.py": b"def helper():\n    return 1\n",
        "assignments/01_affine_layer/notes.txt": b"my notes",
        "submission_old.zip": b"PK old",
    }
    for rel, data in junk.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(data)
    (tmp_path / "elsewhere").mkdir()
    (tree / "assignments" / "02_activations" / "data").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tree / "notes_link.py").symlink_to("/etc/hostname")

    proc = collect(tree, "s1234567")
    assert proc.returncode == 0, proc.stderr
    expected = sorted([*graded_files(tree), "assignments/05_deep_net_optimizers/best_model.npz"])
    zip_path = tree / "submission_s1234567.zip"
    assert members(zip_path) == expected
    with zipfile.ZipFile(zip_path) as z:
        assert all(z.read(rel) == (tree / rel).read_bytes() for rel in expected)
        assert all(info.external_attr >> 16 == 0o644 for info in z.infolist())
    assert "classifiers/chapter3/my_helpers.py is not handed in" in proc.stdout
    assert f"Written: {zip_path}" in proc.stdout
    assert len(expected) == 16 and f"{len(expected)} files" in proc.stdout

    # The grader's intake takes the zip as it is, from a folder of LMS zips: every file, no problem.
    lms = tmp_path / "lms"
    lms.mkdir()
    shutil.copy(zip_path, lms)
    (sub,) = intake.intake(lms, tmp_path / "work")
    assert (sub.student_id, sub.problems, sorted(sub.files)) == ("s1234567", [], expected)


def test_out_folder_and_rerun_replace_the_zip(tree, tmp_path):
    out = tmp_path / "handin"
    assert collect(tree, "abc", "--out", str(out)).returncode == 0
    first = members(out / "submission_abc.zip")
    solve(tree / "classifiers" / "chapter3" / "layers.py", ["affine_forward"])
    assert collect(tree, "abc", "--out", str(out)).returncode == 0
    assert members(out / "submission_abc.zip") == first
    with zipfile.ZipFile(out / "submission_abc.zip") as z:
        assert b"NotImplementedError" not in z.read("classifiers/chapter3/layers.py").split(b"def affine_backward")[0]
    assert sorted(p.name for p in out.iterdir()) == ["submission_abc.zip"]  # no temporary file left
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    proc = collect(tree, "abc", "--out", str(tmp_path / "a-file"))
    assert proc.returncode == 1 and "Could not write" in proc.stderr


def test_runs_from_any_folder_with_the_standard_library_only(tree, tmp_path):
    """``python -I -S``: no site-packages and no script folder put on sys.path by Python (-I implies -P), started
    from another folder: the script finds its parts (collect/) and the course all the same."""
    bare = [sys.executable, "-I", "-S"]
    assert subprocess.run([*bare, "-c", "import numpy"], capture_output=True, timeout=60).returncode == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([*bare, str(tree / SCRIPT), "--no-checks", "s1"], cwd=elsewhere, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert members(tree / "submission_s1.zip") == graded_files(tree)
    assert f"Written: {tree / 'submission_s1.zip'}" in proc.stdout and not list(elsewhere.iterdir())


# ----------------------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("link", ["classifiers/chapter3/layers.py", "assignments/03_losses",
                                  "assignments/05_deep_net_optimizers/best_model.npz"])
def test_refuses_symlinks(tree, tmp_path, link):
    target = tmp_path / "real"
    if (tree / link).exists():
        shutil.move(tree / link, target)
    else:
        target.write_bytes(b"model")
    (tree / link).symlink_to(target)
    proc = collect(tree, "s1")
    assert proc.returncode == 1
    assert f"{link} is a symbolic link" in proc.stderr and "Nothing was written" in proc.stderr
    assert not list(tree.glob("*.zip"))


def _big(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def test_refuses_a_file_over_its_limit(tree):
    _big(tree / "assignments" / "05_deep_net_optimizers" / "best_model.npz", 41 * MB)
    proc = collect(tree, "s1")
    assert proc.returncode == 1
    assert "assignments/05_deep_net_optimizers/best_model.npz is 41.0 MB" in proc.stderr
    assert "limit for one saved model is 40.0 MB" in proc.stderr  # grading.facts.MODEL_CAP, from the marker
    assert not list(tree.glob("*.zip"))


def test_refuses_a_total_over_the_limit_and_names_the_largest(tree):
    _big(tree / "assignments" / "05_deep_net_optimizers" / "best_model.npz", 39 * MB)
    for name, size in (("04_shallow_net", 19 * MB), ("03_losses", 7 * MB)):
        nb = tree / "assignments" / name / f"{name}.ipynb"
        data = json.loads(nb.read_text(encoding="utf-8"))
        data["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * size}]
        nb.write_text(json.dumps(data), encoding="utf-8")
    proc = collect(tree, "s1")
    assert proc.returncode == 1
    assert "All files together are 65." in proc.stderr and "the limit is 64.0 MB" in proc.stderr
    assert ("best_model.npz (39.0 MB), assignments/04_shallow_net/04_shallow_net.ipynb (19.0 MB), "
            "assignments/03_losses/03_losses.ipynb (7.0 MB)") in proc.stderr
    assert not list(tree.glob("*.zip"))


@pytest.mark.parametrize("student_id", ["", "../evil", "a b", "-x", "_x", "x/y", "学号", "x" * 65, "s1;rm"])
def test_refuses_a_bad_student_id(tree, student_id):
    proc = collect(tree, "--", student_id)  # "--": an id such as "-x" is not taken for an option
    assert proc.returncode == 2
    assert "Invalid student id" in proc.stderr
    assert not list(tree.rglob("*.zip"))


def test_accepts_ids_the_grader_accepts(tree):
    for student_id in ("s1234567", "Li.Wei_2-b", "x" * 64):
        assert collect(tree, student_id).returncode == 0
        assert intake.sanitise(student_id) == (student_id, None)


# ----------------------------------------------------------------------------------------------- warnings
def test_warns_about_unfilled_stubs_and_notebooks_not_run_in_order(tree):
    solve(tree / "classifiers" / "chapter3" / "layers.py", ["affine_forward", "affine_backward"])
    a = tree / "assignments"
    n = run_notebook_like(a / "01_affine_layer" / "01_affine_layer.ipynb", [2, 1])  # n: its number of code cells
    run_notebook_like(a / "01_affine_layer" / "01_affine_layer.ipynb", [2, 1, *range(3, n + 1)])
    run_notebook_like(a / "02_activations" / "02_activations.ipynb", list(range(1, 100)))  # all, in order
    answer_all(a / "02_activations" / "02_activations.ipynb")
    run_notebook_like(a / "03_losses" / "03_losses.ipynb", [1, 2, 3, 4], error_at=3)
    run_notebook_like(a / "06_why_backprop" / "06_why_backprop.ipynb", [1, 2, 5])
    (a / "07_architecture_list" / "07_architecture_list.ipynb").write_text("{ not json", encoding="utf-8")
    (tree / "classifiers" / "chapter3" / "optim.py").write_text("def sgd(w, dw, config=None:\n", encoding="utf-8")
    (a / "04_shallow_net" / "04_shallow_net.ipynb").unlink()

    proc = collect(tree, "s1")
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())
    warnings = [line.strip()[2:] for line in proc.stdout.splitlines() if line.strip().startswith("! ")]
    assert "classifiers/chapter3/layers.py: still NotImplementedError in relu_forward, relu_backward, " \
           "sigmoid_forward, sigmoid_backward, softmax_loss, bce_loss, mse_loss." in warnings
    assert "classifiers/chapter3/shallow_layer_net.py: still NotImplementedError in ShallowLayerNet.loss." in warnings
    assert "classifiers/chapter3/optim.py has a syntax error at line 1" in out
    assert "assignments/01_affine_layer/01_affine_layer.ipynb was not run top to bottom" in out
    assert "assignments/06_why_backprop/06_why_backprop.ipynb was not run top to bottom" in out
    assert "02_activations" not in out.split("Warnings")[1]
    assert "assignments/03_losses/03_losses.ipynb: Run All stopped at cell [4] with AssertionError" in out
    assert "assignments/07_architecture_list/07_architecture_list.ipynb cannot be read as a notebook" in out
    assert "assignments/04_shallow_net/04_shallow_net.ipynb is missing" in out
    assert "Not run yet (no outputs saved): 05_deep_net_optimizers." in out
    assert f"Warnings ({len(warnings)}):" in proc.stdout
    assert "assignments/04_shallow_net/04_shallow_net.ipynb" not in members(tree / "submission_s1.zip")


def test_runs_the_visible_checks_and_prints_the_tables(tree):
    solve(tree / "classifiers" / "chapter3" / "layers.py", ["affine_forward", "affine_backward"])
    proc = collect(tree, "s1", checks=True)
    assert proc.returncode == 0, proc.stderr
    for stem in ("01_affine_layer", "07_architecture_list"):
        assert f"== {stem} ==" in proc.stdout
    table = proc.stdout.split("== 01_affine_layer ==")[1].split("==")[0]
    assert re.search(r"affine_backward_dx +2  ✔ passed", table)
    assert re.search(r"autograded total +10  / 10", table)
    assert re.search(r"relu_forward_value +1  … not attempted", proc.stdout)


def test_checks_that_crash_still_hand_in(tree):
    (tree / "classifiers" / "chapter3" / "layers.py").write_text("import this_module_does_not_exist\n",
                                                                 encoding="utf-8")
    proc = collect(tree, "s1", checks=True)
    assert proc.returncode == 0
    assert "✘ the checks below cannot use your code as it is now: importing classifiers.chapter3 raised " \
           "ModuleNotFoundError: No module named 'this_module_does_not_exist'" in proc.stdout
    assert re.search(r"affine_forward_value +\d+  ✘ error", proc.stdout) and "✔" not in proc.stdout
    assert (tree / "submission_s1.zip").is_file()


def test_speaks_the_release_language(releases, tmp_path):
    tree = shutil.copytree(releases / "zh", tmp_path / "zh")
    proc = collect(tree, "s1")
    assert proc.returncode == 0 and "已写入：" in proc.stdout and "尚未运行" in proc.stdout
    assert "学号" in collect(tree, "a b").stderr
    os.remove(tree / MARKER)  # without the marker: the notebooks' language, the same files
    proc = collect(tree, "s2")
    assert "已写入：" in proc.stdout
    assert members(tree / "submission_s2.zip") == members(tree / "submission_s1.zip")


def test_stub_and_notebook_scanners(script_module):
    source = ("def done():\n    return 1\n\n"
              "def todo(x):\n    # YOUR CODE HERE\n    raise NotImplementedError\n\n"
              "def called():\n    raise NotImplementedError('later')\n\n"
              "def outer():\n    def inner():\n        raise NotImplementedError\n    return inner\n\n"
              "class Net:\n    def loss(self):\n        for _ in range(3):\n            raise NotImplementedError\n"
              "    def ok(self):\n        raise ValueError\n")
    assert script_module.warn.unfilled_stubs(source) == ["todo", "called", "outer.inner", "Net.loss"]
    state = script_module.warn.notebook_state
    cell = {"cell_type": "code", "source": "x = 1", "outputs": [], "execution_count": None}
    blank = {"cell_type": "code", "source": "  \n", "outputs": [], "execution_count": None}

    def nb(*counts):
        out = {"output_type": "stream", "name": "stdout", "text": "1"}
        cells = [{**cell, "execution_count": c, "outputs": [out] if c else []} for c in counts]
        return json.dumps({"cells": [cells[0], blank, *cells[1:]]}).encode()
    assert state(nb(1, 2, 3)) is None
    assert state(nb(None, None)) == ("not run",)
    assert state(nb(1, 3, 4)) == ("out of order",)
    assert state(nb(4, 5, 6)) == ("out of order",)
    assert state(nb(1, 2, None)) == ("out of order",)  # stopped, but not at an error: a cell was skipped
    assert state(json.dumps({"cells": [{**cell, "execution_count": 1}]}).encode()) == ("no outputs",)
    assert state(b"\xff")[0] == "unreadable"


# ----------------------------------------------------------------------------------------------- written answers
def test_flags_written_answers_not_given(tree):
    a = tree / "assignments"
    path = a / "01_affine_layer" / "01_affine_layer.ipynb"
    run_notebook_like(path, list(range(1, 100)))
    nb = json.loads(path.read_text(encoding="utf-8"))
    answers = [c for c in nb["cells"] if c["cell_type"] == "markdown" and c["metadata"].get("nbgrader", {}).get(
        "solution")]
    assert answers and all("".join(c["source"]).strip() == "YOUR ANSWER HERE" for c in answers)
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in answers]
    out = " ".join(collect(tree, "s1").stdout.split())
    assert (f"assignments/01_affine_layer/01_affine_layer.ipynb: {len(ids)} written question(s) not answered yet "
            f"(the cell still says \"YOUR ANSWER HERE\"): {', '.join(ids)}.") in out
    assert answer_all(path) == ids
    assert "not answered" not in collect(tree, "s1").stdout


# ----------------------------------------------------------------------------------------------- the saved model
def _save_model(path, meta=None):
    import numpy as np

    arrays = {"W1": np.zeros((4, 3), np.float32), "b1": np.zeros(3, np.float32)}
    if meta is not None:
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def _set_scoring_data(tree, value):
    """The release's marker says the grader scores on ``value`` (None: a release from before the setting)."""
    marker = json.loads((tree / MARKER).read_text(encoding="utf-8"))
    marker["settings"] = {} if value is None else {"scoring_data": value}
    (tree / MARKER).write_text(json.dumps(marker), encoding="utf-8")


META = {"data": "embedded", "num_train": 1000, "num_val": 100, "subtract_mean": True, "dtype": "float32",
        "val_acc": 0.93}


@pytest.mark.parametrize("lang, words", [
    ("en", "assignments/05_deep_net_optimizers/best_model.npz was trained on the small built-in data set "
           "(handwritten digits), but your teacher's grader scores it on CIFAR-10"),
    ("zh", "assignments/05_deep_net_optimizers/best_model.npz 是在内置的小数据集（手写数字）上训练的，"
           "但老师的评分机器在CIFAR-10 数据集上给它打分"),
])
def test_warns_when_the_model_was_trained_on_other_data_than_the_grader_scores_on(tree, lang, words):
    model = tree / "assignments" / "05_deep_net_optimizers" / "best_model.npz"
    _save_model(model, META)
    _set_scoring_data(tree, "cifar10")
    out = " ".join(collect(tree, "s1", "--lang", lang).stdout.split())
    assert " ".join(words.split()) in out
    assert "assignments/05_deep_net_optimizers/best_model.npz" in members(tree / "submission_s1.zip")
    _set_scoring_data(tree, "embedded")  # the same model, where the course scores on the embedded set
    assert "best_model.npz" not in collect(tree, "s1", "--lang", lang).stdout.split("Written")[0].split("!")[-1]


def test_a_model_without_meta_and_a_release_without_the_setting(tree, script_module):
    model = tree / "assignments" / "05_deep_net_optimizers" / "best_model.npz"
    _save_model(model)
    assert script_module.warn.model_meta(model.read_bytes()) is None
    _set_scoring_data(tree, None)
    out = " ".join(collect(tree, "s1").stdout.split())
    assert "does not record what data it was trained on" not in out  # no scoring_data: nothing to compare with
    _set_scoring_data(tree, "cifar10")
    out = " ".join(collect(tree, "s1").stdout.split())
    assert "best_model.npz does not record what data it was trained on (an older notebook saved it). The grader " \
           "scores it on CIFAR-10" in out
    _save_model(model, {**META, "data": "cifar10"})
    assert script_module.warn.model_meta(model.read_bytes()) == {**META, "data": "cifar10"}
    out = collect(tree, "s1").stdout
    assert "best_model.npz was trained" not in out and "does not record" not in out
    assert script_module.warn.model_meta(b"not a zip") is None
