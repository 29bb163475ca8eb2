"""The sandbox's side of a Dask task: run from the shipped bundle in a fresh interpreter on the worker
(grading.autograde.sandbox.on_worker), the task as JSON on stdin, one JSON object on stdout.

The bundle holds this package, what it imports from ``grading`` and ``utils/``; the module layout and which module
each case lives in come with the task (computed on the grader from the reference, which never leaves it).
"""
import ctypes
import json
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with(parent):
    """Be killed when the worker that started us dies (its sandboxes then go too: bwrap --die-with-parent)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before prctl
        os._exit(1)


def encode_rows(runs):
    """Plain data of {(grade_id, seed): Result}: [[grade_id, seed, status, encoded outputs, error, warnings,
    not run because], ...] (grading.autograde.runs.decode_remote reads it back)."""
    from utils.checks.engine import encode

    return [[gid, seed, str(r.status), encode(r.outputs), r.error, list(r.warnings), getattr(r, "because", "")]
            for (gid, seed), r in runs.items()]


def grade(task):
    """{"rows", "isolation", "limits"} of one task ({"tree", "jobs", "limits", "layout", "homes",
    "require_bwrap"}), or {"refused": message} when the batch requires bubblewrap and it does not work here."""
    from . import BWRAP, Layout, Limits, isolation, limits_applied, run_and_retry

    limits = Limits(**task["limits"])
    mode = isolation()
    if task["require_bwrap"] and mode != BWRAP:
        return {"refused": "bubblewrap (bwrap) does not work on this worker, and this batch runs students' code only "
                           "in bwrap. Install it there (apt-get install bubblewrap; check with `bwrap --ro-bind / / "
                           "true`) and restart the worker, or stop it; or grade with --allow-unsandboxed (every "
                           "status and feedback page then says so)."}
    runs = run_and_retry(task["tree"], [tuple(j) for j in task["jobs"]], limits, Layout.from_data(task["layout"]),
                         task["homes"])
    return {"rows": encode_rows(runs), "isolation": mode, "limits": limits_applied(limits, mode)}


def main(parent):
    die_with(parent)
    result = grade(json.loads(sys.stdin.buffer.read()))
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
