"""Backpropagation through an MLP (reference solution)."""
import numpy as np

from activations import relu_grad


def dense_backward(dZ, A_prev, W):
    dZ = np.asarray(dZ, dtype=float)
    dA_prev = dZ @ np.asarray(W, dtype=float).T
    dW = np.asarray(A_prev, dtype=float).T @ dZ
    db = dZ.sum(axis=0)
    return dA_prev, dW, db


def mlp_backward(Y, params, cache, hidden_activation_grad=relu_grad):
    Y = np.asarray(Y, dtype=float)
    L = len(params) // 2
    # Softmax followed by mean cross-entropy: the 1/n of the mean enters here, once.
    dZ = (cache[f"A{L}"] - Y) / len(Y)
    grads = {}
    for l in range(L, 0, -1):
        dA_prev, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dZ, cache[f"A{l - 1}"], params[f"W{l}"])
        if l > 1:
            dZ = dA_prev * hidden_activation_grad(cache[f"Z{l - 1}"])
    return {k: grads[k] for k in params}
