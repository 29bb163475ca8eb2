"""Intake: whatever a class handed in -> one clean work tree per student, laid out like the release.

Accepted inputs (``SUBMISSIONS`` of ``python -m grading autograde``):
1. a folder with one sub-folder per student id, each laid out like the release tree;
2. nbgrader's ``submitted/`` tree (the folder itself, or a course directory holding it):
   ``<student>/<assignment>/<assignment>.ipynb``, each assignment folder possibly with its own ``classifiers/`` copy;
3. an LMS zip: a zip of per-student folders, or of per-student zips named ``submission_<id>.zip`` or ``<id>.zip``;
   a folder of such zips (folders and zips may be mixed).
A single wrapping folder that does not look like a student (no ``classifiers/``, ``assignments/`` or assignment
folder inside) is looked through, so ``submissions.zip`` holding ``submitted/alice/...`` works too.

Inside one student's files, each file the grader reads is found by the end of its path, wherever the student put
the tree (``classifiers/chapter3/<module>.py``, ``<assignment>/<assignment>.ipynb``,
``<assignment>/best_model.npz``). When there are several copies, the newest wins: the ``timestamp.txt`` nbgrader
writes into the assignment folder, else the file's modification time (zip: the member's date), ties broken by the
shallower, then alphabetically first path.

Each assignment is graded from its own submission. When modules lie inside assignment folders (nbgrader's
``<student>/<assignment>/classifiers/``, an LMS zip of such folders), each assignment folder is one hand-in: its
modules go to ``assignments/<assignment>/classifiers/chapter3/`` of the work tree and grade that assignment's cells
only, and assignments without a folder are not handed in (``Submission.roots`` lists the ones that are). An
assignment folder without modules of its own uses the modules outside every assignment folder, if there are any.
Without modules in assignment folders (the release layout, a flat upload of ``classifiers/``) the modules are one
set, at ``classifiers/chapter3/``, for every assignment. The time of a hand-in is its folder's ``timestamp.txt``,
else its newest file.

Trust: nothing is extracted but regular files the grader reads, each under a size cap; symlinks (in a folder or as
zip members) are never followed; zip members with absolute or ``..`` paths, zips that expand far beyond their size,
and files over the caps give the student a status instead of a grade or a file. What a file contains is not judged
here: an empty or non-UTF-8 module is just wrong work.
"""
import hashlib
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from ..facts import MODEL_CAP, MODEL_FILE, MODULE_CAP, NOTEBOOK_CAP, assignment_names, module_names
from ..facts import STUDENT_ID as _ID
from .sources import MB, FolderSource, Rejected, ZipSource, nested_zip

_ZIP_NAME = re.compile(r"(?:submission_)?(.+)\.zip", re.IGNORECASE)


def known_modules():
    """Names of the student modules (``layers.py``, ...): grading.facts.module_names(), the stub package minus its
    ``__init__.py``."""
    return module_names()


def known_assignments():
    """Assignment names in course order (the notebook sources' stems)."""
    return assignment_names()


@dataclass
class Submission:
    """One student's submission after intake.

    - student_id: the sanitised id (a row of grades.csv, a file name)
    - tree: the clean work tree (release layout), None when nothing could be taken
    - files: paths (relative to the tree) of the student's own files in it
    - problems: short reasons for the status column ("rejected: zip bomb", "empty", "no submission", ...)
    - notes: what else intake did (files skipped as too large, symlinks skipped), for the log and feedback
    - digest: sha256 of the student's files and problems: a rerun regrades only when this changes
    - roots: {assignment handed in: the folder of the tree that holds its ``classifiers/`` ("" = the tree itself)}
    - submitted_at: {assignment handed in: when, as a POSIX time}
    - per_assignment: the modules came in assignment folders, so only the assignments in ``roots`` were handed in
      (else one module set serves every assignment the batch grades)
    """

    student_id: str
    name: str = ""  # the folder or zip name the student was found under (set when it differs from student_id)
    tree: Path | None = None
    files: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    digest: str = ""
    roots: dict = field(default_factory=dict)
    submitted_at: dict = field(default_factory=dict)
    per_assignment: bool = False


def looks_like_student(names, assignments):
    """True when a folder with these child names is one student's tree (rather than a wrapper around students)."""
    return bool({"classifiers", "assignments", *assignments} & set(names))


def valid_file_name(raw):
    """Whether ``raw`` (a folder or zip name as the LMS wrote it) is an ordinary file name: UTF-8, at most 255
    bytes, no "/", no control characters, not "." or "..", not hidden (a leading dot)."""
    import unicodedata

    try:
        size = len(raw.encode("utf-8"))
    except UnicodeEncodeError:  # undecodable bytes in the name (surrogate escapes)
        return False
    return (0 < size <= 255 and "/" not in raw and not raw.startswith(".")
            and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in raw))


def mapped_id(raw):
    """The grading id of a name that is a valid file name but not an ASCII id (李雷, "Ada Lovelace", a 255-character
    name): its ASCII part and a hash of the whole name, e.g. ``Ada_Lovelace-1b2c3d4e``, ``u-5f1a2b3c``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("._-")[:40].strip("._-")
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug and slug[0].isalnum() else f"u-{digest}"


def sanitise(raw):
    """(student id, problem or None).

    An ASCII id (letters, digits, ``._-``) is kept; any other name that is a valid file name keeps its work under a
    mapped id (:func:`mapped_id`; the record keeps the name, and grades.csv lists both); a hidden (dot) folder or a
    name that is no file name gets a stable stand-in and a rejection.
    """
    if _ID.fullmatch(raw) and raw not in (".", ".."):
        return raw, None
    if valid_file_name(raw):
        return mapped_id(raw), None
    stand_in = "invalid-" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    if raw.startswith(".") and raw not in (".", ".."):
        return stand_in, "rejected: hidden folder (its name starts with a dot)"
    return stand_in, "rejected: invalid student id"


def discover(submissions, assignments, notes):
    """[(raw student id, source or Rejected)] of a SUBMISSIONS path, sorted by raw id."""
    path = Path(submissions)
    if path.is_file():
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Rejected("not a zip file") from exc
        return _zip_students(archive, assignments, notes)
    if (path / "submitted").is_dir() and not (path / "submitted").is_symlink():
        path = path / "submitted"
    for _ in range(3):  # look through wrapping folders
        children = [c for c in path.iterdir() if not c.name.startswith(".")]
        dirs = [c for c in children if c.is_dir() and not c.is_symlink()]
        inner = [c for c in dirs[0].iterdir()] if len(children) == 1 and dirs else []
        if any(c.is_dir() for c in inner) and not looks_like_student([c.name for c in inner], assignments):
            path = dirs[0]
        else:
            break
    found = []
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") and not child.is_dir():
            continue  # .DS_Store and the like: not a student
        if child.is_symlink():
            found.append((child.name, Rejected("rejected: symlink")))
        elif child.is_dir():
            found.append((child.name, FolderSource(child)))
        elif child.is_file() and _ZIP_NAME.fullmatch(child.name):
            found.append((_ZIP_NAME.fullmatch(child.name).group(1), ZipSource(child)))
    return found


def _zip_students(archive, assignments, notes):
    """Students of an LMS zip: its top-level folders (through wrappers) and the zips it holds.

    Only names are looked at here; each student's members are checked (paths, sizes) when they are read, so a
    bad member rejects its student and nobody else.
    """
    names = []
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or name.split("/", 1)[0] in ("..", "") or re.match(r"[A-Za-z]:", name):
            notes.append(f"skipped unsafe zip member {name!r}")
        elif not info.is_dir():
            names.append((name, info))
    prefix = ""
    for _ in range(3):  # look through wrapping folders
        rests = [name[len(prefix):] for name, _ in names]
        children = {rest.split("/", 1)[0] for rest in rests}
        grand = {rest.split("/")[1] for rest in rests if rest.count("/") >= 1}
        if len(children) == 1 and grand and not looks_like_student(grand, assignments):
            prefix += children.pop() + "/"
        else:
            break
    found, folders = [], set()
    for name, info in names:
        rest = name[len(prefix):]
        if "/" in rest:
            folders.add(rest.split("/", 1)[0])
        elif _ZIP_NAME.fullmatch(rest):
            raw = _ZIP_NAME.fullmatch(rest).group(1)
            try:
                found.append((raw, ZipSource(nested_zip(archive, info))))
            except Rejected as exc:
                found.append((raw, exc))
    found += [(folder, ZipSource(archive, prefix + folder + "/")) for folder in folders]
    return sorted(found, key=lambda item: item[0])


def target_of(path, modules, assignments):
    """The release-layout path a submitted file stands for (by the end of its path), or None."""
    parts = path.parts
    if module_name(path, modules):
        return f"classifiers/chapter3/{parts[-1]}"
    if len(parts) >= 2 and parts[-2] in assignments:
        a = parts[-2]
        if parts[-1] in (f"{a}.ipynb", MODEL_FILE):
            return f"assignments/{a}/{parts[-1]}"
    return None


def module_name(path, modules):
    """``layers.py`` when ``path`` ends in ``classifiers/chapter3/layers.py`` (a known module), else None."""
    parts = path.parts
    ok = len(parts) >= 3 and parts[-3:-1] == ("classifiers", "chapter3") and parts[-1] in modules
    return parts[-1] if ok else None


def folder_of(path, folders):
    """The outermost folder of ``path`` named after an assignment (nbgrader's ``<assignment>/``), or None."""
    for i, part in enumerate(path.parts[:-1]):
        if part in folders:
            return PurePosixPath(*path.parts[:i + 1])
    return None


@dataclass
class Layout:
    """What :func:`arrange` found: the files to take, the assignments handed in and when."""

    chosen: dict  # {target in the work tree: Entry}
    roots: dict  # {assignment handed in: folder of the tree holding its classifiers/ ("" = the tree's root)}
    times: dict  # {assignment handed in: POSIX time}
    per_assignment: bool = False


def arrange(entries, modules, assignments, folders=()):
    """The files to take from one student's entries, each assignment's module set and hand-in time (see the module
    docstring). ``folders``: further assignment names whose folders are recognised but not graded (``--only``)."""
    assignments = list(assignments)
    folders = set(assignments) | set(folders)
    placed = [(e, folder_of(e.path, folders)) for e in entries]
    stamps = {}
    for e, home in placed:
        if home is not None and e.path.name == "timestamp.txt" and e.path.parent == home and e.size < 100:
            stamps[home] = _parse_timestamp(e.read(100))

    def when(e, home):
        return stamps.get(home) or e.mtime

    def rank(item):  # newest first, then shallowest, then alphabetical
        e, home = item
        return -when(e, home), len(e.path.parts), str(e.path)
    candidates = {}
    loose = False  # modules outside every assignment folder
    for e, home in placed:
        target = target_of(e.path, modules, assignments)
        if target is None:
            continue
        if target.startswith("classifiers/") and home is not None:  # a module of an assignment folder
            if home.name in assignments:
                candidates.setdefault(f"assignments/{home.name}/{target}", []).append((e, home))
        else:
            loose = loose or target.startswith("classifiers/")
            candidates.setdefault(target, []).append((e, home))
    chosen = {target: min(found, key=rank)[0] for target, found in candidates.items()}
    apart = any(module_name(e.path, modules) and home is not None for e, home in placed)
    if not apart:  # one module set for every assignment: the whole upload is the hand-in
        newest = max((when(e, home) for e, home in placed), default=0.0)
        times = {a: max((stamps[h] for h in stamps if h.name == a and stamps[h]), default=newest)
                 for a in assignments}
        return Layout(chosen, {a: "" for a in assignments}, times)
    handed = [a for a in assignments if any(home is not None and home.name == a for _, home in placed)]
    roots, times = {}, {}
    for a in handed:
        own = any(t.startswith(f"assignments/{a}/classifiers/") for t in chosen)
        roots[a] = f"assignments/{a}" if own or not loose else ""
        mine = [(e, home) for e, home in placed if home is not None and home.name == a]
        times[a] = max(when(e, home) for e, home in mine)
    if "" not in roots.values():  # nobody uses the loose modules: they are not taken
        chosen = {t: e for t, e in chosen.items() if not t.startswith("classifiers/")}
    return Layout(chosen, roots, times, per_assignment=True)


def _parse_timestamp(raw):
    """nbgrader's timestamp.txt ("2026-05-01 12:00:00.123456 UTC") as a POSIX time, or None."""
    text = raw.decode("ascii", "replace").strip().removesuffix(" UTC")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            pass
    return None


def cap_of(target):
    """The size cap of a file the grader reads (by its target path)."""
    name = PurePosixPath(target).name
    return MODEL_CAP if name == MODEL_FILE else NOTEBOOK_CAP if name.endswith(".ipynb") else MODULE_CAP


def take(student_id, source, dest, modules, assignments, folders=()):
    """Extract one student's files into ``dest`` (emptied first) and describe them as a Submission."""
    sub = Submission(student_id)
    if dest.exists():
        shutil.rmtree(dest)
    try:
        entries = list(source.entries(sub.notes))
    except Rejected as exc:
        sub.problems.append(str(exc))
        return _seal(sub)
    if not entries:
        sub.problems.append("no submission")
        return _seal(sub)
    layout = arrange(entries, modules, assignments, folders)
    sub.tree, sub.roots, sub.submitted_at = dest, layout.roots, layout.times
    sub.per_assignment = layout.per_assignment
    dest.mkdir(parents=True)
    for target, entry in sorted(layout.chosen.items()):
        cap = cap_of(target)
        data = entry.read(cap + 1) if entry.size <= cap else None
        if data is None or len(data) > cap:
            sub.notes.append(f"skipped {target}: larger than {cap // MB} MB")
            sub.problems.append(f"too large: {PurePosixPath(target).name}")
            continue
        out = dest / target
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        sub.files.append(target)
    if not any((dest / f).stat().st_size for f in sub.files):
        sub.problems.append("empty")
    return _seal(sub)


def _seal(sub):
    h = hashlib.sha256()
    for rel in sub.files:
        h.update(rel.encode() + b"\0" + hashlib.sha256((sub.tree / rel).read_bytes()).digest())
    h.update("\0".join(sub.problems).encode())
    sub.digest = h.hexdigest()
    return sub


def intake(submissions, work_dir, modules=None, assignments=None):
    """Every student of ``submissions`` as a Submission with its work tree under ``work_dir/<student_id>``.

    Inputs:
    - submissions: path of a folder or zip in one of the accepted layouts
    - work_dir: where the clean trees go (each student's folder is replaced)
    - modules, assignments: names of the files the grader reads (default: this course's); the folders of the
      course's other assignments are recognised too (so that ``--only 02_...`` never grades 01's folder as 02)

    Returns a list of Submission sorted by student_id; a rejected student has problems and no tree.
    """
    modules = known_modules() if modules is None else modules
    assignments = known_assignments() if assignments is None else assignments
    folders = known_assignments() if assignments else []
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    notes = []
    try:
        found = discover(submissions, assignments, notes)
    except Rejected as exc:
        raise SystemExit(f"{submissions}: {exc}") from exc
    subs, seen = [], {}
    for raw, source in found:
        student_id, problem = sanitise(raw)
        if student_id in seen:
            seen[student_id] += 1
            student_id, problem = f"{student_id}.dup{seen[student_id]}", "rejected: duplicate student id"
        seen.setdefault(student_id, 0)
        if problem or isinstance(source, Rejected):
            sub = _seal(Submission(student_id, problems=[problem or str(source)]))
        else:
            sub = take(student_id, source, work_dir / student_id, modules, assignments, folders)
        sub.name = raw if raw != student_id else ""
        subs.append(sub)
    return sorted(subs, key=lambda s: s.student_id)
