"""One feedback page per student and assignment: the student's notebook with our verdicts in the grade cells.

The page is nbconvert's "lab" page of a notebook this module builds (nothing is executed), rendered by a cheaper
HTMLExporter of ours (grading.publish.feedback_exporter: the same document, without nbconvert's whole-page passes).
The student's notebook is never trusted: only its cell sources and plain outputs are carried over.
- Code cells: the source (escaped by the highlighter) and only text and checked images among the outputs, so no
  HTML or JavaScript of the student's reaches the page (a ``<script>`` faking a score stays inert text or is dropped).
- Markdown cells: the release's prose where the cell is one of the release's text cells; anything the student
  wrote (answers, extra cells, raw cells) is shown as escaped preformatted text.
- Grade cells: the release's source, and as output our verdict (✔/✘, score/points, the checker's messages);
  a grade cell the student deleted is put back where it belongs.
- A summary table (grade_id, points, status) on top; a banner when the submitted notebook could not be read, in
  which case the release notebook stands in for it.
"""
import html
import os
from functools import lru_cache
from pathlib import Path

import nbformat

from ..atomic import write_atomic
from ..build.notebooks import math_as_mathml
from ..facts import DEFAULT_LANGUAGE
from ..status import PASSED
from ..untrusted import read_notebook, safe_outputs
from .feedback_exporter import CACHED_SOURCES, exporter

# What a page shows of the student's own cells is bounded before anything is highlighted: a 20 MB notebook of
# "a&" code cells would otherwise become a half-gigabyte page after half an hour of Pygments.
MAX_SOURCE = 20_000  # characters of one student cell shown
MAX_CELLS = 300  # student cells shown (grade cells are always shown)
MAX_PAGE = 400_000  # characters of the student's text (sources and output text) on one page
MAX_HIGHLIGHTED = 30_000  # characters of code highlighted (nbconvert bleaches the markup, ~5 kB/s); then plain
CACHED_RELEASES = 32  # release notebooks kept parsed per process (assignments × languages)

TEXT = {
    "en": {"title": "Feedback: {assignment}", "check": "check", "points": "points", "status": "status",
           "cut": "… (this cell is longer than the feedback page shows: {shown} of {total} characters)",
           "cut page": "… {cells} more of your cells are not shown: the feedback page shows at most {limit} cells "
                       "and {chars} characters of your own text.",
           "unsandboxed": "Graded WITHOUT the sandbox (rlimits-only fallback): the grader could not isolate the "
                          "students' code on this machine.",
           "total": "total", "banner": "Your submitted notebook could not be read: {reason}. Below is the released "
           "notebook with your results.", "missing": "This check was missing from your notebook; it was graded "
           "all the same.", "manual": "graded by hand", "answer": "Your answer:"},
    "zh": {"title": "反馈:{assignment}", "check": "检查项", "points": "分数", "status": "状态", "total": "总分",
           "cut": "……（这个单元格太长，反馈页只显示了 {total} 个字符中的 {shown} 个）",
           "cut page": "……还有 {cells} 个单元格没有显示：反馈页最多显示 {limit} 个单元格、{chars} 个你自己写的字符。",
           "banner": "无法读取你提交的笔记本:{reason}。下面是发布版笔记本和你的成绩。",
           "unsandboxed": "本次评分没有使用沙箱（仅资源限制的后备模式）：这台机器上无法隔离学生的代码。",
           "missing": "你的笔记本中缺少这一检查单元格;它照常评分。", "manual": "人工评分", "answer": "你的回答:"},
}

STYLE = ("<style>.ch3-summary td,.ch3-summary th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}"
         ".ch3-verdict{border-left:6px solid;padding:4px 10px;margin:4px 0}"
         ".ch3-passed{border-color:#2e7d32;background:#e8f5e9}.ch3-failed{border-color:#c62828;background:#ffebee}"
         ".ch3-banner{border:2px solid #c62828;background:#ffebee;padding:8px 12px;font-weight:bold}"
         ".ch3-student{white-space:pre-wrap;background:#f7f7f7;padding:6px 10px}</style>")


def _cell(cell_type, source, **more):
    """A cell of the page. nbformat's constructors validate every cell they make (a fifth of a page's time); the
    page is validated once, whole, by feedback_notebook."""
    return nbformat.from_dict({"cell_type": cell_type, "metadata": {}, "source": source, **more})


def _code_cell(source):
    return _cell("code", source, execution_count=None, outputs=[])


def _grade_meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) and meta.get("grade") else {}


def _student_notebook(student_nb, reason):
    """(notebook or None, why not) from a path, a notebook object or None."""
    if student_nb is None:
        return None, reason or "no notebook was submitted"
    if isinstance(student_nb, (str, os.PathLike)):
        return read_notebook(student_nb)
    try:
        nb = nbformat.from_dict(student_nb)
        nbformat.validate(nb)
    except Exception as exc:
        return None, f"the notebook does not follow the notebook format ({type(exc).__name__})"
    return nb, None


def _source(cell):
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _passed(verdict):
    return verdict[2] == PASSED


def _mark(verdict):
    """✔ passed, ✘ anything else, … not scored yet (a written answer waiting for its grader)."""
    return "…" if verdict[0] is None else "✔" if _passed(verdict) else "✘"


def _points(score, max_score):
    return f"{'–' if score is None else f'{score:g}'} / {max_score:g}"


def _verdict_html(grade_id, verdict, note=None):
    """Our verdict of one grade cell, as HTML in which every value is escaped."""
    score, max_score, status, lines = verdict
    kind = "ch3-passed" if _passed(verdict) else "ch3-failed"
    head = f"{_mark(verdict)} {grade_id}: {_points(score, max_score)} ({status})"
    body = "\n".join([*([note] if note else []), *map(str, lines)])
    pre = f"<pre>{html.escape(body)}</pre>" if body else ""
    return f'<div class="ch3-verdict {kind}"><b>{html.escape(head)}</b>{pre}</div>'


def _verdict_output(grade_id, verdict, note=None):
    score, max_score, status, lines = verdict
    plain = "\n".join([f"{_mark(verdict)} {grade_id}: {_points(score, max_score)} ({status})",
                       *([note] if note else []), *map(str, lines)])
    return nbformat.from_dict({"output_type": "display_data", "metadata": {},
                               "data": {"text/html": _verdict_html(grade_id, verdict, note), "text/plain": plain}})


def _student_text(text, label=None):
    """Markdown cell that shows text the student wrote verbatim (escaped, preformatted)."""
    head = f"<b>{html.escape(label)}</b>\n" if label else ""
    shown = text[:MAX_SOURCE + 200]  # callers cut at MAX_SOURCE and may add a note saying so
    return _cell("markdown", f'{head}<pre class="ch3-student">{html.escape(shown)}</pre>')


def summary_cell(assignment, verdicts, lang, banner=None, unsandboxed=False):
    """The page's head: title, optional banners, and the table of grade_id, points and status."""
    t = TEXT[lang]
    rows = [f"<tr><th>{t['check']}</th><th>{t['points']}</th><th>{t['status']}</th></tr>"]
    for grade_id, verdict in verdicts.items():
        score, max_score, status, _ = verdict
        mark = _mark(verdict)
        rows.append(f'<tr data-grade-id="{html.escape(grade_id)}" data-status="{html.escape(str(status))}">'
                    f"<td>{html.escape(grade_id)}</td><td>{_points(score, max_score)}</td>"
                    f"<td>{mark} {html.escape(str(status))}</td></tr>")
    total = sum(v[0] for v in verdicts.values() if v[0] is not None)
    max_total = sum(v[1] for v in verdicts.values())
    rows.append(f"<tr><td><b>{t['total']}</b></td><td><b>{_points(total, max_total)}</b></td><td></td></tr>")
    parts = [STYLE, f"<h1>{html.escape(t['title'].format(assignment=assignment))}</h1>"]
    if unsandboxed:
        parts.append(f'<div class="ch3-banner ch3-unsandboxed">{html.escape(t["unsandboxed"])}</div>')
    if banner:
        parts.append(f'<div class="ch3-banner">{html.escape(t["banner"].format(reason=banner))}</div>')
    parts.append(f'<table class="ch3-summary">{"".join(rows)}</table>')
    return _cell("markdown", "\n".join(parts))


def _grade_cell(release_cell, grade_id, verdicts, lang, student_cell=None, missing=False, budget=None):
    """The page's version of one grade cell: release source (code) or the student's answer (markdown)."""
    t = TEXT[lang]
    verdict = verdicts.get(grade_id)
    note = t["missing"] if missing else None
    if release_cell.cell_type == "code":
        cell = _code_cell(release_cell.source)
        cell.outputs = [_verdict_output(grade_id, verdict, note)] if verdict else []
        return [cell]
    answer = _source(student_cell) if student_cell is not None and not missing else ""
    answer = budget.take(answer) if budget is not None else answer[:MAX_SOURCE]
    cells = [_student_text(answer, t["answer"])]
    if verdict:
        cells.append(_cell("markdown", _verdict_html(grade_id, verdict, note)))
    else:
        cells.append(_cell("markdown", f"<i>{html.escape(t['manual'])}</i>"))
    return cells


class _Budget:
    """How much of the student's own text a page still shows (see MAX_CELLS, MAX_PAGE, MAX_HIGHLIGHTED)."""

    def __init__(self, lang):
        self.lang, self.cells, self.chars, self.highlighted, self.hidden = lang, 0, 0, 0, 0

    def take(self, text, limit=MAX_SOURCE):
        """``text`` cut to what is left (with a visible note when cut), counted against the page."""
        room = max(0, min(limit, MAX_PAGE - self.chars))
        shown = text[:room]
        self.chars += len(shown)
        if len(shown) < len(text):
            shown += "\n" + TEXT[self.lang]["cut"].format(shown=len(shown), total=len(text))
        return shown

    def full(self):
        return self.cells >= MAX_CELLS or self.chars >= MAX_PAGE

    def outputs(self, outputs):
        """Safe outputs counted against the page; those past its budget are dropped."""
        kept = []
        for out in outputs:
            size = sum(len(v) for v in out.get("data", {}).values()) + len(out.get("text", ""))
            if self.chars + size > MAX_PAGE:
                break
            self.chars += size
            kept.append(out)
        return kept


def _student_cell(cell, release_cells, budget):
    """The page's version of an ordinary student cell."""
    budget.cells += 1
    source = _source(cell)
    if cell.cell_type == "code":
        shown = budget.take(source)
        if budget.highlighted + len(shown) > MAX_HIGHLIGHTED:  # past the highlighting budget: plain, escaped text
            return [_student_text(shown)]
        budget.highlighted += len(shown)
        out = _code_cell(shown)
        # A cell claiming to be a grade cell that is not one (a duplicate, an invented id) shows no outputs.
        out.outputs = [] if _grade_meta(cell) else budget.outputs(safe_outputs(cell.get("outputs")))
        return [out]
    release = release_cells.get(cell.get("id"))
    if cell.cell_type == "markdown" and release is not None and release.cell_type == "markdown" \
            and not release.metadata.get("nbgrader", {}).get("solution"):
        return [_cell("markdown", release.source)]
    return [_student_text(budget.take(source))]


def feedback_notebook(nb, release, assignment, verdicts, lang=DEFAULT_LANGUAGE, banner=None, unsandboxed=False):
    """The notebook the page is rendered from (built from scratch: no metadata or outputs of the student's).

    Inputs:
    - nb: the student's notebook (or the release notebook when it could not be read)
    - release: the release notebook of the assignment
    - verdicts: {grade_id: (score, max_score, status, message lines)}
    """
    release_cells = {cell.get("id"): cell for cell in release.cells}
    release_grades = {_grade_meta(c)["grade_id"]: c for c in release.cells if _grade_meta(c).get("grade_id")}
    placed = []  # (release cell id or None, cells)
    seen = set()
    budget = _Budget(lang)
    for cell in nb.cells:
        grade_id = _grade_meta(cell).get("grade_id") or (cell.get("id") if cell.get("id") in release_grades else None)
        if grade_id in release_grades and grade_id not in seen:
            seen.add(grade_id)
            placed.append((release_grades[grade_id].get("id"),
                           _grade_cell(release_grades[grade_id], grade_id, verdicts, lang, student_cell=cell,
                                       budget=budget)))
        elif budget.full():
            budget.hidden += 1
        else:
            origin = cell.get("id") if cell.get("id") in release_cells else None
            placed.append((origin, _student_cell(cell, release_cells, budget)))
    if budget.hidden:
        note = TEXT[lang]["cut page"].format(cells=budget.hidden, limit=MAX_CELLS, chars=MAX_PAGE)
        placed.append((None, [_cell("markdown", f'<b class="ch3-cut">{html.escape(note)}</b>')]))
    order = [cell.get("id") for cell in release.cells]
    for grade_id, release_cell in release_grades.items():
        if grade_id in seen:
            continue
        index = 0
        earlier = order[:order.index(release_cell.get("id"))]
        for i, (origin, _) in enumerate(placed):
            if origin in earlier:
                index = i + 1
        placed.insert(index, (release_cell.get("id"),
                              _grade_cell(release_cell, grade_id, verdicts, lang, missing=True)))
    cells = [summary_cell(assignment, verdicts, lang, banner, unsandboxed)] + [c for _, group in placed for c in group]
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"
    page = nbformat.NotebookNode(nbformat=nbformat.v4.nbformat, nbformat_minor=nbformat.v4.nbformat_minor,
                                 metadata=nbformat.from_dict({"language_info": {"name": "python"}}), cells=cells)
    nbformat.validate(page)  # once, whole (nbformat.v4.new_notebook would validate it a second time)
    return page


def _with_mathml(page):
    """``math_as_mathml(page)``, in place, each markdown source converted once per process (the release's prose is
    on every page of its assignment)."""
    for cell in page.cells:
        if cell.cell_type == "markdown":
            cell.source = _mathml_source(cell.source)
    return page


@lru_cache(CACHED_SOURCES)
def _mathml_source(source):
    return math_as_mathml(nbformat.from_dict({"cells": [{"cell_type": "markdown", "source": source}]})).cells[0].source


def release_notebook(assignment, lang=DEFAULT_LANGUAGE):
    """The release notebook of an assignment in ``lang`` (the committed one in zh, built in memory otherwise)."""
    from ..build import release_notebook as in_language

    return in_language(assignment, lang)


def _shared_release(assignment, lang):
    """``release_notebook(assignment, lang)`` read and validated once per distinct text in this process, shared by
    every page of the assignment (feedback_notebook only reads it). Keyed on the text itself, so a release rebuilt
    between two batches is read again."""
    from ..build.generated import release_notebook_text

    return _release_of_text(release_notebook_text(assignment, lang))


@lru_cache(CACHED_RELEASES)
def _release_of_text(text):
    return nbformat.reads(text, as_version=4)


def render(student_nb, assignment, verdicts, out_html, *, release_nb=None, reason=None, lang=DEFAULT_LANGUAGE,
           unsandboxed=False):
    """Write the feedback page of one student's assignment.

    Inputs:
    - student_nb: path of the submitted notebook, a notebook object, or None (nothing submitted)
    - assignment: assignment id, e.g. "01_affine_layer"
    - verdicts: {grade_id: (score or None, max_score, status, message lines)}, in the order the table lists them
    - out_html: where to write the page
    - release_nb: the release notebook (default: assignments/<assignment>/<assignment>.ipynb)
    - reason: why there is no notebook, when student_nb is None
    - lang: language of the page's own words
    - unsandboxed: the batch ran without bubblewrap (``--allow-unsandboxed``): the page says so on top

    Returns:
    - (path written, None or the reason the submitted notebook was not used)
    """
    release = release_nb if release_nb is not None else _shared_release(assignment, lang)
    nb, why = _student_notebook(student_nb, reason)
    page = feedback_notebook(nb if nb is not None else release, release, assignment, verdicts, lang, banner=why,
                             unsandboxed=unsandboxed)
    body, _ = exporter().from_notebook_node(_with_mathml(page), resources={"metadata": {"name": assignment}})
    out = Path(out_html)
    write_atomic(out, body, mode=0o644, durable=False)  # as before: a regrade rewrites it
    return out, why
