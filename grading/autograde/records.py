"""Records: ``OUT_DIR/results/<student_id>.json``, written atomically as each student finishes, the commit point
that makes a rerun skip a student (same files, same plan); and ``student_ids.csv``, which maps ids to names."""
import io
import json
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
    }


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
