"""MNIST and Fashion-MNIST: their IDX files found (cache, Debian's package, a download) and shaped for a model."""
from pathlib import Path

import numpy as np

from ..language import in_language as _say
from . import sources
from .download import fetch_idx_set
from .embedded import embedded_mnist_splits
from .idx import read_idx
from .sources import (
    IDX_FILES,
    TITLES,
    DataError,
    cache_dir,
    fallback_notice,
    get_hint,
    has_all,
    remember_source,
    resolve_source,
)


def _read_idx_split(folder, prefix, name):
    """Images and labels of one split (prefix 'train' or 't10k') of an IDX data set, checked for MNIST's shapes.

    Returns a tuple of:
    - images: uint8 (N, 28, 28)
    - labels: int64 (N,) in 0..9
    """
    fix = _say(f"请删除该文件后运行：{get_hint(name)}", f"Delete the file and run: {get_hint(name)}")
    if Path(folder) == sources.DEBIAN_FASHION_MNIST_DIR:
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
    places = [cache_dir() / name] + ([sources.DEBIAN_FASHION_MNIST_DIR] if name == "fashion-mnist" else [])
    for folder in places:
        if has_all(folder, IDX_FILES):
            return folder
    if source == "download":
        return fetch_idx_set(name)
    fallback_notice(name, places)
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
        splits = embedded_mnist_splits()
        remember_source(name, "embedded")
    else:
        splits = _read_idx_split(folder, "train", name), _read_idx_split(folder, "t10k", name)
        remember_source(name, "debian" if folder == sources.DEBIAN_FASHION_MNIST_DIR else "cache")
    return tuple(_format_mnist(x, t, normalize, flatten, one_hot_label) for x, t in splits)


def load_mnist(normalize=True, flatten=True, one_hot_label=False, source=None):
    """MNIST handwritten digits: 60000 training and 10000 test images, 28x28 gray, labels 0..9.

    Inputs:
    - normalize: pixels as float32 in [0, 1] (x / 255); False keeps uint8 0..255
    - flatten: images as rows (N, 784); False gives (N, 1, 28, 28)
    - one_hot_label: labels as float32 one-hot rows (N, 10); False gives int64 labels (N,)
    - source: 'auto', 'download' or 'embedded' (see utils.data_utils); None reads $CH3_DATA, else 'auto'

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
