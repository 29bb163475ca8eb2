"""The command that starts a child: bubblewrap's argv and the child's environment, and whether bwrap works here
(``isolation``: "bwrap", else the "rlimits-only" fallback)."""
import logging
import os
import secrets
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from .limits import Limits

BWRAP, RLIMITS_ONLY = "bwrap", "rlimits-only"
MOUNT = "/sandbox"  # the child's working folder in bwrap
TOKEN_VAR = "CH3_SANDBOX_TOKEN"  # marks every process of one child, to find the ones it leaves behind
KEPT_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # some machines need these for a correct OpenBLAS

log = logging.getLogger("grading.autograde.sandbox")


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
