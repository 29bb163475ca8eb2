"""What a student may learn from a failing hidden run: the kind of failure, never its numbers or inputs.

The notebook's check shows the visible run in full detail (where, got, expected). A hidden run is different: its
expected outputs are the answer key of inputs the student never sees, and "got -0.83, expected 2.14" per seed,
collected over a few resubmissions, is enough to hard-code them. So a hidden run's feedback names

- which output failed and how: missing, wrong shape (both shapes), wrong dtype (both dtypes), NaN/inf, or wrong
  values (close: within 100x the tolerance, or far off), without an index, a value or the error itself;
- an exception by its built-in type and where it was raised (function, file and line), without its message,
  which the student's code wrote and which may carry the hidden inputs;
- a sandbox failure (timeout, memory, crash) without an exit code the student's code chose;
- no text of warnings the student's code emitted (only how many);

and a judged case's own sentences, which describe the student's outputs against a rule (an accuracy, a
decreasing loss), never an expected value.
"""
import builtins
import re

from utils.checks.messages import report

from ..status import ERROR, FAILED, NOT_ATTEMPTED

TEXT = {
    "en": {
        "value close": "  - `{name}` is slightly off (relative error above the allowed {rtol:.0e}, below 100x that)",
        "value far": "  - `{name}` has wrong values",
        "error": "✘ {grade_id}: calling {target} raised {error}",
        "warnings": "  Note: your code emitted {count} warning(s) on the hidden inputs.",
        "hidden": "  (hidden inputs: only the kind of problem is shown; the notebook's check shows the details on "
                  "its own inputs)",
    },
    "zh": {
        "value close": "  - `{name}` 的数值略有偏差（相对误差超过允许的 {rtol:.0e}，但在其 100 倍以内）",
        "value far": "  - `{name}` 的数值不对",
        "error": "✘ {grade_id}：调用 {target} 时出错：{error}",
        "warnings": "  注意：你的代码在隐藏输入上发出了 {count} 条警告。",
        "hidden": "  （隐藏测试：只说明问题的类型；笔记本中的检查会在它展示的输入上给出细节）",
    },
}
_IMPORT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]{0,60}) in ([A-Za-z_][A-Za-z0-9_]{0,60}\.py)( line [0-9]{1,6})?:")
_WHERE = re.compile(r" \(in ([A-Za-z_][A-Za-z0-9_]{0,60}), ([A-Za-z_][A-Za-z0-9_]{0,60}\.py):([0-9]{1,6})\)$")
_EXCEPTIONS = frozenset(name for name, obj in vars(builtins).items()
                        if isinstance(obj, type) and issubclass(obj, BaseException))
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def hidden_error(error):
    """``ValueError (in affine_forward, layers.py:12)`` from the engine's ``Type: message (in f, file:line)`` (or
    ``SyntaxError in layers.py line 3`` from an import): the built-in exception type (else "an exception") and
    where; the message, which the student's code wrote, is dropped."""
    at_import = _IMPORT.match(error)  # "SyntaxError in layers.py line 3: ..." (runner.describe_import_error)
    if at_import and at_import[1] in _EXCEPTIONS:
        return f"{at_import[1]} in {at_import[2]}{at_import[3] or ''}"
    name = error.split(":", 1)[0].strip()
    name = name if name in _EXCEPTIONS else "an exception"
    where = _WHERE.search(error)
    return f"{name} (in {where[1]}, {where[2]}:{where[3]})" if where else name


def hidden_problem(lang, key, params):
    """One problem line of a hidden run, without values, indices or inputs."""
    if key == "value":
        close = params["error"] <= 100 * params["rtol"]
        return TEXT[lang]["value close" if close else "value far"].format(name=params["name"], rtol=params["rtol"])
    return report_line(lang, key, params)


def report_line(lang, key, params):
    from utils.checks.messages import say

    return say(lang, key, **params)


def hidden_report(lang, case_, status, problems=(), error="", notes=()):
    """The lines a student reads for a failing hidden run of ``case_`` (see the module docstring)."""
    if status == ERROR:
        lines = [TEXT[lang]["error"].format(grade_id=case_.grade_id, target=case_.target, error=hidden_error(error))]
        lines += report(lang, case_, FAILED)[1:]  # the hint
    else:
        stub = error if status == NOT_ATTEMPTED and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,80}", error) else ""
        lines = report(lang, case_, status, (), stub)
        lines[1:1] = [hidden_problem(lang, key, params) for key, params in problems]
    if notes:
        lines.append(TEXT[lang]["warnings"].format(count=len(notes)))
    if status in (FAILED, ERROR):
        lines.append(TEXT[lang]["hidden"])
    return lines


def hidden_sandbox_error(error):
    """A sandbox status's detail without numbers the student's code chose (an exit code, a signal number)."""
    return _NUMBER.sub("N", error) if "exited (code" in error or "signal" in error else error
