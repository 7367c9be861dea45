"""Mini-batch gradient descent and the training loop (reference solution)."""
import numpy as np

from layers import init_params, mlp_forward
from losses import one_hot, cross_entropy
from backprop import mlp_backward


def sgd_step(params, grads, lr):
    return {k: np.asarray(params[k], dtype=float) - lr * np.asarray(grads[k], dtype=float) for k in params}


def iterate_minibatches(X, Y, batch_size, rng):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    order = rng.permutation(len(X))
    for start in range(0, len(X), int(batch_size)):
        batch = order[start:start + int(batch_size)]
        yield X[batch], Y[batch]


def train(X, y, layer_sizes, epochs=100, lr=0.1, batch_size=32, seed=0):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    Y = one_hot(y, layer_sizes[-1])
    params = init_params(layer_sizes, seed=seed)
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        for X_batch, Y_batch in iterate_minibatches(X, Y, batch_size, rng):
            _, cache = mlp_forward(X_batch, params)
            params = sgd_step(params, mlp_backward(Y_batch, params, cache), lr)
        P, _ = mlp_forward(X, params)
        history["loss"].append(cross_entropy(P, Y))
        history["accuracy"].append(accuracy(P.argmax(axis=-1), y))
    return params, history


def predict(X, params):
    P, _ = mlp_forward(X, params)
    return P.argmax(axis=-1)


def accuracy(y_pred, y_true):
    return float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))
