"""Cases of notebook 4, the shallow net: ShallowLayerNet.loss and the Classifier.train / predict it inherits.

ShallowLayerNet's weights start random, so every probe sets the parameters explicitly after construction.
Classifier.train and predict are probed on a small nearest-centroid classifier defined here (its loss is ours, and
on purpose not one of the chapter's), so those cases test the training loop and the argmax alone; train is judged
by a rule, because a correct loop may draw its minibatches in any random way.
"""
import numpy as np

from ..engine import case, relative_error
from ._judging import say, trusted_judge

HINT_FORWARD = {
    "en": "scores = relu(X_flat @ W1 + b1) @ W2 + b2 (no softmax: loss(X) returns the raw class scores).",
    "zh": "scores = relu(X_flat @ W1 + b1) @ W2 + b2（不要做 softmax：loss(X) 返回的是未归一化的类别分数）。",
}
HINT_LOSS = {
    "en": "the data loss is the mean softmax loss over the N samples (softmax_loss already divides by N).",
    "zh": "数据损失是 N 个样本的 softmax 损失的平均值（softmax_loss 已经除以 N）。",
}
HINT_REG = {
    "en": "add 0.5 * reg * (sum(W1**2) + sum(W2**2)) to the loss; the biases are not regularised.",
    "zh": "损失要加上 0.5 * reg * (sum(W1**2) + sum(W2**2))；偏置不参与正则化。",
}
HINT_GRADS = {
    "en": "backward in reverse order: affine_backward for W2/b2, then affine_relu_backward for W1/b1, reusing the "
          "caches of the forward pass.",
    "zh": "按相反顺序反向传播：先用 affine_backward 得到 W2/b2 的梯度，再用 affine_relu_backward 得到 W1/b1 的梯度，"
          "缓存取自前向传播。",
}
HINT_GRADS_REG = {
    "en": "the gradient of 0.5 * reg * sum(W**2) is reg * W: add it to dW1 and dW2 only.",
    "zh": "0.5 * reg * sum(W**2) 的梯度是 reg * W：只加到 dW1 和 dW2 上。",
}
HINT_PREDICT = {
    "en": "predict returns, for every sample, the index of its largest score: np.argmax(self.loss(X), axis=1).",
    "zh": "predict 对每个样本返回分数最大的类别下标：np.argmax(self.loss(X), axis=1)。",
}
HINT_TRAIN = {
    "en": "each step: draw batch_size random indices, take X[idx] and y[idx] together, call self.loss on them and "
          "update every parameter with self.params[name] -= learning_rate * grads[name].",
    "zh": "每一步：随机抽取 batch_size 个下标，同时取 X[idx] 和 y[idx]，对它们调用 self.loss，再对每个参数执行 "
          "self.params[name] -= learning_rate * grads[name]。",
}


# ------------------------------------------------------------------------------------------------ ShallowLayerNet


def _shallow_net(m, rng, N=4, input_shape=(6,), H=8, C=5, reg=0.0):
    """A ShallowLayerNet with parameters and data drawn from rng.

    The expected outputs are the reference's on the same inputs, not numerical gradients, so no input needs to be
    kept off the ReLU kink (a pre-activation of random normal data is never within round-off of 0).
    Returns (net, X (N, *input_shape), y (N,)).
    """
    D = int(np.prod(input_shape))
    X = rng.standard_normal((N, *input_shape))
    params = {
        "W1": rng.standard_normal((D, H)) / np.sqrt(D),
        "b1": 0.1 * rng.standard_normal(H),
        "W2": rng.standard_normal((H, C)) / np.sqrt(H),
        "b2": 0.1 * rng.standard_normal(C),
    }
    y = rng.integers(C, size=N)
    net = m.ShallowLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-2, reg=reg)
    net.params.update(params)
    return net, X, y


def _reg(rng):
    """A regularisation strength that makes the L2 term matter."""
    return float(rng.uniform(0.3, 1.5))


@case("ShallowLayerNet_scores", "ShallowLayerNet", hint=HINT_FORWARD)
def _(m, rng):
    net, X, _ = _shallow_net(m, rng)
    return {"scores": net.loss(X)}


@case("ShallowLayerNet_nd_input", "ShallowLayerNet", hint={
    "en": "images arrive as (N, d_1, ..., d_k): let affine_forward flatten them (it keeps the sample axis), and "
          "return grads shaped like the params.",
    "zh": "图像的形状是 (N, d_1, ..., d_k)：交给 affine_forward 去展平（它保留样本维），梯度的形状要和参数一致。"})
def _(m, rng):
    net, X, y = _shallow_net(m, rng, N=3, input_shape=(2, 3, 2), H=6, C=4)
    scores = net.loss(X)
    loss, grads = net.loss(X, y)
    return {"scores": scores, "loss": loss, **{f"d{name}": grads[name] for name in ("W1", "b1", "W2", "b2")}}


@case("ShallowLayerNet_loss", "ShallowLayerNet", hint=HINT_LOSS)
def _(m, rng):
    net, X, y = _shallow_net(m, rng, N=6)
    loss, _ = net.loss(X, y)
    return {"loss": loss}


@case("ShallowLayerNet_loss_reg", "ShallowLayerNet", hint=HINT_REG)
def _(m, rng):
    net, X, y = _shallow_net(m, rng, N=5, reg=_reg(rng))
    loss, _ = net.loss(X, y)
    return {"loss": loss}


def _grads(m, rng, reg):
    net, X, y = _shallow_net(m, rng, N=5, reg=reg)
    _, grads = net.loss(X, y)
    return {f"d{name}": grads[name] for name in ("W1", "b1", "W2", "b2")}


@case("ShallowLayerNet_grads", "ShallowLayerNet", hint=HINT_GRADS)
def _(m, rng):
    return _grads(m, rng, 0.0)


@case("ShallowLayerNet_grads_reg", "ShallowLayerNet", hint=HINT_GRADS_REG)
def _(m, rng):
    return _grads(m, rng, _reg(rng))


# ------------------------------------------------------------------------------------------- Classifier.predict


def _centroid_classifier(m):
    """A nearest-centroid classifier on top of the student's Classifier; its loss (and its predict, see below) are
    ours, and deliberately none of the chapter's exercises.

    params: W (D, C), column c the centroid of class c; b (C,), an estimate of the class frequencies.
    - loss(X): scores (N, C), minus the squared distance of every sample to every centroid
    - loss(X, y): a pull of every centroid towards the mean of the batch samples of its class, and of b towards
      the batch's class frequencies (see _pull_loss_and_grads)

    Every loss(X, y) call is recorded, so a probe knows which minibatches train() used. predict is the student's
    (Classifier.predict) unless ``own_predict`` is set, so that judging train does not depend on predict.
    """

    class NearestCentroid(m.Classifier):
        def __init__(self, W, b, train_X=None, own_predict=False):
            self.params = {"W": W.copy(), "b": b.copy()}
            self.reg = 0.0
            self.own_predict = own_predict
            self.batches = []  # [(params before the step, batch indices, batch labels)]
            self._row_index = {} if train_X is None else {row.tobytes(): i for i, row in enumerate(train_X)}

        def loss(self, X, y=None):
            if y is None:
                return -_squared_distances(X, self.params["W"])
            self._record(X, y)
            return _pull_loss_and_grads(self.params, X, y)

        def predict(self, X):
            if self.own_predict:
                return np.argmin(_squared_distances(X, self.params["W"]), axis=1)
            return super().predict(X)

        def _record(self, X, y):
            snapshot = np.concatenate([self.params["W"].ravel(), self.params["b"].ravel()])
            rows = np.asarray(X, dtype=np.float64).reshape(X.shape[0], -1)
            idx = np.array([self._row_index.get(row.tobytes(), -1) for row in rows])
            record = (snapshot, idx, np.array(y, dtype=np.float64).reshape(-1))
            # Two loss calls without an update in between (one for the loss, one for the grads) are one step.
            if self.batches and np.array_equal(self.batches[-1][0], snapshot):
                self.batches[-1] = record
            else:
                self.batches.append(record)

    return NearestCentroid


def _squared_distances(X, W):
    """(N, C) squared Euclidean distances of the samples (rows of X, flattened) to the centroids (columns of W)."""
    X = np.asarray(X, dtype=np.float64).reshape(X.shape[0], -1)
    return ((X[:, :, None] - W[None, :, :]) ** 2).sum(axis=1)


def _pull_loss_and_grads(params, X, y):
    """The double's loss on a minibatch and its gradients, computed here (trusted).

    loss = 0.5 * sum over the classes c present in y of ||W[:, c] - mean of the samples of class c||^2
           + 0.5 * ||b - class frequencies of y||^2
    so dW[:, c] = W[:, c] - that mean (0 for an absent class) and db = b - the frequencies. Which samples and
    labels make the batch, the sign and the size of every step all show in the parameters after a few steps.
    """
    X = np.asarray(X, dtype=np.float64).reshape(X.shape[0], -1)
    y = np.asarray(y).astype(np.int64).reshape(-1)
    W, b = params["W"], params["b"]
    counts = np.bincount(y, minlength=W.shape[1])
    present = counts > 0
    targets = W.copy()  # an absent class is pulled nowhere
    for c in np.flatnonzero(present):
        targets[:, c] = X[y == c].mean(axis=0)
    dW = W - targets
    db = b - counts / len(y)
    loss = 0.5 * float(np.sum(dW * dW)) + 0.5 * float(np.sum(db * db))
    return loss, {"W": dW, "b": db}


@case("Classifier_predict", "Classifier.predict", hint=HINT_PREDICT, check_dtype=False)
def _(m, rng):
    N, D, C = 12, 4, 6
    model = _centroid_classifier(m)(rng.standard_normal((D, C)), rng.standard_normal(C))
    X = rng.standard_normal((N, D))
    return {"y_pred": model.predict(X)}


# --------------------------------------------------------------------------------------------- Classifier.train

# Settings of the training probe; the judge replays plain SGD with them.
TRAIN = {"N": 90, "N_val": 60, "D": 4, "C": 3, "learning_rate": 0.3, "learning_rate_decay": 0.8, "num_iters": 40,
         "batch_size": 15}


def _train_problem(rng):
    """Three well separated Gaussian blobs: training and held-out sets, and the starting parameters."""
    N, N_val, D, C = TRAIN["N"], TRAIN["N_val"], TRAIN["D"], TRAIN["C"]
    centres = 2.5 * rng.standard_normal((C, D))
    y, y_val = rng.integers(C, size=N), rng.integers(C, size=N_val)
    X = centres[y] + rng.standard_normal((N, D))
    X_val = centres[y_val] + rng.standard_normal((N_val, D))
    W0, b0 = 0.01 * rng.standard_normal((D, C)), np.zeros(C)
    return X, y, X_val, y_val, W0, b0


@trusted_judge
def _judge_train(got, rng):
    """Replay plain SGD of the double's loss on the minibatches the student's train() drew and compare the final
    parameters and the loss history."""
    X, y, _, _, W, b = _train_problem(rng)
    num_iters, batch_size = TRAIN["num_iters"], TRAIN["batch_size"]
    per_epoch = max(TRAIN["N"] // batch_size, 1)
    problems = []
    sizes = got["batch_sizes"].data.astype(int).reshape(-1)
    if len(sizes) != num_iters:
        return [say(f"train(num_iters={num_iters}) 做了 {len(sizes)} 次参数更新（调用 self.loss(X_batch, y_batch) "
                    f"后参数发生变化的次数），应为 {num_iters} 次。",
                    f"train(num_iters={num_iters}) made {len(sizes)} parameter updates (calls of "
                    f"self.loss(X_batch, y_batch) followed by a change of the parameters), expected {num_iters}.")]
    if np.any(sizes != batch_size):
        bad = int(sizes[sizes != batch_size][0])
        return [say(f"小批量有 {bad} 个样本，应为 batch_size = {batch_size} 个。",
                    f"a minibatch holds {bad} samples, expected batch_size = {batch_size}.")]
    idx, labels = got["batch_idx"].data.astype(int), got["batch_labels"].data
    if np.any(idx < 0):
        return [say("小批量中有不属于训练集 X 的样本（用的是 X_val，或者对样本做了修改？）。",
                    "a minibatch holds rows that are not samples of the training set X (X_val, or modified rows?).")]
    if np.any(labels != y[idx]):
        return [say("小批量的标签与样本对不上：X 和 y 必须用同一组下标 idx 来取。",
                    "the labels of a minibatch do not belong to its samples: take X[idx] and y[idx] with the same "
                    "idx.")]
    if len(np.unique(idx)) < TRAIN["N"] // 2:
        return [say(f"{num_iters} 个小批量只用到了 {len(np.unique(idx))} 个不同的训练样本：每一步都应从全部 "
                    f"{TRAIN['N']} 个样本中随机抽取。",
                    f"the {num_iters} minibatches use only {len(np.unique(idx))} different training samples: every "
                    f"step should draw at random from all {TRAIN['N']} samples.")]
    lr, losses = TRAIN["learning_rate"], []
    for k in range(num_iters):
        loss, grads = _pull_loss_and_grads({"W": W, "b": b}, X[idx[k]], y[idx[k]])
        losses.append(loss)
        step = lr * TRAIN["learning_rate_decay"] ** (k // per_epoch)
        W, b = W - step * grads["W"], b - step * grads["b"]
    for name, expected in (("W", W), ("b", b)):
        if got[name].shape != expected.shape:
            problems.append(say(f"训练后 params['{name}'] 的形状是 {got[name].shape}，应为 {expected.shape}。",
                                f"after training params['{name}'] has shape {got[name].shape}, expected "
                                f"{expected.shape}."))
            continue
        error, _ = relative_error(got[name].data, expected)
        if not error <= 1e-6:
            problems.append(say(
                f"训练后的 params['{name}'] 与在你抽取的这些小批量上做普通 SGD 的结果不一致（相对误差 {error:.2e}）。"
                "检查更新的符号、学习率，以及是否每个参数都更新了。",
                f"after training params['{name}'] differs from plain SGD on the minibatches your train() drew "
                f"(relative error {error:.2e}). Check the sign of the update, the learning rate, and that every "
                "parameter is updated."))
    history = got["loss_history"].data.reshape(-1)
    if problems:  # with other parameters the losses differ too; saying so would only distract
        return problems
    if history.shape != (num_iters,) or relative_error(history, np.array(losses))[0] > 1e-6:
        problems.append(say("loss_history 应该记录每一步小批量上的损失（更新参数之前算出的那个 loss）。",
                            "loss_history should hold the loss of every step's minibatch (the loss computed before "
                            "the update)."))
    num_epochs = num_iters // per_epoch
    for name in ("train_acc_history", "val_acc_history"):
        if got[name].data.size != num_epochs:
            problems.append(say(f"{name} 有 {got[name].data.size} 个值，应为每个迭代周期（epoch）一个，"
                                f"共 {num_epochs} 个。",
                                f"{name} has {got[name].data.size} values, expected one per epoch, {num_epochs}."))
    return problems


@case("Classifier_train", "Classifier.train", hint=HINT_TRAIN, judge=_judge_train)
def _probe_train(m, rng):
    X, y, X_val, y_val, W0, b0 = _train_problem(rng)
    model = _centroid_classifier(m)(W0, b0, train_X=X, own_predict=True)
    stats = model.train(X, y, X_val, y_val, learning_rate=TRAIN["learning_rate"],
                        learning_rate_decay=TRAIN["learning_rate_decay"], num_iters=TRAIN["num_iters"],
                        batch_size=TRAIN["batch_size"], verbose=False)
    batches = model.batches
    width = max([len(idx) for _, idx, _ in batches], default=0)
    batch_idx = np.full((len(batches), width), -2.0)  # -2 pads a short batch, -1 marks a row not in X
    batch_labels = np.full((len(batches), width), -2.0)
    for k, (_, idx, labels) in enumerate(batches):
        batch_idx[k, :len(idx)] = idx
        batch_labels[k, :len(labels)] = labels[:width]
    return {
        "W": model.params["W"], "b": model.params["b"],
        "batch_sizes": [len(idx) for _, idx, _ in batches],
        "batch_idx": batch_idx, "batch_labels": batch_labels,
        "loss_history": stats["loss_history"], "train_acc_history": stats["train_acc_history"],
        "val_acc_history": stats["val_acc_history"], "best_val_acc": stats["best_val_acc"],
    }
