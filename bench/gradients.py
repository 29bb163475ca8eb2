"""Why backprop: the numerical gradient against backpropagation on the same net (the table of notebook 06).

The reference ``TwoLayerNet`` (sigmoid hidden layer, softmax output, float64), set up as the "why backprop"
notebook does: 20 random samples of 64 features, 10 classes, hidden sizes 2 to 64; ``numerical_gradient``
(centred differences, two loss evaluations per parameter) against ``gradient`` (one forward and one backward pass),
each the fastest of several runs (numerical: 3; backprop: at least 50 over at least 0.5 s; the notebook takes 1
and 50). The table gives the parameter count P, both times, their ratio and the largest relative error between the
two gradients. The last row is the notebook's estimate at MNIST size: one SGD step of the book's training (784-50-10,
batch 100) with numerical gradients, 2P times the measured time of one loss evaluation, and 10000 such steps.

Run ``python -m bench.gradients`` (``--help`` for options).
"""
import argparse
import time

if __package__ in (None, ""):  # run as a script: python bench/gradients.py
    import _util
else:
    from . import _util

_util.use_reference()

import numpy as np  # noqa: E402

from classifiers.chapter3 import TwoLayerNet  # noqa: E402
from utils.gradient_check import rel_error  # noqa: E402

INPUT, OUTPUT, BATCH = 64, 10, 20
HIDDEN = (2, 4, 8, 16, 32, 64)


def fastest(f, repeat, min_time=0.0):
    """(fastest wall-clock seconds of f() over at least `repeat` runs spread over at least `min_time` seconds, the
    last result). Spreading the runs out keeps one burst of load from other processes out of the minimum."""
    best, result, n, start = np.inf, None, 0, time.perf_counter()
    while n < repeat or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - t0)
        n += 1
    return best, result


def n_params(net):
    return sum(p.size for p in net.params.values())


def measure(hidden, x, t, repeat_numerical=3, repeat_backprop=50):
    np.random.seed(0)  # TwoLayerNet draws its weights from the global generator, as in the book
    net = TwoLayerNet(input_size=x.shape[1], hidden_size=hidden, output_size=OUTPUT)
    t_num, num = fastest(lambda: net.numerical_gradient(x, t), repeat_numerical)
    t_ana, ana = fastest(lambda: net.gradient(x, t), repeat_backprop, min_time=0.5)
    err = max(rel_error(num[k], ana[k]) for k in net.params)
    return {"hidden": hidden, "params": n_params(net), "numerical_s": t_num, "backprop_s": t_ana,
            "ratio": t_num / t_ana, "max_rel_error": err}


def mnist_estimate(hidden=50, batch=100, steps=10000):
    """The notebook's estimate: seconds of one numerical-gradient step (2P loss evaluations) and of one backprop
    step for a 784-hidden-10 net on a batch of random MNIST-like data, and of `steps` of each."""
    np.random.seed(0)
    net = TwoLayerNet(input_size=784, hidden_size=hidden, output_size=OUTPUT)
    rng = np.random.default_rng(3)
    x, t = rng.random((batch, 784)), rng.integers(OUTPUT, size=batch)
    t_loss, _ = fastest(lambda: net.loss(x, t), 20, min_time=1.0)
    t_ana, _ = fastest(lambda: net.gradient(x, t), 20, min_time=1.0)
    P = n_params(net)
    return {"hidden": hidden, "batch": batch, "params": P, "loss_s": t_loss, "numerical_s": 2 * P * t_loss,
            "backprop_s": t_ana, "steps": steps}


def run(hidden_sizes=HIDDEN, batch=BATCH, features=INPUT, estimate=True):
    print("\n".join(_util.describe_machine()))
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((batch, features)), rng.integers(OUTPUT, size=batch)
    results = [measure(h, x, t) for h in hidden_sizes]
    rows = [[f"{features}-{r['hidden']}-{OUTPUT}", f"{r['params']:,}", f"{r['numerical_s']:.4f}",
             f"{1000 * r['backprop_s']:.3f}", f"{r['ratio']:,.0f}", f"{r['max_rel_error']:.1e}"] for r in results]
    est, note = None, None
    if estimate:
        est = mnist_estimate()
        rows.append([f"784-{est['hidden']}-{OUTPUT}, batch {est['batch']} (estimate)", f"{est['params']:,}",
                     f"{est['numerical_s']:.1f}", f"{1000 * est['backprop_s']:.3f}",
                     f"{est['numerical_s'] / est['backprop_s']:,.0f}", "—"])
        note = (f"estimate row: 2P x one loss evaluation ({1000 * est['loss_s']:.3f} ms); the book's "
                f"{est['steps']} training steps would take {est['steps'] * est['numerical_s'] / 3600:,.0f} h with "
                f"numerical gradients, {est['steps'] * est['backprop_s']:.1f} s with backprop")
    _util.table(f"gradients: TwoLayerNet numerical_gradient vs gradient (backprop), float64, {batch} samples of "
                f"{features} features, fastest of 3 / >= 50 runs",
                ["net", "P", "numerical s", "backprop ms", "numerical / backprop", "max rel. error"], rows, note=note)
    return {"results": results, "mnist_estimate": est}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hidden", type=int, nargs="+", default=list(HIDDEN),
                    help="hidden sizes (default: " + " ".join(map(str, HIDDEN)) + ")")
    ap.add_argument("--batch", type=int, default=BATCH, help=f"samples (default {BATCH})")
    ap.add_argument("--features", type=int, default=INPUT, help=f"input features (default {INPUT})")
    ap.add_argument("--no-estimate", action="store_true", help="leave out the MNIST-size estimate row")
    ap.add_argument("--threads", type=int, help="BLAS threads (default NumPy's; 1 is steadier on a busy machine)")
    args = ap.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.threads, user_api="blas"):
            return run(args.hidden, args.batch, args.features, not args.no_estimate)
    return run(args.hidden, args.batch, args.features, not args.no_estimate)


if __name__ == "__main__":
    main()
