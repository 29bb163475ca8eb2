"""Cases of notebook 7, a network from an architecture list (column-major: X (features, samples), W (out, in)).

init_layers and train draw random numbers, so their cases are judged by rules; every other probe builds its
parameters from ``rng`` itself and compares with the reference. Backpropagation always runs on the memory made by
the student's own forward pass, and only the keys the docstring promises (A0..A{L-1}, Z1..ZL) are read from it.
"""
import numpy as np

from ..engine import case
from ._judging import say, trusted_judge

HINT_INIT = {
    "en": "for layer l (1..L): W{l} = 0.1 * standard normal (output_dim, input_dim), b{l} = 0.1 * standard normal "
          "(output_dim, 1), drawn from a generator seeded with `seed`.",
    "zh": "第 l 层（1..L）：W{l} = 0.1 * 标准正态 (output_dim, input_dim)，b{l} = 0.1 * 标准正态 (output_dim, 1)，"
          "随机数生成器用 `seed` 作种子。",
}
HINT_FORWARD = {
    "en": "A0 = X; for l = 1..L: Z{l} = W{l} @ A{l-1} + b{l}, A{l} = relu or sigmoid of Z{l} as the layer's "
          "\"activation\" says (compare strings with ==, not `is`).",
    "zh": "A0 = X；对 l = 1..L：Z{l} = W{l} @ A{l-1} + b{l}，A{l} = 按该层的 \"activation\" 取 relu 或 sigmoid"
          "（比较字符串用 ==，不要用 `is`）。",
}
HINT_MEMORY = {
    "en": "store the input of every layer as memory['A{l-1}'] (memory['A0'] is X) and its pre-activation as "
          "memory['Z{l}'], with l counted from 1.",
    "zh": "把每一层的输入存为 memory['A{l-1}']（memory['A0'] 就是 X），把它的线性输出存为 memory['Z{l}']，"
          "l 从 1 开始数。",
}
HINT_COST = {
    "en": "cost = -mean(Y * log(Y_hat) + (1 - Y) * log(1 - Y_hat)) over the m samples, a float.",
    "zh": "cost = -mean(Y * log(Y_hat) + (1 - Y) * log(1 - Y_hat))，对 m 个样本取平均，返回一个 float。",
}
HINT_CLIP = {
    "en": "clip Y_hat into [eps, 1 - eps] (e.g. eps = 1e-12) before the logs: log(0) is -inf and 0 * log(0) is nan.",
    "zh": "取对数之前先把 Y_hat 裁剪到 [eps, 1 - eps]（例如 eps = 1e-12）：log(0) 是 -inf，0 * log(0) 是 nan。",
}
HINT_ACCURACY = {
    "en": "a prediction is class 1 when Y_hat > 0.5; accuracy = mean of (prediction == Y).",
    "zh": "Y_hat > 0.5 时预测为类别 1；正确率是预测与 Y 相等的样本所占的比例，即 np.mean(Y_pred == Y)。",
}
HINT_BACKWARD = {
    "en": "start from dA = -(Y / Y_hat - (1 - Y) / (1 - Y_hat)); for l = L..1: dZ = dA * g'(Z{l}), "
          "dW{l} = dZ @ A{l-1}.T / m, db{l} = dZ.sum(axis=1, keepdims=True) / m, dA = W{l}.T @ dZ.",
    "zh": "从 dA = -(Y / Y_hat - (1 - Y) / (1 - Y_hat)) 开始；对 l = L..1：dZ = dA * g'(Z{l})，"
          "dW{l} = dZ @ A{l-1}.T / m，db{l} = dZ.sum(axis=1, keepdims=True) / m，dA = W{l}.T @ dZ。",
}
HINT_SIGMOID_BACKWARD = {
    "en": "the sigmoid's derivative is s * (1 - s) with s = sigmoid(Z); ReLU's is (Z > 0).",
    "zh": "sigmoid 的导数是 s * (1 - s)，其中 s = sigmoid(Z)；ReLU 的导数是 (Z > 0)。",
}
HINT_UPDATE = {
    "en": "for l = 1..L (not 0..L-1): W{l} -= learning_rate * dW{l}, b{l} -= learning_rate * db{l}; return params.",
    "zh": "对 l = 1..L（不是 0..L-1）：W{l} -= learning_rate * dW{l}，b{l} -= learning_rate * db{l}；返回 params。",
}
HINT_TRAIN = {
    "en": "every epoch: forward pass, record cost and accuracy, backward pass, update (params = update(...)).",
    "zh": "每个迭代周期（epoch）：前向传播，记录损失和正确率，反向传播，更新参数（params = update(...)）。",
}


def _built_at_run_time(name):
    """An equal copy of the string ``name`` that is not the interned literal: code comparing activation names with
    ``is "relu"`` instead of ``== "relu"`` fails on it, as on names read from a file or typed by a user."""
    return "".join(list(name))


def _arch(dims, activations):
    """An architecture list from layer sizes [n_0, ..., n_L] and one activation per layer (names built at run
    time)."""
    return [{"input_dim": int(a), "output_dim": int(b), "activation": _built_at_run_time(act)}
            for a, b, act in zip(dims[:-1], dims[1:], activations, strict=True)]


MIXED = _arch([3, 5, 4, 1], ["relu", "sigmoid", "sigmoid"])
RELU = _arch([3, 6, 4, 1], ["relu", "relu", "sigmoid"])
SIGMOID = _arch([4, 5, 3, 1], ["sigmoid", "sigmoid", "sigmoid"])


def _problem(rng, arch, m=7):
    """X (n_0, m), Y (1, m) in {0, 1} and parameters W{l} ~ N(0, 1 / input_dim) (out, in), b{l} ~ N(0, 0.1^2)
    (out, 1).

    The expected outputs are the reference's on the same inputs, not numerical gradients, so no input needs to be
    kept off the ReLU kink (a pre-activation of random normal data is never within round-off of 0). Weights scaled
    by the fan-in keep every pre-activation of order 1: the sigmoid output never saturates (|Z| > 20 in the last
    layer, where 1 - Y_hat loses the digits on which correct implementations written differently agree), and small
    biases make a hidden layer that is dead for every sample (all gradients 0) rare.
    """
    X = rng.standard_normal((arch[0]["input_dim"], m))
    Y = rng.integers(0, 2, size=(1, m)).astype(np.float64)
    params = {}
    for idx, layer in enumerate(arch, start=1):
        fan_in, fan_out = layer["input_dim"], layer["output_dim"]
        params[f"W{idx}"] = rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)
        params[f"b{idx}"] = rng.normal(0.0, 0.1, size=(fan_out, 1))
    return X, Y, params


# ---------------------------------------------------------------------------------------------------- init_layers


@case("init_layers_shapes", "init_layers", hint=HINT_INIT)
def _(m, rng):
    dims = rng.integers(2, 9, size=4)
    arch = _arch([*dims, 1], ["relu", "relu", "relu", "sigmoid"])
    params = m.init_layers(arch, seed=int(rng.integers(1000)))
    shapes = {f"{name}_shape": np.array(np.shape(params[name]))
              for idx in range(1, len(arch) + 1) for name in (f"W{idx}", f"b{idx}")}
    # a property cell pays only for a usable init: weights all equal (zeros of the right shape) are not one
    varies = {f"W{idx}_varies": float(np.ptp(np.asarray(params[f"W{idx}"], dtype=np.float64)) > 0)
              for idx in range(1, len(arch) + 1)}
    return {**shapes, **varies}


INIT_ARCH = _arch([150, 120, 1], ["relu", "sigmoid"])


def _probe_init_random(m, rng):
    seed = int(rng.integers(1000))
    first, again, other = (m.init_layers(INIT_ARCH, seed=s) for s in (seed, seed, seed + 1))
    names = [f"{kind}{idx}" for idx in (1, 2) for kind in ("W", "b")]
    weights = np.concatenate([np.ravel(first["W1"]), np.ravel(first["W2"])]).astype(np.float64)
    biases = np.concatenate([np.ravel(first["b1"]), np.ravel(first["b2"])]).astype(np.float64)
    return {
        "W_std": weights.std(),
        "W_mean": weights.mean(),
        "W1_distinct_rows": len(np.unique(np.asarray(first["W1"], dtype=np.float64).round(12), axis=0)),
        "b_max_abs": np.abs(biases).max(),
        "same_seed_equal": all(np.array_equal(first[n], again[n]) for n in names),
        "other_seed_differs": not np.array_equal(first["W1"], other["W1"]),
    }


@trusted_judge
def _judge_init_random(got, rng):
    value = {name: plain.data.item() for name, plain in got.items()}
    problems = []
    if not 0.09 <= value["W_std"] <= 0.11 or abs(value["W_mean"]) > 0.01:
        problems.append(say(f"权重的均值是 {value['W_mean']:.4f}、标准差是 {value['W_std']:.4f}，"
                            "应该分别约为 0 和 0.1。",
                            f"the weights have mean {value['W_mean']:.4f} and standard deviation "
                            f"{value['W_std']:.4f}; expected about 0 and 0.1."))
    if value["W1_distinct_rows"] < INIT_ARCH[0]["output_dim"]:
        problems.append(say("W1 有相同的行：同一层的神经元从相同的权重出发，会一直学到同样的东西（对称性问题）。",
                            "W1 has identical rows: units that start from the same weights keep learning the same "
                            "thing (the symmetry problem)."))
    if value["b_max_abs"] > 1.0:
        problems.append(say(f"偏置的绝对值最大到 {value['b_max_abs']:.3g}，应该是很小的数。",
                            f"a bias has absolute value {value['b_max_abs']:.3g}; biases should be small."))
    if value["same_seed_equal"] != 1.0:
        problems.append(say("同一个 seed 调用两次得到了不同的参数：请用 seed 初始化随机数生成器。",
                            "two calls with the same seed gave different parameters: seed the random generator "
                            "with `seed`."))
    if value["other_seed_differs"] != 1.0:
        problems.append(say("换一个 seed 得到的 W1 完全相同：seed 没有被用上。",
                            "a different seed gave the same W1: `seed` is not used."))
    return problems


case("init_layers_random", "init_layers", hint=HINT_INIT, judge=_judge_init_random)(_probe_init_random)


# ------------------------------------------------------------------------------------------ full_forward_propagation


@case("full_forward_propagation_output", "full_forward_propagation", hint=HINT_FORWARD)
def _(m, rng):
    X, _, params = _problem(rng, MIXED)
    Y_hat, _ = m.full_forward_propagation(X, params, MIXED)
    return {"Y_hat": Y_hat}


@case("full_forward_propagation_memory", "full_forward_propagation", hint=HINT_MEMORY)
def _(m, rng):
    X, _, params = _problem(rng, MIXED)
    _, memory = m.full_forward_propagation(X, params, MIXED)
    L = len(MIXED)
    return {**{f"A{idx}": memory[f"A{idx}"] for idx in range(L)},
            **{f"Z{idx}": memory[f"Z{idx}"] for idx in range(1, L + 1)}}


# ------------------------------------------------------------------------------- get_cost_value, get_accuracy_value


@case("get_cost_value_value", "get_cost_value", hint=HINT_COST)
def _(m, rng):
    n = int(rng.integers(8, 16))
    Y_hat = rng.uniform(0.05, 0.95, size=(1, n))
    Y = rng.integers(0, 2, size=(1, n)).astype(np.float64)
    return {"cost": m.get_cost_value(Y_hat, Y)}


def _extreme(rng):
    """Y (1, n) and two saturated predictions holding exact 0s and 1s: all right, and one sample confidently wrong."""
    n = int(rng.integers(6, 12))
    Y = rng.permutation(np.arange(n) % 2).reshape(1, n).astype(np.float64)
    right = Y.copy()
    wrong = Y.copy()
    k = int(rng.integers(n))
    wrong[0, k] = 1 - wrong[0, k]
    return Y, right, wrong


def _probe_cost_extreme(m, rng):
    Y, right, wrong = _extreme(rng)
    return {"cost_all_right": m.get_cost_value(right, Y), "cost_one_wrong": m.get_cost_value(wrong, Y)}


@trusted_judge
def _judge_cost_extreme(got, rng):
    right, wrong = got["cost_all_right"].data.item(), got["cost_one_wrong"].data.item()
    n = _extreme(rng)[0].shape[1]
    problems = []
    if not np.isfinite(right) or abs(right) > 1e-3:
        problems.append(say(f"Y_hat 恰好等于 Y（其中有 0 和 1）时，损失应该约为 0，得到的是 {right}。",
                            f"with Y_hat exactly equal to Y (0s and 1s), the cost should be about 0; got {right}."))
    if not np.isfinite(wrong) or wrong < 4.0 / n:
        problems.append(say(f"{n} 个样本中有一个以概率 1 预测错了，损失应该是一个很大的有限数"
                            f"（至少 {4.0 / n:.2f}），得到的是 {wrong}。",
                            f"one of {n} samples is predicted wrong with probability 1: the cost should be large but "
                            f"finite (at least {4.0 / n:.2f}); got {wrong}."))
    return problems


case("get_cost_value_extreme", "get_cost_value", hint=HINT_CLIP, judge=_judge_cost_extreme)(_probe_cost_extreme)


@case("get_accuracy_value_value", "get_accuracy_value", hint=HINT_ACCURACY)
def _(m, rng):
    n = int(rng.integers(10, 20))
    Y_hat = rng.uniform(0.01, 0.99, size=(1, n))
    Y_hat[np.abs(Y_hat - 0.5) < 1e-3] = 0.75  # no prediction on the threshold
    Y = rng.integers(0, 2, size=(1, n)).astype(np.float64)
    return {"accuracy": m.get_accuracy_value(Y_hat, Y)}


# ----------------------------------------------------------------------------------------- full_backward_propagation


def _backward(m, rng, arch):
    X, Y, params = _problem(rng, arch)
    Y_hat, memory = m.full_forward_propagation(X, params, arch)
    return m.full_backward_propagation(Y_hat, Y, memory, params, arch)


@case("full_backward_propagation_dW", "full_backward_propagation", hint=HINT_BACKWARD)
def _(m, rng):
    grads = _backward(m, rng, RELU)
    return {f"dW{idx}": grads[f"dW{idx}"] for idx in range(1, len(RELU) + 1)}


@case("full_backward_propagation_db", "full_backward_propagation", hint=HINT_BACKWARD)
def _(m, rng):
    grads = _backward(m, rng, RELU)
    return {f"db{idx}": grads[f"db{idx}"] for idx in range(1, len(RELU) + 1)}


@case("full_backward_propagation_sigmoid", "full_backward_propagation", hint=HINT_SIGMOID_BACKWARD)
def _(m, rng):
    grads = _backward(m, rng, SIGMOID)
    return {f"d{kind}{idx}": grads[f"d{kind}{idx}"] for idx in range(1, len(SIGMOID) + 1) for kind in ("W", "b")}


# ---------------------------------------------------------------------------------------------------------- update


@case("update_step", "update", hint=HINT_UPDATE)
def _(m, rng):
    _, _, params = _problem(rng, MIXED)
    grads = {f"d{name}": rng.standard_normal(value.shape) for name, value in params.items()}
    learning_rate = float(rng.uniform(0.01, 0.5))
    new = m.update({name: value.copy() for name, value in params.items()}, grads, MIXED, learning_rate)
    return {name: new[name] for name in params}


# ----------------------------------------------------------------------------------------------------------- train

TRAIN_ARCH = _arch([2, 32, 32, 1], ["relu", "relu", "sigmoid"])
# Hidden seeds come from each course's secret, so the case must hold on any data set it draws, for any correct
# code. bench/train_case_seeds.py grades the reference and the tests' correct variants on 300 random seeds: all pass,
# the lowest test accuracy is 0.92 (one seed; the next is 0.95), the largest output logit 21. With ``--random-inits``
# (one random N(0, 0.1^2) init per seed, biases random or zero) no judge fails either, nor at 200 epochs or at a
# learning rate of 0.6; at 150 epochs 2 of 300 fall below 0.9. Centred and scaled inputs (as standardised ones would
# be) are what make 300 epochs enough: the raw moons needed 2000 at 0.3, failed 2 of 300 zero-bias inits all the
# same and drove the logits past 50, where an unclipped backward pass divides by zero (1 / (1 + exp(-Z)) rounds to
# exactly 1 for Z > 36.7).
TRAIN_EPOCHS, TRAIN_LR, TRAIN_POINTS = 300, 0.4, 200
MIN_TEST_ACCURACY = 0.9  # a straight boundary gets about 0.87 on these moons (median over seeds)
MOONS_CENTRE, MOONS_SCALE = np.array([[0.5], [0.25]]), 2.0


def _moons(rng, n):
    """Two noisy interleaving half-moons centred on the origin, each feature within about -3..3, column-major:
    X (2, n), Y (1, n) in {0., 1.}."""
    y = rng.integers(0, 2, size=n)
    angle = rng.uniform(0, np.pi, size=n)
    x1 = np.where(y == 0, np.cos(angle), 1 - np.cos(angle))
    x2 = np.where(y == 0, np.sin(angle), 0.5 - np.sin(angle))
    X = np.stack([x1, x2]) + 0.15 * rng.standard_normal((2, n))
    return MOONS_SCALE * (X - MOONS_CENTRE), y.reshape(1, n).astype(np.float64)


def _probe_train(m, rng):
    X, Y = _moons(rng, TRAIN_POINTS)
    X_test, _ = _moons(rng, TRAIN_POINTS)
    params, cost_history, accuracy_history = m.train(X, Y, TRAIN_ARCH, TRAIN_EPOCHS, TRAIN_LR)
    Y_hat_test, _ = m.full_forward_propagation(X_test, params, TRAIN_ARCH)
    return {"Y_hat_test": Y_hat_test, "cost_history": cost_history, "accuracy_history": accuracy_history}


@trusted_judge
def _judge_train_accuracy(got, rng):
    _moons(rng, TRAIN_POINTS)
    _, Y_test = _moons(rng, TRAIN_POINTS)
    Y_hat = got["Y_hat_test"].data
    if Y_hat.shape != Y_test.shape:
        return [say(f"测试点上的 Y_hat 形状是 {Y_hat.shape}，应为 {Y_test.shape}。",
                    f"Y_hat on the test points has shape {Y_hat.shape}, expected {Y_test.shape}.")]
    accuracy = float(np.mean((Y_hat > 0.5) == (Y_test == 1)))
    if accuracy < MIN_TEST_ACCURACY:
        return [say(f"训练 {TRAIN_EPOCHS} 个迭代周期（学习率 {TRAIN_LR}）后，新数据上的正确率只有 {accuracy:.3f}，"
                    f"至少应为 {MIN_TEST_ACCURACY}。",
                    f"after {TRAIN_EPOCHS} epochs (learning rate {TRAIN_LR}) the accuracy on new points is only "
                    f"{accuracy:.3f}; it should be at least {MIN_TEST_ACCURACY}.")]
    return []


@trusted_judge
def _judge_train_history(got, rng):
    # one number per epoch; a (1, 1) array per epoch is a get_cost_value matter, judged there, so flatten it here
    cost, accuracy = (got[name].data.reshape(-1) if got[name].data.size == TRAIN_EPOCHS else got[name].data
                      for name in ("cost_history", "accuracy_history"))
    problems = []
    if cost.shape != (TRAIN_EPOCHS,) or accuracy.shape != (TRAIN_EPOCHS,):
        problems.append(say(f"cost_history 和 accuracy_history 的形状是 {cost.shape} 和 {accuracy.shape}，"
                            f"应该都是每个迭代周期一个数：({TRAIN_EPOCHS},)。",
                            f"cost_history and accuracy_history have shapes {cost.shape} and {accuracy.shape}; "
                            f"expected one number per epoch: ({TRAIN_EPOCHS},)."))
        return problems
    if not (np.all(np.isfinite(cost)) and cost[-1] < 0.5 * cost[0]):
        problems.append(say(f"损失从 {cost[0]:.4g} 变到 {cost[-1]:.4g}：训练时它应该明显下降（参数更新了吗？）。",
                            f"the cost went from {cost[0]:.4g} to {cost[-1]:.4g}; training should bring it well down "
                            f"(are the parameters updated?)."))
    if not (np.all((0 <= accuracy) & (accuracy <= 1)) and accuracy[-1] >= MIN_TEST_ACCURACY):
        problems.append(say(f"accuracy_history 应该是 0 到 1 之间的训练正确率，最后至少达到 {MIN_TEST_ACCURACY}；"
                            f"得到的最后一个值是 {accuracy[-1]:.4g}。",
                            f"accuracy_history should hold training accuracies between 0 and 1 that end at "
                            f"{MIN_TEST_ACCURACY} or more; the last one is {accuracy[-1]:.4g}."))
    return problems


case("train_accuracy", "train", hint=HINT_TRAIN, judge=_judge_train_accuracy)(_probe_train)
case("train_history", "train", hint=HINT_TRAIN, judge=_judge_train_history)(_probe_train)
