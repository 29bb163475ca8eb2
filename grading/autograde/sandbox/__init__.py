"""Run case probes on a student's modules in a sandboxed child process; only plain numbers come back.

``run_cases(tree, jobs)`` is the execution half of the trusted grader. For one submission it

1. lays out a scratch folder (scratch.py): the student's ``classifiers/chapter3/<module>.py`` (only the
   reference's module names, only regular files up to 1 MB, links never followed), trusted package ``__init__``
   files, a copy of the instructor's ``utils/`` and the trusted ``runner.py``;
2. starts ``python -I -B runner.py`` (child.py) in bubblewrap (bwrap.py: no network, nothing of the repository, a
   size-capped writable tmpfs as the working folder) or, where bwrap does not work, in a plain child with the same
   limits ("rlimits-only", logged), confined by its cgroup, namespaces and uid (confinement.py, limits.py);
3. reads the runner's JSON lines with a byte cap and a wall-clock deadline per case and per submission
   (protocol.py); kills the child's whole process tree on a deadline, and reruns the cases still to do in a fresh
   child (here);
4. returns an :class:`utils.checks.engine.Result` per job (a :class:`grading.status.NotRun` for a job it gave up
   on). ``passed`` means only "ran": the caller compares the outputs with the reference (``engine.verdict``).

Nothing the child says is believed beyond outputs that decode (``engine.decode``) and a status from a known set.
"""
import os
import shutil
import time
from pathlib import Path

from utils.checks import engine
from utils.checks.engine import Result

from ...status import CRASH, NOT_ATTEMPTED, RUN_STATUSES, SANDBOX_FAILURES, TIMEOUT, NotRun  # noqa: F401
from .bwrap import BWRAP, RLIMITS_ONLY, TOKEN_VAR, bwrap_argv, isolation  # noqa: F401
from .child import run_child
from .confinement import limits_applied, other_uid_works  # noqa: F401
from .limits import Limits, SandboxError  # noqa: F401
from .on_worker import scratch_dir
from .scratch import Layout, parse_module, prepare_scratch, read_student_modules, reference_layout  # noqa: F401


def run_cases(tree, jobs, limits=None, layout=None):
    """Run case probes on the student's modules in ``tree``, in the sandbox.

    Inputs:
    - tree: folder of the student's files (``classifiers/chapter3/*.py``, possibly missing or partial)
    - jobs: [(grade_id, seed)]
    - limits: Limits (default: its defaults)
    - layout: the chapter's module Layout (default: the reference's; a Dask worker gets it with the task)

    Returns {(grade_id, seed): Result} for every job, status one of RUN_STATUSES; "passed" means the probe ran and
    its outputs (plain numbers) are to be compared by the caller. Raises ValueError for an unknown grade_id and
    SandboxError when the sandbox itself cannot run; never raises for anything the student's code does.
    """
    jobs = list(dict.fromkeys((str(g), int(s)) for g, s in jobs))
    unknown = sorted({g for g, _ in jobs if g not in engine.CASES})
    if unknown:
        raise ValueError(f"unknown cases: {unknown}")
    if not jobs:
        return {}
    limits = limits or Limits()
    layout = layout or reference_layout()
    mode = isolation()
    sources = read_student_modules(Path(tree) if tree is not None else None, layout)
    if all(isinstance(v, tuple) and v[0] == NOT_ATTEMPTED for v in sources.values()):
        message = "classifiers/chapter3/ holds none of the chapter's modules"
        return {job: Result(NOT_ATTEMPTED, error=message) for job in jobs}
    tmp = scratch_dir()  # named after this process: if it is killed, the next run here removes the folder
    try:
        os.chmod(tmp, 0o711)  # the child's fresh uid may pass through (to its scratch folder), not list or write
        return _run_jobs(tmp, sources, jobs, limits, mode, layout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_and_retry(tree, jobs, limits, layout, homes):
    """{(grade_id, seed): Result}: :func:`run_cases`, then one more sandbox run for the jobs it gave up on whose
    module does not import a module that failed (see :func:`retry_jobs`).

    ``homes``: {grade_id: [module file of its target ("fc_net.py") or None, [module files it imports, directly
    or not, itself included]]}, from the reference (grading.autograde.runs.case_homes).
    """
    runs = run_cases(tree, jobs, limits, layout)
    again = retry_jobs(runs, homes)
    if again:
        runs.update(run_cases(tree, again, limits, layout))
    return runs


def retry_jobs(runs, homes):
    """Jobs skipped for lack of restarts or time whose module does not depend on a module that failed: an endless
    loop in layers.py times out every case that calls it, but correct work in optim.py is still credited."""
    failed = {gid for (gid, _), r in runs.items() if r.status in SANDBOX_FAILURES and not isinstance(r, NotRun)}
    bad = {homes[gid][0] for gid in failed}
    return [job for job, r in runs.items() if isinstance(r, NotRun) and job[0] not in failed
            and not (set(homes[job[0]][1]) & bad)]


def _run_jobs(tmp, sources, jobs, limits, mode, layout):
    """Children one after another until every job has a result, the restarts or the total time are used up.

    Each child gets a fresh scratch folder: in rlimits-only mode a child may have damaged its own.
    """
    results = {}
    skip = {name: v for name, v in sources.items() if isinstance(v, tuple)}
    total_deadline = time.monotonic() + limits.total_seconds
    children = 0
    while True:
        pending = [job for job in jobs if job not in results]
        if not pending or time.monotonic() >= total_deadline or children > limits.restarts:
            break
        scratch = tmp / f"child{children}"
        prepare_scratch(sources, scratch, layout)
        outcome = run_child(scratch, pending, skip, limits, mode, total_deadline, layout)
        children += 1
        results.update(outcome.results)
        skip.update(outcome.skip)
        if outcome.killed is not None:
            _same_case_not_run(results, pending, outcome.killed)
    if time.monotonic() >= total_deadline:
        left = NotRun(TIMEOUT, because=f"the submission used up its {limits.total_seconds:g} s")
    else:
        left = NotRun(CRASH, because=f"the sandbox was restarted {children} times")
    return {job: results.get(job, left) for job in jobs}


def _same_case_not_run(results, pending, killed):
    """The other seeds of a case that killed its child are not run: the grade cell already scores 0."""
    status = results[killed].status
    for job in pending:
        if job[0] == killed[0] and job not in results:
            results[job] = NotRun(status, because=f"this case already ended with {status} on other inputs")
