"""What a student's files are read from: a folder (walked without following links) or a zip (its members checked
for paths, sizes and expansion before they are read), as Entries that read at most a capped number of bytes.

Anything unacceptable raises Rejected, whose message becomes the student's status (see grading.autograde.intake).
"""
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

MB = 1 << 20
NESTED_ZIP_CAP = 200 * MB  # a per-student zip inside an LMS zip, read into memory
ZIP_TOTAL_CAP = 1024 * MB  # declared uncompressed size of one student's members
ZIP_RATIO_CAP = 200  # uncompressed / compressed size of one member (text compresses ~10x)
ZIP_RATIO_FLOOR = 2 * MB  # members smaller than this are never called bombs
MAX_ENTRIES = 20_000  # files looked at per student (a folder or a zip)
MAX_DEPTH = 8  # folder levels looked into below a student's root


class Rejected(Exception):
    """A submission (or a zip) that is not taken at all; the message is its status."""


@dataclass(frozen=True)
class Entry:
    """A regular file in a student's submission: its path there, size, time, and how to read it (capped)."""

    path: PurePosixPath
    size: int
    mtime: float
    read: object  # read(limit) -> bytes (at most limit bytes)


class FolderSource:
    """A student's folder on disk, walked without following any symlink."""

    def __init__(self, root):
        self.root = Path(root)

    def entries(self, notes):
        count = 0
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            here = Path(dirpath)
            depth = len(here.relative_to(self.root).parts)
            kept = []
            for name in sorted(dirnames):
                if os.path.islink(here / name):
                    notes.append(f"skipped symlink {_rel(here / name, self.root)}")
                elif depth < MAX_DEPTH:
                    kept.append(name)
            dirnames[:] = kept
            for name in sorted(filenames):
                path = here / name
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    notes.append(f"skipped symlink {_rel(path, self.root)}")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                count += 1
                if count > MAX_ENTRIES:
                    raise Rejected("rejected: too many files")
                yield Entry(PurePosixPath(_rel(path, self.root)), st.st_size, st.st_mtime, _file_reader(path))


def _rel(path, root):
    return Path(path).relative_to(root).as_posix()


def _file_reader(path):
    def read(limit):
        # O_NOFOLLOW: the file may have been swapped for a symlink since it was listed.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            return f.read(limit)
    return read


class ZipSource:
    """A student's part of a zip: members under ``prefix`` (a folder in the zip, or "" for a whole zip).

    ``archive`` is an open ZipFile or the path of a zip file (opened only when its entries are read).
    """

    def __init__(self, archive, prefix=""):
        self.archive = archive
        self.prefix = prefix

    def entries(self, notes):
        if not isinstance(self.archive, zipfile.ZipFile):
            try:
                self.archive = zipfile.ZipFile(self.archive)
            except (zipfile.BadZipFile, OSError) as exc:
                raise Rejected("rejected: not a zip") from exc
        members = _zip_members(self.archive, notes, self.prefix)
        if len(members) > MAX_ENTRIES:
            raise Rejected("rejected: too many files")
        _check_bomb([info for _, info in members])
        for name, info in members:
            yield Entry(PurePosixPath(name[len(self.prefix):]), info.file_size, _zip_time(info),
                        _member_reader(self.archive, info))


def _zip_time(info):
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):  # a hand-made zip may hold any date
        return 0.0


def _zip_members(archive, notes, prefix="", strict=True):
    """(normalised name, info) of the regular-file members under ``prefix``.

    An absolute or ``..`` path raises Rejected when ``strict``, else is skipped (it belongs to no student).
    """
    out = []
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        if not name.startswith(prefix):
            continue
        if name.startswith("/") or ".." in PurePosixPath(name).parts or re.match(r"[A-Za-z]:", name):
            if strict:
                raise Rejected("rejected: unsafe path in zip")
            notes.append(f"skipped unsafe zip member {name!r}")
            continue
        if info.is_dir():
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            notes.append(f"skipped symlink {name}")
            continue
        out.append((name, info))
    return out


def _check_bomb(infos):
    total = sum(info.file_size for info in infos)
    if total > ZIP_TOTAL_CAP:
        raise Rejected("rejected: zip bomb")
    for info in infos:
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_RATIO_CAP * max(info.compress_size, 1):
            raise Rejected("rejected: zip bomb")


def _member_reader(archive, info):
    def read(limit):
        with archive.open(info) as f:
            return f.read(limit)
    return read


def nested_zip(archive, info):
    """A per-student zip inside an LMS zip, opened in memory (its size checked before and while reading)."""
    _check_bomb([info])
    if info.file_size > NESTED_ZIP_CAP:
        raise Rejected("rejected: zip too large")
    with archive.open(info) as f:
        data = f.read(NESTED_ZIP_CAP + 1)
    return _open_zip(data if len(data) <= NESTED_ZIP_CAP else None)


def _open_zip(data):
    if data is None:
        raise Rejected("rejected: zip too large")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Rejected("rejected: not a zip") from exc
