"""Notebook 07's training problem (centred moons, 300 epochs at 0.4, where it was raw moons, 2000 epochs at 0.3):
training loops that are wrong still earn nothing, and the notebook states the numbers the case runs.

The margins on random seeds, for every correct implementation the tests hold, come from bench/train_case_seeds.py.
"""
import re
from pathlib import Path

import numpy as np
import pytest

from tests.case_helpers import fails, patched
from tests.cases.test_architecture_list_cases import Shortcut
from utils.checks.cases import architecture_list as arch

IDS = ("train_accuracy", "train_history")
NOTEBOOK = Path(__file__).resolve().parent.parent / "solutions" / "notebooks" / "07_architecture_list.py"


def _loop(step):
    """A train whose epoch body is ``step(X, Y, params, nn_architecture, learning_rate, ref, state, cost_history,
    accuracy_history)``, which returns the params of the next epoch (``ref``: the reference package; ``state``: a
    dict kept across epochs)."""
    from grading.reference import reference_module

    ref = reference_module()

    def train(X, Y, nn_architecture, epochs, learning_rate, seed=99, verbose=False):
        params = ref.init_layers(nn_architecture, seed)
        cost_history, accuracy_history = [], []
        state = {}
        for _ in range(epochs):
            params = step(X, Y, params, nn_architecture, learning_rate, ref, state, cost_history, accuracy_history)
        return params, cost_history, accuracy_history

    return patched(train=train)


def _record(ref, Y_hat, Y, cost_history, accuracy_history):
    cost_history.append(ref.get_cost_value(Y_hat, Y))
    accuracy_history.append(ref.get_accuracy_value(Y_hat, Y))


def update_result_dropped(X, Y, params, arch_, lr, ref, state, costs, accuracies):
    """``update(...)`` without ``params =``, with an update that returns a new dict: nothing is learnt."""
    Y_hat, memory = ref.full_forward_propagation(X, params, arch_)
    _record(ref, Y_hat, Y, costs, accuracies)
    Shortcut.update(params, ref.full_backward_propagation(Y_hat, Y, memory, params, arch_), arch_, lr)
    return params


def forward_once(X, Y, params, arch_, lr, ref, state, costs, accuracies):
    """The forward pass run before the first epoch only: every step reuses the first gradients."""
    if "forward" not in state:
        state["forward"] = ref.full_forward_propagation(X, params, arch_)
    Y_hat, memory = state["forward"]
    _record(ref, Y_hat, Y, costs, accuracies)
    return ref.update(params, ref.full_backward_propagation(Y_hat, Y, memory, params, arch_), arch_, lr)


def learning_rate_ignored(X, Y, params, arch_, lr, ref, state, costs, accuracies):
    """A learning rate of 0.01 written into the loop instead of ``learning_rate``."""
    Y_hat, memory = ref.full_forward_propagation(X, params, arch_)
    _record(ref, Y_hat, Y, costs, accuracies)
    return ref.update(params, ref.full_backward_propagation(Y_hat, Y, memory, params, arch_), arch_, 0.01)


def gradient_ascent(X, Y, params, arch_, lr, ref, state, costs, accuracies):
    Y_hat, memory = ref.full_forward_propagation(X, params, arch_)
    _record(ref, Y_hat, Y, costs, accuracies)
    return ref.update(params, ref.full_backward_propagation(Y_hat, Y, memory, params, arch_), arch_, -lr)


@pytest.mark.parametrize("grade_id", IDS)
@pytest.mark.parametrize("step", [update_result_dropped, forward_once, learning_rate_ignored, gradient_ascent])
def test_a_wrong_training_loop_fails(grade_id, step):
    assert fails(grade_id, _loop(step))


def test_the_moons_are_centred_and_need_a_curved_boundary():
    X, Y = arch._moons(np.random.default_rng(0), 4000)
    assert np.allclose(X.mean(axis=1), 0, atol=0.1) and 1.0 < X[0].std() < 2.0
    # the best straight boundary through these points (logistic regression) stays below the threshold
    from sklearn.linear_model import LogisticRegression

    linear = LogisticRegression(C=1e4, max_iter=1000).fit(X.T, Y.ravel()).score(X.T, Y.ravel())
    assert 0.8 < linear < arch.MIN_TEST_ACCURACY - 0.01


def test_the_notebook_states_the_numbers_the_case_runs():
    text = NOTEBOOK.read_text(encoding="utf-8")
    zh = re.search(r"`train_accuracy` 会在.*?（2-32-32-1，(\d+) 个迭代周期，学习率 ([\d.]+)）", text)
    en = re.search(r"`train_accuracy` trains your network .*?\(2-32-32-1, (\d+) epochs,\s*#?\s*"
                   r"learning rate ([\d.]+)\)", text, re.S)
    assert zh and en
    for match in (zh, en):
        assert (int(match[1]), float(match[2])) == (arch.TRAIN_EPOCHS, arch.TRAIN_LR)
