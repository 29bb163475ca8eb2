"""The grader's one way to write a file atomically (records, grades.csv, feedback pages, gradebook copies)."""
import os
import tempfile
from pathlib import Path


def write_atomic(path, text, mode=None, durable=True):
    """Write ``text`` (UTF-8) so that ``path`` holds either its old content or all of the new one, even after
    kill -9: a temporary file beside it, then renamed over it.

    Inputs: path; text (str); mode: the file's permission bits (default: mkstemp's 0600, private to the grader);
    durable: flush the file to disk before the rename, so that it also survives a power cut (records, the commit
    points of a batch; pages and copies that a regrade rewrites anyway skip the cost).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_leftovers(folder):
    """Delete the temporary files of writes a kill -9 interrupted in ``folder`` (their targets are unchanged)."""
    for tmp in Path(folder).glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
