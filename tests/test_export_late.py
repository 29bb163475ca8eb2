"""grading.publish.export with late work: with a penalty rule the LMS imports the penalised points, as grades.csv's
``total_after_penalty`` says; without a rule the files are byte for byte what they were.

The course is a real nbgrader gradebook (due dates set through nbgrader's API, one written answer graded by hand);
every expected number is worked out by hand from the due dates, the submission times and the rule written here.
"""
import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading.autograde import make_plan
from grading.config import COURSE_ID, gradebook_url
from grading.publish import export, report
from grading.publish.lateness import late_work
from tests.lateness_helpers import new_course, set_due_dates
from tests.report_helpers import CELLS, STUDENTS, record

A, C = "01_affine_layer", "03_losses"
ROSTER = """student_id,name,sis_user_id,section,email
alice,Alice Li,2026001,A,alice@uni.edu
bob,Bob Wang,2026002,A,bob@uni.edu
carol,Carol Zhang,2026003,B,carol@uni.edu
henry,Henry Zhao,2026008,B,henry@uni.edu
"""
# Due: 01 at 2027-03-01 23:59 in Shanghai = 15:59 UTC; 03 at 2027-03-15 15:59 UTC. Rule: 10 % per started day, at
# most 30 %. Points (tests/report_helpers.py): 01 = affine_forward_value 2 + affine_backward_dx 2 +
# affine_backward_nd_input 1, 03 = softmax_loss_value 2 + softmax_loss_stability 2.
SUBMITTED = {
    # 01 a minute late: day 1, 10 % of 5; 03 on time
    "alice": {A: "2027-03-01 16:00:00.000000 UTC", C: "2027-03-15T23:00:00+08:00"},
    # 01 two days and a minute late: day 3, 30 % of 4 (written answer 0.5 untouched); 03 five days: capped, 30 % of 4
    "bob": {A: "2027-03-03T16:00:00Z", C: "2027-03-20T15:59:00Z"},
    # 01 on time; 03 two days late, but 0 points there: nothing to take
    "dave": {A: "2027-03-01T15:00:00Z", C: "2027-03-17T15:59:00Z"},
    # carol, erin, frank, grace: no submission time, never late
}
NOTEBOOKS = ["01_affine_layer", "02_activations", "03_losses", "04_shallow_net", "05_deep_net_optimizers",
             "06_why_backprop", "07_architecture_list"]


@pytest.fixture(scope="module")
def _course_template(tmp_path_factory):
    """A course with due dates on 01 and 03, the rule 0.1/0.3, and bob's written answer on 01 graded 0.5 of 1."""
    root = new_course(tmp_path_factory.mktemp("export_late") / "course", late_penalty_per_day=0.1,
                      late_penalty_max=0.3)
    set_due_dates(root, {A: "2027-03-01 23:59 Asia/Shanghai", C: "2027-03-15T23:59:00+08:00"})
    with Gradebook(gradebook_url(root), course_id=COURSE_ID) as gb:
        gb.add_notebook(A, A)
        gb.add_grade_cell("affine_backward_shape_answer", A, A, max_score=1, cell_type="markdown")
        for sid in ("alice", "bob"):
            gb.add_student(sid)
            with gb.db.no_autoflush:  # as grading.publish.gradebook does: no half-built rows flushed
                gb.add_submission(A, sid)
        gb.find_grade("affine_backward_shape_answer", A, A, "bob").manual_score = 0.5
        gb.db.commit()
    return root


@pytest.fixture
def course(_course_template, tmp_path):
    return Path(shutil.copytree(_course_template, tmp_path / "course"))


@pytest.fixture
def graded(tmp_path):
    """An autograde --out folder of tests/report_helpers.py's students, with the submission times above."""
    out = tmp_path / "graded"
    (out / "results").mkdir(parents=True)
    for sid, (failed, status) in STUDENTS.items():
        r = record(sid, failed, status)
        if sid in SUBMITTED:
            r["submitted_at"] = SUBMITTED[sid]
        (out / "results" / f"{sid}.json").write_text(json.dumps(r), encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return out


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _no_rule(root):
    new_course(root, late_penalty_per_day=0.0, late_penalty_max=0.3)


def test_canvas_imports_the_penalised_notebook_points_and_total(graded, course, tmp_path):
    path, _ = export.export(graded, "canvas", roster=tmp_path / "roster.csv", course_dir=course)
    rows = read(path)
    assert rows[1][5] == "11" and rows[1][-1] == "121"  # points possible stay the maxima
    # alice: 01 5 - 0.5; bob: 01 4 - 1.2 + 0.5 written, 03 4 - 1.2; carol: no time, raw; henry: never submitted
    assert rows[2:] == [
        ["Alice Li", "", "2026001", "alice", "A", "4.5", "0", "4", "0", "0", "0", "0", "8.5"],
        ["Bob Wang", "", "2026002", "bob", "A", "3.3", "0", "2.8", "0", "0", "0", "0", "6.1"],
        ["Carol Zhang", "", "2026003", "carol", "B", "4", "0", "2", "0", "0", "0", "0", "6"],
        ["Henry Zhao", "", "2026008", "henry", "B", "0", "0", "0", "0", "0", "0", "0", "0"],
    ]


def test_moodle_imports_the_penalised_points(graded, course, tmp_path):
    path, _ = export.export(graded, "moodle", roster=tmp_path / "roster.csv", key="email", course_dir=course)
    assert read(path)[1:3] == [["alice@uni.edu", "4.5", "0", "4", "0", "0", "0", "0", "8.5"],
                               ["bob@uni.edu", "3.3", "0", "2.8", "0", "0", "0", "0", "6.1"]]


def test_plain_csv_has_the_penalty_column_and_agrees_with_grades_csv(graded, course):
    path, _ = export.export(graded, "csv", course_dir=course)
    rows = read(path)
    assert rows[0] == ["student_id", *NOTEBOOKS, "total", "max_total", "status", "late_penalty"]
    got = {r[0]: (r[1], r[3], r[-4], r[-1]) for r in rows[1:]}
    assert got == {"alice": ("4.5", "4", "8.5", "0.5"), "bob": ("3.3", "2.8", "6.1", "2.4"),
                   "carol": ("4", "2", "6", "0"), "dave": ("5", "0", "5", "0"), "erin": ("2", "4", "6", "0"),
                   "frank": ("0", "0", "0", "0"), "grace": ("0", "0", "0", "0")}
    # grades.csv of the same records and course: total_after_penalty is the export's total without the written
    # answer graded by hand (bob's 0.5), late_penalty the same
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((graded / "results").glob("*.json"))]
    plan = make_plan("zh", only=list(CELLS))
    grades = list(csv.DictReader(io.StringIO(report.grades_csv(records, plan, late=late_work(course)))))
    assert {g["student_id"]: (g["total"], g["late_penalty"], g["total_after_penalty"]) for g in grades} == {
        "alice": ("9", "0.5", "8.5"), "bob": ("8", "2.4", "5.6"), "carol": ("6", "0", "6"), "dave": ("5", "0", "5"),
        "erin": ("6", "0", "6"), "frank": ("0", "0", "0"), "grace": ("0", "0", "0")}


@pytest.mark.parametrize("fmt", ["canvas", "moodle", "csv"])
def test_without_a_rule_or_without_due_dates_the_files_are_unchanged(graded, course, tmp_path, fmt):
    def exported(name):
        path, _ = export.export(graded, fmt, roster=tmp_path / "roster.csv", key="email", course_dir=course,
                                output=tmp_path / name)
        return path.read_bytes()

    _no_rule(course)
    flagged_only = exported("flagged.csv")  # due dates, no rule
    set_due_dates(course, {A: None, C: None})
    plain = exported("plain.csv")  # neither
    new_course(course, late_penalty_per_day=0.5, late_penalty_max=1.0)
    assert exported("rule_only.csv") == plain == flagged_only  # a rule without due dates takes nothing
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8"))))
    alice = next(r for r in rows if "alice" in r or "alice@uni.edu" in r)
    first, total = {"canvas": (5, -1), "moodle": (1, -1), "csv": (1, -3)}[fmt]
    assert (alice[first], alice[total]) == ("5", "9") and "late_penalty" not in rows[0]  # alice's raw points
