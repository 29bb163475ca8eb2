"""Instructor command line: ``python -m grading build | release | autograde``."""
import argparse
import sys

from . import build


def _build(args):
    if args.check:
        stale = build.stale(args.lang)
        for rel in stale:
            print(f"stale: {rel}")
        if stale:
            print("Generated files are out of date: run `python -m grading build` and commit the result.")
            return 1
        print("All generated files are up to date.")
        return 0
    changed = build.write(args.lang)
    print(f"build ({args.lang}): {len(changed)} file(s) changed")
    for rel in changed:
        print(f"  {rel}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("build", help="regenerate assignments/ and classifiers/ from solutions/")
    p.add_argument("--lang", choices=build.LANGUAGES, default=build.DEFAULT_LANGUAGE, help="language of the prose")
    p.add_argument("--check", action="store_true", help="only report stale generated files; exit 1 if any")
    p.set_defaults(run=_build)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
