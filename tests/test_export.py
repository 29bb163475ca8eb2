"""grading.publish.export: the files Canvas and Moodle import, in their documented column layouts, read back by ``csv``.

The expected files below are written from the LMS documentation, not from the code under test:
- Canvas (Grades ▸ Import): the columns ``Student, ID, SIS User ID, SIS Login ID, Section`` come first, then one
  column per assignment; the row after the header starts with ``Points Possible``; read-only columns such as
  ``Final Points`` are ignored on import.
- Moodle (Grades ▸ Import ▸ CSV file): a header row, one column holding the user identifier the import maps
  ("Map from") to email address, username or ID number, then one column per grade item.
"""
import csv
import os
import sys
from pathlib import Path

import pytest

from grading.__main__ import main
from grading.publish import export
from tests.report_helpers import write_graded

NOTEBOOKS = ["01_affine_layer", "02_activations", "03_losses", "04_shallow_net", "05_deep_net_optimizers",
             "06_why_backprop", "07_architecture_list"]
ROSTER = """student_id,name,sis_user_id,section,email
alice,"Li, Alice",2026001,A,alice@uni.edu
bob,Bob Wang,2026002,A,bob@uni.edu
carol,Carol Zhang,2026003,B,carol@uni.edu
henry,Henry Zhao,2026008,B,henry@uni.edu
"""


@pytest.fixture()
def graded(tmp_path, monkeypatch):
    monkeypatch.delenv("CH3_GRADEBOOK_URL", raising=False)
    out = write_graded(tmp_path / "graded")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return out


@pytest.fixture()
def course(tmp_path, monkeypatch):
    """A course folder whose nbgrader gradebook holds one hand-graded written answer: bob's, 0.5 of 1 point."""
    from nbgrader.api import Gradebook

    monkeypatch.delenv("CH3_GRADEBOOK_URL", raising=False)
    # nbgrader runs the alembic command of this environment when it creates a gradebook
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    root = tmp_path / "course"
    root.mkdir()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="chapter3") as gb:
        gb.add_assignment("01_affine_layer")
        gb.add_notebook("01_affine_layer", "01_affine_layer")
        gb.add_grade_cell("affine_backward_shape_answer", "01_affine_layer", "01_affine_layer", max_score=1,
                          cell_type="markdown")
        for sid in ("alice", "bob"):
            gb.add_student(sid)
            with gb.db.no_autoflush:  # as grading.publish.gradebook does: no half-built rows flushed
                gb.add_submission("01_affine_layer", sid)
        grade = gb.find_grade("affine_backward_shape_answer", "01_affine_layer", "01_affine_layer", "bob")
        grade.manual_score = 0.5
        gb.db.commit()
    return root


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_file_has_the_documented_layout(graded, course, tmp_path):
    assert main(["export", str(graded), "--format", "canvas", "--roster", str(tmp_path / "roster.csv"),
                 "--course", str(course)]) == 0
    rows = read(graded / "export" / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *NOTEBOOKS, "Final Points"]
    assert rows[1][:5] == ["Points Possible", "", "", "", ""]
    assert rows[1][5] == "11" and rows[1][-1] == "121"  # 01: 10 autograded + 1 written; the whole course
    # 01 = affine_forward_value 2 + affine_backward_dx 2 + affine_backward_nd_input 1 (+ bob's written 0.5);
    # 03 = softmax_loss_value 2 + softmax_loss_stability 2
    assert rows[2:] == [
        ["Li, Alice", "", "2026001", "alice", "A", "5", "0", "4", "0", "0", "0", "0", "9"],
        ["Bob Wang", "", "2026002", "bob", "A", "4.5", "0", "4", "0", "0", "0", "0", "8.5"],
        ["Carol Zhang", "", "2026003", "carol", "B", "4", "0", "2", "0", "0", "0", "0", "6"],
        ["Henry Zhao", "", "2026008", "henry", "B", "0", "0", "0", "0", "0", "0", "0", "0"],  # never submitted
    ]
    unlisted = read(graded / "export" / "canvas.not_on_roster.csv")
    assert unlisted == [["student_id"], ["dave"], ["erin"], ["frank"], ["grace"]]


def test_moodle_file_is_keyed_by_the_chosen_identifier(graded, course, tmp_path):
    path, unlisted = export.export(graded, "moodle", roster=tmp_path / "roster.csv", key="email", course_dir=course)
    rows = read(path)
    assert rows[0] == ["email", *NOTEBOOKS, "Total"]
    assert [r[0] for r in rows[1:]] == ["alice@uni.edu", "bob@uni.edu", "carol@uni.edu", "henry@uni.edu"]
    assert rows[2][1] == "4.5" and rows[4][1:] == ["0"] * 8
    assert unlisted == ["dave", "erin", "frank", "grace"]
    with pytest.raises(ValueError, match="no idnumber"):
        export.export(graded, "moodle", roster=tmp_path / "roster.csv", key="idnumber", course_dir=course)


def test_plain_csv_without_roster_lists_every_graded_student_with_status(graded, tmp_path):
    path, unlisted = export.export(graded, "csv", course_dir=tmp_path / "no-course")
    rows = read(path)
    assert rows[0] == ["student_id", *NOTEBOOKS, "total", "max_total", "status"] and unlisted == []
    got = {r[0]: (r[1], r[3], r[-3], r[-1]) for r in rows[1:]}
    assert got == {"alice": ("5", "4", "9", "ok"), "bob": ("4", "4", "8", "ok"), "carol": ("4", "2", "6", "ok"),
                   "dave": ("5", "0", "5", "ok"), "erin": ("2", "4", "6", "timeout in layers.py"),
                   "frank": ("0", "0", "0", "no submission"), "grace": ("0", "0", "0", "rejected: zip bomb")}


def test_a_roster_student_without_work_is_missing_in_plain_csv(graded, tmp_path):
    path, _ = export.export(graded, "csv", roster=tmp_path / "roster.csv", course_dir=tmp_path / "no-course")
    assert read(path)[-1] == ["henry"] + ["0"] * 8 + ["121", "missing"]


def test_a_roster_without_student_id_is_refused(graded, tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("name,email\nA,a@b\n", encoding="utf-8")
    assert main(["export", str(graded), "--format", "csv", "--roster", str(tmp_path / "bad.csv")]) == 2
    assert "student_id column" in capsys.readouterr().err
