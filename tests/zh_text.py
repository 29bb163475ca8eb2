"""What a zh student reads must be Chinese: find English sentences and half-width punctuation in Chinese sentences.

Code, identifiers, numbers, file names and proper names are allowed (the scanner skips `code spans`, fenced code
blocks, and words that look like code). Usable on any text, on executed notebooks and on a release folder:

    python -m tests.zh_text assignments-zh/01_affine_layer/01_affine_layer.ipynb release-zh/

prints every finding as ``file: text`` and exits 1 when there is one.
"""
import json
import re
import sys
from pathlib import Path

_CJK = "[\u3400-\u4dbf\u4e00-\u9fff]"
# a half-width sentence mark or parenthesis touching a Chinese character
HALF_WIDTH = re.compile(f"{_CJK}[,;:!?]|[,;:!?]{_CJK}|{_CJK}[()]|[()]{_CJK}")
# four or more plain English words in a row: a sentence, not an identifier or a formula
ENGLISH = re.compile(r"(?<![\w./-])(?:[A-Za-z][a-z]+[,.]? ){3,}[A-Za-z][a-z]+\b")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Names students see in the English user interface of JupyterLab, proper names (an article's title), and NumPy's
# own floating-point warnings, which notebooks 02-03 provoke on purpose to teach numerical stability.
ALLOWED = ("Kernel > Restart Kernel and Run All Cells", "Restart Kernel and Run All Cells", "Run All Cells",
           "Restart Kernel", "Deep Learning from Scratch", "Run All", "Let's code a Neural Network in plain NumPy",
           "overflow encountered in", "invalid value encountered in", "divide by zero encountered in")


def findings(text):
    """[(kind, excerpt)] of the English sentences and half-width punctuation in ``text``."""
    text = CODE.sub(" ", ANSI.sub("", text))
    for name in ALLOWED:
        text = text.replace(name, " ")
    out = []
    for line in text.splitlines():
        if re.search(_CJK, line):
            out += [("half-width punctuation", line.strip()[:160]) for _ in HALF_WIDTH.finditer(line)][:1]
        for match in ENGLISH.finditer(line):
            out.append(("English", match.group(0)))
    return out


TQDM_BAR = re.compile(r"\d+%\|")  # tqdm's text bar, as nbclient records it; JupyterLab shows its widget instead


def output_text(cells, tracebacks=True):
    """What the outputs of notebook cells (dicts or nbformat nodes) show as text: printed, returned, displayed
    (Markdown tables), and errors (their tracebacks too, unless ``tracebacks`` is False); tqdm's text bars left
    out."""
    out = []
    for cell in cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts = [output.get("text", ""), data.get("text/plain", ""), data.get("text/markdown", ""),
                     output.get("evalue", "")]  # each a string, or in a .ipynb file a list of its lines
            texts = ["".join(t) for t in texts] + ["\n".join(output.get("traceback", []) if tracebacks else [])]
            out += [line for text in texts for line in text.splitlines() if not TQDM_BAR.search(line)]
    return "\n".join(out)


def notebook_texts(path):
    """The markdown and the outputs of a notebook (code cells' sources are code)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = nb.get("cells", [])
    return ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown"] + [output_text(cells)]


def scan_path(path):
    """[(file, kind, excerpt)] for a notebook, a text file (.md, .txt), or a folder of them."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.suffix in (".ipynb", ".md", ".txt")) if path.is_dir() else [path]
    out = []
    for file in files:
        texts = notebook_texts(file) if file.suffix == ".ipynb" else [file.read_text(encoding="utf-8")]
        out += [(str(file), kind, excerpt) for text in texts for kind, excerpt in findings(text)]
    return out


def main(argv=None):
    found = [f for path in (argv if argv is not None else sys.argv[1:]) for f in scan_path(path)]
    for file, kind, excerpt in found:
        print(f"{file}: {kind}: {excerpt}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
