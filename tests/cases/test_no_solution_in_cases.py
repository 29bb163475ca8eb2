"""The case tables ship to students: none of them may hold a line of code that solves an exercise.

A line of a solution region (solutions/classifiers/chapter3/*.py) longer than ~25 characters is looked for in the
code of every utils/checks/cases/*.py, compared token by token (so spacing and line breaks do not hide a copy).
Prose string literals (hints, messages, docstrings: any string with whitespace in it) are not code and are left
out; the hints say in words, and sometimes in a formula, what a failing student should do.
"""
import io
import tokenize

import pytest

from grading.paths import ROOT, SOLUTIONS

CASE_FILES = sorted((ROOT / "utils" / "checks" / "cases").glob("*.py"))
MIN_LENGTH = 25
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_PROSE = "<prose>"


def _tokens(source):
    """The code tokens of ``source``; a string literal with whitespace inside becomes one placeholder.

    Works on fragments too (a line that opens a bracket it never closes): the tokens up to the end are kept.
    """
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in _SKIP:
                continue
            prose = tok.type == tokenize.STRING and any(ch.isspace() for ch in tok.string)
            prose |= tok.type == getattr(tokenize, "FSTRING_MIDDLE", None) and any(ch.isspace() for ch in tok.string)
            out.append(_PROSE if prose else tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def _solution_lines():
    """{stripped line: file name} of every code line in a solution region longer than MIN_LENGTH characters."""
    lines = {}
    for path in sorted((SOLUTIONS / "classifiers" / "chapter3").glob("*.py")):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text.startswith("### BEGIN SOLUTION"):
                inside = True
            elif text.startswith("### END SOLUTION"):
                inside = False
            elif inside and len(text) > MIN_LENGTH and not text.startswith("#"):
                lines.setdefault(text, path.name)
    return lines


def _pattern(line):
    """The token sequence a copy of ``line`` would show; a leading ``return`` is dropped (the expression is what
    solves the exercise)."""
    tokens = _tokens(line)
    if tokens[:1] == ["return"]:
        tokens = tokens[1:]
    return "\0" + "\0".join(tokens) + "\0"


def _code(source):
    return "\0" + "\0".join(_tokens(source)) + "\0"


def _copies(source):
    """The solution lines whose code occurs in ``source``."""
    code = _code(source)
    return sorted(line for line in _solution_lines() if _pattern(line) in code)


def test_the_solution_regions_are_found():
    lines = _solution_lines()
    assert len(lines) > 50, "the reference really has solution regions to leak"
    assert {"classifier.py", "fc_net.py", "layers.py", "optim.py", "shallow_layer_net.py",
            "bp_network.py"} <= set(lines.values())


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.name for p in CASE_FILES])
def test_no_case_table_holds_a_solution_line(path):
    copies = _copies(path.read_text(encoding="utf-8"))
    assert not copies, f"{path.name} holds solution code: {copies[:5]}"


@pytest.mark.parametrize("planted", [
    "        def predict(self, X):\n            return np.argmax(self.loss(X), axis=1)\n",
    "probs = np.argmax(self.loss(X),\n                  axis=1)\n",
    "            Z = params[f\"W{idx}\"] @ A + params[f\"b{idx}\"]\n",
    "    for name, grad in grads.items():\n        self.params[name]  -=  learning_rate * grad\n",
])
def test_a_copy_is_caught_however_it_is_spaced(planted):
    assert _copies("import numpy as np\n\n\n" + planted)


def test_a_hint_in_words_is_not_code():
    hint = 'HINT = {"en": "update every parameter with self.params[name] -= learning_rate * grads[name]."}\n'
    assert not _copies(hint)
