"""The course language is a setting of the course (``c.Chapter3.language``), not a rebuild of committed files.

An English course gets English notebooks in its nbgrader course directory and its release, while the committed
generated files (zh notebooks, stubs, expected.json) stay as they are, so ``build --check`` passes for it.
"""
import ast
import hashlib
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from grading import build, config, facts
from grading.build import course
from grading.build.notebooks import instructor_notebook, to_text
from grading.build.release import MARKER
from grading.paths import NOTEBOOK_SOURCES, ROOT
from tests.zh_text import findings

CJK = re.compile(r"[\u4e00-\u9fff]")
COMMITTED = ("assignments", "classifiers", "utils/checks/expected.json")


def _committed_digest():
    """{path: sha256} of every committed generated file."""
    out = {}
    for name in COMMITTED:
        path = ROOT / name
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                out[file.relative_to(ROOT).as_posix()] = hashlib.sha256(file.read_bytes()).hexdigest()
    return out


def _grading(*args, course_dir):
    env = {**os.environ, "CH3_COURSE_DIR": str(course_dir), "OPENBLAS_NUM_THREADS": "1"}
    env.pop("CH3_GRADEBOOK_URL", None)
    return subprocess.run([sys.executable, "-m", "grading", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def _prose(notebook):
    """The markdown of a notebook, joined; model answers of written questions (bilingual in source/) left out."""
    nb = nbformat.read(notebook, as_version=4)
    return "\n".join(c.source for c in nb.cells
                     if c.cell_type == "markdown" and not c.metadata.get("nbgrader", {}).get("solution"))


@pytest.fixture(scope="module")
def english_course(tmp_path_factory):
    """A course directory built by ``python -m grading build --lang en``, and the committed files before it."""
    root = tmp_path_factory.mktemp("en") / "course"
    before = _committed_digest()
    done = _grading("build", "--lang", "en", course_dir=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"nbgrader course directory (en): {root}" in done.stdout
    assert f"gradebook: sqlite:///{root / 'gradebook.db'}" in done.stdout.splitlines()
    return root, before


def test_english_build_writes_the_course_in_english_and_leaves_the_committed_files(english_course):
    root, before = english_course
    assert _committed_digest() == before
    assert course.course_language(root) == "en"
    assert "c.Chapter3.language = 'en'" in (root / "nbgrader_config.py").read_text(encoding="utf-8")
    for name in facts.assignment_names():
        for folder in ("source", "release"):
            prose = _prose(root / folder / name / f"{name}.ipynb")
            assert len(prose) > 1000 and not CJK.search(prose), f"{folder}/{name} is not English"
        committed = _prose(ROOT / "assignments" / name / f"{name}.ipynb")
        assert len(CJK.findall(committed)) > 100, f"the committed {name} is no longer the zh notebook"


def _code_cells(notebook):
    """[source] of the code cells of a notebook (a path or an nbformat node)."""
    nb = nbformat.read(notebook, as_version=4) if not isinstance(notebook, nbformat.NotebookNode) else notebook
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_english_notebooks_have_no_chinese_in_their_code(english_course):
    """An English student reads the code too: no Chinese string, label or comment in any code cell of the course's
    instructor (source/) or student (release/) notebooks; a notebook says it in zh in a cell of its zh/en pair."""
    root, _ = english_course
    names = course.assignment_names()
    assert len(names) == 7
    for name in names:
        for folder in ("source", "release"):
            cells = _code_cells(root / folder / name / f"{name}.ipynb")
            assert len(cells) > 10
            chinese = [line.strip() for cell in cells for line in cell.splitlines() if CJK.search(line)]
            assert not chinese, f"{folder}/{name}: Chinese in code cells:\n" + "\n".join(chinese)


PRINTING = {"print", "show_table"}  # what puts a string literal in front of the student as text


def _printed_literals(source):
    """The string literals in the arguments of print(...) and show_table(...) calls of a code cell; an f-string
    with {} where its fields are. IPython magics (%, !) are left out."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    out = []

    def literals(node):
        if isinstance(node, ast.JoinedStr):
            out.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        else:
            for child in ast.iter_child_nodes(node):
                literals(child)

    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PRINTING:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                literals(arg)
    return out


def test_printed_literals_finds_the_strings_a_cell_prints():
    cell = ('%matplotlib inline\nx = "not printed at all here"\nprint(f"loss with one-hot targets: {a:.4f}", '
            'msg("损失", "every row sums to 1"))\nshow_table(["参数"], rows)')
    assert _printed_literals(cell) == ["loss with one-hot targets: {}", "损失", "every row sums to 1", "参数"]
    assert [kind for text in _printed_literals(cell) for kind, _ in findings(text)] == ["English"]


@pytest.mark.parametrize("source", sorted(NOTEBOOK_SOURCES.glob("*.py")), ids=lambda p: p.stem)
def test_zh_notebooks_print_no_english_sentence_from_their_code(source):
    """A zh notebook's code prints Chinese: no English sentence (nor half-width punctuation in a Chinese one) in a
    string literal it prints or shows as a table, in the notebook nbgrader builds (solutions in) for a zh course."""
    cells = _code_cells(instructor_notebook(source, "zh"))
    literals = [text for cell in cells for text in _printed_literals(cell)]
    assert literals, "a notebook that prints nothing"
    found = [(kind, text) for text in literals for kind, _ in findings(text)]
    assert not found, found


def test_build_check_passes_for_an_english_course(english_course):
    root, _ = english_course
    done = _grading("build", "--check", course_dir=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All generated files are up to date." in done.stdout and "stale" not in done.stdout


def test_release_without_lang_follows_the_course(english_course, tmp_path):
    root, _ = english_course
    done = _grading("release", str(tmp_path / "r"), course_dir=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("release (en):")
    assert json.loads((tmp_path / "r" / MARKER).read_text(encoding="utf-8"))["lang"] == "en"
    assert not CJK.search(_prose(tmp_path / "r" / "assignments" / "01_affine_layer" / "01_affine_layer.ipynb"))
    done = _grading("release", str(tmp_path / "zh"), "--lang", "zh", course_dir=root)  # --lang still overrides
    assert done.stdout.startswith("release (zh):")


def test_a_rebuild_keeps_the_course_language_and_lang_changes_it(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    course.write_config(root)
    assert (root / "nbgrader_config.py").read_bytes() == config.CONFIG_FILE.read_bytes()
    # The instructor sets the language by hand in the course's config; a rebuild refreshes the file but keeps it.
    path = root / "nbgrader_config.py"
    path.write_text(path.read_text(encoding="utf-8").replace('c.Chapter3.language = "zh"',
                                                             'c.Chapter3.language = "en"'), encoding="utf-8")
    course.write_config(root)
    assert course.course_language(root) == "en"
    course.write_config(root, "zh")
    assert course.course_language(root) == "zh"
    assert path.read_bytes() == config.CONFIG_FILE.read_bytes()


def test_config_text_sets_appends_and_keeps_template_lines():
    template = config.CONFIG_FILE.read_text(encoding="utf-8")
    assert config.config_text({}) == template == config.config_text({"language": "zh"})
    text = config.config_text({"language": "en", "scoring_data": "embedded", "new_setting": 3})
    assert text.count("c.Chapter3.language =") == 1 and "\nc.Chapter3.language = 'en'\n" in text
    assert "\nc.Chapter3.scoring_data = 'embedded'  # released" in text
    assert text.endswith("\nc.Chapter3.new_setting = 3\n")
    assert text.replace("c.Chapter3.language = 'en'", 'c.Chapter3.language = "zh"').replace(
        "c.Chapter3.scoring_data = 'embedded'", 'c.Chapter3.scoring_data = "cifar10"').replace(
        "\nc.Chapter3.new_setting = 3", "") == template


def test_release_notebook_in_either_language_is_the_one_students_get(english_course):
    root, _ = english_course
    for name in facts.assignment_names():
        assert to_text(build.release_notebook(name, "zh")) == (
            ROOT / "assignments" / name / f"{name}.ipynb").read_text(encoding="utf-8")
        # nbgrader's own generate_assignment made this one for the English course
        assert to_text(build.release_notebook(name, "en")) == (
            root / "release" / name / f"{name}.ipynb").read_text(encoding="utf-8")


def test_feedback_pages_of_an_english_course_are_english(tmp_path):
    """The page autograde renders (here for a student who handed in no notebook: the release notebook stands in)
    carries the prose of the course's language, not of the committed zh notebooks."""
    from grading.autograde.student import render_pages

    page = tmp_path / "page.html"
    render_pages([(None, "01_affine_layer", {"affine_forward_value": (2.0, 2.0, "passed", [])}, page)], "en")
    text = page.read_text(encoding="utf-8")
    assert "affine_forward_value" in text and "affine layer" in text.lower()
    assert not CJK.search(text), CJK.findall(text)[:20]
