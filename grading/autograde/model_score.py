"""The instructor's side of the best-model tiers: the labels a saved model predicts, computed here alone.

The released case table (utils/checks/cases/best_model.py) lets the student's own FullyConnectedNet predict in the
notebook; the grader uses :func:`trusted_predictions` instead, so a grade never depends on the student's code and
the forward pass never ships to students.

A model cannot be graded on images it memorised without the course noticing:

- the file is read by grading.model_file, which refuses any architecture beyond the course's limits (a model with
  one hidden unit per CIFAR-10 test image needs ~30 million numbers) before an array is materialised;
- each batch scores a subset of the test split drawn from the course secret (``model_scoring_fraction``);
- a model whose accuracy on that subset is far above the validation accuracy its file records (``meta``) is
  flagged in its record and the class report (``model_overfit_gap``).
"""
import functools
from pathlib import Path

import numpy as np

from utils.checks.engine import Result, to_plain

from ..status import ERROR, NOT_ATTEMPTED, PASSED

__all__ = ["trusted_predictions", "model_runs", "ModelScoring"]


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


BLOCK = 1000  # images predicted at once: the grader's memory stays small whatever the model


def predictions(arrays, X, index=None):
    """:func:`trusted_predictions` for the saved W1..WL, b1..bL (never the student's code) on the rows ``index``
    of X (default: all), in blocks; None when the arrays are not such a net (the judge then names what is wrong
    with them)."""
    L = sum(1 for name in arrays if name.startswith("W"))
    params = {f"{kind}{i}": arrays.get(f"{kind}{i}") for i in range(1, L + 1) for kind in "Wb"}
    if L == 0 or any(v is None for v in params.values()):
        return None
    index = np.arange(len(X)) if index is None else np.asarray(index)
    try:
        return np.concatenate([trusted_predictions(params, X[index[i:i + BLOCK]])
                               for i in range(0, len(index), BLOCK)] or [np.zeros(0, np.int64)])
    except (ValueError, TypeError):  # shapes that do not chain
        return None


@functools.cache
def validation_split(name):
    """(X_val (N, 3072) float32, y_val (N,)) of get_CIFAR10_data()'s validation split for the data set ``name``
    ("embedded" or "cifar10"), read without holding the training images."""
    import contextlib
    import io

    from utils import data_utils as du

    with contextlib.redirect_stdout(io.StringIO()):
        folder = None if name == "embedded" else du._find_cifar10(du.resolve_source(None))
        if folder is None:
            data = du.get_CIFAR10_data(source="embedded")
            return data["X_val"].reshape(len(data["X_val"]), -1), data["y_val"]
        total, _ = du._cifar_training_sum(folder, 49_000)
        X, y = du._load_cifar_batch(Path(folder) / du.CIFAR10_TRAIN_BATCHES[-1])
    X_val = du._as_features(X[-1000:], total / 49_000, np.float32)
    return X_val.reshape(len(X_val), -1), y[-1000:].copy()


class ModelScoring:
    """How a batch scores best models: the course's limits, the data set, the subset drawn from the secret.

    - limits: grading.model_file.ModelLimits
    - scoring_data: "cifar10" or "embedded" (the course setting)
    - fraction: share of the test split scored
    - overfit_gap: test minus recorded validation accuracy above which a model is flagged
    - key: 64-bit number from the course secret that draws the subset (None: the whole split)
    """

    def __init__(self, limits=None, scoring_data="cifar10", fraction=1.0, overfit_gap=0.15, key=None):
        from .model_file import ModelLimits

        self.limits = limits or ModelLimits()
        self.scoring_data, self.fraction, self.overfit_gap, self.key = scoring_data, fraction, overfit_gap, key

    @classmethod
    def of_course(cls, root=None):
        """The course's settings (grading/settings.py) and a subset key from its secret."""
        from ..secret import derive
        from ..settings import course_settings
        from .model_file import ModelLimits

        try:
            s = course_settings(root)
            settings = (s.scoring_data, float(s.model_scoring_fraction), float(s.model_overfit_gap))
        except Exception:  # a course not built yet: the defaults
            settings = ("cifar10", 0.8, 0.15)
        return cls(ModelLimits.of_course(root), *settings, key=derive("model-scoring-subset", root))

    def split(self):
        """(X, y, indices into the test split, data set name) of the images this batch scores."""
        from utils.checks.cases.best_model import test_split

        X, y, name = test_split("embedded" if self.scoring_data == "embedded" else None, pool=True)
        n = len(y)
        if self.key is None or self.fraction >= 1:
            index = np.arange(n)
        else:
            k = max(1, int(round(self.fraction * n)))
            index = np.sort(np.random.default_rng(self.key).permutation(n)[:k])
        return X, y[index], index, name

    def validation_accuracy(self, arrays, name):
        """The grader's own accuracy of the saved model on the validation split of ``name`` (None: not a net)."""
        X_val, y_val = validation_split("embedded" if name == "embedded" else "cifar10")
        y_pred = predictions(arrays, X_val)
        return None if y_pred is None else float(np.mean(y_pred == y_val))


def model_outputs(arrays, scoring=None, meta_raw=None):
    """(outputs as Plain values, (test accuracy, data set name) or None): the outputs the best-model probes give
    for these arrays (big ones in row blocks), with the grader's predictions on the scored subset in place of the
    student's ``predict``, the indices scored and the data set."""
    from utils.checks.cases.best_model import META, PREDICTIONS, SCORED, SCORED_ON, saved_outputs

    scoring = scoring or ModelScoring()
    outputs = saved_outputs(arrays)
    X, y, index, name = scoring.split()
    y_pred = predictions(arrays, X, index)
    accuracy = None
    if y_pred is not None:
        outputs[PREDICTIONS] = y_pred
        accuracy = (float(np.mean(y_pred == y)), name)
    outputs[SCORED] = index
    outputs[SCORED_ON] = np.array([1 if name == "embedded" else 0])
    if meta_raw is not None:
        outputs[META] = meta_raw
    return {key: to_plain(value) for key, value in outputs.items()}, accuracy


def overfit_flags(test_acc, val_acc, meta, gap):
    """Lines for the record when the test accuracy is far above a validation accuracy: the one the grader measured
    itself (a memorised test split scores at chance there), or the one the file records in ``meta``."""
    flags = []
    if test_acc is None:
        return flags
    if val_acc is not None and test_acc - val_acc > gap:
        flags.append(f"best_model.npz: test accuracy {test_acc:.1%} is far above its accuracy on the validation "
                     f"split ({val_acc:.1%}, measured by the grader): a memorised test split?")
    recorded = meta.get("val_acc") if isinstance(meta, dict) else None
    if isinstance(recorded, int | float) and not isinstance(recorded, bool) and np.isfinite(recorded) \
            and test_acc - float(recorded) > gap:
        flags.append(f"best_model.npz: test accuracy {test_acc:.1%} is far above the validation accuracy its file "
                     f"records ({float(recorded):.1%})")
    return flags


def model_runs(tree, plan, scoring=None):
    """({(grade_id, seed): Result} of the cells judged from best_model.npz, [flags for the record]).

    Computed here from the file alone: read by grading.model_file (bounded, checked headers first), predicted by
    :func:`trusted_predictions` on the subset of the test split ``scoring`` draws.
    """
    from ..facts import MODEL_FILE
    from .model_file import ModelFileError, load_model

    cells = [c for c in plan.auto_cells if c.on_model]
    if not cells:
        return {}, []
    scoring = scoring or ModelScoring()
    path = Path(tree) / "assignments" / cells[0].assignment / MODEL_FILE if tree else None
    flags = []
    if path is None or not path.is_file():
        result = Result(NOT_ATTEMPTED)
    else:
        try:
            params, meta, meta_raw = load_model(path, scoring.limits, keep_meta=True)
            outputs, accuracy = model_outputs(params, scoring, meta_raw)
            result = Result(PASSED, outputs)
            if accuracy is not None:
                from utils.checks.cases.best_model import ACCURACY_CAP

                test_acc, name = accuracy
                val_acc = scoring.validation_accuracy(params, name)
                flags += overfit_flags(test_acc, val_acc, meta, scoring.overfit_gap)
                if val_acc is not None:
                    outputs[ACCURACY_CAP] = to_plain(val_acc + scoring.overfit_gap)
                result = Result(PASSED, outputs)
        except (ModelFileError, TypeError, ValueError, MemoryError) as exc:
            result = Result(ERROR, error=str(exc)[:500])
    return {(c.grade_id, s): result for c in cells for s in plan.seeds[c.grade_id]}, flags
