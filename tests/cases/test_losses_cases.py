"""Every grade cell of notebook 3 fails on wrong code and passes on correct code written differently."""
import numpy as np
import pytest

from tests.case_helpers import fails, passes, patched, statuses
from utils.checks import set_language
from utils.checks.engine import CASES, compare, run_probe, visible_seed

ALL = [grade_id for grade_id, case_ in CASES.items() if case_.probe.__module__.endswith(".losses")]


# ------------------------------------------------------------------ correct, but not written like the reference


def softmax_loss_logsumexp_onehot(x, y):
    """Explicit log-sum-exp and a one-hot mask instead of fancy indexing."""
    n, c = x.shape
    top = x.max(axis=1, keepdims=True)
    lse = top + np.log(np.sum(np.exp(x - top), axis=1, keepdims=True))
    one_hot = np.arange(c) == y[:, None]
    loss = np.sum((lse - x) * one_hot) / n
    return loss, (np.exp(x - lse) - one_hot) / n


def softmax_loss_logaddexp_reduce(x, y):
    """np.logaddexp.reduce along a row is a log-sum-exp that never overflows."""
    rows = np.arange(len(x))
    lse = np.logaddexp.reduce(x, axis=1)
    dx = np.exp(x - lse[:, None])
    dx[rows, y] -= 1
    return np.mean(lse - x[rows, y]), dx / len(x)


def bce_loss_eps(eps):
    def bce_loss(p, y):
        y = np.reshape(y, p.shape)
        q = np.clip(p, eps, 1 - eps)
        loss = -np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)) / len(p)
        dp = (-(y / q) + (1 - y) / (1 - q)) / len(p)
        return loss, dp

    return bce_loss


def bce_loss_add_eps(p, y, eps=1e-9):
    """Adds eps inside the logs instead of clipping."""
    y = y.reshape(p.shape)
    loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    return loss, (-(y / (p + eps)) + (1 - y) / (1 - p + eps)) / p.shape[0]


def mse_loss_mean(pred, target):
    diff = pred - target
    n = len(pred)
    return 0.5 * np.mean(np.sum(diff.reshape(n, -1) ** 2, axis=1)), diff / n


ALTERNATIVES = {
    "logsumexp+onehot, clip 1e-15": dict(softmax_loss=softmax_loss_logsumexp_onehot, bce_loss=bce_loss_eps(1e-15),
                                          mse_loss=mse_loss_mean),
    "logaddexp.reduce, clip 1e-7": dict(softmax_loss=softmax_loss_logaddexp_reduce, bce_loss=bce_loss_eps(1e-7)),
    "clip 1e-10": dict(bce_loss=bce_loss_eps(1e-10)),
    "eps inside the logs": dict(bce_loss=bce_loss_add_eps),
}


@pytest.mark.parametrize("grade_id", ALL)
@pytest.mark.parametrize("name", ALTERNATIVES)
def test_correct_alternatives_pass(name, grade_id):
    assert passes(grade_id, patched(**ALTERNATIVES[name]))


def test_the_table_is_complete():
    assert len(ALL) == 11


# ------------------------------------------------------------------ wrong


def softmax_loss_sum(x, y):
    loss, dx = patched().softmax_loss(x, y)
    return loss * len(x), dx


def softmax_loss_grad_not_averaged(x, y):
    loss, dx = patched().softmax_loss(x, y)
    return loss, dx * len(x)


def softmax_loss_naive(x, y):
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    rows = np.arange(len(x))
    dx = p.copy()
    dx[rows, y] -= 1
    return -np.mean(np.log(p[rows, y])), dx / len(x)


def softmax_loss_global_shift(x, y):
    return softmax_loss_naive(x - x.max(), y)


def softmax_loss_log_of_probability(x, y):
    """Shifts by the row maximum (stable exponentials) but takes the log of a probability that may be 0."""
    return softmax_loss_naive(x - x.max(axis=1, keepdims=True), y)


def softmax_loss_shifts_in_place(x, y):
    x -= x.max(axis=1, keepdims=True)
    return patched().softmax_loss(x, y)


def bce_loss_summed(p, y):
    loss, dp = patched().bce_loss(p, y)
    return loss * len(p), dp


def bce_loss_logit_gradient(p, y):
    loss, _ = patched().bce_loss(p, y)
    return loss, (p - y.reshape(p.shape)) / len(p)


def bce_loss_broadcasts(p, y):
    q = np.clip(p, 1e-12, 1 - 1e-12)
    loss = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
    return loss, (q - y) / (q * (1 - q)) / len(p)


def bce_loss_unclipped(p, y):
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return loss, (p - y) / (p * (1 - p)) / len(p)


def bce_loss_unclipped_gradient(p, y):
    loss, _ = patched().bce_loss(p, y)
    return loss, (p - y) / (p * (1 - p)) / len(p)


def bce_loss_gradient_of_the_clip(p, y):
    """The exact derivative of the clipped loss: 0 wherever clipping happened, so a sure mistake gets no push."""
    loss, dp = patched().bce_loss(p, y)
    return loss, np.where((p > 1e-12) & (p < 1 - 1e-12), dp, 0.0)


def mse_loss_mean_over_everything(pred, target):
    diff = pred - target
    return 0.5 * np.mean(diff ** 2), diff / len(pred)


def mse_loss_grad_over_everything(pred, target):
    diff = pred - target
    return 0.5 * np.sum(diff ** 2) / len(pred), diff / diff.size


WRONG = [
    ("softmax_loss_value", softmax_loss_sum),
    ("softmax_loss_grad", softmax_loss_grad_not_averaged),
    ("softmax_loss_stability", softmax_loss_naive),
    ("softmax_loss_stability", softmax_loss_global_shift),
    ("softmax_loss_large_gap", softmax_loss_log_of_probability),
    ("softmax_loss_keeps_input", softmax_loss_shifts_in_place),
    ("bce_loss_value", bce_loss_summed),
    ("bce_loss_grad", bce_loss_logit_gradient),
    ("bce_loss_column_shape", bce_loss_broadcasts),
    ("bce_loss_extreme", bce_loss_unclipped),
    ("bce_loss_extreme", bce_loss_unclipped_gradient),
    ("bce_loss_extreme", bce_loss_eps(1e-3)),
    ("bce_loss_extreme", bce_loss_gradient_of_the_clip),
    ("mse_loss_value", mse_loss_mean_over_everything),
    ("mse_loss_grad", mse_loss_grad_over_everything),
]


@pytest.mark.parametrize("grade_id, wrong", WRONG)
def test_wrong_code_fails(grade_id, wrong):
    assert fails(grade_id, patched(**{CASES[grade_id].target: wrong}))


def test_every_case_has_a_wrong_implementation():
    assert {grade_id for grade_id, _ in WRONG} == set(ALL)


def test_shifting_by_the_row_maximum_is_enough_for_the_stability_case():
    assert passes("softmax_loss_stability", patched(softmax_loss=softmax_loss_log_of_probability))


def test_a_broadcasting_bce_is_right_on_flat_inputs():
    module = patched(bce_loss=bce_loss_broadcasts)
    assert passes("bce_loss_value", module) and passes("bce_loss_grad", module)


def _judge_texts(wrong, lang):
    case_ = CASES["bce_loss_extreme"]
    seed = visible_seed("bce_loss_extreme")
    result = run_probe(case_, patched(bce_loss=wrong), seed)
    set_language(lang)
    try:
        return [params["text"] for _, params in compare(case_, result.outputs, None, np.random.default_rng(seed))]
    finally:
        set_language("zh")


@pytest.mark.parametrize("wrong, word", [
    (bce_loss_unclipped, "NaN"),
    (bce_loss_eps(1e-3), "-log(eps)"),
    (bce_loss_gradient_of_the_clip, "N·dp"),
    (bce_loss_logit_gradient, "0 < p < 1"),
])
def test_the_extreme_judge_says_what_is_wrong_in_the_chosen_language(wrong, word):
    english, chinese = _judge_texts(wrong, "en"), _judge_texts(wrong, "zh")
    assert english and any(word in text for text in english)
    assert len(chinese) == len(english) and all(text not in english for text in chinese)


def test_the_extreme_judge_survives_a_wrong_shape():
    texts = _judge_texts(lambda p, y: (np.array([1.0, 2.0]), np.zeros((len(p), 1))), "en")
    assert texts == ["`loss` must be a single number, got shape (2,)"]


def test_stubs_are_not_attempted():
    def stub(*args):
        raise NotImplementedError

    module = patched(softmax_loss=stub, bce_loss=stub, mse_loss=stub)
    for grade_id in ALL:
        assert set(statuses(grade_id, module)) == {"not attempted"}, grade_id
