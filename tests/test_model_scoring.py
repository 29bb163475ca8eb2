"""best_model.npz graded so that it cannot be memorised: a secret subset of the pool, a cap at the validation
accuracy the grader measures, a flag for the class report; messages that name the tier, the threshold in force
and the data the model was trained on."""
import io
import json

import numpy as np
import pytest

from grading import autograde, demo
from grading.autograde import model_score, verdicts
from grading.autograde.model_score import ModelScoring, model_runs, validation_split
from tests.grader_helpers import english  # noqa: F401  (fixture)
from utils.checks.cases.best_model import test_split

BEST = ["FullyConnectedNet_best_model_file", "FullyConnectedNet_best_model_acc_40",
        "FullyConnectedNet_best_model_acc_48", "FullyConnectedNet_best_model_acc_52"]


pytestmark = pytest.mark.usefixtures("english")  # the messages asserted are the English ones


@pytest.fixture(scope="module")
def trained():
    return demo.train_best_model()


def meta_array(**fields):
    return np.frombuffer(json.dumps(fields).encode(), dtype=np.uint8)


def memorised():
    """One hidden unit per test image (it fires only on that image) and a second layer that maps it to its label:
    100 % on the test split, chance elsewhere. 35 units: well within any parameter limit on the embedded set."""
    X, y, _ = test_split("embedded", pool=True)
    X = X.astype(np.float64)
    W1 = (X / np.sum(X * X, axis=1, keepdims=True)).T  # column j: x_j / |x_j|^2, so x_j . W1[:, j] = 1
    b1 = -np.full(len(X), 0.999)
    W2 = np.eye(10)[y] * 1e6
    return {"W1": W1, "b1": b1, "W2": W2, "b2": np.zeros(10)}


def graded(tmp_path, arrays, scoring=None):
    plan = autograde.make_plan("en", only=BEST)
    folder = tmp_path / "assignments" / next(c.assignment for c in plan.auto_cells)
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    (folder / "best_model.npz").write_bytes(buf.getvalue())
    runs, flags = model_runs(tmp_path, plan, scoring or ModelScoring(scoring_data="embedded", fraction=0.8, key=1))
    cells = verdicts.judge_student(plan, runs, {})
    return {g: cells[g] for g in BEST}, flags


def test_the_memorised_test_split_earns_no_tier(tmp_path):
    arrays = memorised()
    X, y, _ = test_split("embedded", pool=True)
    assert np.mean(model_score.predictions(arrays, X) == y) == 1.0  # the attack works on the test split...
    X_val, y_val = validation_split("embedded")
    assert np.mean(model_score.predictions(arrays, X_val) == y_val) < 0.3  # ...and nowhere else
    cells, flags = graded(tmp_path, {**arrays, "meta": meta_array(data="embedded", val_acc=0.97)})
    assert {g: c[0] for g, c in cells.items()} == {BEST[0]: 1.0, BEST[1]: 0.0, BEST[2]: 0.0, BEST[3]: 0.0}
    assert any("memorised test images does not count" in line for line in cells[BEST[1]][3])
    assert len(flags) == 1 and "measured by the grader" in flags[0] and "test accuracy 100.0%" in flags[0]


def test_an_honest_model_keeps_its_tiers_and_is_not_flagged(tmp_path, trained):
    cells, flags = graded(tmp_path, {**trained, "meta": meta_array(data="embedded", val_acc=0.95)})
    assert {g: c[2] for g, c in cells.items()} == {g: "passed" for g in BEST}
    assert flags == []


def test_a_recorded_validation_accuracy_far_below_is_flagged(tmp_path, trained):
    _, flags = graded(tmp_path, {**trained, "meta": meta_array(data="embedded", val_acc=0.2)})
    assert flags == [f for f in flags if "records (20.0%)" in f] and len(flags) == 1


def test_the_subset_is_drawn_from_the_secret():
    a, b = ModelScoring(scoring_data="embedded", fraction=0.8, key=1), ModelScoring(scoring_data="embedded",
                                                                                     fraction=0.8, key=2)
    ia, ib = a.split()[2], b.split()[2]
    assert len(ia) == len(ib) == 28 and len(set(ia)) == 28
    assert np.array_equal(ia, a.split()[2]) and not np.array_equal(ia, ib)
    assert len(ModelScoring(scoring_data="embedded").split()[2]) == 35  # no key: the whole split


def test_the_tier_message_names_the_tier_and_the_threshold_in_force(tmp_path):
    rng = np.random.default_rng(0)
    untrained = {"W1": 1e-3 * rng.standard_normal((3072, 20)), "b1": np.zeros(20),
                 "W2": 1e-3 * rng.standard_normal((20, 10)), "b2": np.zeros(10)}
    cells, _ = graded(tmp_path, {**untrained, "meta": meta_array(data="cifar10", val_acc=0.1)})
    lines = cells["FullyConnectedNet_best_model_acc_40"][3]
    assert any("tier acc_40 needs at least 60% on the embedded digits set (40% on CIFAR-10, 60% on the embedded "
               "set)" in line for line in lines), lines
    # trained on other data than it is scored on: the feedback says so
    assert any("this model was trained on CIFAR-10, but it is scored on the embedded digits set" in line
               for line in lines), lines


def test_the_course_limits_are_checked_before_scoring(tmp_path, trained):
    from grading.autograde.model_file import ModelLimits

    scoring = ModelScoring(limits=ModelLimits(max_parameters=100_000), scoring_data="embedded")
    cells, _ = graded(tmp_path, trained, scoring)
    assert {c[2] for c in cells.values()} == {"error"}
    assert "more than 100,000 numbers" in cells[BEST[0]][3][0]
