"""Shared helpers of the gradient-check tests: numerical gradients of dicts of parameters and clear assertions."""
import numpy as np

from utils.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

__all__ = [
    "H", "LAYER_TOL", "NET_TOL", "assert_rel", "assert_away_from_zero", "numerical_grads", "check_grads",
    "check_layer_backward",
]

H = 1e-5  # centred-difference step of every gradient check (DESIGN: float64, h = 1e-5)
LAYER_TOL = 1e-8  # DESIGN: layers <= 1e-8
NET_TOL = 1e-6  # DESIGN: nets <= 1e-6


def assert_rel(name, got, expected, tol):
    """Fail with the variable's name, the relative error and both values when rel_error(got, expected) > tol."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, expected {expected.shape}"
    err = rel_error(got, expected)
    assert err <= tol, f"{name}: relative error {err:.3e} > {tol:.0e}\ngot\n{got}\nexpected\n{expected}"


def assert_away_from_zero(name, z, margin=1e-3):
    """Precondition of a ReLU gradient check: no pre-activation within margin of the kink at 0.

    A centred difference with step 1e-5 moves a pre-activation by about 1e-5 * |input|, so 1e-3 is far enough.
    """
    closest = float(np.min(np.abs(z)))
    assert closest > margin, f"{name}: a pre-activation is {closest:.2e} from the ReLU kink; pick other inputs"


def numerical_grads(f, params, h=H):
    """Numerical gradient of the scalar f() with respect to every array of the dict params (changed in place)."""
    return {name: eval_numerical_gradient(lambda _: f(), value, verbose=False, h=h) for name, value in params.items()}


def check_grads(f, params, analytic, tol, prefix=""):
    """Compare analytic[name] with the numerical gradient of f() for every name of params."""
    assert set(analytic) == set(params), f"{prefix}gradient keys {sorted(analytic)}, expected {sorted(params)}"
    numeric = numerical_grads(f, params)
    for name in params:
        assert analytic[name].shape == params[name].shape, (
            f"{prefix}d{name}: shape {analytic[name].shape}, expected {params[name].shape}")
        assert_rel(f"{prefix}d{name}", analytic[name], numeric[name], tol)


def check_layer_backward(forward, backward, inputs, dout, tol=LAYER_TOL):
    """Backward pass of a layer vs numerical gradients of sum(forward(*inputs)[0] * dout), for every input.

    forward(*inputs) -> (out, cache); backward(dout, cache) -> one gradient or a tuple, one per input.
    """
    _, cache = forward(*inputs)
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(inputs), f"backward returned {len(grads)} gradients, expected {len(inputs)}"
    for i, (x, dx) in enumerate(zip(inputs, grads, strict=True)):
        def f(value, i=i):
            args = list(inputs)
            args[i] = value
            return forward(*args)[0]

        numeric = eval_numerical_gradient_array(f, x, dout, h=H)
        assert_rel(f"gradient of input {i} of {forward.__name__}", dx, numeric, tol)
