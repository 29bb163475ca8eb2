"""Records: ``OUT_DIR/results/<student_id>.json``, written atomically as each student finishes, the commit point
that makes a rerun skip a student (same files, same plan); and ``student_ids.csv``, which maps ids to names.

Besides the verdicts, a record keeps ``submitted_at`` ({assignment: ISO 8601 time of its hand-in}) and
``kept_cells`` (verdicts of cells outside its plan, carried over from earlier records, e.g. 01's while grading
``--only 02_...``), so that an assignment graded once keeps its points when a later batch does not see its hand-in.
"""
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from ..atomic import write_atomic
from ..status import GRADER_ERROR

RECORD_VERSION = 2
UNSANDBOXED = "unsandboxed (rlimits-only)"
ID_MAP = "student_ids.csv"

def record_path(out_dir, student_id):
    return Path(out_dir) / "results" / f"{student_id}.json"


def load_record(out_dir, student_id):
    """The stored record of a student, or None (absent or unreadable)."""
    try:
        return json.loads(record_path(out_dir, student_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_records(out_dir, plan):
    """Every record in ``out_dir/results`` made with this plan, sorted by student_id."""
    records = []
    for path in sorted((Path(out_dir) / "results").glob("*.json")):
        record = load_record(out_dir, path.stem)
        if record and record.get("plan") == plan.key:
            records.append(record)
    return sorted(records, key=lambda r: r["student_id"])


def up_to_date(record, sub, plan):
    """A record that makes a rerun skip this student: same files, same plan, and not a grader failure."""
    return (bool(record) and record.get("digest") == sub.digest and record.get("plan") == plan.key
            and not str(record.get("status", "")).startswith(GRADER_ERROR))


def make_record(sub, plan, cells, status, isolation, flags=(), limits_text=""):
    auto = [c for c in plan.auto_cells]
    return {
        "student_id": sub.student_id,
        "digest": sub.digest,
        "plan": plan.key,
        "status": status,
        "scores": {c.grade_id: cells[c.grade_id][0] for c in auto},
        "total": sum(cells[c.grade_id][0] for c in auto),
        "max_total": plan.max_total,
        "cells": cells,
        "files": sub.files,
        "notes": sub.notes,
        "name": sub.name or sub.student_id,  # the folder or zip name the student's work came under
        "sandbox": isolation,
        "limits": limits_text,
        "flags": list(flags),
        "submitted_at": {a: iso_time(t) for a, t in sub.submitted_at.items()},
        "kept_cells": {},
    }


def iso_time(posix):
    """ISO 8601 text of a POSIX time, in UTC: ``2026-03-02T10:00:00+00:00``."""
    return datetime.fromtimestamp(posix, UTC).isoformat()


def _known_cells(previous):
    """{grade_id: cell} of every verdict a ``previous`` record holds: the cells it kept, and its own cells unless
    the grader failed on that student (a ``grader error`` record's zeros are no verdicts)."""
    old = dict(previous.get("kept_cells", {}))
    if not str(previous.get("status", "")).startswith(GRADER_ERROR):
        old.update(previous.get("cells", {}))
    return old


def keep_cells(plan, cells, previous, handed):
    """In place: the autograded cells of assignments not ``handed`` in take the verdict the student's
    ``previous`` record gave them (its cells, or the cells it kept), when it has one for the same points."""
    if not previous:
        return
    old = _known_cells(previous)
    for c in plan.auto_cells:
        if c.assignment not in handed and c.grade_id in old and old[c.grade_id][1] == c.points:
            cells[c.grade_id] = old[c.grade_id]


def carry_over(record, previous, handed):
    """In place: ``record`` keeps the ``previous`` record's cells outside its plan (``kept_cells``) and the hand-in
    times of assignments not ``handed`` in this time."""
    if not previous:
        return
    old = _known_cells(previous)
    record["kept_cells"] = {gid: cell for gid, cell in sorted(old.items()) if gid not in record["cells"]}
    times = {a: t for a, t in previous.get("submitted_at", {}).items() if a not in handed}
    record["submitted_at"] = dict(sorted({**times, **record["submitted_at"]}.items()))


def write_id_map(records, path):
    """``student_ids.csv``: student_id, the name the submission came under (李雷, "Ada Lovelace", ...), status; one
    row per record, so that a mapped id is always traced back to its student."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student_id", "name", "status"])
    for record in sorted(records, key=lambda r: r["student_id"]):
        writer.writerow([record["student_id"], record.get("name", record["student_id"]), record["status"]])
    write_atomic(path, buf.getvalue())
