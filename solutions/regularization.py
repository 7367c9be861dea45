"""Regularisation: L2 weight decay, inverted dropout and early stopping (reference solution)."""
import numpy as np

from activations import relu_grad
from layers import init_params, mlp_forward
from losses import one_hot, cross_entropy
from backprop import mlp_backward
from training import sgd_step, iterate_minibatches


def l2_penalty(params, lam):
    return float(lam / 2 * sum(np.sum(np.asarray(v, dtype=float) ** 2) for k, v in params.items() if k.startswith("W")))


def l2_loss(P, Y, params, lam):
    return float(cross_entropy(P, Y)) + l2_penalty(params, lam)


def l2_backward(Y, params, cache, lam, hidden_activation_grad=relu_grad):
    grads = mlp_backward(Y, params, cache, hidden_activation_grad)
    return {k: g + lam * np.asarray(params[k], dtype=float) if k.startswith("W") else g for k, g in grads.items()}


def _check_keep_prob(keep_prob):
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")


def dropout_forward(A, keep_prob, rng):
    _check_keep_prob(keep_prob)
    A = np.asarray(A, dtype=float)
    mask = (rng.random(A.shape) < keep_prob).astype(float)
    return A * mask / keep_prob, mask


def dropout_backward(dA, mask, keep_prob):
    _check_keep_prob(keep_prob)
    return np.asarray(dA, dtype=float) * np.asarray(mask, dtype=float) / keep_prob


def train_early_stopping(X_train, y_train, X_val, y_val, layer_sizes, epochs=200, lr=0.1, batch_size=32,
                         lam=0.0, patience=10, seed=0):
    X, Xv = np.asarray(X_train, dtype=float), np.asarray(X_val, dtype=float)
    Y = one_hot(np.asarray(y_train).astype(int), layer_sizes[-1])
    Yv = one_hot(np.asarray(y_val).astype(int), layer_sizes[-1])
    params = init_params(layer_sizes, seed=seed)
    rng = np.random.default_rng(seed)
    history = {"loss": [], "val_loss": [], "best_epoch": 0}
    best, best_loss = params, np.inf
    for epoch in range(epochs):
        for X_batch, Y_batch in iterate_minibatches(X, Y, batch_size, rng):
            _, cache = mlp_forward(X_batch, params)
            params = sgd_step(params, l2_backward(Y_batch, params, cache, lam), lr)
        history["loss"].append(cross_entropy(mlp_forward(X, params)[0], Y))
        history["val_loss"].append(cross_entropy(mlp_forward(Xv, params)[0], Yv))
        if history["val_loss"][-1] < best_loss:
            best, best_loss, history["best_epoch"] = params, history["val_loss"][-1], epoch
        elif epoch - history["best_epoch"] >= patience:
            break
    return best, history
