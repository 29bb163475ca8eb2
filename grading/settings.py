"""The course's own settings: one traitlets class, configured in the course's ``nbgrader_config.py``.

nbgrader reads ``c.CourseDirectory...``, ``c.Execute...`` from that file; the chapter's tools read
``c.Chapter3...`` from the same file, so an instructor keeps every setting of the course in one place::

    c.Chapter3.language = "en"

Each setting is a declared, documented trait; :func:`course_settings` gives their values for a course folder.
"""
from pathlib import Path

from traitlets import Enum
from traitlets.config import Configurable


class Chapter3(Configurable):
    """Settings of the chapter 3 course, besides nbgrader's own."""

    language = Enum(["zh", "en"], default_value="zh",
                    help="Language of the notebooks' prose, the checks' messages and the feedback pages.").tag(
        config=True)


def course_settings(root=None):
    """The :class:`Chapter3` settings of the course at ``root`` (default: the course directory).

    A folder without ``nbgrader_config.py`` gives the defaults; ``grading/nbgrader_config.py`` is the committed
    template the build copies there.
    """
    from .course import course_dir, load_config

    return Chapter3(config=load_config(Path(root) if root is not None else course_dir()))
