"""What the grader ships to a Dask worker with every sandbox run, so that workers need nothing of the course.

A worker needs only Python and the packages of requirements.txt (and Dask): each task carries the student's files,
the jobs, the limits, the module layout and which module each case lives in (both computed here from the
reference, which stays on the grader with its outputs), and a version hash; the bundle (the sandbox's code, what
it imports from ``grading``, ``utils/`` and the runner: about 100 kB, zipped) is scattered to the workers once per
batch. The function a worker runs, grading.autograde.sandbox.on_worker.run_task, travels with its code.
"""
import ast
import hashlib
import io
import zipfile
from dataclasses import asdict
from functools import cache
from pathlib import Path

from ..paths import ROOT
from .sandbox import Limits, SandboxError, on_worker, reference_layout

SANDBOX = Path(__file__).with_name("sandbox")
PACKAGE_STUB = '"""Only what the sandbox needs (shipped to a Dask worker by grading.autograde.shipping)."""\n'


class WorkerRefused(SandboxError):
    """A Dask worker refused a task: its environment differs from the grader's, or it lacks bubblewrap."""


class NoWorkers(SandboxError):
    """No Dask worker joined the scheduler in time."""


def _module_file(name):
    """The file of the module ``name`` ("grading.status") in the repository, or None."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported_files(path, package):
    """Files of the ``grading`` modules that the module at ``path`` (in ``package``) imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
            names = [f"{base}.{node.module}"] if node.module else [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            names = [n for n in names if n and n.split(".")[0] == "grading"]
        else:
            continue
        found |= {f for f in map(_module_file, names) if f is not None}
    return found


def bundle_files():
    """{path in the bundle: file} of every module the sandbox package imports from ``grading`` (followed
    transitively), the package itself, and ``utils/`` as the sandbox copies it."""
    todo, files = sorted(SANDBOX.glob("*.py")), {}
    while todo:
        path = todo.pop()
        rel = path.relative_to(ROOT).as_posix()
        if rel in files:
            continue
        files[rel] = path
        package = ".".join(path.relative_to(ROOT).parent.parts)
        todo += sorted(_imported_files(path, package))
    for path in sorted((ROOT / "utils").rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts) \
                and path.suffix != ".pyc":
            files[rel.as_posix()] = path
    return files


@cache
def bundle():
    """(zip bytes, sha256 hex digest) of the bundle; the same bytes for the same files (fixed dates, sorted)."""
    files = {rel: path.read_bytes() for rel, path in bundle_files().items()}
    for rel in [r for r in files if r.startswith("grading/")]:  # a stub for each package whose own __init__
        for parent in Path(rel).parents[:-1]:                     # the sandbox does not need (it imports more)
            files.setdefault(f"{parent.as_posix()}/__init__.py", PACKAGE_STUB.encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, files[rel], zipfile.ZIP_DEFLATED)
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def grader_environment():
    """The environment workers must match: on_worker.environment of this process and bundle."""
    return on_worker.environment(bundle()[1])


def task(files, jobs, homes, limits=None, require_bwrap=True):
    """The plain data of one sandbox run (a :func:`grading.autograde.student.sandbox_tasks` entry) for a worker:
    neither the scheduler nor the worker needs ``grading`` to read it. ``homes``: which module each case lives
    in (grading.autograde.runs.case_homes)."""
    env = grader_environment()
    return {"version": on_worker.version(env), "environment": env, "files": dict(files),
            "jobs": [list(j) for j in jobs], "limits": asdict(limits or Limits()),
            "layout": reference_layout()._asdict(), "homes": homes, "require_bwrap": bool(require_bwrap)}


class ByValue:
    """A function that pickles with its code (cloudpickle): Dask pickles a task graph with plain pickle, which
    would name the function's module, and the scheduler and the workers would have to import ``grading``."""

    def __init__(self, func):
        self.func = func

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def __reduce__(self):
        import cloudpickle

        cloudpickle.register_pickle_by_value(on_worker)
        try:
            return cloudpickle.loads, (cloudpickle.dumps(self.func),)
        finally:
            cloudpickle.unregister_pickle_by_value(on_worker)


def worker_function():
    """What ``client.map`` runs: ``run_task(bundle, task)`` (on_worker), shipped by value."""
    return ByValue(on_worker.run_task)


def rows(result):
    """(rows, (isolation, limits text)) of a worker's result; raises WorkerRefused when the worker refused."""
    if "refused" in result:
        raise WorkerRefused(result["refused"])
    return result["rows"], (result["isolation"], result["limits"])


def run_here(files, jobs, homes, limits=None, require_bwrap=True):
    """A worker's result for one task, run in this process as a worker runs it (the shipped bundle in a fresh
    interpreter)."""
    return on_worker.run_task(bundle()[0], task(files, jobs, homes, limits, require_bwrap))
