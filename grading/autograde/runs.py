"""The runs of one submission: its modules' probes in the sandbox (locally or on a Dask worker), retried where a
failure elsewhere stopped them, and the cells judged from best_model.npz (grading.model_score)."""
import tempfile
from functools import cache
from pathlib import Path

from utils.checks.engine import CASES, Result, decode, encode

from ..status import INVALID_OUTPUT, SANDBOX_FAILURES, NotRun
from . import model_score
from .verdicts import module_of


def module_runs(tree, jobs, limits=None):
    """{(grade_id, seed): Result} of the student's modules in ``tree``, run in the sandbox.

    The sandbox gives up on the cases still to run once a submission has used up its restarts or its time (an
    endless loop in layers.py times out every case that calls it). Those of them whose module does not import
    the failing one get one more sandbox run, so that correct work elsewhere (optim.py, bp_network.py) is still
    credited.
    """
    from . import sandbox

    if not jobs:
        return {}
    limits = limits if limits is not None else sandbox.Limits()
    runs = sandbox.run_cases(tree, jobs, limits)
    again = retry_jobs(runs)
    if again:
        runs.update(sandbox.run_cases(tree, again, limits))
    return runs


def retry_jobs(runs):
    """Jobs skipped for lack of restarts or time whose module does not depend on a module that failed."""
    failed = {gid for (gid, _), r in runs.items() if r.status in SANDBOX_FAILURES and not isinstance(r, NotRun)}
    bad = {module_of(CASES[gid].target) for gid in failed}
    return [job for job, r in runs.items() if isinstance(r, NotRun) and job[0] not in failed
            and not (module_imports(module_of(CASES[job[0]].target)) & bad)]


@cache
def module_imports(module):
    """The reference modules ``module`` ("fc_net.py") imports, directly or not, itself included."""
    import ast

    from ..paths import REFERENCE_PACKAGE
    from .sandbox import parse_module

    found, todo = set(), [module]
    while todo:
        name = todo.pop()
        path = REFERENCE_PACKAGE / "chapter3" / str(name)
        if name in found or not path.is_file():
            continue
        found.add(name)
        tree = parse_module(path)
        todo += [f"{node.module.split('.')[0]}.py" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module]
    return frozenset(found | {module})


def remote_module_runs(files, jobs, limits=None):
    """:func:`module_runs` for a Dask worker, which may not share a file system with the grader.

    Inputs: files {path relative to the tree: bytes} (the student's modules), jobs, limits.
    Returns plain data: [[grade_id, seed, status, encoded outputs, error, warnings, not run because], ...].
    """
    with tempfile.TemporaryDirectory(prefix="ch3-grade-") as tmp:
        for rel, data in files.items():
            dest = Path(tmp) / rel
            if ".." in Path(rel).parts or not rel.startswith("classifiers/"):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        runs = module_runs(tmp, [tuple(j) for j in jobs], limits)
    return [[gid, seed, str(r.status), encode(r.outputs), r.error, list(r.warnings), getattr(r, "because", "")]
            for (gid, seed), r in runs.items()]


def decode_remote(rows):
    """{(grade_id, seed): Result} from :func:`remote_module_runs`' plain data (parsed strictly)."""
    out = {}
    for gid, seed, status, outputs, error, notes, because in rows:
        try:
            if because:
                out[gid, seed] = NotRun(status, because=str(because))
            else:
                out[gid, seed] = Result(status, decode(outputs), str(error), [str(n) for n in notes])
        except ValueError as exc:
            out[gid, seed] = Result(INVALID_OUTPUT, error=str(exc)[:200])
    return out


def model_runs(tree, plan, scoring=None):
    """{(grade_id, seed): Result} of the cells judged from best_model.npz (grading.model_score)."""
    return model_score.model_runs(tree, plan, scoring)[0]
