"""Cases of notebook 2, activations (ReLU, sigmoid) and the affine-activation sandwich layers.

Inputs never sit near ReLU's kink (|x| >= 0.1, affine outputs >= 0.05 away from 0) except in the case that tests
the kink itself, so any seed gives a well-posed check.
"""
import numpy as np

from ..engine import case

# Overflow, 0/0 and log(0) become exceptions inside the probes that test stability; underflow to 0 is harmless.
RAISE_ON_BAD_FLOATS = {"over": "raise", "invalid": "raise", "divide": "raise"}

HINT_RELU_FORWARD = {
    "en": "out = np.maximum(x, 0) keeps x's shape and dtype; the cache can simply be x.",
    "zh": "out = np.maximum(x, 0) 会保持 x 的形状和数据类型；cache 直接存 x 即可。",
}
HINT_RELU_BACKWARD = {
    "en": "the gradient passes where the input was positive and is 0 elsewhere: dx = dout * (x > 0).",
    "zh": "输入为正的位置梯度原样通过，其余位置为 0：dx = dout * (x > 0)。",
}
HINT_SIGMOID_FORWARD = {
    "en": "s = 1 / (1 + exp(-x)) elementwise; keep the forward output s in the cache, the backward pass needs it.",
    "zh": "逐元素计算 s = 1 / (1 + exp(-x))；把前向输出 s 存进 cache，反向传播要用它。",
}
HINT_SIGMOID_STABLE = {
    "en": "exp(-x) overflows for x < -709 (and exp(x) for x > 709). Only ever exponentiate -|x| (which is <= 0): "
          "with z = exp(-|x|), s = 1/(1+z) where x >= 0 and z/(1+z) where x < 0; or s = exp(-np.logaddexp(0, -x)). "
          "np.where(c, a, b) computes BOTH a and b for every element, so it does not avoid an overflow by itself.",
    "zh": "x < -709 时 exp(-x) 会上溢（x > 709 时 exp(x) 也会）。只对 -|x|（它 <= 0）求指数：令 z = exp(-|x|)，"
          "x >= 0 处 s = 1/(1+z)，x < 0 处 s = z/(1+z)；或者 s = exp(-np.logaddexp(0, -x))。"
          "注意 np.where(c, a, b) 会对每个元素把 a 和 b 都算一遍，本身并不能避免上溢。",
}
HINT_SIGMOID_BACKWARD = {
    "en": "dx = dout * s * (1 - s), where s is the sigmoid output saved by the forward pass.",
    "zh": "dx = dout * s * (1 - s)，其中 s 是前向传播存下的 sigmoid 输出。",
}
HINT_SIGMOID_BACKWARD_STABLE = {
    "en": "compute the gradient from the saved output s as s * (1 - s); recomputing it from x with exp(-x) "
          "overflows for large |x|, where the true gradient is simply (almost) 0.",
    "zh": "用存下的输出 s 计算 s * (1 - s)；若从 x 重新用 exp(-x) 计算，|x| 很大时会上溢，而那里真正的梯度几乎就是 0。",
}
HINT_SANDWICH = {
    "en": "call affine_forward, then the activation's forward, and cache both caches, e.g. as a tuple; "
          "the backward pass undoes them in reverse order: activation backward first, then affine_backward.",
    "zh": "先调用 affine_forward，再调用激活函数的前向，把两个 cache 一起存下（例如放进一个元组）；"
          "反向传播按相反顺序进行：先做激活函数的反向，再做 affine_backward。",
}


def _signed(rng, shape, low=0.1, high=2.0):
    """Values with |x| in [low, high), both signs present (the first entry negative, the last positive)."""
    x = rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)
    flat = x.reshape(-1)
    flat[0], flat[-1] = -abs(flat[0]), abs(flat[-1])
    return x


def _extreme(rng, shape=(4, 5)):
    """Inputs of a sigmoid with huge magnitudes: always ±1000 and ±1e4, the rest 10**U(0, 4) with random signs."""
    size = int(np.prod(shape))
    fixed = np.array([-1e4, -1e3, 1e3, 1e4])
    rest = 10 ** rng.uniform(0, 4, size - fixed.size) * rng.choice([-1.0, 1.0], size - fixed.size)
    return rng.permutation(np.concatenate([fixed, rest])).reshape(shape)


# ---------------------------------------------------------------------------------------------------- ReLU


@case("relu_forward_value", "relu_forward", hint=HINT_RELU_FORWARD)
def _(m, rng):
    out, _ = m.relu_forward(_signed(rng, (4, 5)))
    return {"out": out}


@case("relu_forward_float32", "relu_forward", hint=HINT_RELU_FORWARD, kind_hints={"dtype": {
    "en": "keep x's shape and dtype: np.maximum(x, 0) does; np.maximum(x, np.zeros(x.shape)) makes float64.",
    "zh": "保持 x 的形状和数据类型：np.maximum(x, 0) 可以；np.maximum(x, np.zeros(x.shape)) 会得到 float64。"}})
def _(m, rng):
    out, _ = m.relu_forward(_signed(rng, (2, 3, 4)).astype(np.float32))
    return {"out": out}


@case("relu_forward_keeps_input", "relu_forward", hint=HINT_RELU_FORWARD, kind_hints={"changed input": {
    "en": "do not change x in place (x[x < 0] = 0 overwrites the caller's array): build a new array, "
          "e.g. np.maximum(x, 0).",
    "zh": "不要原地修改 x（x[x < 0] = 0 会改掉调用者的数组）：生成一个新数组，例如 np.maximum(x, 0)。"}})
def _(m, rng):
    """x after the call, and the output: a property cell pays only when the outputs are right too."""
    x = _signed(rng, (3, 4))
    out, _ = m.relu_forward(x)
    out = np.array(out, copy=True)  # before x is read back: an in-place ReLU returns x itself
    return {"x_after": x, "out": out}


@case("relu_backward_value", "relu_backward", hint=HINT_RELU_BACKWARD)
def _(m, rng):
    x = _signed(rng, (4, 5))
    dout = rng.standard_normal(x.shape)
    _, cache = m.relu_forward(x)
    return {"dx": m.relu_backward(dout, cache)}


@case("relu_backward_at_zero", "relu_backward", hint={
    "en": "at exactly x = 0 the gradient is 0 by convention: use (x > 0), not (x >= 0).",
    "zh": "按约定，x 恰好为 0 处梯度为 0：用 (x > 0)，而不是 (x >= 0)。"})
def _(m, rng):
    x = _signed(rng, (3, 6))
    x.reshape(-1)[rng.permutation(x.size)[:6]] = 0.0
    dout = _signed(rng, x.shape, 0.5, 2.0)
    _, cache = m.relu_forward(x)
    return {"dx": m.relu_backward(dout, cache)}


@case("relu_backward_keeps_dout", "relu_backward", hint=HINT_RELU_BACKWARD, kind_hints={"changed input": {
    "en": "do not change dout in place (dout[x <= 0] = 0 overwrites the upstream gradient the caller still "
          "holds): compute dx = dout * (x > 0), or mask a copy, dx = dout.copy().",
    "zh": "不要原地修改 dout（dout[x <= 0] = 0 会改掉调用者手里的上游梯度）：计算 dx = dout * (x > 0)，"
          "或在副本 dx = dout.copy() 上置零。"}})
def _(m, rng):
    x = _signed(rng, (3, 4))
    dout = _signed(rng, x.shape, 0.5, 2.0)
    _, cache = m.relu_forward(x)
    dx = np.array(m.relu_backward(dout, cache), copy=True)
    return {"dout_after": dout, "dx": dx}


# ---------------------------------------------------------------------------------------------------- sigmoid


@case("sigmoid_forward_value", "sigmoid_forward", hint=HINT_SIGMOID_FORWARD)
def _(m, rng):
    out, _ = m.sigmoid_forward(3.0 * rng.standard_normal((4, 5)))
    return {"out": out}


@case("sigmoid_forward_extreme", "sigmoid_forward", hint=HINT_SIGMOID_STABLE)
def _(m, rng):
    x = _extreme(rng)
    with np.errstate(**RAISE_ON_BAD_FLOATS):  # an overflow warning becomes an error here
        out, _ = m.sigmoid_forward(x)
    return {"out": out}


@case("sigmoid_backward_value", "sigmoid_backward", hint=HINT_SIGMOID_BACKWARD)
def _(m, rng):
    x = 2.0 * rng.standard_normal((4, 5))
    dout = rng.standard_normal(x.shape)
    _, cache = m.sigmoid_forward(x)
    return {"dx": m.sigmoid_backward(dout, cache)}


@case("sigmoid_backward_extreme", "sigmoid_backward", hint=HINT_SIGMOID_BACKWARD_STABLE)
def _(m, rng):
    x = np.concatenate([_extreme(rng, (2, 5)), 2.0 * rng.standard_normal((2, 5))])
    dout = rng.standard_normal(x.shape)
    _, cache = m.sigmoid_forward(x)  # the forward pass's own warnings are sigmoid_forward_extreme's business
    with np.errstate(**RAISE_ON_BAD_FLOATS):
        dx = m.sigmoid_backward(dout, cache)
    return {"dx": dx}


# ---------------------------------------------------------------------------------------------------- sandwich


def _sandwich_inputs(rng, N=4, input_shape=(2, 3), M=5):
    """x (N, *input_shape), w (D, M), b (M,), dout (N, M), redrawn until no affine output is within 0.05 of 0."""
    D = int(np.prod(input_shape))
    for _ in range(1000):
        x = rng.standard_normal((N, *input_shape))
        w = rng.standard_normal((D, M)) / np.sqrt(D)
        b = 0.5 * rng.standard_normal(M)
        scores = x.reshape(N, D) @ w + b
        if np.min(np.abs(scores)) > 0.05 and (scores < 0).any() and (scores > 0).any():
            break
    return x, w, b, rng.standard_normal((N, M))


@case("affine_relu_forward_value", "affine_relu_forward", hint=HINT_SANDWICH)
def _(m, rng):
    x, w, b, _ = _sandwich_inputs(rng)
    out, _ = m.affine_relu_forward(x, w, b)
    return {"out": out}


@case("affine_relu_backward_grads", "affine_relu_backward", hint=HINT_SANDWICH)
def _(m, rng):
    x, w, b, dout = _sandwich_inputs(rng)
    _, cache = m.affine_relu_forward(x, w, b)
    dx, dw, db = m.affine_relu_backward(dout, cache)
    return {"dx": dx, "dw": dw, "db": db}


@case("affine_sigmoid_forward_value", "affine_sigmoid_forward", hint=HINT_SANDWICH)
def _(m, rng):
    x, w, b, _ = _sandwich_inputs(rng)
    out, _ = m.affine_sigmoid_forward(x, w, b)
    return {"out": out}


@case("affine_sigmoid_backward_grads", "affine_sigmoid_backward", hint=HINT_SANDWICH)
def _(m, rng):
    x, w, b, dout = _sandwich_inputs(rng)
    _, cache = m.affine_sigmoid_forward(x, w, b)
    dx, dw, db = m.affine_sigmoid_backward(dout, cache)
    return {"dx": dx, "dw": dw, "db": db}
