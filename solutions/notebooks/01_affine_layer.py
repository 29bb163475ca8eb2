# %% [markdown] lang="zh"
# # 练习 1：仿射层（全连接层）
#
# 仿射层（affine layer）也叫全连接层（fully connected
# layer）：它用权重（weight）对每个样本的全部输入特征做加权求和，再加上偏置（bias）。这一层有 $M$ 个神经元，就同时得到 $M$
# 个加权和。本练习要在 `classifiers/chapter3/layers.py` 中实现两个函数：
#
# - `affine_forward(x, w, b)`：前向传播（forward propagation），算出这一层的输出；
# - `affine_backward(dout, cache)`：反向传播（backpropagation），求损失对 $x$、$w$、$b$ 的梯度。
#
# 输出里带 ✔/✘
# 的单元格都是自动评分的检查：出错时，它会指出是哪个变量、形状差在哪里、数值差多少。检查上方的演示单元格只展示你的函数算出了什么，对不对由检查来判断。

# %% [markdown] lang="en"
# # Exercise 1: the affine (fully connected) layer
#
# An affine layer, also called a fully connected layer, takes a weighted sum of all input features of a sample and
# adds a bias. A layer of $M$ neurons computes $M$ such sums at once. In `classifiers/chapter3/layers.py` you will
# write two functions:
#
# - `affine_forward(x, w, b)`, the forward pass, which computes the layer's output;
# - `affine_backward(dout, cache)`, the backward pass (backpropagation): the gradients of the loss with respect to
#   $x$, $w$ and $b$.
#
# Every cell that prints ✔/✘ is a graded check: when something is wrong it names the variable and says how far off
# its shape or values are. The demo cell above each check only shows what your functions compute; the check judges.

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
from utils.checks import check, demo, set_language
from utils.gradient_check import eval_numerical_gradient_array, rel_error

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 1. 前向传播
#
# 一个小批量（minibatch）$x$ 的形状是 $(N, d_1, \dots, d_k)$：$N$ 个样本，每个样本是一个 $d_1 \times \dots \times d_k$
# 的数组，比如彩色图像就是 $(N, 3, 32, 32)$。仿射层先把每个样本展平成长度为 $D = d_1 \cdots d_k$ 的行向量，得到矩阵
# $X \in \mathbb{R}^{N \times D}$，再计算
#
# $$\text{out} = X W + b, \qquad W \in \mathbb{R}^{D \times M},\; b \in \mathbb{R}^{M},\; \text{out} \in \mathbb{R}^{N \times M}.$$
#
# $b$ 通过广播加到 $XW$ 的每一行上。`cache` 里只放反向传播用得到的东西。
#
# **常见错误：** 用 `x.reshape(-1, D)` 或 `x.reshape(D, N).T` 展平。前者在 $D$
# 算错时会悄悄得到错误的行数；后者把不同样本的数值搅在了一起。请写 `x.reshape(x.shape[0], -1)`，让第一维始终是样本。
#
# 下面的演示没有给出“标准答案”，而是让输出自己说明对不对：$W$ 的第 $j$ 列只有一个元素是 1、其余为 0，于是 `out[:, j]`
# 应当恰好等于每个样本展平后的某一个特征；再把偏置换成非零值，每一行都应当整体加上 $b$。

# %% [markdown] lang="en"
# ## 1. Forward pass
#
# A minibatch $x$ has shape $(N, d_1, \dots, d_k)$: $N$ samples, each a $d_1 \times \dots \times d_k$ array, for
# colour images $(N, 3, 32, 32)$. The layer first flattens every sample into a row of length $D = d_1 \cdots d_k$,
# which gives the matrix $X \in \mathbb{R}^{N \times D}$, and then computes
#
# $$\text{out} = X W + b, \qquad W \in \mathbb{R}^{D \times M},\; b \in \mathbb{R}^{M},\; \text{out} \in \mathbb{R}^{N \times M}.$$
#
# $b$ is broadcast onto every row of $XW$. The `cache` holds only what the backward pass needs.
#
# **Common mistake:** flattening with `x.reshape(-1, D)` or `x.reshape(D, N).T`. The first silently gives the wrong
# number of rows when $D$ is miscounted; the second mixes the values of different samples. Write
# `x.reshape(x.shape[0], -1)`, so that the first axis stays the sample axis.
#
# The demo below has no "expected answer"; the output shows by itself whether it is right. Every column $j$ of $W$
# holds a single 1 and zeros elsewhere, so `out[:, j]` must equal one particular feature of every flattened sample;
# with a nonzero bias, every row must then move by exactly $b$.

# %%
rng = np.random.default_rng(2026)
images = rng.uniform(-2.0, 2.0, size=(3, 2, 4, 4))  # 3 samples of shape 2×4×4, so D = 32
feature = np.array([0, 9, 17, 31, 22])  # out[:, j] should be feature number feature[j] of each sample
selector = np.zeros((images[0].size, feature.size))
selector[feature, np.arange(feature.size)] = 1.0
bias = np.array([0.5, -1.0, 2.0, 0.0, 3.0])
flat = images.reshape(len(images), -1)

# %% lang="zh"
with demo():
    picked, _ = affine_forward(images, selector, np.zeros(feature.size))
    shifted, _ = affine_forward(images, selector, bias)
    print(f"out 的形状：{picked.shape}（应为 (3, 5)）")
    print(f"out[:, j] 正好是第 feature[j] 个特征：{np.allclose(picked, flat[:, feature])}")
    print(f"加上偏置后每一行都平移了 b：{np.allclose(shifted - picked, bias)}")

# %% lang="en"
with demo():
    picked, _ = affine_forward(images, selector, np.zeros(feature.size))
    shifted, _ = affine_forward(images, selector, bias)
    print("shape of out:", picked.shape, "(should be (3, 5))")
    print("out[:, j] is feature number feature[j]:", np.allclose(picked, flat[:, feature]))
    print("the bias moves every row by b:", np.allclose(shifted - picked, bias))

# %% grade_id="affine_forward_value" points=2
check("affine_forward_value")

# %% grade_id="affine_forward_nd_input" points=1
check("affine_forward_nd_input")

# %% grade_id="affine_forward_float32" points=1
check("affine_forward_float32")

# %% [markdown] lang="zh"
# ## 梯度检验：用数值梯度核对反向传播
#
# 反向传播写错了，网络照样能跑，只是学得很差，很难察觉。所以每写完一个反向传播，都要用**数值梯度**（numerical
# gradient）核对一遍，这叫梯度检验（gradient check）。本课程的梯度检验都按下面三步来做。
#
# **1. 中心差分。** 对输入的每个元素 $x_i$，前后各挪一小步 $h$（默认 $h = 10^{-5}$）：
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}.$$
#
# 它的误差与 $h^2$ 同阶，而单侧差分 $\frac{f(x + h e_i) - f(x)}{h}$ 的误差与 $h$ 同阶，所以中心差分准得多。$h$
# 也不能太小，否则两个几乎相等的数相减，舍入误差会占上风。这里的输入都是标准正态分布，数量级为 1，取 $h = 10^{-5}$
# 正合适。
#
# **2. `dout` 的作用。** 一个层的输出是数组，梯度却只对标量有定义。检验时随机生成一个和输出同形状的
# `dout`，把它当作网络后面几层传回来的梯度，考察标量 $L = \sum_{n,m} \text{out}_{nm}\, \text{dout}_{nm}$。这个 $L$ 对
# `out` 的梯度恰好就是 `dout`，于是你的反向传播对它给出的 `dx`、`dw`、`db`，应当与 $L$
# 的数值梯度一致。`eval_numerical_gradient_array(f, x, dout)` 算的正是这个数值梯度。
#
# **3. 相对误差。** 解析梯度 $a$ 与数值梯度 $n$ 的差距用 `rel_error(a, n)` 衡量，全课程只用这一个公式：
#
# $$\text{rel\_error}(a, n) = \max_i \frac{|a_i - n_i|}{\max\!\big(|a_i| + |n_i|,\; 10^{-3} \max_j (|a_j| + |n_j|),\; 10^{-12}\big)}.$$
#
# 取相对值，是因为梯度本身可大可小。分母的下限有两层：某个分量如果只是因为正负相消才特别小（换一种求和顺序结果就会变），就按整个数组的量级 $10^{-3} \max_j (|a_j| + |n_j|)$ 来衡量它，而不按它自己；$10^{-12}$ 则防止两个梯度都是 0 时除以 0。这个值总在 0 到 1 之间。在 float64 下，正确的实现一般在
# $10^{-7}$ 以下，单个层常常在 $10^{-9}$ 以下；达到 $10^{-2}$ 甚至接近
# 1，基本可以断定写错了。检查单元格报告的相对误差用的也是同一个公式。
#
# 下面先在 $\sin$ 上看看两种差分的差别：它的导数 $\cos$ 是已知的。

# %% [markdown] lang="en"
# ## Gradient checking: numerical gradients against backpropagation
#
# A wrong backward pass does not crash: the network still runs, it just learns badly, which is hard to notice. So
# every backward pass you write is compared with a **numerical gradient**; this is called a gradient check. All
# gradient checks in this course work in the three steps below.
#
# **1. Centred differences.** Every entry $x_i$ of the input is moved a small step $h$ (by default $h = 10^{-5}$)
# either way:
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}.$$
#
# Its error is of the order of $h^2$, while the one-sided difference $\frac{f(x + h e_i) - f(x)}{h}$ is off by the
# order of $h$, so centred differences are far more accurate. $h$ must not be too small either, or subtracting two
# nearly equal numbers lets rounding errors take over. The inputs here are standard normal, of the order of 1, and
# $h = 10^{-5}$ suits them.
#
# **2. What `dout` is for.** A layer outputs an array, but a gradient is only defined for a scalar. For the check we
# draw a random `dout` of the output's shape, stand it in for the gradient the rest of the network would send back,
# and look at the scalar $L = \sum_{n,m} \text{out}_{nm}\, \text{dout}_{nm}$. The gradient of this $L$ with respect
# to `out` is exactly `dout`, so the `dx`, `dw`, `db` your backward pass returns for it must match the numerical
# gradient of $L$. `eval_numerical_gradient_array(f, x, dout)` computes that numerical gradient.
#
# **3. Relative error.** The distance between an analytic gradient $a$ and a numerical one $n$ is `rel_error(a, n)`,
# the one formula used throughout the course:
#
# $$\text{rel\_error}(a, n) = \max_i \frac{|a_i - n_i|}{\max\!\big(|a_i| + |n_i|,\; 10^{-3} \max_j (|a_j| + |n_j|),\; 10^{-12}\big)}.$$
#
# It is relative because gradients can be large or small. The denominator has two floors: an entry that is tiny only
# because terms cancelled (a sum added in another order would differ) is measured against the scale of the whole
# array, $10^{-3} \max_j (|a_j| + |n_j|)$, not its own; $10^{-12}$ avoids dividing by 0 when both gradients are 0.
# The value always lies between 0 and 1. In float64 a correct implementation is usually below $10^{-7}$, a single layer often below
# $10^{-9}$; $10^{-2}$ or anything close to 1 almost certainly means a bug. The relative errors the checks report use
# the same formula.
#
# First, the two kinds of differences on $\sin$, whose derivative $\cos$ we know.

# %% lang="zh"
t = np.array([-2.0, 0.3, 1.2])
for h in (1e-2, 1e-4, 1e-6):
    one_sided = (np.sin(t + h) - np.sin(t)) / h
    centred = (np.sin(t + h) - np.sin(t - h)) / (2 * h)
    print(f"h = {h:.0e}：单侧差分的相对误差 {rel_error(one_sided, np.cos(t)):.1e}，"
          f"中心差分的相对误差 {rel_error(centred, np.cos(t)):.1e}")

# %% lang="en"
t = np.array([-2.0, 0.3, 1.2])
for h in (1e-2, 1e-4, 1e-6):
    one_sided = (np.sin(t + h) - np.sin(t)) / h
    centred = (np.sin(t + h) - np.sin(t - h)) / (2 * h)
    print(f"h = {h:.0e}: relative error of the one-sided difference {rel_error(one_sided, np.cos(t)):.1e}, "
          f"of the centred difference {rel_error(centred, np.cos(t)):.1e}")

# %% [markdown] lang="zh"
# 下面这个小函数对一个层的每个输入各做一次梯度检验，后面的练习还会用到它。它利用了一点：`eval_numerical_gradient_array`
# 会**原地**挪动传给它的数组，所以 `forward(*inputs)` 每次都读到挪动后的值。

# %% [markdown] lang="en"
# The small function below runs the gradient check for each input of a layer; later exercises use it too. It relies
# on one fact: `eval_numerical_gradient_array` moves the array it is given **in place**, so `forward(*inputs)` always
# reads the moved values.

# %% locked=true
def numerical_grads(forward, inputs, dout):
    """Numerical gradients of sum(forward(*inputs)[0] * dout), one per array in inputs, in order."""
    return [eval_numerical_gradient_array(lambda _: forward(*inputs)[0], array, dout) for array in inputs]

# %% [markdown] lang="zh"
# ## 2. 反向传播：自己推导梯度
#
# 设仿射层是网络的第 $l$ 层。反向传播走到这里时，第 $l+1$ 层已经算出了损失 $L$ 对本层输出的梯度
# $\frac{\partial L}{\partial \text{out}}$，代码里记作 `dout`，形状和 `out` 相同，是
# $(N, M)$。本层的任务是把它换算成三个梯度：`dw` 和 `db` 用来更新本层的参数，`dx` 交给第 $l-1$ 层，成为那一层的 `dout`。
#
# 前向计算可以画成一张计算图：
#
# $$x \xrightarrow{\;\text{reshape}\;} X \xrightarrow{\;\times W\;} XW \xrightarrow{\;+\,b\;} \text{out}$$
#
# | 变量 | 形状 | 梯度 | 梯度的形状 |
# |---|---|---|---|
# | $x$ | $(N, d_1, \dots, d_k)$ | `dx` | 与 $x$ 相同 |
# | $X$ | $(N, D)$ | `dX` | $(N, D)$ |
# | $W$ | $(D, M)$ | `dw` | $(D, M)$ |
# | $b$ | $(M,)$ | `db` | $(M,)$ |
# | $\text{out}$ | $(N, M)$ | `dout` | $(N, M)$ |
#
# 请先在纸上推出 `dX`、`dw`、`db` 的矩阵形式，只用 `dout`、$X$、$W$、转置和求和。三条线索：
#
# 1. **梯度与变量同形状。** 标量对一个数组求导，结果的形状和这个数组一样。上表的最后一列已经限定了答案：想从 $(N, M)$ 和
#    $(D, M)$ 得到 $(N, D)$，矩阵乘法只有一种写法。
# 2. **先看单个元素。** $\text{out}_{nm} = \sum_{d} X_{nd} W_{dm} + b_m$。$W_{dm}$ 出现在第 $m$ 列的全部 $N$
#    个输出里，所以
#    $\frac{\partial L}{\partial W_{dm}} = \sum_{n} \text{dout}_{nm} X_{nd}$。这个求和对应哪个矩阵乘积？$X_{nd}$
#    又出现在哪些输出里？
# 3. **前向广播，反向求和。** $b$ 被加到了 $N$ 行中的每一行，所以它的梯度要把这 $N$ 行的 `dout` 加起来。
#
# 最后，`dX` 要还原成 $x$ 的形状：reshape 的反向传播就是反过来再 reshape 一次。第 $l-1$ 层的输出就是这个
# $x$，它只认得这个形状。
#
# <details><summary>推不出来，或者检查没通过？点开看公式</summary>
#
# $$\frac{\partial L}{\partial X} = \text{dout}\, W^\top, \qquad
# \frac{\partial L}{\partial W} = X^\top \text{dout}, \qquad
# \frac{\partial L}{\partial b} = \sum_{n=1}^{N} \text{dout}_{n,:}.$$
#
# </details>
#
# 写好之后，下面的演示对 $x$、$w$、$b$ 逐一做梯度检验，相对误差应在 $10^{-9}$ 左右或更小。

# %% [markdown] lang="en"
# ## 2. Backward pass: derive the gradients yourself
#
# Let the affine layer be layer $l$ of a network. When backpropagation reaches it, layer $l+1$ has already computed
# the gradient of the loss $L$ with respect to this layer's output, $\frac{\partial L}{\partial \text{out}}$, called
# `dout` in code, shaped like `out`: $(N, M)$. This layer turns it into three gradients: `dw` and `db` update the
# layer's own parameters, and `dx` goes to layer $l-1$, where it becomes that layer's `dout`.
#
# The forward computation as a computational graph:
#
# $$x \xrightarrow{\;\text{reshape}\;} X \xrightarrow{\;\times W\;} XW \xrightarrow{\;+\,b\;} \text{out}$$
#
# | variable | shape | gradient | shape of the gradient |
# |---|---|---|---|
# | $x$ | $(N, d_1, \dots, d_k)$ | `dx` | that of $x$ |
# | $X$ | $(N, D)$ | `dX` | $(N, D)$ |
# | $W$ | $(D, M)$ | `dw` | $(D, M)$ |
# | $b$ | $(M,)$ | `db` | $(M,)$ |
# | $\text{out}$ | $(N, M)$ | `dout` | $(N, M)$ |
#
# Derive the matrix forms of `dX`, `dw` and `db` on paper first, using only `dout`, $X$, $W$, transposes and sums.
# Three clues:
#
# 1. **A gradient has its variable's shape.** The derivative of a scalar with respect to an array is shaped like the
#    array. The last column of the table already pins the answer down: to get $(N, D)$ from $(N, M)$ and $(D, M)$
#    there is only one way to multiply.
# 2. **Look at one entry first.** $\text{out}_{nm} = \sum_{d} X_{nd} W_{dm} + b_m$. $W_{dm}$ appears in all $N$
#    outputs of column $m$, so $\frac{\partial L}{\partial W_{dm}} = \sum_{n} \text{dout}_{nm} X_{nd}$. Which matrix
#    product is that sum? And which outputs does $X_{nd}$ appear in?
# 3. **Broadcast forward, sum backward.** $b$ was added to each of the $N$ rows, so its gradient adds up `dout` over
#    those $N$ rows.
#
# Finally, `dX` must get back the shape of $x$: the backward pass of a reshape is the reshape the other way. Layer
# $l-1$ produced this $x$ and only understands that shape.
#
# <details><summary>Stuck, or the check failed? Open for the formulas</summary>
#
# $$\frac{\partial L}{\partial X} = \text{dout}\, W^\top, \qquad
# \frac{\partial L}{\partial W} = X^\top \text{dout}, \qquad
# \frac{\partial L}{\partial b} = \sum_{n=1}^{N} \text{dout}_{n,:}.$$
#
# </details>
#
# Once written, the demo below checks the gradients of $x$, $w$ and $b$ one by one; the relative errors should be
# around $10^{-9}$ or smaller.

# %%
rng = np.random.default_rng(1201)
x = rng.standard_normal((4, 3, 5))  # N = 4 samples of shape 3×5, so D = 15
w = rng.standard_normal((15, 6))  # M = 6 neurons
b = rng.standard_normal(6)
dout = rng.standard_normal((4, 6))

# %% lang="zh"
with demo():
    _, cache = affine_forward(x, w, b)
    analytic = affine_backward(dout, cache)
    numerical = numerical_grads(affine_forward, (x, w, b), dout)
    for name, a, n in zip(("dx", "dw", "db"), analytic, numerical, strict=True):
        error = f"{rel_error(a, n):.1e}" if np.shape(a) == n.shape else "无法计算（形状不同）"
        print(f"{name}：形状 {np.shape(a)}（应为 {n.shape}），与数值梯度的相对误差 {error}")

# %% lang="en"
with demo():
    _, cache = affine_forward(x, w, b)
    analytic = affine_backward(dout, cache)
    numerical = numerical_grads(affine_forward, (x, w, b), dout)
    for name, a, n in zip(("dx", "dw", "db"), analytic, numerical, strict=True):
        error = f"{rel_error(a, n):.1e}" if np.shape(a) == n.shape else "not computable (shapes differ)"
        print(f"{name}: shape {np.shape(a)} (should be {n.shape}), relative error against the numerical gradient "
              f"{error}")

# %% grade_id="affine_backward_dx" points=2
check("affine_backward_dx")

# %% grade_id="affine_backward_dw" points=2
check("affine_backward_dw")

# %% grade_id="affine_backward_db" points=1
check("affine_backward_db")

# %% grade_id="affine_backward_nd_input" points=1
check("affine_backward_nd_input")

# %% [markdown] lang="zh"
# ## 3. 思考题（1 分）
#
# 假如 `affine_backward` 返回的 `dx` 形状是 $(N, D)$ 而不是
# $(N, d_1, \dots, d_k)$，在只由全连接层组成的网络里，这会出错吗？如果第 $l$ 层是仿射层、第 $l-1$
# 层是卷积层呢？用一两句话回答。

# %% [markdown] lang="en"
# ## 3. Question (1 point)
#
# Suppose `affine_backward` returned `dx` with shape $(N, D)$ instead of $(N, d_1, \dots, d_k)$. Would anything break
# in a network made only of fully connected layers? And if layer $l$ is affine and layer $l-1$ a convolution? Answer
# in one or two sentences.

# %% [markdown] grade_id="affine_backward_shape_answer" points=1 solution=true
# 只有全连接层时不会出错：除第一层外，每个仿射层的输入本来就是二维的 $(N, D)$，`dx` 的形状恰好正确；第一层的 `dx`
# 是对输入数据的梯度，根本用不上。如果第 $l-1$ 层是卷积层，它的反向传播需要与它的输出同形状 $(N, C, H, W')$
# 的梯度，展平的 `dx` 会让它出错。
#
# Only fully connected layers: nothing breaks. Every affine layer but the first already gets a 2-D input, so
# $(N, D)$ is the shape of its `x`, and the first layer's `dx` (the gradient of the data) is never used. When layer
# $l-1$ is a convolution, its backward pass needs a gradient of its output shape $(N, C, H, W')$, and a flat `dx`
# breaks it.
