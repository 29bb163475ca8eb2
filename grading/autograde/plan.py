"""The plan of a batch: every grade cell of the course's notebooks (notebook order, points, autograded or manual),
the hidden seeds of each case and the feedback language; and the reference's outputs on those seeds (Expected).

``make_plan`` reads the notebook sources once per command; everything downstream takes the Plan it returns.
"""
import hashlib
import json
import threading
from dataclasses import dataclass
from functools import cached_property

from utils.checks.engine import CASES, decode

from ..build.generated import notebook_sources
from ..build.notebooks import nbgrader_metadata, read_source, select_language, stable_ids
from ..paths import ROOT, SOLUTIONS
from ..reference import expected_outputs, hidden_seeds
from .records import RECORD_VERSION


@dataclass(frozen=True)
class GradeCell:
    """A grade cell of a notebook: autograded (a case) or manual (a written answer)."""

    assignment: str
    grade_id: str
    points: float
    auto: bool

    @property
    def on_model(self):
        """Judged from best_model.npz in the grader, not run in the sandbox."""
        return self.auto and CASES[self.grade_id].reads_file


@dataclass(frozen=True)
class Plan:
    """What a batch grades: the cells in notebook order, the hidden seeds of each case, the feedback language."""

    cells: tuple
    seeds: dict
    lang: str

    @property
    def assignments(self):
        return list(dict.fromkeys(c.assignment for c in self.cells))

    @property
    def auto_cells(self):
        return [c for c in self.cells if c.auto]

    @property
    def jobs(self):
        """(grade_id, seed) of every sandbox run."""
        return [(c.grade_id, s) for c in self.auto_cells if not c.on_model for s in self.seeds[c.grade_id]]

    @property
    def max_total(self):
        return sum(c.points for c in self.auto_cells)

    @cached_property
    def key(self):
        """Hash of everything a score depends on besides the submission: cells, seeds, language, grading code."""
        h = hashlib.sha256(json.dumps([[c.__dict__ for c in self.cells], self.seeds, self.lang, RECORD_VERSION],
                                      sort_keys=True).encode())
        code = [*(SOLUTIONS / "classifiers").rglob("*.py"), *(ROOT / "utils").rglob("*.py"), *grading_code()]
        for path in sorted(code):
            h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        return h.hexdigest()


def grading_code():
    """The grader's own Python files: grading/*.py and its packages (autograde/, publish/, ...), not the folders
    of other things kept there (the generated course directory, the hub's and the students' files)."""
    top = ROOT / "grading"
    return [p for p in top.rglob("*.py")
            if all((d / "__init__.py").is_file() for d in p.parents if d == top or top in d.parents)]


def grade_cells(nb, assignment):
    """GradeCells of a notebook with nbgrader metadata, in notebook order."""
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            auto = cell.cell_type == "code" and meta["grade_id"] in CASES
            out.append(GradeCell(assignment, meta["grade_id"], float(meta.get("points", 0)), auto))
    return out


def make_plan(lang="zh", only=None, sources=None, course_dir=None):
    """The Plan of the course (every notebook source in order), optionally restricted.

    Inputs:
    - lang: language of the feedback messages
    - only: None, or a collection of assignment names and/or grade_ids: the autograded cells kept (manual cells
      of the kept assignments stay listed); used to grade one assignment, and by tests to stay fast
    - sources: notebook source paths (default: solutions/notebooks/NN_*.py)
    - course_dir: the course whose secret draws the hidden seeds (default: the configured course directory)
    """
    sources = notebook_sources() if sources is None else sources
    cells = []
    for src in sources:
        nb = nbgrader_metadata(stable_ids(select_language(read_source(src), lang), src.stem))
        cells += grade_cells(nb, src.stem)
    if only is not None:
        only = set(only)
        unknown = only - {c.assignment for c in cells} - {c.grade_id for c in cells if c.auto}
        if unknown:
            raise ValueError(f"no assignment or autograded grade_id named {', '.join(sorted(unknown))}")
        cells = [c for c in cells if c.assignment in only or (c.auto and c.grade_id in only)]
    ids = [c.grade_id for c in cells]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate grade_id across notebooks: {sorted({i for i in ids if ids.count(i) > 1})}")
    return Plan(tuple(cells), {c.grade_id: hidden_seeds(c.grade_id, course_dir) for c in cells if c.auto}, lang)


class Expected:
    """The reference's decoded outputs of every hidden run, computed on first use and kept for the batch."""

    def __init__(self, plan):
        self.plan = plan
        self._lock = threading.Lock()
        self._values = None

    def get(self):
        with self._lock:
            if self._values is None:
                self._values = {}
                for c in self.plan.auto_cells:
                    for seed in self.plan.seeds[c.grade_id]:
                        enc = expected_outputs(c.grade_id, seed)
                        self._values[c.grade_id, seed] = None if enc is None else decode(enc)
            return self._values
