"""Is the code a check is about to judge the code on disk? A file with a syntax error, or one edited after it was
imported without a reload, would make a check judge the old code and say ✔ or ✘ about something the student no
longer has.

The loaded functions are compared with a fresh compile of their file: code objects compare equal exactly when
their bytecode, constants, names and line numbers are the same, so any saved edit that was not reloaded shows.
"""
import functools
import sys
import types
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stale:
    """Why the loaded package is not the code on disk.

    - kind: "syntax" (a file does not compile) or "stale" (a file changed since it was imported)
    - file: the file's name, e.g. "layers.py"
    - line, message: where and what the syntax error is (kind "syntax" only)
    """

    kind: str
    file: str
    line: int = 0
    message: str = ""


def _compiled(path):
    """{qualified name: code object} of every function and method defined in the file (raises SyntaxError)."""
    stat = Path(path).stat()
    return _compile_file(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _compile_file(path, mtime_ns, size):
    source = Path(path).read_bytes()
    todo, out = [compile(source, str(path), "exec", dont_inherit=True)], {}
    while todo:
        code = todo.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                if const.co_name not in ("<lambda>", "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"):
                    out[const.co_qualname] = const
                todo.append(const)
    return out


def _functions(namespace, module_name):
    """[(qualified name, code object)] of the functions and methods in ``namespace`` defined by ``module_name``."""
    out = []
    for value in list(vars(namespace).values()):
        if isinstance(value, types.FunctionType) and value.__module__ == module_name:
            out.append((value.__code__.co_qualname, value.__code__))
        elif isinstance(value, type) and value.__module__ == module_name:
            for member in list(vars(value).values()):
                member = getattr(member, "__func__", member)  # staticmethod, classmethod
                if isinstance(member, types.FunctionType):
                    out.append((member.__code__.co_qualname, member.__code__))
    return out


def check_package(package_name):
    """None when every loaded module of the package runs the code its file holds now; else a :class:`Stale` for
    the first file that does not compile or changed since it was imported.

    Only the package's loaded modules are looked at: a file nothing imports is not the checks' business, and one
    not imported yet is compiled by its import.

    Inputs:
    - package_name: e.g. "classifiers.chapter3"
    """
    package = sys.modules.get(package_name)
    for name, module in sorted(sys.modules.items()):
        if not (name == package_name or name.startswith(package_name + ".")) or module is None:
            continue
        file = getattr(module, "__file__", None)
        if not file or not file.endswith(".py"):
            continue
        try:
            fresh = _compiled(file)
        except SyntaxError as exc:
            return Stale("syntax", Path(file).name, exc.lineno or 0, exc.msg or "")
        except (OSError, ValueError):  # deleted or unreadable since: the import will say so
            continue
        loaded = _functions(module, name)
        if package is not None and package is not module:  # the package's names may still point at old functions
            loaded += _functions(package, name)
        if any(qualname in fresh and fresh[qualname] != code for qualname, code in loaded):
            return Stale("stale", Path(file).name)
    return None
