"""Shared by the training benchmarks (train_epoch, notebook_run, gradients): import paths, BLAS facts, tables."""
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
            "OMP_WAIT_POLICY")


def use_reference():
    """Put the repository root, then solutions/ in front of sys.path (as tests/conftest.py does).

    ``classifiers`` then is the reference package and ``utils`` the given helpers. The folder of a script run as
    ``python bench/x.py`` moves to the end of sys.path, else bench/grading.py would hide the ``grading`` package.
    """
    here = Path(__file__).resolve().parent
    if any(Path(p or ".").resolve() == here for p in sys.path):
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here] + [str(here)]
    for path in (ROOT, ROOT / "solutions"):  # in this order, so solutions/ ends up first
        if str(path) in sys.path:
            sys.path.remove(str(path))
        sys.path.insert(0, str(path))


def blas_info():
    """NumPy's BLAS as threadpoolctl sees it: (library, version, kernel architecture, threads); None if unknown."""
    import numpy  # noqa: F401  (loads the BLAS library so threadpoolctl can see it)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for lib in threadpool_info():
        if lib.get("user_api") == "blas" and "numpy" in lib.get("filepath", ""):
            return lib
    blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return blas[0] if blas else None


def numpy_blas_threads():
    info = blas_info()
    return info["num_threads"] if info else None


def describe_machine():
    """Lines that say what the numbers were measured on."""
    import numpy as np

    info = blas_info()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs ({cpu})"]
    if info:
        lines.append(f"numpy BLAS: {info.get('internal_api')} {info.get('version')}, kernel "
                     f"{info.get('architecture', '?')}, {info.get('num_threads')} threads "
                     f"({info.get('threading_layer', '?')})")
    else:
        lines.append("numpy BLAS: unknown (threadpoolctl not installed)")
    env = [f"{k}={os.environ[k]}" for k in BLAS_ENV if k in os.environ]
    lines.append("BLAS environment: " + (", ".join(env) if env else "none set"))
    return lines


class Contention:
    """How many CPUs other processes kept busy while a benchmark ran (Linux /proc/stat; None elsewhere).

    Use as ``with Contention() as c: ...``, then ``c.others`` (CPUs' worth of other processes' work, on average).
    """

    def __enter__(self):
        self.others = None
        self._start = self._sample()
        return self

    def __exit__(self, *exc):
        end = self._sample()
        if self._start and end:
            (busy0, mine0, t0), (busy1, mine1, t1) = self._start, end
            self.others = max(((busy1 - busy0) - (mine1 - mine0)) / (t1 - t0), 0.0)
        return False

    @staticmethod
    def _sample():
        import time

        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        tick = os.sysconf("SC_CLK_TCK")
        busy = sum(fields[i] for i in (0, 1, 2, 5, 6) if i < len(fields))  # user nice system irq softirq
        t = os.times()
        mine = t.user + t.system + t.children_user + t.children_system
        return busy / tick, mine, time.monotonic()

    def describe(self):
        if self.others is None:
            return "other processes: unknown"
        return f"other processes kept {self.others:.1f} of {os.cpu_count()} CPUs busy meanwhile"


def median(xs):
    return statistics.median(xs)


def table(title, header, rows, note=None):
    """Print one plain-text table (left-aligned first column, right-aligned others)."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def fmt(row):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    print(f"\n== {title} ==")
    print(fmt(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(fmt(row))
    if note:
        print(note)
    sys.stdout.flush()
