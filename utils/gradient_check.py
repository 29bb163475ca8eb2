"""Numerical gradients by centred differences, to check analytic (backprop) gradients against."""
import numpy as np

__all__ = [
    "rel_error", "relative_errors", "eval_numerical_gradient", "eval_numerical_gradient_array", "grad_check_sparse",
]


def relative_errors(x, y):
    """Elementwise relative error of two arrays of one shape: ``|x - y| / max(|x| + |y|, floor)``.

    ``floor = max(1e-3 * the largest |x| + |y| of the arrays, 1e-12)``: an entry that is tiny only by cancellation
    (a sum that a correct implementation may add up in another order) is measured against the arrays' scale, not
    its own. Symmetric in x and y; 0 where they are equal, about |x - y| / (2|y|) where they are close, never above
    1 (NaN where either is NaN or inf).

    Inputs:
    - x, y: arrays of the same shape

    Returns:
    - errors: float64 array of that shape
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return np.zeros(np.broadcast_shapes(x.shape, y.shape))
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.abs(x) + np.abs(y)
        finite = scale[np.isfinite(scale)]
        floor = max(1e-3 * float(np.max(finite, initial=0.0)), 1e-12)
        return np.abs(x - y) / np.maximum(scale, floor)


def rel_error(x, y):
    """Largest relative error between x and y, a float (the formula of :func:`relative_errors`).

    The same number the checks (``utils.checks``) report as "relative error".
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape and x.size != 1 and y.size != 1:
        from utils.language import in_language as _say  # the language a notebook chose

        raise ValueError(_say(f"rel_error 只能比较形状相同的数组，得到的形状是 {x.shape} 和 {y.shape}："
                              "其中一个的形状不对",
                              f"rel_error compares arrays of one shape, got shapes {x.shape} and {y.shape}: "
                              "one of them has the wrong shape"))
    errors = relative_errors(*np.broadcast_arrays(x, y))
    return float(np.max(errors)) if errors.size else 0.0


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Gradient of a scalar function at x: ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry i.

    Inputs:
    - f: function of one array argument returning a scalar (it may read x itself instead of its argument)
    - x: array; changed in place while probing and restored afterwards
    - verbose: print every entry's index and value
    - h: step

    Returns:
    - grad: array shaped like x
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Gradient of ``sum(f(x) * df)`` at x: the backward pass of an array-valued f for upstream gradient df.

    Inputs:
    - f: function of one array argument returning an array shaped like df
    - x: array; changed in place while probing and restored afterwards
    - df: upstream gradient
    - h: step

    Returns:
    - grad: array shaped like x
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), copy=True)
        x[ix] = old - h
        neg = np.array(f(x), copy=True)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare an analytic gradient with the numerical one at num_checks random entries.

    Inputs:
    - f: function of one array argument returning a scalar; x: the point (restored afterwards)
    - analytic_grad: array shaped like x
    - num_checks: how many entries to probe; h: step; seed: seed of the entry sampler

    Returns:
    - errors: list of relative errors, one per probed entry (each is also printed)
    """
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(m)) for m in x.shape)
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        numeric = (fxph - fxmh) / (2 * h)
        analytic = analytic_grad[ix]
        error = rel_error(numeric, analytic)
        errors.append(error)
        print(f"numerical: {numeric:f} analytic: {analytic:f}, relative error: {error:e}")
    return errors
