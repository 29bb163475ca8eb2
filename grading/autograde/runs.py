"""The runs of one submission: its modules' probes in the sandbox (locally or on a Dask worker), retried where a
failure elsewhere stopped them, and the cells judged from best_model.npz (grading.model_score)."""
from functools import cache

from utils.checks.engine import CASES, Result, decode

from ..status import INVALID_OUTPUT, NotRun
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
    return sandbox.run_and_retry(tree, jobs, limits, sandbox.reference_layout(), case_homes(jobs))


def retry_jobs(runs):
    """Jobs skipped for lack of restarts or time whose module does not depend on a module that failed."""
    from .sandbox import retry_jobs as retry

    return retry(runs, case_homes(runs))


def case_homes(jobs):
    """{grade_id: [module file its target lives in or None, sorted module files that one imports]} of the cases
    of ``jobs`` ([(grade_id, seed)]), from the reference: what the sandbox's retry needs, as plain data."""
    homes = {}
    for gid, _ in jobs:
        home = module_of(CASES[gid].target)
        homes[gid] = [home, sorted(module_imports(home), key=str)]
    return homes


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
    """:func:`module_runs` as a Dask worker does it, here: the shipped task (grading.autograde.shipping) run from
    its bundle in a fresh interpreter, with nothing of the repository on its path.

    Inputs: files {path relative to the tree: bytes} (the student's modules), jobs, limits.
    Returns plain data: [[grade_id, seed, status, encoded outputs, error, warnings, not run because], ...].
    """
    from . import shipping

    return shipping.rows(shipping.run_here(files, jobs, case_homes(jobs), limits, require_bwrap=False))[0]


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
