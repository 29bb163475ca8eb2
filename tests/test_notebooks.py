"""Issue 3's promises about the notebooks, checked by executing them in real Jupyter kernels.

- Every instructor notebook (solutions and hidden tests in) runs top to bottom with the reference modules and every
  grade cell passes.
- Every student notebook runs top to bottom with the stubs: each module-graded cell fails, every other cell runs
  (but the notebook's own solution cells, whose nbgrader stub raises until the student fills them in).
- The zh and en builds have the same grade cells.
"""
import os
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from grading.build import notebook_sources
from grading.build.notebooks import instructor_notebook
from grading.paths import ASSIGNMENTS, REFERENCE_PACKAGE, ROOT
from tests.zh_text import findings, output_text

SOURCES = notebook_sources()
IDS = [source.stem for source in SOURCES]


def _tree(tmp_path, classifiers):
    """A course tree like the release: the given classifiers package, the given utils, an assignments folder."""
    shutil.copytree(classifiers, tmp_path / "classifiers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "utils", tmp_path / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _execute(nb, folder, name, allow_errors=False, data=None):
    """Execute ``nb`` saved as ``folder/name.ipynb`` (its progress cell reads the file).

    Offline data (the embedded sets), or with ``data`` a cache folder to load real data sets from.
    """
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    env = {"CH3_DATA": "embedded" if data is None else "auto",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    if data is not None:
        env["CH3_DATA_DIR"] = str(data)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def _run_instructor(stem, tmp_path, lang="en", data=None):
    """The instructor notebook ``stem`` executed with the reference modules (see _execute for ``data``)."""
    source = next(s for s in SOURCES if s.stem == stem)
    tree = _tree(tmp_path, REFERENCE_PACKAGE)
    return _execute(instructor_notebook(source, lang), tree / "assignments" / stem, stem, data=data)


def _printed(nb):
    """Everything the code cells of an executed notebook printed, as one string."""
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def _not_chinese(nb):
    """What the executed notebook's outputs show a zh student that is not Chinese (Python's tracebacks aside)."""
    return findings(output_text(nb.cells, tracebacks=False))


def _grade_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_instructor_notebook_earns_full_points_with_the_reference(source, tmp_path):
    tree = _tree(tmp_path, REFERENCE_PACKAGE)
    nb = _execute(instructor_notebook(source, "zh"), tree / "assignments" / source.stem, source.stem)
    grade_cells = _grade_cells(nb)
    assert grade_cells, "a notebook without grade cells"
    for cell in grade_cells:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert not _errors(cell), f"{cell.metadata.nbgrader['grade_id']} failed:\n{text}"
        assert "✔" in text and "✘" not in text
    assert _not_chinese(nb) == [], "English or half-width punctuation shown to a zh student"
    assert "missing from font" not in _printed(nb), "Chinese plot text drawn as empty boxes"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_student_notebook_runs_with_the_stubs_and_earns_nothing(source, tmp_path):
    tree = _tree(tmp_path, ROOT / "classifiers")
    nb = nbformat.read(ASSIGNMENTS / source.stem / f"{source.stem}.ipynb", as_version=4)
    nb = _execute(nb, tree / "assignments" / source.stem, source.stem, allow_errors=True)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert _errors(cell), f"{meta['grade_id']} passes with the stubs"
        elif meta.get("solution"):
            continue  # a cell the student writes in the notebook: nbgrader's stub raises NotImplementedError
        else:
            assert not _errors(cell), f"a non-graded cell fails with the stubs:\n{cell.source}\n{_errors(cell)}"
    assert _not_chinese(nb) == [], "English or half-width punctuation shown to a zh student"


def _grade_signature(nb):
    return [(c.metadata.nbgrader["grade_id"], c.metadata.nbgrader.get("points"), c.cell_type, c.source)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_zh_and_en_have_the_same_grade_cells(source):
    zh, en = instructor_notebook(source, "zh"), instructor_notebook(source, "en")
    zh_sig, en_sig = _grade_signature(zh), _grade_signature(en)
    # markdown answer cells hold a model answer in the source's language-neutral cell, so sources match too
    assert zh_sig == en_sig
    assert zh_sig
    assert len(zh.cells) == len(en.cells), "every prose cell needs its translation"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_every_grade_cell_is_one_registered_check(source):
    from utils.checks.engine import CASES

    for cell in _grade_cells(instructor_notebook(source, "en")):
        grade_id = cell.metadata.nbgrader["grade_id"]
        assert cell.source.splitlines()[0] == f'check("{grade_id}")'
        assert grade_id in CASES


def test_every_case_is_graded_exactly_once():
    from utils.checks.engine import CASES

    grade_ids = [cell.metadata.nbgrader["grade_id"] for source in SOURCES
                 for cell in _grade_cells(instructor_notebook(source, "en"))]
    assert len(grade_ids) == len(set(grade_ids)), "a grade_id used twice"
    assert sorted(grade_ids) == sorted(CASES), "cases without a grade cell, or grade cells without a case"
