"""First-order update rules: ``next_w, config = rule(w, dw, config)``.

config is a dict of hyper-parameters and of the state a rule keeps between steps (velocity, moving averages,
step count); a rule fills in missing defaults and returns the config to pass to its next call.
"""
import numpy as np

__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam"]


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: ``w -= learning_rate * dw``.

    config: learning_rate (default 1e-2).

    Inputs:
    - w, dw: arrays of the same shape
    - config: dict or None

    Returns (next_w, config).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    # YOUR CODE HERE
    raise NotImplementedError


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: ``v = momentum * v - learning_rate * dw; w += v``.

    config: learning_rate (1e-2), momentum (0.9), velocity (zeros like w at the first step).

    Returns (next_w, config) with config["velocity"] updated.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    # YOUR CODE HERE
    raise NotImplementedError


def rmsprop(w, dw, config=None):
    """RMSProp: ``cache = decay_rate * cache + (1 - decay_rate) * dw^2; w -= lr * dw / (sqrt(cache) + eps)``.

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache (zeros like w at the first step).

    Returns (next_w, config) with config["cache"] updated.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    # YOUR CODE HERE
    raise NotImplementedError


def adam(w, dw, config=None):
    """Adam with bias correction: ``m, v`` moving averages of dw and dw^2, ``t`` the step count (1 at the first step).

    ``w -= lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - beta1^t)``, ``v_hat = v / (1 - beta2^t)``.
    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), m, v (zeros), t (0).

    Returns (next_w, config) with m, v and t updated.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("t", 0)
    # YOUR CODE HERE
    raise NotImplementedError
