"""The instructor's side of the best-model tiers: the labels a saved model predicts, computed here alone.

The released case table (utils/checks/cases/best_model.py) lets the student's own FullyConnectedNet predict in the
notebook; the grader uses :func:`trusted_predictions` instead, so a grade never depends on the student's code and
the forward pass never ships to students.
"""
import numpy as np

__all__ = ["trusted_predictions"]


def trusted_predictions(params, X):
    """Labels predicted by a {affine - ReLU} x (L - 1) - affine net, in float64.

    Inputs:
    - params: {"W1": (D, H1), "b1": (H1,), ..., "WL": (H_{L-1}, C), "bL": (C,)}, any numeric dtype
    - X: (N, d_1, ..., d_k) samples, flattened to (N, D)

    Returns:
    - y_pred: (N,) int64, the class with the highest score for every sample
    """
    L = len(params) // 2
    out = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    for i in range(1, L + 1):
        out = out @ np.asarray(params[f"W{i}"], dtype=np.float64) + np.asarray(params[f"b{i}"], dtype=np.float64)
        if i < L:
            out = np.maximum(out, 0)
    return np.argmax(out, axis=1).astype(np.int64)
