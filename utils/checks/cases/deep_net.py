"""Cases of notebook 5, the deep net and the update rules: FullyConnectedNet, sgd, sgd_momentum, rmsprop, adam.

FullyConnectedNet's weights start random, so the init case is judged by a rule and every other probe sets the
parameters explicitly after construction. The best model the notebook saves has cases of its own (best_model.py).
"""

import numpy as np

from ..engine import case
from ._judging import say, trusted_judge

HINT_INIT = {
    "en": "for layer i (1..L) with fan_in -> fan_out: W{i} = weight_scale * standard normal (fan_in, fan_out), "
          "b{i} = zeros(fan_out); dims = [input_dim, *hidden_dims, num_classes]; every array of dtype `dtype`.",
    "zh": "第 i 层（1..L）从 fan_in 到 fan_out：W{i} = weight_scale * 标准正态 (fan_in, fan_out)，"
          "b{i} = 全零 (fan_out,)；"
          "dims = [input_dim, *hidden_dims, num_classes]；所有数组的数据类型都是 `dtype`。",
}
HINT_FORWARD = {
    "en": "layers 1..L-1 are affine_relu_forward, layer L is affine_forward only (no ReLU on the scores), and "
          "loss(X) returns those raw scores.",
    "zh": "第 1..L-1 层用 affine_relu_forward，第 L 层只用 affine_forward（分数上没有 ReLU）；"
          "loss(X) 直接返回这些分数。",
}
HINT_BACKWARD = {
    "en": "keep every layer's cache in the forward pass; go backward from layer L (affine_backward) down to layer "
          "1 (affine_relu_backward), passing dx of one layer as dout of the one below.",
    "zh": "前向传播时保存每一层的缓存；反向时从第 L 层（affine_backward）一直走到第 1 层（affine_relu_backward），"
          "上一层得到的 dx 就是下一层的 dout。",
}
HINT_DEPTH = {
    "en": "loop over self.num_layers instead of writing layers out by hand: hidden_dims of length 1 is a net of two "
          "affine layers, of length 3 one of four; only the last has no ReLU.",
    "zh": "用循环遍历 self.num_layers 层，不要把层一层层手写出来：hidden_dims 长度为 1 的网络有两个仿射层，"
          "长度为 3 时有四个；只有最后一层没有 ReLU。",
}
HINT_NO_HIDDEN = {
    "en": "hidden_dims=() is a net of one layer, W1 (input_dim, num_classes) and b1, whose scores are affine_forward "
          "only (no ReLU): a loop over the layers that treats the last one apart handles it, while code written for "
          "\"at least one hidden layer\" (an affine_relu_forward before the loop) does not.",
    "zh": "hidden_dims=() 的网络只有一层：W1 (input_dim, num_classes) 和 b1，分数只经过 affine_forward（没有 ReLU）。"
          "对各层循环、单独处理最后一层的写法能处理它；默认“至少有一个隐藏层”的写法"
          "（循环前先做一次 affine_relu_forward）则不行。",
}
HINT_REG = {
    "en": "loss += 0.5 * reg * sum(W**2) for every W1..WL (no biases), and dW{i} += reg * W{i}.",
    "zh": "对每个 W1..WL（不含偏置）loss += 0.5 * reg * sum(W**2)，并且 dW{i} += reg * W{i}。",
}
HINT_FLOAT32 = {
    "en": "create every parameter with .astype(dtype) (np.zeros(n, dtype=dtype) for biases); in the layers avoid "
          "anything that silently makes float64 arrays (np.zeros(shape) without dtype, float64 constants arrays).",
    "zh": "每个参数都用 .astype(dtype) 创建（偏置用 np.zeros(n, dtype=dtype)）；层函数里也不要悄悄产生 float64 数组"
          "（例如不带 dtype 的 np.zeros(shape)）。",
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
            problems.append(say(f"{where}：params 缺少 {', '.join(missing)}（应有 W1..W{L} 和 b1..b{L}）。",
                                f"{where}: params has no {', '.join(missing)} (expected W1..W{L} and b1..b{L})."))
            continue
        count = int(got[f"net{k}_num_params"].data.item())
        if count != 2 * L:
            problems.append(say(f"{where}：params 有 {count} 个数组，应为 {2 * L} 个（W1..W{L}, b1..b{L}）。",
                                f"{where}: params holds {count} arrays, expected {2 * L} (W1..W{L}, b1..b{L})."))
        for i in range(1, L + 1):
            expected = {f"W{i}": (dims[i - 1], dims[i]), f"b{i}": (dims[i],)}
            for name, shape in expected.items():
                got_shape = tuple(int(n) for n in got[f"net{k}_{name}_shape"].data)
                if got_shape != shape:
                    problems.append(say(f"{where}：{name} 的形状是 {got_shape}，应为 {shape}。",
                                        f"{where}: {name} has shape {got_shape}, expected {shape}."))
                dtype = got[f"net{k}_{name}_sample"].dtype
                if dtype != "float64":
                    problems.append(say(f"{where}：{name} 的数据类型是 {dtype}，应为 float64（默认 dtype）。",
                                        f"{where}: {name} has dtype {dtype}, expected float64 (the default dtype)."))
            if problems:
                continue
            b = got[f"net{k}_b{i}_sample"].data
            if np.any(b != 0):
                problems.append(say(f"{where}：b{i} 应该全为 0。", f"{where}: b{i} should be all zeros."))
            std, mean = got[f"net{k}_W{i}_std"].data.item(), got[f"net{k}_W{i}_mean"].data.item()
            if not (abs(std - weight_scale) <= 0.3 * weight_scale and abs(mean) <= 0.3 * weight_scale):
                problems.append(say(
                    f"{where}：W{i} 的均值 {mean:.3g}、标准差 {std:.3g}，"
                    f"应约为 0 和 weight_scale = {weight_scale:.3g}。",
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


def _depth_outputs(m, rng, hidden_dims, N=4):
    """Scores, loss and gradients of a net with these hidden layers, named by its number of layers."""
    net, X, y = _fc_net(m, rng, hidden_dims, N=N)
    loss, grads = net.loss(X, y)
    L = len(hidden_dims) + 1
    prefix = f"L{L}_"
    return {f"{prefix}scores": net.loss(X), f"{prefix}loss": loss, **_grads(grads, L, prefix)}


@case("FullyConnectedNet_any_depth", "FullyConnectedNet", hint=HINT_DEPTH)
def _(m, rng):
    """Deep nets only (one and three hidden layers); the net without a hidden layer is a cell of its own."""
    return {**_depth_outputs(m, rng, _dims(rng, 1, 4, 7)), **_depth_outputs(m, rng, _dims(rng, 3, 4, 7))}


@case("FullyConnectedNet_no_hidden_layer", "FullyConnectedNet", hint=HINT_NO_HIDDEN)
def _(m, rng):
    """hidden_dims=(): one affine layer straight to the scores, a softmax classifier."""
    return _depth_outputs(m, rng, (), N=5)


@case("FullyConnectedNet_reg", "FullyConnectedNet", hint=HINT_REG)
def _(m, rng):
    net, X, y = _fc_net(m, rng, _dims(rng, 2), N=5, reg=3.14)
    loss, grads = net.loss(X, y)
    return {"loss": loss, **_grads(grads, 3)}


@case("FullyConnectedNet_float32", "FullyConnectedNet", hint=HINT_FLOAT32, kind_hints={"dtype": HINT_FLOAT32},
      rtol=1e-3)  # float32 round-off
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
    "zh": "next_w = w - learning_rate * dw；不传 config 时默认 learning_rate 为 1e-2。"})
def _(m, rng):
    (w1,), _ = _steps(m.sgd, rng, {"learning_rate": float(rng.uniform(0.05, 0.5))}, 1)
    (w_default,), _ = _steps(m.sgd, rng, None, 1)
    return {"next_w": w1, "next_w_default_config": w_default}


@case("sgd_momentum_update", "sgd_momentum", hint={
    "en": "v = momentum * v - learning_rate * dw (v starts at zeros), next_w = w + v, and store v in "
          "config['velocity'] so that the next call continues from it.",
    "zh": "v = momentum * v - learning_rate * dw（v 从全零开始），next_w = w + v，并把 v 存进 config['velocity']，"
          "下一次调用才能接着用。"})
def _(m, rng):
    config = {"learning_rate": float(rng.uniform(0.05, 0.2)), "momentum": float(rng.uniform(0.5, 0.95))}
    (w1, w2), config = _steps(m.sgd_momentum, rng, config, 2)
    (w_default,), _ = _steps(m.sgd_momentum, rng, None, 1)
    return {"w_step1": w1, "w_step2": w2, "velocity": config["velocity"], "next_w_default_config": w_default}


@case("rmsprop_update", "rmsprop", hint={
    "en": "cache = decay_rate * cache + (1 - decay_rate) * dw**2 (cache starts at zeros), "
          "next_w = w - learning_rate * dw / (sqrt(cache) + epsilon); keep cache in config['cache'].",
    "zh": "cache = decay_rate * cache + (1 - decay_rate) * dw**2（cache 从全零开始），"
          "next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)；cache 要存进 config['cache']。"})
def _(m, rng):
    config = {"learning_rate": float(rng.uniform(1e-3, 1e-2)), "decay_rate": float(rng.uniform(0.9, 0.99))}
    (w1, w2), config = _steps(m.rmsprop, rng, config, 2)
    return {"w_step1": w1, "w_step2": w2, "cache": config["cache"]}


@case("adam_update", "adam", hint={
    "en": "t += 1 first; m = beta1*m + (1-beta1)*dw; v = beta2*v + (1-beta2)*dw**2; "
          "next_w = w - lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m/(1-beta1**t), v_hat = v/(1-beta2**t); "
          "store m, v and t in config.",
    "zh": "先 t += 1；m = beta1*m + (1-beta1)*dw；v = beta2*v + (1-beta2)*dw**2；"
          "next_w = w - lr * m_hat / (sqrt(v_hat) + eps)，其中 m_hat = m/(1-beta1**t)，v_hat = v/(1-beta2**t)；"
          "m、v、t 都要存进 config。"})
def _(m, rng):
    config = {"learning_rate": float(rng.uniform(1e-3, 1e-2)), "beta1": float(rng.uniform(0.8, 0.95)),
              "beta2": float(rng.uniform(0.95, 0.999))}
    (w1, w2, w3), config = _steps(m.adam, rng, config, 3)
    return {"w_step1": w1, "w_step2": w2, "w_step3": w3, "m": config["m"], "v": config["v"], "t": config["t"]}


@case("adam_bias_correction", "adam", hint={
    "en": "at the first step m = (1-beta1)*dw and v = (1-beta2)*dw**2 are tiny; dividing by (1-beta1**t) and "
          "(1-beta2**t) with t = 1 makes the step about learning_rate * sign(dw).",
    "zh": "第一步时 m = (1-beta1)*dw、v = (1-beta2)*dw**2 都很小；除以 (1-beta1**t) 和 (1-beta2**t)（t = 1）后，"
          "这一步约为 learning_rate * sign(dw)。"})
def _(m, rng):
    w, dw = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    lr = float(rng.uniform(1e-3, 1e-2))
    next_w, config = m.adam(w.copy(), dw.copy(), {"learning_rate": lr})
    return {"step": np.asarray(next_w) - w, "t": config["t"]}
