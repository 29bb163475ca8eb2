"""``with demo():`` around a notebook's demonstration code: any error becomes one line, and Run All goes on.

A demo cell shows what the student's functions do; the grade cell below it judges them. Without this guard, a
shape bug stops Run All at a raw NumPy traceback before the check that explains it ever runs.
"""
import contextlib
import traceback
from pathlib import Path

from .messages import say

STUDENT_PACKAGE = Path("classifiers") / "chapter3"


def _where(exc):
    """(function, file name, line) of the innermost frame in the student's package, else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "", "", 0
    ours = [f for f in frames if STUDENT_PACKAGE.as_posix() in Path(f.filename).as_posix()]
    frame = (ours or frames)[-1]
    return frame.name, Path(frame.filename).name, frame.lineno


@contextlib.contextmanager
def demo(lang=None):
    """Run the block; on any exception print one line naming it and where it was raised, and carry on.

    Inputs:
    - lang: "zh" or "en"; default: the language set with ``utils.checks.set_language``
    """
    from . import current_language

    try:
        yield
    except Exception as exc:  # the demo runs the student's code, which may raise anything
        lang = lang or current_language()
        function, file, line = _where(exc)
        if isinstance(exc, NotImplementedError):
            print(say(lang, "demo not written", function=function))
        else:
            message = str(exc).splitlines()[0][:200] if str(exc) else ""
            print(say(lang, "demo error", function=function, file=file, line=line,
                      error=f"{type(exc).__name__}: {message}" if message else type(exc).__name__))
