# %% [markdown] lang="zh"
# # 练习 4:浅层神经网络
#
# 前面几个练习写好了仿射层、ReLU、softmax 损失和"仿射-ReLU"组合层。现在把它们拼成一个完整的两层网络:
#
# $$\text{输入 } X \;\to\; \text{仿射} \;\to\; \text{ReLU} \;\to\; \text{仿射} \;\to\; \text{softmax 损失}$$
#
# 并在 CIFAR-10 上用小批量随机梯度下降训练它。本练习你要写:
#
# - `classifiers/chapter3/shallow_layer_net.py` 中的 `ShallowLayerNet.loss`:前向传播、损失和梯度;
# - `classifiers/chapter3/classifier.py` 中的 `Classifier.train` 的循环体和 `Classifier.predict`。
#   `Classifier` 是练习 4 和练习 5 中网络的共同父类,下一个练习的深层网络会直接继承这两个函数。
#
# 每个带 ✔/✘ 输出的单元格都是自动评分的检查。

# %% [markdown] lang="en"
# # Exercise 4: a shallow neural network
#
# The earlier exercises built the affine layer, ReLU, the softmax loss and the affine-ReLU sandwich. Now they
# become one two-layer network,
#
# $$\text{input } X \;\to\; \text{affine} \;\to\; \text{ReLU} \;\to\; \text{affine} \;\to\; \text{softmax loss},$$
#
# trained on CIFAR-10 with minibatch stochastic gradient descent. You will write
#
# - `ShallowLayerNet.loss` in `classifiers/chapter3/shallow_layer_net.py`: the forward pass, the loss and the
#   gradients;
# - the loop body of `Classifier.train` and `Classifier.predict` in `classifiers/chapter3/classifier.py`.
#   `Classifier` is the parent class of the networks of exercises 4 and 5; the deep net of the next exercise
#   inherits both methods unchanged.
#
# Every cell that prints ✔/✘ is a graded check.

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
from utils.checks import check, set_language
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
# `get_CIFAR10_data()` 返回已经减去平均图像的训练集(49000 张)、验证集(1000 张)和测试集,图像形状为
# $(N, 3, 32, 32)$。如果本机还没有下载 CIFAR-10,它会打印一行提示并改用内置的替代数据集(sklearn 的手写数字,
# 放大成同样的形状),这样笔记本在任何地方都能运行;要用真实数据,请在课程根目录运行
# `python datasets/get_datasets.py cifar10`。
#
# 本练习只用训练集和验证集。测试集留到最后、只用一次,否则"测试正确率"就不再是对新数据的诚实估计。

# %% [markdown] lang="en"
# ## 0. Data
#
# `get_CIFAR10_data()` returns a training split (49000 images), a validation split (1000) and a test split, with
# the mean image already subtracted; images have shape $(N, 3, 32, 32)$. When CIFAR-10 has not been downloaded on
# this machine it prints one line and uses an embedded stand-in (scikit-learn's handwritten digits blown up to the
# same shape), so the notebook runs anywhere; for the real data run `python datasets/get_datasets.py cifar10` in the
# course folder.
#
# This exercise uses only the training and validation splits. The test split is used once, at the very end, or
# its accuracy stops being an honest estimate for new data.

# %%
data = get_CIFAR10_data()
EMBEDDED = last_source("cifar10") == "embedded"
X_train, y_train = data["X_train"], data["y_train"]
X_val, y_val = data["X_val"], data["y_val"]
for name, value in data.items():
    print(f"{name}: {value.shape}")
input_dim, num_classes = int(np.prod(X_train.shape[1:])), 10

# %% [markdown] lang="zh"
# ## 1. 前向传播:分数
#
# 设小批量有 $N$ 个样本,展平后 $X \in \mathbb{R}^{N \times D}$,隐藏层有 $H$ 个神经元,共 $C$ 个类别:
#
# $$h = \max(0,\; X W_1 + b_1) \in \mathbb{R}^{N \times H}, \qquad s = h W_2 + b_2 \in \mathbb{R}^{N \times C}.$$
#
# 参数放在字典 `self.params` 里:`W1` $(D, H)$、`b1` $(H,)$、`W2` $(H, C)$、`b2` $(C,)$。构造函数已经写好:
# 权重取自 $\mathcal{N}(0, \text{weight\_scale}^2)$,偏置为 0。
#
# 在 `ShallowLayerNet.loss(X, y=None)` 中:当 `y is None` 时只做前向传播,返回分数 $s$。
# 直接调用你写过的 `affine_relu_forward` 和 `affine_forward`,并保存它们的缓存,反向传播时要用。
# `X` 也可能是图像形状 $(N, d_1, \dots, d_k)$(例如 $(N, 3, 32, 32)$):`affine_forward` 会把它展平,不要自己改形状;
# 各参数的梯度与参数本身形状相同。
#
# **常见错误:** 在返回的分数上再做一次 softmax 或 ReLU。`loss(X)` 返回的是原始分数,`predict` 取它的 argmax,
# 而 softmax 只在计算损失时出现。
#
# 下面用一组固定的参数检查你的结果(这组数字来自本章教材)。注意:这个例子里所有隐藏单元恰好都是激活的,
# 所以它发现不了漏掉的 ReLU;后面的自动检查会。

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
# do not reshape it yourself; every gradient has the shape of its parameter.
#
# **Common mistake:** applying softmax or ReLU to the returned scores. `loss(X)` returns raw scores; `predict` takes
# their argmax, and softmax appears only inside the loss.
#
# The cell below checks your result on fixed parameters (the numbers come from the chapter's textbook). Note that
# every hidden unit happens to be active in this example, so it cannot catch a missing ReLU; the graded checks do.

# %%
N, D, H, C = 3, 5, 50, 7
model = ShallowLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-2)
model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
y = np.array([0, 5, 1])
correct_scores = np.array([
    [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
    [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
    [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
try:
    scores = model.loss(X)
    print("scores shape:", scores.shape, "(should be (3, 7))")
    print("scores relative error (should be < 1e-8):", rel_error(scores, correct_scores))
except NotImplementedError:
    print("ShallowLayerNet.loss is not written yet.")

# %% grade_id="ShallowLayerNet_scores" points=2
check("ShallowLayerNet_scores")

# %% grade_id="ShallowLayerNet_nd_input" points=1
check("ShallowLayerNet_nd_input")

# %% [markdown] lang="zh"
# ## 2. 损失与正则化
#
# 当给出标签 `y` 时,`loss` 返回 `(loss, grads)`。总损失是 softmax 数据损失(对 $N$ 个样本取平均)加上
# L2 正则项:
#
# $$L = \frac{1}{N}\sum_{i=1}^{N} -\log \frac{e^{s_{i, y_i}}}{\sum_{j} e^{s_{ij}}}
# \;+\; \frac{\lambda}{2}\left(\lVert W_1 \rVert_F^2 + \lVert W_2 \rVert_F^2\right),$$
#
# 其中 $\lambda$ 是 `self.reg`。偏置不参与正则化。系数 $\frac{1}{2}$ 的好处是求导后正好得到 $\lambda W$。
# `softmax_loss` 已经除以了 $N$,不要再除一次。

# %% [markdown] lang="en"
# ## 2. Loss and regularisation
#
# Given labels `y`, `loss` returns `(loss, grads)`. The total loss is the softmax data loss (averaged over the $N$
# samples) plus an L2 penalty:
#
# $$L = \frac{1}{N}\sum_{i=1}^{N} -\log \frac{e^{s_{i, y_i}}}{\sum_{j} e^{s_{ij}}}
# \;+\; \frac{\lambda}{2}\left(\lVert W_1 \rVert_F^2 + \lVert W_2 \rVert_F^2\right),$$
#
# where $\lambda$ is `self.reg`. Biases are not regularised. The factor $\frac{1}{2}$ makes the derivative exactly
# $\lambda W$. `softmax_loss` already divides by $N$; do not divide again.

# %%
try:
    for reg, correct_loss in ((0.0, 3.4702243556), (1.0, 26.5948426952)):
        model.reg = reg
        loss, _ = model.loss(X, y)
        print(f"reg = {reg}: loss {loss:.10f}, expected {correct_loss}, difference {abs(loss - correct_loss):.1e}")
except NotImplementedError:
    print("ShallowLayerNet.loss is not written yet.")

# %% grade_id="ShallowLayerNet_loss" points=2
check("ShallowLayerNet_loss")

# %% grade_id="ShallowLayerNet_loss_reg" points=1
check("ShallowLayerNet_loss_reg")

# %% [markdown] lang="zh"
# ## 3. 反向传播:梯度
#
# 把前向传播倒过来走一遍,每一步都用对应层的 backward 函数和前向时保存的缓存:
#
# 1. `softmax_loss` 已经给出 $\frac{\partial L}{\partial s}$,形状 $(N, C)$;
# 2. `affine_backward` 得到 $\frac{\partial L}{\partial h}$、`dW2`、`db2`;
# 3. `affine_relu_backward` 得到 `dW1`、`db1`(对 $X$ 的梯度用不到);
# 4. 正则项的梯度:`dW1 += reg * W1`,`dW2 += reg * W2`。
#
# `grads` 的键和形状必须与 `self.params` 完全一致。用数值梯度检查:下面打印的相对误差应在 $10^{-8}$ 左右,
# 最多不超过 $10^{-6}$。

# %% [markdown] lang="en"
# ## 3. Backward pass: the gradients
#
# Walk the forward pass backwards, each step with the matching backward function and the cache saved on the way
# forward:
#
# 1. `softmax_loss` already gives $\frac{\partial L}{\partial s}$, shape $(N, C)$;
# 2. `affine_backward` gives $\frac{\partial L}{\partial h}$, `dW2` and `db2`;
# 3. `affine_relu_backward` gives `dW1` and `db1` (the gradient with respect to $X$ is not needed);
# 4. the penalty adds `dW1 += reg * W1` and `dW2 += reg * W2`.
#
# `grads` must have exactly the keys and shapes of `self.params`. Check against numerical gradients: the relative
# errors printed below should be around $10^{-8}$, at most $10^{-6}$.

# %%
try:
    for reg in (0.0, 0.7):
        model.reg = reg
        loss, grads = model.loss(X, y)
        print(f"reg = {reg}")
        for name in sorted(grads):
            grad_num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
            print(f"  {name} relative error: {rel_error(grad_num, grads[name]):.2e}")
except NotImplementedError:
    print("ShallowLayerNet.loss is not written yet.")

# %% grade_id="ShallowLayerNet_grads" points=2
check("ShallowLayerNet_grads")

# %% grade_id="ShallowLayerNet_grads_reg" points=2
check("ShallowLayerNet_grads_reg")

# %% [markdown] lang="zh"
# ## 4. 训练与预测:`Classifier.train` 和 `Classifier.predict`
#
# **预测**:对每个样本取分数最大的类别,$\hat{y}_i = \arg\max_j s_{ij}$,返回形状 $(N,)$ 的整数数组。
#
# **小批量随机梯度下降**:每一步
#
# 1. 从训练集中随机抽取 `batch_size` 个下标 `idx`(有放回抽样即可),取 `X[idx]` 和 `y[idx]`;
# 2. 调用 `self.loss(X_batch, y_batch)` 得到损失和梯度;
# 3. 对每个参数做一步更新:$\theta \leftarrow \theta - \eta \,\frac{\partial L}{\partial \theta}$,即
#    `self.params[name] -= learning_rate * grads[name]`。
#
# 循环的其余部分已经写好:记录损失;每过一个 epoch(训练集大小 ÷ `batch_size` 步)记录训练和验证正确率,
# 并把学习率乘以 `learning_rate_decay`。
#
# **常见错误:** 分别对 `X` 和 `y` 各抽一次下标,样本和标签就对不上了;在更新时写成 `+=`,损失会越来越大。
# 检查 `Classifier_train` 用一个简单的最近质心分类器(不是 ShallowLayerNet)调用你的 `train`,并重放你抽到的小批量上的 SGD 来核对结果,
# 所以抽样方式可以随意,但每一步的更新必须准确。

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
# The rest of the loop is given: it records the loss and, after every epoch (training-set size ÷ `batch_size`
# steps), the training and validation accuracy, and multiplies the learning rate by `learning_rate_decay`.
#
# **Common mistakes:** drawing separate indices for `X` and `y`, so samples and labels no longer match; writing `+=`
# in the update, so the loss grows. The check `Classifier_train` runs your `train` on a simple nearest-centroid
# classifier (not ShallowLayerNet) and replays SGD on the minibatches you drew, so any random sampling is fine but
# every update must be exact.

# %% grade_id="Classifier_predict" points=1
check("Classifier_predict")

# %% grade_id="Classifier_train" points=2
check("Classifier_train")

# %% [markdown] lang="zh"
# ## 5. 在 CIFAR-10 上训练
#
# 先用一组保守的超参数训练一个隐藏层 50 个神经元的网络,作为基线。在真实的 CIFAR-10 上,它的验证正确率会远低于
# 50%(如果用的是内置的手写数字,任务简单得多,正确率会很高,这很正常)。
# 训练时会显示进度条和当前的损失。

# %% [markdown] lang="en"
# ## 5. Training on CIFAR-10
#
# First a baseline: a net with 50 hidden units and cautious hyper-parameters. On real CIFAR-10 its validation
# accuracy stays far below 50 % (on the embedded digits the task is much easier and the accuracy high; that is
# expected). A progress bar shows the current loss while it trains.

# %%
num_iters = 1000 if not EMBEDDED else 300
if FAST:
    num_iters = 20
net, stats = ShallowLayerNet(input_dim, hidden_dim=50, num_classes=num_classes, weight_scale=1e-3), None
try:
    stats = net.train(X_train, y_train, X_val, y_val, learning_rate=1e-4, learning_rate_decay=0.95, reg=0.25,
                      num_iters=num_iters, batch_size=200, verbose=True, seed=0)
    print(f"validation accuracy: {np.mean(net.predict(X_val) == y_val):.3f}")
except NotImplementedError:
    print("ShallowLayerNet.loss, Classifier.train or Classifier.predict is not written yet.")

# %% [markdown] lang="zh"
# ### 读懂训练曲线
#
# - 损失几乎按直线缓慢下降:学习率太小;
# - 损失剧烈抖动甚至变成 `nan`:学习率太大;
# - 训练正确率和验证正确率都低且很接近:模型欠拟合,可以加大网络、训练更久或减小正则化;
# - 训练正确率远高于验证正确率:过拟合,可以加大正则化或减小网络。
#
# 第一层权重 `W1` 的每一列都可以还原成一张 $3 \times 32 \times 32$ 的图像。训练得好的网络,这些"模板"会呈现
# 颜色块和边缘;训练不足时它们看起来像噪声。

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
if stats is None:
    print("Nothing to plot yet: train the network first.")
else:
    plot_history(stats)
    plt.show()
    show_net_weights(net.params["W1"])
    plt.show()

# %% [markdown] lang="zh"
# ## 6. 调超参数
#
# 在下面的单元格里列出你想尝试的学习率、隐藏层大小和正则化强度(每个列表 1 到 3 个值即可,组合数会相乘)。
# 单元格开头给出的值只是一个较弱的起点:把 `raise NotImplementedError()` 那一行换成你自己的设置。
# 下一个单元格会逐一训练,按**验证集**正确率挑出最好的网络。目标:在真实的 CIFAR-10 上验证正确率达到
# **50% 以上**。
#
# 提示:学习率通常按 10 倍或 3 倍的间隔搜索;先用较少的迭代次数粗搜,再在好的区域细搜。

# %% [markdown] lang="en"
# ## 6. Tuning the hyper-parameters
#
# In the cell below, list the learning rates, hidden sizes and regularisation strengths you want to try (one to
# three values per list; the number of runs is their product). The values at the top of the cell are only a weak
# starting point: replace the line `raise NotImplementedError()` with your own settings. The next cell trains every
# combination and keeps the net with the best **validation** accuracy. Target: **50 % or more** validation
# accuracy on real CIFAR-10.
#
# Hint: search learning rates in steps of 10 or 3; search coarsely with few iterations first, then finely around
# the good values.

# %% solution=true
learning_rates = [1e-4]
hidden_sizes = [50]
regs = [0.25]
### BEGIN SOLUTION
learning_rates = [1e-3, 5e-4]
hidden_sizes = [100]
regs = [0.25, 0.6]
### END SOLUTION

# %%
search_iters = 2000 if not EMBEDDED else 150
if FAST:
    learning_rates, hidden_sizes, regs, search_iters = learning_rates[:1], hidden_sizes[:1], regs[:1], 10
best_net, best_val, results, runs = None, -1.0, {}, {}
try:
    for lr in learning_rates:
        for hidden in hidden_sizes:
            for reg in regs:
                candidate = ShallowLayerNet(input_dim, hidden_dim=hidden, num_classes=num_classes, weight_scale=1e-3)
                run = candidate.train(X_train, y_train, X_val, y_val, learning_rate=lr, learning_rate_decay=0.95,
                                      reg=reg, num_iters=search_iters, batch_size=200, verbose=True, seed=0)
                val_acc = float(np.mean(candidate.predict(X_val) == y_val))
                results[lr, hidden, reg], runs[lr, hidden, reg] = val_acc, run
                print(f"lr {lr:.1e}  hidden {hidden:4d}  reg {reg:.2f}  ->  val accuracy {val_acc:.3f}")
                if val_acc > best_val:
                    best_net, best_val = candidate, val_acc
    print(f"best validation accuracy: {best_val:.3f}")
except NotImplementedError:
    print("ShallowLayerNet.loss, Classifier.train or Classifier.predict is not written yet.")

# %%
if best_net is None:
    print("Nothing to show yet: run the search first.")
else:
    best, worst = max(results, key=results.get), min(results, key=results.get)
    shown = {"best": best} if worst == best else {"best": best, "worst": worst}
    for label, key in shown.items():
        plot_history(runs[key])
        plt.suptitle(f"{label}: lr, hidden, reg = {key}, validation accuracy {results[key]:.3f}", y=1.03)
        plt.show()
    show_net_weights(best_net.params["W1"])
    plt.show()

# %% [markdown] lang="zh"
# ## 7. 思考题
#
# 你的搜索里,最好的网络和最差的网络各是哪组超参数?从它们的训练曲线(训练/验证正确率的差距、损失的形状)
# 判断:最差的那组是欠拟合、过拟合还是学习率不合适?用两三句话回答。

# %% [markdown] lang="en"
# ## 7. Question
#
# Which hyper-parameters gave the best and the worst net of your search? From their training curves (the gap
# between training and validation accuracy, the shape of the loss), was the worst one underfitting, overfitting,
# or held back by its learning rate? Answer in two or three sentences.

# %% [markdown] grade_id="ShallowLayerNet_tuning_answer" points=2 solution=true
# (Model answer; the numbers depend on the student's search.) Best: the larger learning rate with the weaker
# regularisation, e.g. lr 1e-3, 100 hidden units, reg 0.25. Worst: the smaller learning rate with the stronger
# regularisation: training and validation accuracy stay low and close together and the loss is still falling at
# the end, so it underfits because its steps are too small for the number of iterations. A large gap between
# training and validation accuracy would have meant overfitting instead.
