"""The nbgrader course directory's whereabouts and configuration, as every stage reads them.

Low level on purpose: the course secret, the course settings, the gradebook and the commands read the course
from here, without the build (grading/build/course.py writes the directory; this module only finds and reads it).
"""
import ast
import os
import re
from pathlib import Path

from .facts import COURSE_DIR_ENV, COURSE_ID
from .paths import ROOT

GRADEBOOK_URL_ENV = "CH3_GRADEBOOK_URL"  # the variable grading/hub/nbgrader_config.py gives the formgrader too
DEFAULT_COURSE_DIR = ROOT / "grading" / "course"
CONFIG_FILE = Path(__file__).with_name("nbgrader_config.py")

__all__ = ["CONFIG_FILE", "COURSE_DIR_ENV", "COURSE_ID", "DEFAULT_COURSE_DIR", "GRADEBOOK_URL_ENV", "config_text",
           "course_dir", "gradebook_exists", "gradebook_url", "load_config", "own_settings", "shown_url",
           "sqlite_file"]


def course_dir():
    """Root of the course directory: ``$CH3_COURSE_DIR`` when set, else grading/course."""
    return Path(os.environ.get(COURSE_DIR_ENV) or DEFAULT_COURSE_DIR).resolve()


def config_text(settings):
    """grading/nbgrader_config.py with its ``c.Chapter3.<name> = ...`` lines set to ``settings`` ({name: value}).

    A line whose value is already the template's stays byte for byte, another value replaces the template's (its
    comment stays); a setting without a line is appended.
    """
    text = CONFIG_FILE.read_text(encoding="utf-8")
    for name, value in sorted(settings.items()):
        line = re.compile(rf"^c\.Chapter3\.{re.escape(name)} = ([^#\n]*?)(\s*#.*)?$", re.MULTILINE)
        found = line.search(text)
        if found is None:
            text = text.rstrip("\n") + f"\nc.Chapter3.{name} = {value!r}\n"
        elif ast.literal_eval(found.group(1)) != value:  # the line's comment stays
            text = text[:found.start(1)] + repr(value) + text[found.end(1):]
    return text


def own_settings(root):
    """The ``c.Chapter3`` values set in the course's nbgrader_config.py: {name: value} ({} before the first build)."""
    config = load_config(root)
    return dict(config["Chapter3"]) if "Chapter3" in config else {}


def load_config(root):
    """The course's nbgrader configuration, read the way nbgrader's apps read it, rooted at ``root``.

    A folder without ``nbgrader_config.py`` (not built yet) gets nbgrader's defaults, as nbgrader's apps give it.
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    has_file = (Path(root) / "nbgrader_config.py").is_file()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config() if has_file else Config()
    config.CourseDirectory.root = str(root)
    if os.environ.get(GRADEBOOK_URL_ENV):
        config.CourseDirectory.db_url = os.environ[GRADEBOOK_URL_ENV]
    return config


def gradebook_url(root):
    """The SQLAlchemy URL of the course's gradebook, as nbgrader's commands and the formgrader resolve it.

    ``$CH3_GRADEBOOK_URL`` when set (a database server such as Postgres, shared by every grading process; the Hub
    config reads the same variable), else the course's own ``CourseDirectory.db_url``, by default nbgrader's
    ``sqlite:///<root>/gradebook.db``.
    """
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=load_config(Path(root))).db_url


def shown_url(url):
    """The gradebook URL as messages may print it: any password masked."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url):
    """The file of an ``sqlite:///`` URL, or None for a database server."""
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def gradebook_exists(url):
    """True when the database at ``url`` holds nbgrader's tables; opening a Gradebook would create them instead."""
    import sqlalchemy

    file = sqlite_file(url)
    if file is not None and not file.is_file():
        return False  # connecting would create an empty file
    engine = sqlalchemy.create_engine(url)
    try:
        return sqlalchemy.inspect(engine).has_table("assignment")
    finally:
        engine.dispose()
