"""``python -m grading release-feedback``: our pages into nbgrader's exchange, under the names Fetch Feedback wants.

The whole round trip with real users runs in tests/test_hub.py; here, the choices on one course folder: which
pages go, which do not and why, and that a page nbgrader's generate_feedback left there is never released instead.
"""
import os
import subprocess
import sys

import pytest
from nbgrader.utils import notebook_hash

from grading.config import CONFIG_FILE
from grading.paths import ROOT
from grading.publish.gradebook import record
from grading.publish.release_feedback import feedback_to_release, release_feedback
from tests.course_helpers import course_copy

A = "01_affine_layer"


def _submission(course, sid, stamp, secret, where="submitted"):
    folder = course / where / sid / A
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    (folder / "submission_secret.txt").write_text(secret, encoding="utf-8")
    return folder


def _page(out, sid, text):
    (out / "feedback" / sid).mkdir(parents=True, exist_ok=True)
    (out / "feedback" / sid / f"{A}.html").write_text(text, encoding="utf-8")


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course folder with its config, a hub-wide config naming a temporary exchange, and an autograde --out."""
    root, out, etc, exchange = (tmp_path / n for n in ("course", "out", "etc", "exchange"))
    for folder in (root, out, etc, exchange):
        folder.mkdir()
    (root / "nbgrader_config.py").write_bytes(CONFIG_FILE.read_bytes())
    (etc / "nbgrader_config.py").write_bytes((ROOT / "grading" / "hub" / "nbgrader_config.py").read_bytes())
    for name in [k for k in os.environ if k.startswith(("JUPYTER", "CH3_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(etc))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "user-config"))
    monkeypatch.setenv("CH3_EXCHANGE_DIR", str(exchange))
    return root, out, exchange


def test_which_pages_go_and_why_the_others_do_not(course):
    root, out, _ = course
    _submission(root, "ann", "2026-12-01 10:00:00 UTC", "s-ann")  # graded: ready
    _submission(root, "ann", "2026-12-01 10:00:00 UTC", "s-ann", where="autograded")
    _page(out, "ann", "ann's page")
    _submission(root, "ben", "2026-12-01 10:00:00 UTC", "s-ben")  # collected, never graded
    _submission(root, "cat", "2026-12-02 09:00:00 UTC", "s-cat2")  # collected again after grading
    _submission(root, "cat", "2026-12-01 10:00:00 UTC", "s-cat1", where="autograded")
    _page(out, "cat", "cat's old page")
    _page(out, "dan", "graded from an LMS zip")  # no submission through the exchange
    ready, skipped = feedback_to_release(root, out, A)
    assert [sid for sid, _, _ in ready] == ["ann"]
    reasons = dict(skipped)
    assert sorted(reasons) == ["ben", "cat", "dan"]
    assert "no feedback page" in reasons["ben"] and "autograde" in reasons["ben"]
    assert "collected again" in reasons["cat"]
    assert "exchange" in reasons["dan"]
    assert [sid for sid, _, _ in feedback_to_release(root, out, A, students=["cat", "ann"])[0]] == ["ann"]


def test_release_puts_our_page_under_the_hash_fetch_feedback_looks_for(course):
    root, out, exchange = course
    _submission(root, "ann", "2026-12-01 10:00:00 UTC", "s-ann")
    _submission(root, "ann", "2026-12-01 10:00:00 UTC", "s-ann", where="autograded")
    _page(out, "ann", "<p>ann: 4 / 10, hidden checks</p>")
    # bob's page in feedback/ came from nbgrader's generate_feedback: not ours, and bob was not graded by us.
    nbgrader_page = _submission(root, "bob", "2026-12-01 11:00:00 UTC", "s-bob", where="feedback")
    (nbgrader_page / f"{A}.html").write_text("nbgrader's page: all checks passed", encoding="utf-8")
    _submission(root, "bob", "2026-12-01 11:00:00 UTC", "s-bob")
    released, skipped, log = release_feedback(root, out, A)
    assert released == ["ann"] and [sid for sid, _ in skipped] == ["bob"]
    published = exchange / "chapter3" / "feedback"
    assert sorted(p.name for p in published.iterdir()) == [f"{notebook_hash(secret='s-ann', notebook_id=A)}.html"]
    assert (published / f"{notebook_hash(secret='s-ann', notebook_id=A)}.html").read_text(
        encoding="utf-8") == "<p>ann: 4 / 10, hidden checks</p>"
    assert (root / "feedback" / "ann" / A / "submission_secret.txt").read_text(encoding="utf-8") == "s-ann"


def test_cli_names_unknown_assignments(course):
    root, out, _ = course
    done = subprocess.run([sys.executable, "-m", "grading", "release-feedback", str(out), "01_affine"], cwd=ROOT,
                          env={**os.environ, "CH3_COURSE_DIR": str(root)}, capture_output=True, text=True)
    assert done.returncode == 2 and "no such assignment: 01_affine" in done.stderr
    done = subprocess.run([sys.executable, "-m", "grading", "release-feedback", str(out), A], cwd=ROOT,
                          env={**os.environ, "CH3_COURSE_DIR": str(root)}, capture_output=True, text=True)
    assert done.returncode == 0 and f"{A}: feedback released to 0 student(s)" in done.stdout


def test_record_keeps_the_collected_submissions_timestamp_and_secret(tmp_path):
    """What nbgrader's generate_feedback and release_feedback read from autograded/: the submission's own files."""
    course = course_copy(tmp_path / "course")
    submitted = _submission(course, "ann", "2026-12-01 10:00:00 UTC", "s-ann")
    record(course, "ann", A, {})
    autograded = course / "autograded" / "ann" / A
    assert (autograded / "timestamp.txt").read_text(encoding="utf-8") == "2026-12-01 10:00:00 UTC"
    assert (autograded / "submission_secret.txt").read_text(encoding="utf-8") == "s-ann"
    assert (autograded / f"{A}.ipynb").is_file()
    # Graded again from a submission without them (a folder, not nbgrader's collect): no stale secret stays.
    (submitted / "submission_secret.txt").unlink()
    record(course, "ann", A, {})
    assert not (autograded / "submission_secret.txt").exists()
    assert (autograded / "timestamp.txt").is_file()
