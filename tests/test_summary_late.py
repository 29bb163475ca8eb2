"""The summary autograde prints counts late students per assignment with a due date, once anyone was late."""
from datetime import UTC, datetime
from pathlib import Path

from grading.autograde.plan import GradeCell, Plan
from grading.publish import report
from grading.publish.lateness import LateWork

A, B, C = "01_affine_layer", "02_activations", "03_losses"
PLAN = Plan((GradeCell(A, "affine_forward_value", 2.0, True), GradeCell(B, "relu_forward_value", 1.0, True),
             GradeCell(C, "softmax_loss_value", 2.0, True)), {}, "en")
# 01 due 2027-03-01 15:59 UTC, 02 due 2027-03-08 15:59 UTC, 03 has none
DUE = {A: datetime(2027, 3, 1, 15, 59, tzinfo=UTC), B: datetime(2027, 3, 8, 15, 59, tzinfo=UTC)}


def _record(sid, submitted_at):
    scores = {c.grade_id: c.points for c in PLAN.auto_cells}
    return {"student_id": sid, "scores": scores, "total": 5.0, "max_total": 5.0, "status": "ok",
            "cells": {g: [v, v, "passed", []] for g, v in scores.items()}, "submitted_at": submitted_at}


RECORDS = [
    _record("ann", {A: "2027-03-01T15:59:00Z", B: "2027-03-08T16:00:00Z", C: "2030-01-01T00:00:00Z"}),  # 02: late
    _record("ben", {A: "2027-03-04T00:00:00Z", B: "2027-03-08T09:00:00Z"}),  # 01: late
    _record("cat", {A: "2027-03-01T16:00:00Z"}),  # 01: late; no time for 02: neither late nor on time
    _record("dan", {}),
]


def _late_lines(text):
    lines = text.splitlines()
    if "late (grades.csv: <assignment>_days_late):" not in lines:
        return []
    start = lines.index("late (grades.csv: <assignment>_days_late):") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("  "))
    return lines[start:end]


def test_the_summary_counts_late_students_per_assignment_with_a_due_date():
    text = report.summary(RECORDS, PLAN, Path("out"), late=LateWork(DUE))
    assert _late_lines(text) == ["  01_affine_layer: 2 of 3 late (due 2027-03-01 15:59 UTC)",
                                 "  02_activations: 1 of 2 late (due 2027-03-08 15:59 UTC)"]


def test_no_section_when_nobody_was_late_or_without_due_dates():
    on_time = [_record("ann", {A: "2027-03-01T15:00:00Z", B: "2027-03-08T15:00:00Z"})]
    plain = report.summary(on_time, PLAN, Path("out"))
    assert report.summary(on_time, PLAN, Path("out"), late=LateWork(DUE)) == plain
    assert _late_lines(report.summary(RECORDS, PLAN, Path("out"), late=LateWork())) == []
    assert report.summary(RECORDS, PLAN, Path("out"), late=LateWork()) == report.summary(RECORDS, PLAN, Path("out"))
