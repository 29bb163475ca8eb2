"""Our scores into nbgrader's gradebook, so that the formgrader shows the numbers of grades.csv.

``record`` is what nbgrader's autograde would leave behind for one submission (a student, a submission, an
``auto_score`` per autograded cell, ``autograded/<student>/<assignment>/`` with the notebook and the
``timestamp.txt`` and ``submission_secret.txt`` of nbgrader's collect), except that the scores come from our trusted
grader instead of from executing the notebook. Written answers stay for manual grading.

``manual_grades`` reads back what graders entered in the formgrader for the written answers. Handing our feedback
pages to nbgrader's exchange is grading/publish/release_feedback.py.
"""
import threading
from pathlib import Path

import nbformat

from ..atomic import write_atomic
from ..config import COURSE_ID, GRADEBOOK_URL_ENV, gradebook_exists, gradebook_url, shown_url
from ..facts import STUDENT_ID
from ..untrusted import normalize_ids, read_notebook, safe_outputs
from .gradebook_session import Definitions, one_transaction, open_gradebook, sharing

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


def _submissions(gb, student_id, assignments):
    """{assignment: the student's SubmittedAssignment} of those the gradebook has, in one query."""
    from nbgrader.api import Assignment, SubmittedAssignment

    found = (gb.db.query(SubmittedAssignment).join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
             .filter(SubmittedAssignment.student_id == student_id, Assignment.name.in_(sorted(assignments))).all())
    return {submission.assignment.name: submission for submission in found}


def _grades(gb, submissions, added):
    """{submission id: {cell name: Grade}} of these submissions: those just ``added`` from the session, the others
    in one query (not through their SubmittedNotebooks, whose load computes nbgrader's scores in SQL)."""
    from nbgrader.api import Grade, SubmittedNotebook

    out = {s.id: {g.name: g for nb in s.notebooks for g in nb.grades} for s in added}
    others = {submission.id: {} for submission in submissions if submission.id not in out}
    if others:
        for grade, submission_id in (gb.db.query(Grade, SubmittedNotebook.assignment_id)
                                     .join(SubmittedNotebook, SubmittedNotebook.id == Grade.notebook_id)
                                     .filter(SubmittedNotebook.assignment_id.in_(sorted(others)))):
            others[submission_id][grade.name] = grade
    return out | others


def _set_scores(gb, submission, grades, scores):
    """Set the auto_score of the cells in ``scores`` ({cell name: points}) among the submission's ``grades``
    ({cell name: Grade}); every other grade (manual ones included) is left as it is."""
    manual = {cell.name for notebook in submission.assignment.notebooks for cell in notebook.solution_cells}
    autograded = {name for name, grade in grades.items()
                  if name not in manual and getattr(grade.cell, "cell_type", None) == "code"}
    unknown = set(scores) - autograded
    if unknown:
        raise GradebookError(f"{submission.assignment.name} has no autograded cell {sorted(unknown)}")
    new = {name: float(score) for name, score in scores.items()}
    for name, score in new.items():
        top = grades[name].cell.max_score  # a code grade cell's (Grade.max_score would query it per grade)
        if not 0.0 <= score <= top:
            raise ValueError(f"{name}: score {score} outside 0..{top}")
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
    from nbgrader import preprocessors as pre

    for cell in nb.cells:
        keep = {k: cell.metadata[k] for k in ("nbgrader", "deletable", "editable") if k in cell.metadata}
        cell.metadata = nbformat.from_dict(keep)
        cell.pop("attachments", None)
        if cell.cell_type == "code":
            cell.outputs = safe_outputs(cell.get("outputs"))
    resources = {"nbgrader": {"notebook": assignment, "assignment": assignment, "student": student_id,
                              "db_url": db_url}}
    steps = (pre.DeduplicateIds(), pre.OverwriteKernelspec(), pre.OverwriteCells(add_missing_cells=True),
             pre.ClearHiddenTests(enforce_metadata=False), pre.CheckCellMetadata())
    for step in steps:
        nb, resources = step.preprocess(nb, resources)
    nbformat.validate(normalize_ids(nb))
    return nb


def _write_autograded(root, student_id, assignment, notebook, db_url):
    """autograded/<student>/<assignment>/<assignment>.ipynb: the submission, or the release notebook instead.

    ``notebook``: a path, None, or the notebook already read (a NotebookNode, which this changes)."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else (
        read_notebook(notebook)[0] if notebook is not None else None)
    if nb is not None:
        try:
            nb = _formgrader_notebook(nb, root, student_id, assignment, db_url)
        except Exception:  # a notebook nbgrader cannot reconcile with the source: show the release instead
            nb = None
    if nb is None:
        nb = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    folder = root / "autograded" / student_id / assignment
    # nbformat.writes without its second validation, which only logs (the notebook was validated above)
    write_atomic(folder / f"{assignment}.ipynb", nbformat.v4.writes(nb) + "\n", mode=0o644, durable=False)
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
    One gradebook connection serves the whole call (nbgrader's preprocessors included, see
    grading.publish.gradebook_session); when any entry fails, none of the student's scores is written.

    Inputs:
    - course_dir: the course directory (built by ``python -m grading build``)
    - student_id: id (letters, digits, ``._@-``)
    - entries: [(assignment, scores, notebook)]: the assignment's id; {grade_id: points} of its autograded
      cells (a cell not listed keeps its current grade, so a partial regrade touches only its cells); the notebook
      the student submitted (its path, or the NotebookNode grading.untrusted.formgrader_view read, which this
      then changes), or None

    Raises GradebookError when the course has no gradebook, no such assignment, or a grade_id is unknown.
    """
    _check_id("student id", student_id)
    for assignment, _, _ in entries:
        _check_id("assignment", assignment)
    root = Path(course_dir).resolve()
    url = gradebook_url(root)
    with _LOCK:
        if not gradebook_exists(url):
            raise GradebookError(f"the gradebook {shown_url(url)} does not exist: run `python -m grading build` first "
                                 f"(with the same {GRADEBOOK_URL_ENV}, if set)")
        with open_gradebook(url) as gb:
            definitions = Definitions(gb, [assignment for assignment, _, _ in entries])
            for assignment, _, _ in entries:
                if assignment not in definitions.assignments:
                    raise GradebookError(f"the gradebook {shown_url(url)} has no assignment {assignment!r}: run "
                                         f"`python -m grading build` (with the same {GRADEBOOK_URL_ENV}, if set)")
            with one_transaction(gb):
                gb.update_or_create_student(student_id)
                submissions, added = _submissions(gb, student_id, definitions.assignments), []
                for assignment, _, _ in entries:
                    timestamp = _submitted_timestamp(root, student_id, assignment)
                    extra = {"timestamp": timestamp} if timestamp else {}
                    if assignment not in submissions:
                        with gb.db.no_autoflush:  # else nbgrader's add_submission autoflushes half-built rows
                            submissions[assignment] = gb.add_submission(assignment, student_id, **extra)
                        added.append(submissions[assignment])
                    elif extra:
                        gb.update_or_create_submission(assignment, student_id, **extra)
                grades = _grades(gb, submissions.values(), added)
                for assignment, scores, _ in entries:
                    _set_scores(gb, submissions[assignment], grades[submissions[assignment].id], scores)
            with sharing(definitions):
                for assignment, _, notebook in entries:
                    _write_autograded(root, student_id, assignment, notebook, url)


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
    from nbgrader.api import Gradebook

    url = gradebook_url(Path(course_dir).resolve())
    out = {sid: {gid: (None, "") for _, gid in cells} for sid in student_ids}
    if not cells or not gradebook_exists(url):
        return out
    wanted = set(cells)
    with _LOCK, Gradebook(url, course_id=COURSE_ID) as gb:
        scores, comments = [_entered(gb, kind, cells) for kind in ("grade", "comment")]
    for (sid, assignment, gid), score in scores.items():
        if sid in out and (assignment, gid) in wanted:
            out[sid][gid] = (score, out[sid][gid][1])
    for (sid, assignment, gid), comment in comments.items():
        if sid in out and (assignment, gid) in wanted:
            out[sid][gid] = (out[sid][gid][0], comment or "")
    return out


def _entered(gb, kind, cells):
    """{(student_id, assignment, cell name): manual_score of each Grade (``kind`` "grade") or manual_comment of each
    Comment ("comment")} of these [(assignment, cell name)] (and of cells of the same names in other assignments of
    the list) in every submission, in one query: per student it would be one per submission and two per notebook."""
    from nbgrader.api import Assignment, BaseCell, Comment, Grade, SubmittedAssignment, SubmittedNotebook

    entry, value = (Grade, Grade.manual_score) if kind == "grade" else (Comment, Comment.manual_comment)
    rows = (gb.db.query(SubmittedAssignment.student_id, Assignment.name, BaseCell.name, value)
            .select_from(entry)
            .join(SubmittedNotebook, SubmittedNotebook.id == entry.notebook_id)
            .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
            .join(BaseCell, BaseCell.id == entry.cell_id)
            .filter(Assignment.name.in_(sorted({a for a, _ in cells})),
                    BaseCell.name.in_(sorted({g for _, g in cells}))))
    return {(sid, assignment, name): v for sid, assignment, name, v in rows}
