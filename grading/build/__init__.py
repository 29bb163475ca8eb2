"""The build stage: ``python -m grading build`` and ``python -m grading release OUT_DIR``.

Inputs: ``solutions/`` (the reference package with its solution regions, the notebook sources with their
solutions and hidden tests), ``utils/`` (the checks' cases), the course facts (grading/facts.py) and the course's
settings. Outputs: the committed generated files (``classifiers/`` stubs, ``utils/checks/expected.json``, the
student notebooks in ``assignments/``), the nbgrader course directory (``source/``, ``release/``, the gradebook's
assignments and grade cells) and, on request, a student release tree.

The steps, in order (one module each):

    stubs       a reference module with every solution region replaced by the stub (stubs.py)
    notebooks   a notebook source -> the instructor notebook (solutions, hidden tests) and the student notebook,
                with nbgrader's own preprocessors (notebooks.py)
    generated   the committed generated files: ``write`` them, or list the ``stale`` ones (generated.py; the
                reference's outputs on the visible inputs come from grading.reference)
    course      the nbgrader course directory: its config, source/, then nbgrader's generate_assignment for
                release/ and the gradebook (course.py)
    release     the student tree, every file leak-checked, with the marker that lists its files, the released
                settings and the course facts (release.py)

``from grading import build; build.stale()`` and ``build.write()`` are the generated-files check and write.
"""
from .generated import (
    COMMITTED_LANGUAGE,
    EQUIVALENT,
    GENERATED_DIRS,
    GENERATORS,
    generated_files,
    notebook_sources,
    release_notebook,
    same_expected,
    stale,
    stub_modules,
    student_notebooks,
    visible_expected_file,
    write,
)

__all__ = ["COMMITTED_LANGUAGE", "EQUIVALENT", "GENERATED_DIRS", "GENERATORS", "generated_files", "notebook_sources",
           "release_notebook", "same_expected", "stale", "student_notebooks", "stub_modules", "visible_expected_file",
           "write"]
