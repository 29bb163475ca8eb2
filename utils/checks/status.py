"""The status words: one vocabulary for a check run in a notebook, the grader's runs, grade cells and records.

``Status`` is a ``str`` Enum: each member equals its word and is written as it (``str``, f-strings, JSON), so the
records, ``expected.json`` and ``grades.csv`` hold the same words they always held. The first four are what the
check engine (``engine.run_probe`` and ``engine.verdict``) gives; the rest are the grader's (``grading/status.py``
re-exports them with the groups the grader uses). It lives here, on the student side, because the engine ships
to students and cannot import ``grading``.
"""
from enum import StrEnum


class Status(StrEnum):
    PASSED = "passed"  # a run: the probe ran (its outputs are judged next); a cell: every hidden run passed
    FAILED = "failed"  # judged wrong
    NOT_ATTEMPTED = "not attempted"  # the stub still raises, or the module (or the file a case reads) is missing
    ERROR = "error"  # the student's code raised
    TIMEOUT = "timeout"  # the sandbox killed the child on a wall-clock or CPU limit
    CRASH = "crash"  # the child died
    MEMORY = "memory"  # over the memory limit
    INVALID_OUTPUT = "invalid output"  # the child said something the grader cannot believe
    NOT_RUN = "not run"  # a cell whose runs the sandbox skipped because of other cases (grading.status.NotRun)
    MANUAL = "manual"  # a cell graded by hand in the formgrader
    GRADER_ERROR = "grader error"  # a student the grader itself failed on (a rerun grades them again)
