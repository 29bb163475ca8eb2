"""``python -m grading report OUT_DIR``: what the class got wrong, from the records autograde left.

Reads only ``OUT_DIR/results/*.json`` (nothing is regraded): each record holds, per grade cell,
``[score, points, status, message lines]``. The cells' notebooks and order come from the course's plan
(``grading.autograde.make_plan``); a grade id the plan does not know is grouped under "other".

Numbers (all over the N students with a record, "no submission" and rejected ones included):
- per notebook and overall: each student's autograded points;
- per grade cell: how many students earned it (status "passed"), hardest first within each notebook, and the most
  frequent failure kinds: the status plus the checker's first problem line with its numbers masked
  (``failed: `dx` has shape (#, #), expected (#, #, #, #)``), with a count and one example message;
- per function tested (``CASES[grade_id].target``, e.g. ``affine_backward``, ``TwoLayerNet.loss``): its cells'
  points earned over points possible, and how many students earned every one of its cells;
- students whose status is not "ok" (timeout, crash, rejected, no submission, unreadable notebook);
- with the course's due dates (grading.publish.lateness): per assignment with one, how many students submitted it
  late, of those whose record says when they submitted it.
"""
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..status import NOT_ATTEMPTED, OK, PASSED

OTHER = "other"
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")  # 3, -0.5, 1.00e+00; not the 32 of float32


def load_results(out_dir):
    """Records of ``out_dir/results/*.json`` made with one plan (the most common one when a folder mixes plans,
    e.g. after the course changed and only some students were regraded), sorted by student id."""
    records = []
    for path in sorted((Path(out_dir) / "results").glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and "cells" in record and "student_id" in record:
            records.append(record)
    if not records:
        return []
    plan = Counter(r.get("plan") for r in records).most_common(1)[0][0]
    return sorted((r for r in records if r.get("plan") == plan), key=lambda r: r["student_id"])


def course_cells(lang="zh"):
    """[(assignment, grade_id)] of the course's autograded cells in notebook order ([] if the plan cannot be made)."""
    from ..autograde import make_plan

    try:
        return [(c.assignment, c.grade_id) for c in make_plan(lang).auto_cells]
    except Exception:  # a course tree that cannot be read still gets a report, grouped under "other"
        return []


def failure_kind(status, lines):
    """A failed cell's kind: its status and the checker's first problem line, numbers masked."""
    detail = next((line.strip()[2:] for line in lines[1:] if line.strip().startswith("- ")), "")
    detail = NUMBER.sub("#", detail)
    return f"{status}: {detail}" if detail else status


@dataclass
class CellStats:
    assignment: str
    grade_id: str
    points: float
    target: str
    passed: int = 0
    kinds: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)

    def share(self, n):
        return self.passed / n if n else 0.0


@dataclass
class ClassStats:
    n: int
    max_total: float
    totals: dict  # student -> total
    by_notebook: dict  # assignment -> {student: points}
    notebook_max: dict  # assignment -> points possible
    cells: list  # CellStats in notebook order
    skills: list  # (target, [grade_id], points earned, points possible, students with every cell)
    unusual: list  # (student, status, total)
    late: dict = field(default_factory=dict)  # assignment -> (students late, with a submission time, due date)

    @property
    def notebooks(self):
        return list(self.by_notebook)


def target_of(grade_id):
    from utils.checks.engine import CASES

    case = CASES.get(grade_id)
    return case.target if case is not None else grade_id.split("_")[0]


def class_stats(records, order=None, late=None):
    """ClassStats of the records; ``order`` is [(assignment, grade_id)] (default: the course's plan); ``late`` (a
    grading.publish.lateness.LateWork) gives the late counts of the assignments with a due date."""
    order = course_cells() if order is None else order
    notebook_of = dict((gid, a) for a, gid in order)
    auto = [gid for _, gid in order if any(gid in r["cells"] for r in records)]
    seen = set(auto)
    for r in records:
        for gid, cell in r["cells"].items():
            if cell[0] is not None and gid not in seen:  # score None: graded by hand, not here
                seen.add(gid)
                auto.append(gid)
    cells = []
    for gid in auto:
        points = max(float(r["cells"][gid][1]) for r in records if gid in r["cells"])
        stats = CellStats(notebook_of.get(gid, OTHER), gid, points, target_of(gid))
        for r in records:
            cell = r["cells"].get(gid)
            if cell is not None and cell[2] == PASSED:
                stats.passed += 1
                continue
            status, lines = (cell[2], cell[3]) if cell is not None else (NOT_ATTEMPTED, [])
            kind = failure_kind(status, lines)
            stats.kinds[kind] += 1
            stats.examples.setdefault(kind, (r["student_id"], lines))
        cells.append(stats)
    notebooks = list(dict.fromkeys(c.assignment for c in cells))
    by_notebook = {a: {r["student_id"]: sum(float(r["cells"][c.grade_id][0] or 0) for c in cells
                                            if c.assignment == a and c.grade_id in r["cells"]) for r in records}
                   for a in notebooks}
    notebook_max = {a: sum(c.points for c in cells if c.assignment == a) for a in notebooks}
    skills = []
    for target in dict.fromkeys(c.target for c in cells):
        mine = [c for c in cells if c.target == target]
        ids = [c.grade_id for c in mine]
        earned = sum(float(r["cells"][g][0] or 0) for r in records for g in ids if g in r["cells"])
        possible = sum(c.points for c in mine) * len(records)
        every = sum(1 for r in records if all(r["cells"].get(g, [0, 0, ""])[2] == PASSED for g in ids))
        skills.append((target, ids, earned, possible, every))
    unusual = [(r["student_id"], r["status"], float(r["total"])) for r in records if r.get("status", OK) != OK]
    counts = late.late_counts(records, list(dict.fromkeys(a for a, _ in order))) if late is not None else {}
    return ClassStats(len(records), max((float(r["max_total"]) for r in records), default=0.0),
                      {r["student_id"]: float(r["total"]) for r in records}, by_notebook, notebook_max, cells,
                      skills, unusual, {a: (*n, late.due[a]) for a, n in counts.items()})


def write_report(out_dir, lang="zh", course_dir=None):
    """Write ``out_dir/report/index.html`` and its figures (PNG); returns the page's path. With ``course_dir``, the
    page counts late submissions against that course's due dates."""
    from .class_report_page import render
    from .lateness import late_work

    records = load_results(out_dir)
    stats = class_stats(records, course_cells(lang), late_work(course_dir) if course_dir is not None else None)
    folder = Path(out_dir) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "index.html"
    page.write_text(render(stats, folder, lang), encoding="utf-8")
    return page
