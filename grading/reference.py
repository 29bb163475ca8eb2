"""The reference package and the expected outputs of every case, computed from it.

The reference is imported under its own name (``reference_classifiers``), so it never clashes with a
``classifiers`` package (the student stubs) that a process may also have imported.
"""
import importlib
import importlib.util
import sys
from functools import cache

from utils.checks.engine import CASES, encode, run_probe, visible_seed

from .paths import REFERENCE_PACKAGE
from .status import PASSED

HIDDEN_RUNS = 2  # hidden input sets per case


@cache
def reference_module():
    """The reference ``chapter3`` package."""
    name = "reference_classifiers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, REFERENCE_PACKAGE / "__init__.py", submodule_search_locations=[str(REFERENCE_PACKAGE)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{name}.chapter3")


def hidden_seeds(grade_id, course_dir=None):
    """Seeds of the hidden inputs of a case, drawn from the course's secret and label (grading.secret): never in
    the repository, never released, rotated by ``c.Chapter3.secret_label``.

    Inputs:
    - grade_id: the case
    - course_dir: the course whose secret is used (default: the configured course directory)
    """
    from .secret import derive

    # Cases probed by one function draw one set of inputs (the first such case's): notebook 07's train_history and
    # train_accuracy judge one training, which the sandbox then runs once per seed (sandbox/verified_probes.py).
    grade_id = next(g for g, c in CASES.items() if c.probe is CASES[grade_id].probe)
    return [derive(f"hidden-seed:{grade_id}:{i}", course_dir) % 2**31 for i in range(HIDDEN_RUNS)]


def expected_outputs(grade_id, seed):
    """Encoded outputs of the reference on the case's inputs for ``seed`` (None for a judged case)."""
    case_ = CASES[grade_id]
    if case_.judge is not None:
        return None
    result = run_probe(case_, reference_module(), seed)
    if result.status != PASSED:
        raise RuntimeError(f"the reference fails its own case {grade_id}: {result.status} {result.error}")
    return encode(result.outputs)


def visible_expected():
    """{grade_id: encoded expected outputs} for the inputs the notebooks show."""
    return {grade_id: expected_outputs(grade_id, visible_seed(grade_id)) for grade_id in sorted(CASES)}
