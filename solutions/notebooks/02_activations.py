# %% [markdown] lang="zh"
# # 练习 2：激活函数与“三明治”层
#
# 只用仿射层堆出来的网络，不管堆多少层，都等价于一个仿射层：$(XW_1 + b_1)W_2 + b_2 = X(W_1W_2) + (b_1W_2 + b_2)$。网络之所以能拟合弯曲的决策边界，靠的是夹在仿射层之间的**非线性激活函数**（activation
# function）。本练习实现两种最常用的激活函数，再把它们分别和仿射层组合成完整的一层神经元：
#
# - `classifiers/chapter3/layers.py`：`relu_forward`、`relu_backward`、`sigmoid_forward`、`sigmoid_backward`；
# - `classifiers/chapter3/layer_utils.py`：`affine_relu_forward`、`affine_relu_backward`，以及
#   `affine_sigmoid_forward`、`affine_sigmoid_backward`。
#
# 激活函数逐元素计算，输出与输入形状相同，本身没有参数。要特别留意三件事：ReLU 在 0 处的**折点**，sigmoid 在 $|x|$
# 很大时的**饱和**，以及 $e^x$ 的**数值溢出**。
#
# 梯度检验（gradient check）的做法和 `rel_error` 的公式见练习 1。

# %% [markdown] lang="en"
# # Exercise 2: activations and the sandwich layer
#
# A network built only from affine layers is, however deep, a single affine layer in disguise:
# $(XW_1 + b_1)W_2 + b_2 = X(W_1W_2) + (b_1W_2 + b_2)$. What lets a network fit curved decision boundaries is the
# **nonlinear activation function** between the affine layers. In this exercise you write the two most common
# activations and combine each with an affine layer into one complete layer of neurons:
#
# - `classifiers/chapter3/layers.py`: `relu_forward`, `relu_backward`, `sigmoid_forward`, `sigmoid_backward`;
# - `classifiers/chapter3/layer_utils.py`: `affine_relu_forward`, `affine_relu_backward`, and
#   `affine_sigmoid_forward`, `affine_sigmoid_backward`.
#
# An activation acts elementwise: its output has the input's shape and it has no parameters. Watch out for three
# things: ReLU's **kink** at 0, the sigmoid's **saturation** for large $|x|$, and **overflow** of $e^x$.
#
# Exercise 1 explains gradient checking and the formula of `rel_error`.

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
from utils.gradient_check import eval_numerical_gradient_array, rel_error


def numerical_grads(forward, inputs, dout):
    """Numerical gradients of sum(forward(*inputs)[0] * dout), one per array in inputs, in order (exercise 1)."""
    return [eval_numerical_gradient_array(lambda _: forward(*inputs)[0], array, dout) for array in inputs]

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 1. ReLU 的前向传播
#
# 修正线性单元（rectified linear unit，ReLU）把负数变成 0，正数原样保留：
#
# $$\text{out} = \max(0, x), \qquad \text{逐元素计算，out 与 } x \text{ 形状相同。}$$
#
# 一行 `np.maximum(x, 0)` 就够了。注意是 `np.maximum`，不是 `np.max`：`np.max(x, 0)` 的意思是
# `np.max(x, axis=0)`，返回每一列的最大值。反向传播需要知道哪些位置的输入为正，所以 `cache` 里存 `x` 就够了。
#
# **常见错误：**
# - 写成 `x[x < 0] = 0; return x, x`。这会**原地修改**调用者传进来的数组：调用一次以后，调用者手里的 `x`
#   已经不是原来的输入了。请生成一个新数组。
# - 写成 `np.maximum(x, np.zeros(x.shape))`。`np.zeros` 默认是 float64，float32 的输入会被悄悄变成 float64。
#
# 下面的演示用几个特意挑选的数（包括恰好为 0 和非常接近 0 的数），逐条核对这些性质。

# %% [markdown] lang="en"
# ## 1. ReLU forward
#
# The rectified linear unit (ReLU) turns negative numbers into 0 and keeps positive ones:
#
# $$\text{out} = \max(0, x), \qquad \text{elementwise; out has the shape of } x.$$
#
# One line, `np.maximum(x, 0)`, does it. Mind `np.maximum`, not `np.max`: `np.max(x, 0)` means
# `np.max(x, axis=0)` and returns the column maxima. The backward pass needs to know where the input was positive,
# so storing `x` in the `cache` is enough.
#
# **Common mistakes:**
# - `x[x < 0] = 0; return x, x` changes the caller's array **in place**: after one call, the `x` the caller holds is
#   no longer the input it had. Build a new array instead.
# - `np.maximum(x, np.zeros(x.shape))`: `np.zeros` is float64 by default, so a float32 input silently becomes
#   float64.
#
# The demo below checks these properties one by one on a few chosen numbers, including exact zeros and numbers very
# close to 0.

# %%
z = np.array([[-3.0, -0.25, 0.0, 0.25, 3.0],
              [1e-12, -1e-12, 7.5, -7.5, 0.0]])
z_before = z.copy()

# %% lang="zh"
with demo():
    out, _ = relu_forward(z)
    out32, _ = relu_forward(z.astype(np.float32))
    print(out)
    print(f"负数和 0 都变成了 0：{np.all(out[z <= 0] == 0)}")
    print(f"正数原样保留：{np.all(out[z > 0] == z[z > 0])}")
    print(f"输入 z 没有被修改：{np.array_equal(z, z_before)}")
    print(f"float32 输入得到的数据类型：{out32.dtype}（应为 float32）")

# %% lang="en"
with demo():
    out, _ = relu_forward(z)
    out32, _ = relu_forward(z.astype(np.float32))
    print(out)
    print(f"negatives and zeros became 0: {np.all(out[z <= 0] == 0)}")
    print(f"positives kept as they are: {np.all(out[z > 0] == z[z > 0])}")
    print(f"the input z is unchanged: {np.array_equal(z, z_before)}")
    print(f"dtype for a float32 input: {out32.dtype} (should be float32)")

# %% grade_id="relu_forward_value" points=1
check("relu_forward_value")

# %% grade_id="relu_forward_float32" points=1
check("relu_forward_float32")

# %% grade_id="relu_forward_keeps_input" points=1
check("relu_forward_keeps_input")

# %% [markdown] lang="zh"
# ## 2. ReLU 的反向传播
#
# ReLU 的导数在 $x > 0$ 处为 1，在 $x < 0$ 处为 0，所以上游梯度只从输入为正的位置通过：
#
# $$\frac{\partial L}{\partial x} = \text{dout} \odot \mathbb{1}[x > 0].$$
#
# **折点 $x = 0$。** ReLU 在 0 处不可导，$[0, 1]$ 中的任何值都是合法的次梯度（subgradient）。我们统一取
# **0**，和主流框架的约定一致，也就是用 `x > 0`，不用 `x >= 0`。输入恰好为 0 并不罕见。设 ReLU 在第 $l$ 层，它的输入是第
# $l$ 层仿射层的输出 $a = XW + b$。偏置初始化为 0，所以只要某个样本在第 $l-1$ 层的 ReLU 输出全是 0，它在第 $l$
# 层的仿射输出（也就是 ReLU 的输入）就恰好是 0；权重全部初始化为 0 时也是这样。
#
# 折点还会骗过梯度检验：在 $x = 0$ 处，中心差分 $\frac{f(h) - f(-h)}{2h}$ 给出 $0.5$，既不是 0 也不是
# 1。所以，如果梯度检验碰巧落在离折点不到 $h$
# 的地方，相对误差会很大，但错的是检验本身，不是你的代码。下面第二个演示单元格展示了这一点。
#
# **常见错误：** `dout[x <= 0] = 0; return dout`。这会原地改掉调用者的上游梯度
# `dout`。调用者如果之后还要用它（比如同一个 `dout` 还要传给另一条支路），拿到的就是错的数。请写
# `dout * (x > 0)`，或者先复制一份：`dx = dout.copy()`。

# %% [markdown] lang="en"
# ## 2. ReLU backward
#
# ReLU's derivative is 1 where $x > 0$ and 0 where $x < 0$, so the upstream gradient passes only where the input was
# positive:
#
# $$\frac{\partial L}{\partial x} = \text{dout} \odot \mathbb{1}[x > 0].$$
#
# **The kink at $x = 0$.** ReLU has no derivative at 0; any value in $[0, 1]$ is a valid subgradient. We fix it to
# **0**, as the major frameworks do: use `x > 0`, not `x >= 0`. Inputs of exactly 0 do occur. Say the ReLU sits in
# layer $l$; its input is the output of layer $l$'s affine layer, $a = XW + b$. Biases start at 0, so a sample whose
# ReLU outputs in layer $l-1$ are all 0 gets an affine output in layer $l$ (the ReLU's input) of exactly 0; so does
# every sample when the weights start at 0.
#
# The kink also fools gradient checks: at $x = 0$ the centred difference $\frac{f(h) - f(-h)}{2h}$ gives $0.5$,
# neither 0 nor 1. So when a gradient check happens to land within $h$ of a kink the relative error is large, and
# the check is wrong, not your code. The second demo cell below shows it.
#
# **Common mistake:** `dout[x <= 0] = 0; return dout` overwrites the caller's upstream gradient `dout` in place. If
# the caller still needs it (say, the same `dout` also flows into another branch), it now holds wrong numbers. Write
# `dout * (x > 0)`, or copy first: `dx = dout.copy()`.

# %%
rng = np.random.default_rng(2202)
a = rng.standard_normal((6, 7))  # standard normal inputs: a kink within h = 1e-5 of an entry is very unlikely
grad_out = rng.standard_normal(a.shape)
grad_out_before = grad_out.copy()

# %% lang="zh"
with demo():
    _, cache = relu_forward(a)
    da = relu_backward(grad_out, cache)
    (da_num,) = numerical_grads(relu_forward, (a,), grad_out)
    print(f"da 与数值梯度的相对误差：{rel_error(da, da_num):.1e}（应在 1e-10 左右或更小）")
    print(f"上游梯度 grad_out 没有被修改：{np.array_equal(grad_out, grad_out_before)}")

# %% lang="en"
with demo():
    _, cache = relu_forward(a)
    da = relu_backward(grad_out, cache)
    (da_num,) = numerical_grads(relu_forward, (a,), grad_out)
    print(f"relative error of da against the numerical gradient: {rel_error(da, da_num):.1e} "
          "(should be about 1e-10 or smaller)")
    print(f"the upstream gradient grad_out is unchanged: {np.array_equal(grad_out, grad_out_before)}")

# %%
at_kink = np.array([[-0.5, 0.0, 0.5]])
ones = np.ones_like(at_kink)

# %% lang="zh"
with demo():
    _, cache = relu_forward(at_kink)
    print(f"x                   ：{at_kink}")
    print(f"你的 relu_backward  ：{relu_backward(ones, cache)}")
    print(f"中心差分（h = 1e-5）：{numerical_grads(relu_forward, (at_kink.copy(),), ones)[0]}")

# %% lang="en"
with demo():
    _, cache = relu_forward(at_kink)
    print(f"x                      : {at_kink}")
    print(f"your relu_backward     : {relu_backward(ones, cache)}")
    print(f"centred difference 1e-5: {numerical_grads(relu_forward, (at_kink.copy(),), ones)[0]}")

# %% grade_id="relu_backward_value" points=2
check("relu_backward_value")

# %% grade_id="relu_backward_at_zero" points=1
check("relu_backward_at_zero")

# %% grade_id="relu_backward_keeps_dout" points=1
check("relu_backward_keeps_dout")

# %% [markdown] lang="zh"
# ## 3. Sigmoid 的前向传播与数值溢出
#
# Sigmoid 把任意实数压到 $(0, 1)$ 之间，常用来输出“属于正类的概率”：
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma(-x) = 1 - \sigma(x).$$
#
# **为什么照抄公式会出问题？** float64 能表示的最大数约为 $1.8 \times 10^{308} \approx e^{709.78}$。当 $x = -1000$
# 时，$e^{-x} = e^{1000}$ 超出了这个范围，`np.exp` 返回 `inf`，并发出警告
# `RuntimeWarning: overflow encountered in exp`。这里 $1/(1 + \infty) = 0$ 碰巧还是对的，但这只是运气好：
#
# - 代数上等价的写法 $e^{x}/(1 + e^{x})$，在 $x = 1000$ 时得到 $\infty/\infty = $ `nan`；
# - 反向传播如果写成 $e^{-x}/(1 + e^{-x})^2$，在 $x = -1000$ 时同样得到 `nan`；
# - 训练几千步，每一步都打印警告，真正要紧的警告反而被淹没了。
#
# 训练中出现 $|x| \ge 1000$ 并不稀奇：初始权重太大或学习率（learning rate）太大时，仿射层的输出很快就会变得很大。
#
# **稳定的写法：只对非正数求指数。** 令 $z = e^{-|x|} \in (0, 1]$，它永远不会上溢：
#
# $$\sigma(x) = \begin{cases} \dfrac{1}{1 + z}, & x \ge 0 \\[2mm] \dfrac{z}{1 + z}, & x < 0 \end{cases}$$
#
# 参考实现用的是另一种等价形式：$\sigma(x) = \exp\!\big(-\log(1 + e^{-x})\big)$，即
# `np.exp(-np.logaddexp(0, -x))`。`np.logaddexp(a, b)` 计算
# $\log(e^a + e^b)$，内部先提出较大的那个指数，所以不会上溢；$x = -1000$ 时它给出 $1000$，再算 $e^{-1000}$
# 只会**下溢**成 0。下溢无害：真实值约为 $5 \times 10^{-435}$，本来就小于 float64 能表示的最小正数。
#
# **陷阱：** `np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))` 看上去分了情况，其实 `np.where`
# 拿到的两个分支已经对**每个元素**都算过一遍，溢出照样发生。要么先算
# $z = e^{-|x|}$，要么用布尔下标，让每个公式只作用在它自己的那些元素上。

# %% [markdown] lang="en"
# ## 3. Sigmoid forward and overflow
#
# The sigmoid squashes any real number into $(0, 1)$, which is why it often outputs "the probability of the positive
# class":
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma(-x) = 1 - \sigma(x).$$
#
# **Why copying the formula literally goes wrong.** The largest float64 is about
# $1.8 \times 10^{308} \approx e^{709.78}$. At $x = -1000$, $e^{-x} = e^{1000}$ is beyond it: `np.exp` returns `inf`
# and warns `RuntimeWarning: overflow encountered in exp`. Here $1/(1 + \infty) = 0$ happens to be right, but that is
# luck:
#
# - the algebraically equal form $e^{x}/(1 + e^{x})$ gives $\infty/\infty = $ `nan` at $x = 1000$;
# - a backward pass written as $e^{-x}/(1 + e^{-x})^2$ gives `nan` at $x = -1000$ as well;
# - a warning printed at every one of thousands of training steps buries the warnings that matter.
#
# Inputs with $|x| \ge 1000$ are not exotic in training: with too large initial weights or too large a learning
# rate, the outputs of an affine layer grow large quickly.
#
# **The stable way: only exponentiate numbers that are not positive.** Let $z = e^{-|x|} \in (0, 1]$, which can
# never overflow:
#
# $$\sigma(x) = \begin{cases} \dfrac{1}{1 + z}, & x \ge 0 \\[2mm] \dfrac{z}{1 + z}, & x < 0 \end{cases}$$
#
# The reference uses another equal form: $\sigma(x) = \exp\!\big(-\log(1 + e^{-x})\big)$, that is
# `np.exp(-np.logaddexp(0, -x))`. `np.logaddexp(a, b)` computes $\log(e^a + e^b)$ by first factoring out the larger
# exponent, so it never overflows; at $x = -1000$ it returns $1000$, and $e^{-1000}$ then merely **underflows** to 0.
# Underflow is harmless: the true value, about $5 \times 10^{-435}$, is below the smallest positive float64 anyway.
#
# **Trap:** `np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))` looks like it splits the cases,
# but `np.where` receives both branches already **computed for every element**, so the overflow still happens.
# Compute $z = e^{-|x|}$ first, or use boolean indexing so that each formula only touches its own elements.

# %%
huge = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
largest = np.finfo(np.float64).max
with np.errstate(over="ignore", invalid="ignore"):  # silence the warnings just for this demonstration
    textbook = 1 / (1 + np.exp(-huge))
    rewritten = np.exp(huge) / (1 + np.exp(huge))
try:
    with np.errstate(over="raise"):  # the check sigmoid_forward_extreme turns warnings into errors like this
        np.exp(1000.0)
except FloatingPointError as err:
    raised = err

# %% lang="zh"
print(f"float64 的最大值：{largest:.4g} = exp({np.log(largest):.2f})")
print(f"1 / (1 + exp(-x))    ：{textbook}")
print(f"exp(x) / (1 + exp(x))：{rewritten}")
print(f"在 np.errstate(over='raise') 下计算 np.exp(1000.0)，抛出 FloatingPointError（{raised}）")

# %% lang="en"
print(f"largest float64: {largest:.4g} = exp({np.log(largest):.2f})")
print(f"1 / (1 + exp(-x))    : {textbook}")
print(f"exp(x) / (1 + exp(x)): {rewritten}")
print(f"np.exp(1000.0) under np.errstate(over='raise'): FloatingPointError: {raised}")

# %% lang="zh"
with demo(), np.errstate(over="raise", invalid="raise", divide="raise"):
    s, _ = sigmoid_forward(huge)
    print(f"你的 sigmoid_forward：{s}（没有溢出）")
    print(f"σ(-x) = 1 - σ(x) 成立：{np.allclose(s[::-1], 1 - s)}")

# %% lang="en"
with demo(), np.errstate(over="raise", invalid="raise", divide="raise"):
    s, _ = sigmoid_forward(huge)
    print(f"your sigmoid_forward: {s} (no overflow)")
    print(f"σ(-x) = 1 - σ(x) holds: {np.allclose(s[::-1], 1 - s)}")

# %% grade_id="sigmoid_forward_value" points=2
check("sigmoid_forward_value")

# %% grade_id="sigmoid_forward_extreme" points=2
check("sigmoid_forward_extreme")

# %% [markdown] lang="zh"
# ## 4. Sigmoid 的反向传播与饱和
#
# Sigmoid 的导数可以用它自己的输出 $s = \sigma(x)$ 来表示：
#
# $$\sigma'(x) = s\,(1 - s), \qquad \frac{\partial L}{\partial x} = \text{dout} \odot s \odot (1 - s).$$
#
# 所以 `sigmoid_forward` 的 `cache` 里存输出 `s` 最方便：反向传播不必再算指数，自然也不会溢出。
#
# **饱和。** $s(1-s)$ 在 $x = 0$ 处取得最大值 $0.25$；$|x| = 5$ 时约为 $0.0066$，$|x| = 10$ 时约为
# $4.5 \times 10^{-5}$。输入落在两侧平坦区的神经元称为“饱和”的：不管上游梯度多大，穿过它之后几乎都变成
# 0，它前面的权重也就几乎学不动。
#
# **梯度消失（vanishing gradient）。** 梯度每穿过一层 sigmoid，就要乘上局部因子 $\sigma' \le 1/4$；接着穿过第 $l$
# 层的仿射层时，还要乘上 $W^\top$，这一步既可能把梯度放大，也可能把它缩小。所以 sigmoid 本身只保证局部因子不超过
# $1/4$，并不保证梯度每层都变小。但权重不大时，$W^\top$ 补不回这些因子，它们逐层相乘，梯度随深度大致按指数衰减。这是深层
# sigmoid 网络难以训练的原因之一。

# %% [markdown] lang="en"
# ## 4. Sigmoid backward and saturation
#
# The sigmoid's derivative can be written with its own output $s = \sigma(x)$:
#
# $$\sigma'(x) = s\,(1 - s), \qquad \frac{\partial L}{\partial x} = \text{dout} \odot s \odot (1 - s).$$
#
# So the handiest `cache` for `sigmoid_forward` is the output `s`: the backward pass needs no exponential at all,
# hence cannot overflow.
#
# **Saturation.** $s(1-s)$ peaks at $0.25$ at $x = 0$; it is about $0.0066$ at $|x| = 5$ and about
# $4.5 \times 10^{-5}$ at $|x| = 10$. A neuron whose input sits on one of the flat sides is called *saturated*:
# whatever the upstream gradient, almost nothing gets through it, and the weights in front of it hardly learn.
#
# **Vanishing gradients.** Each time the gradient passes a sigmoid layer it is multiplied by the local factor
# $\sigma' \le 1/4$; passing layer $l$'s affine layer next multiplies it by $W^\top$, which can make it larger or
# smaller. So the sigmoid itself only bounds the local factor by $1/4$; it does not guarantee that the gradient
# shrinks at every layer. But with small weights $W^\top$ does not make up for these factors, they multiply layer
# after layer, and the gradient decays roughly exponentially with depth: one reason why deep sigmoid networks are
# hard to train.

# %%
rng = np.random.default_rng(2404)
v = 3 * rng.standard_normal((5, 8))  # spread out to reach the flat sides, where sigmoid' is tiny
grad_v = rng.standard_normal(v.shape)

# %% lang="zh"
with demo():
    _, cache = sigmoid_forward(v)
    dv = sigmoid_backward(grad_v, cache)
    (dv_num,) = numerical_grads(sigmoid_forward, (v,), grad_v)
    print(f"dv 与数值梯度的相对误差：{rel_error(dv, dv_num):.1e}（应在 1e-9 左右或更小）")

# %% lang="en"
with demo():
    _, cache = sigmoid_forward(v)
    dv = sigmoid_backward(grad_v, cache)
    (dv_num,) = numerical_grads(sigmoid_forward, (v,), grad_v)
    print(f"relative error of dv against the numerical gradient: {rel_error(dv, dv_num):.1e} "
          "(should be about 1e-9 or smaller)")

# %% [markdown] lang="zh"
# 下图左边是 sigmoid 和它的导数（虚线标出 $1/4$），右边是 ReLU 和它的导数，都用你写的函数算出。

# %% [markdown] lang="en"
# Below, left: the sigmoid and its derivative (the dashed line marks $1/4$); right: ReLU and its derivative, both
# computed with your functions.

# %%
grid = np.linspace(-8, 8, 401)
with demo():
    curves = {}
    for name, forward, backward in [("sigmoid", sigmoid_forward, sigmoid_backward),
                                    ("ReLU", relu_forward, relu_backward)]:
        value, cache = forward(grid)
        curves[name] = (value, backward(np.ones_like(grid), cache))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharex=True)
    for ax, (name, (value, slope)) in zip(axes, curves.items(), strict=True):
        ax.plot(grid, value, label=name)
        ax.plot(grid, slope, label=f"{name}'")
        ax.set_xlabel("$x$")
        ax.legend()
        ax.grid(alpha=0.3)
    axes[0].axhline(0.25, color="gray", lw=0.8, ls="--")
    plt.tight_layout()
    plt.show()

# %% [markdown] lang="zh"
# 下面的实验说明饱和有多容易发生：200 个样本，每个样本有 500 个标准正态输入（均值 0、方差 1），经过一个有 100
# 个神经元的仿射层（偏置为 0），再进入 sigmoid。权重从 $\mathcal{N}(0, \text{weight\_scale}^2)$
# 中抽取，仿射输出的标准差约为 $\text{weight\_scale} \times \sqrt{500}$：`weight_scale` 为 1 时约为
# 22，绝大多数神经元都落在平坦区。直方图的横轴是每个神经元的局部梯度 $\sigma'(a)$。

# %% [markdown] lang="en"
# The experiment below shows how easily saturation happens: 200 samples, each with 500 standard normal inputs (mean
# 0, variance 1), go through an affine layer of 100 neurons (zero bias) into a sigmoid. The weights are drawn from
# $\mathcal{N}(0, \text{weight\_scale}^2)$, so the affine outputs have a standard deviation of about
# $\text{weight\_scale} \times \sqrt{500}$: about 22 for a `weight_scale` of 1, which puts most neurons on a flat
# side. The histogram's horizontal axis is each neuron's local gradient $\sigma'(a)$.

# %%
rng = np.random.default_rng(2405)
inputs = rng.standard_normal((200, 500))
scales = (0.01, 0.1, 1.0)
directions = rng.standard_normal((500, 100))  # one weight matrix, scaled three ways

# %% lang="zh"
with demo():
    local_grads = {}
    for weight_scale in scales:
        affine_out = inputs @ (weight_scale * directions)
        _, cache = sigmoid_forward(affine_out)
        local = local_grads[weight_scale] = sigmoid_backward(np.ones_like(affine_out), cache)
        print(f"weight_scale = {weight_scale:<4}：仿射输出的标准差 {affine_out.std():6.2f}，"
              f"σ' 的均值 {local.mean():.4f}，饱和（σ' < 1e-3）的比例 {np.mean(local < 1e-3):4.0%}")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for weight_scale, local in local_grads.items():
        ax.hist(local.ravel(), bins=50, range=(0, 0.25), alpha=0.6, label=f"weight_scale = {weight_scale}")
    ax.set_xlabel("$\\sigma'(a)$")
    ax.legend()
    plt.show()

# %% lang="en"
with demo():
    local_grads = {}
    for weight_scale in scales:
        affine_out = inputs @ (weight_scale * directions)
        _, cache = sigmoid_forward(affine_out)
        local = local_grads[weight_scale] = sigmoid_backward(np.ones_like(affine_out), cache)
        print(f"weight_scale = {weight_scale:<4}: std of the affine output {affine_out.std():6.2f}, "
              f"mean σ' {local.mean():.4f}, saturated (σ' < 1e-3) {np.mean(local < 1e-3):4.0%}")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for weight_scale, local in local_grads.items():
        ax.hist(local.ravel(), bins=50, range=(0, 0.25), alpha=0.6, label=f"weight_scale = {weight_scale}")
    ax.set_xlabel("$\\sigma'(a)$")
    ax.legend()
    plt.show()

# %% grade_id="sigmoid_backward_value" points=2
check("sigmoid_backward_value")

# %% grade_id="sigmoid_backward_extreme" points=1
check("sigmoid_backward_extreme")

# %% [markdown] lang="zh"
# ### 思考题（1 分）
#
# 在上面的实验中，`weight_scale` 为 1 时大部分 sigmoid
# 神经元都饱和了。用一两句话解释：为什么这时**这一层的权重**几乎学不动？再给出一种补救办法。

# %% [markdown] lang="en"
# ### Question (1 point)
#
# In the experiment above, with a `weight_scale` of 1 most sigmoid neurons are saturated. In one or two sentences:
# why does the **weight matrix of this layer** then hardly learn? Name one remedy.

# %% [markdown] grade_id="sigmoid_backward_saturation_answer" points=1 solution=true
# 这一层权重的梯度是 $X^\top\,(\text{dout} \odot s(1-s))$，饱和神经元的 $s(1-s) \approx 0$，所以对应的梯度几乎为
# 0，每一步的更新量也几乎为 0。补救办法：减小初始权重（例如按 $1/\sqrt{D}$ 缩放，即 Xavier
# 初始化）、把输入标准化，或者在隐藏层（hidden layer）改用 ReLU。
#
# The weight gradient is $X^\top\,(\text{dout} \odot s(1-s))$ and $s(1-s) \approx 0$ for saturated neurons, so their
# gradients and updates are almost 0. Remedies: smaller initial weights (scaled by $1/\sqrt{D}$, Xavier
# initialisation), standardised inputs, or ReLU in the hidden layers.

# %% [markdown] lang="zh"
# ## 5. “三明治”层：仿射 + 激活
#
# 全连接网络的每个隐藏层（hidden layer）都是“仿射层后面接一个激活函数”。把这两步包成一对函数，网络的代码就会简洁得多：
#
# $$x \;(N, d_1, \dots, d_k) \xrightarrow{\text{affine}} a \;(N, M) \xrightarrow{\text{ReLU}} \text{out} \;(N, M).$$
#
# - `affine_relu_forward(x, w, b)`：先调用 `affine_forward`，再对它的结果调用 `relu_forward`，把两个 `cache`
#   一起返回（比如放进元组 `(fc_cache, relu_cache)`）；
# - `affine_relu_backward(dout, cache)`：反向时顺序倒过来，梯度先穿过激活函数，再穿过仿射层，即先算
#   `da = relu_backward(dout, relu_cache)`，再用 `affine_backward(da, fc_cache)` 得到 `(dx, dw, db)`。
#
# `affine_sigmoid_forward/backward` 的写法完全相同。`cache` 里面怎么组织由你决定：检查只会把你自己的前向函数返回的
# `cache` 交给你自己的反向函数。
#
# **常见错误：** 反向时先做了仿射层的反向；或者漏掉激活函数的反向，把 `dout` 直接交给了 `affine_backward`。

# %% [markdown] lang="en"
# ## 5. The sandwich layer: affine + activation
#
# Every hidden layer of a fully connected net is "an affine layer followed by an activation". Wrapping the two into
# one pair of functions keeps the network code short:
#
# $$x \;(N, d_1, \dots, d_k) \xrightarrow{\text{affine}} a \;(N, M) \xrightarrow{\text{ReLU}} \text{out} \;(N, M).$$
#
# - `affine_relu_forward(x, w, b)`: call `affine_forward`, then `relu_forward` on its result, and return both caches
#   together (for example as the tuple `(fc_cache, relu_cache)`);
# - `affine_relu_backward(dout, cache)`: backward goes the other way round, the gradient passes the activation
#   first and the affine layer second: `da = relu_backward(dout, relu_cache)`, then `affine_backward(da, fc_cache)`
#   gives `(dx, dw, db)`.
#
# `affine_sigmoid_forward/backward` work the same way. What a `cache` holds inside is up to you: the checks only
# ever hand the cache of your own forward function back to your own backward function.
#
# **Common mistakes:** doing the affine layer's backward first, or skipping the activation's backward and handing
# `dout` straight to `affine_backward`.

# %%
rng = np.random.default_rng(2506)
layer_in = rng.standard_normal((3, 2, 5))  # N = 3 samples of shape 2×5, so D = 10
weights = rng.standard_normal((10, 7))  # M = 7 neurons
biases = rng.standard_normal(7)
upstream = rng.standard_normal((3, 7))
sandwiches = [("affine_relu", affine_relu_forward, affine_relu_backward),
              ("affine_sigmoid", affine_sigmoid_forward, affine_sigmoid_backward)]

# %% lang="zh"
for name, forward, backward in sandwiches:
    with demo():
        _, cache = forward(layer_in, weights, biases)
        analytic = backward(upstream, cache)
        numerical = numerical_grads(forward, (layer_in, weights, biases), upstream)
        pairs = zip(("dx", "dw", "db"), analytic, numerical, strict=True)
        errors = "，".join(f"{g} {rel_error(a, n):.1e}" for g, a, n in pairs)
        print(f"{name}：与数值梯度的相对误差 {errors}（都应小于 1e-8）")

# %% lang="en"
for name, forward, backward in sandwiches:
    with demo():
        _, cache = forward(layer_in, weights, biases)
        analytic = backward(upstream, cache)
        numerical = numerical_grads(forward, (layer_in, weights, biases), upstream)
        pairs = zip(("dx", "dw", "db"), analytic, numerical, strict=True)
        errors = ", ".join(f"{g} {rel_error(a, n):.1e}" for g, a, n in pairs)
        print(f"{name}: relative errors against the numerical gradients {errors} (each should be below 1e-8)")

# %% grade_id="affine_relu_forward_value" points=1
check("affine_relu_forward_value")

# %% grade_id="affine_relu_backward_grads" points=2
check("affine_relu_backward_grads")

# %% grade_id="affine_sigmoid_forward_value" points=1
check("affine_sigmoid_forward_value")

# %% grade_id="affine_sigmoid_backward_grads" points=2
check("affine_sigmoid_backward_grads")

# %% [markdown] lang="zh"
# ## 小结
#
# - ReLU：`np.maximum(x, 0)`，梯度 `dout * (x > 0)`，折点处取 0；不要原地修改输入或 `dout`。
# - Sigmoid：只对 $-|x|$ 求指数（或者用 `np.logaddexp`），`cache` 存输出 $s$，梯度
#   `dout * s * (1 - s)`；局部梯度最大只有 $0.25$，输入很大时几乎为 0。
# - 三明治层：前向是“仿射 → 激活”，反向是“激活 → 仿射”。下一个练习实现放在整个网络最上面的损失函数（loss function）。

# %% [markdown] lang="en"
# ## Summary
#
# - ReLU: `np.maximum(x, 0)`, gradient `dout * (x > 0)`, 0 at the kink; never change the input or `dout` in place.
# - Sigmoid: only exponentiate $-|x|$ (or use `np.logaddexp`), cache the output $s$, gradient `dout * s * (1 - s)`;
#   its local gradient is at most $0.25$ and almost 0 for large inputs.
# - Sandwich layers: forward "affine → activation", backward "activation → affine". The next exercise adds the loss
#   functions that sit on top of a whole network.
