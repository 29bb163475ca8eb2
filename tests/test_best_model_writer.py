"""utils.best_model.save_if_better: best_model.npz keeps the best model so far and records what it was trained on."""
import json
import os
from types import SimpleNamespace

import numpy as np
import pytest

import utils.data_utils as data_utils
from utils.best_model import read_record, save_if_better
from utils.checks import current_language, set_language


@pytest.fixture(scope="module")
def digits():
    """A small split of the embedded stand-in, as notebook 5 loads it (mean image subtracted, float32)."""
    return data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")


@pytest.fixture(autouse=True)
def language():
    old = current_language()
    set_language("zh")
    yield
    set_language(old)


def _model(seed=0):
    rng = np.random.default_rng(seed)
    return SimpleNamespace(params={"W1": rng.standard_normal((3072, 7)).astype(np.float32), "b1": np.zeros(7),
                                   "W2": rng.standard_normal((7, 10)), "b2": rng.standard_normal(10)})


def _arrays(path):
    with np.load(path, allow_pickle=False) as saved:
        return {name: saved[name] for name in saved.files}


def _meta(path):
    meta = _arrays(path)["meta"]
    assert meta.dtype == np.uint8 and meta.ndim == 1 and meta.size <= 64 * 1024
    return json.loads(meta.tobytes().decode("utf-8"))


def test_first_save_writes_the_parameters_and_the_training_record(tmp_path, digits, capsys):
    model, path = _model(), tmp_path / "best_model.npz"
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    assert save_if_better(model, 0.55, digits, path=path) is True
    arrays = _arrays(path)
    assert sorted(arrays) == ["W1", "W2", "b1", "b2", "meta"]
    for name, value in model.params.items():
        assert arrays[name].dtype == value.dtype and np.array_equal(arrays[name], value)
    assert _meta(path) == {"data": "embedded", "num_train": 100, "num_val": 20, "subtract_mean": True,
                           "dtype": "float32", "val_acc": 0.55}
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "已保存到 best_model.npz：验证集正确率 0.550。",
        "这个模型训练于内置替代数据集（放大的手写数字，不是 CIFAR-10）：训练集 100 张，验证集 20 张，已减去平均图像，"
        "数据类型 float32。"]


def test_a_worse_or_equal_run_keeps_the_saved_model(tmp_path, digits, capsys):
    path = tmp_path / "best_model.npz"
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    save_if_better(_model(0), 0.6, digits, path=path)
    before = path.read_bytes()
    capsys.readouterr()
    assert save_if_better(_model(1), 0.45, digits, path=path) is False
    assert save_if_better(_model(2), 0.6, digits, path=path) is False
    assert path.read_bytes() == before
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "没有保存：验证集正确率 0.450 没有超过 best_model.npz 记录的 0.600，保留原来的模型。"
    assert out[1].startswith("保留的模型训练于内置替代数据集")


def test_a_better_run_replaces_the_saved_model(tmp_path, digits, capsys):
    path = tmp_path / "best_model.npz"
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    save_if_better(_model(0), 0.6, digits, path=path)
    better = _model(3)
    capsys.readouterr()
    assert save_if_better(better, 0.65, digits, path=path) is True
    assert np.array_equal(_arrays(path)["W2"], better.params["W2"])
    assert _meta(path)["val_acc"] == 0.65
    assert capsys.readouterr().out.splitlines()[0] == \
        "已保存到 best_model.npz：验证集正确率 0.650，高于原来记录的 0.600。"


def test_records_from_other_data_or_without_accuracy_do_not_compare(tmp_path, digits, capsys):
    path = tmp_path / "best_model.npz"
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    np.savez(path, **_model(5).params)  # an older file: parameters only
    assert read_record(path) is None
    assert save_if_better(_model(0), 0.2, digits, path=path) is True
    assert "原来的文件没有记录验证集正确率，已被替换" in capsys.readouterr().out
    record = dict(_meta(path), data="cifar10", num_val=1000, val_acc=0.99)
    np.savez(path, **_model(5).params, meta=np.frombuffer(json.dumps(record).encode(), dtype=np.uint8))
    assert save_if_better(_model(0), 0.3, digits, path=path) is True
    assert _meta(path)["data"] == "embedded"
    assert "原来的模型训练于CIFAR-10（验证集 1000 张），正确率无法比较，已被替换" in capsys.readouterr().out


def test_an_unreadable_file_is_replaced(tmp_path, digits):
    path = tmp_path / "best_model.npz"
    path.write_bytes(b"not a zip file")
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    assert save_if_better(_model(), 0.1, digits, path=path) is True
    assert _meta(path)["val_acc"] == 0.1


def test_data_without_the_mean_subtracted_and_float64_are_recorded(tmp_path):
    raw = data_utils.get_CIFAR10_data(num_training=50, num_validation=10, num_test=5, subtract_mean=False,
                                      dtype=np.float64, source="embedded")
    path = tmp_path / "m.npz"
    assert save_if_better(_model(), 0.3, raw, path=path)
    assert _meta(path) == {"data": "embedded", "num_train": 50, "num_val": 10, "subtract_mean": False,
                           "dtype": "float64", "val_acc": 0.3}


def test_english_messages(tmp_path, digits, capsys):
    set_language("en")
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    save_if_better(_model(), 0.5, digits, path=tmp_path / "best_model.npz")
    assert capsys.readouterr().out.splitlines() == [
        "Saved to best_model.npz: validation accuracy 0.500.",
        "This model was trained on the embedded stand-in (enlarged handwritten digits, not CIFAR-10): 100 training "
        "and 20 validation images, mean image subtracted, dtype float32."]


def test_a_cifar10_load_is_recorded_as_cifar10(tmp_path, digits, monkeypatch):
    monkeypatch.setitem(data_utils.sources._last_source, "cifar10", "cache")
    path = tmp_path / "best_model.npz"
    save_if_better(_model(), 0.5, digits, path=path)
    assert _meta(path)["data"] == "cifar10"


@pytest.mark.parametrize("val_acc", [float("nan"), 1.5, -0.1, True, "0.5", None])
def test_bad_accuracy_is_refused_and_nothing_is_written(tmp_path, digits, val_acc):
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    with pytest.raises(ValueError, match="val_acc"):
        save_if_better(_model(), val_acc, digits, path=tmp_path / "best_model.npz")
    assert list(tmp_path.iterdir()) == []


def test_saving_before_any_data_was_loaded_says_what_to_do(tmp_path, digits, monkeypatch):
    monkeypatch.setattr(data_utils.sources, "_last_source", {})
    with pytest.raises(ValueError, match="get_CIFAR10_data"):
        save_if_better(_model(), 0.5, digits, path=tmp_path / "best_model.npz")
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_readable_by_others_and_no_temporary_file_is_left(tmp_path, digits):
    old = os.umask(0o022)
    try:
        data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
        save_if_better(_model(), 0.5, digits, path=tmp_path / "best_model.npz")
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir()] == ["best_model.npz"]
    assert (tmp_path / "best_model.npz").stat().st_mode & 0o777 == 0o644


def test_a_record_with_an_unusable_accuracy_counts_as_no_record(tmp_path, digits, capsys):
    path = tmp_path / "best_model.npz"
    data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10, source="embedded")
    record = {"data": "embedded", "num_train": 100, "num_val": 20, "subtract_mean": True, "dtype": "float32",
              "val_acc": "0.9"}
    np.savez(path, **_model(5).params, meta=np.frombuffer(json.dumps(record).encode(), dtype=np.uint8))
    assert save_if_better(_model(0), 0.1, digits, path=path) is True
    assert "原来的文件没有记录验证集正确率，已被替换" in capsys.readouterr().out
