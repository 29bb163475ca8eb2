"""Every grade cell of notebook 1 fails on wrong code and passes on correct code written differently."""
import numpy as np
import pytest

from tests.case_helpers import fails, passes, patched


def affine_forward_einsum(x, w, b):
    return np.einsum("nd,dm->nm", x.reshape(len(x), -1), w) + b, {"x": x, "w": w}


def affine_backward_einsum(dout, cache):
    x, w = cache["x"], cache["w"]
    dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
    return dx, np.einsum("nd,nm->dm", x.reshape(len(x), -1), dout), np.einsum("nm->m", dout)


def forward_flatten_wrong(x, w, b):  # mixes samples: reshape(D, N).T
    return x.reshape(-1, len(x)).T @ w + b, (x, w)


def forward_float64(x, w, b):
    return x.reshape(len(x), -1).astype(np.float64) @ w.astype(np.float64) + b, (x, w)


def forward_no_bias(x, w, b):
    return x.reshape(len(x), -1) @ w, (x, w)


def backward_dx_flat(dout, cache):
    x, w = cache
    return dout @ w.T, x.reshape(len(x), -1).T @ dout, dout.sum(0)


def backward_dw_transposed(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), (dout.T @ x.reshape(len(x), -1)).T * 0.5, dout.sum(0)


def backward_db_mean(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.mean(0)


def backward_dx_missing_transpose(dout, cache):
    x, w = cache
    return (dout @ w.T * 2).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(0)


ALL = ["affine_forward_value", "affine_forward_nd_input", "affine_forward_float32", "affine_backward_dx",
       "affine_backward_dw", "affine_backward_db", "affine_backward_nd_input"]


@pytest.mark.parametrize("grade_id", ALL)
def test_einsum_with_a_dict_cache_passes(grade_id):
    assert passes(grade_id, patched(affine_forward=affine_forward_einsum, affine_backward=affine_backward_einsum))


@pytest.mark.parametrize("grade_id, wrong", [
    ("affine_forward_value", forward_no_bias),
    ("affine_forward_nd_input", forward_flatten_wrong),
    ("affine_forward_float32", forward_float64),
])
def test_wrong_forward_fails(grade_id, wrong):
    assert fails(grade_id, patched(affine_forward=wrong))


@pytest.mark.parametrize("grade_id, wrong", [
    ("affine_backward_dx", backward_dx_missing_transpose),
    ("affine_backward_dw", backward_dw_transposed),
    ("affine_backward_db", backward_db_mean),
    ("affine_backward_nd_input", backward_dx_flat),
])
def test_wrong_backward_fails(grade_id, wrong):
    assert fails(grade_id, patched(affine_backward=wrong))


def test_stub_is_not_attempted():
    from tests.case_helpers import statuses

    def stub(*args):
        raise NotImplementedError

    assert set(statuses("affine_forward_value", patched(affine_forward=stub))) == {"not attempted"}
