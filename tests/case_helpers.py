"""Run a case against the reference with some of its names replaced: how tests prove a grade cell fails on
wrong code and passes on right code written differently."""
import types

from grading.reference import expected_outputs, hidden_seeds, reference_module
from utils.checks.engine import CASES, PASSED, decode, run_probe, verdict, visible_seed


def patched(**overrides):
    """A stand-in for the chapter3 package: the reference with ``overrides`` (name -> object) swapped in."""
    ref = reference_module()
    module = types.SimpleNamespace(**{name: getattr(ref, name) for name in dir(ref) if not name.startswith("__")})
    for name, value in overrides.items():
        setattr(module, name, value)
    return module


def statuses(grade_id, module):
    """Status of the case on the visible inputs and on every hidden input set."""
    case_ = CASES[grade_id]
    out = []
    for seed in [visible_seed(grade_id), *hidden_seeds(grade_id)]:
        expected = expected_outputs(grade_id, seed)
        status, _ = verdict(case_, run_probe(case_, module, seed), decode(expected) if expected else None, seed)
        out.append(status)
    return out


def passes(grade_id, module):
    """True when the case passes on the visible and every hidden input set."""
    return all(status == PASSED for status in statuses(grade_id, module))


def fails(grade_id, module):
    """True when the case fails on the visible and every hidden input set (wrong code never earns the point)."""
    return not any(status == PASSED for status in statuses(grade_id, module))
