"""Cases of notebook 5, the deep net and the update rules: FullyConnectedNet, sgd, sgd_momentum, rmsprop, adam,
and the best model the notebook saves to ``best_model.npz``.

FullyConnectedNet's weights start random, so the init case is judged by a rule and every other probe sets the
parameters explicitly after construction. The best-model cases read the saved file; the accuracy tiers judge the
labels predicted on the test split (which the notebook itself never touches): in the notebook the student's own
FullyConnectedNet, loaded with the saved arrays, predicts them; the instructor's grader predicts them with its own
forward pass from the file alone and calls the same judge.
"""
import contextlib
import functools
import io
import os

import numpy as np

from ..engine import NotAttempted, case
from ._judging import say, trusted_judge

HINT_INIT = {
    "en": "for layer i (1..L) with fan_in -> fan_out: W{i} = weight_scale * standard normal (fan_in, fan_out), "
          "b{i} = zeros(fan_out); dims = [input_dim, *hidden_dims, num_classes]; every array of dtype `dtype`.",
    "zh": "第 i 层(1..L)从 fan_in 到 fan_out:W{i} = weight_scale * 标准正态 (fan_in, fan_out),b{i} = 全零 (fan_out,);"
          "dims = [input_dim, *hidden_dims, num_classes];所有数组的数据类型都是 `dtype`。",
}
HINT_FORWARD = {
    "en": "layers 1..L-1 are affine_relu_forward, layer L is affine_forward only (no ReLU on the scores), and "
          "loss(X) returns those raw scores.",
    "zh": "第 1..L-1 层用 affine_relu_forward,第 L 层只用 affine_forward(分数上没有 ReLU);loss(X) 直接返回这些分数。",
}
HINT_BACKWARD = {
    "en": "keep every layer's cache in the forward pass; go backward from layer L (affine_backward) down to layer "
          "1 (affine_relu_backward), passing dx of one layer as dout of the one below.",
    "zh": "前向传播时保存每一层的缓存;反向时从第 L 层(affine_backward)一直走到第 1 层(affine_relu_backward),"
          "上一层得到的 dx 就是下一层的 dout。",
}
HINT_DEPTH = {
    "en": "loop over self.num_layers instead of writing layers out by hand: hidden_dims=() is a net with one affine "
          "layer, hidden_dims of length 3 has four.",
    "zh": "用循环遍历 self.num_layers 层,不要把层一层层手写出来:hidden_dims=() 的网络只有一个仿射层,"
          "hidden_dims 长度为 3 时有四层。",
}
HINT_REG = {
    "en": "loss += 0.5 * reg * sum(W**2) for every W1..WL (no biases), and dW{i} += reg * W{i}.",
    "zh": "对每个 W1..WL(不含偏置)loss += 0.5 * reg * sum(W**2),并且 dW{i} += reg * W{i}。",
}
HINT_FLOAT32 = {
    "en": "create every parameter with .astype(dtype) (np.zeros(n, dtype=dtype) for biases); in the layers avoid "
          "anything that silently makes float64 arrays (np.zeros(shape) without dtype, float64 constants arrays).",
    "zh": "每个参数都用 .astype(dtype) 创建(偏置用 np.zeros(n, dtype=dtype));层函数里也不要悄悄产生 float64 数组"
          "(例如不带 dtype 的 np.zeros(shape))。",
}


# ------------------------------------------------------------------------------------------------ FullyConnectedNet


def _fc_net(m, rng, hidden_dims, N=4, input_shape=(6,), C=5, reg=0.0, dtype=np.float64):
    """A FullyConnectedNet with parameters and data drawn from rng.

    The expected outputs are the reference's on the same inputs, not numerical gradients, so no input needs to be
    kept off the ReLU kink (a pre-activation of random normal data is never within round-off of 0).
    Returns (net, X (N, *input_shape) float64, y (N,)).
    """
    D = int(np.prod(input_shape))
    dims = [D, *hidden_dims, C]
    X = rng.standard_normal((N, *input_shape))
    params = {}
    for i in range(1, len(dims)):
        params[f"W{i}"] = rng.standard_normal((dims[i - 1], dims[i])) * np.sqrt(2.0 / dims[i - 1])
        params[f"b{i}"] = 0.1 * rng.standard_normal(dims[i])
    y = rng.integers(C, size=N)
    net = m.FullyConnectedNet(input_dim=D, hidden_dims=tuple(hidden_dims), num_classes=C, reg=reg,
                              weight_scale=1e-2, dtype=dtype, seed=0)
    net.params.update({name: value.astype(dtype) for name, value in params.items()})
    return net, X, y


def _dims(rng, count, low=5, high=9):
    return tuple(int(h) for h in rng.integers(low, high, size=count))


def _grads(grads, L, prefix=""):
    return {f"{prefix}d{kind}{i}": grads[f"{kind}{i}"] for i in range(1, L + 1) for kind in ("W", "b")}


def _init_nets(rng):
    """The nets the init case builds: (input_dim, num_classes, weight_scale, [hidden_dims, ...])."""
    D, C = int(rng.integers(40, 60)), int(rng.integers(10, 13))
    weight_scale = float(10 ** rng.uniform(-1.7, -0.5))  # 0.02..0.3: a hard-coded 1e-2 never passes
    hidden = [_dims(rng, n, 30, 50) for n in (1, 2, 3)]
    return D, C, weight_scale, hidden


@trusted_judge
def _judge_init(got, rng):
    D, C, weight_scale, hidden = _init_nets(rng)
    problems = []
    for k, hidden_dims in enumerate(hidden):
        dims = [D, *hidden_dims, C]
        L = len(dims) - 1
        where = f"hidden_dims={hidden_dims}"
        names = [f"{kind}{i}" for i in range(1, L + 1) for kind in ("W", "b")]
        missing = [name for name in names if f"net{k}_{name}_shape" not in got]
        if missing:
            problems.append(say(f"{where}:params 缺少 {', '.join(missing)}(应有 W1..W{L} 和 b1..b{L})。",
                                f"{where}: params has no {', '.join(missing)} (expected W1..W{L} and b1..b{L})."))
            continue
        count = int(got[f"net{k}_num_params"].data.item())
        if count != 2 * L:
            problems.append(say(f"{where}:params 有 {count} 个数组,应为 {2 * L} 个(W1..W{L}, b1..b{L})。",
                                f"{where}: params holds {count} arrays, expected {2 * L} (W1..W{L}, b1..b{L})."))
        for i in range(1, L + 1):
            expected = {f"W{i}": (dims[i - 1], dims[i]), f"b{i}": (dims[i],)}
            for name, shape in expected.items():
                got_shape = tuple(int(n) for n in got[f"net{k}_{name}_shape"].data)
                if got_shape != shape:
                    problems.append(say(f"{where}:{name} 的形状是 {got_shape},应为 {shape}。",
                                        f"{where}: {name} has shape {got_shape}, expected {shape}."))
                dtype = got[f"net{k}_{name}_sample"].dtype
                if dtype != "float64":
                    problems.append(say(f"{where}:{name} 的数据类型是 {dtype},应为 float64(默认 dtype)。",
                                        f"{where}: {name} has dtype {dtype}, expected float64 (the default dtype)."))
            if problems:
                continue
            b = got[f"net{k}_b{i}_sample"].data
            if np.any(b != 0):
                problems.append(say(f"{where}:b{i} 应该全为 0。", f"{where}: b{i} should be all zeros."))
            std, mean = got[f"net{k}_W{i}_std"].data.item(), got[f"net{k}_W{i}_mean"].data.item()
            if not (abs(std - weight_scale) <= 0.3 * weight_scale and abs(mean) <= 0.3 * weight_scale):
                problems.append(say(
                    f"{where}:W{i} 的均值 {mean:.3g}、标准差 {std:.3g},应约为 0 和 weight_scale = {weight_scale:.3g}。",
                    f"{where}: W{i} has mean {mean:.3g} and standard deviation {std:.3g}, expected about 0 and "
                    f"weight_scale = {weight_scale:.3g}."))
    return problems


@case("FullyConnectedNet_init", "FullyConnectedNet", hint=HINT_INIT, judge=_judge_init)
def _(m, rng):
    D, C, weight_scale, hidden = _init_nets(rng)
    out = {}
    for k, hidden_dims in enumerate(hidden):
        net = m.FullyConnectedNet(input_dim=D, hidden_dims=hidden_dims, num_classes=C, weight_scale=weight_scale)
        out[f"net{k}_num_params"] = len(net.params)
        for name, value in net.params.items():
            value = np.asarray(value)
            out[f"net{k}_{name}_shape"] = np.array(value.shape)
            out[f"net{k}_{name}_sample"] = value.ravel()[:0] if name.startswith("W") else value.ravel()
            if name.startswith("W"):
                out[f"net{k}_{name}_std"] = float(np.std(value))
                out[f"net{k}_{name}_mean"] = float(np.mean(value))
    return out


@case("FullyConnectedNet_scores", "FullyConnectedNet", hint=HINT_FORWARD)
def _(m, rng):
    net, X, _ = _fc_net(m, rng, _dims(rng, 2), N=3, input_shape=(3, 4))
    return {"scores": net.loss(X)}


@case("FullyConnectedNet_loss", "FullyConnectedNet", hint=HINT_FORWARD)
def _(m, rng):
    net, X, y = _fc_net(m, rng, _dims(rng, 2), N=6)
    loss, _ = net.loss(X, y)
    return {"loss": loss}


@case("FullyConnectedNet_grads", "FullyConnectedNet", hint=HINT_BACKWARD)
def _(m, rng):
    net, X, y = _fc_net(m, rng, _dims(rng, 2), N=5)
    _, grads = net.loss(X, y)
    return _grads(grads, 3)


@case("FullyConnectedNet_any_depth", "FullyConnectedNet", hint=HINT_DEPTH)
def _(m, rng):
    out = {}
    for hidden_dims in ((), _dims(rng, 3, 4, 7)):
        net, X, y = _fc_net(m, rng, hidden_dims, N=4)
        loss, grads = net.loss(X, y)
        prefix = f"L{len(hidden_dims) + 1}_"
        out.update({f"{prefix}scores": net.loss(X), f"{prefix}loss": loss, **_grads(grads, len(hidden_dims) + 1,
                                                                                    prefix)})
    return out


@case("FullyConnectedNet_reg", "FullyConnectedNet", hint=HINT_REG)
def _(m, rng):
    net, X, y = _fc_net(m, rng, _dims(rng, 2), N=5, reg=3.14)
    loss, grads = net.loss(X, y)
    return {"loss": loss, **_grads(grads, 3)}


@case("FullyConnectedNet_float32", "FullyConnectedNet", hint=HINT_FLOAT32, rtol=1e-3)  # float32 round-off
def _(m, rng):
    hidden_dims = _dims(rng, 2)
    fresh = m.FullyConnectedNet(input_dim=6, hidden_dims=hidden_dims, num_classes=5, dtype=np.float32)
    out = {f"init_{name}": np.asarray(value).ravel()[:0] for name, value in sorted(fresh.params.items())}
    net, X, y = _fc_net(m, rng, hidden_dims, N=4, dtype=np.float32)
    _, grads = net.loss(X, y)
    return {**out, "scores": net.loss(X), **_grads(grads, 3)}


# ------------------------------------------------------------------------------------------------- update rules


def _copy(config):
    return {key: np.copy(value) if isinstance(value, np.ndarray) else value for key, value in config.items()}


def _steps(rule, rng, config, num_steps, shape=(4, 5)):
    """Run an update rule num_steps times from w with fresh gradients; the rule gets copies, never our arrays.

    Returns ([w after each step], the last config).
    """
    w = rng.standard_normal(shape)
    ws = []
    for _ in range(num_steps):
        dw = rng.standard_normal(shape)
        w, config = rule(w.copy(), dw.copy(), config)
        config = _copy(config)
        ws.append(np.asarray(w))
    return ws, config


@case("sgd_update", "sgd", hint={
    "en": "next_w = w - learning_rate * dw; without a config the default learning_rate is 1e-2.",
    "zh": "next_w = w - learning_rate * dw;不传 config 时默认 learning_rate 为 1e-2。"})
def _(m, rng):
    (w1,), _ = _steps(m.sgd, rng, {"learning_rate": float(rng.uniform(0.05, 0.5))}, 1)
    (w_default,), _ = _steps(m.sgd, rng, None, 1)
    return {"next_w": w1, "next_w_default_config": w_default}


@case("sgd_momentum_update", "sgd_momentum", hint={
    "en": "v = momentum * v - learning_rate * dw (v starts at zeros), next_w = w + v, and store v in "
          "config['velocity'] so that the next call continues from it.",
    "zh": "v = momentum * v - learning_rate * dw(v 从全零开始),next_w = w + v,并把 v 存进 config['velocity'],"
          "下一次调用才能接着用。"})
def _(m, rng):
    config = {"learning_rate": float(rng.uniform(0.05, 0.2)), "momentum": float(rng.uniform(0.5, 0.95))}
    (w1, w2), config = _steps(m.sgd_momentum, rng, config, 2)
    (w_default,), _ = _steps(m.sgd_momentum, rng, None, 1)
    return {"w_step1": w1, "w_step2": w2, "velocity": config["velocity"], "next_w_default_config": w_default}


@case("rmsprop_update", "rmsprop", hint={
    "en": "cache = decay_rate * cache + (1 - decay_rate) * dw**2 (cache starts at zeros), "
          "next_w = w - learning_rate * dw / (sqrt(cache) + epsilon); keep cache in config['cache'].",
    "zh": "cache = decay_rate * cache + (1 - decay_rate) * dw**2(cache 从全零开始),"
          "next_w = w - learning_rate * dw / (sqrt(cache) + epsilon);cache 要存进 config['cache']。"})
def _(m, rng):
    config = {"learning_rate": float(rng.uniform(1e-3, 1e-2)), "decay_rate": float(rng.uniform(0.9, 0.99))}
    (w1, w2), config = _steps(m.rmsprop, rng, config, 2)
    return {"w_step1": w1, "w_step2": w2, "cache": config["cache"]}


@case("adam_update", "adam", hint={
    "en": "t += 1 first; m = beta1*m + (1-beta1)*dw; v = beta2*v + (1-beta2)*dw**2; "
          "next_w = w - lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m/(1-beta1**t), v_hat = v/(1-beta2**t); "
          "store m, v and t in config.",
    "zh": "先 t += 1;m = beta1*m + (1-beta1)*dw;v = beta2*v + (1-beta2)*dw**2;"
          "next_w = w - lr * m_hat / (sqrt(v_hat) + eps),其中 m_hat = m/(1-beta1**t),v_hat = v/(1-beta2**t);"
          "m、v、t 都要存进 config。"})
def _(m, rng):
    config = {"learning_rate": float(rng.uniform(1e-3, 1e-2)), "beta1": float(rng.uniform(0.8, 0.95)),
              "beta2": float(rng.uniform(0.95, 0.999))}
    (w1, w2, w3), config = _steps(m.adam, rng, config, 3)
    return {"w_step1": w1, "w_step2": w2, "w_step3": w3, "m": config["m"], "v": config["v"], "t": config["t"]}


@case("adam_bias_correction", "adam", hint={
    "en": "at the first step m = (1-beta1)*dw and v = (1-beta2)*dw**2 are tiny; dividing by (1-beta1**t) and "
          "(1-beta2**t) with t = 1 makes the step about learning_rate * sign(dw).",
    "zh": "第一步时 m = (1-beta1)*dw、v = (1-beta2)*dw**2 都很小;除以 (1-beta1**t) 和 (1-beta2**t)(t = 1)后,"
          "这一步约为 learning_rate * sign(dw)。"})
def _(m, rng):
    w, dw = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    lr = float(rng.uniform(1e-3, 1e-2))
    next_w, config = m.adam(w.copy(), dw.copy(), {"learning_rate": lr})
    return {"step": np.asarray(next_w) - w, "t": config["t"]}


# ----------------------------------------------------------------------------------------------- the best model

BEST_MODEL_FILE = "best_model.npz"
INPUT_DIM, NUM_CLASSES = 3 * 32 * 32, 10
CHUNK = 1_000_000  # numbers per probe output; large weight matrices travel in row blocks
PREDICTIONS = "y_pred"  # the output holding the labels predicted on the test split; every other is a saved array


def test_split():
    """(X_test (N, 3072) float64, y_test (N,), name of the data set): the test split of get_CIFAR10_data() as the
    notebook loads it, read without the training images (the notebook's own data is alive while the checks run).

    The grader uses it too, to predict the labels of the test split with the saved model.
    """
    from utils.data_utils import cache_dir, resolve_source

    return _load_test_split(resolve_source(), str(cache_dir()))


test_split.__test__ = False  # a helper, not a test: pytest must not collect it where a test module imports it


@functools.cache
def _load_test_split(source, folder):
    from utils.data_utils import get_CIFAR10_test, last_source

    with contextlib.redirect_stdout(io.StringIO()):  # the loader's one-line notice about the embedded set
        X_test, y_test = get_CIFAR10_test(source=source)
    return X_test.reshape(len(X_test), -1).astype(np.float64), y_test, last_source("cifar10")


def saved_outputs(arrays):
    """{output name: array} of the best-model probes for the arrays of a best_model.npz.

    Big arrays travel in row blocks ("W1#0", "W1#1", ...); an array the file itself calls "y_pred" is renamed, so
    that it is never taken for the predictions the accuracy probe adds (and fails the structure check). The grader
    builds its outputs from the file with this function too.
    """
    arrays = dict(arrays)
    if PREDICTIONS in arrays:
        arrays[f"{PREDICTIONS} (saved)"] = arrays.pop(PREDICTIONS)
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
    params = saved_params({name: np.asarray(value, dtype=np.float64) for name, value in out.items()})
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
    """{name: array} of the saved arrays, the row blocks of the probe put back together; the predictions left out.

    ``got``: {output name: Plain} as judges get them, or {output name: array}.
    """
    blocks = {}
    for key, value in got.items():
        if key == PREDICTIONS:
            continue
        name, _, part = key.partition("#")
        blocks.setdefault(name, []).append((int(part) if part else 0, getattr(value, "data", value)))
    return {name: np.concatenate([data for _, data in sorted(parts, key=lambda p: p[0])]) if len(parts) > 1
            else parts[0][1] for name, parts in blocks.items()}


def _structure_problems(params):
    """What is wrong with the saved arrays as the parameters of a FullyConnectedNet for CIFAR-10 (empty: nothing)."""
    L = sum(1 for name in params if name.startswith("W"))
    expected = {f"{kind}{i}" for i in range(1, L + 1) for kind in ("W", "b")}
    if L == 0 or set(params) != expected:
        return [say(f"{BEST_MODEL_FILE} 里的数组是 {sorted(params)},应恰好是 W1..WL 和 b1..bL"
                    "(用 np.savez(\"best_model.npz\", **model.params) 保存)。",
                    f"{BEST_MODEL_FILE} holds {sorted(params)}; expected exactly W1..WL and b1..bL "
                    "(save with np.savez(\"best_model.npz\", **model.params)).")]
    fan_in = INPUT_DIM
    for i in range(1, L + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        if W.ndim != 2 or W.shape[0] != fan_in or b.shape != W.shape[1:]:
            return [say(f"W{i} 的形状是 {W.shape}、b{i} 的形状是 {b.shape};第 {i} 层的输入维数应为 {fan_in}"
                        f"(第一层是 3*32*32 = {INPUT_DIM}),b{i} 的长度应等于 W{i} 的列数。",
                        f"W{i} has shape {W.shape} and b{i} {b.shape}; layer {i} should take {fan_in} inputs (the "
                        f"first layer 3*32*32 = {INPUT_DIM}) and b{i} should have one entry per column of W{i}.")]
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            return [say(f"W{i} 或 b{i} 含有 NaN 或 inf。", f"W{i} or b{i} contains NaN or inf.")]
        fan_in = W.shape[1]
    if fan_in != NUM_CLASSES:
        return [say(f"最后一层输出 {fan_in} 个分数,应为 {NUM_CLASSES} 个类别。",
                    f"the last layer gives {fan_in} scores, expected {NUM_CLASSES} classes.")]
    return []


@trusted_judge
def _judge_best_model_file(got, rng):
    return _structure_problems(saved_params(got))


case("FullyConnectedNet_best_model_file", "best_model.npz", judge=_judge_best_model_file, hint={
    "en": "run the training cell of section 7 to the end: it saves np.savez(\"best_model.npz\", **model.params) "
          "next to this notebook.",
    "zh": "把第 7 节的训练单元格运行完:它会在本笔记本所在的文件夹里执行 np.savez(\"best_model.npz\", **model.params)。"
})(_probe_best_model_file)

# Accuracy tiers on the test split: real CIFAR-10, and the embedded digits set (8x8 digits blown up to CIFAR's
# shape, 35 test images, far easier) when the grading machine has no CIFAR-10. The embedded thresholds come from
# training on that set: the notebook's nets reach 91-97 % on its test split after 1-3 epochs of Adam; one epoch of
# plain SGD (hidden 100, seeds 0-3) 94-97 % at lr 1e-3, 60-80 % at lr 1e-4, 11-17 % at lr 1e-5 (the notebook's
# starting values); random weights about 10 %.
ACCURACY_TIERS = {40: 0.40, 48: 0.48, 52: 0.52}
EMBEDDED_TIERS = {40: 0.60, 48: 0.75, 52: 0.85}


def _accuracy_judge(tier):
    @trusted_judge
    def judge(got, rng):
        problems = _structure_problems(saved_params(got))
        if problems:
            return problems
        X, y, name = test_split()
        y_pred = got[PREDICTIONS].data
        if y_pred.shape != y.shape:
            return [say(f"FullyConnectedNet.predict 对 {len(y)} 张测试图像返回的形状是 {y_pred.shape},应为 {y.shape}。",
                        f"FullyConnectedNet.predict returned shape {y_pred.shape} for the {len(y)} test images, "
                        f"expected {y.shape}.")]
        threshold = EMBEDDED_TIERS[tier] if name == "embedded" else ACCURACY_TIERS[tier]
        accuracy = float(np.mean(y_pred == y))
        if accuracy < threshold:
            data = say("内置的 digits 替代数据集", "the embedded digits set") if name == "embedded" else "CIFAR-10"
            return [say(f"{BEST_MODEL_FILE} 中的模型在 {data} 测试集上的正确率为 {accuracy:.1%},本档要求至少 "
                        f"{threshold:.0%}。",
                        f"the model in {BEST_MODEL_FILE} classifies {accuracy:.1%} of the {data} test split "
                        f"correctly; this tier needs at least {threshold:.0%}.")]
        return []
    return judge


for _tier in ACCURACY_TIERS:
    case(f"FullyConnectedNet_best_model_acc_{_tier}", "best_model.npz", judge=_accuracy_judge(_tier), hint={
        "en": "tune the architecture and hyper-parameters in section 7 on the validation accuracy, train longer, "
              "then save the model again.",
        "zh": "在第 7 节根据验证集正确率调整网络结构和超参数、训练更久,然后重新保存模型。"
    })(_probe_best_model_accuracy)
