"""The grader's shape: no import circle inside grading/, one status vocabulary, the plan made once per command."""
import ast
from pathlib import Path

import pytest

from grading import autograde
from grading.autograde import batch
from grading.paths import ROOT
from grading.status import RUN_STATUSES, SANDBOX_FAILURES, NotRun, Status
from utils.checks import engine

GRADING = ROOT / "grading"

def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def grader_modules():
    """{module name: path} of every Python file of the grader (not the generated course directory)."""
    course = GRADING / "course"
    return {module_name(p): p for p in sorted(GRADING.rglob("*.py")) if course not in p.parents}


def imports(path, name, modules, function_level):
    """The grading modules ``name`` imports: at module level (class bodies included), and with
    ``function_level`` also inside functions. Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first,
    so those count too; but not ``name``'s own packages, which Python always loads (or is loading) before it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import | ast.ImportFrom) and (function_level or not in_function):
                found.update(targets(child))
            visit(child, inside)

    def targets(node):
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = package.split(".")
        if node.level:
            base = base[:len(base) - (node.level - 1)]
            stem = ".".join([*base, node.module] if node.module else base)
        else:
            stem = node.module
        return [stem, *(f"{stem}.{a.name}" for a in node.names)]

    visit(tree, False)
    out = set()
    for target in found:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in modules and prefix != name and not name.startswith(prefix + "."):
                out.add(prefix)
    return out


def circles(function_level):
    """The strongly connected components of more than one module of the grader's import graph (Tarjan)."""
    modules = grader_modules()
    graph = {name: imports(path, name, modules, function_level) for name, path in modules.items()}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_graph_sees_the_grader_and_its_imports():
    modules = grader_modules()
    assert {"grading.autograde", "grading.autograde.batch", "grading.autograde.sandbox",
            "grading.autograde.sandbox.child", "grading.publish.feedback", "grading.status"} <= set(modules)
    assert "grading.course.source" not in " ".join(modules)  # the generated course directory is not the grader
    batch_imports = imports(modules["grading.autograde.batch"], "grading.autograde.batch", modules, False)
    assert {"grading.autograde.plan", "grading.autograde.student"} <= batch_imports
    assert "grading.publish.report" not in batch_imports  # imported inside autograde() only
    assert "grading.publish.report" in imports(modules["grading.autograde.batch"], "grading.autograde.batch",
                                               modules, True)


def test_a_circle_is_found_where_there_is_one(tmp_path, monkeypatch):
    """The detector itself: two modules that import each other form one circle."""
    fake = tmp_path / "grading"
    (fake / "pkg").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "pkg" / "__init__.py").write_text("")
    (fake / "pkg" / "a.py").write_text("from . import b\n")
    (fake / "pkg" / "b.py").write_text("def f():\n    from .a import g\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "GRADING", fake)
    assert circles(function_level=False) == []
    assert circles(function_level=True) == [{"grading.pkg.a", "grading.pkg.b"}]


def test_no_import_circle_at_module_level():
    """What runs when a module is loaded never comes back to a module still loading."""
    assert circles(function_level=False) == []


def test_no_import_circle_through_function_level_imports():
    """A function-level import is still a dependency (issue 13 counted them): none of them closes a circle either."""
    assert circles(function_level=True) == []


def test_status_words_are_the_engines_and_the_records():
    assert [Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED, Status.ERROR] == \
        [engine.PASSED, engine.FAILED, engine.NOT_ATTEMPTED, engine.ERROR]
    assert [s.value for s in Status] == ["passed", "failed", "not attempted", "error", "timeout", "crash", "memory",
                                        "invalid output", "not run", "manual", "grader error"]
    assert set(SANDBOX_FAILURES) < set(RUN_STATUSES) and Status.NOT_RUN not in RUN_STATUSES
    skipped = NotRun(Status.TIMEOUT, because="the submission used up its 3 s")
    assert isinstance(skipped, engine.Result) and skipped.error == "" and skipped.status == "timeout"


def test_no_status_word_is_spelled_out_in_the_grader():
    """The stage packages take their status words from grading.status, not from string literals."""
    words = {s.value for s in Status} - {"error", "memory", "manual"}  # also ordinary words in messages and keys
    for path in [*(GRADING / "autograde").rglob("*.py"), *(GRADING / "publish").glob("*.py")]:
        if path.name == "runner.py":  # runs in the sandbox, imports nothing from grading
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in words, f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"


def test_autograde_grades_the_plan_it_is_given(tmp_path, monkeypatch):
    """The command makes its plan once and passes it down: autograde() does not make another."""
    plan = autograde.make_plan("en", only=["affine_forward_value"])

    def again(*args, **kwargs):
        raise AssertionError("make_plan called again")
    monkeypatch.setattr(batch, "make_plan", again)
    (tmp_path / "class" / "a").mkdir(parents=True)
    records, failures = autograde.autograde(tmp_path / "class", tmp_path / "out", plan=plan, gradebook=False,
                                            feedback=False, progress=False, allow_unsandboxed=True)
    assert failures == [] and [r["student_id"] for r in records] == ["a"]
    assert records[0]["plan"] == plan.key and set(records[0]["scores"]) == {"affine_forward_value"}


@pytest.mark.parametrize("mode", [None, 0o644])
def test_write_atomic_replaces_whole_files(tmp_path, mode):
    from grading.atomic import remove_leftovers, write_atomic

    path = tmp_path / "deep" / "f.txt"
    write_atomic(path, "one")
    write_atomic(path, "二", mode=mode)
    assert path.read_text(encoding="utf-8") == "二" and [p.name for p in path.parent.iterdir()] == ["f.txt"]
    assert path.stat().st_mode & 0o777 == (mode or 0o600)
    (path.parent / ".f.txt.abc123.tmp").write_text("half")  # what a kill -9 mid-write leaves
    remove_leftovers(path.parent)
    assert [p.name for p in path.parent.iterdir()] == ["f.txt"] and path.read_text(encoding="utf-8") == "二"


def test_no_grader_module_is_over_400_lines():
    stages = [*(GRADING / "autograde").rglob("*.py"), *(GRADING / "publish").glob("*.py"),
              *(GRADING / "build").glob("*.py"), *(GRADING / "student_files").rglob("*.py")]
    long = {str(p.relative_to(ROOT)): n for p in [*stages, *GRADING.glob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long


def test_stage_packages_say_their_inputs_and_outputs():
    from grading import build, publish

    for package in (build, autograde, publish):
        doc = package.__doc__ or ""
        assert "Inputs" in doc and "Outputs" in doc and "steps" in doc, package.__name__
    assert Path(autograde.__file__).parent.name == "autograde"


def test_every_stage_module_is_named_in_its_package_docstring():
    """The package docstring is the stage's table of contents: each of its modules appears there by name."""
    from grading import build, publish

    for package in (build, autograde, publish):
        folder = Path(package.__file__).parent
        missing = [p.name for p in folder.glob("*.py") if p.name != "__init__.py" and p.stem not in package.__doc__]
        assert not missing, (package.__name__, missing)


def test_the_plan_key_hashes_every_grader_file_and_nothing_else():
    from grading.autograde.plan import grading_code

    files = {p.relative_to(GRADING).as_posix() for p in grading_code()}
    assert {"status.py", "autograde/sandbox/runner.py", "autograde/sandbox/child.py", "publish/feedback.py",
            "publish/report.py", "build/course.py", "facts.py", "config.py"} <= files
    assert not {f for f in files if f.split("/")[0] in ("course", "hub", "binder", "student_files")}


def test_grader_processes_do_not_compile_rfc3987_grammars():
    """The grader and its page processes import nbformat's jsonschema without rfc3987_syntax (grading/__init__.py),
    whose import compiles dozens of lark grammars (about 1 CPU-s per process); nbformat still validates."""
    import subprocess
    import sys

    code = ("import sys, grading.autograde.student, grading.publish.feedback, nbformat\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
            "nbformat.validate(nb)\n"
            "nb.cells[0].source = 1\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('rejected')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'lark'))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["rejected", "[]"], done.stdout + done.stderr


def test_page_processes_import_neither_nbgrader_nor_jupytext():
    """A page process (it imports grading.autograde.student and the feedback modules) never needs nbgrader or
    jupytext: grading/build/notebooks.py imports them where it uses them, saving about a CPU-second per process."""
    import subprocess
    import sys

    code = ("import sys, grading.autograde.student, grading.publish.feedback, grading.publish.feedback_exporter\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'nbgrader', 'jupytext'}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
