"""Every grade cell of notebook 4 fails on wrong code and passes on correct code written differently."""
import numpy as np
import pytest

from grading.reference import reference_module
from tests.case_helpers import fails, passes, patched, statuses
from utils.checks import set_language
from utils.checks.engine import CASES, compare, run_probe, visible_seed

ALL = [grade_id for grade_id, case_ in CASES.items() if case_.probe.__module__.endswith(".shallow_net")]
REF = reference_module()


# ----------------------------------------------------------------------------------------- ShallowLayerNet.loss


def shallow_net(**bugs):
    """A ShallowLayerNet whose loss is plain NumPy (no layer functions, einsum, explicit masks); ``bugs`` switch on
    one mistake each."""

    class Net(REF.ShallowLayerNet):
        def loss(self, X, y=None):
            W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
            x = X if bugs.get("no_flatten") else X.reshape(len(X), -1)
            pre = np.einsum("nd,dh->nh", x, W1) + b1
            active = pre > 0
            hidden = pre if bugs.get("no_relu") else np.where(active, pre, 0.0)
            scores = hidden @ W2 + (0 if bugs.get("no_b2") else b2)
            if bugs.get("softmax_scores"):
                scores = np.exp(scores - scores.max(1, keepdims=True))
                scores /= scores.sum(1, keepdims=True)
            if y is None:
                return scores
            N = len(X)
            log_probs = scores - scores.max(1, keepdims=True)
            log_probs -= np.log(np.exp(log_probs).sum(1, keepdims=True))
            data_loss = -log_probs[np.arange(N), y].sum() / (1 if bugs.get("sum_loss") else N)
            penalty = np.sum(W1**2) + np.sum(W2**2) + (np.sum(b1**2) + np.sum(b2**2) if bugs.get("reg_bias") else 0)
            loss = data_loss + bugs.get("reg_factor", 0.5) * self.reg * penalty
            dscores = np.exp(log_probs)
            dscores[np.arange(N), y] -= 1
            dscores /= N
            dW2 = np.einsum("nh,nc->hc", hidden, dscores)
            dhidden = dscores @ W2.T
            dpre = dhidden if bugs.get("no_relu_mask") else dhidden * active
            dW1 = x.T @ dpre
            grad_reg = bugs.get("grad_reg", 1.0) * self.reg
            return loss, {"W1": dW1 + grad_reg * W1, "b1": dpre.sum(0), "W2": dW2 + grad_reg * W2,
                          "b2": dscores.sum(0)}

    return Net


class ShallowNetSeparateLayers(REF.ShallowLayerNet):
    """affine_forward + relu_forward as separate calls, dict bookkeeping, biases untouched by reg."""

    def loss(self, X, y=None):
        p = self.params
        a, fc1 = REF.affine_forward(X, p["W1"], p["b1"])
        h, r1 = REF.relu_forward(a)
        scores, fc2 = REF.affine_forward(h, p["W2"], p["b2"])
        if y is None:
            return scores
        loss, dscores = REF.softmax_loss(scores, y)
        loss += self.reg * (np.vdot(p["W1"], p["W1"]) + np.vdot(p["W2"], p["W2"])) / 2
        grads = {}
        dh, grads["W2"], grads["b2"] = REF.affine_backward(dscores, fc2)
        _, grads["W1"], grads["b1"] = REF.affine_backward(REF.relu_backward(dh, r1), fc1)
        for name in ("W1", "W2"):
            grads[name] = grads[name] + self.reg * p[name]
        return loss, grads


SHALLOW_IDS = [g for g in ALL if g.startswith("ShallowLayerNet")]


@pytest.mark.parametrize("net", [shallow_net(), ShallowNetSeparateLayers], ids=["numpy", "separate layers"])
@pytest.mark.parametrize("grade_id", SHALLOW_IDS)
def test_correct_shallow_net_passes(grade_id, net):
    assert passes(grade_id, patched(ShallowLayerNet=net))


@pytest.mark.parametrize("grade_id, bugs", [
    ("ShallowLayerNet_scores", {"softmax_scores": True}),
    ("ShallowLayerNet_scores", {"no_relu": True}),
    ("ShallowLayerNet_scores", {"no_b2": True}),
    ("ShallowLayerNet_nd_input", {"no_flatten": True}),
    ("ShallowLayerNet_loss", {"sum_loss": True}),
    ("ShallowLayerNet_loss_reg", {"reg_factor": 1.0}),
    ("ShallowLayerNet_loss_reg", {"reg_bias": True}),
    ("ShallowLayerNet_grads", {"no_relu_mask": True}),
    ("ShallowLayerNet_grads_reg", {"grad_reg": 0.0}),
    ("ShallowLayerNet_grads_reg", {"grad_reg": 2.0}),
])
def test_wrong_shallow_net_fails(grade_id, bugs):
    assert fails(grade_id, patched(ShallowLayerNet=shallow_net(**bugs)))


def test_reg_bugs_do_not_touch_the_unregularised_cases():
    """A wrong penalty costs the reg cases only (partial credit is real)."""
    module = patched(ShallowLayerNet=shallow_net(reg_factor=1.0, grad_reg=2.0))
    assert passes("ShallowLayerNet_loss", module) and passes("ShallowLayerNet_grads", module)


# ------------------------------------------------------------------------------- Classifier.train and predict


class ClassifierAlt(REF.Classifier):
    """Samples without replacement, calls loss twice per step, builds a new params dict, argmax via .argmax."""

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95, reg=None, num_iters=100,
              batch_size=200, verbose=False, seed=None):
        if reg is not None:
            self.reg = reg
        rng = np.random.default_rng(seed)
        per_epoch = max(len(X) // batch_size, 1)
        history = {"loss_history": [], "train_acc_history": [], "val_acc_history": []}
        for it in range(num_iters):
            idx = rng.choice(len(X), size=batch_size, replace=False)
            loss, _ = self.loss(X[idx], y[idx])
            _, grads = self.loss(X[idx], y[idx])
            self.params = {name: value - learning_rate * grads[name] for name, value in self.params.items()}
            history["loss_history"].append(loss)
            if (it + 1) % per_epoch == 0:
                history["train_acc_history"].append(np.mean(self.predict(X[idx]) == y[idx]))
                history["val_acc_history"].append(np.mean(self.predict(X_val) == y_val))
                learning_rate *= learning_rate_decay
        history["best_val_acc"] = max(history["val_acc_history"], default=0.0)
        return history

    def predict(self, X):
        return self.loss(X).argmax(axis=1).astype(np.int32)


def wrong_train(bug):
    """The reference train loop with one mistake."""

    class Wrong(REF.Classifier):
        def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95, reg=None, num_iters=100,
                  batch_size=200, verbose=False, seed=None):
            rng = np.random.default_rng(seed)
            per_epoch = max(len(X) // batch_size, 1)
            losses, train_acc, val_acc = [], [], []
            for it in range(num_iters):
                idx = rng.integers(len(X), size=batch_size)
                if bug == "same_batch":
                    idx = np.arange(batch_size)
                labels = y[rng.integers(len(X), size=batch_size)] if bug == "labels_apart" else y[idx]
                rows = X[idx] if bug != "batch_size" else X[idx[:-1]]
                labels = labels if bug != "batch_size" else labels[:-1]
                loss, grads = self.loss(rows, labels)
                for name in self.params:
                    if bug == "only_W" and name != "W":
                        continue
                    step = 1e-3 if bug == "fixed_lr" else learning_rate
                    sign = -1 if bug == "ascent" else 1
                    self.params[name] = self.params[name] - sign * step * grads[name]
                losses.append(loss)
                if (it + 1) % per_epoch == 0:
                    train_acc.append(np.mean(self.predict(rows) == labels))
                    val_acc.append(np.mean(self.predict(X_val) == y_val))
                    learning_rate *= learning_rate_decay if bug != "no_decay" else 1.0
            return {"loss_history": losses, "train_acc_history": train_acc, "val_acc_history": val_acc,
                    "best_val_acc": max(val_acc, default=0.0)}

    return Wrong


@pytest.mark.parametrize("grade_id", ["Classifier_predict", "Classifier_train"])
def test_correct_classifier_passes(grade_id):
    assert passes(grade_id, patched(Classifier=ClassifierAlt))


@pytest.mark.parametrize("bug", ["ascent", "labels_apart", "same_batch", "batch_size", "only_W", "fixed_lr",
                                 "no_decay"])
def test_wrong_train_fails(bug):
    assert fails("Classifier_train", patched(Classifier=wrong_train(bug)))


def test_train_without_update_fails_with_a_message():
    class NoUpdate(REF.Classifier):
        def train(self, X, y, X_val, y_val, num_iters=100, batch_size=200, **kwargs):
            for _ in range(num_iters):
                self.loss(X[:batch_size], y[:batch_size])
            return {"loss_history": [], "train_acc_history": [], "val_acc_history": [], "best_val_acc": 0.0}

    module = patched(Classifier=NoUpdate)
    assert fails("Classifier_train", module)
    case_ = CASES["Classifier_train"]
    seed = visible_seed("Classifier_train")
    set_language("en")
    try:
        problems = compare(case_, run_probe(case_, module, seed).outputs, None, np.random.default_rng(seed))
    finally:
        set_language("zh")
    assert "made 1 parameter updates" in problems[0][1]["text"]


@pytest.mark.parametrize("wrong", ["argmin", "axis0", "max"])
def test_wrong_predict_fails(wrong):
    class Wrong(REF.Classifier):
        def predict(self, X):
            scores = self.loss(X)
            return {"argmin": lambda: scores.argmin(1), "axis0": lambda: scores.argmax(0),
                    "max": lambda: scores.max(1)}[wrong]()

    assert fails("Classifier_predict", patched(Classifier=Wrong))


def test_train_probe_does_not_need_predict():
    """Classifier_train judges the loop alone: a stubbed predict does not cost it."""

    class StubPredict(REF.Classifier):
        def predict(self, X):
            raise NotImplementedError

    assert passes("Classifier_train", patched(Classifier=StubPredict))


def test_stubs_are_not_attempted():
    class Stub(REF.ShallowLayerNet, REF.Classifier):
        def loss(self, X, y=None):
            raise NotImplementedError

        def train(self, *args, **kwargs):
            raise NotImplementedError

        def predict(self, X):
            raise NotImplementedError

    module = patched(ShallowLayerNet=Stub, Classifier=Stub)
    for grade_id in ALL:
        assert set(statuses(grade_id, module)) == {"not attempted"}, grade_id


def test_judge_never_raises_on_garbage():
    case_ = CASES["Classifier_train"]
    seed = visible_seed("Classifier_train")
    good = run_probe(case_, REF, seed).outputs
    garbage = {name: type(p)(p.dtype, p.data[..., :0] if p.data.ndim else p.data) for name, p in good.items()}
    for outputs in ({}, garbage, {**good, "batch_idx": type(good["W"])("float64", np.full((40, 15), 1e9))}):
        problems = compare(case_, outputs, None, np.random.default_rng(seed))
        assert problems and all(key == "judge" for key, _ in problems)
