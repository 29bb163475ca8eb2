"""Probes the sandbox runs instead of a judged case's own, so that the grader can verify what it judges.

A judged case's own probe (released in utils/checks/cases/) returns what the notebook judges, e.g. the labels
the student's ``full_forward_propagation`` gives on test points and the student's training history. A student
who rebuilds the test labels from the probe's random generator, or returns a made-up history, would pass. So in
the grader's sandbox these probes take their place: they return only plain outputs the grader can check itself
(the trained parameters and the histories), and grading.verify recomputes the rest with the reference on inputs
it regenerates from the seed. Copied into each sandbox next to the runner (never part of a release).

``train_accuracy`` and ``train_history`` judge one training: when both run on the same seed in one child, the
network is trained once and both get its outputs (see ``train_and_parameters``).
"""
import warnings

from utils.checks.cases import architecture_list as arch

_TRAINED = {}  # (id of the package the probe got, generator state before its draws) -> (outputs, warnings)
KEPT = 8  # trainings kept (a few hundred kB each at most); a child runs one student's jobs, two seeds per case


def _train(m, rng):
    X, Y = arch._moons(rng, arch.TRAIN_POINTS)
    arch._moons(rng, arch.TRAIN_POINTS)  # the test points: the grader predicts them itself
    params, cost_history, accuracy_history = m.train(X, Y, arch.TRAIN_ARCH, arch.TRAIN_EPOCHS, arch.TRAIN_LR)
    out = {"cost_history": cost_history, "accuracy_history": accuracy_history}
    for i in range(1, len(arch.TRAIN_ARCH) + 1):
        out[f"W{i}"], out[f"b{i}"] = params[f"W{i}"], params[f"b{i}"]
    return out


def train_and_parameters(m, rng):
    """``train`` on the case's points: the trained parameters (W1..WL, b1..bL) and both histories.

    The same draws from ``rng`` as the released probe, so the grader regenerates the same points. A training that
    returned is kept for the next probe of the same inputs (the same package and seed) in this process: it gets
    the same outputs, and the same warnings are raised again (they are part of each case's report). A training
    that raised is not kept: the next probe trains again.
    """
    key = (id(m), repr(rng.bit_generator.state))
    if key not in _TRAINED:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = _train(m, rng)
        if len(_TRAINED) >= KEPT:
            del _TRAINED[next(iter(_TRAINED))]
        _TRAINED[key] = out, [(w.message, w.category) for w in caught]
    out, caught = _TRAINED[key]
    for message, category in caught:
        warnings.warn(message, category, stacklevel=2)
    return dict(out)


PROBES = {"train_accuracy": train_and_parameters, "train_history": train_and_parameters}
