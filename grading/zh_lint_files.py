"""Where the Chinese prose of a file is, for grading/zh_lint.py: the pieces of text it checks, with their file lines.

- a jupytext percent source: its markdown cells but those tagged ``lang="en"``, and the comments and string
  literals with Chinese in its code cells;
- a notebook (.ipynb): its markdown cells, and the Chinese in its code cells (lines count within each cell);
- a Python module: its comments and string literals with Chinese;
- anything else (Markdown): the whole file.
Standard library only.
"""
import ast
import io
import json
import re
import tokenize
from pathlib import Path
from typing import NamedTuple

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Piece(NamedTuple):
    """A piece of Chinese text and the file line of its first character; ``lines`` maps its lines to file lines."""
    text: str
    lines: list[int]
    python_string: bool = False


_CELL = re.compile(r"^# %%(.*)$")
_LANG = re.compile(r'\blang="(\w+)"')


def percent_pieces(text):
    """Chinese prose of a jupytext percent source: its non-English markdown cells and its code's Chinese."""
    pieces, cell, header, first = [], [], None, 0

    def flush():
        if header is None:
            return
        lang = (_LANG.search(header) or [None, None])[1]
        if lang == "en":
            return
        if "[markdown]" in header:
            lines = [re.sub(r"^# ?", "", line) for line in cell]
            pieces.append(Piece("\n".join(lines), list(range(first, first + len(lines)))))
        else:
            pieces.extend(python_pieces("\n".join(cell), offset=first - 1))

    for number, line in enumerate(text.splitlines(), 1):
        match = _CELL.match(line)
        if match:
            flush()
            cell, header, first = [], match.group(1), number + 1
        elif header is not None:
            cell.append(line)
    flush()
    return pieces


def python_pieces(code, offset=0):
    """Comments and string literals of Python code that contain CJK characters."""
    pieces = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return pieces
    for token in _whole_strings(tokens, code):
        if not CJK.search(token.string) or token.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        if token.type == tokenize.COMMENT:
            text, python_string = token.string.lstrip("#").strip(), False
        else:
            text, python_string = _string_value(token.string), True
        line = offset + token.start[0]
        pieces.append(Piece(text, list(range(line, line + text.count("\n") + 1)), python_string))
    return pieces


def _whole_strings(tokens, code):
    """The tokens, with each f-string (split into FSTRING_* tokens since Python 3.12) joined into one STRING."""
    start_type = getattr(tokenize, "FSTRING_START", None)
    lines = code.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    depth, begin = 0, None
    for token in tokens:
        if start_type is not None and token.type == start_type:
            depth, begin = depth + 1, begin if depth else token
        elif start_type is not None and token.type == tokenize.FSTRING_END:
            depth -= 1
            if depth == 0:
                text = code[offsets[begin.start[0] - 1] + begin.start[1]:offsets[token.end[0] - 1] + token.end[1]]
                yield tokenize.TokenInfo(tokenize.STRING, text, begin.start, token.end, begin.line)
        elif depth == 0:
            yield token


def _string_value(literal):
    """The text of a string literal (f-strings: the text between the quotes)."""
    try:
        value = ast.literal_eval(literal)
        if isinstance(value, str):
            return value
    except (ValueError, SyntaxError):
        pass
    body = re.sub(r"^[A-Za-z]*", "", literal)
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    return body[len(quote):len(body) - len(quote)]


def markdown_pieces(text):
    """A Markdown file is one piece of prose."""
    return [Piece(text, list(range(1, text.count("\n") + 2)))]


def notebook_pieces(text):
    """Markdown cells and the Chinese in code cells of a .ipynb notebook; lines count within each cell."""
    pieces = []
    for cell in json.loads(text).get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            pieces.append(Piece(source, list(range(1, source.count("\n") + 2))))
        elif cell.get("cell_type") == "code":
            pieces.extend(python_pieces(source))
    return pieces


def file_pieces(path):
    """The Chinese prose of a file, by its kind."""
    text = Path(path).read_text(encoding="utf-8")
    suffix = Path(path).suffix
    if suffix == ".ipynb":
        return notebook_pieces(text)
    if suffix == ".py":
        return percent_pieces(text) if re.search(r"^# %%", text, re.MULTILINE) else python_pieces(text)
    return markdown_pieces(text)
