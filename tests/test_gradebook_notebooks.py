"""The notebook the gradebook gets: grading.untrusted.formgrader_view, and normalize_ids, which gives the
formgrader's copy its cell ids."""
import json

import nbformat
import pytest

from grading.untrusted import formgrader_safe, formgrader_view, normalize_ids, read_notebook


def _notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells  # as a student's file may have them: not validated (nbformat would repair ids at random)
    return nb


def _cell(cell_id, grade_id=None):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell["id"] = cell_id
    if grade_id is not None:
        cell.metadata["nbgrader"] = {"grade_id": grade_id}
    return cell


def test_ids_are_kept_repaired_and_never_random():
    nb = _notebook([
        _cell("keep"),              # valid and unique: kept
        _cell("keep", "answer_1"),  # a duplicate: its grade_id
        _cell("bad id!"),           # invalid, no grade_id: cell-<index>
        _cell("keep", "keep"),      # duplicate id and grade_id: cell-<index>
        _cell("cell-4"),            # valid: kept
        _cell(None),                # none: cell-5
        _cell("cell-4"),            # a duplicate of cell-4 at index 6: cell-6
        _cell("cell-7"), _cell("cell-7"),  # index 8: cell-8
    ])
    nb.nbformat_minor = 4
    normalize_ids(nb)
    assert [c.id for c in nb.cells] == ["keep", "answer_1", "cell-2", "cell-3", "cell-4", "cell-5", "cell-6",
                                        "cell-7", "cell-8"]
    assert nb.nbformat_minor == 5


def test_when_cell_index_is_taken_the_next_free_suffix_is_used():
    nb = _notebook([_cell("cell-1"), _cell("cell-1-1"), _cell("cell-1"), _cell("x")])
    normalize_ids(nb)
    # index 2 would be cell-2, which is free; make index 1 collide instead
    assert [c.id for c in nb.cells] == ["cell-1", "cell-1-1", "cell-2", "x"]
    nb = _notebook([_cell("cell-1"), _cell("cell-1")])
    normalize_ids(nb)
    assert [c.id for c in nb.cells] == ["cell-1", "cell-1-1"]


def test_text_utf8_cannot_encode_fails_as_writing_the_copy_did(tmp_path):
    """A lone surrogate (a JSON escape) reads fine but cannot be written as UTF-8: the gradebook side of publishing
    fails for that student with the error the written copy gave (the student's status says so)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("ok"), nbformat.v4.new_code_cell("x = 1")])
    (tmp_path / "fine.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    assert formgrader_view(tmp_path / "fine.ipynb").cells[1].source == "x = 1"
    data = json.loads(nbformat.writes(nb))
    data["cells"][1]["source"] = "x = '\ud800'"
    (tmp_path / "lone.ipynb").write_text(json.dumps(data), encoding="ascii")  # the surrogate as an escape
    with pytest.raises(UnicodeEncodeError) as view:
        formgrader_view(tmp_path / "lone.ipynb")
    safe = formgrader_safe(read_notebook(tmp_path / "lone.ipynb")[0])
    with pytest.raises(UnicodeEncodeError) as written:  # what writing the copy to a file gave
        (tmp_path / "copy.ipynb").write_text(nbformat.writes(safe), encoding="utf-8")
    assert str(view.value) == str(written.value)
    assert "surrogates not allowed" in str(view.value)
    assert formgrader_view(None) is None and formgrader_view(tmp_path / "missing.ipynb") is None
