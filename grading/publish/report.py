"""What a batch tells the instructor: ``grades.csv`` and the summary table, both rebuilt from the records.

grades.csv has one row per student (sorted by student_id): ``student_id``, one column per autograded grade_id in
notebook order, ``total``, ``max_total``, ``status``; a ``name`` column after those when a folder name had to be
mapped to an id (a name in Chinese, with spaces; OUT_DIR/student_ids.csv lists every mapping); once graders have
given manual grades in the formgrader (gradebook.manual_grades), two more columns per manually graded cell
after those: ``<grade_id>`` (the score, empty until graded) and ``<grade_id>_comment``. ``total`` stays the
autograded total. Once assignments have due dates in the gradebook, the late-work columns come last
(grading.publish.lateness): ``<assignment>_days_late`` per assignment with a due date (0 on time, N: submitted in
the N-th day after it, empty: no submission time), then with a penalty rule ``late_penalty`` and
``total_after_penalty``. Numbers are written the same way every time (integers without a decimal point, other
values with up to 10 significant digits) and lines end in ``\\n``, so grading the same input twice gives
byte-identical files.
"""
import csv
import io
from collections import Counter

from ..atomic import write_atomic
from ..status import OK, PASSED


def number(x):
    """Deterministic text of a score: ``2``, ``0``, ``1.5``."""
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.10g}"


def manual_cells(plan):
    """The manually graded cells of the plan (written answers), in notebook order."""
    return [c for c in plan.cells if not c.auto]


def _name(record):
    return record.get("name", record["student_id"])


def header(plan, manual=None, names=False, late=None):
    extra = [name for c in manual_cells(plan) for name in (c.grade_id, f"{c.grade_id}_comment")] \
        if manual is not None else []
    return ["student_id", *[c.grade_id for c in plan.auto_cells], "total", "max_total", "status",
            *(["name"] if names else []), *extra, *(late.columns(plan) if late is not None else [])]


def row(record, plan, manual=None, names=False, late=None):
    scores = record["scores"]
    extra = [_name(record)] if names else []
    if manual is not None:
        given = manual.get(record["student_id"], {})
        for c in manual_cells(plan):
            score, comment = given.get(c.grade_id, (None, ""))
            extra += ["" if score is None else number(score), comment]
    if late is not None:
        extra += ["" if value is None else number(value) for value in late.values(record, plan)]
    return [record["student_id"], *[number(scores[c.grade_id]) for c in plan.auto_cells],
            number(record["total"]), number(record["max_total"]), record["status"], *extra]


def grades_csv(records, plan, manual=None, late=None):
    """The text of grades.csv for these records; ``manual``: {student_id: {grade_id: (score or None, comment)}}
    adds the manual grades' columns once a grader has given any score or comment (before that, none); ``late``
    (a grading.publish.lateness.LateWork) adds the late-work columns of the assignments with a due date."""
    if manual is not None and not any(v != (None, "") for given in manual.values() for v in given.values()):
        manual = None
    names = any(_name(r) != r["student_id"] for r in records)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header(plan, manual, names, late))
    for record in sorted(records, key=lambda r: r["student_id"]):
        writer.writerow(row(record, plan, manual, names, late))
    return buf.getvalue()


def write_grades(records, plan, path, manual=None, course_dir=None):
    """Write grades.csv atomically; with ``course_dir``, the late-work columns from that course's due dates
    (nbgrader's gradebook) and penalty rule (its c.Chapter3 settings)."""
    late = None
    if course_dir is not None:
        from grading.publish.lateness import late_work  # absolute: this module moves into grading/publish/

        late = late_work(course_dir)
    write_atomic(path, grades_csv(records, plan, manual, late))


def _table(rows, align):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        cells = [str(v).rjust(w) if a == ">" else str(v).ljust(w) for v, w, a in zip(r, widths, align, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def summary(records, plan, out_dir, failures=(), isolation=None, late=None):
    """The summary printed at the end of a batch: pass rate per grade_id, totals, statuses, where things are; with
    ``late`` (grading.publish.lateness.LateWork) and anyone late, how many were late per assignment with a due
    date."""
    n = len(records)
    lines = [f"Graded {n} submission(s); {len(plan.auto_cells)} autograded cells, {number(plan.max_total)} points."]
    rows = [("assignment", "grade_id", "points", PASSED, "rate")]  # the count of passes
    for c in plan.auto_cells:
        passed = sum(1 for r in records if r["cells"][c.grade_id][2] == PASSED)
        rows.append((c.assignment, c.grade_id, number(c.points), f"{passed}/{n}", f"{passed / n:.0%}" if n else "-"))
    lines += [""] + _table(rows, "<<>>>")
    if n:
        totals = [r["total"] for r in records]
        lines += ["", f"total: mean {sum(totals) / n:.2f}, min {number(min(totals))}, max {number(max(totals))} "
                      f"of {number(plan.max_total)}"]
    statuses = Counter(r["status"] for r in records)
    lines += ["", "status:"] + [f"  {count:4d}  {status}" for status, count in
                                sorted(statuses.items(), key=lambda kv: (kv[0] != OK, -kv[1], kv[0]))]
    counts = late.late_counts(records, plan.assignments) if late is not None else {}
    if any(n_late for n_late, _ in counts.values()):
        lines += ["", "late (grades.csv: <assignment>_days_late):"] + [
            f"  {a}: {n_late} of {timed} late (due {late.due[a]:%Y-%m-%d %H:%M} UTC)"
            for a, (n_late, timed) in counts.items()]
    manual = [c for c in plan.cells if not c.auto]
    if manual:
        lines += ["", f"{len(manual)} manually graded cell(s) ({number(sum(c.points for c in manual))} points) are "
                      "not scored here and not in total: grade them in nbgrader's formgrader."]
    if failures:
        lines += ["", f"{len(failures)} submission(s) could not be graded because of a grader error (rerun to "
                      "retry):"] + [f"  {sid}: {error}" for sid, error in failures]
    flags = [f"  {r['student_id']}: {flag}" for r in sorted(records, key=lambda r: r["student_id"])
             for flag in r.get("flags", [])]
    if flags:
        lines += ["", "flags (worth a look; not a verdict by themselves):"] + flags
    if isolation:
        lines.append(f"sandbox: {isolation}")
    lines += [f"grades:   {out_dir / 'grades.csv'}", f"feedback: {out_dir / 'feedback'}/<student_id>/<assignment>.html"]
    return "\n".join(lines)


def student_table(records, plan):
    """Lines of a per-student table: points per assignment, total, status."""
    assignments = [a for a in plan.assignments if any(c.auto and c.assignment == a for c in plan.cells)]
    rows = [("student_id", *[a[:2] for a in assignments], "total", "status")]
    for r in sorted(records, key=lambda r: r["student_id"]):
        per = [number(sum(r["scores"][c.grade_id] for c in plan.auto_cells if c.assignment == a)) for a in assignments]
        rows.append((r["student_id"], *per, f"{number(r['total'])}/{number(r['max_total'])}", r["status"]))
    return _table(rows, "<" + ">" * (len(assignments) + 1) + "<")
