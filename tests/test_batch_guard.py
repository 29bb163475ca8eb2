"""The batch never hangs and never loses a student: what fails in the grader becomes that student's status."""
import csv
import threading
from pathlib import Path

import numpy as np
import pytest

from grading import autograde, demo
from grading.autograde import intake, model_score, sandbox, student
from grading.facts import MODEL_FILE

ONLY = ["affine_forward_value", "FullyConnectedNet_best_model_file"]
LIMITS = sandbox.Limits(case_seconds=5.0, total_seconds=30.0)


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """Three students with the reference's layers.py: a, b, c."""
    root = tmp_path_factory.mktemp("class")
    layers = demo.reference_sources()["layers.py"]
    for sid in ("a", "b", "c"):
        path = root / sid / "classifiers" / "chapter3" / "layers.py"
        path.parent.mkdir(parents=True)
        path.write_text(layers)
    return root


def grade(klass, out, **options):
    return autograde.autograde(klass, out, workers=2, lang="en", only=ONLY, limits=LIMITS, gradebook=False,
                               feedback=False, progress=False, **options)


def rows(out):
    with open(out / "grades.csv", encoding="utf-8") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def test_an_exception_in_a_worker_is_that_students_status(klass, tmp_path, monkeypatch):
    real = model_score.model_runs

    def exploding(tree, plan, scoring=None):
        if tree is not None and tree.name == "b":
            raise MemoryError
        return real(tree, plan, scoring)
    monkeypatch.setattr(model_score, "model_runs", exploding)
    records, failures = grade(klass, tmp_path / "out")
    assert failures == []
    table = rows(tmp_path / "out")
    assert sorted(table) == ["a", "b", "c"]
    assert table["b"]["status"] == "grader error: MemoryError" and float(table["b"]["total"]) == 0
    assert table["a"]["status"] == table["c"]["status"] == "ok" and float(table["a"]["affine_forward_value"]) > 0

    # a rerun grades the failed student again, and only them
    monkeypatch.setattr(model_score, "model_runs", real)
    graded = []
    monkeypatch.setattr(student, "student_runs",
                        lambda batch, sub, remote=None: graded.append(sub.student_id) or real_runs(batch, sub))
    grade(klass, tmp_path / "out")
    assert graded == ["b"] and rows(tmp_path / "out")["b"]["status"] == "ok"


real_runs = student.student_runs


def test_a_publishing_failure_keeps_the_scores(klass, tmp_path, monkeypatch):
    def broken(batch, sub, cells):
        if sub.student_id == "a":
            raise OSError(28, "No space left on device")
    monkeypatch.setattr(student, "publish", broken)
    grade(klass, tmp_path / "out")
    table = rows(tmp_path / "out")
    assert table["a"]["status"] == "feedback failed: OSError: [Errno 28] No space left on device"
    assert table["a"]["affine_forward_value"] == table["b"]["affine_forward_value"] != "0.0"


@pytest.mark.timeout(120)
def test_the_watchdog_gives_up_on_a_stuck_student(klass, tmp_path, monkeypatch):
    release = threading.Event()

    def stuck(batch, sub, remote=None):
        if sub.student_id == "c":
            release.wait(100)
        return real_runs(batch, sub, remote)
    monkeypatch.setattr(student, "student_runs", stuck)
    try:
        grade(klass, tmp_path / "out", watchdog_seconds=8)
        table = rows(tmp_path / "out")
        assert sorted(table) == ["a", "b", "c"]
        assert table["c"]["status"] == "grader error: watchdog: not finished after 8 s"
        assert table["a"]["status"] == table["b"]["status"] == "ok"
    finally:
        release.set()


def test_unicode_names_keep_their_work_and_get_their_row(tmp_path):
    layers = demo.reference_sources()["layers.py"]
    names = ["李雷", "Ada Lovelace", "学" * 85]
    for name in [*names, ".hidden"]:
        path = tmp_path / "class" / name / "classifiers" / "chapter3" / "layers.py"
        path.parent.mkdir(parents=True)
        path.write_text(layers)
    records, _ = grade(tmp_path / "class", tmp_path / "out")
    by_name = {r["name"]: r for r in records}
    assert sorted(by_name) == sorted([*names, ".hidden"])
    for name in names:
        assert by_name[name]["status"] == "ok" and by_name[name]["scores"]["affine_forward_value"] > 0, name
    assert by_name[".hidden"]["status"] == "rejected: hidden folder (its name starts with a dot)"
    table = rows(tmp_path / "out")
    assert sorted(table) == sorted(r["student_id"] for r in records)
    with open(tmp_path / "out" / "student_ids.csv", encoding="utf-8") as f:
        mapping = {r["name"]: r["student_id"] for r in csv.DictReader(f)}
    assert {n: mapping[n] for n in names} == {n: by_name[n]["student_id"] for n in names}
    assert all(intake._ID.fullmatch(mapping[n]) for n in names)


def test_saved_models_are_scored_on_one_blas_thread(klass, tmp_path, monkeypatch):
    """The grader's own BLAS (scoring best_model.npz) runs on one thread during a batch: with more, its threads spin
    waiting for each other while the sandboxes keep the cores busy. After the batch the limit is gone."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():  # of NumPy's BLAS (the test process may hold SciPy's too)
        return sorted({p["num_threads"] for p in threadpool_info()
                       if p["user_api"] == "blas" and Path(p["filepath"]).parent.name.startswith("numpy")})
    seen, real = [], model_score.trusted_predictions

    def watched(params, X):
        seen.append(blas_threads())
        return real(params, X)
    monkeypatch.setattr(model_score, "trusted_predictions", watched)
    models = tmp_path / "class"
    for sid in ("a", "b"):
        folder = models / sid
        (folder / "classifiers" / "chapter3").mkdir(parents=True)
        (folder / "classifiers" / "chapter3" / "layers.py").write_text(demo.reference_sources()["layers.py"])
        rng = np.random.default_rng(len(sid))
        model = folder / "assignments" / "05_deep_net_optimizers" / MODEL_FILE
        model.parent.mkdir(parents=True)
        model.write_bytes(demo.npz_bytes({"W1": rng.normal(size=(3072, 8)), "b1": np.zeros(8),
                                          "W2": rng.normal(size=(8, 10)), "b2": np.zeros(10)}))
    with threadpool_limits(2):  # whatever the environment says
        grade(models, tmp_path / "out")
        assert blas_threads() == [2]
    assert seen and all(threads == [1] for threads in seen), seen
