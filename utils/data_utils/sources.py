"""Where data comes from: the cache folder and its layout, the source a loader uses, and what the latest load used.

A source is ``'auto'`` (the real set when it is on this machine, else the embedded one, announced by one printed
line), ``'download'`` (the real set, downloaded when missing) or ``'embedded'``; ``None`` means ``$CH3_DATA``, or
``'auto'`` when that is unset. The cache is ``datasets/cache`` in the repository, or the folder ``$CH3_DATA_DIR``.
"""
import os
from pathlib import Path

from ..language import in_language as _say

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = REPO_ROOT / "datasets" / "cache"
CACHE_DIR_ENV = "CH3_DATA_DIR"
SOURCE_ENV = "CH3_DATA"
SOURCES = ("auto", "download", "embedded")
GET_COMMAND = "python datasets/get_datasets.py"
DATASETS = ("cifar10", "mnist", "fashion-mnist")
TITLES = {"cifar10": "CIFAR-10", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}

# The cache's layout: cifar10's archive and the folder it extracts to; <name>/ with the four IDX files of MNIST and
# Fashion-MNIST.
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_DIR = "cifar-10-batches-py"
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_BATCHES = (*CIFAR10_TRAIN_BATCHES, "test_batch")
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
# Debian's dataset-fashion-mnist package (its files are re-compressed, so their MD5s differ from the official ones).
# Read as ``sources.DEBIAN_FASHION_MNIST_DIR`` where it is used, so a test can point it elsewhere.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

EMBEDDED_SIZE = 1797  # images in scikit-learn's load_digits

_last_source = {}


class DataError(RuntimeError):
    """A data file is missing, corrupt or could not be downloaded; the message says which file and how to fix it."""


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


def remember_source(name, where):
    """Record that the latest load of data set ``name`` came from ``where`` ('cache', 'debian' or 'embedded')."""
    _last_source[name] = where


def display_path(path):
    """A path as a person reads it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def get_hint(name):
    """The command that downloads data set ``name``."""
    return f"{GET_COMMAND} {name}"


def fallback_notice(name, places):
    """Print the one line that says the real set is absent and the embedded one is used instead."""
    where = _say("或", " or ").join(display_path(place) for place in places)
    print(_say(f"[数据] 在 {where} 中没有找到 {TITLES[name]}，改用内置的手写数字数据集（{EMBEDDED_SIZE} 张图像）。"
               f"获取真实数据请运行：{get_hint(name)}",
               f"[data] {TITLES[name]} not found in {where} — using the embedded digits set ({EMBEDDED_SIZE} images). "
               f"Run: {get_hint(name)}"), flush=True)


def has_all(folder, names):
    """True when every one of ``names`` is a file in ``folder``."""
    return all((Path(folder) / name).is_file() for name in names)
