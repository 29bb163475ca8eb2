"""The formgrader renders a hostile answer cell inert (headless Chromium on nbgrader's own formgrader).

nbgrader's formgrader shows autograded/<student>/<assignment>/<assignment>.ipynb in the instructor's Jupyter
origin, markdown cells rendered as HTML. A student's answer cell holding ``<img onerror>`` or ``<script>`` would run
script there, and script in the instructor's Jupyter server can run code through its API. The autograder writes
that notebook through grading.untrusted.formgrader_safe. The control submission, recorded without it, shows that
this test sees script run when it does.
"""
import sys

import nbformat
import pytest

from grading.publish.gradebook import record
from grading.untrusted import formgrader_view
from tests.browser_helpers import instructor_env, jupyter_server
from tests.test_browser import DEMO_ASSIGNMENT, SHOTS, _missing, _shot, browser, course  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.skipif(bool(_missing), reason=str(_missing)), pytest.mark.timeout(900)]

MARK = "window.__ch3_xss = (window.__ch3_xss || 0) + 1"
PAYLOADS = [
    f'<img src="nowhere.png" onerror="{MARK}">',
    f"<script>{MARK}</script>",
    f'<svg onload="{MARK}"><circle r="5"/></svg>',
    f'<iframe srcdoc="<script>parent.{MARK}</script>"></iframe>',
    f'<details open ontoggle="{MARK}"><summary>x</summary></details>',
    f'<a href="javascript:{MARK}" id="ch3-js-link">click me</a>',
    f"[click me too](javascript:{MARK})",
    f'<style>@import "javascript:{MARK}";</style><b style="background:url(javascript:{MARK})">b</b>',
]


def hostile_notebook(release, path):
    """The release notebook with every markdown answer cell (and one extra cell) full of payloads."""
    nb = nbformat.read(release, as_version=4)
    answers = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    assert answers, "the assignment has no written answer"
    for cell in answers:
        cell.source = "My answer.\n\n" + "\n\n".join(PAYLOADS)
    nb.cells.append(nbformat.v4.new_markdown_cell("\n\n".join(PAYLOADS)))
    nbformat.write(nb, path)
    return path


def submission_id(root, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="chapter3") as gb:
        return gb.find_submission_notebook(DEMO_ASSIGNMENT, DEMO_ASSIGNMENT, student).id


def opened(browser, server, sid, name):  # noqa: F811
    """What the submission page did: script counter, active attributes and links left in the DOM."""
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{server.url}/formgrader/submissions/{sid}/?token={server.token}")
        page.wait_for_selector(".nbgrader_cell", state="attached")
        page.wait_for_timeout(2000)  # let images fail and handlers fire
        _shot(page, name)
        return page.evaluate("""() => ({
            ran: window.__ch3_xss || 0,
            handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
                .filter(a => a.name.startsWith('on') && a.value.includes('__ch3_xss')).map(a => a.name)),
            js_links: [...document.querySelectorAll('[href],[src]')].map(e => e.getAttribute('href') ||
                e.getAttribute('src')).filter(u => /^\\s*javascript:/i.test(u)),
            iframes: document.querySelectorAll('iframe').length,
            text: document.body.innerText.includes('My answer.'),
        })"""), dialogs
    finally:
        page.close()


def test_a_hostile_answer_cell_is_inert_in_the_formgrader(browser, course, tmp_path):  # noqa: F811
    root = course["root"]
    release = root / "release" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.ipynb"
    notebook = hostile_notebook(release, tmp_path / f"{DEMO_ASSIGNMENT}.ipynb")
    scores = {gid: 0 for gid in course["scores"]}
    # as the autograder records it (grading.autograde.student.publish) ...
    record(root, "hostile-student", DEMO_ASSIGNMENT, scores,
           notebook_path=formgrader_view(notebook))
    # ... and, as the control, the same notebook recorded without the sanitiser
    record(root, "control-student", DEMO_ASSIGNMENT, scores, notebook_path=notebook)
    stored = nbformat.read(root / "autograded" / "hostile-student" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.ipynb",
                           as_version=4)
    markdown = "\n".join(c.source for c in stored.cells if c.cell_type == "markdown")
    assert "<img" not in markdown and "<script" not in markdown and "](javascript:" not in markdown
    env = instructor_env(tmp_path)
    with jupyter_server([sys.executable, "-m", "jupyterlab"], cwd=root, env=env, root_dir=root,
                        log=SHOTS / "formgrader-xss-jupyter.log") as server:
        control, control_dialogs = opened(browser, server, submission_id(root, "control-student"), "xss-control")
        safe, dialogs = opened(browser, server, submission_id(root, "hostile-student"), "xss-sanitised")
    assert control["ran"] > 0 or control["handlers"] or control["js_links"], \
        f"the control did not show the attack; the test would not see one either: {control}"
    assert safe == {"ran": 0, "handlers": [], "js_links": [], "iframes": 0, "text": True}, safe
    assert dialogs == []
