"""Hidden suite: neuron."""
import re

import numpy as np

from learnnn.feedback import expect_close, expect_float, expect_result, expect_scalar, expect_unchanged, fail, hinted
from learnnn.sandbox import LearnerRaised
from learnnn.worker import Named

# 5 samples, 3 features: non-square so x @ w and w @ x can't both work.
X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [0.0, 0.0, 0.0], [-2.0, 1.0, 0.75], [0.3, -0.6, 0.9]])
W = np.array([0.8, -0.4, 0.25])
B = -0.3


def _sig(z):
    return 1 / (1 + np.exp(-z))


def mistakes(x, w, b, act=_sig):
    z = x @ w
    return {"the activation without the bias b (activation(x @ w))": act(z),
            "x @ w + b without the activation": z + b,
            "activation(x @ w - b) (the bias subtracted)": act(z - b),
            "sigmoid, not the activation you were given": _sig(z + b)}


def test_single_sample_gives_a_number(learner):
    got = learner.neuron(X[0], W, B)
    value = expect_scalar(got, "neuron(x, w, b) for one sample x of shape (3,)")
    expected = float(_sig(X[0] @ W + B))
    expect_close(value, expected, call="neuron(x, w, b) for one sample", mistakes=mistakes(X[0], W, B),
                 hint="A neuron computes activation(x @ w + b).")


def test_single_sample_returns_float(learner):
    got = learner.neuron(X[0], W, B)
    expect_scalar(got, "neuron(x, w, b) for one sample")
    if isinstance(got, np.ndarray) and got.ndim > 0:
        fail(f"neuron(x, w, b) for one sample returned an array of shape {got.shape}; return a single float")
    expect_close(got, float(_sig(X[0] @ W + B)), call="neuron(x, w, b) for one sample", mistakes=mistakes(X[0], W, B),
                 hint="A neuron computes activation(x @ w + b).")


W_FIRST = re.compile(r"dot\(\s*w\b|\bw\s*@|\bw\.dot\(")  # np.dot(w, x), w @ X, w.dot(x)


def test_batch_values(learner):
    expected = _sig(X @ W + B)
    hint = "X has shape (5, 3) and w shape (3,) here: X @ w gives one value per sample, shape (5,)."
    with hinted(hint):
        try:
            got = learner.neuron(X, W, B)
        except LearnerRaised as exc:
            if exc.kind == "ValueError" and W_FIRST.search(exc.where):
                fail(f"{exc}. Likely mistake: w first. Put the batch first, X @ w (np.dot(X, w)): w @ X pairs "
                     f"w's 3 weights with X's 5 rows. {hint}")
            raise
    expect_close(got, expected, call="neuron(X, w, b) for X of shape (5, 3)", inputs=X,
                 input_name="x", mistakes=mistakes(X, W, B), why_shape="one output per sample",
                 hint="With X of shape (n, d) and w of shape (d,), X @ w has shape (n,).")


def test_uses_given_activation(learner):
    expected = np.maximum(0, X @ W + B)
    expect_close(learner.neuron(X, W, B, activation=Named("relu")), expected,
                 call="neuron(X, w, b, activation=relu)", inputs=X, input_name="x",
                 mistakes=mistakes(X, W, B, lambda z: np.maximum(0, z)),
                 hint="Call the `activation` argument on x @ w + b.")


def test_tanh_activation(learner):
    expect_close(learner.neuron(X, W, B, activation=Named("tanh")), np.tanh(X @ W + B),
                 call="neuron(X, w, b, activation=tanh)", inputs=X, input_name="x",
                 mistakes=mistakes(X, W, B, np.tanh))


def test_positive_bias(learner):
    expect_close(learner.neuron(X, W, 1.25), _sig(X @ W + 1.25), call="neuron(X, w, 1.25)", inputs=X,
                 input_name="x", mistakes=mistakes(X, W, 1.25))


def test_accepts_int_lists(learner):
    x, w = [[1, 2], [3, -1], [0, 4]], [1, -2]
    got = learner.neuron(x, w, 1)
    expect_float(got, "neuron(x, w, 1) with int lists")
    expect_close(got, _sig(np.array(x) @ np.array(w) + 1), call="neuron(x, w, 1) with int lists",
                 hint="Convert inputs with np.asarray(x, dtype=float).")


def test_leaves_inputs_unchanged(learner):
    got = learner.neuron(X.copy(), W.copy(), B)
    expect_unchanged(learner.last, "neuron(X, w, b)")
    expect_result(got, (len(X),), "neuron(X, w, b)", "one output per sample")


def test_accepts_read_only_inputs(learner):
    expect_close(learner.neuron(X, W, B, readonly=["*"]), _sig(X @ W + B),
                 call="neuron(X, w, b) with read-only X and w", inputs=X, input_name="x")


def test_large_inputs_stay_finite(learner):
    x = np.array([[1e3, -1e3, 5e2], [-1e3, 1e3, -5e2]])
    expect_close(learner.neuron(x, W, B), _sig(x @ W + B), call="neuron(x, w, b) for inputs of size 1e3",
                 inputs=x, input_name="x", atol=1e-12)
