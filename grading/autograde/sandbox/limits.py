"""The sandbox's resource limits (Limits) and its one exception (SandboxError)."""
from dataclasses import dataclass


class SandboxError(RuntimeError):
    """The sandbox itself failed (bwrap or the trusted runner did not start); never raised for student code."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's child processes.

    - case_seconds: wall clock per case (and per module import)
    - total_seconds: wall clock for all cases of the submission, restarts included
    - cpu_seconds: RLIMIT_CPU of each child process
    - memory_bytes: RLIMIT_AS
    - processes: RLIMIT_NPROC (see :func:`isolation` for where the kernel enforces it)
    - file_bytes: RLIMIT_FSIZE
    - output_bytes: the most the parent reads from one child
    - scratch_bytes: size of each writable tmpfs in bwrap (the working folder and /tmp)
    - restarts: fresh children after a crash or timeout, at most
    - cpus: with cgroup v2 (grading.cgroups), the CPU time of a child's whole process tree, in CPUs

    Where cgroup v2 works, each child also gets memory.max = memory_bytes (shared memory and tmpfs included) and
    pids.max = processes for its whole process tree; see :func:`limits_applied`.
    """

    case_seconds: float = 20.0
    total_seconds: float = 180.0
    cpu_seconds: int = 60
    memory_bytes: int = 2 * 1024**3
    processes: int = 64
    file_bytes: int = 16 * 1024**2
    output_bytes: int = 8 * 1024**2
    scratch_bytes: int = 64 * 1024**2
    restarts: int = 8
    cpus: float = 1.0  # cpu.max of a child's cgroup (where cgroup v2 works): CPUs' worth of time for all its processes
