"""Checks that teach: ``check(grade_id)`` runs one case on your ``classifiers.chapter3`` and says what is wrong.

Every grade cell of the chapter's notebooks is one ``check`` call. The expected outputs for the inputs a notebook
shows come from the reference implementation (``expected.json``, written by the instructor's build).
"""
import base64
import importlib
import json
import os
import sys
import zlib
from pathlib import Path

from . import cases  # noqa: F401  (registers every case)
from .demo import demo
from .engine import CASES, ERROR, PASSED, decode, describe_error, run_probe, verdict, visible_seed
from .freshness import check_package
from .messages import report, say

__all__ = ["CheckFailed", "check", "demo", "package_problem", "run", "set_language"]

PACKAGE = "classifiers.chapter3"

_EXPECTED_FILE = Path(__file__).with_name("expected.json")
_language = os.environ.get("CH3_LANG", "zh")
_language_chosen = False  # True once a notebook chose the language (utils.data_utils speaks it from then on)


def set_language(lang):
    """Language of the messages: "zh" or "en"."""
    global _language, _language_chosen
    if lang not in ("zh", "en"):
        raise ValueError("language must be 'zh' or 'en'")
    _language, _language_chosen = lang, True


def current_language():
    """The language messages are printed in: "zh" or "en"."""
    return _language


def _visible_expected():
    with open(_EXPECTED_FILE, encoding="utf-8") as f:
        return json.load(f)


def pack_runs(runs):
    """Compact text form of [(seed, encoded expected outputs or None)], for hidden tests inside a notebook."""
    return base64.b64encode(zlib.compress(json.dumps(runs, sort_keys=True).encode(), 9)).decode()


def _unpack_runs(text):
    return json.loads(zlib.decompress(base64.b64decode(text)))


def run(grade_id, runs=None):
    """Statuses and report lines of the case ``grade_id`` on ``classifiers.chapter3``, printing nothing.

    Inputs:
    - grade_id: e.g. "affine_forward_value"
    - runs: [(seed, encoded expected outputs or None)]; default: the visible inputs

    Returns a list with one (status, lines) per run.
    """
    case_ = CASES[grade_id]
    module, problem = _load_package(_language)
    if problem:
        return [(ERROR, [say(_language, "package", grade_id=grade_id, problem=problem)])]
    if runs is None:
        runs = [(visible_seed(grade_id), _visible_expected().get(grade_id))]
    out = []
    for seed, expected in runs:
        result = run_probe(case_, module, seed)
        status, problems = verdict(case_, result, decode(expected) if expected else None, seed)
        out.append((status, report(_language, case_, status, problems, result.error, result.warnings)))
    return out


def package_problem(lang=None):
    """Why the checks cannot judge the code on disk, as one sentence in ``lang``, or None when they can: a file of
    classifiers/chapter3 with a syntax error, a file changed since it was imported (and not reloaded), or a package
    that cannot be imported."""
    return _load_package(lang or _language)[1]


def _load_package(lang):
    """(classifiers.chapter3, None), or (None, the sentence of :func:`package_problem`)."""
    stale = check_package(PACKAGE)
    if stale is not None:
        return None, say(lang, stale.kind, file=stale.file, line=stale.line, message=stale.message)
    try:
        return importlib.import_module(PACKAGE), None
    except SyntaxError as exc:  # the first import of a file that does not compile
        return None, say(lang, "syntax", file=Path(exc.filename or "?").name, line=exc.lineno or 0,
                         message=exc.msg or "")
    except Exception as exc:  # the student's package may raise anything while it is imported
        return None, say(lang, "import", error=describe_error(exc))


class CheckFailed(AssertionError):
    """A check that did not pass. In a notebook it shows as its one-line message, without a traceback (the
    diagnosis is printed above it), and still fails the cell, as nbgrader needs."""


def _show_message_only(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for CheckFailed: an error output whose whole traceback is the message."""
    stb = [f"\x1b[0;31m{value}\x1b[0m"]
    shell._showtraceback(etype, value, stb)
    return stb


def _register_with_ipython():
    """Show CheckFailed as its message in IPython kernels (a no-op outside IPython)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((CheckFailed,), _show_message_only)


_register_with_ipython()


def check(grade_id, hidden=None):
    """Run the case ``grade_id`` on ``classifiers.chapter3``, print what is right or wrong, assert it passed.

    Inputs:
    - grade_id: the grade cell's id, e.g. "affine_forward_value"
    - hidden: packed inputs and expected outputs of hidden tests (only in the instructor's notebooks)
    """
    outcomes = run(grade_id, None if hidden is None else _unpack_runs(hidden))
    for status, lines in outcomes:
        if hidden is None or status != PASSED:
            print("\n".join(lines))
    passed = all(status == PASSED for status, _ in outcomes)
    if hidden is not None and passed:
        print(say(_language, "hidden passed", grade_id=grade_id))
    if not passed:
        raise CheckFailed(say(_language, "assert", grade_id=grade_id)) from None
