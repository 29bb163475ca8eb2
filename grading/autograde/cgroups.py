"""One cgroup v2 per student child: memory (shared memory included), processes and CPU bounded by the kernel.

RLIMIT_AS bounds one process's address space, not what a submission holds: memfd pages and SysV shared-memory
segments live outside it (4 GB each past a 2 GiB RLIMIT_AS), sixty busy processes in sessions of their own starve
the honest submission graded beside them, and a double-forked daemon may outlive its child. A cgroup v2 holds all
of that: ``memory.max`` charges every page the child's processes fault in, tmpfs and shm included, with
``memory.swap.max`` 0; ``pids.max`` counts every task; ``cpu.max`` gives the whole cgroup one CPU; and
``cgroup.kill`` ends every process in it at once, wherever it forked to.

Where it works: a writable cgroup2 hierarchy in which this process's cgroup has the memory, pids and cpu
controllers available and may enable them for children (the root cgroup, or a delegated subtree, e.g.
``systemd-run --user --scope -p Delegate=yes``). :func:`availability` says whether it does and, if not, why; the
sandbox then falls back to rlimits alone and the batch's summary says so.
"""
import errno
import os
import secrets
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTROLLERS = ("memory", "pids", "cpu")
PREFIX = "ch3-grade-"


@dataclass(frozen=True)
class Availability:
    base: Path | None  # the cgroup under which the students' cgroups are made
    reason: str  # why not, when base is None


def _mounts():
    """Mount points of cgroup2 file systems, from /proc/self/mountinfo."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        if right.split(" ", 1)[0] == "cgroup2":
            found.append(Path(left.split()[4]))
    return found


def _own_path():
    """This process's cgroup v2 path ("0::/a/b" in /proc/self/cgroup), or None."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return line[3:] or "/"
    except OSError:
        pass
    return None


@cache
def availability():
    """Whether this process can give each student child a cgroup v2 with memory, pids and cpu limits."""
    mounts, own = _mounts(), _own_path()
    if not mounts or own is None:
        return Availability(None, "no cgroup v2 hierarchy is mounted")
    for mount in mounts:
        base = mount / own.lstrip("/")
        if not (base / "cgroup.controllers").is_file():
            continue
        available = set((base / "cgroup.controllers").read_text().split())
        missing = [c for c in CONTROLLERS if c not in available]
        if missing:
            return Availability(None, f"the cgroup v2 hierarchy at {mount} has no {', '.join(missing)} controller "
                                      "(on this machine they belong to cgroup v1, or are not delegated to us)")
        try:
            enabled = set((base / "cgroup.subtree_control").read_text().split())
            todo = [c for c in CONTROLLERS if c not in enabled]
            if todo:
                (base / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in todo))
            probe = base / f"{PREFIX}probe-{os.getpid()}-{secrets.token_hex(3)}"
            probe.mkdir()
            probe.rmdir()
        except OSError as exc:
            why = "it holds processes itself" if exc.errno == errno.EBUSY else exc.strerror
            return Availability(None, f"cannot make child cgroups with limits under {base}: {why}")
        return Availability(base, "")
    return Availability(None, "this process's cgroup v2 folder was not found")


class StudentCgroup:
    """A cgroup v2 for one child process tree; the child joins it between fork and exec (:meth:`join`).

    Inputs: base (from :func:`availability`), memory_bytes (memory.max, shm and tmpfs included), processes
    (pids.max), cpus (cpu.max: that many CPUs' worth of time).
    """

    def __init__(self, base, memory_bytes, processes, cpus=1.0):
        self.path = Path(base) / f"{PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
        self.path.mkdir()
        period = 100_000
        for name, value in (("memory.max", str(int(memory_bytes))), ("memory.swap.max", "0"),
                            ("pids.max", str(int(processes))), ("cpu.max", f"{int(cpus * period)} {period}")):
            try:
                (self.path / name).write_text(value)
            except FileNotFoundError:  # memory.swap.max without swap accounting
                if name != "memory.swap.max":
                    raise
        self._procs = str(self.path / "cgroup.procs")

    def join(self):
        """Move the calling process into the cgroup (run in the child, between fork and exec)."""
        fd = os.open(self._procs, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)

    def events(self):
        """{"oom_kill": n, "max": n, ...} of memory.events: whether the memory limit ended something."""
        try:
            pairs = (line.split() for line in (self.path / "memory.events").read_text().splitlines())
            return {k: int(v) for k, v in pairs}
        except OSError:
            return {}

    def kill(self):
        """Kill every process in the cgroup (cgroup.kill, else SIGKILL to each) and remove it."""
        for _ in range(200):
            try:
                (self.path / "cgroup.kill").write_text("1")
            except OSError:
                for pid in self.pids():
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
            if not self.pids():
                break
            time.sleep(0.01)
        try:
            self.path.rmdir()
        except OSError:
            pass

    def pids(self):
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []
