"""What grading.publish.feedback keeps between pages of one process, and that it never shows a stale page.

A page process renders many students' pages: the release notebook is read once per distinct text, the exporter is
built once and a cell seen before is not rendered again. A course rebuilt between two batches in one process (the
tests do it) must still get pages of the new release.
"""
import shutil

import nbformat

from grading import paths
from grading.build.generated import COMMITTED_LANGUAGE
from grading.publish import feedback

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
    monkeypatch.setattr(paths, "ASSIGNMENTS", assignments)
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
