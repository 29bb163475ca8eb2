"""grading.cgroups on a stand-in hierarchy (this machine's cgroup v2 has no memory/pids/cpu controllers, so the
real one is exercised where it exists: tests/test_starvation.py): detection, the limits written, the child joining
its cgroup before it execs."""
import subprocess

import pytest

from grading.autograde import cgroups, sandbox
from grading.autograde.sandbox import confinement


@pytest.fixture
def fake_hierarchy(tmp_path, monkeypatch):
    root = tmp_path / "cgroup2"
    base = root / "grader.scope"
    base.mkdir(parents=True)
    (base / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (base / "cgroup.subtree_control").write_text("")
    monkeypatch.setattr(cgroups, "_mounts", lambda: [root])
    monkeypatch.setattr(cgroups, "_own_path", lambda: "/grader.scope")
    cgroups.availability.cache_clear()
    yield base
    cgroups.availability.cache_clear()


def test_missing_controllers_are_named(fake_hierarchy):
    (fake_hierarchy / "cgroup.controllers").write_text("cpu io\n")
    where = cgroups.availability()
    assert where.base is None and "has no memory, pids controller" in where.reason


def test_a_delegated_hierarchy_is_used(fake_hierarchy):
    where = cgroups.availability()
    assert where.base == fake_hierarchy and where.reason == ""
    assert (fake_hierarchy / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert "cgroup v2 per child (memory.max 2 GiB incl. shared memory, pids.max 64, cpu.max 1 CPU)" in \
        sandbox.limits_applied(sandbox.Limits())


def test_a_students_cgroup_gets_its_limits_and_its_child(fake_hierarchy):
    group = cgroups.StudentCgroup(fake_hierarchy, 2 << 30, 64, cpus=1.0)
    assert group.path.parent == fake_hierarchy and group.path.name.startswith(cgroups.PREFIX)
    values = {name: (group.path / name).read_text() for name in ("memory.max", "memory.swap.max", "pids.max",
                                                                 "cpu.max")}
    assert values == {"memory.max": str(2 << 30), "memory.swap.max": "0", "pids.max": "64", "cpu.max": "100000 100000"}
    # the shell wrapper writes its own pid ("0": the writer) into cgroup.procs, then execs the command
    argv = confinement.confined(["/bin/sh", "-c", "echo started"], sandbox.BWRAP, group)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout == "started\n"
    assert (group.path / "cgroup.procs").read_text().strip() == "0"


def test_no_hierarchy_no_cgroup(monkeypatch):
    monkeypatch.setattr(cgroups, "_mounts", lambda: [])
    cgroups.availability.cache_clear()
    try:
        assert cgroups.availability().reason == "no cgroup v2 hierarchy is mounted"
        assert confinement.new_cgroup(sandbox.Limits()) is None
    finally:
        cgroups.availability.cache_clear()
