"""The feedback page's own exporter (grading.publish.feedback_exporter): the same document as nbconvert's "lab" page,
cheaper.

It drops two whole-page passes of nbconvert's HTMLExporter (bleach over highlighted code, BeautifulSoup over the
page) and sets their attributes itself; these tests hold it to the page nbconvert would have written.
"""
import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from grading.build.notebooks import math_as_mathml
from grading.publish import feedback, feedback_exporter

A = "02_activations"
ESCAPE_ATTEMPT = '</div></pre><script>FAKE_CODE()</script><img src=x onerror=FAKE_IMG()>\nx = "<b>" & 1'


def _page():
    """A student's page with a code cell full of markup, a stream, a plot and verdicts with markup."""
    release = feedback.release_notebook(A, "en")
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(release), as_version=4))
    code = next(c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("grade"))
    code.source = ESCAPE_ATTEMPT
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="<script>FAKE_STREAM()</script>"),
                    nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "fig"})]
    grades = [c.metadata["nbgrader"]["grade_id"] for c in release.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    verdicts = {g: (0.0, 1.0, "failed", ["<script>FAKE_MESSAGE()</script>"]) for g in grades}
    return math_as_mathml(feedback.feedback_notebook(nb, release, A, verdicts, "en"))


def test_the_page_is_the_document_nbconvert_writes():
    page = _page()
    ours, _ = feedback_exporter.exporter().from_notebook_node(page, resources={"metadata": {"name": A}})
    theirs, _ = HTMLExporter(template_name="lab").from_notebook_node(page, resources={"metadata": {"name": A}})
    # nbconvert serialises its page through BeautifulSoup; parsed the same way, ours is the same document
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    assert 'tabindex="0"' in ours and f'alt="{feedback_exporter.NO_ALT}"' in ours


def test_code_markup_stays_text_without_bleach():
    ours, _ = feedback_exporter.exporter().from_notebook_node(_page(), resources={"metadata": {"name": A}})
    assert ours.count("<script") == HTMLExporter(template_name="lab").from_notebook_node(
        nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}}))[0].count("<script")
    for fake in ("FAKE_CODE()</script>", "<img src=x", "FAKE_STREAM()</script>", "FAKE_MESSAGE()</script>",
                 '"<b>"'):
        assert fake not in ours, fake
    assert "&lt;/script&gt;" in ours and "&lt;b&gt;" in ours and "&amp;" in ours


def test_a_second_page_from_the_same_exporter_is_rendered_again():
    """The per-process caches hold converted sources and cells kept by their whole content, not pages: a changed
    verdict shows."""
    exporter = feedback_exporter.exporter()
    page = _page()
    first, _ = exporter.from_notebook_node(page, resources={"metadata": {"name": A}})
    page.cells[0].source = page.cells[0].source.replace("0 / 1", "1 / 1", 1)
    second, _ = exporter.from_notebook_node(page, resources={"metadata": {"name": A}})
    assert first != second and first.count("0 / 1") == second.count("0 / 1") + 1
