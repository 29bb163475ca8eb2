"""``python -m grading release``: the student tree holds exactly what students need and nothing of the instructor's."""
import json
import re
from pathlib import Path

import nbformat
import pytest
from traitlets import Unicode

from grading import build, facts
from grading.build.notebooks import TEXT_STUB, instructor_notebook
from grading.build.release import MARKER, ReleaseError, readme_text, release
from grading.config import load_config
from grading.paths import ROOT, SOLUTIONS
from grading.settings import Chapter3

# Lines of solution regions that a released helper holds too, each looked at: (file, line).
_CONTROL_FLOW = re.compile(r"^(for|if|elif|else|while|try|except|with|return \w+$)\b")


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CH3_COURSE_DIR", str(root / "course-not-built"))  # the settings' defaults
        return {lang: (root / lang, release(root / lang, lang)) for lang in facts.LANGUAGES}


def _on_disk(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _expected_files(lang):
    """The file set of a release, worked out from the repository independently of grading/build/release.py."""
    files = {f"assignments/{s.stem}/{s.stem}.ipynb" for s in build.notebook_sources()}
    files |= {p.relative_to(SOLUTIONS).as_posix() for p in (SOLUTIONS / "classifiers").rglob("*.py")}
    files |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "utils").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    files |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "datasets").glob("*.py")} | {"datasets/README.md"}
    files |= {f"collect/{p.name}" for p in (ROOT / "grading" / "student_files" / "collect").glob("*.py")}
    return sorted(files | {"environment.yml", "requirements.txt", "README.md", "postBuild", "start", MARKER,
                           "collect_submission.py"})


def _released_text(folder):
    """{path: text} of every released file; notebooks as the joined sources of their cells."""
    out = {}
    for rel in _on_disk(folder):
        raw = (folder / rel).read_text(encoding="utf-8")
        if rel.endswith(".ipynb"):
            raw = "\n".join(c.source for c in nbformat.reads(raw, as_version=4).cells)
        out[rel] = raw
    return out


def _solution_lines():
    """Stripped lines inside the solution regions of solutions/ that are not also given code there."""
    inside, given = set(), set()
    for path in SOLUTIONS.rglob("*.py"):
        in_region = False
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text.startswith(("### BEGIN SOLUTION", "### END SOLUTION")):
                in_region = text.startswith("### BEGIN")
                continue
            (inside if in_region else given).add(text)
    return {t for t in inside - given if len(t) >= 12 and not t.startswith("#") and not _CONTROL_FLOW.match(t)}


@pytest.mark.parametrize("lang", facts.LANGUAGES)
def test_exactly_the_student_files(trees, lang):
    folder, written = trees[lang]
    assert written == sorted(written[:-1]) + [MARKER]
    assert _on_disk(folder) == sorted(written) == _expected_files(lang)
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    defaults = Chapter3()
    released = {name: getattr(defaults, name) for name in Chapter3.class_trait_names(config=True, released=True)}
    # the course facts collect_submission.py reads (their values: tests/test_course_facts.py)
    assert marker.pop("facts") == json.loads(json.dumps(facts.released_facts()))
    assert marker == {"release": "chapter3", "lang": lang, "settings": released, "files": written[:-1]}


@pytest.mark.parametrize("lang", facts.LANGUAGES)
def test_nothing_of_the_instructor(trees, lang):
    folder, written = trees[lang]
    assert not [rel for rel in written if rel.startswith(("solutions/", "grading/", "tests/", "bench/"))]
    assert not [rel for rel in written if Path(rel).name in ("gradebook.db", "nbgrader_config.py")]
    assert not [rel for rel in written if "cache" in Path(rel).parts or rel.endswith((".pyc", ".npz", ".gz"))]
    texts = _released_text(folder)
    for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "HIDDEN TESTS", "BEGIN MARK SCHEME"):
        assert not [rel for rel, text in texts.items() if marker in text], marker
    # hidden= is a parameter of check() in utils/checks; no released notebook passes it.
    assert not [rel for rel, text in texts.items() if rel.endswith(".ipynb") and "hidden=" in text]
    blobs = set()
    for source in build.notebook_sources():
        for cell in instructor_notebook(source, lang).cells:
            blobs.update(re.findall(r"hidden='([^']+)'", cell.source))
    assert blobs, "the instructor notebooks carry hidden tests"
    assert not [rel for rel, text in texts.items() for blob in blobs if blob[:64] in text]


def test_no_line_of_a_solution_region_is_released(trees):
    lines = _solution_lines()
    assert len(lines) > 50  # the reference really has solution regions to leak
    for lang in facts.LANGUAGES:
        folder, _ = trees[lang]
        for rel, text in _released_text(folder).items():
            leaked = {t.strip() for t in text.splitlines()} & lines
            assert not leaked, f"{lang}:{rel} holds solution lines {sorted(leaked)[:5]}"


def test_languages_differ_only_in_prose(trees):
    (zh, zh_files), (en, en_files) = trees["zh"], trees["en"]
    assert zh_files == en_files
    for rel in zh_files:
        if rel.endswith(".ipynb") or rel in ("README.md", "datasets/README.md", MARKER):
            continue
        assert (zh / rel).read_bytes() == (en / rel).read_bytes(), rel
    for rel in (r for r in zh_files if r.endswith(".ipynb")):
        grades = []
        for folder, lang in ((zh, "zh"), (en, "en")):
            nb = nbformat.read(folder / rel, as_version=4)
            assert nb.metadata == nbformat.read(zh / rel, as_version=4).metadata
            cells = []
            for c in (c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")):
                meta = dict(c.metadata.nbgrader)
                if c.cell_type == "markdown":  # a written answer: the stub is in the release's language
                    assert c.source == TEXT_STUB[lang], rel
                    del meta["checksum"]
                cells.append((c.id, c.cell_type, c.source if c.cell_type == "code" else "", meta))
            grades.append(cells)
        assert grades[0] and grades[0] == grades[1], rel
    for rel in ("README.md", "datasets/README.md"):
        assert (zh / rel).read_text(encoding="utf-8") != (en / rel).read_text(encoding="utf-8")


def test_readme_template_keeps_one_language():
    template = "<!-- note for maintainers -->\nboth\n<!-- lang: zh -->\n中文\n<!-- lang: en -->\nEnglish\n" \
               "<!-- lang: all -->\nend\n"
    assert readme_text("zh", template) == "both\n中文\nend\n"
    assert readme_text("en", template) == "both\nEnglish\nend\n"
    for lang, absent in (("zh", "## Getting started"), ("en", "## 开始")):
        text = readme_text(lang)
        assert text.startswith("# ") and absent not in text and "<!--" not in text


def test_refuses_a_folder_that_is_not_a_release(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(ReleaseError, match="not empty"):
        release(tmp_path, "en")
    assert _on_disk(tmp_path) == ["thesis.tex"]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ReleaseError, match="not a folder"):
        release(tmp_path / "file", "en")


def test_rerelease_replaces_its_own_files_only(tmp_path):
    out = tmp_path / "student-repo"
    first = release(out, "zh")
    (out / ".git").mkdir()
    (out / ".git" / "config").write_text("[core]", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("keep", encoding="utf-8")
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    stale = "assignments/99_old/99_old.ipynb"
    (out / stale).parent.mkdir(parents=True)
    (out / stale).write_text("{}", encoding="utf-8")
    marker["files"] += [stale, "../outside.txt", "/etc/hostname"]  # a tampered marker cannot reach outside
    (out / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    second = release(out, "en")
    assert second == first
    assert _on_disk(out) == sorted([*second, ".git/config"])
    assert not (out / "assignments" / "99_old").exists()
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "keep"
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["lang"] == "en"


def test_never_overwrites_a_file_it_did_not_write(tmp_path):
    out = tmp_path / "r"
    release(out, "en")
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    marker["files"].remove("README.md")
    (out / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    (out / "README.md").write_text("my notes", encoding="utf-8")
    with pytest.raises(ReleaseError, match="README.md exists"):
        release(out, "en")
    assert (out / "README.md").read_text(encoding="utf-8") == "my notes"


class _CourseWithReleasedSettings(Chapter3):
    """The course's settings plus two of this test's own: one students' tools need, one they must not see."""

    scoring_data = Unicode("cifar10").tag(config=True, released=True)
    grader_secret = Unicode("none").tag(config=True)


def test_marker_carries_the_released_settings_and_only_those(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "nbgrader_config.py").write_text(
        'c = get_config()\nc.Chapter3.scoring_data = "embedded"\nc.Chapter3.grader_secret = "s3cret"\n'
        'c.Chapter3.language = "en"\n', encoding="utf-8")
    settings = _CourseWithReleasedSettings(config=load_config(tmp_path / "course"))
    assert (settings.scoring_data, settings.grader_secret) == ("embedded", "s3cret")
    out = tmp_path / "r"
    release(out, "en", settings=settings)
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert marker["settings"] == {"scoring_data": "embedded"}
    assert "s3cret" not in (out / MARKER).read_text(encoding="utf-8")
    assert marker["lang"] == "en" and MARKER not in marker["files"] and "README.md" in marker["files"]


def test_marker_of_a_course_without_released_settings_has_an_empty_settings_object(tmp_path, monkeypatch):
    monkeypatch.setenv("CH3_COURSE_DIR", str(tmp_path / "no-course-yet"))
    release(tmp_path / "r", "zh")
    marker = json.loads((tmp_path / "r" / MARKER).read_text(encoding="utf-8"))
    released = sorted(Chapter3.class_trait_names(config=True, released=True))
    assert sorted(marker["settings"]) == released
    assert "language" not in marker["settings"]  # a setting for the instructor's tools only


@pytest.mark.parametrize("lang, readme", [("zh", "README.zh.md"), ("en", "README.md")])
def test_the_datasets_readme_is_in_the_release_language(trees, lang, readme):
    folder, _ = trees[lang]
    assert (folder / "datasets" / "README.md").read_bytes() == (ROOT / "datasets" / readme).read_bytes()


@pytest.mark.parametrize("lang, words", [("zh", "**CIFAR-10 数据集**"), ("en", "**CIFAR-10**")])
def test_the_readme_names_the_data_the_grader_scores_on(trees, lang, words):
    text = (trees[lang][0] / "README.md").read_text(encoding="utf-8")
    assert words in text and "{{" not in text


def test_the_readme_names_the_embedded_set_when_the_course_scores_on_it():
    from grading.build.release import readme_file

    [(_, data)] = readme_file("zh", {"scoring_data": "embedded"})
    assert "**内置的小数据集（手写数字）**" in data.decode("utf-8")
