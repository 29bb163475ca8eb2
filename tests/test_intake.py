"""grading.intake: every accepted layout gives the same clean work trees; hostile inputs give a status, not files."""
import io
import os
import stat
import zipfile

import pytest

from grading.autograde import intake, sources

MODULES = ["layers.py", "optim.py"]
ASSIGNMENTS = ["01_affine_layer", "05_deep_net"]
NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def release_files(tag=b""):
    """A student's files laid out like the release (plus files the grader never reads)."""
    return {
        "classifiers/chapter3/layers.py": b"# layers " + tag,
        "classifiers/chapter3/optim.py": b"# optim " + tag,
        "classifiers/chapter3/__init__.py": b"import os; os.system('evil')",
        "assignments/01_affine_layer/01_affine_layer.ipynb": NB,
        "assignments/05_deep_net/best_model.npz": b"npz " + tag,
        "utils/checks/__init__.py": b"def check(*a): pass",
        "sitecustomize.py": b"import os",
        "README.md": b"hello",
    }


def write_tree(root, files):
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def zip_bytes(files, symlinks=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in files.items():
            z.writestr(rel, data)
        for rel, target in symlinks:
            info = zipfile.ZipInfo(rel)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return buf.getvalue()


def run(src, tmp_path):
    return {s.student_id: s for s in intake.intake(src, tmp_path / "work", MODULES, ASSIGNMENTS)}


GRADED = ["assignments/01_affine_layer/01_affine_layer.ipynb", "assignments/05_deep_net/best_model.npz",
          "classifiers/chapter3/layers.py", "classifiers/chapter3/optim.py"]


def tree_of(sub):
    return {p.relative_to(sub.tree).as_posix(): p.read_bytes() for p in sorted(sub.tree.rglob("*")) if p.is_file()}


def test_release_layout_takes_only_graded_files(tmp_path):
    write_tree(tmp_path / "in" / "alice", release_files(b"a"))
    write_tree(tmp_path / "in" / "bob", {"classifiers/chapter3/layers.py": b"x"})
    subs = run(tmp_path / "in", tmp_path)
    assert sorted(subs) == ["alice", "bob"]
    alice = subs["alice"]
    assert alice.files == GRADED and alice.problems == []
    assert tree_of(alice)["classifiers/chapter3/layers.py"] == b"# layers a"
    assert sorted(tree_of(alice)) == GRADED  # no __init__.py, utils/, sitecustomize.py from the student
    assert subs["bob"].files == ["classifiers/chapter3/layers.py"] and subs["bob"].problems == []


def test_digest_changes_only_with_graded_content(tmp_path):
    write_tree(tmp_path / "in" / "alice", release_files(b"a"))
    first = run(tmp_path / "in", tmp_path)["alice"].digest
    (tmp_path / "in" / "alice" / "README.md").write_bytes(b"changed")
    assert run(tmp_path / "in", tmp_path)["alice"].digest == first
    (tmp_path / "in" / "alice" / "classifiers/chapter3/optim.py").write_bytes(b"changed")
    assert run(tmp_path / "in", tmp_path)["alice"].digest != first


def test_rerun_replaces_stale_files(tmp_path):
    write_tree(tmp_path / "in" / "alice", release_files())
    run(tmp_path / "in", tmp_path)
    (tmp_path / "in" / "alice" / "classifiers/chapter3/optim.py").unlink()
    assert "classifiers/chapter3/optim.py" not in tree_of(run(tmp_path / "in", tmp_path)["alice"])


def test_symlinks_are_never_followed(tmp_path):
    root = tmp_path / "in"
    write_tree(root / "mallory", {"assignments/01_affine_layer/01_affine_layer.ipynb": NB})
    write_tree(root / "alice", release_files(b"a"))
    (root / "mallory/classifiers/chapter3").mkdir(parents=True)
    os.symlink("/etc/passwd", root / "mallory/classifiers/chapter3/layers.py")
    os.symlink(root / "alice/assignments/05_deep_net", root / "mallory/assignments/05_deep_net")
    os.symlink(root / "alice", root / "eve")
    subs = run(root, tmp_path)
    assert subs["mallory"].files == ["assignments/01_affine_layer/01_affine_layer.ipynb"]
    assert sorted(subs["mallory"].notes) == ["skipped symlink assignments/05_deep_net",
                                             "skipped symlink classifiers/chapter3/layers.py"]
    assert subs["eve"].problems == ["rejected: symlink"] and subs["eve"].tree is None


def nbgrader_class(root):
    """nbgrader's submitted/ tree: alice handed in 01 and later 05, each folder with its own classifiers/; bob's
    folders have no timestamp.txt."""
    sub = root / "submitted" / "alice"
    write_tree(sub / "01_affine_layer", {"01_affine_layer.ipynb": NB, "timestamp.txt": b"2026-03-02 10:00:00 UTC",
                                         "classifiers/chapter3/layers.py": b"01 layers",
                                         "classifiers/chapter3/optim.py": b"01 optim"})
    write_tree(sub / "05_deep_net", {"best_model.npz": b"m", "timestamp.txt": b"2026-03-09 10:00:00.5 UTC",
                                     "classifiers/chapter3/layers.py": b"05 layers"})
    write_tree(root / "submitted/bob", {"01_affine_layer/classifiers/chapter3/layers.py": b"early",
                                        "01_affine_layer/notes.txt": b"x",
                                        "05_deep_net/classifiers/chapter3/layers.py": b"late"})
    os.utime(root / "submitted/bob/01_affine_layer/classifiers/chapter3/layers.py", (1e9, 1e9))
    os.utime(root / "submitted/bob/01_affine_layer/notes.txt", (1.5e9, 1.5e9))
    os.utime(root / "submitted/bob/05_deep_net/classifiers/chapter3/layers.py", (1.7e9, 1.7e9))
    return root


def test_nbgrader_submitted_tree_keeps_each_assignments_own_modules(tmp_path):
    subs = run(nbgrader_class(tmp_path / "course"), tmp_path)
    alice, bob = subs["alice"], subs["bob"]
    assert tree_of(alice) == {
        "assignments/01_affine_layer/01_affine_layer.ipynb": NB,
        "assignments/01_affine_layer/classifiers/chapter3/layers.py": b"01 layers",
        "assignments/01_affine_layer/classifiers/chapter3/optim.py": b"01 optim",
        "assignments/05_deep_net/best_model.npz": b"m",
        "assignments/05_deep_net/classifiers/chapter3/layers.py": b"05 layers"}  # no optim.py: not done in 05
    assert alice.roots == {"01_affine_layer": "assignments/01_affine_layer", "05_deep_net": "assignments/05_deep_net"}
    assert alice.per_assignment and alice.problems == []
    # the times nbgrader wrote (UTC), else the newest file of the folder
    assert alice.submitted_at == {"01_affine_layer": 1772445600.0, "05_deep_net": 1773050400.5}
    assert tree_of(bob) == {"assignments/01_affine_layer/classifiers/chapter3/layers.py": b"early",
                            "assignments/05_deep_net/classifiers/chapter3/layers.py": b"late"}
    assert bob.submitted_at == {"01_affine_layer": 1.5e9, "05_deep_net": 1.7e9}


def test_only_some_assignments_leaves_the_other_folders_alone(tmp_path):
    """Grading 05 alone (--only) takes 05's folder and nothing of 01's; a student without a 05 folder handed in
    nothing for it, even though 01's folder holds modules."""
    nbgrader_class(tmp_path / "course")
    write_tree(tmp_path / "course/submitted/carol/01_affine_layer", {"classifiers/chapter3/layers.py": b"c"})
    subs = {s.student_id: s for s in intake.intake(tmp_path / "course", tmp_path / "work", MODULES,
                                                   ["05_deep_net"])}
    assert subs["alice"].roots == {"05_deep_net": "assignments/05_deep_net"}
    assert sorted(tree_of(subs["alice"])) == ["assignments/05_deep_net/best_model.npz",
                                              "assignments/05_deep_net/classifiers/chapter3/layers.py"]
    assert subs["carol"].roots == {} and subs["carol"].files == [] and subs["carol"].submitted_at == {}


def test_a_folder_without_modules_uses_the_modules_outside_the_folders(tmp_path):
    write_tree(tmp_path / "in" / "dana", {"01_affine_layer/01_affine_layer.ipynb": NB,
                                          "05_deep_net/classifiers/chapter3/layers.py": b"05",
                                          "classifiers/chapter3/layers.py": b"loose"})
    dana = run(tmp_path / "in", tmp_path)["dana"]
    assert dana.roots == {"01_affine_layer": "", "05_deep_net": "assignments/05_deep_net"}
    assert tree_of(dana) == {"assignments/01_affine_layer/01_affine_layer.ipynb": NB,
                             "assignments/05_deep_net/classifiers/chapter3/layers.py": b"05",
                             "classifiers/chapter3/layers.py": b"loose"}


def test_one_module_set_serves_every_assignment_without_assignment_folders(tmp_path):
    write_tree(tmp_path / "in" / "alice", release_files(b"a"))
    os.utime(tmp_path / "in/alice/README.md", (2e9, 2e9))
    alice = run(tmp_path / "in", tmp_path)["alice"]
    assert alice.roots == {"01_affine_layer": "", "05_deep_net": ""} and not alice.per_assignment
    assert alice.submitted_at == {"01_affine_layer": 2e9, "05_deep_net": 2e9}  # the newest file handed in


def test_without_assignments_the_newest_module_wins(tmp_path):
    """The similarity check reads modules only (no assignments): nbgrader's copies give the newest of each."""
    nbgrader_class(tmp_path / "course")
    subs = {s.student_id: s for s in intake.intake(tmp_path / "course", tmp_path / "work", MODULES, [])}
    assert tree_of(subs["alice"]) == {"classifiers/chapter3/layers.py": b"05 layers",
                                      "classifiers/chapter3/optim.py": b"01 optim"}
    assert tree_of(subs["bob"]) == {"classifiers/chapter3/layers.py": b"late"}


def test_an_lms_zip_of_assignment_folders_is_graded_per_assignment(tmp_path):
    files = {"alice/01_affine_layer/classifiers/chapter3/layers.py": b"01",
             "alice/05_deep_net/classifiers/chapter3/layers.py": b"05"}
    (tmp_path / "class.zip").write_bytes(zip_bytes(files))
    alice = run(tmp_path / "class.zip", tmp_path)["alice"]
    assert alice.per_assignment and sorted(alice.roots) == ASSIGNMENTS
    assert tree_of(alice) == {"assignments/01_affine_layer/classifiers/chapter3/layers.py": b"01",
                              "assignments/05_deep_net/classifiers/chapter3/layers.py": b"05"}


@pytest.mark.parametrize("layout", ["folders", "zips", "wrapped", "folder_of_zips"])
def test_lms_zip_layouts_give_the_same_trees(tmp_path, layout):
    write_tree(tmp_path / "ref" / "alice", release_files(b"a"))
    write_tree(tmp_path / "ref" / "bob", release_files(b"b"))
    expected = {k: tree_of(v) for k, v in run(tmp_path / "ref", tmp_path / "r").items()}
    files = {f"{sid}/{rel}": data for sid in ("alice", "bob") for rel, data in release_files(sid[:1].encode()).items()}
    per_student = {sid: zip_bytes({rel: data for rel, data in release_files(sid[:1].encode()).items()})
                   for sid in ("alice", "bob")}
    src = tmp_path / "class.zip"
    if layout == "folders":
        src.write_bytes(zip_bytes(files))
    elif layout == "wrapped":
        src.write_bytes(zip_bytes({f"submitted/{rel}": d for rel, d in files.items()}))
    elif layout == "zips":
        src.write_bytes(zip_bytes({"submission_alice.zip": per_student["alice"], "bob.zip": per_student["bob"]}))
    else:
        src = tmp_path / "zips"
        src.mkdir()
        (src / "submission_alice.zip").write_bytes(per_student["alice"])
        (src / "bob.zip").write_bytes(zip_bytes({f"ch3/{rel}": d for rel, d in release_files(b"b").items()}))
    got = {k: tree_of(v) for k, v in run(src, tmp_path).items()}
    assert got == expected


def test_zip_hostile_members_reject_only_their_student(tmp_path):
    bomb = zipfile.ZipFile(io.BytesIO(zip_bytes({"x": b"\0" * (8 << 20)}))).infolist()[0]
    assert bomb.file_size > sources.ZIP_RATIO_CAP * bomb.compress_size
    files = {f"alice/{rel}": d for rel, d in release_files(b"a").items()}
    files["mallory/../../escape.py"] = b"x"
    files["mallory/classifiers/chapter3/layers.py"] = b"x"
    files["zed/classifiers/chapter3/layers.py"] = b"\0" * (8 << 20)  # a zip bomb (in miniature)
    files["../top.py"] = b"x"  # belongs to no student
    src = tmp_path / "class.zip"
    src.write_bytes(zip_bytes(files, symlinks=[("eve/classifiers/chapter3/layers.py", "/etc/passwd")]))
    subs = run(src, tmp_path)
    assert sorted(subs) == ["alice", "eve", "mallory", "zed"]
    assert subs["alice"].problems == [] and subs["alice"].files == GRADED
    assert subs["mallory"].problems == ["rejected: unsafe path in zip"] and subs["mallory"].tree is None
    assert subs["zed"].problems == ["rejected: zip bomb"]
    assert subs["eve"].problems == ["no submission"] and subs["eve"].notes == [
        "skipped symlink eve/classifiers/chapter3/layers.py"]
    assert not (tmp_path / "escape.py").exists() and not (tmp_path / "top.py").exists()


def test_nested_zip_bomb_and_garbage_zip(tmp_path):
    src = tmp_path / "zips"
    src.mkdir()
    (src / "bomb.zip").write_bytes(zip_bytes({"layers.py": b"\0" * (8 << 20)}))
    (src / "junk.zip").write_bytes(b"this is not a zip")
    (src / "alice.zip").write_bytes(zip_bytes(release_files()))
    subs = run(src, tmp_path)
    assert subs["bomb"].problems == ["rejected: zip bomb"]
    assert subs["junk"].problems == ["rejected: not a zip"]
    assert subs["alice"].problems == []


def test_files_over_the_caps_are_skipped_with_a_status(tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "MODULE_CAP", 10)
    write_tree(tmp_path / "in" / "alice", {"classifiers/chapter3/layers.py": b"x" * 11,
                                           "classifiers/chapter3/optim.py": b"x" * 10})
    alice = run(tmp_path / "in", tmp_path)["alice"]
    assert alice.files == ["classifiers/chapter3/optim.py"]
    assert alice.problems == ["too large: layers.py"]


def test_student_ids_are_mapped_never_dropped(tmp_path):
    """Any name that is a valid file name keeps its work under a mapped ASCII id; hidden folders are rejected rows."""
    long_name = "学" * 85  # 255 bytes of UTF-8
    names = ("ok_id-1.x", "bad id", "-dash", "名字", "李雷", "Ada Lovelace", long_name)
    for name in names:
        write_tree(tmp_path / "in" / name, {"classifiers/chapter3/layers.py": name.encode()})
    write_tree(tmp_path / "in" / ".hidden", {"classifiers/chapter3/layers.py": b"x"})
    (tmp_path / "in" / ".DS_Store").write_bytes(b"not a student")
    subs = {s.name or s.student_id: s for s in intake.intake(tmp_path / "in", tmp_path / "work")}
    assert sorted(subs) == sorted([*names, ".hidden"])
    for name in names:
        sub = subs[name]
        assert sub.problems == [] and tree_of(sub) == {"classifiers/chapter3/layers.py": name.encode()}, name
        assert intake._ID.fullmatch(sub.student_id), sub.student_id
    assert subs["ok_id-1.x"].student_id == "ok_id-1.x" and subs["ok_id-1.x"].name == ""
    assert subs["Ada Lovelace"].student_id.startswith("Ada_Lovelace-")
    assert subs["李雷"].student_id.startswith("u-") and subs["李雷"].student_id != subs["名字"].student_id
    assert intake.mapped_id("李雷") == subs["李雷"].student_id  # stable: a rerun finds the same record
    hidden = subs[".hidden"]
    assert hidden.problems == ["rejected: hidden folder (its name starts with a dot)"] and hidden.tree is None


def test_names_that_are_no_file_names_are_rejected():
    for raw in ("a\nb", "x" * 256, "é" * 128, "\udcff-bytes", ".", ".."):
        sid, problem = intake.sanitise(raw)
        assert sid.startswith("invalid-") and problem == "rejected: invalid student id", raw


def test_duplicate_ids_keep_the_first(tmp_path):
    write_tree(tmp_path / "in" / "alice", {"classifiers/chapter3/layers.py": b"folder"})
    (tmp_path / "in" / "alice.zip").write_bytes(zip_bytes({"classifiers/chapter3/layers.py": b"zip"}))
    subs = run(tmp_path / "in", tmp_path)
    assert tree_of(subs["alice"]) == {"classifiers/chapter3/layers.py": b"folder"}
    assert subs["alice.dup1"].problems == ["rejected: duplicate student id"]


def test_empty_and_missing_work(tmp_path):
    (tmp_path / "in" / "nobody").mkdir(parents=True)
    write_tree(tmp_path / "in" / "blank", {"classifiers/chapter3/layers.py": b"", "notes.txt": b"hi"})
    write_tree(tmp_path / "in" / "other", {"notes.txt": b"hi"})
    write_tree(tmp_path / "in" / "latin1", {"classifiers/chapter3/layers.py": "é = 1".encode("latin-1")})
    subs = run(tmp_path / "in", tmp_path)
    assert subs["nobody"].problems == ["no submission"]
    assert subs["blank"].problems == ["empty"] and subs["blank"].files == ["classifiers/chapter3/layers.py"]
    assert subs["other"].problems == ["empty"] and subs["other"].files == []
    assert subs["latin1"].problems == [] and tree_of(subs["latin1"]) == {
        "classifiers/chapter3/layers.py": "é = 1".encode("latin-1")}


def test_target_of_matches_path_endings():
    assert intake.target_of(intake.PurePosixPath("x/y/classifiers/chapter3/layers.py"), MODULES, ASSIGNMENTS) == \
        "classifiers/chapter3/layers.py"
    assert intake.target_of(intake.PurePosixPath("01_affine_layer/01_affine_layer.ipynb"), MODULES, ASSIGNMENTS) \
        == "assignments/01_affine_layer/01_affine_layer.ipynb"
    for path in ("classifiers/chapter3/evil.py", "classifiers/layers.py", "05_deep_net/other.npz",
                 "01_affine_layer/.ipynb_checkpoints/01_affine_layer-checkpoint.ipynb"):
        assert intake.target_of(intake.PurePosixPath(path), MODULES, ASSIGNMENTS) is None
