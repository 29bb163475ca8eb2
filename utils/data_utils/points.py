"""2-D points for the small binary classifier: two interleaving half-moons."""
import numpy as np


def load_planar_points(n_samples=1000, noise=0.2, test_size=0.1, seed=42):
    """Two interleaving half-moons in the plane (scikit-learn's make_moons), split into training and test sets.

    Inputs:
    - n_samples: number of points in all
    - noise: standard deviation of the Gaussian noise added to the points
    - test_size: fraction of the points in the test set
    - seed: seed of both the points and the split

    Returns a tuple of:
    - X_train: float64 (N_train, 2), rows are points (transpose for the column-major network)
    - y_train: int64 (N_train,) in {0, 1}
    - X_test: float64 (N_test, 2)
    - y_test: int64 (N_test,)
    """
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y.astype(np.int64), test_size=test_size,
                                                        random_state=seed)
    return X_train, y_train, X_test, y_test
