"""grading.publish.gradebook answers nbgrader's per-cell lookups from the assignments' definitions loaded once per
record call, keeps one database engine per gradebook, and its metadata validator remembers what passed: the result
must be what nbgrader's own queries and validation give, a definition changed or a gradebook replaced between two
calls must be read afresh, and tampered metadata must still be rejected."""
import copy
import shutil

import jsonschema
import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import MetadataValidator, common
from nbgrader.preprocessors import CheckCellMetadata
from nbgrader.utils import compute_checksum

from grading.config import COURSE_ID
from grading.facts import assignment_names
from grading.publish import gradebook
from grading.publish.gradebook import record, record_many
from grading.publish.gradebook_session import Definitions, _RememberedSchema, sharing
from grading.untrusted import formgrader_view
from tests.course_helpers import built_course, course_copy

A = assignment_names()[0]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return course_copy(tmp_path_factory.mktemp("definitions") / "course")


def _url(course):
    return f"sqlite:///{course / 'gradebook.db'}"


def _release(course, assignment=A):
    return course / "release" / assignment / f"{assignment}.ipynb"


def _auto(nb):
    """[(grade_id, points)] of the autograded cells (code grade cells that are not answers)."""
    return [(c.metadata.nbgrader["grade_id"], c.metadata.nbgrader["points"]) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.nbgrader.get("solution")]


def _stored(course, student, assignment=A):
    return (course / "autograded" / student / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")


def _nbgraders_own(course, student, path, assignment=A):
    """The autograded notebook as nbgrader's preprocessors make it when they query the gradebook themselves (no
    definitions handed to them, no remembered validation), or the release when they reject the notebook."""
    nb = formgrader_view(path)
    try:
        nb = gradebook._formgrader_notebook(nb, course, student, assignment, _url(course))
    except Exception:  # noqa: BLE001  (as _write_autograded: the release instead)
        nb = nbformat.read(_release(course, assignment), as_version=4)
    return nbformat.writes(nb) + "\n"


def test_the_definitions_answer_as_nbgraders_queries(course):
    names = assignment_names()
    with Gradebook(_url(course), course_id=COURSE_ID) as gb:
        definitions = Definitions(gb, names)
        assert sorted(definitions.assignments) == sorted(names)
        looked_up = 0
        for a in names:
            for notebook in gb.find_assignment(a).notebooks:
                n = notebook.name
                assert definitions.find_notebook(n, a) is gb.find_notebook(n, a)
                for cell in notebook.source_cells:
                    assert definitions.find_source_cell(cell.name, n, a) is gb.find_source_cell(cell.name, n, a)
                    looked_up += 1
                for cell in notebook.grade_cells + notebook.task_cells:
                    assert definitions.find_graded_cell(cell.name, n, a) is gb.find_graded_cell(cell.name, n, a)
                for finder in ("find_source_cell", "find_graded_cell"):
                    for gb_ in (gb, definitions):
                        with pytest.raises(MissingEntry):
                            getattr(gb_, finder)("no_such_cell", n, a)
        assert looked_up > 50
        with pytest.raises(MissingEntry):
            definitions.find_notebook("no_such_notebook", A)
    # the order nbgrader's add_missing_grade_cells relies on: as a fresh session lazy-loads the cells
    with Gradebook(_url(course), course_id=COURSE_ID) as fresh, Gradebook(_url(course), course_id=COURSE_ID) as gb:
        definitions = Definitions(gb, names)
        for a in names:
            for notebook in fresh.find_assignment(a).notebooks:
                mine = definitions.find_notebook(notebook.name, a)
                for kind in ("source_cells", "grade_cells", "solution_cells", "task_cells"):
                    assert [c.name for c in getattr(mine, kind)] == [c.name for c in getattr(notebook, kind)], kind


def test_a_grade_cell_changed_between_two_records_is_read_afresh(course):
    """As when the course is rebuilt between two batches of one process: the second record sees the new points
    and the new test code."""
    release = nbformat.read(_release(course), as_version=4)
    gid, points = _auto(release)[0]
    record(course, "before_change", A, {gid: points}, notebook_path=_release(course))
    assert f'"points": {points}' in _stored(course, "before_change")

    new_points, new_source = float(points + 3), "# the instructor's new test\nassert True\n"
    cell = copy.deepcopy(next(c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid))
    cell.source = new_source
    cell.metadata.nbgrader["points"] = new_points
    with Gradebook(_url(course), course_id=COURSE_ID) as gb:
        source = gb.find_source_cell(gid, A, A)
        original = {"source": source.source, "checksum": source.checksum}
        gb.update_or_create_grade_cell(gid, A, A, max_score=new_points)
        gb.update_or_create_source_cell(gid, A, A, source=new_source, checksum=compute_checksum(cell))
    try:
        record(course, "after_change", A, {gid: points + 2}, notebook_path=_release(course))  # > the old maximum
        with Gradebook(_url(course), course_id=COURSE_ID) as gb:
            grades = {g.name: g for nb in gb.find_submission(A, "after_change").notebooks for g in nb.grades}
            assert (grades[gid].auto_score, grades[gid].max_score) == (points + 2, new_points)
        stored = nbformat.reads(_stored(course, "after_change"), as_version=4)
        mine = next(c for c in stored.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
        assert (mine.source, mine.metadata.nbgrader["points"]) == (new_source, new_points)
        with pytest.raises(ValueError, match="outside"):
            record(course, "after_change", A, {gid: new_points + 1}, notebook_path=_release(course))
    finally:  # the module's other tests use the course as built
        with Gradebook(_url(course), course_id=COURSE_ID) as gb:
            gb.update_or_create_grade_cell(gid, A, A, max_score=points)
            gb.update_or_create_source_cell(gid, A, A, **original)


def _tampered(release, path, change):
    nb = nbformat.read(release, as_version=4)
    change(nb)
    nbformat.write(nb, path)
    return path


PLAIN = {"schema_version": 3, "grade": False, "solution": False, "locked": False}


def test_tampered_metadata_is_handled_as_nbgrader_handles_it(course, tmp_path):
    """Each notebook is recorded after the untouched release (whose metadata the validator then remembers) and must
    land as nbgrader's preprocessors make it on their own: rejected ones as the release, repaired ones repaired."""
    release = _release(course)
    first_auto = _auto(nbformat.read(release, as_version=4))[0][0]
    dropped = []

    def grade_cell(nb, gid=first_auto):
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)

    def drop(nb):  # a grade cell nbgrader can put back: the cell before it is a grade or answer cell
        graded = {c.metadata.nbgrader["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                  or c.metadata.get("nbgrader", {}).get("solution")}
        with Gradebook(_url(course), course_id=COURSE_ID) as gb:
            order = [c.name for c in gb.find_notebook(A, A).source_cells]
        gid = next(g for g, _ in _auto(nb) if order.index(g) > 0 and order[order.index(g) - 1] in graded)
        nb.cells.remove(grade_cell(nb, gid))
        dropped.append(gid)

    def points(nb):
        grade_cell(nb).metadata.nbgrader["points"] = 1000

    def edit_test(nb):
        grade_cell(nb).source = "# my own test\npass\n"

    def answer_cell(nb):
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))

    def answer(nb):
        answer_cell(nb).source = "My own answer."

    def meta(find, **change):
        return lambda nb: find(nb).metadata.nbgrader.update(change)

    cases = {  # nbgrader's CheckCellMetadata or OverwriteCells refuses the first six (the release is shown) ...
        "unlocked_as_0": (meta(answer_cell, locked=0), True),  # its twin, locked: false, passed before
        "solution_as_0": (meta(grade_cell, solution=0), True),
        "extra_key": (meta(grade_cell, evil="<script>"), True),
        "newer_schema": (meta(grade_cell, schema_version=4), True),
        "points_text": (meta(grade_cell, points="lots"), True),
        "unknown_grade_id": (meta(answer_cell, grade_id="not_in_the_gradebook"), True),
        # ... and restores these from the gradebook
        "grade_cell_deleted": (drop, False),
        "points_raised": (meta(grade_cell, points=1000), False),
        "test_edited": (edit_test, False),
        "untouched": (lambda nb: None, False),
    }
    release_text = nbformat.writes(nbformat.read(release, as_version=4)) + "\n"
    record_many(course, "clean", [(A, {}, formgrader_view(release))])
    for name, (change, rejected) in cases.items():
        path = _tampered(release, tmp_path / f"{name}.ipynb", lambda nb, change=change: (answer(nb), change(nb)))
        record_many(course, name, [(A, {}, formgrader_view(path))])
        assert _stored(course, name) == _nbgraders_own(course, name, path), name
        assert (_stored(course, name) == release_text) == rejected, name
        assert ("My own answer." in _stored(course, name)) != rejected, name
    deleted = nbformat.reads(_stored(course, "grade_cell_deleted"), as_version=4)
    assert "was missing from the submission" in grade_cell(deleted, dropped[0]).source
    assert grade_cell(nbformat.reads(_stored(course, "points_raised"), as_version=4)).metadata.nbgrader["points"] \
        == grade_cell(nbformat.read(release, as_version=4)).metadata.nbgrader["points"]
    assert "my own test" not in _stored(course, "test_edited")
    assert common.jsonschema is jsonschema  # nbgrader's validator has its jsonschema back


def test_the_remembered_schema_validates_what_it_has_not_seen_pass():
    schema = MetadataValidator().schema
    remembered = _RememberedSchema()
    remembered.validate(dict(PLAIN), schema)
    remembered.validate(dict(PLAIN), copy.deepcopy(schema))  # the same schema read again: remembered
    assert len(remembered.passed) == 1
    for bad in (PLAIN | {"locked": 0}, PLAIN | {"grade": 1.0}, PLAIN | {"schema_version": 3.5},
                PLAIN | {"grade_id": "a b"}, PLAIN | {"extra": None}):
        for _ in range(2):  # also after a first failure
            with pytest.raises(jsonschema.ValidationError):
                remembered.validate(bad, schema)
    stricter = copy.deepcopy(schema) | {"required": [*schema["required"], "grade_id"]}
    with pytest.raises(jsonschema.ValidationError):  # a different schema: validated again
        remembered.validate(dict(PLAIN), stricter)
    assert len(remembered.passed) == 1


def test_check_cell_metadata_still_refuses_a_notebook_after_its_twin_passed(course):
    """nbgrader's own preprocessor, run inside the block where the validator remembers."""
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x", metadata={"nbgrader": dict(PLAIN)})])
    bad = copy.deepcopy(good)
    bad.cells[0].metadata.nbgrader["solution"] = 0
    with Gradebook(_url(course), course_id=COURSE_ID) as gb, sharing(Definitions(gb, [A])):
        CheckCellMetadata().preprocess(good, {})
        with pytest.raises(jsonschema.ValidationError):
            CheckCellMetadata().preprocess(bad, {})


def test_a_gradebook_replaced_between_two_records_is_the_one_written(course, tmp_path):
    """A rebuild replaces gradebook.db; the engine kept for its URL must open the new file, not the old one."""
    root = course_copy(tmp_path / "course")
    release = _release(root)
    gid, points = _auto(nbformat.read(release, as_version=4))[0]
    record(root, "first", A, {gid: points}, notebook_path=release)
    (root / "gradebook.db").unlink()
    shutil.copy(built_course() / "gradebook.db", root / "gradebook.db")  # as built: no student
    record(root, "second", A, {gid: 0.0}, notebook_path=release)
    with Gradebook(_url(root), course_id=COURSE_ID) as gb:
        assert [s.id for s in gb.students] == ["second"]
        assert {g.name: g.auto_score for nb in gb.find_submission(A, "second").notebooks for g in nb.grades}[gid] == 0
    with Gradebook(_url(built_course()), course_id=COURSE_ID) as gb:
        assert gb.students == []  # the built course is untouched
