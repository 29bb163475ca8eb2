"""A class of bad and hostile submissions, graded in ONE batch with two honest students.

For every student the exact score of every grade cell and the status are asserted: no module point is gained by
cheating, correct work inside a broken submission is still credited, the honest students get exactly what they
get when graded alone, the batch finishes, and no process is left behind.

To stay fast the batch grades a subset of the course (``HOSTILE_IDS``: layers, the ReLU sandwich, one optimizer,
one FullyConnectedNet case and the best-model cells) with short sandbox wall clocks (``LIMITS``).
"""
import contextlib
import io
import json
import os
import shutil
import socket
import threading
import zipfile

import numpy as np
import psutil
import pytest

from grading import autograde, demo
from grading.autograde import intake, sandbox
from grading.build.release import release_files
from grading.paths import ROOT
from tests.grader_helpers import processes_with

A = ["affine_forward_value", "affine_forward_nd_input", "affine_forward_float32"]  # layers.py
B = ["affine_backward_dx", "affine_backward_dw", "affine_backward_db", "affine_backward_nd_input"]  # layers.py
R = ["relu_forward_value", "relu_backward_value", "relu_backward_at_zero"]  # layers.py
RB = R[1:]  # relu_backward: where runaway code goes (two cases, so the limits cost little time)
U = ["affine_relu_forward_value"]  # layer_utils.py (calls affine_forward and relu_forward)
OPT = ["adam_bias_correction"]  # optim.py
F = ["FullyConnectedNet_scores"]  # fc_net.py (forward pass only)
M = ["FullyConnectedNet_best_model_file", "FullyConnectedNet_best_model_acc_40",
     "FullyConnectedNet_best_model_acc_48", "FullyConnectedNet_best_model_acc_52"]  # best_model.npz
HOSTILE_IDS = A + B + R + U + OPT + F + M
MODULES = A + B + R + U + OPT + F
FORWARD = A + U + F  # everything that uses affine_forward's output
LAYERS = A + B + R + U + F  # everything that needs layers.py
MARKER = "ch3-hostile-leftover-7781"  # in the command line of processes students try to leave behind
BWRAP = sandbox.isolation() == sandbox.BWRAP
LIMITS = sandbox.Limits(case_seconds=2.0, total_seconds=40.0, restarts=6)

inject = demo.inject
RIGHT_FORWARD = "out = x.reshape(x.shape[0], -1) @ w + b"
WRONG_FORWARD = "out = np.zeros((x.shape[0], w.shape[1]))"


# ----------------------------------------------------------------------------------------------- fabrication
def wrong_forward(source):
    return demo.patch(source, RIGHT_FORWARD, WRONG_FORWARD)


def npz(arrays, allow_pickle=False):
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=allow_pickle, **arrays)
    return buf.getvalue()


def npy_bytes(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def zip_of(files, extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in files.items():
            z.writestr(rel, data)
        for rel, data in extra:
            z.writestr(rel, data)
    return buf.getvalue()


CHILD_LEFT = f"""
import subprocess, sys
try:
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{MARKER}"], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
except Exception:
    pass
"""
DAEMON_THREAD = """
import threading
import time
threading.Thread(target=lambda: [time.sleep(0.01) for _ in iter(int, 1)], daemon=False).start()
"""
HUGE_OUTPUT = """
import os, sys
for _ in range(50):
    sys.stdout.write("x" * 1_000_000)
    sys.stderr.write("y" * 1_000_000)
    os.write(1, b"z" * 100_000)
"""
FORGE = """
import json, os
for fd in range(3, 40):
    for gid in {ids!r}:
        line = {{"job": [gid, 0], "status": "passed", "outputs": {{}}, "error": "", "warnings": []}}
        try:
            os.write(fd, (json.dumps(line) + "\\n").encode() + b'{{"done": true}}\\n')
        except OSError:
            pass
"""
MONKEYPATCH_NUMPY = """
import numpy
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), bool)
numpy.testing.assert_allclose = lambda *a, **k: None
"""
MONKEYPATCH_BUILTINS = """
import builtins
builtins.print = lambda *a, **k: None
builtins.exit = builtins.quit = lambda *a, **k: None
builtins.input = lambda *a, **k: "passed"
builtins.breakpoint = lambda *a, **k: None
"""
MONKEYPATCH_IPYTHON = """
try:
    import IPython.core.interactiveshell as shell
    shell.InteractiveShell.showtraceback = lambda *a, **k: None
    import IPython.core.ultratb as ultratb
    ultratb.VerboseTB.structured_traceback = lambda *a, **k: ["all passed"]
except Exception:
    pass
"""
PATCH_CHECKER = """
import utils.checks.engine as engine
engine.run_probe = lambda case_, module, seed: engine.Result("passed", {})
engine.verdict = lambda *a, **k: ("passed", [])
engine.compare = lambda *a, **k: []
"""
LIAR = """
class Liar(np.ndarray):
    def __eq__(self, other):
        return True
    def __array__(self, *a, **k):
        return np.full(self.shape, 42.0)
    def __float__(self):
        return 0.0
"""
READ_SOLUTIONS = """
import glob, os
found = glob.glob("/*/solutions/classifiers/chapter3/layers.py")[:3]
for path in ["{root}/solutions/classifiers/chapter3/layers.py", *found]:
    try:
        namespace = {{}}
        exec(open(path).read(), namespace)
        return namespace["affine_forward"](x, w, b)
    except Exception:
        pass
for path in ["{root}/grading/reference.py", "{root}/utils/checks/expected.json"]:
    try:
        open(path).read()
    except Exception:
        pass
"""
HARDCODE_VISIBLE = """
import json, base64
expected = json.load(open("utils/checks/expected.json"))["affine_forward_value"]["out"]
values = np.frombuffer(base64.b64decode(expected["data"]), "<f8").reshape(expected["shape"])
if values.shape == (x.shape[0], w.shape[1]):
    return values, (x, w)
"""
SITECUSTOMIZE = "import numpy\nnumpy.allclose = lambda *a, **k: True\nprint('sitecustomize ran')\n"
FAKE_UTILS = {
    "utils/checks/__init__.py": "def check(*a, **k):\n    print('passed')\n",
    "utils/checks/engine.py": "def verdict(*a, **k):\n    return 'passed', []\n",
    "utils/checks/expected.json": "{}",
}


def write_other_students(out_dir):
    return f"""
import glob, os
targets = glob.glob("{out_dir}/submissions/*/classifiers/chapter3/layers.py") + glob.glob("{out_dir}/results/*")
targets += glob.glob("/tmp/**/classifiers/chapter3/*.py", recursive=True)[:50]
for path in targets + ["{out_dir}/grades.csv", "../honest_complete/classifiers/chapter3/layers.py"]:
    try:
        with open(path, "w") as f:
            f.write("raise SystemExit")
    except Exception:
        pass
"""


def network(port):
    return f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"hidden tests please")
except Exception:
    pass
try:
    socket.create_connection(("pypi.org", 443), timeout=1)
except Exception:
    pass
"""


def notebook_edit(nb_text, how):
    """A release notebook edited the way a student might: grade cells deleted, duplicated, rewritten."""
    nb = json.loads(nb_text)
    grades = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    if how == "delete":
        nb["cells"] = [c for c in nb["cells"] if c not in grades]
    elif how == "duplicate":
        nb["cells"] += [json.loads(json.dumps(c)) for c in grades]
    else:  # points and test code changed, a fake "passed" output added
        for c in grades:
            c["metadata"]["nbgrader"]["points"] = 1000
            c["source"] = "print('✔ all checks passed')"
            if c["cell_type"] == "code":
                c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "✔ all checks passed\n"}]
    return json.dumps(nb)


def hostile_class(ref, release, model_bytes, model_dir, out_dir, port):
    """{student: (files {path: text/bytes/("symlink", target)} or None, failed cells, status)}.

    files are laid over the release tree; a name ending in ".zip" is a zip of the student's files instead of a
    folder. ``failed`` lists the cells that must score 0; every other cell must score its points.
    """
    mods = {f"classifiers/chapter3/{name}": text for name, text in ref.items()}
    model = f"assignments/{model_dir}/best_model.npz"
    complete = {**mods, model: model_bytes}

    def with_module(name, text, **extra):
        return {**complete, f"classifiers/chapter3/{name}": text, **extra}

    layers = ref["layers.py"]
    stub_layers = release["classifiers/chapter3/layers.py"].decode()
    nb01 = "assignments/01_affine_layer/01_affine_layer.ipynb"
    with np.load(io.BytesIO(model_bytes)) as saved:
        params = {k: saved[k] for k in saved.files}
    bomb_header = io.BytesIO()
    np.lib.format.write_array_header_1_0(bomb_header, {"descr": "<f8", "fortran_order": False,
                                                       "shape": (10**6, 10**6)})
    v0_header = io.BytesIO()
    np.lib.format.write_array_header_1_0(v0_header, {"descr": "|V0", "fortran_order": False, "shape": (10**15,)})
    inflating_header = io.BytesIO()
    np.lib.format.write_array_header_1_0(inflating_header, {"descr": "<f8", "fortran_order": False,
                                                            "shape": (3072, 10_000)})
    inflating = inflating_header.getvalue() + bytes(3072 * 10_000 * 8)
    rest = {f"{k}.npy": npy_bytes(v) for k, v in params.items() if k != "W1"}
    return {
        "honest_complete": (complete, [], "ok"),
        "honest_partial": ({"classifiers/chapter3/layers.py": layers}, U + OPT + F + M, "ok"),
        # runaway code: limits end it, the rest of the submission still counts
        "loop_forever": (with_module("layers.py", inject(layers, "relu_backward", "while True:\n    pass\n")),
                         RB, "timeout in layers.py"),
        "loop_at_import": (with_module("optim.py", ref["optim.py"] + "\nwhile True:\n    pass\n"), OPT,
                           "timeout in optim.py"),
        "ignores_signals": (with_module("layers.py", inject(layers, "relu_backward", """
            import signal
            for s in (signal.SIGTERM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP):
                signal.signal(s, signal.SIG_IGN)
            while True:
                pass
            """)), RB, "timeout in layers.py"),
        "memory_hog": (with_module("layers.py", inject(layers, "relu_backward", """
            hog = []
            while True:
                hog.append(np.empty(100_000_000))
            """)), RB, "memory in layers.py"),
        "huge_array": (with_module("layers.py", inject(layers, "relu_backward",
                                                       "np.ones((1 << 20, 1 << 20))\n")), RB, "memory in layers.py"),
        "child_left_running": (with_module("layers.py", inject(layers, "affine_forward", CHILD_LEFT)), [], "ok"),
        "thread_left_running": (with_module("layers.py", inject(layers, "affine_forward", DAEMON_THREAD)), [], "ok"),
        "os_exit": (with_module("layers.py", inject(layers, "relu_backward", "import os\nos._exit(0)\n")), RB,
                    "crash in layers.py"),
        "segfault": (with_module("layers.py", inject(layers, "relu_backward", "import ctypes\nctypes.string_at(0)\n")),
                     RB, "crash in layers.py"),
        "sys_exit": (with_module("layers.py", inject(layers, "relu_backward", "raise SystemExit(0)\n")), RB, "ok"),
        "recursion": (with_module("layers.py", inject(layers, "relu_backward",
                                                      "return relu_backward(dout, cache)\n")), RB, "ok"),
        "huge_output": (with_module("layers.py", inject(layers, "affine_forward", HUGE_OUTPUT)), [], "ok"),
        "writes_other_students": (with_module("layers.py", inject(layers, "affine_forward",
                                                                  write_other_students(out_dir))), [], "ok"),
        "network": (with_module("layers.py", inject(layers, "affine_forward", network(port))), [], "ok"),
        # cheating: the wrong forward pass stays wrong whatever else the code does
        "forged_results": ({"classifiers/chapter3/layers.py": FORGE.format(ids=MODULES) + stub_layers},
                           MODULES + M, "invalid output in layers.py"),
        "monkeypatch_numpy": (with_module("layers.py", MONKEYPATCH_NUMPY + wrong_forward(layers)), FORWARD, "ok"),
        "monkeypatch_builtins": (with_module("layers.py", MONKEYPATCH_BUILTINS + wrong_forward(layers)), FORWARD,
                                 "ok"),
        "monkeypatch_ipython": (with_module("layers.py", MONKEYPATCH_IPYTHON + wrong_forward(layers)), FORWARD, "ok"),
        "patches_checker": (with_module("layers.py", PATCH_CHECKER + wrong_forward(layers)), MODULES, "ok"),
        "lying_ndarray": (with_module("layers.py", demo.patch(
            wrong_forward(layers) + LIAR, "return out, (x, w)", "return out.view(Liar), (x, w)")), FORWARD, "ok"),
        "overrides_utils": ({**with_module("layers.py", wrong_forward(layers)), **FAKE_UTILS}, FORWARD, "ok"),
        "sitecustomize": ({**with_module("layers.py", wrong_forward(layers)), "sitecustomize.py": SITECUSTOMIZE,
                           "usercustomize.py": SITECUSTOMIZE, "classifiers/chapter3/sitecustomize.py": SITECUSTOMIZE,
                           "classifiers/chapter3/evil.pth": "import sitecustomize"}, FORWARD, "ok"),
        "reads_solutions": (with_module("layers.py", inject(wrong_forward(layers), "affine_forward",
                                                            READ_SOLUTIONS.format(root=ROOT))),
                            FORWARD, "ok"),
        "hardcodes_visible": (with_module("layers.py", inject(wrong_forward(layers), "affine_forward",
                                                              HARDCODE_VISIBLE)), FORWARD, "ok"),
        "own_init": ({**complete, "classifiers/chapter3/__init__.py": "raise SystemExit('no grading for you')\n",
                      "classifiers/__init__.py": "import os\nos._exit(1)\n"}, [], "ok"),
        # files that are not what they should be
        "symlink_file": ({**complete, "classifiers/chapter3/layers.py": ("symlink", "/etc/passwd")}, LAYERS, "ok"),
        "symlink_dir": ({model: model_bytes, "classifiers": ("symlink", "../honest_complete/classifiers")}, MODULES,
                        "ok"),
        "non_utf8": (with_module("layers.py", b"NAME = '\xe9\xfc'\n" + layers.encode()), LAYERS, "ok"),
        "latin1_comment": (with_module("layers.py", b"# \xe9\xfc\n" + layers.encode()), [], "ok"),
        "empty_files": ({**{rel: "" for rel in mods}, model: model_bytes}, MODULES, "ok"),
        "wrong_types": (with_module("layers.py", demo.patch(demo.patch(
            layers, "return out, (x, w)", "return 'out', {'x': x}"), "return dx, dw, db", "return {'dx': dx}")),
            FORWARD + B, "ok"),
        "nan_outputs": (with_module("layers.py", demo.patch(layers, "return dx, dw, db",
                                                            "return dx * np.nan, dw * np.nan, db * np.nan")), B, "ok"),
        "missing_files": ({}, MODULES + M, "ok"),
        "empty_submission": (None, MODULES + M, "no submission"),
        # notebooks: they never change a score
        "invalid_notebook": ({**complete, nb01: "{ this is not json"}, [],
                             "unreadable notebook (points unaffected): 01_affine_layer"),
        "deleted_grade_cells": ({**complete, nb01: ("edit", "delete")}, [], "ok"),
        "duplicated_grade_cells": ({**complete, nb01: ("edit", "duplicate")}, [], "ok"),
        "edited_points_and_tests": ({**complete, nb01: ("edit", "rewrite")}, [], "ok"),
        # the saved model, loaded by the grader itself
        "pickled_model": ({**complete, model: npz({**params, "W1": np.array([{"x": 1}], dtype=object)},
                                                  allow_pickle=True)}, M, "ok"),
        "wrong_shape_model": ({**complete, model: npz({**params, "W1": np.zeros((10, 10))})}, M, "ok"),
        "model_header_bomb": ({**complete, model: zip_of({"W1.npy": bomb_header.getvalue() + b"\0" * 64})}, M, "ok"),
        # 200 bytes declaring 10**15 zero-size items (numpy's loader loops 10**9 times), and 245 MiB of zeros in a
        # 250 KB archive: refused from their headers, the batch goes on, the grader's memory does not grow
        "model_v0_bomb": ({**complete, model: zip_of({"W1.npy": v0_header.getvalue(), **rest})}, M, "ok"),
        "model_inflates": ({**complete, model: zip_of({"W1.npy": inflating, **rest})}, M, "ok"),
        # archives
        "zip_traversal.zip": (complete, MODULES + M, "rejected: unsafe path in zip"),
        "zip_bomb.zip": (complete, MODULES + M, "rejected: zip bomb"),
        # ids: any valid file name keeps its work under a mapped id; a hidden folder is a rejected row
        "bad id!": (complete, [], "ok"),
        "李雷": (complete, [], "ok"),
        ".hidden": (complete, MODULES + M, "rejected: hidden folder (its name starts with a dot)"),
    }


def write_class(root, release, klass):
    for sid, (files, _, _) in klass.items():
        if sid.endswith(".zip"):
            merged = {**release, **{k: (v.encode() if isinstance(v, str) else v) for k, v in files.items()}}
            extra = [("../../escaped.py", b"x")] if sid == "zip_traversal.zip" else []
            if sid == "zip_bomb.zip":
                extra = [("classifiers/chapter3/optim.py", b"\0" * (64 << 20))]
                merged.pop("classifiers/chapter3/optim.py")
            (root / sid).write_bytes(zip_of(merged, extra))
            continue
        folder = root / sid
        folder.mkdir(parents=True)
        if files is None:
            continue
        for rel, data in {**release, **files}.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, tuple) and data[0] == "edit":
                data = notebook_edit(release[rel].decode(), data[1])
            if isinstance(data, tuple):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                path.unlink(missing_ok=True)
                path.symlink_to(data[1])
            elif not path.parent.is_symlink():
                path.write_bytes(data if isinstance(data, bytes) else data.encode())


def student_id(name):
    return intake.sanitise(name.removesuffix(".zip"))[0]


# ----------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def model_bytes():
    return demo.npz_bytes(demo.train_best_model())


@pytest.fixture(scope="module")
def release():
    return release_files("en")


@pytest.fixture
def listener():
    """A TCP server on loopback that counts connections (a student must not reach it)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    seen, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                seen.append(conn.recv(100))
                conn.close()
            except OSError:
                continue
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def leftovers():
    return processes_with(MARKER)


def grade(submissions, out, only=HOSTILE_IDS):
    """Grade with 2 workers; no gradebook, no feedback pages (nbconvert would take most of the time; the pages of
    hostile notebooks are rendered in tests/test_autograde.py)."""
    return autograde.autograde(submissions, out, workers=2, lang="en", only=only, limits=LIMITS, gradebook=False,
                               feedback=False, progress=False)


@contextlib.contextmanager
def peak_rss(every=0.02):
    """The largest RSS of this process seen while the block runs, sampled every ``every`` seconds: ``peak[0]``.

    ru_maxrss would be this test process's peak over its whole life, which other tests in the same xdist worker
    may have set."""
    me, peak, done = psutil.Process(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], me.memory_info().rss)
            done.wait(every)
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()
        peak[0] = max(peak[0], me.memory_info().rss)


def new_children(before):
    """Children of this process started since ``before`` and still running, except descendants of processes that
    were running then (a browser another test of this xdist worker keeps open starts helpers at any time) and
    multiprocessing's resource tracker (which lives as long as this process once any process pool has started)."""
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.pid in before or {a.pid for a in p.parents()} & before:
                continue
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE \
                    and "resource_tracker" not in " ".join(p.cmdline()):
                out.append((p.pid, p.cmdline()))
        except psutil.Error:
            continue
    return out


# ----------------------------------------------------------------------------------------------- the batch
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_hostile_class_in_one_batch(tmp_path, model_bytes, release, listener):
    port, connections = listener
    ref = demo.reference_sources()
    plan = autograde.make_plan("en", only=HOSTILE_IDS)
    assert sorted(c.grade_id for c in plan.auto_cells) == sorted(HOSTILE_IDS)
    model_dir = next(c.assignment for c in plan.cells if c.on_model)
    out = tmp_path / "out"
    klass = hostile_class(ref, release, model_bytes, model_dir, out, port)
    if not BWRAP:  # without bwrap a student's code can reach the network and the file system (see README)
        for name in ("network", "writes_other_students", "reads_solutions"):
            klass.pop(name)
    assert len(klass) >= 32
    subs = tmp_path / "class"
    subs.mkdir()
    write_class(subs, release, klass)
    before = {p.pid for p in psutil.Process().children(recursive=True)}

    with peak_rss() as peak:
        records, failures = grade(subs, out)

    assert failures == []
    assert peak[0] < 2**30, f"the grader's peak RSS passed 1 GiB: {peak[0] / 2**30:.2f} GiB"
    by_id = {r["student_id"]: r for r in records}
    assert sorted(by_id) == sorted(student_id(name) for name in klass)
    points = {c.grade_id: c.points for c in plan.auto_cells}
    problems = []
    for name, (_, failed, status) in klass.items():
        record = by_id[student_id(name)]
        expected = {gid: 0.0 if gid in failed else points[gid] for gid in points}
        if record["scores"] != expected or record["status"] != status:
            wrong = {g: (record["scores"][g], record["cells"][g][2]) for g in points
                     if record["scores"][g] != expected[g]}
            problems.append(f"{name}: status {record['status']!r} (expected {status!r}); cells off: {wrong}")
    assert not problems, "\n".join(problems)

    # the statuses of the cells the limits stopped
    assert {by_id["loop_forever"]["cells"][g][2] for g in RB} <= {"timeout", "not run"}
    assert by_id["segfault"]["cells"]["relu_backward_value"][2] == "crash"
    assert by_id["memory_hog"]["cells"]["relu_backward_value"][2] == "memory"
    assert by_id["huge_output"]["total"] == by_id["honest_complete"]["total"]

    # nothing escaped: no connection, no file outside the sandbox, no process left
    assert connections == []
    assert not (tmp_path / "escaped.py").exists() and not (subs.parent / "escaped.py").exists()
    assert leftovers() == []
    assert new_children(before) == []

    # the honest students get exactly what they get alone
    alone = tmp_path / "alone"
    alone.mkdir()
    write_class(alone, release, {k: klass[k] for k in ("honest_complete", "honest_partial")})
    solo, _ = grade(alone, tmp_path / "alone-out")
    for record in solo:
        assert by_id[record["student_id"]]["scores"] == record["scores"]
        assert by_id[record["student_id"]]["status"] == record["status"]
    assert (out / "submissions" / "honest_complete" / "classifiers/chapter3/layers.py").read_text() == ref["layers.py"]

    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(klass)
    assert os.path.getsize(out / "grades.csv") > 0
