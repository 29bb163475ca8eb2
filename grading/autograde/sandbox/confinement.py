"""How a sandbox child is confined besides bwrap: its cgroup v2, its namespaces in the fallback, its uid, a CPU
meter where no cgroup can do it, and the one line that says which of these apply (``limits_applied``).

Used by grading.autograde.sandbox; see grading/README.md ("Resource limits", "Fallback without bubblewrap").
"""
import functools
import logging
import shutil
import subprocess
import sys
import time
from functools import cache

import psutil

from .bwrap import BWRAP, _as_root, _fresh_uid, isolation
from .limits import Limits

UNSHARE = ("--ipc", "--pid", "--fork", "--kill-child")  # the fallback's namespaces, where the grader is root
log = logging.getLogger("grading.autograde.sandbox")


class TooMuchCpu(Exception):
    """The child's processes together used more CPU than Limits.cpus allows."""


class CpuMeter:
    """CPU time of all of one child's processes (its fresh uid) against the wall clock: without cgroup v2's cpu.max,
    sixty busy processes of one submission would starve the submission graded beside them."""

    GRACE = 3.0  # seconds of CPU above the allowance (start-up, imports)

    def __init__(self, uid, cpus):
        self.uid, self.cpus, self.start, self.next = uid, cpus, time.monotonic(), 0.0
        self.busy = 0

    def exceeded(self):
        now = time.monotonic()
        if self.uid is None or now < self.next:
            return False
        self.next = now + 0.5
        used, busy = 0.0, 0
        for proc in psutil.process_iter(["uids", "cpu_times"]):
            try:
                if proc.info["uids"] and proc.info["uids"].real == self.uid:
                    used += proc.info["cpu_times"].user + proc.info["cpu_times"].system
                    busy += 1
            except (psutil.Error, TypeError, AttributeError):
                continue
        self.busy = busy
        return used > self.cpus * (now - self.start) + self.GRACE



def confined(argv, mode, cgroup):
    """``argv`` started inside the child's cgroup (a shell that moves itself in, then execs) and, in the fallback as
    root, in new IPC and PID namespaces: SysV shared memory dies with the child, and so does every process it
    started, daemons with an empty environment included (they die with the namespace's first process)."""
    if mode != BWRAP and _as_root() and unshare_works():
        argv = [shutil.which("unshare"), *UNSHARE, "--", *argv]
    if cgroup is not None:
        argv = ["/bin/sh", "-c", 'echo 0 > "$0" && exec "$@"', str(cgroup.path / "cgroup.procs"), *argv]
    return argv


def other_uid_works():
    """Whether a process that drops to an unused uid can still import the standard library (checked once a minute:
    the folders holding the interpreter, /root say, may change their permissions)."""
    return _other_uid_probe(int(time.monotonic() // 60))


@functools.lru_cache(maxsize=1)
def _other_uid_probe(_minute):
    uid = _fresh_uid()
    code = (f"import os; os.setgroups([]); os.setresgid({uid}, {uid}, {uid}); os.setresuid({uid}, {uid}, {uid}); "
            "import dataclasses, json, numpy")
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.TimeoutExpired):
        return False
    if done.returncode != 0:
        log.warning("the rlimits-only fallback runs student code as root: a fresh uid cannot read the Python "
                    "installation (%s)", done.stderr.decode(errors="replace").strip()[-200:])
    return done.returncode == 0


@cache
def unshare_works():
    if not shutil.which("unshare"):
        return False
    try:
        return subprocess.run([shutil.which("unshare"), *UNSHARE, "--", "/bin/true"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def new_cgroup(limits):
    """A StudentCgroup for one child, or None where cgroup v2 does not work (see grading.cgroups)."""
    from ..cgroups import StudentCgroup, availability

    base = availability().base
    if base is None:
        return None
    try:
        return StudentCgroup(base, limits.memory_bytes, limits.processes, limits.cpus)
    except OSError as exc:
        log.warning("cannot make a cgroup for the sandbox: %s", exc)
        return None


def limits_applied(limits=None, mode=None):
    """One line for the summary and the records: the isolation (``mode``, default :func:`isolation`) and which
    limits the kernel enforces here."""
    from ..cgroups import availability

    limits = limits or Limits()
    mode = mode or isolation()
    gib = limits.memory_bytes / 2**30
    rlimits = (f"rlimits (address space {gib:g} GiB per process, {limits.processes} processes, "
               f"{limits.cpu_seconds} s CPU per process)")
    where = availability()
    if where.base is not None:
        cg = (f"cgroup v2 per child (memory.max {gib:g} GiB incl. shared memory, pids.max {limits.processes}, "
              f"cpu.max {limits.cpus:g} CPU)")
    else:
        cg = f"no cgroup limits ({where.reason})"
    bwrap, root = mode == BWRAP, _as_root()
    ipc = "own IPC and PID namespaces" if bwrap or (root and unshare_works()) else "shared IPC and PID namespaces"
    who = ("a fresh uid" if bwrap or other_uid_works() else "ROOT") if root else "the grader's uid"
    return f"{mode}: {rlimits}; {cg}; {ipc}; student code runs as {who}"
