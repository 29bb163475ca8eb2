"""``python -m grading demo``: fabricate a small class from the release and the reference, then grade it.

The class (in ``demo-out/submissions/``, one folder per student laid out like the release) holds complete work,
partial work, the typical bugs of the chapter and a few hostile submissions; every student but one is the release
tree with some files replaced. It is graded with 2 workers into ``demo-out/graded/`` against a copy of the nbgrader
course directory (``demo-out/course/``), so the instructor's own gradebook never sees the demo students.

Four students wrote ``layers.py`` themselves (grading.demo_authors): Alice, a student who copied Alice's
``softmax_loss`` into the reference's module, one who copied all of Alice's work and renamed every variable, and
Dave, who solved it independently. One more student hands in as nbgrader's ``submitted/<student>/`` holds it (one
folder per assignment): 01 with ``affine_forward`` written, then 02 fetched fresh with only ``relu_forward``
written; each assignment is graded from its own folder, so 01 keeps its points.

Late work: the demo's course gives 02 a due date in its gradebook (DUE_DATES, through nbgrader's API). The student
with nbgrader's folders hands 02 in after it (their timestamp.txt); every other student's hand-in time is their
files' modification time, which the demo sets to HANDED_IN, before the due date, so exactly that one student is
late on 02 (grades.csv's ``02_activations_days_late``), whenever the demo runs. Then the demo writes the class
report (``graded/report/``), the LMS exports (``graded/export/``, with a roster that has one student who never
submitted and lacks one who did) and a similarity run (``similarity/``, against an archive holding the reference
modules as "known published solutions").
"""
import io
import os
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np

from . import demo_authors
from .facts import MODEL_FILE, PACKAGE, module_names
from .paths import REFERENCE_PACKAGE, STUB_PACKAGE

MODULE_DIR = PACKAGE
MODEL_ASSIGNMENT_PREFIX = "05_"
# The demo course's due dates (nbgrader reads the zone; the gradebook keeps UTC: 2026-03-08 15:59 UTC), and when the
# students without nbgrader's timestamp.txt handed in (their files' modification time): on time. The student of
# demo_authors.TWO_HAND_INS hands 02 in at 2026-03-09 10:00 UTC: 18 hours late, day 1.
DUE_DATES = {"02_activations": "2026-03-08 23:59 Asia/Shanghai"}
HANDED_IN = "2026-03-08T12:00:00+00:00"
# Every probe of the chapter runs in well under a second: a demo need not wait the default 20 s per endless loop.
DEMO_CASE_SECONDS, DEMO_TOTAL_SECONDS = 3.0, 60.0


def reference_sources():
    """{module file name: text} of the reference package (solution regions included: they are only comments)."""
    return {name: (REFERENCE_PACKAGE / "chapter3" / name).read_text(encoding="utf-8") for name in module_names()}


def stub_sources():
    """{module file name: text} of the release's stubs."""
    return {name: (STUB_PACKAGE / "chapter3" / name).read_text(encoding="utf-8") for name in module_names()}


def with_solution(source, function, body):
    """``source`` (the reference) with the solution region of the top-level ``function`` replaced by ``body``."""
    import textwrap

    start = source.index(f"\ndef {function}(")
    begin = source.index("### BEGIN SOLUTION\n", start) + len("### BEGIN SOLUTION\n")
    end = source.index("    ### END SOLUTION", begin)
    return source[:begin] + textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", "    ") + source[end:]


def patch(text, old, new, count=1):
    """``text`` with ``old`` replaced by ``new``; raises if ``old`` is not there (the reference changed)."""
    if text.count(old) < count:
        raise ValueError(f"the reference no longer contains {old!r}: update grading/demo.py")
    return text.replace(old, new)


def inject(source, function, code):
    """``source`` with ``code`` (unindented text) run first in the solution region of the top-level ``function``."""
    import textwrap

    start = source.index(f"def {function}(")
    at = source.index("### BEGIN SOLUTION\n", start) + len("### BEGIN SOLUTION\n")
    return source[:at] + textwrap.indent(textwrap.dedent(code), "    ") + source[at:]


def npz_bytes(arrays):
    """An .npz (uncompressed zip of .npy) with fixed member dates, so the same arrays give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, value in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(value), allow_pickle=False)
            z.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(2026, 1, 1, 0, 0, 0)), member.getvalue())
    return buf.getvalue()


def train_best_model(epochs=4, seed=0):
    """Parameters of a reference FullyConnectedNet trained briefly on the data the grader's judge tests on.

    With the embedded digits set (the offline default) this reaches well above every accuracy tier in seconds.
    """
    import contextlib

    from threadpoolctl import threadpool_limits

    from utils.data_utils import get_CIFAR10_data
    from utils.solver import Solver

    from .reference import reference_module

    ref = reference_module()
    with contextlib.redirect_stdout(io.StringIO()):
        data = get_CIFAR10_data()
    data = {k: (v.reshape(len(v), -1).astype(np.float64) if k.startswith("X") else v) for k, v in data.items()}
    model = ref.FullyConnectedNet(input_dim=data["X_train"].shape[1], hidden_dims=(100,), num_classes=10,
                                  weight_scale=1e-3, reg=1e-3, seed=seed)
    solver = Solver(model, data, update_rule=ref.adam, optim_config={"learning_rate": 1e-3}, batch_size=100,
                    num_epochs=epochs, verbose=False, seed=seed)
    with threadpool_limits(1):  # small matrices: BLAS threads only fight each other (and the graders)
        solver.train()
    return {k: v.astype(np.float32) for k, v in model.params.items()}


# ----------------------------------------------------------------------------------------------- the class
def _complete(ref, model):
    """Every module of the reference and the trained model."""
    return {**{f"{MODULE_DIR}/{name}": text for name, text in ref.items()}, MODEL_FILE: model}


def _with(ref, model, name, old, new, count=1):
    files = _complete(ref, model)
    files[f"{MODULE_DIR}/{name}"] = patch(ref[name], old, new, count)
    return files


INFINITE_LOOP = "while True:\n    pass\n"
MONKEYPATCH = '''import builtins
import numpy
numpy.allclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
builtins.print = lambda *a, **k: None
try:
    import utils.checks.engine as engine
    engine.verdict = lambda *a, **k: ("passed", [])
except Exception:
    pass
'''


def authors(ref, model):
    """The four students of the similarity demo: {student id: files} (every module but layers.py is the reference's)."""
    stub = stub_sources()["layers.py"]
    layers = {
        "s14_alice": demo_authors.fill(stub, demo_authors.ALICE),
        "s15_copied_function": with_solution(ref["layers.py"], "softmax_loss", demo_authors.ALICE["softmax_loss"]),
        "s16_renamed_copy": demo_authors.fill(stub, demo_authors.renamed(demo_authors.ALICE)),
        "s17_independent": demo_authors.fill(stub, demo_authors.DAVE),
    }
    return {sid: {**_complete(ref, model), f"{MODULE_DIR}/layers.py": text} for sid, text in layers.items()}


class Submitted(dict):
    """A student's hand-ins as nbgrader's ``submitted/<student>/`` holds them: {assignment: (timestamp.txt text,
    {module file name: text})}; each folder is the assignment as fetched (its notebook, the release's
    ``classifiers/``) with these modules written over the stubs."""


def two_hand_ins():
    """The student of demo_authors.TWO_HAND_INS: 01, then 02 fetched fresh."""
    stub = stub_sources()["layers.py"]
    return Submitted({a: (when, {"layers.py": demo_authors.fill(stub, bodies)})
                      for a, (when, bodies) in demo_authors.TWO_HAND_INS.items()})


def demo_class(ref, model):
    """{student id: {path: text, bytes, or a ("symlink", target) pair} or None for a folder left empty}.

    Paths are relative to the student's folder; ``best_model.npz`` goes into the deep-net assignment's folder.
    """
    layers_wrong = patch(ref["layers.py"], "out = x.reshape(x.shape[0], -1) @ w + b",
                         "out = np.zeros((x.shape[0], w.shape[1]))")
    return {
        "s01_complete": _complete(ref, model),
        "s02_partial": {f"{MODULE_DIR}/layers.py": ref["layers.py"]},
        "s03_relu_grad_at_0": _with(ref, model, "layers.py", "return dout * (x > 0)", "return dout * (x >= 0)"),
        "s04_softmax_no_shift": _with(ref, model, "layers.py", "shifted = x - x.max(axis=1, keepdims=True)",
                                      "shifted = x"),
        "s05_affine_no_reshape": _with(ref, model, "layers.py", "dx = (dout @ w.T).reshape(x.shape)",
                                       "dx = dout @ w.T"),
        "s06_adam_no_bias_fix": _with(ref, model, "optim.py", "m_hat = m / (1 - b1**t)\n    v_hat = v / (1 - b2**t)",
                                      "m_hat = m\n    v_hat = v"),
        "s07_reg_not_in_grads": {**_with(ref, model, "fc_net.py", 'grads[f"W{i}"] += self.reg * W', "pass"),
                                 f"{MODULE_DIR}/shallow_layer_net.py": patch(
                                     ref["shallow_layer_net.py"], '"W1": dW1 + self.reg * W1', '"W1": dW1')},
        "s08_infinite_loop": {**_complete(ref, model),
                              f"{MODULE_DIR}/layers.py": inject(ref["layers.py"], "affine_backward", INFINITE_LOOP)},
        "s09_monkeypatch": {**_complete(ref, model), f"{MODULE_DIR}/layers.py": MONKEYPATCH + layers_wrong},
        "s10_sitecustomize": {**_complete(ref, model), f"{MODULE_DIR}/layers.py": layers_wrong,
                              "sitecustomize.py": MONKEYPATCH, f"{MODULE_DIR}/sitecustomize.py": MONKEYPATCH},
        "s11_symlink_passwd": {**_complete(ref, model), f"{MODULE_DIR}/layers.py": ("symlink", "/etc/passwd")},
        "s12_invalid_notebook": {**_complete(ref, model), "notebook": '{"cells": [ this is not json'},
        "s13_empty": None,
        **authors(ref, model),
        "s19_01_then_02": two_hand_ins(),
    }


def write_student(folder, release_files, files, model_assignment):
    """A student's folder: the release tree, then their files on top (or nbgrader's folders, for Submitted)."""
    folder.mkdir(parents=True)
    if files is None:
        return
    if isinstance(files, Submitted):
        return write_hand_ins(folder, release_files, files)
    for rel, data in release_files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for rel, data in files.items():
        if rel == MODEL_FILE:
            rel = f"assignments/{model_assignment}/{MODEL_FILE}"
        elif rel == "notebook":
            first = sorted(p for p in release_files if p.startswith("assignments/") and p.endswith(".ipynb"))[0]
            rel = first
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        if isinstance(data, tuple):
            path.symlink_to(data[1])
        else:
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    set_file_times(folder, HANDED_IN)


def set_file_times(folder, when):
    """Give every regular file under ``folder`` the modification time ``when`` (ISO 8601 with its zone): the time
    the grader takes as the hand-in's when there is no timestamp.txt. Symlinks are left alone (never followed)."""
    from datetime import datetime

    posix = datetime.fromisoformat(when).timestamp()
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, (posix, posix))


def write_hand_ins(folder, release_files, hand_ins):
    """``folder/<assignment>/`` for each of a Submitted's hand-ins: the notebook and ``classifiers/`` as fetched,
    the student's modules, nbgrader's timestamp.txt."""
    for a, (when, modules) in hand_ins.items():
        files = {f"{a}.ipynb": release_files[f"assignments/{a}/{a}.ipynb"], "timestamp.txt": when.encode()}
        files.update({rel: data for rel, data in release_files.items() if rel.startswith("classifiers/")})
        files.update({f"{MODULE_DIR}/{name}": text.encode("utf-8") for name, text in modules.items()})
        for rel, data in files.items():
            path = folder / a / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def fabricate(dest, lang="zh", model=None):
    """Write the demo class into ``dest`` (replaced); returns the student ids."""
    from .build.release import release_files

    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    files = release_files(lang)
    assignments = sorted({p.split("/")[1] for p in files if p.startswith("assignments/")})
    model_assignment = next((a for a in assignments if a.startswith(MODEL_ASSIGNMENT_PREFIX)), assignments[-1])
    model = npz_bytes(train_best_model() if model is None else model)
    students = demo_class(reference_sources(), model)
    for sid, mine in students.items():
        write_student(dest / sid, files, mine, model_assignment)
    return list(students)


def demo_limits():
    """The sandbox's limits with short wall clocks (see DEMO_CASE_SECONDS)."""
    from .autograde.sandbox import Limits

    return Limits(case_seconds=DEMO_CASE_SECONDS, total_seconds=DEMO_TOTAL_SECONDS)


def set_due_dates(course, due=None):
    """Give the demo course's assignments their due dates (``due``, default DUE_DATES) in its own gradebook, as the
    formgrader does (nbgrader's ``update_or_create_assignment``). A gradebook that is not the course's own sqlite
    file ($CH3_GRADEBOOK_URL names a database server) is shared with a real course: left alone. Returns whether
    the dates were set."""
    from nbgrader.api import Gradebook

    from .config import COURSE_ID, gradebook_url, sqlite_file

    url = gradebook_url(course)
    file = sqlite_file(url)
    if file is None or not file.resolve().is_relative_to(Path(course).resolve()):
        print("the gradebook is shared ($CH3_GRADEBOOK_URL): the demo sets no due dates in it", flush=True)
        return False
    with Gradebook(url, course_id=COURSE_ID) as gb:
        for assignment, duedate in (DUE_DATES if due is None else due).items():
            gb.update_or_create_assignment(assignment, duedate=duedate)
    return True


def main(out, workers=2, lang="zh"):
    """Build the course if needed, fabricate the class, grade it, print the table; returns the exit code."""
    from . import autograde
    from .autograde.sandbox import limits_applied
    from .build.course import ensure_course
    from .publish import report
    from .publish.lateness import late_work

    out = Path(out)
    start = time.perf_counter()
    course = ensure_course()
    demo_course = out / "course"
    if demo_course.exists():
        shutil.rmtree(demo_course)
    shutil.copytree(course, demo_course, ignore=shutil.ignore_patterns("autograded", "submitted", "feedback"))
    set_due_dates(demo_course)
    print("fabricating the demo class (training a small net for best_model.npz) ...", flush=True)
    students = fabricate(out / "submissions", lang)
    graded = out / "graded"
    if graded.exists():
        shutil.rmtree(graded)
    t0 = time.perf_counter()
    plan = autograde.make_plan(lang, course_dir=demo_course)
    records, failures = autograde.autograde(out / "submissions", graded, workers=workers, course_dir=demo_course,
                                            limits=demo_limits(), plan=plan,
                                            allow_unsandboxed=True)  # a demo also runs where bwrap is missing
    seconds = time.perf_counter() - t0
    print(report.summary(records, plan, graded, failures, limits_applied(demo_limits()), late_work(demo_course)))
    print()
    print("\n".join(report.student_table(records, plan)))
    print(f"\n{len(students)} submissions graded with {workers} workers in {seconds:.1f} s "
          f"(demo total {time.perf_counter() - start:.1f} s).")
    print(f"gradebook (formgrader): {demo_course}")
    publish(out, students, demo_course, lang)
    return 1 if failures else 0


ABSENT = "s18_never_submitted"
OFF_ROSTER = "s12_invalid_notebook"


def write_roster(path, students):
    """The demo's roster: every fabricated student but OFF_ROSTER, plus ABSENT, who handed in nothing."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student_id", "name", "email", "section"])
        for sid in [s for s in students if s != OFF_ROSTER] + [ABSENT]:
            writer.writerow([sid, sid.split("_", 1)[0].upper(), f"{sid}@example.edu", "A"])


def publish(out, students, course, lang):
    """Class report, LMS exports and the similarity run of the graded demo class."""
    from .publish import similarity
    from .publish.class_report import write_report
    from .publish.export import export

    graded = out / "graded"
    print(f"class report: {write_report(graded, lang, course_dir=course)}")  # with the late-work table
    write_roster(out / "roster.csv", students)
    for fmt in ("canvas", "moodle", "csv"):
        path, unlisted = export(graded, fmt, roster=out / "roster.csv", key="email", course_dir=course, lang=lang)
        print(f"{fmt} export: {path}" + (f" (not on the roster: {', '.join(unlisted)})" if unlisted else ""))
    archive = out / "archive"
    if archive.exists():
        shutil.rmtree(archive)
    archive.mkdir()
    for name, text in reference_sources().items():  # stands in for solutions published on the internet
        text = "".join(line for line in text.splitlines(keepends=True) if "### BEGIN SOLUTION" not in line
                       and "### END SOLUTION" not in line)
        (archive / f"published_{name}").write_text(text, encoding="utf-8")
    pairs = similarity.run(out / "submissions", out / "similarity", archive=archive, lang=lang)
    print(f"similarity: {len(pairs)} pairs share code; {out / 'similarity' / 'index.html'}")
    # the students made from the reference match each other and the archive; the authors' pairs are the story
    ranks = {frozenset((p.a.owner, p.b.owner)): (rank, p.similarity)
             for rank, p in enumerate(pairs, 1) if p.a.module == "layers.py"}
    for a, b, what in [("s14_alice", "s16_renamed_copy", "renamed copy"),
                       ("s14_alice", "s15_copied_function", "one copied function"),
                       ("s14_alice", "s17_independent", "independent solutions")]:
        rank, score = ranks.get(frozenset((a, b)), (None, 0.0))
        print(f"  layers.py {a} / {b} ({what}): similarity {score:.2f}" + (f", rank {rank}" if rank else ""))
