"""Grade the same class with plain nbgrader and with ``python -m grading autograde``, side by side.

    .venv/bin/python bench/grading.py [--students N] [--workers 2] [--keep DIR]

1. Build a fresh nbgrader course directory (``python -m grading build``'s course, in a temporary folder) and two
   copies of it, one per grader, so that their gradebooks do not meet.
2. Fabricate the class: the demo class (grading/demo.py) without its endless loop, symlink and empty submission
   (nbgrader would spend its 120 s cell timeout on the loop, and has nothing to grade for the others), repeated
   to ``--students``.
3. nbgrader: the class copied into ``submitted/<student>/<assignment>/`` (notebook, the student's
   ``classifiers/``, ``utils/``, the saved model), then ``nbgrader autograde <assignment>`` once per assignment,
   one after another, as nbgrader's documentation shows: nbgrader grades the students one at a time, each
   notebook in a fresh kernel.
4. Ours: ``python -m grading autograde SUBMISSIONS --out OUT --workers N`` on the release-layout class, feedback
   pages and gradebook included (nbgrader's number has no feedback: ``generate_feedback`` would come on top).
5. The kernels' own share of nbgrader's time, from its log (the time between converting each autograded notebook
   and writing it back): what nbgrader cannot avoid per submission, before its start-up and bookkeeping.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import config, demo, facts  # noqa: E402
from grading.build import course as course_  # noqa: E402

LEFT_OUT = ("s08_infinite_loop", "s11_symlink_passwd", "s13_empty")


def fabricate(dest, n, lang):
    """The bench class in release layout under ``dest``: n students cycling through the demo's kinds."""
    pool = dest.parent / "demo-class"
    kinds = [k for k in demo.fabricate(pool, lang) if k not in LEFT_OUT]
    dest.mkdir(parents=True)
    students = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        sid = kind if i < len(kinds) else f"{kind}-{i // len(kinds) + 1}"
        shutil.copytree(pool / kind, dest / sid, symlinks=True)
        students.append(sid)
    return students


def nbgrader_layout(class_dir, course_dir, students, assignments):
    """submitted/<student>/<assignment>/: the assignment folder as the student's copy of the release has it."""
    for sid in students:
        src = class_dir / sid
        for a in assignments:
            dest = course_dir / "submitted" / sid / a
            dest.mkdir(parents=True)
            for item in (src / "assignments" / a).iterdir():
                shutil.copy2(item, dest / item.name)
            shutil.copytree(src / "classifiers", dest / "classifiers")
            shutil.copytree(src / "utils", dest / "utils")
            (dest / "timestamp.txt").write_text("2026-03-01 12:00:00.000000 UTC\n")


def tool_env():
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


LOG_FORMAT = ["--Application.log_format=%(asctime)s.%(msecs)03d %(message)s", "--Application.log_datefmt=%H:%M:%S"]


def kernel_seconds(log):
    """Seconds nbgrader's kernels spent executing notebooks, from its log: each autograded notebook is converted
    (executed) between "Converting notebook <...>/autograded/<...>" and the next "Writing" line."""
    total, start = 0.0, None
    for line in log.splitlines():
        stamp, _, message = line.partition(" ")
        try:
            hours, minutes, seconds = stamp.split(":")
            t = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        except ValueError:
            continue
        if message.startswith("Converting notebook") and "/autograded/" in message:
            start = t
        elif message.startswith("Writing") and start is not None:
            total += (t - start) % 86400
            start = None
    return total


def run_nbgrader(course_dir, assignments):
    """(wall seconds, kernel seconds) of ``nbgrader autograde <assignment>`` for every assignment, in order."""
    start, kernels = time.perf_counter(), 0.0
    for a in assignments:
        done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", a, "--force", *LOG_FORMAT],
                              cwd=course_dir, env=tool_env(), capture_output=True, text=True)
        kernels += kernel_seconds(done.stderr)
        if done.returncode != 0:
            print(f"  nbgrader autograde {a} exited {done.returncode}: a submission it could not grade "
                  "(the invalid notebook: nbgrader scores that whole assignment 0)")
    return time.perf_counter() - start, kernels


def run_ours(class_dir, out, course_dir, workers, lang):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grading", "autograde", str(class_dir), "--out", str(out),
                           "--workers", str(workers), "--lang", lang], cwd=ROOT,
                          env={**tool_env(), "CH3_COURSE_DIR": str(course_dir)}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"python -m grading autograde failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def assignment_scores(course_dir):
    """{(student, assignment): score} from a course's nbgrader gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id=config.COURSE_ID) as gb:
        return {(s.student.id, a.name): s.score for a in gb.assignments for s in gb.assignment_submissions(a.name)}


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(v).rjust(w) if i else str(v).ljust(w) for i, (v, w) in
                               enumerate(zip(r, widths, strict=True))) for r in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10, help="class size (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="our workers (default 2)")
    parser.add_argument("--lang", default="en", choices=("zh", "en"))
    parser.add_argument("--keep", help="keep the bench folders here instead of a temporary folder")
    args = parser.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ch3-bench-"))
    if work.exists() and args.keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"building the course and the class ({args.students} students) in {work} ...", flush=True)
        base = course_.build_course(args.lang, work / "course")
        assignments = facts.assignment_names()
        theirs = shutil.copytree(base, work / "course-nbgrader")
        ours = shutil.copytree(base, work / "course-ours")
        class_dir = work / "class"
        students = fabricate(class_dir, args.students, args.lang)
        nbgrader_layout(class_dir, theirs, students, assignments)

        print("grading with nbgrader autograde (serial) ...", flush=True)
        t_nbgrader, t_kernel = run_nbgrader(theirs, assignments)
        print(f"grading with python -m grading autograde --workers {args.workers} ...", flush=True)
        t_ours = run_ours(class_dir, work / "out", ours, args.workers, args.lang)
        theirs_scores, ours_scores = assignment_scores(theirs), assignment_scores(ours)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    n = len(students)
    same = sorted(k for k in ours_scores if theirs_scores.get(k) == ours_scores[k])
    differ = sorted(k for k in ours_scores if theirs_scores.get(k) != ours_scores[k])
    print(f"\nscores per student and assignment: {len(same)} of {len(ours_scores)} agree with nbgrader's gradebook")
    for student, assignment in differ:
        print(f"  {student} {assignment}: nbgrader {theirs_scores.get((student, assignment))}, "
              f"ours {ours_scores[student, assignment]}")
    print()
    print(table([
        ("", "wall s", "per submission s"),
        ("nbgrader autograde (serial)", f"{t_nbgrader:.1f}", f"{t_nbgrader / n:.2f}"),
        (f"python -m grading autograde --workers {args.workers}", f"{t_ours:.1f}", f"{t_ours / n:.2f}"),
        ("  of which nbgrader's kernels execute notebooks", f"{t_kernel:.1f}", f"{t_kernel / n:.2f}"),
    ]))
    print(f"\n{n} submissions x {len(assignments)} notebooks on {os.cpu_count()} cores: ours is "
          f"{t_nbgrader / t_ours:.1f}x faster than nbgrader; nbgrader spends {t_nbgrader / n:.2f} s per submission, "
          f"of which its kernels execute {t_kernel / n:.2f} s; ours {t_ours / n:.2f} s, feedback pages included.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
