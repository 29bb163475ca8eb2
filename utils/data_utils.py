"""Data sets for the chapter: CIFAR-10, MNIST, Fashion-MNIST, an embedded offline set and 2-D points.

Every image loader takes ``source``:
- ``'auto'``: the real data set when it is already on this machine (in the cache; for Fashion-MNIST also where
  Debian's ``dataset-fashion-mnist`` package installs it), else the embedded set, announced by one printed line.
  Never touches the network.
- ``'download'``: download the real set into the cache when it is missing (verified by MD5), then load it.
- ``'embedded'``: scikit-learn's 1797 8x8 digits, resized to the real set's image shape, so notebooks run unchanged
  without any download.
``source=None`` means the environment variable ``CH3_DATA``, or ``'auto'`` when it is unset.

The cache is ``datasets/cache`` in the repository, or the folder named by ``CH3_DATA_DIR``. Fill it with
``python datasets/get_datasets.py {cifar10,mnist,fashion-mnist,all}``. ``last_source(name)`` tells where the latest
load of a data set came from.
"""
import gzip
import hashlib
import os
import pickle
import shutil
import struct
import tarfile
import tempfile
import zlib
from pathlib import Path
from urllib.request import urlopen

import numpy as np

from .language import RELEASE_MARKER, message_language  # noqa: F401  (message_language: public here too)
from .language import in_language as _say

__all__ = [
    "DataError", "cache_dir", "display_path", "resolve_source", "last_source", "download_dataset",
    "load_CIFAR10", "get_CIFAR10_data", "get_CIFAR10_test", "read_idx", "load_mnist", "load_fashion_mnist",
    "load_planar_points",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE_DIR = REPO_ROOT / "datasets" / "cache"
CACHE_DIR_ENV = "CH3_DATA_DIR"
SOURCE_ENV = "CH3_DATA"
SOURCES = ("auto", "download", "embedded")
GET_COMMAND = "python datasets/get_datasets.py"
DATASETS = ("cifar10", "mnist", "fashion-mnist")
TITLES = {"cifar10": "CIFAR-10", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_DIR = "cifar-10-batches-py"
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_BATCHES = (*CIFAR10_TRAIN_BATCHES, "test_batch")

IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
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
# Debian's dataset-fashion-mnist package; its files are re-compressed, so their MD5s differ from the ones above.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"
EMBEDDED_SEED = 0
EMBEDDED_SIZE = 1797  # images in scikit-learn's load_digits
EMBEDDED_MNIST_TEST_FRACTION = 1 / 7  # MNIST's 10000 test images of 70000

_last_source = {}


class DataError(RuntimeError):
    """A data file is missing, corrupt or could not be downloaded; the message says which file and how to fix it."""


# ----------------------------------------------------------------------------------------------------------------
# Where data comes from
# ----------------------------------------------------------------------------------------------------------------

def cache_dir():
    """The data cache: ``$CH3_DATA_DIR`` when set, else ``datasets/cache`` in the repository (not created here)."""
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)


def resolve_source(source=None):
    """The data source to use: ``source``, else ``$CH3_DATA``, else ``'auto'``; one of 'auto', 'download', 'embedded'.

    Raises ValueError for any other value, naming where it came from.
    """
    origin = "source"
    if source is None:
        source, origin = os.environ.get(SOURCE_ENV) or "auto", SOURCE_ENV
    choice = str(source).strip().lower()
    if choice not in SOURCES:
        raise ValueError(f"{origin}={source!r} is not a data source; use one of {', '.join(SOURCES)}")
    return choice


def last_source(name):
    """Where the latest load of a data set came from: 'cache', 'debian', 'embedded', or None before any load.

    Inputs:
    - name: 'cifar10', 'mnist' or 'fashion-mnist'
    """
    return _last_source.get(name)


def display_path(path):
    """A path as a person reads it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _get_hint(name):
    return f"{GET_COMMAND} {name}"


def _fallback_notice(name, places):
    """Print the one line that says the real set is absent and the embedded one is used instead."""
    where = _say("或", " or ").join(display_path(place) for place in places)
    print(_say(f"[数据] 在 {where} 中没有找到 {TITLES[name]}，改用内置的手写数字数据集（{EMBEDDED_SIZE} 张图像）。"
               f"获取真实数据请运行：{_get_hint(name)}",
               f"[data] {TITLES[name]} not found in {where} — using the embedded digits set ({EMBEDDED_SIZE} images). "
               f"Run: {_get_hint(name)}"), flush=True)


def _has_all(folder, names):
    return all((Path(folder) / name).is_file() for name in names)


# ----------------------------------------------------------------------------------------------------------------
# Download, checksum, extraction
# ----------------------------------------------------------------------------------------------------------------

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
                             f"请删除它后运行：{_get_hint(name)}",
                             f"{path} has MD5 {got}, expected {md5}: the file is incomplete, corrupt or not the "
                             f"official one. Delete it and run: {_get_hint(name)}"))


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
                             f"{_get_hint(name)}；或者手动把文件下载到 {dest}",
                             f"could not download {url} ({type(err).__name__}: {err}). Check the network connection "
                             f"and run again: {_get_hint(name)}; or download the file by hand to {dest}")) from None
    got = _md5(part)
    if got != md5:
        part.unlink()
        raise DataError(_say(f"从 {url} 下载的文件 MD5 是 {got}，应为 {md5}：文件不完整或已损坏，已被删除。"
                             f"请重新运行：{_get_hint(name)}",
                             f"the download of {url} has MD5 {got}, expected {md5}: it is incomplete or corrupt and "
                             f"was deleted. Run again: {_get_hint(name)}"))
    part.replace(dest)


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


def _extract_tar(archive, dest_root, top, name):
    """Extract a .tar.gz archive whose content sits in folder ``top`` to ``dest_root/top``, safely and all at once.

    Members go into a temporary folder that replaces ``dest_root/top`` only when everything was extracted, so an
    interrupted extraction leaves nothing half-done.

    Returns:
    - Path of ``dest_root/top``
    """
    fix = _say(f"请删除 {archive} 后运行：{_get_hint(name)}", f"Delete {archive} and run: {_get_hint(name)}")
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


def _fetch_cifar10(cache=None, url=None, md5=None):
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
    if _has_all(folder, CIFAR10_BATCHES):
        return folder
    archive = cache / CIFAR10_ARCHIVE
    if archive.exists():
        _verify_md5(archive, md5, "cifar10")
    else:
        _download(url, archive, md5, "cifar10")
    _extract_tar(archive, cache, CIFAR10_DIR, "cifar10")
    if not _has_all(folder, CIFAR10_BATCHES):
        missing = [b for b in CIFAR10_BATCHES if not (folder / b).is_file()]
        raise DataError(_say(f"{archive} 中缺少 {'、'.join(missing)}。请删除 {archive} 后运行：{_get_hint('cifar10')}",
                             f"{archive} lacks {', '.join(missing)}. Delete {archive} and run: "
                             f"{_get_hint('cifar10')}"))
    return folder


def _idx_remote(name):
    """(base URL, {file name: MD5}) of an IDX data set; read when called, so tests can point them elsewhere."""
    return (MNIST_URL, MNIST_MD5) if name == "mnist" else (FASHION_MNIST_URL, FASHION_MNIST_MD5)


def _fetch_idx_set(name, cache=None):
    """Make sure ``cache/<name>`` holds the four IDX files of MNIST or Fashion-MNIST, each checked by MD5."""
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
        return _fetch_cifar10()
    if name == "fashion-mnist" and _has_all(DEBIAN_FASHION_MNIST_DIR, IDX_FILES):
        return DEBIAN_FASHION_MNIST_DIR
    return _fetch_idx_set(name)


# ----------------------------------------------------------------------------------------------------------------
# Embedded data (scikit-learn's digits, shipped with the package)
# ----------------------------------------------------------------------------------------------------------------

def _embedded_digits():
    """scikit-learn's 1797 digits shuffled with a fixed seed.

    Returns a tuple of:
    - images: uint8 (1797, 8, 8), the 0..16 intensities scaled to 0..255
    - labels: int64 (1797,) in 0..9
    """
    from sklearn.datasets import load_digits  # imported here: loading real data should not pay for scikit-learn

    digits = load_digits()
    order = np.random.default_rng(EMBEDDED_SEED).permutation(len(digits.target))
    images = np.round(digits.images[order] * (255 / 16)).astype(np.uint8)
    return images, digits.target[order].astype(np.int64)


def _digits_as_cifar(images):
    """(N, 8, 8) uint8 -> (N, 3, 32, 32) uint8: each pixel becomes a 4x4 block, the same in all three channels."""
    big = images.repeat(4, axis=1).repeat(4, axis=2)
    return np.repeat(big[:, None], 3, axis=1)


def _digits_as_mnist(images):
    """(N, 8, 8) uint8 -> (N, 28, 28) uint8: each pixel becomes a 3x3 block (24x24), then a 2-pixel black border."""
    big = images.repeat(3, axis=1).repeat(3, axis=2)
    return np.pad(big, ((0, 0), (2, 2), (2, 2)))


def _scale_sizes(sizes, available):
    """Shrink split sizes by one common factor so they add up to at most ``available``; keep every non-empty split."""
    total = sum(sizes)
    if total <= available:
        return tuple(sizes)
    scale = available / total
    return tuple(max(1, int(n * scale)) if n > 0 else 0 for n in sizes)


# ----------------------------------------------------------------------------------------------------------------
# CIFAR-10
# ----------------------------------------------------------------------------------------------------------------

def _cifar_error(path, problem):
    return DataError(_say(f"CIFAR-10 的数据块 {path} {problem}。请删除文件夹 {path.parent} 后运行："
                          f"{_get_hint('cifar10')}",
                          f"CIFAR-10 batch {path} {problem}. Delete the folder {path.parent} and run: "
                          f"{_get_hint('cifar10')}"))


def _load_cifar_batch(path):
    """One pickled CIFAR-10 batch.

    Inputs:
    - path: Path of data_batch_i or test_batch

    Returns a tuple of:
    - X: uint8 (N, 3, 32, 32), channels R, G, B
    - y: int64 (N,) in 0..9
    """
    try:
        with open(path, "rb") as f:
            # The batches were pickled by Python 2; the archive they come from is checked by MD5.
            batch = pickle.load(f, encoding="latin1")
    except FileNotFoundError:
        raise DataError(_say(f"缺少 CIFAR-10 的数据块 {path}。请运行：{_get_hint('cifar10')}",
                             f"CIFAR-10 batch {path} is missing. Run: {_get_hint('cifar10')}")) from None
    except Exception as err:  # a damaged pickle can raise almost anything
        raise _cifar_error(path, _say(f"已损坏（{type(err).__name__}: {err}）",
                                      f"is corrupt ({type(err).__name__}: {err})")) from None
    if not isinstance(batch, dict) or "data" not in batch or "labels" not in batch:
        raise _cifar_error(path, _say("不是 CIFAR-10 的数据块（没有 'data' 和 'labels'）",
                                      "is not a CIFAR-10 batch (no 'data' and 'labels')"))
    X, y = np.asarray(batch["data"]), np.asarray(batch["labels"])
    if X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != 3 * 32 * 32:
        raise _cifar_error(path, f"holds data of shape {X.shape} and dtype {X.dtype}, expected (N, 3072) uint8")
    if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer) or (y.size and (y.min() < 0 or y.max() > 9)):
        raise _cifar_error(path, f"holds {y.shape} labels of dtype {y.dtype}, expected {len(X)} integers in 0..9")
    return X.reshape(-1, 3, 32, 32), y.astype(np.int64)


def load_CIFAR10(root):
    """Load all of CIFAR-10 (the python version) from its folder of pickled batches.

    Pixels stay uint8 (a quarter of float32's memory); rows are stored channel-major, so the images come out as
    (N, 3, 32, 32) without a transpose (use ``X.transpose(0, 2, 3, 1)`` for imshow).

    Inputs:
    - root: folder holding data_batch_1 .. data_batch_5 and test_batch (``cifar-10-batches-py``)

    Returns a tuple of:
    - X_train: uint8 (50000, 3, 32, 32)
    - y_train: int64 (50000,) in 0..9
    - X_test: uint8 (10000, 3, 32, 32)
    - y_test: int64 (10000,) in 0..9
    """
    root = Path(root)
    train = [_load_cifar_batch(root / name) for name in CIFAR10_TRAIN_BATCHES]
    X_train = np.concatenate([X for X, _ in train])
    y_train = np.concatenate([y for _, y in train])
    del train
    X_test, y_test = _load_cifar_batch(root / "test_batch")
    return X_train, y_train, X_test, y_test


def _find_cifar10(source):
    """The folder of real CIFAR-10 batches for this source, or None for the embedded set (announced in 'auto')."""
    if source == "embedded":
        return None
    cache = cache_dir()
    if source == "download" or _has_all(cache / CIFAR10_DIR, CIFAR10_BATCHES) or (cache / CIFAR10_ARCHIVE).exists():
        return _fetch_cifar10(cache)
    _fallback_notice("cifar10", [cache])
    return None


def _check_split_sizes(sizes, limits):
    """ValueError unless the sizes (num_training, num_validation, num_test) are non-negative and fit the data."""
    num_training, num_validation, num_test = sizes
    if min(sizes) < 0 or num_training < 1:
        raise ValueError(f"split sizes must be non-negative with num_training >= 1, got {sizes}")
    if num_training + num_validation > limits[0] or num_test > limits[1]:
        raise ValueError(f"num_training + num_validation = {num_training + num_validation} and num_test = "
                         f"{num_test} must be at most {limits[0]} and {limits[1]} (the sizes of the training and "
                         f"test sets)")


def _floating(dtype):
    """np.dtype(dtype), or ValueError when it is not a floating type."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a floating type, got {dtype}")
    return dtype


def _as_features(X, mean, dtype):
    """uint8 images -> dtype, minus the mean image when given; never a float64 copy unless dtype asks for one."""
    out = X.astype(dtype)
    if mean is not None:
        out -= mean.astype(dtype)
    return out


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True, dtype=np.float32,
                     source=None):
    """CIFAR-10 split into training, validation and test sets, ready for a classifier.

    Inputs:
    - num_training: number of training images, the first of the 50000
    - num_validation: number of validation images, the training images right after those (49000..49999 by default)
    - num_test: number of test images, the first of the 10000
    - subtract_mean: subtract the mean image of the training split from every split
    - dtype: floating dtype of the images; float32 keeps the full set at about 0.6 GB
    - source: 'auto', 'download' or 'embedded' (see the module docstring); None reads $CH3_DATA, else 'auto'

    Returns a dict with:
    - 'X_train': (num_training, 3, 32, 32), 'y_train': (num_training,)
    - 'X_val': (num_validation, 3, 32, 32), 'y_val': (num_validation,)
    - 'X_test': (num_test, 3, 32, 32), 'y_test': (num_test,)
    Images hold 0..255 intensities as dtype (minus the mean image when subtract_mean); labels are int64 in 0..9.

    The embedded set has 1797 images in all: when the three sizes add up to more, each is scaled down by the same
    factor (rounded down, at least 1), so the defaults give 1726, 35 and 35 images. ``last_source('cifar10')`` tells
    which set was used.
    """
    dtype = _floating(dtype)
    sizes = (num_training, num_validation, num_test)
    folder = _find_cifar10(resolve_source(source))
    if folder is None:
        X, y = _embedded_digits()
        X = _digits_as_cifar(X)
        sizes = _scale_sizes(sizes, len(X))
        n = sizes[0] + sizes[1]
        X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    else:
        X_train, y_train, X_test, y_test = load_CIFAR10(folder)
    _last_source["cifar10"] = "embedded" if folder is None else "cache"
    _check_split_sizes(sizes, (len(X_train), len(X_test)))
    num_training, num_validation, num_test = sizes
    train, val = slice(0, num_training), slice(num_training, num_training + num_validation)
    # Accumulate in float64 without a float64 copy of the images: the reduction casts block by block.
    mean = X_train[train].mean(axis=0, dtype=np.float64) if subtract_mean else None
    return {
        "X_train": _as_features(X_train[train], mean, dtype), "y_train": y_train[train].copy(),
        "X_val": _as_features(X_train[val], mean, dtype), "y_val": y_train[val].copy(),
        "X_test": _as_features(X_test[:num_test], mean, dtype), "y_test": y_test[:num_test].copy(),
    }


def _cifar_training_sum(folder, num_training):
    """Pixel sums of the first num_training training images, reading one batch at a time.

    Returns a tuple of:
    - total: int64 (3, 32, 32), exact (a float64 mean of these uint8 images equals total / num_training bit for bit)
    - count: number of training images in all the batches
    """
    total, count = np.zeros((3, 32, 32), dtype=np.int64), 0
    for name in CIFAR10_TRAIN_BATCHES:
        X, _ = _load_cifar_batch(Path(folder) / name)
        total += X[:max(num_training - count, 0)].sum(axis=0, dtype=np.int64)
        count += len(X)
    return total, count


def get_CIFAR10_test(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True, dtype=np.float32,
                     source=None):
    """The test split of ``get_CIFAR10_data`` called with the same arguments, equal to it bit for bit, without
    holding the training images: the mean image is summed one training batch at a time.

    For code that needs only the test images while a notebook's full data set is alive (the best-model checks):
    it adds about 0.1 GB where get_CIFAR10_data would add 0.9 GB.

    Inputs: as get_CIFAR10_data.

    Returns a tuple of:
    - X_test: (num_test, 3, 32, 32) of dtype, as get_CIFAR10_data's 'X_test'
    - y_test: int64 (num_test,) in 0..9
    """
    dtype = _floating(dtype)
    folder = _find_cifar10(resolve_source(source))
    if folder is None:  # the embedded set is small: split it exactly as get_CIFAR10_data does
        data = get_CIFAR10_data(num_training, num_validation, num_test, subtract_mean, dtype, source="embedded")
        return data["X_test"], data["y_test"]
    total, count = _cifar_training_sum(folder, num_training)
    X_test, y_test = _load_cifar_batch(folder / "test_batch")
    _last_source["cifar10"] = "cache"
    _check_split_sizes((num_training, num_validation, num_test), (count, len(X_test)))
    mean = total / num_training if subtract_mean else None
    return _as_features(X_test[:num_test], mean, dtype), y_test[:num_test].copy()


# ----------------------------------------------------------------------------------------------------------------
# IDX files: MNIST and Fashion-MNIST
# ----------------------------------------------------------------------------------------------------------------

def _read_exact(f, size, path, what):
    data = f.read(size)
    if len(data) != size:
        raise DataError(f"{path} is truncated: it ends inside the {what}")
    return data


def _read_rest(f):
    """Everything left in a file, in one growing bytearray (writable, so NumPy can use it without a copy)."""
    buf = bytearray()
    while chunk := f.read(1 << 20):
        buf += chunk
    return buf


def _parse_idx(f, path):
    """Parse an open IDX stream; see read_idx."""
    head = _read_exact(f, 4, path, "4-byte magic number")
    code, ndim = head[2], head[3]
    if head[:2] != b"\0\0" or code not in IDX_DTYPES or ndim == 0:
        raise DataError(f"{path} is not an IDX file: its magic number is 0x{head.hex()}, expected 0x0000, a dtype "
                        f"code (08, 09, 0b, 0c, 0d or 0e) and a number of dimensions >= 1")
    dims = struct.unpack(f">{ndim}I", _read_exact(f, 4 * ndim, path, f"{ndim} dimension sizes"))
    dtype = np.dtype(IDX_DTYPES[code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    data = _read_rest(f)
    if len(data) != expected:
        problem = "is truncated" if len(data) < expected else "has extra bytes at the end"
        raise DataError(f"{path} {problem}: its header announces {dims} values of {dtype} ({expected} bytes), "
                        f"the file holds {len(data)}")
    return np.frombuffer(data, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def read_idx(path):
    """Parse an IDX file (the format of MNIST and Fashion-MNIST), gzip-compressed or not.

    An IDX file is two zero bytes, a dtype code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
    0x0E float64), the number of dimensions, each dimension as a big-endian uint32, then the values in big-endian
    C order. A file that starts with the gzip magic bytes is decompressed first.

    Inputs:
    - path: the file

    Returns:
    - array shaped by the header's dimensions, in native byte order

    Raises DataError when the file is missing, cannot be decompressed, has a wrong magic number, or holds fewer or
    more bytes than its header announces.
    """
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as f:
            return _parse_idx(f, path)
    except FileNotFoundError:
        raise DataError(_say(f"缺少 {path}", f"{path} is missing")) from None
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError; a cut gzip stream an EOFError
        raise DataError(_say(f"{path} 无法按 gzip 读取（{type(err).__name__}: {err}）",
                             f"{path} cannot be read as gzip ({type(err).__name__}: {err})")) from None


def _read_idx_split(folder, prefix, name):
    """Images and labels of one split (prefix 'train' or 't10k') of an IDX data set, checked for MNIST's shapes.

    Returns a tuple of:
    - images: uint8 (N, 28, 28)
    - labels: int64 (N,) in 0..9
    """
    fix = _say(f"请删除该文件后运行：{_get_hint(name)}", f"Delete the file and run: {_get_hint(name)}")
    if Path(folder) == DEBIAN_FASHION_MNIST_DIR:
        fix = _say("请重新安装 Debian 的 dataset-fashion-mnist 软件包",
                   "Reinstall Debian's dataset-fashion-mnist package")
    image_file = Path(folder) / f"{prefix}-images-idx3-ubyte.gz"
    label_file = Path(folder) / f"{prefix}-labels-idx1-ubyte.gz"
    try:
        images, labels = read_idx(image_file), read_idx(label_file)
    except DataError as err:
        raise DataError(_say(f"{TITLES[name]}：{err}。{fix}", f"{TITLES[name]}: {err}. {fix}")) from None
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{TITLES[name]}: {image_file} holds {images.dtype} {images.shape}, expected uint8 "
                        f"(N, 28, 28). {fix}")
    if labels.dtype != np.uint8 or labels.shape != (len(images),) or (labels.size and labels.max() > 9):
        raise DataError(f"{TITLES[name]}: {label_file} holds {labels.dtype} {labels.shape}, expected {len(images)} "
                        f"uint8 labels in 0..9. {fix}")
    return images, labels.astype(np.int64)


def _find_idx_set(name, source):
    """The folder of the real IDX files for this source, or None for the embedded set (announced in 'auto')."""
    if source == "embedded":
        return None
    places = [cache_dir() / name] + ([DEBIAN_FASHION_MNIST_DIR] if name == "fashion-mnist" else [])
    for folder in places:
        if _has_all(folder, IDX_FILES):
            return folder
    if source == "download":
        return _fetch_idx_set(name)
    _fallback_notice(name, places)
    return None


def _format_mnist(images, labels, normalize, flatten, one_hot_label):
    """(N, 28, 28) uint8 images and int labels -> the arrays load_mnist returns."""
    x = images
    if normalize:
        x = images.astype(np.float32)
        x /= 255
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, 28, 28)
    t = np.eye(10, dtype=np.float32)[labels] if one_hot_label else labels
    return x, t


def _load_idx_set(name, normalize, flatten, one_hot_label, source):
    folder = _find_idx_set(name, resolve_source(source))
    if folder is None:
        images, labels = _embedded_digits()
        images = _digits_as_mnist(images)
        n_train = len(images) - round(len(images) * EMBEDDED_MNIST_TEST_FRACTION)
        splits = (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])
        _last_source[name] = "embedded"
    else:
        splits = _read_idx_split(folder, "train", name), _read_idx_split(folder, "t10k", name)
        _last_source[name] = "debian" if folder == DEBIAN_FASHION_MNIST_DIR else "cache"
    return tuple(_format_mnist(x, t, normalize, flatten, one_hot_label) for x, t in splits)


def load_mnist(normalize=True, flatten=True, one_hot_label=False, source=None):
    """MNIST handwritten digits: 60000 training and 10000 test images, 28x28 gray, labels 0..9.

    Inputs:
    - normalize: pixels as float32 in [0, 1] (x / 255); False keeps uint8 0..255
    - flatten: images as rows (N, 784); False gives (N, 1, 28, 28)
    - one_hot_label: labels as float32 one-hot rows (N, 10); False gives int64 labels (N,)
    - source: 'auto', 'download' or 'embedded' (see the module docstring); None reads $CH3_DATA, else 'auto'

    Returns:
    - ((x_train, t_train), (x_test, t_test))

    The embedded set has 1540 training and 257 test images (8x8 digits enlarged 3x and padded to 28x28).
    ``last_source('mnist')`` tells which set was used.
    """
    return _load_idx_set("mnist", normalize, flatten, one_hot_label, source)


def load_fashion_mnist(normalize=True, flatten=True, one_hot_label=False, source=None):
    """Fashion-MNIST clothing images: 60000 training and 10000 test images, 28x28 gray, labels 0..9.

    Same inputs and returns as load_mnist. Besides the cache it reads Debian's ``dataset-fashion-mnist`` package
    (DEBIAN_FASHION_MNIST_DIR). The embedded set is the digits, as for load_mnist. ``last_source('fashion-mnist')``
    tells which set was used ('cache', 'debian' or 'embedded').
    """
    return _load_idx_set("fashion-mnist", normalize, flatten, one_hot_label, source)


# ----------------------------------------------------------------------------------------------------------------
# 2-D points
# ----------------------------------------------------------------------------------------------------------------

def load_planar_points(n_samples=1000, noise=0.2, test_size=0.1, seed=42):
    """Two interleaving half-moons in the plane (scikit-learn's make_moons), split into training and test sets.

    Inputs:
    - n_samples: number of points in all
    - noise: standard deviation of the Gaussian noise added to the points
    - test_size: fraction of the points in the test set
    - seed: seed of both the points and the split

    Returns a tuple of:
    - X_train: float64 (N_train, 2), rows are points (transpose for the column-major network)
    - y_train: int64 (N_train,) in {0, 1}
    - X_test: float64 (N_test, 2)
    - y_test: int64 (N_test,)
    """
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y.astype(np.int64), test_size=test_size,
                                                        random_state=seed)
    return X_train, y_train, X_test, y_test
