"""grading.publish.gradebook.record_many: a student's assignments in one transaction, with one gradebook connection."""
import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import overwritecells, overwritekernelspec

from grading.config import COURSE_ID
from grading.facts import assignment_names
from grading.publish.gradebook import GradebookError, record, record_many
from tests.course_helpers import course_copy

ASSIGNMENTS = assignment_names()[:3]


def _auto(course, assignment):
    nb = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.nbgrader.get("solution")}


def _entries(course):
    """Every other autograded cell full, the rest 0, with the release notebook as the submission."""
    return [(a, {g: (p if i % 2 == 0 else 0.0) for i, (g, p) in enumerate(_auto(course, a).items())},
             course / "release" / a / f"{a}.ipynb") for a in ASSIGNMENTS]


def _state(course, student):
    """{assignment: {grade_id: auto_score}} and the autograded notebooks' bytes of ``student``."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        scores = {}
        for a in ASSIGNMENTS:
            try:
                sub = gb.find_submission(a, student)
            except MissingEntry:
                continue
            scores[a] = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}
    files = {p.relative_to(course / "autograded" / student).as_posix(): p.read_bytes()
             for p in sorted((course / "autograded" / student).rglob("*.ipynb"))}
    return scores, files


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return course_copy(tmp_path_factory.mktemp("batched") / "course")


def test_record_many_leaves_what_record_one_by_one_leaves(course):
    entries = _entries(course)
    for a, scores, notebook in entries:
        record(course, "one_by_one", a, scores, notebook_path=notebook)
    record_many(course, "batched", entries)
    one, batched = _state(course, "one_by_one"), _state(course, "batched")
    assert batched == one
    scores, files = batched
    assert sorted(scores) == ASSIGNMENTS and len(files) == len(ASSIGNMENTS)
    first = ASSIGNMENTS[0]
    points = list(_auto(course, first).values())
    assert [scores[first][g] for g in _auto(course, first)] == [p if i % 2 == 0 else 0.0 for i, p in enumerate(points)]
    # nbgrader's preprocessors have their own Gradebook back
    assert overwritecells.Gradebook is Gradebook and overwritekernelspec.Gradebook is Gradebook


def test_a_failing_entry_writes_nothing_of_the_student(course):
    entries = _entries(course)
    bad = (entries[1][0], {"no_such_cell": 1.0}, entries[1][2])
    with pytest.raises(GradebookError, match="no_such_cell"):
        record_many(course, "half_done", [entries[0], bad, entries[2]])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        with pytest.raises(MissingEntry):
            gb.find_student("half_done")
    assert not (course / "autograded" / "half_done").exists()
    assert overwritecells.Gradebook is Gradebook


def test_a_regrade_in_one_transaction_replaces_the_scores(course):
    entries = _entries(course)
    record_many(course, "regraded", entries)
    full = [(a, dict.fromkeys(_auto(course, a), 0.0) | {next(iter(_auto(course, a))): 1.0}, nb)
            for a, _, nb in entries]
    record_many(course, "regraded", full)
    scores, _ = _state(course, "regraded")
    assert scores == {a: {g: s for g, s in new.items()} | {g: None for g in scores[a] if g not in new}
                      for a, new, _ in full}
