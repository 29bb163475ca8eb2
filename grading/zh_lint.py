"""Chinese typography lint: full-width punctuation in Chinese sentences, one term per concept.

Usage (standard library only, so any Python 3.9+ runs it):

    python grading/zh_lint.py [--glosses] FILE...

FILE may be a jupytext percent notebook source (``# %%`` cells; its ``lang="en"`` cells are skipped), a notebook
(``.ipynb``), a Markdown file or a Python module (its comments and string literals that contain Chinese). It prints
one line per problem, ``file:line: message: snippet``, and exits 1 when there is any.

Rules, for Chinese prose:
- a sentence that contains CJK characters uses ，。：；（）？！“” — half-width , . : ; ( ) ? ! and straight double
  quotes are errors, except inside code spans, fenced code, $maths$ / $$maths$$, URLs, Markdown link targets, HTML
  tags, numbers (3.14, 1e-5, 1,000, 16:45), dotted names and paths (layers.py, np.float64, classifiers/chapter3/),
  calls with ASCII arguments (f(x)), Python format fields ({error:.2e}) and enumerators ("1. " opening a line);
- a bracket pair mixes widths: （…) or (…）;
- in Markdown, a line break between two Chinese characters or next to full-width punctuation (Markdown renders it
  as a space): break lines only where a space belongs, e.g. next to $maths$, `code` or an English word;
- a forbidden variant of a glossary term (grading/glossary.tsv), e.g. 截断 for 裁剪;
- with --glosses: a glossary term whose first use is not followed by its gloss, e.g. 迭代周期（epoch）; the files
  are read in the order given, like the chapters of one book, so a term is glossed once for the whole course.
A line containing ``zh-lint: ignore`` is not checked.
"""
import argparse
import re
import sys
from pathlib import Path
from typing import NamedTuple

try:
    from .zh_lint_files import CJK, file_pieces, markdown_pieces  # noqa: F401 (markdown_pieces: for callers)
except ImportError:  # run as a script, python grading/zh_lint.py: this folder is on sys.path
    from zh_lint_files import CJK, file_pieces, markdown_pieces  # noqa: F401

GLOSSARY = Path(__file__).resolve().with_name("glossary.tsv")
HALF_WIDTH = {",": "，", ".": "。", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！", '"': "“”"}
IGNORE = "zh-lint: ignore"
SOFT_BREAK = "line break inside a Chinese sentence renders as a space: join the lines"
MASK = "\x00"  # stands for a masked character; neither CJK nor punctuation

# What is not prose, in the order it is masked. Each pattern's whole match is masked.
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.MULTILINE | re.DOTALL)
_NOT_PROSE = [
    re.compile(r"^[ \t]*(?:[#>]+[ \t]*)?(?:[-*+][ \t]+)?\d+(?:\.\d+)*[.)](?=[ \t])", re.MULTILINE),  # 1. item
    re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL),                       # `code`, ``code``
    re.compile(r"\$\$.+?\$\$", re.DOTALL),                                # $$maths$$
    re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$"),              # $maths$
    re.compile(r"<!--.*?-->|</?[A-Za-z][^<>\n]*>", re.DOTALL),           # HTML comments and tags
    re.compile(r"\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*\)"),              # ](link target)
    re.compile(r"(?:https?|ftp|file)://[^\s<>（）。，“”]+|www\.[^\s<>（）。，“”]+"),  # URLs
    re.compile(r"(?:\.|\b)[A-Za-z_\u0370-\u03ff]\w*(?:\.\w+)*"                      # calls: f(x), σ(x)
               r"\((?:[^()\u3400-\u9fff\n]|\([^()\u3400-\u9fff\n]*\))*\)"),
    re.compile(r"\b\w+(?:\[[^\[\]\u3400-\u9fff\n]*\])+"),                         # subscripts: out[:, j]
    re.compile(r"\((?:[\w+*/ -]|\.\.\.)*,(?:[\w+*/ ,-]|\.\.\.)*\)"),             # tuples: (N, D), (N, d_1, ..., d_k)
    re.compile(r"\((?=[^()]*[-+*/=^])[\w \t+*/=^.-]+\)"),                      # formulas: (p - y), (1 - eps)
    re.compile(r"\b[\w-]+\.\.\.?[\w-]+"),                                  # ranges: 1..L, W1..WL
    re.compile(r"\b[A-Za-z_][\w-]*(?:[./\\][\w*-]+)+/?"),                # dotted names, paths
    re.compile(r"(?:\.{1,2}/|/)[\w.-]+(?:/[\w.-]*)*"),                   # ./relative and /absolute paths
    re.compile(r"[-+]?\d+(?:[.,:]\d+)*(?:[eE][-+]?\d+)?%?"),             # numbers
    re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf)\.", re.IGNORECASE),           # Latin abbreviations
    re.compile(r"'[^\s'\u3400-\u9fff]'"),                                  # a quoted character: '.', '-'
]
_FORMAT_FIELD = re.compile(r"\{[^{}\n]*\}")                          # {error:.2e} in Python strings
# A block boundary: a blank line, or a line that opens a heading, list item, quote, table row or display maths.
_BLOCK_START = re.compile(r"\n(?=[ \t]*(?:\n|#|[-*+][ \t]|\d+[.)][ \t]|>|\||\$\$|<!--))")
# A sentence ends at a full-width terminator, or at . ? ! followed by white space or the end of the block.
_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.?!])(?=\s|$)")
# The last visible character of a line and the first of the next (emphasis markers are invisible).
_SOFT_BREAK = re.compile(r"([^\s*_])[*_]*[ \t]*\n[ \t]*[*_]*(?=([^\s*_]))")
_FULL_WIDTH = re.compile(r"[，。：；！？、（）“”‘’《》]")
_MIXED_BRACKETS = re.compile(r"（[^（）()\n]*\)|\([^（）()\n]*）")


class Problem(NamedTuple):
    path: str
    line: int
    message: str
    snippet: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}: {self.snippet}"


class Term(NamedTuple):
    zh: str
    en: str
    gloss: str
    forbidden: list[str]


def read_glossary(path=GLOSSARY):
    """The glossary's terms, in file order."""
    terms = []
    for row in Path(path).read_text(encoding="utf-8").splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        zh, en, gloss, forbidden = (row.split("\t") + ["", "", "", ""])[:4]
        if zh == "zh" and en == "en":
            continue  # the header row
        terms.append(Term(zh, en, gloss, [f for f in forbidden.split("|") if f]))
    return terms


def mask(text, python_string=False):
    """``text`` with everything that is not prose replaced by MASK characters (same length, newlines kept)."""
    def blank(match):
        return re.sub(r"[^\n]", MASK, match.group(0))

    text = _FENCE.sub(blank, text)
    if python_string:
        text = _FORMAT_FIELD.sub(blank, text)
    for pattern in _NOT_PROSE:
        text = pattern.sub(blank, text)
    return text


def _snippet(text, start, end):
    """The original text around [start, end) on its line (a line break: ⏎ and the next line's start)."""
    if text[start:end] == "\n":
        line_start = text.rfind("\n", 0, start) + 1
        next_end = text.find("\n", end)
        next_end = len(text) if next_end < 0 else next_end
        return ("…" if start - 20 > line_start else "") + text[max(line_start, start - 20):start].lstrip() + "⏎" + \
            text[end:min(next_end, end + 20)].strip() + ("…" if end + 20 < next_end else "")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    lo, hi = max(line_start, start - 20), min(line_end, end + 20)
    return ("…" if lo > line_start else "") + text[lo:hi].strip() + ("…" if hi < line_end else "")


def _sentences(text, masked):
    """(start, end) of every sentence of the masked text (blocks are found in the original text)."""
    for block in _spans(text, _BLOCK_START):
        for start, end in _spans(masked, _SENTENCE_END, *block):
            if masked[start:end].strip():
                yield start, end


def _spans(text, boundary, start=0, end=None):
    """The pieces of text[start:end] between matches of the zero-width or newline ``boundary``."""
    end = len(text) if end is None else end
    pos = start
    for match in boundary.finditer(text, start, end):
        if match.end() > pos:
            yield pos, match.end()
            pos = match.end()
    if pos < end:
        yield pos, end


def is_chinese(sentence):
    """A sentence is Chinese when it has at least as many CJK characters as Latin words (``English with 简体中文``
    is English)."""
    return len(CJK.findall(sentence)) >= max(1, len(re.findall(r"[A-Za-z]+", sentence)))


def check_text(text, python_string=False, terms=()):
    """Problems in one piece of Chinese prose: [(offset, message, (start, end))]."""
    masked = mask(text, python_string)
    found = []
    for start, end in _sentences(text, masked):
        sentence = masked[start:end]
        if not is_chinese(sentence):
            continue
        for match in re.finditer(r'[,.:;()?!"]', sentence):
            char = match.group(0)
            at = start + match.start()
            found.append((at, f"half-width {char!r} in a Chinese sentence (use {HALF_WIDTH[char]})", (at, at + 1)))
    for match in _MIXED_BRACKETS.finditer(masked):
        found.append((match.start(), "mixed full- and half-width brackets", match.span()))
    if not python_string:
        found += _soft_breaks(text, masked)
    for term in terms:
        for variant in term.forbidden:
            for match in re.finditer(variant, masked):
                found.append((match.start(), f"{match.group(0)!r} is not our term: write {term.zh} ({term.en})",
                              match.span()))
    return sorted(found)


def _soft_breaks(text, masked):
    """Line breaks inside a Markdown paragraph that Markdown renders as a space between Chinese characters (or
    next to full-width punctuation): the line should be joined or broken where a space belongs."""
    found = []
    for match in _SOFT_BREAK.finditer(masked):
        newline = masked.index("\n", match.start())
        line = text[text.rfind("\n", 0, newline) + 1:newline].lstrip()
        if _BLOCK_START.match(text, newline) or line.startswith(("#", "|")):
            continue
        before, after = match.group(1)[-1:], match.group(2)[:1]
        if _FULL_WIDTH.match(before) or _FULL_WIDTH.match(after) or (CJK.match(before) and CJK.match(after)):
            found.append((newline, SOFT_BREAK, (newline, newline + 1)))
    return found


def first_use_problems(files, terms):
    """Terms whose first use is not glossed, reading ``files`` ([(path, pieces)]) in order like one book.

    Only prose counts (not code strings), and neither headings nor a use inside full-width brackets (a gloss).
    """
    problems = []
    for term in terms:
        if not term.gloss or term.gloss == term.zh:
            continue
        use = _first_use(files, term.zh)
        if use is not None:
            path, piece, at = use
            if not _glossed(piece.text, at + len(term.zh), term):
                line = piece.lines[piece.text.count("\n", 0, at)]
                problems.append(Problem(path, line, f"first use of {term.zh} without its gloss {term.gloss}",
                                        _snippet(piece.text, at, at + len(term.zh))))
    return problems


def _glossed(text, end, term):
    """Whether a gloss follows the term ending at ``end``: full-width brackets (after any emphasis markers) holding
    the English term or the glossary's gloss."""
    match = re.compile(r"[*_]*（([^（）]*)）").match(text, end)
    if not match:
        return False
    inside = " ".join(match.group(1).split()).lower()
    wanted = re.search(r"（(.*)）", term.gloss)
    return term.en.lower() in inside or bool(wanted and wanted.group(1).lower() in inside)


def _first_use(files, word):
    """(path, piece, offset) of the first prose use of ``word``, or None."""
    for path, pieces in files:
        for piece in pieces:
            if piece.python_string:
                continue
            masked = mask(piece.text)
            for match in re.finditer(re.escape(word), masked):
                line_start = masked.rfind("\n", 0, match.start()) + 1
                in_heading = piece.text[line_start:].lstrip().startswith("#")
                in_brackets = masked.rfind("（", line_start, match.start()) > masked.rfind("）", line_start,
                                                                                         match.start())
                if not in_heading and not in_brackets:
                    return path, piece, match.start()
    return None


def lint_pieces(path, pieces, terms=None, glosses=False):
    """Problems in the pieces of one file."""
    terms = read_glossary() if terms is None else terms
    problems = []
    for piece in pieces:
        for at, message, (start, end) in check_text(piece.text, piece.python_string, terms):
            line_no = piece.text.count("\n", 0, at)
            line = piece.text.split("\n")[line_no]
            if IGNORE in line:
                continue
            problems.append(Problem(path, piece.lines[line_no], message, _snippet(piece.text, start, end)))
    if glosses:
        problems += first_use_problems([(path, pieces)], terms)
    return problems


def lint_file(path, terms=None, glosses=False):
    """Problems in one file."""
    return lint_pieces(str(path), file_pieces(path), terms, glosses)


def join_soft_breaks(path, problems):
    """Join the lines at every reported soft line break of a percent source or Markdown file, in place.

    Returns the number of breaks joined. The next line loses its comment marker ("# ") and indentation.
    """
    if Path(path).suffix == ".ipynb":
        return 0
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    percent = Path(path).suffix == ".py"
    breaks = sorted({p.line for p in problems if p.message == SOFT_BREAK}, reverse=True)
    for line in breaks:
        following = lines.pop(line)  # file line line + 1 (0-based index line)
        following = re.sub(r"^# ?", "", following) if percent else following
        lines[line - 1] = lines[line - 1].rstrip() + following.lstrip()
    Path(path).write_text("\n".join(lines), encoding="utf-8")
    return len(breaks)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     epilog="Files: jupytext percent sources, .ipynb, Markdown, Python modules.")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--glosses", action="store_true",
                        help="also report glossary terms whose first use (in the files, read in the order given, "
                             "like the chapters of one book) is not glossed")
    parser.add_argument("--join-breaks", action="store_true",
                        help="first join the lines at every soft line break it finds (sources and Markdown files)")
    args = parser.parse_args(argv)
    terms = read_glossary()
    if args.join_breaks:
        for f in args.files:
            while join_soft_breaks(f, lint_file(f, terms)):
                pass
    problems = [p for f in args.files for p in lint_file(f, terms)]
    if args.glosses:
        problems += first_use_problems([(f, file_pieces(f)) for f in args.files], terms)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {len({p.path for p in problems})} file(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
