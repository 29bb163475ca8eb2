"""The course as collect_submission.py sees it: the release marker, the course facts, the notebooks and modules
the grader reads, and the language to speak.

Everything comes from the release marker (``.chapter3-release``, written by the course's release) when it is there
and readable; the values here are the fallback for a tree without one.
"""
import json
import re
from pathlib import PurePosixPath

from .messages import TEXT

MARKER = ".chapter3-release"  # written by the course's release: says which files belong to it
MB = 1 << 20
# The course's facts (grading/facts.py on the teacher's side). A release writes them into its marker under "facts"
# and course_facts() reads them from there; these values are only the fallback for a tree without a marker.
DEFAULT_FACTS = {
    "package": "classifiers/chapter3",  # the modules the grader reads
    "model_file": "best_model.npz",
    "student_id": r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",  # the grader's rule for ids
    "caps": {"module": 1 * MB, "notebook": 20 * MB, "model": 40 * MB},  # what the grader reads of one file
    "submission_cap": 64 * MB,  # all files together, before compression
    "languages": ["zh", "en"],
    "default_language": "zh",
}


def release_marker(root):
    """The release marker's content (dict), or {} when it is missing or unreadable."""
    path = root / MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def course_facts(marker):
    """The course's facts: DEFAULT_FACTS with every value the marker's "facts" holds in the same shape instead
    (plus its "assignments" and "modules" lists, when it has them)."""
    given = marker.get("facts") if isinstance(marker.get("facts"), dict) else {}
    facts = {}
    for key, default in DEFAULT_FACTS.items():
        value = given.get(key)
        same_shape = type(value) is type(default) and (not isinstance(default, dict) or (
            value.keys() == default.keys() and all(type(v) is int and v > 0 for v in value.values())))
        facts[key] = value if same_shape else default
    try:
        re.compile(facts["student_id"])
    except re.error:
        facts["student_id"] = DEFAULT_FACTS["student_id"]
    for key in ("assignments", "modules"):
        value = given.get(key)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            facts[key] = value
    return facts


def course_layout(root, marker, facts=DEFAULT_FACTS):
    """(assignments, modules): the names of the notebooks and of the graded modules of this course.

    Taken from the course facts of the release marker, else from the files it lists; without a marker, from the
    folders: ``assignments/NN_name/`` and the ``.py`` files of ``classifiers/chapter3`` (``__init__.py`` is given
    code, never graded).
    """
    if facts.get("assignments") and facts.get("modules"):
        return sorted(facts["assignments"]), sorted(set(facts["modules"]) - {"__init__.py"})
    package = facts["package"]
    listed = [f for f in marker.get("files", []) if isinstance(f, str)]
    assignments, modules = set(), set()
    for rel in listed:
        parts = PurePosixPath(rel).parts
        if len(parts) == 3 and parts[0] == "assignments" and parts[2] == f"{parts[1]}.ipynb":
            assignments.add(parts[1])
        elif len(parts) == 3 and "/".join(parts[:2]) == package and parts[2].endswith(".py"):
            modules.add(parts[2])
    if not assignments and (root / "assignments").is_dir():
        assignments = {p.name for p in (root / "assignments").iterdir() if re.fullmatch(r"\d\d_\w+", p.name)}
    if not modules and (root / package).is_dir():
        modules = {p.name for p in (root / package).glob("*.py")}
    modules.discard("__init__.py")
    return sorted(assignments), sorted(modules)


def language(root, marker, assignments, facts=DEFAULT_FACTS):
    """The release's language: the marker's, else the first notebook's ``set_language(...)``, else the course's
    default (zh)."""
    if marker.get("lang") in TEXT:
        return marker["lang"]
    for name in assignments:
        try:
            text = (root / "assignments" / name / f"{name}.ipynb").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        match = re.search(r'set_language\(\\?"(zh|en)\\?"\)', text)
        if match:
            return match.group(1)
    return facts["default_language"] if facts["default_language"] in TEXT else DEFAULT_FACTS["default_language"]


def wanted_files(assignments, modules, facts=DEFAULT_FACTS):
    """[(path relative to the course folder, kind, required)] of every file the grader reads."""
    out = [(f"assignments/{a}/{a}.ipynb", "notebook", True) for a in assignments]
    out += [(f"{facts['package']}/{m}", "module", True) for m in modules]
    out += [(f"assignments/{a}/{facts['model_file']}", "model", False) for a in assignments]
    return out
