"""Feedback pages stay small and quick whatever the student's notebook holds: the amplifications the red team
found (Pygments turning "a&" code into one span per token, tens of thousands of tiny cells, huge outputs) are
capped before anything is highlighted, with a visible note saying so."""
import time

import nbformat
import pytest

from grading.publish import feedback
from grading.publish.feedback import MAX_CELLS, MAX_PAGE, release_notebook, render

A = "01_affine_layer"


@pytest.fixture(scope="module")
def release():
    return release_notebook(A)


def student(release, extra):
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(release), as_version=4))
    nb.cells += extra
    return nb


def timed_render(nb, release, path):
    start = time.monotonic()
    out, why = render(nb, A, {}, path, release_nb=release, lang="en")
    return out.read_text(encoding="utf-8"), time.monotonic() - start, why


@pytest.mark.timeout(600)
def test_ampersand_code_is_not_amplified(release, tmp_path):
    """2 MB of `a&` in code cells: 53 MB and ~3 minutes before; now a few MB, in about the time of an honest page."""
    honest, honest_seconds, _ = timed_render(release, release, tmp_path / "honest.html")
    cells = [nbformat.v4.new_code_cell("a&" * 10_000) for _ in range(100)]
    page, seconds, why = timed_render(student(release, cells), release, tmp_path / "amp.html")
    assert why is None
    assert len(page.encode()) < len(honest.encode()) + 8 * 2**20, len(page)
    assert seconds < max(4 * honest_seconds, 20), (seconds, honest_seconds)
    assert "more of your cells are not shown" in page or "characters of your own text" in page


def test_forty_thousand_tiny_cells(release, tmp_path):
    cells = [nbformat.v4.new_code_cell("x") for _ in range(40_000)]
    page, _, _ = timed_render(student(release, cells), release, tmp_path / "tiny.html")
    assert len(page.encode()) < 6 * 2**20, len(page)
    shown = len(release.cells)
    hidden = 40_000 + shown - MAX_CELLS - sum(1 for c in release.cells if c.metadata.get("nbgrader", {}).get("grade"))
    assert f"… {hidden} more of your cells are not shown: the feedback page shows at most {MAX_CELLS} cells" in page


def test_one_huge_cell_is_cut_with_a_note(release, tmp_path):
    text = "y = 1  # " + "z" * 5_000_000
    page, _, _ = timed_render(student(release, [nbformat.v4.new_markdown_cell(text)]), release, tmp_path / "big.html")
    assert len(page.encode()) < 3 * 2**20
    assert f"(this cell is longer than the feedback page shows: {feedback.MAX_SOURCE} of {len(text)} characters)" \
        in page


def test_outputs_count_against_the_page(release, tmp_path):
    big = nbformat.v4.new_output("stream", name="stdout", text="o" * 19_000)
    cells = [nbformat.v4.new_code_cell("print(1)", outputs=[big] * 30) for _ in range(100)]
    page, _, _ = timed_render(student(release, cells), release, tmp_path / "out.html")
    assert page.count("o" * 19_000) <= MAX_PAGE // 19_000
    assert len(page.encode()) < 4 * 2**20


def test_zh_notes(release, tmp_path):
    cells = [nbformat.v4.new_code_cell("x") for _ in range(MAX_CELLS + 10)]
    out, _ = render(student(release, cells), A, {}, tmp_path / "zh.html", release_nb=release, lang="zh")
    assert "个单元格没有显示：反馈页最多显示" in out.read_text(encoding="utf-8")
