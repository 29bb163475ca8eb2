"""Layers and losses: each forward returns ``(out, cache)``, each backward takes ``(dout, cache)``.

A cache holds exactly what the backward pass of the same layer needs; nothing outside this module reads it.
"""
import numpy as np

__all__ = [
    "affine_forward", "affine_backward",
    "relu_forward", "relu_backward",
    "sigmoid_forward", "sigmoid_backward",
    "softmax_loss", "bce_loss", "mse_loss",
]


def affine_forward(x, w, b):
    """Fully connected layer: ``out = x.reshape(N, D) @ w + b``.

    Inputs:
    - x: (N, d_1, ..., d_k) input minibatch; each sample is flattened to D = d_1 * ... * d_k values
    - w: (D, M) weights
    - b: (M,) biases

    Returns a tuple of:
    - out: (N, M)
    - cache: what affine_backward needs
    """
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)
    ### END SOLUTION


def affine_backward(dout, cache):
    """Backward pass of the fully connected layer.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: from affine_forward

    Returns a tuple of:
    - dx: (N, d_1, ..., d_k), the shape of the original x
    - dw: (D, M)
    - db: (M,)
    """
    ### BEGIN SOLUTION
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
    ### END SOLUTION


def relu_forward(x):
    """Rectified linear unit: ``out = max(0, x)`` elementwise.

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: same shape as x
    - cache: what relu_backward needs
    """
    ### BEGIN SOLUTION
    return np.maximum(x, 0), x
    ### END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of ReLU: ``dx = dout * [x > 0]`` (the gradient at exactly 0 is 0).

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from relu_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    x = cache
    return dout * (x > 0)
    ### END SOLUTION


def sigmoid_forward(x):
    """Logistic sigmoid: ``out = 1 / (1 + exp(-x))``, with no overflow even for |x| >= 1000.

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: same shape as x, values in [0, 1]
    - cache: what sigmoid_backward needs
    """
    ### BEGIN SOLUTION
    # 1 / (1 + e^-x) = exp(-log(1 + e^-x)); logaddexp computes log(e^0 + e^-x) without overflowing.
    out = np.exp(-np.logaddexp(0, -x))
    return out, out
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid: ``dx = dout * s * (1 - s)`` where s is the forward output.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from sigmoid_forward

    Returns:
    - dx: same shape as x
    """
    ### BEGIN SOLUTION
    s = cache
    return dout * s * (1 - s)
    ### END SOLUTION


def softmax_loss(x, y):
    """Softmax cross-entropy: ``loss = mean_i(-log softmax(x_i)[y_i])``, stable for huge scores.

    Inputs:
    - x: (N, C) class scores
    - y: (N,) integer labels, 0 <= y[i] < C

    Returns a tuple of:
    - loss: scalar
    - dx: (N, C) gradient of the loss with respect to x
    """
    ### BEGIN SOLUTION
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_probs[rows, y].mean()
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= n
    return loss, dx
    ### END SOLUTION


def bce_loss(p, y):
    """Binary cross-entropy: ``loss = -mean(y log p + (1 - y) log(1 - p))``.

    p is clipped to [eps, 1 - eps] (eps = 1e-12 in float64, 1e-7 in float32), so p = 0 or 1 gives a finite
    loss and gradient.

    Inputs:
    - p: (N,) or (N, 1) predicted probabilities of class 1
    - y: (N,) or (N, 1) labels in {0, 1}

    Returns a tuple of:
    - loss: scalar
    - dp: gradient with respect to p, same shape as p
    """
    ### BEGIN SOLUTION
    eps = 1e-7 if p.dtype == np.float32 else 1e-12
    p_safe = np.clip(p, eps, 1 - eps)
    y = y.reshape(p.shape).astype(p.dtype, copy=False)
    loss = -np.mean(y * np.log(p_safe) + (1 - y) * np.log1p(-p_safe))
    dp = (p_safe - y) / (p_safe * (1 - p_safe)) / p.shape[0]
    return loss, dp
    ### END SOLUTION


def mse_loss(pred, target):
    """Squared error: ``loss = 0.5 * sum((pred - target)^2) / N``.

    Inputs:
    - pred: (N, ...) predictions
    - target: same shape as pred

    Returns a tuple of:
    - loss: scalar
    - dpred: (pred - target) / N, same shape as pred
    """
    ### BEGIN SOLUTION
    diff = pred - target
    n = pred.shape[0]
    return 0.5 * np.sum(diff * diff) / n, diff / n
    ### END SOLUTION
