"""Cases of notebook 3, losses: softmax cross-entropy, binary cross-entropy and squared error."""
import numpy as np

from ..engine import case

HINT_SOFTMAX = {
    "en": "loss = mean over the N samples of -log softmax(x_i)[y_i]; dx = (softmax(x) - one_hot(y)) / N.",
    "zh": "loss = 对 N 个样本求 -log softmax(x_i)[y_i] 的平均；dx = (softmax(x) - one_hot(y)) / N。",
}
HINT_SOFTMAX_SHIFT = {
    "en": "subtract each ROW's maximum before exponentiating: x - x.max(axis=1, keepdims=True). It changes no "
          "probability, and the largest exponent becomes exp(0) = 1, so nothing overflows.",
    "zh": "求指数前减去每一行各自的最大值：x - x.max(axis=1, keepdims=True)。这不改变任何概率，而最大的指数项"
          "变成 exp(0) = 1，不会再上溢。",
}
HINT_SOFTMAX_LOG = {
    "en": "when the correct class scores thousands below the best one its probability underflows to 0 and "
          "-log(0) = inf. Take the log before exponentiating: log_probs = shifted - log(sum(exp(shifted))), then "
          "loss = -mean(log_probs[range(N), y]).",
    "zh": "当正确类别的得分比最高分低几千时，它的概率会下溢成 0，而 -log(0) = inf。应直接在对数域里计算："
          "log_probs = shifted - log(sum(exp(shifted)))，然后 loss = -mean(log_probs[range(N), y])。",
}
HINT_BCE = {
    "en": "loss = -mean(y log p + (1 - y) log(1 - p)); dp = (p - y) / (p (1 - p)) / N, the derivative with "
          "respect to p (not to the sigmoid's input).",
    "zh": "loss = -mean(y log p + (1 - y) log(1 - p))；dp = (p - y) / (p (1 - p)) / N，这是对 p 的导数"
          "（不是对 sigmoid 输入的导数）。",
}
HINT_BCE_SHAPE = {
    "en": "with p of shape (N, 1) and y of shape (N,), y * np.log(p) broadcasts to (N, N); reshape y to p's "
          "shape first (y = y.reshape(p.shape)) and return dp with p's shape.",
    "zh": "p 的形状为 (N, 1)、y 的形状为 (N,) 时，y * np.log(p) 会广播成 (N, N)；先把 y 变成 p 的形状"
          "（y = y.reshape(p.shape)），返回的 dp 也要和 p 同形状。",
}
HINT_MSE = {
    "en": "loss = 0.5 * sum((pred - target)**2) / N with N = pred.shape[0] (np.mean over every entry divides by "
          "N times the number of outputs); dpred = (pred - target) / N.",
    "zh": "loss = 0.5 * sum((pred - target)**2) / N，其中 N = pred.shape[0]（对所有元素用 np.mean 会除以 N 乘"
          "输出个数）；dpred = (pred - target) / N。",
}


# ---------------------------------------------------------------------------------------------------- softmax

# A loss computed as -log(p + 1e-7) (a textbook guard against log(0)) is off by mean(1e-7 / p_y), up to ~1e-5
# relative on these inputs: right for typical scores, so the typical-input cells accept it (as the nets' cells do).
# Its gradient is exact, and softmax_loss_large_gap, where the guard turns a loss of thousands into 16, stays strict.
LOSS_RTOL = {"loss": 1e-4}


def _scores(rng, N=8, C=5):
    return 2.0 * rng.standard_normal((N, C)), rng.integers(C, size=N)


@case("softmax_loss_value", "softmax_loss", hint=HINT_SOFTMAX, output_rtol=LOSS_RTOL)
def _(m, rng):
    loss, _ = m.softmax_loss(*_scores(rng))
    return {"loss": loss}


@case("softmax_loss_grad", "softmax_loss", hint=HINT_SOFTMAX)
def _(m, rng):
    _, dx = m.softmax_loss(*_scores(rng))
    return {"dx": dx}


@case("softmax_loss_stability", "softmax_loss", hint=HINT_SOFTMAX_SHIFT, output_rtol=LOSS_RTOL)
def _(m, rng):
    """Moderate differences within a row, but whole rows shifted by ±1e3..1e4 (both signs present)."""
    x, y = _scores(rng, N=6)
    offsets = rng.uniform(1e3, 1e4, (6, 1)) * np.array([[1.0], [-1.0], *rng.choice([-1.0, 1.0], (4, 1))])
    loss, dx = m.softmax_loss(x + offsets, y)
    return {"loss": loss, "dx": dx}


@case("softmax_loss_large_gap", "softmax_loss", hint=HINT_SOFTMAX_LOG)
def _(m, rng):
    """Classes 2e3..1e4 apart within every row; sample 0's label is never its best class."""
    N, C = 6, 5
    gaps = rng.uniform(2e3, 1e4, (N, 1))
    x = np.array([rng.permutation(C) for _ in range(N)]) * gaps + rng.standard_normal((N, C))
    y = rng.integers(C, size=N)
    if y[0] == np.argmax(x[0]):
        y[0] = np.argmin(x[0])
    loss, dx = m.softmax_loss(x, y)
    return {"loss": loss, "dx": dx}


@case("softmax_loss_keeps_input", "softmax_loss", output_rtol=LOSS_RTOL, hint=HINT_SOFTMAX, kind_hints={
    "changed input": {
        "en": "do not change x in place (x -= x.max(axis=1, keepdims=True) overwrites the caller's scores): "
              "shifted = x - x.max(axis=1, keepdims=True) makes a new array.",
        "zh": "不要原地修改 x（x -= x.max(axis=1, keepdims=True) 会改掉调用者的分数）："
              "shifted = x - x.max(axis=1, keepdims=True) 会生成一个新数组。"}})
def _(m, rng):
    """The scores after the call, with the loss and gradient: a property cell pays only for right outputs."""
    x, y = _scores(rng, N=6)
    loss, dx = m.softmax_loss(x, y)
    return {"x_after": x, "loss": loss, "dx": dx}


# ---------------------------------------------------------------------------------------------------- BCE


def _bce_inputs(rng, N=8):
    """p in [0.05, 0.95) and int labels, both of shape (N,); both labels present."""
    y = rng.integers(0, 2, N)
    y[:2] = 0, 1
    return rng.uniform(0.05, 0.95, N), rng.permutation(y)


@case("bce_loss_value", "bce_loss", hint=HINT_BCE)
def _(m, rng):
    loss, _ = m.bce_loss(*_bce_inputs(rng))
    return {"loss": loss}


@case("bce_loss_grad", "bce_loss", hint=HINT_BCE)
def _(m, rng):
    _, dp = m.bce_loss(*_bce_inputs(rng))
    return {"dp": dp}


@case("bce_loss_column_shape", "bce_loss", hint=HINT_BCE_SHAPE)
def _(m, rng):
    """p of shape (N, 1) with float labels of shape (N, 1), then with labels of shape (N,)."""
    p, y = _bce_inputs(rng, N=6)
    p, y = p.reshape(-1, 1), y.astype(np.float64)
    loss_col, dp_col = m.bce_loss(p.copy(), y.reshape(-1, 1))
    loss_flat_y, dp_flat_y = m.bce_loss(p.copy(), y)
    return {"loss_col": loss_col, "dp_col": dp_col, "loss_flat_y": loss_flat_y, "dp_flat_y": dp_flat_y}


# A student may clip with any eps up to 1e-6 (the reference uses 1e-12); a confidently wrong sample then costs
# -log(eps) each. The other bound, 1e-17, is generous on purpose: an eps below about 1.1e-16 no longer clips p = 1
# in float64 (1 - eps == 1), and the finite rule reports that before this bound matters.
BCE_WRONG_TERM = (-np.log(1e-6), -np.log(1e-17))  # (13.8, 39.1)
BCE_JUDGE_TEXT = {
    "en": {
        "missing": "bce_loss must return (loss, dp); the output `{name}` is missing",
        "unjudgeable": "these outputs cannot be judged ({error})",
        "scalar": "`loss` must be a single number, got shape {shape}",
        "shape": "`dp` has shape {got}, expected {expected} (the shape of p)",
        "finite": "`loss` or `dp` contains NaN or inf when p is exactly 0 or 1: clip p into [eps, 1 - eps] "
                  "(eps = 1e-12, say) before taking logs, and use the clipped p in the gradient too",
        "interior": "`dp` is off where 0 < p < 1: at index {index} got {got:.8g}, expected {expected:.8g}",
        "confident": "at index {index} p = {p:g} already equals y: N·dp should be the slope of the loss there, "
                     "{expected:+g}, got {got:.6g}",
        "wrong": "at index {index} p = {p:g} while y = {y:d}: the gradient must be large and push p toward y "
                 "(N·dp {bound}), got N·dp = {got:.6g}; is p clipped with a tiny eps (1e-15 to 1e-7)?",
        "loss": "`loss` is off: the two confidently wrong samples add {got:.6g} to N·loss, expected -log(eps) each, "
                "between {low:.1f} and {high:.1f} in total for a clip eps from 1e-17 to 1e-6",
    },
    "zh": {
        "missing": "bce_loss 必须返回 (loss, dp)；缺少输出 `{name}`",
        "unjudgeable": "无法评判这些输出（{error}）",
        "scalar": "`loss` 必须是一个数，得到的形状是 {shape}",
        "shape": "`dp` 的形状是 {got}，应为 {expected}（与 p 相同）",
        "finite": "p 恰好为 0 或 1 时，`loss` 或 `dp` 含有 NaN 或 inf：取对数前先把 p 裁剪到 [eps, 1 - eps]"
                  "（例如 eps = 1e-12），计算梯度时也用裁剪后的 p",
        "interior": "0 < p < 1 处 `dp` 的数值不对：下标 {index} 处得到 {got:.8g}，应为 {expected:.8g}",
        "confident": "下标 {index} 处 p = {p:g} 已经等于 y：N·dp 应等于损失在该处的斜率 {expected:+g}，"
                     "得到 {got:.6g}",
        "wrong": "下标 {index} 处 p = {p:g} 而 y = {y:d}：梯度必须很大，并把 p 推向 y（N·dp {bound}），"
                 "得到 N·dp = {got:.6g}；是否用很小的 eps（1e-15 到 1e-7）裁剪了 p？",
        "loss": "`loss` 不对：两个完全判错的样本给 N·loss 贡献了 {got:.6g}，应各为 -log(eps)，"
                "对 1e-17 到 1e-6 之间的 eps 总和应在 {low:.1f} 与 {high:.1f} 之间",
    },
}


def _language():
    """The language ``set_language`` chose (read when a judge runs, after the package finished importing)."""
    from .. import _language as lang

    return lang if lang in BCE_JUDGE_TEXT else "en"


def _bce_extreme_inputs(rng, N=10):
    """p in [0.05, 0.95) except four entries at exactly 0 or 1: two right (p = y), two completely wrong."""
    p, y = _bce_inputs(rng, N)
    special = rng.permutation(N)[:4]
    p[special] = 0.0, 1.0, 0.0, 1.0
    y[special] = 0, 1, 1, 0
    return p, y, special


def _bce_extreme_judge(got, rng):
    """Finite loss and gradient, exact where 0 < p < 1, and the clipped ends within what eps in [1e-17, 1e-6]
    gives: N·dp = ±1 where p = y, |N·dp| >= 1e6 toward y where p = 1 - y, and -log(eps) per wrong sample."""
    text = BCE_JUDGE_TEXT[_language()]
    try:
        return _bce_extreme_rules(got, rng, text)
    except Exception as exc:  # the outputs come from the code under test and may be anything
        return [text["unjudgeable"].format(error=f"{type(exc).__name__}: {exc}")]


def _bce_extreme_rules(got, rng, text):
    p, y, special = _bce_extreme_inputs(rng)
    N = p.shape[0]
    for name in ("loss", "dp"):
        if name not in got:
            return [text["missing"].format(name=name)]
    loss, dp = got["loss"].data, got["dp"].data
    if loss.size != 1:
        return [text["scalar"].format(shape=loss.shape)]
    if dp.shape != p.shape:
        return [text["shape"].format(got=dp.shape, expected=p.shape)]
    if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(dp))):
        return [text["finite"]]
    problems = []
    interior = np.ones(N, dtype=bool)
    interior[special] = False
    p_in = np.where(interior, p, 0.5)  # the ends are judged by the rules below, not by the formula
    exact = (p_in - y) / (p_in * (1 - p_in)) / N
    error = np.where(interior, np.abs(dp - exact) / np.abs(exact), 0.0)
    if error.max() > 1e-4:
        i = int(np.argmax(error))
        problems.append(text["interior"].format(index=i, got=dp[i], expected=exact[i]))
    scaled = N * dp
    for i in special[:2]:  # p = y: the slope of -log p at p = 1 is -1, of -log(1 - p) at p = 0 it is +1
        expected = 1.0 - 2.0 * y[i]
        if abs(scaled[i] - expected) > 1e-2:  # 1/(1 - eps) for the clipped p
            problems.append(text["confident"].format(index=int(i), p=p[i], expected=expected, got=scaled[i]))
    for i in special[2:]:  # p = 1 - y: a push of at least 1e6 toward y
        toward = 1.0 if y[i] == 1 else -1.0
        if -toward * scaled[i] < 1e6:
            problems.append(text["wrong"].format(index=int(i), p=p[i], y=int(y[i]), got=scaled[i],
                                                 bound="<= -1e6" if toward > 0 else ">= +1e6"))
    terms = -(y * np.log(p_in) + (1 - y) * np.log(1 - p_in))
    wrong_total = N * float(loss.reshape(())) - terms[interior].sum()
    low, high = 2 * BCE_WRONG_TERM[0] - 1e-6, 2 * BCE_WRONG_TERM[1] + 1e-6
    if not low <= wrong_total <= high:
        problems.append(text["loss"].format(got=wrong_total, low=low, high=high))
    return problems


@case("bce_loss_extreme", "bce_loss", judge=_bce_extreme_judge, hint={
    "en": "p = 0 or p = 1 makes log(0) = -inf and 0/0 in the gradient. Clip first, p_safe = np.clip(p, eps, 1 - eps) "
          "with a tiny eps such as 1e-12, then use p_safe in the loss and in dp.",
    "zh": "p = 0 或 p = 1 会导致 log(0) = -inf，梯度里出现 0/0。先裁剪：p_safe = np.clip(p, eps, 1 - eps)，"
          "eps 取很小的数（如 1e-12），然后在损失和 dp 中都使用 p_safe。"})
def _(m, rng):
    p, y, _ = _bce_extreme_inputs(rng)
    loss, dp = m.bce_loss(p, y)
    return {"loss": loss, "dp": dp}


# ---------------------------------------------------------------------------------------------------- MSE


def _regression(rng, N=6, K=3):
    """pred and target of shape (N, K), and of shape (N,)."""
    pred, target = rng.standard_normal((2, N, K))
    pred_1d, target_1d = rng.standard_normal((2, N))
    return (pred, target), (pred_1d, target_1d)


@case("mse_loss_value", "mse_loss", hint=HINT_MSE)
def _(m, rng):
    two_d, one_d = _regression(rng)
    return {"loss": m.mse_loss(*two_d)[0], "loss_1d": m.mse_loss(*one_d)[0]}


@case("mse_loss_grad", "mse_loss", hint=HINT_MSE)
def _(m, rng):
    two_d, one_d = _regression(rng)
    return {"dpred": m.mse_loss(*two_d)[1], "dpred_1d": m.mse_loss(*one_d)[1]}
