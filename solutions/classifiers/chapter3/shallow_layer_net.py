"""A two-layer fully connected net: affine - ReLU - affine - softmax."""
import numpy as np

from .classifier import Classifier
from .layer_utils import affine_relu_backward, affine_relu_forward
from .layers import affine_backward, affine_forward, softmax_loss

__all__ = ["ShallowLayerNet"]


class ShallowLayerNet(Classifier):
    """input (N, D) -> affine -> ReLU -> affine -> scores (N, C) -> softmax loss.

    params: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,); weights ~ N(0, weight_scale^2), biases 0.
    Total loss = softmax data loss + 0.5 * reg * (sum(W1^2) + sum(W2^2)); biases are not regularised.
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {
            "W1": weight_scale * np.random.randn(input_dim, hidden_dim),
            "b1": np.zeros(hidden_dim),
            "W2": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b2": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        """Scores, or loss and gradients.

        Inputs:
        - X: (N, d_1, ..., d_k) input data
        - y: (N,) integer labels, or None

        Returns:
        - if y is None: scores (N, C)
        - else (loss, grads): loss a scalar, grads a dict with the keys and shapes of self.params
        """
        ### BEGIN SOLUTION
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        hidden, hidden_cache = affine_relu_forward(X, W1, b1)
        scores, scores_cache = affine_forward(hidden, W2, b2)
        if y is None:
            return scores
        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dhidden, dW2, db2 = affine_backward(dscores, scores_cache)
        _, dW1, db1 = affine_relu_backward(dhidden, hidden_cache)
        grads = {"W1": dW1 + self.reg * W1, "b1": db1, "W2": dW2 + self.reg * W2, "b2": db2}
        return loss, grads
        ### END SOLUTION
