"""``python -m grading autograde``: a whole class, graded in parallel by code the students cannot change.

The batch is a pipeline of small steps:

    plan        grade cells of every notebook (notebook order, points, autograded or manual) and hidden seeds
    intake      one clean work tree per student (grading.intake)
    expected    the reference's outputs of every hidden run, computed once, here
    per student, in parallel (a thread pool here, or Dask workers with ``--scheduler``):
      runs        the student's modules run the case probes on hidden seeds in the sandbox (grading.sandbox);
                  best_model.npz is loaded and judged in this process, never executed anywhere
      verdicts    every run judged here against the expected outputs (engine.verdict); a cell scores its points
                  when every hidden run passed, else 0
      publish     feedback pages, nbgrader gradebook, then ``results/<id>.json`` written atomically: the record
                  that makes a rerun skip this student (same input files, same plan) and resume after ``kill -9``
    report      grades.csv and the summary table, rebuilt from every record made with the same plan (so students
                graded into the same OUT_DIR by an earlier batch, late submissions say, keep their rows)

Manually graded cells (written answers) are listed in the plan but not scored here: they are left to nbgrader's
formgrader and are not part of ``total``/``max_total``.
"""
import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from utils.checks.engine import CASES, decode

from . import intake as intake_
from . import model_score
from .model_file import ModelFileError, load_model  # noqa: F401  (the grader's reader of best_model.npz)
from .model_score import model_outputs, predictions  # noqa: F401
from .notebooks import nbgrader_metadata, read_source, select_language, stable_ids
from .paths import NOTEBOOK_SOURCES, ROOT, SOLUTIONS
from .records import (  # noqa: F401  (the batch's records; tests and grading.report use them from here)
    GRADER_ERROR,
    ID_MAP,
    RECORD_VERSION,
    UNSANDBOXED,
    load_record,
    load_records,
    make_record,
    record_path,
    up_to_date,
    write_atomic,
    write_id_map,
)
from .reference import expected_outputs, hidden_seeds
from .runs import decode_remote, model_runs, module_imports, module_runs, remote_module_runs, retry_jobs  # noqa: F401
from .verdicts import (  # noqa: F401
    NOT_RUN,
    SANDBOX_STATUSES,
    TEXT,
    judge_cell,
    judge_student,
    module_of,
    notebook_problems,
    student_status,
    submitted_notebook,
)

PAGE_SECONDS = 300  # the most one student's feedback pages may take to render
log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class GradeCell:
    """A grade cell of a notebook: autograded (a case) or manual (a written answer)."""

    assignment: str
    grade_id: str
    points: float
    auto: bool

    @property
    def on_model(self):
        """Judged from best_model.npz in the grader, not run in the sandbox."""
        return self.auto and CASES[self.grade_id].reads_file


@dataclass(frozen=True)
class Plan:
    """What a batch grades: the cells in notebook order, the hidden seeds of each case, the feedback language."""

    cells: tuple
    seeds: dict
    lang: str

    @property
    def assignments(self):
        return list(dict.fromkeys(c.assignment for c in self.cells))

    @property
    def auto_cells(self):
        return [c for c in self.cells if c.auto]

    @property
    def jobs(self):
        """(grade_id, seed) of every sandbox run."""
        return [(c.grade_id, s) for c in self.auto_cells if not c.on_model for s in self.seeds[c.grade_id]]

    @property
    def max_total(self):
        return sum(c.points for c in self.auto_cells)

    @cached_property
    def key(self):
        """Hash of everything a score depends on besides the submission: cells, seeds, language, grading code."""
        h = hashlib.sha256(json.dumps([[c.__dict__ for c in self.cells], self.seeds, self.lang, RECORD_VERSION],
                                      sort_keys=True).encode())
        code = [*(SOLUTIONS / "classifiers").rglob("*.py"), *(ROOT / "utils").rglob("*.py"),
                *(ROOT / "grading").glob("*.py")]
        for path in sorted(code):
            h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        return h.hexdigest()


def grade_cells(nb, assignment):
    """GradeCells of a notebook with nbgrader metadata, in notebook order."""
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            auto = cell.cell_type == "code" and meta["grade_id"] in CASES
            out.append(GradeCell(assignment, meta["grade_id"], float(meta.get("points", 0)), auto))
    return out


def make_plan(lang="zh", only=None, sources=None, course_dir=None):
    """The Plan of the course (every notebook source in order), optionally restricted.

    Inputs:
    - lang: language of the feedback messages
    - only: None, or a collection of assignment names and/or grade_ids: the autograded cells kept (manual cells
      of the kept assignments stay listed); used to grade one assignment, and by tests to stay fast
    - sources: notebook source paths (default: solutions/notebooks/NN_*.py)
    - course_dir: the course whose secret draws the hidden seeds (default: the configured course directory)
    """
    sources = sorted(NOTEBOOK_SOURCES.glob("[0-9][0-9]_*.py")) if sources is None else sources
    cells = []
    for src in sources:
        nb = nbgrader_metadata(stable_ids(select_language(read_source(src), lang), src.stem))
        cells += grade_cells(nb, src.stem)
    if only is not None:
        only = set(only)
        unknown = only - {c.assignment for c in cells} - {c.grade_id for c in cells if c.auto}
        if unknown:
            raise ValueError(f"no assignment or autograded grade_id named {', '.join(sorted(unknown))}")
        cells = [c for c in cells if c.assignment in only or (c.auto and c.grade_id in only)]
    ids = [c.grade_id for c in cells]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate grade_id across notebooks: {sorted({i for i in ids if ids.count(i) > 1})}")
    return Plan(tuple(cells), {c.grade_id: hidden_seeds(c.grade_id, course_dir) for c in cells if c.auto}, lang)


# ----------------------------------------------------------------------------------------------- expected outputs
class Expected:
    """The reference's decoded outputs of every hidden run, computed on first use and kept for the batch."""

    def __init__(self, plan):
        self.plan = plan
        self._lock = threading.Lock()
        self._values = None

    def get(self):
        with self._lock:
            if self._values is None:
                self._values = {}
                for c in self.plan.auto_cells:
                    for seed in self.plan.seeds[c.grade_id]:
                        enc = expected_outputs(c.grade_id, seed)
                        self._values[c.grade_id, seed] = None if enc is None else decode(enc)
            return self._values


# ----------------------------------------------------------------------------------------------- one student
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
    started: dict = field(default_factory=dict)  # student_id -> time.monotonic() when their grading started
    stuck: bool = False  # the watchdog gave up on a student
    limits_text: str = ""  # grading.sandbox.limits_applied(): the isolation and the limits the kernel enforces

    @property
    def unsandboxed(self):
        return self.isolation != "bwrap"
    scoring: object = None  # grading.model_score.ModelScoring (None: its defaults)


def student_runs(batch, sub, remote=None):
    """(runs, flags): all runs of a student, the sandbox's (local, or ``remote`` rows from a Dask worker) and the
    model's, and what the model's scoring flagged for the class report."""
    if remote is not None:
        runs = decode_remote(remote)
    else:  # no tree (rejected): the sandbox says "not attempted" for every job without starting a process
        runs = module_runs(sub.tree, batch.plan.jobs, batch.limits)
    mine, flags = model_score.model_runs(sub.tree, batch.plan, batch.scoring)
    runs.update(mine)
    return runs, flags


def render_pages(pages, lang, unsandboxed=False):
    """Render feedback pages: [(notebook path or None, assignment, verdicts, out path)]. Runs in a page process."""
    from .feedback import render

    for notebook, assignment, verdicts, out in pages:
        render(notebook, assignment, verdicts, out, lang=lang, unsandboxed=unsandboxed)


def publish(batch, sub, cells):
    """Feedback pages and gradebook entries of one student, one per assignment."""
    pages, entries = [], []
    for a in batch.plan.assignments:
        mine = {c.grade_id: tuple(cells[c.grade_id]) for c in batch.plan.cells if c.assignment == a and c.auto}
        notebook = submitted_notebook(sub.tree, a)
        pages.append((notebook, a, mine, batch.out_dir / "feedback" / sub.student_id / f"{a}.html"))
        entries.append((a, {gid: v[0] for gid, v in mine.items()}, notebook))
    pending = None
    if batch.publish_feedback:
        if batch.pages is not None:
            pending = batch.pages.submit(render_pages, pages, batch.plan.lang, batch.unsandboxed)
        else:
            render_pages(pages, batch.plan.lang, batch.unsandboxed)
    if batch.publish_gradebook and batch.course_dir is not None:
        from .gradebook import record

        with tempfile.TemporaryDirectory(prefix="ch3-formgrader-") as tmp:
            for a, scores, notebook in entries:
                record(batch.course_dir, sub.student_id, a, scores,
                       notebook_path=formgrader_copy(notebook, Path(tmp) / f"{a}.ipynb"))
    if pending is not None:
        pending.result(timeout=PAGE_SECONDS)


def formgrader_copy(notebook, dest):
    """The student's notebook as the formgrader may show it (grading.untrusted.formgrader_safe), written to
    ``dest``; None or an unreadable notebook is passed on unchanged (the gradebook then shows the release)."""
    import nbformat

    from .untrusted import formgrader_safe, read_notebook

    nb = read_notebook(notebook)[0] if notebook is not None else None
    if nb is None:
        return notebook
    dest.write_text(nbformat.writes(formgrader_safe(nb)), encoding="utf-8")
    return dest


def _describe_failure(exc):
    return f"{type(exc).__name__}: {exc}"[:200] if str(exc) else type(exc).__name__


def save_record(batch, record):
    write_atomic(record_path(batch.out_dir, record["student_id"]), json.dumps(record, indent=1, sort_keys=True)
                 + "\n")
    return record


def failed_record(batch, sub, message):
    """The record of a student the grader itself failed on: 0 points, status ``grader error: ...``; a rerun
    grades them again (see up_to_date)."""
    cells = {c.grade_id: ([0.0, c.points, GRADER_ERROR, [f"{GRADER_ERROR}: {message}"]] if c.auto
                          else [None, c.points, "manual", []]) for c in batch.plan.cells}
    record = make_record(sub, batch.plan, cells, f"{GRADER_ERROR}: {message}", batch.isolation)
    return save_record(batch, record)


def finish_student(batch, sub, runs, flags=()):
    """Verdicts, scores, feedback, gradebook, and last the record (the commit point of this student).

    A failure while publishing (a feedback page, the gradebook) becomes part of the status; the record is still
    written, with the scores.
    """
    cells = judge_student(batch.plan, runs, batch.expected.get() if runs else {})
    status = student_status(sub.problems, cells, batch.plan, notebook_problems(sub.tree, batch.plan.assignments))
    try:
        publish(batch, sub, cells)
    except Exception as exc:  # noqa: BLE001  (nbconvert, the gradebook, a page process: any failure)
        status = "; ".join(r for r in (None if status == "ok" else status,
                                       f"feedback failed: {_describe_failure(exc)}") if r)
    if batch.unsandboxed:  # the CSV says it too, on every row
        status += f"; {UNSANDBOXED}"
    return save_record(batch, make_record(sub, batch.plan, cells, status, batch.isolation, flags, batch.limits_text))


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
        return failed_record(batch, sub, _describe_failure(exc))


def grade_student(batch, sub):
    """Grade one student in this process (the heavy part runs in the sandbox's child process)."""
    return guarded(batch, sub, lambda: finish_student(batch, sub, *student_runs(batch, sub)))


def module_files(sub):
    """{path: bytes} of the student's modules, shipped to a Dask worker."""
    return {rel: (sub.tree / rel).read_bytes() for rel in sub.files if rel.startswith("classifiers/")}


# ----------------------------------------------------------------------------------------------- the batch
def default_course_dir():
    """The nbgrader course directory: $CH3_COURSE_DIR, else grading/course."""
    return Path(os.environ.get("CH3_COURSE_DIR") or Path(__file__).with_name("course"))


def autograde(submissions, out_dir, workers=None, scheduler=None, lang="zh", only=None, limits=None,
              course_dir=None, progress=True, gradebook=True, feedback=True, watchdog_seconds=None, scoring=None,
              allow_unsandboxed=False):
    """Grade every submission in ``submissions`` into ``out_dir``.

    Inputs:
    - submissions: folder or zip in a layout grading.intake accepts
    - out_dir: results/, feedback/, submissions/ (the clean work trees) and grades.csv go there
    - workers: students graded at once (default: os.cpu_count())
    - scheduler: address of a Dask distributed scheduler; the sandbox runs then happen on its workers
    - lang: language of the feedback messages
    - only: restrict the autograded cells (see make_plan)
    - limits: grading.sandbox.Limits (default: its defaults)
    - course_dir: nbgrader course directory whose gradebook is updated (default: default_course_dir())
    - progress: show a progress bar
    - gradebook, feedback: update the nbgrader gradebook, write the feedback pages (off only in tests)
    - watchdog_seconds: the most one student may take in all (default: twice the sandbox's total time plus the
      pages' time); a student past it gets a ``grader error`` record and the batch goes on
    - scoring: grading.model_score.ModelScoring (default: the course's settings and secret)
    - allow_unsandboxed: grade even where bubblewrap does not work (rlimits-only fallback; every status and every
      feedback page then says so); without it such a batch raises sandbox.SandboxError before grading anyone

    Returns (records of every student graded with this plan, [(student_id, error) of students the grader failed
    on; they have no record, so a rerun retries them]).
    """
    from tqdm.auto import tqdm

    from utils import checks

    from . import report, sandbox

    if sandbox.isolation() != sandbox.BWRAP and not allow_unsandboxed:
        raise sandbox.SandboxError(
            "bubblewrap (bwrap) does not work here, so the students' code would run without isolation (see "
            "grading/README.md, 'Fallback without bubblewrap'). Grade where it works (apt-get install bubblewrap), "
            "or pass --allow-unsandboxed to grade anyway: every status and feedback page will say so.")
    checks.set_language(lang)  # the judges' messages
    out_dir = Path(out_dir)
    plan = make_plan(lang, only, course_dir=course_dir)
    subs = intake_.intake(submissions, out_dir / "submissions", assignments=plan.assignments)
    batch = Batch(plan, out_dir, Expected(plan), Path(course_dir) if course_dir else default_course_dir(),
                  limits, sandbox.isolation(), publish_feedback=feedback, publish_gradebook=gradebook,
                  scoring=scoring or model_score.ModelScoring.of_course(course_dir),
                  limits_text=sandbox.limits_applied(limits))
    todo = [s for s in subs if not up_to_date(load_record(out_dir, s.student_id), s, plan)]
    if todo:
        batch.expected.get()
    bar = tqdm(total=len(subs), initial=len(subs) - len(todo), desc="grading", unit="student", disable=not progress)
    lock = threading.Lock()

    def tick(_):
        with lock:
            bar.update()
    failures = []
    workers = workers or os.cpu_count() or 1
    # Feedback pages are the one CPU-heavy step in this process (nbconvert): a few long-lived page processes
    # render them, so that the GIL does not serialise them.
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        with contextlib.ExitStack() as stack:
            if todo and feedback:
                batch.pages = stack.enter_context(
                    ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")))
                stack.callback(_stop_stuck_pages, batch)
            futures = {}
            for sub, future in _submit_all(pool, batch, todo, scheduler):
                future.add_done_callback(tick)
                futures[future] = sub
            failures = _watch(batch, futures, watchdog_seconds or _watchdog_default(limits), tick)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a thread the watchdog gave up on is not waited for
    bar.close()
    records = load_records(out_dir, plan)
    report.write_grades(records, plan, out_dir / "grades.csv")
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
                failures.append((futures[future].student_id, _describe_failure(future.exception())))
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


def _stop_stuck_pages(batch):
    """Kill the page processes when the watchdog gave up on a student (one may render forever)."""
    if getattr(batch, "stuck", False) and batch.pages is not None:
        for proc in list(getattr(batch.pages, "_processes", {}).values()):
            proc.kill()


def _submit_all(pool, batch, todo, scheduler):
    """(student, future of its record) for every student to grade; with a scheduler the sandbox runs happen on
    the Dask cluster and each student is finished here as its runs land."""
    if not scheduler:
        for sub in todo:
            yield sub, pool.submit(grade_student, batch, sub)
        return
    from distributed import Client
    from distributed import as_completed as dask_completed

    remote = [s for s in todo if s.tree is not None and any(f.startswith("classifiers/") for f in s.files)]
    for sub in todo:
        if sub not in remote:
            yield sub, pool.submit(grade_student, batch, sub)
    if not remote:
        return
    with Client(scheduler) as client:
        futures = client.map(remote_module_runs, [module_files(s) for s in remote], [batch.plan.jobs] * len(remote),
                             [batch.limits] * len(remote), pure=False)
        owner = {f.key: s for f, s in zip(futures, remote, strict=True)}
        for future in dask_completed(futures):
            sub = owner[future.key]
            try:
                rows = future.result()
            except Exception as exc:  # the worker failed (not the student's code, which runs in its sandbox)
                yield sub, _failed(pool, exc)
                continue
            yield sub, pool.submit(finish_remote, batch, sub, rows)


def _failed(pool, exc):
    def reraise():
        raise exc
    return pool.submit(reraise)


def finish_remote(batch, sub, rows):
    """Finish a student whose sandbox runs happened on a Dask worker."""
    return guarded(batch, sub, lambda: finish_student(batch, sub, *student_runs(batch, sub, rows)))
