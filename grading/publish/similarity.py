"""``python -m grading similarity SUBMISSIONS --out DIR [--archive FOLDER]``: which module files look alike.

Every student module file (``classifiers/chapter3/<module>.py``, taken by grading.intake exactly as autograde
takes it) is compared with the same module of every other student, and with every ``.py`` file of an archive of
known solutions (public solutions of the course's exercises, last year's class). The comparison is copydetect's
(winnowed fingerprints of the token stream with names, strings and comments abstracted away, so renaming
variables changes nothing); the fingerprints of the release's stubs are removed first as distribution code, and a
file still identical to its stub is not compared at all.

Writes ``DIR/pairs.csv`` (every pair with any overlap, most similar first) and ``DIR/index.html`` (the
ranked pairs, the functions their shared code falls in, and the two files side by side with the shared code
highlighted). A pair's ``similarity`` is the larger of the two shares: of file A's fingerprinted code, the part
also found in B, and the other way round.
"""
import ast
import csv
import io
import itertools
import tempfile
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from ..facts import module_names
from ..paths import STUB_PACKAGE

NOISE_T = 35  # shortest match (in characters of the abstracted token stream) that counts (bench/README.md)
GUARANTEE_T = NOISE_T  # window 1: every k-gram is a fingerprint, so results do not depend on Python's per-process
# string hash (copydetect hashes k-grams with hash(); winnowing would pick different ones in every run)
FLAG_AT = 0.3  # the page marks pairs from here on: independent correct solutions measured <= 0.18, one copied
# function among independent ones 0.41 (bench/README.md)
SHOWN = 100  # pairs shown side by side on the page
COLUMNS = ["rank", "similarity", "a", "b", "module", "share_a", "share_b", "tokens", "functions_a", "functions_b"]
ARCHIVE = "archive:"


@dataclass
class Source:
    """One file compared: who it belongs to (a student id, or ``archive:<relative path>``), the module, the text
    and its copydetect fingerprint (``hashes``/``positions``: every fingerprint and where it starts, as arrays)."""

    owner: str
    module: str
    text: str
    fingerprint: object

    def __post_init__(self):
        items = [(h, i) for h, where in self.fingerprint.hash_idx.items() for i in where]
        self.hashes = np.array([h for h, _ in items], dtype=np.int64)
        self.positions = np.array([i for _, i in items], dtype=np.int64)
        self.unique = np.unique(self.hashes)


@dataclass
class Pair:
    a: Source
    b: Source
    share_a: float
    share_b: float
    tokens: int
    slices_a: np.ndarray
    slices_b: np.ndarray

    @property
    def similarity(self):
        return max(self.share_a, self.share_b)

    @cached_property
    def functions_a(self):
        return matched_functions(self.a.text, self.slices_a)

    @cached_property
    def functions_b(self):
        return matched_functions(self.b.text, self.slices_b)


def student_files(submissions, work_dir):
    """{student_id: {module name: text}} of the module files students changed (not identical to the stub).

    Uses grading.intake, so every layout autograde accepts works and the same safety rules apply.
    """
    from ..autograde.intake import intake, known_modules

    stubs = stub_texts()
    out = {}
    for sub in intake(submissions, work_dir, modules=known_modules(), assignments=[]):
        mine = {}
        for rel in sub.files:
            name = Path(rel).name
            text = (sub.tree / rel).read_bytes().decode("utf-8", "replace")
            if text.strip() != stubs.get(name, "").strip():
                mine[name] = text
        out[sub.student_id] = mine
    return out


def stub_texts():
    """{module name: text} of the release's stub package."""
    return {name: (STUB_PACKAGE / "chapter3" / name).read_text(encoding="utf-8") for name in module_names()}


def archive_files(folder):
    """{``archive:<relative path>``: text} of every ``.py`` file under ``folder`` (links not followed)."""
    folder = Path(folder)
    out = {}
    for path in sorted(folder.rglob("*.py")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= 1 << 20:
            out[ARCHIVE + path.relative_to(folder).as_posix()] = path.read_bytes().decode("utf-8", "replace")
    return out


def fingerprint(text, boilerplate):
    """copydetect's fingerprint of a module's text (tokens filtered: names, strings, comments abstracted)."""
    from copydetect import CodeFingerprint

    return CodeFingerprint("module.py", NOISE_T, GUARANTEE_T - NOISE_T + 1, boilerplate=boilerplate,
                           fp=io.StringIO(text))


def boilerplate_hashes():
    """Fingerprints of every stub: the distribution code, removed from every file before comparing."""
    hashes = set()
    for text in stub_texts().values():
        hashes |= fingerprint(text, None).hashes
    return np.array(sorted(hashes), dtype=np.int64)


def fingerprints(texts, boilerplate, workers=None):
    """{text: fingerprint} of distinct texts; tokenising (pygments) is the slow part, so a large class is
    fingerprinted by ``workers`` processes (default: the core count)."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from itertools import repeat

    texts = list(dict.fromkeys(texts))
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(texts) < 50:
        return {text: fingerprint(text, boilerplate) for text in texts}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return dict(zip(texts, pool.map(fingerprint, texts, repeat(boilerplate), chunksize=16), strict=True))


def compare(students, archive=None, progress=False, workers=None):
    """Every pair with shared code, most similar first.

    Inputs:
    - students: {student_id: {module name: text}}
    - archive: {archive name: text} or None; archive files are compared with every student file (of any module),
      never with each other
    - workers: processes that fingerprint the files (default: the core count)

    Returns a list of Pair (a: the student, or the first student id in sort order).
    """
    from tqdm.auto import tqdm

    # identical texts (a module several students left as the reference had it) are fingerprinted once
    prints = fingerprints([t for mine in students.values() for t in mine.values()] + list((archive or {}).values()),
                          boilerplate_hashes(), workers)

    def source(owner, module, text):
        return Source(owner, module, text, prints[text])
    sources = [source(sid, name, text) for sid in sorted(students) for name, text in sorted(students[sid].items())]
    known = [source(name, "", text) for name, text in sorted((archive or {}).items())]
    by_module = {}
    for s in sources:
        by_module.setdefault(s.module, []).append(s)
    jobs = [pair for group in by_module.values() for pair in itertools.combinations(group, 2)]
    jobs += [(s, k) for s in sources for k in known]
    pairs, memo = [], {}
    for a, b in tqdm(jobs, desc="comparing", unit="pair", disable=not progress):
        pair = overlap(a, b, memo)
        if pair is not None:
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.similarity, -p.tokens, p.a.owner, p.b.owner, p.a.module))
    return pairs


def member(values, sorted_unique):
    """Boolean mask: which of ``values`` are in the sorted array ``sorted_unique`` (np.isin without its sort)."""
    if not len(sorted_unique):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_unique, values), len(sorted_unique) - 1)
    return sorted_unique[at] == values


def overlap(a, b, memo=None):
    """The Pair of two sources, or None when they share no fingerprint.

    Equals copydetect's ``compare_files`` (shared fingerprints -> copied slices -> shares of each file's
    fingerprinted tokens -> slices in the original text), with the shared fingerprints found by a vectorised
    lookup instead of a Python loop over them (the loop made a 300-student class take many minutes). ``memo``
    (a dict) keeps the result of each pair of fingerprints: files identical to other files are compared once.
    """
    key = (id(a.fingerprint), id(b.fingerprint))
    if memo is not None and key in memo:
        found = memo[key]
    else:
        found = _overlap(a, b)
        if memo is not None:
            memo[key] = found
    return None if found is None else Pair(a, b, *found)


def _overlap(a, b):
    from copydetect.utils import get_copied_slices

    shared_a = member(a.hashes, b.unique)
    if not shared_a.any():
        return None
    result = []
    for this, shared in ((a, shared_a), (b, member(b.hashes, a.unique))):
        slices = get_copied_slices(this.positions[shared], NOISE_T)
        tokens = int(np.sum(slices[1] - slices[0]))
        fp = this.fingerprint
        share = tokens / fp.token_coverage if len(fp.filtered_code) and fp.token_coverage else 0.0
        if len(fp.offsets) > 0:
            slices = slices + fp.offsets[:, 1][np.clip(np.searchsorted(fp.offsets[:, 0], slices), 0,
                                                       fp.offsets.shape[0] - 1)]
        result.append((tokens, float(share), slices.astype(np.int64)))
    (tokens, share_a, slices_a), (_, share_b, slices_b) = result
    return share_a, share_b, tokens, slices_a, slices_b


@cache
def functions(text):
    """[(qualified name, first char, end char)] of the functions and methods of a module (innermost last)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    starts = np.cumsum([0] + [len(line) for line in text.splitlines(keepends=True)])
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    found.append((name, int(starts[child.lineno - 1]), int(starts[child.end_lineno])))
                visit(child, name + ".")
    visit(tree, "")
    return found


def matched_functions(text, slices):
    """{function: share of its characters inside the matched slices}, largest first, for shares >= 1 %."""
    if len(slices) == 0 or slices.shape[-1] == 0:
        return {}
    return dict(_matched_functions(text, np.asarray(slices, dtype=np.int64).tobytes()))


@cache
def _matched_functions(text, slices_bytes):
    slices = np.frombuffer(slices_bytes, dtype=np.int64).reshape(2, -1)
    covered = np.zeros(len(text) + 1, dtype=bool)
    for start, end in zip(slices[0], slices[1], strict=True):
        covered[int(start):int(end)] = True
    shares = {}
    for name, start, end in functions(text):
        share = covered[start:end].mean() if end > start else 0.0
        if share >= 0.01:
            shares[name] = round(float(share), 3)
    return tuple(sorted(shares.items(), key=lambda kv: -kv[1]))


def _label(shares):
    return "; ".join(f"{name} {share:.0%}" for name, share in shares.items())


def rows(pairs):
    """The rows of pairs.csv (COLUMNS), rank 1 first."""
    out = []
    for rank, p in enumerate(pairs, 1):
        out.append([rank, f"{p.similarity:.3f}", p.a.owner, p.b.owner, p.a.module or p.b.module,
                    f"{p.share_a:.3f}", f"{p.share_b:.3f}", p.tokens,
                    _label(p.functions_a), _label(p.functions_b)])
    return out


def write_csv(pairs, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows(pairs))


def run(submissions, out_dir, archive=None, lang="zh", shown=SHOWN, progress=True, workers=None):
    """Compare a class and write pairs.csv and index.html into ``out_dir``; returns the pairs."""
    from .similarity_page import write_page

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ch3-similarity-") as tmp:
        students = student_files(submissions, tmp)
    known = archive_files(archive) if archive else {}
    pairs = compare(students, known, progress=progress, workers=workers)
    write_csv(pairs, out_dir / "pairs.csv")
    write_page(pairs, students, known, out_dir / "index.html", lang=lang, shown=shown, flag_at=FLAG_AT)
    return pairs
