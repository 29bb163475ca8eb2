"""Where you stand: every graded check of a notebook as one table — passed, failed or not attempted — with points.

In a notebook (its last cell): ``show("01_affine_layer")``.
From the course folder, for every notebook: ``python -m utils.progress`` (or some: ``python -m utils.progress 01``).
The checks run on the inputs the notebooks show; your teacher's grading uses other inputs as well.
"""
import contextlib
import io
import json
import re
import sys
from pathlib import Path

HEADERS = {"zh": ("检查", "分值", "状态"), "en": ("check", "points", "status")}
STATUS = {
    "zh": {"passed": "✔ 通过", "failed": "✘ 未通过", "error": "✘ 出错", "not attempted": "… 未完成",
           "manual": "✎ 由老师批改", "total": "自动评分合计"},
    "en": {"passed": "✔ passed", "failed": "✘ failed", "error": "✘ error", "not attempted": "… not attempted",
           "manual": "✎ graded by your teacher", "total": "autograded total"},
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
                out.append((grade_id, points, "manual"))
                continue
            with contextlib.redirect_stdout(io.StringIO()):  # tqdm bars and prints of the student's code
                outcome = run(grade_id)
            status = outcome[0][0]
            out.append((grade_id, points, status))
    return out


def table(rows, lang):
    """Text table of statuses() rows with the autograded total."""
    words, (h_id, h_points, h_status) = STATUS[lang], HEADERS[lang]
    width = max([len(h_id), *(len(grade_id) for grade_id, _, _ in rows)])
    lines = [f"{h_id:<{width}}  {h_points:>6}  {h_status}", "-" * (width + 24)]
    earned = possible = 0
    for grade_id, points, status in rows:
        lines.append(f"{grade_id:<{width}}  {points:>6g}  {words[status]}")
        if status != "manual":
            possible += points
            earned += points if status == "passed" else 0
    lines.append(f"{words['total']:<{width}}  {earned:>6g}  / {possible:g}")
    return "\n".join(lines)


def _language():
    from utils import checks

    return checks._language


def show(name):
    """Print the table of the notebook ``name`` (its file is ``name.ipynb`` in the current folder)."""
    path = Path(f"{name}.ipynb")
    if not path.is_file():
        print(f"[progress] {path} is not in {Path.cwd()}: open the notebook from its own folder.")
        return
    print(table(statuses(path), _language()))


def notebook_language(notebook_path):
    """The language a notebook was built in: the argument of its ``set_language(...)`` call ("zh" if none)."""
    match = re.search(r'set_language\(\\?"(zh|en)\\?"\)', Path(notebook_path).read_text(encoding="utf-8"))
    return match.group(1) if match else "zh"


def main(argv=None):
    """``python -m utils.progress [prefix ...]``: tables of every notebook under assignments/."""
    root = Path.cwd()
    sys.path.insert(0, str(root))
    wanted = (argv if argv is not None else sys.argv[1:]) or [""]
    for path in sorted((root / "assignments").glob("*/*.ipynb")):
        if any(path.stem.startswith(prefix) for prefix in wanted):
            lang = notebook_language(path)
            from utils.checks import set_language

            set_language(lang)
            print(f"\n== {path.stem} ==")
            print(table(statuses(path), lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())
