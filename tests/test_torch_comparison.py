"""Notebook 07's optional PyTorch section: it runs and matches the NumPy network when the kernel can import PyTorch.

PyTorch is never a dependency of the course. ``.ci/run`` installs the pinned CPU build into a folder of its own,
$CH3_TEST_TORCH_DIR, and only the notebook's kernel gets it (on its PYTHONPATH); the rest of the suite runs without
PyTorch, which is how tests/test_notebooks.py sees the section skip itself.
"""
import os
import re

import pytest

from tests.test_notebooks import _errors, _grade_cells, _printed, _run_instructor

TORCH = os.environ.get("CH3_TEST_TORCH_DIR")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not TORCH, reason="set CH3_TEST_TORCH_DIR to a folder holding torch (.ci/run installs it there)")]


def test_notebook_07_compares_with_pytorch(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", TORCH)  # the kernel nbclient starts inherits it
    nb = _run_instructor("07_architecture_list", tmp_path)
    text = _printed(nb)
    assert "PyTorch is not installed" not in text
    table = re.search(r"NumPy\s+([\d.]+)\s+([\d.]+)\nPyTorch\s+([\d.]+)\s+([\d.]+)", text)
    assert table, text[-2000:]
    numpy_acc, numpy_s, torch_acc, torch_s = map(float, table.groups())
    # the same architecture, initial distribution, learning rate and epochs: both separate the half-moons
    assert numpy_acc >= 0.95 and torch_acc >= 0.95 and abs(numpy_acc - torch_acc) <= 0.03
    assert numpy_s > 0 and torch_s > 0
    assert not [c for c in _grade_cells(nb) if _errors(c)]
    assert not [c for c in nb.cells if c.cell_type == "code" and _errors(c)]
