"""One status vocabulary: utils.checks.status.Status, used by the engine, the messages, the progress table and the
grader, written as the same words the records, expected.json and grades.csv have always held."""
import ast
import json
from pathlib import Path

import numpy as np

from utils import progress
from utils.checks import engine, messages
from utils.checks.status import Status

ROOT = Path(__file__).resolve().parents[1]
# The words as the records and grades.csv hold them: changing one changes every record already written.
WORDS = ["passed", "failed", "not attempted", "error", "timeout", "crash", "memory", "invalid output", "not run",
         "manual", "grader error"]


def test_the_words_are_the_ones_records_hold():
    assert [s.value for s in Status] == WORDS
    assert all(s == s.value and str(s) == s.value and f"{s}" == s.value for s in Status)
    assert json.dumps({"status": Status.NOT_ATTEMPTED}) == '{"status": "not attempted"}'
    assert json.loads(json.dumps(list(Status))) == WORDS


def test_the_grader_uses_the_engines_enum_and_keeps_its_names():
    import grading.status as grader

    assert grader.Status is Status
    assert (grader.PASSED, grader.FAILED, grader.NOT_ATTEMPTED, grader.ERROR) == \
        (engine.PASSED, engine.FAILED, engine.NOT_ATTEMPTED, engine.ERROR) == \
        (Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED, Status.ERROR)
    assert grader.RUN_STATUSES == (Status.PASSED, Status.NOT_ATTEMPTED, Status.ERROR, Status.TIMEOUT, Status.CRASH,
                                   Status.MEMORY, Status.INVALID_OUTPUT)
    assert grader.SANDBOX_FAILURES == (Status.TIMEOUT, Status.MEMORY, Status.CRASH, Status.INVALID_OUTPUT)
    assert grader.OK == "ok" and grader.NOT_RUN == "not run" and grader.MANUAL == "manual"
    skipped = grader.NotRun(grader.TIMEOUT, because="the submission used up its 3 s")
    assert isinstance(skipped, engine.Result) and skipped.status is Status.TIMEOUT


class _Module:
    """A stand-in for classifiers.chapter3 with one function per way a probe can end."""

    @staticmethod
    def right(x):
        return 2 * x

    @staticmethod
    def wrong(x):
        return 3 * x

    @staticmethod
    def stub(x):
        raise NotImplementedError

    @staticmethod
    def broken(x):
        return x.nonexistent


def _case(name):
    return engine.Case(f"{name}_case", name, lambda m, rng: {"y": getattr(m, name)(np.arange(3.0))},
                       hint={"en": "double x", "zh": "把 x 乘以 2"})


def test_the_engine_gives_enum_members():
    expected = {"y": engine.to_plain(np.arange(3.0) * 2)}
    got = {}
    for name in ("right", "wrong", "stub", "broken"):
        result = engine.run_probe(_case(name), _Module, seed=0)
        got[name] = (result.status, engine.verdict(_case(name), result, expected, 0)[0])
    assert got == {"right": (Status.PASSED, Status.PASSED), "wrong": (Status.PASSED, Status.FAILED),
                   "stub": (Status.NOT_ATTEMPTED, Status.NOT_ATTEMPTED), "broken": (Status.ERROR, Status.ERROR)}
    assert all(type(s) is Status for pair in got.values() for s in pair)


def test_messages_and_the_progress_table_have_a_line_for_every_engine_status():
    engine_words = {Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED, Status.ERROR}
    for lang in ("zh", "en"):
        assert engine_words <= set(messages.TEXT[lang])
        assert engine_words | {Status.MANUAL} <= set(progress.STATUS[lang])
    case_ = _case("wrong")
    assert messages.report("en", case_, "failed")[0] == messages.report("en", case_, Status.FAILED)[0] == \
        "✘ wrong_case: wrong gives a wrong result."


def _bare_status_words(path):
    """(line, word) of every status word written as a string literal in a comparison or a module-level constant."""
    words = set(WORDS)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            literals = [n for n in (node.left, *node.comparators) if isinstance(n, ast.Constant)]
        elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Constant, ast.Tuple)):
            literals = [node.value] if isinstance(node.value, ast.Constant) else list(node.value.elts)
        else:
            continue
        found += [(node.lineno, n.value) for n in literals if isinstance(n, ast.Constant) and n.value in words]
    return found


def test_no_bare_status_words_outside_the_enum():
    vocabulary = ROOT / "utils" / "checks" / "status.py"
    paths = [p for p in sorted((ROOT / "utils").rglob("*.py")) if p != vocabulary] + [ROOT / "grading" / "status.py"]
    found = {p.relative_to(ROOT).as_posix(): hits for p in paths if (hits := _bare_status_words(p))}
    assert found == {}
    assert len(_bare_status_words(vocabulary)) == len(WORDS)  # the scan sees the words where they are defined


def test_the_sandbox_runner_writes_the_same_words():
    """The runner starts with an isolated sys.path, before utils/ is importable, so it spells four words itself."""
    from grading.autograde.sandbox import runner

    assert (runner.PASSED, runner.NOT_ATTEMPTED, runner.ERROR, runner.MEMORY) == (
        Status.PASSED, Status.NOT_ATTEMPTED, Status.ERROR, Status.MEMORY)
