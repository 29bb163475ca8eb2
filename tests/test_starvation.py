"""CPU and memory a submission cannot take from its neighbours: sixty busy processes are stopped within seconds
(cgroup v2 cpu.max where it works, else the sandbox's CPU meter over the child's fresh uid), and an honest student
graded beside them finishes within twice their time alone, with the same points; shared memory dies with the
child."""
import subprocess
import time

import pytest

from grading import autograde, demo
from grading.autograde import sandbox, student
from grading.autograde.cgroups import availability
from tests.grader_helpers import processes_with

IDS = ["affine_forward_value", "affine_backward_dx", "relu_forward_value", "relu_backward_value",
       "affine_relu_forward_value"]
LIMITS = sandbox.Limits(case_seconds=20.0, total_seconds=90.0)
MARKER = "ch3-busy-hog-9142"
HOGS = f"""
import subprocess, sys
for _ in range(60):
    try:
        subprocess.Popen([sys.executable, "-c", "while True: pass", "{MARKER}"], start_new_session=True)
    except Exception:
        break
while True:
    pass
"""
SHM = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for _ in range(8):
    seg = libc.shmget(0, 256 * 1024 * 1024, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
    if seg < 0:
        break
    libc.shmat.restype = ctypes.c_void_p
    addr = libc.shmat(seg, None, 0)
    if addr not in (None, ctypes.c_void_p(-1).value):
        ctypes.memset(addr, 1, 256 * 1024 * 1024)
"""


def write(root, sources):
    layers = demo.reference_sources()["layers.py"]
    for sid, extra in sources.items():
        path = root / sid / "classifiers" / "chapter3" / "layers.py"
        path.parent.mkdir(parents=True)
        path.write_text(demo.inject(layers, "relu_backward", extra) if extra else layers)
    return root


def timed_batch(tmp_path, name, sources, monkeypatch):
    seconds = {}
    real = student.student_runs

    def timed(batch, sub, remote=None):
        start = time.monotonic()
        try:
            return real(batch, sub, remote)
        finally:
            seconds[sub.student_id] = time.monotonic() - start
    monkeypatch.setattr(student, "student_runs", timed)
    records, failures = autograde.autograde(write(tmp_path / name, sources), tmp_path / f"{name}-out", workers=2,
                                            lang="en", only=IDS, limits=LIMITS, gradebook=False, feedback=False,
                                            progress=False)
    assert failures == []
    return {r["student_id"]: r for r in records}, seconds


def hogs():
    return processes_with(MARKER)


@pytest.mark.timeout(600)
def test_sixty_busy_processes_do_not_starve_the_neighbour(tmp_path, monkeypatch):
    alone, solo = timed_batch(tmp_path, "alone", {"honest": None}, monkeypatch)
    both, side = timed_batch(tmp_path, "both", {"honest": None, "hogs": HOGS}, monkeypatch)
    assert hogs() == []
    assert both["honest"]["scores"] == alone["honest"]["scores"] and both["honest"]["status"] == "ok"
    assert both["hogs"]["scores"]["relu_backward_value"] == 0.0
    assert both["hogs"]["status"] == "timeout in layers.py"
    assert side["hogs"] < LIMITS.case_seconds  # stopped for its CPU use within seconds, not by the case deadline
    assert side["honest"] < 2 * solo["honest"], (side, solo)


def shm_segments():
    """The ids of the machine's System V shared memory segments (other processes' may come and go meanwhile)."""
    out = subprocess.run(["ipcs", "-m"], capture_output=True, text=True).stdout
    return {line.split()[1] for line in out.splitlines() if line.startswith("0x")}


@pytest.mark.timeout(300)
def test_shared_memory_dies_with_the_child(tmp_path, monkeypatch):
    before = shm_segments()
    both, _ = timed_batch(tmp_path, "shm", {"honest": None, "shm": SHM}, monkeypatch)
    assert shm_segments() - before == set()  # none made by the batch is left
    assert both["honest"]["status"] == "ok"


MEMFD = """
import mmap, os
fd = os.memfd_create("hog")
os.ftruncate(fd, 3 << 30)
view = mmap.mmap(fd, 3 << 30)
for i in range(0, 3 << 30, 4096):
    view[i] = 1
"""


@pytest.mark.timeout(300)
@pytest.mark.skipif(availability().base is None, reason=f"no cgroup v2 limits here: {availability().reason}")
def test_memfd_pages_count_against_the_memory_limit(tmp_path, monkeypatch):
    """3 GiB of memfd pages, past a 2 GiB RLIMIT_AS: only a cgroup's memory.max sees them."""
    both, _ = timed_batch(tmp_path, "memfd", {"honest": None, "memfd": MEMFD}, monkeypatch)
    assert both["memfd"]["status"] == "memory in layers.py"
    assert both["memfd"]["scores"]["relu_backward_value"] == 0.0 and both["honest"]["status"] == "ok"
