"""No notebook code cell shares a run of 3 code lines with the seed texts; and the check itself works."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests import seed_overlap

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "solutions" / "notebooks").glob("*.py"))

SEED = """Some prose about the chapter，然后是代码：
import numpy as np
x = np.linspace(-0.1, 0.5, num=12).reshape(3, 4)
out, _ = relu_forward(x)   # 前向
print('误差: ', rel_error(out, correct_out))
)
"""


def notebook(tmp_path, code):
    path = tmp_path / "nb.py"
    path.write_text('# %% [markdown]\n# Prose.\n\n# %%\n' + code, encoding="utf-8")
    return path


@pytest.fixture
def seeds(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "001_x.txt").write_text(SEED, encoding="utf-8")
    return folder


def test_a_copied_run_is_found_despite_white_space_quotes_comments_and_blank_lines(tmp_path, seeds):
    code = ('import numpy as np\n\nx = np.linspace(-0.1,0.5, num=12).reshape(3,4)\n\n'
            'out, _ = relu_forward( x )\nprint("误差: ", rel_error(out, correct_out))  # mine\n')
    found = seed_overlap.overlaps(notebook(tmp_path, code), seed_overlap.seed_runs(seeds))
    assert [(o.line, o.seed, o.seed_line) for o in found] == [(7, "001_x.txt", 3)]


def test_two_shared_lines_are_not_a_run(tmp_path, seeds):
    code = "x = np.linspace(-0.1, 0.5, num=12).reshape(3, 4)\nout, _ = relu_forward(x)\nprint(out.shape, out.dtype)\n"
    assert seed_overlap.overlaps(notebook(tmp_path, code), seed_overlap.seed_runs(seeds)) == []


def test_trivial_lines_do_not_make_a_run(tmp_path, seeds):
    (seeds / "002_y.txt").write_text("import numpy as np\n)\n%autoreload 2\nfrom a import b\n]\n", encoding="utf-8")
    code = "import numpy as np\n)\n%autoreload 2\nfrom a import b\n]\n"
    assert seed_overlap.overlaps(notebook(tmp_path, code), seed_overlap.seed_runs(seeds)) == []


def test_markdown_cells_are_not_compared(tmp_path, seeds):
    path = tmp_path / "nb.py"
    path.write_text("# %% [markdown]\n" + "".join("# " + line + "\n" for line in SEED.splitlines()[1:]),
                    encoding="utf-8")
    assert seed_overlap.overlaps(path, seed_overlap.seed_runs(seeds)) == []


def test_command_line(tmp_path, seeds):
    bad = notebook(tmp_path, "x = np.linspace(-0.1, 0.5, num=12).reshape(3, 4)\nout, _ = relu_forward(x)\n"
                             "print('误差: ', rel_error(out, correct_out))\n")
    script = ROOT / "tests" / "seed_overlap.py"
    run = subprocess.run([sys.executable, str(script), "--seeds", str(seeds), str(bad)], capture_output=True,
                         text=True)
    assert run.returncode == 1 and run.stdout.startswith(f"{bad}:5: 3 lines as in 001_x.txt:3:")
    run = subprocess.run([sys.executable, str(script), "--seeds", str(tmp_path / "none"), str(bad)],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "no seeds folder" in run.stderr


@pytest.mark.skipif(not seed_overlap.DEFAULT_SEEDS.is_dir(), reason="no ../shared/seeds next to the repository")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_code_is_our_own(path):
    found = seed_overlap.overlaps(path, seed_overlap.seed_runs(seed_overlap.DEFAULT_SEEDS))
    assert found == [], "\n".join(map(str, found))
