"""The book-style two-layer net: affine - sigmoid - affine - softmax, with numerical and analytic gradients."""
import numpy as np

from utils.gradient_check import eval_numerical_gradient

from .layer_utils import affine_sigmoid_backward, affine_sigmoid_forward
from .layers import affine_backward, affine_forward, softmax_loss

__all__ = ["TwoLayerNet"]


def _labels(t):
    """(N,) integer labels from labels (N,) or one-hot targets (N, C)."""
    return t.argmax(axis=1) if t.ndim == 2 else t


class TwoLayerNet:
    """input (N, input_size) -> affine -> sigmoid -> affine -> softmax probabilities (N, output_size).

    params: W1 (input_size, hidden_size), b1 (hidden_size,), W2 (hidden_size, output_size), b2 (output_size,);
    weights ~ N(0, weight_init_std^2), biases 0. Targets t are one-hot (N, C) or integer labels (N,).
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def predict(self, x):
        """Class probabilities.

        Inputs:
        - x: (N, input_size)

        Returns:
        - y: (N, output_size), each row a softmax distribution (sums to 1)
        """
        # YOUR CODE HERE
        raise NotImplementedError

    def loss(self, x, t):
        """Cross-entropy ``-mean_i log y_i[t_i]`` of the softmax output.

        Inputs:
        - x: (N, input_size)
        - t: (N, output_size) one-hot, or (N,) integer labels

        Returns:
        - loss: scalar
        """
        # YOUR CODE HERE
        raise NotImplementedError

    def accuracy(self, x, t):
        """Fraction of samples whose most probable class is the target class.

        Inputs:
        - x: (N, input_size); t: (N, output_size) one-hot or (N,) labels

        Returns:
        - accuracy: float in [0, 1]
        """
        return float(np.mean(self.predict(x).argmax(axis=1) == _labels(t)))

    def numerical_gradient(self, x, t, h=1e-4):
        """Gradient of loss(x, t) by centred differences: two loss evaluations per parameter entry (slow).

        Returns:
        - grads: dict with the keys and shapes of self.params
        """
        return {name: eval_numerical_gradient(lambda _: self.loss(x, t), param, verbose=False, h=h)
                for name, param in self.params.items()}

    def gradient(self, x, t):
        """Gradient of loss(x, t) by backpropagation.

        Inputs:
        - x: (N, input_size); t: (N, output_size) one-hot or (N,) labels

        Returns:
        - grads: dict with the keys and shapes of self.params
        """
        # YOUR CODE HERE
        raise NotImplementedError

    def _scores(self, x):
        """Forward pass up to the scores (N, output_size), with the two layers' caches."""
        # YOUR CODE HERE
        raise NotImplementedError
