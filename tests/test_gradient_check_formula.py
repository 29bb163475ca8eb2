"""One relative error everywhere: what a notebook prints with rel_error is what a check reports."""
import numpy as np
import pytest

from utils.checks.engine import relative_error
from utils.gradient_check import rel_error, relative_errors


def test_the_formula_on_numbers_worked_by_hand():
    # |x - y| / max(|x| + |y|, 1e-3 * max(|x| + |y|), 1e-12)
    assert rel_error(2.0, 1.0) == pytest.approx(1 / 3)
    assert rel_error(-1.0, 1.0) == 1.0
    assert rel_error(np.array([1.0, 1e-6]), np.array([1.0, 0.0])) == pytest.approx(1e-6 / 2e-3)  # the floor
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(1e-14, 0.0) == pytest.approx(1e-14 / 1e-12)


def test_the_checks_and_rel_error_agree():
    rng = np.random.default_rng(0)
    for _ in range(20):
        expected = rng.standard_normal((4, 5)) * 10 ** rng.uniform(-6, 3)
        got = expected * (1 + 10 ** rng.uniform(-12, 0) * rng.standard_normal(expected.shape))
        error, index = relative_error(got, expected)
        assert error == rel_error(got, expected) == rel_error(expected, got)
        assert error == relative_errors(got, expected)[index]


def test_a_shape_mismatch_is_said_not_broadcast(monkeypatch):
    from tests.test_data_utils import english

    english(monkeypatch)
    with pytest.raises(ValueError, match="shapes \\(4, 3\\) and \\(4, 5\\)"):
        rel_error(np.zeros((4, 3)), np.zeros((4, 5)))
    assert rel_error(np.array([2.0]), 2.0) == 0.0  # a scalar against a one-element array is fine
