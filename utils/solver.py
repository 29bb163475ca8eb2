"""Solver: trains a classification model with minibatch stochastic gradient descent and a chosen update rule.

A model is anything with
- ``model.params``: dict name -> array of parameters
- ``model.loss(X, y=None)``: scores (N, C) when y is None, else (loss, grads) with grads keyed like params

Example::

    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    model = FullyConnectedNet(input_dim=..., hidden_dims=(100,), num_classes=10)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100)
    solver.train()
    solver.best_val_acc, solver.loss_history, solver.val_acc_history

Checkpoints are plain ``.npz`` files (arrays and scalars only, no pickle): ``solver.save_checkpoint(path)``,
``Solver.load_checkpoint(path)`` to read one, ``solver.restore_checkpoint(path)`` to resume training from one.
"""
import copy
import importlib
import json
import os

import numpy as np
from tqdm.auto import tqdm

from .language import in_language

__all__ = ["Solver"]

_DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")
_SETTINGS = ("lr_decay", "batch_size", "num_epochs")


class Solver:
    """Minibatch SGD training loop with per-epoch learning-rate decay, accuracy tracking and checkpoints.

    After train():
    - loss_history: list, the minibatch loss of every iteration
    - train_acc_history, val_acc_history: lists, accuracy before training and after every epoch
    - best_val_acc: the highest validation accuracy seen; best_params: copies of the parameters that reached it
    - model.params: set to best_params
    """

    def __init__(self, model, data, update_rule="sgd", optim_config=None, lr_decay=1.0, batch_size=100,
                 num_epochs=10, num_train_samples=1000, num_val_samples=None, checkpoint_name=None, print_every=10,
                 verbose=True, seed=None):
        """
        Inputs:
        - model: object with params (dict of arrays) and loss(X, y=None) as described in the module docstring
        - data: dict with X_train (N_train, ...), y_train (N_train,), X_val (N_val, ...), y_val (N_val,)
        - update_rule: name of a rule in classifiers.chapter3.optim ("sgd", "sgd_momentum", "rmsprop", "adam"),
          or a function rule(w, dw, config) -> (next_w, config)
        - optim_config: dict of hyper-parameters passed to the update rule (e.g. learning_rate); every parameter
          gets its own deep copy, so the state a rule keeps (velocity, moments) is per parameter
        - lr_decay: after every epoch each learning_rate is multiplied by this
        - batch_size: samples per iteration, drawn at random with replacement
        - num_epochs: train() trains until this many epochs are done
        - num_train_samples: training samples used to measure train accuracy (None: all)
        - num_val_samples: validation samples used to measure val accuracy (None: all)
        - checkpoint_name: if given, a checkpoint "<checkpoint_name>_epoch_<e>.npz" is saved after every epoch
        - print_every: when verbose, print the loss every this many iterations (None or 0: never)
        - verbose: show a progress bar and per-epoch accuracies
        - seed: seed of the minibatch and subsample sampler (None: fresh randomness)
        """
        missing = [key for key in _DATA_KEYS if key not in data]
        if missing:
            raise KeyError(f"data is missing {', '.join(missing)}; it needs {', '.join(_DATA_KEYS)}")
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]

        self.update_rule = _get_update_rule(update_rule)
        self.optim_config = {} if optim_config is None else optim_config
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.checkpoint_name = checkpoint_name
        self.print_every = print_every
        self.verbose = verbose
        self._rng = np.random.default_rng(seed)
        self._reset()

    def _reset(self):
        """Fresh training state: no epochs done, empty histories, one optim config per parameter."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {name: copy.deepcopy(self.optim_config) for name in self.model.params}

    def _step(self):
        """One gradient update on a random minibatch; appends its loss to loss_history."""
        num_train = self.X_train.shape[0]
        idx = self._rng.integers(num_train, size=self.batch_size)
        loss, grads = self.model.loss(self.X_train[idx], self.y_train[idx])
        self.loss_history.append(float(loss))
        for name in list(self.model.params):
            next_w, self.optim_configs[name] = self.update_rule(self.model.params[name], grads[name],
                                                                self.optim_configs[name])
            self.model.params[name] = next_w
        return float(loss)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Accuracy of the model's predictions, argmax of model.loss(X), computed batch by batch.

        Inputs:
        - X: (N, d_1, ..., d_k) data; y: (N,) integer labels
        - num_samples: if given and smaller than N, measure on a random subsample of this size
        - batch_size: samples per call of model.loss (bounds the memory used)

        Returns:
        - acc: float, the fraction of samples classified correctly
        """
        N = X.shape[0]
        if N == 0:
            raise ValueError("check_accuracy needs at least one sample")
        if num_samples is not None and num_samples < N:
            idx = self._rng.choice(N, num_samples, replace=False)
            X, y = X[idx], y[idx]
            N = num_samples
        y_pred = np.concatenate([np.argmax(self.model.loss(X[i:i + batch_size]), axis=1)
                                 for i in range(0, N, batch_size)])
        return float(np.mean(y_pred == y))

    def _record_accuracy(self):
        """Measure train and val accuracy; keep copies of the parameters if val accuracy is the best so far."""
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {name: w.copy() for name, w in self.model.params.items()}
        return train_acc, val_acc

    def train(self):
        """Train until num_epochs epochs are done, then set model.params to best_params.

        An epoch is max(N_train // batch_size, 1) iterations. Accuracies are measured before the first epoch and
        after every epoch. Calling train() again after restore_checkpoint() resumes where the checkpoint stopped;
        to train a finished solver further, raise num_epochs first.

        Returns a dict with loss_history, train_acc_history, val_acc_history and best_val_acc.
        """
        iterations_per_epoch = max(self.X_train.shape[0] // self.batch_size, 1)
        if not self.val_acc_history:
            self._record_accuracy()
        remaining = max(self.num_epochs - self.epoch, 0)
        with tqdm(total=remaining * iterations_per_epoch, desc=in_language("训练", "train"), unit="it",
                  disable=not self.verbose) as bar:
            for _ in range(remaining):
                for _ in range(iterations_per_epoch):
                    loss = self._step()
                    bar.set_postfix(epoch=self.epoch + 1, loss=f"{loss:.4f}", refresh=False)
                    bar.update(1)
                    t = len(self.loss_history)
                    if self.verbose and self.print_every and t % self.print_every == 0:
                        total = self.num_epochs * iterations_per_epoch
                        tqdm.write(in_language(f"（第 {t} / {total} 次迭代）损失：{loss:.6f}",
                                               f"(Iteration {t} / {total}) loss: {loss:.6f}"))
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:
                        config["learning_rate"] *= self.lr_decay
                train_acc, val_acc = self._record_accuracy()
                if self.verbose:
                    tqdm.write(in_language(
                        f"（第 {self.epoch} / {self.num_epochs} 个迭代周期）训练集正确率：{train_acc:.4f}；"
                        f"验证集正确率：{val_acc:.4f}",
                        f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:.4f}; val acc: {val_acc:.4f}"))
                if self.checkpoint_name is not None:
                    self.save_checkpoint(f"{self.checkpoint_name}_epoch_{self.epoch}.npz")
        if self.best_params:
            self.model.params.update({name: w.copy() for name, w in self.best_params.items()})
        return {
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
            "best_val_acc": self.best_val_acc,
        }

    def save_checkpoint(self, path):
        """Write the training state to an .npz file (no pickled objects, so it is safe to load anywhere).

        Saved: model params, best_params, every optim config entry (scalars and arrays), the histories, epoch,
        best_val_acc, lr_decay, batch_size, num_epochs, the update rule's name and the sampler state.

        Inputs:
        - path: file name; ".npz" is appended if missing

        Returns:
        - path: the name of the file written
        """
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        arrays = {
            "epoch": self.epoch,
            "best_val_acc": self.best_val_acc,
            "loss_history": np.asarray(self.loss_history, dtype=np.float64),
            "train_acc_history": np.asarray(self.train_acc_history, dtype=np.float64),
            "val_acc_history": np.asarray(self.val_acc_history, dtype=np.float64),
            "update_rule": getattr(self.update_rule, "__name__", type(self.update_rule).__name__),
            "rng_state": json.dumps(self._rng.bit_generator.state),
        }
        arrays.update({key: getattr(self, key) for key in _SETTINGS})
        arrays.update({f"params/{name}": w for name, w in self.model.params.items()})
        arrays.update({f"best_params/{name}": w for name, w in self.best_params.items()})
        for name, config in self.optim_configs.items():
            arrays.update({f"optim/{name}/{key}": value for key, value in config.items()})
        for key, value in arrays.items():
            try:
                arrays[key] = np.asarray(value)
            except ValueError:  # ragged nested lists
                arrays[key] = np.empty(1, dtype=object)
        bad = [key for key, value in arrays.items() if value.dtype.hasobject]
        if bad:
            raise TypeError(f"cannot checkpoint {', '.join(bad)}: only numbers, strings and numeric arrays are saved")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)  # a crash while writing never leaves a half-written checkpoint under the real name
        return path

    @staticmethod
    def load_checkpoint(path):
        """Read a checkpoint written by save_checkpoint. Refuses files that hold pickled objects.

        Returns a dict with
        - params, best_params: dicts name -> array
        - optim_configs: dict param name -> config dict (arrays and Python scalars)
        - loss_history, train_acc_history, val_acc_history: lists of floats
        - epoch, best_val_acc, lr_decay, batch_size, num_epochs, update_rule, rng_state: Python scalars / str
        """
        ckpt = {"params": {}, "best_params": {}, "optim_configs": {}}
        with np.load(path, allow_pickle=False) as f:
            for key in f.files:
                value = f[key]
                group, _, rest = key.partition("/")
                if group in ("params", "best_params"):
                    ckpt[group][rest] = value
                elif group == "optim":
                    name, _, entry = rest.rpartition("/")
                    ckpt["optim_configs"].setdefault(name, {})[entry] = value.item() if value.ndim == 0 else value
                elif key.endswith("_history"):
                    ckpt[key] = value.tolist()
                else:
                    ckpt[key] = value.item()
        return ckpt

    def restore_checkpoint(self, path):
        """Load a checkpoint into this solver and its model, so that train() continues from it.

        The model's parameter names and shapes must match the checkpoint's. Restored: params, best_params, optim
        configs, histories, epoch, best_val_acc and the sampler state. The solver keeps its own data, update rule
        and settings (num_epochs, lr_decay, batch_size, ...), so a solver with a larger num_epochs trains on.
        """
        ckpt = self.load_checkpoint(path)
        expected = {name: w.shape for name, w in self.model.params.items()}
        got = {name: w.shape for name, w in ckpt["params"].items()}
        if expected != got:
            raise ValueError(f"checkpoint parameters {got} do not match the model's {expected}")
        self.model.params.update({name: w.astype(self.model.params[name].dtype)
                                  for name, w in ckpt["params"].items()})
        self.best_params = ckpt["best_params"]
        self.optim_configs = {name: ckpt["optim_configs"].get(name, {}) for name in self.model.params}
        for key in ("loss_history", "train_acc_history", "val_acc_history", "epoch", "best_val_acc"):
            setattr(self, key, ckpt[key])
        self._rng.bit_generator.state = json.loads(ckpt["rng_state"])


def _get_update_rule(update_rule):
    """The update function for a name in classifiers.chapter3.optim, or update_rule itself if it is callable."""
    if callable(update_rule):
        return update_rule
    # Imported here, not at the top: whichever classifiers package is first on sys.path is the one used
    # (the student's stubs in a notebook, the reference in the tests).
    optim = importlib.import_module("classifiers.chapter3.optim")
    names = getattr(optim, "__all__", [name for name in dir(optim) if not name.startswith("_")])
    if update_rule not in names:
        raise ValueError(f"unknown update_rule {update_rule!r}; valid names are {', '.join(names)} "
                         "(or pass a function rule(w, dw, config) -> (next_w, config))")
    return getattr(optim, update_rule)
