"""Late work: due dates from a real nbgrader gradebook, days late in grades.csv, the course's penalty rule.

Every expected number below is worked out by hand from the due dates and submission times written in the test.
"""
import csv
import io
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from traitlets import TraitError

from grading.autograde.plan import GradeCell, Plan
from grading.config import COURSE_ID, gradebook_url, own_settings
from grading.publish import class_report, report
from grading.publish.lateness import LateWork, Rule, late_work, parse_time, read_due_dates
from grading.settings import Chapter3
from tests.lateness_helpers import add_with_nbgrader_command, new_course, set_due_dates

A, B = "01_affine_layer", "02_activations"
# 01: 4 autograded points and a written answer; 02: 3 autograded points.
PLAN = Plan((GradeCell(A, "affine_forward_value", 2.0, True), GradeCell(A, "affine_backward_dx", 2.0, True),
             GradeCell(A, "affine_backward_shape_answer", 1.0, False),
             GradeCell(B, "relu_forward_value", 1.0, True), GradeCell(B, "relu_backward_value", 2.0, True)),
            {}, "en")
BASE_COLUMNS = "student_id,affine_forward_value,affine_backward_dx,relu_forward_value,relu_backward_value,total," \
               "max_total,status"


def _record(sid, a1, a2, b1, b2, submitted_at=None, status="ok"):
    scores = {"affine_forward_value": a1, "affine_backward_dx": a2, "relu_forward_value": b1,
              "relu_backward_value": b2}
    record = {"student_id": sid, "scores": scores, "total": float(sum(scores.values())), "max_total": 7.0,
              "status": status, "plan": "k",
              "cells": {g: [v, 2.0, "passed" if v else "failed", []] for g, v in scores.items()}}
    if submitted_at is not None:
        record["submitted_at"] = submitted_at
    return record


# Due: 01 at 2027-03-01 23:59 in Shanghai = 15:59 UTC; 02 at 2027-03-08 15:59 UTC.
RECORDS = [
    # on time by a second; exactly at the due date is still on time
    _record("ann", 2, 2, 1, 2, {A: "2027-03-01T23:58:59+08:00", B: "2027-03-08T15:59:00Z"}),
    # a minute late (nbgrader's timestamp.txt format): day 1; exactly two days late: day 2
    _record("ben", 2, 1.5, 1, 0, {A: "2027-03-01 16:00:00.000000 UTC", B: "2027-03-10T15:59:00+00:00"}),
    # 2 days 1 min 1 s late: day 3; a time without a zone is UTC (as nbgrader reads it): on time
    _record("cat", 2, 2, 0, 2, {A: "2027-03-04T00:00:01+08:00", B: "2027-03-08 15:00:00"}),
    # no submission time at all, and one that is not a time: no lateness either way
    _record("dan", 0, 0, 0, 0, status="no submission"),
    _record("eve", 2, 0, 0, 0, {A: "yesterday-ish"}),
]


@pytest.fixture(scope="module")
def _course_template(tmp_path_factory):
    """A course folder with the template's nbgrader_config.py and a real gradebook: 01 due through nbgrader's own
    command line (a local time with its zone), 02 through nbgrader's API (an ISO 8601 time with an offset)."""
    root = new_course(tmp_path_factory.mktemp("lateness") / "course")
    add_with_nbgrader_command(root, A, "2027-03-01 23:59 Asia/Shanghai")
    set_due_dates(root, {B: "2027-03-08T23:59:00+08:00", "03_losses": None})
    return root


@pytest.fixture
def course(_course_template, tmp_path):
    """A private copy of the course folder."""
    return Path(shutil.copytree(_course_template, tmp_path / "course"))


def _set_rule(root, per_day, maximum):
    new_course(root, late_penalty_per_day=per_day, late_penalty_max=maximum)


def _rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_due_dates_are_read_in_utc_as_nbgrader_stores_them(course):
    due, extensions = read_due_dates(course)
    assert due == {A: datetime(2027, 3, 1, 15, 59, tzinfo=UTC), B: datetime(2027, 3, 8, 15, 59, tzinfo=UTC)}
    assert extensions == {}
    assert read_due_dates(course.parent / "no-course") == ({}, {})


def test_parse_time_reads_what_nbgrader_reads():
    expected = datetime(2027, 3, 1, 16, 0, tzinfo=UTC)
    for text in ("2027-03-01T16:00:00Z", "2027-03-02T00:00:00+08:00", "2027-03-01 16:00:00.000000 UTC",
                 "2027-03-02 00:00:00 Asia/Shanghai", "2027-03-01 16:00:00", "2027-03-01T11:00:00-05:00"):
        assert parse_time(text) == expected, text
    for junk in (None, "", "   ", "yesterday-ish", 1700000000, ["2027-03-01"]):
        assert parse_time(junk) is None


def test_days_late_before_at_after_and_without_a_time(course):
    late = late_work(course)
    got = {r["student_id"]: (late.days_late(r, A), late.days_late(r, B)) for r in RECORDS}
    assert got == {"ann": (0, 0), "ben": (1, 2), "cat": (3, 0), "dan": (None, None), "eve": (None, None)}
    assert late.days_late(RECORDS[0], "03_losses") is None  # no due date


def test_grades_csv_flags_late_work_in_columns_at_the_end(course):
    text = report.grades_csv(RECORDS, PLAN, late=late_work(course))
    assert text == (f"{BASE_COLUMNS},{A}_days_late,{B}_days_late\n"
                    "ann,2,2,1,2,7,7,ok,0,0\n"
                    "ben,2,1.5,1,0,4.5,7,ok,1,2\n"
                    "cat,2,2,0,2,6,7,ok,3,0\n"
                    "dan,0,0,0,0,0,7,no submission,,\n"
                    "eve,2,0,0,0,2,7,ok,,\n")
    # the existing columns are what they were without due dates
    plain = report.grades_csv(RECORDS, PLAN)
    assert [row[:8] for row in _rows(text)] == _rows(plain)


def test_penalty_per_started_day_up_to_a_maximum(course):
    _set_rule(course, 0.1, 0.25)
    rows = _rows(report.grades_csv(RECORDS, PLAN, late=late_work(course)))
    assert rows[0][8:] == [f"{A}_days_late", f"{B}_days_late", "late_penalty", "total_after_penalty"]
    # ben: 10 % of 3.5 on 01 (1 day) + 20 % of 1 on 02 (2 days); cat: 30 % capped at 25 % of 4 on 01
    assert {row[0]: row[5:8] + row[8:] for row in rows[1:]} == {
        "ann": ["7", "7", "ok", "0", "0", "0", "7"],
        "ben": ["4.5", "7", "ok", "1", "2", "0.55", "3.95"],
        "cat": ["6", "7", "ok", "3", "0", "1", "5"],
        "dan": ["0", "7", "no submission", "", "", "0", "0"],
        "eve": ["2", "7", "ok", "", "", "0", "2"],
    }


def test_a_penalty_of_one_per_day_is_nbgraders_zero(course):
    _set_rule(course, 1.0, 1.0)
    rows = {row[0]: row[-2:] for row in _rows(report.grades_csv(RECORDS, PLAN, late=late_work(course)))[1:]}
    assert rows == {"ann": ["0", "7"], "ben": ["4.5", "0"], "cat": ["4", "2"], "dan": ["0", "0"], "eve": ["0", "2"]}


def test_an_extension_granted_in_nbgrader_moves_that_students_due_date(course):
    with Gradebook(gradebook_url(course), course_id=COURSE_ID) as gb:
        gb.add_student("ben")
        with gb.db.no_autoflush:  # as grading.publish.gradebook.record: else nbgrader autoflushes a half-built row
            gb.add_submission(A, "ben")
        gb.grant_extension(A, "ben", days=1)
    late = late_work(course)
    assert late.extensions == {("ben", A): timedelta(days=1)}
    assert late.due_for("ben", A) == datetime(2027, 3, 2, 15, 59, tzinfo=UTC)
    assert [late.days_late(RECORDS[1], a) for a in (A, B)] == [0, 2]
    assert late.days_late(RECORDS[2], A) == 3  # cat's due date is the assignment's


def test_no_due_dates_leave_grades_csv_byte_identical(course, tmp_path):
    root = course
    _set_rule(root, 0.5, 1.0)
    set_due_dates(root, {A: None, B: None})
    assert read_due_dates(root) == ({}, {})
    report.write_grades(RECORDS, PLAN, tmp_path / "plain.csv")
    report.write_grades(RECORDS, PLAN, tmp_path / "course.csv", course_dir=root)
    report.write_grades(RECORDS, PLAN, tmp_path / "none.csv", course_dir=tmp_path / "not-built")
    plain = (tmp_path / "plain.csv").read_bytes()
    assert plain.splitlines()[0] == BASE_COLUMNS.encode()
    assert (tmp_path / "course.csv").read_bytes() == plain == (tmp_path / "none.csv").read_bytes()


def test_write_grades_reads_due_dates_and_rule_from_the_course(course, tmp_path):
    _set_rule(course, 0.1, 1.0)
    report.write_grades(RECORDS, PLAN, tmp_path / "grades.csv", course_dir=course)
    rows = _rows((tmp_path / "grades.csv").read_text(encoding="utf-8"))
    assert rows[2] == ["ben", "2", "1.5", "1", "0", "4.5", "7", "ok", "1", "2", "0.55", "3.95"]
    assert rows[3][-4:] == ["3", "0", "1.2", "4.8"]  # 30 % of cat's 4 points on 01


def test_the_rule_is_a_checked_course_setting(tmp_path):
    assert (Chapter3().late_penalty_per_day, Chapter3().late_penalty_max) == (0.0, 1.0)
    # the template's lines say the defaults, and a course's own values survive a rebuild of its config
    assert late_work(new_course(tmp_path / "plain")).rule == Rule(0.0, 1.0)
    strict = new_course(tmp_path / "strict", late_penalty_per_day=0.2, late_penalty_max=0.5)
    assert {k: own_settings(strict)[k] for k in ("late_penalty_per_day", "late_penalty_max")} == {
        "late_penalty_per_day": 0.2, "late_penalty_max": 0.5}
    assert late_work(strict).rule == Rule(0.2, 0.5)
    text = (strict / "nbgrader_config.py").read_text(encoding="utf-8")
    assert text.count("c.Chapter3.late_penalty_per_day =") == 1 and "c.Chapter3.late_penalty_max = 0.5\n" in text
    assert not Rule.of_settings(Chapter3()).active
    with pytest.raises(TraitError):
        Chapter3(late_penalty_per_day=1.5)
    with pytest.raises(TraitError):
        Chapter3(late_penalty_max=-0.1)
    assert Rule(0.1, 0.25).share(0) == 0.0 and Rule(0.1, 0.25).share(2) == pytest.approx(0.2)
    assert Rule(0.1, 0.25).share(9) == 0.25
    late = LateWork({A: datetime(2027, 3, 1, 15, 59, tzinfo=UTC)}, {}, Rule(0.1, 0.25))
    assert [late.lost_share(r, A) for r in RECORDS] == [0.0, 0.1, 0.25, 0.0, 0.0]
    assert LateWork(late.due).lost_share(RECORDS[2], A) == 0.0  # no rule: flagged only


def test_a_plan_with_no_due_dated_assignment_gets_no_columns():
    late = LateWork({"03_losses": datetime(2027, 3, 1, tzinfo=UTC)}, {}, Rule(0.1, 1.0))
    assert late.columns(PLAN) == [] and late.values(RECORDS[1], PLAN) == []
    assert report.grades_csv(RECORDS, PLAN, late=late) == report.grades_csv(RECORDS, PLAN)


def _results(tmp_path, records):
    """An autograde --out folder holding these records in results/."""
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    for r in records:
        (out / "results" / f"{r['student_id']}.json").write_text(json.dumps(r), encoding="utf-8")
    return out


def test_class_report_counts_late_students_per_assignment(course, tmp_path):
    out = _results(tmp_path, RECORDS)
    order = [(c.assignment, c.grade_id) for c in PLAN.auto_cells]
    stats = class_report.class_stats(class_report.load_results(out), order, late_work(course))
    assert stats.late == {A: (2, 3, datetime(2027, 3, 1, 15, 59, tzinfo=UTC)),
                          B: (1, 3, datetime(2027, 3, 8, 15, 59, tzinfo=UTC))}
    assert class_report.class_stats(class_report.load_results(out), order).late == {}


def test_class_report_page_has_a_late_work_table(course, tmp_path):
    out = _results(tmp_path, RECORDS)
    text = class_report.write_report(out, "zh", course_dir=course).read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="late" data-notebook="(\S+)" data-late="(\d+)"\s+data-timed="(\d+)"><td>\S+</td>'
                      r"<td>([^<]+)</td>", text)
    assert rows == [(A, "2", "3", "2027-03-01 15:59"), (B, "1", "3", "2027-03-08 15:59")]
    assert "<h2>迟交</h2>" in text and "截止时间（UTC）" in text
    # no course given, or a course without due dates: no such section
    assert 'id="late"' not in class_report.write_report(out, "zh").read_text(encoding="utf-8")
