"""Run case probes on a student's modules in a sandboxed child process; only plain numbers come back.

``run_cases(tree, jobs)`` is the execution half of the trusted grader. For one submission it

1. lays out a scratch folder: the student's ``classifiers/chapter3/<module>.py`` (only the reference's module
   names, only regular files up to 1 MB, links never followed), trusted package ``__init__`` files, a copy of the
   instructor's ``utils/`` and the trusted ``runner.py``;
2. starts ``python -I -B runner.py`` in bubblewrap (no network, nothing of the repository, a size-capped
   writable tmpfs as the working folder) or, where bwrap does not work, in a plain child with the same limits
   ("rlimits-only", logged);
3. reads the runner's JSON lines with a byte cap and a wall-clock deadline per case and per submission; kills
   the child's whole process tree on a deadline, and reruns the cases still to do in a fresh child;
4. returns an :class:`utils.checks.engine.Result` per job. ``passed`` means only "ran": the caller compares the
   outputs with the reference (``engine.verdict``).

Nothing the child says is believed beyond outputs that decode (``engine.decode``) and a status from a known set.
"""
import ast
import errno
import graphlib
import json
import logging
import os
import secrets
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psutil

from utils.checks import engine
from utils.checks.engine import ERROR, NOT_ATTEMPTED, PASSED, Result

from .confinement import (  # noqa: F401  (limits_applied and other_uid_works are part of this module's API)
    CpuMeter,
    TooMuchCpu,
    confined,
    limits_applied,
    new_cgroup,
    other_uid_works,
)
from .paths import REFERENCE_PACKAGE, ROOT

TIMEOUT, CRASH, MEMORY, INVALID_OUTPUT = "timeout", "crash", "memory", "invalid output"
STATUSES = (PASSED, NOT_ATTEMPTED, ERROR, TIMEOUT, CRASH, MEMORY, INVALID_OUTPUT)
BWRAP, RLIMITS_ONLY = "bwrap", "rlimits-only"

MAX_MODULE_BYTES = 1024**2
RUNNER = Path(__file__).with_name("runner.py")
VERIFIED_PROBES = Path(__file__).with_name("verified_probes.py")
MOUNT = "/sandbox"  # the child's working folder in bwrap
TOKEN_VAR = "CH3_SANDBOX_TOKEN"  # marks every process of one child, to find the ones it leaves behind
KEPT_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # some machines need these for a correct OpenBLAS
_CHILD_STATUSES = frozenset(STATUSES) - {INVALID_OUTPUT}
_EOF = object()

log = logging.getLogger(__name__)


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


# --------------------------------------------------------------------------------------------- the reference
_AST_LOCK = threading.Lock()


def parse_module(path):
    """``ast.parse`` of a file, one thread at a time: CPython 3.11 can fail with "SystemError: AST constructor
    recursion depth mismatch" when threads build ASTs at once (python/cpython#106905), and graders run threads."""
    source = Path(path).read_text(encoding="utf-8")
    with _AST_LOCK:
        return ast.parse(source)


@cache
def reference_layout():
    """(module names, dependencies first; {module: names it exports}) of the reference package, read with ast.

    A probe looks up each name in the student module that defines it in the reference.
    """
    deps, exports = {}, {}
    for path in sorted((REFERENCE_PACKAGE / "chapter3").glob("*.py")):
        if path.stem == "__init__":
            continue
        tree = parse_module(path)
        deps[path.stem] = sorted({node.module.split(".")[0] for node in ast.walk(tree)
                                  if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module})
        exports[path.stem] = _exported_names(tree)
    order = tuple(graphlib.TopologicalSorter({name: [d for d in deps[name] if d in deps] for name in deps})
                  .static_order())
    return order, exports


def _exported_names(tree):
    """A module's ``__all__`` (a literal list), else its public top-level functions and classes."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return sorted(ast.literal_eval(node.value))
    return sorted(node.name for node in tree.body
                  if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"))


# ------------------------------------------------------------------------------------------------ the scratch
PACKAGE_INIT = '"""Classifiers written in this course (the grader\'s copy)."""\n'


def chapter_init(exports):
    """Trusted ``classifiers/chapter3/__init__.py``: names are imported from their module on first use, so a
    broken student module cannot block the others (the student's own ``__init__.py`` is never used)."""
    home = {name: module for module, names in sorted(exports.items()) for name in names}
    return (
        '"""Chapter 3 as the grader lays it out: each name comes from its module when first used."""\n'
        "import importlib\n\n"
        f"_HOME = {home!r}\n"
        "__all__ = sorted(_HOME)\n\n\n"
        "def __getattr__(name):\n"
        "    if name not in _HOME:\n"
        "        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')\n"
        "    return getattr(importlib.import_module(f'{__name__}.{_HOME[name]}'), name)\n"
    )


def read_student_module(tree, name):
    """Bytes of ``tree/classifiers/chapter3/<name>.py``, or (status, message) when it cannot be graded.

    Every path component is opened without following links; only a regular file of at most 1 MB is read.
    """
    parts = ("classifiers", "chapter3", f"{name}.py")
    shown = "/".join(parts)
    fds = []
    try:
        fds.append(os.open(tree, os.O_RDONLY | os.O_DIRECTORY))
        for part in parts[:-1]:
            fds.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
        fds.append(os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fds[-1]))
        info = os.fstat(fds[-1])
        if not stat.S_ISREG(info.st_mode):
            return ERROR, f"{shown} is not a regular file"
        data = os.read(fds[-1], MAX_MODULE_BYTES + 1) if info.st_size <= MAX_MODULE_BYTES else b""
        if info.st_size > MAX_MODULE_BYTES or len(data) > MAX_MODULE_BYTES:
            return ERROR, f"{shown} is larger than {MAX_MODULE_BYTES // 1024**2} MB"
        return data
    except FileNotFoundError:
        return NOT_ATTEMPTED, f"{shown} is missing"
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            return ERROR, f"{shown} is not a regular file (links are not followed)"
        return ERROR, f"{shown} could not be read ({exc.strerror})"
    finally:
        for fd in fds:
            os.close(fd)


def read_student_modules(tree):
    """{module: bytes, or (status, message) when it cannot be graded} for every module of the reference."""
    order, _ = reference_layout()
    if tree is None:
        return {name: (NOT_ATTEMPTED, "no submission") for name in order}
    return {name: read_student_module(tree, name) for name in order}


def prepare_scratch(sources, scratch):
    """Lay out one child's files in the new folder ``scratch``: the student's readable modules (``sources``
    from :func:`read_student_modules`), trusted package ``__init__`` files, ``utils/`` and the runner."""
    _, exports = reference_layout()
    chapter = scratch / "classifiers" / "chapter3"
    chapter.mkdir(parents=True)
    (scratch / "classifiers" / "__init__.py").write_text(PACKAGE_INIT, encoding="utf-8")
    (chapter / "__init__.py").write_text(chapter_init(exports), encoding="utf-8")
    for name, source in sources.items():
        if not isinstance(source, tuple):
            (chapter / f"{name}.py").write_bytes(source)
    shutil.copytree(ROOT / "utils", scratch / "utils", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    shutil.copyfile(RUNNER, scratch / "runner.py")
    shutil.copyfile(VERIFIED_PROBES, scratch / "verified_probes.py")
    (scratch / "tmp").mkdir()
    _readable(scratch)


def _readable(folder):
    """World-readable files and folders: in bwrap as root the runner drops to an unprivileged uid."""
    for dirpath, _, filenames in os.walk(folder):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    os.chmod(os.path.join(folder, "tmp"), 0o1777)
    os.chmod(folder, 0o1777)  # the working folder in the fallback: new files yes, the grader's files stay as they are


# ---------------------------------------------------------------------------------------------- the command
def _as_root():
    return os.geteuid() == 0


def _child_env(home, tmp, token):
    """The child's whole environment."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
           TOKEN_VAR: token}
    env.update({k: os.environ[k] for k in KEPT_ENV if k in os.environ})
    return env


def _python_binds():
    """--ro-bind of the interpreter's prefixes (the venv and its base), with readable parent folders."""
    system = ["/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin"]
    argv, covered = [], list(system)
    for prefix in sorted({sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix}):
        if any(prefix == c or prefix.startswith(c.rstrip("/") + "/") for c in covered):
            continue
        parts = Path(prefix).parts
        for i in range(2, len(parts)):
            parent = str(Path(*parts[:i]))
            if parent not in covered:
                # bwrap creates missing parents 0700; the runner may run as another uid
                argv += ["--perms", "0755", "--dir", parent]
                covered.append(parent)
        argv += ["--ro-bind", prefix, prefix]
        covered.append(prefix)
    return argv


def bwrap_argv(limits, env, command, scratch=None):
    """bwrap around ``command``.

    As root, a user namespace would map the child to host root, whom the kernel exempts from RLIMIT_NPROC; so
    the host's user namespace is kept, bwrap keeps only CAP_SETUID/CAP_SETGID, and the runner becomes a fresh
    uid after setting its limits. Otherwise everything is unshared (RLIMIT_NPROC then counts per namespace).
    """
    argv = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session", "--clearenv"]
    if _as_root():
        argv += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                 "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-all"]
        if _bwrap_disables_userns():  # no nested user namespace (bwrap >= 0.8; needs the user namespace above)
            argv += ["--unshare-user", "--disable-userns"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for path in ("/bin", "/lib", "/lib64", "/lib32", "/sbin"):
        argv += ["--ro-bind-try", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for mount in ("/tmp", MOUNT):
        argv += ["--perms", "1777", "--size", str(limits.scratch_bytes), "--tmpfs", mount]
    # After the tmpfs mounts, so that an interpreter installed under /tmp (a CI clone's venv) stays visible.
    argv += _python_binds()
    if scratch is not None:
        for name in ("runner.py", "verified_probes.py", "utils", "classifiers"):
            argv += ["--ro-bind", str(scratch / name), f"{MOUNT}/{name}"]
    argv += ["--chdir", MOUNT]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return [*argv, "--", *command]


def _fresh_uid():
    """An unused-looking uid for one child (its processes are then easy to count and to find)."""
    return 2**30 + secrets.randbelow(2**30)


@cache
def _bwrap_disables_userns():
    """Whether this bwrap, run by this (unprivileged) user, takes --disable-userns."""
    try:
        return subprocess.run([shutil.which("bwrap") or "bwrap", "--unshare-all", "--unshare-user", "--disable-userns",
                               "--ro-bind", "/", "/", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@cache
def _bwrap_works():
    """Whether bwrap, with the flags the sandbox uses, runs the interpreter here."""
    if not shutil.which("bwrap"):
        return False
    uid = _fresh_uid()
    code = f"import os; os.setgroups([]); os.setresgid({uid}, {uid}, {uid}); os.setresuid({uid}, {uid}, {uid})"
    env = _child_env(MOUNT, "/tmp", "probe")
    try:
        done = subprocess.run(bwrap_argv(Limits(), env, [sys.executable, "-I", "-c", code if _as_root() else "0"]),
                              capture_output=True, timeout=60, env={"PATH": env["PATH"]})
    except (OSError, subprocess.TimeoutExpired):
        return False
    if done.returncode != 0:
        log.warning("bwrap does not work here: %s", done.stderr.decode(errors="replace").strip()[-500:])
    return done.returncode == 0


@cache
def _warn_rlimits_only():
    log.warning("bubblewrap is not available: the grading sandbox is rlimits-only (limits, a scratch working "
                "folder and a clean environment; no network or file-system isolation)")


def isolation():
    """How student code is isolated here: "bwrap" or "rlimits-only".

    bwrap: no network (own network namespace), only /usr, /lib*, /bin, /sbin and the Python prefixes read-only,
    the scratch files read-only under /sandbox, a size-capped tmpfs to write in, own PID namespace (every
    process dies with the child), rlimits. RLIMIT_NPROC holds per sandbox: per user namespace, or (as root) per
    fresh uid. rlimits-only: the same limits, cwd and clean environment; RLIMIT_NPROC is not enforced for root.
    """
    if _bwrap_works():
        return BWRAP
    _warn_rlimits_only()
    return RLIMITS_ONLY


# ------------------------------------------------------------------------------------------------ one child
class _Overflow(Exception):
    """The child sent more than the byte cap."""


class _Channel:
    """Lines from the child's stdout, read without blocking past a deadline and never beyond a byte cap."""

    def __init__(self, proc, cap):
        self.proc, self.cap = proc, cap
        self.fd = proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.buffer, self.total, self.eof = bytearray(), 0, False

    def next_line(self, deadline, meter=None):
        """The next line; None at the deadline; _EOF once the child has gone (even if an orphan holds the pipe)."""
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[:end + 1]
                return line
            if self.eof:
                return _EOF
            now = time.monotonic()
            if now >= deadline:
                return None
            if meter is not None and meter.exceeded():
                raise TooMuchCpu
            if self.selector.select(min(deadline - now, 0.1)):
                self._read()
            elif _exited(self.proc) and not self._read():
                self.eof = True

    def _read(self):
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return 0
        if not chunk:
            self.eof = True
        self.total += len(chunk)
        if self.total > self.cap:
            raise _Overflow
        self.buffer += chunk
        return len(chunk)

    def close(self):
        self.selector.close()
        self.proc.stdout.close()


def _exited(proc, wait=0.0):
    """Whether the child has ended (waiting up to ``wait`` s), without reaping it: until its process group is
    killed, its pid must stay ours."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:  # already reaped
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


class _Watch:
    """What one child has said so far: the protocol, checked line by line, and the per-step deadline."""

    def __init__(self, pending, modules, case_seconds):
        self.pending, self.modules, self.case_seconds = list(pending), set(modules), case_seconds
        self.next = 0  # index in pending of the next job the child may start
        self.current = None  # the job running now
        self.importing = None  # the module being imported now
        self.ready = False
        self.results = {}
        self.fatal = ""
        self.deadline = time.monotonic() + case_seconds

    def _step(self):
        self.deadline = time.monotonic() + self.case_seconds

    def feed(self, raw):
        """Take one line; returns "done" or "fatal" when the child says so, else None."""
        try:
            msg = json.loads(raw)
        except Exception:  # hostile bytes: not JSON, too deep, huge numbers
            msg = None
        if not isinstance(msg, dict):
            return self._junk()
        keys = set(msg)
        if keys == {"ready"} and not self.ready:
            self.ready = True
        elif keys == {"import"} and self.ready and msg["import"] in self.modules:
            self.modules.discard(msg["import"])
            self.importing = msg["import"]
        elif keys == {"imported"} and self.importing is not None and msg["imported"] == self.importing:
            self.importing = None
        elif keys == {"start"} and self._starts(msg["start"]):
            self.current = self.pending[self.next]
            self.next += 1
        elif "job" in keys and self.current is not None and msg["job"] == list(self.current):
            self.results[self.current] = decode_result(msg)
            self.current = None
        elif keys == {"done"}:
            return "done"
        elif keys == {"fatal"} and not self.ready:
            self.fatal = str(msg["fatal"])[-2000:]
            return "fatal"
        else:
            return self._junk()
        self._step()
        return None

    def _starts(self, job):
        return (self.current is None and self.importing is None and self.next < len(self.pending)
                and job == list(self.pending[self.next]))

    def _junk(self):
        """A line that is not the next protocol step: the running job's result can no longer be trusted."""
        if self.current is not None:
            self.results[self.current] = Result(INVALID_OUTPUT, error="the process wrote something that is not "
                                                                       "a result into the grader's channel")
            self.current = None
        return None


def decode_result(msg):
    """A Result from a child's result line; anything malformed is INVALID_OUTPUT."""
    status, error, notes = msg.get("status"), msg.get("error", ""), msg.get("warnings", [])
    if (status not in _CHILD_STATUSES or not isinstance(error, str) or not isinstance(notes, list)
            or not all(isinstance(n, str) for n in notes)):
        return Result(INVALID_OUTPUT, error="the result line is malformed")
    notes = [n[:300] for n in notes[:20]]
    if status != PASSED:
        if status == ERROR and error.split(":", 1)[0].endswith("MemoryError"):  # numpy's is _ArrayMemoryError
            status = MEMORY
        return Result(status, error=error[:500], warnings=notes)
    try:
        outputs = engine.decode(msg.get("outputs"))
    except Exception as exc:  # decode raises ValueError on malformed input; be safe against anything
        return Result(INVALID_OUTPUT, error=f"the outputs did not decode: {exc}"[:300])
    return Result(PASSED, outputs, warnings=notes)


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


def run_child(scratch, pending, skip, limits, mode, total_deadline):
    """Run ``pending`` jobs in one fresh child until it finishes, dies or is killed.

    Returns a _ChildOutcome; raises SandboxError when the child never got as far as the student's code.
    """
    order, exports = reference_layout()
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
    watch = _Watch(pending, [m for m in order if m not in skip], limits.case_seconds)
    channel = _Channel(proc, limits.output_bytes)
    meter = CpuMeter(uid, limits.cpus) if cgroup is None else None  # cgroup v2: cpu.max does it
    reason = None
    try:
        while reason is None:
            deadline = min(watch.deadline, total_deadline)
            try:
                line = channel.next_line(deadline, meter)
            except _Overflow:
                reason = "overflow"
                break
            except TooMuchCpu:
                reason = "cpu"
                break
            if line is None:
                reason = "total" if total_deadline <= watch.deadline else "timeout"
            elif line is _EOF:
                reason = "ended"
                _exited(proc, wait=1.0)  # let it finish, so its exit status is its own and not our kill's
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
        "timeout": (TIMEOUT, f"killed after {limits.case_seconds:g} s (infinite loop?)",
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


# ------------------------------------------------------------------------------------------------ the batch
def run_cases(tree, jobs, limits=Limits()):
    """Run case probes on the student's modules in ``tree``, in the sandbox.

    Inputs:
    - tree: folder of the student's files (``classifiers/chapter3/*.py``, possibly missing or partial)
    - jobs: [(grade_id, seed)]
    - limits: Limits

    Returns {(grade_id, seed): Result} for every job, status one of STATUSES; "passed" means the probe ran and
    its outputs (plain numbers) are to be compared by the caller. Raises ValueError for an unknown grade_id and
    SandboxError when the sandbox itself cannot run; never raises for anything the student's code does.
    """
    jobs = list(dict.fromkeys((str(g), int(s)) for g, s in jobs))
    unknown = sorted({g for g, _ in jobs if g not in engine.CASES})
    if unknown:
        raise ValueError(f"unknown cases: {unknown}")
    if not jobs:
        return {}
    mode = isolation()
    with tempfile.TemporaryDirectory(prefix="ch3-grade-", ignore_cleanup_errors=True) as tmp:
        os.chmod(tmp, 0o711)  # the child's fresh uid may pass through (to its scratch folder), not list or write
        sources = read_student_modules(Path(tree) if tree is not None else None)
        if all(isinstance(v, tuple) and v[0] == NOT_ATTEMPTED for v in sources.values()):
            message = "classifiers/chapter3/ holds none of the chapter's modules"
            return {job: Result(NOT_ATTEMPTED, error=message) for job in jobs}
        return _run_jobs(Path(tmp), sources, jobs, limits, mode)


def _run_jobs(tmp, sources, jobs, limits, mode):
    """Children one after another until every job has a result, the restarts or the total time are used up.

    Each child gets a fresh scratch folder: in rlimits-only mode a child may have damaged its own.
    """
    results = {}
    skip = {name: v for name, v in sources.items() if isinstance(v, tuple)}
    total_deadline = time.monotonic() + limits.total_seconds
    children = 0
    while True:
        pending = [job for job in jobs if job not in results]
        if not pending or time.monotonic() >= total_deadline or children > limits.restarts:
            break
        scratch = tmp / f"child{children}"
        prepare_scratch(sources, scratch)
        outcome = run_child(scratch, pending, skip, limits, mode, total_deadline)
        children += 1
        results.update(outcome.results)
        skip.update(outcome.skip)
        if outcome.killed is not None:
            _same_case_not_run(results, pending, outcome.killed)
    if time.monotonic() >= total_deadline:
        left = Result(TIMEOUT, error=f"not run: the submission used up its {limits.total_seconds:g} s")
    else:
        left = Result(CRASH, error=f"not run: the sandbox was restarted {children} times")
    return {job: results.get(job, left) for job in jobs}


def _same_case_not_run(results, pending, killed):
    """The other seeds of a case that killed its child are not run: the grade cell already scores 0."""
    status = results[killed].status
    for job in pending:
        if job[0] == killed[0] and job not in results:
            results[job] = Result(status, error=f"not run: this case already ended with {status} on other inputs")
