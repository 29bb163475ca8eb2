"""utils.checks.demo: a demo cell's error becomes one line naming the student's function, file and line."""
import importlib.util

import numpy as np
import pytest

from utils.checks import demo, set_language


@pytest.fixture
def student(tmp_path):
    """A module at classifiers/chapter3/layers.py (outside the real package) with a shape bug and a stub."""
    path = tmp_path / "classifiers" / "chapter3" / "layers.py"
    path.parent.mkdir(parents=True)
    path.write_text("import numpy as np\n\n\ndef affine_forward(x, w, b):\n    return x @ w + b, None\n\n\n"
                    "def relu_forward(x):\n    raise NotImplementedError\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("demo_student_layers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang, words", [
    ("en", "✘ this demo stopped: ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with "
           "gufunc signature (n?,k),(k,m?)->(n?,m?) (size 6 is different from 2) (in affine_forward, layers.py:5). "
           "The check below says what is wrong."),
    ("zh", "✘ 演示没有运行完：ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
           "signature (n?,k),(k,m?)->(n?,m?) (size 6 is different from 2)（在 affine_forward，layers.py:5）。"
           "下方的检查会说明哪里错了。"),
])
def test_an_error_in_the_students_function_is_one_line_naming_it(student, capsys, lang, words):
    with demo(lang):
        student.affine_forward(np.ones((2, 3, 2)), np.ones((6, 4)), np.zeros(4))
        print("not reached")
    assert capsys.readouterr().out == words + "\n"


def test_a_stub_says_it_is_not_written(student, capsys):
    with demo("en"):
        student.relu_forward(np.ones(3))
    assert capsys.readouterr().out == "… relu_forward is not written yet; the check below says what to do.\n"


def test_an_error_outside_the_students_code_names_no_place(capsys):
    from utils.gradient_check import rel_error

    set_language("zh")
    with demo():
        rel_error(np.ones((2, 3)), np.ones((3, 2)))
    out = capsys.readouterr().out
    assert out == ("✘ 演示没有运行完：ValueError: rel_error 只能比较形状相同的数组，得到的形状是 (2, 3) 和 (3, 2)："
                   "其中一个的形状不对。下方的检查会说明哪里错了。\n")


def test_nothing_is_printed_when_the_block_runs(capsys):
    with demo("en"):
        x = 1 + 1
    assert x == 2 and capsys.readouterr().out == ""
