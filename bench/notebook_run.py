"""A full notebook run on CIFAR-10-sized data: wall time and peak memory of the kernel.

Each notebook runs top to bottom in a real Jupyter kernel (nbclient), in a scratch course tree laid out like the
student release (``classifiers/`` = the reference package, ``utils/``, ``assignments/<name>/<name>.ipynb``), with
``CH3_DATA_DIR`` pointing at a fake CIFAR-10 cache: the six batch pickles in the real format and at full size
(50000 + 10000 random uint8 images), so loading, the float32 conversion and training touch as much memory as the
real data set does. ``NBGRADER_EXECUTION`` is unset, so the notebook does the full training a student runs (add
``--autograde`` for the shortened run the autograder does).

Peak memory is the kernel's own high-water mark (``ru_maxrss`` of the kernel process, read by one extra cell
appended at the end) and, as a cross-check, the largest RSS of the kernel seen by sampling every 50 ms. The Jupyter
server (about 0.1 GB) comes on top on Binder, whose limit is 2 GB; the goal is a kernel peak of at most 1.5 GB.

Notebooks are given as jupytext sources (``solutions/notebooks/NN_name.py``, built into the instructor notebook:
solutions in) or as ``.ipynb`` files (run as they are, errors allowed and counted). By default: the instructor
versions of 04_shallow_net and 05_deep_net_optimizers, those of them that exist.

Run ``python -m bench.notebook_run [NOTEBOOK ...]``.
"""
import argparse
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python bench/notebook_run.py
    import _util
else:
    from . import _util

_util.use_reference()  # the repository root first, so ``grading`` is the package (not bench/grading.py)
ROOT = _util.ROOT
DEFAULT_NOTEBOOKS = ("04_shallow_net", "05_deep_net_optimizers")
GOAL_GB = 1.5
_PEAK_MARK = "__BENCH_PEAK_RSS_KB__"
PEAK_CELL = ("import resource as _r, sys as _s\n"
             "_k = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss\n"
             f"print('{_PEAK_MARK}', _k // 1024 if _s.platform == 'darwin' else _k)")


def write_fake_cifar10(cache, seed=0):
    """The six CIFAR-10 batch pickles (and batches.meta) with random uint8 images, at full size, in the layout
    ``utils.data_utils`` expects: ``cache/cifar-10-batches-py/data_batch_1..5, test_batch``. Returns the folder."""
    import numpy as np

    folder = Path(cache) / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        path = folder / name
        if path.is_file() and path.stat().st_size > 30_000_000:
            continue
        batch = {"batch_label": f"fake {name}", "labels": rng.integers(10, size=10000).tolist(),
                 "data": rng.integers(0, 256, size=(10000, 3072), dtype=np.uint8),
                 "filenames": [f"fake_{name}_{i}.png" for i in range(10000)]}
        with open(path, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                                     "truck"], "num_cases_per_batch": 10000, "num_vis": 3072}, f, protocol=2)
    return folder


def course_tree(dest):
    """A scratch tree like the student release, with the reference modules as ``classifiers``."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "solutions" / "classifiers", dest / "classifiers", ignore=ignore)
    shutil.copytree(ROOT / "utils", dest / "utils", ignore=ignore)
    return dest


def load_notebook(spec, lang):
    """(name, notebook node, from_source) for a notebook name, a jupytext source or an .ipynb file."""
    import nbformat

    path = Path(spec)
    if not path.suffix:
        path = ROOT / "solutions" / "notebooks" / f"{spec}.py"
    if path.suffix == ".py":
        from grading.build.notebooks import instructor_notebook

        return path.stem, instructor_notebook(path, lang), True
    return path.stem, nbformat.read(path, as_version=4), False


class RssSampler(threading.Thread):
    """Largest RSS of any descendant process whose command line names ipykernel, sampled every `interval` s."""

    def __init__(self, interval=0.05):
        super().__init__(daemon=True)
        self.interval, self.peak, self._done = interval, 0, threading.Event()

    def run(self):
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while not self._done.is_set():
            try:
                for child in me.children(recursive=True):
                    try:
                        if "ipykernel" in " ".join(child.cmdline()):
                            self.peak = max(self.peak, child.memory_info().rss)
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self._done.wait(self.interval)

    def stop(self):
        self._done.set()
        self.join()


def expected_failure(grade_id, autograde):
    """On random images the accuracy tiers cannot pass; in the autograder's run nothing is trained, so the checks of
    the saved best model have no file to read."""
    return "_acc" in grade_id or (autograde and "best_model" in grade_id)


def _cell_seconds(cell):
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    from datetime import datetime

    return (datetime.fromisoformat(end.replace("Z", "+00:00")) -
            datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()


def run_notebook(spec, cache, lang="en", autograde=False, timeout=3600, keep=None):
    """Execute one notebook in a fresh scratch tree; returns a dict of measurements."""
    import nbformat
    from nbclient import NotebookClient

    name, nb, from_source = load_notebook(spec, lang)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    with tempfile.TemporaryDirectory(prefix="ch3-bench-nb-") as scratch:
        tree = course_tree(Path(keep or scratch) / name)
        folder = tree / "assignments" / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
        env = {"CH3_DATA_DIR": str(cache), "CH3_DATA": "auto",
               "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        old = {k: os.environ.get(k) for k in [*env, "NBGRADER_EXECUTION"]}
        os.environ.update(env)
        if autograde:
            os.environ["NBGRADER_EXECUTION"] = "autograde"
        else:
            os.environ.pop("NBGRADER_EXECUTION", None)
        sampler = RssSampler()
        sampler.start()
        contention = _util.Contention().__enter__()
        t0 = time.perf_counter()
        try:
            # Errors allowed: on random images the accuracy checks fail by design; the failing cells are listed.
            NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(folder)}}).execute()
        finally:
            wall = time.perf_counter() - t0
            contention.__exit__(None, None, None)
            sampler.stop()
            if keep:
                nbformat.write(nb, folder / f"{name}.executed.ipynb")
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = [c.metadata.get("nbgrader", {}).get("grade_id") or f"cell {i}" for i, c in enumerate(code)
              if any(o.output_type == "error" for o in c.get("outputs", []))]
    peak_kb = None
    for o in code[-1].get("outputs", []):
        text = o.get("text", "")
        if _PEAK_MARK in text:
            peak_kb = int(text.split(_PEAK_MARK)[1].split()[0])
    text = "".join(o.get("text", "") for c in code for o in c.get("outputs", []))
    data_source = "fake CIFAR-10 (full size)" if "using the embedded" not in text else "EMBEDDED digits (!)"
    timed = sorted(((s, i) for i, c in enumerate(code[:-1]) if (s := _cell_seconds(c)) is not None), reverse=True)
    slowest = [(s, code[i].source.strip().splitlines()[0][:60] if code[i].source.strip() else "") for s, i in timed[:3]]
    return {"name": name, "version": "instructor" if from_source else "as given", "wall_s": wall,
            "peak_gb": peak_kb / 2**20 if peak_kb else None, "sampled_peak_gb": sampler.peak / 2**30 or None,
            "errors": len(failed), "failed": failed, "cells": len(code) - 1, "data": data_source, "slowest": slowest,
            "autograde": autograde, "other_cpus": contention.others}


def _failures(r):
    if r["version"] != "instructor":  # a student notebook as given: its unsolved cells fail
        return f"{len(r['failed'])}: {', '.join(r['failed'])}" if r["failed"] else "none"
    unexpected = [f for f in r["failed"] if not expected_failure(f, r["autograde"])]
    if unexpected:
        return "UNEXPECTED: " + ", ".join(unexpected)
    return f"{len(r['failed'])} (expected)" if r["failed"] else "none"


def run(notebooks=None, lang="en", autograde=False, cache=None, keep=None):
    """Measure the notebooks and print one table; returns the list of result dicts."""
    if not notebooks:
        notebooks = [n for n in DEFAULT_NOTEBOOKS if (ROOT / "solutions" / "notebooks" / f"{n}.py").is_file()]
        missing = [n for n in DEFAULT_NOTEBOOKS if n not in notebooks]
        if missing:
            print(f"(not written yet, skipped: {', '.join(missing)})")
    print("\n".join(_util.describe_machine()))
    with tempfile.TemporaryDirectory(prefix="ch3-bench-cifar-") as tmp:
        cache = Path(cache or tmp)
        t0 = time.perf_counter()
        write_fake_cifar10(cache)
        print(f"fake CIFAR-10 cache: 6 x 10000 random uint8 images, written in {time.perf_counter() - t0:.1f} s")
        results = []
        for spec in notebooks:
            r = run_notebook(spec, cache, lang, autograde, keep=keep)
            results.append(r)
            print(f"{r['name']}: {r['wall_s']:.1f} s, kernel peak {r['peak_gb'] or 0:.2f} GB, failing cells: "
                  f"{', '.join(r['failed']) or 'none'}", flush=True)
    rows = []
    for r in results:
        peak = f"{r['peak_gb']:.2f}" if r["peak_gb"] else "?"
        sampled = f"{r['sampled_peak_gb']:.2f}" if r["sampled_peak_gb"] else "?"
        ok = "yes" if r["peak_gb"] and r["peak_gb"] <= GOAL_GB else "NO"
        others = f"{r['other_cpus']:.1f}" if r["other_cpus"] is not None else "?"
        rows.append([r["name"], r["version"] + (", autograde" if autograde else ""), f"{r['wall_s']:.1f}", others,
                     peak, sampled, ok, _failures(r), r["data"]])
    _util.table("notebook_run: one notebook top to bottom in a Jupyter kernel, full-size CIFAR-10-shaped data",
                ["notebook", "version", "wall s", "other CPUs", "peak GB", "sampled GB", f"<= {GOAL_GB} GB",
                 "failing cells", "data"], rows,
                note=f"other CPUs: how many of the {os.cpu_count()} CPUs other processes kept busy meanwhile (the "
                     "wall time grows with it); peak GB: the kernel's ru_maxrss; sampled GB: largest kernel RSS seen "
                     "every 50 ms.\n"
                     "failing cells: the accuracy tiers cannot pass on random images, and with --autograde nothing "
                     "is trained for the best-model checks; any other failure is a bug.\n"
                     "Slowest cells:\n" + "\n".join(f"  {r['name']}: {s:.1f} s  {src}" for r in results
                                                    for s, src in r["slowest"]))
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="notebook names (solutions/notebooks/NAME.py), jupytext sources "
                    "or .ipynb files; default: " + ", ".join(DEFAULT_NOTEBOOKS))
    ap.add_argument("--lang", default="en", choices=("en", "zh"))
    ap.add_argument("--autograde", action="store_true", help="set NBGRADER_EXECUTION=autograde (shortened run)")
    ap.add_argument("--cache", help="folder for the fake CIFAR-10 cache (kept, reused); default a temporary one")
    ap.add_argument("--keep", help="folder for the scratch course tree (kept, for inspection)")
    args = ap.parse_args(argv)
    results = run(args.notebooks, args.lang, args.autograde, args.cache, args.keep)
    unexpected = [f for r in results if r["version"] == "instructor" for f in r["failed"]
                  if not expected_failure(f, r["autograde"])]
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
