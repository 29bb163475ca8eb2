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
from pathlib import Path

import numpy as np

from utils.checks.engine import ERROR, NOT_ATTEMPTED, PASSED, Result, to_plain

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


def predictions(arrays, X):
    """:func:`trusted_predictions` for the saved W1..WL, b1..bL (never the student's code); None when the arrays
    are not such a net (the judge then names what is wrong with them)."""
    L = sum(1 for name in arrays if name.startswith("W"))
    params = {f"{kind}{i}": arrays.get(f"{kind}{i}") for i in range(1, L + 1) for kind in "Wb"}
    if L == 0 or any(v is None for v in params.values()):
        return None
    try:
        return trusted_predictions(params, X)
    except (ValueError, TypeError):  # shapes that do not chain
        return None


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
        from .model_file import ModelLimits
        from .secret import derive
        from .settings import course_settings

        try:
            s = course_settings(root)
            settings = (s.scoring_data, float(s.model_scoring_fraction), float(s.model_overfit_gap))
        except Exception:  # a course not built yet: the defaults
            settings = ("cifar10", 0.8, 0.15)
        return cls(ModelLimits.of_course(root), *settings, key=derive("model-scoring-subset", root))

    def split(self):
        """(X, y, indices into the test split, data set name) of the images this batch scores."""
        from utils.checks.cases.best_model import test_split

        X, y, name = test_split("embedded" if self.scoring_data == "embedded" else None)
        n = len(y)
        if self.key is None or self.fraction >= 1:
            index = np.arange(n)
        else:
            k = max(1, int(round(self.fraction * n)))
            index = np.sort(np.random.default_rng(self.key).permutation(n)[:k])
        return X[index], y[index], index, name


def model_outputs(arrays, scoring=None, meta_raw=None):
    """(outputs as Plain values, accuracy on the scored images or None): the outputs the best-model probes give
    for these arrays (big ones in row blocks), with the grader's predictions on the scored subset in place of the
    student's ``predict``, the indices scored and the data set."""
    from utils.checks.cases.best_model import META, PREDICTIONS, SCORED, SCORED_ON, saved_outputs

    scoring = scoring or ModelScoring()
    outputs = saved_outputs(arrays)
    X, y, index, name = scoring.split()
    y_pred = predictions(arrays, X)
    accuracy = None
    if y_pred is not None:
        outputs[PREDICTIONS] = y_pred
        accuracy = float(np.mean(y_pred == y))
    outputs[SCORED] = index
    outputs[SCORED_ON] = np.array([1 if name == "embedded" else 0])
    if meta_raw is not None:
        outputs[META] = meta_raw
    return {key: to_plain(value) for key, value in outputs.items()}, accuracy


def overfit_flag(accuracy, meta, gap):
    """A line for the record when the test accuracy is far above the validation accuracy the file records."""
    val = meta.get("val_acc") if isinstance(meta, dict) else None
    if accuracy is None or not isinstance(val, int | float) or isinstance(val, bool) or not np.isfinite(val):
        return None
    if accuracy - float(val) > gap:
        return (f"best_model.npz: test accuracy {accuracy:.1%} is far above the validation accuracy its file "
                f"records ({float(val):.1%}): a memorised test split?")
    return None


def model_runs(tree, plan, scoring=None):
    """({(grade_id, seed): Result} of the cells judged from best_model.npz, [flags for the record]).

    Computed here from the file alone: read by grading.model_file (bounded, checked headers first), predicted by
    :func:`trusted_predictions` on the subset of the test split ``scoring`` draws.
    """
    from .intake import MODEL_FILE
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
            flag = overfit_flag(accuracy, meta, scoring.overfit_gap)
            flags += [flag] if flag else []
        except (ModelFileError, TypeError, ValueError, MemoryError) as exc:
            result = Result(ERROR, error=str(exc)[:500])
    return {(c.grade_id, s): result for c in cells for s in plan.seeds[c.grade_id]}, flags
