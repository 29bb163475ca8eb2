"""Notebook 07's training cases (``train_accuracy``, ``train_history``) on many random seeds: pass rates and margins.

Hidden seeds come from each course's secret, so any seed must work, for any correct code. This trains, as the
grader does (the sandbox's verified probe, then ``grading.autograde.verify``, then the case's judge), every correct
implementation the tests hold on ``--seeds`` random seeds (default 300):

- reference: the solution package;
- blog, shortcut: ``tests/cases/test_architecture_list_cases.py``'s BlogStyle (``np.random.seed`` + ``randn * 0.1``,
  an unclipped backward pass) and Shortcut (``default_rng``, zero biases, ``dZ = Y_hat - Y``, einsum);
- after_update: the reference with the histories recorded after each update (``tests/test_verify.py``'s honest
  variant).

For each it prints the pass rate and the margins the judges leave: the lowest test accuracy (needs >= 0.9), the
lowest last training accuracy (>= 0.9), the highest cost[-1] / cost[0] (< 0.5), the largest share of verify's
tolerance the last history entries use (< 1), the largest output logit (an unclipped backward pass divides by
zero once 1 / (1 + exp(-Z)) rounds to 1, at Z > 36.7). ``linear`` is the test accuracy of a logistic regression
on the same points: what a straight boundary gets, which the threshold must stay above.

``--random-inits`` adds a batched stress test: on the same seeds, full-batch gradient descent (the reference's maths)
from a different random N(0, 0.1^2) initialisation per seed, with and without random biases, for the case's
problem, for its neighbours (fewer epochs, a larger learning rate: how far the case is from failing) and for the
problem it replaced (raw moons, 2000 epochs at 0.3): how many (seed, init) pairs would fail a judge.

Run ``python bench/train_case_seeds.py`` (about 2 CPU-minutes, 1 BLAS thread; ``--random-inits`` about 4 more);
``--help`` for options.
"""
import argparse
import dataclasses
import time

if __package__ in (None, ""):  # run as a script: python bench/train_case_seeds.py
    import _util
else:
    from . import _util

_util.use_reference()

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from grading.autograde import verify  # noqa: E402
from grading.autograde.sandbox.verified_probes import PROBES  # noqa: E402
from grading.reference import reference_module  # noqa: E402
from tests.case_helpers import patched  # noqa: E402
from tests.cases.test_architecture_list_cases import BlogStyle, Shortcut, module  # noqa: E402
from utils.checks import engine  # noqa: E402
from utils.checks.cases import architecture_list as arch  # noqa: E402

IDS = ("train_accuracy", "train_history")


def after_update():
    """The reference with a train that records the cost and accuracy after each update instead of before it."""
    ref = reference_module()

    def train(X, Y, nn_architecture, epochs, learning_rate, seed=99, verbose=False):
        params = ref.init_layers(nn_architecture, seed)
        cost_history, accuracy_history = [], []
        for _ in range(epochs):
            Y_hat, memory = ref.full_forward_propagation(X, params, nn_architecture)
            grads = ref.full_backward_propagation(Y_hat, Y, memory, params, nn_architecture)
            params = ref.update(params, grads, nn_architecture, learning_rate)
            Y_after, _ = ref.full_forward_propagation(X, params, nn_architecture)
            cost_history.append(ref.get_cost_value(Y_after, Y))
            accuracy_history.append(ref.get_accuracy_value(Y_after, Y))
        return params, cost_history, accuracy_history

    return patched(train=train)


IMPLEMENTATIONS = {"reference": reference_module, "blog": lambda: module(BlogStyle),
                   "shortcut": lambda: module(Shortcut), "after_update": after_update}


def graded(m, seed):
    """({grade id: passed?}, margins) of both training cases on one seed, judged as the grader judges them."""
    ref = reference_module()
    passed, outputs = {}, None
    for grade_id in IDS:
        result = engine.run_probe(dataclasses.replace(engine.CASES[grade_id], probe=PROBES[grade_id]), m, seed)
        if result.status != engine.PASSED:
            passed[grade_id] = False
            continue
        outputs, extra = verify.verify(grade_id, result.outputs, seed)
        status, _ = engine.verdict(engine.CASES[grade_id], engine.Result(engine.PASSED, outputs), None, seed)
        passed[grade_id] = status == engine.PASSED and not extra
    if outputs is None:
        return passed, None
    rng = np.random.default_rng(seed)
    X, Y = arch._moons(rng, arch.TRAIN_POINTS)
    _, Y_test = arch._moons(rng, arch.TRAIN_POINTS)
    params = {name: outputs[name].data for name in outputs if name[0] in "Wb"}
    Y_hat, memory = ref.full_forward_propagation(X, params, arch.TRAIN_ARCH)
    cost, accuracy = ref.get_cost_value(Y_hat, Y), ref.get_accuracy_value(Y_hat, Y)
    costs, accuracies = (outputs[n].data.reshape(-1) for n in ("cost_history", "accuracy_history"))
    rel, absolute = verify.COST_TOLERANCE
    L = len(arch.TRAIN_ARCH)
    margins = {
        "test accuracy": float(np.mean((outputs["Y_hat_test"].data > 0.5) == (Y_test == 1))),
        "last train accuracy": float(accuracies[-1]),
        "cost[-1] / cost[0]": float(costs[-1] / costs[0]),
        "verify tolerance used": max(abs(costs[-1] - cost) / (rel * abs(cost) + absolute),
                                     abs(accuracies[-1] - accuracy) / verify.ACCURACY_TOLERANCE),
        "largest logit": float(np.abs(memory[f"Z{L}"]).max()),
    }
    return passed, margins


def linear_accuracy(seed):
    """Test accuracy of a logistic regression fitted to the seed's training points (a straight boundary)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    X, Y = arch._moons(rng, arch.TRAIN_POINTS)
    X_test, Y_test = arch._moons(rng, arch.TRAIN_POINTS)
    model = LogisticRegression(C=1e4, max_iter=1000).fit(X.T, Y.ravel())
    return float(np.mean(model.predict(X_test.T) == Y_test.ravel()))


WORST = {"test accuracy": min, "last train accuracy": min, "cost[-1] / cost[0]": max, "verify tolerance used": max,
         "largest logit": max}


def real_implementations(seeds):
    print(f"{len(seeds)} random seeds, {arch.TRAIN_EPOCHS} epochs at learning rate {arch.TRAIN_LR}, "
          f"{arch.TRAIN_POINTS} points; worst over the seeds (the judges need: test and train accuracy >= "
          f"{arch.MIN_TEST_ACCURACY}, cost ratio < 0.5, tolerance used < 1)")
    print(f"{'implementation':14s} {'passed':>9s} {'CPU-s/seed':>10s}  " + "  ".join(f"{k:>20s}" for k in WORST))
    for name, make in IMPLEMENTATIONS.items():
        m, rows, failed = make(), [], []
        start = time.process_time()
        for seed in seeds:
            passed, margins = graded(m, seed)
            if not all(passed.values()):
                failed.append((seed, passed))
            if margins:
                rows.append(margins)
        per_seed = (time.process_time() - start) / len(seeds)
        worst = "  ".join(f"{WORST[k](r[k] for r in rows):20.3f}" for k in WORST)
        print(f"{name:14s} {len(seeds) - len(failed):4d}/{len(seeds):<4d} {per_seed:10.3f}  {worst}")
        for seed, passed in failed:
            print(f"    FAILED seed {seed}: {passed}")
    linear = [linear_accuracy(seed) for seed in seeds]
    print(f"{'linear':14s} test accuracy of a straight boundary: median {np.median(linear):.3f}, "
          f"max {max(linear):.3f}")


# ------------------------------------------------------------------------------- batched, random initialisations


def _moons_raw(rng, n):
    X, Y = arch._moons(rng, n)
    return X / arch.MOONS_SCALE + arch.MOONS_CENTRE, Y  # the moons before centring and scaling


def batched_training(seeds, draw, epochs, learning_rate, biases, init_seed=1):
    """Full-batch gradient descent of TRAIN_ARCH on every seed's points at once, each from its own random init.

    Returns {judge: number of seeds it fails} and the largest output logit seen in training.
    """
    data = [(*draw(rng, arch.TRAIN_POINTS), *draw(rng, arch.TRAIN_POINTS))
            for rng in map(np.random.default_rng, seeds)]
    X, Y, X_test, Y_test = (np.array(parts) for parts in zip(*data, strict=True))
    S, n = len(seeds), X.shape[2]
    init = np.random.default_rng(init_seed)
    params = [[0.1 * init.standard_normal((S, layer["output_dim"], layer["input_dim"])),
               0.1 * init.standard_normal((S, layer["output_dim"], 1)) * biases] for layer in arch.TRAIN_ARCH]

    def forward(inputs):
        A, Z = [inputs], []
        for idx, (W, b) in enumerate(params):
            Z.append(W @ A[-1] + b)
            A.append(np.maximum(Z[-1], 0) if idx < len(params) - 1 else np.exp(-np.logaddexp(0, -Z[-1])))
        return A, Z

    def cost_accuracy(A):
        P = np.clip(A[-1], 1e-12, 1 - 1e-12)
        return (-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=(1, 2)),
                np.mean((A[-1] > 0.5) == (Y == 1), axis=(1, 2)))

    first_cost, largest = None, 0.0
    for _ in range(epochs):
        A, Z = forward(X)
        cost, accuracy = cost_accuracy(A)
        first_cost = cost if first_cost is None else first_cost
        largest = max(largest, float(np.abs(Z[-1]).max()))
        dZ = (A[-1] - Y) / n
        for idx in range(len(params) - 1, -1, -1):
            W, b = params[idx]
            dW, db = dZ @ A[idx].transpose(0, 2, 1), dZ.sum(axis=2, keepdims=True)
            if idx:
                dZ = (W.transpose(0, 2, 1) @ dZ) * (Z[idx - 1] > 0)
            params[idx] = [W - learning_rate * dW, b - learning_rate * db]
    final_cost, final_accuracy = cost_accuracy(forward(X)[0])
    test_accuracy = np.mean((forward(X_test)[0][-1] > 0.5) == (Y_test == 1), axis=(1, 2))
    rel, absolute = verify.COST_TOLERANCE
    verify_fails = ~((np.abs(cost - final_cost) <= rel * final_cost + absolute)
                     & (np.abs(accuracy - final_accuracy) <= verify.ACCURACY_TOLERANCE))
    return {"test accuracy < 0.9": int(np.sum(test_accuracy < arch.MIN_TEST_ACCURACY)),
            "history judge": int(np.sum((accuracy < arch.MIN_TEST_ACCURACY) | (cost >= 0.5 * first_cost))),
            "verify": int(np.sum(verify_fails)),
            "min test accuracy": float(test_accuracy.min())}, largest


def random_inits(seeds):
    print(f"\nbatched, one random N(0, 0.1^2) init per seed, {len(seeds)} seeds: seeds failing each judge")
    epochs, learning_rate = arch.TRAIN_EPOCHS, arch.TRAIN_LR
    problems = {"this case": (arch._moons, epochs, learning_rate),
                f"margin: 2/3 of the epochs ({2 * epochs // 3})": (arch._moons, 2 * epochs // 3, learning_rate),
                f"margin: 1/2 of the epochs ({epochs // 2})": (arch._moons, epochs // 2, learning_rate),
                f"margin: 1.5x the learning rate ({1.5 * learning_rate:g})": (arch._moons, epochs, 1.5 * learning_rate),
                "before (raw moons, 2000 epochs, lr 0.3)": (_moons_raw, 2000, 0.3)}
    for name, (draw, epochs, learning_rate) in problems.items():
        for biases in (1.0, 0.0):
            start = time.process_time()
            fails, largest = batched_training(seeds, draw, epochs, learning_rate, biases)
            print(f"  {name:42s} {'random' if biases else 'zero':6s} biases: "
                  + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in fails.items())
                  + f", largest logit {largest:.1f} ({time.process_time() - start:.0f} CPU-s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=300, help="how many random seeds (default 300)")
    parser.add_argument("--first", type=int, default=2026, help="seed of the generator that draws the seeds")
    parser.add_argument("--random-inits", action="store_true", help="add the batched random-init stress test")
    parser.add_argument("--no-implementations", action="store_true",
                        help="skip grading the implementations (with --random-inits: the batched test only)")
    args = parser.parse_args()
    seeds = [int(s) for s in np.random.default_rng(args.first).integers(0, 2**63, size=args.seeds)]
    with threadpool_limits(1):
        if not args.no_implementations:
            real_implementations(seeds)
        if args.random_inits:
            random_inits(seeds)


if __name__ == "__main__":
    main()
