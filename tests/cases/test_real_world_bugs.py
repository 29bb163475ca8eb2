"""Bugs seen in real submissions (CS231n solutions, textbooks' code, students'), each graded cell by cell.

For each bug: exactly which cells of its notebook fail (on the visible and every hidden input set), and that the
hint shown names the kind of mistake (an error in the function that raised it, a shape, a constant factor, a changed
input, ...), in both languages.
"""
import numpy as np
import pytest

from grading.reference import expected_outputs, hidden_seeds
from tests.case_helpers import patched
from tests.cases.test_losses_cases import softmax_loss_naive
from utils.checks.engine import CASES, PASSED, decode, run_probe, verdict, visible_seed
from utils.checks.messages import hint, hint_kind

REF = patched()


def _cells(module_suffix):
    return [g for g, c in CASES.items() if c.probe.__module__.endswith(module_suffix)]


AFFINE, ACTIVATIONS, LOSSES = _cells(".affine"), _cells(".activations"), _cells(".losses")
DEEP = [g for g in _cells(".deep_net") if g.startswith("FullyConnectedNet")]


def outcomes(grade_id, module):
    """[(status, hint kind, en hint, zh hint)] on the visible inputs and every hidden input set."""
    case_ = CASES[grade_id]
    out = []
    for seed in [visible_seed(grade_id), *hidden_seeds(grade_id)]:
        expected = expected_outputs(grade_id, seed)
        result = run_probe(case_, module, seed)
        status, problems = verdict(case_, result, decode(expected) if expected else None, seed)
        out.append((status, hint_kind(status, problems, result.error),
                    hint("en", case_, status, problems, result.error) or "",
                    hint("zh", case_, status, problems, result.error) or ""))
    return out


def assert_exactly(cells, module, failing):
    """Every cell in ``failing`` ({grade_id: (status, kind, words in the en hint)}) fails so on every input set;
    every other cell of ``cells`` passes on every input set."""
    for grade_id in cells:
        got = outcomes(grade_id, module)
        if grade_id not in failing:
            assert {status for status, *_ in got} == {PASSED}, (grade_id, got)
            continue
        status, kind, words = failing[grade_id]
        for got_status, got_kind, en, zh in got:
            assert (got_status, got_kind) == (status, kind), (grade_id, got_status, got_kind, en)
            assert words in en, (grade_id, en)
            assert zh.startswith("  提示：") and zh != en, (grade_id, zh)


# ---------------------------------------------------------------------------------------------- notebook 1


def affine_forward_no_flatten(x, w, b):
    """Forgets to flatten each sample: right for 2-D x, a matmul error for images."""
    return x @ w + b, (x, w)


def affine_backward_raises(dout, cache):
    """dx = dout @ w instead of dout @ w.T: a matmul error inside affine_backward."""
    x, w = cache
    return (dout @ w).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(0)


def affine_backward_db_mean(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.mean(axis=0)


def affine_backward_dx_flat(dout, cache):
    """dx left flat (N, D) instead of x's shape."""
    x, w = cache
    return dout @ w.T, x.reshape(len(x), -1).T @ dout, dout.sum(0)


def affine_backward_db_keepdims(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(axis=0, keepdims=True)


def test_a_shape_bug_in_affine_forward_is_an_error_there_not_a_dtype_hint():
    module = patched(affine_forward=affine_forward_no_flatten)
    words = "the error was raised in affine_forward_no_flatten"
    assert_exactly(AFFINE, module, {
        "affine_forward_nd_input": ("error", "exception", words),
        "affine_forward_float32": ("error", "exception", words),
        "affine_backward_nd_input": ("error", "exception", words),
    })


def test_an_error_in_affine_backward_is_reported_in_affine_backward():
    module = patched(affine_backward=affine_backward_raises)
    words = "the error was raised in affine_backward_raises"
    assert_exactly(AFFINE, module, {g: ("error", "exception", words) for g in AFFINE if "backward" in g})


def test_db_with_mean_is_a_constant_factor():
    module = patched(affine_backward=affine_backward_db_mean)
    assert_exactly(AFFINE, module, {
        "affine_backward_db": ("failed", "factor", "a division by N (the batch size) missing or done twice"),
        "affine_backward_nd_input": ("failed", "factor", "every entry of `db` is 0.333333 times"),
    })


def test_dx_left_flat_is_a_shape_mistake():
    module = patched(affine_backward=affine_backward_dx_flat)
    assert_exactly(AFFINE, module, {"affine_backward_nd_input": ("failed", "shape", "`dx` has the wrong shape")})


def test_db_with_keepdims_is_a_shape_mistake():
    module = patched(affine_backward=affine_backward_db_keepdims)
    assert_exactly(AFFINE, module, {
        "affine_backward_db": ("failed", "shape", "`db` has the wrong shape"),
        "affine_backward_nd_input": ("failed", "shape", "`db` has the wrong shape"),
    })


# ---------------------------------------------------------------------------------------------- notebook 2


def relu_backward_ge(dout, cache):
    return dout * (cache >= 0)


def test_relu_gradient_at_zero_fails_only_the_kink_cell():
    module = patched(relu_backward=relu_backward_ge)
    assert_exactly(ACTIVATIONS, module, {"relu_backward_at_zero": ("failed", "value", "use (x > 0), not (x >= 0)")})


# ---------------------------------------------------------------------------------------------- notebook 3


softmax_loss_no_shift = softmax_loss_naive  # exp of the raw scores


def softmax_loss_guarded(x, y):
    """The textbook's guard against log(0): -log(p + 1e-7), after a proper shift."""
    shifted = x - x.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    rows = np.arange(len(x))
    dx = p.copy()
    dx[rows, y] -= 1
    return -np.mean(np.log(p[rows, y] + 1e-7)), dx / len(x)


def softmax_loss_in_place(x, y):
    """Shifts the caller's scores in place; loss and gradient are right."""
    x -= x.max(axis=1, keepdims=True)
    return REF.softmax_loss(x, y)


def test_softmax_without_shift_fails_the_overflow_cells():
    module = patched(softmax_loss=softmax_loss_no_shift)
    assert_exactly(LOSSES, module, {
        "softmax_loss_stability": ("failed", "finite", "exp of a large number (overflow)"),
        "softmax_loss_large_gap": ("failed", "finite", "exp of a large number (overflow)"),
    })


def test_a_log_guard_passes_the_typical_cells_and_fails_the_large_gap():
    module = patched(softmax_loss=softmax_loss_guarded)
    assert_exactly(LOSSES, module, {
        "softmax_loss_large_gap": ("failed", "value", "Take the log before exponentiating"),
    })


def test_an_in_place_softmax_fails_only_the_keeps_input_cell():
    module = patched(softmax_loss=softmax_loss_in_place)
    assert_exactly(LOSSES, module, {
        "softmax_loss_keeps_input": ("failed", "changed input", "do not change x in place"),
    })


# ---------------------------------------------------------------------------------------------- zeros everywhere


def _zeros_everywhere():
    """Every function of notebooks 1-3 returns zeros of the right shape and dtype (and touches no input)."""
    def make_forward(name):
        def f(x, *params):
            out, cache = getattr(REF, name)(np.copy(x), *params)
            return np.zeros_like(out), cache
        return f

    def make_backward(name):
        def f(dout, cache):
            grads = getattr(REF, name)(np.copy(dout), cache)
            return tuple(np.zeros_like(g) for g in grads) if isinstance(grads, tuple) else np.zeros_like(grads)
        return f

    def loss(x, y):
        return 0.0, np.zeros_like(x)

    overrides = {name: make_forward(name) for name in ("affine_forward", "relu_forward", "sigmoid_forward",
                                                       "affine_relu_forward", "affine_sigmoid_forward")}
    overrides.update({name: make_backward(name) for name in ("affine_backward", "relu_backward", "sigmoid_backward",
                                                             "affine_relu_backward", "affine_sigmoid_backward")})
    overrides.update(softmax_loss=loss, bce_loss=loss, mse_loss=loss)
    return patched(**overrides)


def test_zeros_everywhere_earns_nothing():
    module = _zeros_everywhere()
    for grade_id in AFFINE + ACTIVATIONS + LOSSES:
        statuses = {status for status, *_ in outcomes(grade_id, module)}
        assert PASSED not in statuses, grade_id


@pytest.mark.parametrize("grade_id", ["relu_forward_keeps_input", "relu_backward_keeps_dout",
                                      "softmax_loss_keeps_input"])
def test_a_keeps_input_cell_pays_only_for_right_outputs(grade_id):
    ((status, kind, en, _), *_) = outcomes(grade_id, _zeros_everywhere())
    assert (status, kind) == ("failed", "value") and "changed" not in en


# ---------------------------------------------------------------------------------------------- notebook 5


def fc_net_needs_a_hidden_layer():
    """A right deep net whose code assumes one hidden layer at least (an affine_relu before the loop)."""

    class Net(REF.FullyConnectedNet):
        def loss(self, X, y=None):
            if self.num_layers > 1:
                return super().loss(X, y)
            L = self.num_layers  # what follows is that code's first lines, for a net without hidden layers
            h, _ = REF.affine_relu_forward(X, self.params["W1"], self.params["b1"])
            scores, _ = REF.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
            return scores

    return Net


def test_a_net_that_needs_a_hidden_layer_loses_only_that_cell():
    module = patched(FullyConnectedNet=fc_net_needs_a_hidden_layer())
    cells = [g for g in DEEP if g != "FullyConnectedNet_init"]
    assert_exactly(cells, module, {
        "FullyConnectedNet_no_hidden_layer": ("error", "exception", "the error was raised in affine_forward"),
    })


# ---------------------------------------------------------------------------------------------- notebook 7


def forward_comparing_names_with(same):
    """full_forward_propagation that tells activations apart with ``same(name, "relu")``."""
    def full_forward_propagation(X, params, architecture):
        A, memory = X, {}
        for idx, layer in enumerate(architecture, start=1):
            Z = params[f"W{idx}"] @ A + params[f"b{idx}"]
            memory[f"A{idx - 1}"], memory[f"Z{idx}"] = A, Z
            A = np.maximum(Z, 0) if same(layer["activation"], "relu") else 1 / (1 + np.exp(-Z))
        return A, memory
    return full_forward_propagation


def test_activation_names_are_compared_by_value():
    """``layer["activation"] is "relu"`` holds for two interned literals only; the probes build their names."""
    import operator

    cells = ["full_forward_propagation_output", "full_forward_propagation_memory"]
    assert_exactly(cells, patched(full_forward_propagation=forward_comparing_names_with(operator.eq)), {})
    wrong = patched(full_forward_propagation=forward_comparing_names_with(operator.is_))
    for grade_id in cells:
        assert {status for status, *_ in outcomes(grade_id, wrong)} == {"failed"}, grade_id


# ---------------------------------------------------------------------------------------------- dtype


def affine_forward_float64(x, w, b):
    return x.reshape(len(x), -1).astype(np.float64) @ w.astype(np.float64) + b, (x, w)


def affine_forward_float64_no_bias(x, w, b):
    return x.reshape(len(x), -1).astype(np.float64) @ w.astype(np.float64), (x, w)


def test_a_float64_result_gets_the_dtype_hint_and_wrong_numbers_the_value_hint():
    assert_exactly(["affine_forward_float32"], patched(affine_forward=affine_forward_float64), {
        "affine_forward_float32": ("failed", "dtype", "keep the input dtype"),
    })
    assert_exactly(["affine_forward_float32"], patched(affine_forward=affine_forward_float64_no_bias), {
        "affine_forward_float32": ("failed", "value", "flatten each sample"),
    })
