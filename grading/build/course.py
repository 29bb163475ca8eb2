"""The nbgrader course directory, rebuilt from solutions/ by ``python -m grading build``.

Layout (root ``grading/course/``, git-ignored, or the folder named by ``$CH3_COURSE_DIR``)::

    nbgrader_config.py                      grading/nbgrader_config.py, with the course's own c.Chapter3 settings
    source/<assignment>/<assignment>.ipynb  instructor notebook: solutions and hidden tests
    source/<assignment>/classifiers/        the stubs and utils/ the helpers, so that a student who fetches
    source/<assignment>/utils/              the assignment through nbgrader's exchange can run it
    release/<assignment>/...                written by ``nbgrader generate_assignment``
    gradebook.db                            nbgrader's gradebook (assignments, grade cells, later the scores),
                                            unless $CH3_GRADEBOOK_URL names a database server (see gradebook_url)
    autograded/<student>/<assignment>/      written by grading.publish.gradebook.record, read by the formgrader

Where the course is and how its configuration is read: grading/config.py. The course's settings
(``c.Chapter3.language`` and the others of grading/settings.py) live in its
nbgrader_config.py: a rebuild refreshes the file from the template and keeps every ``c.Chapter3`` value the course
had; ``build --lang`` changes the language. The build writes source/ and then runs nbgrader's own
GenerateAssignment converter for every assignment in one process (one start-up instead of one ``nbgrader``
command per assignment).
"""
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from ..config import (
    COURSE_DIR_ENV,
    COURSE_ID,
    config_text,
    course_dir,
    gradebook_exists,
    gradebook_url,
    load_config,
    own_settings,
    shown_url,
)
from ..facts import assignment_names
from ..settings import course_settings
from .generated import notebook_sources
from .notebooks import instructor_notebook, to_text
from .release import helper_files, stub_files


class CourseError(RuntimeError):
    """nbgrader could not generate an assignment; the message holds its log."""


def source_files(lang):
    """Files of source/, relative to the course root: {posix path: bytes}.

    Every assignment folder gets the instructor notebook plus the stubs and helpers a student needs next to it.
    """
    support = {**dict(stub_files(lang)), **dict(helper_files(lang))}
    files = {}
    for source in notebook_sources():
        folder = f"source/{source.stem}"
        files[f"{folder}/{source.stem}.ipynb"] = to_text(instructor_notebook(source, lang)).encode("utf-8")
        files.update({f"{folder}/{rel}": data for rel, data in support.items()})
    return files


def write_config(root, lang=None):
    """nbgrader_config.py of the course: the template with the course's settings, ``lang`` as its language if given."""
    settings = own_settings(root)
    if lang is not None:
        settings["language"] = lang
    text = config_text(settings)
    path = root / "nbgrader_config.py"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def course_language(root=None):
    """The language the course at ``root`` (default course_dir()) is set to: ``c.Chapter3.language``."""
    return course_settings(root).language


def write_source(root, lang):
    """Write source/ (each assignment folder of ours replaced as a whole)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in assignment_names():
        shutil.rmtree(root / "source" / name, ignore_errors=True)
    for rel, data in source_files(lang).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def has_gradebook(root):
    """True when the course's gradebook exists and holds every assignment (the build has run against it)."""
    from nbgrader.api import Gradebook

    url = gradebook_url(root)
    if not gradebook_exists(url):
        return False
    with Gradebook(url, course_id=COURSE_ID) as gb:
        return set(assignment_names()) <= {a.name for a in gb.assignments}


@contextmanager
def _nbgrader_tools_on_path():
    """nbgrader runs the ``alembic`` command when it creates a gradebook: find it next to this interpreter."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), old])
    try:
        yield
    finally:
        os.environ["PATH"] = old


def generate_assignments(root, names):
    """Run nbgrader's ``generate_assignment --force`` for every name, with one NbGraderAPI (one start-up).

    Returns:
    - {assignment: nbgrader's log text}

    Raises CourseError with nbgrader's log when an assignment fails.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    logs = {}
    with _nbgrader_tools_on_path():
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                log = result.get("log", "")
                hint = (f"\nThe gradebook already holds submissions of {name}, and nbgrader never adds or removes "
                        "grade cells of such an assignment. Keep its cells as they were, or build a new course "
                        f"directory (set {COURSE_DIR_ENV}) with a new gradebook (move "
                        f"{shown_url(gradebook_url(root))} away).\n"
                        if "there are submissions" in log else "")
                raise CourseError(f"nbgrader generate_assignment {name} failed:\n{log}{hint}")
            logs[name] = result.get("log", "")
    return logs


def build_course(lang=None, root=None):
    """Rebuild the course directory: its config, source/ from solutions/, then release/ and the gradebook by nbgrader.

    Inputs:
    - lang: language of the notebooks' prose, kept as the course's setting; None: the language the course is set
      to (``c.Chapter3.language`` in its nbgrader_config.py; zh for a new course)
    - root: the course directory; default course_dir()

    Returns:
    - the course directory (Path)
    """
    root = Path(root).resolve() if root is not None else course_dir()
    root.mkdir(parents=True, exist_ok=True)
    write_config(root, lang)
    write_source(root, course_language(root))
    generate_assignments(root, assignment_names())
    return root


def ensure_course():
    """The nbgrader course directory (course_dir()), built first (in the course's own language) if it has no
    gradebook or lacks an assignment."""
    root = course_dir()
    if not all((root / "release" / a).is_dir() for a in assignment_names()) or not has_gradebook(root):
        print(f"building the nbgrader course directory {root} ...", flush=True)
        build_course(None, root)
    return root
