"""Notebook sources (jupytext percent files in solutions/notebooks/) -> instructor and student notebooks.

A source cell may carry, in its ``# %%`` header:
- ``lang="zh"`` or ``lang="en"``: the cell exists only in that language's build;
- ``grade_id="..." points=N``: an autograded test cell (locked; its ``check("...")`` line gets hidden tests);
- ``solution=true`` (with ``grade_id``/``points`` for a manually graded answer): a cell the student writes;
- ``locked=true``: given code the student cannot edit.
The steps below turn that into nbgrader's cell metadata (schema 3), and the student version goes through the same
preprocessors ``nbgrader generate_assignment`` applies.
"""
import copy
import re
from xml.etree import ElementTree

import nbformat

from utils.checks import pack_runs

from ..reference import expected_outputs, hidden_seeds

_SHORTHAND = ("grade_id", "points", "solution", "locked")
_CHECK_CALL = re.compile(r'^check\("([A-Za-z0-9_]+)"\)\s*$', re.MULTILINE)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def read_source(path):
    """The jupytext source as a notebook (both languages, shorthand metadata)."""
    # jupytext and nbgrader are imported where they are used: the grader's page and gradebook processes import this
    # module (math_as_mathml, the plan) and would pay about a CPU-second for them at each start.
    import jupytext

    return jupytext.read(path, fmt="py:percent")


def select_language(nb, lang):
    """Keep the cells of ``lang`` and the language-neutral ones; drop the ``lang`` key."""
    nb.cells = [cell for cell in nb.cells if cell.metadata.pop("lang", lang) == lang]
    return nb


def nbgrader_metadata(nb):
    """Expand the shorthand keys of every cell into nbgrader's schema-3 metadata."""
    for cell in nb.cells:
        keys = {k: cell.metadata.pop(k) for k in _SHORTHAND if k in cell.metadata}
        if not keys:
            continue
        grade = "points" in keys
        solution = bool(keys.get("solution", False))
        meta = {"grade": grade, "locked": bool(keys.get("locked", grade and not solution)), "solution": solution,
                "schema_version": 3, "task": False}
        meta["grade_id"] = keys.get("grade_id", cell.id)  # nbgrader wants an id on every cell it knows
        if grade:
            meta["points"] = keys["points"]
        cell.metadata["nbgrader"] = meta
    return nb


def stable_ids(nb, name):
    """Cell ids that do not change between builds: the grade_id where there is one, else name and position."""
    for i, cell in enumerate(nb.cells):
        cell.id = cell.metadata.get("grade_id") or f"{name}-{i:03d}"
    return nb


def add_hidden_tests(nb):
    """Append to every grade cell a hidden-tests region that re-runs its check on secret inputs."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        for grade_id in _CHECK_CALL.findall(cell.source):
            runs = [(seed, expected_outputs(grade_id, seed)) for seed in hidden_seeds(grade_id)]
            cell.source += (f"\n### BEGIN HIDDEN TESTS\ncheck({grade_id!r}, hidden={pack_runs(runs)!r})"
                            "\n### END HIDDEN TESTS")
    return nb


PROGRESS_HEADING = {
    "zh": "## 进度一览\n\n下面的表格重新运行本练习的所有检查(使用上面展示的输入),列出每项的分值和状态。",
    "en": "## Progress at a glance\n\nThe table below re-runs every check of this exercise (on the inputs shown above) "
          "and lists each one's points and status.",
}


def add_progress_cell(nb, name, lang):
    """Close the notebook with the table of its checks (utils.progress)."""
    nb.cells.append(nbformat.v4.new_markdown_cell(PROGRESS_HEADING[lang]))
    nb.cells.append(nbformat.v4.new_code_cell(f'from utils.progress import show\n\nshow("{name}")',
                                              metadata={"locked": True}))
    return nb


def instructor_notebook(path, lang):
    """The nbgrader source notebook: solutions and hidden tests in, prose in ``lang``."""
    nb = read_source(path)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for step in (lambda n: select_language(n, lang), lambda n: add_progress_cell(n, path.stem, lang),
                 lambda n: stable_ids(n, path.stem), nbgrader_metadata, add_hidden_tests):
        nb = step(nb)
    nbformat.validate(nb)
    return nb


# What a student finds in a written-answer cell; the course's nbgrader_config.py sets ClearSolutions.text_stub to
# the same text for nbgrader's own generate_assignment (tests/test_course.py compares the two builds).
TEXT_STUB = {"zh": "在这里写下你的答案。", "en": "YOUR ANSWER HERE"}


def student_steps(lang):
    """The steps of ``nbgrader generate_assignment`` that change the notebook, in its order, set up for ``lang``."""
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    return (LockCells(), ClearSolutions(text_stub=TEXT_STUB[lang]), ClearOutput(), CheckCellMetadata(),
            ComputeChecksums(), ClearHiddenTests(), ClearMarkScheme(), ComputeChecksums(), CheckCellMetadata())


def student_notebook(instructor_nb, lang):
    """The release version of an instructor notebook in ``lang``: no solutions, no hidden tests, no outputs."""
    nb = nbformat.from_dict(instructor_nb)
    resources = {}
    for step in student_steps(lang):
        nb, resources = step.preprocess(nb, resources)
    return nb


def to_text(nb):
    """Notebook file text, deterministic."""
    return nbformat.writes(nb) + "\n"


# TeX in markdown: $$display$$ or $inline$ (not after a backslash or another $); code spans and fenced blocks are
# left alone (a shell's $HOME is not maths), and so are headings: nbconvert strips the tags from a heading's text.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`|^ {0,3}#{1,6} [^\n]*)", re.DOTALL | re.MULTILINE)
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$", re.DOTALL)
# Operator names the converter does not know (it would print them with their backslash).
_OPERATOR_NAMES = re.compile(r"\\(arg|argmin|argmax)(?![A-Za-z])")


def _tex_to_mathml(match):
    from latex2mathml.converter import convert

    display, inline = match.group(1), match.group(2)
    tex = _OPERATOR_NAMES.sub(r"\\operatorname{\1}", display if display is not None else inline)
    try:
        mathml = convert(tex, display="block") if display is not None else convert(tex)
        mathml = mathml.replace("\\_", "_")  # the converter keeps \_ of \text{weight\_scale} verbatim
        ElementTree.fromstring(mathml)  # well-formed (the converter leaves an alignment's & unescaped)
    except Exception:  # TeX the converter cannot take stays TeX (MathJax still renders it when online)
        return match.group(0)
    return match.group(0) if "\\" in mathml else mathml  # an unknown command would show as \name


def math_as_mathml(nb):
    """A copy of ``nb`` whose markdown cells hold MathML where they held TeX.

    Browsers render MathML themselves, so a page made from the copy shows its formulas offline, without MathJax
    (whose script nbconvert's pages load from a CDN) — also inside JupyterLab's HTML viewer, which runs no scripts.
    TeX in headings, and TeX the converter cannot take, stays TeX (MathJax renders it when the page is online).
    """
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "markdown":
            parts = _CODE.split(cell.source)  # odd parts are code
            cell.source = "".join(p if i % 2 else _MATH.sub(_tex_to_mathml, p) for i, p in enumerate(parts))
    return out
