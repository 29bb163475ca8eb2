# %% [markdown] lang="zh"
# # 练习 6：为什么要反向传播——数值梯度与解析梯度
#
# 训练神经网络只需要一样东西：损失对每个参数的梯度。求梯度有两条路：
#
# - **数值梯度**（numerical gradient）：把某个参数挪动一点点，看损失变了多少。几行代码就能写完，而且几乎不会写错；
# - **解析梯度**（analytic gradient），也就是**反向传播**（backpropagation）：用链式法则一次求出所有参数的梯度。公式要自己推，容易出错，但快得多。
#
# 本练习用斋藤康毅《深度学习入门：基于 Python 的理论与实现》里的两层网络 `TwoLayerNet`（sigmoid 隐藏层，softmax 输出）把两者放在一起比较：先确认它们给出同一个梯度，再测一测两者的速度相差多少倍，然后用反向传播在 MNIST 上训练这个网络，最后看看梯度检验（gradient check）能发现什么样的错误。
#
# 你要在 `classifiers/chapter3/two_layer_net.py` 中实现 `TwoLayerNet` 的 `_scores`、`predict`、`loss` 和 `gradient`。构造函数、`accuracy` 和 `numerical_gradient` 已经写好。
#
# 凡是输出 ✔/✘ 的单元格都是自动评分的检查。演示单元格出错时只打印一行说明，不会打断“运行全部”，紧接着的检查会告诉你错在哪里。

# %% [markdown] lang="en"
# # Exercise 6: why backprop? Numerical versus analytic gradients
#
# Training a neural network needs one thing: the gradient of the loss with respect to every parameter. There are
# two ways to get it:
#
# - **numerical gradients**: nudge one parameter a little and watch how much the loss changes. A few lines of
#   code, and hard to get wrong;
# - **analytic gradients (backpropagation)**: the chain rule gives every parameter's gradient in one sweep. You
#   have to derive the formulas and they are easy to get wrong, but it is much faster.
#
# This exercise puts the two side by side on the `TwoLayerNet` of Koki Saito's *Deep Learning from Scratch*
# (sigmoid hidden layer, softmax output): first we confirm that they give the same gradient, then we measure how
# much slower the numerical one is, then we train the network on MNIST with backprop, and last we look at what kind
# of bug a gradient check finds.
#
# You will write `_scores`, `predict`, `loss` and `gradient` of `TwoLayerNet` in
# `classifiers/chapter3/two_layer_net.py`. The constructor, `accuracy` and `numerical_gradient` are given.
#
# Every cell that prints ✔/✘ is a graded check. A demo cell that hits an error prints one line and lets Run All
# go on; the check right below it says what is wrong.

# %% locked=true
import os
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

# The course root is the nearest folder (this one or above) that holds classifiers/.
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "classifiers").is_dir())
sys.path.insert(0, str(ROOT))

# %matplotlib inline
# %load_ext autoreload
# %autoreload 2

from classifiers.chapter3 import *
from utils.checks import check, demo, set_language
from utils.data_utils import last_source, load_mnist
from utils.gradient_check import rel_error
from utils.vis_utils import plot_text, show_table

plt.rcParams["figure.figsize"] = (10.0, 4.0)
# Under nbgrader's autograder the timing and training cells shrink; no graded value depends on them.
FAST = os.environ.get("NBGRADER_EXECUTION") == "autograde"

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 1. 网络与损失
#
# 一个小批量有 $N$ 个样本，$x \in \mathbb{R}^{N \times D}$；隐藏层有 $H$ 个神经元，输出 $C$ 个类别：
#
# $$a_1 = x W_1 + b_1,\quad z_1 = \sigma(a_1) \in \mathbb{R}^{N \times H},\qquad
# a_2 = z_1 W_2 + b_2,\quad y = \operatorname{softmax}(a_2) \in \mathbb{R}^{N \times C},$$
#
# 其中 $\sigma(a) = 1/(1+e^{-a})$，softmax 对**每一行**单独计算：$y_{ij} = e^{a_{ij}} / \sum_k e^{a_{ik}}$。参数存放在 `self.params` 中：`W1` $(D, H)$、`b1` $(H,)$、`W2` $(H, C)$、`b2` $(C,)$。
#
# 标签 $t$ 有两种写法：由 one-hot 行组成的 $(N, C)$ 矩阵（《深度学习入门》和 `load_mnist(one_hot_label=True)` 都这样写），或者 $(N,)$ 的整数标签。两种都要支持。损失函数是交叉熵的平均值：
#
# $$L = -\frac{1}{N} \sum_{i=1}^{N} \log y_{i, t_i}.$$
#
# 请实现：
#
# - `_scores(x)`：前向传播到 $a_2$，返回分数以及反向传播要用的缓存（可以直接调用你写过的 `affine_sigmoid_forward` 和 `affine_forward`）；
# - `predict(x)`：返回概率 $y$；
# - `loss(x, t)`：返回标量 $L$。
#
# **常见错误：**
#
# - softmax 沿错了轴：`np.sum(e, axis=0)` 是把整个批次的一列加起来，而不是把一个样本的各个类别加起来；
# - 直接计算 `np.exp(a2)`：分数一大就溢出成 `inf`，结果变成 `nan`。先让每一行减去该行的最大值，结果不变；
# - 总把 `t` 当成 one-hot：遇到整数标签时，`t * np.log(y)` 会广播出错误的数值，或者直接报错。

# %% [markdown] lang="en"
# ## 1. The network and its loss
#
# A minibatch holds $N$ samples, $x \in \mathbb{R}^{N \times D}$; the hidden layer has $H$ units and there are $C$
# classes:
#
# $$a_1 = x W_1 + b_1,\quad z_1 = \sigma(a_1) \in \mathbb{R}^{N \times H},\qquad
# a_2 = z_1 W_2 + b_2,\quad y = \operatorname{softmax}(a_2) \in \mathbb{R}^{N \times C},$$
#
# with $\sigma(a) = 1/(1+e^{-a})$ and the softmax taken **row by row**: $y_{ij} = e^{a_{ij}} / \sum_k e^{a_{ik}}$.
# The parameters live in `self.params`: `W1` $(D, H)$, `b1` $(H,)$, `W2` $(H, C)$, `b2` $(C,)$.
#
# Targets $t$ come in two forms: one-hot rows $(N, C)$ (the form of *Deep Learning from Scratch* and of
# `load_mnist(one_hot_label=True)`) or integer labels $(N,)$. Support both. The loss is the mean cross-entropy
#
# $$L = -\frac{1}{N} \sum_{i=1}^{N} \log y_{i, t_i}.$$
#
# Write
#
# - `_scores(x)`: the forward pass up to $a_2$, returning the scores and the caches the backward pass needs (the
#   `affine_sigmoid_forward` and `affine_forward` you already wrote do the work);
# - `predict(x)`: the probabilities $y$;
# - `loss(x, t)`: the scalar $L$.
#
# **Common mistakes:**
#
# - softmax along the wrong axis: `np.sum(e, axis=0)` sums a column over the whole batch, not the classes of one
#   sample;
# - a bare `np.exp(a2)`: large scores overflow to `inf` and give `nan`. Subtract each row's maximum first; the
#   result does not change;
# - treating `t` as one-hot always: with integer labels, `t * np.log(y)` broadcasts into a wrong number or an
#   error.

# %% [markdown] lang="zh"
# 一个简便的自查方法：权重很小时（构造函数默认从 $\mathcal{N}(0, 0.01^2)$ 中抽取），所有分数都接近 0，每个类别的概率都约为 $1/C$，所以初始损失应该约为 $\ln C$。下面的演示有 10 个类别，就是 $\ln 10 \approx 2.303$。

# %% [markdown] lang="en"
# A handy self-check: with tiny weights ($\mathcal{N}(0, 0.01^2)$, the constructor's default) every score is close
# to 0 and every class gets probability about $1/C$, so the initial loss should be about $\ln C$: the demo below
# has 10 classes, so $\ln 10 \approx 2.303$.

# %%
N, D, H, C = 12, 30, 7, 10
rng = np.random.default_rng(60)
x_demo = rng.uniform(-1.0, 1.0, size=(N, D))
labels_demo = rng.permutation(np.arange(N) % C)

# %% lang="zh"
with demo():
    np.random.seed(0)  # 构造函数用 np.random 抽取初始权重
    net = TwoLayerNet(input_size=D, hidden_size=H, output_size=C)
    y_demo = net.predict(x_demo)
    loss_onehot = net.loss(x_demo, np.eye(C)[labels_demo])
    loss_labels = net.loss(x_demo, labels_demo)
    print(f"predict 的输出形状：{y_demo.shape}，应为 (N, C) = {(N, C)}")
    print(f"每一行的和都是 1：{'是' if np.allclose(y_demo.sum(axis=1), 1.0) else '否'}")
    print(f"one-hot 标签的损失：{loss_onehot:.4f}，ln {C} = {np.log(C):.4f}")
    same = np.isclose(loss_labels, loss_onehot)
    print(f"整数标签的损失：{loss_labels:.4f}（与 one-hot 标签的损失{'相同' if same else '不同！'}）")

# %% lang="en"
with demo():
    np.random.seed(0)  # the constructor draws its weights from np.random
    net = TwoLayerNet(input_size=D, hidden_size=H, output_size=C)
    y_demo = net.predict(x_demo)
    loss_onehot = net.loss(x_demo, np.eye(C)[labels_demo])
    loss_labels = net.loss(x_demo, labels_demo)
    print(f"predict output shape: {y_demo.shape}, expected (N, C) = {(N, C)}")
    print(f"every row sums to 1: {'yes' if np.allclose(y_demo.sum(axis=1), 1.0) else 'no'}")
    print(f"loss with one-hot targets: {loss_onehot:.4f}, ln {C} = {np.log(C):.4f}")
    same = np.isclose(loss_labels, loss_onehot)
    print(f"loss with integer labels: {loss_labels:.4f} ({'same as' if same else 'NOT the same as'} with one-hot)")

# %% grade_id="TwoLayerNet_predict_value" points=2
check("TwoLayerNet_predict_value")

# %% grade_id="TwoLayerNet_predict_large_scores" points=1
check("TwoLayerNet_predict_large_scores")

# %% grade_id="TwoLayerNet_loss_onehot" points=2
check("TwoLayerNet_loss_onehot")

# %% grade_id="TwoLayerNet_loss_labels" points=1
check("TwoLayerNet_loss_labels")

# %% [markdown] lang="zh"
# ## 2. 两种梯度
#
# ### 数值梯度（已经写好）
#
# `numerical_gradient(x, t)` 对每个参数的**每一个元素** $\theta_k$ 做中心差分：
#
# $$\frac{\partial L}{\partial \theta_k} \approx \frac{L(\theta_k + h) - L(\theta_k - h)}{2h},\qquad h = 10^{-4}.$$
#
# 每个元素要计算两次损失，每次都是一次完整的前向传播。
#
# ### 解析梯度：反向传播（由你推导并实现）
#
# 先把前向传播画成计算图：
#
# $$x \xrightarrow{\;W_1,\ b_1\;} a_1 \xrightarrow{\;\sigma\;} z_1 \xrightarrow{\;W_2,\ b_2\;} a_2
# \xrightarrow{\;\operatorname{softmax}\;} y \xrightarrow{\;t\;} L$$
#
# | 节点 | $x$ | $a_1$ | $z_1$ | $a_2$ | $y$ | $L$ |
# |---|---|---|---|---|---|---|
# | 形状 | $(N, D)$ | $(N, H)$ | $(N, H)$ | $(N, C)$ | $(N, C)$ | 标量 |
#
# 反向传播沿着这张图从右往左走：每经过一个节点，就把右边传来的梯度乘上这个节点的局部导数。有两块结果可以直接用：
#
# - softmax 和交叉熵合在一起求导，结果很简洁（$t$ 写成 one-hot 矩阵）：$\dfrac{\partial L}{\partial a_2} = \dfrac{y - t}{N}$。练习 3 的 `softmax_loss` 返回的第二个值就是它；
# - sigmoid 的导数可以用它自己的输出来表示：$\sigma'(a) = \sigma(a)\,\big(1 - \sigma(a)\big)$。
#
# 其余的让形状来引路：每个梯度都和它对应的量形状相同。比如 $\partial L / \partial W_2$ 必须是 $(H, C)$，而用 $z_1$ $(N, H)$ 和 $\partial L / \partial a_2$ $(N, C)$ 乘出 $(H, C)$ 的矩阵乘法只有一种写法。偏置在前向传播时加到了 $N$ 行中的每一行上，所以它的梯度要把这 $N$ 行的梯度加起来。
#
# **先在纸上写出**这六个式子，并核对每个式子两边的形状，再动手写代码：$\partial L/\partial W_2$、$\partial L/\partial b_2$、$\partial L/\partial z_1$、$\partial L/\partial a_1$、$\partial L/\partial W_1$、$\partial L/\partial b_1$。
#
# `gradient(x, t)` 返回一个字典，键和形状都与 `self.params` 相同。可以调用 `softmax_loss`、`affine_backward` 和 `affine_sigmoid_backward`，也可以按你推出的公式直接写。检查没有通过时，它的提示会给出对应的公式。
#
# **常见错误：** 忘了除以 $N$（梯度会随批量大小变大，换一个批量大小，原来的学习率就不合适了）；求 sigmoid 的导数时把 $a_1$ 当成了 $\sigma(a_1)$，写成 $a_1(1 - a_1)$；求 $\partial L/\partial W_2$ 时用了 $a_1$ 而不是 $z_1$。
#
# 下面的表格逐个参数比较两种梯度。这里特意把权重的标准差设为 1：默认的 0.01 会让每个隐藏单元的输入都接近 0，sigmoid 在 0 附近几乎是一条直线，一些错误的导数（比如把 $\sigma'$ 写成常数 0.25）算出来和正确结果几乎一样，检验不出来；标准差为 1 时，这类错误一眼就能看出来。实现正确时，相对误差在 $10^{-5}$ 以下（通常远小于它）；有错误时一般在 $10^{-2}$ 以上。

# %% [markdown] lang="en"
# ## 2. Two ways to the gradient
#
# ### Numerical gradient (given)
#
# `numerical_gradient(x, t)` takes a centred difference for **every single entry** $\theta_k$ of every parameter:
#
# $$\frac{\partial L}{\partial \theta_k} \approx \frac{L(\theta_k + h) - L(\theta_k - h)}{2h},\qquad h = 10^{-4}.$$
#
# Each entry costs two loss evaluations, and each of those is a full forward pass.
#
# ### Analytic gradient: backpropagation (yours to derive and write)
#
# Draw the forward pass as a computational graph:
#
# $$x \xrightarrow{\;W_1,\ b_1\;} a_1 \xrightarrow{\;\sigma\;} z_1 \xrightarrow{\;W_2,\ b_2\;} a_2
# \xrightarrow{\;\operatorname{softmax}\;} y \xrightarrow{\;t\;} L$$
#
# | node | $x$ | $a_1$ | $z_1$ | $a_2$ | $y$ | $L$ |
# |---|---|---|---|---|---|---|
# | shape | $(N, D)$ | $(N, H)$ | $(N, H)$ | $(N, C)$ | $(N, C)$ | scalar |
#
# Backpropagation walks this graph from right to left: at every node, multiply the gradient coming from the right
# by the node's local derivative. Two pieces are ready to use:
#
# - softmax and cross-entropy differentiated together give a short result (with $t$ as a one-hot matrix):
#   $\dfrac{\partial L}{\partial a_2} = \dfrac{y - t}{N}$. It is the second value `softmax_loss` from exercise 3
#   returns;
# - the sigmoid's derivative can be written with its own output: $\sigma'(a) = \sigma(a)\,\big(1 - \sigma(a)\big)$.
#
# Let the shapes guide you through the rest: every gradient has the shape of what it is the gradient of. For
# instance $\partial L / \partial W_2$ must be $(H, C)$, and there is only one matrix product of $z_1$ $(N, H)$ and
# $\partial L / \partial a_2$ $(N, C)$ that gives $(H, C)$. A bias was added to each of the $N$ rows in the forward
# pass, so its gradient sums the gradients of those $N$ rows.
#
# **Write the six formulas on paper first**, checking the shapes on both sides of each, and only then the code:
# $\partial L/\partial W_2$, $\partial L/\partial b_2$, $\partial L/\partial z_1$, $\partial L/\partial a_1$,
# $\partial L/\partial W_1$, $\partial L/\partial b_1$.
#
# `gradient(x, t)` returns a dict with the keys and shapes of `self.params`. You may call `softmax_loss`,
# `affine_backward` and `affine_sigmoid_backward`, or write the formulas you derived by hand. When a check fails,
# its hint gives the formula in question.
#
# **Common mistakes:** forgetting to divide by $N$ (the gradient then grows with the batch size, and a learning
# rate that worked stops working when the batch size changes); taking the sigmoid's derivative as $a_1(1 - a_1)$,
# as if $a_1$ were $\sigma(a_1)$; using $a_1$ instead of $z_1$ in $\partial L/\partial W_2$.
#
# The table below compares the two gradients for every parameter. The weights get standard deviation 1 on
# purpose: with the default 0.01 every hidden unit's input is close to 0, where the sigmoid is almost a straight
# line, so some wrong derivatives (a constant 0.25 instead of $\sigma'$, say) come out almost right and slip
# through; with standard deviation 1 such bugs stand out. A correct implementation shows relative errors below
# $10^{-5}$ (usually far below); a bug typically gives $10^{-2}$ or more.

# %% locked=true lang="zh"
# 梯度检验表的表头，以及梯度形状不对时表中的说明
GRADIENT_TABLE_HEADER = ["参数", "形状", "梯度绝对值的最大值", "两种梯度之差的最大值", "相对误差"]
WRONG_SHAPE = "{got}，应为 {want}"

# %% locked=true lang="en"
# The gradient-check table's header, and what the table says about a gradient of the wrong shape
GRADIENT_TABLE_HEADER = ["parameter", "shape", "max abs gradient", "max abs difference", "relative error"]
WRONG_SHAPE = "{got}, should be {want}"


# %% locked=true
def gradient_check_table(net, x, t):
    """Show numerical against backprop gradients of every parameter as a table; return the largest relative error.

    Inputs:
    - net: a TwoLayerNet; x: (N, D); t: (N, C) one-hot or (N,) labels
    """
    numerical, analytic = net.numerical_gradient(x, t), net.gradient(x, t)
    rows, errors = [], []
    for name in ("W1", "b1", "W2", "b2"):
        got, want = np.asarray(analytic.get(name)), numerical[name]
        if got.shape != want.shape:  # nothing to compare entry by entry
            errors.append(np.inf)
            rows.append((f"`{name}`", WRONG_SHAPE.format(got=got.shape, want=want.shape), "", "", ""))
            continue
        errors.append(rel_error(want, got))
        rows.append((f"`{name}`", got.shape, f"{np.abs(got).max():.2e}", f"{np.abs(want - got).max():.2e}",
                     f"{errors[-1]:.2e}"))
    show_table(GRADIENT_TABLE_HEADER, rows)
    return max(errors)


# %%
rng = np.random.default_rng(61)
x_small = rng.normal(0.0, 1.5, size=(7, 9))
t_small = np.eye(3)[rng.permutation(np.arange(7) % 3)]

# %% lang="zh"
with demo():
    np.random.seed(1)
    small_net = TwoLayerNet(input_size=9, hidden_size=5, output_size=3, weight_init_std=1.0)
    worst = gradient_check_table(small_net, x_small, t_small)
    print("梯度检验通过。" if worst < 1e-5 else
          "梯度检验没有通过：看看相对误差大的那几行。")

# %% lang="en"
with demo():
    np.random.seed(1)
    small_net = TwoLayerNet(input_size=9, hidden_size=5, output_size=3, weight_init_std=1.0)
    worst = gradient_check_table(small_net, x_small, t_small)
    print("Gradient check passed." if worst < 1e-5 else
          "Gradient check FAILED: look at the rows with large errors.")

# %% grade_id="TwoLayerNet_gradient_W2" points=2
check("TwoLayerNet_gradient_W2")

# %% grade_id="TwoLayerNet_gradient_b2" points=1
check("TwoLayerNet_gradient_b2")

# %% grade_id="TwoLayerNet_gradient_W1" points=2
check("TwoLayerNet_gradient_W1")

# %% grade_id="TwoLayerNet_gradient_b1" points=1
check("TwoLayerNet_gradient_b1")

# %% grade_id="TwoLayerNet_gradient_labels" points=1
check("TwoLayerNet_gradient_labels")

# %% [markdown] lang="zh"
# ## 3. 速度相差多少倍？
#
# 设网络一共有 $P$ 个参数。数值梯度要做 $2P$ 次前向传播，而一次前向传播本身的计算量也和 $P$ 成正比（主要是两次矩阵乘法），所以数值梯度的计算量在 $P^2$ 量级。反向传播只需要一次前向传播加一次反向传播，计算量约为前向传播的 2～3 倍，也就是 $P$ 量级。
#
# 下面在很小的输入上（24 个样本，48 个特征，10 个类别）逐步加大隐藏层，测两种方法各用多少时间。反向传播太快，单次计时不准，所以重复多次、取最快的一次。这个单元格只需几秒钟。
#
# 本练习计时和训练时都只让 BLAS 用一个线程（`threadpool_limits(1)`）：这些矩阵都很小，线程之间的协调比计算本身还费时间；在一台忙碌的双核机器上，不加限制时训练会慢十几倍，计时也忽快忽慢。

# %% [markdown] lang="en"
# ## 3. How much slower?
#
# Let the network have $P$ parameters in all. The numerical gradient runs $2P$ forward passes, and one forward pass
# itself costs work proportional to $P$ (mostly two matrix products), so the numerical gradient costs on the order
# of $P^2$. Backprop needs one forward and one backward pass, about 2 to 3 forward passes' worth: on the order of
# $P$.
#
# The cell below grows the hidden layer on tiny inputs (24 samples, 48 features, 10 classes) and times both
# methods. Backprop is too fast for a single timing to mean much, so we keep the fastest of several runs. The cell
# takes a few seconds.
#
# All timing and training in this exercise uses one BLAS thread (`threadpool_limits(1)`): the matrices are small,
# so coordinating threads costs more than the arithmetic; on a busy two-core machine, training without the limit
# ran more than ten times slower and the timings jumped about.

# %% locked=true
def seconds(f, repeat=1):
    """Fastest wall-clock time of f() over `repeat` runs (the fastest run is the least disturbed one)."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


# %%
rng = np.random.default_rng(62)
x_tiny, t_tiny = rng.uniform(-2.0, 2.0, size=(24, 48)), rng.integers(10, size=24)
hidden_sizes = [3, 6, 12, 24, 48, 96] if not FAST else [3, 6]
timings = []
with demo(), threadpool_limits(1):
    for hidden in tqdm(hidden_sizes):
        np.random.seed(0)
        timed_net = TwoLayerNet(input_size=48, hidden_size=hidden, output_size=10)
        P = sum(p.size for p in timed_net.params.values())
        t_numerical = seconds(lambda net=timed_net: net.numerical_gradient(x_tiny, t_tiny))
        t_backprop = seconds(lambda net=timed_net: net.gradient(x_tiny, t_tiny), repeat=50)
        timings.append((hidden, P, t_numerical, t_backprop))

# %% lang="zh"
if timings:
    show_table(["隐藏层神经元数", "$P$", "数值梯度（秒）", "反向传播（秒）", "倍数"],
               [(h, P, f"{t_n:.4f}", f"{t_b:.6f}", f"{t_n / t_b:,.0f}") for h, P, t_n, t_b in timings])
    _, P_values, t_num, t_bp = np.array(timings).T
    fig, ax = plt.subplots(figsize=(6, 4))
    # plot_text：装有中文字体时用中文标签，否则用英文（matplotlib 缺字时只会画出空方框）
    ax.loglog(P_values, t_num, "o-", label=plot_text("数值梯度", "numerical gradient"))
    ax.loglog(P_values, t_bp, "s-", label=plot_text("反向传播", "backprop"))
    ax.set(xlabel=plot_text("参数个数 P", "number of parameters P"),
           ylabel=plot_text("每次求梯度的秒数", "seconds per gradient"),
           title=plot_text("求一次梯度的耗时", "Cost of one gradient"))
    ax.tick_params(axis="x", which="minor", labelbottom=False)
    ax.legend()
    plt.show()
else:
    print("还没有可画的数据：先让上面的单元格跑通。")

# %% lang="en"
if timings:
    show_table(["hidden units", "$P$", "numerical (s)", "backprop (s)", "ratio"],
               [(h, P, f"{t_n:.4f}", f"{t_b:.6f}", f"{t_n / t_b:,.0f}") for h, P, t_n, t_b in timings])
    _, P_values, t_num, t_bp = np.array(timings).T
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(P_values, t_num, "o-", label="numerical gradient")
    ax.loglog(P_values, t_bp, "s-", label="backprop")
    ax.set(xlabel="number of parameters P", ylabel="seconds per gradient",
           title="Cost of one gradient")
    ax.tick_params(axis="x", which="minor", labelbottom=False)
    ax.legend()
    plt.show()
else:
    print("Nothing to plot yet: get the cell above to run first.")

# %% [markdown] lang="zh"
# 在对数坐标下，反向传播的曲线很平（网络这么小，时间主要花在 Python 和 NumPy 的固定开销上），数值梯度的曲线却一路上升，两者的倍数随 $P$ 增大。
#
# 换到真实的规模：MNIST 上 784-50-10 的网络有 $P = 784 \cdot 50 + 50 + 50 \cdot 10 + 10 = 39\,760$ 个参数，求一次数值梯度就要做 $79\,520$ 次前向传播。下面实测一次损失计算的用时，估算一下按《深度学习入门》训练手写数字识别时的设置（每批 100 个样本，更新 10000 次），用数值梯度要训练多久。

# %% [markdown] lang="en"
# On log-log axes the backprop curve is nearly flat (for nets this small the time goes mostly into the fixed
# overhead of Python and NumPy), while the numerical curve keeps climbing, and the ratio grows with $P$.
#
# At a real size: the 784-50-10 network for MNIST has $P = 784 \cdot 50 + 50 + 50 \cdot 10 + 10 = 39\,760$
# parameters, so one numerical gradient takes $79\,520$ forward passes. The cell below measures one loss
# evaluation and estimates how long training with numerical gradients would take in the setting *Deep Learning
# from Scratch* uses for its handwritten digits (batches of 100, 10000 updates).

# %%
rng = np.random.default_rng(63)
x_batch, t_batch = rng.random((100, 784)), rng.integers(10, size=100)

# %% lang="zh"
with demo(), threadpool_limits(1):
    np.random.seed(0)
    mnist_sized = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    P = sum(p.size for p in mnist_sized.params.values())
    t_loss = seconds(lambda: mnist_sized.loss(x_batch, t_batch), repeat=20)
    t_step_backprop = seconds(lambda: mnist_sized.gradient(x_batch, t_batch), repeat=20)
    t_step_numerical = 2 * P * t_loss
    print(f"P = {P}，计算一次损失：{t_loss * 1e3:.3f} 毫秒")
    print(f"一次数值梯度（2P 次损失计算）：{t_step_numerical:.1f} 秒；"
          f"10000 步：{t_step_numerical * 10000 / 3600:.0f} 小时")
    print(f"一次反向传播：{t_step_backprop * 1e3:.3f} 毫秒；"
          f"10000 步：{t_step_backprop * 10000:.1f} 秒")
    print(f"反向传播大约快 {t_step_numerical / t_step_backprop:,.0f} 倍")

# %% lang="en"
with demo(), threadpool_limits(1):
    np.random.seed(0)
    mnist_sized = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    P = sum(p.size for p in mnist_sized.params.values())
    t_loss = seconds(lambda: mnist_sized.loss(x_batch, t_batch), repeat=20)
    t_step_backprop = seconds(lambda: mnist_sized.gradient(x_batch, t_batch), repeat=20)
    t_step_numerical = 2 * P * t_loss
    print(f"P = {P}, one loss evaluation: {t_loss * 1e3:.3f} ms")
    print(f"one numerical gradient (2P loss evaluations): {t_step_numerical:.1f} s; "
          f"10000 steps: {t_step_numerical * 10000 / 3600:.0f} hours")
    print(f"one backprop gradient: {t_step_backprop * 1e3:.3f} ms; "
          f"10000 steps: {t_step_backprop * 10000:.1f} s")
    print(f"backprop is about {t_step_numerical / t_step_backprop:,.0f} times faster")

# %% [markdown] lang="zh"
# 所以没有人用数值梯度训练网络：每一步都要做 $2P$ 次前向传播，而现代网络的 $P$ 动辄上百万，甚至数十亿。数值梯度真正的用处是**检验**：在很小的网络和很少的样本上，用它给反向传播“对答案”。

# %% [markdown] lang="en"
# That is why nobody trains with numerical gradients: each step costs $2P$ forward passes, and modern networks
# have millions to billions of parameters. The numerical gradient's real job is **checking**: on a tiny net and a
# handful of samples it is the answer key for backprop.

# %% [markdown] lang="zh"
# ## 4. 用反向传播在 MNIST 上训练
#
# 小批量随机梯度下降（minibatch SGD）：每个迭代周期（epoch）先把训练集随机打乱，再依次取出每批 `batch_size` 个样本，对每一批求梯度并更新参数：$\theta \leftarrow \theta - \eta \nabla_\theta L$，$\eta$ 是学习率。
#
# **数据。** `load_mnist(normalize=True)` 把像素值除以 255，缩放到 0～1（没有减去平均图像）。`load_mnist` 在本机找不到 MNIST 时会打印一行提示，改用内置的手写数字（1540 张训练图、257 张测试图，放大成 $28 \times 28$）。要用真实数据，请在课程根目录运行 `python datasets/get_datasets.py mnist`。
#
# **输入的尺度决定学习率的大小。** 输入放大 $k$ 倍，第一层权重的梯度也放大 $k$ 倍，而同样一步更新对隐藏层输入的影响又要再乘以 $k$，一共约 $k^2$ 倍。练习 4 的输入是 0～255 的像素值减去平均图像，所以那里的学习率在 $10^{-4}$ 左右；这里的输入在 0～1 之间，学习率取 0.5。两个网络的激活函数和输入维数也不一样，这只是数量级上的解释，不是精确的换算。
#
# **验证集。** 和练习 4 一样，测试集只在最后用一次。我们从训练集中随机留出十分之一作为验证集（真实 MNIST 是 6000 张，内置数据是 154 张），其余的用来训练。每个迭代周期结束时，在训练集和验证集上各算一次正确率，画出来就能看出是否过拟合；调超参数时只看验证正确率。
#
# **目标：** 在真实 MNIST 上测试正确率达到 **94% 以上**（下面这组超参数通常能达到 96%～97%）。内置数据集小而简单，测试正确率能到 98% 左右；不过它的测试集只有 257 张，每错一张就差 0.4%。
#
# **用时：** 训练单元格在内置数据上只需几秒钟，在真实 MNIST 上约 20 秒（双核机器）。想试试别的超参数，就直接改训练单元格第一行的 `hidden_size`、`learning_rate`、`batch_size` 和 `num_epochs`。

# %% [markdown] lang="en"
# ## 4. Training on MNIST with backprop
#
# Minibatch stochastic gradient descent (SGD): every epoch shuffles the training set, walks through it in batches
# of `batch_size` samples, and for each batch computes the gradient and updates the parameters,
# $\theta \leftarrow \theta - \eta \nabla_\theta L$, with learning rate $\eta$.
#
# **The data.** `load_mnist(normalize=True)` divides the pixel values by 255, scaling them to 0 to 1 (no mean image
# is subtracted). When MNIST is not on this machine, `load_mnist` prints one line and uses the embedded
# handwritten digits instead (1540 training and 257 test images, enlarged to $28 \times 28$). For the real data run
# `python datasets/get_datasets.py mnist` in the course folder.
#
# **The input scale sets the learning rate.** Scale the inputs by $k$ and the first layer's weight gradient grows
# by $k$, while the same step moves the hidden layer's inputs $k$ times as much again: about $k^2$ in all.
# Exercise 4's inputs are pixel values 0 to 255 minus the mean image, so its learning rates are around $10^{-4}$;
# here the inputs lie between 0 and 1 and the learning rate is 0.5. The two nets also differ in activation and
# input size, so this explains the orders of magnitude, not the exact numbers.
#
# **A validation split.** As in exercise 4, the test set is used once, at the end. We hold out a random tenth of
# the training set for validation (6000 images of real MNIST, 154 of the embedded set) and train on the rest. After
# every epoch we measure the accuracy on the training and validation sets; plotted, the two curves show whether the
# net overfits. Tune hyper-parameters on the validation accuracy only.
#
# **Target:** **94 % or more** test accuracy on real MNIST (these hyper-parameters usually reach 96 to 97 %). The
# embedded set is small and easy and reaches about 98 % test accuracy, but with only 257 test images each mistake
# costs 0.4 %.
#
# **Time:** the training cell takes a few seconds on the embedded set and about 20 seconds on real MNIST (two-core
# machine). To try other hyper-parameters, change `hidden_size`, `learning_rate`, `batch_size` and
# `num_epochs` on the training cell's first line.

# %%
(x_all, t_all), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=True)
EMBEDDED = last_source("mnist") == "embedded"
held_out = np.random.default_rng(64).permutation(len(x_all))
num_val = len(x_all) // 10
x_val, t_val = x_all[held_out[:num_val]], t_all[held_out[:num_val]]
x_train, t_train = x_all[held_out[num_val:]], t_all[held_out[num_val:]]
del x_all, t_all
for name, array in [("x_train", x_train), ("t_train", t_train), ("x_val", x_val), ("t_val", t_val),
                    ("x_test", x_test), ("t_test", t_test)]:
    print(f"{name:7} {str(array.shape):12} {array.dtype}")
print(f"x_train.min() = {x_train.min():.1f}, x_train.max() = {x_train.max():.1f}")

# %%
hidden_size, learning_rate, batch_size, num_epochs = 50, 0.5, 100, (30 if EMBEDDED else 10)
if FAST:
    num_epochs = 1  # the autograder only needs the cell to run

history = {"loss": [], "train": [], "val": []}
elapsed = 0.0  # seconds up to the last finished epoch
with demo(), threadpool_limits(1):
    np.random.seed(0)  # the constructor draws the initial weights from np.random
    network = TwoLayerNet(input_size=x_train.shape[1], hidden_size=hidden_size, output_size=10)
    shuffle_rng = np.random.default_rng(65)
    num_batches = -(-len(x_train) // batch_size)  # ceiling division: the last batch may be smaller
    start = time.perf_counter()
    with tqdm(total=num_epochs * num_batches, desc="SGD") as bar:
        for _ in range(num_epochs):
            for batch in np.array_split(shuffle_rng.permutation(len(x_train)), num_batches):
                x_batch, t_batch = x_train[batch], t_train[batch]
                history["loss"].append(network.loss(x_batch, t_batch))
                step = network.gradient(x_batch, t_batch)
                network.params = {k: v - learning_rate * step[k] for k, v in network.params.items()}
                bar.update()
            history["train"].append(network.accuracy(x_train, t_train))
            history["val"].append(network.accuracy(x_val, t_val))
            elapsed = time.perf_counter() - start
            bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", train=f"{history['train'][-1]:.3f}",
                            val=f"{history['val'][-1]:.3f}")

# %% lang="zh"
if history["val"]:
    print(f"{len(history['val'])} 个迭代周期，用时 {elapsed:.1f} 秒；最后一个迭代周期：训练正确率 "
          f"{history['train'][-1]:.4f}，验证正确率 {history['val'][-1]:.4f}")
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
    ax_loss.plot(history["loss"], lw=0.5)
    ax_loss.set(title=plot_text("小批量上的损失", "Minibatch loss"),
                xlabel=plot_text("迭代次数", "iteration"), ylabel=plot_text("损失", "loss"))
    epochs = np.arange(1, len(history["val"]) + 1)
    ax_acc.plot(epochs, history["train"], "o-", label=plot_text("训练集", "training"))
    ax_acc.plot(epochs, history["val"], "s--", label=plot_text("验证集", "validation"))
    ax_acc.set(title=plot_text("每个迭代周期后的正确率", "Accuracy after each epoch"),
               xlabel=plot_text("迭代周期", "epoch"), ylabel=plot_text("正确率", "accuracy"),
               ylim=(0, 1))
    ax_acc.legend(loc="lower right")
    plt.show()
else:
    print("还没有可画的数据：先训练网络。")

# %% lang="en"
if history["val"]:
    print(f"{len(history['val'])} epochs in {elapsed:.1f} s; last epoch: train accuracy "
          f"{history['train'][-1]:.4f}, validation accuracy {history['val'][-1]:.4f}")
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
    ax_loss.plot(history["loss"], lw=0.5)
    ax_loss.set(title="Minibatch loss", xlabel="iteration", ylabel="loss")
    epochs = np.arange(1, len(history["val"]) + 1)
    ax_acc.plot(epochs, history["train"], "o-", label="training")
    ax_acc.plot(epochs, history["val"], "s--", label="validation")
    ax_acc.set(title="Accuracy after each epoch", xlabel="epoch", ylabel="accuracy", ylim=(0, 1))
    ax_acc.legend(loc="lower right")
    plt.show()
else:
    print("Nothing to plot yet: train the network first.")

# %% [markdown] lang="zh"
# 在真实 MNIST 上，训练曲线和验证曲线贴得很近（最后一个迭代周期约为 97% 和 96%），说明这个小网络几乎没有过拟合；内置数据的验证集只有 154 张，曲线会跳动，和训练曲线的差距也大一些。如果训练正确率一直在 10% 左右徘徊，常见的原因有三个：梯度的符号反了；梯度忘了除以 $N$，相当于把学习率放大了 $N$ 倍；softmax 沿错了轴。
#
# 超参数定下来以后，再在测试集上评估一次，得到的就是网络在新数据上的正确率估计。

# %% [markdown] lang="en"
# On real MNIST the training and validation curves stay close together (about 97 % and 96 % after the last epoch):
# this small net hardly overfits. The embedded validation split holds only 154 images, so its curve jumps about and
# lies further below the training curve. If the training accuracy stays around 10 %, the usual suspects are a
# flipped gradient sign, a gradient not divided by $N$ (as if the learning rate were $N$ times larger), or a softmax
# along the wrong axis.
#
# Once the hyper-parameters are settled, evaluate on the test set once: that is the estimate of the accuracy on new
# data.

# %% lang="zh"
with demo():
    print(f"测试正确率（只评估这一次）：{network.accuracy(x_test, t_test):.4f}")

# %% lang="en"
with demo():
    print(f"test accuracy (measured once): {network.accuracy(x_test, t_test):.4f}")

# %% [markdown] lang="zh"
# ## 5. 梯度检验能发现什么？
#
# 梯度检验比较的是你写的两样东西：**损失函数**和**它的梯度**。两者只要对不上，它就会报警。
#
# 一个真实的例子：有人把损失写成了二元交叉熵（binary cross-entropy）的形式，对 softmax 输出的每个类别各算一次：
#
# $$L' = -\frac{1}{N}\sum_{i}\sum_{j}\big[t_{ij}\log y_{ij} + (1 - t_{ij}) \log(1 - y_{ij})\big],$$
#
# 梯度却仍然是 softmax 交叉熵的 $(y - t)/N$。训练照样能跑，打印出来的损失也在下降，看上去一切正常；可打印的数字并不是梯度下降真正在优化的那个函数。下面的 `BinaryLossNet` 只换掉了 `loss`，梯度仍是你写的 `gradient`。看看检验表怎么说。

# %% [markdown] lang="en"
# ## 5. What does a gradient check catch?
#
# A gradient check compares two things you wrote: **the loss** and **its gradient**. Whenever they disagree, it
# raises the alarm.
#
# A real example: someone wrote the loss in binary cross-entropy form, once per class of the softmax output,
#
# $$L' = -\frac{1}{N}\sum_{i}\sum_{j}\big[t_{ij}\log y_{ij} + (1 - t_{ij}) \log(1 - y_{ij})\big],$$
#
# while the gradient stayed softmax cross-entropy's $(y - t)/N$. Training still runs and the printed loss goes
# down, so everything looks fine, but the printed number is not the function gradient descent actually
# minimises. `BinaryLossNet` below replaces only `loss`; the gradient is still your `gradient`. See what the
# table says.

# %%
class BinaryLossNet(TwoLayerNet):
    """A TwoLayerNet whose loss is not the function its gradient differentiates."""

    def loss(self, x, t):
        y = self.predict(x)
        onehot = t if t.ndim == 2 else np.eye(y.shape[1])[t]
        per_class = np.where(onehot == 1, np.log(y), np.log1p(-y))
        return -per_class.sum(axis=1).mean()


# %% lang="zh"
with demo():
    np.random.seed(1)
    buggy = BinaryLossNet(input_size=9, hidden_size=5, output_size=3, weight_init_std=1.0)
    worst = gradient_check_table(buggy, x_small, t_small)
    print("梯度检验通过。" if worst < 1e-5 else
          "梯度检验没有通过：损失函数和它的梯度对不上。")

# %% lang="en"
with demo():
    np.random.seed(1)
    buggy = BinaryLossNet(input_size=9, hidden_size=5, output_size=3, weight_init_std=1.0)
    worst = gradient_check_table(buggy, x_small, t_small)
    print("Gradient check passed." if worst < 1e-5 else
          "Gradient check FAILED: the loss and its gradient disagree.")

# %% [markdown] lang="zh"
# 每个参数的相对误差都远远超过 $10^{-5}$：检验没有通过。注意，它只告诉你“损失函数和梯度对不上”，并不告诉你是哪一个错了：这里梯度没有错，错的是损失函数。
#
# **问题（1 分）：** 再举一个梯度检验**发现不了**的错误，并用一句话说明为什么发现不了。

# %% [markdown] lang="en"
# Every parameter's relative error is far above $10^{-5}$: the check fails. Note that it only says "the loss and
# its gradient disagree", not which one is wrong: here the gradient is fine and the loss is the bug.
#
# **Question (1 point):** name a bug that a gradient check does **not** catch, and say in one sentence why it
# cannot.

# %% [markdown] grade_id="TwoLayerNet_gradient_check_answer" points=1 solution=true
# **参考答案：** 损失函数本身选错了，但梯度是从这个错误的损失函数正确推导出来的（比如上面的二元交叉熵配上它自己的梯度）。梯度检验只核对一个损失函数和它自己的梯度是否一致，所以两者共有的错误，以及两者之外的错误（标签被打乱、参数更新写成了 `+=`、正确率算错），它都发现不了。
#
# **Model answer:** a loss that is the wrong one for the task but whose gradient is derived correctly from it (e.g.
# the binary cross-entropy above with its own matching gradient): the check only compares a loss with its own
# gradient, so any bug that both share, or that lies outside them (shuffled labels, a `+=` in the update, a wrong
# accuracy), passes unnoticed.
