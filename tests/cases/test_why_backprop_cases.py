"""Every grade cell of notebook 6 fails on wrong code and passes on correct code written differently."""
import numpy as np
import pytest

from tests.case_helpers import fails, passes, patched, statuses
from utils.checks.engine import CASES

ALL = [grade_id for grade_id, case_ in CASES.items() if case_.probe.__module__.endswith(".why_backprop")]


# ------------------------------------------------------------------ correct, but not written like the reference


class BookNet:
    """The textbook's way: softmax through transposes, cross_entropy_error with 1e-7 in the log, labels made
    one-hot inside gradient, no shared forward helper."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": weight_init_std * np.random.randn(input_size, hidden_size), "b1": np.zeros(hidden_size),
                       "W2": weight_init_std * np.random.randn(hidden_size, output_size),
                       "b2": np.zeros(output_size)}

    @staticmethod
    def _softmax(a):
        a = a.T - np.max(a.T, axis=0)
        return (np.exp(a) / np.sum(np.exp(a), axis=0)).T

    def _onehot(self, t):
        return t if t.ndim == 2 else np.eye(self.params["W2"].shape[1])[t]

    def predict(self, x):
        z1 = 1 / (1 + np.exp(-(np.dot(x, self.params["W1"]) + self.params["b1"])))
        return self._softmax(np.dot(z1, self.params["W2"]) + self.params["b2"])

    def loss(self, x, t):
        y, t = self.predict(x), self._onehot(t)
        return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]

    def accuracy(self, x, t):
        return float(np.mean(self.predict(x).argmax(axis=1) == self._onehot(t).argmax(axis=1)))

    def gradient(self, x, t):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        a1 = np.dot(x, W1) + b1
        z1 = 1 / (1 + np.exp(-a1))
        y = self._softmax(np.dot(z1, W2) + b2)
        dy = (y - self._onehot(t)) / x.shape[0]
        da1 = np.dot(dy, W2.T) * (1.0 - z1) * z1
        return {"W2": np.dot(z1.T, dy), "b2": np.sum(dy, axis=0), "W1": np.dot(x.T, da1), "b1": np.sum(da1, axis=0)}


class EinsumNet(BookNet):
    """einsum, log-sum-exp loss on integer labels, gradient by an explicit index subtraction."""

    def _forward(self, x):
        z1 = np.exp(-np.logaddexp(0, -(np.einsum("nd,dh->nh", x, self.params["W1"]) + self.params["b1"])))
        return z1, np.einsum("nh,hc->nc", z1, self.params["W2"]) + self.params["b2"]

    def predict(self, x):
        s = self._forward(x)[1]
        return np.exp(s - np.logaddexp.reduce(s, axis=1, keepdims=True))

    def loss(self, x, t):
        s = self._forward(x)[1]
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        return float(np.mean(np.logaddexp.reduce(s, axis=1) - s[np.arange(len(s)), labels]))

    def gradient(self, x, t):
        z1, s = self._forward(x)
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        ds = np.exp(s - np.logaddexp.reduce(s, axis=1, keepdims=True))
        ds[np.arange(len(s)), labels] -= 1
        ds /= len(s)
        da1 = np.einsum("nc,hc->nh", ds, self.params["W2"]) * z1 * (1 - z1)
        return {"W1": np.einsum("nd,nh->dh", x, da1), "b1": da1.sum(0), "W2": np.einsum("nh,nc->hc", z1, ds),
                "b2": ds.sum(0)}


@pytest.mark.parametrize("grade_id", ALL)
@pytest.mark.parametrize("net", [BookNet, EinsumNet])
def test_correct_alternatives_pass(net, grade_id):
    assert passes(grade_id, patched(TwoLayerNet=net))


def test_the_table_is_complete():
    assert len(ALL) == 9


# ------------------------------------------------------------------ wrong


class ReluHidden(BookNet):
    def predict(self, x):
        z1 = np.maximum(0, x @ self.params["W1"] + self.params["b1"])
        return self._softmax(z1 @ self.params["W2"] + self.params["b2"])


class NaiveSoftmax(BookNet):
    @staticmethod
    def _softmax(a):
        return np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)


class BinaryCrossEntropy(BookNet):  # seed 000's loss: one binary cross-entropy per class on softmax outputs
    def loss(self, x, t):
        y, t = self.predict(x), self._onehot(t)
        return np.sum(-t * np.log(y) - (1 - t) * np.log(1 - y)) / y.shape[0]


class OneHotOnly(BookNet):  # uses t as if it always were one-hot rows
    def _onehot(self, t):
        return t


def _grad_variant(change):
    class Variant(BookNet):
        def gradient(self, x, t):
            W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
            a1 = x @ W1 + b1
            z1 = 1 / (1 + np.exp(-a1))
            y = self._softmax(z1 @ W2 + b2)
            dy = (y - self._onehot(t)) / len(x)
            da1 = dy @ W2.T * z1 * (1 - z1)
            grads = {"W2": z1.T @ dy, "b2": dy.sum(0), "W1": x.T @ da1, "b1": da1.sum(0)}
            change(grads, locals())
            return grads

    return Variant


WRONG_GRADIENTS = {
    "TwoLayerNet_gradient_W2": lambda g, v: g.update(W2=v["a1"].T @ v["dy"]),  # pre-activation instead of z1
    "TwoLayerNet_gradient_b2": lambda g, v: g.update(b2=v["dy"].mean(0)),
    "TwoLayerNet_gradient_W1": lambda g, v: g.update(W1=v["x"].T @ (v["dy"] @ v["W2"].T * v["z1"])),  # no (1 - z1)
    "TwoLayerNet_gradient_b1": lambda g, v: g.update(b1=v["da1"].sum(1)),  # summed over the wrong axis
}


@pytest.mark.parametrize("grade_id, wrong", [
    ("TwoLayerNet_predict_value", ReluHidden),
    ("TwoLayerNet_predict_large_scores", NaiveSoftmax),
    ("TwoLayerNet_loss_onehot", BinaryCrossEntropy),
    ("TwoLayerNet_loss_labels", OneHotOnly),
    ("TwoLayerNet_gradient_labels", OneHotOnly),
    *((grade_id, _grad_variant(change)) for grade_id, change in WRONG_GRADIENTS.items()),
])
def test_wrong_code_fails(grade_id, wrong):
    assert fails(grade_id, patched(TwoLayerNet=wrong))


@pytest.mark.parametrize("grade_id", [g for g in ALL if "gradient" in g])
def test_gradient_without_dividing_by_n_fails(grade_id):
    def times_n(grads, v):
        for name in grads:
            grads[name] = grads[name] * len(v["x"])

    assert fails(grade_id, patched(TwoLayerNet=_grad_variant(times_n)))


def test_stub_is_not_attempted():
    class Stub(BookNet):
        def predict(self, *args):
            raise NotImplementedError

        loss = gradient = predict

    for grade_id in ALL:
        assert set(statuses(grade_id, patched(TwoLayerNet=Stub))) == {"not attempted"}
