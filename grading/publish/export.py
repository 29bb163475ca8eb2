"""``python -m grading export OUT_DIR --format canvas|moodle|csv [--roster FILE]``: grades for an LMS.

One column per notebook (its autograded points from ``OUT_DIR/results/*.json``, plus the points graded by hand in
nbgrader's formgrader, read from the course's gradebook) and the total.

Late work (grading.publish.lateness): when the course has a penalty rule (``c.Chapter3.late_penalty_per_day``), a
notebook column holds the points after the rule: the notebook's autograded cells lose the share the rule takes for
the days the hand-in was late (the points graded by hand are not penalised), and the total is the sum of those
columns, so the LMS imports what grades.csv's ``total_after_penalty`` says (plus the points graded by hand). The raw
points stay in grades.csv's cell columns and in the gradebook. Without a rule (or without due dates) the export is
what it was.

Formats (files are UTF-8, comma-separated, quoted where needed, read back by Python's ``csv``):
- ``canvas``: Canvas's gradebook import layout: ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment and ``Final Points`` (the total: a read-only column Canvas skips on import); the second row
  is ``Points Possible`` (first column) with each column's maximum. Canvas matches students by ID, SIS User ID or
  SIS Login ID; an assignment column it does not know becomes a new assignment.
- ``moodle``: Moodle's "Import grades: CSV file" layout: the identifier column (``email``, ``username`` or
  ``idnumber``, chosen with ``--key``; the import's "Map from" picks it), then one column per grade item. Without
  a roster column for the key, ``username`` is the student id (the hub login); ``email`` and ``idnumber`` must be
  on the roster.
- ``csv``: ``student_id``, the notebook columns, ``total``, ``max_total``, ``status``; with a penalty rule one more
  column, ``late_penalty`` (the points the rule took, all notebooks).

Roster (``--roster FILE``, CSV with a header): ``student_id`` (the id autograde used) and optionally ``name``,
``id`` (Canvas user id), ``sis_user_id``, ``sis_login_id``, ``section``, ``email``, ``username``, ``idnumber``.
A roster student with no record gets 0 in every column (status ``missing``); a record not on the roster is not
written to the LMS file (the LMS could not match it) but to ``<file>.not_on_roster.csv`` and named on the console.
Without a roster, every record is a row.
"""
import csv
from pathlib import Path

from ..status import OK
from .class_report import load_results

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_KEYS = ("email", "username", "idnumber")
TOTAL = "Total"
# Canvas reads "Final Points" as its own read-only column and ignores it on import (a "Total" column would become a
# new assignment counted twice).
CANVAS_TOTAL = "Final Points"
MISSING = "missing"


def number(x):
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.10g}"


def plan_cells(lang="zh"):
    """[(assignment, grade_id, points, autograded)] of the course in notebook order."""
    from ..autograde import make_plan

    return [(c.assignment, c.grade_id, c.points, c.auto) for c in make_plan(lang).cells]


def manual_scores(course_dir):
    """{(student, assignment, grade_id): manual score} of every cell a grader scored by hand in the gradebook;
    {} when the course has no gradebook."""
    from nbgrader.api import Gradebook

    from ..config import COURSE_ID, gradebook_exists, gradebook_url

    url = gradebook_url(course_dir)
    if not gradebook_exists(url):
        return {}
    out = {}
    with Gradebook(url, course_id=COURSE_ID) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        if grade.manual_score is not None:
                            out[sub.student.id, assignment.name, grade.name] = float(grade.manual_score)
    return out


def class_scores(records, cells, manual, late=None):
    """({student: {assignment: points}}, {student: points the late rule took}) of the records.

    Points: autograded, or the grader's manual score where one was given (written answers, or an override in the
    formgrader). With ``late`` (a grading.publish.lateness.LateWork), each assignment loses the share its rule takes
    for that hand-in (``LateWork.lost_share``) of the points of its autograded cells; cells graded by hand keep
    theirs.
    """
    out, lost = {}, {}
    for r in records:
        sid = r["student_id"]
        per, autograded_points = {}, {}
        for assignment, gid, _, autograded in cells:
            cell = r["cells"].get(gid)
            auto = float(cell[0]) if cell is not None and cell[0] is not None else 0.0
            points = manual.get((sid, assignment, gid), auto)
            per[assignment] = per.get(assignment, 0.0) + points
            if autograded:
                autograded_points[assignment] = autograded_points.get(assignment, 0.0) + points
        lost[sid] = 0.0
        for assignment, points in autograded_points.items():
            share = late.lost_share(r, assignment) if late is not None else 0.0
            if share:
                per[assignment] -= share * points
                lost[sid] += share * points
        out[sid] = per
    return out, lost


def read_roster(path):
    """[{column: value}] of a roster CSV (header row required, ``student_id`` column required)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if rows and "student_id" not in rows[0]:
        raise ValueError(f"{path}: the roster needs a student_id column (has {', '.join(rows[0])})")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in rows]


def penalty_rule(course_dir, cells):
    """The course's grading.publish.lateness.LateWork when its rule takes points from any of these cells'
    notebooks (a penalty rule and a due date on a notebook with autograded cells), else None."""
    if course_dir is None:
        return None
    from .lateness import late_work

    late = late_work(course_dir)
    due_and_graded = any(a in late.due for a, _, _, autograded in cells if autograded)
    return late if late.rule.active and due_and_graded else None


def table(out_dir, roster=None, course_dir=None, lang="zh"):
    """(assignments, maxima {assignment: points}, rows [(roster entry, {assignment: points} or None, status)],
    not on roster [student id], penalties {student id: points the late rule took} or None without a rule) of a
    graded folder; with a rule, the points are after it."""
    records = load_results(out_dir)
    cells = plan_cells(lang)
    assignments = list(dict.fromkeys(a for a, *_ in cells))
    maxima = {a: sum(p for b, _, p, _ in cells if b == a) for a in assignments}
    late = penalty_rule(course_dir, cells)
    scores, lost = class_scores(records, cells, manual_scores(course_dir) if course_dir else {}, late)
    status = {r["student_id"]: r.get("status", OK) for r in records}
    if roster is None:
        entries = [{"student_id": sid} for sid in sorted(scores)]
    else:
        entries = read_roster(roster)
    listed = {e["student_id"] for e in entries}
    rows = [(e, scores.get(e["student_id"]), status.get(e["student_id"], MISSING)) for e in entries]
    return assignments, maxima, rows, sorted(set(scores) - listed), lost if late is not None else None


def _points(per, assignment):
    return number(per[assignment]) if per is not None else "0"


def _total(per):
    return number(sum(per.values())) if per is not None else "0"


def canvas_rows(assignments, maxima, rows):
    out = [CANVAS_FIXED + assignments + [CANVAS_TOTAL],
           ["Points Possible", "", "", "", ""] + [number(maxima[a]) for a in assignments]
           + [number(sum(maxima.values()))]]
    for e, per, _ in rows:
        sid = e["student_id"]
        out.append([e.get("name") or sid, e.get("id", ""), e.get("sis_user_id") or sid, e.get("sis_login_id") or sid,
                    e.get("section", "")] + [_points(per, a) for a in assignments] + [_total(per)])
    return out


def moodle_rows(assignments, rows, key):
    if key not in MOODLE_KEYS:
        raise ValueError(f"--key must be one of {', '.join(MOODLE_KEYS)}")
    out = [[key] + assignments + [TOTAL]]
    for e, per, _ in rows:
        ident = e.get(key) or (e["student_id"] if key == "username" else "")  # hub logins are usernames
        if not ident:
            raise ValueError(f"roster entry {e['student_id']} has no {key}: Moodle could not match it")
        out.append([ident] + [_points(per, a) for a in assignments] + [_total(per)])
    return out


def csv_rows(assignments, maxima, rows, penalties=None):
    out = [["student_id"] + assignments + ["total", "max_total", "status"]
           + (["late_penalty"] if penalties is not None else [])]
    for e, per, status in rows:
        late = [number(penalties.get(e["student_id"], 0.0))] if penalties is not None else []
        out.append([e["student_id"]] + [_points(per, a) for a in assignments]
                   + [_total(per), number(sum(maxima.values())), status] + late)
    return out


def write_rows(path, rows):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def export(out_dir, fmt, roster=None, key="username", output=None, course_dir=None, lang="zh"):
    """Write the export file; returns (its path, [student ids graded but not on the roster]).

    ``course_dir`` is the nbgrader course whose gradebook holds the manual scores and the due dates, and whose
    config the penalty rule (default: the course autograde uses, grading.autograde.default_course_dir()).
    """
    from ..autograde import default_course_dir

    assignments, maxima, rows, unlisted, penalties = table(out_dir, roster, course_dir or default_course_dir(), lang)
    if fmt == "canvas":
        lines = canvas_rows(assignments, maxima, rows)
    elif fmt == "moodle":
        lines = moodle_rows(assignments, rows, key)
    elif fmt == "csv":
        lines = csv_rows(assignments, maxima, rows, penalties)
    else:
        raise ValueError(f"unknown format {fmt!r}: canvas, moodle or csv")
    path = Path(output) if output else Path(out_dir) / "export" / f"{fmt}.csv"
    write_rows(path, lines)
    side = path.with_name(path.stem + ".not_on_roster.csv")
    if unlisted:
        write_rows(side, [["student_id"]] + [[sid] for sid in unlisted])
    else:
        side.unlink(missing_ok=True)
    return path, unlisted
