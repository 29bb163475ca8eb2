"""Losses of classifiers/chapter3/layers.py vs formulas written out here, numerical gradients and edge cases."""
import math

import numpy as np
import pytest

from classifiers.chapter3 import bce_loss, mse_loss, softmax_loss
from tests.gradcheck_helpers import LAYER_TOL, H, assert_rel
from utils.gradient_check import eval_numerical_gradient, rel_error

RAISE_ON_BAD_FLOATS = {"over": "raise", "divide": "raise", "invalid": "raise"}  # underflow to 0 is harmless


def _softmax_loss_by_hand(x, y):
    """Mean cross-entropy of softmax(x) with an explicit exp / sum per row (moderate scores only)."""
    total = 0.0
    for row, label in zip(x, y, strict=True):
        exps = [math.exp(v) for v in row]
        total += -math.log(exps[label] / sum(exps))
    return total / len(y)


def _numerical(f, x):
    return eval_numerical_gradient(lambda _: f(), x, verbose=False, h=H)


# ---------------------------------------------------------------------------------------------------- softmax


def test_softmax_loss_design_case_near_ln10():
    rng = np.random.default_rng(231)
    x = 0.001 * rng.standard_normal((50, 10))
    y = rng.integers(10, size=50)
    loss, dx = softmax_loss(x, y)
    assert abs(loss - math.log(10)) < 5e-3, f"loss {loss}, expected about ln 10 = {math.log(10)}"
    assert dx.shape == x.shape
    numeric = _numerical(lambda: softmax_loss(x, y)[0], x)
    # DESIGN: "dx rel error ~1e-8"; entries are only ~2e-3, so round-off of the 2.3 loss leaves ~1e-8.
    assert rel_error(dx, numeric) < 5e-8


def test_softmax_loss_gradient_layer_tolerance():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 5))  # O(1) scores keep every dx entry far above numerical round-off
    y = rng.integers(5, size=6)
    _, dx = softmax_loss(x, y)
    assert_rel("dx", dx, _numerical(lambda: softmax_loss(x, y)[0], x), LAYER_TOL)


def test_softmax_loss_matches_explicit_formula():
    rng = np.random.default_rng(1)
    x = 3 * rng.standard_normal((7, 4))
    y = np.array([0, 1, 2, 3, 3, 2, 0])
    loss, dx = softmax_loss(x, y)
    assert abs(loss - _softmax_loss_by_hand(x, y)) < 1e-12
    probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    onehot = np.eye(4)[y]
    assert_rel("dx", dx, (probs - onehot) / 7, 1e-12)
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-15)


def test_softmax_loss_huge_scores_are_stable():
    x = np.array([[0.0, 1e4, -1e4], [1e4, 0.0, 2e4]])
    y = np.array([1, 0])
    with np.errstate(**RAISE_ON_BAD_FLOATS):
        loss, dx = softmax_loss(x, y)
    # row 0 puts all mass on its label (loss 0); row 1 on class 2, 1e4 above its label (loss 1e4): mean 5e3
    assert np.isfinite(loss) and abs(loss - 5e3) < 1e-9
    assert np.all(np.isfinite(dx))
    np.testing.assert_allclose(dx, [[0.0, 0.0, 0.0], [-0.5, 0.0, 0.5]], atol=1e-15)


def test_softmax_loss_float32():
    rng = np.random.default_rng(2)
    x64 = rng.standard_normal((8, 5))
    y = rng.integers(5, size=8)
    x32 = x64.astype(np.float32)
    loss32, dx32 = softmax_loss(x32, y)
    loss64, dx64 = softmax_loss(x32.astype(np.float64), y)
    assert np.asarray(loss32).dtype == np.float32, f"loss dtype {np.asarray(loss32).dtype}"
    assert dx32.dtype == np.float32, f"dx dtype {dx32.dtype}"
    assert abs(float(loss32) - loss64) <= 1e-5 * loss64
    assert np.max(np.abs(dx32 - dx64)) <= 1e-5 * np.max(np.abs(dx64))


# ---------------------------------------------------------------------------------------------------- bce


def _bce_by_hand(p, y):
    return -sum(t * math.log(q) + (1 - t) * math.log(1 - q) for q, t in zip(p, y, strict=True)) / len(p)


@pytest.mark.parametrize("shape", ["flat", "column", "column_p_flat_y"])
def test_bce_loss_value_and_gradient(shape):
    p_flat = np.array([0.9, 0.2, 0.6, 0.35, 0.05, 0.75])
    y_flat = np.array([1, 0, 0, 1, 0, 1])
    p = p_flat if shape == "flat" else p_flat.reshape(-1, 1)
    y = y_flat.reshape(-1, 1) if shape == "column" else y_flat
    loss, dp = bce_loss(p, y)
    assert abs(loss - _bce_by_hand(p_flat, y_flat)) < 1e-12
    assert dp.shape == p.shape, f"dp shape {dp.shape}, expected {p.shape}"
    by_hand = (-(y_flat / p_flat) + (1 - y_flat) / (1 - p_flat)) / len(p_flat)
    assert_rel("dp", dp.ravel(), by_hand, 1e-12)
    assert_rel("dp", dp, _numerical(lambda: bce_loss(p, y)[0], p), LAYER_TOL)


@pytest.mark.parametrize("shape", [(4,), (4, 1)])
def test_bce_loss_at_zero_and_one_is_finite(shape):
    y = np.array([1.0, 0.0, 0.0, 1.0]).reshape(shape)
    p = np.array([0.0, 1.0, 0.0, 1.0]).reshape(shape)  # two confidently wrong, two exactly right
    with np.errstate(**RAISE_ON_BAD_FLOATS):
        loss, dp = bce_loss(p, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dp))
    assert loss > 5, f"two confidently wrong predictions out of four should cost a lot, got {loss}"
    right_loss, right_dp = bce_loss(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert np.isfinite(right_loss) and 0 <= right_loss < 1e-5
    assert np.all(np.isfinite(right_dp))


# ---------------------------------------------------------------------------------------------------- mse


def test_mse_loss_value_and_gradient():
    pred = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]])
    target = np.array([[0.0, 2.0], [1.0, 1.0], [0.0, 0.5]])
    loss, dpred = mse_loss(pred, target)
    # 0.5 * (1 + 0 + 4 + 4 + 0.25 + 0.25) / 3
    assert abs(loss - 0.5 * 9.5 / 3) < 1e-15
    np.testing.assert_allclose(dpred, (pred - target) / 3, rtol=1e-15)
    rng = np.random.default_rng(3)
    pred, target = rng.standard_normal((5, 3, 2)), rng.standard_normal((5, 3, 2))
    loss, dpred = mse_loss(pred, target)
    assert abs(loss - 0.5 * np.sum((pred - target) ** 2) / 5) < 1e-12
    assert_rel("dpred", dpred, _numerical(lambda: mse_loss(pred, target)[0], pred), LAYER_TOL)
