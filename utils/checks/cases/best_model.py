"""Cases of notebook 5 that read the best model the notebook saves to ``best_model.npz``.

The best-model cases read the saved file; the accuracy tiers judge the labels predicted on the test split (which
the notebook itself never touches): in the notebook the student's own FullyConnectedNet, loaded with the saved
arrays, predicts them; the instructor's grader predicts them with its own forward pass from the file alone and
calls the same judge.
"""
import contextlib
import functools
import io
import os

import numpy as np

from ..engine import NotAttempted, case
from ._judging import say, trusted_judge

BEST_MODEL_FILE = "best_model.npz"
INPUT_DIM, NUM_CLASSES = 3 * 32 * 32, 10
CHUNK = 1_000_000  # numbers per probe output; large weight matrices travel in row blocks
PREDICTIONS = "y_pred"  # the output holding the labels predicted on the test split; every other is a saved array
SCORED = "scored"  # the grader's output: indices of the test images it scored (a subset drawn from its secret)
SCORED_ON = "scored_on"  # the grader's output: 1 when it scored the embedded set, 0 for CIFAR-10
ACCURACY_CAP = "accuracy_cap"  # the grader's output: the model's validation accuracy (measured there) + the gap
META = "meta"  # the file's record of what the model was trained on (utils.best_model.save_if_better)
NOT_PARAMS = (PREDICTIONS, SCORED, SCORED_ON, ACCURACY_CAP, META)
RELEASE_MARKER = ".chapter3-release"
DATA_NAMES = {"cifar10": ("CIFAR-10", "CIFAR-10"), "embedded": ("内置的 digits 替代数据集", "the embedded digits set")}


def test_split(source=None, pool=False):
    """(X_test (N, 3072) float64, y_test (N,), name of the data set): the test split of get_CIFAR10_data() as the
    notebook loads it, read without the training images (the notebook's own data is alive while the checks run).

    The grader uses it too, to predict the labels of the test split with the saved model; it passes
    ``source="embedded"`` when the course scores on the embedded set, and ``pool=True`` for the pool it draws the
    scored images from: on CIFAR-10 all 10000 test images (float32; the first 1000 are the notebook's test split),
    on the embedded set its test split.
    """
    from utils.data_utils import cache_dir, resolve_source

    return _load_test_split(resolve_source(source), str(cache_dir()), pool)


test_split.__test__ = False  # a helper, not a test: pytest must not collect it where a test module imports it


@functools.cache
def _load_test_split(source, folder, pool=False):
    from utils.data_utils import get_CIFAR10_test, last_source

    with contextlib.redirect_stdout(io.StringIO()):  # the loader's one-line notice about the embedded set
        X_test, y_test = get_CIFAR10_test(source=source)
        name = last_source("cifar10")
        if pool and name != "embedded":
            X_test, y_test = get_CIFAR10_test(num_test=10_000, source=source)
            return X_test.reshape(len(X_test), -1), y_test, name
    return X_test.reshape(len(X_test), -1).astype(np.float64), y_test, name


def saved_outputs(arrays):
    """{output name: array} of the best-model probes for the arrays of a best_model.npz.

    Big arrays travel in row blocks ("W1#0", "W1#1", ...); an array the file itself calls "y_pred" is renamed, so
    that it is never taken for the predictions the accuracy probe adds (and fails the structure check). The grader
    builds its outputs from the file with this function too.
    """
    arrays = dict(arrays)
    for name in NOT_PARAMS[:-1]:
        if name in arrays:
            arrays[f"{name} (saved)"] = arrays.pop(name)
    out = {}
    for name, value in arrays.items():
        value = np.asarray(value)
        if value.ndim >= 1 and value.size > CHUNK:
            rows = max(CHUNK // max(value[0].size, 1), 1)
            for k, start in enumerate(range(0, len(value), rows)):
                out[f"{name}#{k}"] = value[start:start + rows]
        else:
            out[name] = value
    return out


def _probe_best_model_file(m, rng):
    """The arrays of best_model.npz in the current folder (the notebook's), as saved_outputs gives them."""
    if not os.path.isfile(BEST_MODEL_FILE):
        raise NotAttempted(BEST_MODEL_FILE)
    with np.load(BEST_MODEL_FILE, allow_pickle=False) as saved:
        return saved_outputs({name: saved[name] for name in saved.files})


def _probe_best_model_accuracy(m, rng):
    """The saved arrays, and the labels the student's FullyConnectedNet loaded with them predicts on the test split.

    A file that is not a FullyConnectedNet for CIFAR-10 gives no predictions: its judge names what is wrong.
    """
    out = _probe_best_model_file(m, rng)
    params = saved_params({name: np.asarray(value, dtype=np.float64) for name, value in out.items()
                           if name != META})
    if _structure_problems(params):
        return out
    L = len(params) // 2
    net = m.FullyConnectedNet(input_dim=INPUT_DIM, hidden_dims=tuple(params[f"W{i}"].shape[1] for i in range(1, L)),
                              num_classes=NUM_CLASSES)
    net.params = params
    X, _, _ = test_split()
    out[PREDICTIONS] = np.asarray(net.predict(X))
    return out


def saved_params(got):
    """{name: array} of the saved arrays, the row blocks of the probe put back together; the predictions, the
    scored indices and ``meta`` left out.

    ``got``: {output name: Plain} as judges get them, or {output name: array}.
    """
    blocks = {}
    for key, value in got.items():
        name, _, part = key.partition("#")
        if name in NOT_PARAMS:
            continue
        blocks.setdefault(name, []).append((int(part) if part else 0, getattr(value, "data", value)))
    return {name: np.concatenate([data for _, data in sorted(parts, key=lambda p: p[0])]) if len(parts) > 1
            else parts[0][1] for name, parts in blocks.items()}


def _structure_problems(params):
    """What is wrong with the saved arrays as the parameters of a FullyConnectedNet for CIFAR-10 (empty: nothing)."""
    L = sum(1 for name in params if name.startswith("W"))
    expected = {f"{kind}{i}" for i in range(1, L + 1) for kind in ("W", "b")}
    if L == 0 or set(params) != expected:
        return [say(f"{BEST_MODEL_FILE} 里的数组是 {sorted(params)}，应恰好是 W1..WL 和 b1..bL"
                    "（用 np.savez(\"best_model.npz\", **model.params) 保存）。",
                    f"{BEST_MODEL_FILE} holds {sorted(params)}; expected exactly W1..WL and b1..bL "
                    "(save with np.savez(\"best_model.npz\", **model.params)).")]
    fan_in = INPUT_DIM
    for i in range(1, L + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        if W.ndim != 2 or W.shape[0] != fan_in or b.shape != W.shape[1:]:
            return [say(f"W{i} 的形状是 {W.shape}、b{i} 的形状是 {b.shape}；第 {i} 层的输入维数应为 {fan_in}"
                        f"（第一层是 3*32*32 = {INPUT_DIM}），b{i} 的长度应等于 W{i} 的列数。",
                        f"W{i} has shape {W.shape} and b{i} {b.shape}; layer {i} should take {fan_in} inputs (the "
                        f"first layer 3*32*32 = {INPUT_DIM}) and b{i} should have one entry per column of W{i}.")]
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            return [say(f"W{i} 或 b{i} 含有 NaN 或 inf。", f"W{i} or b{i} contains NaN or inf.")]
        fan_in = W.shape[1]
    if fan_in != NUM_CLASSES:
        return [say(f"最后一层输出 {fan_in} 个分数，应为 {NUM_CLASSES} 个类别。",
                    f"the last layer gives {fan_in} scores, expected {NUM_CLASSES} classes.")]
    return []


@trusted_judge
def _judge_best_model_file(got, rng):
    return _structure_problems(saved_params(got))


case("FullyConnectedNet_best_model_file", "best_model.npz", judge=_judge_best_model_file, hint={
    "en": "run the training cell of section 7 to the end: it saves np.savez(\"best_model.npz\", **model.params) "
          "next to this notebook.",
    "zh": "把第 7 节的训练单元格运行完：它会在本笔记本所在的文件夹里执行 np.savez(\"best_model.npz\", **model.params)。"
})(_probe_best_model_file)

# Accuracy tiers on the test split: real CIFAR-10, and the embedded digits set (8x8 digits blown up to CIFAR's
# shape, 35 test images, far easier) when the grading machine has no CIFAR-10. The embedded thresholds come from
# training on that set: the notebook's nets reach 91-97 % on its test split after 1-3 epochs of Adam; one epoch of
# plain SGD (hidden 100, seeds 0-3) 94-97 % at lr 1e-3, 60-80 % at lr 1e-4, 11-17 % at lr 1e-5 (the notebook's
# starting values); random weights about 10 %.
ACCURACY_TIERS = {40: 0.40, 48: 0.48, 52: 0.52}
EMBEDDED_TIERS = {40: 0.60, 48: 0.75, 52: 0.85}


def saved_meta(got):
    """The ``meta`` JSON object the file recorded (what the model was trained on), or None."""
    import json

    meta = got.get(META)
    if meta is None:
        return None
    try:
        data = np.asarray(getattr(meta, "data", meta), dtype=np.float64)
        if data.ndim != 1 or data.size > 65536 or np.any((data < 0) | (data > 255) | (data != np.round(data))):
            return None
        value = json.loads(data.astype(np.uint8).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def released_scoring_data():
    """The data set the course scores best models on, as the release recorded it (its marker's "settings"), or
    None outside a release."""
    import json
    from pathlib import Path

    marker = Path(__file__).resolve().parents[3] / RELEASE_MARKER
    try:
        value = json.loads(marker.read_text(encoding="utf-8")).get("settings", {}).get("scoring_data")
    except (OSError, ValueError, AttributeError):
        return None
    return value if value in DATA_NAMES else None


def data_mismatch(meta, scored_on):
    """A message when the saved model was trained on another data set than the one it is scored on, else None."""
    trained_on = meta.get("data") if isinstance(meta, dict) else None
    if trained_on not in DATA_NAMES or trained_on == scored_on or scored_on not in DATA_NAMES:
        return None
    return say(f"这个模型是在{DATA_NAMES[trained_on][0]}上训练的，而评分用的是{DATA_NAMES[scored_on][0]}："
               f"请在{DATA_NAMES[scored_on][0]}上重新训练并保存。",
               f"this model was trained on {DATA_NAMES[trained_on][1]}, but it is scored on "
               f"{DATA_NAMES[scored_on][1]}: train it on {DATA_NAMES[scored_on][1]} and save it again.")


def tier_threshold(tier, data_name):
    """The accuracy the tier ``acc_<tier>`` needs on the data set it is scored on."""
    return EMBEDDED_TIERS[tier] if data_name == "embedded" else ACCURACY_TIERS[tier]


def _accuracy_judge(tier):
    @trusted_judge
    def judge(got, rng):
        problems = _structure_problems(saved_params(got))
        if problems:
            return problems
        in_grader = SCORED in got  # the grader scored a subset of the test split, drawn from its secret
        X, y, name = test_split("embedded" if in_grader and got.get(SCORED_ON) is not None
                                and float(got[SCORED_ON].data.ravel()[0]) == 1 else None, pool=in_grader)
        if in_grader:
            y = y[got[SCORED].data.astype(np.int64)]
        y_pred = got[PREDICTIONS].data
        if y_pred.shape != y.shape:
            return [say(f"FullyConnectedNet.predict 对 {len(y)} 张测试图像返回的形状是 {y_pred.shape}，"
                        f"应为 {y.shape}。",
                        f"FullyConnectedNet.predict returned shape {y_pred.shape} for the {len(y)} test images, "
                        f"expected {y.shape}.")]
        tested_on = "embedded" if name == "embedded" else "cifar10"
        threshold = tier_threshold(tier, tested_on)
        accuracy = float(np.mean(y_pred == y))
        problems = []
        cap = float(got[ACCURACY_CAP].data.ravel()[0]) if in_grader and ACCURACY_CAP in got else None
        if cap is not None and accuracy > cap:  # far above the validation accuracy: judged on that instead
            problems.append(say(
                f"测试集正确率 {accuracy:.1%} 远高于同一模型在验证集上的正确率（评分程序测得）：按 {cap:.1%} 计"
                "（记住测试图像的模型不算数）。",
                f"the test accuracy {accuracy:.1%} is far above this model's accuracy on the validation split "
                f"(measured by the grader): it counts as {cap:.1%} (a model that memorised test images does not "
                "count)."))
            accuracy = cap
        if accuracy < threshold:
            data = DATA_NAMES[tested_on]
            problems.append(say(
                f"{BEST_MODEL_FILE} 中的模型在{data[0]}测试集上的正确率为 {accuracy:.1%}；档位 acc_{tier} 在{data[0]}"
                f"上要求至少 {threshold:.0%}（CIFAR-10 上为 {ACCURACY_TIERS[tier]:.0%}，内置数据集上为 "
                f"{EMBEDDED_TIERS[tier]:.0%}）。",
                f"the model in {BEST_MODEL_FILE} classifies {accuracy:.1%} of the {data[1]} test split correctly; "
                f"tier acc_{tier} needs at least {threshold:.0%} on {data[1]} ({ACCURACY_TIERS[tier]:.0%} on "
                f"CIFAR-10, {EMBEDDED_TIERS[tier]:.0%} on the embedded set)."))
        # The grader explains a failure by the data the model was trained on; in the notebook a pass on another
        # data set than the course scores on is no pass at all.
        scored_on = tested_on if in_grader else released_scoring_data()
        mismatch = data_mismatch(saved_meta(got), scored_on)
        if accuracy >= threshold:
            problems = []  # a capped accuracy that still reaches the tier passes
        if mismatch and (problems or not in_grader):
            problems.append(mismatch)
        return problems
    return judge


for _tier in ACCURACY_TIERS:
    case(f"FullyConnectedNet_best_model_acc_{_tier}", "best_model.npz", judge=_accuracy_judge(_tier), hint={
        "en": "tune the architecture and hyper-parameters in section 7 on the validation accuracy, train longer, "
              "then save the model again.",
        "zh": "在第 7 节根据验证集正确率调整网络结构和超参数、训练更久，然后重新保存模型。"
    })(_probe_best_model_accuracy)
