"""Judged cases verified, not believed: the grader recomputes what a judge looks at from outputs it can check.

For ``train_accuracy`` and ``train_history`` the sandbox runs grading.verified_probes, which returns the trained
parameters and the histories. Here, with the reference's forward pass on the points regenerated from the seed,

- the labels predicted on the test points (``Y_hat_test``, what ``train_accuracy`` judges) come from the
  parameters, never from the student's code;
- the last entries of the histories must agree with the cost and the accuracy of those parameters on the training
  points (a made-up history that ends where the parameters do not is a failure).

``Classifier_train`` verifies itself already (its judge replays plain SGD on the minibatches the student drew).
"""
import numpy as np

from utils.checks.cases._judging import say
from utils.checks.engine import to_plain

from .sandbox.verified_probes import PROBES

COST_TOLERANCE = (0.05, 0.01)  # relative, absolute: the history's last cost is computed one step before the end
ACCURACY_TOLERANCE = 0.03


def verified(grade_id):
    return grade_id in PROBES


def _params(outputs, layers):
    names = [f"{kind}{i}" for i in range(1, layers + 1) for kind in "Wb"]
    missing = [n for n in names if n not in outputs]
    if missing:
        return None
    return {n: outputs[n].data for n in names}


def verify(grade_id, outputs, seed):
    """(outputs for the case's judge, [problem texts]) of a verified case's run.

    Inputs:
    - outputs: {name: Plain} decoded from the sandbox (verified_probes' outputs)
    - seed: the run's seed (the points are regenerated from it)
    """
    from utils.checks.cases import architecture_list as arch

    from ..reference import reference_module

    ref = reference_module()
    params = _params(outputs, len(arch.TRAIN_ARCH))
    if params is None:
        return outputs, [say("train 返回的 params 缺少某些层的 W 或 b。",
                             "the params train returned lack some layer's W or b.")]
    rng = np.random.default_rng(seed)
    X, Y = arch._moons(rng, arch.TRAIN_POINTS)
    X_test, _ = arch._moons(rng, arch.TRAIN_POINTS)
    try:
        with np.errstate(all="ignore"):
            Y_hat_test, _ = ref.full_forward_propagation(X_test, params, arch.TRAIN_ARCH)
            Y_hat, _ = ref.full_forward_propagation(X, params, arch.TRAIN_ARCH)
    except (ValueError, TypeError, IndexError):
        return outputs, [say("train 返回的 params 的形状与网络结构不符。",
                             "the params train returned do not have the shapes of the architecture.")]
    judged = {**outputs, "Y_hat_test": to_plain(Y_hat_test)}
    if grade_id != "train_history":
        return judged, []
    cost, accuracy = ref.get_cost_value(Y_hat, Y), ref.get_accuracy_value(Y_hat, Y)
    costs, accuracies = (outputs[n].data.reshape(-1) for n in ("cost_history", "accuracy_history"))
    if not (costs.size and accuracies.size):
        return judged, []  # the judge names the shapes
    rel, absolute = COST_TOLERANCE
    if not (abs(costs[-1] - cost) <= rel * abs(cost) + absolute
            and abs(accuracies[-1] - accuracy) <= ACCURACY_TOLERANCE):
        return judged, [say(f"历史记录的最后一项（代价 {costs[-1]:.4g}，正确率 {accuracies[-1]:.4g}）"
                            f"与 train 返回的参数在训练数据上的代价 {cost:.4g} 和正确率 {accuracy:.4g} 不符："
                            "历史记录应来自训练本身。",
                            f"the last entries of the histories (cost {costs[-1]:.4g}, accuracy {accuracies[-1]:.4g}) "
                            f"do not match the parameters train returned (cost {cost:.4g}, accuracy {accuracy:.4g} "
                            "on the training points): the histories must come from the training itself.")]
    return judged, []
