"""Update rules of classifiers/chapter3/optim.py vs the rules written out element by element here."""
import math

import numpy as np
import pytest

from classifiers.chapter3 import adam, rmsprop, sgd, sgd_momentum

W0 = [1.0, -2.0, 0.5, 3.0]
DWS = [  # three steps of made-up gradients, with sign changes and mixed magnitudes
    [0.5, -1.0, 2.0, 1e-3],
    [0.25, 1.0, -3.0, 2e-3],
    [-0.5, 0.5, 1.0, -4e-3],
]


def _run(rule, steps, config=None):
    """Apply rule for the given number of steps of DWS; returns the weights after every step and the last config."""
    w, history = np.array(W0), []
    for dw in DWS[:steps]:
        w, config = rule(w, np.array(dw), config)
        history.append(w.copy())
    return history, config


def _assert_close(got, expected, rtol=1e-12, atol=1e-15):
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=rtol, atol=atol)


def test_sgd_default_and_custom_learning_rate():
    history, config = _run(sgd, 2)
    expected = [w - 1e-2 * d1 - 1e-2 * d2 for w, d1, d2 in zip(W0, DWS[0], DWS[1], strict=True)]
    _assert_close(history[1], expected)
    assert config["learning_rate"] == 1e-2
    next_w, config = sgd(np.array([1.0, 1.0]), np.array([2.0, -4.0]), {"learning_rate": 0.5})
    _assert_close(next_w, [0.0, 3.0])
    assert config == {"learning_rate": 0.5}


def test_sgd_momentum_three_steps():
    lr, mu = 1e-2, 0.9
    w, v, expected = list(W0), [0.0] * 4, []
    for dw in DWS:
        v = [mu * vi - lr * di for vi, di in zip(v, dw, strict=True)]
        w = [wi + vi for wi, vi in zip(w, v, strict=True)]
        expected.append(w)
    history, config = _run(sgd_momentum, 3)
    for got, want in zip(history, expected, strict=True):
        _assert_close(got, want)
    assert config["learning_rate"] == lr and config["momentum"] == mu
    _assert_close(config["velocity"], v)


def test_sgd_momentum_custom_config_kept():
    config = {"learning_rate": 0.1, "momentum": 0.5}
    w, config = sgd_momentum(np.array([1.0]), np.array([1.0]), config)
    w, config = sgd_momentum(w, np.array([1.0]), config)
    # v1 = -0.1, w1 = 0.9; v2 = 0.5 * -0.1 - 0.1 = -0.15, w2 = 0.75
    _assert_close(w, [0.75])
    _assert_close(config["velocity"], [-0.15])
    assert config["learning_rate"] == 0.1 and config["momentum"] == 0.5


def test_rmsprop_three_steps():
    lr, rho, eps = 1e-2, 0.99, 1e-8
    w, cache, expected = list(W0), [0.0] * 4, []
    for dw in DWS:
        cache = [rho * c + (1 - rho) * d * d for c, d in zip(cache, dw, strict=True)]
        w = [wi - lr * d / (math.sqrt(c) + eps) for wi, d, c in zip(w, dw, cache, strict=True)]
        expected.append(w)
    history, config = _run(rmsprop, 3)
    for got, want in zip(history, expected, strict=True):
        _assert_close(got, want)
    _assert_close(config["cache"], cache)
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)


def test_rmsprop_first_step_is_about_ten_lr_times_sign():
    # cache = 0.01 dw^2 after one step, so the step is lr * dw / (0.1 |dw|) = 10 * lr * sign(dw)
    history, _ = _run(rmsprop, 1)
    _assert_close(np.array(W0) - history[0], 0.1 * np.sign(DWS[0]), rtol=1e-3)  # eps shows at |dw| = 1e-3


def test_adam_three_steps_with_bias_correction():
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    w, m, v, expected = list(W0), [0.0] * 4, [0.0] * 4, []
    for t, dw in enumerate(DWS, start=1):
        m = [b1 * mi + (1 - b1) * d for mi, d in zip(m, dw, strict=True)]
        v = [b2 * vi + (1 - b2) * d * d for vi, d in zip(v, dw, strict=True)]
        w = [wi - lr * (mi / (1 - b1**t)) / (math.sqrt(vi / (1 - b2**t)) + eps)
             for wi, mi, vi in zip(w, m, v, strict=True)]
        expected.append(w)
    history, config = _run(adam, 3)
    for got, want in zip(history, expected, strict=True):
        _assert_close(got, want)
    assert config["t"] == 3
    _assert_close(config["m"], m)
    _assert_close(config["v"], v)
    assert (config["learning_rate"], config["beta1"], config["beta2"], config["epsilon"]) == (1e-3, 0.9, 0.999, 1e-8)


def test_adam_first_step_moves_by_lr_times_sign_and_counts_t_from_one():
    w0 = np.array(W0)
    w1, config = adam(w0, np.array(DWS[0]))
    assert config["t"] == 1, "t counts steps from 1 at the first step"
    # bias-corrected m_hat = dw and v_hat = dw^2 at t = 1, so every weight moves by lr * sign(dw)
    _assert_close(w0 - w1, 1e-3 * np.sign(DWS[0]), rtol=1e-4)
    _, config = adam(w1, np.array(DWS[1]), config)
    assert config["t"] == 2


@pytest.mark.parametrize("rule", [sgd, sgd_momentum, rmsprop, adam])
def test_rules_return_new_weights_of_same_shape(rule):
    w = np.arange(6, dtype=np.float64).reshape(2, 3)
    dw = np.ones((2, 3))
    next_w, config = rule(w, dw)
    assert isinstance(config, dict)
    assert next_w.shape == w.shape
    assert np.all(next_w < w), "a positive gradient must decrease every weight on the first step"
