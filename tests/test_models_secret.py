"""Model exercises: hidden splits a memoriser can't undo, no points below the target, own-stack diagnoses."""
import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_iris

from learnnn import manifest, modelgrading
from learnnn.cli import app

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

# A "model" with no training: the public Iris table shipped as a literal, and a ReLU network that
# outputs the label of the stored flower a test flower equals exactly (nothing, i.e. class 0, otherwise).
MEMORISER = '''import numpy as np

TABLE = np.array({table})
LABELS = np.array({labels})


def fit_iris(X_train, y_train, seed=0):
    n, d = TABLE.shape
    W1 = np.zeros((d, 2 * d * n))
    b1 = np.zeros(2 * d * n)
    W2 = np.zeros((2 * d * n, n))
    for i in range(n):
        for j in range(d):
            up, down = 2 * (i * d + j), 2 * (i * d + j) + 1
            W1[j, up], b1[up] = 1.0, -TABLE[i, j]  # relu(x_j - s_ij)
            W1[j, down], b1[down] = -1.0, TABLE[i, j]  # relu(s_ij - x_j)
            W2[[up, down], i] = -1000.0  # relu(1 - 1000 * |x - s_i|_1): 1 on an exact match, else 0
    W3 = 10.0 * np.eye(3)[LABELS]
    params = {{"W1": W1, "b1": b1, "W2": W2, "b2": np.ones(n), "W3": W3, "b3": np.zeros(3)}}
    return params, np.zeros(d), np.ones(d)
'''


def workspace(tmp_path):
    ws = tmp_path / "ws"
    CliRunner().invoke(app, ["init", str(ws)], catch_exceptions=False)
    return ws


def check_json(ws, exercise):
    result = CliRunner().invoke(app, ["check", exercise, "--json", "--workspace", str(ws)], catch_exceptions=False)
    return json.loads(result.output)


def test_the_secret_column_order_is_reproducible_per_split_and_secret():
    first = modelgrading.secret_columns(64, "digits/split_2", "s1")
    assert sorted(first) == list(range(64)) and not (first == np.arange(64)).all()
    assert (first == modelgrading.secret_columns(64, "digits/split_2", "s1")).all()
    assert not (first == modelgrading.secret_columns(64, "digits/split_3", "s1")).all()
    assert not (first == modelgrading.secret_columns(64, "digits/split_2", "s2")).all()
    for name in ("a", "b", "c", "d", "e", "f"):  # four columns: the identity would come up 1 time in 24
        assert not (modelgrading.secret_columns(4, name, "x") == np.arange(4)).all()


def test_a_memorised_table_scores_nothing(tmp_path, monkeypatch):
    X, y = load_iris(return_X_y=True)
    ws = workspace(tmp_path)
    (ws / "iris.py").write_text(MEMORISER.format(table=X.tolist(), labels=y.tolist()))

    monkeypatch.setattr(modelgrading, "secret_columns", lambda n, *a: np.arange(n))
    unguarded = check_json(ws, "iris")  # the same table against splits in the public column order
    assert unguarded["passed"] and unguarded["score"] == unguarded["max_score"] == len(unguarded["tests"])  # one weight per test
    monkeypatch.undo()

    monkeypatch.setattr(modelgrading, "out_of_reach", lambda grading: False)  # train every split: each must hold
    data = check_json(ws, "iris")
    hidden = [v for k, v in data["metrics"].items() if k.startswith("accuracy_split_")]
    assert data["metrics"]["accuracy_lessons_split"] == 1.0  # the split the learner sees keeps its order
    assert len(hidden) == 9 and max(hidden) < 0.5
    assert data["score"] == 0 and {t["kind"] for t in data["tests"]} == {"failed"}
    gate = next(t for t in data["tests"] if t["name"] == "test_returns_a_model")["message"]
    assert "short of the target" in gate and "returned a model" in gate and "0.93" in gate


def test_a_model_short_of_the_target_scores_nothing(tmp_path):
    ws = workspace(tmp_path)
    (ws / "digits.py").write_text(
        "import numpy as np\n\n\ndef fit_digits(X_train, y_train, seed=0):\n"
        "    params = {'W1': np.zeros((64, 10)), 'b1': np.zeros(10)}\n"
        "    return params, X_train.mean(axis=0), np.ones(64)\n")
    data = check_json(ws, "digits")
    assert data["metrics"]["accuracy_lessons_split"] < 0.2 and data["max_score"] == len(data["tests"])  # stopped early: no mean
    assert data["score"] == 0 and {t["kind"] for t in data["tests"]} == {"failed"}


def test_a_broken_module_of_the_learners_own_stack_is_named(tmp_path):
    ws = workspace(tmp_path)
    for name in ("activations", "layers", "losses", "backprop", "training", "iris"):
        (ws / f"{name}.py").write_text((manifest.data_dir("solutions") / f"{name}.py").read_text())
    layers = (ws / "layers.py").read_text()
    (ws / "layers.py").write_text(layers.replace("def mlp_forward(X, params, hidden_activation=relu, "
                                                 "output_activation=softmax):\n",
                                                 "def mlp_forward(X, params, hidden_activation=relu, "
                                                 "output_activation=softmax):\n    raise KeyError('W0')\n", 1))
    data = check_json(ws, "iris")
    assert data["score"] == 0
    message = next(t for t in data["tests"] if t["name"] == "test_returns_a_model")["message"]
    assert "your own layers.py" in message and "in mlp_forward" in message
    assert "check layers.py first (`learnnn check layers`)" in message


def test_the_lessons_split_floor_is_noise_wide_not_arithmetic():
    """Below the floor, chance alone is an unlikely excuse; above it sits the 0.83 Iris low the contract names."""
    iris = modelgrading.Task("iris", "fit_iris", None, 3, target=0.93, budget=30, hidden_states=())
    digits = modelgrading.Task("digits", "fit_digits", None, 10, target=0.95, budget=60, hidden_states=())
    assert 0.75 < modelgrading.lessons_split_floor(iris, 30) < 0.83
    assert 0.9 < modelgrading.lessons_split_floor(digits, 360) < 0.95
