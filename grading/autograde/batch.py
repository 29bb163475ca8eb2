"""``python -m grading autograde``'s batch: intake, the plan's expected outputs, every student graded in parallel
(a thread pool here, or Dask workers with ``--scheduler``) under a watchdog, then grades.csv and the id map."""
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from pathlib import Path

from ..atomic import remove_leftovers
from ..facts import COURSE_DIR_ENV
from . import intake as intake_
from . import model_score
from .plan import Expected, make_plan
from .records import ID_MAP, load_record, load_records, up_to_date, write_id_map
from .student import (
    PAGE_SECONDS,
    Batch,
    describe_failure,
    failed_record,
    finish_remote,
    grade_student,
    sandbox_tasks,
)

log = logging.getLogger(__name__)
SCHEDULER_TIMEOUT = 180.0  # seconds to wait for the Dask scheduler to answer and for a worker to join
TIMEOUT_VAR = "CH3_SCHEDULER_TIMEOUT"  # overrides it


def default_course_dir():
    """The nbgrader course directory: $CH3_COURSE_DIR, else grading/course."""
    return Path(os.environ.get(COURSE_DIR_ENV) or Path(__file__).parent.parent / "course")


def autograde(submissions, out_dir, workers=None, scheduler=None, lang="zh", only=None, limits=None,
              course_dir=None, progress=True, gradebook=True, feedback=True, watchdog_seconds=None, scoring=None,
              allow_unsandboxed=False, plan=None, force=(), scheduler_timeout=None):
    """Grade every submission in ``submissions`` into ``out_dir``.

    Inputs:
    - submissions: folder or zip in a layout grading.intake accepts
    - out_dir: results/, feedback/, submissions/ (the clean work trees) and grades.csv go there
    - workers: students graded at once (default: os.cpu_count())
    - scheduler: address of a Dask distributed scheduler; the sandbox runs then happen on its workers
    - scheduler_timeout: seconds to wait for a Dask worker to join (default: shipping's, $CH3_SCHEDULER_TIMEOUT)
    - lang: language of the feedback messages
    - only: restrict the autograded cells (see make_plan)
    - limits: grading.autograde.sandbox.Limits (default: its defaults)
    - course_dir: nbgrader course directory whose gradebook is updated (default: default_course_dir())
    - progress: show a progress bar
    - gradebook, feedback: update the nbgrader gradebook, write the feedback pages (off only in tests)
    - watchdog_seconds: the most one student may take in all (default: twice the sandbox's total time plus the
      pages' time); a student past it gets a ``grader error`` record and the batch goes on
    - scoring: grading.model_score.ModelScoring (default: the course's settings and secret)
    - allow_unsandboxed: grade even where bubblewrap does not work (rlimits-only fallback; every status and every
      feedback page then says so); without it such a batch raises sandbox.SandboxError before grading anyone
    - plan: the Plan to grade, when the caller already made it (then ``lang`` and ``only`` are its own; default:
      make_plan(lang, only, course_dir=course_dir)): the command makes its plan once and passes it down
    - force: student ids (or the names they came under) graded again even when their files are unchanged

    Returns (records of every student graded with this plan, [(student_id, error) of students the grader failed
    on; they have no record, so a rerun retries them]).
    """
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    from utils import checks

    from ..publish import report
    from . import sandbox

    mode = sandbox.isolation()
    if mode != sandbox.BWRAP and not allow_unsandboxed and not scheduler:  # with Dask, each worker checks its own
        raise sandbox.SandboxError(
            "bubblewrap (bwrap) does not work here, so the students' code would run without isolation (see "
            "grading/README.md, 'Fallback without bubblewrap'). Grade where it works (apt-get install bubblewrap), "
            "or pass --allow-unsandboxed to grade anyway: every status and feedback page will say so.")
    out_dir = Path(out_dir)
    plan = plan if plan is not None else make_plan(lang, only, course_dir=course_dir)
    checks.set_language(plan.lang)  # the judges' messages
    subs = intake_.intake(submissions, out_dir / "submissions", assignments=plan.assignments)
    batch = Batch(plan, out_dir, Expected(plan), Path(course_dir) if course_dir else default_course_dir(),
                  limits, mode, publish_feedback=feedback, publish_gradebook=gradebook,
                  scoring=scoring or model_score.ModelScoring.of_course(course_dir),
                  limits_text=sandbox.limits_applied(limits, mode))
    remove_leftovers(out_dir / "results")  # of a batch killed while writing a record
    todo = [s for s in subs if {s.student_id, s.name} & set(force)
            or not up_to_date(load_record(out_dir, s.student_id), s, plan)]
    if todo:
        batch.expected.get()
    bar = tqdm(total=len(subs), initial=len(subs) - len(todo), desc="grading", unit="student", disable=not progress)
    lock = threading.Lock()

    def tick(_):
        with lock:
            bar.update()
    failures = []
    workers = workers or os.cpu_count() or 1
    # Publishing is most of what a student costs this process: a few long-lived page processes render the feedback
    # pages (nbconvert) and one more writes the gradebook (nbgrader), so that the GIL does not serialise them with
    # the sandboxes' bookkeeping and the verdicts.
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        with contextlib.ExitStack() as stack:
            # This process's BLAS only scores saved models (a few small products per student): threads of its own
            # would spin waiting for each other while the sandboxes keep both cores busy.
            stack.enter_context(threadpool_limits(1))
            spawn = multiprocessing.get_context("spawn")
            if todo and feedback:
                batch.pages = stack.enter_context(ProcessPoolExecutor(max_workers=workers, mp_context=spawn))
            if todo and gradebook:
                batch.gradebook = stack.enter_context(ProcessPoolExecutor(max_workers=1, mp_context=spawn))
            stack.callback(_stop_stuck_publishers, batch)
            futures = {}
            submitted = _submit_all(pool, batch, todo, scheduler, require_bwrap=not allow_unsandboxed,
                                    timeout=scheduler_timeout)
            for sub, future in submitted:
                future.add_done_callback(tick)
                futures[future] = sub
            failures = _watch(batch, futures, watchdog_seconds or _watchdog_default(limits), tick)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a thread the watchdog gave up on is not waited for
    bar.close()
    records = load_records(out_dir, plan)
    manual = None
    if gradebook:  # the written answers graded in the formgrader so far: columns of their own in grades.csv
        from ..publish.gradebook import manual_grades

        manual = manual_grades(batch.course_dir, [(c.assignment, c.grade_id) for c in plan.cells if not c.auto],
                               [r["student_id"] for r in records])
    report.write_grades(records, plan, out_dir / "grades.csv", manual,
                        course_dir=batch.course_dir if gradebook else None)  # due dates: the late columns
    write_id_map(records, out_dir / ID_MAP)
    return records, sorted(failures)


def _watchdog_default(limits):
    from .sandbox import Limits

    return 2 * (limits or Limits()).total_seconds + PAGE_SECONDS + 60


def _watch(batch, futures, watchdog, tick):
    """Wait for every student's future; one that runs longer than ``watchdog`` seconds gets a ``grader error``
    record (its thread is left behind). Returns [(student_id, error)] of futures that raised anyway."""
    failures, pending = [], set(futures)
    while pending:
        done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
        for future in done:
            if future.exception() is not None:
                failures.append((futures[future].student_id, describe_failure(future.exception())))
        now = time.monotonic()
        for future in list(pending):
            sub = futures[future]
            since = batch.started.get(sub.student_id)
            if since is not None and now - since > watchdog:
                log.error("watchdog: %s not graded after %g s", sub.student_id, watchdog)
                pending.discard(future)
                failed_record(batch, sub, f"watchdog: not finished after {watchdog:g} s")
                batch.stuck = True
                tick(None)
    return sorted(failures)


def _stop_stuck_publishers(batch):
    """Kill the page and gradebook processes when the watchdog gave up on a student (one may render forever)."""
    if getattr(batch, "stuck", False):
        for pool in (batch.pages, batch.gradebook):
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()


def _submit_all(pool, batch, todo, scheduler, require_bwrap=True, timeout=None):
    """(student, future of its record) for every student to grade; with a scheduler the sandbox runs happen on
    the Dask cluster (grading.autograde.shipping: the workers need nothing of the course) and each student is
    finished here as its runs land, with the sandbox label of the workers that ran them.

    Raises shipping.NoWorkers when no worker joins within ``timeout`` seconds (default scheduler_timeout()) and
    shipping.WorkerRefused when a worker refuses a task (then the batch stops: nobody is scored by it)."""
    if not scheduler:
        for sub in todo:
            yield sub, pool.submit(grade_student, batch, sub)
        return
    from distributed import as_completed as dask_completed

    from . import shipping
    from .runs import case_homes

    remote = [s for s in todo if s.tree is not None and any(files for files, _ in sandbox_tasks(batch, s))]
    for sub in todo:
        if sub not in remote:
            yield sub, pool.submit(grade_student, batch, sub)
    if not remote:
        return
    with _connect(scheduler, timeout or scheduler_timeout()) as client:
        tasks = [(sub, i, files, jobs) for sub in remote for i, (files, jobs) in enumerate(sandbox_tasks(batch, sub))]
        bundle = client.scatter(shipping.bundle()[0], broadcast=True, hash=False)
        futures = client.map(shipping.worker_function(), [bundle] * len(tasks),
                             [shipping.task(t[2], t[3], case_homes(t[3]), batch.limits, require_bwrap)
                              for t in tasks], pure=False)
        owner = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        rows = {sub.student_id: {} for sub in remote}
        labels = {sub.student_id: [] for sub in remote}
        count = {sub.student_id: sum(t[0] is sub for t in tasks) for sub in remote}
        for future in dask_completed(futures):
            sub, i = owner[future.key][:2]
            if rows[sub.student_id] is None:  # a task of this student failed already
                continue
            try:
                result = future.result()
            except Exception as exc:  # the worker failed (not the student's code, which runs in its sandbox)
                rows[sub.student_id] = None
                yield sub, _failed(pool, exc)
                continue
            try:
                rows[sub.student_id][i], label = shipping.rows(result)
            except shipping.WorkerRefused:
                client.cancel(futures)
                raise
            labels[sub.student_id].append(label)
            if len(rows[sub.student_id]) == count[sub.student_id]:
                mine = rows[sub.student_id]
                yield sub, pool.submit(finish_remote, batch, sub, [mine[k] for k in sorted(mine)],
                                       sandbox=_weakest(labels[sub.student_id]))


def scheduler_timeout():
    """Seconds to wait for the Dask scheduler and a first worker: $CH3_SCHEDULER_TIMEOUT, else SCHEDULER_TIMEOUT."""
    value = os.environ.get(TIMEOUT_VAR, "").strip()
    try:
        return float(value) if value else SCHEDULER_TIMEOUT
    except ValueError:
        raise ValueError(f"{TIMEOUT_VAR}={value!r}: give the seconds to wait for a Dask worker, e.g. 300") from None


def _connect(scheduler, timeout):
    """A Client of ``scheduler`` once at least one worker has joined; shipping.NoWorkers after ``timeout`` s."""
    from distributed import Client

    from . import shipping

    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise shipping.NoWorkers(f"the Dask scheduler {scheduler} did not answer within {timeout:g} s ({exc}). "
                                 "Check the address and that `dask scheduler` runs there.") from exc
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise shipping.NoWorkers(
            f"no Dask worker joined the scheduler {scheduler} within {timeout:g} s, so nobody was graded there. "
            f"Start workers (`dask worker {scheduler}` on each grading machine: Python "
            f"{shipping.grader_environment()['python']} with requirements.txt and Dask installed, bubblewrap, "
            f"nothing of the course), or wait longer ({TIMEOUT_VAR}=SECONDS).") from exc
    return client


def _weakest(labels):
    """The (isolation, limits) label of a student whose runs happened on several workers: one without bwrap
    if any, so that the record never claims more isolation than every run had."""
    return next((label for label in labels if label[0] != "bwrap"), labels[0])


def _failed(pool, exc):
    def reraise():
        raise exc
    return pool.submit(reraise)
