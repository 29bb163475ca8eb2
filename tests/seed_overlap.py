"""Code copied from the seed texts: runs of 3 consecutive code lines a notebook shares with a seed.

The course's notebooks must use their own demo code (set-ups, variable names, loops), not the source chapter's.
A line is compared after normalisation: comment stripped, all white space removed, ' and " made equal. Blank lines
and trivial lines (imports, IPython magics, lone brackets, lines of under 6 characters) are dropped before runs are
formed, so they neither make nor break a run.

Usage (standard library only):

    python tests/seed_overlap.py [--seeds DIR] FILE...

FILE is a jupytext percent notebook source (its code cells) or a .ipynb notebook (its code cells). DIR defaults to
``../shared/seeds`` next to the repository root. Prints ``file:line: 3 lines as in seed:line: snippet`` per run and
exits 1 when there is any; with no seeds folder it says so and exits 0.
"""
import argparse
import json
import re
import sys
from pathlib import Path
from typing import NamedTuple

RUN = 3
DEFAULT_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
_TRIVIAL = re.compile(r"^(?:import\s|from\s+\S+\s+import\s|%|!)")
_MIN_CHARS = 6


class Overlap(NamedTuple):
    path: str
    line: int
    seed: str
    seed_line: int
    snippet: str

    def __str__(self):
        return f"{self.path}:{self.line}: {RUN} lines as in {self.seed}:{self.seed_line}: {self.snippet}"


def normalise(line):
    """The line without its comment and white space, quotes unified; "" when the line is trivial."""
    stripped = line.strip()
    if _TRIVIAL.match(stripped):
        return ""
    code = _strip_comment(stripped)
    code = re.sub(r"\s+", "", code).replace('"', "'")
    if len(code) < _MIN_CHARS or not re.search(r"\w", code):
        return ""
    return code


def _strip_comment(line):
    """The line up to a # that is outside quotes."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:i]
    return line


def significant_lines(lines, first=1):
    """[(line number, normalised line)] of the non-trivial lines."""
    return [(n, norm) for n, norm in ((first + i, normalise(line)) for i, line in enumerate(lines)) if norm]


def runs(numbered):
    """Every window of RUN consecutive significant lines: (first line number, tuple of lines)."""
    return [(numbered[i][0], tuple(norm for _, norm in numbered[i:i + RUN])) for i in range(len(numbered) - RUN + 1)]


def seed_runs(seeds_dir):
    """{run: (seed file name, line)} over every seed text."""
    index: dict[tuple[str, ...], tuple[str, int]] = {}
    for path in sorted(Path(seeds_dir).iterdir()):
        if path.is_file():
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            for line, run in runs(significant_lines(lines)):
                index.setdefault(run, (path.name, line))
    return index


def code_cells(path):
    """[(first file line, lines)] of the code cells of a percent source or a .ipynb (there: cell number)."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix == ".ipynb":
        cells = json.loads(text).get("cells", [])
        return [(i + 1, "".join(c.get("source", "")).splitlines()) for i, c in enumerate(cells)
                if c.get("cell_type") == "code"]
    cells, current, first, is_code = [], [], 1, False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            if is_code:
                cells.append((first, current))
            current, first, is_code = [], number + 1, "[markdown]" not in line and "[md]" not in line
        else:
            current.append(line)
    if is_code:
        cells.append((first, current))
    return cells


def overlaps(path, index):
    """The runs of the notebook's code cells that also occur in a seed."""
    found: list[Overlap] = []
    for first, lines in code_cells(path):
        numbered = significant_lines(lines, first)
        for line, run in runs(numbered):
            if run in index:
                seed, seed_line = index[run]
                snippet = lines[line - first].strip()
                found.append(Overlap(str(path), line, seed, seed_line, snippet[:100]))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help=f"seed texts (default {DEFAULT_SEEDS})")
    args = parser.parse_args(argv)
    if not args.seeds.is_dir():
        print(f"no seeds folder at {args.seeds}: nothing to compare with", file=sys.stderr)
        return 0
    index = seed_runs(args.seeds)
    found = [o for f in args.files for o in overlaps(f, index)]
    for overlap in found:
        print(overlap)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
