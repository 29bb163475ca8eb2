"""best_model.npz read by the grader: refused from its headers alone, before any array is materialised."""
import io
import resource
import time
import zipfile

import numpy as np
import pytest

from grading.autograde.model_file import ModelFileError, ModelLimits, load_model
from tests.grader_helpers import english  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("english")  # the messages asserted are the English ones


def npz_of(members, compress=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def header(descr, shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def good(hidden=20, dtype=np.float64):
    rng = np.random.default_rng(0)
    return {"W1": rng.standard_normal((3072, hidden)).astype(dtype), "b1": np.zeros(hidden, dtype),
            "W2": rng.standard_normal((hidden, 10)).astype(dtype), "b2": np.zeros(10, dtype)}


def write(tmp_path, members, compress=zipfile.ZIP_STORED):
    path = tmp_path / "best_model.npz"
    path.write_bytes(npz_of(members, compress))
    return path


def test_a_good_file_loads_with_its_meta(tmp_path):
    params = good(dtype=np.float32)
    meta = np.frombuffer(b'{"data": "embedded", "val_acc": 0.9}', dtype=np.uint8)
    path = write(tmp_path, {**{f"{k}.npy": npy(v) for k, v in params.items()}, "meta.npy": npy(meta)})
    arrays, info = load_model(path)
    assert sorted(arrays) == ["W1", "W2", "b1", "b2"]
    assert arrays["W1"].dtype == np.float32 and np.array_equal(arrays["W1"], params["W1"])
    assert info == {"data": "embedded", "val_acc": 0.9}


def test_the_v0_bomb_is_refused_at_once(tmp_path):
    """A 200-byte member declaring 10**15 zero-size items: numpy's loader would loop 10**9 times."""
    members = {"W1.npy": header("|V0", (10**15,)), **{f"{k}.npy": npy(v) for k, v in good().items() if k != "W1"}}
    path = write(tmp_path, members)
    assert path.stat().st_size < 4000
    start = time.monotonic()
    with pytest.raises(ModelFileError, match="float32 or float64"):
        load_model(path)
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize("descr", ["|u1", "<i8", ">f8", "<c16", "<f2", "|V8", "<U3", "|b1"])
def test_only_float_parameters(tmp_path, descr):
    members = {f"{k}.npy": npy(v) for k, v in good().items()}
    members["b2.npy"] = header(descr, (10,)) + b"\0" * 200
    with pytest.raises(ModelFileError, match="float32 or float64"):
        load_model(write(tmp_path, members))


def test_a_decompression_bomb_is_refused_before_inflating(tmp_path):
    """245 MiB of zeros in a small archive: refused from the header, the grader's memory does not grow."""
    data = header("<f8", (3072, 10_000)) + bytes(3072 * 10_000 * 8)
    members = {"W1.npy": data, "b1.npy": npy(np.zeros(10_000)), "W2.npy": npy(np.zeros((10_000, 10))),
               "b2.npy": npy(np.zeros(10))}
    path = write(tmp_path, members, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFileError, match="4,000,000"):
        load_model(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


def test_architecture_limits_of_the_course(tmp_path):
    deep = {"W1": np.zeros((3072, 8)), "b1": np.zeros(8)}
    for i in range(2, 5):
        deep[f"W{i}"], deep[f"b{i}"] = np.zeros((8, 8)), np.zeros(8)
    deep["W5"], deep["b5"] = np.zeros((8, 10)), np.zeros(10)
    path = write(tmp_path, {f"{k}.npy": npy(v) for k, v in deep.items()})
    assert len(load_model(path)[0]) == 10
    with pytest.raises(ModelFileError, match="4 hidden layers; this course allows at most 3"):
        load_model(path, ModelLimits(max_hidden_layers=3))
    with pytest.raises(ModelFileError, match="more than 20,000 numbers"):
        load_model(path, ModelLimits(max_parameters=20_000))


@pytest.mark.parametrize("change, message", [
    ({"W1.npy": npy(np.zeros((100, 20)))}, "layer 1 should take 3072 inputs"),
    ({"b1.npy": npy(np.zeros(21))}, "one entry per column"),
    ({"W2.npy": npy(np.zeros((20, 9))), "b2.npy": npy(np.zeros(9))}, "expected 10 classes"),
    ({"W3.npy": npy(np.zeros((10, 10)))}, "expected exactly W1..WL"),
    ({"y_pred.npy": npy(np.zeros(35))}, "unexpected member"),
    ({"../W9.npy": npy(np.zeros(3))}, "unexpected member"),
    ({"meta.npy": npy(np.zeros(70_000, np.uint8))}, "meta must be"),
    ({"meta.npy": npy(np.zeros((2, 2), np.uint8))}, "meta must be"),
])
def test_shapes_and_names_are_those_of_a_fully_connected_net(tmp_path, change, message):
    members = {**{f"{k}.npy": npy(v) for k, v in good().items()}, **change}
    with pytest.raises(ModelFileError, match=message):
        load_model(write(tmp_path, members))


def test_a_truncated_member_is_refused(tmp_path):
    members = {f"{k}.npy": npy(v) for k, v in good().items()}
    members["W1.npy"] = members["W1.npy"][:-8]
    with pytest.raises(ModelFileError, match="fewer numbers"):
        load_model(write(tmp_path, members))


def test_too_many_members(tmp_path):
    members = {f"W{i}.npy": npy(np.zeros(1)) for i in range(1, 40)}
    with pytest.raises(ModelFileError, match="too many arrays"):
        load_model(write(tmp_path, members))


def test_unreadable_meta_is_no_meta(tmp_path):
    members = {**{f"{k}.npy": npy(v) for k, v in good().items()},
               "meta.npy": npy(np.frombuffer(b"\xff[not json", np.uint8))}
    assert load_model(write(tmp_path, members))[1] is None
