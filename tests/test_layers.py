"""Layers of classifiers/chapter3/layers.py: DESIGN numbers, numerical gradients, edge cases, float32."""
import numpy as np
import pytest

from classifiers.chapter3 import (
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
)
from tests.gradcheck_helpers import assert_away_from_zero, assert_rel, check_layer_backward
from utils.gradient_check import rel_error

RAISE_ON_BAD_FLOATS = {"over": "raise", "divide": "raise", "invalid": "raise"}  # underflow to 0 is harmless


def _sigmoid(x):
    """Independent sigmoid for moderate |x| (no overflow below ~700)."""
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------------------------------------------- affine


def test_affine_forward_design_numbers():
    x = np.linspace(-0.1, 0.5, num=2 * 4 * 5 * 6).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=120 * 3).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, _ = affine_forward(x, w, b)
    expected = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert out.shape == (2, 3)
    assert rel_error(out, expected) < 1e-9


def test_affine_forward_matches_explicit_sum():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    out, _ = affine_forward(x, w, b)
    flat = x.reshape(4, 6)
    expected = np.array([[sum(flat[n, d] * w[d, m] for d in range(6)) + b[m] for m in range(5)] for n in range(4)])
    assert_rel("out", out, expected, 1e-12)


def test_affine_forward_does_not_change_inputs():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    copies = [a.copy() for a in (x, w, b)]
    affine_backward(np.ones((3, 5)), affine_forward(x, w, b)[1])
    for a, c in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("x_shape", [(10, 6), (10, 2, 3), (4, 2, 1, 3)])
def test_affine_backward_numerical(x_shape):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((x_shape[0], 5))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    check_layer_backward(affine_forward, affine_backward, (x, w, b), dout)


def test_affine_backward_explicit_formulas():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    dout = rng.standard_normal((3, 2))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    flat = x.reshape(3, 4)
    assert_rel("dw", dw, np.einsum("nd,nm->dm", flat, dout), 1e-12)
    assert_rel("db", db, dout[0] + dout[1] + dout[2], 1e-12)
    assert_rel("dx", dx, np.einsum("nm,dm->nd", dout, w).reshape(3, 2, 2), 1e-12)


# ---------------------------------------------------------------------------------------------------- relu


def test_relu_forward_design_numbers():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    expected = np.array([
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.04545455, 0.13636364],
        [0.22727273, 0.31818182, 0.40909091, 0.5],
    ])
    assert out.shape == (3, 4)
    assert rel_error(out, expected) < 5e-8  # expected values are printed to 8 decimals


def test_relu_backward_numerical():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 7))
    assert_away_from_zero("x", x)  # a centred difference across the kink would not be the derivative
    dout = rng.standard_normal((6, 7))
    dx = relu_backward(dout, relu_forward(x)[1])
    assert dx.shape == x.shape
    check_layer_backward(relu_forward, relu_backward, (x,), dout)
    np.testing.assert_array_equal(dx, np.where(x > 0, dout, 0.0))


def test_relu_backward_at_exactly_zero_is_zero():
    x = np.array([[-1.0, 0.0, 2.0], [0.0, -0.0, 3.0]])
    dout = np.array([[5.0, 7.0, 11.0], [13.0, 17.0, 19.0]])
    dx = relu_backward(dout, relu_forward(x)[1])
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 11.0], [0.0, 0.0, 19.0]])


# ---------------------------------------------------------------------------------------------------- sigmoid


def test_sigmoid_forward_values():
    x = np.linspace(-6, 6, 13).reshape(13, 1)
    out, _ = sigmoid_forward(x)
    assert out.shape == x.shape
    assert_rel("out", out, _sigmoid(x), 1e-13)
    assert out[6, 0] == 0.5


def test_sigmoid_backward_numerical():
    rng = np.random.default_rng(6)
    x = 2 * rng.standard_normal((5, 4))
    dout = rng.standard_normal((5, 4))
    dx = sigmoid_backward(dout, sigmoid_forward(x)[1])
    s = _sigmoid(x)
    assert_rel("dx", dx, dout * s * (1 - s), 1e-12)
    check_layer_backward(sigmoid_forward, sigmoid_backward, (x,), dout)


@pytest.mark.parametrize("big", [1e3, 1e5])
def test_sigmoid_extreme_inputs_no_overflow(big):
    x = np.array([-big, big, 0.0, -big])
    with np.errstate(**RAISE_ON_BAD_FLOATS):
        out, cache = sigmoid_forward(x)
        dx = sigmoid_backward(np.ones_like(x), cache)
    np.testing.assert_array_equal(out, [0.0, 1.0, 0.5, 0.0])
    assert np.all(np.isfinite(dx))
    np.testing.assert_array_equal(dx, [0.0, 0.0, 0.25, 0.0])


# ---------------------------------------------------------------------------------------------------- float32


def test_float32_layers_keep_dtype_and_agree_with_float64():
    rng = np.random.default_rng(7)
    x64, w64, b64 = rng.standard_normal((6, 2, 4)), rng.standard_normal((8, 5)), rng.standard_normal(5)
    dout64 = rng.standard_normal((6, 5))
    x32, w32, b32, dout32 = (a.astype(np.float32) for a in (x64, w64, b64, dout64))

    out32, cache32 = affine_forward(x32, w32, b32)
    out64, cache64 = affine_forward(x32.astype(np.float64), w32.astype(np.float64), b32.astype(np.float64))
    assert out32.dtype == np.float32, f"affine out dtype {out32.dtype}"
    assert_rel("affine out (float32 vs float64)", out32, out64, 1e-5)
    grads32 = affine_backward(dout32, cache32)
    grads64 = affine_backward(dout32.astype(np.float64), cache64)
    for name, g32, g64 in zip(("dx", "dw", "db"), grads32, grads64, strict=True):
        assert g32.dtype == np.float32, f"affine {name} dtype {g32.dtype}"
        assert np.max(np.abs(g32 - g64)) <= 1e-5 * np.max(np.abs(g64)), name

    a32 = out32
    a64 = a32.astype(np.float64)
    for name, fwd, bwd in (("relu", relu_forward, relu_backward), ("sigmoid", sigmoid_forward, sigmoid_backward)):
        o32, c32 = fwd(a32)
        o64, c64 = fwd(a64)
        d32, d64 = bwd(dout32, c32), bwd(dout32.astype(np.float64), c64)
        assert o32.dtype == np.float32, f"{name} out dtype {o32.dtype}"
        assert d32.dtype == np.float32, f"{name} dx dtype {d32.dtype}"
        assert np.max(np.abs(o32 - o64)) <= 1e-5 * np.max(np.abs(o64)), name
        assert np.max(np.abs(d32 - d64)) <= 1e-5 * np.max(np.abs(d64)), name


def test_float32_sigmoid_extremes():
    x = np.array([-1e5, -1e3, 0.0, 1e3, 1e5], dtype=np.float32)
    with np.errstate(**RAISE_ON_BAD_FLOATS):
        out, _ = sigmoid_forward(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([0, 0, 0.5, 1, 1], dtype=np.float32))
