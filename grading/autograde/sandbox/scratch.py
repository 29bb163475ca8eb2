"""One child's scratch folder: the student's module files (read without following links, size-capped), trusted
package ``__init__`` files laid out from the reference's module graph, ``utils/`` and the trusted runner."""
import ast
import errno
import graphlib
import os
import shutil
import stat
import threading
from functools import cache
from pathlib import Path
from typing import NamedTuple

from ...paths import REFERENCE_PACKAGE, ROOT
from ...status import ERROR, NOT_ATTEMPTED

MAX_MODULE_BYTES = 1024**2
RUNNER = Path(__file__).with_name("runner.py")
VERIFIED_PROBES = Path(__file__).with_name("verified_probes.py")
_AST_LOCK = threading.Lock()


def parse_module(path):
    """``ast.parse`` of a file, one thread at a time: CPython 3.11 can fail with "SystemError: AST constructor
    recursion depth mismatch" when threads build ASTs at once (python/cpython#106905), and graders run threads."""
    source = Path(path).read_text(encoding="utf-8")
    with _AST_LOCK:
        return ast.parse(source)


class Layout(NamedTuple):
    """The chapter's module layout, read from the reference on the grader and shipped as plain data to a Dask
    worker (which has no reference): ``order`` module names, dependencies first; ``exports`` {module: names it
    exports}; ``deps`` {module: modules it imports relatively}."""

    order: tuple
    exports: dict
    deps: dict

    @classmethod
    def from_data(cls, data):
        """The Layout from ``layout._asdict()`` sent through JSON."""
        return cls(tuple(data["order"]), {k: list(v) for k, v in data["exports"].items()},
                   {k: list(v) for k, v in data["deps"].items()})


@cache
def reference_layout():
    """The Layout of the reference package, read with ast.

    A probe looks up each name in the student module that defines it in the reference.
    """
    deps, exports = {}, {}
    for path in sorted((REFERENCE_PACKAGE / "chapter3").glob("*.py")):
        if path.stem == "__init__":
            continue
        tree = parse_module(path)
        deps[path.stem] = sorted({node.module.split(".")[0] for node in ast.walk(tree)
                                  if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module})
        exports[path.stem] = _exported_names(tree)
    order = tuple(graphlib.TopologicalSorter({name: [d for d in deps[name] if d in deps] for name in deps})
                  .static_order())
    return Layout(order, exports, deps)


def _exported_names(tree):
    """A module's ``__all__`` (a literal list), else its public top-level functions and classes."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return sorted(ast.literal_eval(node.value))
    return sorted(node.name for node in tree.body
                  if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"))


PACKAGE_INIT = '"""Classifiers written in this course (the grader\'s copy)."""\n'


def chapter_init(exports):
    """Trusted ``classifiers/chapter3/__init__.py``: names are imported from their module on first use, so a
    broken student module cannot block the others (the student's own ``__init__.py`` is never used)."""
    home = {name: module for module, names in sorted(exports.items()) for name in names}
    return (
        '"""Chapter 3 as the grader lays it out: each name comes from its module when first used."""\n'
        "import importlib\n\n"
        f"_HOME = {home!r}\n"
        "__all__ = sorted(_HOME)\n\n\n"
        "def __getattr__(name):\n"
        "    if name not in _HOME:\n"
        "        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')\n"
        "    return getattr(importlib.import_module(f'{__name__}.{_HOME[name]}'), name)\n"
    )


def read_student_module(tree, name):
    """Bytes of ``tree/classifiers/chapter3/<name>.py``, or (status, message) when it cannot be graded.

    Every path component is opened without following links; only a regular file of at most 1 MB is read.
    """
    parts = ("classifiers", "chapter3", f"{name}.py")
    shown = "/".join(parts)
    fds = []
    try:
        fds.append(os.open(tree, os.O_RDONLY | os.O_DIRECTORY))
        for part in parts[:-1]:
            fds.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
        fds.append(os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fds[-1]))
        info = os.fstat(fds[-1])
        if not stat.S_ISREG(info.st_mode):
            return ERROR, f"{shown} is not a regular file"
        data = os.read(fds[-1], MAX_MODULE_BYTES + 1) if info.st_size <= MAX_MODULE_BYTES else b""
        if info.st_size > MAX_MODULE_BYTES or len(data) > MAX_MODULE_BYTES:
            return ERROR, f"{shown} is larger than {MAX_MODULE_BYTES // 1024**2} MB"
        return data
    except FileNotFoundError:
        return NOT_ATTEMPTED, f"{shown} is missing"
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            return ERROR, f"{shown} is not a regular file (links are not followed)"
        return ERROR, f"{shown} could not be read ({exc.strerror})"
    finally:
        for fd in fds:
            os.close(fd)


def read_student_modules(tree, layout=None):
    """{module: bytes, or (status, message) when it cannot be graded} for every module of the ``layout`` (default:
    the reference's)."""
    order = (layout or reference_layout()).order
    if tree is None:
        return {name: (NOT_ATTEMPTED, "no submission") for name in order}
    return {name: read_student_module(tree, name) for name in order}


def prepare_scratch(sources, scratch, layout=None):
    """Lay out one child's files in the new folder ``scratch``: the student's readable modules (``sources``
    from :func:`read_student_modules`), trusted package ``__init__`` files (from ``layout``, default the
    reference's), ``utils/`` and the runner."""
    exports = (layout or reference_layout()).exports
    chapter = scratch / "classifiers" / "chapter3"
    chapter.mkdir(parents=True)
    (scratch / "classifiers" / "__init__.py").write_text(PACKAGE_INIT, encoding="utf-8")
    (chapter / "__init__.py").write_text(chapter_init(exports), encoding="utf-8")
    for name, source in sources.items():
        if not isinstance(source, tuple):
            (chapter / f"{name}.py").write_bytes(source)
    shutil.copytree(ROOT / "utils", scratch / "utils", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    shutil.copyfile(RUNNER, scratch / "runner.py")
    shutil.copyfile(VERIFIED_PROBES, scratch / "verified_probes.py")
    (scratch / "tmp").mkdir()
    _readable(scratch)


def _readable(folder):
    """World-readable files and folders: in bwrap as root the runner drops to an unprivileged uid."""
    for dirpath, _, filenames in os.walk(folder):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    os.chmod(os.path.join(folder, "tmp"), 0o1777)
    os.chmod(folder, 0o1777)  # the working folder in the fallback: new files yes, the grader's files stay as they are
