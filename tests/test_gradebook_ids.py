"""grading.untrusted.normalize_ids, which gives the formgrader's copy of a notebook its cell ids."""
import nbformat

from grading.untrusted import normalize_ids


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
