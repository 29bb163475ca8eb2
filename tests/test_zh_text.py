"""Everything our code prints at a zh student is Chinese, with full-width punctuation in Chinese sentences.

The scanner (tests/zh_text.py) also takes executed notebooks and a release folder:
``python -m tests.zh_text <notebook or folder> ...``; set CH3_ZH_SCAN to such paths (separated by os.pathsep) to
run it here as well.
"""
import ast
import os
import re
from pathlib import Path

import pytest

from grading.paths import ROOT
from tests.zh_text import findings, scan_path

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fill(text):
    """A message template with its fields filled by a stand-in (a value is a number, a name or a path)."""
    return PLACEHOLDER.sub("x1", text)


def _literals(path):
    """Every string literal but docstrings (f-strings with their fields filled) in a Python file that holds
    Chinese."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    out = []
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x1" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if CJK.search(text):
            out.append(_fill(text))
    return out


def _zh_tables():
    from utils import progress
    from utils.checks import messages
    from utils.checks.engine import CASES

    texts = list(messages.TEXT["zh"].values()) + list(messages.KIND_HINTS["zh"].values())
    for case_ in CASES.values():
        if case_.probe.__module__.endswith(".best_model"):  # issue 14's, see SOURCES
            continue
        texts += [case_.hint.get("zh", "")] + [h.get("zh", "") for h in case_.kind_hints.values()]
    texts += list(progress.STATUS["zh"].values()) + list(progress.HEADERS["zh"])
    return [_fill(t) for t in texts if t]


# cases/best_model.py and utils/best_model.py belong to the best-model work (issue 14): add them here when merged.
SOURCES = sorted(p for p in (ROOT / "utils" / "checks").rglob("*.py") if p.name != "best_model.py") + [
    ROOT / "utils" / "progress.py", *sorted((ROOT / "utils" / "data_utils").glob("*.py")),
    *sorted((ROOT / "grading" / "student_files").rglob("*.py")), ROOT / "datasets" / "get_datasets.py"]


@pytest.mark.parametrize("path", [p for p in SOURCES if p.is_file()], ids=lambda p: p.name)
def test_the_chinese_in_our_code_is_chinese(path):
    found = [(kind, excerpt) for text in _literals(path) for kind, excerpt in findings(text)]
    assert found == []


def test_the_messages_a_zh_student_reads_are_chinese():
    found = [(kind, excerpt) for text in _zh_tables() for kind, excerpt in findings(text)]
    assert found == []


def test_the_scanner_finds_what_it_should():
    assert findings("提示:这样不行") and findings("数组,例如") and findings("(例如 x)") and findings("例如(x)")
    assert findings("✘ this demo stopped: the check below says what is wrong")
    assert not findings("提示：用 `x.reshape(N, -1)`，不要用 np.dot(x, w)。在 layers.py:12 处，得到 (2, 3)")
    assert not findings("请运行 Kernel > Restart Kernel and Run All Cells，然后保存。")


@pytest.mark.parametrize("path", [p for p in os.environ.get("CH3_ZH_SCAN", "").split(os.pathsep) if p])
def test_executed_zh_notebooks_and_release_files(path):
    assert scan_path(path) == []


def test_the_zh_student_readme_is_chinese():
    from grading.build.release import readme_text

    assert findings(readme_text("zh")) == []


def test_the_zh_data_sets_readme_is_chinese():
    assert scan_path(ROOT / "datasets" / "README.zh.md") == []
