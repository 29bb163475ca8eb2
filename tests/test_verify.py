"""Judged cases verified by the grader: a made-up training history and labels rebuilt from the probe's seed
earn nothing; an honest train (the reference, and one written differently) keeps its points."""
import pytest

from grading import autograde, demo
from grading.autograde import runs as grader_runs
from grading.autograde import sandbox, verdicts
from tests.grader_helpers import english  # noqa: F401  (fixture)

IDS = ["train_accuracy", "train_history"]
LIMITS = sandbox.Limits(case_seconds=60.0, total_seconds=240.0)

# The attack the red team used: train() returns untouched initial weights and a history that looks right, and
# full_forward_propagation answers the test points with their true labels, rebuilt from the seed it finds in the
# frame of engine.run_probe.
FAKE_TRAIN = ("    params = init_layers(nn_architecture, seed)\n", """    params = init_layers(nn_architecture, seed)
    return params, list(np.linspace(0.69, 0.01, epochs)), list(np.linspace(0.5, 1.0, epochs))
""")
CHEAT_FORWARD = """
import sys
frame = sys._getframe(1)
while frame is not None and frame.f_code.co_name != "run_probe":
    frame = frame.f_back
if frame is not None and X.shape[1] == 200:
    from utils.checks.cases import architecture_list as arch
    rng = np.random.default_rng(frame.f_locals["seed"])
    arch._moons(rng, 200)
    X_test, Y_test = arch._moons(rng, 200)
    if np.array_equal(X, X_test):
        return Y_test * 0.98 + 0.01, {"A0": X}
"""
# Honest but different: the history records the cost after each update instead of before it.
AFTER_UPDATE = ("""        Y_hat, memory = full_forward_propagation(X, params, nn_architecture)
        cost_history.append(get_cost_value(Y_hat, Y))
        accuracy_history.append(get_accuracy_value(Y_hat, Y))
        grads = full_backward_propagation(Y_hat, Y, memory, params, nn_architecture)
        params = update(params, grads, nn_architecture, learning_rate)
""", """        Y_hat, memory = full_forward_propagation(X, params, nn_architecture)
        grads = full_backward_propagation(Y_hat, Y, memory, params, nn_architecture)
        params = update(params, grads, nn_architecture, learning_rate)
        Y_after, _ = full_forward_propagation(X, params, nn_architecture)
        cost_history.append(get_cost_value(Y_after, Y))
        accuracy_history.append(get_accuracy_value(Y_after, Y))
""")


def graded(tmp_path, source):
    tree = tmp_path / "tree"
    path = tree / "classifiers" / "chapter3" / "bp_network.py"
    path.parent.mkdir(parents=True)
    path.write_text(source)
    plan = autograde.make_plan("en", only=IDS)
    runs = grader_runs.module_runs(tree, plan.jobs, LIMITS)
    cells = verdicts.judge_student(plan, runs, autograde.Expected(plan).get())
    return {g: cells[g] for g in IDS}


pytestmark = pytest.mark.usefixtures("english")  # the messages asserted are the English ones


@pytest.fixture(scope="module")
def reference():
    return demo.reference_sources()["bp_network.py"]


def test_honest_training_passes_both(tmp_path, reference):
    cells = graded(tmp_path, reference)
    assert {g: c[2] for g, c in cells.items()} == {"train_accuracy": "passed", "train_history": "passed"}, cells


def test_honest_training_written_differently_passes_both(tmp_path, reference):
    cells = graded(tmp_path, demo.patch(reference, *AFTER_UPDATE))
    assert {g: c[2] for g, c in cells.items()} == {"train_accuracy": "passed", "train_history": "passed"}, cells


def test_a_fabricated_history_and_rebuilt_labels_earn_nothing(tmp_path, reference):
    source = demo.inject(demo.patch(reference, *FAKE_TRAIN), "full_forward_propagation", CHEAT_FORWARD)
    cells = graded(tmp_path, source)
    assert {g: (c[0], c[2]) for g, c in cells.items()} == {"train_accuracy": (0.0, "failed"),
                                                         "train_history": (0.0, "failed")}, cells
    assert any("must come from the training itself" in line for line in cells["train_history"][3])
    assert any("accuracy on new points is only" in line for line in cells["train_accuracy"][3])
