"""What the judges of every case table share: messages in the checks' language, and judges that never raise.

Not a notebook's table (cases/__init__.py registers the notebook modules by name), only helpers.
"""
import functools
import sys


def say(zh, en):
    """A judge's message in the language the checks currently speak (set_language)."""
    checks = sys.modules.get(__package__.rpartition(".")[0])
    return zh if getattr(checks, "_language", "en") == "zh" else en


def trusted_judge(judge):
    """Wrap a judge so that outputs of any shape or content give a message, never an exception."""
    @functools.wraps(judge)
    def safe(got, rng):
        try:
            return judge(got, rng)
        except KeyError as exc:
            return [say(f"缺少输出 {exc}。", f"output {exc} is missing.")]
        except Exception as exc:  # the outputs come from the code under test and may be anything
            return [say(f"无法评判这些输出（{type(exc).__name__}: {exc}）。",
                        f"these outputs cannot be judged ({type(exc).__name__}: {exc}).")]
    return safe
