"""Every training benchmark in one command, one table each: gradients, train_epoch, notebook_run.

    python -m bench.run_all                      # all three, full size (several minutes)
    python -m bench.run_all --quick              # smaller sizes, for a smoke test
    python -m bench.run_all --torch-python PY    # the torch column from another interpreter that has torch
    python -m bench.run_all --only train_epoch --threads 1 2

The torch column of train_epoch needs ``torch`` (optional, never a dependency of the course code). When this
interpreter cannot import it, ``--torch-python`` (or the environment variable ``CH3_BENCH_TORCH_PYTHON``) names a
Python that can (its environment needs numpy and tqdm at the course's pins), and train_epoch runs there in a
subprocess; otherwise the torch column shows "—". Exit status 1 if a benchmark failed to run.
"""
import argparse
import os
import subprocess
import sys
import time
import traceback

if __package__ in (None, ""):  # run as a script: python bench/run_all.py
    import _util
else:
    from . import _util

_util.use_reference()

BENCHMARKS = ("gradients", "train_epoch", "notebook_run")


def _import(name):
    if __package__ in (None, ""):
        return __import__(name)
    import importlib

    return importlib.import_module(f"{__package__}.{name}")


def _torch_here():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_train_epoch(args):
    argv = ["--n", str(args.n), "--repeats", str(args.repeats)]
    if args.threads:
        argv += ["--threads", *map(str, args.threads)]
    if args.profile:
        argv.append("--profile")
    torch_python = args.torch_python or os.environ.get("CH3_BENCH_TORCH_PYTHON")
    if torch_python and not _torch_here():
        print(f"(train_epoch runs in {torch_python}, which has torch)", flush=True)
        return subprocess.run([torch_python, "-m", "bench.train_epoch", *argv], cwd=_util.ROOT).returncode == 0
    _import("train_epoch").main(argv)
    return True


def run_gradients(args):
    argv = ["--hidden", *map(str, args.hidden)]
    _import("gradients").main(argv)
    return True


def run_notebook_run(args):
    argv = [*args.notebooks]
    if args.autograde:
        argv.append("--autograde")
    return _import("notebook_run").main(argv) == 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    ap.add_argument("--quick", action="store_true",
                    help="N = 10000 and 3 repeats in train_epoch, hidden sizes 2 8 32 in gradients, the autograder's "
                         "shortened notebook run")
    ap.add_argument("--torch-python", help="a Python with torch for the torch column of train_epoch")
    ap.add_argument("--threads", type=int, nargs="+", help="train_epoch threads (default NumPy's BLAS threads)")
    ap.add_argument("--profile", action="store_true", help="train_epoch: also where the reference's time goes")
    ap.add_argument("--notebooks", nargs="*", default=[], help="notebook_run: notebooks (default 04 and 05)")
    args = ap.parse_args(argv)
    args.n, args.repeats = (10000, 3) if args.quick else (49000, 5)
    args.hidden = [2, 8, 32] if args.quick else [2, 4, 8, 16, 32, 64]
    args.autograde = args.quick

    failed = []
    for name in BENCHMARKS:
        if name not in args.only:
            continue
        print(f"\n######## {name} ########", flush=True)
        t0 = time.perf_counter()
        try:
            ok = globals()[f"run_{name}"](args)
        except Exception:  # one broken benchmark must not hide the others' tables
            traceback.print_exc()
            ok = False
        print(f"({name}: {time.perf_counter() - t0:.0f} s{'' if ok else ', FAILED'})", flush=True)
        if not ok:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
