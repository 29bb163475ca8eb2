"""utils.progress: the tables of every notebook and the course total, aligned for Chinese text, with --help, and a
first line that says when the checks cannot judge the code on disk."""
import json
import re
import shutil
import subprocess
import sys

from utils.progress import pad, table, width


def progress(folder, *args):
    done = subprocess.run([sys.executable, "-m", "utils.progress", *args], cwd=folder, capture_output=True,
                          text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                                                       "CH3_DATA": "embedded", "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def autograded_points(folder):
    """Points of the code grade cells of every notebook, read from the notebooks' nbgrader metadata."""
    total = 0
    for path in (folder / "assignments").glob("*/*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("grade") and cell["cell_type"] == "code":
                total += meta["points"]
    return total


def test_width_counts_chinese_characters_twice():
    assert width("检查") == 4 and width("check") == 5 and width("✔ 通过") == 6
    assert pad("合计", 6) == "合计  " and pad("7", 3, right=True) == "  7"


def test_a_zh_table_lines_up_in_display_columns():
    rows = [("affine_forward_value", 1, "passed"), ("affine_dx_answer", 2, "manual"), ("x", 10, "failed")]
    lines = table(rows, "zh").splitlines()
    assert lines[0].startswith("检查") and re.match(r"^自动评分合计 +1  / 11$", lines[-1])
    # the points column ends at one display column on every line, Chinese or not
    ends = {width(re.match(r"^\S+ +\S+", line).group(0)) for line in [lines[0], *lines[2:]]}
    assert ends == {len("affine_forward_value") + 2 + 6}


def test_help_prints_usage(releases):
    for lang, words in (("en", "Run the visible checks"), ("zh", "运行课程各笔记本的可见检查")):
        out = progress(releases / lang, "--help")
        assert out.startswith("usage: python -m utils.progress") and words in out


def test_every_notebook_and_the_course_total(releases, tmp_path):
    folder = shutil.copytree(releases / "zh", tmp_path / "zh")
    out = progress(folder)
    assert out.count("\n== ") == 7
    assert out.rstrip().splitlines()[-1] == f"全部笔记本合计：0 / {autograded_points(folder):g}"
    assert "01_affine_layer" in progress(folder, "01") and "02_activations" not in progress(folder, "01")


def test_a_syntax_error_is_said_first(releases, tmp_path):
    folder = shutil.copytree(releases / "en", tmp_path / "en")
    layers = folder / "classifiers" / "chapter3" / "layers.py"
    layers.write_text(layers.read_text(encoding="utf-8") + "\ndef broken(:\n", encoding="utf-8")
    line = layers.read_text(encoding="utf-8").count("\n")
    out = progress(folder, "01")
    assert out.splitlines()[0] == (f"✘ the checks below cannot use your code as it is now: layers.py has a syntax "
                                   f"error at line {line} (invalid syntax). This check would have used the old code, "
                                   "from before your last change: fix that line, save, and run the check again.")
    assert re.search(r"affine_forward_value +\d+  ✘ error", out) and "✔" not in out


def test_a_broken_file_nothing_imports_changes_nothing(releases, tmp_path):
    folder = shutil.copytree(releases / "en", tmp_path / "en")
    (folder / "classifiers" / "chapter3" / "scratch.py").write_text("def broken(:\n", encoding="utf-8")
    out = progress(folder, "01")
    assert "syntax error" not in out and re.search(r"affine_forward_value +\d+  … not attempted", out)
