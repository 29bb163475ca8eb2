"""Every grade cell of notebook 2 fails on wrong code and passes on correct code written differently."""
import numpy as np
import pytest

from tests.case_helpers import fails, passes, patched, statuses
from utils.checks.engine import CASES

ALL = [grade_id for grade_id, case_ in CASES.items() if case_.probe.__module__.endswith(".activations")]


# ------------------------------------------------------------------ correct, but not written like the reference


def relu_forward_where(x):
    return np.where(x > 0, x, 0), {"mask": x > 0}


def relu_backward_where(dout, cache):
    return np.where(cache["mask"], dout, 0)


def relu_forward_clip(x):
    return np.clip(x, 0, None), x


def relu_backward_masked_copy(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def relu_forward_boolean_mask(x):
    out = x.copy()
    out[out < 0] = 0
    return out, (out,)  # caches the output: out > 0 exactly where x > 0


def relu_backward_from_output(dout, cache):
    (out,) = cache
    return dout * (out > 0)


def relu_forward_product(x):
    return x * (x > 0), x


def relu_backward_product(dout, cache):
    return dout * (cache > 0)


def sigmoid_forward_piecewise(x):
    z = np.exp(-np.abs(x))  # never above 1
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)), {"x": x}


def sigmoid_backward_recompute(dout, cache):
    s, _ = sigmoid_forward_piecewise(cache["x"])
    return dout * s * (1 - s)


def sigmoid_forward_masks(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    z = np.exp(x[~pos])
    out[~pos] = z / (1 + z)
    return out, out


def sigmoid_forward_logaddexp(x):
    return np.exp(-np.logaddexp(0, -x)), x


def sigmoid_backward_exact(dout, cache):
    """s(1 - s) = e^-|x| / (1 + e^-|x|)^2, with no cancellation for large |x|."""
    z = np.exp(-np.abs(cache))
    return dout * z / (1 + z) ** 2


def sigmoid_forward_tanh(x):
    return 0.5 * (1 + np.tanh(0.5 * x)), [x]


def sigmoid_backward_tanh(dout, cache):
    s = 0.5 * (1 + np.tanh(0.5 * cache[0]))
    return dout * s * (1 - s)


def sigmoid_forward_clipped(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500))), x


def sigmoid_backward_clipped(dout, cache):
    s = 1 / (1 + np.exp(-np.clip(cache, -500, 500)))
    return dout * s * (1 - s)


def sandwich_with_dict_caches(forward, backward):
    """affine + activation through separate calls, the two caches in a dict."""
    ref = patched()

    def sandwich_forward(x, w, b):
        a, fc_cache = ref.affine_forward(x, w, b)
        out, act_cache = forward(a)
        return out, {"fc": fc_cache, "act": act_cache}

    def sandwich_backward(dout, cache):
        return ref.affine_backward(backward(dout, cache["act"]), cache["fc"])

    return sandwich_forward, sandwich_backward


def affine_relu_forward_inline(x, w, b):
    a = x.reshape(len(x), -1) @ w + b
    return a * (a > 0), (x, w, a > 0)


def affine_relu_backward_inline(dout, cache):
    x, w, mask = cache
    da = dout * mask
    return (da @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ da, da.sum(axis=0)


def affine_sigmoid_forward_inline(x, w, b):
    s = np.exp(-np.logaddexp(0, -(x.reshape(len(x), -1) @ w + b)))
    return s, [x, w, s]


def affine_sigmoid_backward_inline(dout, cache):
    x, w, s = cache
    da = dout * s * (1 - s)
    return (da @ w.T).reshape(x.shape), np.einsum("nd,nm->dm", x.reshape(len(x), -1), da), np.einsum("nm->m", da)


def _alternative(relu_f, relu_b, sig_f, sig_b, sandwich):
    overrides = {"relu_forward": relu_f, "relu_backward": relu_b, "sigmoid_forward": sig_f, "sigmoid_backward": sig_b}
    if sandwich == "dict":
        overrides["affine_relu_forward"], overrides["affine_relu_backward"] = sandwich_with_dict_caches(relu_f, relu_b)
        overrides["affine_sigmoid_forward"], overrides["affine_sigmoid_backward"] = sandwich_with_dict_caches(
            sig_f, sig_b)
    else:
        overrides.update(affine_relu_forward=affine_relu_forward_inline,
                         affine_relu_backward=affine_relu_backward_inline,
                         affine_sigmoid_forward=affine_sigmoid_forward_inline,
                         affine_sigmoid_backward=affine_sigmoid_backward_inline)
    return overrides


ALTERNATIVES = {
    "where+piecewise+dict": _alternative(relu_forward_where, relu_backward_where, sigmoid_forward_piecewise,
                                         sigmoid_backward_recompute, "dict"),
    "clip+masks+inline": _alternative(relu_forward_clip, relu_backward_masked_copy, sigmoid_forward_masks,
                                      patched().sigmoid_backward, "inline"),
    "boolean-mask+logaddexp+dict": _alternative(relu_forward_boolean_mask, relu_backward_from_output,
                                                sigmoid_forward_logaddexp, sigmoid_backward_exact, "dict"),
    "product+tanh+inline": _alternative(relu_forward_product, relu_backward_product, sigmoid_forward_tanh,
                                        sigmoid_backward_tanh, "inline"),
    "product+clipped+dict": _alternative(relu_forward_product, relu_backward_product, sigmoid_forward_clipped,
                                         sigmoid_backward_clipped, "dict"),
}


@pytest.mark.parametrize("grade_id", ALL)
@pytest.mark.parametrize("name", ALTERNATIVES)
def test_correct_alternatives_pass(name, grade_id):
    assert passes(grade_id, patched(**ALTERNATIVES[name]))


def test_the_table_is_complete():
    assert len(ALL) == 14


# ------------------------------------------------------------------ wrong


def relu_leaky(x):
    return np.maximum(x, 0.01 * x), x


def relu_makes_float64(x):
    return np.maximum(x, np.zeros(x.shape)), x


def relu_in_place(x):
    x[x < 0] = 0
    return x, x.copy()


def relu_backward_flipped(dout, cache):
    return dout * (cache < 0)


def relu_backward_at_zero_passes(dout, cache):
    return dout * (cache >= 0)


def relu_backward_in_place(dout, cache):
    dout[cache <= 0] = 0
    return dout


def sigmoid_sign_error(x):
    out = 1 / (1 + np.exp(x))
    return out, out


def sigmoid_naive(x):
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_where_both_branches(x):
    out = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    return out, out


def sigmoid_exp_ratio(x):
    out = np.exp(x) / (1 + np.exp(x))
    return out, out


def sigmoid_backward_on_x(dout, cache):  # with sigmoid_forward_logaddexp, whose cache is x
    return dout * cache * (1 - cache)


def sigmoid_backward_forgets_one_minus(dout, cache):
    return dout * cache


def sigmoid_backward_overflows(dout, cache):  # with sigmoid_forward_logaddexp, whose cache is x
    e = np.exp(-cache)
    return dout * e / (1 + e) ** 2


def affine_relu_forward_no_relu(x, w, b):
    return patched().affine_forward(x, w, b)


def affine_relu_backward_no_relu(dout, cache):
    fc_cache, _ = cache
    return patched().affine_backward(dout, fc_cache)


def affine_sigmoid_forward_with_relu(x, w, b):
    ref = patched()
    a, fc_cache = ref.affine_forward(x, w, b)
    out, _ = ref.relu_forward(a)
    return out, (fc_cache, out)


def affine_sigmoid_backward_relu_mask(dout, cache):
    ref = patched()
    fc_cache, s = cache
    return ref.affine_backward(dout * (s > 0), fc_cache)


WRONG = [
    ("relu_forward_value", {"relu_forward": relu_leaky}),
    ("relu_forward_float32", {"relu_forward": relu_makes_float64}),
    ("relu_forward_keeps_input", {"relu_forward": relu_in_place}),
    ("relu_backward_value", {"relu_backward": relu_backward_flipped}),
    ("relu_backward_at_zero", {"relu_backward": relu_backward_at_zero_passes}),
    ("relu_backward_keeps_dout", {"relu_backward": relu_backward_in_place}),
    ("sigmoid_forward_value", {"sigmoid_forward": sigmoid_sign_error}),
    ("sigmoid_forward_extreme", {"sigmoid_forward": sigmoid_naive}),
    ("sigmoid_forward_extreme", {"sigmoid_forward": sigmoid_where_both_branches}),
    ("sigmoid_forward_extreme", {"sigmoid_forward": sigmoid_exp_ratio}),
    ("sigmoid_backward_value", {"sigmoid_forward": sigmoid_forward_logaddexp,
                                "sigmoid_backward": sigmoid_backward_on_x}),
    ("sigmoid_backward_value", {"sigmoid_backward": sigmoid_backward_forgets_one_minus}),
    ("sigmoid_backward_extreme", {"sigmoid_forward": sigmoid_forward_logaddexp,
                                  "sigmoid_backward": sigmoid_backward_overflows}),
    ("affine_relu_forward_value", {"affine_relu_forward": affine_relu_forward_no_relu}),
    ("affine_relu_backward_grads", {"affine_relu_backward": affine_relu_backward_no_relu}),
    ("affine_sigmoid_forward_value", {"affine_sigmoid_forward": affine_sigmoid_forward_with_relu}),
    ("affine_sigmoid_backward_grads", {"affine_sigmoid_backward": affine_sigmoid_backward_relu_mask}),
]


@pytest.mark.parametrize("grade_id, overrides", WRONG)
def test_wrong_code_fails(grade_id, overrides):
    assert fails(grade_id, patched(**overrides))


def test_every_case_has_a_wrong_implementation():
    assert {grade_id for grade_id, _ in WRONG} == set(ALL)


def test_the_naive_sigmoid_is_right_except_for_its_overflow():
    """1/(1+exp(-x)) gives the right numbers; only the overflow it raises fails it (and the other cases pass)."""
    module = patched(sigmoid_forward=sigmoid_naive)
    assert set(statuses("sigmoid_forward_extreme", module)) == {"error"}
    for grade_id in ("sigmoid_forward_value", "sigmoid_backward_value", "sigmoid_backward_extreme"):
        assert passes(grade_id, module)


def test_the_overflowing_backward_passes_on_moderate_inputs():
    module = patched(sigmoid_forward=sigmoid_forward_logaddexp, sigmoid_backward=sigmoid_backward_overflows)
    assert passes("sigmoid_backward_value", module)


def test_stubs_are_not_attempted():
    def stub(*args):
        raise NotImplementedError

    module = patched(**{CASES[grade_id].target: stub for grade_id in ALL})
    for grade_id in ALL:
        assert set(statuses(grade_id, module)) == {"not attempted"}, grade_id
