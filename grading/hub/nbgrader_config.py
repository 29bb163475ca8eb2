"""nbgrader configuration for the chapter 3 course on a JupyterHub (see grading/hub/README.md).

Install it as the hub-wide ``/etc/jupyter/nbgrader_config.py``: every server on the hub reads it (students',
instructors' and the formgrader service's). It sets

- for everyone: the course id, the shared exchange directory ``/srv/nbgrader/exchange`` (one sub-folder per
  course), so that students' Assignments tab and the graders' release/collect meet;
- for the formgrader service only (the processes that have ``CH3_COURSE_DIR`` in their environment): the course's
  grading settings, read from the course directory's own ``nbgrader_config.py`` (the copy of
  ``grading/nbgrader_config.py`` that ``python -m grading build`` writes there, so that nothing is copied by hand
  and nothing can drift), and the gradebook URL from ``CH3_GRADEBOOK_URL`` (Postgres when several graders or
  grading processes write at the same time).

Students' servers do not get ``CH3_COURSE_DIR`` and so never load the course settings (nor could they read the
grader's course directory).
"""
import os

c = get_config()  # noqa: F821  (injected by traitlets when it loads this file)

COURSE_ID = "chapter3"  # also the name of the formgrader's Hub service and of its group, formgrade-chapter3
# The exchange folder every server on the hub shares; CH3_EXCHANGE_DIR moves it (set it for every server alike).
EXCHANGE_ROOT = os.environ.get("CH3_EXCHANGE_DIR") or "/srv/nbgrader/exchange"
COURSE_DIR_ENV = "CH3_COURSE_DIR"  # the same variable python -m grading build reads
GRADEBOOK_URL_ENV = "CH3_GRADEBOOK_URL"  # e.g. postgresql://chapter3:PASSWORD@db.example.org/chapter3

c.CourseDirectory.course_id = COURSE_ID
c.Exchange.root = EXCHANGE_ROOT
# exchange/chapter3/{inbound,outbound,feedback}: other courses can share the same exchange directory.
c.Exchange.path_includes_course = True

_course_root = os.path.abspath(os.environ[COURSE_DIR_ENV]) if os.environ.get(COURSE_DIR_ENV) else None
if _course_root:
    # The grading settings of the course (ignore patterns, autograde without overwriting the students' modules,
    # restored grade cells, output limits, timeouts, warnings on stdout), exactly as the course directory has them.
    # load_subconfig passes silently over a missing file; the check below makes that mistake visible instead.
    if not os.path.isfile(os.path.join(_course_root, "nbgrader_config.py")):
        raise FileNotFoundError(f"{COURSE_DIR_ENV}={_course_root} holds no nbgrader_config.py: "
                                "build the course there first (python -m grading build)")
    load_subconfig("nbgrader_config.py", path=_course_root)  # noqa: F821  (injected by traitlets)
    c.CourseDirectory.root = _course_root
    c.CourseDirectory.course_id = COURSE_ID
    # A log file makes problems of the formgrader service findable (nbgrader's JupyterHub guide recommends one).
    c.NbGrader.logfile = os.path.join(_course_root, "nbgrader.log")

if os.environ.get(GRADEBOOK_URL_ENV):
    # One gradebook for every grader: nbgrader's default is an SQLite file in the course directory, which is fine
    # for one formgrader process but not for several writers at once. Needs a driver (pip install "psycopg[binary]").
    c.CourseDirectory.db_url = os.environ[GRADEBOOK_URL_ENV]
