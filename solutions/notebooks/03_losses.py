# %% [markdown] lang="zh"
# # 练习 3：损失函数
#
# 损失函数（loss
# function）把网络的输出和正确答案相比较，得到**一个数**，训练就是让这个数变小。它的梯度也是反向传播的起点：网络里每个参数的梯度，都是从损失对网络输出的梯度出发，一层一层传回去的。本练习要在
# `classifiers/chapter3/layers.py` 中实现三种损失，每一种都和一种输出层搭配使用：
#
# - `softmax_loss(x, y)`：多分类（每个样本属于 $C$ 类中的某一类），softmax 交叉熵；
# - `bce_loss(p, y)`：二分类（每个样本的标签是 0 或 1），二元交叉熵（binary cross-entropy）；
# - `mse_loss(pred, target)`：回归（预测实数），平方误差。
#
# 三个函数都返回 `(loss, 梯度)`，并且都对 $N$ 个样本**求平均**。这样，批量大小变了，合适的学习率不必跟着变。

# %% [markdown] lang="en"
# # Exercise 3: loss functions
#
# A loss function compares the network's output with the right answers and gives **one number**: training makes it
# small. Its gradient is also where backpropagation starts: the gradient of every parameter is passed back, layer by
# layer, from the gradient of the loss with respect to the network's output. In `classifiers/chapter3/layers.py` you
# will write three losses, each the partner of one kind of output layer:
#
# - `softmax_loss(x, y)`: multi-class classification (each sample is one of $C$ classes), softmax cross-entropy;
# - `bce_loss(p, y)`: binary classification (each sample's label is 0 or 1), binary cross-entropy;
# - `mse_loss(pred, target)`: regression (predicting real numbers), squared error.
#
# All three return `(loss, gradient)` and **average** over the $N$ samples, so that a good learning rate does not
# change with the batch size.

# %% locked=true
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

# The course root is the nearest folder (this one or above) that holds classifiers/.
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "classifiers").is_dir())
sys.path.insert(0, str(ROOT))

# %matplotlib inline
# %load_ext autoreload
# %autoreload 2

from classifiers.chapter3 import *
from utils.checks import check, demo, set_language
from utils.gradient_check import eval_numerical_gradient, rel_error

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 1. Softmax 交叉熵
#
# 网络最后一层为每个类别输出一个**得分**，$x \in \mathbb{R}^{N \times C}$，可以是任意实数；标签 $y$ 是长度为 $N$
# 的整数数组。Softmax 把每一行得分变成概率，交叉熵再取正确类别概率的负对数：
#
# $$p_{ij} = \frac{e^{x_{ij}}}{\sum_{k} e^{x_{ik}}}, \qquad
# L = -\frac{1}{N} \sum_{i=1}^{N} \log p_{i, y_i}, \qquad
# \frac{\partial L}{\partial x_{ij}} = \frac{1}{N}\big(p_{ij} - \mathbb{1}[j = y_i]\big).$$
#
# 梯度的形式非常简洁：预测的概率减去正确答案的 one-hot 向量，再除以 $N$。
#
# **常见错误：**
# - 用 `x[:, y]` 取正确类别的得分。它取出的是 $N$ 整列，得到 $(N, N)$ 的矩阵。要每行取一个元素，应该写
#   `x[np.arange(N), y]`。
# - 写 `x -= x.max(axis=1, keepdims=True)`。这会原地改掉调用者的得分数组；请写 `shifted = x - ...`，生成新数组。
#
# ### 1.1 数值稳定：减去每行的最大值，在对数域里计算
#
# 得分超过约 709（float32 中约 89）时，$e^{x}$ 就会溢出：$e^{1000} = \infty$，于是 $p = \infty / \infty = $
# `nan`。好在把一行得分同时加上（或减去）同一个常数，softmax 的结果不变：
#
# $$\frac{e^{x_{ij} - m_i}}{\sum_k e^{x_{ik} - m_i}} = \frac{e^{x_{ij}}}{\sum_k e^{x_{ik}}}, \qquad
# m_i = \max_k x_{ik}.$$
#
# 减去每行的最大值以后，最大的指数项是 $e^0 = 1$，分母落在 $[1, C]$
# 之间，不会溢出。注意要**逐行**取最大值：`x.max(axis=1, keepdims=True)`。如果减去整个矩阵的最大值，得分很低的那些行会整行下溢成
# 0，得到 $0/0$。
#
# 还有第二个陷阱：先算出概率，再取对数。当正确类别的得分比最高分低上千时，$p_{i,y_i}$ 下溢成
# 0，$-\log 0 = \infty$。直接在对数域里计算就没有这个问题，这就是 log-sum-exp 技巧：
#
# $$\log p_{ij} = (x_{ij} - m_i) - \log \sum_k e^{x_{ik} - m_i}.$$
#
# ### 1.2 第一次算出的损失约为 $\ln C$
#
# 刚初始化的网络权重很小，所有得分都接近 0，每一类的概率都接近 $1/C$，所以第一次算出的损失应当约为
# $-\log(1/C) = \ln C$。例如 10 类时为 $\ln 10 \approx 2.3026$。每训练一个新网络，都值得先做这个检查：第一次的损失如果离
# $\ln C$ 很远，多半是初始权重太大，或者损失函数写错了。
#
# 下面第一个单元格只用 NumPy 演示这两个陷阱，第二个单元格检验你的 `softmax_loss`：得分取 $10^{-3}$ 量级、共 6
# 类，损失应当接近
# $\ln 6$；梯度与数值梯度一致；此外还核对两条不变性：每行加上同一个常数，损失不变；把同一批样本复制一份拼在一起，平均损失也不变。

# %% [markdown] lang="en"
# ## 1. Softmax cross-entropy
#
# The last layer of the network outputs a **score** per class, $x \in \mathbb{R}^{N \times C}$ (any real numbers);
# the labels $y$ are an integer array of length $N$. Softmax turns every row of scores into probabilities and
# cross-entropy takes the negative log of the right class's probability:
#
# $$p_{ij} = \frac{e^{x_{ij}}}{\sum_{k} e^{x_{ik}}}, \qquad
# L = -\frac{1}{N} \sum_{i=1}^{N} \log p_{i, y_i}, \qquad
# \frac{\partial L}{\partial x_{ij}} = \frac{1}{N}\big(p_{ij} - \mathbb{1}[j = y_i]\big).$$
#
# The gradient is remarkably simple: the predicted probabilities minus the one-hot vector of the right answer,
# divided by $N$.
#
# **Common mistakes:**
# - Picking the right classes' scores with `x[:, y]`. That takes $N$ whole columns, an $(N, N)$ matrix. To take one
#   entry per row, write `x[np.arange(N), y]`.
# - Writing `x -= x.max(axis=1, keepdims=True)`, which changes the caller's array of scores in place; write
#   `shifted = x - ...`, a new array.
#
# ### 1.1 Numerical stability: subtract each row's maximum, work with logs
#
# Scores above about 709 (about 89 in float32) make $e^{x}$ overflow: $e^{1000} = \infty$, and
# $p = \infty / \infty = $ `nan`. Luckily softmax does not change when the same constant is added to a whole row:
#
# $$\frac{e^{x_{ij} - m_i}}{\sum_k e^{x_{ik} - m_i}} = \frac{e^{x_{ij}}}{\sum_k e^{x_{ik}}}, \qquad
# m_i = \max_k x_{ik}.$$
#
# After subtracting each row's maximum, the largest exponential is $e^0 = 1$ and the denominator lies in $[1, C]$:
# no overflow. Take the maximum **per row**, `x.max(axis=1, keepdims=True)`. With the maximum of the whole matrix,
# rows of low scores underflow to 0 entirely and give $0/0$.
#
# There is a second trap: computing probabilities first and taking their log afterwards. When the right class scores
# a thousand below the best one, $p_{i,y_i}$ underflows to 0 and $-\log 0 = \infty$. Working with logs directly
# avoids it; this is the log-sum-exp trick:
#
# $$\log p_{ij} = (x_{ij} - m_i) - \log \sum_k e^{x_{ik} - m_i}.$$
#
# ### 1.2 The first loss is about $\ln C$
#
# A freshly initialised network has tiny weights, so all scores are close to 0, every class gets a probability close
# to $1/C$, and the first loss should be about $-\log(1/C) = \ln C$; with 10 classes, $\ln 10 \approx 2.3026$. This
# is a check worth doing for every new network: a first loss far from $\ln C$ usually means too large initial weights
# or a bug in the loss.
#
# The first cell below shows both traps with NumPy alone; the second checks your `softmax_loss`: with scores of the
# order of $10^{-3}$ and 6 classes the loss should be close to $\ln 6$; the gradient must match the numerical one;
# and two invariants must hold: adding the same constant to every row leaves the loss unchanged, and so does
# stacking the batch twice (the loss is a mean).

# %%
scores = np.array([[800.0, -5.0, -900.0]])
with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # silence the warnings for this demonstration
    unshifted = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    via_probs = -np.log(probs[0, 2])
    via_logs = -(shifted[0, 2] - np.log(np.exp(shifted).sum()))

# %% lang="zh"
print(f"不减最大值的 softmax：{unshifted}")
print(f"减去最大值的 softmax：{probs}")
print(f"类别 2 的 -log p，先算概率再取对数：{via_probs}")
print(f"类别 2 的 -log p，用 log-sum-exp  ：{via_logs}")

# %% lang="en"
print(f"softmax without the shift      : {unshifted}")
print(f"softmax with the shift         : {probs}")
print(f"-log p of class 2, from probs  : {via_probs}")
print(f"-log p of class 2, log-sum-exp : {via_logs}")

# %%
rng = np.random.default_rng(3101)
batch, classes = 64, 6
logits = 1e-3 * rng.standard_normal((batch, classes))
labels = rng.integers(classes, size=batch)
logits_before = logits.copy()

# %% lang="zh"
with demo():
    loss, dlogits = softmax_loss(logits, labels)
    dlogits_num = eval_numerical_gradient(lambda _: softmax_loss(logits, labels)[0], logits, verbose=False)
    moved, _ = softmax_loss(logits + 50.0, labels)
    doubled, _ = softmax_loss(np.vstack([logits, logits]), np.concatenate([labels, labels]))
    print(f"损失 {loss:.4f}，ln {classes} = {np.log(classes):.4f}")
    print(f"dx 与数值梯度的相对误差：{rel_error(dlogits, dlogits_num):.1e}（应在 1e-8 左右或更小）")
    print(f"每行都加上 50，损失不变：{np.isclose(moved, loss)}")
    print(f"同一批样本复制一份，平均损失不变：{np.isclose(doubled, loss)}")
    print(f"输入的得分没有被修改：{np.array_equal(logits, logits_before)}")

# %% lang="en"
with demo():
    loss, dlogits = softmax_loss(logits, labels)
    dlogits_num = eval_numerical_gradient(lambda _: softmax_loss(logits, labels)[0], logits, verbose=False)
    moved, _ = softmax_loss(logits + 50.0, labels)
    doubled, _ = softmax_loss(np.vstack([logits, logits]), np.concatenate([labels, labels]))
    print(f"loss {loss:.4f}, ln {classes} = {np.log(classes):.4f}")
    print(f"relative error of dx against the numerical gradient: {rel_error(dlogits, dlogits_num):.1e} "
          "(should be about 1e-8 or smaller)")
    print(f"adding 50 to every row leaves the loss unchanged: {np.isclose(moved, loss)}")
    print(f"stacking the batch twice leaves the mean loss unchanged: {np.isclose(doubled, loss)}")
    print(f"the input scores are unchanged: {np.array_equal(logits, logits_before)}")

# %% grade_id="softmax_loss_value" points=2
check("softmax_loss_value")

# %% grade_id="softmax_loss_grad" points=2
check("softmax_loss_grad")

# %% grade_id="softmax_loss_stability" points=2
check("softmax_loss_stability")

# %% grade_id="softmax_loss_large_gap" points=1
check("softmax_loss_large_gap")

# %% grade_id="softmax_loss_keeps_input" points=1
check("softmax_loss_keeps_input")

# %% [markdown] lang="zh"
# ## 2. 二元交叉熵（BCE）
#
# 二分类网络通常只输出一个数：经过 sigmoid 之后“属于类别 1 的概率” $p \in (0, 1)$，形状为 $(N,)$ 或 $(N, 1)$；标签
# $y \in \{0, 1\}$。
#
# $$L = -\frac{1}{N} \sum_{i=1}^{N} \big[y_i \log p_i + (1 - y_i) \log(1 - p_i)\big], \qquad
# \frac{\partial L}{\partial p_i} = \frac{1}{N} \cdot \frac{p_i - y_i}{p_i (1 - p_i)}.$$
#
# 如果 $p = \sigma(z)$ 来自 sigmoid，链式法则还要再乘上
# $\sigma'(z) = p(1-p)$，分母正好约掉：$\frac{\partial L}{\partial z_i} = \frac{1}{N}(p_i - y_i)$，和 softmax
# 交叉熵的梯度形式相同。
#
# **常见错误：** 在 `bce_loss` 里直接返回 $(p - y)/N$。那是对 sigmoid 的**输入** $z$ 的梯度，不是对 $p$
# 的梯度；之后再经过 `sigmoid_backward`，就相当于把 $p(1-p)$ 乘了两次。
#
# **裁剪（clip）。** 只要有一个 $p$ 恰好等于 0 或 1，就会出现 $\log 0 = -\infty$，梯度里还会出现
# $0/0$。这在实际中确实会发生：在 float64 中，$\sigma(40)$ 舍入后恰好等于 1，$\sigma(-800)$ 下溢成 0。所以要先把 $p$
# 裁剪到 $[\varepsilon, 1-\varepsilon]$ 之内，即 `np.clip(p, eps, 1 - eps)`，损失和梯度都用裁剪后的值。参考实现在
# float64 中取 $\varepsilon = 10^{-12}$；在 float32 中取 $10^{-7}$，因为 float32 里 $1 - 10^{-12}$ 就等于
# 1。$\varepsilon$ 取 $10^{-15}$ 到 $10^{-7}$ 之间的值都可以；取得太大（比如
# $10^{-3}$），完全判错的样本的损失和梯度都会偏小。
#
# **形状陷阱。** $p$ 的形状是 $(N, 1)$ 而 $y$ 是 $(N,)$ 时，`y * np.log(p)` 会广播成
# $(N, N)$，损失就悄无声息地算错了。先写 `y = y.reshape(p.shape)`，返回的 `dp` 也要和 `p`
# 同形状。下面的单元格演示了这个陷阱。

# %% [markdown] lang="en"
# ## 2. Binary cross-entropy (BCE)
#
# A binary classifier usually outputs a single number per sample: after a sigmoid, "the probability of class 1",
# $p \in (0, 1)$, of shape $(N,)$ or $(N, 1)$; the labels are $y \in \{0, 1\}$.
#
# $$L = -\frac{1}{N} \sum_{i=1}^{N} \big[y_i \log p_i + (1 - y_i) \log(1 - p_i)\big], \qquad
# \frac{\partial L}{\partial p_i} = \frac{1}{N} \cdot \frac{p_i - y_i}{p_i (1 - p_i)}.$$
#
# When $p = \sigma(z)$ comes from a sigmoid, the chain rule multiplies by $\sigma'(z) = p(1-p)$, which cancels the
# denominator: $\frac{\partial L}{\partial z_i} = \frac{1}{N}(p_i - y_i)$, the same form as for softmax
# cross-entropy.
#
# **Common mistake:** returning $(p - y)/N$ from `bce_loss`. That is the gradient with respect to the sigmoid's
# **input** $z$, not with respect to $p$; after `sigmoid_backward` you would have multiplied by $p(1-p)$ twice.
#
# **Clipping.** A single $p$ of exactly 0 or 1 gives $\log 0 = -\infty$, and $0/0$ in the gradient. It does happen:
# in float64, $\sigma(40)$ rounds to exactly 1 and $\sigma(-800)$ underflows to 0. So clip $p$ into
# $[\varepsilon, 1-\varepsilon]$ first, `np.clip(p, eps, 1 - eps)`, and use the clipped values in the loss and in the
# gradient. The reference uses $\varepsilon = 10^{-12}$ in float64, and $10^{-7}$ in float32, where $1 - 10^{-12}$
# is just 1. Any $\varepsilon$ from $10^{-15}$ to $10^{-7}$ is fine; too large a one (say $10^{-3}$) makes the loss
# and the gradient of a completely wrong sample too small.
#
# **Shape trap.** With $p$ of shape $(N, 1)$ and $y$ of shape $(N,)$, `y * np.log(p)` broadcasts to $(N, N)$ and the
# loss is silently wrong. Do `y = y.reshape(p.shape)` first, and return `dp` with the shape of `p`. The next cell
# shows the trap.

# %%
p_column = np.array([[0.7], [0.05], [0.4], [0.99]])
y_row = np.array([1, 0, 0, 1])
edge_p, edge_y = np.array([1.0, 0.0, 1.0, 0.0]), np.array([1, 0, 0, 1])

# %% lang="zh"
print(f"不 reshape 时 y * log(p) 的形状：{(y_row * np.log(p_column)).shape}")
print(f"reshape 之后 y * log(p) 的形状：{(y_row.reshape(p_column.shape) * np.log(p_column)).shape}")
with demo(), np.errstate(over="raise", invalid="raise", divide="raise"):
    loss_column, dp_column = bce_loss(p_column, y_row)
    loss_flat, _ = bce_loss(p_column.ravel(), y_row)
    print(f"p 为 (N, 1) 时损失 {loss_column:.6f}，为 (N,) 时损失 {loss_flat:.6f}（两者应相同），"
          f"dp 的形状 {dp_column.shape}")
    loss_edge, dp_edge = bce_loss(edge_p, edge_y)
    print(f"p 恰好为 0 或 1：损失 {loss_edge:.4f}，dp = {dp_edge}（都是有限数）")

# %% lang="en"
print(f"shape of y * log(p) without a reshape: {(y_row * np.log(p_column)).shape}")
print(f"shape of y * log(p) after the reshape: {(y_row.reshape(p_column.shape) * np.log(p_column)).shape}")
with demo(), np.errstate(over="raise", invalid="raise", divide="raise"):
    loss_column, dp_column = bce_loss(p_column, y_row)
    loss_flat, _ = bce_loss(p_column.ravel(), y_row)
    print(f"loss for p of shape (N, 1): {loss_column:.6f}, of shape (N,): {loss_flat:.6f} (should agree), "
          f"dp shape {dp_column.shape}")
    loss_edge, dp_edge = bce_loss(edge_p, edge_y)
    print(f"p exactly 0 or 1: loss {loss_edge:.4f}, dp = {dp_edge} (all finite)")

# %% [markdown] lang="zh"
# 接下来验证两件事：`bce_loss` 的梯度与数值梯度一致；sigmoid 后面接 BCE 时，对 $z$ 的梯度确实是 $(p - y)/N$。

# %% [markdown] lang="en"
# Next, two checks: the gradient of `bce_loss` matches the numerical one, and with a sigmoid before it, the gradient
# with respect to $z$ is indeed $(p - y)/N$.

# %%
rng = np.random.default_rng(3202)
prob = rng.uniform(0.1, 0.9, 12)
target01 = rng.integers(0, 2, 12)
z = 2 * rng.standard_normal(12)

# %% lang="zh"
with demo():
    loss, dprob = bce_loss(prob, target01)
    dprob_num = eval_numerical_gradient(lambda _: bce_loss(prob, target01)[0], prob, verbose=False)
    print(f"dp 与数值梯度的相对误差：{rel_error(dprob, dprob_num):.1e}（应在 1e-8 左右或更小）")
    s, cache = sigmoid_forward(z)
    dz = sigmoid_backward(bce_loss(s, target01)[1], cache)
    print(f"sigmoid + BCE：dz 与 (p - y) / N 的相对误差 {rel_error(dz, (s - target01) / len(z)):.1e}")

# %% lang="en"
with demo():
    loss, dprob = bce_loss(prob, target01)
    dprob_num = eval_numerical_gradient(lambda _: bce_loss(prob, target01)[0], prob, verbose=False)
    print(f"relative error of dp against the numerical gradient: {rel_error(dprob, dprob_num):.1e} "
          "(should be about 1e-8 or smaller)")
    s, cache = sigmoid_forward(z)
    dz = sigmoid_backward(bce_loss(s, target01)[1], cache)
    print(f"sigmoid + BCE: relative error of dz against (p - y) / N {rel_error(dz, (s - target01) / len(z)):.1e}")

# %% grade_id="bce_loss_value" points=1
check("bce_loss_value")

# %% grade_id="bce_loss_grad" points=2
check("bce_loss_grad")

# %% grade_id="bce_loss_column_shape" points=1
check("bce_loss_column_shape")

# %% grade_id="bce_loss_extreme" points=2
check("bce_loss_extreme")

# %% [markdown] lang="zh"
# ## 3. 平方误差（MSE）
#
# 回归任务预测实数，`pred` 和 `target` 的形状相同，为 $(N, K)$ 或 $(N,)$。我们使用
#
# $$L = \frac{1}{2N} \sum_{i=1}^{N} \lVert \text{pred}_i - \text{target}_i \rVert^2, \qquad
# \frac{\partial L}{\partial\, \text{pred}} = \frac{1}{N}(\text{pred} - \text{target}).$$
#
# 系数 $\frac{1}{2}$ 是为了和求导时落下来的 2 相抵，让梯度更干净。注意**只对样本数 $N$ 求平均**，每个样本的 $K$
# 个输出是相加的。
#
# **常见错误：** 写成 `0.5 * np.mean((pred - target) ** 2)`。`np.mean` 对全部 $N \times K$ 个元素求平均，只有 $K = 1$
# 时才和上式相同。
#
# 下面的演示同样不给标准答案，而是核对两条由公式直接推出的性质：把 $K$ 列分开各算一次损失，加起来应当等于整体的损失（对
# $K$ 求和）；把同一批样本复制一份，损失不变（对 $N$ 求平均）。

# %% [markdown] lang="en"
# ## 3. Squared error (MSE)
#
# A regression predicts real numbers: `pred` and `target` have the same shape, $(N, K)$ or $(N,)$. We use
#
# $$L = \frac{1}{2N} \sum_{i=1}^{N} \lVert \text{pred}_i - \text{target}_i \rVert^2, \qquad
# \frac{\partial L}{\partial\, \text{pred}} = \frac{1}{N}(\text{pred} - \text{target}).$$
#
# The factor $\frac{1}{2}$ cancels the 2 the derivative brings down and keeps the gradient clean. Note that only the
# number of samples $N$ is averaged over; the $K$ outputs of a sample are summed.
#
# **Common mistake:** `0.5 * np.mean((pred - target) ** 2)`. `np.mean` averages over all $N \times K$ entries, which
# agrees with the formula above only when $K = 1$.
#
# Again the demo below has no expected answer; it checks two properties that follow from the formula: the losses of
# the $K$ columns taken one at a time add up to the whole loss (a sum over $K$), and stacking the batch twice leaves
# the loss unchanged (a mean over $N$).

# %%
rng = np.random.default_rng(3303)
guess = rng.standard_normal((9, 4))
truth = rng.standard_normal((9, 4))

# %% lang="zh"
with demo():
    loss, dguess = mse_loss(guess, truth)
    dguess_num = eval_numerical_gradient(lambda _: mse_loss(guess, truth)[0], guess, verbose=False)
    per_column = sum(mse_loss(guess[:, [k]], truth[:, [k]])[0] for k in range(guess.shape[1]))
    doubled, _ = mse_loss(np.vstack([guess, guess]), np.vstack([truth, truth]))
    print(f"损失 {loss:.6f}；dpred 与数值梯度的相对误差 {rel_error(dguess, dguess_num):.1e}（应小于 1e-7）")
    print(f"逐列损失之和 {per_column:.6f}，应与整体损失相同：{np.isclose(per_column, loss)}")
    print(f"同一批样本复制一份，损失不变：{np.isclose(doubled, loss)}")

# %% lang="en"
with demo():
    loss, dguess = mse_loss(guess, truth)
    dguess_num = eval_numerical_gradient(lambda _: mse_loss(guess, truth)[0], guess, verbose=False)
    per_column = sum(mse_loss(guess[:, [k]], truth[:, [k]])[0] for k in range(guess.shape[1]))
    doubled, _ = mse_loss(np.vstack([guess, guess]), np.vstack([truth, truth]))
    print(f"loss {loss:.6f}; relative error of dpred against the numerical gradient "
          f"{rel_error(dguess, dguess_num):.1e} (should be below 1e-7)")
    print(f"sum of the per-column losses {per_column:.6f}, equal to the whole loss: {np.isclose(per_column, loss)}")
    print(f"stacking the batch twice leaves the loss unchanged: {np.isclose(doubled, loss)}")

# %% grade_id="mse_loss_value" points=1
check("mse_loss_value")

# %% grade_id="mse_loss_grad" points=1
check("mse_loss_grad")

# %% [markdown] lang="zh"
# ## 4. 什么时候用哪一个
#
# | 任务 | 输出层 | 损失 | 对输出层输入 $z$ 的梯度 |
# |---|---|---|---|
# | 多分类：$C$ 类中选一类 | 仿射 → softmax | `softmax_loss` | $(p - \text{one\_hot}(y))/N$ |
# | 二分类（或多标签：每个标签各自判断是或否） | 仿射 → sigmoid | `bce_loss` | $(p - y)/N$ |
# | 回归：预测实数 | 仿射（不加激活函数） | `mse_loss` | $(\text{pred} - \text{target})/N$ |
#
# 每一行的输出层和损失都是配套的。搭配正确时，对 $z$ 的梯度都是“预测减去目标”：网络错得越离谱，梯度就越大。
#
# **把 MSE 用在 softmax 输出上会怎样？** 目标是 one-hot 向量时，MSE 对概率的梯度是 $(p - t)/N$，但它还要乘上 softmax
# 的雅可比矩阵 $\operatorname{diag}(p) - pp^\top$，才能传到得分上。当网络**自信地判错**时（正确类别
# $p_y \approx 0$，某个错误类别 $p_k \approx 1$），这个矩阵的每个元素都接近
# 0，梯度也随之消失：网络错得最严重的时候，反而几乎学不到东西。交叉熵没有这个问题，此时它的梯度 $p - \text{one\_hot}(y)$
# 大小约为 1。反过来，把 BCE 用在 softmax 输出上（把每一类当成独立的是非判断）也不对：softmax 的各个概率相加等于
# 1，彼此并不独立，梯度也不再是简单的“预测减去目标”。
#
# 下面的实验有 3 个类别，正确类别是 2，网络给类别 0 的得分比另外两类高出 `margin`。图中画出两种损失对正确类别得分 $x_2$
# 的梯度大小，纵轴是对数刻度。

# %% [markdown] lang="en"
# ## 4. When to use which
#
# | task | output layer | loss | gradient with respect to the output layer's input $z$ |
# |---|---|---|---|
# | multi-class: one of $C$ classes | affine → softmax | `softmax_loss` | $(p - \text{one\_hot}(y))/N$ |
# | binary (or multi-label: a yes/no per label) | affine → sigmoid | `bce_loss` | $(p - y)/N$ |
# | regression: real numbers | affine (no activation) | `mse_loss` | $(\text{pred} - \text{target})/N$ |
#
# In every row, output layer and loss belong together: matched, the gradient at $z$ is "prediction minus target",
# and the more wrong the network, the larger the gradient.
#
# **What goes wrong with MSE on softmax outputs?** With one-hot targets the gradient of MSE with respect to the
# probabilities is $(p - t)/N$, but it must still go through the softmax Jacobian $\operatorname{diag}(p) - pp^\top$
# to reach the scores. When the network is **confidently wrong** (right class $p_y \approx 0$, some wrong class
# $p_k \approx 1$) every entry of that matrix is close to 0 and so is the gradient: the network learns almost
# nothing exactly when its mistake is worst. Cross-entropy has no such problem; its gradient
# $p - \text{one\_hot}(y)$ is then about 1 in size. Conversely, BCE on softmax outputs (treating every class as an
# independent yes/no) is wrong too: softmax probabilities add up to 1 and are not independent, and the gradient is
# no longer simply "prediction minus target".
#
# In the experiment below there are 3 classes, the right one is class 2, and the network scores class 0 higher than
# the other two by `margin`. The plot shows the size of both losses' gradients with respect to the right class's
# score $x_2$, on a log scale.

# %%
def softmax(x):
    """Row-wise softmax, shifted by each row's maximum."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


margins = np.linspace(0, 12, 49)
right_class = np.array([2])
one_hot = np.array([[0.0, 0.0, 1.0]])
with demo():
    ce_grad, mse_grad = [], []
    for margin in margins:
        row = np.array([[margin, 0.0, 0.0]])
        _, drow = softmax_loss(row, right_class)
        ce_grad.append(abs(drow[0, 2]))
        p = softmax(row)
        _, dp = mse_loss(p, one_hot)
        drow = p * (dp - np.sum(dp * p, axis=1, keepdims=True))  # dp through the softmax Jacobian
        mse_grad.append(abs(drow[0, 2]))
    plt.figure(figsize=(7, 3.5))
    plt.semilogy(margins, ce_grad, label="softmax_loss")
    plt.semilogy(margins, mse_grad, label="mse_loss(softmax(x))")
    plt.xlabel("margin = $x_0 - x_2$")
    plt.ylabel("$|\\partial L / \\partial x_2|$")
    plt.legend()
    plt.grid(alpha=0.3)
    plt.show()

# %% lang="zh"
if len(mse_grad) == len(margins):
    print(f"margin = {margins[-1]:.0f} 时：交叉熵的梯度 {ce_grad[-1]:.3f}，MSE 的梯度 {mse_grad[-1]:.1e}")

# %% lang="en"
if len(mse_grad) == len(margins):
    print(f"at margin {margins[-1]:.0f}: cross-entropy gradient {ce_grad[-1]:.3f}, MSE gradient {mse_grad[-1]:.1e}")

# %% [markdown] lang="zh"
# ### 思考题（1 分）
#
# 一位同学用 softmax 输出配 `mse_loss`（目标是 one-hot
# 向量）训练分类器。结合上图，用一两句话说明：被网络严重判错的那些样本，在训练中会怎样？你会怎么改？

# %% [markdown] lang="en"
# ### Question (1 point)
#
# A classmate trains a classifier with softmax outputs and `mse_loss` against one-hot targets. Using the plot, explain
# in one or two sentences what happens during training to the samples the network gets badly wrong, and what you
# would change.

# %% [markdown] grade_id="mse_loss_softmax_answer" points=1 solution=true
# 严重判错的样本处在 softmax 的饱和区，MSE 的梯度乘上 softmax 的雅可比矩阵以后几乎为 0（上图中随 margin
# 按指数下降），这些样本几乎得不到纠正，训练停滞不前。应改用 `softmax_loss`（交叉熵），它在这些样本上的梯度约为 1。
#
# Badly wrong samples sit where the softmax saturates, so the MSE gradient that passes the softmax Jacobian is almost
# 0 (it falls exponentially with the margin in the plot): those samples barely get corrected and training stalls.
# Use `softmax_loss` (cross-entropy) instead, whose gradient there is about 1.

# %% [markdown] lang="zh"
# ## 小结
#
# - `softmax_loss`：逐行减去最大值，用 log-sum-exp 直接算 $\log p$；梯度为
#   $(p - \text{one\_hot}(y))/N$；新网络第一次算出的损失约为 $\ln C$。
# - `bce_loss`：先裁剪 $p$，再把 $y$ 变成 $p$ 的形状；梯度是对 $p$ 求的，为 $(p - y)/(p(1-p))/N$。
# - `mse_loss`：$\frac{1}{2N}\sum (\text{pred} - \text{target})^2$，只除以样本数 $N$。
# - 输出层和损失要配套：softmax 配交叉熵，sigmoid 配二元交叉熵，线性输出配 MSE。

# %% [markdown] lang="en"
# ## Summary
#
# - `softmax_loss`: subtract each row's maximum and compute $\log p$ directly with log-sum-exp; gradient
#   $(p - \text{one\_hot}(y))/N$; a new network's first loss is about $\ln C$.
# - `bce_loss`: clip $p$ first and give $y$ the shape of $p$; the gradient is with respect to $p$,
#   $(p - y)/(p(1-p))/N$.
# - `mse_loss`: $\frac{1}{2N}\sum (\text{pred} - \text{target})^2$, divided by the number of samples $N$ only.
# - Output layer and loss go together: softmax with cross-entropy, sigmoid with binary cross-entropy, a linear output
#   with MSE.
