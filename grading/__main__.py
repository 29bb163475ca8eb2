"""Instructor command line: ``python -m grading build | release | autograde | release-feedback | report | export |
similarity | demo``."""
import argparse
import os
import sys
from pathlib import Path

from .facts import LANGUAGES


def _lang(args):
    """``--lang``, else the language the course is set to (``c.Chapter3.language`` in its nbgrader_config.py)."""
    if args.lang:
        return args.lang
    from .build.course import course_language

    return course_language()


def _build(args):
    from . import build

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
    from .build.course import build_course, course_language
    from .config import gradebook_url, shown_url

    root = build_course(args.lang)
    print(f"nbgrader course directory ({course_language(root)}): {root}")
    print(f"gradebook: {shown_url(gradebook_url(root))}")
    return 0


def _release(args):
    from .build.release import release

    lang = _lang(args)
    written = release(args.out_dir, lang)
    print(f"release ({lang}): {len(written)} file(s) in {args.out_dir}")
    return 0


def _autograde(args):
    from . import autograde
    from .autograde.sandbox import SandboxError
    from .build.course import ensure_course
    from .publish import report

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
    course = ensure_course()
    out = Path(args.out)
    try:
        records, failures = autograde.autograde(args.submissions, out, workers=args.workers,
                                                scheduler=args.scheduler, lang=args.lang, only=only,
                                                course_dir=course, allow_unsandboxed=args.allow_unsandboxed, plan=plan,
                                                force=args.force, scheduler_timeout=args.scheduler_timeout)
    except SandboxError as exc:
        print(exc, file=sys.stderr)
        return 2
    from .autograde.sandbox import limits_applied
    from .config import gradebook_url, shown_url
    from .publish.lateness import late_work

    print(report.summary(records, plan, out, failures, limits_applied(), late_work(course)))
    print(f"gradebook: {shown_url(gradebook_url(course))}")
    unknown = sorted(set(args.force) - {name for r in records for name in (r["student_id"], r.get("name"))})
    if unknown:
        print(f"--force: no student {', '.join(unknown)} in {args.submissions} (use the student_id of grades.csv)",
              file=sys.stderr)
    return 1 if failures else 0


def _release_feedback(args):
    from .config import course_dir
    from .facts import assignment_names
    from .publish.gradebook import GradebookError
    from .publish.release_feedback import release_feedback

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


def _report(args):
    from .config import course_dir
    from .publish.class_report import write_report

    if not (Path(args.out_dir) / "results").is_dir():
        print(f"{args.out_dir}: no results/ folder: run `python -m grading autograde SUBMISSIONS --out "
              f"{args.out_dir}` first", file=sys.stderr)
        return 2
    page = write_report(args.out_dir, lang=_lang(args), course_dir=args.course or course_dir())
    print(f"class report: {page}")
    return 0


def _export(args):
    from .publish.export import export

    if not (Path(args.out_dir) / "results").is_dir():
        print(f"{args.out_dir}: no results/ folder: run `python -m grading autograde SUBMISSIONS --out "
              f"{args.out_dir}` first", file=sys.stderr)
        return 2
    try:
        path, unlisted = export(args.out_dir, args.format, roster=args.roster, key=args.key, output=args.output,
                                course_dir=args.course, lang=_lang(args))
    except ValueError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    print(f"{args.format} export: {path}")
    if unlisted:
        print(f"{len(unlisted)} graded submission(s) not on the roster (not in the LMS file; listed in "
              f"{path.with_name(path.stem + '.not_on_roster.csv')}): " + ", ".join(unlisted))
    return 0


def _similarity(args):
    from .publish.similarity import FLAG_AT, run

    if not Path(args.submissions).exists():
        print(f"{args.submissions}: no such file or folder", file=sys.stderr)
        return 2
    if args.archive and not Path(args.archive).is_dir():
        print(f"--archive {args.archive}: not a folder", file=sys.stderr)
        return 2
    pairs = run(args.submissions, args.out, archive=args.archive, lang=_lang(args))
    flagged = sum(1 for p in pairs if p.similarity >= FLAG_AT)
    print(f"{len(pairs)} pair(s) share code, {flagged} with similarity >= {FLAG_AT}; "
          f"{Path(args.out) / 'pairs.csv'}, {Path(args.out) / 'index.html'}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    lang = {"choices": LANGUAGES, "default": None,
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
                   help="Dask distributed scheduler (e.g. tcp://10.0.0.5:8786); the sandboxes then run on its workers "
                        "(start `dask worker ADDRESS` on each grading machine: Python, requirements.txt and "
                        "bubblewrap; nothing of the course)")
    p.add_argument("--scheduler-timeout", type=float, metavar="SECONDS",
                   help="how long to wait for a Dask worker to join (default 180, or $CH3_SCHEDULER_TIMEOUT)")
    p.add_argument("--only", metavar="NAMES", help="comma-separated assignments or grade_ids to grade (default: all)")
    p.add_argument("--force", action="append", default=[], metavar="STUDENT",
                   help="regrade this student even if their files are unchanged (repeatable)")
    p.add_argument("--lang", **{**lang, "help": "language of the feedback"})
    p.add_argument("--allow-unsandboxed", action="store_true",
                   help="grade even where bubblewrap does not work (every status and feedback page says so)")
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

    p = commands.add_parser("report", help="class report of a graded OUT_DIR: OUT_DIR/report/index.html")
    p.add_argument("out_dir", metavar="OUT_DIR", help="the --out folder of autograde")
    p.add_argument("--lang", **{**lang, "help": "language of the report"})
    p.add_argument("--course", metavar="DIR", help="nbgrader course directory whose gradebook holds the due dates "
                                                   "(default: the one autograde uses)")
    p.set_defaults(run=_report)

    p = commands.add_parser("export", help="grades of a graded OUT_DIR in the format an LMS imports")
    p.add_argument("out_dir", metavar="OUT_DIR", help="the --out folder of autograde")
    p.add_argument("--format", required=True, choices=("canvas", "moodle", "csv"))
    p.add_argument("--roster", metavar="FILE",
                   help="CSV of the class (columns: student_id, and optionally name, sis_user_id, sis_login_id, "
                        "section, email, username, idnumber); students on it without a submission get 0/missing")
    p.add_argument("--key", choices=("email", "username", "idnumber"), default="username",
                   help="moodle: the identifier its import matches users by (default: username)")
    p.add_argument("--output", metavar="FILE", help="where to write (default: OUT_DIR/export/<format>.csv)")
    p.add_argument("--course", metavar="DIR", help="nbgrader course directory whose gradebook holds the points graded "
                                                   "by hand and the due dates, and whose nbgrader_config.py the "
                                                   "late-penalty rule (default: the one autograde uses)")
    p.add_argument("--lang", **lang)
    p.set_defaults(run=_export)

    p = commands.add_parser("similarity", help="pairwise code similarity of the students' modules")
    p.add_argument("submissions", metavar="SUBMISSIONS", help="any layout autograde accepts")
    p.add_argument("--out", required=True, metavar="DIR", help="where pairs.csv and index.html go")
    p.add_argument("--archive", metavar="FOLDER", help="folder of known solutions (.py files) to compare against")
    p.add_argument("--lang", **{**lang, "help": "language of the page"})
    p.set_defaults(run=_similarity)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
