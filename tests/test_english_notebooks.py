"""An English course's notebooks, executed in real Jupyter kernels, show English only.

tests/test_notebooks.py executes the zh notebooks and scans what they print for English; this is its mirror for
the en build: every instructor notebook runs top to bottom with the reference, every grade cell passes, and no
output (printed lines, tables, plots' alt text, errors) holds a Chinese character.
"""
import re

import pytest

from tests.test_notebooks import IDS, SOURCES, _errors, _grade_cells, _run_instructor
from tests.zh_text import output_text

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # Chinese and full-width punctuation


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_english_instructor_notebook_runs_and_shows_no_chinese(source, tmp_path):
    nb = _run_instructor(source.stem, tmp_path, lang="en")
    grade_cells = _grade_cells(nb)
    assert grade_cells
    for cell in grade_cells:
        assert not _errors(cell), f"{cell.metadata.nbgrader['grade_id']} failed"
    shown = output_text(nb.cells)
    assert len(shown) > 500, "a notebook that shows almost nothing"
    chinese = [line for line in shown.splitlines() if CJK.search(line)]
    assert not chinese, "Chinese shown to an English student:\n" + "\n".join(chinese[:20])
