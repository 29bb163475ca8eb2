"""Instructor command line: ``python -m grading build | release | autograde | release-feedback | demo``."""
import argparse
import os
import sys
from pathlib import Path

from . import build


def _lang(args):
    """``--lang``, else the language the course is set to (``c.Chapter3.language`` in its nbgrader_config.py)."""
    if args.lang:
        return args.lang
    from .course import course_language

    return course_language()


def _build(args):
    if args.check:
        stale = build.stale()
        for rel in stale:
            print(f"stale: {rel}")
        if stale:
            print("Generated files are out of date: run `python -m grading build` and commit the result.")
            return 1
        print("All generated files are up to date.")
        return 0
    changed = build.write()
    print(f"build: {len(changed)} committed file(s) changed ({build.COMMITTED_LANGUAGE} notebooks)")
    for rel in changed:
        print(f"  {rel}")
    from .course import build_course, course_language, gradebook_url, shown_url

    root = build_course(args.lang)
    print(f"nbgrader course directory ({course_language(root)}): {root}")
    print(f"gradebook: {shown_url(gradebook_url(root))}")
    return 0


def _release(args):
    from .release import release

    lang = _lang(args)
    written = release(args.out_dir, lang)
    print(f"release ({lang}): {len(written)} file(s) in {args.out_dir}")
    return 0


def ensure_course(lang):
    """The nbgrader course directory, built first if it has no gradebook or lacks an assignment."""
    from .course import assignment_names, build_course, course_dir, has_gradebook

    root = course_dir()
    if not all((root / "release" / a).is_dir() for a in assignment_names()) or not has_gradebook(root):
        print(f"building the nbgrader course directory {root} ...", flush=True)
        build_course(lang, root)
    return root


def _autograde(args):
    from . import autograde, report

    args.lang = _lang(args)
    if not Path(args.submissions).exists():
        print(f"{args.submissions}: no such file or folder", file=sys.stderr)
        return 2
    only = [name for name in args.only.split(",") if name] if args.only else None
    try:
        plan = autograde.make_plan(args.lang, only)
    except ValueError as exc:
        print(f"--only: {exc}", file=sys.stderr)
        return 2
    course = ensure_course(args.lang)
    out = Path(args.out)
    records, failures = autograde.autograde(args.submissions, out, workers=args.workers, scheduler=args.scheduler,
                                            lang=args.lang, only=only, course_dir=course)
    from .sandbox import isolation

    print(report.summary(records, plan, out, failures, isolation()))
    return 1 if failures else 0


def _release_feedback(args):
    from .course import assignment_names, course_dir
    from .gradebook import GradebookError, release_feedback

    root = course_dir()
    names = args.assignments or assignment_names()
    unknown = sorted(set(names) - set(assignment_names()))
    if unknown:
        print(f"no such assignment: {', '.join(unknown)} (assignments: {', '.join(assignment_names())})",
              file=sys.stderr)
        return 2
    students = [s for s in args.student.split(",") if s] if args.student else None
    for name in names:
        try:
            released, skipped, _log = release_feedback(root, args.out_dir, name, students)
        except GradebookError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"{name}: feedback released to {len(released)} student(s) through nbgrader's exchange"
              + (f": {', '.join(released)}" if released else ""))
        for sid, reason in skipped:
            print(f"  not released to {sid}: {reason}")
    return 0


def _demo(args):
    from . import demo

    return demo.main(Path(args.out), workers=args.workers, lang=_lang(args))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    lang = {"choices": build.LANGUAGES, "default": None,
            "help": "language of the prose (default: the course's setting c.Chapter3.language)"}

    p = commands.add_parser("build", help="regenerate assignments/, classifiers/ and the nbgrader course directory")
    p.add_argument("--lang", **lang)
    p.add_argument("--check", action="store_true", help="only report stale generated files; exit 1 if any")
    p.set_defaults(run=_build)

    p = commands.add_parser("release", help="write the student tree (notebooks, stubs, utils, ...) into OUT_DIR")
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--lang", **lang)
    p.set_defaults(run=_release)

    p = commands.add_parser("autograde", help="grade a whole class: grades.csv, feedback pages, gradebook")
    p.add_argument("submissions", metavar="SUBMISSIONS",
                   help="folder of student folders, nbgrader's submitted/ tree, or an LMS zip (or folder of zips)")
    p.add_argument("--out", required=True, metavar="OUT_DIR", help="where results/, feedback/ and grades.csv go")
    p.add_argument("--workers", type=int, default=os.cpu_count(), help="students graded at once (default: cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask distributed scheduler (e.g. tcp://10.0.0.5:8786) whose workers run this course's code "
                        "(start `dask worker ADDRESS` in a checkout of it); the sandboxes then run on the workers")
    p.add_argument("--only", metavar="NAMES", help="comma-separated assignments or grade_ids to grade (default: all)")
    p.add_argument("--lang", **{**lang, "help": "language of the feedback"})
    p.set_defaults(run=_autograde)

    p = commands.add_parser("release-feedback", help="hand our feedback pages to nbgrader's exchange (Fetch Feedback)")
    p.add_argument("out_dir", metavar="OUT_DIR", help="the --out folder of autograde (its feedback/ pages)")
    p.add_argument("assignments", metavar="ASSIGNMENT", nargs="*", help="assignments to release (default: all)")
    p.add_argument("--student", metavar="IDS", help="comma-separated student ids (default: all graded)")
    p.set_defaults(run=_release_feedback)

    p = commands.add_parser("demo", help="fabricate a small class and grade it with 2 workers")
    p.add_argument("--out", default="demo-out", help="demo folder (default: demo-out)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--lang", **lang)
    p.set_defaults(run=_demo)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
