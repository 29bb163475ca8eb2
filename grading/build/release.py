"""``python -m grading release OUT_DIR``: the student tree, and nothing of the instructor's side.

The tree is what a student repository, a Binder link or a JupyterHub image holds::

    assignments/NN_name/NN_name.ipynb   student notebooks (built in-process for the chosen language)
    classifiers/chapter3/*.py           stubs
    utils/                              helpers and checks (expected.json: reference outputs of visible inputs)
    datasets/                           download scripts and their README (never downloaded data)
    environment.yml, requirements.txt   the environment
    README.md                           from grading/student_README.md, in the chosen language
    collect_submission.py, collect/     the hand-in script for students outside nbgrader's exchange, and its parts
    .chapter3-release                   marker (JSON): says the folder is a release, lists its files, and holds
                                        under "settings" the course settings students' tools need (the traits of
                                        grading/settings.py tagged released=True) and under "facts" the course
                                        facts collect_submission.py needs (grading.facts.released_facts)

Like the build, the release is a list of generators, each called as ``generate(lang, settings)`` (settings: the
released settings, None for the course's) and yielding ``(path relative to the tree, bytes)``; every file passes a
leak check before anything is written.
"""
import json
import re
from pathlib import Path, PurePosixPath

from ..facts import COURSE_ID, DEFAULT_LANGUAGE, RELEASE_MARKER, released_facts
from ..paths import ROOT
from . import generated

MARKER = RELEASE_MARKER
GRADING = Path(__file__).resolve().parent.parent
README_TEMPLATE = GRADING / "student_README.md"

# Never released from utils/ and datasets/: caches, editor and VCS leftovers.
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", "cache"}
_SKIP_NAME = re.compile(r"^\.|\.py[co]$|~$|\.(orig|rej|swp|bak)$")
# Text that only instructor files hold (nbgrader's region markers); a released file containing one is a leak.
LEAK_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "HIDDEN TESTS", "BEGIN MARK SCHEME")


class ReleaseError(RuntimeError):
    """The release cannot be written (leak found, or the target folder is not safe to write into)."""


def _given_files(folder, pattern="**/*"):
    """Files of a folder of the repository, skipping caches and leftovers: (posix path, bytes)."""
    for path in sorted((ROOT / folder).glob(pattern)):
        rel = path.relative_to(ROOT)
        if path.is_file() and not path.is_symlink() and not _SKIP_PARTS.intersection(rel.parts) \
                and not _SKIP_NAME.search(path.name):
            yield rel.as_posix(), path.read_bytes()


def notebook_files(lang, settings=None):
    """assignments/: the student notebooks in ``lang``."""
    for rel, text in generated.student_notebooks(lang):
        yield PurePosixPath(rel).as_posix(), text.encode("utf-8")


def stub_files(lang, settings=None):
    """classifiers/: the generated stubs."""
    for rel, text in generated.stub_modules(lang):
        yield PurePosixPath(rel).as_posix(), text.encode("utf-8")


def helper_files(lang, settings=None):
    """utils/: the given helpers, with expected.json as the build generates it."""
    expected = {rel: text.encode("utf-8") for rel, text in generated.visible_expected_file(lang)}
    for rel, data in _given_files("utils"):
        if rel not in expected:
            yield rel, data
    yield from expected.items()


def dataset_files(lang, settings=None):
    """datasets/: the download scripts and their README in ``lang`` (README.zh.md becomes README.md in zh)."""
    yield from _given_files("datasets", "*.py")
    readme = ROOT / "datasets" / ("README.zh.md" if lang == "zh" else "README.md")
    yield "datasets/README.md", readme.read_bytes()


def environment_files(lang, settings=None):
    """environment.yml and requirements.txt."""
    for name in ("environment.yml", "requirements.txt"):
        yield name, (ROOT / name).read_bytes()


def binder_files(lang, settings=None):
    """postBuild and start at the top of the tree, where repo2docker (Binder) looks for them."""
    for path in sorted((ROOT / "grading" / "binder").iterdir()):
        yield path.name, path.read_bytes()


EXECUTABLE = frozenset({"postBuild", "start"})


def readme_text(lang, template=None):
    """The student README in ``lang`` from the template.

    The template is Markdown; a line ``<!-- lang: zh -->`` (or ``en``) starts text of one language only,
    ``<!-- lang: all -->`` text of both; any other line that is one HTML comment is a note for the maintainers and
    is dropped.
    """
    text = template if template is not None else README_TEMPLATE.read_text(encoding="utf-8")
    keep, out = True, []
    for line in text.splitlines():
        switch = re.fullmatch(r"\s*<!--\s*lang:\s*(\w+)\s*-->\s*", line)
        if switch:
            keep = switch.group(1) in (lang, "all")
        elif re.fullmatch(r"\s*<!--.*-->\s*", line):
            continue
        elif keep:
            out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


# How the student README names the values of released settings ({{name}} in its template).
SETTING_WORDS = {
    ("scoring_data", "cifar10"): {"zh": "CIFAR-10 数据集", "en": "CIFAR-10"},
    ("scoring_data", "embedded"): {"zh": "内置的小数据集（手写数字）",
                                   "en": "the small built-in data set (handwritten digits)"},
}


def fill_settings(text, lang, settings):
    """``text`` with every ``{{name}}`` replaced by the words for the released setting's value."""
    def words(match):
        name = match.group(1)
        return SETTING_WORDS[name, settings[name]][lang]

    return re.sub(r"\{\{(\w+)\}\}", words, text)


def readme_file(lang, settings=None):
    """README.md for the student tree, the released settings filled in."""
    text = fill_settings(readme_text(lang), lang, settings if settings is not None else released_settings())
    yield "README.md", text.encode("utf-8")


def collect_script_file(lang, settings=None):
    """collect_submission.py at the top of the tree, its parts in collect/ next to it (it imports them from its own
    folder): students without nbgrader's exchange hand in with it."""
    yield "collect_submission.py", (GRADING / "student_files" / "collect_submission.py").read_bytes()
    for rel, data in _given_files("grading/student_files/collect", "*.py"):
        yield PurePosixPath(rel).relative_to("grading/student_files").as_posix(), data


GENERATORS = (notebook_files, stub_files, helper_files, dataset_files, environment_files, binder_files, readme_file,
              collect_script_file)


def release_files(lang=DEFAULT_LANGUAGE, settings=None):
    """Every file of the student tree except the marker: dict of posix path -> bytes.

    ``settings``: the released settings ({name: value}, see released_settings); default: the course's.
    """
    files = {}
    for generate in GENERATORS:
        files.update(generate(lang, settings))
    check_no_leaks(files)
    return files


def check_no_leaks(files):
    """Raise ReleaseError if a file holds a solution or hidden-test marker."""
    for rel, data in files.items():
        text = data.decode("utf-8", errors="replace")
        for marker in LEAK_MARKERS:
            if marker in text:
                raise ReleaseError(f"{rel} contains {marker!r}: instructor material must not be released")


def _inside(out, path):
    """True when ``path`` (whose parent folders may be links) stays inside ``out``."""
    try:
        path.parent.resolve().relative_to(out.resolve())
    except ValueError:
        return False
    return True


def _previous_files(out):
    """Files listed by the marker of a previous release in ``out``; [] for a missing or empty folder."""
    if not out.exists():
        return []
    if not out.is_dir():
        raise ReleaseError(f"{out} exists and is not a folder")
    marker = out / MARKER
    if not marker.is_file() or marker.is_symlink():
        if any(out.iterdir()):
            raise ReleaseError(f"{out} is not empty and holds no previous release ({MARKER}); "
                               "choose an empty or new folder")
        return []
    try:
        listed = json.loads(marker.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReleaseError(f"{marker} is unreadable ({exc}); remove the old release by hand") from exc
    return [rel for rel in listed if isinstance(rel, str) and _is_plain_relative(rel)]


def _is_plain_relative(rel):
    parts = PurePosixPath(rel).parts
    return bool(parts) and not PurePosixPath(rel).is_absolute() and ".." not in parts and "" not in parts


def _remove_previous(out, listed):
    """Delete the files a previous release wrote (never anything else), then the folders they leave empty."""
    folders = set()
    for rel in listed:
        path = out / rel
        if (path.is_symlink() or path.is_file()) and _inside(out, path):
            path.unlink()
            folders.update(p for p in path.parents if p != out and out in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()


def _write(out, rel, data):
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if not _inside(out, path):
        raise ReleaseError(f"{path} would be written outside {out} (a folder on the way is a link)")
    if path.exists() or path.is_symlink():
        raise ReleaseError(f"{path} exists and is not from a previous release; not overwriting it")
    path.write_bytes(data)
    if rel in EXECUTABLE:
        path.chmod(0o755)


def released_settings(settings=None):
    """The course settings a release carries: {name: value} of every trait tagged ``released=True``.

    Inputs:
    - settings: a grading.settings.Chapter3 (or subclass) instance; default: the course's (course_settings())
    """
    if settings is None:
        from ..settings import course_settings

        settings = course_settings()
    return {name: getattr(settings, name) for name in sorted(settings.trait_names(config=True, released=True))}


def release(out_dir, lang=DEFAULT_LANGUAGE, settings=None):
    """Write the student tree into ``out_dir``.

    Inputs:
    - out_dir: a new or empty folder, or the folder of a previous release (its marker lists what to replace;
      files it does not list, such as a ``.git`` folder, are kept)
    - lang: "zh" or "en", the language of the notebooks and README
    - settings: the course's settings (grading.settings.Chapter3); default: those of the course directory. The
      released ones go into the marker under "settings".

    Returns:
    - the sorted paths written, relative to ``out_dir`` (the marker last)
    """
    out = Path(out_dir)
    carried = released_settings(settings)
    files = release_files(lang, carried)
    json.dumps(carried)  # a setting that JSON cannot hold fails here, before anything is written
    listed = _previous_files(out)
    out.mkdir(parents=True, exist_ok=True)
    _remove_previous(out, listed)
    marker = {"release": COURSE_ID, "lang": lang, "settings": carried, "facts": released_facts(),
              "files": sorted(files)}
    # The marker goes first: if writing stops half-way, the next release still knows which files are its own.
    (out / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    for rel in sorted(files):
        _write(out, rel, files[rel])
    return sorted(files) + [MARKER]
