"""The committed generated files (stubs, expected.json, the student notebooks), written or checked for staleness.

The build is a list of generators, each yielding ``(path relative to the repo root, text)``; ``write`` puts them
on disk and ``stale`` lists what on disk differs from them (including files left over in a generated folder).
"""
import functools
import json

from ..facts import assignment_names
from ..paths import ASSIGNMENTS, NOTEBOOK_SOURCES, REFERENCE_PACKAGE, ROOT, SOLUTIONS, STUB_PACKAGE
from ..reference import visible_expected
from .notebooks import instructor_notebook, student_notebook, to_text
from .stubs import make_stub

# The committed notebooks in assignments/ are in this language whatever a course is set to: an English course gets
# English notebooks in its nbgrader course directory and its release, built in memory from the same source.
COMMITTED_LANGUAGE = "zh"


def stub_modules(lang):
    """classifiers/**.py: the reference package with every solution region stubbed."""
    for source in sorted(REFERENCE_PACKAGE.rglob("*.py")):
        rel = source.relative_to(SOLUTIONS)
        yield rel, make_stub(source.read_text(encoding="utf-8"), str(rel))


def notebook_sources():
    """The jupytext sources, one per assignment, in course order."""
    return [NOTEBOOK_SOURCES / f"{name}.py" for name in assignment_names()]


def student_notebooks(lang):
    """assignments/NN_name/NN_name.ipynb: the release version of every notebook."""
    for source in notebook_sources():
        nb = student_notebook(instructor_notebook(source, lang), lang)
        yield ASSIGNMENTS.relative_to(ROOT) / source.stem / f"{source.stem}.ipynb", to_text(nb)


def release_notebook(assignment, lang):
    """The student notebook of ``assignment`` in ``lang`` (a fresh copy): the committed file in the committed
    language, else built in memory from its source, as ``student_notebooks`` builds it."""
    import nbformat

    return nbformat.reads(release_notebook_text(assignment, lang), as_version=4)


def release_notebook_text(assignment, lang):
    """The JSON text of ``release_notebook(assignment, lang)``."""
    if lang == COMMITTED_LANGUAGE:
        return (ASSIGNMENTS / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    return _built_notebook_text(assignment, lang)


@functools.cache
def _built_notebook_text(assignment, lang):
    return to_text(student_notebook(instructor_notebook(NOTEBOOK_SOURCES / f"{assignment}.py", lang), lang))


def visible_expected_file(lang):
    """utils/checks/expected.json: the reference's outputs on the inputs the notebooks show."""
    yield "utils/checks/expected.json", json.dumps(visible_expected(), indent=1, sort_keys=True) + "\n"


def same_expected(old, new):
    """True when two expected.json texts hold the same outputs up to round-off of the machine's BLAS kernels.

    OpenBLAS picks its kernels by CPU, so a matrix product may differ in the last bits from one machine to the
    next; names, dtypes and shapes must match exactly, values to 1e-12 (the checks allow 1e-6 at the tightest).
    """
    import numpy as np

    from utils.checks.engine import decode, relative_error

    try:
        old, new = json.loads(old), json.loads(new)
    except ValueError:
        return False
    if old.keys() != new.keys():
        return False
    for grade_id, outputs in new.items():
        if (outputs is None) != (old[grade_id] is None):
            return False
        if outputs is None:
            continue
        a, b = decode(old[grade_id]), decode(outputs)
        if a.keys() != b.keys() or any(a[k].dtype != b[k].dtype or a[k].shape != b[k].shape for k in a):
            return False
        if any(relative_error(a[k].data, b[k].data)[0] > 1e-12 or not np.array_equal(
                np.isfinite(a[k].data), np.isfinite(b[k].data)) for k in a):
            return False
    return True


GENERATORS = (stub_modules, visible_expected_file, student_notebooks)
GENERATED_DIRS = {stub_modules: STUB_PACKAGE, student_notebooks: ASSIGNMENTS}
EQUIVALENT = {"utils/checks/expected.json": same_expected}  # generated files compared by meaning, not by bytes


def _up_to_date(rel, text):
    path = ROOT / rel
    if not path.is_file():
        return False
    old = path.read_text(encoding="utf-8")
    return old == text or EQUIVALENT.get(str(rel), lambda *_: False)(old, text)


def generated_files(lang=COMMITTED_LANGUAGE):
    """Every generated file: dict of path relative to the repo root -> text (the committed ones: ``lang`` zh)."""
    return {rel: text for generate in GENERATORS for rel, text in generate(lang)}


def _leftovers(files):
    """Files inside a generated folder that no generator produces any more."""
    wanted = {ROOT / rel for rel in files}
    for folder in GENERATED_DIRS.values():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path not in wanted:
                yield path.relative_to(ROOT)


def stale():
    """Paths (relative to the repo root) whose committed copy differs from what the build would write."""
    files = generated_files()
    out = [rel for rel, text in files.items() if not _up_to_date(rel, text)]
    return out + list(_leftovers(files))


def write():
    """Write every committed generated file and delete leftovers; returns the paths that changed."""
    files = generated_files()
    changed = []
    for rel, text in files.items():
        path = ROOT / rel
        if not _up_to_date(rel, text):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for rel in _leftovers(files):
        (ROOT / rel).unlink()
        changed.append(rel)
    return changed
