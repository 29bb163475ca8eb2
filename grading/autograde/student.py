"""One student of a batch: their runs (sandbox and model file), the verdicts, the published feedback and
gradebook entries, and last their record (the commit point that makes a rerun skip them).

Each assignment is graded from its own hand-in (grading.autograde.intake): one sandbox run per distinct module set,
with the jobs of the assignments that handed in that set. Assignments a student did not hand in this time get no
feedback page and no gradebook entry; their cells keep the verdicts of the student's previous record, else they
count as not attempted.

Every failure of the grader on one student becomes that student's ``grader error`` record (``guarded``), so the
batch goes on.
"""
import json
import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomic
from ..status import GRADER_ERROR, MANUAL, OK
from . import model_score
from .plan import Expected, Plan
from .records import UNSANDBOXED, carry_over, keep_cells, load_record, make_record, record_path
from .runs import decode_remote, module_runs
from .verdicts import judge_student, notebook_problems, student_status, submitted_notebook

PAGE_SECONDS = 300  # the most one student's feedback pages may take to render
log = logging.getLogger(__name__)


@dataclass
class Batch:
    """Everything shared by the students of one batch (read-only while they are graded)."""

    plan: Plan
    out_dir: Path
    expected: Expected
    course_dir: Path | None
    limits: object = None
    isolation: str = "unknown"
    publish_feedback: bool = True
    publish_gradebook: bool = True
    pages: object = None  # a process pool that renders feedback pages (None: render in this thread)
    gradebook: object = None  # a one-process pool that writes the gradebook (None: write in this thread)
    started: dict = field(default_factory=dict)  # student_id -> time.monotonic() when their grading started
    stuck: bool = False  # the watchdog gave up on a student
    limits_text: str = ""  # sandbox.limits_applied(): the isolation and the limits the kernel enforces

    @property
    def unsandboxed(self):
        return self.isolation != "bwrap"
    scoring: object = None  # grading.model_score.ModelScoring (None: its defaults)


def student_runs(batch, sub, remote=None):
    """(runs, flags): all runs of a student, the sandbox's (local, one run per :func:`module_sets` entry, or
    ``remote`` rows from Dask workers) and the model's, and what the model's scoring flagged for the class report."""
    if remote is not None:
        runs = decode_remote(remote)
    else:  # no tree (rejected): the sandbox says "not attempted" for every job without starting a process
        runs = {}
        for root, _, jobs in module_sets(batch, sub):
            runs.update(module_runs(root, jobs, batch.limits))
    mine, flags = model_score.model_runs(sub.tree, batch.plan, batch.scoring)
    runs.update(mine)
    return runs, flags


def handed_in(plan, sub):
    """The plan's assignments this submission hands in: those with a hand-in of their own when its modules came
    per assignment, else all of them."""
    return [a for a in plan.assignments if a in sub.roots or not sub.per_assignment]


def module_sets(batch, sub):
    """[(folder, files, jobs)]: one sandbox run per distinct module set of the assignments handed in.

    folder: where the modules are on disk (None: no tree), files: {``classifiers/chapter3/<module>``: bytes},
    jobs: [(grade_id, seed)] of the cells of the assignments with exactly these modules (byte for byte), in plan
    order. Without per-assignment modules: one run, the whole plan's jobs. Never empty.
    """
    plan = batch.plan
    if sub.tree is None or not sub.per_assignment:
        return [(sub.tree, module_files(sub), list(plan.jobs))]
    owner = {c.grade_id: c.assignment for c in plan.auto_cells}
    groups = {}
    for a in handed_in(plan, sub):
        files = module_files(sub, sub.roots[a])
        key = tuple(sorted(files.items()))
        groups.setdefault(key, [sub.tree / sub.roots[a], files, set()])[2].add(a)
    out = [(folder, files, [j for j in plan.jobs if owner[j[0]] in mine]) for folder, files, mine in groups.values()]
    return [entry for entry in out if entry[2]] or [(None, {}, [])]


def render_pages(pages, lang, unsandboxed=False):
    """Render feedback pages: [(notebook path or None, assignment, verdicts, out path)]. Runs in a page process."""
    from ..publish.feedback import render

    for notebook, assignment, verdicts, out in pages:
        render(notebook, assignment, verdicts, out, lang=lang, unsandboxed=unsandboxed)


def write_gradebook(course_dir, student_id, entries):
    """A student's gradebook entries, [(assignment, {grade_id: score}, submitted notebook path or None)], in one
    transaction. Runs in the gradebook process (one, so that a single writer holds the gradebook)."""
    from ..publish.gradebook import record_many
    from ..untrusted import formgrader_view

    record_many(course_dir, student_id, [(a, scores, formgrader_view(nb)) for a, scores, nb in entries])


def publish(batch, sub, cells):
    """Feedback pages and gradebook entries of one student, one per assignment handed in: rendered and written in
    the batch's page and gradebook processes at the same time (or here, one after the other, without them)."""
    pages, entries = [], []
    for a in handed_in(batch.plan, sub):
        mine = {c.grade_id: tuple(cells[c.grade_id]) for c in batch.plan.cells if c.assignment == a and c.auto}
        notebook = submitted_notebook(sub.tree, a)
        pages.append((notebook, a, mine, batch.out_dir / "feedback" / sub.student_id / f"{a}.html"))
        entries.append((a, {gid: v[0] for gid, v in mine.items()}, notebook))
    pending = []
    if batch.publish_feedback:
        pending.append(_start(batch.pages, render_pages, pages, batch.plan.lang, batch.unsandboxed))
    if batch.publish_gradebook and batch.course_dir is not None:
        pending.append(_start(batch.gradebook, write_gradebook, batch.course_dir, sub.student_id, entries))
    for future in pending:
        future.result(timeout=PAGE_SECONDS)


def _start(pool, function, *args):
    """``function(*args)`` submitted to ``pool``, or called now when there is none (a done future)."""
    if pool is not None:
        return pool.submit(function, *args)
    done = Future()
    done.set_result(function(*args))
    return done


def describe_failure(exc):
    return f"{type(exc).__name__}: {exc}"[:200] if str(exc) else type(exc).__name__


def save_record(batch, record):
    write_atomic(record_path(batch.out_dir, record["student_id"]), json.dumps(record, indent=1, sort_keys=True)
                 + "\n")
    return record


def failed_record(batch, sub, message):
    """The record of a student the grader itself failed on: 0 points, status ``grader error: ...``; a rerun
    grades them again (see up_to_date)."""
    cells = {c.grade_id: ([0.0, c.points, GRADER_ERROR, [f"{GRADER_ERROR}: {message}"]] if c.auto
                          else [None, c.points, MANUAL, []]) for c in batch.plan.cells}
    record = make_record(sub, batch.plan, cells, f"{GRADER_ERROR}: {message}", batch.isolation)
    carry_over(record, load_record(batch.out_dir, sub.student_id), handed_in(batch.plan, sub))
    return save_record(batch, record)


def finish_student(batch, sub, runs, flags=()):
    """Verdicts, scores, feedback, gradebook, and last the record (the commit point of this student).

    A failure while publishing (a feedback page, the gradebook) becomes part of the status; the record is still
    written, with the scores.
    """
    cells = judge_student(batch.plan, runs, batch.expected.get() if runs else {})
    handed = handed_in(batch.plan, sub)
    previous = load_record(batch.out_dir, sub.student_id)
    if sub.per_assignment:
        keep_cells(batch.plan, cells, previous, handed)
    status = student_status(sub.problems, cells, batch.plan, notebook_problems(sub.tree, batch.plan.assignments))
    try:
        publish(batch, sub, cells)
    except Exception as exc:  # noqa: BLE001  (nbconvert, the gradebook, a page process: any failure)
        status = "; ".join(r for r in (None if status == OK else status,
                                       f"feedback failed: {describe_failure(exc)}") if r)
    if batch.unsandboxed:  # the CSV says it too, on every row
        status += f"; {UNSANDBOXED}"
    record = make_record(sub, batch.plan, cells, status, batch.isolation, flags, batch.limits_text)
    carry_over(record, previous, handed)
    return save_record(batch, record)


def guarded(batch, sub, work):
    """``work()`` (a student's record); any exception it raises, MemoryError included, becomes that student's
    record with a ``grader error`` status, so that the batch goes on and grades.csv has their row."""
    batch.started[sub.student_id] = time.monotonic()
    try:
        return work()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        log.exception("grading %s failed", sub.student_id)
        return failed_record(batch, sub, describe_failure(exc))


def grade_student(batch, sub):
    """Grade one student in this process (the heavy part runs in the sandbox's child process)."""
    return guarded(batch, sub, lambda: finish_student(batch, sub, *student_runs(batch, sub)))


def module_files(sub, root=""):
    """{``classifiers/...``: bytes} of the student's modules in the tree's folder ``root`` ("" = the tree itself),
    shipped to a Dask worker."""
    prefix = f"{root}/" if root else ""
    return {rel[len(prefix):]: (sub.tree / rel).read_bytes() for rel in sub.files
            if rel.startswith(prefix + "classifiers/")}


def sandbox_tasks(batch, sub):
    """[(files, jobs)]: the sandbox runs one student needs, as plain data a Dask worker can run
    (grading.autograde.runs.remote_module_runs): the modules ({path: bytes}) and the jobs run with them, one entry
    per distinct module set (:func:`module_sets`)."""
    return [(files, jobs) for _, files, jobs in module_sets(batch, sub)]


def finish_remote(batch, sub, rows_per_task, sandbox=None):
    """Finish a student whose sandbox runs happened on Dask workers: ``rows_per_task`` holds the workers' rows,
    one list per :func:`sandbox_tasks` entry, in that order; ``sandbox`` the workers' (isolation, limits text),
    which the record and the feedback then show (default: the grader's)."""
    rows = [row for rows in rows_per_task for row in rows]
    if sandbox is not None:
        from dataclasses import replace

        batch = replace(batch, isolation=sandbox[0], limits_text=sandbox[1])
    return guarded(batch, sub, lambda: finish_student(batch, sub, *student_runs(batch, sub, rows)))
