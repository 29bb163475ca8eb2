"""Formulas on pages made from our notebooks render offline: TeX becomes MathML, which the browser lays out itself.

nbconvert's pages load MathJax from a CDN; without internet (a hub behind a firewall, JupyterLab's HTML viewer,
which runs no scripts) TeX would stay TeX. ``grading.build.notebooks.math_as_mathml`` is what the feedback pages use.
"""
import re

import nbformat
import pytest
from nbconvert import HTMLExporter

from grading.build import notebook_sources
from grading.build.notebooks import instructor_notebook, math_as_mathml, student_notebook
from grading.facts import LANGUAGES
from tests.browser_helpers import chromium, chromium_missing

TEX = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$", re.DOTALL)
CODE = re.compile(r"```.*?```|`[^`\n]*`|^#+ [^\n]*$", re.DOTALL | re.MULTILINE)


def _math_spans(nb):
    """TeX spans of the markdown cells, outside code and headings."""
    return [m.group(0) for c in nb.cells if c.cell_type == "markdown" for m in TEX.finditer(CODE.sub("", c.source))]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_formula_of_the_course_becomes_mathml(lang):
    for source in notebook_sources():
        nb = student_notebook(instructor_notebook(source, lang), lang)
        before = _math_spans(nb)
        after = math_as_mathml(nb)
        assert _math_spans(nb) == before, "the notebook itself must not change"
        assert _math_spans(after) == [], f"{source.stem}: TeX left over"
        assert sum(c.source.count("<math ") for c in after.cells if c.cell_type == "markdown") == len(before) > 0


def test_code_escaped_dollars_and_unknown_tex_stay_as_written():
    text = ("Run `echo $HOME $PATH` and pay \\$5; $\\notacommand{x}$ and $\\frac{1}{$ stay; "
            "$x_1$ and $\\arg\\max_j \\text{weight\\_scale}$ convert.\n\n```bash\nexport A=$B\n```\n\n"
            "### About $\\ln C$\n")
    nb = math_as_mathml(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)]))
    out = nb.cells[0].source
    assert "`echo $HOME $PATH`" in out and "\\$5" in out and "export A=$B" in out
    assert "$\\notacommand{x}$" in out and "$\\frac{1}{$" in out and "### About $\\ln C$" in out
    assert out.count("<math ") == 2 and "<msub><mi>x</mi><mn>1</mn></msub>" in out
    assert "<mo>arg</mo>" in out and "<mtext>weight_scale</mtext>" in out


def test_the_page_shows_formulas_in_a_browser_without_network(tmp_path):
    missing = chromium_missing()
    if missing:
        pytest.skip(missing)
    source = next(s for s in notebook_sources() if s.stem.startswith("03_"))
    nb = math_as_mathml(student_notebook(instructor_notebook(source, "en"), "en"))
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    page_file = tmp_path / "page.html"
    page_file.write_text(body, encoding="utf-8")
    with chromium(tmp_path / "profile") as browser:  # every host but 127.0.0.1 fails: MathJax's CDN included
        page = browser.new_page()
        page.goto(page_file.as_uri())
        shown = page.evaluate(
            "() => [...document.querySelectorAll('math')].map(m => { const r = m.getBoundingClientRect();"
            " return [r.width, r.height]; })")
        text = page.evaluate("() => document.body.innerText")
    assert len(shown) == len(_math_spans(student_notebook(instructor_notebook(source, "en"), "en")))
    assert all(w > 0 and h > 0 for w, h in shown), "a formula takes no space: MathML not laid out"
    assert "\\frac" not in text and "$$" not in text
