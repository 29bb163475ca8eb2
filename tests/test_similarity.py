"""grading.publish.similarity: copies rank above independent work, untouched releases are never compared, the page says
that a score accuses nobody."""
import csv
import zipfile

import pytest

from grading import demo, demo_authors
from grading.__main__ import main
from grading.publish import similarity

COPIED = {("s14_alice", "s15_copied_function"), ("s14_alice", "s16_renamed_copy"),
          ("s15_copied_function", "s16_renamed_copy")}
# whose code each student's layers.py holds; two students whose sources do not meet are independent
SOURCES = {"ref_a": {"reference"}, "ref_b": {"reference"}, "s14_alice": {"alice"}, "s16_renamed_copy": {"alice"},
           "s17_independent": {"dave"}, "s15_copied_function": {"reference", "alice"}}


def write_class(dest, layers):
    """One folder per student: every stub, and their layers.py (None: the release left untouched)."""
    stubs = demo.stub_sources()
    for sid, text in layers.items():
        folder = dest / sid / "classifiers" / "chapter3"
        folder.mkdir(parents=True)
        for name, stub in stubs.items():
            (folder / name).write_text(stub, encoding="utf-8")
        if text is not None:
            (folder / "layers.py").write_text(text, encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def layers():
    ref = demo.reference_sources()
    students = {sid: files[f"{demo.MODULE_DIR}/layers.py"] for sid, files in demo.authors(ref, b"").items()}
    return {**students, "ref_a": ref["layers.py"], "ref_b": ref["layers.py"].replace("n = x.shape[0]", "n = len(x)"),
            "untouched_1": None, "untouched_2": None}


@pytest.fixture(scope="module")
def pairs(layers, tmp_path_factory):
    dest = write_class(tmp_path_factory.mktemp("class"), layers)
    return similarity.compare(similarity.student_files(dest, tmp_path_factory.mktemp("work")))


def score(pairs, a, b):
    found = [p.similarity for p in pairs if {p.a.owner, p.b.owner} == {a, b}]
    return found[0] if found else 0.0


def test_copied_and_renamed_pairs_rank_above_every_independent_pair(pairs, layers):
    independent = [(a, b) for a in SOURCES for b in SOURCES if a < b and not SOURCES[a] & SOURCES[b]]
    assert len(independent) == 9 and ("s14_alice", "s17_independent") in independent
    worst_copy = min(score(pairs, a, b) for a, b in COPIED)
    best_independent = max(score(pairs, a, b) for a, b in independent)
    assert worst_copy > best_independent, (worst_copy, best_independent)
    assert score(pairs, "s14_alice", "s16_renamed_copy") == pytest.approx(1.0)  # renaming hides nothing
    ranked = [frozenset((p.a.owner, p.b.owner)) for p in pairs]
    for a, b in COPIED:
        assert all(ranked.index(frozenset((a, b))) < ranked.index(frozenset(pair))
                   for pair in independent if frozenset(pair) in ranked)


def test_the_copied_function_is_named(pairs):
    pair = next(p for p in pairs if {p.a.owner, p.b.owner} == {"s14_alice", "s15_copied_function"})
    shares = similarity.matched_functions(pair.a.text, pair.slices_a)
    assert next(iter(shares)) == "softmax_loss" and shares["softmax_loss"] > 0.9


def test_untouched_releases_are_never_compared(pairs, layers):
    owners = {o for p in pairs for o in (p.a.owner, p.b.owner)}
    assert "untouched_1" not in owners and "untouched_2" not in owners
    # the stub's own code is distribution code: a student's file keeps no fingerprint of it
    stub = demo.stub_sources()["layers.py"]
    assert similarity.fingerprint(stub, similarity.boilerplate_hashes()).hashes == set()


def test_fill_writes_every_body_and_refuses_unknown_functions():
    stub = demo.stub_sources()["layers.py"]
    text = demo_authors.fill(stub, demo_authors.DAVE)
    assert "raise NotImplementedError" not in text and "np.einsum" in text
    with pytest.raises(ValueError, match="no function"):
        demo_authors.fill(stub, {"no_such_function": "pass"})


def test_archive_zip_layout_csv_and_page(layers, tmp_path):
    """The verb reads an LMS zip, compares with an archive, writes a CSV that csv reads back and a page in zh."""
    src = write_class(tmp_path / "class", {k: layers[k] for k in ("s14_alice", "s17_independent", "untouched_1")})
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "found_online.py").write_text(layers["s14_alice"], encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "class.zip", "w") as z:
        for path in sorted(src.rglob("*.py")):
            z.write(path, path.relative_to(src).as_posix())
    assert main(["similarity", str(tmp_path / "class.zip"), "--out", str(tmp_path / "out"), "--archive",
                 str(archive), "--lang", "zh"]) == 0
    with open(tmp_path / "out" / "pairs.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == similarity.COLUMNS
    assert (rows[0]["a"], rows[0]["b"], float(rows[0]["similarity"])) == (
        "s14_alice", "archive:found_online.py", 1.0)
    assert {r["a"] for r in rows} | {r["b"] for r in rows} <= {"s14_alice", "s17_independent",
                                                              "archive:found_online.py"}
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "本页内容本身不构成任何指控" in page and "<mark class='a'>" in page and "<script" not in page
    assert main(["similarity", str(src), "--out", str(tmp_path / "en"), "--lang", "en"]) == 0
    assert "Nothing on this page is an accusation" in (tmp_path / "en" / "index.html").read_text(encoding="utf-8")


def test_the_vectorised_overlap_equals_copydetects_compare_files(pairs):
    from copydetect import compare_files

    assert len(pairs) >= 15
    for p in pairs:
        tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(p.a.fingerprint, p.b.fingerprint)
        assert (int(tokens), share_a, share_b) == (p.tokens, pytest.approx(p.share_a), pytest.approx(p.share_b))
        assert slices_a.tolist() == p.slices_a.tolist() and slices_b.tolist() == p.slices_b.tolist()


def test_nbgrader_submitted_tree_takes_each_students_newest_copy(layers, tmp_path):
    """nbgrader's submitted/<student>/<assignment>/classifiers/...: the module of the latest assignment counts."""
    stub = demo.stub_sources()["layers.py"]
    for sid, (early, late) in {"p1": (stub, layers["s14_alice"]), "p2": (layers["s17_independent"], stub),
                               "p3": (stub, layers["s16_renamed_copy"])}.items():
        for assignment, text, stamp in (("01_affine_layer", early, "2026-03-01"),
                                        ("02_activations", late, "2026-03-08")):
            folder = tmp_path / "course" / "submitted" / sid / assignment
            (folder / "classifiers" / "chapter3").mkdir(parents=True)
            (folder / "classifiers" / "chapter3" / "layers.py").write_text(text, encoding="utf-8")
            (folder / "timestamp.txt").write_text(f"{stamp} 12:00:00.000000 UTC\n")
    files = similarity.student_files(tmp_path / "course", tmp_path / "work")
    assert files == {"p1": {"layers.py": layers["s14_alice"]}, "p2": {},
                     "p3": {"layers.py": layers["s16_renamed_copy"]}}
    pairs = similarity.compare(files)
    assert [(p.a.owner, p.b.owner, round(p.similarity, 3)) for p in pairs] == [("p1", "p3", 1.0)]
