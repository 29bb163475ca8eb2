# %% [markdown] lang="zh"
# # 练习 5：深层全连接网络与优化算法
#
# 浅层网络只有一个隐藏层（hidden layer）。把“仿射-ReLU”重复任意多次，就得到深层全连接网络，也就是多层感知机（MLP）：
#
# $$X \to \underbrace{\{\text{仿射} \to \text{ReLU}\} \times (L-1)}_{\text{隐藏层}} \to \text{仿射} \to
# \text{softmax 损失}$$
#
# 本练习要写的是：
#
# - `classifiers/chapter3/fc_net.py` 中的 `FullyConnectedNet`：初始化和 `loss`（任意层数）；
# - `classifiers/chapter3/optim.py` 中的四种参数更新规则：`sgd`、`sgd_momentum`、`rmsprop`、`adam`。
#
# 然后用 `utils.solver.Solver` 训练网络、比较几种优化算法，最后训练出你最好的模型并保存下来，它在测试集（test set）上的正确率也计分。输出 ✔/✘ 的单元格都是自动评分的检查；检查上方的演示单元格出错时只打印一行说明，真正的诊断看下方的检查。

# %% [markdown] lang="en"
# # Exercise 5: deep fully connected nets and optimizers
#
# The shallow net has one hidden layer. Repeat the affine-ReLU block as often as you like and you get a deep fully
# connected net, a multilayer perceptron (MLP):
#
# $$X \to \underbrace{\{\text{affine} \to \text{ReLU}\} \times (L-1)}_{\text{hidden layers}} \to \text{affine} \to
# \text{softmax loss}$$
#
# You will write
#
# - `FullyConnectedNet` in `classifiers/chapter3/fc_net.py`: its initialisation and `loss`, for any depth;
# - the four update rules `sgd`, `sgd_momentum`, `rmsprop` and `adam` in `classifiers/chapter3/optim.py`.
#
# Then you train nets with `utils.solver.Solver`, compare the optimizers, and finally train and save your best
# model, whose accuracy on the test set is graded too. Every cell that prints ✔/✘ is a graded check; when the demo
# cell above a check fails it prints one line, and the check below gives the diagnosis.

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
from utils.best_model import read_record, save_if_better
from utils.checks import check, demo, set_language
from utils.data_utils import get_CIFAR10_data, last_source
from utils.gradient_check import eval_numerical_gradient, rel_error
from utils.solver import Solver
from utils.vis_utils import plot_text

plt.rcParams["figure.figsize"] = (12.0, 4.0)
# Under nbgrader's autograder the training cells shrink or skip; no graded value depends on them.
FAST = os.environ.get("NBGRADER_EXECUTION") == "autograde"

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 0. 数据
#
# 和练习 4 一样加载 CIFAR-10：像素值 0 到 255 减去训练集（training set）的平均图像，不再缩放，标准差约为 60。没有下载 CIFAR-10 时，加载函数打印一行提示，改用内置的替代数据集（放大的手写数字）。这一次加载后立刻把测试集从字典里拿掉：整个笔记本只用训练集和验证集（validation set）来选模型，测试集只在评分时用一次。

# %% [markdown] lang="en"
# ## 0. Data
#
# CIFAR-10 is loaded as in exercise 4: pixels from 0 to 255 minus the mean image of the training set, not scaled,
# with a standard deviation of about 60. When CIFAR-10 has not been downloaded the loader prints one line and uses
# the embedded stand-in (enlarged handwritten digits). This time the test set is removed from the dict right away:
# the whole notebook chooses models with the training and validation sets only, and the test set is used once, for
# grading.

# %%
data = get_CIFAR10_data()
EMBEDDED = last_source("cifar10") == "embedded"
data.pop("X_test"), data.pop("y_test")
for name, value in data.items():
    print(f"{name}: {value.shape}")
input_dim, num_classes = int(np.prod(data["X_train"].shape[1:])), 10

# %% [markdown] lang="zh"
# ## 1. 初始化
#
# `hidden_dims` 给出各隐藏层的大小 $H_1, \dots, H_{L-1}$，网络共有 $L$ = `len(hidden_dims) + 1` 个仿射层（全连接层）。令 `dims = [input_dim, *hidden_dims, num_classes]`，第 $l$ 层（$l = 1, \dots, L$）的参数为
#
# $$W_l \in \mathbb{R}^{\text{dims}[l-1] \times \text{dims}[l]},\quad W_l \sim \mathcal{N}(0, \text{weight\_scale}^2),
# \qquad b_l = \mathbf{0} \in \mathbb{R}^{\text{dims}[l]},$$
#
# 分别存为 `self.params["W1"]`、`self.params["b1"]`……`self.params[f"W{L}"]`、`self.params[f"b{L}"]`，数据类型都是 `dtype`。参数 `seed` 交给 `np.random.default_rng(seed)`，同一个种子给出同样的权重（weight）。
#
# **常见错误：** 把网络写死成两个隐藏层。`hidden_dims=()`（没有隐藏层）时，网络退化成一个 softmax 分类器，只有 `W1` 和 `b1`，你的代码也要能处理。
#
# 下面的演示建一个 12 → 16 → 8 → 5 的网络和一个没有隐藏层的 12 → 5 网络，打印每个参数的形状、数据类型和标准差。权重的标准差应接近 `weight_scale`（这里是 0.1），偏置（bias）应全为 0。

# %% [markdown] lang="en"
# ## 1. Initialisation
#
# `hidden_dims` lists the hidden sizes $H_1, \dots, H_{L-1}$; the net has $L$ = `len(hidden_dims) + 1` affine
# (fully connected) layers. With `dims = [input_dim, *hidden_dims, num_classes]`, layer $l$ ($l = 1, \dots, L$) has
#
# $$W_l \in \mathbb{R}^{\text{dims}[l-1] \times \text{dims}[l]},\quad W_l \sim \mathcal{N}(0, \text{weight\_scale}^2),
# \qquad b_l = \mathbf{0} \in \mathbb{R}^{\text{dims}[l]},$$
#
# stored as `self.params["W1"]`, `self.params["b1"]`, ..., `self.params[f"W{L}"]`, `self.params[f"b{L}"]`, every one
# of dtype `dtype`. Pass `seed` to `np.random.default_rng(seed)`, so that one seed always gives the same weights.
#
# **Common mistake:** hard-wiring two hidden layers. With `hidden_dims=()` (no hidden layer) the net is a softmax
# classifier with only `W1` and `b1`, and your code must handle that too.
#
# The demo builds a 12 → 16 → 8 → 5 net and a 12 → 5 net without hidden layers and prints the shape, dtype and
# standard deviation of every parameter. The weights' standard deviation should be close to `weight_scale` (0.1
# here), and the biases should be all zeros.

# %%
for hidden in ((16, 8), ()):
    with demo():
        sketch = FullyConnectedNet(input_dim=12, hidden_dims=hidden, num_classes=5, weight_scale=0.1, seed=3)
        print(f"hidden_dims = {hidden}:")
        for name in sorted(sketch.params, key=lambda n: (int(n[1:]), n)):
            value = sketch.params[name]
            print(f"  {name}: shape {value.shape}, dtype {value.dtype}, std {value.std():.3f}")

# %% grade_id="FullyConnectedNet_init" points=2
check("FullyConnectedNet_init")

# %% [markdown] lang="zh"
# ## 2. 前向传播与损失
#
# 对 $l = 1, \dots, L-1$：$h_l = \max(0, h_{l-1} W_l + b_l)$，其中 $h_0 = X$；最后一层没有 ReLU：$s = h_{L-1} W_L + b_L$。`loss(X)` 返回分数 $s$；`loss(X, y)` 返回 `(loss, grads)`，其中
#
# $$\mathcal{L} = \text{softmax 损失}(s, y) + \frac{\lambda}{2} \sum_{l=1}^{L} \lVert W_l \rVert_F^2 .$$
#
# 用循环实现，前向传播时把每一层的缓存存进列表。
#
# **合理性检查：** 权重很小时，所有类别的分数都接近 0，softmax 给每类约 $1/10$ 的概率，所以初始损失应接近 $\ln 10 \approx 2.303$。如果差得很远，先修好前向传播，再谈训练。

# %% [markdown] lang="en"
# ## 2. Forward pass and loss
#
# For $l = 1, \dots, L-1$: $h_l = \max(0, h_{l-1} W_l + b_l)$ with $h_0 = X$; the last layer has no ReLU:
# $s = h_{L-1} W_L + b_L$. `loss(X)` returns the scores $s$; `loss(X, y)` returns `(loss, grads)` with
#
# $$\mathcal{L} = \text{softmax loss}(s, y) + \frac{\lambda}{2} \sum_{l=1}^{L} \lVert W_l \rVert_F^2 .$$
#
# Write it as a loop and keep every layer's cache in a list on the way forward.
#
# **Sanity check:** with tiny weights every class scores about 0, softmax gives each class about $1/10$, so the
# initial loss should be close to $\ln 10 \approx 2.303$. If it is far off, fix the forward pass before training.

# %%
with demo():
    model = FullyConnectedNet(input_dim, hidden_dims=(100, 50), num_classes=num_classes, weight_scale=1e-4, seed=0)
    loss, _ = model.loss(data["X_train"][:100], data["y_train"][:100])
    print(f"loss = {loss:.4f},  ln 10 = {np.log(10):.4f}")

# %% grade_id="FullyConnectedNet_scores" points=1
check("FullyConnectedNet_scores")

# %% grade_id="FullyConnectedNet_loss" points=1
check("FullyConnectedNet_loss")

# %% [markdown] lang="zh"
# ### 权重的尺度为什么重要（不计分）
#
# `weight_scale` 看起来只是一个随手取的常数，其实它决定了信号能不能顺利穿过一个深层网络。设第 $l$ 层有 $n_{l-1}$ 个输入，权重独立地取自 $\mathcal{N}(0, \sigma^2)$。仿射层输出的每个分量是 $n_{l-1}$ 项之和，方差是输入均方值的 $n_{l-1}\sigma^2$ 倍；ReLU 把负的一半置零，均方值再减半。于是每过一层，激活值的大小大约乘以
#
# $$\sigma \sqrt{n_{l-1} / 2}.$$
#
# 这个因子小于 1，激活值逐层指数级缩小；大于 1，就逐层指数级放大。反向传播（backpropagation）时梯度每过一层要乘以 $W_l^\top$（再经过 ReLU 的开关），也大致按同样的因子缩放，这就是梯度消失（vanishing gradient）和梯度爆炸（exploding gradient）。因子恰好为 1 时，$\sigma = \sqrt{2 / n_{l-1}}$，这就是 He 初始化；《动手学深度学习》的“数值稳定性和模型初始化”一节讲的是同一件事。
#
# 下面把 200 张训练图像送进一个 10 层、每层 100 个神经元的“仿射-ReLU”堆叠（用你在练习 2 写的 `affine_relu_forward`），对几种 $\sigma$ 画出每一层输出 $h_l$ 的标准差（纵轴是对数刻度）。第一层的输入有 3072 维，所以第一层的放大倍数和后面各层不同。改改 `scales` 或 `depth`，看看曲线怎么变。
#
# 本练习后面的网络只有两三层，`weight_scale` 取 $10^{-2}$ 或 $10^{-3}$ 时分数很小，初始损失接近 $\ln 10$，训练也能进行；网络越深，权重初始化（weight initialization）就越要讲究。

# %% [markdown] lang="en"
# ### Why the scale of the weights matters (not graded)
#
# `weight_scale` looks like an arbitrary constant, but it decides whether a signal makes it through a deep net at
# all. Say layer $l$ has $n_{l-1}$ inputs and weights drawn independently from $\mathcal{N}(0, \sigma^2)$. Each
# output of the affine layer is a sum of $n_{l-1}$ terms, whose variance is $n_{l-1}\sigma^2$ times the mean square
# of the inputs; ReLU zeroes the negative half and halves the mean square again. So every layer multiplies the
# size of the activations by about
#
# $$\sigma \sqrt{n_{l-1} / 2}.$$
#
# Below 1 the activations shrink exponentially with depth; above 1 they grow exponentially. On the way back every
# layer multiplies the gradient by $W_l^\top$ (and ReLU's on/off mask), which scales it by roughly the same
# factor: vanishing and exploding gradients. The factor is exactly 1 for $\sigma = \sqrt{2 / n_{l-1}}$, He
# initialisation; the section "Numerical Stability and Initialization" of *Dive into Deep Learning* tells the same
# story.
#
# Below, 200 training images go through a stack of 10 affine-ReLU layers of 100 units (with the
# `affine_relu_forward` you wrote in exercise 2), and for a few values of $\sigma$ the plot shows the standard
# deviation of each layer's output $h_l$ (log scale). The first layer has 3072 inputs, so its factor differs from
# the others'. Change `scales` or `depth` and watch the curves move.
#
# The nets in the rest of this exercise have only two or three layers: with a `weight_scale` of $10^{-2}$ or
# $10^{-3}$ their scores are small, the initial loss is close to $\ln 10$ and training works. The deeper the net,
# the more the weight initialisation matters.

# %%
depth, width = 10, 100
scales = {"0.01": 0.01, "0.1": 0.1, "sqrt(2/100)": np.sqrt(2 / width), "0.3": 0.3}
images = data["X_train"][:200].reshape(200, -1).astype(np.float64)
spreads = {}  # sigma's label -> standard deviation of h_1, ..., h_depth
with demo():
    for label, sigma in scales.items():
        layer_rng, h, spreads[label] = np.random.default_rng(11), images, []
        for _ in range(depth):
            W = layer_rng.normal(0.0, sigma, (h.shape[1], width))
            h, _ = affine_relu_forward(h, W, np.zeros(width))
            spreads[label].append(h.std())
        print(f"sigma = {label:>11}:  std(h_1) = {spreads[label][0]:.2e},  std(h_{depth}) = {spreads[label][-1]:.2e}")
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, spread in spreads.items():
        ax.semilogy(range(1, depth + 1), spread, "o-", label=f"$\\sigma$ = {label}")
    ax.set(xlabel="$l$", ylabel="std$(h_l)$", xticks=range(1, depth + 1))
    ax.legend()
    plt.show()

# %% [markdown] lang="zh"
# ## 3. 反向传播
#
# 从第 $L$ 层往回走：第 $L$ 层用 `affine_backward`，第 $L-1, \dots, 1$ 层用 `affine_relu_backward`。第 $l$ 层算出的 `dx`（损失对 $h_{l-1}$ 的梯度）就是第 $l-1$ 层的 `dout`。最后给每个 `dW{l}` 加上 `reg * W{l}`。
#
# 下面在一个小网络（6 个样本、9 个特征、隐藏层 11 和 7、4 个类别）上做梯度检验（gradient check），用 float64，正则化（regularization）强度取 0 和 0.45：表中是每个参数的数值梯度（numerical gradient）与你的梯度的相对误差，在 $10^{-6}$ 以下就是对的。这里特意把 `weight_scale` 取得较大（0.3）：权重太小时，靠近输入的几层梯度也很小，数值梯度的舍入误差会让相对误差虚高到 $10^{-5}$ 左右，看起来像错了，其实没错。
#
# 下方的检查中，`FullyConnectedNet_grads` 检查梯度，`FullyConnectedNet_any_depth` 换一个更深的网络再查一遍，`FullyConnectedNet_no_hidden_layer` 单独检查 `hidden_dims=()`，`FullyConnectedNet_reg` 和 `FullyConnectedNet_float32` 分别检查正则化和单精度。

# %% [markdown] lang="en"
# ## 3. Backward pass
#
# Walk back from layer $L$: `affine_backward` for layer $L$, `affine_relu_backward` for layers $L-1, \dots, 1$.
# The `dx` computed at layer $l$ (the gradient of the loss with respect to $h_{l-1}$) is the `dout` of layer $l-1$.
# Finally add `reg * W{l}` to every `dW{l}`.
#
# The cell below runs a gradient check in float64 on a small net (6 samples, 9 features, hidden layers of 11 and 7,
# 4 classes), with regularisation strengths 0 and 0.45: the table shows, for every parameter, the relative error
# between the numerical gradient and yours; below $10^{-6}$ means correct. The `weight_scale` is deliberately large
# (0.3): with tiny weights the gradients of the layers near the input are tiny too, and the round-off of the
# numerical gradient inflates the relative error to around $10^{-5}$, which looks wrong but is not.
#
# Of the checks below, `FullyConnectedNet_grads` checks the gradients, `FullyConnectedNet_any_depth` checks them
# again on a deeper net, `FullyConnectedNet_no_hidden_layer` checks `hidden_dims=()` on its own, and
# `FullyConnectedNet_reg` and `FullyConnectedNet_float32` check the regularisation and single precision.

# %%
rng = np.random.default_rng(1105)
X_small = rng.uniform(-1.5, 1.5, (6, 9))
y_small = rng.integers(4, size=6)
strengths, table = (0.0, 0.45), {}
with demo():
    for strength in strengths:
        net = FullyConnectedNet(input_dim=9, hidden_dims=(11, 7), num_classes=4, reg=strength, weight_scale=0.3,
                                seed=8)
        analytic = net.loss(X_small, y_small)[1]

        def loss_of(_, net=net):  # eval_numerical_gradient perturbs net.params[name] in place and calls this
            return net.loss(X_small, y_small)[0]

        table[strength] = {name: rel_error(eval_numerical_gradient(loss_of, net.params[name], verbose=False),
                                           analytic[name]) for name in analytic}
    print("      " + "  ".join(f"reg={s:<6}" for s in strengths))
    for name in sorted(table[strengths[0]], key=lambda n: (n[0], int(n[1:]))):
        print(f"{name:<4}  " + "  ".join(f"{table[s][name]:<10.1e}" for s in strengths))

# %% grade_id="FullyConnectedNet_grads" points=2
check("FullyConnectedNet_grads")

# %% grade_id="FullyConnectedNet_any_depth" points=2
check("FullyConnectedNet_any_depth")

# %% grade_id="FullyConnectedNet_no_hidden_layer" points=1
check("FullyConnectedNet_no_hidden_layer")

# %% grade_id="FullyConnectedNet_reg" points=1
check("FullyConnectedNet_reg")

# %% grade_id="FullyConnectedNet_float32" points=1
check("FullyConnectedNet_float32")

# %% [markdown] lang="zh"
# ## 4. 参数更新规则
#
# 每个规则的接口都是 `next_w, config = rule(w, dw, config)`。`config` 既保存超参数（hyperparameter），也保存规则在两步之间要记住的状态（速度、滑动平均、步数）。第一次调用时状态还不存在，从全零开始；返回的 `config` 会在下一步原样传回来。下面 $\eta$ 是学习率（learning rate），$g$ 是梯度 `dw`，所有运算都是逐元素的：
#
# | 规则 | 更新 |
# | --- | --- |
# | `sgd` | $w \leftarrow w - \eta g$ |
# | `sgd_momentum` | $v \leftarrow \mu v - \eta g,\quad w \leftarrow w + v$ |
# | `rmsprop` | $c \leftarrow \rho c + (1-\rho) g^2,\quad w \leftarrow w - \eta\, g / (\sqrt{c} + \epsilon)$ |
# | `adam` | $t \leftarrow t+1,\; m \leftarrow \beta_1 m + (1-\beta_1) g,\; v \leftarrow \beta_2 v + (1-\beta_2) g^2,$ |
# | | $\hat m = m / (1-\beta_1^t),\; \hat v = v / (1-\beta_2^t),\quad w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ |
#
# 状态存放的键：`config["velocity"]`、`config["cache"]`、`config["m"]`、`config["v"]`、`config["t"]`。
#
# **Adam 的偏差修正：** $m$ 和 $v$ 从 0 开始，头几步严重偏向 0。除以 $1-\beta^t$ 正好抵消这一偏差：第一步 $\hat m = g$、$\hat v = g^2$，于是这一步约为 $-\eta \cdot \operatorname{sign}(g)$。注意 $t$ 要**先**加 1 再用，否则 $1-\beta^0 = 0$。

# %% [markdown] lang="en"
# ## 4. Update rules
#
# Every rule has the interface `next_w, config = rule(w, dw, config)`. `config` holds the hyper-parameters and the
# state a rule remembers between steps (velocity, moving averages, step count). At the first call the state does
# not exist yet and starts at zeros; the returned `config` comes back unchanged at the next step. Below $\eta$ is
# the learning rate and $g$ the gradient `dw`; every operation is elementwise:
#
# | rule | update |
# | --- | --- |
# | `sgd` | $w \leftarrow w - \eta g$ |
# | `sgd_momentum` | $v \leftarrow \mu v - \eta g,\quad w \leftarrow w + v$ |
# | `rmsprop` | $c \leftarrow \rho c + (1-\rho) g^2,\quad w \leftarrow w - \eta\, g / (\sqrt{c} + \epsilon)$ |
# | `adam` | $t \leftarrow t+1,\; m \leftarrow \beta_1 m + (1-\beta_1) g,\; v \leftarrow \beta_2 v + (1-\beta_2) g^2,$ |
# | | $\hat m = m / (1-\beta_1^t),\; \hat v = v / (1-\beta_2^t),\quad w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ |
#
# The state lives in `config["velocity"]`, `config["cache"]`, `config["m"]`, `config["v"]` and `config["t"]`.
#
# **Adam's bias correction:** $m$ and $v$ start at 0 and stay biased towards 0 for the first steps. Dividing by
# $1-\beta^t$ removes exactly that bias: at the first step $\hat m = g$ and $\hat v = g^2$, so the step is about
# $-\eta \cdot \operatorname{sign}(g)$. Increase $t$ **before** using it, or $1-\beta^0 = 0$.

# %% grade_id="sgd_update" points=1
check("sgd_update")

# %% grade_id="sgd_momentum_update" points=2
check("sgd_momentum_update")

# %% grade_id="rmsprop_update" points=2
check("rmsprop_update")

# %% grade_id="adam_update" points=2
check("adam_update")

# %% grade_id="adam_bias_correction" points=1
check("adam_bias_correction")

# %% [markdown] lang="zh"
# 在一个狭长的二次函数 $f(w) = \frac{1}{2}(w_1^2 + 25\, w_2^2)$ 上看看四种规则的轨迹（起点 $(-4, 1)$，各走 40 步，星号是最小值点）。普通 SGD 在陡峭的方向上来回震荡，在平缓的方向上却走得很慢；动量在平缓方向上越走越快，但也会带着速度冲过最小值，绕一圈再回来；RMSProp 和 Adam 按每个坐标自己的梯度大小缩放步长，两个方向前进得差不多快。可以改改学习率，看看轨迹怎么变。

# %% [markdown] lang="en"
# Here are the paths of the four rules on a long narrow quadratic $f(w) = \frac{1}{2}(w_1^2 + 25\, w_2^2)$, from
# $(-4, 1)$, 40 steps each; the star marks the minimum. Plain SGD zig-zags along the steep direction and crawls
# along the flat one; momentum gathers speed along the flat direction but also carries its velocity past the
# minimum and loops back; RMSProp and Adam scale each coordinate's step by that coordinate's own gradient size, so
# both directions progress at a similar pace. Try other learning rates and watch the paths change.

# %%
curvature = np.array([1.0, 25.0])
rules = {"sgd": (sgd, 0.07), "sgd_momentum": (sgd_momentum, 0.01), "rmsprop": (rmsprop, 0.1), "adam": (adam, 0.15)}
paths = {}  # rule name -> (41, 2) points visited
for rule_name, (rule, lr) in rules.items():
    with demo():
        w, config, visited = np.array([-4.0, 1.0]), {"learning_rate": lr}, [np.array([-4.0, 1.0])]
        for _ in range(40):
            w, config = rule(w, curvature * w, config)
            visited.append(w)
        paths[rule_name] = np.array(visited)

if paths:
    fig, ax = plt.subplots(figsize=(8, 4))
    grid1, grid2 = np.meshgrid(np.linspace(-4.5, 1, 200), np.linspace(-1.3, 1.3, 200))
    ax.contour(grid1, grid2, 0.5 * (grid1**2 + 25 * grid2**2), levels=15, colors="lightgray")
    for rule_name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, label=rule_name)
    ax.plot(0, 0, "k*", ms=12)
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title="$f(w) = (w_1^2 + 25 w_2^2) / 2$")
    ax.legend()
    plt.show()

# %% [markdown] lang="zh"
# ## 5. Solver：先让网络在 50 个样本上过拟合
#
# `Solver` 负责训练循环：按 `batch_size` 随机抽取小批量（minibatch），调用 `model.loss`，对每个参数调用你的更新规则（每个参数各有一份 `config`）；每个迭代周期（epoch）结束时记录训练正确率和验证正确率，并把学习率乘以 `lr_decay`；训练结束时把验证正确率最高时的参数放回模型。
#
# 训练大模型之前先做一个简单的合理性检查：只拿 50 个训练样本，一个三层网络应该能在 20 个迭代周期内把它们**全部记住**（训练正确率 100%），验证正确率则低得多。这就是过拟合（overfitting）。在真实的 CIFAR-10 上验证正确率只有百分之十几到二十几；内置的手写数字简单得多，50 个样本就能让验证正确率达到 70% 左右。如果训练正确率到不了 100%，说明前向传播、反向传播或更新规则还有问题。

# %% [markdown] lang="en"
# ## 5. The Solver: first overfit 50 samples
#
# `Solver` runs the training loop: it draws random minibatches of `batch_size`, calls `model.loss` and applies your
# update rule to every parameter (each parameter has its own `config`); at the end of every epoch it records the
# training and validation accuracy and multiplies the learning rate by `lr_decay`; at the end of training it puts
# back the parameters with the best validation accuracy.
#
# Before training a large model, a quick sanity check: given only 50 training samples, a three-layer net should
# **memorise all of them** (100 % training accuracy) within 20 epochs, while its validation accuracy stays far
# lower. That is overfitting. On real CIFAR-10 the validation accuracy is only somewhere in the 10s or 20s of per
# cent; the embedded digits are so much easier that 50 samples already give about 70 %. If the training accuracy
# does not reach 100 %, something is still wrong in the forward pass, the backward pass or the update rule.

# %%
small_data = {"X_train": data["X_train"][:50], "y_train": data["y_train"][:50],
              "X_val": data["X_val"], "y_val": data["y_val"]}
with demo():
    model = FullyConnectedNet(input_dim, hidden_dims=(100, 100), num_classes=num_classes, weight_scale=1e-2, seed=0)
    solver = Solver(model, small_data, update_rule="adam", optim_config={"learning_rate": 1e-3}, num_epochs=20,
                    batch_size=25, print_every=None, verbose=False, seed=0)
    solver.train()
    print(f"train_acc = {solver.train_acc_history[-1]:.2f},  val_acc = {solver.val_acc_history[-1]:.2f}")
    plt.plot(solver.loss_history, "o-", ms=3)
    plt.xlabel("$t$")
    plt.title("solver.loss_history")
    plt.show()

# %% [markdown] lang="zh"
# ## 6. 比较四种更新规则
#
# 同一个网络结构、同样的初始权重，分别用四种规则在一部分训练数据上训练 5 个迭代周期。学习率是为各规则分别挑的合理值：自适应的方法（RMSProp、Adam）对学习率不那么敏感。观察损失下降的速度和验证正确率。
#
# 从这里开始，网络用 `dtype=np.float32` 训练：图像本来就是 float32，参数也用单精度时，每一步的矩阵乘法不必升到 float64，内存减半，时间大约也减半。梯度检验需要 float64 的精度，训练不需要。
#
# **用时：** 在 2 核的机器上，这个单元格在真实 CIFAR-10 上（4000 个训练样本）约需 15 秒，在内置数据集上（1000 个）约需 4 秒。

# %% [markdown] lang="en"
# ## 6. Comparing the update rules
#
# The same architecture with the same initial weights, trained for 5 epochs on part of the training data with each
# of the four rules. Each rule gets a learning rate that suits it; the adaptive ones (RMSProp, Adam) are less
# sensitive to it. Watch how fast the loss falls and where the validation accuracy ends up.
#
# From here on the nets train with `dtype=np.float32`: the images already are float32, and with single-precision
# parameters too no matrix product is promoted to float64, which halves the memory and roughly halves the time per
# step. Gradient checks need float64's precision; training does not.
#
# **Time:** on a 2-core machine this cell takes about 15 s on real CIFAR-10 (4000 training samples) and about 4 s
# on the embedded set (1000).

# %%
num_train = 4000 if not EMBEDDED else 1000
num_epochs = 5
if FAST:
    num_train, num_epochs = 200, 1
subset = {"X_train": data["X_train"][:num_train], "y_train": data["y_train"][:num_train],
          "X_val": data["X_val"], "y_val": data["y_val"]}
learning_rates = {"sgd": 1e-3, "sgd_momentum": 1e-3, "rmsprop": 1e-4, "adam": 1e-3}
solvers = {}
for rule_name, lr in learning_rates.items():
    with demo():
        model = FullyConnectedNet(input_dim, hidden_dims=(100, 100), num_classes=num_classes, weight_scale=1e-2,
                                  dtype=np.float32, seed=0)
        solver = Solver(model, subset, update_rule=rule_name, optim_config={"learning_rate": lr},
                        num_epochs=num_epochs, batch_size=100, print_every=None, verbose=True, seed=0)
        solver.train()
        solvers[rule_name] = solver

# %% lang="zh"
if solvers:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, history in zip(axes, ("loss_history", "train_acc_history", "val_acc_history"), strict=True):
        per_step = history == "loss_history"
        for rule_name, solver in solvers.items():
            ax.plot(getattr(solver, history), lw=1, marker=None if per_step else "o", label=rule_name)
        # plot_text：装有中文字体时用中文标签，否则用英文（缺字时 matplotlib 只会画出空方框）
        ax.set(title=f"solver.{history}", xlabel="$t$" if per_step else plot_text("迭代周期", "epoch"))
        ax.legend()
    plt.show()

# %% lang="en"
if solvers:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, history in zip(axes, ("loss_history", "train_acc_history", "val_acc_history"), strict=True):
        per_step = history == "loss_history"
        for rule_name, solver in solvers.items():
            ax.plot(getattr(solver, history), lw=1, marker=None if per_step else "o", label=rule_name)
        ax.set(title=f"solver.{history}", xlabel="$t$" if per_step else "epoch")
        ax.legend()
    plt.show()

# %% [markdown] lang="zh"
# ## 7. 训练你最好的模型
#
# 现在轮到你了：在下面的单元格里选择网络结构和超参数（隐藏层、权重尺度、正则化强度、更新规则、学习率、学习率衰减、迭代周期数、批大小），只根据**验证集**正确率来选。单元格开头的值只是一个较弱的起点，把 `raise NotImplementedError()` 那一行换成你自己的设置。
#
# 再下一个单元格训练模型，然后调用 `save_if_better(best_model, val_acc, data)`，其中 `val_acc` 是这次训练达到的最高验证集正确率。只有当它超过 `best_model.npz` 里记录的值时，才覆盖这个文件，所以训练单元格无论重新运行多少次，留下的都是最好的一次，而不是最后一次。文件里除了参数，还记录了模型是在什么数据上训练的（数据集、训练集和验证集的大小、是否减去了平均图像、数据类型）和它的验证集正确率。这个文件保存在本笔记本所在的文件夹里，提交时要一起交。
#
# **评分看的是什么。** 评分时，一段不依赖你的代码的前向传播在**测试集**上计算这个文件里模型的正确率，分三档计分：
#
# | 检查 | 真实 CIFAR-10 | 内置替代数据集 |
# | --- | --- | --- |
# | `FullyConnectedNet_best_model_acc_40` | ≥ 40% | ≥ 60% |
# | `FullyConnectedNet_best_model_acc_48` | ≥ 48% | ≥ 75% |
# | `FullyConnectedNet_best_model_acc_52` | ≥ 52% | ≥ 85% |
#
# 你调参时只看得到验证集正确率，而计分的是测试集正确率。两者都是在 1000 张图像上测的，即使模型一样好，也会相差一两个百分点。所以要留出余量：想拿到 52% 这一档，让验证集正确率达到 54% 左右再保存。
#
# **用哪个数据集评分。** 评分用哪个数据集由课程设置决定，下方的检查会说明评分用的是哪一个，以及你的文件是在什么数据上训练的。如果你的机器上没有 CIFAR-10，训练用的就是内置的替代数据集：这样得到的模型学的是手写数字，不是 CIFAR-10 模型，拿到 CIFAR-10 上正确率只有 10% 左右。替代数据集简单得多（验证集和测试集都只有 35 张），所以门槛更高，而且即使只训练一个迭代周期的普通 SGD（学习率 1e-3）也能过全部三档：这三档是为 CIFAR-10 设计的。
#
# **用时：** 在 2 核的机器上，参考设置（两个隐藏层 512 和 256，Adam，15 个迭代周期）在真实 CIFAR-10 上约需 2 分钟，整个笔记本约 140 秒。在内置数据集上训练最多 3 个迭代周期，让笔记本跑得快一些：参考设置约需 3 秒，整个笔记本约 20 秒。自动评分时这个单元格不会重新训练，只评你提交的 `best_model.npz`。
#
# 提示：两三个隐藏层、每层几百个神经元，配合 Adam 和适当的正则化通常就够了；先用较少的迭代周期比较几组设置，再把最好的那组训练得久一些。

# %% [markdown] lang="en"
# ## 7. Training your best model
#
# Your turn: in the cell below choose the architecture and hyper-parameters (hidden layers, weight scale,
# regularisation strength, update rule, learning rate, its decay, epochs, batch size), judged by **validation**
# accuracy only. The values at the top of the cell are a weak starting point: replace the line
# `raise NotImplementedError()` with your own settings.
#
# The cell after it trains the model and calls `save_if_better(best_model, val_acc, data)`, where `val_acc` is the
# best validation accuracy of this run; it overwrites `best_model.npz` only when `val_acc` beats the one recorded in
# the file. So
# however often you re-run the training cell, the file keeps the best run, not the last. Besides the parameters,
# the file records what the model was trained on (the data set, the sizes of the training and validation sets,
# whether the mean image was subtracted, the dtype) and its validation accuracy. It is saved in this notebook's
# folder; hand it in with the notebook.
#
# **What is graded.** For grading, a forward pass that does not use your code measures the accuracy of the model in
# that file on the **test** set, in three tiers:
#
# | check | real CIFAR-10 | embedded stand-in |
# | --- | --- | --- |
# | `FullyConnectedNet_best_model_acc_40` | ≥ 40 % | ≥ 60 % |
# | `FullyConnectedNet_best_model_acc_48` | ≥ 48 % | ≥ 75 % |
# | `FullyConnectedNet_best_model_acc_52` | ≥ 52 % | ≥ 85 % |
#
# While tuning you only see the validation accuracy, but the test accuracy is what counts. Both are measured on
# 1000 images, and they differ by a point or two even for an equally good model. So leave a margin: for the 52 %
# tier, save a model at around 54 % validation accuracy.
#
# **Which data set is graded.** The course settings decide which data set the grader scores on; the checks below
# say which one it is and what your file was trained on. If your machine has no CIFAR-10, training uses the
# embedded stand-in: the model you get has learnt handwritten digits, it is not a CIFAR-10 model, and it scores
# about 10 % on CIFAR-10. The stand-in is far easier (its validation and test sets hold only 35 images each), hence
# its higher bars, and even one epoch of plain SGD at learning rate 1e-3 clears all three: the tiers are meant for
# CIFAR-10.
#
# **Time:** on a 2-core machine the reference settings (hidden layers of 512 and 256, Adam, 15 epochs) take about
# 2 minutes on real CIFAR-10, and the whole notebook about 140 s. On the embedded set training stops after at most
# 3 epochs, to keep the notebook quick: the reference settings take about 3 s there, the whole notebook about
# 20 s. Under the autograder this cell does not train again: the `best_model.npz` you handed in is graded.
#
# Hint: two or three hidden layers of a few hundred units with Adam and some regularisation usually suffice;
# compare a few settings with few epochs first, then train the best one longer.

# %% solution=true
best_hidden_dims = (100,)
best_weight_scale = 1e-2
best_reg = 0.0
best_update_rule = "sgd"
best_learning_rate = 1e-5
best_lr_decay = 1.0
best_num_epochs = 1
best_batch_size = 100
### BEGIN SOLUTION
best_hidden_dims = (512, 256)
best_weight_scale = 1e-3
best_reg = 0.1
best_update_rule = "adam"
best_learning_rate = 5e-4
best_lr_decay = 0.95
best_num_epochs = 15
best_batch_size = 200
### END SOLUTION

# %%
BEST_MODEL_FILE = Path("best_model.npz")
if not FAST:  # under the autograder nothing is trained: the best_model.npz handed in is graded
    with demo():
        best_model = FullyConnectedNet(input_dim, hidden_dims=best_hidden_dims, num_classes=num_classes,
                                       reg=best_reg, weight_scale=best_weight_scale, dtype=np.float32, seed=0)
        best_solver = Solver(best_model, data, update_rule=best_update_rule,
                             optim_config={"learning_rate": best_learning_rate}, lr_decay=best_lr_decay,
                             num_epochs=best_num_epochs if not EMBEDDED else min(best_num_epochs, 3),
                             batch_size=best_batch_size, print_every=None, verbose=True, seed=0)
        best_solver.train()  # ends with the parameters of the epoch with the best validation accuracy
        save_if_better(best_model, best_solver.best_val_acc, data, path=BEST_MODEL_FILE)

# %% [markdown] lang="zh"
# 看一看保存的文件：参数应是 `W1..WL` 和 `b1..bL`，形状首尾相接，第一层输入 3072 维，最后一层输出 10 个类别；`meta` 是训练记录。

# %% [markdown] lang="en"
# A look at the saved file: the parameters should be `W1..WL` and `b1..bL` with chained shapes, 3072 inputs to the
# first layer and 10 classes out of the last; `meta` is the training record.

# %%
if BEST_MODEL_FILE.exists():
    with np.load(BEST_MODEL_FILE, allow_pickle=False) as saved:
        for name in sorted(set(saved.files) - {"meta"}, key=lambda n: (n[1:].isdigit() and int(n[1:]), n)):
            print(f"{name}: {saved[name].shape} {saved[name].dtype}")
    print("meta:", read_record(BEST_MODEL_FILE))
else:
    print(f"{BEST_MODEL_FILE}: -")

# %% grade_id="FullyConnectedNet_best_model_file" points=1
check("FullyConnectedNet_best_model_file")

# %% grade_id="FullyConnectedNet_best_model_acc_40" points=1
check("FullyConnectedNet_best_model_acc_40")

# %% grade_id="FullyConnectedNet_best_model_acc_48" points=1
check("FullyConnectedNet_best_model_acc_48")

# %% grade_id="FullyConnectedNet_best_model_acc_52" points=1
check("FullyConnectedNet_best_model_acc_52")

# %% [markdown] lang="zh"
# ## 8. 思考题（2 分）
#
# 在第 6 节的比较中，哪种规则让损失下降得最快？普通 SGD 落后的原因是什么？RMSProp 和 Adam 对每个参数分别缩放步长，这解决了什么问题？用两三句话回答。

# %% [markdown] lang="en"
# ## 8. Question (2 points)
#
# In the comparison of section 6, which rule brought the loss down fastest? Why does plain SGD fall behind, and
# what problem does the per-parameter step scaling of RMSProp and Adam solve? Answer in two or three sentences.

# %% [markdown] grade_id="FullyConnectedNet_optimizer_answer" points=2 solution=true
# **参考答案：** Adam 和 RMSProp 最快，带动量的 SGD 居中，普通 SGD 最慢。普通 SGD 对所有参数用同一个学习率：小到能让陡峭方向不发散的学习率，对平缓的方向来说又太小，所以在平缓方向上进展很慢（学习率再大，陡峭方向上又会发散）。RMSProp 和 Adam 把每个参数的步长除以它自己梯度大小的滑动平均，各个方向前进得差不多快；Adam 还带有动量，能进一步抑制来回震荡。
#
# **Model answer:** Adam and RMSProp (with momentum SGD between them and plain SGD). Plain SGD uses one learning
# rate for all parameters: a rate small enough for the steep directions is far too small for the flat ones, so it
# crawls (and a larger one would diverge along the steep ones). RMSProp and Adam divide each parameter's step by
# the running size of its own gradient, so every direction moves at a similar pace; Adam adds momentum, which also
# damps the zig-zag.
