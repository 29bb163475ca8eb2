"""Hidden runs reveal nothing reusable: the kind of failure, never expected values, inputs or student text; and
the hidden seeds come from a per-course secret that rotates."""
import os
import stat

import numpy as np
import pytest

from grading import autograde, secret
from grading.autograde import verdicts
from grading.paths import ROOT
from grading.reference import hidden_seeds
from tests.grader_helpers import english  # noqa: F401  (fixture)
from utils.checks.engine import CASES, Result, to_plain

pytestmark = pytest.mark.usefixtures("english")  # the messages asserted are the English ones


def cell(grade_id):
    return next(c for c in autograde.make_plan("en", only=[grade_id]).auto_cells if c.grade_id == grade_id)


def judged(grade_id, outputs, expected, status="passed", error=""):
    c = cell(grade_id)
    result = Result(status, {k: to_plain(v) for k, v in outputs.items()}, error)
    expected = {(grade_id, 7): {k: to_plain(v) for k, v in expected.items()}}
    return verdicts.judge_cell(c, {7: result}, expected, "en")


def test_a_wrong_value_names_the_output_not_the_numbers():
    score, status, lines = judged("affine_forward_value", {"out": np.array([[-0.83134214, 1.5]])},
                                  {"out": np.array([[2.1419461, 1.5]])})
    text = "\n".join(lines)
    assert (score, status) == (0.0, "failed")
    assert "`out` has wrong values" in text
    for leak in ("0.8313", "2.1419", "2.14", "index", "expected 2", "relative error"):
        assert leak not in text, leak


def test_close_values_say_close_without_numbers():
    _, _, lines = judged("affine_forward_value", {"out": np.array([[1.0 + 1e-5]])}, {"out": np.array([[1.0]])})
    assert any("slightly off" in line for line in lines)
    assert not any("1.00001" in line for line in lines)


def test_shape_dtype_and_nan_are_named():
    _, _, lines = judged("affine_forward_value", {"out": np.zeros((3, 4))}, {"out": np.zeros((2, 4))})
    assert "  - `out` has shape (3, 4), expected (2, 4)" in lines
    _, _, lines = judged("affine_forward_value", {"out": np.array([[np.nan]])}, {"out": np.array([[1.0]])})
    assert "  - `out` contains NaN or inf" in lines


def test_an_exception_keeps_its_type_and_place_not_its_message():
    error = "ValueError: x = [[0.12345678, 9.87654321]] (in affine_forward, layers.py:12)"
    _, status, lines = judged("affine_forward_value", {}, {"out": np.zeros(1)}, "error", error)
    assert status == "error"
    assert lines[0] == ("✘ affine_forward_value: calling affine_forward raised ValueError "
                        "(in affine_forward, layers.py:12)")
    assert "0.1234" not in "\n".join(lines)
    custom = "Leak_0_12345678: boom (in affine_forward, layers.py:12)"
    _, _, lines = judged("affine_forward_value", {}, {"out": np.zeros(1)}, "error", custom)
    assert "an exception" in lines[0] and "12345678" not in lines[0].replace("layers.py:12", "")


def test_a_chosen_exit_code_is_not_shown():
    c = cell("affine_forward_value")
    result = Result("crash", error="the process exited (code 173: os._exit or sys.exit?) while running this case")
    _, status, lines = verdicts.judge_cell(c, {7: result}, {}, "en")
    assert status == "crash" and "173" not in lines[0] and "code N" in lines[0]


def test_the_notebook_check_keeps_full_detail():
    """The visible run (utils.checks.messages, used by check() in the notebook) still says got and expected."""
    from utils.checks.engine import compare
    from utils.checks.messages import report

    case_ = CASES["affine_forward_value"]
    problems = compare(case_, {"out": to_plain(np.array([[-0.83134214]]))}, {"out": to_plain(np.array([[2.1419461]]))})
    text = "\n".join(report("en", case_, "failed", problems))
    assert "got -0.83134214, expected 2.1419461" in text


# ----------------------------------------------------------------------------------------------- the secret
def test_seeds_come_from_the_course_secret_and_rotate(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    seeds_a = hidden_seeds("affine_forward_value", a)
    assert hidden_seeds("affine_forward_value", a) == seeds_a  # stable within a course
    assert hidden_seeds("affine_forward_value", b) != seeds_a  # another course, another secret
    assert len(set(seeds_a)) == 2 and all(0 <= s < 2**31 for s in seeds_a)
    path = secret.secret_path(a)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(path.read_text()) == 64
    (a / "nbgrader_config.py").write_text('c = get_config()\nc.Chapter3.secret_label = "2027-spring"\n')
    assert hidden_seeds("affine_forward_value", a) != seeds_a  # a new label rotates them
    path.unlink()
    (a / "nbgrader_config.py").unlink()
    assert hidden_seeds("affine_forward_value", a) != seeds_a  # so does a new secret


def test_the_secret_is_nowhere_in_the_repository_or_a_release():
    from grading.build.release import release_files

    files = release_files("en")
    assert not any(secret.SECRET_FILE in rel for rel in files)
    assert "chapter3-hidden" not in (ROOT / "grading" / "reference.py").read_text()


def test_two_processes_racing_read_one_secret(tmp_path):
    import concurrent.futures

    with concurrent.futures.ProcessPoolExecutor(4) as pool:
        values = list(pool.map(secret.course_secret, [tmp_path] * 8))
    assert len(set(values)) == 1 and len(values[0]) == 32
