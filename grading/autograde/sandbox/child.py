"""One child process: started (in bwrap or the fallback, confined), watched through the protocol until it
finishes, dies or is killed, then stopped with everything it left behind; its outcome says why it ended."""
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import psutil

from utils.checks.engine import Result

from ...status import CRASH, INVALID_OUTPUT, MEMORY, TIMEOUT
from .bwrap import BWRAP, MOUNT, TOKEN_VAR, _as_root, _child_env, _fresh_uid, bwrap_argv
from .confinement import CpuMeter, TooMuchCpu, confined, new_cgroup, other_uid_works
from .limits import SandboxError
from .protocol import EOF, Channel, Overflow, Watch, exited
from .scratch import reference_layout

log = logging.getLogger("grading.autograde.sandbox")


def _death(returncode, mode):
    """How the child ended, for a message: "crashed (segmentation fault)", "exited (code 0)", ..."""
    sig = -returncode if returncode < 0 else (returncode - 128 if mode == BWRAP and returncode > 128 else 0)
    known = {signal.SIGSEGV: "crashed (segmentation fault)", signal.SIGBUS: "crashed (bus error)",
             signal.SIGABRT: "aborted", signal.SIGFPE: "crashed (arithmetic fault)",
             signal.SIGKILL: "was killed (out of memory?)", signal.SIGXCPU: "used up its CPU time",
             signal.SIGXFSZ: "wrote a file over the size limit"}
    if sig:
        try:
            return known.get(sig, f"was killed by {signal.Signals(sig).name}")
        except ValueError:
            return f"was killed by signal {sig}"
    return f"exited (code {returncode}: os._exit or sys.exit?)"


def _leftovers(token, uid, since):
    """Processes of one child still alive anywhere: its fresh uid, or its token in their environment."""
    found = []
    for proc in psutil.process_iter(["uids", "create_time"]):
        try:
            if proc.pid == os.getpid() or proc.info["create_time"] < since:
                continue
            if (uid is not None and proc.info["uids"].real == uid) or proc.environ().get(TOKEN_VAR) == token:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _stop(proc, token, uid, since):
    """Kill the child's process group, its descendants and anything else it left; wait until none is left."""
    try:
        doomed = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        doomed = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for _ in range(100):
        for p in doomed:
            try:
                p.kill()
            except psutil.Error:
                pass
        proc.poll()
        doomed = _leftovers(token, uid, since)
        if not doomed:
            break
        time.sleep(0.02)
    else:
        log.warning("sandbox processes still alive after kill: %s", [p.pid for p in doomed])
    proc.wait()


@dataclass
class _ChildOutcome:
    results: dict = field(default_factory=dict)  # job -> Result
    killed: tuple = None  # the job that was running when the child died or was killed
    skip: dict = field(default_factory=dict)  # module -> (status, message): its import killed the child


def _spawn(scratch, payload, limits, mode, token, uid, cgroup=None):
    """Start one child on ``payload`` (sent on stdin); its stderr goes to a temporary file."""
    jobfile, errfile = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    jobfile.write(json.dumps(payload).encode())
    jobfile.seek(0)
    command = [sys.executable, "-I", "-B"]
    if mode == BWRAP:
        env = _child_env(MOUNT, "/tmp", token)
        argv, cwd = bwrap_argv(limits, env, [*command, f"{MOUNT}/runner.py"], scratch), None
        outer_env = {"PATH": env["PATH"], TOKEN_VAR: token}
    else:
        outer_env = _child_env(str(scratch), str(scratch / "tmp"), token)
        argv, cwd = [*command, str(scratch / "runner.py")], scratch
    argv = confined(argv, mode, cgroup)
    proc = subprocess.Popen(argv, stdin=jobfile, stdout=subprocess.PIPE, stderr=errfile, env=outer_env, cwd=cwd,
                            start_new_session=True, close_fds=True)
    jobfile.close()
    return proc, errfile


def _child_limits(limits, mode, uid):
    """The rlimits the runner sets; without a namespace or a fresh uid, RLIMIT_NPROC counts all of this user's
    processes, so it is raised by as many as the user already runs."""
    processes = limits.processes
    if uid is None and mode != BWRAP and not _as_root():
        mine = os.getuid()
        processes += sum(p.info["num_threads"] or 0 for p in psutil.process_iter(["uids", "num_threads"])
                         if p.info["uids"] and p.info["uids"].real == mine)
    return {"cpu_seconds": limits.cpu_seconds, "memory_bytes": limits.memory_bytes, "processes": processes,
            "file_bytes": limits.file_bytes}


def run_child(scratch, pending, skip, limits, mode, total_deadline, layout=None):
    """Run ``pending`` jobs in one fresh child until it finishes, dies or is killed (``layout``: the chapter's
    module Layout, default the reference's).

    Returns a _ChildOutcome; raises SandboxError when the child never got as far as the student's code.
    """
    order, exports = (layout or reference_layout())[:2]
    token = f"{os.getpid()}-{secrets.token_hex(6)}"  # the grader's pid first: tests look for their own leftovers
    # A fresh uid in the fallback too (never root, and its processes are easy to find and kill), where the
    # interpreter is readable by other users.
    uid = _fresh_uid() if _as_root() and (mode == BWRAP or other_uid_works()) else None
    payload = {"jobs": [list(j) for j in pending], "modules": list(order), "exports": exports,
               "skip": {name: list(v) for name, v in skip.items()}, "limits": _child_limits(limits, mode, uid),
               "uid": uid}
    since = time.time() - 1
    cgroup = new_cgroup(limits)
    proc, errfile = _spawn(scratch, payload, limits, mode, token, uid, cgroup)
    watch = Watch(pending, [m for m in order if m not in skip], limits.case_seconds)
    channel = Channel(proc, limits.output_bytes)
    meter = CpuMeter(uid, limits.cpus) if cgroup is None else None  # cgroup v2: cpu.max does it
    reason = None
    try:
        while reason is None:
            deadline = min(watch.deadline, total_deadline)
            try:
                line = channel.next_line(deadline, meter)
            except Overflow:
                reason = "overflow"
                break
            except TooMuchCpu:
                reason = "cpu"
                break
            if line is None:
                reason = "total" if total_deadline <= watch.deadline else "case_time"
            elif line is EOF:
                reason = "ended"
                exited(proc, wait=1.0)  # let it finish, so its exit status is its own and not our kill's
            else:
                reason = watch.feed(line)
    finally:
        if cgroup is not None:
            oom = cgroup.events().get("oom_kill", 0) > 0
            cgroup.kill()
        else:
            oom = False
        _stop(proc, token, uid, since)
        channel.close()
        errfile.seek(0, os.SEEK_END)
        errfile.seek(max(0, errfile.tell() - 2000))
        stderr = errfile.read().decode(errors="replace").strip()
        errfile.close()
    return _conclude(watch, reason, proc.returncode, stderr, limits, mode, oom)


def _conclude(watch, reason, returncode, stderr, limits, mode, oom=False):
    """The outcome of a child from the watch and why it ended."""
    if reason == "fatal":
        raise SandboxError(f"the grader's runner could not import the checker: {watch.fatal}")
    if not watch.ready and reason != "total":
        raise SandboxError(f"the sandbox did not start ({reason}, {_death(returncode, mode)}): {stderr}")
    outcome = _ChildOutcome(results=dict(watch.results))
    if reason == "done":
        for job in watch.pending:
            outcome.results.setdefault(job, Result(INVALID_OUTPUT, error="no result came back for this case"))
        return outcome
    death = "was killed: its processes used more than the memory limit" if oom else _death(returncode, mode)
    status, job_message, import_message = {
        "case_time": (TIMEOUT, f"killed after {limits.case_seconds:g} s (infinite loop?)",
                    f"{{module}}.py took more than {limits.case_seconds:g} s to import "
                    "(infinite loop at import time?)"),
        "total": (TIMEOUT, f"killed: the submission used up its {limits.total_seconds:g} s", None),
        "cpu": (TIMEOUT, f"killed: its processes used more than {limits.cpus:g} CPU at once",
                f"the processes started while importing {{module}}.py used more than {limits.cpus:g} CPU at once"),
        "ended": (MEMORY if oom else CRASH, f"the process {death} while running this case",
                  f"the process {death} while importing {{module}}.py"),
        "overflow": (INVALID_OUTPUT, f"the process sent more than {limits.output_bytes} bytes to the grader",
                     f"the process sent more than {limits.output_bytes} bytes to the grader while importing "
                     "{module}.py"),
    }[reason]
    if watch.current is not None:
        outcome.results[watch.current] = Result(status, error=job_message)
        outcome.killed = watch.current
    elif watch.importing is not None and import_message:
        outcome.skip[watch.importing] = (status, import_message.replace("{module}", watch.importing))
    return outcome
