"""What runs on a Dask worker, which holds nothing of the course: no repository, no ``grading`` on its path.

:func:`run_task` is shipped with its code (grading.autograde.shipping pickles it by value, so neither the scheduler
nor the worker imports ``grading``) and imports only the standard library and psutil (a dependency of Dask). It
checks that the worker's environment is the grader's (:func:`environment`, :func:`version`): a worker that differs
refuses the task with a message instead of grading it differently. Otherwise it unpacks the bundle (the sandbox's
code, ``utils/`` and the runner, built by the grader) and the student's files into a scratch folder and runs
grading.autograde.sandbox.remote from the bundle in a fresh interpreter.

Scratch folders are named after the process that made them (pid and start time): :func:`remove_stale_scratch`
removes those of a process that no longer runs (a killed worker or grader), never a live task's.
"""
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import psutil

SCRATCH_PREFIX = "ch3-grade-"
_SCRATCH_NAME = re.compile(re.escape(SCRATCH_PREFIX) + r"(\d+)-(\d+)-[a-z0-9_]+")
# Started as ``python -I -B -c ENTRY BUNDLE_DIR PARENT_PID``: the bundle, and nothing else of ours, on the path.
ENTRY = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from grading.autograde.sandbox.remote import main; main(int(sys.argv[2]))")
WHAT = {"python": "Python", "numpy": "NumPy", "bundle": "the grader's code (bundle hash)"}


def _started(pid=None):
    """A process's start time in hundredths of a second (with the pid, it names one process for good)."""
    return round(psutil.Process(pid).create_time() * 100)


def scratch_dir():
    """A new scratch folder in the temporary folder, after removing the stale ones."""
    remove_stale_scratch()
    return Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{_started()}-"))


def remove_stale_scratch(root=None):
    """Remove the scratch folders in ``root`` (default: the temporary folder) whose process is gone.

    Returns the names removed."""
    removed = []
    for entry in os.scandir(root or tempfile.gettempdir()):
        match = _SCRATCH_NAME.fullmatch(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            if _started(int(match[1])) == int(match[2]):
                continue  # its process still runs
        except (psutil.Error, ValueError, OverflowError):
            pass
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.name)
    return removed


def environment(bundle_digest):
    """What must be the same on the grader and on a worker: {"python", "numpy", "bundle"} versions (None: missing)."""
    try:
        numpy = importlib.metadata.version("numpy")
    except importlib.metadata.PackageNotFoundError:
        numpy = None
    return {"python": platform.python_version(), "numpy": numpy, "bundle": bundle_digest}


def version(env):
    """The version hash every task carries: of the bundle and the Python and NumPy versions."""
    return hashlib.sha256(json.dumps(env, sort_keys=True).encode()).hexdigest()[:16]


def worker_name():
    """``Dask worker tcp://10.0.0.7:40331 (host gpu-3)``, or the host alone outside a worker."""
    host = socket.gethostname()
    try:
        from distributed import get_worker

        return f"Dask worker {get_worker().address} (host {host})"
    except (ImportError, ValueError):
        return f"the process {os.getpid()} on host {host}"


def refusal(bundle, task):
    """Why this worker must not grade ``task`` (a message that says what to do), or None."""
    mine = environment(hashlib.sha256(bundle).hexdigest())
    if version(mine) == task["version"]:
        return None
    wanted = task["environment"]
    differs = [f"{WHAT.get(k, k)} {mine.get(k) or 'missing'} where the grader has {wanted[k]}"
               for k in sorted(wanted) if mine.get(k) != wanted[k]]
    return (f"its environment differs from the grader's: {'; '.join(differs) or 'version hash'}. Grading there "
            "could score students differently. Install the grader's versions on that machine (the same Python, "
            "`pip install -r requirements.txt`) and restart the worker, or stop it.")


def run_task(bundle, task):
    """One sandbox run of one student, on a worker.

    Inputs:
    - bundle: zip bytes of the sandbox's code and ``utils/`` (grading.autograde.shipping)
    - task: plain data: version, environment, files {relative path: bytes}, jobs, limits, layout, homes,
      require_bwrap

    Returns {"rows", "isolation", "limits", "worker"} (see grading.autograde.sandbox.remote) or {"refused": message}.
    Raises RuntimeError when the shipped sandbox itself failed.
    """
    where = worker_name()
    why = refusal(bundle, task)
    if why is not None:
        return {"refused": f"{where} refused to grade: {why}"}
    folder = scratch_dir()
    try:
        with zipfile.ZipFile(io.BytesIO(bundle)) as z:
            z.extractall(folder / "bundle")
        tree = folder / "tree"
        for rel, data in task["files"].items():
            if ".." in Path(rel).parts or Path(rel).is_absolute() or not rel.startswith("classifiers/"):
                continue
            dest = tree / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        payload = {k: task[k] for k in ("jobs", "limits", "layout", "homes", "require_bwrap")}
        done = subprocess.run([sys.executable, "-I", "-B", "-c", ENTRY, str(folder / "bundle"), str(os.getpid())],
                              input=json.dumps({**payload, "tree": str(tree)}).encode(), capture_output=True,
                              cwd=folder)
        if done.returncode != 0:
            stderr = done.stderr.decode(errors="replace").strip()[-1500:]
            raise RuntimeError(f"{where}: the shipped sandbox failed (exit {done.returncode}): {stderr}")
        result = json.loads(done.stdout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if "refused" in result:
        return {"refused": f"{where} refused to grade: {result['refused']}"}
    return {**result, "worker": where}
