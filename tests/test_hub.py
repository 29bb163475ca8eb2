"""The course on a real JupyterHub, end to end, driven with nbgrader's own commands and the students' servers.

On loopback: JupyterHub (DummyAuthenticator, LocalProcessSpawner), npm's configurable-http-proxy, three throw-away
Linux users (a grader and two students: nbgrader takes the student id from the OS user name), nbgrader's exchange
in a temporary folder, the hub-wide config ``grading/hub/nbgrader_config.py`` on ``JUPYTER_CONFIG_PATH`` and the
formgrader as the Hub service ``chapter3`` run as the grader, as ``grading/hub/README.md`` sets it up.

One test, one hub (pytest-xdist would start a hub per worker otherwise). The grader builds the course (English)
and releases 01; each student's server fetches it (the Assignment List's REST calls), the student edits its
module through the server's Contents API, submits; the grader collects, grades with ``python -m grading autograde
<course>/submitted --only 01_affine_layer``, exports with ``nbgrader export``, grades a written answer through the
formgrader's API and releases feedback with ``python -m grading release-feedback``; each student's server fetches
the feedback. The page a student gets is ours: the hidden checks' verdicts, the grader's score and comment, the
student's fake "all checks passed" output gone. Then 02 is released and alice hands it in fetched fresh (only
relu_forward written); grading the whole submitted/ tree keeps her 01 points. Last, in Chromium, the grader logs
in, authorizes the formgrader service and sees the assignments.
"""
import csv
import html
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from grading.facts import assignment_names
from grading.paths import ROOT
from tests.hub_helpers import VENV_BIN, Hub, LinuxUser, SearchableForAll, free_port, proxy_command

pytestmark = pytest.mark.slow

A = "01_affine_layer"
B = "02_activations"
COURSE_ID = "chapter3"
FAKE = "FAKE-PASS: all checks passed"
WRITTEN = "affine_backward_shape_answer"  # 01's written answer, graded by hand (1 point)
COMMENT = "Right: dx must keep x's shape <for a conv layer> & the flat one breaks it."
CJK = re.compile(r"[\u4e00-\u9fff]")


def _prerequisites():
    if os.geteuid() != 0:
        return "needs root (creates Linux users; the hub spawns servers as them)"
    if not shutil.which("useradd"):
        return "needs useradd"
    if not (VENV_BIN / "jupyterhub").is_file():
        return "jupyterhub is not installed in this environment (requirements-dev.txt pins it)"
    return None


@pytest.fixture(scope="module")
def hub():
    """The hub with the formgrader service, its users, the exchange and the built course; all removed after."""
    reason = _prerequisites() or (None if proxy_command() else
                                  "npm's configurable-http-proxy is not installed and npm could not install it")
    if reason:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)  # CI must run it
    proxy = proxy_command()
    tag = f"{os.getpid() % 100000}"
    users = []
    top = Path(tempfile.mkdtemp(prefix="ch3-hub-"))  # not under pytest's tmp_path: that is private to root
    hub = None
    reach = SearchableForAll(os.path.realpath(sys.executable), VENV_BIN, ROOT)
    try:
        reach.__enter__()
        grader = LinuxUser(f"ch3grader{tag}")
        users.append(grader)
        students = [LinuxUser(f"ch3stu{tag}{x}") for x in "ab"]
        users.extend(students)
        top.chmod(0o755)
        exchange, etc = top / "exchange", top / "etc-jupyter"
        exchange.mkdir()
        exchange.chmod(0o777)  # nbgrader's guide: everyone reads and writes the exchange
        etc.mkdir()
        shutil.copyfile(ROOT / "grading" / "hub" / "nbgrader_config.py", etc / "nbgrader_config.py")
        (top / "hub").mkdir()
        course = grader.home / COURSE_ID
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CH3_"))},
               "JUPYTER_CONFIG_PATH": str(etc), "CH3_EXCHANGE_DIR": str(exchange),
               "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]),  # the activated venv
               "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1"}
        grader_env = {**env, "CH3_COURSE_DIR": str(course)}
        done = grader.run([str(VENV_BIN / "python"), "-m", "grading", "build", "--lang", "en"], cwd=ROOT,
                          env=grader_env)
        assert done.returncode == 0, done.stdout + done.stderr
        service = {"name": COURSE_ID, "url": "http://127.0.0.1:{port}", "user": grader.name,
                   "cwd": str(grader.home), "command": [str(VENV_BIN / "jupyterhub-singleuser")],
                   "environment": {"CH3_COURSE_DIR": str(course), "JUPYTER_CONFIG_PATH": str(etc),
                                   "CH3_EXCHANGE_DIR": str(exchange)}}

        service["url"] = service["url"].format(port=free_port())
        role = {"name": f"formgrade-{COURSE_ID}", "groups": [f"formgrade-{COURSE_ID}"],
                "scopes": [f"access:services!service={COURSE_ID}", "list:services",
                           f"read:services!service={COURSE_ID}"]}
        settings = [
            "c.Authenticator.allow_all = True",
            f"c.JupyterHub.load_groups = {{'formgrade-{COURSE_ID}': [{grader.name!r}]}}",
            f"c.JupyterHub.load_roles.append({role!r})",
            f"c.Spawner.environment = {{'JUPYTER_CONFIG_PATH': {str(etc)!r}, 'CH3_EXCHANGE_DIR': {str(exchange)!r}}}",
            f"c.JupyterHub.services.append({service!r})",
        ]
        hub = Hub(top / "hub", settings, proxy)
        for student in students:
            hub.start_server(student.name)
        yield {"hub": hub, "grader": grader, "students": students, "course": course, "env": env,
               "grader_env": grader_env, "exchange": exchange}
    finally:
        if hub is not None:
            hub.stop()
        for user in users:
            user.remove()
        shutil.rmtree(top, ignore_errors=True)
        reach.__exit__(None, None, None)


def _assignment_call(hub, user, action, assignment=A):
    response = hub.api("POST", f"/user/{user}/assignments/{action}",
                       params={"course_id": COURSE_ID, "assignment_id": assignment})
    assert response.status_code == 200, (action, response.status_code, response.text[:2000])
    result = response.json()
    assert result.get("success"), (action, result)
    return result["value"]


def _contents(hub, user, path, kind):
    response = hub.api("GET", f"/user/{user}/api/contents/{path}",
                       params={"content": "1", "type": kind, **({"format": "text"} if kind == "file" else {})})
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response.json()


def _save(hub, user, path, model):
    response = hub.api("PUT", f"/user/{user}/api/contents/{path}", data=json.dumps(model))
    assert response.status_code in (200, 201), (path, response.status_code, response.text[:500])


def _write_affine_forward(hub, user):
    """The student writes affine_forward (in its own words) and leaves affine_backward a stub."""
    _write(hub, user, A, "affine_forward", "    flat = x.reshape(len(x), -1)\n    return flat.dot(w) + b, (x, w, b)\n")


def _write(hub, user, assignment, function, body):
    """The student writes ``body`` in place of ``function``'s stub in the assignment's copy of layers.py."""
    path = f"{COURSE_ID}/{assignment}/classifiers/chapter3/layers.py"
    text = _contents(hub, user, path, "file")["content"]
    stub = "    # YOUR CODE HERE\n    raise NotImplementedError\n"
    at = text.index(stub, text.index(f"def {function}"))
    text = text[:at] + body + text[at + len(stub):]
    _save(hub, user, path, {"type": "file", "format": "text", "content": text})


def _fake_a_pass(hub, user):
    """The student's notebook shows a made-up "all checks passed" under the affine_backward_dx check."""
    path = f"{COURSE_ID}/{A}/{A}.ipynb"
    nb = _contents(hub, user, path, "notebook")["content"]
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "affine_backward_dx")
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": f"✔ {FAKE}\n"}]
    _save(hub, user, path, {"type": "notebook", "content": nb})


def _grade_by_hand(hub, student, grade_id, score, comment):
    """What the formgrader's grading page sends when a grader types a score and a comment."""
    api = f"/services/{COURSE_ID}/formgrader/api"
    listed = hub.api("GET", f"{api}/submitted_notebooks/{A}/{A}")
    assert listed.status_code == 200, (listed.status_code, listed.text[:500])
    notebook_id = next(n["id"] for n in listed.json() if n["student"] == student)
    for kind, body in (("grade", {"manual_score": score}), ("comment", {"manual_comment": comment})):
        items = hub.api("GET", f"{api}/{kind}s", params={"submission_id": notebook_id}).json()
        item = next(i for i in items if i["name"] == grade_id)
        done = hub.api("PUT", f"{api}/{kind}/{item['id']}", data=json.dumps(body))
        assert done.status_code == 200, (kind, done.status_code, done.text[:500])


def _statuses(page):
    return dict(re.findall(r'data-grade-id="([^"]+)" data-status="([^"]+)"', page))


def test_a_term_on_a_real_hub(hub, tmp_path):
    """One test (one hub): pytest-xdist would give each worker a hub of its own otherwise."""
    h, grader, (alice, bob) = hub["hub"], hub["grader"], hub["students"]
    course, grades = hub["course"], grader.home / "grades"

    # The grader releases 01 with nbgrader's own command, in the course directory, in the activated venv.
    done = grader.run(["nbgrader", "release_assignment", A], cwd=course, env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr

    # Each student's server fetches it (what the Assignment List's Fetch button calls) into the student's home.
    for student in (alice, bob):
        listed = _assignment_call(h, student.name, "fetch")
        assert any(a["assignment_id"] == A and a["status"] == "fetched" for a in listed), listed
        fetched = student.home / COURSE_ID / A / "classifiers" / "chapter3" / "layers.py"
        assert fetched.stat().st_uid == student.uid
    _write_affine_forward(h, alice.name)
    _fake_a_pass(h, alice.name)
    for student in (alice, bob):  # bob hands in the stubs
        _assignment_call(h, student.name, "submit")

    # The grader collects and grades this assignment only; then releases our pages through the exchange.
    done = grader.run(["nbgrader", "collect", A], cwd=course, env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted([alice.name, bob.name])
    python = str(VENV_BIN / "python")
    done = grader.run([python, "-m", "grading", "autograde", str(course / "submitted"), "--out", str(grades),
                       "--only", A, "--workers", "1"], cwd=ROOT, env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {line.split(",")[0]: line.split(",") for line in (grades / "grades.csv").read_text().splitlines()}
    header = rows["student_id"]
    assert rows[alice.name][header.index("total")] == "4" and rows[bob.name][header.index("total")] == "0"
    for student in (alice, bob):
        autograded = course / "autograded" / student.name / A
        assert (autograded / "timestamp.txt").read_text() == (
            course / "submitted" / student.name / A / "timestamp.txt").read_text()
    # nbgrader's own export reads the same gradebook (manual grades would be in its score too).
    done = grader.run(["nbgrader", "export"], cwd=course, env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr
    exported = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(
        (course / "grades.csv").read_text(encoding="utf-8").splitlines())}
    assert float(exported[(A, alice.name)]["raw_score"]) == 4.0 and float(exported[(A, bob.name)]["score"]) == 0
    # A grader marks alice's written answer in the formgrader (its REST calls, as the grading page makes them).
    _grade_by_hand(h, alice.name, WRITTEN, 1, COMMENT)
    done = grader.run([python, "-m", "grading", "release-feedback", str(grades), A], cwd=ROOT,
                      env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{A}: feedback released to 2 student(s)" in done.stdout

    # Each student's server fetches the feedback: the page is ours, the student's own.
    pages = {}
    for student in (alice, bob):
        _assignment_call(h, student.name, "fetch_feedback")
        found = sorted((student.home / COURSE_ID / A / "feedback").glob(f"*/{A}.html"))
        assert len(found) == 1, found
        assert found[0].stat().st_uid == student.uid
        pages[student.name] = page = found[0].read_text(encoding="utf-8")
        # Our page: the autograde's verdicts (hidden checks), in the course's language, plus the written answer.
        graded = _statuses((grades / "feedback" / student.name / f"{A}.html").read_text(encoding="utf-8"))
        assert {k: v for k, v in _statuses(page).items() if k != WRITTEN} == graded
        assert not CJK.search(page), CJK.findall(page)[:10]
    alice_page = pages[alice.name]
    assert _statuses(alice_page) == {
        "affine_forward_value": "passed", "affine_forward_nd_input": "passed", "affine_forward_float32": "passed",
        "affine_backward_dx": "not attempted", "affine_backward_dw": "not attempted",
        "affine_backward_db": "not attempted", "affine_backward_nd_input": "not attempted", WRITTEN: "passed"}
    assert "<b>5 / 11</b>" in alice_page and FAKE not in alice_page
    assert html.escape(COMMENT) in alice_page and "<for a conv layer>" not in alice_page  # the comment, escaped
    assert "<b>0 / 11</b>" in pages[bob.name] and "passed" not in _statuses(pages[bob.name]).values()
    assert _statuses(pages[bob.name])[WRITTEN] == "graded by hand" and "– / 1" in pages[bob.name]

    # The formgrader, a Hub service run as the grader, reads the gradebook the autograder wrote.
    response = h.api("GET", f"/services/{COURSE_ID}/formgrader/api/submissions/{A}")
    assert response.status_code == 200, (response.status_code, response.text[:500])
    scores = {s["student"]: s for s in response.json()}
    assert scores[alice.name]["autograded"] and scores[alice.name]["score"] == 5  # 4 autograded + 1 by hand
    assert scores[bob.name]["autograded"] and scores[bob.name]["score"] == 0

    # Later in the term: 02 is released; alice fetches it fresh (the stubs again), writes relu_forward only and
    # hands it in; bob hands in nothing. Grading the whole submitted/ tree, every assignment, grades each one from
    # its own folder: alice keeps 01's points, and nothing is created for what nobody handed in.
    done = grader.run(["nbgrader", "release_assignment", B], cwd=course, env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr
    _assignment_call(h, alice.name, "fetch", B)
    _write(h, alice.name, B, "relu_forward", "    return np.maximum(x, 0), x\n")
    _assignment_call(h, alice.name, "submit", B)
    done = grader.run(["nbgrader", "collect", B], cwd=course, env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr
    done = grader.run([python, "-m", "grading", "autograde", str(course / "submitted"), "--out", str(grades),
                       "--workers", "1"], cwd=ROOT, env=hub["grader_env"])
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {line.split(",")[0]: line.split(",") for line in (grades / "grades.csv").read_text().splitlines()}
    header = rows["student_id"]
    relu = ["relu_forward_value", "relu_forward_float32", "relu_forward_keeps_input"]
    assert [rows[alice.name][header.index(g)] for g in ("affine_forward_value", *relu)] == ["2", "1", "1", "1"]
    assert rows[alice.name][header.index("total")] == "7" and rows[bob.name][header.index("total")] == "0"
    for assignment, expected in ((A, {alice.name: 5, bob.name: 0}), (B, {alice.name: 3})):
        response = h.api("GET", f"/services/{COURSE_ID}/formgrader/api/submissions/{assignment}")
        got = {s["student"]: s["score"] for s in response.json() if s["autograded"]}
        assert got == expected, (assignment, got)
    assert sorted(p.name for p in (course / "autograded" / alice.name).iterdir()) == [A, B]
    assert sorted(p.name for p in (course / "autograded" / bob.name).iterdir()) == [A]
    assert sorted(p.name for p in (grades / "feedback" / bob.name).iterdir()) == [f"{A}.html"]

    # A grader's way in: log in, authorize the service once, the formgrader.
    from tests.browser_helpers import chromium_missing

    missing = chromium_missing()
    if missing:
        pytest.skip(f"everything but the browser step passed; {missing}")
    _formgrader_in_a_browser(h, grader, tmp_path / "profile")


def _formgrader_in_a_browser(h, grader, profile):
    """In Chromium: the hub's login, the OAuth consent page of the service, then the formgrader itself."""
    from tests.browser_helpers import chromium

    with chromium(profile) as browser:
        page = browser.new_page()
        page.goto(f"{h.url}/hub/login")
        page.fill("#username_input", grader.name)
        page.fill("#password_input", "any")  # DummyAuthenticator takes any password
        page.click("#login_submit")
        page.wait_for_url("**/hub/**")
        page.goto(f"{h.url}/services/{COURSE_ID}/formgrader")
        # The hub asks once whether the service may know who the grader is (OAuth consent).
        page.wait_for_selector("text=Authorize access", timeout=60_000)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"**/services/{COURSE_ID}/formgrader/manage_assignments", timeout=60_000)
        # The table is filled by the formgrader's scripts from the gradebook: every assignment of the build, and
        # 01 with its two submissions.
        rows = page.wait_for_function(
            "n => { const rows = [...document.querySelectorAll('#main-table tr')].map(r => ["
            "r.querySelector('td.name')?.textContent.trim(), r.querySelector('td.num-submissions')?.textContent.trim()"
            "]).filter(([name, count]) => name && count); return rows.length >= n ? rows : null; }",
            arg=len(assignment_names()), timeout=60_000)
        rows = dict(rows.json_value())
        assert list(rows) == assignment_names() and rows[A] == "2", rows
