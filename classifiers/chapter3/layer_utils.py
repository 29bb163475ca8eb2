"""Sandwich layers: an affine layer followed by a nonlinearity, forward and backward in one call."""
from .layers import affine_backward, affine_forward, relu_backward, relu_forward, sigmoid_backward, sigmoid_forward

__all__ = ["affine_relu_forward", "affine_relu_backward", "affine_sigmoid_forward", "affine_sigmoid_backward"]


def affine_relu_forward(x, w, b):
    """Affine layer then ReLU: ``out = max(0, x @ w + b)``.

    Inputs:
    - x: (N, d_1, ..., d_k), w: (D, M), b: (M,)

    Returns a tuple of:
    - out: (N, M)
    - cache: what affine_relu_backward needs
    """
    # YOUR CODE HERE
    raise NotImplementedError


def affine_relu_backward(dout, cache):
    """Backward pass of affine_relu_forward.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: from affine_relu_forward

    Returns a tuple of:
    - dx: (N, d_1, ..., d_k), dw: (D, M), db: (M,)
    """
    # YOUR CODE HERE
    raise NotImplementedError


def affine_sigmoid_forward(x, w, b):
    """Affine layer then sigmoid: ``out = sigmoid(x @ w + b)``.

    Inputs:
    - x: (N, d_1, ..., d_k), w: (D, M), b: (M,)

    Returns a tuple of:
    - out: (N, M)
    - cache: what affine_sigmoid_backward needs
    """
    # YOUR CODE HERE
    raise NotImplementedError


def affine_sigmoid_backward(dout, cache):
    """Backward pass of affine_sigmoid_forward.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: from affine_sigmoid_forward

    Returns a tuple of:
    - dx: (N, d_1, ..., d_k), dw: (D, M), db: (M,)
    """
    # YOUR CODE HERE
    raise NotImplementedError
