# %% [markdown] lang="zh"
# # 练习 7：用一张“架构清单”搭出整个网络
#
# 到目前为止，每个网络有几层都写死在代码里。这一次，网络的结构由一个列表描述，列表的每一项是一层：
#
# ```python
# nn_architecture = [
#     {"input_dim": 2, "output_dim": 8, "activation": "relu"},
#     {"input_dim": 8, "output_dim": 1, "activation": "sigmoid"},
# ]
# ```
#
# 同一套函数读这个列表，就能对任意深度的全连接网络做初始化、前向传播、反向传播和训练。这种写法来自 Piotr Skalski 的文章 *Let's code a Neural Network in plain NumPy*（2018）。
#
# 本练习还换了一种数据排布：**样本按列存放**，也就是矩阵的形状是（特征数，样本数），每一**列**是一个样本。吴恩达的深度学习课程也是这样写的。
#
# 你要在 `classifiers/chapter3/bp_network.py` 中实现：`_activation`（激活函数及其导数）、`init_layers`、`full_forward_propagation`、`get_cost_value`、`get_accuracy_value`、`full_backward_propagation`、`update`，以及 `train` 的循环体。最后用它把平面上的两类点分开，还可以（选做）和用 PyTorch 写的同一个网络比一比。
#
# 凡是输出 ✔/✘ 的单元格都是自动评分的检查。演示单元格出错时只打印一行说明，不会打断“运行全部”，紧接着的检查会告诉你错在哪里。

# %% [markdown] lang="en"
# # Exercise 7: a whole network from an architecture list
#
# So far the number of layers was written into each network's code. This time a list describes the network, one
# item per layer:
#
# ```python
# nn_architecture = [
#     {"input_dim": 2, "output_dim": 8, "activation": "relu"},
#     {"input_dim": 8, "output_dim": 1, "activation": "sigmoid"},
# ]
# ```
#
# One set of functions reads that list and initialises, runs forward, backpropagates through and trains a fully
# connected network of any depth. The idea comes from Piotr Skalski's article *Let's code a Neural Network in plain
# NumPy* (2018).
#
# The data layout changes too: **samples in columns**, that is matrices of shape (features, samples), one sample per
# **column**. Andrew Ng's deep learning courses write it this way as well.
#
# In `classifiers/chapter3/bp_network.py` you will write `_activation` (the activations and their derivatives),
# `init_layers`, `full_forward_propagation`, `get_cost_value`, `get_accuracy_value`, `full_backward_propagation`,
# `update`, and the loop body of `train`. Then the network separates two classes of points in the plane, and
# (optionally) races the same network written in PyTorch.
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

# The course root is the nearest folder (this one or above) that holds classifiers/.
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "classifiers").is_dir())
sys.path.insert(0, str(ROOT))

# %matplotlib inline
# %load_ext autoreload
# %autoreload 2

from classifiers.chapter3 import *
from utils.checks import check, demo, set_language
from utils.data_utils import load_planar_points
from utils.gradient_check import eval_numerical_gradient, rel_error
from utils.vis_utils import plot_decision_boundary, plot_text, show_table

plt.rcParams["figure.figsize"] = (10.0, 4.0)
# Under nbgrader's autograder the training cells shrink; no graded value depends on them.
FAST = os.environ.get("NBGRADER_EXECUTION") == "autograde"

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 1. 样本按列存放时的形状
#
# 记第 $l$ 层有 $n_l$ 个神经元（$n_0$ 是输入特征数），一批有 $m$ 个样本。样本按列存放时：
#
# | 量 | 形状 | 说明 |
# |---|---|---|
# | $X = A^{[0]}$ | $(n_0, m)$ | 每一列是一个样本 |
# | $W^{[l]}$ | $(n_l, n_{l-1})$ | 行数是**本层**的神经元数 |
# | $b^{[l]}$ | $(n_l, 1)$ | 列向量，广播到 $m$ 个样本（$m$ 列）上 |
# | $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ | $(n_l, m)$ | |
# | $A^{[l]} = g^{[l]}(Z^{[l]})$ | $(n_l, m)$ | $g$ 是 ReLU 或 sigmoid |
# | $\hat{Y} = A^{[L]}$，$Y$ | $(1, m)$ | 输出层只有一个 sigmoid 神经元：属于类别 1 的概率 |
#
# 前几个练习都是样本按行存放，写成 $XW + b$（$X$ 为 $(N, D)$，$W$ 为 $(D, M)$）。和它相比，这里的 $W$ 正好是那里的转置，矩阵乘法的顺序也反了过来。PyTorch 的 `nn.Linear` 存放权重时也是 $(n_{\text{out}}, n_{\text{in}})$。
#
# 注意别把它和“列优先”（column-major）混为一谈：列优先说的是数组元素在**内存**里的排列顺序（NumPy 的 `order='F'`），与哪一维是样本无关。把样本按列存放的数组在内存里既可以是行优先，也可以是列优先，算出的结果都一样。
#
# 下面是本练习要训练的网络：4 个 ReLU 隐藏层，1 个 sigmoid 输出。Skalski 文章配套的 notebook 训练的是 2-25-50-50-25-1，这里每个隐藏层都窄一些，参数不到它的一半，分开这两类点照样绰绰有余。

# %% [markdown] lang="en"
# ## 1. Shapes with samples in columns
#
# Let layer $l$ have $n_l$ units ($n_0$ is the number of input features) and a batch hold $m$ samples. With samples
# in columns:
#
# | quantity | shape | note |
# |---|---|---|
# | $X = A^{[0]}$ | $(n_0, m)$ | every column is a sample |
# | $W^{[l]}$ | $(n_l, n_{l-1})$ | as many rows as **this** layer has units |
# | $b^{[l]}$ | $(n_l, 1)$ | a column, broadcast across the $m$ samples (columns) |
# | $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ | $(n_l, m)$ | |
# | $A^{[l]} = g^{[l]}(Z^{[l]})$ | $(n_l, m)$ | $g$ is ReLU or sigmoid |
# | $\hat{Y} = A^{[L]}$, $Y$ | $(1, m)$ | one sigmoid output unit: the probability of class 1 |
#
# The earlier exercises keep samples in rows and write $XW + b$ ($X$ of shape $(N, D)$, $W$ of shape $(D, M)$).
# Compared with that, this $W$ is that one transposed, and the product runs the other way round. PyTorch's
# `nn.Linear` also stores its weight as $(n_{\text{out}}, n_{\text{in}})$.
#
# Do not confuse this with column-major order: that is how an array's entries are laid out in **memory** (NumPy's
# `order='F'`), whatever axis holds the samples. An array with samples in columns may be stored row-major or
# column-major; the results are the same.
#
# Here is the network this exercise trains: four ReLU hidden layers and one sigmoid output. The notebook that comes
# with Skalski's article trains 2-25-50-50-25-1; the hidden layers here are narrower, with fewer than half its
# parameters, and still more than enough to separate the two classes.

# %%
NN_ARCHITECTURE = [
    {"input_dim": 2, "output_dim": 16, "activation": "relu"},
    {"input_dim": 16, "output_dim": 32, "activation": "relu"},
    {"input_dim": 32, "output_dim": 32, "activation": "relu"},
    {"input_dim": 32, "output_dim": 16, "activation": "relu"},
    {"input_dim": 16, "output_dim": 1, "activation": "sigmoid"},
]
widths = [NN_ARCHITECTURE[0]["input_dim"]] + [layer["output_dim"] for layer in NN_ARCHITECTURE]
counts = [n_out * (n_in + 1) for n_in, n_out in zip(widths[:-1], widths[1:], strict=True)]  # weights plus one bias per unit
layer_rows = [(k, (widths[k], widths[k - 1]), (widths[k], 1), f"({widths[k]}, m)", counts[k - 1],
               NN_ARCHITECTURE[k - 1]["activation"]) for k in range(1, len(widths))]

# %% lang="zh"
show_table(["层 $l$", "$W^{[l]}$", "$b^{[l]}$", "$Z^{[l]}$ 和 $A^{[l]}$", "参数个数", "激活函数"],
           layer_rows)
print(f"一共 {sum(counts)} 个参数")

# %% lang="en"
show_table(["layer $l$", "$W^{[l]}$", "$b^{[l]}$", "$Z^{[l]}$ and $A^{[l]}$", "parameters", "activation"],
           layer_rows)
print(f"{sum(counts)} parameters in all")

# %% [markdown] lang="zh"
# ## 2. 初始化：`init_layers`
#
# 对每一层 $l = 1, \dots, L$ 生成 `W{l}` $(n_l, n_{l-1})$ 和 `b{l}` $(n_l, 1)$，元素取自 $\mathcal{N}(0, 0.1^2)$，随机数生成器用参数 `seed` 作种子（同一个 seed 要得到同样的参数）。字典的键从 1 开始数：`W1, b1, ..., WL, bL`。
#
# 为什么要用**随机**数？如果同一层的权重全都相同，这一层的每个神经元就会算出同样的输出、收到同样的梯度，更新之后仍然相同，永远学不到不同的东西。为什么要取**较小**的值？sigmoid 的输入很大时，曲线几乎是平的，梯度接近 0，学习会很慢（这个网络只有输出单元是 sigmoid；对 ReLU 层来说，小权重能让激活值不至于一层层越滚越大）。
#
# **常见错误：** 把 `b{l}` 建成形状 $(n_l,)$。一维数组和 $(n_l, m)$ 的数组相加时，会沿**最后一维**（样本维）广播：通常会直接报错；可一旦恰好 $n_l = m$，就不会报错，而是把偏置加到了错误的位置上。

# %% [markdown] lang="en"
# ## 2. Initialisation: `init_layers`
#
# For every layer $l = 1, \dots, L$ create `W{l}` $(n_l, n_{l-1})$ and `b{l}` $(n_l, 1)$ with entries drawn from
# $\mathcal{N}(0, 0.1^2)$, from a random generator seeded with the argument `seed` (the same seed must give the
# same parameters). The keys count from 1: `W1, b1, ..., WL, bL`.
#
# Why **random**? If all weights of a layer were equal, its units would compute the same output, receive the same
# gradient, stay equal after every update, and never learn different things. Why **small**? The sigmoid is almost
# flat for large inputs, its gradient is nearly 0 there, and learning crawls (here only the output unit is a
# sigmoid; for the ReLU layers, small weights keep the activations from growing layer after layer).
#
# **Common mistake:** making `b{l}` of shape $(n_l,)$. A 1-D array added to an $(n_l, m)$ one is broadcast along
# the **last** axis, the sample axis: usually that raises an error, but when $n_l$ happens to equal $m$ it
# silently adds the biases in the wrong places.

# %% lang="zh"
with demo():
    params = init_layers(NN_ARCHITECTURE, seed=7)
    show_table(["参数", "形状", "均值", "标准差"],
               [(f"`{name}`", value.shape, f"{value.mean():+.3f}", f"{value.std():.3f}")
                for name, value in params.items()])
    same_again = all(np.array_equal(params[k], v) for k, v in init_layers(NN_ARCHITECTURE, seed=7).items())
    print(f"用同一个 seed 再调用一次，参数{'完全相同' if same_again else '变了！'}")

# %% lang="en"
with demo():
    params = init_layers(NN_ARCHITECTURE, seed=7)
    show_table(["parameter", "shape", "mean", "std"],
               [(f"`{name}`", value.shape, f"{value.mean():+.3f}", f"{value.std():.3f}")
                for name, value in params.items()])
    same_again = all(np.array_equal(params[k], v) for k, v in init_layers(NN_ARCHITECTURE, seed=7).items())
    print(f"called again with the same seed, the parameters "
          f"{'are identical' if same_again else 'changed!'}")

# %% grade_id="init_layers_shapes" points=1
check("init_layers_shapes")

# %% grade_id="init_layers_random" points=1
check("init_layers_random")

# %% [markdown] lang="zh"
# ## 3. 激活函数与前向传播
#
# 先在 `_activation(name)` 里返回一对函数 `(forward, backward)`：
#
# | | 前向 $A = g(Z)$ | 反向 $dZ = dA \odot g'(Z)$ |
# |---|---|---|
# | `"relu"` | $\max(0, Z)$ | $dA \odot [Z > 0]$ |
# | `"sigmoid"` | $\sigma(Z) = 1/(1 + e^{-Z})$ | $dA \odot \sigma(Z)\,(1 - \sigma(Z))$ |
#
# 比较字符串要用 `==`。Skalski 的原文代码写的是 `activation is "relu"`：`is` 判断的是两个名字是否指向同一个对象，能用只是因为 Python 碰巧复用了短字符串；换一种方式得到的字符串（比如从文件里读进来的）就不灵了，新版本的 Python 也会对这种写法发出 `SyntaxWarning`。$Z$ 是很大的负数时，`np.exp(-Z)` 会溢出并发出警告；写成 `np.exp(-np.logaddexp(0, -Z))` 得到的 sigmoid 相同，而且不会溢出。
#
# 然后在 `full_forward_propagation(X, params, nn_architecture)` 中从 $A^{[0]} = X$ 开始逐层计算 $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ 和 $A^{[l]} = g^{[l]}(Z^{[l]})$，返回 `(Y_hat, memory)`。`memory` 是一个字典，保存反向传播要用的量：每一层的输入 `A0, ..., A{L-1}` 和线性输出 `Z1, ..., ZL`（多存别的键也没关系）。

# %% [markdown] lang="en"
# ## 3. Activations and the forward pass
#
# First return a pair of functions `(forward, backward)` from `_activation(name)`:
#
# | | forward $A = g(Z)$ | backward $dZ = dA \odot g'(Z)$ |
# |---|---|---|
# | `"relu"` | $\max(0, Z)$ | $dA \odot [Z > 0]$ |
# | `"sigmoid"` | $\sigma(Z) = 1/(1 + e^{-Z})$ | $dA \odot \sigma(Z)\,(1 - \sigma(Z))$ |
#
# Compare strings with `==`. Skalski's code writes `activation is "relu"`: `is` asks whether two names are the same
# object, which happens to hold only because Python reuses short strings; a string obtained another way (read from
# a file, say) breaks it, and recent Pythons raise a `SyntaxWarning` for it. For very negative $Z$, `np.exp(-Z)`
# overflows with a warning; `np.exp(-np.logaddexp(0, -Z))` gives the same sigmoid without one.
#
# Then `full_forward_propagation(X, params, nn_architecture)` computes layer by layer
# $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ and $A^{[l]} = g^{[l]}(Z^{[l]})$ from $A^{[0]} = X$, and returns
# `(Y_hat, memory)`. `memory` is a dict of what backpropagation needs: the input of every layer,
# `A0, ..., A{L-1}`, and the linear outputs `Z1, ..., ZL` (extra keys do no harm).

# %% [markdown] lang="zh"
# 数据是平面上交错的两个“月牙”（`load_planar_points`，900 个训练点、100 个测试点）。加载函数返回的是样本按行存放的 $(N, 2)$ 数组，网络要的是样本按列存放，所以要转置；标签也要变成 $(1, m)$ 的行向量。

# %% [markdown] lang="en"
# The data are two interleaving half-moons in the plane (`load_planar_points`: 900 training and 100 test points).
# The loader returns samples in rows, $(N, 2)$; the network wants them in columns, so transpose, and make the labels
# a $(1, m)$ row.

# %%
X_train_rows, y_train, X_test_rows, y_test = load_planar_points()
X_train, Y_train = X_train_rows.T, y_train.reshape(1, -1)  # samples in columns: (2, m) and (1, m)
X_test, Y_test = X_test_rows.T, y_test.reshape(1, -1)
print("X_train:", X_train.shape, " Y_train:", Y_train.shape, " X_test:", X_test.shape, " Y_test:", Y_test.shape)

# %% lang="zh"
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(X_train[0], X_train[1], c=Y_train[0], cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
# plot_text：装有中文字体时用中文标题，否则用英文（matplotlib 缺字时只会画出空方框）
ax.set(title=plot_text("训练数据点", "Training points"), xlabel="x1", ylabel="x2")
plt.show()

# %% lang="en"
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(X_train[0], X_train[1], c=Y_train[0], cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
ax.set(title="Training points", xlabel="x1", ylabel="x2")
plt.show()

# %% lang="zh"
with demo():
    params = init_layers(NN_ARCHITECTURE, seed=7)
    Y_hat, memory = full_forward_propagation(X_train, params, NN_ARCHITECTURE)
    verdict = "与 Y_train 相同" if Y_hat.shape == Y_train.shape else "与 Y_train 不同！"
    print(f"Y_hat 的形状：{Y_hat.shape}（{verdict}），取值从 {Y_hat.min():.4f} 到 {Y_hat.max():.4f}")
    print(f"memory 中的键：{sorted(memory)}")

# %% lang="en"
with demo():
    params = init_layers(NN_ARCHITECTURE, seed=7)
    Y_hat, memory = full_forward_propagation(X_train, params, NN_ARCHITECTURE)
    verdict = "the same as Y_train's" if Y_hat.shape == Y_train.shape else "NOT the same as Y_train's"
    print(f"Y_hat: shape {Y_hat.shape} ({verdict}), values from {Y_hat.min():.4f} to {Y_hat.max():.4f}")
    print(f"keys in memory: {sorted(memory)}")

# %% grade_id="full_forward_propagation_output" points=2
check("full_forward_propagation_output")

# %% grade_id="full_forward_propagation_memory" points=1
check("full_forward_propagation_memory")

# %% [markdown] lang="zh"
# 输出都挤在 0.5 附近，而且每个点几乎一样：初始权重很小，$Z^{[L]}$ 中随输入变化的那部分微乎其微，所以 $\hat y \approx \sigma(b^{[L]}) \approx 0.5$。这时网络还什么都不知道。
#
# ## 4. 损失与正确率
#
# 损失函数用二元交叉熵（binary cross-entropy）：
#
# $$J = -\frac{1}{m} \sum_{i=1}^{m} \Big[ y_i \log \hat{y}_i + (1 - y_i) \log (1 - \hat{y}_i) \Big].$$
#
# `get_cost_value(Y_hat, Y)` 返回一个 float（函数名和后面的 `cost_history` 沿用了 Skalski 代码里的 cost 一词，指的就是损失）。sigmoid 饱和时 $\hat{y}$ 会等于 0 或 1，而 $\log 0 = -\infty$，$0 \cdot \log 0$ 则是 `nan`；所以先把 $\hat{y}$ 裁剪（clip）到 $[\varepsilon, 1 - \varepsilon]$ 之间（模块里有现成的 `_EPS = 1e-12`）。
#
# `get_accuracy_value(Y_hat, Y)`：$\hat{y} > 0.5$ 判为类别 1，返回预测正确的比例。
#
# 自查：所有 $\hat{y}$ 都约为 0.5 时，$J \approx \ln 2 \approx 0.693$。

# %% [markdown] lang="en"
# The outputs all crowd around 0.5, almost the same for every point: with small initial weights the part of
# $Z^{[L]}$ that depends on the input is tiny, so $\hat y \approx \sigma(b^{[L]}) \approx 0.5$. The network knows
# nothing yet.
#
# ## 4. Loss and accuracy
#
# The loss is the binary cross-entropy
#
# $$J = -\frac{1}{m} \sum_{i=1}^{m} \Big[ y_i \log \hat{y}_i + (1 - y_i) \log (1 - \hat{y}_i) \Big].$$
#
# `get_cost_value(Y_hat, Y)` returns a float (the function's name, and `cost_history` later on, keep the word cost
# from Skalski's code; it means the loss). A saturated sigmoid gives $\hat{y}$ equal to 0 or 1, where
# $\log 0 = -\infty$ and $0 \cdot \log 0$ is `nan`; so clip $\hat{y}$ into $[\varepsilon, 1 - \varepsilon]$ first
# (the module already has `_EPS = 1e-12`).
#
# `get_accuracy_value(Y_hat, Y)`: $\hat{y} > 0.5$ means class 1; return the fraction of correct predictions.
#
# Self-check: with every $\hat{y}$ about 0.5, $J \approx \ln 2 \approx 0.693$.

# %% lang="zh"
with demo():
    Y_hat, _ = full_forward_propagation(X_train, init_layers(NN_ARCHITECTURE, seed=7), NN_ARCHITECTURE)
    print(f"初始损失：{get_cost_value(Y_hat, Y_train):.4f}（ln 2 = {np.log(2):.4f}）")
    print(f"初始正确率：{get_accuracy_value(Y_hat, Y_train):.3f}"
          f"（训练集中类别 1 占 {Y_train.mean():.3f}）")

# %% lang="en"
with demo():
    Y_hat, _ = full_forward_propagation(X_train, init_layers(NN_ARCHITECTURE, seed=7), NN_ARCHITECTURE)
    print(f"loss at initialisation: {get_cost_value(Y_hat, Y_train):.4f} (ln 2 = {np.log(2):.4f})")
    print(f"accuracy at initialisation: {get_accuracy_value(Y_hat, Y_train):.3f} "
          f"(class 1 makes up {Y_train.mean():.3f} of the training set)")

# %% grade_id="get_cost_value_value" points=2
check("get_cost_value_value")

# %% grade_id="get_cost_value_extreme" points=1
check("get_cost_value_extreme")

# %% grade_id="get_accuracy_value_value" points=1
check("get_accuracy_value_value")

# %% [markdown] lang="zh"
# ## 5. 反向传播：`full_backward_propagation`
#
# 从损失对输出的导数开始：
#
# $$dA^{[L]} = \frac{\partial J}{\partial \hat{Y}} \cdot m = -\Big(\frac{Y}{\hat{Y}} - \frac{1 - Y}{1 - \hat{Y}}\Big).$$
#
# 然后从 $l = L$ 倒着走到 $l = 1$，每一层：
#
# $$dZ^{[l]} = dA^{[l]} \odot g'^{[l]}(Z^{[l]}),\qquad
# dW^{[l]} = \frac{1}{m}\, dZ^{[l]} A^{[l-1]\top},\qquad
# db^{[l]} = \frac{1}{m} \sum_{\text{列}} dZ^{[l]},\qquad
# dA^{[l-1]} = W^{[l]\top} dZ^{[l]}.$$
#
# 这里的 $dA$ 是对单个样本的损失求导（没有 $1/m$），$1/m$ 统一在 $dW$ 和 $db$ 里补上。返回字典 `grads`：`dW1, db1, ..., dWL, dbL`，形状与对应的参数相同。求 `db` 时要用 `keepdims=True`，保持形状 $(n_l, 1)$。
#
# 一个有用的事实：sigmoid 输出层配上二元交叉熵，两步合起来正好是 $dZ^{[L]} = \hat{Y} - Y$。你可以从它出发，代替上面的 $dA^{[L]}$：结果相同，而且 $\hat{Y}$ 接近 0 或 1 时也不会除以很小的数。
#
# 下面在一个小网络上把你的梯度和数值梯度做对比；相对误差应在 $10^{-7}$ 以下。

# %% [markdown] lang="en"
# ## 5. Backpropagation: `full_backward_propagation`
#
# Start from the derivative of the loss with respect to the output:
#
# $$dA^{[L]} = \frac{\partial J}{\partial \hat{Y}} \cdot m = -\Big(\frac{Y}{\hat{Y}} - \frac{1 - Y}{1 - \hat{Y}}\Big).$$
#
# Then walk from $l = L$ back to $l = 1$; in every layer
#
# $$dZ^{[l]} = dA^{[l]} \odot g'^{[l]}(Z^{[l]}),\qquad
# dW^{[l]} = \frac{1}{m}\, dZ^{[l]} A^{[l-1]\top},\qquad
# db^{[l]} = \frac{1}{m} \sum_{\text{columns}} dZ^{[l]},\qquad
# dA^{[l-1]} = W^{[l]\top} dZ^{[l]}.$$
#
# Here $dA$ is the derivative of the per-sample loss (no $1/m$); the $1/m$ comes in once, in $dW$ and $db$.
# Return a dict `grads` with `dW1, db1, ..., dWL, dbL`, each shaped like its parameter; `db` needs
# `keepdims=True` to stay $(n_l, 1)$.
#
# A useful fact: for a sigmoid output with binary cross-entropy the two steps combine to exactly
# $dZ^{[L]} = \hat{Y} - Y$. You may start from that instead of $dA^{[L]}$: same result, and no division by tiny
# numbers when $\hat{Y}$ is close to 0 or 1.
#
# The cell below compares your gradients with numerical ones on a small network; the relative errors should be
# below $10^{-7}$.

# %%
small_architecture = [
    {"input_dim": 4, "output_dim": 5, "activation": "relu"},
    {"input_dim": 5, "output_dim": 2, "activation": "sigmoid"},
    {"input_dim": 2, "output_dim": 1, "activation": "sigmoid"},
]
rng = np.random.default_rng(70)
X_small = rng.uniform(-2.0, 2.0, size=(4, 9))
Y_small = (rng.permutation(9) % 2).astype(float).reshape(1, -1)
small_params = {}
for k, layer in enumerate(small_architecture, start=1):
    small_params[f"W{k}"] = rng.normal(0.0, 0.8, size=(layer["output_dim"], layer["input_dim"]))
    small_params[f"b{k}"] = rng.normal(0.0, 0.4, size=(layer["output_dim"], 1))


def small_loss(_):
    """The loss of the small network on (X_small, Y_small) at the current small_params."""
    return get_cost_value(full_forward_propagation(X_small, small_params, small_architecture)[0], Y_small)


# %% lang="zh"
with demo():
    Y_hat_small, memory_small = full_forward_propagation(X_small, small_params, small_architecture)
    grads = full_backward_propagation(Y_hat_small, Y_small, memory_small, small_params, small_architecture)
    rows = []
    for name, value in small_params.items():
        numerical, got = eval_numerical_gradient(small_loss, value, verbose=False), np.asarray(grads.get("d" + name))
        if got.shape != numerical.shape:
            rows.append((f"`d{name}`", got.shape, f"形状应为 {numerical.shape}", "✘"))
        else:
            error = rel_error(numerical, got)
            rows.append((f"`d{name}`", got.shape, f"{error:.2e}", "✔" if error < 1e-7 else "✘"))
    show_table(["梯度", "形状", "相对误差", "低于 1e-7"], rows)

# %% lang="en"
with demo():
    Y_hat_small, memory_small = full_forward_propagation(X_small, small_params, small_architecture)
    grads = full_backward_propagation(Y_hat_small, Y_small, memory_small, small_params, small_architecture)
    rows = []
    for name, value in small_params.items():
        numerical, got = eval_numerical_gradient(small_loss, value, verbose=False), np.asarray(grads.get("d" + name))
        if got.shape != numerical.shape:
            rows.append((f"`d{name}`", got.shape, f"should be {numerical.shape}", "✘"))
        else:
            error = rel_error(numerical, got)
            rows.append((f"`d{name}`", got.shape, f"{error:.2e}", "✔" if error < 1e-7 else "✘"))
    show_table(["gradient", "shape", "relative error", "below 1e-7"], rows)

# %% grade_id="full_backward_propagation_dW" points=2
check("full_backward_propagation_dW")

# %% grade_id="full_backward_propagation_db" points=1
check("full_backward_propagation_db")

# %% grade_id="full_backward_propagation_sigmoid" points=1
check("full_backward_propagation_sigmoid")

# %% [markdown] lang="zh"
# ## 6. 更新与训练
#
# `update(params, grads, nn_architecture, learning_rate)` 对每一层做一步梯度下降：
#
# $$W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]},\qquad b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]},
# \qquad l = 1, \dots, L,$$
#
# 并返回更新后的 `params`。**常见错误**（Skalski 原文的 `update` 就是这样写的）：用 `for idx, layer in enumerate(nn_architecture)` 循环，再去取 `params["W" + str(idx)]`。`idx` 从 0 开始，第一步就会抛出 `KeyError: 'W0'`。应该写成 `enumerate(nn_architecture, start=1)` 或 `range(1, L + 1)`。
#
# `train(X, Y, nn_architecture, epochs, learning_rate)` 的初始化和进度条已经写好。你要写的是每个迭代周期（epoch）的循环体。这里用全批量梯度下降，每个迭代周期用全部样本走一步：
#
# 1. 前向传播，得到 `Y_hat` 和 `memory`；
# 2. 把本轮的损失和正确率分别追加到 `cost_history` 和 `accuracy_history`；
# 3. 反向传播，得到 `grads`；
# 4. `params = update(...)`。
#
# `train_accuracy` 会在新生成的月牙数据（以原点为中心）上训练你的网络（2-32-32-1，300 个迭代周期，学习率 0.4），要求它在另一批新生成的点上的正确率至少达到 90%。

# %% [markdown] lang="en"
# ## 6. Update and training
#
# `update(params, grads, nn_architecture, learning_rate)` takes one gradient-descent step in every layer,
#
# $$W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]},\qquad b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]},
# \qquad l = 1, \dots, L,$$
#
# and returns the updated `params`. **Common mistake** (Skalski's `update` has it): looping with
# `for idx, layer in enumerate(nn_architecture)` and then reading `params["W" + str(idx)]`; `idx` starts at 0, and
# the very first step raises `KeyError: 'W0'`. Write `enumerate(nn_architecture, start=1)` or `range(1, L + 1)`.
#
# The initialisation and the progress bar of `train(X, Y, nn_architecture, epochs, learning_rate)` are given. You
# write the body of the epoch loop (full-batch gradient descent: one step on all samples per epoch):
#
# 1. run the forward pass for `Y_hat` and `memory`;
# 2. append this epoch's loss and accuracy to `cost_history` and `accuracy_history`;
# 3. backpropagate for `grads`;
# 4. `params = update(...)`.
#
# `train_accuracy` trains your network on freshly drawn half-moons centred on the origin (2-32-32-1, 300 epochs,
# learning rate 0.4) and asks for at least 90 % accuracy on another fresh set of points.

# %% grade_id="update_step" points=1
check("update_step")

# %% grade_id="train_history" points=1
check("train_history")

# %% grade_id="train_accuracy" points=2
check("train_accuracy")

# %% [markdown] lang="zh"
# ## 7. 把两类点分开
#
# 用第 1 节的网络（约 2200 个参数），学习率 0.3，全批量训练 1500 个迭代周期。目标：测试正确率达到 **95% 以上**。这个单元格只需几秒钟；想换学习率或迭代周期数，直接改单元格第一行的 `EPOCHS` 和 `LEARNING_RATE`。
#
# 训练时只让 BLAS 用一个线程（`threadpool_limits(1)`）：矩阵这么小，线程之间的协调比计算本身还费时间，机器忙的时候会慢好几倍。第 8 节的 PyTorch 也只用一个线程，这样比较才公平。

# %% [markdown] lang="en"
# ## 7. Separating the two classes
#
# Train the network of section 1 (about 2200 parameters) with learning rate 0.3 for 1500 full-batch epochs.
# Target: **95 % or more** test accuracy. The cell takes a few seconds; to try another learning rate or number of
# epochs, change `EPOCHS` and `LEARNING_RATE` on its first line.
#
# The training uses one BLAS thread (`threadpool_limits(1)`): on matrices this small, coordinating threads costs
# more than the arithmetic, and on a busy machine several times more. PyTorch in section 8 gets one thread too, so
# the comparison is fair.

# %%
EPOCHS, LEARNING_RATE = (1500 if not FAST else 50), 0.3
trained_params, numpy_seconds, numpy_test_acc = None, None, None
with demo():
    start = time.perf_counter()
    with threadpool_limits(1):
        trained_params, cost_history, accuracy_history = train(X_train, Y_train, NN_ARCHITECTURE, EPOCHS,
                                                               LEARNING_RATE, verbose=True)
    numpy_seconds = time.perf_counter() - start
    Y_hat_test, _ = full_forward_propagation(X_test, trained_params, NN_ARCHITECTURE)
    numpy_test_acc = get_accuracy_value(Y_hat_test, Y_test)


def predict(points):
    """Probability of class 1 for points in rows (M, 2): the network wants samples in columns, so transpose."""
    return full_forward_propagation(points.T, trained_params, NN_ARCHITECTURE)[0]


# %% lang="zh"
if numpy_test_acc is None:
    print("还没有可画的结果：先让上面的训练单元格跑通。")
else:
    print(f"{EPOCHS} 个迭代周期，用时 {numpy_seconds:.1f} 秒：训练正确率 {accuracy_history[-1]:.3f}，"
          f"测试正确率 {numpy_test_acc:.3f}")
    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
    ax_cost.plot(cost_history)
    # plot_text：装有中文字体时用中文标题，否则用英文（matplotlib 缺字时只会画出空方框）
    ax_cost.set(title=plot_text("损失", "Loss"), xlabel=plot_text("迭代周期", "epoch"),
                ylabel=plot_text("二元交叉熵", "binary cross-entropy"))
    ax_acc.plot(accuracy_history)
    ax_acc.set(title=plot_text("训练集正确率", "Training accuracy"), xlabel=plot_text("迭代周期", "epoch"),
               ylabel=plot_text("正确率", "accuracy"), ylim=(0.4, 1.0))
    plt.show()

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    plot_decision_boundary(predict, X_train_rows, y_train, ax=axes[0])
    axes[0].set_title(plot_text("决策边界与训练数据点", "Decision boundary, training points"))
    plot_decision_boundary(predict, X_test_rows, y_test, ax=axes[1])
    axes[1].set_title(plot_text(f"决策边界与测试数据点（正确率 {numpy_test_acc:.2f}）",
                                f"Decision boundary, test points (accuracy {numpy_test_acc:.2f})"))
    plt.show()

# %% lang="en"
if numpy_test_acc is None:
    print("Nothing to plot yet: get the training cell to run first.")
else:
    print(f"{EPOCHS} epochs in {numpy_seconds:.1f} s: train accuracy {accuracy_history[-1]:.3f}, "
          f"test accuracy {numpy_test_acc:.3f}")
    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
    ax_cost.plot(cost_history)
    ax_cost.set(title="Loss", xlabel="epoch", ylabel="binary cross-entropy")
    ax_acc.plot(accuracy_history)
    ax_acc.set(title="Training accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0.4, 1.0))
    plt.show()

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    plot_decision_boundary(predict, X_train_rows, y_train, ax=axes[0])
    axes[0].set_title("Decision boundary, training points")
    plot_decision_boundary(predict, X_test_rows, y_test, ax=axes[1])
    axes[1].set_title(f"Decision boundary, test points (accuracy {numpy_test_acc:.2f})")
    plt.show()

# %% [markdown] lang="zh"
# 损失曲线开头有一段几乎是平的：初始权重小，信号和梯度一层层缩小，网络要先“找到方向”。更好的权重初始化（如 He 初始化）和更好的优化算法（动量法、Adam）正是为了解决这个问题。之后的那些尖峰，是步子迈得太大、越过了谷底又折回来；把学习率提高到 1 或 2，尖峰会高得多，也频繁得多。
#
# ## 8. （选做）同一个网络，用 PyTorch 写
#
# 下面用 PyTorch 搭同样的网络：同样的层、同样的初始化分布 $\mathcal{N}(0, 0.1^2)$、同样的学习率和迭代周期数、全批量 SGD 和 `BCELoss`。反向传播由 `loss.backward()` 自动完成。注意 PyTorch 习惯样本按行存放（样本在第一维）。没有安装 PyTorch 时，这一节会跳过；装了的话，这个单元格只需几秒钟。
#
# 网络这么小，时间主要花在每次函数调用的固定开销上，所以谁快谁慢都不奇怪；PyTorch 的优势在于大张量、GPU，以及不用自己写反向传播。

# %% [markdown] lang="en"
# The loss curve starts with an almost flat stretch: the initial weights are small, signals and gradients shrink
# from layer to layer, and the network first has to find its way. Better initialisations (He) and better
# optimisers (momentum, Adam) address exactly this. The spikes after it are steps that overshoot the valley and
# come back; at learning rates of 1 or 2 they grow far taller and come far more often.
#
# ## 8. (Optional) The same network in PyTorch
#
# The cell below builds the same network in PyTorch: the same layers, the same initial distribution
# $\mathcal{N}(0, 0.1^2)$, the same learning rate and number of epochs, full-batch SGD and `BCELoss`.
# `loss.backward()` does the backpropagation. Note that PyTorch keeps samples in rows (along the first axis).
# Without PyTorch installed this section is skipped; with it, the cell takes a few seconds.
#
# On a network this small the time goes mostly into the fixed overhead of every call, so either side may win;
# PyTorch pays off with large tensors, GPUs, and not having to write the backward pass yourself.

# %% lang="zh"
try:
    import torch
except ImportError:
    torch = None
    print("没有安装 PyTorch，跳过这一节的比较（运行 pip install torch 安装后即可运行）。")

# %% lang="en"
try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: skipping the comparison (pip install torch to run it).")

# %%
if torch is not None:
    from tqdm.auto import tqdm

    torch.set_num_threads(1)  # tensors this small gain nothing from threads, and a busy machine punishes them
    torch.manual_seed(7)
    modules = []
    for layer in NN_ARCHITECTURE:
        linear = torch.nn.Linear(layer["input_dim"], layer["output_dim"], dtype=torch.float64)
        torch.nn.init.normal_(linear.weight, std=0.1)  # weight (out, in), as in our W
        torch.nn.init.normal_(linear.bias, std=0.1)
        modules += [linear, torch.nn.ReLU() if layer["activation"] == "relu" else torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*modules)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.BCELoss()
    inputs = torch.from_numpy(X_train_rows)  # (m, 2): samples in rows
    targets = torch.from_numpy(y_train.astype(np.float64)).reshape(-1, 1)
    start = time.perf_counter()
    for _ in tqdm(range(EPOCHS), desc="PyTorch", leave=False):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    torch_seconds = time.perf_counter() - start
    with torch.no_grad():
        torch_predictions = model(torch.from_numpy(X_test_rows)).numpy().ravel() > 0.5
    torch_test_acc = float(np.mean(torch_predictions == (y_test == 1)))

# %% lang="zh"
if torch is not None:
    # 一个汉字占两列宽：>9 和 >7 让表头与下面 14 列宽和 8 列宽的数字对齐
    print(f"{'':8} {'测试正确率':>9} {'秒':>7}")
    if numpy_test_acc is not None:
        print(f"{'NumPy':8} {numpy_test_acc:14.3f} {numpy_seconds:8.1f}")
    print(f"{'PyTorch':8} {torch_test_acc:14.3f} {torch_seconds:8.1f}")

# %% lang="en"
if torch is not None:
    print(f"{'':8} {'test accuracy':>14} {'seconds':>8}")
    if numpy_test_acc is not None:
        print(f"{'NumPy':8} {numpy_test_acc:14.3f} {numpy_seconds:8.1f}")
    print(f"{'PyTorch':8} {torch_test_acc:14.3f} {torch_seconds:8.1f}")

# %% [markdown] lang="zh"
# ## 9. 思考题
#
# **问题（1 分）：** 假如 `init_layers` 把每个 `W{l}` 的所有元素都设成 0.1、偏置设成 0，训练之后，第一个隐藏层的 16 个神经元会是什么样子？为什么？用一两句话回答。

# %% [markdown] lang="en"
# ## 9. Question
#
# **Question (1 point):** if `init_layers` set every entry of every `W{l}` to 0.1 and the biases to 0, what would
# the 16 units of the first hidden layer look like after training, and why? Answer in one or two sentences.

# %% [markdown] grade_id="init_layers_symmetry_answer" points=1 solution=true
# **参考答案：** 这 16 个神经元仍然一模一样。它们的初始权重相同，算出的输出相同，收到的梯度也相同，所以每次更新后依然相同，整层的作用就和一个神经元一样。
#
# **Model answer:** they would all still be identical: units that start with the same weights compute the same
# output and receive the same gradient, so every update keeps them equal, and the layer behaves like a single unit.
