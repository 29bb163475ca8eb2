"""Dask workers that hold nothing of the course: a real ``dask scheduler`` and ``dask worker`` processes on
loopback, started in an empty folder with no path to the repository, grade a class exactly as the grader does
locally; a worker whose environment differs, or that lacks bubblewrap, refuses with a message; no worker at all
stops the batch after a timeout; a killed process's scratch folders are removed by the next run."""
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from grading import autograde, demo
from grading.autograde import batch as batch_module
from grading.autograde import shipping
from grading.autograde.records import UNSANDBOXED
from grading.autograde.sandbox import on_worker

DASK = Path(sys.executable).with_name("dask")
ASSIGNMENT = "01_affine_layer"
KWARGS = {"workers": 2, "lang": "en", "only": [ASSIGNMENT], "gradebook": False, "feedback": False,
          "progress": False}


def bare_env(**extra):
    """This environment without PYTHONPATH (nothing of the repository), one BLAS thread, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "OPENBLAS_NUM_THREADS": "1", **extra}


@contextlib.contextmanager
def dask_cluster(folder, worker_envs):
    """``dask scheduler`` and one ``dask worker`` per environment in ``worker_envs``, each started in an empty
    folder; yields the scheduler's address once every worker has joined."""
    from distributed import Client

    folder.mkdir(parents=True)
    info = folder / "scheduler.json"
    procs = []

    def start(argv, env, cwd):
        cwd.mkdir()
        procs.append(subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    try:
        start([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
               info], bare_env(), folder / "scheduler")
        for _ in range(600):
            if info.exists() and info.read_text().strip():
                break
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        for i, env in enumerate(worker_envs):
            start([DASK, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--name",
                   f"w{i}", "--local-directory", folder / f"w{i}-dask"], env, folder / f"w{i}")
        if worker_envs:
            with Client(address, timeout=60) as client:
                client.wait_for_workers(len(worker_envs), timeout=120)
        yield address
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def release():
    from grading.build.release import release_files

    return release_files("en")


def small_class(root, release, students=("alice", "bob", "carol", "frank", "slow")):
    """Complete work, the release's stubs, a bug in affine_backward, an empty folder, a slow affine_backward."""
    ref = demo.reference_sources()
    work = {"alice": {f"classifiers/chapter3/{m}": t for m, t in ref.items()},
            "bob": {},
            "carol": {"classifiers/chapter3/layers.py": demo.patch(
                ref["layers.py"], "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T")},
            "frank": None,
            "slow": {"classifiers/chapter3/layers.py": demo.inject(ref["layers.py"], "affine_backward",
                                                                   "import time\ntime.sleep(0.3)\n")}}
    for sid in students:
        demo.write_student(root / sid, release, work[sid], ASSIGNMENT)
    return root


def outputs(out):
    """grades.csv and every record, as bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in [out / "grades.csv", *sorted((out / "results").glob("*.json"))]}


@pytest.fixture(scope="module")
def empty_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nothing")
    probe = subprocess.run([sys.executable, "-c", "import grading"], cwd=folder, env=bare_env(), capture_output=True)
    assert probe.returncode != 0 and b"No module named 'grading'" in probe.stderr
    return folder


def dead_process_scratch():
    """A scratch folder named after a process that has ended (a killed worker's leftover)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)"])
    name = f"{on_worker.SCRATCH_PREFIX}{proc.pid}-{on_worker._started(proc.pid)}-left0ver"
    proc.wait()
    folder = Path(tempfile.gettempdir()) / name
    (folder / "tmp").mkdir(parents=True)
    (folder / "tmp" / "x.npy").write_bytes(b"\0" * 100)
    return folder


def kill_a_busy_worker():
    """SIGKILL the Dask worker process of a task in flight (found by its scratch folder, which holds the bundle);
    returns (the prefixes of scratch folders named after it or its sandbox's processes, those processes)."""
    for _ in range(600):
        for folder in Path(tempfile.gettempdir()).glob(f"{on_worker.SCRATCH_PREFIX}*-*-*"):
            pid = int(folder.name.split("-")[2])
            if not (folder / "bundle").is_dir() or pid == os.getpid():
                continue
            with contextlib.suppress(psutil.Error):
                sandbox = psutil.Process(pid).children(recursive=True)
                if not any(on_worker.ENTRY in p.cmdline() for p in sandbox):
                    continue  # its sandbox has not started yet
                os.kill(pid, signal.SIGKILL)
                return [f"{on_worker.SCRATCH_PREFIX}{p}-" for p in [pid, *(p.pid for p in sandbox)]], sandbox
        time.sleep(0.05)
    raise AssertionError("no task ever started on a worker")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_workers_with_nothing_of_the_course_grade_as_the_grader_does(tmp_path, release, empty_folder):
    subs = small_class(tmp_path / "class", release)
    autograde.autograde(subs, tmp_path / "local", **KWARGS)
    leftover = dead_process_scratch()
    with dask_cluster(empty_folder / "ok", [bare_env(), bare_env()]) as address, ThreadPoolExecutor(1) as pool:
        graded = pool.submit(autograde.autograde, subs, tmp_path / "dask", scheduler=address, **KWARGS)
        killed, sandbox = kill_a_busy_worker()  # Dask runs its task again; the next task here removes its folder
        records, failures = graded.result()
    assert failures == []
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    scores = {r["student_id"]: (r["total"], r["sandbox"]) for r in records}
    assert scores == {"alice": (10.0, "bwrap"), "bob": (0.0, "bwrap"), "carol": (9.0, "bwrap"),
                      "frank": (0.0, "bwrap"), "slow": (10.0, "bwrap")}
    assert not leftover.exists()  # the first task on this machine removed the dead process's scratch folder
    assert [f.name for f in Path(tempfile.gettempdir()).iterdir() if f.name.startswith(tuple(killed))] == []
    assert sandbox and not [p for p in sandbox if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def no_bwrap_env(folder):
    """A worker's environment where bwrap cannot be found (PATH holds an empty folder)."""
    (folder / "bin").mkdir()
    return bare_env(PATH=str(folder / "bin"))


def other_numpy_env(folder):
    """A worker's environment whose NumPy reports another version (its metadata comes first on the path)."""
    meta = folder / "site" / "numpy-1.0.0.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: numpy\nVersion: 1.0.0\n")
    return bare_env(PYTHONPATH=str(folder / "site"))


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.filterwarnings("ignore::distributed.versions.VersionMismatchWarning")  # Dask's own: it sees NumPy 1.0.0
@pytest.mark.parametrize(("make_env", "why"), [
    (no_bwrap_env, "bubblewrap (bwrap) does not work on this worker"),
    (other_numpy_env, "its environment differs from the grader's: NumPy 1.0.0 where the grader has "),
])
def test_a_worker_that_differs_refuses_and_the_batch_stops(tmp_path, release, empty_folder, make_env, why):
    subs = small_class(tmp_path / "class", release, students=("alice",))
    env = make_env(tmp_path)
    with dask_cluster(tmp_path / "cluster", [env]) as address:
        with pytest.raises(shipping.WorkerRefused) as refused:
            autograde.autograde(subs, tmp_path / "refused", scheduler=address, **KWARGS)
        assert list((tmp_path / "refused" / "results").glob("*.json")) == []  # nobody scored
        message = str(refused.value)
        assert message.startswith("Dask worker tcp://127.0.0.1:") and why in message
        assert "restart the worker, or stop it" in message
        if make_env is no_bwrap_env:  # allowed to run unsandboxed, the worker grades: its label is in the record
            records, _ = autograde.autograde(subs, tmp_path / "allowed", scheduler=address, allow_unsandboxed=True,
                                             **KWARGS)
            assert [(r["total"], r["sandbox"]) for r in records] == [(10.0, "rlimits-only")]
            assert records[0]["status"].endswith(UNSANDBOXED) and records[0]["limits"].startswith("rlimits-only")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_no_worker_stops_the_batch_after_the_timeout(tmp_path, release, empty_folder, monkeypatch):
    subs = small_class(tmp_path / "class", release, students=("alice",))
    monkeypatch.setenv(batch_module.TIMEOUT_VAR, "3")
    with dask_cluster(tmp_path / "cluster", []) as address:
        start = time.monotonic()
        with pytest.raises(shipping.NoWorkers) as none:
            autograde.autograde(subs, tmp_path / "out", scheduler=address, **KWARGS)
        assert time.monotonic() - start < 30
    assert str(none.value).startswith(f"no Dask worker joined the scheduler {address} within 3 s")
    assert f"`dask worker {address}`" in str(none.value)


def test_stale_scratch_folders_go_and_live_ones_stay(tmp_path):
    mine = on_worker.scratch_dir()  # this process's: alive
    dead = dead_process_scratch()
    other = Path(tempfile.gettempdir()) / f"{on_worker.SCRATCH_PREFIX}not-ours"
    other.mkdir(exist_ok=True)
    try:
        removed = on_worker.remove_stale_scratch()
        assert dead.name in removed and not dead.exists()
        assert mine.is_dir() and other.is_dir()
    finally:
        for folder in (mine, other):
            folder.rmdir()


def test_the_bundle_holds_the_sandbox_and_utils_and_nothing_private():
    import io
    import zipfile

    data, digest = shipping.bundle()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "grading/autograde/sandbox/runner.py" in names and "utils/checks/engine.py" in names
    assert "grading/status.py" in names and "grading/paths.py" in names
    assert not [n for n in names if n.startswith(("solutions/", "grading/reference", "grading/secret"))]
    assert not [n for n in names if n.startswith("grading/") and n.count("/") == 1
                and n not in ("grading/__init__.py", "grading/status.py", "grading/paths.py")]
    assert shipping.bundle() == (data, digest)
    task = shipping.task({}, [("affine_forward_value", 1)], {"affine_forward_value": ["layers.py", ["layers.py"]]})
    assert task["version"] == on_worker.version(task["environment"])
    assert task["environment"]["bundle"] == digest


def test_the_shipped_sandbox_gives_the_local_runs(tmp_path):
    from grading.autograde import make_plan, runs

    ref = demo.reference_sources()
    ref["layers.py"] = demo.patch(ref["layers.py"], "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T")
    files = {f"classifiers/chapter3/{m}": t.encode() for m, t in ref.items()}
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    jobs = make_plan("en", [ASSIGNMENT]).jobs
    shipped = runs.decode_remote(runs.remote_module_runs(files, jobs))
    local = runs.module_runs(tmp_path, jobs)
    assert shipped.keys() == local.keys() == set(jobs)
    for job, result in local.items():
        assert (shipped[job].status, shipped[job].error) == (result.status, result.error)
        assert shipped[job].outputs.keys() == result.outputs.keys()
        for name, value in result.outputs.items():
            assert shipped[job].outputs[name].data.tobytes() == value.data.tobytes()
    assert {local[j].status for j in jobs} == {"passed"}  # the bug shows in the verdict, not in the run
