"""grading.demo: the fabricated class holds what it says, and grading it catches each typical bug exactly."""
import csv
import io
import os
import re
from datetime import UTC, datetime

import numpy as np
import pytest

from grading import autograde, demo
from grading.autograde.intake import intake
from grading.autograde.records import iso_time
from grading.publish import class_report, report, similarity
from grading.publish.lateness import LateWork, read_due_dates
from tests.lateness_helpers import new_course, set_due_dates

# One or two grade cells per bug, and cells next to them that the bug must not touch.
CELLS = ["affine_forward_value", "affine_backward_dx", "affine_backward_nd_input", "relu_backward_value",
         "relu_backward_at_zero", "softmax_loss_value", "softmax_loss_stability", "ShallowLayerNet_grads_reg",
         "FullyConnectedNet_grads", "FullyConnectedNet_reg", "sgd_update", "adam_bias_correction",
         "FullyConnectedNet_best_model_file", "FullyConnectedNet_best_model_acc_52"]
LAYERS = ["affine_forward_value", "affine_backward_dx", "affine_backward_nd_input", "relu_backward_value",
          "relu_backward_at_zero", "softmax_loss_value", "softmax_loss_stability"]
USES_LAYERS = LAYERS + ["ShallowLayerNet_grads_reg", "FullyConnectedNet_grads", "FullyConnectedNet_reg"]
USES_FORWARD = ["affine_forward_value", "ShallowLayerNet_grads_reg", "FullyConnectedNet_grads",
                "FullyConnectedNet_reg"]
USES_BACKWARD = ["affine_backward_dx", "affine_backward_nd_input", "ShallowLayerNet_grads_reg",
                 "FullyConnectedNet_grads", "FullyConnectedNet_reg"]
MODEL = ["FullyConnectedNet_best_model_file", "FullyConnectedNet_best_model_acc_52"]
FAILS = {  # student -> (cells that must fail, status); every other cell must pass
    "s01_complete": ([], "ok"),
    "s02_partial": ([c for c in CELLS if c not in LAYERS], "ok"),
    "s03_relu_grad_at_0": (["relu_backward_at_zero"], "ok"),
    "s04_softmax_no_shift": (["softmax_loss_stability"], "ok"),
    "s05_affine_no_reshape": (["affine_backward_nd_input"], "ok"),
    "s06_adam_no_bias_fix": (["adam_bias_correction"], "ok"),
    "s07_reg_not_in_grads": (["ShallowLayerNet_grads_reg", "FullyConnectedNet_reg"], "ok"),
    "s08_infinite_loop": (USES_BACKWARD, "timeout in layers.py"),
    "s09_monkeypatch": (USES_FORWARD, "ok"),
    "s10_sitecustomize": (USES_FORWARD, "ok"),
    "s11_symlink_passwd": (USES_LAYERS, "ok"),
    "s12_invalid_notebook": ([], "unreadable notebook (points unaffected): 01_affine_layer"),
    "s13_empty": (CELLS, "no submission"),
    # the similarity demo's authors: each one's own layers.py is correct
    "s14_alice": ([], "ok"),
    "s15_copied_function": ([], "ok"),
    "s16_renamed_copy": ([], "ok"),
    "s17_independent": ([], "ok"),
    # nbgrader's submitted/ layout: 01 with affine_forward written, then 02 fetched fresh (relu_forward only)
    "s19_01_then_02": ([c for c in CELLS if c != "affine_forward_value"], "ok"),
}


# The demo course's due date of 02: 2026-03-08 23:59 in Shanghai is 15:59 UTC. The student of nbgrader's folders
# stamped 02 at 2026-03-09 10:00 UTC: 18 h 1 min late, day 1; everyone else handed in at 2026-03-08 12:00 UTC.
DUE_02 = datetime(2026, 3, 8, 15, 59, tzinfo=UTC)
DEMO_LATE = LateWork({"02_activations": DUE_02})
DAYS_LATE_02 = {sid: None if sid == "s13_empty" else 1 if sid == "s19_01_then_02" else 0 for sid in FAILS}


@pytest.fixture(scope="module")
def demo_class(tmp_path_factory):
    dest = tmp_path_factory.mktemp("demo") / "submissions"
    students = demo.fabricate(dest, "en")
    return dest, students


def test_the_class_holds_what_the_demo_says(demo_class):
    dest, students = demo_class
    assert students == list(FAILS)
    layers = dest / "s11_symlink_passwd/classifiers/chapter3/layers.py"
    assert layers.is_symlink() and os.readlink(layers) == "/etc/passwd"
    assert list((dest / "s13_empty").iterdir()) == []
    assert (dest / "s12_invalid_notebook/assignments/01_affine_layer/01_affine_layer.ipynb").read_text() \
        .startswith('{"cells": [ this')
    assert (dest / "s10_sitecustomize/sitecustomize.py").is_file()
    assert "while True" in (dest / "s08_infinite_loop/classifiers/chapter3/layers.py").read_text()
    model = next(dest.glob("s01_complete/assignments/05_*/best_model.npz"))
    with np.load(model, allow_pickle=False) as saved:
        assert sorted(saved.files) == ["W1", "W2", "b1", "b2"] and saved["W1"].shape == (3072, 100)
    assert not list(dest.glob("s02_partial/assignments/*/*.npz"))
    two = dest / "s19_01_then_02"  # as nbgrader's submitted/<student>/ holds it: one folder per hand-in
    assert sorted(p.name for p in two.iterdir()) == ["01_affine_layer", "02_activations"]
    assert (two / "02_activations/timestamp.txt").read_text() == "2026-03-09 10:00:00.000000 UTC"
    assert (two / "02_activations/02_activations.ipynb").is_file()
    first, second = ((two / a / "classifiers/chapter3/layers.py").read_text() for a in ("01_affine_layer",
                                                                                         "02_activations"))
    assert "rows.dot(w) + b" in first and "np.maximum(x, 0)" not in first
    assert "np.maximum(x, 0)" in second and "rows.dot(w)" not in second  # fetched fresh: 01's work is not in it


def test_exactly_the_student_of_nbgraders_folders_is_late_on_02(demo_class, tmp_path):
    dest, _ = demo_class
    modules = dest / "s01_complete/classifiers/chapter3/layers.py"
    assert modules.stat().st_mtime == datetime(2026, 3, 8, 12, tzinfo=UTC).timestamp()
    assert os.lstat(dest / "s11_symlink_passwd/classifiers/chapter3/layers.py").st_mtime != modules.stat().st_mtime
    # the hand-in times the grader's intake reads: the flat students' files, s19's timestamp.txt
    times = {sub.student_id: {a: iso_time(t) for a, t in sub.submitted_at.items()}
             for sub in intake(dest, tmp_path / "work")}
    assert times["s01_complete"]["02_activations"] == "2026-03-08T12:00:00+00:00"
    assert times["s19_01_then_02"] == {"01_affine_layer": "2026-03-02T10:00:00+00:00",
                                       "02_activations": "2026-03-09T10:00:00+00:00"}
    assert times["s13_empty"] == {}
    got = {sid: DEMO_LATE.days_late({"student_id": sid, "submitted_at": t}, "02_activations")
           for sid, t in times.items()}
    assert got == DAYS_LATE_02


def test_the_demo_course_gets_its_due_date_in_its_own_gradebook(tmp_path, monkeypatch, capsys):
    course = new_course(tmp_path / "course")
    set_due_dates(course, {})  # the gradebook, as the build leaves it: no due dates
    assert demo.set_due_dates(course) is True
    assert read_due_dates(course) == ({"02_activations": DUE_02}, {})
    # a gradebook on a database server (here: a file outside the course) is a real course's: left alone
    other = tmp_path / "shared.db"
    monkeypatch.setenv("CH3_GRADEBOOK_URL", f"sqlite:///{other}")
    assert demo.set_due_dates(new_course(tmp_path / "second")) is False
    assert not other.exists() and "sets no due dates" in capsys.readouterr().out


def test_the_similarity_authors_wrote_their_own_layers(demo_class):
    dest, _ = demo_class
    layers = {sid: (dest / sid / "classifiers/chapter3/layers.py").read_text() for sid in
              ("s01_complete", "s14_alice", "s15_copied_function", "s16_renamed_copy", "s17_independent")}
    assert len(set(layers.values())) == 5
    assert "np.einsum" in layers["s17_independent"] and "grad_x" in layers["s14_alice"]
    assert "grad_x" not in layers["s16_renamed_copy"] and "dX" in layers["s16_renamed_copy"]
    copied = demo.demo_authors.ALICE["softmax_loss"].strip().splitlines()[3].strip()
    assert copied in layers["s15_copied_function"] and "shifted = x - x.max" not in layers["s15_copied_function"]


def test_similarity_on_the_demo_class_ranks_the_copies_above_independent_work(demo_class, tmp_path):
    dest, students = demo_class
    pairs = similarity.run(dest, tmp_path / "similarity", lang="en", progress=False)
    layers = {frozenset((p.a.owner, p.b.owner)): p.similarity for p in pairs if p.a.module == "layers.py"}
    # whose code each layers.py holds: the reference (every student the demo made from it), Alice, Dave
    source = {sid: {"reference"} for sid in students if sid < "s14"}
    source.update(s14_alice={"alice"}, s15_copied_function={"reference", "alice"}, s16_renamed_copy={"alice"},
                  s17_independent={"dave"})
    copies = [layers[frozenset(p)] for p in [("s14_alice", "s15_copied_function"), ("s14_alice", "s16_renamed_copy")]]
    independent = [layers.get(frozenset((a, b)), 0.0) for a in source for b in source
                   if a < b and not source[a] & source[b]]
    assert len(independent) > 30 and min(copies) > max(independent), (copies, max(independent))
    assert "s13_empty" not in {o for p in pairs for o in (p.a.owner, p.b.owner)}  # nothing handed in
    with open(tmp_path / "similarity" / "pairs.csv", newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == len(pairs)


def test_the_same_arrays_give_the_same_model_file():
    arrays = {"W1": np.arange(6.0).reshape(2, 3), "b1": np.zeros(3)}
    assert demo.npz_bytes(arrays) == demo.npz_bytes(dict(arrays))


def test_patch_refuses_text_that_is_not_there():
    with pytest.raises(ValueError, match="update grading/demo.py"):
        demo.patch("abc", "xyz", "")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_grading_the_demo_class_catches_each_bug(demo_class, tmp_path):
    dest, _ = demo_class
    records, failures = autograde.autograde(dest, tmp_path / "out", workers=2, lang="en", only=CELLS,
                                            limits=demo.demo_limits(), gradebook=False, feedback=False,
                                            progress=False)
    assert failures == []
    got = {r["student_id"]: r for r in records}
    problems = []
    for sid, (fails, status) in FAILS.items():
        failed = sorted(c for c in CELLS if got[sid]["cells"][c][2] != "passed")
        if failed != sorted(fails) or got[sid]["status"] != status:
            problems.append(f"{sid}: failed {failed}, status {got[sid]['status']!r}")
    assert not problems, "\n".join(problems)
    assert got["s01_complete"]["total"] == got["s01_complete"]["max_total"] == sum(
        c.points for c in autograde.make_plan("en", only=CELLS).auto_cells)
    # the class report of these real records: every cell's count is a recount of results/*.json
    page = class_report.write_report(tmp_path / "out", "en").read_text(encoding="utf-8")
    shown = dict(re.findall(r'data-grade-id="(\w+)" data-notebook="\w+" data-passed="(\d+)"', page))
    assert shown == {c: str(sum(r["cells"][c][2] == "passed" for r in records)) for c in CELLS}
    assert re.findall(r'<tr class="unusual" data-student="(\w+)"', page) == [
        sid for sid, (_, status) in FAILS.items() if status != "ok"]
    # late work with the demo course's due date: grades.csv's last column, the summary's count
    plan = autograde.make_plan("en", only=CELLS)
    rows = list(csv.DictReader(io.StringIO(report.grades_csv(records, plan, late=DEMO_LATE))))
    assert list(rows[0])[-1] == "02_activations_days_late"
    assert {r["student_id"]: r["02_activations_days_late"] for r in rows} == {
        sid: "" if days is None else str(days) for sid, days in DAYS_LATE_02.items()}
    summary = report.summary(records, plan, tmp_path / "out", late=DEMO_LATE)
    assert "  02_activations: 1 of 17 late (due 2026-03-08 15:59 UTC)" in summary.splitlines()
