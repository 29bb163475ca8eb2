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
    """(function, file name, line) of the innermost frame in the student's package, or None when the error was
    raised elsewhere (the demo's own lines, a helper such as rel_error)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if STUDENT_PACKAGE.as_posix() in Path(f.filename).as_posix()]
    return (ours[-1].name, Path(ours[-1].filename).name, ours[-1].lineno) if ours else None


@contextlib.contextmanager
def demo(lang=None):
    """Run the block; on any exception print one line naming it and where it was raised, and carry on.

    Inputs:
    - lang: "zh" or "en"; default: the language set with ``utils.checks.set_language``
    """
    from . import current_language, package_problem

    problem = package_problem(lang or current_language())
    if problem:  # the block runs all the same: a later cell may need what it defines
        print(say(lang or current_language(), "demo old code", problem=problem))
    try:
        yield
    except Exception as exc:  # the demo runs the student's code, which may raise anything
        lang = lang or current_language()
        where = _where(exc)
        if isinstance(exc, NotImplementedError):
            function = where[0] if where else traceback.extract_tb(exc.__traceback__)[-1].name
            print(say(lang, "demo not written", function=function))
            return
        message = str(exc).splitlines()[0][:200] if str(exc) else ""
        error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        if where:
            print(say(lang, "demo error", function=where[0], file=where[1], line=where[2], error=error))
        else:
            print(say(lang, "demo error here", error=error))
