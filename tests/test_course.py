"""The nbgrader course directory: built by the real ``nbgrader generate_assignment``, equal to our in-process build."""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grading import build, config, facts
from grading.build import course
from grading.build.notebooks import TEXT_STUB
from grading.build.release import helper_files, stub_files
from grading.facts import DEFAULT_LANGUAGE
from grading.paths import ROOT
from tests.course_helpers import built_course, course_copy

NAMES = facts.assignment_names()


def _nbgrader(*args, cwd, home):
    """Run the real ``nbgrader`` command of this interpreter in ``cwd``; returns (exit code, stdout)."""
    home.mkdir(exist_ok=True)
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
           "HOME": str(home), "PYTHONUTF8": "1", "CH3_LANG": DEFAULT_LANGUAGE, "CH3_DATA": "embedded",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    return proc.returncode, proc.stdout


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_layout_of_every_assignment():
    root = built_course()
    assert (root / "nbgrader_config.py").read_bytes() == config.CONFIG_FILE.read_bytes()
    assert (root / "gradebook.db").is_file()
    support = sorted([*dict(stub_files(DEFAULT_LANGUAGE)), *dict(helper_files(DEFAULT_LANGUAGE))])
    assert NAMES and NAMES == [p.stem for p in build.notebook_sources()]
    for name in NAMES:
        assert _files(root / "source" / name) == sorted([f"{name}.ipynb", *support])
        assert _files(root / "release" / name) == sorted([f"{name}.ipynb", *support])
    assert not [p for p in root.rglob("*") if p.name in ("__pycache__", ".ipynb_checkpoints") or p.suffix == ".pyc"]


def test_nbgrader_release_equals_the_in_process_student_build():
    """nbgrader's generate_assignment and grading/build/notebooks.py give byte-identical student notebooks (cells,
    metadata, checksums), so the committed assignments/ are what nbgrader would release."""
    root = built_course()
    expected = dict(build.student_notebooks(DEFAULT_LANGUAGE))
    for name in NAMES:
        rel = Path("assignments") / name / f"{name}.ipynb"
        released = (root / "release" / name / f"{name}.ipynb").read_text(encoding="utf-8")
        assert released == expected[rel]
        assert (ROOT / rel).read_text(encoding="utf-8") == released, "committed copy is stale: run the build"


def test_release_modules_are_the_stubs_and_never_the_reference():
    root = built_course()
    stubs = dict(stub_files(DEFAULT_LANGUAGE))
    for name in NAMES:
        for rel, data in stubs.items():
            assert (root / "release" / name / rel).read_bytes() == data
    text = "\n".join(p.read_text(encoding="utf-8") for p in (root / "release").rglob("*.py"))
    assert "### BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text


def test_gradebook_holds_every_grade_cell_with_its_points():
    root = built_course()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=config.COURSE_ID) as gb:
        assert sorted(a.name for a in gb.assignments) == sorted(NAMES)
        for name in NAMES:
            nb = nbformat.read(root / "release" / name / f"{name}.ipynb", as_version=4)
            points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
                      for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
            cells = gb.find_assignment(name).notebooks[0].grade_cells
            assert {c.name: c.max_score for c in cells} == points
            assert gb.find_assignment(name).max_score == sum(points.values())


def test_config_as_nbgrader_loads_it():
    nb_config = config.load_config(built_course())
    assert nb_config.CourseDirectory.course_id == "chapter3"
    assert nb_config.OverwriteCells.add_missing_cells is True
    assert 0 < nb_config.Execute.timeout <= 300 and nb_config.LimitOutput.max_lines > 0
    assert nb_config.ClearSolutions.text_stub == TEXT_STUB["zh"]  # as in the in-process build of the zh course
    assert "code_stub" not in nb_config.ClearSolutions  # nbgrader's default
    for name in NAMES:
        excluded = nb_config.Autograde.exclude_overwriting[name]
        assert "classifiers/chapter3/layers.py" in excluded
        assert all(rel.startswith("classifiers/") and rel.endswith(".py") for rel in excluded)
    for pattern in (".ipynb_checkpoints", "__pycache__", "cache"):
        assert pattern in nb_config.CourseDirectory.ignore


def test_rebuild_keeps_the_gradebook_and_gives_the_same_release(tmp_path):
    root = course_copy(tmp_path / "course")
    before = {n: (root / "release" / n / f"{n}.ipynb").read_bytes() for n in NAMES}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=config.COURSE_ID) as gb:
        gb.add_student("kept")
    (root / "source" / NAMES[0] / "leftover.txt").write_text("old", encoding="utf-8")
    assert course.build_course(DEFAULT_LANGUAGE, root) == root
    assert {n: (root / "release" / n / f"{n}.ipynb").read_bytes() for n in NAMES} == before
    assert not (root / "source" / NAMES[0] / "leftover.txt").exists()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=config.COURSE_ID) as gb:
        assert [s.id for s in gb.students] == ["kept"]


def test_changing_grade_cells_after_submissions_is_refused_clearly(tmp_path):
    from grading.publish.gradebook import record

    root = course_copy(tmp_path / "course")
    record(root, "alice", NAMES[0], {})
    course.write_source(root, DEFAULT_LANGUAGE)
    path = root / "source" / NAMES[0] / f"{NAMES[0]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    first_grade = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    nb.cells.remove(first_grade)
    nbformat.write(nb, path)
    with pytest.raises(course.CourseError, match="already holds submissions"):
        course.generate_assignments(root, [NAMES[0]])


def test_course_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(config.COURSE_DIR_ENV, str(tmp_path / "elsewhere"))
    assert config.course_dir() == (tmp_path / "elsewhere").resolve()
    monkeypatch.delenv(config.COURSE_DIR_ENV)
    assert config.course_dir() == config.DEFAULT_COURSE_DIR.resolve()


def test_nbgrader_validate_on_every_student_notebook(tmp_path):
    """``nbgrader validate --invert`` (the command nbgrader documents for release notebooks): metadata and
    checksums are intact, and no grade cell passes before the student has written anything."""
    root = built_course()
    notebooks = [str(ROOT / "assignments" / n / f"{n}.ipynb") for n in NAMES]
    code, out = _nbgrader("validate", "--invert", *notebooks, cwd=root, home=tmp_path / "home")
    assert code == 0, out
    assert out.count("Success! The notebook does not pass any tests.") == len(NAMES), out
    assert "CHANGED" not in out and "PASSED ON" not in out


def test_course_config_never_scores_a_warning(tmp_path):
    """In the course directory nbgrader's kernels print warnings on stdout, so a RuntimeWarning costs nothing."""
    root = course_copy(tmp_path / "course")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    cell = nbformat.v4.new_code_cell("import numpy as np\nnp.log(np.zeros(1))\nprint('done')")
    cell.metadata.nbgrader = {"grade": True, "grade_id": "warns", "points": 1, "locked": True, "solution": False,
                              "schema_version": 3, "task": False}
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "warns.ipynb")
    code, out = _nbgrader("validate", str(tmp_path / "warns.ipynb"), cwd=root, home=tmp_path / "home")
    assert code == 0 and "Success! Your notebook passes all the tests." in out, out
