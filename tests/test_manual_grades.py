"""Manual grades from the formgrader (scores and comments of written answers) in columns of their own in grades.csv."""
import csv
import io

from nbgrader.api import Gradebook

from grading.autograde import make_plan
from grading.config import COURSE_ID, gradebook_url
from grading.publish import report
from grading.publish.gradebook import manual_grades, record
from tests.course_helpers import course_copy

A = "01_affine_layer"
COMMENT = "形状推理正确，but say why dx is never used, please."


def _grade_by_hand(course, student, grade_id, score, comment, assignment=A):
    """What the formgrader's API does when a grader types a score and a comment (None: leaves that one alone)."""
    with Gradebook(gradebook_url(course), course_id=COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        if score is not None:
            grade = next(g for g in notebook.grades if g.name == grade_id)
            grade.manual_score = score
            grade.needs_manual_grade = False
        if comment is not None:
            next(c for c in notebook.comments if c.name == grade_id).manual_comment = comment
        gb.db.commit()


def test_manual_scores_and_comments_reach_grades_csv(tmp_path):
    course = course_copy(tmp_path / "course")
    plan = make_plan("en", only=[A])
    auto = [c.grade_id for c in plan.auto_cells]
    written = [c.grade_id for c in plan.cells if not c.auto]
    assert written == ["affine_backward_shape_answer"]
    for sid in ("ann", "ben"):
        record(course, sid, A, {gid: 0.0 for gid in auto})
    _grade_by_hand(course, "ann", written[0], 1.0, COMMENT)

    manual = manual_grades(course, [(A, gid) for gid in written], ["ann", "ben", "cat"])
    assert manual == {"ann": {written[0]: (1.0, COMMENT)}, "ben": {written[0]: (None, "")},
                      "cat": {written[0]: (None, "")}}

    records = [{"student_id": sid, "scores": {gid: 0.0 for gid in auto}, "total": 0.0, "max_total": 10.0,
                "status": "ok"} for sid in ("ben", "ann")]
    text = report.grades_csv(records, plan, manual)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["student_id", *auto, "total", "max_total", "status", written[0], f"{written[0]}_comment"]
    assert rows[1] == ["ann", *["0"] * len(auto), "0", "10", "ok", "1", COMMENT]
    assert rows[2] == ["ben", *["0"] * len(auto), "0", "10", "ok", "", ""]
    # Without manual grades, or before any grader has entered one, the file is what it always was.
    plain = report.grades_csv(records, plan)
    assert plain.splitlines()[0] == ",".join(["student_id", *auto, "total", "max_total", "status"])
    nothing_yet = manual_grades(course, [(A, gid) for gid in written], ["ben", "cat"])
    assert report.grades_csv(records, plan, nothing_yet) == plain


def test_no_gradebook_gives_ungraded_cells(tmp_path):
    got = manual_grades(tmp_path / "no-course", [(A, "affine_backward_shape_answer")], ["ann"])
    assert got == {"ann": {"affine_backward_shape_answer": (None, "")}}


def test_each_students_entries_in_each_assignment(tmp_path):
    """Scores and comments land on the student and the assignment they were entered for, a score without a
    comment and a comment without a score included; cells not asked for stay out."""
    course = course_copy(tmp_path / "course")
    plan = make_plan("en")
    written = {c.assignment: c.grade_id for c in plan.cells if not c.auto}
    B = "02_activations"
    for sid, assignments in {"ann": (A, B), "ben": (A, B), "cat": (B,)}.items():
        for a in assignments:
            record(course, sid, a, {c.grade_id: 0.0 for c in plan.auto_cells if c.assignment == a})
    _grade_by_hand(course, "ann", written[A], 0.5, None)
    _grade_by_hand(course, "ann", written[B], None, "看一下 σ(x) 在 |x| 很大时的导数。", assignment=B)
    _grade_by_hand(course, "ben", written[B], 2.0, "good", assignment=B)
    _grade_by_hand(course, "cat", written[B], 1.0, "", assignment=B)

    asked = [(A, written[A]), (B, written[B])]
    got = manual_grades(course, asked, ["ann", "ben", "cat", "dan"])
    assert got == {
        "ann": {written[A]: (0.5, ""), written[B]: (None, "看一下 σ(x) 在 |x| 很大时的导数。")},
        "ben": {written[A]: (None, ""), written[B]: (2.0, "good")},
        "cat": {written[A]: (None, ""), written[B]: (1.0, "")},
        "dan": {written[A]: (None, ""), written[B]: (None, "")},
    }
    assert manual_grades(course, asked[:1], ["ben", "ann"]) == {"ben": {written[A]: (None, "")},
                                                               "ann": {written[A]: (0.5, "")}}
