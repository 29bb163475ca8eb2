"""One nbgrader course directory per test process, built by the real build (tests copy it before changing it)."""
import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from grading.build.course import build_course
from grading.facts import DEFAULT_LANGUAGE


@cache
def built_course():
    """Path of a course directory built from solutions/ (default language); do not modify it."""
    root = Path(tempfile.mkdtemp(prefix="ch3-course-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return build_course(DEFAULT_LANGUAGE, root / "course")


def course_copy(dest):
    """A private copy of the built course directory at ``dest`` (a path that does not exist yet)."""
    shutil.copytree(built_course(), dest)
    return Path(dest).resolve()
