"""``python -m grading release-feedback``: our feedback pages into nbgrader's exchange, where students' Fetch
Feedback finds them (instead of nbgrader's own pages).

Each page is rendered again from the autograde's record with the scores and comments graders gave the written
answers in the formgrader (read from the gradebook by grading.publish.gradebook.manual_grades), then
``nbgrader release_feedback`` puts it into the exchange.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..autograde.plan import make_plan
from ..build import release_notebook
from ..build.course import course_language
from ..config import load_config
from .feedback import PASSED, TEXT, render
from .gradebook import SUBMISSION_FILES, GradebookError, _check_id, manual_grades, submission_stamp


def feedback_to_release(course_dir, out_dir, assignment, students=None):
    """Which of our pages of ``assignment`` can go through nbgrader's exchange, and why the others cannot.

    A page ``OUT_DIR/feedback/<student>/<assignment>.html`` goes when the student's ``autograded/`` folder holds the
    timestamp and secret of the submission nbgrader collected last (so the page is the verdict on that submission).

    Returns:
    - ([(student id, page path, autograded folder)], [(student id, reason)]), both sorted by student id
    """
    root, out = Path(course_dir).resolve(), Path(out_dir)
    graded = {p.parent.name for p in (out / "feedback").glob(f"*/{assignment}.html")}
    collected = {p.parent.name for p in (root / "submitted").glob(f"*/{assignment}") if p.is_dir()}
    wanted = sorted(set(students) if students else graded | collected)
    ready, skipped = [], []
    for sid in wanted:
        page, folder = out / "feedback" / sid / f"{assignment}.html", root / "autograded" / sid / assignment
        stamp = submission_stamp(folder)
        if sid not in collected:
            skipped.append((sid, "no submission collected through nbgrader's exchange"))
        elif not page.is_file():
            skipped.append((sid, f"no feedback page {page}: run python -m grading autograde first"))
        elif stamp is None or not (folder / "submission_secret.txt").is_file():
            skipped.append((sid, f"{folder} has no timestamp.txt/submission_secret.txt: grade the collected "
                                 "submitted/ tree with python -m grading autograde"))
        elif stamp != submission_stamp(root / "submitted" / sid / assignment):
            skipped.append((sid, "collected again since it was graded: run python -m grading autograde first"))
        else:
            ready.append((sid, page, folder))
    return ready, skipped


def release_feedback(course_dir, out_dir, assignment, students=None):
    """Release our feedback pages of ``assignment`` through nbgrader's exchange.

    Each ready page (see feedback_to_release) goes with the submission's timestamp.txt and submission_secret.txt
    into nbgrader's feedback folder, ``feedback/<student>/<assignment>/<assignment>.html``: rendered again from the
    autograde's record (``OUT_DIR/results/<student>.json``) and the collected notebook, in the course's language,
    with the scores and comments graders gave the written answers in the formgrader (the autograde's page as it is
    when the record lacks a cell). Then ``nbgrader release_feedback <assignment>`` runs in the course directory
    (so it reads the course's and the hub's nbgrader_config.py, exchange included) for exactly those students: it
    puts each page into the exchange under the name a student's Fetch Feedback looks for (a hash of the secret and
    the notebook's name).

    Inputs:
    - course_dir: the nbgrader course directory; out_dir: the ``--out`` folder of ``python -m grading autograde``
    - assignment: assignment id; students: ids to release (default: every student with a page or a submission)

    Returns:
    - (released student ids, [(student id, reason not released)], nbgrader's output)

    Raises GradebookError when nbgrader's release_feedback fails.
    """
    from nbgrader.coursedir import CourseDirectory

    _check_id("assignment", assignment)
    root = Path(course_dir).resolve()
    ready, skipped = feedback_to_release(root, out_dir, assignment, students)
    if not ready:
        return [], skipped, ""
    coursedir = CourseDirectory(config=load_config(root))
    lang, cells = _page_plan(root, assignment)
    manual = manual_grades(root, [(assignment, c.grade_id) for c in cells if not c.auto], [sid for sid, _, _ in ready])
    for sid, page, folder in ready:
        _check_id("student id", sid)
        dest = Path(coursedir.format_path(coursedir.feedback_directory, sid, assignment))
        dest.mkdir(parents=True, exist_ok=True)
        for name in SUBMISSION_FILES:
            shutil.copyfile(folder / name, dest / name)
        if not _render_with_manual_grades(root, out_dir, sid, assignment, (lang, cells), manual[sid], dest):
            shutil.copyfile(page, dest / f"{assignment}.html")
    released = [sid for sid, _, _ in ready]
    in_feedback = glob.glob(coursedir.format_path(coursedir.feedback_directory, "*", assignment))
    others = sorted({Path(folder).parent.name for folder in in_feedback} - set(released))
    command = [sys.executable, "-m", "nbgrader", "release_feedback", assignment]
    if others:  # pages nbgrader's generate_feedback left there: not ours, not released by this command
        command.append(f"--CourseDirectory.student_id_exclude={','.join(others)}")
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise GradebookError(f"nbgrader release_feedback {assignment} failed in {root}:\n{log}")
    return released, skipped, log


def _page_plan(root, assignment):
    """(the course's language, the grade cells of ``assignment`` in notebook order)."""
    lang = course_language(root)
    return lang, [c for c in make_plan(lang, only=[assignment]).cells if c.assignment == assignment]


def _render_with_manual_grades(root, out_dir, sid, assignment, page_plan, manual, dest):
    """Render the student's page again with the graders' scores and comments of the written answers, in the
    course's language, into ``dest``; False (nothing written) when the autograde's record lacks a cell."""
    lang, cells = page_plan
    try:
        graded = json.loads((Path(out_dir) / "results" / f"{sid}.json").read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    verdicts = {}
    for cell in cells:
        if cell.auto:
            if cell.grade_id not in graded:
                return False
            verdicts[cell.grade_id] = tuple(graded[cell.grade_id])
        else:
            score, comment = manual.get(cell.grade_id, (None, ""))
            status = PASSED if score is not None and score >= cell.points else TEXT[lang]["manual"]
            verdicts[cell.grade_id] = (score, cell.points, status, [comment] if comment else [])
    notebook = root / "submitted" / sid / assignment / f"{assignment}.ipynb"
    render(notebook if notebook.is_file() else None, assignment, verdicts, dest / f"{assignment}.html",
           release_nb=release_notebook(assignment, lang), lang=lang)
    return True


