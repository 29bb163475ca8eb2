"""What grading.publish.feedback keeps between pages of one process, and that it never shows a stale page.

A page process renders many students' pages: the release notebook is read once per distinct text, the exporter is
built once and a cell seen before is not rendered again. A course rebuilt between two batches in one process (the
tests do it) must still get pages of the new release.
"""
import shutil

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from grading import paths
from grading.build import generated
from grading.build.generated import COMMITTED_LANGUAGE
from grading.publish import feedback, feedback_exporter

A = "02_activations"


def _verdicts(release):
    grades = [c.metadata["nbgrader"]["grade_id"] for c in release.cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    return {g: (1.0, 1.0, "passed", []) for g in grades}


def test_the_shared_release_is_the_release_and_pages_leave_it_as_it_was(tmp_path):
    fresh = feedback.release_notebook(A, COMMITTED_LANGUAGE)
    shared = feedback._shared_release(A, COMMITTED_LANGUAGE)
    assert nbformat.writes(shared) == nbformat.writes(fresh)
    assert feedback._shared_release(A, COMMITTED_LANGUAGE) is shared  # read once
    verdicts = _verdicts(fresh)
    # a page of the release itself (a student whose notebook could not be read) and one of a student's copy
    feedback.render(None, A, verdicts, tmp_path / "none.html", reason="nothing", lang=COMMITTED_LANGUAGE)
    feedback.render(fresh, A, verdicts, tmp_path / "copy.html", lang=COMMITTED_LANGUAGE)
    assert nbformat.writes(shared) == nbformat.writes(feedback.release_notebook(A, COMMITTED_LANGUAGE))


def test_a_release_rebuilt_in_the_same_process_is_read_again(tmp_path, monkeypatch):
    assignments = tmp_path / "assignments"
    shutil.copytree(paths.ASSIGNMENTS / A, assignments / A)
    monkeypatch.setattr(generated, "ASSIGNMENTS", assignments)
    release = feedback.release_notebook(A, COMMITTED_LANGUAGE)
    prose = next(c for c in release.cells if c.cell_type == "markdown")
    verdicts = _verdicts(release)

    def page(name):
        out, _ = feedback.render(None, A, verdicts, tmp_path / name, reason="nothing", lang=COMMITTED_LANGUAGE)
        return out.read_text(encoding="utf-8")

    assert "REBUILT_RELEASE_PROSE" not in page("before.html")
    prose.source = "REBUILT_RELEASE_PROSE " + prose.source
    nbformat.write(release, assignments / A / f"{A}.ipynb")
    assert "REBUILT_RELEASE_PROSE" in page("after.html")


def _student_pages():
    """Pages of students who differ the ways a class does: the same notebook as another, a cell of their own on top
    (every cell below moves down), another verdict, markup in their code, no readable notebook."""
    release = feedback.release_notebook(A, "en")
    verdicts = _verdicts(release)
    failed = {**verdicts, next(iter(verdicts)): (0.0, 1.0, "failed", ["<script>FAKE_MESSAGE()</script>"])}
    extra = nbformat.from_dict(nbformat.reads(nbformat.writes(release), as_version=4))
    extra.cells.insert(0, nbformat.v4.new_code_cell("print('<b>my own cell</b>')"))
    students = [(release, verdicts, None), (release, verdicts, None), (extra, verdicts, None),
                (release, failed, None), (extra, failed, None), (release, verdicts, "unreadable")]
    for nb, marks, banner in students:
        yield feedback._with_mathml(feedback.feedback_notebook(nb, release, A, marks, "en", banner=banner))


def test_a_page_from_cells_rendered_before_is_the_page_nbconvert_writes():
    warm = feedback_exporter.exporter_class()()
    resources = {"metadata": {"name": A}}
    for page in _student_pages():
        theirs, _ = HTMLExporter(template_name="lab").from_notebook_node(page, resources=resources)
        ours, _ = warm.from_notebook_node(page, resources=resources)
        # nbconvert serialises its page through BeautifulSoup (see tests/test_feedback_exporter.py)
        assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    assert warm._cells.cells  # the cells were kept (and the pages after the first came from them)


def test_cells_seen_before_in_other_places_are_not_rendered_again(monkeypatch):
    """Every kind of cell on a page (markdown, code, code with outputs, the summary) is kept, whatever its place: a
    student's page whose cells all stood one place further down on an earlier page (below another student's extra
    cell) is put together from kept cells alone, and is the page rendered afresh."""
    resources = {"metadata": {"name": A}}
    plain, extra = (p for i, p in enumerate(_student_pages()) if i in (1, 2))
    kinds = {(c.cell_type, bool(c.get("outputs"))) for c in plain.cells}
    assert kinds == {("markdown", False), ("code", False), ("code", True)}
    assert len(extra.cells) == len(plain.cells) + 1
    expected, _ = feedback_exporter.exporter_class()().from_notebook_node(plain, resources=resources)
    warm = feedback_exporter.exporter_class()()
    warm.from_notebook_node(extra, resources=resources)

    def rendered_again(_):
        raise AssertionError("a cell seen before was rendered again")

    monkeypatch.setattr(feedback_exporter, "accessible", rendered_again)
    assert warm.from_notebook_node(plain, resources=resources)[0] == expected


def test_the_cell_cache_keeps_at_most_its_room():
    cells = feedback_exporter.CellCache(chars=800)
    for i in range(20):
        cells.put(f"key{i:02d}", ("\n", "x" * 44))
        assert cells.used <= 800
    assert cells.used == sum(len(k) + sum(map(len, v)) for k, v in cells.cells.items())
    assert cells.get("key00") is None and cells.get("key19") == ("\n", "x" * 44)  # least recently used went first
    cells.put("big", ("", "y" * 100))  # more than an eighth of the room: not kept
    assert cells.get("big") is None
