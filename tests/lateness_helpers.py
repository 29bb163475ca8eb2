"""Course folders with due dates in a real nbgrader gradebook, for the late-work tests."""
import os
import subprocess
import sys
from contextlib import contextmanager

from nbgrader.api import Gradebook

from grading.config import COURSE_ID, config_text, gradebook_url


@contextmanager
def _alembic_on_path():
    """nbgrader runs the ``alembic`` command when it creates a gradebook: it is next to this interpreter."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), old])
    try:
        yield
    finally:
        os.environ["PATH"] = old


def new_course(root, **settings):
    """``root`` (created) with the template nbgrader_config.py and these ``c.Chapter3`` settings; returns root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(config_text(settings), encoding="utf-8")
    return root


def add_with_nbgrader_command(root, assignment, duedate):
    """``nbgrader db assignment add ASSIGNMENT --duedate=DUEDATE``, run in the course folder as an instructor would."""
    with _alembic_on_path():
        subprocess.run([sys.executable, "-m", "nbgrader", "db", "assignment", "add", assignment,
                        f"--duedate={duedate}"], cwd=root, check=True, capture_output=True)


def set_due_dates(root, due):
    """Set {assignment: due date text or None} through nbgrader's API (what the formgrader calls)."""
    with _alembic_on_path(), Gradebook(gradebook_url(root), course_id=COURSE_ID) as gb:
        for assignment, duedate in due.items():
            gb.update_or_create_assignment(assignment, duedate=duedate)
