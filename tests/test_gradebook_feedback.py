"""Our scores in nbgrader's gradebook (what the formgrader shows) and the per-student feedback page."""
import re
import threading

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from grading.build.course import build_course, has_gradebook
from grading.config import COURSE_ID, GRADEBOOK_URL_ENV, load_config, shown_url
from grading.facts import DEFAULT_LANGUAGE, assignment_names
from grading.publish.feedback import TEXT, render
from grading.publish.gradebook import GradebookError, record
from grading.untrusted import MAX_NOTEBOOK_BYTES, read_notebook
from tests.course_helpers import course_copy

A = assignment_names()[0]


@pytest.fixture()
def course(tmp_path):
    return course_copy(tmp_path / "course")


def _release(course):
    return nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)


def _cells(nb):
    """{grade_id: (cell_type, points, solution)} of the grade cells of a notebook."""
    return {c.metadata.nbgrader["grade_id"]: (c.cell_type, c.metadata.nbgrader["points"],
                                              c.metadata.nbgrader.get("solution"))
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def _auto(course):
    return {g: pts for g, (kind, pts, solution) in _cells(_release(course)).items() if kind == "code" and not solution}


def _manual(course):
    return [g for g, (kind, _, solution) in _cells(_release(course)).items() if solution]


def _grades(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        sub = gb.find_submission(A, student)
        grades = {g.name: (g.auto_score, g.manual_score, g.score, g.needs_manual_grade)
                  for nb in sub.notebooks for g in nb.grades}
        return grades, sub.score, sub.max_score


def _half_scores(course):
    """Full points on every other autograded cell, 0 on the rest."""
    return {g: (pts if i % 2 == 0 else 0.0) for i, (g, pts) in enumerate(_auto(course).items())}


def test_a_gradebook_url_in_the_environment_is_where_build_and_record_write(tmp_path, monkeypatch):
    """$CH3_GRADEBOOK_URL (Postgres on a Hub; grading/hub/nbgrader_config.py gives the formgrader the same variable)
    is the gradebook of nbgrader's generate_assignment in the build and of record; a second SQLite file stands in
    for the server."""
    server = tmp_path / "server" / "grades.db"
    server.parent.mkdir()
    monkeypatch.setenv(GRADEBOOK_URL_ENV, f"sqlite:///{server}")
    root = build_course(DEFAULT_LANGUAGE, tmp_path / "course")
    assert server.is_file() and not (root / "gradebook.db").exists()
    assert has_gradebook(root)
    scores = _half_scores(root)
    record(root, "alice", A, scores, notebook_path=root / "release" / A / f"{A}.ipynb")
    with Gradebook(f"sqlite:///{server}", course_id=COURSE_ID) as gb:
        sub = gb.find_submission(A, "alice")
        assert {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades if g.name in scores} == scores
    assert not (root / "gradebook.db").exists()

    monkeypatch.delenv(GRADEBOOK_URL_ENV)  # the course's own gradebook.db again: never built
    assert not has_gradebook(root)
    with pytest.raises(GradebookError, match="gradebook.db does not exist: run `python -m grading build`"):
        record(root, "alice", A, scores)
    assert not (root / "gradebook.db").exists()


def test_gradebook_messages_mask_passwords():
    assert shown_url("postgresql://chapter3:s3cret@db.example.org:5432/chapter3") == \
        "postgresql://chapter3:***@db.example.org:5432/chapter3"


def test_record_puts_our_scores_in_the_gradebook(course):
    scores = _half_scores(course)
    record(course, "alice", A, scores, notebook_path=course / "release" / A / f"{A}.ipynb")
    grades, total, max_total = _grades(course, "alice")
    assert {g: grades[g][0] for g in scores} == scores
    assert {g: grades[g][2] for g in scores} == scores
    assert not any(grades[g][3] for g in scores)
    for g in _manual(course):
        assert grades[g][:2] == (None, None) and grades[g][3] is True  # left for the formgrader
    assert total == sum(scores.values())
    assert max_total == sum(pts for _, pts, _ in _cells(_release(course)).values())


def test_formgrader_api_sees_the_autograded_submission(course):
    scores = _half_scores(course)
    record(course, "alice", A, scores, notebook_path=None)
    config = load_config(course)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    [sub] = api.get_submissions(A)
    assert (sub["student"], sub["autograded"], sub["score"]) == ("alice", True, sum(scores.values()))
    assert sub["needs_manual_grade"] is bool(_manual(course))


def test_record_is_idempotent_and_a_regrade_updates(course):
    scores = _half_scores(course)
    record(course, "bob", A, scores)
    first = _grades(course, "bob")
    record(course, "bob", A, scores)
    assert _grades(course, "bob") == first
    full = _auto(course)
    record(course, "bob", A, full)
    assert _grades(course, "bob")[1] == sum(full.values())
    partial = dict(list(full.items())[:1])
    record(course, "bob", A, {g: 0.0 for g in partial})  # a partial regrade touches only its cells
    grades, total, _ = _grades(course, "bob")
    assert total == sum(full.values()) - sum(partial.values())


def test_a_graders_manual_score_survives_a_regrade(course):
    record(course, "carol", A, _half_scores(course))
    answer = _manual(course)[0]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        grade = gb.find_grade(answer, A, A, "carol")
        grade.manual_score = 1.0
        gb.db.commit()
    record(course, "carol", A, _half_scores(course))
    assert _grades(course, "carol")[0][answer][1] == 1.0


def test_concurrent_records_from_threads(course):
    scores = _half_scores(course)
    errors = []

    def work(i):
        try:
            record(course, f"s{i % 6}", A, scores)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        assert sorted(s.id for s in gb.students) == [f"s{i}" for i in range(6)]
        assert [s.score for s in gb.assignment_submissions(A)] == [sum(scores.values())] * 6


def test_rejects_what_does_not_fit_the_course(course, tmp_path):
    with pytest.raises(GradebookError, match="no autograded cell"):
        record(course, "dan", A, {"made_up_cell": 1.0})
    with pytest.raises(GradebookError, match="no autograded cell"):
        record(course, "dan", A, {_manual(course)[0]: 1.0})
    with pytest.raises(ValueError, match="outside"):
        record(course, "dan", A, {next(iter(_auto(course))): 99.0})
    with pytest.raises(ValueError, match="unusable student id"):
        record(course, "../etc", A, {})
    with pytest.raises(GradebookError, match="no assignment"):
        record(course, "dan", "99_nothing", {})
    with pytest.raises(GradebookError, match="does not exist"):
        record(tmp_path / "no-course", "dan", A, {})


def _hostile_notebook(course):
    """A submission that tries to fake its score on the feedback page and in the formgrader."""
    nb = _release(course)
    auto = list(_auto(course))
    code = next(c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("grade"))
    code.outputs = [
        nbformat.v4.new_output("display_data", data={
            "text/html": "<script>FAKE_HTML()</script>", "application/javascript": "FAKE_JS()",
            "text/plain": "plain text kept", "image/png": '"><script>FAKE_IMG()</script>'}),
        nbformat.v4.new_output("stream", name="stdout", text="<script>FAKE_STREAM()</script>"),
    ]
    code.metadata.tags = ['"><script>FAKE_TAG()</script>']
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == auto[0]:
            cell.source = "print('all passed')"  # edited grade cell
            cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<b>✔ FAKE_SCORE</b>"})]
        if grade_id in _manual(course):
            cell.source = "My answer <img src=x onerror=FAKE_ONERROR()> $x$"
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != auto[1]]  # deleted
    nb.cells.append(nbformat.v4.new_raw_cell("<script>FAKE_RAW()</script>", metadata={"raw_mimetype": "text/html"}))
    nb.cells.append(nbformat.v4.new_markdown_cell("<script>FAKE_MD()</script>"))
    return nb


def test_autograded_notebook_for_the_formgrader(course, tmp_path):
    path = tmp_path / "submitted.ipynb"
    nbformat.write(_hostile_notebook(course), path)
    record(course, "eve", A, _half_scores(course), notebook_path=path)
    out = course / "autograded" / "eve" / A / f"{A}.ipynb"
    nb = nbformat.read(out, as_version=4)
    assert _cells(nb) == _cells(_release(course))  # deleted cell restored, edited one overwritten by nbgrader
    text = out.read_text(encoding="utf-8")
    assert "FAKE_HTML" not in text and "FAKE_JS" not in text and "FAKE_IMG" not in text and "FAKE_TAG" not in text
    assert "FAKE_SCORE" not in text and "HIDDEN TESTS" not in text and "hidden=" not in text
    assert "plain text kept" in text
    before = out.read_bytes()
    record(course, "eve", A, _half_scores(course), notebook_path=path)
    assert out.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"\xff\xfe not utf-8", b"{not json", b'{"cells": 3}'])
def test_unusable_notebook_gives_the_release_to_the_formgrader(course, tmp_path, content):
    path = tmp_path / "submitted.ipynb"
    path.write_bytes(content)
    record(course, "frank", A, {}, notebook_path=path)
    got = (course / "autograded" / "frank" / A / f"{A}.ipynb").read_bytes()
    assert got == (course / "release" / A / f"{A}.ipynb").read_bytes()


def test_reading_a_submitted_notebook_never_follows_links_or_trusts_the_file(course, tmp_path):
    release = course / "release" / A / f"{A}.ipynb"
    (tmp_path / "link.ipynb").symlink_to(release)
    (tmp_path / "folder.ipynb").mkdir()
    (tmp_path / "huge.ipynb").write_bytes(b" " * (MAX_NOTEBOOK_BYTES + 1))
    (tmp_path / "list.ipynb").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "v3.ipynb").write_text('{"nbformat": 3, "worksheets": "x"}', encoding="utf-8")
    (tmp_path / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    expected = {"link": "symbolic link", "folder": "not a regular file", "huge": "larger than",
                "list": "not valid notebook JSON", "v3": "not", "deep": "not valid notebook JSON",
                "missing": "no notebook was submitted"}
    for name, reason in expected.items():
        nb, why = read_notebook(tmp_path / f"{name}.ipynb")
        assert nb is None and reason in why, (name, why)
    nb, why = read_notebook(release)
    assert why is None and nb.cells


# ----------------------------------------------------------------------------------------------- feedback pages
def _verdicts(course):
    verdicts = {}
    for i, (g, pts) in enumerate(_auto(course).items()):
        status = ["passed", "failed", "error", "not attempted"][i % 4]
        score = pts if status == "passed" else 0.0
        verdicts[g] = (score, pts, status, [f"message for {g}", "<script>FAKE_MESSAGE()</script>"])
    return verdicts


def _rows(page):
    return dict(re.findall(r'<tr data-grade-id="([^"]+)" data-status="([^"]+)">', page))


def test_feedback_page_shows_every_verdict(course, tmp_path):
    verdicts = _verdicts(course)
    out, why = render(_release(course), A, verdicts, tmp_path / "fb.html", release_nb=_release(course), lang="en")
    page = out.read_text(encoding="utf-8")
    assert why is None and "could not be read" not in page
    assert _rows(page) == {g: v[2] for g, v in verdicts.items()}
    for g, (score, pts, status, _) in verdicts.items():
        mark = "✔" if status == "passed" else "✘"
        assert f"{mark} {g}: {score:g} / {pts:g} ({status})" in page
        assert f"message for {g}" in page
    total, max_total = sum(v[0] for v in verdicts.values()), sum(v[1] for v in verdicts.values())
    assert f"<b>{total:g} / {max_total:g}</b>" in page
    assert "FAKE_MESSAGE()</script>" not in page and "&lt;script&gt;FAKE_MESSAGE()" in page


def test_feedback_for_a_written_answer_not_graded_yet(course, tmp_path):
    answer = _manual(course)[0]
    points = _cells(_release(course))[answer][1]
    verdicts = {answer: (None, points, "needs manual grading", [])}
    out, _ = render(None, A, verdicts, tmp_path / "fb.html", release_nb=_release(course), lang="en")
    page = out.read_text(encoding="utf-8")
    assert f"… {answer}: – / {points:g} (needs manual grading)" in page and f"<b>0 / {points:g}</b>" in page


def test_feedback_page_carries_nothing_active_from_the_student(course, tmp_path):
    verdicts = _verdicts(course)
    clean, _ = render(_release(course), A, verdicts, tmp_path / "clean.html", release_nb=_release(course))
    out, why = render(_hostile_notebook(course), A, verdicts, tmp_path / "fb.html", release_nb=_release(course))
    page, clean_page = out.read_text(encoding="utf-8"), clean.read_text(encoding="utf-8")
    assert why is None
    assert page.count("<script") == clean_page.count("<script")  # only the template's own
    for fake in ("FAKE_HTML", "FAKE_JS", "FAKE_IMG", "FAKE_TAG", "FAKE_SCORE", "<img src=x", "<script>FAKE"):
        assert fake not in page, fake
    assert "plain text kept" in page
    assert "&lt;script&gt;FAKE_STREAM()" in page and "&lt;script&gt;FAKE_RAW()" in page
    assert "&lt;img src=x onerror=FAKE_ONERROR()&gt;" in page  # the written answer, as escaped text
    auto = list(_auto(course))
    # The release's grade cell, not the student's edit of it.
    assert f'<span class="n">check</span><span class="p">(</span><span class="s2">"{auto[0]}"</span>' in page
    assert "all passed" not in page
    assert _rows(page) == {g: v[2] for g, v in verdicts.items()}
    assert TEXT["zh"]["missing"] in page
    missing = page.index(f"{auto[1]}: ")  # the deleted grade cell is back, with its verdict, after its neighbour
    assert page.index(f"✔ {auto[0]}: ") < missing


@pytest.mark.parametrize("student, reason", [
    (None, "no notebook was submitted"),
    ("empty", "the notebook file is empty"),
    ("garbage", "the notebook file is not UTF-8 text"),
    ("json", "not valid notebook JSON"),
])
def test_feedback_page_for_a_missing_or_unreadable_notebook(course, tmp_path, student, reason):
    contents = {"empty": b"", "garbage": b"\x89PNG\xff", "json": b'{"cells": [1, 2'}
    if student is not None:
        (tmp_path / "nb.ipynb").write_bytes(contents[student])
        student = tmp_path / "nb.ipynb"
    verdicts = _verdicts(course)
    out, why = render(student, A, verdicts, tmp_path / "fb.html", release_nb=_release(course), lang="en")
    page = out.read_text(encoding="utf-8")
    assert reason in why and "could not be read" in page and reason in page
    assert _rows(page) == {g: v[2] for g, v in verdicts.items()}
    for g in verdicts:
        assert f" {g}: " in page
