"""Our scores into nbgrader's gradebook, so that the formgrader shows the numbers of grades.csv.

``record`` is what nbgrader's autograde would leave behind for one submission (a student, a submission, an
``auto_score`` per autograded cell, ``autograded/<student>/<assignment>/`` with the notebook and the
``timestamp.txt`` and ``submission_secret.txt`` of nbgrader's collect), except that the scores come from our trusted
grader instead of from executing the notebook. Written answers stay for manual grading.

``manual_grades`` reads back what graders entered in the formgrader for the written answers. Handing our feedback
pages to nbgrader's exchange is grading/publish/release_feedback.py.
"""
import contextlib
import threading
from pathlib import Path

import nbformat

from ..atomic import write_atomic
from ..config import COURSE_ID, GRADEBOOK_URL_ENV, gradebook_exists, gradebook_url, shown_url
from ..facts import STUDENT_ID
from ..untrusted import normalize_ids, read_notebook, safe_outputs

_LOCK = threading.Lock()  # one writer at a time in this process: sqlite, and the autograded/ files
# What nbgrader's submit writes next to the notebooks and its release_feedback reads from feedback/ (which its
# generate_feedback copies from autograded/): when the student submitted, and the secret that names the feedback
# file in the exchange.
SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


class GradebookError(RuntimeError):
    """The course directory cannot take this record (no gradebook, unknown assignment or grade cell)."""


def _check_id(kind, value):
    if not isinstance(value, str) or not STUDENT_ID.fullmatch(value):
        raise ValueError(f"unusable {kind} {value!r}: letters, digits and ._- only (at most 64), not starting with a "
                         "dot")


def submission_stamp(folder):
    """The timestamp.txt text of a submission folder (``submitted/`` or ``autograded/<student>/<assignment>``),
    or None."""
    path = folder / "timestamp.txt"
    if path.is_file() and not path.is_symlink():
        return path.read_text(encoding="utf-8", errors="replace").strip() or None
    return None


def _submitted_timestamp(root, student_id, assignment):
    """The timestamp nbgrader's collect wrote for this submission, if the course directory holds one.

    The formgrader treats a submission as autograded only when the gradebook's timestamp equals this one.
    """
    return submission_stamp(root / "submitted" / student_id / assignment)


def _set_scores(gb, assignment, student_id, scores):
    """Set the auto_score of the cells in ``scores``; every other grade (manual ones included) is left as it is."""
    submission = gb.find_submission(assignment, student_id)
    grades = {grade.name: grade for notebook in submission.notebooks for grade in notebook.grades}
    manual = {cell.name for notebook in submission.assignment.notebooks for cell in notebook.solution_cells}
    autograded = {name for name, grade in grades.items()
                  if name not in manual and getattr(grade.cell, "cell_type", None) == "code"}
    unknown = set(scores) - autograded
    if unknown:
        raise GradebookError(f"{assignment} has no autograded cell {sorted(unknown)}")
    new = {name: float(score) for name, score in scores.items()}
    for name, score in new.items():
        if not 0.0 <= score <= grades[name].max_score:
            raise ValueError(f"{name}: score {score} outside 0..{grades[name].max_score}")
    for name, grade in grades.items():
        if name in new:
            grade.auto_score = new[name]
            # As nbgrader's SaveAutoGrades: a grader's override is flagged for review.
            grade.needs_manual_grade = grade.manual_score is not None
        elif name not in autograded and grade.manual_score is None and grade.auto_score is None:
            grade.needs_manual_grade = True
    gb.db.commit()


def _formgrader_notebook(nb, root, student_id, assignment, db_url):
    """The submitted notebook as the formgrader should show it: safe outputs, grade cells restored by nbgrader."""
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    for cell in nb.cells:
        keep = {k: cell.metadata[k] for k in ("nbgrader", "deletable", "editable") if k in cell.metadata}
        cell.metadata = nbformat.from_dict(keep)
        cell.pop("attachments", None)
        if cell.cell_type == "code":
            cell.outputs = safe_outputs(cell.get("outputs"))
    resources = {"nbgrader": {"notebook": assignment, "assignment": assignment, "student": student_id,
                              "db_url": db_url}}
    steps = (DeduplicateIds(), OverwriteKernelspec(), OverwriteCells(add_missing_cells=True),
             ClearHiddenTests(enforce_metadata=False), CheckCellMetadata())
    for step in steps:
        nb, resources = step.preprocess(nb, resources)
    nbformat.validate(normalize_ids(nb))
    return nb


def _write_autograded(root, student_id, assignment, notebook_path, db_url):
    """autograded/<student>/<assignment>/<assignment>.ipynb: the submission, or the release notebook instead."""
    nb, _reason = read_notebook(notebook_path) if notebook_path is not None else (None, "no notebook")
    if nb is not None:
        try:
            nb = _formgrader_notebook(nb, root, student_id, assignment, db_url)
        except Exception:  # a notebook nbgrader cannot reconcile with the source: show the release instead
            nb = None
    if nb is None:
        nb = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    folder = root / "autograded" / student_id / assignment
    write_atomic(folder / f"{assignment}.ipynb", nbformat.writes(nb) + "\n", mode=0o644, durable=False)
    _copy_submission_files(root / "submitted" / student_id / assignment, folder)


def _copy_submission_files(src, dest):
    """timestamp.txt and submission_secret.txt of nbgrader's collect, into ``dest``; stale copies removed."""
    for name in SUBMISSION_FILES:
        path = src / name
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= 4096:
            write_atomic(dest / name, path.read_text(encoding="utf-8", errors="replace"), mode=0o644, durable=False)
        elif (dest / name).is_file():
            (dest / name).unlink()  # from an earlier submission: it must not name this one's feedback


def record(course_dir, student_id, assignment, scores, notebook_path=None):
    """Record one graded submission: ``record_many(course_dir, student_id, [(assignment, scores, notebook_path)])``."""
    record_many(course_dir, student_id, [(assignment, scores, notebook_path)])


def record_many(course_dir, student_id, entries):
    """Record a student's graded submissions in the course's gradebook, in one transaction, and write their
    autograded/ folders.

    Safe to call from several threads of one process, and idempotent: the same call twice leaves the same state.
    One gradebook connection serves the whole call (nbgrader's preprocessors included, see _sharing); when any
    entry fails, none of the student's scores is written.

    Inputs:
    - course_dir: the course directory (built by ``python -m grading build``)
    - student_id: id (letters, digits, ``._@-``)
    - entries: [(assignment, scores, notebook_path)]: the assignment's id; {grade_id: points} of its autograded
      cells (a cell not listed keeps its current grade, so a partial regrade touches only its cells); the notebook
      the student submitted, or None

    Raises GradebookError when the course has no gradebook, no such assignment, or a grade_id is unknown.
    """
    from nbgrader.api import Gradebook, MissingEntry

    _check_id("student id", student_id)
    for assignment, _, _ in entries:
        _check_id("assignment", assignment)
    root = Path(course_dir).resolve()
    url = gradebook_url(root)
    with _LOCK:
        if not gradebook_exists(url):
            raise GradebookError(f"the gradebook {shown_url(url)} does not exist: run `python -m grading build` first "
                                 f"(with the same {GRADEBOOK_URL_ENV}, if set)")
        with Gradebook(url, course_id=COURSE_ID) as gb:
            for assignment, _, _ in entries:
                try:
                    gb.find_assignment(assignment)
                except MissingEntry as exc:
                    raise GradebookError(f"the gradebook {shown_url(url)} has no assignment {assignment!r}: run "
                                         f"`python -m grading build` (with the same {GRADEBOOK_URL_ENV}, if set)"
                                         ) from exc
            with _one_transaction(gb):
                gb.update_or_create_student(student_id)
                for assignment, scores, _ in entries:
                    timestamp = _submitted_timestamp(root, student_id, assignment)
                    extra = {"timestamp": timestamp} if timestamp else {}
                    try:
                        gb.find_submission(assignment, student_id)
                    except MissingEntry:
                        with gb.db.no_autoflush:  # else nbgrader's add_submission autoflushes half-built rows
                            gb.add_submission(assignment, student_id, **extra)
                    else:
                        gb.update_or_create_submission(assignment, student_id, **extra)
                    _set_scores(gb, assignment, student_id, scores)
            with _sharing(gb):
                for assignment, _, notebook_path in entries:
                    _write_autograded(root, student_id, assignment, notebook_path, url)


@contextlib.contextmanager
def _one_transaction(gb):
    """nbgrader's gradebook methods commit after each change; inside this block they only flush, and the block
    commits once at its end (or rolls everything back when it raises)."""
    session = gb.db
    session.commit = session.flush  # an attribute of this scoped_session only, removed below
    try:
        yield
    except BaseException:
        del session.commit
        session.rollback()
        raise
    del session.commit
    session.commit()


@contextlib.contextmanager
def _sharing(gb):
    """nbgrader's OverwriteCells and OverwriteKernelspec open a Gradebook of their own for every notebook (a new
    database engine each, whose statements are compiled again); within this block (under _LOCK, the only place
    in this process that runs them) they are handed ``gb`` instead."""
    from nbgrader.preprocessors import overwritecells, overwritekernelspec

    modules = (overwritecells, overwritekernelspec)
    saved = [m.Gradebook for m in modules]
    gb.close = lambda: None  # theirs to use in a with block, only ours to close
    for m in modules:
        m.Gradebook = lambda *args, **kwargs: gb
    try:
        yield
    finally:
        del gb.close
        for m, original in zip(modules, saved, strict=True):
            m.Gradebook = original


def manual_grades(course_dir, cells, student_ids):
    """What graders entered in the formgrader for the manually graded cells: scores and comments.

    Inputs:
    - course_dir: the nbgrader course directory
    - cells: [(assignment, grade_id)] of manually graded cells (written answers)
    - student_ids: the students to look up

    Returns:
    - {student_id: {grade_id: (manual score or None while ungraded, the grader's comment or "")}}; a student or
      an assignment without a submission in the gradebook gives (None, "") for its cells. {} when the course has
      no gradebook.
    """
    from nbgrader.api import Gradebook, MissingEntry

    url = gradebook_url(Path(course_dir).resolve())
    out = {sid: {gid: (None, "") for _, gid in cells} for sid in student_ids}
    if not cells or not gradebook_exists(url):
        return out
    by_assignment = {}
    for assignment, gid in cells:
        by_assignment.setdefault(assignment, []).append(gid)
    with _LOCK, Gradebook(url, course_id=COURSE_ID) as gb:
        for sid in student_ids:
            for assignment, gids in by_assignment.items():
                try:
                    submission = gb.find_submission(assignment, sid)
                except MissingEntry:
                    continue
                grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
                comments = {c.name: c for nb in submission.notebooks for c in nb.comments}
                for gid in gids:
                    grade, comment = grades.get(gid), comments.get(gid)
                    score = grade.manual_score if grade is not None else None
                    out[sid][gid] = (score, (comment.manual_comment or "") if comment is not None else "")
    return out
