"""Each assignment graded from its own hand-in: the demo's student who hands in 01 (affine_forward written, 4 points)
and then 02 fetched fresh (only relu_forward written) keeps 01's points through every later command, with
nbgrader's submitted/ tree; assignments not handed in get no gradebook entry, no autograded/ folder, no page."""
import json
import shutil
import subprocess
import sys

import pytest

from grading import autograde, demo
from grading.autograde.plan import Expected
from grading.autograde.student import Batch, module_sets, sandbox_tasks

A1, A2, A3 = "01_affine_layer", "02_activations", "03_losses"
STUDENT = "s19_01_then_02"
AFFINE_FORWARD = {"affine_forward_value": 2, "affine_forward_nd_input": 1, "affine_forward_float32": 1}
RELU_FORWARD = {"relu_forward_value": 1, "relu_forward_float32": 1, "relu_forward_keeps_input": 1}


@pytest.fixture(scope="module")
def release():
    from grading.build.release import release_files

    return release_files("en")


def write_class(root, release, hand_ins=None):
    """nbgrader's submitted/ tree of the 01-then-02 student (only the hand-ins named, if given)."""
    mine = demo.two_hand_ins()
    if hand_ins is not None:
        mine = demo.Submitted({a: mine[a] for a in hand_ins})
    demo.write_student(root / "submitted" / STUDENT, release, mine, A1)
    return root


def intake_of(root, tmp_path, assignments):
    from grading.autograde.intake import intake

    (sub,) = intake(root, tmp_path / "work", assignments=assignments)
    return sub


def test_each_distinct_module_set_is_one_sandbox_run(tmp_path, release):
    plan = autograde.make_plan("en", [A1, A2, A3])
    batch = Batch(plan, tmp_path / "out", Expected(plan), None)
    owner = {c.grade_id: c.assignment for c in plan.auto_cells}
    sub = intake_of(write_class(tmp_path / "c1", release), tmp_path, plan.assignments)
    assert sub.roots == {A1: f"assignments/{A1}", A2: f"assignments/{A2}"}
    assert sub.submitted_at == {A1: 1772445600.0, A2: 1773050400.0}  # nbgrader's timestamp.txt (UTC)
    tasks = sandbox_tasks(batch, sub)
    assert [sorted({owner[gid] for gid, _ in jobs}) for _, jobs in tasks] == [[A1], [A2]]  # nothing of 03
    assert [jobs for _, jobs in tasks] == [[j for j in plan.jobs if owner[j[0]] == a] for a in (A1, A2)]
    layers = [files["classifiers/chapter3/layers.py"].decode() for files, _ in tasks]
    assert "rows.dot(w) + b" in layers[0] and "np.maximum(x, 0)" not in layers[0]
    assert "np.maximum(x, 0)" in layers[1] and "rows.dot(w)" not in layers[1]
    assert [folder for folder, _, _ in module_sets(batch, sub)] == [sub.tree / f"assignments/{a}" for a in (A1, A2)]

    # byte-identical modules in both folders: one run with the jobs of both
    same = tmp_path / "c2" / "submitted" / STUDENT
    shutil.copytree(tmp_path / "c1" / "submitted" / STUDENT, same)
    shutil.copyfile(same / A1 / "classifiers/chapter3/layers.py", same / A2 / "classifiers/chapter3/layers.py")
    (files, jobs), = sandbox_tasks(batch, intake_of(tmp_path / "c2", tmp_path, plan.assignments))
    assert jobs == [j for j in plan.jobs if owner[j[0]] in (A1, A2)] and "rows.dot(w)" in files[
        "classifiers/chapter3/layers.py"].decode()

    # the release layout (one module set): one run with the whole plan's jobs, as before
    demo.write_student(tmp_path / "c3" / "flat", release, {"classifiers/chapter3/layers.py": "# mine"}, A1)
    flat = intake_of(tmp_path / "c3", tmp_path, plan.assignments)
    assert not flat.per_assignment and flat.roots == {a: "" for a in plan.assignments}
    (files, jobs), = sandbox_tasks(batch, flat)
    assert jobs == plan.jobs and files["classifiers/chapter3/layers.py"] == b"# mine"


@pytest.mark.slow
def test_the_dask_seam_grades_each_hand_in_like_the_local_path(tmp_path, release):
    """sandbox_tasks' entries run as a Dask worker runs them (runs.remote_module_runs on plain data), finished by
    finish_remote: the same verdicts as grading in this process."""
    from grading.autograde.runs import remote_module_runs
    from grading.autograde.student import finish_remote, grade_student

    plan = autograde.make_plan("en", [A1, A2])
    sub = intake_of(write_class(tmp_path / "class", release), tmp_path, plan.assignments)
    graded = {}
    for how in ("local", "remote"):
        batch = Batch(plan, tmp_path / how, Expected(plan), None, limits=demo.demo_limits(), publish_feedback=False,
                      publish_gradebook=False)
        if how == "local":
            graded[how] = grade_student(batch, sub)
        else:
            rows = [remote_module_runs(files, jobs, batch.limits) for files, jobs in sandbox_tasks(batch, sub)]
            graded[how] = finish_remote(batch, sub, rows)
    assert graded["remote"]["cells"] == graded["local"]["cells"]
    assert graded["local"]["total"] == sum(AFFINE_FORWARD.values()) + sum(RELU_FORWARD.values())


def test_cells_not_handed_in_keep_the_previous_verdicts():
    from grading.autograde.plan import GradeCell, Plan
    from grading.autograde.records import carry_over, keep_cells

    plan = Plan((GradeCell(A1, "affine_forward_value", 2.0, True), GradeCell(A1, "affine_forward_nd_input", 1.0, True),
                 GradeCell(A2, "relu_forward_value", 1.0, True)), {}, "en")
    fresh = {"affine_forward_value": [0.0, 2.0, "not attempted", []], "relu_forward_value": [1.0, 1.0, "passed", []],
             "affine_forward_nd_input": [0.0, 1.0, "not attempted", []]}
    previous = {"status": "ok", "submitted_at": {A1: "2026-03-02T10:00:00+00:00", A3: "2026-03-20T00:00:00+00:00"},
                "cells": {"affine_forward_value": [2.0, 2.0, "passed", ["✔"]],
                          "softmax_loss_value": [0.0, 2.0, "x", []],
                          "affine_forward_nd_input": [3.0, 3.0, "passed", []]},  # other points: not this cell
                "kept_cells": {"sgd_update": [1.0, 1.0, "passed", []]}}
    cells = {k: list(v) for k, v in fresh.items()}
    keep_cells(plan, cells, previous, handed=[A2])
    assert cells == {**fresh, "affine_forward_value": [2.0, 2.0, "passed", ["✔"]]}
    cells = {k: list(v) for k, v in fresh.items()}
    keep_cells(plan, cells, previous, handed=[A1, A2])  # handed in again: graded from the hand-in
    assert cells == fresh
    keep_cells(plan, cells, {**previous, "status": "grader error: boom"}, handed=[A2])  # a failed grading: nothing
    assert cells == fresh

    record = {"cells": cells, "submitted_at": {A2: "2026-03-09T10:00:00+00:00"}, "kept_cells": {}}
    carry_over(record, previous, handed=[A2])
    assert record["kept_cells"] == {"softmax_loss_value": [0.0, 2.0, "x", []], "sgd_update": [1.0, 1.0, "passed", []]}
    assert record["submitted_at"] == {A1: "2026-03-02T10:00:00+00:00", A2: "2026-03-09T10:00:00+00:00",
                                      A3: "2026-03-20T00:00:00+00:00"}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """An nbgrader course directory holding 01, 02 and 03."""
    from grading.build import course as course_

    root = tmp_path_factory.mktemp("course")
    course_.write_source(root, "en")
    course_.generate_assignments(root, [A1, A2, A3])
    return root


def gradebook_scores(course_dir):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id="chapter3") as gb:
        return {(s.assignment.name, s.student.id): s.score for a in (A1, A2, A3)
                for s in gb.assignment_submissions(a)}


def rows(out):
    lines = (out / "grades.csv").read_text().splitlines()
    return [dict(zip(lines[0].split(","), line.split(","), strict=True)) for line in lines[1:]]


def points(row, cells):
    return {gid: int(row[gid]) for gid in cells}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_01_then_02_student_keeps_01s_points_through_every_command(tmp_path, release, course):
    subs = write_class(tmp_path / "course-copy", release)
    course_dir = shutil.copytree(course, tmp_path / "course")
    out = tmp_path / "out"
    kwargs = {"workers": 2, "lang": "en", "course_dir": course_dir, "progress": False, "limits": demo.demo_limits()}

    # 1. the whole class, 01 to 03: 01 from its folder, 02 from its own; 03 was never handed in
    records, failures = autograde.autograde(subs, out, only=[A1, A2, A3], **kwargs)
    assert failures == []
    (row,) = rows(out)
    assert points(row, AFFINE_FORWARD) == AFFINE_FORWARD and points(row, RELU_FORWARD) == RELU_FORWARD
    assert row["affine_backward_dx"] == row["relu_backward_value"] == row["affine_relu_forward_value"] == "0"
    assert (row["total"], row["max_total"], row["status"]) == ("7", str(int(records[0]["max_total"])), "ok")
    assert records[0]["cells"]["softmax_loss_value"][2] == "not attempted"  # 03: not handed in
    assert gradebook_scores(course_dir) == {(A1, STUDENT): 4.0, (A2, STUDENT): 3.0}  # no 03 submission
    assert sorted(p.name for p in (course_dir / "autograded" / STUDENT).iterdir()) == [A1, A2]
    assert sorted(p.name for p in (out / "feedback" / STUDENT).iterdir()) == [f"{A1}.html", f"{A2}.html"]
    assert records[0]["submitted_at"] == {A1: "2026-03-02T10:00:00+00:00", A2: "2026-03-09T10:00:00+00:00"}
    first = (out / "grades.csv").read_bytes()

    # 2. a later batch of 02 alone: 01's gradebook points stay, the record keeps 01's verdicts
    records, _ = autograde.autograde(subs, out, only=[A2], **kwargs)
    (row,) = rows(out)
    assert points(row, RELU_FORWARD) == RELU_FORWARD and row["total"] == "3"
    assert gradebook_scores(course_dir) == {(A1, STUDENT): 4.0, (A2, STUDENT): 3.0}
    kept = records[0]["kept_cells"]
    assert {gid: kept[gid][0] for gid in AFFINE_FORWARD} == AFFINE_FORWARD
    assert records[0]["submitted_at"] == {A1: "2026-03-02T10:00:00+00:00", A2: "2026-03-09T10:00:00+00:00"}

    # 3. the whole class again (another plan: everyone regraded), then --force on unchanged files
    autograde.autograde(subs, out, only=[A1, A2, A3], **kwargs)
    assert (out / "grades.csv").read_bytes() == first
    record = out / "results" / f"{STUDENT}.json"
    stamp = record.stat().st_mtime_ns
    autograde.autograde(subs, out, only=[A1, A2, A3], **kwargs)
    assert record.stat().st_mtime_ns == stamp  # unchanged files: not graded again
    autograde.autograde(subs, out, only=[A1, A2, A3], force=[STUDENT], **kwargs)
    assert record.stat().st_mtime_ns != stamp and (out / "grades.csv").read_bytes() == first
    assert gradebook_scores(course_dir) == {(A1, STUDENT): 4.0, (A2, STUDENT): 3.0}

    # 4. a batch that holds only the 02 folder (an LMS export of one assignment): 01 keeps the recorded verdicts
    page = out / "feedback" / STUDENT / f"{A1}.html"
    page_stamp, digest = page.stat().st_mtime_ns, json.loads(record.read_text())["digest"]
    only_02 = write_class(tmp_path / "lms-02", release, hand_ins=[A2])
    records, _ = autograde.autograde(only_02, out, only=[A1, A2, A3], **kwargs)
    assert records[0]["digest"] != digest  # graded again ...
    assert (out / "grades.csv").read_bytes() == first  # ... with 01's verdicts kept
    assert records[0]["cells"]["affine_forward_value"][2] == "passed" and page.stat().st_mtime_ns == page_stamp
    assert records[0]["submitted_at"] == {A1: "2026-03-02T10:00:00+00:00", A2: "2026-03-09T10:00:00+00:00"}
    assert gradebook_scores(course_dir) == {(A1, STUDENT): 4.0, (A2, STUDENT): 3.0}


def test_force_is_an_option_of_the_command():
    done = subprocess.run([sys.executable, "-m", "grading", "autograde", "--help"], capture_output=True, text=True,
                          check=True)
    assert "--force STUDENT" in done.stdout and "repeatable" in done.stdout
