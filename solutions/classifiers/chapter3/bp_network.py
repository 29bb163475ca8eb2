"""A dense network described by an architecture list, with samples in columns (features × samples).

Data are (features, samples): X (n_0, m), Y (1, m). Layer l has W{l} (n_l, n_{l-1}) and b{l} (n_l, 1).
An architecture is a list of dicts ``{"input_dim": n_{l-1}, "output_dim": n_l, "activation": "relu"|"sigmoid"}``.
The cost is binary cross-entropy, so the last layer has one sigmoid unit.
"""
import numpy as np
from tqdm.auto import tqdm

__all__ = [
    "init_layers", "full_forward_propagation", "get_cost_value", "get_accuracy_value",
    "full_backward_propagation", "update", "train",
]

_EPS = 1e-12


def _activation(name):
    """(forward, backward) of an activation: ``A = g(Z)`` and ``dZ = dA * g'(Z)``."""
    ### BEGIN SOLUTION
    if name == "relu":
        return (lambda Z: np.maximum(Z, 0)), (lambda dA, Z: dA * (Z > 0))
    if name == "sigmoid":
        def sigmoid(Z):
            return np.exp(-np.logaddexp(0, -Z))

        return sigmoid, (lambda dA, Z: dA * sigmoid(Z) * (1 - sigmoid(Z)))
    ### END SOLUTION
    raise ValueError(f"unknown activation {name!r}: use 'relu' or 'sigmoid'")


def init_layers(nn_architecture, seed=99):
    """Small random weights and biases, ~ N(0, 0.1^2).

    Inputs:
    - nn_architecture: list of layer dicts
    - seed: seed of the random generator

    Returns:
    - params: dict with W1 (n_1, n_0), b1 (n_1, 1), ..., WL, bL
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = {}
    for idx, layer in enumerate(nn_architecture, start=1):
        params[f"W{idx}"] = 0.1 * rng.standard_normal((layer["output_dim"], layer["input_dim"]))
        params[f"b{idx}"] = 0.1 * rng.standard_normal((layer["output_dim"], 1))
    return params
    ### END SOLUTION


def full_forward_propagation(X, params, nn_architecture):
    """Forward pass through every layer: ``Z{l} = W{l} @ A{l-1} + b{l}``, ``A{l} = g_l(Z{l})``, A0 = X.

    Inputs:
    - X: (n_0, m)
    - params: from init_layers
    - nn_architecture: list of layer dicts

    Returns a tuple of:
    - Y_hat: (n_L, m) output of the last layer
    - memory: dict with A0, ..., A{L-1} and Z1, ..., ZL (what backpropagation needs)
    """
    ### BEGIN SOLUTION
    memory = {"A0": X}
    A = X
    for idx, layer in enumerate(nn_architecture, start=1):
        Z = params[f"W{idx}"] @ A + params[f"b{idx}"]
        A = _activation(layer["activation"])[0](Z)
        memory[f"Z{idx}"] = Z
        if idx < len(nn_architecture):
            memory[f"A{idx}"] = A
    return A, memory
    ### END SOLUTION


def get_cost_value(Y_hat, Y):
    """Binary cross-entropy ``-mean(Y log Y_hat + (1 - Y) log(1 - Y_hat))``, Y_hat clipped away from 0 and 1.

    Inputs:
    - Y_hat: (1, m) predicted probabilities; Y: (1, m) labels in {0, 1}

    Returns:
    - cost: float
    """
    ### BEGIN SOLUTION
    P = np.clip(Y_hat, _EPS, 1 - _EPS)
    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log1p(-P)))
    ### END SOLUTION


def get_accuracy_value(Y_hat, Y):
    """Fraction of samples whose thresholded prediction ``Y_hat > 0.5`` equals the label.

    Inputs:
    - Y_hat: (1, m); Y: (1, m)

    Returns:
    - accuracy: float in [0, 1]
    """
    ### BEGIN SOLUTION
    return float(np.mean((Y_hat > 0.5) == (Y == 1)))
    ### END SOLUTION


def full_backward_propagation(Y_hat, Y, memory, params, nn_architecture):
    """Gradients of get_cost_value by backpropagation through every layer.

    Inputs:
    - Y_hat: (1, m), Y: (1, m), memory from full_forward_propagation, params, nn_architecture

    Returns:
    - grads: dict with dW1 (n_1, n_0), db1 (n_1, 1), ..., dWL, dbL
    """
    ### BEGIN SOLUTION
    m = Y.shape[1]
    P = np.clip(Y_hat, _EPS, 1 - _EPS)
    dA = -(Y / P - (1 - Y) / (1 - P))
    grads = {}
    for idx in range(len(nn_architecture), 0, -1):
        dZ = _activation(nn_architecture[idx - 1]["activation"])[1](dA, memory[f"Z{idx}"])
        grads[f"dW{idx}"] = dZ @ memory[f"A{idx - 1}"].T / m
        grads[f"db{idx}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = params[f"W{idx}"].T @ dZ
    return grads
    ### END SOLUTION


def update(params, grads, nn_architecture, learning_rate):
    """One gradient-descent step on every layer: ``W{l} -= learning_rate * dW{l}`` (and b).

    Returns:
    - params: the updated dict
    """
    ### BEGIN SOLUTION
    for idx in range(1, len(nn_architecture) + 1):
        params[f"W{idx}"] = params[f"W{idx}"] - learning_rate * grads[f"dW{idx}"]
        params[f"b{idx}"] = params[f"b{idx}"] - learning_rate * grads[f"db{idx}"]
    return params
    ### END SOLUTION


def train(X, Y, nn_architecture, epochs, learning_rate, seed=99, verbose=False):
    """Full-batch gradient descent.

    Inputs:
    - X: (n_0, m); Y: (1, m)
    - nn_architecture: list of layer dicts
    - epochs: number of steps; learning_rate: step size
    - seed: passed to init_layers; verbose: show a progress bar

    Returns a tuple of:
    - params: trained parameters
    - cost_history, accuracy_history: lists with one float per epoch
    """
    params = init_layers(nn_architecture, seed)
    cost_history, accuracy_history = [], []
    for _ in tqdm(range(epochs), disable=not verbose, leave=False):
        ### BEGIN SOLUTION
        Y_hat, memory = full_forward_propagation(X, params, nn_architecture)
        cost_history.append(get_cost_value(Y_hat, Y))
        accuracy_history.append(get_accuracy_value(Y_hat, Y))
        grads = full_backward_propagation(Y_hat, Y, memory, params, nn_architecture)
        params = update(params, grads, nn_architecture, learning_rate)
        ### END SOLUTION
    return params, cost_history, accuracy_history
