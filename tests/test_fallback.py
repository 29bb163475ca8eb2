"""The rlimits-only fallback: refused unless asked for, and then said everywhere; the student's code runs under a
fresh uid (when the grader is root), so a double-forked daemon with an empty environment is found and killed and
cannot rewrite its record."""
import csv
import os
import sys
import time

import pytest

from grading import autograde, demo
from grading.autograde import sandbox
from tests.grader_helpers import processes_with

IDS = ["affine_forward_value", "affine_forward_float32", "relu_forward_value"]
LIMITS = sandbox.Limits(case_seconds=5.0, total_seconds=40.0)
MARKER = "ch3-fallback-daemon-5531"
DAEMON = """
import os, sys
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        code = ("import glob, json, time\\n"
                "time.sleep(2)\\n"
                "for _ in range(40):\\n"
                "    for path in glob.glob({results!r} + '/*.json'):\\n"
                "        try:\\n"
                "            r = json.load(open(path)); r['status'] = 'ok'; r['total'] = 999\\n"
                "            r['scores'] = {{k: 1000 for k in r['scores']}}\\n"
                "            open(path, 'w').write(json.dumps(r))\\n"
                "        except Exception:\\n"
                "            pass\\n"
                "    time.sleep(0.5)\\n")
        os.execve(sys.executable, [sys.executable, "-c", code, {marker!r}], {{}})
    os._exit(0)
os.waitpid(pid, 0)
"""


@pytest.fixture
def fallback(monkeypatch):
    monkeypatch.setattr(sandbox, "isolation", lambda: sandbox.RLIMITS_ONLY)


def daemons():
    return processes_with(MARKER)


def klass(root, out):
    layers = demo.reference_sources()["layers.py"]
    wrong = demo.patch(layers, "out = x.reshape(x.shape[0], -1) @ w + b", "out = np.zeros((x.shape[0], w.shape[1]))")
    for sid, text in {"honest": layers,
                      "daemon": demo.inject(wrong, "affine_forward",
                                            DAEMON.format(results=str(out / "results"), marker=MARKER))}.items():
        path = root / sid / "classifiers" / "chapter3" / "layers.py"
        path.parent.mkdir(parents=True)
        path.write_text(text)
    return root


def test_without_bwrap_grading_refuses_unless_allowed(fallback, tmp_path):
    (tmp_path / "class" / "a").mkdir(parents=True)
    with pytest.raises(sandbox.SandboxError, match="--allow-unsandboxed"):
        autograde.autograde(tmp_path / "class", tmp_path / "out", lang="en", only=IDS, gradebook=False,
                            feedback=False, progress=False)
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the fresh uid needs a root grader")
@pytest.mark.timeout(300)
def test_a_double_forked_daemon_cannot_rewrite_its_record(fallback, tmp_path):
    out = tmp_path / "out"
    records, failures = autograde.autograde(klass(tmp_path / "class", out), out, workers=2, lang="en", only=IDS,
                                            limits=LIMITS, gradebook=False, feedback=True, progress=False,
                                            allow_unsandboxed=True)
    assert failures == [] and daemons() == [], daemons()
    time.sleep(3)  # a daemon that survived would be rewriting the records now
    by_id = {r["student_id"]: r for r in autograde.load_records(out, autograde.make_plan("en", only=IDS))}
    assert by_id["daemon"]["scores"] == {"affine_forward_value": 0.0, "affine_forward_float32": 0.0,
                                         "relu_forward_value": by_id["honest"]["scores"]["relu_forward_value"]}
    assert by_id["daemon"]["total"] < by_id["honest"]["total"]
    # every row, the records and every feedback page say the batch was not sandboxed
    with open(out / "grades.csv", encoding="utf-8") as f:
        statuses = {r["student_id"]: r["status"] for r in csv.DictReader(f)}
    assert statuses == {"daemon": "ok; unsandboxed (rlimits-only)", "honest": "ok; unsandboxed (rlimits-only)"}
    who = "a fresh uid" if sandbox.other_uid_works() else "ROOT"  # ROOT: /root or the like is not readable
    assert all(r["sandbox"] == "rlimits-only" and f"student code runs as {who}" in r["limits"]
               and "own IPC and PID namespaces" in r["limits"] for r in by_id.values())
    pages = list((out / "feedback").rglob("*.html"))
    assert pages and all("Graded WITHOUT the sandbox" in p.read_text(encoding="utf-8") for p in pages)


def test_limits_applied_names_what_the_kernel_enforces():
    text = sandbox.limits_applied(sandbox.Limits())
    assert text.startswith(sandbox.isolation() + ": rlimits (address space 2 GiB per process, 64 processes")
    from grading.autograde.cgroups import availability

    where = availability()
    assert ("cgroup v2 per child (memory.max 2 GiB incl. shared memory, pids.max 64, cpu.max 1 CPU)" in text) \
        == (where.base is not None)
    if where.base is None:
        assert f"no cgroup limits ({where.reason})" in text
    print(text, file=sys.stderr)


def test_unprivileged_bwrap_forbids_nested_user_namespaces(monkeypatch):
    """As an ordinary user the sandbox is its own user namespace, and --disable-userns keeps the student's code
    from making another one (as root the host's user namespace is kept: see grading/README.md)."""
    monkeypatch.setattr(sandbox.bwrap, "_as_root", lambda: False)
    monkeypatch.setattr(sandbox.bwrap, "_bwrap_disables_userns", lambda: True)
    argv = sandbox.bwrap_argv(sandbox.Limits(), {}, ["true"])
    assert argv[argv.index("--unshare-all"):argv.index("--unshare-all") + 4] == [
        "--unshare-all", "--unshare-user", "--disable-userns", "--ro-bind"]
