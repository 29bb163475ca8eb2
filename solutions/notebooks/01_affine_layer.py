# %% [markdown] lang="zh"
# # 练习 1:仿射层(全连接层)
#
# 仿射层把每个样本的所有输入特征做一次加权求和再加上偏置:若下一层有 $M$ 个神经元,就同时算出 $M$ 个加权和。
# 本练习你将在 `classifiers/chapter3/layers.py` 中实现:
#
# - `affine_forward(x, w, b)`:前向传播;
# - `affine_backward(dout, cache)`:反向传播,求 $x$、$w$、$b$ 的梯度。
#
# 每个带 ✔/✘ 输出的单元格都是自动评分的检查:它会告诉你哪个变量错了、形状或数值差多少。

# %% [markdown] lang="en"
# # Exercise 1: the affine (fully connected) layer
#
# An affine layer takes a weighted sum of all input features of a sample and adds a bias: with $M$ neurons in the
# next layer it computes $M$ weighted sums at once. In `classifiers/chapter3/layers.py` you will write
#
# - `affine_forward(x, w, b)`, the forward pass, and
# - `affine_backward(dout, cache)`, the backward pass: the gradients with respect to $x$, $w$ and $b$.
#
# Every cell that prints ✔/✘ is a graded check: it names the wrong variable and says how far off its shape or
# values are.

# %% locked=true
import sys
from pathlib import Path

import numpy as np

# The course root is the nearest folder (this one or above) that holds classifiers/.
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "classifiers").is_dir())
sys.path.insert(0, str(ROOT))

# %load_ext autoreload
# %autoreload 2

from classifiers.chapter3 import *
from utils.checks import check, set_language
from utils.gradient_check import eval_numerical_gradient_array, rel_error

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 1. 前向传播
#
# 一个小批量 $x$ 的形状是 $(N, d_1, \dots, d_k)$,例如图像是 $(N, 3, 32, 32)$。仿射层把每个样本展平成长度
# $D = d_1 \cdots d_k$ 的行向量,得到 $X \in \mathbb{R}^{N \times D}$,然后
#
# $$\text{out} = X W + b, \qquad W \in \mathbb{R}^{D \times M},\; b \in \mathbb{R}^{M},\; \text{out} \in \mathbb{R}^{N \times M}.$$
#
# $b$ 通过广播加到每一行。`cache` 里只需要存反向传播用得到的东西。
#
# **常见错误:** 用 `x.reshape(-1, D)` 或 `x.reshape(D, N).T` 展平。前者在 $D$ 算错时悄悄得到错误的行数,
# 后者把不同样本的数值混在一起。始终写 `x.reshape(x.shape[0], -1)`:第一维保持为样本数。

# %% [markdown] lang="en"
# ## 1. Forward pass
#
# A minibatch $x$ has shape $(N, d_1, \dots, d_k)$, for images $(N, 3, 32, 32)$. The layer flattens every sample to
# a row of length $D = d_1 \cdots d_k$, which gives $X \in \mathbb{R}^{N \times D}$, and computes
#
# $$\text{out} = X W + b, \qquad W \in \mathbb{R}^{D \times M},\; b \in \mathbb{R}^{M},\; \text{out} \in \mathbb{R}^{N \times M}.$$
#
# $b$ is broadcast onto every row. The `cache` holds only what the backward pass needs.
#
# **Common mistake:** flattening with `x.reshape(-1, D)` or `x.reshape(D, N).T`. The first silently gives the wrong
# number of rows when $D$ is miscounted, the second mixes the values of different samples. Always write
# `x.reshape(x.shape[0], -1)`: the first axis stays the sample axis.

# %%
num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
x = np.linspace(-0.1, 0.5, num=num_inputs * np.prod(input_shape)).reshape(num_inputs, *input_shape)
w = np.linspace(-0.2, 0.3, num=np.prod(input_shape) * output_dim).reshape(np.prod(input_shape), output_dim)
b = np.linspace(-0.3, 0.1, num=output_dim)
try:
    out, _ = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    print("affine_forward relative error (should be about 1e-9 or less):", rel_error(out, correct_out))
except NotImplementedError:
    print("affine_forward is not written yet.")

# %% grade_id="affine_forward_value" points=2
check("affine_forward_value")

# %% grade_id="affine_forward_nd_input" points=1
check("affine_forward_nd_input")

# %% grade_id="affine_forward_float32" points=1
check("affine_forward_float32")

# %% [markdown] lang="zh"
# ## 2. 反向传播
#
# 已知上游梯度 $\frac{\partial L}{\partial \text{out}}$(代码中记作 `dout`,形状 $(N, M)$),由链式法则:
#
# $$\frac{\partial L}{\partial X} = \text{dout}\, W^\top \;(N \times D), \qquad
# \frac{\partial L}{\partial W} = X^\top \text{dout} \;(D \times M), \qquad
# \frac{\partial L}{\partial b} = \sum_{i=1}^{N} \text{dout}_i \;(M).$$
#
# 注意 `dx` 必须还原成原始 `x` 的形状 $(N, d_1, \dots, d_k)$,上一层才能接着往回传。
# 先用数值梯度自己检查一遍:误差应在 $10^{-9}$ 左右或更小。

# %% [markdown] lang="en"
# ## 2. Backward pass
#
# Given the upstream gradient $\frac{\partial L}{\partial \text{out}}$ (`dout` in code, shape $(N, M)$), the chain
# rule gives
#
# $$\frac{\partial L}{\partial X} = \text{dout}\, W^\top \;(N \times D), \qquad
# \frac{\partial L}{\partial W} = X^\top \text{dout} \;(D \times M), \qquad
# \frac{\partial L}{\partial b} = \sum_{i=1}^{N} \text{dout}_i \;(M).$$
#
# `dx` must get back the shape of the original `x`, $(N, d_1, \dots, d_k)$, so that the layer below can continue.
# Check yourself against a numerical gradient first: the errors should be around $10^{-9}$ or smaller.

# %%
rng = np.random.default_rng(231)
x = rng.standard_normal((10, 2, 3))
w = rng.standard_normal((6, 5))
b = rng.standard_normal(5)
dout = rng.standard_normal((10, 5))
try:
    dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    print("dx error:", rel_error(dx_num, dx))
    print("dw error:", rel_error(dw_num, dw))
    print("db error:", rel_error(db_num, db))
except NotImplementedError:
    print("affine_forward or affine_backward is not written yet.")

# %% grade_id="affine_backward_dx" points=2
check("affine_backward_dx")

# %% grade_id="affine_backward_dw" points=2
check("affine_backward_dw")

# %% grade_id="affine_backward_db" points=1
check("affine_backward_db")

# %% grade_id="affine_backward_nd_input" points=1
check("affine_backward_nd_input")

# %% [markdown] lang="zh"
# ## 3. 思考题
#
# 如果 `affine_backward` 返回的 `dx` 形状是 $(N, D)$ 而不是 $(N, d_1, \dots, d_k)$,在只有全连接层的网络里
# 会出错吗?在卷积层接在仿射层之前的网络里呢?用一两句话回答。

# %% [markdown] lang="en"
# ## 3. Question
#
# If `affine_backward` returned `dx` with shape $(N, D)$ instead of $(N, d_1, \dots, d_k)$, would anything break in
# a network made only of fully connected layers? And in one where a convolution comes before the affine layer?
# Answer in one or two sentences.

# %% [markdown] grade_id="affine_backward_shape_answer" points=1 solution=true
# 只有全连接层时不会出错:除第一层外,每个仿射层的输入本来就是二维的 $(N, D)$,`dx` 的形状恰好就对;
# 第一层的 `dx`(对输入数据的梯度)根本不会被用到。如果仿射层前面是卷积层,卷积层的反向传播需要形状为
# $(N, C, H, W')$ 的梯度(它的输出形状),拉平的 `dx` 会让它出错。
#
# Only fully connected layers: nothing breaks. Every affine layer but the first already gets a 2-D input, so
# $(N, D)$ is the shape of its `x`, and the first layer's `dx` (the gradient of the data) is never used. When a
# convolution feeds the affine layer, the convolution's backward pass needs a gradient of its output shape
# $(N, C, H, W')$, and a flat `dx` breaks it.
