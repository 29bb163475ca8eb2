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
import io
import json
import logging
import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from utils.checks.engine import CASES, ERROR, FAILED, NOT_ATTEMPTED, PASSED, Result, decode, encode, to_plain, verdict

from utils.checks.messages import report as case_report

from . import intake as intake_
from . import model_score, verify
from .hidden import hidden_report, hidden_sandbox_error
from .model_file import ModelFileError, load_model  # noqa: F401  (the grader's reader of best_model.npz)
from .model_score import model_outputs, predictions  # noqa: F401
from .notebooks import nbgrader_metadata, read_source, select_language, stable_ids
from .paths import NOTEBOOK_SOURCES, ROOT, SOLUTIONS
from .reference import expected_outputs, hidden_seeds, reference_module

SANDBOX_STATUSES = ("timeout", "memory", "crash", "invalid output")  # from grading.sandbox, besides the engine's
NOT_RUN = "not run"  # the sandbox gave up on a case because of what other cases did (see judge_cell)
RECORD_VERSION = 2
UNSANDBOXED = "unsandboxed (rlimits-only)"
GRADER_ERROR = "grader error"  # the status of a student the grader itself failed on (retried by a rerun)
PAGE_SECONDS = 300  # the most one student's feedback pages may take to render
log = logging.getLogger(__name__)

TEXT = {
    "en": {
        "timeout": "✘ {grade_id}: {target} did not finish in time (an endless loop, or far too slow).",
        "memory": "✘ {grade_id}: {target} used more memory than allowed.",
        "crash": "✘ {grade_id}: the process running {target} crashed ({error}).",
        "invalid output": "✘ {grade_id}: {target} produced output the grader cannot read ({error}).",
        "manual": "{grade_id}: graded by hand in the formgrader.",
        "not run": "✘ {grade_id}: {target} was not run ({error}).",
    },
    "zh": {
        "timeout": "✘ {grade_id}:{target} 没有在限定时间内结束(死循环,或太慢)。",
        "memory": "✘ {grade_id}:{target} 使用的内存超过了上限。",
        "crash": "✘ {grade_id}:运行 {target} 的进程崩溃了({error})。",
        "invalid output": "✘ {grade_id}:{target} 的输出无法被评分程序读取({error})。",
        "manual": "{grade_id}:由教师在 formgrader 中人工评分。",
        "not run": "✘ {grade_id}:{target} 没有被运行({error})。",
    },
}


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


# ----------------------------------------------------------------------------------------------- runs
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


def _skipped(result):
    return result.status in SANDBOX_STATUSES and result.error.startswith("not run:")


def retry_jobs(runs):
    """Jobs skipped for lack of restarts or time whose module does not depend on a module that failed."""
    failed = {gid for (gid, _), r in runs.items() if r.status in SANDBOX_STATUSES and not _skipped(r)}
    bad = {module_of(CASES[gid].target) for gid in failed}
    return [job for job, r in runs.items() if _skipped(r) and job[0] not in failed
            and not (module_imports(module_of(CASES[job[0]].target)) & bad)]


@cache
def module_imports(module):
    """The reference modules ``module`` ("fc_net.py") imports, directly or not, itself included."""
    import ast

    from .paths import REFERENCE_PACKAGE
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
    Returns plain data: [[grade_id, seed, status, encoded outputs, error, warnings], ...].
    """
    with tempfile.TemporaryDirectory(prefix="ch3-grade-") as tmp:
        for rel, data in files.items():
            dest = Path(tmp) / rel
            if ".." in Path(rel).parts or not rel.startswith("classifiers/"):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        runs = module_runs(tmp, [tuple(j) for j in jobs], limits)
    return [[gid, seed, r.status, encode(r.outputs), r.error, list(r.warnings)] for (gid, seed), r in runs.items()]


def decode_remote(rows):
    """{(grade_id, seed): Result} from :func:`remote_module_runs`' plain data (parsed strictly)."""
    out = {}
    for gid, seed, status, outputs, error, notes in rows:
        try:
            out[gid, seed] = Result(status, decode(outputs), str(error), [str(n) for n in notes])
        except ValueError as exc:
            out[gid, seed] = Result("invalid output", error=str(exc)[:200])
    return out


def model_runs(tree, plan, scoring=None):
    """{(grade_id, seed): Result} of the cells judged from best_model.npz (grading.model_score)."""
    return model_score.model_runs(tree, plan, scoring)[0]


# ----------------------------------------------------------------------------------------------- verdicts
@cache
def module_of(target):
    """The student module file that defines ``target`` ("fc_net.py"), or None."""
    obj = getattr(reference_module(), target.split(".")[0], None)
    name = getattr(obj, "__module__", "") or ""
    return name.rpartition(".")[2] + ".py" if name.startswith("reference_classifiers.chapter3.") else None


def _consequential(status, result):
    """A sandbox status that is the consequence of another case (restarts or time used up), not this run's own."""
    return status in SANDBOX_STATUSES and result.error.startswith("not run:")


def judge_cell(cell, runs, expected, lang):
    """(score, status, message lines) of one autograded cell from its hidden runs ({seed: Result}, in run order).

    The status and message are those of the first run that did not pass, preferring a run's own failure to a
    run the sandbox skipped because of it (status "not run").
    """
    case_ = CASES[cell.grade_id]
    bad = []
    for seed, result in runs.items():
        if result.status in SANDBOX_STATUSES:
            status, problems = result.status, []
        elif result.status in (PASSED, NOT_ATTEMPTED, ERROR):
            try:
                extra = []
                if result.status == PASSED and verify.verified(cell.grade_id):
                    outputs, extra = verify.verify(cell.grade_id, result.outputs, seed)
                    result = Result(PASSED, outputs, result.error, result.warnings)
                status, problems = verdict(case_, result, expected.get((cell.grade_id, seed)), seed)
                if extra:
                    status, problems = FAILED, problems + [("judge", {"text": text}) for text in extra]
            except Exception as exc:  # a judge that chokes on odd outputs must not stop the batch
                status, problems = "invalid output", []
                result = Result("invalid output", error=f"{type(exc).__name__}: {exc}"[:200])
        else:
            status, problems = "invalid output", []
            result = Result("invalid output", error=f"unknown status {result.status!r}"[:200])
        if status != PASSED:
            bad.append((status, problems, result))
    if not runs:
        bad.append((NOT_ATTEMPTED, [], Result(NOT_ATTEMPTED)))
    if not bad:
        return cell.points, PASSED, [f"✔ {cell.grade_id}: " + ("all hidden checks passed." if lang == "en"
                                                                   else "所有隐藏测试均通过。")]
    status, problems, result = next((b for b in bad if not _consequential(b[0], b[2])), bad[0])
    if _consequential(status, result):
        status = NOT_RUN
    if status in (*SANDBOX_STATUSES, NOT_RUN):
        lines = [TEXT[lang][status].format(grade_id=cell.grade_id, target=case_.target,
                                           error=hidden_sandbox_error(result.error))]
    elif cell.on_model:  # judged here from the file: every message is the grader's own
        lines = case_report(lang, case_, status, problems, result.error, result.warnings)
    else:  # every run here is hidden: the kind of failure, never its values or inputs (grading.hidden)
        lines = hidden_report(lang, case_, status, problems, result.error, result.warnings)
    return 0.0, status, lines


def judge_student(plan, runs, expected_values):
    """{grade_id: [score, points, status, lines]} of every cell of the plan (manual cells: score None)."""
    cells = {}
    for c in plan.cells:
        if not c.auto:
            cells[c.grade_id] = [None, c.points, "manual", [TEXT[plan.lang]["manual"].format(grade_id=c.grade_id)]]
            continue
        mine = {seed: runs[c.grade_id, seed] for seed in plan.seeds[c.grade_id] if (c.grade_id, seed) in runs}
        score, status, lines = judge_cell(c, mine, expected_values, plan.lang)
        cells[c.grade_id] = [score, c.points, status, lines]
    return cells


def notebook_problems(tree, assignments):
    """["invalid notebook: NAME", ...] for the submitted notebooks that cannot be read; a missing one is not a
    problem (not done). The notebook only feeds the feedback page and the formgrader: it costs no module points.
    """
    from .untrusted import read_notebook

    return [f"invalid notebook: {a}" for a in assignments
            if (path := submitted_notebook(tree, a)) is not None and read_notebook(path)[0] is None]


def student_status(sub_problems, cells, plan, nb_problems):
    """The status column: "ok" or the reasons, most serious first, joined by "; ".

    A sandbox status (timeout, memory, crash, invalid output) is named once, with the module of the first cell
    (in notebook order) that had it: an endless loop in layers.py times out every case that calls it, and the
    first of them points at the culprit.
    """
    reasons, seen = list(sub_problems), set()
    for c in plan.auto_cells:
        status = cells[c.grade_id][2]
        if status in SANDBOX_STATUSES and status not in seen:
            seen.add(status)
            module = module_of(CASES[c.grade_id].target)
            reasons.append(f"{status} in {module}" if module else status)
    reasons += nb_problems
    return "; ".join(reasons) or "ok"


# ----------------------------------------------------------------------------------------------- records
def write_atomic(path, text):
    """Write ``text`` so that ``path`` holds either its old content or all of the new one, even after kill -9."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record_path(out_dir, student_id):
    return Path(out_dir) / "results" / f"{student_id}.json"


def load_record(out_dir, student_id):
    """The stored record of a student, or None (absent or unreadable)."""
    try:
        return json.loads(record_path(out_dir, student_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_records(out_dir, plan):
    """Every record in ``out_dir/results`` made with this plan, sorted by student_id."""
    records = []
    for path in sorted((Path(out_dir) / "results").glob("*.json")):
        record = load_record(out_dir, path.stem)
        if record and record.get("plan") == plan.key:
            records.append(record)
    return sorted(records, key=lambda r: r["student_id"])


def up_to_date(record, sub, plan):
    """A record that makes a rerun skip this student: same files, same plan, and not a grader failure."""
    return (bool(record) and record.get("digest") == sub.digest and record.get("plan") == plan.key
            and not str(record.get("status", "")).startswith(GRADER_ERROR))


def make_record(sub, plan, cells, status, isolation, flags=(), limits_text=""):
    auto = [c for c in plan.auto_cells]
    return {
        "student_id": sub.student_id,
        "digest": sub.digest,
        "plan": plan.key,
        "status": status,
        "scores": {c.grade_id: cells[c.grade_id][0] for c in auto},
        "total": sum(cells[c.grade_id][0] for c in auto),
        "max_total": plan.max_total,
        "cells": cells,
        "files": sub.files,
        "notes": sub.notes,
        "name": sub.name or sub.student_id,  # the folder or zip name the student's work came under
        "sandbox": isolation,
        "limits": limits_text,
        "flags": list(flags),
    }


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


def submitted_notebook(tree, assignment):
    """Path of the notebook the student handed in for ``assignment``, or None."""
    path = Path(tree) / "assignments" / assignment / f"{assignment}.ipynb" if tree else None
    return path if path is not None and path.is_file() else None


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
ID_MAP = "student_ids.csv"


def write_id_map(records, path):
    """``student_ids.csv``: student_id, the name the submission came under (李雷, "Ada Lovelace", ...), status; one
    row per record, so that a mapped id is always traced back to its student."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student_id", "name", "status"])
    for record in sorted(records, key=lambda r: r["student_id"]):
        writer.writerow([record["student_id"], record.get("name", record["student_id"]), record["status"]])
    write_atomic(path, buf.getvalue())


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
