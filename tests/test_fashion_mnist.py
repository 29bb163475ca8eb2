"""The deep net on real data: Fashion-MNIST from Debian's dataset-fashion-mnist package."""
import numpy as np
import pytest

from classifiers.chapter3 import FullyConnectedNet
from utils import data_utils
from utils.solver import Solver

pytestmark = pytest.mark.skipif(not data_utils.DEBIAN_FASHION_MNIST_DIR.is_dir(),
                                reason="Debian's dataset-fashion-mnist is not installed (.ci/run installs it)")


@pytest.mark.slow
def test_two_hidden_layers_reach_88_percent_in_15_epochs():
    (x_train, t_train), (x_test, t_test) = data_utils.load_fashion_mnist(source="auto")
    assert data_utils.last_source("fashion-mnist") in ("cache", "debian")
    mean = x_train.mean(axis=0)
    data = {"X_train": x_train[:55000] - mean, "y_train": t_train[:55000],
            "X_val": x_train[55000:] - mean, "y_val": t_train[55000:]}
    model = FullyConnectedNet(784, hidden_dims=(256, 128), num_classes=10, weight_scale=5e-2, reg=1e-4,
                              dtype=np.float32, seed=0)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3}, lr_decay=0.9,
                    batch_size=200, num_epochs=15, verbose=False, seed=0)
    solver.train()
    test_acc = np.mean(model.predict(x_test - mean) == t_test)
    assert test_acc >= 0.88, f"test accuracy {test_acc:.4f}"
