"""Every grade cell of notebook 7 fails on wrong code and passes on correct code written differently."""
import numpy as np
import pytest

from tests.case_helpers import fails, passes, patched, statuses
from utils.checks.engine import CASES

ALL = [grade_id for grade_id, case_ in CASES.items() if case_.probe.__module__.endswith(".architecture_list")]


# ------------------------------------------------------------------ correct, but not written like the reference


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


class BlogStyle:
    """The blog's layout (seed 003): np.random.seed + randn, one-layer helpers, memory keys A{idx}/Z{idx+1} set in
    the loop, the cost with np.dot and np.squeeze, clipping at 1e-7, and the bugs of the original fixed."""

    @staticmethod
    def init_layers(nn_architecture, seed=99):
        np.random.seed(seed)
        params = {}
        for idx, layer in enumerate(nn_architecture):
            params["W" + str(idx + 1)] = np.random.randn(layer["output_dim"], layer["input_dim"]) * 0.1
            params["b" + str(idx + 1)] = np.random.randn(layer["output_dim"], 1) * 0.1
        return params

    @staticmethod
    def single_forward(A_prev, W, b, activation):
        Z = np.dot(W, A_prev) + b
        if activation == "relu":
            return np.maximum(0, Z), Z
        if activation == "sigmoid":
            return sigmoid(Z), Z
        raise ValueError(activation)

    @classmethod
    def full_forward_propagation(cls, X, params, nn_architecture):
        memory, A_curr = {}, X
        for idx, layer in enumerate(nn_architecture):
            A_prev = A_curr
            A_curr, Z_curr = cls.single_forward(A_prev, params["W" + str(idx + 1)], params["b" + str(idx + 1)],
                                                layer["activation"])
            memory["A" + str(idx)] = A_prev
            memory["Z" + str(idx + 1)] = Z_curr
        memory["A" + str(len(nn_architecture))] = A_curr  # an extra key: harmless
        memory["note"] = "not read by anyone"
        return A_curr, memory

    @staticmethod
    def get_cost_value(Y_hat, Y):
        m = Y_hat.shape[1]
        P = np.clip(Y_hat, 1e-7, 1 - 1e-7)
        cost = -1 / m * (np.dot(Y, np.log(P).T) + np.dot(1 - Y, np.log(1 - P).T))
        return np.squeeze(cost)

    @staticmethod
    def get_accuracy_value(Y_hat, Y):
        classes = np.copy(Y_hat)
        classes[classes > 0.5] = 1
        classes[classes <= 0.5] = 0
        return (classes == Y).all(axis=0).mean()

    @staticmethod
    def full_backward_propagation(Y_hat, Y, memory, params, nn_architecture):
        grads, m = {}, Y.shape[1]
        Y = Y.reshape(Y_hat.shape)
        dA_prev = -(np.divide(Y, Y_hat) - np.divide(1 - Y, 1 - Y_hat))
        for idx_prev, layer in reversed(list(enumerate(nn_architecture))):
            idx = idx_prev + 1
            dA_curr, Z, A_prev = dA_prev, memory["Z" + str(idx)], memory["A" + str(idx_prev)]
            if layer["activation"] == "relu":
                dZ = np.array(dA_curr, copy=True)
                dZ[Z <= 0] = 0
            else:
                dZ = dA_curr * sigmoid(Z) * (1 - sigmoid(Z))
            grads["dW" + str(idx)] = np.dot(dZ, A_prev.T) / m
            grads["db" + str(idx)] = np.sum(dZ, axis=1, keepdims=True) / m
            dA_prev = np.dot(params["W" + str(idx)].T, dZ)
        return grads

    @staticmethod
    def update(params, grads, nn_architecture, learning_rate):
        for idx in range(1, len(nn_architecture) + 1):
            params["W" + str(idx)] -= learning_rate * grads["dW" + str(idx)]
            params["b" + str(idx)] -= learning_rate * grads["db" + str(idx)]
        return params


class Shortcut(BlogStyle):
    """default_rng with zero biases, a memory of tuples-free dicts built by comprehension, dZ_L = Y_hat - Y for the
    sigmoid output, einsum, and an accuracy by rounding."""

    @staticmethod
    def init_layers(nn_architecture, seed=99):
        rng = np.random.default_rng(seed)
        params = {}
        for idx, layer in enumerate(nn_architecture, 1):
            params[f"W{idx}"] = rng.normal(0, 0.1, size=(layer["output_dim"], layer["input_dim"]))
            params[f"b{idx}"] = np.zeros((layer["output_dim"], 1))
        return params

    @staticmethod
    def full_forward_propagation(X, params, nn_architecture):
        As, Zs = [X], []
        for idx, layer in enumerate(nn_architecture, 1):
            Zs.append(np.einsum("oi,im->om", params[f"W{idx}"], As[-1]) + params[f"b{idx}"])
            As.append(np.maximum(Zs[-1], 0) if layer["activation"] == "relu" else sigmoid(Zs[-1]))
        memory = {f"A{i}": A for i, A in enumerate(As[:-1])} | {f"Z{i}": Z for i, Z in enumerate(Zs, 1)}
        return As[-1], memory

    @staticmethod
    def get_cost_value(Y_hat, Y):
        P = np.minimum(np.maximum(Y_hat, 1e-15), 1 - 1e-15)
        return float(np.mean(-np.where(Y == 1, np.log(P), np.log(1 - P))))

    @staticmethod
    def get_accuracy_value(Y_hat, Y):
        return float(np.sum(np.round(Y_hat) == Y) / Y.shape[1])

    @staticmethod
    def full_backward_propagation(Y_hat, Y, memory, params, nn_architecture):
        m, L = Y.shape[1], len(nn_architecture)
        grads, dZ = {}, Y_hat - Y  # sigmoid + binary cross-entropy
        for idx in range(L, 0, -1):
            if idx < L:
                dA = np.einsum("oi,om->im", params[f"W{idx + 1}"], dZ)
                Z = memory[f"Z{idx}"]
                if nn_architecture[idx - 1]["activation"] == "relu":
                    dZ = np.where(Z > 0, dA, 0.0)
                else:
                    s = sigmoid(Z)
                    dZ = dA * s * (1 - s)
            grads[f"dW{idx}"] = np.einsum("om,im->oi", dZ, memory[f"A{idx - 1}"]) / m
            grads[f"db{idx}"] = dZ.mean(axis=1, keepdims=True)
        return grads

    @staticmethod
    def update(params, grads, nn_architecture, learning_rate):
        return {name: value - learning_rate * grads["d" + name] for name, value in params.items()}


def module(impl, **overrides):
    """A chapter3 stand-in whose architecture-list functions come from impl, train included."""
    functions = {name: getattr(impl, name) for name in (
        "init_layers", "full_forward_propagation", "get_cost_value", "get_accuracy_value",
        "full_backward_propagation", "update")}
    functions.update(overrides)

    def train(X, Y, nn_architecture, epochs, learning_rate, seed=99, verbose=False):
        params = functions["init_layers"](nn_architecture, seed)
        cost_history, accuracy_history = [], []
        for _ in range(epochs):
            Y_hat, memory = functions["full_forward_propagation"](X, params, nn_architecture)
            cost_history.append(functions["get_cost_value"](Y_hat, Y))
            accuracy_history.append(functions["get_accuracy_value"](Y_hat, Y))
            grads = functions["full_backward_propagation"](Y_hat, Y, memory, params, nn_architecture)
            params = functions["update"](params, grads, nn_architecture, learning_rate)
        return params, cost_history, accuracy_history

    return patched(**{"train": train, **functions})


@pytest.mark.parametrize("grade_id", ALL)
@pytest.mark.parametrize("impl", [BlogStyle, Shortcut])
def test_correct_alternatives_pass(impl, grade_id):
    assert passes(grade_id, module(impl))


def test_the_table_is_complete():
    assert len(ALL) == 13


# ------------------------------------------------------------------ wrong


def init_transposed(nn_architecture, seed=99):
    params = BlogStyle.init_layers(nn_architecture, seed)
    return {name: value.T if name.startswith("W") else value for name, value in params.items()}


def init_flat_bias(nn_architecture, seed=99):
    params = BlogStyle.init_layers(nn_architecture, seed)
    return {name: value.ravel() if name.startswith("b") else value for name, value in params.items()}


def init_zeros(nn_architecture, seed=99):
    return {name: np.zeros_like(value) for name, value in BlogStyle.init_layers(nn_architecture, seed).items()}


def init_unseeded(nn_architecture, seed=99):
    rng = np.random.default_rng()  # seed ignored
    return {name: 0.1 * rng.standard_normal(value.shape)
            for name, value in BlogStyle.init_layers(nn_architecture, seed).items()}


def init_unit_scale(nn_architecture, seed=99):
    return {name: 10 * value for name, value in BlogStyle.init_layers(nn_architecture, seed).items()}


def forward_relu_everywhere(X, params, nn_architecture):
    return BlogStyle.full_forward_propagation(X, params, [{**layer, "activation": "relu"} if i < len(
        nn_architecture) - 1 else layer for i, layer in enumerate(nn_architecture)])


def forward_shifted_memory(X, params, nn_architecture):
    """Stores each layer's output under its own index (A1 = output of layer 1), so A0 is missing."""
    Y_hat, memory = BlogStyle.full_forward_propagation(X, params, nn_architecture)
    A = X
    for idx, layer in enumerate(nn_architecture, 1):
        A = BlogStyle.single_forward(A, params[f"W{idx}"], params[f"b{idx}"], layer["activation"])[0]
        memory[f"A{idx}"] = A
    del memory["A0"]
    return Y_hat, memory


def forward_memory_z_is_a(X, params, nn_architecture):
    Y_hat, memory = BlogStyle.full_forward_propagation(X, params, nn_architecture)
    A = X
    for idx, layer in enumerate(nn_architecture, 1):
        A = BlogStyle.single_forward(A, params[f"W{idx}"], params[f"b{idx}"], layer["activation"])[0]
        memory[f"Z{idx}"] = A
    return Y_hat, memory


def cost_sum(Y_hat, Y):
    return BlogStyle.get_cost_value(Y_hat, Y) * Y.shape[1]


def cost_unclipped(Y_hat, Y):
    return float(-np.mean(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)))


def cost_huge_eps(Y_hat, Y):
    P = np.clip(Y_hat, 0.05, 0.95)
    return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))


def accuracy_no_threshold(Y_hat, Y):
    return float(np.mean(Y_hat == Y))


def backward_times_m(Y_hat, Y, memory, params, nn_architecture):
    grads = BlogStyle.full_backward_propagation(Y_hat, Y, memory, params, nn_architecture)
    return {name: value * Y.shape[1] for name, value in grads.items()}


def backward_db_scalar(Y_hat, Y, memory, params, nn_architecture):
    grads = BlogStyle.full_backward_propagation(Y_hat, Y, memory, params, nn_architecture)
    return {name: value.mean() if name.startswith("db") else value for name, value in grads.items()}


def backward_sigmoid_no_one_minus(Y_hat, Y, memory, params, nn_architecture):
    grads, m, dA = {}, Y.shape[1], -(Y / Y_hat - (1 - Y) / (1 - Y_hat))
    for idx in range(len(nn_architecture), 0, -1):
        Z = memory[f"Z{idx}"]
        dZ = dA * (Z > 0) if nn_architecture[idx - 1]["activation"] == "relu" else dA * sigmoid(Z)
        grads[f"dW{idx}"] = dZ @ memory[f"A{idx - 1}"].T / m
        grads[f"db{idx}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = params[f"W{idx}"].T @ dZ
    return grads


def update_off_by_one(params, grads, nn_architecture, learning_rate):  # seed 003's loop, counting from 0
    for idx, _ in enumerate(nn_architecture):
        params["W" + str(idx)] -= learning_rate * grads["dW" + str(idx)]
        params["b" + str(idx)] -= learning_rate * grads["db" + str(idx)]
    return params


def update_ascent(params, grads, nn_architecture, learning_rate):
    return BlogStyle.update(params, grads, nn_architecture, -learning_rate)


def update_nothing(params, grads, nn_architecture, learning_rate):
    return params


@pytest.mark.parametrize("grade_id, name, wrong", [
    ("init_layers_shapes", "init_layers", init_transposed),
    ("init_layers_shapes", "init_layers", init_flat_bias),
    ("init_layers_shapes", "init_layers", init_zeros),  # right shapes, but not an init: no point for the shapes
    ("init_layers_random", "init_layers", init_zeros),
    ("init_layers_random", "init_layers", init_unseeded),
    ("init_layers_random", "init_layers", init_unit_scale),
    ("full_forward_propagation_output", "full_forward_propagation", forward_relu_everywhere),
    ("full_forward_propagation_memory", "full_forward_propagation", forward_shifted_memory),
    ("full_forward_propagation_memory", "full_forward_propagation", forward_memory_z_is_a),
    ("get_cost_value_value", "get_cost_value", cost_sum),
    ("get_cost_value_extreme", "get_cost_value", cost_unclipped),
    ("get_cost_value_extreme", "get_cost_value", cost_huge_eps),
    ("get_accuracy_value_value", "get_accuracy_value", accuracy_no_threshold),
    ("full_backward_propagation_dW", "full_backward_propagation", backward_times_m),
    ("full_backward_propagation_db", "full_backward_propagation", backward_db_scalar),
    ("full_backward_propagation_sigmoid", "full_backward_propagation", backward_sigmoid_no_one_minus),
    ("update_step", "update", update_off_by_one),
    ("update_step", "update", update_ascent),
    ("train_accuracy", "update", update_nothing),
    ("train_history", "update", update_nothing),
])
def test_wrong_code_fails(grade_id, name, wrong):
    assert fails(grade_id, module(BlogStyle, **{name: wrong}))


def test_history_recorded_every_100_epochs_fails():
    mod = module(BlogStyle)
    full_train = mod.train

    def train(X, Y, nn_architecture, epochs, learning_rate, seed=99, verbose=False):
        params, cost, accuracy = full_train(X, Y, nn_architecture, epochs, learning_rate, seed)
        return params, cost[::100], accuracy[::100]

    mod.train = train
    assert fails("train_history", mod)
    assert passes("train_accuracy", mod)


def test_stub_is_not_attempted():
    def stub(*args, **kwargs):
        raise NotImplementedError

    stubs = {name: stub for name in ("init_layers", "full_forward_propagation", "get_cost_value",
                                     "get_accuracy_value", "full_backward_propagation", "update", "train")}
    for grade_id in ALL:
        assert set(statuses(grade_id, patched(**stubs))) == {"not attempted"}


@pytest.mark.parametrize("grade_id", [g for g in ALL if g.startswith(("full_", "update_"))])
def test_the_drawn_problems_are_well_posed(grade_id):
    """The probes no longer redraw their inputs (that took a forward pass, the exercise itself); on the seeds that
    count, the drawn problems still have no saturated output and no hidden layer dead for every sample."""
    from grading.reference import hidden_seeds, reference_module
    from utils.checks.cases import architecture_list as cases
    from utils.checks.engine import visible_seed

    ref = reference_module()
    for seed in [visible_seed(grade_id), *hidden_seeds(grade_id)]:
        for arch in (cases.MIXED, cases.RELU, cases.SIGMOID):
            X, _, params = cases._problem(np.random.default_rng(seed), arch)
            Y_hat, memory = ref.full_forward_propagation(X, params, arch)
            assert np.all((1e-6 < Y_hat) & (Y_hat < 1 - 1e-6)), (seed, arch)
            for idx, layer in enumerate(arch[:-1], start=1):
                assert layer["activation"] != "relu" or np.any(memory[f"Z{idx}"] > 0), (seed, idx)
