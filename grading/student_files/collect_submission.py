"""Hand in your work as one zip file: ``python collect_submission.py <student_id>``.

Run it in the course folder (the one that holds ``assignments/`` and ``classifiers/``) when your teacher collects
work as a zip upload (Binder, your own computer, a learning management system). On a JupyterHub with nbgrader,
use the Submit button of the Assignments tab instead.

What it does:
1. runs the visible checks of every notebook once and prints the tables (the same as each notebook's last cell);
2. warns about notebooks that were not run top to bottom, written answers not given yet, functions that still raise
   NotImplementedError, and a saved model trained on other data than the grader scores on (the release marker's
   ``settings.scoring_data``; the model's ``meta`` says what it was trained on);
3. writes ``submission_<student_id>.zip`` with exactly the files the grader reads: every
   ``assignments/NN_name/NN_name.ipynb``, the modules ``classifiers/chapter3/*.py`` and
   ``assignments/*/best_model.npz`` if you saved one. Never data sets, caches or checkpoints.

Warnings do not stop it (exit code 0). It refuses (exit code 1, nothing written) when a file is a symbolic link or
the zip would be too large, and when the student id is not letters, digits, ``-``, ``_`` and ``.`` (exit code 2).
Only the standard library is used here; the checks themselves need the course's packages (numpy, ...). The parts
live in ``collect/`` next to this file: the messages, the course facts (read from the release marker) and the
warnings.
"""
import argparse
import os
import re
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(os.path.abspath(__file__)).parent
if str(ROOT) not in sys.path:  # python -P, or a script loaded by path: its parts are found all the same
    sys.path.insert(0, str(ROOT))

from collect import course, messages, warn  # noqa: E402 (collect/ is found through ROOT)

CHECKS_TIMEOUT = 600  # seconds for all visible checks


class Refusal(Exception):
    """The zip is not written; the message says why and what to do."""


# ----------------------------------------------------------------------------------------------- the files
def _size(n):
    return f"{n / course.MB:.1f} MB" if n >= course.MB else f"{n / 1024:.1f} kB"


def gather(root, wanted, t, facts=course.DEFAULT_FACTS):
    """(files, missing): files is [(rel, kind, bytes, mtime)] read without following links.

    Raises Refusal for a link (the file or a folder on its way), a file that is not regular, a file over its cap
    (``facts["caps"]``) or a total over ``facts["submission_cap"]``.
    """
    files, missing = [], []
    for rel, kind, required in wanted:
        path = root / rel
        for depth in range(1, len(PurePosixPath(rel).parts) + 1):
            part = root.joinpath(*PurePosixPath(rel).parts[:depth])
            if part.is_symlink():
                raise Refusal(t["symlink"].format(rel=PurePosixPath(*PurePosixPath(rel).parts[:depth])))
        if not os.path.lexists(path):
            if required:
                missing.append(rel)
            continue
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise Refusal(t["not_file"].format(rel=rel))
        limit = facts["caps"][kind]
        if st.st_size > limit:
            raise Refusal(t["too_big"].format(rel=rel, size=_size(st.st_size), kind=t[f"kind_{kind}"],
                                              limit=_size(limit), advice=t[f"advice_{kind}"]))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:  # grew since it was looked at
            raise Refusal(t["too_big"].format(rel=rel, size=_size(len(data)), kind=t[f"kind_{kind}"],
                                              limit=_size(limit), advice=t[f"advice_{kind}"]))
        files.append((rel, kind, data, st.st_mtime))
    total = sum(len(data) for _, _, data, _ in files)
    if total > facts["submission_cap"]:
        largest = sorted(files, key=lambda f: -len(f[2]))[:3]
        raise Refusal(t["too_big_total"].format(size=_size(total), limit=_size(facts["submission_cap"]),
                                                largest=", ".join(f"{r} ({_size(len(d))})" for r, _, d, _ in largest)))
    return files, missing


# ----------------------------------------------------------------------------------------------- the checks
def run_checks(root, t, timeout=CHECKS_TIMEOUT):
    """Run ``python -m utils.progress`` (every notebook's table of visible checks); a warning or None."""
    print(t["checks_head"], flush=True)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    try:
        done = subprocess.run([sys.executable, "-m", "utils.progress"], cwd=root, env=env, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return t["checks_timeout"].format(seconds=timeout)
    except OSError:
        return t["checks_failed"]
    return None if done.returncode == 0 else t["checks_failed"]


# ----------------------------------------------------------------------------------------------- the zip
def write_zip(path, files):
    """Write the files into the zip at ``path`` (all of it or nothing: a temporary file renamed at the end)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as z:
            for rel, _, data, mtime in files:
                info = zipfile.ZipInfo(rel, date_time=time.localtime(max(mtime, 315532800))[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path.stat().st_size


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python collect_submission.py",
                                     description="Hand in your work as submission_<student_id>.zip.")
    parser.add_argument("student_id", help="your student id (letters, digits, - _ .)")
    parser.add_argument("--out", metavar="FOLDER", help="where the zip goes (default: the course folder)")
    parser.add_argument("--no-checks", action="store_true", help="do not run the visible checks first")
    parser.add_argument("--lang", choices=sorted(messages.TEXT),
                        help="language of the messages (default: the course's)")
    args = parser.parse_args(argv)

    root = ROOT
    marker = course.release_marker(root)
    facts = course.course_facts(marker)
    assignments, modules = course.course_layout(root, marker, facts)
    t = messages.TEXT[args.lang or course.language(root, marker, assignments, facts)]
    if not re.fullmatch(facts["student_id"], args.student_id):
        print(t["bad_id"].format(sid=args.student_id), file=sys.stderr)
        return 2
    if not assignments and not modules:
        print(t["not_course"].format(root=root), file=sys.stderr)
        return 1
    try:
        files, missing = gather(root, course.wanted_files(assignments, modules, facts), t, facts)
    except Refusal as exc:
        print(exc, file=sys.stderr)
        return 1

    warnings = [] if args.no_checks else [w for w in [run_checks(root, t)] if w]
    if args.no_checks:
        print(t["checks_skipped"])
    warnings += warn.content_warnings(files, missing, t) + warn.extra_modules(root, modules, t, facts)
    settings = marker.get("settings") if isinstance(marker.get("settings"), dict) else {}
    warnings += warn.model_warnings(files, settings.get("scoring_data"), t)

    out_dir = Path(args.out) if args.out else root
    path = (out_dir / f"submission_{args.student_id}.zip").absolute()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        packed = write_zip(path, files)
    except OSError as exc:
        print(t["cannot_write"].format(path=path, error=exc), file=sys.stderr)
        return 1

    print()
    print(t["summary"].format(zip=path.name, count=len(files), size=_size(sum(len(d) for _, _, d, _ in files)),
                              packed=_size(packed)))
    width = max((len(rel) for rel, *_ in files), default=0)
    for rel, _, data, _ in files:
        print(f"  {rel:<{width}}  {_size(len(data)):>9}")
    print()
    if warnings:
        print(t["warnings"].format(count=len(warnings)))
        for line in warnings:
            print(f"  ! {line}")
    else:
        print(t["no_warnings"])
    print()
    print(t["written"].format(path=path))
    print(t["upload"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
