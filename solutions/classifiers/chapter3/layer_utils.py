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
    ### BEGIN SOLUTION
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)
    ### END SOLUTION


def affine_relu_backward(dout, cache):
    """Backward pass of affine_relu_forward.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: from affine_relu_forward

    Returns a tuple of:
    - dx: (N, d_1, ..., d_k), dw: (D, M), db: (M,)
    """
    ### BEGIN SOLUTION
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)
    ### END SOLUTION


def affine_sigmoid_forward(x, w, b):
    """Affine layer then sigmoid: ``out = sigmoid(x @ w + b)``.

    Inputs:
    - x: (N, d_1, ..., d_k), w: (D, M), b: (M,)

    Returns a tuple of:
    - out: (N, M)
    - cache: what affine_sigmoid_backward needs
    """
    ### BEGIN SOLUTION
    a, fc_cache = affine_forward(x, w, b)
    out, sigmoid_cache = sigmoid_forward(a)
    return out, (fc_cache, sigmoid_cache)
    ### END SOLUTION


def affine_sigmoid_backward(dout, cache):
    """Backward pass of affine_sigmoid_forward.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: from affine_sigmoid_forward

    Returns a tuple of:
    - dx: (N, d_1, ..., d_k), dw: (D, M), db: (M,)
    """
    ### BEGIN SOLUTION
    fc_cache, sigmoid_cache = cache
    return affine_backward(sigmoid_backward(dout, sigmoid_cache), fc_cache)
    ### END SOLUTION
