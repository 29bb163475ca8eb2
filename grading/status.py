"""The grader's status words: one vocabulary for runs, grade cells and records.

``Status`` is the ``str`` Enum of utils/checks/status.py (the engine's side, which ships to students and cannot
import ``grading``): its values are the words the records and grades.csv have always held. Here it is grouped the
way the autograde and publish stages use it. ``NotRun`` is a run the sandbox never started because of what other
runs did: its ``because`` says why, and nobody parses an error string for it.
"""
from dataclasses import dataclass

from utils.checks import engine
from utils.checks.status import Status

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
