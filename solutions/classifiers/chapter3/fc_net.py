"""A fully connected net of any depth: {affine - ReLU} x (L - 1) - affine - softmax."""
from itertools import pairwise

import numpy as np

from .classifier import Classifier
from .layer_utils import affine_relu_backward, affine_relu_forward
from .layers import affine_backward, affine_forward, softmax_loss

__all__ = ["FullyConnectedNet"]


class FullyConnectedNet(Classifier):
    """L = len(hidden_dims) + 1 affine layers; every hidden layer is affine-ReLU, the last is affine + softmax loss.

    params: W1 (D, H1), b1 (H1,), ..., WL (H_{L-1}, C), bL (C,); weights ~ N(0, weight_scale^2), biases 0, all of
    the given dtype. Total loss = softmax data loss + 0.5 * reg * sum over every W of sum(W^2).
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dims=(100,), num_classes=10, reg=0.0, weight_scale=1e-2,
                 dtype=np.float64, seed=None):
        """
        Inputs:
        - input_dim: D, the size of one flattened sample
        - hidden_dims: sizes H1, ..., H_{L-1} of the hidden layers
        - num_classes: C
        - reg: L2 regularisation strength
        - weight_scale: standard deviation of the initial weights
        - dtype: dtype of every parameter and of the computation (float64 for gradient checks)
        - seed: seed of the weight initialisation (None: fresh randomness)
        """
        self.reg = reg
        self.dtype = dtype
        self.num_layers = len(hidden_dims) + 1
        self.params = {}
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        for i, (fan_in, fan_out) in enumerate(pairwise(dims), start=1):
            self.params[f"W{i}"] = (weight_scale * rng.standard_normal((fan_in, fan_out))).astype(dtype)
            self.params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
        ### END SOLUTION

    def loss(self, X, y=None):
        """Scores, or loss and gradients.

        Inputs:
        - X: (N, d_1, ..., d_k) input data, cast to self.dtype
        - y: (N,) integer labels, or None

        Returns:
        - if y is None: scores (N, C)
        - else (loss, grads): loss a scalar, grads a dict with the keys and shapes of self.params
        """
        X = X.astype(self.dtype, copy=False)
        ### BEGIN SOLUTION
        L = self.num_layers
        out, caches = X, []
        for i in range(1, L):
            out, cache = affine_relu_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            caches.append(cache)
        scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores
        loss, dout = softmax_loss(scores, y)
        grads = {}
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, caches[i - 1])
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
        return loss, grads
        ### END SOLUTION
