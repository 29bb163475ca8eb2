"""Sandwich layers of classifiers/chapter3/layer_utils.py: values and numerical gradients."""
import numpy as np

from classifiers.chapter3 import (
    affine_relu_backward,
    affine_relu_forward,
    affine_sigmoid_backward,
    affine_sigmoid_forward,
)
from tests.gradcheck_helpers import assert_away_from_zero, assert_rel, check_layer_backward


def _inputs(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 3, 2))
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    return x, w, b, dout


def test_affine_relu_forward_values():
    x, w, b, _ = _inputs(0)
    out, _ = affine_relu_forward(x, w, b)
    a = x.reshape(4, 6) @ w + b
    assert out.shape == (4, 5)
    assert_rel("out", out, np.where(a > 0, a, 0.0), 1e-12)


def test_affine_relu_backward_numerical():
    x, w, b, dout = _inputs(1)
    assert_away_from_zero("x @ w + b", x.reshape(4, 6) @ w + b)  # centred differences across the kink are wrong
    dx, dw, db = affine_relu_backward(dout, affine_relu_forward(x, w, b)[1])
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    check_layer_backward(affine_relu_forward, affine_relu_backward, (x, w, b), dout)


def test_affine_sigmoid_forward_values():
    x, w, b, _ = _inputs(2)
    out, _ = affine_sigmoid_forward(x, w, b)
    assert_rel("out", out, 1 / (1 + np.exp(-(x.reshape(4, 6) @ w + b))), 1e-12)


def test_affine_sigmoid_backward_numerical():
    x, w, b, dout = _inputs(3)
    dx, dw, db = affine_sigmoid_backward(dout, affine_sigmoid_forward(x, w, b)[1])
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    check_layer_backward(affine_sigmoid_forward, affine_sigmoid_backward, (x, w, b), dout)
