"""The grader's status words (the engine's and the sandbox's): one vocabulary for runs, cells and records."""
from utils.checks.engine import ERROR, FAILED, NOT_ATTEMPTED, PASSED  # noqa: F401

TIMEOUT, CRASH, MEMORY, INVALID_OUTPUT = "timeout", "crash", "memory", "invalid output"
STATUSES = (PASSED, NOT_ATTEMPTED, ERROR, TIMEOUT, CRASH, MEMORY, INVALID_OUTPUT)  # what a sandbox run may end with
