"""Cases of notebook 1, the affine layer."""
from ..engine import case

HINT_RESHAPE = {
    "en": "flatten each sample with x.reshape(x.shape[0], -1) before the matrix product.",
    "zh": "先用 x.reshape(x.shape[0], -1) 把每个样本展平，再做矩阵乘法。",
}
HINT_BACKWARD = {
    "en": "dx = dout @ w.T reshaped to x's shape; dw = x_flat.T @ dout; db sums dout over the batch.",
    "zh": "dx = dout @ w.T 再还原成 x 的形状；dw = x_flat.T @ dout；db 是 dout 沿批次维求和。",
}


def _layer(rng, input_shape=(4,), M=3, N=2, dtype="float64"):
    """Random x (N, *input_shape), w (D, M), b (M,)."""
    D = 1
    for d in input_shape:
        D *= d
    x = rng.standard_normal((N, *input_shape)).astype(dtype)
    w = rng.standard_normal((D, M)).astype(dtype)
    b = rng.standard_normal(M).astype(dtype)
    return x, w, b


@case("affine_forward_value", "affine_forward", hint=HINT_RESHAPE)
def _(m, rng):
    out, _ = m.affine_forward(*_layer(rng, (5,), M=3, N=4))
    return {"out": out}


@case("affine_forward_nd_input", "affine_forward", hint=HINT_RESHAPE)
def _(m, rng):
    out, _ = m.affine_forward(*_layer(rng, (2, 3, 4), M=5, N=3))
    return {"out": out}


@case("affine_forward_float32", "affine_forward", hint=HINT_RESHAPE, kind_hints={"dtype": {
    "en": "keep the input dtype: no np.float64 arrays or casts inside the layer.",
    "zh": "保持输入的数据类型：层内不要创建 float64 数组或做类型转换。"}})
def _(m, rng):
    out, _ = m.affine_forward(*_layer(rng, (3, 4), M=6, N=5, dtype="float32"))
    return {"out": out}


def _backward(m, rng, input_shape):
    x, w, b = _layer(rng, input_shape, M=4, N=3)
    out, cache = m.affine_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    return m.affine_backward(dout, cache)


@case("affine_backward_dx", "affine_backward", hint=HINT_BACKWARD)
def _(m, rng):
    return {"dx": _backward(m, rng, (6,))[0]}


@case("affine_backward_dw", "affine_backward", hint=HINT_BACKWARD)
def _(m, rng):
    return {"dw": _backward(m, rng, (6,))[1]}


@case("affine_backward_db", "affine_backward", hint=HINT_BACKWARD)
def _(m, rng):
    return {"db": _backward(m, rng, (6,))[2]}


@case("affine_backward_nd_input", "affine_backward", hint=HINT_BACKWARD)
def _(m, rng):
    dx, dw, db = _backward(m, rng, (2, 3, 2))
    return {"dx": dx, "dw": dw, "db": db}
