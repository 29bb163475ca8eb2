"""A fixed small class graded now gives byte for byte the grades.csv it gave before the grader was restructured.

tests/data/fixed_class/grades.csv was written by ``build_class`` + ``grade`` below at commit f228388 (the flat
grading/ before issue 13); restructuring or speeding up the grader must not change one byte of it. A change that
is meant to change grades (a new grade cell, a fixed judge) rewrites the file in its own commit:
``.venv/bin/python -m tests.test_fixed_class`` prints the new CSV.
"""
import sys
from pathlib import Path

from grading import autograde, demo

EXPECTED = Path(__file__).parent / "data" / "fixed_class" / "grades.csv"
GRADE_IDS = ["affine_forward_value", "affine_backward_dx", "relu_backward_at_zero", "softmax_loss_stability",
             "sgd_update", "adam_bias_correction"]
UNSANDBOXED = "; unsandboxed (rlimits-only)"  # where bwrap does not work, every status says so (and only that)


def build_class(root):
    """Six students: the reference, three typical bugs, a submission that monkeypatches the checker, one empty."""
    ref = demo.reference_sources()
    layers_wrong = demo.patch(ref["layers.py"], "out = x.reshape(x.shape[0], -1) @ w + b",
                              "out = np.zeros((x.shape[0], w.shape[1]))")
    students = {
        "complete": ref,
        "relu_grad_at_0": {**ref, "layers.py": demo.patch(ref["layers.py"], "return dout * (x > 0)",
                                                          "return dout * (x >= 0)")},
        "softmax_no_shift": {**ref, "layers.py": demo.patch(
            ref["layers.py"], "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")},
        "adam_no_bias_fix": {**ref, "optim.py": demo.patch(ref["optim.py"],
                                                           "m_hat = m / (1 - b1**t)\n    v_hat = v / (1 - b2**t)",
                                                           "m_hat = m\n    v_hat = v")},
        "monkeypatch": {**ref, "layers.py": demo.MONKEYPATCH + layers_wrong},
        "empty": {},
    }
    for sid, modules in students.items():
        folder = root / sid / "classifiers" / "chapter3"
        folder.mkdir(parents=True)
        for name, text in modules.items():
            (folder / name).write_text(text, encoding="utf-8")
    return root


def grade(root, out):
    """grades.csv of the class in ``root`` graded into ``out`` (no gradebook, no feedback pages), as text."""
    records, failures = autograde.autograde(root, out, workers=2, lang="en", only=GRADE_IDS, gradebook=False,
                                            feedback=False, progress=False, allow_unsandboxed=True)
    assert failures == [] and len(records) == 6
    return (out / "grades.csv").read_text(encoding="utf-8").replace(UNSANDBOXED, "")


def test_the_fixed_class_grades_as_before(tmp_path):
    got = grade(build_class(tmp_path / "class"), tmp_path / "out")
    assert got == EXPECTED.read_text(encoding="utf-8")
    rows = {line.split(",")[0]: line for line in got.splitlines()[1:]}
    assert rows["complete"] == "complete,2,2,1,2,1,1,9,9,ok" and rows["empty"] == "empty,0,0,0,0,0,0,0,9,no submission"
    assert rows["monkeypatch"].startswith("monkeypatch,0,")  # its wrong affine_forward, despite the monkeypatching


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        sys.stdout.write(grade(build_class(Path(tmp) / "class"), Path(tmp) / "out"))
