"""``python -m grading build``: regenerate every generated file from solutions/.

The build is a list of generators, each yielding ``(path relative to the repo root, text)``; ``write`` puts them
on disk and ``stale`` lists what on disk differs from them (including files left over in a generated folder).
"""
from .paths import REFERENCE_PACKAGE, ROOT, SOLUTIONS, STUB_PACKAGE
from .stubs import make_stub

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def stub_modules(lang):
    """classifiers/**.py: the reference package with every solution region stubbed."""
    for source in sorted(REFERENCE_PACKAGE.rglob("*.py")):
        rel = source.relative_to(SOLUTIONS)
        yield rel, make_stub(source.read_text(encoding="utf-8"), str(rel))


GENERATORS = (stub_modules,)
GENERATED_DIRS = {stub_modules: STUB_PACKAGE}


def generated_files(lang=DEFAULT_LANGUAGE):
    """Every generated file: dict of path relative to the repo root -> text."""
    return {rel: text for generate in GENERATORS for rel, text in generate(lang)}


def _leftovers(files):
    """Files inside a generated folder that no generator produces any more."""
    wanted = {ROOT / rel for rel in files}
    for folder in GENERATED_DIRS.values():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path not in wanted:
                yield path.relative_to(ROOT)


def stale(lang=DEFAULT_LANGUAGE):
    """Paths (relative to the repo root) whose committed copy differs from what the build would write."""
    files = generated_files(lang)
    out = [rel for rel, text in files.items()
           if not (ROOT / rel).is_file() or (ROOT / rel).read_text(encoding="utf-8") != text]
    return out + list(_leftovers(files))


def write(lang=DEFAULT_LANGUAGE):
    """Write every generated file and delete leftovers; returns the paths that changed."""
    files = generated_files(lang)
    changed = []
    for rel, text in files.items():
        path = ROOT / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for rel in _leftovers(files):
        (ROOT / rel).unlink()
        changed.append(rel)
    return changed
