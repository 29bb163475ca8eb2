"""Where you stand: every graded check of a notebook as one table — passed, failed or not attempted — with points.

In a notebook (its last cell): ``show("01_affine_layer")``.
From the course folder, for every notebook: ``python -m utils.progress`` (or some: ``python -m utils.progress 01``),
with the course total at the end.
The checks run on the inputs the notebooks show; your teacher's grading uses other inputs as well.
"""
import argparse
import contextlib
import io
import json
import re
import sys
import unicodedata
from pathlib import Path

from utils.checks.status import Status

HEADERS = {"zh": ("检查", "分值", "状态"), "en": ("check", "points", "status")}
STATUS = {
    "zh": {Status.PASSED: "✔ 通过", Status.FAILED: "✘ 未通过", Status.ERROR: "✘ 出错",
           Status.NOT_ATTEMPTED: "… 未完成", Status.MANUAL: "✎ 由老师批改", "total": "自动评分合计",
           "course": "全部笔记本合计", "stale": "✘ 以下检查用不了你现在的代码：{problem}"},
    "en": {Status.PASSED: "✔ passed", Status.FAILED: "✘ failed", Status.ERROR: "✘ error",
           Status.NOT_ATTEMPTED: "… not attempted", Status.MANUAL: "✎ graded by your teacher",
           "total": "autograded total", "course": "all notebooks",
           "stale": "✘ the checks below cannot use your code as it is now: {problem}"},
}
USAGE = {
    "en": "Run the visible checks of the course's notebooks and print one table per notebook (passed, failed or "
          "not attempted, with points) and the course total. Run it in the course folder, the one that holds "
          "assignments/.",
    "zh": "运行课程各笔记本的可见检查，为每个笔记本打印一张表（通过、未通过或未完成，以及分值），最后给出全部笔记本的"
          "合计。请在课程文件夹（包含 assignments/ 的那个文件夹）中运行。",
}


def grade_cells(notebook_path):
    """[(grade_id, points, autograded)] of a notebook's grade cells, in order.

    Inputs:
    - notebook_path: an .ipynb file
    """
    with open(notebook_path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            cells.append((meta["grade_id"], meta.get("points", 0), cell.get("cell_type") == "code"))
    return cells


def statuses(notebook_path):
    """[(grade_id, points, status)] with status one of passed / failed / error / not attempted / manual.

    Checks that read files (the saved model) look in the notebook's folder.
    """
    from utils.checks import run

    out = []
    with contextlib.chdir(Path(notebook_path).parent):
        for grade_id, points, autograded in grade_cells(notebook_path):
            if not autograded:
                out.append((grade_id, points, Status.MANUAL))
                continue
            with contextlib.redirect_stdout(io.StringIO()):  # tqdm bars and prints of the student's code
                outcome = run(grade_id)
            status = outcome[0][0]
            out.append((grade_id, points, status))
    return out


def width(text):
    """Columns ``text`` takes in a terminal or a notebook's monospace output: 2 for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text, columns, right=False):
    """``text`` padded with spaces to ``columns`` display columns (CJK characters count twice)."""
    fill = " " * max(columns - width(text), 0)
    return fill + text if right else text + fill


def totals(rows):
    """(earned, possible) autograded points of statuses() rows."""
    auto = [(points, status) for _, points, status in rows if status != Status.MANUAL]
    return sum(p for p, s in auto if s == Status.PASSED), sum(p for p, _ in auto)


def table(rows, lang):
    """Text table of statuses() rows with the autograded total, its columns aligned for CJK text too."""
    words, (h_id, h_points, h_status) = STATUS[lang], HEADERS[lang]
    first = max([width(h_id), width(words["total"]), *(width(grade_id) for grade_id, _, _ in rows)])
    lines = [f"{pad(h_id, first)}  {pad(h_points, 6, right=True)}  {h_status}", "-" * (first + 24)]
    for grade_id, points, status in rows:
        lines.append(f"{pad(grade_id, first)}  {pad(f'{points:g}', 6, right=True)}  {words[status]}")
    earned, possible = totals(rows)
    lines.append(f"{pad(words['total'], first)}  {pad(f'{earned:g}', 6, right=True)}  / {possible:g}")
    return "\n".join(lines)


def _language():
    from utils import checks

    return checks._language


def _problem_line(lang):
    """One line saying why the checks cannot judge the code on disk, or None."""
    from utils.checks import package_problem

    problem = package_problem(lang)
    return STATUS[lang]["stale"].format(problem=problem) if problem else None


def show(name):
    """Print the table of the notebook ``name`` (its file is ``name.ipynb`` in the current folder)."""
    lang = _language()
    path = Path(f"{name}.ipynb")
    if not path.is_file():
        print(f"[进度] {path} 不在 {Path.cwd()} 中：请在笔记本自己的文件夹里打开它。" if lang == "zh" else
              f"[progress] {path} is not in {Path.cwd()}: open the notebook from its own folder.")
        return
    problem = _problem_line(lang)
    if problem:
        print(problem)
    print(table(statuses(path), lang))


def notebook_language(notebook_path):
    """The language a notebook was built in: the argument of its ``set_language(...)`` call ("zh" if none)."""
    match = re.search(r'set_language\(\\?"(zh|en)\\?"\)', Path(notebook_path).read_text(encoding="utf-8"))
    return match.group(1) if match else "zh"


def _parser(lang):
    parser = argparse.ArgumentParser(prog="python -m utils.progress", description=USAGE[lang])
    parser.add_argument("prefix", nargs="*", help="只看名字以它开头的笔记本，例如 01" if lang == "zh" else
                        "only the notebooks whose names start with it, e.g. 01")
    return parser


def main(argv=None):
    """``python -m utils.progress [prefix ...]``: tables of every notebook under assignments/ and the course total."""
    root = Path.cwd()
    sys.path.insert(0, str(root))
    notebooks = sorted((root / "assignments").glob("*/*.ipynb"))
    lang = notebook_language(notebooks[0]) if notebooks else "en"
    args = _parser(lang).parse_args(argv if argv is not None else sys.argv[1:])
    wanted = args.prefix or [""]
    from utils.checks import set_language

    set_language(lang)
    problem = _problem_line(lang)
    if problem:
        print(problem)
    earned = possible = 0
    for path in notebooks:
        if any(path.stem.startswith(prefix) for prefix in wanted):
            lang = notebook_language(path)
            set_language(lang)
            rows = statuses(path)
            print(f"\n== {path.stem} ==")
            print(table(rows, lang))
            earned, possible = earned + totals(rows)[0], possible + totals(rows)[1]
    if possible:
        print(f"\n{STATUS[lang]['course']}: {earned:g} / {possible:g}" if lang == "en" else
              f"\n{STATUS[lang]['course']}：{earned:g} / {possible:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
