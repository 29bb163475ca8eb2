# %% [markdown] lang="zh"
# # 练习 4：浅层神经网络
#
# 前面几个练习写好了仿射层（全连接层）、ReLU、softmax 损失函数（loss function）和“仿射-ReLU”组合层。现在把它们拼成一个完整的两层网络：
#
# $$\text{输入 } X \;\to\; \text{仿射} \;\to\; \text{ReLU} \;\to\; \text{仿射} \;\to\; \text{softmax 损失}$$
#
# 再在 CIFAR-10 上用小批量随机梯度下降（minibatch SGD）训练它。本练习要写的是：
#
# - `classifiers/chapter3/shallow_layer_net.py` 中的 `ShallowLayerNet.loss`：前向传播（forward propagation）、损失和梯度；
# - `classifiers/chapter3/classifier.py` 中 `Classifier.train` 的循环体和 `Classifier.predict`。`Classifier` 是练习 4 和练习 5 中网络的共同父类，下一个练习的深层网络直接继承这两个方法。
#
# 输出 ✔/✘ 的单元格都是自动评分的检查。检查上方的演示单元格用一个小例子展示你的函数算出了什么；演示出错时只打印一行说明，真正的诊断看下方的检查。

# %% [markdown] lang="en"
# # Exercise 4: a shallow neural network
#
# The earlier exercises built the affine (fully connected) layer, ReLU, the softmax loss function and the
# affine-ReLU sandwich. Now they become one two-layer network,
#
# $$\text{input } X \;\to\; \text{affine} \;\to\; \text{ReLU} \;\to\; \text{affine} \;\to\; \text{softmax loss},$$
#
# trained on CIFAR-10 with minibatch stochastic gradient descent (minibatch SGD). You will write
#
# - `ShallowLayerNet.loss` in `classifiers/chapter3/shallow_layer_net.py`: the forward pass, the loss and the
#   gradients;
# - the loop body of `Classifier.train` and `Classifier.predict` in `classifiers/chapter3/classifier.py`.
#   `Classifier` is the parent class of the networks of exercises 4 and 5; the deep net of the next exercise
#   inherits both methods unchanged.
#
# Every cell that prints ✔/✘ is a graded check. The demo cell above a check shows what your functions compute on a
# small example; when a demo fails it prints one line, and the check below gives the diagnosis.

# %% locked=true
import os
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
from utils.data_utils import get_CIFAR10_data, last_source
from utils.gradient_check import eval_numerical_gradient, rel_error
from utils.vis_utils import plot_history, show_net_weights

plt.rcParams["figure.figsize"] = (10.0, 4.0)
# Under nbgrader's autograder the training cells shrink; no graded value depends on them.
FAST = os.environ.get("NBGRADER_EXECUTION") == "autograde"

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 0. 数据
#
# `get_CIFAR10_data()` 返回训练集（training set）49000 张、验证集（validation set）1000 张和测试集（test set）1000 张，图像形状为 $(N, 3, 32, 32)$。如果本机还没有下载 CIFAR-10，它会打印一行提示，改用内置的替代数据集（sklearn 的手写数字，放大成同样的形状），这样笔记本在任何地方都能运行。要用真实数据，请在课程根目录运行 `python datasets/get_datasets.py cifar10`。
#
# **输入的尺度。** 像素值是 0 到 255 之间的整数，加载时减去了训练集的平均图像，但没有再缩放：每个分量落在 $-255$ 到 $255$ 之间，标准差约为 60。后面的学习率（learning rate）都是按这个尺度选的：梯度 $\partial L / \partial W_1 = X^\top(\cdots)$ 与输入同一量级，所以学习率取 $10^{-4}$ 到 $10^{-3}$。练习 6 把 MNIST 的像素缩放到 0 到 1，梯度小了两个数量级，学习率就可以取到 0.5。
#
# 本练习只用训练集和验证集。测试集留到最后、只用一次，否则“测试正确率”就不再是对新数据的诚实估计。

# %% [markdown] lang="en"
# ## 0. Data
#
# `get_CIFAR10_data()` returns a training set (49000 images), a validation set (1000) and a test set (1000), with
# images of shape $(N, 3, 32, 32)$. When CIFAR-10 has not been downloaded on this machine it prints one line and
# uses an embedded stand-in (scikit-learn's handwritten digits blown up to the same shape), so the notebook runs
# anywhere; for the real data run `python datasets/get_datasets.py cifar10` in the course folder.
#
# **The scale of the inputs.** Pixels are integers from 0 to 255; the loader subtracts the mean image of the
# training set and scales nothing, so every component lies between $-255$ and $255$ with a standard deviation of
# about 60. The learning rates below are chosen for that scale: the gradient
# $\partial L / \partial W_1 = X^\top(\cdots)$ is as large as the inputs, hence learning rates of $10^{-4}$ to
# $10^{-3}$. Exercise 6 scales MNIST's pixels to 0 to 1, which makes the gradients two orders of magnitude smaller,
# and a learning rate of 0.5 works there.
#
# This exercise uses only the training and validation sets. The test set is used once, at the very end, or its
# accuracy stops being an honest estimate for new data.

# %%
data = get_CIFAR10_data()
EMBEDDED = last_source("cifar10") == "embedded"
X_train, y_train = data["X_train"], data["y_train"]
X_val, y_val = data["X_val"], data["y_val"]
for name, value in data.items():
    print(f"{name}: {value.shape}")
print(f"X_train: mean {X_train.mean():.2f}, std {X_train.std():.1f}, min {X_train.min():.0f}, max {X_train.max():.0f}")
input_dim, num_classes = int(np.prod(X_train.shape[1:])), 10

# %% [markdown] lang="zh"
# ## 1. 前向传播：分数
#
# 设小批量（minibatch）有 $N$ 个样本，展平后 $X \in \mathbb{R}^{N \times D}$，隐藏层（hidden layer）有 $H$ 个神经元，共 $C$ 个类别：
#
# $$h = \max(0,\; X W_1 + b_1) \in \mathbb{R}^{N \times H}, \qquad s = h W_2 + b_2 \in \mathbb{R}^{N \times C}.$$
#
# 参数放在字典 `self.params` 里：`W1` $(D, H)$、`b1` $(H,)$、`W2` $(H, C)$、`b2` $(C,)$。构造函数已经写好：权重（weight）取自 $\mathcal{N}(0, \text{weight\_scale}^2)$，偏置（bias）为 0。
#
# 在 `ShallowLayerNet.loss(X, y=None)` 中，`y is None` 时只做前向传播，返回分数 $s$。直接调用你写过的 `affine_relu_forward` 和 `affine_forward`，并留下它们的缓存，反向传播（backpropagation）时要用。`X` 也可能是图像形状 $(N, d_1, \dots, d_k)$（例如 $(N, 3, 32, 32)$）：`affine_forward` 会把它展平，不要自己改形状。各参数的梯度与参数本身形状相同。
#
# **常见错误：** 在返回的分数上再做一次 softmax 或 ReLU。`loss(X)` 返回的是原始分数，`predict` 取它的 argmax，softmax 只在计算损失时出现。
#
# 下面的演示用一个小网络（4 个样本、6 个特征、8 个隐藏单元、3 个类别）验证三件不依赖具体数值的事：
#
# 1. 分数的形状是 $(N, C)$；
# 2. 把同样的输入排成“图像”形状 $(N, 2, 3)$，分数不变；
# 3. 把 $b_1$ 设成很大的负数，所有隐藏单元都不激活，$h = 0$，每一行分数都应该正好等于 $b_2$。漏掉 ReLU 的网络在这里会露馅。
#
# 2 和 3 打印的是最大偏差，应为 0 或 $10^{-15}$ 量级。

# %% [markdown] lang="en"
# ## 1. Forward pass: the scores
#
# For a minibatch of $N$ samples flattened to $X \in \mathbb{R}^{N \times D}$, $H$ hidden units and $C$ classes,
#
# $$h = \max(0,\; X W_1 + b_1) \in \mathbb{R}^{N \times H}, \qquad s = h W_2 + b_2 \in \mathbb{R}^{N \times C}.$$
#
# The parameters live in the dict `self.params`: `W1` $(D, H)$, `b1` $(H,)$, `W2` $(H, C)$, `b2` $(C,)$. The
# constructor is given: weights drawn from $\mathcal{N}(0, \text{weight\_scale}^2)$, biases zero.
#
# In `ShallowLayerNet.loss(X, y=None)`, when `y is None` run the forward pass only and return the scores $s$. Call
# the `affine_relu_forward` and `affine_forward` you already wrote, and keep their caches for the backward pass.
# `X` may also come image-shaped, $(N, d_1, \dots, d_k)$ such as $(N, 3, 32, 32)$: `affine_forward` flattens it, so
# do not reshape it yourself. Every gradient has the shape of its parameter.
#
# **Common mistake:** applying softmax or ReLU to the returned scores. `loss(X)` returns raw scores; `predict` takes
# their argmax, and softmax appears only inside the loss.
#
# The demo below takes a small net (4 samples, 6 features, 8 hidden units, 3 classes) and verifies three things that
# hold whatever the numbers:
#
# 1. the scores have shape $(N, C)$;
# 2. the same inputs laid out as "images" of shape $(N, 2, 3)$ give the same scores;
# 3. with a large negative $b_1$ no hidden unit is active, $h = 0$, and every row of scores must equal $b_2$
#    exactly. A net without its ReLU gives itself away here.
#
# For 2 and 3 it prints the largest deviation, which should be 0 or of the order of $10^{-15}$.

# %%
rng = np.random.default_rng(2046)
n_samples, n_features, n_hidden, n_classes = 4, 6, 8, 3
toy = ShallowLayerNet(input_dim=n_features, hidden_dim=n_hidden, num_classes=n_classes)
toy.params = {"W1": rng.normal(0.0, 0.5, (n_features, n_hidden)), "b1": rng.uniform(-0.2, 0.2, n_hidden),
              "W2": rng.normal(0.0, 0.5, (n_hidden, n_classes)), "b2": rng.uniform(-1.0, 1.0, n_classes)}
X_toy = rng.uniform(-2.0, 2.0, (n_samples, n_features))
y_toy = rng.integers(n_classes, size=n_samples)

with demo():
    toy_scores = toy.loss(X_toy)
    print("scores =\n", np.round(toy_scores, 4))
    print("(1) scores.shape =", np.shape(toy_scores))
    as_images = toy.loss(X_toy.reshape(n_samples, 2, 3))
    print(f"(2) max |loss(X.reshape({n_samples}, 2, 3)) - scores| =", np.abs(as_images - toy_scores).max())
    dead = ShallowLayerNet(input_dim=n_features, hidden_dim=n_hidden, num_classes=n_classes)
    dead.params = {**toy.params, "b1": np.full(n_hidden, -100.0)}
    print("(3) b1 = -100:  max |loss(X) - b2| =", np.abs(dead.loss(X_toy) - toy.params["b2"]).max())

# %% grade_id="ShallowLayerNet_scores" points=2
check("ShallowLayerNet_scores")

# %% grade_id="ShallowLayerNet_nd_input" points=1
check("ShallowLayerNet_nd_input")

# %% [markdown] lang="zh"
# ## 2. 损失与正则化
#
# 给出标签 `y` 时，`loss` 返回 `(loss, grads)`。总损失是 softmax 数据损失（对 $N$ 个样本取平均）加上权重衰减（L2 正则化）项：
#
# $$L = \frac{1}{N}\sum_{i=1}^{N} -\log \frac{e^{s_{i, y_i}}}{\sum_{j} e^{s_{ij}}}
# \;+\; \frac{\lambda}{2}\left(\lVert W_1 \rVert_F^2 + \lVert W_2 \rVert_F^2\right),$$
#
# 其中正则化（regularization）强度 $\lambda$ 就是 `self.reg`。偏置不参与正则化。系数 $\frac{1}{2}$ 的好处是求导后正好得到 $\lambda W$。`softmax_loss` 已经除以了 $N$，不要再除一次。
#
# 演示打印三个量：
#
# - 权重极小（`weight_scale=1e-6`）时，所有分数几乎都是 0，softmax 给每个类别 $1/C$ 的概率，数据损失应接近 $\ln C$；
# - 同一个网络在 $\lambda = 0$ 和 $\lambda = 0.8$ 下的损失；
# - 两者之差减去 $\frac{0.8}{2}\left(\lVert W_1 \rVert_F^2 + \lVert W_2 \rVert_F^2\right)$，应为 $10^{-15}$ 量级。

# %% [markdown] lang="en"
# ## 2. Loss and regularisation
#
# Given labels `y`, `loss` returns `(loss, grads)`. The total loss is the softmax data loss (averaged over the $N$
# samples) plus a weight-decay (L2 regularisation) penalty:
#
# $$L = \frac{1}{N}\sum_{i=1}^{N} -\log \frac{e^{s_{i, y_i}}}{\sum_{j} e^{s_{ij}}}
# \;+\; \frac{\lambda}{2}\left(\lVert W_1 \rVert_F^2 + \lVert W_2 \rVert_F^2\right),$$
#
# where the regularisation strength $\lambda$ is `self.reg`. Biases are not regularised. The factor $\frac{1}{2}$
# makes the derivative exactly $\lambda W$. `softmax_loss` already divides by $N$; do not divide again.
#
# The demo prints three things:
#
# - with tiny weights (`weight_scale=1e-6`) every score is almost 0, softmax gives each class probability $1/C$,
#   and the data loss should be close to $\ln C$;
# - the loss of one net with $\lambda = 0$ and with $\lambda = 0.8$;
# - their difference minus $\frac{0.8}{2}\left(\lVert W_1 \rVert_F^2 + \lVert W_2 \rVert_F^2\right)$, which should
#   be of the order of $10^{-15}$.

# %%
with demo():
    tiny = ShallowLayerNet(input_dim=n_features, hidden_dim=n_hidden, num_classes=n_classes, weight_scale=1e-6)
    print(f"loss(weight_scale=1e-6) = {tiny.loss(X_toy, y_toy)[0]:.6f},  ln C = {np.log(n_classes):.6f}")
    toy.reg = 0.0
    plain_loss = toy.loss(X_toy, y_toy)[0]
    toy.reg = 0.8
    penalised_loss = toy.loss(X_toy, y_toy)[0]
    penalty = 0.4 * sum(np.sum(toy.params[w] ** 2) for w in ("W1", "W2"))
    print(f"loss(reg=0) = {plain_loss:.6f},  loss(reg=0.8) = {penalised_loss:.6f}")
    print(f"loss(reg=0.8) - loss(reg=0) - penalty = {penalised_loss - plain_loss - penalty:.1e}")

# %% grade_id="ShallowLayerNet_loss" points=2
check("ShallowLayerNet_loss")

# %% grade_id="ShallowLayerNet_loss_reg" points=1
check("ShallowLayerNet_loss_reg")

# %% [markdown] lang="zh"
# ## 3. 反向传播：梯度
#
# 反向传播沿前向传播的路线倒着走，每一步都用对应层的 backward 函数和前向时留下的缓存：
#
# 1. `softmax_loss` 已经给出 $\frac{\partial L}{\partial s}$，形状 $(N, C)$；
# 2. `affine_backward` 得到 $\frac{\partial L}{\partial h}$、`dW2`、`db2`；
# 3. `affine_relu_backward` 得到 `dW1`、`db1`（对 $X$ 的梯度用不到）；
# 4. 正则项的梯度：`dW1 += reg * W1`，`dW2 += reg * W2`。
#
# `grads` 的键和形状必须与 `self.params` 完全一致。下面用梯度检验（gradient check）核对：对每个参数，用中心差分算出数值梯度（numerical gradient），和你的解析梯度比较，表中是两者的相对误差。正确的实现在 $10^{-8}$ 左右，不应超过 $10^{-6}$。

# %% [markdown] lang="en"
# ## 3. Backward pass: the gradients
#
# Backpropagation walks the forward pass backwards, each step with the matching backward function and the cache
# kept on the way forward:
#
# 1. `softmax_loss` already gives $\frac{\partial L}{\partial s}$, shape $(N, C)$;
# 2. `affine_backward` gives $\frac{\partial L}{\partial h}$, `dW2` and `db2`;
# 3. `affine_relu_backward` gives `dW1` and `db1` (the gradient with respect to $X$ is not needed);
# 4. the penalty adds `dW1 += reg * W1` and `dW2 += reg * W2`.
#
# `grads` must have exactly the keys and shapes of `self.params`. The gradient check below compares, for every
# parameter, the numerical gradient (centred differences) with your analytic one; the table shows their relative
# errors. A correct implementation gives about $10^{-8}$, never more than $10^{-6}$.

# %%
def gradient_errors(net, X, y):
    """{parameter name: relative error between the analytic and the numerical gradient of net's loss}."""
    analytic = net.loss(X, y)[1]

    def loss_of(_):  # eval_numerical_gradient perturbs net.params[name] in place and calls this
        return net.loss(X, y)[0]

    return {name: rel_error(eval_numerical_gradient(loss_of, net.params[name], verbose=False), analytic[name])
            for name in sorted(net.params)}


with demo():
    strengths = (0.0, 0.8)
    table = {}
    for strength in strengths:
        toy.reg = strength
        table[strength] = gradient_errors(toy, X_toy, y_toy)
    print("      " + "  ".join(f"reg={s:<6}" for s in strengths))
    for name in sorted(toy.params):
        print(f"{name:<4}  " + "  ".join(f"{table[s][name]:<10.1e}" for s in strengths))

# %% grade_id="ShallowLayerNet_grads" points=2
check("ShallowLayerNet_grads")

# %% grade_id="ShallowLayerNet_grads_reg" points=2
check("ShallowLayerNet_grads_reg")

# %% [markdown] lang="zh"
# ## 4. 训练与预测：`Classifier.train` 和 `Classifier.predict`
#
# **预测**：每个样本取分数最大的类别，$\hat{y}_i = \arg\max_j s_{ij}$，返回形状为 $(N,)$ 的整数数组。
#
# **小批量随机梯度下降**：每一步
#
# 1. 从训练集中随机抽取 `batch_size` 个下标 `idx`（有放回抽样即可），取出 `X[idx]` 和 `y[idx]`；
# 2. 调用 `self.loss(X_batch, y_batch)`，得到损失和梯度；
# 3. 每个参数更新一步：$\theta \leftarrow \theta - \eta \,\frac{\partial L}{\partial \theta}$，即 `self.params[name] -= learning_rate * grads[name]`。
#
# 循环的其余部分已经写好：记录每一步的损失；每个迭代周期（epoch）结束时，也就是每过训练集大小 ÷ `batch_size` 步，记录训练正确率和验证正确率，并把学习率乘以 `learning_rate_decay`。
#
# **常见错误：** 给 `X` 和 `y` 各抽一次下标，样本和标签就对不上了；更新时写成 `+=`，损失会越来越大。检查 `Classifier_train` 让你的 `train` 去训练一个简单的最近质心分类器（不是 ShallowLayerNet），记下每一步用到的小批量，再拿这些小批量自己算一遍 SGD，逐步核对参数。所以怎么随机抽样都可以，但每一步的更新必须准确。

# %% [markdown] lang="en"
# ## 4. Training and prediction: `Classifier.train` and `Classifier.predict`
#
# **Prediction**: each sample gets the class with the largest score, $\hat{y}_i = \arg\max_j s_{ij}$; return an
# integer array of shape $(N,)$.
#
# **Minibatch stochastic gradient descent**: at every step
#
# 1. draw `batch_size` random indices `idx` from the training set (with replacement is fine) and take `X[idx]` and
#    `y[idx]`;
# 2. call `self.loss(X_batch, y_batch)` for the loss and the gradients;
# 3. update every parameter, $\theta \leftarrow \theta - \eta \,\frac{\partial L}{\partial \theta}$, i.e.
#    `self.params[name] -= learning_rate * grads[name]`.
#
# The rest of the loop is given: it records the loss of every step and, at the end of every epoch (training-set
# size ÷ `batch_size` steps), the training and validation accuracy, and multiplies the learning rate by
# `learning_rate_decay`.
#
# **Common mistakes:** drawing separate indices for `X` and `y`, so samples and labels no longer match; writing `+=`
# in the update, so the loss grows. The check `Classifier_train` lets your `train` fit a simple nearest-centroid
# classifier (not ShallowLayerNet), records the minibatch of every step, runs SGD itself on those minibatches and
# compares the parameters step by step. So any random sampling is fine, but every update must be exact.

# %% grade_id="Classifier_predict" points=1
check("Classifier_predict")

# %% grade_id="Classifier_train" points=2
check("Classifier_train")

# %% [markdown] lang="zh"
# ## 5. 在 CIFAR-10 上训练
#
# 先用一组保守的超参数（hyperparameter）训练一个隐藏层有 50 个神经元的网络，作为基线。在真实的 CIFAR-10 上，它的验证正确率远低于 50%；内置的手写数字简单得多，正确率会很高，这很正常。训练时进度条上会显示当前的损失。
#
# **用时：** 在 2 核的机器上，一步 SGD（批大小 200）在隐藏层有 50 个神经元时约需 7 毫秒，100 个时约需 10 毫秒。两个数据集的图像一样大，所以每一步一样快，差别只在步数：这个单元格在真实 CIFAR-10 上训练 1000 步，约 7 秒；在内置数据集上训练 300 步，约 2 秒。整个笔记本在真实 CIFAR-10 上运行约 80 秒（含加载数据），在内置数据集上约 10 秒。

# %% [markdown] lang="en"
# ## 5. Training on CIFAR-10
#
# First a baseline: a net with 50 hidden units and cautious hyper-parameters. On real CIFAR-10 its validation
# accuracy stays far below 50 %; the embedded digits are much easier, and a high accuracy there is expected. A
# progress bar shows the current loss while it trains.
#
# **Time:** on a 2-core machine one SGD step (batch size 200) takes about 7 ms with 50 hidden units and about
# 10 ms with 100. The images of both data sets have the same size, so a step costs the same and only the number of
# steps differs: this cell trains 1000 steps on real CIFAR-10, about 7 s, and 300 steps on the embedded set, about
# 2 s. The whole notebook runs in about 80 s on real CIFAR-10 (loading the data included) and in about 10 s on the
# embedded set.

# %%
num_iters = 1000 if not EMBEDDED else 300
if FAST:
    num_iters = 20
net, stats = ShallowLayerNet(input_dim, hidden_dim=50, num_classes=num_classes, weight_scale=1e-3), None
with demo():
    stats = net.train(X_train, y_train, X_val, y_val, learning_rate=1e-4, learning_rate_decay=0.95, reg=0.25,
                      num_iters=num_iters, batch_size=200, verbose=True, seed=0)
    print(f"val_acc = {np.mean(net.predict(X_val) == y_val):.3f}")

# %% [markdown] lang="zh"
# ### 读懂训练曲线
#
# - 损失几乎沿直线缓慢下降：学习率太小；
# - 损失剧烈抖动，甚至变成 `nan`：学习率太大；
# - 训练正确率和验证正确率都低，而且很接近：模型欠拟合，可以加大网络、多训练一会儿或减小正则化强度；
# - 训练正确率远高于验证正确率：过拟合（overfitting），可以加大正则化强度或减小网络。
#
# 第一层权重 `W1` 的每一列都可以还原成一张 $3 \times 32 \times 32$ 的图像。训练得好的网络，这些“模板”会呈现色块和边缘；训练不足时，它们看起来像噪声。

# %% [markdown] lang="en"
# ### Reading the training curves
#
# - The loss falls slowly and almost linearly: the learning rate is too small.
# - The loss jumps around or becomes `nan`: the learning rate is too large.
# - Training and validation accuracy are both low and close: the model underfits; use a bigger net, train longer or
#   regularise less.
# - Training accuracy far above validation accuracy: the model overfits; regularise more or use a smaller net.
#
# Every column of the first-layer weights `W1` can be shown as a $3 \times 32 \times 32$ image. In a well trained
# net these templates show colour blobs and edges; in an undertrained one they look like noise.

# %%
if stats is not None:  # None: the training cell above stopped, and said why
    plot_history(stats)
    plt.show()
    show_net_weights(net.params["W1"])
    plt.show()

# %% [markdown] lang="zh"
# ## 6. 调超参数
#
# 在下面的单元格里列出你想尝试的学习率、隐藏层大小和正则化强度，再设定每组训练的步数 `search_iters`。单元格开头的值只是一个较弱的起点：把 `raise NotImplementedError()` 那一行换成你自己的设置。下一个单元格逐一训练所有组合，按**验证集**正确率挑出最好的网络。目标：在真实的 CIFAR-10 上，验证正确率达到 **50% 以上**。再下面一个单元格先画最好一组的训练曲线，再画最差一组的，最后显示最好的网络的第一层权重。
#
# 组合数是三个列表长度的乘积，用时也随之相乘：按每步 7 到 10 毫秒估算，每组 1000 步要 7 到 10 秒，3 × 3 × 3 = 27 组各训练 2000 步就要 7 分钟左右。所以先粗搜，再细搜：
#
# 1. 先让 `search_iters` 取 500 左右，学习率按 10 倍或 3 倍的间隔取几个值，看哪个区域的验证正确率高；
# 2. 再在好的区域里取两三组，把 `search_iters` 加到 2000 左右。
#
# 在内置数据集上每组只训练 150 步，不会超过几秒。

# %% [markdown] lang="en"
# ## 6. Tuning the hyper-parameters
#
# In the cell below, list the learning rates, hidden sizes and regularisation strengths you want to try, and set
# `search_iters`, the number of steps each combination trains. The values at the top of the cell are only a weak
# starting point: replace the line `raise NotImplementedError()` with your own settings. The next cell trains every
# combination and keeps the net with the best **validation** accuracy. Target: **50 % or more** validation
# accuracy on real CIFAR-10. The cell after it plots the training curves of the best combination, then those of
# the worst, and shows the first-layer weights of the best net.
#
# The number of combinations is the product of the three list lengths, and so is the time: at 7 to 10 ms per
# step, 1000 steps take 7 to 10 s per combination, and a 3 × 3 × 3 grid of 27 combinations at 2000 steps each takes
# about 7 minutes. So search coarsely first, then finely:
#
# 1. start with `search_iters` around 500 and a few learning rates in steps of 10 or 3, to see where the
#    validation accuracy is high;
# 2. then take two or three combinations from that region and raise `search_iters` to around 2000.
#
# On the embedded set every combination trains only 150 steps, a few seconds at most.

# %% solution=true
learning_rates = [1e-4]
hidden_sizes = [50]
regs = [0.25]
search_iters = 500  # SGD steps per combination on real CIFAR-10
### BEGIN SOLUTION
learning_rates = [1e-3, 5e-4]
hidden_sizes = [100]
regs = [0.25, 0.6]
search_iters = 2000
### END SOLUTION

# %%
steps = search_iters if not EMBEDDED else 150
if FAST:
    learning_rates, hidden_sizes, regs, steps = learning_rates[:1], hidden_sizes[:1], regs[:1], 10
settings = [(lr, hidden, reg) for lr in learning_rates for hidden in hidden_sizes for reg in regs]
print(f"len(settings) × steps = {len(settings)} × {steps} = {len(settings) * steps}")
best_net, best_val, results, runs = None, -1.0, {}, {}
with demo():
    for lr, hidden, reg in settings:
        candidate = ShallowLayerNet(input_dim, hidden_dim=hidden, num_classes=num_classes, weight_scale=1e-3)
        runs[lr, hidden, reg] = candidate.train(X_train, y_train, X_val, y_val, learning_rate=lr,
                                                learning_rate_decay=0.95, reg=reg, num_iters=steps, batch_size=200,
                                                verbose=True, seed=0)
        results[lr, hidden, reg] = float(np.mean(candidate.predict(X_val) == y_val))
        print(f"lr {lr:.1e}  hidden {hidden:4d}  reg {reg:.2f}  ->  val_acc {results[lr, hidden, reg]:.3f}")
        if results[lr, hidden, reg] > best_val:
            best_net, best_val = candidate, results[lr, hidden, reg]
    print(f"best_val = {best_val:.3f}")

# %%
if best_net is not None:  # None: the search above stopped, and said why
    best, worst = max(results, key=results.get), min(results, key=results.get)
    for key in dict.fromkeys((best, worst)):  # the best run, then the worst (once if they are the same)
        plot_history(runs[key])
        plt.suptitle(f"lr, hidden, reg = {key}: val_acc = {results[key]:.3f}", y=1.03)
        plt.show()
    show_net_weights(best_net.params["W1"])
    plt.show()

# %% [markdown] lang="zh"
# ## 7. 思考题（2 分）
#
# 在你的搜索中，最好的网络和最差的网络各用的是哪组超参数？从它们的训练曲线（训练正确率与验证正确率的差距、损失曲线的形状）看，最差的那组是欠拟合、过拟合，还是学习率不合适？用两三句话回答。

# %% [markdown] lang="en"
# ## 7. Question (2 points)
#
# Which hyper-parameters gave the best and the worst net of your search? From their training curves (the gap
# between training and validation accuracy, the shape of the loss), was the worst one underfitting, overfitting,
# or held back by its learning rate? Answer in two or three sentences.

# %% [markdown] grade_id="ShallowLayerNet_tuning_answer" points=2 solution=true
# **参考答案**（具体数字取决于学生的搜索）：最好的一组是较大的学习率配较弱的正则化，例如学习率 1e-3、100 个隐藏单元、正则化强度 0.25。最差的一组是较小的学习率配较强的正则化：训练正确率和验证正确率都低，而且彼此接近，训练结束时损失还在下降。这说明它欠拟合，原因是在给定的步数内每一步走得太小。如果训练正确率远高于验证正确率，那才是过拟合。
#
# **Model answer** (the numbers depend on the student's search): best, the larger learning rate with the weaker
# regularisation, e.g. lr 1e-3, 100 hidden units, reg 0.25. Worst, the smaller learning rate with the stronger
# regularisation: training and validation accuracy stay low and close together and the loss is still falling at
# the end, so it underfits because its steps are too small for the number of iterations. A large gap between
# training and validation accuracy would have meant overfitting instead.
