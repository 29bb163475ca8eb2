"""A student's whole round trip, offline: fresh release -> set up as the README says -> solve two exercises ->
run the notebooks -> hand in with collect_submission.py -> the instructor grades a folder of such zips ->
grades.csv and the feedback pages say what was solved.

The student's environment is the one the README's set-up command made (``python3 -m venv .venv`` and
``pip install -r requirements.txt`` from the release's own requirements, run once per session in a fresh release
by tests/test_student_readme.py and linked in as ``.venv``): a full install takes 1-2 minutes here, so there is no
need for a venv that borrows the project's packages. Everything the student runs (the notebooks' kernel,
collect_submission.py) runs with that environment's Python; the grading runs with the project's Python.
"""
import ast
import csv
import json
import os
import re
import subprocess
import sys

import pytest

from grading.autograde import make_plan
from grading.build.release import release
from grading.paths import ROOT, SOLUTIONS
from tests.test_student_readme import link_venv, student_env
from utils.checks.engine import CASES

SOLVED = ("affine_forward", "affine_backward", "relu_forward", "relu_backward")  # the exercises "solved"
RUN = ("01_affine_layer", "02_activations")  # the notebooks run top to bottom


def solve(module, names):
    """Replace the stub functions ``names`` of ``module`` (a file) by the reference's source text of them, found
    through the line numbers of both files' ASTs; the reference's solution markers are left out."""
    reference = (SOLUTIONS / "classifiers" / "chapter3" / module.name).read_text(encoding="utf-8")
    ref_lines, lines = reference.splitlines(keepends=True), module.read_text(encoding="utf-8").splitlines(keepends=True)
    ref_defs = {n.name: n for n in ast.parse(reference).body if isinstance(n, ast.FunctionDef)}
    stub_defs = {n.name: n for n in ast.parse("".join(lines)).body if isinstance(n, ast.FunctionDef)}
    for name in sorted(names, key=lambda n: -stub_defs[n].lineno):  # bottom up: line numbers above stay valid
        ref, stub = ref_defs[name], stub_defs[name]
        body = [line for line in ref_lines[ref.lineno - 1:ref.end_lineno]
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
        lines[stub.lineno - 1:stub.end_lineno] = body
    module.write_text("".join(lines), encoding="utf-8")


def run_notebooks(tree, env, names):
    """Restart-and-run-all, as jupyter nbconvert does it, with the student's environment and kernel."""
    paths = [f"assignments/{n}/{n}.ipynb" for n in names]
    proc = subprocess.run([".venv/bin/jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                           "--allow-errors", "--ExecutePreprocessor.timeout=300", *paths],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return [json.loads((tree / p).read_text(encoding="utf-8")) for p in paths]


def hand_in(tree, env, student_id, zips):
    """``python collect_submission.py <student_id>`` with the student's Python; the zip goes to ``zips``."""
    proc = subprocess.run([".venv/bin/python", "collect_submission.py", student_id, "--out", str(zips)], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def statuses(page):
    """{grade_id: status} of the summary table of a feedback page."""
    return dict(re.findall(r'data-grade-id="([^"]+)" data-status="([^"]+)"', page))


def _outputs(cell):
    return "".join(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"])
                   for o in cell.get("outputs", []))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Alice solves affine_* and relu_* and runs notebooks 01 and 02; Bob hands in the untouched release."""
    root = tmp_path_factory.mktemp("round-trip")
    zips, home = root / "zips", root / "home"
    env = student_env(home)
    trees, outputs = {}, {}
    for student in ("alice", "bob"):
        tree = trees[student] = root / student
        release(tree, "en")
        link_venv(tree, tmp_path_factory)
    solve(trees["alice"] / "classifiers" / "chapter3" / "layers.py", SOLVED)
    notebooks = run_notebooks(trees["alice"], env, RUN)
    for student, tree in trees.items():
        outputs[student] = hand_in(tree, env, student, zips)

    out = root / "graded"
    # The instructor's command, with a fresh nbgrader course directory that the command builds itself.
    grading = subprocess.run([sys.executable, "-m", "grading", "autograde", str(zips), "--out", str(out),
                              "--workers", "2", "--lang", "en"], cwd=ROOT, capture_output=True, text=True,
                             timeout=1200, env={**os.environ, "CH3_COURSE_DIR": str(root / "course")})
    return {"root": root, "zips": zips, "out": out, "notebooks": dict(zip(RUN, notebooks, strict=True)),
            "hand_in": outputs, "grading": grading}


def test_notebooks_ran_top_to_bottom_in_the_students_kernel(graded):
    for name, nb in graded["notebooks"].items():
        code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), name
    first = graded["notebooks"]["01_affine_layer"]
    assert not [o for c in first["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert re.search(r"autograded total +10 +/ 10", _outputs(first["cells"][-1]))
    table = _outputs(graded["notebooks"]["02_activations"]["cells"][-1])
    assert re.search(r"relu_backward_at_zero +1 +✔ passed", table)
    assert re.search(r"sigmoid_forward_value +2 +… not attempted", table)


def test_hand_in_warns_and_zips_exactly_the_graded_files(graded):
    alice, bob = graded["hand_in"]["alice"], graded["hand_in"]["bob"]
    assert "== 01_affine_layer ==" in alice and "== 07_architecture_list ==" in alice  # the visible checks ran
    assert "layers.py: still NotImplementedError in sigmoid_forward," in alice
    assert "affine_forward" not in alice.split("layers.py: still NotImplementedError")[1].split("\n")[0]
    assert "Not run yet (no outputs saved): 03_losses, 04_shallow_net, 05_deep_net_optimizers" in alice
    assert "01_affine_layer, 02_activations" in bob
    assert sorted(p.name for p in graded["zips"].iterdir()) == ["submission_alice.zip", "submission_bob.zip"]


def test_autograder_grades_the_zips(graded):
    proc = graded["grading"]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    plan = make_plan("en")
    points = {c.grade_id: c.points for c in plan.auto_cells}
    with open(graded["out"] / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == ["alice", "bob"]
    solved = {g for g in points if g.startswith(tuple(f"{name}_" for name in SOLVED))}
    assert {CASES[g].target for g in solved} == set(SOLVED) and len(solved) == 13
    for student, earned in (("alice", solved), ("bob", set())):
        row = rows[student]
        assert row["status"] == "ok", row
        got = {g: float(row[g]) for g in points}
        assert got == {g: points[g] if g in earned else 0.0 for g in points}, student
        assert float(row["total"]) == sum(points[g] for g in earned)
        assert float(row["max_total"]) == plan.max_total


def test_feedback_pages_name_solved_parts_passed_and_the_rest_not_done(graded):
    feedback = graded["out"] / "feedback"
    first = statuses((feedback / "alice" / "01_affine_layer.html").read_text(encoding="utf-8"))
    assert first == {g: "passed" for g in first} and len(first) == 7 and all(g.startswith("affine_") for g in first)
    page = (feedback / "alice" / "02_activations.html").read_text(encoding="utf-8")
    second = statuses(page)
    assert {g for g, s in second.items() if s == "passed"} == {g for g in second if g.startswith("relu_")}
    assert {s for g, s in second.items() if not g.startswith("relu_")} == {"not attempted"}
    assert "sigmoid_forward still raises NotImplementedError" in page
    blank = statuses((feedback / "bob" / "01_affine_layer.html").read_text(encoding="utf-8"))
    assert set(blank) == set(first) and set(blank.values()) == {"not attempted"}
