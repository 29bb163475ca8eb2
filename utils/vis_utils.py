"""Plots for the chapter: image grids of first-layer weights, training histories and 2-D decision boundaries.

Every plot function draws into the given Axes (or a new figure) and returns the Axes it drew on.
"""
import functools
from collections.abc import Mapping
from math import ceil, sqrt

import matplotlib.pyplot as plt
import numpy as np

from .language import message_language

__all__ = ["visualize_grid", "show_net_weights", "plot_history", "plot_decision_boundary", "plot_text", "show_table"]

# Fonts with Chinese glyphs, most common first (Linux, Windows, macOS); the first one installed draws zh plot text.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei",
             "SimHei", "PingFang SC", "Heiti SC", "Droid Sans Fallback")


@functools.cache
def cjk_font():
    """The name of an installed font with Chinese glyphs, added to matplotlib's fallback list; None without one."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    font = next((name for name in CJK_FONTS if name in installed), None)
    families = list(plt.rcParams["font.family"])
    if font is not None and font not in families:
        plt.rcParams["font.family"] = [*families, font]  # matplotlib falls back along this list glyph by glyph
    return font


cjk_font()  # now: a figure's title and axis labels keep the fonts of the moment the figure was created


def plot_text(zh, en):
    """Text for a plot in the notebook's language: ``zh`` when the notebook speaks Chinese and a font with Chinese
    glyphs is installed (matplotlib would draw empty boxes otherwise), else ``en``."""
    return zh if message_language() == "zh" and cjk_font() is not None else en


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile images into one square grid image; each image is rescaled to [0, ubound] on its own.

    Inputs:
    - Xs: (N, H, W, C) images, or (N, H, W) grey images
    - ubound: the largest value of a rescaled image (a constant image becomes all zeros)
    - padding: blank pixels between neighbouring images

    Returns:
    - grid: (G*(H+padding) - padding, G*(W+padding) - padding, C) float array with G = ceil(sqrt(N)),
      images in row-major order, blank cells and padding 0; (.., ..) without the channel axis for grey input
    """
    Xs = np.asarray(Xs, dtype=np.float64)
    grey = Xs.ndim == 3
    if grey:
        Xs = Xs[..., np.newaxis]
    N, H, W, C = Xs.shape
    G = ceil(sqrt(N))
    low = Xs.min(axis=(1, 2, 3), keepdims=True)
    span = Xs.max(axis=(1, 2, 3), keepdims=True) - low
    scaled = ubound * (Xs - low) / np.where(span > 0, span, 1.0)
    # Pad every image at the bottom and right and add blank images up to G*G, then reshape into the grid.
    cells = np.pad(scaled, ((0, G * G - N), (0, padding), (0, padding), (0, 0)))
    grid = cells.reshape(G, G, H + padding, W + padding, C).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(G * (H + padding), G * (W + padding), C)[:G * (H + padding) - padding,
                                                                 :G * (W + padding) - padding]
    return grid[..., 0] if grey else grid


def show_net_weights(W1, image_shape=(3, 32, 32), ax=None):
    """Show the first-layer weights as images, one per hidden unit, in one grid.

    Inputs:
    - W1: (D, H) first-layer weights; column j is the template of hidden unit j
    - image_shape: how one input sample of D = prod(image_shape) values is laid out: (C, H, W) as in
      get_CIFAR10_data (channels first), or (H, W) for grey images such as MNIST (28, 28)
    - ax: Axes to draw into (None: a new figure)

    Returns:
    - ax: the Axes holding the grid image (ax.images[0])
    """
    W1 = np.asarray(W1)
    images = W1.T.reshape(W1.shape[1], *image_shape)
    if len(image_shape) == 3:
        images = images.transpose(0, 2, 3, 1)  # (H, C, h, w) -> (H, h, w, C) for imshow
        if images.shape[-1] == 1:
            images = images[..., 0]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    grid = visualize_grid(images, ubound=1.0, padding=3)
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0.0, vmax=1.0)
    ax.set_title(plot_text(f"第一层的权重（{W1.shape[1]} 个隐藏单元）", f"First-layer weights ({W1.shape[1]} units)"))
    ax.axis("off")
    return ax


def plot_history(loss_history, train_acc_history=None, val_acc_history=None, axes=None):
    """Plot the loss per iteration and the train / validation accuracy per epoch side by side.

    Inputs:
    - loss_history: list of losses; or a dict (the result of train()) or an object (a Solver) that has
      loss_history, train_acc_history and val_acc_history, in which case the other two arguments are not needed
    - train_acc_history, val_acc_history: lists of accuracies, one per epoch
    - axes: two Axes to draw into (None: a new figure)

    Returns:
    - axes: the two Axes, loss first, then accuracy
    """
    if isinstance(loss_history, Mapping):
        history = loss_history
        loss_history, train_acc_history, val_acc_history = (history["loss_history"], history["train_acc_history"],
                                                             history["val_acc_history"])
    elif hasattr(loss_history, "loss_history"):
        history = loss_history
        loss_history, train_acc_history, val_acc_history = (history.loss_history, history.train_acc_history,
                                                             history.val_acc_history)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4))
    ax_loss, ax_acc = axes
    ax_loss.plot(np.arange(len(loss_history)), loss_history, lw=1, label=plot_text("训练损失", "train loss"))
    ax_loss.set(title=plot_text("训练损失", "Training loss"), xlabel=plot_text("迭代次数", "iteration"),
                ylabel=plot_text("损失", "loss"))
    ax_loss.legend()
    accuracies = ((train_acc_history, plot_text("训练集", "train")), (val_acc_history, plot_text("验证集", "val")))
    for history, label in accuracies:
        if history is not None:
            ax_acc.plot(np.arange(len(history)), history, "o-", label=label)
    ax_acc.set(title=plot_text("正确率", "Accuracy"), xlabel=plot_text("迭代周期", "epoch"),
               ylabel=plot_text("正确率", "accuracy"))
    ax_acc.legend()
    return axes


def _as_labels(values):
    """Labels (N,) from labels or probabilities of class 1, (N,), (N, 1) or (1, N), or from scores (N, C)."""
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[0] > 1 and values.shape[1] > 1:
        return np.argmax(values, axis=1)
    values = values.reshape(-1)
    if np.issubdtype(values.dtype, np.floating) and np.any(values != np.round(values)):
        return (values > 0.5).astype(int)  # probabilities of class 1 (a sigmoid output)
    return values.astype(int)


def plot_decision_boundary(predict, X, y, ax=None, resolution=200):
    """Colour the plane by the predicted class and scatter the points coloured by their true class.

    Inputs:
    - predict: function mapping points (M, 2) to labels or probabilities of class 1, shaped (M,), (M, 1) or
      (1, M), or to class scores / probabilities (M, C)
    - X: (N, 2) points; y: (N,) integer labels (or one-hot (N, C))
    - ax: Axes to draw into (None: a new figure)
    - resolution: grid points along each axis

    Returns:
    - ax: the Axes; ax.images[0] holds the (resolution, resolution) predicted labels, row 0 at the bottom
      (smallest x2), column 0 at the left (smallest x1)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), got {X.shape}")
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2, got {resolution}")
    y = _as_labels(y)
    (x1_min, x2_min), (x1_max, x2_max) = X.min(axis=0), X.max(axis=0)
    margin1 = 0.1 * (x1_max - x1_min) or 1.0
    margin2 = 0.1 * (x2_max - x2_min) or 1.0
    x1 = np.linspace(x1_min - margin1, x1_max + margin1, resolution)
    x2 = np.linspace(x2_min - margin2, x2_max + margin2, resolution)
    xx1, xx2 = np.meshgrid(x1, x2)
    Z = _as_labels(predict(np.column_stack([xx1.ravel(), xx2.ravel()]))).reshape(resolution, resolution)

    num_classes = int(max(Z.max(), y.max())) + 1
    cmap = "tab10" if num_classes <= 10 else "tab20" if num_classes <= 20 else "viridis"
    vmax = 9.5 if num_classes <= 10 else 19.5 if num_classes <= 20 else num_classes - 0.5
    colours = {"cmap": cmap, "vmin": -0.5, "vmax": vmax}  # the same class gets the same colour in both layers
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    # Pixel centres sit on the grid points: the image extends half a step beyond them.
    half1, half2 = (x1[1] - x1[0]) / 2, (x2[1] - x2[0]) / 2
    ax.imshow(Z, origin="lower", extent=(x1[0] - half1, x1[-1] + half1, x2[0] - half2, x2[-1] + half2),
              interpolation="nearest", aspect="auto", alpha=0.35, **colours)
    ax.scatter(X[:, 0], X[:, 1], c=y, s=20, edgecolors="k", linewidths=0.5, **colours)
    ax.set(title="Decision boundary", xlabel="x1", ylabel="x2")
    return ax


def show_table(header, rows):
    """Display rows under a header as a Markdown table in the notebook (columns line up in any language).

    Inputs:
    - header: column titles
    - rows: sequences of cells, one per column (any object; shown with str)
    """
    from IPython.display import Markdown, display

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    display(Markdown("\n".join(lines)))
