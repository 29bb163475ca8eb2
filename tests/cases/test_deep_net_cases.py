"""Every grade cell of notebook 5 fails on wrong code and passes on correct code written differently."""
import numpy as np
import pytest

from grading.autograde.model_score import trusted_predictions
from grading.reference import reference_module
from tests.case_helpers import fails, passes, patched, statuses
from utils.checks import set_language
from utils.checks.cases import best_model
from utils.checks.engine import CASES, compare, run_probe, to_plain, visible_seed

ALL = [grade_id for grade_id, case_ in CASES.items() if case_.probe.__module__.endswith((".deep_net", ".best_model"))]
NET_IDS = [g for g in ALL if g.startswith("FullyConnectedNet") and "best_model" not in g]
RULE_IDS = [g for g in ALL if not g.startswith("FullyConnectedNet")]
MODEL_IDS = [g for g in ALL if "best_model" in g]
REF = reference_module()


# ------------------------------------------------------------------------------------------- FullyConnectedNet


def fc_net(**bugs):
    """A FullyConnectedNet in plain NumPy (dict caches, einsum, np.random.normal init); ``bugs`` switch on one
    mistake each."""

    class Net(REF.FullyConnectedNet):
        def __init__(self, input_dim=3 * 32 * 32, hidden_dims=(100,), num_classes=10, reg=0.0, weight_scale=1e-2,
                     dtype=np.float64, seed=None):
            self.reg, self.dtype, self.num_layers = reg, dtype, len(hidden_dims) + 1
            rng = np.random.RandomState(seed)
            dims = [input_dim, *hidden_dims, num_classes]
            if bugs.get("no_last_layer"):
                dims = dims[:-1]
            scale = 1e-2 if bugs.get("fixed_scale") else weight_scale
            self.params = {}
            for i in range(1, len(dims)):
                shape = (dims[i], dims[i - 1]) if bugs.get("transposed") else (dims[i - 1], dims[i])
                W = rng.rand(*shape) * scale if bugs.get("uniform") else rng.normal(0.0, scale, size=shape)
                b = rng.normal(0.0, scale, dims[i]) if bugs.get("random_bias") else np.zeros(dims[i])
                cast = np.float64 if bugs.get("ignore_dtype") else dtype
                self.params[f"W{i}"], self.params[f"b{i}"] = W.astype(cast), b.astype(cast)

        def loss(self, X, y=None):
            X = X.astype(self.dtype, copy=False)
            L = self.num_layers
            h, caches = X.reshape(len(X), -1), []
            relu_layers = range(1, L - 1) if bugs.get("relu_off_by_one") else range(1, L)
            if bugs.get("needs_hidden"):
                assert L > 1, "no hidden layer"
            for i in range(1, L):
                pre = np.einsum("nd,dm->nm", h, self.params[f"W{i}"]) + self.params[f"b{i}"]
                caches.append({"input": h, "mask": pre > 0 if i in relu_layers else np.ones_like(pre, bool)})
                h = np.where(caches[-1]["mask"], pre, 0).astype(pre.dtype)
            scores = h @ self.params[f"W{L}"] + self.params[f"b{L}"]
            if bugs.get("relu_scores"):
                scores = np.maximum(scores, 0)
            if y is None:
                return scores
            N = len(X)
            shifted = scores - scores.max(1, keepdims=True)
            probs = np.exp(shifted) / np.exp(shifted).sum(1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(N), y]))
            dout = probs.copy()
            dout[np.arange(N), y] -= 1
            dout /= N
            grads = {f"W{L}": h.T @ dout, f"b{L}": dout.sum(0)}
            dh = dout @ self.params[f"W{L}"].T
            for i in range(L - 1, 0, -1):
                dpre = dh if bugs.get("no_relu_mask") else dh * caches[i - 1]["mask"]
                grads[f"W{i}"], grads[f"b{i}"] = caches[i - 1]["input"].T @ dpre, dpre.sum(0)
                dh = dpre @ self.params[f"W{i}"].T
            for i in range(1, L + 1):
                if bugs.get("reg_last_only") and i != L:
                    continue
                W = self.params[f"W{i}"]
                loss += bugs.get("reg_factor", 0.5) * self.reg * np.sum(W * W)
                grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W
            return loss, grads

    return Net


class FcNetWithLayerHelpers(REF.FullyConnectedNet):
    """Separate affine_forward / relu_forward calls and a dict of caches; the reference __init__ but with seed
    ignored (np.random)."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dims=(100,), num_classes=10, reg=0.0, weight_scale=1e-2,
                 dtype=np.float64, seed=None):
        self.reg, self.dtype, self.num_layers = reg, dtype, len(hidden_dims) + 1
        dims = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = (weight_scale * np.random.randn(dims[i], dims[i + 1])).astype(dtype)
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1], dtype=dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype, copy=False)
        caches, out = {}, X
        for i in range(1, self.num_layers + 1):
            out, caches[f"affine{i}"] = REF.affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            if i < self.num_layers:
                out, caches[f"relu{i}"] = REF.relu_forward(out)
        if y is None:
            return out
        loss, dout = REF.softmax_loss(out, y)
        grads = {}
        for i in range(self.num_layers, 0, -1):
            if i < self.num_layers:
                dout = REF.relu_backward(dout, caches[f"relu{i}"])
            dout, dW, grads[f"b{i}"] = REF.affine_backward(dout, caches[f"affine{i}"])
            grads[f"W{i}"] = dW + self.reg * self.params[f"W{i}"]
        loss += 0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, self.num_layers + 1))
        return loss, grads


@pytest.mark.parametrize("net", [fc_net(), FcNetWithLayerHelpers], ids=["numpy", "layer helpers"])
@pytest.mark.parametrize("grade_id", NET_IDS)
def test_correct_fc_net_passes(grade_id, net):
    assert passes(grade_id, patched(FullyConnectedNet=net))


@pytest.mark.parametrize("grade_id, bugs", [
    ("FullyConnectedNet_init", {"fixed_scale": True}),
    ("FullyConnectedNet_init", {"uniform": True}),
    ("FullyConnectedNet_init", {"random_bias": True}),
    ("FullyConnectedNet_init", {"transposed": True}),
    ("FullyConnectedNet_init", {"no_last_layer": True}),
    ("FullyConnectedNet_scores", {"relu_scores": True}),
    ("FullyConnectedNet_scores", {"relu_off_by_one": True}),
    ("FullyConnectedNet_loss", {"relu_scores": True}),
    ("FullyConnectedNet_grads", {"no_relu_mask": True}),
    ("FullyConnectedNet_no_hidden_layer", {"needs_hidden": True}),
    ("FullyConnectedNet_no_hidden_layer", {"relu_scores": True}),
    ("FullyConnectedNet_any_depth", {"relu_off_by_one": True}),
    ("FullyConnectedNet_reg", {"reg_factor": 1.0}),
    ("FullyConnectedNet_reg", {"reg_last_only": True}),
    ("FullyConnectedNet_float32", {"ignore_dtype": True}),
])
def test_wrong_fc_net_fails(grade_id, bugs):
    assert fails(grade_id, patched(FullyConnectedNet=fc_net(**bugs)))


def test_init_messages_name_the_problem():
    case_ = CASES["FullyConnectedNet_init"]
    seed = visible_seed(case_.grade_id)
    set_language("en")
    try:
        for bugs, words in (({"fixed_scale": True}, "standard deviation"), ({"random_bias": True}, "all zeros"),
                            ({"transposed": True}, "has shape"), ({"no_last_layer": True}, "params has no")):
            result = run_probe(case_, patched(FullyConnectedNet=fc_net(**bugs)), seed)
            texts = [params["text"] for _, params in compare(case_, result.outputs, None,
                                                             np.random.default_rng(seed))]
            assert any(words in text for text in texts), (bugs, texts)
    finally:
        set_language("zh")


# ---------------------------------------------------------------------------------------------------- update rules


def sgd_inplace(w, dw, config=None):
    config = config or {}
    w -= config.setdefault("learning_rate", 1e-2) * dw
    return w, config


def momentum_alt(w, dw, config=None):
    config = dict(config or {})
    lr, mu = config.setdefault("learning_rate", 1e-2), config.setdefault("momentum", 0.9)
    config["velocity"] = mu * config["velocity"] - lr * dw if "velocity" in config else -lr * dw
    return w + config["velocity"], config


def rmsprop_alt(w, dw, config=None):
    config = dict(config or {})
    lr = config.setdefault("learning_rate", 1e-2)
    rho, eps = config.setdefault("decay_rate", 0.99), config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", 0.0)
    config["cache"] = cache + (1 - rho) * (dw**2 - cache)
    return w - lr * dw / (np.sqrt(config["cache"]) + eps), config


def adam_alt(w, dw, config=None):
    config = dict(config or {})
    lr, eps = config.setdefault("learning_rate", 1e-3), config.setdefault("epsilon", 1e-8)
    b1, b2 = config.setdefault("beta1", 0.9), config.setdefault("beta2", 0.999)
    config["t"] = config.get("t", 0) + 1
    config["m"] = config.get("m", np.zeros_like(w)) * b1 + (1 - b1) * dw
    config["v"] = config.get("v", np.zeros_like(w)) * b2 + (1 - b2) * np.square(dw)
    m_hat, v_hat = config["m"] / (1 - b1 ** config["t"]), config["v"] / (1 - b2 ** config["t"])
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), config


ALTERNATIVE_RULES = dict(sgd=sgd_inplace, sgd_momentum=momentum_alt, rmsprop=rmsprop_alt, adam=adam_alt)


@pytest.mark.parametrize("grade_id", RULE_IDS)
def test_correct_rules_pass(grade_id):
    assert passes(grade_id, patched(**ALTERNATIVE_RULES))


def sgd_ascent(w, dw, config=None):
    config = config or {"learning_rate": 1e-2}
    return w + config["learning_rate"] * dw, config


def sgd_no_default(w, dw, config=None):
    return w - (config or {}).get("learning_rate", 1e-3) * dw, config


def momentum_forgets_velocity(w, dw, config=None):
    config = dict(config or {})
    lr, mu = config.setdefault("learning_rate", 1e-2), config.setdefault("momentum", 0.9)
    v = mu * np.zeros_like(w) - lr * dw
    config["velocity"] = v
    return w + v, config


def momentum_wrong_sign(w, dw, config=None):
    config = dict(config or {})
    lr, mu = config.setdefault("learning_rate", 1e-2), config.setdefault("momentum", 0.9)
    config["velocity"] = mu * config.get("velocity", np.zeros_like(w)) + lr * dw
    return w - config["velocity"] * (1 + mu), config


def rmsprop_no_sqrt(w, dw, config=None):
    config = dict(config or {})
    lr, rho = config.setdefault("learning_rate", 1e-2), config.setdefault("decay_rate", 0.99)
    config["cache"] = rho * config.get("cache", np.zeros_like(w)) + (1 - rho) * dw**2
    return w - lr * dw / (config["cache"] + 1e-8), config


def rmsprop_cache_not_kept(w, dw, config=None):
    config = dict(config or {})
    lr, rho = config.setdefault("learning_rate", 1e-2), config.setdefault("decay_rate", 0.99)
    cache = (1 - rho) * dw**2
    config["cache"] = cache
    return w - lr * dw / (np.sqrt(cache) + 1e-8), config


def adam_variant(no_bias_correction=False, forget_t=False, v_of_dw=False):
    def adam(w, dw, config=None):
        config = dict(config or {})
        lr, b1, b2 = config.setdefault("learning_rate", 1e-3), config.setdefault("beta1", 0.9), \
            config.setdefault("beta2", 0.999)
        t = config.get("t", 0) + 1
        m = b1 * config.get("m", 0) + (1 - b1) * dw
        v = b2 * config.get("v", 0) + (1 - b2) * (np.abs(dw) if v_of_dw else dw**2)
        config.update(m=m, v=v, t=0 if forget_t else t)
        if no_bias_correction:
            return w - lr * m / (np.sqrt(v) + 1e-8), config
        return w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8), config

    return adam


@pytest.mark.parametrize("grade_id, overrides", [
    ("sgd_update", {"sgd": sgd_ascent}),
    ("sgd_update", {"sgd": sgd_no_default}),
    ("sgd_momentum_update", {"sgd_momentum": momentum_forgets_velocity}),
    ("sgd_momentum_update", {"sgd_momentum": momentum_wrong_sign}),
    ("rmsprop_update", {"rmsprop": rmsprop_no_sqrt}),
    ("rmsprop_update", {"rmsprop": rmsprop_cache_not_kept}),
    ("adam_update", {"adam": adam_variant(no_bias_correction=True)}),
    ("adam_update", {"adam": adam_variant(forget_t=True)}),
    ("adam_update", {"adam": adam_variant(v_of_dw=True)}),
    ("adam_bias_correction", {"adam": adam_variant(no_bias_correction=True)}),
    ("adam_bias_correction", {"adam": adam_variant(forget_t=True)}),
])
def test_wrong_rules_fail(grade_id, overrides):
    assert fails(grade_id, patched(**overrides))


def test_stubs_are_not_attempted():
    def stub(*args, **kwargs):
        raise NotImplementedError

    class StubNet(REF.FullyConnectedNet):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError

    module = patched(FullyConnectedNet=StubNet, sgd=stub, sgd_momentum=stub, rmsprop=stub, adam=stub)
    for grade_id in NET_IDS + RULE_IDS:
        assert set(statuses(grade_id, module)) == {"not attempted"}, grade_id


# -------------------------------------------------------------------------------------------------- best model


@pytest.fixture(scope="module")
def trained_params():
    """A small net trained on the embedded set's training split (the only data the tests can count on)."""
    from utils.data_utils import get_CIFAR10_data
    from utils.solver import Solver

    data = get_CIFAR10_data(source="embedded")
    data.pop("X_test"), data.pop("y_test")
    model = REF.FullyConnectedNet(hidden_dims=(64,), weight_scale=1e-3, seed=0)
    Solver(model, data, update_rule=REF.adam, optim_config={"learning_rate": 1e-3}, num_epochs=3, batch_size=100,
           verbose=False, seed=0).train()
    return {name: value.astype(np.float32) for name, value in model.params.items()}


@pytest.fixture
def in_notebook_folder(tmp_path, monkeypatch):
    """The current folder is a fresh notebook folder and the judges load the embedded set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CH3_DATA", "embedded")
    return tmp_path


@pytest.mark.parametrize("lang, words", [("en", "not attempted yet — there is no best_model.npz"),
                                         ("zh", "尚未完成——本笔记本所在的文件夹里还没有 best_model.npz")])
def test_no_model_file_yet_is_not_attempted(in_notebook_folder, lang, words):
    from utils.checks import run

    for grade_id in MODEL_IDS:
        assert set(statuses(grade_id, patched())) == {"not attempted"}, grade_id
    set_language(lang)
    try:
        (status, lines), = run("FullyConnectedNet_best_model_acc_52")
    finally:
        set_language("zh")
    assert status == "not attempted" and words in lines[0] and "NotImplementedError" not in "".join(lines)


def test_a_trained_model_passes_every_tier(in_notebook_folder, trained_params):
    np.savez("best_model.npz", **trained_params)
    for grade_id in MODEL_IDS:
        assert passes(grade_id, patched()), grade_id


def test_an_untrained_model_fails_every_tier(in_notebook_folder):
    rng = np.random.default_rng(0)
    np.savez("best_model.npz", W1=1e-3 * rng.standard_normal((3072, 20)), b1=np.zeros(20),
             W2=1e-3 * rng.standard_normal((20, 10)), b2=np.zeros(10))
    assert passes("FullyConnectedNet_best_model_file", patched())
    for grade_id in MODEL_IDS[1:]:
        assert fails(grade_id, patched()), grade_id


def test_a_large_model_travels_in_blocks(in_notebook_folder):
    """3072 x 1024 weights exceed one probe output; the probe splits them and the judge joins them again."""
    W1 = np.zeros((3072, 1024), dtype=np.float32)
    W1[:, 0] = 1.0
    np.savez("best_model.npz", W1=W1, b1=np.zeros(1024), W2=np.zeros((1024, 10)), b2=np.zeros(10))
    assert passes("FullyConnectedNet_best_model_file", patched())
    case_ = CASES["FullyConnectedNet_best_model_file"]
    outputs = run_probe(case_, patched(), 0).outputs
    assert len([name for name in outputs if name.startswith("W1#")]) == 4


@pytest.mark.parametrize("arrays", [
    {"W": np.zeros((3072, 10)), "b": np.zeros(10)},  # saved the wrong names
    {"W1": np.zeros((784, 10)), "b1": np.zeros(10)},  # MNIST-sized input
    {"W1": np.zeros((3072, 20)), "b1": np.zeros(20), "W2": np.zeros((30, 10)), "b2": np.zeros(10)},  # broken chain
    {"W1": np.zeros((3072, 20)), "b1": np.zeros(20), "W2": np.zeros((20, 7)), "b2": np.zeros(7)},  # 7 classes
    {"W1": np.zeros((3072, 20)), "b1": np.zeros(20)},  # 20 outputs
    {"W1": np.full((3072, 10), np.nan), "b1": np.zeros(10)},
])
def test_a_malformed_file_fails_every_case(in_notebook_folder, arrays):
    np.savez("best_model.npz", **arrays)
    for grade_id in MODEL_IDS:
        assert fails(grade_id, patched()), grade_id


def test_a_pickled_file_is_refused(in_notebook_folder):
    np.savez("best_model.npz", W1=np.array([{"evil": 1}], dtype=object), b1=np.zeros(10))
    assert set(statuses("FullyConnectedNet_best_model_file", patched())) == {"error"}


def test_the_judge_reads_the_test_split_not_the_notebook(in_notebook_folder, trained_params):
    """The accuracy comes from the data loader's test split: a model that is perfect on it passes however the
    notebook was run, and the tiers are the embedded ones when the loader fell back to the embedded set."""
    X, y, name = best_model.test_split()
    assert name == "embedded" and X.shape == (35, 3072) and X.dtype == np.float64
    accuracy = np.mean(trusted_predictions(trained_params, X) == y)
    assert accuracy >= best_model.EMBEDDED_TIERS[52]


def grader_outputs(arrays, y_pred=None):
    """What the instructor's grader hands the judges: the file's arrays (row blocks and all) as Plain values, and
    the labels grading.model_score predicts on the test split."""
    out = {name: to_plain(value) for name, value in best_model.saved_outputs(arrays).items()}
    if y_pred is None:
        y_pred = trusted_predictions(arrays, best_model.test_split()[0])
    out[best_model.PREDICTIONS] = to_plain(y_pred)
    return out


def judged(grade_id, got):
    case_ = CASES[grade_id]
    set_language("en")
    try:
        return [params["text"] for _, params in compare(case_, got, None, np.random.default_rng(0))]
    finally:
        set_language("zh")


def test_the_graders_outputs_are_judged_alike(in_notebook_folder, trained_params):
    """The grader's outputs (arrays + its own predictions) pass or fail every tier as the notebook's would."""
    for grade_id in MODEL_IDS:
        assert judged(grade_id, grader_outputs(trained_params)) == [], grade_id
    rng = np.random.default_rng(0)
    untrained = {"W1": 1e-3 * rng.standard_normal((3072, 20)), "b1": np.zeros(20),
                 "W2": 1e-3 * rng.standard_normal((20, 10)), "b2": np.zeros(10)}
    assert judged("FullyConnectedNet_best_model_file", grader_outputs(untrained)) == []
    for grade_id in MODEL_IDS[1:]:
        assert "classifies" in judged(grade_id, grader_outputs(untrained))[0], grade_id


def test_the_graders_large_model_is_joined_again(in_notebook_folder):
    W1 = np.zeros((3072, 1024), dtype=np.float32)
    arrays = {"W1": W1, "b1": np.zeros(1024), "W2": np.zeros((1024, 10)), "b2": np.zeros(10)}
    got = grader_outputs(arrays)
    assert len([name for name in got if name.startswith("W1#")]) == 4
    assert judged("FullyConnectedNet_best_model_file", got) == []
    assert best_model.saved_params(got)["W1"].shape == (3072, 1024)


def test_the_predictions_are_no_saved_array(in_notebook_folder, trained_params):
    """y_pred is left out of the structure check, and the tiers need it once the structure is right."""
    assert set(best_model.saved_params(grader_outputs(trained_params))) == set(trained_params)
    got = grader_outputs(trained_params)
    del got[best_model.PREDICTIONS]
    assert judged("FullyConnectedNet_best_model_file", got) == []
    for grade_id in MODEL_IDS[1:]:
        assert "missing" in judged(grade_id, got)[0], grade_id
    y = best_model.test_split()[1]
    for y_pred in (y[:-1], np.stack([y, y], axis=1)):
        for grade_id in MODEL_IDS[1:]:
            assert "returned shape" in judged(grade_id, grader_outputs(trained_params, y_pred))[0], grade_id


def test_a_saved_prediction_array_is_not_taken_for_the_predictions(in_notebook_folder, trained_params):
    y = best_model.test_split()[1]
    np.savez("best_model.npz", **trained_params, y_pred=y)
    for grade_id in MODEL_IDS:
        assert fails(grade_id, patched()), grade_id


@pytest.mark.parametrize("net", [fc_net(), FcNetWithLayerHelpers], ids=["numpy", "layer helpers"])
def test_the_notebook_predicts_with_the_students_own_net(in_notebook_folder, trained_params, net):
    """In the notebook the student's FullyConnectedNet (and predict) loaded with the saved arrays gives the labels:
    a correct one written differently passes every tier, one whose predict picks the wrong class fails them."""
    np.savez("best_model.npz", **trained_params)
    for grade_id in MODEL_IDS:
        assert passes(grade_id, patched(FullyConnectedNet=net)), grade_id

    class WrongPredict(net):
        def predict(self, X):
            return np.argmin(self.loss(X), axis=1)

    assert passes("FullyConnectedNet_best_model_file", patched(FullyConnectedNet=WrongPredict))
    for grade_id in MODEL_IDS[1:]:
        assert fails(grade_id, patched(FullyConnectedNet=WrongPredict)), grade_id


def test_a_stubbed_net_cannot_predict(in_notebook_folder, trained_params):
    class StubNet(REF.FullyConnectedNet):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError

    np.savez("best_model.npz", **trained_params)
    assert passes("FullyConnectedNet_best_model_file", patched(FullyConnectedNet=StubNet))
    for grade_id in MODEL_IDS[1:]:
        assert set(statuses(grade_id, patched(FullyConnectedNet=StubNet))) == {"not attempted"}, grade_id


def _meta(**fields):
    import json

    return np.frombuffer(json.dumps(fields).encode(), dtype=np.uint8)


def test_meta_is_no_parameter(in_notebook_folder, trained_params):
    """A file written by utils.best_model.save_if_better holds `meta` next to the parameters: it is read, never
    taken for a layer."""
    np.savez("best_model.npz", **trained_params, meta=_meta(data="embedded", val_acc=0.9))
    for grade_id in MODEL_IDS:
        assert passes(grade_id, patched()), grade_id


def test_a_model_trained_on_other_data_than_the_course_scores_on_says_so(in_notebook_folder, trained_params,
                                                                        monkeypatch):
    """The release records the course's scoring data ("settings" of its marker): a model trained on the embedded
    set where the course scores on CIFAR-10 does not pass in the notebook, and the message says why."""
    monkeypatch.setattr(best_model, "released_scoring_data", lambda: "cifar10")
    np.savez("best_model.npz", **trained_params, meta=_meta(data="embedded", val_acc=0.9))
    assert passes("FullyConnectedNet_best_model_file", patched())
    for grade_id in MODEL_IDS[1:]:
        assert fails(grade_id, patched()), grade_id
    set_language("en")
    try:
        text = judged(MODEL_IDS[1], run_probe(CASES[MODEL_IDS[1]], patched(), 0).outputs)
    finally:
        set_language("zh")
    assert text == ["this model was trained on the embedded digits set, but it is scored on CIFAR-10: train it on "
                    "CIFAR-10 and save it again."]
    monkeypatch.setattr(best_model, "released_scoring_data", lambda: "embedded")
    for grade_id in MODEL_IDS:
        assert passes(grade_id, patched()), grade_id


def test_released_scoring_data_reads_the_release_marker(tmp_path, monkeypatch):
    import json

    root = tmp_path / "release"
    (root / "utils" / "checks" / "cases").mkdir(parents=True)
    monkeypatch.setattr(best_model, "__file__", str(root / "utils" / "checks" / "cases" / "best_model.py"))
    assert best_model.released_scoring_data() is None  # no release: nothing to compare with
    (root / best_model.RELEASE_MARKER).write_text(json.dumps({"files": [], "settings": {"scoring_data": "embedded"}}))
    assert best_model.released_scoring_data() == "embedded"
    (root / best_model.RELEASE_MARKER).write_text(json.dumps({"files": [], "settings": {"scoring_data": "evil"}}))
    assert best_model.released_scoring_data() is None


@pytest.mark.parametrize("name, tier, words", [
    ("embedded", 40, "tier acc_40 needs at least 60% on the embedded digits set"),
    ("cifar10", 52, "tier acc_52 needs at least 52% on CIFAR-10"),
])
def test_tier_messages_name_the_threshold_in_force(in_notebook_folder, monkeypatch, name, tier, words):
    X, y, _ = best_model.test_split()
    monkeypatch.setattr(best_model, "test_split", lambda source=None, pool=False: (X, y, name))
    rng = np.random.default_rng(0)
    np.savez("best_model.npz", W1=1e-3 * rng.standard_normal((3072, 20)), b1=np.zeros(20),
             W2=1e-3 * rng.standard_normal((20, 10)), b2=np.zeros(10))
    grade_id = f"FullyConnectedNet_best_model_acc_{tier}"
    set_language("en")
    try:
        text = judged(grade_id, run_probe(CASES[grade_id], patched(), 0).outputs)
    finally:
        set_language("zh")
    assert words in text[0], text
