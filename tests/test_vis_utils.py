"""utils.vis_utils: grid values, weight images, history curves and decision-boundary images, on the Agg backend."""
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from grading.paths import ROOT
from utils.vis_utils import plot_decision_boundary, plot_history, show_net_weights, visualize_grid


@pytest.fixture(autouse=True)
def agg_backend():
    plt.switch_backend("Agg")
    yield
    plt.close("all")


def test_visualize_grid_known_input():
    Xs = np.stack([
        np.array([[0.0, 1.0], [2.0, 3.0]]),
        np.full((2, 2), 7.0),  # constant: becomes zeros
        np.array([[-3.0, -2.0], [-1.0, 0.0]]),
    ])[..., np.newaxis]  # (3, 2, 2, 1)
    grid = visualize_grid(Xs, ubound=255.0, padding=1)
    # G = ceil(sqrt(3)) = 2 cells per side: 2 * 2 + 1 padding pixel = 5.
    expected = np.array([
        [0, 85, 0, 0, 0],
        [170, 255, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 85, 0, 0, 0],
        [170, 255, 0, 0, 0],
    ], dtype=float)[..., np.newaxis]
    assert grid.shape == (5, 5, 1)
    np.testing.assert_allclose(grid, expected)


def test_visualize_grid_shapes_and_range():
    rng = np.random.default_rng(0)
    grid = visualize_grid(rng.standard_normal((10, 4, 6, 3)), ubound=1.0, padding=2)
    assert grid.shape == (4 * 6 - 2, 4 * 8 - 2, 3)  # G = 4
    assert grid.min() == 0.0 and grid.max() == 1.0
    grey = visualize_grid(rng.standard_normal((4, 3, 3)), padding=0)
    assert grey.shape == (6, 6)


def test_show_net_weights_draws_one_tile_per_unit():
    rng = np.random.default_rng(0)
    C, h, w, H = 3, 4, 5, 7
    W1 = rng.standard_normal((C * h * w, H))
    ax = show_net_weights(W1, image_shape=(C, h, w))
    grid = ax.images[0].get_array()
    G, pad = 3, 3
    assert grid.shape == (G * (h + pad) - pad, G * (w + pad) - pad, C)
    for j in range(G * G):
        r, c = divmod(j, G)
        tile = grid[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w]
        if j < H:
            image = W1[:, j].reshape(C, h, w).transpose(1, 2, 0)  # channels-first sample layout
            np.testing.assert_allclose(tile, (image - image.min()) / (image.max() - image.min()))
        else:
            assert not tile.any()
    assert str(H) in ax.get_title()


def test_show_net_weights_grey_images():
    W1 = np.random.default_rng(1).standard_normal((8 * 8, 4))
    _, ax = plt.subplots()
    assert show_net_weights(W1, image_shape=(8, 8), ax=ax) is ax
    assert ax.images[0].get_array().shape == (2 * 11 - 3, 2 * 11 - 3)


def check_history_axes(axes, loss, train_acc, val_acc):
    ax_loss, ax_acc = axes
    np.testing.assert_array_equal(ax_loss.lines[0].get_ydata(), loss)
    lines = {line.get_label(): line for line in ax_acc.lines}
    np.testing.assert_array_equal(lines["train"].get_ydata(), train_acc)
    np.testing.assert_array_equal(lines["val"].get_ydata(), val_acc)
    np.testing.assert_array_equal(lines["val"].get_xdata(), np.arange(len(val_acc)))
    assert ax_acc.get_legend() is not None
    assert ax_loss.get_xlabel() == "iteration" and ax_acc.get_xlabel() == "epoch"


LOSS, TRAIN, VAL = [2.3, 1.9, 1.5, 1.2, 1.0], [0.1, 0.5, 0.8], [0.1, 0.4, 0.6]


def test_plot_history_lists():
    check_history_axes(plot_history(LOSS, TRAIN, VAL), LOSS, TRAIN, VAL)


def test_plot_history_dict_and_solver_like():
    history = {"loss_history": LOSS, "train_acc_history": TRAIN, "val_acc_history": VAL, "best_val_acc": 0.6}
    check_history_axes(plot_history(history), LOSS, TRAIN, VAL)
    fig, axes = plt.subplots(2, 1)
    assert plot_history(SimpleNamespace(**history), axes=axes) is axes
    check_history_axes(axes, LOSS, TRAIN, VAL)


def separable_points():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    X[:, 0] += np.where(X[:, 0] > 0, 0.5, -0.5)  # a gap around x1 = 0
    return X, (X[:, 0] > 0).astype(int)


def check_boundary_image(ax, X, y):
    image = ax.images[0]
    Z = np.asarray(image.get_array())
    x1_left, x1_right, _, _ = image.get_extent()
    x1 = np.linspace(x1_left, x1_right, Z.shape[1] + 1)
    centres = (x1[:-1] + x1[1:]) / 2
    np.testing.assert_array_equal(Z, np.broadcast_to(centres > 0, Z.shape).astype(int))
    assert Z.shape == (50, 50)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), X)
    np.testing.assert_array_equal(ax.collections[0].get_array(), y)


def test_decision_boundary_labels():
    X, y = separable_points()
    ax = plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=50)
    check_boundary_image(ax, X, y)


def test_decision_boundary_probabilities():
    X, y = separable_points()

    def class_probabilities(P):
        p1 = 1 / (1 + np.exp(-10 * P[:, 0]))
        return np.column_stack([1 - p1, p1])

    check_boundary_image(plot_decision_boundary(class_probabilities, X, y, resolution=50), X, y)
    sigmoid_column = plot_decision_boundary(lambda P: class_probabilities(P)[:, 1:], X, y, resolution=50)
    check_boundary_image(sigmoid_column, X, y)


def test_decision_boundary_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_decision_boundary(lambda P: P[:, 0], np.zeros((5, 3)), np.zeros(5, dtype=int))


def test_plot_text_speaks_the_notebooks_language_when_a_chinese_font_is_installed(monkeypatch):
    import utils.checks
    from utils import vis_utils

    monkeypatch.setattr(utils.checks, "_language_chosen", True)
    monkeypatch.setattr(utils.checks, "_language", "en")
    assert vis_utils.plot_text("迭代周期", "epoch") == "epoch"
    monkeypatch.setattr(utils.checks, "_language", "zh")
    monkeypatch.setattr(vis_utils, "cjk_font", lambda: None)  # a laptop without a Chinese font: no empty boxes
    assert vis_utils.plot_text("迭代周期", "epoch") == "epoch"
    monkeypatch.setattr(vis_utils, "cjk_font", lambda: "WenQuanYi Micro Hei")
    assert vis_utils.plot_text("迭代周期", "epoch") == "迭代周期"


def test_a_chinese_title_draws_without_missing_glyphs_where_a_chinese_font_is_installed(recwarn):
    from utils import vis_utils

    if vis_utils.cjk_font() is None:
        pytest.skip("no font with Chinese glyphs here (apt-get install fonts-wqy-microhei)")
    fig, ax = plt.subplots()
    ax.set_title("每个迭代周期后的正确率")
    fig.canvas.draw()
    plt.close(fig)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def test_the_first_figure_of_a_notebook_draws_chinese_labels(tmp_path):
    """A figure's labels keep the fonts in force when the figure was made: the Chinese fallback font must be in place
    as soon as utils.vis_utils is imported, before the notebook's first plt.subplots."""
    import subprocess
    import sys

    from utils import vis_utils

    if vis_utils.cjk_font() is None:
        pytest.skip("no font with Chinese glyphs here (apt-get install fonts-wqy-microhei)")
    code = ("import warnings, matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
            "import utils.vis_utils\nfig, ax = plt.subplots()\nax.set_title('每个迭代周期后的正确率')\n"
            "with warnings.catch_warnings(record=True) as caught:\n    warnings.simplefilter('always')\n"
            "    fig.canvas.draw()\nprint(sum('missing from font' in str(w.message) for w in caught))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0", out.stderr
