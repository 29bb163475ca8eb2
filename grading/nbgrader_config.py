"""nbgrader configuration of the chapter 3 course directory.

``python -m grading build`` copies this file to the root of the course directory (``grading/course/`` or
``$CH3_COURSE_DIR``), where every ``nbgrader`` command run from that folder (formgrader included) reads it.
Scores of the course come from ``python -m grading autograde``, not from nbgrader's kernels; these settings make
nbgrader's own commands (``validate``, ``autograde``, the formgrader) behave sensibly on the same notebooks.
"""
import glob
import os

c = get_config()  # noqa: F821  (injected by traitlets when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "chapter3"
c.CourseDirectory.root = COURSE_ROOT

# Never copy caches, checkpoints or downloaded data sets into release/, autograded/ or feedback/.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "__pycache__", "*.pyc", ".pytest_cache", ".DS_Store",
    "feedback",
    "cache", "*.tar.gz", "*-ubyte.gz", "cifar-10-batches-py",
]
c.CourseDirectory.max_file_size = 41_944  # in units of 1000 bytes: grading.facts.FILE_CAP (40 MiB)

# The students' modules are their work: nbgrader must grade them, not overwrite them with the stubs in source/
# (utils/ is not listed, so a tampered helper is replaced by the instructor's copy at autograde time).
c.Autograde.exclude_overwriting = {
    os.path.basename(assignment): sorted(
        os.path.relpath(path, assignment)
        for path in glob.glob(os.path.join(assignment, "classifiers", "**", "*.py"), recursive=True))
    for assignment in glob.glob(os.path.join(COURSE_ROOT, "source", "*"))
}

# A deleted grade cell comes back (and scores 0) instead of silently not being graded.
c.OverwriteCells.add_missing_cells = True

c.LimitOutput.max_lines = 300
c.LimitOutput.max_traceback = 40

# One cell may train a small net; a student's infinite loop must still end the run in reasonable time.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# nbgrader scores 0 for any stderr output in a grade cell, so a harmless RuntimeWarning would cost the points:
# the kernel prints warnings on stdout instead. (The first argument is nbgrader's default for Python kernels.)
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--InteractiveShellApp.exec_lines=import sys, warnings; "
    "warnings.showwarning = lambda m, c, f, n, file=None, line=None: "
    "sys.stdout.write(warnings.formatwarning(m, c, f, n, line))",
]

# ClearSolutions.code_stub stays at nbgrader's default and text_stub (below) is grading.build.notebooks.TEXT_STUB in the
# course's language: the in-process student build (grading/build/notebooks.py) uses the same, and tests/test_course.py
# checks that both give the same notebooks.

# The chapter's own settings (grading/settings.py documents each one).
c.Chapter3.language = "zh"
c.Chapter3.scoring_data = "cifar10"  # released: the data set best_model.npz is scored on
c.Chapter3.secret_label = ""  # change (e.g. to the term) to rotate the hidden inputs drawn from the course secret
c.Chapter3.model_max_hidden_layers = 6
c.Chapter3.model_max_parameters = 4_000_000
c.Chapter3.model_scoring_fraction = 0.8
c.Chapter3.model_overfit_gap = 0.15

# What a student finds in a written-answer cell, in the course's language (grading.build.notebooks.TEXT_STUB).
c.ClearSolutions.text_stub = {"zh": "在这里写下你的答案。", "en": "YOUR ANSWER HERE"}[c.Chapter3.language]

# Late work (grading/README.md, "Late work"): due dates come from the gradebook (nbgrader db assignment add NAME
# --duedate="2027-03-01 23:59 Asia/Shanghai", or the formgrader). Share of a late assignment's points lost per
# started day (0: flag only) and the most it can lose.
c.Chapter3.late_penalty_per_day = 0.0
c.Chapter3.late_penalty_max = 1.0
