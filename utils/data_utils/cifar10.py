"""CIFAR-10's python version: its pickled batches read and checked, and the folder they are found in."""
import pickle
from pathlib import Path

import numpy as np

from ..language import in_language as _say
from .download import fetch_cifar10
from .sources import (
    CIFAR10_ARCHIVE,
    CIFAR10_BATCHES,
    CIFAR10_DIR,
    CIFAR10_TRAIN_BATCHES,
    DataError,
    cache_dir,
    fallback_notice,
    get_hint,
    has_all,
)


def _cifar_error(path, problem):
    return DataError(_say(f"CIFAR-10 的数据块 {path} {problem}。请删除文件夹 {path.parent} 后运行："
                          f"{get_hint('cifar10')}",
                          f"CIFAR-10 batch {path} {problem}. Delete the folder {path.parent} and run: "
                          f"{get_hint('cifar10')}"))


def load_cifar_batch(path):
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
        raise DataError(_say(f"缺少 CIFAR-10 的数据块 {path}。请运行：{get_hint('cifar10')}",
                             f"CIFAR-10 batch {path} is missing. Run: {get_hint('cifar10')}")) from None
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
    train = [load_cifar_batch(root / name) for name in CIFAR10_TRAIN_BATCHES]
    X_train = np.concatenate([X for X, _ in train])
    y_train = np.concatenate([y for _, y in train])
    del train
    X_test, y_test = load_cifar_batch(root / "test_batch")
    return X_train, y_train, X_test, y_test


def cifar_training_sum(folder, num_training):
    """Pixel sums of the first num_training training images, reading one batch at a time.

    Returns a tuple of:
    - total: int64 (3, 32, 32), exact (a float64 mean of these uint8 images equals total / num_training bit for bit)
    - count: number of training images in all the batches
    """
    total, count = np.zeros((3, 32, 32), dtype=np.int64), 0
    for name in CIFAR10_TRAIN_BATCHES:
        X, _ = load_cifar_batch(Path(folder) / name)
        total += X[:max(num_training - count, 0)].sum(axis=0, dtype=np.int64)
        count += len(X)
    return total, count


def find_cifar10(source):
    """The folder of real CIFAR-10 batches for this source, or None for the embedded set (announced in 'auto').

    Inputs:
    - source: 'auto', 'download' or 'embedded' (already resolved)
    """
    if source == "embedded":
        return None
    cache = cache_dir()
    if source == "download" or has_all(cache / CIFAR10_DIR, CIFAR10_BATCHES) or (cache / CIFAR10_ARCHIVE).exists():
        return fetch_cifar10(cache)
    fallback_notice("cifar10", [cache])
    return None
