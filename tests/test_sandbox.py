"""The grading sandbox against hostile submissions.

Each test grades a student tree (the reference modules, one of them made hostile) on real cases with the hidden
seeds and asserts the exact status of every case after ``engine.verdict``: nothing hostile earns a point, the
correct work beside it is still credited, and no process outlives the grading.
"""
import os
import shutil
import socket
import textwrap
import time
import uuid

import psutil
import pytest

from grading.autograde import sandbox
from grading.paths import REFERENCE_PACKAGE, ROOT, STUB_PACKAGE
from grading.reference import expected_outputs, hidden_seeds
from grading.status import NotRun
from utils.checks.engine import CASES, decode, verdict

CASE_IDS = ("affine_forward_value", "affine_backward_dx", "sgd_update")  # layers.py twice, optim.py once
PASS = ["passed", "passed"]
ALL_PASS = {grade_id: PASS for grade_id in CASE_IDS}
FAST = sandbox.Limits(case_seconds=3.0, total_seconds=60.0)
HAS_BWRAP = sandbox.isolation() == sandbox.BWRAP
needs_bwrap = pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap does not work here")
ORIGINAL = "_original_affine_forward = affine_forward\n"  # appended code may call the correct function


# ----------------------------------------------------------------------------------------------- helpers
@pytest.fixture(params=[sandbox.BWRAP, sandbox.RLIMITS_ONLY])
def mode(request, monkeypatch):
    """Run the test with bubblewrap and again with the rlimits-only fallback."""
    if request.param == sandbox.BWRAP and not HAS_BWRAP:
        pytest.skip("bubblewrap does not work here")
    monkeypatch.setattr(sandbox, "isolation", lambda: request.param)
    return request.param


@pytest.fixture(autouse=True)
def nothing_left_behind():
    """After every test, no process started by this test's sandboxes is alive."""
    yield
    deadline = time.monotonic() + 2
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == []


def own_sandbox_processes():
    prefix = f"{os.getpid()}-"
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(sandbox.TOKEN_VAR, "").startswith(prefix) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def processes_with(marker):
    """Live processes whose command line contains ``marker``."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if marker in " ".join(proc.info["cmdline"] or []) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def reference_tree(tmp_path):
    """A student tree holding the reference modules (a complete, correct submission)."""
    tree = tmp_path / "student"
    shutil.copytree(REFERENCE_PACKAGE, tree / "classifiers", ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def module_path(tree, module):
    return tree / "classifiers" / "chapter3" / f"{module}.py"


def append(tree, module, *codes):
    """Append ``codes`` to a student module (a def there replaces the reference's)."""
    path = module_path(tree, module)
    text = "".join("\n\n" + textwrap.dedent(code) for code in codes)
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def grade(tree, limits=None, case_ids=CASE_IDS):
    """({grade_id: [verdict status per hidden seed]}, raw results) of the cases on ``tree``."""
    jobs = [(grade_id, seed) for grade_id in case_ids for seed in hidden_seeds(grade_id)]
    results = sandbox.run_cases(tree, jobs, limits or sandbox.Limits())
    assert list(results) == jobs
    statuses = {}
    for (grade_id, seed), result in results.items():
        expected = expected_outputs(grade_id, seed)
        status, _ = verdict(CASES[grade_id], result, decode(expected) if expected else None, seed)
        statuses.setdefault(grade_id, []).append(status)
    return statuses, results


def errors(results, grade_id):
    """Each run's error, or for a run the sandbox never started (NotRun) why not."""
    return [r.because if isinstance(r, NotRun) else r.error for (g, _), r in results.items() if g == grade_id]


# ------------------------------------------------------------------------------------------ ordinary trees
def test_correct_tree_passes_every_case(tmp_path):
    case_ids = sorted(g for g in CASES if CASES[g].judge is None)
    statuses, _ = grade(reference_tree(tmp_path), case_ids=case_ids)
    assert statuses == {grade_id: PASS for grade_id in case_ids}


def test_rlimits_only_fallback_grades_a_correct_tree(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "isolation", lambda: sandbox.RLIMITS_ONLY)
    assert grade(reference_tree(tmp_path))[0] == ALL_PASS


def test_stubs_are_not_attempted(tmp_path):
    tree = tmp_path / "student"
    shutil.copytree(STUB_PACKAGE, tree / "classifiers", ignore=shutil.ignore_patterns("__pycache__"))
    statuses, results = grade(tree)
    assert statuses == {grade_id: ["not attempted"] * 2 for grade_id in CASE_IDS}


def test_missing_classifiers_folder_is_not_attempted(tmp_path):
    (tmp_path / "student").mkdir()
    statuses, results = grade(tmp_path / "student")
    assert statuses == {grade_id: ["not attempted"] * 2 for grade_id in CASE_IDS}
    assert {r.error for r in results.values()} == {"classifiers/chapter3/ holds none of the chapter's modules"}


def test_missing_module_is_not_attempted_and_others_pass(tmp_path):
    tree = reference_tree(tmp_path)
    module_path(tree, "optim").unlink()
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "sgd_update": ["not attempted"] * 2}
    assert errors(results, "sgd_update") == ["classifiers/chapter3/optim.py is missing"] * 2


def test_unknown_case_is_a_caller_error(tmp_path):
    with pytest.raises(ValueError, match="no_such_case"):
        sandbox.run_cases(reference_tree(tmp_path), [("no_such_case", 1)])


# -------------------------------------------------------------------------------------------- broken files
def test_syntax_error_names_file_and_line_and_other_modules_pass(tmp_path):
    tree = reference_tree(tmp_path)
    path = module_path(tree, "optim")
    path.write_text("x = (\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "sgd_update": ["error", "error"]}
    assert all(e.startswith("SyntaxError in optim.py line 1: ") for e in errors(results, "sgd_update"))


def test_empty_module_is_an_error(tmp_path):
    tree = reference_tree(tmp_path)
    module_path(tree, "layers").write_text("", encoding="utf-8")
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "affine_forward_value": ["error"] * 2, "affine_backward_dx": ["error"] * 2}
    assert errors(results, "affine_forward_value") == ["AttributeError: layers.py does not define affine_forward"] * 2


def test_non_utf8_module_is_an_error(tmp_path):
    tree = reference_tree(tmp_path)
    path = module_path(tree, "optim")
    path.write_bytes(b"\xff\xfe\x00\x81 not text\n" + path.read_bytes())
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "sgd_update": ["error", "error"]}
    assert all(e.startswith("SyntaxError in optim.py") for e in errors(results, "sgd_update"))


def test_links_and_fifos_are_not_followed(tmp_path):
    tree = reference_tree(tmp_path)
    module_path(tree, "layers").unlink()
    module_path(tree, "layers").symlink_to(REFERENCE_PACKAGE / "chapter3" / "layers.py")
    module_path(tree, "optim").unlink()
    os.mkfifo(module_path(tree, "optim"))
    statuses, results = grade(tree)
    assert statuses == {grade_id: ["error"] * 2 for grade_id in CASE_IDS}
    assert set(errors(results, "affine_forward_value")) == {
        "classifiers/chapter3/layers.py is not a regular file (links are not followed)"}
    assert set(errors(results, "sgd_update")) == {"classifiers/chapter3/optim.py is not a regular file"}


def test_sitecustomize_and_usercustomize_are_ignored(tmp_path):
    tree = reference_tree(tmp_path)
    for folder in (tree, tree / "classifiers", tree / "classifiers" / "chapter3"):
        for name in ("sitecustomize.py", "usercustomize.py"):
            (folder / name).write_text("import os\nos._exit(13)\n", encoding="utf-8")
    assert grade(tree)[0] == ALL_PASS


# ---------------------------------------------------------------------------------------------- run away
def test_infinite_loop_in_a_function_times_out(tmp_path, mode):
    tree = reference_tree(tmp_path)
    append(tree, "layers", """
        def affine_backward(dout, cache):
            while True:
                pass
    """)
    statuses, results = grade(tree, FAST)
    assert statuses == {**ALL_PASS, "affine_backward_dx": ["timeout", "timeout"]}
    assert errors(results, "affine_backward_dx") == [
        "killed after 3 s (infinite loop?)", "this case already ended with timeout on other inputs"]


def test_infinite_loop_at_import_only_breaks_that_module(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "optim", "while True:\n    pass\n")
    statuses, results = grade(tree, FAST)
    assert statuses == {**ALL_PASS, "sgd_update": ["timeout", "timeout"]}
    assert set(errors(results, "sgd_update")) == {
        "optim.py took more than 3 s to import (infinite loop at import time?)"}


def test_total_time_limit_stops_the_submission(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "layers", "def affine_forward(x, w, b):\n    while True:\n        pass\n")
    append(tree, "optim", "def sgd(w, dw, config=None):\n    while True:\n        pass\n")
    start = time.monotonic()
    statuses, results = grade(tree, sandbox.Limits(case_seconds=2.0, total_seconds=3.0))
    assert time.monotonic() - start < 6
    assert statuses == {grade_id: ["timeout", "timeout"] for grade_id in CASE_IDS}
    skipped = results[("sgd_update", hidden_seeds("sgd_update")[1])]
    assert isinstance(skipped, NotRun) and skipped.because == "the submission used up its 3 s"


def test_cpu_limit_kills_a_busy_loop(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "layers", """
        def affine_backward(dout, cache):
            while True:
                pass
    """)
    statuses, results = grade(tree, sandbox.Limits(case_seconds=15.0, cpu_seconds=2))
    assert statuses == {**ALL_PASS, "affine_backward_dx": ["crash", "crash"]}
    assert errors(results, "affine_backward_dx")[0] == "the process used up its CPU time while running this case"


def test_memory_hog_gets_memory_status_fast(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "layers", """
        def affine_forward(x, w, b):
            hog = [np.empty(2**25) for _ in range(64)]  # 256 MiB each, 16 GiB in all
            return hog, None
    """)
    start = time.monotonic()
    statuses, results = grade(tree, sandbox.Limits(memory_bytes=1024**3))
    assert time.monotonic() - start < 20
    assert statuses == {**ALL_PASS, "affine_forward_value": ["memory"] * 2, "affine_backward_dx": ["memory"] * 2}
    assert "MemoryError: Unable to allocate" in errors(results, "affine_forward_value")[0]


@needs_bwrap  # the fallback cannot hold a fork bomb when the grader runs as root
def test_fork_bomb_is_limited_and_cleaned_up(tmp_path):
    marker = f"{4000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"
    tree = reference_tree(tmp_path)
    append(tree, "layers", ORIGINAL, f"""
        def affine_forward(x, w, b):
            import os
            for _ in range(1000):
                if os.fork() == 0:
                    os.execv("/bin/sleep", ["sleep", "{marker}"])
            return _original_affine_forward(x, w, b)
    """)
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "affine_forward_value": ["error"] * 2, "affine_backward_dx": ["error"] * 2}
    assert errors(results, "affine_forward_value")[0].startswith(
        "BlockingIOError: [Errno 11] Resource temporarily unavailable")
    assert processes_with(marker) == []


def test_processes_left_running_are_killed(tmp_path, mode):
    marker = f"{5000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"
    tree = reference_tree(tmp_path)
    append(tree, "optim", f"""
        import os as _os
        import subprocess as _subprocess
        import time as _time

        _subprocess.Popen(["/bin/sleep", "{marker}"], start_new_session=True)
        if _os.fork() == 0:  # a copy of the runner: it holds the result pipe open
            _os.setsid()
            _time.sleep(1000)
            _os._exit(0)
    """)
    assert grade(tree)[0] == ALL_PASS
    assert processes_with(marker) == []


# ------------------------------------------------------------------------------------------- dying children
def test_os_exit_in_a_probe_is_a_crash(tmp_path, mode):
    tree = reference_tree(tmp_path)
    append(tree, "layers", "def affine_backward(dout, cache):\n    import os\n    os._exit(0)\n")
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "affine_backward_dx": ["crash", "crash"]}
    assert errors(results, "affine_backward_dx")[0] == (
        "the process exited (code 0: os._exit or sys.exit?) while running this case")


def test_os_exit_at_import_only_breaks_that_module(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "optim", "import os\nos._exit(0)\n")
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "sgd_update": ["crash", "crash"]}
    assert set(errors(results, "sgd_update")) == {
        "the process exited (code 0: os._exit or sys.exit?) while importing optim.py"}


def test_segfault_is_a_crash(tmp_path, mode):
    tree = reference_tree(tmp_path)
    append(tree, "layers", "def affine_backward(dout, cache):\n    import ctypes\n    ctypes.string_at(0)\n")
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "affine_backward_dx": ["crash", "crash"]}
    assert errors(results, "affine_backward_dx")[0] == (
        "the process crashed (segmentation fault) while running this case")


def test_system_exit_in_a_probe_is_an_error(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "optim", "def sgd(w, dw, config=None):\n    raise SystemExit(3)\n")
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "sgd_update": ["error", "error"]}
    assert errors(results, "sgd_update") == ["SystemExit: 3"] * 2


# ----------------------------------------------------------------------------------------- output and files
def test_huge_prints_are_discarded_and_cases_still_graded(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "layers", ORIGINAL, """
        def affine_forward(x, w, b):
            import os
            import sys
            for _ in range(50):
                print("x" * 1_000_000)
                sys.stderr.write("y" * 1_000_000)
            os.write(1, b"z" * 20_000_000)
            os.write(2, b"z" * 20_000_000)
            return _original_affine_forward(x, w, b)
    """)
    assert grade(tree)[0] == ALL_PASS


def test_flooding_the_result_channel_is_invalid_output(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "optim", """
        _original_sgd = sgd

        def sgd(w, dw, config=None):
            import os
            for fd in range(3, 64):
                try:
                    os.write(fd, b"x" * 2_000_000)
                except OSError:
                    pass
            return _original_sgd(w, dw, config)
    """)
    statuses, results = grade(tree, sandbox.Limits(output_bytes=1024**2))
    assert statuses == {**ALL_PASS, "sgd_update": ["invalid output"] * 2}
    assert errors(results, "sgd_update")[0] == f"the process sent more than {1024**2} bytes to the grader"


def test_writing_a_huge_file_hits_the_file_size_limit(tmp_path, mode):
    tree = reference_tree(tmp_path)
    append(tree, "optim", """
        def sgd(w, dw, config=None):
            with open("big.bin", "wb") as f:
                for _ in range(1024):
                    f.write(b"x" * 1024**2)
            return w, config
    """)
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "sgd_update": ["error", "error"]}
    assert "File too large" in errors(results, "sgd_update")[0]


@needs_bwrap
def test_writes_outside_the_scratch_do_not_land(tmp_path):
    targets = [tmp_path / "outside.txt", ROOT / f"escaped-{uuid.uuid4().hex}.txt",
               tmp_path.parent / f"escaped-{uuid.uuid4().hex}.txt"]
    tree = reference_tree(tmp_path)
    append(tree, "layers", ORIGINAL, f"""
        def affine_forward(x, w, b):
            for target in {[str(t) for t in targets]!r}:
                try:
                    with open(target, "w") as f:
                        f.write("escaped")
                except OSError:
                    pass
            return _original_affine_forward(x, w, b)
    """)
    try:
        assert grade(tree)[0] == ALL_PASS
        assert [t for t in targets if t.exists()] == []
    finally:
        for target in targets:
            target.unlink(missing_ok=True)


def test_deleting_the_trusted_files_changes_nothing(tmp_path, mode):
    tree = reference_tree(tmp_path)
    append(tree, "layers", """
        import os as _os
        import shutil as _shutil

        for _target in ("utils/checks/cases", "utils/checks/engine.py", "runner.py"):
            try:
                _shutil.rmtree(_target) if _os.path.isdir(_target) else _os.remove(_target)
            except OSError:
                pass
        try:
            with open("utils/checks/engine.py", "w") as _f:
                _f.write("raise SystemExit")
        except OSError:
            pass
    """)
    # the import-time loop in optim forces a second child, which must find its trusted files intact
    append(tree, "optim", "while True:\n    pass\n")
    statuses, _ = grade(tree, FAST)
    assert statuses == {**ALL_PASS, "sgd_update": ["timeout", "timeout"]}


# ------------------------------------------------------------------------------------- reaching outside
@pytest.fixture
def listening_port():
    """A TCP port on the grader's loopback that accepts connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


def test_no_network(tmp_path, mode, listening_port):
    """The hostile function answers wrongly when it reaches a server on the grader's loopback."""
    tree = reference_tree(tmp_path)
    append(tree, "layers", ORIGINAL, f"""
        def affine_forward(x, w, b):
            import socket
            try:
                socket.create_connection(("127.0.0.1", {listening_port}), timeout=2).close()
                reached = True
            except OSError:
                reached = False
            out, cache = _original_affine_forward(x, w, b)
            return (out + 1.0 if reached else out), cache
    """)
    statuses, _ = grade(tree, case_ids=["affine_forward_value"])
    # the fallback has no network isolation: the same code is caught reaching out there, proving the test bites
    assert statuses == {"affine_forward_value": PASS if mode == sandbox.BWRAP else ["failed", "failed"]}


def test_solutions_are_not_readable(tmp_path, mode):
    """The hostile function answers correctly only if it can read the reference solution."""
    solution = REFERENCE_PACKAGE / "chapter3" / "layers.py"
    tree = reference_tree(tmp_path)
    append(tree, "layers", f"""
        def affine_forward(x, w, b):
            try:
                with open({str(solution)!r}) as f:
                    source = f.read()
            except OSError:
                return np.zeros((x.shape[0], w.shape[1])), None
            namespace = {{}}
            exec(compile(source, "reference", "exec"), namespace)
            return namespace["affine_forward"](x, w, b)
    """)
    statuses, _ = grade(tree, case_ids=["affine_forward_value"])
    # the fallback cannot hide files: there the same code succeeds, proving the test bites
    assert statuses == {"affine_forward_value": ["failed", "failed"] if mode == sandbox.BWRAP else PASS}


# --------------------------------------------------------------------------------------------- lying code
def test_monkeypatching_json_numpy_builtins_and_checker_changes_nothing(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "layers", """
        import builtins as _builtins
        import json as _json
        import os as _os

        import utils.checks.engine as _engine

        _real_dumps = _json.dumps


        def _fake_dumps(obj, *args, **kwargs):
            if isinstance(obj, dict) and "job" in obj:
                obj = dict(obj, status="passed", error="", outputs={})
            return _real_dumps(obj, *args, **kwargs)


        _json.dumps = _fake_dumps
        _os.write = lambda fd, data: len(data)
        _builtins.print = lambda *args, **kwargs: None
        np.allclose = lambda *args, **kwargs: True
        np.testing.assert_allclose = lambda *args, **kwargs: None
        _engine.compare = lambda *args, **kwargs: []
        _engine.verdict = lambda *args, **kwargs: ("passed", [])


        def affine_forward(x, w, b):
            return np.zeros((x.shape[0], w.shape[1])), (x, w)
    """)
    statuses, _ = grade(tree)
    assert statuses == {**ALL_PASS, "affine_forward_value": ["failed", "failed"]}


def test_forged_result_lines_cannot_pass(tmp_path):
    """A forged result with well-formed outputs is judged like any output; one that does not decode is invalid."""
    affine_jobs = [[grade_id, seed] for grade_id in CASE_IDS[:2] for seed in hidden_seeds(grade_id)]
    tree = reference_tree(tmp_path)
    append(tree, "layers", ORIGINAL, f"""
        _calls = []


        def affine_forward(x, w, b):  # called once per job, in job order: forge the result of the running job
            import json
            import os
            zeros = {{"dtype": "float64", "shape": [2], "data": "AAAAAAAAAAAAAAAAAAAAAA=="}}
            line = json.dumps({{"job": {affine_jobs!r}[len(_calls)], "status": "passed", "error": "",
                               "outputs": {{"out": zeros, "dx": zeros}}, "warnings": []}}) + "\\n"
            _calls.append(1)
            for fd in range(3, 64):
                try:
                    os.write(fd, line.encode())
                except OSError:
                    pass
            return _original_affine_forward(x, w, b)
    """)
    append(tree, "optim", f"""
        _original_sgd = sgd


        def sgd(w, dw, config=None):
            import os
            for seed in {hidden_seeds("sgd_update")!r}:
                line = '{{"job": ["sgd_update", %d], "status": "passed", "outputs": "garbage", "error": "", ' \\
                       '"warnings": []}}\\n' % seed
                for fd in range(3, 64):
                    try:
                        os.write(fd, line.encode())
                    except OSError:
                        pass
            return _original_sgd(w, dw, config)
    """)
    statuses, _ = grade(tree)
    assert statuses == {"affine_forward_value": ["failed", "failed"], "affine_backward_dx": ["failed", "failed"],
                        "sgd_update": ["invalid output", "invalid output"]}


def test_junk_in_the_result_channel_is_invalid_output(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "optim", """
        _original_sgd = sgd


        def sgd(w, dw, config=None):
            import os
            for fd in range(3, 64):
                try:
                    os.write(fd, b"not a result\\n")
                except OSError:
                    pass
            return _original_sgd(w, dw, config)
    """)
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "sgd_update": ["invalid output", "invalid output"]}
    assert set(errors(results, "sgd_update")) == {
        "the process wrote something that is not a result into the grader's channel"}


def test_lying_ndarray_subclass_is_judged_by_its_numbers(tmp_path):
    tree = reference_tree(tmp_path)
    append(tree, "layers", """
        class _Liar(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(other), dtype=bool)

            def __ne__(self, other):
                return np.zeros(np.shape(other), dtype=bool)

            def __array__(self, dtype=None, copy=None):
                return np.full(self.shape, 1.0)

            def tolist(self):
                return [[1.0] * self.shape[1]] * self.shape[0]


        def affine_forward(x, w, b):
            return np.zeros((x.shape[0], w.shape[1])).view(_Liar), (x, w)
    """)
    statuses, results = grade(tree)
    assert statuses == {**ALL_PASS, "affine_forward_value": ["failed", "failed"]}
    out = results[("affine_forward_value", hidden_seeds("affine_forward_value")[0])].outputs["out"]
    assert out.data.dtype == "float64" and type(out.data) is __import__("numpy").ndarray and not out.data.any()


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_installed_bubblewrap_is_used():
    """Where bwrap is installed (CI installs it), the sandbox must not fall back silently, wherever the venv is."""
    assert sandbox.isolation() == sandbox.BWRAP
