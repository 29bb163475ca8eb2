"""Three independent authors of ``layers.py`` and the copies made of them: the similarity demo's, tests' and
benchmark's material; and a student who hands in two assignments, each in its own nbgrader folder
(``TWO_HAND_INS``).

``ALICE`` and ``DAVE`` are correct solutions written independently of each other and of the reference
(different idioms, names and structure); ``renamed(ALICE)`` is Alice's work with every local name changed, the
usual disguise of a copy. ``fill(stub, bodies)`` writes bodies into the release's stub (``# YOUR CODE HERE`` +
``raise NotImplementedError`` of each function), so every author keeps the docstrings every student got.
"""
import re
import textwrap

ALICE = {
    "affine_forward": """
        flat = np.reshape(x, (len(x), -1))
        scores = np.dot(flat, w) + b
        return scores, (x, w, b)
    """,
    "affine_backward": """
        inputs, weights, _bias = cache
        flat = np.reshape(inputs, (len(inputs), -1))
        grad_w = np.dot(flat.T, dout)
        grad_b = np.sum(dout, axis=0)
        grad_x = np.dot(dout, weights.T).reshape(inputs.shape)
        return grad_x, grad_w, grad_b
    """,
    "relu_forward": """
        mask = x > 0
        return np.where(mask, x, 0).astype(x.dtype, copy=False), mask
    """,
    "relu_backward": """
        mask = cache
        return np.where(mask, dout, 0).astype(dout.dtype, copy=False)
    """,
    "sigmoid_forward": """
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return out, out
    """,
    "sigmoid_backward": """
        s = cache
        slope = s - s**2
        return dout * slope
    """,
    "softmax_loss": """
        num = x.shape[0]
        z = x - np.max(x, axis=1, keepdims=True)
        expz = np.exp(z)
        total = np.sum(expz, axis=1, keepdims=True)
        probs = expz / total
        picked = z[np.arange(num), y] - np.log(total[:, 0])
        loss = -np.sum(picked) / num
        grad = probs.copy()
        grad[np.arange(num), y] -= 1.0
        return loss, grad / num
    """,
    "bce_loss": """
        tiny = 1e-7 if p.dtype == np.float32 else 1e-12
        q = np.clip(p, tiny, 1 - tiny)
        t = np.reshape(y, q.shape).astype(q.dtype)
        count = q.shape[0]
        loss = -np.sum(t * np.log(q) + (1 - t) * np.log(1 - q)) / count
        dq = (q - t) / (q * (1 - q) * count)
        return loss, dq
    """,
    "mse_loss": """
        count = len(pred)
        err = pred - target
        return np.sum(err**2) / (2 * count), err / count
    """,
}

DAVE = {
    "affine_forward": """
        X = x.reshape(x.shape[0], int(np.prod(x.shape[1:])))
        out = np.einsum("nd,dm->nm", X, w) + b
        return out, {"x": x, "w": w}
    """,
    "affine_backward": """
        x, w = cache["x"], cache["w"]
        X = x.reshape(len(x), -1)
        dw = np.einsum("nd,nm->dm", X, dout)
        db = np.einsum("nm->m", dout)
        dx = np.einsum("nm,dm->nd", dout, w).reshape(*x.shape)
        return dx, dw, db
    """,
    "relu_forward": """
        out = x.clip(min=0)
        return out, x
    """,
    "relu_backward": """
        dx = dout.copy()
        dx[cache <= 0] = 0
        return dx
    """,
    "sigmoid_forward": """
        z = np.exp(-np.abs(x))
        pos = 1.0 / (1.0 + z)
        out = np.where(x >= 0, pos, z * pos)
        return out, out
    """,
    "sigmoid_backward": """
        return dout * cache * (1 - cache)
    """,
    "softmax_loss": """
        N = len(y)
        logits = x - x.max(axis=-1)[:, None]
        log_z = np.log(np.exp(logits).sum(axis=-1))
        logp = logits - log_z[:, None]
        loss = -np.take_along_axis(logp, y.reshape(-1, 1).astype(int), axis=1).mean()
        dx = np.exp(logp)
        dx[np.arange(N), y] -= 1
        return loss, dx / N
    """,
    "bce_loss": """
        eps = 1e-12 if p.dtype != np.float32 else 1e-7
        pc = p.clip(eps, 1 - eps)
        t = y.reshape(pc.shape).astype(pc.dtype)
        N = pc.shape[0]
        loss = -(t * np.log(pc) + (1 - t) * np.log(1 - pc)).sum() / N
        return loss, (pc - t) / (pc * (1 - pc)) / N
    """,
    "mse_loss": """
        N = pred.shape[0]
        d = (pred - target).reshape(N, -1)
        loss = 0.5 * np.einsum("ij,ij->", d, d) / N
        return loss, (pred - target) / N
    """,
}

# A student who hands in 01 with affine_forward written (4 points), then fetches 02 fresh (the release's stubs again)
# and hands it in with only relu_forward written: {assignment: (nbgrader's timestamp.txt, {function: body})}. 02 comes
# in 18 hours after the demo course's due date (grading.demo.DUE_DATES): the class's one late hand-in.
TWO_HAND_INS = {
    "01_affine_layer": ("2026-03-02 10:00:00.000000 UTC", {
        "affine_forward": """
            rows = x.reshape(x.shape[0], -1)
            return rows.dot(w) + b, (x, w, b)
        """,
    }),
    "02_activations": ("2026-03-09 10:00:00.000000 UTC", {
        "relu_forward": """
            return np.maximum(x, 0), x
        """,
    }),
}

# Alice's local names and what the renamed copy calls them (whole words only; parameters stay, as they must).
RENAMES = {"flat": "x2d", "scores": "result", "inputs": "xin", "weights": "W", "_bias": "_unused",
           "grad_w": "dW", "grad_b": "dB", "grad_x": "dX", "mask": "positive", "e": "ex", "slope": "deriv",
           "num": "batch", "z": "shifted_scores", "expz": "exps", "total": "norm", "probs": "p_hat",
           "picked": "correct_logp", "grad": "dscores", "tiny": "eps_clip", "q": "p_c", "t": "labels",
           "count": "n_samples", "dq": "dp_out", "err": "residual"}

STUB_BODY = "    # YOUR CODE HERE\n    raise NotImplementedError\n"


def renamed(bodies, renames=RENAMES):
    """``bodies`` with the local names in ``renames`` replaced (whole identifiers only)."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, renames)) + r")\b")
    return {name: pattern.sub(lambda m: renames[m.group(1)], body) for name, body in bodies.items()}


def fill(stub, bodies):
    """The stub module text with the body of each function in ``bodies`` written in place of its stub lines.

    Inputs:
    - stub: text of a release stub module (``classifiers/chapter3/layers.py``)
    - bodies: {top-level function name: body text (indentation free)}

    Returns the module text; raises ValueError if a function or its stub lines are missing.
    """
    for name, body in bodies.items():
        start = stub.find(f"\ndef {name}(")
        at = stub.find(STUB_BODY, start)
        if start < 0 or at < 0:
            raise ValueError(f"the stub has no function {name} with a '# YOUR CODE HERE' body")
        code = textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", "    ")
        stub = stub[:at] + code + stub[at + len(STUB_BODY):]
    return stub
