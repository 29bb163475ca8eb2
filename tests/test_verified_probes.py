"""grading.autograde.sandbox.verified_probes: notebook 07's two training cases train once per seed in a child."""
import dataclasses
import types
import warnings

import numpy as np

from grading.autograde.sandbox import verified_probes
from grading.reference import reference_module
from utils.checks import engine

IDS = ("train_history", "train_accuracy")


def _package(fail_first=False, warn=False):
    """The reference package with a ``train`` that counts its calls (and may warn, or raise once)."""
    ref = reference_module()
    calls = []

    def train(X, Y, arch, epochs, learning_rate):
        calls.append(X.shape)
        if fail_first and len(calls) == 1:
            raise ValueError("the first training fails")
        if warn:
            warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        return ref.train(X, Y, arch, epochs, learning_rate)
    m = types.SimpleNamespace(**{n: getattr(ref, n) for n in dir(ref) if not n.startswith("_")})
    m.train = train
    return m, calls


def _run(grade_id, m, seed):
    case_ = dataclasses.replace(engine.CASES[grade_id], probe=verified_probes.PROBES[grade_id])
    return engine.run_probe(case_, m, seed)


def test_both_cases_of_one_seed_train_once_and_see_the_same_training():
    m, calls = _package()
    first, second = (_run(g, m, 11) for g in IDS)
    assert len(calls) == 1
    assert first.status == second.status == "passed"
    assert engine.encode(first.outputs) == engine.encode(second.outputs)
    assert len(first.outputs["cost_history"].data.reshape(-1)) == verified_probes.arch.TRAIN_EPOCHS
    _run(IDS[0], m, 12)
    assert len(calls) == 2  # another seed: other points, another training


def test_the_cached_training_is_the_one_a_fresh_probe_gives():
    m, _ = _package()
    cached = _run(IDS[1], m, 21)
    cached = _run(IDS[1], m, 21)
    verified_probes._TRAINED.clear()
    fresh = _run(IDS[1], reference_module(), 21)
    assert engine.encode(cached.outputs) == engine.encode(fresh.outputs)
    assert np.isfinite(fresh.outputs["W1"].data).all()


def test_warnings_are_reported_by_both_cases():
    m, calls = _package(warn=True)
    results = [_run(g, m, 31) for g in IDS]
    assert len(calls) == 1
    assert all(r.warnings == ["RuntimeWarning: overflow encountered in exp"] for r in results)


def test_a_training_that_raised_is_run_again():
    m, calls = _package(fail_first=True)
    failed, again = (_run(g, m, 41) for g in IDS)
    assert failed.status == "error" and "the first training fails" in failed.error
    assert again.status == "passed" and len(calls) == 2


def test_cases_probed_by_one_function_share_their_hidden_seeds():
    """train_history and train_accuracy judge one training: with the same seeds the sandbox trains once per seed."""
    from grading.reference import hidden_seeds

    assert hidden_seeds("train_history") == hidden_seeds("train_accuracy")
    assert hidden_seeds("affine_forward_value") != hidden_seeds("affine_backward_dx")
    assert len(set(hidden_seeds("train_accuracy"))) == 2
