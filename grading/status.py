"""The grader's status words: one vocabulary for runs, grade cells and records.

``Status`` is a ``str`` Enum whose values are the words the records and grades.csv have always held; its first four
are the engine's own words (utils/checks/engine.py), taken from there, so the two cannot drift apart. Shared by
the autograde and publish stages. ``NotRun`` is a run the sandbox
never started because of what other runs did: its ``because`` says why, and nobody parses an error string for it.
"""
from dataclasses import dataclass
from enum import StrEnum

from utils.checks import engine


class Status(StrEnum):
    PASSED = engine.PASSED  # a run: the probe ran (its outputs are judged next); a cell: every hidden run passed
    FAILED = engine.FAILED  # judged wrong
    NOT_ATTEMPTED = engine.NOT_ATTEMPTED  # the stub still raises, or the module is missing
    ERROR = engine.ERROR  # the student's code raised
    TIMEOUT = "timeout"  # the sandbox killed the child on a wall-clock or CPU limit
    CRASH = "crash"  # the child died
    MEMORY = "memory"  # over the memory limit
    INVALID_OUTPUT = "invalid output"  # the child said something the grader cannot believe
    NOT_RUN = "not run"  # a cell whose runs the sandbox skipped because of other cases (see NotRun)
    MANUAL = "manual"  # a cell graded by hand in the formgrader
    GRADER_ERROR = "grader error"  # a student the grader itself failed on (a rerun grades them again)


PASSED, FAILED, NOT_ATTEMPTED, ERROR = Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED, Status.ERROR
TIMEOUT, CRASH, MEMORY, INVALID_OUTPUT = Status.TIMEOUT, Status.CRASH, Status.MEMORY, Status.INVALID_OUTPUT
NOT_RUN, MANUAL, GRADER_ERROR = Status.NOT_RUN, Status.MANUAL, Status.GRADER_ERROR
OK = "ok"  # a student's status when there is nothing to say

RUN_STATUSES = (PASSED, NOT_ATTEMPTED, ERROR, TIMEOUT, CRASH, MEMORY, INVALID_OUTPUT)  # what a sandbox run ends with
SANDBOX_FAILURES = (TIMEOUT, MEMORY, CRASH, INVALID_OUTPUT)  # the sandbox's own, besides the engine's


@dataclass
class NotRun(engine.Result):
    """A run the sandbox gave up on before starting it (restarts or time used up, or the same case already
    killed its child): ``status`` is the failure that caused it (a SANDBOX_FAILURES word), ``because`` why."""

    because: str = ""
