"""ShallowLayerNet, FullyConnectedNet and Classifier.train: DESIGN numbers, numerical gradients, init, training."""
import math

import numpy as np
import pytest
from sklearn.datasets import load_digits

from classifiers.chapter3 import Classifier, FullyConnectedNet, ShallowLayerNet
from tests.gradcheck_helpers import NET_TOL, assert_away_from_zero, assert_rel, check_grads


def _forward_by_hand(params, X, num_layers):
    """Pre-activations of every hidden layer and the scores, computed here with plain NumPy."""
    out, pre = X.reshape(X.shape[0], -1), []
    for i in range(1, num_layers):
        z = out @ params[f"W{i}"] + params[f"b{i}"]
        pre.append(z)
        out = np.maximum(z, 0)
    return pre, out @ params[f"W{num_layers}"] + params[f"b{num_layers}"]


def _softmax_loss_by_hand(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(y)), y].mean()


def _l2(params):
    return sum(np.sum(v * v) for k, v in params.items() if k.startswith("W"))


# ---------------------------------------------------------------------------------------------------- ShallowLayerNet


def _design_shallow_net():
    N, D, H, C = 3, 5, 50, 7
    net = ShallowLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    net.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    net.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    net.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    net.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return net, X, np.array([0, 5, 1])


def test_shallow_net_design_scores():
    net, X, _ = _design_shallow_net()
    scores = net.loss(X)
    assert scores.shape == (3, 7)
    expected = np.array([11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096])
    assert_rel("scores[0]", scores[0], expected, 1e-8)  # printed to 8 decimals
    assert_rel("scores", scores, _forward_by_hand(net.params, X, 2)[1], 1e-12)


@pytest.mark.parametrize(("reg", "expected"), [(0.0, 3.4702243556), (1.0, 26.5948426952)])
def test_shallow_net_design_loss(reg, expected):
    net, X, y = _design_shallow_net()
    net.reg = reg
    loss, grads = net.loss(X, y)
    assert abs(loss - expected) < 1e-10, f"loss {loss:.12f}, expected {expected}"
    assert set(grads) == {"W1", "b1", "W2", "b2"}


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_shallow_net_loss_matches_formula(reg):
    np.random.seed(10)
    net = ShallowLayerNet(input_dim=6, hidden_dim=9, num_classes=4, weight_scale=0.5, reg=reg)
    X, y = np.random.randn(7, 2, 3), np.random.randint(4, size=7)
    loss, _ = net.loss(X, y)
    scores = _forward_by_hand(net.params, X, 2)[1]
    assert abs(loss - (_softmax_loss_by_hand(scores, y) + 0.5 * reg * _l2(net.params))) < 1e-12


@pytest.mark.parametrize("reg", [0.0, 0.1, 3.14])
def test_shallow_net_gradients_numerical(reg):
    np.random.seed(0)
    N, D, H, C = 5, 6, 8, 4
    # weight_scale 0.5: O(1) gradients, so the relative error is not dominated by round-off of tiny entries
    net = ShallowLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=0.5, reg=reg)
    net.params["b1"] = 0.1 * np.random.randn(H)
    net.params["b2"] = 0.1 * np.random.randn(C)
    X, y = np.random.randn(N, D), np.random.randint(C, size=N)
    assert_away_from_zero("hidden pre-activation", _forward_by_hand(net.params, X, 2)[0][0])  # no kink in reach
    _, grads = net.loss(X, y)
    check_grads(lambda: net.loss(X, y)[0], net.params, grads, NET_TOL, prefix=f"reg={reg}: ")


def test_shallow_net_biases_not_regularised():
    np.random.seed(1)
    net = ShallowLayerNet(input_dim=4, hidden_dim=5, num_classes=3, weight_scale=0.5)
    X, y = np.random.randn(6, 4), np.random.randint(3, size=6)
    _, g0 = net.loss(X, y)
    net.reg = 2.0
    _, g2 = net.loss(X, y)
    for b in ("b1", "b2"):
        np.testing.assert_allclose(g2[b], g0[b], rtol=1e-14, atol=1e-15)
    for w in ("W1", "W2"):
        np.testing.assert_allclose(g2[w], g0[w] + 2.0 * net.params[w], rtol=1e-12, atol=1e-14)


def test_shallow_net_init_shapes_and_scale():
    np.random.seed(2)
    net = ShallowLayerNet(input_dim=400, hidden_dim=300, num_classes=10, weight_scale=0.05)
    p = net.params
    assert set(p) == {"W1", "b1", "W2", "b2"}
    assert (p["W1"].shape, p["b1"].shape, p["W2"].shape, p["b2"].shape) == ((400, 300), (300,), (300, 10), (10,))
    assert abs(p["W1"].std() - 0.05) < 0.05 * 0.01  # 120000 draws: the sample std is within 1 %
    assert abs(p["W1"].mean()) < 0.05 * 0.02
    assert abs(p["W2"].std() - 0.05) < 0.05 * 0.05
    np.testing.assert_array_equal(p["b1"], 0)
    np.testing.assert_array_equal(p["b2"], 0)
    assert net.reg == 0.0


def test_shallow_net_defaults():
    np.random.seed(3)
    net = ShallowLayerNet()
    assert net.params["W1"].shape == (3 * 32 * 32, 100)
    assert net.params["W2"].shape == (100, 10)
    assert abs(net.params["W1"].std() - 1e-3) < 1e-5
    assert net.reg == 0.0


def test_shallow_net_scores_and_predict():
    np.random.seed(4)
    net = ShallowLayerNet(input_dim=12, hidden_dim=7, num_classes=5, weight_scale=0.3)
    X = np.random.randn(9, 3, 4)  # (N, d1, d2) is flattened
    scores = net.loss(X)
    assert scores.shape == (9, 5)
    assert_rel("scores", scores, _forward_by_hand(net.params, X, 2)[1], 1e-12)
    pred = net.predict(X)
    assert pred.shape == (9,)
    assert np.issubdtype(pred.dtype, np.integer)
    np.testing.assert_array_equal(pred, scores.argmax(axis=1))


# ---------------------------------------------------------------------------------------------------- FullyConnectedNet


def _kink_free_fc_problem(hidden_dims, reg, N=5, C=4):
    """A net with random biases and data none of whose ReLU pre-activations lies within 1e-3 of the kink.

    Seeds are tried in order, so the problem is the same on every run.
    """
    for seed in range(100):
        rng = np.random.default_rng(seed)
        X, y = rng.standard_normal((N, 2, 3)), rng.integers(C, size=N)
        # weight_scale 0.5: O(1) gradients, so the relative error is not dominated by round-off of tiny entries
        net = FullyConnectedNet(input_dim=6, hidden_dims=hidden_dims, num_classes=C, reg=reg, weight_scale=0.5,
                                seed=seed)
        for i in range(1, len(hidden_dims) + 2):
            net.params[f"b{i}"] = 0.1 * rng.standard_normal(net.params[f"b{i}"].shape)
        pre, _ = _forward_by_hand(net.params, X, len(hidden_dims) + 1)
        if all(np.min(np.abs(z)) > 1e-3 for z in pre):
            return net, X, y
    raise AssertionError("no kink-free problem among 100 seeds")


@pytest.mark.parametrize("hidden_dims", [(8,), (8, 7), (8, 7, 6)])
@pytest.mark.parametrize("reg", [0.1, 3.14])
def test_fc_net_gradients_numerical(hidden_dims, reg):
    net, X, y = _kink_free_fc_problem(hidden_dims, reg)  # centred differences across a ReLU kink are wrong
    L = len(hidden_dims) + 1
    pre, scores = _forward_by_hand(net.params, X, L)
    for i, z in enumerate(pre, start=1):
        assert_away_from_zero(f"pre-activation of hidden layer {i}", z)
    loss, grads = net.loss(X, y)
    assert abs(loss - (_softmax_loss_by_hand(scores, y) + 0.5 * reg * _l2(net.params))) < 1e-12
    check_grads(lambda: net.loss(X, y)[0], net.params, grads, NET_TOL, prefix=f"{hidden_dims} reg={reg}: ")


def test_fc_net_params_keys_shapes_and_scale():
    net = FullyConnectedNet(input_dim=300, hidden_dims=(200, 100, 50), num_classes=10, weight_scale=0.1, seed=0)
    shapes = {"W1": (300, 200), "b1": (200,), "W2": (200, 100), "b2": (100,),
              "W3": (100, 50), "b3": (50,), "W4": (50, 10), "b4": (10,)}
    assert {k: v.shape for k, v in net.params.items()} == shapes
    assert abs(net.params["W1"].std() - 0.1) < 0.1 * 0.01
    for i in range(1, 5):
        np.testing.assert_array_equal(net.params[f"b{i}"], 0)
        assert net.params[f"W{i}"].dtype == np.float64
    assert net.reg == 0.0


def test_fc_net_defaults():
    net = FullyConnectedNet(seed=0)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (3072, 100), "b1": (100,), "W2": (100, 10), "b2": (10,)}
    assert abs(net.params["W1"].std() - 1e-2) < 1e-4


def test_fc_net_seed_reproducible():
    a = FullyConnectedNet(input_dim=10, hidden_dims=(6, 5), num_classes=3, seed=42)
    b = FullyConnectedNet(input_dim=10, hidden_dims=(6, 5), num_classes=3, seed=42)
    c = FullyConnectedNet(input_dim=10, hidden_dims=(6, 5), num_classes=3, seed=43)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_fc_net_scores_and_predict():
    net = FullyConnectedNet(input_dim=12, hidden_dims=(9, 8), num_classes=5, weight_scale=0.4, seed=1)
    X = np.random.default_rng(2).standard_normal((7, 3, 4))
    scores = net.loss(X)
    assert scores.shape == (7, 5)
    assert_rel("scores", scores, _forward_by_hand(net.params, X, 3)[1], 1e-12)
    pred = net.predict(X)
    assert pred.shape == (7,)
    np.testing.assert_array_equal(pred, scores.argmax(axis=1))


def test_fc_net_float32():
    kwargs = {"input_dim": 12, "hidden_dims": (10, 8), "num_classes": 5, "reg": 0.3, "weight_scale": 0.3, "seed": 5}
    net32 = FullyConnectedNet(dtype=np.float32, **kwargs)
    net64 = FullyConnectedNet(dtype=np.float64, **kwargs)
    for k, v in net32.params.items():
        assert v.dtype == np.float32, f"{k} dtype {v.dtype}"
        net64.params[k] = v.astype(np.float64)  # same weights, so only the precision differs
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((8, 12)), rng.integers(5, size=8)  # float64 input is cast to the net's dtype
    X64 = X.astype(np.float32).astype(np.float64)
    scores32 = net32.loss(X)
    assert scores32.dtype == np.float32, f"scores dtype {scores32.dtype}"
    loss32, grads32 = net32.loss(X, y)
    loss64, grads64 = net64.loss(X64, y)
    assert np.asarray(loss32).dtype == np.float32, f"loss dtype {np.asarray(loss32).dtype}"
    assert abs(float(loss32) - loss64) <= 1e-5 * loss64
    for k, g in grads32.items():
        assert g.dtype == np.float32, f"d{k} dtype {g.dtype}"
        assert np.max(np.abs(g - grads64[k])) <= 1e-5 * np.max(np.abs(grads64[k])), k


# ---------------------------------------------------------------------------------------------------- Classifier.train


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    perm = np.random.default_rng(0).permutation(len(y))
    X, y = X[perm], y[perm]
    return X[:1200], y[:1200], X[1200:], y[1200:]


@pytest.mark.parametrize("make_net", [
    lambda: (np.random.seed(0), ShallowLayerNet(64, 50, 10, weight_scale=0.01))[1],
    lambda: FullyConnectedNet(64, (50, 30), 10, weight_scale=0.05, seed=0),
], ids=["ShallowLayerNet", "FullyConnectedNet"])
def test_train_on_digits_learns(digits, make_net):
    X, y, X_val, y_val = digits
    net = make_net()
    before = np.mean(net.predict(X_val) == y_val)
    hist = net.train(X, y, X_val, y_val, learning_rate=0.5, num_iters=300, batch_size=100, seed=0)
    assert set(hist) == {"loss_history", "train_acc_history", "val_acc_history", "best_val_acc"}
    assert len(hist["loss_history"]) == 300
    assert len(hist["train_acc_history"]) == len(hist["val_acc_history"]) == 300 // (1200 // 100)  # one per epoch
    assert hist["best_val_acc"] == max(hist["val_acc_history"])
    after = np.mean(net.predict(X_val) == y_val)
    assert before < 0.3 and after > 0.85, f"validation accuracy {before} -> {after}"
    assert hist["val_acc_history"][-1] == pytest.approx(after)
    assert np.mean(hist["loss_history"][-20:]) < 0.5 * np.mean(hist["loss_history"][:20])
    assert hist["loss_history"][0] == pytest.approx(math.log(10), abs=0.05)  # small weights: chance-level loss


def test_train_seed_reproducible(digits):
    X, y, X_val, y_val = digits
    runs = []
    for _ in range(2):
        net = FullyConnectedNet(64, (20,), 10, weight_scale=0.05, seed=1)
        runs.append(net.train(X, y, X_val, y_val, learning_rate=0.5, num_iters=30, batch_size=50, seed=3))
    assert runs[0]["loss_history"] == runs[1]["loss_history"]


def test_train_reg_argument_replaces_self_reg(digits):
    X, y, X_val, y_val = digits
    net = FullyConnectedNet(64, (10,), 10, reg=0.25, seed=0)
    net.train(X, y, X_val, y_val, num_iters=1, batch_size=10)
    assert net.reg == 0.25, "reg=None keeps self.reg"
    net.train(X, y, X_val, y_val, reg=0.75, num_iters=1, batch_size=10)
    assert net.reg == 0.75


class _ConstantGradient(Classifier):
    """A one-parameter model whose gradient is always 1: each SGD step moves w by exactly -learning_rate."""

    def __init__(self):
        self.params = {"w": np.zeros(1)}
        self.reg = 0.0

    def loss(self, X, y=None):
        if y is None:
            return np.zeros((X.shape[0], 2))
        return 1.0, {"w": np.ones(1)}


def test_train_sgd_steps_and_learning_rate_decay_per_epoch():
    X, y = np.zeros((10, 3)), np.zeros(10, dtype=int)
    model = _ConstantGradient()
    hist = model.train(X, y, X, y, learning_rate=1.0, learning_rate_decay=0.5, num_iters=6, batch_size=5)
    # 2 iterations per epoch: learning rates 1, 1, 0.5, 0.5, 0.25, 0.25
    assert model.params["w"][0] == pytest.approx(-3.5, abs=1e-15)
    assert hist["loss_history"] == [1.0] * 6
    assert len(hist["val_acc_history"]) == 3
    assert hist["val_acc_history"] == [1.0] * 3 and hist["best_val_acc"] == 1.0


def test_train_batch_larger_than_data_gives_one_iteration_per_epoch():
    X, y = np.zeros((4, 3)), np.zeros(4, dtype=int)
    model = _ConstantGradient()
    hist = model.train(X, y, X, y, learning_rate=1.0, learning_rate_decay=0.5, num_iters=3, batch_size=10)
    assert model.params["w"][0] == pytest.approx(-1.75, abs=1e-15)
    assert len(hist["train_acc_history"]) == 3
