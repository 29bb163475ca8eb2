"""Real-browser tests: JupyterLab 4 and nbgrader's formgrader in headless Chromium, as students and graders use them.

The student side runs the way a Binder link does: the student release (``python -m grading release``) with the
reference modules dropped in over the stubs, in a scratch environment in which the release's ``postBuild`` ran,
the server started through the release's ``start``. Chromium opens a notebook, runs it top to bottom from the
Run menu, and the test reads what the page shows: the checker's ✔ lines, the progress table, a rendered plot,
nbgrader's Validate dialog. The grader side builds the nbgrader course, records a graded submission and opens the
formgrader.

Servers listen on 127.0.0.1 only, with a random token, and are always stopped with everything they started. The
server, the browser and the course are session fixtures: under pytest-xdist a worker may run other files' tests in
between, which would otherwise tear down and rebuild them; the postBuilt environment is built once per run and
shared with tests/test_binder.py.
Screenshots of every step and the servers' logs go to test-artifacts/browser/ (git-ignored).
"""
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.browser_helpers import (
    ARTIFACTS,
    chromium,
    chromium_missing,
    instructor_env,
    jupyter_server,
    student_lab,
)

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ARTIFACTS / "browser"
TIMEOUT_MS = 240_000  # one step on a loaded machine (a notebook run, a validation)

_missing = chromium_missing()
pytestmark = [
    # In CI a missing browser is an error, not a reason to skip (.ci/run installs it).
    pytest.mark.skipif(bool(_missing) and not os.environ.get("CI"), reason=str(_missing)),
    pytest.mark.timeout(600),
]


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _grade_cells(notebook):
    """[(grade_id, points, cell_type)] of a notebook file, in order."""
    nb = nbformat.read(notebook, as_version=4)
    return [(c.metadata["nbgrader"]["grade_id"], c.metadata["nbgrader"]["points"], c.cell_type)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


# ------------------------------------------------------------------------------------------------ student side

@pytest.fixture(scope="session")
def student_server(tmp_path_factory):
    """JupyterLab on an en student release with the reference modules, in a Binder-like environment."""
    reference = sorted((ROOT / "solutions" / "classifiers" / "chapter3").glob("*.py"))
    with student_lab(tmp_path_factory, "en", SHOTS / "student-jupyter.log", reference) as server:
        yield server


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        context.set_default_timeout(TIMEOUT_MS)
        yield context


def _open_notebook(browser, server, rel, workspace=None):
    """A new tab with JupyterLab showing only this notebook (a workspace of its own), kernel idle."""
    page = browser.new_page()
    workspace = workspace or Path(rel).stem
    page.goto(f"{server.url}/lab/workspaces/{workspace}/tree/{rel}?token={server.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="attached")
    assert page.locator(".jp-NotebookPanel").count() == 1
    # The kernel is up and idle: the status bar says "Python 3 (ipykernel) | Idle".
    page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\|\s*Idle")).first.wait_for()
    page.locator(".jp-NotebookPanel .jp-CodeCell .cm-content").first.wait_for(state="visible")
    return page


_RUN_STATE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel');
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());
    const error = panel.querySelector('[data-mime-type="application/vnd.jupyter.error"]');
    const idle = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle';
    if (error) return {error: error.textContent};
    if (idle && prompts.length && prompts.every(p => /^\\[\\d+\\]:$/.test(p))) return {done: prompts.length};
    return null;
}"""


def _run_all(page):
    """Run ▸ Run All Cells from the menu bar; wait until every code cell ran and the kernel is idle."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    state = page.wait_for_function(_RUN_STATE, timeout=TIMEOUT_MS).json_value()
    assert "error" not in state, f"a cell raised: {state['error'][:2000]}"
    return state["done"]


def _cells(page):
    """[(source, output text)] of every code cell on the page."""
    return page.eval_on_selector_all(
        ".jp-NotebookPanel .jp-CodeCell",
        "cells => cells.map(c => [c.querySelector('.cm-content')?.textContent ?? '', "
        "c.querySelector('.jp-OutputArea')?.textContent ?? ''])")


def _assert_checks_passed(page, notebook):
    """Every code grade cell shows the checker's ✔ line; the progress table shows full autograded points."""
    cells = _cells(page)
    graded = [(gid, points) for gid, points, kind in _grade_cells(notebook) if kind == "code"]
    assert graded
    for gid, _points in graded:
        outputs = [out for source, out in cells if f'check("{gid}")' in source]
        assert outputs, f"no cell runs check({gid!r})"
        assert f"✔ {gid}: all checks passed." in outputs[0], f"{gid}: {outputs[0][:500]}"
    table = cells[-1][1]
    for gid, _points in graded:
        assert re.search(rf"\b{re.escape(gid)}\s+\d+\s+✔ passed", table), f"{gid} not passed in the progress table"
    total = sum(points for _gid, points in graded)
    match = re.search(r"autograded total\s+(\d+)\s*/\s*(\d+)", table)
    assert match and (int(match.group(1)), int(match.group(2))) == (total, total), table[-300:]


def _scroll_to(page, locator):
    locator.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the notebook finish scrolling before the screenshot


def _validate(page):
    """Click nbgrader's Validate button (it saves, then validates on the server); return the result dialog."""
    page.locator(".jp-NotebookPanel .validate-button").click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=TIMEOUT_MS)
    return dialog


def _answer_written_question(page, answer):
    """Double-click the unanswered markdown answer cell, replace its text, render it (as a student does)."""
    page.locator(".jp-NotebookPanel .jp-MarkdownCell", has_text="YOUR ANSWER HERE").first.wait_for()
    cells = page.locator(".jp-NotebookPanel .jp-Cell")
    index = cells.evaluate_all("cells => cells.findIndex(c => c.classList.contains('jp-MarkdownCell') "
                               "&& c.textContent.includes('YOUR ANSWER HERE'))")
    assert index >= 0, "no unanswered written question"
    cell = cells.nth(index)  # by position: its text is about to change
    _scroll_to(page, cell)
    cell.dblclick()
    editor = cell.locator(".cm-content")
    editor.wait_for()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(answer)
    page.keyboard.press("Shift+Enter")  # render it (and select the next cell), as in every notebook
    page.wait_for_function("cell => cell.classList.contains('jp-mod-rendered')", arg=cell.element_handle())
    assert answer[:30] in cell.locator(".jp-RenderedMarkdown").inner_text()


def test_student_server_offers_student_tools_only(browser, student_server):
    """After postBuild: the Nbgrader menu has the assignment list only, no formgrader; Validate is in the toolbar."""
    page = _open_notebook(browser, student_server, "assignments/01_affine_layer/01_affine_layer.ipynb", "tools")
    try:
        assert page.locator(".jp-NotebookPanel .validate-button").is_visible()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
        items = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
        _shot(page, "student-0-nbgrader-menu")
        page.keyboard.press("Escape")
        assert "Assignment List" in items and not {"Formgrader", "Course List"} & set(items), items
        status, _ = student_server.get("/formgrader")
        assert status == 404, "the formgrader server extension answers on the student server"
    finally:
        page.close()
        student_server.stop_kernels()


ANSWER = ("With only fully connected layers nothing breaks, since the next affine_backward flattens anyway; a "
          "convolution below needs dx in its own (N, C, H, W) shape, so dx must have the shape of x.")


def test_student_notebook_runs_passes_and_validates(browser, student_server):
    rel = "assignments/01_affine_layer/01_affine_layer.ipynb"
    notebook = student_server.tree / rel
    page = _open_notebook(browser, student_server, rel)
    try:
        _shot(page, "student-1-opened-01_affine_layer")
        started = time.monotonic()
        ran = _run_all(page)
        print(f"01_affine_layer: {ran} code cells in {time.monotonic() - started:.1f} s")
        _assert_checks_passed(page, notebook)
        first = page.locator(".jp-OutputArea-output", has_text="✔ affine_forward_value: all checks passed.")
        _scroll_to(page, first)
        _shot(page, "student-2-checks-passed")
        _scroll_to(page, page.locator(".jp-OutputArea-output", has_text="autograded total"))
        _shot(page, "student-3-progress-table")

        # Validate before the written question is answered: nbgrader names the missing answer.
        dialog = _validate(page)
        _shot(page, "student-4-validate-unanswered")
        text = dialog.inner_text()
        assert "You did not provide a response" in text and "Success!" not in text, text
        dialog.locator(".jp-mod-accept").click()
        dialog.wait_for(state="detached")

        _answer_written_question(page, ANSWER)
        dialog = _validate(page)
        _shot(page, "student-5-validate-success")
        text = dialog.inner_text()
        assert "Success! Your notebook passes all the tests." in text, text
        dialog.locator(".jp-mod-accept").click()
        # The student's answer was saved with the notebook (Validate saves first).
        saved = nbformat.read(notebook, as_version=4)
        answers = [c.source for c in saved.cells if c.metadata.get("nbgrader", {}).get("solution")
                   and c.cell_type == "markdown"]
        assert answers == [ANSWER], answers
    finally:
        page.close()
        student_server.stop_kernels()


def test_plot_notebook_renders_its_figures(browser, student_server):
    rel = "assignments/02_activations/02_activations.ipynb"
    page = _open_notebook(browser, student_server, rel)
    try:
        started = time.monotonic()
        ran = _run_all(page)
        print(f"02_activations: {ran} code cells in {time.monotonic() - started:.1f} s")
        _assert_checks_passed(page, student_server.tree / rel)
        images = page.locator(".jp-NotebookPanel .jp-RenderedImage img")
        assert images.count() >= 1
        first = images.first
        _scroll_to(page, first)
        assert first.is_visible()
        src, width, height = first.evaluate("img => [img.src, img.naturalWidth, img.naturalHeight]")
        assert src.startswith("data:image/png;base64,") and width > 200 and height > 100, (src[:40], width, height)
        _shot(page, "student-6-plot-02_activations")
    finally:
        page.close()
        student_server.stop_kernels()


# ------------------------------------------------------------------------------------------------ grader side

DEMO_STUDENT = "demo-student"
DEMO_ASSIGNMENT = "01_affine_layer"


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """A course directory built by nbgrader, with one collected and graded submission of the demo student."""
    from nbgrader.api import Gradebook

    from grading.build.course import build_course
    from grading.config import COURSE_DIR_ENV
    from grading.facts import assignment_names
    from grading.publish.gradebook import record

    root = tmp_path_factory.mktemp("course") / "chapter3"
    mp = pytest.MonkeyPatch()
    mp.setenv(COURSE_DIR_ENV, str(root))
    try:
        build_course("en", root)
    finally:
        mp.undo()
    # As nbgrader's collect leaves it: submitted/<student>/<assignment>/ with the notebook and a timestamp.
    submitted = root / "submitted" / DEMO_STUDENT / DEMO_ASSIGNMENT
    submitted.mkdir(parents=True)
    notebook = submitted / f"{DEMO_ASSIGNMENT}.ipynb"
    shutil.copyfile(root / "release" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.ipynb", notebook)
    (submitted / "timestamp.txt").write_text("2026-03-02 09:30:00.000000 UTC\n", encoding="utf-8")
    cells = _grade_cells(notebook)
    code = [(gid, points) for gid, points, kind in cells if kind == "code"]
    scores = {gid: points for gid, points in code}
    scores[code[-1][0]] = 0  # one check failed
    record(root, DEMO_STUDENT, DEMO_ASSIGNMENT, scores, notebook_path=notebook)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="chapter3") as gb:
        gb.update_or_create_student(DEMO_STUDENT, first_name="Ada", last_name="Demo")
    return {"root": root, "assignments": assignment_names(), "scores": scores, "failed": code[-1][0],
            "score": sum(scores.values()), "max": sum(points for _gid, points, _kind in cells)}


def _table(page, *columns):
    """The formgrader's main table: [[text of td.<column> for each column]] for the rows that have them."""
    return page.eval_on_selector_all(
        "#main-table tr",
        "(rows, cols) => rows.filter(r => cols.every(c => r.querySelector('td.' + c)))"
        ".map(r => cols.map(c => r.querySelector('td.' + c).textContent.trim()))", list(columns))


def _wait_for_rows(page, count, *columns):
    """Wait until the table, filled by the formgrader's scripts from its API, has ``count`` rows with text in all
    ``columns``."""
    page.wait_for_function(
        "([cols, n]) => [...document.querySelectorAll('#main-table tr')].filter(r => cols.every(c => "
        "r.querySelector('td.' + c)?.textContent.trim())).length >= n", arg=[list(columns), count])


def test_formgrader_lists_the_assignments_and_the_graded_submission(browser, course, tmp_path):
    root = course["root"]
    env = instructor_env(tmp_path)
    with jupyter_server([sys.executable, "-m", "jupyterlab"], cwd=root, env=env, root_dir=root,
                        log=SHOTS / "formgrader-jupyter.log") as server:
        page = browser.new_page()
        try:
            page.goto(f"{server.url}/formgrader?token={server.token}")
            page.wait_for_url(re.compile(r"/formgrader/manage_assignments$"))
            _wait_for_rows(page, len(course["assignments"]), "name", "num-submissions")
            rows = dict(_table(page, "name", "num-submissions"))
            assert list(rows) == course["assignments"], rows
            assert rows[DEMO_ASSIGNMENT] == "1", rows
            _shot(page, "formgrader-1-manage-assignments")

            row = page.locator("#main-table tr", has=page.locator("td.name", has_text=DEMO_ASSIGNMENT))
            row.locator("td.num-submissions a").click()
            page.wait_for_url(re.compile(rf"/formgrader/manage_submissions/{DEMO_ASSIGNMENT}$"))
            _wait_for_rows(page, 1, "student-id", "score")
            students = _table(page, "student-name", "student-id", "timestamp", "score")
            _shot(page, "formgrader-2-manage-submissions")
            score = f"{course['score']:g} / {course['max']:g}"
            assert students == [["Demo, Ada", DEMO_STUDENT, "2026-03-02 09:30:00 UTC", score]], students

            # Manual Grading ▸ the assignment's notebook ▸ the submission: the notebook with the autograded scores.
            page.goto(f"{server.url}/formgrader/gradebook/{DEMO_ASSIGNMENT}/{DEMO_ASSIGNMENT}")
            _wait_for_rows(page, 1, "name", "score")
            assert _table(page, "score") == [[score]]
            page.goto(page.eval_on_selector("#main-table td.name a", "a => a.href"))
            # The scores arrive from the formgrader's API after the page: wait until every autograded cell has one.
            page.wait_for_function(
                "ids => ids.every(id => document.getElementById(id)?.placeholder)", arg=list(course["scores"]))
            shown = dict(page.eval_on_selector_all(
                ".nbgrader_cell", "cells => cells.filter(c => c.querySelector('input.score')).map(c => "
                "[c.querySelector('.nbgrader-label').textContent.trim(), c.querySelector('input.score').placeholder])"))
            expected = {gid: f"{points:g}" for gid, points in course["scores"].items()}
            assert {gid: shown.get(gid) for gid in expected} == expected, shown
            failed = page.locator(".nbgrader_cell", has=page.locator(".nbgrader-label", has_text=course["failed"]))
            _scroll_to(page, failed)
            _shot(page, "formgrader-3-submission")
        finally:
            page.close()
