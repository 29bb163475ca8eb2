"""CIFAR-10 (or the embedded set shaped like it) split into training, validation and test sets, ready for a model."""
import numpy as np

from .cifar10 import cifar_training_sum, find_cifar10, load_CIFAR10, load_cifar_batch
from .embedded import digits_as_cifar, embedded_digits
from .sources import remember_source, resolve_source


def _scale_sizes(sizes, available):
    """Shrink split sizes by one common factor so they add up to at most ``available``; keep every non-empty split."""
    total = sum(sizes)
    if total <= available:
        return tuple(sizes)
    scale = available / total
    return tuple(max(1, int(n * scale)) if n > 0 else 0 for n in sizes)


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


def as_features(X, mean, dtype):
    """uint8 images -> dtype, minus the mean image when given; never a float64 copy unless dtype asks for one.

    Inputs:
    - X: uint8 (N, 3, 32, 32)
    - mean: float64 (3, 32, 32) or None
    - dtype: floating dtype of the result, (N, 3, 32, 32)
    """
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
    - source: 'auto', 'download' or 'embedded' (see utils.data_utils); None reads $CH3_DATA, else 'auto'

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
    folder = find_cifar10(resolve_source(source))
    if folder is None:
        X, y = embedded_digits()
        X = digits_as_cifar(X)
        sizes = _scale_sizes(sizes, len(X))
        n = sizes[0] + sizes[1]
        X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    else:
        X_train, y_train, X_test, y_test = load_CIFAR10(folder)
    remember_source("cifar10", "embedded" if folder is None else "cache")
    _check_split_sizes(sizes, (len(X_train), len(X_test)))
    num_training, num_validation, num_test = sizes
    train, val = slice(0, num_training), slice(num_training, num_training + num_validation)
    # Accumulate in float64 without a float64 copy of the images: the reduction casts block by block.
    mean = X_train[train].mean(axis=0, dtype=np.float64) if subtract_mean else None
    return {
        "X_train": as_features(X_train[train], mean, dtype), "y_train": y_train[train].copy(),
        "X_val": as_features(X_train[val], mean, dtype), "y_val": y_train[val].copy(),
        "X_test": as_features(X_test[:num_test], mean, dtype), "y_test": y_test[:num_test].copy(),
    }


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
    folder = find_cifar10(resolve_source(source))
    if folder is None:  # the embedded set is small: split it exactly as get_CIFAR10_data does
        data = get_CIFAR10_data(num_training, num_validation, num_test, subtract_mean, dtype, source="embedded")
        return data["X_test"], data["y_test"]
    total, count = cifar_training_sum(folder, num_training)
    X_test, y_test = load_cifar_batch(folder / "test_batch")
    remember_source("cifar10", "cache")
    _check_split_sizes((num_training, num_validation, num_test), (count, len(X_test)))
    mean = total / num_training if subtract_mean else None
    return as_features(X_test[:num_test], mean, dtype), y_test[:num_test].copy()
