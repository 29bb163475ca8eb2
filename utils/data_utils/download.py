"""Downloads into the cache: where each data set is published, MD5 checks, a progress bar, nothing half-written.

The URLs and checksums are read when a download starts, so tests can point them at a local mirror.
"""
import hashlib
from pathlib import Path
from urllib.request import urlopen

from ..language import in_language as _say
from . import sources
from .archive import extract_tar
from .sources import (
    CIFAR10_ARCHIVE,
    CIFAR10_BATCHES,
    CIFAR10_DIR,
    DATASETS,
    IDX_FILES,
    DataError,
    cache_dir,
    get_hint,
    has_all,
)

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# The project's own S3 website endpoint serves plain HTTP only; the MD5 check guards the content.
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}


def _md5(path, chunk_size=1 << 20):
    """Hex MD5 of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_md5(path, md5, name):
    """Raise DataError unless the file's MD5 is md5."""
    got = _md5(path)
    if got != md5:
        raise DataError(_say(f"{path} 的 MD5 是 {got}，应为 {md5}：文件不完整、已损坏或不是官方文件。"
                             f"请删除它后运行：{get_hint(name)}",
                             f"{path} has MD5 {got}, expected {md5}: the file is incomplete, corrupt or not the "
                             f"official one. Delete it and run: {get_hint(name)}"))


def _download(url, dest, md5, name):
    """Download url to dest with a progress bar; dest appears only once its MD5 matches.

    Inputs:
    - url: where to download from (any scheme urlopen knows, file:// too)
    - dest: Path of the file to write; its folder is created
    - md5: expected hex MD5 of the whole file
    - name: data set name, for the messages
    """
    from tqdm.auto import tqdm  # imported here: only downloads need it

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with urlopen(url, timeout=60) as response, open(part, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name) as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
    except (OSError, ValueError) as err:  # URLError, timeouts and disk errors are OSErrors; a bad URL a ValueError
        part.unlink(missing_ok=True)
        raise DataError(_say(f"无法下载 {url}（{type(err).__name__}: {err}）。请检查网络连接后重新运行："
                             f"{get_hint(name)}；或者手动把文件下载到 {dest}",
                             f"could not download {url} ({type(err).__name__}: {err}). Check the network connection "
                             f"and run again: {get_hint(name)}; or download the file by hand to {dest}")) from None
    got = _md5(part)
    if got != md5:
        part.unlink()
        raise DataError(_say(f"从 {url} 下载的文件 MD5 是 {got}，应为 {md5}：文件不完整或已损坏，已被删除。"
                             f"请重新运行：{get_hint(name)}",
                             f"the download of {url} has MD5 {got}, expected {md5}: it is incomplete or corrupt and "
                             f"was deleted. Run again: {get_hint(name)}"))
    part.replace(dest)


def fetch_cifar10(cache=None, url=None, md5=None):
    """Make sure ``cache/cifar-10-batches-py`` holds the six batches; returns that folder.

    Uses the extracted folder when complete, else extracts the cached archive after checking its MD5, else downloads
    the archive first.

    Inputs:
    - cache: cache folder; default cache_dir()
    - url: archive URL; default CIFAR10_URL
    - md5: expected MD5 of the archive; default CIFAR10_MD5
    """
    cache = Path(cache or cache_dir())
    url, md5 = url or CIFAR10_URL, md5 or CIFAR10_MD5
    folder = cache / CIFAR10_DIR
    if has_all(folder, CIFAR10_BATCHES):
        return folder
    archive = cache / CIFAR10_ARCHIVE
    if archive.exists():
        _verify_md5(archive, md5, "cifar10")
    else:
        _download(url, archive, md5, "cifar10")
    extract_tar(archive, cache, CIFAR10_DIR, "cifar10")
    if not has_all(folder, CIFAR10_BATCHES):
        missing = [b for b in CIFAR10_BATCHES if not (folder / b).is_file()]
        raise DataError(_say(f"{archive} 中缺少 {'、'.join(missing)}。请删除 {archive} 后运行：{get_hint('cifar10')}",
                             f"{archive} lacks {', '.join(missing)}. Delete {archive} and run: "
                             f"{get_hint('cifar10')}"))
    return folder


def _idx_remote(name):
    """(base URL, {file name: MD5}) of an IDX data set; read when called, so tests can point them elsewhere."""
    return (MNIST_URL, MNIST_MD5) if name == "mnist" else (FASHION_MNIST_URL, FASHION_MNIST_MD5)


def fetch_idx_set(name, cache=None):
    """Make sure ``cache/<name>`` holds the four IDX files of MNIST or Fashion-MNIST, each checked by MD5.

    Inputs:
    - name: 'mnist' or 'fashion-mnist'
    - cache: cache folder; default cache_dir()

    Returns:
    - Path of ``cache/<name>``
    """
    url, md5s = _idx_remote(name)
    folder = Path(cache or cache_dir()) / name
    for file_name in IDX_FILES:
        dest = folder / file_name
        if dest.exists():
            _verify_md5(dest, md5s[file_name], name)
        else:
            _download(url + file_name, dest, md5s[file_name], name)
    return folder


def download_dataset(name):
    """Download and verify one data set into the cache unless it is already on this machine.

    Inputs:
    - name: 'cifar10', 'mnist' or 'fashion-mnist'

    Returns:
    - Path of the folder the loaders read (for Fashion-MNIST, Debian's folder when that package is installed)
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; use one of {', '.join(DATASETS)}")
    if name == "cifar10":
        return fetch_cifar10()
    if name == "fashion-mnist" and has_all(sources.DEBIAN_FASHION_MNIST_DIR, IDX_FILES):
        return sources.DEBIAN_FASHION_MNIST_DIR
    return fetch_idx_set(name)
