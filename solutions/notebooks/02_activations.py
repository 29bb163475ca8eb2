# %% [markdown] lang="zh"
# # 练习 2:激活函数与“三明治”层
#
# 只由仿射层堆起来的网络,无论多少层,都等价于一个仿射层:
# $(XW_1 + b_1)W_2 + b_2 = X(W_1W_2) + (b_1W_2 + b_2)$。让网络能拟合弯曲的决策边界的,是夹在仿射层之间的
# **非线性激活函数**。本练习你将实现两种最常用的激活函数,并把它们和仿射层拼成一个完整的神经元层:
#
# - `classifiers/chapter3/layers.py`:`relu_forward`、`relu_backward`、`sigmoid_forward`、`sigmoid_backward`;
# - `classifiers/chapter3/layer_utils.py`:`affine_relu_forward`、`affine_relu_backward`,
#   以及 `affine_sigmoid_forward`、`affine_sigmoid_backward`。
#
# 激活函数逐元素作用,输出和输入形状相同,本身没有参数。要特别留意三件事:ReLU 在 0 处的**折点**、
# sigmoid 在 $|x|$ 很大时的**饱和**,以及 $e^x$ 的**数值溢出**。

# %% [markdown] lang="en"
# # Exercise 2: activations and the sandwich layer
#
# A network built only from affine layers is, however deep, a single affine layer in disguise:
# $(XW_1 + b_1)W_2 + b_2 = X(W_1W_2) + (b_1W_2 + b_2)$. What lets a network fit curved decision boundaries is the
# **nonlinear activation** between the affine layers. In this exercise you write the two most common activations and
# combine each with an affine layer into one complete layer of neurons:
#
# - `classifiers/chapter3/layers.py`: `relu_forward`, `relu_backward`, `sigmoid_forward`, `sigmoid_backward`;
# - `classifiers/chapter3/layer_utils.py`: `affine_relu_forward`, `affine_relu_backward`, and
#   `affine_sigmoid_forward`, `affine_sigmoid_backward`.
#
# An activation acts elementwise: its output has the input's shape and it has no parameters. Watch out for three
# things: ReLU's **kink** at 0, the sigmoid's **saturation** for large $|x|$, and **overflow** of $e^x$.

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
from utils.checks import check, set_language
from utils.gradient_check import eval_numerical_gradient_array, rel_error

# %% locked=true lang="zh"
set_language("zh")

# %% locked=true lang="en"
set_language("en")

# %% [markdown] lang="zh"
# ## 1. ReLU 前向传播
#
# 修正线性单元(ReLU)把负数变成 0,正数原样保留:
#
# $$\text{out} = \max(0, x), \qquad \text{逐元素计算,out 与 } x \text{ 形状相同。}$$
#
# 用 `np.maximum(x, 0)` 一行即可(注意是 `np.maximum`,不是 `np.max`:`np.max(x, 0)` 的意思是 `np.max(x, axis=0)`,返回的是每列的最大值)。反向传播需要知道哪些
# 位置的输入为正,所以 `cache` 里存 `x` 就够了。
#
# **常见错误:**
# - 写成 `x[x < 0] = 0; return x, x`。这会**原地修改**调用者传进来的数组:调用一次之后,调用者手里的 `x`
#   已经不是原来的输入了。请生成新数组。
# - 写成 `np.maximum(x, np.zeros(x.shape))`。`np.zeros` 默认是 float64,float32 的输入会被悄悄变成 float64。

# %% [markdown] lang="en"
# ## 1. ReLU forward
#
# The rectified linear unit turns negative numbers into 0 and keeps positive ones:
#
# $$\text{out} = \max(0, x), \qquad \text{elementwise; out has the shape of } x.$$
#
# `np.maximum(x, 0)` does it in one line (`np.maximum`, not `np.max`: `np.max(x, 0)` means `np.max(x, axis=0)` and
# returns the column maxima). The backward pass needs to know where the input was positive, so storing `x` in the
# `cache` is enough.
#
# **Common mistakes:**
# - `x[x < 0] = 0; return x, x` changes the caller's array **in place**: after one call, the `x` the caller holds is
#   no longer the input it had. Build a new array instead.
# - `np.maximum(x, np.zeros(x.shape))`: `np.zeros` is float64 by default, so a float32 input silently becomes
#   float64.

# %%
x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
try:
    out, _ = relu_forward(x)
    correct_out = np.array([[0.0, 0.0, 0.0, 0.0],
                            [0.0, 0.0, 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    # correct_out has 8 decimals, so expect an error of about 5e-8.
    print("relu_forward relative error:", rel_error(out, correct_out))
except NotImplementedError:
    print("relu_forward is not written yet.")

# %% grade_id="relu_forward_value" points=1
check("relu_forward_value")

# %% grade_id="relu_forward_float32" points=1
check("relu_forward_float32")

# %% grade_id="relu_forward_keeps_input" points=1
check("relu_forward_keeps_input")

# %% [markdown] lang="zh"
# ## 2. ReLU 反向传播
#
# ReLU 的导数在 $x > 0$ 处为 1,在 $x < 0$ 处为 0,所以上游梯度只从输入为正的位置穿过:
#
# $$\frac{\partial L}{\partial x} = \text{dout} \odot \mathbb{1}[x > 0].$$
#
# **折点 $x = 0$。** ReLU 在 0 处不可导,$[0, 1]$ 之间的任何值都是合法的“次梯度”。我们统一约定取 **0**
# (主流框架也这样做),也就是用 `x > 0` 而不是 `x >= 0`。输入恰好为 0 并不罕见:偏置从 0 开始,
# 所以一个样本在某层的输入全为 0(比如下面一层的 ReLU 全部输出 0)时,这一层的输入就全是精确的 0;
# 权重初始化为 0 时也一样。
#
# 折点还会骗过数值梯度检查:中心差分 $\frac{f(h) - f(-h)}{2h}$ 在 $x = 0$ 处给出 $0.5$,既不是 0 也不是 1。
# 所以,如果某次梯度检查偶然落在离折点不到 $h$ 的地方,相对误差会很大,但错的是检查,不是你的代码。
# 下面第二个单元格演示了这一点。
#
# **常见错误:** `dout[x <= 0] = 0; return dout`。这样会原地改掉调用者的上游梯度 `dout`,
# 如果调用者之后还要用它(比如同一个 `dout` 还要传给另一条支路),结果就错了。
# 写 `dout * (x > 0)`,或先复制:`dx = dout.copy()`。

# %% [markdown] lang="en"
# ## 2. ReLU backward
#
# ReLU's derivative is 1 where $x > 0$ and 0 where $x < 0$, so the upstream gradient passes only where the input was
# positive:
#
# $$\frac{\partial L}{\partial x} = \text{dout} \odot \mathbb{1}[x > 0].$$
#
# **The kink at $x = 0$.** ReLU has no derivative at 0; any value in $[0, 1]$ is a valid "subgradient". We fix it to
# **0** (as the major frameworks do), that is, we use `x > 0`, not `x >= 0`. Inputs of exactly 0 do occur: biases start
# at 0, so a sample whose inputs to the layer are all 0 (say every ReLU of the layer below output 0) gives
# pre-activations of exactly 0, and so do weights initialised to 0.
#
# The kink also fools numerical gradient checks: the centred difference $\frac{f(h) - f(-h)}{2h}$ gives $0.5$ at
# $x = 0$, neither 0 nor 1. So when a gradient check happens to land within $h$ of a kink the relative error is large,
# and the check is wrong, not your code. The second cell below shows it.
#
# **Common mistake:** `dout[x <= 0] = 0; return dout` overwrites the caller's upstream gradient `dout` in place; if
# the caller still needs it (say, the same `dout` also flows into another branch), its numbers are now wrong. Write
# `dout * (x > 0)`, or copy first: `dx = dout.copy()`.

# %%
rng = np.random.default_rng(231)
x = rng.standard_normal((10, 10))
dout = rng.standard_normal(x.shape)
dout_before = dout.copy()
try:
    dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    print("relu_backward dx error (should be about 1e-11 or smaller):", rel_error(dx_num, dx))
    print("dout left unchanged:", np.array_equal(dout, dout_before))
except NotImplementedError:
    print("relu_forward or relu_backward is not written yet.")

# %%
x_kink = np.array([[-0.5, 0.0, 0.5]])
try:
    _, cache = relu_forward(x_kink)
    print("x                  :", x_kink)
    print("your relu_backward :", relu_backward(np.ones_like(x_kink), cache))
    print("centred difference :", eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x_kink.copy(),
                                                                np.ones_like(x_kink)))
except NotImplementedError:
    print("relu_forward or relu_backward is not written yet.")

# %% grade_id="relu_backward_value" points=2
check("relu_backward_value")

# %% grade_id="relu_backward_at_zero" points=1
check("relu_backward_at_zero")

# %% grade_id="relu_backward_keeps_dout" points=1
check("relu_backward_keeps_dout")

# %% [markdown] lang="zh"
# ## 3. Sigmoid 前向传播与数值溢出
#
# Sigmoid 把任意实数压到 $(0, 1)$ 之间,常用来输出“属于正类的概率”:
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma(-x) = 1 - \sigma(x).$$
#
# **为什么直接照抄公式会出问题?** float64 能表示的最大数约为 $1.8 \times 10^{308} \approx e^{709.78}$。
# 当 $x = -1000$ 时,$e^{-x} = e^{1000}$ 超出了这个范围,`np.exp` 返回 `inf` 并发出
# `RuntimeWarning: overflow encountered in exp`。这里 $1/(1 + \infty) = 0$ 碰巧还是对的,但这只是运气:
#
# - 代数上等价的写法 $e^{x}/(1 + e^{x})$ 在 $x = 1000$ 时得到 $\infty/\infty = $ `nan`;
# - 反向传播若写成 $e^{-x}/(1 + e^{-x})^2$,在 $x = -1000$ 时同样得到 `nan`;
# - 训练几千步、每步都刷出警告,真正有用的警告就被淹没了。
#
# 训练中出现 $|x| \ge 1000$ 并不稀奇:权重初始化过大或学习率过大时,仿射层的输出很快就会变得很大。
#
# **稳定的写法:只对非正数求指数。** 令 $z = e^{-|x|} \in (0, 1]$,它永远不会上溢:
#
# $$\sigma(x) = \begin{cases} \dfrac{1}{1 + z}, & x \ge 0 \\[2mm] \dfrac{z}{1 + z}, & x < 0 \end{cases}$$
#
# 参考实现用的是另一种等价形式:$\sigma(x) = \exp\!\big(-\log(1 + e^{-x})\big)$ = `np.exp(-np.logaddexp(0, -x))`。
# `np.logaddexp(a, b)` 计算 $\log(e^a + e^b)$,内部先提出较大的那个指数,所以不会上溢;$x = -1000$ 时它给出
# $1000$,再算 $e^{-1000}$ 只会**下溢**成 0。下溢是无害的:真实值 $\approx 5 \times 10^{-435}$ 本来就小于 float64
# 能表示的最小正数。
#
# **陷阱:** `np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))` 看似分了情况,
# 其实 `np.where` 的两个分支会对**每个元素都算一遍**,溢出照样发生。要么先算 $z = e^{-|x|}$,
# 要么用布尔下标只对相应的元素计算。

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
# Inputs with $|x| \ge 1000$ are not exotic in training: with too large an initial weight scale or learning rate,
# the outputs of an affine layer grow large quickly.
#
# **The stable way: only exponentiate numbers that are not positive.** Let $z = e^{-|x|} \in (0, 1]$, which can
# never overflow:
#
# $$\sigma(x) = \begin{cases} \dfrac{1}{1 + z}, & x \ge 0 \\[2mm] \dfrac{z}{1 + z}, & x < 0 \end{cases}$$
#
# The reference uses another equal form: $\sigma(x) = \exp\!\big(-\log(1 + e^{-x})\big)$ =
# `np.exp(-np.logaddexp(0, -x))`. `np.logaddexp(a, b)` computes $\log(e^a + e^b)$ by first factoring out the larger
# exponent, so it never overflows; at $x = -1000$ it returns $1000$, and $e^{-1000}$ then merely **underflows** to 0.
# Underflow is harmless: the true value, $\approx 5 \times 10^{-435}$, is below the smallest positive float64 anyway.
#
# **Trap:** `np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))` looks like it splits the cases,
# but `np.where` receives both branches **computed for every element**, so the overflow still happens. Compute
# $z = e^{-|x|}$ first, or use boolean indexing to evaluate each formula only on its own elements.

# %%
print("largest float64:", np.finfo(np.float64).max, "= exp of", np.log(np.finfo(np.float64).max))
x_big = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
with np.errstate(over="ignore", invalid="ignore"):  # silence the warnings just for this demonstration
    print("1 / (1 + exp(-x))     :", 1 / (1 + np.exp(-x_big)))
    print("exp(x) / (1 + exp(x)) :", np.exp(x_big) / (1 + np.exp(x_big)))
with np.errstate(over="raise"):  # the check sigmoid_forward_extreme turns warnings into errors like this
    try:
        np.exp(1000.0)
    except FloatingPointError as err:
        print("np.exp(1000.0) under np.errstate(over='raise') ->", err)

# %%
try:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, _ = sigmoid_forward(x_big)
    print("your sigmoid_forward:", s)
except NotImplementedError:
    print("sigmoid_forward is not written yet.")
except FloatingPointError as err:
    print("your sigmoid_forward still overflows:", err)

# %% grade_id="sigmoid_forward_value" points=2
check("sigmoid_forward_value")

# %% grade_id="sigmoid_forward_extreme" points=2
check("sigmoid_forward_extreme")

# %% [markdown] lang="zh"
# ## 4. Sigmoid 反向传播与饱和
#
# Sigmoid 的导数可以用它自己的输出 $s = \sigma(x)$ 表示:
#
# $$\sigma'(x) = s\,(1 - s), \qquad \frac{\partial L}{\partial x} = \text{dout} \odot s \odot (1 - s).$$
#
# 所以 `sigmoid_forward` 的 `cache` 里存输出 `s` 最方便:反向传播不用再算任何指数,也就不会溢出。
#
# **饱和。** $s(1-s)$ 在 $x = 0$ 处取最大值 $0.25$;$|x| = 5$ 时约为 $0.0066$,$|x| = 10$ 时约为
# $4.5 \times 10^{-5}$。输入落在两侧平坦区域的神经元称为“饱和”的:无论上游梯度多大,传过它之后几乎都变成 0,
# 它前面的权重也就几乎学不动。即使不饱和,每经过一层 sigmoid,梯度也至少缩小为原来的 $1/4$,
# 这是深层 sigmoid 网络难以训练的原因之一(“梯度消失”)。

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
# whatever the upstream gradient, almost nothing gets through it, and the weights in front of it hardly learn. Even
# unsaturated, every sigmoid layer shrinks the gradient to at most a quarter, one reason why deep sigmoid networks
# are hard to train ("vanishing gradients").

# %%
rng = np.random.default_rng(232)
x = 2 * rng.standard_normal((10, 10))
dout = rng.standard_normal(x.shape)
try:
    dx_num = eval_numerical_gradient_array(lambda x: sigmoid_forward(x)[0], x, dout)
    _, cache = sigmoid_forward(x)
    dx = sigmoid_backward(dout, cache)
    print("sigmoid_backward dx error (should be about 1e-9 or smaller):", rel_error(dx_num, dx))
except NotImplementedError:
    print("sigmoid_forward or sigmoid_backward is not written yet.")

# %%
t = np.linspace(-8, 8, 401)
try:
    s, s_cache = sigmoid_forward(t)
    r, r_cache = relu_forward(t)
    ones = np.ones_like(t)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    axes[0].plot(t, s, label="sigmoid")
    axes[0].plot(t, sigmoid_backward(ones, s_cache), label="sigmoid'")
    axes[0].axhline(0.25, color="gray", lw=0.5, ls="--")
    axes[1].plot(t, r, label="ReLU")
    axes[1].plot(t, relu_backward(ones, r_cache), label="ReLU'")
    for ax in axes:
        ax.set_xlabel("x")
        ax.legend()
        ax.grid(alpha=0.3)
    plt.tight_layout()
    plt.show()
except NotImplementedError:
    print("the activations are not written yet.")

# %% [markdown] lang="zh"
# 下面的实验展示饱和有多容易发生:500 个标准正态输入经过一个仿射层再进入 sigmoid。仿射输出的标准差约为
# $\text{weight\_scale} \times \sqrt{500}$,权重尺度为 1 时约为 22,绝大多数神经元落在平坦区。

# %% [markdown] lang="en"
# The experiment below shows how easily saturation happens: 500 standard normal inputs go through an affine layer
# into a sigmoid. The affine outputs have a standard deviation of about $\text{weight\_scale} \times \sqrt{500}$,
# about 22 for a weight scale of 1, which puts most neurons on a flat side.

# %%
rng = np.random.default_rng(233)
X = rng.standard_normal((200, 500))
try:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for scale in (0.01, 0.1, 1.0):
        a = X @ (scale * rng.standard_normal((500, 100)))
        s, cache = sigmoid_forward(a)
        local_grad = sigmoid_backward(np.ones_like(a), cache)
        print(f"weight scale {scale:4}: std of affine output {a.std():6.2f}, mean sigmoid' {local_grad.mean():.4f}, "
              f"saturated (sigmoid' < 1e-3): {np.mean(local_grad < 1e-3):4.0%}")
        ax.hist(local_grad.ravel(), bins=50, range=(0, 0.25), alpha=0.6, label=f"weight scale {scale}")
    ax.set_xlabel("local gradient sigmoid'(a)")
    ax.set_ylabel("count")
    ax.legend()
    plt.show()
except NotImplementedError:
    print("sigmoid_forward or sigmoid_backward is not written yet.")

# %% grade_id="sigmoid_backward_value" points=2
check("sigmoid_backward_value")

# %% grade_id="sigmoid_backward_extreme" points=1
check("sigmoid_backward_extreme")

# %% [markdown] lang="zh"
# ### 思考题
#
# 上面的实验中,权重尺度为 1 时大部分 sigmoid 神经元都饱和了。用一两句话解释:为什么这时**这一层的权重**
# 几乎学不动?再给出一种补救办法。

# %% [markdown] lang="en"
# ### Question
#
# In the experiment above, with a weight scale of 1 most sigmoid neurons are saturated. In one or two sentences:
# why does the **weight matrix of this layer** then hardly learn? Name one remedy.

# %% [markdown] grade_id="sigmoid_backward_saturation_answer" points=1 solution=true
# 权重的梯度是 $X^\top\,(\text{dout} \odot s(1-s))$,饱和神经元的 $s(1-s) \approx 0$,所以对应的梯度几乎为 0,
# 更新量也几乎为 0。补救:减小初始权重(例如按 $1/\sqrt{D}$ 缩放,Xavier 初始化)、把输入标准化,
# 或在隐藏层改用 ReLU。
#
# The weight gradient is $X^\top\,(\text{dout} \odot s(1-s))$ and $s(1-s) \approx 0$ for saturated neurons, so their
# gradients and updates are almost 0. Remedies: smaller initial weights (scaled by $1/\sqrt{D}$, Xavier
# initialisation), standardised inputs, or ReLU in the hidden layers.

# %% [markdown] lang="zh"
# ## 5. “三明治”层:仿射 + 激活
#
# 全连接网络的每个隐藏层都是“仿射层后接激活函数”。把两者包成一对函数,网络代码就简洁得多:
#
# $$x \;(N, d_1, \dots, d_k) \xrightarrow{\text{affine}} a \;(N, M) \xrightarrow{\text{ReLU}} \text{out} \;(N, M).$$
#
# - `affine_relu_forward(x, w, b)`:先调用 `affine_forward`,再对结果调用 `relu_forward`,把两个 `cache`
#   一起返回(例如放进元组 `(fc_cache, relu_cache)`);
# - `affine_relu_backward(dout, cache)`:按**相反顺序**撤销:先 `da = relu_backward(dout, relu_cache)`,
#   再 `affine_backward(da, fc_cache)`,返回 `(dx, dw, db)`。
#
# `affine_sigmoid_forward/backward` 完全同理。`cache` 的内部结构由你决定:检查只会把你自己的前向函数
# 给出的 `cache` 交还给你自己的反向函数。
#
# **常见错误:** 反向时顺序颠倒(先做仿射层的反向),或者忘了激活函数的反向,直接把 `dout` 交给
# `affine_backward`。

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
# - `affine_relu_backward(dout, cache)`: undo them in **reverse order**: first `da = relu_backward(dout, relu_cache)`,
#   then `affine_backward(da, fc_cache)`, which returns `(dx, dw, db)`.
#
# `affine_sigmoid_forward/backward` work the same way. What a `cache` holds inside is up to you: the checks only
# ever hand the cache of your own forward function back to your own backward function.
#
# **Common mistakes:** undoing the layers in the wrong order (affine backward first), or skipping the activation's
# backward and handing `dout` straight to `affine_backward`.

# %%
rng = np.random.default_rng(234)
x = rng.standard_normal((2, 3, 4))
w = rng.standard_normal((12, 10))
b = rng.standard_normal(10)
dout = rng.standard_normal((2, 10))


def sandwich_errors(forward, backward):
    """Relative errors of (dx, dw, db) from backward against numerical gradients of forward."""
    _, cache = forward(x, w, b)
    grads = backward(dout, cache)
    numerical = (eval_numerical_gradient_array(lambda x: forward(x, w, b)[0], x, dout),
                 eval_numerical_gradient_array(lambda w: forward(x, w, b)[0], w, dout),
                 eval_numerical_gradient_array(lambda b: forward(x, w, b)[0], b, dout))
    return [rel_error(num, grad) for num, grad in zip(numerical, grads, strict=True)]


for name, forward, backward in [("affine_relu", affine_relu_forward, affine_relu_backward),
                                ("affine_sigmoid", affine_sigmoid_forward, affine_sigmoid_backward)]:
    try:
        dx_err, dw_err, db_err = sandwich_errors(forward, backward)
        print(f"{name}: dx error {dx_err:.2e}, dw error {dw_err:.2e}, db error {db_err:.2e} (should be < 1e-8)")
    except NotImplementedError:
        print(f"{name}_forward or {name}_backward (or a layer they call) is not written yet.")

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
# - ReLU:`np.maximum(x, 0)`,梯度 `dout * (x > 0)`,折点处取 0;不要原地修改输入或 `dout`。
# - Sigmoid:只对 $-|x|$ 求指数(或用 `np.logaddexp`),`cache` 存输出 $s$,梯度 `dout * s * (1 - s)`;
#   它的梯度最大只有 0.25,输入很大时几乎为 0。
# - 三明治层:前向按“仿射 → 激活”,反向按“激活 → 仿射”。下一个练习将实现放在整个网络最上面的损失函数。

# %% [markdown] lang="en"
# ## Summary
#
# - ReLU: `np.maximum(x, 0)`, gradient `dout * (x > 0)`, 0 at the kink; never change the input or `dout` in place.
# - Sigmoid: only exponentiate $-|x|$ (or use `np.logaddexp`), cache the output $s$, gradient `dout * s * (1 - s)`;
#   its gradient is at most 0.25 and almost 0 for large inputs.
# - Sandwich layers: forward "affine → activation", backward "activation → affine". The next exercise adds the loss
#   functions that sit on top of a whole network.
