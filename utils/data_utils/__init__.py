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

One idea per module:
- ``sources``: the cache folder and its layout, choosing a source, ``last_source``, ``DataError``
- ``download``: URLs and MD5s, downloads with a progress bar, ``download_dataset``; ``archive``: safe extraction
- ``cifar10``: CIFAR-10's pickled batches; ``splits``: ``get_CIFAR10_data`` and ``get_CIFAR10_test``
- ``idx``: the IDX format; ``mnist``: ``load_mnist`` and ``load_fashion_mnist``
- ``embedded``: the offline digits; ``points``: ``load_planar_points``
"""
from ..language import message_language  # noqa: F401  (public here too: the language data messages are in)
from .cifar10 import cifar_training_sum as _cifar_training_sum  # noqa: F401  (underscored: see the note below)
from .cifar10 import find_cifar10 as _find_cifar10  # noqa: F401
from .cifar10 import load_CIFAR10
from .cifar10 import load_cifar_batch as _load_cifar_batch  # noqa: F401
from .download import download_dataset
from .idx import read_idx
from .mnist import load_fashion_mnist, load_mnist
from .points import load_planar_points
from .sources import (  # noqa: F401  (the constants: facts other code reads, e.g. datasets/get_datasets.py)
    CACHE_DIR_ENV,
    CIFAR10_ARCHIVE,
    CIFAR10_BATCHES,
    CIFAR10_DIR,
    CIFAR10_TRAIN_BATCHES,
    DATASETS,
    DEBIAN_FASHION_MNIST_DIR,
    IDX_FILES,
    REPO_ROOT,
    SOURCE_ENV,
    SOURCES,
    TITLES,
    DataError,
    cache_dir,
    display_path,
    last_source,
    resolve_source,
)
from .splits import as_features as _as_features  # noqa: F401
from .splits import get_CIFAR10_data, get_CIFAR10_test

# The underscored names are the helpers grading/autograde/model_score.py reads as ``du._name`` to build the
# validation split without the training images (get_CIFAR10_test does the same for the test split).

__all__ = [
    "DataError", "cache_dir", "display_path", "resolve_source", "last_source", "download_dataset",
    "load_CIFAR10", "get_CIFAR10_data", "get_CIFAR10_test", "read_idx", "load_mnist", "load_fashion_mnist",
    "load_planar_points",
]
