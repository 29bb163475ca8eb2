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
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


def relu_forward(x):
    """Rectified linear unit: ``out = max(0, x)`` elementwise.

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: same shape as x
    - cache: what relu_backward needs
    """
    # YOUR CODE HERE
    raise NotImplementedError


def relu_backward(dout, cache):
    """Backward pass of ReLU: ``dx = dout * [x > 0]`` (the gradient at exactly 0 is 0).

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from relu_forward

    Returns:
    - dx: same shape as x
    """
    # YOUR CODE HERE
    raise NotImplementedError


def sigmoid_forward(x):
    """Logistic sigmoid: ``out = 1 / (1 + exp(-x))``, with no overflow even for |x| >= 1000.

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: same shape as x, values in [0, 1]
    - cache: what sigmoid_backward needs
    """
    # YOUR CODE HERE
    raise NotImplementedError


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid: ``dx = dout * s * (1 - s)`` where s is the forward output.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: from sigmoid_forward

    Returns:
    - dx: same shape as x
    """
    # YOUR CODE HERE
    raise NotImplementedError


def softmax_loss(x, y):
    """Softmax cross-entropy: ``loss = mean_i(-log softmax(x_i)[y_i])``, stable for huge scores.

    Inputs:
    - x: (N, C) class scores
    - y: (N,) integer labels, 0 <= y[i] < C

    Returns a tuple of:
    - loss: scalar
    - dx: (N, C) gradient of the loss with respect to x
    """
    # YOUR CODE HERE
    raise NotImplementedError


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
    # YOUR CODE HERE
    raise NotImplementedError


def mse_loss(pred, target):
    """Squared error: ``loss = 0.5 * sum((pred - target)^2) / N``.

    Inputs:
    - pred: (N, ...) predictions
    - target: same shape as pred

    Returns a tuple of:
    - loss: scalar
    - dpred: (pred - target) / N, same shape as pred
    """
    # YOUR CODE HERE
    raise NotImplementedError
