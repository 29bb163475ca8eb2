"""The student's loop in real Jupyter kernels: a check judges the code on disk, a failed check is its diagnosis
without our traceback (and still an error for nbgrader), and a demo cell never stops Run All before its check."""
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from grading.paths import REFERENCE_PACKAGE, ROOT

SETUP = """\
%load_ext autoreload
%autoreload 2
import sys
sys.path.insert(0, "../..")
import numpy as np
from classifiers.chapter3 import *
from utils.checks import check, demo, set_language
from utils.gradient_check import rel_error
set_language("{lang}")
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _tree(tmp_path):
    """A course folder with the reference modules and one notebook folder; returns the notebook folder."""
    shutil.copytree(REFERENCE_PACKAGE, tmp_path / "classifiers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "utils", tmp_path / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    folder = tmp_path / "assignments" / "01_affine_layer"
    folder.mkdir(parents=True)
    return folder


def _grade_cell(source, grade_id):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True, "points": 1,
                                 "schema_version": 3, "solution": False, "task": False}
    return cell


def _notebook(lang, *cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP.format(lang=lang)), *cells]
    return nb


def _text(cell):
    """What a cell printed on stdout and its error, as the student sees it (colours removed); stderr is left out,
    where IPython's autoreload reports a file it failed to reload, with its own traceback."""
    parts = []
    for out in cell.outputs:
        if out.get("name") != "stderr":
            parts.append(out.get("text", ""))
        if out.output_type == "error":
            parts.append("\n".join(out.traceback))
    return ANSI.sub("", "".join(parts))


def _errors(cell):
    return [out for out in cell.outputs if out.output_type == "error"]


class Kernel:
    """One live kernel running a notebook cell by cell, so a test can edit files between cells."""

    def __init__(self, nb, folder):
        self.nb = nb
        self.client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(folder)}})

    def __enter__(self):
        self._context = self.client.setup_kernel()
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

    def run(self, index):
        cell = self.nb.cells[index]
        cell.outputs = []
        self.client.execute_cell(cell, index)
        return cell


LAYERS_BUG = '''

def affine_forward(x, w, b):
    out = x @ w + b  # forgot to flatten each sample
    return out, (x, w)
'''


@pytest.mark.parametrize("lang, syntax_words", [("en", "has a syntax error at line {line}"),
                                                ("zh", "第 {line} 行有语法错误")])
def test_a_syntax_error_after_a_passing_check_turns_it_red(tmp_path, lang, syntax_words):
    folder = _tree(tmp_path)
    layers = tmp_path / "classifiers" / "chapter3" / "layers.py"
    demo = "with demo():\n    out, _ = affine_forward(np.ones((2, 3)), np.ones((3, 1)), np.zeros(1))"
    nb = _notebook(lang, _grade_cell('check("affine_forward_value")', "affine_forward_value"),
                   nbformat.v4.new_code_cell(demo))
    with Kernel(nb, folder) as kernel:
        kernel.run(0)
        passed = kernel.run(1)
        assert "✔ affine_forward_value" in _text(passed) and not _errors(passed)
        assert _text(kernel.run(2)) == ""
        source = layers.read_text()
        layers.write_text(source + "\ndef oops(:\n    pass\n")
        line = source.count("\n") + 2
        failed = kernel.run(1)
        demo_text = _text(kernel.run(2))
    assert demo_text.startswith("✘ ") and syntax_words.format(line=line) in demo_text
    assert demo_text.count("\n") == 1
    text = _text(failed)
    assert syntax_words.format(line=line) in text, text
    assert "✔" not in text
    (error,) = _errors(failed)
    assert error.ename == "CheckFailed"
    assert "Traceback" not in text and "utils/checks" not in text and "site-packages" not in text
    assert len(error.traceback) == 1


def test_an_edit_without_reload_is_reported_not_judged(tmp_path):
    folder = _tree(tmp_path)
    layers = tmp_path / "classifiers" / "chapter3" / "layers.py"
    nb = _notebook("en", _grade_cell('check("affine_forward_value")', "affine_forward_value"))
    nb.cells[0].source = nb.cells[0].source.replace("%autoreload 2", "%autoreload 0")
    with Kernel(nb, folder) as kernel:
        kernel.run(0)
        layers.write_text(layers.read_text().replace("return out, (x, w)", "return out * 2, (x, w)", 1))
        stale = _text(kernel.run(1))
    assert "layers.py changed since it was imported" in stale and "Run the notebook's import cell again" in stale


def test_a_shape_bug_in_a_demo_cell_reaches_the_check(tmp_path):
    folder = _tree(tmp_path)
    layers = tmp_path / "classifiers" / "chapter3" / "layers.py"
    layers.write_text(layers.read_text() + LAYERS_BUG)
    demo = nbformat.v4.new_code_cell(
        "with demo():\n"
        "    x = np.linspace(-0.1, 0.5, num=24).reshape(2, 3, 4)\n"
        "    w = np.linspace(-0.2, 0.3, num=36).reshape(12, 3)\n"
        "    out, _ = affine_forward(x, w, np.zeros(3))\n"
        "    print(rel_error(out, np.zeros((2, 3))))\n")
    nb = _notebook("en", demo, _grade_cell('check("affine_forward_nd_input")', "affine_forward_nd_input"),
                   nbformat.v4.new_code_cell('print("after")'))
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    demo_out, check_out = _text(nb.cells[1]), _text(nb.cells[2])
    assert not _errors(nb.cells[1])
    assert demo_out.startswith("✘ this demo stopped: ValueError: matmul") and "(in affine_forward, layers.py:" in \
        demo_out and demo_out.count("\n") == 1
    assert "✘ affine_forward_nd_input: calling affine_forward raised ValueError: matmul" in check_out
    assert "Hint: the error was raised in affine_forward (layers.py, line" in check_out
    assert "Traceback" not in check_out + demo_out and "utils/checks" not in check_out + demo_out
    assert [o.ename for o in _errors(nb.cells[2])] == ["CheckFailed"]
    # nbgrader's own autograde scores a code grade cell from its outputs: an error output is 0 points
    from nbgrader.utils import determine_grade

    assert determine_grade(nb.cells[2]) == (0, 1.0)
    assert "after" in _text(nb.cells[3])  # with allow_errors, to see that nothing else stopped


def test_nbgrader_validate_still_reports_the_failing_cells(tmp_path):
    folder = _tree(tmp_path)
    layers = tmp_path / "classifiers" / "chapter3" / "layers.py"
    layers.write_text(layers.read_text() + LAYERS_BUG)
    nb = _notebook("en", _grade_cell('check("affine_forward_value")', "affine_forward_value"),
                   _grade_cell('check("affine_forward_nd_input")', "affine_forward_nd_input"),
                   _grade_cell('check("affine_backward_dx")', "affine_backward_dx"))
    path = folder / "01_affine_layer.ipynb"
    nbformat.write(nb, path)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", path.name], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    printed = ANSI.sub("", done.stdout)
    assert "VALIDATION FAILED ON 1 CELL(S)!" in printed, printed + done.stderr
    assert 'check("affine_forward_nd_input")' in printed and "affine_forward_nd_input did not pass" in printed
    assert 'check("affine_forward_value")' not in printed and "Traceback" not in printed
    assert "utils/checks" not in printed


def test_nbgraders_validator_sees_the_failing_cell(tmp_path, monkeypatch):
    from nbgrader.validator import Validator

    folder = _tree(tmp_path)
    nb = _notebook("zh", _grade_cell('check("affine_forward_value")', "affine_forward_value"))
    stubs = ROOT / "classifiers" / "chapter3" / "layers.py"  # the student's stub: NotImplementedError
    shutil.copy(stubs, tmp_path / "classifiers" / "chapter3" / "layers.py")
    nbformat.write(nb, folder / "01_affine_layer.ipynb")
    monkeypatch.chdir(folder)
    results = Validator().validate("01_affine_layer.ipynb")
    assert [cell["source"] for cell in results["failed"]] == ['check("affine_forward_value")']
    assert "affine_forward_value 未通过（见上方信息）。" in ANSI.sub("", results["failed"][0]["error"])
