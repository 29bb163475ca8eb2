"""Safe extraction of a downloaded .tar.gz archive: no links, devices or paths that leave the folder; all or nothing."""
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path

from ..language import in_language as _say
from .sources import DataError, get_hint


def _unsafe_member(member, root):
    """Why a tar member must not be extracted under root (links, devices, paths that leave root), or None."""
    if not (member.isfile() or member.isdir()):
        return _say("它既不是普通文件也不是文件夹", "it is neither a plain file nor a folder")
    target = (root / member.name).resolve()
    if not target.is_relative_to(root) or (target == root and not member.isdir()):
        return _say("它的路径指向解压文件夹之外", "its path leads outside the extraction folder")
    return None


def _extract_members(archive, root, fix):
    """Write every member of a .tar.gz archive under root, after checking it; DataError for unsafe or broken ones."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                reason = _unsafe_member(member, root)
                if reason:
                    raise DataError(_say(f"拒绝解压 {archive} 中的 {member.name!r}：{reason}。{fix}",
                                         f"refusing to extract member {member.name!r} of {archive}: {reason}. {fix}"))
                target = root / member.name
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise DataError(_say(f"无法解压 {archive}（{type(err).__name__}: {err}）。{fix}",
                             f"could not extract {archive} ({type(err).__name__}: {err}). {fix}")) from None


def extract_tar(archive, dest_root, top, name):
    """Extract a .tar.gz archive whose content sits in folder ``top`` to ``dest_root/top``, safely and all at once.

    Members go into a temporary folder that replaces ``dest_root/top`` only when everything was extracted, so an
    interrupted extraction leaves nothing half-done.

    Inputs:
    - archive: Path of the .tar.gz file
    - dest_root: folder to extract into (exists)
    - top: the one folder the archive's members sit in
    - name: data set name, for the messages

    Returns:
    - Path of ``dest_root/top``
    """
    fix = _say(f"请删除 {archive} 后运行：{get_hint(name)}", f"Delete {archive} and run: {get_hint(name)}")
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest_root)).resolve()
    try:
        _extract_members(archive, tmp, fix)
        if not (tmp / top).is_dir():
            raise DataError(_say(f"{archive} 中没有文件夹 {top}/：它不是所需的压缩包。{fix}",
                                 f"{archive} has no folder {top}/: it is not the expected archive. {fix}"))
        final = Path(dest_root) / top
        if final.exists():
            shutil.rmtree(final)
        (tmp / top).replace(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
