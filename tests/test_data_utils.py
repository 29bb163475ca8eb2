"""utils.data_utils: real file formats written here, the embedded set, source selection, downloads without a network."""
import gzip
import hashlib
import importlib.util
import io
import pickle
import struct
import tarfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from utils import data_utils as du
from utils.data_utils import cifar10, download, sources
from utils.language import in_language

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------------------------------------------
# Helpers that write the real formats
# ----------------------------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets an empty cache of its own and no CH3_DATA: the real cache is never touched."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(du.CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv(du.SOURCE_ENV, raising=False)
    english(monkeypatch)
    return folder


def english(monkeypatch):
    """Messages in English whatever other tests chose before (utils.checks.set_language) or the shell says."""
    import utils.checks
    import utils.language

    monkeypatch.setattr(utils.checks, "_language_chosen", False)
    monkeypatch.delenv("CH3_LANG", raising=False)
    monkeypatch.setattr(utils.language, "RELEASE_MARKER", du.REPO_ROOT / "no-release-marker-here")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was used")
    monkeypatch.setattr(download, "urlopen", refuse)


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def write_cifar_batch(path, data, labels):
    """A batch as CIFAR-10's python version stores it: a pickled dict with uint8 rows R(1024) G(1024) B(1024)."""
    batch = {"batch_label": "testing batch 1 of 1", "labels": [int(v) for v in labels], "data": data,
             "filenames": [f"image_{i}.png" for i in range(len(labels))]}
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


def make_cifar_folder(folder, per_batch=20, num_test=10, seed=0):
    """Write data_batch_1..5 and test_batch into folder; returns (train rows, train labels, test rows, test labels)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    train = rng.integers(0, 256, (5 * per_batch, 3072), dtype=np.uint8)
    train_labels = rng.integers(0, 10, 5 * per_batch)
    train[3, 0] = 200             # image 3: red at (0, 0)
    train[3, 1024 + 32 + 1] = 17  # green at (1, 1)
    train[3, 2048 + 1023] = 99    # blue at (31, 31)
    for i in range(5):
        rows = slice(i * per_batch, (i + 1) * per_batch)
        write_cifar_batch(folder / f"data_batch_{i + 1}", train[rows], train_labels[rows])
    test = rng.integers(0, 256, (num_test, 3072), dtype=np.uint8)
    test_labels = rng.integers(0, 10, num_test)
    write_cifar_batch(folder / "test_batch", test, test_labels)
    return train, train_labels, test, test_labels


def make_cifar_archive(path, source_folder, extra=()):
    """A .tar.gz laid out like cifar-10-python.tar.gz (cifar-10-batches-py/...), plus extra (TarInfo, bytes) members."""
    with tarfile.open(path, "w:gz") as tar:
        tar.add(source_folder, arcname=du.CIFAR10_DIR)
        for info, data in extra:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def idx_bytes(array, code):
    """An IDX file: 0x0000, dtype code, number of dimensions, big-endian uint32 sizes, big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def make_idx_folder(folder, n_train=12, n_test=5, seed=1):
    """Write the four gzip'd IDX files of an MNIST-like set; returns (train x, train labels, test x, test labels)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"train": (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_train)),
              "t10k": (rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_test))}
    arrays["train"][0][2, 5, 7] = 255
    arrays["train"][0][2, 0, 0] = 51
    for prefix, (images, labels) in arrays.items():
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, 0x08)))
        (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels.astype(np.uint8), 0x08)))
    return (*arrays["train"], *arrays["t10k"])


def assert_no_raw_traceback(err):
    """The error does not carry the pickle/gzip/tar exception it replaced (Python would print that traceback too)."""
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)


def digit_set():
    """{(8x8 image scaled to 0..255 as bytes, label)} of scikit-learn's digits, to recognise embedded images."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.round(digits.images * (255 / 16)).astype(np.uint8)
    return {(image.tobytes(), int(label)) for image, label in zip(images, digits.target, strict=True)}


# ----------------------------------------------------------------------------------------------------------------
# CIFAR-10 batches
# ----------------------------------------------------------------------------------------------------------------

def test_load_CIFAR10_reads_real_batch_format(tmp_path):
    train, train_labels, test, test_labels = make_cifar_folder(tmp_path / "batches")
    X_train, y_train, X_test, y_test = du.load_CIFAR10(tmp_path / "batches")
    assert X_train.shape == (100, 3, 32, 32) and X_train.dtype == np.uint8
    assert X_test.shape == (10, 3, 32, 32) and y_test.shape == (10,)
    assert y_train.dtype == np.int64
    assert X_train[3, 0, 0, 0] == 200 and X_train[3, 1, 1, 1] == 17 and X_train[3, 2, 31, 31] == 99
    np.testing.assert_array_equal(X_train.reshape(100, -1), train)
    np.testing.assert_array_equal(y_train, train_labels)
    np.testing.assert_array_equal(X_test.reshape(10, -1), test)
    np.testing.assert_array_equal(y_test, test_labels)


def test_get_CIFAR10_data_splits_and_subtracts_training_mean(cache, capsys):
    train, train_labels, test, test_labels = make_cifar_folder(cache / du.CIFAR10_DIR)
    data = du.get_CIFAR10_data(num_training=70, num_validation=20, num_test=8)
    assert capsys.readouterr().out == ""
    assert du.last_source("cifar10") == "cache"
    assert sorted(data) == ["X_test", "X_train", "X_val", "y_test", "y_train", "y_val"]
    assert data["X_train"].shape == (70, 3, 32, 32) and data["X_val"].shape == (20, 3, 32, 32)
    assert data["X_test"].shape == (8, 3, 32, 32)
    assert all(data[k].dtype == np.float32 for k in ("X_train", "X_val", "X_test"))
    mean = train[:70].mean(axis=0)
    np.testing.assert_allclose(data["X_train"].reshape(70, -1), train[:70] - mean, atol=1e-4)
    np.testing.assert_allclose(data["X_val"].reshape(20, -1), train[70:90] - mean, atol=1e-4)  # right after train
    np.testing.assert_allclose(data["X_test"].reshape(8, -1), test[:8] - mean, atol=1e-4)
    np.testing.assert_array_equal(data["y_val"], train_labels[70:90])
    np.testing.assert_array_equal(data["y_test"], test_labels[:8])
    assert data["X_train"][3, 0, 0, 0] == pytest.approx(200 - mean[0], abs=1e-4)


def test_get_CIFAR10_data_without_mean_keeps_pixel_values(cache):
    train, *_ = make_cifar_folder(cache / du.CIFAR10_DIR)
    data = du.get_CIFAR10_data(50, 10, 5, subtract_mean=False, dtype=np.float64)
    assert data["X_train"].dtype == np.float64
    assert data["X_train"][3, 2, 31, 31] == 99.0
    np.testing.assert_array_equal(data["X_val"].reshape(10, -1), train[50:60])


def test_get_CIFAR10_data_rejects_sizes_that_do_not_fit(cache):
    make_cifar_folder(cache / du.CIFAR10_DIR)
    with pytest.raises(ValueError, match="num_training \\+ num_validation = 101"):
        du.get_CIFAR10_data(num_training=100, num_validation=1, num_test=1)
    with pytest.raises(ValueError, match="floating"):
        du.get_CIFAR10_data(10, 1, 1, dtype=np.int32)


@pytest.mark.parametrize("sizes, subtract_mean, dtype", [
    ((70, 20, 8), True, np.float32),   # the training split ends inside data_batch_4
    ((100, 0, 10), True, np.float64),  # every training image, the whole test batch
    ((1, 5, 3), True, np.float32),
    ((35, 10, 4), False, np.float64),
])
def test_get_CIFAR10_test_is_the_test_split_bit_for_bit(cache, capsys, sizes, subtract_mean, dtype):
    make_cifar_folder(cache / du.CIFAR10_DIR)
    X_test, y_test = du.get_CIFAR10_test(*sizes, subtract_mean=subtract_mean, dtype=dtype)
    data = du.get_CIFAR10_data(*sizes, subtract_mean=subtract_mean, dtype=dtype)
    assert capsys.readouterr().out == "" and du.last_source("cifar10") == "cache"
    assert X_test.dtype == dtype and X_test.shape == (sizes[2], 3, 32, 32) and y_test.dtype == np.int64
    np.testing.assert_array_equal(X_test, data["X_test"], strict=True)
    np.testing.assert_array_equal(y_test, data["y_test"], strict=True)


def test_get_CIFAR10_test_embedded_and_bad_arguments(cache, capsys):
    X_test, y_test = du.get_CIFAR10_test()  # nothing cached: the embedded set, announced once
    assert capsys.readouterr().out.count("using the embedded digits set") == 1
    assert du.last_source("cifar10") == "embedded"
    data = du.get_CIFAR10_data(source="embedded")
    assert X_test.shape == (35, 3, 32, 32)
    np.testing.assert_array_equal(X_test, data["X_test"], strict=True)
    np.testing.assert_array_equal(y_test, data["y_test"], strict=True)
    make_cifar_folder(cache / du.CIFAR10_DIR)
    with pytest.raises(ValueError, match="num_training \\+ num_validation = 101"):
        du.get_CIFAR10_test(num_training=100, num_validation=1, num_test=1)
    with pytest.raises(ValueError, match="num_test = 11"):
        du.get_CIFAR10_test(num_training=10, num_validation=1, num_test=11)
    with pytest.raises(ValueError, match="floating"):
        du.get_CIFAR10_test(10, 1, 1, dtype=np.int32)


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _pickle(obj):
    def write(path):
        path.write_bytes(pickle.dumps(obj, protocol=2))
    return write


@pytest.mark.parametrize("damage, message", [
    (_truncate, "is corrupt"),
    (lambda path: path.write_bytes(b"this is no pickle at all"), "is corrupt"),
    (_pickle([1, 2, 3]), "not a CIFAR-10 batch"),
    (_pickle({"data": np.zeros((4, 3000), np.uint8), "labels": [0, 1, 2, 3]}), r"expected \(N, 3072\) uint8"),
    (_pickle({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 10]}), "integers in 0..9"),
    (lambda path: path.unlink(), "is missing"),
])
def test_broken_cifar_batch_gives_clear_error(cache, damage, message):
    make_cifar_folder(cache / du.CIFAR10_DIR)
    damage(cache / du.CIFAR10_DIR / "data_batch_2")
    with pytest.raises(du.DataError, match=message) as excinfo:
        du.load_CIFAR10(cache / du.CIFAR10_DIR)
    text = str(excinfo.value)
    assert "data_batch_2" in text and "python datasets/get_datasets.py cifar10" in text
    assert_no_raw_traceback(excinfo.value)


def _traced_peak(load):
    """(result of load(), peak bytes tracemalloc saw while it ran)."""
    tracemalloc.start()
    try:
        result = load()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_full_size_cifar_fits_a_small_pod(cache):
    """The full set (50000 + 10000 images) loads as float32 with a peak far below a 2 GB pod (no float64 copy), and
    the test split alone costs a small fraction of that: the best-model checks read it while the notebook's data is
    alive."""
    folder = cache / du.CIFAR10_DIR
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in du.CIFAR10_BATCHES:
        write_cifar_batch(folder / name, rng.integers(0, 256, (10000, 3072), dtype=np.uint8),
                          rng.integers(0, 10, 10000))
    data, peak = _traced_peak(du.get_CIFAR10_data)
    result = sum(array.nbytes for array in data.values())
    assert data["X_train"].shape == (49000, 3, 32, 32) and data["X_train"].dtype == np.float32
    assert data["X_val"].shape == (1000, 3, 32, 32) and data["X_test"].shape == (1000, 3, 32, 32)
    assert abs(float(data["X_train"].mean(dtype=np.float64))) < 1e-3
    float64_train = 49000 * 3072 * 8
    assert peak < 1.0 * 2**30, f"peak {peak / 2**20:.0f} MiB"
    assert peak < result + float64_train / 3, f"peak {peak / 2**20:.0f} MiB for a result of {result / 2**20:.0f} MiB"

    (X_test, y_test), test_peak = _traced_peak(du.get_CIFAR10_test)
    np.testing.assert_array_equal(X_test, data["X_test"], strict=True)
    np.testing.assert_array_equal(y_test, data["y_test"], strict=True)
    # Unpickling one 29 MiB batch peaks near 130 MiB by itself; the training set as float32 is 561 MiB.
    assert test_peak < 0.25 * 2**30, f"test split peak {test_peak / 2**20:.0f} MiB"


# ----------------------------------------------------------------------------------------------------------------
# CIFAR-10 archive: download, checksum, safe extraction
# ----------------------------------------------------------------------------------------------------------------

@pytest.fixture
def cifar_archive(tmp_path):
    """A test-made cifar-10-python.tar.gz served from a file:// URL: (url, md5, train rows)."""
    train, *_ = make_cifar_folder(tmp_path / "src" / du.CIFAR10_DIR)
    (tmp_path / "mirror").mkdir()
    archive = make_cifar_archive(tmp_path / "mirror" / du.CIFAR10_ARCHIVE, tmp_path / "src" / du.CIFAR10_DIR)
    return archive.as_uri(), md5(archive), train


def test_fetch_cifar10_downloads_verifies_and_extracts(cache, cifar_archive):
    url, checksum, train = cifar_archive
    folder = download.fetch_cifar10(cache, url=url, md5=checksum)
    assert folder == cache / du.CIFAR10_DIR
    assert sorted(p.name for p in folder.iterdir()) == sorted(du.CIFAR10_BATCHES)
    assert md5(cache / du.CIFAR10_ARCHIVE) == checksum
    assert not list(cache.glob("*.part")) and not list(cache.glob(".extract-*"))
    X_train, *_ = du.load_CIFAR10(folder)
    assert X_train[3, 0, 0, 0] == 200


def test_download_with_wrong_md5_is_deleted(cache, cifar_archive):
    url, _, _ = cifar_archive
    with pytest.raises(du.DataError, match="expected 0123456789abcdef0123456789abcdef.*deleted"):
        download.fetch_cifar10(cache, url=url, md5="0123456789abcdef0123456789abcdef")
    assert not (cache / du.CIFAR10_ARCHIVE).exists() and not list(cache.glob("*.part"))


def test_download_failure_names_the_url(cache, tmp_path):
    url = (tmp_path / "nowhere" / du.CIFAR10_ARCHIVE).as_uri()
    with pytest.raises(du.DataError, match="could not download .*nowhere.*get_datasets.py cifar10"):
        download.fetch_cifar10(cache, url=url, md5="0" * 32)


def test_public_download_source_then_auto_uses_the_cache(cache, cifar_archive, monkeypatch):
    url, checksum, train = cifar_archive
    monkeypatch.setattr(download, "CIFAR10_URL", url)
    monkeypatch.setattr(download, "CIFAR10_MD5", checksum)
    data = du.get_CIFAR10_data(60, 20, 10, subtract_mean=False, source="download")
    assert du.last_source("cifar10") == "cache"
    np.testing.assert_array_equal(data["X_val"].reshape(20, -1), train[60:80])
    monkeypatch.setattr(download, "urlopen", lambda *a, **k: pytest.fail("auto used the network"))
    again = du.get_CIFAR10_data(60, 20, 10, subtract_mean=False)
    np.testing.assert_array_equal(again["X_train"], data["X_train"])


def test_auto_extracts_a_cached_archive_without_network(cache, cifar_archive, monkeypatch, no_network):
    url, checksum, _ = cifar_archive
    cache.mkdir()
    (cache / du.CIFAR10_ARCHIVE).write_bytes((cache.parent / "mirror" / du.CIFAR10_ARCHIVE).read_bytes())
    monkeypatch.setattr(download, "CIFAR10_MD5", checksum)
    data = du.get_CIFAR10_data(10, 5, 5)
    assert data["X_train"].shape == (10, 3, 32, 32) and du.last_source("cifar10") == "cache"


def test_corrupt_cached_archive_says_delete_it(cache, no_network):
    cache.mkdir()
    (cache / du.CIFAR10_ARCHIVE).write_bytes(b"\x1f\x8b half an archive")
    with pytest.raises(du.DataError, match="has MD5 .*expected c58f30108f718f92721af3b95e74349a.*Delete it"):
        du.get_CIFAR10_data()


def test_truncated_archive_with_matching_md5_cannot_be_extracted(cache, tmp_path):
    make_cifar_folder(tmp_path / "src" / du.CIFAR10_DIR)
    archive = make_cifar_archive(tmp_path / du.CIFAR10_ARCHIVE, tmp_path / "src" / du.CIFAR10_DIR)
    _truncate(archive)
    with pytest.raises(du.DataError, match="could not extract .*Delete") as excinfo:
        download.fetch_cifar10(cache, url=archive.as_uri(), md5=md5(archive))
    assert_no_raw_traceback(excinfo.value)
    assert not (cache / du.CIFAR10_DIR).exists() and not list(cache.glob(".extract-*"))


def _member(name, kind=tarfile.REGTYPE, data=b"boom", linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


@pytest.mark.parametrize("member", [
    lambda tmp: _member("../escaped.txt"),
    lambda tmp: _member(f"{du.CIFAR10_DIR}/../../escaped.txt"),
    lambda tmp: _member(str(tmp / "escaped.txt")),  # an absolute path
    lambda tmp: _member(f"{du.CIFAR10_DIR}/link", tarfile.SYMTYPE, linkname="../../escaped.txt"),
    lambda tmp: _member(f"{du.CIFAR10_DIR}/hard", tarfile.LNKTYPE, linkname=f"{du.CIFAR10_DIR}/test_batch"),
])
def test_unsafe_archive_member_is_refused(cache, tmp_path, member):
    make_cifar_folder(tmp_path / "src" / du.CIFAR10_DIR)
    archive = make_cifar_archive(tmp_path / du.CIFAR10_ARCHIVE, tmp_path / "src" / du.CIFAR10_DIR,
                                 extra=[member(tmp_path)])
    with pytest.raises(du.DataError, match="refusing to extract member"):
        download.fetch_cifar10(cache, url=archive.as_uri(), md5=md5(archive))
    assert not (tmp_path / "escaped.txt").exists() and not (cache.parent / "escaped.txt").exists()
    assert not (cache / du.CIFAR10_DIR).exists()  # all or nothing


def test_archive_without_the_batches_folder_is_refused(cache, tmp_path):
    archive = tmp_path / du.CIFAR10_ARCHIVE
    with tarfile.open(archive, "w:gz") as tar:
        info, data = _member("something-else/readme.txt")
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(du.DataError, match="has no folder cifar-10-batches-py"):
        download.fetch_cifar10(cache, url=archive.as_uri(), md5=md5(archive))


# ----------------------------------------------------------------------------------------------------------------
# IDX parser
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("array, code", [
    (np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4), 0x08),
    (np.array([-128, -1, 0, 127], dtype=np.int8), 0x09),
    (np.array([[-30000, 2], [7, 30000]], dtype=np.int16), 0x0B),
    (np.array([-(2**31), -1, 0, 2**31 - 1], dtype=np.int32), 0x0C),
    (np.array([[1.5, -2.25, 3e38]], dtype=np.float32), 0x0D),
    (np.array([np.pi, -1e300], dtype=np.float64), 0x0E),
])
def test_read_idx_round_trips_every_dtype(tmp_path, array, code, compress):
    data = idx_bytes(array, code)
    path = tmp_path / "file.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    got = du.read_idx(path)
    assert got.dtype == array.dtype and got.dtype.isnative and got.shape == array.shape
    np.testing.assert_array_equal(got, array)


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    labels = np.array([7, 2, 1, 0], dtype=np.uint8)
    (tmp_path / "labels.gz").write_bytes(idx_bytes(labels, 0x08))          # raw, despite the name
    (tmp_path / "labels.raw").write_bytes(gzip.compress(idx_bytes(labels, 0x08)))
    np.testing.assert_array_equal(du.read_idx(tmp_path / "labels.gz"), labels)
    np.testing.assert_array_equal(du.read_idx(tmp_path / "labels.raw"), labels)
    assert du.read_idx(tmp_path / "labels.gz").flags.writeable


GOOD = idx_bytes(np.arange(10, dtype=np.uint8).reshape(2, 5), 0x08)
GOOD_GZ = gzip.compress(GOOD, mtime=0)  # no timestamp: pytest-xdist workers must collect the same test ids


@pytest.mark.parametrize("content, message", [
    (b"\x08\x03\x00\x00" + GOOD[4:], "not an IDX file: its magic number is 0x08030000"),
    (b"\x00\x00\x07\x02" + GOOD[4:], "not an IDX file: its magic number is 0x00000702"),
    (b"\x00\x00\x08\x00", "not an IDX file"),
    (GOOD[:3], "truncated: it ends inside the 4-byte magic number"),
    (GOOD[:9], "truncated: it ends inside the 2 dimension sizes"),
    (GOOD[:-1], r"truncated: its header announces \(2, 5\) values of uint8 \(10 bytes\), the file holds 9"),
    (GOOD + b"\x00", "has extra bytes at the end"),
    (GOOD_GZ[:-12], "cannot be read as gzip"),
    (GOOD_GZ[:-8] + b"\x00\x00\x00\x00" + GOOD_GZ[-4:], "cannot be read as gzip"),  # bad CRC
    (b"\x1f\x8bnot really gzip", "cannot be read as gzip"),
    (b"", "truncated"),
])
def test_read_idx_rejects_malformed_files(tmp_path, content, message):
    path = tmp_path / "bad-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(du.DataError, match=message) as excinfo:
        du.read_idx(path)
    assert str(path) in str(excinfo.value)
    assert_no_raw_traceback(excinfo.value)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(du.DataError, match="is missing"):
        du.read_idx(tmp_path / "absent-idx1-ubyte.gz")


# ----------------------------------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST loaders
# ----------------------------------------------------------------------------------------------------------------

def test_load_mnist_from_cache_has_dlfs_semantics(cache, capsys):
    train_x, train_t, test_x, test_t = make_idx_folder(cache / "mnist")
    (x, t), (xt, tt) = du.load_mnist()
    assert capsys.readouterr().out == "" and du.last_source("mnist") == "cache"
    assert x.shape == (12, 784) and x.dtype == np.float32 and xt.shape == (5, 784)
    assert x[2, 5 * 28 + 7] == 1.0 and x[2, 0] == pytest.approx(0.2)
    np.testing.assert_allclose(xt, test_x.reshape(5, -1) / 255, rtol=1e-6)
    np.testing.assert_array_equal(t, train_t)
    assert t.dtype == np.int64 and tt.shape == (5,)
    (x, t), _ = du.load_mnist(normalize=False, flatten=False, one_hot_label=True)
    assert x.shape == (12, 1, 28, 28) and x.dtype == np.uint8 and x[2, 0, 5, 7] == 255
    assert t.shape == (12, 10) and t.dtype == np.float32
    np.testing.assert_array_equal(t, np.eye(10)[train_t])


def test_cached_fashion_mnist_comes_before_debian(cache):
    make_idx_folder(cache / "fashion-mnist", n_train=3, n_test=2)
    (x, _), (xt, _) = du.load_fashion_mnist()
    assert x.shape == (3, 784) and xt.shape == (2, 784) and du.last_source("fashion-mnist") == "cache"


@pytest.mark.parametrize("prefix, array, message", [
    ("train-labels", np.array([1, 2, 12], dtype=np.uint8), "uint8 labels in 0..9"),
    ("t10k-images", np.zeros((5, 27, 27), dtype=np.uint8), r"expected uint8 \(N, 28, 28\)"),
])
def test_malformed_mnist_content_gives_clear_error(cache, prefix, array, message):
    make_idx_folder(cache / "mnist")
    (cache / "mnist" / f"{prefix}-idx{array.ndim}-ubyte.gz").write_bytes(gzip.compress(idx_bytes(array, 0x08)))
    with pytest.raises(du.DataError, match=message) as excinfo:
        du.load_mnist()
    assert "python datasets/get_datasets.py mnist" in str(excinfo.value)


def test_truncated_cached_mnist_file_says_how_to_fix(cache):
    make_idx_folder(cache / "mnist")
    _truncate(cache / "mnist" / "train-images-idx3-ubyte.gz")
    with pytest.raises(du.DataError, match="MNIST: .*train-images.*Delete the file and run: python datasets/get_"):
        du.load_mnist()


debian = pytest.mark.skipif(not du.DEBIAN_FASHION_MNIST_DIR.is_dir(),
                            reason="Debian's dataset-fashion-mnist is not installed (apt-get install it)")


@debian
def test_debian_fashion_mnist_real_facts(no_network):
    (x, t), (xt, tt) = du.load_fashion_mnist(normalize=False)
    assert du.last_source("fashion-mnist") == "debian"
    assert x.shape == (60000, 784) and xt.shape == (10000, 784) and x.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(t), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(tt), [1000] * 10)
    np.testing.assert_array_equal(t[:8], [9, 0, 0, 3, 0, 2, 7, 2])  # ankle boot, T-shirt, T-shirt, dress, ...
    assert x.min() == 0 and x.max() == 255
    (x, _), _ = du.load_fashion_mnist(flatten=False, source="download")  # present, so nothing is downloaded
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
    assert du.download_dataset("fashion-mnist") == du.DEBIAN_FASHION_MNIST_DIR


# ----------------------------------------------------------------------------------------------------------------
# Embedded set and source selection
# ----------------------------------------------------------------------------------------------------------------

def test_embedded_cifar_shapes_scaled_sizes_and_pixels(capsys):
    data = du.get_CIFAR10_data(subtract_mean=False, source="embedded")
    assert capsys.readouterr().out == "" and du.last_source("cifar10") == "embedded"
    assert [data[k].shape[0] for k in ("X_train", "X_val", "X_test")] == [1726, 35, 35]
    assert data["X_train"].shape[1:] == (3, 32, 32) and data["X_train"].dtype == np.float32
    X = np.concatenate([data["X_train"], data["X_val"], data["X_test"]])
    y = np.concatenate([data["y_train"], data["y_val"], data["y_test"]])
    assert X.min() == 0 and X.max() == 255 and y.dtype == np.int64
    np.testing.assert_array_equal(X[:, 0], X[:, 2])                                # grey: channels equal
    small = X[:, 0, ::4, ::4]
    np.testing.assert_array_equal(X[:, 0], small.repeat(4, axis=1).repeat(4, axis=2))  # 4x4 blocks
    known = digit_set()
    assert all((image.astype(np.uint8).tobytes(), label) in known for image, label in zip(small, y, strict=True))
    assert len({image.tobytes() for image in X.astype(np.uint8)}) > 1700  # 1796 of the 1797, not one repeated


def test_embedded_cifar_small_sizes_kept_and_deterministic():
    a = du.get_CIFAR10_data(500, 100, 200, source="embedded")
    b = du.get_CIFAR10_data(500, 100, 200, source="embedded")
    assert [a[k].shape[0] for k in ("X_train", "X_val", "X_test")] == [500, 100, 200]
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_allclose(a["X_train"].mean(axis=0), 0, atol=1e-3)
    assert set(np.unique(a["y_train"])) == set(range(10))
    scaled = du.get_CIFAR10_data(5000, 5000, 5000, source="embedded")
    assert [scaled[k].shape[0] for k in ("X_train", "X_val", "X_test")] == [599, 599, 599]


def test_digits_table_is_load_digits_read_without_importing_scikit_learn(monkeypatch):
    """The embedded set's source: scikit-learn's shipped file, read as load_digits reads it, in a process that never
    imports scikit-learn (about 0.7 CPU-s); with the file elsewhere, load_digits itself."""
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    from utils.data_utils import embedded

    digits = load_digits()
    expected = np.column_stack([digits.data, digits.target])
    table = embedded.digits_table()
    assert table.shape == (1797, 65) and table.dtype == np.float64
    np.testing.assert_array_equal(table, expected)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    np.testing.assert_array_equal(embedded.digits_table(), expected)
    code = ("import sys\nfrom utils.data_utils.embedded import embedded_digits\nimages, labels = embedded_digits()\n"
            "print(images.shape, int(labels.sum()), 'sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["(1797,", "8,", "8)", str(int(digits.target.sum())), "False"], done.stderr


@pytest.mark.parametrize("loader", [du.load_mnist, du.load_fashion_mnist])
def test_embedded_mnist_shapes(loader):
    (x, t), (xt, tt) = loader(source="embedded")
    assert x.shape == (1540, 784) and xt.shape == (257, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0 and set(np.unique(t)) == set(range(10))
    (x, t), _ = loader(normalize=False, flatten=False, one_hot_label=True, source="embedded")
    images = x[:, 0]
    assert images.dtype == np.uint8 and images.max() == 255 and t.shape == (1540, 10)
    assert not images[:, :2].any() and not images[:, -2:].any() and not images[:, :, :2].any()  # 2-pixel border
    small = images[:, 2:-2:3, 2:-2:3]
    np.testing.assert_array_equal(images[:, 2:-2, 2:-2], small.repeat(3, axis=1).repeat(3, axis=2))
    known = digit_set()
    assert all((s.tobytes(), int(label)) in known for s, label in zip(small, t.argmax(axis=1), strict=True))


def test_auto_falls_back_with_one_notice(capsys, no_network):
    data = du.get_CIFAR10_data(100, 10, 10)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("[data] CIFAR-10 not found in ")
    assert "using the embedded digits set (1797 images). Run: python datasets/get_datasets.py cifar10" in lines[0]
    assert data["X_train"].shape == (100, 3, 32, 32) and du.last_source("cifar10") == "embedded"
    du.load_mnist()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("[data] MNIST not found in ")
    assert lines[0].endswith("Run: python datasets/get_datasets.py mnist")


def test_auto_fashion_mnist_falls_back_when_debian_is_absent(tmp_path, monkeypatch, capsys, no_network):
    monkeypatch.setattr(sources, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "not-installed")
    (x, _), _ = du.load_fashion_mnist()
    line = capsys.readouterr().out.strip()
    assert line.startswith("[data] Fashion-MNIST not found in ") and "not-installed" in line
    assert line.endswith("python datasets/get_datasets.py fashion-mnist") and x.shape == (1540, 784)


def test_environment_chooses_the_source_and_the_argument_wins(cache, monkeypatch, capsys):
    make_idx_folder(cache / "mnist")
    monkeypatch.setenv(du.SOURCE_ENV, "embedded")
    (x, _), _ = du.load_mnist()
    assert x.shape == (1540, 784) and du.last_source("mnist") == "embedded"
    (x, _), _ = du.load_mnist(source="auto")
    assert x.shape == (12, 784) and du.last_source("mnist") == "cache"
    assert capsys.readouterr().out == ""
    monkeypatch.setenv(du.SOURCE_ENV, "internet")
    with pytest.raises(ValueError, match="CH3_DATA='internet' is not a data source"):
        du.load_mnist()
    with pytest.raises(ValueError, match="source='web'"):
        du.get_CIFAR10_data(source="web")


def test_cache_dir_default_is_in_the_repository(monkeypatch):
    monkeypatch.delenv(du.CACHE_DIR_ENV)
    assert du.cache_dir() == ROOT / "datasets" / "cache"
    assert du.display_path(du.cache_dir()) == "datasets/cache"


def test_load_planar_points():
    X_train, y_train, X_test, y_test = du.load_planar_points()
    assert X_train.shape == (900, 2) and X_test.shape == (100, 2) and y_train.shape == (900,)
    assert set(np.unique(y_train)) == {0, 1} and y_train.dtype == np.int64
    again = du.load_planar_points()
    np.testing.assert_array_equal(again[0], X_train)
    X_train, _, X_test, _ = du.load_planar_points(n_samples=200, noise=0.0, test_size=0.25, seed=1)
    assert X_train.shape == (150, 2) and X_test.shape == (50, 2)
    assert -1.0 - 1e-9 <= X_train[:, 0].min() and X_train[:, 0].max() <= 2.0 + 1e-9  # noise-free moons: x in [-1, 2]


# ----------------------------------------------------------------------------------------------------------------
# datasets/get_datasets.py
# ----------------------------------------------------------------------------------------------------------------

def load_script():
    spec = importlib.util.spec_from_file_location("get_datasets", ROOT / "datasets" / "get_datasets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def mnist_mirror(tmp_path, monkeypatch):
    """Point MNIST's URL and MD5s at test-made files served by file://; returns the training labels."""
    mirror = tmp_path / "mirror"
    _, train_t, _, _ = make_idx_folder(mirror)
    monkeypatch.setattr(download, "MNIST_URL", mirror.as_uri() + "/")
    monkeypatch.setattr(download, "MNIST_MD5", {name: md5(mirror / name) for name in du.IDX_FILES})
    return train_t


def test_get_datasets_downloads_mnist_then_verifies_the_cache(cache, mnist_mirror, capsys, monkeypatch):
    script = load_script()
    assert script.main(["mnist"]) == 0
    assert "MNIST: ready in" in capsys.readouterr().out
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(du.IDX_FILES)
    (_, t), _ = du.load_mnist()
    np.testing.assert_array_equal(t, mnist_mirror)
    assert du.last_source("mnist") == "cache"
    monkeypatch.setattr(download, "urlopen", lambda *a, **k: pytest.fail("re-downloaded a cached file"))
    assert script.main(["mnist"]) == 0
    damaged = cache / "mnist" / "t10k-labels-idx1-ubyte.gz"
    content = damaged.read_bytes()
    damaged.write_bytes(content[:-1] + bytes([content[-1] ^ 0xFF]))
    assert script.main(["mnist"]) == 1
    err = capsys.readouterr().err
    assert "MNIST: FAILED" in err and "t10k-labels-idx1-ubyte.gz has MD5" in err and "Delete it and run" in err


def test_load_mnist_download_source(cache, mnist_mirror):
    (_, t), (xt, _) = du.load_mnist(source="download")
    np.testing.assert_array_equal(t, mnist_mirror)
    assert xt.shape == (5, 784) and du.last_source("mnist") == "cache"


def test_get_datasets_rejects_unknown_names(capsys):
    with pytest.raises(SystemExit) as excinfo:
        load_script().main(["imagenet"])
    assert excinfo.value.code == 2 and "invalid choice" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown data set"):
        du.download_dataset("imagenet")


# ----------------------------------------------------------------------------------------------------------------
# The language of the messages
# ----------------------------------------------------------------------------------------------------------------

def test_messages_speak_the_notebooks_language(capsys, monkeypatch, no_network):
    import utils.checks

    assert du.message_language() == "en"
    monkeypatch.setattr(utils.checks, "_language", "zh")
    monkeypatch.setattr(utils.checks, "_language_chosen", True)
    du.load_mnist()
    line = capsys.readouterr().out.strip()
    assert line.startswith("[数据] 在 ") and "中没有找到 MNIST，改用内置的手写数字数据集（1797 张图像）。" \
        "获取真实数据请运行：python datasets/get_datasets.py mnist" in line
    with pytest.raises(du.DataError, match="^缺少 CIFAR-10 的数据块 .*请运行：python datasets/get_datasets.py cifar10"):
        cifar10.load_cifar_batch(Path("/nonexistent/data_batch_1"))


def test_without_a_notebook_the_release_marker_or_ch3_lang_decides(tmp_path, monkeypatch):
    import utils.language

    monkeypatch.setattr(utils.language, "RELEASE_MARKER", tmp_path / ".chapter3-release")
    assert du.message_language() == "en"
    monkeypatch.setenv("CH3_LANG", "zh")
    assert du.message_language() == "zh"
    (tmp_path / ".chapter3-release").write_text('{"lang": "en"}', encoding="utf-8")
    assert du.message_language() == "en"
    (tmp_path / ".chapter3-release").write_text('{"lang": "zh"}', encoding="utf-8")
    monkeypatch.delenv("CH3_LANG")
    assert du.message_language() == "zh"
    assert in_language("中文", "English") == "中文"
