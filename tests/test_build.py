"""The build's staleness test: generated files compared by bytes, expected.json by meaning."""
import json

from grading.build import same_expected
from utils.checks.engine import encode, to_plain


def _expected(**arrays):
    return json.dumps({"case": encode({name: to_plain(value) for name, value in arrays.items()})})


def test_expected_json_round_off_of_another_blas_kernel_is_not_stale():
    assert same_expected(_expected(out=[1.0, 2.0]), _expected(out=[1.0 + 4e-16, 2.0]))


def test_expected_json_with_another_value_shape_dtype_or_name_is_stale():
    old = _expected(out=[1.0, 2.0])
    assert not same_expected(old, _expected(out=[1.0, 2.0 + 1e-9]))
    assert not same_expected(old, _expected(out=[[1.0, 2.0]]))
    assert not same_expected(old, _expected(out=[1, 2]))
    assert not same_expected(old, _expected(dx=[1.0, 2.0]))
    assert not same_expected(old, "{")
