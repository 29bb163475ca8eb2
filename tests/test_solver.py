"""utils.solver.Solver with the reference FullyConnectedNet and update rules (conftest puts solutions/ first)."""
import numpy as np
import pytest

from classifiers.chapter3 import FullyConnectedNet, optim
from utils.solver import Solver

N_TRAIN, N_VAL, D, C = 50, 30, 20, 5


@pytest.fixture
def data():
    """Random points with random labels: anything above chance on train is memorisation."""
    rng = np.random.default_rng(0)
    return {
        "X_train": rng.standard_normal((N_TRAIN, D)),
        "y_train": rng.integers(C, size=N_TRAIN),
        "X_val": rng.standard_normal((N_VAL, D)),
        "y_val": rng.integers(C, size=N_VAL),
    }


def make_model(seed=0):
    return FullyConnectedNet(input_dim=D, hidden_dims=(50,), num_classes=C, weight_scale=1e-1, seed=seed)


def make_solver(data, model=None, **kwargs):
    kwargs = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-2}, "batch_size": 25, "num_epochs": 5,
              "verbose": False, "seed": 0, **kwargs}
    return Solver(make_model() if model is None else model, data, **kwargs)


class StepModel:
    """Val accuracy is 1 exactly when w == 3, else 0; with the +1 update rule below, w is the iteration count."""

    def __init__(self):
        self.params = {"w": np.zeros(1)}

    def loss(self, X, y=None):
        scores = np.zeros((X.shape[0], 2))
        scores[:, 1] = float(self.params["w"][0] == 3)  # ties go to class 0 (argmax picks the first)
        if y is None:
            return scores
        return 0.0, {"w": np.zeros(1)}


def plus_one(w, dw, config=None):
    return w + 1, config


def test_adam_overfits_small_data(data):
    solver = make_solver(data, num_epochs=20)
    history = solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert history["train_acc_history"] is solver.train_acc_history
    assert len(solver.loss_history) == 20 * (N_TRAIN // 25)
    assert len(solver.val_acc_history) == len(solver.train_acc_history) == 20 + 1  # before training + each epoch


@pytest.mark.parametrize("rule", optim.__all__)
def test_every_update_rule_name_trains(data, rule):
    solver = make_solver(data, update_rule=rule, optim_config={"learning_rate": 5e-2 if "sgd" in rule else 1e-2},
                         num_epochs=10)
    solver.train()
    assert solver.update_rule is getattr(optim, rule)
    assert np.mean(solver.loss_history[-4:]) < solver.loss_history[0]
    state = {"sgd": set(), "sgd_momentum": {"velocity"}, "rmsprop": {"cache"}, "adam": {"m", "v", "t"}}[rule]
    assert all(state <= set(config) for config in solver.optim_configs.values())


def test_bad_update_rule_name_lists_valid_names(data):
    with pytest.raises(ValueError, match="unknown update_rule 'adamw'") as info:
        make_solver(data, update_rule="adamw")
    for name in optim.__all__:
        assert name in str(info.value)


def test_missing_data_key_is_named(data):
    del data["y_val"]
    with pytest.raises(KeyError, match="y_val"):
        make_solver(data)


def test_optim_configs_are_per_parameter_deep_copies(data):
    optim_config = {"learning_rate": 1e-3, "nested": [1]}
    solver = make_solver(data, optim_config=optim_config)
    configs = list(solver.optim_configs.values())
    assert len(configs) == len(solver.model.params)
    assert len({id(c) for c in configs}) == len(configs)
    configs[0]["nested"].append(2)
    assert optim_config["nested"] == [1] and configs[1]["nested"] == [1]


@pytest.mark.parametrize("num_epochs", [1, 3])
def test_lr_decay_per_epoch(data, num_epochs):
    solver = make_solver(data, optim_config={"learning_rate": 1e-3}, lr_decay=0.5, num_epochs=num_epochs)
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(1e-3 * 0.5**num_epochs, rel=1e-12)


def test_best_params_restored():
    data = {"X_train": np.zeros((4, 1)), "y_train": np.zeros(4, dtype=int),
            "X_val": np.zeros((6, 1)), "y_val": np.ones(6, dtype=int)}
    model = StepModel()
    solver = Solver(model, data, update_rule=plus_one, batch_size=4, num_epochs=6, verbose=False, seed=0)
    solver.train()
    assert solver.val_acc_history == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    assert solver.best_val_acc == max(solver.val_acc_history) == 1.0
    np.testing.assert_array_equal(solver.best_params["w"], [3.0])
    np.testing.assert_array_equal(model.params["w"], solver.best_params["w"])
    assert model.params["w"] is not solver.best_params["w"]


def test_best_params_with_real_model(data):
    solver = make_solver(data, num_epochs=8)
    solver.train()
    assert solver.best_val_acc == max(solver.val_acc_history)
    assert solver.best_params.keys() == solver.model.params.keys()
    for name, w in solver.model.params.items():
        np.testing.assert_array_equal(w, solver.best_params[name])


def test_callable_update_rule(data):
    def count_calls(w, dw, config=None):
        config["calls"] = config.get("calls", 0) + 1
        return w - 1e-3 * dw, config

    solver = make_solver(data, update_rule=count_calls, optim_config={}, num_epochs=2)
    assert solver.update_rule is count_calls
    solver.train()
    assert len(solver.loss_history) == 2 * (N_TRAIN // 25)
    assert all(config == {"calls": len(solver.loss_history)} for config in solver.optim_configs.values())


def test_check_accuracy_batched_equals_unbatched(data):
    solver = make_solver(data)
    X, y = data["X_train"], data["y_train"]
    expected = float(np.mean(np.argmax(solver.model.loss(X), axis=1) == y))
    for batch_size in (1, 7, 50, 1000):
        assert solver.check_accuracy(X, y, batch_size=batch_size) == expected


def test_check_accuracy_subsample(data):
    solver = make_solver(data)
    acc = solver.check_accuracy(data["X_train"], data["y_train"], num_samples=10)
    assert acc in {k / 10 for k in range(11)}


def test_seed_makes_training_reproducible(data):
    a, b = make_solver(data, seed=3), make_solver(data, seed=3)
    a.train()
    b.train()
    assert a.loss_history == b.loss_history
    assert a.val_acc_history == b.val_acc_history


def assert_same_state(a, b):
    assert a["epoch"] == b["epoch"]
    for key in ("loss_history", "train_acc_history", "val_acc_history"):
        assert a[key] == b[key]
    for group in ("params", "best_params"):
        assert a[group].keys() == b[group].keys()
        for name in a[group]:
            assert a[group][name].dtype == b[group][name].dtype
            np.testing.assert_array_equal(a[group][name], b[group][name])


def test_checkpoint_round_trip(data, tmp_path):
    solver = make_solver(data, num_epochs=2)
    solver.train()
    path = solver.save_checkpoint(tmp_path / "ckpt")
    assert path.endswith("ckpt.npz")
    ckpt = Solver.load_checkpoint(path)
    assert_same_state(ckpt, {"epoch": solver.epoch, "params": solver.model.params, "best_params": solver.best_params,
                             "loss_history": solver.loss_history, "train_acc_history": solver.train_acc_history,
                             "val_acc_history": solver.val_acc_history})
    assert ckpt["best_val_acc"] == solver.best_val_acc
    assert ckpt["update_rule"] == "adam"
    assert (ckpt["lr_decay"], ckpt["batch_size"], ckpt["num_epochs"]) == (1.0, 25, 2)
    for name, config in solver.optim_configs.items():
        assert ckpt["optim_configs"][name].keys() == config.keys()
        for key, value in config.items():
            np.testing.assert_array_equal(ckpt["optim_configs"][name][key], value)
        assert isinstance(ckpt["optim_configs"][name]["t"], int)


def test_checkpoint_every_epoch(data, tmp_path):
    solver = make_solver(data, num_epochs=3, checkpoint_name=str(tmp_path / "run"))
    solver.train()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"run_epoch_{e}.npz" for e in (1, 2, 3)]
    assert Solver.load_checkpoint(tmp_path / "run_epoch_2.npz")["epoch"] == 2


def test_resume_from_checkpoint_matches_uninterrupted_run(data, tmp_path):
    full = make_solver(data, num_epochs=4)
    full.train()
    first = make_solver(data, num_epochs=2, checkpoint_name=str(tmp_path / "run"))
    first.train()
    resumed = make_solver(data, model=make_model(seed=1), num_epochs=4, seed=99)
    resumed.restore_checkpoint(tmp_path / "run_epoch_2.npz")
    resumed.train()
    assert resumed.loss_history == full.loss_history
    assert resumed.val_acc_history == full.val_acc_history
    for name, w in full.model.params.items():
        np.testing.assert_array_equal(resumed.model.params[name], w)


def test_restore_checkpoint_rejects_other_architecture(data, tmp_path):
    path = make_solver(data).save_checkpoint(tmp_path / "ckpt.npz")
    other = FullyConnectedNet(input_dim=D, hidden_dims=(7,), num_classes=C, seed=0)
    with pytest.raises(ValueError, match="do not match"):
        make_solver(data, model=other).restore_checkpoint(path)


def test_load_checkpoint_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"params/W1": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        Solver.load_checkpoint(path)


def test_save_checkpoint_refuses_objects(data, tmp_path):
    solver = make_solver(data, optim_config={"learning_rate": 1e-3, "schedule": [1e-3, {"a": 1}]})
    with pytest.raises(TypeError, match="schedule"):
        solver.save_checkpoint(tmp_path / "ckpt.npz")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("lang, iteration, epoch", [
    ("en", "(Iteration 1 / 2) loss:", "(Epoch 1 / 1) train acc:"),
    ("zh", "（第 1 / 2 次迭代）损失：", "（第 1 / 1 个迭代周期）训练集正确率："),
])
def test_verbose_prints_through_tqdm_in_the_notebooks_language(data, capsys, monkeypatch, lang, iteration, epoch):
    import utils.checks

    monkeypatch.setattr(utils.checks, "_language", lang)  # what a notebook's set_language cell does
    monkeypatch.setattr(utils.checks, "_language_chosen", True)
    solver = make_solver(data, num_epochs=1, verbose=True, print_every=1)
    solver.train()
    out = capsys.readouterr().out
    assert iteration in out
    assert epoch in out
