"""The stub generator (grading/build/stubs.py) and the committed student stubs in classifiers/chapter3."""
import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grading.build.stubs import MarkerError, make_stub

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "solutions" / "classifiers" / "chapter3"
STUBS = ROOT / "classifiers" / "chapter3"
STUB_BODY = "# YOUR CODE HERE\nraise NotImplementedError\n"


def _src(text):
    return textwrap.dedent(text).lstrip("\n")


# ---------------------------------------------------------------------------------------------------- make_stub


def test_one_region_keeps_indentation():
    source = _src('''
        def f(x):
            """Doc."""
            y = 1
            ### BEGIN SOLUTION
            return x + y
            ### END SOLUTION
        ''')
    assert make_stub(source) == _src('''
        def f(x):
            """Doc."""
            y = 1
            # YOUR CODE HERE
            raise NotImplementedError
        ''')


def test_several_regions_and_nested_indentation():
    source = _src('''
        class A:
            def f(self):
                ### BEGIN SOLUTION
                return 1
                ### END SOLUTION

            def g(self):
                for i in range(3):
                    ### BEGIN SOLUTION
                    print(i)
                    print(i * 2)
                    ### END SOLUTION
                return None
        ''')
    assert make_stub(source) == _src('''
        class A:
            def f(self):
                # YOUR CODE HERE
                raise NotImplementedError

            def g(self):
                for i in range(3):
                    # YOUR CODE HERE
                    raise NotImplementedError
                return None
        ''')


def test_text_outside_regions_is_byte_identical():
    outside = 'x = "é\\t"  # comment with trailing spaces   \n\tif x:\n\t\tpass\r\n\n\n'
    assert make_stub(outside) == outside
    assert make_stub("no newline at end") == "no newline at end"
    assert make_stub("") == ""
    source = outside + "    ### BEGIN SOLUTION\n    secret = 1\n    ### END SOLUTION\n" + outside + "tail"
    assert make_stub(source) == outside + "    # YOUR CODE HERE\n    raise NotImplementedError\n" + outside + "tail"


def test_markers_with_trailing_spaces_and_end_at_eof():
    source = "def f():\n    ### BEGIN SOLUTION   \n    return 1\n    ### END SOLUTION"
    assert make_stub(source) == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError\n"


def test_result_compiles_and_raises():
    namespace = {}
    exec(make_stub("def f(a, b=2):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION\n"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_nested_begin_names_the_line():
    source = "def f():\n    ### BEGIN SOLUTION\n    x = 1\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n"
    with pytest.raises(MarkerError, match=r"mod\.py:4\b.*line 2"):
        make_stub(source, "mod.py")


def test_missing_end_names_the_begin_line():
    source = "a = 1\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n"
    with pytest.raises(MarkerError, match=r"mod\.py:3\b"):
        make_stub(source, "mod.py")


def test_end_without_begin_names_the_line():
    source = "a = 1\n### END SOLUTION\n"
    with pytest.raises(MarkerError, match=r"mod\.py:2\b"):
        make_stub(source, "mod.py")
    with pytest.raises(MarkerError, match=r"mod\.py:4\b"):  # a second END after a closed region
        make_stub("### BEGIN SOLUTION\nx\n### END SOLUTION\n### END SOLUTION\n", "mod.py")


def test_end_indented_differently_names_both_lines():
    source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n  ### END SOLUTION\n"
    with pytest.raises(MarkerError, match=r"mod\.py:4\b.*line 2"):
        make_stub(source, "mod.py")
    with pytest.raises(MarkerError):  # a tab is not four spaces
        make_stub("def f():\n    ### BEGIN SOLUTION\n    return 1\n\t### END SOLUTION\n", "mod.py")


def test_marker_error_is_value_error():
    assert issubclass(MarkerError, ValueError)


# ---------------------------------------------------------------------------------------------------- committed stubs


def _regions(path):
    """Line numbers (1-based, inclusive) of every solution region of a reference file: [(begin, end), ...]."""
    regions, begin = [], None
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == "### BEGIN SOLUTION":
            begin = lineno
        elif line.strip() == "### END SOLUTION":
            regions.append((begin, lineno))
    return regions


def _functions_with_regions():
    """(module, qualified name) of every top-level function and method whose body holds a solution region."""
    found = []
    for path in sorted(REFERENCE.glob("*.py")):
        regions = _regions(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            members = [(node.name, node)] if isinstance(node, ast.FunctionDef) else []
            if isinstance(node, ast.ClassDef):
                members = [(f"{node.name}.{f.name}", f) for f in node.body if isinstance(f, ast.FunctionDef)]
            for qualname, func in members:
                # end_lineno is the last statement's line: the END marker comment after it is not counted
                if any(func.lineno < b <= func.end_lineno for b, _ in regions):
                    found.append((path.stem, qualname))
    return found


def test_reference_has_regions_everywhere_expected():
    found = set(_functions_with_regions())
    for expected in [("layers", "affine_forward"), ("layers", "softmax_loss"), ("optim", "adam"),
                     ("shallow_layer_net", "ShallowLayerNet.loss"), ("fc_net", "FullyConnectedNet.__init__"),
                     ("classifier", "Classifier.train"), ("two_layer_net", "TwoLayerNet.gradient"),
                     ("bp_network", "full_backward_propagation")]:
        assert expected in found


@pytest.mark.parametrize("name", sorted(p.name for p in REFERENCE.glob("*.py")))
def test_committed_stub_is_make_stub_of_reference(name):
    expected = make_stub((REFERENCE / name).read_text(encoding="utf-8"), name)
    assert (STUBS / name).read_text(encoding="utf-8") == expected, f"classifiers/chapter3/{name} is stale"


def test_build_check_passes():
    result = subprocess.run([sys.executable, "-m", "grading", "build", "--check"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


_STUB_PROBE = r'''
import inspect, json, sys
import numpy as np
sys.path[:] = [p for p in sys.path if "solutions" not in p]
sys.path.insert(0, ROOT)
from classifiers.chapter3 import *  # noqa: F403
import classifiers.chapter3 as package
import importlib

assert package.__file__.startswith(ROOT + "/classifiers/"), package.__file__
results = {}
for module_name, qualname in TARGETS:
    module = importlib.import_module("classifiers.chapter3." + module_name)
    owner, _, method = qualname.rpartition(".")
    if owner:
        cls = getattr(module, owner)
        obj = cls.__new__(cls)
        init_args = [2 for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                     if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        try:  # attributes set before an __init__ region stay on the object
            cls.__init__(obj, *init_args)
        except NotImplementedError:
            pass
        func = getattr(obj, method) if method != "__init__" else (lambda *a: cls.__init__(obj, *a))
        sig_func = getattr(cls, method)
    else:
        func = sig_func = getattr(module, qualname)
    params = [p for p in inspect.signature(sig_func).parameters.values()
              if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]
    args = [np.ones((2, 3)) for _ in params]
    try:
        func(*args)
        results[f"{module_name}.{qualname}"] = "returned without raising"
    except NotImplementedError:
        results[f"{module_name}.{qualname}"] = "NotImplementedError"
    except Exception as exc:
        results[f"{module_name}.{qualname}"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(results))
'''


def test_stubs_import_and_every_solution_function_raises_not_implemented():
    targets = _functions_with_regions()
    assert len(targets) >= 25, f"only {len(targets)} functions with solution regions found"
    code = f"ROOT = {str(ROOT)!r}\nTARGETS = {targets!r}\n" + _STUB_PROBE
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    wrong = {name: outcome for name, outcome in outcomes.items() if outcome != "NotImplementedError"}
    assert not wrong, f"stubs that do not raise NotImplementedError: {wrong}"
    assert len(outcomes) == len(targets)


def _stub_files():
    return sorted(p for p in (ROOT / "classifiers").rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@pytest.mark.parametrize("marker", ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"])
def test_no_markers_in_stubs(marker):
    offenders = [str(p.relative_to(ROOT)) for p in _stub_files() if marker in p.read_text(encoding="utf-8")]
    assert not offenders, f"{marker!r} appears in {offenders}"


def test_no_reference_body_line_in_stubs():
    inside, outside = set(), set()
    for path in sorted(REFERENCE.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        regions = _regions(path)
        for lineno, line in enumerate(lines, start=1):
            in_region = any(b < lineno < e for b, e in regions)
            (inside if in_region else outside).add(line.strip())
    # distinctive: long enough to be an implementation line, and not also written outside a region
    distinctive = {line for line in inside - outside if len(line) >= 20 and not line.startswith("#")}
    assert len(distinctive) >= 40, f"only {len(distinctive)} distinctive solution lines"
    for hand_picked in ["dx = (dout @ w.T).reshape(x.shape)", "m_hat = m / (1 - b1**t)"]:
        assert hand_picked in distinctive
    leaks = {}
    for path in _stub_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() in distinctive:
                leaks.setdefault(str(path.relative_to(ROOT)), []).append(line.strip())
    assert not leaks, f"solution lines in the student stubs: {leaks}"


def test_stub_files_mirror_reference_files():
    reference = sorted(p.relative_to(REFERENCE) for p in REFERENCE.rglob("*.py") if "__pycache__" not in p.parts)
    stubs = sorted(p.relative_to(STUBS) for p in STUBS.rglob("*.py") if "__pycache__" not in p.parts)
    assert stubs == reference


def _public_api(path):
    """Module docstring, __all__, and every top-level function/class/method: signature text and docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    api = {"<module>": (None, ast.get_docstring(tree, clean=False))}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            api["__all__"] = (ast.unparse(node.value), None)
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            signature = ast.unparse(node.args) if isinstance(node, ast.FunctionDef) else ast.unparse(node.bases)
            api[node.name] = (signature, ast.get_docstring(node, clean=False))
            if isinstance(node, ast.ClassDef):
                for f in node.body:
                    if isinstance(f, ast.FunctionDef):
                        api[f"{node.name}.{f.name}"] = (ast.unparse(f.args), ast.get_docstring(f, clean=False))
    return api


@pytest.mark.parametrize("name", sorted(p.name for p in REFERENCE.glob("*.py")))
def test_stub_signatures_and_docstrings_equal_reference(name):
    reference, stub = _public_api(REFERENCE / name), _public_api(STUBS / name)
    assert set(stub) == set(reference), f"{name}: names differ: {set(stub) ^ set(reference)}"
    for key in reference:
        assert stub[key] == reference[key], f"{name}: {key} differs between stub and reference"
