"""The course's secret: where every hidden input and the model-scoring subset come from.

Hidden seeds derived from a constant in the repository would be the same in every term and every batch, and a
student who learns the hidden answers of one seed (from a feedback page, a friend, last year's class) could
hard-code them. The seeds are therefore drawn from 32 random bytes kept in the course directory
(``<course>/.chapter3-secret``), created on first use, never part of a release (the release writes only the
files it lists) and never inside the sandbox. ``c.Chapter3.secret_label`` (grading/settings.py) rotates them:
a new label, e.g. one per term or per batch, gives new seeds from the same secret. Deleting the file rotates too.
"""
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .config import course_dir

SECRET_FILE = ".chapter3-secret"
SECRET_BYTES = 32


def secret_path(root=None):
    """Where the secret of the course at ``root`` (default: the course directory) lives."""
    return Path(root if root is not None else course_dir()) / SECRET_FILE


def course_secret(root=None):
    """The 32 secret bytes of the course at ``root``, created (atomically, readable by the owner only) on first
    use. Two processes that race to create it read the same bytes."""
    path = secret_path(root)
    try:
        data = path.read_bytes()
        if len(data) == 2 * SECRET_BYTES:
            return bytes.fromhex(data.decode("ascii"))
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(SECRET_BYTES))
    try:
        os.link(tmp, path)  # fails if another process was first: then its secret wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii"))


def secret_label(root=None):
    """``c.Chapter3.secret_label`` of the course at ``root`` ("" when the course has no config)."""
    config = Path(root if root is not None else course_dir()) / "nbgrader_config.py"
    try:
        stamp = config.stat().st_mtime_ns
    except OSError:
        stamp = None
    return _label(str(config.parent), stamp)


@functools.lru_cache(maxsize=8)
def _label(root, stamp):
    from .settings import course_settings

    if stamp is None:
        return ""
    try:
        return str(course_settings(root).secret_label)
    except Exception:  # a config that does not load: nbgrader's own commands say why; the default label here
        return ""


def derive(purpose, root=None, secret=None, label=None):
    """A 64-bit number for ``purpose`` (e.g. "seed:affine_forward_value:0") from the secret and the label.

    Inputs:
    - purpose: what the number is for; different purposes give independent numbers
    - root: course directory (default: the configured one)
    - secret, label: override the course's (tests)
    """
    key = course_secret(root) if secret is None else secret
    label = secret_label(root) if label is None else label
    digest = hmac.new(key, f"{label}\0{purpose}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little")
