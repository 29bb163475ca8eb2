"""One training epoch of the reference FullyConnectedNet against PyTorch CPU and against bare NumPy matmuls.

The net is 3072-100-10 (affine - ReLU - affine - softmax), float32, minibatches of 200 taken in a shuffled order
(one gather ``X[idx]`` per batch, as Solver does), plain SGD with learning rate 1e-3: the reference's
``model.loss`` and ``optim.sgd``. The contenders run in the same process and take turns every 5 steps (``--block``)
in a rotating order, so that all of them see the same machine load; an epoch's time is the sum of its turns, the
tables show the median of the epochs (``--repeats``) and the median of the per-epoch ratios:

- ours: the reference ``FullyConnectedNet.loss`` + ``optim.sgd``, exactly what Solver runs per step;
- torch: ``nn.Linear - nn.ReLU - nn.Linear``, ``nn.CrossEntropyLoss``, ``torch.optim.SGD`` (skipped when torch
  is not installed), with ``torch.set_num_threads`` equal to NumPy's BLAS threads;
- bare: the same batch gather and only the matrix products of the layer maths in NumPy: forward ``X@W1``,
  ``H@W2``; backward ``H.T@dS``, ``dS@W2.T``, ``X.T@dH`` and ``dH@W1.T`` (the reference also returns dX for the
  input layer); "bare, no dX" leaves the last one out, as torch does for an input that needs no gradient;
- gather: the batch gather alone.

Run ``python -m bench.train_epoch`` (``--help`` for options); ``--profile`` adds where the reference's time goes.
"""
import argparse
import os
import time

if __package__ in (None, ""):  # run as a script: python bench/train_epoch.py
    import _util
else:
    from . import _util

_util.use_reference()

import numpy as np  # noqa: E402

from classifiers.chapter3 import FullyConnectedNet  # noqa: E402
from classifiers.chapter3.layers import (  # noqa: E402
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)
from classifiers.chapter3.optim import sgd  # noqa: E402

D, H, C = 3 * 32 * 32, 100, 10
BATCH = 200
LR = 1e-3
WEIGHT_SCALE = 1e-2


def make_data(n, seed=0):
    """Random CIFAR-shaped float32 images (mean-subtracted pixel scale) and labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3, 32, 32), dtype=np.float32)
    X *= 60.0
    y = rng.integers(C, size=n)
    return X, y


def batches(perm, batch=BATCH):
    """The index arrays of the full minibatches of one epoch."""
    return [perm[start:start + batch] for start in range(0, len(perm) - batch + 1, batch)]


# ---------------------------------------------------------------------------------------------------------------
# Contenders: constructed on the data, run(list of index arrays) does those SGD steps, returns the last loss
# ---------------------------------------------------------------------------------------------------------------

class Ours:
    name = "ours (reference)"

    def __init__(self, X, y, seed=0):
        self.X, self.y = X, y
        self.model = FullyConnectedNet(D, (H,), C, weight_scale=WEIGHT_SCALE, dtype=np.float32, seed=seed)
        self.configs = {k: {"learning_rate": LR} for k in self.model.params}

    def run(self, idxs):
        model, configs, X, y = self.model, self.configs, self.X, self.y
        loss = None
        for idx in idxs:
            loss, grads = model.loss(X[idx], y[idx])
            for k in model.params:
                model.params[k], configs[k] = sgd(model.params[k], grads[k], configs[k])
        return float(loss)


class Torch:
    name = "torch CPU"

    def __init__(self, X, y, init_params=None, threads=None):
        import torch

        self.torch = torch
        if threads:
            torch.set_num_threads(threads)
        self.X = torch.from_numpy(X.reshape(len(X), -1))  # shares memory, no copy
        self.y = torch.from_numpy(y)
        self.net = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, C))
        if init_params is not None:
            with torch.no_grad():
                for layer, i in ((self.net[0], 1), (self.net[2], 2)):
                    layer.weight.copy_(torch.from_numpy(init_params[f"W{i}"].T.copy()))
                    layer.bias.copy_(torch.from_numpy(init_params[f"b{i}"]))
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.net.parameters(), lr=LR)

    def run(self, idxs):
        torch, net, opt, loss_fn = self.torch, self.net, self.opt, self.loss_fn
        loss = None
        for idx in idxs:
            idx = torch.from_numpy(idx)  # a view, no copy
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(self.X[idx]), self.y[idx])
            loss.backward()
            opt.step()
        return loss.item()


class Bare:
    name = "bare matmuls (6)"

    def __init__(self, X, y, with_dx=True):
        rng = np.random.default_rng(1)
        self.X = X.reshape(len(X), -1)
        self.W1 = (WEIGHT_SCALE * rng.standard_normal((D, H))).astype(np.float32)
        self.W2 = (WEIGHT_SCALE * rng.standard_normal((H, C))).astype(np.float32)
        self.with_dx = with_dx
        if not with_dx:
            self.name = "bare, no dX (5)"

    def run(self, idxs):
        X, W1, W2 = self.X, self.W1, self.W2
        for idx in idxs:
            xb = X[idx]
            h = xb @ W1
            s = h @ W2            # stands in for dscores below: same shape, the values do not matter
            h.T @ s               # dW2
            dh = s @ W2.T         # dH
            xb.T @ dh             # dW1
            if self.with_dx:
                dh @ W1.T         # dX
        return 0.0


class Gather:
    name = "batch gather only"

    def __init__(self, X, y):
        self.X = X.reshape(len(X), -1)

    def run(self, idxs):
        for idx in idxs:
            self.X[idx]
        return 0.0


# ---------------------------------------------------------------------------------------------------------------
# Profile of the reference: the same calls FullyConnectedNet.loss and the SGD step make, each timed
# ---------------------------------------------------------------------------------------------------------------

def profile_reference(X, y, idxs, seed=0):
    """Seconds per epoch spent in each step of the reference's training step (same calls, same order)."""
    model = FullyConnectedNet(D, (H,), C, weight_scale=WEIGHT_SCALE, dtype=np.float32, seed=seed)
    configs = {k: {"learning_rate": LR} for k in model.params}
    p = model.params
    t = dict.fromkeys(["batch gather X[idx], y[idx]", "X.astype(dtype, copy=False)", "affine_forward 1 (X@W1+b1)",
                       "relu_forward", "affine_forward 2 (H@W2+b2)", "softmax_loss", "affine_backward 2",
                       "relu_backward", "affine_backward 1 (dX, dW1, db1)", "  of which dX = dout@W1.T",
                       "reg terms (reg=0: still 2 passes/W)", "sgd updates (4 params)"], 0.0)
    clock = time.perf_counter
    for idx in idxs:
        t0 = clock()
        Xb, yb = X[idx], y[idx]
        t1 = clock()
        Xb = Xb.astype(model.dtype, copy=False)
        t2 = clock()
        a, fc1 = affine_forward(Xb, p["W1"], p["b1"])
        t3 = clock()
        h, r1 = relu_forward(a)
        t4 = clock()
        scores, fc2 = affine_forward(h, p["W2"], p["b2"])
        t5 = clock()
        loss, dscores = softmax_loss(scores, yb)
        t6 = clock()
        grads = {}
        dh, grads["W2"], grads["b2"] = affine_backward(dscores, fc2)
        t7 = clock()
        da = relu_backward(dh, r1)
        t8 = clock()
        _, grads["W1"], grads["b1"] = affine_backward(da, fc1)
        t9 = clock()
        for i in (1, 2):
            W = p[f"W{i}"]
            loss += 0.5 * model.reg * np.sum(W * W)
            grads[f"W{i}"] += model.reg * W
        t10 = clock()
        for k in p:
            p[k], configs[k] = sgd(p[k], grads[k], configs[k])
        t11 = clock()
        da @ p["W1"].T
        t12 = clock()
        for key, dt in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7, t9 - t8,
                               t12 - t11, t10 - t9, t11 - t10), strict=True):
            t[key] += dt
    return t


# ---------------------------------------------------------------------------------------------------------------

def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def same_losses(X, y, perm, threads, steps=20):
    """Relative difference of the losses of ours and torch after the same steps from the same initial weights (a
    check that both time the same computation)."""
    ours = Ours(X, y)
    theirs = Torch(X, y, init_params={k: v.copy() for k, v in ours.model.params.items()}, threads=threads)
    short = batches(perm)[:steps]
    a, b = ours.run(short), theirs.run(short)
    return abs(a - b) / abs(b)


def run(n=49000, repeats=5, threads=None, use_torch=True, profile=False, seed=0, block=5, extra=()):
    """Measure and print the tables; returns a dict of the medians (seconds per epoch) and ratios.

    threads: BLAS (and torch) threads, default NumPy's. block: steps each contender runs before the next one takes
    over. extra: more contender classes, constructed as cls(X, y) (to try a changed reference side by side).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threads then stay as they are; torch gets its own default
        threadpool_limits = None
    threads = threads or _util.numpy_blas_threads()
    limiter = threadpool_limits(limits=threads, user_api="blas") if threads and threadpool_limits else None
    try:
        return _run(n, repeats, threads, use_torch, profile, seed, block, extra)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()


def _load():
    try:
        return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except OSError:
        return "load average unknown"


def _run(n, repeats, threads, use_torch, profile, seed, block, extra):
    X, y = make_data(n, seed)
    perm = np.random.default_rng(seed + 1).permutation(n)
    idxs = batches(perm)
    steps = len(idxs)
    have_torch = use_torch and torch_available()
    contenders = [Ours(X, y)]
    torch_threads = None
    if have_torch:
        contenders.append(Torch(X, y, threads=threads))
        torch_threads = contenders[-1].torch.get_num_threads()
    contenders += [cls(X, y) for cls in extra]
    contenders += [Bare(X, y), Bare(X, y, with_dx=False), Gather(X, y)]
    names = [c.name for c in contenders]

    print("\n".join(_util.describe_machine()))
    print(f"threads: numpy BLAS {_util.numpy_blas_threads()}, torch "
          f"{torch_threads if have_torch else '(not installed)' if use_torch else '(--no-torch)'}; {_load()}")
    if have_torch:
        import torch

        print(f"torch {torch.__version__}; loss after 20 steps from the same weights, ours vs torch: rel. diff "
              f"{same_losses(X, y, perm, threads):.1e}")

    for c in contenders:  # warm-up
        c.run(idxs[:10])
    # Every epoch is timed in blocks of `block` steps, the contenders taking turns (rotating order), so that all of
    # them see the same machine load; an epoch's time is the sum of its blocks.
    times = {name: [] for name in names}
    clock = time.perf_counter
    k = 0
    contention = _util.Contention().__enter__()
    for _ in range(repeats):
        epoch = dict.fromkeys(names, 0.0)
        for start in range(0, steps, block):
            chunk = idxs[start:start + block]
            k += 1
            for c in contenders[k % len(contenders):] + contenders[:k % len(contenders)]:
                t0 = clock()
                c.run(chunk)
                epoch[c.name] += clock() - t0
        for name in names:
            times[name].append(epoch[name])

    contention.__exit__(None, None, None)
    med = {name: _util.median(v) for name, v in times.items()}

    def ratio(a, b):  # median over the repetitions of the paired ratio
        return _util.median([x / y for x, y in zip(times[a], times[b], strict=True)])

    ours = Ours.name
    rows = []
    for name in names:
        rows.append([name, f"{med[name]:.3f}", f"{min(times[name]):.3f}", f"{1000 * med[name] / steps:.2f}",
                     f"{ratio(name, ours):.2f}"])
    if not have_torch:
        rows.insert(1, [Torch.name, "—", "—", "—", "—"])
    _util.table(f"train_epoch: FullyConnectedNet 3072-100-10, float32, batch {BATCH}, SGD lr {LR}, N = {n} "
                f"({steps} steps), {threads} thread(s), median of {repeats} epochs interleaved in blocks of {block} "
                "steps", ["contender", "s/epoch (median)", "min", "ms/step", "time / ours"], rows,
                note=f"after the runs: {_load()}; {contention.describe()}")
    result = {"n": n, "steps": steps, "threads": threads, "torch_threads": torch_threads, "median_s": med,
              "other_cpus": contention.others,
              "times_s": times, "ours_over_bare": ratio(ours, Bare.name),
              "ours_over_bare_no_dx": ratio(ours, "bare, no dX (5)")}
    lines = [f"ours / bare (6 matmuls)  = {result['ours_over_bare']:.2f}",
             f"ours / bare, no dX (5)   = {result['ours_over_bare_no_dx']:.2f}"]
    if have_torch:
        result["ours_over_torch"] = ratio(ours, Torch.name)
        verdict = "meets" if result["ours_over_torch"] <= 0.8 else "MISSES"
        lines.insert(0, f"ours / torch             = {result['ours_over_torch']:.2f}   ({verdict} the goal <= 0.80)")
        for cls in extra:
            result[f"{cls.name} / torch"] = ratio(cls.name, Torch.name)
            lines.append(f"{cls.name} / torch = {result[f'{cls.name} / torch']:.2f}")
    else:
        lines.insert(0, "ours / torch             = —   (torch not installed: pip install torch==2.13.0 to compare)")
    print("\n".join(lines))

    if profile:
        t = profile_reference(X, y, idxs, seed)
        total = sum(v for k, v in t.items() if not k.startswith("  "))
        _util.table("train_epoch --profile: where the reference's epoch goes (same calls as model.loss + sgd)",
                    ["step", "s/epoch", "share"],
                    [[k, f"{v:.3f}", f"{100 * v / total:.0f}%"] for k, v in t.items()] + [["total", f"{total:.3f}",
                                                                                          "100%"]])
        result["profile"] = t
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=49000, help="training samples per epoch (default 49000; smaller N "
                    "gives fewer steps of the same per-step work)")
    ap.add_argument("--repeats", type=int, default=5, help="timed epochs per contender (default 5)")
    ap.add_argument("--threads", type=int, nargs="+", default=[None],
                    help="BLAS/torch threads; several values give one table each (default: NumPy's BLAS threads)")
    ap.add_argument("--block", type=int, default=5, help="steps per turn when interleaving (default 5)")
    ap.add_argument("--no-torch", action="store_true", help="leave torch out even when it is installed")
    ap.add_argument("--profile", action="store_true", help="also time each step of the reference")
    args = ap.parse_args(argv)
    return [run(args.n, args.repeats, t, not args.no_torch, args.profile, block=args.block) for t in args.threads]


if __name__ == "__main__":
    main()
