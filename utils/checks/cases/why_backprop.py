"""Cases of notebook 6, why backprop: the book-style TwoLayerNet (sigmoid hidden layer, softmax output).

The constructor draws its weights from np.random, so every probe overwrites all four parameters with values from
``rng`` right after construction. Targets come as one-hot rows (the book's convention) or as integer labels.
"""
import numpy as np

from ..engine import case

HINT_PREDICT = {
    "en": "a1 = x @ W1 + b1, z1 = sigmoid(a1), a2 = z1 @ W2 + b2, y = softmax(a2) row by row (each row sums to 1).",
    "zh": "a1 = x @ W1 + b1，z1 = sigmoid(a1)，a2 = z1 @ W2 + b2，y = 对每一行做 softmax(a2)（每行之和为 1）。",
}
HINT_STABLE = {
    "en": "subtract each row's maximum score before np.exp (keepdims=True): softmax does not change, exp cannot "
          "overflow.",
    "zh": "在 np.exp 之前先让每一行减去该行的最大分数（keepdims=True）：softmax 的结果不变，exp 也不会上溢。",
}
HINT_LOSS = {
    "en": "cross-entropy of the softmax output: -mean over the N samples of log y[i, t_i]; not the binary "
          "-t log y - (1 - t) log(1 - y).",
    "zh": "softmax 输出的交叉熵：对 N 个样本取 -log y[i, t_i] 的平均；不是二元交叉熵 -t log y - (1 - t) log(1 - y)。",
}
HINT_LABELS = {
    "en": "t may be (N,) integer labels as well as (N, C) one-hot rows: turn one form into the other first, e.g. "
          "labels = t.argmax(axis=1) when t.ndim == 2.",
    "zh": "t 既可能是 (N, C) 的 one-hot 行，也可能是 (N,) 的整数标签：先统一成一种，例如 t.ndim == 2 时 "
          "labels = t.argmax(axis=1)。",
}
HINT_GRAD_OUT = {
    "en": "dy = (y - t_onehot) / N; dW2 = z1.T @ dy (z1 = sigmoid output, not a1); db2 = dy.sum(axis=0).",
    "zh": "dy = (y - t_onehot) / N；dW2 = z1.T @ dy（z1 是 sigmoid 的输出，不是 a1）；db2 = dy.sum(axis=0)。",
}
HINT_GRAD_HIDDEN = {
    "en": "dz1 = dy @ W2.T, da1 = dz1 * z1 * (1 - z1) (the sigmoid's derivative); dW1 = x.T @ da1, "
          "db1 = da1.sum(axis=0).",
    "zh": "dz1 = dy @ W2.T，da1 = dz1 * z1 * (1 - z1)（sigmoid 的导数）；dW1 = x.T @ da1，db1 = da1.sum(axis=0)。",
}

D, H, C, N = 6, 5, 4, 8
# The book's cross_entropy_error adds 1e-7 inside the log; on these inputs that moves the loss by at most ~1e-5.
LOSS_RTOL = 1e-4


def _net(m, rng, score_scale=1.0):
    """A TwoLayerNet (D, H, C) whose parameters are all set from rng (the constructor's random draw is replaced).

    With score_scale 1 the class probabilities stay moderate (rarely below 1e-3).
    """
    net = m.TwoLayerNet(D, H, C)
    net.params["W1"] = rng.standard_normal((D, H))
    net.params["b1"] = 0.5 * rng.standard_normal(H)
    net.params["W2"] = score_scale * 0.8 * rng.standard_normal((H, C))
    net.params["b2"] = score_scale * 0.3 * rng.standard_normal(C)
    return net


def _batch(rng, n=N):
    """x (n, D), integer labels (n,) and the same labels one-hot (n, C)."""
    x = rng.standard_normal((n, D))
    labels = rng.integers(C, size=n)
    return x, labels, np.eye(C)[labels]


@case("TwoLayerNet_predict_value", "TwoLayerNet.predict", hint=HINT_PREDICT)
def _(m, rng):
    net = _net(m, rng)
    x, _, _ = _batch(rng)
    return {"y": net.predict(x)}


@case("TwoLayerNet_predict_large_scores", "TwoLayerNet.predict", hint=HINT_STABLE)
def _(m, rng):
    net = _net(m, rng, score_scale=2000.0)  # scores of several hundred to thousands: np.exp overflows
    x, _, _ = _batch(rng)
    return {"y": net.predict(x)}


@case("TwoLayerNet_loss_onehot", "TwoLayerNet.loss", hint=HINT_LOSS, rtol=LOSS_RTOL)
def _(m, rng):
    net = _net(m, rng)
    x, _, onehot = _batch(rng)
    return {"loss": net.loss(x, onehot)}


@case("TwoLayerNet_loss_labels", "TwoLayerNet.loss", hint=HINT_LABELS, rtol=LOSS_RTOL)
def _(m, rng):
    net = _net(m, rng)
    x, labels, _ = _batch(rng)
    return {"loss": net.loss(x, labels)}


def _gradient(m, rng, name):
    net = _net(m, rng)
    x, _, onehot = _batch(rng)
    return {f"d{name}": net.gradient(x, onehot)[name]}


@case("TwoLayerNet_gradient_W2", "TwoLayerNet.gradient", hint=HINT_GRAD_OUT)
def _(m, rng):
    return _gradient(m, rng, "W2")


@case("TwoLayerNet_gradient_b2", "TwoLayerNet.gradient", hint=HINT_GRAD_OUT)
def _(m, rng):
    return _gradient(m, rng, "b2")


@case("TwoLayerNet_gradient_W1", "TwoLayerNet.gradient", hint=HINT_GRAD_HIDDEN)
def _(m, rng):
    return _gradient(m, rng, "W1")


@case("TwoLayerNet_gradient_b1", "TwoLayerNet.gradient", hint=HINT_GRAD_HIDDEN)
def _(m, rng):
    return _gradient(m, rng, "b1")


@case("TwoLayerNet_gradient_labels", "TwoLayerNet.gradient", hint=HINT_LABELS)
def _(m, rng):
    net = _net(m, rng)
    x, labels, _ = _batch(rng)
    grads = net.gradient(x, labels)
    return {f"d{name}": grads[name] for name in ("W1", "b1", "W2", "b2")}
