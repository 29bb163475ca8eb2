"""TwoLayerNet (seeds 000/002): affine - sigmoid - affine - softmax, with numerical and analytic gradients."""
import numpy as np
import pytest

from classifiers.chapter3 import TwoLayerNet
from tests.gradcheck_helpers import NET_TOL, assert_rel, check_grads


def _net(seed=0, input_size=6, hidden_size=5, output_size=4, weight_init_std=0.01):
    np.random.seed(seed)
    return TwoLayerNet(input_size, hidden_size, output_size, weight_init_std=weight_init_std)


def _problem(seed=1, N=7, D=6, C=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D))
    labels = rng.integers(C, size=N)
    return x, labels, np.eye(C)[labels]


def _probs_by_hand(params, x):
    hidden = 1 / (1 + np.exp(-(x @ params["W1"] + params["b1"])))
    scores = hidden @ params["W2"] + params["b2"]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_init_shapes_scale_and_zero_biases():
    net = _net(input_size=300, hidden_size=200, output_size=10, weight_init_std=0.05)
    p = net.params
    assert {k: v.shape for k, v in p.items()} == {"W1": (300, 200), "b1": (200,), "W2": (200, 10), "b2": (10,)}
    assert abs(p["W1"].std() - 0.05) < 0.05 * 0.01
    np.testing.assert_array_equal(p["b1"], 0)
    np.testing.assert_array_equal(p["b2"], 0)
    assert abs(_net(input_size=300, hidden_size=200).params["W1"].std() - 0.01) < 0.01 * 0.01  # default std


def test_predict_is_softmax_of_sigmoid_net():
    net = _net(weight_init_std=1.0)
    x, _, _ = _problem()
    y = net.predict(x)
    assert y.shape == (7, 4)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    assert np.all(y > 0)
    assert_rel("predict", y, _probs_by_hand(net.params, x), 1e-12)


def test_loss_one_hot_equals_labels_and_matches_formula():
    net = _net(weight_init_std=1.0)
    x, labels, onehot = _problem()
    loss_labels, loss_onehot = net.loss(x, labels), net.loss(x, onehot)
    assert loss_labels == pytest.approx(loss_onehot, rel=1e-15)
    by_hand = -np.mean(np.log(_probs_by_hand(net.params, x)[np.arange(7), labels]))
    assert loss_labels == pytest.approx(by_hand, rel=1e-12)


def test_accuracy_on_hand_made_predictions():
    net = _net(input_size=2, hidden_size=3, output_size=3)
    # W2 / b2 chosen so the class is decided by b2 alone: zero W2 and b2 favouring class 2
    net.params["W2"][:] = 0
    net.params["b2"] = np.array([0.0, 1.0, 2.0])
    x = np.zeros((4, 2))
    labels = np.array([2, 2, 0, 1])
    assert net.accuracy(x, labels) == pytest.approx(0.5)
    assert net.accuracy(x, np.eye(3)[labels]) == pytest.approx(0.5)
    assert isinstance(net.accuracy(x, labels), float)


@pytest.mark.parametrize("targets", ["labels", "one-hot"])
def test_gradient_vs_numerical(targets):
    # std 1.0 instead of the default 0.01: with tiny weights the W1 gradients are ~1e-4 and round-off dominates
    net = _net(weight_init_std=1.0)
    net.params["b1"] = 0.1 * np.random.randn(5)
    net.params["b2"] = 0.1 * np.random.randn(4)
    x, labels, onehot = _problem()
    t = labels if targets == "labels" else onehot
    grads = net.gradient(x, t)
    check_grads(lambda: net.loss(x, t), net.params, grads, NET_TOL)


def test_numerical_gradient_method_agrees_with_backprop():
    net = _net(weight_init_std=1.0)
    x, _, onehot = _problem()
    before = {k: v.copy() for k, v in net.params.items()}
    numeric = net.numerical_gradient(x, onehot)
    analytic = net.gradient(x, onehot)
    assert set(numeric) == set(analytic) == {"W1", "b1", "W2", "b2"}
    for k in numeric:
        assert_rel(f"d{k}", numeric[k], analytic[k], NET_TOL)
        np.testing.assert_array_equal(net.params[k], before[k])  # probing restores the parameters


def test_gradient_descent_reduces_loss():
    net = _net(weight_init_std=0.5)
    x, labels, _ = _problem(N=20)
    start = net.loss(x, labels)
    for _ in range(300):
        for k, g in net.gradient(x, labels).items():
            net.params[k] -= 1.0 * g
    assert net.loss(x, labels) < 0.5 * start
