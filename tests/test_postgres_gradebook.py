"""The gradebook on a real PostgreSQL server, as a Hub with several graders runs it (grading/hub/README.md).

A throwaway cluster is started for the test (Debian's ``postgresql`` package; ``.ci/run`` installs it), listening
only on a Unix socket in a temporary folder. The course is built and graded with ``CH3_GRADEBOOK_URL`` pointing at
it, then read back with nbgrader's own Gradebook, as the formgrader reads it.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from nbgrader.api import Gradebook

from grading.build.course import build_course, has_gradebook
from grading.config import COURSE_ID, GRADEBOOK_URL_ENV, gradebook_exists
from grading.facts import DEFAULT_LANGUAGE, assignment_names
from grading.paths import ROOT
from grading.publish.gradebook import GradebookError, record

POSTGRES_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = pytest.mark.skipif(not POSTGRES_BIN, reason="needs Debian's postgresql (apt-get install postgresql)")
A = assignment_names()[0]


def _run(*args):
    """Run a PostgreSQL tool, as the postgres user when we are root (the server refuses to run as root)."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    tool = str(Path(POSTGRES_BIN[-1]) / args[0])
    subprocess.run([*as_postgres, tool, *map(str, args[1:])], check=True, capture_output=True, timeout=120)


@pytest.fixture
def postgres_url():
    """URL of an empty database ``chapter3`` on a fresh server; the server is stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="ch3-pg-"))  # short: a socket path has at most 107 characters
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    try:
        _run("initdb", "-D", folder / "data", "-A", "trust", "-U", "postgres")
        _run("pg_ctl", "-D", folder / "data", "-o", f"-k {folder} -c listen_addresses=''", "-l", folder / "log",
             "-w", "start")
        try:
            _run("createdb", "-h", folder, "-U", "postgres", "chapter3")
            # trust authentication ignores the password; it is there to prove that messages mask it
            yield f"postgresql://postgres:pw-not-shown@/chapter3?host={folder}"
        finally:
            _run("pg_ctl", "-D", folder / "data", "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _auto_scores(root):
    with Gradebook(os.environ[GRADEBOOK_URL_ENV], course_id=COURSE_ID) as gb:
        cells = gb.find_assignment(A).notebooks[0].grade_cells
        return {cell.name: cell.max_score for cell in cells if cell.cell_type == "code"}


def test_build_and_record_write_the_postgres_gradebook(tmp_path, monkeypatch, postgres_url):
    monkeypatch.setenv(GRADEBOOK_URL_ENV, postgres_url)
    root = tmp_path / "course"
    root.mkdir()
    assert not has_gradebook(root)  # an empty database: grading it says to build first and creates nothing
    with pytest.raises(GradebookError, match="does not exist: run `python -m grading build` first"):
        record(root, "ada", A, {})
    assert not gradebook_exists(postgres_url)
    build_course(DEFAULT_LANGUAGE, root)
    assert has_gradebook(root) and not (root / "gradebook.db").exists()
    with pytest.raises(GradebookError) as excinfo:
        record(root, "nobody", "no_such_assignment", {})
    assert "has no assignment 'no_such_assignment'" in str(excinfo.value)
    assert "pw-not-shown" not in str(excinfo.value) and "postgres:***@" in str(excinfo.value)

    full = _auto_scores(root)
    scores = {name: (points if i % 2 else 0.0) for i, (name, points) in enumerate(full.items())}
    students = ["ada", "grace", "alan", "edsger"]
    threads = [threading.Thread(target=record, args=(root, s, A, scores)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with Gradebook(postgres_url, course_id=COURSE_ID) as gb:  # what the formgrader sees
        assert sorted(s.id for s in gb.students) == sorted(students)
        for student in students:
            sub = gb.find_submission(A, student)
            got = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades if g.name in scores}
            assert got == scores
            assert sub.score == pytest.approx(sum(scores.values()))


def test_build_says_which_gradebook_it_wrote_with_the_password_masked(tmp_path, postgres_url):
    env = {**os.environ, GRADEBOOK_URL_ENV: postgres_url, "CH3_COURSE_DIR": str(tmp_path / "course"),
           "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "grading", "build"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    host = quote(postgres_url.split("?host=")[1], safe="")  # SQLAlchemy renders the query string %-encoded
    assert f"gradebook: postgresql://postgres:***@/chapter3?host={host}" in done.stdout.splitlines()
    assert "pw-not-shown" not in done.stdout + done.stderr
    assert gradebook_exists(postgres_url)
