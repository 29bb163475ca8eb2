"""Probes the sandbox runs instead of a judged case's own, so that the grader can verify what it judges.

A judged case's own probe (released in utils/checks/cases/) returns what the notebook judges, e.g. the labels
the student's ``full_forward_propagation`` gives on test points and the student's training history. A student
who rebuilds the test labels from the probe's random generator, or returns a made-up history, would pass. So in
the grader's sandbox these probes take their place: they return only plain outputs the grader can check itself
(the trained parameters and the histories), and grading.verify recomputes the rest with the reference on inputs
it regenerates from the seed. Copied into each sandbox next to the runner (never part of a release).
"""
from utils.checks.cases import architecture_list as arch


def train_and_parameters(m, rng):
    """``train`` on the case's points: the trained parameters (W1..WL, b1..bL) and both histories.

    The same draws from ``rng`` as the released probe, so the grader regenerates the same points.
    """
    X, Y = arch._moons(rng, arch.TRAIN_POINTS)
    arch._moons(rng, arch.TRAIN_POINTS)  # the test points: the grader predicts them itself
    params, cost_history, accuracy_history = m.train(X, Y, arch.TRAIN_ARCH, arch.TRAIN_EPOCHS, arch.TRAIN_LR)
    out = {"cost_history": cost_history, "accuracy_history": accuracy_history}
    for i in range(1, len(arch.TRAIN_ARCH) + 1):
        out[f"W{i}"], out[f"b{i}"] = params[f"W{i}"], params[f"b{i}"]
    return out


PROBES = {"train_accuracy": train_and_parameters, "train_history": train_and_parameters}
