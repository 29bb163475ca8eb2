"""grading.autograde and grading.publish.report: plan, verdicts, the model file, records, grades.csv; then whole batches
(thread pool, Dask local cluster, kill -9 and resume) on a small class."""
import io
import json
import zipfile

import numpy as np
import pytest

from grading import autograde
from grading.autograde import GradeCell, Plan, model_file, model_score, verdicts
from grading.autograde import runs as grader_runs
from grading.paths import ROOT
from grading.publish import report
from grading.reference import hidden_seeds, reference_module
from grading.status import NotRun
from utils.checks.engine import CASES, Result, run_probe

BEST = [g for g in CASES if CASES[g].target == "best_model.npz"]


def small_plan(grade_ids, lang="en"):
    cells = tuple(GradeCell("01_affine_layer" if CASES[g].target != "best_model.npz" else "05_deep_net", g, 2.0,
                            True) for g in grade_ids)
    return Plan(cells + (GradeCell("01_affine_layer", "an_answer", 1.0, False),),
                {g: hidden_seeds(g) for g in grade_ids}, lang)


def reference_runs(plan, module=None):
    module = module or reference_module()
    return {(gid, s): run_probe(CASES[gid], module, s) for gid, s in plan.jobs}


# ----------------------------------------------------------------------------------------------- plan
def test_plan_lists_grade_cells_in_notebook_order():
    plan = autograde.make_plan("en", only=["01_affine_layer"])
    assert [(c.grade_id, c.points, c.auto) for c in plan.cells][:3] == [
        ("affine_forward_value", 2.0, True), ("affine_forward_nd_input", 1.0, True),
        ("affine_forward_float32", 1.0, True)]
    assert plan.cells[-1] == GradeCell("01_affine_layer", "affine_backward_shape_answer", 1.0, False)
    assert plan.max_total == sum(c.points for c in plan.cells if c.auto)
    assert plan.jobs == [(c.grade_id, s) for c in plan.auto_cells for s in hidden_seeds(c.grade_id)]
    assert plan.key == autograde.make_plan("en", only=["01_affine_layer"]).key
    assert plan.key != autograde.make_plan("zh", only=["01_affine_layer"]).key


def test_plan_only_keeps_named_grade_ids():
    plan = autograde.make_plan("en", only=["affine_backward_dx"])
    assert [c.grade_id for c in plan.cells] == ["affine_backward_dx"]


# ----------------------------------------------------------------------------------------------- verdicts
def test_reference_runs_score_every_point():
    plan = small_plan(["affine_forward_value", "affine_backward_dx"])
    cells = verdicts.judge_student(plan, reference_runs(plan), autograde.Expected(plan).get())
    assert cells["affine_forward_value"][:3] == [2.0, 2.0, "passed"]
    assert cells["affine_backward_dx"][:3] == [2.0, 2.0, "passed"]
    assert cells["an_answer"][:3] == [None, 1.0, "manual"]


def test_one_failing_hidden_run_costs_the_cell():
    plan = small_plan(["affine_forward_value"])
    runs = reference_runs(plan)
    first = plan.jobs[0]
    runs[first] = Result("passed", {"out": runs[first].outputs["out"].__class__(
        "float64", runs[first].outputs["out"].data + 1.0)})
    score, status, lines = verdicts.judge_cell(plan.cells[0], {s: runs[g, s] for g, s in plan.jobs},
                                                autograde.Expected(plan).get(), "en")
    assert (score, status) == (0.0, "failed")
    assert lines[0] == "✘ affine_forward_value: affine_forward gives a wrong result."


@pytest.mark.parametrize("status", ["timeout", "memory", "crash", "invalid output"])
def test_sandbox_statuses_score_zero_with_a_message(status):
    plan = small_plan(["affine_backward_dw"])
    runs = {s: Result(status, error="signal 11") for s in plan.seeds["affine_backward_dw"]}
    score, got, lines = verdicts.judge_cell(plan.cells[0], runs, autograde.Expected(plan).get(), "en")
    assert (score, got) == (0.0, status)
    assert lines[0].startswith("✘ affine_backward_dw: ")


def test_missing_and_unknown_runs():
    plan = small_plan(["affine_backward_db"])
    assert verdicts.judge_cell(plan.cells[0], {}, {}, "en")[:2] == (0.0, "not attempted")
    runs = {s: Result("passed!!", {}) for s in plan.seeds["affine_backward_db"]}
    assert verdicts.judge_cell(plan.cells[0], runs, autograde.Expected(plan).get(), "en")[:2] == \
        (0.0, "invalid output")


def test_status_names_the_module_of_a_timeout():
    plan = small_plan(["affine_forward_value", "affine_backward_dx"])
    cells = {"affine_forward_value": [0.0, 2.0, "timeout", []], "affine_backward_dx": [0.0, 2.0, "timeout", []],
             "an_answer": [None, 1.0, "manual", []]}
    assert verdicts.student_status([], cells, plan, []) == "timeout in layers.py"
    unreadable = "unreadable notebook (points unaffected): 01_affine_layer"
    assert verdicts.student_status(["empty"], cells, plan, [unreadable]) == \
        f"empty; timeout in layers.py; {unreadable}"
    cells["affine_forward_value"][2] = cells["affine_backward_dx"][2] = "failed"
    assert verdicts.student_status([], cells, plan, []) == "ok"


def test_skipped_cases_of_unrelated_modules_are_retried():
    runs = {("affine_backward_dx", 1): Result("timeout", error="killed after 2 s"),
            ("affine_backward_dx", 2): NotRun("timeout", because="this case already ended with timeout"),
            ("FullyConnectedNet_grads", 1): NotRun("crash", because="the sandbox was restarted 9 times"),
            ("adam_update", 1): NotRun("crash", because="the sandbox was restarted 9 times"),
            ("sgd_update", 1): NotRun("timeout", because="the submission used up its 180 s"),
            ("rmsprop_update", 1): Result("passed")}
    assert grader_runs.retry_jobs(runs) == [("adam_update", 1), ("sgd_update", 1)]
    assert grader_runs.module_imports("fc_net.py") == {"fc_net.py", "classifier.py", "layer_utils.py", "layers.py"}


def test_module_of_maps_targets_to_files():
    assert verdicts.module_of("affine_forward") == "layers.py"
    assert verdicts.module_of("FullyConnectedNet") == "fc_net.py"
    assert verdicts.module_of("Classifier.train") == "classifier.py"
    assert verdicts.module_of("best_model.npz") is None


# ----------------------------------------------------------------------------------------------- best_model.npz
def npz(arrays, compressed=False, allow_pickle=False):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, allow_pickle=allow_pickle, **arrays)
    return buf.getvalue()


def model_tree(tmp_path, data):
    folder = tmp_path / "assignments" / "05_deep_net"
    folder.mkdir(parents=True)
    (folder / "best_model.npz").write_bytes(data)
    return tmp_path


def good_params(hidden=20, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((3072, hidden)) * 1e-3, "b1": np.zeros(hidden),
            "W2": rng.standard_normal((hidden, 10)) * 1e-3, "b2": np.zeros(10)}


def model_cells(tmp_path, data):
    plan = small_plan(BEST)
    runs = grader_runs.model_runs(model_tree(tmp_path, data) if data is not None else tmp_path, plan)
    return verdicts.judge_student(plan, runs, {})


def test_model_file_structure_is_judged_here(tmp_path):
    cells = model_cells(tmp_path, npz(good_params()))
    assert cells["FullyConnectedNet_best_model_file"][2] == "passed"
    # random weights: structure right, accuracy at chance
    assert all(cells[g][2] == "failed" for g in BEST if g != "FullyConnectedNet_best_model_file")


def test_missing_model_is_not_attempted(tmp_path):
    cells = {g: c for g, c in model_cells(tmp_path, None).items() if c[2] != "manual"}
    assert {c[2] for c in cells.values()} == {"not attempted"}
    assert cells["FullyConnectedNet_best_model_file"][3] == [
        "… FullyConnectedNet_best_model_file: not attempted yet — there is no best_model.npz next to this notebook. "
        "Run the cell that trains the model and saves it."]


@pytest.mark.parametrize("kind", ["pickle", "wrong_shapes", "not_zip", "bomb_header", "nan", "strings", "extra_file",
                                  "saved_labels"])
def test_bad_model_files_score_nothing(tmp_path, kind):
    params = good_params()
    if kind == "pickle":
        data = npz({**params, "W1": np.array([{"evil": 1}], dtype=object)}, allow_pickle=True)
    elif kind == "wrong_shapes":
        data = npz({**params, "W1": np.zeros((10, 20))})
    elif kind == "not_zip":
        data = b"\x93NUMPY not really"
    elif kind == "nan":
        data = npz({**params, "b1": np.full(20, np.nan)})
    elif kind == "saved_labels":
        from utils.checks.cases.best_model import test_split

        data = npz({**params, "y_pred": test_split()[1]})
    elif kind == "strings":
        data = npz({**params, "b2": np.array(["a"] * 10)})
    elif kind == "extra_file":
        buf = io.BytesIO(npz(params))
        with zipfile.ZipFile(buf, "a") as z:
            z.writestr("evil.pkl", b"cos\nsystem\n")
        data = buf.getvalue()
    else:  # a header promising a 10^12-element array: refused before numpy allocates anything
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (10**6, 10**6)})
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("W1.npy", header.getvalue() + b"\0" * 64)
        data = buf.getvalue()
    cells = model_cells(tmp_path, data)
    assert all(cells[g][0] == 0.0 and cells[g][2] in ("error", "failed") for g in BEST), cells


def test_load_model_refuses_pickles_before_loading(tmp_path):
    path = model_tree(tmp_path, npz({"W1": np.array([1, "x"], dtype=object)}, allow_pickle=True))
    with pytest.raises(model_file.ModelFileError, match="pickle"):
        model_file.load_model(path / "assignments/05_deep_net/best_model.npz")


def test_big_arrays_travel_in_blocks_like_the_probe():
    from utils.checks.cases.best_model import test_split

    outputs, _ = model_score.model_outputs({"W1": np.ones((3072, 400)), "b1": np.zeros(400)})
    assert sorted(outputs) == ["W1#0", "W1#1", "b1", "scored", "scored_on", "y_pred"]
    assert outputs["W1#0"].shape[0] + outputs["W1#1"].shape[0] == 3072
    assert outputs["y_pred"].shape == test_split()[1].shape


def test_predictions_come_from_the_grader_not_from_the_file():
    from utils.checks.cases.best_model import test_split

    X, y, _ = test_split()
    arrays = {**good_params(), "y_pred": y}  # the true labels, saved next to random weights
    outputs, _ = model_score.model_outputs(arrays)
    assert "y_pred (saved)" in outputs
    assert np.array_equal(outputs["y_pred"].data, model_score.predictions(good_params(), X))
    assert model_score.predictions({"W1": np.ones((3, 3))}, X) is None
    assert model_score.predictions({"W1": np.ones((3, 3)), "b1": np.ones(3)}, X) is None


# ----------------------------------------------------------------------------------------------- records, csv
def test_write_atomic_replaces_whole_files(tmp_path):
    path = tmp_path / "results" / "a.json"
    autograde.write_atomic(path, "one")
    autograde.write_atomic(path, "two")
    assert path.read_text() == "two" and [p.name for p in path.parent.iterdir()] == ["a.json"]


def fake_record(sid, scores, status="ok", plan=None):
    return {"student_id": sid, "scores": scores, "total": sum(scores.values()), "max_total": 5.0, "status": status,
            "cells": {g: [v, 2.5, "passed" if v else "failed", []] for g, v in scores.items()}, "plan": "k"}


def test_grades_csv_is_deterministic():
    plan = small_plan(["affine_forward_value", "affine_backward_dx"])
    records = [fake_record("bob", {"affine_forward_value": 2.5, "affine_backward_dx": 0.0}, "timeout in layers.py"),
               fake_record("alice", {"affine_forward_value": 2.0, "affine_backward_dx": 1 / 3})]
    text = report.grades_csv(records, plan)
    assert text == ("student_id,affine_forward_value,affine_backward_dx,total,max_total,status\n"
                    "alice,2,0.3333333333,2.333333333,5,ok\n"
                    "bob,2.5,0,2.5,5,timeout in layers.py\n")
    assert report.grades_csv(list(reversed(records)), plan) == text


def test_summary_lists_pass_rates_and_manual_cells(tmp_path):
    plan = small_plan(["affine_forward_value", "affine_backward_dx"])
    records = [fake_record("bob", {"affine_forward_value": 2.5, "affine_backward_dx": 0.0}, "crash"),
               fake_record("alice", {"affine_forward_value": 2.0, "affine_backward_dx": 1.0})]
    text = report.summary(records, plan, tmp_path, isolation="bwrap")
    assert "affine_forward_value       2     2/2  100%" in text
    assert "affine_backward_dx         2     1/2   50%" in text
    assert "1 manually graded cell(s) (1 points) are not scored here" in text
    assert "sandbox: bwrap" in text and f"feedback: {tmp_path / 'feedback'}" in text


# ----------------------------------------------------------------------------------------------- whole batches
ASSIGNMENT = "01_affine_layer"
SLOW_BACKWARD = "import time\ntime.sleep(0.5)\n"


@pytest.fixture(scope="module")
def release():
    from grading.build.release import release_files

    return release_files("en")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """An nbgrader course directory holding assignment 01 only (generating all of them takes much longer)."""
    from grading.build import course as course_

    root = tmp_path_factory.mktemp("course")
    course_.write_source(root, "en")
    course_.generate_assignments(root, [ASSIGNMENT])
    return root


def fresh_course(course, tmp_path, name="course"):
    import shutil

    return shutil.copytree(course, tmp_path / name)


def small_class(root, release, slow=False):
    """A class of 01 submissions: complete, partial, a bug, broken notebooks, a rejected zip, an empty folder."""
    from grading import demo

    ref = demo.reference_sources()
    layers = ref["layers.py"]
    nb = f"assignments/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    deleted = json.loads(release[nb])
    deleted["cells"] = [c for c in deleted["cells"] if not c["metadata"].get("nbgrader", {}).get("grade")]
    students = {
        "alice": {f"classifiers/chapter3/{m}": t for m, t in ref.items()},
        "bob": {},
        "carol": {"classifiers/chapter3/layers.py": demo.patch(layers, "dx = (dout @ w.T).reshape(x.shape)",
                                                               "dx = dout @ w.T")},
        "dave": {"classifiers/chapter3/layers.py": layers, nb: "{ not json"},
        "erin": {"classifiers/chapter3/layers.py": layers, nb: json.dumps(deleted)},
        "frank": None,
    }
    if slow:
        students["slow"] = {"classifiers/chapter3/layers.py": demo.inject(layers, "affine_backward", SLOW_BACKWARD)}
    for sid, files in students.items():
        demo.write_student(root / sid, release, files, ASSIGNMENT)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("classifiers/chapter3/layers.py", b"\0" * (16 << 20))
    (root / "zed.zip").write_bytes(bomb.getvalue())
    return root


EXPECTED_ROWS = {  # grades.csv rows of small_class (01: 2+1+1 forward, 2+2+1+1 backward points)
    "alice": "alice,2,1,1,2,2,1,1,10,10,ok",
    "bob": "bob,0,0,0,0,0,0,0,0,10,ok",
    "carol": "carol,2,1,1,2,2,1,0,9,10,ok",
    "dave": "dave,2,1,1,2,2,1,1,10,10,unreadable notebook (points unaffected): 01_affine_layer",
    "erin": "erin,2,1,1,2,2,1,1,10,10,ok",
    "frank": "frank,0,0,0,0,0,0,0,0,10,no submission",
    "slow": "slow,2,1,1,2,2,1,1,10,10,ok",
    "zed": "zed,0,0,0,0,0,0,0,0,10,rejected: zip bomb",
}
HEADER = ("student_id,affine_forward_value,affine_forward_nd_input,affine_forward_float32,affine_backward_dx,"
          "affine_backward_dw,affine_backward_db,affine_backward_nd_input,total,max_total,status")


def expected_csv(students):
    return "\n".join([HEADER, *[EXPECTED_ROWS[s] for s in sorted(students)]]) + "\n"


def gradebook_scores(course_dir):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id="chapter3") as gb:
        subs = gb.assignment_submissions(ASSIGNMENT)
        return sorted((s.student.id, s.score) for s in subs), len(gb.students)


@pytest.mark.slow
def test_batch_writes_grades_feedback_and_gradebook_and_resumes(tmp_path, release, course):
    subs = small_class(tmp_path / "class", release)
    course_dir = fresh_course(course, tmp_path)
    out = tmp_path / "out"
    records, failures = autograde.autograde(subs, out, workers=2, lang="en", only=[ASSIGNMENT],
                                            course_dir=course_dir, progress=False)
    assert failures == []
    students = ["alice", "bob", "carol", "dave", "erin", "frank", "zed"]
    assert (out / "grades.csv").read_text() == expected_csv(students)
    assert sorted(p.name for p in (out / "results").iterdir()) == [f"{s}.json" for s in students]
    for sid in students:
        page = (out / "feedback" / sid / f"{ASSIGNMENT}.html").read_text()
        assert "affine_backward_dx" in page
    assert "dx" in (out / "feedback" / "carol" / f"{ASSIGNMENT}.html").read_text()
    scores, n_students = gradebook_scores(course_dir)
    assert scores == [(s, float(EXPECTED_ROWS[s].split(",")[-3])) for s in students] and n_students == 7
    assert (course_dir / "autograded" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

    # a rerun grades nobody and rewrites the same grades.csv; a changed submission is graded again
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()}
    first = (out / "grades.csv").read_bytes()
    autograde.autograde(subs, out, workers=2, lang="en", only=[ASSIGNMENT], course_dir=course_dir, progress=False)
    assert (out / "grades.csv").read_bytes() == first
    assert {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()} == stamps
    (subs / "bob" / "classifiers/chapter3/layers.py").write_text((subs / "alice/classifiers/chapter3/layers.py")
                                                                  .read_text())
    autograde.autograde(subs, out, workers=2, lang="en", only=[ASSIGNMENT], course_dir=course_dir, progress=False)
    changed = {p.name for p in (out / "results").iterdir() if p.stat().st_mtime_ns != stamps[p.name]}
    assert changed == {"bob.json"}
    assert "bob,2,1,1,2,2,1,1,10,10,ok" in (out / "grades.csv").read_text().splitlines()
    assert gradebook_scores(course_dir) == (sorted([*[s for s in scores if s[0] != "bob"], ("bob", 10.0)]), 7)


def cli(*args, env=None, **kwargs):
    import os
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "grading", *map(str, args)], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, **kwargs)


def sandbox_leftovers(pid):
    """Processes of the sandboxes the grader ``pid`` started (their token starts with that pid)."""
    import psutil

    from grading.autograde.sandbox import TOKEN_VAR

    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(TOKEN_VAR, "").startswith(f"{pid}-"):
                found.append(p.pid)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_kill_9_mid_batch_then_resume_gives_the_same_grades(tmp_path, release, course):
    import os
    import signal
    import time

    subs = small_class(tmp_path / "class", release, slow=True)
    students = ["alice", "bob", "carol", "dave", "erin", "frank", "slow", "zed"]
    args = ("autograde", subs, "--workers", "2", "--only", ASSIGNMENT, "--lang", "en")

    whole_course = fresh_course(course, tmp_path, "course-whole")
    done = cli(*args, "--out", tmp_path / "whole", env={"CH3_COURSE_DIR": str(whole_course)})
    output = done.communicate(timeout=300)[0].decode()
    assert done.returncode == 0, output
    assert (tmp_path / "whole" / "grades.csv").read_text() == expected_csv(students)
    assert "sandbox: bwrap" in output or "sandbox: rlimits-only" in output

    killed_course = fresh_course(course, tmp_path, "course-killed")
    out = tmp_path / "killed"
    proc = cli(*args, "--out", out, env={"CH3_COURSE_DIR": str(killed_course)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 2:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "results").glob("*.json")))
    assert 2 <= finished < len(students)
    assert not (out / "grades.csv").exists()
    for _ in range(100):  # bwrap --die-with-parent: the sandboxes go with the grader
        if not sandbox_leftovers(proc.pid):
            break
        time.sleep(0.05)
    assert sandbox_leftovers(proc.pid) == []

    resumed = cli(*args, "--out", out, env={"CH3_COURSE_DIR": str(killed_course)})
    output = resumed.communicate(timeout=300)[0].decode()
    assert resumed.returncode == 0, output
    assert (out / "grades.csv").read_bytes() == (tmp_path / "whole" / "grades.csv").read_bytes()
    assert gradebook_scores(killed_course) == gradebook_scores(whole_course)
    assert not list((out / "results").glob(".*.tmp"))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_dask_local_cluster_gives_the_same_grades(tmp_path, release):
    from distributed import LocalCluster

    subs = small_class(tmp_path / "class", release)
    kwargs = {"workers": 2, "lang": "en", "only": [ASSIGNMENT], "gradebook": False, "feedback": False,
              "progress": False}
    autograde.autograde(subs, tmp_path / "threads", **kwargs)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        records, failures = autograde.autograde(subs, tmp_path / "dask", scheduler=cluster.scheduler_address,
                                                **kwargs)
    assert failures == []
    assert (tmp_path / "dask" / "grades.csv").read_bytes() == (tmp_path / "threads" / "grades.csv").read_bytes()
    assert (tmp_path / "dask" / "grades.csv").read_text() == expected_csv(
        ["alice", "bob", "carol", "dave", "erin", "frank", "zed"])
