"""Validation on the way to a feedback page: each notebook is validated where it enters, not again on every step.

What comes from disk (the student's notebook) is validated when it is read, the page we build from it once before
it is rendered, the release once per process (tests/test_feedback_caches.py); what validation rejects is still
rejected: a submitted notebook that breaks the notebook format gets the banner and the release in its place.
"""
import json

import nbformat
import pytest

from grading.publish import feedback
from grading.untrusted import read_notebook

A = "03_losses"
LANG = "en"
MARKER = "SCHEMA_BREAKER_MARKER"


def _verdicts(release):
    return {c.metadata["nbgrader"]["grade_id"]: (1.0, 1.0, "passed", []) for c in release.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def _write(nb_dict, path):
    path.write_text(json.dumps(nb_dict), encoding="utf-8")
    return path


def _student_dict(release):
    nb = json.loads(nbformat.writes(release))
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "mine", "metadata": {}, "source": MARKER})
    return nb


@pytest.fixture
def validations(monkeypatch):
    """What nbformat.validate was called on, while rendering: 'page', 'release' or 'student'."""
    seen = []
    validate = nbformat.validate
    feedback._shared_release(A, LANG)  # read before counting starts

    def counted(nb, *args, **kwargs):
        cells = nb.get("cells") or [{}]
        if nb is feedback._shared_release(A, LANG):
            seen.append("release")
        elif cells[0].get("id") == "cell-0" and "ch3-summary" in cells[0].get("source", ""):
            seen.append("page")
        else:
            seen.append("student")
        return validate(nb, *args, **kwargs)

    monkeypatch.setattr(nbformat, "validate", counted)
    return seen


def test_each_notebook_is_validated_where_it_enters_and_the_page_once(tmp_path, validations):
    release = feedback._shared_release(A, LANG)
    path = _write(_student_dict(release), tmp_path / "student.ipynb")
    verdicts = _verdicts(release)
    for n in range(2):
        validations.clear()
        out, why = feedback.render(path, A, verdicts, tmp_path / f"page{n}.html", lang=LANG)
        assert why is None and MARKER in out.read_text(encoding="utf-8")
        assert validations.count("page") == 1  # not again by nbformat.v4.new_notebook nor by the exporter
        assert "release" not in validations
        # read_notebook validates what it read (nbformat.reads validates a first time, and only logs)
        assert 1 <= validations.count("student") <= 2, validations


@pytest.mark.parametrize("breakage", ["source is a number", "unknown cell type", "output without type"])
def test_a_notebook_that_breaks_the_format_is_rejected_and_the_release_stands_in(tmp_path, breakage):
    release = feedback._shared_release(A, LANG)
    nb = _student_dict(release)
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    if breakage == "source is a number":
        code["source"] = 5
    elif breakage == "unknown cell type":
        code["cell_type"] = "script"
    else:
        code["outputs"] = [{"text": "<script>FAKE()</script>"}]
    path = _write(nb, tmp_path / "student.ipynb")
    assert read_notebook(path)[0] is None
    out, why = feedback.render(path, A, _verdicts(release), tmp_path / "page.html", lang=LANG)
    page = out.read_text(encoding="utf-8")
    assert why.startswith("the notebook does not follow the notebook format"), why
    assert "could not be read" in page
    assert MARKER not in page and "<script>FAKE()" not in page  # the reason is shown escaped, like all we write
