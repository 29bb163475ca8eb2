"""An English course's notebooks, executed in real Jupyter kernels, show English only.

tests/test_notebooks.py executes the zh notebooks and scans what they show for English; this is its mirror for the
en build: every instructor notebook runs top to bottom with the reference and every grade cell passes; every
student notebook runs with the stubs (grade cells fail, other cells do not); and no output (printed lines,
tables, errors) holds a Chinese character or full-width punctuation.
"""
import re

import pytest

from grading.build import release_notebook
from grading.paths import ROOT
from tests.test_notebooks import IDS, SOURCES, _errors, _execute, _grade_cells, _run_instructor, _tree
from tests.zh_text import output_text

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # Chinese and full-width punctuation


def _chinese_lines(nb):
    """The lines of what an executed notebook shows that hold Chinese."""
    return [line for line in output_text(nb.cells).splitlines() if CJK.search(line)]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_english_instructor_notebook_runs_and_shows_no_chinese(source, tmp_path):
    nb = _run_instructor(source.stem, tmp_path, lang="en")
    grade_cells = _grade_cells(nb)
    assert grade_cells
    for cell in grade_cells:
        assert not _errors(cell), f"{cell.metadata.nbgrader['grade_id']} failed"
    assert len(output_text(nb.cells)) > 500, "a notebook that shows almost nothing"
    assert not _chinese_lines(nb), "Chinese shown to an English student:\n" + "\n".join(_chinese_lines(nb)[:20])


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_english_student_notebook_runs_with_the_stubs_and_shows_no_chinese(source, tmp_path):
    tree = _tree(tmp_path, ROOT / "classifiers")
    nb = _execute(release_notebook(source.stem, "en"), tree / "assignments" / source.stem, source.stem,
                  allow_errors=True)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution"):
            continue  # prose, or a cell the student writes (nbgrader's stub raises until then)
        if meta.get("grade"):
            assert _errors(cell), f"{meta['grade_id']} passes with the stubs"
        else:
            assert not _errors(cell), f"a non-graded cell fails with the stubs:\n{cell.source}\n{_errors(cell)}"
    assert not _chinese_lines(nb), "Chinese shown to an English student:\n" + "\n".join(_chinese_lines(nb)[:20])
