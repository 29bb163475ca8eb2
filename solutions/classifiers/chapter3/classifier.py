"""What every classifier of the chapter shares: minibatch SGD training and prediction on top of ``loss``."""
import numpy as np
from tqdm.auto import tqdm

__all__ = ["Classifier"]


class Classifier:
    """Base class: a subclass sets ``self.params`` (name -> array) and ``self.reg``, and defines ``loss(X, y=None)``.

    ``loss(X)`` returns scores (N, C); ``loss(X, y)`` returns (loss, grads) with grads keyed like params.
    """

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95, reg=None, num_iters=100,
              batch_size=200, verbose=False, seed=None):
        """Minibatch stochastic gradient descent.

        Inputs:
        - X: (N, d_1, ..., d_k) training data; y: (N,) labels
        - X_val, y_val: validation data and labels
        - learning_rate: step size; multiplied by learning_rate_decay after every epoch
        - reg: if given, replaces self.reg
        - num_iters: number of SGD steps; batch_size: samples per step (drawn with replacement)
        - verbose: show a progress bar with the current loss
        - seed: seed of the minibatch sampler (None: fresh randomness)

        Returns a dict with
        - loss_history: (num_iters,) loss of every step
        - train_acc_history, val_acc_history: accuracy at the end of every epoch (train on that step's batch)
        - best_val_acc: the highest validation accuracy seen
        """
        if reg is not None:
            self.reg = reg
        rng = np.random.default_rng(seed)
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)
        loss_history, train_acc_history, val_acc_history = [], [], []
        steps = tqdm(range(num_iters), desc="train", disable=not verbose, leave=False)
        for it in steps:
            ### BEGIN SOLUTION
            idx = rng.integers(num_train, size=batch_size)
            X_batch, y_batch = X[idx], y[idx]
            loss, grads = self.loss(X_batch, y_batch)
            for name, grad in grads.items():
                self.params[name] -= learning_rate * grad
            ### END SOLUTION
            loss_history.append(float(loss))
            if verbose:
                steps.set_postfix(loss=f"{loss:.4f}")
            if (it + 1) % iterations_per_epoch == 0:
                train_acc_history.append(float(np.mean(self.predict(X_batch) == y_batch)))
                val_acc_history.append(float(np.mean(self.predict(X_val) == y_val)))
                learning_rate *= learning_rate_decay
        return {
            "loss_history": loss_history,
            "train_acc_history": train_acc_history,
            "val_acc_history": val_acc_history,
            "best_val_acc": max(val_acc_history, default=0.0),
        }

    def predict(self, X):
        """Predicted labels.

        Inputs:
        - X: (N, d_1, ..., d_k)

        Returns:
        - y_pred: (N,) integer labels, the class with the highest score
        """
        ### BEGIN SOLUTION
        return np.argmax(self.loss(X), axis=1)
        ### END SOLUTION
