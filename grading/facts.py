"""The course's facts: names and limits that the build, the release, the grader and the students' tools share.

Every other module takes these values from here. The release writes the ones ``collect_submission.py`` needs into
its marker (``released_facts``), because that script runs on students' laptops without this package; its own
copies are only a fallback for a tree without a marker (tests/test_course_facts.py ties both to these values).
"""
import re

from .paths import NOTEBOOK_SOURCES, REFERENCE_PACKAGE

COURSE_ID = "chapter3"  # nbgrader's course_id (also in grading/nbgrader_config.py and grading/hub/)
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"  # of a course that does not set c.Chapter3.language
COURSE_DIR_ENV = "CH3_COURSE_DIR"  # the nbgrader course directory, when not grading/course
RELEASE_MARKER = ".chapter3-release"  # the release's marker file (JSON) at the top of a student tree

PACKAGE = "classifiers/chapter3"  # the students' modules, relative to a student tree
MODEL_FILE = "best_model.npz"  # notebook 5's saved model, in its assignment folder
# A student id as the grader takes it from a folder or zip name (other names are mapped to one) and as
# collect_submission.py accepts it on its command line.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

MB = 1 << 20
# What one submission may hold: per file (the grader skips a larger file; collect_submission.py refuses it)...
MODULE_CAP = 1 * MB
NOTEBOOK_CAP = 20 * MB
MODEL_CAP = 40 * MB  # the default c.Chapter3.model_max_parameters, 4 000 000 float64 numbers, is 32 MB
FILE_CAP = max(MODULE_CAP, NOTEBOOK_CAP, MODEL_CAP)  # nbgrader's CourseDirectory.max_file_size (in kB there)
# ... and all files together (collect_submission.py's zip, before compression).
SUBMISSION_CAP = 64 * MB


def assignment_names():
    """Assignment ids in course order: the stems of the notebook sources (``01_affine_layer``, ...)."""
    return sorted(p.stem for p in NOTEBOOK_SOURCES.glob("[0-9][0-9]_*.py"))


def module_names():
    """File names of the students' modules (``layers.py``, ...): the reference package minus its ``__init__.py``."""
    return sorted(p.name for p in (REFERENCE_PACKAGE / "chapter3").glob("*.py") if p.name != "__init__.py")


def released_facts():
    """What ``collect_submission.py`` needs to know of the course, as the release writes it into its marker.

    Returns:
    - {"assignments": [names in course order], "modules": [file names], "package": PACKAGE,
      "model_file": MODEL_FILE, "student_id": the id pattern, "caps": {"module"|"notebook"|"model": bytes},
      "submission_cap": bytes, "languages": [...], "default_language": ...}
    """
    return {"assignments": assignment_names(), "modules": module_names(), "package": PACKAGE,
            "model_file": MODEL_FILE, "student_id": STUDENT_ID.pattern,
            "caps": {"module": MODULE_CAP, "notebook": NOTEBOOK_CAP, "model": MODEL_CAP},
            "submission_cap": SUBMISSION_CAP, "languages": list(LANGUAGES), "default_language": DEFAULT_LANGUAGE}
