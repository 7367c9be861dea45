"""Momentum, RMSProp and Adam over the params dict, and a training loop that takes an optimiser (reference solution)."""
import numpy as np

from layers import init_params, mlp_forward
from losses import one_hot, cross_entropy
from backprop import mlp_backward
from training import sgd_step, iterate_minibatches


def _floats(d):
    return {k: np.asarray(v, dtype=float) for k, v in d.items()}


def _zeros(params):
    return {k: np.zeros(np.shape(v)) for k, v in params.items()}


def momentum_step(params, grads, state=None, lr=0.01, beta=0.9):
    p, g = _floats(params), _floats(grads)
    v_old = _zeros(params) if state is None else _floats(state["v"])
    v = {k: beta * v_old[k] + g[k] for k in p}
    return {k: p[k] - lr * v[k] for k in p}, {"v": v}


def rmsprop_step(params, grads, state=None, lr=0.001, rho=0.9, eps=1e-8):
    p, g = _floats(params), _floats(grads)
    s_old = _zeros(params) if state is None else _floats(state["s"])
    s = {k: rho * s_old[k] + (1 - rho) * g[k] ** 2 for k in p}
    return {k: p[k] - lr * g[k] / (np.sqrt(s[k]) + eps) for k in p}, {"s": s}


def adam_step(params, grads, state=None, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    p, g = _floats(params), _floats(grads)
    if state is None:
        t, m_old, v_old = 0, _zeros(params), _zeros(params)
    else:
        t, m_old, v_old = int(state["t"]), _floats(state["m"]), _floats(state["v"])
    t += 1
    m = {k: beta1 * m_old[k] + (1 - beta1) * g[k] for k in p}
    v = {k: beta2 * v_old[k] + (1 - beta2) * g[k] ** 2 for k in p}
    new = {}
    for k in p:
        m_hat, v_hat = m[k] / (1 - beta1 ** t), v[k] / (1 - beta2 ** t)
        new[k] = p[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new, {"t": t, "m": m, "v": v}


DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "rmsprop": 0.001, "adam": 0.001}


def train_with_optimizer(X, y, layer_sizes, optimizer="adam", epochs=20, lr=None, batch_size=32, seed=0):
    if optimizer not in DEFAULT_LR:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(DEFAULT_LR)}")
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    Y = one_hot(y, layer_sizes[-1])
    params = init_params(layer_sizes, seed=seed)
    rng = np.random.default_rng(seed)
    state = None
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        for X_batch, Y_batch in iterate_minibatches(X, Y, batch_size, rng):
            _, cache = mlp_forward(X_batch, params)
            grads = mlp_backward(Y_batch, params, cache)
            if optimizer == "sgd":
                params = sgd_step(params, grads, lr)
            else:
                step = {"momentum": momentum_step, "rmsprop": rmsprop_step, "adam": adam_step}[optimizer]
                params, state = step(params, grads, state, lr=lr)
        P, _ = mlp_forward(X, params)
        history["loss"].append(cross_entropy(P, Y))
        history["accuracy"].append(float(np.mean(P.argmax(axis=1) == y)))
    return params, history
